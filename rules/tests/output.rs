//! Rule outputs as text, `output_fields` and JSON: escaping, invalid UTF-8, widths,
//! transformers, repeated tokens, numbers, addresses and the event time, through both
//! `Engine::alert` and a reused `AlertBuf`.

mod common;

use common::*;
use rtsec_rules::{AlertBuf, OutputValue, RuleMatching, RuleSource};

const RULES: &str = r#"
- rule: everything
  desc: d
  condition: evt.type = openat
  output: >
    file=%fd.name raw=%fd.nameraw w=%6proc.name| cut=%3proc.exe| low=%tolower(proc.name)
    again=%proc.name num=%fd.num uid=%user.uid pid=%proc.pid tty=%proc.tty
    time=%evt.time missing=%proc.aname[9] failed=%evt.failed
  priority: NOTICE
  tags: [t2, "t\"1"]
"#;

fn alert_of(path: &[u8], comm: &str) -> (String, Vec<(String, OutputValue)>, String, AlertBuf) {
    let e = engine_of(RULES, RuleMatching::First);
    let p = P::new(comm).exe("/usr/bin/longname").build();
    let path_str: &'static str = Box::leak(String::from_utf8_lossy(path).into_owned().into());
    let fd = std::sync::Arc::new(rtsec_format::FdInfo {
        name: path.to_vec(),
        nameraw: path.to_vec(),
        ..(*file_fd(7, path_str, 0)).clone()
    });
    let b = block(
        rtsec_format::Kind::Openat,
        &p,
        Some(&fd),
        rtsec_format::Args::Open {
            dirfd: rtsec_format::AT_FDCWD,
            path: rtsec_format::PathArg::same(Box::leak(path.to_vec().into_boxed_slice())),
            flags: 0,
            mode: 0,
            resolve: 0,
            dev: 0,
            ino: 0,
        },
        7,
    );
    let (a, buf) = checked_alert(&e, &b);
    (
        a.output.clone(),
        a.output_fields.clone(),
        a.json_line(),
        buf,
    )
}

fn field<'a>(f: &'a [(String, OutputValue)], k: &str) -> &'a OutputValue {
    &f.iter().find(|(x, _)| x == k).unwrap().1
}

