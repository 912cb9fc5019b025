//! Building events for tests through the format crate's event model (records + block builder).
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::Arc;

use rtsec_format::builder::BlockBuilder;
use rtsec_format::record::{exe_flags, fd_flags};
use rtsec_format::{
    Args, Block, ContainerInfo, FdInfo, FdType, GroupInfo, IdGen, Kind, L4Proto, LocalSide,
    NewEvent, ProcessInfo, UserInfo,
};
use rtsec_rules::{
    Alert, AlertBuf, Engine, EngineOptions, HostTable, OutputValue, RuleMatching, RuleSet,
    RuleSource, Scratch,
};

pub static IDS: IdGen = IdGen::new();

pub const TS: u64 = 1_700_000_011_726_060_287;

pub fn falco_file(name: &str) -> RuleSource {
    let path = format!(
        "{}/../../shared/falco-rules/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    RuleSource::from_file(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn stable() -> RuleSet {
    rtsec_rules::load(&[falco_file("falco_rules.yaml")]).expect("stable rules load")
}

/// The engine of one rules file's text (`t.yaml`), rules matched as `m`.
pub fn engine_of(yaml: &str, m: RuleMatching) -> Engine {
    let set = rtsec_rules::load(&[RuleSource::new("t.yaml", yaml)]).expect("the rules load");
    engine(&set, m)
}

pub fn engine(set: &RuleSet, m: RuleMatching) -> Engine {
    Engine::new(
        set,
        EngineOptions {
            rule_matching: m,
            ..Default::default()
        },
    )
}

pub fn user(name: &str, uid: u32, container: Option<&Arc<ContainerInfo>>) -> Arc<UserInfo> {
    Arc::new(UserInfo {
        id: IDS.next(),
        container: container.cloned(),
        uid,
        gid: uid,
        name: name.into(),
        home: format!("/home/{name}").into(),
        shell: b"/bin/bash".to_vec(),
    })
}

pub fn group(name: &str, gid: u32) -> Arc<GroupInfo> {
    Arc::new(GroupInfo {
        id: IDS.next(),
        container: None,
        gid,
        name: name.into(),
    })
}

/// A container with full metadata (docker, 12-char id).
pub fn container(image_repo: &str, privileged: bool) -> Arc<ContainerInfo> {
    Arc::new(ContainerInfo {
        id: IDS.next(),
        container_id: b"0123456789ab".to_vec(),
        full_id: b"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef".to_vec(),
        runtime: b"docker".to_vec(),
        name: Some(b"web-1".to_vec()),
        image: Some(format!("{image_repo}:latest").into()),
        image_repository: Some(image_repo.into()),
        image_tag: Some(b"latest".to_vec()),
        image_id: Some(b"sha256:abc".to_vec()),
        image_digest: None,
        privileged: Some(privileged),
        labels: vec![
            (b"io.kubernetes.pod.namespace".to_vec(), b"default".to_vec()),
            (b"io.kubernetes.pod.name".to_vec(), b"web-1-abcde".to_vec()),
        ],
        mounts: vec![],
        ip: Some("172.17.0.2".parse().unwrap()),
        user: Some(b"root".to_vec()),
        start_ts: TS - 60_000_000_000,
    })
}

/// A process description; `build` makes the record.
#[derive(Clone)]
pub struct P {
    pub comm: String,
    pub exe: String,
    pub exepath: String,
    pub args: Vec<String>,
    pub parent: Option<Arc<ProcessInfo>>,
    pub container: Option<Arc<ContainerInfo>>,
    pub uid: u32,
    pub user: Option<String>,
    pub tty: u32,
    pub cwd: String,
    pub exe_flags: u32,
    pub cap_effective: u64,
    pub start_ts: u64,
    pub loginuid: u32,
    pub env: Vec<String>,
}

impl P {
    pub fn new(comm: &str) -> P {
        P {
            comm: comm.into(),
            exe: format!("/usr/bin/{comm}"),
            exepath: format!("/usr/bin/{comm}"),
            args: vec![],
            parent: None,
            container: None,
            uid: 0,
            user: Some("root".into()),
            tty: 0,
            cwd: "/root".into(),
            exe_flags: 0,
            cap_effective: 0,
            start_ts: TS - 10_000_000_000,
            loginuid: u32::MAX,
            env: vec![],
        }
    }
    pub fn args(mut self, a: &[&str]) -> P {
        self.args = a.iter().map(|s| s.to_string()).collect();
        self
    }
    pub fn exe(mut self, exe: &str) -> P {
        self.exe = exe.into();
        self.exepath = exe.into();
        self
    }
    pub fn parent(mut self, p: &Arc<ProcessInfo>) -> P {
        self.parent = Some(p.clone());
        self
    }
    pub fn in_container(mut self, c: &Arc<ContainerInfo>) -> P {
        self.container = Some(c.clone());
        self
    }
    pub fn uid(mut self, uid: u32, name: Option<&str>) -> P {
        self.uid = uid;
        self.user = name.map(str::to_string);
        self
    }
    pub fn tty(mut self, tty: u32) -> P {
        self.tty = tty;
        self
    }
    pub fn cwd(mut self, cwd: &str) -> P {
        self.cwd = cwd.into();
        self
    }
    pub fn upper_layer(mut self) -> P {
        self.exe_flags |= exe_flags::UPPER_LAYER;
        self
    }
    pub fn memfd(mut self) -> P {
        self.exe_flags |= exe_flags::FROM_MEMFD;
        self
    }
    pub fn caps(mut self, c: u64) -> P {
        self.cap_effective = c;
        self
    }
    pub fn started(mut self, ts: u64) -> P {
        self.start_ts = ts;
        self
    }
    pub fn build(self) -> Arc<ProcessInfo> {
        let pid = IDS.next() as i64 + 1000;
        let user = self
            .user
            .as_deref()
            .map(|n| user(n, self.uid, self.container.as_ref()));
        Arc::new(ProcessInfo {
            id: IDS.next(),
            pid,
            ppid: self.parent.as_ref().map_or(1, |p| p.pid),
            parent: self.parent.clone(),
            vpid: pid,
            sid: pid,
            pgid: pid,
            vpgid: pid,
            comm: self.comm.clone().into(),
            exe: self.exe.clone().into(),
            exepath: self.exepath.clone().into(),
            args: self.args.iter().map(|a| a.clone().into()).collect(),
            env: self.env.iter().map(|a| a.clone().into()).collect(),
            cwd: self.cwd.clone().into(),
            sname: self.comm.clone().into(),
            vpgid_name: vec![],
            vpgid_exe: vec![],
            tty: self.tty,
            uid: self.uid,
            gid: self.uid,
            euid: self.uid,
            egid: self.uid,
            loginuid: self.loginuid,
            cap_inheritable: 0,
            cap_permitted: self.cap_effective,
            cap_effective: self.cap_effective,
            exe_flags: self.exe_flags,
            exe_ino: 1234,
            exe_ino_ctime: TS - 100,
            exe_ino_mtime: TS - 100,
            start_ts: self.start_ts,
            exec_ts: self.start_ts,
            pidns_init_start_ts: TS - 60_000_000_000,
            cgroup: vec![],
            fdlimit: 1024,
            container: self.container.clone(),
            user,
            loginuser: None,
            group: Some(group("root", 0)),
            flags: 0,
        })
    }
}

/// A chain `init → ... → name` as processes, returning the last.
pub fn chain(names: &[&str], container: Option<&Arc<ContainerInfo>>) -> Arc<ProcessInfo> {
    let mut cur: Option<Arc<ProcessInfo>> = None;
    for n in names {
        let mut p = P::new(n);
        if let Some(c) = container {
            p = p.in_container(c);
        }
        if let Some(parent) = &cur {
            p = p.parent(parent);
        }
        cur = Some(p.build());
    }
    cur.expect("non-empty chain")
}

pub fn file_fd(num: i64, path: &str, flags: u32) -> Arc<FdInfo> {
    Arc::new(FdInfo {
        id: IDS.next(),
        num,
        ty: FdType::File,
        name: path.into(),
        nameraw: path.into(),
        open_flags: flags,
        ..Default::default()
    })
}

pub fn tcp_fd(num: i64, client: &str, server: &str, v6: bool) -> Arc<FdInfo> {
    let c: SocketAddr = client.parse().unwrap();
    let s: SocketAddr = server.parse().unwrap();
    Arc::new(FdInfo {
        id: IDS.next(),
        num,
        ty: if v6 { FdType::Ipv6 } else { FdType::Ipv4 },
        name: format!("{client}->{server}").into(),
        nameraw: vec![],
        l4proto: L4Proto::Tcp,
        client: Some(c),
        server: Some(s),
        local: LocalSide::Client,
        flags: fd_flags::CONNECTED,
        ..Default::default()
    })
}

/// One event in a block of its own.
pub fn block(
    kind: Kind,
    proc: &Arc<ProcessInfo>,
    fd: Option<&Arc<FdInfo>>,
    args: Args<&[u8]>,
    res: i64,
) -> Block {
    flagged_block(kind, proc, fd, args, res, 0)
}

/// A block of closes, one by each (thread id, process): events of several threads and
/// processes side by side.
pub fn closes_by(threads: &[(i64, &Arc<ProcessInfo>)]) -> Block {
    let mut b = BlockBuilder::default();
    for &(tid, proc) in threads {
        b.push(&NewEvent {
            ts: TS,
            tid,
            cpu: 0,
            kind: Kind::Close,
            flags: 0,
            res: 0,
            proc: Some(proc),
            fd: None,
            args: Args::Fd { fd: 3 },
        })
        .expect("args fit the kind");
    }
    let mut blk = b.take();
    blk.first_event_num = 1;
    blk
}

/// [`block`] with `rtsec_format::wire::event_flags` set on the event.
pub fn flagged_block(
    kind: Kind,
    proc: &Arc<ProcessInfo>,
    fd: Option<&Arc<FdInfo>>,
    args: Args<&[u8]>,
    res: i64,
    flags: u8,
) -> Block {
    let mut b = BlockBuilder::default();
    b.push(&NewEvent {
        ts: TS,
        tid: proc.pid,
        cpu: 1,
        kind,
        flags,
        res,
        proc: Some(proc),
        fd,
        args,
    })
    .expect("args fit the kind");
    let mut blk = b.take();
    blk.first_event_num = 1;
    blk
}

/// A read of `fd` by `proc` (an event that uses the fd and changes nothing).
pub fn read_of(proc: &Arc<ProcessInfo>, fd: &Arc<FdInfo>) -> Block {
    block(
        Kind::Read,
        proc,
        Some(fd),
        Args::Io {
            fd: fd.num,
            data: b"",
            size: 0,
            pos: 0,
            addr: rtsec_format::SockAddr::None,
        },
        0,
    )
}

/// Whether `condition` (no macros) holds on the block's first event.
pub fn holds(b: &Block, condition: &str) -> bool {
    holds_in(b, condition, &mut Scratch::new())
}

/// [`holds`] with a scratch the caller set up (hostname, interface addresses).
pub fn holds_in(b: &Block, condition: &str, scratch: &mut Scratch) -> bool {
    RuleSet::empty()
        .filter(condition)
        .unwrap_or_else(|e| panic!("{condition}: {e}"))
        .matches(&b.event(0).unwrap(), scratch, &HostTable::new())
}

/// An execve of `proc` (the new image).
pub fn exec(proc: &Arc<ProcessInfo>) -> Block {
    let exe = proc.exepath.clone();
    let leaked: &'static [u8] = Box::leak(exe.into_boxed_slice());
    block(
        Kind::Execve,
        proc,
        None,
        Args::Exec {
            dirfd: rtsec_format::AT_FDCWD,
            filename: rtsec_format::PathArg::same(leaked),
            flags: 0,
        },
        0,
    )
}

/// An openat of `path` with raw flags; successful ones get an fd record.
pub fn openat(proc: &Arc<ProcessInfo>, path: &str, flags: u32, res: i64) -> Block {
    let leaked: &'static [u8] = Box::leak(path.as_bytes().to_vec().into_boxed_slice());
    let fd = (res >= 0).then(|| file_fd(res, path, flags));
    block(
        Kind::Openat,
        proc,
        fd.as_ref(),
        Args::Open {
            dirfd: rtsec_format::AT_FDCWD,
            path: rtsec_format::PathArg::same(leaked),
            flags,
            mode: 0,
            resolve: 0,
            dev: 0,
            ino: 0,
        },
        res,
    )
}

/// The names of the rules an engine fires on the block's first event (checked to be the same
/// with a block matcher, which replay uses).
pub fn fired(engine: &Engine, b: &Block) -> Vec<String> {
    let mut sc = engine.scratch();
    let ev = b.event(0).unwrap();
    let ids = engine.matches(&ev, &mut sc).to_vec();
    let mut sc2 = engine.scratch();
    let mut m = engine.block_matcher(b, &mut sc2);
    assert_eq!(m.matches(&ev), ids, "block matcher and matches disagree");
    ids.iter().map(|&id| engine.rule(id).name.clone()).collect()
}

/// The `output_fields` of a rendered buffer, owned.
pub fn buf_fields(buf: &AlertBuf) -> Vec<(String, OutputValue)> {
    buf.fields()
        .map(|(k, v)| (k.to_string(), v.to_owned()))
        .collect()
}

/// The one alert the engine fires on the block's first event (hostname `h`), checked against
/// what a reused [`AlertBuf`] renders (rendered twice: nothing of the first may remain): the
/// same text, line, `output_fields` and JSON, and the same fields from `render_fields` alone.
/// Returns the alert and the buffer.
pub fn checked_alert<'e>(e: &'e Engine, b: &Block) -> (Alert<'e>, AlertBuf) {
    let ev = b.event(0).unwrap();
    let mut sc = e.scratch();
    sc.set_hostname("h");
    let ids = e.matches(&ev, &mut sc).to_vec();
    assert_eq!(ids.len(), 1);
    let a = e.alert(ids[0], &ev, &mut sc);
    let mut buf = AlertBuf::new();
    e.render(ids[0], &ev, &mut sc, &mut buf);
    e.render(ids[0], &ev, &mut sc, &mut buf);
    assert_eq!(buf.output(), a.output);
    assert_eq!(buf.line(), a.text_line());
    assert_eq!(buf_fields(&buf), a.output_fields);
    let mut json = Vec::new();
    buf.write_json(e.rule(ids[0]), "h", &mut json);
    assert_eq!(String::from_utf8(json).unwrap(), a.json_line());
    let mut only = AlertBuf::new();
    e.render_fields(ids[0], &ev, &mut sc, &mut only);
    assert_eq!(buf_fields(&only), a.output_fields);
    (a, buf)
}
