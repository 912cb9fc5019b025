//! cgroup path → container id, with the matchers of Falco's container plugin
//! (`../shared/reference/falco-rules-language.md` §6.5), and the container records.
//!
//! A process's cgroups are tried in order; the first cgroup any matcher accepts wins. Matchers
//! run in the plugin's order: podman, docker, cri (containerd and cri-o), containerd (ctr).
//! Each tries `(prefix, suffix)` layouts: the id is the text after the *last* `prefix` up to
//! the *last* `suffix`. A 64-character id is accepted when the first non-hex character at or
//! after the id's start sits at byte 64 or later *of the whole string* (the plugin's quirk,
//! kept), and reported as its first 12 characters. The containerd matcher also takes ids of 1
//! to 64 characters, unless the cgroup ends in `.service`, `.slice` or `.scope`. No match: the
//! host (`None`).

use std::sync::Arc;

use rtsec_format::{ContainerInfo, IdGen};
use rustc_hash::FxHashMap;

const ID_LEN: usize = 64;
const SHORT_LEN: usize = 12;

/// A container id found in a cgroup path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Match {
    /// As `container.id` reports it (at most 12 characters).
    pub short: Vec<u8>,
    /// The whole id as it appears in the cgroup path.
    pub full: Vec<u8>,
    /// Which matcher accepted it: `podman`, `docker`, `cri` or `containerd`.
    pub runtime: &'static str,
}

const PODMAN: &[(&str, &str)] = &[
    ("/libpod-", ".scope"),
    ("/libpod-", ".scope/container"),
    ("/libpod-", ""),
    ("/libpod-payload-", ".scope"),
    ("/libpod-payload-", ".scope/container"),
    ("/libpod-payload-", ""),
];
const DOCKER: &[(&str, &str)] = &[("/", ""), ("/docker-", ".scope")];
const CRI: &[(&str, &str)] = &[
    ("/", ""),
    ("/crio-", ""),
    ("/cri-containerd-", ".scope"),
    ("/crio-", ".scope"),
    (":cri-containerd:", ""),
    ("/docker-", ".scope"),
    ("/nerdctl-", ".scope"),
];

/// Tries one `(prefix, suffix)` layout on `cgroup`.
fn match_one(cgroup: &[u8], prefix: &[u8], suffix: &[u8], containerd: bool) -> Option<Match> {
    let start = rfind(cgroup, prefix)? + prefix.len();
    let end = rfind(cgroup, suffix)?;
    let len = end.checked_sub(start)?;
    if len == ID_LEN {
        let first_non_hex = cgroup[start..]
            .iter()
            .position(|b| !b.is_ascii_hexdigit())
            .map_or(usize::MAX, |p| start + p);
        if first_non_hex >= ID_LEN {
            let id = &cgroup[start..end];
            return Some(Match {
                short: id[..SHORT_LEN].to_vec(),
                full: id.to_vec(),
                runtime: "",
            });
        }
    }
    if len > ID_LEN || len == 0 {
        return None;
    }
    let host_unit = [&b".service"[..], b".slice", b".scope"]
        .iter()
        .any(|s| cgroup.ends_with(s));
    if containerd && !host_unit {
        let id = &cgroup[start..end];
        return Some(Match {
            short: id[..len.min(SHORT_LEN)].to_vec(),
            full: id.to_vec(),
            runtime: "",
        });
    }
    None
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(hay.len());
    }
    hay.windows(needle.len()).rposition(|w| w == needle)
}

fn layouts(cgroup: &[u8], list: &[(&str, &str)], runtime: &'static str) -> Option<Match> {
    list.iter().find_map(|(p, s)| {
        match_one(cgroup, p.as_bytes(), s.as_bytes(), false).map(|m| Match { runtime, ..m })
    })
}

/// The containerd (ctr) matcher: the first `/<namespace>/` segment names the prefix.
fn containerd(cgroup: &[u8]) -> Option<Match> {
    let ns = namespace_segment(cgroup)?;
    match_one(cgroup, ns, b"", true).map(|m| Match {
        runtime: "containerd",
        ..m
    })
}

