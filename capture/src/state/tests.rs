//! The engine driven the way any source drives it: seeds, then fork/exec/syscall/exit.

use std::sync::Arc;

use rtsec_format::{
    AT_FDCWD, Args, FdType, Kind, L4Proto, NewEvent, PathArg, SockAddr,
    record::{fd_flags, proc_flags},
    wire::event_flags,
};

use super::*;

const HEX: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn path(raw: &[u8]) -> PathArg<&[u8]> {
    PathArg {
        raw,
        resolved: b"ignored: the engine resolves",
    }
}

pub(super) fn call<'a>(tid: i64, kind: Kind, res: i64, args: Args<&'a [u8]>) -> Syscall<'a> {
    Syscall {
        ts: 1_000 + tid as u64,
        tid,
        pid: 0,
        cpu: 0,
        kind,
        flags: 0,
        res,
        args,
        sock: None,
    }
}

fn seeded() -> State {
    let mut s = State::new();
    s.seed_users(
        None,
        &[PasswdEntry {
            name: b"root".to_vec(),
            uid: 0,
            ..Default::default()
        }],
    );
    s.seed_process(ProcessSeed {
        pid: 1,
        ppid: 0,
        comm: b"init".to_vec(),
        cwd: b"/".to_vec(),
        loginuid: u32::MAX,
        cgroups: vec![Cgroup {
            subsys: Vec::new(),
            path: b"/".to_vec(),
        }],
        ..Default::default()
    });
    s.seed_process(ProcessSeed {
        pid: 100,
        ppid: 1,
        threads: vec![101],
        comm: b"bash".to_vec(),
        exe: b"-bash".to_vec(),
        cwd: b"/home/u".to_vec(),
        loginuid: 1000,
        uid: 1000,
        euid: 1000,
        cgroups: vec![Cgroup {
            subsys: Vec::new(),
            path: b"/user.slice".to_vec(),
        }],
        ..Default::default()
    });
    s.seed_fd(
        100,
        FdSeed {
            num: 3,
            ty: FdType::Directory,
            name: b"/etc".to_vec(),
            ..Default::default()
        },
    );
    s.finish_seeding();
    s
}

#[test]
fn seeds_link_parents_and_threads() {
    let s = seeded();
    let bash = s.process(100).unwrap();
    assert_eq!(bash.parent.as_ref().unwrap().comm, b"init");
    assert_eq!(bash.cwd, b"/home/u/", "cwd gets its trailing slash");
    assert_eq!(bash.flags & proc_flags::FROM_SCAN, proc_flags::FROM_SCAN);
    assert_eq!(s.pid_of(101), Some(100));
    assert_eq!(s.process(1).unwrap().user.as_ref().unwrap().name, b"root");
    assert!(bash.user.is_none(), "uid 1000 has no passwd entry here");
    assert!(bash.container.is_none());
}

