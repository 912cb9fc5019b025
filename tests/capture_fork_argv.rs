//! A forked child runs the argv its parent has at the fork, not the one the parent was
//! exec'd with: daemons rewrite theirs (`sshd: root@pts/0`, `nginx: worker process`), and
//! Falco shows their children with the rewritten one (libsinsp takes `exe` and `args` from the
//! clone event, which the driver reads from the argv area at the fork).

mod capture_support;

use capture_support::*;

#[test]
fn a_child_runs_the_argv_its_parent_rewrote() {
    if !can_capture() {
        return;
    }
    let dir = tempdir();
    let out = dir.path().join("t.rts");
    let before = dir.path().join("before");
    let after = dir.path().join("after");
    for f in [&before, &after] {
        std::fs::write(f, b"x").unwrap();
    }
    // perl's `$0 =` writes the new title over its argv area (and names the thread with it).
    let perl = which("perl");
    let script = "if (fork() == 0) { open(my $f, '<', $ARGV[0]); exit 0 } wait; \
                  $0 = 'rtsec-title worker'; \
                  if (fork() == 0) { open(my $f, '<', $ARGV[1]); exit 0 } wait";
    let (b, a) = (before.to_str().unwrap(), after.to_str().unwrap());
    let o = capture(&out, &[], &[perl.to_str().unwrap(), "-e", script, b, a]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let t = read(&out);

    let first = t.open_of(b);
    assert_eq!(first.comm, "perl");
    assert_eq!(first.exe, perl.to_str().unwrap(), "the exec-time argv[0]");
    assert_eq!(first.args, vec!["-e", script, b, a]);

    let second = t.open_of(a);
    assert_ne!(second.pid, first.pid);
    assert_eq!(second.exe, "rtsec-title worker", "argv[0] as rewritten");
    assert!(
        second.args.iter().all(|a| a.trim().is_empty()),
        "the rest of the area is perl's padding: {:?}",
        second.args
    );
    assert_eq!(second.comm, "rtsec-title wor", "the thread name perl set");
    assert_eq!(second.exepath, first.exepath, "the executable is the same");
    // libsinsp leaves the caller as it was (its clone parser does not refresh it).
    assert_eq!(second.parent_comm.as_deref(), Some("perl"));
}

/// The probe cuts argv at 4 KiB at fork as at exec. A child whose cut argv starts its
/// parent's runs the parent's, and the cut is no second loss: the trace counts the exec's
/// cut only.
#[test]
fn a_long_argv_cut_at_fork_is_the_parents() {
    if !can_capture() {
        return;
    }
    let dir = tempdir();
    let out = dir.path().join("t.rts");
    let long = "x".repeat(6000);
    // Each subshell opens /dev/null for writing (the redirection) before it runs cat.
    let script = "for i in 1 2 3; do (cat /dev/null > /dev/null); done";
    let o = capture(&out, &[], &["bash", "-c", script, "zero", &long]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    let t = read(&out);
    let bash = t
        .events
        .iter()
        .find(|e| e.ty == "execve" && e.res == 0 && e.comm == "bash")
        .expect("bash's exec");
    let subshells: Vec<&Ev> = t
        .events
        .iter()
        .filter(|e| {
            e.comm == "bash" && e.pid != bash.pid && e.fd_name.as_deref() == Some("/dev/null")
        })
        .collect();
    let mut pids: Vec<i64> = subshells.iter().map(|e| e.pid).collect();
    pids.dedup();
    assert_eq!(pids.len(), 3, "three subshells");
    for e in subshells {
        assert_eq!((&e.exe, &e.args), (&bash.exe, &bash.args));
    }
    let argv_cuts: Vec<_> = t
        .losses
        .truncated
        .iter()
        .filter(|(w, _)| w == "argv")
        .collect();
    assert_eq!(
        argv_cuts,
        vec![&("argv".to_string(), 1)],
        "bash's exec only"
    );
}
