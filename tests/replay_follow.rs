//! `rtsec replay --follow`: a trace judged while it is written. Alerts come out before the
//! writer finishes; the follow ends with the footer, or on Ctrl-C with a summary that says
//! how far it got; the output is exactly a replay's of the same bytes; losses recorded while
//! following are reported as they come; and, against the real kernel, an alert on a live
//! `rtsec capture` comes out while the capture is still running.

mod replay_support;

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::sync::mpsc::channel;
use std::time::{Duration, Instant};

use replay_support::follower::*;
use replay_support::*;
use rtsec_format::{Losses, TraceReader};

#[test]
fn alerts_come_before_the_writer_finishes_and_the_output_is_a_replays() {
    let dir = tempdir();
    // The finished trace and the growing one have the same name, in two directories, run
    // from each: the Parquet files name the trace.
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    let whole = a.join("t.rts");
    synthetic_trace(&whole, 20_000, 11, Losses::default());
    let l = layout(&whole);
    assert!(l.blocks.len() >= 4, "{} blocks", l.blocks.len());
    let rules = every_open();
    let rules = rules.to_str().unwrap();
    let args = [
        "-r",
        rules,
        "--format",
        "json",
        "-j",
        "2",
        "--parquet",
        "hits.parquet",
        "t.rts",
    ];
    let want = Command::new(RTSEC)
        .current_dir(&a)
        .arg("replay")
        .args(args)
        .output()
        .unwrap();
    assert_eq!(code(&want), 0, "{}", stderr(&want));

    // Followed from before the file exists.
    let grow = b.join("t.rts");
    let mut f = follow_in(&b, &args);
    std::thread::sleep(Duration::from_millis(300));
    // The header and the first block: its alerts come out while the rest is not written.
    let mut w = Writing::start(&grow);
    w.append(&l.bytes[..l.blocks[1] as usize]);
    let first_block = {
        let part = dir.path().join("part.rts");
        std::fs::write(&part, &l.bytes[..l.blocks[1] as usize]).unwrap();
        let o = rtsec(&[
            "replay",
            "-r",
            rules,
            "--format",
            "json",
            part.to_str().unwrap(),
        ]);
        stdout(&o).lines().count()
    };
    assert!(first_block > 0);
    f.wait_lines(first_block);
    assert!(f.child.try_wait().unwrap().is_none(), "still following");
    // The other blocks, each in two writes, then the footer.
    let mut at = l.blocks[1] as usize;
    let mut ends: Vec<usize> = l.blocks[2..].iter().map(|&b| b as usize).collect();
    ends.push(l.footer as usize);
    for end in ends {
        let mid = (at + end) / 2;
        w.append(&l.bytes[at..mid]);
        std::thread::sleep(Duration::from_millis(150));
        w.append(&l.bytes[mid..end]);
        at = end;
    }
    std::thread::sleep(Duration::from_millis(200));
    assert!(f.child.try_wait().unwrap().is_none(), "no footer yet");
    w.append(&l.bytes[at..]);
    drop(w);
    let (code, out, err) = f.wait();
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, stdout(&want), "the same alerts, in the same order");
    assert!(err.contains("waiting for"), "{err}");
    assert!(
        err.contains("until its writer finished it"),
        "the summary says how the follow ended: {err}"
    );
    let hits_line = |s: &str| {
        s.lines()
            .find(|l| l.starts_with("Hits:"))
            .map(str::to_owned)
    };
    assert_eq!(hits_line(&err), hits_line(&stderr(&want)));
    assert!(
        std::fs::read(b.join("hits.parquet")).unwrap()
            == std::fs::read(a.join("hits.parquet")).unwrap(),
        "the same Parquet file, byte for byte"
    );
}

#[test]
fn ctrl_c_stops_following_with_a_summary_of_what_was_judged() {
    let dir = tempdir();
    let whole = dir.path().join("whole.rts");
    synthetic_trace(&whole, 12_000, 12, Losses::default());
    let l = layout(&whole);
    let rules = every_open();
    let rules = rules.to_str().unwrap();
    // A trace whose writer is still at its third block.
    let grow = dir.path().join("grow.rts");
    let mut w = Writing::start(&grow);
    w.append(&l.bytes[..l.blocks[2] as usize]);
    let want = rtsec(&["replay", "-r", rules, grow.to_str().unwrap()]);
    let lines = stdout(&want).lines().count();
    let mut f = follow(&["-r", rules, grow.to_str().unwrap()]);
    f.wait_lines(lines);
    std::thread::sleep(Duration::from_millis(300));
    f.signal(libc::SIGINT);
    let (code, out, err) = f.wait();
    drop(w);
    assert_eq!(code, 0, "stopping is not a failure: {err}");
    assert_eq!(out, stdout(&want));
    let events = TraceReader::open(&grow)
        .unwrap()
        .blocks(true)
        .map(|b| b.unwrap().frame.events as u64)
        .sum::<u64>();
    let events = format!("after {} events", group_digits(events));
    assert!(
        err.contains("until stopped") && err.contains(&events),
        "the summary says where it stopped ({events}): {err}"
    );
    assert!(err.contains("had not finished it"), "{err}");
    assert!(
        !err.contains("INCOMPLETE"),
        "what is not written yet is not lost: {err}"
    );
}

