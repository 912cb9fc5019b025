//! Progress bars are drawn on stderr when it is a terminal (run under `script`, which gives the
//! command a pseudo-terminal), and never when it is not.

use std::path::Path;
use std::process::Command;

const RTSEC: &str = env!("CARGO_BIN_EXE_rtsec");

/// Runs `args` under a pseudo-terminal: everything the command wrote, escape codes removed.
fn on_terminal(args: &str) -> String {
    let o = Command::new("script")
        .args(["-qec", &format!("{RTSEC} {args}"), "/dev/null"])
        // A terminal's TERM: indicatif draws nothing where TERM is unset (as under CI) or dumb.
        .env("TERM", "xterm")
        .output()
        .expect("run script(1) (util-linux)");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let raw = String::from_utf8_lossy(&o.stdout);
    let mut out = String::new();
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI sequence: ESC [ params final-byte
            if chars.peek() == Some(&'[') {
                chars.next();
                for d in chars.by_ref() {
                    if d.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(if c == '\r' { '\n' } else { c });
    }
    out
}

fn repo(p: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(p)
        .display()
        .to_string()
}

#[test]
fn replay_draws_blocks_events_and_hits_on_a_terminal_only() {
    let sample = repo("testdata/sample.rts");
    let out = on_terminal(&format!("replay -q {sample}"));
    assert!(
        out.lines().any(|l| l.contains(" blocks, ")
            && l.contains(" events (")
            && l.trim_end().ends_with(" hits")),
        "no progress line in:\n{out}"
    );
    assert!(out.contains("Summary:"), "{out}");
    // Not a terminal: the summary only.
    let o = Command::new(RTSEC)
        .args(["replay", "-q", &sample])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("Summary:") && !err.contains(" blocks, "),
        "{err}"
    );
}

#[test]
fn import_draws_bytes_and_events_on_a_terminal() {
    let scap = repo("../shared/scap/falcosecurity-falco/test/trace_files/cat_write.scap");
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("t.rts");
    let out = on_terminal(&format!("import {scap} -o {}", out_path.display()));
    assert!(
        out.lines()
            .any(|l| l.contains("KiB/") && l.trim_end().ends_with("events")),
        "no progress line in:\n{out}"
    );
    assert!(out_path.exists());
}

/// The `error:` prefix is red on a terminal, and plain with `NO_COLOR` set (no-color.org) or
/// off a terminal.
#[test]
fn errors_are_coloured_on_a_terminal_unless_no_color_is_set() {
    let raw = |no_color: Option<&str>| {
        let mut c = Command::new("script");
        c.args([
            "-qc",
            &format!("{RTSEC} inspect /nonexistent.rts"),
            "/dev/null",
        ])
        .env("TERM", "xterm")
        .env_remove("NO_COLOR");
        if let Some(v) = no_color {
            c.env("NO_COLOR", v);
        }
        let o = c.output().expect("run script(1) (util-linux)");
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let red = "\u{1b}[1;31merror:\u{1b}[0m /nonexistent.rts";
    assert!(raw(None).contains(red), "{:?}", raw(None));
    assert!(
        raw(Some("")).contains(red),
        "an empty NO_COLOR does not count"
    );
    let plain = raw(Some("1"));
    assert!(plain.contains("error: /nonexistent.rts"), "{plain:?}");
    assert!(!plain.contains('\u{1b}'), "{plain:?}");
    let o = Command::new(RTSEC)
        .args(["inspect", "/nonexistent.rts"])
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&o.stderr).starts_with("error: /nonexistent.rts"));
}
