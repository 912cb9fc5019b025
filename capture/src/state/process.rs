//! The process table: seeds, fork, exec, exit, and making new process versions.

use std::sync::Arc;

use rtsec_format::{
    Args, FdInfo, FdType, Kind, NewEvent, ProcessInfo,
    record::{fd_flags, proc_flags},
};
use rustc_hash::FxHashMap;

use super::fds::{self, O_CLOEXEC};
use super::input::{
    Exec, Exit, FdSeed, Fork, ForkImage, Ids, ProcessSeed, SockInfo, TaskFacts, ThreadSeed,
};
use super::{Proc, State, UNKNOWN_NAME};

/// `cwd` as Falco keeps it: with a trailing `/`.
pub(super) fn dir_with_slash(mut d: Vec<u8>) -> Vec<u8> {
    if d.last() != Some(&b'/') {
        d.push(b'/');
    }
    d
}

fn split_nul(b: &[u8]) -> Vec<Vec<u8>> {
    if b.is_empty() {
        return Vec::new();
    }
    let b = b.strip_suffix(&[0]).unwrap_or(b);
    b.split(|&c| c == 0).map(<[u8]>::to_vec).collect()
}

/// `exe` and `args` as one run of NUL-terminated strings, as the kernel keeps argv.
fn argv_run<'a>(exe: &[u8], args: impl Iterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut run = exe.to_vec();
    run.push(0);
    for a in args {
        run.extend_from_slice(a);
        run.push(0);
    }
    run
}

/// A program a task runs: argv[0], the rest, and whether argv was cut.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Program {
    pub exe: Vec<u8>,
    pub args: Vec<Vec<u8>>,
    pub truncated: bool,
}

impl Program {
    /// `info` running this program.
    pub fn apply(&self, info: &mut ProcessInfo) {
        info.exe.clone_from(&self.exe);
        info.args.clone_from(&self.args);
        info.flags &= !proc_flags::ARGS_TRUNCATED;
        if self.truncated {
            info.flags |= proc_flags::ARGS_TRUNCATED;
        }
    }
}

/// A new task's program from its clone event, where it differs from its creator's: a daemon
/// that rewrote its argv (`sshd: root@pts/0`) hands the rewritten one to its children and
/// threads, and libsinsp shows them with it. A cut argv that starts the creator's says nothing
/// new (the creator's may come whole from `/proc`).
pub(super) fn clone_program(info: &ProcessInfo, img: &ForkImage<'_>) -> Option<Program> {
    if img.exe.is_empty() && img.args.is_empty() {
        return None; // the source had no argv to give
    }
    let mut theirs = argv_run(img.exe, std::iter::empty());
    theirs.extend_from_slice(img.args);
    if !img.args.is_empty() && !img.args.ends_with(&[0]) {
        theirs.push(0);
    }
    let mine = argv_run(&info.exe, info.args.iter().map(Vec::as_slice));
    let same = if img.args_truncated {
        mine.starts_with(theirs.strip_suffix(&[0]).unwrap_or(&theirs))
    } else {
        mine == theirs
    };
    (!same).then(|| Program {
        exe: img.exe.to_vec(),
        args: split_nul(img.args),
        truncated: img.args_truncated,
    })
}

impl State {
    /// Re-resolves the links of `info` that depend on ids and cgroups: container, user, login
    /// user, group, and the parent's current version (as `parent_thread` shows it, if that is
    /// the thread of the parent that forked it and has facts of its own: `thread_records`).
    /// `info.ppid` is `parent_thread` when that is not 0.
    fn relink(
        &mut self,
        info: &mut ProcessInfo,
        cgroups: &[super::Cgroup],
        ts: u64,
        parent_thread: i64,
    ) {
        let (container, from) = self.containers.resolve(cgroups, &self.ids, ts);
        info.cgroup = from.to_vec();
        let pid = info.pid;
        info.user = self
            .users
            .user(container.as_ref(), info.euid, pid, &self.ids);
        info.loginuser = if info.loginuid == u32::MAX {
            None
        } else {
            self.users
                .user(container.as_ref(), info.loginuid, pid, &self.ids)
        };
        info.group = self
            .users
            .group(container.as_ref(), info.egid, pid, &self.ids);
        info.container = container;
        let ppid = self.parent_pid(info.ppid, parent_thread);
        if ppid == info.pid {
            info.parent = None;
            return;
        }
        info.parent = match self.thread_record(parent_thread, ppid) {
            Some(thread) => Some(thread),
            None => self.procs.get(&ppid).map(|p| p.info.clone()),
        };
    }

