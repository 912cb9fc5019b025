//! The records that cross the kernel boundary between rtsec's eBPF probe (`rtsec-ebpf`) and its
//! loader (`rtsec-capture`), and the configuration the loader hands the probe before load.
//!
//! Everything here is `#[repr(C)]`, fixed-size and checked at compile time, because the two halves
//! are compiled separately (for `bpfel-unknown-none` and for the host) and must agree byte for
//! byte. The `user` feature adds the userspace half: `aya::Pod` for the globals and helpers to
//! walk a record's variable part.

#![no_std]

pub mod config;
pub mod record;
pub mod spec;

pub use config::{Config, MISSING, Offsets};
pub use record::{EntrySlot, ExitRec, FileId, Header, SockTuple, SyscallRec, TaskRec};

/// Syscall numbers are below this (x86_64 is at 470 in 2026); the bitmap and tables use it.
pub const MAX_SYSCALLS: usize = 512;
/// 64-bit words in the per-syscall bitmap.
pub const BITMAP_WORDS: usize = MAX_SYSCALLS / 64;

/// Longest user string (path, name) the probe copies, NUL included; longer ones are cut and
/// flagged. `PATH_MAX` on Linux.
pub const MAX_STR: usize = 4096;
/// Bytes of a data buffer (read, write, sendto, …) the probe copies unless told otherwise
/// (`Config::snaplen`): Falco's default snaplen.
pub const SNAPLEN: usize = 80;
/// Most argv bytes kept per exec.
pub const MAX_ARGV_BYTES: usize = 4096;
/// Most argv entries kept per exec (userspace cuts here and flags it).
pub const MAX_ARGS: usize = 128;
/// Most path components walked to build an executable's path.
pub const MAX_PATH_COMPONENTS: usize = 24;
/// Bytes per executable-path component slot in an exec record: a `u16` length, then up to
/// 256 bytes of name (`NAME_MAX` + NUL).
pub const EXE_SLOT: usize = 258;

/// The probe assembles a record in a per-CPU scratch area of this size before copying it into
/// the ring. Writes start below `SCRATCH_HALF` and are at most `MAX_STR + 2` bytes long, which
/// keeps every access provably in bounds for the verifier.
pub const SCRATCH_BYTES: usize = 32768;
pub const SCRATCH_HALF: usize = 16384;

/// Blob writes into an entry copy start below this offset (a power of two: offsets are
/// masked with it so the verifier can bound every write), and are at most `MAX_STR + 2` long.
pub const ENTRY_HALF: usize = 8192;
/// Most bytes of argument blobs an entry copy holds (two paths): `spec` checks every
/// `AT_ENTRY` syscall against it.
pub const ENTRY_MAX_LEN: usize = 2 * (MAX_STR + 2);
/// Size of [`record::EntrySlot::data`]: room for a maximal write at the last start offset.
pub const ENTRY_DATA: usize = ENTRY_HALF + MAX_STR + 8;

/// Most env bytes kept per exec.
pub const MAX_ENV_BYTES: usize = 4096;

/// cgroup subsystems whose cgroup a task record can carry (`enum cgroup_subsys_id` < this).
pub const CGROUP_SUBSYS: usize = 16;

/// Slots of the per-CPU drop counter array: one per syscall number, then one per lifecycle
/// record kind (`MAX_SYSCALLS + kind`).
pub const DROP_SLOTS: u32 = MAX_SYSCALLS as u32 + 8;
