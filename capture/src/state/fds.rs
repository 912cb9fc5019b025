//! fd records: what an fd is called and what it points at, as Falco names it (§6.4 of the
//! reference).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use rtsec_format::{FdInfo, FdType, L4Proto, LocalSide, record::fd_flags};

use rustc_hash::FxHashSet;

use super::input::{FdSeed, SockInfo};

const AF_UNIX: u32 = 1;
const AF_INET: u32 = 2;
const AF_INET6: u32 = 10;
const AF_NETLINK: u32 = 16;
const SOCK_STREAM: u32 = 1;
const SOCK_DGRAM: u32 = 2;
const SOCK_RAW: u32 = 3;
const IPPROTO_ICMP: u32 = 1;
const IPPROTO_ICMPV6: u32 = 58;
/// `O_DIRECTORY`.
pub const O_DIRECTORY: u32 = 0o200000;
/// `O_CLOEXEC`.
pub const O_CLOEXEC: u32 = 0o2000000;

/// fd type of a new socket of `domain`.
pub fn socket_type(domain: u32) -> FdType {
    match domain {
        AF_INET => FdType::Ipv4,
        AF_INET6 => FdType::Ipv6,
        AF_UNIX => FdType::Unix,
        AF_NETLINK => FdType::Netlink,
        _ => FdType::Unknown,
    }
}

/// Layer-4 protocol from a socket's type and protocol numbers.
pub fn l4proto(sock_type: u32, proto: u32) -> L4Proto {
    match sock_type & 0xf {
        SOCK_STREAM => L4Proto::Tcp,
        SOCK_DGRAM if proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6 => L4Proto::Icmp,
        SOCK_DGRAM => L4Proto::Udp,
        SOCK_RAW => L4Proto::Raw,
        _ => L4Proto::Unknown,
    }
}

/// An IPv6 address that is really IPv4 (`::ffff:a.b.c.d`, or all zero).
fn as_v4(ip: IpAddr) -> Option<Ipv4Addr> {
    match ip {
        IpAddr::V4(v4) => Some(v4),
        IpAddr::V6(v6) if v6.is_unspecified() => Some(Ipv4Addr::UNSPECIFIED),
        IpAddr::V6(v6) => v6.to_ipv4_mapped(),
    }
}

fn push_addr(out: &mut Vec<u8>, ip: IpAddr, port: Option<u16>) {
    use std::io::Write;
    let _ = match port {
        Some(p) => write!(out, "{ip}:{p}"),
        None => write!(out, "{ip}"),
    };
}

/// Falco's name for an IP socket: `client:port->server:port` (`ip->ip` for ICMP and raw);
/// IPv6 without brackets; both ends IPv4-mapped: shown as IPv4.
pub fn tuple_name(proto: L4Proto, client: SocketAddr, server: SocketAddr) -> (FdType, Vec<u8>) {
    let (c, s, ty) = match (as_v4(client.ip()), as_v4(server.ip())) {
        (Some(c), Some(s)) if client.is_ipv6() || server.is_ipv6() => {
            (IpAddr::V4(c), IpAddr::V4(s), FdType::Ipv4)
        }
        _ if client.is_ipv4() => (client.ip(), server.ip(), FdType::Ipv4),
        _ => (client.ip(), server.ip(), FdType::Ipv6),
    };
    let ports = !matches!(proto, L4Proto::Icmp | L4Proto::Raw);
    let mut name = Vec::with_capacity(48);
    push_addr(&mut name, c, ports.then_some(client.port()));
    name.extend_from_slice(b"->");
    push_addr(&mut name, s, ports.then_some(server.port()));
    (ty, name)
}

/// The name of a listening or bound socket: `ip:port`.
pub fn server_name(addr: SocketAddr) -> Vec<u8> {
    let ip = as_v4(addr.ip()).map_or(addr.ip(), IpAddr::V4);
    let mut name = Vec::new();
    push_addr(&mut name, ip, Some(addr.port()));
    name
}

/// Falco's name for a unix socket: `<hex this>-><hex peer> path`.
pub fn unix_name(sk: u64, peer: u64, path: &[u8]) -> Vec<u8> {
    let mut name = format!("{sk:x}->{peer:x}").into_bytes();
    if !path.is_empty() {
        name.push(b' ');
        name.extend_from_slice(path);
    }
    name
}

/// A socket from the initial scan as libsinsp's `add_fd_from_scap` makes it: only a TCP
/// connection is connected, and a unix socket is named by its path alone (empty if it has
/// none), not by its ends.
pub fn as_scanned(fd: &mut FdInfo, sock: &SockInfo<&[u8]>) {
    match sock {
        SockInfo::Inet { proto, .. } if *proto != L4Proto::Tcp => {
            fd.flags &= !fd_flags::CONNECTED;
        }
        SockInfo::Inet { .. } => {}
        SockInfo::Unix { path, .. } => {
            fd.flags &= !fd_flags::CONNECTED;
            fd.name = path.to_vec();
        }
    }
}

