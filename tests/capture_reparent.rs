//! A process whose parent dies is reparented by the kernel (to the nearest child subreaper, or
//! its pid namespace's init) without an event of its own. Its later events must name the new
//! parent, as `/proc` and Falco would: when a process exits, capture asks `/proc` who its
//! children's parent is now.

mod capture_support;

use capture_support::*;

/// python3 makes itself a child subreaper; a shell starts a subshell in the background and
/// exits 0.2 s later: the subshell, which started `sleep` under its first parent, is then
/// handed to python3 and starts `cat` under its new one.
const SCRIPT: &str = "import ctypes, subprocess, time
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
subprocess.run(['sh', '-c', '(sleep 0.5; cat /etc/hostname; true) & sleep 0.2'], check=True)
time.sleep(1)
";

#[test]
fn an_orphan_names_its_new_parent() {
    if !can_capture() {
        return;
    }
    let dir = tempdir();
    let out = dir.path().join("t.rts");
    let o = capture(&out, &[], &["python3", "-c", SCRIPT]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let t = read(&out);
    let cat = t
        .events
        .iter()
        .find(|e| e.comm == "cat" && e.fd_name.as_deref() == Some("/etc/hostname"))
        .expect("cat opened /etc/hostname");
    let subshell = cat.ppid;
    let python = t
        .events
        .iter()
        .find(|e| e.comm == "python3")
        .expect("events of python3")
        .pid;
    // The shell that started the subshell, and when it exited.
    let first_parent = t
        .events
        .iter()
        .find(|e| e.pid == subshell && e.ppid != python)
        .expect("an event of the subshell under its first parent")
        .ppid;
    let died = t
        .events
        .iter()
        .find(|e| e.ty == "procexit" && e.pid == first_parent)
        .expect("the first parent's exit")
        .ts;
    let subshell_events = |after: bool| -> Vec<&Ev> {
        t.events
            .iter()
            .filter(|e| e.pid == subshell && (e.ts > died) == after)
            .collect()
    };
    let before = subshell_events(false);
    let after = subshell_events(true);
    assert!(!before.is_empty() && !after.is_empty());
    for e in before {
        assert_eq!(
            e.ppid, first_parent,
            "{} of the subshell before: ppid",
            e.ty
        );
        assert_eq!(e.parent_comm.as_deref(), Some("sh"), "{}", e.ty);
    }
    for e in &after {
        assert_eq!(e.ppid, python, "{} of the subshell after: ppid", e.ty);
        assert_eq!(e.parent_comm.as_deref(), Some("python3"), "{}", e.ty);
    }
    assert!(
        after.iter().any(|e| e.ty == "procexit"),
        "the subshell's exit names python3 too: {after:?}"
    );
}
