//! The outputs a falco.yaml enables (`stdout_output`, `syslog_output`, `file_output`,
//! `program_output`, `http_output`, with Falco's defaults), and those rtsec does not send to.

use std::path::PathBuf;

use serde_json::{Map, Value};

/// Where a falco.yaml sends alerts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputsConfig {
    /// `stdout_output.enabled`: as Falco reads it, false if the falco.yaml leaves it out (its
    /// default falco.yaml sets it true).
    pub stdout: bool,
    /// `syslog_output.enabled`: as `stdout`.
    pub syslog: bool,
    pub file: Option<FileConfig>,
    pub program: Option<ProgramConfig>,
    pub http: Option<HttpConfig>,
    /// Enabled outputs rtsec does not send to, each with what to do instead.
    pub not_sent: Vec<String>,
}

impl Default for OutputsConfig {
    fn default() -> Self {
        OutputsConfig {
            stdout: true,
            syslog: true,
            file: None,
            program: None,
            http: None,
            not_sent: Vec::new(),
        }
    }
}

/// `file_output`: alerts appended to a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileConfig {
    pub filename: PathBuf,
    /// Kept open; otherwise opened for each block's alerts (logrotate can move it between).
    pub keep_alive: bool,
}

/// `program_output`: alerts written to the standard input of a shell command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProgramConfig {
    pub program: String,
    /// One process for all alerts; otherwise one per alert, as Falco runs it.
    pub keep_alive: bool,
}

/// `http_output`: each alert POSTed to a URL (falcosidekick, a webhook).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpConfig {
    pub url: String,
    pub user_agent: String,
    /// One connection for all alerts; otherwise one per alert, as Falco does by default.
    pub keep_alive: bool,
    /// `echo`: the server's answers are printed on stdout, as libcurl prints them for Falco.
    pub echo: bool,
    /// `max_consecutive_timeouts`: how many times an alert that timed out is posted again
    /// (Falco's default: 5).
    pub max_consecutive_timeouts: u8,
    /// How an `https://` URL's server is checked, and how rtsec proves who it is.
    pub tls: TlsConfig,
}

/// Falco's default `http_output.max_consecutive_timeouts`.
pub const MAX_CONSECUTIVE_TIMEOUTS: u8 = 5;

impl HttpConfig {
    /// Posting to `url` with Falco's defaults.
    pub fn new(url: String) -> HttpConfig {
        HttpConfig {
            url,
            user_agent: "falcosecurity/falco".into(),
            keep_alive: false,
            echo: false,
            max_consecutive_timeouts: MAX_CONSECUTIVE_TIMEOUTS,
            tls: TlsConfig::default(),
        }
    }
}

/// `http_output`'s TLS settings, with Falco's defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsConfig {
    /// `insecure`: the server's certificate is not checked.
    pub insecure: bool,
    /// `ca_cert`: the CA certificates (PEM) that sign the server's, instead of the system's.
    pub ca_cert: Option<PathBuf>,
    /// `ca_bundle`: the same, if `ca_cert` is not set.
    pub ca_bundle: Option<PathBuf>,
    /// `ca_path`: a directory of PEM files trusted besides the system's CAs, if neither file
    /// is set (Falco's default `/etc/falco/certs/` need not exist).
    pub ca_path: Option<PathBuf>,
    /// `mtls` with `client_cert` and `client_key`: the certificate (PEM) and key rtsec
    /// presents to a server that asks for one.
    pub client: Option<(PathBuf, PathBuf)>,
}

impl Default for TlsConfig {
    fn default() -> Self {
        TlsConfig {
            insecure: false,
            ca_cert: None,
            ca_bundle: None,
            ca_path: Some(PathBuf::from("/etc/falco/certs/")),
            client: None,
        }
    }
}

