//! `proc.env` and `proc.env[NAME]` as libsinsp's `sinsp_threadinfo::get_env` gives them: the
//! first `NAME=value` with a non-empty value, spaces trimmed; the empty string (not a missing
//! value) when there is none.

mod common;

use common::*;
use rtsec_rules::{RuleMatching, RuleSource};

const RULES: &str = r#"
- rule: env
  desc: d
  condition: evt.type = execve
  output: "[%proc.env[HTTP_PROXY]] [%proc.env[EMPTY]] [%proc.env[NONE]] [%proc.env[PAD]] [%proc.env]"
  priority: NOTICE
- rule: unset is empty
  desc: d
  condition: evt.type = execve and proc.env[NONE] = "" and proc.env[EMPTY] = ""
  output: unset
  priority: NOTICE
"#;

#[test]
fn values_are_trimmed_and_an_unset_variable_is_empty() {
    let mut p = P::new("curl");
    p.env = [
        "EMPTY=",
        "HTTP_PROXY=http://proxy:3128",
        "PAD=  x y  ",
        "HTTP_PROXY=second",
    ]
    .map(String::from)
    .to_vec();
    let b = exec(&p.build());
    let e = engine_of(RULES, RuleMatching::All);
    assert_eq!(fired(&e, &b), ["env", "unset is empty"]);
    let only_first = engine(
        &rtsec_rules::load(&[RuleSource::new(
            "env.yaml",
            &RULES[..RULES.find("- rule: unset").unwrap()],
        )])
        .unwrap(),
        RuleMatching::First,
    );
    let (alert, _) = checked_alert(&only_first, &b);
    assert!(
        alert.output.starts_with(
            "[http://proxy:3128] [] [] [x y] [EMPTY= HTTP_PROXY=http://proxy:3128 PAD=  x y   \
             HTTP_PROXY=second]"
        ),
        "{}",
        alert.output
    );
}

/// A shell started by a service started by init, each with its own environment.
fn lineage() -> std::sync::Arc<rtsec_format::ProcessInfo> {
    let mut init = P::new("systemd");
    init.env = vec!["PATH=/sbin".into()];
    let init = init.build();
    let mut svc = P::new("app").parent(&init);
    svc.env = vec!["HTTP_PROXY=http://proxy:3128".into(), "TOKEN=".into()];
    let svc = svc.build();
    let mut sh = P::new("sh").parent(&svc);
    sh.env = vec!["TERM=xterm".into(), "TOKEN=mine".into()];
    sh.build()
}

#[test]
fn aenv_reads_ancestors_as_libsinsp_does() {
    let b = exec(&lineage());
    let e = engine_of(
        r#"
- rule: aenv
  desc: d
  condition: evt.type = execve
  output: "[%proc.aenv] [%proc.aenv[0]] [%proc.aenv[1]] [%proc.aenv[2]] [%proc.aenv[3]] [%proc.aenv[HTTP_PROXY]] [%proc.aenv[TERM]] [%proc.aenv[TOKEN]]"
  priority: NOTICE
"#,
        RuleMatching::First,
    );
    let (alert, _) = checked_alert(&e, &b);
    // Without an argument or with [0]: the process's own; [N]: the Nth ancestor's (missing
    // above the oldest); [NAME]: the first non-empty value among the ancestors only (the
    // process's own TERM and TOKEN do not count, nor does the parent's empty TOKEN).
    assert!(
        alert.output.starts_with(
            "[TERM=xterm TOKEN=mine] [TERM=xterm TOKEN=mine] [HTTP_PROXY=http://proxy:3128 TOKEN=] \
             [PATH=/sbin] [<NA>] [http://proxy:3128] [] []"
        ),
        "{}",
        alert.output
    );
}

#[test]
fn aenv_in_conditions_matches_any_ancestor_unless_it_names_a_variable() {
    let b = exec(&lineage());
    // Any ancestor's whole environment, never the process's own, even with a level.
    assert!(holds(&b, "proc.aenv contains \"PATH=/sbin\""));
    assert!(holds(&b, "proc.aenv[1] contains \"PATH=/sbin\""));
    assert!(!holds(&b, "proc.aenv contains \"TERM=xterm\""));
    assert!(holds(&b, "proc.aenv[HTTP_PROXY] = http://proxy:3128"));
    assert!(holds(&b, "proc.aenv[TERM] = \"\""));
}
