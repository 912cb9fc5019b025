//! `fd.l4proto` as libsinsp's `sinsp_fdinfo::get_l4proto` and the fd filtercheck give it: the
//! protocol of an IP socket with a role (or a raw one), else the text `<NA>`, a value that
//! `!=` compares (the `fd.l4proto != tcp` of Falco's network macros holds for it).

mod common;

use std::sync::Arc;

use common::*;
use rtsec_format::{Block, FdInfo, L4Proto};

fn read_on(fd: &Arc<FdInfo>) -> Block {
    read_of(&P::new("nc").build(), fd)
}

#[test]
fn only_ip_sockets_with_a_role_have_a_protocol() {
    let tcp = tcp_fd(3, "10.0.0.5:40000", "8.8.8.8:443", false);
    assert!(holds(&read_on(&tcp), "fd.l4proto = tcp"));

    let file = file_fd(4, "/etc/hosts", 0);
    let b = read_on(&file);
    assert!(holds(&b, "fd.l4proto = \"<NA>\""));
    assert!(holds(&b, "fd.l4proto != tcp"));
    assert!(holds(&b, "fd.l4proto exists"));

    let mut fresh = (*tcp_fd(5, "10.0.0.5:40000", "8.8.8.8:443", false)).clone();
    fresh.client = None;
    fresh.server = None;
    let b = read_on(&Arc::new(fresh.clone()));
    assert!(holds(&b, "fd.l4proto = \"<NA>\""), "no role yet");
    fresh.l4proto = L4Proto::Raw;
    assert!(
        holds(&read_on(&Arc::new(fresh)), "fd.l4proto = raw"),
        "a raw socket needs no role"
    );
}