/// The port of a seeded IPv4 socket that is listening or bound (no remote end).
pub fn ipv4_listening_port(fd: &FdSeed) -> Option<u16> {
    match &fd.sock {
        Some(SockInfo::Inet { local, remote, .. })
            if remote.port() == 0 && (local.is_ipv4() || as_v4(local.ip()).is_some()) =>
        {
            Some(local.port())
        }
        _ => None,
    }
}

/// The direction of a seeded IPv4 connection, which `/proc` lists local end first, as
/// libsinsp's `fix_sockets_coming_from_proc` settles it: accepted (the server's end is ours)
/// if our port is one a seeded socket listens on, else connected. IPv6 connections keep no
/// role, as there.
pub fn orient_scanned(fd: &mut FdInfo, server_ports: &FxHashSet<u16>) {
    let (Some(ours), Some(theirs)) = (fd.client, fd.server) else {
        return;
    };
    if fd.ty != FdType::Ipv4 || fd.local != LocalSide::Unknown {
        return;
    }
    if server_ports.contains(&ours.port()) {
        let (_, name) = tuple_name(fd.l4proto, theirs, ours);
        fd.name = name;
        fd.client = Some(theirs);
        fd.server = Some(ours);
        fd.local = LocalSide::Server;
    } else {
        fd.local = LocalSide::Client;
    }
}

/// Both ends as IPv4 when both are IPv4-mapped IPv6 addresses (a dual-stack socket talking
/// IPv4): libsinsp stores such a socket as an IPv4 one, so its addresses compare as IPv4.
pub fn unmapped(client: SocketAddr, server: SocketAddr) -> (SocketAddr, SocketAddr) {
    if client.is_ipv4() && server.is_ipv4() {
        return (client, server);
    }
    match (as_v4(client.ip()), as_v4(server.ip())) {
        (Some(c), Some(s)) => (
            SocketAddr::new(IpAddr::V4(c), client.port()),
            SocketAddr::new(IpAddr::V4(s), server.port()),
        ),
        _ => (client, server),
    }
}

/// Applies a socket's kernel view to `fd` (connect: we are the client; accept: the server).
pub fn apply_sock(fd: &mut FdInfo, sock: &SockInfo<&[u8]>, side: LocalSide) {
    match sock {
        SockInfo::Inet {
            proto,
            local,
            remote,
        } => {
            let (client, server) = match side {
                LocalSide::Server => unmapped(*remote, *local),
                _ => unmapped(*local, *remote),
            };
            let (ty, name) = tuple_name(*proto, client, server);
            fd.ty = ty;
            fd.name = name;
            fd.l4proto = *proto;
            fd.client = Some(client);
            fd.server = Some(server);
            fd.local = side;
            fd.flags |= fd_flags::CONNECTED;
        }
        SockInfo::Unix { sk, peer, path } => {
            let path: &[u8] = if path.is_empty() {
                // Keep the path learnt earlier (bind, or the listening socket).
                unix_path(&fd.name)
            } else {
                path
            };
            let name = unix_name(*sk, *peer, path);
            fd.ty = FdType::Unix;
            fd.unix_source = *sk;
            fd.unix_dest = *peer;
            fd.name = name;
            fd.local = side;
            fd.flags |= fd_flags::CONNECTED;
        }
    }
}

/// The path part of a unix socket's name (after the space), or the whole name if it is a
/// bare path.
pub fn unix_path(name: &[u8]) -> &[u8] {
    if name.starts_with(b"/") || name.starts_with(b"@") || name.is_empty() {
        return name;
    }
    match name.iter().position(|&b| b == b' ') {
        Some(p) => &name[p + 1..],
        None => &[],
    }
}

/// The fd type of a new fd made by a syscall that is recorded as a generic event, by syscall
/// number (x86_64): eventfd, timerfd, signalfd, inotify, epoll, pidfd, …
pub fn generic_fd_type(nr: u16) -> Option<FdType> {
    Some(match nr {
        284 | 290 => FdType::Event,     // eventfd, eventfd2
        283 => FdType::Timerfd,         // timerfd_create
        282 | 289 => FdType::Signalfd,  // signalfd, signalfd4
        253 | 294 => FdType::Inotify,   // inotify_init, inotify_init1
        213 | 291 => FdType::EventPoll, // epoll_create, epoll_create1
        434 | 438 => FdType::Pidfd,     // pidfd_open, pidfd_getfd
        _ => return None,
    })
}

