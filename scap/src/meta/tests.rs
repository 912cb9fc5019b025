//! Metadata bodies written by hand after the reference (§3), for the versions and entry kinds the
//! public captures do not contain: process lists V1–V4 and V9 with and without the pre-0.10
//! layout, user list V1, every interface entry type, fd entries of every kind.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::*;

#[test]
fn nul_lists() {
    assert!(split_nul_list(b"").is_empty());
    assert!(split_nul_list(b"\0").is_empty());
    assert_eq!(
        split_nul_list(b"a\0b\0"),
        vec![b"a".to_vec(), b"b".to_vec()]
    );
    assert_eq!(
        split_nul_list(b"a\0\0b"),
        vec![b"a".to_vec(), vec![], b"b".to_vec()]
    );
}

fn str16(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(&(s.len() as u16).to_le_bytes());
    out.extend_from_slice(s);
}

/// A process-list entry in format `version`, fields in the order of reference §3.5.
fn thread_entry(version: u8, tid: i64, v9_tail: &[u8]) -> Vec<u8> {
    let mut e = Vec::new();
    e.extend_from_slice(&tid.to_le_bytes());
    e.extend_from_slice(&(tid - 1).to_le_bytes()); // pid
    e.extend_from_slice(&1i64.to_le_bytes()); // ptid
    if version >= 6 {
        e.extend_from_slice(&77i64.to_le_bytes()); // sid
    }
    if version >= 8 {
        e.extend_from_slice(&78i64.to_le_bytes()); // vpgid
    }
    str16(&mut e, b"bash");
    str16(&mut e, b"-bash");
    if version >= 7 {
        str16(&mut e, b"/usr/bin/bash");
    }
    str16(&mut e, b"-c\0echo hi\0");
    str16(&mut e, b"/root");
    e.extend_from_slice(&1024u64.to_le_bytes()); // fdlimit
    e.extend_from_slice(&0x2000u32.to_le_bytes()); // flags
    e.extend_from_slice(&1000u32.to_le_bytes()); // uid
    e.extend_from_slice(&1001u32.to_le_bytes()); // gid
    if version >= 2 {
        for v in [10u32, 20, 30] {
            e.extend_from_slice(&v.to_le_bytes());
        }
        e.extend_from_slice(&5u64.to_le_bytes());
        e.extend_from_slice(&6u64.to_le_bytes());
    }
    if version >= 3 {
        str16(&mut e, b"HOME=/root\0TERM=xterm\0");
    }
    if version >= 4 {
        e.extend_from_slice(&1i64.to_le_bytes()); // vtid
        e.extend_from_slice(&1i64.to_le_bytes()); // vpid
        str16(&mut e, b"cpu=/docker/abc\0memory=/docker/abc\0");
    }
    if version >= 5 {
        str16(&mut e, b"/");
    }
    e.extend_from_slice(v9_tail);
    if version >= 9 {
        let len = (e.len() + 4) as u32;
        let mut framed = len.to_le_bytes().to_vec();
        framed.extend(e);
        framed
    } else {
        e
    }
}

#[test]
fn process_lists_of_every_version() {
    for version in 1..=9u8 {
        let mut body = thread_entry(version, 100, &[]);
        body.extend(thread_entry(version, 200, &[]));
        body.extend_from_slice(&[0, 0]); // padding
        let list =
            parse_proclist(&body, version).unwrap_or_else(|e| panic!("V{version}: {}", e.what));
        assert_eq!(list.len(), 2, "V{version}");
        let t = &list[1];
        assert_eq!((t.tid, t.pid, t.ptid), (200, 199, 1));
        assert_eq!(t.comm, b"bash");
        assert_eq!(t.exe, b"-bash");
        assert_eq!(t.args, vec![b"-c".to_vec(), b"echo hi".to_vec()]);
        assert_eq!(t.cwd, b"/root");
        assert_eq!(
            (t.fdlimit, t.flags, t.uid, t.gid),
            (1024, 0x2000, 1000, 1001)
        );
        assert_eq!(t.sid, if version >= 6 { 77 } else { -1 });
        assert_eq!(t.vpgid, if version >= 8 { 78 } else { -1 });
        assert_eq!(
            t.exepath,
            if version >= 7 {
                &b"/usr/bin/bash"[..]
            } else {
                b""
            }
        );
        assert_eq!(t.vmrss_kb, if version >= 2 { 20 } else { 0 });
        assert_eq!(t.env.len(), if version >= 3 { 2 } else { 0 });
        assert_eq!(t.vpid, if version >= 4 { 1 } else { -1 });
        assert_eq!(t.cgroups.len(), if version >= 4 { 2 } else { 0 });
        assert_eq!(t.root, if version >= 5 { &b"/"[..] } else { b"" });
        assert_eq!(t.loginuid, u32::MAX);
    }
}

