//! Comparing two rule sets on the same traces (`rtsec diff`): what a change to a rule set
//! does to its verdicts, before it is deployed. Each block is decoded once and judged by both
//! sets; the hits only one of them has, and the hits both have whose alert differs, are
//! written as they are found (input order, then event order, the same bytes for every `-j`)
//! and counted per rule. Rules are the same rule in both sets when they have the same name.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;

use rtsec_format::Block;
use rtsec_rules::{AlertBuf, Engine, FieldValue, RuleId, Scratch};
use smallvec::SmallVec;

use crate::error::ReplayError;
use crate::inputs::Input;
use crate::judge::{BlockResult, Job, LineFormat, thread_cpu_ns};
use crate::pipeline::{BlockWork, PIECE_BYTES, Progress, ReplayOptions, run_blocks};
use crate::summary::{Summary, group};
use crate::text_buffers;

/// Exit code of a comparison whose verdicts differ (every trace judged).
pub const EXIT_DIFFERENT: u8 = 4;

/// Hits of one rule in a block or a run, by both rule sets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DiffCounts {
    /// Hits of the old rule set.
    pub old: u64,
    /// Hits of the new rule set.
    pub new: u64,
    /// Events only the old rule set alerts on.
    pub removed: u64,
    /// Events only the new rule set alerts on.
    pub added: u64,
    /// Events both alert on, with different alerts (output, priority, tags or source).
    pub changed: u64,
}

impl DiffCounts {
    fn add(&mut self, o: &DiffCounts) {
        self.old += o.old;
        self.new += o.new;
        self.removed += o.removed;
        self.added += o.added;
        self.changed += o.changed;
    }

    /// Whether the two rule sets disagree on this rule.
    pub fn differs(&self) -> bool {
        self.removed + self.added + self.changed > 0
    }
}

/// One rule's line of a [`Comparison`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleDiff {
    pub rule: String,
    /// Whether the old and the new rule set have the rule enabled.
    pub in_old: bool,
    pub in_new: bool,
    pub counts: DiffCounts,
}

/// What a comparison found.
#[derive(Debug)]
pub struct Comparison {
    /// Every rule enabled in either set: the old set's in order, then those only the new has.
    pub rules: Vec<RuleDiff>,
    /// Events, traces and their losses (its hit counts are left empty).
    pub summary: Summary,
}

impl Comparison {
    /// The counts over all rules.
    pub fn total(&self) -> DiffCounts {
        let mut t = DiffCounts::default();
        for r in &self.rules {
            t.add(&r.counts);
        }
        t
    }

    /// [`crate::EXIT_FAILED`] if an input could not be judged, else [`EXIT_DIFFERENT`] if
    /// the verdicts differ, else the summary's code (incomplete traces).
    pub fn exit_code(&self) -> u8 {
        let code = self.summary.exit_code();
        if code != crate::EXIT_FAILED && self.total().differs() {
            EXIT_DIFFERENT
        } else {
            code
        }
    }

    /// The human report: totals and a line per rule that differs (`all`: per rule with hits).
    pub fn render(&self, all: bool) -> String {
        use std::fmt::Write as _;
        let mut s = self.summary.render_head();
        let t = self.total();
        let only = |f: fn(&RuleDiff) -> bool| self.rules.iter().filter(|r| f(r)).count();
        let _ = writeln!(
            s,
            "Rules: {} enabled in the old set, {} in the new ({} only in the old, {} only in the new)",
            only(|r| r.in_old),
            only(|r| r.in_new),
            only(|r| r.in_old && !r.in_new),
            only(|r| r.in_new && !r.in_old),
        );
        let _ = writeln!(s, "Hits: {} old, {} new", group(t.old), group(t.new));
        if t.differs() {
            let _ = writeln!(
                s,
                "DIFFERENT: {} removed, {} added, {} changed",
                group(t.removed),
                group(t.added),
                group(t.changed)
            );
        } else {
            let _ = writeln!(
                s,
                "Same verdicts: every hit of one set is a hit of the other, with the same alert"
            );
        }
        let shown: Vec<&RuleDiff> = self
            .rules
            .iter()
            .filter(|r| r.counts.differs() || (all && r.counts.old + r.counts.new > 0))
            .collect();
        if !shown.is_empty() {
            let cols = ["old", "new", "removed", "added", "changed"];
            let cells: Vec<[String; 5]> = shown
                .iter()
                .map(|r| {
                    let c = r.counts;
                    [c.old, c.new, c.removed, c.added, c.changed].map(group)
                })
                .collect();
            let width: Vec<usize> = (0..5)
                .map(|i| {
                    cells
                        .iter()
                        .map(|c| c[i].len())
                        .chain([cols[i].len()])
                        .max()
                        .unwrap_or(0)
                })
                .collect();
            s.push(' ');
            for (c, w) in cols.iter().zip(&width) {
                let _ = write!(s, " {c:>w$}");
            }
            s.push_str("  rule\n");
            for (r, c) in shown.iter().zip(&cells) {
                s.push(' ');
                for (v, w) in c.iter().zip(&width) {
                    let _ = write!(s, " {v:>w$}");
                }
                let note = match (r.in_old, r.in_new) {
                    (true, false) => " (not enabled in the new set)",
                    (false, true) => " (not enabled in the old set)",
                    _ => "",
                };
                let _ = writeln!(s, "  {}{note}", r.rule);
            }
        }
        s.push_str(&self.summary.render_traces(all, false));
        s
    }
}

