//! Container and k8s fields, as the container plugin gives them (§6.5): no container record
//! means the host (`container.id` = `host`); metadata not known yet is missing.

use std::io::Write;

use rtsec_format::{EventView, wire::Container};

pub(crate) enum Ctr<'e> {
    Host,
    Known(&'e Container),
}

/// The event's container; `None` without a process record (the fields are missing then).
pub(crate) fn of<'e>(ev: &EventView<'e>) -> Option<Ctr<'e>> {
    let p = ev.process()?;
    Some(match p.container.and_then(|r| ev.block.container(r)) {
        Some(c) => Ctr::Known(c),
        None => Ctr::Host,
    })
}

/// The value of a container label.
pub(crate) fn label<'e>(ev: &EventView<'e>, c: &'e Container, key: &str) -> Option<&'e [u8]> {
    c.labels
        .iter()
        .find(|(k, _)| ev.str(*k) == key.as_bytes())
        .map(|(_, v)| ev.str(*v))
}

/// `container.labels`: `key:value, key:value`.
pub(crate) fn write_labels(ev: &EventView<'_>, c: &Container, out: &mut Vec<u8>) {
    for (i, (k, v)) in c.labels.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b", ");
        }
        out.extend_from_slice(ev.str(*k));
        out.push(b':');
        out.extend_from_slice(ev.str(*v));
    }
}

/// Which part of a mount a field prints.
#[derive(Clone, Copy)]
pub(crate) enum MountPart {
    All,
    Source,
    Dest,
    Mode,
    Rdwr,
    Propagation,
}

/// One mount, `source:dest:mode:rdwr:propagation`, or one part of it.
pub(crate) fn write_mount(
    ev: &EventView<'_>,
    m: &rtsec_format::MountInfo<rtsec_format::StrId>,
    part: MountPart,
    out: &mut Vec<u8>,
) {
    let rw: &[u8] = if m.rw { b"true" } else { b"false" };
    match part {
        MountPart::All => {
            out.extend_from_slice(ev.str(m.source));
            out.push(b':');
            out.extend_from_slice(ev.str(m.dest));
            out.push(b':');
            out.extend_from_slice(ev.str(m.mode));
            out.push(b':');
            out.extend_from_slice(rw);
            out.push(b':');
            out.extend_from_slice(ev.str(m.propagation));
        }
        MountPart::Source => out.extend_from_slice(ev.str(m.source)),
        MountPart::Dest => out.extend_from_slice(ev.str(m.dest)),
        MountPart::Mode => out.extend_from_slice(ev.str(m.mode)),
        MountPart::Rdwr => out.extend_from_slice(rw),
        MountPart::Propagation => out.extend_from_slice(ev.str(m.propagation)),
    }
}

/// How a `container.mount*[...]` argument selects a mount, as the container plugin does: a
/// number is an index; anything else a regular expression (multi-line) found anywhere in the
/// mount's source, or in its destination for `container.mount.source` (libsinsp before the
/// plugin took globs instead).
#[derive(Clone, Debug)]
pub(crate) enum MountKey {
    Index(usize),
    /// `None`: not a regular expression; it selects no mount, as the plugin's lookup fails.
    Pattern(Option<regex::bytes::Regex>),
}

impl MountKey {
    pub fn new(arg: &str) -> MountKey {
        match arg.parse::<usize>() {
            Ok(i) => MountKey::Index(i),
            Err(_) => MountKey::Pattern(
                regex::bytes::RegexBuilder::new(arg)
                    .multi_line(true)
                    .build()
                    .ok(),
            ),
        }
    }
}

/// The mount `key` selects, by its destination (`by_dest`) or its source.
pub(crate) fn find_mount<'e>(
    ev: &EventView<'e>,
    c: &'e Container,
    key: &MountKey,
    by_dest: bool,
) -> Option<&'e rtsec_format::MountInfo<rtsec_format::StrId>> {
    match key {
        MountKey::Index(i) => c.mounts.get(*i),
        MountKey::Pattern(None) => None,
        MountKey::Pattern(Some(re)) => c
            .mounts
            .iter()
            .find(|m| re.is_match(ev.str(if by_dest { m.dest } else { m.source }))),
    }
}

/// `container.mounts`: every mount, comma-separated.
pub(crate) fn write_mounts(ev: &EventView<'_>, c: &Container, out: &mut Vec<u8>) {
    for (i, m) in c.mounts.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_mount(ev, m, MountPart::All, out);
    }
}

pub(crate) fn write_ip(ip: std::net::IpAddr, out: &mut Vec<u8>) {
    let _ = write!(out, "{ip}");
}
