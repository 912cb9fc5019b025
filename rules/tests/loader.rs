//! Loader semantics with small rules files: append, override, exceptions, list expansion,
//! empty lists, macro visibility, redefinition order, rule_matching, skipping, warnings.

mod common;

use common::*;
use rtsec_rules::{
    Engine, EngineOptions, LoadFailure, RuleMatching, RuleSet, RuleSource, TagSelection,
};

fn load(files: &[&str]) -> Result<RuleSet, LoadFailure> {
    let sources: Vec<_> = files
        .iter()
        .enumerate()
        .map(|(i, t)| RuleSource::new(format!("f{i}.yaml"), *t))
        .collect();
    rtsec_rules::load(&sources)
}

fn ok(files: &[&str]) -> RuleSet {
    load(files).unwrap_or_else(|e| panic!("{}", e.error))
}

fn err(files: &[&str]) -> String {
    match load(files) {
        Ok(_) => panic!("loaded"),
        Err(e) => e.error.to_string(),
    }
}

fn fires(set: &RuleSet, b: &rtsec_format::Block) -> Vec<String> {
    fired(&engine(set, RuleMatching::All), b)
}

const SHELL_RULE: &str = r#"
- list: shells
  items: [bash, sh]
- macro: spawned
  condition: evt.type = execve
- rule: shell
  desc: a shell
  condition: spawned and proc.name in (shells)
  output: shell %proc.name
  priority: WARNING
"#;

fn bash_under(parent: &str) -> rtsec_format::Block {
    exec(&chain(&["init", parent, "bash"], None))
}

#[test]
fn deprecated_append_extends_lists_macros_and_rules() {
    let set = ok(&[
        SHELL_RULE,
        r#"
- list: shells
  items: [zsh]
  append: true
- macro: spawned
  condition: and proc.pname != cron
  append: true
- rule: shell
  condition: and proc.pname != nginx
  append: true
"#,
    ]);
    assert!(
        set.warnings()
            .iter()
            .any(|w| w.message.contains("'append' key is deprecated"))
    );
    assert_eq!(
        fires(&set, &exec(&chain(&["init", "zsh"], None))),
        ["shell"]
    );
    assert!(fires(&set, &bash_under("cron")).is_empty());
    assert!(fires(&set, &bash_under("nginx")).is_empty());
    assert_eq!(fires(&set, &bash_under("sshd")), ["shell"]);
    let r = set.rules().next().unwrap();
    assert_eq!(
        r.condition,
        "spawned and proc.name in (shells) and proc.pname != nginx"
    );
}

#[test]
fn append_without_a_previous_definition_is_an_error() {
    let e = err(&["- list: nope\n  items: [a]\n  append: true\n"]);
    assert!(e.contains("no list by that name already exists"), "{e}");
    let e = err(&["- rule: nope\n  condition: and x\n  append: true\n"]);
    assert!(e.contains("no rule by that name already exists"), "{e}");
}

#[test]
fn override_append_and_replace() {
    let set = ok(&[
        SHELL_RULE,
        r#"
- rule: shell
  condition: and proc.pname != sshd
  output: parent=%proc.pname
  tags: [extra]
  override:
    condition: append
    output: append
    tags: append
- rule: shell
  priority: critical
  enabled: false
  override:
    priority: replace
    enabled: replace
"#,
    ]);
    let r = set.rules().next().unwrap();
    assert_eq!(r.priority, rtsec_rules::Priority::Critical);
    assert!(!r.enabled);
    assert!(
        r.output
            .starts_with("shell %proc.name parent=%proc.pname container_id=")
    );
    assert_eq!(r.tags, ["extra"]);
    let e = Engine::new(&set, EngineOptions::default());
    assert!(e.enabled().is_empty());
    // Re-enable by replace and check the appended condition.
    let set = ok(&[
        SHELL_RULE,
        "- rule: shell\n  condition: and proc.pname != sshd\n  override:\n    condition: append\n",
        "- rule: shell\n  condition: evt.type = execve and proc.name = zsh\n  override:\n    condition: replace\n",
    ]);
    assert!(fires(&set, &bash_under("nginx")).is_empty());
    assert_eq!(
        fires(&set, &exec(&chain(&["init", "zsh"], None))),
        ["shell"]
    );
}

