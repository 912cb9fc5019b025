//! `evt.is_open_read`, `_write`, `_create` and `_exec` as libsinsp computes them
//! (`sinsp_filtercheck_event.cpp`): from the open family's flags, and for `_exec` from the
//! mode of a file the call may create (`creat` included, `open_by_handle_at` not).

mod common;

use common::*;
use rtsec_format::{Args, Block, Kind, PathArg};
use rtsec_rules::{HostTable, RuleSet, Scratch};

const O_WRONLY: u32 = 0o1;
const O_RDWR: u32 = 0o2;
const O_CREAT: u32 = 0o100;
const O_TMPFILE: u32 = 0o20200000;

fn open(kind: Kind, flags: u32, mode: u32) -> Block {
    let p = P::new("cp").build();
    let fd = file_fd(3, "/tmp/tool", flags);
    block(
        kind,
        &p,
        Some(&fd),
        Args::Open {
            dirfd: rtsec_format::AT_FDCWD,
            path: PathArg::same(b"/tmp/tool"),
            flags,
            mode,
            resolve: 0,
            dev: 0,
            ino: 0,
        },
        3,
    )
}

/// The four fields' values on `b`, in the order read, write, create, exec.
fn values(b: &Block) -> [bool; 4] {
    let set = RuleSet::empty();
    let ev = b.event(0).unwrap();
    ["read", "write", "create", "exec"].map(|what| {
        set.filter(&format!("evt.is_open_{what} = true"))
            .unwrap()
            .matches(&ev, &mut Scratch::new(), &HostTable::new())
    })
}

#[test]
fn exec_is_a_file_made_with_execute_permission() {
    let [r, w, c, x] = values(&open(Kind::Openat, O_WRONLY | O_CREAT, 0o755));
    assert_eq!([r, w, c, x], [false, true, false, true], "the file existed");
    assert!(!values(&open(Kind::Openat, O_WRONLY | O_CREAT, 0o644))[3]);
    assert!(
        values(&open(Kind::Openat, O_WRONLY | O_CREAT, 0o010))[3],
        "group x"
    );
    assert!(values(&open(Kind::Openat2, O_RDWR | O_TMPFILE, 0o700))[3]);
    assert!(
        values(&open(Kind::Open, O_WRONLY | O_CREAT, 0o001))[3],
        "others x"
    );
    // Without O_CREAT or O_TMPFILE the mode means nothing.
    assert_eq!(
        values(&open(Kind::Openat, O_RDWR, 0o755)),
        [true, true, false, false]
    );
    // open_by_handle_at has no mode.
    assert!(!values(&open(Kind::OpenByHandleAt, O_WRONLY | O_CREAT, 0o755))[3]);
}

#[test]
fn creat_counts_for_exec_only() {
    assert_eq!(
        values(&open(Kind::Creat, O_WRONLY | O_CREAT | 0o1000, 0o755)),
        [false, false, false, true]
    );
    assert!(!values(&open(Kind::Creat, O_WRONLY | O_CREAT | 0o1000, 0o600))[3]);
}

/// Falco's sandbox rule for executables written in a container (disabled there by default).
#[test]
fn the_sandbox_drift_rule_fires_on_an_executable_made_in_a_container() {
    let drift = RuleSet::empty()
        .filter(
            "evt.type in (open,openat,openat2,creat) and evt.rawres>=0 and evt.is_open_exec=true",
        )
        .unwrap();
    let b = open(Kind::Creat, O_WRONLY | O_CREAT | 0o1000, 0o775);
    assert!(drift.matches(&b.event(0).unwrap(), &mut Scratch::new(), &HostTable::new()));
}

/// `evt.is_open_create`: the open created its file (the capture's `FILE_CREATED`, libs'
/// `PPM_O_F_CREATED`), or made an `O_TMPFILE` file; `O_CREAT` alone is not enough.
#[test]
fn create_is_what_the_kernel_said_or_a_tmpfile() {
    let created = |mut b: Block| {
        b.events[0].flags |= rtsec_format::wire::event_flags::FILE_CREATED;
        b
    };
    assert!(!values(&open(Kind::Openat, O_WRONLY | O_CREAT, 0o644))[2]);
    assert!(values(&created(open(Kind::Openat, O_WRONLY | O_CREAT, 0o644)))[2]);
    assert!(values(&created(open(Kind::Open, O_WRONLY | O_CREAT, 0o644)))[2]);
    assert!(values(&open(Kind::Openat, O_RDWR | O_TMPFILE, 0o600))[2]);
    let mut failed = open(Kind::Openat, O_RDWR | O_TMPFILE, 0o600);
    failed.events[0].res = -95;
    assert!(!values(&failed)[2], "a tmpfile that failed made nothing");
    // creat counts for exec only, whatever the kernel said.
    assert!(!values(&created(open(Kind::Creat, O_WRONLY | O_CREAT, 0o644)))[2]);

    // The flags print it as libs' drivers add it.
    let set = RuleSet::empty();
    let b = created(open(Kind::Openat, O_WRONLY | O_CREAT, 0o644));
    let ev = b.event(0).unwrap();
    assert!(
        rtsec_rules::event_args(&ev).contains("flags=16390(O_CREAT|O_WRONLY|O_F_CREATED)"),
        "{}",
        rtsec_rules::event_args(&ev)
    );
    assert!(
        set.filter("evt.arg.flags contains O_F_CREATED")
            .unwrap()
            .matches(&ev, &mut Scratch::new(), &HostTable::new())
    );
}
