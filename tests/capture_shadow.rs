//! Issue 4, test 1: `rtsec capture -o t.rts -- sh -c 'cat /etc/shadow > /dev/null'` records the
//! openat of `/etc/shadow` by `cat`, whose parent is `sh`, with argv, exepath, cwd, uid and
//! result.

mod capture_support;

use capture_support::*;

#[test]
fn records_cat_reading_shadow_with_its_process() {
    if !can_capture() {
        return;
    }
    let dir = tempdir();
    let out = dir.path().join("t.rts");
    let o = capture(&out, &[], &["sh", "-c", "cat /etc/shadow > /dev/null"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let t = read(&out);
    assert!(t.footer, "a finished capture has a footer");
    let ev = t
        .events
        .iter()
        .find(|e| e.ty == "openat" && e.paths.first().is_some_and(|p| p.1 == "/etc/shadow"))
        .unwrap_or_else(|| panic!("no openat of /etc/shadow among {} events", t.events.len()));
    assert_eq!(ev.comm, "cat");
    assert_eq!(ev.parent_comm.as_deref(), Some("sh"));
    assert_eq!(ev.exe, "cat");
    assert_eq!(ev.args, vec!["/etc/shadow".to_string()]);
    assert_eq!(ev.exepath, which("cat").to_str().unwrap());
    let cwd = std::env::current_dir().unwrap();
    assert_eq!(
        ev.cwd,
        format!("{}/", cwd.display()),
        "cwd is kept with its trailing /"
    );
    assert_eq!((ev.uid, ev.euid), (0, 0));
    assert_eq!(ev.user.as_deref(), Some("root"));
    assert!(
        ev.res >= 0,
        "opening /etc/shadow as root succeeds: res={}",
        ev.res
    );
    assert_eq!(ev.fd_num, Some(ev.res));
    assert_eq!(ev.fd_name.as_deref(), Some("/etc/shadow"));
    assert_eq!(
        ev.container,
        host_container_id(),
        "a process outside any fake container is where the test runs (the host, or what \
         Falco's matchers make of this machine's cgroups)"
    );
    // The execve of cat is there too, attributed to the new image.
    let exec = t
        .events
        .iter()
        .find(|e| e.ty == "execve" && e.res == 0 && e.pid == ev.pid)
        .expect("execve of cat");
    assert_eq!(exec.comm, "cat");
    assert_eq!(
        std::fs::canonicalize(&exec.paths[0].1).unwrap(),
        which("cat")
    );
    // And the process ended.
    assert!(
        t.events
            .iter()
            .any(|e| e.ty == "procexit" && e.pid == ev.pid)
    );
    assert_eq!(
        t.losses.kernel_drops_per_cpu.iter().sum::<u64>(),
        0,
        "no drops"
    );
}
