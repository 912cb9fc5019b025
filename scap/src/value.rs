//! Typed parameter values, decoded from their bytes per the parameter type of the event table
//! (reference §4.4). Decoding never fails: bytes that do not fit their type come back as
//! [`Value::Malformed`].

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};

use crate::cursor::{Cursor, le_u64};
use crate::table::ParamType;

/// libs' address families (`PPM_AF_*`) as found in SOCKADDR/SOCKTUPLE parameters.
pub mod family {
    pub const UNIX: u8 = 1;
    pub const INET: u8 = 2;
    pub const INET6: u8 = 10;
}

/// One decoded parameter value. Strings and buffers borrow the event's bytes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value<'a> {
    /// The parameter is missing: zero-length in the file (sysdig prints `<NA>`), or beyond the
    /// event's parameter count.
    Absent,
    /// INT8/16/32/64.
    Int(i64),
    /// UINT8/16/32/64.
    UInt(u64),
    /// A syscall return value: the result, or a negative errno on failure.
    Errno(i64),
    /// FD, FD32.
    Fd(i64),
    /// PID, PID32.
    Pid(i64),
    /// CHARBUF: text up to its NUL terminator.
    Str(&'a [u8]),
    /// FSPATH: a path as the process passed it.
    Path(&'a [u8]),
    /// FSRELPATH: a path relative to the fd in parameter `dirfd_param` (`-100` = the cwd).
    RelPath {
        path: &'a [u8],
        dirfd_param: Option<u8>,
    },
    /// BYTEBUF: raw bytes (read/write data, NUL-separated argv/env/cgroups lists).
    Bytes(&'a [u8]),
    /// CHARBUFARRAY / CHARBUF_PAIR_ARRAY: NUL-separated strings, raw.
    StrArray(&'a [u8]),
    SockAddr(SockAddr<'a>),
    SockTuple(SockTuple<'a>),
    FdList(FdList<'a>),
    /// A PPM_SC syscall code (see [`syscall_name`](crate::syscall_name)).
    SyscallId(u16),
    Signal(u8),
    /// Nanoseconds.
    RelTime(u64),
    /// Nanoseconds since the epoch.
    AbsTime(u64),
    Port(u16),
    L4Proto(u8),
    SockFamily(u8),
    Bool(bool),
    /// IPV4ADDR, IPV6ADDR, IPADDR.
    Ip(IpAddr),
    IpNet(IpAddr),
    /// DYN: the index into the parameter's own type table, and the value's bytes.
    Dyn {
        index: u8,
        raw: &'a [u8],
    },
    /// FLAGS8/16/32: libs' own `PPM_*` bits, not Linux values.
    Flags(u32),
    /// ENUMFLAGS8/16/32: one of libs' `PPM_*` enumeration values.
    Enum(u32),
    Uid(u32),
    Gid(u32),
    /// `PPM_S_*` mode bits.
    Mode(u32),
    /// The low 32 bits of a signal set.
    SigSet(u32),
    Double(f64),
    /// Bytes whose length does not fit the parameter type.
    Malformed {
        ty: ParamType,
        raw: &'a [u8],
    },
}

/// A SOCKADDR parameter. Ports are host byte order, addresses as on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SockAddr<'a> {
    Unix {
        path: &'a [u8],
    },
    Inet(SocketAddrV4),
    Inet6(SocketAddrV6),
    /// Another family (netlink, packet, …): its raw data.
    Other {
        family: u8,
        data: &'a [u8],
    },
}

/// A SOCKTUPLE parameter: both ends of a socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SockTuple<'a> {
    Inet {
        src: SocketAddrV4,
        dst: SocketAddrV4,
    },
    Inet6 {
        src: SocketAddrV6,
        dst: SocketAddrV6,
    },
    /// Kernel pointers of both ends, and the path.
    Unix {
        source: u64,
        dest: u64,
        path: &'a [u8],
    },
    Other {
        family: u8,
        data: &'a [u8],
    },
}

/// A FDLIST parameter (poll): `(fd, flags)` pairs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FdList<'a> {
    raw: &'a [u8],
}

impl<'a> FdList<'a> {
    pub fn len(&self) -> usize {
        (self.raw.len() - 2) / 10
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub fn iter(&self) -> impl Iterator<Item = (i64, u16)> + 'a {
        let entries = &self.raw[2..];
        entries
            .chunks_exact(10)
            .map(|e| (le_u64(&e[..8]) as i64, le_u64(&e[8..]) as u16))
    }
}

/// Text up to the first NUL (libs' strings are C strings).
fn c_str(raw: &[u8]) -> &[u8] {
    match raw.iter().position(|b| *b == 0) {
        Some(n) => &raw[..n],
        None => raw,
    }
}

fn sign_extend(raw: &[u8]) -> i64 {
    let v = le_u64(raw);
    let bits = raw.len() * 8;
    if bits >= 64 {
        v as i64
    } else {
        ((v << (64 - bits)) as i64) >> (64 - bits)
    }
}

fn ipv4_port(c: &mut Cursor) -> Option<SocketAddrV4> {
    let ip = Ipv4Addr::from(c.array::<4>()?);
    Some(SocketAddrV4::new(ip, c.u16()?))
}

fn ipv6_port(c: &mut Cursor) -> Option<SocketAddrV6> {
    let ip = Ipv6Addr::from(c.array::<16>()?);
    Some(SocketAddrV6::new(ip, c.u16()?, 0, 0))
}

fn sockaddr(raw: &[u8]) -> Option<SockAddr<'_>> {
    let mut c = Cursor::new(raw);
    Some(match c.u8()? {
        family::INET => SockAddr::Inet(ipv4_port(&mut c)?),
        family::INET6 => SockAddr::Inet6(ipv6_port(&mut c)?),
        family::UNIX => SockAddr::Unix {
            path: c_str(&raw[1..]),
        },
        family => SockAddr::Other {
            family,
            data: &raw[1..],
        },
    })
}

fn socktuple(raw: &[u8]) -> Option<SockTuple<'_>> {
    let mut c = Cursor::new(raw);
    Some(match c.u8()? {
        family::INET => SockTuple::Inet {
            src: ipv4_port(&mut c)?,
            dst: ipv4_port(&mut c)?,
        },
        family::INET6 => SockTuple::Inet6 {
            src: ipv6_port(&mut c)?,
            dst: ipv6_port(&mut c)?,
        },
        family::UNIX => {
            let source = c.u64()?;
            let dest = c.u64()?;
            SockTuple::Unix {
                source,
                dest,
                path: c_str(&raw[17..]),
            }
        }
        family => SockTuple::Other {
            family,
            data: &raw[1..],
        },
    })
}

fn fdlist(raw: &[u8]) -> Option<FdList<'_>> {
    let count = usize::from(Cursor::new(raw).u16()?);
    (raw.len() >= 2 + count * 10).then(|| FdList {
        raw: &raw[..2 + count * 10],
    })
}

