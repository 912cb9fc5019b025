//! cgroup ids (what the probe reports) to cgroup paths (what the container matchers read).
//!
//! The probe reports each task's cgroup v2 id and, on hosts with v1 hierarchies, its cgroup id
//! in every one of them. A cgroup's id is the inode number of its directory in the cgroup
//! filesystem, so the paths come from there: first `/proc/PID/cgroup` of the task (checked
//! against the id), else a walk of the hierarchy (at most every 100 ms). Results are cached,
//! and a process's entries are only rebuilt when one of its ids changes (fork, exec, a move of
//! its v2 cgroup), never per event.
//!
//! Falco's container plugin takes the first entry of a thread's cgroups that any matcher
//! accepts. The entries are listed as Falco's drivers list them: the v1 controllers in
//! subsystem id order (cpuset, cpu, cpuacct, blkio, memory, devices, freezer, …, pids), then
//! the v2 path; the `/proc` scan reports the same entries in the same order, so a process looks
//! the same whichever way it was found. (The drivers list a controller bound to v2 at its own
//! subsystem position, rtsec lists the v2 path once at the end: the same container unless a v1
//! controller after it, such as pids, sits in a container-like path of its own.)

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rustc_hash::FxHashMap;

use rtsec_ebpf_common::CGROUP_SUBSYS;

use crate::state::Cgroup;

/// v1 controllers in the kernel's `cgroup_subsys_id` order: the first one mounted is reported.
const V1_ORDER: &[&str] = &[
    "cpuset",
    "cpu",
    "cpuacct",
    "io",
    "blkio",
    "memory",
    "devices",
    "freezer",
    "net_cls",
    "perf_event",
    "net_prio",
    "hugetlb",
    "pids",
    "rdma",
    "misc",
];
const RESCAN_EVERY: Duration = Duration::from_millis(100);

struct Hierarchy {
    /// Controller name for v1 (the `subsys` of its entries); empty for v2.
    subsys: String,
    /// Its `enum cgroup_subsys_id` (v1; set once the probe has looked it up).
    ssid: Option<u32>,
    root: PathBuf,
    paths: FxHashMap<u64, Vec<u8>>,
    last_scan: Option<Instant>,
}

impl Hierarchy {
    fn new(subsys: &str, root: PathBuf) -> Hierarchy {
        Hierarchy {
            subsys: subsys.into(),
            ssid: None,
            root,
            paths: FxHashMap::default(),
            last_scan: None,
        }
    }

    /// The path of cgroup `id`, `hint` being what `/proc/PID/cgroup` says for this hierarchy.
    fn path(&mut self, id: u64, hint: Option<&[u8]>) -> Option<&[u8]> {
        if !self.paths.contains_key(&id) {
            if let Some(h) = hint
                && self.inode(h) == Some(id)
            {
                self.paths.insert(id, h.to_vec());
            } else if self.last_scan.is_none_or(|t| t.elapsed() >= RESCAN_EVERY) {
                self.scan();
            }
        }
        self.paths.get(&id).map(Vec::as_slice)
    }

    fn inode(&self, path: &[u8]) -> Option<u64> {
        let rel = std::str::from_utf8(path).ok()?.trim_start_matches('/');
        std::fs::metadata(self.root.join(rel)).ok().map(|m| m.ino())
    }

    fn scan(&mut self) {
        self.last_scan = Some(Instant::now());
        let mut stack = vec![(self.root.clone(), b"/".to_vec())];
        while let Some((dir, rel)) = stack.pop() {
            let Ok(meta) = std::fs::metadata(&dir) else {
                continue;
            };
            self.paths.insert(meta.ino(), rel.clone());
            let Ok(rd) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in rd.flatten() {
                if e.file_type().is_ok_and(|t| t.is_dir()) {
                    let mut r = rel.clone();
                    if r.len() > 1 {
                        r.push(b'/');
                    }
                    r.extend_from_slice(e.file_name().as_encoded_bytes());
                    stack.push((e.path(), r));
                }
            }
        }
    }
}

/// The host's cgroup hierarchies as capture uses them.
pub struct CgroupFs {
    /// Every v1 controller mounted as (part of) a hierarchy, in subsystem id order.
    v1: Vec<Hierarchy>,
    v2: Option<Hierarchy>,
}

