//! Reading a field's value out of an event: libsinsp's extraction semantics over rtsec's
//! resolved records. `None` means the value is missing (every comparison is false; outputs
//! print `<NA>`).

use std::net::IpAddr;

use rtsec_format::{Args, EventView, Kind, L4Proto, StrId, wire::Process};

use super::container::{self, Ctr, MountPart};
use super::local::LocalAddrs;
use super::proc::{self, ancestor};
use super::{Field, FieldArg, FieldId as F};
use super::{fd, io, return_value};
use crate::dns::HostTable;
use crate::render::params::BufferFormat;
use crate::render::{caps, errno, flags, params};

/// Execute permission for user, group or others in a file mode (`S_IXUSR | S_IXGRP | S_IXOTH`).
const EXEC_BITS: u32 = 0o111;

/// What an evaluation needs besides the event.
#[derive(Clone, Copy)]
pub(crate) struct Env<'a> {
    pub hostname: &'a str,
    pub hosts: &'a HostTable,
    /// The trace's interface addresses, for which end of a socket is local.
    pub local: &'a LocalAddrs,
    /// How data buffers print in `evt.args`, and in outputs also in `evt.buffer` and
    /// `evt.arg.data` (falco.yaml's `buffer_format_base64`).
    pub buffers: BufferFormat,
    /// An output is being rendered, not a condition judged: as in libsinsp, a condition
    /// compares `evt.buffer` as the raw bytes and `evt.arg.data` as printable text with dots,
    /// while an output prints both in [`Env::buffers`]' format.
    pub rendering: bool,
}

/// An extracted value. `Buf` means: the bytes written to the buffer passed in.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Val<'e> {
    Str(&'e [u8]),
    Buf,
    I64(i64),
    U64(u64),
    Bool(bool),
    Ip(IpAddr),
}

fn s<'e>(b: &'e [u8]) -> Option<Val<'e>> {
    Some(Val::Str(b))
}

fn nonempty<'e>(b: &'e [u8]) -> Option<Val<'e>> {
    if b.is_empty() {
        None
    } else {
        Some(Val::Str(b))
    }
}

fn opt_buf<'e>(ok: bool) -> Option<Val<'e>> {
    if ok { Some(Val::Buf) } else { None }
}

