//! The parameters of each event type as Falco names and orders them (its event table's exit
//! events, `scap-event-table.tsv`), built from rtsec's typed arguments and records.
//!
//! Parameters rtsec does not record (page-fault counters, vm sizes, socket queue lengths, …)
//! are absent: `evt.arg.NAME` is then missing and `evt.args` leaves them out.

use rtsec_format::{Args, EventView, Kind, PathArg, SockAddr, StrId, wire::Process};

use super::flags::{self, Table};
use crate::fields::sock::{write_addr, write_fd_name};

/// Falco's parameter names for an event kind, in order.
pub(crate) fn names(kind: Kind) -> &'static [&'static str] {
    use Kind as K;
    const EXEC: &[&str] = &[
        "res",
        "exe",
        "args",
        "tid",
        "pid",
        "ptid",
        "cwd",
        "fdlimit",
        "pgft_maj",
        "pgft_min",
        "vm_size",
        "vm_rss",
        "vm_swap",
        "comm",
        "cgroups",
        "env",
        "tty",
        "vpgid",
        "loginuid",
        "flags",
        "cap_inheritable",
        "cap_permitted",
        "cap_effective",
        "exe_ino",
        "exe_ino_ctime",
        "exe_ino_mtime",
        "uid",
        "trusted_exepath",
        "pgid",
        "gid",
        "filename",
    ];
    const CLONE: &[&str] = &[
        "res",
        "exe",
        "args",
        "tid",
        "pid",
        "ptid",
        "cwd",
        "fdlimit",
        "pgft_maj",
        "pgft_min",
        "vm_size",
        "vm_rss",
        "vm_swap",
        "comm",
        "cgroups",
        "flags",
        "uid",
        "gid",
        "vtid",
        "vpid",
        "pidns_init_start_ts",
    ];
    match kind {
        K::Generic => &["ID", "nativeID"],
        K::Execve => EXEC,
        K::Execveat => &EXEC[..EXEC.len() - 1],
        K::Clone | K::Clone3 | K::Fork | K::Vfork => CLONE,
        K::ProcExit => &["status", "ret", "sig", "core", "reaper_tid"],
        K::Open => &["fd", "name", "flags", "mode", "dev", "ino"],
        K::Openat => &["fd", "dirfd", "name", "flags", "mode", "dev", "ino"],
        K::Openat2 => &[
            "fd", "dirfd", "name", "flags", "mode", "resolve", "dev", "ino",
        ],
        K::Creat => &["fd", "name", "mode", "dev", "ino", "creat_flags"],
        K::OpenByHandleAt => &["fd", "mountfd", "flags", "path", "dev", "ino"],
        K::Close => &["res", "fd"],
        K::Connect => &["res", "tuple", "fd", "addr"],
        K::Accept => &["fd", "tuple", "queuepct", "queuelen", "queuemax"],
        K::Accept4 => &["fd", "tuple", "queuepct", "queuelen", "queuemax", "flags"],
        K::Bind => &["res", "addr", "fd"],
        K::Listen => &["res", "fd", "backlog"],
        K::Socket => &["fd", "domain", "type", "proto", "flags"],
        K::Socketpair => &[
            "res", "fd1", "fd2", "source", "peer", "domain", "type", "proto",
        ],
        K::Sendto | K::Sendmsg => &["res", "data", "fd", "size", "tuple"],
        K::Recvfrom => &["res", "data", "tuple", "fd", "size"],
        K::Recvmsg => &["res", "size", "data", "tuple", "msgcontrol", "fd"],
        K::Read | K::Write | K::Writev => &["res", "data", "fd", "size"],
        K::Pread | K::Pwrite | K::Pwritev => &["res", "data", "fd", "size", "pos"],
        K::Readv => &["res", "size", "data", "fd"],
        K::Preadv => &["res", "size", "data", "fd", "pos"],
        K::Dup => &["res", "oldfd"],
        K::Dup2 => &["res", "oldfd", "newfd"],
        K::Dup3 => &["res", "oldfd", "newfd", "flags"],
        K::Unlink => &["res", "path"],
        K::Unlinkat => &["res", "dirfd", "name", "flags"],
        K::Rename => &["res", "oldpath", "newpath"],
        K::Renameat => &["res", "olddirfd", "oldpath", "newdirfd", "newpath"],
        K::Renameat2 => &["res", "olddirfd", "oldpath", "newdirfd", "newpath", "flags"],
        K::Mkdir => &["res", "path", "mode"],
        K::Mkdirat => &["res", "dirfd", "path", "mode"],
        K::Rmdir => &["res", "path"],
        K::Symlink => &["res", "target", "linkpath"],
        K::Symlinkat => &["res", "target", "linkdirfd", "linkpath"],
        K::Link => &["res", "oldpath", "newpath"],
        K::Linkat => &["res", "olddir", "oldpath", "newdir", "newpath", "flags"],
        K::Chmod => &["res", "filename", "mode"],
        K::Fchmod => &["res", "fd", "mode"],
        K::Fchmodat => &["res", "dirfd", "filename", "mode"],
        K::Chown | K::Lchown => &["res", "path", "uid", "gid"],
        K::Fchown => &["res", "fd", "uid", "gid"],
        K::Fchownat => &["res", "dirfd", "pathname", "uid", "gid", "flags"],
        K::Setuid => &["res", "uid"],
        K::Setgid => &["res", "gid"],
        K::Setresuid => &["res", "ruid", "euid", "suid"],
        K::Setresgid => &["res", "rgid", "egid", "sgid"],
        K::Setreuid => &["res", "ruid", "euid"],
        K::Setregid => &["res", "rgid", "egid"],
        K::Ptrace => &["res", "addr", "data", "request", "pid"],
        K::Mount => &["res", "dev", "dir", "type", "flags"],
        K::Umount2 => &["res", "name", "flags"],
        K::Kill => &["res", "pid", "sig"],
        K::Tkill => &["res", "tid", "sig"],
        K::Tgkill => &["res", "pid", "tid", "sig"],
        K::InitModule => &["res", "img", "length", "uargs"],
        K::FinitModule => &["res", "fd", "uargs", "flags"],
        K::DeleteModule => &["res", "name", "flags"],
        K::Bpf => &["fd", "cmd"],
        K::MemfdCreate => &["fd", "name", "flags"],
        K::Mprotect => &["res", "addr", "length", "prot"],
        K::Mmap => &[
            "res", "vm_size", "vm_rss", "vm_swap", "addr", "length", "prot", "flags", "fd",
            "offset",
        ],
        K::Chdir | K::Chroot => &["res", "path"],
        K::Fchdir => &["res", "fd"],
        K::Unshare => &["res", "flags"],
        K::Setns => &["res", "fd", "nstype"],
        K::Capset => &["res", "cap_inheritable", "cap_permitted", "cap_effective"],
        K::Prctl => &["res", "option", "arg2_str", "arg2_int"],
        K::Userfaultfd => &["res", "flags"],
        K::IoUringSetup => &[
            "res",
            "entries",
            "sq_entries",
            "cq_entries",
            "flags",
            "sq_thread_cpu",
            "sq_thread_idle",
            "features",
        ],
        K::ProcessVmReadv | K::ProcessVmWritev => &["res", "pid", "data"],
        K::Pipe => &["res", "fd1", "fd2", "ino"],
        K::Pipe2 => &["res", "fd1", "fd2", "ino", "flags"],
        K::Setsid => &["res"],
        K::Setpgid => &["res", "pid", "pgid"],
        K::Fcntl => &["res", "fd", "cmd", "arg"],
    }
}

