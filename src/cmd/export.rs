//! `rtsec export TRACE... -o events.parquet`: every event with its resolved fields, for SQL
//! engines.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};
use rtsec_replay::export::{export, schema_table};
use rtsec_replay::inputs;
use rtsec_replay::summary::group;

use crate::captures::CaptureImports;
use crate::progress::BlocksBar;
use crate::window_args::WindowArgs;

/// Export every event of traces to Parquet (one row per event, one column per resolved field:
/// process, user, fd, container…), for DuckDB, Spark, Trino and friends.
///
/// `--schema` prints the columns. Exit codes as for `rtsec replay`.
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
    /// Worker threads (default: all cores).
    #[arg(short = 'j', long = "jobs", value_name = "N")]
    pub jobs: Option<usize>,
    /// Print the schema (column, type, Falco field) and exit.
    #[arg(long)]
    pub schema: bool,
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
    if output.exists() && !args.force {
        bail!("{} exists; pass --force to replace it", output.display());
    }
    let imports = CaptureImports::new("export");
    let inputs = imports.resolve(inputs::expand(&args.traces));
    let threads = super::worker_threads(args.jobs);
    let bar = BlocksBar::new();
    let result = export(&inputs, &output, threads, args.window.window()?, &mut |p| {
        bar.update(p, |p, _| format!("{} events", group(p.events)))
    });
    bar.finish();
    let (summary, stats) = result?;
    // Hits are not a thing here.
    let mut text = summary.render_head();
    text.push_str(&summary.render_traces(false, false));
    text.push_str(&format!(
        "Parquet: {} events in {} row groups → {} ({} bytes)\n",
        group(stats.rows),
        stats.row_groups,
        output.display(),
        group(stats.bytes)
    ));
    eprint!("{text}");
    Ok(ExitCode::from(summary.exit_code()))
}
