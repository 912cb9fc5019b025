//! One normalised scap event → state-engine calls → at most one trace event.
//!
//! Exit events of syscalls become [`Syscall`]s with rtsec's typed arguments ([`args`]: raw
//! Linux values, see [`ppm`]); clone/fork exits also create the task ([`Fork`]), successful execve exits
//! first replace the process image ([`Exec`]); `procexit` ends a task. Container and user/group
//! events update the engine's tables. Everything else is counted with the reason it is not
//! in the trace.

use rtsec_format::record::proc_flags::PLACEHOLDER;
use rtsec_format::{AT_FDCWD, Args, Kind, TraceWriter, syscalls};
use rtsec_scap::table::ids;
use rtsec_scap::{Direction, Event, Value};
use rustc_hash::FxHashSet;

use super::args::{self, int, num, path, text, u32p, u64p};
use super::{ppm, seed};
use crate::state::{
    Cgroup, Exec, Exit, Fork, GroupEntry, PasswdEntry, ProcessSeed, State, Syscall, TaskFacts,
};

/// What became of one scap event.
pub enum Outcome {
    /// Written to the trace.
    Written,
    /// Applied to the engine's tables (container, user or group metadata).
    Applied,
    /// Not in the trace, for this reason (and this event name).
    Skipped(&'static str, &'static str),
}

/// The process `tid` belongs to, as far as the engine knows.
fn pid_of(state: &State, tid: i64) -> i64 {
    state.pid_of(tid).unwrap_or(0)
}

/// Turns events into engine calls; keeps what only the importer needs between events.
#[derive(Default)]
pub struct Feeder {
    cgroups: Vec<Cgroup>,
    /// Processes the engine flags as placeholders (first seen mid-capture, or forked from one)
    /// whose identity an event has since told us.
    identified: FxHashSet<i64>,
    /// Threads first seen in an event that neither the tables nor a clone introduced.
    pub unknown_processes: u64,
}

