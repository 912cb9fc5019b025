//! `rtsec events TRACE`: one line per event, like `sysdig -r`.

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use rtsec_format::{Args as EvArgs, EventView, PathArg, SockAddr, StrId, TraceReader};

use crate::output::{clock, lossless};

/// Print the events of a trace, one per line (or as JSON lines).
#[derive(clap::Args)]
pub struct Args {
    /// The .rts trace to read.
    pub trace: PathBuf,
    /// Stop after this many events.
    #[arg(long, short = 'n')]
    pub limit: Option<u64>,
    /// One JSON object per line instead of text.
    #[arg(long)]
    pub json: bool,
    /// Read past damaged blocks instead of stopping at the first one.
    #[arg(long)]
    pub salvage: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let reader = TraceReader::open(&args.trace)?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let limit = args.limit.unwrap_or(u64::MAX);
    let mut printed = 0u64;
    let mut io_err = None;
    let mut blocks = reader.blocks(args.salvage);
    'outer: for raw in &mut blocks {
        let block = match raw?.decode() {
            Ok(b) => b,
            Err(e) if args.salvage => {
                eprintln!("warning: {e}");
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        for ev in block.events() {
            if printed >= limit {
                break 'outer;
            }
            let line = if args.json {
                serde_json::to_string(&json(&ev))?
            } else {
                text(&ev)
            };
            if let Err(e) = writeln!(out, "{line}") {
                io_err = Some(e);
                break 'outer;
            }
            printed += 1;
        }
    }
    match io_err {
        Some(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
        Some(e) => return Err(e.into()),
        None => out.flush()?,
    }
    for n in blocks.notices() {
        eprintln!("notice: {}: {n}", args.trace.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn text(ev: &EventView<'_>) -> String {
    let e = ev.event;
    let (comm, cid) = match ev.process() {
        Some(p) => (lossless(ev.str(p.comm)), container_id(ev)),
        None => ("<NA>".into(), "<NA>".into()),
    };
    format!(
        "{} {} {} {} ({}) {} < {} res={} {}",
        ev.num,
        clock(e.ts),
        e.cpu,
        comm,
        e.tid,
        cid,
        ev.type_name(),
        e.res,
        arg_text(ev)
    )
}

fn container_id(ev: &EventView<'_>) -> String {
    ev.container()
        .map_or_else(|| "host".into(), |c| lossless(ev.str(c.container_id)))
}

fn json(ev: &EventView<'_>) -> serde_json::Value {
    let e = ev.event;
    let p = ev.process();
    serde_json::json!({
        "num": ev.num,
        "ts": e.ts,
        "cpu": e.cpu,
        "tid": e.tid,
        "pid": p.map(|p| p.pid),
        "comm": p.map(|p| lossless(ev.str(p.comm))),
        "exepath": p.map(|p| lossless(ev.str(p.exepath))),
        "container_id": p.map(|_| container_id(ev)),
        "type": ev.type_name(),
        "res": e.res,
        "fd": ev.fd().map(|f| lossless(ev.str(f.name))),
        "args": arg_text(ev),
    })
}

fn arg_text(ev: &EventView<'_>) -> String {
    let s = |id: &StrId| lossless(ev.str(*id));
    let p = |p: &PathArg<StrId>| {
        if p.raw == p.resolved {
            s(&p.raw)
        } else {
            format!("{}({})", s(&p.raw), s(&p.resolved))
        }
    };
    let a = |a: &SockAddr<StrId>| match a {
        SockAddr::None => "NULL".to_string(),
        SockAddr::Inet { ip, port } => format!("{ip}:{port}"),
        SockAddr::Unix { path } => s(path),
        SockAddr::Other { family } => format!("family={family}"),
    };
    match ev.args() {
        EvArgs::None => String::new(),
        EvArgs::Generic { nr, args } => format!("nr={nr} args={args:x?}"),
        EvArgs::Exec { dirfd, filename, flags } => {
            format!("filename={} dirfd={dirfd} flags={flags}", p(filename))
        }
        EvArgs::Clone { flags } => format!("flags={flags:#x}"),
        EvArgs::Exit { code, sig, core } => format!("status={code} sig={sig} core={core}"),
        EvArgs::Open { dirfd, path, flags, mode, .. } => {
            format!("dirfd={dirfd} name={} flags={flags:#o} mode={mode:#o}", p(path))
        }
        EvArgs::Fd { fd } => format!("fd={fd}"),
        EvArgs::Connect { fd, addr } => format!("fd={fd} addr={}", a(addr)),
        EvArgs::Accept { fd, flags, addr } => format!("fd={fd} flags={flags} addr={}", a(addr)),
        EvArgs::Listen { fd, backlog } => format!("fd={fd} backlog={backlog}"),
        EvArgs::Socket { domain, ty, proto } => format!("domain={domain} type={ty} proto={proto}"),
        EvArgs::Socketpair { domain, ty, proto, fd1, fd2 } => {
            format!("domain={domain} type={ty} proto={proto} fd1={fd1} fd2={fd2}")
        }
        EvArgs::Io { fd, size, addr, .. } => format!("fd={fd} size={size} addr={}", a(addr)),
        EvArgs::Dup { oldfd, newfd, flags } => format!("oldfd={oldfd} newfd={newfd} flags={flags}"),
        EvArgs::Path { dirfd, path, flags, mode } => {
            format!("dirfd={dirfd} path={} flags={flags} mode={mode:#o}", p(path))
        }
        EvArgs::TwoPaths { oldpath, newpath, flags, .. } => {
            format!("oldpath={} newpath={} flags={flags}", p(oldpath), p(newpath))
        }
        EvArgs::Symlink { target, linkpath, .. } => {
            format!("target={} linkpath={}", s(target), p(linkpath))
        }
        EvArgs::Chown { path, uid, gid, .. } => format!("path={} uid={uid} gid={gid}", p(path)),
        EvArgs::SetIds { ids } => format!("ids={ids:?}"),
        EvArgs::Ptrace { request, pid, .. } => format!("request={request} pid={pid}"),
        EvArgs::Mount { source, target, fstype, flags } => format!(
            "dev={} dir={} type={} flags={flags:#x}",
            s(source),
            p(target),
            s(fstype)
        ),
        EvArgs::Umount { target, flags } => format!("name={} flags={flags}", p(target)),
        EvArgs::Kill { pid, tid, sig } => format!("pid={pid} tid={tid} sig={sig}"),
        EvArgs::InitModule { len, uargs } => format!("length={len} uargs={}", s(uargs)),
        EvArgs::FinitModule { fd, uargs, flags } => {
            format!("fd={fd} uargs={} flags={flags}", s(uargs))
        }
        EvArgs::DeleteModule { name, flags } => format!("name={} flags={flags}", s(name)),
        EvArgs::Bpf { cmd } => format!("cmd={cmd}"),
        EvArgs::MemfdCreate { name, flags } => format!("name={} flags={flags}", s(name)),
        EvArgs::Mmap { addr, len, prot, flags, fd, .. } => {
            format!("addr={addr:#x} length={len} prot={prot} flags={flags} fd={fd}")
        }
        EvArgs::Namespace { fd, flags } => format!("fd={fd} flags={flags:#x}"),
        EvArgs::Capset { inheritable, permitted, effective } => format!(
            "cap_inheritable={inheritable:#x} cap_permitted={permitted:#x} cap_effective={effective:#x}"
        ),
        EvArgs::Prctl { option, arg2_str, arg2_int } => {
            format!("option={option} arg2_str={} arg2_int={arg2_int}", s(arg2_str))
        }
        EvArgs::Flags { flags } => format!("flags={flags}"),
        EvArgs::IoUringSetup { entries, flags, .. } => format!("entries={entries} flags={flags}"),
        EvArgs::ProcessVm { pid } => format!("pid={pid}"),
        EvArgs::Pipe { fd1, fd2, flags } => format!("fd1={fd1} fd2={fd2} flags={flags}"),
        EvArgs::Setpgid { pid, pgid } => format!("pid={pid} pgid={pgid}"),
        EvArgs::Fcntl { fd, cmd, arg } => format!("fd={fd} cmd={cmd} arg={arg}"),
    }
}
