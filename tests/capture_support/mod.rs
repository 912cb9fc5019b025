//! Shared pieces of the live-capture tests (`tests/capture_*.rs`): running `rtsec capture` as
//! root against the real kernel, helpers run as child processes, and reading traces back into
//! plain structs that are easy to assert on.
//!
//! Every test needs root, kernel BTF and eBPF. Without them a test prints why and passes —
//! except under `CI=true`, where it fails: CI runs as root on a real kernel.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use rtsec_format::{Args, Notice, PathArg, SockAddr, StrId, TraceReader};

pub const RTSEC: &str = env!("CARGO_BIN_EXE_rtsec");

/// `true` if live capture can run here. Outside CI a missing requirement skips the test (with a
/// message); under `CI=true` it fails it.
pub fn can_capture() -> bool {
    let mut missing = Vec::new();
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        missing.push("root");
    }
    if !Path::new("/sys/kernel/btf/vmlinux").exists() {
        missing.push("kernel BTF (/sys/kernel/btf/vmlinux)");
    }
    if missing.is_empty() {
        return true;
    }
    let msg = format!("live capture test needs {}", missing.join(" and "));
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{msg} (CI=true: failing instead of skipping)");
    }
    eprintln!("SKIPPED: {msg}");
    false
}

/// This test binary run again as a helper process: only the `#[ignore]`d test `name`, which
/// does its work when `RTSEC_HELPER` is set (and nothing in a normal `--ignored` run).
pub fn helper_cmd(name: &str) -> Vec<String> {
    vec![
        std::env::current_exe().unwrap().display().to_string(),
        "--ignored".into(),
        "--exact".into(),
        name.into(),
        "--nocapture".into(),
        "--test-threads=1".into(),
    ]
}

/// True inside a helper process started through [`helper_cmd`].
pub fn in_helper() -> bool {
    std::env::var_os("RTSEC_HELPER").is_some()
}

/// A fresh temporary directory for one test.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("rtsec-capture-test-")
        .tempdir()
        .expect("temp dir")
}

/// Runs `rtsec capture -o OUT ARGS... -- CMD...` to completion.
pub fn capture(out: &Path, args: &[&str], cmd: &[&str]) -> Output {
    capture_env(out, args, cmd, &[])
}

/// [`capture`] with environment variables for the command.
pub fn capture_env(out: &Path, args: &[&str], cmd: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(RTSEC);
    c.envs(env.iter().copied());
    c.arg("capture").arg("-o").arg(out).args(args);
    if !cmd.is_empty() {
        c.arg("--").args(cmd);
    }
    let o = c.output().expect("run rtsec capture");
    assert!(
        out.exists(),
        "rtsec capture wrote no trace; status {:?}, stderr:\n{}",
        o.status,
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// Captures helper test `helper` of this test binary (run with `RTSEC_HELPER=1` and `env`)
/// into `out`, and returns the pid the helper printed (`HELPER_PID N`).
pub fn capture_helper(out: &Path, helper: &str, env: &[(&str, &str)]) -> i64 {
    capture_helper_with(out, helper, &[], env)
        .trim()
        .parse()
        .unwrap()
}

/// [`capture_helper`] with capture arguments `args`; returns what the helper printed after
/// `HELPER_PID ` (its pid, then whatever else it reports).
pub fn capture_helper_with(
    out: &Path,
    helper: &str,
    args: &[&str],
    env: &[(&str, &str)],
) -> String {
    let cmd = helper_cmd(helper);
    let cmd: Vec<&str> = cmd.iter().map(String::as_str).collect();
    let mut env = env.to_vec();
    env.push(("RTSEC_HELPER", "1"));
    let o = capture_env(out, args, &cmd, &env);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    stdout
        .lines()
        .find_map(|l| l.split_once("HELPER_PID ").map(|x| x.1.to_string()))
        .unwrap_or_else(|| panic!("no pid from the helper: {stdout}"))
}

/// A capture running in the background.
pub struct Running {
    pub child: Child,
    pub stderr: Vec<String>,
    pub rest: std::sync::mpsc::Receiver<String>,
}

/// Starts `rtsec capture -o OUT ARGS...` and waits until it says it is capturing.
pub fn start_capture(out: &Path, args: &[&str]) -> Running {
    let mut cmd = Command::new(RTSEC);
    cmd.arg("capture").arg("-o").arg(out).args(args);
    start(cmd)
}

/// Starts `cmd`, a command that runs `rtsec capture` (itself, or by exec), and waits until it
/// says it is capturing.
pub fn start(mut cmd: Command) -> Running {
    let mut child = cmd
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("start rtsec capture");
    let mut lines = BufReader::new(child.stderr.take().expect("piped")).lines();
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let line = lines
            .next()
            .unwrap_or_else(|| panic!("rtsec capture ended before it started: {seen:?}"))
            .expect("read stderr");
        let ready = line.starts_with("rtsec: capturing to");
        seen.push(line);
        if ready {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "capture never became ready: {seen:?}"
        );
    }
    // Keep draining stderr so the capture never blocks on a full pipe.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for l in lines.map_while(Result::ok) {
            let _ = tx.send(l);
        }
    });
    Running {
        child,
        stderr: seen,
        rest: rx,
    }
}

