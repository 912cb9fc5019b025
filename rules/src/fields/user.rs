//! User and group names, with libsinsp's fallbacks (§6.7): `root` for id 0, else `<NA>`.

use rtsec_format::EventView;

/// The name of `uid` as the event's process knows it (its own user or login user record),
/// else the fallback.
pub(crate) fn write_uid_name(ev: &EventView<'_>, uid: u32, out: &mut Vec<u8>) {
    if let Some(p) = ev.process() {
        for r in [p.user, p.loginuser].into_iter().flatten() {
            if let Some(u) = ev.block.user(r)
                && u.uid == uid
                && !ev.str(u.name).is_empty()
            {
                out.extend_from_slice(ev.str(u.name));
                return;
            }
        }
    }
    out.extend_from_slice(if uid == 0 { b"root" } else { b"<NA>" });
}

/// The name of `gid` as the event's process knows it, else the fallback.
pub(crate) fn write_gid_name(ev: &EventView<'_>, gid: u32, out: &mut Vec<u8>) {
    if let Some(p) = ev.process()
        && let Some(g) = p.group.and_then(|r| ev.block.group(r))
        && g.gid == gid
        && !ev.str(g.name).is_empty()
    {
        out.extend_from_slice(ev.str(g.name));
        return;
    }
    out.extend_from_slice(if gid == 0 { b"root" } else { b"<NA>" });
}
