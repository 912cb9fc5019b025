//! Process fields: the event's process record and its ancestors.

use rtsec_format::{EventView, StrId, record::proc_flags, wire::Process};

/// Ancestor walks stop here even on a (malformed) cyclic chain. Parents always have a lower
/// index in a decoded block, so real chains end long before.
pub(crate) const MAX_ANCESTORS: usize = 1024;

/// The `n`-th ancestor of the event's process (0 = itself).
pub(crate) fn ancestor<'e>(ev: &EventView<'e>, n: usize) -> Option<&'e Process> {
    let mut p = ev.process()?;
    for _ in 0..n.min(MAX_ANCESTORS) {
        p = ev.block.parent(p)?;
    }
    Some(p)
}

/// The leader of `p`'s session (`sid`) or process group (`vpgid`), as libsinsp finds it for
/// `proc.sname`, `proc.vpgid.name` and friends: the highest ancestor with the same id (the
/// leader, when it still lives, is normally that ancestor); failing that, on the host (not in
/// a pid namespace), the block's process whose pid is the id (its leader thread's record, not
/// one of another thread's); else the process itself.
pub(crate) fn leader<'e>(
    ev: &EventView<'e>,
    p: &'e Process,
    id: fn(&Process) -> i64,
) -> &'e Process {
    let want = id(p);
    let mut top = p;
    for _ in 0..MAX_ANCESTORS {
        match ev.block.parent(top) {
            Some(a) if id(a) == want => top = a,
            _ => break,
        }
    }
    if top.pid == want || p.vpid != p.pid {
        return top;
    }
    ev.block
        .processes
        .iter()
        .filter(|q| q.pid == want && q.flags & proc_flags::THREAD == 0)
        .max_by_key(|q| q.id)
        .unwrap_or(top)
}

/// The name of `leader` as a session or group leader: the one its record names (a thread's
/// record names its process, where that leads: see `proc_flags::THREAD`), else its own.
pub(crate) fn named(leader: &Process, recorded: fn(&Process) -> StrId) -> StrId {
    match recorded(leader) {
        StrId::EMPTY => leader.comm,
        name => name,
    }
}

/// Every ancestor's value as `write` puts it, parent first, space-separated: an ancestor field
/// without its index in an output. False if there is no ancestor.
pub(crate) fn write_ancestors<'e>(
    ev: &EventView<'e>,
    out: &mut Vec<u8>,
    mut write: impl FnMut(&'e Process, &mut Vec<u8>),
) -> bool {
    let mut first = true;
    any_ancestor(ev, |a| {
        if !first {
            out.push(b' ');
        }
        first = false;
        write(a, out);
        false
    });
    !first
}

/// How far up `proc.aenv[NAME]` looks (libsinsp's loop bound).
pub(crate) const MAX_AENV_LEVELS: usize = 20;

/// Calls `f` on each ancestor, parent first, until it returns true; true if it did.
pub(crate) fn any_ancestor<'e>(ev: &EventView<'e>, f: impl FnMut(&'e Process) -> bool) -> bool {
    any_ancestor_within(ev, MAX_ANCESTORS, f)
}

/// [`any_ancestor`] over at most `levels` ancestors.
pub(crate) fn any_ancestor_within<'e>(
    ev: &EventView<'e>,
    levels: usize,
    mut f: impl FnMut(&'e Process) -> bool,
) -> bool {
    let Some(mut p) = ev.process() else {
        return false;
    };
    for _ in 0..levels {
        match ev.block.parent(p) {
            Some(a) => {
                if f(a) {
                    return true;
                }
                p = a;
            }
            None => return false,
        }
    }
    false
}

/// `proc.args`: argv[1..] joined by single spaces.
pub(crate) fn write_args(ev: &EventView<'_>, p: &Process, out: &mut Vec<u8>) {
    for (i, a) in p.args.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        out.extend_from_slice(ev.str(*a));
    }
}

/// `proc.cmdline`: comm, then each argument after a space.
pub(crate) fn write_cmdline(ev: &EventView<'_>, p: &Process, out: &mut Vec<u8>) {
    out.extend_from_slice(ev.str(p.comm));
    for a in &p.args {
        out.push(b' ');
        out.extend_from_slice(ev.str(*a));
    }
}

/// `proc.loginshellid`: the pid of the oldest shell (a name ending in `sh`) among the process
/// and its ancestors, as libsinsp finds it.
pub(crate) fn login_shell(ev: &EventView<'_>, p: &Process) -> Option<i64> {
    let is_shell = |q: &Process| ev.str(q.comm).ends_with(b"sh");
    let mut shell = is_shell(p).then_some(p.pid);
    any_ancestor(ev, |a| {
        if is_shell(a) {
            shell = Some(a.pid);
        }
        false
    });
    shell
}

/// `proc.cwd`: libsinsp keeps the working directory with a trailing `/`; an unknown one (a
/// process first seen mid-capture) is the empty string, as libsinsp extracts it.
pub(crate) fn write_cwd(ev: &EventView<'_>, p: &Process, out: &mut Vec<u8>) -> bool {
    let cwd = ev.str(p.cwd);
    if cwd.is_empty() {
        return true;
    }
    out.extend_from_slice(cwd);
    if !cwd.ends_with(b"/") {
        out.push(b'/');
    }
    true
}

/// `proc.env` (all variables, space-separated) or one variable's value.
pub(crate) fn write_env(
    ev: &EventView<'_>,
    p: &Process,
    key: Option<&str>,
    out: &mut Vec<u8>,
) -> bool {
    match key {
        None => {
            for (i, e) in p.env.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                out.extend_from_slice(ev.str(*e));
            }
            true
        }
        // As libsinsp's `get_env(name)`: the first `NAME=value` with a non-empty value, spaces
        // trimmed at both ends; the empty string when there is none (never missing).
        Some(k) => {
            for e in &p.env {
                let s = ev.str(*e);
                if s.len() > k.len() + 1 && s.starts_with(k.as_bytes()) && s[k.len()] == b'=' {
                    let v = &s[k.len() + 1..];
                    let start = v.iter().position(|&c| c != b' ').unwrap_or(v.len());
                    let end = v.iter().rposition(|&c| c != b' ').map_or(start, |i| i + 1);
                    out.extend_from_slice(&v[start..end]);
                    return true;
                }
            }
            true
        }
    }
}