impl Running {
    /// Sends `sig` and waits for the capture to end; returns its exit status and stderr.
    pub fn stop(mut self, sig: i32) -> (std::process::ExitStatus, String) {
        // SAFETY: plain kill(2) on our child.
        unsafe { libc::kill(self.child.id() as i32, sig) };
        let status = self.child.wait().expect("wait for rtsec capture");
        while let Ok(l) = self.rest.recv_timeout(Duration::from_secs(5)) {
            self.stderr.push(l);
        }
        (status, self.stderr.join("\n"))
    }
}

/// One event, with the records it refers to, as plain owned values.
#[derive(Clone, Debug, Default)]
pub struct Ev {
    pub num: u64,
    pub ts: u64,
    pub tid: i64,
    pub ty: String,
    pub res: i64,
    pub flags: u8,
    pub pid: i64,
    pub vpid: i64,
    pub comm: String,
    pub exe: String,
    pub exepath: String,
    pub args: Vec<String>,
    pub env: Vec<String>,
    /// `rtsec_format::record::proc_flags` of the process version.
    pub proc_flags: u32,
    pub exe_flags: u32,
    pub pidns_init_start_ts: u64,
    /// `proc.duration` counts from here (the thread's start, for a thread's record).
    pub start_ts: u64,
    pub cwd: String,
    pub uid: u32,
    pub euid: u32,
    pub user: Option<String>,
    pub cgroup: String,
    pub ppid: i64,
    pub parent_comm: Option<String>,
    pub container: Option<String>,
    pub container_runtime: Option<String>,
    /// Runtime metadata of the container (`None` until it arrived, or on the host).
    pub container_meta: Option<ContainerMeta>,
    pub fd_num: Option<i64>,
    pub fd_name: Option<String>,
    pub fd_client: Option<SocketAddr>,
    pub fd_server: Option<SocketAddr>,
    /// Path arguments as (raw, resolved).
    pub paths: Vec<(String, String)>,
    pub sockaddr: Option<String>,
    pub raw_args: Option<Args<StrId>>,
}

fn s(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A container's runtime metadata as recorded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContainerMeta {
    pub name: String,
    pub image: String,
    pub repository: String,
    pub tag: String,
    pub image_id: String,
    pub digest: String,
    pub privileged: Option<bool>,
    pub user: String,
    pub ip: Option<std::net::IpAddr>,
    pub labels: Vec<(String, String)>,
    /// (source, dest, mode, rw, propagation)
    pub mounts: Vec<(String, String, String, bool, String)>,
}

/// Everything a trace holds, and what the reader noticed.
pub struct Trace {
    pub events: Vec<Ev>,
    pub notices: Vec<Notice>,
    pub header: rtsec_format::Header,
    pub losses: rtsec_format::Losses,
    pub footer: bool,
}

impl Trace {
    /// The first successful open of `path`.
    pub fn open_of(&self, path: &str) -> &Ev {
        self.events
            .iter()
            .find(|e| e.res >= 0 && e.ty.starts_with("open") && e.fd_name.as_deref() == Some(path))
            .unwrap_or_else(|| panic!("no open of {path}"))
    }
}

