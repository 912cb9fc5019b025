//! `rtsec test`: regression tests of rule sets. A case file (see [`case`]) names traces, rules
//! and options, and what the replay must find; [`run_cases`] runs cases in parallel and gives
//! pass/fail per case with a readable diff ([`check`]), JUnit XML ([`junit`]) and, with
//! `update`, rewrites expectations from the actual results ([`update`]).
//!
//! Case files are found by name: a directory is searched recursively for `*.case.yaml` (and
//! `*.case.yml`), so rules files and scenario scripts can live next to them. Traces may live
//! anywhere (a path relative to the case file); traces that are not rtsec traces (`.scap`)
//! are handed to a converter the caller provides (`rtsec test` imports them).

pub mod case;
pub mod check;
pub mod coverage;
mod exceptions;
pub mod junit;
pub mod update;
mod why_not;

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use rtsec_rules::{Engine, EngineOptions};

use crate::error::ReplayError;
use crate::inputs::Input;
use crate::judge::Produce;
use crate::pipeline::{ReplayOptions, replay};
pub use case::Case;
pub use junit::junit_xml;

/// Suffixes of case files in directories.
pub const CASE_SUFFIXES: [&str; 2] = [".case.yaml", ".case.yml"];

/// Turns a trace that is not an rtsec trace (e.g. `.scap`) into one; returns its path.
pub type Converter<'a> = dyn Fn(&Path) -> Result<PathBuf, String> + Sync + 'a;

/// The outcome of a case.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Verdict {
    #[default]
    Pass,
    /// The results differ from the expectations.
    Fail,
    /// The case could not run: a malformed case file, rules that do not load, a missing or
    /// unreadable trace.
    Error,
    /// The run was stopped (Ctrl-C, SIGTERM: a CI job's timeout) before the case began or
    /// before its traces were judged to their end: no verdict.
    NotRun,
}

/// One case's result.
#[derive(Clone, Debug, Default)]
pub struct CaseResult {
    pub path: PathBuf,
    pub verdict: Verdict,
    pub elapsed: Duration,
    /// Why it failed or errored: the diff or the error (empty when passing).
    pub report: String,
    pub events: u64,
    pub hits: u64,
    /// With `update`: the case file was rewritten; what changed.
    pub updated: Option<Vec<String>>,
    /// What the case's `falco_config` sets that is not applied, or leaves out.
    pub notes: Vec<String>,
    /// The rules the case ran and what it expects of each (for [`coverage`]).
    pub rules: Vec<coverage::RuleTested>,
}

impl CaseResult {
    /// `PASS path (…)`, or `FAIL path` / `ERROR path` followed by the indented report.
    pub fn render(&self) -> String {
        let head = match (self.verdict, &self.updated) {
            (_, Some(_)) => "UPDATED",
            (Verdict::Pass, None) => "PASS",
            (Verdict::Fail, None) => "FAIL",
            (Verdict::Error, None) => "ERROR",
            (Verdict::NotRun, None) => "NOT RUN",
        };
        let mut s = format!(
            "{head} {} ({} {}, {} {}, {:.2} s)\n",
            self.path.display(),
            self.events,
            crate::summary::plural(self.events as usize, "event", "events"),
            self.hits,
            crate::summary::plural(self.hits as usize, "hit", "hits"),
            self.elapsed.as_secs_f64()
        );
        if let Some(notes) = &self.updated {
            for n in notes {
                s.push_str("    ");
                s.push_str(n);
                s.push('\n');
            }
        }
        for n in &self.notes {
            s.push_str("    note: ");
            s.push_str(n);
            s.push('\n');
        }
        for l in self.report.lines() {
            s.push_str("    ");
            s.push_str(l);
            s.push('\n');
        }
        s
    }
}

/// How cases run.
#[derive(Clone, Debug)]
pub struct HarnessOptions {
    /// Cases run in parallel on this many threads (each case's replay uses one).
    pub threads: usize,
    /// Rewrite each case's expectations from its results.
    pub update: bool,
    /// Count, per rule exception, the events it keeps its rule from firing on (for the
    /// coverage of exceptions; one more pass over each case's traces).
    pub exceptions: bool,
    /// Set (by Ctrl-C) to stop: cases not begun, and those whose traces were not judged to
    /// their end, are [`Verdict::NotRun`] (and not rewritten by `update`).
    pub stop: Option<&'static std::sync::atomic::AtomicBool>,
}

