//! `rtsec diff --old F --new F TRACE...`: the verdicts of two rule sets compared on the same
//! traces, difference by difference, as replay would give each set's alerts.

mod replay_support;

use std::collections::HashMap;

use replay_support::*;
use rtsec_format::Losses;

/// A change to the bundled rules: one rule disabled, one added, one's priority raised.
const BUNDLED_CHANGE: &str = "\
- rule: Kernel module loaded
  enabled: false
- rule: Shell in container, any
  desc: any exec of a shell in a container
  condition: evt.type = execve and container.id != host and proc.name in (sh, bash, dash)
  output: shell %proc.name in %container.id
  priority: NOTICE
- rule: Package manager run in a container
  priority: CRITICAL
  override:
    priority: replace
";

fn lines(s: &str, prefix: &str) -> Vec<String> {
    s.lines()
        .filter(|l| l.starts_with(prefix))
        .map(str::to_string)
        .collect()
}

#[test]
fn a_rule_set_change_is_shown_alert_by_alert_and_counted_per_rule() {
    let d = tempdir();
    let change = d.path().join("change.yaml");
    std::fs::write(&change, BUNDLED_CHANGE).unwrap();
    let change = change.to_str().unwrap();
    let traces = [
        "testdata/scenarios/container/trace.rts",
        "testdata/scenarios/exec-tricks/trace.rts",
    ];
    let mut args = vec![
        "diff",
        "--old",
        "<bundled>",
        "--new",
        "<bundled>",
        "--new",
        change,
    ];
    args.extend(traces);
    let o = rtsec(&args);
    let (out, err) = (stdout(&o), stderr(&o));
    assert_eq!(code(&o), 4, "the verdicts differ: exit 4\n{err}");
    assert!(
        err.contains("DIFFERENT: 2 removed, 10 added, 1 changed"),
        "{err}"
    );
    assert!(
        err.contains(
            "Rules: 10 enabled in the old set, 10 in the new (1 only in the old, 1 only in the new)"
        ),
        "{err}"
    );
    let row = |rule: &str| {
        err.lines()
            .find(|l| l.ends_with(rule))
            .unwrap_or_else(|| panic!("no line for {rule}:\n{err}"))
            .split_whitespace()
            .take(5)
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(row("Package manager run in a container"), "1 1 0 0 1");
    assert_eq!(
        row("Kernel module loaded (not enabled in the new set)"),
        "2 0 2 0 0"
    );
    assert_eq!(
        row("Shell in container, any (not enabled in the old set)"),
        "0 10 0 10 0"
    );

    let (removed, added) = (lines(&out, "- "), lines(&out, "+ "));
    assert_eq!((removed.len(), added.len()), (3, 11), "{out}");
    assert!(
        removed[1]
            .starts_with("- testdata/scenarios/container/trace.rts:1554 [Kernel module loaded] "),
        "{out}"
    );
    // A changed alert: its old line, then its new one, for the same event.
    let i = out
        .lines()
        .position(|l| l.contains("[Package manager run in a container]"))
        .unwrap();
    let (a, b) = (out.lines().nth(i).unwrap(), out.lines().nth(i + 1).unwrap());
    assert!(
        a.starts_with("- testdata/scenarios/container/trace.rts:684 "),
        "{out}"
    );
    assert!(
        b.starts_with("+ testdata/scenarios/container/trace.rts:684 "),
        "{out}"
    );
    assert!(a.contains(": Error Package manager") && b.contains(": Critical Package manager"));

    // Each alert shown is the one replay gives with that rule set.
    let replay_lines = |rules: &[&str]| {
        let mut args = vec!["replay"];
        for r in rules {
            args.extend(["--rules", r]);
        }
        args.extend(traces);
        stdout(&rtsec(&args))
    };
    let (old_alerts, new_alerts) = (
        replay_lines(&["<bundled>"]),
        replay_lines(&["<bundled>", change]),
    );
    let alert = |l: &str| l.split_once("] ").unwrap().1.to_string();
    for l in &removed {
        assert!(old_alerts.lines().any(|a| a == alert(l)), "{l}");
        assert!(!new_alerts.lines().any(|a| a == alert(l)), "{l}");
    }
    for l in &added {
        assert!(new_alerts.lines().any(|a| a == alert(l)), "{l}");
    }
}

#[test]
fn the_same_rule_set_gives_the_same_verdicts() {
    let falco = falco_rules();
    let falco = falco.to_str().unwrap();
    let traces: Vec<String> = scenarios()
        .iter()
        .map(|p| p.to_str().unwrap().to_string())
        .collect();
    let mut args = vec!["diff", "--old", falco, "--new", falco];
    args.extend(traces.iter().map(String::as_str));
    let o = rtsec(&args);
    let err = stderr(&o);
    assert_eq!(code(&o), 0, "{err}");
    assert_eq!(stdout(&o), "");
    assert!(err.contains("Same verdicts"), "{err}");
    assert!(
        err.contains(&format!("{} traces judged", traces.len())),
        "{err}"
    );
}

/// Multiset of lines.
fn bag<'a>(lines: impl Iterator<Item = &'a str>) -> HashMap<&'a str, i64> {
    let mut m = HashMap::new();
    for l in lines {
        *m.entry(l).or_insert(0) += 1;
    }
    m
}