/// Reads every event of `path`.
pub fn read(path: &Path) -> Trace {
    let reader = TraceReader::open(path).unwrap_or_else(|e| panic!("open {path:?}: {e}"));
    let mut events = Vec::new();
    let mut losses = None;
    let notices = reader
        .for_each_block(false, |b| {
            losses = Some(b.losses.clone());
            for e in b.events() {
                let mut ev = Ev {
                    num: e.num,
                    ts: e.event.ts,
                    tid: e.event.tid,
                    ty: e.type_name().to_string(),
                    res: e.event.res,
                    flags: e.event.flags,
                    raw_args: Some(e.args().clone()),
                    ..Ev::default()
                };
                if let Some(p) = e.process() {
                    ev.pid = p.pid;
                    ev.vpid = p.vpid;
                    ev.ppid = p.ppid;
                    ev.comm = s(e.str(p.comm));
                    ev.exe = s(e.str(p.exe));
                    ev.exepath = s(e.str(p.exepath));
                    ev.args = p.args.iter().map(|a| s(e.str(*a))).collect();
                    ev.env = p.env.iter().map(|a| s(e.str(*a))).collect();
                    ev.proc_flags = p.flags;
                    ev.exe_flags = p.exe_flags;
                    ev.pidns_init_start_ts = p.pidns_init_start_ts;
                    ev.start_ts = p.start_ts;
                    ev.cwd = s(e.str(p.cwd));
                    ev.uid = p.uid;
                    ev.euid = p.euid;
                    ev.cgroup = s(e.str(p.cgroup));
                    ev.user = p.user.and_then(|u| b.user(u)).map(|u| s(e.str(u.name)));
                    ev.parent_comm = b.parent(p).map(|pp| s(e.str(pp.comm)));
                }
                if let Some(c) = e.container() {
                    ev.container = Some(s(e.str(c.container_id)));
                    ev.container_runtime = Some(s(e.str(c.runtime)));
                    let o = |id: Option<StrId>| id.map(|i| s(e.str(i))).unwrap_or_default();
                    ev.container_meta = c.name.map(|n| ContainerMeta {
                        name: s(e.str(n)),
                        image: o(c.image),
                        repository: o(c.image_repository),
                        tag: o(c.image_tag),
                        image_id: o(c.image_id),
                        digest: o(c.image_digest),
                        privileged: c.privileged,
                        user: o(c.user),
                        ip: c.ip,
                        labels: c
                            .labels
                            .iter()
                            .map(|(k, v)| (s(e.str(*k)), s(e.str(*v))))
                            .collect(),
                        mounts: c
                            .mounts
                            .iter()
                            .map(|m| {
                                (
                                    s(e.str(m.source)),
                                    s(e.str(m.dest)),
                                    s(e.str(m.mode)),
                                    m.rw,
                                    s(e.str(m.propagation)),
                                )
                            })
                            .collect(),
                    });
                }
                if let Some(f) = e.fd() {
                    ev.fd_num = Some(f.num);
                    ev.fd_name = Some(s(e.str(f.name)));
                    ev.fd_client = f.client;
                    ev.fd_server = f.server;
                }
                let mut paths = Vec::new();
                let mut p =
                    |pa: &PathArg<StrId>| paths.push((s(e.str(pa.raw)), s(e.str(pa.resolved))));
                match e.args() {
                    Args::Exec { filename, .. } => p(filename),
                    Args::Open { path, .. }
                    | Args::Path { path, .. }
                    | Args::Chown { path, .. } => p(path),
                    Args::TwoPaths {
                        oldpath, newpath, ..
                    } => {
                        p(oldpath);
                        p(newpath);
                    }
                    Args::Symlink { linkpath, .. } => p(linkpath),
                    Args::Mount { target, .. } | Args::Umount { target, .. } => p(target),
                    _ => {}
                }
                ev.paths = paths;
                let addr = match e.args() {
                    Args::Connect { addr, .. }
                    | Args::Accept { addr, .. }
                    | Args::Io { addr, .. } => Some(addr),
                    _ => None,
                };
                ev.sockaddr = addr.and_then(|a| match a {
                    SockAddr::Inet { ip, port } => Some(SocketAddr::new(*ip, *port).to_string()),
                    SockAddr::Unix { path } => Some(s(e.str(*path))),
                    _ => None,
                });
                events.push(ev);
            }
        })
        .unwrap_or_else(|e| panic!("read {path:?}: {e}"));
    let footer = reader.footer().is_some();
    let losses = reader
        .footer()
        .map(|f| f.losses.clone())
        .or(losses)
        .unwrap_or_default();
    Trace {
        events,
        notices,
        header: reader.header().clone(),
        losses,
        footer,
    }
}

