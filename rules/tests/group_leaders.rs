//! `proc.sname`, `proc.sid.exe`, `proc.sid.exepath`, `proc.vpgid.name`, `proc.vpgid.exe` and
//! `proc.vpgid.exepath` as libsinsp finds the leader of a session or process group: the
//! highest ancestor with the same id, the process with that pid on the host, or the process
//! itself. Falco's stable rules print `proc_sname=%proc.sname`; captures record no name for
//! it, so rtsec looks it up at evaluation as libsinsp does.

mod common;

use std::sync::Arc;

use common::*;
use rtsec_format::{Block, ProcessInfo};

fn with_ids(p: Arc<ProcessInfo>, sid: i64, vpgid: i64) -> Arc<ProcessInfo> {
    let mut x = (*p).clone();
    x.sid = sid;
    x.vpgid = vpgid;
    // As captures record them: no leader names.
    x.sname.clear();
    x.vpgid_name.clear();
    Arc::new(x)
}

#[track_caller]
fn check(b: &Block, conditions: &[&str]) {
    for c in conditions {
        assert!(holds(b, c), "{c}");
    }
}

#[test]
fn the_leader_is_the_highest_ancestor_in_the_same_session_or_group() {
    let sshd = P::new("sshd").build();
    let bash = P::new("bash").parent(&sshd).build();
    let bash = with_ids(bash.clone(), bash.pid, bash.pid);
    let sudo = P::new("sudo").parent(&bash).build();
    let sudo = with_ids(sudo.clone(), bash.pid, sudo.pid);
    let sh = P::new("sh").parent(&sudo).build();
    let sh = with_ids(sh, bash.pid, sudo.pid);
    check(
        &exec(&sh),
        &[
            "proc.sname = bash",
            "proc.sid.exe = /usr/bin/bash",
            "proc.sid.exepath = /usr/bin/bash",
            "proc.vpgid.name = sudo",
            "proc.vpgid.exe = /usr/bin/sudo",
            "proc.vpgid.exepath = /usr/bin/sudo",
        ],
    );
}

#[test]
fn without_a_leader_in_sight_the_process_leads_itself() {
    let init = P::new("runc").build();
    // A session id no process of the block has, and a parent in another session.
    let app = P::new("httpd").parent(&init).build();
    let app = with_ids(app, 4242, 4242);
    check(
        &exec(&app),
        &["proc.sname = httpd", "proc.vpgid.name = httpd"],
    );
}

#[test]
fn a_recorded_name_is_taken_as_it_is() {
    let p = P::new("sh").build();
    let mut x = (*p).clone();
    x.sname = b"tmux".to_vec();
    x.vpgid_name = b"make".to_vec();
    check(
        &exec(&Arc::new(x)),
        &["proc.sname = tmux", "proc.vpgid.name = make"],
    );
}

#[test]
fn on_the_host_the_leader_is_its_own_record_not_one_of_its_threads() {
    use rtsec_format::record::proc_flags;
    use rtsec_rules::{HostTable, RuleSet, Scratch};

    // bash leads the session; one of its threads is named apart (a later record of the same
    // pid, which knows the process's name, as the capture makes it). sh, in bash's session but
    // under tmux, finds bash by pid; cat, forked by the thread, finds the thread's record.
    let bash = P::new("bash").build();
    let bash = with_ids(bash.clone(), bash.pid, bash.pid);
    let mut thread = (*bash).clone();
    thread.id += 1_000_000;
    thread.comm = b"worker".to_vec();
    thread.flags |= proc_flags::THREAD;
    thread.sname = b"bash".to_vec();
    thread.vpgid_name = b"bash".to_vec();
    let thread = Arc::new(thread);
    let tmux = P::new("tmux").build();
    let sh = P::new("sh").parent(&tmux).build();
    let sh = with_ids(sh, bash.pid, bash.pid);
    let cat = P::new("cat").parent(&thread).build();
    let cat = with_ids(cat, bash.pid, bash.pid);

    let blk = closes_by(&[
        (bash.pid, &bash),
        (bash.pid + 1, &thread),
        (sh.pid, &sh),
        (cat.pid, &cat),
    ]);
    let mut scratch = Scratch::new();
    let table = HostTable::new();
    let mut holds = |n: usize, cond: &str| {
        let set = RuleSet::empty().filter(cond).unwrap();
        set.matches(&blk.event(n).unwrap(), &mut scratch, &table)
    };
    for n in [1, 2, 3] {
        assert!(
            holds(n, "proc.sname = bash and proc.vpgid.name = bash"),
            "event {n}"
        );
    }
    // The thread's own events show its name, and so does its child's parent.
    assert!(holds(1, "proc.name = worker"));
    assert!(holds(3, "proc.pname = worker"));
}

#[test]
fn a_placeholder_has_libsinsps_unknown_ids() {
    // A task the source knew nothing about: libsinsp's placeholder thread has ptid, sid and
    // vpgid -1.
    let mut p = (*P::new("x").build()).clone();
    p.flags = rtsec_format::record::proc_flags::PLACEHOLDER;
    p.ppid = 0;
    p.sid = 0;
    p.vpgid = 0;
    p.parent = None;
    let b = exec(&std::sync::Arc::new(p));
    assert!(holds(
        &b,
        "proc.ppid = -1 and proc.sid = -1 and proc.vpgid = -1"
    ));
    // Ids an event told are kept.
    let mut q = (*P::new("y").build()).clone();
    q.flags = rtsec_format::record::proc_flags::PLACEHOLDER;
    q.sid = 7;
    assert!(holds(&exec(&std::sync::Arc::new(q)), "proc.sid = 7"));
}

/// `proc.is_sid_leader` compares the session id with the vpid, as libsinsp does: a container's
/// first process, whose setsid returned 1 (its pid inside), leads its session; a process on the
/// host leads the session of its own pid.
#[test]
fn a_session_leader_is_the_one_whose_vpid_is_the_session_id() {
    let runc = P::new("runc").build();
    let mut app = (*P::new("httpd").parent(&runc).build()).clone();
    app.vpid = 1;
    let app = with_ids(Arc::new(app), 1, 1);
    check(
        &exec(&app),
        &["proc.is_sid_leader = true", "proc.sid = 1", "proc.vpid = 1"],
    );
    let child = P::new("rm").parent(&app).build();
    let mut child = (*with_ids(child, 1, 1)).clone();
    child.vpid = 7;
    check(&exec(&Arc::new(child)), &["proc.is_sid_leader = false"]);
    let bash = P::new("bash").build();
    let bash = with_ids(bash.clone(), bash.pid, bash.pid);
    check(&exec(&bash), &["proc.is_sid_leader = true"]);
}
