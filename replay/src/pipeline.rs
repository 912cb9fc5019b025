//! The parallel replay: blocks of all inputs are judged on a rayon pool and handed back in
//! input order, then block order, whatever thread finished first.
//!
//! The calling thread reads compressed blocks (cheap I/O), hands each to the pool, and puts
//! finished blocks back in order. At most `max_in_flight` blocks exist at a time (being
//! judged, or finished and waiting for an earlier one), so memory does not grow with the size
//! of the inputs. A block with much alert text hands it on in parts while it is judged: the
//! block next in order is written as it goes, later ones wait in parts. Everything a block
//! produces depends only on that block, so the outputs are byte-identical for every thread
//! count.

use std::collections::BTreeMap;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rtsec_format::{Header, Losses, TraceReader};
use rtsec_rules::{Engine, Scratch};

use crate::error::ReplayError;
use crate::fields::AlertFields;
use crate::follow::{Follow, follow_input};
use crate::follow_state::FollowState;
use crate::hit_rows::RuleCatalog;
use crate::hits::HIT_EVENT_FIELDS;
use crate::inputs::Input;
use crate::judge::{BlockResult, Job, Judge, Produce};
use crate::summary::{RuleHits, Summary, TraceReport};
use crate::window::TimeWindow;

/// Output that blocks may hold before they are written. Finished blocks waiting for an
/// earlier one stop new blocks from starting beyond it, and when blocks produce much output
/// (a rule firing on most events) fewer are started at once, down to one per thread. With
/// the block window alone, such a rule made replay hold six blocks of alert text at -j 2:
/// peak RSS 207 MiB (text), 275 MiB (JSON to /dev/null), 379 MiB (JSON to a pipe read at
/// its own pace).
const MAX_WAITING_BYTES: usize = 64 << 20;

/// How a replay runs.
#[derive(Clone, Debug)]
pub struct ReplayOptions {
    /// Worker threads. With 1, everything runs on the calling thread.
    pub threads: usize,
    /// Most blocks alive at once; 0 picks `2 × threads + 2`.
    pub max_in_flight: usize,
    /// Output bytes that finished blocks may hold while they wait for an earlier one; 0
    /// picks 64 MiB.
    pub max_waiting_bytes: usize,
    /// A block hands on its alert text in parts of about this size (see
    /// [`BlockResult::piece`]); 0 picks [`PIECE_BYTES`].
    pub piece_bytes: usize,
    pub produce: Produce,
    /// Only the events in this window are judged (see [`crate::window`]).
    pub window: TimeWindow,
    /// Follow the one input while it is written (see [`crate::follow`]).
    pub follow: Option<Follow>,
    /// Set (by Ctrl-C) to stop reading blocks: those submitted are finished and summed up,
    /// and the summary says the run was interrupted. A follow has its own (see [`Follow`]).
    pub stop: Option<&'static std::sync::atomic::AtomicBool>,
}

/// Alert text a block hands on at a time. The block next in order is written part by part
/// while it is judged, instead of held whole: a rule firing on 44 % of events makes ~45 MiB
/// of JSON per block of 75 000 events, and at -j 2 one block being written and two being
/// judged held theirs whole (JSON to a pipe: peak RSS 219-282 MiB before, 134-167 after).
pub const PIECE_BYTES: usize = 4 << 20;

impl Default for ReplayOptions {
    fn default() -> Self {
        ReplayOptions {
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            max_in_flight: 0,
            max_waiting_bytes: 0,
            piece_bytes: 0,
            produce: Produce::default(),
            window: TimeWindow::default(),
            follow: None,
            stop: None,
        }
    }
}

/// Progress so far, reported after each block.
#[derive(Clone, Copy, Debug, Default)]
pub struct Progress {
    pub blocks: u64,
    pub events: u64,
    pub hits: u64,
    /// Compressed bytes read (or passed over as outside the time window) so far, and in all
    /// inputs (for a progress bar).
    pub bytes: u64,
    pub total_bytes: u64,
    /// Reported while a followed trace has nothing new (nothing changed since the last).
    pub idle: bool,
}

