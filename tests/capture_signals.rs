//! `rtsec capture` stops on SIGINT and SIGTERM as every rtsec command does (the `interrupt`
//! module): a SIGINT its starter ignores (a background job's, `nohup`) stays ignored, and
//! SIGTERM still ends the capture cleanly. Its own handler used to take SIGINT over. A second
//! signal ends it at once, even while it waits for a command that will not stop.

mod capture_support;

use std::os::unix::process::ExitStatusExt;
use std::process::Command;
use std::time::{Duration, Instant};

use capture_support::*;

#[test]
fn an_ignored_sigint_stays_ignored() {
    if !can_capture() {
        return;
    }
    let dir = tempdir();
    let out = dir.path().join("t.rts");
    // The shell ignores SIGINT and execs the capture, which inherits that.
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(format!(
        "trap '' INT; exec {RTSEC} capture -o {} --duration 60s",
        out.display()
    ));
    let mut cap = start(cmd);
    // SAFETY: plain kill(2) on our child.
    unsafe { libc::kill(cap.child.id() as i32, libc::SIGINT) };
    std::thread::sleep(Duration::from_secs(1));
    assert!(
        cap.child.try_wait().unwrap().is_none(),
        "an ignored SIGINT stopped the capture"
    );
    let (status, stderr) = cap.stop(libc::SIGTERM);
    assert!(status.success(), "{status:?}\n{stderr}");
    assert!(stderr.contains("rtsec: stopped by signal 15"), "{stderr}");
    assert!(read(&out).footer, "the trace was finished");
}

#[test]
fn a_second_signal_ends_a_capture_waiting_for_its_command() {
    if !can_capture() {
        return;
    }
    let dir = tempdir();
    let out = dir.path().join("t.rts");
    let pidfile = dir.path().join("cmd.pid");
    // A command that ignores the signal the capture passes on: the capture, stopped, waits.
    let script = format!(
        "echo $$ > {}; trap '' INT TERM; while :; do sleep 0.2; done",
        pidfile.display()
    );
    let mut cmd = Command::new(RTSEC);
    cmd.args(["capture", "-o"])
        .arg(&out)
        .args(["--", "sh", "-c", &script]);
    let mut cap = start(cmd);
    let stubborn = Stubborn(&pidfile);
    // SAFETY: plain kill(2) on our child.
    unsafe { libc::kill(cap.child.id() as i32, libc::SIGINT) };
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !seen
        .iter()
        .any(|l: &String| l.starts_with("rtsec: stopping sh"))
    {
        assert!(
            Instant::now() < deadline,
            "never passed the signal on: {seen:?}"
        );
        if let Ok(l) = cap.rest.recv_timeout(Duration::from_millis(200)) {
            seen.push(l);
        }
    }
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        cap.child.try_wait().unwrap().is_none(),
        "the capture did not wait for its command: {seen:?}"
    );
    // SAFETY: as above.
    unsafe { libc::kill(cap.child.id() as i32, libc::SIGINT) };
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = cap.child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = cap.child.kill();
            panic!("the second SIGINT did not end the capture: {seen:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(
        status.signal(),
        Some(libc::SIGINT),
        "the second SIGINT ends the capture as SIGINT ends a process: {status:?} {seen:?}"
    );
    assert!(read(&out).footer, "the trace was finished before the wait");
    drop(stubborn);
}

/// Kills the command that outlives its capture, however the test ends.
struct Stubborn<'a>(&'a std::path::Path);

impl Drop for Stubborn<'_> {
    fn drop(&mut self) {
        if let Some(pid) = std::fs::read_to_string(self.0)
            .ok()
            .and_then(|s| s.trim().parse::<i32>().ok())
        {
            // SAFETY: kill(2); the shell's `sleep` children end within 0.2 s of their parent.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
    }
}
