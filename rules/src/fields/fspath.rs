//! `fs.path.*` (libsinsp's `sinsp_filter_check_fspath`): the path a filesystem syscall works
//! on (`name`), or the `source` and `target` of the calls with two (rename, link, symlink,
//! mount). Only for the calls in libsinsp's table, and only when they succeeded by its test:
//! a result of 0, or for the opens an fd that is not -1 (so a failed open has a path too).
//!
//! The `raw` flavours are the path as passed. The others join a relative path to the
//! thread's cwd, not to the call's dirfd, and normalize it, as libsinsp does.

use rtsec_format::{Args, EventView, Kind, PathArg, StrId, paths};

use super::FieldId as F;
use super::extract::Val;
use super::{fd, proc};

/// Extracts `fs.path.name`, `.source`, `.target` or their `raw` flavours (`id`).
pub(crate) fn extract<'e>(id: F, ev: &EventView<'e>, buf: &mut Vec<u8>) -> Option<Val<'e>> {
    // Calls outside libsinsp's table have no path here (`None`).
    let raw = match id {
        F::FsPathName | F::FsPathNameraw => name(ev)?,
        F::FsPathSource | F::FsPathSourceraw => source_target(ev)?.0,
        _ => source_target(ev)?.1,
    };
    if !succeeded(ev) {
        return None;
    }
    if matches!(
        id,
        F::FsPathNameraw | F::FsPathSourceraw | F::FsPathTargetraw
    ) {
        return Some(Val::Str(raw));
    }
    let p = ev.process()?;
    let mut cwd = Vec::new();
    proc::write_cwd(ev, p, &mut cwd);
    let mut clean = Vec::new();
    paths::concatenate(&cwd, raw, buf, &mut clean);
    Some(Val::Buf)
}

/// libsinsp's success test, for a call in its table: an fd that is not -1 for the opens, a
/// result of 0 for the others.
fn succeeded(ev: &EventView<'_>) -> bool {
    match ev.kind() {
        Kind::Open | Kind::Openat | Kind::Openat2 => ev.event.res != -1,
        _ => ev.event.res == 0,
    }
}

/// The one path of a single-path call; fchmod's and fchown's is their fd's name (empty if
/// the fd is unknown, as libsinsp's `fd.name` of an fd it has not seen).
fn name<'e>(ev: &EventView<'e>) -> Option<&'e [u8]> {
    match (ev.kind(), ev.args()) {
        (Kind::Fchmod | Kind::Fchown, _) => Some(fd::view(ev).map_or(&b""[..], |v| v.name(ev))),
        (
            Kind::Mkdir
            | Kind::Mkdirat
            | Kind::Rmdir
            | Kind::Unlink
            | Kind::Unlinkat
            | Kind::Chmod
            | Kind::Fchmodat,
            Args::Path { path, .. },
        ) => Some(ev.str(path.raw)),
        (Kind::Open | Kind::Openat | Kind::Openat2, Args::Open { path, .. }) => {
            Some(ev.str(path.raw))
        }
        (Kind::Chown | Kind::Lchown | Kind::Fchownat, Args::Chown { path, .. }) => {
            Some(ev.str(path.raw))
        }
        (Kind::Umount2, Args::Umount { target, .. }) => Some(ev.str(target.raw)),
        _ => None,
    }
}

/// The source and target of a two-path call: a rename's old and new paths, a link's *new*
/// and old paths (libsinsp's choice), a symlink's link path and what it points to, a mount's
/// device and directory.
fn source_target<'e>(ev: &EventView<'e>) -> Option<(&'e [u8], &'e [u8])> {
    let raw = |p: &PathArg<StrId>| ev.str(p.raw);
    match (ev.kind(), ev.args()) {
        (
            Kind::Rename | Kind::Renameat | Kind::Renameat2,
            Args::TwoPaths {
                oldpath, newpath, ..
            },
        ) => Some((raw(oldpath), raw(newpath))),
        (
            Kind::Link | Kind::Linkat,
            Args::TwoPaths {
                oldpath, newpath, ..
            },
        ) => Some((raw(newpath), raw(oldpath))),
        (
            Kind::Symlink | Kind::Symlinkat,
            Args::Symlink {
                target, linkpath, ..
            },
        ) => Some((raw(linkpath), ev.str(*target))),
        (Kind::Mount, Args::Mount { source, target, .. }) => Some((ev.str(*source), raw(target))),
        _ => None,
    }
}
