//! Which end of a socket is this host's, as libsinsp decides it for `fd.lip`, `fd.rip`,
//! `fd.lport`, `fd.rport`, `fd.lnet`, `fd.rnet`, `fd.lip.name`, `fd.rip.name` and
//! `fd.is_server` (`sinsp_network_interfaces::is_ipv4addr_in_local_machine`): not by the
//! socket's role but by whether an address is one of the host's interface addresses or the
//! container's IP. So on loopback both ends are local and the client's end is the local one,
//! even for the server's socket, and a connection to this host's own address is a server
//! connection (`fd.is_server`) for the client too: Falco prints them so.
//!
//! The addresses are the trace's recorded interface list. A trace without one (format < 1.2)
//! falls back to the socket's role.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use rtsec_format::interfaces::Interfaces;
use rtsec_format::{EventView, FdType, LocalSide, wire::Fd};

/// The recorded interface addresses of the machine a trace comes from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct LocalAddrs {
    /// Whether the trace recorded its interfaces.
    known: bool,
    v4: Vec<Ipv4Addr>,
    /// The first 64 bits of each IPv6 address: libsinsp calls an IPv6 address local when
    /// they match (`ipv6addr::in_subnet`).
    v6: Vec<u64>,
}

impl LocalAddrs {
    pub(crate) fn set(&mut self, interfaces: &Interfaces) {
        self.v4.clear();
        self.v6.clear();
        self.known = interfaces.0.is_some();
        for ip in interfaces.addrs().into_iter().flatten() {
            match ip {
                IpAddr::V4(a) => self.v4.push(a),
                IpAddr::V6(a) => self.v6.push(prefix64(a.octets())),
            }
        }
    }

    /// Whether `ip` is this machine's for a socket of `ev`'s process: the container's IP or
    /// an interface address; for a container without an IP, any container's IP and nothing
    /// else. In a container no IPv6 address is.
    fn is_local(&self, ip: IpAddr, ev: &EventView<'_>) -> bool {
        let container = ev.container();
        match ip {
            IpAddr::V4(a) => {
                if let Some(c) = container {
                    match c.ip {
                        Some(cip) if cip == ip => return true,
                        Some(_) => {}
                        // libsinsp looks through every container it knows; a replayed block
                        // knows the containers its events belong to.
                        None => return ev.block.containers.iter().any(|c| c.ip == Some(ip)),
                    }
                }
                self.v4.contains(&a)
            }
            IpAddr::V6(a) => container.is_none() && self.v6.contains(&prefix64(a.octets())),
        }
    }

    /// The (local, remote) ends of an IP socket with a role, `None` without one.
    pub(crate) fn ends(&self, r: &Fd, ev: &EventView<'_>) -> Option<(SocketAddr, SocketAddr)> {
        let (client, server) = (r.client?, r.server?);
        let client_local = if self.known {
            if r.local == LocalSide::Unknown {
                return None;
            }
            self.is_local(client.ip(), ev)
        } else {
            match r.local {
                LocalSide::Client => true,
                LocalSide::Server => false,
                LocalSide::Unknown => return None,
            }
        };
        Some(if client_local {
            (client, server)
        } else {
            (server, client)
        })
    }

    /// `fd.is_server`: a listening socket, or one whose server end is this machine's.
    pub(crate) fn is_server(&self, r: &Fd, ev: &EventView<'_>) -> bool {
        if !self.known {
            return r.local == LocalSide::Server;
        }
        match (r.client, r.server) {
            // Bound to a port: libsinsp's server socket types.
            (None, Some(_)) => true,
            (Some(_), Some(server)) => self.is_local(server.ip(), ev),
            // No tuple yet: libsinsp tests the zero address of the socket's family, and `::`
            // shares its first 64 bits with `::1`.
            _ => match r.ty {
                FdType::Ipv4 => self.is_local(IpAddr::V4(Ipv4Addr::UNSPECIFIED), ev),
                FdType::Ipv6 => self.is_local(IpAddr::V6(Ipv6Addr::UNSPECIFIED), ev),
                _ => false,
            },
        }
    }
}

fn prefix64(octets: [u8; 16]) -> u64 {
    let mut first = [0u8; 8];
    first.copy_from_slice(&octets[..8]);
    u64::from_be_bytes(first)
}