/// Extracts `f` from `ev`. `buf` must be empty; computed strings are written to it.
#[inline(always)]
pub(crate) fn extract<'e>(
    f: &Field,
    ev: &EventView<'e>,
    env: &Env<'_>,
    buf: &mut Vec<u8>,
) -> Option<Val<'e>> {
    let e = ev.event;
    let p = ev.process();
    match f.id {
        F::EvtNum => Some(Val::U64(ev.num)),
        // The value lives in the field, not the event: copied (static fields are rare).
        F::Static => match &f.arg {
            FieldArg::Key(v) => {
                buf.extend_from_slice(v.as_bytes());
                Some(Val::Buf)
            }
            _ => None,
        },
        F::EvtTime | F::EvtRawtime => Some(Val::U64(e.ts)),
        F::EvtRawtimeNs => Some(Val::U64(e.ts % 1_000_000_000)),
        F::EvtRawtimeS => Some(Val::U64(e.ts / 1_000_000_000)),
        F::EvtTimeS => {
            crate::output::time::write_clock(e.ts, false, buf);
            Some(Val::Buf)
        }
        F::EvtTimeIso => {
            crate::output::time::write_iso8601_utc(e.ts, buf);
            Some(Val::Buf)
        }
        F::EvtDatetime | F::EvtDatetimeS => {
            crate::output::time::write_datetime(e.ts, f.id == F::EvtDatetime, buf);
            Some(Val::Buf)
        }
        F::EvtType => s(crate::evttype::type_name(ev).as_bytes()),
        F::EvtDir => s(b"<"),
        F::EvtCpu => Some(Val::U64(e.cpu as u64)),
        // libsinsp prints no arguments for a generic event: "they have only internal use".
        F::EvtArgs | F::EvtInfo if crate::evttype::is_libsinsp_generic(ev) => Some(Val::Buf),
        F::EvtArgs | F::EvtInfo => {
            params::write_all(ev, env.buffers, buf);
            Some(Val::Buf)
        }
        F::EvtArg | F::EvtRawarg => {
            let idx = match &f.arg {
                FieldArg::Param(by_kind) => {
                    let i = by_kind[ev.kind() as usize];
                    if i == u8::MAX {
                        return None;
                    }
                    i as usize
                }
                FieldArg::ParamIndex(i) => *i,
                _ => return None,
            };
            let prm = params::get(ev, idx)?;
            if f.id == F::EvtRawarg {
                return Some(raw_param(ev, &prm, buf));
            }
            let buffers = if env.rendering {
                env.buffers
            } else {
                BufferFormat::Dots
            };
            params::write(ev, &prm, params::Style::Value, buffers, buf);
            Some(Val::Buf)
        }
        F::EvtRes => {
            if !return_value::has_return_value(ev) {
                return None;
            }
            if e.res >= 0 {
                return s(b"SUCCESS");
            }
            if let Some(n) = errno::name(-e.res) {
                return s(n.as_bytes());
            }
            errno::write_res(e.res, buf);
            Some(Val::Buf)
        }
        F::EvtRawres => {
            if !return_value::has_return_value(ev) {
                return None;
            }
            Some(Val::I64(e.res))
        }
        F::EvtFailed => Some(Val::Bool(return_value::has_return_value(ev) && e.res < 0)),
        F::EvtIsOpenRead | F::EvtIsOpenWrite | F::EvtIsOpenExec | F::EvtIsOpenCreate => {
            // libsinsp: creat counts only for exec; open_by_handle_at (no mode) not for exec.
            let (fl, mode) = match (ev.kind(), ev.args()) {
                (Kind::Creat, Args::Open { mode, .. }) if f.id == F::EvtIsOpenExec => {
                    return Some(Val::Bool(mode & EXEC_BITS != 0));
                }
                (
                    k @ (Kind::Open | Kind::Openat | Kind::Openat2 | Kind::OpenByHandleAt),
                    Args::Open {
                        flags: fl, mode, ..
                    },
                ) => (
                    flags::open_flags_of(ev, *fl),
                    (k != Kind::OpenByHandleAt).then_some(*mode),
                ),
                _ => return Some(Val::Bool(false)),
            };
            let v = match f.id {
                F::EvtIsOpenRead => fl & flags::PPM_O_RDONLY != 0,
                F::EvtIsOpenWrite => fl & flags::PPM_O_WRONLY != 0,
                // Created by this call, or an unnamed temporary file it made.
                F::EvtIsOpenCreate => {
                    fl & flags::PPM_O_F_CREATED != 0
                        || (fl & flags::PPM_O_TMPFILE != 0 && e.res >= 0)
                }
                // A file made with any execute permission.
                _ => {
                    fl & (flags::PPM_O_CREAT | flags::PPM_O_TMPFILE) != 0
                        && mode.is_some_and(|m| m & EXEC_BITS != 0)
                }
            };
            Some(Val::Bool(v))
        }
        F::EvtBuffer => match ev.args() {
            Args::Io { data, .. } if env.rendering => {
                params::write_buffer(ev.str(*data), env.buffers, buf);
                Some(Val::Buf)
            }
            Args::Io { data, .. } => s(ev.str(*data)),
            _ => None,
        },
        // libsinsp's `extract_buflen`: the return value of an I/O-category event (reads,
        // writes, and close, dup, fcntl, ioctl…) on an fd its table has, when not an error.
        F::EvtBuflen => {
            (e.res >= 0 && io::is_io_category(ev) && fd::view(ev).and_then(|v| v.rec()).is_some())
                .then_some(Val::U64(e.res as u64))
        }
        F::EvtHostname => {
            buf.extend_from_slice(env.hostname.as_bytes());
            opt_buf(!env.hostname.is_empty())
        }
        F::EvtSource => s(b"syscall"),
        F::EvtTypeIs => {
            let FieldArg::Key(want) = &f.arg else {
                return None;
            };
            Some(Val::U64((crate::evttype::type_name(ev) == &**want) as u64))
        }
        F::EvtIsIo | F::EvtIsIoRead | F::EvtIsIoWrite | F::EvtIoDir | F::EvtIsWait => {
            let ty = crate::evttype::type_name(ev);
            let (r, w) = (io::reads(ty), io::writes(ty));
            match f.id {
                F::EvtIsIo => Some(Val::Bool(r || w)),
                F::EvtIsIoRead => Some(Val::Bool(r)),
                F::EvtIsIoWrite => Some(Val::Bool(w)),
                F::EvtIsWait => Some(Val::Bool(io::waits(ty))),
                _ if w => s(b"write"),
                _ if r => s(b"read"),
                _ => None,
            }
        }
        F::EvtIsSyslog => {
            let to_log = io::writes(crate::evttype::type_name(ev))
                && fd::view(ev).is_some_and(|v| v.name(ev).windows(8).any(|w| w == b"/dev/log"));
            Some(Val::Bool(to_log))
        }
        F::EvtCount => Some(Val::U64(1)),
        F::EvtAbspath | F::EvtAbspathSrc | F::EvtAbspathDst => {
            // libsinsp joins the dirfd's name (or the cwd) and the path of the *at calls
            // only, as the engine resolved them; the second path with `.dst`.
            let dst = f.id == F::EvtAbspathDst;
            let path = match (ev.kind(), ev.args()) {
                (
                    Kind::Renameat | Kind::Renameat2 | Kind::Linkat,
                    Args::TwoPaths {
                        oldpath, newpath, ..
                    },
                ) => {
                    if dst {
                        newpath
                    } else {
                        oldpath
                    }
                }
                (Kind::Symlinkat, Args::Symlink { linkpath, .. }) => linkpath,
                (Kind::Openat | Kind::Openat2, Args::Open { path, .. }) => path,
                (Kind::OpenByHandleAt, Args::Open { path, .. }) if e.res > 0 => path,
                (Kind::Unlinkat | Kind::Mkdirat | Kind::Fchmodat, Args::Path { path, .. }) => path,
                (Kind::Fchownat, Args::Chown { path, .. }) => path,
                _ => return None,
            };
            // An empty path (fchownat's AT_EMPTY_PATH) was not resolved: missing.
            let path = ev.str(path.resolved);
            (!path.is_empty()).then_some(Val::Str(path))
        }
        F::EvtCountExit => (ev.kind() != Kind::ProcExit).then_some(Val::U64(1)),
        F::EvtCountError | F::EvtCountErrorFile | F::EvtCountErrorNet => {
            // 1 for a failed call of the kind asked for, missing otherwise.
            if ev.kind() == Kind::ProcExit || e.res >= 0 {
                return None;
            }
            let ty = crate::evttype::type_name(ev);
            let rec = fd::view(ev).and_then(|v| v.rec());
            let counts = match f.id {
                F::EvtCountErrorFile => match rec {
                    Some(r) => matches!(
                        r.ty,
                        rtsec_format::FdType::File | rtsec_format::FdType::Directory
                    ),
                    None => io::OPENS.contains(&ty),
                },
                F::EvtCountErrorNet => match rec {
                    Some(r) => matches!(
                        r.ty,
                        rtsec_format::FdType::Ipv4
                            | rtsec_format::FdType::Ipv6
                            | rtsec_format::FdType::Unix
                    ),
                    None => io::CONNECTS.contains(&ty),
                },
                _ => true,
            };
            counts.then_some(Val::U64(1))
        }
        F::EvtIsAsync => Some(Val::Bool(false)),
        // Of async and plugin events, which traces do not have: missing on syscall events.
        F::EvtAsynctype | F::EvtPluginname | F::EvtPlugininfo => None,
        F::SyscallType => {
            if ev.kind() == Kind::ProcExit {
                None
            } else {
                s(crate::evttype::type_name(ev).as_bytes())
            }
        }
        F::ThreadTid => p.map(|_| Val::I64(e.tid)),
        F::ThreadIsmain => p.map(|p| Val::Bool(e.tid == p.pid)),
        F::ThreadNametid => {
            // The thread's name and id run together, as libsinsp writes them (`java4242`).
            buf.extend_from_slice(ev.str(p?.comm));
            let _ = std::io::Write::write_fmt(buf, format_args!("{}", e.tid));
            Some(Val::Buf)
        }
        F::ThreadVtid => {
            let p = p?;
            if e.tid == p.pid {
                Some(Val::I64(p.vpid))
            } else if p.vpid == p.pid {
                // In the host's pid namespace a thread's id is the same in every view.
                Some(Val::I64(e.tid))
            } else {
                None // a container's thread: its namespace id was not recorded
            }
        }
        // Falco's user is the effective one (the driver reports euid at clone and execve).
        F::UserUid => p.map(|p| Val::U64(p.euid as u64)),
        F::UserName => {
            let p = p?;
            match p.user.and_then(|r| ev.block.user(r)) {
                Some(u) if !ev.str(u.name).is_empty() => s(ev.str(u.name)),
                _ => s(if p.euid == 0 { b"root" } else { b"<NA>" }),
            }
        }
        F::UserHomedir | F::UserShell => {
            let p = p?;
            match p.user.and_then(|r| ev.block.user(r)) {
                Some(u) => s(ev.str(if f.id == F::UserHomedir {
                    u.home
                } else {
                    u.shell
                })),
                // libsinsp's stand-in user: root's home for uid 0.
                None if f.id == F::UserHomedir && p.euid == 0 => s(b"/root"),
                None => s(b"<NA>"),
            }
        }
        F::UserLoginuid => p.map(|p| Val::I64(loginuid(p))),
        F::UserLoginname => {
            let p = p?;
            match p.loginuser.and_then(|r| ev.block.user(r)) {
                Some(u) if !ev.str(u.name).is_empty() => s(ev.str(u.name)),
                _ => s(if p.loginuid == 0 { b"root" } else { b"<NA>" }),
            }
        }
        F::GroupGid => p.map(|p| Val::U64(p.egid as u64)),
        F::GroupName => {
            let p = p?;
            match p.group.and_then(|r| ev.block.group(r)) {
                Some(g) if !ev.str(g.name).is_empty() => s(ev.str(g.name)),
                _ => s(if p.egid == 0 { b"root" } else { b"<NA>" }),
            }
        }
        F::ThreadCapEffective | F::ThreadCapPermitted | F::ThreadCapInheritable => {
            let p = p?;
            let v = match f.id {
                F::ThreadCapEffective => p.cap_effective,
                F::ThreadCapPermitted => p.cap_permitted,
                _ => p.cap_inheritable,
            };
            caps::write(v, buf);
            Some(Val::Buf)
        }
        // The container plugin still lists these fields of the old Kubernetes client (removed in
        // Falco 0.37) but never gives them a value: rules naming them load and never match.
        F::K8sRcName
        | F::K8sRcId
        | F::K8sRcLabel
        | F::K8sRcLabels
        | F::K8sSvcName
        | F::K8sSvcId
        | F::K8sSvcLabel
        | F::K8sSvcLabels
        | F::K8sNsId
        | F::K8sNsLabel
        | F::K8sNsLabels
        | F::K8sRsName
        | F::K8sRsId
        | F::K8sRsLabel
        | F::K8sRsLabels
        | F::K8sDeploymentName
        | F::K8sDeploymentId
        | F::K8sDeploymentLabel
        | F::K8sDeploymentLabels => None,
        F::FsPathName
        | F::FsPathNameraw
        | F::FsPathSource
        | F::FsPathSourceraw
        | F::FsPathTarget
        | F::FsPathTargetraw => super::fspath::extract(f.id, ev, buf),
        id if is_proc(id) => extract_proc(f, ev, p?, buf),
        id if is_fd(id) => extract_fd(f, ev, env, buf),
        _ => extract_container(f, ev, buf),
    }
}

