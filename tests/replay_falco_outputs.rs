//! `rtsec replay -c falco.yaml --falco-outputs`: every alert also goes where that Falco
//! sends it: `file_output`, `program_output` (one process per alert, or one for all),
//! `http_output` (to a real HTTP server on a local port, as falcosidekick receives them;
//! HTTPS is tested in the replay crate, `outputs::https_tests`).
//! Alerts an output cannot take are counted and fail the run; HTTPS is refused with what to
//! use instead.

mod replay_support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};

use replay_support::*;

/// A request the test server received: its headers (lowercase names) and body.
#[derive(Clone, Debug)]
struct Request {
    headers: Vec<(String, String)>,
    body: String,
}

/// An HTTP server on a local port that answers every request with `status` and keeps the
/// connection as the client asks: its URL and what it received.
fn server(status: &'static str) -> (String, Arc<Mutex<Vec<Request>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/falco", listener.local_addr().unwrap());
    let got = Arc::new(Mutex::new(Vec::new()));
    let seen = got.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { return };
            let seen = seen.clone();
            std::thread::spawn(move || {
                let mut r = BufReader::new(conn.try_clone().unwrap());
                let mut w = conn;
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let mut headers = Vec::new();
                    loop {
                        line.clear();
                        r.read_line(&mut line).unwrap();
                        let h = line.trim_end();
                        if h.is_empty() {
                            break;
                        }
                        let (n, v) = h.split_once(':').unwrap();
                        headers.push((n.to_ascii_lowercase(), v.trim().to_string()));
                    }
                    let len: usize = headers
                        .iter()
                        .find(|(n, _)| n == "content-length")
                        .map(|(_, v)| v.parse().unwrap())
                        .unwrap();
                    let mut body = vec![0; len];
                    r.read_exact(&mut body).unwrap();
                    let close = headers
                        .iter()
                        .any(|(n, v)| n == "connection" && v == "close");
                    seen.lock().unwrap().push(Request {
                        headers,
                        body: String::from_utf8(body).unwrap(),
                    });
                    let _ = write!(w, "HTTP/1.1 {status}\r\nContent-Length: 2\r\n\r\nok");
                    if close {
                        return;
                    }
                }
            });
        }
    });
    (url, got)
}

fn config(dir: &Path, outputs: &str) -> std::path::PathBuf {
    let p = dir.join("falco.yaml");
    let text = format!(
        "rules_files:\n  - {}\njson_output: true\n{outputs}",
        falco_rules().display()
    );
    std::fs::write(&p, text).unwrap();
    p
}

/// `rtsec replay -c CFG --falco-outputs TRACE`.
fn with_outputs(cfg: &Path, trace: &Path) -> std::process::Output {
    rtsec(&[
        "replay",
        "-c",
        cfg.to_str().unwrap(),
        "--falco-outputs",
        trace.to_str().unwrap(),
    ])
}

#[test]
fn alerts_go_to_the_file_program_and_http_outputs_of_a_falco_yaml() {
    let dir = tempdir();
    let d = dir.path();
    let (url, got) = server("200 OK");
    // Credentials in the URL, as curl takes them: sent as basic auth, never printed.
    let url = url.replace("http://", "http://falco:s%40cret@");
    let cfg = config(
        d,
        &format!(
            "stdout_output:\n  enabled: false\nsyslog_output:\n  enabled: true\n\
             file_output:\n  enabled: true\n  filename: {}\n\
             program_output:\n  enabled: true\n  keep_alive: true\n  program: cat >> {}\n\
             http_output:\n  enabled: true\n  url: {url}\n  keep_alive: true\n  echo: true\n",
            d.join("file.txt").display(),
            d.join("program.txt").display()
        ),
    );
    let trace = scenario("credentials");
    let want = rtsec(&[
        "replay",
        "-c",
        cfg.to_str().unwrap(),
        trace.to_str().unwrap(),
    ]);
    let want = stdout(&want);
    let n = want.lines().count();
    assert!(n >= 3, "{want}");
    let o = with_outputs(&cfg, &trace);
    let err = stderr(&o);
    assert_eq!(code(&o), 0, "{err}");
    // stdout_output is disabled: stdout holds only the server's answers, which `echo` prints
    // as libcurl prints them for Falco.
    assert_eq!(stdout(&o), "ok".repeat(n));
    assert_eq!(std::fs::read_to_string(d.join("file.txt")).unwrap(), want);
    assert_eq!(
        std::fs::read_to_string(d.join("program.txt")).unwrap(),
        want
    );
    let got = got.lock().unwrap().clone();
    let bodies: Vec<&str> = got.iter().map(|r| r.body.as_str()).collect();
    assert_eq!(
        bodies,
        want.lines().collect::<Vec<_>>(),
        "one POST per alert"
    );
    for r in &got {
        assert!(
            r.headers
                .iter()
                .any(|(n, v)| n == "content-type" && v == "application/json"),
            "{r:?}"
        );
        assert!(
            r.headers
                .iter()
                .any(|(n, v)| n == "user-agent" && v == "falcosecurity/falco")
        );
        assert!(
            r.headers
                .iter()
                .any(|(n, v)| n == "authorization" && v == "Basic ZmFsY286c0BjcmV0"),
            "{r:?}"
        );
    }
    assert!(
        err.contains("http_output http://falco:***@127.0.0.1:") && !err.contains("cret"),
        "{err}"
    );
    for name in ["file_output", "program_output", "http_output"] {
        assert!(
            err.contains(&format!("Output {name}")) && err.contains(&format!(": {n} alerts")),
            "{name}: {err}"
        );
    }
    assert!(
        match Path::new("/dev/log").exists() {
            true => err.contains(&format!("Output syslog_output: {n} alerts")),
            false => err.contains(
                "syslog_output: no syslog daemon at /dev/log: No such file or directory \
                 (os error 2): alerts are not sent to syslog"
            ),
        },
        "syslog_output is used, or named as left out: {err}"
    );
}

