//! The HTTP endpoint of `rtsec replay --listen ADDR` while the run lasts: `GET /metrics`
//! (Prometheus' text format, see [`crate::metrics`]) and `GET /healthz` (`{"status": "ok"}`,
//! as Falco's webserver answers Kubernetes' probes). One thread answers one request per
//! connection; a client has 5 s to send its request, so a stuck one delays the next scrape
//! by that much at most.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use crate::error::ReplayError;
use crate::metrics::Metrics;

const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// Listens on `addr` (`host:port`, or `:port` for every interface, as exporters take it;
/// port 0 picks one) and answers on a thread of its own until the process ends: the address
/// it listens on.
pub fn serve(addr: &str, metrics: Arc<Metrics>) -> Result<SocketAddr, ReplayError> {
    let listen = |source: std::io::Error| ReplayError::Listen {
        addr: addr.to_string(),
        source,
    };
    let bind = match addr.starts_with(':') {
        true => format!("0.0.0.0{addr}"),
        false => addr.to_string(),
    };
    let listener = TcpListener::bind(&bind).map_err(|e| match e.kind() {
        std::io::ErrorKind::AddrInUse | std::io::ErrorKind::PermissionDenied => listen(e),
        _ => listen(std::io::Error::new(
            e.kind(),
            format!("{e}: expected HOST:PORT or :PORT (e.g. 127.0.0.1:9376, :9376)"),
        )),
    })?;
    let local = listener.local_addr().map_err(listen)?;
    std::thread::Builder::new()
        .name("rtsec-metrics".into())
        .spawn(move || {
            for conn in listener.incoming().flatten() {
                // A client that went away is its own problem, not the run's.
                let _ = answer(conn, &metrics);
            }
        })
        .map_err(listen)?;
    Ok(local)
}

fn answer(conn: TcpStream, metrics: &Metrics) -> std::io::Result<()> {
    conn.set_read_timeout(Some(REQUEST_TIMEOUT))?;
    conn.set_write_timeout(Some(REQUEST_TIMEOUT))?;
    let mut r = BufReader::new(conn.try_clone()?);
    let mut line = String::new();
    r.by_ref().take(8 << 10).read_line(&mut line)?;
    // The headers, up to the empty line (nothing in them matters here).
    let mut header = String::new();
    loop {
        header.clear();
        if r.by_ref().take(8 << 10).read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
    }
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let path = target.split('?').next().unwrap_or("");
    let (status, kind, body) = match (method, path) {
        ("GET" | "HEAD", "/metrics") => (
            "200 OK",
            "text/plain; version=0.0.4; charset=utf-8",
            metrics.render(),
        ),
        ("GET" | "HEAD", "/healthz") => {
            ("200 OK", "application/json", "{\"status\": \"ok\"}".into())
        }
        ("GET" | "HEAD", _) => (
            "404 Not Found",
            "text/plain",
            "rtsec serves /metrics and /healthz\n".into(),
        ),
        _ => (
            "405 Method Not Allowed",
            "text/plain",
            "GET /metrics or /healthz\n".into(),
        ),
    };
    let mut w = conn;
    write!(
        w,
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    )?;
    if method != "HEAD" {
        w.write_all(body.as_bytes())?;
    }
    w.flush()
}
