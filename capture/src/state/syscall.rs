//! One completed syscall: resolve its paths, apply its effects on the tables, and build the
//! event with the records that were true right after it.

use std::net::SocketAddr;
use std::sync::Arc;

use rtsec_format::{
    AT_FDCWD, Args, FdInfo, FdType, Kind, L4Proto, LocalSide, NewEvent, PathArg, SockAddr,
    record::fd_flags, wire::event_flags,
};

use super::State;
use super::fds::{self, O_CLOEXEC, O_DIRECTORY};
use super::input::{Ids, SockInfo, Syscall};
use super::paths;
use super::process::dir_with_slash;

/// Which fd record the event refers to.
enum FdSel {
    None,
    /// The current record of this fd number.
    Num(i64),
    /// A record no longer (or never) in the table: `State::keep_fd`.
    Kept,
}

const UNKNOWN_DIR: &[u8] = b"<UNKNOWN>";
const F_DUPFD: u32 = 0;
const F_SETFD: u32 = 2;
const F_DUPFD_CLOEXEC: u32 = 1030;
const FD_CLOEXEC: u64 = 1;
const MFD_CLOEXEC: u32 = 1;
const CLONE_NEWUSER: u64 = 0x1000_0000;
const SOCK_CLOEXEC: u32 = O_CLOEXEC;
/// bpf commands that return a new fd.
const BPF_FD_CMDS: &[i32] = &[0, 5, 7, 13, 14, 18, 19, 28, 30, 33];

impl State {
    /// A completed syscall: see the module docs of [`super`].
    pub fn syscall<'a>(&'a mut self, ev: &Syscall<'a>) -> NewEvent<'a> {
        self.finish_seeding();
        let pid = if ev.pid != 0 {
            ev.pid
        } else {
            self.threads.get(&ev.tid).copied().unwrap_or(ev.tid)
        };
        if !self.procs.contains_key(&pid) {
            self.placeholder(pid, ev.tid);
        } else {
            self.threads.entry(ev.tid).or_insert(pid);
        }
        self.keep_fd = None;
        self.renamed = None;
        self.resolve_paths(pid, &ev.args);
        let sel = self.apply(pid, ev);
        let renamed = matches!(sel, FdSel::Num(n) if self.renamed == Some(n));
        self.keep_thread = if self.thread_records.is_empty() {
            None
        } else {
            self.thread_record(ev.tid, pid)
        };
        let this: &'a State = self;
        let p = this.procs.get(&pid).expect("ensured above");
        let fd = match sel {
            FdSel::None => None,
            FdSel::Num(n) => p.fds.get(&n),
            FdSel::Kept => this.keep_fd.as_ref(),
        };
        NewEvent {
            ts: ev.ts,
            tid: ev.tid,
            cpu: ev.cpu,
            kind: ev.kind,
            flags: if renamed {
                ev.flags | event_flags::FD_NAME_CHANGED
            } else {
                ev.flags
            },
            res: ev.res,
            proc: Some(this.keep_thread.as_ref().unwrap_or(&p.info)),
            fd,
            args: with_resolved(&ev.args, &this.path_a, &this.path_b),
        }
    }

    /// The directory a path relative to `dirfd` starts from, with its trailing `/`, into
    /// `self.base`.
    fn base_of(&mut self, pid: i64, dirfd: i64) {
        self.base.clear();
        let Some(p) = self.procs.get(&pid) else {
            return;
        };
        if dirfd == AT_FDCWD {
            self.base.extend_from_slice(&p.info.cwd);
            return;
        }
        match p.fds.get(&dirfd) {
            Some(fd) => {
                self.base.extend_from_slice(&fd.name);
                if self.base.last() != Some(&b'/') {
                    self.base.push(b'/');
                }
            }
            None => {
                self.stats.unknown_dirfds += 1;
                self.base.extend_from_slice(UNKNOWN_DIR);
            }
        }
    }

