//! The fd fields libsinsp has beyond those the stable rules use: `fd.dev.major`/`minor` (of
//! `fd.dev` as stat(2) encodes it), `fd.containername`/`fd.containerdirectory` (the thread's
//! container id, empty on the host, a colon, then the name or directory), the ports as text
//! (`fd.sproto`, `fd.cproto`, `fd.lproto`, `fd.rproto`) and the filter-only `fd.proto`.

mod common;

use std::sync::Arc;

use common::*;
use rtsec_format::{Args, FdInfo, Kind, SockAddr};

fn read_of_dev(dev: u32) -> rtsec_format::Block {
    let mut fd = (*file_fd(3, "/etc/passwd", 0)).clone();
    fd.dev = dev;
    read_of(&P::new("cat").build(), &Arc::new(fd))
}

#[test]
fn device_numbers_split_as_stat_encodes_them() {
    for (dev, major, minor) in [(0xfe00, 254, 0), (0x801, 8, 1), (0x1001_0301, 259, 65537)] {
        let b = read_of_dev(dev);
        let cond = format!("fd.dev.major = {major} and fd.dev.minor = {minor}");
        assert!(holds(&b, &cond), "{dev:#x}: {cond}");
    }
}

#[test]
fn container_name_and_directory_carry_the_container_id() {
    let host = read_of(&P::new("cat").build(), &file_fd(3, "/etc/passwd", 0));
    assert!(holds(&host, "fd.containername = :/etc/passwd"));
    assert!(holds(&host, "fd.containerdirectory = :/etc"));
    let c = container("nginx", false);
    let inside = read_of(
        &P::new("cat").in_container(&c).build(),
        &file_fd(3, "/etc/passwd", 0),
    );
    assert!(holds(
        &inside,
        "fd.containername = 0123456789ab:/etc/passwd"
    ));
    assert!(holds(&inside, "fd.containerdirectory = 0123456789ab:/etc"));
}

#[test]
fn ports_as_text() {
    let fd = tcp_fd(4, "10.0.0.2:40000", "10.0.0.9:443", false);
    let b = read_of(&P::new("curl").build(), &fd);
    for cond in [
        "fd.sproto = 443",
        "fd.cproto = 40000",
        "fd.proto = 443",
        "fd.proto = 40000",
        "not fd.proto = 80",
    ] {
        assert!(holds(&b, cond), "{cond}");
    }
    // A bound socket is a server socket: both protocols are the empty text.
    let bound = Arc::new(FdInfo {
        num: 3,
        client: None,
        server: Some("0.0.0.0:8080".parse().unwrap()),
        ..(*fd).clone()
    });
    let b = block(
        Kind::Bind,
        &P::new("nginx").build(),
        Some(&bound),
        Args::Connect {
            fd: 3,
            addr: SockAddr::Inet {
                ip: "0.0.0.0".parse().unwrap(),
                port: 8080,
            },
        },
        0,
    );
    assert!(holds(&b, "fd.sproto = \"\" and fd.cproto = \"\""));
}

/// libsinsp prints `fd.dev` (`PF_HEX`) in upper-case hex in outputs, and as that string in
/// JSON; conditions compare the number.
#[test]
fn the_device_number_shows_in_hex_as_falco_prints_it() {
    let e = engine_of(
        "- rule: dev\n  desc: d\n  condition: fd.dev = 65024\n  output: dev=%fd.dev major=%fd.dev.major\n  priority: INFO\n",
        rtsec_rules::RuleMatching::All,
    );
    let (alert, _) = checked_alert(&e, &read_of_dev(0xfe00));
    assert!(
        alert.output.starts_with("dev=FE00 major=254 "),
        "{}",
        alert.output
    );
    let json: serde_json::Value = serde_json::from_str(&alert.json_line()).unwrap();
    assert_eq!(json["output_fields"]["fd.dev"], "FE00");
    assert_eq!(json["output_fields"]["fd.dev.major"], 254);
}

#[test]
fn uid_chains_the_thread_id_and_the_fd_number() {
    let p = P::new("cat").build();
    let b = read_of(&p, &file_fd(3, "/etc/passwd", 0));
    assert!(holds(&b, &format!("fd.uid = {}3", p.pid)));
    // Only events about an fd have one.
    assert!(!holds(&exec(&p), "fd.uid exists"));
}

#[test]
fn an_fd_the_trace_has_no_record_of_has_an_empty_name() {
    // libsinsp's extract_from_null_fd: an fd event whose fd its table lacks (stdout inherited
    // from before the capture; AT_FDCWD as an *at call's dirfd) has fd.name "", so its
    // directory is "/"; the fields of the fd itself are missing.
    let p = P::new("cat").build();
    let write = block(
        Kind::Write,
        &p,
        None,
        Args::Io {
            fd: 1,
            data: b"x",
            size: 1,
            pos: 0,
            addr: SockAddr::None,
        },
        1,
    );
    for cond in [
        "fd.name = \"\"",
        "fd.nameraw = \"\"",
        "fd.directory = /",
        "fd.containername = :",
        "fd.containerdirectory = :/",
        "fd.num = 1",
        "not fd.filename exists",
        "not fd.type exists",
    ] {
        assert!(holds(&write, cond), "{cond}");
    }
    let e = engine_of(
        "- rule: r\n  desc: d\n  condition: evt.type = unlinkat\n  output: \"file=%fd.name dir=%fd.directory\"\n  priority: NOTICE\n",
        rtsec_rules::RuleMatching::First,
    );
    let unlink = block(
        Kind::Unlinkat,
        &p,
        None,
        Args::Path {
            dirfd: rtsec_format::AT_FDCWD,
            path: rtsec_format::PathArg::same(b".bash_history"),
            flags: 0,
            mode: 0,
        },
        0,
    );
    let (alert, _) = checked_alert(&e, &unlink);
    assert!(alert.output.contains("file= dir=/ "), "{}", alert.output);
    // Events that are not about an fd still have none.
    assert!(!holds(&exec(&p), "fd.name exists"));
}

#[test]
fn a_pipe_is_its_second_fd_and_both_ends_print_resolved() {
    // libsinsp adds fd1, then fd2, and adding an fd makes it the event's: fd.num is fd2.
    let p = P::new("sh").build();
    let mut end = (*file_fd(3, "", 0)).clone();
    end.ty = rtsec_format::FdType::Pipe;
    let b = block(
        Kind::Pipe2,
        &p,
        Some(&Arc::new(end)),
        Args::Pipe {
            fd1: 3,
            fd2: 4,
            flags: 0,
        },
        0,
    );
    assert!(holds(&b, "fd.num = 4 and fd.type = pipe"));
    assert!(holds(&b, &format!("fd.uid = {}4", p.pid)));
    let e = engine_of(
        "- rule: r\n  desc: d\n  condition: evt.type = pipe2\n  output: \"%evt.args\"\n  priority: NOTICE\n",
        rtsec_rules::RuleMatching::First,
    );
    let (alert, _) = checked_alert(&e, &b);
    assert!(
        alert.output.contains("fd1=3(<p>) fd2=4(<p>)"),
        "{}",
        alert.output
    );
}
