//! Section header, machine info, interface list and user list bodies.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{Group, Interface, MachineInfo, MetaError, SectionHeader, User, block_type};
use crate::cursor::Cursor;

/// Magic of the section header, little-endian; the byte-swapped value means a big-endian
/// capture, which libscap never supported.
pub(crate) const SHB_MAGIC: u32 = 0x1A2B_3C4D;

/// Parses the 16-byte section header (pcapng options after it are skipped). The caller maps a
/// wrong magic and a too-new major version to their own errors.
pub(crate) fn parse_section_header(
    body: &[u8],
    offset: u64,
) -> Result<(u32, SectionHeader), MetaError> {
    let mut c = Cursor::new(body);
    let short = || {
        MetaError::new(
            body.len(),
            format!("section header body of {} bytes, need 16", body.len()),
        )
    };
    let magic = c.u32().ok_or_else(short)?;
    let major = c.u16().ok_or_else(short)?;
    let minor = c.u16().ok_or_else(short)?;
    let section_length = c.i64().ok_or_else(short)?;
    Ok((
        magic,
        SectionHeader {
            offset,
            major,
            minor,
            section_length,
            options_len: c.remaining(),
        },
    ))
}

/// Parses a machine info body. libscap reads a fixed 180-byte struct; older or shorter bodies are
/// accepted as long as the hostname is complete, later fields then read as 0.
pub(crate) fn parse_machine_info(body: &[u8]) -> Result<MachineInfo, MetaError> {
    let mut c = Cursor::new(body);
    let short = |c: &Cursor| {
        MetaError::new(
            c.pos(),
            format!("machine info body of {} bytes is too short", body.len()),
        )
    };
    let num_cpus = c.u32().ok_or_else(|| short(&c))?;
    let memory_size_bytes = c.u64().ok_or_else(|| short(&c))?;
    let max_pid = c.u64().ok_or_else(|| short(&c))?;
    let host = c.bytes(128).ok_or_else(|| short(&c))?;
    let hostname = host.split(|b| *b == 0).next().unwrap_or_default().to_vec();
    let boot_ts_epoch = c.u64().unwrap_or(0);
    let flags = c.u64().unwrap_or(0);
    Ok(MachineInfo {
        num_cpus,
        memory_size_bytes,
        max_pid,
        hostname,
        boot_ts_epoch,
        flags,
    })
}

const MAX_IFNAME: usize = 1024;

/// Parses an interface list (V1: entries back to back; V2: each entry prefixed by its length,
/// not counting the prefix).
pub(crate) fn parse_iflist(body: &[u8], ty: u32) -> Result<Vec<Interface>, MetaError> {
    let v2 = ty == block_type::IFLIST_V2;
    let mut out = Vec::new();
    let mut pos = 0usize;
    while body.len() - pos >= 4 {
        let mut c = Cursor::new(&body[pos..]);
        let bad = |c: &Cursor, what: &str| {
            MetaError::new(pos + c.pos(), format!("interface list: {what}"))
        };
        let entry_len = if v2 {
            let n = c.u32().ok_or_else(|| bad(&c, "short entry length"))?;
            Some(usize::try_from(n).unwrap_or(usize::MAX).saturating_add(4))
        } else {
            None
        };
        let iftype = c.u16().ok_or_else(|| bad(&c, "short entry"))?;
        let namelen = usize::from(c.u16().ok_or_else(|| bad(&c, "short entry"))?);
        if namelen >= MAX_IFNAME {
            return Err(bad(&c, &format!("interface name of {namelen} bytes")));
        }
        let (v6, linkspeed) = match iftype {
            1 => (false, true),
            2 => (true, true),
            3 => (false, false),
            4 => (true, false),
            other => return Err(bad(&c, &format!("unknown interface type {other}"))),
        };
        let mut addr = || -> Option<IpAddr> {
            Some(if v6 {
                IpAddr::V6(Ipv6Addr::from(c.array::<16>()?))
            } else {
                IpAddr::V4(Ipv4Addr::from(c.array::<4>()?))
            })
        };
        let (a, m, b) = match (addr(), addr(), addr()) {
            (Some(a), Some(m), Some(b)) => (a, m, b),
            _ => return Err(bad(&c, "entry runs past the block")),
        };
        let linkspeed = if linkspeed {
            c.u64()
                .ok_or_else(|| bad(&c, "entry runs past the block"))?
        } else {
            0
        };
        let name = c
            .bytes(namelen)
            .ok_or_else(|| bad(&c, "name runs past the block"))?
            .to_vec();
        let used = match entry_len {
            Some(n) if n < c.pos() => return Err(bad(&c, "entry longer than its declared length")),
            Some(n) => n,
            None => c.pos(),
        };
        if used > body.len() - pos {
            return Err(bad(&c, "entry length runs past the block"));
        }
        out.push(Interface {
            name,
            addr: a,
            netmask: m,
            bcast: b,
            linkspeed,
        });
        pos += used;
    }
    Ok(out)
}

const MAX_CREDENTIAL: usize = 256;

/// Parses a user list into users and groups (V2 entries are prefixed by their length, prefix
/// included; surplus bytes are skipped).
pub(crate) fn parse_userlist(body: &[u8], ty: u32) -> Result<(Vec<User>, Vec<Group>), MetaError> {
    let v2 = ty == block_type::USERLIST_V2;
    let (mut users, mut groups) = (Vec::new(), Vec::new());
    let mut pos = 0usize;
    while body.len() - pos >= 4 {
        let mut c = Cursor::new(&body[pos..]);
        let bad =
            |c: &Cursor, what: &str| MetaError::new(pos + c.pos(), format!("user list: {what}"));
        let sub_len = if v2 {
            c.u32().ok_or_else(|| bad(&c, "short entry length"))? as usize
        } else {
            0
        };
        let kind = c.u8().ok_or_else(|| bad(&c, "short entry"))?;
        let text = |c: &mut Cursor, what: &str| -> Result<Vec<u8>, MetaError> {
            let n = c.u16().ok_or_else(|| bad(c, "entry runs past the block"))?;
            if usize::from(n) >= MAX_CREDENTIAL {
                return Err(bad(c, &format!("{what} of {n} bytes")));
            }
            Ok(c.bytes(usize::from(n))
                .ok_or_else(|| bad(c, "entry runs past the block"))?
                .to_vec())
        };
        if kind == 0 {
            let uid = c
                .u32()
                .ok_or_else(|| bad(&c, "entry runs past the block"))?;
            let gid = c
                .u32()
                .ok_or_else(|| bad(&c, "entry runs past the block"))?;
            let name = text(&mut c, "user name")?;
            let home = text(&mut c, "home directory")?;
            let shell = text(&mut c, "shell")?;
            users.push(User {
                uid,
                gid,
                name,
                home,
                shell,
            });
        } else {
            let gid = c
                .u32()
                .ok_or_else(|| bad(&c, "entry runs past the block"))?;
            let name = text(&mut c, "group name")?;
            groups.push(Group { gid, name });
        }
        let used = if sub_len != 0 {
            if sub_len < c.pos() {
                return Err(bad(
                    &c,
                    &format!("entry of {} bytes, declared {sub_len}", c.pos()),
                ));
            }
            sub_len
        } else {
            c.pos()
        };
        if used > body.len() - pos {
            return Err(bad(&c, "entry length runs past the block"));
        }
        pos += used;
    }
    Ok((users, groups))
}
