//! Where rules came closest to firing without firing: per rule, the events of its types it
//! did not fire on, ranked by how many checks would have to come out otherwise
//! ([`rtsec_rules::Closeness`]). Events that fail the same checks are one way of failing:
//! each way is kept once, with its first event and how many events fail that way.

use std::collections::HashMap;

use rtsec_format::EventView;
use rtsec_rules::{Engine, Explainer, RuleId, Scratch, event_type};

use super::RuleVerdict;

/// The ways each rule failed so far, and the closest of them.
pub struct Closest {
    rules: Vec<Ranked>,
    limit: usize,
    /// Events considered so far: their order across traces (evt.num starts again in each).
    seen: u64,
}

struct Ranked {
    rule: RuleId,
    /// The engine runs the rule (its verdicts can be checked against the engine's).
    enabled: bool,
    fired: u64,
    missed: u64,
    /// Every way it failed, by [`rtsec_rules::Closeness::way`].
    ways: HashMap<u64, Way>,
    /// The closest ways: (checks to fire, when its first event came, way), best first.
    top: Vec<(usize, u64, u64)>,
}

struct Way {
    events: u64,
    /// What was made of its first event, while the way is among the closest.
    shown: Option<String>,
}

/// What [`Closest`] found for one rule.
#[derive(Debug)]
pub struct ClosestOf {
    pub rule: RuleId,
    /// Events it fired on, and events of its types it did not fire on.
    pub fired: u64,
    pub missed: u64,
    /// How many different ways those events failed it.
    pub ways: usize,
    /// The closest ways, best first: checks that would have to come out otherwise (0: the
    /// condition held, an earlier rule took the alert), events that fail that way, and what
    /// was made of the first of them.
    pub closest: Vec<(usize, u64, String)>,
}

impl Closest {
    /// Ranks events for `rules` of `engine`, keeping the `limit` closest ways of each.
    pub fn new(engine: &Engine, rules: &[RuleId], limit: u64) -> Closest {
        Closest {
            rules: rules
                .iter()
                .map(|&rule| Ranked {
                    rule,
                    enabled: engine.not_enabled_because(rule).is_none(),
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
    /// `show` makes what is kept of the first event of a way among the closest (explained
    /// only then). Where the engine disagrees with the explanation, a line goes to
    /// `mismatches`. `explainers` are by rule id.
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
            let Some(x) = explainers.get(r.rule as usize).and_then(Option::as_ref) else {
                continue;
            };
            let c = x.closeness(engine, ev, scratch);
            let engine_holds = engine.condition_holds(r.rule, ev, scratch);
            if r.enabled && engine_holds.unwrap_or(false) != c.holds {
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

    /// What was found, per rule in the order given.
    pub fn finish(self) -> Vec<ClosestOf> {
        self.rules
            .into_iter()
            .map(|mut r| ClosestOf {
                rule: r.rule,
                fired: r.fired,
                missed: r.missed,
                ways: r.ways.len(),
                closest: r
                    .top
                    .iter()
                    .filter_map(|(checks, _, way)| {
                        let w = r.ways.get_mut(way)?;
                        Some((*checks, w.events, w.shown.take()?))
                    })
                    .collect(),
            })
            .collect()
    }
}
