//! `rtsec capture` stops on SIGINT and SIGTERM as every rtsec command does (the `interrupt`
//! module). Where its starter ignored SIGINT (a script's background job), the terminal's
//! Ctrl-C, meant for the foreground job, stays ignored, while `kill -INT PID` still stops it,
//! as it stops a capture started in the foreground; its command starts with SIGINT ignored
//! too. A second signal ends it at once, even while it waits for a command that will not stop.

mod capture_support;

use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use capture_support::*;

#[test]
fn kill_int_stops_a_capture_whose_sigint_was_ignored() {
    if !can_capture() {
        return;
    }
    let dir = tempdir();
    let out = dir.path().join("t.rts");
    // The shell ignores SIGINT and execs the capture, which inherits that, as a script's
    // background job does.
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(format!(
        "trap '' INT; exec {RTSEC} capture -o {} --duration 60s",
        out.display()
    ));
    let mut cap = start(cmd);
    // SAFETY: plain kill(2) on our child.
    unsafe { libc::kill(cap.child.id() as i32, libc::SIGINT) };
    let status = exit_within(&mut cap, Duration::from_secs(20));
    assert!(status.success(), "{status:?}");
    let stderr: Vec<String> = cap.rest.try_iter().collect();
    assert!(
        stderr.iter().any(|l| l == "rtsec: stopped by signal 2"),
        "{stderr:?}"
    );
    assert!(read(&out).footer, "the trace was finished");
}

/// The command a capture runs keeps the signals its starter ignored: rtsec handles them, and
/// an exec would reset a handled signal to its default.
#[test]
fn its_command_starts_with_sigint_ignored_where_the_capture_did() {
    if !can_capture() {
        return;
    }
    let dir = tempdir();
    let out = dir.path().join("t.rts");
    let seen = dir.path().join("sigign");
    let o = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "trap '' INT; exec {RTSEC} capture -o {} -- sh -c 'grep ^SigIgn: /proc/$$/status > {}'",
            out.display(),
            seen.display()
        ))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let line = std::fs::read_to_string(&seen).unwrap();
    let mask = u64::from_str_radix(line.trim().trim_start_matches("SigIgn:").trim(), 16).unwrap();
    assert_ne!(
        mask & 1 << (libc::SIGINT - 1),
        0,
        "SIGINT not ignored: {line}"
    );
}

/// The capture's exit status, once it ends; fails the test (and kills it) if it runs longer
/// than `limit`.
fn exit_within(cap: &mut Running, limit: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = cap.child.try_wait().unwrap() {
            // Its last lines reach the reader thread a moment later.
            std::thread::sleep(Duration::from_millis(200));
            return status;
        }
        if Instant::now() > deadline {
            let _ = cap.child.kill();
            panic!("still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs `sh -c SCRIPT` on a pseudo-terminal (script(1)), types Ctrl-C once the capture it
/// starts is capturing, and returns what the terminal showed and how long the capture ran
/// after the Ctrl-C.
fn ctrl_c_on_a_terminal(script: &str) -> (String, Duration) {
    // script(1) runs its command with `$SHELL -c`: exec'd, so that the capture is the only
    // process on the terminal (a shell waiting for it would take the Ctrl-C too).
    let mut term = Command::new("script")
        .args(["-qec", &format!("exec sh -c \"{script}\""), "/dev/null"])
        .env("SHELL", "/bin/sh")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run script(1) (util-linux)");
    let mut lines = BufReader::new(term.stdout.take().unwrap()).lines();
    let mut shown = String::new();
    loop {
        let l = lines
            .next()
            .unwrap_or_else(|| panic!("ended before capturing: {shown}"))
            .unwrap();
        shown.push_str(&l);
        shown.push('\n');
        if l.contains("rtsec: capturing to") {
            break;
        }
    }
    let typed = Instant::now();
    term.stdin.as_mut().unwrap().write_all(b"\x03").unwrap();
    for l in lines.map_while(Result::ok) {
        shown.push_str(&l);
        shown.push('\n');
    }
    let status = term.wait().unwrap();
    assert!(status.success(), "{status:?}: {shown}");
    (shown, typed.elapsed())
}

#[test]
fn the_terminals_ctrl_c_stays_ignored_where_it_was() {
    if !can_capture() {
        return;
    }
    let dir = tempdir();
    let (a, b) = (dir.path().join("a.rts"), dir.path().join("b.rts"));
    // In the foreground, Ctrl-C stops the capture.
    let (shown, after) = ctrl_c_on_a_terminal(&format!(
        "exec {RTSEC} capture -o {} --duration 30s",
        a.display()
    ));
    assert!(shown.contains("rtsec: stopped by signal 2"), "{shown}");
    assert!(after < Duration::from_secs(20), "{after:?}: {shown}");
    // Started with SIGINT ignored, it runs on to its --duration.
    let (shown, after) = ctrl_c_on_a_terminal(&format!(
        "trap '' INT; exec {RTSEC} capture -o {} --duration 3s",
        b.display()
    ));
    assert!(!shown.contains("stopped by signal"), "{shown}");
    assert!(after >= Duration::from_millis(2500), "{after:?}: {shown}");
    assert!(read(&b).footer, "the trace was finished");
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
    let status = exit_within(&mut cap, Duration::from_secs(10));
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
