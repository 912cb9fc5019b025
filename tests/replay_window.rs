//! `--since` / `--until`: judging (or exporting) only a time window of traces gives exactly
//! the verdicts of the whole trace in that window, without reading the blocks outside it.

mod replay_support;

use replay_support::*;
use rtsec_format::Losses;
use rtsec_replay::summary::group;

/// The `time` of a Falco JSON alert line.
fn time(line: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(line).expect(line);
    v["time"].as_str().unwrap().to_string()
}

#[test]
fn a_window_gives_the_whole_traces_verdicts_in_it_and_skips_blocks_outside() {
    let d = tempdir();
    let trace = d.path().join("synth.rts");
    synthetic_trace(&trace, 150_000, 11, Losses::default());
    let trace = trace.to_str().unwrap();
    let falco = falco_rules();
    let falco = falco.to_str().unwrap();
    let all = rtsec(&["replay", "--format", "json", "-r", falco, trace]);
    assert_eq!(code(&all), 0, "{}", stderr(&all));
    let all = stdout(&all);
    let lines: Vec<&str> = all.lines().collect();
    assert!(lines.len() > 300, "too few hits to test: {}", lines.len());
    // Both ends are times of hits: they are in the window.
    let (since, until) = (time(lines[lines.len() / 3]), time(lines[lines.len() / 2]));
    for jobs in ["1", "2"] {
        let o = rtsec(&[
            "replay", "--format", "json", "-r", falco, "-j", jobs, "--since", &since, "--until",
            &until, trace,
        ]);
        let err = stderr(&o);
        assert_eq!(
            code(&o),
            0,
            "a window does not make a trace incomplete: {err}"
        );
        let want: Vec<&str> = lines
            .iter()
            .copied()
            .filter(|l| {
                let t = time(l);
                since <= t && t <= until
            })
            .collect();
        let got = stdout(&o);
        assert_eq!(got.lines().collect::<Vec<_>>(), want, "-j {jobs}");
        assert!(
            err.contains(&format!("Window: from {since} until {until}: ")),
            "{err}"
        );
        let unread: u64 = err
            .split(" events outside it not judged (")
            .nth(1)
            .and_then(|r| r.split(' ').next())
            .and_then(|n| n.replace(',', "").parse().ok())
            .unwrap_or_else(|| panic!("{err}"));
        assert!(unread > 0, "blocks outside the window were read: {err}");
    }
}

#[test]
fn relative_windows_count_from_each_traces_start_and_add_up() {
    let d = tempdir();
    let trace = d.path().join("synth.rts");
    synthetic_trace(&trace, 100_000, 5, Losses::default());
    let trace = trace.to_str().unwrap();
    let events = |args: &[&str]| {
        let mut a = vec!["replay", "-q", "--stats"];
        a.extend(args);
        a.push(trace);
        let o = rtsec(&a);
        let err = stderr(&o);
        assert_eq!(code(&o), 0, "{err}");
        let n: u64 = err
            .split(" judged, ")
            .nth(1)
            .and_then(|r| r.split(' ').next())
            .and_then(|n| n.replace(',', "").parse().ok())
            .unwrap_or_else(|| panic!("{err}"));
        (n, err)
    };
    let (total, _) = events(&[]);
    assert_eq!(total, 100_000);
    // The synthetic trace spans a few hundred ms: three windows that cover it without overlap.
    let (a, err) = events(&["--until", "+100ms"]);
    assert!(err.contains("Window: until start + 0.1s: "), "{err}");
    let (b, _) = events(&["--since", "+100.000000001ms", "--until", "+200ms"]);
    let (c, _) = events(&["--since", "+200.000000001ms"]);
    assert!(a > 0 && b > 0 && c > 0, "{a} {b} {c}");
    assert_eq!(a + b + c, total);
    assert!(
        err.contains(&format!("({} outside the window)", group(total - a))),
        "{err}"
    );
}