fn loginuid(p: &Process) -> i64 {
    if p.loginuid == u32::MAX {
        -1
    } else {
        p.loginuid as i64
    }
}

fn raw_param<'e>(ev: &EventView<'e>, prm: &params::P<'e>, buf: &mut Vec<u8>) -> Val<'e> {
    use params::P;
    match *prm {
        P::Errno(v) | P::Fd(v) | P::Pid(v) | P::Int(v) => Val::I64(v),
        P::UInt(v) | P::Hex(v) | P::Oct(v) | P::Flags(v, _) | P::Enum(v, _) => Val::U64(v),
        P::Uid(v) | P::Gid(v) | P::Sig(v) => Val::U64(v as u64),
        P::SyscallId(v) => Val::U64(v as u64),
        P::Str(b) | P::Bytes(b) => Val::Str(b),
        P::Path(raw, _) => Val::Str(raw),
        _ => {
            params::write(ev, prm, params::Style::Value, BufferFormat::Dots, buf);
            Val::Buf
        }
    }
}

/// `proc.aenv`'s argument as libsinsp reads it: all digits is an ancestor level, anything
/// else a variable name; none is level 0.
pub(crate) enum AenvArg<'a> {
    Level(usize),
    Name(&'a str),
}

pub(crate) fn aenv_arg(f: &Field) -> AenvArg<'_> {
    match &f.arg {
        FieldArg::Key(k) if !k.is_empty() && k.bytes().all(|c| c.is_ascii_digit()) => {
            AenvArg::Level(k.parse().unwrap_or(usize::MAX))
        }
        FieldArg::Key(k) => AenvArg::Name(k),
        _ => AenvArg::Level(0),
    }
}

