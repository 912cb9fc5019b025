//! Falco/sysdig captures named where traces are expected (`rtsec replay`, `export`, `events`,
//! `inspect`, `test`): each is imported once into a private temporary directory that lives as
//! long as the command (also when a signal ends it, see [`crate::signal_cleanup`]), so Falco's
//! own `.scap` files are judged as they are, without an `rtsec import` step. Standard input
//! (`-`) and pipes are copied there first, trace or capture: a trace is read through its
//! block index, which needs a file.

use std::collections::HashMap;
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use rtsec_capture::import::{ImportOptions, ImportSummary, import};
use rtsec_format::TRACE_MAGIC;
use rtsec_replay::inputs::{self, Input};

use crate::output::human_bytes;

/// The first bytes of a capture: a pcapng section header block (scap files are pcapng-like),
/// or gzip's magic (`.scap.gz`).
const SECTION_HEADER_MAGIC: [u8; 4] = [0x0a, 0x0d, 0x0d, 0x0a];
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

pub struct CaptureImports {
    /// Made on the first import: most runs have none.
    dir: OnceLock<tempfile::TempDir>,
    /// Capture → its trace, so a capture named twice (or by two test cases) is imported once.
    done: Mutex<HashMap<PathBuf, PathBuf>>,
    /// Standard input or a pipe → the file it was copied into.
    spooled: Mutex<HashMap<PathBuf, PathBuf>>,
    created_by: String,
}

impl CaptureImports {
    /// `command` is the subcommand importing, recorded in each trace's header.
    pub fn new(command: &str) -> CaptureImports {
        CaptureImports {
            dir: OnceLock::new(),
            done: Mutex::new(HashMap::new()),
            spooled: Mutex::new(HashMap::new()),
            created_by: format!("rtsec {} (rtsec {command})", env!("CARGO_PKG_VERSION")),
        }
    }

    /// The trace of `capture`, importing it on first use. Damage in the capture does not fail
    /// the import: the events before it are in the trace, whose losses say what was not
    /// imported, and the replay reports them.
    pub fn trace_of(&self, capture: &Path) -> Result<(PathBuf, Option<ImportSummary>), String> {
        self.trace_named(capture, None)
    }

    /// [`CaptureImports::trace_of`], the capture called `name` in messages and the trace.
    fn trace_named(
        &self,
        capture: &Path,
        name: Option<String>,
    ) -> Result<(PathBuf, Option<ImportSummary>), String> {
        // One import at a time: a second caller for the same capture waits for the first.
        let mut done = self
            .done
            .lock()
            .map_err(|_| "import lock poisoned".to_string())?;
        if let Some(p) = done.get(capture) {
            return Ok((p.clone(), None));
        }
        let dir = self.dir()?;
        let out = dir.join(format!("{}.rts", done.len()));
        crate::signal_cleanup::remove_file_on_signal(&out);
        let opts = ImportOptions {
            output: out.clone(),
            force: true,
            created_by: self.created_by.clone(),
            input_name: name,
        };
        let summary = import(capture, &opts, &mut |_| {}).map_err(|e| e.to_string())?;
        done.insert(capture.to_path_buf(), out.clone());
        Ok((out, Some(summary)))
    }

    /// The private temporary directory, made on first use.
    fn dir(&self) -> Result<&Path, String> {
        if let Some(d) = self.dir.get() {
            return Ok(d.path());
        }
        let d = tempfile::Builder::new()
            .prefix("rtsec-import-")
            .tempdir()
            .map_err(|e| {
                format!(
                    "cannot make a temporary directory in {}: {e}; set TMPDIR to a writable \
                     directory, or save the input to a file (`rtsec import` for a capture) first",
                    std::env::temp_dir().display()
                )
            })?;
        crate::signal_cleanup::remove_dir_on_signal(d.path());
        Ok(self.dir.get_or_init(|| d).path())
    }

