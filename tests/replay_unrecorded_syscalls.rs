//! A rule that watches a syscall the capture left out (`rtsec capture --syscalls`) cannot fire
//! on those events. Against the real kernel: `rtsec replay` names each such rule, what it
//! cannot see and what to record, and `rtsec test` says so in the report of a case that
//! expected the rule to fire. A recording of the default set gives no such note.

mod replay_support;

use replay_support::*;

#[test]
fn rules_watching_syscalls_the_capture_left_out_are_named() {
    if !can_capture() {
        return;
    }
    let dir = tempdir();
    let record = |name: &str, syscalls: &str| {
        let t = dir.path().join(name);
        let o = rtsec(&[
            "capture",
            "-o",
            t.to_str().unwrap(),
            "--syscalls",
            syscalls,
            "--",
            "sh",
            "-c",
            "cat /etc/shadow > /dev/null",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        t
    };
    // Processes and their execs, not the opens: the read of /etc/shadow is not in the trace.
    let blind = record("no-opens.rts", "execve,execveat,clone,clone3,fork,vfork");
    let r = rtsec(&["replay", blind.to_str().unwrap()]);
    let err = stderr(&r);
    assert!(
        err.contains(
            "rules watch syscalls this capture did not record, and cannot fire on those events"
        ),
        "{err}"
    );
    assert!(
        err.contains("        Sensitive file read: open, openat, openat2\n"),
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
    let full = record("default.rts", "default");
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
    let t = dir.path().join("t.rts");
    let o = rtsec(&[
        "capture",
        "-o",
        t.to_str().unwrap(),
        "--for-rules",
        rules.to_str().unwrap(),
        "--",
        "sh",
        "-c",
        "cat /etc/shadow > /dev/null",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--for-rules: 1 enabled rule watches 1 syscall; also recording read"),
        "{}",
        stderr(&o)
    );
    let r = rtsec(&["replay", "-r", rules.to_str().unwrap(), t.to_str().unwrap()]);
    assert!(
        stdout(&r).contains("Warning read of /etc/shadow by cat"),
        "{}{}",
        stdout(&r),
        stderr(&r)
    );
    assert!(!stderr(&r).contains("did not record"), "{}", stderr(&r));
    // Without it, the same rule is named as blind.
    let t2 = dir.path().join("t2.rts");
    let o = rtsec(&[
        "capture",
        "-o",
        t2.to_str().unwrap(),
        "--",
        "sh",
        "-c",
        "cat /etc/shadow > /dev/null",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r = rtsec(&[
        "replay",
        "-r",
        rules.to_str().unwrap(),
        t2.to_str().unwrap(),
    ]);
    assert!(
        stderr(&r).contains("        Shadow read: read\n"),
        "{}",
        stderr(&r)
    );
    assert_eq!(stdout(&r), "");
    // `rtsec diff` names it too: a rule change cannot show what the trace cannot hold.
    let rules = rules.to_str().unwrap();
    let r = rtsec(&["diff", "--old", rules, "--new", rules, t2.to_str().unwrap()]);
    assert!(
        stderr(&r).contains("        Shadow read: read\n"),
        "{}",
        stderr(&r)
    );
}