fn group_digits(n: u64) -> String {
    rtsec_replay::summary::group(n)
}

/// Losses the trace records while it is followed are reported when the block that records
/// them is judged, before the end.
#[test]
fn losses_are_reported_as_they_are_recorded() {
    let dir = tempdir();
    let path = dir.path().join("lossy.rts");
    let mut w = writer_cut_by_hand(&path);
    let mut f = follow(&["-r", every_open().to_str().unwrap(), path.to_str().unwrap()]);
    push_with_drops(&mut w, 4000, 13);
    // The first block (with the drops) is on disk; the writer is not finished.
    let deadline = Instant::now() + Duration::from_secs(30);
    while f.stdout.is_empty() {
        assert!(Instant::now() < deadline, "no alert after 30 s");
        if let Ok(l) = f.lines.recv_timeout(Duration::from_millis(100)) {
            f.stdout.push(l);
        }
    }
    w.finish().unwrap();
    let (code, _, err) = f.wait();
    assert_eq!(code, 3, "a trace with drops is incomplete: {err}");
    assert!(
        err.contains("the kernel dropped 7 more events (7 in all) by event 2,000"),
        "{err}"
    );
}

#[test]
fn what_cannot_be_followed_is_refused() {
    let dir = tempdir();
    let a = scenario("credentials");
    let b = scenario("network");
    let o = rtsec(&["replay", "-f", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("--follow takes one trace or directory, not 2"),
        "{}",
        stderr(&o)
    );
    let scap = dir.path().join("x.scap");
    std::fs::write(&scap, b"whatever").unwrap();
    let o = rtsec(&["replay", "-f", scap.to_str().unwrap()]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("a capture cannot be followed"),
        "{}",
        stderr(&o)
    );
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not a trace, but long enough to tell").unwrap();
    let o = rtsec(&["replay", "-f", text.to_str().unwrap()]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("not an rtsec trace"), "{}", stderr(&o));
}

/// Against the real kernel: `rtsec capture` records a shell that reads /etc/shadow, and a
/// follower prints the bundled rules' alert while the capture is still running; once the
/// capture finishes, the follower ends by itself with exactly the alerts a replay gives.
#[test]
fn a_live_capture_is_judged_while_it_records() {
    if !can_capture() {
        return;
    }
    let dir = tempdir();
    let trace = dir.path().join("live.rts");
    let mut f = follow(&[trace.to_str().unwrap()]);
    let mut capture = Command::new(RTSEC)
        .args(["capture", "-o", trace.to_str().unwrap(), "--"])
        .args(["sh", "-c", "sleep 1; cat /etc/shadow > /dev/null; sleep 6"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start rtsec capture");
    let deadline = Instant::now() + Duration::from_secs(30);
    let alert = loop {
        assert!(Instant::now() < deadline, "no alert after 30 s");
        if let Ok(l) = f.lines.recv_timeout(Duration::from_millis(100)) {
            f.stdout.push(l.clone());
            // Its own read: another live test in this binary reads gshadow meanwhile.
            if l.contains("Sensitive file opened for reading (file=/etc/shadow") {
                break l;
            }
        }
    };
    assert!(
        capture.try_wait().unwrap().is_none(),
        "the alert came while the capture was still running: {alert}"
    );
    assert!(alert.contains("/etc/shadow"), "{alert}");
    let status = capture.wait().unwrap();
    let mut cap_err = String::new();
    capture
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut cap_err)
        .unwrap();
    assert!(status.success(), "{cap_err}");
    let (code, out, err) = f.wait();
    assert!(err.contains("until its writer finished it"), "{err}");
    let want = rtsec(&["replay", trace.to_str().unwrap()]);
    assert_eq!(code, replay_support::code(&want), "{err}");
    assert_eq!(out, stdout(&want));
}

/// `--since now` judges only what is written from now on; `--until` ends the follow once the
/// trace goes past it, with the alerts a replay of the same window gives.
#[test]
fn a_window_skips_the_past_and_ends_the_follow() {
    let dir = tempdir();
    let whole = dir.path().join("whole.rts");
    synthetic_trace(&whole, 12_000, 14, Losses::default());
    let rules = every_open();
    let rules = rules.to_str().unwrap();
    // A finished trace of 2025: nothing in it is from now on.
    let f = follow(&["-r", rules, "--since", "now", whole.to_str().unwrap()]);
    let (code, out, err) = f.wait();
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    assert!(err.contains("12,000 events outside it"), "{err}");

    // A trace still written, followed until the end of its second block.
    let l = layout(&whole);
    let r = TraceReader::open(&whole).unwrap();
    let index = r.footer().unwrap().blocks.clone();
    let until = index[1].ts_max;
    assert!(index[3].ts_min > until);
    let until = format!("@{}.{:09}", until / 1_000_000_000, until % 1_000_000_000);
    let grow = dir.path().join("grow.rts");
    append(&grow, &l.bytes[..l.blocks[4] as usize]);
    let want = rtsec(&[
        "replay",
        "-r",
        rules,
        "--until",
        &until,
        whole.to_str().unwrap(),
    ]);
    let f = follow(&["-r", rules, "--until", &until, grow.to_str().unwrap()]);
    let (code, out, err) = f.wait();
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, stdout(&want));
    assert!(err.contains("until it went past the window's end"), "{err}");
}

/// A directory is followed as the files a rotating capture writes into it: each file to its
/// end, then the next in name order as it appears; a file whose writer is gone unfinished is
/// given up at once. The alerts are those of a replay of the directory.
#[test]
fn a_directory_is_followed_file_after_file() {
    let dir = tempdir();
    let src = dir.path().join("src");
    let d = dir.path().join("series");
    std::fs::create_dir_all(&d).unwrap();
    let traces = finished_traces(&src, 4, 20);
    let rules = every_open();
    let rules = rules.to_str().unwrap();
    let mut f = follow(&["-r", rules, d.to_str().unwrap()]);
    let name = |i: usize| d.join(format!("t-{i}.rts"));
    // The first file, block by block, then the second whole.
    let a = &traces[0];
    let mut w = Writing::start(&name(0));
    w.append(&a.bytes[..a.blocks[1] as usize]);
    f.wait_lines(1);
    w.append(&a.bytes[a.blocks[1] as usize..]);
    drop(w);
    append(&name(1), &traces[1].bytes);
    // The third is left after its first block by a writer that is gone, and a fourth follows.
    let c = &traces[2];
    append(&name(2), &c.bytes[..c.blocks[1] as usize]);
    append(&name(3), &traces[3].bytes);
    let want = rtsec(&["replay", "-r", rules, d.to_str().unwrap()]);
    let lines = stdout(&want).lines().count();
    f.wait_lines(lines);
    std::thread::sleep(Duration::from_millis(300));
    f.signal(libc::SIGINT);
    let (code, out, err) = f.wait();
    assert_eq!(
        out,
        stdout(&want),
        "the alerts of a replay of the directory"
    );
    for i in [0, 1, 3] {
        // The last is finished too: following stopped while waiting for a fifth.
        assert!(
            err.contains(&format!("t-{i}.rts until its writer finished it")),
            "{err}"
        );
    }
    assert!(
        err.contains("t-2.rts until its writer stopped without finishing it"),
        "{err}"
    );
    assert!(err.contains("4 traces judged"), "{err}");
    // The unfinished file makes the verdict incomplete, as in the replay.
    assert!(err.contains("unfinished: no footer"), "{err}");
    assert_eq!(code, 3, "{err}");
    assert_eq!(replay_support::code(&want), 3);
}

/// A rotating capture begins its next file before it finishes the current one (its headers
/// say it rotates): a follower of its directory moves on to the next file, and ends by itself
/// when a file is finished with no next one, as the capture has stopped, if it saw the
/// capture at work. A series whose headers do not say so is waited for (above).
#[test]
fn a_directory_follow_ends_when_its_rotating_capture_stops() {
    let dir = tempdir();
    let d = dir.path().join("series");
    std::fs::create_dir_all(&d).unwrap();
    let t = rotating_capture_files(&dir.path().join("src"), 3, 30);
    let rules = every_open();
    let rules = rules.to_str().unwrap();
    let name = |i: usize| d.join(format!("t-{i}.rts"));
    let first_block = |i: usize| &t[i].bytes[..t[i].blocks[1] as usize];
    let rest = |i: usize| &t[i].bytes[t[i].blocks[1] as usize..];
    let mut w0 = Writing::start(&name(0));
    w0.append(first_block(0));
    let mut f = follow(&["-r", rules, d.to_str().unwrap()]);
    f.wait_lines(1);
    // As the capture rotates: the next file begun, then the last one finished.
    let mut w1 = Writing::start(&name(1));
    w1.append(first_block(1));
    w0.append(rest(0));
    drop(w0);
    let mut w2 = Writing::start(&name(2));
    w1.append(rest(1));
    drop(w1);
    // The capture stops: its last file finished, no next one.
    w2.append(first_block(2));
    std::thread::sleep(Duration::from_millis(300));
    w2.append(rest(2));
    drop(w2);
    let (code, out, err) = f.wait();
    let want = rtsec(&["replay", "-r", rules, d.to_str().unwrap()]);
    assert_eq!(
        out,
        stdout(&want),
        "the alerts of a replay of the directory"
    );
    assert_eq!(code, 0, "{err}");
    for i in [0, 1] {
        assert!(
            err.contains(&format!("t-{i}.rts until its writer finished it\n")),
            "{err}"
        );
    }
    assert!(
        err.contains(
            "t-2.rts until its writer finished it, the last file of its capture: the capture \
             stopped"
        ),
        "{err}"
    );
    assert!(err.contains("3 traces judged"), "{err}");
    // A follower started after the capture stopped (a service's, restarted) did not see it
    // at work: it waits for the files of the next capture.
    let mut late = follow(&["-r", rules, d.to_str().unwrap()]);
    late.wait_lines(stdout(&want).lines().count());
    std::thread::sleep(Duration::from_millis(500));
    assert!(late.child.try_wait().unwrap().is_none(), "it ended");
    late.signal(libc::SIGINT);
    let (code, out, err) = late.wait();
    assert_eq!(out, stdout(&want));
    // Stopped while waiting for a next file: every file was judged whole.
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("the capture stopped"), "{err}");
}

