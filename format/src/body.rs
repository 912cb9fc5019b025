//! The bytes of a block body (before zstd), and back.
//!
//! ```text
//! string table | containers, users, groups (bincode) | processes, fds, events (columns) | losses
//! ```
//! The big tables are columnar (`columns.rs`) and stored relative to what a reader already knows:
//! timestamps as deltas, a thread's tid against its process's pid, a parent as the distance back
//! to it, a resolved path as "same as the raw one". That is what gets a realistic event mix to a
//! few bytes per event after zstd. Every read is bounds-checked: damage gives an error, never a
//! panic or a huge allocation.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use bincode::de::Decode;
use bincode::enc::write::Writer;
use bincode::enc::{Encode, EncoderImpl};
use bincode::error::EncodeError;

use crate::args::{Args, PathArg, SockAddr};
use crate::block::{Block, bincode_config};
use crate::columns::{ColumnReader, ColumnWriter};
use crate::kind::Kind;
use crate::record::{FdType, L4Proto, LocalSide};
use crate::wire::{Event, Fd, Process, Ref, StrId, StrList};

type Res<T> = Result<T, String>;

/// Encodes everything in `b` but the frame fields.
pub(crate) fn encode(b: &Block) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::with_capacity(b.events.len() * 48 + b.strings.byte_len());
    b.strings.write(&mut out);
    bin(&mut out, &b.containers)?;
    bin(&mut out, &b.users)?;
    bin(&mut out, &b.groups)?;
    let base_ts = b.events.first().map_or(0, |e| e.ts);
    crate::columns::put_u(&mut out, base_ts);
    encode_processes(&b.processes, base_ts, &mut out);
    encode_fds(&b.fds, &mut out);
    encode_events(b, base_ts, &mut out);
    bin(&mut out, &b.losses)?;
    Ok(out)
}

/// Decodes a body; `events` is the count the frame promises.
/// Decodes into `b`, reusing its allocations (the tables of a block are megabytes: replay
/// decodes thousands of blocks per thread). On error `b` holds partial contents.
pub(crate) fn decode_into(raw: &[u8], events: usize, b: &mut Block) -> Res<()> {
    let mut input = raw;
    b.strings.read_into(&mut input)?;
    b.containers = unbin(&mut input)?;
    b.users = unbin(&mut input)?;
    b.groups = unbin(&mut input)?;
    let base_ts = crate::columns::get_u(&mut input)?;
    decode_processes(&mut input, base_ts, &mut b.processes)?;
    decode_fds(&mut input, b.strings.len(), &mut b.fds)?;
    decode_events(
        &mut input,
        base_ts,
        events,
        &b.processes,
        &b.fds,
        &mut b.events,
    )?;
    b.losses = unbin(&mut input)?;
    Ok(())
}

struct VecWriter<'a>(&'a mut Vec<u8>);

impl Writer for VecWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> Result<(), EncodeError> {
        self.0.extend_from_slice(bytes);
        Ok(())
    }
}

fn bin<T: Encode>(out: &mut Vec<u8>, v: &T) -> Result<(), EncodeError> {
    let mut e = EncoderImpl::new(VecWriter(out), bincode_config());
    v.encode(&mut e)
}

fn unbin<T: Decode<()>>(input: &mut &[u8]) -> Res<T> {
    let (v, n) = bincode::decode_from_slice(input, bincode_config()).map_err(|e| e.to_string())?;
    *input = &input[n..];
    Ok(v)
}

// An optional link to an earlier row (`at` is the row's own index): 0 = none, else the distance.
fn back_ref(r: Option<Ref>, at: usize) -> u64 {
    r.map_or(0, |r| (at as u64).wrapping_sub(r as u64))
}

fn opt_ref(r: Option<Ref>) -> u64 {
    r.map_or(0, |r| r as u64 + 1)
}

#[inline(always)]
fn un_opt_ref(v: u64) -> Res<Option<Ref>> {
    match v {
        0 => Ok(None),
        v if v <= u32::MAX as u64 => Ok(Some((v - 1) as Ref)),
        _ => Err("record reference out of range".into()),
    }
}

// Timestamps of a block cluster around its first event; 0 means unknown and stays 0.
fn rel_ts(ts: u64, base: u64) -> u64 {
    if ts == 0 {
        0
    } else {
        1 + crate::columns::zigzag(ts.wrapping_sub(base) as i64)
    }
}

fn un_rel_ts(v: u64, base: u64) -> u64 {
    if v == 0 {
        0
    } else {
        base.wrapping_add(crate::columns::unzigzag(v - 1) as u64)
    }
}

// u32::MAX ("unset") is common for loginuid; shift it to 0.
fn shifted(v: u32) -> u64 {
    v.wrapping_add(1) as u64
}

// ---- processes ---------------------------------------------------------------------------

const P_ID: usize = 0;
const P_PID: usize = 1;
const P_PPID: usize = 2;
const P_PARENT: usize = 3;
const P_VIDS: usize = 4; // vpid, sid, pgid, vpgid, relative to pid
const P_STR: usize = 5; // comm, exe, exepath, cwd, sname, vpgid_name, vpgid_exe, cgroup
const P_NARGS: usize = 6;
const P_ARGS: usize = 7; // argv then env string ids
const P_IDS: usize = 8; // tty, uid, gid-uid, euid-uid, egid-gid, loginuid
const P_CAPS: usize = 9;
const P_EXE: usize = 10; // exe_flags, ino, ctime, mtime
const P_TIMES: usize = 11; // start, exec, pidns init start
const P_LINKS: usize = 12; // container, user, loginuser, group
const P_MISC: usize = 13; // fdlimit, flags
const P_COLS: usize = 14;