/// The leftmost `/seg/` where `seg` is alphanumeric runs joined by single `.`, `_` or `-`.
fn namespace_segment(cgroup: &[u8]) -> Option<&[u8]> {
    let mut i = 0;
    while let Some(p) = cgroup[i..].iter().position(|&b| b == b'/') {
        let at = i + p;
        let rest = &cgroup[at + 1..];
        if let Some(q) = rest.iter().position(|&b| b == b'/')
            && valid_namespace(&rest[..q])
        {
            return Some(&cgroup[at..at + q + 2]);
        }
        i = at + 1;
    }
    None
}

fn valid_namespace(seg: &[u8]) -> bool {
    let mut prev_sep = true; // the segment must start with an alphanumeric
    for &b in seg {
        if b.is_ascii_alphanumeric() {
            prev_sep = false;
        } else if matches!(b, b'.' | b'_' | b'-') && !prev_sep {
            prev_sep = true;
        } else {
            return false;
        }
    }
    !seg.is_empty() && !prev_sep
}

/// The container id of one cgroup path, if any matcher accepts it.
pub fn match_cgroup(cgroup: &[u8]) -> Option<Match> {
    layouts(cgroup, PODMAN, "podman")
        .or_else(|| layouts(cgroup, DOCKER, "docker"))
        .or_else(|| layouts(cgroup, CRI, "cri"))
        .or_else(|| containerd(cgroup))
}

/// One `subsys=path` entry of a process's cgroups (`subsys` empty for cgroup v2).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Cgroup {
    pub subsys: Vec<u8>,
    pub path: Vec<u8>,
}

/// Container records by id, created on first sight and replaced when metadata arrives.
#[derive(Default)]
pub struct Containers {
    by_id: FxHashMap<Vec<u8>, Arc<ContainerInfo>>,
    /// Cache: cgroup path → match (or none).
    by_cgroup: FxHashMap<Vec<u8>, Option<Match>>,
}

