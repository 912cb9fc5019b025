//! One normalised scap event → state-engine calls → at most one trace event.
//!
//! Exit events of syscalls become [`Syscall`]s with rtsec's typed arguments (raw Linux values,
//! see [`ppm`]); clone/fork exits also create the task ([`Fork`]), successful execve exits
//! first replace the process image ([`Exec`]); `procexit` ends a task. Container and user/group
//! events update the engine's tables. Everything else is counted with the reason it is not
//! in the trace.

use std::net::SocketAddr;

use rtsec_format::{
    AT_FDCWD, Args, Kind, PathArg, SockAddr, TraceWriter, syscalls, wire::event_flags,
};
use rtsec_scap::table::ids;
use rtsec_scap::{Direction, Event, SockTuple, Value};

use super::{ppm, seed};
use rtsec_format::record::proc_flags::PLACEHOLDER;
use rustc_hash::FxHashSet;

use crate::state::{
    Cgroup, Exec, Exit, Fork, GroupEntry, PasswdEntry, SockInfo, State, Syscall, TaskFacts,
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

fn int(e: &Event<'_>, name: &str) -> Option<i64> {
    e.param_by_name(name).as_i64()
}

fn num(e: &Event<'_>, name: &str, default: i64) -> i64 {
    int(e, name).unwrap_or(default)
}

fn u32p(e: &Event<'_>, name: &str) -> u32 {
    int(e, name).unwrap_or(0) as u32
}

fn u64p(e: &Event<'_>, name: &str) -> u64 {
    int(e, name).unwrap_or(0) as u64
}

fn text<'a>(e: &Event<'a>, name: &str) -> &'a [u8] {
    e.param_by_name(name).as_bytes().unwrap_or_default()
}

fn path<'a>(e: &Event<'a>, name: &str) -> PathArg<&'a [u8]> {
    PathArg {
        raw: text(e, name),
        resolved: &[],
    }
}

fn dyn_u64(e: &Event<'_>, name: &str) -> u64 {
    match e.param_by_name(name) {
        Value::Dyn { raw, .. } => {
            let mut v = [0u8; 8];
            let n = raw.len().min(8);
            v[..n].copy_from_slice(&raw[..n]);
            u64::from_le_bytes(v)
        }
        _ => 0,
    }
}

fn sockaddr<'a>(v: Value<'a>) -> SockAddr<&'a [u8]> {
    match v {
        Value::SockAddr(rtsec_scap::SockAddr::Inet(a)) => SockAddr::Inet {
            ip: (*a.ip()).into(),
            port: a.port(),
        },
        Value::SockAddr(rtsec_scap::SockAddr::Inet6(a)) => SockAddr::Inet {
            ip: (*a.ip()).into(),
            port: a.port(),
        },
        Value::SockAddr(rtsec_scap::SockAddr::Unix { path }) => SockAddr::Unix { path },
        Value::SockAddr(rtsec_scap::SockAddr::Other { family, .. }) => SockAddr::Other {
            family: family.into(),
        },
        _ => SockAddr::None,
    }
}

/// Both ends of a socket: `(source, destination)`.
type Ends<'a> = (SockAddr<&'a [u8]>, SockAddr<&'a [u8]>);