impl Feeder {
    /// Feeds one event; pushes what it produces to `out`.
    pub fn feed(
        &mut self,
        state: &mut State,
        out: &mut TraceWriter,
        e: &Event<'_>,
    ) -> Result<Outcome, rtsec_format::FormatError> {
        let info = e.info();
        if info.id == ids::PPME_PROCEXIT_1_E {
            let code = int(e, "ret").or_else(|| int(e, "status")).unwrap_or(0);
            let exit = Exit {
                ts: e.ts,
                tid: e.tid,
                pid: pid_of(state, e.tid),
                cpu: e.cpu,
                code,
                sig: u32p(e, "sig"),
                core: u32p(e, "core") != 0,
                group_dead: None,
            };
            out.push(&state.exit(&exit))?;
            return Ok(Outcome::Written);
        }
        if info.name == "container" {
            let Value::Str(json) = e.param_by_name("json") else {
                return Ok(Outcome::Skipped("container event without JSON", info.name));
            };
            return Ok(match seed::container_from_json(json) {
                Some(c) => {
                    state.seed_container(c);
                    Outcome::Applied
                }
                None => Outcome::Skipped("container event with unreadable JSON", info.name),
            });
        }
        if info.id == ids::PPME_USER_ADDED_E || info.id == ids::PPME_GROUP_ADDED_E {
            let container = text(e, "container_id");
            let container = (!container.is_empty()).then_some(container);
            if info.id == ids::PPME_USER_ADDED_E {
                let entry = PasswdEntry {
                    name: text(e, "name").to_vec(),
                    uid: u32p(e, "uid"),
                    gid: u32p(e, "gid"),
                    home: text(e, "home").to_vec(),
                    shell: text(e, "shell").to_vec(),
                };
                state.seed_users(container, &[entry]);
            } else {
                let entry = GroupEntry {
                    name: text(e, "name").to_vec(),
                    gid: u32p(e, "gid"),
                };
                state.seed_groups(container, &[entry]);
            }
            return Ok(Outcome::Applied);
        }
        if info.dir == Direction::Enter {
            let why = if info.flags.contains(rtsec_scap::EventFlags::UNUSED) {
                "unused event"
            } else if syscalls::number(info.name).is_some() || Kind::from_name(info.name).is_some()
            {
                "enter event (rtsec records exits)"
            } else {
                "meta event rtsec does not record"
            };
            return Ok(Outcome::Skipped(why, info.name));
        }

        let res = e.param(0).as_i64().unwrap_or(0);
        if e.tid > 0 && !state.knows_tid(e.tid) && !state.knows(e.tid) && !creates_task(info.name) {
            self.unknown_process(state, e.tid);
        }
        let name = e.type_name();
        let kind = match name {
            _ if info.id == ids::PPME_GENERIC_X => None,
            // Before libs had umount2 events, x86_64's umount2 syscall was recorded as "umount".
            "umount" => Some(Kind::Umount2),
            _ => Kind::from_name(name),
        };
        let tid = e.tid;
        let pid = pid_of(state, tid);
        let base = |kind: Kind, args| Syscall {
            ts: e.ts,
            tid,
            pid,
            cpu: e.cpu,
            kind,
            flags: 0,
            res,
            args,
            sock: None,
        };

        let Some(kind) = kind else {
            // Generic: by the native syscall number, or by name for syscalls libs gives their own
            // event but rtsec records generically (stat, futex, …).
            let nr = match e.param_by_name("nativeID") {
                Value::UInt(n) if info.id == ids::PPME_GENERIC_X => Some(n as u16),
                _ => syscalls::number(name),
            };
            let Some(nr) = nr else {
                let why = if info.name == "drop" {
                    "drop marker (the capturing driver lost events here)"
                } else {
                    "exit event of no x86_64 syscall"
                };
                return Ok(Outcome::Skipped(why, name));
            };
            // Older libs recorded some syscalls generically that rtsec has a kind for
            // (mprotect, chmod, …): the kind, its arguments flagged as not recorded.
            let ev = match args::unrecorded(Kind::from_syscall(nr)) {
                Some((kind, args)) => Syscall {
                    flags: rtsec_format::wire::event_flags::ARG_UNREADABLE,
                    ..base(kind, args)
                },
                None => base(Kind::Generic, Args::Generic { nr, args: [0; 6] }),
            };
            out.push(&state.syscall(&ev))?;
            return Ok(Outcome::Written);
        };

        if kind.is_clone() {
            self.clone(state, e, res);
            let ev = base(
                kind,
                Args::Clone {
                    flags: ppm::clone_flags(u32p(e, "flags")),
                },
            );
            let pid = pid_of(state, tid);
            out.push(&state.syscall(&Syscall { pid, ..ev }))?;
            return Ok(Outcome::Written);
        }
        if kind.is_exec() {
            if res == 0 {
                self.exec(state, e);
            }
            let dirfd = if kind == Kind::Execveat {
                num(e, "dirfd", AT_FDCWD)
            } else {
                AT_FDCWD
            };
            let filename = if kind == Kind::Execveat {
                path(e, "pathname")
            } else {
                path(e, "filename")
            };
            let ev = base(
                kind,
                Args::Exec {
                    dirfd,
                    filename,
                    flags: 0,
                },
            );
            let pid = pid_of(state, tid);
            out.push(&state.syscall(&Syscall { pid, ..ev }))?;
            return Ok(Outcome::Written);
        }

        let Some(built) = args::syscall_args(state, e, kind, pid, res) else {
            return Ok(Outcome::Skipped(
                "exit event of no x86_64 syscall",
                info.name,
            ));
        };
        let ev = Syscall {
            flags: built.flags,
            sock: built.sock,
            ..base(kind, built.args)
        };
        out.push(&state.syscall(&ev))?;
        Ok(Outcome::Written)
    }
}