/// Against the real kernel: a follower of a directory judges a rotating capture's files as
/// they are written, one after the other, and gives the alerts of a replay of the directory.
#[test]
fn a_rotating_live_capture_is_followed_across_its_files() {
    if !can_capture() {
        return;
    }
    let dir = tempdir();
    let f = follow(&[dir.path().to_str().unwrap()]);
    let o = Command::new(RTSEC)
        .arg("capture")
        .arg("-o")
        .arg(dir.path().join("t.rts"))
        .args(["--rotate-every", "1s", "--"])
        .args([
            "sh",
            "-c",
            // gshadow: the other live test in this binary, recorded too, reads shadow.
            "for i in 1 2 3 4 5 6; do cat /etc/gshadow > /dev/null; sleep 0.5; done",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let want = rtsec(&["replay", dir.path().to_str().unwrap()]);
    // The capture stopped: so does the follower, by itself.
    let (code, out, err) = f.wait();
    assert_eq!(out, stdout(&want));
    assert_eq!(
        out.lines()
            .filter(|l| l.contains("Sensitive file opened for reading (file=/etc/gshadow"))
            .count(),
        6,
        "{out}"
    );
    assert_eq!(code, replay_support::code(&want), "{err}");
    let files = std::fs::read_dir(dir.path()).unwrap().count();
    assert!(files >= 3, "{files} files");
    assert_eq!(
        err.matches("until its writer finished it").count(),
        files,
        "{err}"
    );
    assert_eq!(
        err.matches("the last file of its capture: the capture stopped")
            .count(),
        1,
        "{err}"
    );
}

/// `rtsec events --follow`: each block's events are printed as the writer adds it, and the
/// output is that of `rtsec events` on the finished trace.
#[test]
fn events_follow_prints_each_block_as_it_comes() {
    let dir = tempdir();
    let whole = dir.path().join("whole.rts");
    synthetic_trace(&whole, 8_000, 15, Losses::default());
    let l = layout(&whole);
    let filter = "evt.type=execve and proc.name!=sh";
    let want = rtsec(&["events", "--filter", filter, whole.to_str().unwrap()]);
    assert_eq!(code(&want), 0, "{}", stderr(&want));
    let want = stdout(&want);
    let grow = dir.path().join("grow.rts");
    let mut child = Command::new(RTSEC)
        .current_dir(root())
        .env("TZ", "UTC")
        .args(["events", "--follow", "--filter", filter])
        .arg(&grow)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for l in BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send(l);
        }
    });
    let mut w = Writing::start(&grow);
    w.append(&l.bytes[..l.blocks[1] as usize]);
    let first = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the first block's events before the rest is written");
    assert_eq!(Some(first.as_str()), want.lines().next());
    w.append(&l.bytes[l.blocks[1] as usize..]);
    drop(w);
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(status.success(), "{err}");
    let mut got: Vec<String> = vec![first];
    got.extend(rx.iter());
    assert_eq!(got.join("\n") + "\n", want);
}

