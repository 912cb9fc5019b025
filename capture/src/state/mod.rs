//! The state engine: what was true about every process, fd, container and user at the moment of
//! each event (DESIGN.md decision 1). It is a library piece with a source-neutral input API —
//! live capture feeds it from the eBPF ring, the `.scap` importer from a capture file — so both
//! share one implementation of the process tree, fd tables, cwd tracking, Falco's path joining,
//! cgroup → container matching and uid → user names.
//!
//! # Using it
//!
//! 1. **Create** a [`State`]; optionally [`State::set_user_loader`] so that user and group tables
//!    of containers are loaded on first sight (live capture reads `/proc/PID/root/etc/passwd`).
//! 2. **Seed** what existed before the first event, in any order:
//!    - processes: [`State::seed_process`] with a [`ProcessSeed`] (pid, ppid, threads, comm,
//!      exe, args, cwd, ids, caps, tty, cgroups as `subsys=path` entries, …);
//!    - their fds: [`State::seed_fd`] with an [`FdSeed`] (path or socket endpoints);
//!    - users and groups per container: [`State::seed_users`], [`State::seed_groups`]
//!      (`None` = host; a container by its short id);
//!    - container metadata: [`State::seed_container`] (name, image, labels, … from a runtime or
//!      an import's container events).
//!
//!    Then [`State::finish_seeding`] links parents (it also runs by itself before the first
//!    event). Seeding can continue later for a process first seen mid-stream
//!    ([`State::knows`] says whether that is needed).
//! 3. **Feed** events in time order:
//!    - [`State::fork`] when a task is created ([`Fork`]: parent tid, new tid/pid, optional
//!      identity facts) — no event is produced; the clone/fork syscall exits are events;
//!    - [`State::exec`] when an exec succeeds ([`Exec`]: argv, exepath, ids, caps, tty,
//!      cgroups, exe flags) — before the execve syscall event itself;
//!    - [`State::syscall`] for each completed syscall ([`Syscall`]: kind, result and typed
//!      `Args` with *raw* paths): returns the [`NewEvent`] to write, with resolved paths, the
//!      process version and the fd record as they were right after the call;
//!    - [`State::exit`] when a task ends: returns the `procexit` event;
//!    - [`State::set_cgroups`] when a source learns that a process moved to other cgroups;
//!    - [`State::set_cwd`] when a source learns a process's working directory (getcwd).
//!
//! Every change (exec, chdir, set*id, setsid, cgroup move, …) makes a new immutable
//! `ProcessInfo` version with a fresh id; events keep referring to the version that was true when
//! they happened. Unknown processes become placeholders (`proc_flags::PLACEHOLDER`) and are
//! counted in [`Stats`]. The events of a thread other than the leader refer to a record of its
//! own where its name, start, argv or ids differ from its process's (`proc_flags::THREAD`, see
//! `thread_records`), as libsinsp keeps a thread table.
//!
//! Semantics follow Falco's libsinsp (`../shared/reference/falco-rules-language.md` §5–6):
//! `cwd` always ends in `/`; relative paths are joined with the cwd or the dirfd's name and
//! normalized by [`paths::concatenate`]; a failed open gets a transient fd record with
//! `num = -1` named after its path; `close`/`dup` events carry the fd they used; exec closes
//! `O_CLOEXEC` fds. The process `user` is the effective uid's user (Falco's `user.uid`).

#[cfg(test)]
mod any_order;
pub mod containers;
pub mod fds;
pub mod input;
pub use rtsec_format::paths;
mod process;
mod syscall;
#[cfg(test)]
mod tests;
mod thread_records;
pub mod users;

use std::sync::Arc;

use rtsec_format::{ContainerInfo, FdInfo, IdGen, NewEvent, ProcessInfo, record::proc_flags};
use rustc_hash::{FxHashMap, FxHashSet};

