//! Falco's three rules files load with no error, and what they hold matches the reference
//! (§1 counts, §5.1 event types, priorities, disabled rules, evaluation order).

mod common;

use common::*;
use rtsec_rules::{Priority, RuleSet};

fn load(names: &[&str]) -> RuleSet {
    let sources: Vec<_> = names.iter().map(|n| falco_file(n)).collect();
    rtsec_rules::load(&sources).unwrap_or_else(|e| panic!("{names:?}: {}", e.error))
}

#[test]
fn each_file_loads_with_the_reference_counts() {
    for (file, rules, macros, lists) in [
        ("falco_rules.yaml", 25, 87, 49),
        ("falco-incubating_rules.yaml", 31, 82, 54),
        ("falco-sandbox_rules.yaml", 37, 183, 60),
    ] {
        let set = load(&[file]);
        let c = set.counts();
        assert_eq!(
            (c.rules, c.macros, c.lists),
            (rules, macros, lists),
            "{file}"
        );
        assert_eq!(set.required_engine_version(), Some("0.57.0"), "{file}");
    }
}

#[test]
fn all_three_files_load_together_in_falco_order() {
    let set = load(&[
        "falco_rules.yaml",
        "falco-incubating_rules.yaml",
        "falco-sandbox_rules.yaml",
    ]);
    assert_eq!(set.counts().rules, 25 + 31 + 37);
    // Redefinitions keep the first position: the stable rules come first.
    let first: Vec<_> = set.rules().take(3).map(|r| r.name.as_str()).collect();
    assert_eq!(
        first,
        [
            "Directory traversal monitored file read",
            "Read sensitive file trusted after startup",
            "Read sensitive file untrusted"
        ]
    );
}

const STABLE: &[(&str, Priority, &[&str])] = {
    use Priority::*;
    const OPEN: &[&str] = &["open", "openat", "openat2"];
    const EXEC: &[&str] = &["execve", "execveat"];
    &[
        ("Directory traversal monitored file read", Warning, OPEN),
        ("Read sensitive file trusted after startup", Warning, OPEN),
        ("Read sensitive file untrusted", Warning, OPEN),
        ("Run shell untrusted", Notice, EXEC),
        ("System user interactive", Informational, EXEC),
        ("Terminal shell in container", Notice, EXEC),
        (
            "Contact K8S API Server From Container",
            Notice,
            &["connect"],
        ),
        ("Netcat Remote Code Execution in Container", Warning, EXEC),
        ("Search Private Keys or Passwords", Warning, EXEC),
        ("Clear Log Activities", Warning, OPEN),
        ("Remove Bulk Data from Disk", Warning, EXEC),
        (
            "Create Symlink Over Sensitive Files",
            Warning,
            &["symlink", "symlinkat"],
        ),
        (
            "Create Hardlink Over Sensitive Files",
            Warning,
            &["link", "linkat"],
        ),
        ("Packet socket created in container", Notice, &["socket"]),
        (
            "Redirect STDOUT/STDIN to Network Connection in Container",
            Notice,
            &["dup", "dup2", "dup3"],
        ),
        (
            "Linux Kernel Module Injection Detected",
            Warning,
            &["init_module", "finit_module"],
        ),
        ("Debugfs Launched in Privileged Container", Warning, EXEC),
        (
            "Detect release_agent File Container Escapes",
            Critical,
            OPEN,
        ),
        ("PTRACE attached to process", Warning, &["ptrace"]),
        ("PTRACE anti-debug attempt", Notice, &["ptrace"]),
        ("Find AWS Credentials", Warning, EXEC),
        ("Execution from /dev/shm", Warning, EXEC),
        ("Drop and execute new binary in container", Critical, EXEC),
        (
            "Disallowed SSH Connection Non Standard Port",
            Notice,
            &["connect", "sendto", "sendmsg"],
        ),
        ("Fileless execution via memfd_create", Critical, EXEC),
    ]
};

