//! Issue 4, test 4: TCP connect and accept on 127.0.0.1 are recorded with both endpoints; a
//! unix socket connect too.

mod capture_support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::net::{UnixListener, UnixStream};

use capture_support::*;

/// Runs inside the capture: a TCP server and client talking over loopback, then the same over
/// a unix socket. Prints what it used.
#[test]
#[ignore = "helper process of connect_and_accept_are_recorded_with_both_ends"]
fn helper_network() {
    if !in_helper() {
        return;
    }
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let server = l.local_addr().unwrap();
    let mut c = TcpStream::connect(server).unwrap();
    let client = c.local_addr().unwrap();
    let (mut s, peer) = l.accept().unwrap();
    assert_eq!(peer, client);
    c.write_all(b"ping").unwrap();
    let mut buf = [0; 4];
    s.read_exact(&mut buf).unwrap();
    let path = std::env::var("RTSEC_UNIX_PATH").unwrap();
    let ul = UnixListener::bind(&path).unwrap();
    let _uc = UnixStream::connect(&path).unwrap();
    let _us = ul.accept().unwrap();
    println!("ENDPOINTS {server} {client} {}", std::process::id());
}

#[test]
fn connect_and_accept_are_recorded_with_both_ends() {
    if !can_capture() {
        return;
    }
    let dir = tempdir();
    let out = dir.path().join("t.rts");
    let sock = dir.path().join("s.sock");
    let cmd = helper_cmd("helper_network");
    let cmd: Vec<&str> = cmd.iter().map(String::as_str).collect();
    let o = capture_env(
        &out,
        &[],
        &cmd,
        &[
            ("RTSEC_HELPER", "1"),
            ("RTSEC_UNIX_PATH", sock.to_str().unwrap()),
        ],
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let line = stdout
        .lines()
        .find_map(|l| l.split_once("ENDPOINTS ").map(|x| x.1))
        .unwrap_or_else(|| panic!("helper printed no endpoints: {stdout}"));
    let f: Vec<&str> = line.split(' ').collect();
    let (server, client, pid) = (f[0], f[1], f[2].parse::<i64>().unwrap());
    let t = read(&out);
    let mine: Vec<&Ev> = t.events.iter().filter(|e| e.pid == pid).collect();
    let tuple = format!("{client}->{server}");

    let connect = mine
        .iter()
        .find(|e| e.ty == "connect" && e.sockaddr.as_deref() == Some(server))
        .unwrap_or_else(|| panic!("no TCP connect to {server}"));
    assert_eq!(connect.res, 0);
    assert_eq!(
        connect.fd_name.as_deref(),
        Some(tuple.as_str()),
        "connect names both ends"
    );
    assert_eq!(
        connect.fd_client.map(|a| a.to_string()).as_deref(),
        Some(client)
    );
    assert_eq!(
        connect.fd_server.map(|a| a.to_string()).as_deref(),
        Some(server)
    );

    let accept = mine
        .iter()
        .find(|e| {
            e.ty.starts_with("accept") && e.res >= 0 && e.fd_name.as_deref() == Some(tuple.as_str())
        })
        .unwrap_or_else(|| {
            panic!(
                "no accept with tuple {tuple}: {:#?}",
                mine.iter()
                    .filter(|e| e.ty.starts_with("accept"))
                    .collect::<Vec<_>>()
            )
        });
    assert_eq!(
        accept.sockaddr.as_deref(),
        Some(client),
        "accept returns the peer"
    );
    assert_eq!(accept.fd_num, Some(accept.res));
    assert_eq!(
        accept.fd_server.map(|a| a.to_string()).as_deref(),
        Some(server)
    );

    let path = sock.to_str().unwrap();
    let uconnect = mine
        .iter()
        .find(|e| e.ty == "connect" && e.sockaddr.as_deref() == Some(path))
        .unwrap_or_else(|| panic!("no unix connect to {path}"));
    assert_eq!(uconnect.res, 0);
    let name = uconnect.fd_name.as_deref().unwrap();
    assert!(
        name.ends_with(&format!(" {path}")) && name.contains("->"),
        "unix fd name is '<this>-><peer> path': {name}"
    );
    let (this, peer) = name.split_once(' ').unwrap().0.split_once("->").unwrap();
    assert!(
        u64::from_str_radix(this, 16).unwrap() != 0 && u64::from_str_radix(peer, 16).unwrap() != 0
    );
    let uaccept = mine
        .iter()
        .find(|e| {
            e.ty.starts_with("accept")
                && e.res >= 0
                && e.fd_name.as_deref().is_some_and(|n| n.ends_with(path))
        })
        .expect("unix accept");
    let aname = uaccept.fd_name.as_deref().unwrap();
    let (athis, apeer) = aname.split_once(' ').unwrap().0.split_once("->").unwrap();
    assert_eq!(
        (athis, apeer),
        (peer, this),
        "the accepted end is the connector's peer"
    );

    local_ends_are_falco_s(&out, pid, client, server);
}

/// The header records this host's interface addresses, and with them libsinsp's rule picks
/// the accepted loopback socket's local end. On the host both ends are local addresses, so
/// the client's end is the local one: Falco prints such a server's `lport` as the client's
/// port and calls it a server socket. In a container without an IP (this test's process is one
/// where the machine's cgroups make it a containerd container), only container IPs are
/// local: the server's end is taken and the socket is no server's.
fn local_ends_are_falco_s(trace: &std::path::Path, pid: i64, client: &str, server: &str) {
    let reader = rtsec_format::TraceReader::open(trace).unwrap();
    let addrs: Vec<std::net::IpAddr> = reader
        .header()
        .interfaces
        .addrs()
        .expect("a live capture records its interfaces")
        .collect();
    assert!(
        addrs.contains(&std::net::IpAddr::from([127, 0, 0, 1])),
        "{addrs:?}"
    );
    let mut scratch = rtsec_rules::Scratch::new();
    scratch.set_machine(reader.header());
    let hosts = rtsec_rules::HostTable::new();
    let mut count = |cond: &str| {
        let filter = rtsec_rules::RuleSet::empty()
            .filter(&format!(
                "evt.type in (accept, accept4) and proc.pid = {pid} and fd.type = ipv4 and {cond}"
            ))
            .unwrap();
        let mut n = 0;
        reader
            .for_each_block(false, |b| {
                n += b
                    .events()
                    .filter(|e| filter.matches(e, &mut scratch, &hosts))
                    .count();
            })
            .unwrap();
        n
    };
    let port = |a: &str| a.rsplit_once(':').unwrap().1.to_string();
    let (client, server) = (port(client), port(server));
    let on_host = count("container.id = host") == 1;
    let in_container_without_ip = count("container.id != host and not container.ip exists") == 1;
    assert!(on_host || in_container_without_ip);
    let cond = if on_host {
        format!("fd.lport = {client} and fd.rport = {server} and fd.is_server = true")
    } else {
        format!("fd.lport = {server} and fd.rport = {client} and fd.is_server = false")
    };
    assert_eq!(count(&cond), 1, "on the host: {on_host}: {cond}");
}
