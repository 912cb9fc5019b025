//! The engine fed arbitrary sequences of what sources report — forks and execs of unknown or
//! dead tasks, syscalls on fds that were never opened or were closed, exits out of order,
//! failed calls, cut argvs, threads named apart from their process — must never panic, and
//! what it hands out must agree with its own tables: an event's process is the one the engine
//! says runs its thread, and a thread's own record differs from it in the thread's name and
//! start only.

use proptest::prelude::*;
use rtsec_format::{Args, Kind, SockAddr};

use super::input::{Exec, Exit, Fork, ForkImage, SockInfo, Syscall, TaskFacts};
use super::*;

/// Thread ids the sequences draw from: few, so that they meet.
const TIDS: [i64; 6] = [100, 101, 200, 201, 300, 301];

/// Names a fork may report for the new task (the seeded process is `bash`).
const NAMES: [&[u8]; 3] = [b"bash", b"worker", b"pool-1"];

#[derive(Clone, Debug)]
enum Op {
    Fork {
        parent: usize,
        child: usize,
        thread: bool,
        argv: Option<(Vec<u8>, Vec<u8>, bool)>,
        name: Option<usize>,
    },
    Exec {
        tid: usize,
        exe: Vec<u8>,
        args: Vec<u8>,
    },
    Call {
        tid: usize,
        call: u8,
        fd: i64,
        res: i64,
        flags: u32,
    },
    Exit {
        tid: usize,
        group_dead: Option<bool>,
    },
    Reparent {
        pid: usize,
        ppid: usize,
    },
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop_oneof![Just(0u8), Just(b' '), b'a'..=b'c'], 0..8)
}

fn op() -> impl Strategy<Value = Op> {
    let tid = 0..TIDS.len();
    prop_oneof![
        (
            tid.clone(),
            tid.clone(),
            any::<bool>(),
            prop::option::of((bytes(), bytes(), any::<bool>())),
            prop::option::of(0..NAMES.len()),
        )
            .prop_map(|(parent, child, thread, argv, name)| Op::Fork {
                parent,
                child,
                thread,
                argv,
                name,
            }),
        (tid.clone(), bytes(), bytes()).prop_map(|(tid, exe, args)| Op::Exec { tid, exe, args }),
        (tid.clone(), 0u8..16, -1i64..6, -2i64..6, any::<u32>()).prop_map(
            |(tid, call, fd, res, flags)| Op::Call {
                tid,
                call,
                fd,
                res,
                flags
            }
        ),
        (tid.clone(), prop::option::of(any::<bool>()))
            .prop_map(|(tid, group_dead)| Op::Exit { tid, group_dead }),
        (tid.clone(), tid).prop_map(|(pid, ppid)| Op::Reparent { pid, ppid }),
    ]
}

/// The syscall `call` picks, with arguments that fit its kind.
fn syscall(call: u8, fd: i64, res: i64, flags: u32) -> (Kind, Args<&'static [u8]>) {
    let peer: SockAddr<&'static [u8]> = SockAddr::Inet {
        ip: "10.0.0.1".parse().unwrap(),
        port: 53,
    };
    let io = |addr| Args::Io {
        fd,
        size: 4,
        pos: 0,
        addr,
        data: &b"data"[..],
    };
    match call {
        0 => (
            Kind::Socket,
            Args::Socket {
                domain: [1, 2, 10][fd.rem_euclid(3) as usize],
                ty: 1 + (flags & 1),
                proto: 0,
            },
        ),
        1 => (
            Kind::Socketpair,
            Args::Socketpair {
                domain: 1,
                ty: 1,
                proto: 0,
                fd1: fd,
                fd2: fd + 1,
            },
        ),
        2 => (Kind::Close, Args::Fd { fd }),
        3 => (
            Kind::Dup3,
            Args::Dup {
                oldfd: fd,
                newfd: res,
                flags,
            },
        ),
        4 => (Kind::Read, io(SockAddr::None)),
        5 => (Kind::Write, io(SockAddr::None)),
        6 => (Kind::Sendto, io(peer)),
        7 => (Kind::Recvfrom, io(peer)),
        8 => (Kind::Connect, Args::Connect { fd, addr: peer }),
        9 => (Kind::Bind, Args::Connect { fd, addr: peer }),
        10 => (
            Kind::Accept4,
            Args::Accept {
                fd,
                flags: 0,
                addr: peer,
            },
        ),
        11 => (Kind::Unshare, Args::Namespace { fd: -1, flags }),
        12 => (Kind::Setns, Args::Namespace { fd, flags }),
        13 => (
            Kind::Capset,
            Args::Capset {
                inheritable: 0,
                permitted: flags as u64,
                effective: flags as u64,
            },
        ),
        14 => (
            Kind::Pipe2,
            Args::Pipe {
                fd1: fd,
                fd2: fd + 1,
                flags,
            },
        ),
        _ => (
            Kind::Setresuid,
            Args::SetIds {
                ids: [flags, flags / 2, u32::MAX],
            },
        ),
    }
}

