//! The comparison's work on each block: decode it once, judge each event with both rule
//! sets, and write and count what differs.

use std::cell::RefCell;
use std::io::Write;
use std::sync::Arc;

use rtsec_format::{Block, EventView};
use rtsec_rules::{AlertBuf, Engine, Explainer, FieldValue, RuleId, Scratch};
use smallvec::SmallVec;

use super::{DiffCounts, RuleUnion, WhyNot};
use crate::explain::RuleVerdict;
use crate::judge::{BlockResult, Job, LineFormat, thread_cpu_ns};
use crate::pipeline::BlockWork;
use crate::text_buffers;

/// The comparison's work on each block.
pub(super) struct Differ<'a> {
    pub old: &'a Engine,
    pub new: &'a Engine,
    pub union: &'a RuleUnion,
    pub why: Option<&'a WhyNot>,
    pub lines: Option<LineFormat>,
    pub piece_bytes: usize,
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

impl Side {
    fn name(self) -> &'static str {
        match self {
            Side::Old => "old",
            Side::New => "new",
        }
    }
}

/// Why one set's rule does not fire where the other set's rule of the same name does.
struct WhyNotLine {
    side: Side,
    /// `None`: the set has no rule of that name.
    verdict: Option<RuleVerdict>,
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
        let judged = job.judged();
        // The compressed block is not needed any more.
        drop(job.raw);
        let interfaces = job.interfaces;
        let at = Origin {
            trace: job.trace,
            hostname: job.hostname,
        };
        let t1 = thread_cpu_ns();
        out.decode_ns = t1 - t0;
        scratch.set_hostname(&at.hostname);
        scratch_new.set_hostname(&at.hostname);
        scratch.set_interfaces(&interfaces);
        scratch_new.set_interfaces(&interfaces);
        out.diffs = vec![DiffCounts::default(); self.union.rules.len()];
        let (a, b) = bufs;
        let mut old_m = self.old.block_matcher(block, scratch);
        let mut new_m = self.new.block_matcher(block, scratch_new);
        for ev in block.events() {
            if !judged.event(ev.event.ts) {
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
                match pair {
                    Some(j) if self.union.rules[u as usize].same_alerts => paired[j] = true,
                    Some(j) => {
                        paired[j] = true;
                        self.old.render(id, &ev, old_m.scratch(), a);
                        self.new.render(news[j], &ev, new_m.scratch(), b);
                        if !self.same_alert(id, news[j], a, b) {
                            c.changed += 1;
                            self.write(
                                &mut out.lines,
                                &at,
                                &ev,
                                Some((id, &*a)),
                                Some((news[j], &*b)),
                                None,
                            );
                        }
                    }
                    None => {
                        c.removed += 1;
                        self.old.render(id, &ev, old_m.scratch(), a);
                        let why = self.why.map(|w| {
                            let x = w.new[u as usize].as_ref();
                            self.why_not(Side::New, x, &ev, &news, new_m.scratch())
                        });
                        let why = why.as_ref();
                        self.write(&mut out.lines, &at, &ev, Some((id, &*a)), None, why);
                    }
                }
            }
            for (j, &id) in news.iter().enumerate() {
                let c = &mut out.diffs[self.union.new[id as usize] as usize];
                c.new += 1;
                if !paired[j] {
                    c.added += 1;
                    self.new.render(id, &ev, new_m.scratch(), b);
                    let why = self.why.map(|w| {
                        let x = w.old[self.union.new[id as usize] as usize].as_ref();
                        self.why_not(Side::Old, x, &ev, &olds, old_m.scratch())
                    });
                    let why = why.as_ref();
                    self.write(&mut out.lines, &at, &ev, None, Some((id, &*b)), why);
                }
            }
            if out.lines.len() >= self.piece_bytes {
                let part = std::mem::replace(
                    &mut out.lines,
                    text_buffers::take(self.piece_bytes + (64 << 10)),
                );
                out.piece_bytes += part.len();
                piece(BlockResult::new_piece(
                    out.input, out.block, out.ts_min, part,
                ));
            }
        }
        out.count_events(block, judged);
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

    /// Why the `side` set's rule of the name of an alert only the other set gives (`x`;
    /// `None`: it has none) does not fire on `ev` (`hits`: the rules that set fires on it).
    fn why_not(
        &self,
        side: Side,
        x: Option<&Explainer>,
        ev: &EventView<'_>,
        hits: &[RuleId],
        scratch: &mut Scratch,
    ) -> WhyNotLine {
        let engine = self.engine(side);
        WhyNotLine {
            side,
            verdict: x.map(|x| RuleVerdict::judge(engine, x, ev, hits, scratch)),
        }
    }

    fn engine(&self, side: Side) -> &Engine {
        match side {
            Side::Old => self.old,
            Side::New => self.new,
        }
    }

    /// Writes a difference: the old alert, the new one, or both (a changed alert).
    fn write(
        &self,
        out: &mut Vec<u8>,
        at: &Origin,
        ev: &EventView<'_>,
        old: Option<(RuleId, &AlertBuf)>,
        new: Option<(RuleId, &AlertBuf)>,
        why: Option<&WhyNotLine>,
    ) {
        let num = ev.num;
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
                if let Some(w) = why {
                    let (name, engine) = (w.side.name(), self.engine(w.side));
                    match &w.verdict {
                        Some(v) => {
                            let _ = writeln!(out, "    why not in the {name} set:");
                            out.extend_from_slice(v.text(engine, false, 4).as_bytes());
                        }
                        None => {
                            let _ = writeln!(
                                out,
                                "    why not in the {name} set: it has no rule of that name"
                            );
                        }
                    }
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
                if let Some(w) = why {
                    let (name, engine) = (w.side.name(), self.engine(w.side));
                    let _ = write!(out, ",\"why_not\":{{\"set\":\"{name}\",\"verdict\":");
                    match &w.verdict {
                        Some(v) => {
                            let json = v.json(engine, &at.trace, ev).to_string();
                            out.extend_from_slice(json.as_bytes());
                        }
                        None => out.extend_from_slice(b"null"),
                    }
                    out.push(b'}');
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
