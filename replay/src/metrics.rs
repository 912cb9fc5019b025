//! What a run has judged so far, as Prometheus metrics (`rtsec replay --listen`, served by
//! `metrics_server`): for a follower run as a service, the counters an SRE graphs and alerts
//! on — events and blocks judged, alerts by rule and priority, the losses and damage recorded
//! in the traces, how far behind the writer the follower is, and what each of Falco's
//! outputs took or failed.
//!
//! The command updates them once per block from the thread that writes the alerts; a scrape
//! renders them under the same lock. Nothing runs per event.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use rtsec_rules::Engine;

use crate::BlockResult;
use crate::outputs::OutputReport;

/// The counters of a run (see the module docs).
#[derive(Debug)]
pub struct Metrics {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    started: f64,
    events: u64,
    blocks: u64,
    damaged_blocks: u64,
    /// (rule, priority) → alerts.
    alerts: BTreeMap<(String, &'static str), u64>,
    /// Per input, its cumulative losses as its newest block recorded them.
    losses: HashMap<usize, Loss>,
    /// When the first event of the newest block happened (ns since the epoch).
    last_block_ns: u64,
    /// Following: whether everything the trace holds is judged (the follower waits).
    caught_up: Option<bool>,
    outputs: Vec<OutputReport>,
}

#[derive(Clone, Copy, Debug, Default)]
struct Loss {
    kernel_drops: u64,
    skipped: u64,
    truncated: u64,
}

impl Metrics {
    /// Counters at zero; `following`: of a follower (which reports whether it is caught up).
    pub fn new(following: bool) -> Metrics {
        Metrics {
            state: Mutex::new(State {
                started: now_secs(),
                caught_up: following.then_some(false),
                ..State::default()
            }),
        }
    }

    /// Counts a block's result (or a part of one: its counts come with the last part);
    /// `engine` names the rules of its hits (an export has none).
    pub fn block(&self, r: &BlockResult, engine: Option<&Engine>) {
        if r.piece {
            return;
        }
        let mut s = self.lock();
        s.events += r.events;
        s.blocks += 1;
        s.damaged_blocks += r.damage.is_some() as u64;
        if let Some(engine) = engine {
            for &(id, n) in &r.rule_hits {
                let rule = engine.rule(id);
                let key = (rule.name.clone(), rule.priority.as_str());
                *s.alerts.entry(key).or_default() += n;
            }
        }
        let sum = |v: &[(String, u64)]| v.iter().map(|(_, n)| n).sum::<u64>();
        s.losses.insert(
            r.input,
            Loss {
                kernel_drops: r.losses.kernel_drops(),
                skipped: r.losses.records_lost(),
                truncated: sum(&r.losses.truncated),
            },
        );
        s.last_block_ns = s.last_block_ns.max(r.ts_min);
        if s.caught_up.is_some() && r.events > 0 {
            s.caught_up = Some(false);
        }
    }

    /// A follower reports (through [`crate::Progress::idle`]) that it has judged everything
    /// the trace holds so far.
    pub fn caught_up(&self) {
        self.lock().caught_up = Some(true);
    }

    /// What Falco's outputs have taken and failed so far.
    pub fn outputs(&self, reports: &[OutputReport]) {
        let mut s = self.lock();
        s.outputs.clear();
        s.outputs.extend_from_slice(reports);
    }

    /// The metrics in Prometheus' text format.
    pub fn render(&self) -> String {
        let s = self.lock();
        let mut out = String::new();
        let mut metric = |name: &str, kind: &str, help: &str, samples: &[(String, f64)]| {
            let _ = writeln!(
                out,
                "# HELP rtsec_{name} {help}\n# TYPE rtsec_{name} {kind}"
            );
            for (labels, v) in samples {
                let _ = writeln!(out, "rtsec_{name}{labels} {v}");
            }
        };
        let one = |v: f64| [(String::new(), v)];
        let loss = |f: fn(&Loss) -> u64| s.losses.values().map(f).sum::<u64>() as f64;
        metric(
            "start_time_seconds",
            "gauge",
            "When the run started (seconds since the epoch).",
            &one(s.started),
        );
        metric(
            "events_total",
            "counter",
            "Events judged.",
            &one(s.events as f64),
        );
        metric(
            "blocks_total",
            "counter",
            "Trace blocks judged.",
            &one(s.blocks as f64),
        );
        let alerts: Vec<(String, f64)> = s
            .alerts
            .iter()
            .map(|((rule, priority), &n)| {
                (
                    format!("{{rule=\"{}\",priority=\"{priority}\"}}", escape(rule)),
                    n as f64,
                )
            })
            .collect();
        metric(
            "alerts_total",
            "counter",
            "Alerts, by rule and priority.",
            &alerts,
        );
        metric(
            "kernel_drops_total",
            "counter",
            "Events the kernel dropped, as the traces judged record them: alerts on them are missing.",
            &one(loss(|l| l.kernel_drops)),
        );
        metric(
            "skipped_records_total",
            "counter",
            "Records a trace's source read but could not convert, or had only in part, as the \
             traces record them (not those rtsec does not record by design).",
            &one(loss(|l| l.skipped)),
        );
        metric(
            "truncated_values_total",
            "counter",
            "Values cut to fit when recorded, as the traces record them.",
            &one(loss(|l| l.truncated)),
        );
        metric(
            "damaged_blocks_total",
            "counter",
            "Trace blocks that could not be read and were passed over.",
            &one(s.damaged_blocks as f64),
        );
        if s.last_block_ns > 0 {
            let last = s.last_block_ns as f64 / 1e9;
            metric(
                "last_block_time_seconds",
                "gauge",
                "When the first event of the newest block judged happened (seconds since the epoch).",
                &one(last),
            );
            metric(
                "lag_seconds",
                "gauge",
                "How far the newest block judged is behind the clock (it grows while the writer has nothing to add, see follow_caught_up).",
                &one((now_secs() - last).max(0.0)),
            );
        }
        if let Some(c) = s.caught_up {
            metric(
                "follow_caught_up",
                "gauge",
                "1 while the follower has judged all the trace holds and waits for more.",
                &one(c as u8 as f64),
            );
        }
        let by_output = |f: fn(&OutputReport) -> u64| -> Vec<(String, f64)> {
            s.outputs
                .iter()
                .map(|r| (format!("{{output=\"{}\"}}", escape(&r.name)), f(r) as f64))
                .collect()
        };
        if !s.outputs.is_empty() {
            metric(
                "output_alerts_total",
                "counter",
                "Alerts each of Falco's outputs took.",
                &by_output(|r| r.sent),
            );
            metric(
                "output_failures_total",
                "counter",
                "Alerts each of Falco's outputs could not take.",
                &by_output(|r| r.failed),
            );
        }
        out
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic elsewhere while holding it leaves counters that are still counters.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn now_secs() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// A label value as Prometheus' text format writes it.
fn escape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a \"b\" \\ c\nd"), "a \\\"b\\\" \\\\ c\\nd");
    }
}