/// Index of a parameter by name for a kind.
pub(crate) fn index_of(kind: Kind, name: &str) -> Option<usize> {
    names(kind).iter().position(|n| *n == name)
}

/// One parameter value, typed the way Falco's event table types it.
pub(crate) enum P<'e> {
    /// Return value (`PT_ERRNO`): negative → errno name.
    Errno(i64),
    /// An fd (`PT_FD`): resolved to `<typechar>name` when the event's fd record is that fd.
    Fd(i64),
    /// A pid (`PT_PID`), with the comm when it is the event's process or its parent.
    Pid(i64),
    Int(i64),
    UInt(u64),
    Hex(u64),
    Oct(u64),
    Str(&'e [u8]),
    Path(&'e [u8], &'e [u8]),
    Flags(u64, Table),
    Enum(u64, Table),
    Addr(&'e SockAddr<StrId>),
    /// The socket tuple of the event's fd record.
    Tuple,
    Bytes(&'e [u8]),
    /// A list of strings, each followed by a NUL in Falco (`args`, `env`): rendered with `.`.
    List(&'e [StrId]),
    Uid(u32),
    Gid(u32),
    Sig(u32),
    SyscallId(u16),
}

/// The `i`-th parameter of the event, if rtsec has it.
pub(crate) fn get<'e>(ev: &EventView<'e>, i: usize) -> Option<P<'e>> {
    let name = *names(ev.kind()).get(i)?;
    let e = ev.event;
    let s = |id: &StrId| ev.str(*id);
    let path = |p: &'e PathArg<StrId>| P::Path(ev.str(p.raw), ev.str(p.resolved));
    let res = || P::Errno(e.res);
    let fdres = || P::Fd(e.res);
    let proc = ev.process();
    let pf = |f: fn(&'e Process) -> P<'e>| proc.map(f);
    use Args as A;
    Some(match (ev.args(), name) {
        (A::Generic { nr, .. }, "ID") => P::SyscallId(*nr),
        (A::Generic { nr, .. }, "nativeID") => P::UInt(*nr as u64),
        (_, "res") if !matches!(ev.kind(), Kind::Bpf | Kind::MemfdCreate) => res(),
        (A::Exec { .. }, n) | (A::Clone { .. }, n) | (A::None, n) => {
            let p = proc?;
            match n {
                "exe" => P::Str(ev.str(p.exe)),
                "args" => P::List(&p.args),
                "tid" => P::Pid(e.tid),
                "pid" => P::Pid(p.pid),
                "ptid" => P::Pid(p.ppid),
                "cwd" => P::Str(ev.str(p.cwd)),
                "fdlimit" => P::UInt(p.fdlimit),
                "comm" => P::Str(ev.str(p.comm)),
                "cgroups" => P::Str(ev.str(p.cgroup)),
                "env" => P::List(&p.env),
                "tty" => P::UInt(p.tty as u64),
                "vpgid" => P::Pid(p.vpgid),
                "pgid" => P::Pid(p.pgid),
                "loginuid" => P::Uid(p.loginuid),
                "flags" => match ev.args() {
                    A::Clone { flags } => P::Flags(flags::clone_flags(*flags), flags::CLONE_FLAGS),
                    A::None => return None,
                    _ => P::Flags(p.exe_flags as u64, flags::EXECVE_FLAGS),
                },
                "cap_inheritable" => P::Hex(p.cap_inheritable),
                "cap_permitted" => P::Hex(p.cap_permitted),
                "cap_effective" => P::Hex(p.cap_effective),
                "exe_ino" => P::UInt(p.exe_ino),
                "exe_ino_ctime" => P::UInt(p.exe_ino_ctime),
                "exe_ino_mtime" => P::UInt(p.exe_ino_mtime),
                "uid" => P::Uid(p.uid),
                "gid" => P::Gid(p.gid),
                "trusted_exepath" => P::Str(ev.str(p.exepath)),
                "filename" => match ev.args() {
                    A::Exec { filename, .. } => path(filename),
                    _ => return None,
                },
                "vpid" => P::Pid(p.vpid),
                "pidns_init_start_ts" => P::UInt(p.pidns_init_start_ts),
                _ => return None,
            }
        }
        (A::Exit { code, sig, core }, n) => match n {
            "status" => P::Int(*code),
            "ret" => P::Int(*code),
            "sig" => P::Sig(*sig),
            "core" => P::UInt(*core as u64),
            _ => return None,
        },
        (
            A::Open {
                dirfd,
                path: pa,
                flags: fl,
                mode,
                resolve,
                dev,
                ino,
            },
            n,
        ) => match n {
            "fd" => fdres(),
            "dirfd" | "mountfd" => P::Fd(*dirfd),
            "name" | "path" => path(pa),
            "flags" => {
                if ev.kind() == Kind::Creat {
                    return None;
                }
                P::Flags(flags::open_flags_of(ev, *fl), flags::FILE_FLAGS)
            }
            "mode" => P::Oct(*mode as u64),
            "resolve" => P::Flags(flags::openat2_resolve(*resolve), flags::OPENAT2_RESOLVE),
            "dev" => P::Hex(*dev as u64),
            "ino" => P::UInt(*ino),
            _ => return None,
        },
        (A::Fd { fd }, "fd") => P::Fd(*fd),
        (A::Connect { fd, addr }, n) => match n {
            "tuple" => P::Tuple,
            "fd" => P::Fd(*fd),
            "addr" => P::Addr(addr),
            _ => return None,
        },
        (A::Accept { flags, .. }, n) => match n {
            "fd" => fdres(),
            "tuple" => P::Tuple,
            "flags" => P::Int(*flags as i64),
            _ => return None,
        },
        (A::Listen { fd, backlog }, n) => match n {
            "fd" => P::Fd(*fd),
            "backlog" => P::Int(*backlog as i64),
            _ => return None,
        },
        (A::Socket { domain, ty, proto }, n) => match n {
            "fd" => fdres(),
            "domain" => P::Enum(*domain as u64, flags::SOCKET_FAMILIES),
            "type" => P::UInt(*ty as u64),
            "proto" => P::UInt(*proto as u64),
            _ => return None,
        },
        (
            A::Socketpair {
                domain,
                ty,
                proto,
                fd1,
                fd2,
            },
            n,
        ) => match n {
            "fd1" => P::Fd(*fd1),
            "fd2" => P::Fd(*fd2),
            "domain" => P::Enum(*domain as u64, flags::SOCKET_FAMILIES),
            "type" => P::UInt(*ty as u64),
            "proto" => P::UInt(*proto as u64),
            _ => return None,
        },
        (
            A::Io {
                fd,
                size,
                pos,
                addr: _,
                data,
            },
            n,
        ) => match n {
            "data" => P::Bytes(s(data)),
            "fd" => P::Fd(*fd),
            "size" => P::UInt(*size),
            "pos" => P::UInt(*pos),
            "tuple" => P::Tuple,
            _ => return None,
        },
        (
            A::Dup {
                oldfd,
                newfd,
                flags: fl,
            },
            n,
        ) => match n {
            "oldfd" => P::Fd(*oldfd),
            "newfd" => P::Fd(*newfd),
            "flags" => P::Flags(flags::fd_flags(*fl), flags::FILE_FLAGS),
            _ => return None,
        },
        (
            A::Path {
                dirfd,
                path: pa,
                flags: fl,
                mode,
            },
            n,
        ) => match n {
            "dirfd" => P::Fd(*dirfd),
            "fd" => P::Fd(*dirfd),
            "path" | "name" | "filename" => path(pa),
            "flags" => P::Flags(*fl as u64, flags::UNLINKAT_FLAGS),
            "mode" => match ev.kind() {
                Kind::Chmod | Kind::Fchmod | Kind::Fchmodat => {
                    P::Flags((*mode & 0o7777) as u64, flags::CHMOD_MODE)
                }
                // mkdir's and mkdirat's mode are PF_HEX in libsinsp's table (mode=1ED).
                Kind::Mkdir | Kind::Mkdirat => P::Hex(*mode as u64),
                _ => P::Oct(*mode as u64),
            },
            _ => return None,
        },
        (
            A::TwoPaths {
                olddirfd,
                oldpath,
                newdirfd,
                newpath,
                flags: fl,
            },
            n,
        ) => match n {
            "olddirfd" | "olddir" => P::Fd(*olddirfd),
            "newdirfd" | "newdir" => P::Fd(*newdirfd),
            "oldpath" => path(oldpath),
            "newpath" => path(newpath),
            "flags" => match ev.kind() {
                Kind::Linkat => P::Flags(*fl as u64, flags::LINKAT_FLAGS),
                _ => P::Flags(*fl as u64, flags::RENAMEAT2_FLAGS),
            },
            _ => return None,
        },
        (
            A::Symlink {
                target,
                linkdirfd,
                linkpath,
            },
            n,
        ) => match n {
            "target" => P::Str(s(target)),
            "linkdirfd" => P::Fd(*linkdirfd),
            "linkpath" => path(linkpath),
            _ => return None,
        },
        (
            A::Chown {
                dirfd,
                path: pa,
                uid,
                gid,
                flags: fl,
            },
            n,
        ) => match n {
            "dirfd" | "fd" => P::Fd(*dirfd),
            "path" | "pathname" => path(pa),
            "uid" => P::Uid(*uid),
            "gid" => P::Gid(*gid),
            "flags" => P::Flags(*fl as u64, flags::LINKAT_FLAGS),
            _ => return None,
        },
        (A::SetIds { ids }, n) => match n {
            "uid" | "ruid" => P::Uid(ids[0]),
            "euid" => P::Uid(ids[1]),
            "suid" => P::Uid(ids[2]),
            "gid" | "rgid" => P::Gid(ids[0]),
            "egid" => P::Gid(ids[1]),
            "sgid" => P::Gid(ids[2]),
            _ => return None,
        },
        (
            A::Ptrace {
                request,
                pid,
                addr,
                data,
            },
            n,
        ) => match n {
            "addr" => P::Hex(*addr),
            "data" => P::Hex(*data),
            "request" => P::Enum(flags::ptrace_request(*request), flags::PTRACE_REQUESTS),
            "pid" => P::Pid(*pid),
            _ => return None,
        },
        (
            A::Mount {
                source,
                target,
                fstype,
                flags: fl,
            },
            n,
        ) => match n {
            "dev" => P::Str(s(source)),
            "dir" => path(target),
            "type" => P::Str(s(fstype)),
            "flags" => P::Flags(*fl & 0xffff_ffff, flags::MOUNT_FLAGS),
            _ => return None,
        },
        (A::Umount { target, flags: fl }, n) => match n {
            "name" => path(target),
            "flags" => P::Flags(*fl as u64, flags::UMOUNT_FLAGS),
            _ => return None,
        },
        (A::Kill { pid, tid, sig }, n) => match n {
            "pid" => P::Pid(*pid),
            "tid" => P::Pid(*tid),
            "sig" => P::Sig(*sig),
            _ => return None,
        },
        (A::InitModule { len, uargs }, n) => match n {
            "length" => P::UInt(*len),
            "uargs" => P::Str(s(uargs)),
            _ => return None,
        },
        (
            A::FinitModule {
                fd,
                uargs,
                flags: fl,
            },
            n,
        ) => match n {
            "fd" => P::Fd(*fd),
            "uargs" => P::Str(s(uargs)),
            "flags" => P::UInt(*fl as u64),
            _ => return None,
        },
        (
            A::DeleteModule {
                name: nm,
                flags: fl,
            },
            n,
        ) => match n {
            "name" => P::Str(s(nm)),
            "flags" => P::UInt(*fl as u64),
            _ => return None,
        },
        (A::Bpf { cmd }, n) => match n {
            "fd" => fdres(),
            "cmd" => P::Enum(*cmd as u64, flags::BPF_COMMANDS),
            _ => return None,
        },
        (
            A::MemfdCreate {
                name: nm,
                flags: fl,
            },
            n,
        ) => match n {
            "fd" => fdres(),
            "name" => P::Str(s(nm)),
            "flags" => P::Flags(*fl as u64, flags::MEMFD_CREATE_FLAGS),
            _ => return None,
        },
        (
            A::Mmap {
                addr,
                len,
                prot,
                flags: fl,
                fd,
                offset,
            },
            n,
        ) => match n {
            "addr" => P::Hex(*addr),
            "length" => P::UInt(*len),
            "prot" => P::Flags(flags::prot_flags(*prot), flags::PROT_FLAGS),
            "flags" => P::Flags(flags::mmap_flags(*fl), flags::MMAP_FLAGS),
            "fd" => P::Fd(*fd),
            "offset" => P::UInt(*offset),
            _ => return None,
        },
        (A::Namespace { fd, flags: fl }, n) => match n {
            "fd" => P::Fd(*fd),
            "flags" | "nstype" => P::Flags(flags::clone_flags(*fl as u64), flags::CLONE_FLAGS),
            _ => return None,
        },
        (
            A::Capset {
                inheritable,
                permitted,
                effective,
            },
            n,
        ) => match n {
            "cap_inheritable" => P::Hex(*inheritable),
            "cap_permitted" => P::Hex(*permitted),
            "cap_effective" => P::Hex(*effective),
            _ => return None,
        },
        (
            A::Prctl {
                option,
                arg2_str,
                arg2_int,
            },
            n,
        ) => match n {
            "option" => P::Enum(*option as u64, flags::PRCTL_OPTIONS),
            "arg2_str" => P::Str(s(arg2_str)),
            "arg2_int" => P::Int(*arg2_int),
            _ => return None,
        },
        (A::Flags { flags: fl }, "flags") => P::Flags(flags::fd_flags(*fl), flags::FILE_FLAGS),
        (
            A::IoUringSetup {
                entries,
                sq_entries,
                cq_entries,
                flags: fl,
                sq_thread_cpu,
                sq_thread_idle,
                features,
            },
            n,
        ) => match n {
            "entries" => P::UInt(*entries as u64),
            "sq_entries" => P::UInt(*sq_entries as u64),
            "cq_entries" => P::UInt(*cq_entries as u64),
            "flags" => P::UInt(*fl as u64),
            "sq_thread_cpu" => P::UInt(*sq_thread_cpu as u64),
            "sq_thread_idle" => P::UInt(*sq_thread_idle as u64),
            "features" => P::UInt(*features as u64),
            _ => return None,
        },
        (A::ProcessVm { pid }, "pid") => P::Pid(*pid),
        (
            A::Pipe {
                fd1,
                fd2,
                flags: fl,
            },
            n,
        ) => match n {
            "fd1" => P::Fd(*fd1),
            "fd2" => P::Fd(*fd2),
            "flags" => P::Flags(flags::fd_flags(*fl), flags::FILE_FLAGS),
            _ => return None,
        },
        (A::Setpgid { pid, pgid }, n) => match n {
            "pid" => P::Pid(*pid),
            "pgid" => P::Pid(*pgid),
            _ => return None,
        },
        (A::Fcntl { fd, cmd, arg }, n) => match n {
            "fd" => P::Fd(*fd),
            "cmd" => P::Enum(flags::fcntl_cmd(*cmd), flags::FCNTL_COMMANDS),
            "arg" => P::UInt(*arg),
            _ => return None,
        },
        _ => {
            let _ = pf;
            return None;
        }
    })
}

/// How a parameter is printed.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// `evt.arg.NAME`: the resolved text if there is one, else the raw text.
    Value,
    /// `evt.args`: `raw(resolved)`.
    Args,
}

/// How a data buffer prints: libsinsp's buffer formats, of which Falco uses two.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BufferFormat {
    /// Printable ASCII as is, every other byte as `.` (`PF_NORMAL`, Falco's default).
    #[default]
    Dots,
    /// Standard base64 with padding (`PF_BASE64`: `buffer_format_base64`, `falco -b`).
    Base64,
}

