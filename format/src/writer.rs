//! Writing traces: events go into a block builder on the caller's thread; finished blocks are
//! encoded, compressed and written by a background thread, off the hot path.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use rustc_hash::FxHashSet;

use crate::args::Args;
use crate::block::{Block, FRAME_HEADER_LEN, FrameHeader, bincode_config};
use crate::builder::{BlockBuilder, NewEvent};
use crate::error::FormatError;
use crate::file::{FOOTER_MAGIC, FORMAT_MAJOR, FORMAT_MINOR, TRACE_MAGIC, TRAILER_MAGIC};
use crate::kind::Kind;
use crate::meta::{BlockIndexEntry, Footer, Header, Losses};

/// How blocks are cut and compressed.
#[derive(Clone, Debug)]
pub struct WriterOptions {
    /// Cut a block when its encoded size reaches about this many bytes.
    pub block_bytes: usize,
    /// Cut a block when it spans more than this many ns of event time.
    pub block_span_ns: u64,
    /// zstd level.
    pub zstd_level: i32,
    /// Replace an existing file (otherwise creating over one is an error).
    pub overwrite: bool,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions {
            block_bytes: 4 << 20,
            block_span_ns: 5_000_000_000,
            zstd_level: 6,
            overwrite: false,
        }
    }
}

/// What `finish` reports.
#[derive(Clone, Debug, Default)]
pub struct WriteSummary {
    pub events: u64,
    pub blocks: u64,
    /// Bytes in the file, header and footer included.
    pub bytes: u64,
}

/// Writes one trace.
pub struct TraceWriter<W: Write + Send + 'static = BufWriter<File>> {
    path: PathBuf,
    opts: WriterOptions,
    builder: BlockBuilder,
    tx: Option<SyncSender<Block>>,
    worker: Option<JoinHandle<Result<WorkerDone<W>, FormatError>>>,
    next_event_num: u64,
    by_kind: Vec<u64>,
    by_syscall: Vec<u64>,
    processes: FxHashSet<u64>,
    containers: FxHashSet<u64>,
    losses: Losses,
    ts_min: u64,
    ts_max: u64,
}

struct WorkerDone<W> {
    out: W,
    index: Vec<BlockIndexEntry>,
    offset: u64,
}

impl TraceWriter {
    /// Creates `path` (mode 0600) and writes the header. An existing file is an error unless
    /// `opts.overwrite`.
    pub fn create(
        path: impl AsRef<Path>,
        header: &Header,
        opts: WriterOptions,
    ) -> Result<Self, FormatError> {
        let path = path.as_ref();
        let mut oo = OpenOptions::new();
        oo.write(true).mode(0o600);
        if opts.overwrite {
            // Truncated below, once it is ours.
            oo.create(true);
        } else {
            oo.create_new(true);
        }
        let file = oo.open(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                FormatError::Exists { path: path.into() }
            } else {
                FormatError::io(path, e)
            }
        })?;
        // Held while the trace is written, released when the file is closed or the process
        // dies: a follower knows the writer is gone (`TraceFollower`), and a second writer of
        // the same file is refused before it truncates it.
        if !crate::lock::lock_to_write(&file) {
            return Err(FormatError::Busy { path: path.into() });
        }
        if opts.overwrite {
            file.set_len(0).map_err(|e| FormatError::io(path, e))?;
        }
        TraceWriter::new(BufWriter::with_capacity(1 << 20, file), path, header, opts)
    }
}

