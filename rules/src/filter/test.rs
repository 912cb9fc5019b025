//! The typed tests of compiled checks and how values are compared (libsinsp's
//! `compare_rhs`): strings byte-wise, numbers numerically, IPs against addresses or networks.

use std::net::IpAddr;

use memchr::memmem::Finder;
use rtsec_format::EventView;
use rustc_hash::FxHashSet;

use crate::condition::Op;
use crate::condition::Transformer;
use crate::condition::ast::Modifier;
use crate::fields::extract::{self, Env, Val};
use crate::fields::{Field, Ty};

#[derive(Debug, Clone)]
pub(crate) enum Test {
    Exists,
    Str(StrTest),
    /// `op oneof/anyof/allof (…)`.
    Mod(Modifier, Box<[StrTest]>),
    Num(NumTest),
    Bool {
        want: Box<[bool]>,
        ne: bool,
    },
    Ip {
        nets: Box<[(IpAddr, u8)]>,
        ne: bool,
    },
    /// `val(field)` or a transformer on the right-hand side.
    Field(Box<FieldTest>),
    /// `fd.sip.name = NAME`: through the recorded DNS table.
    Dns {
        names: Box<[Box<str>]>,
        ne: bool,
    },
}

/// A comparison with another field of the same event.
#[derive(Debug, Clone)]
pub(crate) struct FieldTest {
    pub op: Op,
    pub rhs: Field,
    pub transforms: Box<[Transformer]>,
    pub numeric: bool,
}

#[derive(Debug, Clone)]
pub(crate) enum StrTest {
    Eq(Box<[u8]>),
    Ne(Box<[u8]>),
    Cmp(Op, Box<[u8]>),
    Contains(Box<Finder<'static>>),
    /// The needle, lowercased.
    IContains(Box<[u8]>),
    StartsWith(Box<[u8]>),
    EndsWith(Box<[u8]>),
    Glob(Box<[u8]>, bool),
    Regex(Box<regex::bytes::Regex>),
    In(StrSet),
    /// Path prefixes on `/` boundaries.
    PMatch(Box<[Box<[u8]>]>),
}

/// A set of strings for `in`: a length filter first, then a call-free scan of (length, first
/// 8 bytes) keys for small sets, or a hash set for large ones.
#[derive(Debug, Clone)]
pub(crate) struct StrSet {
    /// Bit `n` is set if some item is `n` bytes long (63: 63 or more).
    lens: u64,
    keys: Box<[(u64, u64)]>,
    items: Box<[Box<[u8]>]>,
    hash: Option<Box<FxHashSet<Box<[u8]>>>>,
}

#[inline(always)]
fn prefix8(v: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    let n = v.len().min(8);
    b[..n].copy_from_slice(&v[..n]);
    u64::from_le_bytes(b)
}

impl StrSet {
    pub fn new(items: Vec<Box<[u8]>>) -> Self {
        let lens = items.iter().fold(0u64, |m, x| m | 1 << x.len().min(63));
        let keys = items.iter().map(|x| (x.len() as u64, prefix8(x))).collect();
        let hash = (items.len() > 16).then(|| Box::new(items.iter().cloned().collect()));
        StrSet {
            lens,
            keys,
            items: items.into_boxed_slice(),
            hash,
        }
    }

