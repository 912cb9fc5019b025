//! Issue 4, test 6: `kill -9` of the capture mid-run leaves a file that `rtsec inspect` reads
//! up to the last complete block, with a truncation notice.

mod capture_support;

use std::process::Command;
use std::time::Duration;

use capture_support::*;
use rtsec_format::Notice;

#[test]
fn kill_9_leaves_a_readable_trace_with_a_notice() {
    if !can_capture() {
        return;
    }
    let dir = tempdir();
    let out = dir.path().join("t.rts");
    let cap = start_capture(&out, &[]);
    // Some activity to record while blocks are cut every second.
    let mut work = Command::new("sh")
        .args([
            "-c",
            "for i in $(seq 1 25); do ls / > /dev/null; sleep 0.1; done",
        ])
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(2600));
    let (status, _) = cap.stop(libc::SIGKILL);
    assert!(!status.success(), "SIGKILL ends the capture abruptly");
    let _ = work.kill();
    let _ = work.wait();

    let t = read(&out);
    assert!(!t.footer, "a killed capture writes no footer");
    assert!(
        t.events.len() > 10,
        "blocks cut before the kill are readable: {} events",
        t.events.len()
    );
    assert!(
        t.events.iter().any(|e| e.ty == "execve" && e.comm == "ls"),
        "the workload is in the blocks that made it to disk"
    );
    assert!(
        t.notices
            .iter()
            .any(|n| matches!(n, Notice::Unfinished { .. } | Notice::Truncated { .. })),
        "the reader says the trace is cut short: {:?}",
        t.notices
    );
    let text = inspect(&out, false);
    assert!(
        text.contains("NOTICE:"),
        "inspect shows the notice:\n{text}"
    );
    assert!(
        text.contains("unfinished") || text.contains("truncated"),
        "{text}"
    );
    assert!(
        text.contains(&format!("events:      {}", t.events.len())),
        "{text}"
    );
}
