//! Collects events into a block, copying in every record they refer to, each once.

use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::args::Args;
use crate::block::Block;
use crate::error::FormatError;
use crate::kind::Kind;
use crate::record::{ContainerInfo, FdInfo, GroupInfo, ProcessInfo, UserInfo};
use crate::strings::Interner;
use crate::wire::{Container, Event, Fd, Group, Process, Ref, User};

/// One event as a writer hands it over: records by reference, strings borrowed.
#[derive(Clone, Debug)]
pub struct NewEvent<'a> {
    /// Nanoseconds since the Unix epoch.
    pub ts: u64,
    pub tid: i64,
    pub cpu: u16,
    pub kind: Kind,
    /// `wire::event_flags` bits.
    pub flags: u8,
    pub res: i64,
    pub proc: Option<&'a Arc<ProcessInfo>>,
    pub fd: Option<&'a Arc<FdInfo>>,
    pub args: Args<&'a [u8]>,
}

// Rough per-item sizes once encoded, used only to decide when a block is big enough.
const EVENT_COST: usize = 14;
const RECORD_COST: usize = 40;

/// Builds one block at a time.
#[derive(Default)]
pub struct BlockBuilder {
    strings: Interner,
    block: Block,
    process_refs: FxHashMap<u64, Ref>,
    fd_refs: FxHashMap<u64, Ref>,
    container_refs: FxHashMap<u64, Ref>,
    user_refs: FxHashMap<u64, Ref>,
    group_refs: FxHashMap<u64, Ref>,
    records: usize,
    ts_min: u64,
    ts_max: u64,
    // Ancestors not yet in the block, reused between calls to avoid allocating.
    chain: Vec<Arc<ProcessInfo>>,
}

impl BlockBuilder {
    /// Adds an event (and the records it refers to).
    pub fn push(&mut self, ev: &NewEvent<'_>) -> Result<(), FormatError> {
        if !ev.args.fits(ev.kind) {
            return Err(FormatError::ArgsMismatch {
                kind: ev.kind.name(),
            });
        }
        let proc = ev.proc.map(|p| self.process(p));
        let fd = ev.fd.map(|f| self.fd(f));
        let strings = &mut self.strings;
        let args = ev.args.map(|s| strings.intern(s));
        if self.block.events.is_empty() {
            self.ts_min = ev.ts;
            self.ts_max = ev.ts;
        } else {
            self.ts_min = self.ts_min.min(ev.ts);
            self.ts_max = self.ts_max.max(ev.ts);
        }
        self.block.events.push(Event {
            ts: ev.ts,
            tid: ev.tid,
            cpu: ev.cpu,
            kind: ev.kind,
            flags: ev.flags,
            res: ev.res,
            proc,
            fd,
            args,
        });
        Ok(())
    }

    /// Events in the block so far.
    pub fn len(&self) -> usize {
        self.block.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.block.events.is_empty()
    }

    /// Approximate encoded size of the block so far, in bytes.
    pub fn approx_bytes(&self) -> usize {
        self.strings.byte_len() + self.block.events.len() * EVENT_COST + self.records * RECORD_COST
    }

    /// Smallest and largest timestamp in the block (0, 0 if empty).
    pub fn time_range(&self) -> (u64, u64) {
        (self.ts_min, self.ts_max)
    }

    /// The finished block (empty if nothing was pushed); the builder starts a new one.
    pub fn take(&mut self) -> Block {
        self.process_refs.clear();
        self.fd_refs.clear();
        self.container_refs.clear();
        self.user_refs.clear();
        self.group_refs.clear();
        self.records = 0;
        let mut b = std::mem::take(&mut self.block);
        b.strings = self.strings.take();
        b
    }

    fn process(&mut self, p: &Arc<ProcessInfo>) -> Ref {
        if let Some(&r) = self.process_refs.get(&p.id) {
            return r;
        }
        // Ancestors go in first, so a parent's index is always below its child's.
        self.chain.clear();
        let mut cur = p.parent.as_ref();
        while let Some(a) = cur {
            if self.process_refs.contains_key(&a.id) {
                break;
            }
            self.chain.push(a.clone());
            cur = a.parent.as_ref();
        }
        let chain = std::mem::take(&mut self.chain);
        for a in chain.iter().rev() {
            self.add_process(a);
        }
        self.chain = chain;
        self.add_process(p)
    }