fn encode_processes(ps: &[Process], base: u64, out: &mut Vec<u8>) {
    crate::columns::put_u(out, ps.len() as u64);
    let mut w = ColumnWriter::new(P_COLS);
    let mut prev_id = 0u64;
    for (i, p) in ps.iter().enumerate() {
        w.i(P_ID, p.id.wrapping_sub(prev_id) as i64);
        prev_id = p.id;
        w.i(P_PID, p.pid);
        w.i(P_PPID, p.ppid.wrapping_sub(p.pid));
        w.u(P_PARENT, back_ref(p.parent, i));
        for v in [p.vpid, p.sid, p.pgid, p.vpgid] {
            w.i(P_VIDS, v.wrapping_sub(p.pid));
        }
        for s in [
            p.comm,
            p.exe,
            p.exepath,
            p.cwd,
            p.sname,
            p.vpgid_name,
            p.vpgid_exe,
            p.cgroup,
        ] {
            w.u(P_STR, s.0 as u64);
        }
        w.u(P_NARGS, p.args.len() as u64);
        w.u(P_NARGS, p.env.len() as u64);
        for s in p.args.iter().chain(&p.env) {
            w.u(P_ARGS, s.0 as u64);
        }
        w.u(P_IDS, p.tty as u64);
        w.u(P_IDS, shifted(p.uid));
        w.i(P_IDS, p.gid as i64 - p.uid as i64);
        w.i(P_IDS, p.euid as i64 - p.uid as i64);
        w.i(P_IDS, p.egid as i64 - p.gid as i64);
        w.u(P_IDS, shifted(p.loginuid));
        for c in [p.cap_inheritable, p.cap_permitted, p.cap_effective] {
            w.u(P_CAPS, c);
        }
        w.u(P_EXE, p.exe_flags as u64);
        w.u(P_EXE, p.exe_ino);
        w.u(P_EXE, p.exe_ino_ctime);
        w.u(P_EXE, p.exe_ino_mtime);
        // exec usually follows start closely (fork + exec): store it relative to the start.
        w.u(P_TIMES, rel_ts(p.start_ts, base));
        w.u(P_TIMES, rel_ts(p.exec_ts, p.start_ts));
        w.u(P_TIMES, rel_ts(p.pidns_init_start_ts, base));
        for r in [p.container, p.user, p.loginuser, p.group] {
            w.u(P_LINKS, opt_ref(r));
        }
        w.u(P_MISC, p.fdlimit);
        w.u(P_MISC, p.flags as u64);
    }
    w.finish(out);
}

fn decode_processes(input: &mut &[u8], base: u64, ps: &mut Vec<Process>) -> Res<()> {
    let n = crate::columns::get_u(input)? as usize;
    if n > input.len() {
        return Err("process count larger than the block".into());
    }
    let mut r = ColumnReader::<P_COLS>::new(input)?;
    ps.clear();
    ps.reserve(n);
    let mut prev_id = 0u64;
    for i in 0..n {
        let id = prev_id.wrapping_add(r.i(P_ID) as u64);
        prev_id = id;
        let pid = r.i(P_PID);
        let ppid = pid.wrapping_add(r.i(P_PPID));
        let parent = match r.u(P_PARENT) {
            0 => None,
            d if d <= i as u64 => Some((i as u64 - d) as Ref),
            _ => return Err("parent is not an earlier process".into()),
        };
        let mut v = [0i64; 4];
        for x in &mut v {
            *x = pid.wrapping_add(r.i(P_VIDS));
        }
        let mut s = [StrId::EMPTY; 8];
        for x in &mut s {
            *x = StrId(r.u32(P_STR));
        }
        let nargs = r.count(P_ARGS, P_NARGS);
        let mut args = StrList::with_capacity(nargs);
        for _ in 0..nargs {
            args.push(StrId(r.u32(P_ARGS)));
        }
        let nenv = r.count(P_ARGS, P_NARGS);
        let mut env = StrList::with_capacity(nenv);
        for _ in 0..nenv {
            env.push(StrId(r.u32(P_ARGS)));
        }
        let tty = r.u32(P_IDS);
        let uid = (r.u(P_IDS) as u32).wrapping_sub(1);
        let gid = (uid as i64).wrapping_add(r.i(P_IDS)) as u32;
        let euid = (uid as i64).wrapping_add(r.i(P_IDS)) as u32;
        let egid = (gid as i64).wrapping_add(r.i(P_IDS)) as u32;
        let loginuid = (r.u(P_IDS) as u32).wrapping_sub(1);
        let cap_inheritable = r.u(P_CAPS);
        let cap_permitted = r.u(P_CAPS);
        let cap_effective = r.u(P_CAPS);
        let exe_flags = r.u32(P_EXE);
        let exe_ino = r.u(P_EXE);
        let exe_ino_ctime = r.u(P_EXE);
        let exe_ino_mtime = r.u(P_EXE);
        let start_ts = un_rel_ts(r.u(P_TIMES), base);
        let exec_ts = un_rel_ts(r.u(P_TIMES), start_ts);
        let pidns_init_start_ts = un_rel_ts(r.u(P_TIMES), base);
        let container = un_opt_ref(r.u(P_LINKS))?;
        let user = un_opt_ref(r.u(P_LINKS))?;
        let loginuser = un_opt_ref(r.u(P_LINKS))?;
        let group = un_opt_ref(r.u(P_LINKS))?;
        let fdlimit = r.u(P_MISC);
        let flags = r.u32(P_MISC);
        r.check()?;
        ps.push(Process {
            id,
            pid,
            ppid,
            parent,
            vpid: v[0],
            sid: v[1],
            pgid: v[2],
            vpgid: v[3],
            comm: s[0],
            exe: s[1],
            exepath: s[2],
            cwd: s[3],
            sname: s[4],
            vpgid_name: s[5],
            vpgid_exe: s[6],
            cgroup: s[7],
            args,
            env,
            tty,
            uid,
            gid,
            euid,
            egid,
            loginuid,
            cap_inheritable,
            cap_permitted,
            cap_effective,
            exe_flags,
            exe_ino,
            exe_ino_ctime,
            exe_ino_mtime,
            start_ts,
            exec_ts,
            pidns_init_start_ts,
            fdlimit,
            container,
            user,
            loginuser,
            group,
            flags,
        });
    }
    Ok(())
}