/// A trace whose writer is gone without finishing it (killed: its lock on the file is free)
/// ends the follow by itself, reported as a replay of the file reports it.
#[test]
fn a_writer_gone_without_finishing_ends_the_follow() {
    let dir = tempdir();
    let whole = dir.path().join("whole.rts");
    synthetic_trace(&whole, 12_000, 16, Losses::default());
    let l = layout(&whole);
    let rules = every_open();
    let rules = rules.to_str().unwrap();
    let grow = dir.path().join("grow.rts");
    let mut w = Writing::start(&grow);
    // Two blocks and half of the third.
    w.append(&l.bytes[..((l.blocks[2] + l.blocks[3]) / 2) as usize]);
    let want = rtsec(&["replay", "-r", rules, grow.to_str().unwrap()]);
    let lines = stdout(&want).lines().count();
    let mut f = follow(&["-r", rules, grow.to_str().unwrap()]);
    f.wait_lines(lines);
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        f.child.try_wait().unwrap().is_none(),
        "waiting while the writer lives"
    );
    drop(w);
    let (code, out, err) = f.wait();
    assert_eq!(out, stdout(&want));
    assert_eq!(code, 3, "a truncated trace is incomplete: {err}");
    assert!(
        err.contains("until its writer stopped without finishing it"),
        "{err}"
    );
    assert!(
        err.contains("truncated: the file ends inside a block"),
        "{err}"
    );
    assert_eq!(replay_support::code(&want), 3);
}

