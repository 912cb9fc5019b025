//! cgroup ids (what the probe reports) to cgroup paths (what the container matchers read).
//!
//! The probe reports each task's cgroup v2 id and, on hybrid hosts, its cgroup id in one v1
//! hierarchy. A cgroup's id is the inode number of its directory in the cgroup filesystem, so
//! the paths come from there: first `/proc/PID/cgroup` of the task (checked against the id),
//! else a walk of the hierarchy (at most every 100 ms). Results are cached.
//!
//! The same two entries, in the same order (v1 first, as Falco's drivers list them, then v2),
//! are what the `/proc` scan reports, so a process looks the same whichever way it was found.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rustc_hash::FxHashMap;

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
    root: PathBuf,
    paths: FxHashMap<u64, Vec<u8>>,
    last_scan: Option<Instant>,
}

impl Hierarchy {
    fn new(subsys: &str, root: PathBuf) -> Hierarchy {
        Hierarchy {
            subsys: subsys.into(),
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
    v1: Option<Hierarchy>,
    v2: Option<Hierarchy>,
}

impl CgroupFs {
    /// Finds the cgroup2 mount and the first mounted v1 controller in `/proc/self/mountinfo`.
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
                        if let Some(i) = V1_ORDER.iter().position(|c| *c == o) {
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
                .next()
                .map(|(_, name, root)| Hierarchy::new(&name, root)),
            v2: v2.map(|root| Hierarchy::new("", root)),
        }
    }

    /// The v1 controller whose cgroup the probe should report (hybrid hosts only).
    pub fn v1_controller(&self) -> Option<&str> {
        self.v1.as_ref().map(|h| h.subsys.as_str())
    }

    /// Where the cgroup2 hierarchy is mounted.
    pub fn v2_root(&self) -> Option<&Path> {
        self.v2.as_ref().map(|h| h.root.as_path())
    }

    /// The cgroup entries of a task with these ids (0 = not reported), `pid` giving a hint.
    pub fn entries(&mut self, v1: u64, v2: u64, pid: i64, out: &mut Vec<Cgroup>) {
        out.clear();
        let unknown = |h: &Option<Hierarchy>, id: u64| {
            id != 0 && h.as_ref().is_some_and(|h| !h.paths.contains_key(&id))
        };
        let sub = self
            .v1
            .as_ref()
            .map(|h| h.subsys.clone())
            .unwrap_or_default();
        let (hint1, hint2) = if unknown(&self.v1, v1) || unknown(&self.v2, v2) {
            proc_hints(pid, &sub)
        } else {
            (None, None)
        };
        if v1 != 0
            && let Some(h) = self.v1.as_mut()
            && let Some(p) = h.path(v1, hint1.as_deref())
        {
            out.push(Cgroup {
                subsys: sub.into_bytes(),
                path: p.to_vec(),
            });
        }
        if v2 != 0
            && let Some(h) = self.v2.as_mut()
            && let Some(p) = h.path(v2, hint2.as_deref())
        {
            out.push(Cgroup {
                subsys: Vec::new(),
                path: p.to_vec(),
            });
        }
    }

    /// The entries for a process as `/proc/PID/cgroup` lists them (for the initial scan).
    pub fn entries_from_proc(&self, text: &[u8]) -> Vec<Cgroup> {
        let sub = self.v1.as_ref().map(|h| h.subsys.as_str()).unwrap_or("");
        let (v1, v2) = parse_proc_cgroup(text, sub);
        let mut out = Vec::new();
        if let (Some(h), Some(p)) = (&self.v1, v1) {
            out.push(Cgroup {
                subsys: h.subsys.as_bytes().to_vec(),
                path: p,
            });
        }
        if let (Some(_), Some(p)) = (&self.v2, v2) {
            out.push(Cgroup {
                subsys: Vec::new(),
                path: p,
            });
        }
        out
    }
}

fn proc_hints(pid: i64, v1_subsys: &str) -> (Option<Vec<u8>>, Option<Vec<u8>>) {
    match std::fs::read(format!("/proc/{pid}/cgroup")) {
        Ok(t) => parse_proc_cgroup(&t, v1_subsys),
        Err(_) => (None, None),
    }
}

/// (path in the `v1_subsys` hierarchy, v2 path) from `/proc/PID/cgroup` content.
pub fn parse_proc_cgroup(text: &[u8], v1_subsys: &str) -> (Option<Vec<u8>>, Option<Vec<u8>>) {
    let (mut v1, mut v2) = (None, None);
    for line in text.split(|&b| b == b'\n') {
        let mut parts = line.splitn(3, |&b| b == b':');
        let (Some(id), Some(ctl), Some(path)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        if id == b"0" && ctl.is_empty() {
            v2 = Some(path.to_vec());
        } else if !v1_subsys.is_empty()
            && ctl.split(|&b| b == b',').any(|c| c == v1_subsys.as_bytes())
        {
            v1 = Some(path.to_vec());
        }
    }
    (v1, v2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_cgroup() {
        let t = b"12:cpu,cpuacct:/a\n3:cpuset:/docker/x\n0::/system.slice/foo.service\n";
        assert_eq!(
            parse_proc_cgroup(t, "cpuset"),
            (
                Some(b"/docker/x".to_vec()),
                Some(b"/system.slice/foo.service".to_vec())
            )
        );
        assert_eq!(
            parse_proc_cgroup(t, "cpu"),
            (
                Some(b"/a".to_vec()),
                Some(b"/system.slice/foo.service".to_vec())
            )
        );
        assert_eq!(
            parse_proc_cgroup(b"0::/\n", ""),
            (None, Some(b"/".to_vec()))
        );
    }

    #[test]
    fn finds_our_own_cgroups() {
        let mut fs = CgroupFs::detect();
        let Some(root) = fs.v2_root().map(Path::to_path_buf) else {
            return; // no cgroup2 here
        };
        let me = std::process::id() as i64;
        let text = std::fs::read(format!("/proc/{me}/cgroup")).unwrap();
        let (_, v2) = parse_proc_cgroup(&text, "");
        let v2 = v2.unwrap();
        let rel = String::from_utf8(v2.clone()).unwrap();
        let ino = std::fs::metadata(root.join(rel.trim_start_matches('/')))
            .unwrap()
            .ino();
        let mut out = Vec::new();
        fs.entries(0, ino, me, &mut out);
        assert_eq!(out.last().unwrap().path, v2);
    }
}