impl OutputsConfig {
    /// Reads the outputs of a falco.yaml's top-level map; `bad(key, what)` makes the error of a
    /// key of the wrong shape.
    pub(crate) fn from_yaml<E>(
        root: &Map<String, Value>,
        bad: impl Fn(&str, String) -> E,
    ) -> Result<OutputsConfig, E> {
        let section = |key: &str| -> Result<Option<&Map<String, Value>>, E> {
            match root.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Object(m)) => Ok(Some(m)),
                Some(_) => Err(bad(key, "expected a map of settings".into())),
            }
        };
        let enabled = |key: &str, default: bool| -> Result<bool, E> {
            match section(key)?.and_then(|m| m.get("enabled")) {
                None => Ok(default),
                Some(v) => crate::falco_config::flag(v)
                    .ok_or_else(|| bad(&format!("{key}.enabled"), "expected true or false".into())),
            }
        };
        let text = |key: &str, field: &str| -> Result<Option<String>, E> {
            match section(key)?.and_then(|m| m.get(field)) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(bad(&format!("{key}.{field}"), "expected a string".into())),
            }
        };
        let switch = |key: &str, field: &str| -> Result<bool, E> {
            match section(key)?.and_then(|m| m.get(field)) {
                None | Some(Value::Null) => Ok(false),
                Some(v) => crate::falco_config::flag(v)
                    .ok_or_else(|| bad(&format!("{key}.{field}"), "expected true or false".into())),
            }
        };
        let keep_alive = |key: &str| switch(key, "keep_alive");
        // A count, read as Falco reads it (`std::stoi(...) & 0xFF`).
        let count = |key: &str, field: &str, default: u8| -> Result<u8, E> {
            let v = section(key)?.and_then(|m| m.get(field));
            let n = match v {
                None | Some(Value::Null) => return Ok(default),
                Some(Value::Number(n)) => n.as_i64(),
                Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
                Some(_) => None,
            };
            n.map(|n| (n & 0xFF) as u8)
                .ok_or_else(|| bad(&format!("{key}.{field}"), "expected a number".into()))
        };
        // A path setting; empty is unset, as in Falco's default falco.yaml.
        let path = |key: &str, field: &str| -> Result<Option<PathBuf>, E> {
            Ok(text(key, field)?
                .filter(|p| !p.is_empty())
                .map(PathBuf::from))
        };
        let mut c = OutputsConfig {
            stdout: enabled("stdout_output", false)?,
            syslog: enabled("syslog_output", false)?,
            ..Default::default()
        };
        if enabled("file_output", false)? {
            let filename = text("file_output", "filename")?
                .filter(|f| !f.is_empty())
                .ok_or_else(|| bad("file_output.filename", "enabled without a file".into()))?;
            c.file = Some(FileConfig {
                filename: PathBuf::from(filename),
                keep_alive: keep_alive("file_output")?,
            });
        }
        if enabled("program_output", false)? {
            let program = text("program_output", "program")?
                .filter(|p| !p.trim().is_empty())
                .ok_or_else(|| bad("program_output.program", "enabled without a program".into()))?;
            c.program = Some(ProgramConfig {
                program,
                keep_alive: keep_alive("program_output")?,
            });
        }
        if enabled("http_output", false)? {
            let url = text("http_output", "url")?
                .filter(|u| !u.is_empty())
                .ok_or_else(|| bad("http_output.url", "enabled without a url".into()))?;
            c.http = Some(HttpConfig {
                url,
                user_agent: text("http_output", "user_agent")?
                    .unwrap_or_else(|| "falcosecurity/falco".into()),
                keep_alive: keep_alive("http_output")?,
                echo: switch("http_output", "echo")?,
                max_consecutive_timeouts: count(
                    "http_output",
                    "max_consecutive_timeouts",
                    MAX_CONSECUTIVE_TIMEOUTS,
                )?,
                tls: TlsConfig {
                    insecure: switch("http_output", "insecure")?,
                    ca_cert: path("http_output", "ca_cert")?,
                    ca_bundle: path("http_output", "ca_bundle")?,
                    ca_path: match section("http_output")?
                        .is_some_and(|m| m.contains_key("ca_path"))
                    {
                        true => path("http_output", "ca_path")?,
                        false => TlsConfig::default().ca_path,
                    },
                    client: match switch("http_output", "mtls")? {
                        false => None,
                        true => Some((
                            path("http_output", "client_cert")?.unwrap_or_else(|| {
                                PathBuf::from("/etc/falco/certs/client/client.crt")
                            }),
                            path("http_output", "client_key")?.unwrap_or_else(|| {
                                PathBuf::from("/etc/falco/certs/client/client.key")
                            }),
                        )),
                    },
                },
            });
        }
        // `compress_uploads` needs nothing: in Falco it only asks the server to compress its
        // answers (libcurl's CURLOPT_TRANSFER_ENCODING); alerts are posted uncompressed there too.
        if enabled("grpc_output", false)? {
            c.not_sent.push(
                "grpc_output: alerts are not sent over gRPC (Falco deprecated it in 0.43 and \
                     dropped it in 0.44; use http_output)"
                    .into(),
            );
        }
        Ok(c)
    }
}
