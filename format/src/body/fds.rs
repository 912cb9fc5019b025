//! Fd records as columns, and the socket addresses they hold.

use std::net::SocketAddr;

use super::{Res, get_ip, take};
use crate::columns::{ColumnReader, ColumnWriter};
use crate::record::{FdType, L4Proto, LocalSide};
use crate::wire::{Fd, StrId};

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

pub(super) fn encode_fds(fds: &[Fd], out: &mut Vec<u8>) {
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

pub(super) fn decode_fds(input: &mut &[u8], strings: usize, fds: &mut Vec<Fd>) -> Res<()> {
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