    fn resolve_one(&mut self, pid: i64, dirfd: i64, raw: &[u8], second: bool) {
        let mut out = std::mem::take(if second {
            &mut self.path_b
        } else {
            &mut self.path_a
        });
        if raw.is_empty() && dirfd != AT_FDCWD {
            // AT_EMPTY_PATH: the call is about the dirfd itself.
            out.clear();
            if let Some(fd) = self.procs.get(&pid).and_then(|p| p.fds.get(&dirfd)) {
                out.extend_from_slice(&fd.name);
            }
        } else {
            let absolute = raw.first() == Some(&b'/');
            if absolute {
                self.base.clear();
            } else {
                self.base_of(pid, dirfd);
            }
            paths::concatenate(&self.base, raw, &mut out, &mut self.clean);
        }
        *(if second {
            &mut self.path_b
        } else {
            &mut self.path_a
        }) = out;
    }

    /// Fills `path_a` (and `path_b`) with the resolved form of the event's path arguments.
    fn resolve_paths(&mut self, pid: i64, args: &Args<&[u8]>) {
        self.path_a.clear();
        self.path_b.clear();
        match args {
            Args::Exec {
                dirfd, filename, ..
            } => self.resolve_one(pid, *dirfd, filename.raw, false),
            Args::Open { dirfd, path, .. }
            | Args::Path { dirfd, path, .. }
            | Args::Chown { dirfd, path, .. }
                if !path.raw.is_empty() || *dirfd != AT_FDCWD =>
            {
                self.resolve_one(pid, *dirfd, path.raw, false)
            }
            Args::TwoPaths {
                olddirfd,
                oldpath,
                newdirfd,
                newpath,
                ..
            } => {
                self.resolve_one(pid, *olddirfd, oldpath.raw, false);
                self.resolve_one(pid, *newdirfd, newpath.raw, true);
            }
            Args::Symlink {
                linkdirfd,
                linkpath,
                ..
            } => self.resolve_one(pid, *linkdirfd, linkpath.raw, false),
            Args::Mount { target, .. } | Args::Umount { target, .. } => {
                self.resolve_one(pid, AT_FDCWD, target.raw, false)
            }
            _ => {}
        }
    }

    fn add_fd(&mut self, pid: i64, mut fd: FdInfo) -> FdSel {
        fd.id = self.ids.next();
        let num = fd.num;
        if !fd.name.is_empty() {
            self.renamed = Some(num);
        }
        if let Some(p) = self.procs.get_mut(&pid) {
            p.fds.insert(num, Arc::new(fd));
        }
        FdSel::Num(num)
    }

    /// A new version of fd `num`, changed by `f`; `None` if the fd is unknown.
    fn change_fd(&mut self, pid: i64, num: i64, f: impl FnOnce(&mut FdInfo)) -> FdSel {
        let id = self.ids.next();
        let Some(p) = self.procs.get_mut(&pid) else {
            return FdSel::None;
        };
        let Some(old) = p.fds.get(&num) else {
            self.stats.unknown_fds += 1;
            return FdSel::None;
        };
        let mut fd = (**old).clone();
        f(&mut fd);
        fd.id = id;
        if fd.name != old.name {
            self.renamed = Some(num);
        }
        p.fds.insert(num, Arc::new(fd));
        FdSel::Num(num)
    }

    /// The event uses fd `num` as it is.
    fn use_fd(&mut self, pid: i64, num: i64) -> FdSel {
        match self.procs.get(&pid) {
            Some(p) if p.fds.contains_key(&num) => FdSel::Num(num),
            _ => {
                if num >= 0 {
                    self.stats.unknown_fds += 1;
                }
                FdSel::None
            }
        }
    }

    fn fd_record(&self, pid: i64, num: i64) -> Option<Arc<FdInfo>> {
        self.procs.get(&pid)?.fds.get(&num).cloned()
    }

