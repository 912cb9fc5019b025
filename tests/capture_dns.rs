//! DNS answers recorded at capture start (format 1.1 header field `hosts`): the names given with
//! `--resolve` and `kubernetes.default.svc.cluster.local`, each with the addresses it resolved
//! to (none if it did not), ready for the rules engine's host table.

mod capture_support;

use std::net::IpAddr;

use capture_support::*;

#[test]
fn resolve_names_are_recorded_in_the_trace_for_replay() {
    if !can_capture() {
        return;
    }
    let dir = tempdir();
    let out = dir.path().join("t.rts");
    let o = capture(
        &out,
        &[
            "--resolve",
            "localhost",
            "--resolve",
            "nothing-here.invalid",
        ],
        &[
            "python3",
            "-c",
            "import socket; l = socket.create_server(('127.0.0.1', 0)); \
             socket.create_connection(l.getsockname()).close()",
        ],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    // A name given by hand with no address is most likely mistyped: said, once.
    assert_eq!(
        err.matches("warning: --resolve ").count(),
        1,
        "only nothing-here.invalid: {err}"
    );
    assert!(
        err.contains(
            "warning: --resolve nothing-here.invalid: the resolver knows no address for it"
        ),
        "{err}"
    );
    let r = rtsec_format::TraceReader::open(&out).unwrap();
    assert_eq!(r.version(), (1, 2));
    let hosts = &r.header().hosts;
    let names: Vec<&str> = hosts.0.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "kubernetes.default.svc.cluster.local",
            "localhost",
            "nothing-here.invalid"
        ]
    );
    let localhost: IpAddr = "127.0.0.1".parse().unwrap();
    assert!(hosts.0[1].addrs.contains(&localhost), "{:?}", hosts.0[1]);
    assert!(hosts.0[2].addrs.is_empty());
    // What replay does with them: the rules engine's host table answers fd.*.name fields.
    let mut table = rtsec_rules::HostTable::new();
    table.insert_recorded(hosts);
    assert!(table.resolve("localhost").contains(&localhost));
    assert_eq!(table.reverse(localhost), Some("localhost"));
    assert!(table.resolve("nothing-here.invalid").is_empty());
    // And replay uses them: a rule on `fd.sip.name` judges the connect to 127.0.0.1 by the
    // name it resolved to at capture time, and prints that name.
    let rules = dir.path().join("dns.yaml");
    std::fs::write(
        &rules,
        "- rule: Connect to localhost by name\n  desc: t\n  \
         condition: evt.type=connect and fd.sip.name=localhost\n  \
         output: to %fd.sip.name port %fd.sport\n  priority: NOTICE\n",
    )
    .unwrap();
    let o = std::process::Command::new(RTSEC)
        .arg("replay")
        .arg("--rules")
        .arg(&rules)
        .arg(&out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("to localhost port "),
        "{stdout}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // inspect shows them.
    let json = inspect(&out, true);
    assert!(json.contains("nothing-here.invalid"), "{json}");
}

/// `--resolve` takes host names only: an empty or malformed one is refused before anything is
/// loaded.
#[test]
fn a_name_that_is_not_a_host_name_is_refused() {
    let dir = tempdir();
    let out = dir.path().join("t.rts");
    for bad in ["", "a b!", "x..y", &"a".repeat(64)] {
        let o = std::process::Command::new(RTSEC)
            .arg("capture")
            .arg("-o")
            .arg(&out)
            .args(["--resolve", bad, "--", "true"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {err}");
        assert!(err.contains("not a host name"), "{bad:?}: {err}");
        assert!(!out.exists());
    }
}