/// Events that create or re-identify their task themselves.
fn creates_task(name: &str) -> bool {
    matches!(
        name,
        "clone" | "clone3" | "fork" | "vfork" | "execve" | "execveat"
    )
}

impl Feeder {
    /// A thread the tables and events never introduced: a process of its own (the thread may
    /// belong to another, but nothing says which), whose ids are unknown — as libsinsp shows
    /// it — rather than root's.
    fn unknown_process(&mut self, state: &mut State, tid: i64) {
        self.unknown_processes += 1;
        state.seed_process(ProcessSeed {
            pid: tid,
            vpid: tid,
            uid: u32::MAX,
            gid: u32::MAX,
            euid: u32::MAX,
            egid: u32::MAX,
            loginuid: u32::MAX,
            flags: PLACEHOLDER,
            ..ProcessSeed::default()
        });
        state.finish_seeding();
    }
}

/// Identity facts a clone/execve exit reports, with the engine's current values for those an
/// old capture lacks.
fn facts<'a>(
    state: &State,
    identified: &FxHashSet<i64>,
    pid: i64,
    e: &Event<'a>,
    cgroups: &'a [Cgroup],
    has_cgroups: bool,
) -> TaskFacts<'a> {
    // What the event does not say is inherited from the process as the engine knows it, else
    // from its parent (libsinsp does the same for a thread it first sees at execve); with
    // neither, ids stay unknown (u32::MAX), as libsinsp shows them.
    let known = |pid: i64| {
        state
            .process(pid)
            .filter(|p| p.flags & PLACEHOLDER == 0 || identified.contains(&p.pid))
            .cloned()
    };
    let parent = || {
        int(e, "ptid")
            .map(|t| state.pid_of(t).unwrap_or(t))
            .and_then(known)
    };
    let current = known(pid).or_else(parent);
    let cur = current.as_deref();
    let unknown = cur.is_none();
    let keep_u32 =
        |name: &str, old: Option<u32>| int(e, name).map(|v| v as u32).or(old).unwrap_or(0);
    let unset = unknown.then_some(u32::MAX);
    let uid = keep_u32("uid", cur.map(|p| p.euid).or(unset));
    let gid = keep_u32("gid", cur.map(|p| p.egid).or(unset));
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
        loginuid: keep_u32("loginuid", cur.map(|p| p.loginuid).or(Some(u32::MAX))),
        vpid: int(e, "vpid").filter(|v| *v > 0).unwrap_or(pid),
        sid: cur.map_or(0, |p| p.sid),
        pgid: int(e, "pgid")
            .filter(|v| *v > 0)
            .or(cur.map(|p| p.pgid))
            .unwrap_or(0),
        vpgid: int(e, "vpgid")
            .filter(|v| *v > 0)
            .or(cur.map(|p| p.vpgid))
            .unwrap_or(0),
        tty: keep_u32("tty", cur.map(|p| p.tty)),
        cap_inheritable: int(e, "cap_inheritable")
            .map(|v| v as u64)
            .or(cur.map(|p| p.cap_inheritable))
            .unwrap_or(0),
        cap_permitted: int(e, "cap_permitted")
            .map(|v| v as u64)
            .or(cur.map(|p| p.cap_permitted))
            .unwrap_or(0),
        cap_effective: int(e, "cap_effective")
            .map(|v| v as u64)
            .or(cur.map(|p| p.cap_effective))
            .unwrap_or(0),
        fdlimit: int(e, "fdlimit")
            .map(|v| v as u64)
            .or(cur.map(|p| p.fdlimit))
            .unwrap_or(0),
        cgroups: has_cgroups.then_some(cgroups),
        pidns_init_start_ts: int(e, "pidns_init_start_ts")
            .map(|v| v as u64)
            .or(cur.map(|p| p.pidns_init_start_ts))
            .unwrap_or(0),
    }
}