/// Judges `inputs` with `engine`. `on_block` receives every block's result in input order,
/// then block order; if it fails, reading stops and its error is returned. Inputs that cannot
/// be opened, and damage inside traces, do not stop the run: they are in the summary.
pub fn replay(
    engine: &Engine,
    inputs: &[Input],
    opts: &ReplayOptions,
    on_block: &mut dyn FnMut(BlockResult) -> Result<(), ReplayError>,
    on_progress: &mut dyn FnMut(&Progress),
) -> Result<Summary, ReplayError> {
    let (fields, catalog) = if opts.produce.parquet {
        (
            Some(AlertFields::new(engine, &HIT_EVENT_FIELDS)?),
            Some(Arc::new(RuleCatalog::new(engine))),
        )
    } else {
        (None, None)
    };
    let judge = Judge {
        engine,
        produce: opts.produce,
        fields: fields.as_ref(),
        catalog: catalog.as_ref(),
        piece_bytes: if opts.piece_bytes == 0 {
            PIECE_BYTES
        } else {
            opts.piece_bytes
        },
    };
    run_blocks(&judge, Some(engine), inputs, opts, on_block, on_progress)
}

/// What runs on each block: judging (replay) or reading fields (export).
pub(crate) trait BlockWork: Sync {
    /// The block's result; parts of its output may go to `piece` first.
    fn run(
        &self,
        job: Job,
        scratch: &mut Scratch,
        piece: &mut dyn FnMut(BlockResult),
    ) -> BlockResult;
}

impl BlockWork for Judge<'_> {
    fn run(
        &self,
        job: Job,
        scratch: &mut Scratch,
        piece: &mut dyn FnMut(BlockResult),
    ) -> BlockResult {
        Judge::run(self, job, scratch, piece)
    }
}

/// Runs `work` on every block of `inputs` (see [`replay`]); `engine` names the rules in the
/// summary's counts.
pub(crate) fn run_blocks(
    work: &dyn BlockWork,
    engine: Option<&Engine>,
    inputs: &[Input],
    opts: &ReplayOptions,
    on_block: &mut dyn FnMut(BlockResult) -> Result<(), ReplayError>,
    on_progress: &mut dyn FnMut(&Progress),
) -> Result<Summary, ReplayError> {
    let start = Instant::now();
    let threads = opts.threads.max(1);
    let max_in_flight = if opts.max_in_flight == 0 {
        2 * threads + 2
    } else {
        opts.max_in_flight
    };
    let max_waiting_bytes = if opts.max_waiting_bytes == 0 {
        MAX_WAITING_BYTES
    } else {
        opts.max_waiting_bytes
    };
    let total_bytes = inputs
        .iter()
        .filter_map(|i| std::fs::metadata(&i.path).ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum();
    if opts.follow.is_some() && inputs.len() != 1 {
        return Err(ReplayError::Output(format!(
            "following takes one trace, not {}",
            inputs.len()
        )));
    }
    let mut col = Collector::new(engine, inputs, on_block, on_progress, total_bytes);
    if threads == 1 {
        let mut scratch = Scratch::new();
        drive(
            inputs,
            opts,
            &mut col,
            &mut |seq, job, col| {
                col.in_flight += 1;
                let r = work.run(job, &mut scratch, &mut |p| col.accept(seq, p));
                col.accept(seq, r);
            },
            &mut |_| {},
        );
    } else {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("rtsec-replay-{i}"))
            .build()
            .map_err(|e| ReplayError::Output(format!("cannot start worker threads: {e}")))?;
        let scratches: Mutex<Vec<Scratch>> = Mutex::new(Vec::new());
        let (tx, rx) = mpsc::channel::<(u64, BlockResult)>();
        let scratches = &scratches;
        pool.in_place_scope_fifo(|s| {
            let mut submit = |seq: u64, job: Job, col: &mut Collector<'_>| {
                let tx = tx.clone();
                s.spawn_fifo(move |_| {
                    let mut scratch = scratches
                        .lock()
                        .map(|mut v| v.pop())
                        .ok()
                        .flatten()
                        .unwrap_or_default();
                    let r = work.run(job, &mut scratch, &mut |p| {
                        let _ = tx.send((seq, p));
                    });
                    if let Ok(mut v) = scratches.lock() {
                        v.push(scratch);
                    }
                    let _ = tx.send((seq, r));
                });
                col.in_flight += 1;
                // Wait while the window is full, or while finished blocks waiting for an
                // earlier one hold much output (a rule firing on most events): results come
                // back in any order. Blocks with much output narrow the window.
                loop {
                    let window = match col.block_bytes {
                        0 => max_in_flight,
                        b => (max_waiting_bytes / b + 1).clamp(threads, max_in_flight),
                    };
                    let full = col.in_flight >= window
                        || (col.waiting_bytes > max_waiting_bytes && col.in_flight > 0);
                    if !full {
                        break;
                    }
                    match rx.recv() {
                        Ok((seq, r)) => col.accept(seq, r),
                        Err(_) => break,
                    }
                }
            };
            // Every block submitted, done: while a followed trace has nothing new, and at
            // the end.
            let drain = |col: &mut Collector<'_>| {
                while col.in_flight > 0 {
                    match rx.recv() {
                        Ok((seq, r)) => col.accept(seq, r),
                        Err(_) => break,
                    }
                }
            };
            let mut idle = drain;
            drive(inputs, opts, &mut col, &mut submit, &mut idle);
            drain(&mut col);
        });
    }
    col.finish(threads, start, opts.window)
}