#[test]
fn differences_are_the_same_for_every_job_count_and_match_replay_in_json() {
    let d = tempdir();
    let trace = d.path().join("synth.rts");
    synthetic_trace(&trace, 150_000, 7, Losses::default());
    let trace = trace.to_str().unwrap();
    let falco = falco_rules();
    let falco = falco.to_str().unwrap();
    // Old: Falco's rules and a rule of our own; new: Falco's rules with one rule disabled,
    // one's output changed, and another rule of our own.
    let (old_extra, new_extra) = (d.path().join("old.yaml"), d.path().join("new.yaml"));
    std::fs::write(
        &old_extra,
        "- rule: Opens below /etc\n  desc: t\n  condition: evt.type in (open, openat) and \
         fd.name startswith /etc/\n  output: open of %fd.name by %proc.name\n  priority: INFO\n",
    )
    .unwrap();
    std::fs::write(
        &new_extra,
        "- rule: Run shell untrusted\n  enabled: false\n\
         - rule: PTRACE attached to process\n  output: ptrace by %proc.name (pid %proc.pid)\n  \
         override:\n    output: replace\n\
         - rule: Opens below /home\n  desc: t\n  condition: evt.type in (open, openat) and \
         fd.name startswith /home/\n  output: open of %fd.name by %proc.name\n  priority: INFO\n",
    )
    .unwrap();
    let (old_extra, new_extra) = (old_extra.to_str().unwrap(), new_extra.to_str().unwrap());
    let run = |format: &str, jobs: &str| {
        let o = rtsec(&[
            "diff", "--format", format, "-j", jobs, "--old", falco, "--old", old_extra, "--new",
            falco, "--new", new_extra, trace,
        ]);
        assert_eq!(code(&o), 4, "{}", stderr(&o));
        (stdout(&o), stderr(&o))
    };
    let (text, err) = run("text", "2");
    assert!(
        text.lines().count() > 100,
        "too few differences to test: {err}"
    );
    for jobs in ["1", "8"] {
        assert!(
            run("text", jobs).0 == text,
            "text at -j {jobs} differs from -j 2"
        );
    }
    let (json, _) = run("json", "2");
    for jobs in ["1", "8"] {
        assert!(
            run("json", jobs).0 == json,
            "JSON at -j {jobs} differs from -j 2"
        );
    }
    // And with the explanations of every difference.
    let why = |format: &str, jobs: &str| {
        let o = rtsec(&[
            "diff", "--why", "--format", format, "-j", jobs, "--old", falco, "--old", old_extra,
            "--new", falco, "--new", new_extra, trace,
        ]);
        assert_eq!(code(&o), 4, "{}", stderr(&o));
        stdout(&o)
    };
    for format in ["text", "json"] {
        let at2 = why(format, "2");
        assert!(
            at2.contains("why not in the") || at2.contains("\"why_not\":{"),
            "{format}"
        );
        assert_eq!(why(format, "1"), at2, "--why {format} at -j 1");
        assert_eq!(why(format, "8"), at2, "--why {format} at -j 8");
    }

    // The JSON's alerts are replay's alerts, and what one set has that the other has not.
    let replay = |rules: &[&str]| {
        let mut args = vec!["replay", "--format", "json", trace];
        for r in rules {
            args.extend(["--rules", r]);
        }
        let o = rtsec(&args);
        assert!(code(&o) == 0, "{}", stderr(&o));
        stdout(&o)
    };
    let (old_alerts, new_alerts) = (replay(&[falco, old_extra]), replay(&[falco, new_extra]));
    let (old_bag, new_bag) = (bag(old_alerts.lines()), bag(new_alerts.lines()));
    let only = |a: &HashMap<&str, i64>, b: &HashMap<&str, i64>| {
        let mut v: Vec<String> = Vec::new();
        for (l, n) in a {
            for _ in 0..(n - b.get(l).copied().unwrap_or(0)).max(0) {
                v.push(l.to_string());
            }
        }
        v.sort();
        v
    };
    let (mut gone, mut came, mut kinds) = (Vec::new(), Vec::new(), HashMap::new());
    let mut text_lines = text.lines();
    for l in json.lines() {
        let v: serde_json::Value = serde_json::from_str(l).expect(l);
        let change = v["change"].as_str().unwrap().to_string();
        *kinds.entry(change.clone()).or_insert(0) += 1;
        assert_eq!(v["trace"], trace);
        let num = v["evt_num"].as_u64().unwrap();
        for (side, sign) in [("old", "- "), ("new", "+ ")] {
            if v[side].is_null() {
                continue;
            }
            assert_eq!(v[side]["rule"], v["rule"], "{l}");
            // The text line of the same difference names the same event and rule.
            let t = text_lines.next().unwrap();
            let want = format!("{sign}{trace}:{num} [{}] ", v["rule"].as_str().unwrap());
            assert!(t.starts_with(&want), "{t}\n{l}");
            let alert = serde_json::to_string(&v[side]).unwrap();
            if side == "old" {
                gone.push(alert);
            } else {
                came.push(alert);
            }
        }
        if change == "changed" {
            assert_ne!(v["old"]["output"], v["new"]["output"], "{l}");
        }
    }
    assert!(text_lines.next().is_none());
    for k in ["removed", "added", "changed"] {
        assert!(
            kinds.get(k).copied().unwrap_or(0) > 0,
            "no {k} difference: {kinds:?}"
        );
    }
    gone.sort();
    came.sort();
    assert_eq!(
        gone,
        only(&old_bag, &new_bag),
        "old alerts shown != replay old - replay new"
    );
    assert_eq!(
        came,
        only(&new_bag, &old_bag),
        "new alerts shown != replay new - replay old"
    );
}