    /// The pid of the parent process of a process whose `proc.ppid` is `ppid`: the process of
    /// `parent_thread`, the thread that forked it, if that is not 0 (see `forked_by_thread`).
    fn parent_pid(&self, ppid: i64, parent_thread: i64) -> i64 {
        match parent_thread {
            0 => ppid,
            tid => self.thread_records.get(&tid).map_or(ppid, |t| t.pid()),
        }
    }

    /// Replaces the current version of `pid` with a changed copy.
    pub(super) fn new_version(&mut self, pid: i64, ts: u64, change: impl FnOnce(&mut ProcessInfo)) {
        let Some(p) = self.procs.get(&pid) else {
            return;
        };
        let mut info = (*p.info).clone();
        let parent_thread = p.parent_thread;
        let cgroups = std::mem::take(&mut self.procs.get_mut(&pid).expect("checked").cgroups);
        change(&mut info);
        info.id = self.ids.next();
        self.relink(&mut info, &cgroups, ts, parent_thread);
        let p = self.procs.get_mut(&pid).expect("checked");
        p.cgroups = cgroups;
        p.info = Arc::new(info);
    }

    pub(super) fn build_seed(&mut self, s: &ProcessSeed) {
        let mut info = ProcessInfo {
            id: self.ids.next(),
            pid: s.pid,
            ppid: s.ppid,
            parent: None,
            vpid: if s.vpid == 0 { s.pid } else { s.vpid },
            sid: s.sid,
            pgid: s.pgid,
            vpgid: s.vpgid,
            comm: s.comm.clone(),
            exe: s.exe.clone(),
            exepath: without_deleted(&s.exepath).to_vec(),
            args: s.args.clone(),
            env: s.env.clone(),
            cwd: if s.cwd.is_empty() {
                Vec::new()
            } else {
                dir_with_slash(s.cwd.clone())
            },
            tty: s.tty,
            uid: s.uid,
            gid: s.gid,
            euid: s.euid,
            egid: s.egid,
            loginuid: s.loginuid,
            cap_inheritable: s.cap_inheritable,
            cap_permitted: s.cap_permitted,
            cap_effective: s.cap_effective,
            exe_flags: s.exe_flags,
            exe_ino: s.exe_ino,
            exe_ino_ctime: s.exe_ino_ctime,
            exe_ino_mtime: s.exe_ino_mtime,
            start_ts: s.start_ts,
            exec_ts: s.exec_ts,
            pidns_init_start_ts: s.pidns_init_start_ts,
            fdlimit: s.fdlimit,
            flags: s.flags | proc_flags::FROM_SCAN,
            ..ProcessInfo::default()
        };
        self.relink(&mut info, &s.cgroups, s.start_ts, 0);
        if let Some(old) = self.procs.remove(&s.pid) {
            self.forget_threads(s.pid, &old, s.start_ts);
        }
        self.threads.insert(s.pid, s.pid);
        for &t in &s.threads {
            self.threads.insert(t, s.pid);
        }
        self.procs.insert(
            s.pid,
            Proc {
                info: Arc::new(info),
                fds: FxHashMap::default(),
                cgroups: s.cgroups.clone(),
                threads: 1 + s.threads.len() as u32,
                parent_thread: 0,
                own_threads: 0,
            },
        );
        for t in &s.thread_facts {
            self.add_thread(s.pid, t, None);
        }
    }

    fn forget_threads(&mut self, pid: i64, old: &Proc, ts: u64) {
        self.threads.retain(|_, p| *p != pid);
        if old.own_threads > 0 {
            let forked: Vec<i64> = self
                .thread_records
                .iter()
                .filter(|(_, t)| t.pid() == pid && t.forked())
                .map(|(&tid, _)| tid)
                .collect();
            self.thread_records.retain(|_, t| t.pid() != pid);
            for tid in forked {
                self.hand_children_over(tid, pid, ts);
            }
        }
    }

