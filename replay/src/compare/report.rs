//! The human report of a comparison: totals, and a line per rule that differs.

use std::fmt::Write as _;

use super::{Comparison, RuleDiff};
use crate::summary::group;

impl Comparison {
    /// The human report: totals and a line per rule that differs (`all`: per rule with hits).
    pub fn render(&self, all: bool) -> String {
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
                "Same verdicts{}: every hit of one set is a hit of the other, with the same alert",
                if self.summary.interrupted() {
                    " on the events judged"
                } else {
                    ""
                }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::{Summary, TraceReport};

    #[test]
    fn same_verdicts_of_an_interrupted_run_are_only_those_of_what_was_judged() {
        let comparison = |interrupted| Comparison {
            rules: Vec::new(),
            summary: Summary {
                traces: vec![TraceReport {
                    path: "a.rts".into(),
                    events: 10,
                    blocks: 1,
                    interrupted,
                    ..Default::default()
                }],
                events: 10,
                ..Default::default()
            },
        };
        let whole = comparison(false).render(false);
        assert!(whole.contains("Same verdicts: every hit"), "{whole}");
        let part = comparison(true).render(false);
        assert!(
            part.contains("Same verdicts on the events judged: every hit")
                && part.contains("INTERRUPTED: stopped after 10 events"),
            "{part}"
        );
    }
}
