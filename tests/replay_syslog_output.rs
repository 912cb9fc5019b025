//! `syslog_output` end to end: `rtsec replay -c falco.yaml --falco-outputs` sends each alert
//! to the syslog daemon's socket, `/dev/log`, as Falco does. Where no daemon runs (CI), the
//! test listens on `/dev/log` itself, as rsyslog would (root), and reads what arrives; where
//! one runs, it checks the summary's count. Alone in its test binary: the socket is the
//! machine's, and `replay_falco_outputs` expects it absent.

mod replay_support;

use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};

use replay_support::*;

/// Removes the socket the test made, however the test ends.
struct Listening(PathBuf);

impl Drop for Listening {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn alerts_reach_the_syslog_daemon_with_their_severity() {
    let dir = tempdir();
    let cfg = dir.path().join("falco.yaml");
    std::fs::write(
        &cfg,
        format!(
            "rules_files:\n  - {}\nstdout_output:\n  enabled: true\n\
             syslog_output:\n  enabled: true\n",
            falco_rules().display()
        ),
    )
    .unwrap();
    // Critical, Notice and Warning alerts.
    let trace = scenario("container");
    let args = [
        "replay",
        "-c",
        cfg.to_str().unwrap(),
        "--falco-outputs",
        trace.to_str().unwrap(),
    ];
    let socket = Path::new("/dev/log");
    if socket.exists() {
        // A real daemon: what it received is its own; the summary says what it took.
        let o = rtsec(&args);
        let n = stdout(&o).lines().count();
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        assert!(
            stderr(&o).contains(&format!("Output syslog_output: {n} alerts")),
            "{}",
            stderr(&o)
        );
        return;
    }
    let daemon = match UnixDatagram::bind(socket) {
        Ok(d) => d,
        Err(e) => {
            let msg = format!("listening on /dev/log needs root: {e}");
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "{msg} (CI=true: failing instead of skipping)"
            );
            eprintln!("SKIPPED: {msg}");
            return;
        }
    };
    let _listening = Listening(socket.to_path_buf());
    let o = rtsec(&args);
    let err = stderr(&o);
    assert_eq!(code(&o), 0, "{err}");
    let alerts: Vec<String> = stdout(&o).lines().map(str::to_string).collect();
    assert!(alerts.len() >= 3, "{err}");
    assert!(
        err.contains(&format!("Output syslog_output: {} alerts", alerts.len())),
        "{err}"
    );
    daemon.set_nonblocking(true).unwrap();
    let mut buf = vec![0u8; 1 << 16];
    let mut got = Vec::new();
    while let Ok(n) = daemon.recv(&mut buf) {
        got.push(String::from_utf8(buf[..n].to_vec()).unwrap());
    }
    assert_eq!(got.len(), alerts.len(), "one message per alert: {got:#?}");
    for (m, alert) in got.iter().zip(&alerts) {
        // `<PRI>Mmm dd hh:mm:ss falco: ALERT`, PRI = 8 (user) + the alert's severity.
        let priority = alert.split(' ').nth(1).unwrap();
        let severity = rtsec_rules::Priority::parse(priority).unwrap() as u8;
        assert!(m.starts_with(&format!("<{}>", 8 + severity)), "{m}");
        assert!(m.ends_with(&format!(" falco: {alert}")), "{m}\n{alert}");
    }
}
