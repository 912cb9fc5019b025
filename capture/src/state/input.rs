//! What a source hands the state engine: seeds for the initial tables, then lifecycle facts and
//! syscall events with their raw arguments. Nothing here knows where it came from (the eBPF
//! ring, a `.scap` file, a test).

use std::net::SocketAddr;

use rtsec_format::{Args, Kind, L4Proto, ProcessInfo};

pub use super::containers::Cgroup;

/// A process known before the events start (the `/proc` scan, a scap process list).
/// Fields the source does not know stay at their defaults.
#[derive(Clone, Debug, Default)]
pub struct ProcessSeed {
    pub pid: i64,
    pub ppid: i64,
    /// Thread ids of the process other than `pid` itself.
    pub threads: Vec<i64>,
    /// What the source knows of those threads (see `thread_records`).
    pub thread_facts: Vec<ThreadSeed>,
    pub vpid: i64,
    pub sid: i64,
    pub pgid: i64,
    pub vpgid: i64,
    pub comm: Vec<u8>,
    /// `argv[0]`.
    pub exe: Vec<u8>,
    pub exepath: Vec<u8>,
    /// `argv[1..]`.
    pub args: Vec<Vec<u8>>,
    pub env: Vec<Vec<u8>>,
    /// Working directory, with or without its trailing `/` (the engine adds it).
    pub cwd: Vec<u8>,
    pub tty: u32,
    pub uid: u32,
    pub gid: u32,
    pub euid: u32,
    pub egid: u32,
    pub loginuid: u32,
    pub cap_inheritable: u64,
    pub cap_permitted: u64,
    pub cap_effective: u64,
    pub exe_flags: u32,
    pub exe_ino: u64,
    pub exe_ino_ctime: u64,
    pub exe_ino_mtime: u64,
    /// ns since the epoch (0 unknown).
    pub start_ts: u64,
    pub exec_ts: u64,
    pub pidns_init_start_ts: u64,
    pub fdlimit: u64,
    pub cgroups: Vec<Cgroup>,
    /// `proc_flags` bits to add (e.g. `ARGS_TRUNCATED`); `FROM_SCAN` is always set.
    pub flags: u32,
}

/// A thread of a seeded process, other than its leader, as the source knows it.
#[derive(Clone, Debug, Default)]
pub struct ThreadSeed {
    pub tid: i64,
    /// Its own name (empty: unknown).
    pub comm: Vec<u8>,
    /// When it was made (ns since the epoch; 0 unknown).
    pub start_ts: u64,
    /// Its ids, if the source knows them (else its process's).
    pub ids: Option<Ids>,
}

/// A task's real and effective user and group ids (Falco's `user.*` and `group.*` are the
/// effective ones).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ids {
    pub uid: u32,
    pub gid: u32,
    pub euid: u32,
    pub egid: u32,
}

impl Ids {
    pub fn of(info: &ProcessInfo) -> Ids {
        Ids {
            uid: info.uid,
            gid: info.gid,
            euid: info.euid,
            egid: info.egid,
        }
    }

    pub fn apply(self, info: &mut ProcessInfo) {
        info.uid = self.uid;
        info.gid = self.gid;
        info.euid = self.euid;
        info.egid = self.egid;
    }
}

/// An fd known before the events start.
#[derive(Clone, Debug, Default)]
pub struct FdSeed {
    pub num: i64,
    pub ty: rtsec_format::FdType,
    /// Path for files, already absolute; empty for sockets (the tuple names them).
    pub name: Vec<u8>,
    pub open_flags: u32,
    pub sock: Option<SockInfo<Vec<u8>>>,
    pub dev: u32,
    pub ino: u64,
}

/// Identity facts about a task that fork and exec both report.
#[derive(Clone, Copy, Debug, Default)]
pub struct TaskFacts<'a> {
    pub comm: &'a [u8],
    pub uid: u32,
    pub gid: u32,
    pub euid: u32,
    pub egid: u32,
    /// `u32::MAX` if unset.
    pub loginuid: u32,
    pub vpid: i64,
    pub sid: i64,
    pub pgid: i64,
    pub vpgid: i64,
    pub tty: u32,
    pub cap_inheritable: u64,
    pub cap_permitted: u64,
    pub cap_effective: u64,
    pub fdlimit: u64,
    /// The task's cgroups in order; `None`: unchanged / unknown.
    pub cgroups: Option<&'a [Cgroup]>,
    pub pidns_init_start_ts: u64,
}