#[test]
fn override_errors() {
    let e = err(&[
        SHELL_RULE,
        "- rule: shell\n  priority: debug\n  override:\n    priority: append\n",
    ]);
    assert!(
        e.contains("Key 'priority' cannot be appended to, use 'replace' instead"),
        "{e}"
    );
    let e = err(&[
        SHELL_RULE,
        "- rule: shell\n  condition: and x\n  desc: d\n  override:\n    condition: append\n",
    ]);
    assert!(
        e.contains("Unexpected key 'desc': no corresponding entry under 'override' is defined."),
        "{e}"
    );
    let e = err(&[
        SHELL_RULE,
        "- rule: shell\n  override:\n    condition: append\n",
    ]);
    assert!(
        e.contains(
            "An append override for 'condition' was specified but 'condition' is not defined"
        ),
        "{e}"
    );
    let e = err(&[
        SHELL_RULE,
        "- rule: shell\n  condition: x\n  append: true\n  override:\n    condition: append\n",
    ]);
    assert!(e.contains("cannot be used together"), "{e}");
    let e = err(&[
        SHELL_RULE,
        "- rule: shell\n  condition: x\n  override:\n    condition: merge\n",
    ]);
    assert!(
        e.contains("Invalid override operation for key 'condition': 'merge'"),
        "{e}"
    );
}