#[test]
fn fork_exec_syscalls_exit() {
    let mut s = seeded();
    // bash forks a child into a docker cgroup, which execs cat.
    let cg = [Cgroup {
        subsys: Vec::new(),
        path: format!("/docker/{HEX}").into_bytes(),
    }];
    s.seed_users(
        Some(&HEX.as_bytes()[..12]),
        &[PasswdEntry {
            name: b"app".to_vec(),
            uid: 1000,
            ..Default::default()
        }],
    );
    s.fork(&Fork {
        ts: 10,
        parent_tid: 101,
        tid: 200,
        pid: 200,
        ppid: 100,
        facts: None,
        image: None,
    });
    let child = s.process(200).unwrap().clone();
    assert_eq!(child.comm, b"bash");
    assert_eq!(child.cwd, b"/home/u/");
    assert_eq!(s.fd(200, 3).unwrap().name, b"/etc", "fds are inherited");
    let facts = TaskFacts {
        comm: b"cat",
        uid: 1000,
        euid: 1000,
        loginuid: 1000,
        cgroups: Some(&cg),
        ..Default::default()
    };
    s.exec(&Exec {
        ts: 20,
        tid: 200,
        pid: 200,
        facts,
        exe: b"cat",
        args: b"../x\0passwd\0",
        exepath: b"/usr/bin/cat",
        ..Default::default()
    });
    let cat = s.process(200).unwrap().clone();
    assert_ne!(cat.id, child.id, "exec makes a new version");
    assert_eq!(cat.args, vec![b"../x".to_vec(), b"passwd".to_vec()]);
    assert_eq!(
        cat.container.as_ref().unwrap().container_id,
        &HEX.as_bytes()[..12]
    );
    assert_eq!(
        cat.user.as_ref().unwrap().name,
        b"app",
        "the container's own passwd"
    );
    assert_eq!(cat.parent.as_ref().unwrap().pid, 100);

    // openat relative to the cwd, and relative to a dirfd.
    let ev = s.syscall(&call(
        200,
        Kind::Openat,
        4,
        Args::Open {
            dirfd: AT_FDCWD,
            path: path(b"../x"),
            flags: 0,
            mode: 0,
            resolve: 0,
            dev: 0,
            ino: 0,
        },
    ));
    match &ev.args {
        Args::Open { path, .. } => assert_eq!(path.resolved, b"/home/x"),
        a => panic!("{a:?}"),
    }
    assert_eq!(ev.fd.unwrap().name, b"/home/x");
    assert!(Arc::ptr_eq(ev.proc.unwrap(), &cat));
    let ev = s.syscall(&call(
        200,
        Kind::Openat,
        -2,
        Args::Open {
            dirfd: 3,
            path: path(b"./passwd"),
            flags: 0,
            mode: 0,
            resolve: 0,
            dev: 0,
            ino: 0,
        },
    ));
    let fd = ev.fd.unwrap();
    assert_eq!(
        (fd.num, fd.name.as_slice()),
        (-1, &b"/etc/passwd"[..]),
        "failed open"
    );
    assert!(
        s.fd(200, -1).is_none(),
        "a failed open adds nothing to the table"
    );

    // dup2 copies, close removes (and the event still shows the closed fd).
    let ev = s.syscall(&call(
        200,
        Kind::Dup2,
        7,
        Args::Dup {
            oldfd: 4,
            newfd: 7,
            flags: 0,
        },
    ));
    assert_eq!(ev.fd.unwrap().num, 4, "dup events carry the old fd");
    assert_eq!(s.fd(200, 7).unwrap().name, b"/home/x");
    let ev = s.syscall(&call(200, Kind::Close, 0, Args::Fd { fd: 7 }));
    assert_eq!(ev.fd.unwrap().name, b"/home/x");
    assert!(s.fd(200, 7).is_none());

    // chdir makes a new version; later relative paths use it.
    s.syscall(&call(
        200,
        Kind::Chdir,
        0,
        Args::Path {
            dirfd: AT_FDCWD,
            path: path(b"/var//tmp/"),
            flags: 0,
            mode: 0,
        },
    ));
    assert_eq!(s.process(200).unwrap().cwd, b"/var/tmp/");

    // A connect with the kernel's view of the socket.
    s.syscall(&call(
        200,
        Kind::Socket,
        5,
        Args::Socket {
            domain: 2,
            ty: 1,
            proto: 0,
        },
    ));
    let mut c = call(
        200,
        Kind::Connect,
        0,
        Args::Connect {
            fd: 5,
            addr: SockAddr::Inet {
                ip: "10.0.0.9".parse().unwrap(),
                port: 443,
            },
        },
    );
    c.sock = Some(SockInfo::Inet {
        proto: L4Proto::Tcp,
        local: "10.0.0.2:40000".parse().unwrap(),
        remote: "10.0.0.9:443".parse().unwrap(),
    });
    let ev = s.syscall(&c);
    assert_eq!(ev.fd.unwrap().name, b"10.0.0.2:40000->10.0.0.9:443");

    // Exit: the procexit event has the last version; the process is gone afterwards.
    let ev = s.exit(&Exit {
        ts: 99,
        tid: 200,
        pid: 200,
        code: 3,
        group_dead: Some(true),
        ..Default::default()
    });
    assert_eq!(ev.kind, Kind::ProcExit);
    assert_eq!(ev.proc.unwrap().comm, b"cat");
    assert!(!s.knows(200));
}

