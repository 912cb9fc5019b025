//! How `rtsec explain --closest` prints what [`Closest`] found.

use rtsec_replay::explain::ClosestOf;
use rtsec_rules::Engine;

/// Per rule a line, then each of its closest ways with its first event (text); or the JSON
/// objects, each with how many events fail that way.
pub fn print(found: &[ClosestOf], engine: &Engine, traces: &str, text: bool) {
    for r in found {
        if !text {
            for (_, n, shown) in &r.closest {
                match serde_json::from_str::<serde_json::Value>(shown) {
                    Ok(mut o) => {
                        o["events_failing_the_same_way"] = (*n).into();
                        outln!("{o}");
                    }
                    Err(_) => outln!("{shown}"),
                }
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
                "-- rule {:?}: fired on {} of {traces}; no other event of its types ({types}) \
                 to rank\n",
                info.name,
                events(r.fired)
            );
            continue;
        }
        outln!(
            "-- rule {:?}: fired on {} of {traces}; the {} of its types ({types}) it did not \
             fire on fail it in {} different ways; the {} closest, each with its first event:\n",
            info.name,
            events(r.fired),
            events(r.missed),
            r.ways,
            r.closest.len()
        );
        for (checks, n, shown) in &r.closest {
            outln!(">> {}, on {}", away(*checks), events(*n));
            outln!("{shown}");
        }
    }
}

/// `1 check away`, `2 checks away`, or that the condition held.
pub fn away(checks: usize) -> String {
    match checks {
        0 => "its condition held".to_string(),
        1 => "1 check away".to_string(),
        n => format!("{n} checks away"),
    }
}

fn events(n: u64) -> String {
    if n == 1 {
        "1 event".to_string()
    } else {
        format!("{n} events")
    }
}
