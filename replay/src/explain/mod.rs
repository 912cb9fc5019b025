//! Explained verdicts: one rule on one event, its condition part by part
//! ([`rtsec_rules::Explainer`]) with what the engine did with it (fired, lost its alert to an
//! earlier rule, not run and why), and where rules came closest to firing ([`Closest`]).
//! `rtsec explain` prints them, `rtsec diff --why` under the alerts only one set gives, and
//! failing `rtsec test` cases for the hits that did not happen.

mod closest;

use std::path::Path;

use rtsec_format::{EventView, TraceReader, lossless};
use rtsec_rules::{Engine, Explainer, RuleId, Scratch, Step, clock_text, event_args, event_type};

use crate::ReplayError;
use crate::inputs::Input;
use crate::window::TimeWindow;
pub use closest::{Closest, ClosestOf};

/// One rule on one event.
#[derive(Debug)]
pub struct RuleVerdict {
    pub rule: RuleId,
    pub step: Step,
    /// Why the engine does not run the rule at all.
    pub not_enabled: Option<String>,
    /// The engine runs the rule on events of this type.
    pub runs: bool,
    pub fires: bool,
    /// Under rule_matching first: the rule that fired on the event instead.
    pub fired_instead: Option<RuleId>,
    /// The event's `evt.type`.
    pub evt_type: &'static str,
    /// The alert, as text and as Falco JSON, when the rule fires.
    pub alert_text: Option<String>,
    pub alert_json: Option<serde_json::Value>,
    /// The explanation and the engine's program disagree (a bug to report).
    pub disagrees: bool,
}

impl RuleVerdict {
    /// The verdict of `x`'s rule on `ev`; `hits` are the rules the engine fires on it.
    pub fn judge(
        engine: &Engine,
        x: &Explainer,
        ev: &EventView<'_>,
        hits: &[RuleId],
        scratch: &mut Scratch,
    ) -> RuleVerdict {
        let id = x.rule();
        let step = x.explain(engine, ev, scratch);
        let engine_holds = engine.condition_holds(id, ev, scratch);
        let not_enabled = engine.not_enabled_because(id);
        let fires = hits.contains(&id);
        let (alert_text, alert_json) = if fires {
            let a = engine.alert(id, ev, scratch);
            (Some(a.text_line()), Some(a.json()))
        } else {
            (None, None)
        };
        RuleVerdict {
            rule: id,
            fired_instead: (step.holds && !fires && not_enabled.is_none())
                .then(|| hits.first().copied())
                .flatten(),
            disagrees: not_enabled.is_none() && engine_holds.unwrap_or(false) != step.holds,
            step,
            not_enabled,
            runs: engine_holds.is_some(),
            fires,
            evt_type: event_type(ev),
            alert_text,
            alert_json,
        }
    }

    /// The verdict in a phrase: `FIRES`, `does not fire`, and why where it is not the
    /// condition alone.
    pub fn phrase(&self, engine: &Engine) -> String {
        let r = engine.rule(self.rule);
        let holds = if self.step.holds {
            "holds"
        } else {
            "does not hold"
        };
        if let Some(why) = &self.not_enabled {
            format!("not run: {why}; its condition {holds}")
        } else if self.fires {
            "FIRES".to_string()
        } else if let Some(other) = self.fired_instead {
            format!(
                "its condition holds, but it does not fire: rule_matching is first and {:?} \
                 fired first on this event",
                engine.rule(other).name
            )
        } else if !self.runs {
            format!(
                "does not fire: not run on {} events (its condition needs {})",
                self.evt_type,
                if r.all_event_types {
                    "any type".to_string()
                } else {
                    r.event_types.join(", ")
                }
            )
        } else {
            "does not fire".to_string()
        }
    }

    /// The rule's line, its condition's parts (only those that decide, unless `full`) and
    /// the alert, each line indented by `indent` spaces.
    pub fn text(&self, engine: &Engine, full: bool, indent: usize) -> String {
        let r = engine.rule(self.rule);
        let pad = " ".repeat(indent);
        let mut steps = String::new();
        self.step.write_text(full, 1, &mut steps);
        let mut out = format!(
            "{pad}-- rule {:?} ({}:{}, {}): {}\n",
            r.name,
            r.file,
            r.line,
            r.priority.as_str(),
            self.phrase(engine)
        );
        for line in steps.lines() {
            out.push_str(&pad);
            out.push_str(line);
            out.push('\n');
        }
        if let Some(line) = &self.alert_text {
            out.push_str(&format!("{pad}   alert: {line}\n"));
        }
        out
    }

