//! `rtsec test PATH...`: regression tests of rule sets (traces + rules + expected hits).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use rtsec_replay::harness::{self, HarnessOptions, Verdict};

use crate::captures::CaptureImports;

/// Run rule-set regression cases: every *.case.yaml under the paths (files as given).
///
/// A case names traces, rules files and options, and what the replay must find: hits per rule,
/// specific hits (rule + event number or time + field values), no other hits. Prints PASS/FAIL
/// per case with a diff; exits 1 if any case failed or could not run. Ctrl-C or SIGTERM (a CI
/// job's timeout) ends the run with the verdicts so far: the cases without one are NOT RUN
/// (`<skipped>` in the JUnit report, not rewritten by --update), and the exit code is 130
/// (143). `.scap` traces are imported on the fly. See the case format in `rtsec-replay`'s
/// `harness::case`.
#[derive(clap::Args)]
pub struct Args {
    /// Case files, or directories searched recursively for *.case.yaml.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Also write a JUnit XML report here (for CI systems).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Rewrite each case's expectations from its actual results (golden files).
    #[arg(long)]
    pub update: bool,
    /// After the results, the rule coverage of the cases: for every rule they run, how many
    /// cases ran it and saw it fire, and how many passing cases expect it to fire (positive
    /// tests) and not to fire (a count of 0, or `no_other_hits`: negative tests).
    #[arg(long)]
    pub coverage: bool,
    /// Like --coverage, and fail (exit 1) unless every rule has a passing positive and a
    /// passing negative case.
    #[arg(long)]
    pub require_coverage: bool,
    /// Cases run in parallel on this many threads (default, or 0: all cores).
    #[arg(short = 'j', long = "jobs", value_name = "N", value_parser = crate::cmd::parse_jobs)]
    pub jobs: Option<usize>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    rtsec_replay::keep_freed_memory();
    let start = Instant::now();
    if let Some(j) = &args.junit {
        crate::output::check_report_writable(j, "JUnit report", "report.xml")?;
    }
    let (cases, notes) = harness::discover(&args.paths)?;
    for n in &notes {
        eoutln!("rtsec test: note: {n}");
    }
    if let Some(j) = &args.junit {
        // The traces and rules files the cases read, too: `--junit t.rts` would replace the
        // recording with the report after judging it. A case that does not load is reported
        // as such later.
        let loaded: Vec<harness::Case> = cases
            .iter()
            .filter_map(|c| harness::Case::load(c).ok())
            .collect();
        let read = loaded.iter().flat_map(|c| {
            let traces = c.traces.iter().map(|(_, p)| (p.as_path(), "trace"));
            traces.chain(c.rules.iter().map(|p| (p.as_path(), "rules file")))
        });
        crate::output::check_not_an_input(
            j,
            "--junit",
            cases.iter().map(|c| (c.as_path(), "case")).chain(read),
        )?;
    }
    let captures = CaptureImports::new("test");
    let convert = |p: &Path| captures.trace_of(p).map(|(trace, _)| trace);
    let opts = HarnessOptions {
        threads: super::worker_threads(args.jobs),
        update: args.update,
        exceptions: args.coverage || args.require_coverage,
        // From here on, Ctrl-C (or a CI job's timeout, SIGTERM) ends the run with the verdicts
        // so far, in the report and in the JUnit file.
        stop: Some(crate::interrupt::stop_flag()),
    };
    let results = harness::run_cases(&cases, &opts, Some(&convert));
    for r in &results {
        out!("{}", r.render());
    }
    let count = |v| results.iter().filter(|r| r.verdict == v).count();
    let (pass, fail, err, not_run) = (
        count(Verdict::Pass),
        count(Verdict::Fail),
        count(Verdict::Error),
        count(Verdict::NotRun),
    );
    let updated = results.iter().filter(|r| r.updated.is_some()).count();
    outln!(
        "{}: {pass} passed, {fail} failed, {err} could not run{}{} ({:.2} s)",
        crate::output::count(results.len() as u64, "case", "cases"),
        if updated > 0 {
            format!(", {updated} updated")
        } else {
            String::new()
        },
        if not_run > 0 {
            format!(", {not_run} without a verdict: INTERRUPTED")
        } else {
            String::new()
        },
        start.elapsed().as_secs_f64()
    );
    let mut uncovered = 0;
    if args.coverage || args.require_coverage {
        let rules = harness::coverage::coverage(&results);
        uncovered = rules.iter().filter(|r| !r.covered()).count();
        out!("{}", harness::coverage::render(&rules));
    }
    if let Some(j) = &args.junit {
        std::fs::write(j, harness::junit_xml(&results, start.elapsed()))
            .with_context(|| format!("cannot write {}", j.display()))?;
    }
    if not_run > 0 {
        return Ok(ExitCode::from(crate::interrupt::signal_code().unwrap_or(1)));
    }
    Ok(
        if fail + err > 0 || (args.require_coverage && uncovered > 0) {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        },
    )
}
