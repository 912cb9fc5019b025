//! Falco/sysdig captures given to `rtsec replay` and `rtsec export` as they are: imported for
//! the run, judged as their `rtsec import`ed trace would be, named by the capture in the
//! summary and the hits, completeness judged on what a live capture records.

mod replay_support;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use replay_support::*;

const RULES: &str = r#"
- rule: open_from_cat
  desc: cat opens a file
  condition: evt.type=open and proc.name=cat
  output: "cat opened %fd.name (pid=%proc.pid)"
  priority: WARNING
"#;

fn capture(rel: &str) -> PathBuf {
    let p = root().join("../shared/scap").join(rel);
    assert!(
        p.is_file(),
        "{} is missing (see ../shared/scap)",
        p.display()
    );
    p
}

const CAT_WRITE: &str = "falcosecurity-falco/test/trace_files/cat_write.scap";
const EMPTY: &str = "falcosecurity-falco/test/trace_files/empty.scap";
const SYSCALL: &str = "falcosecurity-falco/test/trace_files/syscall.scap";

/// `rtsec ARGS...` with its temporary files in `tmp` (so leftovers can be looked for).
fn rtsec_in(tmp: &Path, args: &[&dyn AsRef<OsStr>]) -> Output {
    Command::new(RTSEC)
        .current_dir(root())
        .env("TZ", "UTC")
        .env("TMPDIR", tmp)
        .args(args.iter().map(|a| a.as_ref()))
        .output()
        .expect("run rtsec")
}

/// [`rtsec_in`] with `input` written to its standard input.
fn rtsec_fed(tmp: &Path, args: &[&dyn AsRef<OsStr>], input: &[u8]) -> Output {
    use std::io::Write;
    let mut child = Command::new(RTSEC)
        .current_dir(root())
        .env("TZ", "UTC")
        .env("TMPDIR", tmp)
        .args(args.iter().map(|a| a.as_ref()))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run rtsec");
    // A command that stops reading early (a refusal) closes the pipe: not an error here.
    let _ = child.stdin.take().unwrap().write_all(input);
    child.wait_with_output().expect("run rtsec")
}

/// A directory for the test's files, and the temporary directory rtsec is given inside it.
fn dirs() -> (tempfile::TempDir, PathBuf) {
    let d = tempdir();
    let tmp = d.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    (d, tmp)
}

/// The rows of a Parquet file and the distinct values of its `trace` column.
fn rows_and_traces(py: &Path, file: &Path) -> String {
    let out = run_python(
        py,
        "import sys, pyarrow.parquet as pq\n\
         t = pq.read_table(sys.argv[1])\n\
         print(t.num_rows, sorted(set(t.column('trace').to_pylist())))",
        &[file.to_str().unwrap()],
    );
    out.trim().to_string()
}

fn leftovers(tmp: &Path) -> Vec<String> {
    std::fs::read_dir(tmp)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("rtsec-import-"))
        .collect()
}

