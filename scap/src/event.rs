//! Events: decoding the header and parameter lengths of an event block (reference §4), and the
//! [`Event`] view handed to users.
//!
//! An event's parameters are described by [`Slot`]s, each pointing into one of a few buffers:
//! the block just read, the stored enter event whose parameters were merged in, a run of zeros
//! (libs' "default" values) or a scratch buffer. This lets the converter rearrange parameters
//! without copying them.

use std::fmt;

use crate::table::{Direction, EventFlags, EventInfo, ParamInfo, event_info, ids, syscall_name};
use crate::value::{Value, decode};

/// Source buffer of a parameter's bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Src {
    Block,
    Enter,
    Zeros,
    Scratch,
}

/// Where one parameter's bytes are; `len == 0` means the parameter is absent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Slot {
    pub src: Src,
    pub off: u32,
    pub len: u32,
}

impl Slot {
    pub const EMPTY: Slot = Slot {
        src: Src::Block,
        off: 0,
        len: 0,
    };
}

pub(crate) static ZEROS: [u8; 16] = [0; 16];

/// The header fields of one event as read from its block.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Header {
    pub ts: u64,
    pub tid: i64,
    pub cpu: u16,
    pub dump_flags: u32,
    pub event_type: u16,
    /// Parameter count in the file (inferred for v1 events).
    pub nparams: u32,
    /// The event's `len` field (whole event, header included; v1 quirks corrected).
    pub len: u32,
}

/// Why an event could not be decoded.
#[derive(Debug)]
pub(crate) enum DecodeError {
    /// Type id beyond the table: from a newer libs.
    UnknownType(u16),
    /// Lengths that contradict each other.
    Malformed(String),
}

/// Layout of an event block body.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BlockLayout {
    /// EVF blocks carry 32 bits of dump flags after the cpu id.
    pub has_flags: bool,
    /// V2 headers carry `nparams`; v1 headers (pre-2019) do not.
    pub v2: bool,
}

impl BlockLayout {
    fn prefix(self) -> usize {
        if self.has_flags { 6 } else { 2 }
    }
    fn header_len(self) -> usize {
        if self.v2 { 26 } else { 22 }
    }
}

/// The `len` field of the event in a block body, to check framing when the trailer is damaged.
pub(crate) fn peek_event_len(body: &[u8], layout: BlockLayout) -> Option<u32> {
    let at = layout.prefix() + 16;
    Some(u32::from_le_bytes(body.get(at..at + 4)?.try_into().ok()?))
}