    /// Standard input (`-`) or a pipe (`<(ssh host cat t.rts)`), copied into the temporary
    /// directory: a trace is read through its block index, in parallel, which needs a file.
    /// Copied once however often it is named (a second read would find it empty).
    fn spool(&self, stream: &Path) -> Result<PathBuf, String> {
        let mut spooled = self
            .spooled
            .lock()
            .map_err(|_| "spool lock poisoned".to_string())?;
        if let Some(p) = spooled.get(stream) {
            return Ok(p.clone());
        }
        let stdin = inputs::is_stdin(stream);
        if stdin && std::io::stdin().is_terminal() {
            return Err(
                "- reads a trace or capture from standard input, which is a terminal \
                        here: pipe one in (`ssh host cat t.rts | rtsec replay -`)"
                    .into(),
            );
        }
        let dir = self.dir()?;
        let out = dir.join(format!("stdin-{}", spooled.len()));
        crate::signal_cleanup::remove_file_on_signal(&out);
        let copy = || -> std::io::Result<u64> {
            let mut file = std::fs::File::create(&out)?;
            let n = match stdin {
                true => std::io::copy(&mut std::io::stdin().lock(), &mut file)?,
                false => std::io::copy(&mut std::fs::File::open(stream)?, &mut file)?,
            };
            Ok(n)
        };
        match copy() {
            Ok(0) => Err("nothing to read: the input is empty".into()),
            Ok(_) => {
                spooled.insert(stream.to_path_buf(), out.clone());
                Ok(out)
            }
            Err(e) => {
                let _ = std::fs::remove_file(&out);
                Err(format!(
                    "cannot copy it into {} to read it: {e}; set TMPDIR to a directory with room, \
                     or save it to a file first",
                    dir.display()
                ))
            }
        }
    }

    /// The trace to read for `path`: itself, or for a capture the trace imported from it (the
    /// import reported on stderr, as in [`CaptureImports::resolve`]).
    pub fn trace_for(&self, path: &Path) -> anyhow::Result<PathBuf> {
        let input = self.resolve(vec![Input::new(path)]).remove(0);
        match input.problem {
            Some(p) => anyhow::bail!("{}: {p}", path.display()),
            None => Ok(input.path),
        }
    }

    /// `inputs` with every capture among them (by name or by its first bytes) replaced by its
    /// imported trace; one that cannot be imported becomes an input with that problem. A line
    /// per import goes to stderr: imports take time, and the summary then names the capture.
    pub fn resolve(&self, inputs: Vec<Input>) -> Vec<Input> {
        inputs
            .into_iter()
            .map(|input| {
                if input.problem.is_some() {
                    return input;
                }
                let start = Instant::now();
                let spooled = match is_stream(&input.path) {
                    false => None,
                    true => match self.spool(&input.path) {
                        Ok(p) => Some(p),
                        Err(e) => return Input::with_problem(input.path, e),
                    },
                };
                let file = spooled.as_deref().unwrap_or(&input.path);
                if !is_capture(file) {
                    return match spooled {
                        Some(p) if inputs::is_trace_by_content(&p) => {
                            Input::imported(p, input.path)
                        }
                        Some(_) => Input::with_problem(
                            input.path,
                            "neither an rtsec trace nor a Falco/sysdig capture (plain or gzip): \
                             its first bytes are neither's",
                        ),
                        None => input,
                    };
                }
                let name = spooled.as_ref().map(|_| input.path.display().to_string());
                match self.trace_named(file, name) {
                    Ok((trace, summary)) => {
                        if let Some(s) = summary {
                            eoutln!(
                                "rtsec: imported {}: {} events ({} as a trace) in {:.2} s",
                                input.path.display(),
                                s.events_written,
                                human_bytes(s.trace_bytes),
                                start.elapsed().as_secs_f64()
                            );
                        }
                        Input::imported(trace, input.path)
                    }
                    Err(e) => {
                        // Name the input as given, not the copy of a stream.
                        let e = e.replace(
                            &file.display().to_string(),
                            &input.path.display().to_string(),
                        );
                        // A write to the temporary trace failed (a full disk).
                        let in_tmp = self
                            .dir
                            .get()
                            .is_some_and(|d| e.contains(&d.path().display().to_string()));
                        Input::with_problem(
                            input.path,
                            format!(
                                "cannot import: {e}{}",
                                match in_tmp {
                                    true =>
                                        "; the capture is imported into a temporary trace \
                                             there: set TMPDIR to a directory with room, or \
                                             `rtsec import` it first",
                                    false => "",
                                }
                            ),
                        )
                    }
                }
            })
            .collect()
    }
}

/// Whether `path` is standard input (`-`, unless a file has that name) or a pipe, FIFO or
/// device rather than a file: it can be read only once, from the start.
fn is_stream(path: &Path) -> bool {
    match std::fs::metadata(path) {
        Ok(m) => !m.is_file() && !m.is_dir(),
        Err(_) => inputs::is_stdin(path),
    }
}

/// Whether the file `path` is to be imported: not an rtsec trace, and named like a capture or
/// starting like one. A file that is neither stays an input, for the trace reader's clear
/// error.
fn is_capture(path: &Path) -> bool {
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => {}
        Ok(_) => return false,
        Err(_) => return inputs::is_capture_name(path),
    }
    let mut head = [0u8; 8];
    let got = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    let head = &head[..got];
    if head.starts_with(&TRACE_MAGIC) {
        return false;
    }
    inputs::is_capture_name(path)
        || head.starts_with(&SECTION_HEADER_MAGIC)
        || head.starts_with(&GZIP_MAGIC)
}
