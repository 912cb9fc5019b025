//! The typed arguments of one syscall exit, from the scap event's parameters (by name, as the
//! event table names them), with libs' encodings translated to raw Linux values.

use std::net::SocketAddr;

use rtsec_format::{AT_FDCWD, Args, Kind, PathArg, SockAddr, wire::event_flags};
use rtsec_scap::{Event, SockTuple, Value};

use super::ppm;
use crate::state::{SockInfo, State};

/// What a syscall event needs besides its kind and result.
pub struct SyscallArgs<'a> {
    pub args: Args<&'a [u8]>,
    /// `wire::event_flags` bits.
    pub flags: u8,
    /// The socket's endpoints after the call, when the event reports them.
    pub sock: Option<SockInfo<&'a [u8]>>,
}

pub fn int(e: &Event<'_>, name: &str) -> Option<i64> {
    e.param_by_name(name).as_i64()
}

pub fn num(e: &Event<'_>, name: &str, default: i64) -> i64 {
    int(e, name).unwrap_or(default)
}

pub fn u32p(e: &Event<'_>, name: &str) -> u32 {
    int(e, name).unwrap_or(0) as u32
}

pub fn u64p(e: &Event<'_>, name: &str) -> u64 {
    int(e, name).unwrap_or(0) as u64
}

pub fn text<'a>(e: &Event<'a>, name: &str) -> &'a [u8] {
    e.param_by_name(name).as_bytes().unwrap_or_default()
}

pub fn path<'a>(e: &Event<'a>, name: &str) -> PathArg<&'a [u8]> {
    PathArg {
        raw: text(e, name),
        resolved: &[],
    }
}

/// The fd a libs event for a generically recorded syscall uses: its `fd` parameter, else the
/// one that is the syscall's first argument (`dirfd`, `out_fd`, `fd_in`).
pub fn first_fd(e: &Event<'_>) -> Option<i64> {
    ["fd", "dirfd", "out_fd", "fd_in"]
        .iter()
        .find_map(|name| int(e, name))
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
pub fn tuple_ends(v: Value<'_>) -> Option<Ends<'_>> {
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

/// The arguments of a syscall exit of `kind` (not the clone, exec and generic kinds, which
/// [`super::events`] handles).
pub fn syscall_args<'a>(
    state: &State,
    e: &Event<'a>,
    kind: Kind,
    pid: i64,
    res: i64,
) -> Option<SyscallArgs<'a>> {
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
            let open_flags = if kind == Kind::Creat {
                ppm::CREAT_FLAGS
            } else {
                let raw = u32p(e, "flags");
                if raw & ppm::F_CREATED != 0 {
                    flags |= event_flags::FILE_CREATED;
                }
                ppm::open_flags(raw)
            };
            Args::Open {
                dirfd,
                path: p,
                flags: open_flags,
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
        | Kind::Pread
        | Kind::Pwrite
        | Kind::Readv
        | Kind::Writev
        | Kind::Preadv
        | Kind::Pwritev
        | Kind::Sendto
        | Kind::Sendmsg
        | Kind::Recvfrom
        | Kind::Recvmsg => {
            let data = text(e, "data");
            let size = u64p(e, "size");
            if res > 0 && (data.len() as u64) < size.min(res as u64) {
                flags |= event_flags::DATA_TRUNCATED;
            }
            let tuple = e.param_by_name("tuple");
            let send = matches!(kind, Kind::Sendto | Kind::Sendmsg);
            let addr = match (kind, tuple_ends(tuple)) {
                (Kind::Sendto | Kind::Sendmsg, Some((_, dst))) => dst,
                (Kind::Recvfrom | Kind::Recvmsg, Some((src, _))) => src,
                _ => SockAddr::None,
            };
            // The datagram's endpoints (the sender is the tuple's source).
            if matches!(
                kind,
                Kind::Sendto | Kind::Sendmsg | Kind::Recvfrom | Kind::Recvmsg
            ) {
                sock = sock_info(state, pid, fd, tuple, send);
            }
            Args::Io {
                fd,
                size,
                pos: u64p(e, "pos"),
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
            return None;
        }
    };
    Some(SyscallArgs { args, flags, sock })
}

/// Arguments for a syscall of `kind` that the capture recorded without them (as a generic
/// event): values that mean "unknown" and change nothing in the engine's tables. `None` for
/// kinds whose effects need their arguments (those stay generic events).
pub fn unrecorded(kind: Kind) -> Option<(Kind, Args<&'static [u8]>)> {
    let path: PathArg<&'static [u8]> = PathArg::default();
    let args: Args<&'static [u8]> = match kind {
        Kind::Mprotect => Args::Mmap {
            addr: 0,
            len: 0,
            prot: 0,
            flags: 0,
            fd: -1,
            offset: 0,
        },
        Kind::Chmod | Kind::Fchmodat => Args::Path {
            dirfd: AT_FDCWD,
            path,
            flags: 0,
            mode: 0,
        },
        Kind::Fchmod => Args::Path {
            dirfd: -1,
            path,
            flags: 0,
            mode: 0,
        },
        Kind::Chown | Kind::Lchown | Kind::Fchownat => Args::Chown {
            dirfd: AT_FDCWD,
            path,
            uid: u32::MAX,
            gid: u32::MAX,
            flags: 0,
        },
        Kind::Fchown => Args::Chown {
            dirfd: -1,
            path,
            uid: u32::MAX,
            gid: u32::MAX,
            flags: 0,
        },
        Kind::Prctl => Args::Prctl {
            option: -1,
            arg2_str: &[],
            arg2_int: 0,
        },
        Kind::Kill | Kind::Tkill | Kind::Tgkill => Args::Kill {
            pid: -1,
            tid: -1,
            sig: 0,
        },
        Kind::ProcessVmReadv | Kind::ProcessVmWritev => Args::ProcessVm { pid: -1 },
        // The engine ignores capability sets it was not told (the event is flagged unreadable).
        Kind::Capset => Args::Capset {
            inheritable: 0,
            permitted: 0,
            effective: 0,
        },
        _ => return None,
    };
    Some((kind, args))
}
