//! The tables at the head of a capture section turned into state-engine seeds: process-list
//! threads grouped into processes, fd lists, users and groups, and container metadata from
//! container events.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use rtsec_format::{ContainerInfo, FdType, L4Proto, MountInfo};
use rtsec_scap::{FdEntry, FdTarget, Group, ThreadEntry, User};
use rustc_hash::FxHashMap;

use super::ppm;
use crate::state::{
    Cgroup, FdSeed, GroupEntry, Ids, PasswdEntry, ProcessSeed, SockInfo, State, ThreadSeed,
};

/// Everything a section's tables say, collected until its first event.
#[derive(Default)]
pub struct SectionTables {
    threads: Vec<ThreadEntry>,
    fds: Vec<FdEntry>,
    users: Vec<PasswdEntry>,
    groups: Vec<GroupEntry>,
}

/// What seeding put into the engine.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SeedCounts {
    pub processes: u64,
    pub threads: u64,
    pub fds: u64,
    pub users: u64,
    pub groups: u64,
}

impl SectionTables {
    pub fn thread(&mut self, t: ThreadEntry) {
        self.threads.push(t);
    }
    pub fn fd(&mut self, f: FdEntry) {
        self.fds.push(f);
    }
    pub fn user(&mut self, u: User) {
        self.users.push(PasswdEntry {
            name: u.name,
            uid: u.uid,
            gid: u.gid,
            home: u.home,
            shell: u.shell,
        });
    }
    pub fn group(&mut self, g: Group) {
        self.groups.push(GroupEntry {
            name: g.name,
            gid: g.gid,
        });
    }

    pub fn is_empty(&self) -> bool {
        self.threads.is_empty()
            && self.fds.is_empty()
            && self.users.is_empty()
            && self.groups.is_empty()
    }

    /// Hands the tables to the engine (and empties them).
    pub fn seed(&mut self, state: &mut State) -> SeedCounts {
        let mut counts = SeedCounts {
            threads: self.threads.len() as u64,
            users: self.users.len() as u64,
            groups: self.groups.len() as u64,
            ..SeedCounts::default()
        };
        if !self.users.is_empty() {
            state.seed_users(None, &self.users);
        }
        if !self.groups.is_empty() {
            state.seed_groups(None, &self.groups);
        }
        // Threads of one process share its pid; the leader (tid == pid) describes it, or the
        // first thread seen if the leader is missing.
        let mut procs: FxHashMap<i64, ProcessSeed> = FxHashMap::default();
        let mut order = Vec::new();
        for t in self.threads.drain(..) {
            match procs.get_mut(&t.pid) {
                Some(seed) => {
                    if t.tid == t.pid {
                        let threads = std::mem::take(&mut seed.threads);
                        let facts = std::mem::take(&mut seed.thread_facts);
                        *seed = process_seed(t);
                        seed.threads = threads;
                        seed.thread_facts = facts;
                    } else {
                        seed.threads.push(t.tid);
                        seed.thread_facts.push(thread_seed(&t));
                    }
                }
                None => {
                    let (pid, tid) = (t.pid, t.tid);
                    let thread = (tid != pid).then(|| thread_seed(&t));
                    let mut seed = process_seed(t);
                    if let Some(thread) = thread {
                        seed.threads.push(tid);
                        seed.thread_facts.push(thread);
                    }
                    order.push(pid);
                    procs.insert(pid, seed);
                }
            }
        }
        let tid_to_pid: FxHashMap<i64, i64> = procs
            .values()
            .flat_map(|p| {
                p.threads
                    .iter()
                    .map(move |t| (*t, p.pid))
                    .chain([(p.pid, p.pid)])
            })
            .collect();
        counts.processes = order.len() as u64;
        for pid in order {
            if let Some(seed) = procs.remove(&pid) {
                state.seed_process(seed);
            }
        }
        for f in self.fds.drain(..) {
            let pid = tid_to_pid.get(&f.tid).copied().unwrap_or(f.tid);
            state.seed_fd(pid, fd_seed(f));
            counts.fds += 1;
        }
        self.users.clear();
        self.groups.clear();
        state.finish_seeding();
        counts
    }
}

/// `subsys=path` entries (cgroup v1 lists several controllers per entry: `cpu,cpuacct=/x`).
pub fn cgroups<'a>(entries: impl IntoIterator<Item = &'a [u8]>) -> Vec<Cgroup> {
    entries
        .into_iter()
        .filter_map(|e| {
            let eq = e.iter().position(|b| *b == b'=')?;
            Some(Cgroup {
                subsys: e[..eq].to_vec(),
                path: e[eq + 1..].to_vec(),
            })
        })
        .collect()
}

/// A thread other than its process's leader: its name and ids (a capture's process list has
/// no start time for it).
fn thread_seed(t: &ThreadEntry) -> ThreadSeed {
    ThreadSeed {
        tid: t.tid,
        comm: t.comm.clone(),
        start_ts: 0,
        // The list's uid/gid are the effective ids, as for a process.
        ids: Some(Ids {
            uid: t.uid,
            gid: t.gid,
            euid: t.uid,
            egid: t.gid,
        }),
    }
}

