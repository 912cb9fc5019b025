//! `rtsec capture --block-interval`: blocks are cut at least that often, so a crash loses at
//! most that much and a follower sees events that soon.

mod capture_support;

use capture_support::*;

/// The blocks of `path`: how many, and the largest gap between their ends.
fn blocks(path: &std::path::Path) -> Vec<(u64, u64)> {
    let r = rtsec_format::TraceReader::open(path).unwrap();
    r.footer()
        .unwrap()
        .blocks
        .iter()
        .map(|b| (b.ts_min, b.ts_max))
        .collect()
}

#[test]
fn blocks_are_cut_at_the_interval_asked_for() {
    if !can_capture() {
        return;
    }
    let dir = tempdir();
    let work =
        "for i in 1 2 3 4 5 6 7 8 9 10 11 12; do cat /etc/hostname > /dev/null; sleep 0.1; done";
    let short = dir.path().join("short.rts");
    let o = capture(&short, &["--block-interval", "150ms"], &["sh", "-c", work]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let long = dir.path().join("long.rts");
    let o = capture(&long, &["--block-interval", "10s"], &["sh", "-c", work]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (s, l) = (blocks(&short), blocks(&long));
    // About 1.2 s of events: 8 blocks at 150 ms, one at 10 s.
    assert!(s.len() >= 5, "{} blocks at 150ms", s.len());
    assert_eq!(l.len(), 1, "{} blocks at 10s", l.len());
    for w in s.windows(2) {
        assert!(w[0].1 <= w[1].0, "blocks in time order: {s:?}");
    }
    let o = std::process::Command::new(RTSEC)
        .arg("capture")
        .arg("-o")
        .arg(dir.path().join("x.rts"))
        .args(["--block-interval", "1ms", "--", "true"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("between 10ms and 1h"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
