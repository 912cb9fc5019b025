//! What is written is what is read: every event kind, every record type, odd strings (empty,
//! non-UTF-8, 64 KiB), 10 000 argv entries, across block boundaries.

mod common;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use rtsec_format::{
    Args, ContainerInfo, FdInfo, FdType, GroupInfo, Header, Kind, L4Proto, LocalSide, MountInfo,
    NewEvent, PathArg, ProcessInfo, SockAddr, TraceReader, TraceWriter, UserInfo, WriterOptions,
};

use common::{OwnedEvent, owned, owned_from};

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => Just(Vec::new()),
        6 => "[a-z/._-]{1,40}".prop_map(String::into_bytes),
        3 => vec(any::<u8>(), 1..24),
        1 => vec(any::<u8>(), 200..400),
    ]
}

fn path() -> impl Strategy<Value = PathArg<Vec<u8>>> {
    prop_oneof![
        bytes().prop_map(|b| PathArg {
            raw: b.clone(),
            resolved: b
        }),
        (bytes(), bytes()).prop_map(|(raw, resolved)| PathArg { raw, resolved }),
    ]
}

fn ip() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(|a| IpAddr::V4(Ipv4Addr::from(a))),
        any::<[u8; 16]>().prop_map(|a| IpAddr::V6(Ipv6Addr::from(a))),
    ]
}

fn sockaddr() -> impl Strategy<Value = SockAddr<Vec<u8>>> {
    prop_oneof![
        Just(SockAddr::None),
        (ip(), any::<u16>()).prop_map(|(ip, port)| SockAddr::Inet { ip, port }),
        bytes().prop_map(|path| SockAddr::Unix { path }),
        any::<u16>().prop_map(|family| SockAddr::Other { family }),
    ]
}

fn kind_of(kinds: &'static [Kind]) -> impl Strategy<Value = Kind> {
    proptest::sample::select(kinds)
}

