//! TLS for `http_output` to an `https://` URL, with the settings Falco gives libcurl: the
//! server's certificate checked against the system's CAs (plus the PEM files of `ca_path`),
//! or against `ca_cert` / `ca_bundle` alone, or not at all (`insecure`), and with `mtls` a
//! client certificate presented. Every file is read when the outputs open, so a missing or
//! bad one stops the run before judging instead of failing each alert.
//!
//! A certificate given in those files is also trusted as the server's own, as OpenSSL trusts
//! it: a self-signed certificate made with `openssl req -x509` is a CA, which webpki alone
//! refuses as a server's (`CaUsedAsEndEntity`). Its name must still be the server's; its
//! dates webpki has checked before it finds it is a CA (an expired one is refused as
//! expired).

use std::path::Path;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{WebPkiSupportedAlgorithms, ring};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use super::TlsConfig;

/// The client configuration of `tls`; errors name the setting and the file.
pub(super) fn client_config(tls: &TlsConfig) -> Result<Arc<ClientConfig>, String> {
    let provider = Arc::new(ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("http_output: TLS: {e}"))?;
    let builder = match tls.insecure {
        true => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyServer(
                provider.signature_verification_algorithms,
            ))),
        false => {
            let (roots, given) = roots(tls)?;
            let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| format!("http_output: TLS: {e}"))?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(Trusted { webpki, given }))
        }
    };
    let config = match &tls.client {
        None => builder.with_no_client_auth(),
        Some((cert, key)) => {
            let chain = certificates(cert).map_err(|e| setting("client_cert", cert, &e))?;
            let key = PrivateKeyDer::from_pem_file(key).map_err(|e| {
                setting(
                    "client_key",
                    key,
                    &format!("no private key read ({e}): a PEM key is expected"),
                )
            })?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| format!("http_output.client_cert and client_key: {e}"))?
        }
    };
    Ok(Arc::new(config))
}

/// The CAs a server's certificate must chain to, and the certificates of those that the
/// settings name.
fn roots(tls: &TlsConfig) -> Result<(RootCertStore, Vec<CertificateDer<'static>>), String> {
    let mut store = RootCertStore::empty();
    let mut given = Vec::new();
    let mut add = |certs: Vec<CertificateDer<'static>>, named: bool| {
        if named {
            given.extend(certs.iter().cloned());
        }
        store.add_parsable_certificates(certs);
    };
    if let Some(file) = &tls.ca_cert {
        add(
            certificates(file).map_err(|e| setting("ca_cert", file, &e))?,
            true,
        );
    } else if let Some(file) = &tls.ca_bundle {
        add(
            certificates(file).map_err(|e| setting("ca_bundle", file, &e))?,
            true,
        );
    } else {
        // As libcurl: its default bundle (the system's), and the directory beside it.
        add(rustls_native_certs::load_native_certs().certs, false);
        if let Some(dir) = tls.ca_path.as_deref().filter(|d| d.is_dir()) {
            let entries = std::fs::read_dir(dir)
                .map_err(|e| setting("ca_path", dir, &format!("cannot list it: {e}")))?;
            for entry in entries.flatten() {
                // Files without a PEM certificate are skipped; c_rehash's hash links give
                // the same certificates again, which does no harm.
                if let Ok(certs) = certificates(&entry.path()) {
                    add(certs, true);
                }
            }
        }
    }
    if store.is_empty() {
        return Err(
            "http_output: no usable CA certificate (of ca_cert, ca_bundle, ca_path or the \
             system's) to check the server's with: install the system's CA certificates \
             (Debian: ca-certificates), or name the server's CA in http_output.ca_cert"
                .into(),
        );
    }
    Ok((store, given))
}

/// The certificates of a PEM file: at least one.
fn certificates(file: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs = CertificateDer::pem_file_iter(file)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| match e {
            rustls::pki_types::pem::Error::Io(e) => format!("cannot read it: {e}"),
            e => format!("not a PEM file ({e})"),
        })?;
    if certs.is_empty() {
        return Err("no PEM certificate (BEGIN CERTIFICATE) in it".into());
    }
    Ok(certs)
}

fn setting(key: &str, file: &Path, what: &str) -> String {
    format!("http_output.{key} {}: {what}", file.display())
}

/// The server's certificate checked by webpki against the roots, or else found among the
/// certificates the settings name (see the module docs).
#[derive(Debug)]
struct Trusted {
    webpki: Arc<WebPkiServerVerifier>,
    given: Vec<CertificateDer<'static>>,
}

impl ServerCertVerifier for Trusted {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let checked = self.webpki.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        );
        let pinned = || self.given.iter().any(|c| c.as_ref() == end_entity.as_ref());
        if matches!(&checked, Err(e) if ca_as_server(e)) && pinned() {
            let cert = ParsedCertificate::try_from(end_entity)?;
            rustls::client::verify_server_name(&cert, server_name)?;
            return Ok(ServerCertVerified::assertion());
        }
        checked
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}

/// `insecure: true`: any certificate is taken, as libcurl takes it without
/// `CURLOPT_SSL_VERIFYPEER`; the handshake's signatures are still checked.
#[derive(Debug)]
struct AnyServer(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for AnyServer {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

/// Whether webpki refused the server's certificate for being a CA's (`CaUsedAsEndEntity`,
/// which rustls passes on as an opaque error).
fn ca_as_server(e: &rustls::Error) -> bool {
    matches!(
        e,
        rustls::Error::InvalidCertificate(rustls::CertificateError::Other(o))
            if format!("{o:?}").contains("CaUsedAsEndEntity")
    )
}

/// An error of a connection, in words that say what to change where TLS's own do not;
/// `io_timeout` is how long a read or write may wait.
pub(super) fn describe(e: &std::io::Error, io_timeout: std::time::Duration) -> String {
    use rustls::{AlertDescription, CertificateError, Error};
    if matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    ) {
        return format!("no answer within {:?}", io_timeout);
    }
    let Some(e) = e.get_ref().and_then(|e| e.downcast_ref::<Error>()) else {
        return e.to_string();
    };
    match e {
        Error::InvalidCertificate(CertificateError::UnknownIssuer) => {
            "the server's certificate is not signed by a CA trusted here (name its CA in \
             http_output.ca_cert, or set insecure: true to take any)"
                .into()
        }
        Error::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
        ) => "the server's certificate is not for the URL's host".into(),
        Error::InvalidCertificate(
            CertificateError::Expired | CertificateError::ExpiredContext { .. },
        ) => "the server's certificate has expired".into(),
        Error::InvalidCertificate(
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. },
        ) => "the server's certificate is not valid yet (is this machine's clock right?)".into(),
        e if ca_as_server(e) => {
            "the server's certificate is a CA's (self-signed with `openssl req -x509`?): name \
             it in http_output.ca_cert to trust it as it is, or set insecure: true"
                .into()
        }
        Error::AlertReceived(AlertDescription::CertificateRequired) => {
            "the server asks for a client certificate (set http_output.mtls, client_cert \
             and client_key)"
                .into()
        }
        e => e.to_string(),
    }
}
