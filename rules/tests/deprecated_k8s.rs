//! The old Kubernetes client's fields (`k8s.deployment.name`, `k8s.ns.label.*`, …), which the
//! container plugin still lists but never fills: rules naming them load, never match, and
//! print `<NA>`, as in Falco with the container plugin.

mod common;

use common::*;
use rtsec_rules::RuleMatching;

#[test]
fn old_k8s_fields_load_and_are_always_missing() {
    let e = engine_of(
        r#"
- rule: old client fields
  desc: d
  condition: evt.type = execve and not k8s.deployment.name = web and not k8s.ns.label.team = x
  output: "[%k8s.deployment.name] [%k8s.rc.label[app]] [%k8s.svc.labels] [%k8s.rs.id] [%k8s.ns.id]"
  priority: NOTICE
- rule: never
  desc: d
  condition: k8s.deployment.name exists or k8s.svc.name != "" or k8s.rs.label.app in (web)
  output: never
  priority: NOTICE
"#,
        RuleMatching::All,
    );
    let c = container("nginx", false);
    let b = exec(&P::new("nginx").in_container(&c).build());
    assert_eq!(fired(&e, &b), ["old client fields"]);
    let (alert, _) = checked_alert(&e, &b);
    assert!(
        alert.output.contains("[<NA>] [<NA>] [<NA>] [<NA>] [<NA>]"),
        "{}",
        alert.output
    );
}
