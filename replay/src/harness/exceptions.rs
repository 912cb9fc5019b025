//! Which rule exceptions a case exercises: per rule with exceptions, how many events of the
//! case's traces each exception keeps the rule from firing on (the rule's condition holds
//! apart from its exceptions, and the exception holds). A passing case that pins the rule's
//! hits proves such an exception: without it, the rule would fire and the case would fail.

use std::collections::HashMap;

use rtsec_format::TraceReader;
use rtsec_rules::{Engine, ExceptionSite, Explainer, RuleId, event_type};

use crate::inputs::Input;
use crate::window::TimeWindow;

/// Per enabled rule with exceptions, each exception ([`Explainer::exceptions`], in order)
/// with the events it suppressed. Damaged blocks are passed over: the case reports them.
pub(crate) fn suppressed(
    engine: &Engine,
    inputs: &[Input],
    window: &TimeWindow,
) -> HashMap<RuleId, Vec<(ExceptionSite, u64)>> {
    let explainers: Vec<Explainer> = engine
        .enabled()
        .iter()
        .map(|&id| engine.explainer(id))
        .filter(|x| !x.exceptions().is_empty())
        .collect();
    let mut counts: HashMap<RuleId, Vec<(ExceptionSite, u64)>> = explainers
        .iter()
        .map(|x| {
            (
                x.rule(),
                x.exceptions().iter().map(|e| (e.clone(), 0)).collect(),
            )
        })
        .collect();
    if explainers.is_empty() {
        return counts;
    }
    for input in inputs {
        let Ok(reader) = TraceReader::open(&input.path) else {
            continue;
        };
        let mut scratch = engine.scratch();
        scratch.set_machine(reader.header());
        let span = window.span(crate::window::trace_start(&reader));
        for block in reader
            .blocks(true)
            .flatten()
            .filter_map(|r| r.decode().ok())
        {
            for ev in block.events().filter(|e| span.contains(e.event.ts)) {
                let ty = event_type(&ev);
                for x in &explainers {
                    let info = engine.rule(x.rule());
                    if !info.all_event_types && !info.event_types.iter().any(|t| t == ty) {
                        continue;
                    }
                    for i in x.suppressing(engine, &ev, &mut scratch) {
                        if let Some(c) = counts.get_mut(&x.rule()) {
                            c[i].1 += 1;
                        }
                    }
                }
            }
        }
    }
    counts
}
