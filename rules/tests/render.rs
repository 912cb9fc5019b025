//! `evt.args` and `evt.arg.*` rendered the way Falco prints them.

mod common;

use common::*;
use rtsec_format::{Args, Kind, PathArg};
use rtsec_rules::{HostTable, RuleSet, Scratch, event_args, event_type};

fn s(x: &str) -> &'static [u8] {
    Box::leak(x.as_bytes().to_vec().into_boxed_slice())
}

#[test]
fn openat_args() {
    let p = P::new("cat").cwd("/home/u").build();
    let b = openat(&p, "/etc/ssh/sshd_config", 0o2000000, 5);
    let ev = b.event(0).unwrap();
    assert_eq!(
        event_args(&ev),
        "fd=5(<f>/etc/ssh/sshd_config) dirfd=-100(AT_FDCWD) name=/etc/ssh/sshd_config flags=4097(O_RDONLY|O_CLOEXEC) mode=0 dev=0 ino=0"
    );
    assert_eq!(event_type(&ev), "openat");
    // A relative path shows its resolution; a failed open shows the errno.
    let rel = block(
        Kind::Openat,
        &p,
        None,
        Args::Open {
            dirfd: rtsec_format::AT_FDCWD,
            path: PathArg {
                raw: s("notes.txt"),
                resolved: s("/home/u/notes.txt"),
            },
            flags: 0o101 | 0o1000,
            mode: 0o644,
            resolve: 0,
            dev: 0,
            ino: 0,
        },
        -13,
    );
    let ev = rel.event(0).unwrap();
    assert_eq!(
        event_args(&ev),
        "fd=-13(EACCES) dirfd=-100(AT_FDCWD) name=notes.txt(/home/u/notes.txt) flags=262(O_TRUNC|O_CREAT|O_WRONLY) mode=0644 dev=0 ino=0"
    );
    let set = RuleSet::empty();
    let f = set
        .filter("evt.arg.name = /home/u/notes.txt and evt.arg.fd = EACCES")
        .unwrap();
    assert!(f.matches(&ev, &mut Scratch::new(), &HostTable::new()));
}

#[test]
fn ptrace_socket_and_generic_args() {
    let p = P::new("gdb").build();
    let b = block(
        Kind::Ptrace,
        &p,
        None,
        Args::Ptrace {
            request: 16,
            pid: 4242,
            addr: 0,
            data: 0,
        },
        0,
    );
    assert_eq!(
        event_args(&b.event(0).unwrap()),
        "res=0 addr=0 data=0 request=11(PTRACE_ATTACH) pid=4242"
    );
    let b = block(
        Kind::Socket,
        &p,
        None,
        Args::Socket {
            domain: 1,
            ty: 1,
            proto: 0,
        },
        3,
    );
    assert_eq!(
        event_args(&b.event(0).unwrap()),
        "fd=3 domain=1(AF_LOCAL) type=1 proto=0"
    );
    let b = block(
        Kind::Generic,
        &p,
        None,
        Args::Generic {
            nr: 17,
            args: [0; 6],
        },
        0,
    );
    let ev = b.event(0).unwrap();
    assert_eq!(event_type(&ev), "pread");
    assert_eq!(event_args(&ev), "ID=17(pread64) nativeID=17");
    let set = RuleSet::empty();
    assert!(set.filter("evt.type = pread").unwrap().matches(
        &ev,
        &mut Scratch::new(),
        &HostTable::new()
    ));
    // The field evt.args is empty for what libsinsp records as a generic event (getpid, a
    // syscall without a name), not for pread, which has an event of its own in Falco.
    let empty_args = set.filter("evt.args = \"\"").unwrap();
    for (nr, generic) in [(39, true), (999, true), (17, false)] {
        let b = block(
            Kind::Generic,
            &p,
            None,
            Args::Generic { nr, args: [0; 6] },
            0,
        );
        let ev = b.event(0).unwrap();
        assert_eq!(
            empty_args.matches(&ev, &mut Scratch::new(), &HostTable::new()),
            generic,
            "syscall {nr}: {}",
            event_args(&ev)
        );
    }
}

