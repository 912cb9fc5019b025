//! The reader: walks the blocks of a capture, yields metadata records and events, and stops at
//! the first damage with an error that names the offset.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::io::{self, Read};
use std::path::Path;

use crate::convert::{Converter, Outcome, Work};
use crate::error::ScapError;
use crate::event::{
    BlockLayout, DecodeError, Event, Header, OwnedEvent, decode_event, peek_event_len,
};
use crate::input::{Fill, Input};
use crate::item::Item;
use crate::meta::block_type as bt;
use crate::meta::{self, MetaError};
use crate::stats::{Degraded, Skip, Stats};
use crate::table::{EventInfo, event_info};

/// Largest block accepted other than non-large event blocks: far above real process lists,
/// small enough that a corrupt length is caught before it eats the rest of the file.
const MAX_BLOCK: u32 = 256 << 20;
/// Non-large event blocks fit libscap's 64 KiB read buffer.
const MAX_EVENT_BLOCK: u32 = 8 + 64 * 1024;

/// How events are handed out.
#[derive(Clone, Copy, Debug)]
pub struct ReadOptions {
    /// Normalise old events as libs' converter does (the default): current versions only, exit
    /// events complete, enter events dropped when their exit carries everything. Off: every
    /// event as found in the file.
    pub normalize: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions { normalize: true }
    }
}

enum Step {
    /// Records were queued or a block skipped: look again.
    Again,
    /// An event is ready.
    Event,
    Eof,
}

/// Streaming reader of one `.scap` capture (plain or gzip, one or more sections).
///
/// [`next_item`](ScapReader::next_item) lends each event until the next call (no copy, no
/// allocation per event); [`into_owned`](ScapReader::into_owned) is a standard iterator of owned
/// items.
pub struct ScapReader {
    input: Input,
    options: ReadOptions,
    stats: Stats,
    pending: VecDeque<Item<Infallible>>,
    block: Vec<u8>,
    block_offset: u64,
    header: Header,
    info: Option<&'static EventInfo>,
    work: Work,
    converter: Converter,
    seen_section: bool,
    done: bool,
}

impl ScapReader {
    /// Opens a capture file.
    pub fn open(path: impl AsRef<Path>) -> Result<ScapReader, ScapError> {
        Ok(ScapReader::new(Input::open(path.as_ref())?))
    }