/// The rules of both sets by name: an index per name, and each set's rule ids mapped to it.
struct RuleUnion {
    names: Vec<(String, bool, bool)>,
    old: Vec<u32>,
    new: Vec<u32>,
}

impl RuleUnion {
    fn new(old: &Engine, new: &Engine) -> RuleUnion {
        let mut names: Vec<(String, bool, bool)> = Vec::new();
        let mut index: HashMap<String, u32> = HashMap::new();
        let mut map = |engine: &Engine, is_old: bool| {
            let len = engine.enabled().iter().map(|&i| i as usize + 1).max();
            let mut ids = vec![u32::MAX; len.unwrap_or(0)];
            for &id in engine.enabled() {
                let name = &engine.rule(id).name;
                let u = *index.entry(name.clone()).or_insert_with(|| {
                    names.push((name.clone(), false, false));
                    names.len() as u32 - 1
                });
                let n = &mut names[u as usize];
                if is_old {
                    n.1 = true;
                } else {
                    n.2 = true;
                }
                ids[id as usize] = u;
            }
            ids
        };
        let old = map(old, true);
        let new = map(new, false);
        RuleUnion { names, old, new }
    }
}

/// The comparison's work on each block.
struct Differ<'a> {
    old: &'a Engine,
    new: &'a Engine,
    union: &'a RuleUnion,
    lines: Option<LineFormat>,
    piece_bytes: usize,
}

/// The trace a block comes from, as its lines name it.
struct Origin {
    trace: Arc<str>,
    hostname: Arc<str>,
}

/// Which side of a difference a line shows.
#[derive(Clone, Copy)]
enum Side {
    Old,
    New,
}

