//! The CLI on the sample trace: inspect, events, help, and what bad input gets.

use std::path::PathBuf;
use std::process::Output;

fn rtsec(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_rtsec"))
        .args(args)
        .output()
        .expect("run rtsec")
}

fn sample() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/sample.rts")
        .display()
        .to_string()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn inspect_summarises_the_sample() {
    let o = rtsec(&["inspect", &sample()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    for want in [
        "host:        sample-host (kernel 6.18.0-sample)",
        "addresses:   not recorded (format < 1.2)",
        "events:      2012",
        "openat",
        "procexit",
        "containers:  4 (",
        "3f9a0c1d2e4b",
        "drops:       0",
        "integrity:   ok (every block checked)",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
}

#[test]
fn inspect_json_is_machine_readable() {
    let o = rtsec(&["inspect", "--json", &sample()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    assert_eq!(v["events"], 2012);
    assert_eq!(v["header"]["hostname"], "sample-host");
    assert_eq!(v["events_by_type"]["ptrace"], 12);
    assert_eq!(v["footer"], true);
    assert_eq!(v["notices"].as_array().unwrap().len(), 0);
    let by_type: u64 = v["events_by_type"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(by_type, 2012);
    // --quick trusts the footer and must agree with the full scan on the counts.
    let q = rtsec(&["inspect", "--json", "--quick", &sample()]);
    let q: serde_json::Value = serde_json::from_slice(&q.stdout).unwrap();
    assert_eq!(q["events_by_type"], v["events_by_type"]);
    assert_eq!(q["processes"], v["processes"]);
    assert_eq!(q["verified"], false);
}

#[test]
fn events_prints_one_line_per_event() {
    let o = rtsec(&["events", &sample(), "--limit", "7"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 7, "{out}");
    assert!(lines[0].starts_with("1 "), "{}", lines[0]);
    assert!(
        lines[3].contains("cat") && lines[3].contains("openat"),
        "{}",
        lines[3]
    );
    assert!(lines[3].contains("/etc/shadow"), "{}", lines[3]);
    let j = rtsec(&["events", &sample(), "--limit", "3", "--json"]);
    assert!(j.status.success(), "{}", stderr(&j));
    let rows: Vec<serde_json::Value> = stdout(&j)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(rows.len(), 3);
}

#[test]
fn a_file_that_is_not_a_trace_is_refused_with_exit_code_1() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("picture.png");
    std::fs::write(
        &png,
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0",
    )
    .unwrap();
    let empty = dir.path().join("empty.rts");
    std::fs::write(&empty, b"").unwrap();
    let random = dir.path().join("random.bin");
    std::fs::write(
        &random,
        (0..999u32)
            .map(|i| (i * 7919 % 251) as u8)
            .collect::<Vec<_>>(),
    )
    .unwrap();
    for p in [&png, &empty, &random] {
        for cmd in ["inspect", "events"] {
            let o = rtsec(&[cmd, p.to_str().unwrap()]);
            assert_eq!(o.status.code(), Some(1), "{cmd} {}", p.display());
            let err = stderr(&o);
            assert!(err.contains("not an rtsec trace"), "{err}");
            assert!(err.contains(p.to_str().unwrap()), "names the file: {err}");
            assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
        }
    }
    let o = rtsec(&["inspect", "/nonexistent/trace.rts"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("/nonexistent/trace.rts"));
}

#[test]
fn a_truncated_trace_is_read_up_to_the_damage() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(sample()).unwrap();
    let cut = dir.path().join("cut.rts");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let o = rtsec(&["inspect", cut.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("NOTICE:") && out.contains("truncated"),
        "{out}"
    );
    // `events` prints what is intact and exits 3, as replay and export do: not all of it.
    let o = rtsec(&["events", cut.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("truncated"), "{}", stderr(&o));
    assert!(stdout(&o).lines().count() > 100);
}

/// A damaged block in the middle: inspect and events stop there and say `--salvage` reads
/// past it; with it, the block is skipped and reported with its size, and the events after
/// it are read.
#[test]
fn a_damaged_block_stops_inspect_and_events_unless_salvaged() {
    let dir = tempfile::tempdir().unwrap();
    let reader = rtsec_format::TraceReader::open(sample()).unwrap();
    let blocks = reader.footer().unwrap().blocks.clone();
    assert!(blocks.len() >= 3, "{} blocks", blocks.len());
    let hit = blocks[1];
    let mut bytes = std::fs::read(sample()).unwrap();
    bytes[(hit.offset + hit.len as u64 - 10) as usize] ^= 0xff;
    let bad = dir.path().join("bad.rts");
    std::fs::write(&bad, &bytes).unwrap();
    let bad = bad.to_str().unwrap();
    // The message names the file: a run may read several.
    let want = format!(
        "{bad}: block 1 at offset {} is corrupt: checksum mismatch; `--salvage` reads past it",
        hit.offset
    );
    let o = rtsec(&["inspect", bad]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains(&want), "{}", stderr(&o));
    let o = rtsec(&["events", bad]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains(&want), "{}", stderr(&o));
    let before = stdout(&o).lines().count();

    let o = rtsec(&["inspect", "--salvage", bad]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains(&format!(
            "NOTICE:      skipped {} damaged bytes at offset {} (block 1): checksum mismatch",
            hit.len, hit.offset
        )),
        "{}",
        stdout(&o)
    );
    let o = rtsec(&["events", "--salvage", bad]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!(
            "warning: {bad}: block 1 at offset {} is corrupt: checksum mismatch: skipped",
            hit.offset
        )),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains(&format!(
            "notice: {bad}: 1 damaged block skipped: its events are not shown"
        )),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains("--salvage"), "{}", stderr(&o));
    let all: u64 = blocks.iter().map(|b| b.events as u64).sum();
    assert_eq!(
        stdout(&o).lines().count() as u64,
        all - blocks[1].events as u64,
        "every event but the damaged block's"
    );
    assert_eq!(before as u64, blocks[0].events as u64);
}

#[test]
fn usage_errors_exit_with_2_and_help_explains_every_command() {
    let o = rtsec(&["inspect"]);
    assert_eq!(o.status.code(), Some(2));
    let o = rtsec(&["no-such-command"]);
    assert_eq!(o.status.code(), Some(2));
    let o = rtsec(&["--help"]);
    assert!(o.status.success());
    let help = stdout(&o);
    let commands: Vec<String> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        // Continuation lines of a wrapped description are indented further.
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|c| c != "help")
        .collect();
    assert!(commands.len() >= 2, "{help}");
    for c in &commands {
        let o = rtsec(&[c, "--help"]);
        assert!(o.status.success(), "{c} --help");
        let h = stdout(&o);
        assert!(h.lines().count() > 3, "{c} --help says too little:\n{h}");
        assert!(h.contains("Usage: rtsec"), "{c}: {h}");
    }
}

#[test]
fn replay_selects_rules_by_tag_like_falco() {
    let hits = |args: &[&str]| -> (u64, String) {
        let mut all = vec!["replay", "-q"];
        all.extend_from_slice(args);
        let sample = sample();
        all.push(&sample);
        let o = rtsec(&all);
        let err = stderr(&o);
        let n = err
            .lines()
            .find_map(|l| l.strip_prefix("Hits: "))
            .unwrap_or_else(|| panic!("no Hits line: {err}"))
            .replace(',', "")
            .parse()
            .unwrap();
        (n, err)
    };
    // Every bundled rule is tagged `rtsec`.
    let (all, _) = hits(&[]);
    assert!(all > 0);
    assert_eq!(hits(&["-t", "rtsec"]).0, all);
    let (none, err) = hits(&["--skip-tag", "rtsec"]);
    assert_eq!(none, 0);
    assert!(err.contains("no rule is enabled"), "{err}");
    assert_eq!(hits(&["--tag", "no-such-tag"]).0, 0);
}

#[test]
fn a_rules_directory_loads_its_yaml_files_in_sorted_order_like_falco() {
    let rules = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/falco-rules");
    let files = [
        "falco-incubating_rules.yaml",
        "falco-sandbox_rules.yaml",
        "falco_rules.yaml",
    ]
    .map(|f| rules.join(f).display().to_string());
    let by_dir = rtsec(&[
        "replay",
        "--format",
        "json",
        "-r",
        rules.to_str().unwrap(),
        &sample(),
    ]);
    let by_files = rtsec(&[
        "replay",
        "--format",
        "json",
        "-r",
        &files[0],
        "-r",
        &files[1],
        "-r",
        &files[2],
        &sample(),
    ]);
    assert_eq!(by_dir.status.code(), Some(0), "{}", stderr(&by_dir));
    assert_eq!(stdout(&by_dir), stdout(&by_files));
    assert!(!stdout(&by_dir).is_empty(), "the sample has alerts");
    let o = rtsec(&["validate", "-r", rules.to_str().unwrap()]);
    assert!(
        stdout(&o).starts_with(&format!(
            "Validating rules file(s):\n   {}\n   {}\n   {}\n",
            files[0], files[1], files[2]
        )),
        "{}",
        stdout(&o)
    );
    // As `falco -V FILE`: the files may also be named without -r.
    let o2 = rtsec(&["validate", rules.to_str().unwrap()]);
    assert_eq!(o2.status.code(), Some(0), "{}", stderr(&o2));
    assert_eq!(stdout(&o2), stdout(&o));
    let empty = tempfile::tempdir().unwrap();
    let o = rtsec(&["replay", "-r", empty.path().to_str().unwrap(), &sample()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("a directory without rules files (*.yaml or *.yml"),
        "{}",
        stderr(&o)
    );
}

/// Runs `rtsec ARGS` with stdout a pipe whose reader has already gone (`rtsec ... | head`
/// once head has quit): every write fails with EPIPE.
fn rtsec_into_closed_pipe(args: &[&str]) -> Output {
    use std::os::fd::FromRawFd;
    let mut fds = [0; 2];
    // SAFETY: pipe writes two new descriptors into `fds`; we own both from here on.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: fds[0] is ours and used nowhere else; closing it leaves a pipe without reader.
    unsafe { libc::close(fds[0]) };
    // SAFETY: fds[1] is ours; the Stdio owns it from here on.
    let write_end = unsafe { std::process::Stdio::from_raw_fd(fds[1]) };
    std::process::Command::new(env!("CARGO_BIN_EXE_rtsec"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .stdout(write_end)
        .stderr(std::process::Stdio::piped())
        .output()
        .expect("run rtsec")
}

#[test]
fn output_into_a_pipe_that_closed_or_a_full_disk_never_panics() {
    let sample = sample();
    let commands: [&[&str]; 10] = [
        &["inspect", &sample],
        &["inspect", "--json", &sample],
        &["events", &sample],
        &["export", "--schema"],
        &["rules", "list"],
        &["replay", "testdata/scenarios/container/trace.rts"],
        &[
            "diff",
            "--old",
            "<bundled>",
            "--new",
            "<bundled>",
            "--new",
            "../shared/falco-rules/falco_rules.yaml",
            "testdata/scenarios/container/trace.rts",
        ],
        &["test", "testdata/cases/bundled"],
        &[
            "explain",
            "--hits",
            "testdata/scenarios/container/trace.rts",
        ],
        &[
            "explain",
            "--closest",
            "-R",
            "Shell started in a container",
            "testdata/scenarios/container/trace.rts",
        ],
    ];
    for args in commands {
        let o = rtsec_into_closed_pipe(args);
        let err = stderr(&o);
        assert!(
            !err.contains("panicked"),
            "rtsec {args:?} | (closed): {err}"
        );
        let code = o.status.code();
        assert!(
            matches!(code, Some(0) | Some(4)),
            "rtsec {args:?} | (closed): exit {code:?}: {err}"
        );
        // A full disk is an error, said once, with exit code 1.
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_rtsec"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(args)
            .stdout(std::fs::File::create("/dev/full").expect("/dev/full"))
            .output()
            .expect("run rtsec");
        let err = stderr(&o);
        assert!(
            !err.contains("panicked"),
            "rtsec {args:?} > /dev/full: {err}"
        );
        assert_eq!(
            o.status.code(),
            Some(1),
            "rtsec {args:?} > /dev/full: {err}"
        );
        assert!(
            err.contains("No space left on device") && err.contains("stdout"),
            "rtsec {args:?} > /dev/full: {err}"
        );
        // Stderr on a full disk: its messages are lost, the work and exit code stand (a
        // panic, exit 101, came from eprintln! before).
        let o = rtsec_full_stderr(args);
        assert!(
            matches!(o.status.code(), Some(0) | Some(4)),
            "rtsec {args:?} 2> /dev/full: exit {:?}",
            o.status.code()
        );
        assert!(!o.stdout.is_empty(), "rtsec {args:?} 2> /dev/full");
    }
    let o = rtsec_full_stderr(&["inspect", "/nonexistent.rts"]);
    assert_eq!(o.status.code(), Some(1));
    let o = rtsec_full_stderr(&["replay", "-q", "--parquet", "/tmp", &sample]);
    assert_eq!(o.status.code(), Some(1));
}

/// `rtsec ARGS 2>/dev/full`, in the repository.
fn rtsec_full_stderr(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_rtsec"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .stderr(std::fs::File::create("/dev/full").expect("/dev/full"))
        .output()
        .expect("run rtsec")
}

/// `-j 0` means every core, as without `-j` (and as `zstd -T0`), not one thread.
#[test]
fn jobs_zero_means_every_core() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let want = match cores {
        1 => "1 thread)".to_string(),
        n => format!("{n} threads)"),
    };
    let sample = sample();
    for j in [None, Some("0")] {
        let mut args = vec!["replay", "-q"];
        if let Some(j) = j {
            args.extend(["-j", j]);
        }
        args.push(&sample);
        let o = rtsec(&args);
        let err = stderr(&o);
        let summary = err
            .lines()
            .find(|l| l.starts_with("Summary:"))
            .unwrap_or("");
        assert!(summary.contains(&want), "-j {j:?}: {err}");
    }
}

/// A `-j` beyond any machine's cores (a typo of `-j 10`) is refused at once, by every command
/// that has it: it used to spend minutes and gigabytes starting threads.
#[test]
fn jobs_beyond_any_machine_are_refused() {
    let sample = sample();
    let runs: [&[&str]; 4] = [
        &["replay", "-j", "100000000", &sample],
        &[
            "diff",
            "--old",
            "<bundled>",
            "--new",
            "<bundled>",
            "-j",
            "100000000",
            &sample,
        ],
        &[
            "export",
            "-o",
            "/nonexistent/x.parquet",
            "-j",
            "100000000",
            &sample,
        ],
        &["test", "-j", "100000000", "testdata"],
    ];
    for args in runs {
        let o = rtsec(args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("invalid value '100000000' for '--jobs <N>': at most 1024 worker threads"),
            "{args:?}: {err}"
        );
    }
    let o = rtsec(&["replay", "-q", "-j", "1024", &sample]);
    assert!(stderr(&o).contains("1024 threads)"), "{}", stderr(&o));
}

/// `capture --pid` of a process that is not running is refused before anything is loaded or
/// written: it would record nothing however long it ran.
#[test]
fn capture_of_a_pid_that_is_not_running_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("t.rts");
    // Above the kernel's pid_max (at most 2^22), so never a live pid.
    let o = rtsec(&[
        "capture",
        "-o",
        out.to_str().unwrap(),
        "--pid",
        "4194305",
        "--duration",
        "1s",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--pid 4194305: no such process"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
}

/// An output named as a directory, or in a directory that does not exist, is refused before
/// any work with what to do, and nothing is left behind: the trace of `capture` and `import`,
/// the JUnit report of `test`, which is also refused where no file can be created (it failed
/// only after every case had run). Parquet outputs: tests/replay_parquet.rs.
#[test]
fn an_output_that_cannot_be_a_file_is_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap().to_string();
    let missing = format!("{d}/no/such/dir/x");
    let scap = "../shared/scap/falcosecurity-falco/test/trace_files/cat_write.scap";
    let scap = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(scap);
    let scap = scap.to_str().unwrap();
    let cases: [(&[&str], String); 8] = [
        (
            &["import", scap, "-o", &d, "--force"],
            format!("{d} is a directory: name the trace to write, such as {d}/trace.rts"),
        ),
        (
            &["import", scap, "-o", &missing],
            format!("the directory {d}/no/such/dir does not exist (create it first)"),
        ),
        // A file where a directory should be: not "create it first".
        (
            &[
                "export",
                "testdata/sample.rts",
                "-o",
                "testdata/sample.rts/x.parquet",
            ],
            "cannot write testdata/sample.rts/x.parquet: testdata/sample.rts is a file, not a \
             directory"
                .into(),
        ),
        (
            &["capture", "-o", &d, "--force", "--duration", "1s"],
            format!("{d} is a directory: name the trace to write"),
        ),
        (
            &["capture", "-o", &missing, "--duration", "1s"],
            "does not exist (create it first)".into(),
        ),
        (
            &["test", "--junit", &d, "testdata/cases"],
            format!("{d} is a directory: name the JUnit report to write"),
        ),
        (
            &["test", "--junit", &missing, "testdata/cases"],
            "does not exist (create it first)".into(),
        ),
        // A place no file can be created in: found before the cases run, not after them.
        (
            &["test", "--junit", "/proc/report.xml", "testdata/cases"],
            "cannot write the JUnit report /proc/report.xml: ".into(),
        ),
    ];
    for (args, want) in cases {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_rtsec"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(args)
            .output()
            .expect("run rtsec");
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(&want), "{args:?}: {}", stderr(&o));
        // Refused before any work: no case ran, nothing was written.
        assert!(stdout(&o).is_empty(), "{args:?}: {}", stdout(&o));
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(left.is_empty(), "{args:?} left {left:?}");
    }
}

/// An output that exists as a device, pipe or socket is refused even with `--force`: outputs
/// are written to a file of their own and renamed over the name, so as root `--parquet
/// /dev/null --force` replaced the system's /dev/null with a Parquet file. A named pipe stands
/// in for the device here (no root needed); it must still be a pipe afterwards. A follow
/// state that cannot be written is refused before the first block too (it failed after the
/// first block's alerts, naming its temporary file). A JUnit report is written into what it
/// is given, so `/dev/stdout` takes it.
#[test]
fn an_output_that_is_a_device_or_pipe_is_refused_even_with_force() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let p = fifo.to_str().unwrap();
    let scap = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/scap/falcosecurity-falco/test/trace_files/cat_write.scap");
    let scap = scap.to_str().unwrap();
    let sample = sample();
    let missing = dir.path().join("no/such/dir/follow.state");
    let missing = missing.to_str().unwrap();
    let piped = format!("{p} is a named pipe, not a file: the");
    let cases: [(&[&str], String); 6] = [
        (
            &["replay", "--parquet", p, "--force", &sample],
            format!(
                "{piped} Parquet file is written to a file of its own, which would replace it; name a file such as hits.parquet"
            ),
        ),
        (
            &["export", "-o", p, "--force", &sample],
            format!("{piped} Parquet file is written"),
        ),
        (
            &["import", scap, "-o", p, "--force"],
            format!("{piped} trace is written"),
        ),
        (
            &["capture", "-o", p, "--force", "--duration", "1s"],
            format!("{piped} trace is written"),
        ),
        (
            &["replay", "-f", "--state", missing, &sample],
            format!("cannot write {missing}: the directory"),
        ),
        (
            &[
                "replay",
                "-f",
                "--state",
                dir.path().to_str().unwrap(),
                &sample,
            ],
            "is a directory: name the follow state to write, such as".into(),
        ),
    ];
    for (args, want) in cases {
        let o = rtsec(args);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(&want), "{args:?}: {}", stderr(&o));
        assert!(stdout(&o).is_empty(), "{args:?}: {}", stdout(&o));
        use std::os::unix::fs::FileTypeExt;
        let t = std::fs::symlink_metadata(&fifo).unwrap().file_type();
        assert!(t.is_fifo(), "{args:?} replaced the pipe");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "{args:?} left {left:?}");
    }
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_rtsec"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "test",
            "--junit",
            "/dev/stdout",
            "testdata/cases/bundled/cluster.case.yaml",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("<testsuites name=\"rtsec test\""),
        "{}",
        stdout(&o)
    );
}

/// An output that is a file the run reads is refused even with `--force`: `--parquet t.rts
/// t.rts` would replace the recording with its hits, `import c.scap -o ./c.scap` the capture
/// with a trace of nothing (it read what it was writing). The same file is found however it is
/// named (`./`, a link, inside a directory given), and the inputs are left as they were.
#[test]
fn an_output_that_is_an_input_is_refused_even_with_force() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("t.rts");
    std::fs::copy(sample(), &t).unwrap();
    std::os::unix::fs::symlink(&t, dir.path().join("link.rts")).unwrap();
    let scap = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/scap/falcosecurity-falco/test/trace_files/cat_write.scap");
    let c = dir.path().join("c.scap");
    std::fs::copy(&scap, &c).unwrap();
    let case = dir.path().join("x.case.yaml");
    std::fs::write(
        &case,
        "traces: [t.rts]\nrules: [r.yaml]\nexpect:\n  counts: {}\n",
    )
    .unwrap();
    let rules = dir.path().join("r.yaml");
    let rules_text = "- rule: R\n  desc: d\n  condition: evt.type=open\n  output: o\n  \
                      priority: INFO\n";
    std::fs::write(&rules, rules_text).unwrap();
    let d = dir.path().to_str().unwrap();
    let cases: [(&[&str], &str); 8] = [
        (
            &["replay", "--parquet", "./t.rts", "--force", "t.rts"],
            "--parquet: ./t.rts is the trace t.rts this run reads",
        ),
        (
            &["replay", "--parquet", "link.rts", "--force", d],
            "--parquet: link.rts is the trace",
        ),
        (
            &["replay", "-f", "--state", "t.rts", "t.rts"],
            "--state: t.rts is the trace t.rts this run reads",
        ),
        (
            &["export", "-o", "t.rts", "--force", "./t.rts"],
            "-o: t.rts is the trace ./t.rts this run reads",
        ),
        (
            &["import", "c.scap", "-o", "./c.scap", "--force"],
            "-o: ./c.scap is the capture c.scap this run reads",
        ),
        (
            &["test", "--junit", "x.case.yaml", "."],
            "--junit: x.case.yaml is the case ./x.case.yaml this run reads",
        ),
        // What the case reads: the report would replace them once the cases ran.
        (
            &["test", "--junit", "link.rts", "x.case.yaml"],
            "--junit: link.rts is the trace",
        ),
        (
            &["test", "--junit", "./r.yaml", "."],
            "--junit: ./r.yaml is the rules file",
        ),
    ];
    for (args, want) in cases {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_rtsec"))
            .current_dir(dir.path())
            .args(args)
            .output()
            .expect("run rtsec");
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(want), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("(--force does not): name another file"),
            "{args:?}: {}",
            stderr(&o)
        );
        assert!(stdout(&o).is_empty(), "{args:?}: {}", stdout(&o));
        assert_eq!(std::fs::read(&t).unwrap(), std::fs::read(sample()).unwrap());
        assert_eq!(std::fs::read(&c).unwrap(), std::fs::read(&scap).unwrap());
        assert_eq!(std::fs::read_to_string(&rules).unwrap(), rules_text);
        assert!(
            std::fs::read_to_string(&case)
                .unwrap()
                .starts_with("traces:")
        );
    }
}

/// A trace named twice (here: by itself and inside its directory) is judged once, with a note:
/// judged twice, its hits would be counted twice.
#[test]
fn a_trace_named_twice_is_judged_once() {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_rtsec"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "replay",
            "-q",
            "testdata/scenarios/container",
            "./testdata/scenarios/container/trace.rts",
        ])
        .output()
        .expect("run rtsec");
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains(
            "rtsec: note: ./testdata/scenarios/container/trace.rts is \
             testdata/scenarios/container/trace.rts again: judged once"
        ),
        "{err}"
    );
    assert!(err.contains("Summary: 1 trace judged"), "{err}");
}
