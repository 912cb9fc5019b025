//! `rtsec replay [--rules F]... TRACE|DIR...`: Falco verdicts over recorded traces, in parallel.

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use rtsec_replay::outputs::Outputs;
use rtsec_replay::summary::{group, human_rate};
use rtsec_replay::{LineFormat, Produce, ReplayError, ReplayOptions, inputs};

use super::parquet_out::{ParquetOut, Rows, SharedParquet};
use crate::captures::CaptureImports;
use crate::progress::BlocksBar;
use crate::rule_selection::{self, SelectionArgs};
use crate::window_args::WindowArgs;

mod drops;
pub(crate) mod follow;
pub(crate) mod listen;

/// Judge traces against Falco rules: alerts on stdout, a summary on stderr.
///
/// Blocks of all traces are judged in parallel; the output order (input order, then event
/// order) and bytes are the same for every -j. Directories are searched for *.rts, *.scap and
/// *.scap.gz; captures are imported into a temporary trace first (as `rtsec import` would).
///
/// With --follow, one trace is judged while it is written, as `tail -f` follows a log: what is
/// in it, then each block as the writer adds it (`rtsec capture` adds one at least every
/// second), alerts flushed block by block, until the writer finishes the trace or Ctrl-C
/// (the summary then says how far it got).
///
/// Exit codes: 0 every trace judged whole; 1 an input could not be judged (missing, not a
/// trace, unreadable) or another error; 3 judged, but a trace is incomplete (kernel drops,
/// skipped records, truncated or damaged file): the verdict may miss what was lost; 130
/// interrupted by Ctrl-C (143 SIGTERM): the summary says how far it got, --parquet is not
/// kept, and a second Ctrl-C ends it at once.
#[derive(clap::Args)]
pub struct Args {
    /// Traces (.rts), Falco/sysdig captures (.scap, .scap.gz: imported for the run) or
    /// directories of them, judged in the order given; `-` reads one from standard input
    /// (`ssh host cat t.rts | rtsec replay -`), copied into a temporary file first
    /// [default with --falco-config: its `engine.replay.capture_file`, if its `engine.kind`
    /// is `replay`].
    #[arg(required_unless_present = "falco_config", value_name = "TRACE|DIR")]
    pub traces: Vec<PathBuf>,
    /// Rules file or directory (its *.yaml and *.yml files, sorted, as with `falco -r`),
    /// repeatable, loaded in order (default: the --falco-config's `rules_files`, else the
    /// bundled rules; `<bundled>` names them, e.g. before a file that extends their lists).
    #[arg(long = "rules", short = 'r', value_name = "FILE|DIR")]
    pub rules: Vec<PathBuf>,
    /// Alert format on stdout: Falco's text line or Falco's JSON (one object per line)
    /// [default: text, or json with a --falco-config whose `json_output` is true].
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Also write every hit as a row of this Parquet file (zstd).
    #[arg(long, value_name = "FILE")]
    pub parquet: Option<PathBuf>,
    /// With --follow: write the hits as a series of Parquet files, one per DURATION of the
    /// trace's time (`STEM-20261130T104400.123Z.parquet` beside --parquet's name, the time of
    /// its first block with hits), each readable as soon as its interval is over.
    #[arg(long, value_name = "DURATION", value_parser = crate::cmd::capture::parse_duration,
          requires_all = ["follow", "parquet"])]
    pub parquet_every: Option<std::time::Duration>,
    /// Replace the Parquet file if it exists.
    #[arg(long)]
    pub force: bool,
    /// Judge as the Falco with this configuration (falco.yaml) would: its `rules_files`,
    /// `priority`, `rule_matching`, `rules:` enable/disable commands, `json_output`,
    /// `time_format_iso_8601`, `json_include_*_property`, `buffer_format_base64`,
    /// `append_output`, `static_fields`, `syscall_event_drops` (with --drop-alerts) and
    /// (without TRACE) `engine.replay.capture_file`, with the files its `config_files` names.
    /// Options given here win over the file; settings that would change alerts but are not
    /// applied, and keys Falco does not know, are named on stderr.
    #[arg(short = 'c', long = "falco-config", value_name = "FALCO_YAML")]
    pub falco_config: Option<PathBuf>,
    #[command(flatten)]
    pub falco_options: crate::rule_selection::FalcoOptions,
    /// Print data buffers (`%evt.buffer`, `%evt.arg.data`, `%evt.args`) in base64, as
    /// `falco -b` does (`-o buffer_format_base64=true`); otherwise bytes that are not
    /// printable show as `.`.
    #[arg(short = 'b', long = "print-base64")]
    pub print_base64: bool,
    /// Also send every alert to the outputs the --falco-config enables, as that Falco would:
    /// `syslog_output` (if a syslog daemon listens), `file_output`, `program_output` and
    /// `http_output` (HTTP, or HTTPS with its TLS settings), in the format of the alerts;
    /// alerts are printed only if `stdout_output.enabled` is true (left out: false, as in
    /// Falco). A slow output slows the replay (alerts are
    /// never dropped); alerts an output could not take are counted (exit 1).
    #[arg(long, requires = "falco_config")]
    pub falco_outputs: bool,
    /// Also write Falco's "Falco internal: syscall event drop" alert (priority Debug) where a
    /// trace recorded kernel drops, as a live Falco does under its `syscall_event_drops`
    /// settings: those of --falco-config and -o, else Falco's (an alert when more than 10 %
    /// of a second's events were dropped, one at most every 30 s of the trace's time). It
    /// comes after the alerts of the block whose drops it counts, in the alert format, to
    /// --falco-outputs too. Falco reading a capture file writes none.
    #[arg(long)]
    pub drop_alerts: bool,
    #[command(flatten)]
    pub selection: SelectionArgs,
    #[command(flatten)]
    pub window: WindowArgs,
    /// Worker threads (default, or 0: all cores).
    #[arg(short = 'j', long = "jobs", value_name = "N", value_parser = crate::cmd::parse_jobs)]
    pub jobs: Option<usize>,
    /// Print no alerts (the summary and --parquet still are).
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Detailed summary: every trace (past 20, those judged whole are otherwise counted
    /// together), blocks, decode and rule time.
    #[arg(long)]
    pub stats: bool,
    /// Follow one trace while it is written (it need not exist yet): judge what is there,
    /// then each new block, until its writer finishes it (or dies: it holds a lock on the
    /// file) or Ctrl-C. A directory: its traces one after the other, as a capture with
    /// --rotate-every writes them, until the capture it saw at work stops. --parquet is
    /// readable once the follow ends, unless --parquet-every writes a series of files.
    #[arg(long, short = 'f')]
    pub follow: bool,
    /// With --follow: keep where the follow got to in this file, updated after each block's
    /// alerts are written, and take up from there when started again (after a restart,
    /// an upgrade, a crash): what was written meanwhile is judged, nothing twice.
    #[arg(long, value_name = "FILE", requires = "follow")]
    pub state: Option<PathBuf>,
    /// Serve Prometheus metrics at http://ADDR/metrics (events, blocks, alerts by rule and
    /// priority, losses and damage recorded in the traces, lag behind the writer, what each
    /// --falco-outputs output took and failed) and a health check at /healthz while the run
    /// lasts: for a follower run as a service. ADDR is HOST:PORT (port 0 picks one).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

pub fn run(mut args: Args) -> Result<ExitCode> {
    rtsec_replay::keep_freed_memory();
    if args.state.is_some() && args.parquet.is_some() && args.parquet_every.is_none() {
        anyhow::bail!(
            "--state with --parquet needs --parquet-every: a restarted follower then adds \
             files beside those of the runs before, instead of replacing their one file"
        );
    }
    if args.state.is_some() && args.window.until.is_some() {
        anyhow::bail!(
            "--state with --until: the block that passes --until would be saved as judged \
             though its later events were not; a follow with --state runs until stopped"
        );
    }
    if args.print_base64 {
        args.falco_options
            .options
            .push("buffer_format_base64=true".into());
    }
    let config = rule_selection::config(args.falco_config.as_deref(), &args.falco_options.options)?;
    if args.traces.is_empty() {
        // As `falco -c falco.yaml` with `engine.kind: replay` reads its capture file.
        match &config.capture_file {
            Some(file) => args.traces.push(file.clone()),
            None => anyhow::bail!(
                "no trace to judge: name traces, or use a falco.yaml whose `engine.kind` is \
                 `replay` with an `engine.replay.capture_file`"
            ),
        }
    }
    super::check_outputs_not_read(
        &[
            ("--parquet", args.parquet.as_deref()),
            ("--state", args.state.as_deref()),
        ],
        &args.traces,
        &args.rules,
        args.falco_config.as_deref(),
    )?;
    let metrics = listen::start(args.listen.as_deref(), args.follow)?;
    let started = match args.follow {
        true => match follow::start(&args.traces, args.state.as_deref())? {
            Some(f) => Some(f),
            // Stopped before the trace had a header.
            None => return Ok(ExitCode::from(rtsec_replay::EXIT_FAILED)),
        },
        false => None,
    };
    let imports = CaptureImports::new("replay");
    let (inputs, engine) = match &started {
        // A followed directory is one input; the rules take DNS answers from its first trace.
        Some(s) => (
            vec![s.input.clone()],
            rule_selection::engine(
                &args.rules,
                &config,
                &args.selection,
                &[inputs::Input::new(&s.first)],
            )?,
        ),
        None => {
            let inputs = imports.resolve(crate::cmd::trace_inputs(&args.traces));
            let engine = rule_selection::engine(&args.rules, &config, &args.selection, &inputs)?;
            (inputs, engine)
        }
    };
    let follow = started.map(|s| s.follow);
    let state_file = follow.as_ref().and_then(|f| f.state.clone());
    let parquet = match &args.parquet {
        Some(p) => Some(ParquetOut::create(
            p,
            Rows::Hits,
            args.parquet_every,
            args.force,
        )?),
        None => None,
    };
    let parquet = SharedParquet::new(parquet);
    let format = match args.format {
        Some(Format::Text) => LineFormat::Text,
        Some(Format::Json) => LineFormat::Json,
        None if config.json_output == Some(true) => LineFormat::Json,
        None => LineFormat::Text,
    };
    let mut outputs = match args.falco_outputs {
        true => {
            // The signals rtsec started with ignored (known once its handlers are in) are
            // ignored by `program_output`'s commands too, as by a capture's command.
            crate::interrupt::stop_flag();
            rtsec_replay::outputs::prepare_programs_with(crate::interrupt::pass_ignored_to);
            let outputs = Outputs::open(&config.outputs, format == LineFormat::Json)?;
            for n in config.outputs.not_sent.iter().chain(&outputs.left_out) {
                eoutln!("rtsec: note: {}: {n}", config.path.display());
            }
            Some(outputs)
        }
        false => None,
    };
    let print = !args.quiet && (outputs.is_none() || config.outputs.stdout);
    let mut drop_alerts = args.drop_alerts.then(|| drops::start(&config, format));
    let mut drop_lines = Vec::new();
    let opts = ReplayOptions {
        threads: super::worker_threads(args.jobs),
        max_in_flight: 0,
        max_waiting_bytes: 0,
        piece_bytes: 0,
        produce: Produce {
            lines: (print || outputs.is_some()).then_some(format),
            parquet: args.parquet.is_some(),
            collect: false,
        },
        window: args.window.window()?,
        follow: follow.clone(),
        // From here on, Ctrl-C ends the run with a summary of what was judged (a follow
        // installed it when it began).
        stop: follow.is_none().then(crate::interrupt::stop_flag),
    };
    // Alerts stream when following: a bar would be redrawn between them.
    let bar = if follow.is_some() {
        BlocksBar::hidden()
    } else {
        BlocksBar::new()
    };
    let mut losses = follow::LossWatch::default();
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let result = rtsec_replay::replay(
        &engine,
        &inputs,
        &opts,
        &mut |mut r| {
            // Those due before the block's alerts (see `drop_alerts`).
            if let Some(d) = drop_alerts.as_mut() {
                drop_lines.clear();
                d.block(&r, &mut drop_lines);
                drops::write(&drop_lines, print, &mut out, outputs.as_mut())?;
            }
            if print && !r.lines.is_empty() {
                out.write_all(&r.lines)
                    .map_err(|e| ReplayError::Output(format!("stdout: {e}")))?;
            }
            if let Some(o) = outputs.as_mut() {
                o.send(&r.lines);
            }
            if let Some(m) = &metrics {
                m.block(&r, Some(&engine));
                if let Some(o) = &outputs {
                    m.outputs(&o.reports());
                }
            }
            parquet.write(&mut r)?;
            if follow.is_some() && !r.piece {
                out.flush()
                    .map_err(|e| ReplayError::Output(format!("stdout: {e}")))?;
                losses.block(&r, &inputs[0]);
            }
            // The block's alerts are out: a restarted follower takes up after it.
            if let (Some(file), Some(s)) = (&state_file, &r.follow_state) {
                file.save(s)?;
            }
            Ok(())
        },
        &mut |p| {
            parquet.progress(p);
            if let (Some(m), true) = (&metrics, p.idle) {
                m.caught_up();
            }
            bar.update(p, |p, secs| {
                format!(
                    "{} blocks, {} events ({}/s), {} hits",
                    group(p.blocks),
                    group(p.events),
                    human_rate(p.events as f64 / secs),
                    group(p.hits)
                )
            })
        },
    );
    bar.finish();
    if let Some(d) = drop_alerts.as_mut() {
        drop_lines.clear();
        d.finish(&mut drop_lines);
        if let Err(e) = drops::write(&drop_lines, print, &mut out, outputs.as_mut()) {
            eoutln!("rtsec: {e}");
        }
    }
    let flushed = out.flush();
    drop(out);
    let base = args.parquet.clone().unwrap_or_default();
    let (result, parquet_line) = parquet.finish(&base, result);
    let output_reports = outputs.map(Outputs::finish).unwrap_or_default();
    let summary = match result {
        Ok(s) => s,
        Err(ReplayError::Output(m)) if m.contains("Broken pipe") => {
            return Ok(ExitCode::SUCCESS);
        }
        Err(e) => return Err(e.into()),
    };
    if let Err(e) = flushed
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(e).context("stdout");
    }
    let mut text = summary.render(args.stats);
    // The verdicts stand without the Parquet file: its failure comes after them.
    let parquet_line = parquet_line.inspect_err(|_| eout!("{text}"))?;
    text.push_str(&parquet_line);
    text.push_str(&rtsec_replay::outputs::render(&output_reports));
    if let Some(d) = &drop_alerts {
        text.push_str(&drops::summary_line(d.counts()));
    }
    eout!("{text}");
    if output_reports.iter().any(|r| r.failed > 0) {
        return Ok(ExitCode::from(rtsec_replay::EXIT_FAILED));
    }
    Ok(ExitCode::from(crate::interrupt::exit_code(
        &summary,
        summary.exit_code(),
    )))
}
