//! Compiled conditions and their evaluation.
//!
//! A condition compiles to a tree of [`Node`]s whose leaves are [`Check`]s: a field, how to
//! read it (plain, any ancestor, either endpoint, DNS), optional transformers and a typed test
//! prepared at compile time (hash sets for `in`, substring finders, compiled globs and regexes).
//! Evaluation reads fields into the caller's scratch buffers: no allocation per event once the
//! buffers have grown.

pub(crate) mod compile;
pub(crate) mod program;
pub(crate) mod refuted;
mod services;
pub(crate) mod test;
pub(crate) mod verdicts;

use rtsec_format::EventView;

use crate::condition::Transformer;
use crate::fields::extract::{self, Env, Val};
use crate::fields::{Field, proc};
use test::Test;

/// A compiled condition.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    And(Box<[Node]>),
    Or(Box<[Node]>),
    Not(Box<Node>),
    Check(Box<Check>),
    /// Folded constants (e.g. `in ()`).
    Const(bool),
}

/// How a check reads its field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Plain,
    /// `proc.aname` and friends without an index: true if any ancestor matches.
    Ancestors,
    /// `fd.ip`, `fd.port`, `fd.net`: either endpoint for `=`, both for `!=`.
    Endpoints,
    /// `fd.sip.name` and friends compared with `=`/`!=`/`in`: through the recorded DNS table.
    Dns,
}

/// A check, laid out for evaluation: what the common path reads first, the rest behind a box
/// (a check fits a cache line).
#[derive(Debug, Clone)]
pub(crate) struct Check {
    /// The check has a compiled closure (`fields::fast`; built where the check is run).
    pub fast: bool,
    pub test: Test,
    pub cold: Box<CheckCold>,
}

#[derive(Debug, Clone)]
pub(crate) struct CheckCold {
    pub field: Field,
    pub mode: Mode,
    pub transforms: Box<[Transformer]>,
    /// The per-event cache slot of the field, for costly string fields.
    pub cached: Option<usize>,
    /// The check's verdict column (per string id of a block), set when an engine adds it.
    pub col: Option<u32>,
}

/// Scratch space for one evaluation at a time (one per thread): buffers fields are read into,
/// and the memo of check results for the current event.
#[derive(Default, Debug)]
pub(crate) struct Bufs {
    pub a: Vec<u8>,
    pub b: Vec<u8>,
    pub c: Vec<u8>,
    /// `memo_gen[i] == generation` means `memo_val[i]` holds check `i`'s result for this event.
    memo_gen: Vec<u32>,
    memo_val: Vec<bool>,
    generation: u32,
    /// Computed string fields (`proc.cmdline`, `proc.args`, …) of the current event, built
    /// once and read by every check on them.
    cache: FieldCache,
    /// Verdicts of string checks per string id of the current block.
    pub verdicts: verdicts::Verdicts,
    /// Rules refuted per string id of the current block.
    pub refuted: refuted::Refuted,
}

/// Per-event values of the fields worth building once (see [`cache_slot`]).
#[derive(Default, Debug)]
struct FieldCache {
    /// Per slot: the generation it was filled in, whether the field had a value, its bytes.
    filled: [u32; CACHE_SLOTS],
    present: [bool; CACHE_SLOTS],
    bytes: [Vec<u8>; CACHE_SLOTS],
}

const CACHE_SLOTS: usize = 10;

/// The cache slot of a field built per event (no argument, string result, costly).
pub(crate) fn cache_slot(f: &Field) -> Option<usize> {
    use crate::fields::{FieldArg, FieldId as F};
    if !matches!(f.arg, FieldArg::None) {
        return None;
    }
    Some(match f.id {
        F::ProcCmdline => 0,
        F::ProcPcmdline => 1,
        F::ProcArgs => 2,
        F::ProcEnv => 3,
        F::ProcCwd => 4,
        F::ThreadCapEffective => 5,
        F::ThreadCapPermitted => 6,
        F::EvtArgs => 7,
        F::EvtInfo => 8,
        F::ContainerMounts => 9,
        _ => return None,
    })
}