    /// Reads a capture from any reader; `name` is used in error messages.
    pub fn from_reader<R: Read + Send + 'static>(
        reader: R,
        name: impl Into<String>,
    ) -> Result<ScapReader, ScapError> {
        Ok(ScapReader::new(Input::from_reader(reader, name.into())?))
    }

    fn new(input: Input) -> ScapReader {
        ScapReader {
            input,
            options: ReadOptions::default(),
            stats: Stats::default(),
            pending: VecDeque::new(),
            block: Vec::with_capacity(64 * 1024),
            block_offset: 0,
            header: Header::default(),
            info: None,
            work: Work::default(),
            converter: Converter::default(),
            seen_section: false,
            done: false,
        }
    }

    pub fn with_options(mut self, options: ReadOptions) -> ScapReader {
        self.options = options;
        self
    }

    /// Counters of what was read, skipped and converted so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// True if the input is gzip-compressed (offsets then count uncompressed bytes).
    pub fn is_compressed(&self) -> bool {
        self.input.compressed
    }

    /// Bytes of the (uncompressed) stream consumed so far.
    pub fn offset(&self) -> u64 {
        self.input.offset
    }

    /// The next record, `None` at the end. After an error, `None` follows.
    #[allow(clippy::should_implement_trait)] // lends the event: not an `Iterator`
    pub fn next_item(&mut self) -> Option<Result<Item<Event<'_>>, ScapError>> {
        loop {
            if let Some(record) = self.pending.pop_front() {
                self.stats.metadata_records += 1;
                return Some(Ok(record.map_event(|never| match never {})));
            }
            if self.done {
                return None;
            }
            match self.step() {
                Ok(Step::Again) => {}
                Ok(Step::Event) => break,
                Ok(Step::Eof) => {
                    self.done = true;
                    return None;
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
        self.stats.events_yielded += 1;
        let info = self.info?;
        Some(Ok(Item::Event(Event {
            ts: self.header.ts,
            tid: self.header.tid,
            cpu: self.header.cpu,
            dump_flags: self.header.dump_flags,
            offset: self.block_offset,
            info,
            slots: &self.work.slots,
            block: &self.block,
            // Only converted events point into a stored enter event.
            enter: if self.work.converted {
                self.converter.enter_bytes(self.header.tid)
            } else {
                &[]
            },
            scratch: &self.work.scratch,
        })))
    }

    /// A standard iterator of owned items (copies each event once).
    pub fn into_owned(self) -> OwnedItems {
        OwnedItems { reader: self }
    }

    fn step(&mut self) -> Result<Step, ScapError> {
        let start = self.input.offset;
        let mut head = [0u8; 8];
        match self.input.fill(&mut head) {
            Fill::Full => {}
            Fill::Eof { got: 0 } if self.seen_section => return Ok(Step::Eof),
            Fill::Eof { got } if !self.seen_section => {
                return Err(self.not_scap(start, format!("the input holds only {got} bytes")));
            }
            Fill::Eof { got } => {
                return Err(
                    self.truncated(start, format!("block header cut after {got} of 8 bytes"))
                );
            }
            Fill::Failed { error, .. } => return Err(self.read_error(error, "a block header")),
        }
        let ty = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
        let total = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
        if !self.seen_section && ty != bt::SECTION_HEADER {
            return Err(self.not_scap(
                start,
                format!("the first block has type {ty:#010x}, not a section header"),
            ));
        }
        let event_layout = event_layout(ty);
        let large = matches!(ty, bt::EVENT_V2_LARGE | bt::EVENT_FLAGS_V2_LARGE);
        let limit = if event_layout.is_some() && !large {
            MAX_EVENT_BLOCK
        } else {
            MAX_BLOCK
        };
        if total < 12 || total > limit {
            return Err(self.corrupt(
                start,
                format!("block of type {ty:#x} declares {total} bytes (allowed: 12 to {limit})"),
            ));
        }
        self.block.clear();
        match self.input.append(&mut self.block, total as usize - 8) {
            Fill::Full => {}
            Fill::Eof { got } => {
                return Err(self.truncated(
                    start,
                    format!(
                        "block of type {ty:#x} declares {total} bytes but the input ends after {}",
                        got + 8
                    ),
                ));
            }
            Fill::Failed { error, .. } => return Err(self.read_error(error, "a block")),
        }
        self.block_offset = start;
        self.stats.blocks += 1;
        let body_len = total as usize - 12;
        let trailer = u32::from_le_bytes(
            self.block[body_len..body_len + 4]
                .try_into()
                .unwrap_or_default(),
        );

        if let Some(layout) = event_layout {
            return self.event_block(layout, body_len, total, trailer);
        }
        if trailer != total {
            return Err(self.corrupt(
                start,
                format!(
                    "block of type {ty:#x} ends with length {trailer}, its header says {total}"
                ),
            ));
        }
        let body = &self.block[..body_len];
        let at = |e: MetaError| (start + 8 + e.pos as u64, e.what);
        match ty {
            bt::SECTION_HEADER => {
                let (magic, section) = meta::parse_section_header(body, start).map_err(|e| {
                    let (off, what) = at(e);
                    self.corrupt(off, what)
                })?;
                if magic != meta::SHB_MAGIC {
                    let what = if magic == meta::SHB_MAGIC.swap_bytes() {
                        "big-endian section header (libscap never supported those)".to_string()
                    } else {
                        format!(
                            "section header with magic {magic:#010x}, expected {:#010x}",
                            meta::SHB_MAGIC
                        )
                    };
                    return Err(if self.seen_section {
                        self.corrupt(start, what)
                    } else {
                        self.not_scap(start, what)
                    });
                }
                if section.major > 1 {
                    return Err(ScapError::UnsupportedVersion {
                        file: self.input.name.clone(),
                        at: self.input.position_at(start),
                        major: section.major,
                        minor: section.minor,
                    });
                }
                self.seen_section = true;
                self.stats.sections += 1;
                self.converter.clear();
                self.pending.push_back(Item::Section(section));
            }
            bt::MACHINE_INFO | bt::MACHINE_INFO_LEGACY => {
                let mi = meta::parse_machine_info(body).map_err(|e| self.meta_error(start, e))?;
                self.pending.push_back(Item::Machine(mi));
            }
            bt::IFLIST_V1 | bt::IFLIST_V1_LEGACY | bt::IFLIST_V2 => {
                let list = meta::parse_iflist(body, ty).map_err(|e| self.meta_error(start, e))?;
                self.pending.extend(list.into_iter().map(Item::Interface));
            }
            bt::USERLIST_V1 | bt::USERLIST_V1_LEGACY | bt::USERLIST_V2 => {
                let (users, groups) =
                    meta::parse_userlist(body, ty).map_err(|e| self.meta_error(start, e))?;
                self.pending.extend(users.into_iter().map(Item::User));
                self.pending.extend(groups.into_iter().map(Item::Group));
            }
            bt::FDLIST_V1 | bt::FDLIST_V1_LEGACY | bt::FDLIST_V2 => {
                let list = meta::parse_fdlist(body, ty).map_err(|e| self.meta_error(start, e))?;
                self.pending.extend(list.into_iter().map(Item::Fd));
            }
            _ => match bt::proclist_version(ty) {
                Some(version) => {
                    let list = meta::parse_proclist(body, version)
                        .map_err(|e| self.meta_error(start, e))?;
                    self.pending
                        .extend(list.into_iter().map(|t| Item::Thread(Box::new(t))));
                }
                None => self
                    .stats
                    .skip(Skip::UnknownBlock { block_type: ty }, start),
            },
        }
        Ok(Step::Again)
    }

    fn event_block(
        &mut self,
        layout: BlockLayout,
        body_len: usize,
        total: u32,
        trailer: u32,
    ) -> Result<Step, ScapError> {
        let start = self.block_offset;
        let body = &self.block[..body_len];
        if trailer != total {
            // The trailer alone may be damaged: accept the block if the event's own length
            // accounts for the block length, as the writer computes it.
            let prefix = if layout.has_flags { 6 } else { 2 };
            let framed = peek_event_len(body, layout).is_some_and(|len| {
                (8 + prefix + len as usize + 4).next_multiple_of(4) == total as usize
            });
            if !framed {
                return Err(self.corrupt(
                    start,
                    format!("event block ends with length {trailer}, its header says {total}"),
                ));
            }
            self.stats.degrade(Degraded::BadTrailer);
        }
        self.stats.events_read += 1;
        self.header = match decode_event(body, layout, &mut self.work.slots) {
            Ok(h) => h,
            Err(DecodeError::UnknownType(event_type)) => {
                self.stats
                    .skip(Skip::UnknownEventType { event_type }, start);
                return Ok(Step::Again);
            }
            Err(DecodeError::Malformed(what)) => {
                self.stats.skip(Skip::MalformedEvent, start);
                self.stats.first_malformed.get_or_insert((start, what));
                return Ok(Step::Again);
            }
        };
        self.work.event_type = self.header.event_type;
        self.work.scratch.clear();
        self.work.converted = false;
        if self.options.normalize {
            let outcome = self.converter.normalize(
                self.header.tid,
                &mut self.work,
                &self.block,
                &mut self.stats,
            );
            if let Outcome::Drop(why) = outcome {
                self.stats.skip(why, start);
                return Ok(Step::Again);
            }
        }
        let Some(info) = event_info(self.work.event_type) else {
            self.stats.skip(
                Skip::UnknownEventType {
                    event_type: self.work.event_type,
                },
                start,
            );
            return Ok(Step::Again);
        };
        if self.work.slots.len() > info.params.len() {
            self.stats.degrade(Degraded::ExtraParams {
                event_type: info.id,
            });
            self.work.slots.truncate(info.params.len());
        }
        if self.work.converted {
            self.stats.events_converted += 1;
        }
        self.info = Some(info);
        Ok(Step::Event)
    }

    fn meta_error(&self, block_start: u64, e: MetaError) -> ScapError {
        self.corrupt(block_start + 8 + e.pos as u64, e.what)
    }

    fn not_scap(&self, offset: u64, what: String) -> ScapError {
        ScapError::NotScap {
            file: self.input.name.clone(),
            at: self.input.position_at(offset),
            what,
        }
    }

    fn truncated(&self, offset: u64, what: String) -> ScapError {
        ScapError::Truncated {
            file: self.input.name.clone(),
            at: self.input.position_at(offset),
            what,
        }
    }

    fn corrupt(&self, offset: u64, what: String) -> ScapError {
        ScapError::Corrupt {
            file: self.input.name.clone(),
            at: self.input.position_at(offset),
            what,
        }
    }

    /// An I/O error while reading: the end of a cut gzip stream is a truncation, other failures of
    /// a gzip stream mean damage, anything else is the OS's.
    fn read_error(&self, error: io::Error, what: &str) -> ScapError {
        let at = self.input.position();
        if error.kind() == io::ErrorKind::UnexpectedEof {
            return ScapError::Truncated {
                file: self.input.name.clone(),
                at,
                what: format!("the compressed stream ends inside {what}"),
            };
        }
        if self.input.compressed {
            return ScapError::Gzip {
                file: self.input.name.clone(),
                at,
                source: error,
            };
        }
        ScapError::Io {
            file: self.input.name.clone(),
            source: error,
        }
    }
}

fn event_layout(ty: u32) -> Option<BlockLayout> {
    Some(match ty {
        bt::EVENT_V1 | bt::EVENT_V1_LEGACY => BlockLayout {
            has_flags: false,
            v2: false,
        },
        bt::EVENT_FLAGS_V1 => BlockLayout {
            has_flags: true,
            v2: false,
        },
        bt::EVENT_V2 | bt::EVENT_V2_LARGE => BlockLayout {
            has_flags: false,
            v2: true,
        },
        bt::EVENT_FLAGS_V2 | bt::EVENT_FLAGS_V2_LARGE => BlockLayout {
            has_flags: true,
            v2: true,
        },
        _ => return None,
    })
}

/// A standard iterator over a capture's records, each event copied into an [`OwnedEvent`].
pub struct OwnedItems {
    reader: ScapReader,
}

impl OwnedItems {
    pub fn stats(&self) -> &Stats {
        self.reader.stats()
    }
}

impl Iterator for OwnedItems {
    type Item = Result<Item<OwnedEvent>, ScapError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.reader
            .next_item()
            .map(|r| r.map(|item| item.map_event(|e| e.to_owned())))
    }
}