/// Every argument shape, with every kind it may be recorded as.
fn args() -> impl Strategy<Value = (Kind, Args<Vec<u8>>)> {
    use Kind as K;
    let i = any::<i64>;
    let u = any::<u32>;
    prop_oneof![
        kind_of(&[K::Setsid, K::Clone, K::Fork]).prop_map(|k| (k, Args::None)),
        (any::<u16>(), any::<[u64; 6]>())
            .prop_map(|(nr, args)| (K::Generic, Args::Generic { nr, args })),
        (kind_of(&[K::Execve, K::Execveat]), i(), path(), u()).prop_map(
            |(k, dirfd, filename, flags)| (
                k,
                Args::Exec {
                    dirfd,
                    filename,
                    flags
                }
            )
        ),
        (
            kind_of(&[K::Clone, K::Clone3, K::Fork, K::Vfork]),
            any::<u64>()
        )
            .prop_map(|(k, flags)| (k, Args::Clone { flags })),
        (i(), u(), any::<bool>())
            .prop_map(|(code, sig, core)| (K::ProcExit, Args::Exit { code, sig, core })),
        (
            kind_of(&[K::Open, K::Openat, K::Openat2, K::Creat, K::OpenByHandleAt]),
            i(),
            path(),
            u(),
            u(),
            any::<u64>(),
            u(),
            any::<u64>()
        )
            .prop_map(|(k, dirfd, path, flags, mode, resolve, dev, ino)| (
                k,
                Args::Open {
                    dirfd,
                    path,
                    flags,
                    mode,
                    resolve,
                    dev,
                    ino
                }
            )),
        (kind_of(&[K::Close, K::Fchdir]), i()).prop_map(|(k, fd)| (k, Args::Fd { fd })),
        (kind_of(&[K::Connect, K::Bind]), i(), sockaddr())
            .prop_map(|(k, fd, addr)| (k, Args::Connect { fd, addr })),
        (kind_of(&[K::Accept, K::Accept4]), i(), u(), sockaddr())
            .prop_map(|(k, fd, flags, addr)| (k, Args::Accept { fd, flags, addr })),
        (i(), any::<i32>()).prop_map(|(fd, backlog)| (K::Listen, Args::Listen { fd, backlog })),
        (u(), u(), u())
            .prop_map(|(domain, ty, proto)| (K::Socket, Args::Socket { domain, ty, proto })),
        (u(), u(), u(), i(), i()).prop_map(|(domain, ty, proto, fd1, fd2)| (
            K::Socketpair,
            Args::Socketpair {
                domain,
                ty,
                proto,
                fd1,
                fd2
            }
        )),
        (
            kind_of(&[
                K::Sendto,
                K::Sendmsg,
                K::Recvfrom,
                K::Recvmsg,
                K::Read,
                K::Write,
                K::Pread,
                K::Pwrite,
                K::Readv,
                K::Writev,
                K::Preadv,
                K::Pwritev
            ]),
            i(),
            any::<u64>(),
            // Offset 0 is stored without its column: both shapes.
            prop_oneof![Just(0u64), any::<u64>()],
            sockaddr(),
            bytes()
        )
            .prop_map(|(k, fd, size, pos, addr, data)| (
                k,
                Args::Io {
                    fd,
                    size,
                    pos,
                    addr,
                    data
                }
            )),
        (kind_of(&[K::Dup, K::Dup2, K::Dup3]), i(), i(), u()).prop_map(
            |(k, oldfd, newfd, flags)| (
                k,
                Args::Dup {
                    oldfd,
                    newfd,
                    flags
                }
            )
        ),
        (
            kind_of(&[
                K::Unlink,
                K::Unlinkat,
                K::Mkdir,
                K::Mkdirat,
                K::Rmdir,
                K::Chdir,
                K::Chroot,
                K::Chmod,
                K::Fchmod,
                K::Fchmodat
            ]),
            i(),
            path(),
            u(),
            u()
        )
            .prop_map(|(k, dirfd, path, flags, mode)| (
                k,
                Args::Path {
                    dirfd,
                    path,
                    flags,
                    mode
                }
            )),
        (
            kind_of(&[K::Rename, K::Renameat, K::Renameat2, K::Link, K::Linkat]),
            i(),
            path(),
            i(),
            path(),
            u()
        )
            .prop_map(|(k, olddirfd, oldpath, newdirfd, newpath, flags)| (
                k,
                Args::TwoPaths {
                    olddirfd,
                    oldpath,
                    newdirfd,
                    newpath,
                    flags
                }
            )),
        (kind_of(&[K::Symlink, K::Symlinkat]), bytes(), i(), path()).prop_map(
            |(k, target, linkdirfd, linkpath)| (
                k,
                Args::Symlink {
                    target,
                    linkdirfd,
                    linkpath
                }
            )
        ),
        (
            kind_of(&[K::Chown, K::Lchown, K::Fchown, K::Fchownat]),
            i(),
            path(),
            u(),
            u(),
            u()
        )
            .prop_map(|(k, dirfd, path, uid, gid, flags)| (
                k,
                Args::Chown {
                    dirfd,
                    path,
                    uid,
                    gid,
                    flags
                }
            )),
        (
            kind_of(&[
                K::Setuid,
                K::Setgid,
                K::Setresuid,
                K::Setresgid,
                K::Setreuid,
                K::Setregid
            ]),
            any::<[u32; 3]>()
        )
            .prop_map(|(k, ids)| (k, Args::SetIds { ids })),
        (u(), i(), any::<u64>(), any::<u64>()).prop_map(|(request, pid, addr, data)| (
            K::Ptrace,
            Args::Ptrace {
                request,
                pid,
                addr,
                data
            }
        )),
        (bytes(), path(), bytes(), any::<u64>()).prop_map(|(source, target, fstype, flags)| (
            K::Mount,
            Args::Mount {
                source,
                target,
                fstype,
                flags
            }
        )),
        (path(), u()).prop_map(|(target, flags)| (K::Umount2, Args::Umount { target, flags })),
        (kind_of(&[K::Kill, K::Tkill, K::Tgkill]), i(), i(), u())
            .prop_map(|(k, pid, tid, sig)| (k, Args::Kill { pid, tid, sig })),
        (any::<u64>(), bytes())
            .prop_map(|(len, uargs)| (K::InitModule, Args::InitModule { len, uargs })),
        (i(), bytes(), u()).prop_map(|(fd, uargs, flags)| (
            K::FinitModule,
            Args::FinitModule { fd, uargs, flags }
        )),
        (bytes(), u())
            .prop_map(|(name, flags)| (K::DeleteModule, Args::DeleteModule { name, flags })),
        any::<i32>().prop_map(|cmd| (K::Bpf, Args::Bpf { cmd })),
        (bytes(), u())
            .prop_map(|(name, flags)| (K::MemfdCreate, Args::MemfdCreate { name, flags })),
        (
            kind_of(&[K::Mmap, K::Mprotect]),
            any::<u64>(),
            any::<u64>(),
            u(),
            u(),
            i(),
            any::<u64>()
        )
            .prop_map(|(k, addr, len, prot, flags, fd, offset)| (
                k,
                Args::Mmap {
                    addr,
                    len,
                    prot,
                    flags,
                    fd,
                    offset
                }
            )),
        (kind_of(&[K::Unshare, K::Setns]), i(), u())
            .prop_map(|(k, fd, flags)| (k, Args::Namespace { fd, flags })),
        any::<[u64; 3]>().prop_map(|c| (
            K::Capset,
            Args::Capset {
                inheritable: c[0],
                permitted: c[1],
                effective: c[2]
            }
        )),
        (any::<i32>(), bytes(), i()).prop_map(|(option, arg2_str, arg2_int)| (
            K::Prctl,
            Args::Prctl {
                option,
                arg2_str,
                arg2_int
            }
        )),
        u().prop_map(|flags| (K::Userfaultfd, Args::Flags { flags })),
        any::<[u32; 7]>().prop_map(|v| (
            K::IoUringSetup,
            Args::IoUringSetup {
                entries: v[0],
                sq_entries: v[1],
                cq_entries: v[2],
                flags: v[3],
                sq_thread_cpu: v[4],
                sq_thread_idle: v[5],
                features: v[6]
            }
        )),
        (kind_of(&[K::ProcessVmReadv, K::ProcessVmWritev]), i())
            .prop_map(|(k, pid)| (k, Args::ProcessVm { pid })),
        (kind_of(&[K::Pipe, K::Pipe2]), i(), i(), u())
            .prop_map(|(k, fd1, fd2, flags)| (k, Args::Pipe { fd1, fd2, flags })),
        (i(), i()).prop_map(|(pid, pgid)| (K::Setpgid, Args::Setpgid { pid, pgid })),
        (i(), u(), any::<u64>())
            .prop_map(|(fd, cmd, arg)| (K::Fcntl, Args::Fcntl { fd, cmd, arg })),
    ]
}

