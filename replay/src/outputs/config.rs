//! The outputs a falco.yaml enables (`stdout_output`, `file_output`, `program_output`,
//! `http_output`, with Falco's defaults), and those rtsec does not send to.

use std::path::PathBuf;

use serde_json::{Map, Value};

/// Where a falco.yaml sends alerts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputsConfig {
    /// `stdout_output.enabled` (Falco's default: true).
    pub stdout: bool,
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
        let keep_alive = |key: &str| -> Result<bool, E> {
            match section(key)?.and_then(|m| m.get("keep_alive")) {
                None => Ok(false),
                Some(v) => crate::falco_config::flag(v).ok_or_else(|| {
                    bad(
                        &format!("{key}.keep_alive"),
                        "expected true or false".into(),
                    )
                }),
            }
        };
        let mut c = OutputsConfig {
            stdout: enabled("stdout_output", true)?,
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
            });
        }
        if c.http.is_some() {
            let on = |field: &str| {
                section("http_output")
                    .ok()
                    .flatten()
                    .and_then(|m| m.get(field))
                    .and_then(crate::falco_config::flag)
                    == Some(true)
            };
            if on("compress_uploads") {
                c.not_sent
                    .push("http_output.compress_uploads: alerts are posted uncompressed".into());
            }
            if on("echo") {
                c.not_sent
                    .push("http_output.echo: the server's answers are not printed".into());
            }
        }
        if enabled("syslog_output", true)? {
            c.not_sent.push(
                "syslog_output: alerts are not sent to syslog (pipe stdout to `logger -t falco`)"
                    .into(),
            );
        }
        if enabled("grpc_output", false)? {
            c.not_sent
                .push("grpc_output: alerts are not sent over gRPC (use http_output)".into());
        }
        Ok(c)
    }
}
