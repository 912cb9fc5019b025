//! `http_output`: each alert POSTed to a URL, as Falco posts it to falcosidekick or a
//! webhook: the alert is the body, `application/json` with JSON alerts, else `text/plain`.
//! HTTP/1.1, over TLS for `https://` URLs (see `tls`); a URL's `user:password@` is sent as
//! basic auth, as curl sends it, and its password is never printed.
//!
//! As Falco's libcurl output: an alert that times out is posted again, up to
//! `max_consecutive_timeouts` more times, and with `echo` the server's answers are printed on
//! stdout. Unlike Falco, which waits on a server that does not answer while its alert queue
//! fills, an alert that timed out on every attempt makes the output rest for [`REST`]: the
//! alerts given meanwhile fail at once (counted), so that a replay is not held up for
//! minutes per alert by a server that is gone.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, StreamOwned};

use super::{HttpConfig, Sink, each_alert, tls};
use crate::error::ReplayError;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const IO_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the output rests after an alert timed out on every attempt.
const REST: Duration = Duration::from_secs(30);

pub(super) struct HttpSink {
    url: Url,
    /// For `https://` URLs: the server's name as its certificate must give it, and how it is
    /// checked.
    tls: Option<(ServerName<'static>, Arc<ClientConfig>)>,
    user_agent: String,
    content_type: &'static str,
    keep_alive: bool,
    conn: Option<BufReader<Stream>>,
    /// Where the server's answers are printed (`echo`).
    echo: Option<Box<dyn Write>>,
    max_consecutive_timeouts: u8,
    timeouts: Timeouts,
    /// Until when no alert is posted, and why.
    resting: Option<(Instant, String)>,
}

/// How long a connection may take to open and a read or a write to progress, and how long
/// the output rests after an alert timed out on every attempt.
#[derive(Clone, Copy)]
struct Timeouts {
    connect: Duration,
    io: Duration,
    rest: Duration,
}

/// Why an attempt to post an alert failed, and whether it was for lack of an answer.
struct Failure {
    why: String,
    timed_out: bool,
}

impl Failure {
    fn of(e: &std::io::Error, timeouts: Timeouts) -> Failure {
        Failure {
            why: tls::describe(e, timeouts.io),
            timed_out: timed_out(e),
        }
    }
}

fn timed_out(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    )
}

/// A connection to the server, plain or TLS.
enum Stream {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

impl HttpSink {
    pub fn new(config: &HttpConfig, json: bool) -> Result<HttpSink, ReplayError> {
        let url = split_url(&config.url).map_err(ReplayError::Config)?;
        let tls = match url.tls {
            false => None,
            true => {
                let name = ServerName::try_from(url.host.clone()).map_err(|e| {
                    ReplayError::Config(format!("http_output.url {}: {e}", redact(&config.url)))
                })?;
                let client = tls::client_config(&config.tls).map_err(ReplayError::Config)?;
                Some((name, client))
            }
        };
        Ok(HttpSink {
            url,
            tls,
            user_agent: config.user_agent.clone(),
            content_type: if json {
                "application/json"
            } else {
                "text/plain"
            },
            keep_alive: config.keep_alive,
            conn: None,
            echo: config
                .echo
                .then(|| Box::new(std::io::stdout()) as Box<dyn Write>),
            max_consecutive_timeouts: config.max_consecutive_timeouts,
            timeouts: Timeouts {
                connect: CONNECT_TIMEOUT,
                io: IO_TIMEOUT,
                rest: REST,
            },
            resting: None,
        })
    }

    fn connect(&self) -> Result<BufReader<Stream>, Failure> {
        let tcp = self.connect_tcp().map_err(|e| Failure {
            why: format!("cannot connect: {e}"),
            timed_out: timed_out(&e),
        })?;
        let Some((name, config)) = &self.tls else {
            return Ok(BufReader::new(Stream::Plain(tcp)));
        };
        let conn = ClientConnection::new(config.clone(), name.clone()).map_err(|e| Failure {
            why: format!("TLS: {e}"),
            timed_out: false,
        })?;
        let mut tls = StreamOwned::new(conn, tcp);
        // The handshake now, so that a certificate the server is refused for says so.
        while tls.conn.is_handshaking() {
            tls.conn.complete_io(&mut tls.sock).map_err(|e| {
                let f = Failure::of(&e, self.timeouts);
                Failure {
                    why: format!("TLS handshake with {}: {}", self.url.authority, f.why),
                    ..f
                }
            })?;
        }
        Ok(BufReader::new(Stream::Tls(Box::new(tls))))
    }

