//! Event fields beyond those the stable rules use: `evt.abspath` (`.src`, `.dst`) of the *at
//! calls, and the event table's flags (`evt.is_io`, `evt.io_dir`, `evt.is_wait`).

mod common;

use common::*;
use rtsec_format::{AT_FDCWD, Args, Kind, PathArg};

fn two_paths(kind: Kind) -> rtsec_format::Block {
    block(
        kind,
        &P::new("mv").build(),
        None,
        Args::TwoPaths {
            olddirfd: AT_FDCWD,
            oldpath: PathArg {
                raw: &b"a"[..],
                resolved: &b"/root/a"[..],
            },
            newdirfd: AT_FDCWD,
            newpath: PathArg {
                raw: &b"b"[..],
                resolved: &b"/root/b"[..],
            },
            flags: 0,
        },
        0,
    )
}

#[test]
fn abspath_of_the_at_calls_only() {
    let b = two_paths(Kind::Renameat);
    assert!(holds(&b, "evt.abspath = /root/a"));
    assert!(holds(&b, "evt.abspath.src = /root/a"));
    assert!(holds(&b, "evt.abspath.dst = /root/b"));
    // rename, without a dirfd: libsinsp gives none.
    assert!(!holds(&two_paths(Kind::Rename), "evt.abspath exists"));
}

#[test]
fn io_flags_of_the_event_table() {
    let cat = P::new("cat").build();
    let fd = file_fd(3, "/etc/passwd", 0);
    let read = read_of(&cat, &fd);
    assert!(holds(&read, "evt.is_io = true and evt.is_io_read = true"));
    assert!(holds(
        &read,
        "evt.is_io_write = false and evt.io_dir = read"
    ));
    assert!(holds(&read, "evt.is_wait = false and evt.count = 1"));
    let close = block(Kind::Close, &cat, Some(&fd), Args::Fd { fd: 3 }, 0);
    assert!(holds(&close, "evt.is_io = false and not evt.io_dir exists"));
    assert!(holds(
        &close,
        "evt.type.is.close = 1 and evt.type.is.read = 0"
    ));
}

#[test]
fn buflen_is_the_return_value_of_io_events_on_known_fds() {
    // libsinsp's extract_buflen: an event of an I/O category (reads, writes, and close, dup,
    // fcntl, ioctl) on an fd its table has, when the call did not fail.
    let p = P::new("cat").build();
    let fd = file_fd(3, "/etc/passwd", 0);
    let close = |fd: Option<&std::sync::Arc<rtsec_format::FdInfo>>, res| {
        block(Kind::Close, &p, fd, Args::Fd { fd: 3 }, res)
    };
    assert!(holds(&close(Some(&fd), 0), "evt.buflen = 0"));
    assert!(!holds(&close(None, 0), "evt.buflen exists"));
    assert!(!holds(&close(Some(&fd), -9), "evt.buflen exists"));
    let read = block(
        Kind::Read,
        &p,
        Some(&fd),
        Args::Io {
            fd: 3,
            data: b"root",
            size: 4,
            pos: 0,
            addr: rtsec_format::SockAddr::None,
        },
        4,
    );
    assert!(holds(&read, "evt.buflen = 4"));
    // Not an I/O event.
    assert!(!holds(&exec(&p), "evt.buflen exists"));
}

/// `evt.res`, `evt.rawres` and `evt.failed` exist where libsinsp's event has a return value:
/// not on a generic event (`PPME_GENERIC_X` has only the syscall id), except for the syscalls
/// rtsec records generically that Falco's drivers give events of their own with a `res`
/// (`access`, `prlimit` for the kernel's `prlimit64`); not on an imported event whose source
/// had none (`NO_RETURN_VALUE`).
#[test]
fn a_return_value_is_where_the_event_has_one() {
    let p = P::new("app").build();
    let generic = |nr: u16, res: i64, flags: u8| {
        flagged_block(
            Kind::Generic,
            &p,
            None,
            Args::Generic { nr, args: [0; 6] },
            res,
            flags,
        )
    };
    // getpid (39) is generic in Falco too.
    let b = generic(39, 1234, 0);
    for c in [
        "evt.res exists",
        "evt.rawres exists",
        "evt.failed = true",
        "evt.res = SUCCESS",
    ] {
        assert!(!holds(&b, c), "getpid: {c}");
    }
    assert!(holds(&b, "evt.failed = false"));
    // access (21) and prlimit64 (302) have events of their own with a res.
    let b = generic(21, -2, 0);
    assert!(holds(
        &b,
        "evt.res = ENOENT and evt.rawres = -2 and evt.failed = true"
    ));
    assert!(holds(&generic(302, 0, 0), "evt.res = SUCCESS"));
    // The same access from a capture whose event had no return value.
    let none = rtsec_format::wire::event_flags::NO_RETURN_VALUE;
    assert!(!holds(&generic(21, 0, none), "evt.res exists"));
    assert!(!holds(
        &flagged_block(Kind::Close, &p, None, Args::Fd { fd: 3 }, 0, none),
        "evt.rawres exists"
    ));
    assert!(holds(
        &block(Kind::Close, &p, None, Args::Fd { fd: 3 }, 0),
        "evt.rawres = 0"
    ));
}
