//! `rtsec capture --rotate-every/--rotate-size/--keep`: a capture that starts a new file now
//! and then writes whole traces, named so that they sort in time order, loses no event where
//! one file ends and the next begins (each file carries the processes its events refer to),
//! and keeps only the newest files when asked.

mod capture_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use capture_support::*;

/// The trace files in `dir`, sorted by name.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "rts"))
        .collect();
    v.sort();
    v
}

#[test]
fn rotated_files_are_whole_traces_in_time_order_and_lose_nothing_between_them() {
    if !can_capture() {
        return;
    }
    let dir = tempdir();
    let base = dir.path().join("t.rts");
    let o = Command::new(RTSEC)
        .arg("capture")
        .arg("-o")
        .arg(&base)
        .args(["--rotate-every", "1s", "--"])
        .args([
            "sh",
            "-c",
            "for i in 1 2 3 4 5 6 7 8; do cat /etc/shadow > /dev/null; sleep 0.5; done",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    let files = files(dir.path());
    assert!(files.len() >= 3, "{} files: {err}", files.len());
    assert!(
        err.contains(&format!("to {} files (the last", files.len())),
        "{err}"
    );
    assert!(err.contains("a new file every"), "{err}");
    let mut last_ts = 0;
    let mut reads = 0;
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("t-") && name.ends_with("Z.rts"),
            "named after its start time: {name}"
        );
        let t = read(f);
        assert!(t.footer, "{name} is finished");
        // A follower of the directory knows the capture stopped by this (see rtsec_replay::follow).
        let header = rtsec_format::TraceReader::open(f).unwrap().header().clone();
        assert!(
            header
                .settings
                .extra
                .contains(&"rotation=every 1s".to_string()),
            "{name}: {:?}",
            header.settings.extra
        );
        assert!(t.notices.is_empty(), "{name}: {:?}", t.notices);
        // A second with nothing recorded makes a file without events.
        let (Some(first), Some(last)) = (t.events.first(), t.events.last()) else {
            continue;
        };
        assert_eq!(first.num, 1, "{name}: events numbered from 1");
        assert!(
            first.ts >= last_ts,
            "{name} starts after the file before it ends"
        );
        last_ts = last.ts;
        for e in &t.events {
            if e.ty == "openat" && e.fd_name.as_deref() == Some("/etc/shadow") {
                // The process and its parent are known in every file.
                assert_eq!(e.comm, "cat", "{name}");
                assert_eq!(e.parent_comm.as_deref(), Some("sh"), "{name}");
                reads += 1;
            }
        }
    }
    assert_eq!(reads, 8, "every read of /etc/shadow is in exactly one file");
    // The directory judged as one: every read alerts once.
    let r = Command::new(RTSEC)
        .args(["replay", "-q", "--stats"])
        .arg(dir.path())
        .output()
        .unwrap();
    let summary = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(0), "{summary}");
    assert!(
        summary.contains(&format!("{} traces judged", files.len())),
        "{summary}"
    );
    assert!(
        summary
            .lines()
            .any(|l| l.trim_start().starts_with("8 ") && l.ends_with("Sensitive file read")),
        "{summary}"
    );
}

#[test]
fn keep_deletes_the_oldest_files_of_the_capture() {
    if !can_capture() {
        return;
    }
    let dir = tempdir();
    // A file of another capture, older by name: never deleted.
    let other = dir.path().join("t-19700101T000000.000Z.rts");
    std::fs::write(&other, b"not ours").unwrap();
    let o = Command::new(RTSEC)
        .arg("capture")
        .arg("-o")
        .arg(dir.path().join("t.rts"))
        .args(["--rotate-every", "1s", "--keep", "2", "--", "sleep", "4.5"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    let files = files(dir.path());
    assert_eq!(files.len(), 3, "ours: the newest 2; {files:?}\n{err}");
    assert_eq!(files[0], other);
    assert!(err.contains("older ones deleted as beyond --keep"), "{err}");
    let (a, b) = (read(&files[1]), read(&files[2]));
    assert!(a.footer && b.footer);
    assert!(a.header.start_ns < b.header.start_ns);
    if let (Some(x), Some(y)) = (a.events.last(), b.events.first()) {
        assert!(x.ts <= y.ts);
    }
    // --keep alone has nothing to keep from.
    let o = Command::new(RTSEC)
        .arg("capture")
        .arg("-o")
        .arg(dir.path().join("u.rts"))
        .args(["--keep", "2", "--", "true"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("--keep needs --rotate-size or --rotate-every"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// A rotating capture named other than `*.rts` is said to be out of sight of `rtsec replay
/// DIR` when it starts, and the replay of its directory names the traces it holds.
#[test]
fn files_not_named_rts_are_pointed_out() {
    if !can_capture() {
        return;
    }
    let dir = tempdir();
    let base = dir.path().join("t.trace");
    let o = Command::new(RTSEC)
        .arg("capture")
        .arg("-o")
        .arg(&base)
        .args(["--rotate-every", "1s", "--", "sleep", "1.2"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains(&format!(
            "note: -o {} does not end in .rts: `rtsec replay DIR` and `--follow DIR` read only \
             the *.rts files of a directory, so they will not find this capture's files",
            base.display()
        )),
        "{err}"
    );
    let r = Command::new(RTSEC)
        .arg("replay")
        .arg(dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(1), "{err}");
    assert!(
        err.contains("; it holds rtsec traces by another name: ")
            && err.contains(".trace and ")
            && err.contains(" more (a directory's traces are its *.rts files"),
        "{err}"
    );
    // A follower of the directory, which waits for a *.rts file, says so too.
    let mut f = Command::new(RTSEC)
        .args(["replay", "--follow"])
        .arg(dir.path())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let lines = std::io::BufRead::lines(std::io::BufReader::new(f.stderr.take().unwrap()));
    let note = lines
        .map_while(Result::ok)
        .take(2)
        .find(|l| l.starts_with("rtsec: note: "));
    let _ = f.kill();
    let _ = f.wait();
    let note = note.unwrap_or_default();
    assert!(
        note.contains("holds rtsec traces by another name (")
            && note.ends_with("): a follower reads only its *.rts files"),
        "{note}"
    );
}