impl<W: Write + Send + 'static> TraceWriter<W> {
    /// Writes the header to `out` and starts the block writer thread. `path` only names the
    /// output in errors.
    pub fn new(
        mut out: W,
        path: impl Into<PathBuf>,
        header: &Header,
        opts: WriterOptions,
    ) -> Result<Self, FormatError> {
        let path = path.into();
        let hdr = bincode::encode_to_vec(header, bincode_config())?;
        let mut prefix = Vec::with_capacity(20 + hdr.len());
        prefix.extend_from_slice(&TRACE_MAGIC);
        prefix.extend_from_slice(&FORMAT_MAJOR.to_le_bytes());
        prefix.extend_from_slice(&FORMAT_MINOR.to_le_bytes());
        prefix.extend_from_slice(&(hdr.len() as u32).to_le_bytes());
        prefix.extend_from_slice(&hdr);
        let crc = crc32fast::hash(&prefix);
        prefix.extend_from_slice(&crc.to_le_bytes());
        out.write_all(&prefix)
            .and_then(|_| out.flush())
            .map_err(|e| FormatError::io(&path, e))?;
        let (tx, rx) = sync_channel::<Block>(2);
        let level = opts.zstd_level;
        let start = prefix.len() as u64;
        let wpath = path.clone();
        let worker = std::thread::Builder::new()
            .name("rtsec-block-writer".into())
            .spawn(move || write_blocks(rx, out, start, level, &wpath))
            .map_err(|e| FormatError::io(&path, e))?;
        Ok(TraceWriter {
            path,
            opts,
            builder: BlockBuilder::default(),
            tx: Some(tx),
            worker: Some(worker),
            next_event_num: 1,
            by_kind: vec![0; Kind::ALL.len()],
            by_syscall: vec![0; crate::syscalls::MAX_NR + 1],
            processes: FxHashSet::default(),
            containers: FxHashSet::default(),
            losses: Losses::default(),
            ts_min: u64::MAX,
            ts_max: 0,
        })
    }

    /// Appends an event; cuts a block when it is big enough or spans long enough.
    pub fn push(&mut self, ev: &NewEvent<'_>) -> Result<(), FormatError> {
        if !self.builder.is_empty() {
            let (lo, hi) = self.builder.time_range();
            if ev.ts.max(hi).saturating_sub(ev.ts.min(lo)) > self.opts.block_span_ns {
                self.cut()?;
            }
        }
        self.builder.push(ev)?;
        self.by_kind[ev.kind as usize] += 1;
        if let Args::Generic { nr, .. } = ev.args {
            let i = (nr as usize).min(self.by_syscall.len() - 1);
            self.by_syscall[i] += 1;
        }
        if let Some(p) = ev.proc {
            self.processes.insert(p.id);
            if let Some(c) = &p.container {
                self.containers.insert(c.id);
            }
        }
        self.ts_min = self.ts_min.min(ev.ts);
        self.ts_max = self.ts_max.max(ev.ts);
        if self.builder.approx_bytes() >= self.opts.block_bytes {
            self.cut()?;
        }
        Ok(())
    }

    /// Records what the source lost so far (cumulative; the latest value wins). Written with
    /// every following block and in the footer.
    pub fn set_losses(&mut self, losses: Losses) {
        self.losses = losses;
    }

    pub fn losses(&self) -> &Losses {
        &self.losses
    }

    /// Events pushed so far.
    pub fn events(&self) -> u64 {
        self.next_event_num - 1 + self.builder.len() as u64
    }

    /// Ends the current block now (e.g. on a timer, so that a crash loses little).
    pub fn cut(&mut self) -> Result<(), FormatError> {
        if self.builder.is_empty() {
            return Ok(());
        }
        let mut block = self.builder.take();
        block.first_event_num = self.next_event_num;
        block.losses = self.losses.clone();
        self.next_event_num += block.events.len() as u64;
        let tx = self.tx.as_ref().expect("writer used after finish");
        if tx.send(block).is_err() {
            return Err(self.worker_error());
        }
        Ok(())
    }

    /// Writes the last block and the footer; returns what was written and the output.
    pub fn finish(mut self) -> Result<(WriteSummary, W), FormatError> {
        self.cut()?;
        drop(self.tx.take());
        let done = self
            .worker
            .take()
            .expect("finish called once")
            .join()
            .map_err(|_| FormatError::Writer("block writer thread panicked".into()))??;
        let WorkerDone {
            mut out,
            index,
            offset,
        } = done;
        let mut events_by_type: Vec<(String, u64)> = Kind::ALL
            .iter()
            .filter(|&&k| k != Kind::Generic && self.by_kind[k as usize] > 0)
            .map(|&k| (k.name().to_string(), self.by_kind[k as usize]))
            .collect();
        for (nr, &n) in self.by_syscall.iter().enumerate() {
            if n > 0 {
                let name = crate::syscalls::name(nr as u16).unwrap_or("syscall");
                events_by_type.push((name.to_string(), n));
            }
        }
        events_by_type.sort();
        let footer = Footer {
            events: self.next_event_num - 1,
            blocks: index,
            events_by_type,
            processes: self.processes.len() as u64,
            containers: self.containers.len() as u64,
            ts_min: if self.ts_min == u64::MAX {
                0
            } else {
                self.ts_min
            },
            ts_max: self.ts_max,
            losses: std::mem::take(&mut self.losses),
            end_ns: now_ns(),
        };
        let body = bincode::encode_to_vec(&footer, bincode_config())?;
        let mut tail = Vec::with_capacity(body.len() + 28);
        tail.extend_from_slice(&FOOTER_MAGIC);
        tail.extend_from_slice(&(body.len() as u32).to_le_bytes());
        tail.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
        tail.extend_from_slice(&body);
        tail.extend_from_slice(&offset.to_le_bytes());
        tail.extend_from_slice(&TRAILER_MAGIC);
        out.write_all(&tail)
            .and_then(|_| out.flush())
            .map_err(|e| FormatError::io(&self.path, e))?;
        Ok((
            WriteSummary {
                events: footer.events,
                blocks: footer.blocks.len() as u64,
                bytes: offset + tail.len() as u64,
            },
            out,
        ))
    }

    fn worker_error(&mut self) -> FormatError {
        drop(self.tx.take());
        match self.worker.take().map(|w| w.join()) {
            Some(Ok(Err(e))) => e,
            _ => FormatError::Writer("block writer thread stopped".into()),
        }
    }
}