impl Bufs {
    /// Starts a new event: forgets every memoized result, with room for `slots` of them.
    #[inline]
    pub(crate) fn begin_event(&mut self, slots: usize) {
        if self.memo_gen.len() < slots {
            self.memo_gen.resize(slots, 0);
            self.memo_val.resize(slots, false);
        }
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.memo_gen.fill(0);
            self.cache.filled = [0; CACHE_SLOTS];
            self.generation = 1;
        }
    }

    /// The result of check `slot` for the current event, computed by `f` the first time.
    #[inline(always)]
    pub(crate) fn memoized(&mut self, slot: usize, f: impl FnOnce(&mut Bufs) -> bool) -> bool {
        if self.memo_gen[slot] == self.generation {
            return self.memo_val[slot];
        }
        let r = f(self);
        self.memo_gen[slot] = self.generation;
        self.memo_val[slot] = r;
        r
    }
}

impl Node {
    /// The tree for events of one key (`type_name` is their `evt.type`): checks on `evt.type`
    /// and `syscall.type` become constants, and constants fold away.
    pub(crate) fn specialize(&self, type_name: &str, has_syscall_type: bool) -> Node {
        match self {
            Node::And(v) | Node::Or(v) => {
                let is_and = matches!(self, Node::And(_));
                let mut out = Vec::with_capacity(v.len());
                for c in v.iter() {
                    match c.specialize(type_name, has_syscall_type) {
                        Node::Const(b) if b == is_and => {}
                        Node::Const(b) => return Node::Const(b),
                        n => out.push(n),
                    }
                }
                match out.len() {
                    0 => Node::Const(is_and),
                    1 => out.pop().unwrap(),
                    _ if is_and => Node::And(out.into_boxed_slice()),
                    _ => Node::Or(out.into_boxed_slice()),
                }
            }
            Node::Not(n) => match n.specialize(type_name, has_syscall_type) {
                Node::Const(b) => Node::Const(!b),
                n => Node::Not(Box::new(n)),
            },
            Node::Check(c) => match c.constant_for(type_name, has_syscall_type) {
                Some(b) => Node::Const(b),
                None => Node::Check(c.clone()),
            },
            Node::Const(b) => Node::Const(*b),
        }
    }

    /// Reorders the children of `and`/`or` nodes so that cheap, decisive checks run first:
    /// `and` by cost / P(false), `or` by cost / P(true), with static estimates (a positive
    /// string match is rarely true, an exclusion `not …` rarely false). Conditions have no
    /// side effects, so the verdict is the same in any order. Checks decided by the string of
    /// dimension `dim` count as nearly free: a block matcher remembers their verdicts, and a
    /// rule refuted by them alone is skipped for the rest of the block (`refuted`). Returns
    /// (expected cost, P(true)).
    pub(crate) fn reorder(&mut self, dim: Option<refuted::Dim>) -> (f64, f64) {
        match self {
            Node::Const(b) => (0.0, if *b { 1.0 } else { 0.0 }),
            Node::Not(n) => {
                let (c, p) = n.reorder(dim);
                (c, 1.0 - p)
            }
            Node::Check(c) => {
                let (cost, p) = c.estimate();
                match dim {
                    Some(d) if d.covers(c) => (cost * 0.25, p),
                    _ => (cost, p),
                }
            }
            Node::And(_) | Node::Or(_) => {
                let is_and = matches!(self, Node::And(_));
                let (Node::And(v) | Node::Or(v)) = self else {
                    unreachable!()
                };
                let mut scored: Vec<(f64, f64, Node)> = std::mem::take(v)
                    .into_vec()
                    .into_iter()
                    .map(|mut n| {
                        let (c, p) = n.reorder(dim);
                        (c, p, n)
                    })
                    .collect();
                let rank = |c: f64, p: f64| {
                    let decisive = if is_and { 1.0 - p } else { p };
                    c / decisive.max(1e-3)
                };
                scored.sort_by(|a, b| rank(a.0, a.1).total_cmp(&rank(b.0, b.1)));
                // Expected cost with short-circuiting, and the probability of the result.
                let (mut cost, mut reach, mut p_all) = (0.0, 1.0, 1.0);
                for (c, p, _) in &scored {
                    cost += reach * c;
                    let go_on = if is_and { *p } else { 1.0 - p };
                    reach *= go_on;
                    p_all *= go_on;
                }
                let p = if is_and { p_all } else { 1.0 - p_all };
                *v = scored.into_iter().map(|(_, _, n)| n).collect();
                (cost, p)
            }
        }
    }

