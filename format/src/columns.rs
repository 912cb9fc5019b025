//! Column streams: the building material of a block body.
//!
//! A table (events, processes, fds) is written field by field into separate columns, each a run
//! of LEB128 varints (signed values zigzag-encoded). Similar values then sit next to each other,
//! which is what makes zstd effective; and decoding is a few branchy byte reads per field.

/// A set of columns being written.
pub(crate) struct ColumnWriter {
    cols: Vec<Vec<u8>>,
}

impl ColumnWriter {
    pub fn new(n: usize) -> Self {
        ColumnWriter {
            cols: vec![Vec::new(); n],
        }
    }

    #[inline]
    pub fn u(&mut self, col: usize, mut v: u64) {
        let c = &mut self.cols[col];
        while v >= 0x80 {
            c.push((v as u8) | 0x80);
            v >>= 7;
        }
        c.push(v as u8);
    }

    #[inline]
    pub fn i(&mut self, col: usize, v: i64) {
        self.u(col, zigzag(v));
    }

    /// The raw buffer of a column, for values encoded by other means (bincode).
    pub fn buf(&mut self, col: usize) -> &mut Vec<u8> {
        &mut self.cols[col]
    }

    /// Appends all columns to `out`: each as its length, then its bytes.
    pub fn finish(self, out: &mut Vec<u8>) {
        for c in &self.cols {
            put_u(out, c.len() as u64);
        }
        for c in self.cols {
            out.extend_from_slice(&c);
        }
    }
}

/// Why a column could not be read.
pub(crate) const SHORT: &str = "column ends early";

/// Reads the `N` columns written by [`ColumnWriter::finish`].
///
/// Reads never fail one by one: a read past the end of a column (or a value out of range)
/// yields 0 and marks the reader bad; callers check [`ColumnReader::check`] once per record.
/// This keeps the per-field path short: decoding is the hot loop of every replay.
pub(crate) struct ColumnReader<'a, const N: usize> {
    cols: [&'a [u8]; N],
    bad: Option<&'static str>,
}

impl<'a, const N: usize> ColumnReader<'a, N> {
    /// Splits the `N` columns off the front of `input`.
    pub fn new(input: &mut &'a [u8]) -> Result<Self, &'static str> {
        let mut lens = [0usize; N];
        for l in &mut lens {
            *l = get_u(input)? as usize;
        }
        let mut cols = [&[][..]; N];
        for (c, len) in cols.iter_mut().zip(lens) {
            if len > input.len() {
                return Err(SHORT);
            }
            let (a, rest) = input.split_at(len);
            *c = a;
            *input = rest;
        }
        Ok(ColumnReader { cols, bad: None })
    }

    /// `Err` if any read so far went wrong.
    #[inline(always)]
    pub fn check(&self) -> Result<(), &'static str> {
        match self.bad {
            None => Ok(()),
            Some(e) => Err(e),
        }
    }

    #[cold]
    fn fail(&mut self, why: &'static str) -> u64 {
        self.bad.get_or_insert(why);
        0
    }

    #[inline(always)]
    pub fn u(&mut self, col: usize) -> u64 {
        match get_u(&mut self.cols[col]) {
            Ok(v) => v,
            Err(e) => self.fail(e),
        }
    }

    #[inline(always)]
    pub fn i(&mut self, col: usize) -> i64 {
        unzigzag(self.u(col))
    }

    #[inline(always)]
    pub fn u32(&mut self, col: usize) -> u32 {
        let v = self.u(col);
        if v > u32::MAX as u64 {
            return self.fail("value out of range") as u32;
        }
        v as u32
    }

    /// The unread rest of a column.
    pub fn rest(&mut self, col: usize) -> &mut &'a [u8] {
        &mut self.cols[col]
    }

    /// A count about to size an allocation: each counted item takes at least one byte of
    /// `col`, so a count larger than what is left there is damage, not a reason to allocate.
    #[inline(always)]
    pub fn count(&mut self, col: usize, count_col: usize) -> usize {
        let n = self.u(count_col) as usize;
        if n > self.cols[col].len() {
            return self.fail(SHORT) as usize;
        }
        n
    }
}

#[inline]
pub(crate) fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

#[inline]
pub(crate) fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

#[inline]
pub(crate) fn put_u(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

#[inline(always)]
pub(crate) fn get_u(input: &mut &[u8]) -> Result<u64, &'static str> {
    // Most values fit in one or two bytes.
    if let [b0, rest @ ..] = *input {
        if *b0 < 0x80 {
            *input = rest;
            return Ok(*b0 as u64);
        }
        if let [b1, rest2 @ ..] = rest
            && *b1 < 0x80
        {
            *input = rest2;
            return Ok((*b0 & 0x7f) as u64 | (*b1 as u64) << 7);
        }
    }
    get_u_slow(input)
}

#[inline(never)]
fn get_u_slow(input: &mut &[u8]) -> Result<u64, &'static str> {
    let mut v = 0u64;
    let mut shift = 0;
    while shift < 64 {
        let (&b, rest) = input.split_first().ok_or(SHORT)?;
        *input = rest;
        v |= ((b & 0x7f) as u64) << shift;
        if b < 0x80 {
            return Ok(v);
        }
        shift += 7;
    }
    Err("varint too long")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip_at_the_edges() {
        let values = [0i64, 1, -1, 63, -64, 64, i64::MAX, i64::MIN, 1 << 40];
        let mut w = ColumnWriter::new(2);
        for &v in &values {
            w.i(0, v);
            w.u(1, v as u64);
        }
        let mut out = Vec::new();
        w.finish(&mut out);
        let mut input = &out[..];
        let mut r = ColumnReader::<2>::new(&mut input).unwrap();
        for &v in &values {
            assert_eq!(r.i(0), v);
            assert_eq!(r.u(1), v as u64);
        }
        assert!(r.check().is_ok());
        assert_eq!(r.u(0), 0);
        assert!(r.check().is_err());
        assert!(input.is_empty());
    }
}
