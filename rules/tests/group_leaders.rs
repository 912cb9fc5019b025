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
