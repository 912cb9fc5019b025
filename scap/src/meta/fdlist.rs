//! Fd list blocks (reference §3.6): the open fds of one thread when the capture started.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::{Bytes, MetaError, block_type};
use crate::cursor::Cursor;

const MAX_PATH: usize = 1024;

/// One open fd of a thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FdEntry {
    pub tid: i64,
    pub fd: i64,
    pub ino: u64,
    /// `scap_fd_type` as stored in the file (1 file, 2 directory, 3 IPv4 socket, …).
    pub fd_type: u8,
    pub target: FdTarget,
}

/// What an fd refers to. Addresses are as on the wire; ports are host byte order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FdTarget {
    /// A regular file. `open_flags` are `PPM_O_*` bits (0 in old captures), `dev` is 0 unless
    /// the entry carries it.
    File {
        path: Bytes,
        open_flags: u32,
        dev: u32,
    },
    Directory {
        path: Bytes,
    },
    /// A connected (or unconnected) IPv4 socket; `l4proto`: 2 tcp, 3 udp, 4 icmp, 5 raw.
    Ipv4Socket {
        sip: Ipv4Addr,
        dip: Ipv4Addr,
        sport: u16,
        dport: u16,
        l4proto: u8,
    },
    Ipv6Socket {
        sip: Ipv6Addr,
        dip: Ipv6Addr,
        sport: u16,
        dport: u16,
        l4proto: u8,
    },
    /// A listening IPv4 socket.
    Ipv4Server {
        ip: Ipv4Addr,
        port: u16,
        l4proto: u8,
    },
    Ipv6Server {
        ip: Ipv6Addr,
        port: u16,
        l4proto: u8,
    },
    /// A unix socket; `source`/`dest` are kernel pointers identifying the two ends.
    Unix {
        source: u64,
        dest: u64,
        path: Bytes,
    },
    /// Any other kind (fifo 7, event 9, signalfd 11, eventpoll 12, inotify 13, timerfd 14,
    /// netlink 15, bpf 17, userfaultfd 18, io_uring 19, memfd 20, pidfd 21, unsupported 10),
    /// or a type this reader does not know, with the name libscap gives it.
    Other {
        name: Bytes,
    },
}

/// Parses a fd list block: the thread id, then the entries.
pub(crate) fn parse_fdlist(body: &[u8], ty: u32) -> Result<Vec<FdEntry>, MetaError> {
    let v2 = ty == block_type::FDLIST_V2;
    let mut c = Cursor::new(body);
    let tid = c
        .i64()
        .ok_or_else(|| MetaError::new(0, "fd list shorter than its thread id"))?;
    let mut out = Vec::new();
    let mut pos = c.pos();
    while body.len() - pos >= 4 {
        let (entry, used) =
            parse_entry(&body[pos..], tid, v2).map_err(|e| MetaError::new(pos + e.pos, e.what))?;
        out.push(entry);
        pos += used;
    }
    Ok(out)
}

fn parse_entry(data: &[u8], tid: i64, v2: bool) -> Result<(FdEntry, usize), MetaError> {
    let mut c = Cursor::new(data);
    let short = |c: &Cursor| MetaError::new(c.pos(), "fd list entry runs past the block");
    let name = |c: &mut Cursor| -> Result<Bytes, MetaError> {
        let at = c.pos();
        let n = usize::from(c.u16().ok_or_else(|| short(c))?);
        if n >= MAX_PATH {
            return Err(MetaError::new(
                at,
                format!("fd list: name of {n} bytes (limit {MAX_PATH})"),
            ));
        }
        Ok(c.bytes(n).ok_or_else(|| short(c))?.to_vec())
    };
    let sub_len = if v2 {
        c.u32().ok_or_else(|| short(&c))? as usize
    } else {
        0
    };
    let fd = c.i64().ok_or_else(|| short(&c))?;
    let ino = c.u64().ok_or_else(|| short(&c))?;
    let fd_type = c.u8().ok_or_else(|| short(&c))?;
    let target = match fd_type {
        3 => FdTarget::Ipv4Socket {
            sip: Ipv4Addr::from(c.array::<4>().ok_or_else(|| short(&c))?),
            dip: Ipv4Addr::from(c.array::<4>().ok_or_else(|| short(&c))?),
            sport: c.u16().ok_or_else(|| short(&c))?,
            dport: c.u16().ok_or_else(|| short(&c))?,
            l4proto: c.u8().ok_or_else(|| short(&c))?,
        },
        4 => FdTarget::Ipv6Socket {
            sip: Ipv6Addr::from(c.array::<16>().ok_or_else(|| short(&c))?),
            dip: Ipv6Addr::from(c.array::<16>().ok_or_else(|| short(&c))?),
            sport: c.u16().ok_or_else(|| short(&c))?,
            dport: c.u16().ok_or_else(|| short(&c))?,
            l4proto: c.u8().ok_or_else(|| short(&c))?,
        },
        5 => FdTarget::Ipv4Server {
            ip: Ipv4Addr::from(c.array::<4>().ok_or_else(|| short(&c))?),
            port: c.u16().ok_or_else(|| short(&c))?,
            l4proto: c.u8().ok_or_else(|| short(&c))?,
        },
        6 => FdTarget::Ipv6Server {
            ip: Ipv6Addr::from(c.array::<16>().ok_or_else(|| short(&c))?),
            port: c.u16().ok_or_else(|| short(&c))?,
            l4proto: c.u8().ok_or_else(|| short(&c))?,
        },
        8 => FdTarget::Unix {
            source: c.u64().ok_or_else(|| short(&c))?,
            dest: c.u64().ok_or_else(|| short(&c))?,
            path: name(&mut c)?,
        },
        16 => {
            let open_flags = c.u32().ok_or_else(|| short(&c))?;
            let path = name(&mut c)?;
            let dev = if sub_len != 0 && c.pos() + 4 <= sub_len {
                c.u32().ok_or_else(|| short(&c))?
            } else {
                0
            };
            FdTarget::File {
                path,
                open_flags,
                dev,
            }
        }
        1 => FdTarget::File {
            path: name(&mut c)?,
            open_flags: 0,
            dev: 0,
        },
        2 => FdTarget::Directory {
            path: name(&mut c)?,
        },
        7 | 9..=15 | 17..=21 => FdTarget::Other {
            name: name(&mut c)?,
        },
        // Newer libs: no payload is read (libscap does the same), sub_len skips it in V2.
        other => FdTarget::Other {
            name: format!("unknown-type:[{other}]").into_bytes(),
        },
    };
    let used = if sub_len != 0 {
        if c.pos() > sub_len {
            return Err(MetaError::new(
                c.pos(),
                format!(
                    "fd list entry of {sub_len} bytes, but its fields take {}",
                    c.pos()
                ),
            ));
        }
        if sub_len > data.len() {
            return Err(MetaError::new(
                c.pos(),
                format!("fd list entry of {sub_len} bytes runs past the block"),
            ));
        }
        sub_len
    } else {
        c.pos()
    };
    Ok((
        FdEntry {
            tid,
            fd,
            ino,
            fd_type,
            target,
        },
        used,
    ))
}
