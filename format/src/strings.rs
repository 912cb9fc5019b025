//! A block's string table: every string of a block stored once, referred to by [`StrId`].

use std::sync::OnceLock;

use rustc_hash::FxHashMap;

use crate::columns::{get_u, put_u};

use crate::wire::StrId;

/// The decoded table: one byte buffer and the start of each string in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StringTable {
    bytes: Vec<u8>,
    /// `starts[i]..starts[i + 1]` is string `i`; the last entry is `bytes.len()`.
    starts: Vec<u32>,
    /// Whether `bytes` is valid UTF-8, found out on first use (see [`StringTable::text`]).
    utf8: Utf8Check,
}

impl Default for StringTable {
    fn default() -> Self {
        StringTable {
            bytes: Vec::new(),
            starts: vec![0, 0],
            utf8: Utf8Check::default(),
        }
    }
}

/// A cached "is it UTF-8": not part of a table's value (two equal tables are equal whether
/// or not either was checked).
#[derive(Clone, Debug, Default)]
struct Utf8Check(OnceLock<bool>);

impl PartialEq for Utf8Check {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Utf8Check {}

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

    /// `s` as text without validating it, when it is a part of this table's bytes that
    /// begins and ends between characters and the table is valid UTF-8 (checked once per
    /// table, on the first call). Rule outputs print thousands of strings of a block: each
    /// validated on its own cost 8 % of rendering alerts. `None` otherwise: the caller
    /// validates `s` itself.
    #[inline]
    pub fn text<'a>(&self, s: &'a [u8]) -> Option<&'a str> {
        let base = self.bytes.as_ptr() as usize;
        let start = (s.as_ptr() as usize).checked_sub(base)?;
        let end = start + s.len();
        if end > self.bytes.len() {
            return None;
        }
        // A part of valid UTF-8 is valid if it does not cut a character: neither its first
        // byte nor the byte after it is a continuation byte (0b10xx_xxxx).
        let cuts = |i: usize| self.bytes.get(i).is_some_and(|&b| b & 0xc0 == 0x80);
        if cuts(start) || cuts(end) {
            return None;
        }
        if !*self
            .utf8
            .0
            .get_or_init(|| std::str::from_utf8(&self.bytes).is_ok())
        {
            return None;
        }
        // SAFETY: `s` is `bytes[start..end]` (same address range), `bytes` is valid UTF-8
        // (checked above, and the table is not changed while borrowed), and both ends of
        // `s` fall on character boundaries, so `s` is valid UTF-8.
        Some(unsafe { std::str::from_utf8_unchecked(s) })
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
        self.utf8 = Utf8Check::default();
        Ok(())
    }
}

/// Bytes of a trace shown as text: valid UTF-8 as is, anything else with `\xNN` escapes (so
/// nothing is hidden behind U+FFFD).
pub fn lossless(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len());
    for chunk in b.utf8_chunks() {
        out.push_str(chunk.valid());
        for x in chunk.invalid() {
            out.push_str(&format!("\\x{x:02x}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lossless_keeps_valid_text_and_escapes_the_rest() {
        assert_eq!(lossless("bash é".as_bytes()), "bash é");
        assert_eq!(lossless(b"a\xffb\xc3"), "a\\xffb\\xc3");
        assert_eq!(lossless(b""), "");
    }

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
    fn table_strings_are_text_only_when_valid_and_whole_characters() {
        let mut i = Interner::default();
        let ascii = i.intern(b"/etc/shadow");
        let accents = i.intern("/tmp/caf\u{e9}".as_bytes());
        let t = i.take();
        assert_eq!(t.text(t.get(ascii)), Some("/etc/shadow"));
        assert_eq!(t.text(t.get(accents)), Some("/tmp/caf\u{e9}"));
        // A part of a string: fine between characters, refused inside one.
        let s = t.get(accents);
        assert_eq!(t.text(&s[..5]), Some("/tmp/"));
        assert_eq!(t.text(&s[..s.len() - 1]), None);
        assert_eq!(t.text(&s[s.len() - 1..]), None);
        // Bytes that are not the table's: the caller checks them.
        assert_eq!(t.text(b"/etc/shadow"), None);
        let copy = String::from("/etc/shadow");
        assert_eq!(t.text(copy.as_bytes()), None);

        // One invalid string makes the table's strings checked one by one again.
        let mut i = Interner::default();
        let good = i.intern(b"/bin/sh");
        let bad = i.intern(b"/tmp/\xff\xfe");
        let t = i.take();
        assert_eq!(t.text(t.get(good)), None);
        assert_eq!(t.text(t.get(bad)), None);

        // Decoding another table into it forgets the first one's check.
        let mut enc = Vec::new();
        let mut i = Interner::default();
        let id = i.intern(b"/etc/hosts");
        i.take().write(&mut enc);
        let mut reused = t.clone();
        reused.read_into(&mut &enc[..]).unwrap();
        assert_eq!(reused.text(reused.get(id)), Some("/etc/hosts"));
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
