//! falco.yaml's `static_fields` (Falco ≥ 0.41, libsinsp's `sinsp_filter_check_static`):
//! `static.NAME` fields of constant text that conditions, exceptions, outputs and later
//! filters may name, and that `suggested_output` appends to every output before the container
//! plugin's fields.

mod common;

use common::*;
use rtsec_rules::{
    AppendOutput, HostTable, LoadOptions, OutputValue, RuleMatching, RuleSet, RuleSource,
    StaticFields,
};

const RULES: &str = r#"
- rule: prod_shadow
  desc: d
  condition: evt.type = openat and static.cluster = prod-eu and fd.name = /etc/shadow
  output: shadow read in %static.cluster by %proc.name
  priority: WARNING
  exceptions:
    - name: test_region
      fields: [static.region]
      values: [[lab]]
- rule: dev_shadow
  desc: d
  condition: evt.type = openat and static.cluster = dev and fd.name = /etc/shadow
  output: never
  priority: WARNING
"#;

fn statics(pairs: &[(&str, &str)]) -> StaticFields {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn load(statics: StaticFields, append_output: Vec<AppendOutput>) -> RuleSet {
    rtsec_rules::load_with(
        &[RuleSource::new("r.yaml", RULES)],
        &LoadOptions {
            append_output,
            static_fields: statics,
        },
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn conditions_exceptions_and_outputs_see_the_configured_values() {
    let set = load(
        statics(&[("cluster", "prod-eu"), ("region", "eu-west-1")]),
        Vec::new(),
    );
    let e = engine(&set, RuleMatching::All);
    let p = P::new("cat").build();
    let shadow = openat(&p, "/etc/shadow", 0, 3);
    assert_eq!(fired(&e, &shadow), ["prod_shadow"]);
    assert!(fired(&e, &openat(&p, "/etc/hosts", 0, 3)).is_empty());
    let (a, _) = checked_alert(&e, &shadow);
    assert_eq!(a.output, "shadow read in prod-eu by cat");
    let s = |v: &str| OutputValue::String(v.into());
    assert!(
        a.output_fields
            .contains(&("static.cluster".into(), s("prod-eu"))),
        "{:?}",
        a.output_fields
    );
    assert!(a.json_line().contains(r#""static.cluster":"prod-eu""#));

    // The exception names a static field: in the `lab` region the rule is quiet.
    let lab = load(
        statics(&[("cluster", "prod-eu"), ("region", "lab")]),
        Vec::new(),
    );
    assert!(fired(&engine(&lab, RuleMatching::All), &shadow).is_empty());

    // Filters given later (`replay --filter`) see them too.
    let f = set.filter("static.region startswith eu-").unwrap();
    let ev = shadow.event(0).unwrap();
    assert!(f.matches(&ev, &mut rtsec_rules::Scratch::new(), &HostTable::new()));
}

#[test]
fn suggested_output_lists_static_fields_by_name_before_the_container_fields() {
    let set = load(
        statics(&[("region", "eu-west-1"), ("cluster", "prod-eu")]),
        AppendOutput::falco_default(),
    );
    let output = &set.rules().next().unwrap().output;
    assert_eq!(
        output,
        "shadow read in %static.cluster by %proc.name static_cluster=%static.cluster \
         static_region=%static.region container_id=%container.id \
         container_name=%container.name container_image_repository=%container.image.repository \
         container_image_tag=%container.image.tag k8s_pod_name=%k8s.pod.name \
         k8s_ns_name=%k8s.ns.name"
    );
    let e = engine(&set, RuleMatching::First);
    let (a, _) = checked_alert(&e, &openat(&P::new("cat").build(), "/etc/shadow", 0, 3));
    assert!(
        a.output
            .contains(" static_cluster=prod-eu static_region=eu-west-1 container_id=host"),
        "{}",
        a.output
    );
    // Not suggested without `suggested_output`.
    let plain = load(
        statics(&[("cluster", "prod-eu"), ("region", "eu")]),
        Vec::new(),
    );
    assert!(!plain.rules().next().unwrap().output.contains("static_"));
}

#[test]
fn a_static_field_that_is_not_configured_is_an_unknown_field() {
    let e = rtsec_rules::load_with(
        &[RuleSource::new(
            "r.yaml",
            RULES.replace("static.cluster = dev", "static.region = lab"),
        )],
        &LoadOptions {
            static_fields: statics(&[("cluster", "prod-eu")]),
            ..LoadOptions::default()
        },
    )
    .unwrap_err();
    let m = e.to_string();
    assert!(
        m.contains("'static.region' is not a supported filter field"),
        "the exception's field is checked first: {m}"
    );
    let e = rtsec_rules::load_with(
        &[RuleSource::new(
            "r.yaml",
            RULES.replace("static.cluster = dev", "static.zone = lab"),
        )],
        &LoadOptions {
            static_fields: statics(&[("cluster", "prod-eu"), ("region", "eu")]),
            ..LoadOptions::default()
        },
    )
    .unwrap_err();
    let m = e.to_string();
    assert!(
        m.contains("nonexistent field static.zone (static_fields has cluster, region)"),
        "{m}"
    );
    let e = rtsec_rules::load(&[RuleSource::new("r.yaml", RULES)]).unwrap_err();
    let m = e.to_string();
    assert!(
        m.contains("'static.region' is not a supported filter field"),
        "{m}"
    );

    // As any unknown field, it skips a rule that allows it, with a warning.
    let skip = r#"
- rule: maybe
  desc: d
  condition: evt.type = openat and static.cluster = prod
  output: o
  priority: INFO
  skip-if-unknown-filter: true
"#;
    let set = rtsec_rules::load(&[RuleSource::new("s.yaml", skip)]).unwrap();
    assert_eq!(set.rules().len(), 0);
    assert!(
        set.warnings()
            .iter()
            .any(|w| w.message.contains("nonexistent field static.cluster")),
        "{:?}",
        set.warnings()
    );
}