    /// Whether the tree can come out false (`.0`) or true (`.1`) by checks decided by the
    /// string of dimension `dim` alone (an estimate per child: it picks the dimension of an
    /// event type; the engine checks every refutation it records).
    pub(crate) fn decided_by(&self, dim: refuted::Dim) -> (bool, bool) {
        match self {
            Node::Const(b) => (!b, *b),
            Node::Check(c) => {
                let d = dim.covers(c);
                (d, d)
            }
            Node::Not(n) => {
                let (f, t) = n.decided_by(dim);
                (t, f)
            }
            Node::And(v) => v.iter().fold((false, true), |(f, t), n| {
                let (nf, nt) = n.decided_by(dim);
                (f || nf, t && nt)
            }),
            Node::Or(v) => v.iter().fold((true, false), |(f, t), n| {
                let (nf, nt) = n.decided_by(dim);
                (f && nf, t || nt)
            }),
        }
    }

    /// Evaluates the tree as written: the reference the engine's programs are tested against
    /// (and what `explain` shows).
    pub(crate) fn eval(&self, ev: &EventView<'_>, env: &Env<'_>, bufs: &mut Bufs) -> bool {
        match self {
            Node::And(v) => v.iter().all(|n| n.eval(ev, env, bufs)),
            Node::Or(v) => v.iter().any(|n| n.eval(ev, env, bufs)),
            Node::Not(n) => !n.eval(ev, env, bufs),
            Node::Check(c) => c.eval(ev, env, bufs),
            Node::Const(b) => *b,
        }
    }
}

impl Check {
    /// True if the check's verdicts are worth remembering per string id of a block
    /// (`filter::verdicts`): a costly string test on a field read as a record's string.
    pub(crate) fn wants_column(&self) -> bool {
        use crate::fields::FieldId as F;
        match self.cold.mode {
            Mode::Plain => {
                self.fast && crate::fields::fast::wants_column(&self.cold.field, &self.test)
            }
            Mode::Ancestors => {
                matches!(
                    self.cold.field.id,
                    F::ProcAname | F::ProcAexe | F::ProcAexepath
                ) && crate::fields::fast::costly_str_test(&self.test)
            }
            Mode::Endpoints | Mode::Dns => false,
        }
    }

    /// Static (cost, probability of being true) of a check, for [`Node::reorder`].
    fn estimate(&self) -> (f64, f64) {
        use crate::fields::FieldId as F;
        let mut cost: f64 = match self.cold.field.id {
            F::ProcCmdline
            | F::ProcPcmdline
            | F::ProcArgs
            | F::ProcEnv
            | F::EvtArgs
            | F::EvtInfo
            | F::ThreadCapEffective
            | F::ThreadCapPermitted
            | F::ThreadCapInheritable
            | F::ContainerMounts
            | F::ContainerLabels => 3.0,
            F::EvtArg | F::EvtRawarg => 4.0,
            F::ProcCwd => 2.0,
            _ => 1.0,
        };
        match self.cold.mode {
            Mode::Ancestors => cost *= 4.0,
            Mode::Endpoints | Mode::Dns => cost *= 1.5,
            Mode::Plain => {}
        }
        cost += self.cold.transforms.len() as f64;
        // Fields with few distinct values: an equality on them is not selective.
        let coarse = matches!(
            self.cold.field.id,
            F::FdTypechar
                | F::FdType
                | F::FdL4proto
                | F::FdSockfamily
                | F::EvtRes
                | F::EvtDir
                | F::EvtSource
                | F::ContainerId
                | F::ContainerType
        );
        let p = match &self.test {
            Test::Exists => 0.9,
            Test::Str(test::StrTest::Ne(_)) if coarse => 0.5,
            Test::Str(_) if coarse => 0.5,
            Test::Str(t) => match t {
                test::StrTest::Ne(_) => 0.95,
                test::StrTest::Cmp(..) => 0.5,
                test::StrTest::Regex(_) => {
                    cost += 1.0;
                    0.05
                }
                test::StrTest::Glob(..) => {
                    cost += 0.5;
                    0.05
                }
                _ => 0.05,
            },
            Test::Mod(..) => 0.05,
            Test::Num(test::NumTest::Cmp(crate::condition::Op::Ne, _)) => 0.9,
            Test::Num(test::NumTest::Cmp(crate::condition::Op::Eq, _)) => 0.1,
            Test::Num(test::NumTest::In(_)) => 0.1,
            // `fd.num >= 0`, `evt.rawres >= 0`: almost always true (and the reverse).
            Test::Num(test::NumTest::Cmp(
                crate::condition::Op::Ge | crate::condition::Op::Gt,
                r,
            )) if *r <= 0 => 0.9,
            Test::Num(test::NumTest::Cmp(
                crate::condition::Op::Lt | crate::condition::Op::Le,
                r,
            )) if *r <= 0 => 0.1,
            Test::Num(_) => 0.5,
            Test::Bool { .. } => 0.5,
            Test::Ip { ne: true, .. } => 0.9,
            Test::Ip { .. } => 0.05,
            Test::Field(_) => {
                cost += 1.0;
                0.5
            }
            Test::Dns { ne: true, .. } => 0.95,
            Test::Dns { .. } => 0.05,
        };
        (cost, p)
    }

