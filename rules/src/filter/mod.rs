//! Compiled conditions and their evaluation.
//!
//! A condition compiles to a tree of [`Node`]s whose leaves are [`Check`]s: a field, how to
//! read it (plain, any ancestor, either endpoint, DNS), optional transformers and a typed test
//! prepared at compile time (hash sets for `in`, substring finders, compiled globs and regexes).
//! Evaluation reads fields into the caller's scratch buffers: no allocation per event once the
//! buffers have grown.

pub(crate) mod compile;
pub(crate) mod test;

use rtsec_format::EventView;

use crate::condition::Transformer;
use crate::fields::extract::{self, Env, Val};
use crate::fields::{Field, proc};
use test::Test;

/// A compiled condition.
#[derive(Debug)]
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

#[derive(Debug)]
pub(crate) struct Check {
    pub field: Field,
    pub mode: Mode,
    pub transforms: Box<[Transformer]>,
    pub test: Test,
}

/// Scratch space for one evaluation at a time (one per thread).
#[derive(Default, Debug)]
pub(crate) struct Bufs {
    pub a: Vec<u8>,
    pub b: Vec<u8>,
    pub c: Vec<u8>,
}

impl Node {
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
    #[inline]
    fn eval(&self, ev: &EventView<'_>, env: &Env<'_>, bufs: &mut Bufs) -> bool {
        match self.mode {
            Mode::Plain => {
                bufs.a.clear();
                let Some(v) = extract::extract(&self.field, ev, env, &mut bufs.a) else {
                    return false;
                };
                self.test_value(v, ev, env, bufs)
            }
            Mode::Ancestors => {
                let field = &self.field;
                proc::any_ancestor(ev, |a| {
                    let v = match field.id {
                        crate::fields::FieldId::ProcAname => Val::Str(ev.str(a.comm)),
                        crate::fields::FieldId::ProcAexe => Val::Str(ev.str(a.exe)),
                        crate::fields::FieldId::ProcAexepath => Val::Str(ev.str(a.exepath)),
                        _ => Val::I64(a.pid),
                    };
                    self.test_value(v, ev, env, bufs)
                })
            }
            Mode::Endpoints => {
                let [c, s] = extract::endpoints(&self.field, ev);
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
                let Some(ip) = extract::dns_addr(&self.field, ev) else {
                    return false;
                };
                self.test.eval_dns(ip, env)
            }
        }
    }

    #[inline]
    fn test_value(&self, v: Val<'_>, ev: &EventView<'_>, env: &Env<'_>, bufs: &mut Bufs) -> bool {
        let Bufs { a, b, c } = bufs;
        if self.transforms.is_empty() {
            return self.test.eval(v, a, ev, env, b, c);
        }
        match apply_transforms(&self.transforms, v, a, b, c) {
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
