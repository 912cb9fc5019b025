//! `rtsec explain`: why rules fire or do not on events of a trace, part by part, with the
//! values the event gave; the same verdicts and alerts as replay.

mod replay_support;

use std::collections::BTreeSet;

use replay_support::*;

const CONTAINER: &str = "testdata/scenarios/container/trace.rts";

fn falco() -> String {
    falco_rules().to_str().unwrap().to_string()
}

/// The (evt.num, rule) of every alert `rtsec replay` gives, and its JSON alerts.
fn replay_hits(trace: &str, rules: &str) -> (BTreeSet<(u64, String)>, Vec<serde_json::Value>) {
    let o = rtsec(&[
        "replay",
        "-r",
        rules,
        "--rule-matching",
        "all",
        "--format",
        "json",
        trace,
    ]);
    assert!(matches!(code(&o), 0 | 3), "{}", stderr(&o));
    let alerts: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let hits = alerts
        .iter()
        .map(|a| {
            (
                a["output_fields"]["evt.num"].as_u64().unwrap_or(0),
                a["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (hits, alerts)
}

/// On every scenario, `--hits` explains exactly the alerts replay gives (Falco's stable rules
/// with an `evt.num` output field added, rule_matching all), each as FIRES with replay's alert.
#[test]
fn hits_are_the_alerts_replay_gives() {
    let d = tempdir();
    let extra = d.path().join("stable-with-num.yaml");
    let stable = std::fs::read_to_string(falco_rules()).unwrap();
    std::fs::write(&extra, append_evt_num(&stable)).unwrap();
    let rules_arg = extra.to_str().unwrap();
    let mut total = 0;
    for trace in scenarios() {
        let trace = trace.to_str().unwrap();
        let (want, alerts) = replay_hits(trace, rules_arg);
        let o = rtsec(&[
            "explain",
            "-r",
            rules_arg,
            "--rule-matching",
            "all",
            "--hits",
            "-n",
            "1000000",
            "--format",
            "json",
            trace,
        ]);
        if want.is_empty() {
            assert_eq!(code(&o), 1, "{trace}: nothing fires: {}", stderr(&o));
            assert!(
                stderr(&o).contains("no event fires the rules"),
                "{}",
                stderr(&o)
            );
            continue;
        }
        assert_eq!(code(&o), 0, "{trace}: {}", stderr(&o));
        let got: Vec<serde_json::Value> = stdout(&o)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let got_hits: BTreeSet<(u64, String)> = got
            .iter()
            .map(|x| {
                assert_eq!(x["fires"], true, "{x}");
                assert_eq!(x["condition_holds"], true);
                assert_eq!(x["explanation"]["holds"], true);
                (
                    x["evt_num"].as_u64().unwrap(),
                    x["rule"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(got_hits, want, "{trace}");
        assert_eq!(
            got.len(),
            alerts.len(),
            "{trace}: one explanation per alert"
        );
        for x in &got {
            let alert = alerts
                .iter()
                .find(|a| a["rule"] == x["rule"] && a["output_fields"]["evt.num"] == x["evt_num"])
                .unwrap();
            assert_eq!(&x["alert"], alert, "{trace}: the alert replay gives");
        }
        total += got.len();
    }
    assert!(
        total >= 20,
        "the scenarios fire Falco's stable rules: {total}"
    );
}

/// The stable rules with `evt.num=%evt.num` appended to every output (an `append` per rule).
fn append_evt_num(stable: &str) -> String {
    let mut out = stable.to_string();
    let names: Vec<&str> = stable
        .lines()
        .filter_map(|l| l.strip_prefix("- rule: "))
        .collect();
    for n in names {
        out.push_str(&format!(
            "- rule: {n}\n  output: evt.num=%evt.num\n  override:\n    output: append\n"
        ));
    }
    out
}

/// Every event of every scenario and of the synthetic sample, with every rule of Falco's three
/// files that runs on its type, every part shown: the command checks each explanation against
/// the engine and fails (exit 1, "internal error") where they differ.
#[test]
fn every_explanation_agrees_with_the_engine() {
    let dir = root().join("../shared/falco-rules");
    let dir = dir.to_str().unwrap();
    let mut traces: Vec<String> = scenarios()
        .iter()
        .map(|p| p.to_str().unwrap().to_string())
        .collect();
    traces.push("testdata/sample.rts".into());
    for t in &traces {
        let o = rtsec(&[
            "explain",
            "-r",
            dir,
            "--full",
            "-f",
            "evt.num > 0",
            "-n",
            "100000000",
            t,
        ]);
        assert_eq!(code(&o), 0, "{t}: {}", stderr(&o));
        let out = stdout(&o);
        assert!(out.matches("\n== ").count() > 100, "{t}: events explained");
        assert!(out.contains("): FIRES\n") || t.contains("sample"), "{t}");
    }
}

#[test]
fn a_verdict_is_explained_by_the_parts_that_decide_it() {
    let f = falco();
    let o = rtsec(&[
        "explain",
        "-r",
        &f,
        "-R",
        "Terminal shell in container",
        "-e",
        "927,1044",
        CONTAINER,
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    let expected_927 = "\
-- rule \"Terminal shell in container\" (FILE:713, Notice): FIRES
  ✓ and
    ✓ spawned_process: evt.type in (execve, execveat)    [evt.type: execve]
    ✓ container: container.id != host    [container.id: c0ffee000001]
    ✓ shell_procs: proc.name in (shell_binaries)    [proc.name: bash]
    ✓ proc.tty != 0    [proc.tty: 34816]
    ✓ container_entrypoint (or)
      ✓ proc.pname in (runc:[0:PARENT], runc:[1:CHILD], runc, docker-runc, exe, docker-runc-cur, containerd-shim, systemd, … 2 more)    [proc.pname: runc]
      … 1 more that do not hold, not shown
    ✓ not user_expected_terminal_shell_in_container_conditions
      ✗ never_true: evt.num = 0    [evt.num: 927]
   alert: 20:09:53.770955848: Notice A shell was spawned in a container with an attached terminal"
        .replace("FILE", &f);
    assert!(out.contains(&expected_927), "{out}");
    let expected_1044 = "\
-- rule \"Terminal shell in container\" (FILE:713, Notice): does not fire
  ✗ and
    ✗ proc.tty != 0    [proc.tty: 0]
    … 5 more that hold, not shown
"
    .replace("FILE", &f);
    assert!(out.contains(&expected_1044), "{out}");
    assert!(out.contains(
        "== testdata/scenarios/container/trace.rts: event 927 at 20:09:53.770955848: execve by \
         bash (pid 5555, tid 5555) in container c0ffee000001\n"
    ));

    let o = rtsec(&[
        "explain",
        "-r",
        &f,
        "-R",
        "Terminal shell in container",
        "-e",
        "1044",
        "--full",
        CONTAINER,
    ]);
    let out = stdout(&o);
    assert!(out.contains("    ✓ shell_procs: proc.name in"), "{out}");
    assert!(!out.contains("not shown"), "{out}");
}

#[test]
fn rule_matching_first_and_rules_that_do_not_run_are_explained() {
    let f = falco();
    let o = rtsec(&[
        "explain",
        "-r",
        "<bundled>",
        "-r",
        &f,
        "-e",
        "927",
        CONTAINER,
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("\"Shell started in a container\" (<bundled>:153, Notice): FIRES"));
    assert!(
        out.contains(
            "\"Terminal shell in container\" (FILE:713, Notice): its condition holds, but it does \
         not fire: rule_matching is first and \"Shell started in a container\" fired first on \
         this event"
                .replace("FILE", &f)
                .as_str()
        ),
        "{out}"
    );
    let o = rtsec(&[
        "explain",
        "-r",
        "<bundled>",
        "-r",
        &f,
        "--rule-matching",
        "all",
        "-e",
        "927",
        "-R",
        "Terminal shell in container",
        CONTAINER,
    ]);
    assert!(stdout(&o).contains("(FILE:713, Notice): FIRES".replace("FILE", &f).as_str()));

    let o = rtsec(&[
        "explain",
        "-r",
        &f,
        "--min-priority",
        "error",
        "-e",
        "927",
        "-R",
        "Terminal shell in container",
        CONTAINER,
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).contains(
            "not run: its priority Notice is below the minimum, Error; its condition holds"
        )
    );
    // An openat: the rule's condition needs execve or execveat.
    let o = rtsec(&[
        "explain",
        "-r",
        &f,
        "-e",
        "1621",
        "-R",
        "Terminal shell in container",
        CONTAINER,
    ]);
    assert!(
        stdout(&o).contains(
            "does not fire: not run on openat events (its condition needs execve, execveat)"
        ),
        "{}",
        stdout(&o)
    );
}

#[test]
fn what_cannot_be_explained_is_said_with_what_to_do() {
    let f = falco();
    let o = rtsec(&["explain", "-r", &f, "-e", "99999", CONTAINER]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains(
            "no event 99999 (its events are numbered 1 to 2322); `rtsec events \
         testdata/scenarios/container/trace.rts` lists them"
        ),
        "{}",
        stderr(&o)
    );
    let o = rtsec(&[
        "explain",
        "-r",
        &f,
        "-R",
        "terminal shell",
        "-e",
        "1",
        CONTAINER,
    ]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("no rule of that name"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("\"Terminal shell in container\""));
    let o = rtsec(&["explain", "-r", &f, "-f", "proc.name = nosuch", CONTAINER]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("no event matches the filter"));
    let o = rtsec(&["explain", "-r", &f, "-f", "proc.name = ", CONTAINER]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("--filter"), "{}", stderr(&o));
    let o = rtsec(&["explain", CONTAINER]);
    assert_eq!(code(&o), 2, "which events must be said");
    let o = rtsec(&["explain", "-e", "1", "no-such.rts"]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("no-such.rts"), "{}", stderr(&o));
}

/// `--closest`: the events where a rule came nearest to firing, fewest checks away first,
/// each explained; in JSON with the count.
#[test]
fn closest_ranks_the_events_a_rule_nearly_fired_on() {
    let f = falco();
    let o = rtsec(&[
        "explain",
        "-r",
        &f,
        "--closest",
        "-R",
        "Terminal shell in container",
        CONTAINER,
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.starts_with(
            "-- rule \"Terminal shell in container\": fired on 1 event of \
             testdata/scenarios/container/trace.rts; the 54 events of its types (execve, \
             execveat) it did not fire on fail it in 7 different ways; the 3 closest, each \
             with its first event:\n"
        ),
        "{out}"
    );
    let ranked: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with(">> ") || l.starts_with("== "))
        .collect();
    assert_eq!(ranked.len(), 6, "{out}");
    // Two ways one check away (no container entrypoint; no terminal), then one two away that
    // eleven events share.
    assert_eq!(ranked[0], ">> 1 check away, on 1 event");
    assert!(ranked[1].contains(": event 821 at "), "{out}");
    assert_eq!(ranked[2], ">> 1 check away, on 1 event");
    assert!(ranked[3].contains(": event 1044 at "), "{out}");
    assert_eq!(ranked[4], ">> 2 checks away, on 11 events");
    assert!(out.contains("    ✗ proc.tty != 0    [proc.tty: 0]\n"));

    let o = rtsec(&[
        "explain",
        "-r",
        &f,
        "--closest",
        "-n",
        "5",
        "--format",
        "json",
        "-R",
        "Terminal shell in container",
        CONTAINER,
    ]);
    let scores: Vec<u64> = stdout(&o)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            assert_eq!(v["fires"], false);
            v["checks_to_fire"].as_u64().unwrap()
        })
        .collect();
    assert_eq!(scores.len(), 5, "5 of the 7 ways");
    assert!(scores.windows(2).all(|w| w[0] <= w[1]), "{scores:?}");
    assert_eq!(&scores[..2], [1, 1]);

    let o = rtsec(&["explain", "-r", &f, "--closest", CONTAINER]);
    assert_eq!(code(&o), 2, "--closest needs --rule: {}", stderr(&o));
}

/// A trace that lost events says so: the event a rule should have fired on may be among them.
#[test]
fn an_incomplete_trace_is_named_as_such() {
    let d = tempdir();
    let t = d.path().join("lossy.rts");
    let losses = rtsec_format::Losses {
        kernel_drops_per_cpu: vec![0, 7],
        ..Default::default()
    };
    synthetic_trace(&t, 2_000, 3, losses);
    let o = rtsec(&["explain", "-e", "5", t.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "is incomplete: the kernel dropped 7 events (cpu1 7); lost events cannot be explained"
        ),
        "{}",
        stderr(&o)
    );
}

/// Several traces or a directory: --hits explains every alert replay gives on all of them,
/// --closest ranks over all of them, --event needs one trace.
#[test]
fn several_traces_are_explained_in_turn() {
    let f = falco();
    let o = rtsec(&[
        "replay",
        "-r",
        &f,
        "--rule-matching",
        "all",
        "-q",
        "testdata/scenarios",
    ]);
    let hits: u64 = stderr(&o)
        .lines()
        .find_map(|l| l.strip_prefix("Hits: "))
        .and_then(|l| l.split_whitespace().next())
        .map(|n| n.replace(',', "").parse().unwrap())
        .unwrap_or_else(|| panic!("{}", stderr(&o)));
    let o = rtsec(&[
        "explain",
        "-r",
        &f,
        "--rule-matching",
        "all",
        "--hits",
        "-n",
        "100000",
        "testdata/scenarios",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(out.matches("): FIRES\n").count() as u64, hits, "{out}");
    for t in scenarios() {
        let rel = t.strip_prefix(root()).unwrap().display().to_string();
        if !rel.contains("network") {
            assert!(out.contains(&format!("== {rel}: event ")), "{rel}");
        }
    }

    let o = rtsec(&[
        "explain",
        "-r",
        &f,
        "--closest",
        "-R",
        "Terminal shell in container",
        "testdata/scenarios",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let head = format!(
        "-- rule \"Terminal shell in container\": fired on 2 events of {} traces;",
        scenarios().len()
    );
    assert!(stdout(&o).starts_with(&head), "{}", stdout(&o));

    let o = rtsec(&["explain", "-e", "5", "testdata/scenarios"]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("--event numbers the events of one trace"),
        "{}",
        stderr(&o)
    );
}

/// A damaged block is skipped with a notice; the events of the other blocks are explained.
#[test]
fn a_damaged_block_is_skipped_and_said() {
    let d = tempdir();
    let t = d.path().join("t.rts");
    synthetic_trace(&t, 20_000, 5, rtsec_format::Losses::default());
    let reader = rtsec_format::TraceReader::open(&t).unwrap();
    let second = reader.footer().unwrap().blocks[1];
    let last = *reader.footer().unwrap().blocks.last().unwrap();
    drop(reader);
    let mut bytes = std::fs::read(&t).unwrap();
    bytes[(second.offset + 100) as usize] ^= 0xff;
    std::fs::write(&t, &bytes).unwrap();
    let t = t.to_str().unwrap();
    let inside = second.first_event_num.to_string();
    let after = last.first_event_num.to_string();
    let o = rtsec(&["explain", "-e", &after, t]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("damaged block skipped: "),
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).contains(&format!(": event {after} at ")));
    let o = rtsec(&["explain", "-e", &inside, t]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("damaged block skipped: "),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains(&format!(
            "events {inside} to {} are in a damaged block, skipped; the events asked for \
             ({inside}) cannot be explained",
            second.first_event_num + second.events as u64 - 1
        )),
        "{}",
        stderr(&o)
    );
}
