//! `http_output` to `https://` URLs against a real TLS server on a local port, with
//! certificates made for each test: which servers are trusted, `insecure`, `mtls`, and the
//! errors of bad settings.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, channel};

use rcgen::{
    BasicConstraints, Certificate, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair,
};
use rustls::crypto::ring;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig, ServerConnection, StreamOwned};

use super::http::HttpSink;
use super::{HttpConfig, Sink, TlsConfig};

/// A CA, and a certificate with its key (PEM) that the CA signed.
struct Pki {
    /// The CA's certificate, PEM.
    ca: String,
    cert: Certificate,
    key: KeyPair,
}

impl Pki {
    fn new(name: &str) -> Pki {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        let cert = params.self_signed(&key).unwrap();
        Pki {
            ca: cert.pem(),
            cert,
            key,
        }
    }

    /// A certificate for `names`, for a server or a client: (certificate, key), PEM.
    fn issue(&self, names: &[&str], purpose: ExtendedKeyUsagePurpose) -> (String, String) {
        let key = KeyPair::generate().unwrap();
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut params = CertificateParams::new(names).unwrap();
        params.extended_key_usages = vec![purpose];
        let cert = params.signed_by(&key, &self.cert, &self.key).unwrap();
        (cert.pem(), key.serialize_pem())
    }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// A TLS server on a local port answering 200 to every POST, with a certificate for
/// `localhost` and 127.0.0.1 that `pki` signed; with `clients`, it asks for a client
/// certificate that CA signed. Returns the port and, per request, its body (or why the
/// connection failed).
fn server(pki: &Pki, clients: Option<&Pki>) -> (u16, Receiver<Result<String, String>>) {
    let (cert, key) = pki.issue(
        &["localhost", "127.0.0.1"],
        ExtendedKeyUsagePurpose::ServerAuth,
    );
    server_with(&cert, &key, clients)
}

/// [`server`] with the certificate and key (PEM) given.
fn server_with(
    cert: &str,
    key: &str,
    clients: Option<&Pki>,
) -> (u16, Receiver<Result<String, String>>) {
    let chain = vec![CertificateDer::from_pem_slice(cert.as_bytes()).unwrap()];
    let key = PrivateKeyDer::from_pem_slice(key.as_bytes()).unwrap();
    let provider = Arc::new(ring::default_provider());
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap();
    let verifier = match clients {
        None => WebPkiClientVerifier::no_client_auth(),
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            roots
                .add(CertificateDer::from_pem_slice(ca.ca.as_bytes()).unwrap())
                .unwrap();
            WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .unwrap()
        }
    };
    let config = Arc::new(
        builder
            .with_client_cert_verifier(verifier)
            .with_single_cert(chain, key)
            .unwrap(),
    );
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for tcp in listener.incoming() {
            let conn = ServerConnection::new(config.clone()).unwrap();
            let mut r = BufReader::new(StreamOwned::new(conn, tcp.unwrap()));
            // Requests on the connection until the client closes it or fails.
            loop {
                match request(&mut r) {
                    Ok(Some(body)) => {
                        let _ = tx.send(Ok(body));
                        let answer = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
                        if r.get_mut().write_all(answer).is_err() {
                            break;
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        let _ = tx.send(Err(e.to_string()));
                        break;
                    }
                }
            }
        }
    });
    (port, rx)
}

/// One request's body; `None` at the end of the connection.
fn request(r: &mut impl BufRead) -> std::io::Result<Option<String>> {
    let mut line = String::new();
    let mut len = 0;
    let mut first = true;
    loop {
        line.clear();
        if r.read_line(&mut line)? == 0 && first {
            return Ok(None);
        }
        first = false;
        if line.trim().is_empty() {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse().unwrap();
        }
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body)?;
    Ok(Some(String::from_utf8(body).unwrap()))
}

fn config(url: String, tls: TlsConfig) -> HttpConfig {
    HttpConfig {
        keep_alive: true,
        tls,
        ..HttpConfig::new(url)
    }
}

/// Only the CA file `ca` is trusted.
fn trusting(ca: PathBuf) -> TlsConfig {
    TlsConfig {
        ca_cert: Some(ca),
        ..TlsConfig::default()
    }
}

