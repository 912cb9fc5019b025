//! Normalisation of old events, the way libs' savefile converter does it (reference §8):
//! old event versions become the current one, missing trailing parameters are added, and exit
//! events that used to carry only their return value get their arguments from the thread's last
//! enter event. Enter events whose content moved into the exit are dropped (and counted).
//!
//! Deliberate differences from libs, which stops reading the file in these cases: an exit whose
//! stored enter event belongs to another syscall, or an event with no rule for its parameter
//! count, is handed on as completely as possible and counted in [`Stats`].

mod rules;

use std::sync::OnceLock;

use rustc_hash::FxHashMap;

use crate::event::{Slot, Src, ZEROS};
use crate::stats::{Degraded, Skip, Stats};
use crate::table::{Direction, event_info};
use rules::{Action, Instr, RULES, Rule};

/// More steps than the longest chain (execve 8 → 19 with all its additions takes 15).
const MAX_STEPS: usize = 32;

/// The event being normalised: its current type and where its parameters are.
#[derive(Default)]
pub(crate) struct Work {
    pub event_type: u16,
    pub slots: Vec<Slot>,
    pub scratch: Vec<u8>,
    /// Set when a conversion changed the event.
    pub converted: bool,
}

/// What to do with the event after normalisation.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    Yield,
    Drop(Skip),
}

/// A thread's last stored enter event, flattened: its parameters back to back in `data`.
#[derive(Default)]
struct StoredEnter {
    event_type: u16,
    /// False once an exit used it (libs frees it then); the bytes stay until the next store so
    /// that the yielded exit can still point at them.
    live: bool,
    data: Vec<u8>,
    params: Vec<(u32, u32)>,
}

#[derive(Default)]
pub(crate) struct Converter {
    enters: FxHashMap<i64, StoredEnter>,
    next: Vec<Slot>,
    tmp: Vec<u8>,
}

/// Rules by event type: the range of `RULES` for each type (rules are grouped per type).
fn rule_index() -> &'static [(u16, u16)] {
    static INDEX: OnceLock<Vec<(u16, u16)>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut sorted: Vec<usize> = (0..RULES.len()).collect();
        sorted.sort_by_key(|&i| RULES[i].event_type);
        let mut index = vec![(0u16, 0u16); crate::table::EVENT_TYPE_COUNT];
        for (i, rule) in RULES.iter().enumerate() {
            let e = &mut index[usize::from(rule.event_type)];
            if e.1 == 0 {
                *e = (i as u16, i as u16 + 1);
            } else {
                e.1 = i as u16 + 1;
            }
        }
        index
    })
}

fn lookup(event_type: u16, nparams: usize) -> Option<&'static Rule> {
    let &(start, end) = rule_index().get(usize::from(event_type))?;
    RULES[usize::from(start)..usize::from(end)]
        .iter()
        .find(|r| r.event_type == event_type && usize::from(r.nparams) == nparams)
}

pub(crate) fn slot_bytes<'a>(
    slot: Slot,
    block: &'a [u8],
    enter: &'a [u8],
    scratch: &'a [u8],
) -> &'a [u8] {
    if slot.len == 0 {
        return &[];
    }
    let range = slot.off as usize..slot.off as usize + slot.len as usize;
    let bytes = match slot.src {
        Src::Block => block.get(range),
        Src::Enter => enter.get(range),
        Src::Scratch => scratch.get(range),
        Src::Zeros => ZEROS.get(..slot.len as usize),
    };
    bytes.unwrap_or_default()
}

impl Converter {
    /// Forgets stored enter events (a new section starts a new capture).
    pub fn clear(&mut self) {
        self.enters.clear();
    }

    /// The buffer `Src::Enter` slots of an event of thread `tid` point into.
    pub fn enter_bytes(&self, tid: i64) -> &[u8] {
        self.enters.get(&tid).map_or(&[], |e| &e.data)
    }

