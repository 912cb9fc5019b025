//! `rtsec export TRACE... -o events.parquet`: every event with its resolved fields, for SQL
//! engines.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};
use rtsec_replay::ReplayOptions;
use rtsec_replay::export::{export_blocks, schema_table};
use rtsec_replay::summary::group;

use super::parquet_out::{ParquetOut, Rows, SharedParquet};
use crate::captures::CaptureImports;
use crate::progress::BlocksBar;
use crate::window_args::WindowArgs;

/// Export every event of traces to Parquet (one row per event, one column per resolved field:
/// process, user, fd, container…), for DuckDB, Spark, Trino and friends.
///
/// `--schema` prints the columns. With --follow, one trace (or a rotating capture's
/// directory) is exported while it is written, and with --every its events go to a series of
/// files, each readable once its interval is over: a live event lake. Exit codes as for
/// `rtsec replay`.
#[derive(clap::Args)]
pub struct Args {
    /// Traces (.rts), Falco/sysdig captures (.scap, .scap.gz: imported for the run) or
    /// directories of them, exported in the order given.
    #[arg(value_name = "TRACE|DIR", required_unless_present = "schema")]
    pub traces: Vec<PathBuf>,
    /// The Parquet file to write.
    #[arg(short, long, value_name = "FILE", required_unless_present = "schema")]
    pub output: Option<PathBuf>,
    /// Replace the output if it exists.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub window: WindowArgs,
    /// Worker threads (default, or 0: all cores).
    #[arg(short = 'j', long = "jobs", value_name = "N", value_parser = crate::cmd::parse_jobs)]
    pub jobs: Option<usize>,
    /// Print the schema (column, type, Falco field) and exit.
    #[arg(long)]
    pub schema: bool,
    /// Export one trace while it is written, until its writer finishes it (or dies) or
    /// Ctrl-C; a directory: its traces one after the other, as `rtsec capture
    /// --rotate-every` writes them, until the capture it saw at work stops (as `rtsec replay
    /// --follow`).
    #[arg(long, short = 'f')]
    pub follow: bool,
    /// With --follow: write a series of Parquet files, one per DURATION of the trace's time
    /// (`STEM-20261130T104400.123Z.parquet` beside -o's name), each readable as soon as its
    /// interval is over.
    #[arg(long, value_name = "DURATION", value_parser = crate::cmd::capture::parse_duration,
          requires = "follow")]
    pub every: Option<std::time::Duration>,
    /// With --every: keep where the export got to in this file, saved once a file with the
    /// rows of its blocks is finished, and take up from there when started again: every
    /// event in a finished file once, whatever stopped the export.
    #[arg(long, value_name = "FILE", requires = "every")]
    pub state: Option<PathBuf>,
    /// Serve Prometheus metrics at http://ADDR/metrics (events, blocks, losses and damage
    /// recorded in the traces, lag behind the writer) and a health check at /healthz while
    /// the export lasts, as `rtsec replay --listen`. ADDR is HOST:PORT or :PORT.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Detailed summary: every trace (past 20, those read whole are otherwise counted
    /// together), blocks, decode time.
    #[arg(long)]
    pub stats: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    rtsec_replay::keep_freed_memory();
    if args.schema {
        let w = schema_table()
            .iter()
            .map(|(c, ..)| c.len())
            .max()
            .unwrap_or(0);
        for (col, ty, what) in schema_table() {
            outln!("{col:<w$}  {ty:<18}  {what}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let Some(output) = args.output else {
        bail!("name the Parquet file to write with -o");
    };
    super::check_outputs_not_read(
        &[("-o", Some(&output)), ("--state", args.state.as_deref())],
        &args.traces,
        &[],
        None,
    )?;
    let metrics = super::replay::listen::start(args.listen.as_deref(), args.follow)?;
    let started = match args.follow {
        true => match super::replay::follow::start(&args.traces, args.state.as_deref())? {
            Some(s) => Some(s),
            None => return Ok(ExitCode::from(rtsec_replay::EXIT_FAILED)),
        },
        false => None,
    };
    let parquet = ParquetOut::create(&output, Rows::Events, args.every, args.force)?;
    let imports = CaptureImports::new("export");
    let (inputs, follow) = match started {
        Some(s) => (vec![s.input], Some(s.follow)),
        None => (
            imports.resolve(crate::cmd::trace_inputs(&args.traces)),
            None,
        ),
    };
    let state = follow.as_ref().and_then(|f| f.state.clone());
    let parquet = SharedParquet::new(Some(parquet)).with_state(state);
    let bar = match follow.is_some() {
        true => BlocksBar::hidden(),
        false => BlocksBar::new(),
    };
    let opts = ReplayOptions {
        threads: super::worker_threads(args.jobs),
        window: args.window.window()?,
        // From here on, Ctrl-C ends the run with a summary (a follow installed it already).
        stop: follow.is_none().then(crate::interrupt::stop_flag),
        follow,
        ..Default::default()
    };
    let result = export_blocks(
        &inputs,
        &opts,
        &mut |mut r| {
            if let Some(m) = &metrics {
                m.block(&r, None);
            }
            parquet.write(&mut r)
        },
        &mut |p| {
            parquet.progress(p);
            if let (Some(m), true) = (&metrics, p.idle) {
                m.caught_up();
            }
            bar.update(p, |p, _| format!("{} events", group(p.events)))
        },
    );
    bar.finish();
    let (result, parquet_line) = parquet.finish(&output, result);
    let summary = result?;
    // Hits are not a thing here.
    let mut text = summary.render_head();
    text.push_str(&summary.render_traces(args.stats, false));
    text.push_str(&parquet_line?);
    eout!("{text}");
    Ok(ExitCode::from(crate::interrupt::exit_code(
        &summary,
        summary.exit_code(),
    )))
}
