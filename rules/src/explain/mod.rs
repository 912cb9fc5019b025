//! Why a rule fires or does not fire on an event: its condition evaluated part by part,
//! macros and exceptions by name, each check with the values of the fields it reads.
//!
//! The explanation evaluates the condition as written, every part of it (no short-circuit),
//! with the reference evaluator; the engine runs a reordered, compiled program. Both must
//! agree ([`Engine::condition_holds`]); `rtsec explain` checks it for every explanation.

mod build;
mod text;

use rtsec_format::EventView;

pub use build::NameKind;
use build::Why;

use crate::engine::{Engine, RuleId, Scratch};
use crate::fields::extract::Env;
use crate::filter::Bufs;
use crate::loader::ExceptionSite;
use crate::output::AlertBuf;

/// One part of a condition and whether it holds on the event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub kind: StepKind,
    pub holds: bool,
    /// The fields a check reads and their values, as outputs print them (`<NA>`: no value).
    pub values: Vec<(String, String)>,
    pub children: Vec<Step>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepKind {
    And,
    Or,
    Not,
    /// A macro, an exception or the rule's condition apart from its exceptions.
    Named(NameKind, String),
    /// A check as written (`proc.name in (bash, sh)`).
    Check(String),
}

/// A rule's condition ready to be explained on events (build once, explain many).
#[derive(Debug)]
pub struct Explainer {
    rule: RuleId,
    tree: Why,
    /// The rule's exceptions that add a clause, in order.
    exceptions: Vec<ExceptionSite>,
}

impl Engine {
    /// The explainer of rule `id` (enabled or not).
    pub fn explainer(&self, id: RuleId) -> Explainer {
        let set = self.inner();
        let rule = &set.rules[id as usize];
        Explainer {
            rule: id,
            tree: build::rule_tree(
                rule,
                &build::Sources {
                    macros: &set.written_macros,
                    registry: &set.registry,
                    statics: &set.statics,
                },
            ),
            exceptions: rule.exceptions.clone(),
        }
    }
}

impl Explainer {
    pub fn rule(&self) -> RuleId {
        self.rule
    }

    /// The rule's exceptions that add a clause to its condition (those with values), in
    /// order.
    pub fn exceptions(&self) -> &[ExceptionSite] {
        &self.exceptions
    }

    /// The exceptions (indices into [`Explainer::exceptions`]) that keep the rule from firing
    /// on `ev`: its condition apart from the exceptions holds, and these hold. Empty when the
    /// condition does not hold, or the rule has no exceptions.
    pub fn suppressing(
        &self,
        engine: &Engine,
        ev: &EventView<'_>,
        scratch: &mut Scratch,
    ) -> Vec<usize> {
        let Why::And(parts) = &self.tree else {
            return Vec::new();
        };
        if self.exceptions.is_empty() || parts.is_empty() {
            return Vec::new();
        }
        let env = Env {
            hostname: &scratch.hostname,
            hosts: &engine.options().hosts,
            local: &scratch.local,
            buffers: engine.options().format.buffers(),
            rendering: false,
        };
        let bufs = &mut scratch.bufs;
        bufs.begin_event(0);
        if !score(&parts[0], ev, &env, bufs).holds {
            return Vec::new();
        }
        let exceptions = parts[1..].iter().filter_map(|p| match p {
            Why::Not(x) => match &**x {
                Why::Named {
                    kind: NameKind::Exception,
                    body,
                    ..
                } => Some(body),
                _ => None,
            },
            _ => None,
        });
        exceptions
            .enumerate()
            .filter(|(_, body)| score(body, ev, &env, bufs).holds)
            .map(|(i, _)| i)
            .collect()
    }

    /// Every part of the rule's condition on `ev`, as `engine` (its DNS answers, the
    /// scratch's hostname) sees the event.
    pub fn explain(&self, engine: &Engine, ev: &EventView<'_>, scratch: &mut Scratch) -> Step {
        let mut alert = std::mem::take(&mut scratch.alert);
        let env = Env {
            hostname: &scratch.hostname,
            hosts: &engine.options().hosts,
            local: &scratch.local,
            buffers: engine.options().format.buffers(),
            rendering: false,
        };
        scratch.bufs.begin_event(0);
        let step = eval(&self.tree, ev, &env, &mut scratch.bufs, &mut alert);
        scratch.alert = alert;
        step
    }
}

/// How close an event came to making a condition hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Closeness {
    pub holds: bool,
    /// [`Step::checks_to_hold`].
    pub checks: usize,
    /// Which checks those are (a hash of them): events with the same `way` fail the
    /// condition the same way.
    pub way: u64,
}

impl Explainer {
    /// How close `ev` came to making the condition hold, without building the explanation
    /// (nothing is allocated or rendered).
    pub fn closeness(
        &self,
        engine: &Engine,
        ev: &EventView<'_>,
        scratch: &mut Scratch,
    ) -> Closeness {
        let env = Env {
            hostname: &scratch.hostname,
            hosts: &engine.options().hosts,
            local: &scratch.local,
            buffers: engine.options().format.buffers(),
            rendering: false,
        };
        scratch.bufs.begin_event(0);
        let s = score(&self.tree, ev, &env, &mut scratch.bufs);
        Closeness {
            holds: s.holds,
            checks: s.to_hold.0,
            way: s.to_hold.1,
        }
    }
}

/// Per part: whether it holds, and the cheapest set of checks to change for it to hold and
/// for it to fail (how many, and a hash of which: the sum of the checks' hashes).
struct Score {
    holds: bool,
    to_hold: (usize, u64),
    to_fail: (usize, u64),
}

