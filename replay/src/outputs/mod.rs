//! Falco's alert outputs, as a falco.yaml configures them (`rtsec replay -c falco.yaml
//! --falco-outputs`): each alert line also goes to `syslog_output`, `file_output`,
//! `program_output` and `http_output`, in the format of the alerts printed (Falco's text or
//! JSON).
//!
//! Outputs are fed in order, from the thread that writes the alerts: a slow output slows the
//! replay down rather than dropping alerts (Falco drops them once its queue is full). An
//! alert an output could not take is counted, the first failure is printed at once, and the
//! summary reports every output's counts.

mod config;
mod file;
mod http;
mod program;
mod syslog;
mod tls;

#[cfg(test)]
mod https_tests;

use std::fmt::Write as _;

pub use config::{FileConfig, HttpConfig, OutputsConfig, ProgramConfig, TlsConfig};
pub use program::prepare_programs_with;

use crate::error::ReplayError;
use crate::summary::group;

/// What one output was given and could not take.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutputReport {
    /// `file_output /var/log/falco.txt`, `http_output http://…`, ….
    pub name: String,
    pub sent: u64,
    pub failed: u64,
    pub first_error: Option<String>,
}

/// A place alerts go.
trait Sink {
    /// Takes `lines` (alerts, each ending in `\n`): how many it took, and the error that
    /// stopped the others, if any.
    fn send(&mut self, lines: &[u8]) -> (u64, Option<String>);
    /// Flushes and closes: an error if what was taken could not be delivered.
    fn close(&mut self) -> Result<(), String>;
}

/// The outputs of a falco.yaml beside stdout.
pub struct Outputs {
    sinks: Vec<(Box<dyn Sink>, OutputReport)>,
    /// Enabled outputs that could not be opened and are left out, each with why.
    pub left_out: Vec<String>,
}

impl Outputs {
    /// Opens the outputs `config` enables; `json` is whether alerts are Falco's JSON (the
    /// HTTP content type).
    pub fn open(config: &OutputsConfig, json: bool) -> Result<Outputs, ReplayError> {
        let mut sinks: Vec<(Box<dyn Sink>, OutputReport)> = Vec::new();
        let mut left_out = Vec::new();
        let report = |name: String| OutputReport {
            name,
            ..Default::default()
        };
        if config.syslog {
            // On in Falco's default config, and many hosts and most containers run no syslog
            // daemon: that leaves it out with a note rather than failing every alert.
            match syslog::SyslogSink::open(std::path::Path::new(syslog::SOCKET), json) {
                Ok(sink) => sinks.push((Box::new(sink), report("syslog_output".into()))),
                Err(why) => left_out.push(format!(
                    "syslog_output: {why}: alerts are not sent to syslog"
                )),
            }
        }
        if let Some(f) = &config.file {
            let sink = file::FileSink::open(f)?;
            sinks.push((
                Box::new(sink),
                report(format!("file_output {}", f.filename.display())),
            ));
        }
        if let Some(p) = &config.program {
            sinks.push((
                Box::new(program::ProgramSink::new(p)),
                report(format!("program_output `{}`", p.program)),
            ));
        }
        if let Some(h) = &config.http {
            let sink = http::HttpSink::new(h, json)?;
            let url = http::redact(&h.url);
            sinks.push((Box::new(sink), report(format!("http_output {url}"))));
        }
        Ok(Outputs { sinks, left_out })
    }

    /// Sends `lines` (alerts, each ending in `\n`) to every output.
    pub fn send(&mut self, lines: &[u8]) {
        if lines.is_empty() {
            return;
        }
        let alerts = lines.iter().filter(|&&b| b == b'\n').count() as u64;
        for (sink, report) in &mut self.sinks {
            let (taken, error) = sink.send(lines);
            report.sent += taken;
            report.failed += alerts - taken;
            if let Some(e) = error
                && report.first_error.is_none()
            {
                // Never a panic where stderr cannot be written (eprintln! would).
                let _ = std::io::Write::write_fmt(
                    &mut std::io::stderr(),
                    format_args!(
                        "rtsec: {}: {e} (alerts it cannot take are counted in the summary)\n",
                        report.name
                    ),
                );
                report.first_error = Some(e);
            }
        }
    }

    /// What each output has taken and could not, so far.
    pub fn reports(&self) -> Vec<OutputReport> {
        self.sinks.iter().map(|(_, r)| r.clone()).collect()
    }

    /// Closes every output: what each took and could not.
    pub fn finish(mut self) -> Vec<OutputReport> {
        for (sink, report) in &mut self.sinks {
            if let Err(e) = sink.close() {
                report.first_error.get_or_insert(e);
                if report.failed == 0 {
                    report.failed = 1;
                }
            }
        }
        self.sinks.into_iter().map(|(_, r)| r).collect()
    }
}

/// The summary's lines about the outputs.
pub fn render(reports: &[OutputReport]) -> String {
    let mut s = String::new();
    for r in reports {
        let _ = write!(s, "Output {}: {} alerts", r.name, group(r.sent));
        if r.failed > 0 {
            let _ = write!(
                s,
                ", FAILED {} ({})",
                group(r.failed),
                r.first_error.as_deref().unwrap_or("")
            );
        }
        s.push('\n');
    }
    s
}

/// Gives `send` each alert of `lines` in turn: how many it took, and its first error.
fn each_alert(
    lines: &[u8],
    mut send: impl FnMut(&[u8]) -> Result<(), String>,
) -> (u64, Option<String>) {
    let mut taken = 0;
    let mut error = None;
    for alert in alerts(lines) {
        match send(alert) {
            Ok(()) => taken += 1,
            Err(e) => {
                error.get_or_insert(e);
            }
        }
    }
    (taken, error)
}

/// Splits `lines` into alerts without their `\n`.
fn alerts(lines: &[u8]) -> impl Iterator<Item = &[u8]> {
    lines
        .split_inclusive(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\n").unwrap_or(l))
}