    /// The result of a check that only reads the event type, for events of that type.
    fn constant_for(&self, type_name: &str, has_syscall_type: bool) -> Option<bool> {
        use crate::fields::FieldId;
        if self.cold.mode != Mode::Plain || !self.cold.transforms.is_empty() {
            return None;
        }
        match self.cold.field.id {
            // Event numbers start at 1: Falco's `never_true` (`evt.num=0`) is a constant.
            FieldId::EvtNum => {
                return match &self.test {
                    Test::Num(test::NumTest::Cmp(crate::condition::Op::Eq, 0)) => Some(false),
                    Test::Num(test::NumTest::Cmp(crate::condition::Op::Ne, 0)) => Some(true),
                    _ => None,
                };
            }
            FieldId::EvtType => {}
            FieldId::SyscallType if !has_syscall_type => return Some(false),
            FieldId::SyscallType => {}
            _ => return None,
        }
        if matches!(self.test, Test::Field(_)) {
            return None;
        }
        let mut bufs = Bufs::default();
        let Bufs { a, b, c, .. } = &mut bufs;
        Some(
            self.test
                .eval_const(Val::Str(type_name.as_bytes()), a, b, c),
        )
    }

    #[inline(never)]
    pub(crate) fn eval(&self, ev: &EventView<'_>, env: &Env<'_>, bufs: &mut Bufs) -> bool {
        self.eval_general(ev, env, bufs)
    }

