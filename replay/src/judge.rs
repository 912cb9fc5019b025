//! Judging one block: decode it, run the rules on each event, and render what the run asked
//! for (alert lines, Parquet rows, collected hits). Runs on any worker thread; everything it
//! produces depends only on the block, so outputs are the same for every thread count.

use std::io::Write;
use std::sync::Arc;

use arrow_array::RecordBatch;
use rtsec_format::interfaces::Interfaces;
use rtsec_format::{Block, Losses, RawBlock};
use rtsec_rules::{AlertBuf, Engine, OutputValue, RuleId, Scratch};
use smallvec::SmallVec;

use crate::error::ReplayError;
use crate::fields::AlertFields;
use crate::hit_rows::{HitRows, HitSource, RowsSize, RuleCatalog};
use crate::hits::EventColumns;
use crate::hits_encoder::{HitPages, HitsStream};
use crate::parquet_file::{CHUNK_ROWS, EncodedRowGroup, ParquetFile, RowGroupStream};
use crate::text_buffers;
use crate::window::Span;

/// How alerts are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineFormat {
    /// Falco's text line: `HH:MM:SS.nnnnnnnnn: Priority output` (local time).
    Text,
    /// Falco's JSON alert, one object per line.
    Json,
}

/// One hit kept in memory (for the test harness and library users).
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    /// Index of the trace in the run's inputs.
    pub input: usize,
    pub rule: RuleId,
    /// Falco's `evt.num` within its trace.
    pub num: u64,
    pub ts: u64,
    /// Falco's text line.
    pub line: String,
    /// The rule's `output_fields` (sorted by key, `evt.time` included).
    pub output_fields: Vec<(String, OutputValue)>,
}

/// What a block produced, handed to the caller in input order, then block order.
#[derive(Debug, Default)]
pub struct BlockResult {
    /// Index of the trace in the run's inputs.
    pub input: usize,
    /// Position of the block in its trace.
    pub block: u32,
    /// When the block's first and last events happened (ns since the epoch; a part has the
    /// first only).
    pub ts_min: u64,
    pub ts_max: u64,
    /// The host its trace was recorded on (empty for a part).
    pub hostname: Arc<str>,
    /// Events judged.
    pub events: u64,
    /// Events passed over as outside the run's time window.
    pub outside: u64,
    /// Alert lines (each ending in `\n`), if a [`LineFormat`] was asked for.
    pub lines: Vec<u8>,
    /// Only a part of the block's alert lines, handed on while the block is judged; the rest
    /// of the block (more parts, then the result with everything else) follows. A block with
    /// much alert text sends it in parts of about [`crate::ReplayOptions::piece_bytes`], so
    /// that the block next in order is written while it is being judged, not held whole.
    pub piece: bool,
    /// Bytes of alert lines this block handed on as [`BlockResult::piece`]s.
    pub piece_bytes: usize,
    /// Parquet rows of a block with few of them (fewer than `ENCODE_MIN_ROWS`): the file
    /// gathers them into row groups (rows of an export).
    pub batches: Vec<RecordBatch>,
    /// Hit rows of a block with few of them, for the file to gather (as `batches`).
    pub hit_rows: Vec<HitRows>,
    /// Hit rows of a block with many, encoded into pages by the worker.
    pub hit_pages: Vec<HitPages>,
    /// Parquet rows already encoded as row groups, if the block has many (see `parquet_file`).
    pub encoded: Vec<EncodedRowGroup>,
    /// Why the block's Parquet rows could not be encoded (the run stops with this error).
    pub rows_error: Option<String>,
    /// Hits, if collecting was asked for.
    pub hits: Vec<Hit>,
    /// Hits per rule in this block, in first-hit order.
    pub rule_hits: Vec<(RuleId, u64)>,
    /// Of a comparison of two rule sets ([`crate::compare`]): the counts of each rule of
    /// both sets in this block (empty otherwise).
    pub diffs: Vec<crate::compare::DiffCounts>,
    /// The source's cumulative losses when this block was cut; with a time window, those
    /// since the window began.
    pub losses: Losses,
    /// Why the block could not be decoded (it was skipped).
    pub damage: Option<String>,
    /// Following with a state file: where the follow stands once this block's output is
    /// safe. The caller saves it then (after flushing alerts; once a Parquet file with the
    /// block's rows is finished).
    pub follow_state: Option<crate::follow_state::FollowState>,
    /// CPU time of the worker thread spent decoding and evaluating, in ns (for `--stats`).
    pub decode_ns: u64,
    pub eval_ns: u64,
}

