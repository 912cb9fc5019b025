//! Issue 4, test 3: a process that execs and exits within a millisecond is fully attributed
//! (comm, exepath, args, parent, container).

mod capture_support;

use capture_support::*;

#[test]
fn short_lived_process_is_fully_attributed() {
    if !can_capture() {
        return;
    }
    let dir = tempdir();
    let out = dir.path().join("t.rts");
    let id = container_id(7);
    let cg = FakeContainer::create(&format!("docker/{id}"));
    let truebin = which("true");
    // Ten quick programs in a (fake) container, ten on the host.
    let cmd = format!(
        "for i in 1 2 3 4 5 6 7 8 9 10; do {t} quick $i; done; \
         sh -c '{join} && for i in 1 2 3 4 5 6 7 8 9 10; do {t} boxed $i; done'",
        t = truebin.display(),
        join = cg.join_cmd()
    );
    let o = capture(&out, &[], &["sh", "-c", &cmd]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let t = read(&out);
    let mut lifetimes = Vec::new();
    let host = host_container_id();
    for (label, container) in [("quick", host.as_deref()), ("boxed", Some(&id[..12]))] {
        let execs: Vec<&Ev> = t
            .events
            .iter()
            .filter(|e| {
                e.ty == "execve" && e.res == 0 && e.args.first().map(String::as_str) == Some(label)
            })
            .collect();
        assert_eq!(execs.len(), 10, "{label}: one execve per run");
        for e in execs {
            assert_eq!(e.comm, "true", "{label}");
            assert_eq!(e.exe, truebin.to_str().unwrap(), "{label}: argv[0]");
            assert_eq!(e.exepath, truebin.to_str().unwrap(), "{label}");
            assert_eq!(e.args.len(), 2, "{label}");
            assert_eq!(e.parent_comm.as_deref(), Some("sh"), "{label}");
            assert_eq!(e.container.as_deref(), container, "{label}");
            let exit = t
                .events
                .iter()
                .find(|x| x.ty == "procexit" && x.pid == e.pid && x.ts >= e.ts)
                .unwrap_or_else(|| panic!("{label}: no procexit of pid {}", e.pid));
            assert_eq!(exit.comm, "true");
            assert_eq!(exit.exepath, e.exepath);
            assert_eq!(exit.container.as_deref(), container);
            lifetimes.push(exit.ts - e.ts);
        }
    }
    lifetimes.sort();
    eprintln!(
        "exec→exit of true: min {} µs, median {} µs",
        lifetimes[0] / 1000,
        lifetimes[lifetimes.len() / 2] / 1000
    );
}