fn score(w: &Why, ev: &EventView<'_>, env: &Env<'_>, bufs: &mut Bufs) -> Score {
    match w {
        Why::Check { node, .. } => {
            // The check's identity: where it is in the tree.
            let id = (w as *const Why as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            if node.eval(ev, env, bufs) {
                Score {
                    holds: true,
                    to_hold: (0, 0),
                    to_fail: (1, id),
                }
            } else {
                Score {
                    holds: false,
                    to_hold: (1, id),
                    to_fail: (0, 0),
                }
            }
        }
        Why::Not(x) => {
            let s = score(x, ev, env, bufs);
            Score {
                holds: !s.holds,
                to_hold: s.to_fail,
                to_fail: s.to_hold,
            }
        }
        Why::Named { body, .. } => score(body, ev, env, bufs),
        Why::And(v) | Why::Or(v) => {
            let is_and = matches!(w, Why::And(_));
            // For an `and` to hold, every part must (sum); to fail, one (the cheapest); for an
            // `or` the other way round.
            let mut all = (0usize, 0u64);
            let mut one: Option<(usize, u64)> = None;
            let mut holds = is_and;
            for c in v {
                let s = score(c, ev, env, bufs);
                let (sum_part, min_part) = if is_and {
                    (s.to_hold, s.to_fail)
                } else {
                    (s.to_fail, s.to_hold)
                };
                all = (all.0 + sum_part.0, all.1.wrapping_add(sum_part.1));
                if one.is_none_or(|o| min_part.0 < o.0) {
                    one = Some(min_part);
                }
                holds = if is_and {
                    holds && s.holds
                } else {
                    holds || s.holds
                };
            }
            let one = one.unwrap_or((0, 0));
            if is_and {
                Score {
                    holds,
                    to_hold: all,
                    to_fail: one,
                }
            } else {
                Score {
                    holds,
                    to_hold: one,
                    to_fail: all,
                }
            }
        }
    }
}

fn eval(w: &Why, ev: &EventView<'_>, env: &Env<'_>, bufs: &mut Bufs, alert: &mut AlertBuf) -> Step {
    let (kind, children) = match w {
        Why::And(v) => (StepKind::And, v),
        Why::Or(v) => (StepKind::Or, v),
        Why::Not(x) => {
            let inner = eval(x, ev, env, bufs, alert);
            return Step {
                kind: StepKind::Not,
                holds: !inner.holds,
                values: Vec::new(),
                children: vec![inner],
            };
        }
        Why::Named { kind, name, body } => {
            let inner = eval(body, ev, env, bufs, alert);
            return Step {
                kind: StepKind::Named(*kind, name.clone()),
                holds: inner.holds,
                values: Vec::new(),
                children: vec![inner],
            };
        }
        Why::Check { text, node, shows } => {
            let holds = node.eval(ev, env, bufs);
            let values = shows
                .iter()
                .map(|(field, format)| {
                    format.render_into(ev, env, bufs, alert, true);
                    (field.clone(), alert.output().to_string())
                })
                .collect();
            return Step {
                kind: StepKind::Check(text.clone()),
                holds,
                values,
                children: Vec::new(),
            };
        }
    };
    let children: Vec<Step> = children
        .iter()
        .map(|c| eval(c, ev, env, bufs, alert))
        .collect();
    let holds = match kind {
        StepKind::And => children.iter().all(|c| c.holds),
        _ => children.iter().any(|c| c.holds),
    };
    Step {
        kind,
        holds,
        values: Vec::new(),
        children,
    }
}

impl Step {
    /// How many checks would have to come out the other way for the step to hold: 0 if it
    /// holds; for an `and`, the sum over its failing parts; for an `or`, its cheapest part; a
    /// `not` counts what would make its part fail. How close an event came to firing a rule.
    pub fn checks_to_hold(&self) -> usize {
        self.cost(true)
    }

    /// Checks to change for the step's result to be `want`.
    fn cost(&self, want: bool) -> usize {
        if self.holds == want {
            return 0;
        }
        match &self.kind {
            StepKind::Check(_) => 1,
            StepKind::Not => self.children[0].cost(!want),
            StepKind::Named(..) => self.children[0].cost(want),
            // All parts must hold / one part must.
            StepKind::And if want => self.children.iter().map(|c| c.cost(true)).sum(),
            StepKind::Or if !want => self.children.iter().map(|c| c.cost(false)).sum(),
            StepKind::And | StepKind::Or => self
                .children
                .iter()
                .map(|c| c.cost(want))
                .min()
                .unwrap_or(0),
        }
    }

    /// The step and what is below it as JSON: `{"step", "name"?, "check"?, "holds",
    /// "values"?, "children"?}`.
    pub fn to_json(&self) -> serde_json::Value {
        let mut o = serde_json::Map::new();
        let (step, label) = match &self.kind {
            StepKind::And => ("and", None),
            StepKind::Or => ("or", None),
            StepKind::Not => ("not", None),
            StepKind::Named(NameKind::Macro, n) => ("macro", Some(("name", n))),
            StepKind::Named(NameKind::Exception, n) => ("exception", Some(("name", n))),
            StepKind::Named(NameKind::Condition, n) => ("condition", Some(("rule", n))),
            StepKind::Check(t) => ("check", Some(("check", t))),
        };
        o.insert("step".into(), step.into());
        if let Some((k, v)) = label {
            o.insert(k.into(), v.as_str().into());
        }
        o.insert("holds".into(), self.holds.into());
        if !self.values.is_empty() {
            let values: serde_json::Map<String, serde_json::Value> = self
                .values
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().into()))
                .collect();
            o.insert("values".into(), values.into());
        }
        if !self.children.is_empty() {
            let kids: Vec<serde_json::Value> = self.children.iter().map(Step::to_json).collect();
            o.insert("children".into(), kids.into());
        }
        o.into()
    }
}
