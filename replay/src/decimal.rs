//! Numbers as decimal text without a formatter: Parquet text columns (hits, export) write one
//! for every number of every row.

/// Room for any `i64` or `u64` in decimal, sign included.
pub(crate) const MAX_DIGITS: usize = 21;

/// `x` (negated if `negative`) in decimal, written at the end of `buf`.
pub(crate) fn decimal(mut x: u64, negative: bool, buf: &mut [u8; MAX_DIGITS]) -> &str {
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (x % 10) as u8;
        x /= 10;
        if x == 0 {
            break;
        }
    }
    if negative {
        at -= 1;
        buf[at] = b'-';
    }
    // SAFETY: ASCII digits and '-' only.
    unsafe { std::str::from_utf8_unchecked(&buf[at..]) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_text_are_decimal() {
        let mut buf = [0u8; MAX_DIGITS];
        for x in [0i64, 7, -7, 10, -1234567890, i64::MAX, i64::MIN] {
            assert_eq!(decimal(x.unsigned_abs(), x < 0, &mut buf), x.to_string());
        }
        assert_eq!(decimal(u64::MAX, false, &mut buf), u64::MAX.to_string());
    }
}