/// A follower judges as the Falco of a falco.yaml would, as a replay does: the same rules
/// selected, the same alert shape, and with --falco-outputs the same outputs.
#[test]
fn a_follower_takes_a_falco_yaml_as_a_replay_does() {
    let dir = tempdir();
    let cfg = dir.path().join("falco.yaml");
    std::fs::write(
        &cfg,
        format!(
            "rules_files:\n  - {}\njson_output: true\ntime_format_iso_8601: true\n\
             rules:\n  - disable:\n      rule: \"*\"\n  - enable:\n      rule: \"Search Private*\"\n\
             stdout_output:\n  enabled: true\n\
             file_output:\n  enabled: true\n  keep_alive: true\n  filename: {}\n",
            falco_rules().display(),
            dir.path().join("alerts.json").display()
        ),
    )
    .unwrap();
    let trace = scenario("credentials");
    let want = rtsec(&[
        "replay",
        "-c",
        cfg.to_str().unwrap(),
        trace.to_str().unwrap(),
    ]);
    assert_eq!(code(&want), 0, "{}", stderr(&want));
    assert!(stdout(&want).contains("\"rule\":\"Search Private Keys or Passwords\""));
    let f = follow(&[
        "-c",
        cfg.to_str().unwrap(),
        "--falco-outputs",
        trace.to_str().unwrap(),
    ]);
    let (code, out, err) = f.wait();
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        stdout(&want),
        "the JSON alerts of the enabled rule only"
    );
    let file = std::fs::read_to_string(dir.path().join("alerts.json")).unwrap();
    assert_eq!(file, out, "and the same in its file_output");
}

/// The first Ctrl-C asks the follower to finish what it judged; a second ends it at once,
/// even while it is stuck writing to an output nobody reads.
#[test]
fn a_second_ctrl_c_ends_a_follower_at_once() {
    use std::os::unix::process::ExitStatusExt;
    let dir = tempdir();
    let trace = dir.path().join("t.rts");
    synthetic_trace(&trace, 20_000, 14, Losses::default());
    let rules = every_open();
    // stdout is a pipe that is never read: the follower blocks once it is full.
    let mut child = Command::new(RTSEC)
        .args(["replay", "--follow", "-r", rules.to_str().unwrap()])
        .arg(&trace)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let sig = |c: &std::process::Child| unsafe { libc::kill(c.id() as i32, libc::SIGINT) };
    sig(&child);
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "blocked on its full stdout, the first Ctrl-C cannot end it"
    );
    sig(&child);
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "a second Ctrl-C did not end it");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.signal(), Some(libc::SIGINT), "{status:?}");
}