/// Reads every input's blocks in order and submits them with consecutive sequence numbers.
/// `idle` waits for every block submitted (a followed trace calls it while it has nothing new).
fn drive(
    inputs: &[Input],
    opts: &ReplayOptions,
    col: &mut Collector<'_>,
    submit: &mut dyn FnMut(u64, Job, &mut Collector<'_>),
    idle: &mut dyn FnMut(&mut Collector<'_>),
) {
    let window = &opts.window;
    if let (Some(follow), [input]) = (&opts.follow, inputs) {
        if let Some(p) = &input.problem {
            col.reports[0].error = Some(p.clone());
            return;
        }
        follow_input(input, window, follow, col, submit, idle);
        return;
    }
    let mut seq = 0u64;
    // Bytes of blocks passed over as outside the window, in the inputs before this one.
    let mut passed_before = 0u64;
    let stopped = || {
        opts.stop
            .is_some_and(|s| s.load(std::sync::atomic::Ordering::Relaxed))
    };
    // Set once `stopped`: this input and those after it are marked interrupted.
    let mut interrupted = false;
    for (i, input) in inputs.iter().enumerate() {
        if col.error.is_some() || interrupted {
            break;
        }
        if let Some(p) = &input.problem {
            col.reports[i].error = Some(p.clone());
            continue;
        }
        let reader = match TraceReader::open(&input.path) {
            Ok(r) => r,
            Err(e) => {
                col.reports[i].error = Some(e.to_string());
                continue;
            }
        };
        let hostname: Arc<str> = Arc::from(reader.header().hostname.as_str());
        let interfaces = Arc::new(reader.header().interfaces.clone());
        let trace: Arc<str> = Arc::from(input.name().display().to_string().as_str());
        {
            let r = &mut col.reports[i];
            r.hostname = reader.header().hostname.clone();
            r.finished = reader.footer().is_some();
            r.footer_events = reader.footer().map(|f| f.events);
        }
        col.note_recorded(i, reader.header());
        if let Some(f) = reader.footer() {
            col.footer_losses[i] = Some(f.losses.clone());
        }
        let span = window.span(crate::window::trace_start(&reader));
        let mut blocks = reader.blocks(true);
        if !window.is_unbounded() {
            blocks = blocks.only_between(span.first, span.last);
        }
        // The losses the trace recorded before the window (the window's are those after),
        // known before its first block is judged, as when following.
        let mut before_noted = false;
        let mut note_before = |blocks: &rtsec_format::RawBlocks<'_>, col: &mut Collector<'_>| {
            if !std::mem::replace(&mut before_noted, true)
                && let Some((index, offset)) = blocks.before_window()
                && let Ok(b) = reader.block_at(index, offset).and_then(|b| b.decode())
            {
                col.losses_before[i] = Some(b.losses);
            }
        };
        while let Some(raw) = blocks.next() {
            if col.error.is_some() {
                break;
            }
            if stopped() {
                interrupted = true;
                for r in &mut col.reports[i..] {
                    r.interrupted = true;
                }
                break;
            }
            match raw {
                Ok(raw) => {
                    note_before(&blocks, col);
                    col.bytes_read += raw.payload.len() as u64;
                    col.bytes_passed = passed_before + blocks.outside_window().bytes;
                    let job = Job {
                        input: i,
                        raw,
                        hostname: hostname.clone(),
                        interfaces: interfaces.clone(),
                        trace: trace.clone(),
                        span,
                    };
                    submit(seq, job, col);
                    seq += 1;
                }
                Err(e) => {
                    col.reports[i]
                        .damaged_blocks
                        .push(format!("reading stopped: {e}"));
                    break;
                }
            }
        }
        // A window that no block meets still has the losses before it.
        note_before(&blocks, col);
        let outside = blocks.outside_window();
        col.reports[i].blocks_unread = outside.blocks;
        col.reports[i].outside_window += outside.events;
        passed_before += outside.bytes;
        col.bytes_passed = passed_before;
        col.reports[i].notices = blocks.into_notices();
    }
}

/// Puts finished blocks back in order and keeps the tallies.
pub(crate) struct Collector<'a> {
    engine: Option<&'a Engine>,
    on_block: &'a mut dyn FnMut(BlockResult) -> Result<(), ReplayError>,
    on_progress: &'a mut dyn FnMut(&Progress),
    pub(crate) reports: Vec<TraceReport>,
    pub(crate) footer_losses: Vec<Option<Losses>>,
    /// Per input: the losses of the last block read (its index and losses).
    block_losses: Vec<Option<(u32, Losses)>>,
    /// Per input: the losses recorded before the time window (by the last block before it).
    pub(crate) losses_before: Vec<Option<Losses>>,
    rule_hits: Vec<u64>,
    waiting: BTreeMap<u64, BlockResult>,
    /// Parts of blocks not yet next in order (see [`BlockResult::piece`]), in arrival order.
    pieces: BTreeMap<u64, Vec<BlockResult>>,
    /// [`BlockResult::held_bytes`] of the results in `waiting` and `pieces`.
    waiting_bytes: usize,
    /// Output bytes of recent blocks (the largest, decaying by 1/8 per block).
    block_bytes: usize,
    next: u64,
    in_flight: usize,
    progress: Progress,
    pub(crate) bytes_read: u64,
    /// Bytes of blocks passed over as outside the time window (done, for the progress).
    bytes_passed: u64,
    decode_ns: u64,
    eval_ns: u64,
    pub(crate) error: Option<ReplayError>,
    /// Where the follow stands once the block of each sequence number is written (see
    /// [`BlockResult::follow_state`]).
    marks: BTreeMap<u64, FollowState>,
}

impl<'a> Collector<'a> {
    fn new(
        engine: Option<&'a Engine>,
        inputs: &[Input],
        on_block: &'a mut dyn FnMut(BlockResult) -> Result<(), ReplayError>,
        on_progress: &'a mut dyn FnMut(&Progress),
        total_bytes: u64,
    ) -> Self {
        let n_rules = engine
            .and_then(|e| e.enabled().iter().map(|&i| i as usize + 1).max())
            .unwrap_or(0);
        Collector {
            engine,
            on_block,
            on_progress,
            reports: inputs
                .iter()
                .map(|i| TraceReport {
                    path: i.name().to_path_buf(),
                    ..Default::default()
                })
                .collect(),
            footer_losses: vec![None; inputs.len()],
            block_losses: vec![None; inputs.len()],
            losses_before: vec![None; inputs.len()],
            rule_hits: vec![0; n_rules],
            waiting: BTreeMap::new(),
            pieces: BTreeMap::new(),
            waiting_bytes: 0,
            block_bytes: 0,
            next: 0,
            in_flight: 0,
            progress: Progress {
                total_bytes,
                ..Default::default()
            },
            bytes_read: 0,
            bytes_passed: 0,
            decode_ns: 0,
            eval_ns: 0,
            error: None,
            marks: BTreeMap::new(),
        }
    }

    /// Reports the progress again while a followed trace has nothing new, so that outputs
    /// that change with time (a series of Parquet files) can.
    pub(crate) fn idle_progress(&mut self) {
        self.progress.idle = true;
        (self.on_progress)(&self.progress);
        self.progress.idle = false;
    }

    /// `state` goes with the result of the block submitted as `seq`.
    pub(crate) fn mark(&mut self, seq: u64, state: FollowState) {
        self.marks.insert(seq, state);
    }

    /// A report for one more trace (a followed directory's next file); its index.
    pub(crate) fn add_trace(&mut self, path: std::path::PathBuf) -> usize {
        self.reports.push(TraceReport {
            path,
            ..Default::default()
        });
        self.footer_losses.push(None);
        self.block_losses.push(None);
        self.losses_before.push(None);
        self.reports.len() - 1
    }

    /// Names in trace `report`'s report the enabled rules that watch syscalls its live capture
    /// did not record.
    pub(crate) fn note_recorded(&mut self, report: usize, header: &Header) {
        if let Some(engine) = self.engine {
            self.reports[report].unseen = crate::blind::unseen_rules(&[engine], header);
            self.reports[report].unresolved = crate::blind::unresolved_names(&[engine], header);
        }
    }

    /// Takes block `seq`'s result, or a part of it, and emits everything that is now next in
    /// order: a part of the block next in order is written at once.
    fn accept(&mut self, seq: u64, r: BlockResult) {
        let held = r.held_bytes();
        if r.piece {
            if seq == self.next {
                self.emit_piece(r);
            } else {
                self.waiting_bytes += held;
                self.pieces.entry(seq).or_default().push(r);
            }
            return;
        }
        // The output of recent blocks, falling slowly when they shrink.
        let output = held + r.piece_bytes;
        self.block_bytes = output.max(self.block_bytes - self.block_bytes / 8);
        self.waiting_bytes += held;
        self.waiting.insert(seq, r);
        loop {
            // Parts that arrived before their block became next come first.
            for p in self.pieces.remove(&self.next).unwrap_or_default() {
                self.waiting_bytes -= p.held_bytes();
                self.emit_piece(p);
            }
            let Some(r) = self.waiting.remove(&self.next) else {
                break;
            };
            self.waiting_bytes -= r.held_bytes();
            let mut r = r;
            r.follow_state = self.marks.remove(&self.next);
            self.next += 1;
            self.in_flight -= 1;
            self.emit(r);
        }
    }

    fn emit_piece(&mut self, r: BlockResult) {
        if self.error.is_none()
            && let Err(e) = (self.on_block)(r)
        {
            self.error = Some(e);
        }
    }

    fn emit(&mut self, mut r: BlockResult) {
        let i = r.input;
        let hits = r.hit_count();
        {
            let rep = &mut self.reports[i];
            rep.blocks += 1;
            rep.events += r.events;
            rep.outside_window += r.outside;
            rep.hits += hits;
            if let Some(d) = r.damage.take() {
                rep.damaged_blocks.push(d);
            }
        }
        if r.events > 0 {
            let newer = self.block_losses[i]
                .as_ref()
                .is_none_or(|(b, _)| r.block >= *b);
            if newer {
                // Cloned: a followed trace's losses are reported as they grow.
                self.block_losses[i] = Some((r.block, r.losses.clone()));
            }
            // Whoever reads the block gets the losses of the window.
            if let Some(before) = &self.losses_before[i] {
                r.losses = r.losses.since(before);
            }
        }
        for &(id, n) in &r.rule_hits {
            if let Some(c) = self.rule_hits.get_mut(id as usize) {
                *c += n;
            }
        }
        self.decode_ns += r.decode_ns;
        self.eval_ns += r.eval_ns;
        self.progress.blocks += 1;
        self.progress.events += r.events;
        self.progress.hits += hits;
        self.progress.bytes = self.bytes_read + self.bytes_passed;
        if self.error.is_none()
            && let Err(e) = (self.on_block)(r)
        {
            self.error = Some(e);
        }
        (self.on_progress)(&self.progress);
    }

    fn finish(
        mut self,
        threads: usize,
        start: Instant,
        window: TimeWindow,
    ) -> Result<Summary, ReplayError> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        for (i, rep) in self.reports.iter_mut().enumerate() {
            let footer = self.footer_losses[i].take();
            let block = self.block_losses[i].take().map(|(_, b)| b);
            // In a window, what the trace recorded up to the last block judged, less what it
            // recorded before the window: the losses of the window (with the blocks it
            // straddles), not of the whole trace.
            let upto = match window.is_unbounded() {
                true => footer.or(block),
                false => block.or(footer),
            };
            rep.losses = upto.unwrap_or_default();
            if let Some(before) = self.losses_before[i].take() {
                rep.losses = rep.losses.since(&before);
            }
        }
        let enabled = self.engine.map_or(&[][..], |e| e.enabled());
        let rules = enabled
            .iter()
            .filter_map(|&id| {
                let n = self.rule_hits.get(id as usize).copied().unwrap_or(0);
                let info = self.engine?.rule(id);
                (n > 0).then(|| RuleHits {
                    rule: info.name.clone(),
                    priority: info.priority,
                    hits: n,
                })
            })
            .collect();
        Ok(Summary {
            events: self.reports.iter().map(|r| r.events).sum(),
            hits: self.reports.iter().map(|r| r.hits).sum(),
            blocks: self.reports.iter().map(|r| r.blocks).sum(),
            traces: self.reports,
            rules,
            threads,
            elapsed: start.elapsed(),
            decode_ns: self.decode_ns,
            eval_ns: self.eval_ns,
            bytes_read: self.bytes_read,
            window,
        })
    }
}