/// Decodes the event in an event block body; its parameters go to `slots` as offsets into `body`.
pub(crate) fn decode_event(
    body: &[u8],
    layout: BlockLayout,
    slots: &mut Vec<Slot>,
) -> Result<Header, DecodeError> {
    slots.clear();
    let prefix = layout.prefix();
    let hlen = layout.header_len();
    if body.len() < prefix + hlen {
        return Err(DecodeError::Malformed(format!(
            "event block body of {} bytes is too short",
            body.len()
        )));
    }
    let rd = |at: usize, n: usize| crate::cursor::le_u64(&body[prefix + at..prefix + at + n]);
    let mut h = Header {
        cpu: u16::from_le_bytes([body[0], body[1]]),
        dump_flags: if layout.has_flags {
            crate::cursor::le_u64(&body[2..6]) as u32
        } else {
            0
        },
        ts: rd(0, 8),
        tid: rd(8, 8) as i64,
        len: rd(16, 4) as u32,
        event_type: rd(20, 2) as u16,
        nparams: 0,
    };
    let Some(info) = event_info(h.event_type) else {
        return Err(DecodeError::UnknownType(h.event_type));
    };
    if !layout.v2
        && (h.event_type == ids::PPME_NOTIFICATION_E
            || h.event_type == ids::PPME_INFRASTRUCTURE_EVENT_E)
    {
        // Old captures wrote these two with a length 3 bytes too large.
        h.len = h.len.saturating_sub(3);
    }
    let len = h.len as usize;
    if len < hlen || len > body.len() - prefix {
        return Err(DecodeError::Malformed(format!(
            "event length {} does not fit its block ({} bytes after the block prefix)",
            h.len,
            body.len() - prefix
        )));
    }
    let event = &body[prefix..prefix + len];
    let lens_at = hlen;
    if layout.v2 {
        h.nparams = rd(22, 4) as u32;
        let width = if info.is_large_payload() { 4 } else { 2 };
        let lens_end = (h.nparams as u64) * width + lens_at as u64;
        if lens_end > len as u64 {
            return Err(DecodeError::Malformed(format!(
                "{} parameters do not fit an event of {len} bytes",
                h.nparams
            )));
        }
        let mut off = lens_end as usize;
        for i in 0..h.nparams as usize {
            let at = lens_at + i * width as usize;
            let plen = crate::cursor::le_u64(&event[at..at + width as usize]) as usize;
            if plen > len - off {
                return Err(DecodeError::Malformed(format!(
                    "parameter {i} of {plen} bytes runs past the event ({len} bytes)"
                )));
            }
            slots.push(Slot {
                src: Src::Block,
                off: (prefix + off) as u32,
                len: plen as u32,
            });
            off += plen;
        }
    } else {
        // No parameter count on disk: the largest count whose lengths add up to the event's
        // length, starting from the current table's count (libscap does the same).
        let lens = |n: usize| -> Option<usize> {
            let lens_end = lens_at + 2 * n;
            if lens_end > len {
                return None;
            }
            let sum: usize = (0..n)
                .map(|i| {
                    usize::from(u16::from_le_bytes([
                        event[lens_at + 2 * i],
                        event[lens_at + 2 * i + 1],
                    ]))
                })
                .sum();
            (lens_end + sum == len).then_some(lens_end)
        };
        let Some((n, lens_end)) = (0..=info.params.len())
            .rev()
            .find_map(|n| lens(n).map(|e| (n, e)))
        else {
            return Err(DecodeError::Malformed(format!(
                "cannot infer the parameter count of a v1 {} event of {len} bytes",
                info.name
            )));
        };
        h.nparams = n as u32;
        let mut off = lens_end;
        for i in 0..n {
            let plen = usize::from(u16::from_le_bytes([
                event[lens_at + 2 * i],
                event[lens_at + 2 * i + 1],
            ]));
            slots.push(Slot {
                src: Src::Block,
                off: (prefix + off) as u32,
                len: plen as u32,
            });
            off += plen;
        }
    }
    Ok(h)
}

/// One event, as yielded by the reader: a view that borrows the reader's buffers until the next
/// call. [`Event::to_owned`] makes an [`OwnedEvent`] that outlives it.
#[derive(Clone, Copy)]
pub struct Event<'a> {
    /// Timestamp, ns since the epoch.
    pub ts: u64,
    /// Host thread id; −1 for events that belong to no thread (container, user/group events).
    pub tid: i64,
    pub cpu: u16,
    /// Dump flags of EVF blocks (bit 0: use for state only, do not show); 0 otherwise.
    pub dump_flags: u32,
    /// Offset of the event's block in the (uncompressed) stream.
    pub offset: u64,
    pub(crate) info: &'static EventInfo,
    pub(crate) slots: &'a [Slot],
    pub(crate) block: &'a [u8],
    pub(crate) enter: &'a [u8],
    pub(crate) scratch: &'a [u8],
}

impl<'a> Event<'a> {
    /// The event type id (libs' `PPME_*`; after normalisation, the current version's id).
    pub fn event_type(&self) -> u16 {
        self.info.id
    }