impl BlockResult {
    /// The result of block `block` of input `input`, still empty.
    pub fn new(input: usize, block: u32) -> BlockResult {
        let mut r = BlockResult::default();
        r.input = input;
        r.block = block;
        r
    }

    /// A part of the alert lines of block `block` of input `input` (see [`BlockResult::piece`]),
    /// whose first event happened at `ts_min`.
    pub(crate) fn new_piece(input: usize, block: u32, ts_min: u64, lines: Vec<u8>) -> BlockResult {
        let mut r = BlockResult::new(input, block);
        r.piece = true;
        r.ts_min = ts_min;
        r.lines = lines;
        r
    }

    /// Whether the block has Parquet rows to write.
    pub fn has_rows(&self) -> bool {
        self.rows_error.is_some()
            || !self.batches.is_empty()
            || self.hit_rows.iter().any(|r| !r.is_empty())
            || !self.hit_pages.is_empty()
            || !self.encoded.is_empty()
    }

    pub fn hit_count(&self) -> u64 {
        self.rule_hits.iter().map(|(_, n)| n).sum()
    }

    /// Bytes of output this result holds until it is written (alert text and Arrow rows; the
    /// encoded row groups are compressed and small).
    pub fn held_bytes(&self) -> usize {
        self.lines.capacity()
            + self
                .batches
                .iter()
                .map(RecordBatch::get_array_memory_size)
                .sum::<usize>()
            + self.hit_rows.iter().map(HitRows::bytes).sum::<usize>()
            + self.hit_pages.iter().map(HitPages::bytes).sum::<usize>()
    }

    /// Appends the block's rows (batches or encoded row groups) to `file`.
    pub fn write_rows(&mut self, file: &mut ParquetFile) -> Result<(), ReplayError> {
        if let Some(e) = self.rows_error.take() {
            return Err(ReplayError::parquet(file.path(), e));
        }
        for b in &self.batches {
            file.write(b)?;
        }
        for rows in &self.hit_rows {
            file.write_hits(rows)?;
        }
        file.write_hit_pages(&std::mem::take(&mut self.hit_pages))?;
        file.write_encoded(std::mem::take(&mut self.encoded))
    }

    /// Counts `block`'s events that `judged` takes ([`BlockResult::events`]) and leaves out
    /// ([`BlockResult::outside`]).
    pub(crate) fn count_events(&mut self, block: &Block, judged: Judged) {
        let all = block.events.len() as u64;
        self.outside = match judged.all {
            true => 0,
            false => block.events.iter().filter(|e| !judged.event(e.ts)).count() as u64,
        };
        self.events = all - self.outside;
    }

    /// Keeps what `rows` made of the block's hit rows.
    pub(crate) fn set_hit_rows(&mut self, rows: HitsStream) {
        (self.hit_rows, self.hit_pages) = rows.finish();
    }

    /// Keeps what `rows` made of the block's rows.
    pub(crate) fn set_rows(&mut self, rows: RowGroupStream<'_>) {
        match rows.finish() {
            Ok((batches, encoded)) => {
                self.batches = batches;
                self.encoded = encoded;
            }
            Err(e) => self.rows_error = Some(e.to_string()),
        }
    }
}

impl Drop for BlockResult {
    fn drop(&mut self) {
        // Written (or not wanted): the next block's text goes into the same memory.
        text_buffers::give(std::mem::take(&mut self.lines));
    }
}

/// What a run produces for each hit.
#[derive(Clone, Copy, Debug, Default)]
pub struct Produce {
    pub lines: Option<LineFormat>,
    pub parquet: bool,
    pub collect: bool,
}