impl Differ<'_> {
    fn judge(
        &self,
        job: Job,
        block: &mut Block,
        scratch_new: &mut Scratch,
        bufs: &mut (AlertBuf, AlertBuf),
        scratch: &mut Scratch,
        piece: &mut dyn FnMut(BlockResult),
    ) -> BlockResult {
        let t0 = thread_cpu_ns();
        let mut out = BlockResult::new(job.input, job.raw.index);
        if let Err(e) = job.raw.decode_into(block) {
            out.damage = Some(e.to_string());
            out.decode_ns = thread_cpu_ns() - t0;
            return out;
        }
        let (span, straddles) = (job.span, job.straddles());
        // The compressed block is not needed any more.
        drop(job.raw);
        let at = Origin {
            trace: job.trace,
            hostname: job.hostname,
        };
        let t1 = thread_cpu_ns();
        out.decode_ns = t1 - t0;
        scratch.set_hostname(&at.hostname);
        scratch_new.set_hostname(&at.hostname);
        out.diffs = vec![DiffCounts::default(); self.union.names.len()];
        let (a, b) = bufs;
        let mut old_m = self.old.block_matcher(block, scratch);
        let mut new_m = self.new.block_matcher(block, scratch_new);
        for ev in block.events() {
            if straddles && !span.contains(ev.event.ts) {
                out.outside += 1;
                continue;
            }
            let olds: SmallVec<[RuleId; 8]> = old_m.matches(&ev).iter().copied().collect();
            let news: SmallVec<[RuleId; 8]> = new_m.matches(&ev).iter().copied().collect();
            if olds.is_empty() && news.is_empty() {
                continue;
            }
            let mut paired: SmallVec<[bool; 8]> = SmallVec::from_elem(false, news.len());
            for &id in &olds {
                let u = self.union.old[id as usize];
                let c = &mut out.diffs[u as usize];
                c.old += 1;
                let pair = news.iter().position(|&n| self.union.new[n as usize] == u);
                self.old.render(id, &ev, old_m.scratch(), a);
                match pair {
                    Some(j) => {
                        paired[j] = true;
                        self.new.render(news[j], &ev, new_m.scratch(), b);
                        if !self.same_alert(id, news[j], a, b) {
                            c.changed += 1;
                            self.write(
                                &mut out.lines,
                                &at,
                                ev.num,
                                Some((id, &*a)),
                                Some((news[j], &*b)),
                            );
                        }
                    }
                    None => {
                        c.removed += 1;
                        self.write(&mut out.lines, &at, ev.num, Some((id, &*a)), None);
                    }
                }
            }
            for (j, &id) in news.iter().enumerate() {
                let c = &mut out.diffs[self.union.new[id as usize] as usize];
                c.new += 1;
                if !paired[j] {
                    c.added += 1;
                    self.new.render(id, &ev, new_m.scratch(), b);
                    self.write(&mut out.lines, &at, ev.num, None, Some((id, &*b)));
                }
            }
            if out.lines.len() >= self.piece_bytes {
                let part = std::mem::replace(
                    &mut out.lines,
                    text_buffers::take(self.piece_bytes + (64 << 10)),
                );
                out.piece_bytes += part.len();
                piece(BlockResult::new_piece(out.input, out.block, part));
            }
        }
        out.events = block.events.len() as u64 - out.outside;
        out.losses = block.losses.clone();
        out.eval_ns = thread_cpu_ns() - t1;
        out
    }

    /// Whether both alerts say the same: line (time, priority, output), tags and source.
    fn same_alert(&self, old: RuleId, new: RuleId, a: &AlertBuf, b: &AlertBuf) -> bool {
        let (ro, rn) = (self.old.rule(old), self.new.rule(new));
        a.line() == b.line()
            && ro.tags == rn.tags
            && ro.source == rn.source
            && a.fields().eq(b.fields())
    }

    /// Writes a difference: the old alert, the new one, or both (a changed alert).
    fn write(
        &self,
        out: &mut Vec<u8>,
        at: &Origin,
        num: u64,
        old: Option<(RuleId, &AlertBuf)>,
        new: Option<(RuleId, &AlertBuf)>,
    ) {
        match self.lines {
            None => {}
            Some(LineFormat::Text) => {
                for (side, alert) in [(Side::Old, old), (Side::New, new)] {
                    let Some((id, alert)) = alert else { continue };
                    let (sign, engine) = match side {
                        Side::Old => (b'-', self.old),
                        Side::New => (b'+', self.new),
                    };
                    out.push(sign);
                    out.push(b' ');
                    out.extend_from_slice(at.trace.as_bytes());
                    let _ = write!(out, ":{num} [{}] ", engine.rule(id).name);
                    out.extend_from_slice(alert.line().as_bytes());
                    out.push(b'\n');
                }
            }
            Some(LineFormat::Json) => {
                let change = match (&old, &new) {
                    (Some(_), Some(_)) => "changed",
                    (Some(_), None) => "removed",
                    _ => "added",
                };
                let rule = old.or(new).map(|(id, _)| match old {
                    Some(_) => &self.old.rule(id).name,
                    None => &self.new.rule(id).name,
                });
                let _ = write!(out, "{{\"change\":\"{change}\",\"trace\":");
                FieldValue::String(&at.trace).write_json(out);
                let _ = write!(out, ",\"evt_num\":{num},\"rule\":");
                FieldValue::String(rule.map_or("", |r| r.as_str())).write_json(out);
                for (key, engine, alert) in
                    [(",\"old\":", self.old, old), (",\"new\":", self.new, new)]
                {
                    out.extend_from_slice(key.as_bytes());
                    match alert {
                        Some((id, a)) => a.write_json(engine.rule(id), &at.hostname, out),
                        None => out.extend_from_slice(b"null"),
                    }
                }
                out.extend_from_slice(b"}\n");
            }
        }
    }
}

impl BlockWork for Differ<'_> {
    fn run(
        &self,
        job: Job,
        scratch: &mut Scratch,
        piece: &mut dyn FnMut(BlockResult),
    ) -> BlockResult {
        // Each worker decodes into the same block, and judges with the new set's scratch,
        // again and again.
        type State = (Block, Scratch, (AlertBuf, AlertBuf));
        thread_local! {
            static STATE: RefCell<State> = RefCell::default();
        }
        STATE.with_borrow_mut(|(block, scratch_new, bufs)| {
            self.judge(job, block, scratch_new, bufs, scratch, piece)
        })
    }
}

/// Judges `inputs` with the `old` and the `new` rule set and hands the differences to
/// `on_block` as lines (`lines`: their format, `None`: only counted), in input order, then
/// event order. `opts.produce` is not used.
pub fn compare(
    old: &Engine,
    new: &Engine,
    inputs: &[Input],
    opts: &ReplayOptions,
    lines: Option<LineFormat>,
    on_block: &mut dyn FnMut(BlockResult) -> Result<(), ReplayError>,
    on_progress: &mut dyn FnMut(&Progress),
) -> Result<Comparison, ReplayError> {
    let union = RuleUnion::new(old, new);
    let work = Differ {
        old,
        new,
        union: &union,
        lines,
        piece_bytes: if opts.piece_bytes == 0 {
            PIECE_BYTES
        } else {
            opts.piece_bytes
        },
    };
    let mut totals = vec![DiffCounts::default(); union.names.len()];
    let summary = run_blocks(
        &work,
        None,
        inputs,
        opts,
        &mut |mut r| {
            for (t, c) in totals.iter_mut().zip(&std::mem::take(&mut r.diffs)) {
                t.add(c);
            }
            on_block(r)
        },
        on_progress,
    )?;
    let rules = union
        .names
        .into_iter()
        .zip(totals)
        .map(|((rule, in_old, in_new), counts)| RuleDiff {
            rule,
            in_old,
            in_new,
            counts,
        })
        .collect();
    Ok(Comparison { rules, summary })
}