// ---- fds ---------------------------------------------------------------------------------

const F_ID: usize = 0;
const F_NUM: usize = 1;
const F_KIND: usize = 2; // type | l4proto << 5 | local side << 8
const F_NAME: usize = 3; // name, nameraw (0 = same as name, else id + 1)
const F_OFLAGS: usize = 4;
const F_ADDR: usize = 5;
const F_UNIX: usize = 6;
const F_FILE: usize = 7; // dev, ino
const F_FLAGS: usize = 8;
const F_COLS: usize = 9;

fn encode_fds(fds: &[Fd], out: &mut Vec<u8>) {
    crate::columns::put_u(out, fds.len() as u64);
    let mut w = ColumnWriter::new(F_COLS);
    let mut prev_id = 0u64;
    // A file reopened in the same block usually has the same device and inode.
    let mut inode_of: rustc_hash::FxHashMap<StrId, (u32, u64)> = Default::default();
    for f in fds {
        w.i(F_ID, f.id.wrapping_sub(prev_id) as i64);
        prev_id = f.id;
        w.i(F_NUM, f.num);
        w.u(
            F_KIND,
            f.ty as u64 | (f.l4proto as u64) << 5 | (f.local as u64) << 8,
        );
        w.u(F_NAME, f.name.0 as u64);
        w.u(
            F_NAME,
            if f.nameraw == f.name {
                0
            } else {
                f.nameraw.0 as u64 + 1
            },
        );
        w.u(F_OFLAGS, f.open_flags as u64);
        put_sockaddr(w.buf(F_ADDR), f.client);
        put_sockaddr(w.buf(F_ADDR), f.server);
        w.u(F_UNIX, f.unix_source);
        w.u(F_UNIX, f.unix_dest);
        if inode_of.insert(f.name, (f.dev, f.ino)) == Some((f.dev, f.ino)) {
            w.u(F_FILE, 0);
        } else {
            w.u(F_FILE, f.dev as u64 + 1);
            w.u(F_FILE, f.ino);
        }
        w.u(F_FLAGS, f.flags as u64);
    }
    w.finish(out);
}

fn small_enum<T: Copy>(all: &[T], v: u64, what: &str) -> Res<T> {
    all.get(v as usize)
        .copied()
        .ok_or_else(|| format!("unknown {what} {v}"))
}

fn decode_fds(input: &mut &[u8], strings: usize, fds: &mut Vec<Fd>) -> Res<()> {
    let n = crate::columns::get_u(input)? as usize;
    if n > input.len() {
        return Err("fd count larger than the block".into());
    }
    let mut r = ColumnReader::<F_COLS>::new(input)?;
    fds.clear();
    fds.reserve(n);
    let mut prev_id = 0u64;
    let mut inode_of: Vec<(u32, u64)> = vec![(0, 0); strings];
    for _ in 0..n {
        let id = prev_id.wrapping_add(r.i(F_ID) as u64);
        prev_id = id;
        let num = r.i(F_NUM);
        let k = r.u(F_KIND);
        let ty = small_enum(&FdType::ALL, k & 0x1f, "fd type")?;
        let l4proto = small_enum(&L4Proto::ALL, (k >> 5) & 7, "l4 protocol")?;
        let local = small_enum(&LocalSide::ALL, k >> 8, "socket side")?;
        let name = StrId(r.u32(F_NAME));
        let nameraw = match r.u32(F_NAME) {
            0 => name,
            v => StrId(v - 1),
        };
        let open_flags = r.u32(F_OFLAGS);
        let client = get_sockaddr(r.rest(F_ADDR))?;
        let server = get_sockaddr(r.rest(F_ADDR))?;
        let unix_source = r.u(F_UNIX);
        let unix_dest = r.u(F_UNIX);
        let slot = inode_of
            .get_mut(name.0 as usize)
            .ok_or("fd name outside the string table")?;
        let (dev, ino) = match r.u32(F_FILE) {
            0 => *slot,
            d => (d - 1, r.u(F_FILE)),
        };
        *slot = (dev, ino);
        let flags = r.u32(F_FLAGS);
        r.check()?;
        fds.push(Fd {
            id,
            num,
            ty,
            name,
            nameraw,
            open_flags,
            l4proto,
            client,
            server,
            local,
            unix_source,
            unix_dest,
            dev,
            ino,
            flags,
        });
    }
    Ok(())
}

