//! For a failing case, what `rtsec explain` would say: each expected hit that names an event
//! and did not happen, explained on that event; for a rule that fired less than expected
//! (or an expected hit naming no event), the event where it came closest to firing. The
//! report then says which part of the rule failed and what the event held there.

use rtsec_rules::{Engine, RuleId};

use super::case::Case;
use super::check::Comparison;
use crate::explain::{closest_in, explain_event};
use crate::inputs::Input;

/// Most missing hits explained in one report.
const MAX_EXPLAINED: usize = 5;

/// The report's lines (empty when no hit is missing and no rule fired less than expected).
pub(crate) fn lines(
    case: &Case,
    engine: &Engine,
    inputs: &[Input],
    cmp: &Comparison,
) -> Vec<String> {
    let mut out = Vec::new();
    let missing = cmp
        .matched
        .iter()
        .zip(&case.expect.hits)
        .filter(|(m, e)| m.is_none() && e.event.is_some())
        .map(|(_, e)| e);
    for e in missing.take(MAX_EXPLAINED) {
        let num = e.event.unwrap_or_default();
        let Some(rule) =
            (0..engine.rule_count() as RuleId).find(|&id| engine.rule(id).name == e.rule)
        else {
            continue;
        };
        for ((written, _), input) in case.traces.iter().zip(inputs) {
            if e.trace.as_ref().is_some_and(|t| t != written) {
                continue;
            }
            out.push(format!(
                "why not (line {}), as `rtsec explain` shows it, at {written} event {num}:",
                e.line
            ));
            match explain_event(engine, rule, &input.path, num, 4) {
                Ok(Some(text)) => out.extend(text.lines().map(str::to_string)),
                Ok(None) => out.push(format!("    {written} has no event {num}")),
                Err(err) => out.push(format!("    cannot read it: {err}")),
            }
        }
    }
    out.extend(near_misses(case, engine, inputs, cmp));
    out
}

/// Where each rule that fired less than expected came closest to firing.
fn near_misses(case: &Case, engine: &Engine, inputs: &[Input], cmp: &Comparison) -> Vec<String> {
    let id_of =
        |name: &str| (0..engine.rule_count() as RuleId).find(|&id| engine.rule(id).name == name);
    let fired = |name: &str| {
        cmp.counts
            .iter()
            .find(|(r, _)| r == name)
            .map_or(0, |(_, n)| *n)
    };
    let mut rules: Vec<RuleId> = Vec::new();
    let short = case
        .expect
        .counts
        .iter()
        .filter(|(rule, n)| *n > fired(rule))
        .map(|(rule, _)| rule.as_str());
    let unnumbered = cmp
        .matched
        .iter()
        .zip(&case.expect.hits)
        .filter(|(m, e)| m.is_none() && e.event.is_none())
        .map(|(_, e)| e.rule.as_str());
    for id in short.chain(unnumbered).filter_map(id_of) {
        if !rules.contains(&id) && rules.len() < MAX_EXPLAINED {
            rules.push(id);
        }
    }
    if rules.is_empty() {
        return Vec::new();
    }
    let found = match closest_in(engine, &rules, inputs, &case.window, 1, 4) {
        Ok(f) => f,
        Err(e) => {
            return vec![format!(
                "where the rules came closest to firing: cannot tell: {e}"
            )];
        }
    };
    let mut out = Vec::new();
    for f in found {
        let name = &engine.rule(f.rule).name;
        match f.closest.first() {
            Some((checks, events, shown)) => {
                let away = match checks {
                    0 => "its condition held there, but an earlier rule took the alert".to_string(),
                    1 => "1 check away".to_string(),
                    n => format!("{n} checks away"),
                };
                let n = *events as usize;
                out.push(format!(
                    "where {name:?} came closest to firing ({away}; {n} {} of {} {} it that \
                     way), as `rtsec explain --closest` shows it:",
                    crate::summary::plural(n, "event", "events"),
                    f.missed,
                    crate::summary::plural(n, "fails", "fail"),
                ));
                out.extend(shown.lines().map(str::to_string));
            }
            None => out.push(format!(
                "{name:?} ran on no event of its types ({}) in the traces",
                engine.rule(f.rule).event_types.join(", ")
            )),
        }
    }
    out
}