/// Appends `data` printed in `format` (libsinsp's `binary_buffer_to_string`).
pub(crate) fn write_buffer(data: &[u8], format: BufferFormat, out: &mut Vec<u8>) {
    match format {
        BufferFormat::Dots => out.extend(
            data.iter()
                .map(|&c| if (0x20..0x7f).contains(&c) { c } else { b'.' }),
        ),
        BufferFormat::Base64 => {
            const ALPHABET: &[u8; 64] =
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            for chunk in data.chunks(3) {
                let b = [
                    chunk[0],
                    *chunk.get(1).unwrap_or(&0),
                    *chunk.get(2).unwrap_or(&0),
                ];
                let n = u32::from_be_bytes([0, b[0], b[1], b[2]]);
                for i in 0..4 {
                    out.push(if i <= chunk.len() {
                        ALPHABET[(n >> (18 - 6 * i)) as usize & 63]
                    } else {
                        b'='
                    });
                }
            }
        }
    }
}

/// Appends a parameter in the given style (no allocation: the resolved text is written after
/// the raw text, then moved); a data buffer in `buffers`' format.
pub(crate) fn write(
    ev: &EventView<'_>,
    p: &P<'_>,
    style: Style,
    buffers: BufferFormat,
    out: &mut Vec<u8>,
) {
    let start = out.len();
    if style == Style::Value {
        write_resolved(ev, p, out);
        if out.len() == start {
            write_raw(ev, p, buffers, out);
        }
        return;
    }
    write_raw(ev, p, buffers, out);
    let raw_end = out.len();
    out.push(b'(');
    write_resolved(ev, p, out);
    if out.len() == raw_end + 1 {
        out.truncate(raw_end);
    } else {
        out.push(b')');
    }
}