    /// send/recv on an IP socket that is not a TCP connection (a datagram socket, or one whose
    /// connection was missed): the socket takes the datagram's endpoints, as libsinsp's
    /// `update_fd` does — UDP if its protocol was unknown, the sender as client when it had no
    /// role yet.
    fn datagram_tuple(
        &mut self,
        pid: i64,
        fd: i64,
        addr: &SockAddr<&[u8]>,
        sock: Option<&SockInfo<&[u8]>>,
        outgoing: bool,
    ) {
        let Some(rec) = self.fd_record(pid, fd) else {
            return;
        };
        let ip = matches!(rec.ty, FdType::Ipv4 | FdType::Ipv6);
        if !ip || (!rec.name.is_empty() && rec.l4proto == L4Proto::Tcp) {
            return;
        }
        let (local, kernel_remote) = match sock {
            Some(SockInfo::Inet { local, remote, .. }) => (Some(*local), Some(*remote)),
            _ => (None, None),
        };
        let remote = match addr {
            SockAddr::Inet { ip, port } => Some(SocketAddr::new(*ip, *port)),
            _ => kernel_remote,
        };
        let Some(remote) = remote.filter(|r| r.port() != 0 || !r.ip().is_unspecified()) else {
            return;
        };
        let local = local.unwrap_or_else(|| match remote {
            SocketAddr::V4(_) => SocketAddr::new(std::net::Ipv4Addr::UNSPECIFIED.into(), 0),
            SocketAddr::V6(_) => SocketAddr::new(std::net::Ipv6Addr::UNSPECIFIED.into(), 0),
        });
        let side = match rec.local {
            LocalSide::Unknown if outgoing => LocalSide::Client,
            // A bound socket receiving without a role is a server, else a client.
            LocalSide::Unknown if rec.server.is_some() => LocalSide::Server,
            LocalSide::Unknown => LocalSide::Client,
            known => known,
        };
        let proto = if rec.l4proto == L4Proto::Unknown {
            L4Proto::Udp
        } else {
            rec.l4proto
        };
        let view = SockInfo::Inet {
            proto,
            local,
            remote,
        };
        if rec.client.is_some() && rec.server.is_some() && rec.l4proto == proto {
            let (c, s) = match side {
                LocalSide::Server => fds::unmapped(remote, local),
                _ => fds::unmapped(local, remote),
            };
            if rec.client == Some(c) && rec.server == Some(s) {
                return; // the same endpoints: no new version
            }
        }
        self.change_fd(pid, fd, |f| fds::apply_sock(f, &view, side));
    }

    /// A successful read or write on an IP socket marks it connected, as libsinsp's
    /// `parse_read_exit` and `parse_write_exit` do: a UDP socket that was never connected,
    /// or one the capture found already open.
    fn connect_on_io(&mut self, pid: i64, fd: i64) {
        let unconnected_ip = self
            .procs
            .get(&pid)
            .and_then(|p| p.fds.get(&fd))
            .is_some_and(|f| {
                matches!(f.ty, FdType::Ipv4 | FdType::Ipv6) && f.flags & fd_flags::CONNECTED == 0
            });
        if unconnected_ip {
            self.change_fd(pid, fd, |f| f.flags |= fd_flags::CONNECTED);
        }
    }

