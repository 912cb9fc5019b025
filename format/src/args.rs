//! Typed syscall arguments.
//!
//! `Args<S>` is generic over how a string is held: writers pass borrowed bytes (`Args<&[u8]>`),
//! the block builder interns them and stores `Args<StrId>`. Raw values (flags, modes, requests)
//! are kept as the kernel gave them, so that Falco's `evt.arg.*` rendering can be reproduced.
//! Strings are bytes: paths and argv need not be UTF-8.

use std::net::IpAddr;

use crate::kind::Kind;

/// `AT_FDCWD`: the dirfd of path arguments that are relative to the working directory.
pub const AT_FDCWD: i64 = -100;

/// A path argument: as passed by the process, and resolved to an absolute, normalized path the
/// way Falco resolves it (against the cwd or the dirfd's path, `.`/`..` removed).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PathArg<S> {
    pub raw: S,
    pub resolved: S,
}

/// A socket address argument.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SockAddr<S> {
    /// No address was passed or it could not be read.
    #[default]
    None,
    /// AF_INET / AF_INET6.
    Inet { ip: IpAddr, port: u16 },
    /// AF_UNIX: the socket path (abstract names start with a NUL byte).
    Unix { path: S },
    /// Any other family, by number.
    Other { family: u16 },
}

/// The arguments of one event. Each variant names the kinds that use it; `fits` checks the pair.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Args<S> {
    /// No arguments worth keeping: setsid, and the child side of clone/fork.
    None,
    /// `Kind::Generic`: the syscall number and its six raw register arguments.
    Generic { nr: u16, args: [u64; 6] },
    /// execve/execveat: the program as passed. The new image itself is the event's process record.
    Exec {
        dirfd: i64,
        filename: PathArg<S>,
        flags: u32,
    },
    /// clone/clone3/fork/vfork; the event's result is the child's tid (0 in the child).
    Clone { flags: u64 },
    /// procexit: exit code, terminating signal (0 if none), core dumped.
    Exit { code: i64, sig: u32, core: bool },
    /// open/openat/openat2/creat/open_by_handle_at; the result is the new fd.
    /// `flags` are the raw `O_*` flags (for creat: `O_CREAT|O_WRONLY|O_TRUNC`), `resolve` is
    /// openat2's `RESOLVE_*`, `dev`/`ino` identify the opened file when known.
    Open {
        dirfd: i64,
        path: PathArg<S>,
        flags: u32,
        mode: u32,
        resolve: u64,
        dev: u32,
        ino: u64,
    },
    /// close, fchdir: the fd the call was about.
    Fd { fd: i64 },
    /// connect, bind: the socket and the address passed.
    Connect { fd: i64, addr: SockAddr<S> },
    /// accept/accept4: the listening fd, accept4 flags and the peer's address; result = new fd.
    Accept {
        fd: i64,
        flags: u32,
        addr: SockAddr<S>,
    },
    /// listen.
    Listen { fd: i64, backlog: i32 },
    /// socket: raw domain, type and protocol; result = new fd.
    Socket { domain: u32, ty: u32, proto: u32 },
    /// socketpair: raw domain, type, protocol and the two new fds.
    Socketpair {
        domain: u32,
        ty: u32,
        proto: u32,
        fd1: i64,
        fd2: i64,
    },
    /// sendto/sendmsg/recvfrom/recvmsg/read/write/pread/pwrite/readv/writev/preadv/pwritev
    /// ([`Kind::moves_data`]): fd, size asked for (the vectored calls and messages: the sum of
    /// their buffers' lengths), file offset (pread, pwrite, preadv, pwritev; 0 otherwise),
    /// address (if any) and the first bytes of data when they were captured (empty otherwise).
    Io {
        fd: i64,
        size: u64,
        pos: u64,
        addr: SockAddr<S>,
        data: S,
    },
    /// dup/dup2/dup3; for dup `newfd` is the result.
    Dup { oldfd: i64, newfd: i64, flags: u32 },
    /// unlink/unlinkat/mkdir/mkdirat/rmdir/chdir/chroot/chmod/fchmodat/fchmod:
    /// dirfd (or the fd, for fchmod), path (empty for fchmod), flags and mode as passed.
    Path {
        dirfd: i64,
        path: PathArg<S>,
        flags: u32,
        mode: u32,
    },
    /// rename/renameat/renameat2/link/linkat.
    TwoPaths {
        olddirfd: i64,
        oldpath: PathArg<S>,
        newdirfd: i64,
        newpath: PathArg<S>,
        flags: u32,
    },
    /// symlink/symlinkat: the link content as passed, and where the link is created.
    Symlink {
        target: S,
        linkdirfd: i64,
        linkpath: PathArg<S>,
    },
    /// chown/lchown/fchown/fchownat (`dirfd` is the fd for fchown; path empty then).
    Chown {
        dirfd: i64,
        path: PathArg<S>,
        uid: u32,
        gid: u32,
        flags: u32,
    },
    /// setuid/setgid (`ids[0]`), setreuid/setregid (`ids[0..2]`), setresuid/setresgid (all
    /// three). Unused slots and "unchanged" (-1) are `u32::MAX`.
    SetIds { ids: [u32; 3] },
    /// ptrace.
    Ptrace {
        request: u32,
        pid: i64,
        addr: u64,
        data: u64,
    },
    /// mount.
    Mount {
        source: S,
        target: PathArg<S>,
        fstype: S,
        flags: u64,
    },
    /// umount2.
    Umount { target: PathArg<S>, flags: u32 },
    /// kill (`tid` = -1), tkill (`pid` = -1), tgkill.
    Kill { pid: i64, tid: i64, sig: u32 },
    /// init_module: image length and parameters.
    InitModule { len: u64, uargs: S },
    /// finit_module.
    FinitModule { fd: i64, uargs: S, flags: u32 },
    /// delete_module.
    DeleteModule { name: S, flags: u32 },
    /// bpf: the command; result = new fd for commands that create one.
    Bpf { cmd: i32 },
    /// memfd_create; result = new fd.
    MemfdCreate { name: S, flags: u32 },
    /// mmap/mprotect (`flags` 0 and `fd` -1 for mprotect).
    Mmap {
        addr: u64,
        len: u64,
        prot: u32,
        flags: u32,
        fd: i64,
        offset: u64,
    },
    /// unshare (`fd` -1, `flags` = CLONE_* flags) and setns (`fd`, `flags` = nstype).
    Namespace { fd: i64, flags: u32 },
    /// capset.
    Capset {
        inheritable: u64,
        permitted: u64,
        effective: u64,
    },
    /// prctl: option, arg2 as a string (PR_SET_NAME) or as an integer.
    Prctl {
        option: i32,
        arg2_str: S,
        arg2_int: i64,
    },
    /// userfaultfd.
    Flags { flags: u32 },
    /// io_uring_setup.
    IoUringSetup {
        entries: u32,
        sq_entries: u32,
        cq_entries: u32,
        flags: u32,
        sq_thread_cpu: u32,
        sq_thread_idle: u32,
        features: u32,
    },
    /// process_vm_readv/process_vm_writev: the target pid.
    ProcessVm { pid: i64 },
    /// pipe/pipe2: the two new fds.
    Pipe { fd1: i64, fd2: i64, flags: u32 },
    /// setpgid.
    Setpgid { pid: i64, pgid: i64 },
    /// fcntl.
    Fcntl { fd: i64, cmd: u32, arg: u64 },
}

