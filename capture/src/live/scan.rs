//! The initial scan of `/proc`: every process that exists when capture starts, with its fds,
//! as seeds for the state engine. Also used to look up one process first seen mid-capture.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::unix::fs::MetadataExt;

use rtsec_ebpf_common::MAX_ENV_BYTES;
use rtsec_format::{FdType, L4Proto, record::proc_flags};
use rustc_hash::FxHashMap;

use super::cgroups::CgroupFs;
use crate::state::{FdSeed, Ids, ProcessSeed, SockInfo, ThreadSeed};

/// Facts the scan needs about the machine.
pub struct ScanContext {
    /// Wall-clock time of boot, ns since the epoch.
    pub boot_epoch_ns: u64,
    pub clk_tck: u64,
    /// Socket inode → endpoints, per network namespace (by its inode).
    sockets: FxHashMap<u64, FxHashMap<u64, SockInfo<Vec<u8>>>>,
    /// pid namespace (inode) → start of its init process (ns since the epoch).
    pidns_init: FxHashMap<u64, u64>,
}

impl ScanContext {
    pub fn new(boot_epoch_ns: u64) -> ScanContext {
        // SAFETY: sysconf has no preconditions.
        let tck = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
        ScanContext {
            boot_epoch_ns,
            clk_tck: if tck > 0 { tck as u64 } else { 100 },
            sockets: FxHashMap::default(),
            pidns_init: FxHashMap::default(),
        }
    }
}

impl ScanContext {
    /// Drops the cached socket tables (before a new scan: sockets come and go).
    pub fn forget_sockets(&mut self) {
        self.sockets.clear();
    }
}

/// Every process in `/proc` (with its threads and fds), skipping kernel threads and `skip`.
pub fn scan_all(
    ctx: &mut ScanContext,
    cgroups: &CgroupFs,
    skip: u32,
) -> Vec<(ProcessSeed, Vec<FdSeed>)> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir("/proc") else {
        return out;
    };
    for e in rd.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<i64>().ok()) else {
            continue;
        };
        if pid as u32 == skip {
            continue;
        }
        if let Some(p) = scan_one(ctx, cgroups, pid, true) {
            out.push(p);
        }
    }
    // A namespace's init may come after its other processes in /proc order.
    for (seed, _) in &mut out {
        if seed.pidns_init_start_ts == 0 {
            let ns = pid_ns(&format!("/proc/{}", seed.pid));
            if ns == 0 {
                continue;
            }
            seed.pidns_init_start_ts = ctx.pidns_init.get(&ns).copied().unwrap_or(0);
        }
    }
    out
}

/// Key of the host's pid namespace in `ScanContext::pidns_init`.
const HOST_PIDNS: u64 = u64::MAX;

/// The inode of the pid namespace of `/proc/PID` (0 if gone or not readable).
fn pid_ns(dir: &str) -> u64 {
    std::fs::metadata(format!("{dir}/ns/pid")).map_or(0, |m| m.ino())
}

/// Start time of `/proc/PID` in ns since the epoch (0 if unknown).
fn start_of(ctx: &ScanContext, dir: &str) -> u64 {
    read(&format!("{dir}/stat"))
        .and_then(|stat| Some(name_and_start(ctx, &stat)?.1))
        .unwrap_or(0)
}

/// A thread's name and start, from its `stat` (in `dir`, `/proc/PID/task/TID`).
fn thread_of(ctx: &ScanContext, dir: &str, tid: i64) -> Option<ThreadSeed> {
    let stat = read(&format!("{dir}/stat"))?;
    let (comm, start_ts) = name_and_start(ctx, &stat)?;
    // Credentials are per thread (a raw setuid changes one thread).
    let ids = read(&format!("{dir}/status"))
        .and_then(|s| String::from_utf8(s).ok())
        .and_then(|status| ids_of(&status));
    Some(ThreadSeed {
        tid,
        comm: comm.to_vec(),
        start_ts,
        ids,
    })
}