#[test]
fn unknown_processes_become_placeholders() {
    let mut s = State::new();
    let ev = s.syscall(&call(4242, Kind::Close, 0, Args::Fd { fd: 9 }));
    let p = ev.proc.unwrap();
    assert_eq!(p.pid, 4242);
    assert_eq!(p.flags & proc_flags::PLACEHOLDER, proc_flags::PLACEHOLDER);
    // As libsinsp names its placeholder threads (Falco's proc_name_exists is false for them).
    assert_eq!((&p.comm[..], &p.exe[..]), (&b"<NA>"[..], &b"<NA>"[..]));
    assert!(ev.fd.is_none());
    let st = s.stats();
    assert_eq!((st.placeholders, st.unknown_fds), (1, 1));
}

/// A task whose parent nobody knows takes its program from the clone event, as libsinsp's
/// child does: runc's children, forked before an import's capture began.
#[test]
fn a_task_of_an_unknown_parent_runs_what_its_clone_says() {
    let mut s = State::new();
    s.fork(&Fork {
        ts: 10,
        parent_tid: 7539,
        tid: 7549,
        pid: 7549,
        ppid: 7539,
        facts: None,
        image: Some(ForkImage {
            exe: b"docker-runc",
            args: b"init\0",
            cwd: b"/run/runc",
            args_truncated: false,
        }),
    });
    let p = s.process(7549).unwrap();
    assert_eq!(p.exe, b"docker-runc");
    assert_eq!(p.args, vec![b"init".to_vec()]);
    assert_eq!(p.cwd, b"/run/runc/");
    assert_eq!(p.comm, b"<NA>", "no name given");
    assert_eq!(p.flags & proc_flags::PLACEHOLDER, proc_flags::PLACEHOLDER);
}

/// A new process runs the argv its clone event reports where that differs from its parent's
/// exec-time one, as libsinsp's child does: the children of a daemon that rewrote its argv.
#[test]
fn a_child_runs_the_argv_its_clone_reports() {
    let mut s = seeded();
    let fork = |s: &mut State, pid: i64, image: ForkImage<'_>| {
        s.fork(&Fork {
            ts: 10,
            parent_tid: 101,
            tid: pid,
            pid,
            ppid: 100,
            facts: None,
            image: Some(image),
        });
        s.process(pid).unwrap().clone()
    };
    let parent = s.process(100).unwrap().clone();
    let same = fork(
        &mut s,
        200,
        ForkImage {
            exe: b"-bash",
            ..ForkImage::default()
        },
    );
    assert_eq!((&same.exe, &same.args), (&parent.exe, &parent.args));

    let rewritten = fork(
        &mut s,
        201,
        ForkImage {
            exe: b"sshd: root@pts/0",
            args: b"\0\0",
            cwd: b"/elsewhere",
            args_truncated: false,
        },
    );
    assert_eq!(rewritten.exe, b"sshd: root@pts/0");
    assert_eq!(
        rewritten.args,
        vec![Vec::<u8>::new(); 2],
        "the padding stays, as in libsinsp"
    );
    assert_eq!(rewritten.cwd, parent.cwd, "the cwd is the parent's");
    assert_eq!(rewritten.comm, parent.comm);
    assert_eq!(rewritten.flags & proc_flags::ARGS_TRUNCATED, 0);
    assert_eq!(
        s.process(100).unwrap().exe,
        b"-bash",
        "the parent is unchanged"
    );

    // A cut argv that starts the parent's says nothing new: the parent's is kept whole.
    s.exec(&Exec {
        ts: 20,
        tid: 201,
        pid: 201,
        exe: b"java",
        args: b"-cp\0/a/long/classpath\0Main\0",
        ..Exec::default()
    });
    let cut = |s: &mut State, pid: i64, args: &'static [u8]| {
        let took = s.fork(&Fork {
            ts: 30,
            parent_tid: 201,
            tid: pid,
            pid,
            ppid: 201,
            facts: None,
            image: Some(ForkImage {
                exe: b"java",
                args,
                cwd: b"",
                args_truncated: true,
            }),
        });
        (took, s.process(pid).unwrap().clone())
    };
    let (took, prefix) = cut(&mut s, 300, b"-cp\0/a/lo");
    assert!(
        !took,
        "the parent's argv, not the cut one: no loss to count"
    );
    assert_eq!(prefix.args.len(), 3, "{:?}", prefix.args);
    assert_eq!(prefix.flags & proc_flags::ARGS_TRUNCATED, 0);
    let (took, other) = cut(&mut s, 301, b"-jar\0x");
    assert!(took);
    assert_eq!(other.args, vec![b"-jar".to_vec(), b"x".to_vec()]);
    assert_ne!(
        other.flags & proc_flags::ARGS_TRUNCATED,
        0,
        "a cut argv is flagged"
    );
}