impl<S> Args<S> {
    /// True if this argument shape is the one `kind` is recorded with.
    pub fn fits(&self, kind: Kind) -> bool {
        use Kind as K;
        match self {
            Args::None => matches!(kind, K::Setsid | K::Clone | K::Clone3 | K::Fork | K::Vfork),
            Args::Generic { .. } => kind == K::Generic,
            Args::Exec { .. } => kind.is_exec(),
            Args::Clone { .. } => kind.is_clone(),
            Args::Exit { .. } => kind == K::ProcExit,
            Args::Open { .. } => kind.is_open(),
            Args::Fd { .. } => matches!(kind, K::Close | K::Fchdir),
            Args::Connect { .. } => matches!(kind, K::Connect | K::Bind),
            Args::Accept { .. } => matches!(kind, K::Accept | K::Accept4),
            Args::Listen { .. } => kind == K::Listen,
            Args::Socket { .. } => kind == K::Socket,
            Args::Socketpair { .. } => kind == K::Socketpair,
            Args::Io { .. } => kind.moves_data(),
            Args::Dup { .. } => matches!(kind, K::Dup | K::Dup2 | K::Dup3),
            Args::Path { .. } => matches!(
                kind,
                K::Unlink
                    | K::Unlinkat
                    | K::Mkdir
                    | K::Mkdirat
                    | K::Rmdir
                    | K::Chdir
                    | K::Chroot
                    | K::Chmod
                    | K::Fchmod
                    | K::Fchmodat
            ),
            Args::TwoPaths { .. } => matches!(
                kind,
                K::Rename | K::Renameat | K::Renameat2 | K::Link | K::Linkat
            ),
            Args::Symlink { .. } => matches!(kind, K::Symlink | K::Symlinkat),
            Args::Chown { .. } => matches!(kind, K::Chown | K::Lchown | K::Fchown | K::Fchownat),
            Args::SetIds { .. } => matches!(
                kind,
                K::Setuid | K::Setgid | K::Setresuid | K::Setresgid | K::Setreuid | K::Setregid
            ),
            Args::Ptrace { .. } => kind == K::Ptrace,
            Args::Mount { .. } => kind == K::Mount,
            Args::Umount { .. } => kind == K::Umount2,
            Args::Kill { .. } => matches!(kind, K::Kill | K::Tkill | K::Tgkill),
            Args::InitModule { .. } => kind == K::InitModule,
            Args::FinitModule { .. } => kind == K::FinitModule,
            Args::DeleteModule { .. } => kind == K::DeleteModule,
            Args::Bpf { .. } => kind == K::Bpf,
            Args::MemfdCreate { .. } => kind == K::MemfdCreate,
            Args::Mmap { .. } => matches!(kind, K::Mmap | K::Mprotect),
            Args::Namespace { .. } => matches!(kind, K::Unshare | K::Setns),
            Args::Capset { .. } => kind == K::Capset,
            Args::Prctl { .. } => kind == K::Prctl,
            Args::Flags { .. } => kind == K::Userfaultfd,
            Args::IoUringSetup { .. } => kind == K::IoUringSetup,
            Args::ProcessVm { .. } => {
                matches!(kind, K::ProcessVmReadv | K::ProcessVmWritev)
            }
            Args::Pipe { .. } => matches!(kind, K::Pipe | K::Pipe2),
            Args::Setpgid { .. } => kind == K::Setpgid,
            Args::Fcntl { .. } => kind == K::Fcntl,
        }
    }