    fn connect_tcp(&self) -> std::io::Result<TcpStream> {
        let mut last = None;
        for addr in self.url.authority.to_socket_addrs()? {
            match TcpStream::connect_timeout(&addr, self.timeouts.connect) {
                Ok(s) => {
                    s.set_read_timeout(Some(self.timeouts.io))?;
                    s.set_write_timeout(Some(self.timeouts.io))?;
                    s.set_nodelay(true)?;
                    return Ok(s);
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| std::io::Error::other("the host has no address")))
    }

    /// Closes the connection, telling a TLS server first (it may log a truncation otherwise).
    fn hang_up(&mut self) {
        if let Some(Stream::Tls(t)) = self.conn.take().as_mut().map(BufReader::get_mut) {
            t.conn.send_close_notify();
            let _ = t.flush();
        }
    }

    /// POSTs one alert, again while it times out (`max_consecutive_timeouts`); none while
    /// the output rests.
    fn post(&mut self, body: &[u8]) -> Result<(), String> {
        if let Some((until, why)) = &self.resting {
            if Instant::now() < *until {
                return Err(why.clone());
            }
            self.resting = None;
        }
        let request = self.request(body);
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            match self.exchange(&request) {
                Ok(()) => return Ok(()),
                Err(f) if f.timed_out && attempts <= u32::from(self.max_consecutive_timeouts) => {}
                Err(f) if f.timed_out => {
                    let why = match attempts {
                        1 => f.why,
                        n => format!("{} ({n} attempts)", f.why),
                    };
                    self.resting = Some((
                        Instant::now() + self.timeouts.rest,
                        format!(
                            "not posted: an earlier alert timed out ({why}); posting resumes \
                             {:?} after that",
                            self.timeouts.rest
                        ),
                    ));
                    return Err(why);
                }
                Err(f) => return Err(f.why),
            }
        }
    }

    fn request(&self, body: &[u8]) -> Vec<u8> {
        let auth = match &self.url.basic_auth {
            Some(a) => format!("Authorization: {a}\r\n"),
            None => String::new(),
        };
        let mut request = format!(
            "POST {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: {}\r\nContent-Type: {}\r\n\
             Content-Length: {}\r\n{auth}Connection: {}\r\n\r\n",
            self.url.path,
            self.url.authority,
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
        request
    }

    /// Sends `request` and reads the answer; a connection kept from before that the server
    /// has closed meanwhile is replaced once.
    fn exchange(&mut self, request: &[u8]) -> Result<(), Failure> {
        let echo = self.echo.is_some();
        let mut answer = Vec::new();
        for attempt in 0..2 {
            answer.clear();
            let reused = self.conn.is_some();
            if self.conn.is_none() {
                self.conn = Some(self.connect()?);
            }
            let conn = self.conn.as_mut().expect("connected above");
            let exchanged = conn
                .get_mut()
                .write_all(request)
                .and_then(|()| conn.get_mut().flush())
                .and_then(|()| read_response(conn, echo.then_some(&mut answer)));
            match exchanged {
                Ok(r) => {
                    if r.close || !self.keep_alive {
                        self.hang_up();
                    }
                    if let Some(echo) = &mut self.echo {
                        // As libcurl's default write callback: the body as it came.
                        let _ = echo.write_all(&answer).and_then(|()| echo.flush());
                    }
                    return match (200..300).contains(&r.status) {
                        true => Ok(()),
                        false => Err(Failure {
                            why: format!("the server answered {}", r.status_line),
                            timed_out: false,
                        }),
                    };
                }
                Err(e) => {
                    self.conn = None;
                    if !(reused && attempt == 0) || timed_out(&e) {
                        return Err(Failure::of(&e, self.timeouts));
                    }
                }
            }
        }
        unreachable!("the second attempt returns")
    }
}

impl Sink for HttpSink {
    fn send(&mut self, lines: &[u8]) -> (u64, Option<String>) {
        each_alert(lines, |alert| self.post(alert))
    }