    pub(super) fn add_seed_fd(&mut self, pid: i64, s: FdSeed) {
        let id = self.ids.next();
        let Some(p) = self.procs.get_mut(&pid) else {
            return;
        };
        let mut fd = FdInfo {
            id,
            num: s.num,
            ty: s.ty,
            name: s.name.clone(),
            nameraw: s.name,
            open_flags: s.open_flags,
            dev: s.dev,
            ino: s.ino,
            flags: fd_flags::FROM_SCAN,
            ..FdInfo::default()
        };
        if let Some(sock) = &s.sock {
            let view = match sock {
                SockInfo::Inet {
                    proto,
                    local,
                    remote,
                } => SockInfo::Inet {
                    proto: *proto,
                    local: *local,
                    remote: *remote,
                },
                SockInfo::Unix { sk, peer, path } => SockInfo::Unix {
                    sk: *sk,
                    peer: *peer,
                    path: path.as_slice(),
                },
            };
            match &view {
                SockInfo::Inet { remote, local, .. } if remote.port() == 0 => {
                    // Not connected: a listening or bound socket.
                    fd.name = fds::server_name(*local);
                    fd.server = Some(*local);
                    fd.ty = if local.is_ipv4() {
                        FdType::Ipv4
                    } else {
                        FdType::Ipv6
                    };
                    fd.flags |= fd_flags::LISTENING;
                }
                _ => {
                    fds::apply_sock(&mut fd, &view, rtsec_format::LocalSide::Unknown);
                    fds::as_scanned(&mut fd, &view);
                    fds::orient_scanned(&mut fd, &self.server_ports);
                }
            }
        }
        p.fds.insert(s.num, Arc::new(fd));
    }

    fn apply_facts(info: &mut ProcessInfo, f: &TaskFacts<'_>) {
        if !f.comm.is_empty() {
            info.comm = f.comm.to_vec();
        }
        info.uid = f.uid;
        info.gid = f.gid;
        info.euid = f.euid;
        info.egid = f.egid;
        info.loginuid = f.loginuid;
        if f.vpid != 0 {
            info.vpid = f.vpid;
        }
        if f.sid != 0 {
            info.sid = f.sid;
        }
        if f.pgid != 0 {
            info.pgid = f.pgid;
        }
        if f.vpgid != 0 {
            info.vpgid = f.vpgid;
        }
        info.tty = f.tty;
        info.cap_inheritable = f.cap_inheritable;
        info.cap_permitted = f.cap_permitted;
        info.cap_effective = f.cap_effective;
        if f.fdlimit != 0 {
            info.fdlimit = f.fdlimit;
        }
        if f.pidns_init_start_ts != 0 {
            info.pidns_init_start_ts = f.pidns_init_start_ts;
        }
    }

