//! uid → user and gid → group, per container (Falco's `user.name` lookup, §6.7 of the
//! reference): the host's table for host processes, each container's own `/etc/passwd` and
//! `/etc/group` for processes inside it.
//!
//! Tables are filled by the source: seeded directly (an import's user list) or loaded lazily
//! by a [`TableLoader`] the first time a container is looked up (live capture reads
//! `/proc/PID/root/etc/passwd` of a process inside it). An unknown id has no record; readers
//! then apply Falco's fallback (`root` for 0, `<NA>` otherwise).

use std::sync::Arc;

use rtsec_format::{ContainerInfo, GroupInfo, IdGen, UserInfo};
use rustc_hash::FxHashMap;

/// One `/etc/passwd` line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PasswdEntry {
    pub name: Vec<u8>,
    pub uid: u32,
    pub gid: u32,
    pub home: Vec<u8>,
    pub shell: Vec<u8>,
}

/// One `/etc/group` line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupEntry {
    pub name: Vec<u8>,
    pub gid: u32,
}

/// Parses `/etc/passwd` content; malformed lines are skipped.
pub fn parse_passwd(text: &[u8]) -> Vec<PasswdEntry> {
    text.split(|&b| b == b'\n')
        .filter_map(|line| {
            let f: Vec<&[u8]> = line.split(|&b| b == b':').collect();
            if f.len() < 7 || f[0].is_empty() || f[0].starts_with(b"#") {
                return None;
            }
            Some(PasswdEntry {
                name: f[0].to_vec(),
                uid: parse_u32(f[2])?,
                gid: parse_u32(f[3])?,
                home: f[5].to_vec(),
                shell: f[6].to_vec(),
            })
        })
        .collect()
}

/// Parses `/etc/group` content; malformed lines are skipped.
pub fn parse_group(text: &[u8]) -> Vec<GroupEntry> {
    text.split(|&b| b == b'\n')
        .filter_map(|line| {
            let f: Vec<&[u8]> = line.split(|&b| b == b':').collect();
            if f.len() < 3 || f[0].is_empty() || f[0].starts_with(b"#") {
                return None;
            }
            Some(GroupEntry {
                name: f[0].to_vec(),
                gid: parse_u32(f[2])?,
            })
        })
        .collect()
}

fn parse_u32(b: &[u8]) -> Option<u32> {
    std::str::from_utf8(b).ok()?.trim().parse().ok()
}

/// Loads the tables of a container the first time it is needed: given the container (`None`:
/// host) and the pid of a process inside it, returns its passwd and group entries.
pub type TableLoader = Box<
    dyn FnMut(Option<&ContainerInfo>, i64) -> Option<(Vec<PasswdEntry>, Vec<GroupEntry>)> + Send,
>;

#[derive(Default)]
struct Table {
    users: FxHashMap<u32, Arc<UserInfo>>,
    groups: FxHashMap<u32, Arc<GroupInfo>>,
}

/// User and group tables per container (key: container id, empty for the host).
#[derive(Default)]
pub struct Users {
    tables: FxHashMap<Vec<u8>, Table>,
    loader: Option<TableLoader>,
    /// Failed loads per container (the process we read through may already be gone): retried
    /// with the next process, up to `MAX_LOAD_TRIES` times.
    failed: FxHashMap<Vec<u8>, u32>,
}

const MAX_LOAD_TRIES: u32 = 20;

fn key(c: Option<&Arc<ContainerInfo>>) -> Vec<u8> {
    c.map_or_else(Vec::new, |c| c.container_id.clone())
}

impl Users {
    pub fn set_loader(&mut self, loader: TableLoader) {
        self.loader = Some(loader);
    }

    /// Adds users of a container (`None`: host).
    pub fn seed_users(
        &mut self,
        container: Option<&Arc<ContainerInfo>>,
        entries: &[PasswdEntry],
        ids: &IdGen,
    ) {
        let t = self.tables.entry(key(container)).or_default();
        for e in entries {
            t.users.entry(e.uid).or_insert_with(|| {
                Arc::new(UserInfo {
                    id: ids.next(),
                    container: container.cloned(),
                    uid: e.uid,
                    gid: e.gid,
                    name: e.name.clone(),
                    home: e.home.clone(),
                    shell: e.shell.clone(),
                })
            });
        }
    }

    /// Adds groups of a container (`None`: host).
    pub fn seed_groups(
        &mut self,
        container: Option<&Arc<ContainerInfo>>,
        entries: &[GroupEntry],
        ids: &IdGen,
    ) {
        let t = self.tables.entry(key(container)).or_default();
        for e in entries {
            t.groups.entry(e.gid).or_insert_with(|| {
                Arc::new(GroupInfo {
                    id: ids.next(),
                    container: container.cloned(),
                    gid: e.gid,
                    name: e.name.clone(),
                })
            });
        }
    }

