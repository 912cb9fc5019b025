//! `rtsec capture` shows a live status line (elapsed, events, events/s, bytes written, drops)
//! when stderr is a terminal (under `script`, which gives it a pseudo-terminal), and not when
//! it is not.

mod capture_support;

use std::process::Command;

use capture_support::*;

#[test]
fn a_status_line_on_a_terminal_only() {
    if !can_capture() {
        return;
    }
    let dir = tempdir();
    let out = dir.path().join("t.rts");
    let cmd = format!("{RTSEC} capture -o {} -- sleep 1.6", out.display());
    let o = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .output()
        .expect("run script(1) (util-linux)");
    let text = String::from_utf8_lossy(&o.stdout).replace('\r', "\n");
    assert!(o.status.success(), "{text}");
    let status = text
        .lines()
        .find(|l| l.contains("s] ") && l.contains(" events ("));
    let status = status.unwrap_or_else(|| panic!("no status line in:\n{text}"));
    assert!(
        status.contains("/s), ") && status.contains(" written, ") && status.contains(" drops"),
        "{status}"
    );
    // Not a terminal: the summary only.
    let o = capture(&dir.path().join("u.rts"), &[], &["sleep", "1.6"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("rtsec: wrote") && !err.contains(" written, "),
        "{err}"
    );
}
