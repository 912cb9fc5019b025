//! `fd.name_changed` as libsinsp gives it: true when the event gave its fd a name or changed
//! it (`event_flags::FD_NAME_CHANGED`, set by the state engine). The UDP branch of Falco's
//! `outbound` macro reads it with `fd.connected=false`. Neither libsinsp nor rtsec's state
//! engine leaves a socket unconnected after a datagram went out (both mark it connected), so
//! that branch does not fire on recorded traffic; these tests check how the macro evaluates
//! the two fields, on hand-built sockets.

mod common;

use std::sync::Arc;

use common::*;
use rtsec_format::wire::event_flags;
use rtsec_format::{Args, Block, FdInfo, Kind, L4Proto, SockAddr};
use rtsec_rules::{HostTable, Scratch};

fn sendto(fd: &Arc<FdInfo>, flags: u8) -> Block {
    let args: Args<&[u8]> = Args::Io {
        fd: fd.num,
        data: b"hello",
        size: 5,
        pos: 0,
        addr: SockAddr::Inet {
            ip: "8.8.8.8".parse().unwrap(),
            port: 53,
        },
    };
    let p = P::new("nc").build();
    flagged_block(Kind::Sendto, &p, Some(fd), args, 5, flags)
}

#[test]
fn the_outbound_macro_reads_name_changed_on_an_unconnected_socket() {
    let mut udp = (*tcp_fd(3, "10.0.0.5:40000", "8.8.8.8:53", false)).clone();
    udp.l4proto = L4Proto::Udp;
    udp.flags = 0; // not connected
    let udp = Arc::new(udp);
    let outbound = stable().filter("outbound").unwrap();
    let is_outbound =
        |b: &Block| outbound.matches(&b.event(0).unwrap(), &mut Scratch::new(), &HostTable::new());
    let named = sendto(&udp, event_flags::FD_NAME_CHANGED);
    assert!(is_outbound(&named));
    assert!(holds(&named, "fd.name_changed = true"));
    let again = sendto(&udp, 0);
    assert!(!is_outbound(&again), "the same peer again");
    assert!(holds(&again, "fd.name_changed = false"));
}