fn num(out: &mut Vec<u8>, v: impl std::fmt::Display) {
    use std::io::Write;
    let _ = write!(out, "{v}");
}

fn write_raw(ev: &EventView<'_>, p: &P<'_>, buffers: BufferFormat, out: &mut Vec<u8>) {
    match *p {
        P::Errno(v) | P::Fd(v) | P::Pid(v) | P::Int(v) => num(out, v),
        P::UInt(v) => num(out, v),
        // PF_HEX: upper case, no prefix, as libsinsp prints it (brk res=56283283E000).
        P::Hex(v) => {
            use std::io::Write;
            let _ = write!(out, "{v:X}");
        }
        P::Oct(v) => {
            use std::io::Write;
            if v == 0 {
                out.push(b'0');
            } else {
                let _ = write!(out, "0{v:o}");
            }
        }
        P::Str(s) => out.extend_from_slice(s),
        P::Path(raw, _) => out.extend_from_slice(raw),
        P::Flags(v, _) | P::Enum(v, _) => num(out, v),
        P::Addr(a) => write_addr(ev, a, out),
        P::Tuple => {
            if let Some(fd) = ev.fd() {
                out.extend_from_slice(ev.str(fd.name));
            }
        }
        P::Bytes(b) => write_buffer(b, buffers, out),
        P::List(items) => {
            for it in items {
                out.extend_from_slice(ev.str(*it));
                out.push(b'.');
            }
        }
        P::Uid(v) | P::Gid(v) => num(out, v),
        P::Sig(v) => num(out, v),
        P::SyscallId(v) => num(out, v),
    }
}