#[test]
fn alerts_an_output_cannot_take_are_counted_and_fail_the_run() {
    let dir = tempdir();
    let d = dir.path();
    let (url, got) = server("500 Internal Server Error");
    let cfg = config(
        d,
        &format!(
            "stdout_output:\n  enabled: true\n\
             program_output:\n  enabled: true\n  program: \"cat >> {} && exit 3\"\n\
             http_output:\n  enabled: true\n  url: {url}\n",
            d.join("each.txt").display()
        ),
    );
    let trace = scenario("credentials");
    let o = with_outputs(&cfg, &trace);
    let err = stderr(&o);
    let n = stdout(&o).lines().count();
    assert!(n >= 3, "stdout is still enabled: {err}");
    assert_eq!(code(&o), 1, "{err}");
    // One process per alert, each given its alert, each failing.
    let each = std::fs::read_to_string(d.join("each.txt")).unwrap();
    assert_eq!(each, stdout(&o));
    assert!(
        err.contains(&format!(
            "0 alerts, FAILED {n} (it failed (exit status: 3))"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "0 alerts, FAILED {n} (the server answered HTTP/1.1 500 Internal Server Error)"
        )),
        "{err}"
    );
    assert_eq!(got.lock().unwrap().len(), n, "every alert was tried");
    assert!(
        !err.contains("syslog_output"),
        "left out: not enabled: {err}"
    );

    // Outputs a falco.yaml leaves out are off, as Falco reads them: stdout too.
    let cfg = config(
        d,
        &format!(
            "file_output:\n  enabled: true\n  filename: {}\n",
            d.join("only.txt").display()
        ),
    );
    let o = with_outputs(&cfg, &trace);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(stdout(&o), "");
    assert_eq!(
        std::fs::read_to_string(d.join("only.txt"))
            .unwrap()
            .lines()
            .count(),
        n
    );
    assert!(!stderr(&o).contains("syslog_output"), "{}", stderr(&o));

    // A TLS setting naming a file that is not there: refused before judging, naming both.
    let cfg = config(
        d,
        "http_output:\n  enabled: true\n  url: https://hooks.example/x\n  \
         ca_cert: /nonexistent/ca.pem\n",
    );
    let o = with_outputs(&cfg, &trace);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("http_output.ca_cert /nonexistent/ca.pem: cannot read it"),
        "{}",
        stderr(&o)
    );
    assert_eq!(stdout(&o), "");
    // A file_output in a directory that does not exist: the same.
    let cfg = config(
        d,
        "file_output:\n  enabled: true\n  filename: /nonexistent/alerts.txt\n",
    );
    let o = with_outputs(&cfg, &trace);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains(
            "file_output.filename /nonexistent/alerts.txt: cannot open it to append alerts: \
             No such file or directory"
        ),
        "{}",
        stderr(&o)
    );
    assert_eq!(stdout(&o), "");
    // An enabled output without its target is an error naming the key.
    let cfg = config(d, "file_output:\n  enabled: true\n");
    let o = rtsec(&[
        "replay",
        "-c",
        cfg.to_str().unwrap(),
        trace.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains("`file_output.filename`: enabled without a file"),
        "{}",
        stderr(&o)
    );
}

/// A replay a script started in the background (SIGINT ignored, so that the terminal's Ctrl-C
/// meant for the foreground job does not end it) starts its `program_output` commands with
/// SIGINT ignored too: rtsec handles SIGINT, and an exec resets a handled signal to its
/// default, so the program would have died of that Ctrl-C, and the alerts it could not take
/// been counted as failed.
#[test]
fn a_program_output_keeps_sigint_ignored_where_the_replay_did() {
    let dir = tempdir();
    let d = dir.path();
    let seen = d.join("sigign");
    let cfg = config(
        d,
        &format!(
            "stdout_output:\n  enabled: false\nprogram_output:\n  enabled: true\n  \
             program: \"grep ^SigIgn: /proc/$$/status > {}; cat > /dev/null\"\n",
            seen.display()
        ),
    );
    let trace = scenario("credentials");
    let o = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "trap '' INT; exec {RTSEC} replay -c {} --falco-outputs {}",
            cfg.display(),
            trace.display()
        ))
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let line = std::fs::read_to_string(&seen).unwrap();
    let mask = u64::from_str_radix(line.trim().trim_start_matches("SigIgn:").trim(), 16).unwrap();
    assert_ne!(mask & 1 << 1, 0, "SIGINT (2) not ignored: {line}");
}
