//! Just enough of a BTF reader to find struct member offsets and enum values in the running
//! kernel's type information (`/sys/kernel/btf/vmlinux`).
//!
//! Anonymous struct and union members are searched through, so `sock_common.skc_daddr` is found
//! inside its anonymous `skc_addrpair` union. Dotted paths walk nested members
//! (`sock.__sk_common.skc_family`).

use std::path::Path;

use rustc_hash::FxHashMap;

use crate::error::CaptureError;

const MAGIC: u16 = 0xeb9f;

const KIND_INT: u32 = 1;
const KIND_PTR: u32 = 2;
const KIND_ARRAY: u32 = 3;
const KIND_STRUCT: u32 = 4;
const KIND_UNION: u32 = 5;
const KIND_ENUM: u32 = 6;
const KIND_FWD: u32 = 7;
const KIND_TYPEDEF: u32 = 8;
const KIND_VOLATILE: u32 = 9;
const KIND_CONST: u32 = 10;
const KIND_RESTRICT: u32 = 11;
const KIND_FUNC: u32 = 12;
const KIND_FUNC_PROTO: u32 = 13;
const KIND_VAR: u32 = 14;
const KIND_DATASEC: u32 = 15;
const KIND_FLOAT: u32 = 16;
const KIND_DECL_TAG: u32 = 17;
const KIND_TYPE_TAG: u32 = 18;
const KIND_ENUM64: u32 = 19;

#[derive(Clone, Debug)]
struct Member {
    name: u32,
    ty: u32,
    /// Bit offset within the parent.
    bit_offset: u32,
    /// Non-zero for bitfields.
    bitfield_size: u32,
}

#[derive(Clone, Debug)]
struct Type {
    kind: u32,
    name: u32,
    /// Size for int/struct/union/enum, referenced type for ptr/typedef/const/…
    size_or_type: u32,
    members: Vec<Member>,
    /// Enum values (name offset, value).
    values: Vec<(u32, i64)>,
    /// Array element type and count.
    array: Option<(u32, u32)>,
}

/// Parsed BTF type information.
pub struct Btf {
    types: Vec<Type>,
    strings: Vec<u8>,
    by_name: FxHashMap<Vec<u8>, u32>,
}

impl Btf {
    /// Reads the kernel's BTF from `/sys/kernel/btf/vmlinux`.
    pub fn from_kernel() -> Result<Btf, CaptureError> {
        Btf::from_file(Path::new("/sys/kernel/btf/vmlinux"))
    }

    pub fn from_file(path: &Path) -> Result<Btf, CaptureError> {
        let data = std::fs::read(path).map_err(|e| CaptureError::Btf {
            path: path.into(),
            reason: e.to_string(),
        })?;
        Btf::parse(&data).map_err(|reason| CaptureError::Btf {
            path: path.into(),
            reason,
        })
    }

