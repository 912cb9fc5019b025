//! A realistic synthetic event mix, for benchmarks, tests and the sample trace: not a source of
//! truth about any machine, but shaped like a busy container host.
//!
//! The mix (by events): 70 % file opens and closes (paths of 30–80 bytes, drawn with a skew from a
//! pool of a few thousand, as real workloads reopen the same files), 15 % execs with 3–10 args
//! (command lines drawn with a skew from a pool, as health checks, cron jobs and scripts repeat),
//! 10 % connects and accepts (to and from a pool of peers, ephemeral ports random), 5 % other
//! (unlink, chmod, setuid, mmap, reads, ptrace, …). Processes run in bursts of 1–16 syscalls, as
//! scheduling makes them. The same seed always gives the same events.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use crate::args::{AT_FDCWD, Args, PathArg, SockAddr};
use crate::block::Block;
use crate::builder::{BlockBuilder, NewEvent};
use crate::kind::Kind;
use crate::record::{
    ContainerInfo, FdInfo, FdType, IdGen, L4Proto, LocalSide, ProcessInfo, UserInfo, fd_flags,
};

const PROCESSES: usize = 64;
const PATHS: usize = 4000;
const COMMAND_LINES: usize = 80;
const PEERS: usize = 48;
const START_TS: u64 = 1_764_000_000_000_000_000;