    fn add_process(&mut self, p: &ProcessInfo) -> Ref {
        if let Some(&r) = self.process_refs.get(&p.id) {
            return r; // a duplicate id inside an ancestor chain
        }
        let parent = p
            .parent
            .as_ref()
            .and_then(|a| self.process_refs.get(&a.id).copied());
        let container = p.container.as_ref().map(|c| self.container(c));
        let user = p.user.as_ref().map(|u| self.user(u));
        let loginuser = p.loginuser.as_ref().map(|u| self.user(u));
        let group = p.group.as_ref().map(|g| self.group(g));
        let s = &mut self.strings;
        let rec = Process {
            id: p.id,
            pid: p.pid,
            ppid: p.ppid,
            parent,
            vpid: p.vpid,
            sid: p.sid,
            pgid: p.pgid,
            vpgid: p.vpgid,
            comm: s.intern(&p.comm),
            exe: s.intern(&p.exe),
            exepath: s.intern(&p.exepath),
            args: p.args.iter().map(|a| s.intern(a)).collect(),
            env: p.env.iter().map(|a| s.intern(a)).collect(),
            cwd: s.intern(&p.cwd),
            sname: s.intern(&p.sname),
            vpgid_name: s.intern(&p.vpgid_name),
            vpgid_exe: s.intern(&p.vpgid_exe),
            tty: p.tty,
            uid: p.uid,
            gid: p.gid,
            euid: p.euid,
            egid: p.egid,
            loginuid: p.loginuid,
            cap_inheritable: p.cap_inheritable,
            cap_permitted: p.cap_permitted,
            cap_effective: p.cap_effective,
            exe_flags: p.exe_flags,
            exe_ino: p.exe_ino,
            exe_ino_ctime: p.exe_ino_ctime,
            exe_ino_mtime: p.exe_ino_mtime,
            start_ts: p.start_ts,
            exec_ts: p.exec_ts,
            pidns_init_start_ts: p.pidns_init_start_ts,
            cgroup: s.intern(&p.cgroup),
            fdlimit: p.fdlimit,
            container,
            user,
            loginuser,
            group,
            flags: p.flags,
        };
        let r = self.block.processes.len() as Ref;
        self.block.processes.push(rec);
        self.process_refs.insert(p.id, r);
        self.records += 1 + p.args.len() / 4;
        r
    }

    fn container(&mut self, c: &ContainerInfo) -> Ref {
        if let Some(&r) = self.container_refs.get(&c.id) {
            return r;
        }
        let s = &mut self.strings;
        let mut opt = |o: &Option<Vec<u8>>| o.as_ref().map(|v| s.intern(v));
        let name = opt(&c.name);
        let image = opt(&c.image);
        let image_repository = opt(&c.image_repository);
        let image_tag = opt(&c.image_tag);
        let image_id = opt(&c.image_id);
        let image_digest = opt(&c.image_digest);
        let user = opt(&c.user);
        let rec = Container {
            id: c.id,
            container_id: s.intern(&c.container_id),
            full_id: s.intern(&c.full_id),
            runtime: s.intern(&c.runtime),
            name,
            image,
            image_repository,
            image_tag,
            image_id,
            image_digest,
            privileged: c.privileged,
            labels: c
                .labels
                .iter()
                .map(|(k, v)| (s.intern(k), s.intern(v)))
                .collect(),
            mounts: c
                .mounts
                .iter()
                .map(|m| crate::record::MountInfo {
                    source: s.intern(&m.source),
                    dest: s.intern(&m.dest),
                    mode: s.intern(&m.mode),
                    rw: m.rw,
                    propagation: s.intern(&m.propagation),
                })
                .collect(),
            ip: c.ip,
            user,
            start_ts: c.start_ts,
        };
        let r = self.block.containers.len() as Ref;
        self.block.containers.push(rec);
        self.container_refs.insert(c.id, r);
        self.records += 1 + c.labels.len() / 2;
        r
    }

    fn user(&mut self, u: &UserInfo) -> Ref {
        if let Some(&r) = self.user_refs.get(&u.id) {
            return r;
        }
        let container = u.container.as_ref().map(|c| self.container(c));
        let s = &mut self.strings;
        let rec = User {
            id: u.id,
            container,
            uid: u.uid,
            gid: u.gid,
            name: s.intern(&u.name),
            home: s.intern(&u.home),
            shell: s.intern(&u.shell),
        };
        let r = self.block.users.len() as Ref;
        self.block.users.push(rec);
        self.user_refs.insert(u.id, r);
        self.records += 1;
        r
    }

    fn group(&mut self, g: &GroupInfo) -> Ref {
        if let Some(&r) = self.group_refs.get(&g.id) {
            return r;
        }
        let container = g.container.as_ref().map(|c| self.container(c));
        let rec = Group {
            id: g.id,
            container,
            gid: g.gid,
            name: self.strings.intern(&g.name),
        };
        let r = self.block.groups.len() as Ref;
        self.block.groups.push(rec);
        self.group_refs.insert(g.id, r);
        self.records += 1;
        r
    }

    fn fd(&mut self, f: &FdInfo) -> Ref {
        if let Some(&r) = self.fd_refs.get(&f.id) {
            return r;
        }
        let s = &mut self.strings;
        let rec = Fd {
            id: f.id,
            num: f.num,
            ty: f.ty,
            name: s.intern(&f.name),
            nameraw: s.intern(&f.nameraw),
            open_flags: f.open_flags,
            l4proto: f.l4proto,
            client: f.client,
            server: f.server,
            local: f.local,
            unix_source: f.unix_source,
            unix_dest: f.unix_dest,
            dev: f.dev,
            ino: f.ino,
            flags: f.flags,
        };
        let r = self.block.fds.len() as Ref;
        self.block.fds.push(rec);
        self.fd_refs.insert(f.id, r);
        self.records += 1;
        r
    }
}