#[test]
fn execve_args_and_caps() {
    let p = P::new("bash")
        .args(&["-c", "id"])
        .caps((1 << 21) | (1 << 7) | 0xa)
        .upper_layer()
        .build();
    let b = exec(&p);
    let ev = b.event(0).unwrap();
    let a = event_args(&ev);
    assert!(
        a.starts_with("res=0 exe=/usr/bin/bash args=-c.id. tid="),
        "{a}"
    );
    assert!(
        a.contains(
            // PF_HEX: upper case, as libsinsp prints it.
            " flags=2(EXE_UPPER_LAYER) cap_inheritable=0 cap_permitted=20008A cap_effective=20008A "
        ),
        "{a}"
    );
    let set = RuleSet::empty();
    let f = set
        .filter(
            "thread.cap_effective = 'CAP_DAC_OVERRIDE CAP_FOWNER CAP_SETUID CAP_SYS_ADMIN' and evt.arg.flags = EXE_UPPER_LAYER",
        )
        .unwrap();
    assert!(f.matches(&ev, &mut Scratch::new(), &HostTable::new()));
}

/// pread and the vectored calls are events of their own with Falco's parameters (they were
/// generic: `ID=17(pread64) nativeID=17`), and an IP socket's fd resolves with its protocol
/// letter once it has a role (libsinsp's `<4t>`; rtsec printed `<4>`).
#[test]
fn positioned_io_and_socket_fd_args() {
    let p = P::new("nginx").build();
    let file = file_fd(7, "/srv/www/index.html", 0);
    let io = |kind, fd: &std::sync::Arc<rtsec_format::FdInfo>, pos| {
        block(
            kind,
            &p,
            Some(fd),
            Args::Io {
                fd: fd.num,
                size: 512,
                pos,
                addr: rtsec_format::SockAddr::None,
                data: b"<html>\n",
            },
            7,
        )
    };
    let b = io(Kind::Pread, &file, 4096);
    let ev = b.event(0).unwrap();
    assert_eq!(event_type(&ev), "pread");
    assert_eq!(
        event_args(&ev),
        "res=7 data=<html>. fd=7(<f>/srv/www/index.html) size=512 pos=4096"
    );
    let set = RuleSet::empty();
    let f = set
        .filter("evt.type = pread and evt.arg.pos = 4096 and evt.is_io_read = true")
        .unwrap();
    assert!(f.matches(&ev, &mut Scratch::new(), &HostTable::new()));

    let tcp = tcp_fd(3, "10.0.0.5:40000", "8.8.8.8:443", false);
    let b = io(Kind::Writev, &tcp, 0);
    assert_eq!(
        event_args(&b.event(0).unwrap()),
        "res=7 data=<html>. fd=3(<4t>10.0.0.5:40000->8.8.8.8:443) size=512"
    );
    let b = io(Kind::Readv, &tcp, 0);
    assert_eq!(
        event_args(&b.event(0).unwrap()),
        "res=7 size=512 data=<html>. fd=3(<4t>10.0.0.5:40000->8.8.8.8:443)"
    );
    // A socket nothing connected, accepted or bound has no protocol yet (`fd.l4proto` <NA>).
    let mut fresh = (*tcp_fd(4, "10.0.0.5:40001", "8.8.8.8:443", true)).clone();
    fresh.client = None;
    fresh.server = None;
    let fresh = std::sync::Arc::new(fresh);
    let b = io(Kind::Pwritev, &fresh, 64);
    assert_eq!(
        event_args(&b.event(0).unwrap()),
        "res=7 data=<html>. fd=4(<6>10.0.0.5:40001->8.8.8.8:443) size=512 pos=64"
    );
}
