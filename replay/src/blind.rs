//! Rules that cannot see part of a trace: they watch syscalls its live capture did not record
//! (`rtsec capture --syscalls`), so they cannot fire on those events. Each report names them
//! (see [`crate::summary::UnseenRule`]).

use rtsec_format::Header;
use rtsec_rules::{Engine, RecordedTypes};

use crate::summary::UnseenRule;

/// The enabled rules of `engines` (in order; a rule name in several once, with the event
/// types of all) that watch syscalls the capture of the trace with `header` did not record.
/// The syscall list of an import or a synthetic trace says nothing of the kind (their events
/// are whatever their source had): none then.
pub(crate) fn unseen_rules(engines: &[&Engine], header: &Header) -> Vec<UnseenRule> {
    if header.source != "capture" {
        return Vec::new();
    }
    let recorded = RecordedTypes::from_syscalls(&header.settings.syscalls);
    let mut out: Vec<UnseenRule> = Vec::new();
    for engine in engines {
        for u in engine.unseen_types(&recorded) {
            let name = &engine.rule(u.rule).name;
            match out.iter_mut().find(|r| &r.rule == name) {
                Some(r) => {
                    for (list, new) in [(&mut r.types, u.types), (&mut r.syscalls, u.syscalls)] {
                        for x in new {
                            if !list.contains(&x) {
                                list.push(x);
                            }
                        }
                    }
                    r.syscalls.sort();
                }
                None => out.push(UnseenRule {
                    rule: name.clone(),
                    types: u.types,
                    syscalls: u.syscalls,
                }),
            }
        }
    }
    out
}