#[test]
fn cgroup_moves_and_setuid_make_new_versions() {
    let mut s = seeded();
    let before = s.process(100).unwrap().clone();
    s.set_cgroups(
        5,
        100,
        &[Cgroup {
            subsys: Vec::new(),
            path: format!("/system.slice/docker-{HEX}.scope").into_bytes(),
        }],
    );
    let moved = s.process(100).unwrap().clone();
    assert_ne!(moved.id, before.id);
    assert_eq!(moved.container.as_ref().unwrap().runtime, b"docker");
    s.syscall(&call(
        100,
        Kind::Setuid,
        0,
        Args::SetIds {
            ids: [0, u32::MAX, u32::MAX],
        },
    ));
    let p = s.process(100).unwrap();
    assert_eq!(p.euid, 0);
    assert_eq!(
        p.uid, 1000,
        "an unprivileged setuid only changes the effective uid"
    );
}

/// The session id is what setsid returned (libsinsp's `parse_setsid_exit`): in a pid
/// namespace that is the caller's number there, not its host pid.
#[test]
fn setsid_takes_the_session_id_it_returned() {
    let mut s = seeded();
    s.syscall(&call(100, Kind::Setsid, 1, Args::None));
    let p = s.process(100).unwrap();
    assert_eq!((p.sid, p.pgid), (1, 100));
    s.syscall(&call(100, Kind::Setsid, -1, Args::None));
    assert_eq!(
        s.process(100).unwrap().sid,
        1,
        "a failed setsid changes nothing"
    );
}

#[test]
fn generic_syscalls_libsinsp_gives_an_fd_carry_it() {
    let mut s = seeded();
    // fstat(3): generic, first argument the fd.
    let fstat = Args::Generic {
        nr: 5,
        args: [3, 0, 0, 0, 0, 0],
    };
    let ev = s.syscall(&call(100, Kind::Generic, 0, fstat.clone()));
    assert_eq!(ev.fd.map(|f| f.name.clone()), Some(b"/etc".to_vec()));
    // The same without recorded arguments (an old capture's generic event): no fd.
    let ev = s.syscall(&Syscall {
        flags: rtsec_format::wire::event_flags::ARG_UNREADABLE,
        ..call(100, Kind::Generic, 0, fstat)
    });
    assert!(ev.fd.is_none());
    // futex takes no fd.
    let futex = Args::Generic {
        nr: 202,
        args: [3, 0, 0, 0, 0, 0],
    };
    assert!(s.syscall(&call(100, Kind::Generic, 0, futex)).fd.is_none());
}

