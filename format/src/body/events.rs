//! Events as columns: time deltas, tids against their process's pid, "the same process as
//! before", fd references as the surprise against the next new fd; then their arguments
//! (`args.rs`), or only what the event's fd record lacks.

use std::net::SocketAddr;

use super::Res;
use super::args::{decode_args, encode_args};
use crate::args::{Args, SockAddr};
use crate::block::Block;
use crate::columns::{ColumnReader, ColumnWriter};
use crate::kind::Kind;
use crate::wire::{Event, Fd, Process, Ref, StrId};

const E_TS: usize = 0;
const E_TID: usize = 1;
const E_META: usize = 2; // kind | cpu << 8 | flags << 24
const E_RES: usize = 3;
const E_PROC: usize = 4;
const E_FD: usize = 5;
pub(super) const A_TAG: usize = 6;
pub(super) const A_INT: usize = 7; // signed: fds, pids, dirfds
pub(super) const A_UINT: usize = 8; // flags, modes, sizes, numbers
pub(super) const A_STR: usize = 9;
pub(super) const A_ADDR: usize = 10;
pub(super) const E_COLS: usize = 11;

pub(super) fn encode_events(b: &Block, base: u64, out: &mut Vec<u8>) {
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

pub(super) const TAG_OPEN_FROM_FD: u64 = 38;
pub(super) const TAG_CONNECT_FROM_FD: u64 = 39;
pub(super) const TAG_ACCEPT_FROM_FD: u64 = 40;
/// [`Args::Io`](crate::Args::Io) with a file offset (pread, pwrite, preadv, pwritev at a
/// non-zero position); tag 12 is the same shape without it.
pub(super) const TAG_IO_AT: u64 = 41;

pub(super) fn decode_events(
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