/// Fills `cgroups` from the event's `cgroups` parameter; false if it has none.
fn parse_cgroups(e: &Event<'_>, cgroups: &mut Vec<Cgroup>) -> bool {
    let raw = text(e, "cgroups");
    *cgroups = seed::cgroups(raw.split(|b| *b == 0).filter(|s| !s.is_empty()));
    !raw.is_empty()
}

/// A clone/fork exit: creates the task the first time either side of the call is seen (the
/// child's exit can come before the parent's).
impl Feeder {
    fn clone(&mut self, state: &mut State, e: &Event<'_>, res: i64) {
        let clone_flags = u32p(e, "flags");
        let thread = clone_flags & ppm::PPM_CL_CLONE_THREAD != 0;
        if res > 0 {
            if state.knows_tid(res) {
                return;
            }
            let caller_pid = int(e, "pid")
                .filter(|p| *p > 0)
                .unwrap_or_else(|| pid_of(state, e.tid));
            let pid = if thread { caller_pid } else { res };
            let ppid = if thread || clone_flags & ppm::PPM_CL_CLONE_PARENT != 0 {
                state.process(caller_pid).map_or(0, |p| p.ppid)
            } else {
                caller_pid
            };
            // The caller's identity is the child's. The engine copies it from the caller's record,
            // unless that record is a placeholder: then the event's own fields are used.
            let caller_known = state.process(caller_pid).is_some_and(|p| {
                p.flags & PLACEHOLDER == 0 || self.identified.contains(&caller_pid)
            });
            let facts = if caller_known {
                None
            } else {
                let has = parse_cgroups(e, &mut self.cgroups);
                let f = facts(state, &self.identified, caller_pid, e, &self.cgroups, has);
                // Namespace ids of the caller are not the child's.
                Some(TaskFacts {
                    vpid: 0,
                    sid: 0,
                    pgid: 0,
                    vpgid: 0,
                    ..f
                })
            };
            let identified = facts.is_some_and(|f| f.uid != u32::MAX);
            state.fork(&Fork {
                ts: e.ts,
                parent_tid: e.tid,
                tid: res,
                pid,
                ppid,
                facts,
            });
            if identified {
                self.identified.insert(pid);
            }
        } else if res == 0 && !state.knows_tid(e.tid) {
            let pid = int(e, "pid").filter(|p| *p > 0).unwrap_or(e.tid);
            let ptid = num(e, "ptid", 0);
            let ppid = if thread {
                state.process(pid).map_or(0, |p| p.ppid)
            } else {
                state.pid_of(ptid).unwrap_or(ptid)
            };
            let has = parse_cgroups(e, &mut self.cgroups);
            let f = facts(state, &self.identified, pid, e, &self.cgroups, has);
            let identified = f.uid != u32::MAX;
            state.fork(&Fork {
                ts: e.ts,
                parent_tid: ptid,
                tid: e.tid,
                pid,
                ppid,
                facts: Some(f),
            });
            if identified {
                self.identified.insert(pid);
            }
        }
    }

    /// A successful execve/execveat exit: the process's new image.
    fn exec(&mut self, state: &mut State, e: &Event<'_>) {
        let pid = int(e, "pid")
            .filter(|p| *p > 0)
            .unwrap_or_else(|| state.pid_of(e.tid).unwrap_or(e.tid));
        let ptid = int(e, "ptid");
        let ppid = ptid.map(|t| state.pid_of(t).unwrap_or(t));
        let has = parse_cgroups(e, &mut self.cgroups);
        let f = facts(state, &self.identified, pid, e, &self.cgroups, has);
        if f.uid != u32::MAX {
            self.identified.insert(pid);
        } else {
            self.identified.remove(&pid);
        }
        let cwd = text(e, "cwd");
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
            cwd: (!cwd.is_empty()).then_some(cwd),
        };
        state.exec(&exec);
    }
}
