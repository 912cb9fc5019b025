//! CI runs every regression case in `testdata/` (`rtsec test testdata/`), and the cases keep
//! covering every bundled rule and every rule of Falco's stable set with a positive and a
//! negative case.

mod replay_support;

use std::collections::BTreeSet;

use replay_support::*;

#[test]
fn every_case_in_testdata_passes() {
    let o = rtsec(&["test", "testdata/"]);
    let out = stdout(&o);
    assert_eq!(code(&o), 0, "{out}{}", stderr(&o));
    let summary = out.lines().last().unwrap_or("");
    assert!(
        summary.contains(" passed, 0 failed, 0 could not run"),
        "{out}"
    );
    let n: usize = summary.split(' ').next().unwrap().parse().unwrap();
    assert!(n >= 14, "{out}");
}

/// Rule names with a positive count (`"Rule": N`, N ≥ 1) in the case files of `dir`.
fn positives(dir: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for e in std::fs::read_dir(root().join(dir)).unwrap().flatten() {
        let text = std::fs::read_to_string(e.path()).unwrap();
        let mut in_counts = false;
        for line in text.lines() {
            let t = line.trim();
            if t == "counts:" {
                in_counts = true;
                continue;
            }
            if in_counts && !line.starts_with("    ") {
                in_counts = false;
            }
            if in_counts
                && let Some((name, n)) = t.rsplit_once(':')
                && n.trim().parse::<u64>().is_ok_and(|n| n > 0)
            {
                found.insert(name.trim().trim_matches('"').to_string());
            }
        }
    }
    found
}

#[test]
fn the_cases_cover_every_bundled_rule_and_ten_falco_rules() {
    let covered = positives("testdata/cases/bundled");
    let set = rtsec_rules::RuleSet::bundled().expect("bundled rules load");
    let missing: Vec<&str> = set
        .rules()
        .filter(|r| r.enabled && !covered.contains(&r.name))
        .map(|r| r.name.as_str())
        .collect();
    assert!(
        missing.is_empty(),
        "bundled rules without a positive case in testdata/cases/bundled: {missing:?}"
    );
    let falco = rtsec_rules::load_files(&[falco_rules()]).expect("Falco's stable rules load");
    let names: BTreeSet<String> = falco.rules().map(|r| r.name.clone()).collect();
    let covered: BTreeSet<String> = positives("testdata/cases/falco-stable")
        .intersection(&names)
        .cloned()
        .collect();
    assert!(covered.len() >= 10, "{covered:?}");
}

#[test]
fn every_bundled_rule_has_a_passing_positive_and_negative_case() {
    let o = rtsec(&["test", "--require-coverage", "testdata/cases/bundled"]);
    let out = stdout(&o);
    assert_eq!(code(&o), 0, "{out}{}", stderr(&o));
    let set = rtsec_rules::RuleSet::bundled().expect("bundled rules load");
    let n = set.rules().filter(|r| r.enabled).count();
    assert!(
        out.contains(&format!(
            "Coverage: {n} of {n} rules have a passing positive"
        )),
        "{out}"
    );
    // Falco's own test captures cover their rules in part: --require-coverage says which
    // are not, and fails.
    let o = rtsec(&["test", "--require-coverage", "testdata/cases/falco-traces"]);
    let out = stdout(&o);
    assert_eq!(code(&o), 1, "{out}");
    assert!(out.contains("Without a passing positive case ("), "{out}");
    assert!(out.contains(" passed, 0 failed"), "{out}");
    let o = rtsec(&["test", "--coverage", "testdata/cases/falco-traces"]);
    assert_eq!(code(&o), 0, "--coverage alone only reports: {}", stdout(&o));
}

#[test]
fn every_falco_stable_rule_has_a_passing_positive_and_negative_case() {
    let o = rtsec(&["test", "--require-coverage", "testdata/cases/falco-stable"]);
    let out = stdout(&o);
    assert_eq!(code(&o), 0, "{out}{}", stderr(&o));
    let falco = rtsec_rules::load_files(&[falco_rules()]).expect("Falco's stable rules load");
    let n = falco.rules().count();
    assert!(n >= 25, "{n} stable rules");
    assert!(
        out.contains(&format!(
            "Coverage: {n} of {n} rules have a passing positive"
        )),
        "{out}"
    );
}