    /// A new task. A thread joins its process (with a record of its own where its name, start,
    /// program or ids differ: `thread_records`); a process gets a copy of its parent (ids, cwd, fds
    /// without `CLOEXEC` filtering — that happens at exec) overlaid with the source's facts.
    /// Either runs the program `f.image` reports where it differs from its creator's. Returns
    /// whether it does (then a cut `f.image` argv is a loss).
    pub fn fork(&mut self, f: &Fork<'_>) -> bool {
        self.finish_seeding();
        if f.pid == 0 || f.tid == 0 {
            return false;
        }
        let caller_pid = self
            .threads
            .get(&f.parent_tid)
            .copied()
            .unwrap_or(if f.ppid != 0 { f.ppid } else { f.parent_tid });
        // Facts left by a thread whose end was missed.
        self.forget_thread(f.tid, f.ts);
        if f.pid == caller_pid && self.procs.contains_key(&f.pid) {
            // A new thread of an existing process.
            self.threads.insert(f.tid, f.pid);
            if let Some(p) = self.procs.get_mut(&f.pid) {
                p.threads += 1;
            }
            let thread = ThreadSeed {
                tid: f.tid,
                comm: f.facts.as_ref().map_or(Vec::new(), |x| x.comm.to_vec()),
                start_ts: f.ts,
                ids: f.facts.as_ref().map(|x| Ids {
                    uid: x.uid,
                    gid: x.gid,
                    euid: x.euid,
                    egid: x.egid,
                }),
            };
            let program = match (&f.image, self.procs.get(&f.pid)) {
                (Some(img), Some(p)) => clone_program(&p.info, img),
                _ => None,
            };
            let took_image = program.is_some();
            self.add_thread(f.pid, &thread, program);
            return took_image;
        }
        if let Some(old) = self.procs.remove(&f.pid) {
            self.forget_threads(f.pid, &old, f.ts); // a stale entry whose exit we missed
        }
        let ppid = if f.ppid != 0 { f.ppid } else { caller_pid };
        let mut took_image = false;
        let (mut info, fds, cgroups) = match self.procs.get(&caller_pid) {
            Some(parent) => {
                let mut info = (*parent.info).clone();
                if let Some(program) = f.image.as_ref().and_then(|img| clone_program(&info, img)) {
                    program.apply(&mut info);
                    took_image = true;
                }
                (info, parent.fds.clone(), parent.cgroups.clone())
            }
            None => {
                let mut info = ProcessInfo {
                    sid: -1,
                    vpgid: -1,
                    loginuid: u32::MAX,
                    comm: UNKNOWN_NAME.to_vec(),
                    flags: proc_flags::PLACEHOLDER,
                    ..ProcessInfo::default()
                };
                match &f.image {
                    Some(img) => {
                        took_image = true;
                        info.exe = img.exe.to_vec();
                        info.args = split_nul(img.args);
                        if img.args_truncated {
                            info.flags |= proc_flags::ARGS_TRUNCATED;
                        }
                        if !img.cwd.is_empty() {
                            info.cwd = dir_with_slash(img.cwd.to_vec());
                        }
                    }
                    None => info.exe = UNKNOWN_NAME.to_vec(),
                }
                (info, FxHashMap::default(), Vec::new())
            }
        };
        // libsinsp's parent is the thread that forked it (`parse_clone_exit`: the child's ptid
        // is the caller's tid): `proc.ppid` is that thread's id.
        let parent_thread = if ppid == caller_pid && f.parent_tid != f.tid {
            self.forked_by_thread(f.parent_tid, caller_pid)
        } else {
            0
        };
        info.id = self.ids.next();
        info.pid = f.pid;
        info.ppid = if parent_thread != 0 {
            parent_thread
        } else {
            ppid
        };
        info.vpid = f.pid;
        info.start_ts = f.ts;
        info.flags &= !proc_flags::FROM_SCAN;
        let cgroups = match &f.facts {
            Some(facts) => {
                Self::apply_facts(&mut info, facts);
                facts.cgroups.map_or(cgroups, <[_]>::to_vec)
            }
            None => cgroups,
        };
        self.relink(&mut info, &cgroups, f.ts, parent_thread);
        self.threads.insert(f.pid, f.pid);
        if f.tid != f.pid {
            self.threads.insert(f.tid, f.pid);
        }
        self.procs.insert(
            f.pid,
            Proc {
                info: Arc::new(info),
                fds,
                cgroups,
                threads: 1,
                parent_thread,
                own_threads: 0,
            },
        );
        took_image
    }

    /// The live processes whose parent is `pid`: when `pid` dies, the kernel hands them to
    /// the nearest child subreaper or their pid namespace's init, without an event of theirs.
    /// The source asks who that is (live: `/proc`) and tells [`State::reparent`].
    pub fn children_of(&self, pid: i64) -> Vec<i64> {
        self.procs
            .iter()
            .filter(|&(&c, p)| c != pid && self.parent_pid(p.info.ppid, p.parent_thread) == pid)
            .map(|(&c, _)| c)
            .collect()
    }

    /// Records that `pid`'s parent is now `ppid`, as of `ts` (0: unknown, ignored): a new
    /// process version, linked to the new parent's.
    pub fn reparent(&mut self, pid: i64, ppid: i64, ts: u64) {
        if ppid == 0 || ppid == pid {
            return;
        }
        let Some(p) = self.procs.get(&pid) else {
            return;
        };
        if p.parent_thread == 0 && p.info.ppid == ppid {
            return;
        }
        if p.info.ppid != 0 {
            self.stats.reparented += 1;
        }
        if let Some(p) = self.procs.get_mut(&pid) {
            p.parent_thread = 0;
        }
        self.new_version(pid, ts, |info| info.ppid = ppid);
    }

    /// A successful exec: the process gets its new image; `O_CLOEXEC` fds close.
    pub fn exec(&mut self, e: &Exec<'_>) {
        self.exec_flagged(e, 0);
    }