    /// Applies the syscall's effects; returns the fd the event refers to.
    fn apply(&mut self, pid: i64, ev: &Syscall<'_>) -> FdSel {
        let ok = ev.res >= 0;
        match &ev.args {
            Args::Open {
                path,
                flags,
                dev,
                ino,
                ..
            } => {
                let name = self.path_a.clone();
                let fd = FdInfo {
                    num: if ok { ev.res } else { -1 },
                    ty: if flags & O_DIRECTORY != 0 {
                        FdType::Directory
                    } else {
                        FdType::File
                    },
                    name,
                    nameraw: path.raw.to_vec(),
                    open_flags: *flags,
                    dev: *dev,
                    ino: *ino,
                    ..FdInfo::default()
                };
                if ok {
                    self.add_fd(pid, fd)
                } else {
                    self.keep_fd = Some(Arc::new(FdInfo {
                        id: self.ids.next(),
                        ..fd
                    }));
                    FdSel::Kept
                }
            }
            &Args::Fd { fd } => {
                if ev.kind == Kind::Close {
                    let rec = self.fd_record(pid, fd);
                    if rec.is_none() && fd >= 0 {
                        self.stats.unknown_fds += 1;
                    }
                    if ok && let Some(p) = self.procs.get_mut(&pid) {
                        p.fds.remove(&fd);
                    }
                    match rec {
                        Some(r) => {
                            self.keep_fd = Some(r);
                            FdSel::Kept
                        }
                        None => FdSel::None,
                    }
                } else {
                    // fchdir
                    let sel = self.use_fd(pid, fd);
                    if ok && let Some(rec) = self.fd_record(pid, fd) {
                        let cwd = dir_with_slash(rec.name.clone());
                        self.new_version(pid, ev.ts, |i| i.cwd = cwd);
                    }
                    sel
                }
            }
            Args::Connect { fd, addr } => {
                let fd = *fd;
                if ev.kind == Kind::Bind {
                    if !ok {
                        return self.use_fd(pid, fd);
                    }
                    let addr = *addr;
                    return self.change_fd(pid, fd, |f| bind(f, &addr));
                }
                let in_progress = ev.res == rtsec_ebpf_common::spec::EINPROGRESS;
                if !(ok || in_progress) {
                    return self.use_fd(pid, fd);
                }
                let sock = ev.sock.clone();
                let addr = *addr;
                self.change_fd(pid, fd, |f| connect(f, sock.as_ref(), &addr))
            }
            Args::Accept { fd, addr, .. } => {
                if !ok {
                    return self.use_fd(pid, *fd);
                }
                let listener = self.fd_record(pid, *fd);
                let mut new = FdInfo {
                    num: ev.res,
                    ty: listener.as_ref().map_or(FdType::Unknown, |l| l.ty),
                    l4proto: listener.as_ref().map_or(Default::default(), |l| l.l4proto),
                    ..FdInfo::default()
                };
                if let Some(l) = &listener {
                    if l.ty == FdType::Unix {
                        new.name = fds::unix_path(&l.name).to_vec();
                    }
                    if let &Args::Accept { flags, .. } = &ev.args
                        && flags & SOCK_CLOEXEC != 0
                    {
                        new.open_flags |= O_CLOEXEC;
                    }
                }
                match &ev.sock {
                    Some(s) => fds::apply_sock(&mut new, s, LocalSide::Server),
                    None => {
                        if let (SockAddr::Inet { ip, port }, Some(server)) =
                            (addr, listener.as_ref().and_then(|l| l.server))
                        {
                            let s = SockInfo::Inet {
                                proto: new.l4proto,
                                local: server,
                                remote: SocketAddr::new(*ip, *port),
                            };
                            fds::apply_sock(&mut new, &s, LocalSide::Server);
                        }
                    }
                }
                self.add_fd(pid, new)
            }
            &Args::Listen { fd, .. } => {
                if ok {
                    self.change_fd(pid, fd, |f| f.flags |= fd_flags::LISTENING)
                } else {
                    self.use_fd(pid, fd)
                }
            }
            &Args::Socket { domain, ty, proto } => {
                if !ok {
                    return FdSel::None;
                }
                self.add_fd(
                    pid,
                    FdInfo {
                        num: ev.res,
                        ty: fds::socket_type(domain),
                        l4proto: fds::l4proto(ty, proto),
                        open_flags: if ty & SOCK_CLOEXEC != 0 { O_CLOEXEC } else { 0 },
                        ..FdInfo::default()
                    },
                )
            }
            &Args::Socketpair {
                domain,
                ty,
                proto,
                fd1,
                fd2,
            } => {
                if !ok {
                    return FdSel::None;
                }
                // Not `CONNECTED`: libsinsp's socketpair parser does not mark them so, and
                // `fd.connected` is false on them in Falco.
                for num in [fd2, fd1] {
                    self.add_fd(
                        pid,
                        FdInfo {
                            num,
                            ty: fds::socket_type(domain),
                            l4proto: fds::l4proto(ty, proto),
                            open_flags: if ty & SOCK_CLOEXEC != 0 { O_CLOEXEC } else { 0 },
                            ..FdInfo::default()
                        },
                    );
                }
                FdSel::Num(fd1)
            }
            &Args::Io { fd, addr, .. } => {
                let sel = self.use_fd(pid, fd);
                let datagram = matches!(
                    ev.kind,
                    Kind::Sendto | Kind::Sendmsg | Kind::Recvfrom | Kind::Recvmsg
                );
                if ok && datagram {
                    let outgoing = matches!(ev.kind, Kind::Sendto | Kind::Sendmsg);
                    self.datagram_tuple(pid, fd, &addr, ev.sock.as_ref(), outgoing);
                }
                if ok {
                    self.connect_on_io(pid, fd);
                }
                sel
            }
            &Args::Dup {
                oldfd,
                newfd,
                flags,
            } => {
                let sel = self.use_fd(pid, oldfd);
                if ok && let Some(old) = self.fd_record(pid, oldfd) {
                    let mut d = (*old).clone();
                    d.num = if ev.kind == Kind::Dup { ev.res } else { newfd };
                    d.open_flags = (d.open_flags & !O_CLOEXEC) | (flags & O_CLOEXEC);
                    self.add_fd(pid, d);
                }
                sel
            }
            &Args::Pipe { fd1, fd2, flags } => {
                if !ok {
                    return FdSel::None;
                }
                for num in [fd2, fd1] {
                    self.add_fd(
                        pid,
                        FdInfo {
                            num,
                            ty: FdType::Pipe,
                            open_flags: flags,
                            ..FdInfo::default()
                        },
                    );
                }
                FdSel::Num(fd1)
            }
            &Args::Fcntl { fd, cmd, arg } => {
                let sel = self.use_fd(pid, fd);
                if !ok {
                    return sel;
                }
                match cmd {
                    F_DUPFD | F_DUPFD_CLOEXEC => {
                        if let Some(old) = self.fd_record(pid, fd) {
                            let mut d = (*old).clone();
                            d.num = ev.res;
                            d.open_flags &= !O_CLOEXEC;
                            if cmd == F_DUPFD_CLOEXEC {
                                d.open_flags |= O_CLOEXEC;
                            }
                            self.add_fd(pid, d);
                        }
                        sel
                    }
                    F_SETFD => self.change_fd(pid, fd, |f| {
                        f.open_flags &= !O_CLOEXEC;
                        if arg & FD_CLOEXEC != 0 {
                            f.open_flags |= O_CLOEXEC;
                        }
                    }),
                    _ => sel,
                }
            }
            Args::MemfdCreate { name, flags } => {
                if !ok {
                    return FdSel::None;
                }
                let mut n = b"memfd:".to_vec();
                n.extend_from_slice(name);
                self.add_fd(
                    pid,
                    FdInfo {
                        num: ev.res,
                        ty: FdType::Memfd,
                        name: n,
                        open_flags: if flags & MFD_CLOEXEC != 0 {
                            O_CLOEXEC
                        } else {
                            0
                        },
                        ..FdInfo::default()
                    },
                )
            }
            Args::Flags { .. } | Args::IoUringSetup { .. } => {
                if !ok {
                    return FdSel::None;
                }
                let ty = if ev.kind == Kind::Userfaultfd {
                    FdType::Userfaultfd
                } else {
                    FdType::IoUring
                };
                self.add_fd(
                    pid,
                    FdInfo {
                        num: ev.res,
                        ty,
                        ..FdInfo::default()
                    },
                )
            }
            &Args::Bpf { cmd } => {
                if ok && BPF_FD_CMDS.contains(&cmd) {
                    self.add_fd(
                        pid,
                        FdInfo {
                            num: ev.res,
                            ty: FdType::Bpf,
                            ..FdInfo::default()
                        },
                    )
                } else {
                    FdSel::None
                }
            }
            &Args::Mmap { fd, .. } if fd >= 0 && ev.kind == Kind::Mmap => self.use_fd(pid, fd),
            &Args::FinitModule { fd, .. } => self.use_fd(pid, fd),
            &Args::Namespace { fd, flags } => {
                // A task that creates or joins a user namespace holds every capability in it;
                // libsinsp's `parse_unshare_setns_exit` gives it the kernel's full set.
                if ok && u64::from(flags) & CLONE_NEWUSER != 0 {
                    let all = self.all_caps;
                    self.new_version(pid, ev.ts, |i| {
                        i.cap_inheritable = all;
                        i.cap_permitted = all;
                        i.cap_effective = all;
                    });
                }
                if fd >= 0 {
                    self.use_fd(pid, fd)
                } else {
                    FdSel::None
                }
            }
            &Args::Path { dirfd, .. } if ev.kind == Kind::Fchmod => self.use_fd(pid, dirfd),
            &Args::Chown { dirfd, .. } if ev.kind == Kind::Fchown => self.use_fd(pid, dirfd),
            Args::Path { .. } if ev.kind == Kind::Chdir => {
                if ok {
                    let cwd = dir_with_slash(self.path_a.clone());
                    self.new_version(pid, ev.ts, |i| i.cwd = cwd);
                }
                FdSel::None
            }
            &Args::SetIds { ids } => {
                if ok {
                    let kind = ev.kind;
                    // Credentials are per thread (see `thread_records`).
                    if ev.tid == pid {
                        self.new_version(pid, ev.ts, |i| {
                            let mut own = Ids::of(i);
                            set_ids(&mut own, kind, ids);
                            own.apply(i);
                        });
                    } else {
                        self.set_thread_ids(ev.tid, pid, |own| set_ids(own, kind, ids));
                    }
                }
                FdSel::None
            }
            Args::None if ev.kind == Kind::Setsid => {
                if ok {
                    // The session id is what the call returned, as libsinsp takes it
                    // (`parse_setsid_exit`): in a pid namespace that is the namespace's
                    // number (1 for a container's first process), not the host pid.
                    let sid = ev.res;
                    self.new_version(pid, ev.ts, |i| {
                        i.sid = sid;
                        i.pgid = i.pid;
                    });
                }
                FdSel::None
            }
            &Args::Setpgid { pid: target, pgid } => {
                if ok {
                    let target = if target == 0 { pid } else { target };
                    let pgid = if pgid == 0 { target } else { pgid };
                    self.new_version(target, ev.ts, |i| i.pgid = pgid);
                }
                FdSel::None
            }
            &Args::Capset {
                inheritable,
                permitted,
                effective,
            } => {
                // Sets the capture could not read change nothing.
                if ok && ev.flags & event_flags::ARG_UNREADABLE == 0 {
                    self.new_version(pid, ev.ts, |i| {
                        i.cap_inheritable = inheritable;
                        i.cap_permitted = permitted;
                        i.cap_effective = effective;
                    });
                }
                FdSel::None
            }
            &Args::Generic { nr, args } => {
                // A generic event recorded without its arguments and result (old captures)
                // tells nothing about fds.
                let recorded = ev.flags & event_flags::ARG_UNREADABLE == 0;
                if ok
                    && recorded
                    && let Some(ty) = fds::generic_fd_type(nr)
                {
                    self.add_fd(
                        pid,
                        FdInfo {
                            num: ev.res,
                            ty,
                            ..FdInfo::default()
                        },
                    )
                } else if recorded && rtsec_format::syscalls::first_arg_is_fd(nr) {
                    self.use_fd(pid, args[0] as i64)
                } else {
                    FdSel::None
                }
            }
            _ => FdSel::None,
        }
    }
}