fn is_proc(id: F) -> bool {
    matches!(
        id,
        F::ProcPid
            | F::ProcPpid
            | F::ProcVpid
            | F::ProcSid
            | F::ProcVpgid
            | F::ProcPgid
            | F::ProcName
            | F::ProcPname
            | F::ProcAname
            | F::ProcArgs
            | F::ProcCmdline
            | F::ProcPcmdline
            | F::ProcAcmdline
            | F::ProcExeline
            | F::ProcLoginshellid
            | F::ProcPvpid
            | F::ProcPidTs
            | F::ProcPpidTs
            | F::ProcPidnsInitStartTs
            | F::ProcExe
            | F::ProcPexe
            | F::ProcAexe
            | F::ProcExepath
            | F::ProcPexepath
            | F::ProcAexepath
            | F::ProcApid
            | F::ProcCwd
            | F::ProcTty
            | F::ProcDuration
            | F::ProcPpidDuration
            | F::ProcStartTs
            | F::ProcIsExeUpperLayer
            | F::ProcIsExeLowerLayer
            | F::ProcIsExeFromMemfd
            | F::ProcIsExeWritable
            | F::ProcSname
            | F::ProcSidExe
            | F::ProcSidExepath
            | F::ProcVpgidName
            | F::ProcVpgidExe
            | F::ProcVpgidExepath
            | F::ProcIsVpgidLeader
            | F::ProcIsSidLeader
            | F::ProcEnv
            | F::ProcAenv
            | F::ProcExeIno
            | F::ProcExeInoCtime
            | F::ProcExeInoMtime
            | F::ProcExeInoCtimeDurationProcStart
            | F::ProcExeInoCtimeDurationPidnsStart
            | F::ProcCmdnargs
            | F::ProcCmdlenargs
            | F::ProcFdlimit
    )
}

fn is_fd(id: F) -> bool {
    matches!(
        id,
        F::FdNum
            | F::FdType
            | F::FdTypechar
            | F::FdName
            | F::FdNameraw
            | F::FdDirectory
            | F::FdFilename
            | F::FdL4proto
            | F::FdConnected
            | F::FdNameChanged
            | F::FdSip
            | F::FdCip
            | F::FdLip
            | F::FdRip
            | F::FdIp
            | F::FdSport
            | F::FdCport
            | F::FdLport
            | F::FdRport
            | F::FdPort
            | F::FdProto
            | F::FdSproto
            | F::FdCproto
            | F::FdLproto
            | F::FdRproto
            | F::FdDevMajor
            | F::FdDevMinor
            | F::FdContainername
            | F::FdContainerdirectory
            | F::FdUid
            | F::FdSnet
            | F::FdCnet
            | F::FdLnet
            | F::FdRnet
            | F::FdNet
            | F::FdSipName
            | F::FdCipName
            | F::FdLipName
            | F::FdRipName
            | F::FdSockfamily
            | F::FdIsServer
            | F::FdDev
            | F::FdIno
    )
}

/// The process for `proc.aname[N]`-style fields: the N-th ancestor (N given), or the parent for
/// the `p*` fields.
fn index_arg(f: &Field) -> Option<usize> {
    match f.arg {
        FieldArg::Index(i) => Some(i),
        _ => None,
    }
}

fn is_placeholder(p: &Process) -> bool {
    p.flags & rtsec_format::record::proc_flags::PLACEHOLDER != 0
}

/// An id of `p`: -1 where a placeholder's is still unknown (0).
fn placeholder_id(p: &Process, id: i64) -> i64 {
    if id == 0 && is_placeholder(p) { -1 } else { id }
}

