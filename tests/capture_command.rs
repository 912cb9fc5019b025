//! `rtsec capture -- CMD`: a command that cannot run leaves no trace behind. Most are refused
//! before the probe loads; one the kernel refuses at exec (a file without a known format) is
//! found only when it is started, and its trace of that moment is removed.

mod capture_support;
#[path = "replay_support/file_size.rs"]
mod file_size;

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

/// A capture that cannot write (a full disk; here the file size limit) stops its command as
/// Ctrl-C would, instead of leaving it running on unrecorded and orphaned, keeps the blocks
/// written before (the only record of them) and says where they are.
#[test]
fn a_capture_that_cannot_write_stops_its_command() {
    if !can_capture() {
        return;
    }
    let dir = tempdir();
    let out = dir.path().join("t.rts");
    let pid_file = dir.path().join("pid");
    let script = format!(
        "echo $$ > {}; while :; do cat /etc/hostname > /dev/null; done",
        pid_file.display()
    );
    let mut c = Command::new(RTSEC);
    c.arg("capture")
        .arg("-o")
        .arg(&out)
        .args(["--block-interval", "100ms", "--duration", "60s", "--"])
        .args(["sh", "-c", &script]);
    let o = file_size::limit_file_size(&mut c, 256 << 10)
        .output()
        .expect("run rtsec capture");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "error: capture failed: {}: File too large (os error 27); the blocks written before \
             it are in {} (`rtsec inspect` counts their events)",
            out.display(),
            out.display()
        )),
        "{err}"
    );
    assert!(
        err.contains("rtsec: stopping sh (signal 15): it would run on unrecorded"),
        "{err}"
    );
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    assert!(
        !std::path::Path::new(&format!("/proc/{}", pid.trim())).exists(),
        "the command runs on: {pid}"
    );
    let inspect = Command::new(RTSEC)
        .arg("inspect")
        .arg(&out)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&inspect.stdout);
    assert!(
        text.contains("events:") && !text.contains("events:      0\n"),
        "{text}"
    );
}