#[test]
fn v9_tail_current_and_pre_0_10_layouts() {
    // Current layout: pidns_init_start_ts, tty, loginuid, exe_writable, caps, …, pgid, plus an
    // unknown future field that sub_len skips.
    let mut tail = Vec::new();
    tail.extend_from_slice(&42u64.to_le_bytes());
    tail.extend_from_slice(&34816u32.to_le_bytes());
    tail.extend_from_slice(&1000u32.to_le_bytes());
    tail.push(1);
    for cap in [1u64, 2, 3] {
        tail.extend_from_slice(&cap.to_le_bytes());
    }
    tail.push(1); // exe_upper_layer
    for v in [7u64, 8, 9] {
        tail.extend_from_slice(&v.to_le_bytes());
    }
    tail.push(0); // exe_from_memfd
    tail.push(1); // exe_lower_layer
    tail.extend_from_slice(&55i64.to_le_bytes());
    tail.extend_from_slice(b"future!!");
    let list = parse_proclist(&thread_entry(9, 5, &tail), 9).unwrap();
    let t = &list[0];
    assert_eq!(
        (t.pidns_init_start_ts, t.tty, t.loginuid),
        (42, 34816, 1000)
    );
    assert!(t.exe_writable && t.exe_upper_layer && t.exe_lower_layer && !t.exe_from_memfd);
    assert_eq!(
        (t.cap_inheritable, t.cap_permitted, t.cap_effective),
        (1, 2, 3)
    );
    assert_eq!(
        (t.exe_ino, t.exe_ino_ctime, t.exe_ino_mtime, t.pgid),
        (7, 8, 9, 55)
    );

    // Before libs 0.10: loginuid, exe_writable and the capabilities directly after root.
    let mut old = Vec::new();
    old.extend_from_slice(&1000u32.to_le_bytes());
    old.push(0);
    for cap in [4u64, 5, 6] {
        old.extend_from_slice(&cap.to_le_bytes());
    }
    let t = &parse_proclist(&thread_entry(9, 5, &old), 9).unwrap()[0];
    assert_eq!((t.loginuid, t.pidns_init_start_ts, t.tty), (1000, 0, 0));
    assert_eq!(
        (t.cap_inheritable, t.cap_permitted, t.cap_effective),
        (4, 5, 6)
    );
}

#[test]
fn process_list_errors_name_the_position() {
    let entry = thread_entry(5, 100, &[]);
    let err = parse_proclist(&entry[..entry.len() - 3], 5).unwrap_err();
    assert!(err.what.contains("runs past the block"), "{}", err.what);
    let mut long = entry.clone();
    // comm length (after tid, pid, ptid) set beyond the 1024-byte limit.
    long[24..26].copy_from_slice(&2000u16.to_le_bytes());
    let err = parse_proclist(&long, 5).unwrap_err();
    assert_eq!(err.pos, 24);
    assert!(err.what.contains("comm of 2000 bytes"), "{}", err.what);
}

#[test]
fn user_lists_v1_and_v2() {
    let user = |out: &mut Vec<u8>| {
        out.push(0);
        out.extend_from_slice(&1000u32.to_le_bytes());
        out.extend_from_slice(&100u32.to_le_bytes());
        str16(out, b"alice");
        str16(out, b"/home/alice");
        str16(out, b"/bin/sh");
    };
    let group = |out: &mut Vec<u8>| {
        out.push(1);
        out.extend_from_slice(&100u32.to_le_bytes());
        str16(out, b"users");
    };
    let mut v1 = Vec::new();
    user(&mut v1);
    group(&mut v1);
    let (users, groups) = parse_userlist(&v1, block_type::USERLIST_V1).unwrap();
    assert_eq!(users[0].name, b"alice");
    assert_eq!(users[0].shell, b"/bin/sh");
    assert_eq!(groups[0].gid, 100);
    // V2: length prefix including itself, with two surplus bytes to skip.
    let mut v2 = Vec::new();
    for f in [&user as &dyn Fn(&mut Vec<u8>), &group] {
        let mut e = Vec::new();
        f(&mut e);
        e.extend_from_slice(&[9, 9]);
        v2.extend_from_slice(&((e.len() + 4) as u32).to_le_bytes());
        v2.extend(e);
    }
    let (users2, groups2) = parse_userlist(&v2, block_type::USERLIST_V2).unwrap();
    assert_eq!((users2, groups2), (users, groups));
}