#[inline(always)]
fn extract_proc<'e>(
    f: &Field,
    ev: &EventView<'e>,
    p: &'e Process,
    buf: &mut Vec<u8>,
) -> Option<Val<'e>> {
    let parent = || ev.block.parent(p);
    let ts = ev.event.ts;
    match f.id {
        F::ProcPid => Some(Val::I64(p.pid)),
        // A process the source knew nothing about is libsinsp's placeholder thread: its
        // parent, session and group are -1 until an event tells them.
        F::ProcPpid => Some(Val::I64(placeholder_id(p, p.ppid))),
        F::ProcVpid => Some(Val::I64(p.vpid)),
        F::ProcSid => Some(Val::I64(placeholder_id(p, p.sid))),
        F::ProcVpgid => Some(Val::I64(placeholder_id(p, p.vpgid))),
        F::ProcPgid => Some(Val::I64(p.pgid)),
        F::ProcName => s(ev.str(p.comm)),
        F::ProcPname => s(ev.str(parent()?.comm)),
        F::ProcExe => s(ev.str(p.exe)),
        F::ProcPexe => s(ev.str(parent()?.exe)),
        F::ProcExepath => s(ev.str(p.exepath)),
        F::ProcPexepath => s(ev.str(parent()?.exepath)),
        F::ProcAcmdline => match index_arg(f) {
            Some(n) => {
                proc::write_cmdline(ev, ancestor(ev, n)?, buf);
                Some(Val::Buf)
            }
            None => opt_buf(proc::write_ancestors(ev, buf, |a, buf| {
                proc::write_cmdline(ev, a, buf)
            })),
        },
        F::ProcExeline => {
            // argv[0] and a space, then the arguments (libsinsp keeps the space without any).
            buf.extend_from_slice(ev.str(p.exe));
            buf.push(b' ');
            proc::write_args(ev, p, buf);
            Some(Val::Buf)
        }
        F::ProcLoginshellid => proc::login_shell(ev, p).map(Val::I64),
        F::ProcPvpid => Some(Val::I64(parent()?.vpid)),
        F::ProcPidTs => (p.start_ts != 0).then_some(Val::U64(p.start_ts)),
        F::ProcPpidTs => Some(Val::U64(parent()?.start_ts)),
        F::ProcPidnsInitStartTs => {
            (p.pidns_init_start_ts != 0).then_some(Val::U64(p.pidns_init_start_ts))
        }
        F::ProcAname | F::ProcAexe | F::ProcAexepath | F::ProcApid => {
            let pick = |a: &'e Process| match f.id {
                F::ProcAname => Val::Str(ev.str(a.comm)),
                F::ProcAexe => Val::Str(ev.str(a.exe)),
                F::ProcAexepath => Val::Str(ev.str(a.exepath)),
                _ => Val::I64(a.pid),
            };
            match index_arg(f) {
                Some(n) => ancestor(ev, n).map(pick),
                None => opt_buf(proc::write_ancestors(ev, buf, |a, buf| match pick(a) {
                    Val::Str(b) => buf.extend_from_slice(b),
                    Val::I64(v) => buf.extend_from_slice(v.to_string().as_bytes()),
                    _ => {}
                })),
            }
        }
        F::ProcArgs => {
            proc::write_args(ev, p, buf);
            Some(Val::Buf)
        }
        F::ProcCmdline => {
            proc::write_cmdline(ev, p, buf);
            Some(Val::Buf)
        }
        F::ProcPcmdline => {
            proc::write_cmdline(ev, parent()?, buf);
            Some(Val::Buf)
        }
        F::ProcCwd => opt_buf(proc::write_cwd(ev, p, buf)),
        F::ProcTty => Some(Val::U64(p.tty as u64)),
        F::ProcDuration => (p.start_ts != 0).then(|| Val::U64(ts.saturating_sub(p.start_ts))),
        F::ProcPpidDuration => {
            let pp = parent()?;
            (pp.start_ts != 0).then(|| Val::U64(ts.saturating_sub(pp.start_ts)))
        }
        F::ProcStartTs => (p.start_ts != 0).then_some(Val::U64(p.start_ts)),
        F::ProcIsExeUpperLayer => Some(Val::Bool(p.exe_flags & 2 != 0)),
        F::ProcIsExeFromMemfd => Some(Val::Bool(p.exe_flags & 4 != 0)),
        F::ProcIsExeLowerLayer => Some(Val::Bool(p.exe_flags & 8 != 0)),
        F::ProcIsExeWritable => Some(Val::Bool(p.exe_flags & 1 != 0)),
        // A source may have recorded the leader's name; else it is looked up as libsinsp does.
        F::ProcSname if p.sname != StrId::EMPTY => s(ev.str(p.sname)),
        F::ProcVpgidName if p.vpgid_name != StrId::EMPTY => s(ev.str(p.vpgid_name)),
        F::ProcVpgidExe if p.vpgid_exe != StrId::EMPTY => s(ev.str(p.vpgid_exe)),
        // The leader found may be a thread's record that knows its process's name.
        F::ProcSname => s(ev.str(proc::named(proc::leader(ev, p, |q| q.sid), |q| q.sname))),
        F::ProcSidExe => s(ev.str(proc::leader(ev, p, |q| q.sid).exe)),
        F::ProcSidExepath => s(ev.str(proc::leader(ev, p, |q| q.sid).exepath)),
        F::ProcVpgidName => s(ev.str(proc::named(proc::leader(ev, p, |q| q.vpgid), |q| {
            q.vpgid_name
        }))),
        F::ProcVpgidExe => s(ev.str(proc::leader(ev, p, |q| q.vpgid).exe)),
        F::ProcVpgidExepath => s(ev.str(proc::leader(ev, p, |q| q.vpgid).exepath)),
        F::ProcIsVpgidLeader => Some(Val::Bool(p.vpid == p.vpgid)),
        // libsinsp compares with the vpid: a session id is the one setsid returned.
        F::ProcIsSidLeader => Some(Val::Bool(p.vpid == p.sid)),
        F::ProcEnv => {
            let key = match &f.arg {
                FieldArg::Key(k) => Some(&**k),
                _ => None,
            };
            opt_buf(proc::write_env(ev, p, key, buf))
        }
        F::ProcAenv => match aenv_arg(f) {
            // Without an argument, and with [0], the process's own environment.
            AenvArg::Level(0) => opt_buf(proc::write_env(ev, p, None, buf)),
            AenvArg::Level(n) => opt_buf(proc::write_env(ev, ancestor(ev, n)?, None, buf)),
            // The first ancestor (at most 20 up, parent first) with a non-empty value; the
            // empty string if none has one.
            AenvArg::Name(k) => {
                proc::any_ancestor_within(ev, proc::MAX_AENV_LEVELS, |a| {
                    proc::write_env(ev, a, Some(k), buf);
                    !buf.is_empty()
                });
                Some(Val::Buf)
            }
        },
        F::ProcExeIno => (p.exe_ino != 0).then_some(Val::U64(p.exe_ino)),
        F::ProcExeInoCtime => (p.exe_ino_ctime != 0).then_some(Val::U64(p.exe_ino_ctime)),
        F::ProcExeInoMtime => (p.exe_ino_mtime != 0).then_some(Val::U64(p.exe_ino_mtime)),
        // As libsinsp computes them at exec (parsers.cpp), missing when 0: the process's start
        // minus the executable's ctime (an unsigned difference that wraps when the file is
        // newer than the process), and the ctime minus the pid namespace's start, only when
        // the file is the newer.
        F::ProcExeInoCtimeDurationProcStart => {
            let d = p.start_ts.wrapping_sub(p.exe_ino_ctime);
            (p.start_ts != 0 && d != 0).then_some(Val::U64(d))
        }
        F::ProcExeInoCtimeDurationPidnsStart => (p.pidns_init_start_ts != 0
            && p.exe_ino_ctime > p.pidns_init_start_ts)
            .then(|| Val::U64(p.exe_ino_ctime - p.pidns_init_start_ts)),
        F::ProcCmdnargs => Some(Val::U64(p.args.len() as u64)),
        F::ProcCmdlenargs => Some(Val::U64(
            p.args.iter().map(|a| ev.str(*a).len() as u64).sum::<u64>(),
        )),
        F::ProcFdlimit => Some(Val::U64(p.fdlimit)),
        _ => None,
    }
}