#[test]
fn exceptions_with_and_without_comps() {
    let set = ok(&[r#"
- list: shells
  items: [bash, sh]
- list: trusted_parents
  items: [cron, "my daemon"]
- rule: shell
  desc: d
  condition: evt.type = execve and proc.name in (shells)
  output: o
  priority: WARNING
  exceptions:
    - name: by_sshd
      fields: [proc.name, proc.pname]
      values:
        - [bash, sshd]
    - name: by_prefix
      fields: [proc.name, proc.pname]
      comps: [=, startswith]
      values:
        - [bash, postg]
    - name: by_list
      fields: proc.pname
      values: [nginx, httpd]
    - name: by_list_name
      fields: [proc.pname]
      comps: [in]
      values:
        - [trusted_parents]
"#]);
    for parent in ["sshd", "postgres", "nginx", "httpd", "cron"] {
        assert!(fires(&set, &bash_under(parent)).is_empty(), "{parent}");
    }
    assert_eq!(fires(&set, &bash_under("sudo")), ["shell"]);
    assert_eq!(
        fires(&set, &exec(&chain(&["init", "sshd", "sh"], None))),
        ["shell"]
    );
}

#[test]
fn exception_values_with_spaces_are_quoted_like_falco() {
    // falco unit test `exceptions_condition`.
    let set = ok(&[r#"
- rule: curl
  desc: d
  condition: (proc.cmdline contains curl or proc.cmdline contains wget)
  output: o
  priority: INFO
  exceptions:
    - name: local
      fields: [proc.cmdline]
      comps: [contains]
      values:
        - [curl 127.0.0.1]
"#]);
    let run = |args: &[&str]| exec(&P::new("curl").args(args).build());
    assert!(fires(&set, &run(&["127.0.0.1"])).is_empty());
    assert_eq!(fires(&set, &run(&["10.0.0.1"])), ["curl"]);
}

#[test]
fn exceptions_appended_by_name_add_values() {
    let base = r#"
- rule: shell
  desc: d
  condition: evt.type = execve and proc.name = bash
  output: o
  priority: WARNING
  exceptions:
    - name: parents
      fields: [proc.pname]
      values: [[sshd]]
"#;
    let set = ok(&[
        base,
        "- rule: shell\n  exceptions:\n    - name: parents\n      values: [[cron]]\n  override:\n    exceptions: append\n",
    ]);
    assert!(fires(&set, &bash_under("cron")).is_empty());
    assert!(fires(&set, &bash_under("sshd")).is_empty());
    assert_eq!(fires(&set, &bash_under("nginx")), ["shell"]);
    let e = err(&[
        base,
        "- rule: shell\n  exceptions:\n    - name: parents\n      fields: [proc.name]\n      values: [[x]]\n  override:\n    exceptions: append\n",
    ]);
    assert!(
        e.contains("Can not append exception fields to existing exception"),
        "{e}"
    );
    let e = err(&[
        "- rule: r\n  desc: d\n  condition: evt.type=execve\n  output: o\n  priority: INFO\n  exceptions:\n    - name: x\n      fields: [proc.name, proc.pname]\n      comps: [=]\n      values: [[a, b]]\n",
    ]);
    assert!(
        e.contains("Fields and comps lists must have equal length"),
        "{e}"
    );
    let e = err(&[
        "- rule: r\n  desc: d\n  condition: evt.type=execve\n  output: o\n  priority: INFO\n  exceptions:\n    - name: x\n      fields: [proc.nme]\n      values: [[a]]\n",
    ]);
    assert!(
        e.contains("'proc.nme' is not a supported filter field"),
        "{e}"
    );
}

#[test]
fn list_in_list_expands_one_level_by_definition_order() {
    let set = ok(&[r#"
- list: inner
  items: [bash]
- list: outer
  items: [inner, zsh, later]
- list: later
  items: [ksh]
- rule: r
  desc: d
  condition: evt.type = execve and proc.name in (outer)
  output: o
  priority: INFO
"#]);
    let run = |n: &str| fires(&set, &exec(&P::new(n).build()));
    assert_eq!(run("bash"), ["r"]);
    assert_eq!(run("zsh"), ["r"]);
    // `later` is defined after `outer`: no expansion, but the rule's text substitution turns
    // the remaining word `later` into ksh anyway (Falco substitutes lists textually, in order).
    assert_eq!(run("ksh"), ["r"]);
    assert!(run("later").is_empty());
}

#[test]
fn empty_lists_never_match() {
    let set = ok(&[r#"
- list: empty
  items: []
- rule: in_empty
  desc: d
  condition: evt.type = execve and proc.name in (empty)
  output: o
  priority: INFO
- rule: not_in_empty
  desc: d
  condition: evt.type = execve and not proc.name in (bash, empty)
  output: o
  priority: INFO
"#]);
    assert_eq!(fires(&set, &exec(&P::new("zsh").build())), ["not_in_empty"]);
    assert!(fires(&set, &exec(&P::new("bash").build())).is_empty());
}

#[test]
fn macros_only_see_earlier_macros_but_rules_see_all() {
    let e = err(&["- macro: a\n  condition: b\n- macro: b\n  condition: evt.type = execve\n"]);
    assert!(e.contains("Undefined macro 'b' used in filter."), "{e}");
    assert!(e.contains("macro 'a'"), "{e}");
    assert!(e.starts_with("f0.yaml:2:14"), "{e}");
    let set = ok(&[r#"
- rule: r
  desc: d
  condition: later_macro
  output: o
  priority: INFO
- macro: later_macro
  condition: evt.type = execve and proc.name = bash
"#]);
    assert_eq!(fires(&set, &exec(&P::new("bash").build())), ["r"]);
    // A file only sees what it and earlier files define (Falco compiles after each file).
    let e = err(&[
        "- rule: r\n  desc: d\n  condition: m\n  output: o\n  priority: INFO\n",
        "- macro: m\n  condition: evt.type = execve\n",
    ]);
    assert!(e.contains("Undefined macro 'm'"), "{e}");
}

#[test]
fn redefinition_keeps_the_first_position() {
    let set = ok(&[r#"
- rule: a
  desc: d
  condition: evt.type = execve and proc.name = x
  output: a
  priority: INFO
- rule: b
  desc: d
  condition: evt.type = execve and proc.name = bash
  output: b
  priority: INFO
- rule: a
  desc: d
  condition: evt.type = execve and proc.name = bash
  output: a2
  priority: INFO
"#]);
    let names: Vec<_> = set.rules().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["a", "b"]);
    let b = exec(&P::new("bash").build());
    assert_eq!(fired(&engine(&set, RuleMatching::All), &b), ["a", "b"]);
    assert_eq!(fired(&engine(&set, RuleMatching::First), &b), ["a"]);
}

#[test]
fn rule_matching_first_gives_one_alert_all_gives_two() {
    let set = ok(&[r#"
- rule: open_dev_null
  desc: d
  condition: evt.type = openat and fd.name = /dev/null
  output: o
  priority: INFO
- rule: dev_null
  desc: d
  condition: fd.name = /dev/null
  output: o
  priority: INFO
  warn_evttypes: false
"#]);
    let b = openat(&P::new("cat").build(), "/dev/null", 0, 3);
    let first = engine(&set, RuleMatching::First);
    let all = engine(&set, RuleMatching::All);
    let mut sc = first.scratch();
    let ev = b.event(0).unwrap();
    assert_eq!(first.alerts(&ev, &mut sc).len(), 1);
    assert_eq!(all.alerts(&ev, &mut sc).len(), 2);
    assert!(set.rules().nth(1).unwrap().all_event_types);
}

#[test]
fn minimum_priority_and_enabled_flags() {
    let set = ok(&[r#"
- rule: low
  desc: d
  condition: evt.type = execve
  output: o
  priority: DEBUG
- rule: high
  desc: d
  condition: evt.type = execve
  output: o
  priority: error
- rule: off
  desc: d
  condition: evt.type = execve
  output: o
  priority: emergency
  enabled: false
- rule: low
  enabled: false
"#]);
    assert!(
        set.warnings()
            .iter()
            .any(|w| w.message.contains("standalone 'enabled' key"))
    );
    let e = engine(&set, RuleMatching::All);
    assert_eq!(fired(&e, &exec(&P::new("x").build())), ["high"]);
    let e = Engine::new(
        &set,
        EngineOptions {
            rule_matching: RuleMatching::All,
            min_priority: rtsec_rules::Priority::Critical,
            ..Default::default()
        },
    );
    assert!(fired(&e, &exec(&P::new("x").build())).is_empty());
}

#[test]
fn tags_select_rules_like_falco_t_and_capital_t() {
    let set = ok(&[r#"
- rule: a
  desc: d
  condition: evt.type = execve
  output: o
  priority: INFO
  tags: [x]
- rule: b
  desc: d
  condition: evt.type = execve
  output: o
  priority: INFO
  tags: [y]
- rule: ab
  desc: d
  condition: evt.type = execve
  output: o
  priority: INFO
  tags: [x, y]
- rule: none
  desc: d
  condition: evt.type = execve
  output: o
  priority: INFO
"#]);
    let fire = |only: &[&str], skip: &[&str]| {
        let e = Engine::new(
            &set,
            EngineOptions {
                rule_matching: RuleMatching::All,
                tags: TagSelection {
                    only: only.iter().map(|t| t.to_string()).collect(),
                    skip: skip.iter().map(|t| t.to_string()).collect(),
                },
                ..Default::default()
            },
        );
        fired(&e, &exec(&P::new("x").build()))
    };
    assert_eq!(fire(&[], &[]), ["a", "b", "ab", "none"]);
    assert_eq!(fire(&["x"], &[]), ["a", "ab"]);
    assert_eq!(fire(&["x", "y"], &[]), ["a", "b", "ab"]);
    assert_eq!(fire(&[], &["x"]), ["b", "none"]);
    assert_eq!(fire(&[], &["x", "y"]), ["none"]);
    assert_eq!(fire(&["x"], &["y"]), ["a"]);
    assert!(fire(&["nothing"], &[]).is_empty());
}

#[test]
fn skip_if_unknown_filter_turns_unknown_fields_into_a_warning() {
    let rule = |skip: bool| {
        format!(
            "- rule: r\n  desc: d\n  condition: evt.type = execve and k8s.nosuch = x\n  output: o\n  priority: INFO\n  skip-if-unknown-filter: {skip}\n- rule: ok\n  desc: d\n  condition: evt.type = execve\n  output: o %proc.name\n  priority: INFO\n"
        )
    };
    let set = ok(&[&rule(true)]);
    assert_eq!(set.counts().rules, 1);
    assert!(
        set.warnings()
            .iter()
            .any(|w| w.message.contains("nonexistent field k8s.nosuch"))
    );
    let e = err(&[&rule(false)]);
    assert!(e.contains("nonexistent field k8s.nosuch"), "{e}");
    // Output fields too.
    let set = ok(&[
        "- rule: r\n  desc: d\n  condition: evt.type = execve\n  output: '%nosuch.field'\n  priority: INFO\n  skip-if-unknown-filter: true\n",
    ]);
    assert_eq!(set.counts().rules, 0);
}

#[test]
fn falco_fields_rtsec_cannot_evaluate_are_named_as_such() {
    let rule = |field: &str, skip: bool| {
        format!(
            "- rule: r\n  desc: d\n  condition: evt.type = execve and {field} > 1\n  output: o\n  priority: INFO\n  skip-if-unknown-filter: {skip}\n"
        )
    };
    // Not "nonexistent": the field exists in Falco, and the error says what rtsec lacks.
    let e = err(&[&rule("proc.nthreads", false)]);
    assert!(
        e.contains("field proc.nthreads exists in Falco but rtsec cannot evaluate it: it needs the live thread counts"),
        "{e}"
    );
    let e = err(&[&rule("thread.cgroup.cpuacct", false)]);
    assert!(e.contains("field thread.cgroup exists in Falco"), "{e}");
    // Skipped on request, with a warning that Falco would have run the rule.
    let set = ok(&[&rule("evt.latency", true)]);
    assert_eq!(set.counts().rules, 0);
    assert!(
        set.warnings().iter().any(|w| w
            .message
            .contains("enter and exit events, and rtsec records one event per syscall, at its exit; the rule is skipped (skip-if-unknown-filter), but Falco would run it")),
        "{:?}",
        set.warnings()
    );
    // In outputs too.
    let e = err(&[
        "- rule: r\n  desc: d\n  condition: evt.type = execve\n  output: '%proc.vmrss'\n  priority: INFO\n",
    ]);
    assert!(
        e.contains("field proc.vmrss exists in Falco but rtsec cannot evaluate it"),
        "{e}"
    );
}

#[test]
fn unknown_keys_items_and_sources_are_warnings() {
    let set = ok(&[r#"
- rule: r
  desc: d
  condition: evt.type = execve
  output: o
  priority: INFO
  colour: blue
- something: else
- rule: k8s
  desc: d
  condition: ka.verb = create
  output: o
  priority: INFO
  source: k8s_audit
- list: unused
  items: []
- macro: unused_macro
  condition: evt.type = open
"#]);
    let w: Vec<_> = set.warnings().iter().map(|w| w.headline()).collect();
    let has = |s: &str| w.iter().any(|x| x.contains(s));
    assert!(
        has("f0.yaml:7:3: rule 'r': Unknown key 'colour'. The key will be ignored."),
        "{w:#?}"
    );
    assert!(has("Unknown top level item"), "{w:#?}");
    assert!(
        has("rule 'k8s': Unknown source k8s_audit, skipping"),
        "{w:#?}"
    );
    assert!(
        has("list 'unused': List not referred to by any other rule/macro"),
        "{w:#?}"
    );
    assert!(
        has("macro 'unused_macro': Macro not referred to by any other rule/macro"),
        "{w:#?}"
    );
    assert_eq!(set.counts().rules, 1);
}

#[test]
fn engine_and_plugin_version_requirements() {
    ok(&[
        "- required_engine_version: 10\n",
        "- required_engine_version: 0.57.0\n",
    ]);
    let e = err(&["- required_engine_version: 0.99.0\n"]);
    assert!(e.contains("Rules require engine version 0.99.0"), "{e}");
    let e = err(&["- required_engine_version: 1.0.0\n"]);
    assert!(e.contains("but engine version is"), "{e}");
    ok(&["- required_plugin_versions:\n  - name: container\n    version: 0.4.0\n"]);
    let e = err(&["- required_plugin_versions:\n  - name: k8saudit\n    version: 0.1.0\n"]);
    assert!(e.contains("Plugin requirement not satisfied"), "{e}");
    ok(&[
        "- required_plugin_versions:\n  - name: k8saudit\n    version: 0.1.0\n    alternatives:\n      - name: container\n        version: 0.1.0\n",
    ]);
}

#[test]
fn outputs_format_like_falco() {
    let set = ok(&[r#"
- rule: r
  desc: d
  condition: evt.type = openat
  output: "  file=%fd.name proc=%proc.name gp=%proc.aname[2] flags=%evt.arg.flags p=%proc.pname %container.info  "
  priority: informational
  tags: [b, A, c]
"#]);
    assert!(
        set.warnings()
            .iter()
            .any(|w| w.message.contains("%container.info is deprecated"))
    );
    let p = P::new("cat").build();
    let b = openat(&p, "/etc/hosts", 0, 3);
    let e = engine(&set, RuleMatching::All);
    let mut sc = e.scratch();
    sc.set_hostname("node-1");
    let ev = b.event(0).unwrap();
    let id = e.matches(&ev, &mut sc)[0];
    let a = e.alert(id, &ev, &mut sc);
    assert_eq!(
        a.output,
        "file=/etc/hosts proc=cat gp=<NA> flags=O_RDONLY p=<NA>  container_id=host container_name=host container_image_repository= container_image_tag= k8s_pod_name=<NA> k8s_ns_name=<NA>"
    );
    assert!(
        a.text_line()
            .ends_with(&format!(": Informational {}", a.output))
    );
    let j: serde_json::Value = serde_json::from_str(&a.json_line()).unwrap();
    let keys: Vec<_> = j.as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        keys,
        [
            "hostname",
            "output",
            "output_fields",
            "priority",
            "rule",
            "source",
            "tags",
            "time"
        ]
    );
    assert_eq!(j["hostname"], "node-1");
    assert_eq!(j["priority"], "Informational");
    assert_eq!(j["rule"], "r");
    assert_eq!(j["source"], "syscall");
    assert_eq!(j["tags"], serde_json::json!(["A", "b", "c"]));
    assert_eq!(j["time"], "2023-11-14T22:13:31.726060287Z");
    let f = &j["output_fields"];
    assert_eq!(f["evt.time"], serde_json::json!(TS));
    assert_eq!(f["fd.name"], "/etc/hosts");
    assert_eq!(f["proc.aname[2]"], serde_json::Value::Null);
    assert_eq!(f["k8s.ns.name"], serde_json::Value::Null);
    assert_eq!(f["container.id"], "host");
    assert_eq!(f["container.image.repository"], "");
    assert_eq!(f["evt.arg.flags"], "O_RDONLY");
    let fkeys: Vec<_> = f.as_object().unwrap().keys().cloned().collect();
    let mut sorted = fkeys.clone();
    sorted.sort();
    assert_eq!(fkeys, sorted);
}

#[test]
fn output_errors_point_at_the_token() {
    let e = match load(&[
        "- rule: r\n  desc: d\n  condition: evt.type = execve\n  output: proc=%proc.nme x\n  priority: INFO\n",
    ]) {
        Err(e) => e.error,
        Ok(_) => panic!(),
    };
    let d = e.diagnostic().unwrap();
    assert!(
        d.message.contains("invalid formatting token %proc.nme"),
        "{d:?}"
    );
    assert_eq!((d.line, d.column), (4, 16), "{d:?}");
}

/// libsinsp's filter-only fields (`EPF_FILTER_ONLY`) may be used in conditions but not in
/// outputs: Falco refuses the rule, and so does rtsec, in rules and in append_output.
#[test]
fn filter_only_fields_are_refused_in_outputs_as_falco_refuses_them() {
    for f in [
        "fd.ip", "fd.port", "fd.proto", "fd.net", "fd.cnet", "fd.snet", "fd.lnet", "fd.rnet",
    ] {
        let rule = format!(
            "- rule: r\n  desc: d\n  condition: evt.type = connect and {f} exists\n  \
             output: x=%{f} y\n  priority: INFO\n"
        );
        let e = match load(&[&rule]) {
            Err(e) => e.error,
            Ok(_) => panic!("{f} in an output loaded"),
        };
        let d = e.diagnostic().unwrap();
        assert!(
            d.message.contains(&format!(
                "invalid formatting token %{f}: {f} is filter only and cannot be used as a display field"
            )),
            "{d:?}"
        );
        assert_eq!((d.line, d.column), (4, 13), "{d:?}");
    }
    // The fields of each end are display fields.
    load(&[
        "- rule: r\n  desc: d\n  condition: evt.type = connect and fd.port = 443\n  output: s=%fd.sip %fd.sport %fd.rip %fd.lport %fd.sproto\n  priority: INFO\n",
    ])
    .unwrap();
}

#[test]
fn a_directory_stands_for_its_yaml_files_in_sorted_order_as_with_falco() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    // b.yml appends to a list a.yaml defines: only a.yaml first loads.
    std::fs::write(
        dir.join("a.yaml"),
        "- list: shells\n  items: [bash]\n- rule: shell\n  desc: d\n  condition: evt.type = execve and proc.name in (shells)\n  output: o\n  priority: WARNING\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("b.yml"),
        "- list: shells\n  items: [zsh]\n  append: true\n",
    )
    .unwrap();
    // Neither a file of another name nor a subdirectory is read (both would fail to load).
    std::fs::write(dir.join("notes.txt"), "not: [yaml").unwrap();
    std::fs::create_dir(dir.join("sub")).unwrap();
    std::fs::write(dir.join("sub/c.yaml"), "- rule: [").unwrap();

    assert!(
        rtsec_rules::load_files(&[dir.join("b.yml"), dir.join("a.yaml")]).is_err(),
        "the other order does not load"
    );
    let files = rtsec_rules::rules_files(dir).unwrap();
    assert_eq!(files, [dir.join("a.yaml"), dir.join("b.yml")]);
    let set = rtsec_rules::load_files(&[dir]).unwrap_or_else(|e| panic!("{}", e.error));
    assert_eq!(set.counts().rules, 1);
    let files: Vec<String> = set.rules().map(|r| r.file.clone()).collect();
    assert_eq!(files, [dir.join("a.yaml").display().to_string()]);

    let empty = dir.join("sub/empty");
    std::fs::create_dir(&empty).unwrap();
    let Err(e) = rtsec_rules::load_files(&[&empty]) else {
        panic!("an empty directory loaded")
    };
    assert!(
        e.error
            .to_string()
            .contains("a directory without rules files"),
        "{}",
        e.error
    );
}

#[test]
fn falco_yaml_rules_commands_apply_in_order_and_can_enable_disabled_rules() {
    let set = ok(&[r#"
- rule: Shell in container
  desc: d
  condition: evt.type = execve
  output: o
  priority: INFO
  tags: [x]
- rule: Netcat remote
  desc: d
  condition: evt.type = execve
  output: o
  priority: INFO
  tags: [y]
  enabled: false
- rule: Netcat local
  desc: d
  condition: evt.type = execve
  output: o
  priority: DEBUG
  tags: [x, y]
"#]);
    use rtsec_rules::{RuleCommand, RuleTarget};
    let cmd = |enable: bool, rule: Option<&str>, tag: Option<&str>| RuleCommand {
        enable,
        target: match (rule, tag) {
            (Some(r), _) => RuleTarget::Name(r.into()),
            (_, Some(t)) => RuleTarget::Tag(t.into()),
            _ => unreachable!(),
        },
    };
    let fire = |commands: Vec<RuleCommand>, min: Priority| {
        let e = Engine::new(
            &set,
            EngineOptions {
                rule_matching: RuleMatching::All,
                min_priority: min,
                commands,
                ..Default::default()
            },
        );
        fired(&e, &exec(&P::new("x").build()))
    };
    use rtsec_rules::Priority;
    let d = Priority::Debug;
    assert_eq!(fire(vec![], d), ["Shell in container", "Netcat local"]);
    // Falco's example: disable everything, then enable what you want.
    assert_eq!(
        fire(
            vec![cmd(false, Some("*"), None), cmd(true, None, Some("y"))],
            d
        ),
        ["Netcat remote", "Netcat local"]
    );
    assert_eq!(
        fire(
            vec![
                cmd(false, Some("*"), None),
                cmd(true, Some("Netcat*"), None),
                cmd(false, Some("* local"), None),
            ],
            d
        ),
        ["Netcat remote"]
    );
    // The minimum priority still applies to enabled rules.
    assert_eq!(
        fire(
            vec![cmd(true, Some("Netcat*"), None)],
            Priority::Informational
        ),
        ["Shell in container", "Netcat remote"]
    );
    assert!(
        fire(
            vec![cmd(false, None, Some("x")), cmd(false, None, Some("y"))],
            d
        )
        .is_empty()
    );
}

#[test]
fn wildcards_are_falcos_stars() {
    use rtsec_rules::matches_wildcard as m;
    assert!(m("*", ""));
    assert!(m("*", "anything"));
    assert!(m("Netcat*", "Netcat Remote Code Execution in Container"));
    assert!(m("*Container", "Netcat Remote Code Execution in Container"));
    assert!(m(
        "N*Code*Container",
        "Netcat Remote Code Execution in Container"
    ));
    assert!(m("exact", "exact"));
    assert!(!m("exact", "exactly"));
    assert!(!m("a*a", "a"));
    assert!(m("a*a", "aa"));
    assert!(!m("Netcat?", "Netcat!"), "only * is special");
    assert!(m("Netcat?", "Netcat?"));
    assert!(!m("*x*y", "yx"));
}

/// A rule that asks for an event type rtsec never records is warned about (and can never
/// fire if that is all it asks for). Falco counts such a type, so a rule on it alone does not
/// get Falco's "too many evt.type values" warning, which a rule matching no type at all does.
#[test]
fn event_types_rtsec_never_records_are_warned_about() {
    let set = ok(&[r#"
- rule: switches
  desc: d
  condition: evt.type = switch and proc.name = x
  output: o
  priority: warning
- rule: opens or containers
  desc: d
  condition: evt.type in (open, container)
  output: o
  priority: warning
- rule: nothing
  desc: d
  condition: evt.type = open and evt.type = execve
  output: o
  priority: warning
"#]);
    let of = |rule: &str| -> Vec<String> {
        set.warnings()
            .iter()
            .filter(|w| w.item.as_ref().is_some_and(|i| i.name == rule))
            .map(|w| w.message.clone())
            .collect()
    };
    assert_eq!(
        of("switches"),
        [
            "names event types rtsec does not record (switch), which its condition never \
          matches: the rule can never fire on an rtsec trace"
        ]
    );
    assert_eq!(
        of("opens or containers"),
        [
            "names event types rtsec does not record (container), which its condition never \
          matches"
        ]
    );
    assert_eq!(
        of("nothing"),
        ["Rule matches too many evt.type values. This has a significant performance penalty."]
    );
}

/// A key repeated in an item loads as Falco loads it: yaml-cpp accepts the mapping and looks
/// the key up first-match, so the first value counts; a warning names the repeat. (It was a
/// YAML error here, refusing a file Falco runs.)
#[test]
fn a_repeated_key_takes_its_first_value_with_a_warning() {
    let set = ok(&[r#"
- rule: shell
  desc: a shell
  condition: evt.type = execve and proc.name = bash
  output: shell %proc.name
  condition: evt.type = execve and proc.name = nothing
  priority: WARNING
"#]);
    let w: Vec<_> = set.warnings().iter().map(|w| w.headline()).collect();
    assert!(
        w.iter().any(|x| x.contains(
            "f0.yaml:6:3: rule 'shell': Duplicate key 'condition'. Only its first value is used"
        )),
        "{w:?}"
    );
    assert_eq!(fires(&set, &bash_under("sshd")), ["shell"]);
}