#[test]
fn export_and_diff_take_the_window_too() {
    let d = tempdir();
    let trace = d.path().join("synth.rts");
    synthetic_trace(&trace, 100_000, 5, Losses::default());
    let trace = trace.to_str().unwrap();
    let out = d.path().join("events.parquet");
    let o = rtsec(&[
        "export",
        "--since",
        "+100ms",
        "--until",
        "+200ms",
        "-o",
        out.to_str().unwrap(),
        trace,
    ]);
    let err = stderr(&o);
    assert_eq!(code(&o), 0, "{err}");
    let judged: String = err
        .split(" judged, ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .unwrap()
        .to_string();
    assert!(
        err.contains(&format!("Parquet: {judged} events in ")),
        "every event of the window is a row, and only those: {err}"
    );
    assert!(judged != "100,000" && judged != "0", "{err}");

    let falco = falco_rules();
    let falco = falco.to_str().unwrap();
    let change = d.path().join("change.yaml");
    std::fs::write(&change, "- rule: Run shell untrusted\n  enabled: false\n- rule: PTRACE attached to process\n  enabled: false\n").unwrap();
    let diff = |window: &[&str]| {
        let mut a = vec![
            "diff",
            "-q",
            "--old",
            falco,
            "--new",
            falco,
            "--new",
            change.to_str().unwrap(),
        ];
        a.extend(window);
        a.push(trace);
        let o = rtsec(&a);
        assert_eq!(code(&o), 4, "{}", stderr(&o));
        stderr(&o)
    };
    let removed = |err: &str| -> u64 {
        err.split("DIFFERENT: ")
            .nth(1)
            .and_then(|r| r.split(' ').next())
            .and_then(|n| n.replace(',', "").parse().ok())
            .unwrap_or_else(|| panic!("{err}"))
    };
    let whole = removed(&diff(&[]));
    let parts =
        removed(&diff(&["--until", "+150ms"])) + removed(&diff(&["--since", "+150.000000001ms"]));
    assert_eq!(whole, parts);
}

#[test]
fn bad_times_are_refused_with_what_to_write() {
    let trace = scenario("demo");
    let trace = trace.to_str().unwrap();
    let o = rtsec(&["replay", "--since", "yesterday", trace]);
    let err = stderr(&o);
    assert_eq!(code(&o), 2, "{err}");
    assert!(err.contains("`yesterday` is not a time"), "{err}");
    assert!(err.contains("RFC 3339"), "{err}");
    let o = rtsec(&["replay", "--since", "+10s", "--until", "+5s", trace]);
    let err = stderr(&o);
    assert_eq!(code(&o), 1, "{err}");
    assert!(
        err.contains("--since start + 10s is after --until start + 5s"),
        "{err}"
    );
}

#[test]
fn events_prints_only_the_window() {
    let d = tempdir();
    let trace = d.path().join("synth.rts");
    synthetic_trace(&trace, 50_000, 3, Losses::default());
    let trace = trace.to_str().unwrap();
    let ts = |out: &str| -> Vec<u64> {
        out.lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["ts"]
                    .as_u64()
                    .unwrap()
            })
            .collect()
    };
    let all = ts(&stdout(&rtsec(&["events", "--json", trace])));
    assert_eq!(all.len(), 50_000);
    let (a, b) = (all[10_000], all[20_000]);
    let o = rtsec(&[
        "events",
        "--json",
        "--since",
        &format!("@{}.{:09}", a / 1_000_000_000, a % 1_000_000_000),
        "--until",
        &format!("@{}.{:09}", b / 1_000_000_000, b % 1_000_000_000),
        trace,
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let want: Vec<u64> = all.iter().copied().filter(|t| a <= *t && *t <= b).collect();
    assert_eq!(ts(&stdout(&o)), want);
}

/// In a window, a trace's losses are those it recorded during the window, not the whole
/// trace's: a window clear of drops is complete (exit 0), one over them names them (exit 3),
/// followed or not.
#[test]
fn a_window_reports_the_losses_recorded_in_it() {
    use rtsec_format::{TraceReader, synth};
    let d = tempdir();
    let path = d.path().join("lossy.rts");
    let mut w = writer_cut_by_hand(&path);
    // Six blocks; the kernel drops 5 events during the third and 3 more during the sixth.
    let drops = [0, 0, 5, 5, 5, 8];
    let mut n = 0;
    synth::generate(12_000, 21, |ev| {
        w.push(ev).unwrap();
        n += 1;
        if n % 2_000 == 0 {
            w.set_losses(Losses {
                kernel_drops_per_cpu: vec![0, drops[n / 2_000 - 1]],
                ..Default::default()
            });
            w.cut().unwrap();
        }
    });
    w.finish().unwrap();
    let blocks = TraceReader::open(&path)
        .unwrap()
        .footer()
        .unwrap()
        .blocks
        .clone();
    assert_eq!(blocks.len(), 6);
    let at = |ns: u64| format!("@{}.{:09}", ns / 1_000_000_000, ns % 1_000_000_000);
    let trace = path.to_str().unwrap();
    let run = |first: usize, last: usize, follow: bool| {
        let (since, until) = (at(blocks[first].ts_min), at(blocks[last].ts_max));
        let mut args = vec!["replay", "-q", "--since", &since, "--until", &until, trace];
        if follow {
            args.insert(1, "--follow");
        }
        let o = rtsec(&args);
        (code(&o), stderr(&o))
    };
    for follow in [false, true] {
        let (c, err) = run(3, 4, follow);
        assert_eq!(c, 0, "no drops in blocks 3 and 4 (follow: {follow}): {err}");
        assert!(!err.contains("dropped"), "{err}");
        let (c, err) = run(2, 2, follow);
        assert_eq!(c, 3, "{err}");
        assert!(err.contains("the kernel dropped 5 events"), "{err}");
        let (c, err) = run(5, 5, follow);
        assert_eq!(c, 3, "{err}");
        assert!(err.contains("the kernel dropped 3 events"), "{err}");
        let (c, err) = run(0, 5, follow);
        assert_eq!(c, 3, "{err}");
        assert!(err.contains("the kernel dropped 8 events"), "{err}");
    }
}