fn put_sockaddr(out: &mut Vec<u8>, a: Option<SocketAddr>) {
    match a {
        None => out.push(0),
        Some(SocketAddr::V4(a)) => {
            out.push(4);
            out.extend_from_slice(&a.ip().octets());
            out.extend_from_slice(&a.port().to_le_bytes());
        }
        Some(SocketAddr::V6(a)) => {
            out.push(6);
            out.extend_from_slice(&a.ip().octets());
            out.extend_from_slice(&a.port().to_le_bytes());
        }
    }
}

#[inline(always)]
fn take<'a>(input: &mut &'a [u8], n: usize) -> Res<&'a [u8]> {
    if input.len() < n {
        return Err(crate::columns::SHORT.into());
    }
    let (a, b) = input.split_at(n);
    *input = b;
    Ok(a)
}

#[inline(always)]
fn get_ip(input: &mut &[u8], tag: u8) -> Res<IpAddr> {
    Ok(match tag {
        4 => IpAddr::V4(Ipv4Addr::from(
            <[u8; 4]>::try_from(take(input, 4)?).unwrap(),
        )),
        6 => IpAddr::V6(Ipv6Addr::from(
            <[u8; 16]>::try_from(take(input, 16)?).unwrap(),
        )),
        t => return Err(format!("unknown address family tag {t}")),
    })
}

// Inlined: returned through memory, the address was written in small pieces and read back
// whole, a store-forwarding stall per fd.
#[inline(always)]
fn get_sockaddr(input: &mut &[u8]) -> Res<Option<SocketAddr>> {
    let tag = take(input, 1)?[0];
    if tag == 0 {
        return Ok(None);
    }
    let ip = get_ip(input, tag)?;
    let port = u16::from_le_bytes(take(input, 2)?.try_into().unwrap());
    Ok(Some(SocketAddr::new(ip, port)))
}

// ---- events and their arguments -----------------------------------------------------------

const E_TS: usize = 0;
const E_TID: usize = 1;
const E_META: usize = 2; // kind | cpu << 8 | flags << 24
const E_RES: usize = 3;
const E_PROC: usize = 4;
const E_FD: usize = 5;
const A_TAG: usize = 6;
const A_INT: usize = 7; // signed: fds, pids, dirfds
const A_UINT: usize = 8; // flags, modes, sizes, numbers
const A_STR: usize = 9;
const A_ADDR: usize = 10;
const E_COLS: usize = 11;

fn encode_events(b: &Block, base: u64, out: &mut Vec<u8>) {
    crate::columns::put_u(out, b.events.len() as u64);
    let mut w = ColumnWriter::new(E_COLS);
    let mut prev_ts = base;
    let mut next_fd: i64 = 0;
    let mut prev_proc = None;
    for e in &b.events {
        w.i(E_TS, e.ts.wrapping_sub(prev_ts) as i64);
        prev_ts = e.ts;
        let pid = e.proc.and_then(|r| b.process(r)).map_or(0, |p| p.pid);
        w.i(E_TID, e.tid.wrapping_sub(pid));
        // kind, cpu and flags are all small and mostly repeat: one value.
        w.u(
            E_META,
            e.kind as u64 | (e.cpu as u64) << 8 | (e.flags as u64) << 24,
        );
        w.i(E_RES, e.res);
        // Processes run in bursts: "the same as the event before" is the common case.
        w.u(
            E_PROC,
            match e.proc {
                p if p == prev_proc => 0,
                None => 1,
                Some(r) => r as u64 + 2,
            },
        );
        prev_proc = e.proc;
        // Fds are usually referred to in the order they were added: store the surprise.
        match e.fd {
            None => w.u(E_FD, 0),
            Some(r) => {
                w.u(E_FD, 1 + crate::columns::zigzag(r as i64 - next_fd));
                next_fd = next_fd.max(r as i64 + 1);
            }
        }
        let fd = e.fd.and_then(|r| b.fd(r));
        if !encode_args_from_fd(&mut w, &e.args, fd) {
            encode_args(&mut w, &e.args);
        }
    }
    w.finish(out);
}