    /// [`State::exec`], adding `proc_flags` bits to the new image (e.g. `ENV_TRUNCATED`).
    pub fn exec_flagged(&mut self, e: &Exec<'_>, flags: u32) {
        self.finish_seeding();
        if !self.procs.contains_key(&e.pid) {
            self.placeholder(e.pid, e.tid);
        }
        // The exec'ing thread becomes the leader; the others are gone.
        if e.tid != e.pid {
            self.threads.remove(&e.tid);
        }
        self.forget_threads_of(e.pid, e.ts);
        self.threads.retain(|t, p| *p != e.pid || *t == e.pid);
        self.threads.insert(e.pid, e.pid);
        let cwd = e.cwd.map(|c| dir_with_slash(c.to_vec()));
        // The parent the source names, where it is another process than the one the engine
        // knows (a process forked by a thread keeps that thread as `proc.ppid`).
        let p = &self.procs[&e.pid];
        let reparented = e
            .ppid
            .filter(|&pp| self.parent_pid(p.info.ppid, p.parent_thread) != pp);
        let p = self.procs.get_mut(&e.pid).expect("ensured above");
        if reparented.is_some() {
            p.parent_thread = 0;
        }
        p.threads = 1;
        p.fds.retain(|_, fd| fd.open_flags & O_CLOEXEC == 0);
        if let Some(cg) = e.facts.cgroups {
            p.cgroups = cg.to_vec();
        }
        let exepath = if e.exepath.is_empty() {
            // No kernel-resolved path: rebuild it from the filename as libsinsp does for old
            // captures (relative to the cwd).
            let mut out = Vec::new();
            let mut clean = Vec::new();
            super::paths::concatenate(&p.info.cwd, e.filename, &mut out, &mut clean);
            out
        } else {
            without_deleted(e.exepath).to_vec()
        };
        self.new_version(e.pid, e.ts, |info| {
            Self::apply_facts(info, &e.facts);
            if let Some(pp) = reparented {
                info.ppid = pp;
            }
            info.exe = e.exe.to_vec();
            info.args = split_nul(e.args);
            info.env = split_nul(e.env);
            info.exepath = exepath;
            info.exe_flags = e.exe_flags;
            info.exe_ino = e.exe_ino;
            info.exe_ino_ctime = e.exe_ino_ctime;
            info.exe_ino_mtime = e.exe_ino_mtime;
            info.exec_ts = e.ts;
            if let Some(c) = cwd {
                info.cwd = c;
            }
            info.flags &= !(proc_flags::PLACEHOLDER
                | proc_flags::FROM_SCAN
                | proc_flags::ARGS_TRUNCATED
                | proc_flags::ENV_TRUNCATED);
            if e.args_truncated {
                info.flags |= proc_flags::ARGS_TRUNCATED;
            }
            info.flags |= flags;
        });
    }

    /// A task ended: the `procexit` event, with the process version it ended in. The process
    /// leaves the table when its last thread exits.
    pub fn exit(&mut self, x: &Exit) -> NewEvent<'_> {
        self.finish_seeding();
        self.stats.exits += 1;
        let pid = if x.pid != 0 {
            x.pid
        } else {
            self.threads.get(&x.tid).copied().unwrap_or(x.tid)
        };
        if !self.procs.contains_key(&pid) {
            self.placeholder(pid, x.tid);
        }
        let thread = self.thread_record(x.tid, pid);
        self.threads.remove(&x.tid);
        let last = match x.group_dead {
            Some(g) => g,
            None => x.tid == pid,
        };
        if last {
            self.forget_threads_of(pid, x.ts);
        } else {
            self.forget_thread(x.tid, x.ts);
        }
        let info = if last {
            let p = self.procs.remove(&pid).expect("ensured above");
            self.threads.retain(|_, q| *q != pid);
            p.info
        } else {
            let p = self.procs.get_mut(&pid).expect("ensured above");
            p.threads = p.threads.saturating_sub(1);
            p.info.clone()
        };
        let proc = self.kept_proc(thread.unwrap_or(info));
        NewEvent {
            ts: x.ts,
            tid: x.tid,
            cpu: x.cpu,
            kind: Kind::ProcExit,
            flags: 0,
            res: 0,
            proc: Some(proc),
            fd: None,
            args: Args::Exit {
                code: x.code,
                sig: x.sig,
                core: x.core,
            },
        }
    }
}

/// `path` without the ` (deleted)` the kernel appends to the link of an executable that was
/// removed or replaced after it started (`/proc/PID/exe` of a daemon whose package was
/// upgraded; a capture's thread table): libsinsp's `set_exepath` and exec state drop it.
fn without_deleted(path: &[u8]) -> &[u8] {
    const SUFFIX: &[u8] = b" (deleted)";
    match path.strip_suffix(SUFFIX) {
        Some(p) if !p.is_empty() => p,
        _ => path,
    }
}