/// bind: the socket's own address (its name, as Falco shows a server socket). An IP socket
/// bound to port 0 (the kernel picks one, e.g. before a client connects) stays as it was, as
/// in libsinsp.
fn bind(f: &mut FdInfo, addr: &SockAddr<&[u8]>) {
    match addr {
        // libsinsp names the socket by the address whatever the port, and makes it a server
        // socket only for a port.
        SockAddr::Inet { ip, port } => {
            let a = SocketAddr::new(*ip, *port);
            let a = fds::unmapped(a, a).0;
            if *port > 0 {
                f.server = Some(a);
            }
            f.name = fds::server_name(a);
        }
        SockAddr::Unix { path } => {
            f.ty = FdType::Unix;
            f.name = path.to_vec();
        }
        _ => {}
    }
}

/// connect: the socket becomes a client of `addr`; the kernel's tuple, when the source has it,
/// adds our own end.
fn connect(f: &mut FdInfo, sock: Option<&SockInfo<&[u8]>>, addr: &SockAddr<&[u8]>) {
    match (sock, addr) {
        (Some(s @ SockInfo::Inet { .. }), _) => fds::apply_sock(f, s, LocalSide::Client),
        (Some(SockInfo::Unix { sk, peer, path }), a) => {
            let path = match a {
                SockAddr::Unix { path } if !path.is_empty() => path,
                _ => path,
            };
            let s = SockInfo::Unix {
                sk: *sk,
                peer: *peer,
                path: *path,
            };
            fds::apply_sock(f, &s, LocalSide::Client);
        }
        (None, SockAddr::Inet { ip, port }) => {
            let unspecified = if ip.is_ipv4() {
                SocketAddr::new(std::net::Ipv4Addr::UNSPECIFIED.into(), 0)
            } else {
                SocketAddr::new(std::net::Ipv6Addr::UNSPECIFIED.into(), 0)
            };
            let s = SockInfo::Inet {
                proto: f.l4proto,
                local: unspecified,
                remote: SocketAddr::new(*ip, *port),
            };
            fds::apply_sock(f, &s, LocalSide::Client);
        }
        (None, SockAddr::Unix { path }) => {
            let s = SockInfo::Unix {
                sk: 0,
                peer: 0,
                path: *path,
            };
            fds::apply_sock(f, &s, LocalSide::Client);
        }
        _ => {}
    }
}