/// Decodes `raw` as a parameter of type `ty`. Zero-length parameters are [`Value::Absent`].
pub fn decode(ty: ParamType, raw: &[u8], dirfd_param: Option<u8>) -> Value<'_> {
    use ParamType as T;
    if raw.is_empty() {
        return Value::Absent;
    }
    if let Some(width) = ty.fixed_width()
        && raw.len() != width
    {
        return Value::Malformed { ty, raw };
    }
    let malformed = Value::Malformed { ty, raw };
    let u = || le_u64(raw);
    match ty {
        T::Int8 | T::Int16 | T::Int32 | T::Int64 => Value::Int(sign_extend(raw)),
        T::UInt8 | T::UInt16 | T::UInt32 | T::UInt64 => Value::UInt(u()),
        T::Errno => Value::Errno(sign_extend(raw)),
        T::Fd | T::Fd32 => Value::Fd(sign_extend(raw)),
        T::Pid | T::Pid32 => Value::Pid(sign_extend(raw)),
        T::CharBuf => Value::Str(c_str(raw)),
        T::FsPath => Value::Path(c_str(raw)),
        T::FsRelPath => Value::RelPath {
            path: c_str(raw),
            dirfd_param,
        },
        T::ByteBuf => Value::Bytes(raw),
        T::CharBufArray | T::CharBufPairArray => Value::StrArray(raw),
        T::SockAddr => sockaddr(raw).map_or(malformed, Value::SockAddr),
        T::SockTuple => socktuple(raw).map_or(malformed, Value::SockTuple),
        T::FdList => fdlist(raw).map_or(malformed, Value::FdList),
        T::SyscallId => Value::SyscallId(u() as u16),
        T::SigType => Value::Signal(raw[0]),
        T::RelTime => Value::RelTime(u()),
        T::AbsTime => Value::AbsTime(u()),
        T::Port => Value::Port(u() as u16),
        T::L4Proto => Value::L4Proto(raw[0]),
        T::SockFamily => Value::SockFamily(raw[0]),
        T::Bool => Value::Bool(u() != 0),
        T::Ipv4Addr => Value::Ip(IpAddr::V4(Ipv4Addr::new(raw[0], raw[1], raw[2], raw[3]))),
        T::Ipv6Addr => raw
            .try_into()
            .map_or(malformed, |a: [u8; 16]| Value::Ip(IpAddr::V6(a.into()))),
        T::IpAddr | T::IpNet => {
            let ip = match raw.len() {
                4 => IpAddr::V4(Ipv4Addr::new(raw[0], raw[1], raw[2], raw[3])),
                16 => match <[u8; 16]>::try_from(raw) {
                    Ok(a) => IpAddr::V6(a.into()),
                    Err(_) => return malformed,
                },
                _ => return malformed,
            };
            if ty == T::IpNet {
                Value::IpNet(ip)
            } else {
                Value::Ip(ip)
            }
        }
        T::Dyn => Value::Dyn {
            index: raw[0],
            raw: &raw[1..],
        },
        T::Flags8 | T::Flags16 | T::Flags32 => Value::Flags(u() as u32),
        T::EnumFlags8 | T::EnumFlags16 | T::EnumFlags32 => Value::Enum(u() as u32),
        T::Uid => Value::Uid(u() as u32),
        T::Gid => Value::Gid(u() as u32),
        T::Mode => Value::Mode(u() as u32),
        T::SigSet => Value::SigSet(u() as u32),
        T::Double => Value::Double(f64::from_bits(u())),
    }
}