    /// Brings `work` to the current version of its event type; `block` holds the bytes of
    /// `Src::Block` slots.
    pub fn normalize(
        &mut self,
        tid: i64,
        work: &mut Work,
        block: &[u8],
        stats: &mut Stats,
    ) -> Outcome {
        for _ in 0..MAX_STEPS {
            let Some(info) = event_info(work.event_type) else {
                return Outcome::Drop(Skip::UnknownEventType {
                    event_type: work.event_type,
                });
            };
            if info.is_unused() {
                return Outcome::Drop(Skip::UnusedEventType {
                    event_type: work.event_type,
                });
            }
            let enter = info.dir == Direction::Enter;
            if !info.is_converter_managed() {
                if !info.is_old_version() {
                    return Outcome::Yield;
                }
                if enter {
                    return Outcome::Drop(Skip::OldEnter {
                        event_type: work.event_type,
                    });
                }
                // An old exit the table forgot to mark: hand it on as found.
                stats.degrade(Degraded::NoConversionRule {
                    event_type: work.event_type,
                    nparams: work.slots.len() as u32,
                });
                return Outcome::Yield;
            }
            let nparams = work.slots.len();
            if !enter && !info.is_old_version() {
                if nparams == info.params.len() {
                    return Outcome::Yield;
                }
                if nparams > info.params.len() {
                    stats.degrade(Degraded::ExtraParams {
                        event_type: work.event_type,
                    });
                    work.slots.truncate(info.params.len());
                    return Outcome::Yield;
                }
            }
            let Some(rule) = lookup(work.event_type, nparams) else {
                if enter {
                    return Outcome::Drop(Skip::NoConversionRule {
                        event_type: work.event_type,
                        nparams: nparams as u32,
                    });
                }
                // libs only ever appends parameters: give the exit the current count, the
                // missing ones empty, and say so.
                stats.degrade(Degraded::NoConversionRule {
                    event_type: work.event_type,
                    nparams: nparams as u32,
                });
                work.slots.resize(info.params.len(), Slot::EMPTY);
                work.converted = true;
                return Outcome::Yield;
            };
            match rule.action {
                Action::Pass => return Outcome::Yield,
                Action::Store => {
                    self.store(tid, work, block);
                    return Outcome::Drop(Skip::EnterMerged {
                        event_type: work.event_type,
                    });
                }
                Action::StoreAndPass => {
                    self.store(tid, work, block);
                    return Outcome::Yield;
                }
                Action::Add(instrs) => {
                    self.next.clear();
                    self.next.extend_from_slice(&work.slots);
                    self.apply(tid, work, work.event_type, instrs, block, stats);
                }
                Action::Change(to, instrs) => {
                    self.next.clear();
                    self.apply(tid, work, to, instrs, block, stats);
                    work.event_type = to;
                }
            }
            std::mem::swap(&mut work.slots, &mut self.next);
            work.converted = true;
        }
        Outcome::Drop(Skip::ConversionLoop {
            event_type: work.event_type,
        })
    }