#[test]
fn bad_inputs_and_rules_are_named_and_the_rest_is_judged() {
    let o = rtsec(&[
        "diff",
        "--old",
        "<bundled>",
        "--new",
        "<bundled>",
        "testdata/no-such-trace.rts",
        "testdata/scenarios/demo/trace.rts",
    ]);
    let err = stderr(&o);
    assert_eq!(code(&o), 1, "{err}");
    assert!(
        err.contains("testdata/no-such-trace.rts: NOT JUDGED"),
        "{err}"
    );
    assert!(
        err.contains("testdata/scenarios/demo/trace.rts: 1,291 events, complete"),
        "{err}"
    );
    let o = rtsec(&[
        "diff",
        "--old",
        "<bundled>",
        "--new",
        "testdata/no-such-rules.yaml",
        "testdata/scenarios/demo/trace.rts",
    ]);
    let err = stderr(&o);
    assert_eq!(code(&o), 1, "{err}");
    assert!(err.contains("the new rule set (--new)"), "{err}");
    assert!(err.contains("no-such-rules.yaml"), "{err}");
}

#[test]
fn two_falco_configurations_are_compared_as_falco_would_run_them() {
    let d = tempdir();
    let falco = falco_rules();
    let write = |name: &str, extra: &str| {
        let p = d.path().join(name);
        std::fs::write(
            &p,
            format!("rules_files:\n  - {}\n{extra}", falco.display()),
        )
        .unwrap();
        p
    };
    let old = write("old.yaml", "priority: notice\n");
    // The new deployment turns off the PTRACE rules and raises the minimum priority.
    let new = write(
        "new.yaml",
        "priority: warning\nrules:\n  - disable:\n      rule: \"PTRACE*\"\n",
    );
    let traces: Vec<String> = scenarios()
        .iter()
        .map(|p| p.to_str().unwrap().to_string())
        .collect();
    let mut args = vec![
        "diff",
        "--old-config",
        old.to_str().unwrap(),
        "--new-config",
        new.to_str().unwrap(),
    ];
    args.extend(traces.iter().map(String::as_str));
    let o = rtsec(&args);
    let (out, err) = (stdout(&o), stderr(&o));
    assert_eq!(code(&o), 4, "{err}");
    // Notice rules and both PTRACE rules are gone; nothing is added or changed.
    for (rule, old_hits) in [
        ("PTRACE attached to process", 3),
        ("PTRACE anti-debug attempt", 2),
        ("Terminal shell in container", 2),
        ("Run shell untrusted", 1),
    ] {
        let row = err
            .lines()
            .find(|l| l.contains(&format!("  {rule} (not enabled in the new set)")))
            .unwrap_or_else(|| panic!("{rule}:\n{err}"));
        let counts: Vec<&str> = row.split_whitespace().take(5).collect();
        assert_eq!(
            counts,
            [&old_hits.to_string(), "0", &old_hits.to_string(), "0", "0"],
            "{row}"
        );
    }
    assert!(err.contains(" 0 added, 0 changed"), "{err}");
    assert!(lines(&out, "+ ").is_empty(), "{out}");
    assert!(!lines(&out, "- ").is_empty(), "{out}");
    // The command line's selection wins over both configurations.
    args.extend(["--min-priority", "warning"]);
    let o = rtsec(&args);
    let err = stderr(&o);
    assert!(!err.contains("Terminal shell in container"), "{err}");
    assert!(err.contains("PTRACE attached to process"), "{err}");

    // One falco.yaml on both sides, with `-o`-style options on one: what that setting changes.
    let mut args = vec![
        "diff",
        "--old-config",
        old.to_str().unwrap(),
        "--new-config",
        old.to_str().unwrap(),
        "--new-option",
        "rules[]={disable: {rule: 'PTRACE anti-debug attempt'}}",
    ];
    args.extend(traces.iter().map(String::as_str));
    let o = rtsec(&args);
    let err = stderr(&o);
    assert_eq!(code(&o), 4, "{err}");
    assert!(
        err.contains("  PTRACE anti-debug attempt (not enabled in the new set)"),
        "{err}"
    );
    assert!(!err.contains("PTRACE attached to process"), "{err}");
    // The same option on the old side: the rule is now only in the new set.
    let mut args = vec![
        "diff",
        "--old-config",
        old.to_str().unwrap(),
        "--old-option",
        "rules[]={disable: {rule: 'PTRACE anti-debug attempt'}}",
        "--new-config",
        old.to_str().unwrap(),
    ];
    args.extend(traces.iter().map(String::as_str));
    let o = rtsec(&args);
    let err = stderr(&o);
    assert_eq!(code(&o), 4, "{err}");
    assert!(
        err.contains("  PTRACE anti-debug attempt (not enabled in the old set)"),
        "{err}"
    );
    let o = rtsec(&[
        "diff",
        "--old",
        "x.yaml",
        "--new",
        "y.yaml",
        "--new-option",
        "a=b",
        "t.rts",
    ]);
    // --new-option alone applies over Falco's defaults (see replay_falco_config.rs): it is
    // taken, and what fails is the missing rules file.
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("x.yaml: No such file or directory"),
        "{}",
        stderr(&o)
    );
}