impl Containers {
    /// The container of a process with these cgroups (`None`: the host), and the cgroup path it
    /// was derived from (the first path when on the host).
    pub fn resolve<'c>(
        &mut self,
        cgroups: &'c [Cgroup],
        ids: &IdGen,
        ts: u64,
    ) -> (Option<Arc<ContainerInfo>>, &'c [u8]) {
        for cg in cgroups {
            let m = self
                .by_cgroup
                .entry(cg.path.clone())
                .or_insert_with(|| match_cgroup(&cg.path))
                .clone();
            if let Some(m) = m {
                let c = self
                    .by_id
                    .entry(m.short.clone())
                    .or_insert_with(|| {
                        Arc::new(ContainerInfo {
                            id: ids.next(),
                            container_id: m.short.clone(),
                            full_id: m.full.clone(),
                            runtime: m.runtime.as_bytes().to_vec(),
                            start_ts: ts,
                            ..ContainerInfo::default()
                        })
                    })
                    .clone();
                return (Some(c), &cg.path);
            }
        }
        (None, cgroups.first().map_or(&[][..], |c| &c.path))
    }

    /// Adds or replaces a container record (metadata from a runtime, or an imported table).
    /// Processes pick it up at their next new version.
    pub fn seed(&mut self, mut c: ContainerInfo, ids: &IdGen) -> Arc<ContainerInfo> {
        if c.id == 0 {
            c.id = ids.next();
        }
        let c = Arc::new(c);
        self.by_id.insert(c.container_id.clone(), c.clone());
        c
    }

    /// The record of container `short_id`, if seen.
    pub fn get(&self, short_id: &[u8]) -> Option<&Arc<ContainerInfo>> {
        self.by_id.get(short_id)
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "3f2a9b7c1d0e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f90";

    fn id(cgroup: &str) -> Option<(String, &'static str)> {
        match_cgroup(cgroup.as_bytes()).map(|m| (String::from_utf8(m.short).unwrap(), m.runtime))
    }

    #[test]
    fn docker_layouts() {
        assert_eq!(
            id(&format!("/docker/{HEX}")),
            Some((HEX[..12].into(), "docker"))
        );
        assert_eq!(
            id(&format!("/system.slice/docker-{HEX}.scope")),
            Some((HEX[..12].into(), "docker"))
        );
        // Any path ending in /<64 hex> is "docker" to the plugin (it runs before cri).
        assert_eq!(
            id(&format!("/kubepods/besteffort/pod123/{HEX}")),
            Some((HEX[..12].into(), "docker"))
        );
    }

    #[test]
    fn cri_layouts() {
        assert_eq!(
            id(&format!(
                "/kubepods.slice/kubepods-pod1.slice/crio-{HEX}.scope"
            )),
            Some((HEX[..12].into(), "cri"))
        );
        assert_eq!(id(&format!("/crio-{HEX}")), Some((HEX[..12].into(), "cri")));
        assert_eq!(
            id(&format!(
                "/system.slice/containerd.service/kubepods-pod1.slice:cri-containerd:{HEX}"
            )),
            Some((HEX[..12].into(), "cri"))
        );
        assert_eq!(
            id(&format!("/kubepods.slice/cri-containerd-{HEX}.scope")),
            Some((HEX[..12].into(), "cri"))
        );
        assert_eq!(
            id(&format!("/user.slice/nerdctl-{HEX}.scope")),
            Some((HEX[..12].into(), "cri"))
        );
    }

    #[test]
    fn podman_layouts() {
        assert_eq!(
            id(&format!("/machine.slice/libpod-{HEX}.scope")),
            Some((HEX[..12].into(), "podman"))
        );
        assert_eq!(
            id(&format!("/machine.slice/libpod-{HEX}.scope/container")),
            Some((HEX[..12].into(), "podman"))
        );
        assert_eq!(
            id(&format!("/libpod-payload-{HEX}")),
            Some((HEX[..12].into(), "podman"))
        );
    }

    #[test]
    fn containerd_namespaces_take_short_ids() {
        assert_eq!(id("/default/mybox"), Some(("mybox".into(), "containerd")));
        assert_eq!(
            id("/k8s.io/a-very-long-container-name"),
            Some(("a-very-long-".into(), "containerd"))
        );
        // systemd units on the host are not containers.
        assert_eq!(id("/system.slice/cron.service"), None);
        assert_eq!(id("/user.slice/user-0.slice/session-1.scope"), None);
    }

    #[test]
    fn host_paths() {
        assert_eq!(id("/"), None);
        assert_eq!(id(""), None);
        assert_eq!(id("/init.scope"), None);
        // 63 hex is no docker id, but the containerd matcher takes short ids after a namespace.
        assert_eq!(
            id(&format!("/docker/{}", &HEX[..63])),
            Some((HEX[..12].into(), "containerd"))
        );
        // 65 characters after the last '/': too long for every matcher.
        assert_eq!(id(&format!("/docker/{HEX}a")), None);
    }

    #[test]
    fn hex_check_counts_from_the_start_of_the_string() {
        // The plugin compares the absolute index of the first non-hex byte with 64, so a
        // 64-character id with a non-hex character far enough into the string passes.
        let mut odd = HEX.to_string();
        odd.replace_range(60..61, "z");
        assert_eq!(
            id(&format!("/docker/{odd}")),
            Some((odd[..12].into(), "docker"))
        );
        // But not when the string is short enough that the index stays below 64.
        let mut early = HEX.to_string();
        early.replace_range(0..1, "z");
        assert_eq!(id(&format!("/{early}")), None);
    }

    #[test]
    fn first_matching_cgroup_wins() {
        let ids = IdGen::new();
        let mut c = Containers::default();
        let cgs = vec![
            Cgroup {
                subsys: b"cpuset".to_vec(),
                path: b"/".to_vec(),
            },
            Cgroup {
                subsys: Vec::new(),
                path: format!("/docker/{HEX}").into_bytes(),
            },
        ];
        let (info, from) = c.resolve(&cgs, &ids, 5);
        let info = info.unwrap();
        assert_eq!(info.container_id, &HEX.as_bytes()[..12]);
        assert_eq!(info.full_id, HEX.as_bytes());
        assert_eq!(info.runtime, b"docker");
        assert_eq!(from, format!("/docker/{HEX}").as_bytes());
        // Same container, same record.
        let (again, _) = c.resolve(&cgs, &ids, 9);
        assert!(Arc::ptr_eq(&info, &again.unwrap()));
        let host = vec![Cgroup {
            subsys: Vec::new(),
            path: b"/user.slice".to_vec(),
        }];
        assert_eq!(c.resolve(&host, &ids, 1).0, None);
    }
}