fn run(ops: &[Op]) {
    let mut s = State::new();
    s.seed_process(ProcessSeed {
        pid: 100,
        threads: vec![101],
        comm: b"bash".to_vec(),
        exe: b"bash".to_vec(),
        cwd: b"/".to_vec(),
        ..ProcessSeed::default()
    });
    s.finish_seeding();
    for (i, op) in ops.iter().enumerate() {
        let ts = 1_000 + i as u64;
        match op {
            Op::Fork {
                parent,
                child,
                thread,
                argv,
                name,
            } => {
                let (parent_tid, tid) = (TIDS[*parent], TIDS[*child]);
                let caller = s.pid_of(parent_tid).unwrap_or(parent_tid);
                s.fork(&Fork {
                    ts,
                    parent_tid,
                    tid,
                    pid: if *thread { caller } else { tid },
                    ppid: caller,
                    facts: name.map(|n| TaskFacts {
                        comm: NAMES[n],
                        ..TaskFacts::default()
                    }),
                    image: argv.as_ref().map(|(exe, args, cut)| ForkImage {
                        exe,
                        args,
                        cwd: b"",
                        args_truncated: *cut,
                    }),
                });
            }
            Op::Exec { tid, exe, args } => {
                let tid = TIDS[*tid];
                s.exec(&Exec {
                    ts,
                    tid,
                    pid: s.pid_of(tid).unwrap_or(tid),
                    exe,
                    args,
                    ..Exec::default()
                });
            }
            &Op::Call {
                tid,
                call,
                fd,
                res,
                flags,
            } => {
                let tid = TIDS[tid];
                let (kind, args) = syscall(call, fd, res, flags);
                let sock = (call == 8 || call == 10).then(|| SockInfo::Inet {
                    proto: rtsec_format::L4Proto::Tcp,
                    local: "10.0.0.2:4000".parse().unwrap(),
                    remote: "10.0.0.1:53".parse().unwrap(),
                });
                let ev = s.syscall(&Syscall {
                    ts,
                    sock,
                    ..super::tests::call(tid, kind, res, args)
                });
                let proc = ev.proc.cloned();
                let pid = proc.as_ref().map(|p| p.pid);
                assert_eq!(pid, s.pid_of(tid), "the event's process runs its thread");
                let (Some(proc), Some(pid)) = (proc, pid) else {
                    continue;
                };
                let process = s.process(pid).expect("the event's process is live");
                if proc.flags & proc_flags::THREAD != 0 {
                    assert_ne!(tid, pid, "a leader has no record of its own");
                    assert!(
                        proc.comm != process.comm
                            || proc.start_ts != process.start_ts
                            || (&proc.exe, &proc.args) != (&process.exe, &process.args)
                            || Ids::of(&proc) != Ids::of(process),
                        "a thread's record has a name, start, program or ids of its own"
                    );
                    // Only the thread's name, start, program and ids (with the user and group
                    // they name) differ, and the leader names its record may add.
                    let renamed = ProcessInfo {
                        id: process.id,
                        uid: process.uid,
                        gid: process.gid,
                        euid: process.euid,
                        egid: process.egid,
                        user: process.user.clone(),
                        group: process.group.clone(),
                        comm: process.comm.clone(),
                        flags: process.flags,
                        sname: process.sname.clone(),
                        vpgid_name: process.vpgid_name.clone(),
                        start_ts: process.start_ts,
                        exe: process.exe.clone(),
                        args: process.args.clone(),
                        ..(*proc).clone()
                    };
                    assert_eq!(&renamed, &**process, "only the thread's own facts differ");
                    if !proc.sname.is_empty() {
                        assert_eq!(proc.sname, process.comm, "a leader is named by its process");
                    }
                } else {
                    assert!(Arc::ptr_eq(&proc, process), "else the process's record");
                }
            }
            &Op::Exit { tid, group_dead } => {
                let tid = TIDS[tid];
                s.exit(&Exit {
                    ts,
                    tid,
                    pid: s.pid_of(tid).unwrap_or(tid),
                    cpu: 0,
                    code: 0,
                    sig: 0,
                    core: false,
                    group_dead,
                });
            }
            &Op::Reparent { pid, ppid } => s.reparent(TIDS[pid], TIDS[ppid], ts),
        }
        // Each process counts the thread entries it has (exec and exit rely on it).
        for (pid, p) in &s.procs {
            let own = s
                .thread_records
                .values()
                .filter(|t| t.pid() == *pid)
                .count();
            assert_eq!(p.own_threads as usize, own, "process {pid}'s thread count");
        }
        for (tid, t) in &s.thread_records {
            assert!(
                s.procs.contains_key(&t.pid()),
                "thread {tid}'s process is live"
            );
        }
        // A process forked by a thread other than a leader has that thread's id as ppid
        // while the thread lives, and the thread's end hands it to the thread's process.
        for (pid, p) in &s.procs {
            if p.parent_thread != 0 {
                assert_eq!(p.info.ppid, p.parent_thread, "process {pid}'s ppid");
                assert!(
                    s.thread_records
                        .get(&p.parent_thread)
                        .is_some_and(|t| t.forked()),
                    "process {pid}'s parent thread is known to have forked"
                );
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_sequence_keeps_the_engine_whole(ops in prop::collection::vec(op(), 1..40)) {
        run(&ops);
    }
}