    /// One JSON object: the event, the rule, the verdict, the explanation and the alert.
    pub fn json(&self, engine: &Engine, trace: &str, ev: &EventView<'_>) -> serde_json::Value {
        let r = engine.rule(self.rule);
        let mut o = serde_json::json!({
            "trace": trace,
            "evt_num": ev.num,
            "evt_type": self.evt_type,
            "evt_time": ev.event.ts,
            "rule": r.name,
            "file": r.file,
            "line": r.line,
            "priority": r.priority.as_str(),
            "enabled": self.not_enabled.is_none(),
            "runs_on_event_type": self.runs,
            "condition_holds": self.step.holds,
            "fires": self.fires,
            "explanation": self.step.to_json(),
        });
        if let Some(why) = &self.not_enabled {
            o["not_enabled_because"] = why.as_str().into();
        }
        if let Some(other) = self.fired_instead {
            o["fired_instead"] = engine.rule(other).name.as_str().into();
        }
        if let Some(a) = &self.alert_json {
            o["alert"] = a.clone();
        }
        o
    }
}

/// Rule `rule` explained on event `num` of the trace at `path`, as text indented by `indent`
/// (only the parts that decide); `None` if the trace has no such event. Only the block that
/// holds the event is decoded.
pub fn explain_event(
    engine: &Engine,
    rule: RuleId,
    path: &Path,
    num: u64,
    indent: usize,
) -> Result<Option<String>, ReplayError> {
    let bad = |e: rtsec_format::FormatError| ReplayError::Trace {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let reader = TraceReader::open(path).map_err(bad)?;
    let mut scratch = engine.scratch();
    scratch.set_machine(reader.header());
    let x = engine.explainer(rule);
    for raw in reader.blocks(false) {
        let raw = raw.map_err(bad)?;
        let f = &raw.frame;
        if num < f.first_event_num || num >= f.first_event_num + f.events as u64 {
            continue;
        }
        let block = raw.decode().map_err(bad)?;
        let Some(ev) = block.events().find(|e| e.num == num) else {
            continue;
        };
        let hits = engine.matches(&ev, &mut scratch).to_vec();
        let v = RuleVerdict::judge(engine, &x, &ev, &hits, &mut scratch);
        return Ok(Some(v.text(engine, false, indent)));
    }
    Ok(None)
}

/// The event's arguments are cut to this many characters in its header.
const ARGS_CHARS: usize = 200;

/// Two lines on an event of trace `trace`: number, time, type, process, container, file;
/// then its arguments.
pub fn event_header(trace: &str, ev: &EventView<'_>) -> String {
    let who = match ev.process() {
        Some(p) => format!(
            "{} (pid {}, tid {})",
            lossless(ev.str(p.comm)),
            p.pid,
            ev.event.tid
        ),
        None => format!("<NA> (tid {})", ev.event.tid),
    };
    let place = ev.container().map_or_else(
        || "on the host".to_string(),
        |c| format!("in container {}", lossless(ev.str(c.container_id))),
    );
    let file = ev
        .fd()
        .map(|f| lossless(ev.str(f.name)))
        .filter(|n| !n.is_empty())
        .map(|n| format!(", fd {n}"))
        .unwrap_or_default();
    let mut args = event_args(ev);
    if let Some((at, _)) = args.char_indices().nth(ARGS_CHARS) {
        args.truncate(at);
        args.push('…');
    }
    format!(
        "== {trace}: event {} at {}: {} by {who} {place}{file}\n   {args}",
        ev.num,
        clock_text(ev.event.ts),
        event_type(ev),
    )
}

/// Where `rules` came closest to firing on `inputs` (in `window`): the `limit` closest ways
/// of each, each with its first event's header and verdict, every line indented by `indent`.
/// For failing test cases.
pub fn closest_in(
    engine: &Engine,
    rules: &[RuleId],
    inputs: &[Input],
    window: &TimeWindow,
    limit: u64,
    indent: usize,
) -> Result<Vec<ClosestOf>, ReplayError> {
    let explainers: Vec<Option<Explainer>> = (0..engine.rule_count() as RuleId)
        .map(|id| rules.contains(&id).then(|| engine.explainer(id)))
        .collect();
    let mut closest = Closest::new(engine, rules, limit);
    let mut mismatches = Vec::new();
    let pad = " ".repeat(indent);
    for input in inputs {
        let name = input.name().display().to_string();
        let bad = |e: rtsec_format::FormatError| ReplayError::Trace {
            path: input.name().to_path_buf(),
            message: e.to_string(),
        };
        let reader = TraceReader::open(&input.path).map_err(bad)?;
        let mut scratch = engine.scratch();
        scratch.set_machine(reader.header());
        let span = window.span(crate::window::trace_start(&reader));
        let mut blocks = reader.blocks(false);
        if !window.is_unbounded() {
            blocks = blocks.only_between(span.first, span.last);
        }
        for raw in blocks {
            let block = raw.and_then(|r| r.decode()).map_err(bad)?;
            for ev in block.events().filter(|e| span.contains(e.event.ts)) {
                let hits = engine.matches(&ev, &mut scratch).to_vec();
                let show = |v: &RuleVerdict, ev: &EventView<'_>| {
                    let text = format!("{}\n{}", event_header(&name, ev), v.text(engine, false, 0));
                    text.lines().map(|l| format!("{pad}{l}\n")).collect()
                };
                closest.consider(
                    engine,
                    &explainers,
                    &ev,
                    &hits,
                    &mut scratch,
                    &mut mismatches,
                    show,
                );
            }
        }
    }
    Ok(closest.finish())
}
