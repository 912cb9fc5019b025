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