/// set*uid / set*gid on success. Unused and "unchanged" slots are `u32::MAX`.
fn set_ids(i: &mut Ids, kind: Kind, ids: [u32; 3]) {
    let set = |v: &mut u32, n: u32| {
        if n != u32::MAX {
            *v = n;
        }
    };
    match kind {
        Kind::Setuid => {
            if i.euid == 0 {
                i.uid = ids[0];
            }
            i.euid = ids[0];
        }
        Kind::Setgid => {
            if i.euid == 0 {
                i.gid = ids[0];
            }
            i.egid = ids[0];
        }
        Kind::Setreuid | Kind::Setresuid => {
            set(&mut i.uid, ids[0]);
            set(&mut i.euid, ids[1]);
        }
        Kind::Setregid | Kind::Setresgid => {
            set(&mut i.gid, ids[0]);
            set(&mut i.egid, ids[1]);
        }
        _ => {}
    }
}

/// The event's arguments with each path's `resolved` pointing at the engine's resolution.
fn with_resolved<'a>(args: &Args<&'a [u8]>, a: &'a [u8], b: &'a [u8]) -> Args<&'a [u8]> {
    let r = |p: &PathArg<&'a [u8]>, res: &'a [u8]| PathArg {
        raw: p.raw,
        resolved: res,
    };
    match args {
        Args::Exec {
            dirfd,
            filename,
            flags,
        } => Args::Exec {
            dirfd: *dirfd,
            filename: r(filename, a),
            flags: *flags,
        },
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
            path: r(path, a),
            flags: *flags,
            mode: *mode,
            resolve: *resolve,
            dev: *dev,
            ino: *ino,
        },
        Args::Path {
            dirfd,
            path,
            flags,
            mode,
        } => Args::Path {
            dirfd: *dirfd,
            path: r(path, a),
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
            oldpath: r(oldpath, a),
            newdirfd: *newdirfd,
            newpath: r(newpath, b),
            flags: *flags,
        },
        Args::Symlink {
            target,
            linkdirfd,
            linkpath,
        } => Args::Symlink {
            target,
            linkdirfd: *linkdirfd,
            linkpath: r(linkpath, a),
        },
        Args::Chown {
            dirfd,
            path,
            uid,
            gid,
            flags,
        } => Args::Chown {
            dirfd: *dirfd,
            path: r(path, a),
            uid: *uid,
            gid: *gid,
            flags: *flags,
        },
        Args::Mount {
            source,
            target,
            fstype,
            flags,
        } => Args::Mount {
            source,
            target: r(target, a),
            fstype,
            flags: *flags,
        },
        Args::Umount { target, flags } => Args::Umount {
            target: r(target, a),
            flags: *flags,
        },
        other => other.clone(),
    }
}
