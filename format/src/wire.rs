//! Records as a block stores them, and as a decoded [`Block`](crate::Block) hands them out.
//!
//! They mirror the writer's records (`record.rs`) with strings replaced by [`StrId`]s into the
//! block's string table and links replaced by indices into the block's tables. Strings and links
//! are looked up through the block (`Block::str`, `Block::process`, …), which never panics on a
//! bad index.

use std::net::{IpAddr, SocketAddr};

use bincode::{Decode, Encode};

use crate::args::Args;
use crate::kind::Kind;
use crate::record::{FdType, L4Proto, LocalSide, MountInfo};

/// A string in the block's string table. `StrId::EMPTY` is always the empty string.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Encode, Decode)]
pub struct StrId(pub u32);

impl StrId {
    pub const EMPTY: StrId = StrId(0);
}

/// A list of strings (argv, env) of a record.
pub type StrList = smallvec::SmallVec<[StrId; 8]>;

/// An index into one of the block's record tables.
pub type Ref = u32;

/// Event flags (`Event::flags`): what the capture had to cut or could not read, and what the
/// kernel said of the call beyond its arguments.
pub mod event_flags {
    /// A path or string argument was longer than the capture keeps; it holds the first part.
    pub const STRING_TRUNCATED: u8 = 1;
    /// A data buffer was cut to the capture's snapshot length.
    pub const DATA_TRUNCATED: u8 = 2;
    /// An argument could not be read from the process's memory.
    pub const ARG_UNREADABLE: u8 = 4;
    /// A path or address argument changed during the call (a racing thread); this is the entry copy.
    pub const ARG_CHANGED: u8 = 8;
    /// The open created the file it returned (the kernel's `FMODE_CREATED`; libs'
    /// `PPM_O_F_CREATED`): `evt.is_open_create`.
    pub const FILE_CREATED: u8 = 16;
    /// The event gave its fd a name or changed it (a new fd with a name, a connect, a bind to a
    /// port, a datagram to a new peer): libsinsp's `fd.name_changed`.
    pub const FD_NAME_CHANGED: u8 = 32;
    /// The source's event had no return value (an imported generic event, an old capture's
    /// `getuid` exit, an exit without parameters): `res` is 0 and means nothing, and
    /// `evt.res`, `evt.rawres` and `evt.failed` have no value, as in libsinsp.
    pub const NO_RETURN_VALUE: u8 = 64;
}

/// One completed syscall (or lifecycle event) as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// Nanoseconds since the Unix epoch.
    pub ts: u64,
    pub tid: i64,
    pub cpu: u16,
    pub kind: Kind,
    /// [`event_flags`] bits.
    pub flags: u8,
    /// The raw return value (negative errno on failure).
    pub res: i64,
    /// The process version this event happened in (after the event's own effect: an execve's
    /// event refers to the new image, as Falco evaluates it).
    pub proc: Option<Ref>,
    /// The fd record the event used or created, as it was after the event.
    pub fd: Option<Ref>,
    pub args: Args<StrId>,
}

/// A process version as stored (see `record::ProcessInfo` for the meaning of each field).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Process {
    pub id: u64,
    pub pid: i64,
    pub ppid: i64,
    pub parent: Option<Ref>,
    pub vpid: i64,
    pub sid: i64,
    pub pgid: i64,
    pub vpgid: i64,
    pub comm: StrId,
    pub exe: StrId,
    pub exepath: StrId,
    /// Inline for the common short argv: no allocation per process when decoding.
    pub args: StrList,
    pub env: StrList,
    pub cwd: StrId,
    pub sname: StrId,
    pub vpgid_name: StrId,
    pub vpgid_exe: StrId,
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
    pub start_ts: u64,
    pub exec_ts: u64,
    pub pidns_init_start_ts: u64,
    pub cgroup: StrId,
    pub fdlimit: u64,
    pub container: Option<Ref>,
    pub user: Option<Ref>,
    pub loginuser: Option<Ref>,
    pub group: Option<Ref>,
    pub flags: u32,
}

/// A container version as stored.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct Container {
    pub id: u64,
    pub container_id: StrId,
    pub full_id: StrId,
    pub runtime: StrId,
    pub name: Option<StrId>,
    pub image: Option<StrId>,
    pub image_repository: Option<StrId>,
    pub image_tag: Option<StrId>,
    pub image_id: Option<StrId>,
    pub image_digest: Option<StrId>,
    pub privileged: Option<bool>,
    pub labels: Vec<(StrId, StrId)>,
    pub mounts: Vec<MountInfo<StrId>>,
    pub ip: Option<IpAddr>,
    pub user: Option<StrId>,
    pub start_ts: u64,
}

/// A user as stored.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct User {
    pub id: u64,
    pub container: Option<Ref>,
    pub uid: u32,
    pub gid: u32,
    pub name: StrId,
    pub home: StrId,
    pub shell: StrId,
}

/// A group as stored.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct Group {
    pub id: u64,
    pub container: Option<Ref>,
    pub gid: u32,
    pub name: StrId,
}

/// An fd version as stored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fd {
    pub id: u64,
    pub num: i64,
    pub ty: FdType,
    pub name: StrId,
    pub nameraw: StrId,
    pub open_flags: u32,
    pub l4proto: L4Proto,
    pub client: Option<SocketAddr>,
    pub server: Option<SocketAddr>,
    pub local: LocalSide,
    pub unix_source: u64,
    pub unix_dest: u64,
    pub dev: u32,
    pub ino: u64,
    pub flags: u32,
}

impl Event {
    /// Falco's `evt.type`: the kind's name, or the syscall's name for generic events.
    pub fn type_name(&self) -> &'static str {
        match (&self.kind, &self.args) {
            (Kind::Generic, Args::Generic { nr, .. }) => {
                crate::syscalls::name(*nr).unwrap_or("syscall")
            }
            (k, _) => k.name(),
        }
    }
}