// The common cases where the arguments repeat the event's fd record (a successful open, a
// connect or accept whose address is the socket's peer) store only what the record lacks.
fn encode_args_from_fd(w: &mut ColumnWriter, a: &Args<StrId>, fd: Option<&Fd>) -> bool {
    let Some(f) = fd else { return false };
    match a {
        Args::Open {
            dirfd,
            path,
            flags,
            mode,
            resolve,
            dev,
            ino,
        } if path.raw == f.nameraw
            && path.resolved == f.name
            && *flags == f.open_flags
            && *dev == f.dev
            && *ino == f.ino =>
        {
            w.u(A_TAG, TAG_OPEN_FROM_FD);
            w.i(A_INT, *dirfd);
            w.u(A_UINT, *mode as u64);
            w.u(A_UINT, *resolve);
        }
        Args::Connect {
            fd,
            addr: SockAddr::Inet { ip, port },
        } if f.server == Some(SocketAddr::new(*ip, *port)) => {
            w.u(A_TAG, TAG_CONNECT_FROM_FD);
            w.i(A_INT, *fd);
        }
        Args::Accept {
            fd,
            flags,
            addr: SockAddr::Inet { ip, port },
        } if f.client == Some(SocketAddr::new(*ip, *port)) => {
            w.u(A_TAG, TAG_ACCEPT_FROM_FD);
            w.i(A_INT, *fd);
            w.u(A_UINT, *flags as u64);
        }
        _ => return false,
    }
    true
}

const TAG_OPEN_FROM_FD: u64 = 38;
const TAG_CONNECT_FROM_FD: u64 = 39;
const TAG_ACCEPT_FROM_FD: u64 = 40;

fn decode_events(
    input: &mut &[u8],
    base: u64,
    expected: usize,
    processes: &[Process],
    fds: &[Fd],
    events: &mut Vec<Event>,
) -> Res<()> {
    let n = crate::columns::get_u(input)? as usize;
    if n != expected {
        return Err(format!("frame says {expected} events, block holds {n}"));
    }
    if n > input.len() {
        return Err("event count larger than the block".into());
    }
    let mut r = ColumnReader::<E_COLS>::new(input)?;
    // The pids in a compact array: looking them up in the process records would touch a
    // cache line of a large struct per event.
    let pids: Vec<i64> = processes.iter().map(|p| p.pid).collect();
    events.clear();
    events.reserve(n);
    let mut prev_ts = base;
    let mut next_fd: i64 = 0;
    let mut prev_proc = None;
    for _ in 0..n {
        let ts = prev_ts.wrapping_add(r.i(E_TS) as u64);
        prev_ts = ts;
        let tid_delta = r.i(E_TID);
        let meta = r.u(E_META);
        let kind = Kind::from_code((meta & 0xff) as u16).ok_or("unknown event kind")?;
        let cpu = (meta >> 8) as u16;
        let flags = (meta >> 24) as u8;
        let res = r.i(E_RES);
        let proc = match r.u(E_PROC) {
            0 => prev_proc,
            1 => None,
            v if v - 2 <= u32::MAX as u64 => Some((v - 2) as Ref),
            _ => return Err("process reference out of range".into()),
        };
        prev_proc = proc;
        let fd = match r.u(E_FD) {
            0 => None,
            v => {
                let x = next_fd.wrapping_add(crate::columns::unzigzag(v - 1));
                if !(0..=u32::MAX as i64).contains(&x) {
                    return Err("fd reference out of range".into());
                }
                next_fd = next_fd.max(x + 1);
                Some(x as Ref)
            }
        };
        let pid = match proc {
            None => 0,
            Some(p) => match pids.get(p as usize) {
                Some(&pid) => pid,
                None => return Err("event process reference out of range".into()),
            },
        };
        if let Some(f) = fd
            && f as usize >= fds.len()
        {
            return Err("event fd reference out of range".into());
        }
        // The arguments are decoded straight into the event's slot: returning them (56 bytes
        // in a Result) and copying them in stalled on store forwarding.
        events.push(Event {
            ts,
            tid: pid.wrapping_add(tid_delta),
            cpu,
            kind,
            flags,
            res,
            proc,
            fd,
            args: Args::None,
        });
        let Some(e) = events.last_mut() else {
            unreachable!("an event was just pushed")
        };
        decode_args(&mut r, fd.and_then(|f| fds.get(f as usize)), &mut e.args)?;
        r.check()?;
        if !e.args.fits(kind) {
            return Err(format!("arguments do not fit event kind {}", kind.name()));
        }
    }
    Ok(())
}

fn put_str(w: &mut ColumnWriter, s: StrId) {
    w.u(A_STR, s.0 as u64);
}

fn put_path(w: &mut ColumnWriter, p: &PathArg<StrId>) {
    w.u(A_STR, p.raw.0 as u64);
    w.u(
        A_STR,
        if p.resolved == p.raw {
            0
        } else {
            p.resolved.0 as u64 + 1
        },
    );
}

fn put_addr(w: &mut ColumnWriter, a: &SockAddr<StrId>) {
    let buf = w.buf(A_ADDR);
    match a {
        SockAddr::None => buf.push(0),
        SockAddr::Inet { ip, port } => {
            match ip {
                IpAddr::V4(ip) => {
                    buf.push(4);
                    buf.extend_from_slice(&ip.octets());
                }
                IpAddr::V6(ip) => {
                    buf.push(6);
                    buf.extend_from_slice(&ip.octets());
                }
            }
            buf.extend_from_slice(&port.to_le_bytes());
        }
        SockAddr::Unix { path } => {
            buf.push(1);
            w.u(A_STR, path.0 as u64);
        }
        SockAddr::Other { family } => {
            buf.push(2);
            buf.extend_from_slice(&family.to_le_bytes());
        }
    }
}

