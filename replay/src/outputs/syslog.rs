//! `syslog_output` (on in Falco's default falco.yaml): each alert sent to the local syslog
//! daemon's socket as Falco's `syslog(3)` call sends it: facility `user`, the severity of the
//! alert's priority (Falco's priorities are syslog's eight levels), tagged `falco` so that
//! syslog rules written for Falco's lines route these too, one message per alert.

use std::io::Write;
use std::os::unix::net::{UnixDatagram, UnixStream};
use std::path::{Path, PathBuf};

use rtsec_rules::Priority;

use super::{Sink, each_alert};

/// The socket syslog daemons (rsyslog, syslog-ng, journald) listen on.
pub(super) const SOCKET: &str = "/dev/log";

/// The facility Falco logs under (`LOG_USER`).
const FACILITY_USER: u8 = 1;

pub(super) struct SyslogSink {
    path: PathBuf,
    conn: Option<Conn>,
    /// Whether alerts are Falco's JSON (where their priority is read from).
    json: bool,
    message: Vec<u8>,
}

/// Daemons listen on datagrams (each a message) or on a stream (messages ended by NUL), as
/// glibc's `syslog(3)` tries them.
enum Conn {
    Datagram(UnixDatagram),
    Stream(UnixStream),
}

impl SyslogSink {
    /// Connects to the daemon at `path`; why not if it cannot (no daemon runs here).
    pub fn open(path: &Path, json: bool) -> Result<SyslogSink, String> {
        let conn =
            connect(path).map_err(|e| format!("no syslog daemon at {}: {e}", path.display()))?;
        Ok(SyslogSink {
            path: path.to_path_buf(),
            conn: Some(conn),
            json,
            message: Vec::new(),
        })
    }

    fn send_one(&mut self, alert: &[u8]) -> std::io::Result<()> {
        let severity = priority(alert, self.json).unwrap_or(Priority::Warning) as u8;
        self.message.clear();
        let stamp = chrono::Local::now().format("%b %e %H:%M:%S");
        write!(
            self.message,
            "<{}>{stamp} falco: ",
            FACILITY_USER * 8 + severity
        )?;
        self.message.extend_from_slice(alert);
        // As glibc's syslog(3): a message the connection cannot take is sent once more on a
        // new one (a restarted daemon listens on a new socket).
        let mut retried = false;
        loop {
            if self.conn.is_none() {
                self.conn = Some(connect(&self.path)?);
            }
            let sent = match self.conn.as_mut().expect("connected above") {
                Conn::Datagram(s) => s.send(&self.message).map(drop),
                Conn::Stream(s) => s.write_all(&self.message).and_then(|()| s.write_all(&[0])),
            };
            match sent {
                Ok(()) => return Ok(()),
                Err(e) => {
                    self.conn = None;
                    if retried {
                        return Err(e);
                    }
                    retried = true;
                }
            }
        }
    }
}

fn connect(path: &Path) -> std::io::Result<Conn> {
    let datagram = UnixDatagram::unbound().and_then(|s| s.connect(path).map(|()| s));
    match datagram {
        Ok(s) => Ok(Conn::Datagram(s)),
        Err(e) if e.raw_os_error() == Some(libc::EPROTOTYPE) => {
            UnixStream::connect(path).map(Conn::Stream)
        }
        Err(e) => Err(e),
    }
}

impl Sink for SyslogSink {
    fn send(&mut self, lines: &[u8]) -> (u64, Option<String>) {
        each_alert(lines, |alert| {
            self.send_one(alert).map_err(|e| e.to_string())
        })
    }

    fn close(&mut self) -> Result<(), String> {
        self.conn = None;
        Ok(())
    }
}