#[test]
fn plain_values_widths_transformers_and_repeats() {
    let (out, fields, json, _) = alert_of(b"/etc/passwd", "Cat");
    assert!(
        out.starts_with(
            "file=/etc/passwd raw=/etc/passwd w=Cat   | cut=/us| low=cat again=Cat num=7 uid=0 pid="
        ),
        "{out}"
    );
    assert!(out.contains(" tty=0 time="), "{out}");
    assert!(out.contains(" missing=<NA> failed=false"), "{out}");
    // Widths and transformers change the text only; a transformer token is not a field.
    assert_eq!(
        field(&fields, "proc.name"),
        &OutputValue::String("Cat".into())
    );
    assert_eq!(
        field(&fields, "proc.exe"),
        &OutputValue::String("/usr/bin/longname".into())
    );
    assert!(!fields.iter().any(|(k, _)| k.starts_with("tolower")));
    assert_eq!(field(&fields, "fd.num"), &OutputValue::Int(7));
    assert_eq!(field(&fields, "user.uid"), &OutputValue::UInt(0));
    assert_eq!(field(&fields, "proc.aname[9]"), &OutputValue::Null);
    assert_eq!(field(&fields, "evt.failed"), &OutputValue::Bool(false));
    assert_eq!(field(&fields, "evt.time"), &OutputValue::UInt(TS));
    let keys: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(keys, sorted, "sorted, once each");
    assert!(json.contains(r#""tags":["t\"1","t2"]"#), "{json}");
    assert!(json.contains(r#""proc.aname[9]":null"#), "{json}");
}

#[test]
fn control_characters_are_escaped_in_text_only_and_bad_utf8_is_replaced() {
    let (out, fields, json, buf) = alert_of(b"/tmp/a\nb\x01c\xffd", "cat");
    assert!(
        out.starts_with("file=/tmp/a\\nb\\u0001c\u{fffd}d raw="),
        "{out}"
    );
    assert_eq!(
        field(&fields, "fd.name"),
        &OutputValue::String("/tmp/a\nb\u{1}c\u{fffd}d".into())
    );
    assert!(json.contains(r#""fd.name":"/tmp/a\nb\u0001c�d""#), "{json}");
    assert!(buf.line().contains("file=/tmp/a\\nb\\u0001c"));
}

/// falco.yaml's `time_format_iso_8601` and `json_include_*_property`, through both
/// `Engine::alert` and a reused `AlertBuf`.
#[test]
fn alert_shape_settings_change_the_line_and_the_json_keys() {
    use rtsec_rules::{AlertFormat, Engine, EngineOptions};
    let set = rtsec_rules::load(&[RuleSource::new(
        "shape.yaml",
        "- rule: exec\n  desc: d\n  condition: evt.type = execve\n  output: ran %proc.name\n  priority: WARNING\n  tags: [t]\n",
    )])
    .unwrap();
    let b = exec(&P::new("ls").build());
    let ev = b.event(0).unwrap();
    let run = |format: AlertFormat| {
        let e = Engine::new(
            &set,
            EngineOptions {
                format,
                ..Default::default()
            },
        );
        let mut sc = e.scratch();
        sc.set_hostname("h");
        let id = e.matches(&ev, &mut sc)[0];
        let a = e.alert(id, &ev, &mut sc);
        let mut buf = AlertBuf::new();
        e.render(id, &ev, &mut sc, &mut buf);
        let mut json = Vec::new();
        buf.write_json(e.rule(id), "h", &mut json);
        assert_eq!(buf.line(), a.text_line());
        assert_eq!(String::from_utf8(json).unwrap(), a.json_line());
        (a.text_line(), a.json())
    };
    let (line, json) = run(AlertFormat::default());
    let time = json["time"].as_str().unwrap().to_string();
    assert!(line.ends_with(": Warning ran ls container_id=host container_name=host container_image_repository= container_image_tag= k8s_pod_name=<NA> k8s_ns_name=<NA>"), "{line}");
    assert!(
        !line.starts_with(&time),
        "the local clock by default: {line}"
    );
    let keys =
        |j: &serde_json::Value| -> Vec<String> { j.as_object().unwrap().keys().cloned().collect() };
    assert_eq!(
        keys(&json),
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

    let (line, json) = run(AlertFormat {
        time_format_iso_8601: true,
        json_include_output_fields_property: false,
        json_include_tags_property: false,
        json_include_message_property: true,
        ..AlertFormat::default()
    });
    assert!(
        line.starts_with(&format!("{time}: Warning ran ls")),
        "{line}"
    );
    assert_eq!(json["output"], line.as_str());
    assert_eq!(json["message"], line.split_once(": Warning ").unwrap().1);
    assert_eq!(
        keys(&json),
        [
            "hostname", "message", "output", "priority", "rule", "source", "time"
        ]
    );
    let (_, json) = run(AlertFormat {
        json_include_output_property: false,
        ..AlertFormat::default()
    });
    assert!(json.get("output").is_none() && json.get("output_fields").is_some());
}

/// A reused `AlertBuf` writes the JSON parts of a rule once per rule: switching between
/// rules, and between engines whose rule of the same name differs, gives every alert's own
/// JSON, as the owned alert writes it.
#[test]
fn a_reused_buffer_writes_each_rules_own_json() {
    use rtsec_rules::{Engine, EngineOptions};
    let rules = |priority: &str, tag: &str| {
        rtsec_rules::load(&[RuleSource::new(
            "r.yaml",
            format!(
                "- rule: exec\n  desc: d\n  condition: evt.type = execve\n  output: ran %proc.name\n  \
                 priority: {priority}\n  tags: [{tag}]\n\
                 - rule: exec again\n  desc: d\n  condition: evt.type = execve\n  output: pid %proc.pid\n  \
                 priority: NOTICE\n"
            ),
        )])
        .unwrap()
    };
    let b = exec(&P::new("ls").build());
    let ev = b.event(0).unwrap();
    let engines: Vec<Engine> = [("WARNING", "t"), ("CRITICAL", "u")]
        .iter()
        .map(|(p, t)| {
            Engine::new(
                &rules(p, t),
                EngineOptions {
                    rule_matching: rtsec_rules::RuleMatching::All,
                    ..Default::default()
                },
            )
        })
        .collect();
    let mut buf = AlertBuf::new();
    for round in 0..2 {
        for e in &engines {
            let mut sc = e.scratch();
            sc.set_hostname("h");
            let ids = e.matches(&ev, &mut sc).to_vec();
            assert_eq!(ids.len(), 2);
            for id in ids {
                let want = e.alert(id, &ev, &mut sc).json_line();
                e.render(id, &ev, &mut sc, &mut buf);
                let mut json = Vec::new();
                buf.write_json(e.rule(id), "h", &mut json);
                assert_eq!(String::from_utf8(json).unwrap(), want, "round {round}");
            }
        }
    }
}

/// `evt.rawtime.s` and `evt.rawtime.ns` are the two parts of `evt.rawtime`; the fraction prints
/// with nine digits, as libsinsp prints it.
#[test]
fn the_raw_time_splits_into_seconds_and_the_fraction() {
    const PARTS: &str = r#"
- rule: parts
  desc: d
  condition: evt.rawtime.ns = 5 and evt.rawtime.s = 1700000011 and evt.rawtime > 1700000011000000000
  output: ns=%evt.rawtime.ns s=%evt.rawtime.s raw=%evt.rawtime
  priority: NOTICE
"#;
    let e = engine_of(PARTS, RuleMatching::First);
    let mut b = openat(&P::new("cat").build(), "/etc/hosts", 0, 3);
    b.events[0].ts = 1_700_000_011_000_000_005;
    let (a, _) = checked_alert(&e, &b);
    assert!(
        a.output
            .starts_with("ns=000000005 s=1700000011 raw=1700000011000000005 "),
        "{}",
        a.output
    );
    b.events[0].ts = 1_700_000_011_000_000_006;
    assert!(fired(&e, &b).is_empty());
}
