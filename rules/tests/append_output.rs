//! falco.yaml's `append_output` applied when rules load (`load_with`): which rules an entry
//! matches (source, every tag, rule name; as Falco's `engine/test_extra_output.cpp`), what
//! `extra_output` and `suggested_output` add to the text, and `extra_fields` in
//! `output_fields` only (formatted or raw, replacing an entry of the same key).

mod common;

use common::*;
use rtsec_rules::{
    AppendOutput, ExtraField, LoadOptions, OutputValue, RuleMatching, RuleSet, RuleSource,
    StaticFields, check_field, check_format,
};

const RULES: &str = r#"
- rule: legit_rule
  desc: d
  condition: evt.type = openat
  output: out 1 file=%fd.name
  priority: INFO
  tags: [tag1]
- rule: another_rule
  desc: d
  condition: evt.type = openat and proc.name = never
  output: out 2
  priority: INFO
  tags: [tag1]
- rule: a_third_rule
  desc: d
  condition: evt.type = openat and proc.name = never
  output: out 3
  priority: INFO
  tags: [tag1, tag2]
"#;

/// RULES loaded with `append`.
fn load(append: Vec<AppendOutput>) -> RuleSet {
    rtsec_rules::load_with(
        &[RuleSource::new("r.yaml", RULES)],
        &LoadOptions {
            append_output: append,
            ..LoadOptions::default()
        },
    )
    .unwrap()
}

fn outputs(append: Vec<AppendOutput>) -> Vec<String> {
    load(append).rules().map(|r| r.output.clone()).collect()
}

fn extra(text: &str) -> AppendOutput {
    AppendOutput {
        extra_output: text.into(),
        ..AppendOutput::default()
    }
}

#[test]
fn entries_match_rules_by_tags_name_and_source_as_falco_matches_them() {
    assert_eq!(
        outputs(vec![extra("evt.type=%evt.type")]),
        [
            "out 1 file=%fd.name evt.type=%evt.type",
            "out 2 evt.type=%evt.type",
            "out 3 evt.type=%evt.type",
        ]
    );
    // Falco's extra_format_by_tag_rule: every tag of an entry, in the order given.
    assert_eq!(
        outputs(vec![
            AppendOutput {
                tags: vec!["tag1".into()],
                ..extra("extra 1")
            },
            AppendOutput {
                rule: Some("another_rule".into()),
                ..extra("extra 2")
            },
            AppendOutput {
                tags: vec!["tag1".into(), "tag2".into()],
                ..extra("extra 3")
            },
            AppendOutput {
                source: Some("k8s_audit".into()),
                ..extra("never")
            },
            AppendOutput {
                source: Some("syscall".into()),
                rule: Some("legit_rule".into()),
                ..extra("syscall")
            },
        ]),
        [
            "out 1 file=%fd.name extra 1 syscall",
            "out 2 extra 1 extra 2",
            "out 3 extra 1 extra 3",
        ]
    );
}

#[test]
fn suggested_fields_are_falcos_default_and_only_where_an_entry_asks() {
    let suggested = " container_id=%container.id container_name=%container.name \
                     container_image_repository=%container.image.repository \
                     container_image_tag=%container.image.tag k8s_pod_name=%k8s.pod.name \
                     k8s_ns_name=%k8s.ns.name";
    let default: Vec<String> = rtsec_rules::load(&[RuleSource::new("r.yaml", RULES)])
        .unwrap()
        .rules()
        .map(|r| r.output.clone())
        .collect();
    assert_eq!(default[1], format!("out 2{suggested}"));
    assert_eq!(
        outputs(Vec::new())[1],
        "out 2",
        "a falco.yaml without append_output"
    );
    // An entry's extra_output comes before its suggested fields, as Falco adds them.
    assert_eq!(
        outputs(vec![AppendOutput {
            rule: Some("another_rule".into()),
            suggested_output: true,
            ..extra("x=%proc.name")
        }]),
        [
            "out 1 file=%fd.name".to_string(),
            format!("out 2 x=%proc.name{suggested}"),
            "out 3".to_string(),
        ]
    );
}

/// The alert of `legit_rule` on an openat of /etc/shadow by `cat`, rendered with `append`:
/// (text output, output_fields, JSON line, cat's pid).
fn alert(append: Vec<AppendOutput>) -> (String, Vec<(String, OutputValue)>, String, i64) {
    let set = load(append);
    let e = engine(&set, RuleMatching::First);
    let p = P::new("cat").build();
    let (a, _) = checked_alert(&e, &openat(&p, "/etc/shadow", 0, 3));
    (
        a.output.clone(),
        a.output_fields.clone(),
        a.json_line(),
        p.pid,
    )
}

#[test]
fn extra_fields_are_output_fields_only_formatted_or_raw() {
    let (text, fields, json, pid) = alert(vec![
        AppendOutput {
            extra_fields: vec![
                ExtraField::Formatted {
                    key: "who".into(),
                    format: "%proc.name (%proc.pid) on %5fd.name".into(),
                },
                ExtraField::Raw("proc.pid".into()),
                ExtraField::Formatted {
                    key: "home".into(),
                    format: "/root".into(),
                },
            ],
            ..AppendOutput::default()
        },
        // A later entry's key replaces an earlier one's; a key of the output is replaced.
        AppendOutput {
            extra_fields: vec![
                ExtraField::Formatted {
                    key: "home".into(),
                    format: "/home/%proc.name".into(),
                },
                ExtraField::Formatted {
                    key: "fd.name".into(),
                    format: "[%fd.name]".into(),
                },
            ],
            ..AppendOutput::default()
        },
        // Not this rule.
        AppendOutput {
            tags: vec!["tag2".into()],
            extra_fields: vec![ExtraField::Raw("proc.name".into())],
            ..AppendOutput::default()
        },
    ]);
    assert_eq!(text, "out 1 file=/etc/shadow", "the text is the rule's");
    let s = |v: &str| OutputValue::String(v.into());
    let keys: Vec<&str> = fields.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["evt.time", "fd.name", "home", "proc.pid", "who"]);
    assert_eq!(fields[1].1, s("[/etc/shadow]"));
    assert_eq!(fields[2].1, s("/home/cat"));
    assert_eq!(fields[3].1, OutputValue::Int(pid));
    assert_eq!(fields[4].1, s(&format!("cat ({pid}) on /etc/")));
    assert!(
        json.contains(r#""output_fields":{"evt.time":"#)
            && json.contains(&format!(
                r#""home":"/home/cat","proc.pid":{pid},"who":"cat ({pid}) on /etc/"}}"#
            )),
        "{json}"
    );
}

#[test]
fn formats_and_fields_of_entries_are_checked() {
    let none = StaticFields::new();
    assert_eq!(check_format("on CPU %evt.cpu", &none), Ok(()));
    assert_eq!(check_format("static text", &none), Ok(()));
    let e = check_format("x=%proc.nope", &none).unwrap_err();
    assert!(e.contains("proc.nope"), "{e}");
    assert_eq!(check_field("proc.aname[2]", &none), Ok(()));
    assert_eq!(check_field("toupper(proc.name)", &none), Ok(()));
    assert!(check_field("proc.nope", &none).is_err());
    assert!(check_field("proc.name and more", &none).is_err());
    // Static fields exist only as configured.
    let statics = StaticFields::from([("cluster".into(), "prod".into())]);
    assert!(check_format("c=%static.cluster", &none).is_err());
    assert_eq!(check_format("c=%static.cluster", &statics), Ok(()));
    assert_eq!(check_field("static.cluster", &statics), Ok(()));
}