/// The priority of an alert line rtsec wrote: Falco's text (`TIME: Priority output`) or
/// JSON (`"priority":"Priority"`, which no value's text can hold unescaped).
fn priority(alert: &[u8], json: bool) -> Option<Priority> {
    let rest = match json {
        true => {
            const KEY: &[u8] = b"\"priority\":\"";
            let at = alert.windows(KEY.len()).position(|w| w == KEY)?;
            &alert[at + KEY.len()..]
        }
        false => {
            let at = alert.windows(2).position(|w| w == b": ")?;
            &alert[at + 2..]
        }
    };
    let end = rest.iter().position(|&b| b == b' ' || b == b'"')?;
    Priority::parse(std::str::from_utf8(&rest[..end]).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_priority_is_read_from_text_and_json_alerts() {
        for p in Priority::ALL {
            let name = p.as_str();
            let text = format!("16:00:00.000250000: {name} Shell started (user=root: x)");
            assert_eq!(priority(text.as_bytes(), false), Some(p));
            let iso = format!("2026-11-30T16:00:00.000250000+0000: {name} Shell");
            assert_eq!(priority(iso.as_bytes(), false), Some(p));
            let json = format!(
                "{{\"hostname\":\"h\",\"output\":\"16:00:00: {name} a \\\"priority\\\":\\\"Debug\\\"\",\
                 \"priority\":\"{name}\",\"rule\":\"r\"}}"
            );
            assert_eq!(priority(json.as_bytes(), true), Some(p), "{json}");
        }
        assert_eq!(priority(b"no priority here", false), None);
    }

    #[test]
    fn alerts_reach_a_datagram_or_stream_daemon_with_facility_user_and_their_severity() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("log");
        let daemon = UnixDatagram::bind(&path).unwrap();
        let mut sink = SyslogSink::open(&path, false).unwrap();
        let lines = b"16:00:00.1: Critical a b\n16:00:00.2: Informational c\n";
        assert_eq!(sink.send(lines), (2, None));
        let mut buf = [0u8; 4096];
        let mut got = Vec::new();
        for _ in 0..2 {
            let n = daemon.recv(&mut buf).unwrap();
            got.push(String::from_utf8(buf[..n].to_vec()).unwrap());
        }
        // <PRI>Mmm dd hh:mm:ss falco: alert — PRI = 8 (user) + severity.
        for (m, (pri, alert)) in got.iter().zip([
            ("<10>", "16:00:00.1: Critical a b"),
            ("<14>", "16:00:00.2: Informational c"),
        ]) {
            assert!(
                m.starts_with(pri) && m.ends_with(&format!(" falco: {alert}")),
                "{m}"
            );
            assert_eq!(
                m.len(),
                pri.len() + "Nov 30 16:00:00 falco: ".len() + alert.len()
            );
        }

        // A stream socket: messages ended by NUL.
        std::fs::remove_file(&path).unwrap();
        drop(daemon);
        let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
        let mut sink = SyslogSink::open(&path, true).unwrap();
        assert_eq!(
            sink.send(b"{\"priority\":\"Debug\",\"rule\":\"r\"}\n"),
            (1, None)
        );
        sink.close().unwrap();
        let (mut conn, _) = listener.accept().unwrap();
        let mut all = Vec::new();
        std::io::Read::read_to_end(&mut conn, &mut all).unwrap();
        let all = String::from_utf8(all).unwrap();
        assert!(
            all.starts_with("<15>")
                && all.ends_with(" falco: {\"priority\":\"Debug\",\"rule\":\"r\"}\0"),
            "{all:?}"
        );

        // A restarted daemon (a new socket at the path): the next alert reaches it, sent
        // again on a new connection as glibc sends it; none is lost.
        std::fs::remove_file(&path).unwrap();
        drop(listener);
        let first = UnixDatagram::bind(&path).unwrap();
        let mut sink = SyslogSink::open(&path, false).unwrap();
        assert_eq!(sink.send(b"t: Notice one\n"), (1, None));
        std::fs::remove_file(&path).unwrap();
        drop(first);
        let second = UnixDatagram::bind(&path).unwrap();
        assert_eq!(sink.send(b"t: Notice two\n"), (1, None));
        let n = second.recv(&mut buf).unwrap();
        let m = String::from_utf8(buf[..n].to_vec()).unwrap();
        assert!(
            m.starts_with("<13>") && m.ends_with(" falco: t: Notice two"),
            "{m}"
        );
        // Gone for good: the alert fails, saying why.
        std::fs::remove_file(&path).unwrap();
        drop(second);
        let (taken, error) = sink.send(b"t: Notice three\n");
        assert_eq!(taken, 0);
        assert!(error.unwrap().contains("No such file"));

        // No daemon: why, naming the socket.
        let e = SyslogSink::open(&d.path().join("none"), false)
            .err()
            .unwrap();
        assert!(
            e.starts_with("no syslog daemon at ") && e.contains("none"),
            "{e}"
        );
    }
}
