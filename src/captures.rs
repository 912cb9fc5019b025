//! Falco/sysdig captures named where traces are expected (`rtsec replay`, `export`, `events`,
//! `inspect`, `test`): each is imported once into a private temporary directory that lives as
//! long as the command (also when a signal ends it, see [`crate::signal_cleanup`]), so Falco's
//! own `.scap` files are judged as they are, without an `rtsec import` step.

use std::collections::HashMap;
use std::io::Read;
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
    created_by: String,
}

impl CaptureImports {
    /// `command` is the subcommand importing, recorded in each trace's header.
    pub fn new(command: &str) -> CaptureImports {
        CaptureImports {
            dir: OnceLock::new(),
            done: Mutex::new(HashMap::new()),
            created_by: format!("rtsec {} (rtsec {command})", env!("CARGO_PKG_VERSION")),
        }
    }

    /// The trace of `capture`, importing it on first use. Damage in the capture does not fail
    /// the import: the events before it are in the trace, whose losses say what was not
    /// imported, and the replay reports them.
    pub fn trace_of(&self, capture: &Path) -> Result<(PathBuf, Option<ImportSummary>), String> {
        // One import at a time: a second caller for the same capture waits for the first.
        let mut done = self
            .done
            .lock()
            .map_err(|_| "import lock poisoned".to_string())?;
        if let Some(p) = done.get(capture) {
            return Ok((p.clone(), None));
        }
        let dir = match self.dir.get() {
            Some(d) => d,
            None => {
                let d = tempfile::Builder::new()
                    .prefix("rtsec-import-")
                    .tempdir()
                    .map_err(|e| {
                        format!(
                            "cannot make a temporary directory in {} for the imported trace: \
                             {e}; set TMPDIR to a writable directory, or run `rtsec import` first",
                            std::env::temp_dir().display()
                        )
                    })?;
                crate::signal_cleanup::remove_dir_on_signal(d.path());
                self.dir.get_or_init(|| d)
            }
        };
        let out = dir.path().join(format!("{}.rts", done.len()));
        crate::signal_cleanup::remove_file_on_signal(&out);
        let opts = ImportOptions {
            output: out.clone(),
            force: true,
            created_by: self.created_by.clone(),
        };
        let summary = import(capture, &opts, &mut |_| {}).map_err(|e| e.to_string())?;
        done.insert(capture.to_path_buf(), out.clone());
        Ok((out, Some(summary)))
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
                if input.problem.is_some() || !is_capture(&input.path) {
                    return input;
                }
                let start = Instant::now();
                match self.trace_of(&input.path) {
                    Ok((trace, summary)) => {
                        if let Some(s) = summary {
                            eprintln!(
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
                        let pipe = std::fs::metadata(&input.path).is_ok_and(|m| !m.is_file());
                        let hint = if pipe {
                            " (a pipe is read as a .scap capture: an rtsec trace must be given \
                             as a file, it is read through its block index)"
                        } else {
                            ""
                        };
                        Input::with_problem(input.path, format!("cannot import: {e}{hint}"))
                    }
                }
            })
            .collect()
    }
}

/// Whether `path` is to be imported: not an rtsec trace, and named like a capture or starting
/// like one. A file that is neither stays an input, for the trace reader's clear error. A pipe
/// (`<(zcat x.scap.gz)`, `/dev/stdin`) is not looked into, which would eat its first bytes: it
/// can only be a capture, as traces are read through their block index.
fn is_capture(path: &Path) -> bool {
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => {}
        Ok(m) => return !m.is_dir(),
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
