//! Socket addresses as libsinsp prints them.

use std::io::Write;
use std::net::IpAddr;

use rtsec_format::{EventView, SockAddr, StrId, wire::Fd};

/// Appends a socket address argument: `ip:port`, a unix path, or nothing.
pub(crate) fn write_addr(ev: &EventView<'_>, a: &SockAddr<StrId>, out: &mut Vec<u8>) {
    match a {
        SockAddr::None => out.extend_from_slice(b"NULL"),
        SockAddr::Inet { ip, port } => write_ip_port(*ip, *port, out),
        SockAddr::Unix { path } => out.extend_from_slice(ev.str(*path)),
        SockAddr::Other { family } => {
            let _ = write!(out, "family {family}");
        }
    }
}

/// `ip:port` (IPv6 without brackets, as libsinsp prints it).
pub(crate) fn write_ip_port(ip: IpAddr, port: u16, out: &mut Vec<u8>) {
    let _ = write!(out, "{ip}:{port}");
}

/// The fd's name as recorded (`fd.name`).
pub(crate) fn write_fd_name(ev: &EventView<'_>, fd: &Fd, out: &mut Vec<u8>) {
    out.extend_from_slice(ev.str(fd.name));
}
