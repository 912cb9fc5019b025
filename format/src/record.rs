//! Resolved records as writers hold them: the process, container, user, group and fd facts that
//! were true when an event happened (decision 1 of DESIGN.md).
//!
//! Records are immutable and shared (`Arc`): a change (exec, chdir, setuid, …) makes a new version
//! with a new `id`. Links between records are `Arc`s, so a process keeps its ancestors, container
//! and user alive for as long as something refers to it. The block builder copies every record an
//! event refers to, transitively, into the event's block.
//!
//! `id`s identify a record version across the whole trace: writers must never give two different
//! records of the same type the same id ([`IdGen`] hands out fresh ones).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bincode::{Decode, Encode};

/// Owned bytes: paths, names and argv need not be UTF-8.
pub type Bytes = Vec<u8>;

/// Hands out record ids, unique within one generator (use one per trace).
#[derive(Debug, Default)]
pub struct IdGen(AtomicU64);

impl IdGen {
    pub const fn new() -> Self {
        IdGen(AtomicU64::new(1))
    }
    /// A generator whose ids start at `first` (to keep two sources in one trace apart).
    pub const fn starting_at(first: u64) -> Self {
        IdGen(AtomicU64::new(first))
    }
    pub fn next(&self) -> u64 {
        self.0.fetch_add(1, Ordering::Relaxed)
    }
}

/// Process flags (`ProcessInfo::flags`).
pub mod proc_flags {
    /// Known from the initial `/proc` scan, not from a fork/exec the capture saw.
    pub const FROM_SCAN: u32 = 1;
    /// argv was longer than what the capture keeps; `args` holds the first part.
    pub const ARGS_TRUNCATED: u32 = 2;
    /// The capture knew nothing about this process but its pid/tid (fields are empty).
    pub const PLACEHOLDER: u32 = 4;
    /// env was cut.
    pub const ENV_TRUNCATED: u32 = 8;
    /// The record of one thread other than the leader, which libsinsp tells apart from its
    /// process: `comm` and `start_ts` are the thread's (the name its creator had when it was
    /// made, or its own at the capture's start; when it was made), so are its user and group
    /// ids (with `user` and `group`), and `sname`/`vpgid_name` name the process where it leads
    /// its session or group on the host; everything else is the process's.
    pub const THREAD: u32 = 16;
}

/// Executable flags, with the same bit values as Falco's `PPM_EXE_*` (execve `flags`).
pub mod exe_flags {
    pub const WRITABLE: u32 = 1;
    pub const UPPER_LAYER: u32 = 2;
    pub const FROM_MEMFD: u32 = 4;
    pub const LOWER_LAYER: u32 = 8;
}

/// One version of a process (thread group).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProcessInfo {
    pub id: u64,
    pub pid: i64,
    pub ppid: i64,
    /// The parent's record as it was when this version was made.
    pub parent: Option<Arc<ProcessInfo>>,
    /// pid, session id, process group as seen in the process's own pid namespace / the host.
    pub vpid: i64,
    pub sid: i64,
    pub pgid: i64,
    pub vpgid: i64,
    /// `comm` (≤ 15 bytes): Falco's `proc.name`.
    pub comm: Bytes,
    /// argv[0]: Falco's `proc.exe`.
    pub exe: Bytes,
    /// The executable's path as the kernel resolved it: `proc.exepath`.
    pub exepath: Bytes,
    /// argv[1..].
    pub args: Vec<Bytes>,
    pub env: Vec<Bytes>,
    pub cwd: Bytes,
    /// `comm` of the session leader, and of the process-group leader, with its exe (empty if
    /// unknown).
    pub sname: Bytes,
    pub vpgid_name: Bytes,
    pub vpgid_exe: Bytes,
    /// Controlling terminal device number, 0 if none.
    pub tty: u32,
    pub uid: u32,
    pub gid: u32,
    pub euid: u32,
    pub egid: u32,
    /// Audit login uid; `u32::MAX` if unset.
    pub loginuid: u32,
    pub cap_inheritable: u64,
    pub cap_permitted: u64,
    pub cap_effective: u64,
    /// [`exe_flags`] bits.
    pub exe_flags: u32,
    pub exe_ino: u64,
    pub exe_ino_ctime: u64,
    pub exe_ino_mtime: u64,
    /// When the process was created (ns since the epoch; 0 if unknown), when it last exec'd,
    /// and when the init of its pid namespace started.
    pub start_ts: u64,
    pub exec_ts: u64,
    pub pidns_init_start_ts: u64,
    /// The cgroup path the container was derived from.
    pub cgroup: Bytes,
    pub fdlimit: u64,
    pub container: Option<Arc<ContainerInfo>>,
    pub user: Option<Arc<UserInfo>>,
    pub loginuser: Option<Arc<UserInfo>>,
    pub group: Option<Arc<GroupInfo>>,
    /// [`proc_flags`] bits.
    pub flags: u32,
}

