//! Event types: the key every event is indexed under, names ↔ keys, and Falco's inference of
//! the event types a condition can match (libsinsp `filter/ppm_codes.cpp`).

use rtsec_format::{Args, EventView, Kind, syscalls};

use crate::condition::{Expr, FieldExpr, Op, Rhs};

pub(crate) use crate::evttype_names::{FALCO_EVENT_NAMES, FALCO_PARAM_NAMES};

pub(crate) const NUM_KINDS: usize = Kind::ALL.len();
/// Keys: one per kind, then one per generic syscall number, then one for out-of-range numbers.
pub(crate) const NUM_KEYS: usize = NUM_KINDS + syscalls::MAX_NR + 1;

/// The index key of an event.
#[inline]
pub(crate) fn key(ev: &EventView<'_>) -> usize {
    match (ev.kind(), ev.args()) {
        // A syscall that has a kind of its own but was recorded generically (an import of an
        // old capture, arguments not captured) is still that event type.
        (Kind::Generic, Args::Generic { nr, .. }) => key_of_syscall(*nr),
        (k, _) => k as usize,
    }
}

/// The key of the events of syscall `nr`: its kind's, or its own generic key.
pub(crate) fn key_of_syscall(nr: u16) -> usize {
    match Kind::from_syscall(nr) {
        Kind::Generic => NUM_KINDS + (nr as usize).min(syscalls::MAX_NR),
        k => k as usize,
    }
}

/// Falco's names for x86_64 syscalls whose kernel name differs.
const ALIASES: &[(&str, &str)] = &[
    ("pread", "pread64"),
    ("pwrite", "pwrite64"),
    ("prlimit", "prlimit64"),
];

/// Falco's `evt.type` of an event.
#[inline]
pub(crate) fn type_name(ev: &EventView<'_>) -> &'static str {
    let n = ev.type_name();
    if ev.kind() == Kind::Generic {
        for &(falco, kernel) in ALIASES {
            if n == kernel {
                return falco;
            }
        }
    }
    n
}

/// Whether libsinsp records `ev` as a generic event (`PPME_GENERIC_X`, whose parameters are
/// only the syscall's id): true of a [`Kind::Generic`] event unless Falco's event table has
/// an event of its own for the syscall (`pread`, `writev`, …), which rtsec records as generic.
/// A syscall without a name (`syscall`, the generic event's own name) is generic there too.
pub(crate) fn is_libsinsp_generic(ev: &EventView<'_>) -> bool {
    if ev.kind() != Kind::Generic {
        return false;
    }
    let name = type_name(ev);
    name == Kind::Generic.name()
        || crate::evttype_names::FALCO_EVENT_NAMES
            .binary_search(&name)
            .is_err()
}

/// The keys an event-type name stands for; `None` if Falco does not know the name.
pub(crate) fn keys_for_name(name: &str) -> Option<Vec<usize>> {
    if name == "syscall" {
        let all = KeySet::all();
        return Some((NUM_KINDS..NUM_KEYS).filter(|&k| all.contains(k)).collect());
    }
    if let Some(k) = Kind::from_name(name) {
        return Some(vec![k as usize]);
    }
    let kernel = ALIASES
        .iter()
        .find(|(f, _)| *f == name)
        .map_or(name, |(_, k)| *k);
    if let Some(nr) = syscalls::number(kernel) {
        return Some(vec![key_of_syscall(nr)]);
    }
    if FALCO_EVENT_NAMES.contains(&name) {
        // A Falco event rtsec never records (container, signaldeliver, …): matches nothing.
        return Some(Vec::new());
    }
    None
}

/// True for the key of procexit events (which have no `syscall.type`).
pub(crate) fn is_procexit(key: usize) -> bool {
    key == Kind::ProcExit as usize
}

/// The `evt.type` name of a key.
pub(crate) fn key_name(key: usize) -> String {
    if key < NUM_KINDS {
        return Kind::ALL[key].name().to_string();
    }
    let nr = key - NUM_KINDS;
    let n = syscalls::name(nr as u16).unwrap_or("syscall");
    ALIASES
        .iter()
        .find(|(_, k)| *k == n)
        .map_or(n, |(f, _)| *f)
        .to_string()
}

/// A set of event keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct KeySet(Vec<u64>);

impl KeySet {
    const WORDS: usize = NUM_KEYS.div_ceil(64);

    pub fn empty() -> Self {
        KeySet(vec![0; Self::WORDS])
    }
    /// Every key an event can have: the kinds, and the generic keys of syscalls that have no
    /// kind of their own.
    pub fn all() -> Self {
        static ALL: std::sync::OnceLock<KeySet> = std::sync::OnceLock::new();
        ALL.get_or_init(|| {
            let mut s = KeySet::empty();
            for k in 0..NUM_KEYS {
                let reachable = if k < NUM_KINDS {
                    k != Kind::Generic as usize
                } else {
                    k == NUM_KEYS - 1 || Kind::from_syscall((k - NUM_KINDS) as u16) == Kind::Generic
                };
                if reachable {
                    s.insert(k);
                }
            }
            s
        })
        .clone()
    }
    fn trim(&mut self) {
        let all = KeySet::all();
        self.intersect(&all);
    }
    pub fn insert(&mut self, k: usize) {
        self.0[k / 64] |= 1 << (k % 64);
    }
    pub fn contains(&self, k: usize) -> bool {
        self.0[k / 64] & (1 << (k % 64)) != 0
    }
    pub fn union(&mut self, o: &KeySet) {
        for (a, b) in self.0.iter_mut().zip(&o.0) {
            *a |= b;
        }
    }
    pub fn intersect(&mut self, o: &KeySet) {
        for (a, b) in self.0.iter_mut().zip(&o.0) {
            *a &= b;
        }
    }
    pub fn complement(&mut self) {
        for a in &mut self.0 {
            *a = !*a;
        }
        self.trim();
    }
    pub fn len(&self) -> usize {
        self.0.iter().map(|w| w.count_ones() as usize).sum()
    }
    pub fn is_all(&self) -> bool {
        *self == KeySet::all()
    }
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        (0..NUM_KEYS).filter(|&k| self.contains(k))
    }
}