    fn ensure(&mut self, container: Option<&Arc<ContainerInfo>>, pid: i64, ids: &IdGen) {
        let k = key(container);
        if self.tables.contains_key(&k) || self.loader.is_none() {
            return;
        }
        let tries = self.failed.entry(k.clone()).or_default();
        if *tries >= MAX_LOAD_TRIES {
            return;
        }
        let loaded = self
            .loader
            .as_mut()
            .and_then(|l| l(container.map(|c| &**c), pid));
        match loaded {
            Some((u, g)) => {
                self.failed.remove(&k);
                self.tables.insert(k, Table::default());
                self.seed_users(container, &u, ids);
                self.seed_groups(container, &g, ids);
            }
            None => *self.failed.get_mut(&k).expect("inserted above") += 1,
        }
    }

    /// The user `uid` of `container` (loading its table through the loader if first seen).
    pub fn user(
        &mut self,
        container: Option<&Arc<ContainerInfo>>,
        uid: u32,
        pid: i64,
        ids: &IdGen,
    ) -> Option<Arc<UserInfo>> {
        self.ensure(container, pid, ids);
        self.tables.get(&key(container))?.users.get(&uid).cloned()
    }

    /// The group `gid` of `container`.
    pub fn group(
        &mut self,
        container: Option<&Arc<ContainerInfo>>,
        gid: u32,
        pid: i64,
        ids: &IdGen,
    ) -> Option<Arc<GroupInfo>> {
        self.ensure(container, pid, ids);
        self.tables.get(&key(container))?.groups.get(&gid).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_passwd_and_group() {
        let p = parse_passwd(
            b"root:x:0:0:root:/root:/bin/bash\n# comment\nbad line\nwww-data:x:33:33::/var/www:/usr/sbin/nologin\n",
        );
        assert_eq!(p.len(), 2);
        assert_eq!(p[1].name, b"www-data");
        assert_eq!(p[1].uid, 33);
        assert_eq!(p[1].home, b"/var/www");
        let g = parse_group(b"root:x:0:\nshadow:x:42:\nnope\n");
        assert_eq!(
            g,
            vec![
                GroupEntry {
                    name: b"root".to_vec(),
                    gid: 0
                },
                GroupEntry {
                    name: b"shadow".to_vec(),
                    gid: 42
                }
            ]
        );
    }

    #[test]
    fn tables_are_per_container_and_loaded_once() {
        let ids = IdGen::new();
        let mut u = Users::default();
        let calls = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
        let c2 = calls.clone();
        u.set_loader(Box::new(move |c, _pid| {
            c2.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let name: &[u8] = if c.is_some() { b"app" } else { b"alice" };
            Some((
                vec![PasswdEntry {
                    name: name.to_vec(),
                    uid: 1000,
                    ..Default::default()
                }],
                vec![],
            ))
        }));
        let box1 = Arc::new(ContainerInfo {
            container_id: b"abc".to_vec(),
            ..Default::default()
        });
        assert_eq!(u.user(None, 1000, 1, &ids).unwrap().name, b"alice");
        assert_eq!(u.user(Some(&box1), 1000, 2, &ids).unwrap().name, b"app");
        assert!(u.user(Some(&box1), 0, 2, &ids).is_none());
        assert_eq!(
            u.user(Some(&box1), 1000, 2, &ids)
                .unwrap()
                .container
                .as_ref()
                .unwrap()
                .container_id,
            b"abc"
        );
        assert_eq!(calls.load(std::sync::atomic::Ordering::Relaxed), 2);
    }

    #[test]
    fn failed_loads_are_retried_a_few_times() {
        let ids = IdGen::new();
        let mut u = Users::default();
        let calls = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
        let c2 = calls.clone();
        u.set_loader(Box::new(move |_, pid| {
            c2.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            // The first process is gone before we read its /etc/passwd; the third is not.
            (pid == 3).then(|| {
                (
                    vec![PasswdEntry {
                        name: b"app".to_vec(),
                        uid: 7,
                        ..Default::default()
                    }],
                    vec![],
                )
            })
        }));
        let c = Arc::new(ContainerInfo {
            container_id: b"box".to_vec(),
            ..Default::default()
        });
        assert!(u.user(Some(&c), 7, 1, &ids).is_none());
        assert!(u.user(Some(&c), 7, 2, &ids).is_none());
        assert_eq!(u.user(Some(&c), 7, 3, &ids).unwrap().name, b"app");
        assert_eq!(u.user(Some(&c), 7, 4, &ids).unwrap().name, b"app");
        assert_eq!(calls.load(std::sync::atomic::Ordering::Relaxed), 3);
    }
}