/// `--why`: under each alert only one set gives, why the other set's rule of that name does
/// not fire there (an exception added, a rule disabled), or that it has none.
#[test]
fn why_says_what_keeps_the_other_set_from_firing() {
    let d = tempdir();
    let change = d.path().join("change.yaml");
    std::fs::write(
        &change,
        "\
- rule: Sensitive file read
  exceptions:
    - name: cat_is_fine
      fields: [proc.name]
      values: [[cat]]
  override:
    exceptions: append
- rule: Kernel module loaded
  enabled: false
- rule: Kernel module, any
  desc: d
  condition: evt.type in (init_module, finit_module)
  output: module %proc.name
  priority: WARNING
",
    )
    .unwrap();
    let change = change.to_str().unwrap();
    let traces = [
        "testdata/scenarios/credentials/trace.rts",
        "testdata/scenarios/container/trace.rts",
    ];
    let mut args = vec![
        "diff",
        "--why",
        "--old",
        "<bundled>",
        "--new",
        "<bundled>",
        "--new",
        change,
    ];
    args.extend(traces);
    let o = rtsec(&args);
    assert_eq!(code(&o), 4, "{}", stderr(&o));
    let out = stdout(&o);
    for part in [
        "[Sensitive file read] ",
        "\n    why not in the new set:\n    -- rule \"Sensitive file read\" (<bundled>:167, \
         Warning): does not fire\n      ✗ and\n        ✗ not exception cat_is_fine: proc.name = \
         cat    [proc.name: cat]\n        … 1 more that hold, not shown\n",
        "\n    why not in the new set:\n    -- rule \"Kernel module loaded\" (<bundled>:276, \
         Warning): not run: it is disabled (enabled: false); its condition holds\n",
        "\n+ testdata/scenarios/container/trace.rts:1554 [Kernel module, any] ",
        "\n    why not in the old set: it has no rule of that name\n",
    ] {
        assert!(out.contains(part), "{part:?} in\n{out}");
    }
    // Without --why, the same differences and nothing else.
    let o2 = rtsec(
        &args
            .iter()
            .copied()
            .filter(|a| *a != "--why")
            .collect::<Vec<_>>(),
    );
    let stripped: String = out
        .lines()
        .filter(|l| l.starts_with("- ") || l.starts_with("+ "))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(stdout(&o2), stripped);

    let mut json_args = args.clone();
    json_args.extend(["--format", "json"]);
    let o = rtsec(&json_args);
    let objs: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(objs.len(), 3, "{}", stdout(&o));
    let sensitive = objs
        .iter()
        .find(|o| o["rule"] == "Sensitive file read")
        .unwrap();
    assert_eq!(sensitive["why_not"]["set"], "new");
    assert_eq!(sensitive["why_not"]["verdict"]["condition_holds"], false);
    assert_eq!(sensitive["why_not"]["verdict"]["fires"], false);
    let kernel = objs
        .iter()
        .find(|o| o["rule"] == "Kernel module loaded")
        .unwrap();
    assert_eq!(kernel["why_not"]["verdict"]["enabled"], false);
    assert_eq!(kernel["why_not"]["verdict"]["condition_holds"], true);
    let any = objs
        .iter()
        .find(|o| o["rule"] == "Kernel module, any")
        .unwrap();
    assert_eq!(any["why_not"]["set"], "old");
    assert!(any["why_not"]["verdict"].is_null());
}

