//! `rtsec capture -- CMD`: a command that cannot run leaves no trace behind. Most are refused
//! before the probe loads; one the kernel refuses at exec (a file without a known format) is
//! found only when it is started, and its trace of that moment is removed.

mod capture_support;

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use capture_support::*;

fn rtsec_capture(out: &std::path::Path, cmd: &str) -> std::process::Output {
    Command::new(RTSEC)
        .arg("capture")
        .arg("-o")
        .arg(out)
        .args(["--duration", "5s", "--", cmd])
        .output()
        .expect("run rtsec capture")
}

#[test]
fn a_command_that_cannot_run_is_refused_before_the_probe_loads() {
    let dir = tempdir();
    let out = dir.path().join("t.rts");
    let not_executable = dir.path().join("data.txt");
    std::fs::write(&not_executable, "x").unwrap();
    let missing = dir.path().join("missing");
    let cases = [
        (missing.to_str().unwrap(), "No such file or directory"),
        (not_executable.to_str().unwrap(), "not an executable file"),
        (dir.path().to_str().unwrap(), "not an executable file"),
        ("rtsec-no-such-command", "no such command in PATH"),
    ];
    for (cmd, want) in cases {
        let o = rtsec_capture(&out, cmd);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{cmd}: {err}");
        assert!(
            err.contains(&format!("cannot run {cmd}: ")) && err.contains(want),
            "{cmd}: {err}"
        );
        assert!(err.contains("nothing was recorded"), "{cmd}: {err}");
        // Refused before the capture started: no "capturing to" line, no file.
        assert!(!err.contains("capturing to"), "{cmd}: {err}");
        assert!(!out.exists(), "{cmd}");
    }
}

#[test]
fn a_command_the_kernel_cannot_exec_leaves_no_trace() {
    if !can_capture() {
        return;
    }
    let dir = tempdir();
    let out = dir.path().join("t.rts");
    let bad = dir.path().join("bad.bin");
    std::fs::write(&bad, "neither ELF nor #!").unwrap();
    std::fs::set_permissions(&bad, std::fs::Permissions::from_mode(0o755)).unwrap();
    let o = rtsec_capture(&out, bad.to_str().unwrap());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("capturing to"), "the capture started: {err}");
    assert!(err.contains("Exec format error"), "{err}");
    assert!(!out.exists(), "{err}");
}
