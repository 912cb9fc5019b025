//! Judging one block: decode it, run the rules on each event, and render what the run asked
//! for (alert lines, Parquet rows, collected hits). Runs on any worker thread; everything it
//! produces depends only on the block, so outputs are the same for every thread count.

use std::io::Write;
use std::sync::Arc;

use arrow_array::RecordBatch;
use rtsec_format::{Block, Losses, RawBlock};
use rtsec_rules::{AlertBuf, Engine, OutputValue, RuleId, Scratch};
use smallvec::SmallVec;

use crate::error::ReplayError;
use crate::fields::FieldReader;
use crate::hits::{HitsBatch, HitsSize};
use crate::parquet_file::{ENCODE_MIN_ROWS, EncodedRowGroup, ParquetFile, RowGroupEncoder};

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
    pub events: u64,
    /// Alert lines (each ending in `\n`), if a [`LineFormat`] was asked for.
    pub lines: Vec<u8>,
    /// Hit rows, if Parquet was asked for and the block has a few hits (fewer than
    /// `ENCODE_MIN_ROWS`): the file gathers them into row groups.
    pub batch: Option<RecordBatch>,
    /// Hit rows already encoded as row groups, if the block has many (see `parquet_file`).
    pub encoded: Vec<EncodedRowGroup>,
    /// Hits, if collecting was asked for.
    pub hits: Vec<Hit>,
    /// Hits per rule in this block, in first-hit order.
    pub rule_hits: Vec<(RuleId, u64)>,
    /// The source's cumulative losses when this block was cut.
    pub losses: Losses,
    /// Why the block could not be decoded (it was skipped).
    pub damage: Option<String>,
    /// CPU time of the worker thread spent decoding and evaluating, in ns (for `--stats`).
    pub decode_ns: u64,
    pub eval_ns: u64,
}

impl BlockResult {
    pub fn hit_count(&self) -> u64 {
        self.rule_hits.iter().map(|(_, n)| n).sum()
    }

    /// Appends the block's rows (a batch or encoded row groups) to `file`.
    pub fn write_rows(&mut self, file: &mut ParquetFile) -> Result<(), ReplayError> {
        if let Some(b) = &self.batch {
            file.write(b)?;
        }
        file.write_encoded(std::mem::take(&mut self.encoded))
    }

    /// Keeps `batch` as the block's rows: encoded here (by `encoder`) if it is large.
    pub(crate) fn set_rows(&mut self, batch: RecordBatch, encoder: Option<&RowGroupEncoder>) {
        if let Some(enc) = encoder
            && batch.num_rows() >= ENCODE_MIN_ROWS
            && let Ok(groups) = enc.encode(&batch)
        {
            self.encoded = groups;
            return;
        }
        // Small, or not encodable here: the file encodes it (and reports any error).
        self.batch = Some(batch);
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
    pub fields: Option<&'a FieldReader>,
    /// Encodes large batches of rows on the worker.
    pub encoder: Option<&'a RowGroupEncoder>,
}

/// A block to judge and where it comes from.
pub(crate) struct Job {
    pub input: usize,
    pub raw: RawBlock,
    pub hostname: Arc<str>,
    pub trace: Arc<str>,
}

impl Judge<'_> {
    pub fn run(&self, job: Job, scratch: &mut Scratch) -> BlockResult {
        let t0 = thread_cpu_ns();
        let out = BlockResult {
            input: job.input,
            block: job.raw.index,
            ..Default::default()
        };
        // Each worker decodes into the same block again and again: no fresh megabytes per block.
        thread_local! {
            static BLOCK: std::cell::RefCell<Block> = std::cell::RefCell::new(Block::default());
        }
        BLOCK.with_borrow_mut(|block| self.judge(job, block, scratch, t0, out))
    }

    fn judge(
        &self,
        job: Job,
        block: &mut Block,
        scratch: &mut Scratch,
        t0: u64,
        mut out: BlockResult,
    ) -> BlockResult {
        if let Err(e) = job.raw.decode_into(block) {
            out.damage = Some(e.to_string());
            out.decode_ns = thread_cpu_ns() - t0;
            return out;
        }
        drop(job.raw);
        let t1 = thread_cpu_ns();
        out.decode_ns = t1 - t0;
        out.events = block.events.len() as u64;
        scratch.set_hostname(&job.hostname);
        // Each hit is rendered once, into buffers reused for every hit of the worker; its
        // batch of Parquet rows is sized like the previous one.
        thread_local! {
            static BUFS: std::cell::RefCell<(AlertBuf, AlertBuf, HitsSize)> = Default::default();
        }
        BUFS.with_borrow_mut(|(alert, fields_buf, size)| {
            let mut batch = self.produce.parquet.then(|| HitsBatch::with_size(size));
            // Verdicts of costly string checks are kept per string of this block.
            let mut matcher = self.engine.block_matcher(block, scratch);
            for ev in block.events() {
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
                    if let (Some(b), Some(fields)) = (batch.as_mut(), self.fields) {
                        fields.render(&ev, scratch, fields_buf);
                        b.push_rendered(
                            alert,
                            rule,
                            &job.hostname,
                            &job.trace,
                            ev.num,
                            fields.values(fields_buf),
                        );
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
            if let Some(mut b) = batch
                && !b.is_empty()
            {
                *size = b.size();
                out.set_rows(b.finish(), self.encoder);
            }
        });
        let _ = out.lines.flush();
        out.losses = block.losses.clone();
        out.eval_ns = thread_cpu_ns() - t1;
        out
    }
}

/// CPU time of the calling thread, in ns: unlike wall time, it does not grow when other
/// processes take the cores.
pub(crate) fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes only into `ts`, which we own.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

fn count(v: &mut Vec<(RuleId, u64)>, id: RuleId) {
    match v.iter_mut().find(|(r, _)| *r == id) {
        Some((_, n)) => *n += 1,
        None => v.push((id, 1)),
    }
}
