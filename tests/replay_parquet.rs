//! Parquet outputs read back by real readers: the hits file by pyarrow and DuckDB, row by row
//! against the JSON alerts of the same run; the events file of `rtsec export` by DuckDB,
//! against the traces and the hits.

mod replay_support;

use replay_support::*;

/// pyarrow: every row equals its JSON alert (time, rule, priority, source, tags, output,
/// hostname, output_fields) and the event columns agree with the output fields that name the
/// same field. DuckDB: counts per rule, the timestamp type, and a filter on a column.
const CHECK_HITS: &str = r#"
import json, sys, collections
import datetime
import pyarrow as pa
import pyarrow.parquet as pq
import duckdb

pq_path, json_path = sys.argv[1], sys.argv[2]
alerts = [json.loads(l) for l in open(json_path)]
t = pq.read_table(pq_path)
assert t.num_rows == len(alerts), (t.num_rows, len(alerts))
meta = pq.read_metadata(pq_path).metadata
assert meta[b"rtsec.kind"] == b"hits" and meta[b"rtsec.schema_version"] == b"1", meta
assert str(t.schema.field("time").type) == "timestamp[ns, tz=UTC]", t.schema
# ns timestamps do not fit datetime: compare them as integers.
ts = t.column("time").cast(pa.int64())
rows = t.drop_columns(["time"]).append_column("time", ts).to_pylist()

def text(v):
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)

