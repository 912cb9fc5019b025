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
    let open_of = |path: &str| {
        t.events
            .iter()
            .find(|e| e.res >= 0 && e.fd_name.as_deref() == Some(path))
            .unwrap_or_else(|| panic!("no open of {path}"))
    };

    let first = open_of(b);
    assert_eq!(first.comm, "perl");
    assert_eq!(first.exe, perl.to_str().unwrap(), "the exec-time argv[0]");
    assert_eq!(first.args, vec!["-e", script, b, a]);

    let second = open_of(a);
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
