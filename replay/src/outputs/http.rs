//! `http_output`: each alert POSTed to a URL, as Falco posts it to falcosidekick or a
//! webhook: the alert is the body, `application/json` with JSON alerts, else `text/plain`.
//! Plain HTTP/1.1; HTTPS is refused with what to use instead.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use super::{HttpConfig, Sink, alerts};
use crate::error::ReplayError;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const IO_TIMEOUT: Duration = Duration::from_secs(10);

pub(super) struct HttpSink {
    /// `host:port`, to connect to and for the Host header.
    authority: String,
    path: String,
    user_agent: String,
    content_type: &'static str,
    keep_alive: bool,
    conn: Option<BufReader<TcpStream>>,
}

impl HttpSink {
    pub fn new(config: &HttpConfig, json: bool) -> Result<HttpSink, ReplayError> {
        let (authority, path) = split_url(&config.url).map_err(ReplayError::Config)?;
        Ok(HttpSink {
            authority,
            path,
            user_agent: config.user_agent.clone(),
            content_type: if json {
                "application/json"
            } else {
                "text/plain"
            },
            keep_alive: config.keep_alive,
            conn: None,
        })
    }

    fn connect(&self) -> std::io::Result<BufReader<TcpStream>> {
        let mut last = None;
        for addr in self.authority.to_socket_addrs()? {
            match TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
                Ok(s) => {
                    s.set_read_timeout(Some(IO_TIMEOUT))?;
                    s.set_write_timeout(Some(IO_TIMEOUT))?;
                    s.set_nodelay(true)?;
                    return Ok(BufReader::new(s));
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| std::io::Error::other("the host has no address")))
    }

    /// POSTs one alert; a connection kept from before that the server has closed meanwhile
    /// is replaced once.
    fn post(&mut self, body: &[u8]) -> Result<(), String> {
        let mut request = format!(
            "POST {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: {}\r\nContent-Type: {}\r\n\
             Content-Length: {}\r\nConnection: {}\r\n\r\n",
            self.path,
            self.authority,
            self.user_agent,
            self.content_type,
            body.len(),
            if self.keep_alive {
                "keep-alive"
            } else {
                "close"
            },
        )
        .into_bytes();
        request.extend_from_slice(body);
        for attempt in 0..2 {
            let reused = self.conn.is_some();
            if self.conn.is_none() {
                self.conn = Some(self.connect().map_err(|e| format!("cannot connect: {e}"))?);
            }
            let conn = self.conn.as_mut().expect("connected above");
            let exchanged = conn
                .get_mut()
                .write_all(&request)
                .and_then(|()| read_response(conn));
            match exchanged {
                Ok(r) => {
                    if r.close || !self.keep_alive {
                        self.conn = None;
                    }
                    return match (200..300).contains(&r.status) {
                        true => Ok(()),
                        false => Err(format!("the server answered {}", r.status_line)),
                    };
                }
                Err(e) => {
                    self.conn = None;
                    if !(reused && attempt == 0) {
                        return Err(e.to_string());
                    }
                }
            }
        }
        unreachable!("the second attempt returns")
    }
}

impl Sink for HttpSink {
    fn send(&mut self, lines: &[u8]) -> (u64, Option<String>) {
        let mut taken = 0;
        let mut error = None;
        for alert in alerts(lines) {
            match self.post(alert) {
                Ok(()) => taken += 1,
                Err(e) => {
                    error.get_or_insert(e);
                }
            }
        }
        (taken, error)
    }

    fn close(&mut self) -> Result<(), String> {
        self.conn = None;
        Ok(())
    }
}

/// `http://host[:port][/path]` as (`host:port`, `/path`).
fn split_url(url: &str) -> Result<(String, String), String> {
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("https://") {
        return Err(format!(
            "http_output.url {url}: rtsec posts over plain HTTP only; for HTTPS use \
             program_output with `curl -sf -d @- -H 'Content-Type: application/json' {url}`"
        ));
    }
    let Some(rest) = lower.starts_with("http://").then(|| &url[7..]) else {
        return Err(format!(
            "http_output.url {url}: expected http://HOST[:PORT][/PATH]"
        ));
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if authority.is_empty() {
        return Err(format!("http_output.url {url}: no host"));
    }
    // A port unless the authority ends in one (`[::1]` has colons but no port).
    let has_port = authority.rsplit_once(':').is_some_and(|(h, p)| {
        !h.is_empty() && !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && !p.contains(']')
    });
    let authority = match has_port {
        true => authority.to_string(),
        false => format!("{authority}:80"),
    };
    Ok((authority, path.to_string()))
}

/// What matters of a response: its status, and whether the server closes the connection.
struct Response {
    status: u16,
    status_line: String,
    close: bool,
}

/// Reads a response whole (its body is discarded), so that the connection can be reused.
fn read_response(r: &mut BufReader<TcpStream>) -> std::io::Result<Response> {
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string());
    let mut line = String::new();
    if r.read_line(&mut line)? == 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "the server closed the connection without an answer",
        ));
    }
    let status_line = line.trim_end().to_string();
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| bad("not an HTTP response"))?;
    let (mut length, mut chunked, mut close) = (None, false, status_line.starts_with("HTTP/1.0"));
    loop {
        line.clear();
        if r.read_line(&mut line)? == 0 {
            return Err(bad("the response ends in its headers"));
        }
        let h = line.trim_end();
        if h.is_empty() {
            break;
        }
        let Some((name, value)) = h.split_once(':') else {
            continue;
        };
        let value = value.trim().to_ascii_lowercase();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => length = value.parse::<u64>().ok(),
            "transfer-encoding" => chunked = value.contains("chunked"),
            "connection" => close = value.contains("close"),
            _ => {}
        }
    }
    let no_body = status < 200 || status == 204 || status == 304;
    if no_body {
    } else if chunked {
        loop {
            line.clear();
            r.read_line(&mut line)?;
            let size = u64::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
                .map_err(|_| bad("a bad chunk size"))?;
            if size == 0 {
                // Trailers, up to an empty line.
                loop {
                    line.clear();
                    if r.read_line(&mut line)? == 0 || line.trim().is_empty() {
                        break;
                    }
                }
                break;
            }
            std::io::copy(&mut r.by_ref().take(size + 2), &mut std::io::sink())?;
        }
    } else if let Some(n) = length {
        std::io::copy(&mut r.by_ref().take(n), &mut std::io::sink())?;
    } else {
        std::io::copy(r, &mut std::io::sink())?;
        close = true;
    }
    Ok(Response {
        status,
        status_line,
        close,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_split_and_https_is_refused_with_what_to_do() {
        let ok = |u: &str| split_url(u).unwrap();
        assert_eq!(
            ok("http://sidekick:2801/"),
            ("sidekick:2801".into(), "/".into())
        );
        assert_eq!(ok("http://sidekick"), ("sidekick:80".into(), "/".into()));
        assert_eq!(ok("HTTP://h:1/a/b?x=1"), ("h:1".into(), "/a/b?x=1".into()));
        assert_eq!(ok("http://[::1]:9/"), ("[::1]:9".into(), "/".into()));
        assert_eq!(ok("http://[::1]/"), ("[::1]:80".into(), "/".into()));
        let e = split_url("https://hooks.example/x").unwrap_err();
        assert!(e.contains("program_output") && e.contains("curl"), "{e}");
        assert!(split_url("ftp://x").is_err() && split_url("http:///x").is_err());
    }
}
