//! The event schema of falcosecurity/libs (`driver/event_table.c`): for every event type id its
//! name, direction, flags and parameter list, plus the PPM_SC syscall names generic events refer
//! to.
//!
//! The data lives in `data/scap-event-table.tsv` and `data/ppm_sc.tsv`; `generated.rs` is written
//! from them by `tests/event_table.rs` (run it with `RTSEC_REGEN=1` after changing the data; without
//! it, the test fails when the generated file is stale).

#[rustfmt::skip]
mod generated;

pub use generated::ids;

/// Number of event type ids libs knows (`PPM_EVENT_MAX`); higher ids come from newer libs.
pub const EVENT_TYPE_COUNT: usize = generated::EVENTS.len();

/// Whether an event is a syscall's entry (`>` in sysdig) or exit (`<`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    Enter,
    Exit,
}

impl Direction {
    /// The direction of an event type id: even ids are enter events, odd ids exit events.
    pub fn of(event_type: u16) -> Direction {
        if event_type.is_multiple_of(2) {
            Direction::Enter
        } else {
            Direction::Exit
        }
    }

    /// sysdig's notation: `>` for enter, `<` for exit.
    pub fn symbol(self) -> char {
        match self {
            Direction::Enter => '>',
            Direction::Exit => '<',
        }
    }
}

/// Event flags (`EF_*` of libs); `CONVERTER_MANAGED` marks the events libs' savefile converter
/// upgrades.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct EventFlags(pub u32);

impl EventFlags {
    pub const CREATES_FD: u32 = 1 << 0;
    pub const DESTROYS_FD: u32 = 1 << 1;
    pub const USES_FD: u32 = 1 << 2;
    pub const READS_FROM_FD: u32 = 1 << 3;
    pub const WRITES_TO_FD: u32 = 1 << 4;
    pub const MODIFIES_STATE: u32 = 1 << 5;
    pub const UNUSED: u32 = 1 << 6;
    pub const WAITS: u32 = 1 << 7;
    pub const SKIPPARSERESET: u32 = 1 << 8;
    pub const OLD_VERSION: u32 = 1 << 9;
    pub const LARGE_PAYLOAD: u32 = 1 << 11;
    pub const CONVERTER_MANAGED: u32 = 1 << 12;

    /// All flag names with their bits, in the order the table writes them.
    pub const NAMES: [(&'static str, u32); 12] = [
        ("CREATES_FD", Self::CREATES_FD),
        ("DESTROYS_FD", Self::DESTROYS_FD),
        ("USES_FD", Self::USES_FD),
        ("READS_FROM_FD", Self::READS_FROM_FD),
        ("WRITES_TO_FD", Self::WRITES_TO_FD),
        ("MODIFIES_STATE", Self::MODIFIES_STATE),
        ("UNUSED", Self::UNUSED),
        ("WAITS", Self::WAITS),
        ("SKIPPARSERESET", Self::SKIPPARSERESET),
        ("OLD_VERSION", Self::OLD_VERSION),
        ("LARGE_PAYLOAD", Self::LARGE_PAYLOAD),
        ("CONVERTER_MANAGED", Self::CONVERTER_MANAGED),
    ];

    pub const fn contains(self, bits: u32) -> bool {
        self.0 & bits == bits
    }
}

/// Parameter types (`ppm_param_type`); see the reference §4.4 for their encodings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ParamType {
    Int8,
    Int16,
    Int32,
    Int64,
    UInt8,
    UInt16,
    UInt32,
    UInt64,
    CharBuf,
    ByteBuf,
    Errno,
    SockAddr,
    SockTuple,
    Fd,
    Pid,
    FdList,
    FsPath,
    SyscallId,
    SigType,
    RelTime,
    AbsTime,
    Port,
    L4Proto,
    SockFamily,
    Bool,
    Ipv4Addr,
    Dyn,
    Flags8,
    Flags16,
    Flags32,
    Uid,
    Gid,
    Double,
    SigSet,
    CharBufArray,
    CharBufPairArray,
    Ipv6Addr,
    IpAddr,
    IpNet,
    Mode,
    FsRelPath,
    EnumFlags8,
    EnumFlags16,
    EnumFlags32,
    Fd32,
    Pid32,
}