columns = {
    "evt.type": "evt_type", "proc.name": "proc_name", "proc.pid": "proc_pid",
    "proc.exepath": "proc_exepath", "proc.cmdline": "proc_cmdline", "proc.pname": "proc_pname",
    "user.name": "user_name", "fd.name": "fd_name", "container.id": "container_id",
    "container.name": "container_name",
    "container.image.repository": "container_image_repository",
    "k8s.ns.name": "k8s_ns_name", "k8s.pod.name": "k8s_pod_name",
}
checked = 0
for i, (r, a) in enumerate(zip(rows, alerts)):
    of = a["output_fields"]
    ns = r["time"]
    assert ns == of["evt.time"], (i, ns, of["evt.time"])
    secs = datetime.datetime.fromtimestamp(ns // 10**9, datetime.timezone.utc)
    iso = secs.strftime("%Y-%m-%dT%H:%M:%S") + f".{ns % 10**9:09d}Z"
    assert a["time"] == iso, (i, a["time"], iso)
    for k in ["rule", "priority", "source", "output", "hostname", "tags"]:
        assert r[k] == a[k], (i, k, r[k], a[k])
    got = dict(r["output_fields"])
    want = {k: text(v) for k, v in of.items()}
    assert got == want, (i, got, want)
    for field, col in columns.items():
        if field in of:
            assert text(r[col]) == text(of[field]), (i, field, r[col], of[field])
            checked += 1
    assert r["evt_num"] >= 1
assert checked > len(rows), checked

con = duckdb.connect()
by_rule = dict(con.execute(
    f"select rule, count(*) from read_parquet('{pq_path}') group by rule").fetchall())
assert by_rule == dict(collections.Counter(a["rule"] for a in alerts)), by_rule
ty = con.execute(f"select typeof(time) from read_parquet('{pq_path}') limit 1").fetchone()[0]
assert ty in ("TIMESTAMPTZ_NS", "TIMESTAMP WITH TIME ZONE"), ty
first_ns = con.execute(
    f"select epoch_ns(time) from read_parquet('{pq_path}') order by time, evt_num limit 1"
).fetchone()[0]
assert first_ns == min(a["output_fields"]["evt.time"] for a in alerts), first_ns
shadow = con.execute(
    f"select count(*) from read_parquet('{pq_path}') "
    "where fd_name = '/etc/shadow' and rule = 'Read sensitive file untrusted'").fetchone()[0]
assert shadow == sum(1 for a in alerts if a["rule"] == "Read sensitive file untrusted"
                     and a["output_fields"].get("fd.name") == "/etc/shadow"), shadow
assert shadow >= 2, shadow
tags = con.execute(
    f"select count(*) from read_parquet('{pq_path}') where list_contains(tags, 'maturity_stable')"
).fetchone()[0]
assert tags == sum(1 for a in alerts if "maturity_stable" in a["tags"]), tags
print(len(rows), "rows checked;", len(by_rule), "rules")
"#;

/// DuckDB over the export: one row per event of every trace, evt_num running 1..N per trace,
/// and the event of every hit found with the same process, type and container.
const CHECK_EVENTS: &str = r#"
import json, sys, duckdb
ev_path, hits_path, expected = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
con = duckdb.connect()
per_trace = dict(con.execute(
    f"select trace, count(*) from read_parquet('{ev_path}') group by trace").fetchall())
assert per_trace == expected, (per_trace, expected)
gaps = con.execute(f"""
    select trace, min(evt_num), max(evt_num), count(distinct evt_num)
    from read_parquet('{ev_path}') group by trace""").fetchall()
for trace, lo, hi, n in gaps:
    assert lo == 1 and hi == n == expected[trace], (trace, lo, hi, n)
missing = con.execute(f"""
    select count(*) from read_parquet('{hits_path}') h
    left join read_parquet('{ev_path}') e
      on e.trace = h.trace and e.evt_num = h.evt_num
     and e.evt_type = h.evt_type and e.proc_name is not distinct from h.proc_name
     and e.proc_pid is not distinct from h.proc_pid
     and e.container_id is not distinct from h.container_id
     and e.evt_time = h.time
    where e.evt_num is null""").fetchone()[0]
assert missing == 0, missing
in_containers = con.execute(f"""
    select count(*) from read_parquet('{ev_path}')
    where container_id = 'c0ffee000001' and evt_type = 'execve' and proc_name = 'dpkg'
""").fetchone()[0]
assert in_containers == 1, in_containers
print(sum(per_trace.values()), "events checked")
"#;

#[test]
fn hits_parquet_matches_the_json_alerts_in_pyarrow_and_duckdb() {
    let Some(py) = python() else { return };
    let dir = tempdir();
    let synth = dir.path().join("synth.rts");
    synthetic_trace(&synth, 20_000, 3, Default::default());
    let pq = dir.path().join("hits.parquet");
    let mut args = vec![
        "replay".to_string(),
        "--rule-matching".into(),
        "all".into(),
        "--rules".into(),
        "<bundled>".into(),
        "--rules".into(),
        falco_rules().display().to_string(),
        "--format".into(),
        "json".into(),
        "--parquet".into(),
        pq.display().to_string(),
    ];
    args.extend(scenarios().iter().map(|p| p.display().to_string()));
    args.push(synth.display().to_string());
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = rtsec(&a);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let json = dir.path().join("hits.json");
    std::fs::write(&json, &o.stdout).unwrap();
    let n = o.stdout.iter().filter(|&&b| b == b'\n').count();
    assert!(n > 1000, "{n} hits");
    let out = run_python(
        &py,
        CHECK_HITS,
        &[pq.to_str().unwrap(), json.to_str().unwrap()],
    );
    assert!(out.contains(&format!("{n} rows checked")), "{out}");
}

#[test]
fn exported_events_are_every_event_and_join_with_the_hits() {
    let Some(py) = python() else { return };
    let dir = tempdir();
    let traces: Vec<String> = scenarios()
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let events = dir.path().join("events.parquet");
    let hits = dir.path().join("hits.parquet");
    let mut args = vec![
        "export".to_string(),
        "-o".into(),
        events.display().to_string(),
        "-j".into(),
        "2".into(),
    ];
    args.extend(traces.iter().cloned());
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = rtsec(&a);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains(" row group → "),
        "the summary names the file: {}",
        stderr(&o)
    );
    let mut args = vec![
        "replay".to_string(),
        "-q".into(),
        "--rules".into(),
        falco_rules().display().to_string(),
        "--parquet".into(),
        hits.display().to_string(),
    ];
    args.extend(traces.iter().cloned());
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = rtsec(&a);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // Events per trace, from the traces themselves.
    let mut expected = serde_json::Map::new();
    for t in &traces {
        let r = rtsec_format::TraceReader::open(t).unwrap();
        let n = r.footer().expect("recorded traces are finished").events;
        expected.insert(t.clone(), n.into());
    }
    let out = run_python(
        &py,
        CHECK_EVENTS,
        &[
            events.to_str().unwrap(),
            hits.to_str().unwrap(),
            &serde_json::Value::Object(expected).to_string(),
        ],
    );
    assert!(out.contains("events checked"), "{out}");
}