fn container() -> impl Strategy<Value = Arc<ContainerInfo>> {
    (
        any::<u64>(),
        bytes(),
        proptest::option::of(bytes()),
        proptest::option::of(any::<bool>()),
        vec((bytes(), bytes()), 0..4),
        vec((bytes(), bytes(), any::<bool>()), 0..3),
        proptest::option::of(ip()),
        any::<u64>(),
    )
        .prop_map(
            |(id, cid, image, privileged, labels, mounts, ip, start_ts)| {
                Arc::new(ContainerInfo {
                    id: id | 1 << 63, // never equal to another type's ids below
                    container_id: cid.clone(),
                    full_id: cid,
                    runtime: b"docker".to_vec(),
                    name: image.clone(),
                    image_repository: image.clone(),
                    image,
                    privileged,
                    labels,
                    mounts: mounts
                        .into_iter()
                        .map(|(source, dest, rw)| MountInfo {
                            source,
                            dest,
                            mode: b"rw".to_vec(),
                            rw,
                            propagation: Vec::new(),
                        })
                        .collect(),
                    ip,
                    start_ts,
                    ..Default::default()
                })
            },
        )
}

fn process(depth: u32) -> BoxedStrategy<Arc<ProcessInfo>> {
    let leaf = (
        any::<i64>(),
        bytes(),
        vec(bytes(), 0..12),
        proptest::option::of(container()),
        any::<[u32; 6]>(),
        any::<[u64; 5]>(),
        any::<u64>(),
    )
        .prop_map(|(pid, comm, args, container, ids, caps, ts)| {
            let user = container.clone().map(|c| {
                Arc::new(UserInfo {
                    id: ts ^ 7,
                    container: Some(c),
                    uid: ids[1],
                    gid: ids[2],
                    name: b"www-data".to_vec(),
                    home: b"/var/www".to_vec(),
                    shell: Vec::new(),
                })
            });
            let group = Some(Arc::new(GroupInfo {
                id: ts ^ 9,
                container: None,
                gid: ids[2],
                name: b"staff".to_vec(),
            }));
            ProcessInfo {
                id: ts,
                pid,
                ppid: pid.wrapping_sub(1),
                vpid: pid % 1000,
                sid: pid,
                pgid: pid.wrapping_add(3),
                vpgid: 7,
                exe: comm.clone(),
                exepath: comm.clone(),
                comm,
                env: args.iter().rev().cloned().collect(),
                args,
                tty: ids[0],
                uid: ids[1],
                gid: ids[2],
                euid: ids[3],
                egid: ids[4],
                loginuid: ids[5],
                cap_inheritable: caps[0],
                cap_permitted: caps[1],
                cap_effective: caps[2],
                exe_ino_ctime: caps[3],
                exe_ino_mtime: caps[4],
                start_ts: ts,
                exec_ts: ts.wrapping_add(5),
                container,
                loginuser: user.clone(),
                user,
                group,
                flags: ids[0] & 15,
                ..Default::default()
            }
        });
    if depth == 0 {
        leaf.prop_map(Arc::new).boxed()
    } else {
        (leaf, proptest::option::of(process(depth - 1)))
            .prop_map(|(mut p, parent)| {
                // Ids must be unique per record version: derive from the parent chain.
                if let Some(par) = &parent {
                    p.id = par.id.wrapping_mul(31).wrapping_add(17) | 1;
                }
                p.parent = parent;
                Arc::new(p)
            })
            .boxed()
    }
}

