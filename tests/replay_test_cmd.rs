//! `rtsec test`: a passing case, a failing case (the diff is checked), a case whose trace is
//! missing, a malformed case, JUnit XML, and `--update` (golden files).

mod replay_support;

use std::path::Path;

use replay_support::*;

/// A case directory with the credentials recording copied next to the cases (traces are
/// relative to the case file).
fn setup() -> tempfile::TempDir {
    let dir = tempdir();
    std::fs::create_dir_all(dir.path().join("traces")).unwrap();
    std::fs::copy(
        scenario("credentials"),
        dir.path().join("traces/credentials.rts"),
    )
    .unwrap();
    dir
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

const PASSING: &str = r#"
traces: [../traces/credentials.rts]
expect:
  counts:
    "Sensitive file read": 1
  hits:
    - rule: "Sensitive file read"
      fields: {proc.name: cat, fd.name: /etc/shadow}
  no_other_hits: true
"#;

#[test]
fn a_passing_case_passes_and_exits_0() {
    let dir = setup();
    let case = write(dir.path(), "cases/pass.case.yaml", PASSING);
    let o = rtsec(&["test", &case]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("PASS "), "{out}");
    assert!(
        out.contains("1 case: 1 passed, 0 failed, 0 could not run"),
        "{out}"
    );
}

/// A trace named twice in a case is judged once, as `rtsec replay` judges it: its hits would
/// count twice. A case named twice (by itself and in its directory) runs once.
#[test]
fn what_is_named_twice_is_judged_once() {
    let dir = setup();
    let twice = PASSING.replace(
        "traces: [../traces/credentials.rts]",
        "traces: [../traces/credentials.rts, ../traces/./credentials.rts]",
    );
    write(dir.path(), "cases/pass.case.yaml", &twice);
    // The case by another name of the same file, then in its directory.
    let case = dir.path().join("cases/../cases/pass.case.yaml");
    let cases = dir.path().join("cases");
    let o = rtsec(&["test", case.to_str().unwrap(), cases.to_str().unwrap()]);
    let out = stdout(&o) + &stderr(&o);
    assert_eq!(code(&o), 0, "{out}");
    assert!(out.contains("1 case: 1 passed"), "{out}");
    assert!(
        out.contains("trace ../traces/./credentials.rts is named twice: judged once"),
        "{out}"
    );
    assert!(out.contains(" again: run once"), "{out}");
}

#[test]
fn a_failing_case_prints_a_readable_diff_and_exits_1() {
    let dir = setup();
    // Falco's stable rules: expects a count that is wrong, a hit that is not there, and leaves
    // out rules that fire (no_other_hits).
    let case = write(
        dir.path(),
        "cases/fail.case.yaml",
        &format!(
            r#"
traces: [../traces/credentials.rts]
rules: [{}]
expect:
  counts:
    "Read sensitive file untrusted": 2
    "Find AWS Credentials": 1
    "Read sensitive file untrustd": 0
  hits:
    - rule: "Read sensitive file untrusted"
      fields: {{proc.name: dog}}
  no_other_hits: true
"#,
            falco_rules().display()
        ),
    );
    let o = rtsec(&["test", &case]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    // The table: the wrong count flagged, the right one not, unexpected rules listed.
    for row in [
        "! Read sensitive file untrusted 2 1",
        "Find AWS Credentials 1 1",
        "! Create Symlink Over Sensitive Files - 1 (not expected: no_other_hits)",
        "! Search Private Keys or Passwords - 2 (not expected: no_other_hits)",
        "! Read sensitive file untrustd 0 0 (no such rule in the loaded rules files: a typo?)",
    ] {
        assert!(has_row(&out, row), "missing row {row:?} in:\n{out}");
    }
    let want = [
        "FAIL ",
        "2 rule counts differ, 1 expected hit not found, 5 unexpected hits",
        // The hit behind the wrong count, with its alert line.
        "hits of \"Read sensitive file untrusted\":\n        ../traces/credentials.rts event ",
        "Warning Sensitive file opened for reading by non-trusted program | file=/etc/shadow",
        // The expected hit that is missing, with the closest actual one.
        "expected hit not found (line 10): rule \"Read sensitive file untrusted\", proc.name=\"dog\"",
        "closest: ../traces/credentials.rts event ",
        "proc.name=\"cat\" (expected \"dog\")",
        "unexpected hits (5; no_other_hits is set):",
        "+ ../traces/credentials.rts event ",
        "Warning Grep private keys or passwords activities found",
        "1 case: 0 passed, 1 failed, 0 could not run",
    ];
    for w in want {
        assert!(out.contains(w), "missing {w:?} in:\n{out}");
    }
}

/// A line of `out` with the same words as `row` (column widths vary with rule names).
fn has_row(out: &str, row: &str) -> bool {
    let want: Vec<&str> = row.split_whitespace().collect();
    out.lines()
        .any(|l| l.split_whitespace().collect::<Vec<_>>() == want)
}

#[test]
fn a_missing_trace_is_an_error_naming_it() {
    let dir = setup();
    let case = write(
        dir.path(),
        "cases/missing.case.yaml",
        "traces: [../traces/not-recorded-yet.rts]\nexpect:\n  no_other_hits: true\n",
    );
    let o = rtsec(&["test", &case]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("ERROR "), "{out}");
    assert!(
        out.contains("trace ../traces/not-recorded-yet.rts not found (looked for ")
            && out.contains("traces/not-recorded-yet.rts)"),
        "{out}"
    );
    assert!(out.contains("0 passed, 0 failed, 1 could not run"), "{out}");
}

/// A directory in `traces` stands for the traces in it, as `rtsec replay DIR` takes them (it
/// was "trace ..: is a directory"): their hits are counted together and an expected hit names
/// one of them by the directory and its name inside. A directory without traces is an error
/// that says so.
#[test]
fn a_directory_of_traces_is_judged_as_its_traces() {
    let dir = setup();
    std::fs::create_dir_all(dir.path().join("traces/more")).unwrap();
    std::fs::copy(
        scenario("credentials"),
        dir.path().join("traces/more/again.rts"),
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("empty")).unwrap();
    let case = write(
        dir.path(),
        "cases/dir.case.yaml",
        "traces: [../traces]\nexpect:\n  counts:\n    \"Sensitive file read\": 2\n  hits:\n    \
         - rule: \"Sensitive file read\"\n      trace: ../traces/more/again.rts\n",
    );
    let o = rtsec(&["test", &case]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let case = write(
        dir.path(),
        "cases/empty.case.yaml",
        "traces: [../empty]\nexpect:\n  no_other_hits: true\n",
    );
    let o = rtsec(&["test", &case]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("trace ../empty: the directory ")
            && stdout(&o).contains("holds no .rts traces or .scap captures"),
        "{}",
        stdout(&o)
    );
}

/// A case that expects nothing would pass whatever the rules do: it cannot run, and the
/// message says how to give it expectations. `--update` records them.
#[test]
fn a_case_that_expects_nothing_cannot_pass() {
    let dir = setup();
    for (i, expect) in ["", "expect:\n", "expect:\n  counts: {}\n  hits: []\n"]
        .iter()
        .enumerate()
    {
        let case = write(
            dir.path(),
            &format!("cases/nothing{i}.case.yaml"),
            &format!("traces: [../traces/credentials.rts]\n{expect}"),
        );
        let o = rtsec(&["test", &case]);
        assert_eq!(code(&o), 1, "{expect:?}: {}{}", stdout(&o), stderr(&o));
        let out = stdout(&o);
        assert!(out.starts_with("ERROR "), "{expect:?}: {out}");
        assert!(
            out.contains("the case expects nothing, so it passes whatever the rules do")
                && out.contains(&format!("rtsec test --update {case}")),
            "{expect:?}: {out}"
        );
        let o = rtsec(&["test", "--update", &case]);
        assert_eq!(code(&o), 0, "{expect:?}: {}{}", stdout(&o), stderr(&o));
        let text = std::fs::read_to_string(&case).unwrap();
        assert!(
            text.contains("\"Sensitive file read\": 1"),
            "{expect:?}: {text}"
        );
    }
}

#[test]
fn a_malformed_case_names_file_line_and_key() {
    let dir = setup();
    let case = write(
        dir.path(),
        "cases/bad.case.yaml",
        "traces: [../traces/credentials.rts]\nexpect:\n  count:\n    x: 1\n",
    );
    let o = rtsec(&["test", &case]);
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    assert!(out.contains("bad.case.yaml:3:"), "{out}");
    assert!(out.contains("count"), "{out}");
}

#[test]
fn directories_run_every_case_in_parallel_and_junit_reports_them() {
    let dir = setup();
    write(
        dir.path(),
        "cases/a/pass.case.yaml",
        &PASSING.replace("../traces", "../../traces"),
    );
    write(
        dir.path(),
        "cases/b/fail.case.yaml",
        "traces: [../../traces/credentials.rts]\nexpect:\n  counts:\n    \"Sensitive file read\": 0\n",
    );
    write(
        dir.path(),
        "cases/c/missing.case.yaml",
        "traces: [nowhere.rts]\n",
    );
    // Not a case file: ignored in directories; one that looks like a case gets a note.
    write(dir.path(), "cases/rules.yaml", "- list: x\n  items: []\n");
    write(dir.path(), "cases/d/misnamed.yaml", "traces: [x.rts]\n");
    let junit = dir.path().join("report.xml");
    let cases = dir.path().join("cases");
    let o = rtsec(&[
        "test",
        "-j",
        "3",
        "--junit",
        junit.to_str().unwrap(),
        cases.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("misnamed.yaml: has `traces:` but is not named *.case.yaml"),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains("rules.yaml"), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("3 cases: 1 passed, 1 failed, 1 could not run"),
        "{out}"
    );
    // Results in path order whatever finished first.
    let a = out.find("a/pass.case.yaml").unwrap();
    let b = out.find("b/fail.case.yaml").unwrap();
    let c = out.find("c/missing.case.yaml").unwrap();
    assert!(a < b && b < c, "{out}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("tests=\"3\" failures=\"1\" errors=\"1\""),
        "{xml}"
    );
    assert!(xml.contains("name=\"fail.case.yaml\""), "{xml}");
    assert!(
        xml.contains("<failure message=\"1 rule count differs\">"),
        "{xml}"
    );
    assert!(
        xml.contains("<error message=\"trace nowhere.rts not found"),
        "{xml}"
    );
    assert_eq!(xml.matches("<testcase ").count(), 3, "{xml}");
}

#[test]
fn update_rewrites_the_expectations_and_keeps_the_rest() {
    let dir = setup();
    let text = format!(
        "# Falco on the credentials recording.\ntraces: [../traces/credentials.rts]\nrules: [{}]\nexpect:\n  counts:\n    \"Read sensitive file untrusted\": 5\n    \"Clear Log Activities\": 0\n  hits:\n    - rule: \"Find AWS Credentials\"\n      fields: {{proc.name: grep}}\n    - rule: \"Find AWS Credentials\"\n      fields: {{proc.name: nope}}\n  no_other_hits: true\n",
        falco_rules().display()
    );
    let case = write(dir.path(), "cases/golden.case.yaml", &text);
    assert_eq!(code(&rtsec(&["test", &case])), 1);
    let o = rtsec(&["test", "--update", &case]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let out = stdout(&o);
    assert!(out.starts_with("UPDATED "), "{out}");
    assert!(
        out.contains("dropped the expected hit of line 11 (rule \"Find AWS Credentials\")"),
        "{out}"
    );
    let new = std::fs::read_to_string(&case).unwrap();
    assert!(
        new.starts_with("# Falco on the credentials recording.\n"),
        "{new}"
    );
    for line in [
        "    \"Directory traversal monitored file read\": 1\n",
        "    \"Read sensitive file untrusted\": 1\n",
        "    \"Search Private Keys or Passwords\": 2\n",
        "    \"Clear Log Activities\": 0\n",
        "    - rule: \"Find AWS Credentials\"\n      fields:\n        \"proc.name\": \"grep\"\n",
        "  no_other_hits: true\n",
    ] {
        assert!(new.contains(line), "missing {line:?} in:\n{new}");
    }
    assert!(!new.contains("nope"), "{new}");
    // Now it passes, and a second update changes nothing.
    let o = rtsec(&["test", &case]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let o = rtsec(&["test", "--update", &case]);
    assert!(stdout(&o).starts_with("PASS "), "{}", stdout(&o));
    assert_eq!(std::fs::read_to_string(&case).unwrap(), new);
}

#[test]
fn a_case_can_judge_with_a_falco_yaml() {
    let dir = setup();
    // Falco's stable rules with all but one rule turned off by the configuration's `rules:`
    // commands; its priority and a left-out rules directory; its `append_output` (an extra
    // field the expected hits name); the case's own `rules` wins.
    write(
        dir.path(),
        "cases/falco.yaml",
        &format!(
            "rules_files:\n  - {}\n  - /nonexistent/rules.d\npriority: warning\n\
             rules:\n  - disable:\n      rule: \"*\"\n  - enable:\n      rule: \"Search Private*\"\n\
             append_output:\n  - suggested_output: true\n  - extra_fields:\n      \
             - marker: \"m-%proc.name\"\n",
            falco_rules().display()
        ),
    );
    let case = write(
        dir.path(),
        "cases/config.case.yaml",
        "traces: [../traces/credentials.rts]\nfalco_config: falco.yaml\nexpect:\n  counts:\n    \
         \"Search Private Keys or Passwords\": 2\n  \
         hits:\n    - rule: Search Private Keys or Passwords\n      fields: {marker: m-grep}\n    \
         - rule: Search Private Keys or Passwords\n      fields: {marker: m-find}\n  \
         no_other_hits: true\n",
    );
    let o = rtsec(&["test", &case]);
    let out = stdout(&o);
    assert_eq!(code(&o), 0, "{out}{}", stderr(&o));
    assert!(out.starts_with("PASS "), "{out}");
    assert!(
        out.contains("note: rules_files entry /nonexistent/rules.d does not exist"),
        "{out}"
    );
    // `falco_options` set settings of the falco.yaml, as `falco -o`: here the marker
    // changes, so the same expectations fail.
    let case = write(
        dir.path(),
        "cases/options.case.yaml",
        "traces: [../traces/credentials.rts]\nfalco_config: falco.yaml\n\
         falco_options: ['append_output[1]={extra_fields: [{marker: \"o-%proc.name\"}]}']\n\
         expect:\n  hits:\n    - rule: Search Private Keys or Passwords\n      \
         fields: {marker: o-grep}\n",
    );
    let o = rtsec(&["test", &case]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    // Without a falco_config, over Falco's defaults (as `rtsec replay -o` alone).
    let case = write(
        dir.path(),
        "cases/options2.case.yaml",
        &format!(
            "traces: [../traces/credentials.rts]\nrules: [{}]\n\
             falco_options: ['rules[].disable.rule=Search Private Keys or Passwords']\n\
             expect:\n  counts:\n    \"Search Private Keys or Passwords\": 0\n    \
             \"Find AWS Credentials\": 1\n",
            falco_rules().display()
        ),
    );
    let o = rtsec(&["test", &case]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let case = write(
        dir.path(),
        "cases/options3.case.yaml",
        "traces: [../traces/credentials.rts]\nfalco_options: [json_output=maybe]\n",
    );
    let o = rtsec(&["test", &case]);
    let out = stdout(&o);
    assert_eq!(code(&o), 1, "{out}");
    assert!(
        out.contains("options3.case.yaml:2:17: falco_options: -o json_output=maybe: `json_output`: expected true or false"),
        "{out}"
    );

    // A configuration that does not load: the case cannot run, and says where.
    write(dir.path(), "cases/bad.yaml", "rule_matching: sometimes\n");
    let case = write(
        dir.path(),
        "cases/bad.case.yaml",
        "traces: [../traces/credentials.rts]\nfalco_config: bad.yaml\n",
    );
    let o = rtsec(&["test", &case]);
    let out = stdout(&o);
    assert_eq!(code(&o), 1, "{out}");
    assert!(
        out.contains("bad.case.yaml:2:15: falco_config: ")
            && out.contains("bad.yaml: `rule_matching`: expected `first` or `all`"),
        "{out}"
    );
}

#[test]
fn a_case_can_judge_a_time_window_only() {
    let dir = setup();
    // The credentials recording's one hit is at 20:07:57.463648304.
    let case = |window: &str, count: u64| {
        format!(
            "traces: [../traces/credentials.rts]\n{window}\nexpect:\n  counts:\n    \
             \"Sensitive file read\": {count}\n  no_other_hits: true\n"
        )
    };
    let before = write(
        dir.path(),
        "cases/before.case.yaml",
        &case("until: 2026-11-29T20:07:57.463648303Z", 0),
    );
    let on = write(
        dir.path(),
        "cases/on.case.yaml",
        &case(
            "since: 2026-11-29T20:07:57.463648304Z\nuntil: '@1795982877.463648304'",
            1,
        ),
    );
    let after = write(
        dir.path(),
        "cases/after.case.yaml",
        &case("since: +12ms", 0),
    );
    let o = rtsec(&["test", &before, &on, &after]);
    let out = stdout(&o);
    assert_eq!(code(&o), 0, "{out}{}", stderr(&o));
    assert!(out.contains("3 cases: 3 passed"), "{out}");
    // A bad time is an error at its line.
    let bad = write(
        dir.path(),
        "cases/bad.case.yaml",
        &case("since: last tuesday", 0),
    );
    let o = rtsec(&["test", &bad]);
    let out = stdout(&o) + &stderr(&o);
    assert_ne!(code(&o), 0, "{out}");
    assert!(out.contains("bad.case.yaml:2:8"), "{out}");
    assert!(out.contains("since: `last tuesday` is not a time"), "{out}");
    // A window that ends before it starts holds no event: its counts of 0 cannot fail.
    let inverted = write(
        dir.path(),
        "cases/inverted.case.yaml",
        &case("since: +12ms\nuntil: +5ms", 0),
    );
    let o = rtsec(&["test", &inverted]);
    let out = stdout(&o) + &stderr(&o);
    assert_eq!(code(&o), 1, "{out}");
    assert!(
        out.contains("ERROR") && out.contains("inverted.case.yaml:2:8"),
        "{out}"
    );
    assert!(
        out.contains("since `+12ms` is after until `+5ms`: no event can be in that window"),
        "{out}"
    );
}

#[test]
fn coverage_counts_what_passing_cases_expect_of_each_rule() {
    let dir = setup();
    // Positive for "Sensitive file read", negative for every other bundled rule.
    write(dir.path(), "cases/pass.case.yaml", PASSING);
    // Expects a count of 0: negative for "Kernel module loaded" only.
    write(
        dir.path(),
        "cases/quiet.case.yaml",
        "traces: [../traces/credentials.rts]\nexpect:\n  counts:\n    \"Kernel module loaded\": 0\n",
    );
    // Fails: says nothing about any rule.
    write(
        dir.path(),
        "cases/fail.case.yaml",
        "traces: [../traces/credentials.rts]\nexpect:\n  counts:\n    \"Shell started in a container\": 3\n",
    );
    let o = rtsec(&[
        "test",
        "--coverage",
        dir.path().join("cases").to_str().unwrap(),
    ]);
    let out = stdout(&o);
    assert_eq!(code(&o), 1, "the failing case fails the run: {out}");
    let row = |rule: &str| -> Vec<String> {
        out.lines()
            .find(|l| l.ends_with(rule) || l.contains(&format!("{rule}  <-")))
            .unwrap_or_else(|| panic!("{rule}: {out}"))
            .split_whitespace()
            .take(4)
            .map(str::to_string)
            .collect()
    };
    // cases, fired, positive, negative
    assert_eq!(row("Sensitive file read"), ["3", "3", "1", "0"]);
    assert_eq!(row("Kernel module loaded"), ["3", "0", "0", "2"]);
    assert_eq!(row("Shell started in a container"), ["3", "0", "0", "1"]);
    assert!(out.contains("Coverage: 0 of 10 rules"), "{out}");
}

/// An expected hit that names an event and does not happen is explained on that event: the
/// report shows the part of the rule that failed and what the event held there.
#[test]
fn a_missing_hit_on_a_named_event_is_explained() {
    let dir = tempdir();
    let trace = scenario("container");
    let case = write(
        dir.path(),
        "why.case.yaml",
        &format!(
            r#"traces: [{}]
rules: [{}]
expect:
  hits:
    - rule: "Terminal shell in container"
      event: 1044
    - rule: "Terminal shell in container"
      event: 927
"#,
            trace.display(),
            falco_rules().display()
        ),
    );
    let o = rtsec(&["test", &case]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    let out = stdout(&o);
    let want = format!(
        "    why not (line 5), as `rtsec explain` shows it, at {} event 1044:
        -- rule \"Terminal shell in container\" ({}:713, Notice): does not fire
          ✗ and
            ✗ proc.tty != 0    [proc.tty: 0]
            … 5 more that hold, not shown
",
        trace.display(),
        falco_rules().display()
    );
    assert!(out.contains(&want), "{out}");
    assert!(
        !out.contains("event 927:"),
        "the hit that happened is not explained: {out}"
    );
}

/// Coverage counts a rule by name and rules file: one file named from two directories is one
/// file; a rule of the same name in another file is another rule.
#[test]
fn coverage_tells_rules_apart_by_file_not_by_how_cases_name_it() {
    let dir = setup();
    let rules = "- rule: Sensitive file read\n  desc: d\n  condition: evt.type = openat and \
                 fd.name = /etc/shadow\n  output: read %fd.name\n  priority: WARNING\n";
    write(dir.path(), "rules/mine.yaml", rules);
    write(dir.path(), "other/mine.yaml", rules);
    let case = |up: &str, rules: &str| {
        format!(
            "traces: [{up}traces/credentials.rts]\nrules: [{rules}]\nexpect:\n  counts:\n    \
             \"Sensitive file read\": 1\n"
        )
    };
    // The same file from cases/ and from cases/deeper/.
    write(
        dir.path(),
        "cases/a.case.yaml",
        &case("../", "../rules/mine.yaml"),
    );
    write(
        dir.path(),
        "cases/deeper/b.case.yaml",
        &case("../../", "../../rules/mine.yaml"),
    );
    // A rule of the same name in another file, and in the bundled rules.
    write(
        dir.path(),
        "cases/c.case.yaml",
        &case("../", "../other/mine.yaml"),
    );
    write(dir.path(), "cases/d.case.yaml", &case("../", "<bundled>"));
    let o = rtsec(&[
        "test",
        "--coverage",
        dir.path().join("cases").to_str().unwrap(),
    ]);
    let out = stdout(&o);
    assert_eq!(code(&o), 0, "{out}");
    let rows: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("Sensitive file read ("))
        .filter(|l| l.starts_with("  ") && !l.starts_with("  Sensitive"))
        .collect();
    assert_eq!(rows.len(), 3, "three rules of that name: {out}");
    let mine = rows
        .iter()
        .find(|l| l.contains("rules/mine.yaml:1"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        mine.trim_start().starts_with("2 "),
        "two cases ran it: {mine}"
    );
    assert!(
        rows.iter().any(|l| l.contains("other/mine.yaml:1")),
        "{out}"
    );
    assert!(rows.iter().any(|l| l.contains("<bundled>:")), "{out}");
}

/// A rule that fires less than a case expects is shown where it came closest to firing.
#[test]
fn a_rule_short_of_its_count_is_shown_where_it_nearly_fired() {
    let dir = tempdir();
    let trace = scenario("container");
    let case = write(
        dir.path(),
        "short.case.yaml",
        &format!(
            "traces: [{}]\nrules: [{}]\nexpect:\n  counts:\n    \"Terminal shell in container\": 2\n",
            trace.display(),
            falco_rules().display()
        ),
    );
    let o = rtsec(&["test", &case]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    let out = stdout(&o);
    let want = format!(
        "    where \"Terminal shell in container\" came closest to firing (1 check away; 1 \
         event of 54 fails it that way), as `rtsec explain --closest` shows it:
        == {}: event 821 at ",
        trace.display()
    );
    assert!(out.contains(&want), "{out}");
    assert!(
        out.contains("              ✗ proc.pname in (runc:[0:PARENT]"),
        "{out}"
    );
}

/// Coverage of exceptions: an exception that keeps its rule from firing in a passing case
/// that pins the rule's count is proven (the case would fail without it); one that keeps it
/// from nothing is listed.
#[test]
fn coverage_names_the_exceptions_no_case_proves() {
    let dir = setup();
    write(
        dir.path(),
        "rules/tuned.yaml",
        "- rule: Sensitive file read
  exceptions:
    - name: cat_is_fine
      fields: [proc.name]
      values: [[cat]]
    - name: never_seen
      fields: [proc.name, fd.name]
      values: [[nosuch, /etc/shadow]]
  override:
    exceptions: append
",
    );
    let case = "traces: [../traces/credentials.rts]\nrules: [<bundled>, ../rules/tuned.yaml]\n\
                expect:\n  counts:\n    \"Sensitive file read\": 0\n";
    write(dir.path(), "cases/tuned.case.yaml", case);
    // The same case without pinning the count proves nothing about the exceptions.
    write(
        dir.path(),
        "cases/loose.case.yaml",
        "traces: [../traces/credentials.rts]\nrules: [<bundled>, ../rules/tuned.yaml]\n\
         expect:\n  counts:\n    \"Kernel module loaded\": 0\n",
    );
    let o = rtsec(&[
        "test",
        "--coverage",
        dir.path().join("cases").to_str().unwrap(),
    ]);
    let out = stdout(&o);
    assert_eq!(code(&o), 0, "{out}");
    assert!(
        out.contains(
            "Exceptions: 1 of 2 keep their rule from firing on an event of a passing case that \
             pins the rule's hits (the case would fail without them)\n\
             Exceptions no passing case proves (1):\n  Sensitive file read / never_seen ("
        ),
        "{out}"
    );
    assert!(
        out.contains("rules/tuned.yaml:6)\n"),
        "where never_seen is defined: {out}"
    );
    // Without --coverage nothing is said of exceptions.
    let o = rtsec(&["test", dir.path().join("cases").to_str().unwrap()]);
    assert!(!stdout(&o).contains("Exceptions"), "{}", stdout(&o));
}

/// A CI job's timeout (SIGTERM) or Ctrl-C ends `rtsec test` with the verdicts it has: the
/// cases it did not finish have none ("NOT RUN", `<skipped>` in JUnit), `--update` leaves
/// them as they were, and the exit code says a signal stopped it.
#[test]
fn a_stopped_run_reports_the_cases_it_did_not_finish() {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    let dir = tempdir();
    let trace = dir.path().join("big.rts");
    // Long enough for this (debug) build to be caught while judging.
    synthetic_trace(&trace, 600_000, 7, rtsec_format::Losses::default());
    let case =
        "traces: [big.rts]\nrules: [<bundled>]\nexpect:\n  counts:\n    Kernel module loaded: 0\n";
    let cases: Vec<String> = (0..4)
        .map(|i| write(dir.path(), &format!("c{i}.case.yaml"), case))
        .collect();
    // A quick case that `--update` rewrites (the read happens once) before the signal.
    std::fs::copy(scenario("credentials"), dir.path().join("credentials.rts")).unwrap();
    let quick = "traces: [credentials.rts]\nexpect:\n  counts:\n    Sensitive file read: 0\n";
    let quick_case = write(dir.path(), "a-quick.case.yaml", quick);
    let junit = dir.path().join("report.xml");
    let child = Command::new(RTSEC)
        .args(["test", "--update", "-j", "2", "--junit"])
        .arg(&junit)
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !catches(child.id(), libc::SIGTERM)
        || std::fs::read_to_string(&quick_case).unwrap() == quick
    {
        assert!(
            Instant::now() < deadline,
            "no handler or no update after 30 s"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    // SAFETY: kill(2) of our child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let o = child.wait_with_output().unwrap();
    let out = stdout(&o);
    assert_eq!(code(&o), 143, "{out}{}", stderr(&o));
    let not_run = out.lines().filter(|l| l.starts_with("NOT RUN ")).count();
    assert!(not_run > 0, "{out}");
    assert!(out.contains(&format!("UPDATED {quick_case} ")), "{out}");
    assert!(
        out.contains(&format!(
            "5 cases: {} passed, 0 failed, 0 could not run, 1 updated, {not_run} without a \
             verdict: INTERRUPTED",
            5 - not_run
        )),
        "{out}"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains(&format!("skipped=\"{not_run}\"")), "{xml}");
    assert_eq!(
        xml.matches("<skipped message=\"the run was stopped")
            .count(),
        not_run
    );
    // Only the cases with a verdict were rewritten.
    for c in &cases {
        let now = std::fs::read_to_string(c).unwrap();
        let was_run = !out.contains(&format!("NOT RUN {c} "));
        assert_eq!(now != case, was_run, "{c}: {now}\n{out}");
    }
}
