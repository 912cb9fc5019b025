//! Recorded name → address answers for `fd.sip.name` and friends.
//!
//! libsinsp answers `fd.sip.name = NAME` by resolving NAME with the resolver at evaluation time,
//! which makes verdicts depend on the machine and the moment. rtsec never resolves: it uses a
//! table of answers recorded with the trace (or given by the caller). A name that is not in the
//! table matches no address, and `fd.sip.name` in an output is the table's name for the
//! server address, or `<NA>`.

use std::net::IpAddr;

use rustc_hash::FxHashMap;

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
