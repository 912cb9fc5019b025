//! Shared pieces of the replay tests (`tests/replay_*.rs`): running `rtsec`, the recorded
//! scenario traces, multi-block traces written with the format crate, and the Python (pyarrow,
//! DuckDB) that reads our Parquet back.

#![allow(dead_code)]

pub mod file_size;
pub mod follower;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rtsec_format::{CaptureSettings, Header, Losses, TraceWriter, WriterOptions, synth};

pub const RTSEC: &str = env!("CARGO_BIN_EXE_rtsec");

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Falco's stable rules (next to the repository, as the rules crate's tests use them).
pub fn falco_rules() -> PathBuf {
    root().join("../shared/falco-rules/falco_rules.yaml")
}

/// The recording of a scenario in `testdata/scenarios/NAME`.
pub fn scenario(name: &str) -> PathBuf {
    root()
        .join("testdata/scenarios")
        .join(name)
        .join("trace.rts")
}

/// Every recorded scenario trace, sorted.
pub fn scenarios() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("testdata/scenarios"))
        .unwrap()
        .flatten()
        .map(|e| e.path().join("trace.rts"))
        .filter(|p| p.exists())
        .collect();
    v.sort();
    v
}

pub fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("rtsec-replay-test-")
        .tempdir()
        .expect("temp dir")
}

/// Runs `rtsec ARGS...` in the repository root with a fixed time zone (text alert lines are
/// local time, as Falco prints them).
pub fn rtsec(args: &[&str]) -> Output {
    Command::new(RTSEC)
        .current_dir(root())
        .env("TZ", "UTC")
        .args(args)
        .output()
        .expect("run rtsec")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Whether process `pid` has a handler for signal `sig` (its `SigCgt` mask in /proc): a test
/// that signals a child waits for it, so the signal does not come before the handler.
pub fn catches(pid: u32, sig: i32) -> bool {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("SigCgt:"))
        .and_then(|m| u64::from_str_radix(m.trim(), 16).ok())
        .is_some_and(|m| m & (1 << (sig - 1)) != 0)
}

pub fn code(o: &Output) -> i32 {
    o.status.code().expect("exited, not killed")
}

/// Writes a synthetic trace (the format crate's realistic mix) of `events` events in small
/// blocks, so that a replay has many blocks to spread over threads, with `losses` recorded.
pub fn synthetic_trace(path: &Path, events: usize, seed: u64, losses: Losses) {
    synthetic_trace_with(path, events, seed, losses, CaptureSettings::default());
}

/// [`synthetic_trace`] with these capture settings in its header.
pub fn synthetic_trace_with(
    path: &Path,
    events: usize,
    seed: u64,
    losses: Losses,
    settings: CaptureSettings,
) {
    let header = Header {
        created_by: "rtsec replay tests".into(),
        source: "synthetic".into(),
        hostname: "synth-host".into(),
        kernel_release: "6.18.0-test".into(),
        start_ns: 1_764_000_000_000_000_000,
        settings,
        ..Default::default()
    };
    let opts = WriterOptions {
        block_bytes: 24 << 10,
        overwrite: true,
        ..Default::default()
    };
    let mut w = TraceWriter::create(path, &header, opts).expect("create trace");
    synth::generate(events, seed, |ev| w.push(ev).expect("push"));
    w.set_losses(losses);
    w.finish().expect("finish");
}

/// A trace writer that cuts a block only when told (`cut`), for tests that put losses or
/// pauses between blocks.
pub fn writer_cut_by_hand(path: &Path) -> TraceWriter {
    TraceWriter::create(
        path,
        &Header {
            hostname: "synth-host".into(),
            ..Default::default()
        },
        WriterOptions {
            block_bytes: 1 << 30,
            ..Default::default()
        },
    )
    .expect("create trace")
}

/// Pushes `n` synthetic events from `seed` to `w`, cutting a block every 2 000: the first
/// block records that the kernel dropped 7 events (on cpu1).
pub fn push_with_drops(w: &mut TraceWriter, n: usize, seed: u64) {
    let mut count = 0;
    synth::generate(n, seed, |ev| {
        w.push(ev).unwrap();
        count += 1;
        if count == 2000 {
            w.set_losses(Losses {
                kernel_drops_per_cpu: vec![0, 7],
                ..Default::default()
            });
        }
        if count % 2000 == 0 {
            w.cut().unwrap();
        }
    });
}

/// A trace file written as the trace writer writes it: created and locked (a follower then
/// knows its writer is alive), appended to, closed when dropped (as when its writer dies).
pub struct Writing(std::fs::File);

impl Writing {
    pub fn start(path: &Path) -> Writing {
        let f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .expect("create the trace");
        // SAFETY: flock on an open descriptor.
        let locked = unsafe {
            libc::flock(
                std::os::fd::AsRawFd::as_raw_fd(&f),
                libc::LOCK_EX | libc::LOCK_NB,
            )
        };
        assert_eq!(locked, 0, "no other writer holds {path:?}");
        Writing(f)
    }

    pub fn append(&mut self, bytes: &[u8]) {
        std::io::Write::write_all(&mut self.0, bytes).expect("append");
    }
}

/// The Python with pyarrow and DuckDB that `.ci/setup` installs, or `None` outside CI when it
/// is missing (the test then says so and passes; under `CI=true` it fails).
pub fn python() -> Option<PathBuf> {
    let venv = std::env::var("RTSEC_VENV").unwrap_or_else(|_| "/opt/rtsec-venv".into());
    let py = PathBuf::from(venv).join("bin/python");
    let ok = Command::new(&py)
        .args(["-c", "import pyarrow, duckdb"])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some(py);
    }
    let msg = format!(
        "{} with pyarrow and duckdb is missing (run .ci/setup)",
        py.display()
    );
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{msg} (CI=true: failing instead of skipping)");
    }
    eprintln!("SKIPPED: {msg}");
    None
}

/// Runs a Python script with arguments; panics with its output if it fails.
pub fn run_python(py: &Path, script: &str, args: &[&str]) -> String {
    let o = Command::new(py)
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("run python");
    assert!(
        o.status.success(),
        "python failed:\n{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// `true` if live capture can run here (root and BTF). Outside CI a missing requirement skips
/// the test with a message; under `CI=true` it fails it.
pub fn can_capture() -> bool {
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let btf = Path::new("/sys/kernel/btf/vmlinux").exists();
    if root && btf {
        return true;
    }
    let msg = "live capture needs root and kernel BTF";
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{msg} (CI=true: failing instead of skipping)");
    }
    eprintln!("SKIPPED: {msg}");
    false
}