fn fd() -> impl Strategy<Value = Arc<FdInfo>> {
    (
        any::<u64>(),
        any::<i64>(),
        proptest::sample::select(FdType::ALL.to_vec()),
        path(),
        proptest::option::of((ip(), any::<u16>())),
        proptest::option::of((ip(), any::<u16>())),
        any::<[u64; 3]>(),
    )
        .prop_map(|(id, num, ty, name, client, server, misc)| {
            Arc::new(FdInfo {
                id,
                num,
                ty,
                name: name.resolved,
                nameraw: name.raw,
                open_flags: misc[0] as u32,
                l4proto: L4Proto::ALL[(misc[0] % 5) as usize],
                client: client.map(|(ip, p)| SocketAddr::new(ip, p)),
                server: server.map(|(ip, p)| SocketAddr::new(ip, p)),
                local: LocalSide::ALL[(misc[1] % 3) as usize],
                unix_source: misc[1],
                unix_dest: misc[2],
                dev: misc[2] as u32,
                ino: misc[0],
                flags: misc[1] as u32 & 15,
            })
        })
}

type Input = (
    u64,
    i64,
    u16,
    u8,
    i64,
    Option<Arc<ProcessInfo>>,
    Option<Arc<FdInfo>>,
    (Kind, Args<Vec<u8>>),
);

fn event() -> impl Strategy<Value = Input> {
    (
        any::<u64>(),
        any::<i64>(),
        any::<u16>(),
        any::<u8>(),
        any::<i64>(),
        proptest::option::of(process(3)),
        proptest::option::of(fd()),
        args(),
    )
}

/// Writes `events` (small blocks, so many block boundaries) and reads them back.
fn round_trip(events: &[OwnedEvent], block_bytes: usize) -> Vec<OwnedEvent> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.rts");
    let opts = WriterOptions {
        block_bytes,
        block_span_ns: u64::MAX,
        ..Default::default()
    };
    let mut w = TraceWriter::create(&path, &Header::default(), opts).unwrap();
    for e in events {
        w.push(&NewEvent {
            ts: e.ts,
            tid: e.tid,
            cpu: e.cpu,
            kind: e.kind,
            flags: e.flags,
            res: e.res,
            proc: e.proc.as_ref(),
            fd: e.fd.as_ref(),
            args: e.args.map(|s| &s[..]),
        })
        .unwrap();
    }
    let (summary, _) = w.finish().unwrap();
    assert_eq!(summary.events, events.len() as u64);
    let r = TraceReader::open(&path).unwrap();
    assert_eq!(r.footer().unwrap().events, events.len() as u64);
    let mut out = Vec::new();
    let notices = r
        .for_each_block(false, |b| out.extend(b.events().map(|e| owned(&e))))
        .unwrap();
    assert!(notices.is_empty(), "{notices:?}");
    out
}