/// An fd event whose fd the trace has no record of (one opened before the capture and not
/// found then, `AT_FDCWD` as an *at call's dirfd), as libsinsp's `extract_from_null_fd` gives
/// it: the name is empty, so the directory is `/`; the other fields are missing.
#[cold]
fn unknown_fd<'e>(f: &Field, ev: &EventView<'e>, buf: &mut Vec<u8>) -> Option<Val<'e>> {
    if !fd::unknown(ev) {
        return None;
    }
    let part: &[u8] = match f.id {
        F::FdName | F::FdNameraw => return s(b""),
        F::FdDirectory => return s(b"/"),
        F::FdContainername => b"",
        F::FdContainerdirectory => b"/",
        _ => return None,
    };
    Some(in_container(ev, part, buf))
}

/// `fd.containername` and `fd.containerdirectory`: libsinsp's thread's container id (empty
/// on the host), a colon, then `part` (the name or the directory).
fn in_container<'e>(ev: &EventView<'e>, part: &[u8], buf: &mut Vec<u8>) -> Val<'e> {
    if let Some(container::Ctr::Known(c)) = container::of(ev) {
        buf.extend_from_slice(ev.str(c.container_id));
    }
    buf.push(b':');
    buf.extend_from_slice(part);
    Val::Buf
}