    #[inline]
    pub fn contains(&self, v: &[u8]) -> bool {
        if self.lens & (1 << v.len().min(63)) == 0 {
            return false;
        }
        if let Some(h) = &self.hash {
            return h.contains(v);
        }
        let (l, p) = (v.len() as u64, prefix8(v));
        self.keys
            .iter()
            .zip(self.items.iter())
            .any(|(&(il, ip), x)| il == l && ip == p && (l <= 8 || x[8..] == v[8..]))
    }
}

#[derive(Debug, Clone)]
pub(crate) enum NumTest {
    Cmp(Op, i128),
    In(Box<[i128]>),
}

impl StrTest {
    #[inline(always)]
    pub fn eval(&self, v: &[u8]) -> bool {
        match self {
            StrTest::Eq(x) => v == &**x,
            StrTest::Ne(x) => v != &**x,
            StrTest::Cmp(op, x) => {
                let o = v.cmp(x);
                match op {
                    Op::Lt => o.is_lt(),
                    Op::Le => o.is_le(),
                    Op::Gt => o.is_gt(),
                    _ => o.is_ge(),
                }
            }
            StrTest::Contains(f) => f.find(v).is_some(),
            StrTest::IContains(n) => icontains(v, n),
            StrTest::StartsWith(x) => v.starts_with(x),
            StrTest::EndsWith(x) => v.ends_with(x),
            StrTest::Glob(p, fold) => crate::glob::fnmatch(p, v, *fold),
            StrTest::Regex(r) => r.is_match(v),
            StrTest::In(set) => set.contains(v),
            StrTest::PMatch(ps) => ps.iter().any(|p| path_prefix(p, v)),
        }
    }
}

/// ASCII case-insensitive substring search (`strcasestr`); `needle` is lowercase.
#[inline]
fn icontains(hay: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    if hay.len() < needle.len() {
        return false;
    }
    let last_start = hay.len() - needle.len();
    let upper = first.to_ascii_uppercase();
    let mut from = 0;
    while from <= last_start {
        let Some(i) = memchr::memchr2(first, upper, &hay[from..=last_start]) else {
            return false;
        };
        let at = from + i;
        if hay[at + 1..at + needle.len()]
            .iter()
            .zip(rest)
            .all(|(h, n)| h.to_ascii_lowercase() == *n)
        {
            return true;
        }
        from = at + 1;
    }
    false
}

/// `prefix` is `value` or one of its parent directories.
fn path_prefix(prefix: &[u8], value: &[u8]) -> bool {
    if prefix == b"/" {
        return value.starts_with(b"/");
    }
    value.starts_with(prefix) && (value.len() == prefix.len() || value[prefix.len()] == b'/')
}

#[inline(always)]
fn num_of(v: Val<'_>, buf: &[u8]) -> Option<i128> {
    match v {
        Val::I64(x) => Some(x as i128),
        Val::U64(x) => Some(x as i128),
        Val::Bool(b) => Some(b as i128),
        Val::Str(s) => std::str::from_utf8(s).ok()?.trim().parse().ok(),
        Val::Buf => std::str::from_utf8(buf).ok()?.trim().parse().ok(),
        Val::Ip(_) => None,
    }
}

/// The bytes of a string value (numbers are printed into `tmp`).
#[inline(always)]
fn bytes_of<'a>(v: Val<'a>, buf: &'a [u8], tmp: &'a mut Vec<u8>) -> &'a [u8] {
    use std::io::Write;
    match v {
        Val::Str(s) => s,
        Val::Buf => buf,
        Val::I64(x) => {
            tmp.clear();
            let _ = write!(tmp, "{x}");
            tmp
        }
        Val::U64(x) => {
            tmp.clear();
            let _ = write!(tmp, "{x}");
            tmp
        }
        Val::Bool(b) => {
            if b {
                b"true"
            } else {
                b"false"
            }
        }
        Val::Ip(ip) => {
            tmp.clear();
            let _ = write!(tmp, "{ip}");
            tmp
        }
    }
}

#[inline(always)]
pub(crate) fn num_cmp(op: Op, a: i128, b: i128) -> bool {
    match op {
        Op::Eq => a == b,
        Op::Ne => a != b,
        Op::Lt => a < b,
        Op::Le => a <= b,
        Op::Gt => a > b,
        Op::Ge => a >= b,
        _ => false,
    }
}

pub(crate) fn net_contains(net: IpAddr, prefix: u8, ip: IpAddr) -> bool {
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(i)) => {
            let p = prefix.min(32) as u32;
            let mask = if p == 0 { 0 } else { u32::MAX << (32 - p) };
            (u32::from(n) & mask) == (u32::from(i) & mask)
        }
        (IpAddr::V6(n), IpAddr::V6(i)) => {
            let p = prefix.min(128) as u32;
            let mask = if p == 0 { 0 } else { u128::MAX << (128 - p) };
            (u128::from(n) & mask) == (u128::from(i) & mask)
        }
        _ => false,
    }
}

impl Test {
    /// True for the tests whose meaning flips for either-endpoint fields (`!=`).
    pub fn is_ne(&self) -> bool {
        matches!(
            self,
            Test::Ip { ne: true, .. } | Test::Num(NumTest::Cmp(Op::Ne, _))
        )
    }