    /// The same arguments with every string passed through `f`.
    pub fn map<'a, T>(&'a self, mut f: impl FnMut(&'a S) -> T) -> Args<T> {
        match self {
            Args::None => Args::None,
            &Args::Generic { nr, args } => Args::Generic { nr, args },
            Args::Exec {
                dirfd,
                filename,
                flags,
            } => Args::Exec {
                dirfd: *dirfd,
                filename: path_map(&mut f, filename),
                flags: *flags,
            },
            &Args::Clone { flags } => Args::Clone { flags },
            &Args::Exit { code, sig, core } => Args::Exit { code, sig, core },
            Args::Open {
                dirfd,
                path,
                flags,
                mode,
                resolve,
                dev,
                ino,
            } => Args::Open {
                dirfd: *dirfd,
                path: path_map(&mut f, path),
                flags: *flags,
                mode: *mode,
                resolve: *resolve,
                dev: *dev,
                ino: *ino,
            },
            &Args::Fd { fd } => Args::Fd { fd },
            Args::Connect { fd, addr } => Args::Connect {
                fd: *fd,
                addr: addr.map(&mut f),
            },
            Args::Accept { fd, flags, addr } => Args::Accept {
                fd: *fd,
                flags: *flags,
                addr: addr.map(&mut f),
            },
            &Args::Listen { fd, backlog } => Args::Listen { fd, backlog },
            &Args::Socket { domain, ty, proto } => Args::Socket { domain, ty, proto },
            &Args::Socketpair {
                domain,
                ty,
                proto,
                fd1,
                fd2,
            } => Args::Socketpair {
                domain,
                ty,
                proto,
                fd1,
                fd2,
            },
            Args::Io {
                fd,
                size,
                pos,
                addr,
                data,
            } => {
                let addr = addr.map(&mut f);
                Args::Io {
                    fd: *fd,
                    size: *size,
                    pos: *pos,
                    addr,
                    data: f(data),
                }
            }
            &Args::Dup {
                oldfd,
                newfd,
                flags,
            } => Args::Dup {
                oldfd,
                newfd,
                flags,
            },
            Args::Path {
                dirfd,
                path,
                flags,
                mode,
            } => Args::Path {
                dirfd: *dirfd,
                path: path_map(&mut f, path),
                flags: *flags,
                mode: *mode,
            },
            Args::TwoPaths {
                olddirfd,
                oldpath,
                newdirfd,
                newpath,
                flags,
            } => Args::TwoPaths {
                olddirfd: *olddirfd,
                oldpath: path_map(&mut f, oldpath),
                newdirfd: *newdirfd,
                newpath: path_map(&mut f, newpath),
                flags: *flags,
            },
            Args::Symlink {
                target,
                linkdirfd,
                linkpath,
            } => {
                let linkpath = path_map(&mut f, linkpath);
                Args::Symlink {
                    target: f(target),
                    linkdirfd: *linkdirfd,
                    linkpath,
                }
            }
            Args::Chown {
                dirfd,
                path,
                uid,
                gid,
                flags,
            } => Args::Chown {
                dirfd: *dirfd,
                path: path_map(&mut f, path),
                uid: *uid,
                gid: *gid,
                flags: *flags,
            },
            &Args::SetIds { ids } => Args::SetIds { ids },
            &Args::Ptrace {
                request,
                pid,
                addr,
                data,
            } => Args::Ptrace {
                request,
                pid,
                addr,
                data,
            },
            Args::Mount {
                source,
                target,
                fstype,
                flags,
            } => {
                let target = path_map(&mut f, target);
                Args::Mount {
                    source: f(source),
                    target,
                    fstype: f(fstype),
                    flags: *flags,
                }
            }
            Args::Umount { target, flags } => Args::Umount {
                target: path_map(&mut f, target),
                flags: *flags,
            },
            &Args::Kill { pid, tid, sig } => Args::Kill { pid, tid, sig },
            Args::InitModule { len, uargs } => Args::InitModule {
                len: *len,
                uargs: f(uargs),
            },
            Args::FinitModule { fd, uargs, flags } => Args::FinitModule {
                fd: *fd,
                uargs: f(uargs),
                flags: *flags,
            },
            Args::DeleteModule { name, flags } => Args::DeleteModule {
                name: f(name),
                flags: *flags,
            },
            &Args::Bpf { cmd } => Args::Bpf { cmd },
            Args::MemfdCreate { name, flags } => Args::MemfdCreate {
                name: f(name),
                flags: *flags,
            },
            &Args::Mmap {
                addr,
                len,
                prot,
                flags,
                fd,
                offset,
            } => Args::Mmap {
                addr,
                len,
                prot,
                flags,
                fd,
                offset,
            },
            &Args::Namespace { fd, flags } => Args::Namespace { fd, flags },
            &Args::Capset {
                inheritable,
                permitted,
                effective,
            } => Args::Capset {
                inheritable,
                permitted,
                effective,
            },
            Args::Prctl {
                option,
                arg2_str,
                arg2_int,
            } => Args::Prctl {
                option: *option,
                arg2_str: f(arg2_str),
                arg2_int: *arg2_int,
            },
            &Args::Flags { flags } => Args::Flags { flags },
            &Args::IoUringSetup {
                entries,
                sq_entries,
                cq_entries,
                flags,
                sq_thread_cpu,
                sq_thread_idle,
                features,
            } => Args::IoUringSetup {
                entries,
                sq_entries,
                cq_entries,
                flags,
                sq_thread_cpu,
                sq_thread_idle,
                features,
            },
            &Args::ProcessVm { pid } => Args::ProcessVm { pid },
            &Args::Pipe { fd1, fd2, flags } => Args::Pipe { fd1, fd2, flags },
            &Args::Setpgid { pid, pgid } => Args::Setpgid { pid, pgid },
            &Args::Fcntl { fd, cmd, arg } => Args::Fcntl { fd, cmd, arg },
        }
    }
}

fn path_map<'a, S, T>(f: &mut impl FnMut(&'a S) -> T, p: &'a PathArg<S>) -> PathArg<T> {
    PathArg {
        raw: f(&p.raw),
        resolved: f(&p.resolved),
    }
}

impl<S> SockAddr<S> {
    /// The same address with its string (a unix path) passed through `f`.
    pub fn map<'a, T>(&'a self, mut f: impl FnMut(&'a S) -> T) -> SockAddr<T> {
        match self {
            SockAddr::None => SockAddr::None,
            &SockAddr::Inet { ip, port } => SockAddr::Inet { ip, port },
            SockAddr::Unix { path } => SockAddr::Unix { path: f(path) },
            &SockAddr::Other { family } => SockAddr::Other { family },
        }
    }
}

impl<S> PathArg<S> {
    /// A path that needs no resolving (absolute, already normalized).
    pub fn same(s: S) -> Self
    where
        S: Clone,
    {
        PathArg {
            raw: s.clone(),
            resolved: s,
        }
    }
}