#[test]
fn a_capture_is_judged_like_its_imported_trace() {
    let (d, tmp) = dirs();
    let rules = d.path().join("cat.yaml");
    std::fs::write(&rules, RULES).unwrap();
    let scap = capture(CAT_WRITE);

    let imported = d.path().join("cat_write.rts");
    let o = rtsec_in(&tmp, &[&"import", &scap, &"-o", &imported.clone()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // Counts of one are singular.
    let summary = String::from_utf8_lossy(&o.stdout);
    assert!(summary.contains("(1 block, "), "{summary}");
    assert!(
        summary.contains("tables: 1 section, 40 processes"),
        "{summary}"
    );
    assert!(summary.contains("state: 1 process first seen"), "{summary}");
    let via_import = rtsec_in(
        &tmp,
        &[
            &"replay",
            &"--format",
            &"json",
            &"-r",
            &rules.clone(),
            &imported,
        ],
    );
    let direct = rtsec_in(
        &tmp,
        &[
            &"replay",
            &"--format",
            &"json",
            &"-r",
            &rules.clone(),
            &scap,
        ],
    );
    let alerts = stdout(&direct);
    assert_eq!(
        alerts.lines().count(),
        4,
        "the 4 open exits of cat:\n{alerts}"
    );
    assert_eq!(
        alerts,
        stdout(&via_import),
        "same alerts as after `rtsec import`"
    );

    let err = stderr(&direct);
    assert!(
        err.contains(&format!("rtsec: imported {}: 43 events", scap.display())),
        "the import is reported:\n{err}"
    );
    // The summary names the capture, and says what it lacks: one execve exit whose enter event
    // came before the capture started (its arguments are empty), not the enter and procinfo
    // events a live capture does not record either.
    assert!(
        err.contains(&format!(
            "{}: 43 events, 4 hits, INCOMPLETE",
            scap.display()
        )),
        "{err}"
    );
    assert!(
        err.contains(
            "1 source record was judged with parts the source lacked (1 exit without its enter \
             event, arguments left \
             empty: execve"
        ),
        "{err}"
    );
    assert!(
        err.contains("302 records of the source not recorded by design"),
        "{err}"
    );
    assert_eq!(code(&direct), 3, "{err}");
    assert_eq!(
        leftovers(&tmp),
        Vec::<String>::new(),
        "the imported trace is removed"
    );

    // The hits' `trace` column names the capture, not the temporary trace.
    let Some(py) = python() else { return };
    let hits = d.path().join("hits.parquet");
    let o = rtsec_in(
        &tmp,
        &[&"replay", &"-q", &"-r", &rules, &"--parquet", &hits, &scap],
    );
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert_eq!(
        rows_and_traces(&py, &hits),
        format!("4 ['{}']", scap.display())
    );
}

#[test]
fn captures_without_losses_are_complete_and_directories_hold_captures() {
    let (d, tmp) = dirs();
    let dir = d.path().join("captures");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::copy(capture(EMPTY), dir.join("empty.scap")).unwrap();
    // Falco's captures are gzip files: one found in a subdirectory as .scap.gz, and one
    // uncompressed and named like nothing we know (found by its first bytes).
    std::fs::copy(capture(SYSCALL), dir.join("sub/syscall.scap.gz")).unwrap();
    let gz = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "gzip -dc '{}' > '{}'",
            capture(SYSCALL).display(),
            d.path().join("syscall.capture").display()
        ))
        .status()
        .unwrap();
    assert!(gz.success());
    let o = rtsec_in(
        &tmp,
        &[
            &"replay",
            &"-q",
            &"-r",
            &falco_rules(),
            &dir.clone(),
            &d.path().join("syscall.capture"),
        ],
    );
    let err = stderr(&o);
    assert_eq!(
        code(&o),
        0,
        "complete: nothing a live capture records is missing\n{err}"
    );
    for (name, events) in [
        (dir.join("empty.scap"), 0),
        (dir.join("sub/syscall.scap.gz"), 6),
        (d.path().join("syscall.capture"), 6),
    ] {
        assert!(
            err.contains(&format!(
                "{}: {events} events, 0 hits, complete",
                name.display()
            )),
            "{}:\n{err}",
            name.display()
        );
    }
    assert!(err.contains("3 traces judged, 12 events"), "{err}");
    assert_eq!(leftovers(&tmp), Vec::<String>::new());
}

