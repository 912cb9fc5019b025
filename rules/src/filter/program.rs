//! Conditions as branch programs: each check has a successor for true and one for false, so
//! `and`, `or` and `not` cost nothing at evaluation time (they are only wiring), and a check
//! shared by several rules is one entry of a shared table, evaluated once per event.

use rtsec_format::EventView;
use rustc_hash::FxHashMap;

use super::refuted::Dim;
use super::{Bufs, Check, Node};
use crate::fields::extract::Env;

/// Successor meaning "the condition is true" / "false".
pub(crate) const TRUE: u32 = u32::MAX;
pub(crate) const FALSE: u32 = u32::MAX - 1;

#[derive(Clone, Copy, Debug)]
pub(crate) struct Instr {
    /// Index of the check in [`Checks`] (also its memo slot), with [`MEMO`] set when another
    /// instruction run on the same events may ask for the same check.
    pub check: u32,
    pub on_true: u32,
    pub on_false: u32,
}

/// Flag in [`Instr::check`]: look the result up in (and store it to) the per-event memo.
pub(crate) const MEMO: u32 = 1 << 31;

/// Distinct checks of a set of programs. Identical checks (same field, mode and test) share
/// an entry, so their result is computed once per event.
#[derive(Default)]
pub(crate) struct Checks {
    pub list: Vec<Check>,
    /// The compiled closures of the checks that have one, by index: evaluation calls them
    /// straight from this dense table.
    fast: Vec<Option<crate::fields::fast::CheckFn>>,
    /// The same, using the check's verdict column if it has one (for events of a block
    /// evaluated with `filter::verdicts` on).
    by_block: Vec<Option<crate::fields::fast::CheckFn>>,
    index: FxHashMap<String, u32>,
    /// Verdict columns handed out (see `filter::verdicts`).
    pub columns: u32,
    /// Per check: the dimensions (`filter::refuted::Dim` bits) whose string alone decides it.
    dims: Vec<u8>,
}

impl Checks {
    fn add(&mut self, c: &Check) -> u32 {
        let key = format!("{c:?}");
        if let Some(&i) = self.index.get(&key) {
            return i;
        }
        let i = self.list.len() as u32;
        let mut c = c.clone();
        if c.wants_column() {
            c.cold.col = Some(self.columns);
            self.columns += 1;
        }
        let compile = |col| {
            c.fast
                .then(|| crate::fields::fast::compile(&c.cold.field, &c.test, col))
                .flatten()
        };
        self.fast.push(compile(None));
        self.by_block.push(compile(c.cold.col));
        self.dims.push(
            Dim::ALL
                .iter()
                .filter(|d| d.covers(&c))
                .fold(0, |m, d| m | d.bit()),
        );
        self.list.push(c);
        self.index.insert(key, i);
        i
    }
}

/// Instructions of any number of programs; a program is an entry index.
#[derive(Debug, Default)]
pub(crate) struct Code {
    pub instrs: Vec<Instr>,
}

impl Code {
    /// Keeps the memo only where it can pay: on instructions whose check another instruction
    /// of the same event type (`groups`: per type, the instruction ranges of its programs) also
    /// runs. A check asked once per event is just evaluated.
    pub fn elide_memo(&mut self, groups: &[Vec<std::ops::Range<usize>>], n_checks: usize) {
        let mut needed = vec![false; self.instrs.len()];
        let mut count = vec![0u32; n_checks];
        for ranges in groups {
            for r in ranges {
                for i in r.clone() {
                    count[(self.instrs[i].check & !MEMO) as usize] += 1;
                }
            }
            for r in ranges {
                for i in r.clone() {
                    if count[(self.instrs[i].check & !MEMO) as usize] > 1 {
                        needed[i] = true;
                    }
                }
            }
            for r in ranges {
                for i in r.clone() {
                    count[(self.instrs[i].check & !MEMO) as usize] = 0;
                }
            }
        }
        for (ins, keep) in self.instrs.iter_mut().zip(needed) {
            if !keep {
                ins.check &= !MEMO;
            }
        }
    }

    /// Compiles `n` so that it continues at `t` when true and `f` when false; returns the entry.
    pub fn emit(&mut self, n: &Node, checks: &mut Checks, t: u32, f: u32) -> u32 {
        match n {
            Node::Const(true) => t,
            Node::Const(false) => f,
            Node::Not(x) => self.emit(x, checks, f, t),
            Node::And(v) => v
                .iter()
                .rev()
                .fold(t, |next, c| self.emit(c, checks, next, f)),
            Node::Or(v) => v
                .iter()
                .rev()
                .fold(f, |next, c| self.emit(c, checks, t, next)),
            Node::Check(c) => {
                let check = checks.add(c) | MEMO;
                self.instrs.push(Instr {
                    check,
                    on_true: t,
                    on_false: f,
                });
                (self.instrs.len() - 1) as u32
            }
        }
    }

    /// Runs the program starting at `entry`. `bufs.begin_event` must have been called for this
    /// event with at least `checks.len()` slots.
    #[inline]
    pub fn run(
        &self,
        entry: u32,
        checks: &Checks,
        ev: &EventView<'_>,
        env: &Env<'_>,
        bufs: &mut Bufs,
    ) -> bool {
        let fast = if bufs.verdicts.is_active() {
            &checks.by_block
        } else {
            &checks.fast
        };
        let mut pc = entry;
        while pc < FALSE {
            let ins = self.instrs[pc as usize];
            let slot = (ins.check & !MEMO) as usize;
            let eval = |bufs: &mut Bufs| match &fast[slot] {
                Some(f) => f(ev, &mut bufs.verdicts),
                None => checks.list[slot].eval(ev, env, bufs),
            };
            let r = if ins.check & MEMO != 0 {
                bufs.memoized(slot, eval)
            } else {
                eval(bufs)
            };
            pc = if r { ins.on_true } else { ins.on_false };
        }
        pc == TRUE
    }
}

impl Code {
    /// Like [`Code::run`], also telling whether every check it ran is decided by the string of
    /// dimension `dim` alone (`dim` is a [`Dim::bit`]).
    #[inline]
    pub fn run_tracked(
        &self,
        entry: u32,
        checks: &Checks,
        ev: &EventView<'_>,
        env: &Env<'_>,
        bufs: &mut Bufs,
        dim: u8,
    ) -> (bool, bool) {
        let fast = if bufs.verdicts.is_active() {
            &checks.by_block
        } else {
            &checks.fast
        };
        let mut pure = true;
        let mut pc = entry;
        while pc < FALSE {
            let ins = self.instrs[pc as usize];
            let slot = (ins.check & !MEMO) as usize;
            pure &= checks.dims[slot] & dim != 0;
            let eval = |bufs: &mut Bufs| match &fast[slot] {
                Some(f) => f(ev, &mut bufs.verdicts),
                None => checks.list[slot].eval(ev, env, bufs),
            };
            let r = if ins.check & MEMO != 0 {
                bufs.memoized(slot, eval)
            } else {
                eval(bufs)
            };
            pc = if r { ins.on_true } else { ins.on_false };
        }
        (pc == TRUE, pure)
    }
}

impl std::fmt::Debug for Checks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checks")
            .field("list", &self.list)
            .finish_non_exhaustive()
    }
}