#[test]
fn export_schema_is_printed_and_an_existing_output_is_kept() {
    let o = rtsec(&["export", "--schema"]);
    assert_eq!(code(&o), 0);
    let s = stdout(&o);
    for col in [
        "evt_time",
        "proc_cmdline",
        "container_id",
        "fd_sip",
        "k8s_pod_name",
    ] {
        assert!(s.contains(col), "{col} missing from:\n{s}");
    }
    let dir = tempdir();
    let out = dir.path().join("e.parquet");
    std::fs::write(&out, b"keep me").unwrap();
    let t = scenario("demo");
    let o = rtsec(&["export", t.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("--force"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&out).unwrap(), b"keep me");
}

/// An output that cannot become a file is refused before any work, saying why, and leaves
/// nothing behind: a directory (even with --force, which replaces files only), and a file in
/// a directory that does not exist.
#[test]
fn a_parquet_output_that_cannot_be_a_file_is_refused_and_leaves_nothing() {
    let dir = tempdir();
    let d = dir.path().to_str().unwrap().to_string();
    let t = scenario("demo");
    let t = t.to_str().unwrap();
    let missing = format!("{d}/no/such/dir/x.parquet");
    let cases: [(&[&str], &str); 6] = [
        (&["export", t, "-o", &d, "--force"], "is a directory"),
        // Found when it is created: named as given, then the file actually created.
        (
            &["replay", "-q", "--parquet", "/proc/x.parquet", t],
            "error: /proc/x.parquet: cannot write Parquet: cannot create /proc/x.parquet.partial: ",
        ),
        (&["export", t, "-o", &format!("{d}/")], "is a directory"),
        (
            &["replay", "-q", "--parquet", &d, "--force", t],
            "is a directory",
        ),
        (&["export", t, "-o", &missing], "does not exist"),
        (
            &["replay", "-q", "--parquet", &missing, t],
            "does not exist",
        ),
    ];
    for (args, want) in cases {
        let o = rtsec(args);
        assert_eq!(code(&o), 1, "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(want), "{args:?}: {}", stderr(&o));
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(left.is_empty(), "{args:?} left {left:?}");
        if args[..3] == ["export", t, "-o"] && args[3] == d {
            assert!(
                stderr(&o).contains(&format!("{d}/events.parquet")),
                "the error suggests a file name: {}",
                stderr(&o)
            );
        }
    }
}

/// A Parquet output that cannot be written (a full disk; here the file size limit) fails the
/// run with the reason, not the parquet crate's "External:", and leaves no file. An export
/// meets it mid-run, at a row group: it stops there. A replay's hits of this trace fill one
/// row group, written at the end: its verdicts stand, so its summary is printed first.
#[test]
fn a_parquet_output_that_cannot_be_written_leaves_nothing() {
    let dir = tempdir();
    let trace = dir.path().join("t.rts");
    synthetic_trace(&trace, 300_000, 3, rtsec_format::Losses::default());
    let trace = trace.to_str().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let parquet = out.join("x.parquet");
    let parquet = parquet.to_str().unwrap();
    let runs: [(&[&str], &str); 2] = [
        (
            &["replay", "--parquet", parquet, trace],
            "; the unfinished Parquet file was removed",
        ),
        (
            &["export", trace, "-o", parquet],
            "; the run stopped there, and the unfinished Parquet file was removed",
        ),
    ];
    for (args, removed) in runs {
        let mut c = std::process::Command::new(RTSEC);
        c.args(args).stdout(std::process::Stdio::null());
        let o = replay_support::file_size::limit_file_size(&mut c, 256 << 10)
            .output()
            .unwrap();
        let err = stderr(&o);
        assert_eq!(code(&o), 1, "{args:?}: {err}");
        assert!(
            err.contains(&format!(
                "error: {parquet}: cannot write Parquet: File too large (os error 27){removed}"
            )),
            "{args:?}: {err}"
        );
        if args[0] == "replay" {
            assert!(
                err.starts_with("Summary: 1 trace judged, 300,000 events"),
                "{err}"
            );
        }
        let left: Vec<_> = std::fs::read_dir(&out).unwrap().collect();
        assert!(left.is_empty(), "{args:?} left {left:?}");
    }
}

/// When no input could be judged, no Parquet file is left (an empty one would read as a
/// result with no rows); when one of two could, its rows are written, and the exit code says
/// the other failed.
#[test]
fn a_parquet_output_of_no_judged_input_is_not_written() {
    let dir = tempdir();
    let missing = dir.path().join("missing.rts");
    let missing = missing.to_str().unwrap();
    let parquet = dir.path().join("x.parquet");
    let parquet = parquet.to_str().unwrap();
    let sample = scenario("credentials");
    let sample = sample.to_str().unwrap();
    for args in [
        &["replay", "--parquet", parquet, missing][..],
        &["export", missing, "-o", parquet],
    ] {
        let o = rtsec(args);
        let err = stderr(&o);
        assert_eq!(code(&o), 1, "{args:?}: {err}");
        assert!(
            err.contains(&format!(
                "Parquet: {parquet} not written: no input could be judged"
            )),
            "{args:?}: {err}"
        );
        assert!(!std::path::Path::new(parquet).exists(), "{args:?}");
    }
    let o = rtsec(&["replay", "-q", "--parquet", parquet, missing, sample]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(std::path::Path::new(parquet).exists(), "{}", stderr(&o));
}

/// Ctrl-C (or SIGTERM) during a long replay or export ends it with a summary of what was
/// read and exit code 128 + the signal, and its Parquet output (part of the input) is not
/// kept; a second one ends it at once: the process dies of the signal, and the unreadable
/// `.partial` file goes with it.
#[test]
fn an_interrupted_parquet_output_leaves_no_partial_file() {
    use std::os::unix::process::ExitStatusExt;
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    let dir = tempdir();
    let trace = dir.path().join("big.rts");
    // Long enough for this (debug) build to be caught while writing.
    synthetic_trace(&trace, 600_000, 7, rtsec_format::Losses::default());
    let trace = trace.to_str().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let parquet = out.join("x.parquet");
    let parquet = parquet.to_str().unwrap();
    let replay: &[&str] = &["replay", "-q", "--parquet", parquet, trace];
    let export: &[&str] = &["export", trace, "-o", parquet];
    let runs: [(&[i32], &[&str]); 3] = [
        (&[libc::SIGINT], replay),
        (&[libc::SIGINT, libc::SIGINT], replay),
        (&[libc::SIGTERM], export),
    ];
    for (signals, args) in runs {
        let child = Command::new(RTSEC)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let partial = out.join("x.parquet.partial");
        let deadline = Instant::now() + Duration::from_secs(30);
        while !partial.exists() {
            assert!(
                Instant::now() < deadline,
                "{args:?}: no {partial:?} after 30 s"
            );
            std::thread::sleep(Duration::from_millis(2));
        }
        // Past the start: judging, its Ctrl-C handler in place.
        std::thread::sleep(Duration::from_millis(200));
        for &sig in signals {
            // SAFETY: kill(2) of our child.
            unsafe { libc::kill(child.id() as i32, sig) };
        }
        let o = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        match signals {
            &[sig] => {
                assert_eq!(o.status.code(), Some(128 + sig), "{args:?}: {err}");
                assert!(
                    err.contains("INTERRUPTED: stopped after ")
                        && err.contains("INTERRUPTED before its end")
                        && err.contains(&format!(
                            "Parquet: {parquet} not written: the run was interrupted"
                        )),
                    "{err}"
                );
            }
            // The second signal may come after the first ended the run.
            _ => assert!(
                o.status.signal() == Some(libc::SIGINT) || o.status.code() == Some(130),
                "{args:?}: {:?}: {err}",
                o.status
            ),
        }
        let left: Vec<_> = std::fs::read_dir(&out).unwrap().collect();
        assert!(left.is_empty(), "{args:?} {signals:?} left {left:?}");
    }
}