#[test]
fn alerts_are_posted_over_tls_to_a_server_signed_by_the_ca_given() {
    let d = tempfile::tempdir().unwrap();
    let pki = Pki::new("rtsec test CA");
    let (port, bodies) = server(&pki, None);
    let ca = write(d.path(), "ca.pem", &pki.ca);
    // By name and by address; ca_bundle is the same setting when ca_cert is not set; a
    // connection kept for both alerts, or one per alert (closed with a TLS close_notify:
    // the server sees the end of the connection, not an error).
    for (host, tls, keep_alive) in [
        ("localhost", trusting(ca.clone()), true),
        (
            "127.0.0.1",
            TlsConfig {
                ca_bundle: Some(ca.clone()),
                ..TlsConfig::default()
            },
            false,
        ),
    ] {
        let url = format!("https://{host}:{port}/alerts");
        let config = HttpConfig {
            keep_alive,
            ..config(url, tls)
        };
        let mut sink = HttpSink::new(&config, true).unwrap();
        assert_eq!(sink.send(b"{\"a\":1}\n{\"a\":2}\n"), (2, None));
        sink.close().unwrap();
        let got: Vec<_> = bodies.iter().take(2).map(Result::unwrap).collect();
        assert_eq!(got, ["{\"a\":1}", "{\"a\":2}"]);
    }
}

#[test]
fn a_server_the_ca_did_not_sign_is_refused_unless_insecure() {
    let d = tempfile::tempdir().unwrap();
    let (port, _bodies) = server(&Pki::new("the server's CA"), None);
    let other = write(d.path(), "other.pem", &Pki::new("another CA").ca);
    let url = format!("https://localhost:{port}/");
    let mut sink = HttpSink::new(&config(url.clone(), trusting(other)), true).unwrap();
    let (taken, error) = sink.send(b"a\nb\n");
    assert_eq!(taken, 0);
    let error = error.unwrap();
    assert!(
        error.starts_with(&format!("TLS handshake with localhost:{port}"))
            && error.contains("not signed by a CA trusted here"),
        "{error}"
    );
    let insecure = TlsConfig {
        insecure: true,
        ..TlsConfig::default()
    };
    let mut sink = HttpSink::new(&config(url, insecure), true).unwrap();
    assert_eq!(sink.send(b"a\nb\n"), (2, None));
}

/// Year, month, day.
type Day = (i32, u8, u8);

/// What `openssl req -x509 -subj /CN=localhost -addext subjectAltName=DNS:localhost` makes:
/// a self-signed certificate that is a CA, valid from `from` to `to` (y, m, d) or from now
/// on: (certificate, key), PEM.
fn self_signed(dates: Option<(Day, Day)>) -> (String, String) {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    if let Some((from, to)) = dates {
        params.not_before = rcgen::date_time_ymd(from.0, from.1, from.2);
        params.not_after = rcgen::date_time_ymd(to.0, to.1, to.2);
    }
    (params.self_signed(&key).unwrap().pem(), key.serialize_pem())
}

/// Such a certificate, for the server and as its `ca_cert`.
#[test]
fn a_self_signed_certificate_given_as_the_ca_is_trusted_for_its_name_and_dates() {
    let d = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed(None);
    let (port, bodies) = server_with(&cert, &key, None);
    let ca = write(d.path(), "cert.pem", &cert);

    let url = format!("https://localhost:{port}/");
    let mut sink = HttpSink::new(&config(url, trusting(ca.clone())), true).unwrap();
    assert_eq!(sink.send(b"a\n"), (1, None));
    assert_eq!(bodies.recv().unwrap().unwrap(), "a");
    sink.close().unwrap();

    let url = format!("https://127.0.0.1:{port}/");
    let mut sink = HttpSink::new(&config(url, trusting(ca)), true).unwrap();
    let (taken, error) = sink.send(b"a\n");
    assert_eq!(taken, 0);
    let error = error.unwrap();
    assert!(error.contains("not for the URL's host"), "{error}");

    for (dates, want) in [
        (
            ((2001, 1, 1), (2002, 1, 1)),
            "the server's certificate has expired",
        ),
        (
            ((2090, 1, 1), (2091, 1, 1)),
            "the server's certificate is not valid yet (is this machine's clock right?)",
        ),
    ] {
        let (cert, key) = self_signed(Some(dates));
        let (port, _bodies) = server_with(&cert, &key, None);
        let ca = write(d.path(), "dated.pem", &cert);
        let url = format!("https://localhost:{port}/");
        let mut sink = HttpSink::new(&config(url, trusting(ca)), true).unwrap();
        let (taken, error) = sink.send(b"a\n");
        assert_eq!(taken, 0);
        let error = error.unwrap();
        assert!(error.ends_with(want), "{error}");
    }
}

