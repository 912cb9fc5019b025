//! For a failing case: each expected hit that names an event and did not happen, explained on
//! that event as `rtsec explain` shows it, so that the report says which part of the rule
//! failed and what the event held there.

use rtsec_rules::{Engine, RuleId};

use super::case::Case;
use super::check::Comparison;
use crate::explain::explain_event;
use crate::inputs::Input;

/// Most missing hits explained in one report.
const MAX_EXPLAINED: usize = 5;

/// The report's lines (empty when no missing hit names an event).
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
    out
}