#[test]
fn ctrl_c_ends_a_comparison_with_the_counts_so_far() {
    use std::io::Read;
    use std::process::{Command, Stdio};

    let d = tempdir();
    let trace = d.path().join("big.rts");
    // Long enough for this (debug) build to be caught while comparing.
    synthetic_trace(&trace, 600_000, 7, Losses::default());
    let extra = d.path().join("extra.yaml");
    std::fs::write(
        &extra,
        "- rule: Opens below /etc\n  desc: t\n  condition: evt.type in (open, openat) and \
         fd.name startswith /etc/\n  output: open of %fd.name by %proc.name\n  priority: INFO\n",
    )
    .unwrap();
    let falco = falco_rules();
    let mut child = Command::new(RTSEC)
        .arg("diff")
        .args(["--old".as_ref(), falco.as_os_str(), "--old".as_ref()])
        .arg(&extra)
        .args(["--new".as_ref(), falco.as_os_str()])
        .arg(&trace)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    // The first differences are out: the comparison, and its Ctrl-C handler, have begun.
    let mut out = vec![0; 1];
    stdout.read_exact(&mut out).unwrap();
    // SAFETY: kill(2) of our child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    stdout.read_to_end(&mut out).unwrap();
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(code(&o), 130, "{err}");
    assert!(
        err.contains("INTERRUPTED: stopped after ") && err.contains("INTERRUPTED before its end"),
        "{err}"
    );
    // What was printed is whole lines, each counted.
    let out = String::from_utf8(out).unwrap();
    assert!(
        out.ends_with('\n'),
        "a line cut short: {:?}",
        &out[out.len().saturating_sub(200)..]
    );
    let removed = out.lines().filter(|l| l.starts_with("- ")).count();
    assert!(removed > 0 && removed == out.lines().count(), "{out}");
    let total = err
        .lines()
        .find_map(|l| l.strip_prefix("DIFFERENT: "))
        .unwrap_or_else(|| panic!("no DIFFERENT line: {err}"));
    assert_eq!(
        total,
        format!(
            "{} removed, 0 added, 0 changed",
            rtsec_replay::summary::group(removed as u64)
        ),
        "{err}"
    );
}
