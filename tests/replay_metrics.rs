//! `rtsec replay --listen ADDR` (and `export`): a follower's Prometheus metrics and health
//! check, scraped over HTTP while it follows a trace being written.

mod replay_support;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use replay_support::follower::*;
use replay_support::*;
use rtsec_format::meta::BlockIndexEntry;
use rtsec_format::{Losses, TraceReader};

/// `GET path` from the server at `port`: status line and body; `None` while nothing listens.
fn get(port: u16, path: &str) -> Option<(String, String)> {
    let mut c = TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(c, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut all = String::new();
    c.read_to_string(&mut all).unwrap();
    let (head, body) = all.split_once("\r\n\r\n").unwrap();
    Some((head.lines().next().unwrap().to_string(), body.to_string()))
}

/// The value of the sample `name` (with its labels) in a scrape.
fn sample(metrics: &str, name: &str) -> Option<f64> {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

/// A finished synthetic trace `whole.rts` in `dir`, to be written again piece by piece: its
/// path, bytes and block index.
fn finished(dir: &Path, seed: u64) -> (PathBuf, Layout, Vec<BlockIndexEntry>) {
    let whole = dir.join("whole.rts");
    synthetic_trace(&whole, 20_000, seed, Losses::default());
    let l = layout(&whole);
    let footer = TraceReader::open(&whole).unwrap().footer().unwrap().clone();
    (whole, l, footer.blocks)
}

/// A port nothing listens on (the system's pick, let go).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until the server at `port` answers /healthz (10 s at most): its answer.
fn wait_listening(port: u16) -> (String, String) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(h) = get(port, "/healthz") {
            return h;
        }
        assert!(Instant::now() < deadline, "nothing listens on port {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Scrapes until `ok` holds for the metrics (10 s at most).
fn scrape_until(port: u16, what: &str, ok: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, m) = get(port, "/metrics").expect("serving");
        if ok(&m) {
            return m;
        }
        assert!(Instant::now() < deadline, "{what} after 10 s:\n{m}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_follower_serves_its_metrics_and_health_while_it_follows() {
    let dir = tempdir();
    let (whole, l, index) = finished(dir.path(), 11);
    let rules = every_open();
    let want = rtsec(&[
        "replay",
        "-r",
        rules.to_str().unwrap(),
        whole.to_str().unwrap(),
    ]);
    let alerts = stdout(&want).lines().count();

    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let grow = dir.path().join("t.rts");
    let mut f = follow(&[
        "-r",
        rules.to_str().unwrap(),
        "--listen",
        &listen,
        grow.to_str().unwrap(),
    ]);
    // Healthy while it waits for the trace to be created.
    assert_eq!(
        wait_listening(port),
        ("HTTP/1.1 200 OK".into(), "{\"status\": \"ok\"}".into())
    );
    let m = get(port, "/metrics").unwrap().1;
    assert_eq!(sample(&m, "rtsec_events_total"), Some(0.0), "{m}");
    assert_eq!(sample(&m, "rtsec_follow_caught_up"), Some(0.0), "{m}");

    // The first block: its events and alerts are counted, and the follower is caught up.
    let mut w = Writing::start(&grow);
    w.append(&l.bytes[..l.blocks[1] as usize]);
    let every_open = "rtsec_alerts_total{rule=\"Every open\",priority=\"Warning\"}";
    let first = f64::from(index[0].events);
    let m = scrape_until(port, "the first block caught up", |m| {
        sample(m, "rtsec_events_total") == Some(first)
            && sample(m, "rtsec_follow_caught_up") == Some(1.0)
    });
    assert_eq!(sample(&m, "rtsec_blocks_total"), Some(1.0), "{m}");
    f.wait_lines(1);
    let first_alerts = sample(&m, every_open).expect("alerts of the first block");
    assert!(first_alerts > 0.0, "{m}");
    let block_time = index[0].ts_min as f64 / 1e9;
    let last = sample(&m, "rtsec_last_block_time_seconds").unwrap();
    assert!((last - block_time).abs() < 1e-3, "{last} {block_time}");
    assert!(sample(&m, "rtsec_lag_seconds").unwrap() > 0.0);

    // Every block but the footer: every event and alert.
    w.append(&l.bytes[l.blocks[1] as usize..l.footer as usize]);
    let total: f64 = index.iter().map(|b| f64::from(b.events)).sum();
    let m = scrape_until(port, "every block", |m| {
        sample(m, "rtsec_events_total") == Some(total)
    });
    assert_eq!(sample(&m, every_open), Some(alerts as f64), "{m}");
    assert_eq!(sample(&m, "rtsec_blocks_total"), Some(index.len() as f64));
    assert_eq!(sample(&m, "rtsec_kernel_drops_total"), Some(0.0));
    assert_eq!(get(port, "/other").unwrap().0, "HTTP/1.1 404 Not Found");

    w.append(&l.bytes[l.footer as usize..]);
    drop(w);
    let (code, out, err) = f.wait();
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), alerts);
    assert!(
        err.contains(&format!(
            "rtsec: serving http://{listen}/metrics and http://{listen}/healthz"
        )),
        "{err}"
    );
}

#[test]
fn an_export_follower_serves_its_metrics_too() {
    let dir = tempdir();
    let (_, l, index) = finished(dir.path(), 12);
    let grow = dir.path().join("grow.rts");
    let mut w = Writing::start(&grow);
    w.append(&l.bytes[..l.blocks[1] as usize]);
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut child = std::process::Command::new(RTSEC)
        .args(["export", "--follow", "--listen", &listen, "-o"])
        .arg(dir.path().join("events.parquet"))
        .arg(&grow)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_listening(port);
    let first = f64::from(index[0].events);
    let m = scrape_until(port, "the first block caught up", |m| {
        sample(m, "rtsec_events_total") == Some(first)
            && sample(m, "rtsec_follow_caught_up") == Some(1.0)
    });
    assert!(
        !m.contains("rtsec_alerts_total{"),
        "no alerts in an export: {m}"
    );
    assert!(child.try_wait().unwrap().is_none(), "still following");
    w.append(&l.bytes[l.blocks[1] as usize..]);
    drop(w);
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_address_that_cannot_be_listened_on_is_an_error_before_judging() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let o = rtsec(&[
        "replay",
        "--listen",
        &addr,
        root().join("testdata/sample.rts").to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains(&format!("--listen {addr}: Address already in use")),
        "{}",
        stderr(&o)
    );
    assert_eq!(stdout(&o), "", "nothing judged");
    let o = rtsec(&["replay", "--listen", "9376", "testdata/sample.rts"]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("--listen 9376: invalid socket address: expected HOST:PORT or :PORT"),
        "{}",
        stderr(&o)
    );
}