    /// Appends to `self.next` the parameters `instrs` describe, for an event that becomes
    /// `target_type`.
    fn apply(
        &mut self,
        tid: i64,
        work: &mut Work,
        target_type: u16,
        instrs: &[Instr],
        block: &[u8],
        stats: &mut Stats,
    ) {
        let target = event_info(target_type);
        let mut used_enter = false;
        let mut enter_problem = None;
        for instr in instrs {
            let idx = self.next.len();
            let ty = target.and_then(|t| t.params.get(idx)).map(|p| p.ty);
            let width = ty.map_or(0, |t| t.default_width());
            let default = Slot {
                src: Src::Zeros,
                off: 0,
                len: width as u32,
            };
            let cap = |mut s: Slot| {
                if width > 0 && s.len as usize > width {
                    s.len = width as u32;
                }
                s
            };
            let slot = match *instr {
                Instr::Old(i) => work
                    .slots
                    .get(usize::from(i))
                    .map_or(Slot::EMPTY, |s| cap(*s)),
                Instr::Default => default,
                Instr::Empty => Slot::EMPTY,
                Instr::Enter(i) | Instr::EnterOrEmpty(i) => {
                    let fallback = if matches!(instr, Instr::Enter(_)) {
                        default
                    } else {
                        Slot::EMPTY
                    };
                    match self.enters.get(&tid).filter(|e| e.live) {
                        None => {
                            enter_problem.get_or_insert(Degraded::EnterMissing {
                                event_type: work.event_type,
                            });
                            fallback
                        }
                        Some(e) if e.event_type.wrapping_add(1) != work.event_type => {
                            enter_problem.get_or_insert(Degraded::EnterMismatch {
                                event_type: work.event_type,
                            });
                            fallback
                        }
                        Some(e) => match e.params.get(usize::from(i)) {
                            Some(&(off, len)) => {
                                used_enter = true;
                                cap(Slot {
                                    src: Src::Enter,
                                    off,
                                    len,
                                })
                            }
                            None => {
                                enter_problem.get_or_insert(Degraded::EnterMismatch {
                                    event_type: work.event_type,
                                });
                                fallback
                            }
                        },
                    }
                }
                Instr::ContainerJson => {
                    let enter = self.enter_bytes(tid);
                    let text = |k: usize| {
                        let raw = work
                            .slots
                            .get(k)
                            .map_or(&[][..], |s| slot_bytes(*s, block, enter, &work.scratch));
                        let raw = raw.split(|b| *b == 0).next().unwrap_or_default();
                        String::from_utf8_lossy(raw).into_owned()
                    };
                    let kind = work.slots.get(1).map_or(0, |s| {
                        crate::cursor::le_u64(slot_bytes(*s, block, enter, &work.scratch)) as u32
                    });
                    let json = format!(
                        "{{\"id\":{},\"type\":{kind},\"name\":{},\"image\":{}}}\0",
                        json_string(&text(0)),
                        json_string(&text(2)),
                        json_string(&text(3))
                    );
                    let off = work.scratch.len() as u32;
                    work.scratch.extend_from_slice(json.as_bytes());
                    Slot {
                        src: Src::Scratch,
                        off,
                        len: json.len() as u32,
                    }
                }
            };
            self.next.push(slot);
        }
        if let Some(problem) = enter_problem {
            stats.degrade(problem);
        }
        if used_enter && let Some(e) = self.enters.get_mut(&tid) {
            e.live = false;
        }
    }

    fn store(&mut self, tid: i64, work: &Work, block: &[u8]) {
        self.tmp.clear();
        let entry = self.enters.entry(tid).or_default();
        entry.params.clear();
        for slot in &work.slots {
            // Enter events never point at a stored enter, so the enter buffer is not needed.
            let bytes = slot_bytes(*slot, block, &[], &work.scratch);
            entry
                .params
                .push((self.tmp.len() as u32, bytes.len() as u32));
            self.tmp.extend_from_slice(bytes);
        }
        std::mem::swap(&mut entry.data, &mut self.tmp);
        entry.event_type = work.event_type;
        entry.live = true;
    }
}

