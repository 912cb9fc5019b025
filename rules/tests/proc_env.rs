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