    pub fn parse(data: &[u8]) -> Result<Btf, String> {
        let u16_at = |o: usize| -> Result<u16, String> {
            data.get(o..o + 2)
                .map(|b| u16::from_le_bytes([b[0], b[1]]))
                .ok_or_else(|| format!("truncated at byte {o}"))
        };
        let u32_at = |o: usize| -> Result<u32, String> {
            data.get(o..o + 4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .ok_or_else(|| format!("truncated at byte {o}"))
        };
        if u16_at(0)? != MAGIC {
            return Err("not BTF (bad magic)".into());
        }
        let hdr_len = u32_at(4)? as usize;
        let type_off = u32_at(8)? as usize;
        let type_len = u32_at(12)? as usize;
        let str_off = u32_at(16)? as usize;
        let str_len = u32_at(20)? as usize;
        let strings = data
            .get(hdr_len + str_off..hdr_len + str_off + str_len)
            .ok_or("string section out of bounds")?
            .to_vec();
        let mut types = vec![Type {
            kind: 0,
            name: 0,
            size_or_type: 0,
            members: Vec::new(),
            values: Vec::new(),
            array: None,
        }];
        let mut p = hdr_len + type_off;
        let end = p + type_len;
        while p < end {
            let name = u32_at(p)?;
            let info = u32_at(p + 4)?;
            let size_or_type = u32_at(p + 8)?;
            p += 12;
            let vlen = (info & 0xffff) as usize;
            let kind = (info >> 24) & 0x1f;
            let kind_flag = info >> 31 == 1;
            let mut t = Type {
                kind,
                name,
                size_or_type,
                members: Vec::new(),
                values: Vec::new(),
                array: None,
            };
            match kind {
                KIND_INT | KIND_VAR | KIND_DECL_TAG => p += 4,
                KIND_PTR | KIND_FWD | KIND_TYPEDEF | KIND_VOLATILE | KIND_CONST | KIND_RESTRICT
                | KIND_FUNC | KIND_FLOAT | KIND_TYPE_TAG => {}
                KIND_ARRAY => {
                    t.array = Some((u32_at(p)?, u32_at(p + 8)?));
                    p += 12;
                }
                KIND_STRUCT | KIND_UNION => {
                    for _ in 0..vlen {
                        let off = u32_at(p + 8)?;
                        let (bit_offset, bitfield_size) = if kind_flag {
                            (off & 0xff_ffff, off >> 24)
                        } else {
                            (off, 0)
                        };
                        t.members.push(Member {
                            name: u32_at(p)?,
                            ty: u32_at(p + 4)?,
                            bit_offset,
                            bitfield_size,
                        });
                        p += 12;
                    }
                }
                KIND_ENUM => {
                    for _ in 0..vlen {
                        t.values.push((u32_at(p)?, u32_at(p + 4)? as i32 as i64));
                        p += 8;
                    }
                }
                KIND_ENUM64 => {
                    for _ in 0..vlen {
                        let v = (u32_at(p + 4)? as u64) | ((u32_at(p + 8)? as u64) << 32);
                        t.values.push((u32_at(p)?, v as i64));
                        p += 12;
                    }
                }
                KIND_FUNC_PROTO => p += 8 * vlen,
                KIND_DATASEC => p += 12 * vlen,
                other => return Err(format!("unknown BTF kind {other} at byte {p}")),
            }
            types.push(t);
        }
        let mut by_name = FxHashMap::default();
        for (id, t) in types.iter().enumerate() {
            if matches!(t.kind, KIND_STRUCT | KIND_UNION | KIND_ENUM | KIND_ENUM64) && t.name != 0 {
                let n = cstr(&strings, t.name).to_vec();
                by_name.entry(n).or_insert(id as u32);
            }
        }
        Ok(Btf {
            types,
            strings,
            by_name,
        })
    }

    fn name(&self, off: u32) -> &[u8] {
        cstr(&self.strings, off)
    }

    /// Follows typedefs, const, volatile and friends to the underlying type.
    fn resolve(&self, mut id: u32) -> u32 {
        for _ in 0..32 {
            let Some(t) = self.types.get(id as usize) else {
                return id;
            };
            match t.kind {
                KIND_TYPEDEF | KIND_VOLATILE | KIND_CONST | KIND_RESTRICT | KIND_TYPE_TAG => {
                    id = t.size_or_type
                }
                _ => return id,
            }
        }
        id
    }

    /// The struct or union named `name`.
    fn named(&self, name: &str) -> Option<u32> {
        self.by_name.get(name.as_bytes()).copied()
    }

    /// Byte offset and type of member `name` of type `id`, searching anonymous members.
    fn member(&self, id: u32, name: &[u8]) -> Option<(u32, u32)> {
        let t = self.types.get(self.resolve(id) as usize)?;
        if !matches!(t.kind, KIND_STRUCT | KIND_UNION) {
            return None;
        }
        for m in &t.members {
            if m.bitfield_size != 0 || m.bit_offset % 8 != 0 {
                if self.name(m.name) == name {
                    return None; // a bitfield cannot be read with a plain load
                }
                continue;
            }
            if m.name != 0 && self.name(m.name) == name {
                return Some((m.bit_offset / 8, m.ty));
            }
            if m.name == 0
                && let Some((o, ty)) = self.member(m.ty, name)
            {
                return Some((m.bit_offset / 8 + o, ty));
            }
        }
        None
    }

    /// Byte offset of `path` (dotted member names) inside struct or union `ty`.
    pub fn offset(&self, ty: &str, path: &str) -> Option<u32> {
        let mut id = self.named(ty)?;
        let mut total = 0;
        for part in path.split('.') {
            let (o, t) = self.member(id, part.as_bytes())?;
            total += o;
            id = t;
        }
        Some(total)
    }

    /// Size in bytes of struct or union `ty`.
    pub fn size(&self, ty: &str) -> Option<u32> {
        let id = self.named(ty)?;
        Some(self.types[id as usize].size_or_type)
    }

    /// Value of enumerator `name` of enum `ty`.
    pub fn enum_value(&self, ty: &str, name: &str) -> Option<i64> {
        let t = &self.types[self.named(ty)? as usize];
        t.values
            .iter()
            .find(|(n, _)| self.name(*n) == name.as_bytes())
            .map(|&(_, v)| v)
    }

    /// Number of elements of the array member `path` of `ty`.
    pub fn array_len(&self, ty: &str, path: &str) -> Option<u32> {
        let mut id = self.named(ty)?;
        for part in path.split('.') {
            id = self.member(id, part.as_bytes())?.1;
        }
        self.types
            .get(self.resolve(id) as usize)?
            .array
            .map(|(_, n)| n)
    }
}

fn cstr(strings: &[u8], off: u32) -> &[u8] {
    let s = strings.get(off as usize..).unwrap_or(&[]);
    let end = memchr_nul(s);
    &s[..end]
}

fn memchr_nul(s: &[u8]) -> usize {
    s.iter().position(|&b| b == 0).unwrap_or(s.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The running kernel's BTF is the real test input; skip quietly only outside CI when the
    /// machine has none.
    fn kernel() -> Option<Btf> {
        match Btf::from_kernel() {
            Ok(b) => Some(b),
            Err(e) if std::env::var("CI").as_deref() != Ok("true") => {
                eprintln!("no kernel BTF ({e}); skipping");
                None
            }
            Err(e) => panic!("CI=true but no kernel BTF: {e}"),
        }
    }

    #[test]
    fn finds_members_through_anonymous_unions() {
        let Some(b) = kernel() else { return };
        assert_eq!(b.offset("sock", "__sk_common"), Some(0));
        let family = b.offset("sock_common", "skc_family").unwrap();
        let daddr = b.offset("sock_common", "skc_daddr").unwrap();
        assert!(
            daddr < family,
            "skc_daddr lives in the leading anonymous union"
        );
        assert!(b.offset("task_struct", "pid").unwrap() > 0);
        assert_eq!(b.offset("qstr", "name"), Some(8));
        assert!(b.offset("task_struct", "no_such_field").is_none());
        assert!(b.offset("no_such_struct", "pid").is_none());
    }

    #[test]
    fn reads_enums_and_sizes() {
        let Some(b) = kernel() else { return };
        assert_eq!(b.enum_value("pid_type", "PIDTYPE_PID"), Some(0));
        assert_eq!(b.size("upid"), Some(16));
        assert_eq!(b.offset("pt_regs", "orig_ax"), Some(120));
    }

    #[test]
    fn rejects_garbage() {
        assert!(Btf::parse(b"not btf at all, no").is_err());
        assert!(Btf::parse(&[0x9f, 0xeb, 1, 0]).is_err());
    }
}
