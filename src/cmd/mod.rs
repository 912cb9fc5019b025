//! One module per subcommand: its arguments (`Args`) and `run`.

pub mod capture;
pub mod diff;
pub mod events;
pub mod explain;
pub mod export;
pub mod fields;
pub mod import;
pub mod inspect;
mod parquet_out;
pub mod replay;
pub mod rules;
pub mod test;
pub mod validate;

/// The most worker threads `-j` takes: more than the largest machines have cores. Each one
/// holds blocks in flight, so a mistyped `-j 100000000` would spend its time and memory
/// starting threads instead of judging.
pub const MAX_JOBS: usize = 1024;

/// `-j N`: 0 to [`MAX_JOBS`].
pub fn parse_jobs(s: &str) -> Result<usize, String> {
    let n: usize = s
        .parse()
        .map_err(|_| format!("expected a number of worker threads, 0 to {MAX_JOBS}"))?;
    if n > MAX_JOBS {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        return Err(format!(
            "at most {MAX_JOBS} worker threads (this machine has {cores} cores; 0 uses them all)"
        ));
    }
    Ok(n)
}

/// The worker threads for `-j N`: N, or every core without it or with `-j 0` (as `zstd -T0`
/// and `xz -T0` read 0).
pub fn worker_threads(jobs: Option<usize>) -> usize {
    match jobs {
        Some(n) if n > 0 => n,
        _ => std::thread::available_parallelism().map_or(1, |n| n.get()),
    }
}

/// Refuses outputs (`--parquet`, `--state`, `-o`: flag and path) that are files this run
/// reads: its traces (a directory's, as they are judged), the rules files named, the Falco
/// configuration. See [`crate::output::check_not_an_input`].
pub fn check_outputs_not_read(
    outputs: &[(&str, Option<&std::path::Path>)],
    traces: &[std::path::PathBuf],
    rules: &[std::path::PathBuf],
    config: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    let traces = rtsec_replay::inputs::expand(traces);
    let read = traces
        .iter()
        .map(|t| (t.path.as_path(), "trace"))
        .chain(rules.iter().map(|r| (r.as_path(), "rules file")))
        .chain(config.map(|c| (c, "Falco configuration")));
    let read: Vec<_> = read.collect();
    for (flag, path) in outputs {
        if let Some(path) = path {
            crate::output::check_not_an_input(path, flag, read.iter().copied())?;
        }
    }
    Ok(())
}

/// The traces the paths name ([`rtsec_replay::inputs::expand`]), each file once: a file named
/// twice would be judged, and its hits counted, twice. A note says which were dropped.
pub fn trace_inputs(paths: &[std::path::PathBuf]) -> Vec<rtsec_replay::Input> {
    let mut inputs = rtsec_replay::inputs::expand(paths);
    for n in rtsec_replay::inputs::drop_repeats(&mut inputs) {
        eoutln!("rtsec: note: {n}");
    }
    inputs
}

/// A damaged block that stopped `inspect` or `events`, with what reads past it.
pub fn stopped_at_damage(trace: &std::path::Path, e: rtsec_format::FormatError) -> anyhow::Error {
    match e {
        e @ rtsec_format::FormatError::CorruptBlock { .. } => {
            anyhow::anyhow!("{}: {e}; `--salvage` reads past it", trace.display())
        }
        e => anyhow::Error::from(e).context(trace.display().to_string()),
    }
}
