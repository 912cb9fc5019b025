//! `rtsec replay --follow --parquet hits.parquet --parquet-every DURATION`: a follower writes
//! its hits as a series of Parquet files, each readable once its interval is over, while the
//! follow runs. Together they hold exactly the rows of a replay's single file, in order; a
//! file left unfinished by a killed follower is named by the next. `rtsec export --follow
//! --every` does the same with every event.

mod replay_support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use arrow_array::{Array, RecordBatch, StringArray, TimestampNanosecondArray, UInt64Array};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use replay_support::follower::*;
use replay_support::*;
use rtsec_format::Losses;

/// The record batches of a Parquet file.
fn batches(path: &Path) -> Vec<RecordBatch> {
    let file = std::fs::File::open(path).unwrap();
    ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// The `output` and `time` columns of a hits file, row by row.
fn rows(path: &Path) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    for b in batches(path) {
        let output = b.column_by_name("output").unwrap();
        let output = output.as_any().downcast_ref::<StringArray>().unwrap();
        let time = b.column_by_name("time").unwrap();
        let time = time
            .as_any()
            .downcast_ref::<TimestampNanosecondArray>()
            .unwrap();
        for i in 0..b.num_rows() {
            out.push((output.value(i).to_string(), time.value(i)));
        }
    }
    out
}

/// The `evt_num` column of an events file.
fn evt_nums(path: &Path) -> Vec<u64> {
    let mut out = Vec::new();
    for b in batches(path) {
        let n = b.column_by_name("evt_num").unwrap();
        let n = n.as_any().downcast_ref::<UInt64Array>().unwrap();
        out.extend(n.values().iter().copied());
    }
    out
}

/// The finished files of the series `hits-*.parquet` in `dir`, in name order, and the
/// unfinished ones.
fn series(dir: &Path) -> (Vec<PathBuf>, Vec<PathBuf>) {
    series_of(dir, "hits")
}

/// The finished and unfinished files of the series `STEM-*.parquet` in `dir`.
fn series_of(dir: &Path, stem: &str) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let mut done = Vec::new();
    let mut partial = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let n = p.file_name().unwrap().to_string_lossy().to_string();
        let ours = n.starts_with(&format!("{stem}-"));
        if ours && n.ends_with(".parquet") {
            done.push(p);
        } else if ours && n.ends_with(".parquet.partial") {
            partial.push(p);
        }
    }
    done.sort();
    partial.sort();
    (done, partial)
}