/// The protocol letter libsinsp puts after an IP socket's type letter when it resolves an fd
/// parameter (`<4t>10.0.0.1:5->10.0.0.2:80`; `sinsp_evt::get_param_as_str`).
fn l4proto_char(fd: &rtsec_format::wire::Fd) -> Option<u8> {
    use rtsec_format::L4Proto;
    match crate::fields::fd::l4proto(fd) {
        L4Proto::Tcp => Some(b't'),
        L4Proto::Udp => Some(b'u'),
        L4Proto::Icmp => Some(b'i'),
        L4Proto::Raw => Some(b'r'),
        L4Proto::Unknown => None,
    }
}

fn write_resolved(ev: &EventView<'_>, p: &P<'_>, out: &mut Vec<u8>) {
    match *p {
        P::Errno(v) if v < 0 => {
            if let Some(n) = super::errno::name(-v) {
                out.extend_from_slice(n.as_bytes());
            }
        }
        P::Fd(v) => {
            if v == rtsec_format::AT_FDCWD {
                out.extend_from_slice(b"AT_FDCWD");
            } else if v < 0 {
                if let Some(n) = super::errno::name(-v) {
                    out.extend_from_slice(n.as_bytes());
                }
            } else if let Some(fd) = ev.fd()
                && (fd.num == v
                    || crate::fields::fd::pair(ev).is_some_and(|(a, b)| v == a || v == b))
            {
                out.push(b'<');
                out.push(crate::fields::fd::typechar(fd.ty));
                if let Some(c) = l4proto_char(fd) {
                    out.push(c);
                }
                out.push(b'>');
                write_fd_name(ev, fd, out);
            }
        }
        P::Pid(v) => {
            if let Some(p) = ev.process() {
                if p.pid == v || ev.event.tid == v {
                    out.extend_from_slice(ev.str(p.comm));
                } else if let Some(pp) = ev.block.parent(p)
                    && pp.pid == v
                {
                    out.extend_from_slice(ev.str(pp.comm));
                }
            }
        }
        P::Path(raw, resolved) if !raw.starts_with(b"/") && !resolved.is_empty() => {
            out.extend_from_slice(resolved);
        }
        P::Flags(v, t) => flags::write_flags(t, v, out),
        P::Enum(v, t) => {
            if let Some(n) = flags::enum_name(t, v) {
                out.extend_from_slice(n.as_bytes());
            }
        }
        P::Uid(v) => {
            if v == u32::MAX {
                return;
            }
            crate::fields::user::write_uid_name(ev, v, out);
        }
        P::Gid(v) => {
            if v == u32::MAX {
                return;
            }
            crate::fields::user::write_gid_name(ev, v, out);
        }
        P::Sig(v) => {
            if let Some(n) = flags::enum_name(flags::SIGNALS, v as u64) {
                out.extend_from_slice(n.as_bytes());
            }
        }
        P::SyscallId(nr) => {
            if let Some(n) = rtsec_format::syscalls::name(nr) {
                out.extend_from_slice(n.as_bytes());
            }
        }
        _ => {}
    }
}

