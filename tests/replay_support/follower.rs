//! Following traces in tests: `rtsec replay --follow` in the background with its output read
//! as it comes, and the bytes of finished traces to write again piece by piece.

use std::fs::OpenOptions;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use rtsec_format::TraceReader;

use super::{RTSEC, root};

/// The bytes of a finished trace: where its blocks start and where its footer starts.
pub struct Layout {
    pub bytes: Vec<u8>,
    pub blocks: Vec<u64>,
    pub footer: u64,
}

pub fn layout(path: &Path) -> Layout {
    let r = TraceReader::open(path).unwrap();
    let f = r.footer().expect("a finished trace");
    let last = f.blocks.last().unwrap();
    Layout {
        bytes: std::fs::read(path).unwrap(),
        blocks: f.blocks.iter().map(|b| b.offset).collect(),
        footer: last.offset + last.len as u64,
    }
}

pub fn append(path: &Path, bytes: &[u8]) {
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    f.write_all(bytes).unwrap();
}

/// `rtsec replay --follow ARGS...` in the background, its stdout read line by line on a
/// thread and its stderr collected.
pub struct Follower {
    pub child: Child,
    pub lines: Receiver<String>,
    pub stdout: Vec<String>,
    pub stderr: std::thread::JoinHandle<String>,
}

pub fn follow(args: &[&str]) -> Follower {
    follow_in(&root(), args)
}

/// [`follow`] in the directory `cwd`.
pub fn follow_in(cwd: &Path, args: &[&str]) -> Follower {
    let mut child = Command::new(RTSEC)
        .current_dir(cwd)
        .env("TZ", "UTC")
        .arg("replay")
        .arg("--follow")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start rtsec replay --follow");
    let out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let (tx, lines) = channel();
    std::thread::spawn(move || {
        for l in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    let stderr = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    Follower {
        child,
        lines,
        stdout: Vec::new(),
        stderr,
    }
}

impl Follower {
    /// Waits until stdout has `n` lines in all (30 s at most).
    pub fn wait_lines(&mut self, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.stdout.len() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) => self.stdout.push(l),
                Err(_) => panic!(
                    "{} of {n} alert lines after 30 s; the follower is {:?}",
                    self.stdout.len(),
                    self.child.try_wait()
                ),
            }
        }
    }

    /// Waits for the follower to end by itself (30 s at most): exit code, stdout, stderr.
    pub fn wait(mut self) -> (i32, String, String) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the follower did not end within 30 s");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        self.stdout.extend(self.lines.iter());
        let mut out = self.stdout.join("\n");
        if !out.is_empty() {
            out.push('\n');
        }
        let err = self.stderr.join().unwrap();
        (status.code().expect("exited, not killed"), out, err)
    }

    pub fn signal(&self, sig: i32) {
        // SAFETY: plain kill(2) on our child.
        unsafe { libc::kill(self.child.id() as i32, sig) };
    }
}

/// The rules used here: a rule firing on every open (alerts in every block).
pub fn every_open() -> PathBuf {
    root().join("replay/bench/every_open.yaml")
}

/// `n` finished synthetic traces of 3 000 events in `dir` (`0.rts`, `1.rts`, …), seeds from
/// `seed`, to be written again piece by piece: a series of files whose headers do not say
/// they rotate (separate captures, or captures before the header said so).
pub fn finished_traces(dir: &Path, n: u64, seed: u64) -> Vec<Layout> {
    traces_with(dir, n, seed, rtsec_format::CaptureSettings::default())
}

/// [`finished_traces`] as the files of a rotating capture (`rtsec capture --rotate-every`)
/// say so in their headers.
pub fn rotating_capture_files(dir: &Path, n: u64, seed: u64) -> Vec<Layout> {
    let settings = rtsec_format::CaptureSettings {
        extra: vec![format!(
            "{}=every 1s",
            rtsec_format::CaptureSettings::ROTATION
        )],
        ..Default::default()
    };
    traces_with(dir, n, seed, settings)
}

fn traces_with(
    dir: &Path,
    n: u64,
    seed: u64,
    settings: rtsec_format::CaptureSettings,
) -> Vec<Layout> {
    std::fs::create_dir_all(dir).unwrap();
    (0..n)
        .map(|i| {
            let p = dir.join(format!("{i}.rts"));
            let losses = rtsec_format::Losses::default();
            super::synthetic_trace_with(&p, 3_000, seed + i, losses, settings.clone());
            layout(&p)
        })
        .collect()
}