/// A bind mount of a container (`container.mount.*`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct MountInfo<S = Bytes> {
    pub source: S,
    pub dest: S,
    pub mode: S,
    pub rw: bool,
    pub propagation: S,
}

/// One version of a container's identity and metadata. Metadata fields are `None` until the
/// runtime told us (Falco: the field is missing then).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContainerInfo {
    pub id: u64,
    /// As `container.id` reports it: the first 12 hex digits (or the runtime's short id).
    pub container_id: Bytes,
    pub full_id: Bytes,
    /// docker, cri-o, containerd, podman, lxc, …
    pub runtime: Bytes,
    pub name: Option<Bytes>,
    pub image: Option<Bytes>,
    pub image_repository: Option<Bytes>,
    pub image_tag: Option<Bytes>,
    pub image_id: Option<Bytes>,
    pub image_digest: Option<Bytes>,
    pub privileged: Option<bool>,
    pub labels: Vec<(Bytes, Bytes)>,
    pub mounts: Vec<MountInfo>,
    pub ip: Option<std::net::IpAddr>,
    pub user: Option<Bytes>,
    /// When the container's init started (ns since the epoch, 0 if unknown).
    pub start_ts: u64,
}

/// A user as known inside one container (or on the host when `container` is `None`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserInfo {
    pub id: u64,
    pub container: Option<Arc<ContainerInfo>>,
    pub uid: u32,
    pub gid: u32,
    pub name: Bytes,
    pub home: Bytes,
    pub shell: Bytes,
}

/// A group as known inside one container (or on the host).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupInfo {
    pub id: u64,
    pub container: Option<Arc<ContainerInfo>>,
    pub gid: u32,
    pub name: Bytes,
}

/// What an fd refers to (Falco's `fd.type`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Encode, Decode)]
pub enum FdType {
    #[default]
    Unknown,
    File,
    Directory,
    Ipv4,
    Ipv6,
    Unix,
    Pipe,
    Event,
    Signalfd,
    EventPoll,
    Inotify,
    Timerfd,
    Netlink,
    Bpf,
    Userfaultfd,
    IoUring,
    Memfd,
    Pidfd,
}

impl FdType {
    pub const ALL: [FdType; 18] = [
        FdType::Unknown,
        FdType::File,
        FdType::Directory,
        FdType::Ipv4,
        FdType::Ipv6,
        FdType::Unix,
        FdType::Pipe,
        FdType::Event,
        FdType::Signalfd,
        FdType::EventPoll,
        FdType::Inotify,
        FdType::Timerfd,
        FdType::Netlink,
        FdType::Bpf,
        FdType::Userfaultfd,
        FdType::IoUring,
        FdType::Memfd,
        FdType::Pidfd,
    ];
}

/// Layer-4 protocol of a socket fd.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Encode, Decode)]
pub enum L4Proto {
    #[default]
    Unknown,
    Tcp,
    Udp,
    Icmp,
    Raw,
}

impl L4Proto {
    pub const ALL: [L4Proto; 5] = [
        L4Proto::Unknown,
        L4Proto::Tcp,
        L4Proto::Udp,
        L4Proto::Icmp,
        L4Proto::Raw,
    ];
}

/// Which end of a socket tuple is this host's (for `fd.lport`/`fd.rport`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Encode, Decode)]
pub enum LocalSide {
    #[default]
    Unknown,
    Client,
    Server,
}

impl LocalSide {
    pub const ALL: [LocalSide; 3] = [LocalSide::Unknown, LocalSide::Client, LocalSide::Server];
}

/// Fd flags (`FdInfo::flags`).
pub mod fd_flags {
    /// The socket is connected.
    pub const CONNECTED: u32 = 1;
    /// Never written: whether an event changed its fd's name is an event's flag
    /// (`wire::event_flags::FD_NAME_CHANGED`), not a version's. The bit stays reserved.
    pub const NAME_CHANGED: u32 = 2;
    /// The fd came from the initial `/proc` scan.
    pub const FROM_SCAN: u32 = 4;
    /// The socket is listening.
    pub const LISTENING: u32 = 8;
}

/// One version of an fd of a process.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FdInfo {
    pub id: u64,
    pub num: i64,
    pub ty: FdType,
    /// Falco's `fd.name`: normalized absolute path for files, `cip:cport->sip:sport` for
    /// connected sockets, `ip:port` for listening ones, `<hex>-><hex> path` for unix sockets.
    pub name: Bytes,
    /// The path as it was passed to open, unjoined and unnormalized (`fd.nameraw`).
    pub nameraw: Bytes,
    /// Raw `O_*` flags it was opened with.
    pub open_flags: u32,
    pub l4proto: L4Proto,
    /// Client and server endpoints of an IP socket (Falco: source = client).
    pub client: Option<SocketAddr>,
    pub server: Option<SocketAddr>,
    pub local: LocalSide,
    /// Unix sockets: kernel addresses of this end and the peer.
    pub unix_source: u64,
    pub unix_dest: u64,
    pub dev: u32,
    pub ino: u64,
    /// [`fd_flags`] bits.
    pub flags: u32,
}
