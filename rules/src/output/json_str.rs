//! JSON strings for alerts, byte for byte as `serde_json` writes them, faster on the usual
//! text that needs no escaping: alert lines and command lines are hundreds of bytes, and
//! `serde_json` looks every byte up in a table (a fifth of `replay --format json`).

/// Appends `s` as a JSON string: quoted, and escaped as `serde_json` escapes it (control
/// characters, `"` and `\`; everything else as is).
pub(crate) fn write(out: &mut Vec<u8>, s: &str) {
    if needs_escape(s.as_bytes()) {
        let _ = serde_json::to_writer(&mut *out, s);
        return;
    }
    out.reserve(s.len() + 2);
    out.push(b'"');
    out.extend_from_slice(s.as_bytes());
    out.push(b'"');
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// True if some byte of `w` is zero.
#[inline]
fn has_zero(w: u64) -> bool {
    w.wrapping_sub(ONES) & !w & HIGHS != 0
}

/// True if some byte of `b` is a control character, `"` or `\`.
fn needs_escape(b: &[u8]) -> bool {
    // 32 bytes at a time without a branch per byte, which the compiler turns into vector
    // compares (1.5× the 8-byte words below on a 575-byte alert line); words for the rest.
    let mut blocks = b.chunks_exact(32);
    for c in &mut blocks {
        let mut hit = 0u8;
        for &x in c {
            hit |= ((x < 0x20) | (x == b'"') | (x == b'\\')) as u8;
        }
        if hit != 0 {
            return true;
        }
    }
    let mut chunks = blocks.remainder().chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes(c.try_into().expect("8 bytes"));
        // A byte below 0x20: subtracting 0x20 borrows into its high bit (exact for < 0x80;
        // bytes ≥ 0x80 are excluded by `!w`).
        let control = w.wrapping_sub(0x20 * ONES) & !w & HIGHS != 0;
        if control || has_zero(w ^ (b'"' as u64 * ONES)) || has_zero(w ^ (b'\\' as u64 * ONES)) {
            return true;
        }
    }
    chunks
        .remainder()
        .iter()
        .any(|&c| c < 0x20 || c == b'"' || c == b'\\')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serde(s: &str) -> Vec<u8> {
        serde_json::to_vec(s).unwrap()
    }

    #[test]
    fn the_same_bytes_as_serde_json() {
        let mut cases: Vec<String> = vec![
            String::new(),
            "plain text of some length, more than eight bytes".into(),
            "quote \" inside".into(),
            "back\\slash".into(),
            "tab\there".into(),
            "nul\0".into(),
            "\u{7f} del and ünïcödé ✓ and \u{1f600}".into(),
            "exactly8".into(),
            "1234567\"".into(),
            "\u{1f}leading control".into(),
        ];
        // Every byte value below 0x80 at every position of strings of 17 and of 75 bytes
        // (two 32-byte blocks, a word and three bytes).
        for len in [17, 75] {
            for c in 0u8..0x80 {
                for at in 0..len {
                    let mut s = vec![b'a'; len];
                    s[at] = c;
                    cases.push(String::from_utf8(s).unwrap());
                }
            }
        }
        for s in &cases {
            let mut out = Vec::new();
            write(&mut out, s);
            assert_eq!(out, serde(s), "{s:?}");
        }
    }
}