/// Appends `evt.args`: `name=value(resolved) name=value …` for the parameters rtsec has.
pub(crate) fn write_all(ev: &EventView<'_>, buffers: BufferFormat, out: &mut Vec<u8>) {
    let names = names(ev.kind());
    let mut first = true;
    for (i, name) in names.iter().enumerate() {
        let Some(p) = get(ev, i) else { continue };
        if !first {
            out.push(b' ');
        }
        first = false;
        out.extend_from_slice(name.as_bytes());
        out.push(b'=');
        write(ev, &p, Style::Args, buffers, out);
    }
}

#[cfg(test)]
mod tests {
    use super::{BufferFormat, write_buffer};

    fn printed(data: &[u8], format: BufferFormat) -> String {
        let mut out = Vec::new();
        write_buffer(data, format, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn buffers_print_as_libsinsp_prints_them() {
        // PF_NORMAL: printable ASCII (isprint) as is, anything else a dot.
        assert_eq!(
            printed(b"\x7fELF\x02 ok~\n\xc3\xa9", BufferFormat::Dots),
            ".ELF. ok~..."
        );
        // PF_BASE64: RFC 4648 with padding, as `falco -b`.
        for (data, want) in [
            (&b""[..], ""),
            (b"f", "Zg=="),
            (b"fo", "Zm8="),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg=="),
            (b"\x7fELF\xff", "f0VMRv8="),
        ] {
            assert_eq!(printed(data, BufferFormat::Base64), want, "{data:?}");
        }
    }
}
