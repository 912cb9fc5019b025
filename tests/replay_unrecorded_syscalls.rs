//! A rule that watches a syscall the capture left out (`rtsec capture --syscalls`) cannot fire
//! on those events. Against the real kernel: `rtsec replay` names each such rule, what it
//! cannot see and what to record, and `rtsec test` says so in the report of a case that
//! expected the rule to fire. A recording of the default set gives no such note.

mod replay_support;

use replay_support::*;

use std::path::{Path, PathBuf};

/// Records `cmd` into `dir/name` with the capture options `opts`; the trace and the capture's
/// stderr.
fn record(dir: &Path, name: &str, opts: &[&str], cmd: &str) -> (PathBuf, String) {
    let t = dir.join(name);
    let mut args = vec!["capture", "-o", t.to_str().unwrap()];
    args.extend_from_slice(opts);
    args.extend_from_slice(&["--", "sh", "-c", cmd]);
    let o = rtsec(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    (t, stderr(&o))
}

const READ_SHADOW: &str = "cat /etc/shadow > /dev/null";

#[test]
fn rules_watching_syscalls_the_capture_left_out_are_named() {
    if !can_capture() {
        return;
    }
    let dir = tempdir();
    // Processes and their execs, not the opens: the read of /etc/shadow is not in the trace.
    let (blind, _) = record(
        dir.path(),
        "no-opens.rts",
        &["--syscalls", "execve,execveat,clone,clone3,fork,vfork"],
        READ_SHADOW,
    );
    let r = rtsec(&["replay", blind.to_str().unwrap()]);
    let err = stderr(&r);
    assert!(
        err.contains(
            "rules watch syscalls this capture did not record, and cannot fire on those events"
        ),
        "{err}"
    );
    assert!(
        err.contains("        Sensitive file read: open, openat, openat2 (all it watches: it cannot fire on this trace)\n"),
        "{err}"
    );
    assert!(
        err.contains("`rtsec capture --syscalls default,") && err.contains(",open,openat,openat2,"),
        "{err}"
    );
    assert!(
        !err.contains("        Shell started in a container:"),
        "execve was recorded: {err}"
    );
    assert!(
        err.contains("rules watch syscalls that 1 of 1 trace did not record"),
        "{err}"
    );
    assert_eq!(
        code(&r),
        0,
        "the trace lost nothing it meant to record: {err}"
    );

    // So does `rtsec explain` of the rule.
    let r = rtsec(&[
        "explain",
        "-R",
        "Sensitive file read",
        "--closest",
        blind.to_str().unwrap(),
    ]);
    assert!(
        stderr(&r)
            .contains("note: rule \"Sensitive file read\" cannot fire on open, openat, openat2 in"),
        "{}",
        stderr(&r)
    );

    // The default set has every syscall the bundled rules watch.
    let (full, _) = record(dir.path(), "default.rts", &[], READ_SHADOW);
    let r = rtsec(&["replay", full.to_str().unwrap()]);
    assert!(!stderr(&r).contains("did not record"), "{}", stderr(&r));
    assert!(stdout(&r).contains("Sensitive file opened for reading"));

    // A case that expects the read fails, and its report says why the rule could not fire.
    let case = dir.path().join("read.case.yaml");
    std::fs::write(
        &case,
        "traces: [no-opens.rts]\nexpect:\n  counts:\n    Sensitive file read: 1\n",
    )
    .unwrap();
    let r = rtsec(&["test", case.to_str().unwrap()]);
    assert_eq!(code(&r), 1, "{}", stdout(&r));
    assert!(
        stdout(&r).contains(
            "rule \"Sensitive file read\" cannot fire on open, openat, openat2 in trace \
             no-opens.rts: its capture did not record them"
        ),
        "{}",
        stdout(&r)
    );

    // A case that expects no read passes, but cannot fail: it says so, and coverage does not
    // count it as a negative test of the rule.
    std::fs::write(
        &case,
        "traces: [no-opens.rts]\nexpect:\n  counts:\n    Sensitive file read: 0\n",
    )
    .unwrap();
    let r = rtsec(&["test", "--coverage", case.to_str().unwrap()]);
    let out = stdout(&r);
    assert_eq!(code(&r), 0, "{out}");
    assert!(
        out.contains(
            "note: `Sensitive file read: 0` cannot fail: the rule watches only syscalls these \
             traces' captures did not record (open, openat, openat2; `rtsec capture --syscalls \
             default,open,openat,openat2` records them)"
        ),
        "{out}"
    );
    let without_negative = out
        .split("Without a passing negative case")
        .nth(1)
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        without_negative
            .lines()
            .any(|l| l.starts_with("  Sensitive file read (")
                && l.ends_with(
                    "): 1 passing case has traces where it cannot fire, their captures did not \
                 record its syscalls"
                )),
        "{out}"
    );
}