pub use containers::{Cgroup, Containers};
pub use input::{
    Exec, Exit, FdSeed, Fork, ForkImage, Ids, ProcessSeed, SockInfo, Syscall, TaskFacts, ThreadSeed,
};
pub use users::{GroupEntry, PasswdEntry, TableLoader, Users};

/// Counters of what the engine had to guess.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Processes first seen through an event, with no seed or fork before (placeholders).
    pub placeholders: u64,
    /// Events that used an fd the table did not have.
    pub unknown_fds: u64,
    /// Relative paths whose dirfd was unknown (resolved against `<UNKNOWN>`).
    pub unknown_dirfds: u64,
    pub processes: u64,
    pub exits: u64,
    /// Processes whose parent changed without an event of theirs (their parent died).
    pub reparented: u64,
}

/// One process (thread group) as the engine tracks it.
pub(crate) struct Proc {
    pub info: Arc<ProcessInfo>,
    pub fds: FxHashMap<i64, Arc<FdInfo>>,
    pub cgroups: Vec<Cgroup>,
    pub threads: u32,
    /// The thread that forked this process, when that was not the leader (its record is the
    /// parent's then, if it has facts of its own: see `thread_records`), and `info.ppid` then,
    /// as libsinsp's; 0 otherwise.
    pub parent_thread: i64,
    /// How many of its threads have an entry in `State::thread_records` (most have none:
    /// exec and exit need not look then).
    pub own_threads: u32,
}

/// The name and exe of a process the source knew nothing about: libsinsp's placeholder
/// threads are called so, which `proc_name_exists` and outputs show.
pub const UNKNOWN_NAME: &[u8] = b"<NA>";

/// The state engine (see the module docs).
pub struct State {
    ids: IdGen,
    procs: FxHashMap<i64, Proc>,
    /// tid → pid for every live thread, leaders included.
    threads: FxHashMap<i64, i64>,
    /// The threads with a name, start, program or ids of their own (see `thread_records`).
    thread_records: FxHashMap<i64, thread_records::ThreadRecord>,
    containers: Containers,
    users: Users,
    pending: Vec<ProcessSeed>,
    pending_fds: Vec<(i64, FdSeed)>,
    /// Ports of the IPv4 sockets seeded listening (libsinsp's `m_server_ports`): a seeded
    /// connection on one of them was accepted, one on another port was connected.
    server_ports: FxHashSet<u16>,
    // Scratch for resolved paths, reused between events.
    path_a: Vec<u8>,
    path_b: Vec<u8>,
    base: Vec<u8>,
    clean: Vec<u8>,
    /// Records that events refer to after the engine dropped them (a process that exited, an fd
    /// that closed, the transient fd of a failed open).
    keep_proc: Option<Arc<ProcessInfo>>,
    /// The record of the current event's thread, when it has facts of its own.
    keep_thread: Option<Arc<ProcessInfo>>,
    keep_fd: Option<Arc<FdInfo>>,
    /// The fd whose name the current event gave or changed (libsinsp's `fd.name_changed`:
    /// the name after the event differs from the name before it, "" for a new fd).
    renamed: Option<i64>,
    /// Every capability this kernel has: what a task holds in a user namespace it created
    /// or joined.
    all_caps: u64,
    stats: Stats,
}

impl Default for State {
    fn default() -> Self {
        State::new()
    }
}

impl State {
    pub fn new() -> State {
        State {
            ids: IdGen::new(),
            procs: FxHashMap::default(),
            threads: FxHashMap::default(),
            thread_records: FxHashMap::default(),
            containers: Containers::default(),
            users: Users::default(),
            pending: Vec::new(),
            pending_fds: Vec::new(),
            server_ports: FxHashSet::default(),
            path_a: Vec::new(),
            path_b: Vec::new(),
            base: Vec::new(),
            clean: Vec::new(),
            keep_proc: None,
            keep_thread: None,
            keep_fd: None,
            renamed: None,
            all_caps: all_capabilities(),
            stats: Stats::default(),
        }
    }