fn encode_args(w: &mut ColumnWriter, a: &Args<StrId>) {
    macro_rules! tag {
        ($n:expr) => {
            w.u(A_TAG, $n)
        };
    }
    match a {
        Args::None => tag!(0),
        Args::Generic { nr, args } => {
            tag!(1);
            w.u(A_UINT, *nr as u64);
            for &x in args {
                w.u(A_UINT, x);
            }
        }
        Args::Exec {
            dirfd,
            filename,
            flags,
        } => {
            tag!(2);
            w.i(A_INT, *dirfd);
            put_path(w, filename);
            w.u(A_UINT, *flags as u64);
        }
        Args::Clone { flags } => {
            tag!(3);
            w.u(A_UINT, *flags);
        }
        Args::Exit { code, sig, core } => {
            tag!(4);
            w.i(A_INT, *code);
            w.u(A_UINT, *sig as u64);
            w.u(A_UINT, *core as u64);
        }
        Args::Open {
            dirfd,
            path,
            flags,
            mode,
            resolve,
            dev,
            ino,
        } => {
            tag!(5);
            w.i(A_INT, *dirfd);
            put_path(w, path);
            w.u(A_UINT, *flags as u64);
            w.u(A_UINT, *mode as u64);
            w.u(A_UINT, *resolve);
            w.u(A_UINT, *dev as u64);
            w.u(A_UINT, *ino);
        }
        Args::Fd { fd } => {
            tag!(6);
            w.i(A_INT, *fd);
        }
        Args::Connect { fd, addr } => {
            tag!(7);
            w.i(A_INT, *fd);
            put_addr(w, addr);
        }
        Args::Accept { fd, flags, addr } => {
            tag!(8);
            w.i(A_INT, *fd);
            w.u(A_UINT, *flags as u64);
            put_addr(w, addr);
        }
        Args::Listen { fd, backlog } => {
            tag!(9);
            w.i(A_INT, *fd);
            w.i(A_INT, *backlog as i64);
        }
        Args::Socket { domain, ty, proto } => {
            tag!(10);
            for x in [domain, ty, proto] {
                w.u(A_UINT, *x as u64);
            }
        }
        Args::Socketpair {
            domain,
            ty,
            proto,
            fd1,
            fd2,
        } => {
            tag!(11);
            for x in [domain, ty, proto] {
                w.u(A_UINT, *x as u64);
            }
            w.i(A_INT, *fd1);
            w.i(A_INT, *fd2);
        }
        Args::Io {
            fd,
            size,
            addr,
            data,
        } => {
            tag!(12);
            w.i(A_INT, *fd);
            w.u(A_UINT, *size);
            put_addr(w, addr);
            put_str(w, *data);
        }
        Args::Dup {
            oldfd,
            newfd,
            flags,
        } => {
            tag!(13);
            w.i(A_INT, *oldfd);
            w.i(A_INT, *newfd);
            w.u(A_UINT, *flags as u64);
        }
        Args::Path {
            dirfd,
            path,
            flags,
            mode,
        } => {
            tag!(14);
            w.i(A_INT, *dirfd);
            put_path(w, path);
            w.u(A_UINT, *flags as u64);
            w.u(A_UINT, *mode as u64);
        }
        Args::TwoPaths {
            olddirfd,
            oldpath,
            newdirfd,
            newpath,
            flags,
        } => {
            tag!(15);
            w.i(A_INT, *olddirfd);
            put_path(w, oldpath);
            w.i(A_INT, *newdirfd);
            put_path(w, newpath);
            w.u(A_UINT, *flags as u64);
        }
        Args::Symlink {
            target,
            linkdirfd,
            linkpath,
        } => {
            tag!(16);
            put_str(w, *target);
            w.i(A_INT, *linkdirfd);
            put_path(w, linkpath);
        }
        Args::Chown {
            dirfd,
            path,
            uid,
            gid,
            flags,
        } => {
            tag!(17);
            w.i(A_INT, *dirfd);
            put_path(w, path);
            w.u(A_UINT, shifted(*uid));
            w.u(A_UINT, shifted(*gid));
            w.u(A_UINT, *flags as u64);
        }
        Args::SetIds { ids } => {
            tag!(18);
            for &x in ids {
                w.u(A_UINT, shifted(x));
            }
        }
        Args::Ptrace {
            request,
            pid,
            addr,
            data,
        } => {
            tag!(19);
            w.u(A_UINT, *request as u64);
            w.i(A_INT, *pid);
            w.u(A_UINT, *addr);
            w.u(A_UINT, *data);
        }
        Args::Mount {
            source,
            target,
            fstype,
            flags,
        } => {
            tag!(20);
            put_str(w, *source);
            put_path(w, target);
            put_str(w, *fstype);
            w.u(A_UINT, *flags);
        }
        Args::Umount { target, flags } => {
            tag!(21);
            put_path(w, target);
            w.u(A_UINT, *flags as u64);
        }
        Args::Kill { pid, tid, sig } => {
            tag!(22);
            w.i(A_INT, *pid);
            w.i(A_INT, *tid);
            w.u(A_UINT, *sig as u64);
        }
        Args::InitModule { len, uargs } => {
            tag!(23);
            w.u(A_UINT, *len);
            put_str(w, *uargs);
        }
        Args::FinitModule { fd, uargs, flags } => {
            tag!(24);
            w.i(A_INT, *fd);
            put_str(w, *uargs);
            w.u(A_UINT, *flags as u64);
        }
        Args::DeleteModule { name, flags } => {
            tag!(25);
            put_str(w, *name);
            w.u(A_UINT, *flags as u64);
        }
        Args::Bpf { cmd } => {
            tag!(26);
            w.i(A_INT, *cmd as i64);
        }
        Args::MemfdCreate { name, flags } => {
            tag!(27);
            put_str(w, *name);
            w.u(A_UINT, *flags as u64);
        }
        Args::Mmap {
            addr,
            len,
            prot,
            flags,
            fd,
            offset,
        } => {
            tag!(28);
            w.u(A_UINT, *addr);
            w.u(A_UINT, *len);
            w.u(A_UINT, *prot as u64);
            w.u(A_UINT, *flags as u64);
            w.i(A_INT, *fd);
            w.u(A_UINT, *offset);
        }
        Args::Namespace { fd, flags } => {
            tag!(29);
            w.i(A_INT, *fd);
            w.u(A_UINT, *flags as u64);
        }
        Args::Capset {
            inheritable,
            permitted,
            effective,
        } => {
            tag!(30);
            for x in [inheritable, permitted, effective] {
                w.u(A_UINT, *x);
            }
        }
        Args::Prctl {
            option,
            arg2_str,
            arg2_int,
        } => {
            tag!(31);
            w.i(A_INT, *option as i64);
            put_str(w, *arg2_str);
            w.i(A_INT, *arg2_int);
        }
        Args::Flags { flags } => {
            tag!(32);
            w.u(A_UINT, *flags as u64);
        }
        Args::IoUringSetup {
            entries,
            sq_entries,
            cq_entries,
            flags,
            sq_thread_cpu,
            sq_thread_idle,
            features,
        } => {
            tag!(33);
            for x in [
                entries,
                sq_entries,
                cq_entries,
                flags,
                sq_thread_cpu,
                sq_thread_idle,
                features,
            ] {
                w.u(A_UINT, *x as u64);
            }
        }
        Args::ProcessVm { pid } => {
            tag!(34);
            w.i(A_INT, *pid);
        }
        Args::Pipe { fd1, fd2, flags } => {
            tag!(35);
            w.i(A_INT, *fd1);
            w.i(A_INT, *fd2);
            w.u(A_UINT, *flags as u64);
        }
        Args::Setpgid { pid, pgid } => {
            tag!(36);
            w.i(A_INT, *pid);
            w.i(A_INT, *pgid);
        }
        Args::Fcntl { fd, cmd, arg } => {
            tag!(37);
            w.i(A_INT, *fd);
            w.u(A_UINT, *cmd as u64);
            w.u(A_UINT, *arg);
        }
    }
}