/// The program `tool` from `$PATH`, symlinks followed (what the kernel reports as exepath).
pub fn which(tool: &str) -> PathBuf {
    let path = std::env::var("PATH").unwrap_or_default();
    path.split(':')
        .map(|d| Path::new(d).join(tool))
        .find(|p| p.is_file())
        .and_then(|p| std::fs::canonicalize(p).ok())
        .unwrap_or_else(|| panic!("{tool} not found in $PATH"))
}

/// A fake container's cgroup under the cgroup v2 hierarchy; removed on drop.
pub struct FakeCgroup {
    pub dir: PathBuf,
    /// The cgroup path as `/proc/PID/cgroup` shows it.
    pub path: String,
}

impl FakeCgroup {
    /// Creates `<cgroup2 mount>/<rel>`.
    pub fn create(rel: &str) -> FakeCgroup {
        let root = cgroup2_root();
        let dir = root.join(rel.trim_start_matches('/'));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("mkdir {dir:?}: {e}"));
        FakeCgroup {
            dir,
            path: format!("/{}", rel.trim_start_matches('/')),
        }
    }

    /// `cgroup.procs` of the cgroup (write a pid to move it in).
    pub fn procs(&self) -> PathBuf {
        self.dir.join("cgroup.procs")
    }
}

impl Drop for FakeCgroup {
    fn drop(&mut self) {
        // Processes are gone by now; move any straggler out, then remove the directories we
        // made (leaf first, stopping at a non-empty parent).
        let root = cgroup2_root();
        if let Ok(p) = std::fs::read_to_string(self.procs()) {
            for pid in p.lines() {
                let _ = std::fs::write(root.join("cgroup.procs"), pid);
            }
        }
        let mut d = self.dir.clone();
        while d != root && std::fs::remove_dir(&d).is_ok() {
            if !d.pop() {
                break;
            }
        }
    }
}

/// A cgroup in the v1 `controller` hierarchy, below this process's own cgroup there (so it
/// stays inside whatever limits apply to us); removed on drop. `None` if the controller has no
/// v1 hierarchy here.
pub struct FakeCgroupV1 {
    pub dir: PathBuf,
    /// The cgroup path as `/proc/PID/cgroup` shows it.
    pub path: String,
    root: PathBuf,
    parent: PathBuf,
}

impl FakeCgroupV1 {
    pub fn create(controller: &str, rel: &str) -> Option<FakeCgroupV1> {
        let mi = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
        let root = mi.lines().find_map(|line| {
            let (pre, post) = line.split_once(" - ")?;
            let opts = post.split(' ').nth(2)?;
            (post.starts_with("cgroup ") && opts.split(',').any(|o| o == controller))
                .then(|| pre.split(' ').nth(4).map(PathBuf::from))
                .flatten()
        })?;
        let own = std::fs::read_to_string("/proc/self/cgroup").ok()?;
        let own = own.lines().find_map(|l| {
            let mut f = l.splitn(3, ':');
            let (_, ctl, path) = (f.next()?, f.next()?, f.next()?);
            ctl.split(',')
                .any(|c| c == controller)
                .then(|| path.to_string())
        })?;
        let parent = root.join(own.trim_start_matches('/'));
        let dir = parent.join(rel.trim_start_matches('/'));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("mkdir {dir:?}: {e}"));
        let path = format!(
            "{}/{}",
            own.trim_end_matches('/'),
            rel.trim_start_matches('/')
        );
        Some(FakeCgroupV1 {
            dir,
            path,
            root,
            parent,
        })
    }

    pub fn procs(&self) -> PathBuf {
        self.dir.join("cgroup.procs")
    }
}