/// The real and effective ids a `status` file gives.
fn ids_of(status: &str) -> Option<Ids> {
    let uids: Vec<u32> = nums(status_field(status, "Uid"));
    let gids: Vec<u32> = nums(status_field(status, "Gid"));
    Some(Ids {
        uid: *uids.first()?,
        euid: *uids.get(1)?,
        gid: *gids.first()?,
        egid: *gids.get(1)?,
    })
}

/// The `comm` and the start (ns since the epoch) a `stat` file gives. comm may hold spaces
/// and parentheses: the other fields start after the last `)`.
fn name_and_start<'a>(ctx: &ScanContext, stat: &'a [u8]) -> Option<(&'a [u8], u64)> {
    let open = stat.iter().position(|&b| b == b'(')?;
    let close = stat.iter().rposition(|&b| b == b')')?;
    let ticks: u64 = std::str::from_utf8(&stat[close + 1..])
        .ok()?
        .split_whitespace()
        .nth(19)?
        .parse()
        .ok()?;
    Some((
        stat.get(open + 1..close)?,
        ctx.boot_epoch_ns + ticks * 1_000_000_000 / ctx.clk_tck,
    ))
}

fn read(path: &str) -> Option<Vec<u8>> {
    std::fs::read(path).ok()
}

fn link(path: &str) -> Option<Vec<u8>> {
    std::fs::read_link(path)
        .ok()
        .map(|p| p.into_os_string().into_encoded_bytes())
}

fn status_field<'a>(status: &'a str, key: &str) -> Option<&'a str> {
    status
        .lines()
        .find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix(':')))
        .map(str::trim)
}

fn nums<T: std::str::FromStr>(s: Option<&str>) -> Vec<T> {
    s.map(|s| {
        s.split_whitespace()
            .filter_map(|x| x.parse().ok())
            .collect()
    })
    .unwrap_or_default()
}

fn hex64(s: Option<&str>) -> u64 {
    s.and_then(|s| u64::from_str_radix(s, 16).ok()).unwrap_or(0)
}

