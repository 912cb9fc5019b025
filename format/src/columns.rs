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

/// Reads the columns written by [`ColumnWriter::finish`].
pub(crate) struct ColumnReader<'a> {
    cols: Vec<&'a [u8]>,
}

/// Why a column could not be read.
pub(crate) const SHORT: &str = "column ends early";

impl<'a> ColumnReader<'a> {
    /// Splits `n` columns off the front of `input`.
    pub fn new(input: &mut &'a [u8], n: usize) -> Result<Self, &'static str> {
        let mut lens = Vec::with_capacity(n);
        for _ in 0..n {
            lens.push(get_u(input)? as usize);
        }
        let mut cols = Vec::with_capacity(n);
        for len in lens {
            if len > input.len() {
                return Err(SHORT);
            }
            let (c, rest) = input.split_at(len);
            cols.push(c);
            *input = rest;
        }
        Ok(ColumnReader { cols })
    }

    #[inline]
    pub fn u(&mut self, col: usize) -> Result<u64, &'static str> {
        get_u(&mut self.cols[col])
    }

    #[inline]
    pub fn i(&mut self, col: usize) -> Result<i64, &'static str> {
        Ok(unzigzag(self.u(col)?))
    }

    #[inline]
    pub fn u32(&mut self, col: usize) -> Result<u32, &'static str> {
        u32::try_from(self.u(col)?).map_err(|_| "value out of range")
    }

    /// The unread rest of a column.
    pub fn rest(&mut self, col: usize) -> &mut &'a [u8] {
        &mut self.cols[col]
    }

    /// A count about to size an allocation: each counted item takes at least one byte of
    /// `col`, so a count larger than what is left there is damage, not a reason to allocate.
    pub fn count(&mut self, col: usize, count_col: usize) -> Result<usize, &'static str> {
        let n = self.u(count_col)? as usize;
        if n > self.cols[col].len() {
            return Err(SHORT);
        }
        Ok(n)
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

#[inline]
pub(crate) fn get_u(input: &mut &[u8]) -> Result<u64, &'static str> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let (&b, rest) = input.split_first().ok_or(SHORT)?;
        *input = rest;
        v |= ((b & 0x7f) as u64) << shift;
        if b < 0x80 {
            return Ok(v);
        }
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
        let mut r = ColumnReader::new(&mut input, 2).unwrap();
        for &v in &values {
            assert_eq!(r.i(0).unwrap(), v);
            assert_eq!(r.u(1).unwrap(), v as u64);
        }
        assert!(r.u(0).is_err());
        assert!(input.is_empty());
    }
}