/// The case files under `paths`: files as given, directories searched recursively for
/// [`CASE_SUFFIXES`], sorted. A path that does not exist, or a directory without cases, is an
/// error naming it. Also returns notes about YAML files in those directories that look like
/// cases (a top-level `traces:`) but are not named like one, so they are not run.
pub fn discover(paths: &[PathBuf]) -> Result<(Vec<PathBuf>, Vec<String>), ReplayError> {
    let mut out = Vec::new();
    let mut notes = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found = Vec::new();
            let mut lookalikes = Vec::new();
            walk(p, &mut found, &mut lookalikes).map_err(|e| ReplayError::io(p, e))?;
            lookalikes.sort();
            notes.extend(lookalikes.iter().map(|l| {
                format!(
                    "{}: has `traces:` but is not named *.case.yaml, so it is not run; rename it \
                     to run it",
                    l.display()
                )
            }));
            if found.is_empty() {
                return Err(ReplayError::io(
                    p,
                    std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        "no case files (*.case.yaml) in this directory or below",
                    ),
                ));
            }
            found.sort();
            out.extend(found);
        } else if p.exists() {
            out.push(p.clone());
        } else {
            return Err(ReplayError::io(
                p,
                std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or directory"),
            ));
        }
    }
    // A case named twice (by itself and in its directory) runs once: twice, it would be
    // counted and reported twice.
    notes.extend(crate::inputs::drop_same_files(
        &mut out,
        |c| Some((c.as_path(), c.as_path())),
        "run once",
    ));
    Ok((out, notes))
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, lookalikes: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            walk(&path, out, lookalikes)?;
            continue;
        }
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if CASE_SUFFIXES.iter().any(|s| name.ends_with(s)) {
            out.push(path);
        } else if (name.ends_with(".yaml") || name.ends_with(".yml"))
            && std::fs::read_to_string(&path)
                .is_ok_and(|t| t.lines().any(|l| l.starts_with("traces:")))
        {
            lookalikes.push(path);
        }
    }
    Ok(())
}

/// Runs `cases` in parallel; results are in the order of `cases`.
pub fn run_cases(
    cases: &[PathBuf],
    opts: &HarnessOptions,
    convert: Option<&Converter<'_>>,
) -> Vec<CaseResult> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.max(1))
        .thread_name(|i| format!("rtsec-test-{i}"))
        .build();
    let run = || {
        cases
            .par_iter()
            .map(|p| run_case(p, opts, convert))
            .collect()
    };
    match pool {
        Ok(pool) => pool.install(run),
        Err(_) => cases.iter().map(|p| run_case(p, opts, convert)).collect(),
    }
}