/// The parent pid of live process `pid` (`/proc/PID/stat`), if it still exists.
pub fn parent_of(pid: i64) -> Option<i64> {
    let stat = std::fs::read(format!("/proc/{pid}/stat")).ok()?;
    // comm may contain spaces and parentheses: the fields start after the last ')'.
    let close = stat.iter().rposition(|&b| b == b')')?;
    let rest = std::str::from_utf8(&stat[close + 1..]).ok()?;
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// One process from `/proc/PID` (kernel threads: `None`). `with_fds`: also read its fds.
pub fn scan_one(
    ctx: &mut ScanContext,
    cgroups: &CgroupFs,
    pid: i64,
    with_fds: bool,
) -> Option<(ProcessSeed, Vec<FdSeed>)> {
    let dir = format!("/proc/{pid}");
    let stat = String::from_utf8(read(&format!("{dir}/stat"))?).ok()?;
    // comm may contain spaces and parentheses: the fields start after the last ')'.
    let close = stat.rfind(')')?;
    let comm = stat.get(stat.find('(')? + 1..close)?.as_bytes().to_vec();
    let f: Vec<&str> = stat[close + 1..].split_whitespace().collect();
    let field = |i: usize| -> i64 { f.get(i).and_then(|s| s.parse().ok()).unwrap_or(0) };
    // f[0] is state (field 3); field n of stat(5) is f[n - 3].
    let flags = field(9) as u64;
    if flags & 0x0020_0000 != 0 {
        return None; // PF_KTHREAD
    }
    let status = String::from_utf8(read(&format!("{dir}/status"))?).ok()?;
    let uids: Vec<u32> = nums(status_field(&status, "Uid"));
    let gids: Vec<u32> = nums(status_field(&status, "Gid"));
    let nspid: Vec<i64> = nums(status_field(&status, "NSpid"));
    let nspgid: Vec<i64> = nums(status_field(&status, "NSpgid"));
    let cmdline = read(&format!("{dir}/cmdline")).unwrap_or_default();
    let mut argv: Vec<Vec<u8>> = cmdline
        .strip_suffix(&[0])
        .unwrap_or(&cmdline)
        .split(|&b| b == 0)
        .map(<[u8]>::to_vec)
        .collect();
    if cmdline.is_empty() {
        argv.clear();
    }
    let exe = if argv.is_empty() {
        Vec::new()
    } else {
        argv.remove(0)
    };
    let start_ticks = field(19) as u64;
    let start_ts = ctx.boot_epoch_ns + start_ticks * 1_000_000_000 / ctx.clk_tck;
    let exe_meta = std::fs::metadata(format!("{dir}/exe")).ok();
    let threads: Vec<i64> = std::fs::read_dir(format!("{dir}/task"))
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| e.file_name().to_str()?.parse().ok())
                .filter(|&t| t != pid)
                .collect()
        })
        .unwrap_or_default();
    // libsinsp reads each thread's own name and start, which its events show.
    let thread_facts = threads
        .iter()
        .filter_map(|&t| thread_of(ctx, &format!("{dir}/task/{t}"), t))
        .collect();
    let cg = read(&format!("{dir}/cgroup")).unwrap_or_default();
    let (env, env_cut) = environ(&dir);
    // container.start_ts: the start of the init of the process's pid namespace (the host's
    // init for the host namespace, whose ns link may not be readable).
    let ns = if nspid.len() <= 1 {
        HOST_PIDNS
    } else {
        pid_ns(&dir)
    };
    if nspid.last() == Some(&1) {
        ctx.pidns_init.insert(ns, start_ts);
    } else if ns == HOST_PIDNS && !ctx.pidns_init.contains_key(&ns) {
        let init = start_of(ctx, "/proc/1");
        ctx.pidns_init.insert(ns, init);
    }
    let pidns_init_start_ts = ctx.pidns_init.get(&ns).copied().unwrap_or(0);
    let seed = ProcessSeed {
        pid,
        ppid: field(1),
        threads,
        thread_facts,
        vpid: nspid.last().copied().unwrap_or(pid),
        sid: field(3),
        pgid: field(2),
        vpgid: nspgid.last().copied().unwrap_or(field(2)),
        comm,
        exe,
        exepath: link(&format!("{dir}/exe")).unwrap_or_default(),
        args: argv,
        env,
        flags: if env_cut {
            proc_flags::ENV_TRUNCATED
        } else {
            0
        },
        cwd: link(&format!("{dir}/cwd")).unwrap_or_default(),
        tty: field(4) as u32,
        uid: uids.first().copied().unwrap_or(0),
        euid: uids.get(1).copied().unwrap_or(0),
        gid: gids.first().copied().unwrap_or(0),
        egid: gids.get(1).copied().unwrap_or(0),
        loginuid: std::fs::read_to_string(format!("{dir}/loginuid"))
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(u32::MAX),
        cap_inheritable: hex64(status_field(&status, "CapInh")),
        cap_permitted: hex64(status_field(&status, "CapPrm")),
        cap_effective: hex64(status_field(&status, "CapEff")),
        exe_ino: exe_meta.as_ref().map_or(0, |m| m.ino()),
        exe_ino_ctime: exe_meta
            .as_ref()
            .map_or(0, |m| m.ctime() as u64 * 1_000_000_000),
        exe_ino_mtime: exe_meta
            .as_ref()
            .map_or(0, |m| m.mtime() as u64 * 1_000_000_000),
        start_ts,
        pidns_init_start_ts,
        fdlimit: fd_limit(&dir),
        cgroups: cgroups.entries_from_proc(&cg),
        ..ProcessSeed::default()
    };
    let fds = if with_fds {
        scan_fds(ctx, &dir)
    } else {
        Vec::new()
    };
    Some((seed, fds))
}

/// The environment from `/proc/PID/environ`, cut at `MAX_ENV_BYTES` as the probe cuts it at
/// exec (true if cut).
fn environ(dir: &str) -> (Vec<Vec<u8>>, bool) {
    let Some(mut raw) = read(&format!("{dir}/environ")) else {
        return (Vec::new(), false);
    };
    let cut = raw.len() >= MAX_ENV_BYTES;
    raw.truncate(MAX_ENV_BYTES - 1);
    let body = raw.strip_suffix(&[0]).unwrap_or(&raw);
    if body.is_empty() {
        return (Vec::new(), cut);
    }
    (body.split(|&b| b == 0).map(<[u8]>::to_vec).collect(), cut)
}

