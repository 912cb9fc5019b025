//! Importing Falco/sysdig `.scap` captures into `.rts` traces (issue 6).
//!
//! The capture is read with `rtsec-scap` (old event versions normalised, enter arguments merged
//! into exits, as libs does). Each section's tables — process list, fd lists, users and groups —
//! seed the same [`State`] live capture uses; then every exit event goes through it and comes
//! out as an ordinary trace event with its process, fd, container and user records:
//!
//! - clone/fork/vfork/clone3 exits create the task and execve exits replace the image the way
//!   libsinsp's parser does (module `tasks`: which side of a clone creates the child, whose ids
//!   it gets, what an execve without ids keeps), `procexit` ends the task;
//! - syscalls libs records in events of their own but rtsec generically (fstat, writev, ioctl,
//!   …) keep the fd they use as their first argument, so their events carry its record, and
//!   getcwd results set the working directory, as in libsinsp;
//! - container events (JSON, and the 2016-era 4-field form via the reader) become container
//!   records, user/group events add users and groups;
//! - syscalls without an rtsec kind are recorded as generic events by their x86_64 number;
//! - libs' encodings of flags and commands are translated to raw Linux values (module `ppm`).
//!
//! Nothing is dropped silently: the reader's skips and caveats (events kept incomplete) and the
//! importer's own ("enter event", "meta event", …) are counted by reason, stored in the trace's
//! `Losses.skipped` and returned in the [`ImportSummary`]. A damaged capture is imported up to
//! the damage; the reader's error is part of the summary, not a failure.

mod args;
mod events;
mod ppm;
mod seed;
mod tasks;

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rtsec_format::interfaces::{Interface, Interfaces};
use rtsec_format::{CaptureSettings, Header, KEPT_INCOMPLETE, Losses, TraceWriter, WriterOptions};
use rtsec_scap::{Item, ScapError, ScapReader};
use rustc_hash::FxHashMap;

use crate::error::CaptureError;
use crate::state::{self, State};
pub use seed::SeedCounts;

/// How to import.
#[derive(Clone, Debug)]
pub struct ImportOptions {
    pub output: PathBuf,
    /// Replace an existing output file.
    pub force: bool,
    /// `Header::created_by`.
    pub created_by: String,
    /// What messages and the trace's header call the input (default: its path): `-` for
    /// standard input copied into a temporary file first.
    pub input_name: Option<String>,
}

/// How far an import is, for a progress display.
#[derive(Clone, Copy, Debug, Default)]
pub struct Progress {
    /// Bytes of the input file read so far (compressed bytes for gzip files) and its size.
    pub bytes: u64,
    pub total: u64,
    pub events_written: u64,
}

/// What an import did.
#[derive(Clone, Debug, Default)]
pub struct ImportSummary {
    pub input: PathBuf,
    pub output: PathBuf,
    pub compressed: bool,
    pub sections: u64,
    /// Event records in the capture, and events in the trace.
    pub events_read: u64,
    pub events_written: u64,
    /// Container, user and group events applied to the tables.
    pub metadata_events: u64,
    pub seeded: SeedCounts,
    /// Everything not written, by reason (reader and importer), largest first, and the events
    /// written with parts the capture lacked (reasons beginning with
    /// [`rtsec_format::KEPT_INCOMPLETE`]).
    pub skipped: Vec<(String, u64)>,
    /// The reader's error if the capture is damaged (everything before it was imported).
    pub damage: Option<String>,
    pub state: state::Stats,
    /// Processes first seen in an event with nothing said about them before (their ids are
    /// unknown).
    pub unknown_processes: u64,
    pub trace_bytes: u64,
    pub blocks: u64,
}