fn process_seed(t: ThreadEntry) -> ProcessSeed {
    let exe_flags = (if t.exe_writable { 1 } else { 0 })
        | (if t.exe_upper_layer { 2 } else { 0 })
        | (if t.exe_from_memfd { 4 } else { 0 })
        | (if t.exe_lower_layer { 8 } else { 0 });
    let cgroups = cgroups(t.cgroups.iter().map(Vec::as_slice));
    ProcessSeed {
        pid: t.pid,
        ppid: t.ptid,
        threads: Vec::new(),
        thread_facts: Vec::new(),
        vpid: if t.vpid > 0 { t.vpid } else { t.pid },
        // Unknown (a capture older than these fields) is -1, as libscap's process table has
        // it and `proc.sid`/`proc.vpgid` show it.
        sid: t.sid,
        pgid: if t.pgid >= 0 { t.pgid } else { 0 },
        vpgid: t.vpgid,
        comm: t.comm,
        exe: t.exe,
        exepath: t.exepath,
        args: t.args,
        env: t.env,
        cwd: t.cwd,
        tty: t.tty,
        // The process list's uid/gid are the effective ids (what Falco's user.uid shows).
        uid: t.uid,
        gid: t.gid,
        euid: t.uid,
        egid: t.gid,
        loginuid: t.loginuid,
        cap_inheritable: t.cap_inheritable,
        cap_permitted: t.cap_permitted,
        cap_effective: t.cap_effective,
        exe_flags,
        exe_ino: t.exe_ino,
        exe_ino_ctime: t.exe_ino_ctime,
        exe_ino_mtime: t.exe_ino_mtime,
        start_ts: 0,
        exec_ts: 0,
        pidns_init_start_ts: t.pidns_init_start_ts,
        fdlimit: t.fdlimit,
        cgroups,
        flags: 0,
    }
}

pub fn l4proto(scap: u8) -> L4Proto {
    match scap {
        2 => L4Proto::Tcp,
        3 => L4Proto::Udp,
        4 => L4Proto::Icmp,
        5 => L4Proto::Raw,
        _ => L4Proto::Unknown,
    }
}

fn fd_seed(f: FdEntry) -> FdSeed {
    let mut seed = FdSeed {
        num: f.fd,
        ino: f.ino,
        ..FdSeed::default()
    };
    let unspecified = SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0);
    match f.target {
        FdTarget::File {
            path,
            open_flags,
            dev,
        } => {
            seed.ty = FdType::File;
            seed.name = path;
            seed.open_flags = ppm::open_flags(open_flags);
            seed.dev = dev;
        }
        FdTarget::Directory { path } => {
            seed.ty = FdType::Directory;
            seed.name = path;
        }
        FdTarget::Ipv4Socket {
            sip,
            dip,
            sport,
            dport,
            l4proto: p,
        } => {
            seed.ty = FdType::Ipv4;
            seed.sock = Some(SockInfo::Inet {
                proto: l4proto(p),
                local: SocketAddr::new(sip.into(), sport),
                remote: SocketAddr::new(dip.into(), dport),
            });
        }
        FdTarget::Ipv6Socket {
            sip,
            dip,
            sport,
            dport,
            l4proto: p,
        } => {
            seed.ty = FdType::Ipv6;
            seed.sock = Some(SockInfo::Inet {
                proto: l4proto(p),
                local: SocketAddr::new(sip.into(), sport),
                remote: SocketAddr::new(dip.into(), dport),
            });
        }
        FdTarget::Ipv4Server {
            ip,
            port,
            l4proto: p,
        } => {
            seed.ty = FdType::Ipv4;
            seed.sock = Some(SockInfo::Inet {
                proto: l4proto(p),
                local: SocketAddr::new(ip.into(), port),
                remote: unspecified,
            });
        }
        FdTarget::Ipv6Server {
            ip,
            port,
            l4proto: p,
        } => {
            seed.ty = FdType::Ipv6;
            seed.sock = Some(SockInfo::Inet {
                proto: l4proto(p),
                local: SocketAddr::new(ip.into(), port),
                remote: unspecified,
            });
        }
        FdTarget::Unix { source, dest, path } => {
            seed.ty = FdType::Unix;
            seed.sock = Some(SockInfo::Unix {
                sk: source,
                peer: dest,
                path,
            });
        }
        FdTarget::Other { name } => {
            seed.ty = match f.fd_type {
                7 => FdType::Pipe,
                9 => FdType::Event,
                11 => FdType::Signalfd,
                12 => FdType::EventPoll,
                13 => FdType::Inotify,
                14 => FdType::Timerfd,
                15 => FdType::Netlink,
                17 => FdType::Bpf,
                18 => FdType::Userfaultfd,
                19 => FdType::IoUring,
                20 => FdType::Memfd,
                21 => FdType::Pidfd,
                _ => FdType::Unknown,
            };
            seed.name = name;
        }
    }
    seed
}