impl ParamType {
    /// Parses the type name the event table uses (`FSPATH`, `UINT32`, …).
    pub fn from_table_name(name: &str) -> Option<ParamType> {
        use ParamType::*;
        Some(match name {
            "INT8" => Int8,
            "INT16" => Int16,
            "INT32" => Int32,
            "INT64" => Int64,
            "UINT8" => UInt8,
            "UINT16" => UInt16,
            "UINT32" => UInt32,
            "UINT64" => UInt64,
            "CHARBUF" => CharBuf,
            "BYTEBUF" => ByteBuf,
            "ERRNO" => Errno,
            "SOCKADDR" => SockAddr,
            "SOCKTUPLE" => SockTuple,
            "FD" => Fd,
            "PID" => Pid,
            "FDLIST" => FdList,
            "FSPATH" => FsPath,
            "SYSCALLID" => SyscallId,
            "SIGTYPE" => SigType,
            "RELTIME" => RelTime,
            "ABSTIME" => AbsTime,
            "PORT" => Port,
            "L4PROTO" => L4Proto,
            "SOCKFAMILY" => SockFamily,
            "BOOL" => Bool,
            "IPV4ADDR" => Ipv4Addr,
            "DYN" => Dyn,
            "FLAGS8" => Flags8,
            "FLAGS16" => Flags16,
            "FLAGS32" => Flags32,
            "UID" => Uid,
            "GID" => Gid,
            "DOUBLE" => Double,
            "SIGSET" => SigSet,
            "CHARBUFARRAY" => CharBufArray,
            "CHARBUF_PAIR_ARRAY" => CharBufPairArray,
            "IPV6ADDR" => Ipv6Addr,
            "IPADDR" => IpAddr,
            "IPNET" => IpNet,
            "MODE" => Mode,
            "FSRELPATH" => FsRelPath,
            "ENUMFLAGS8" => EnumFlags8,
            "ENUMFLAGS16" => EnumFlags16,
            "ENUMFLAGS32" => EnumFlags32,
            "FD32" => Fd32,
            "PID32" => Pid32,
            _ => return None,
        })
    }

    /// Byte width of fixed-size types; `None` for variable-length ones (strings, buffers,
    /// addresses, lists, DYN). IPADDR/IPNET are 4 or 16 bytes, so also variable.
    pub const fn fixed_width(self) -> Option<usize> {
        use ParamType::*;
        match self {
            Int8 | UInt8 | Flags8 | EnumFlags8 | SigType | L4Proto | SockFamily => Some(1),
            Int16 | UInt16 | Flags16 | EnumFlags16 | SyscallId | Port => Some(2),
            Int32 | UInt32 | Flags32 | EnumFlags32 | Uid | Gid | Mode | SigSet | Bool | Fd32
            | Pid32 | Ipv4Addr => Some(4),
            Int64 | UInt64 | RelTime | AbsTime | Errno | Fd | Pid | Double => Some(8),
            Ipv6Addr => Some(16),
            CharBuf | ByteBuf | SockAddr | SockTuple | FdList | FsPath | Dyn | CharBufArray
            | CharBufPairArray | IpAddr | IpNet | FsRelPath => None,
        }
    }

    /// Width of the value libs' converter writes as a type "default" (zeros); 0 means the
    /// default is an empty parameter. Mirrors the converter's own size table.
    pub(crate) const fn default_width(self) -> usize {
        use ParamType::*;
        match self {
            Int8 | UInt8 | Flags8 | EnumFlags8 | SigType => 1,
            Int16 | UInt16 | Flags16 | EnumFlags16 | SyscallId => 2,
            Int32 | UInt32 | Flags32 | EnumFlags32 | Uid | Gid | Mode | SigSet => 4,
            Int64 | UInt64 | RelTime | AbsTime | Errno | Fd | Pid => 8,
            _ => 0,
        }
    }
}

/// One parameter of an event type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParamInfo {
    pub name: &'static str,
    pub ty: ParamType,
    /// For FSRELPATH parameters: the index of the dirfd parameter the path is relative to.
    pub dirfd_param: Option<u8>,
}

/// One event type of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventInfo {
    pub id: u16,
    /// libs' enum name, e.g. `PPME_SYSCALL_OPEN_X`.
    pub enum_name: &'static str,
    /// The event name, shared by all versions of a syscall (`evt.type`); `"syscall"` for
    /// generic events (see [`Event::type_name`](crate::Event::type_name)) and `"NA"` for unused
    /// slots.
    pub name: &'static str,
    pub dir: Direction,
    pub flags: EventFlags,
    pub params: &'static [ParamInfo],
}

impl EventInfo {
    pub fn is_old_version(&self) -> bool {
        self.flags.contains(EventFlags::OLD_VERSION)
    }
    pub fn is_unused(&self) -> bool {
        self.flags.contains(EventFlags::UNUSED)
    }
    pub fn is_large_payload(&self) -> bool {
        self.flags.contains(EventFlags::LARGE_PAYLOAD)
    }
    pub fn is_converter_managed(&self) -> bool {
        self.flags.contains(EventFlags::CONVERTER_MANAGED)
    }
    /// Index of the parameter called `name`.
    pub fn param_index(&self, name: &str) -> Option<usize> {
        self.params.iter().position(|p| p.name == name)
    }
}

/// The table entry of an event type id, `None` beyond the table (an event of a newer libs).
pub fn event_info(event_type: u16) -> Option<&'static EventInfo> {
    generated::EVENTS.get(usize::from(event_type))
}

/// All event types, indexed by id.
pub fn all_events() -> &'static [EventInfo] {
    &generated::EVENTS
}

/// The syscall name of a PPM_SC code (the `ID` parameter of generic events), e.g. 139 →
/// `madvise`; `None` for codes libs does not define.
pub fn syscall_name(ppm_sc: u16) -> Option<&'static str> {
    generated::SYSCALL_NAMES
        .get(usize::from(ppm_sc))
        .copied()
        .filter(|n| !n.is_empty())
}