impl CgroupFs {
    /// Finds the cgroup2 mount and every mounted v1 controller in `/proc/self/mountinfo`.
    pub fn detect() -> CgroupFs {
        let text = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
        let mut v2 = None;
        let mut v1: Vec<(usize, String, PathBuf)> = Vec::new();
        for line in text.lines() {
            let Some((pre, post)) = line.split_once(" - ") else {
                continue;
            };
            let pre: Vec<&str> = pre.split(' ').collect();
            let post: Vec<&str> = post.split(' ').collect();
            let (Some(mount), Some(fstype)) = (pre.get(4), post.first()) else {
                continue;
            };
            match *fstype {
                "cgroup2" if v2.is_none() => v2 = Some(PathBuf::from(mount)),
                "cgroup" => {
                    let opts = post.get(2).copied().unwrap_or("");
                    for o in opts.split(',') {
                        if let Some(i) = V1_ORDER.iter().position(|c| *c == o)
                            && !v1.iter().any(|x| x.0 == i)
                        {
                            v1.push((i, o.to_string(), PathBuf::from(mount)));
                        }
                    }
                }
                _ => {}
            }
        }
        v1.sort_by_key(|x| x.0);
        CgroupFs {
            v1: v1
                .into_iter()
                .map(|(_, name, root)| Hierarchy::new(&name, root))
                .collect(),
            v2: v2.map(|root| Hierarchy::new("", root)),
        }
    }

    /// The v1 controllers whose cgroups the probe should report, in order.
    pub fn v1_controllers(&self) -> Vec<&str> {
        self.v1.iter().map(|h| h.subsys.as_str()).collect()
    }

    /// The subsystem ids of [`CgroupFs::v1_controllers`], as the probe found them (`None`: the
    /// kernel has no such subsystem; its entries are left out).
    pub fn set_ssids(&mut self, ssids: &[Option<u32>]) {
        for (h, id) in self.v1.iter_mut().zip(ssids) {
            h.ssid = *id;
        }
    }

    /// Where the cgroup2 hierarchy is mounted.
    pub fn v2_root(&self) -> Option<&Path> {
        self.v2.as_ref().map(|h| h.root.as_path())
    }

    /// The cgroup entries of a task with these ids (by subsystem id for v1; 0 = not
    /// reported), `pid` giving a hint.
    pub fn entries(&mut self, v1: &[u64; CGROUP_SUBSYS], v2: u64, pid: i64, out: &mut Vec<Cgroup>) {
        out.clear();
        let id_of = |h: &Hierarchy| {
            h.ssid
                .and_then(|s| v1.get(s as usize).copied())
                .unwrap_or(0)
        };
        let unknown = |h: &Hierarchy, id: u64| id != 0 && !h.paths.contains_key(&id);
        let need_hints = self.v1.iter().any(|h| unknown(h, id_of(h)))
            || self.v2.as_ref().is_some_and(|h| unknown(h, v2));
        let hints = if need_hints {
            std::fs::read(format!("/proc/{pid}/cgroup")).unwrap_or_default()
        } else {
            Vec::new()
        };
        let lines = proc_lines(&hints);
        for h in &mut self.v1 {
            let id = id_of(h);
            if id == 0 {
                continue;
            }
            let hint = lines
                .iter()
                .find(|l| l.has(h.subsys.as_bytes()))
                .map(|l| l.path);
            if let Some(p) = h.path(id, hint).map(<[u8]>::to_vec) {
                out.push(Cgroup {
                    subsys: h.subsys.as_bytes().to_vec(),
                    path: p,
                });
            }
        }
        if v2 != 0
            && let Some(h) = self.v2.as_mut()
        {
            let hint = lines.iter().find(|l| l.is_v2()).map(|l| l.path);
            if let Some(p) = h.path(v2, hint) {
                out.push(Cgroup {
                    subsys: Vec::new(),
                    path: p.to_vec(),
                });
            }
        }
    }

    /// The entries for a process as `/proc/PID/cgroup` lists them (for the initial scan), in
    /// the same order as [`CgroupFs::entries`].
    pub fn entries_from_proc(&self, text: &[u8]) -> Vec<Cgroup> {
        let lines = proc_lines(text);
        let mut out = Vec::new();
        for h in &self.v1 {
            if let Some(l) = lines.iter().find(|l| l.has(h.subsys.as_bytes())) {
                out.push(Cgroup {
                    subsys: h.subsys.as_bytes().to_vec(),
                    path: l.path.to_vec(),
                });
            }
        }
        if self.v2.is_some()
            && let Some(l) = lines.iter().find(|l| l.is_v2())
        {
            out.push(Cgroup {
                subsys: Vec::new(),
                path: l.path.to_vec(),
            });
        }
        out
    }
}