#[inline(always)]
fn extract_fd<'e>(
    f: &Field,
    ev: &EventView<'e>,
    env: &Env<'_>,
    buf: &mut Vec<u8>,
) -> Option<Val<'e>> {
    match f.id {
        F::FdNum => return fd::num(ev).map(Val::I64),
        // libsinsp chains the thread id and the fd number, as decimal text.
        F::FdUid => {
            let n = fd::num(ev)?;
            ev.process()?;
            use std::io::Write as _;
            let _ = write!(buf, "{}{n}", ev.event.tid);
            return Some(Val::Buf);
        }
        F::FdTypechar => return fd::typechar_of(ev).and_then(|c| s(fd::typechar_str(c))),
        _ => {}
    }
    let Some(v) = fd::view(ev) else {
        return unknown_fd(f, ev, buf);
    };
    match f.id {
        F::FdName => return s(v.name(ev)),
        F::FdContainername | F::FdContainerdirectory => {
            let part = match f.id {
                F::FdContainername => v.name(ev),
                _ if v.is_dir() => v.name(ev),
                _ if v.is_file() => fd::dirname(v.name(ev))?,
                _ => return None,
            };
            return Some(in_container(ev, part, buf));
        }
        F::FdNameraw => return s(v.nameraw(ev)),
        F::FdDirectory => {
            let name = v.name(ev);
            if v.is_dir() {
                return s(name);
            }
            if !v.is_file() {
                return None;
            }
            return fd::dirname(name).map(Val::Str);
        }
        F::FdFilename => {
            if !v.is_file() || v.failed_open() {
                return None;
            }
            return s(fd::basename(v.name(ev)));
        }
        _ => {}
    }
    let r = v.rec()?;
    let ip = matches!(
        r.ty,
        rtsec_format::FdType::Ipv4 | rtsec_format::FdType::Ipv6
    );
    let local = || env.local.ends(r, ev);
    match f.id {
        F::FdType => s(fd::type_name(r.ty).as_bytes()),
        // An fd without a protocol has the text `<NA>` (a value, not a missing one).
        F::FdL4proto => s(match fd::l4proto(r) {
            L4Proto::Raw => b"raw",
            L4Proto::Tcp => b"tcp",
            L4Proto::Udp => b"udp",
            L4Proto::Icmp => b"icmp",
            L4Proto::Unknown => b"<NA>",
        }),
        F::FdConnected => Some(Val::Bool(
            r.flags & rtsec_format::record::fd_flags::CONNECTED != 0,
        )),
        F::FdNameChanged => Some(Val::Bool(
            ev.event.flags & rtsec_format::wire::event_flags::FD_NAME_CHANGED != 0,
        )),
        F::FdSockfamily => match r.ty {
            rtsec_format::FdType::Ipv4 | rtsec_format::FdType::Ipv6 => s(b"ip"),
            rtsec_format::FdType::Unix => s(b"unix"),
            _ => None,
        },
        F::FdIsServer => Some(Val::Bool(env.local.is_server(r, ev))),
        F::FdDev => Some(Val::U64(r.dev as u64)),
        F::FdIno => Some(Val::U64(r.ino)),
        // `fd.dev` is encoded as stat(2) gives it (new_encode_dev).
        F::FdDevMajor => Some(Val::U64(((r.dev & 0xf_ff00) >> 8) as u64)),
        F::FdDevMinor => Some(Val::U64(
            ((r.dev & 0xff) | ((r.dev >> 12) & 0xf_ff00)) as u64,
        )),
        // Ports as text (libsinsp names no services unless asked to, and Falco does not). A
        // bound or listening socket (libsinsp's server socket), and a socket with a role
        // that is not an IP one, have the empty text as client protocol; the former as
        // server protocol too.
        F::FdSproto | F::FdCproto if ip && r.client.is_none() && r.server.is_some() => s(b""),
        F::FdCproto if !ip => {
            let role = r.local != rtsec_format::LocalSide::Unknown
                || r.flags & rtsec_format::record::fd_flags::FROM_SCAN != 0;
            (r.ty == rtsec_format::FdType::Unix && role).then_some(Val::Str(b""))
        }
        F::FdSproto | F::FdCproto | F::FdLproto | F::FdRproto => {
            let port = match f.id {
                F::FdSproto => r.server?.port(),
                F::FdCproto => r.client?.port(),
                F::FdLproto => local()?.0.port(),
                _ => local()?.1.port(),
            };
            let _ = std::io::Write::write_fmt(buf, format_args!("{port}"));
            Some(Val::Buf)
        }
        F::FdSip | F::FdSnet => Some(Val::Ip(r.server?.ip())),
        F::FdCip | F::FdCnet => Some(Val::Ip(r.client?.ip())),
        F::FdLip | F::FdLnet => Some(Val::Ip(local()?.0.ip())),
        F::FdRip | F::FdRnet => Some(Val::Ip(local()?.1.ip())),
        F::FdSport => Some(Val::U64(r.server?.port() as u64)),
        F::FdCport => Some(Val::U64(r.client?.port() as u64)),
        F::FdLport => Some(Val::U64(local()?.0.port() as u64)),
        F::FdRport => Some(Val::U64(local()?.1.port() as u64)),
        // Either endpoint: the comparison looks at both; a plain read gives the server's.
        F::FdIp | F::FdNet => Some(Val::Ip(r.server.or(r.client)?.ip())),
        F::FdPort | F::FdProto => Some(Val::U64(r.server.or(r.client)?.port() as u64)),
        F::FdSipName | F::FdCipName | F::FdLipName | F::FdRipName => {
            let addr = match f.id {
                F::FdSipName => r.server?,
                F::FdCipName => r.client?,
                F::FdLipName => local()?.0,
                _ => local()?.1,
            };
            let name = env.hosts.reverse(addr.ip())?;
            buf.extend_from_slice(name.as_bytes());
            Some(Val::Buf)
        }
        _ => None,
    }
}

/// Both endpoints' values of `fd.ip`/`fd.port`/`fd.net` (client, server).
pub(crate) fn endpoints<'e>(f: &Field, ev: &EventView<'e>) -> [Option<Val<'e>>; 2] {
    let Some(r) = fd::view(ev).and_then(|v| v.rec()) else {
        return [None, None];
    };
    let get = |a: Option<std::net::SocketAddr>| {
        a.map(|a| match f.id {
            F::FdPort | F::FdProto => Val::U64(a.port() as u64),
            _ => Val::Ip(a.ip()),
        })
    };
    [get(r.client), get(r.server)]
}