struct ArgReader<'r, 'a>(&'r mut ColumnReader<'a, E_COLS>);

impl ArgReader<'_, '_> {
    #[inline(always)]
    fn int(&mut self) -> i64 {
        self.0.i(A_INT)
    }
    #[inline(always)]
    fn i32(&mut self) -> i32 {
        self.int() as i32
    }
    #[inline(always)]
    fn u64(&mut self) -> u64 {
        self.0.u(A_UINT)
    }
    #[inline(always)]
    fn u32(&mut self) -> u32 {
        self.0.u32(A_UINT)
    }
    #[inline(always)]
    fn shifted(&mut self) -> u32 {
        (self.u64() as u32).wrapping_sub(1)
    }
    #[inline(always)]
    fn str(&mut self) -> StrId {
        StrId(self.0.u32(A_STR))
    }
    #[inline(always)]
    fn path(&mut self) -> PathArg<StrId> {
        let raw = self.str();
        let resolved = match self.0.u32(A_STR) {
            0 => raw,
            v => StrId(v - 1),
        };
        PathArg { raw, resolved }
    }
    fn addr(&mut self) -> Res<SockAddr<StrId>> {
        let buf = self.0.rest(A_ADDR);
        let tag = take(buf, 1)?[0];
        Ok(match tag {
            0 => SockAddr::None,
            1 => SockAddr::Unix { path: self.str() },
            2 => SockAddr::Other {
                family: u16::from_le_bytes(take(buf, 2)?.try_into().unwrap()),
            },
            t => {
                let ip = get_ip(buf, t)?;
                let port = u16::from_le_bytes(take(buf, 2)?.try_into().unwrap());
                SockAddr::Inet { ip, port }
            }
        })
    }
}