impl<'a> Value<'a> {
    /// The value as a signed integer, for every integer-like type.
    pub fn as_i64(&self) -> Option<i64> {
        Some(match *self {
            Value::Int(v) | Value::Errno(v) | Value::Fd(v) | Value::Pid(v) => v,
            Value::UInt(v) | Value::RelTime(v) | Value::AbsTime(v) => v as i64,
            Value::Flags(v)
            | Value::Enum(v)
            | Value::Uid(v)
            | Value::Gid(v)
            | Value::Mode(v)
            | Value::SigSet(v) => i64::from(v),
            Value::SyscallId(v) | Value::Port(v) => i64::from(v),
            Value::Signal(v) | Value::L4Proto(v) | Value::SockFamily(v) => i64::from(v),
            Value::Bool(v) => i64::from(v),
            _ => return None,
        })
    }

    /// The value as bytes, for strings, paths and buffers.
    pub fn as_bytes(&self) -> Option<&'a [u8]> {
        match *self {
            Value::Str(b) | Value::Path(b) | Value::Bytes(b) | Value::StrArray(b) => Some(b),
            Value::RelPath { path, .. } => Some(path),
            _ => None,
        }
    }

    pub fn is_absent(&self) -> bool {
        matches!(self, Value::Absent)
    }
}

/// Bytes as text, non-printable ones escaped.
struct Text<'a>(&'a [u8]);

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.escape_ascii())
    }
}

