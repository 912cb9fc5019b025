//! Test helpers: rebuild writer-side records from a decoded block, to compare with what was
//! written.

#![allow(dead_code)]

use std::sync::Arc;

use rtsec_format::{
    Args, Block, ContainerInfo, EventView, FdInfo, GroupInfo, MountInfo, ProcessInfo, Ref, UserInfo,
};
use rtsec_format::{Header, TraceWriter, WriterOptions, synth};

pub fn container(b: &Block, r: Ref) -> Arc<ContainerInfo> {
    let c = b.container(r).unwrap();
    let s = |id| b.str(id).to_vec();
    let o = |id: Option<_>| id.map(|id| b.str(id).to_vec());
    Arc::new(ContainerInfo {
        id: c.id,
        container_id: s(c.container_id),
        full_id: s(c.full_id),
        runtime: s(c.runtime),
        name: o(c.name),
        image: o(c.image),
        image_repository: o(c.image_repository),
        image_tag: o(c.image_tag),
        image_id: o(c.image_id),
        image_digest: o(c.image_digest),
        privileged: c.privileged,
        labels: c.labels.iter().map(|(k, v)| (s(*k), s(*v))).collect(),
        mounts: c
            .mounts
            .iter()
            .map(|m| MountInfo {
                source: s(m.source),
                dest: s(m.dest),
                mode: s(m.mode),
                rw: m.rw,
                propagation: s(m.propagation),
            })
            .collect(),
        ip: c.ip,
        user: o(c.user),
        start_ts: c.start_ts,
    })
}

pub fn user(b: &Block, r: Ref) -> Arc<UserInfo> {
    let u = b.user(r).unwrap();
    Arc::new(UserInfo {
        id: u.id,
        container: u.container.map(|c| container(b, c)),
        uid: u.uid,
        gid: u.gid,
        name: b.str(u.name).to_vec(),
        home: b.str(u.home).to_vec(),
        shell: b.str(u.shell).to_vec(),
    })
}

pub fn group(b: &Block, r: Ref) -> Arc<GroupInfo> {
    let g = b.group(r).unwrap();
    Arc::new(GroupInfo {
        id: g.id,
        container: g.container.map(|c| container(b, c)),
        gid: g.gid,
        name: b.str(g.name).to_vec(),
    })
}

pub fn process(b: &Block, r: Ref) -> Arc<ProcessInfo> {
    let p = b.process(r).unwrap();
    let s = |id| b.str(id).to_vec();
    Arc::new(ProcessInfo {
        id: p.id,
        pid: p.pid,
        ppid: p.ppid,
        parent: p.parent.map(|r| process(b, r)),
        vpid: p.vpid,
        sid: p.sid,
        pgid: p.pgid,
        vpgid: p.vpgid,
        comm: s(p.comm),
        exe: s(p.exe),
        exepath: s(p.exepath),
        args: p.args.iter().map(|a| s(*a)).collect(),
        env: p.env.iter().map(|a| s(*a)).collect(),
        cwd: s(p.cwd),
        sname: s(p.sname),
        vpgid_name: s(p.vpgid_name),
        vpgid_exe: s(p.vpgid_exe),
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
        cgroup: s(p.cgroup),
        fdlimit: p.fdlimit,
        container: p.container.map(|r| container(b, r)),
        user: p.user.map(|r| user(b, r)),
        loginuser: p.loginuser.map(|r| user(b, r)),
        group: p.group.map(|r| group(b, r)),
        flags: p.flags,
    })
}

pub fn fd(b: &Block, r: Ref) -> Arc<FdInfo> {
    let f = b.fd(r).unwrap();
    Arc::new(FdInfo {
        id: f.id,
        num: f.num,
        ty: f.ty,
        name: b.str(f.name).to_vec(),
        nameraw: b.str(f.nameraw).to_vec(),
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
    })
}

/// An event as owned values, comparable with what was pushed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnedEvent {
    pub ts: u64,
    pub tid: i64,
    pub cpu: u16,
    pub kind: rtsec_format::Kind,
    pub flags: u8,
    pub res: i64,
    pub proc: Option<Arc<ProcessInfo>>,
    pub fd: Option<Arc<FdInfo>>,
    pub args: Args<Vec<u8>>,
}

pub fn owned(ev: &EventView<'_>) -> OwnedEvent {
    let e = ev.event;
    OwnedEvent {
        ts: e.ts,
        tid: e.tid,
        cpu: e.cpu,
        kind: e.kind,
        flags: e.flags,
        res: e.res,
        proc: e.proc.map(|r| process(ev.block, r)),
        fd: e.fd.map(|r| fd(ev.block, r)),
        args: e.args.map(|id| ev.block.str(*id).to_vec()),
    }
}

pub fn owned_from(ev: &rtsec_format::NewEvent<'_>) -> OwnedEvent {
    OwnedEvent {
        ts: ev.ts,
        tid: ev.tid,
        cpu: ev.cpu,
        kind: ev.kind,
        flags: ev.flags,
        res: ev.res,
        proc: ev.proc.cloned(),
        fd: ev.fd.cloned(),
        args: ev.args.map(|s| s.to_vec()),
    }
}

/// Writes a finished trace of `events` synthetic events (seed `seed`) in blocks of about
/// 16 KiB to `path`, with host "host".
pub fn multi_block_trace(path: &std::path::Path, events: usize, seed: u64) {
    let opts = WriterOptions {
        block_bytes: 16 << 10,
        ..Default::default()
    };
    let header = Header {
        created_by: "test".into(),
        hostname: "host".into(),
        ..Default::default()
    };
    let mut w = TraceWriter::create(path, &header, opts).unwrap();
    synth::generate(events, seed, |ev| w.push(ev).unwrap());
    w.finish().unwrap();
}