#[test]
fn interface_entries_of_every_type() {
    let v4 = Ipv4Addr::new(10, 0, 0, 1).octets();
    let v6 = Ipv6Addr::LOCALHOST.octets();
    let mut body = Vec::new();
    for (ty, addr, speed) in [
        (1u16, &v4[..], true),
        (2, &v6[..], true),
        (3, &v4[..], false),
        (4, &v6[..], false),
    ] {
        let mut e = Vec::new();
        e.extend_from_slice(&ty.to_le_bytes());
        e.extend_from_slice(&3u16.to_le_bytes());
        for _ in 0..3 {
            e.extend_from_slice(addr);
        }
        if speed {
            e.extend_from_slice(&1000u64.to_le_bytes());
        }
        e.extend_from_slice(b"et0");
        body.extend(e);
    }
    let list = parse_iflist(&body, block_type::IFLIST_V1).unwrap();
    assert_eq!(list.len(), 4);
    assert_eq!(list[0].addr, IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)));
    assert_eq!(list[1].addr, IpAddr::V6(Ipv6Addr::LOCALHOST));
    assert_eq!((list[0].linkspeed, list[2].linkspeed), (1000, 0));
    assert!(list.iter().all(|i| i.name == b"et0"));
    let bad = [9u8, 0, 3, 0, 0, 0, 0, 0];
    assert!(
        parse_iflist(&bad, block_type::IFLIST_V1)
            .unwrap_err()
            .what
            .contains("unknown interface type 9")
    );
}

#[test]
fn fd_entries_of_every_kind() {
    let entry = |v2: bool, fd: i64, ty: u8, payload: &[u8]| {
        let mut e = Vec::new();
        e.extend_from_slice(&fd.to_le_bytes());
        e.extend_from_slice(&99u64.to_le_bytes());
        e.push(ty);
        e.extend_from_slice(payload);
        if v2 {
            let mut framed = ((e.len() + 4) as u32).to_le_bytes().to_vec();
            framed.extend(e);
            framed
        } else {
            e
        }
    };
    let mut name = Vec::new();
    str16(&mut name, b"/etc/hosts");
    let mut file_v2 = 0x1001u32.to_le_bytes().to_vec();
    file_v2.extend_from_slice(&name);
    file_v2.extend_from_slice(&0x803u32.to_le_bytes());
    let mut ipv4 = Vec::new();
    ipv4.extend_from_slice(&[127, 0, 0, 1, 10, 0, 0, 2]);
    ipv4.extend_from_slice(&40000u16.to_le_bytes());
    ipv4.extend_from_slice(&80u16.to_le_bytes());
    ipv4.push(2);
    let mut server6 = Ipv6Addr::UNSPECIFIED.octets().to_vec();
    server6.extend_from_slice(&443u16.to_le_bytes());
    server6.push(2);
    let mut unix = 1u64.to_le_bytes().to_vec();
    unix.extend_from_slice(&2u64.to_le_bytes());
    str16(&mut unix, b"/run/x.sock");

    let mut body = 42i64.to_le_bytes().to_vec();
    body.extend(entry(true, 3, 16, &file_v2));
    body.extend(entry(true, 4, 3, &ipv4));
    body.extend(entry(true, 5, 6, &server6));
    body.extend(entry(true, 6, 8, &unix));
    body.extend(entry(true, 7, 12, &name));
    body.extend(entry(true, 8, 200, b"newer")); // unknown type: skipped by sub_len
    let list = parse_fdlist(&body, block_type::FDLIST_V2).unwrap();
    assert_eq!(list.len(), 6);
    assert!(list.iter().all(|f| f.tid == 42 && f.ino == 99));
    assert_eq!(
        list[0].target,
        FdTarget::File {
            path: b"/etc/hosts".to_vec(),
            open_flags: 0x1001,
            dev: 0x803
        }
    );
    let FdTarget::Ipv4Socket {
        sip,
        dip,
        sport,
        dport,
        l4proto,
    } = &list[1].target
    else {
        panic!()
    };
    assert_eq!(
        (sip.to_string(), dip.to_string(), *sport, *dport, *l4proto),
        ("127.0.0.1".into(), "10.0.0.2".into(), 40000, 80, 2)
    );
    assert_eq!(
        list[2].target,
        FdTarget::Ipv6Server {
            ip: Ipv6Addr::UNSPECIFIED,
            port: 443,
            l4proto: 2
        }
    );
    assert_eq!(
        list[3].target,
        FdTarget::Unix {
            source: 1,
            dest: 2,
            path: b"/run/x.sock".to_vec()
        }
    );
    assert_eq!(
        list[4].target,
        FdTarget::Other {
            name: b"/etc/hosts".to_vec()
        }
    );
    assert_eq!(
        list[5].target,
        FdTarget::Other {
            name: b"unknown-type:[200]".to_vec()
        }
    );

    // V1: no length prefix; a FILE entry has only its name.
    let mut v1 = 42i64.to_le_bytes().to_vec();
    v1.extend(entry(false, 3, 1, &name));
    v1.extend(entry(false, 4, 2, &name));
    let list = parse_fdlist(&v1, block_type::FDLIST_V1).unwrap();
    assert_eq!(
        list[0].target,
        FdTarget::File {
            path: b"/etc/hosts".to_vec(),
            open_flags: 0,
            dev: 0
        }
    );
    assert_eq!(
        list[1].target,
        FdTarget::Directory {
            path: b"/etc/hosts".to_vec()
        }
    );
}