/// A new task: a process (fork, vfork, clone without `CLONE_THREAD`) or a thread.
#[derive(Clone, Copy, Debug, Default)]
pub struct Fork<'a> {
    /// ns since the epoch.
    pub ts: u64,
    /// The thread that called fork/clone (0 if unknown).
    pub parent_tid: i64,
    /// The new task's thread id and thread-group id (`pid == parent's pid` for a thread).
    pub tid: i64,
    pub pid: i64,
    /// The new task's parent process (differs from the caller's with `CLONE_PARENT`).
    pub ppid: i64,
    /// Identity of the new task, if the source has it (else it is copied from the parent).
    pub facts: Option<TaskFacts<'a>>,
    /// The new task's program as the source reports it (libsinsp's clone exit `exe`, `args`,
    /// `cwd`). A new process runs its `exe` and `args` rather than its parent's exec-time ones:
    /// a daemon that rewrote its argv (`sshd: root@pts/0`, `nginx: worker process`) hands the
    /// rewritten one to its children, as libsinsp shows them. `cwd` is used only when the
    /// parent is unknown; else the parent's is copied.
    pub image: Option<ForkImage<'a>>,
}

/// The program a new task runs, as a clone event reports it.
#[derive(Clone, Copy, Debug, Default)]
pub struct ForkImage<'a> {
    /// `argv[0]`.
    pub exe: &'a [u8],
    /// `argv[1..]`, NUL-separated.
    pub args: &'a [u8],
    /// Empty if unknown.
    pub cwd: &'a [u8],
    /// The source cut `args` short.
    pub args_truncated: bool,
}

/// A successful exec: the process's new image.
#[derive(Clone, Copy, Debug, Default)]
pub struct Exec<'a> {
    pub ts: u64,
    /// After exec the calling thread is the thread-group leader: `tid == pid`.
    pub tid: i64,
    pub pid: i64,
    /// Parent pid if the source knows it.
    pub ppid: Option<i64>,
    pub facts: TaskFacts<'a>,
    /// `argv[0]`.
    pub exe: &'a [u8],
    /// `argv[1..]`, NUL-separated (a trailing NUL is ignored).
    pub args: &'a [u8],
    /// The source had to cut argv.
    pub args_truncated: bool,
    pub env: &'a [u8],
    /// The executable as the kernel resolved it (`proc.exepath`); empty if unknown.
    pub exepath: &'a [u8],
    /// The filename passed to exec (used for `exepath` when the source has no better one).
    pub filename: &'a [u8],
    pub exe_flags: u32,
    pub exe_ino: u64,
    pub exe_ino_ctime: u64,
    pub exe_ino_mtime: u64,
    /// The cwd, if the source reports it at exec (else the tracked one is kept).
    pub cwd: Option<&'a [u8]>,
}

/// A task ended.
#[derive(Clone, Copy, Debug, Default)]
pub struct Exit {
    pub ts: u64,
    pub tid: i64,
    pub pid: i64,
    pub cpu: u16,
    /// Exit status as `exit()` got it, terminating signal (0 if none), core dumped.
    pub code: i64,
    pub sig: u32,
    pub core: bool,
    /// Whether this was the last thread of its process; `None` if the source cannot tell
    /// (then the process ends with its leader thread).
    pub group_dead: Option<bool>,
}

/// A socket's endpoints as the kernel holds them (the source's view after the call).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SockInfo<S> {
    Inet {
        proto: L4Proto,
        local: SocketAddr,
        remote: SocketAddr,
    },
    Unix {
        /// Kernel addresses of this socket and its peer.
        sk: u64,
        peer: u64,
        /// The socket path, if known.
        path: S,
    },
}

/// One completed syscall. Path arguments come raw: `PathArg::resolved` is ignored and filled
/// in by the engine.
#[derive(Clone, Debug)]
pub struct Syscall<'a> {
    pub ts: u64,
    pub tid: i64,
    /// Thread-group id; 0 if the source only knows the tid (the engine looks it up).
    pub pid: i64,
    pub cpu: u16,
    pub kind: Kind,
    /// `wire::event_flags` bits.
    pub flags: u8,
    pub res: i64,
    pub args: Args<&'a [u8]>,
    /// The socket's endpoints after the call (connect: the socket; accept: the new one).
    pub sock: Option<SockInfo<&'a [u8]>>,
}
