//! Tasks as libsinsp's parser creates and renames them from a capture's clone, fork and execve
//! exits (`parse_clone_exit_caller`, `parse_clone_exit_child`, `parse_execve_exit`), turned into
//! state-engine calls.
//!
//! The rules that matter for old captures:
//! - A clone is seen twice: in the caller (result = the child's tid) and in the child (result 0).
//!   The caller's event creates the child only when its tid means something in the init pid
//!   namespace: not for `CLONE_NEWPID`, `CLONE_PARENT`, a caller inside a pid namespace
//!   (`vtid != tid`), nor for vfork (the child can exit before the caller returns). The child's
//!   own event creates it otherwise.
//! - The new task's uid and gid are the clone event's own (the caller's effective ids at the
//!   call), its name the event's `comm`; the rest comes from the caller (or, on the child side,
//!   from the parent for a process and the leader for a thread).
//! - An execve changes the ids only if the event carries them (`uid`, `gid`, `loginuid`, recent
//!   captures); a task first seen at its execve keeps unknown ids (`u32::MAX`), as libsinsp's
//!   placeholder threads do. The working directory is never taken from execve, nor the
//!   vpid (the process keeps the one its clone gave it).

use rtsec_format::ProcessInfo;
use rtsec_format::record::proc_flags::PLACEHOLDER;
use rtsec_scap::Event;

use super::args::{int, num, text, u32p, u64p};
use super::events::Feeder;
use super::{ppm, seed};
use crate::state::{Cgroup, Exec, Fork, ForkImage, ProcessSeed, State, TaskFacts, UNKNOWN_NAME};

/// libsinsp-only clone flag: the new task is not in the init pid namespace.
const PPM_CL_CHILD_IN_PIDNS: u32 = 1 << 29;
const PPM_CL_CLONE_NEWPID: u32 = 1 << 6;
const PPM_CL_CLONE_VFORK: u32 = 1 << 27;

/// Identity facts a clone/execve exit reports; what it does not say comes from `base` (the
/// process the task copies, or itself at execve), else is unknown (`u32::MAX` ids).
fn facts<'a>(
    base: Option<&ProcessInfo>,
    pid: i64,
    e: &Event<'a>,
    cgroups: &'a [Cgroup],
    has_cgroups: bool,
) -> TaskFacts<'a> {
    let id =
        |name: &str, old: Option<u32>| int(e, name).map(|v| v as u32).or(old).unwrap_or(u32::MAX);
    let uid = id("uid", base.map(|p| p.euid));
    let gid = id("gid", base.map(|p| p.egid));
    TaskFacts {
        comm: match text(e, "comm") {
            b"" => text(e, "exe")
                .rsplit(|b| *b == b'/')
                .next()
                .unwrap_or_default(),
            c => c,
        },
        uid,
        gid,
        euid: uid,
        egid: gid,
        loginuid: id("loginuid", base.map(|p| p.loginuid)),
        vpid: int(e, "vpid").filter(|v| *v > 0).unwrap_or(pid),
        sid: base.map_or(0, |p| p.sid),
        pgid: int(e, "pgid")
            .filter(|v| *v > 0)
            .or(base.map(|p| p.pgid))
            .unwrap_or(0),
        vpgid: int(e, "vpgid")
            .filter(|v| *v > 0)
            .or(base.map(|p| p.vpgid))
            .unwrap_or(0),
        tty: int(e, "tty")
            .map(|v| v as u32)
            .or(base.map(|p| p.tty))
            .unwrap_or(0),
        cap_inheritable: int(e, "cap_inheritable")
            .map(|v| v as u64)
            .or(base.map(|p| p.cap_inheritable))
            .unwrap_or(0),
        cap_permitted: int(e, "cap_permitted")
            .map(|v| v as u64)
            .or(base.map(|p| p.cap_permitted))
            .unwrap_or(0),
        cap_effective: int(e, "cap_effective")
            .map(|v| v as u64)
            .or(base.map(|p| p.cap_effective))
            .unwrap_or(0),
        fdlimit: int(e, "fdlimit")
            .map(|v| v as u64)
            .or(base.map(|p| p.fdlimit))
            .unwrap_or(0),
        cgroups: has_cgroups.then_some(cgroups),
        pidns_init_start_ts: int(e, "pidns_init_start_ts")
            .map(|v| v as u64)
            .or(base.map(|p| p.pidns_init_start_ts))
            .unwrap_or(0),
    }
}

/// Fills `cgroups` from the event's `cgroups` parameter; false if it has none.
fn parse_cgroups(e: &Event<'_>, cgroups: &mut Vec<Cgroup>) -> bool {
    let raw = text(e, "cgroups");
    *cgroups = seed::cgroups(raw.split(|b| *b == 0).filter(|s| !s.is_empty()));
    !raw.is_empty()
}

/// The new task's program as the clone exit reports it (libsinsp's child takes it from there).
fn image<'a>(e: &Event<'a>) -> ForkImage<'a> {
    ForkImage {
        exe: text(e, "exe"),
        args: text(e, "args"),
        cwd: text(e, "cwd"),
        // libsinsp takes the args as given, cut or not.
        args_truncated: false,
    }
}

