//! `rtsec explain --closest`: per rule, the events of its types where it came closest to
//! firing without firing, by how many checks would have to come out otherwise. Events that
//! fail the same checks are one way of failing: each way is shown once, with its first event
//! and how many events fail that way.

use std::collections::HashMap;

use rtsec_format::EventView;
use rtsec_replay::explain::RuleVerdict;
use rtsec_rules::{Engine, Explainer, RuleId, Scratch, event_type};

/// The ways each rule failed so far, and the closest of them.
pub struct Closest {
    rules: Vec<Ranked>,
    limit: usize,
    /// Events considered so far: their order across traces (evt.num starts again in each).
    seen: u64,
}

struct Ranked {
    rule: RuleId,
    /// Events it fired on, and events of its types it did not fire on.
    fired: u64,
    missed: u64,
    /// Every way it failed, by [`rtsec_rules::Closeness::way`].
    ways: HashMap<u64, Way>,
    /// The closest ways: (checks to fire, when its first event came, way), best first.
    top: Vec<(usize, u64, u64)>,
}

struct Way {
    events: u64,
    /// What to print of its first event, while the way is among the closest.
    shown: Option<String>,
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
                    ways: HashMap::new(),
                    top: Vec::new(),
                })
                .collect(),
            limit: limit.max(1) as usize,
            seen: 0,
        }
    }

    /// Ranks `ev` for each rule it is of the types of and did not fire (`hits` fired on it);
    /// `show` renders the first event of a way that is among the closest. Where the engine
    /// disagrees with the explanation, a line goes to `mismatches`.
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
        self.seen += 1;
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
            let c = x.closeness(engine, ev, scratch);
            let engine_holds = engine.condition_holds(r.rule, ev, scratch);
            if engine.not_enabled_because(r.rule).is_none()
                && engine_holds.unwrap_or(false) != c.holds
            {
                mismatches.push(format!("event {}: rule {:?}", ev.num, info.name));
            }
            if let Some(way) = r.ways.get_mut(&c.way) {
                way.events += 1;
                continue;
            }
            // A new way. Ways only ever fall in the ranking (later ones come after equals),
            // so one that is not among the closest now never will be.
            let key = (c.checks, self.seen, c.way);
            let closest = r.top.len() < self.limit || r.top.last().is_some_and(|last| key < *last);
            let shown =
                closest.then(|| show(&RuleVerdict::judge(engine, x, ev, hits, scratch), ev));
            r.ways.insert(c.way, Way { events: 1, shown });
            if closest {
                let at = r.top.partition_point(|k| *k < key);
                r.top.insert(at, key);
                if r.top.len() > self.limit
                    && let Some((.., out)) = r.top.pop()
                    && let Some(w) = r.ways.get_mut(&out)
                {
                    w.shown = None;
                }
            }
        }
    }

    /// Prints the closest ways: per rule a line, then each way's first event (text), or the
    /// JSON objects.
    pub fn print(&self, engine: &Engine, trace: &str, text: bool) {
        for r in &self.rules {
            let ways = r.top.iter().filter_map(|(checks, _, way)| {
                let w = &r.ways[way];
                Some((*checks, w.events, w.shown.as_deref()?))
            });
            if !text {
                for (_, _, shown) in ways {
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
                "-- rule {:?}: fired on {} of {trace}; the {} of its types ({types}) it did \
                 not fire on fail it in {} different ways; the {} closest, each with its first \
                 event:\n",
                info.name,
                events(r.fired),
                events(r.missed),
                r.ways.len(),
                r.top.len()
            );
            for (checks, n, shown) in ways {
                let away = match checks {
                    0 => "its condition held".to_string(),
                    1 => "1 check away".to_string(),
                    n => format!("{n} checks away"),
                };
                outln!(">> {away}, on {}", events(n));
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
