//! `Explainer`: the condition as written, part by part, agrees with the engine on every rule
//! and event, names macros and exceptions, shows the values read, and keeps to the parts that
//! decide the verdict unless asked for all.

mod common;

use common::*;
use rtsec_rules::{
    Engine, EngineOptions, HostTable, NameKind, RuleMatching, RuleSource, Step, StepKind, load,
};

fn all_falco_and_bundled() -> Vec<rtsec_rules::RuleSet> {
    vec![
        load(&[
            falco_file("falco_rules.yaml"),
            falco_file("falco-incubating_rules.yaml"),
            falco_file("falco-sandbox_rules.yaml"),
        ])
        .unwrap(),
        rtsec_rules::RuleSet::bundled().unwrap(),
    ]
}

/// Every rule of Falco's three files and the bundled set, on every event of the synthetic mix:
/// the explanation holds exactly when the engine's compiled program does, and fires exactly
/// when `matches` says so.
#[test]
fn explanations_agree_with_the_engine() {
    for set in all_falco_and_bundled() {
        let engine = Engine::new(
            &set,
            EngineOptions {
                rule_matching: RuleMatching::All,
                ..Default::default()
            },
        );
        let explainers: Vec<_> = engine
            .enabled()
            .iter()
            .map(|&id| engine.explainer(id))
            .collect();
        let mut sc = engine.scratch();
        let (mut held, mut checked) = (0, 0);
        let block = rtsec_format::synth::block(4_000, 7);
        for ev in block.events() {
            let hits = engine.matches(&ev, &mut sc).to_vec();
            for x in &explainers {
                let step = x.explain(&engine, &ev, &mut sc);
                let engine_says = engine
                    .condition_holds(x.rule(), &ev, &mut sc)
                    .unwrap_or(false);
                assert_eq!(
                    step.holds,
                    engine_says,
                    "rule {:?} on event {}",
                    engine.rule(x.rule()).name,
                    ev.num
                );
                assert_eq!(step.holds, hits.contains(&x.rule()));
                let c = x.closeness(&engine, &ev, &mut sc);
                assert_eq!(
                    (c.holds, c.checks),
                    (step.holds, step.checks_to_hold()),
                    "the score without the tree"
                );
                held += step.holds as usize;
                checked += 1;
            }
        }
        assert!(held > 0 && checked > held, "{held} of {checked}");
    }
}

const RULES: &str = r#"
- list: shells
  items: [bash, sh, zsh]
- macro: spawned
  condition: evt.type = execve
- macro: shell
  condition: proc.name in (shells)
- rule: Shell
  desc: d
  condition: spawned and shell and not proc.pname = sshd
  exceptions:
    - name: from_cron
      fields: [proc.pname]
      values: [[cron], [anacron]]
    - name: unused
      fields: [proc.pname]
  output: "shell %proc.name"
  priority: WARNING
"#;

fn shell_engine() -> Engine {
    let set = load(&[RuleSource::new("t.yaml", RULES)]).unwrap();
    Engine::new(&set, EngineOptions::default())
}

fn find<'s>(s: &'s Step, pred: &dyn Fn(&Step) -> bool) -> Option<&'s Step> {
    if pred(s) {
        return Some(s);
    }
    s.children.iter().find_map(|c| find(c, pred))
}

#[test]
fn macros_and_exceptions_are_named_and_checks_show_their_values() {
    let e = shell_engine();
    let x = e.explainer(0);
    let mut sc = e.scratch();
    let cron = P::new("cron").build();
    let zsh = P::new("zsh").parent(&cron).build();
    let b = exec(&zsh);
    let ev = b.events().next().unwrap();
    let step = x.explain(&e, &ev, &mut sc);
    assert!(!step.holds, "the from_cron exception applies");
    let named = |k: NameKind, n: &str| {
        find(&step, &|s: &Step| {
            s.kind == StepKind::Named(k, n.to_string())
        })
        .unwrap_or_else(|| panic!("{n} is named"))
        .clone()
    };
    assert!(named(NameKind::Condition, "Shell").holds);
    assert!(named(NameKind::Macro, "spawned").holds);
    assert!(named(NameKind::Exception, "from_cron").holds);
    // An exception without values adds no clause, so it is not shown.
    assert!(
        find(&step, &|s| s.kind
            == StepKind::Named(NameKind::Exception, "unused".into()))
        .is_none()
    );
    let check = find(
        &step,
        &|s| matches!(&s.kind, StepKind::Check(t) if t.starts_with("proc.name in")),
    )
    .unwrap();
    assert_eq!(check.kind, StepKind::Check("proc.name in (shells)".into()));
    assert_eq!(check.values, [("proc.name".to_string(), "zsh".to_string())]);

    let mut text = String::new();
    step.write_text(false, 0, &mut text);
    assert_eq!(
        text,
        "✗ and
  ✗ not exception from_cron (or)
    ✓ proc.pname = cron    [proc.pname: cron]
    … 1 more that do not hold, not shown
  … 1 more that hold, not shown
",
        "only the failing part is shown"
    );
}

