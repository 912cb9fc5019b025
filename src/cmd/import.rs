//! `rtsec import FILE.scap [-o FILE.rts] [--force]`: turn a Falco/sysdig capture into a trace.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use rtsec_capture::import::{ImportOptions, ImportSummary, import};
use rtsec_format::KEPT_INCOMPLETE;

use crate::output::human_bytes;

/// Import a Falco/sysdig .scap capture (plain or gzip, old or new) into an .rts trace.
///
/// The capture's process, fd and user tables seed the same state engine live capture uses;
/// old event versions are upgraded and enter arguments merged into exit events as Falco's libs
/// do. Everything not imported is counted by reason, printed and stored in the trace (see
/// `rtsec inspect`). A damaged capture is imported up to the damage, then reported.
#[derive(clap::Args)]
pub struct Args {
    /// The capture to import; `-` reads it from standard input (then name the trace with -o).
    pub input: PathBuf,
    /// The trace to write (default: the input's name with .rts).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Replace the output if it exists.
    #[arg(long)]
    pub force: bool,
}

/// `x.scap` / `x.scap.gz` → `x.rts`.
fn default_output(input: &Path) -> PathBuf {
    let mut out = input.to_path_buf();
    if out.extension().is_some_and(|e| e == "gz") {
        out.set_extension("");
    }
    out.set_extension("rts");
    out
}

pub fn run(args: Args) -> Result<ExitCode> {
    // The import streams its input: standard input is read as it comes.
    let stdin = rtsec_replay::inputs::is_stdin(&args.input);
    if stdin && args.output.is_none() {
        bail!("-: a capture read from standard input has no name to take: name the trace with -o");
    }
    let input = match stdin {
        true => PathBuf::from("/dev/stdin"),
        false => args.input.clone(),
    };
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| default_output(&args.input));
    if output == args.input {
        bail!(
            "{}: the output would replace the input; name it with -o",
            args.input.display()
        );
    }
    crate::output::check_not_an_input(&output, "-o", [(args.input.as_path(), "capture")])?;
    if !stdin && rtsec_replay::inputs::is_trace_by_content(&args.input) {
        bail!(
            "{}: already an rtsec trace, not a .scap capture: replay, inspect and export read \
             it as it is",
            args.input.display()
        );
    }
    crate::output::check_output_file(&output, "trace", "trace.rts")?;
    let opts = ImportOptions {
        output,
        force: args.force,
        created_by: concat!("rtsec ", env!("CARGO_PKG_VERSION")).into(),
        input_name: stdin.then(|| "-".into()),
    };
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    });
    // Ctrl-C or SIGTERM before the import is done removes the trace: it would be a part of
    // the capture under the name of the whole (a capture's own traces are kept instead: there
    // every block written is a recording that exists nowhere else). Only a file this import
    // makes, or was told to replace: an existing one it refuses is the user's.
    if args.force || !opts.output.exists() {
        crate::signal_cleanup::remove_file_on_signal(&opts.output);
    }
    let before = FileVersion::of(&opts.output);
    let summary = import(&input, &opts, &mut |p| {
        if let Some(bar) = &bar {
            bar.set_length(p.total);
            bar.set_position(p.bytes);
            bar.set_message(format!("{} events", p.events_written));
        }
    });
    crate::signal_cleanup::keep_file_on_signal(&opts.output);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let summary = match summary {
        Ok(s) => s,
        // A write that failed (a full disk) leaves the blocks before it and no footer: the
        // capture is the whole of it, so the part goes, as an interrupted import's does. A
        // file this import did not touch (refused, another writer's, or never begun because
        // the capture could not be read) stays.
        Err(e) if FileVersion::of(&opts.output) != before && !refused(&e) => {
            let fate = match std::fs::remove_file(&opts.output) {
                Ok(()) => "was removed (the capture is unchanged)".to_string(),
                Err(r) => format!("could not be removed: {r}"),
            };
            bail!("{e}; the unfinished trace {} {fate}", opts.output.display());
        }
        Err(e) => return Err(e.into()),
    };
    print_summary(&summary);
    if let Some(damage) = &summary.damage {
        bail!(
            "{damage}; the {} events before it are in {}",
            summary.events_written,
            summary.output.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The identity and last change of a file, to tell whether an import began writing it.
#[derive(PartialEq)]
struct FileVersion(Option<(u64, u64, u64, i64, i64)>);

impl FileVersion {
    fn of(path: &Path) -> FileVersion {
        use std::os::unix::fs::MetadataExt;
        FileVersion(
            std::fs::metadata(path)
                .ok()
                .map(|m| (m.dev(), m.ino(), m.size(), m.mtime(), m.mtime_nsec())),
        )
    }
}

/// Errors by which the import refused its output before writing anything to it.
fn refused(e: &rtsec_capture::CaptureError) -> bool {
    use rtsec_format::FormatError;
    matches!(
        e,
        rtsec_capture::CaptureError::Format(FormatError::Exists { .. } | FormatError::Busy { .. })
    )
}

fn print_summary(s: &ImportSummary) {
    use crate::output::count;
    outln!(
        "{} → {}: {} read, {} written ({}, {}){}",
        s.input.display(),
        s.output.display(),
        count(s.events_read, "event", "events"),
        s.events_written,
        count(s.blocks, "block", "blocks"),
        human_bytes(s.trace_bytes),
        if s.compressed { ", input gzip" } else { "" },
    );
    outln!(
        "tables: {}, {} ({}), {}, {}, {}; {}",
        count(s.sections, "section", "sections"),
        count(s.seeded.processes, "process", "processes"),
        count(s.seeded.threads, "thread", "threads"),
        count(s.seeded.fds, "fd", "fds"),
        count(s.seeded.users, "user", "users"),
        count(s.seeded.groups, "group", "groups"),
        count(
            s.metadata_events,
            "container/user event",
            "container/user events"
        ),
    );
    let unknown = s.unknown_processes + s.state.placeholders;
    if unknown > 0 || s.state.unknown_fds > 0 {
        outln!(
            "state: {} first seen mid-capture, {} on fds the tables lacked",
            count(unknown, "process", "processes"),
            count(s.state.unknown_fds, "event", "events")
        );
    }
    let kept = |why: &str| why.starts_with(KEPT_INCOMPLETE);
    if s.skipped.iter().any(|(why, _)| !kept(why)) {
        outln!("not imported (stored in the trace, see rtsec inspect):");
        for (why, n) in s.skipped.iter().filter(|(why, _)| !kept(why)) {
            outln!("  {n:>9}  {why}");
        }
    }
    if s.skipped.iter().any(|(why, _)| kept(why)) {
        outln!("imported incomplete (what the capture lacked is left empty; stored in the trace):");
        for (why, n) in &s.skipped {
            if let Some(why) = why.strip_prefix(KEPT_INCOMPLETE) {
                outln!("  {n:>9}  {why}");
            }
        }
    }
}