/// Runs one case (and rewrites it with `opts.update`).
pub fn run_case(
    path: &Path,
    harness: &HarnessOptions,
    convert: Option<&Converter<'_>>,
) -> CaseResult {
    let update = harness.update;
    let start = Instant::now();
    let mut r = CaseResult {
        path: path.to_path_buf(),
        ..Default::default()
    };
    let stopped = || harness.stop.is_some_and(|s| s.load(Ordering::Relaxed));
    if stopped() {
        r.verdict = Verdict::NotRun;
        r.report = "the run was stopped before this case began".into();
        return r;
    }
    let error = |mut r: CaseResult, msg: String| {
        r.verdict = Verdict::Error;
        r.report = msg;
        r.elapsed = start.elapsed();
        r
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => return error(r, format!("cannot read the case file: {e}")),
    };
    let case = match Case::parse(path, &text) {
        Ok(c) => c,
        Err(e) => return error(r, e.to_string()),
    };
    r.notes = case.notes.clone();
    let set = match crate::rules::load(&case.rules, None, &case.load_options) {
        Ok(s) => s,
        Err(e) => return error(r, format!("rules: {e}")),
    };
    let mut inputs = Vec::with_capacity(case.traces.len());
    let mut names = Vec::with_capacity(case.traces.len());
    // A trace named twice is judged once, as by `rtsec replay`: its hits would count twice.
    let mut seen = std::collections::HashSet::new();
    for (written, resolved) in &case.traces {
        if let Ok(m) = std::fs::metadata(resolved)
            && m.is_file()
            && !seen.insert((m.dev(), m.ino()))
        {
            r.notes
                .push(format!("trace {written} is named twice: judged once"));
            continue;
        }
        if !resolved.exists() {
            return error(
                r,
                format!(
                    "trace {written} not found (looked for {}); record it with the scenario's \
                     script, or fix the path (relative to the case file)",
                    resolved.display()
                ),
            );
        }
        if resolved.is_dir() {
            return error(
                r,
                format!(
                    "trace {written}: the directory {} holds no .rts traces or .scap captures \
                     (searched recursively)",
                    resolved.display()
                ),
            );
        }
        let input = match (crate::inputs::is_capture_name(resolved), convert) {
            (true, Some(conv)) => match conv(resolved) {
                Ok(p) => Input::imported(p, resolved.clone()),
                Err(e) => return error(r, format!("trace {written}: cannot import: {e}")),
            },
            _ => Input::new(resolved.clone()),
        };
        inputs.push(input);
        names.push(written);
    }
    if case.expect.is_nothing() && !update {
        return error(
            r,
            format!(
                "{}: the case expects nothing, so it passes whatever the rules do: add \
                 `expect:` (counts, hits, no_other_hits), or record what the replay finds \
                 with `rtsec test --update {0}`",
                path.display()
            ),
        );
    }
    let engine = Engine::new(
        &set,
        EngineOptions {
            rule_matching: case.rule_matching,
            min_priority: case.min_priority,
            hosts: crate::inputs::recorded_hosts(&inputs),
            tags: case.tags.clone(),
            commands: case.commands.clone(),
            format: case.format,
        },
    );
    let opts = ReplayOptions {
        threads: 1,
        max_in_flight: 0,
        max_waiting_bytes: 0,
        piece_bytes: 0,
        produce: Produce {
            collect: true,
            ..Default::default()
        },
        window: case.window,
        follow: None,
        stop: harness.stop,
    };
    let mut hits = Vec::new();
    let summary = match replay(
        &engine,
        &inputs,
        &opts,
        &mut |mut b| {
            hits.append(&mut b.hits);
            Ok(())
        },
        &mut |_| {},
    ) {
        Ok(s) => s,
        Err(e) => return error(r, e.to_string()),
    };
    r.events = summary.events;
    r.hits = summary.hits;
    if summary.interrupted() {
        r.verdict = Verdict::NotRun;
        r.report = format!(
            "the run was stopped after {} events of this case's traces: no verdict",
            summary.events
        );
        r.elapsed = start.elapsed();
        return r;
    }
    for (i, t) in summary.traces.iter().enumerate() {
        if let Some(e) = &t.error {
            return error(r, format!("trace {}: {e}", names[i]));
        }
    }
    let cmp = check::compare(&case, &set, &engine, &summary, &hits);
    if update {
        let (block, notes) = update::new_expect_block(&case, &engine, &cmp);
        let new_text = update::replace_expect(&text, &block);
        if new_text != text {
            if let Err(e) = std::fs::write(path, &new_text) {
                return error(r, format!("cannot rewrite the case file: {e}"));
            }
            let mut notes = notes;
            notes.insert(0, "expectations rewritten from the actual results".into());
            r.updated = Some(notes);
        }
        // The case now expects what happened, except for incompleteness, which no rewrite
        // of expectations fixes.
        let after = Case::parse(path, &new_text)
            .map(|c| check::compare(&c, &set, &engine, &summary, &hits))
            .unwrap_or(cmp);
        if !after.passed() {
            r.verdict = Verdict::Fail;
            r.report = after.report.join("\n");
        }
    } else if !cmp.passed() {
        r.verdict = Verdict::Fail;
        let mut report = cmp.report.clone();
        report.extend(why_not::lines(&case, &engine, &inputs, &cmp));
        r.report = report.join("\n");
    }
    // What the case (as it is now in its file) expects of each rule it ran.
    let case = match &r.updated {
        Some(_) => std::fs::read_to_string(path)
            .ok()
            .and_then(|t| Case::parse(path, &t).ok())
            .unwrap_or(case),
        None => case,
    };
    let suppressed = if harness.exceptions {
        exceptions::suppressed(&engine, &inputs, &case.window)
    } else {
        Default::default()
    };
    r.rules = coverage::rules_tested(&case, &engine, &summary, &suppressed);
    r.notes
        .extend(check::zeros_that_cannot_fail(&case, &summary));
    r.elapsed = start.elapsed();
    r
}