fn decode_args(
    r: &mut ColumnReader<'_, E_COLS>,
    fd: Option<&Fd>,
    out: &mut Args<StrId>,
) -> Res<()> {
    let tag = r.u(A_TAG);
    let mut a = ArgReader(r);
    let from_fd = || fd.ok_or_else(|| "arguments refer to a missing fd record".to_string());
    *out = match tag {
        TAG_OPEN_FROM_FD => {
            let f = from_fd()?;
            Args::Open {
                dirfd: a.int(),
                path: PathArg {
                    raw: f.nameraw,
                    resolved: f.name,
                },
                flags: f.open_flags,
                mode: a.u32(),
                resolve: a.u64(),
                dev: f.dev,
                ino: f.ino,
            }
        }
        TAG_CONNECT_FROM_FD => {
            let server = from_fd()?.server.ok_or("connect address missing")?;
            Args::Connect {
                fd: a.int(),
                addr: SockAddr::Inet {
                    ip: server.ip(),
                    port: server.port(),
                },
            }
        }
        TAG_ACCEPT_FROM_FD => {
            let client = from_fd()?.client.ok_or("accept address missing")?;
            Args::Accept {
                fd: a.int(),
                flags: a.u32(),
                addr: SockAddr::Inet {
                    ip: client.ip(),
                    port: client.port(),
                },
            }
        }
        0 => Args::None,
        1 => {
            let nr = u16::try_from(a.u64()).map_err(|_| "syscall number out of range")?;
            let mut args = [0u64; 6];
            for x in &mut args {
                *x = a.u64();
            }
            Args::Generic { nr, args }
        }
        2 => Args::Exec {
            dirfd: a.int(),
            filename: a.path(),
            flags: a.u32(),
        },
        3 => Args::Clone { flags: a.u64() },
        4 => Args::Exit {
            code: a.int(),
            sig: a.u32(),
            core: a.u64() != 0,
        },
        5 => Args::Open {
            dirfd: a.int(),
            path: a.path(),
            flags: a.u32(),
            mode: a.u32(),
            resolve: a.u64(),
            dev: a.u32(),
            ino: a.u64(),
        },
        6 => Args::Fd { fd: a.int() },
        7 => Args::Connect {
            fd: a.int(),
            addr: a.addr()?,
        },
        8 => Args::Accept {
            fd: a.int(),
            flags: a.u32(),
            addr: a.addr()?,
        },
        9 => Args::Listen {
            fd: a.int(),
            backlog: a.i32(),
        },
        10 => Args::Socket {
            domain: a.u32(),
            ty: a.u32(),
            proto: a.u32(),
        },
        11 => Args::Socketpair {
            domain: a.u32(),
            ty: a.u32(),
            proto: a.u32(),
            fd1: a.int(),
            fd2: a.int(),
        },
        12 => Args::Io {
            fd: a.int(),
            size: a.u64(),
            addr: a.addr()?,
            data: a.str(),
        },
        13 => Args::Dup {
            oldfd: a.int(),
            newfd: a.int(),
            flags: a.u32(),
        },
        14 => Args::Path {
            dirfd: a.int(),
            path: a.path(),
            flags: a.u32(),
            mode: a.u32(),
        },
        15 => Args::TwoPaths {
            olddirfd: a.int(),
            oldpath: a.path(),
            newdirfd: a.int(),
            newpath: a.path(),
            flags: a.u32(),
        },
        16 => Args::Symlink {
            target: a.str(),
            linkdirfd: a.int(),
            linkpath: a.path(),
        },
        17 => Args::Chown {
            dirfd: a.int(),
            path: a.path(),
            uid: a.shifted(),
            gid: a.shifted(),
            flags: a.u32(),
        },
        18 => Args::SetIds {
            ids: [a.shifted(), a.shifted(), a.shifted()],
        },
        19 => Args::Ptrace {
            request: a.u32(),
            pid: a.int(),
            addr: a.u64(),
            data: a.u64(),
        },
        20 => Args::Mount {
            source: a.str(),
            target: a.path(),
            fstype: a.str(),
            flags: a.u64(),
        },
        21 => Args::Umount {
            target: a.path(),
            flags: a.u32(),
        },
        22 => Args::Kill {
            pid: a.int(),
            tid: a.int(),
            sig: a.u32(),
        },
        23 => Args::InitModule {
            len: a.u64(),
            uargs: a.str(),
        },
        24 => Args::FinitModule {
            fd: a.int(),
            uargs: a.str(),
            flags: a.u32(),
        },
        25 => Args::DeleteModule {
            name: a.str(),
            flags: a.u32(),
        },
        26 => Args::Bpf { cmd: a.i32() },
        27 => Args::MemfdCreate {
            name: a.str(),
            flags: a.u32(),
        },
        28 => Args::Mmap {
            addr: a.u64(),
            len: a.u64(),
            prot: a.u32(),
            flags: a.u32(),
            fd: a.int(),
            offset: a.u64(),
        },
        29 => Args::Namespace {
            fd: a.int(),
            flags: a.u32(),
        },
        30 => Args::Capset {
            inheritable: a.u64(),
            permitted: a.u64(),
            effective: a.u64(),
        },
        31 => Args::Prctl {
            option: a.i32(),
            arg2_str: a.str(),
            arg2_int: a.int(),
        },
        32 => Args::Flags { flags: a.u32() },
        33 => Args::IoUringSetup {
            entries: a.u32(),
            sq_entries: a.u32(),
            cq_entries: a.u32(),
            flags: a.u32(),
            sq_thread_cpu: a.u32(),
            sq_thread_idle: a.u32(),
            features: a.u32(),
        },
        34 => Args::ProcessVm { pid: a.int() },
        35 => Args::Pipe {
            fd1: a.int(),
            fd2: a.int(),
            flags: a.u32(),
        },
        36 => Args::Setpgid {
            pid: a.int(),
            pgid: a.int(),
        },
        37 => Args::Fcntl {
            fd: a.int(),
            cmd: a.u32(),
            arg: a.u64(),
        },
        t => return Err(format!("unknown argument shape {t}")),
    };
    Ok(())
}
