//! The metadata blocks at the head of each section: section header, machine info, interface
//! list, user list, process list and fd lists (reference §3). Each parser turns one block body
//! into owned records; strings are bytes, as on disk (Linux names need not be UTF-8).

mod fdlist;
mod proclist;
mod small;

use std::net::IpAddr;

pub use fdlist::{FdEntry, FdTarget};
pub use proclist::ThreadEntry;

pub(crate) use fdlist::parse_fdlist;
pub(crate) use proclist::parse_proclist;
pub(crate) use small::{
    SHB_MAGIC, parse_iflist, parse_machine_info, parse_section_header, parse_userlist,
};

/// Owned bytes (paths, names, argv entries).
pub type Bytes = Vec<u8>;

/// Block type ids (reference §2). The `*_LEGACY` ids are the pre-2018 "internal" numbering.
pub mod block_type {
    pub const SECTION_HEADER: u32 = 0x0A0D_0D0A;
    pub const MACHINE_INFO: u32 = 0x201;
    pub const MACHINE_INFO_LEGACY: u32 = 0x8002_ABCD;
    pub const PROCLIST_V1: u32 = 0x202;
    pub const PROCLIST_V1_LEGACY: u32 = 0x8000_ABCD;
    pub const PROCLIST_V2: u32 = 0x207;
    pub const PROCLIST_V2_LEGACY: u32 = 0x8013_ABCD;
    pub const PROCLIST_V3: u32 = 0x209;
    pub const PROCLIST_V3_LEGACY: u32 = 0x8014_ABCD;
    pub const PROCLIST_V4: u32 = 0x210;
    pub const PROCLIST_V5: u32 = 0x211;
    pub const PROCLIST_V6: u32 = 0x212;
    pub const PROCLIST_V7: u32 = 0x213;
    pub const PROCLIST_V8: u32 = 0x214;
    pub const PROCLIST_V9: u32 = 0x215;
    pub const FDLIST_V1: u32 = 0x203;
    pub const FDLIST_V1_LEGACY: u32 = 0x8001_ABCD;
    pub const FDLIST_V2: u32 = 0x218;
    pub const EVENT_V1: u32 = 0x204;
    pub const EVENT_V1_LEGACY: u32 = 0x8010_ABCD;
    pub const EVENT_V2: u32 = 0x216;
    pub const EVENT_V2_LARGE: u32 = 0x221;
    pub const EVENT_FLAGS_V1: u32 = 0x208;
    pub const EVENT_FLAGS_V2: u32 = 0x217;
    pub const EVENT_FLAGS_V2_LARGE: u32 = 0x222;
    pub const IFLIST_V1: u32 = 0x205;
    pub const IFLIST_V1_LEGACY: u32 = 0x8011_ABCD;
    pub const IFLIST_V2: u32 = 0x219;
    pub const USERLIST_V1: u32 = 0x206;
    pub const USERLIST_V1_LEGACY: u32 = 0x8012_ABCD;
    pub const USERLIST_V2: u32 = 0x220;

    /// Process-list format version (1–9) of a process-list block type.
    pub fn proclist_version(block_type: u32) -> Option<u8> {
        Some(match block_type {
            PROCLIST_V1 | PROCLIST_V1_LEGACY => 1,
            PROCLIST_V2 | PROCLIST_V2_LEGACY => 2,
            PROCLIST_V3 | PROCLIST_V3_LEGACY => 3,
            PROCLIST_V4 => 4,
            PROCLIST_V5 => 5,
            PROCLIST_V6 => 6,
            PROCLIST_V7 => 7,
            PROCLIST_V8 => 8,
            PROCLIST_V9 => 9,
            _ => return None,
        })
    }
}

/// Why a metadata block body could not be parsed: what, and where inside the body.
#[derive(Debug)]
pub(crate) struct MetaError {
    pub pos: usize,
    pub what: String,
}

impl MetaError {
    pub fn new(pos: usize, what: impl Into<String>) -> Self {
        MetaError {
            pos,
            what: what.into(),
        }
    }
}

/// A section header block: the start of a capture (files made with `cat a.scap b.scap` have
/// several).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SectionHeader {
    /// Offset of the block in the (uncompressed) stream.
    pub offset: u64,
    pub major: u16,
    pub minor: u16,
    /// −1 when unknown (libscap always writes −1).
    pub section_length: i64,
    /// Bytes of pcapng options after the header (e.g. comments added by editcap); skipped.
    pub options_len: usize,
}

/// The machine the capture was taken on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MachineInfo {
    pub num_cpus: u32,
    pub memory_size_bytes: u64,
    pub max_pid: u64,
    pub hostname: Bytes,
    /// Boot time, ns since the epoch; 0 in files older than ~2023.
    pub boot_ts_epoch: u64,
    pub flags: u64,
}

/// One address of a network interface.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interface {
    pub name: Bytes,
    pub addr: IpAddr,
    pub netmask: IpAddr,
    pub bcast: IpAddr,
    /// 0 when the entry had no link speed.
    pub linkspeed: u64,
}

/// A user of the host, from the user list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct User {
    pub uid: u32,
    pub gid: u32,
    pub name: Bytes,
    pub home: Bytes,
    pub shell: Bytes,
}

/// A group of the host, from the user list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Group {
    pub gid: u32,
    pub name: Bytes,
}

/// Splits a NUL-separated list (argv, env, cgroups) into its items; a final NUL does not make an
/// extra empty item.
pub(crate) fn split_nul_list(raw: &[u8]) -> Vec<Bytes> {
    let raw = raw.strip_suffix(&[0]).unwrap_or(raw);
    if raw.is_empty() {
        return Vec::new();
    }
    raw.split(|b| *b == 0).map(<[u8]>::to_vec).collect()
}

#[cfg(test)]
mod tests;
