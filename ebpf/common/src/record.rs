//! Ring-buffer records.
//!
//! Every record starts with a [`Header`]; `Header::kind` says which fixed part follows
//! ([`SyscallRec`], [`TaskRec`] for fork and exec, [`ExitRec`]). After the fixed part come zero
//! or more *blobs*, each a little-endian `u16` length followed by that many bytes; which blobs a
//! record has is fixed by its kind (and, for syscalls, by [`crate::spec`]). A blob whose content
//! could not be read has length 0 and sets `FLAG_UNREADABLE` in the header.

use core::mem::size_of;

/// Record kinds (`Header::kind`).
pub mod kind {
    /// A completed syscall: [`super::SyscallRec`].
    pub const SYSCALL: u16 = 1;
    /// A new task (process or thread), from `sched_process_fork`: [`super::TaskRec`].
    pub const FORK: u16 = 2;
    /// A successful exec, from `sched_process_exec`: [`super::TaskRec`] + executable path
    /// slots, filename and argv blobs.
    pub const EXEC: u16 = 3;
    /// A task ended, from `sched_process_exit`: [`super::ExitRec`].
    pub const EXIT: u16 = 4;
}

/// Header flags (`Header::flags`).
pub mod flags {
    /// A string blob was longer than `MAX_STR` and holds the first part.
    pub const STR_TRUNCATED: u16 = 1;
    /// argv was longer than `MAX_ARGV_BYTES` and holds the first part.
    pub const ARGV_TRUNCATED: u16 = 2;
    /// An argument could not be read (bad pointer, paged out): its blob is empty.
    pub const UNREADABLE: u16 = 4;
    /// The executable path had more than `MAX_PATH_COMPONENTS` components: it holds the last
    /// ones.
    pub const EXEPATH_TRUNCATED: u16 = 8;
    /// The record ran out of scratch space: later blobs are missing.
    pub const RECORD_FULL: u16 = 16;
    /// The environment was longer than `MAX_ENV_BYTES` and holds the first part (exec).
    pub const ENV_TRUNCATED: u16 = 32;
    /// The arguments copied at syscall entry differ from what the process's memory held at
    /// exit: another thread changed them while the call ran. The record carries the entry copy.
    pub const ARG_CHANGED: u16 = 64;
    /// The entry copy could not be read (e.g. the page was not yet in memory): the record
    /// carries the exit-time read, which a racing thread could have changed.
    pub const ENTRY_UNREADABLE: u16 = 128;
    /// An open with `O_CREAT` created the file it returns (the kernel's `FMODE_CREATED`).
    pub const FILE_CREATED: u16 = 256;
}

/// Common first 40 bytes of every record.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct Header {
    /// `bpf_ktime_get_boot_ns()`: nanoseconds since boot, suspend included.
    pub ts: u64,
    /// Thread id and thread-group id (the process's pid), as the host sees them.
    pub tid: u32,
    pub pid: u32,
    /// The task's cgroup v2 id (`kernfs_node` id of its unified-hierarchy cgroup).
    pub cgroup: u64,
    /// Total record length in bytes, header included.
    pub len: u16,
    /// [`kind`].
    pub kind: u16,
    /// Syscall number for [`kind::SYSCALL`]; 0 otherwise.
    pub nr: u16,
    /// [`flags`].
    pub flags: u16,
    /// The CPU the record was made on.
    pub cpu: u32,
    pub _pad: u32,
}

/// A completed syscall. Followed by one blob per captured argument (in argument order, see
/// [`crate::spec`]) and then the extra blobs the spec asks for.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SyscallRec {
    pub hdr: Header,
    /// Return value (negative errno on failure).
    pub res: i64,
    /// The six argument registers as the process passed them.
    pub args: [u64; 6],
}

/// Facts about a task, gathered at fork (the new task) and at exec (after the new image is in
/// place). For exec, followed by `exepath_parts` fixed-size slots (`EXE_SLOT` bytes: a `u16`
/// length and the name) holding the executable's path components, leaf first (a slot may be
/// empty where the walk crossed a mount), then three blobs: the filename passed to exec, argv
/// and the environment (raw, NUL-separated). For the fork of a new process (not a thread),
/// followed by one blob: the argv it starts with (its parent's, as it is at the fork).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct TaskRec {
    pub hdr: Header,
    /// Fork: the thread that called fork/clone. Exec: 0.
    pub parent_tid: u32,
    /// The real parent's thread-group id.
    pub ppid: u32,
    /// pid and tid in the task's own pid namespace.
    pub vpid: u32,
    pub vtid: u32,
    /// Session id and process group (host pid namespace).
    pub sid: u32,
    pub pgid: u32,
    pub uid: u32,
    pub gid: u32,
    pub euid: u32,
    pub egid: u32,
    /// Audit login uid (`u32::MAX` if unset or unavailable).
    pub loginuid: u32,
    /// Controlling terminal as `new_encode_dev(major, minor)`, 0 if none.
    pub tty: u32,
    /// `rtsec_format::record::exe_flags` bits (exec only).
    pub exe_flags: u32,
    /// Number of executable-path component slots (exec only).
    pub exepath_parts: u16,
    /// pid-namespace nesting level of the task (0 = host).
    pub pidns_level: u16,
    pub cap_inheritable: u64,
    pub cap_permitted: u64,
    pub cap_effective: u64,
    /// `task->start_boottime`: ns since boot.
    pub start_boottime: u64,
    /// The task's cgroup id in each v1 hierarchy the loader asked for, by subsystem id
    /// (`enum cgroup_subsys_id`; 0 where not asked).
    pub cgroup_v1: [u64; crate::CGROUP_SUBSYS],
    /// `RLIMIT_NOFILE` soft limit.
    pub fdlimit: u64,
    /// The executable's inode number and its ctime/mtime in ns (exec only).
    pub exe_ino: u64,
    pub exe_ctime: u64,
    pub exe_mtime: u64,
    /// `start_boottime` of the init process of the task's pid namespace (ns since boot; 0 if
    /// unknown): Falco's `container.start_ts`.
    pub pidns_init_start: u64,
    pub comm: [u8; 16],
}

