//! `rtsec replay --follow --state FILE`: a follower stopped and started again takes up where
//! it stopped. Together, the runs print exactly the alerts of one replay of the trace: none
//! twice, none missing, whether the trace grew meanwhile, was finished, or was a directory of
//! a rotating capture's files. A state of another trace is refused; a new recording at the
//! same path is judged from its start, and the summary says why.

mod replay_support;

use std::path::Path;
use std::time::Duration;

use replay_support::follower::*;
use replay_support::*;
use rtsec_format::Losses;

/// Lines of `rtsec replay` of `path` with the every-open rule.
fn replay_lines(path: &Path) -> Vec<String> {
    let o = rtsec(&[
        "replay",
        "-r",
        every_open().to_str().unwrap(),
        path.to_str().unwrap(),
    ]);
    stdout(&o).lines().map(str::to_owned).collect()
}

/// `rtsec replay --follow --state STATE TRACE` with the every-open rule, in the background.
fn follow_with_state(state: &Path, trace: &Path) -> Follower {
    follow(&[
        "-r",
        every_open().to_str().unwrap(),
        "--state",
        state.to_str().unwrap(),
        trace.to_str().unwrap(),
    ])
}

/// Follows `path` with `state` until it has printed `lines` alerts, then stops it (Ctrl-C):
/// stdout and stderr (it exits 0).
fn follow_then_stop(path: &Path, state: &Path, lines: usize) -> (String, String) {
    let mut f = follow_with_state(state, path);
    f.wait_lines(lines);
    std::thread::sleep(Duration::from_millis(300));
    f.signal(libc::SIGINT);
    let (code, out, err) = f.wait();
    assert_eq!(code, 0, "{err}");
    (out, err)
}

/// The losses a trace recorded up to where the earlier follow stopped were reported by it:
/// the next reports only those after.
#[test]
fn losses_reported_by_the_earlier_follow_are_not_reported_again() {
    let dir = tempdir();
    let whole = dir.path().join("lossy.rts");
    let mut w = writer_cut_by_hand(&whole);
    push_with_drops(&mut w, 6000, 34);
    w.finish().unwrap();
    let l = layout(&whole);
    let grow = dir.path().join("grow.rts");
    let state = dir.path().join("s.state");
    let mut wr = Writing::start(&grow);
    wr.append(&l.bytes[..l.blocks[1] as usize]);
    let first = replay_lines(&grow).len();
    let mut f = follow_with_state(&state, &grow);
    f.wait_lines(first);
    std::thread::sleep(Duration::from_millis(300));
    f.signal(libc::SIGINT);
    let (code, _, err) = f.wait();
    assert_eq!(code, 3, "its block recorded drops: {err}");
    assert!(err.contains("the kernel dropped 7 events"), "{err}");

    wr.append(&l.bytes[l.blocks[1] as usize..]);
    drop(wr);
    let f = follow_with_state(&state, &grow);
    let (code, out, err) = f.wait();
    assert_eq!(code, 0, "no drops after the first block: {err}");
    assert!(!err.contains("dropped"), "{err}");
    assert_eq!(out.lines().count(), replay_lines(&whole).len() - first);
}

#[test]
fn a_restarted_follower_takes_up_where_it_stopped() {
    let dir = tempdir();
    let whole = dir.path().join("whole.rts");
    synthetic_trace(&whole, 20_000, 31, Losses::default());
    let l = layout(&whole);
    assert!(l.blocks.len() >= 5, "{} blocks", l.blocks.len());
    let want = replay_lines(&whole);
    let grow = dir.path().join("grow.rts");
    let state = dir.path().join("follow.state");

    // The first follower judges two blocks and is stopped.
    let mut w = Writing::start(&grow);
    w.append(&l.bytes[..l.blocks[2] as usize]);
    let first = replay_lines(&grow).len();
    let (out1, _) = follow_then_stop(&grow, &state, first);
    let saved = std::fs::read_to_string(&state).unwrap();
    assert!(
        saved.contains("\"block\": 1") && saved.contains("grow.rts"),
        "the state names the trace and its last block judged: {saved}"
    );

    // Meanwhile the writer adds two blocks; the second follower starts after the first two
    // and follows to the footer.
    w.append(&l.bytes[l.blocks[2] as usize..l.blocks[4] as usize]);
    let mut f = follow_with_state(&state, &grow);
    let upto4 = replay_lines(&grow).len();
    f.wait_lines(upto4 - first);
    w.append(&l.bytes[l.blocks[4] as usize..]);
    drop(w);
    let (code, out2, err2) = f.wait();
    assert_eq!(code, 0, "{err2}");
    let mut both: Vec<String> = out1.lines().map(str::to_owned).collect();
    both.extend(out2.lines().map(str::to_owned));
    assert_eq!(both.len(), want.len(), "no alert twice, none missing");
    assert!(both == want, "the alerts of one replay, in order");
    let first_two: u64 = rtsec_format::TraceReader::open(&whole)
        .unwrap()
        .blocks(true)
        .take(2)
        .map(|b| b.unwrap().frame.events as u64)
        .sum();
    let passed = format!(
        "where an earlier follow stopped: {} events it judged passed over",
        rtsec_replay::summary::group(first_two)
    );
    assert!(err2.contains(&passed), "{passed}: {err2}");
    assert!(!err2.contains("INCOMPLETE"), "{err2}");
    assert!(err2.contains("until its writer finished it"), "{err2}");

    // A third, on the finished trace: nothing left to judge.
    let mut f = follow_with_state(&state, &grow);
    let (code, out3, err3) = {
        std::thread::sleep(Duration::from_millis(100));
        f.stdout.clear();
        f.wait()
    };
    assert_eq!(code, 0, "{err3}");
    assert_eq!(out3, "", "{err3}");
    assert!(
        err3.contains("Hits: 0") && err3.contains("20,000 events it judged"),
        "{err3}"
    );
}