/// The event types a (macro-free) condition can match: negations pushed to the leaves, `and`
/// intersects, `or` unites, `evt.type` leaves give explicit sets, everything else all types.
pub(crate) fn infer(e: &Expr) -> KeySet {
    infer_neg(e, false)
}

fn infer_neg(e: &Expr, neg: bool) -> KeySet {
    match e {
        Expr::And(v) | Expr::Or(v) => {
            let conj = matches!(e, Expr::And(_)) != neg;
            let mut it = v.iter().map(|c| infer_neg(c, neg));
            let mut acc = it.next().unwrap_or_else(KeySet::all);
            for s in it {
                if conj {
                    acc.intersect(&s);
                } else {
                    acc.union(&s);
                }
            }
            acc
        }
        Expr::Not(x) => infer_neg(x, !neg),
        Expr::Macro { .. } => KeySet::all(),
        Expr::Check(c) => {
            let FieldExpr::Field {
                name, arg: None, ..
            } = &c.lhs
            else {
                return KeySet::all();
            };
            if c.modifier.is_some() {
                return KeySet::all();
            }
            if name == "evt.num" && c.op == Op::Eq && matches!(&c.rhs, Rhs::Value(v, _) if v == "0")
            {
                let mut s = KeySet::empty();
                if neg {
                    s.complement();
                }
                return s;
            }
            if name != "evt.type" && name != "syscall.type" {
                return KeySet::all();
            }
            let values: Vec<&str> = match (&c.op, &c.rhs) {
                (Op::Eq | Op::Ne, Rhs::Value(v, _)) => vec![v.as_str()],
                (Op::In | Op::Intersects, Rhs::List(v, _)) => {
                    v.iter().map(|(s, _)| s.as_str()).collect()
                }
                _ => return KeySet::all(),
            };
            let mut s = KeySet::empty();
            for v in values {
                for k in keys_for_name(v).unwrap_or_default() {
                    s.insert(k);
                }
            }
            if (c.op == Op::Ne) != neg {
                s.complement();
            }
            s
        }
    }
}