    fn close(&mut self) -> Result<(), String> {
        self.hang_up();
        Ok(())
    }
}

/// An `http_output.url`, split.
#[derive(Debug, PartialEq, Eq)]
struct Url {
    tls: bool,
    /// The host without brackets or port, as the server's certificate names it.
    host: String,
    /// `host:port`, to connect to and for the Host header.
    authority: String,
    path: String,
    /// `user:password@` of the URL, as an `Authorization: Basic` value (as curl sends it).
    basic_auth: Option<String>,
}

/// `http[s]://[user[:password]@]host[:port][/path][?query]`, split.
fn split_url(url: &str) -> Result<Url, String> {
    let lower = url.to_ascii_lowercase();
    let shown = redact(url);
    let (tls, rest) = if lower.starts_with("https://") {
        (true, &url[8..])
    } else if lower.starts_with("http://") {
        (false, &url[7..])
    } else {
        return Err(format!(
            "http_output.url {shown}: expected http[s]://HOST[:PORT][/PATH]"
        ));
    };
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) if rest[i..].starts_with('?') => (&rest[..i], format!("/{}", &rest[i..])),
        Some(i) => (&rest[..i], rest[i..].to_string()),
        None => (rest, "/".to_string()),
    };
    let (basic_auth, authority) = match authority.rsplit_once('@') {
        Some((userinfo, hostport)) => (Some(basic_auth(userinfo)), hostport),
        None => (None, authority),
    };
    if authority.is_empty() {
        return Err(format!("http_output.url {shown}: no host"));
    }
    // A port unless the authority ends in one (`[::1]` has colons but no port).
    let port = authority.rsplit_once(':').filter(|(h, p)| {
        !h.is_empty() && !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && !p.contains(']')
    });
    let (host, authority) = match port {
        Some((host, _)) => (host, authority.to_string()),
        None => (
            authority,
            format!("{authority}:{}", if tls { 443 } else { 80 }),
        ),
    };
    Ok(Url {
        tls,
        host: host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string(),
        authority,
        path,
        basic_auth,
    })
}

/// `url` with the password of its `user:password@` hidden, to be printed.
pub(super) fn redact(url: &str) -> String {
    let start = url.find("://").map_or(0, |i| i + 3);
    let end = url[start..]
        .find(['/', '?'])
        .map_or(url.len(), |i| start + i);
    match url[start..end].rsplit_once('@') {
        Some((userinfo, _)) if userinfo.contains(':') => {
            let user = userinfo.split(':').next().unwrap_or("");
            format!(
                "{}{user}:***{}",
                &url[..start],
                &url[start + userinfo.len()..]
            )
        }
        _ => url.to_string(),
    }
}

/// `Basic BASE64(user:password)` of a URL's percent-encoded `user:password`.
fn basic_auth(userinfo: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let plain = percent_decode(userinfo);
    let mut out = String::from("Basic ");
    for chunk in plain.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from_be_bytes([0, b[0], b[1], b[2]]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            out.push(match i <= chunk.len() {
                true => ALPHABET[(n >> shift & 63) as usize] as char,
                false => '=',
            });
        }
    }
    out
}

fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (b[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// What matters of a response: its status, and whether the server closes the connection.
struct Response {
    status: u16,
    status_line: String,
    close: bool,
}

/// The longest status, header or chunk-size line read: a server sending more is not one to
/// post alerts to.
const MAX_LINE: u64 = 64 << 10;

/// Reads one line of at most [`MAX_LINE`] bytes into `line` (cleared first): its length.
fn read_line(r: &mut BufReader<Stream>, line: &mut String) -> std::io::Result<usize> {
    line.clear();
    r.by_ref().take(MAX_LINE).read_line(line)
}

/// Reads a response whole, so that the connection can be reused: its body into `body`, or
/// discarded.
fn read_response(
    r: &mut BufReader<Stream>,
    mut body: Option<&mut Vec<u8>>,
) -> std::io::Result<Response> {
    let mut body_to = |r: &mut BufReader<Stream>, n: Option<u64>| -> std::io::Result<u64> {
        let mut from = r.by_ref().take(n.unwrap_or(u64::MAX));
        match body.as_deref_mut() {
            Some(b) => std::io::copy(&mut from, b),
            None => std::io::copy(&mut from, &mut std::io::sink()),
        }
    };
    let bad = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string());
    let mut line = String::new();
    if read_line(r, &mut line)? == 0 {
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
        if read_line(r, &mut line)? == 0 {
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
            read_line(r, &mut line)?;
            let size = u64::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
                .map_err(|_| bad("a bad chunk size"))?;
            if size == 0 {
                // Trailers, up to an empty line.
                loop {
                    if read_line(r, &mut line)? == 0 || line.trim().is_empty() {
                        break;
                    }
                }
                break;
            }
            body_to(r, Some(size))?;
            std::io::copy(&mut r.by_ref().take(2), &mut std::io::sink())?;
        }
    } else if let Some(n) = length {
        body_to(r, Some(n))?;
    } else {
        // To the end of the connection; a TLS server may end it without saying so first.
        match body_to(r, None) {
            Err(e) if e.kind() != std::io::ErrorKind::UnexpectedEof => return Err(e),
            _ => {}
        }
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

    /// A server that answers each connection's first request (chunked, keeping the connection
    /// by HTTP/1.1 default) and then closes it: the sink must post the next alert on a new
    /// connection, not fail it. Returns the URL and the bodies received.
    fn closing_server() -> (String, std::sync::mpsc::Receiver<String>) {
        server(0)
    }

    /// As [`closing_server`], but its first `silent` connections get no answer: they are held
    /// open for 3 s after their request.
    fn server(silent: usize) -> (String, std::sync::mpsc::Receiver<String>) {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/x", l.local_addr().unwrap());
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for (i, c) in l.incoming().enumerate() {
                let c = c.unwrap();
                let mut r = BufReader::new(c.try_clone().unwrap());
                let mut len = 0;
                let mut line = String::new();
                loop {
                    line.clear();
                    r.read_line(&mut line).unwrap();
                    if line.trim().is_empty() {
                        break;
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        len = v.trim().parse().unwrap();
                    }
                }
                let mut body = vec![0; len];
                r.read_exact(&mut body).unwrap();
                tx.send(String::from_utf8(body).unwrap()).unwrap();
                if i < silent {
                    std::thread::spawn(move || {
                        std::thread::sleep(Duration::from_secs(3));
                        drop(c);
                    });
                    continue;
                }
                let mut w = c;
                w.write_all(
                    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
                      3\r\nabc\r\n0\r\nX-Trailer: 1\r\n\r\n",
                )
                .unwrap();
            }
        });
        (url, rx)
    }

    /// A sink for `url` that waits `io` for an answer and rests `rest` after timeouts.
    fn impatient(
        url: String,
        max_consecutive_timeouts: u8,
        io: Duration,
        rest: Duration,
    ) -> HttpSink {
        let config = HttpConfig {
            max_consecutive_timeouts,
            ..HttpConfig::new(url)
        };
        let mut sink = HttpSink::new(&config, false).unwrap();
        sink.timeouts = Timeouts {
            connect: io,
            io,
            rest,
        };
        sink
    }

    /// What a sink echoed.
    #[derive(Clone, Default)]
    struct Echoed(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

    impl Write for Echoed {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn echo_prints_the_servers_answers() {
        let (url, _bodies) = closing_server();
        let config = HttpConfig {
            echo: true,
            ..HttpConfig::new(url)
        };
        let mut sink = HttpSink::new(&config, false).unwrap();
        assert!(sink.echo.is_some(), "echo: true prints to stdout");
        let echoed = Echoed::default();
        sink.echo = Some(Box::new(echoed.clone()));
        assert_eq!(sink.send(b"a\nb\n"), (2, None));
        // The chunked body's data, without its chunk sizes or trailer.
        assert_eq!(echoed.0.borrow().as_slice(), b"abcabc");
        let sink = HttpSink::new(&HttpConfig::new("http://h/".into()), false).unwrap();
        assert!(sink.echo.is_none());
    }

    #[test]
    fn an_alert_that_times_out_is_posted_again_up_to_max_consecutive_timeouts() {
        let ms = Duration::from_millis;
        // One silent connection, one retry: delivered on the second attempt.
        let (url, bodies) = server(1);
        let mut sink = impatient(url, 1, ms(300), ms(0));
        assert_eq!(sink.send(b"a\n"), (1, None));
        assert_eq!(bodies.try_iter().collect::<Vec<_>>(), ["a", "a"]);

        // Two silent connections, one retry: the alert fails, saying how long it waited and
        // how often; the output rests, so the next alert is not posted; once the rest is
        // over it is.
        let (url, bodies) = server(2);
        let mut sink = impatient(url, 1, ms(300), ms(800));
        let (taken, error) = sink.send(b"a\nb\n");
        assert_eq!(taken, 0);
        assert_eq!(error.unwrap(), "no answer within 300ms (2 attempts)");
        assert_eq!(bodies.try_iter().collect::<Vec<_>>(), ["a", "a"]);
        let (taken, error) = sink.send(b"c\n");
        assert_eq!(taken, 0);
        let error = error.unwrap();
        assert_eq!(
            error,
            "not posted: an earlier alert timed out (no answer within 300ms (2 attempts)); \
             posting resumes 800ms after that"
        );
        std::thread::sleep(ms(900));
        assert_eq!(sink.send(b"d\n"), (1, None));
        assert_eq!(bodies.try_iter().collect::<Vec<_>>(), ["d"]);
    }

    #[test]
    fn a_kept_connection_the_server_closed_is_replaced_and_chunked_answers_are_read() {
        let (url, bodies) = closing_server();
        let config = HttpConfig {
            keep_alive: true,
            ..HttpConfig::new(url)
        };
        let mut sink = HttpSink::new(&config, true).unwrap();
        let (taken, error) = sink.send(b"{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n");
        assert_eq!((taken, error), (3, None));
        let got: Vec<String> = bodies.try_iter().collect();
        assert_eq!(got, ["{\"a\":1}", "{\"a\":2}", "{\"a\":3}"]);
    }

    #[test]
    fn a_server_that_is_not_there_fails_each_alert_with_why() {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let config = HttpConfig::new(format!("http://127.0.0.1:{port}/"));
        let mut sink = HttpSink::new(&config, false).unwrap();
        let (taken, error) = sink.send(b"a\nb\n");
        assert_eq!(taken, 0);
        assert!(error.unwrap().starts_with("cannot connect"));
    }

    #[test]
    fn urls_are_split() {
        let ok = |u: &str| {
            let u = split_url(u).unwrap();
            assert_eq!(u.basic_auth, None);
            (u.tls, u.host, u.authority, u.path)
        };
        let t = |tls, host: &str, authority: &str, path: &str| {
            (
                tls,
                host.to_string(),
                authority.to_string(),
                path.to_string(),
            )
        };
        assert_eq!(
            ok("http://sidekick:2801/"),
            t(false, "sidekick", "sidekick:2801", "/")
        );
        assert_eq!(
            ok("http://sidekick"),
            t(false, "sidekick", "sidekick:80", "/")
        );
        assert_eq!(ok("HTTP://h:1/a/b?x=1"), t(false, "h", "h:1", "/a/b?x=1"));
        assert_eq!(ok("http://[::1]:9/"), t(false, "::1", "[::1]:9", "/"));
        assert_eq!(ok("http://[::1]/"), t(false, "::1", "[::1]:80", "/"));
        assert_eq!(
            ok("https://hooks.example/x"),
            t(true, "hooks.example", "hooks.example:443", "/x")
        );
        assert_eq!(ok("HTTPS://h:8443"), t(true, "h", "h:8443", "/"));
        assert_eq!(ok("http://h?a=b"), t(false, "h", "h:80", "/?a=b"));
        assert!(split_url("ftp://x").is_err() && split_url("http:///x").is_err());
    }

    #[test]
    fn credentials_in_the_url_are_sent_as_basic_auth_and_never_printed() {
        let u = split_url("https://falco:s%40cret@es.example:9200/falco/_doc").unwrap();
        assert_eq!(
            (u.host.as_str(), u.authority.as_str(), u.path.as_str()),
            ("es.example", "es.example:9200", "/falco/_doc")
        );
        // base64("falco:s@cret"), as `curl -u falco:s@cret` sends it.
        assert_eq!(u.basic_auth.as_deref(), Some("Basic ZmFsY286c0BjcmV0"));
        for (userinfo, want) in [("a", "YQ=="), ("ab", "YWI="), ("abc", "YWJj"), ("", "")] {
            assert_eq!(basic_auth(userinfo), format!("Basic {want}"));
        }
        assert_eq!(
            redact("https://falco:s%40cret@es.example:9200/x?p=a:b@c"),
            "https://falco:***@es.example:9200/x?p=a:b@c"
        );
        assert_eq!(redact("http://token@h/"), "http://token@h/");
        assert_eq!(redact("http://h/a@b:c"), "http://h/a@b:c");
        let e = split_url("http://u:pw@/x").unwrap_err();
        assert!(e.contains("u:***@") && !e.contains("pw"), "{e}");
    }
}
