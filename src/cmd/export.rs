//! `rtsec export TRACE... -o events.parquet`: every event with its resolved fields, for SQL
//! engines.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use rtsec_replay::export::{export, schema_table};
use rtsec_replay::inputs;
use rtsec_replay::summary::group;

use crate::captures::CaptureImports;

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
            println!("{col:<w$}  {ty:<18}  {what}");
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
    let threads = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let bar = std::io::stderr().is_terminal().then(|| {
        let b = ProgressBar::new(0);
        b.set_style(
            ProgressStyle::with_template(
                "{spinner} {elapsed} {bar:30} {bytes}/{total_bytes} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b
    });
    let result = export(&inputs, &output, threads, &mut |p| {
        if let Some(bar) = &bar {
            bar.set_length(p.total_bytes);
            bar.set_position(p.bytes);
            bar.set_message(format!("{} events", group(p.events)));
        }
    });
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let (summary, stats) = result?;
    let mut text = String::new();
    for line in summary.render(false).lines() {
        // Hits are not a thing here.
        if !line.starts_with("Hits:") {
            text.push_str(line);
            text.push('\n');
        }
    }
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