#[test]
fn a_capture_that_cannot_be_imported_is_named_and_the_rest_judged() {
    let (d, tmp) = dirs();
    let bad = d.path().join("broken.scap");
    std::fs::write(&bad, b"this is not a capture at all").unwrap();
    let good = capture(EMPTY);
    let o = rtsec_in(&tmp, &[&"replay", &"-q", &bad.clone(), &good.clone()]);
    let err = stderr(&o);
    assert_eq!(code(&o), 1, "{err}");
    assert!(
        err.contains(&format!("{}: NOT JUDGED: cannot import: ", bad.display())),
        "{err}"
    );
    assert!(
        err.contains(&format!("{}: 0 events, 0 hits, complete", good.display())),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn export_takes_captures_too() {
    let (d, tmp) = dirs();
    let out = d.path().join("events.parquet");
    let scap = capture(CAT_WRITE);
    let o = rtsec_in(&tmp, &[&"export", &scap, &"-o", &out]);
    assert_eq!(code(&o), 3, "incomplete like the replay:\n{}", stderr(&o));
    assert_eq!(leftovers(&tmp), Vec::<String>::new());
    let Some(py) = python() else { return };
    assert_eq!(
        rows_and_traces(&py, &out),
        format!("43 ['{}']", scap.display())
    );
}

#[test]
fn events_and_inspect_read_captures_too() {
    let (d, tmp) = dirs();
    let scap = capture(CAT_WRITE);
    let o = rtsec_in(
        &tmp,
        &[&"events", &scap, &"-f", &"evt.type=open and proc.name=cat"],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let lines = stdout(&o);
    assert_eq!(lines.lines().count(), 4, "{lines}");
    assert!(
        lines.lines().all(|l| l.contains(" cat (20072) ")),
        "{lines}"
    );

    let o = rtsec_in(&tmp, &[&"inspect", &scap]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.starts_with(&format!("trace:       {}\n", scap.display())),
        "{text}"
    );
    assert!(text.contains("events:      43\n"), "{text}");
    assert!(
        text.contains(
            "INCOMPLETE:  1 record the source had only in part (in the trace, what was missing \
             left empty)\n  exit without its enter event, arguments left empty: execve"
        ),
        "{text}"
    );
    assert!(
        !text.contains("SKIPPED"),
        "the execve is in the trace: {text}"
    );
    assert!(
        text.contains("not recorded: 302 records of the source"),
        "{text}"
    );
    // The dynamic loader's read of libc's ELF header: 832 bytes, 80 in the capture (sysdig
    // shows evt.rawres 832 and 80 bytes of data).
    assert!(
        text.contains("truncated:   1 data beyond the snaplen (evt.buffer holds the first part)"),
        "{text}"
    );
    assert_eq!(leftovers(&tmp), Vec::<String>::new());
    let o = rtsec_in(&tmp, &[&"events", &d.path().join("missing.scap")]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("missing.scap: cannot import: "),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_capture_can_come_through_a_pipe() {
    let (d, tmp) = dirs();
    let rules = d.path().join("cat.yaml");
    std::fs::write(&rules, RULES).unwrap();
    let scap = std::fs::read(capture(CAT_WRITE)).unwrap();
    let o = rtsec_fed(
        &tmp,
        &[
            &"replay",
            &"--format",
            &"json",
            &"-r",
            &rules,
            &"/dev/stdin",
        ],
        &scap,
    );
    assert_eq!(stdout(&o).lines().count(), 4, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("/dev/stdin: 43 events, 4 hits"),
        "{}",
        stderr(&o)
    );

    // A trace through a pipe, or as `-` (standard input), named twice: copied into a file
    // once, judged once, as the file itself is.
    let path = scenario("credentials");
    let trace = std::fs::read(&path).unwrap();
    let whole = rtsec_in(&tmp, &[&"replay", &"--format", &"json", &path]);
    assert_eq!(code(&whole), 0, "{}", stderr(&whole));
    let o = rtsec_fed(
        &tmp,
        &[&"replay", &"--format", &"json", &"-", &"/dev/stdin"],
        &trace,
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(!stdout(&whole).is_empty());
    assert_eq!(stdout(&o), stdout(&whole));
    let err = stderr(&o);
    assert!(
        err.contains("rtsec: note: /dev/stdin is - again: judged once"),
        "{err}"
    );
    assert!(err.contains("Summary: 1 trace judged"), "{err}");
    let o = rtsec_fed(&tmp, &[&"inspect", &"-"], &trace);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).starts_with("trace:       -\n"), "{}", stdout(&o));
    assert!(stdout(&o).contains("integrity:   ok"), "{}", stdout(&o));

    // Neither a trace nor a capture: said so, naming the input as given.
    let o = rtsec_fed(&tmp, &[&"replay", &"-"], b"hello\n");
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains(
            "-: NOT JUDGED: neither an rtsec trace nor a Falco/sysdig capture (plain or gzip)"
        ),
        "{}",
        stderr(&o)
    );
    // Standard input cannot be followed.
    let o = rtsec_in(&tmp, &[&"replay", &"-f", &"-"]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("standard input cannot be followed"),
        "{}",
        stderr(&o)
    );
    assert_eq!(leftovers(&tmp), Vec::<String>::new());
}

/// Ctrl-C (or SIGTERM) while a capture is imported or judged: the temporary trace goes too,
/// and the command still dies of the signal.
#[test]
fn a_signal_does_not_leave_the_imported_trace_behind() {
    use std::io::Write;
    use std::os::unix::process::ExitStatusExt;
    let plain = Command::new("gzip")
        .arg("-dc")
        .arg(capture(CAT_WRITE))
        .output()
        .unwrap()
        .stdout;
    assert!(plain.len() > 50_000);
    for sig in [libc::SIGINT, libc::SIGTERM] {
        let (_d, tmp) = dirs();
        let mut child = Command::new(RTSEC)
            .current_dir(root())
            .env("TMPDIR", &tmp)
            .args(["replay", "-q", "/dev/stdin"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // All but the end of the capture, the pipe kept open: its copy (a stream is copied
        // into a file first) waits for the rest, half written.
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(&plain[..plain.len() - 1000]).unwrap();
        let started = std::time::Instant::now();
        let trace = loop {
            let found = std::fs::read_dir(&tmp)
                .unwrap()
                .flatten()
                .find(|e| e.file_name().to_string_lossy().starts_with("rtsec-import-"))
                .map(|e| e.path().join("stdin-0"));
            if let Some(t) = found.filter(|t| t.exists()) {
                break t;
            }
            assert!(
                started.elapsed().as_secs() < 20,
                "no copy of standard input appeared in {}",
                tmp.display()
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        assert!(trace.exists());
        // SAFETY: sending a signal to our own child.
        assert_eq!(unsafe { libc::kill(child.id() as i32, sig) }, 0);
        let status = child.wait().unwrap();
        drop(stdin);
        assert_eq!(status.signal(), Some(sig), "{status:?}");
        assert_eq!(leftovers(&tmp), Vec::<String>::new(), "signal {sig}");
    }
}

/// `rtsec import -` streams a capture from standard input into the trace -o names, as the
/// same capture read from its file gives; without -o it is refused (there is no name to take).
#[test]
fn import_reads_a_capture_from_standard_input() {
    let (d, tmp) = dirs();
    let from_file = d.path().join("file.rts");
    let o = rtsec_in(&tmp, &[&"import", &capture(CAT_WRITE), &"-o", &from_file]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let from_stdin = d.path().join("stdin.rts");
    let scap = std::fs::read(capture(CAT_WRITE)).unwrap();
    let o = rtsec_fed(&tmp, &[&"import", &"-", &"-o", &from_stdin], &scap);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).starts_with("- → "), "{}", stdout(&o));
    let events = |p: &Path| {
        let o = rtsec_in(&tmp, &[&"events", &p]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        stdout(&o)
    };
    assert_eq!(events(&from_stdin), events(&from_file));
    let o = rtsec_fed(&tmp, &[&"import", &"-"], &scap);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("name the trace with -o"),
        "{}",
        stderr(&o)
    );
}

/// Ctrl-C or SIGTERM during an import removes its trace: a part of the capture under the name
/// of the whole would be taken for the import.
#[test]
fn an_interrupted_import_leaves_no_trace() {
    use std::io::Write;
    use std::os::unix::process::ExitStatusExt;
    use std::process::Stdio;
    use std::time::{Duration, Instant};

    let (d, tmp) = dirs();
    let out = d.path().join("t.rts");
    // Large enough for its tables to come before half of it.
    let scap = std::fs::read(capture(
        "sysflow-telemetry-sf-collector/tests/mpm-preforked/full_capture.scap",
    ))
    .unwrap();
    let mut child = Command::new(RTSEC)
        .current_dir(&tmp)
        .args(["import", "-", "-o"])
        .arg(&out)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Half the capture, and the rest never: the import waits for it, its trace begun.
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&scap[..scap.len() / 2]).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !(out.exists() && catches(child.id(), libc::SIGTERM)) {
        assert!(Instant::now() < deadline, "no trace begun after 30 s");
        std::thread::sleep(Duration::from_millis(2));
    }
    // SAFETY: kill(2) of our child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let o = child.wait_with_output().unwrap();
    drop(stdin);
    assert_eq!(o.status.signal(), Some(libc::SIGTERM), "{}", stderr(&o));
    assert!(!out.exists(), "the begun trace is left");
}

/// An import that cannot write its trace (a full disk; here the file size limit, which needs
/// no root) removes the part it wrote and says so: blocks without a footer, under the name of
/// the whole capture, would be taken for the import. So does one told to replace a trace
/// with `--force`. An output the import never began (the input is no capture) is left as it
/// was. A capture judged by `replay` that cannot be imported for want of room names TMPDIR.
#[test]
fn an_import_that_cannot_write_removes_its_part() {
    let (d, tmp) = dirs();
    let scap = capture("sysflow-telemetry-sf-collector/tests/mpm-preforked/full_capture.scap");
    let out = d.path().join("t.rts");
    let limited = |args: &[&dyn AsRef<OsStr>]| {
        let mut c = Command::new(RTSEC);
        c.current_dir(root())
            .env("TMPDIR", &tmp)
            .args(args.iter().map(|a| a.as_ref()));
        file_size::limit_file_size(&mut c, 16 << 10)
            .output()
            .expect("run rtsec")
    };
    let removed = format!(
        "{}: File too large (os error 27); the unfinished trace {} was removed (the capture is \
         unchanged)",
        out.display(),
        out.display()
    );
    let o = limited(&[&"import", &scap, &"-o", &out]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains(&removed), "{}", stderr(&o));
    assert!(!out.exists(), "the unfinished trace is left");
    std::fs::write(&out, "old").unwrap();
    let o = limited(&[&"import", &scap, &"-o", &out, &"--force"]);
    assert!(stderr(&o).contains(&removed), "{}", stderr(&o));
    assert!(!out.exists(), "the unfinished trace is left");

    // Never begun: the old file stays.
    std::fs::write(&out, "old").unwrap();
    let o = rtsec_in(&tmp, &[&"import", &"Cargo.toml", &"-o", &out, &"--force"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("not a .scap capture"), "{}", stderr(&o));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "old");
    let o = rtsec_in(
        &tmp,
        &[&"import", &"testdata/sample.rts", &"-o", &out, &"--force"],
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "testdata/sample.rts: already an rtsec trace, not a .scap capture: replay, inspect \
             and export read it as it is"
        ),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "old");

    let o = limited(&[&"replay", &"-q", &scap]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "File too large (os error 27); the capture is imported into a temporary trace there: \
             set TMPDIR to a directory with room, or `rtsec import` it first"
        ),
        "{}",
        stderr(&o)
    );
    assert!(leftovers(&tmp).is_empty(), "{:?}", leftovers(&tmp));
}