/// Shared, read-only state of a run.
pub(crate) struct Judge<'a> {
    pub engine: &'a Engine,
    pub produce: Produce,
    /// Present when Parquet rows are produced.
    pub fields: Option<&'a AlertFields>,
    /// The rules' part of the hit rows (present when Parquet rows are produced).
    pub catalog: Option<&'a Arc<RuleCatalog>>,
    /// Alert text is handed on in parts of at least this many bytes (see [`BlockResult::piece`]).
    pub piece_bytes: usize,
}

/// A block to judge and where it comes from.
pub(crate) struct Job {
    pub input: usize,
    pub raw: RawBlock,
    pub hostname: Arc<str>,
    /// The trace's interface addresses (which end of a socket is local).
    pub interfaces: Arc<Interfaces>,
    pub trace: Arc<str>,
    /// The events of the trace to judge (all, unless a window was asked for).
    pub span: Span,
}

impl Job {
    /// Which of the block's events are judged: those in [`Job::span`] (all, without a look at
    /// each, when the block's time span lies inside it).
    pub fn judged(&self) -> Judged {
        Judged {
            span: self.span,
            all: self
                .span
                .covers(self.raw.frame.ts_min, self.raw.frame.ts_max),
        }
    }
}

/// Which events of a block are judged (see [`Job::judged`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Judged {
    span: Span,
    all: bool,
}

impl Judged {
    #[inline]
    pub fn event(&self, ts: u64) -> bool {
        self.all || self.span.contains(ts)
    }
}

