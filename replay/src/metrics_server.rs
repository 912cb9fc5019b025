//! The HTTP endpoint of `rtsec replay --listen ADDR` while the run lasts: `GET /metrics`
//! (Prometheus' text format, see [`crate::metrics`]) and `GET /healthz` (`{"status": "ok"}`,
//! as Falco's webserver answers Kubernetes' probes). One request per connection, each
//! answered on a thread of its own, at most [`MAX_CLIENTS`] at a time (more are closed at
//! once): a client that sends its request slowly or never holds up no one else.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::error::ReplayError;
use crate::metrics::Metrics;

/// How long a read or write of a client may wait.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// The most bytes of a request read (request line and headers).
const MAX_REQUEST: u64 = 64 << 10;
/// Clients answered at once.
pub const MAX_CLIENTS: usize = 8;

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
            let clients = Arc::new(AtomicUsize::new(0));
            for conn in listener.incoming().flatten() {
                if clients.fetch_add(1, Ordering::AcqRel) >= MAX_CLIENTS {
                    clients.fetch_sub(1, Ordering::AcqRel);
                    continue;
                }
                let (metrics, done) = (metrics.clone(), clients.clone());
                let spawned = std::thread::Builder::new()
                    .name("rtsec-metrics-client".into())
                    .spawn(move || {
                        // A client that went away is its own problem, not the run's.
                        let _ = answer(conn, &metrics);
                        done.fetch_sub(1, Ordering::AcqRel);
                    });
                if spawned.is_err() {
                    clients.fetch_sub(1, Ordering::AcqRel);
                }
            }
        })
        .map_err(listen)?;
    Ok(local)
}

fn answer(conn: TcpStream, metrics: &Metrics) -> std::io::Result<()> {
    conn.set_read_timeout(Some(REQUEST_TIMEOUT))?;
    conn.set_write_timeout(Some(REQUEST_TIMEOUT))?;
    let mut r = BufReader::new(conn.try_clone()?).take(MAX_REQUEST);
    let mut line = String::new();
    r.read_line(&mut line)?;
    // The headers, up to the empty line (nothing in them matters here).
    let mut header = String::new();
    loop {
        header.clear();
        if r.read_line(&mut header)? == 0 || header.trim().is_empty() {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    /// `GET path`'s answer, asked again while the server turns the client away (5 s at most).
    fn get(addr: SocketAddr, path: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let mut c = TcpStream::connect(addr).unwrap();
            let mut all = String::new();
            // A connection turned away can be reset before the request is written.
            if write!(c, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").is_ok() {
                let _ = c.read_to_string(&mut all);
            }
            if !all.is_empty() || Instant::now() > deadline {
                return all;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether the server has closed `c` (a read gives the end rather than nothing yet).
    fn closed(c: &mut TcpStream) -> bool {
        c.set_nonblocking(true).unwrap();
        !matches!(c.read(&mut [0u8; 1]), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock)
    }

    #[test]
    fn silent_clients_hold_up_no_one_and_too_many_are_turned_away() {
        let addr = serve("127.0.0.1:0", Arc::new(Metrics::new(false))).unwrap();
        let mut silent: Vec<TcpStream> = (0..MAX_CLIENTS)
            .map(|_| TcpStream::connect(addr).unwrap())
            .collect();
        // Past the limit: closed at once, unanswered.
        let mut extra = TcpStream::connect(addr).unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        while !closed(&mut extra) {
            assert!(
                Instant::now() < deadline,
                "a client past the limit is not closed"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        // One silent client gone: a scrape is answered while the others still wait.
        drop(silent.pop());
        let answer = get(addr, "/metrics");
        assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
        assert!(answer.contains("\r\n\r\n# HELP rtsec_"), "{answer}");
        assert!(
            !closed(&mut silent[0]),
            "the silent clients are still waited for"
        );
    }
}