    /// Loads user and group tables of containers (and the host) the first time they are needed.
    pub fn set_user_loader(&mut self, loader: TableLoader) {
        self.users.set_loader(loader);
    }

    pub fn seed_process(&mut self, seed: ProcessSeed) {
        self.pending.push(seed);
    }

    pub fn seed_fd(&mut self, pid: i64, fd: FdSeed) {
        self.pending_fds.push((pid, fd));
    }

    /// Users of a container (`None`: the host; otherwise its short id).
    pub fn seed_users(&mut self, container: Option<&[u8]>, entries: &[PasswdEntry]) {
        let c = self.container_for_seed(container);
        self.users.seed_users(c.as_ref(), entries, &self.ids);
    }

    pub fn seed_groups(&mut self, container: Option<&[u8]>, entries: &[GroupEntry]) {
        let c = self.container_for_seed(container);
        self.users.seed_groups(c.as_ref(), entries, &self.ids);
    }

    /// Adds or replaces a container record (matched by `container_id`, the short id).
    /// Processes already in that container get a version that refers to it: libsinsp looks
    /// container metadata up at every event, so metadata that arrives late (an import's
    /// container events, a runtime's answer) holds from then on.
    pub fn seed_container(&mut self, info: ContainerInfo) -> Arc<ContainerInfo> {
        let c = self.containers.seed(info, &self.ids);
        let stale: Vec<i64> =
            self.procs
                .iter()
                .filter(|(_, p)| {
                    p.info.container.as_ref().is_some_and(|old| {
                        old.container_id == c.container_id && !Arc::ptr_eq(old, &c)
                    })
                })
                .map(|(pid, _)| *pid)
                .collect();
        for pid in stale {
            self.new_version(pid, 0, |_| {});
        }
        c
    }

    fn container_for_seed(&mut self, id: Option<&[u8]>) -> Option<Arc<ContainerInfo>> {
        let id = id?;
        if let Some(c) = self.containers.get(id) {
            return Some(c.clone());
        }
        Some(self.containers.seed(
            ContainerInfo {
                container_id: id.to_vec(),
                full_id: id.to_vec(),
                ..ContainerInfo::default()
            },
            &self.ids,
        ))
    }

    /// Builds the seeded processes (parents first) and their fds.
    pub fn finish_seeding(&mut self) {
        if self.pending.is_empty() && self.pending_fds.is_empty() {
            return;
        }
        let seeds = std::mem::take(&mut self.pending);
        let index: FxHashMap<i64, usize> =
            seeds.iter().enumerate().map(|(i, s)| (s.pid, i)).collect();
        let mut done = vec![false; seeds.len()];
        for i in 0..seeds.len() {
            // Walk up to the oldest ancestor not built yet, then build downwards.
            let mut chain = vec![i];
            let mut cur = i;
            while let Some(&p) = index.get(&seeds[cur].ppid) {
                if done[p] || chain.contains(&p) {
                    break;
                }
                chain.push(p);
                cur = p;
            }
            for &j in chain.iter().rev() {
                if !done[j] {
                    self.build_seed(&seeds[j]);
                    done[j] = true;
                }
            }
        }
        let fds = std::mem::take(&mut self.pending_fds);
        self.server_ports.extend(
            fds.iter()
                .filter_map(|(_, fd)| fds::ipv4_listening_port(fd)),
        );
        for (pid, fd) in fds {
            self.add_seed_fd(pid, fd);
        }
    }

    /// True if the engine has process `pid` (seeded, forked or already seen).
    pub fn knows(&self, pid: i64) -> bool {
        self.procs.contains_key(&pid) || self.pending.iter().any(|s| s.pid == pid)
    }

    /// True if thread `tid` is known.
    pub fn knows_tid(&self, tid: i64) -> bool {
        self.threads.contains_key(&tid)
    }