#[test]
fn hits_come_in_files_readable_while_following_and_together_are_one_replays() {
    let dir = tempdir();
    let whole = dir.path().join("whole.rts");
    synthetic_trace(&whole, 20_000, 51, Losses::default());
    let l = layout(&whole);
    let rules = every_open();
    let rules = rules.to_str().unwrap();
    let one = dir.path().join("one.parquet");
    let o = rtsec(&[
        "replay",
        "-q",
        "-r",
        rules,
        "--parquet",
        one.to_str().unwrap(),
        whole.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let want = rows(&one);

    // The trace's time is long past: the file of the first blocks is over as soon as the
    // follower has nothing new, and can be read while it still runs.
    let grow = dir.path().join("grow.rts");
    let mut w = Writing::start(&grow);
    w.append(&l.bytes[..l.blocks[2] as usize]);
    let first = stdout(&rtsec(&["replay", "-r", rules, grow.to_str().unwrap()]))
        .lines()
        .count();
    let base = dir.path().join("hits.parquet");
    let mut f = follow(&[
        "-r",
        rules,
        "--parquet",
        base.to_str().unwrap(),
        "--parquet-every",
        "20ms",
        grow.to_str().unwrap(),
    ]);
    f.wait_lines(first);
    let deadline = Instant::now() + Duration::from_secs(30);
    let early = loop {
        let (done, _) = series(dir.path());
        if !done.is_empty() {
            break done;
        }
        assert!(Instant::now() < deadline, "no finished file after 30 s");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(f.child.try_wait().unwrap().is_none(), "still following");
    let early_rows: usize = early.iter().map(|p| rows(p).len()).sum();
    assert_eq!(early_rows, first, "the first blocks' hits, readable now");

    w.append(&l.bytes[l.blocks[2] as usize..]);
    drop(w);
    let (code, _, err) = f.wait();
    assert_eq!(code, 0, "{err}");
    let (done, partial) = series(dir.path());
    assert!(partial.is_empty(), "{partial:?}");
    assert!(done.len() > 2, "{} files", done.len());
    assert!(
        err.contains(&format!("in {} files", done.len())) && err.contains("hits-*.parquet"),
        "{err}"
    );
    let mut got = Vec::new();
    for p in &done {
        let r = rows(p);
        assert!(!r.is_empty(), "{} has no hits", p.display());
        got.extend(r);
    }
    assert_eq!(got.len(), want.len());
    assert!(got == want, "the rows of one replay, in order");
}

#[test]
fn a_file_left_by_a_killed_follower_is_named_by_the_next() {
    let dir = tempdir();
    let trace = dir.path().join("t.rts");
    synthetic_trace(&trace, 6_000, 52, Losses::default());
    let rules = every_open();
    let rules = rules.to_str().unwrap();
    let base = dir.path().join("hits.parquet");
    // A trace still being written (no footer yet): the follower waits, its file unfinished
    // (an interval far longer than the time since the trace).
    let l = layout(&trace);
    let grow = dir.path().join("grow.rts");
    let w = {
        let mut w = Writing::start(&grow);
        w.append(&l.bytes[..l.footer as usize]);
        w
    };
    let args = [
        "-r",
        rules,
        "--parquet",
        base.to_str().unwrap(),
        "--parquet-every",
        "100000h",
        grow.to_str().unwrap(),
    ];
    let n = stdout(&rtsec(&["replay", "-r", rules, grow.to_str().unwrap()]))
        .lines()
        .count();
    let mut f = follow(&args);
    f.wait_lines(n);
    std::thread::sleep(Duration::from_millis(200));
    f.signal(libc::SIGKILL);
    let _ = f.child.wait();
    let (done, partial) = series(dir.path());
    assert!(
        done.is_empty() && partial.len() == 1,
        "{done:?} {partial:?}"
    );

    drop(w);
    std::fs::copy(&trace, &grow).unwrap();
    let f = follow(&args);
    let (code, _, err) = f.wait();
    assert_eq!(code, 0, "{err}");
    let name = partial[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .to_string();
    assert!(
        err.contains(&format!(
            "{name} was left unfinished by a follower that was killed"
        )),
        "{err}"
    );
    let (done, partial) = series(dir.path());
    assert_eq!((done.len(), partial.len()), (1, 0));
    assert_eq!(rows(&done[0]).len(), n);
}

/// `rtsec export --follow --every`: every event of a trace being written, in files that can
/// be read while it runs; together, the rows of an export of the finished trace.
#[test]
fn export_follows_a_trace_into_a_series_of_files() {
    let dir = tempdir();
    let whole = dir.path().join("whole.rts");
    synthetic_trace(&whole, 20_000, 53, Losses::default());
    let l = layout(&whole);
    let grow = dir.path().join("grow.rts");
    let mut w = Writing::start(&grow);
    w.append(&l.bytes[..l.blocks[2] as usize]);
    let first_two: u64 = rtsec_format::TraceReader::open(&grow)
        .unwrap()
        .blocks(true)
        .map(|b| b.unwrap().frame.events as u64)
        .sum();
    let base = dir.path().join("events.parquet");
    let mut child = std::process::Command::new(RTSEC)
        .args(["export", "--follow", "--every", "20ms", "-o"])
        .arg(&base)
        .arg(&grow)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (done, _) = series_of(dir.path(), "events");
        let rows: usize = done.iter().map(|p| evt_nums(p).len()).sum();
        if rows as u64 == first_two {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{rows} of {first_two} events in finished files after 30 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(child.try_wait().unwrap().is_none(), "still following");
    w.append(&l.bytes[l.blocks[2] as usize..]);
    drop(w);
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let (done, partial) = series_of(dir.path(), "events");
    assert!(partial.is_empty() && done.len() > 2, "{done:?} {partial:?}");
    assert!(
        err.contains(&format!("20,000 events in {} files", done.len())),
        "{err}"
    );
    let got: Vec<u64> = done.iter().flat_map(|p| evt_nums(p)).collect();
    assert_eq!(
        got,
        (1..=20_000).collect::<Vec<u64>>(),
        "every event once, in order"
    );
}

/// `rtsec export --follow --every --state`: the state is saved only once a file with the
/// rows of its blocks is finished, so an export killed with rows in an unfinished file
/// writes them again when started again: every event once in the finished files.
#[test]
fn a_killed_export_with_a_state_writes_every_event_once() {
    let dir = tempdir();
    let whole = dir.path().join("whole.rts");
    synthetic_trace(&whole, 20_000, 54, Losses::default());
    let l = layout(&whole);
    assert!(l.blocks.len() >= 5, "{} blocks", l.blocks.len());
    let grow = dir.path().join("grow.rts");
    let base = dir.path().join("events.parquet");
    let state = dir.path().join("export.state");
    let start = |every: &str| {
        std::process::Command::new(RTSEC)
            .args(["export", "-f", "--every", every, "--state"])
            .arg(&state)
            .arg("-o")
            .arg(&base)
            .arg(&grow)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let rows_done = || -> usize {
        let (done, _) = series_of(dir.path(), "events");
        done.iter().map(|p| evt_nums(p).len()).sum()
    };
    let events_in = |blocks: usize| -> usize {
        rtsec_format::TraceReader::open(&whole)
            .unwrap()
            .blocks(true)
            .take(blocks)
            .map(|b| b.unwrap().frame.events as usize)
            .sum()
    };
    let kill = |mut c: std::process::Child| {
        // SAFETY: kill(2) of our child.
        unsafe { libc::kill(c.id() as i32, libc::SIGKILL) };
        let _ = c.wait();
    };

    // 1. Two blocks, in a finished file (the trace's time is long past): the state is saved.
    let mut w = Writing::start(&grow);
    w.append(&l.bytes[..l.blocks[2] as usize]);
    let c = start("20ms");
    let deadline = Instant::now() + Duration::from_secs(30);
    while rows_done() < events_in(2) || !state.exists() {
        assert!(Instant::now() < deadline, "not exported after 30 s");
        std::thread::sleep(Duration::from_millis(50));
    }
    kill(c);
    assert_eq!(rows_done(), events_in(2));

    // 2. Two more blocks, exported into a file that never finishes (a long interval): killed,
    // they are in a .partial only, and the state still names block 1.
    w.append(&l.bytes[l.blocks[2] as usize..l.blocks[4] as usize]);
    let saved = std::fs::read_to_string(&state).unwrap();
    let c = start("100000h");
    std::thread::sleep(Duration::from_millis(1500));
    kill(c);
    let (_, partial) = series_of(dir.path(), "events");
    assert_eq!(partial.len(), 1, "{partial:?}");
    assert_eq!(std::fs::read_to_string(&state).unwrap(), saved);

    // 3. Started again: blocks 2 and 3 are written again, then the rest to the footer.
    w.append(&l.bytes[l.blocks[4] as usize..]);
    drop(w);
    let out = start("20ms").wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("with --state they are exported again"),
        "{err}"
    );
    let (done, partial) = series_of(dir.path(), "events");
    assert!(partial.is_empty(), "{partial:?}");
    let got: Vec<u64> = done.iter().flat_map(|p| evt_nums(p)).collect();
    assert_eq!(
        got,
        (1..=20_000).collect::<Vec<u64>>(),
        "every event once, in order"
    );
}