/// `AF_*` numbers the decoder uses for socket addresses.
pub mod family {
    pub const UNIX: u16 = super::AF_UNIX as u16;
    pub const INET: u16 = super::AF_INET as u16;
    pub const INET6: u16 = super::AF_INET6 as u16;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scanned_sockets_are_as_libsinsp_reads_them() {
        let udp = SockInfo::Inet {
            proto: L4Proto::Udp,
            local: "10.0.2.15:5353".parse().unwrap(),
            remote: "224.0.0.251:5353".parse().unwrap(),
        };
        let mut fd = FdInfo::default();
        apply_sock(&mut fd, &udp, LocalSide::Unknown);
        as_scanned(&mut fd, &udp);
        assert_eq!(fd.flags & fd_flags::CONNECTED, 0, "only TCP is connected");
        let unix = SockInfo::Unix {
            sk: 0x444493ef,
            peer: 0,
            path: &b"/var/run/docker.sock"[..],
        };
        let mut fd = FdInfo::default();
        apply_sock(&mut fd, &unix, LocalSide::Unknown);
        as_scanned(&mut fd, &unix);
        assert_eq!(fd.name, b"/var/run/docker.sock", "the path alone");
        assert_eq!(fd.flags & fd_flags::CONNECTED, 0);
        assert_eq!(fd.unix_source, 0x444493ef);
    }

    #[test]
    fn seeded_connections_are_accepted_on_listening_ports_else_connected() {
        let scanned = |ours: &str, theirs: &str, v6: bool| {
            let (ours, theirs): (SocketAddr, SocketAddr) =
                (ours.parse().unwrap(), theirs.parse().unwrap());
            let (ty, name) = tuple_name(L4Proto::Tcp, ours, theirs);
            assert_eq!(ty == FdType::Ipv6, v6);
            FdInfo {
                ty,
                name,
                client: Some(ours),
                server: Some(theirs),
                ..FdInfo::default()
            }
        };
        let ports: FxHashSet<u16> = [22].into_iter().collect();
        let mut accepted = scanned("10.0.2.15:22", "10.0.2.2:49289", false);
        orient_scanned(&mut accepted, &ports);
        assert_eq!(accepted.name, b"10.0.2.2:49289->10.0.2.15:22");
        assert_eq!(accepted.server, Some("10.0.2.15:22".parse().unwrap()));
        assert_eq!(accepted.local, LocalSide::Server);
        let mut connected = scanned("10.0.2.15:40000", "93.184.216.34:443", false);
        orient_scanned(&mut connected, &ports);
        assert_eq!(connected.name, b"10.0.2.15:40000->93.184.216.34:443");
        assert_eq!(connected.local, LocalSide::Client);
        // IPv6 connections keep no role, as in libsinsp.
        let mut v6 = scanned("[fd00::5]:22", "[fd00::9]:50000", true);
        orient_scanned(&mut v6, &ports);
        assert_eq!(v6.local, LocalSide::Unknown);
    }

    #[test]
    fn names_like_falco() {
        let c: SocketAddr = "127.0.0.1:40000".parse().unwrap();
        let s: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        assert_eq!(
            tuple_name(L4Proto::Tcp, c, s).1,
            b"127.0.0.1:40000->127.0.0.1:8080"
        );
        let c6: SocketAddr = "[::1]:40000".parse().unwrap();
        let s6: SocketAddr = "[2001:db8::1]:443".parse().unwrap();
        let (ty, n) = tuple_name(L4Proto::Tcp, c6, s6);
        assert_eq!(
            (ty, n.as_slice()),
            (FdType::Ipv6, &b"::1:40000->2001:db8::1:443"[..])
        );
        let m1: SocketAddr = "[::ffff:10.0.0.1]:5".parse().unwrap();
        let m2: SocketAddr = "[::ffff:10.0.0.2]:6".parse().unwrap();
        assert_eq!(
            tuple_name(L4Proto::Udp, m1, m2),
            (FdType::Ipv4, b"10.0.0.1:5->10.0.0.2:6".to_vec())
        );
        assert_eq!(tuple_name(L4Proto::Icmp, c, s).1, b"127.0.0.1->127.0.0.1");
        assert_eq!(server_name("0.0.0.0:22".parse().unwrap()), b"0.0.0.0:22");
        assert_eq!(
            unix_name(0xffff1, 0xffff2, b"/run/x.sock"),
            b"ffff1->ffff2 /run/x.sock"
        );
        assert_eq!(unix_path(b"ffff1->ffff2 /run/x.sock"), b"/run/x.sock");
        assert_eq!(unix_path(b"/run/x.sock"), b"/run/x.sock");
    }
}
