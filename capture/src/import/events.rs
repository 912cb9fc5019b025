//! One normalised scap event → state-engine calls → at most one trace event.
//!
//! Exit events of syscalls become [`Syscall`]s with rtsec's typed arguments ([`args`]: raw
//! Linux values, see [`ppm`]); clone/fork exits also create the task and successful execve
//! exits first replace the process image ([`super::tasks`]); `procexit` ends a task. Container
//! and user/group events update the engine's tables. Everything else is counted with the reason
//! it is not in the trace.

use rtsec_format::wire::event_flags;
use rtsec_format::{AT_FDCWD, Args, Kind, TraceWriter, not_recorded, syscalls};
use rtsec_scap::table::ids;
use rtsec_scap::{Direction, Event, Value};

use super::args::{self, int, num, path, text, u32p};
use super::{ppm, seed};
use crate::state::{Cgroup, Exit, GroupEntry, PasswdEntry, State, Syscall};

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
    pub(super) cgroups: Vec<Cgroup>,
    /// Threads first seen in an event that neither the tables nor a clone introduced.
    pub unknown_processes: u64,
    /// Events whose data the capture kept only in part (its snaplen).
    pub data_truncated: u64,
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
                not_recorded::ENTER
            } else {
                not_recorded::META
            };
            return Ok(Outcome::Skipped(why, info.name));
        }

        // libsinsp's return value is the exit's `res`, or the `fd` an event that creates one
        // gives first (open, socket, accept). Generic exits (their first parameter is the
        // syscall id), an old getuid's (`uid`) and exits without parameters have none.
        let returned = match info.params.first().map(|p| p.name) {
            _ if info.id == ids::PPME_GENERIC_X => None,
            Some("res" | "fd") => e.param(0).as_i64(),
            _ => None,
        };
        let res = returned.unwrap_or(0);
        let no_res = match returned {
            Some(_) => 0,
            None => event_flags::NO_RETURN_VALUE,
        };
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
            flags: no_res,
            res,
            args,
            sock: None,
        };

        let Some(kind) = kind else {
            // Generic: by the native syscall number, or by name for syscalls libs gives their own
            // event but rtsec records generically (stat, futex, …).
            let libs_generic = info.id == ids::PPME_GENERIC_X;
            let nr = match e.param_by_name("nativeID") {
                Value::UInt(n) if libs_generic => Some(n as u16),
                _ => syscalls::number(kernel_name(name)),
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
                    flags: event_flags::ARG_UNREADABLE | no_res,
                    ..base(kind, args)
                },
                // libs' generic events carry no arguments; its own events for syscalls rtsec
                // records generically (fstat, writev, ioctl, …) give at least the fd they use,
                // which is the syscall's first argument.
                None if libs_generic => Syscall {
                    flags: event_flags::ARG_UNREADABLE | no_res,
                    ..base(Kind::Generic, Args::Generic { nr, args: [0; 6] })
                },
                None => {
                    if name == "getcwd" && res >= 0 {
                        // libsinsp takes the working directory from getcwd's result.
                        let cwd = text(e, "path");
                        if cwd.starts_with(b"/") {
                            state.set_cwd(e.ts, pid_of(state, tid), cwd);
                        }
                    }
                    let mut raw = [0u64; 6];
                    raw[0] = args::first_fd(e).unwrap_or(-1) as u64;
                    base(Kind::Generic, Args::Generic { nr, args: raw })
                }
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
            flags: built.flags | no_res,
            sock: built.sock,
            ..base(kind, built.args)
        };
        if ev.flags & event_flags::DATA_TRUNCATED != 0 {
            self.data_truncated += 1;
        }
        out.push(&state.syscall(&ev))?;
        Ok(Outcome::Written)
    }
}

/// The kernel's name of a syscall libs names differently (x86_64).
pub(super) fn kernel_name(libs: &str) -> &str {
    match libs {
        "pread" => "pread64",
        "pwrite" => "pwrite64",
        "prlimit" => "prlimit64",
        other => other,
    }
}

/// Events that create or re-identify their task themselves.
fn creates_task(name: &str) -> bool {
    matches!(
        name,
        "clone" | "clone3" | "fork" | "vfork" | "execve" | "execveat"
    )
}
