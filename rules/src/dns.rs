//! Recorded name → address answers for `fd.sip.name` and friends.
//!
//! libsinsp answers `fd.sip.name = NAME` by resolving NAME with the resolver at evaluation time,
//! which makes verdicts depend on the machine and the moment. rtsec never resolves: it uses a
//! table of answers recorded with the trace (or given by the caller). A name that is not in the
//! table matches no address, and `fd.sip.name` in an output is the table's name for the
//! server address, or `<NA>`.

use std::net::IpAddr;

use rustc_hash::FxHashMap;

use crate::condition::{Expr, FieldExpr, Op, Rhs};

/// The fields whose value is a name only DNS relates to an address.
const NAME_FIELDS: &[&str] = &["fd.sip.name", "fd.rip.name", "fd.cip.name", "fd.lip.name"];

/// The names a (macro-free) condition compares `fd.*.name` fields with by equality (`=`,
/// `!=`, `in`, `intersects`): each needs an answer recorded with the trace to match. Sorted,
/// unique.
pub(crate) fn names_compared(e: &Expr) -> Vec<String> {
    let mut out = Vec::new();
    collect_names(e, &mut out);
    out.sort();
    out.dedup();
    out
}

fn collect_names(e: &Expr, out: &mut Vec<String>) {
    match e {
        Expr::And(v) | Expr::Or(v) => v.iter().for_each(|c| collect_names(c, out)),
        Expr::Not(x) => collect_names(x, out),
        Expr::Macro { .. } => {}
        Expr::Check(c) => {
            let FieldExpr::Field { name, .. } = &c.lhs else {
                return;
            };
            if !NAME_FIELDS.contains(&name.as_str()) || c.modifier.is_some() {
                return;
            }
            match (&c.op, &c.rhs) {
                (Op::Eq | Op::Ne, Rhs::Value(v, _)) => out.push(v.clone()),
                (Op::In | Op::Intersects, Rhs::List(v, _)) => {
                    out.extend(v.iter().map(|(s, _)| s.clone()))
                }
                _ => {}
            }
        }
    }
}

/// Name → addresses, as recorded at capture time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostTable {
    by_name: FxHashMap<String, Vec<IpAddr>>,
}

impl HostTable {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an answer (`kubernetes.default.svc.cluster.local` → `10.96.0.1`).
    pub fn insert(&mut self, name: impl Into<String>, ip: IpAddr) {
        let v = self.by_name.entry(name.into()).or_default();
        if !v.contains(&ip) {
            v.push(ip);
        }
    }

    /// Adds every answer a trace recorded (its header's `hosts`).
    pub fn insert_recorded(&mut self, answers: &rtsec_format::hosts::HostAnswers) {
        for (name, ip) in answers.pairs() {
            self.insert(name, ip);
        }
    }

    /// The addresses recorded for `name` (empty if none).
    pub fn resolve(&self, name: &str) -> &[IpAddr] {
        self.by_name.get(name).map_or(&[], Vec::as_slice)
    }

    /// A name recorded for `ip` (the alphabetically first, so the answer is stable).
    pub fn reverse(&self, ip: IpAddr) -> Option<&str> {
        self.by_name
            .iter()
            .filter(|(_, v)| v.contains(&ip))
            .map(|(k, _)| k.as_str())
            .min()
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::condition::parse;

    #[test]
    fn names_compared_by_equality_are_collected() {
        let names = |s: &str| names_compared(&parse(s, 0).unwrap());
        assert_eq!(
            names(
                "fd.sip.name in (b.example, a.example) or not fd.rip.name = c.example \
                 or (evt.type = connect and fd.cip.name != a.example)"
            ),
            ["a.example", "b.example", "c.example"]
        );
        assert!(names("fd.sip.name contains example and fd.name = x").is_empty());
    }
}
