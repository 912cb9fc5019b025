//! Comparing two rule sets on the same traces (`rtsec diff`): what a change to a rule set
//! does to its verdicts, before it is deployed. Each block is decoded once and judged by both
//! sets; the hits only one of them has, and the hits both have whose alert differs, are
//! written as they are found (input order, then event order, the same bytes for every `-j`)
//! and counted per rule. Rules are the same rule in both sets when they have the same name.

mod differ;
mod report;

use std::collections::HashMap;

use rtsec_rules::{Engine, Explainer, RuleId};

use crate::error::ReplayError;
use crate::inputs::Input;
use crate::judge::{BlockResult, LineFormat};
use crate::pipeline::{PIECE_BYTES, Progress, ReplayOptions, run_blocks};
use crate::summary::Summary;
use differ::Differ;

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
}

/// One rule name of either set.
struct UnionRule {
    name: String,
    /// Its id in the old and in the new set, where it is enabled.
    old: Option<RuleId>,
    new: Option<RuleId>,
    /// Both sets define it with the same output, priority, tags and source, and the two
    /// engines shape alerts alike: where both fire, their alerts are the same and need not be
    /// rendered to be compared.
    same_alerts: bool,
}

/// For each rule of the union, the explainer of the rule of that name in each set (enabled
/// or not), to say why it does not fire where the other set's does.
struct WhyNot {
    old: Vec<Option<Explainer>>,
    new: Vec<Option<Explainer>>,
}

impl WhyNot {
    fn new(union: &RuleUnion, old: &Engine, new: &Engine) -> WhyNot {
        let side = |engine: &Engine| -> Vec<Option<Explainer>> {
            let by_name: HashMap<&str, RuleId> = (0..engine.rule_count() as RuleId)
                .map(|id| (engine.rule(id).name.as_str(), id))
                .collect();
            union
                .rules
                .iter()
                .map(|r| by_name.get(r.name.as_str()).map(|&id| engine.explainer(id)))
                .collect()
        };
        WhyNot {
            old: side(old),
            new: side(new),
        }
    }
}

/// The rules of both sets by name: an entry per name, and each set's rule ids mapped to it.
struct RuleUnion {
    rules: Vec<UnionRule>,
    old: Vec<u32>,
    new: Vec<u32>,
}

impl RuleUnion {
    fn new(old: &Engine, new: &Engine) -> RuleUnion {
        let mut rules: Vec<UnionRule> = Vec::new();
        let mut index: HashMap<String, u32> = HashMap::new();
        let mut map = |engine: &Engine, is_old: bool| {
            let len = engine.enabled().iter().map(|&i| i as usize + 1).max();
            let mut ids = vec![u32::MAX; len.unwrap_or(0)];
            for &id in engine.enabled() {
                let name = &engine.rule(id).name;
                let u = *index.entry(name.clone()).or_insert_with(|| {
                    rules.push(UnionRule {
                        name: name.clone(),
                        old: None,
                        new: None,
                        same_alerts: false,
                    });
                    rules.len() as u32 - 1
                });
                let r = &mut rules[u as usize];
                if is_old {
                    r.old = Some(id);
                } else {
                    r.new = Some(id);
                }
                ids[id as usize] = u;
            }
            ids
        };
        let old_ids = map(old, true);
        let new_ids = map(new, false);
        let same_format = old.options().format == new.options().format;
        for r in &mut rules {
            if let (Some(a), Some(b)) = (r.old, r.new) {
                let (a, b) = (old.rule(a), new.rule(b));
                r.same_alerts = same_format
                    && a.output == b.output
                    && a.priority == b.priority
                    && a.tags == b.tags
                    && a.source == b.source;
            }
        }
        RuleUnion {
            rules,
            old: old_ids,
            new: new_ids,
        }
    }
}

/// Judges `inputs` with the `old` and the `new` rule set and hands the differences to
/// `on_block` as lines (`lines`: their format, `None`: only counted), in input order, then
/// event order. With `why`, each alert only one set gives is followed by why the other set's
/// rule of that name does not fire on the event (see [`crate::explain`]). `opts.produce` is
/// not used.
#[allow(clippy::too_many_arguments)]
pub fn compare(
    old: &Engine,
    new: &Engine,
    inputs: &[Input],
    opts: &ReplayOptions,
    lines: Option<LineFormat>,
    why: bool,
    on_block: &mut dyn FnMut(BlockResult) -> Result<(), ReplayError>,
    on_progress: &mut dyn FnMut(&Progress),
) -> Result<Comparison, ReplayError> {
    let union = RuleUnion::new(old, new);
    let why = (why && lines.is_some()).then(|| WhyNot::new(&union, old, new));
    let work = Differ {
        old,
        new,
        union: &union,
        why: why.as_ref(),
        lines,
        piece_bytes: if opts.piece_bytes == 0 {
            PIECE_BYTES
        } else {
            opts.piece_bytes
        },
    };
    let mut totals = vec![DiffCounts::default(); union.rules.len()];
    let mut summary = run_blocks(
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
    // Rules of either set that cannot see part of a trace, as a replay names them.
    for (t, input) in summary.traces.iter_mut().zip(inputs) {
        if let Ok(reader) = rtsec_format::TraceReader::open(&input.path) {
            t.unseen = crate::blind::unseen_rules(&[old, new], reader.header());
            t.unresolved = crate::blind::unresolved_names(&[old, new], reader.header());
        }
    }
    let rules = union
        .rules
        .into_iter()
        .zip(totals)
        .map(|(r, counts)| RuleDiff {
            rule: r.name,
            in_old: r.old.is_some(),
            in_new: r.new.is_some(),
            counts,
        })
        .collect();
    Ok(Comparison { rules, summary })
}
