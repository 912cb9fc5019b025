//! Conditions as branch programs: each check has a successor for true and one for false, so
//! `and`, `or` and `not` cost nothing at evaluation time (they are only wiring), and a check
//! shared by several rules is one entry of a shared table, evaluated once per event.

use rtsec_format::EventView;
use rustc_hash::FxHashMap;

use super::{Bufs, Check, Node};
use crate::fields::extract::Env;

/// Successor meaning "the condition is true" / "false".
pub(crate) const TRUE: u32 = u32::MAX;
pub(crate) const FALSE: u32 = u32::MAX - 1;

#[derive(Clone, Copy, Debug)]
pub(crate) struct Instr {
    /// Index of the check in [`Checks`] (also its memo slot).
    pub check: u32,
    pub on_true: u32,
    pub on_false: u32,
}

/// Distinct checks of a set of programs. Identical checks (same field, mode and test) share
/// an entry, so their result is computed once per event.
#[derive(Debug, Default)]
pub(crate) struct Checks {
    pub list: Vec<Check>,
    index: FxHashMap<String, u32>,
}

impl Checks {
    fn add(&mut self, c: &Check) -> u32 {
        let key = format!("{c:?}");
        if let Some(&i) = self.index.get(&key) {
            return i;
        }
        let i = self.list.len() as u32;
        self.list.push(c.clone());
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
                let check = checks.add(c);
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
        checks: &[Check],
        ev: &EventView<'_>,
        env: &Env<'_>,
        bufs: &mut Bufs,
    ) -> bool {
        let mut pc = entry;
        loop {
            if pc == TRUE {
                return true;
            }
            if pc == FALSE {
                return false;
            }
            let ins = self.instrs[pc as usize];
            let r = bufs.memoized(ins.check as usize, |bufs| {
                checks[ins.check as usize].eval(ev, env, bufs)
            });
            pc = if r { ins.on_true } else { ins.on_false };
        }
    }
}