/// The event types a condition names that rtsec never records (Falco's `switch`,
/// `signaldeliver`, `container`, …: [`keys_for_name`] gives them no key), where the condition
/// asks for them (`evt.type = switch`, not `evt.type != switch`). Sorted, unique.
pub(crate) fn unrecorded_names(e: &Expr) -> Vec<String> {
    let mut out = Vec::new();
    collect_unrecorded(e, false, &mut out);
    out.sort();
    out.dedup();
    out
}

fn collect_unrecorded(e: &Expr, neg: bool, out: &mut Vec<String>) {
    match e {
        Expr::And(v) | Expr::Or(v) => v.iter().for_each(|c| collect_unrecorded(c, neg, out)),
        Expr::Not(x) => collect_unrecorded(x, !neg, out),
        Expr::Macro { .. } => {}
        Expr::Check(c) => {
            let FieldExpr::Field {
                name, arg: None, ..
            } = &c.lhs
            else {
                return;
            };
            if (name != "evt.type" && name != "syscall.type") || c.modifier.is_some() {
                return;
            }
            let values: Vec<&str> = match (&c.op, &c.rhs) {
                (Op::Eq, Rhs::Value(v, _)) if !neg => vec![v.as_str()],
                (Op::Ne, Rhs::Value(v, _)) if neg => vec![v.as_str()],
                (Op::In | Op::Intersects, Rhs::List(v, _)) if !neg => {
                    v.iter().map(|(s, _)| s.as_str()).collect()
                }
                _ => return,
            };
            for v in values {
                if keys_for_name(v).is_some_and(|k| k.is_empty()) {
                    out.push(v.to_string());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::condition::parse;

    #[test]
    fn falco_event_names_are_sorted_for_binary_search() {
        let names = crate::evttype_names::FALCO_EVENT_NAMES;
        assert!(names.windows(2).all(|w| w[0] < w[1]));
    }

    fn names(s: &str) -> Vec<String> {
        let e = parse(s, 0).unwrap();
        let set = infer(&e);
        if set.is_all() {
            return vec!["*".into()];
        }
        set.iter().map(key_name).collect()
    }

    #[test]
    fn inference_follows_de_morgan() {
        assert_eq!(
            names("evt.type in (open, openat) and proc.name = x"),
            ["open", "openat"]
        );
        assert_eq!(
            names("evt.type = open or evt.type = connect"),
            ["open", "connect"]
        );
        assert_eq!(names("proc.name = x"), ["*"]);
        assert_eq!(names("not (evt.type != open)"), ["open"]);
        assert_eq!(
            names("evt.type=execve and not evt.type=execve"),
            Vec::<String>::new()
        );
        assert_eq!(names("evt.num = 0"), Vec::<String>::new());
        assert_eq!(names("evt.type = open and not evt.num = 0"), ["open"]);
        assert_eq!(names("evt.type = getpid"), ["getpid"]);
        assert_eq!(names("evt.type = pread"), ["pread"]);
        assert_eq!(names("evt.type = signaldeliver"), Vec::<String>::new());
        let n = names("evt.type != open");
        assert!(n.len() > 100 && !n.contains(&"open".to_string()));
    }

    #[test]
    fn event_types_rtsec_never_records_are_named_where_asked_for() {
        let un = |s: &str| unrecorded_names(&parse(s, 0).unwrap());
        assert_eq!(un("evt.type = switch and proc.name = x"), ["switch"]);
        assert_eq!(
            un("evt.type in (open, container, signaldeliver) or evt.type = switch"),
            ["container", "signaldeliver", "switch"]
        );
        assert_eq!(un("not evt.type != switch"), ["switch"]);
        assert!(un("evt.type != switch").is_empty());
        assert!(un("evt.type in (open, openat)").is_empty());
    }

    #[test]
    fn names_resolve() {
        assert!(keys_for_name("execve").is_some());
        assert!(keys_for_name("container").unwrap().is_empty());
        assert!(keys_for_name("nosuchevent").is_none());
    }
}