    /// Tests a value read from an event. `vbuf` holds the bytes of a `Buf` value; `rb` and
    /// `rb2` are free for the right-hand side.
    #[inline]
    pub fn eval(
        &self,
        v: Val<'_>,
        vbuf: &[u8],
        ev: &EventView<'_>,
        env: &Env<'_>,
        rb: &mut Vec<u8>,
        rb2: &mut Vec<u8>,
    ) -> bool {
        match self {
            Test::Exists => true,
            Test::Str(t) => t.eval(bytes_of(v, vbuf, rb)),
            Test::Mod(m, tests) => {
                let s = bytes_of(v, vbuf, rb);
                match m {
                    Modifier::AnyOf => tests.iter().any(|t| t.eval(s)),
                    Modifier::AllOf => tests.iter().all(|t| t.eval(s)),
                    Modifier::OneOf => tests.iter().filter(|t| t.eval(s)).count() == 1,
                }
            }
            Test::Num(t) => {
                let Some(x) = num_of(v, vbuf) else {
                    return false;
                };
                match t {
                    NumTest::Cmp(op, r) => num_cmp(*op, x, *r),
                    NumTest::In(set) => set.contains(&x),
                }
            }
            Test::Bool { want, ne } => {
                let b = match v {
                    Val::Bool(b) => b,
                    _ => return false,
                };
                want.contains(&b) != *ne
            }
            Test::Ip { nets, ne } => {
                let Val::Ip(ip) = v else { return false };
                nets.iter().any(|&(n, p)| net_contains(n, p, ip)) != *ne
            }
            Test::Field(ft) => {
                let FieldTest {
                    op,
                    rhs,
                    transforms,
                    numeric,
                } = &**ft;
                rb.clear();
                let Some(r) = extract::extract(rhs, ev, env, rb) else {
                    return false;
                };
                let r = if transforms.is_empty() {
                    r
                } else {
                    match super::apply_transforms(transforms, r, rb, rb2, &mut Vec::new()) {
                        Some(Val::Buf) => {
                            std::mem::swap(rb, rb2);
                            Val::Buf
                        }
                        Some(x) => x,
                        None => return false,
                    }
                };
                if *numeric {
                    match (num_of(v, vbuf), num_of(r, rb)) {
                        (Some(a), Some(b)) => num_cmp(*op, a, b),
                        _ => false,
                    }
                } else {
                    let mut t1 = Vec::new();
                    let mut t2 = Vec::new();
                    let a = bytes_of(v, vbuf, &mut t1);
                    let b = bytes_of(r, rb, &mut t2);
                    str_op(*op, a, b)
                }
            }
            Test::Dns { .. } => false,
        }
    }

    /// Tests a value that does not depend on the event (no `val()` right-hand side).
    pub fn eval_const(
        &self,
        v: Val<'_>,
        vbuf: &[u8],
        rb: &mut Vec<u8>,
        _rb2: &mut Vec<u8>,
    ) -> bool {
        match self {
            Test::Exists => true,
            Test::Str(t) => t.eval(bytes_of(v, vbuf, rb)),
            Test::Mod(m, tests) => {
                let s = bytes_of(v, vbuf, rb);
                match m {
                    Modifier::AnyOf => tests.iter().any(|t| t.eval(s)),
                    Modifier::AllOf => tests.iter().all(|t| t.eval(s)),
                    Modifier::OneOf => tests.iter().filter(|t| t.eval(s)).count() == 1,
                }
            }
            _ => false,
        }
    }

    /// For either-endpoint fields: the `=` meaning of the test on one endpoint.
    pub fn eval_either(&self, v: Val<'_>, _bufs: &mut super::Bufs) -> bool {
        match self {
            Test::Ip { nets, .. } => {
                let Val::Ip(ip) = v else { return false };
                nets.iter().any(|&(n, p)| net_contains(n, p, ip))
            }
            Test::Num(NumTest::Cmp(Op::Ne, r)) => num_of(v, &[]) == Some(*r),
            Test::Num(NumTest::Cmp(op, r)) => num_of(v, &[]).is_some_and(|x| num_cmp(*op, x, *r)),
            Test::Num(NumTest::In(set)) => num_of(v, &[]).is_some_and(|x| set.contains(&x)),
            Test::Exists => true,
            _ => false,
        }
    }

    /// `fd.sip.name = NAME`: the address is one the table recorded for a name.
    pub fn eval_dns(&self, ip: IpAddr, env: &Env<'_>) -> bool {
        match self {
            Test::Dns { names, ne } => {
                let hit = names.iter().any(|n| env.hosts.resolve(n).contains(&ip));
                hit != *ne
            }
            _ => false,
        }
    }
}

/// A string operator between two field values (`val()`).
fn str_op(op: Op, a: &[u8], b: &[u8]) -> bool {
    match op {
        Op::Eq => a == b,
        Op::Ne => a != b,
        Op::Lt => a < b,
        Op::Le => a <= b,
        Op::Gt => a > b,
        Op::Ge => a >= b,
        Op::Contains | Op::BContains => memchr::memmem::find(a, b).is_some(),
        Op::IContains => {
            let la = a.to_ascii_lowercase();
            let lb = b.to_ascii_lowercase();
            memchr::memmem::find(&la, &lb).is_some()
        }
        Op::StartsWith | Op::BStartsWith => a.starts_with(b),
        Op::EndsWith => a.ends_with(b),
        Op::Glob => crate::glob::fnmatch(b, a, false),
        Op::IGlob => crate::glob::fnmatch(b, a, true),
        Op::PMatch => path_prefix(b, a),
        Op::In | Op::Intersects => a == b,
        Op::Regex | Op::Exists => false,
    }
}

/// Whether `ty` is compared as a number.
pub(crate) fn is_numeric(ty: Ty) -> bool {
    matches!(ty, Ty::I64 | Ty::U64)
}
