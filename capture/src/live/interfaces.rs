//! The host's interface addresses, recorded in the header as libscap records its interface
//! list: libsinsp tells the local end of a socket from the remote one by these addresses
//! (`fd.lport`, `fd.rip`, `fd.is_server`, …), and replay may run on another machine.

use std::net::IpAddr;

use nix::ifaddrs::getifaddrs;
use nix::sys::socket::SockaddrStorage;
use rtsec_format::interfaces::Interface;

/// Every IPv4 and IPv6 address of every interface of this network namespace, up or down.
pub fn read() -> nix::Result<Vec<Interface>> {
    let mut out = Vec::new();
    for ifa in getifaddrs()? {
        let Some(addr) = ifa.address.as_ref().and_then(ip) else {
            continue;
        };
        let netmask = ifa.netmask.as_ref().and_then(ip).unwrap_or(match addr {
            IpAddr::V4(_) => IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
            IpAddr::V6(_) => IpAddr::V6(std::net::Ipv6Addr::UNSPECIFIED),
        });
        out.push(Interface {
            name: ifa.interface_name,
            addr,
            netmask,
        });
    }
    Ok(out)
}

fn ip(a: &SockaddrStorage) -> Option<IpAddr> {
    if let Some(v4) = a.as_sockaddr_in() {
        return Some(IpAddr::V4(v4.ip()));
    }
    a.as_sockaddr_in6().map(|v6| IpAddr::V6(v6.ip()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_loopback_address_is_listed() {
        let list = super::read().unwrap();
        assert!(
            list.iter()
                .any(|i| i.addr == std::net::IpAddr::from([127, 0, 0, 1])),
            "{list:?}"
        );
    }
}