/// A JSON string literal (libs builds this JSON without escaping; we escape so that it parses).
fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{EventFlags, all_events, ids};

    /// Every rule must fit the event table: keys on managed events, instructions producing no
    /// more parameters than the target has, `Old` indices within the key's count.
    #[test]
    fn rules_fit_the_event_table() {
        let mut renamed = Vec::new();
        for rule in RULES {
            let info = event_info(rule.event_type).unwrap();
            assert!(
                info.is_converter_managed(),
                "{} is not converter-managed",
                info.enum_name
            );
            let n = usize::from(rule.nparams);
            let check = |instrs: &[Instr], base: usize, target: u16| {
                let t = event_info(target).unwrap();
                assert!(
                    base + instrs.len() <= t.params.len(),
                    "{} n={n}: too many params for {}",
                    info.enum_name,
                    t.enum_name
                );
                for i in instrs {
                    if let Instr::Old(k) = i {
                        assert!(usize::from(*k) < n, "{} n={n}: Old({k})", info.enum_name);
                    }
                }
            };
            match rule.action {
                Action::Add(instrs) => check(instrs, n, rule.event_type),
                Action::Change(to, instrs) => {
                    check(instrs, 0, to);
                    let to_name = event_info(to).unwrap().name;
                    if to_name != info.name {
                        renamed.push((info.enum_name, to_name));
                    }
                }
                _ => {}
            }
        }
        // accept4 was recorded under the name "accept" before libs gave it its own event.
        assert_eq!(
            renamed,
            [
                ("PPME_SOCKET_ACCEPT4_X", "accept4"),
                ("PPME_SOCKET_ACCEPT4_5_X", "accept4")
            ]
        );
    }

    /// Every old converter-managed exit event has a rule for its table parameter count, so old
    /// captures always reach the current version.
    #[test]
    fn every_old_managed_exit_has_a_rule() {
        for info in all_events() {
            let managed = info.flags.contains(EventFlags::CONVERTER_MANAGED);
            if managed && info.is_old_version() && info.dir == Direction::Exit {
                assert!(
                    lookup(info.id, info.params.len()).is_some(),
                    "no rule for {}",
                    info.enum_name
                );
            }
        }
    }

    /// An event of `event_type` whose parameters are `params`, laid out in its own block buffer.
    fn work(event_type: u16, params: &[&[u8]]) -> (Vec<u8>, Work) {
        let mut block = Vec::new();
        let mut slots = Vec::new();
        for p in params {
            slots.push(Slot {
                src: Src::Block,
                off: block.len() as u32,
                len: p.len() as u32,
            });
            block.extend_from_slice(p);
        }
        (
            block,
            Work {
                event_type,
                slots,
                scratch: Vec::new(),
                converted: false,
            },
        )
    }

    fn param<'a>(c: &'a Converter, tid: i64, w: &'a Work, block: &'a [u8], i: usize) -> &'a [u8] {
        slot_bytes(w.slots[i], block, c.enter_bytes(tid), &w.scratch)
    }

    #[test]
    fn old_openat_exit_gets_its_arguments_from_the_enter_event() {
        let (mut c, mut stats) = (Converter::default(), Stats::default());
        let dirfd = (-100i64).to_le_bytes();
        let (b, mut enter) = work(
            ids::PPME_SYSCALL_OPENAT_E,
            &[
                &dirfd,
                b"/etc/passwd\0",
                &1u32.to_le_bytes(),
                &0u32.to_le_bytes(),
            ],
        );
        assert_eq!(
            c.normalize(7, &mut enter, &b, &mut stats),
            Outcome::Drop(Skip::EnterMerged {
                event_type: ids::PPME_SYSCALL_OPENAT_E
            })
        );
        let (b, mut exit) = work(ids::PPME_SYSCALL_OPENAT_X, &[&3i64.to_le_bytes()]);
        assert_eq!(c.normalize(7, &mut exit, &b, &mut stats), Outcome::Yield);
        assert_eq!(exit.event_type, ids::PPME_SYSCALL_OPENAT_2_X);
        assert_eq!(exit.slots.len(), 7);
        assert_eq!(param(&c, 7, &exit, &b, 0), 3i64.to_le_bytes());
        assert_eq!(param(&c, 7, &exit, &b, 1), dirfd);
        assert_eq!(param(&c, 7, &exit, &b, 2), b"/etc/passwd\0");
        assert_eq!(param(&c, 7, &exit, &b, 3), 1u32.to_le_bytes());
        assert!(param(&c, 7, &exit, &b, 5).is_empty(), "dev is absent");
        assert!(exit.converted);
        assert!(stats.degraded().is_empty());
        // The enter event was used up: a second exit on the thread finds none.
        let (b, mut again) = work(ids::PPME_SYSCALL_OPENAT_X, &[&4i64.to_le_bytes()]);
        c.normalize(7, &mut again, &b, &mut stats);
        assert!(param(&c, 7, &again, &b, 2).is_empty());
        assert_eq!(
            stats.degraded(),
            vec![(
                Degraded::EnterMissing {
                    event_type: ids::PPME_SYSCALL_OPENAT_X
                },
                1
            )]
        );
    }

    #[test]
    fn missing_enter_gives_defaults_or_empties_as_libs() {
        let (mut c, mut stats) = (Converter::default(), Stats::default());
        // close_X: fd from the enter without the fallback flag: the FD default, 8 zero bytes.
        let (b, mut close) = work(ids::PPME_SYSCALL_CLOSE_X, &[&0i64.to_le_bytes()]);
        c.normalize(1, &mut close, &b, &mut stats);
        assert_eq!(param(&c, 1, &close, &b, 1), [0u8; 8]);
        // setuid_X: uid with the fallback flag: empty.
        let (b, mut setuid) = work(ids::PPME_SYSCALL_SETUID_X, &[&0i64.to_le_bytes()]);
        c.normalize(1, &mut setuid, &b, &mut stats);
        assert!(param(&c, 1, &setuid, &b, 1).is_empty());
    }

    #[test]
    fn enter_of_another_syscall_is_not_merged() {
        let (mut c, mut stats) = (Converter::default(), Stats::default());
        let (b, mut read_e) = work(
            ids::PPME_SYSCALL_READ_E,
            &[&5i64.to_le_bytes(), &100u32.to_le_bytes()],
        );
        c.normalize(9, &mut read_e, &b, &mut stats);
        let (b, mut close) = work(ids::PPME_SYSCALL_CLOSE_X, &[&0i64.to_le_bytes()]);
        assert_eq!(c.normalize(9, &mut close, &b, &mut stats), Outcome::Yield);
        assert_eq!(param(&c, 9, &close, &b, 1), [0u8; 8]);
        assert_eq!(
            stats.degraded(),
            vec![(
                Degraded::EnterMismatch {
                    event_type: ids::PPME_SYSCALL_CLOSE_X
                },
                1
            )]
        );
    }

    #[test]
    fn oldest_execve_reaches_the_current_version() {
        let (mut c, mut stats) = (Converter::default(), Stats::default());
        let (b, mut enter) = work(ids::PPME_SYSCALL_EXECVE_8_E, &[]);
        assert_eq!(
            c.normalize(2, &mut enter, &b, &mut stats),
            Outcome::Yield,
            "the current enter is stored and passed"
        );
        assert_eq!(enter.event_type, ids::PPME_SYSCALL_EXECVE_19_E);
        let res = 0i64.to_le_bytes();
        let fields: [&[u8]; 8] = [&res, b"ls\0", b"-l\0", &res, &res, &res, b"/\0", &res];
        let (b, mut exit) = work(ids::PPME_SYSCALL_EXECVE_8_X, &fields);
        assert_eq!(c.normalize(2, &mut exit, &b, &mut stats), Outcome::Yield);
        assert_eq!(exit.event_type, ids::PPME_SYSCALL_EXECVE_19_X);
        assert_eq!(
            exit.slots.len(),
            event_info(ids::PPME_SYSCALL_EXECVE_19_X)
                .unwrap()
                .params
                .len()
        );
        assert_eq!(param(&c, 2, &exit, &b, 1), b"ls\0");
        assert_eq!(param(&c, 2, &exit, &b, 6), b"/\0");
        assert!(
            param(&c, 2, &exit, &b, 13).is_empty(),
            "comm did not exist yet"
        );
        assert!(stats.degraded().is_empty(), "{:?}", stats.degraded());
    }

    #[test]
    fn four_field_container_event_becomes_json() {
        let (mut c, mut stats) = (Converter::default(), Stats::default());
        let (b, mut ev) = work(
            ids::PPME_CONTAINER_E,
            &[
                b"3ad7b26ded6d\0",
                &0u32.to_le_bytes(),
                b"my \"app\"\0",
                b"nginx:latest\0",
            ],
        );
        assert_eq!(c.normalize(-1, &mut ev, &b, &mut stats), Outcome::Yield);
        assert_eq!(ev.event_type, ids::PPME_CONTAINER_JSON_2_E);
        let json = param(&c, -1, &ev, &b, 0);
        assert_eq!(
            std::str::from_utf8(json).unwrap(),
            "{\"id\":\"3ad7b26ded6d\",\"type\":0,\"name\":\"my \\\"app\\\"\",\"image\":\"nginx:latest\"}\0"
        );
    }
}
