//! `rtsec diff --old F... --new F... TRACE|DIR...`: what a change to a rule set does to its
//! verdicts on recorded traces.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use rtsec_replay::compare::compare;
use rtsec_replay::summary::{group, human_rate};
use rtsec_replay::{LineFormat, ReplayError, ReplayOptions};
use rtsec_rules::Engine;

use crate::captures::CaptureImports;
use crate::cmd::replay::Format;
use crate::progress::BlocksBar;
use crate::rule_selection::{self, SelectionArgs};
use crate::window_args::WindowArgs;

/// Compare the verdicts of two rule sets on the same traces: the alerts only one of them
/// gives, and those both give differently.
///
/// Each block is decoded once and judged by both rule sets (rules are the same rule when they
/// have the same name). On stdout, every difference in input and event order: `- TRACE:EVT.NUM
/// [RULE] ALERT` for an alert only the old set gives, `+ ...` for one only the new set gives,
/// and both lines for an alert both give differently (output, priority, tags or source); with
/// --format json, an object per difference with `change` (removed, added, changed), `trace`,
/// `evt_num`, `rule` and the `old` and `new` Falco JSON alerts. On stderr, the counts per rule
/// that differs and what was judged. A rule-set change reviewed before it is deployed.
///
/// Exit codes: 0 the same verdicts; 4 the verdicts differ; 1 an input could not be judged or
/// another error; 3 the same verdicts, but a trace is incomplete; 130 (143) Ctrl-C
/// (SIGTERM) stopped it, after the counts of what was judged.
#[derive(clap::Args)]
pub struct Args {
    /// Traces (.rts), Falco/sysdig captures (.scap, .scap.gz) or directories of them.
    #[arg(required = true, value_name = "TRACE|DIR")]
    pub traces: Vec<PathBuf>,
    /// The rule set as it is: rules file or directory, repeatable, loaded in order
    /// (`<bundled>` names the bundled rules) [default: the --old-config's `rules_files`].
    #[arg(long, required_unless_present = "old_config", value_name = "FILE|DIR")]
    pub old: Vec<PathBuf>,
    /// The rule set as it would be (as --old).
    #[arg(long, required_unless_present = "new_config", value_name = "FILE|DIR")]
    pub new: Vec<PathBuf>,
    /// The old rule set as the Falco with this configuration (falco.yaml) runs it, as
    /// `rtsec replay -c` reads it: `rules_files`, `priority`, `rule_matching`, `rules:`
    /// commands and the alert shape. The options below win over it.
    #[arg(long, value_name = "FALCO_YAML")]
    pub old_config: Option<PathBuf>,
    /// The new rule set as the Falco with this configuration runs it (as --old-config).
    #[arg(long, value_name = "FALCO_YAML")]
    pub new_config: Option<PathBuf>,
    /// Set a setting of the --old-config, as `falco -o` does (repeatable, in order):
    /// `rule_matching=all`, `rules[]={disable: {tag: maturity_sandbox}}`; without
    /// --old-config, over Falco's defaults.
    #[arg(long, value_name = "KEY=VALUE")]
    pub old_option: Vec<String>,
    /// Set a setting of the --new-config (as --old-option); the same rules or falco.yaml on
    /// both sides with an option on one shows what that setting changes.
    #[arg(long, value_name = "KEY=VALUE")]
    pub new_option: Vec<String>,
    /// How differences are printed on stdout.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Which rules run, in both sets (over each --*-config).
    #[command(flatten)]
    pub selection: SelectionArgs,
    #[command(flatten)]
    pub window: WindowArgs,
    /// Worker threads (default, or 0: all cores).
    #[arg(short = 'j', long = "jobs", value_name = "N", value_parser = crate::cmd::parse_jobs)]
    pub jobs: Option<usize>,
    /// Under each alert only one set gives, why the other set's rule of that name does not
    /// fire on the event (its condition's deciding parts, as `rtsec explain` shows them), or
    /// that it has none; in JSON, a `why_not` object.
    #[arg(long)]
    pub why: bool,
    /// Print no differences, only the counts.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Every rule with hits in the counts (not only those that differ), and every trace.
    #[arg(long)]
    pub stats: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    rtsec_replay::keep_freed_memory();
    let imports = CaptureImports::new("diff");
    let inputs = imports.resolve(crate::cmd::trace_inputs(&args.traces));
    let side = |rules: &[PathBuf], config: Option<&Path>, options: &[String]| -> Result<Engine> {
        let config = rule_selection::config(config, options)?;
        rule_selection::engine(rules, &config, &args.selection, &inputs)
    };
    let old = side(&args.old, args.old_config.as_deref(), &args.old_option)
        .context("the old rule set (--old)")?;
    let new = side(&args.new, args.new_config.as_deref(), &args.new_option)
        .context("the new rule set (--new)")?;
    let opts = ReplayOptions {
        threads: super::worker_threads(args.jobs),
        window: args.window.window()?,
        follow: None,
        // From here on, Ctrl-C ends the comparison with the differences found so far.
        stop: Some(crate::interrupt::stop_flag()),
        ..Default::default()
    };
    let lines = (!args.quiet).then_some(match args.format {
        Format::Text => LineFormat::Text,
        Format::Json => LineFormat::Json,
    });
    let bar = BlocksBar::new();
    let stdout = std::io::stdout();
    let mut out: BufWriter<Box<dyn Write>> =
        BufWriter::with_capacity(1 << 16, Box::new(stdout.lock()));
    let result = compare(
        &old,
        &new,
        &inputs,
        &opts,
        lines,
        args.why,
        &mut |r| {
            // A reader that went away (`| head`) stops the lines, not the comparison: its
            // counts and exit code still tell whether the verdicts differ.
            match out.write_all(&r.lines) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                    out = BufWriter::new(Box::new(std::io::sink()));
                    Ok(())
                }
                r => r.map_err(|e| ReplayError::Output(format!("stdout: {e}"))),
            }
        },
        &mut |p| {
            bar.update(p, |p, secs| {
                format!(
                    "{} blocks, {} events ({}/s)",
                    group(p.blocks),
                    group(p.events),
                    human_rate(p.events as f64 / secs),
                )
            })
        },
    );
    bar.finish();
    let flushed = out.flush();
    drop(out);
    let comparison = result?;
    if let Err(e) = flushed
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(e).context("stdout");
    }
    eout!("{}", comparison.render(args.stats));
    Ok(ExitCode::from(crate::interrupt::exit_code(
        &comparison.summary,
        comparison.exit_code(),
    )))
}