#[test]
fn full_text_shows_every_part_and_the_short_one_counts_the_rest() {
    let e = shell_engine();
    let x = e.explainer(0);
    let mut sc = e.scratch();
    let sshd = P::new("sshd").build();
    let bash = P::new("bash").parent(&sshd).build();
    let b = exec(&bash);
    let ev = b.events().next().unwrap();
    let step = x.explain(&e, &ev, &mut sc);
    assert!(!step.holds);
    let mut short = String::new();
    step.write_text(false, 0, &mut short);
    let mut full = String::new();
    step.write_text(true, 0, &mut full);
    assert!(
        short.contains("✗ not proc.pname = sshd    [proc.pname: sshd]"),
        "{short}"
    );
    assert!(short.contains("… 2 more that hold, not shown"), "{short}");
    assert!(!short.contains("spawned"), "{short}");
    for part in [
        "✗ condition (and)",
        "✓ spawned: evt.type = execve    [evt.type: execve]",
        "✓ shell: proc.name in (shells)    [proc.name: bash]",
        "✓ not exception from_cron (or)",
        "✗ proc.pname = anacron    [proc.pname: sshd]",
    ] {
        assert!(full.contains(part), "{part:?} in\n{full}");
    }
    assert!(!full.contains("not shown"), "{full}");
    let json = step.to_json();
    assert_eq!(json["step"], "and");
    assert_eq!(json["holds"], false);
    assert_eq!(json["children"][0]["step"], "condition");
    assert_eq!(json["children"][0]["rule"], "Shell");
}

#[test]
fn the_engine_says_why_a_rule_is_not_enabled() {
    let set = load(&[RuleSource::new("t.yaml", RULES)]).unwrap();
    let e = Engine::new(
        &set,
        EngineOptions {
            min_priority: rtsec_rules::Priority::Error,
            hosts: HostTable::new(),
            ..Default::default()
        },
    );
    let why = e.not_enabled_because(0).unwrap();
    assert!(why.contains("below the minimum"), "{why}");
    assert_eq!(shell_engine().not_enabled_because(0), None);
}

#[test]
fn checks_to_hold_counts_the_cheapest_way_to_fire() {
    let e = shell_engine();
    let x = e.explainer(0);
    let mut sc = e.scratch();
    let step_of = |pname: &str, name: &str, sc: &mut rtsec_rules::Scratch| {
        let parent = P::new(pname).build();
        let p = P::new(name).parent(&parent).build();
        let b = exec(&p);
        let ev = b.events().next().unwrap();
        x.explain(&e, &ev, sc)
    };
    // Fires: nothing to change.
    assert_eq!(step_of("init", "bash", &mut sc).checks_to_hold(), 0);
    // The parent is sshd: one check.
    assert_eq!(step_of("sshd", "bash", &mut sc).checks_to_hold(), 1);
    // Not a shell and the from_cron exception applies: the name, and the exception's one
    // matching value.
    assert_eq!(step_of("cron", "ls", &mut sc).checks_to_hold(), 2);

    // Events that fail the same checks fail the same way.
    let way = |pname: &str, name: &str, sc: &mut rtsec_rules::Scratch| {
        let parent = P::new(pname).build();
        let p = P::new(name).parent(&parent).build();
        let b = exec(&p);
        let ev = b.events().next().unwrap();
        x.closeness(&e, &ev, sc)
    };
    let a = way("sshd", "bash", &mut sc);
    assert_eq!((a.holds, a.checks), (false, 1));
    assert_eq!(a.way, way("sshd", "zsh", &mut sc).way);
    assert_ne!(a.way, way("init", "ls", &mut sc).way);
    assert_ne!(
        way("cron", "ls", &mut sc).way,
        way("init", "ls", &mut sc).way
    );
}

#[test]
fn the_exceptions_that_keep_a_rule_from_firing_are_named() {
    let e = shell_engine();
    let x = e.explainer(0);
    let names: Vec<&str> = x.exceptions().iter().map(|e| e.name.as_str()).collect();
    assert_eq!(
        names,
        ["from_cron"],
        "an exception without values adds no clause"
    );
    assert_eq!(
        (x.exceptions()[0].file.as_str(), x.exceptions()[0].line),
        ("t.yaml", 12)
    );
    let mut sc = e.scratch();
    let mut on = |pname: &str, name: &str| {
        let parent = P::new(pname).build();
        let p = P::new(name).parent(&parent).build();
        let b = exec(&p);
        let ev = b.events().next().unwrap();
        x.suppressing(&e, &ev, &mut sc)
    };
    assert_eq!(on("cron", "zsh"), [0], "the exception keeps it from firing");
    assert!(on("init", "zsh").is_empty(), "it fires");
    assert!(on("sshd", "zsh").is_empty(), "the condition itself fails");
    assert!(on("cron", "ls").is_empty(), "the condition itself fails");
}

/// Lists are shown as the condition wrote them: by name where a list's name stood, as values
/// elsewhere.
#[test]
fn lists_are_shown_by_the_names_they_were_written_with() {
    let text = r#"
- list: shells
  items: [bash, sh, zsh]
- list: empty_list
  items: []
- rule: R
  desc: d
  condition: evt.type = execve and proc.name in (shells, fish, "a b") and proc.pname in (cron, shells) and not proc.name in (empty_list)
  output: "x"
  priority: WARNING
"#;
    let set = load(&[RuleSource::new("t.yaml", text)]).unwrap();
    let e = Engine::new(&set, EngineOptions::default());
    let mut sc = e.scratch();
    let p = P::new("bash").build();
    let b = exec(&p);
    let ev = b.events().next().unwrap();
    let step = e.explainer(0).explain(&e, &ev, &mut sc);
    let mut full = String::new();
    step.write_text(true, 0, &mut full);
    for part in [
        "✓ proc.name in (shells, fish, \"a b\")    [proc.name: bash]",
        "✗ proc.pname in (cron, shells)",
        "✓ not proc.name in ()",
    ] {
        assert!(full.contains(part), "{part:?} in\n{full}");
    }
}
