//! Joining and normalizing paths the way Falco's libsinsp does (`concatenate_paths`).
//!
//! - An absolute `path` ignores `base`; a relative one is appended to `base` *as is* (`base` is
//!   a directory with its trailing `/`, e.g. a cwd; it is neither checked nor cleaned).
//! - In `path`, repeated `/` collapse, `.` components vanish and `..` removes the component
//!   before it, possibly reaching back into `base` but never above its start; a trailing `/` is
//!   dropped (but `/` stays `/`).
//! - Bytes of `path` that are not printable UTF-8 (invalid sequences, control characters,
//!   Unicode non-characters) become U+FFFD, one per maximal invalid subpart.
//! - If `base` and `path` together reach `MAX_PATH` bytes, the result is
//!   `/DIR_TOO_LONG/FILENAME_TOO_LONG`.

/// libscap's `SCAP_MAX_PATH_SIZE`.
pub const MAX_PATH: usize = 1024;
/// What an over-long path resolves to.
pub const TOO_LONG: &[u8] = b"/DIR_TOO_LONG/FILENAME_TOO_LONG";

const REPLACEMENT: &str = "\u{FFFD}";

/// `concatenate_paths(base, path)` into `out` (cleared first); `clean` is reusable scratch.
pub fn concatenate(base: &[u8], path: &[u8], out: &mut Vec<u8>, clean: &mut Vec<u8>) {
    out.clear();
    if base.len() + path.len() >= MAX_PATH {
        out.extend_from_slice(TOO_LONG);
        return;
    }
    let relative = !path.is_empty() && path[0] != b'/';
    if relative {
        out.extend_from_slice(base);
    }
    // With a non-empty base, coming back to the very start by `..` means the base is used up:
    // a `/` there is dropped rather than turning the rest into an absolute path.
    let empty_base = out.is_empty();
    sanitize(path, clean);
    let p = clean.as_slice();
    let mut i = 0;
    while i < p.len() {
        let c = p[i];
        let at_start = out.is_empty() || out.last() == Some(&b'/');
        if c == b'.' && at_start {
            match (p.get(i + 1), p.get(i + 2)) {
                (Some(b'.'), Some(b'/')) => {
                    rewind(out);
                    i += 3;
                }
                (Some(b'.'), None) => {
                    rewind(out);
                    i += 2;
                }
                (Some(b'/'), _) => i += 2,
                (None, _) => i += 1,
                _ => {
                    out.push(c);
                    i += 1;
                }
            }
        } else if c == b'/' && (out.last() == Some(&b'/') || (out.is_empty() && !empty_base)) {
            i += 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    if out.len() > 1 && out.last() == Some(&b'/') {
        out.pop();
    }
}

/// Moves back over the last component, to just after the `/` before it (or to the start).
/// Within the first byte there is nothing to go back over.
fn rewind(out: &mut Vec<u8>) {
    if out.len() <= 1 {
        return;
    }
    out.pop();
    while !out.is_empty() && out[out.len() - 1] != b'/' {
        out.pop();
    }
}

/// Replaces every byte sequence that is not printable UTF-8 with U+FFFD.
pub fn sanitize(s: &[u8], out: &mut Vec<u8>) {
    out.clear();
    if s.iter().all(|&b| (0x20..0x7f).contains(&b)) {
        out.extend_from_slice(s); // printable ASCII: the common case
        return;
    }
    for chunk in s.utf8_chunks() {
        for ch in chunk.valid().chars() {
            if printable(ch) {
                let mut b = [0; 4];
                out.extend_from_slice(ch.encode_utf8(&mut b).as_bytes());
            } else {
                out.extend_from_slice(REPLACEMENT.as_bytes());
            }
        }
        if !chunk.invalid().is_empty() {
            out.extend_from_slice(REPLACEMENT.as_bytes());
        }
    }
}

fn printable(c: char) -> bool {
    let u = c as u32;
    !(c.is_control() || (0xFDD0..=0xFDEF).contains(&u) || (u & 0xFFFE) == 0xFFFE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat(base: &str, path: &[u8]) -> Vec<u8> {
        let (mut out, mut clean) = (Vec::new(), Vec::new());
        concatenate(base.as_bytes(), path, &mut out, &mut clean);
        out
    }

    fn check(base: &str, path: &str, want: &str) {
        let got = cat(base, path.as_bytes());
        assert_eq!(
            String::from_utf8_lossy(&got),
            want,
            "concatenate({base:?}, {path:?})"
        );
    }

    /// Falco's own expectations for `concatenate_paths` (libsinsp `utils.ut.cpp`), as vectors.
    #[test]
    fn matches_falco_vectors() {
        check("", "", "");
        check("", "../", "");
        check("", "..", "");
        check("/", "../", "/");
        check("a", "../", "a..");
        check("a/", "../", "");
        check("", "/foo", "/foo");
        check("foo/", "..//a", "a");
        check("/foo/", "..//a", "/a");
        check("heolo", "w////////////..//////.////////r.|", "r.|");
        check("heolo", "w/////////////..//", "");
        check("", "./", "");
        check("", "dir/term", "dir/term");
        check("", "//dir/term", "/dir/term");
        check("/", "dir/term", "/dir/term");
        check("", "///dir/term", "/dir/term");
        check("", "./dir/term", "dir/term");
        check("/", "//dir//////term", "/dir/term");
        check("/", "/dir/term", "/dir/term");
        check("../.../", "dir/././././../../.../term/", "../.../term");
        check(
            "../.../",
            "/app/custom/dir/././././../../.../term/",
            "/app/.../term",
        );
        check(
            "../.../",
            "/app/custom/dir/././././../../term/",
            "/app/term",
        );
        check("./app", "custom/term", "./appcustom/term");
        check("/app", "custom/term", "/appcustom/term");
        check("app", "custom/term", "appcustom/term");
        check("app/", "custom/term", "app/custom/term");
        check("app/////", "custom////term", "app/////custom/term");
        check("/", "/app/custom/dir/././././../../term/", "/app/term");
        check("/", "////app", "/app");
        check(
            &"C".repeat(1500),
            "dir/term",
            "/DIR_TOO_LONG/FILENAME_TOO_LONG",
        );
        check("/root/", "../😀", "/😀");
        check("/root/", "../诶比西", "/诶比西");
        check("/root/", "../АБВЙЛж", "/АБВЙЛж");
    }

    #[test]
    fn replaces_what_is_not_printable_utf8() {
        let r = |p: &[u8]| cat("/root/", p);
        assert_eq!(r(b"../\xFF\xFE/test"), b"/\xEF\xBF\xBD\xEF\xBF\xBD/test");
        assert_eq!(r(b"../\xC3\xA9\xFF/test"), b"/\xC3\xA9\xEF\xBF\xBD/test");
        assert_eq!(r(b"../\xC2\x85/test"), b"/\xEF\xBF\xBD/test");
        assert_eq!(r(b"../\x01\x1F/test"), b"/\xEF\xBF\xBD\xEF\xBF\xBD/test");
        assert_eq!(r(b"../\xEF\xB7\x90/test"), b"/\xEF\xBF\xBD/test");
        assert_eq!(r(b"../\xEF\xBF\xBF/test"), b"/\xEF\xBF\xBD/test");
        assert_eq!(r(b"../\xF0\x9F\xBF\xBE/test"), b"/\xEF\xBF\xBD/test");
        assert_eq!(r(b"../\xE1\x80/test"), b"/\xEF\xBF\xBD/test");
        assert_eq!(
            r(b"../\xED\xA0\x80/test"),
            b"/\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD/test"
        );
        assert_eq!(
            r(b"../\xE0\x9F\xBF/test"),
            b"/\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD/test"
        );
    }

    #[test]
    fn resolves_everyday_paths() {
        check("/home/u/", "docs/../.ssh/id_rsa", "/home/u/.ssh/id_rsa");
        check("/home/u/", "../../../../etc/shadow", "/etc/shadow");
        check("/tmp/", ".", "/tmp");
        check("/tmp/", "..", "/");
        check("/", "..", "/");
        check("/tmp/", ".hidden/./x", "/tmp/.hidden/x");
        check("/tmp/", "...", "/tmp/...");
        // Exactly at the limit is too long; one below is kept.
        let long = "a".repeat(MAX_PATH - 5);
        assert_eq!(cat("/tmp/", long.as_bytes()), TOO_LONG);
        let ok = "a".repeat(MAX_PATH - 6);
        assert_eq!(cat("/tmp/", ok.as_bytes()).len(), MAX_PATH - 1);
    }
}
