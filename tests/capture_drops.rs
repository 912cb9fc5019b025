//! Issue 4, test 5: an event storm beyond a deliberately tiny ring buffer: drops > 0 are
//! reported by capture and by `rtsec inspect`, and captured + dropped equals the number of
//! recorded syscalls the storm made.

mod capture_support;

use std::io::{BufRead, Write};
use std::process::{Command, Stdio};

use capture_support::*;

const STORM: u64 = 200_000;

/// Waits for a line on stdin, then makes `STORM` getppid calls as fast as it can.
#[test]
#[ignore = "helper process of storm_beyond_a_tiny_ring_counts_every_drop"]
fn helper_storm() {
    if !in_helper() {
        return;
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).unwrap();
    for _ in 0..STORM {
        // SAFETY: getppid has no arguments and cannot fail.
        unsafe { libc::syscall(libc::SYS_getppid) };
    }
}

#[test]
fn storm_beyond_a_tiny_ring_counts_every_drop() {
    if !can_capture() {
        return;
    }
    let dir = tempdir();
    let out = dir.path().join("t.rts");
    let cmd = helper_cmd("helper_storm");
    let mut helper = Command::new(&cmd[0])
        .args(&cmd[1..])
        .env("RTSEC_HELPER", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let pid = helper.id().to_string();
    let cap = start_capture(
        &out,
        &[
            "--pid",
            &pid,
            "--buffer-size",
            "4K",
            "--syscalls",
            "getppid",
        ],
    );
    helper.stdin.take().unwrap().write_all(b"go\n").unwrap();
    assert!(helper.wait().unwrap().success());
    let (status, stderr) = cap.stop(libc::SIGINT);
    assert!(status.success(), "{stderr}");

    let t = read(&out);
    let pid: i64 = pid.parse().unwrap();
    let captured = t
        .events
        .iter()
        .filter(|e| e.ty == "getppid" && e.pid == pid)
        .count() as u64;
    let dropped = t
        .losses
        .kernel_drops_by_type
        .iter()
        .find(|(ty, _)| ty == "getppid")
        .map_or(0, |x| x.1);
    eprintln!("storm of {STORM}: {captured} captured, {dropped} dropped");
    assert!(
        dropped > 0,
        "a 4 KiB ring must overflow under a storm of {STORM} calls"
    );
    assert_eq!(
        captured + dropped,
        STORM,
        "every call is either captured or counted as dropped"
    );
    assert!(t.losses.kernel_drops_per_cpu.iter().sum::<u64>() >= dropped);
    assert!(
        stderr.contains("DROPPED"),
        "capture reports the drops: {stderr}"
    );
    assert!(stderr.contains("getppid"), "by type: {stderr}");

    let text = inspect(&out, false);
    assert!(text.contains("DROPS:"), "inspect reports drops:\n{text}");
    assert!(
        text.lines()
            .any(|l| l.contains("getppid") && l.contains(&dropped.to_string())),
        "inspect lists the getppid drops:\n{text}"
    );
    assert!(t.header.settings.buffer_bytes == 4096);
    assert_eq!(t.header.settings.syscalls, vec!["getppid".to_string()]);
    assert_eq!(t.header.settings.filters, vec![format!("pid={pid}")]);
}
