//! Rule coverage of a set of cases (`rtsec test --coverage`): for every rule the cases run,
//! whether a passing case shows it firing where it should (a positive test) and staying quiet
//! where it should (a negative test). A rule no case proves either way is a rule whose next
//! edit nothing checks.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

use rtsec_rules::{Engine, ExceptionSite, RuleId};

use super::case::Case;
use super::{CaseResult, Verdict};
use crate::summary::Summary;

/// What one case says about one rule it ran.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuleTested {
    pub rule: String,
    /// Where the rule is defined (`file:line`).
    pub defined_at: String,
    /// Its hits in the case's traces.
    pub hits: u64,
    /// The case expects it to fire: a count above 0, or a specific hit.
    pub expects_hits: bool,
    /// The case expects it not to fire: a count of 0, or `no_other_hits` without naming it,
    /// where it could (see `cannot_fire`).
    pub expects_none: bool,
    /// None of its event types is in any of the case's traces (their captures did not record
    /// its syscalls): an expectation that it does not fire cannot fail.
    pub cannot_fire: bool,
    /// The case fails if the rule fires more: it gives the rule's count, or no_other_hits.
    pub pinned: bool,
    /// Its exceptions (those that add a clause) as `name (file:line)`, each with the events of
    /// the case it kept the rule from firing on (counted with `HarnessOptions::exceptions`
    /// only).
    pub exceptions: Vec<(String, u64)>,
}

/// The rules `engine` runs for `case`, with what the case expects of each; `summary` is the
/// replay of its traces.
pub(crate) fn rules_tested(
    case: &Case,
    engine: &Engine,
    summary: &Summary,
    suppressed: &HashMap<RuleId, Vec<(ExceptionSite, u64)>>,
) -> Vec<RuleTested> {
    engine
        .enabled()
        .iter()
        .map(|&id| {
            let info = engine.rule(id);
            let name = &info.name;
            let count = case
                .expect
                .counts
                .iter()
                .find(|(r, _)| r == name)
                .map(|(_, n)| *n);
            let named_hit = case.expect.hits.iter().any(|h| &h.rule == name);
            let cannot_fire = cannot_fire(name, summary);
            let hits = summary.rules.iter().find(|r| &r.rule == name);
            RuleTested {
                rule: name.clone(),
                defined_at: format!("{}:{}", shown_path(&info.file), info.line),
                hits: hits.map_or(0, |r| r.hits),
                expects_hits: count.is_some_and(|n| n > 0) || named_hit,
                expects_none: !cannot_fire
                    && (count == Some(0)
                        || (case.expect.no_other_hits && count.is_none() && !named_hit)),
                cannot_fire,
                pinned: count.is_some() || case.expect.no_other_hits,
                exceptions: suppressed
                    .get(&id)
                    .map(|counts| {
                        let shown = |(e, n): &(ExceptionSite, u64)| {
                            (
                                format!("{} ({}:{})", e.name, shown_path(&e.file), e.line),
                                *n,
                            )
                        };
                        counts.iter().map(shown).collect()
                    })
                    .unwrap_or_default(),
            }
        })
        .collect()
}

/// Whether rule `name` cannot fire on any of the traces of `summary`: none of its event types
/// was recorded in any of them.
pub(crate) fn cannot_fire(name: &str, summary: &Summary) -> bool {
    !summary.traces.is_empty()
        && summary
            .traces
            .iter()
            .all(|t| t.unseen.iter().any(|u| u.rule == name && u.all))
}

/// A rules file as the report names it. Cases name rules files relative to themselves, so it
/// is canonical (one file is one file), shown relative to the working directory when it is
/// below it.
fn shown_path(file: &str) -> String {
    std::fs::canonicalize(file).map_or_else(
        |_| file.to_string(),
        |p| {
            let cwd = std::env::current_dir()
                .ok()
                .and_then(|d| d.canonicalize().ok());
            let shown = cwd.as_deref().and_then(|d| p.strip_prefix(d).ok());
            shown.unwrap_or(&p).display().to_string()
        },
    )
}

/// One rule's line of the coverage report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuleCoverage {
    pub rule: String,
    pub defined_at: String,
    /// Cases that ran it, and those in which it fired.
    pub cases: usize,
    pub fired: usize,
    /// Passing cases that expect it to fire (positive tests) and not to fire (negative).
    pub positive: usize,
    pub negative: usize,
    /// Passing cases that expect it not to fire on traces where it cannot (their captures
    /// did not record its syscalls): not negative tests.
    pub cannot_fire: usize,
    /// Its exceptions, each with the passing cases that pin the rule's hits and in which the
    /// exception kept it from firing on an event: the cases that would fail without it.
    pub exceptions: Vec<(String, usize)>,
}

