//! The event types a live capture recorded, and the rules that watch others. Falco picks the
//! syscalls its drivers collect from the rules it runs; rtsec records first and judges later,
//! so a rule can watch a syscall the capture left out (`rtsec capture --syscalls`, `read` and
//! `write` are not in the default set). Such a rule cannot fire on those events, and a replay
//! says so rather than give a clean verdict that only looks complete.
//!
//! Likewise the names rules compare `fd.sip.name` and friends with: libsinsp resolves them
//! while it runs, rtsec answers from what the capture resolved (`--resolve`), so a name the
//! trace has no answer for matches nothing.

use rtsec_format::{Kind, syscalls};

use crate::engine::{Engine, RuleId};
use crate::evttype::{self, KeySet, NUM_KINDS, key_of_syscall};

/// The event types a trace can hold: those of the syscalls its capture recorded, and
/// `procexit` (a scheduler tracepoint, always recorded).
#[derive(Clone, Debug)]
pub struct RecordedTypes(KeySet);

impl RecordedTypes {
    /// From the syscall names a trace header lists (`syscall_N` for a number without a name).
    /// Names this build does not know are passed over: they cannot be a rule's event type.
    pub fn from_syscalls<S: AsRef<str>>(names: &[S]) -> RecordedTypes {
        let mut keys = KeySet::empty();
        keys.insert(Kind::ProcExit as usize);
        for name in names {
            let name = name.as_ref();
            let nr = match name.strip_prefix("syscall_") {
                Some(n) => n.parse().ok(),
                None => syscalls::number(name),
            };
            if let Some(nr) = nr {
                keys.insert(key_of_syscall(nr));
            }
        }
        RecordedTypes(keys)
    }
}

/// A rule that watches event types a trace did not record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnseenTypes {
    pub rule: RuleId,
    /// The event types it watches that the trace cannot hold (Falco names, as `evt.type`).
    pub types: Vec<String>,
    /// The syscalls to record for them (kernel names, as `rtsec capture --syscalls` takes).
    pub syscalls: Vec<String>,
    /// None of its event types is recorded: it cannot fire on the trace at all.
    pub all: bool,
}

/// Rules whose event types are this many or more are not specific to any (Falco warns that
/// they match "too many evt.type values" past 100): missing some is not worth a word.
const SPECIFIC_MAX: usize = 100;

impl Engine {
    /// The enabled rules (in definition order) that watch event types `recorded` leaves out:
    /// they cannot fire on those events of the trace. Rules that watch every event type, or
    /// nearly (`evt.type != open`), are not listed.
    pub fn unseen_types(&self, recorded: &RecordedTypes) -> Vec<UnseenTypes> {
        let mut out = Vec::new();
        for (id, keys) in self.enabled_in_order() {
            let Some(keys) = specific(keys) else {
                continue;
            };
            let missing: Vec<usize> = keys.iter().filter(|&k| !recorded.0.contains(k)).collect();
            if missing.is_empty() {
                continue;
            }
            let mut syscalls: Vec<String> = missing
                .iter()
                .flat_map(|&k| syscalls_of_key(k))
                .map(str::to_string)
                .collect();
            syscalls.sort();
            syscalls.dedup();
            out.push(UnseenTypes {
                rule: id,
                all: missing.len() == keys.len(),
                types: missing.into_iter().map(evttype::key_name).collect(),
                syscalls,
            });
        }
        out
    }
}

/// The syscalls a set of rules watches (`rtsec capture --for-rules`), as Falco's drivers
/// collect what the loaded rules need.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WatchedSyscalls {
    /// Kernel names, sorted: every syscall of every event type an enabled rule watches.
    pub syscalls: Vec<String>,
    /// Enabled rules that watch every event type, or nearly: no syscall list serves them
    /// better than the one they are given.
    pub unspecific: Vec<RuleId>,
    /// The names the enabled rules compare `fd.*.name` fields with, sorted: a capture
    /// resolves them (`--resolve`) for those comparisons to match.
    pub names: Vec<String>,
}

/// A rule that compares `fd.*.name` fields with names a trace has no recorded answer for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnresolvedNames {
    pub rule: RuleId,
    /// Sorted.
    pub names: Vec<String>,
}

impl Engine {
    /// The syscalls the enabled rules watch (see [`WatchedSyscalls`]).
    pub fn watched_syscalls(&self) -> WatchedSyscalls {
        let mut w = WatchedSyscalls::default();
        for (id, keys) in self.enabled_in_order() {
            let Some(keys) = specific(keys) else {
                w.unspecific.push(id);
                continue;
            };
            for k in keys.iter() {
                w.syscalls
                    .extend(syscalls_of_key(k).into_iter().map(str::to_string));
            }
        }
        for &id in self.enabled() {
            w.names
                .extend(self.inner().rules[id as usize].dns_names.iter().cloned());
        }
        w.syscalls.sort();
        w.syscalls.dedup();
        w.names.sort();
        w.names.dedup();
        w
    }

    /// The enabled rules (in definition order) that compare `fd.*.name` fields with names
    /// neither among `asked` (the names a capture resolved, answered or not) nor answered by
    /// the engine's [`crate::HostTable`] (every input's answers): those comparisons cannot
    /// match.
    pub fn unresolved_names<S: AsRef<str>>(&self, asked: &[S]) -> Vec<UnresolvedNames> {
        self.enabled_in_order()
            .filter_map(|(id, _)| {
                let names: Vec<String> = self.inner().rules[id as usize]
                    .dns_names
                    .iter()
                    .filter(|n| !asked.iter().any(|a| a.as_ref() == n.as_str()))
                    .filter(|n| self.options().hosts.resolve(n).is_empty())
                    .cloned()
                    .collect();
                (!names.is_empty()).then_some(UnresolvedNames { rule: id, names })
            })
            .collect()
    }
}

