//! A block's string table: every string of a block stored once, referred to by [`StrId`].

use rustc_hash::FxHashMap;

use crate::columns::{get_u, put_u};

use crate::wire::StrId;

/// The decoded table: one byte buffer and the start of each string in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StringTable {
    bytes: Vec<u8>,
    /// `starts[i]..starts[i + 1]` is string `i`; the last entry is `bytes.len()`.
    starts: Vec<u32>,
}

impl Default for StringTable {
    fn default() -> Self {
        StringTable {
            bytes: Vec::new(),
            starts: vec![0, 0],
        }
    }
}

impl StringTable {
    /// The string `id`; an id outside the table (only possible in a damaged block) reads as empty.
    #[inline]
    pub fn get(&self, id: StrId) -> &[u8] {
        let i = id.0 as usize;
        match (self.starts.get(i), self.starts.get(i + 1)) {
            (Some(&a), Some(&b)) => self.bytes.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// Number of strings, the empty string included.
    pub fn len(&self) -> usize {
        self.starts.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() <= 1
    }

    /// Total bytes of string data.
    pub fn byte_len(&self) -> usize {
        self.bytes.len()
    }
}

/// Builds a string table, storing each distinct string once.
#[derive(Default)]
pub struct Interner {
    table: StringTable,
    index: FxHashMap<Box<[u8]>, StrId>,
}

impl Interner {
    /// The id of `s`, adding it if it is new.
    #[inline]
    pub fn intern(&mut self, s: &[u8]) -> StrId {
        if s.is_empty() {
            return StrId::EMPTY;
        }
        if let Some(&id) = self.index.get(s) {
            return id;
        }
        let id = StrId(self.table.len() as u32);
        self.table.bytes.extend_from_slice(s);
        self.table.starts.push(self.table.bytes.len() as u32);
        self.index.insert(s.into(), id);
        id
    }

    /// Bytes of string data so far.
    pub fn byte_len(&self) -> usize {
        self.table.bytes.len()
    }

    /// The finished table; the interner starts over empty.
    pub fn take(&mut self) -> StringTable {
        self.index.clear();
        std::mem::take(&mut self.table)
    }
}

impl StringTable {
    /// Appends the table: the number of strings after the empty one, their lengths, then all
    /// bytes at once.
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        put_u(out, (self.len() - 1) as u64);
        for w in self.starts[1..].windows(2) {
            put_u(out, (w[1] - w[0]) as u64);
        }
        out.extend_from_slice(&self.bytes);
    }

    /// Reads a table written by [`StringTable::write`] off the front of `input`.
    #[cfg(test)]
    pub(crate) fn read(input: &mut &[u8]) -> Result<StringTable, &'static str> {
        let mut t = StringTable::default();
        t.read_into(input)?;
        Ok(t)
    }

    /// Like [`StringTable::read`], into this table's allocations.
    pub(crate) fn read_into(&mut self, input: &mut &[u8]) -> Result<(), &'static str> {
        let n = get_u(input)? as usize;
        // Each length takes at least one byte, which bounds `n` by the input size.
        if n > input.len() {
            return Err("string table larger than the block");
        }
        let starts = &mut self.starts;
        starts.clear();
        starts.reserve(n + 2);
        starts.push(0u32);
        starts.push(0u32);
        let mut end = 0u64;
        for _ in 0..n {
            end = end.saturating_add(get_u(input)?);
            if end > input.len() as u64 {
                return Err("string table larger than the block");
            }
            starts.push(end as u32);
        }
        let (bytes, rest) = input.split_at(end as usize);
        *input = rest;
        self.bytes.clear();
        self.bytes.extend_from_slice(bytes);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_dedupes_and_round_trips() {
        let mut i = Interner::default();
        let a = i.intern(b"/etc/passwd");
        let b = i.intern(b"/etc/shadow");
        assert_eq!(i.intern(b"/etc/passwd"), a);
        assert_eq!(i.intern(b""), StrId::EMPTY);
        let t = i.take();
        assert_eq!(t.get(a), b"/etc/passwd");
        assert_eq!(t.get(b), b"/etc/shadow");
        assert_eq!(t.get(StrId::EMPTY), b"");
        assert_eq!(t.get(StrId(999)), b"");
        let mut enc = Vec::new();
        t.write(&mut enc);
        enc.push(7);
        let mut input = &enc[..];
        assert_eq!(StringTable::read(&mut input).unwrap(), t);
        assert_eq!(input, [7]);
    }

    #[test]
    fn absurd_lengths_are_errors_not_overflows() {
        // Found by the block_body fuzz target: two lengths near u64::MAX used to overflow.
        let mut enc = Vec::new();
        put_u(&mut enc, 2);
        put_u(&mut enc, u64::MAX - 1);
        put_u(&mut enc, u64::MAX - 1);
        enc.extend_from_slice(b"abc");
        assert!(StringTable::read(&mut &enc[..]).is_err());
    }
}