impl Judge<'_> {
    /// Judges `job`'s block; parts of its alert text go to `piece` as they fill up.
    pub fn run(
        &self,
        job: Job,
        scratch: &mut Scratch,
        piece: &mut dyn FnMut(BlockResult),
    ) -> BlockResult {
        let t0 = thread_cpu_ns();
        let mut out = BlockResult::new(job.input, job.raw.index);
        out.ts_min = job.raw.frame.ts_min;
        out.ts_max = job.raw.frame.ts_max;
        out.hostname = job.hostname.clone();
        // Each worker decodes into the same block again and again: no fresh megabytes per block.
        thread_local! {
            static BLOCK: std::cell::RefCell<Block> = std::cell::RefCell::new(Block::default());
        }
        BLOCK.with_borrow_mut(|block| self.judge(job, block, scratch, piece, t0, out))
    }

    fn judge(
        &self,
        job: Job,
        block: &mut Block,
        scratch: &mut Scratch,
        piece: &mut dyn FnMut(BlockResult),
        t0: u64,
        mut out: BlockResult,
    ) -> BlockResult {
        if let Err(e) = job.raw.decode_into(block) {
            out.damage = Some(e.to_string());
            out.decode_ns = thread_cpu_ns() - t0;
            return out;
        }
        let judged = job.judged();
        drop(job.raw);
        let t1 = thread_cpu_ns();
        out.decode_ns = t1 - t0;
        scratch.set_hostname(&job.hostname);
        scratch.set_interfaces(&job.interfaces);
        // Alert text sized like the worker's previous block's (up to a part's size): a block
        // of many hits would otherwise grow it by doubling, copying it and holding twice its
        // size.
        thread_local! {
            static LINES_BYTES: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
        }
        let piece_room = self.piece_bytes.saturating_add(64 << 10);
        if self.produce.lines.is_some() {
            let last = LINES_BYTES.get();
            out.lines = text_buffers::take((last + last / 8).min(piece_room));
        }
        // Each hit is rendered once, into buffers reused for every hit of the worker; its
        // chunks of Parquet rows are sized like the worker's last full one.
        thread_local! {
            static BUFS: std::cell::RefCell<(AlertBuf, AlertBuf, RowsSize)> = Default::default();
        }
        let source = HitSource {
            input: job.input as u32,
            hostname: job.hostname.clone(),
            trace: job.trace.clone(),
        };
        BUFS.with_borrow_mut(|(alert, fields_buf, full_size)| {
            let mut batch = self
                .catalog
                .map(|c| HitRows::with_size(c.clone(), full_size));
            let mut rows = self.catalog.map(|_| HitsStream::new());
            // Verdicts of costly string checks are kept per string of this block.
            let mut matcher = self.engine.block_matcher(block, scratch);
            for ev in block.events() {
                if !judged.event(ev.event.ts) {
                    continue;
                }
                let ids = matcher.matches(&ev);
                if ids.is_empty() {
                    continue;
                }
                // At most a few ids; copy them so the scratch can be reused for the alerts.
                let ids: SmallVec<[RuleId; 8]> = ids.iter().copied().collect();
                for id in ids {
                    count(&mut out.rule_hits, id);
                    let needs_alert = self.produce.lines.is_some()
                        || self.produce.parquet
                        || self.produce.collect;
                    if !needs_alert {
                        continue;
                    }
                    let scratch = matcher.scratch();
                    self.engine.render(id, &ev, scratch, alert);
                    let rule = self.engine.rule(id);
                    match self.produce.lines {
                        Some(LineFormat::Text) => {
                            out.lines.extend_from_slice(alert.line().as_bytes());
                            out.lines.push(b'\n');
                        }
                        Some(LineFormat::Json) => {
                            alert.write_json(rule, &job.hostname, &mut out.lines);
                            out.lines.push(b'\n');
                        }
                        None => {}
                    }
                    if out.lines.len() >= self.piece_bytes {
                        let part =
                            std::mem::replace(&mut out.lines, text_buffers::take(piece_room));
                        out.piece_bytes += part.len();
                        piece(BlockResult::new_piece(
                            out.input, out.block, out.ts_min, part,
                        ));
                    }
                    if let (Some(b), Some(fields), Some(rows)) =
                        (batch.as_mut(), self.fields, rows.as_mut())
                    {
                        fields.render(id, &ev, scratch, fields_buf);
                        b.push_rendered(
                            id,
                            alert,
                            &source,
                            ev.num,
                            EventColumns {
                                fields,
                                rule: id,
                                buf: fields_buf,
                            },
                        );
                        if b.len() == CHUNK_ROWS {
                            *full_size = b.size();
                            let full = std::mem::replace(b, HitRows::with_capacity_of(b));
                            push_hits(rows, full, &mut out.rows_error);
                        }
                    }
                    if self.produce.collect {
                        out.hits.push(Hit {
                            input: job.input,
                            rule: id,
                            num: ev.num,
                            ts: ev.event.ts,
                            line: alert.line().to_string(),
                            output_fields: alert
                                .fields()
                                .map(|(k, v)| (k.to_string(), v.to_owned()))
                                .collect(),
                        });
                    }
                }
            }
            if let (Some(b), Some(mut rows)) = (batch, rows) {
                push_hits(&mut rows, b, &mut out.rows_error);
                out.set_hit_rows(rows);
            }
        });
        out.count_events(block, judged);
        let _ = out.lines.flush();
        if self.produce.lines.is_some() {
            LINES_BYTES.set(out.piece_bytes + out.lines.len());
        }
        out.losses = block.losses.clone();
        out.eval_ns = thread_cpu_ns() - t1;
        out
    }
}

/// CPU time of the calling thread, in ns: unlike wall time, it does not grow when other
/// processes take the cores.
pub fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes only into `ts`, which we own.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// Hands `chunk` to `rows`; the first error is kept (the run reports it).
pub(crate) fn push_chunk(
    rows: &mut RowGroupStream<'_>,
    chunk: RecordBatch,
    err: &mut Option<String>,
) {
    if err.is_none()
        && let Err(e) = rows.push(chunk)
    {
        *err = Some(e.to_string());
    }
}

/// Hands `chunk` to `rows`; the first error is kept (the run reports it).
fn push_hits(rows: &mut HitsStream, chunk: HitRows, err: &mut Option<String>) {
    if err.is_none()
        && let Err(e) = rows.push(chunk)
    {
        *err = Some(e.to_string());
    }
}

fn count(v: &mut Vec<(RuleId, u64)>, id: RuleId) {
    match v.iter_mut().find(|(r, _)| *r == id) {
        Some((_, n)) => *n += 1,
        None => v.push((id, 1)),
    }
}