#[test]
fn stable_rules_match_the_reference_table() {
    let set = load(&["falco_rules.yaml"]);
    let rules: Vec<_> = set.rules().collect();
    assert_eq!(rules.len(), STABLE.len());
    for (r, (name, prio, types)) in rules.iter().zip(STABLE) {
        assert_eq!(r.name, *name);
        assert_eq!(r.priority, *prio, "{name}");
        assert!(!r.all_event_types, "{name}");
        let mut want: Vec<_> = types.to_vec();
        want.sort();
        let mut got: Vec<_> = r.event_types.iter().map(String::as_str).collect();
        got.sort();
        assert_eq!(got, want, "{name}");
        assert!(r.enabled, "{name}");
        assert!(r.tags.iter().any(|t| t == "maturity_stable"), "{name}");
        assert_eq!(r.source, "syscall");
        assert!(r.file.ends_with("falco_rules.yaml"));
        assert!(r.output.ends_with("k8s_ns_name=%k8s.ns.name"), "{name}");
    }
    let count = |p| rules.iter().filter(|r| r.priority == p).count();
    assert_eq!(count(Priority::Warning), 14);
    assert_eq!(count(Priority::Notice), 7);
    assert_eq!(count(Priority::Critical), 3);
    assert_eq!(count(Priority::Informational), 1);
    // The 19 event-type names the stable rules reference.
    let mut all: Vec<&str> = rules
        .iter()
        .flat_map(|r| r.event_types.iter().map(String::as_str))
        .collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 19, "{all:?}");
}

#[test]
fn incubating_all_enabled_and_sandbox_disables_twelve() {
    let inc = load(&["falco-incubating_rules.yaml"]);
    assert!(inc.rules().all(|r| r.enabled));
    let sb = load(&["falco-sandbox_rules.yaml"]);
    let mut disabled: Vec<_> = sb
        .rules()
        .filter(|r| !r.enabled)
        .map(|r| r.name.as_str())
        .collect();
    disabled.sort();
    let mut want = vec![
        "Unexpected inbound connection source",
        "Read Shell Configuration File",
        "Interpreted procs inbound network activity",
        "Interpreted procs outbound network activity",
        "Unexpected K8s NodePort Connection",
        "Create Hidden Files or Directories",
        "Detect outbound connections to common miner pool ports",
        "Container Drift Detected (chmod)",
        "Container Drift Detected (open+create)",
        "Container Run as Root User",
        "Java Process Class File Download",
        "Modify Container Entrypoint",
    ];
    want.sort();
    assert_eq!(disabled, want);
}

#[test]
fn evaluation_order_per_event_type_follows_definition_order() {
    let set = load(&["falco_rules.yaml"]);
    let order = |ty: &str| -> Vec<usize> {
        set.rules()
            .enumerate()
            .filter(|(_, r)| r.event_types.iter().any(|t| t == ty))
            .map(|(i, _)| i + 1)
            .collect()
    };
    assert_eq!(order("execve"), [4, 5, 6, 8, 9, 11, 17, 21, 22, 23, 25]);
    assert_eq!(order("openat"), [1, 2, 3, 10, 18]);
    assert_eq!(order("connect"), [7, 24]);
    assert_eq!(order("ptrace"), [19, 20]);
}

#[test]
fn engine_indexes_only_enabled_rules_at_the_minimum_priority() {
    let set = load(&["falco_rules.yaml"]);
    let e = rtsec_rules::Engine::new(
        &set,
        rtsec_rules::EngineOptions {
            min_priority: Priority::Warning,
            ..Default::default()
        },
    );
    assert_eq!(e.enabled().len(), 14 + 3);
    let sb = load(&["falco-sandbox_rules.yaml"]);
    let e = rtsec_rules::Engine::new(&sb, Default::default());
    assert_eq!(e.enabled().len(), 37 - 12);
}