/// The address a `fd.*.name` field compares (server, client, local or remote).
pub(crate) fn dns_addr(f: &Field, ev: &EventView<'_>, local: &LocalAddrs) -> Option<IpAddr> {
    let r = fd::view(ev)?.rec()?;
    let local = || local.ends(r, ev);
    Some(match f.id {
        F::FdSipName => r.server?.ip(),
        F::FdCipName => r.client?.ip(),
        F::FdLipName => local()?.0.ip(),
        _ => local()?.1.ip(),
    })
}

#[inline(always)]
fn extract_container<'e>(f: &Field, ev: &EventView<'e>, buf: &mut Vec<u8>) -> Option<Val<'e>> {
    let c = container::of(ev)?;
    let key = || match &f.arg {
        FieldArg::Key(k) => Some(&**k),
        _ => None,
    };
    let meta = |get: fn(&'e rtsec_format::wire::Container) -> Option<rtsec_format::StrId>| match c {
        Ctr::Host => s(b""),
        Ctr::Known(k) => get(k).map(|id| Val::Str(ev.str(id))),
    };
    let k8s_label = |name: &str| match c {
        Ctr::Host => None,
        Ctr::Known(k) => container::label(ev, k, name).map(Val::Str),
    };
    match f.id {
        F::ContainerId => match c {
            Ctr::Host => s(b"host"),
            Ctr::Known(k) => s(ev.str(k.container_id)),
        },
        F::ContainerFullId => match c {
            Ctr::Host => s(b"host"),
            Ctr::Known(k) => {
                let full = ev.str(k.full_id);
                s(if full.is_empty() {
                    ev.str(k.container_id)
                } else {
                    full
                })
            }
        },
        F::ContainerName => match c {
            Ctr::Host => s(b"host"),
            Ctr::Known(k) => k.name.map(|id| Val::Str(ev.str(id))),
        },
        F::ContainerType => match c {
            Ctr::Host => s(b"host"),
            Ctr::Known(k) => nonempty(ev.str(k.runtime)),
        },
        F::ContainerImage => meta(|k| k.image),
        F::ContainerImageRepository => meta(|k| k.image_repository),
        F::ContainerImageTag => meta(|k| k.image_tag),
        F::ContainerImageId => meta(|k| k.image_id),
        F::ContainerImageDigest => meta(|k| k.image_digest),
        F::ContainerPrivileged => match c {
            Ctr::Host => Some(Val::Bool(false)),
            Ctr::Known(k) => k.privileged.map(Val::Bool),
        },
        F::ContainerMounts => match c {
            Ctr::Host => s(b""),
            Ctr::Known(k) => {
                container::write_mounts(ev, k, buf);
                Some(Val::Buf)
            }
        },
        F::ContainerMount
        | F::ContainerMountSource
        | F::ContainerMountDest
        | F::ContainerMountMode
        | F::ContainerMountRdwr
        | F::ContainerMountPropagation => {
            let Ctr::Known(k) = c else { return None };
            let FieldArg::Mount(key) = &f.arg else {
                return None;
            };
            let m = container::find_mount(ev, k, key, f.id == F::ContainerMountSource)?;
            let part = match f.id {
                F::ContainerMount => MountPart::All,
                F::ContainerMountSource => MountPart::Source,
                F::ContainerMountDest => MountPart::Dest,
                F::ContainerMountMode => MountPart::Mode,
                F::ContainerMountRdwr => MountPart::Rdwr,
                _ => MountPart::Propagation,
            };
            container::write_mount(ev, m, part, buf);
            Some(Val::Buf)
        }
        F::ContainerStartTs => {
            let p = ev.process()?;
            (p.pidns_init_start_ts != 0).then_some(Val::U64(p.pidns_init_start_ts))
        }
        F::ContainerDuration => {
            let p = ev.process()?;
            (p.pidns_init_start_ts != 0)
                .then(|| Val::U64(ev.event.ts.saturating_sub(p.pidns_init_start_ts)))
        }
        F::ContainerIp | F::K8sPodIp => match c {
            Ctr::Host => None,
            Ctr::Known(k) => {
                container::write_ip(k.ip?, buf);
                Some(Val::Buf)
            }
        },
        F::ContainerUser => match c {
            Ctr::Host => None,
            Ctr::Known(k) => k.user.map(|id| Val::Str(ev.str(id))),
        },
        F::ContainerLabel | F::K8sPodLabel => match c {
            Ctr::Host => None,
            Ctr::Known(k) => container::label(ev, k, key()?).map(Val::Str),
        },
        F::ContainerLabels | F::K8sPodLabels => match c {
            Ctr::Host => None,
            Ctr::Known(k) => {
                container::write_labels(ev, k, buf);
                Some(Val::Buf)
            }
        },
        F::ContainerInfo => s(b""),
        F::K8sNsName => k8s_label("io.kubernetes.pod.namespace"),
        F::K8sPodName => k8s_label("io.kubernetes.pod.name"),
        F::K8sPodUid | F::K8sPodId => k8s_label("io.kubernetes.pod.uid"),
        F::K8sContainerName => k8s_label("io.kubernetes.container.name"),
        _ => None,
    }
}