/// The two ends of a SOCKTUPLE.
fn tuple_ends(v: Value<'_>) -> Option<Ends<'_>> {
    let inet = |a: SocketAddr| SockAddr::Inet {
        ip: a.ip(),
        port: a.port(),
    };
    match v {
        Value::SockTuple(SockTuple::Inet { src, dst }) => {
            Some((inet(src.into()), inet(dst.into())))
        }
        Value::SockTuple(SockTuple::Inet6 { src, dst }) => {
            Some((inet(src.into()), inet(dst.into())))
        }
        Value::SockTuple(SockTuple::Unix { path, .. }) => {
            Some((SockAddr::Unix { path }, SockAddr::Unix { path }))
        }
        _ => None,
    }
}

/// The socket's kernel view from a SOCKTUPLE; `client_is_source` for connect (we are the
/// source), false for accept (the peer is).
fn sock_info<'a>(
    state: &State,
    pid: i64,
    fd: i64,
    v: Value<'a>,
    we_are_source: bool,
) -> Option<SockInfo<&'a [u8]>> {
    let proto = state
        .fd(pid, fd)
        .map(|f| f.l4proto)
        .unwrap_or(rtsec_format::L4Proto::Tcp);
    let (src, dst): (SocketAddr, SocketAddr) = match v {
        Value::SockTuple(SockTuple::Inet { src, dst }) => (src.into(), dst.into()),
        Value::SockTuple(SockTuple::Inet6 { src, dst }) => (src.into(), dst.into()),
        Value::SockTuple(SockTuple::Unix { source, dest, path }) => {
            return Some(SockInfo::Unix {
                sk: source,
                peer: dest,
                path,
            });
        }
        _ => return None,
    };
    let (local, remote) = if we_are_source {
        (src, dst)
    } else {
        (dst, src)
    };
    Some(SockInfo::Inet {
        proto,
        local,
        remote,
    })
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
            let ev = base(Kind::Generic, Args::Generic { nr, args: [0; 6] });
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

        let mut flags = 0u8;
        let mut sock = None;
        let fd = num(e, "fd", -1);
        let args = match kind {
            Kind::Open | Kind::Openat | Kind::Openat2 | Kind::Creat | Kind::OpenByHandleAt => {
                let (dirfd, p) = match kind {
                    Kind::Openat | Kind::Openat2 => (num(e, "dirfd", AT_FDCWD), path(e, "name")),
                    Kind::OpenByHandleAt => (num(e, "mountfd", AT_FDCWD), path(e, "path")),
                    _ => (AT_FDCWD, path(e, "name")),
                };
                let flags = if kind == Kind::Creat {
                    ppm::CREAT_FLAGS
                } else {
                    ppm::open_flags(u32p(e, "flags"))
                };
                Args::Open {
                    dirfd,
                    path: p,
                    flags,
                    mode: u32p(e, "mode"),
                    resolve: u64p(e, "resolve"),
                    dev: u32p(e, "dev"),
                    ino: u64p(e, "ino"),
                }
            }
            Kind::Close | Kind::Fchdir => Args::Fd { fd },
            Kind::Connect => {
                let tuple = e.param_by_name("tuple");
                sock = sock_info(state, pid, fd, tuple, true);
                let mut addr = sockaddr(e.param_by_name("addr"));
                if addr == SockAddr::None
                    && let Some((_, dst)) = tuple_ends(tuple)
                {
                    addr = dst;
                }
                Args::Connect { fd, addr }
            }
            Kind::Bind => Args::Connect {
                fd,
                addr: sockaddr(e.param_by_name("addr")),
            },
            Kind::Accept | Kind::Accept4 => {
                // scap records the new fd, not the listening one.
                let tuple = e.param_by_name("tuple");
                sock = sock_info(state, pid, -1, tuple, false);
                let addr = tuple_ends(tuple).map_or(SockAddr::None, |(src, _)| src);
                Args::Accept {
                    fd: -1,
                    flags: u32p(e, "flags"),
                    addr,
                }
            }
            Kind::Listen => Args::Listen {
                fd,
                backlog: num(e, "backlog", 0) as i32,
            },
            Kind::Socket => Args::Socket {
                domain: u32p(e, "domain"),
                ty: u32p(e, "type"),
                proto: u32p(e, "proto"),
            },
            Kind::Socketpair => Args::Socketpair {
                domain: u32p(e, "domain"),
                ty: u32p(e, "type"),
                proto: u32p(e, "proto"),
                fd1: num(e, "fd1", -1),
                fd2: num(e, "fd2", -1),
            },
            Kind::Read
            | Kind::Write
            | Kind::Sendto
            | Kind::Sendmsg
            | Kind::Recvfrom
            | Kind::Recvmsg => {
                let data = text(e, "data");
                let size = u64p(e, "size");
                if res > 0 && (data.len() as u64) < size.min(res as u64) {
                    flags |= event_flags::DATA_TRUNCATED;
                }
                let addr = match (kind, tuple_ends(e.param_by_name("tuple"))) {
                    (Kind::Sendto | Kind::Sendmsg, Some((_, dst))) => dst,
                    (Kind::Recvfrom | Kind::Recvmsg, Some((src, _))) => src,
                    _ => SockAddr::None,
                };
                Args::Io {
                    fd,
                    size,
                    addr,
                    data,
                }
            }
            Kind::Dup => Args::Dup {
                oldfd: num(e, "oldfd", -1),
                newfd: res,
                flags: 0,
            },
            Kind::Dup2 | Kind::Dup3 => Args::Dup {
                oldfd: num(e, "oldfd", -1),
                newfd: num(e, "newfd", -1),
                flags: ppm::cloexec_flags(u32p(e, "flags")),
            },
            Kind::Unlink | Kind::Rmdir | Kind::Chdir | Kind::Chroot => Args::Path {
                dirfd: AT_FDCWD,
                path: path(e, "path"),
                flags: 0,
                mode: 0,
            },
            Kind::Unlinkat => Args::Path {
                dirfd: num(e, "dirfd", AT_FDCWD),
                path: path(e, "name"),
                flags: u32p(e, "flags"),
                mode: 0,
            },
            Kind::Mkdir => Args::Path {
                dirfd: AT_FDCWD,
                path: path(e, "path"),
                flags: 0,
                mode: u32p(e, "mode"),
            },
            Kind::Mkdirat => Args::Path {
                dirfd: num(e, "dirfd", AT_FDCWD),
                path: path(e, "path"),
                flags: 0,
                mode: u32p(e, "mode"),
            },
            Kind::Chmod => Args::Path {
                dirfd: AT_FDCWD,
                path: path(e, "filename"),
                flags: 0,
                mode: u32p(e, "mode"),
            },
            Kind::Fchmod => Args::Path {
                dirfd: fd,
                path: PathArg::default(),
                flags: 0,
                mode: u32p(e, "mode"),
            },
            Kind::Fchmodat => Args::Path {
                dirfd: num(e, "dirfd", AT_FDCWD),
                path: path(e, "filename"),
                flags: 0,
                mode: u32p(e, "mode"),
            },
            Kind::Rename | Kind::Link => Args::TwoPaths {
                olddirfd: AT_FDCWD,
                oldpath: path(e, "oldpath"),
                newdirfd: AT_FDCWD,
                newpath: path(e, "newpath"),
                flags: 0,
            },
            Kind::Renameat | Kind::Renameat2 => Args::TwoPaths {
                olddirfd: num(e, "olddirfd", AT_FDCWD),
                oldpath: path(e, "oldpath"),
                newdirfd: num(e, "newdirfd", AT_FDCWD),
                newpath: path(e, "newpath"),
                flags: u32p(e, "flags"),
            },
            Kind::Linkat => Args::TwoPaths {
                olddirfd: num(e, "olddir", AT_FDCWD),
                oldpath: path(e, "oldpath"),
                newdirfd: num(e, "newdir", AT_FDCWD),
                newpath: path(e, "newpath"),
                flags: u32p(e, "flags"),
            },
            Kind::Symlink | Kind::Symlinkat => Args::Symlink {
                target: text(e, "target"),
                linkdirfd: if kind == Kind::Symlinkat {
                    num(e, "linkdirfd", AT_FDCWD)
                } else {
                    AT_FDCWD
                },
                linkpath: path(e, "linkpath"),
            },
            Kind::Chown | Kind::Lchown => Args::Chown {
                dirfd: AT_FDCWD,
                path: path(e, "path"),
                uid: u32p(e, "uid"),
                gid: u32p(e, "gid"),
                flags: 0,
            },
            Kind::Fchown => Args::Chown {
                dirfd: fd,
                path: PathArg::default(),
                uid: u32p(e, "uid"),
                gid: u32p(e, "gid"),
                flags: 0,
            },
            Kind::Fchownat => Args::Chown {
                dirfd: num(e, "dirfd", AT_FDCWD),
                path: path(e, "pathname"),
                uid: u32p(e, "uid"),
                gid: u32p(e, "gid"),
                flags: u32p(e, "flags"),
            },
            Kind::Setuid
            | Kind::Setgid
            | Kind::Setresuid
            | Kind::Setresgid
            | Kind::Setreuid
            | Kind::Setregid => {
                let id = |n: &str| int(e, n).map_or(u32::MAX, |v| v as u32);
                let ids = match kind {
                    Kind::Setuid => [id("uid"), u32::MAX, u32::MAX],
                    Kind::Setgid => [id("gid"), u32::MAX, u32::MAX],
                    Kind::Setresuid => [id("ruid"), id("euid"), id("suid")],
                    Kind::Setresgid => [id("rgid"), id("egid"), id("sgid")],
                    Kind::Setreuid => [id("ruid"), id("euid"), u32::MAX],
                    _ => [id("rgid"), id("egid"), u32::MAX],
                };
                Args::SetIds { ids }
            }
            Kind::Ptrace => Args::Ptrace {
                request: ppm::ptrace_request(u32p(e, "request")),
                pid: num(e, "pid", -1),
                addr: dyn_u64(e, "addr"),
                data: dyn_u64(e, "data"),
            },
            Kind::Mount => Args::Mount {
                source: text(e, "dev"),
                target: path(e, "dir"),
                fstype: text(e, "type"),
                flags: u64p(e, "flags"),
            },
            Kind::Umount2 => Args::Umount {
                target: path(e, "name"),
                flags: u32p(e, "flags"),
            },
            Kind::Kill => Args::Kill {
                pid: num(e, "pid", -1),
                tid: -1,
                sig: u32p(e, "sig"),
            },
            Kind::Tkill => Args::Kill {
                pid: -1,
                tid: num(e, "tid", -1),
                sig: u32p(e, "sig"),
            },
            Kind::Tgkill => Args::Kill {
                pid: num(e, "pid", -1),
                tid: num(e, "tid", -1),
                sig: u32p(e, "sig"),
            },
            Kind::InitModule => Args::InitModule {
                len: u64p(e, "length"),
                uargs: text(e, "uargs"),
            },
            Kind::FinitModule => Args::FinitModule {
                fd,
                uargs: text(e, "uargs"),
                flags: u32p(e, "flags"),
            },
            Kind::DeleteModule => Args::DeleteModule {
                name: text(e, "name"),
                flags: u32p(e, "flags"),
            },
            Kind::Bpf => Args::Bpf {
                cmd: num(e, "cmd", -1) as i32,
            },
            Kind::MemfdCreate => Args::MemfdCreate {
                name: text(e, "name"),
                flags: u32p(e, "flags"),
            },
            Kind::Mprotect => Args::Mmap {
                addr: u64p(e, "addr"),
                len: u64p(e, "length"),
                prot: ppm::prot_flags(u32p(e, "prot")),
                flags: 0,
                fd: -1,
                offset: 0,
            },
            Kind::Mmap => Args::Mmap {
                addr: u64p(e, "addr"),
                len: u64p(e, "length"),
                prot: ppm::prot_flags(u32p(e, "prot")),
                flags: ppm::mmap_flags(u32p(e, "flags")),
                fd,
                offset: u64p(e, "offset"),
            },
            Kind::Unshare => Args::Namespace {
                fd: -1,
                flags: ppm::clone_flags(u32p(e, "flags")) as u32,
            },
            Kind::Setns => Args::Namespace {
                fd,
                flags: ppm::clone_flags(u32p(e, "nstype")) as u32,
            },
            Kind::Capset => Args::Capset {
                inheritable: u64p(e, "cap_inheritable"),
                permitted: u64p(e, "cap_permitted"),
                effective: u64p(e, "cap_effective"),
            },
            // libs' own enumeration of the option (PPM_PR_*), kept as found.
            Kind::Prctl => Args::Prctl {
                option: num(e, "option", 0) as i32,
                arg2_str: text(e, "arg2_str"),
                arg2_int: num(e, "arg2_int", 0),
            },
            Kind::Userfaultfd => Args::Flags {
                flags: ppm::cloexec_flags(u32p(e, "flags")),
            },
            Kind::IoUringSetup => Args::IoUringSetup {
                entries: u32p(e, "entries"),
                sq_entries: u32p(e, "sq_entries"),
                cq_entries: u32p(e, "cq_entries"),
                flags: u32p(e, "flags"),
                sq_thread_cpu: u32p(e, "sq_thread_cpu"),
                sq_thread_idle: u32p(e, "sq_thread_idle"),
                features: u32p(e, "features"),
            },
            Kind::ProcessVmReadv | Kind::ProcessVmWritev => Args::ProcessVm {
                pid: num(e, "pid", -1),
            },
            Kind::Pipe | Kind::Pipe2 => Args::Pipe {
                fd1: num(e, "fd1", -1),
                fd2: num(e, "fd2", -1),
                flags: ppm::cloexec_flags(u32p(e, "flags")),
            },
            Kind::Setsid => Args::None,
            Kind::Setpgid => Args::Setpgid {
                pid: num(e, "pid", 0),
                pgid: num(e, "pgid", 0),
            },
            Kind::Fcntl => Args::Fcntl {
                fd,
                cmd: ppm::fcntl_cmd(u32p(e, "cmd")),
                arg: u64p(e, "arg"),
            },
            // Handled above or not syscalls.
            Kind::Generic
            | Kind::ProcExit
            | Kind::Execve
            | Kind::Execveat
            | Kind::Clone
            | Kind::Clone3
            | Kind::Fork
            | Kind::Vfork => {
                return Ok(Outcome::Skipped(
                    "exit event of no x86_64 syscall",
                    info.name,
                ));
            }
        };
        let ev = Syscall {
            flags,
            sock,
            ..base(kind, args)
        };
        out.push(&state.syscall(&ev))?;
        Ok(Outcome::Written)
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