/// Generates `n` events from `seed` and hands each to `sink`.
pub fn generate(n: usize, seed: u64, mut sink: impl FnMut(&NewEvent<'_>)) {
    let mut s = Synth::new(seed);
    for _ in 0..n {
        s.step(&mut sink);
    }
}

/// `n` synthetic events as one in-memory block.
pub fn block(n: usize, seed: u64) -> Block {
    let mut b = BlockBuilder::default();
    generate(n, seed, |ev| {
        b.push(ev).expect("synthetic events fit their kinds")
    });
    let mut block = b.take();
    block.first_event_num = 1;
    block
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// Skewed towards 0: a few items are very common, most are rare.
    fn skewed(&mut self, n: usize) -> usize {
        let x = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((x * x * x) * n as f64) as usize % n
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const PROGRAMS: &[(&str, &str)] = &[
    ("bash", "/usr/bin/bash"),
    ("sh", "/usr/bin/dash"),
    ("python3", "/usr/bin/python3.11"),
    ("curl", "/usr/bin/curl"),
    ("nginx", "/usr/sbin/nginx"),
    ("java", "/usr/lib/jvm/java-17-openjdk-amd64/bin/java"),
    ("node", "/usr/local/bin/node"),
    ("cat", "/usr/bin/cat"),
    ("grep", "/usr/bin/grep"),
    ("ls", "/usr/bin/ls"),
    ("postgres", "/usr/lib/postgresql/15/bin/postgres"),
    ("kubelet", "/usr/bin/kubelet"),
];

const WORDS: &[&str] = &[
    "-c",
    "--config",
    "/etc/app/config.yaml",
    "-v",
    "--listen=0.0.0.0:8080",
    "run",
    "server",
    "--workers=4",
    "-jar",
    "/opt/app/service.jar",
    "https://api.internal.example.com/v1/health",
    "-o",
    "/dev/null",
    "--max-connections=512",
    "worker",
    "-Xmx2g",
    "index.js",
    "--log-level=info",
];

const DIRS: &[&str] = &[
    "/usr/lib/x86_64-linux-gnu/",
    "/var/lib/postgresql/15/main/base/16384/",
    "/proc/self/task/",
    "/etc/ssl/certs/",
    "/var/log/nginx/",
    "/usr/share/zoneinfo/Europe/",
    "/opt/app/node_modules/express/lib/",
    "/sys/fs/cgroup/kubepods.slice/",
    "/usr/lib/python3.11/site-packages/requests/",
    "/var/lib/kubelet/pods/3f2a9c1e-7d41/volumes/",
    "/home/app/.cache/pip/http/",
];

const STEMS: &[&str] = &[
    "libssl.so.3",
    "status",
    "ca-certificates.crt",
    "access.log",
    "segment-",
    "Berlin",
    "router",
    "memory.stat",
    "adapters.py",
    "token",
    "index",
];

struct Synth {
    rng: Rng,
    ids: IdGen,
    ts: u64,
    procs: Vec<Arc<ProcessInfo>>,
    paths: Vec<Vec<u8>>,
    containers: Vec<Option<Arc<ContainerInfo>>>,
    users: Vec<Arc<UserInfo>>,
    /// Open file fds, per process slot, waiting for their close.
    open: Vec<Vec<Arc<FdInfo>>>,
    next_fd: Vec<i64>,
    /// (program index, argv) of the command lines execs choose from.
    command_lines: Vec<(usize, Vec<Vec<u8>>)>,
    peers: Vec<(IpAddr, u16)>,
    slot: usize,
    burst_left: usize,
}

impl Synth {
    fn new(seed: u64) -> Self {
        let mut rng = Rng(seed ^ 0x5eed);
        let ids = IdGen::new();
        let mut containers: Vec<Option<Arc<ContainerInfo>>> = vec![None];
        for (i, (name, repo)) in [
            ("web-7d9f", "docker.io/library/nginx"),
            ("db-0", "docker.io/library/postgres"),
            ("api-5c44", "ghcr.io/example/api"),
        ]
        .iter()
        .enumerate()
        {
            let full: String = (0..64)
                .map(|j| b"0123456789abcdef"[(i * 7 + j * 13) % 16] as char)
                .collect();
            containers.push(Some(Arc::new(ContainerInfo {
                id: ids.next(),
                container_id: full[..12].into(),
                full_id: full.into(),
                runtime: b"containerd".to_vec(),
                name: Some(name.as_bytes().to_vec()),
                image: Some(format!("{repo}:1.{i}").into_bytes()),
                image_repository: Some(repo.as_bytes().to_vec()),
                image_tag: Some(format!("1.{i}").into_bytes()),
                privileged: Some(false),
                labels: vec![
                    (
                        b"io.kubernetes.pod.namespace".to_vec(),
                        b"production".to_vec(),
                    ),
                    (b"io.kubernetes.pod.name".to_vec(), name.as_bytes().to_vec()),
                ],
                ..Default::default()
            })));
        }
        let users = [
            (0, "root", "/root"),
            (33, "www-data", "/var/www"),
            (1000, "app", "/home/app"),
        ]
        .iter()
        .map(|&(uid, name, home)| {
            Arc::new(UserInfo {
                id: ids.next(),
                uid,
                gid: uid,
                name: name.into(),
                home: home.into(),
                shell: b"/bin/sh".to_vec(),
                container: None,
            })
        })
        .collect();
        let paths = (0..PATHS)
            .map(|i| {
                let dir = DIRS[i % DIRS.len()];
                let stem = STEMS[(i / DIRS.len()) % STEMS.len()];
                let mut p = format!("{dir}{stem}{:06}", i * 7919 % 1_000_000);
                // 30–80 bytes, as the mix specifies.
                let want = 30 + (i * 31) % 51;
                while p.len() < want {
                    p.push_str(".d");
                }
                p.truncate(want.max(30));
                p.into_bytes()
            })
            .collect();
        let command_lines = (0..COMMAND_LINES)
            .map(|_| {
                let nargs = 3 + rng.below(8);
                let argv = (0..nargs)
                    .map(|_| rng.pick(WORDS).as_bytes().to_vec())
                    .collect();
                (rng.below(PROGRAMS.len()), argv)
            })
            .collect();
        let peers = (0..PEERS)
            .map(|_| {
                let ip = IpAddr::V4(Ipv4Addr::new(
                    10,
                    (rng.below(4) + 1) as u8,
                    rng.below(256) as u8,
                    rng.below(254) as u8 + 1,
                ));
                (ip, *rng.pick(&[443u16, 80, 5432, 8080, 53, 6379]))
            })
            .collect();
        let mut s = Synth {
            rng: Rng(0),
            command_lines,
            peers,
            slot: 0,
            burst_left: 0,
            ids,
            ts: START_TS,
            procs: Vec::new(),
            paths,
            containers,
            users,
            open: vec![Vec::new(); PROCESSES],
            next_fd: vec![3; PROCESSES],
        };
        let init = Arc::new(ProcessInfo {
            id: s.ids.next(),
            pid: 1,
            vpid: 1,
            comm: b"systemd".to_vec(),
            exe: b"/sbin/init".to_vec(),
            exepath: b"/usr/lib/systemd/systemd".to_vec(),
            cwd: b"/".to_vec(),
            user: Some(s.users[0].clone()),
            loginuid: u32::MAX,
            ..Default::default()
        });
        // A few long-lived parents (shells, container shims) under init; the working
        // processes are their children, so process trees stay as shallow as real ones.
        let mut shells = Vec::new();
        for slot in 0..8 {
            shells.push(s.exec_record(&mut rng, slot, Some(init.clone())));
        }
        for slot in 0..PROCESSES {
            let p = s.exec_record(&mut rng, slot, Some(shells[slot % shells.len()].clone()));
            s.procs.push(p);
        }
        s.rng = rng;
        s
    }

    fn exec_record(
        &self,
        rng: &mut Rng,
        slot: usize,
        parent: Option<Arc<ProcessInfo>>,
    ) -> Arc<ProcessInfo> {
        let (prog, args) = if self.command_lines.is_empty() {
            (rng.below(PROGRAMS.len()), vec![b"--version".to_vec(); 3])
        } else {
            self.command_lines[rng.skewed(COMMAND_LINES)].clone()
        };
        let (comm, path) = PROGRAMS[prog];
        let container = self.containers[slot % self.containers.len()].clone();
        let user = self.users[slot % self.users.len()].clone();
        let pid = 1000 + slot as i64 * 17 + (rng.below(1000) as i64) * 100;
        Arc::new(ProcessInfo {
            id: self.ids.next(),
            pid,
            ppid: parent.as_ref().map_or(0, |p| p.pid),
            vpid: if container.is_some() {
                1 + slot as i64
            } else {
                pid
            },
            sid: pid,
            pgid: pid,
            vpgid: pid,
            comm: comm.into(),
            exe: path.into(),
            exepath: path.into(),
            args,
            cwd: b"/srv/app".to_vec(),
            sname: b"bash".to_vec(),
            uid: user.uid,
            gid: user.gid,
            euid: user.uid,
            egid: user.gid,
            loginuid: if slot.is_multiple_of(5) {
                1000
            } else {
                u32::MAX
            },
            cap_effective: if user.uid == 0 { 0x1ff_ffff_ffff } else { 0 },
            cap_permitted: if user.uid == 0 { 0x1ff_ffff_ffff } else { 0 },
            start_ts: self.ts,
            exec_ts: self.ts,
            container,
            user: Some(user),
            parent,
            tty: if slot.is_multiple_of(9) { 34816 } else { 0 },
            ..Default::default()
        })
    }

    fn step(&mut self, sink: &mut impl FnMut(&NewEvent<'_>)) {
        if self.burst_left == 0 {
            self.slot = self.rng.skewed(PROCESSES);
            self.burst_left = 1 + self.rng.below(16);
            self.ts += 2_000 + self.rng.below(20_000) as u64;
        } else {
            self.ts += 300 + self.rng.below(1200) as u64;
        }
        self.burst_left -= 1;
        let slot = self.slot;
        let roll = self.rng.below(100);
        match roll {
            0..70 => self.file(slot, sink),
            70..85 => self.exec(slot, sink),
            85..95 => self.net(slot, roll.is_multiple_of(2), sink),
            _ => self.other(slot, sink),
        }
    }

    fn ev<'a>(
        &self,
        slot: usize,
        kind: Kind,
        res: i64,
        fd: Option<&'a Arc<FdInfo>>,
        args: Args<&'a [u8]>,
    ) -> NewEvent<'a> {
        NewEvent {
            ts: self.ts,
            tid: self.procs[slot].pid,
            cpu: (slot % 2) as u16,
            kind,
            flags: 0,
            res,
            proc: None,
            fd,
            args,
        }
    }

    fn file(&mut self, slot: usize, sink: &mut impl FnMut(&NewEvent<'_>)) {
        // Close half the time when something is open (always when many are), so opens and
        // closes balance; mostly the newest fd, as open-read-close does.
        let n_open = self.open[slot].len();
        if n_open > 0 && (n_open >= 8 || self.rng.below(2) == 0) {
            let i = if self.rng.below(4) == 0 {
                0
            } else {
                n_open - 1
            };
            let fd = self.open[slot].remove(i);
            let mut ev = self.ev(slot, Kind::Close, 0, Some(&fd), Args::Fd { fd: fd.num });
            ev.proc = Some(&self.procs[slot]);
            sink(&ev);
            return;
        }
        let i = self.rng.skewed(PATHS);
        let failed = self.rng.below(20) == 0;
        let flags = *self.rng.pick(&[0o0, 0o0, 0o2000000, 0o1101, 0o2]);
        let path = self.paths[i].clone();
        if failed {
            let args = Args::Open {
                dirfd: AT_FDCWD,
                path: PathArg::same(&path[..]),
                flags,
                mode: 0,
                resolve: 0,
                dev: 0,
                ino: 0,
            };
            let mut ev = self.ev(slot, Kind::Openat, -2, None, args);
            ev.proc = Some(&self.procs[slot]);
            sink(&ev);
            return;
        }
        let num = self.next_fd[slot];
        self.next_fd[slot] = 3 + (num - 2) % 60;
        let fd = Arc::new(FdInfo {
            id: self.ids.next(),
            num,
            ty: FdType::File,
            name: path.clone(),
            nameraw: path.clone(),
            open_flags: flags,
            dev: 0x803,
            ino: 100_000 + i as u64,
            ..Default::default()
        });
        let args = Args::Open {
            dirfd: AT_FDCWD,
            path: PathArg::same(&path[..]),
            flags,
            mode: if flags & 0o100 != 0 { 0o644 } else { 0 },
            resolve: 0,
            dev: 0x803,
            ino: 100_000 + i as u64,
        };
        let mut ev = self.ev(slot, Kind::Openat, num, Some(&fd), args);
        ev.proc = Some(&self.procs[slot]);
        sink(&ev);
        self.open[slot].push(fd);
    }

    fn exec(&mut self, slot: usize, sink: &mut impl FnMut(&NewEvent<'_>)) {
        let mut rng = Rng(self.rng.next());
        // A new program in this slot (fork + exec), started by the same parent as before.
        let parent = self.procs[slot].parent.clone();
        let p = self.exec_record(&mut rng, slot, parent);
        self.procs[slot] = p;
        self.open[slot].clear();
        let exe = self.procs[slot].exepath.clone();
        let mut ev = self.ev(
            slot,
            Kind::Execve,
            0,
            None,
            Args::Exec {
                dirfd: AT_FDCWD,
                filename: PathArg::same(&exe[..]),
                flags: 0,
            },
        );
        ev.proc = Some(&self.procs[slot]);
        sink(&ev);
    }

    fn net(&mut self, slot: usize, accept: bool, sink: &mut impl FnMut(&NewEvent<'_>)) {
        let local = IpAddr::V4(Ipv4Addr::new(10, 0, 1, (slot % 250) as u8 + 2));
        let (remote, peer_port) = self.peers[self.rng.skewed(PEERS)];
        let eph = 32768 + self.rng.below(28000) as u16;
        let port = if accept { 8080 } else { peer_port };
        let (client, server, side) = if accept {
            (
                SocketAddr::new(remote, eph),
                SocketAddr::new(local, port),
                LocalSide::Server,
            )
        } else {
            (
                SocketAddr::new(local, eph),
                SocketAddr::new(remote, port),
                LocalSide::Client,
            )
        };
        let num = self.next_fd[slot];
        self.next_fd[slot] = 3 + (num - 2) % 60;
        let fd = Arc::new(FdInfo {
            id: self.ids.next(),
            num,
            ty: FdType::Ipv4,
            name: format!("{client}->{server}").into_bytes(),
            l4proto: L4Proto::Tcp,
            client: Some(client),
            server: Some(server),
            local: side,
            flags: fd_flags::CONNECTED,
            ..Default::default()
        });
        let (kind, res, args) = if accept {
            let addr = SockAddr::Inet {
                ip: remote,
                port: eph,
            };
            (
                Kind::Accept4,
                num,
                Args::Accept {
                    fd: 3,
                    flags: 0o2000000,
                    addr,
                },
            )
        } else {
            let addr = SockAddr::Inet { ip: remote, port };
            (Kind::Connect, 0, Args::Connect { fd: num, addr })
        };
        let mut ev = self.ev(slot, kind, res, Some(&fd), args);
        ev.proc = Some(&self.procs[slot]);
        sink(&ev);
        self.open[slot].push(fd);
    }

    fn other(&mut self, slot: usize, sink: &mut impl FnMut(&NewEvent<'_>)) {
        let path = self.paths[self.rng.skewed(PATHS)].clone();
        let pick = self.rng.below(8);
        let (kind, args): (Kind, Args<&[u8]>) = match pick {
            0 => (
                Kind::Unlinkat,
                Args::Path {
                    dirfd: AT_FDCWD,
                    path: PathArg::same(&path),
                    flags: 0,
                    mode: 0,
                },
            ),
            1 => (
                Kind::Fchmodat,
                Args::Path {
                    dirfd: AT_FDCWD,
                    path: PathArg::same(&path),
                    flags: 0,
                    mode: 0o755,
                },
            ),
            2 => (
                Kind::Setuid,
                Args::SetIds {
                    ids: [1000, u32::MAX, u32::MAX],
                },
            ),
            3 => (
                Kind::Mprotect,
                Args::Mmap {
                    addr: 0x7f00_0000_0000,
                    len: 4096,
                    prot: 5,
                    flags: 0,
                    fd: -1,
                    offset: 0,
                },
            ),
            4 => (
                Kind::Socket,
                Args::Socket {
                    domain: 2,
                    ty: 1,
                    proto: 0,
                },
            ),
            5 => (
                Kind::Ptrace,
                Args::Ptrace {
                    request: 16,
                    pid: 4242,
                    addr: 0,
                    data: 0,
                },
            ),
            6 => (
                Kind::Generic,
                Args::Generic {
                    nr: 217,
                    args: [3, 0x7ffd_0000_1000, 32768, 0, 0, 0],
                },
            ),
            _ => (
                Kind::Read,
                Args::Io {
                    fd: 0,
                    size: 4096,
                    pos: 0,
                    addr: SockAddr::None,
                    data: b"",
                },
            ),
        };
        let mut ev = self.ev(slot, kind, 0, None, args);
        ev.proc = Some(&self.procs[slot]);
        sink(&ev);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mix_has_the_advertised_shape_and_is_deterministic() {
        let a = block(20_000, 7);
        let b = block(20_000, 7);
        assert_eq!(a, b);
        let count = |f: &dyn Fn(Kind) -> bool| {
            a.events.iter().filter(|e| f(e.kind)).count() as f64 / a.events.len() as f64
        };
        let files = count(&|k| k.is_open() || k == Kind::Close);
        let execs = count(&|k| k.is_exec());
        let net = count(&|k| matches!(k, Kind::Connect | Kind::Accept4));
        assert!((0.66..0.74).contains(&files), "files {files}");
        assert!((0.13..0.17).contains(&execs), "execs {execs}");
        assert!((0.08..0.12).contains(&net), "net {net}");
        for e in &a.events {
            if let Args::Open { path, .. } = &e.args {
                let n = a.str(path.raw).len();
                assert!((30..=80).contains(&n), "path length {n}");
            }
        }
    }
}
