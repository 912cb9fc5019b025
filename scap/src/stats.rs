//! Counters of everything the reader read, skipped or could only partly convert, with the reason.
//! Nothing is dropped without being counted here.

use std::fmt;

use rustc_hash::FxHashMap;

use crate::table::event_info;

fn event_name(event_type: u16) -> String {
    match event_info(event_type) {
        Some(info) => format!("{} ({})", info.name, info.enum_name),
        None => format!("type {event_type}"),
    }
}

/// Why a record of the file was not yielded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Skip {
    /// A block type this reader does not know; skipped by its length.
    UnknownBlock { block_type: u32 },
    /// An event type id beyond the event table (written by a newer libs); skipped by its length.
    UnknownEventType { event_type: u16 },
    /// An event whose lengths contradict each other (corrupt); its block was skipped.
    MalformedEvent,
    /// An event of a type the table marks unused.
    UnusedEventType { event_type: u16 },
    /// An enter event whose parameters the converter moved into the matching exit event (libs'
    /// STORE action). No information is lost.
    EnterMerged { event_type: u16 },
    /// An old enter event version that libs' converter drops (its exit carries everything).
    OldEnter { event_type: u16 },
    /// An enter event the converter must handle but has no rule for this parameter count.
    NoConversionRule { event_type: u16, nparams: u32 },
    /// The conversion chain did not reach the current version within its step limit.
    ConversionLoop { event_type: u16 },
}

impl Skip {
    /// False for skips that lose nothing (merged enter events).
    pub fn is_loss(&self) -> bool {
        !matches!(self, Skip::EnterMerged { .. })
    }
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Skip::UnknownBlock { block_type } => write!(f, "unknown block type {block_type:#x}"),
            Skip::UnknownEventType { event_type } => write!(f, "unknown event type {event_type}"),
            Skip::MalformedEvent => write!(f, "malformed event"),
            Skip::UnusedEventType { event_type } => write!(f, "unused event type {event_type}"),
            Skip::EnterMerged { event_type } => write!(
                f,
                "enter event merged into its exit: {}",
                event_name(event_type)
            ),
            Skip::OldEnter { event_type } => {
                write!(f, "old enter event dropped: {}", event_name(event_type))
            }
            Skip::NoConversionRule {
                event_type,
                nparams,
            } => {
                write!(
                    f,
                    "no conversion for enter event {} with {nparams} params",
                    event_name(event_type)
                )
            }
            Skip::ConversionLoop { event_type } => {
                write!(f, "conversion did not finish: {}", event_name(event_type))
            }
        }
    }
}

/// How often a skip happened, and the stream offset of the first block concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SkipCount {
    pub count: u64,
    pub first_offset: u64,
}

/// Why a yielded event is less complete than a current capture would make it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Degraded {
    /// The exit needed parameters from its enter event, but the thread had no stored enter
    /// event (e.g. the syscall started before the capture): they are empty or zero.
    EnterMissing { event_type: u16 },
    /// The thread's stored enter event belonged to another syscall (libs' converter fails here;
    /// we fill the parameters as if it were missing).
    EnterMismatch { event_type: u16 },
    /// An exit event the converter has no rule for: yielded with its parameters as found, the
    /// missing trailing ones (if any) empty.
    NoConversionRule { event_type: u16, nparams: u32 },
    /// More parameters than the table knows (a newer libs): the extra ones are ignored.
    ExtraParams { event_type: u16 },
    /// An event block whose trailer was damaged although the event's own length agreed with
    /// the block length; the event was read.
    BadTrailer,
}

impl fmt::Display for Degraded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Degraded::EnterMissing { event_type } => {
                write!(
                    f,
                    "exit without its enter event, arguments left empty: {}",
                    event_name(event_type)
                )
            }
            Degraded::EnterMismatch { event_type } => {
                write!(
                    f,
                    "exit after another syscall's enter, arguments left empty: {}",
                    event_name(event_type)
                )
            }
            Degraded::NoConversionRule {
                event_type,
                nparams,
            } => {
                write!(
                    f,
                    "exit event with {nparams} params without conversion rule: {}",
                    event_name(event_type)
                )
            }
            Degraded::ExtraParams { event_type } => write!(
                f,
                "unknown extra params ignored: {}",
                event_name(event_type)
            ),
            Degraded::BadTrailer => write!(f, "event block with damaged trailer"),
        }
    }
}

/// What a reader has seen so far.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    /// Section header blocks (several in concatenated captures).
    pub sections: u64,
    /// Blocks of every kind.
    pub blocks: u64,
    /// Event records found in event blocks.
    pub events_read: u64,
    /// Events handed to the caller.
    pub events_yielded: u64,
    /// Yielded events the converter changed (old version upgraded, parameters added or merged
    /// from the enter event).
    pub events_converted: u64,
    /// Metadata records yielded (machine info, interfaces, users, groups, threads, fds).
    pub metadata_records: u64,
    /// The first malformed event: its block's offset and what was wrong with it.
    pub first_malformed: Option<(u64, String)>,
    skipped: FxHashMap<Skip, SkipCount>,
    degraded: FxHashMap<Degraded, u64>,
}

impl Stats {
    pub(crate) fn skip(&mut self, why: Skip, offset: u64) {
        self.skipped
            .entry(why)
            .or_insert(SkipCount {
                count: 0,
                first_offset: offset,
            })
            .count += 1;
    }

    pub(crate) fn degrade(&mut self, why: Degraded) {
        *self.degraded.entry(why).or_default() += 1;
    }

    /// Everything not yielded, by reason, sorted.
    pub fn skipped(&self) -> Vec<(Skip, SkipCount)> {
        let mut v: Vec<_> = self.skipped.iter().map(|(k, c)| (*k, *c)).collect();
        v.sort_by_key(|(k, _)| *k);
        v
    }

    /// Yielded events with a caveat, by reason, sorted.
    pub fn degraded(&self) -> Vec<(Degraded, u64)> {
        let mut v: Vec<_> = self.degraded.iter().map(|(k, c)| (*k, *c)).collect();
        v.sort();
        v
    }

    /// Records not yielded, lost or merged.
    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().map(|c| c.count).sum()
    }

    /// Records not yielded whose information is lost (all skips but merged enter events).
    pub fn lost_total(&self) -> u64 {
        self.skipped
            .iter()
            .filter(|(k, _)| k.is_loss())
            .map(|(_, c)| c.count)
            .sum()
    }

    /// Skips and caveats as `(reason, count)` lines, e.g. for a trace's loss counters.
    pub fn by_reason(&self) -> Vec<(String, u64)> {
        let mut v: Vec<(String, u64)> = self
            .skipped()
            .into_iter()
            .map(|(k, c)| (k.to_string(), c.count))
            .collect();
        v.extend(self.degraded().into_iter().map(|(k, c)| (k.to_string(), c)));
        v
    }
}
