//! `rtsec replay --falco-config falco.yaml`: judging as a Falco deployment with that
//! configuration would: its rules files (directories too), priority, rule_matching, `rules:`
//! enable/disable commands, json_output and the alert shape; options on the command line win.

mod replay_support;

use replay_support::*;

fn config(dir: &std::path::Path, extra: &str) -> std::path::PathBuf {
    let rules = falco_rules();
    let text = format!(
        "rules_files:\n  - {}\n  - {dir}/falco_rules.local.yaml\n  - {dir}/rules.d\n\
         priority: warning\nrule_matching: first\n\
         json_output: true\ntime_format_iso_8601: true\njson_include_tags_property: false\n\
         rules:\n  - disable:\n      rule: \"*\"\n  - enable:\n      rule: \"Search Private*\"\n\
         stdout_output:\n  enabled: true\n{extra}",
        rules.display(),
        dir = dir.display()
    );
    let p = dir.join("falco.yaml");
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn a_falco_yaml_decides_rules_selection_and_alert_shape() {
    let d = tempdir();
    let cfg = config(d.path(), "");
    let trace = scenario("credentials");
    let o = rtsec(&[
        "replay",
        "-c",
        cfg.to_str().unwrap(),
        trace.to_str().unwrap(),
    ]);
    let err = stderr(&o);
    assert_eq!(code(&o), 0, "{err}");
    // Entries of Falco's default list that this installation lacks are left out, as Falco
    // leaves them out, and named.
    for entry in ["falco_rules.local.yaml", "rules.d"] {
        assert!(
            err.contains(&format!("{entry} does not exist: left out (as Falco does)")),
            "{err}"
        );
    }
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // Of the 7 hits of Falco's stable rules on this trace, only the enabled rule's 2.
    assert_eq!(lines.len(), 2, "{}", stdout(&o));
    for j in &lines {
        assert_eq!(j["rule"], "Search Private Keys or Passwords");
        let time = j["time"].as_str().unwrap();
        assert!(
            j["output"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{time}: Warning ")),
            "{j}"
        );
        assert!(j.get("tags").is_none(), "{j}");
    }

    // The command line wins: text format, another minimum priority.
    let o = rtsec(&[
        "replay",
        "-c",
        cfg.to_str().unwrap(),
        "--format",
        "text",
        "--min-priority",
        "error",
        trace.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "",
        "the rule is a WARNING: below --min-priority error"
    );
    let o = rtsec(&[
        "replay",
        "-c",
        cfg.to_str().unwrap(),
        "--format",
        "text",
        trace.to_str().unwrap(),
    ]);
    let text = stdout(&o);
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(
        text.lines()
            .all(|l| l.contains("Z: Warning Grep private keys")),
        "{text}"
    );
}

#[test]
fn a_malformed_falco_yaml_is_refused_with_its_file_and_key() {
    let d = tempdir();
    let cfg = d.path().join("bad.yaml");
    std::fs::write(&cfg, "priority: warning\nrule_matching: sometimes\n").unwrap();
    let trace = scenario("credentials");
    let o = rtsec(&[
        "replay",
        "-c",
        cfg.to_str().unwrap(),
        trace.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains(&format!(
            "{}: `rule_matching`: expected `first` or `all`",
            cfg.display()
        )),
        "{}",
        stderr(&o)
    );
    let o = rtsec(&[
        "replay",
        "-c",
        "/nonexistent/falco.yaml",
        trace.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("/nonexistent/falco.yaml"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn rules_list_shows_what_a_falco_yaml_enables() {
    let d = tempdir();
    let cfg = config(d.path(), "");
    let o = rtsec(&["rules", "list", "--json", "-c", cfg.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let rules: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        rules.len(),
        25,
        "Falco's stable rules, from the configuration's rules_files"
    );
    let enabled: Vec<&str> = rules
        .iter()
        .filter(|r| r["enabled"] == true)
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(enabled, ["Search Private Keys or Passwords"]);
    // Without a configuration: every rule of the file as its file says.
    let o = rtsec(&["rules", "list", "-r", falco_rules().to_str().unwrap()]);
    assert!(
        stdout(&o).ends_with("25 rules (25 enabled), 87 macros, 49 lists\n"),
        "{}",
        stdout(&o)
    );
    // The files may also be named without -r.
    let o2 = rtsec(&["rules", "list", falco_rules().to_str().unwrap()]);
    assert_eq!(stdout(&o2), stdout(&o));
}

/// `append_output`, as Falco 0.41+ applies it: entries matched by tags and rule add to the
/// text (in order: here the suggested container fields, then an `extra_output` with an
/// environment variable), and `extra_fields` to JSON's `output_fields` only.
#[test]
fn append_output_adds_to_the_alerts_as_that_falco_would() {
    let d = tempdir();
    let cfg = config(
        d.path(),
        "append_output:\n  - suggested_output: true\n\
         \x20 - match:\n      tags: [filesystem, mitre_credential_access]\n\
         \x20   extra_output: \"on=%proc.name home=${RTSEC_TEST_HOME}\"\n\
         \x20   extra_fields:\n      - home: \"${RTSEC_TEST_HOME}/%proc.name\"\n      - proc.pid\n\
         \x20 - match:\n      rule: Some other rule\n    extra_output: never\n",
    );
    let trace = scenario("credentials");
    let run = |format: &str| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_rtsec"))
            .current_dir(root())
            .env("TZ", "UTC")
            .env("RTSEC_TEST_HOME", "/home/t")
            .args(["replay", "-c", cfg.to_str().unwrap(), "--format", format])
            .arg(&trace)
            .output()
            .unwrap();
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        assert!(!stderr(&o).contains("append_output"), "{}", stderr(&o));
        stdout(&o)
    };
    let text = run("text");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    for l in &lines {
        let at = l.find(" container_id=").expect("suggested fields");
        let extra = l.find(" on=").expect("extra_output");
        assert!(at < extra && l.ends_with(" home=/home/t"), "{l}");
        assert!(!l.contains("never") && !l.contains("/home/t/"), "{l}");
    }
    for j in run("json").lines() {
        let j: serde_json::Value = serde_json::from_str(j).unwrap();
        let f = &j["output_fields"];
        let name = f["proc.name"].as_str().unwrap();
        assert_eq!(f["home"], format!("/home/t/{name}"), "{j}");
        assert!(f["proc.pid"].is_i64(), "{j}");
        assert!(f.get("container.id").is_some(), "{j}");
        assert!(!j["output"].as_str().unwrap().contains("/home/t/"), "{j}");
    }
}

/// `-o KEY=VALUE` sets a setting of the falco.yaml, as `falco -o` does: after the file, in
/// order; `[]` appends to a list, `{…}` is a YAML map. A bad value names the option.
#[test]
fn options_set_settings_of_the_falco_yaml() {
    let d = tempdir();
    let cfg = config(d.path(), "");
    let trace = scenario("credentials");
    let run = |options: &[&str]| {
        let mut args = vec!["replay", "-c", cfg.to_str().unwrap()];
        for o in options {
            args.extend(["-o", o]);
        }
        args.push(trace.to_str().unwrap());
        rtsec(&args)
    };
    let o = run(&[]);
    assert_eq!(stdout(&o).lines().count(), 2, "{}", stderr(&o));
    // Text alerts, and every rule enabled again by a `rules:` command appended to the file's.
    let o = run(&["json_output=false", "rules[]={enable: {rule: '*'}}"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.lines().count() > 2, "{out}");
    assert!(out.lines().all(|l| !l.starts_with('{')), "{out}");
    assert!(out.contains("Warning Grep private keys"), "{out}");

    let o = run(&["json_output=maybe"]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("-o json_output=maybe: `json_output`: expected true or false"),
        "{}",
        stderr(&o)
    );
    let o = run(&["rules_files[7]=x.yaml"]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("-o rules_files[7]=x.yaml: index 7 is past the end of the list"),
        "{}",
        stderr(&o)
    );
}

/// `-o` without `-c`: the settings over Falco's defaults, as `falco -o` over the default
/// falco.yaml (whose `append_output` suggests the container fields), in every command that
/// takes `-o`.
#[test]
fn options_without_a_falco_yaml_apply_over_falcos_defaults() {
    let trace = scenario("container");
    let t = trace.to_str().unwrap();
    let rules = falco_rules();
    let r = rules.to_str().unwrap();
    let plain = rtsec(&["replay", "-r", r, t]);
    assert_eq!(code(&plain), 0, "{}", stderr(&plain));
    assert!(stdout(&plain).contains("container_id=c0ffee000001"));
    // A setting that changes nothing: the same alerts, the default suggested output kept.
    let same = rtsec(&["replay", "-r", r, "-o", "json_output=false", t]);
    assert_eq!(code(&same), 0, "{}", stderr(&same));
    assert_eq!(stdout(&same), stdout(&plain));
    assert!(!stderr(&same).contains("note"), "{}", stderr(&same));

    let json = rtsec(&["replay", "-r", r, "-o", "json_output=true", t]);
    let out = stdout(&json);
    assert_eq!(out.lines().count(), stdout(&plain).lines().count(), "{out}");
    assert!(
        out.lines().all(|l| l.starts_with("{\"hostname\":")),
        "{out}"
    );

    let rule = "rules[].disable.rule=Terminal shell in container";
    let fewer = rtsec(&["replay", "-r", r, "-o", rule, t]);
    assert_eq!(code(&fewer), 0, "{}", stderr(&fewer));
    assert!(stdout(&plain).contains("shell was spawned in a container"));
    assert!(!stdout(&fewer).contains("shell was spawned in a container"));
    assert_eq!(
        stdout(&fewer).lines().count() + 1,
        stdout(&plain).lines().count()
    );
    let listed = rtsec(&["rules", "list", "-r", r, "-o", rule]);
    assert!(
        stdout(&listed).contains("24 enabled"),
        "{}",
        stdout(&listed)
    );
    // The same rules on both sides of a diff, a setting on one: what that setting changes.
    let diff = rtsec(&["diff", "--old", r, "--new", r, "--new-option", rule, t]);
    assert_eq!(code(&diff), 4, "{}", stderr(&diff));
    assert!(
        stderr(&diff).contains("1 removed, 0 added, 0 changed"),
        "{}",
        stderr(&diff)
    );

    // A key Falco does not know is named, with where it came from.
    let typo = rtsec(&["replay", "-r", r, "-o", "json_ouput=true", t]);
    assert_eq!(code(&typo), 0, "{}", stderr(&typo));
    assert!(
        stderr(&typo).contains(
            "note: the -o options: -o json_ouput=true: `json_ouput` is not a Falco setting"
        ),
        "{}",
        stderr(&typo)
    );
    let bad = rtsec(&["validate", "-r", r, "-o", "json_output=maybe"]);
    assert_eq!(code(&bad), 1);
    assert!(
        stderr(&bad).contains("-o json_output=maybe: `json_output`: expected true or false"),
        "{}",
        stderr(&bad)
    );
}

/// `static_fields` (Falco ≥ 0.41): `static.NAME` fields that rules' conditions and outputs
/// name, suggested at the end of every output before the container fields, with `${VAR}`
/// expanded and `-o static_fields.NAME=…` overriding; a name no rule can write is refused.
#[test]
fn static_fields_are_fields_of_every_rule_as_that_falco_would_give_them() {
    let d = tempdir();
    let rules = d.path().join("r.yaml");
    std::fs::write(
        &rules,
        "- rule: Exec in prod\n  desc: d\n  condition: evt.type = execve and static.cluster = prod\n\
         \x20 output: exec of %proc.name in %static.cluster\n  priority: WARNING\n",
    )
    .unwrap();
    let cfg = d.path().join("falco.yaml");
    let write = |statics: &str| {
        std::fs::write(
            &cfg,
            format!(
                "rules_files: [{}]\njson_output: true\nappend_output:\n  - suggested_output: true\n\
                 static_fields:\n{statics}",
                rules.display()
            ),
        )
        .unwrap()
    };
    write("  cluster: ${RTSEC_TEST_CLUSTER}\n  team: sre\n");
    let trace = scenario("credentials");
    let run = |options: &[&str]| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_rtsec"));
        c.current_dir(root())
            .env("RTSEC_TEST_CLUSTER", "prod")
            .args(["replay", "-c", cfg.to_str().unwrap()]);
        for o in options {
            c.args(["-o", o]);
        }
        c.arg(&trace).output().unwrap()
    };
    let o = run(&[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.lines().count() > 0, "{}", stderr(&o));
    for j in out.lines() {
        let j: serde_json::Value = serde_json::from_str(j).unwrap();
        let text = j["output"].as_str().unwrap();
        assert!(
            text.contains(" in prod static_cluster=prod static_team=sre container_id="),
            "{text}"
        );
        assert_eq!(j["output_fields"]["static.cluster"], "prod", "{j}");
        assert_eq!(j["output_fields"]["static.team"], "sre", "{j}");
    }
    // Rules that name a static field validate and list with the configuration only.
    let o = rtsec(&["validate", "-c", cfg.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains(": Ok (1 rule, "), "{}", stdout(&o));
    let o = rtsec(&["validate", "-r", rules.to_str().unwrap()]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    assert!(
        stdout(&o).contains("nonexistent field static.cluster"),
        "{}",
        stdout(&o)
    );
    let none = d.path().join("none.yaml");
    std::fs::write(&none, "rules_files: [/nonexistent/rules.yaml]\n").unwrap();
    let o = rtsec(&["validate", "-c", none.to_str().unwrap()]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    assert!(
        stderr(&o).contains("`rules_files` names no rules file that exists"),
        "not the bundled rules: {}",
        stderr(&o)
    );
    let o = rtsec(&["rules", "list", "-c", cfg.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(stdout(&o).contains("Exec in prod"), "{}", stdout(&o));

    // Another cluster: the condition no longer holds.
    let o = run(&["static_fields.cluster=staging"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "", "{}", stderr(&o));

    // A misspelled key changes nothing, and is said.
    write("  cluster: prod\njson_ouptut: false\n");
    let o = run(&[]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o)
            .contains("`json_ouptut` is not a Falco setting (a misspelling of `json_output`?)"),
        "{}",
        stderr(&o)
    );

    write("  my cluster: prod\n");
    let o = run(&[]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("`static_fields`: `my cluster` cannot be a field name: use words"),
        "{}",
        stderr(&o)
    );
}

/// A falco.yaml with `engine.kind: replay` names the capture that Falco judges: `rtsec replay
/// -c` judges it when no trace is named (`-o engine.replay.capture_file=…` as with Falco).
#[test]
fn a_replay_engine_names_the_trace_to_judge() {
    let d = tempdir();
    let cfg = config(
        d.path(),
        &format!(
            "engine:\n  kind: replay\n  replay:\n    capture_file: {}\n",
            scenario("credentials").display()
        ),
    );
    let o = rtsec(&["replay", "-c", cfg.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().count(), 2, "{}", stderr(&o));
    // A trace named on the command line wins; one set with -o too.
    let other = scenario("network");
    let o = rtsec(&[
        "replay",
        "-c",
        cfg.to_str().unwrap(),
        other.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "", "{}", stderr(&o));
    let option = format!("engine.replay.capture_file={}", other.display());
    let o = rtsec(&["replay", "-c", cfg.to_str().unwrap(), "-o", &option]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "", "{}", stderr(&o));

    let o = rtsec(&[
        "replay",
        "-c",
        cfg.to_str().unwrap(),
        "-o",
        "engine.kind=modern_ebpf",
    ]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("no trace to judge"), "{}", stderr(&o));
    let o = rtsec(&[
        "replay",
        "-c",
        cfg.to_str().unwrap(),
        "-o",
        "engine.replay.capture_file=",
    ]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("`engine.replay.capture_file`: engine.kind is `replay` but no capture"),
        "{}",
        stderr(&o)
    );
    assert_eq!(code(&rtsec(&["replay"])), 2, "a trace or -c is needed");
}