impl<W: Write + Send + 'static> Drop for TraceWriter<W> {
    /// Without `finish`, the blocks already handed to the writer thread are still written (the
    /// file is then like one whose writer was killed: readable, without a footer).
    fn drop(&mut self) {
        drop(self.tx.take());
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}

fn write_blocks<W: Write>(
    rx: Receiver<Block>,
    mut out: W,
    mut offset: u64,
    level: i32,
    path: &Path,
) -> Result<WorkerDone<W>, FormatError> {
    let mut zstd =
        zstd::bulk::Compressor::new(level).map_err(|e| FormatError::Writer(e.to_string()))?;
    let mut index = Vec::new();
    for block in rx {
        let (frame, payload) = encode_block(&block, &mut zstd)?;
        // A block must reach the disk whole and in one go: a crash then loses at most the
        // blocks still in memory.
        out.write_all(&frame.to_bytes())
            .and_then(|_| out.write_all(&payload))
            .and_then(|_| out.flush())
            .map_err(|e| FormatError::io(path, e))?;
        let len = (FRAME_HEADER_LEN + payload.len()) as u32;
        index.push(BlockIndexEntry {
            offset,
            len,
            events: frame.events,
            first_event_num: frame.first_event_num,
            ts_min: frame.ts_min,
            ts_max: frame.ts_max,
        });
        offset += len as u64;
    }
    Ok(WorkerDone { out, index, offset })
}

/// Encodes and compresses a block: its frame header and payload, ready to be written.
pub fn encode_block(
    block: &Block,
    zstd: &mut zstd::bulk::Compressor<'_>,
) -> Result<(FrameHeader, Vec<u8>), FormatError> {
    let raw = block.encode_body()?;
    let payload = zstd
        .compress(&raw)
        .map_err(|e| FormatError::Writer(format!("zstd: {e}")))?;
    let (ts_min, ts_max) = block
        .events
        .iter()
        .fold((u64::MAX, 0), |(lo, hi), e| (lo.min(e.ts), hi.max(e.ts)));
    let frame = FrameHeader {
        payload_len: payload.len() as u32,
        raw_len: raw.len() as u32,
        events: block.events.len() as u32,
        first_event_num: block.first_event_num,
        ts_min: if block.events.is_empty() { 0 } else { ts_min },
        ts_max,
        payload_crc: crc32fast::hash(&payload),
        flags: 0,
    };
    Ok((frame, payload))
}

pub(crate) fn now_ns() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}