/// A task ended.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct ExitRec {
    pub hdr: Header,
    /// `task->exit_code`: `code << 8 | core << 7 | signal`.
    pub exit_code: u32,
    /// 1 if this was the last thread of its thread group.
    pub group_dead: u32,
}

/// A thread's copy of its syscall arguments, made at `sys_enter` for syscalls whose spec says
/// `AT_ENTRY` and used by `sys_exit` (task-local storage: one per thread, freed with it).
#[repr(C)]
pub struct EntrySlot {
    /// Syscall number + 1 of the call the copy belongs to; 0 once used (or never armed).
    pub nr: u32,
    /// Bytes of blobs in `data`, laid out as in the syscall record.
    pub len: u32,
    /// [`flags`] bits of the entry reads.
    pub flags: u32,
    pub _pad: u32,
    pub data: [u8; crate::ENTRY_DATA],
}

/// A socket's endpoints as the kernel holds them, read through the fd table (extra blob).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SockTuple {
    /// `AF_*` of the socket (0 if the fd was not a socket).
    pub family: u16,
    /// `SOCK_STREAM`, `SOCK_DGRAM`, …
    pub sock_type: u16,
    /// Local and remote ports, host byte order.
    pub lport: u16,
    pub rport: u16,
    /// Local and remote addresses: 4 bytes (network order) for AF_INET, 16 for AF_INET6.
    pub laddr: [u8; 16],
    pub raddr: [u8; 16],
    /// AF_UNIX: kernel addresses of this socket and of its peer (Falco shows them as hex).
    pub sk: u64,
    pub peer: u64,
    /// The socket's protocol (`IPPROTO_*`).
    pub protocol: u16,
    pub _pad: [u16; 3],
}

/// The identity of an opened file (extra blob for the open family).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct FileId {
    pub dev: u32,
    /// `S_IF*` bits of the inode (file type).
    pub mode: u32,
    pub ino: u64,
}

const _: () = assert!(size_of::<Header>() == 40);
const _: () = assert!(size_of::<SyscallRec>() == 96);
const _: () = assert!(size_of::<TaskRec>() == 192 - 8 + 8 * crate::CGROUP_SUBSYS);
const _: () = assert!(size_of::<EntrySlot>() == 16 + crate::ENTRY_DATA);
const _: () = assert!(size_of::<ExitRec>() == 48);
const _: () = assert!(size_of::<SockTuple>() == 64);
const _: () = assert!(size_of::<FileId>() == 16);

/// Reading records on the userspace side.
#[cfg(feature = "user")]
pub mod decode {
    use super::Header;

    /// Reads a `T` from the start of `bytes` (unaligned), if long enough.
    pub fn read<T: Copy + Default>(bytes: &[u8]) -> Option<T> {
        if bytes.len() < core::mem::size_of::<T>() {
            return None;
        }
        // SAFETY: length checked; every type here is plain old data with no invalid bit patterns.
        Some(unsafe { core::ptr::read_unaligned(bytes.as_ptr().cast::<T>()) })
    }

    /// The record's header, if `bytes` is long enough to hold one.
    pub fn header(bytes: &[u8]) -> Option<Header> {
        read::<Header>(bytes)
    }

    /// Iterates over the blobs after a record's fixed part.
    #[derive(Clone, Debug)]
    pub struct Blobs<'a> {
        rest: &'a [u8],
    }

    impl<'a> Blobs<'a> {
        pub fn new(rest: &'a [u8]) -> Self {
            Blobs { rest }
        }

        /// The next blob; `None` when the record ends (or is malformed).
        #[allow(clippy::should_implement_trait)]
        pub fn next(&mut self) -> Option<&'a [u8]> {
            if self.rest.len() < 2 {
                return None;
            }
            let len = u16::from_le_bytes([self.rest[0], self.rest[1]]) as usize;
            let body = self.rest.get(2..2 + len)?;
            self.rest = &self.rest[2 + len..];
            Some(body)
        }
    }
}
