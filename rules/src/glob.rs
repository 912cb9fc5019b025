//! POSIX `fnmatch` without `FNM_PATHNAME` (so `*` also matches `/`), with optional ASCII case
//! folding: Falco's `glob` and `iglob`.

/// True if `text` matches `pat`.
pub(crate) fn fnmatch(pat: &[u8], text: &[u8], casefold: bool) -> bool {
    let eq = |a: u8, b: u8| {
        if casefold {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    // Iterative matcher with backtracking to the last `*` (linear for typical patterns).
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pat.len() {
            match pat[p] {
                b'*' => {
                    star = Some((p, t));
                    p += 1;
                    continue;
                }
                b'?' => {
                    p += 1;
                    t += 1;
                    continue;
                }
                b'[' => {
                    if let Some((matched, next)) = bracket(&pat[p..], text[t], casefold) {
                        if matched {
                            p += next;
                            t += 1;
                            continue;
                        }
                    } else if eq(b'[', text[t]) {
                        // An unterminated bracket is a literal '['.
                        p += 1;
                        t += 1;
                        continue;
                    }
                }
                b'\\' if p + 1 < pat.len() => {
                    if eq(pat[p + 1], text[t]) {
                        p += 2;
                        t += 1;
                        continue;
                    }
                }
                c => {
                    if eq(c, text[t]) {
                        p += 1;
                        t += 1;
                        continue;
                    }
                }
            }
        }
        match star {
            Some((sp, st)) => {
                p = sp + 1;
                t = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    while p < pat.len() && pat[p] == b'*' {
        p += 1;
    }
    p == pat.len()
}

/// Matches `c` against the bracket expression at the start of `pat`; returns whether it
/// matched and the bracket's length, or `None` if the bracket is not closed.
fn bracket(pat: &[u8], c: u8, casefold: bool) -> Option<(bool, usize)> {
    let mut i = 1;
    let negate = matches!(pat.get(i), Some(b'!') | Some(b'^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    let fold = |x: u8| if casefold { x.to_ascii_lowercase() } else { x };
    let c = fold(c);
    loop {
        let &b = pat.get(i)?;
        if b == b']' && !first {
            i += 1;
            break;
        }
        first = false;
        let (lo, step) = if b == b'\\' {
            (*pat.get(i + 1)?, 2)
        } else {
            (b, 1)
        };
        i += step;
        if pat.get(i) == Some(&b'-') && pat.get(i + 1).is_some_and(|&x| x != b']') {
            let hi = pat[i + 1];
            i += 2;
            if fold(lo) <= c && c <= fold(hi) {
                matched = true;
            }
        } else if fold(lo) == c {
            matched = true;
        }
    }
    Some((matched != negate, i))
}

#[cfg(test)]
mod tests {
    use super::fnmatch;

    #[test]
    fn star_crosses_slashes() {
        assert!(fnmatch(b"*../*../*", b"/tmp/../../etc/passwd", false));
        assert!(fnmatch(b"/etc/*", b"/etc/ssh/sshd_config", false));
        assert!(!fnmatch(b"*../*../*", b"/tmp/../etc/passwd", false));
        assert!(fnmatch(b"*id_rsa*", b"/root/.ssh/id_rsa.pub", false));
    }

    #[test]
    fn classes_and_case() {
        assert!(fnmatch(b"a[bc]d", b"acd", false));
        assert!(!fnmatch(b"a[!bc]d", b"acd", false));
        assert!(fnmatch(b"a[a-z]?", b"aq9", false));
        assert!(fnmatch(b"ABC*", b"abcdef", true));
        assert!(!fnmatch(b"ABC*", b"abcdef", false));
        assert!(fnmatch(b"a\\*", b"a*", false));
        assert!(!fnmatch(b"a\\*", b"ab", false));
        assert!(fnmatch(b"", b"", false));
        assert!(!fnmatch(b"", b"x", false));
        assert!(fnmatch(b"a[", b"a[", false));
    }
}