/// One line of `/proc/PID/cgroup`: `id:controllers:path`.
struct ProcLine<'a> {
    id: &'a [u8],
    controllers: &'a [u8],
    path: &'a [u8],
}

impl ProcLine<'_> {
    fn has(&self, controller: &[u8]) -> bool {
        self.controllers
            .split(|&b| b == b',')
            .any(|c| c == controller)
    }

    fn is_v2(&self) -> bool {
        self.id == b"0" && self.controllers.is_empty()
    }
}

fn proc_lines(text: &[u8]) -> Vec<ProcLine<'_>> {
    text.split(|&b| b == b'\n')
        .filter_map(|line| {
            let mut parts = line.splitn(3, |&b| b == b':');
            Some(ProcLine {
                id: parts.next()?,
                controllers: parts.next()?,
                path: parts.next()?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fs(v1: &[&str]) -> CgroupFs {
        CgroupFs {
            v1: v1
                .iter()
                .map(|c| Hierarchy::new(c, PathBuf::from("/nonexistent")))
                .collect(),
            v2: Some(Hierarchy::new("", PathBuf::from("/nonexistent"))),
        }
    }

    #[test]
    fn lists_every_v1_hierarchy_in_subsystem_order_then_v2() {
        let t = b"9:name=systemd:/\n5:pids:/\n4:memory:/process_api/7a9a\n2:cpu,cpuacct:/a\n\
                  1:cpuset:/docker/x\n0::/system.slice/foo.service\n";
        let e = fs(&["cpuset", "cpu", "cpuacct", "memory", "pids"]).entries_from_proc(t);
        let got: Vec<(String, String)> = e
            .iter()
            .map(|c| {
                (
                    String::from_utf8(c.subsys.clone()).unwrap(),
                    String::from_utf8(c.path.clone()).unwrap(),
                )
            })
            .collect();
        let want = [
            ("cpuset", "/docker/x"),
            ("cpu", "/a"),
            ("cpuacct", "/a"),
            ("memory", "/process_api/7a9a"),
            ("pids", "/"),
            ("", "/system.slice/foo.service"),
        ];
        assert_eq!(
            got,
            want.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect::<Vec<_>>()
        );
        assert_eq!(fs(&[]).entries_from_proc(b"0::/\n").len(), 1);
    }

    #[test]
    fn finds_our_own_cgroups() {
        let mut fs = CgroupFs::detect();
        let Some(root) = fs.v2_root().map(Path::to_path_buf) else {
            return; // no cgroup2 here
        };
        let me = std::process::id() as i64;
        let text = std::fs::read(format!("/proc/{me}/cgroup")).unwrap();
        let v2 = proc_lines(&text)
            .iter()
            .find(|l| l.is_v2())
            .unwrap()
            .path
            .to_vec();
        let rel = String::from_utf8(v2.clone()).unwrap();
        let ino = std::fs::metadata(root.join(rel.trim_start_matches('/')))
            .unwrap()
            .ino();
        let mut out = Vec::new();
        fs.entries(&[0; CGROUP_SUBSYS], ino, me, &mut out);
        assert_eq!(out.last().unwrap().path, v2);
        // Every v1 hierarchy, found by its id, gives the path /proc shows.
        let n = fs.v1.len();
        fs.set_ssids(&(0..n as u32).map(Some).collect::<Vec<_>>());
        let mut ids = [0; CGROUP_SUBSYS];
        for (i, h) in fs.v1.iter().enumerate() {
            let l = proc_lines(&text);
            let p = l.iter().find(|l| l.has(h.subsys.as_bytes())).unwrap().path;
            let rel = String::from_utf8_lossy(p).into_owned();
            ids[i] = std::fs::metadata(h.root.join(rel.trim_start_matches('/')))
                .unwrap()
                .ino();
        }
        fs.entries(&ids, ino, me, &mut out);
        assert_eq!(out, fs.entries_from_proc(&text));
    }
}
