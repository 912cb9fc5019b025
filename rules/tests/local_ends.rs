//! Which end of a socket is local, as libsinsp decides it for `fd.lip`, `fd.lport`, `fd.rip`,
//! `fd.rport` and `fd.is_server` (`sinsp_filter_check_fd` with
//! `sinsp_network_interfaces::is_ipv4addr_in_local_machine`): the client's end when the
//! client's address is the container's IP or one of the trace's interface addresses, else
//! the server's; a socket is a server's when its server address is local. A trace without
//! an interface list falls back to the socket's role.

mod common;

use std::sync::Arc;

use common::*;
use rtsec_format::interfaces::{Interface, Interfaces};
use rtsec_format::{Block, ContainerInfo, FdInfo, LocalSide};
use rtsec_rules::Scratch;

fn interfaces() -> Interfaces {
    let iface = |name: &str, addr: &str, mask: &str| Interface {
        name: name.into(),
        addr: addr.parse().unwrap(),
        netmask: mask.parse().unwrap(),
    };
    Interfaces::recorded(vec![
        iface("lo", "127.0.0.1", "255.0.0.0"),
        iface("eth0", "10.0.0.5", "255.255.255.0"),
        iface("lo", "::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
        iface("eth0", "fd00:1:2:3::5", "ffff:ffff:ffff:ffff::"),
    ])
}

/// A TCP socket from `client` to `server`, as the side `local` sees it.
fn sock(client: &str, server: &str, local: LocalSide) -> Arc<FdInfo> {
    let v6 = client.starts_with('[');
    let mut fd = (*tcp_fd(3, client, server, v6)).clone();
    fd.local = local;
    Arc::new(fd)
}

#[track_caller]
fn check(b: &Block, interfaces: &Interfaces, conditions: &[&str]) {
    for c in conditions {
        let mut scratch = Scratch::new();
        scratch.set_interfaces(interfaces);
        assert!(holds_in(b, c, &mut scratch), "{c}");
    }
}

#[test]
fn on_the_host_the_local_end_is_the_one_with_an_interface_address() {
    let host = P::new("curl").build();
    let ifs = interfaces();
    let outbound = sock("10.0.0.5:40000", "8.8.8.8:443", LocalSide::Client);
    check(
        &read_of(&host, &outbound),
        &ifs,
        &[
            "fd.lip = 10.0.0.5",
            "fd.lport = 40000",
            "fd.rip = 8.8.8.8",
            "fd.rport = 443",
            "fd.lnet = 10.0.0.0/24",
            "fd.is_server = false",
        ],
    );
    let inbound = sock("203.0.113.9:51000", "10.0.0.5:22", LocalSide::Server);
    check(
        &read_of(&host, &inbound),
        &ifs,
        &[
            "fd.lip = 10.0.0.5",
            "fd.lport = 22",
            "fd.rip = 203.0.113.9",
            "fd.rport = 51000",
            "fd.is_server = true",
        ],
    );
}

/// On loopback both ends are local: libsinsp takes the client's end as the local one on the
/// server's socket too, and calls the client's socket a server's (its server end is local).
/// Falco's "lport=%fd.lport rport=%fd.rport" outputs print them so.
#[test]
fn on_loopback_the_client_end_is_local_for_both_sockets() {
    let p = P::new("python3").build();
    let ifs = interfaces();
    for local in [LocalSide::Client, LocalSide::Server] {
        let fd = sock("127.0.0.1:40556", "127.0.0.1:8080", local);
        check(
            &read_of(&p, &fd),
            &ifs,
            &["fd.lport = 40556", "fd.rport = 8080", "fd.is_server = true"],
        );
    }
    let v6 = sock("[::1]:38255", "[::1]:2345", LocalSide::Server);
    check(
        &read_of(&p, &v6),
        &ifs,
        &["fd.lport = 38255", "fd.rport = 2345", "fd.is_server = true"],
    );
}

#[test]
fn an_ipv6_address_is_local_when_its_first_64_bits_are_an_interface_s() {
    let p = P::new("nginx").build();
    let ifs = interfaces();
    // fd00:1:2:3::77 is not an interface address, but shares the /64 of eth0's.
    let fd = sock(
        "[fd00:1:2:3::77]:50000",
        "[2001:db8::1]:443",
        LocalSide::Client,
    );
    check(
        &read_of(&p, &fd),
        &ifs,
        &[
            "fd.lport = 50000",
            "fd.rip = 2001:db8::1",
            "fd.is_server = false",
        ],
    );
    let fd = sock(
        "[2001:db8::1]:50000",
        "[fd00:1:2:3::5]:443",
        LocalSide::Server,
    );
    check(
        &read_of(&p, &fd),
        &ifs,
        &["fd.lport = 443", "fd.rport = 50000", "fd.is_server = true"],
    );
}

#[test]
fn in_a_container_its_ip_is_local_and_ipv6_never_is() {
    let c = container("nginx", false); // IP 172.17.0.2
    let p = P::new("nginx").in_container(&c).build();
    let ifs = interfaces();
    let outbound = sock("172.17.0.2:33000", "1.1.1.1:53", LocalSide::Client);
    check(
        &read_of(&p, &outbound),
        &ifs,
        &[
            "fd.lip = 172.17.0.2",
            "fd.lport = 33000",
            "fd.is_server = false",
        ],
    );
    let inbound = sock("172.17.0.9:41000", "172.17.0.2:80", LocalSide::Server);
    check(
        &read_of(&p, &inbound),
        &ifs,
        &[
            "fd.lip = 172.17.0.2",
            "fd.lport = 80",
            "fd.is_server = true",
        ],
    );
    // The host's addresses still count for a container with an IP.
    let via_host = sock("10.0.0.5:40000", "8.8.8.8:443", LocalSide::Client);
    check(&read_of(&p, &via_host), &ifs, &["fd.lport = 40000"]);
    // IPv6 in a container: never local, so the server's end is taken.
    let v6 = sock(
        "[fd00:1:2:3::5]:40000",
        "[2001:db8::1]:443",
        LocalSide::Client,
    );
    check(
        &read_of(&p, &v6),
        &ifs,
        &["fd.lport = 443", "fd.rport = 40000", "fd.is_server = false"],
    );
}

/// A container without an IP (host networking): libsinsp compares the address with every
/// container's IP and stops there, without the host's interfaces. So an outbound connection
/// from the host's own address gets the server's port as `fd.lport`, as Falco prints it.
#[test]
fn in_a_container_without_an_ip_only_container_ips_are_local() {
    let mut c: ContainerInfo = (*container("alpine", false)).clone();
    c.ip = None;
    let c = Arc::new(c);
    let p = P::new("wget").in_container(&c).build();
    let fd = sock("10.0.0.5:40000", "8.8.8.8:443", LocalSide::Client);
    check(
        &read_of(&p, &fd),
        &interfaces(),
        &["fd.lport = 443", "fd.rport = 40000", "fd.lip = 8.8.8.8"],
    );
}

#[test]
fn listening_sockets_are_servers_without_local_or_remote_ends() {
    let p = P::new("sshd").build();
    let mut fd = (*tcp_fd(3, "0.0.0.0:1", "0.0.0.0:22", false)).clone();
    fd.client = None;
    fd.local = LocalSide::Unknown;
    let b = read_of(&p, &Arc::new(fd));
    check(
        &b,
        &interfaces(),
        &[
            "fd.is_server = true",
            "not fd.lport exists",
            "not fd.rip exists",
        ],
    );
}

/// Traces written before format 1.2 have no interface list: the socket's role decides, as
/// rtsec did before.
#[test]
fn without_recorded_interfaces_the_role_decides() {
    let p = P::new("python3").build();
    let unknown = Interfaces(None);
    let accepted = sock("127.0.0.1:40556", "127.0.0.1:8080", LocalSide::Server);
    check(
        &read_of(&p, &accepted),
        &unknown,
        &["fd.lport = 8080", "fd.rport = 40556", "fd.is_server = true"],
    );
    let connected = sock("127.0.0.1:40556", "127.0.0.1:8080", LocalSide::Client);
    check(
        &read_of(&p, &connected),
        &unknown,
        &["fd.lport = 40556", "fd.is_server = false"],
    );
    // A recorded empty list is an answer: nothing is local (libsinsp without an interface
    // block), so the server's end is taken.
    check(
        &read_of(&p, &connected),
        &Interfaces::recorded(vec![]),
        &["fd.lport = 8080", "fd.is_server = false"],
    );
}
