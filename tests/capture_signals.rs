//! `rtsec capture` stops on SIGINT and SIGTERM as every rtsec command does (the `interrupt`
//! module): a SIGINT its starter ignores (a background job's, `nohup`) stays ignored, and
//! SIGTERM still ends the capture cleanly. Its own handler used to take SIGINT over.

mod capture_support;

use std::process::Command;
use std::time::Duration;

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