    /// The current version of process `pid`.
    pub fn process(&self, pid: i64) -> Option<&Arc<ProcessInfo>> {
        self.procs.get(&pid).map(|p| &p.info)
    }

    /// The pid of thread `tid`, if known.
    pub fn pid_of(&self, tid: i64) -> Option<i64> {
        self.threads.get(&tid).copied()
    }

    /// The current record of fd `num` of process `pid`.
    pub fn fd(&self, pid: i64, num: i64) -> Option<&Arc<FdInfo>> {
        self.procs.get(&pid)?.fds.get(&num)
    }

    /// The cgroups process `pid` is known to be in.
    pub fn cgroups(&self, pid: i64) -> Option<&[Cgroup]> {
        self.procs.get(&pid).map(|p| p.cgroups.as_slice())
    }

    pub fn stats(&self) -> Stats {
        let mut s = self.stats.clone();
        s.processes = self.procs.len() as u64;
        s
    }

    /// Number of containers seen.
    pub fn containers(&self) -> usize {
        self.containers.len()
    }

    /// Records a move of process `pid` to other cgroups (a new version if its container or
    /// cgroup path changes).
    pub fn set_cgroups(&mut self, ts: u64, pid: i64, cgroups: &[Cgroup]) {
        let Some(p) = self.procs.get_mut(&pid) else {
            return;
        };
        if p.cgroups == cgroups {
            return;
        }
        p.cgroups = cgroups.to_vec();
        self.new_version(pid, ts, |_| {});
    }

    /// Records that process `pid` learnt its working directory (libs' getcwd events carry it;
    /// libsinsp then trusts it over what it tracked). A new version if it changed.
    pub fn set_cwd(&mut self, ts: u64, pid: i64, cwd: &[u8]) {
        let cwd = process::dir_with_slash(cwd.to_vec());
        match self.procs.get(&pid) {
            Some(p) if p.info.cwd != cwd => self.new_version(pid, ts, |i| i.cwd = cwd),
            _ => {}
        }
    }

    /// Keeps `info` alive for the event being returned, and returns a reference to it.
    fn kept_proc(&mut self, info: Arc<ProcessInfo>) -> &Arc<ProcessInfo> {
        self.keep_proc.insert(info)
    }

    fn placeholder(&mut self, pid: i64, tid: i64) {
        self.stats.placeholders += 1;
        let info = ProcessInfo {
            id: self.ids.next(),
            pid,
            vpid: pid,
            // Unknown, as libsinsp's new thread has them until an event tells.
            sid: -1,
            vpgid: -1,
            loginuid: u32::MAX,
            cwd: Vec::new(),
            comm: UNKNOWN_NAME.to_vec(),
            exe: UNKNOWN_NAME.to_vec(),
            flags: proc_flags::PLACEHOLDER,
            ..ProcessInfo::default()
        };
        self.procs.insert(
            pid,
            Proc {
                info: Arc::new(info),
                fds: FxHashMap::default(),
                cgroups: Vec::new(),
                threads: 1,
                parent_thread: 0,
                own_threads: 0,
            },
        );
        self.threads.insert(pid, pid);
        if tid != pid {
            self.threads.insert(tid, pid);
        }
    }
}

/// What a caller gets back for one syscall or exit: the event ready for `TraceWriter::push`.
pub type Event<'a> = NewEvent<'a>;

/// The mask of every capability the running kernel knows (`/proc/sys/kernel/cap_last_cap`),
/// as libsinsp's `get_max_caps` computes it; the 41 of Linux 5.9 and later if unreadable.
fn all_capabilities() -> u64 {
    let last = std::fs::read_to_string("/proc/sys/kernel/cap_last_cap")
        .ok()
        .and_then(|s| s.trim().parse::<u32>().ok())
        .filter(|n| *n < 63)
        .unwrap_or(40);
    (1u64 << (last + 1)) - 1
}