#[test]
fn datagrams_give_a_socket_its_endpoints() {
    let mut s = seeded();
    let udp = Args::Socket {
        domain: 2,
        ty: 2,
        proto: 0,
    };
    s.syscall(&call(100, Kind::Socket, 5, udp));
    assert!(s.fd(100, 5).unwrap().client.is_none());
    let server: std::net::SocketAddr = "10.0.0.53:53".parse().unwrap();
    let sendto = Syscall {
        sock: Some(SockInfo::Inet {
            proto: L4Proto::Udp,
            local: "10.0.0.7:40000".parse().unwrap(),
            remote: "0.0.0.0:0".parse().unwrap(),
        }),
        ..call(
            100,
            Kind::Sendto,
            12,
            Args::Io {
                fd: 5,
                size: 12,
                pos: 0,
                addr: SockAddr::Inet {
                    ip: server.ip(),
                    port: server.port(),
                },
                data: b"question",
            },
        )
    };
    let ev = s.syscall(&sendto);
    let renamed = ev.flags & event_flags::FD_NAME_CHANGED != 0;
    let fd = ev.fd.unwrap();
    assert_eq!(fd.server, Some(server));
    assert_eq!(fd.client, Some("10.0.0.7:40000".parse().unwrap()));
    assert_eq!(fd.name, b"10.0.0.7:40000->10.0.0.53:53");
    assert_eq!(fd.l4proto, L4Proto::Udp);
    // libsinsp's fd.name_changed: the datagram named the socket; the next one to the same
    // peer does not rename it.
    assert!(renamed);
    let ev = s.syscall(&sendto);
    assert_eq!(ev.flags & event_flags::FD_NAME_CHANGED, 0);
}

/// libsinsp marks an IP socket connected on any successful read or write (parse_read_exit,
/// parse_write_exit); a failed one leaves it as it was.
#[test]
fn reads_and_writes_on_ip_sockets_connect_them() {
    let mut s = seeded();
    let connected = |s: &State, fd| s.fd(100, fd).unwrap().flags & fd_flags::CONNECTED != 0;
    let io = |kind, res, fd| {
        call(
            100,
            kind,
            res,
            Args::Io {
                fd,
                size: 4,
                pos: 0,
                addr: SockAddr::None,
                data: b"ping",
            },
        )
    };
    let udp = Args::Socket {
        domain: 2,
        ty: 2,
        proto: 0,
    };
    s.syscall(&call(100, Kind::Socket, 5, udp));
    assert!(!connected(&s, 5));
    s.syscall(&io(Kind::Write, -111, 5));
    assert!(!connected(&s, 5), "a failed write");
    let ev = s.syscall(&io(Kind::Write, 4, 5));
    assert!(
        ev.fd.unwrap().flags & fd_flags::CONNECTED != 0,
        "as the event sees it"
    );
    assert!(connected(&s, 5));

    let unix = Args::Socket {
        domain: 1,
        ty: 1,
        proto: 0,
    };
    s.syscall(&call(100, Kind::Socket, 6, unix));
    s.syscall(&io(Kind::Read, 4, 6));
    assert!(!connected(&s, 6), "only IP sockets");
}

#[test]
fn events_that_name_their_fd_say_so() {
    let mut s = seeded();
    let renamed = |ev: &NewEvent<'_>| ev.flags & event_flags::FD_NAME_CHANGED != 0;
    let open = |res| {
        call(
            100,
            Kind::Openat,
            res,
            Args::Open {
                dirfd: AT_FDCWD,
                path: path(b"/etc/hosts"),
                flags: 0,
                mode: 0,
                resolve: 0,
                dev: 0,
                ino: 0,
            },
        )
    };
    assert!(renamed(&s.syscall(&open(7))), "a new fd with a name");
    assert!(!renamed(&s.syscall(&call(
        100,
        Kind::Read,
        1,
        Args::Fd { fd: 7 }
    ))));
    assert!(!renamed(&s.syscall(&open(-2))), "no fd: a failed open");
    let tcp = Args::Socket {
        domain: 2,
        ty: 1,
        proto: 0,
    };
    assert!(
        !renamed(&s.syscall(&call(100, Kind::Socket, 8, tcp))),
        "no name yet"
    );
    let bind0 = Args::Connect {
        fd: 8,
        addr: SockAddr::Inet {
            ip: "0.0.0.0".parse().unwrap(),
            port: 0,
        },
    };
    // libsinsp names a socket bound to port 0 by the address, as a server socket it is not.
    let ev = s.syscall(&call(100, Kind::Bind, 0, bind0));
    assert!(renamed(&ev));
    assert_eq!(ev.fd.unwrap().name, b"0.0.0.0:0");
    assert!(ev.fd.unwrap().server.is_none());
}