fn fd_limit(dir: &str) -> u64 {
    let Ok(t) = std::fs::read_to_string(format!("{dir}/limits")) else {
        return 0;
    };
    t.lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn scan_fds(ctx: &mut ScanContext, dir: &str) -> Vec<FdSeed> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(format!("{dir}/fd")) else {
        return out;
    };
    let netns = std::fs::metadata(format!("{dir}/ns/net")).map_or(0, |m| m.ino());
    for e in rd.flatten() {
        let Some(num) = e.file_name().to_str().and_then(|s| s.parse::<i64>().ok()) else {
            continue;
        };
        let Some(target) = link(&format!("{dir}/fd/{num}")) else {
            continue;
        };
        let open_flags = std::fs::read_to_string(format!("{dir}/fdinfo/{num}"))
            .ok()
            .and_then(|t| {
                t.lines()
                    .find_map(|l| l.strip_prefix("flags:"))
                    .and_then(|v| u32::from_str_radix(v.trim(), 8).ok())
            })
            .unwrap_or(0);
        let mut fd = FdSeed {
            num,
            open_flags,
            ..FdSeed::default()
        };
        if target.starts_with(b"/") {
            let meta = std::fs::metadata(format!("{dir}/fd/{num}")).ok();
            fd.ty = if meta.as_ref().is_some_and(|m| m.is_dir()) {
                FdType::Directory
            } else {
                FdType::File
            };
            fd.ino = meta.as_ref().map_or(0, |m| m.ino());
            fd.dev = meta.as_ref().map_or(0, |m| m.dev() as u32);
            fd.name = target;
        } else if let Some(ino) = bracket_num(&target, b"socket:[") {
            let socks = ctx
                .sockets
                .entry(netns)
                .or_insert_with(|| read_sockets(dir));
            fd.ino = ino;
            match socks.get(&ino) {
                Some(s @ SockInfo::Inet { local, .. }) => {
                    fd.ty = if local.is_ipv4() {
                        FdType::Ipv4
                    } else {
                        FdType::Ipv6
                    };
                    fd.sock = Some(s.clone());
                }
                Some(s @ SockInfo::Unix { .. }) => {
                    fd.ty = FdType::Unix;
                    fd.sock = Some(s.clone());
                }
                None => fd.ty = FdType::Unknown,
            }
        } else if bracket_num(&target, b"pipe:[").is_some() {
            fd.ty = FdType::Pipe;
        } else if let Some(kind) = target.strip_prefix(b"anon_inode:") {
            fd.ty = match kind {
                b"[eventfd]" => FdType::Event,
                b"[eventpoll]" => FdType::EventPoll,
                b"[signalfd]" => FdType::Signalfd,
                b"[timerfd]" => FdType::Timerfd,
                b"inotify" => FdType::Inotify,
                b"[userfaultfd]" => FdType::Userfaultfd,
                b"[io_uring]" => FdType::IoUring,
                b"[pidfd]" => FdType::Pidfd,
                k if k.starts_with(b"bpf") => FdType::Bpf,
                _ => FdType::Unknown,
            };
        }
        out.push(fd);
    }
    out
}

fn bracket_num(s: &[u8], prefix: &[u8]) -> Option<u64> {
    let rest = s.strip_prefix(prefix)?.strip_suffix(b"]")?;
    std::str::from_utf8(rest).ok()?.parse().ok()
}

