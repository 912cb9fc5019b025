//! Rules that cannot see part of a trace: they watch syscalls its live capture did not record
//! (`rtsec capture --syscalls`), so they cannot fire on those events, or they compare
//! `fd.sip.name` and friends with names the trace has no recorded answer for (`--resolve`),
//! which then match nothing. Each report names them (see [`crate::summary::UnseenRule`]).

use rtsec_format::Header;
use rtsec_rules::{Engine, RecordedTypes};

use crate::summary::UnseenRule;

/// The enabled rules of `engines` (in order; a rule name in several once, with the event
/// types of all) that watch syscalls the capture of the trace with `header` did not record.
/// The syscall list of an import or a synthetic trace says nothing of the kind (their events
/// are whatever their source had): none then.
pub fn unseen_rules(engines: &[&Engine], header: &Header) -> Vec<UnseenRule> {
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
                    r.all &= u.all;
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
                    all: u.all,
                    types: u.types,
                    syscalls: u.syscalls,
                }),
            }
        }
    }
    out
}

/// The enabled rules of `engines` (in order; a rule name in several once) that compare
/// `fd.*.name` fields with names the trace with `header` has no recorded answer for (its
/// capture did not resolve them; an import has none), each with those names.
pub fn unresolved_names(engines: &[&Engine], header: &Header) -> Vec<(String, Vec<String>)> {
    let asked: Vec<&str> = header.hosts.0.iter().map(|a| a.name.as_str()).collect();
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for engine in engines {
        for u in engine.unresolved_names(&asked) {
            let name = &engine.rule(u.rule).name;
            match out.iter_mut().find(|(r, _)| r == name) {
                Some((_, names)) => {
                    names.extend(u.names);
                    names.sort();
                    names.dedup();
                }
                None => out.push((name.clone(), u.names)),
            }
        }
    }
    out
}