impl Drop for FakeCgroupV1 {
    fn drop(&mut self) {
        if let Ok(p) = std::fs::read_to_string(self.procs()) {
            for pid in p.lines() {
                let _ = std::fs::write(self.parent.join("cgroup.procs"), pid);
            }
        }
        let mut d = self.dir.clone();
        while d != self.parent && d != self.root && std::fs::remove_dir(&d).is_ok() {
            if !d.pop() {
                break;
            }
        }
    }
}

/// Where cgroup v2 is mounted (`/sys/fs/cgroup` on pure v2 hosts, `/sys/fs/cgroup/unified` on
/// hybrid ones).
pub fn cgroup2_root() -> PathBuf {
    let mi = std::fs::read_to_string("/proc/self/mountinfo").expect("mountinfo");
    for line in mi.lines() {
        if let Some((pre, post)) = line.split_once(" - ")
            && post.starts_with("cgroup2 ")
        {
            return PathBuf::from(pre.split(' ').nth(4).expect("mount point"));
        }
    }
    panic!("no cgroup2 mount on this machine");
}

/// A fake container's cgroups: `rel` under cgroup v2 and, where there is a v1 memory
/// hierarchy, under this process's own memory cgroup too (Falco takes the first cgroup entry
/// any matcher accepts, and the v1 entries come before the v2 one, so a container must look
/// like one in v1 as well). Removed on drop.
pub struct FakeContainer {
    pub v2: FakeCgroup,
    pub v1: Option<FakeCgroupV1>,
}

impl FakeContainer {
    pub fn create(rel: &str) -> FakeContainer {
        FakeContainer {
            v2: FakeCgroup::create(rel),
            v1: FakeCgroupV1::create("memory", rel),
        }
    }

    /// A shell command that moves the shell running it (`$$`) into the container's cgroups.
    pub fn join_cmd(&self) -> String {
        // No quotes: callers put this inside quotes of their own (cgroup paths have no spaces).
        let mut s = format!("echo $$ > {}", self.v2.procs().display());
        if let Some(v1) = &self.v1 {
            s.push_str(&format!(" && echo $$ > {}", v1.procs().display()));
        }
        s
    }

    /// The cgroup path the container id is taken from (the first entry that matches: the v1
    /// memory one if there is one, else the v2 one).
    pub fn matched_path(&self) -> &str {
        self.v1.as_ref().map_or(&self.v2.path, |v1| &v1.path)
    }
}

/// What capture reports as the container of a process in this test's own cgroups, and its
/// runtime (`None`: the host): the first entry of `/proc/self/cgroup`, in the order capture
/// lists them, that one of Falco's matchers accepts. On the machines rtsec is developed on,
/// the v1 memory cgroup `/process_api/<32 hex>` is accepted by the containerd matcher, so
/// "host" processes there are in a container as Falco sees them.
pub fn host_container() -> Option<(String, String)> {
    let text = std::fs::read("/proc/self/cgroup").expect("/proc/self/cgroup");
    let cg = rtsec_capture::live::cgroups::CgroupFs::detect();
    cg.entries_from_proc(&text).iter().find_map(|c| {
        rtsec_capture::state::containers::match_cgroup(&c.path).map(|m| {
            (
                String::from_utf8_lossy(&m.short).into_owned(),
                m.runtime.to_string(),
            )
        })
    })
}

/// The container id capture reports for this test's own processes (`None`: the host).
pub fn host_container_id() -> Option<String> {
    host_container().map(|c| c.0)
}

/// 64 hex digits that differ per call (a container id).
pub fn container_id(seed: u64) -> String {
    let mut x = seed ^ std::process::id() as u64 ^ 0x9e37_79b9_7f4a_7c15;
    let mut out = String::new();
    while out.len() < 64 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.push_str(&format!("{x:016x}"));
    }
    out.truncate(64);
    out
}

/// Runs `rtsec inspect` on a trace; returns stdout (asserting success).
pub fn inspect(path: &Path, json: bool) -> String {
    let mut c = Command::new(RTSEC);
    c.arg("inspect").arg(path);
    if json {
        c.arg("--json");
    }
    let o = c.output().expect("rtsec inspect");
    assert!(
        o.status.success(),
        "rtsec inspect failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).expect("utf-8")
}