impl Engine {
    /// The enabled rules in definition order, with their event keys.
    fn enabled_in_order(&self) -> impl Iterator<Item = (RuleId, &KeySet)> {
        let mut ids = self.enabled().to_vec();
        ids.sort_unstable();
        ids.into_iter()
            .map(|id| (id, &self.inner().rules[id as usize].keys))
    }
}

/// `keys` if they name few enough event types for a rule to be about them (see
/// [`SPECIFIC_MAX`]).
fn specific(keys: &KeySet) -> Option<&KeySet> {
    (!keys.is_all() && keys.len() <= SPECIFIC_MAX).then_some(keys)
}

/// The kernel names of the syscalls recorded under event key `key`.
fn syscalls_of_key(key: usize) -> Vec<&'static str> {
    let nrs: Vec<u16> = if key < NUM_KINDS {
        Kind::ALL[key].syscalls().to_vec()
    } else {
        vec![(key - NUM_KINDS) as u16]
    };
    nrs.into_iter().filter_map(syscalls::name).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EngineOptions, RuleSource, load};

    fn engine(yaml: &str) -> Engine {
        let set = load(&[RuleSource::new("r.yaml", yaml)]).unwrap();
        Engine::new(&set, EngineOptions::default())
    }

    const RULES: &str = r#"
- rule: Opens
  desc: d
  condition: evt.type in (open, openat) and fd.name = /etc/shadow
  output: o
  priority: WARNING
- rule: Reads
  desc: d
  condition: evt.type in (read, pread, openat) and fd.name = /etc/shadow
  output: o
  priority: WARNING
- rule: Everything
  desc: d
  condition: proc.name = x
  output: o
  priority: WARNING
- rule: Not open
  desc: d
  condition: evt.type != open and proc.name = x
  output: o
  priority: WARNING
- rule: Exits
  desc: d
  condition: evt.type = procexit and proc.name = x
  output: o
  priority: WARNING
"#;

    #[test]
    fn rules_watching_syscalls_the_capture_left_out_are_named_with_what_to_record() {
        let e = engine(RULES);
        let recorded = RecordedTypes::from_syscalls(&["open", "openat", "execve"]);
        let unseen = e.unseen_types(&recorded);
        let named: Vec<(&str, &[String], &[String])> = unseen
            .iter()
            .map(|u| (e.rule(u.rule).name.as_str(), &u.types[..], &u.syscalls[..]))
            .collect();
        // pread is Falco's name of pread64; the rule watching every type, or all but one,
        // and the one watching procexit (always recorded) are not named.
        assert_eq!(
            named,
            [(
                "Reads",
                &["read".to_string(), "pread".to_string()][..],
                &["pread64".to_string(), "read".to_string()][..]
            )]
        );
    }

    #[test]
    fn the_syscalls_rules_watch_are_those_of_their_event_types() {
        let e = engine(RULES);
        let w = e.watched_syscalls();
        // procexit is no syscall; fchmodat is two (fchmodat, fchmodat2).
        assert_eq!(w.syscalls, ["open", "openat", "pread64", "read"]);
        let unspecific: Vec<&str> = w
            .unspecific
            .iter()
            .map(|&id| e.rule(id).name.as_str())
            .collect();
        assert_eq!(unspecific, ["Everything", "Not open"]);
        let e = engine(
            "- rule: m\n  desc: d\n  condition: evt.type = fchmodat\n  output: o\n  priority: INFO\n",
        );
        assert_eq!(e.watched_syscalls().syscalls, ["fchmodat", "fchmodat2"]);
        // Recording them leaves no rule blind.
        let recorded = RecordedTypes::from_syscalls(&engine(RULES).watched_syscalls().syscalls);
        assert_eq!(engine(RULES).unseen_types(&recorded), []);
    }

    #[test]
    fn names_without_a_recorded_answer_are_named_per_rule() {
        let e = engine(
            r#"
- rule: Miner
  desc: d
  condition: evt.type = connect and fd.sip.name in (pool.example, xmr.example)
  output: o
  priority: WARNING
- rule: Api
  desc: d
  condition: evt.type = connect and fd.sip.name = kubernetes.default.svc.cluster.local
  output: o
  priority: WARNING
"#,
        );
        assert_eq!(
            e.watched_syscalls().names,
            [
                "kubernetes.default.svc.cluster.local",
                "pool.example",
                "xmr.example"
            ]
        );
        let un = e.unresolved_names(&["kubernetes.default.svc.cluster.local", "xmr.example"]);
        assert_eq!(
            un,
            [UnresolvedNames {
                rule: 0,
                names: vec!["pool.example".into()]
            }]
        );
    }

    #[test]
    fn a_capture_of_every_syscall_leaves_no_rule_blind() {
        let e = engine(RULES);
        let all: Vec<String> = syscalls::X86_64
            .iter()
            .map(|&(_, n)| n.to_string())
            .collect();
        assert_eq!(e.unseen_types(&RecordedTypes::from_syscalls(&all)), []);
        // A number without a name in the header counts as that syscall.
        let by_number =
            RecordedTypes::from_syscalls(&["syscall_0", "syscall_17", "open", "openat"]);
        assert_eq!(e.unseen_types(&by_number), []);
    }
}