/// Socket endpoints of a network namespace from `/proc/PID/net/{tcp,tcp6,udp,udp6,unix}`.
fn read_sockets(dir: &str) -> FxHashMap<u64, SockInfo<Vec<u8>>> {
    let mut m = FxHashMap::default();
    for (file, proto, v6) in [
        ("tcp", L4Proto::Tcp, false),
        ("tcp6", L4Proto::Tcp, true),
        ("udp", L4Proto::Udp, false),
        ("udp6", L4Proto::Udp, true),
        ("raw", L4Proto::Raw, false),
        ("raw6", L4Proto::Raw, true),
    ] {
        let Ok(t) = std::fs::read_to_string(format!("{dir}/net/{file}")) else {
            continue;
        };
        for line in t.lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            let (Some(l), Some(r), Some(ino)) = (f.get(1), f.get(2), f.get(9)) else {
                continue;
            };
            let (Some(local), Some(remote), Ok(ino)) =
                (proc_addr(l, v6), proc_addr(r, v6), ino.parse::<u64>())
            else {
                continue;
            };
            m.insert(
                ino,
                SockInfo::Inet {
                    proto,
                    local,
                    remote,
                },
            );
        }
    }
    if let Ok(t) = std::fs::read_to_string(format!("{dir}/net/unix")) {
        for line in t.lines().skip(1) {
            let f: Vec<&str> = line.split_whitespace().collect();
            let (Some(sk), Some(ino)) = (f.first(), f.get(6)) else {
                continue;
            };
            let sk = u64::from_str_radix(sk.trim_end_matches(':'), 16).unwrap_or(0);
            let Ok(ino) = ino.parse::<u64>() else {
                continue;
            };
            let path = f.get(7).map_or_else(Vec::new, |p| p.as_bytes().to_vec());
            m.insert(ino, SockInfo::Unix { sk, peer: 0, path });
        }
    }
    m
}

/// `0100007F:1F90` (IPv4) or 32 hex digits + port (IPv6), as `/proc/net/tcp` writes them.
fn proc_addr(s: &str, v6: bool) -> Option<SocketAddr> {
    let (a, p) = s.split_once(':')?;
    let port = u16::from_str_radix(p, 16).ok()?;
    let ip = if v6 {
        if a.len() != 32 {
            return None;
        }
        let mut b = [0u8; 16];
        for (i, chunk) in b.chunks_mut(4).enumerate() {
            let w = u32::from_str_radix(&a[i * 8..i * 8 + 8], 16).ok()?;
            chunk.copy_from_slice(&w.to_ne_bytes());
        }
        IpAddr::V6(Ipv6Addr::from(b))
    } else {
        let w = u32::from_str_radix(a, 16).ok()?;
        IpAddr::V4(Ipv4Addr::from(w.to_ne_bytes()))
    };
    Some(SocketAddr::new(ip, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_net_addresses() {
        assert_eq!(
            proc_addr("0100007F:1F90", false),
            Some("127.0.0.1:8080".parse().unwrap())
        );
        assert_eq!(
            proc_addr("00000000000000000000000001000000:0016", true),
            Some("[::1]:22".parse().unwrap())
        );
    }

    #[test]
    fn scans_this_process() {
        let mut ctx = ScanContext::new(crate::session::boot_epoch_ns());
        let cg = CgroupFs::detect();
        let me = std::process::id() as i64;
        let (seed, fds) = scan_one(&mut ctx, &cg, me, true).unwrap();
        assert_eq!(seed.pid, me);
        assert_eq!(seed.ppid, nix::unistd::getppid().as_raw() as i64);
        assert_eq!(parent_of(me), Some(seed.ppid));
        assert_eq!(parent_of(i64::from(i32::MAX)), None);
        assert!(!seed.exepath.is_empty());
        assert!(seed.cwd.starts_with(b"/"));
        let path = std::env::var_os("PATH").expect("PATH is set");
        let mut want = b"PATH=".to_vec();
        want.extend_from_slice(path.as_encoded_bytes());
        if std::env::vars_os()
            .map(|(k, v)| k.len() + v.len() + 2)
            .sum::<usize>()
            < 4000
        {
            assert!(seed.env.contains(&want), "the scan reads the environment");
        }
        assert!(fds.iter().any(|f| f.num == 0 || f.num == 1 || f.num == 2));
        // Our pid namespace's init (pid 1 here, or a container's init) started before us.
        let all = scan_all(&mut ctx, &cg, 0);
        let me = all.iter().find(|(s, _)| s.pid == me).unwrap();
        assert!(me.0.pidns_init_start_ts > 0);
        assert!(me.0.pidns_init_start_ts <= me.0.start_ts);
    }
}