#[test]
fn an_expired_certificate_the_ca_signed_is_refused_saying_so() {
    let d = tempfile::tempdir().unwrap();
    let pki = Pki::new("rtsec test CA");
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.not_before = rcgen::date_time_ymd(2001, 1, 1);
    params.not_after = rcgen::date_time_ymd(2002, 1, 1);
    let cert = params.signed_by(&key, &pki.cert, &pki.key).unwrap();
    let (port, _bodies) = server_with(&cert.pem(), &key.serialize_pem(), None);
    let ca = write(d.path(), "ca.pem", &pki.ca);
    let url = format!("https://localhost:{port}/");
    let mut sink = HttpSink::new(&config(url, trusting(ca)), true).unwrap();
    let (taken, error) = sink.send(b"a\n");
    assert_eq!(taken, 0);
    let error = error.unwrap();
    assert!(
        error.ends_with("the server's certificate has expired"),
        "{error}"
    );
}

#[test]
fn mtls_presents_the_client_certificate_a_server_asks_for() {
    let d = tempfile::tempdir().unwrap();
    let pki = Pki::new("rtsec test CA");
    let clients = Pki::new("clients' CA");
    let (port, bodies) = server(&pki, Some(&clients));
    let ca = write(d.path(), "ca.pem", &pki.ca);
    let url = format!("https://localhost:{port}/");

    let mut sink = HttpSink::new(&config(url.clone(), trusting(ca.clone())), true).unwrap();
    let (taken, error) = sink.send(b"a\n");
    assert_eq!(taken, 0);
    let error = error.unwrap();
    assert!(error.contains("asks for a client certificate"), "{error}");
    assert!(bodies.recv().unwrap().is_err());

    let (cert, key) = clients.issue(&["rtsec"], ExtendedKeyUsagePurpose::ClientAuth);
    let tls = TlsConfig {
        client: Some((
            write(d.path(), "client.crt", &cert),
            write(d.path(), "client.key", &key),
        )),
        ..trusting(ca)
    };
    let mut sink = HttpSink::new(&config(url, tls), false).unwrap();
    assert_eq!(sink.send(b"a\nb\n"), (2, None));
    let got: Vec<_> = bodies.iter().take(2).map(Result::unwrap).collect();
    assert_eq!(got, ["a", "b"]);
}

#[test]
fn bad_tls_settings_stop_the_run_naming_the_setting_and_the_file() {
    let d = tempfile::tempdir().unwrap();
    let missing = d.path().join("missing.pem");
    let text = write(d.path(), "text.pem", "not a certificate\n");
    let pki = Pki::new("rtsec test CA");
    let (cert, _) = pki.issue(&["rtsec"], ExtendedKeyUsagePurpose::ClientAuth);
    let cert = write(d.path(), "client.crt", &cert);
    let url = "https://sidekick:2801/".to_string();
    for (tls, want) in [
        (
            trusting(missing.clone()),
            format!("http_output.ca_cert {}: cannot read it", missing.display()),
        ),
        (
            trusting(text.clone()),
            format!("http_output.ca_cert {}: no PEM certificate", text.display()),
        ),
        (
            TlsConfig {
                ca_bundle: Some(text.clone()),
                ..TlsConfig::default()
            },
            format!(
                "http_output.ca_bundle {}: no PEM certificate",
                text.display()
            ),
        ),
        (
            TlsConfig {
                client: Some((cert.clone(), text.clone())),
                ..TlsConfig::default()
            },
            format!(
                "http_output.client_key {}: no private key read",
                text.display()
            ),
        ),
        (
            TlsConfig {
                client: Some((missing.clone(), text.clone())),
                ..TlsConfig::default()
            },
            format!(
                "http_output.client_cert {}: cannot read it",
                missing.display()
            ),
        ),
    ] {
        let e = HttpSink::new(&config(url.clone(), tls), true)
            .err()
            .unwrap();
        assert!(e.to_string().contains(&want), "{e}\nwanted: {want}");
    }
}