/// Container metadata from a container event's JSON (`{"container": {...}}`); `None` if the
/// text is not such an object.
pub fn container_from_json(json: &[u8]) -> Option<ContainerInfo> {
    let value: serde_json::Value = serde_json::from_slice(json).ok()?;
    let c = value.get("container")?;
    let text = |k: &str| {
        c.get(k)
            .and_then(|v| v.as_str())
            .map(|s| s.as_bytes().to_vec())
    };
    let full_id = text("full_id").or_else(|| text("id"))?;
    let short: Vec<u8> = text("id")
        .unwrap_or_else(|| full_id.clone())
        .into_iter()
        .take(12)
        .collect();
    let runtime = match c.get("type").and_then(|v| v.as_u64()) {
        Some(0) => "docker",
        Some(1) => "lxc",
        Some(2) => "libvirt-lxc",
        Some(3) => "mesos",
        Some(4) => "rkt",
        Some(5) => "custom",
        Some(6) => "cri",
        Some(7) => "containerd",
        Some(8) => "cri-o",
        Some(9) => "bpm",
        Some(10) => "static",
        Some(11) => "podman",
        _ => "",
    };
    let labels = c
        .get("labels")
        .and_then(|l| l.as_object())
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    (
                        k.as_bytes().to_vec(),
                        v.as_str().unwrap_or_default().as_bytes().to_vec(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let mounts = c
        .get("Mounts")
        .and_then(|m| m.as_array())
        .map(|list| {
            list.iter()
                .map(|m| {
                    let s = |k: &str| {
                        m.get(k)
                            .and_then(|v| v.as_str())
                            .unwrap_or_default()
                            .as_bytes()
                            .to_vec()
                    };
                    MountInfo {
                        source: s("Source"),
                        dest: s("Destination"),
                        mode: s("Mode"),
                        rw: m.get("RW").and_then(|v| v.as_bool()).unwrap_or(false),
                        propagation: s("Propagation"),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let image = text("image");
    Some(ContainerInfo {
        id: 0,
        container_id: short,
        full_id,
        runtime: runtime.as_bytes().to_vec(),
        name: text("name"),
        image_repository: text("imagerepo").or_else(|| image.as_ref().map(|i| repo_of(i))),
        image_tag: text("imagetag"),
        image_id: text("imageid"),
        image_digest: text("imagedigest"),
        image,
        privileged: c.get("privileged").and_then(|v| v.as_bool()),
        labels,
        mounts,
        ip: text("ip").and_then(|ip| std::str::from_utf8(&ip).ok()?.parse().ok()),
        user: text("User"),
        start_ts: 0,
    })
}

/// `repo` of `repo:tag` (a registry port's colon is not a tag separator).
fn repo_of(image: &[u8]) -> Vec<u8> {
    let last_slash = image.iter().rposition(|b| *b == b'/').map_or(0, |p| p + 1);
    match image[last_slash..].iter().position(|b| *b == b':') {
        Some(colon) => image[..last_slash + colon].to_vec(),
        None => image.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn container_json_of_old_and_new_captures() {
        let old = br#"{"container":{"id":"5ea733068030","image":"sysdig/falco:latest","ip":"172.17.0.3","name":"falco","type":0}}"#;
        let c = container_from_json(old).unwrap();
        assert_eq!(c.container_id, b"5ea733068030");
        assert_eq!(c.runtime, b"docker");
        assert_eq!(c.image_repository.as_deref(), Some(&b"sysdig/falco"[..]));
        assert_eq!(c.ip, Some("172.17.0.3".parse().unwrap()));
        let new = br#"{"container":{"Mounts":[{"Destination":"/data","Mode":"","Propagation":"rprivate","RW":true,"Source":"/srv"}],"full_id":"cdde3b8b16ab0123","id":"cdde3b8b16ab","image":"localhost:5000/app","labels":{"a":"b"},"privileged":true,"type":7}}"#;
        let c = container_from_json(new).unwrap();
        assert_eq!(
            (c.container_id.as_slice(), c.full_id.as_slice()),
            (&b"cdde3b8b16ab"[..], &b"cdde3b8b16ab0123"[..])
        );
        assert_eq!(
            c.image_repository.as_deref(),
            Some(&b"localhost:5000/app"[..])
        );
        assert_eq!(
            (c.privileged, c.mounts.len(), c.labels.len()),
            (Some(true), 1, 1)
        );
        assert!(container_from_json(b"not json").is_none());
    }

    #[test]
    fn cgroup_entries() {
        let cg = cgroups([&b"cpu,cpuacct=/docker/abc"[..], b"garbage", b"pids=/"]);
        assert_eq!(cg.len(), 2);
        assert_eq!(cg[0].subsys, b"cpu,cpuacct");
        assert_eq!(cg[1].path, b"/");
    }
}