    #[inline(never)]
    fn eval_general(&self, ev: &EventView<'_>, env: &Env<'_>, bufs: &mut Bufs) -> bool {
        match self.cold.mode {
            Mode::Plain => {
                if let Some(slot) = self.cold.cached {
                    return self.eval_cached(slot, ev, env, bufs);
                }
                bufs.a.clear();
                let Some(v) = extract::extract(&self.cold.field, ev, env, &mut bufs.a) else {
                    return false;
                };
                self.test_value(v, ev, env, bufs)
            }
            Mode::Ancestors => {
                use crate::fields::FieldId as F;
                let field = &self.cold.field;
                proc::any_ancestor(ev, |a| {
                    let id = match field.id {
                        F::ProcAname => a.comm,
                        F::ProcAexe => a.exe,
                        F::ProcAexepath => a.exepath,
                        F::ProcAcmdline => {
                            bufs.a.clear();
                            proc::write_cmdline(ev, a, &mut bufs.a);
                            return self.test_value(Val::Buf, ev, env, bufs);
                        }
                        F::ProcAenv => {
                            bufs.a.clear();
                            proc::write_env(ev, a, None, &mut bufs.a);
                            return self.test_value(Val::Buf, ev, env, bufs);
                        }
                        _ => return self.test_value(Val::I64(a.pid), ev, env, bufs),
                    };
                    match self.cold.col {
                        Some(col) => {
                            let Bufs {
                                a: vbuf,
                                b: rb,
                                c: rb2,
                                verdicts,
                                ..
                            } = bufs;
                            verdicts.get(col, id, || {
                                self.test.eval(Val::Str(ev.str(id)), vbuf, ev, env, rb, rb2)
                            })
                        }
                        None => self.test_value(Val::Str(ev.str(id)), ev, env, bufs),
                    }
                })
            }
            Mode::Endpoints => {
                let [c, s] = extract::endpoints(&self.cold.field, ev);
                if c.is_none() && s.is_none() {
                    return false;
                }
                let one = |v: Option<Val<'_>>, bufs: &mut Bufs| {
                    v.is_some_and(|v| self.test.eval_either(v, bufs))
                };
                if self.test.is_ne() {
                    // Both endpoints must differ: `!=` is the negation of "either equals".
                    !(one(c, bufs) || one(s, bufs))
                } else {
                    one(c, bufs) || one(s, bufs)
                }
            }
            Mode::Dns => {
                let Some(ip) = extract::dns_addr(&self.cold.field, ev, env.local) else {
                    return false;
                };
                self.test.eval_dns(ip, env)
            }
        }
    }

    /// A check on a field kept in the per-event cache (filled on first use). Outside an
    /// engine (no `begin_event`), every read refills the slot.
    fn eval_cached(&self, slot: usize, ev: &EventView<'_>, env: &Env<'_>, bufs: &mut Bufs) -> bool {
        let Bufs {
            a,
            b,
            c,
            cache,
            generation,
            ..
        } = bufs;
        if cache.filled[slot] != *generation || *generation == 0 {
            let buf = &mut cache.bytes[slot];
            buf.clear();
            let present = match extract::extract(&self.cold.field, ev, env, buf) {
                None => false,
                Some(Val::Buf) => true,
                Some(Val::Str(s)) => {
                    buf.extend_from_slice(s);
                    true
                }
                Some(v) => return self.test.eval(v, &[], ev, env, b, c),
            };
            cache.present[slot] = present;
            cache.filled[slot] = *generation;
        }
        if !cache.present[slot] {
            return false;
        }
        let v = Val::Str(&cache.bytes[slot]);
        if self.cold.transforms.is_empty() {
            return self.test.eval(v, &[], ev, env, b, c);
        }
        match apply_transforms(&self.cold.transforms, v, &[], b, c) {
            Some(t) => self.test.eval(t, b, ev, env, a, c),
            None => false,
        }
    }

    #[inline]
    fn test_value(&self, v: Val<'_>, ev: &EventView<'_>, env: &Env<'_>, bufs: &mut Bufs) -> bool {
        let Bufs { a, b, c, .. } = bufs;
        if self.cold.transforms.is_empty() {
            return self.test.eval(v, a, ev, env, b, c);
        }
        match apply_transforms(&self.cold.transforms, v, a, b, c) {
            Some(t) => self.test.eval(t, b, ev, env, a, c),
            None => false,
        }
    }
}

/// Applies transformers to a value (its bytes in `src` if it is `Buf`). String results are
/// left in `dst`; `len` gives a number (the compiler only allows it last).
pub(crate) fn apply_transforms<'e>(
    ts: &[Transformer],
    v: Val<'e>,
    src: &[u8],
    dst: &mut Vec<u8>,
    tmp: &mut Vec<u8>,
) -> Option<Val<'e>> {
    dst.clear();
    match v {
        Val::Str(s) => dst.extend_from_slice(s),
        Val::Buf => dst.extend_from_slice(src),
        Val::I64(_) | Val::U64(_) | Val::Bool(_) | Val::Ip(_) => return None,
    }
    for t in ts {
        match t {
            Transformer::ToLower => dst.make_ascii_lowercase(),
            Transformer::ToUpper => dst.make_ascii_uppercase(),
            Transformer::Basename => {
                let start = memchr::memrchr(b'/', dst).map_or(0, |i| i + 1);
                dst.drain(..start);
            }
            Transformer::Len => return Some(Val::U64(dst.len() as u64)),
            Transformer::B64 => {
                tmp.clear();
                if !b64_decode(dst, tmp) {
                    return None;
                }
                std::mem::swap(dst, tmp);
            }
        }
    }
    Some(Val::Buf)
}

fn b64_decode(s: &[u8], out: &mut Vec<u8>) -> bool {
    let mut acc = 0u32;
    let mut n = 0;
    for &c in s {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => break,
            b'\n' | b'\r' | b' ' => continue,
            _ => return false,
        } as u32;
        acc = (acc << 6) | v;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((acc >> n) as u8);
        }
    }
    true
}