    /// The table entry of the event type.
    pub fn info(&self) -> &'static EventInfo {
        self.info
    }

    /// The event name of the table (`open`, `execve`, `syscall` for generic events, …).
    pub fn name(&self) -> &'static str {
        self.info.name
    }

    /// The name Falco's `evt.type` shows: the table name, except for generic events, which are
    /// named after the syscall in their `ID` parameter (e.g. `madvise`).
    pub fn type_name(&self) -> &'static str {
        if (self.info.id == ids::PPME_GENERIC_E || self.info.id == ids::PPME_GENERIC_X)
            && let Value::SyscallId(id) = self.param(0)
        {
            return syscall_name(id).unwrap_or("<unknown>");
        }
        self.info.name
    }

    pub fn direction(&self) -> Direction {
        self.info.dir
    }

    pub fn flags(&self) -> EventFlags {
        self.info.flags
    }

    /// True if an EVF block marked the event "for state tracking only".
    pub fn is_state_only(&self) -> bool {
        self.dump_flags & 1 != 0
    }

    /// Number of parameters the event carries (after normalisation: the table's count).
    pub fn nparams(&self) -> usize {
        self.slots.len()
    }

    /// The raw bytes of parameter `i`; `None` if it is absent (zero-length or beyond the count).
    pub fn raw_param(&self, i: usize) -> Option<&'a [u8]> {
        let slot = self.slots.get(i)?;
        if slot.len == 0 {
            return None;
        }
        let (start, end) = (slot.off as usize, slot.off as usize + slot.len as usize);
        match slot.src {
            Src::Block => self.block.get(start..end),
            Src::Enter => self.enter.get(start..end),
            Src::Scratch => self.scratch.get(start..end),
            Src::Zeros => ZEROS.get(..slot.len as usize),
        }
    }

    /// The table's description of parameter `i`.
    pub fn param_info(&self, i: usize) -> Option<&'static ParamInfo> {
        self.info.params.get(i)
    }

    /// Parameter `i`, decoded per its type.
    pub fn param(&self, i: usize) -> Value<'a> {
        match (self.param_info(i), self.raw_param(i)) {
            (Some(p), Some(raw)) => decode(p.ty, raw, p.dirfd_param),
            _ => Value::Absent,
        }
    }

    /// The parameter called `name` (`fd`, `name`, `res`, …), decoded; absent if the event type
    /// has no such parameter.
    pub fn param_by_name(&self, name: &str) -> Value<'a> {
        self.info
            .param_index(name)
            .map_or(Value::Absent, |i| self.param(i))
    }

    /// All parameters with their names, in order.
    pub fn params(&self) -> impl Iterator<Item = (&'static str, Value<'a>)> + '_ {
        (0..self.nparams()).filter_map(move |i| Some((self.param_info(i)?.name, self.param(i))))
    }

    /// Copies the event out of the reader's buffers.
    pub fn to_owned(&self) -> OwnedEvent {
        let mut data = Vec::new();
        let mut slots = Vec::with_capacity(self.slots.len());
        for i in 0..self.slots.len() {
            let raw = self.raw_param(i).unwrap_or_default();
            slots.push(Slot {
                src: Src::Block,
                off: data.len() as u32,
                len: raw.len() as u32,
            });
            data.extend_from_slice(raw);
        }
        OwnedEvent {
            ts: self.ts,
            tid: self.tid,
            cpu: self.cpu,
            dump_flags: self.dump_flags,
            offset: self.offset,
            info: self.info,
            data,
            slots,
        }
    }
}

impl fmt::Debug for Event<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {}{} (",
            self.ts,
            self.cpu,
            self.tid,
            self.info.dir.symbol(),
            self.type_name()
        )?;
        for (i, (name, value)) in self.params().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{name}={value}")?;
        }
        f.write_str(")")
    }
}

/// An event that owns its parameter bytes; [`OwnedEvent::view`] gives the same accessors as
/// [`Event`].
#[derive(Clone)]
pub struct OwnedEvent {
    pub ts: u64,
    pub tid: i64,
    pub cpu: u16,
    pub dump_flags: u32,
    pub offset: u64,
    info: &'static EventInfo,
    data: Vec<u8>,
    slots: Vec<Slot>,
}

impl OwnedEvent {
    pub fn view(&self) -> Event<'_> {
        Event {
            ts: self.ts,
            tid: self.tid,
            cpu: self.cpu,
            dump_flags: self.dump_flags,
            offset: self.offset,
            info: self.info,
            slots: &self.slots,
            block: &self.data,
            enter: &[],
            scratch: &[],
        }
    }
}

impl fmt::Debug for OwnedEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.view().fmt(f)
    }
}
