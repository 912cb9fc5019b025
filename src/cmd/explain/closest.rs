//! `rtsec explain --closest`: per rule, the events of its types where it came closest to
//! firing without firing, by how many checks would have to come out otherwise.

use rtsec_format::EventView;
use rtsec_replay::explain::RuleVerdict;
use rtsec_rules::{Engine, Explainer, RuleId, Scratch, event_type};

/// The closest events of each rule so far.
pub struct Closest {
    rules: Vec<Ranked>,
    limit: usize,
}

struct Ranked {
    rule: RuleId,
    /// Events it fired on, and events of its types it did not fire on.
    fired: u64,
    missed: u64,
    /// (checks to fire, evt.num, what to print), best first.
    kept: Vec<(usize, u64, String)>,
}

impl Closest {
    pub fn new(rules: &[RuleId], limit: u64) -> Closest {
        Closest {
            rules: rules
                .iter()
                .map(|&rule| Ranked {
                    rule,
                    fired: 0,
                    missed: 0,
                    kept: Vec::new(),
                })
                .collect(),
            limit: limit.max(1) as usize,
        }
    }

    /// Ranks `ev` for each rule it is of the types of and did not fire (`hits` fired on it);
    /// `show` renders an event that is kept. Explanations the engine disagrees with are added
    /// to `mismatches`.
    #[allow(clippy::too_many_arguments)]
    pub fn consider(
        &mut self,
        engine: &Engine,
        explainers: &[Option<Explainer>],
        ev: &EventView<'_>,
        hits: &[RuleId],
        scratch: &mut Scratch,
        mismatches: &mut Vec<String>,
        show: impl Fn(&RuleVerdict, &EventView<'_>) -> String,
    ) {
        let ty = event_type(ev);
        for r in &mut self.rules {
            if hits.contains(&r.rule) {
                r.fired += 1;
                continue;
            }
            let info = engine.rule(r.rule);
            if !info.all_event_types && !info.event_types.iter().any(|t| t == ty) {
                continue;
            }
            r.missed += 1;
            let Some(x) = &explainers[r.rule as usize] else {
                continue;
            };
            let (holds, score) = x.checks_to_hold(engine, ev, scratch);
            let engine_holds = engine.condition_holds(r.rule, ev, scratch);
            if engine.not_enabled_because(r.rule).is_none()
                && engine_holds.unwrap_or(false) != holds
            {
                mismatches.push(format!("event {}: rule {:?}", ev.num, info.name));
            }
            let full = r.kept.len() >= self.limit;
            if full && r.kept.last().is_some_and(|&(worst, ..)| worst <= score) {
                continue;
            }
            // Only events that are kept are explained in full.
            let v = RuleVerdict::judge(engine, x, ev, hits, scratch);
            // Events come in order: among equals, the earlier stays first.
            let at = r.kept.partition_point(|&(s, ..)| s <= score);
            r.kept.insert(at, (score, ev.num, show(&v, ev)));
            r.kept.truncate(self.limit);
        }
    }

    /// Prints what was kept: per rule a line, then its events (text), or the JSON objects.
    pub fn print(&self, engine: &Engine, trace: &str, text: bool) {
        for r in &self.rules {
            if !text {
                for (_, _, shown) in &r.kept {
                    outln!("{shown}");
                }
                continue;
            }
            let info = engine.rule(r.rule);
            let types = if info.all_event_types {
                "any type".to_string()
            } else {
                info.event_types.join(", ")
            };
            if r.missed == 0 {
                outln!(
                    "-- rule {:?}: fired on {} of {trace}; no other event of its types \
                     ({types}) to rank\n",
                    info.name,
                    events(r.fired)
                );
                continue;
            }
            outln!(
                "-- rule {:?}: fired on {} of {trace}; of the {} of its types ({types}) it \
                 did not fire on, the {} closest:\n",
                info.name,
                events(r.fired),
                events(r.missed),
                r.kept.len()
            );
            for (score, _, shown) in &r.kept {
                let away = match score {
                    0 => "its condition held".to_string(),
                    1 => "1 check away".to_string(),
                    n => format!("{n} checks away"),
                };
                outln!(">> {away}");
                outln!("{shown}");
            }
        }
    }
}

fn events(n: u64) -> String {
    if n == 1 {
        "1 event".to_string()
    } else {
        format!("{n} events")
    }
}
