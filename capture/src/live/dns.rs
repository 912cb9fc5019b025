//! DNS answers recorded at capture start (DESIGN.md decision 1: what can only be known live is
//! recorded): rules compare `fd.*.name` fields with host names, and replay answers them from
//! the trace's table instead of asking a resolver years later on another machine.
//!
//! Each name is resolved on a thread of its own (the system resolver: `/etc/hosts`, then DNS)
//! while the probe loads; a name that has not answered when the trace header is written is
//! recorded without addresses and reported.

use std::net::{IpAddr, ToSocketAddrs};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, unbounded};
use rtsec_format::hosts::{HostAnswer, HostAnswers};

/// Names every capture resolves: Falco's stable rules compare `fd.sip.name` with it.
pub const DEFAULT_NAMES: &[&str] = &["kubernetes.default.svc.cluster.local"];

/// Lookups under way.
pub struct Lookups {
    names: Vec<String>,
    answers: Receiver<(usize, Vec<IpAddr>)>,
}

/// Starts resolving [`DEFAULT_NAMES`] and `extra` (duplicates once).
pub fn start(extra: &[String]) -> Lookups {
    let mut names: Vec<String> = DEFAULT_NAMES.iter().map(|s| s.to_string()).collect();
    for n in extra {
        if !names.contains(n) {
            names.push(n.clone());
        }
    }
    let (tx, answers) = unbounded();
    for (i, name) in names.iter().enumerate() {
        let (tx, name) = (tx.clone(), name.clone());
        // Detached: a resolver that hangs past the deadline only keeps its own thread.
        let _ = std::thread::Builder::new()
            .name("rtsec-dns".into())
            .spawn(move || {
                let mut addrs: Vec<IpAddr> = Vec::new();
                if let Ok(it) = (name.as_str(), 0).to_socket_addrs() {
                    for a in it {
                        if !addrs.contains(&a.ip()) {
                            addrs.push(a.ip());
                        }
                    }
                }
                let _ = tx.send((i, addrs));
            });
    }
    Lookups { names, answers }
}

/// The recorded answers, and the names that had not answered by the deadline.
pub struct Resolved {
    pub hosts: HostAnswers,
    pub timed_out: Vec<String>,
}

impl Lookups {
    /// Waits until every name has answered or `wait` has passed.
    pub fn finish(self, wait: Duration) -> Resolved {
        let deadline = Instant::now() + wait;
        let mut got: Vec<Option<Vec<IpAddr>>> = vec![None; self.names.len()];
        while got.iter().any(Option::is_none) {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.answers.recv_timeout(left) {
                Ok((i, addrs)) => got[i] = Some(addrs),
                Err(_) => break,
            }
        }
        let mut timed_out = Vec::new();
        let answers = self
            .names
            .into_iter()
            .zip(got)
            .map(|(name, addrs)| {
                if addrs.is_none() {
                    timed_out.push(name.clone());
                }
                HostAnswer {
                    name,
                    addrs: addrs.unwrap_or_default(),
                }
            })
            .collect();
        Resolved {
            hosts: HostAnswers(answers),
            timed_out,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_names_from_etc_hosts_and_records_failures_empty() {
        let r = start(&[
            "localhost".into(),
            "does-not-exist.invalid".into(),
            "localhost".into(),
        ])
        .finish(Duration::from_secs(10));
        let names: Vec<&str> = r.hosts.0.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "kubernetes.default.svc.cluster.local",
                "localhost",
                "does-not-exist.invalid"
            ]
        );
        assert!(r.hosts.0[1].addrs.iter().all(|a| a.is_loopback()));
        assert!(!r.hosts.0[1].addrs.is_empty());
        assert!(r.hosts.0[2].addrs.is_empty());
    }
}
