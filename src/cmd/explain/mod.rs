//! `rtsec explain`: why rules fire or do not fire on events of a trace.

mod closest;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use rtsec_format::{EventView, TraceReader};
use rtsec_replay::explain::{Closest, RuleVerdict, event_header};
use rtsec_replay::{Input, TimeWindow};
use rtsec_rules::{Engine, Explainer, Filter, RuleId, Scratch, event_type, matches_wildcard};

use crate::captures::CaptureImports;
use crate::rule_selection::{self, SelectionArgs};
use crate::window_args::WindowArgs;

/// Explain why rules fire, or do not, on events of traces: each rule's condition part by
/// part, its macros and exceptions by name, each check with the values the event gave it.
///
/// Choose the events by number (--event), by a condition (--filter), as those the rules fire
/// on (--hits), or as those where a rule came closest to firing (--closest); the rules by name
/// (--rule, Falco's `*` wildcards), else every rule run on the event's type (with --hits, the
/// rules that fired). By default only the parts that decide each verdict are shown: of an
/// `and` that fails, the parts that fail; of an `or` that holds, the parts that hold (a line
/// counts the others, "not shown"). --full shows every part.
///
/// Exit codes: 0 explained; 1 an event or rule asked for is not there, nothing matched, or
/// another error.
#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("which").required(true).args(["events", "filter", "hits", "closest"])))]
pub struct Args {
    /// Traces (.rts), Falco/sysdig captures (.scap, .scap.gz: imported for the run) or
    /// directories of them, read in the order given (--event takes one trace).
    #[arg(required = true, value_name = "TRACE|DIR")]
    pub traces: Vec<PathBuf>,
    /// Rules file or directory, repeatable, loaded in order (default: the --falco-config's
    /// `rules_files`, else the bundled rules).
    #[arg(long = "rules", short = 'r', value_name = "FILE|DIR")]
    pub rules: Vec<PathBuf>,
    /// Judge as the Falco with this configuration (falco.yaml) would (see `rtsec replay -c`).
    #[arg(short = 'c', long = "falco-config", value_name = "FALCO_YAML")]
    pub falco_config: Option<PathBuf>,
    #[command(flatten)]
    pub falco_options: crate::rule_selection::FalcoOptions,
    #[command(flatten)]
    pub selection: SelectionArgs,
    /// The rule to explain, by name or with `*` wildcards (repeatable). Rules that are not
    /// enabled are explained too, with the reason they do not run.
    #[arg(long = "rule", short = 'R', value_name = "NAME")]
    pub rule: Vec<String>,
    /// The events to explain, by evt.num (repeatable, or comma-separated).
    #[arg(long = "event", short = 'e', value_name = "NUM", value_delimiter = ',')]
    pub events: Vec<u64>,
    /// Explain the events matching this Falco condition (it may use the rules' macros).
    #[arg(long, short = 'f', value_name = "CONDITION")]
    pub filter: Option<String>,
    /// Explain the events the rules fire on.
    #[arg(long)]
    pub hits: bool,
    /// For each --rule, the events of its types where it came closest to firing without
    /// firing: fewest checks that would have to come out otherwise (0: its condition held but
    /// an earlier rule took the alert). Events failing the same checks are shown once, with
    /// how many they are.
    #[arg(long, requires = "rule")]
    pub closest: bool,
    /// Explain at most this many events (with --closest, per rule) [default: 10, 3 with
    /// --closest].
    #[arg(long, short = 'n', value_name = "N")]
    pub limit: Option<u64>,
    /// Show every part of each condition, not only those that decide the verdict.
    #[arg(long)]
    pub full: bool,
    /// Text, or one JSON object per event and rule.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    #[command(flatten)]
    pub window: WindowArgs,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// Which events are explained.
enum Which {
    Numbers(BTreeSet<u64>),
    Matching(Filter),
    Hits,
    Closest(Closest),
}

pub fn run(args: Args) -> Result<ExitCode> {
    let config = rule_selection::config(args.falco_config.as_deref(), &args.falco_options.options)?;
    let imports = CaptureImports::new("explain");
    let inputs = imports.resolve(crate::cmd::trace_inputs(&args.traces));
    for input in &inputs {
        if let Some(p) = &input.problem {
            bail!("{}: {p}", input.name().display());
        }
    }
    if !args.events.is_empty() && inputs.len() != 1 {
        bail!(
            "--event numbers the events of one trace, and {} are given: give one trace, or \
             choose events with --filter (e.g. 'evt.num = 42')",
            inputs.len()
        );
    }
    let engine = rule_selection::engine(&args.rules, &config, &args.selection, &inputs)?;
    let chosen = chosen_rules(&engine, &args.rule)?;
    let explainers: Vec<Option<Explainer>> = (0..engine.rule_count() as RuleId)
        .map(|id| {
            let wanted = match &chosen {
                Some(ids) => ids.contains(&id),
                None => engine.enabled().contains(&id),
            };
            wanted.then(|| engine.explainer(id))
        })
        .collect();
    let limit = args.limit.unwrap_or(if args.closest { 3 } else { 10 });
    let which = match (&args.filter, args.hits) {
        _ if args.closest => Which::Closest(Closest::new(
            &engine,
            chosen.as_deref().unwrap_or(&[]),
            limit,
        )),
        (Some(cond), _) => Which::Matching(
            engine
                .rule_set()
                .filter(cond)
                .map_err(|e| anyhow::anyhow!("--filter: {e}"))?,
        ),
        (None, true) => Which::Hits,
        (None, false) => Which::Numbers(args.events.iter().copied().collect()),
    };
    let window = args.window.window()?;
    let mut run = Explaining {
        engine: &engine,
        args: &args,
        explainers,
        chosen,
        which,
        window,
        limit,
        explained: 0,
        numbered: None,
        damaged: Vec::new(),
        mismatches: Vec::new(),
    };
    for input in &inputs {
        if run.trace(input)? == Flow::Stop {
            break;
        }
    }
    if !run.mismatches.is_empty() {
        bail!(
            "internal error: the explanation and the engine disagree ({}); please report it \
             with the trace and the rules",
            run.mismatches.join(", ")
        );
    }
    let name = match inputs.as_slice() {
        [one] => one.name().display().to_string(),
        many => format!("{} traces", many.len()),
    };
    match run.which {
        Which::Numbers(missing) if !missing.is_empty() => {
            let range = match run.numbered {
                Some((f, l)) => format!("its events are numbered {f} to {l}"),
                None => "it has no events".to_string(),
            };
            let window = if run.window.is_unbounded() {
                ""
            } else {
                " in the time window"
            };
            if let Some(&(a, b)) = run
                .damaged
                .iter()
                .find(|(a, b)| missing.iter().any(|n| (a..=b).contains(&n)))
            {
                bail!(
                    "{name}: events {a} to {b} are in a damaged block, skipped; the events asked \
                     for ({}) cannot be explained",
                    missing
                        .iter()
                        .map(u64::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            bail!(
                "{name}: no event {}{window} ({range}); `rtsec events {name}` lists them",
                missing
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        Which::Closest(c) => {
            closest::print(&c.finish(), &engine, &name, args.format == Format::Text)
        }
        Which::Matching(_) | Which::Hits if run.explained == 0 => {
            bail!(
                "{name}: no event {}; nothing to explain",
                if args.hits {
                    "fires the rules"
                } else {
                    "matches the filter"
                }
            );
        }
        _ => {}
    }
    Ok(ExitCode::SUCCESS)
}

/// Whether to go on to the next trace.
#[derive(PartialEq, Eq)]
enum Flow {
    Go,
    Stop,
}

/// An explain run over its traces.
struct Explaining<'a> {
    engine: &'a Engine,
    args: &'a Args,
    /// Per rule id, the explainer of the rules to explain.
    explainers: Vec<Option<Explainer>>,
    /// The rules --rule names (`None`: none named).
    chosen: Option<Vec<RuleId>>,
    which: Which,
    window: TimeWindow,
    limit: u64,
    /// Events explained so far.
    explained: u64,
    /// The first and last evt.num of the (last) trace read, and the evt.num ranges of its
    /// damaged blocks.
    numbered: Option<(u64, u64)>,
    damaged: Vec<(u64, u64)>,
    /// Explanations the engine disagrees with.
    mismatches: Vec<String>,
}

impl Explaining<'_> {
    /// Explains the chosen events of one trace.
    fn trace(&mut self, input: &Input) -> Result<Flow> {
        let (engine, args) = (self.engine, self.args);
        let reader =
            TraceReader::open(&input.path).with_context(|| input.name().display().to_string())?;
        let name = input.name().display().to_string();
        let mut scratch = engine.scratch();
        scratch.set_machine(reader.header());
        let span = self.window.span(rtsec_replay::window::trace_start(&reader));
        // Past damaged blocks, as replay reads: what is left is still explained.
        let mut blocks = reader.blocks(true);
        if !self.window.is_unbounded() {
            blocks = blocks.only_between(span.first, span.last);
        }
        let mut flow = Flow::Go;
        'blocks: for raw in &mut blocks {
            let damaged = |e: &dyn std::fmt::Display| {
                eoutln!(
                    "rtsec: notice: {name}: damaged block skipped: {e}; its events cannot be \
                     explained"
                );
            };
            let raw = match raw {
                Ok(r) => r,
                Err(e) => {
                    damaged(&e);
                    continue;
                }
            };
            let block = match raw.decode() {
                Ok(b) => b,
                Err(e) => {
                    let (first, n) = (raw.frame.first_event_num, raw.frame.events as u64);
                    self.damaged.push((first, first + n.saturating_sub(1)));
                    damaged(&e);
                    continue;
                }
            };
            for ev in block.events() {
                let (first, _) = *self.numbered.get_or_insert((ev.num, ev.num));
                self.numbered = Some((first, ev.num));
                if !span.contains(ev.event.ts) {
                    continue;
                }
                let hits = engine.matches(&ev, &mut scratch).to_vec();
                let picked = match &mut self.which {
                    Which::Closest(c) => {
                        let m = &mut self.mismatches;
                        c.consider(
                            engine,
                            &self.explainers,
                            &ev,
                            &hits,
                            &mut scratch,
                            m,
                            |v, ev| match args.format {
                                Format::Text => {
                                    format!(
                                        "{}\n{}",
                                        event_header(&name, ev),
                                        v.text(engine, args.full, 0)
                                    )
                                }
                                Format::Json => {
                                    let mut o = v.json(engine, &name, ev);
                                    o["checks_to_fire"] = v.step.checks_to_hold().into();
                                    o.to_string()
                                }
                            },
                        );
                        continue;
                    }
                    Which::Numbers(nums) => nums.remove(&ev.num),
                    Which::Matching(f) => f.matches(&ev, &mut scratch, &engine.options().hosts),
                    Which::Hits => hits
                        .iter()
                        .any(|id| self.chosen.as_ref().is_none_or(|c| c.contains(id))),
                };
                if !picked {
                    continue;
                }
                self.explain(&name, &ev, &hits, &mut scratch);
                if crate::output::stdout_unusable() {
                    flow = Flow::Stop;
                    break 'blocks;
                }
                let done = match &self.which {
                    Which::Numbers(nums) => nums.is_empty(),
                    _ => self.explained >= self.limit,
                };
                if done {
                    flow = Flow::Stop;
                    break 'blocks;
                }
            }
        }
        for n in blocks.notices() {
            eoutln!("rtsec: notice: {name}: {n}");
        }
        // A rule named may watch syscalls the capture did not record, or compare fd.*.name
        // with names the trace has no answer for.
        if let Some(chosen) = &self.chosen {
            let named = |rule: &str| chosen.iter().any(|&id| engine.rule(id).name == rule);
            for u in rtsec_replay::blind::unseen_rules(&[engine], reader.header()) {
                if named(&u.rule) {
                    eoutln!(
                        "rtsec: note: rule {:?} cannot fire on {} in {name}: its capture did not \
                         record them (`rtsec capture --syscalls default,{}` or `--for-rules` \
                         records them)",
                        u.rule,
                        u.types.join(", "),
                        u.syscalls.join(",")
                    );
                }
            }
            for (rule, names) in rtsec_replay::blind::unresolved_names(&[engine], reader.header()) {
                if named(&rule) {
                    eoutln!(
                        "rtsec: note: rule {rule:?} cannot match fd.*.name with {} in {name}: the \
                         trace has no recorded answer (`rtsec capture --resolve NAME` records one)",
                        names.join(", ")
                    );
                }
            }
        }
        // What the trace lost may be what a rule was expected to fire on.
        if let Some(footer) = reader.footer() {
            let report = rtsec_replay::TraceReport {
                losses: footer.losses.clone(),
                ..Default::default()
            };
            for why in report.incompleteness() {
                eoutln!(
                    "rtsec: note: {name} is incomplete: {why}; lost events cannot be explained"
                );
            }
        }
        Ok(flow)
    }

    /// Prints the explanations of one event: the rules named, else those that fired (with
    /// --hits), else those run on its type.
    fn explain(&mut self, name: &str, ev: &EventView<'_>, hits: &[RuleId], scratch: &mut Scratch) {
        let (engine, args) = (self.engine, self.args);
        let rules: Vec<&Explainer> = self
            .explainers
            .iter()
            .flatten()
            .filter(|x| match (&self.chosen, args.hits) {
                (Some(_), _) => true,
                (None, true) => hits.contains(&x.rule()),
                (None, false) => engine.runs_on(x.rule(), ev),
            })
            .collect();
        if args.format == Format::Text {
            outln!("{}", event_header(name, ev));
            if rules.is_empty() {
                outln!("   no enabled rule runs on {} events", event_type(ev));
            }
        }
        for x in rules {
            let verdict = RuleVerdict::judge(engine, x, ev, hits, scratch);
            if verdict.disagrees {
                self.mismatches.push(format!(
                    "{name}: event {}: rule {:?}",
                    ev.num,
                    engine.rule(x.rule()).name
                ));
            }
            match args.format {
                Format::Text => outln!("{}", verdict.text(engine, args.full, 0)),
                Format::Json => outln!("{}", verdict.json(engine, name, ev)),
            }
        }
        self.explained += 1;
    }
}

/// The rules named by `patterns` (`None`: no pattern given); a pattern naming none is an
/// error that lists rules with a similar name.
fn chosen_rules(engine: &Engine, patterns: &[String]) -> Result<Option<Vec<RuleId>>> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut ids = Vec::new();
    for p in patterns {
        let found: Vec<RuleId> = (0..engine.rule_count() as RuleId)
            .filter(|&id| matches_wildcard(p, &engine.rule(id).name))
            .collect();
        if found.is_empty() {
            let similar = similar_names(engine, p);
            let hint = if similar.is_empty() {
                "`rtsec rules list` lists them".to_string()
            } else {
                format!("similar: {}", similar.join(", "))
            };
            bail!("--rule {p:?}: no rule of that name in the rules loaded ({hint})");
        }
        ids.extend(found);
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(Some(ids))
}

/// Up to 8 rule names sharing the most words with `pattern` (case aside; words of 3 letters
/// or more), as a user who misremembers a name would want them.
fn similar_names(engine: &Engine, pattern: &str) -> Vec<String> {
    let words = |s: &str| -> Vec<String> {
        s.to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.len() > 2)
            .map(str::to_string)
            .collect()
    };
    let wanted = words(pattern);
    let mut scored: Vec<(usize, &str)> = (0..engine.rule_count() as RuleId)
        .map(|id| engine.rule(id).name.as_str())
        .map(|name| {
            let have = words(name);
            (wanted.iter().filter(|w| have.contains(w)).count(), name)
        })
        .filter(|(n, _)| *n > 0)
        .collect();
    scored.sort_by_key(|s| std::cmp::Reverse(s.0));
    scored
        .into_iter()
        .take(8)
        .map(|(_, n)| format!("{n:?}"))
        .collect()
}