/// `rtsec capture --for-rules FILE` adds the syscalls the file's rules watch to the set, as
/// Falco's drivers collect what the loaded rules need: a rule on `read` (which the default
/// set leaves out) fires on the recording, and the replay has nothing to warn about.
#[test]
fn for_rules_records_what_the_rules_watch() {
    if !can_capture() {
        return;
    }
    let dir = tempdir();
    let rules = dir.path().join("reads.yaml");
    std::fs::write(
        &rules,
        "- rule: Shadow read\n  desc: d\n  condition: evt.type = read and fd.name = /etc/shadow\n  \
         output: \"read of %fd.name by %proc.name\"\n  priority: WARNING\n",
    )
    .unwrap();
    let rules = rules.to_str().unwrap();
    let (t, err) = record(dir.path(), "t.rts", &["--for-rules", rules], READ_SHADOW);
    assert!(
        err.contains("--for-rules: 1 enabled rule watches 1 syscall; also recording read"),
        "{err}"
    );
    let r = rtsec(&["replay", "-r", rules, t.to_str().unwrap()]);
    assert!(
        stdout(&r).contains("Warning read of /etc/shadow by cat"),
        "{}{}",
        stdout(&r),
        stderr(&r)
    );
    assert!(!stderr(&r).contains("did not record"), "{}", stderr(&r));
    // Without it, the same rule is named as blind.
    let (t2, _) = record(dir.path(), "t2.rts", &[], READ_SHADOW);
    let r = rtsec(&["replay", "-r", rules, t2.to_str().unwrap()]);
    assert!(
        stderr(&r)
            .contains("        Shadow read: read (all it watches: it cannot fire on this trace)\n"),
        "{}",
        stderr(&r)
    );
    assert_eq!(stdout(&r), "");
    // `rtsec diff` names it too: a rule change cannot show what the trace cannot hold.
    let r = rtsec(&["diff", "--old", rules, "--new", rules, t2.to_str().unwrap()]);
    assert!(
        stderr(&r)
            .contains("        Shadow read: read (all it watches: it cannot fire on this trace)\n"),
        "{}",
        stderr(&r)
    );
}

/// Names rules compare `fd.sip.name` with need answers recorded with the trace (rtsec never
/// resolves while it judges): a capture that did not resolve them gets the rule named, and
/// `--for-rules` resolves them at the capture's start.
#[test]
fn names_the_capture_did_not_resolve_are_named_and_for_rules_resolves_them() {
    if !can_capture() {
        return;
    }
    let dir = tempdir();
    let rules = dir.path().join("miner.yaml");
    std::fs::write(
        &rules,
        "- list: miner_domains\n  items: [pool.example, xmr.example]\n\
         - rule: Miner\n  desc: d\n  condition: evt.type = connect and fd.sip.name in (miner_domains)\n  \
         output: \"miner %fd.name\"\n  priority: WARNING\n",
    )
    .unwrap();
    let rules = rules.to_str().unwrap();
    let (plain, _) = record(dir.path(), "plain.rts", &[], "true");
    let r = rtsec(&["replay", "-r", rules, plain.to_str().unwrap()]);
    assert!(
        stderr(&r).contains("        Miner: pool.example, xmr.example\n"),
        "{}",
        stderr(&r)
    );
    assert!(
        stderr(&r).contains("rules compare fd.*.name with names the trace has no answer for"),
        "{}",
        stderr(&r)
    );
    let case = dir.path().join("miner.case.yaml");
    std::fs::write(
        &case,
        format!("traces: [plain.rts]\nrules: [{rules}]\nexpect:\n  counts:\n    Miner: 1\n"),
    )
    .unwrap();
    let t = rtsec(&["test", case.to_str().unwrap()]);
    assert!(
        stdout(&t).contains(
            "rule \"Miner\" cannot match fd.*.name with pool.example, xmr.example in trace \
             plain.rts: it has no recorded answer for them"
        ),
        "{}",
        stdout(&t)
    );

    let (resolved, err) = record(dir.path(), "resolved.rts", &["--for-rules", rules], "true");
    assert!(
        err.contains("--for-rules: resolving 2 names the rules compare fd.*.name with"),
        "{err}"
    );
    let inspect = rtsec(&["inspect", "--json", resolved.to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&inspect)).unwrap();
    let asked: Vec<&str> = v["header"]["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap())
        .collect();
    assert!(
        asked.contains(&"pool.example") && asked.contains(&"xmr.example"),
        "{asked:?}"
    );
    let text = stdout(&rtsec(&["inspect", resolved.to_str().unwrap()]));
    let names = text
        .lines()
        .find(|l| l.starts_with("names:"))
        .unwrap_or_default();
    assert!(
        names.contains("pool.example") && names.contains("xmr.example"),
        "{text}"
    );
    let r = rtsec(&["replay", "-r", rules, resolved.to_str().unwrap()]);
    assert!(!stderr(&r).contains("no recorded answer"), "{}", stderr(&r));
}