/// Counts bytes read from the input file, for progress.
struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Imports `input` into `opts.output`; `progress` is called every few thousand events.
pub fn import(
    input: &Path,
    opts: &ImportOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<ImportSummary, CaptureError> {
    let io_err = |source| CaptureError::Io {
        path: input.to_path_buf(),
        source,
    };
    let file = File::open(input).map_err(io_err)?;
    let total = file.metadata().map_err(io_err)?.len();
    let count = Arc::new(AtomicU64::new(0));
    let counting = Counting {
        inner: file,
        count: count.clone(),
    };
    let name = opts
        .input_name
        .clone()
        .unwrap_or_else(|| input.display().to_string());
    let mut reader = ScapReader::from_reader(counting, name.clone()).map_err(scap_error)?;

    let mut summary = ImportSummary {
        input: PathBuf::from(&name),
        output: opts.output.clone(),
        compressed: reader.is_compressed(),
        ..ImportSummary::default()
    };
    let mut header = Header {
        created_by: opts.created_by.clone(),
        source: "import".into(),
        settings: CaptureSettings {
            extra: vec![format!("scap_file={name}")],
            ..CaptureSettings::default()
        },
        // A capture without an interface list has none in libsinsp either: no address is local.
        interfaces: Interfaces::recorded(Vec::new()),
        ..Header::default()
    };
    let mut state = State::new();
    let mut tables = seed::SectionTables::default();
    let mut writer: Option<TraceWriter> = None;
    let mut skipped: FxHashMap<(&'static str, &'static str), u64> = FxHashMap::default();
    let mut feeder = events::Feeder::default();
    let mut since_progress = 0u32;

    while let Some(item) = reader.next_item() {
        let item = match item {
            Ok(item) => item,
            Err(e) => {
                if summary.sections == 0 {
                    return Err(scap_error(e));
                }
                summary.damage = Some(e.to_string());
                break;
            }
        };
        match item {
            Item::Section(_) => summary.sections += 1,
            Item::Machine(m) => {
                if header.hostname.is_empty() {
                    header.hostname = String::from_utf8_lossy(&m.hostname).into_owned();
                    header.boot_time_ns = m.boot_ts_epoch;
                }
            }
            // The first section's list: the header is written before the next one's.
            Item::Interface(i) if writer.is_none() => {
                if let Some(list) = header.interfaces.0.as_mut() {
                    list.push(Interface {
                        name: String::from_utf8_lossy(&i.name).into_owned(),
                        addr: i.addr,
                        netmask: i.netmask,
                    });
                }
            }
            Item::Interface(_) => {}
            Item::User(u) => tables.user(u),
            Item::Group(g) => tables.group(g),
            Item::Thread(t) => tables.thread(*t),
            Item::Fd(f) => tables.fd(f),
            Item::Event(e) => {
                if !tables.is_empty() {
                    let c = tables.seed(&mut state);
                    let s = &mut summary.seeded;
                    s.processes += c.processes;
                    s.threads += c.threads;
                    s.fds += c.fds;
                    s.users += c.users;
                    s.groups += c.groups;
                }
                if writer.is_none() {
                    header.start_ns = e.ts;
                    let wopts = WriterOptions {
                        overwrite: opts.force,
                        ..WriterOptions::default()
                    };
                    writer = Some(TraceWriter::create(&opts.output, &header, wopts)?);
                }
                let Some(out) = writer.as_mut() else { continue };
                match feeder.feed(&mut state, out, &e)? {
                    events::Outcome::Written => summary.events_written += 1,
                    events::Outcome::Applied => summary.metadata_events += 1,
                    events::Outcome::Skipped(why, event) => {
                        *skipped.entry((why, event)).or_default() += 1
                    }
                }
                since_progress += 1;
                if since_progress >= 4096 {
                    since_progress = 0;
                    progress(Progress {
                        bytes: count.load(Ordering::Relaxed),
                        total,
                        events_written: summary.events_written,
                    });
                }
            }
        }
    }

    let stats = reader.stats();
    summary.events_read = stats.events_read;
    // Caveated events are in the trace: their reasons say so, for readers to tell them from
    // records that are not.
    let mut reasons: Vec<(String, u64)> = stats
        .skipped()
        .into_iter()
        .map(|(why, c)| (why.to_string(), c.count))
        .collect();
    reasons.extend(
        stats
            .degraded()
            .into_iter()
            .map(|(why, n)| (format!("{KEPT_INCOMPLETE}{why}"), n)),
    );
    reasons.extend(
        skipped
            .into_iter()
            .map(|((why, event), n)| (format!("{why}: {event}"), n)),
    );
    reasons.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    summary.skipped = reasons;
    summary.state = state.stats();
    summary.unknown_processes = feeder.unknown_processes;

    // A capture with tables but no events still makes a (empty) trace.
    let mut out = match writer {
        Some(w) => w,
        None => TraceWriter::create(
            &opts.output,
            &header,
            WriterOptions {
                overwrite: opts.force,
                ..WriterOptions::default()
            },
        )?,
    };
    let mut skipped_losses = summary.skipped.clone();
    if let Some(d) = &summary.damage {
        skipped_losses.push((format!("capture damaged, rest not read: {d}"), 1));
    }
    out.set_losses(Losses {
        skipped: skipped_losses,
        truncated: data_cut(feeder.data_truncated),
        ..Losses::default()
    });
    let (written, _) = out.finish()?;
    summary.trace_bytes = written.bytes;
    summary.blocks = written.blocks;
    progress(Progress {
        bytes: count.load(Ordering::Relaxed),
        total,
        events_written: summary.events_written,
    });
    Ok(summary)
}

/// The count of events whose data was kept in part, as [`Losses::truncated`] names it.
pub fn data_cut(events: u64) -> Vec<(String, u64)> {
    match events {
        0 => Vec::new(),
        n => vec![(rtsec_format::DATA_CUT.to_string(), n)],
    }
}

/// A capture that cannot be read at all, as the crate's error: the scap reader names the file,
/// the offset and what is wrong.
fn scap_error(e: ScapError) -> CaptureError {
    let path = match &e {
        ScapError::Io { file, .. }
        | ScapError::NotScap { file, .. }
        | ScapError::Truncated { file, .. }
        | ScapError::Corrupt { file, .. }
        | ScapError::UnsupportedVersion { file, .. }
        | ScapError::Gzip { file, .. } => PathBuf::from(file),
    };
    let text = e.to_string();
    let detail = text
        .strip_prefix(&format!("{}: ", path.display()))
        .unwrap_or(&text)
        .to_string();
    CaptureError::Io {
        path,
        source: io::Error::new(io::ErrorKind::InvalidData, detail),
    }
}

#[cfg(test)]
mod tests;
