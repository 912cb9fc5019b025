//! `program_output`: each alert written to the standard input of a shell command, as Falco
//! runs it (`sh -c PROGRAM`): one process per alert, or with `keep_alive` one for all.

use std::io::Write;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;

use super::{ProgramConfig, Sink, each_alert};

/// What the program's command gets before it starts (see [`prepare_programs_with`]).
static PREPARE: OnceLock<fn(&mut Command)> = OnceLock::new();

/// Has every `program_output` command go through `prepare` before it starts: the binary
/// gives it back the signals rtsec was started with ignored (a script's background job
/// ignores the terminal's Ctrl-C, and rtsec, which handles SIGINT, would otherwise start
/// the program with it at its default, ended by a Ctrl-C meant for the foreground job).
pub fn prepare_programs_with(prepare: fn(&mut Command)) {
    let _ = PREPARE.set(prepare);
}

pub(super) struct ProgramSink {
    program: String,
    keep_alive: bool,
    /// The process of `keep_alive`, and its input.
    running: Option<(Child, ChildStdin)>,
}

impl ProgramSink {
    pub fn new(config: &ProgramConfig) -> ProgramSink {
        ProgramSink {
            program: config.program.clone(),
            keep_alive: config.keep_alive,
            running: None,
        }
    }

    fn start(&self) -> Result<(Child, ChildStdin), String> {
        let mut cmd = Command::new("/bin/sh");
        cmd.arg("-c").arg(&self.program).stdin(Stdio::piped());
        if let Some(prepare) = PREPARE.get() {
            prepare(&mut cmd);
        }
        let mut child = cmd.spawn().map_err(|e| format!("cannot run it: {e}"))?;
        let stdin = child.stdin.take().ok_or("no standard input")?;
        Ok((child, stdin))
    }

    /// Runs the program for one alert and waits for it: an error if it fails.
    fn run_once(&self, alert: &[u8]) -> Result<(), String> {
        let (mut child, mut stdin) = self.start()?;
        let written = stdin.write_all(alert).and_then(|()| stdin.write_all(b"\n"));
        drop(stdin);
        let status = child.wait().map_err(|e| e.to_string())?;
        written.map_err(|e| format!("it did not read the alert: {e}"))?;
        match status.success() {
            true => Ok(()),
            false => Err(format!("it failed ({status})")),
        }
    }

    /// Writes `lines` to the running process, started first if need be.
    fn write_running(&mut self, lines: &[u8]) -> Result<(), String> {
        if self.running.is_none() {
            self.running = Some(self.start()?);
        }
        let (_, stdin) = self.running.as_mut().expect("started above");
        if let Err(e) = stdin.write_all(lines).and_then(|()| stdin.flush()) {
            // It ended: the next alerts start it again.
            if let Some((mut child, stdin)) = self.running.take() {
                drop(stdin);
                let _ = child.wait();
            }
            return Err(format!("it stopped reading alerts: {e}"));
        }
        Ok(())
    }
}

impl Sink for ProgramSink {
    fn send(&mut self, lines: &[u8]) -> (u64, Option<String>) {
        if self.keep_alive {
            let n = lines.iter().filter(|&&b| b == b'\n').count() as u64;
            return match self.write_running(lines) {
                Ok(()) => (n, None),
                Err(e) => (0, Some(e)),
            };
        }
        each_alert(lines, |alert| self.run_once(alert))
    }

    fn close(&mut self) -> Result<(), String> {
        let Some((mut child, stdin)) = self.running.take() else {
            return Ok(());
        };
        drop(stdin);
        let status = child.wait().map_err(|e| e.to_string())?;
        match status.success() {
            true => Ok(()),
            false => Err(format!("it failed ({status})")),
        }
    }
}
