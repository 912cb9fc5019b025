//! Blocks: the frame around each compressed block, the block's contents, and decoding.
//!
//! A block is self-contained (decision 2 of DESIGN.md): its string table and record tables hold
//! everything its events refer to, so any complete block decodes alone, in any order, on any
//! thread.

use bincode::error::EncodeError;

use crate::args::Args;
use crate::error::FormatError;
use crate::kind::Kind;
use crate::meta::Losses;
use crate::strings::StringTable;
use crate::wire::{Container, Event, Fd, Group, Process, Ref, StrId, User};

/// Magic bytes at the start of every block frame (lets a salvaging reader resynchronize).
pub const BLOCK_MAGIC: [u8; 4] = *b"RTSB";
/// Size of the fixed frame header before each block's compressed payload.
pub const FRAME_HEADER_LEN: usize = 52;
/// Refuse frames claiming more than this (a corrupt length must not make us allocate gigabytes).
pub const MAX_BLOCK_BYTES: u32 = 256 << 20;

pub(crate) fn bincode_config() -> impl bincode::config::Config {
    bincode::config::standard().with_limit::<{ 1 << 30 }>()
}

/// The fixed-size header in front of each block's compressed payload.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FrameHeader {
    /// Compressed payload bytes following the header.
    pub payload_len: u32,
    /// Payload bytes after decompression.
    pub raw_len: u32,
    pub events: u32,
    /// `evt.num` of the block's first event (numbers start at 1 and run across blocks).
    pub first_event_num: u64,
    pub ts_min: u64,
    pub ts_max: u64,
    /// CRC-32 of the compressed payload.
    pub payload_crc: u32,
    pub flags: u32,
}

impl FrameHeader {
    pub fn to_bytes(&self) -> [u8; FRAME_HEADER_LEN] {
        let mut b = [0u8; FRAME_HEADER_LEN];
        b[0..4].copy_from_slice(&BLOCK_MAGIC);
        b[4..8].copy_from_slice(&self.payload_len.to_le_bytes());
        b[8..12].copy_from_slice(&self.raw_len.to_le_bytes());
        b[12..16].copy_from_slice(&self.events.to_le_bytes());
        b[16..24].copy_from_slice(&self.first_event_num.to_le_bytes());
        b[24..32].copy_from_slice(&self.ts_min.to_le_bytes());
        b[32..40].copy_from_slice(&self.ts_max.to_le_bytes());
        b[40..44].copy_from_slice(&self.payload_crc.to_le_bytes());
        b[44..48].copy_from_slice(&self.flags.to_le_bytes());
        let crc = crc32fast::hash(&b[..48]);
        b[48..52].copy_from_slice(&crc.to_le_bytes());
        b
    }

    /// Parses a frame header; `None` if the magic or the header's own checksum is wrong.
    pub fn from_bytes(b: &[u8; FRAME_HEADER_LEN]) -> Option<FrameHeader> {
        let u32_at = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().unwrap());
        let u64_at = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().unwrap());
        if b[0..4] != BLOCK_MAGIC || crc32fast::hash(&b[..48]) != u32_at(48) {
            return None;
        }
        Some(FrameHeader {
            payload_len: u32_at(4),
            raw_len: u32_at(8),
            events: u32_at(12),
            first_event_num: u64_at(16),
            ts_min: u64_at(24),
            ts_max: u64_at(32),
            payload_crc: u32_at(40),
            flags: u32_at(44),
        })
    }
}

/// A decoded block: its records, its events, and the losses known when it was cut.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Block {
    /// Position of the block in its file (0-based) and the file offset of its frame.
    pub index: u32,
    pub offset: u64,
    pub first_event_num: u64,
    pub strings: StringTable,
    pub containers: Vec<Container>,
    pub users: Vec<User>,
    pub groups: Vec<Group>,
    /// Ordered so that a parent always comes before its children.
    pub processes: Vec<Process>,
    pub fds: Vec<Fd>,
    pub events: Vec<Event>,
    /// Cumulative losses of the source when this block was cut: a trace without a footer still
    /// reports its drops.
    pub losses: Losses,
}

/// One event with everything needed to look up its records.
#[derive(Clone, Copy, Debug)]
pub struct EventView<'a> {
    pub block: &'a Block,
    pub event: &'a Event,
    /// Falco's `evt.num`.
    pub num: u64,
}

impl Block {
    #[inline]
    pub fn str(&self, id: StrId) -> &[u8] {
        self.strings.get(id)
    }
    #[inline]
    pub fn process(&self, r: Ref) -> Option<&Process> {
        self.processes.get(r as usize)
    }
    #[inline]
    pub fn fd(&self, r: Ref) -> Option<&Fd> {
        self.fds.get(r as usize)
    }
    #[inline]
    pub fn container(&self, r: Ref) -> Option<&Container> {
        self.containers.get(r as usize)
    }
    #[inline]
    pub fn user(&self, r: Ref) -> Option<&User> {
        self.users.get(r as usize)
    }
    #[inline]
    pub fn group(&self, r: Ref) -> Option<&Group> {
        self.groups.get(r as usize)
    }

    /// The parent record of `p`, if it is known.
    #[inline]
    pub fn parent(&self, p: &Process) -> Option<&Process> {
        p.parent.and_then(|r| self.process(r))
    }