/// sysdig-like rendering: numbers as numbers, text as text (escaped), addresses as `ip:port`,
/// absent values as `<NA>`.
impl fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Value::Absent => f.write_str("<NA>"),
            Value::Int(v) | Value::Errno(v) | Value::Fd(v) | Value::Pid(v) => write!(f, "{v}"),
            Value::UInt(v) | Value::RelTime(v) | Value::AbsTime(v) => write!(f, "{v}"),
            Value::Str(b) | Value::Path(b) | Value::RelPath { path: b, .. } => {
                write!(f, "{}", Text(b))
            }
            Value::Bytes(b) | Value::StrArray(b) => write!(f, "{}", Text(b)),
            Value::SockAddr(SockAddr::Inet(a)) => write!(f, "{a}"),
            Value::SockAddr(SockAddr::Inet6(a)) => write!(f, "{a}"),
            Value::SockAddr(SockAddr::Unix { path }) => write!(f, "{}", Text(path)),
            Value::SockAddr(SockAddr::Other { family, .. }) => write!(f, "family {family}"),
            Value::SockTuple(SockTuple::Inet { src, dst }) => write!(f, "{src}->{dst}"),
            Value::SockTuple(SockTuple::Inet6 { src, dst }) => write!(f, "{src}->{dst}"),
            Value::SockTuple(SockTuple::Unix { source, dest, path }) => {
                write!(f, "{source:x}->{dest:x} {}", Text(path))
            }
            Value::SockTuple(SockTuple::Other { family, .. }) => write!(f, "family {family}"),
            Value::FdList(l) => {
                for (i, (fd, flags)) in l.iter().enumerate() {
                    write!(f, "{}{fd}:{flags}", if i > 0 { " " } else { "" })?;
                }
                Ok(())
            }
            Value::SyscallId(v) | Value::Port(v) => write!(f, "{v}"),
            Value::Signal(v) | Value::L4Proto(v) | Value::SockFamily(v) => write!(f, "{v}"),
            Value::Bool(v) => write!(f, "{v}"),
            Value::Ip(ip) | Value::IpNet(ip) => write!(f, "{ip}"),
            Value::Dyn { index, raw } => write!(f, "dyn{index}:{}", Text(raw)),
            Value::Flags(v) | Value::Enum(v) | Value::SigSet(v) => write!(f, "{v:#x}"),
            Value::Uid(v) | Value::Gid(v) => write!(f, "{v}"),
            Value::Mode(v) => write!(f, "{v:#o}"),
            Value::Double(v) => write!(f, "{v}"),
            Value::Malformed { raw, .. } => write!(f, "<malformed {} bytes>", raw.len()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_and_strings() {
        assert_eq!(
            decode(ParamType::Errno, &(-2i64).to_le_bytes(), None),
            Value::Errno(-2)
        );
        assert_eq!(decode(ParamType::Int8, &[0xff], None), Value::Int(-1));
        assert_eq!(
            decode(ParamType::Fd32, &(-100i32).to_le_bytes(), None),
            Value::Fd(-100)
        );
        assert_eq!(
            decode(ParamType::FsPath, b"/etc/passwd\0", None),
            Value::Path(b"/etc/passwd")
        );
        assert_eq!(decode(ParamType::CharBuf, b"\0", None), Value::Str(b""));
        assert_eq!(decode(ParamType::CharBuf, b"", None), Value::Absent);
        assert!(matches!(
            decode(ParamType::UInt32, &[1, 2], None),
            Value::Malformed { .. }
        ));
    }

    #[test]
    fn sockets() {
        let mut t = vec![family::INET, 127, 0, 0, 1];
        t.extend_from_slice(&40000u16.to_le_bytes());
        t.extend_from_slice(&[10, 0, 0, 2]);
        t.extend_from_slice(&80u16.to_le_bytes());
        let v = decode(ParamType::SockTuple, &t, None);
        let Value::SockTuple(SockTuple::Inet { src, dst }) = v else {
            panic!("{v:?}")
        };
        assert_eq!(src.to_string(), "127.0.0.1:40000");
        assert_eq!(dst.to_string(), "10.0.0.2:80");
        assert!(matches!(
            decode(ParamType::SockTuple, &t[..12], None),
            Value::Malformed { .. }
        ));
        let a = decode(ParamType::SockAddr, b"\x01/run/sock\0", None);
        assert_eq!(a, Value::SockAddr(SockAddr::Unix { path: b"/run/sock" }));
    }

    #[test]
    fn fd_lists() {
        let mut raw = 2u16.to_le_bytes().to_vec();
        for (fd, fl) in [(3i64, 1u16), (-1, 4)] {
            raw.extend_from_slice(&fd.to_le_bytes());
            raw.extend_from_slice(&fl.to_le_bytes());
        }
        let Value::FdList(l) = decode(ParamType::FdList, &raw, None) else {
            panic!()
        };
        assert_eq!(l.iter().collect::<Vec<_>>(), vec![(3, 1), (-1, 4)]);
        assert!(matches!(
            decode(ParamType::FdList, &raw[..15], None),
            Value::Malformed { .. }
        ));
    }
}