impl Feeder {
    /// A thread the tables and events never introduced: a process of its own (the thread may
    /// belong to another, but nothing says which), whose ids are unknown — as libsinsp shows
    /// it — rather than root's.
    pub(super) fn unknown_process(&mut self, state: &mut State, tid: i64) {
        self.unknown_processes += 1;
        state.seed_process(ProcessSeed {
            pid: tid,
            vpid: tid,
            uid: u32::MAX,
            gid: u32::MAX,
            euid: u32::MAX,
            egid: u32::MAX,
            loginuid: u32::MAX,
            comm: UNKNOWN_NAME.to_vec(),
            exe: UNKNOWN_NAME.to_vec(),
            flags: PLACEHOLDER,
            ..ProcessSeed::default()
        });
        state.finish_seeding();
    }

    /// A clone/fork exit (see the module docs for which side creates the task).
    pub(super) fn clone(&mut self, state: &mut State, e: &Event<'_>, res: i64) {
        let flags = u32p(e, "flags");
        let thread = flags & ppm::PPM_CL_CLONE_THREAD != 0;
        if res > 0 {
            self.clone_caller(state, e, res, flags, thread);
        } else if res == 0 && !state.knows_tid(e.tid) {
            self.clone_child(state, e, thread);
        }
    }

    fn clone_caller(
        &mut self,
        state: &mut State,
        e: &Event<'_>,
        child: i64,
        flags: u32,
        thread: bool,
    ) {
        let caller_pid = int(e, "pid")
            .filter(|p| *p > 0)
            .unwrap_or_else(|| state.pid_of(e.tid).unwrap_or(e.tid));
        // The caller's tid in its own pid namespace: the event's, else the process's vpid when
        // the caller is its leader.
        let caller_vtid = int(e, "vtid").filter(|v| *v > 0).or_else(|| {
            (e.tid == caller_pid)
                .then(|| state.process(caller_pid).map(|p| p.vpid))
                .flatten()
        });
        let namespaced =
            flags & (PPM_CL_CHILD_IN_PIDNS | PPM_CL_CLONE_NEWPID | ppm::PPM_CL_CLONE_PARENT) != 0
                || caller_vtid.is_some_and(|v| v != e.tid);
        let vfork = flags & PPM_CL_CLONE_VFORK != 0 || e.type_name() == "vfork";
        if namespaced || vfork || state.knows_tid(child) {
            return;
        }
        let (pid, ppid) = if thread {
            (caller_pid, state.process(caller_pid).map_or(0, |p| p.ppid))
        } else {
            (child, caller_pid)
        };
        let has = parse_cgroups(e, &mut self.cgroups);
        let base = state.process(caller_pid).cloned();
        let f = facts(base.as_deref(), pid, e, &self.cgroups, has);
        state.fork(&Fork {
            ts: e.ts,
            parent_tid: e.tid,
            tid: child,
            pid,
            ppid,
            // A new process's ids in its namespace are its own, not the caller's.
            facts: Some(TaskFacts {
                vpid: 0,
                sid: 0,
                pgid: 0,
                vpgid: 0,
                ..f
            }),
            image: Some(image(e)),
        });
    }

    fn clone_child(&mut self, state: &mut State, e: &Event<'_>, thread: bool) {
        let pid = int(e, "pid").filter(|p| *p > 0).unwrap_or(e.tid);
        let ptid = num(e, "ptid", 0);
        // A thread copies its leader, a process its parent.
        let (parent_tid, ppid) = if thread {
            (pid, state.process(pid).map_or(ptid, |p| p.ppid))
        } else {
            (ptid, state.pid_of(ptid).unwrap_or(ptid))
        };
        let base_pid = if thread { pid } else { ppid };
        let has = parse_cgroups(e, &mut self.cgroups);
        let base = state.process(base_pid).cloned();
        let f = facts(base.as_deref(), pid, e, &self.cgroups, has);
        state.fork(&Fork {
            ts: e.ts,
            parent_tid,
            tid: e.tid,
            pid,
            ppid,
            facts: Some(f),
            image: Some(image(e)),
        });
    }

    /// A successful execve/execveat exit: the process's new image.
    pub(super) fn exec(&mut self, state: &mut State, e: &Event<'_>) {
        let pid = int(e, "pid")
            .filter(|p| *p > 0)
            .unwrap_or_else(|| state.pid_of(e.tid).unwrap_or(e.tid));
        let current = state.process(pid).cloned();
        // The parent is taken from the event only for a task the engine knew nothing about.
        let unknown = current.as_ref().is_none_or(|p| p.flags & PLACEHOLDER != 0);
        let ppid = int(e, "ptid")
            .filter(|_| unknown)
            .map(|t| state.pid_of(t).unwrap_or(t));
        let has = parse_cgroups(e, &mut self.cgroups);
        let mut f = facts(current.as_deref(), pid, e, &self.cgroups, has);
        // execve does not move a process to another pid namespace: without a vpid of its own
        // (execve exits carry none), the event keeps the process's, as libsinsp's thread does
        // (runc's container init is pid 1 of its namespace before and after its execve).
        if let Some(c) = current
            .as_deref()
            .filter(|_| int(e, "vpid").is_none_or(|v| v <= 0))
        {
            f.vpid = c.vpid;
        }
        let exec = Exec {
            ts: e.ts,
            tid: e.tid,
            pid,
            ppid,
            facts: f,
            exe: text(e, "exe"),
            args: text(e, "args"),
            args_truncated: false,
            env: text(e, "env"),
            exepath: text(e, "trusted_exepath"),
            filename: text(e, "filename"),
            exe_flags: u32p(e, "flags"),
            exe_ino: u64p(e, "exe_ino"),
            exe_ino_ctime: u64p(e, "exe_ino_ctime"),
            exe_ino_mtime: u64p(e, "exe_ino_mtime"),
            cwd: None,
        };
        state.exec(&exec);
    }
}