    /// The `i`-th event of the block.
    pub fn event(&self, i: usize) -> Option<EventView<'_>> {
        self.events.get(i).map(|event| EventView {
            block: self,
            event,
            num: self.first_event_num + i as u64,
        })
    }

    /// All events in order.
    pub fn events(&self) -> impl ExactSizeIterator<Item = EventView<'_>> + '_ {
        self.events
            .iter()
            .enumerate()
            .map(move |(i, event)| EventView {
                block: self,
                event,
                num: self.first_event_num + i as u64,
            })
    }

    /// Encodes the block's contents (everything but the frame fields).
    pub(crate) fn encode_body(&self) -> Result<Vec<u8>, EncodeError> {
        crate::body::encode(self)
    }

    /// Decodes and checks a block's contents.
    pub(crate) fn decode_body(raw: &[u8], frame: &FrameHeader) -> Result<Block, String> {
        let mut b = Block::default();
        b.decode_body_into(raw, frame)?;
        Ok(b)
    }

    /// Like [`Block::decode_body`], into this block's allocations.
    pub(crate) fn decode_body_into(
        &mut self,
        raw: &[u8],
        frame: &FrameHeader,
    ) -> Result<(), String> {
        crate::body::decode_into(raw, frame.events as usize, self)?;
        self.first_event_num = frame.first_event_num;
        self.check_refs()
    }

    /// Every record link points inside the block and parents come before children (so ancestor
    /// walks always end). Event links are checked while decoding; strings need no check:
    /// `StringTable::get` is total.
    fn check_refs(&self) -> Result<(), String> {
        let within = |r: Option<Ref>, len: usize, what: &str| match r {
            Some(r) if r as usize >= len => Err(format!("{what} reference {r} out of range")),
            _ => Ok(()),
        };
        for u in &self.users {
            within(u.container, self.containers.len(), "user container")?;
        }
        for g in &self.groups {
            within(g.container, self.containers.len(), "group container")?;
        }
        for (i, p) in self.processes.iter().enumerate() {
            within(p.parent, i, "parent")?;
            within(p.container, self.containers.len(), "container")?;
            within(p.user, self.users.len(), "user")?;
            within(p.loginuser, self.users.len(), "login user")?;
            within(p.group, self.groups.len(), "group")?;
        }
        Ok(())
    }
}

impl<'a> EventView<'a> {
    #[inline]
    pub fn str(&self, id: StrId) -> &'a [u8] {
        self.block.strings.get(id)
    }
    #[inline]
    pub fn process(&self) -> Option<&'a Process> {
        self.event.proc.and_then(|r| self.block.process(r))
    }
    #[inline]
    pub fn fd(&self) -> Option<&'a Fd> {
        self.event.fd.and_then(|r| self.block.fd(r))
    }
    /// The container of the event's process (`None` on the host or if unknown).
    #[inline]
    pub fn container(&self) -> Option<&'a Container> {
        self.process()
            .and_then(|p| p.container)
            .and_then(|r| self.block.container(r))
    }
    #[inline]
    pub fn kind(&self) -> Kind {
        self.event.kind
    }
    #[inline]
    pub fn args(&self) -> &'a Args<StrId> {
        &self.event.args
    }
    /// Falco's `evt.type`.
    pub fn type_name(&self) -> &'static str {
        self.event.type_name()
    }
}

/// Decompresses and decodes a block payload, checking its checksum first.
pub(crate) fn decode_payload(
    frame: &FrameHeader,
    payload: &[u8],
    index: u32,
    offset: u64,
) -> Result<Block, FormatError> {
    let mut b = Block::default();
    decode_payload_into(frame, payload, index, offset, &mut b)?;
    Ok(b)
}

/// Like [`decode_payload`], into `b`'s allocations.
pub(crate) fn decode_payload_into(
    frame: &FrameHeader,
    payload: &[u8],
    index: u32,
    offset: u64,
    b: &mut Block,
) -> Result<(), FormatError> {
    let corrupt = |reason: String| FormatError::CorruptBlock {
        block: index,
        offset,
        reason,
    };
    if crc32fast::hash(payload) != frame.payload_crc {
        return Err(corrupt("checksum mismatch".into()));
    }
    if frame.raw_len > MAX_BLOCK_BYTES {
        return Err(corrupt(format!(
            "claims {} bytes uncompressed",
            frame.raw_len
        )));
    }
    // One decompression context and buffer per thread, reused block after block: replay
    // decodes thousands of blocks, and fresh multi-megabyte buffers cost page faults.
    thread_local! {
        static SCRATCH: std::cell::RefCell<(Option<zstd::bulk::Decompressor<'static>>, Vec<u8>)> =
            const { std::cell::RefCell::new((None, Vec::new())) };
    }
    SCRATCH
        .with_borrow_mut(|(dctx, buf)| {
            let dctx = match dctx {
                Some(d) => d,
                None => {
                    dctx.insert(zstd::bulk::Decompressor::new().map_err(|e| format!("zstd: {e}"))?)
                }
            };
            buf.clear();
            buf.reserve(frame.raw_len as usize);
            let n = dctx
                .decompress_to_buffer(payload, buf)
                .map_err(|e| format!("zstd: {e}"))?;
            if n != frame.raw_len as usize {
                return Err(format!(
                    "decompressed to {n} bytes, frame says {}",
                    frame.raw_len
                ));
            }
            let r = b.decode_body_into(buf, frame);
            // Keep the buffer for the next block unless it grew unusually large.
            if buf.capacity() > 64 << 20 {
                *buf = Vec::new();
            }
            r
        })
        .map_err(corrupt)?;
    b.index = index;
    b.offset = offset;
    Ok(())
}