#[test]
fn ipv4_mapped_sockets_are_ipv4_and_port_0_binds_make_no_server() {
    let mut s = seeded();
    s.syscall(&call(
        100,
        Kind::Socket,
        6,
        Args::Socket {
            domain: 10,
            ty: 1,
            proto: 0,
        },
    ));
    let bind0 = Args::Connect {
        fd: 6,
        addr: SockAddr::Inet {
            ip: "::".parse().unwrap(),
            port: 0,
        },
    };
    s.syscall(&call(100, Kind::Bind, 0, bind0));
    assert!(s.fd(100, 6).unwrap().server.is_none());
    let accept = Syscall {
        sock: Some(SockInfo::Inet {
            proto: L4Proto::Tcp,
            local: "[::ffff:127.0.0.1]:9000".parse().unwrap(),
            remote: "[::ffff:127.0.0.1]:44292".parse().unwrap(),
        }),
        ..call(
            100,
            Kind::Accept4,
            7,
            Args::Accept {
                fd: 6,
                flags: 0,
                addr: SockAddr::None,
            },
        )
    };
    let ev = s.syscall(&accept);
    let fd = ev.fd.unwrap();
    assert_eq!(fd.ty, FdType::Ipv4);
    assert_eq!(fd.client, Some("127.0.0.1:44292".parse().unwrap()));
    assert_eq!(fd.server, Some("127.0.0.1:9000".parse().unwrap()));
}

#[test]
fn late_container_metadata_and_getcwd_make_new_versions() {
    let mut s = seeded();
    s.set_cgroups(
        5,
        100,
        &[Cgroup {
            subsys: Vec::new(),
            path: format!("/docker/{HEX}").into_bytes(),
        }],
    );
    let bare = s.process(100).unwrap().clone();
    assert!(bare.container.as_ref().unwrap().image.is_none());
    s.seed_container(rtsec_format::ContainerInfo {
        container_id: HEX.as_bytes()[..12].to_vec(),
        full_id: HEX.as_bytes().to_vec(),
        image: Some(b"nginx:latest".to_vec()),
        ..Default::default()
    });
    let p = s.process(100).unwrap().clone();
    assert_ne!(p.id, bare.id);
    assert_eq!(
        p.container.as_ref().unwrap().image.as_deref(),
        Some(&b"nginx:latest"[..])
    );
    s.set_cwd(9, 100, b"/srv");
    assert_eq!(s.process(100).unwrap().cwd, b"/srv/");
}

#[test]
fn capabilities_the_source_could_not_read_change_nothing() {
    let mut s = seeded();
    let before = s.process(100).unwrap().clone();
    s.syscall(&Syscall {
        flags: rtsec_format::wire::event_flags::ARG_UNREADABLE,
        ..call(
            100,
            Kind::Capset,
            0,
            Args::Capset {
                inheritable: 0,
                permitted: 0,
                effective: 0,
            },
        )
    });
    assert_eq!(s.process(100).unwrap().id, before.id);
}