impl RuleCoverage {
    pub fn covered(&self) -> bool {
        self.positive > 0 && self.negative > 0
    }
}

/// Every rule any case ran (by name and where it is defined, sorted), with its tests: two
/// rules of one name in different rules files are two rules.
pub fn coverage(results: &[CaseResult]) -> Vec<RuleCoverage> {
    let mut by_rule: BTreeMap<(&str, &str), RuleCoverage> = BTreeMap::new();
    for r in results {
        let passed = r.verdict == Verdict::Pass;
        for t in &r.rules {
            let key = (t.rule.as_str(), t.defined_at.as_str());
            let c = by_rule.entry(key).or_insert_with(|| RuleCoverage {
                rule: t.rule.clone(),
                defined_at: t.defined_at.clone(),
                ..Default::default()
            });
            c.cases += 1;
            c.fired += (t.hits > 0) as usize;
            for (name, events) in &t.exceptions {
                let proves = (passed && t.pinned && *events > 0) as usize;
                match c.exceptions.iter_mut().find(|(n, _)| n == name) {
                    Some((_, n)) => *n += proves,
                    None => c.exceptions.push((name.clone(), proves)),
                }
            }
            c.positive += (passed && t.expects_hits) as usize;
            c.negative += (passed && t.expects_none) as usize;
            c.cannot_fire += (passed && t.cannot_fire) as usize;
        }
    }
    by_rule.into_values().collect()
}

/// The report: a line per rule, then the rules missing a positive or a negative test.
pub fn render(rules: &[RuleCoverage]) -> String {
    let mut s = String::new();
    let covered = rules.iter().filter(|r| r.covered()).count();
    let _ = writeln!(
        s,
        "Coverage: {covered} of {} rules have a passing positive and a passing negative case",
        rules.len()
    );
    let _ = writeln!(s, "  cases  fired  positive  negative  rule");
    for r in rules {
        // A name that two rules files define is told apart by where.
        let twice = rules.iter().filter(|o| o.rule == r.rule).count() > 1;
        let _ = writeln!(
            s,
            "  {:>5}  {:>5}  {:>8}  {:>8}  {}{}{}",
            r.cases,
            r.fired,
            r.positive,
            r.negative,
            r.rule,
            if twice {
                format!(" ({})", r.defined_at)
            } else {
                String::new()
            },
            if r.covered() { "" } else { "  <- not covered" }
        );
    }
    let exceptions: Vec<(&RuleCoverage, &str, usize)> = rules
        .iter()
        .flat_map(|r| r.exceptions.iter().map(move |(n, c)| (r, n.as_str(), *c)))
        .collect();
    if !exceptions.is_empty() {
        let proven = exceptions.iter().filter(|(.., c)| *c > 0).count();
        let _ = writeln!(
            s,
            "Exceptions: {proven} of {} keep their rule from firing on an event of a passing case \
             that pins the rule's hits (the case would fail without them)",
            exceptions.len()
        );
        let unproven: Vec<_> = exceptions.iter().filter(|(.., c)| *c == 0).collect();
        if !unproven.is_empty() {
            let _ = writeln!(s, "Exceptions no passing case proves ({}):", unproven.len());
            for (r, name, _) in unproven {
                let _ = writeln!(s, "  {} / {name}", r.rule);
            }
        }
    }
    for (what, missing) in [
        (
            "positive",
            rules.iter().filter(|r| r.positive == 0).collect::<Vec<_>>(),
        ),
        (
            "negative",
            rules.iter().filter(|r| r.negative == 0).collect(),
        ),
    ] {
        if !missing.is_empty() {
            let _ = writeln!(s, "Without a passing {what} case ({}):", missing.len());
            for r in missing {
                let blind = match (what, r.cannot_fire) {
                    ("negative", n) if n > 0 => format!(
                        ": {n} passing {} traces where it cannot fire, their captures did not \
                         record its syscalls",
                        if n == 1 { "case has" } else { "cases have" }
                    ),
                    _ => String::new(),
                };
                let _ = writeln!(s, "  {} ({}){blind}", r.rule, r.defined_at);
            }
        }
    }
    s
}
