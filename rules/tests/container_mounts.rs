//! `container.mount*[...]` select a mount as the container plugin does (Falco ≥ 0.41): a number
//! is an index; anything else is a regular expression found in the mount's source, or in its
//! destination for `container.mount.source`.

mod common;

use std::sync::Arc;

use common::*;
use rtsec_format::{Block, MountInfo};

fn mount(source: &str, dest: &str, mode: &str, rw: bool) -> MountInfo {
    MountInfo {
        source: source.into(),
        dest: dest.into(),
        mode: mode.into(),
        rw,
        propagation: "rprivate".into(),
    }
}

/// An exec in a container with a docker socket, the host's /proc and a kubelet etc-hosts file
/// mounted, in that order.
fn exec_in_container() -> Block {
    let mut c = (*container("nginx", false)).clone();
    c.mounts = vec![
        mount("/var/run/docker.sock", "/var/run/docker.sock", "", true),
        mount("/proc", "/host/proc", "ro", false),
        mount(
            "/var/lib/kubelet/pods/0f1e/etc-hosts",
            "/etc/hosts",
            "",
            true,
        ),
    ];
    let c = Arc::new(c);
    exec(&P::new("nginx").in_container(&c).build())
}

#[test]
fn a_number_is_an_index() {
    let b = exec_in_container();
    assert!(holds(&b, "container.mount.dest[1] = /host/proc"));
    assert!(holds(
        &b,
        "container.mount.source[2] startswith /var/lib/kubelet"
    ));
    assert!(holds(
        &b,
        "container.mount[0] = /var/run/docker.sock:/var/run/docker.sock::true:rprivate"
    ));
    assert!(holds(&b, "container.mount.rdwr[1] = false"));
    assert!(holds(&b, "container.mount.mode[1] = ro"));
    assert!(holds(&b, "container.mount.propagation[1] = rprivate"));
    assert!(holds(&b, "not container.mount.dest[3] exists"));
}

#[test]
fn the_source_is_found_by_its_destination_and_the_rest_by_the_source() {
    let b = exec_in_container();
    // Falco's sandbox rule asks for the destination of a mount of the host's /proc.
    assert!(holds(&b, "container.mount.dest[/proc*] = /host/proc"));
    // container.mount.source is the one that takes a destination.
    assert!(holds(
        &b,
        "container.mount.source[/etc/hosts] = /var/lib/kubelet/pods/0f1e/etc-hosts"
    ));
    assert!(holds(&b, "not container.mount.source[^/proc] exists"));
    assert!(holds(&b, "container.mount.source[/host/proc] = /proc"));
    assert!(holds(&b, "container.mount.source[/proc] = /proc"));
    assert!(holds(&b, "container.mount.mode[^/proc$] = ro"));
}

#[test]
fn a_pattern_is_a_regular_expression_found_anywhere() {
    let b = exec_in_container();
    // Found anywhere in the path, as the plugin's search: `/` is in every source, so the
    // first mount is selected; `/etc` is in the kubelet's etc-hosts path.
    assert!(holds(&b, "container.mount.dest[/] = /var/run/docker.sock"));
    assert!(holds(&b, "container.mount.dest[/etc] = /etc/hosts"));
    assert!(holds(
        &b,
        "container.mount.dest[docker\\.sock$] = /var/run/docker.sock"
    ));
    assert!(holds(&b, "not container.mount.dest[^/etc] exists"));
    // Not a regular expression: no mount, as the plugin's lookup fails.
    assert!(holds(&b, "not container.mount.dest[/proc(] exists"));
}

#[test]
fn outside_a_container_there_are_no_mounts() {
    let b = exec(&P::new("bash").build());
    assert!(holds(&b, "not container.mount.dest[0] exists"));
    assert!(holds(&b, "not container.mount.dest[/proc*] exists"));
}