/// A task that creates or joins a user namespace holds every capability in it (libsinsp's
/// `parse_unshare_setns_exit`); other namespaces and failed calls change nothing.
#[test]
fn a_new_user_namespace_gives_every_capability() {
    let mut s = seeded();
    let caps = |s: &State| {
        let p = s.process(100).unwrap();
        (p.cap_inheritable, p.cap_permitted, p.cap_effective)
    };
    let ns = |kind, res, fd, flags| call(100, kind, res, Args::Namespace { fd, flags });
    let before = caps(&s);
    s.syscall(&ns(Kind::Unshare, 0, -1, 0x0002_0000)); // CLONE_NEWNS
    s.syscall(&ns(Kind::Unshare, -1, -1, 0x1000_0000)); // EPERM
    assert_eq!(caps(&s), before);
    s.syscall(&ns(Kind::Unshare, 0, -1, 0x1000_0000 | 0x0002_0000));
    let all = s.all_caps;
    assert_eq!(caps(&s), (all, all, all));
    assert_eq!(
        all.count_ones(),
        s.all_caps.trailing_ones(),
        "a mask of the low bits"
    );
    assert!(all.count_ones() >= 38, "{all:x}");
}

#[test]
fn an_orphan_is_reparented_to_the_parent_the_source_names() {
    let mut s = seeded();
    // bash (100) forks 200, which forks 300; 200 exits and the kernel hands 300 to init.
    for (tid, ppid, parent_tid) in [(200, 100, 101), (300, 200, 200)] {
        s.fork(&Fork {
            ts: 10,
            parent_tid,
            tid,
            pid: tid,
            ppid,
            facts: None,
            image: None,
        });
    }
    s.exit(&Exit {
        ts: 20,
        tid: 200,
        pid: 200,
        group_dead: Some(true),
        ..Default::default()
    });
    assert_eq!(s.children_of(200), vec![300]);
    assert!(s.children_of(300).is_empty());
    let before = s.process(300).unwrap().id;
    s.reparent(300, 1, 21);
    let getpid = Args::Generic {
        nr: 39,
        args: [0; 6],
    };
    let ev = s.syscall(&call(300, Kind::Generic, 300, getpid));
    let p = ev.proc.unwrap();
    assert_eq!(p.ppid, 1);
    assert_eq!(
        p.parent.as_ref().map(|p| p.comm.clone()),
        Some(b"init".to_vec())
    );
    assert_ne!(p.id, before, "a new process version");
    assert_eq!(s.stats().reparented, 1);
    // The same parent again, or an unknown one: no new version.
    let id = s.process(300).unwrap().id;
    s.reparent(300, 1, 22);
    s.reparent(300, 0, 22);
    assert_eq!(s.process(300).unwrap().id, id);
    assert_eq!(s.stats().reparented, 1);
    assert!(s.children_of(200).is_empty());
}

/// A removed or replaced executable's ` (deleted)` suffix is not part of `proc.exepath`, as in
/// libsinsp (`/proc/PID/exe` of a daemon started before its package was upgraded).
#[test]
fn a_deleted_executable_keeps_its_path() {
    let mut s = seeded();
    s.seed_process(ProcessSeed {
        pid: 300,
        ppid: 1,
        comm: b"sshd".to_vec(),
        exepath: b"/usr/sbin/sshd (deleted)".to_vec(),
        ..Default::default()
    });
    s.finish_seeding();
    assert_eq!(s.process(300).unwrap().exepath, b"/usr/sbin/sshd");
    s.exec(&Exec {
        ts: 30,
        tid: 300,
        pid: 300,
        exe: b"x",
        exepath: b"/memfd:x (deleted)",
        ..Default::default()
    });
    assert_eq!(s.process(300).unwrap().exepath, b"/memfd:x");
    // Only a suffix, and not the whole name.
    s.exec(&Exec {
        ts: 40,
        tid: 300,
        pid: 300,
        exe: b"x",
        exepath: b" (deleted)",
        ..Default::default()
    });
    assert_eq!(s.process(300).unwrap().exepath, b" (deleted)");
}