#[test]
fn a_state_of_another_trace_is_refused_and_a_new_recording_is_judged_whole() {
    let dir = tempdir();
    let a = dir.path().join("a.rts");
    let b = dir.path().join("b.rts");
    synthetic_trace(&a, 6_000, 32, Losses::default());
    synthetic_trace(&b, 6_000, 33, Losses::default());
    let state = dir.path().join("s.json");
    let rules = every_open();
    let rules = rules.to_str().unwrap();
    let f = follow_with_state(&state, &a);
    let (code, _, err) = f.wait();
    assert_eq!(code, 0, "{err}");

    let o = rtsec(&[
        "replay",
        "-f",
        "-r",
        rules,
        "--state",
        state.to_str().unwrap(),
        b.to_str().unwrap(),
    ]);
    assert_eq!(replay_support::code(&o), 1);
    assert!(
        stderr(&o).contains("the state of following")
            && stderr(&o).contains("give each follow its own --state"),
        "{}",
        stderr(&o)
    );

    // Another recording written at a's path: judged from its start, and said so.
    std::fs::copy(&b, &a).unwrap();
    let f = follow_with_state(&state, &a);
    let (code, out, err) = f.wait();
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), replay_lines(&b).len(), "{err}");
    assert!(err.contains("not the recording the state names"), "{err}");

    // A state file that is not one, and options a state does not go with.
    std::fs::write(&state, "garbage").unwrap();
    let (st, tr) = (state.to_str().unwrap(), a.to_str().unwrap());
    for (args, want_code, want) in [
        (
            &["-f", "--state", st, tr][..],
            1,
            "s.json: not a follow state",
        ),
        (&["-f", "--state", st, tr][..], 1, "delete it"),
        (&["--state", st, tr][..], 2, "--follow"),
        (
            &["-f", "--state", st, "--parquet", "x.parquet", tr][..],
            1,
            "--state with --parquet needs --parquet-every",
        ),
        (
            &["-f", "--state", st, "--until", "+1s", tr][..],
            1,
            "--state with --until",
        ),
    ] {
        let o = rtsec(&[&["replay"][..], args].concat());
        assert_eq!(
            replay_support::code(&o),
            want_code,
            "{args:?}: {}",
            stderr(&o)
        );
        assert!(stderr(&o).contains(want), "{args:?}: {}", stderr(&o));
    }
}

/// A directory: the files an earlier follow finished are not read again, the one it stopped
/// in is taken up, and a file deleted meanwhile (`--keep`) is named.
#[test]
fn a_directory_is_taken_up_at_the_file_it_stopped_in() {
    let dir = tempdir();
    let src = dir.path().join("src");
    let d = dir.path().join("series");
    std::fs::create_dir_all(&d).unwrap();
    let traces = finished_traces(&src, 4, 40);
    let name = |i: usize| d.join(format!("t-{i}.rts"));
    let state = dir.path().join("dir.state");
    append(&name(0), &traces[0].bytes);
    append(&name(1), &traces[1].bytes);
    let (out1, _) = follow_then_stop(&d, &state, replay_lines(&d).len());

    append(&name(2), &traces[2].bytes);
    let (out2, err2) = follow_then_stop(&d, &state, replay_lines(&name(2)).len());
    assert_eq!(
        out2.lines().collect::<Vec<_>>(),
        replay_lines(&name(2)),
        "only the new file's alerts: {err2}"
    );
    assert!(
        err2.contains("t-1.rts where an earlier follow stopped"),
        "{err2}"
    );
    let mut both: Vec<String> = out1.lines().map(str::to_owned).collect();
    both.extend(out2.lines().map(str::to_owned));
    assert!(both == replay_lines(&d), "one replay's alerts");

    // The file the state names is deleted, and a new one comes.
    std::fs::remove_file(name(2)).unwrap();
    append(&name(3), &traces[3].bytes);
    let (out3, err3) = follow_then_stop(&d, &state, replay_lines(&name(3)).len());
    assert_eq!(out3.lines().collect::<Vec<_>>(), replay_lines(&name(3)));
    assert!(
        err3.contains("t-2.rts, where the earlier follow stopped after event 3000, is gone"),
        "{err3}"
    );
    assert!(err3.contains("Summary: 1 trace judged"), "{err3}");
}

/// A state that cannot be saved (a full disk; here the file size limit) ends the follow with
/// an error that names the state file given, not only the temporary file it is written to
/// first, and leaves no temporary file.
#[test]
fn a_state_that_cannot_be_saved_is_named_as_given() {
    let dir = tempdir();
    let state = dir.path().join("follow.state");
    let mut c = std::process::Command::new(RTSEC);
    c.args(["replay", "-q", "-f", "--state"])
        .arg(&state)
        .arg(root().join("testdata/sample.rts"));
    let o = file_size::limit_file_size(&mut c, 64).output().unwrap();
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!(
            "error: {}: cannot save the follow state (written first to {}.tmp): File too large",
            state.display(),
            state.display()
        )),
        "{}",
        stderr(&o)
    );
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}