fn to_owned(input: Vec<Input>) -> Vec<OwnedEvent> {
    input
        .into_iter()
        .map(
            |(ts, tid, cpu, flags, res, proc, fd, (kind, args))| OwnedEvent {
                ts,
                tid,
                cpu,
                kind,
                flags,
                res,
                proc,
                fd,
                args,
            },
        )
        .collect()
}

// Record ids must be unique per version; random ones could collide. Give each its position.
fn unique_ids(events: &mut [OwnedEvent]) {
    fn renumber(p: &Arc<ProcessInfo>, n: &mut u64) -> Arc<ProcessInfo> {
        let mut q = (**p).clone();
        *n += 1;
        q.id = *n;
        q.parent = p.parent.as_ref().map(|a| renumber(a, n));
        if let Some(c) = &q.container {
            let mut c2 = (**c).clone();
            *n += 1;
            c2.id = *n;
            let c2 = Arc::new(c2);
            q.container = Some(c2.clone());
            for u in [&mut q.user, &mut q.loginuser].into_iter().flatten() {
                let mut u2 = (**u).clone();
                u2.container = Some(c2.clone());
                *n += 1;
                u2.id = *n;
                *u = Arc::new(u2);
            }
        }
        if let Some(g) = &q.group {
            let mut g2 = (**g).clone();
            *n += 1;
            g2.id = *n;
            q.group = Some(Arc::new(g2));
        }
        Arc::new(q)
    }
    let mut n = 0;
    for e in events {
        e.proc = e.proc.as_ref().map(|p| renumber(p, &mut n));
        if let Some(f) = &e.fd {
            let mut f2 = (**f).clone();
            n += 1;
            f2.id = n;
            e.fd = Some(Arc::new(f2));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn events_and_records_survive_the_file(input in vec(event(), 0..40), block in 200usize..5000) {
        let mut events = to_owned(input);
        unique_ids(&mut events);
        let back = round_trip(&events, block);
        prop_assert_eq!(back.len(), events.len());
        for (a, b) in events.iter().zip(&back) {
            prop_assert_eq!(a, b);
        }
    }
}

#[test]
fn every_kind_has_a_shape_in_the_strategy() {
    // The strategy above must cover all kinds: sample until each one has been seen.
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let mut seen = std::collections::HashSet::new();
    for _ in 0..20_000 {
        let (k, a) = args().new_tree(&mut runner).unwrap().current();
        assert!(a.fits(k), "{k:?} {a:?}");
        seen.insert(k);
    }
    let missing: Vec<_> = Kind::ALL.iter().filter(|k| !seen.contains(k)).collect();
    assert!(missing.is_empty(), "kinds never generated: {missing:?}");
}

#[test]
fn huge_paths_and_argv_round_trip() {
    let long: Vec<u8> = (0..64 * 1024).map(|i| b'a' + (i % 26) as u8).collect();
    let mut weird = long.clone();
    weird[100] = 0xff;
    weird[2000] = 0xc3;
    let argv: Vec<Vec<u8>> = (0..10_000)
        .map(|i| format!("arg-{i}-\u{e9}").into_bytes())
        .collect();
    let p = Arc::new(ProcessInfo {
        id: 1,
        pid: 42,
        comm: b"\xff\xfebin".to_vec(),
        exepath: long.clone(),
        args: argv,
        cwd: weird.clone(),
        ..Default::default()
    });
    let f = Arc::new(FdInfo {
        id: 2,
        num: 3,
        ty: FdType::File,
        name: weird.clone(),
        nameraw: long.clone(),
        ..Default::default()
    });
    let e = OwnedEvent {
        ts: 1,
        tid: 42,
        cpu: 0,
        kind: Kind::Openat,
        flags: 1,
        res: 3,
        proc: Some(p),
        fd: Some(f),
        args: Args::Open {
            dirfd: -100,
            path: PathArg {
                raw: long.clone(),
                resolved: weird,
            },
            flags: 0o100,
            mode: 0o644,
            resolve: 0,
            dev: 1,
            ino: 2,
        },
    };
    let events = vec![e.clone(), e];
    assert_eq!(round_trip(&events, 1 << 20), events);
}

#[test]
fn synthetic_mix_round_trips_through_many_blocks() {
    let mut events = Vec::new();
    rtsec_format::synth::generate(30_000, 3, |ev| events.push(owned_from(ev)));
    assert_eq!(round_trip(&events, 64 << 10), events);
}
