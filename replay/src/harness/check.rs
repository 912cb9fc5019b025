//! Comparing what a case expects with what the replay found, and writing the difference so a
//! person can see at once what changed.

use std::fmt::Write;

use rtsec_rules::{Engine, RuleSet, iso8601_text};

use super::case::{Case, ExpectedHit, TimeSpec, ValueText};
use crate::judge::Hit;
use crate::summary::Summary;

/// Most unexpected hits listed in a report (the rest are counted).
const MAX_LISTED: usize = 20;
/// Most hits listed under a rule whose count differs.
const MAX_PER_RULE: usize = 5;

/// The comparison of one case.
#[derive(Debug, Default)]
pub struct Comparison {
    /// Readable lines explaining every difference (empty if the case passes).
    pub report: Vec<String>,
    /// For each expected hit, the actual hit it matched.
    pub matched: Vec<Option<usize>>,
    /// Hits per rule that fired, in rule order.
    pub counts: Vec<(String, u64)>,
}

impl Comparison {
    pub fn passed(&self) -> bool {
        self.report.is_empty()
    }
}

/// Compares. `set` is the loaded rules (disabled ones and those below `min_priority`
/// included: a zero count for them is a valid assertion; a name in none of them is a typo).
pub fn compare(
    case: &Case,
    set: &RuleSet,
    engine: &Engine,
    summary: &Summary,
    hits: &[Hit],
) -> Comparison {
    let mut c = Comparison {
        counts: summary
            .rules
            .iter()
            .map(|r| (r.rule.clone(), r.hits))
            .collect(),
        ..Default::default()
    };
    let trace_name = |i: usize| case.traces.get(i).map_or("?", |(t, _)| t.as_str());
    let mut incomplete = 0;
    if !case.allow_incomplete {
        for (i, t) in summary.traces.iter().enumerate() {
            let why = t.incompleteness();
            if !why.is_empty() {
                incomplete += 1;
                c.report.push(format!(
                    "trace {} is incomplete (set `allow_incomplete: true` if that is expected):",
                    trace_name(i)
                ));
                c.report.extend(why.into_iter().map(|w| format!("    {w}")));
            }
        }
    }
    let rule_name = |id| engine.rule(id).name.as_str();
    let actual = |name: &str| {
        c.counts
            .iter()
            .find(|(r, _)| r == name)
            .map_or(0, |(_, n)| *n)
    };
    // Rules that exist in the loaded files, whether or not they run.
    let known = |name: &str| set.rules().any(|r| r.name == name);
    let enabled = |name: &str| engine.enabled().iter().any(|&id| rule_name(id) == name);

    // Expected hits claim actual hits in order.
    let mut claimed = vec![false; hits.len()];
    let mut missing = Vec::new();
    for (ei, e) in case.expect.hits.iter().enumerate() {
        let found = hits.iter().enumerate().position(|(i, h)| {
            !claimed[i] && rule_name(h.rule) == e.rule && hit_matches(e, h, case).is_empty()
        });
        match found {
            Some(i) => {
                claimed[i] = true;
                c.matched.push(Some(i));
            }
            None => {
                c.matched.push(None);
                missing.push(ei);
            }
        }
    }

    // Counts: the expected ones, plus every other rule that fired under no_other_hits.
    let expected: Vec<&(String, u64)> = case.expect.counts.iter().collect();
    let mut rows: Vec<(String, Option<u64>, u64)> = expected
        .iter()
        .map(|(r, n)| (r.clone(), Some(*n), actual(r)))
        .collect();
    let mut unexpected: Vec<usize> = Vec::new();
    if case.expect.no_other_hits {
        for (i, h) in hits.iter().enumerate() {
            let name = rule_name(h.rule);
            if !claimed[i] && !expected.iter().any(|(r, _)| r == name) {
                unexpected.push(i);
            }
        }
        for (rule, n) in &c.counts {
            if !rows.iter().any(|(r, ..)| r == rule)
                && unexpected.iter().any(|&i| rule_name(hits[i].rule) == rule)
            {
                rows.push((rule.clone(), None, *n));
            }
        }
    }
    let bad_rows = rows.iter().any(|(r, e, a)| match e {
        Some(e) => e != a || !known(r),
        None => true,
    });
    if bad_rows {
        let w = rows
            .iter()
            .map(|(r, ..)| r.len())
            .max()
            .unwrap_or(0)
            .max(13);
        c.report
            .push(format!("  {:<w$}  expected  actual", "hits per rule"));
        for (r, e, a) in &rows {
            let ok = e.is_some_and(|e| e == *a) && known(r);
            let note = if !known(r) {
                "   (no such rule in the loaded rules files: a typo?)"
            } else if !enabled(r) {
                "   (not run: disabled, or below min_priority)"
            } else if e.is_none() {
                "   (not expected: no_other_hits)"
            } else {
                ""
            };
            c.report.push(format!(
                "{} {:<w$}  {:>8}  {:>6}{note}",
                if ok { " " } else { "!" },
                r,
                e.map_or("-".to_string(), |e| e.to_string()),
                a
            ));
        }
        // The hits behind each wrong count, so the diff shows what fired.
        for (r, e, a) in &rows {
            if e.is_none_or(|e| e == *a) || *a == 0 {
                continue;
            }
            c.report.push(format!("hits of {r:?}:"));
            let of_rule: Vec<&Hit> = hits.iter().filter(|h| rule_name(h.rule) == r).collect();
            for h in of_rule.iter().take(MAX_PER_RULE) {
                c.report.push(format!(
                    "    {} event {}: {}",
                    trace_name(h.input),
                    h.num,
                    h.line
                ));
            }
            if of_rule.len() > MAX_PER_RULE {
                c.report
                    .push(format!("    … and {} more", of_rule.len() - MAX_PER_RULE));
            }
        }
    }
    let bad_counts = rows
        .iter()
        .filter(|(r, e, a)| e.is_some_and(|e| e != *a) || (e.is_some() && !known(r)))
        .count();
    let n_missing = missing.len();
    for ei in missing {
        let e = &case.expect.hits[ei];
        c.report.push(format!(
            "expected hit not found (line {}): {}",
            e.line,
            describe(e)
        ));
        let same_rule: Vec<(usize, &Hit)> = hits
            .iter()
            .enumerate()
            .filter(|(_, h)| rule_name(h.rule) == e.rule)
            .collect();
        if !known(&e.rule) {
            c.report
                .push("    no such rule in the loaded rules files (a typo?)".into());
        } else if !enabled(&e.rule) {
            c.report
                .push("    that rule does not run (disabled, or below min_priority)".into());
        } else if same_rule.is_empty() {
            c.report.push("    no hit of that rule at all".into());
        }
        let mut ranked: Vec<(usize, Vec<String>, &Hit)> = same_rule
            .into_iter()
            .map(|(i, h)| (i, hit_matches(e, h, case), h))
            .collect();
        ranked.sort_by_key(|(i, d, _)| (d.len(), *i));
        for (i, diffs, h) in ranked.into_iter().take(3) {
            c.report.push(format!(
                "    closest: {} event {}{}: {}",
                trace_name(h.input),
                h.num,
                if claimed[i] {
                    " (already matched another expected hit)"
                } else {
                    ""
                },
                diffs.join(", ")
            ));
        }
    }
    if !unexpected.is_empty() {
        c.report.push(format!(
            "unexpected hits ({}; no_other_hits is set):",
            unexpected.len()
        ));
        for &i in unexpected.iter().take(MAX_LISTED) {
            let h = &hits[i];
            c.report.push(format!(
                "  + {} event {}: {}",
                trace_name(h.input),
                h.num,
                h.line
            ));
        }
        if unexpected.len() > MAX_LISTED {
            c.report
                .push(format!("  … and {} more", unexpected.len() - MAX_LISTED));
        }
    }
    if !c.report.is_empty() {
        c.report.extend(blind_rules(case, summary, trace_name));
        let mut what = Vec::new();
        let count = |n: usize, one: &str, many: &str| {
            format!("{n} {}", crate::summary::plural(n, one, many))
        };
        if incomplete > 0 {
            what.push(count(incomplete, "incomplete trace", "incomplete traces"));
        }
        if bad_counts > 0 {
            what.push(count(
                bad_counts,
                "rule count differs",
                "rule counts differ",
            ));
        }
        if n_missing > 0 {
            what.push(count(
                n_missing,
                "expected hit not found",
                "expected hits not found",
            ));
        }
        if !unexpected.is_empty() {
            what.push(count(unexpected.len(), "unexpected hit", "unexpected hits"));
        }
        c.report.insert(0, what.join(", "));
    }
    c
}

/// For a failing case: the rules it names that watch syscalls a trace's capture did not
/// record, or compare `fd.*.name` with names it has no answer for, which may be why they
/// fired less than expected.
fn blind_rules<'a>(
    case: &Case,
    summary: &Summary,
    trace_name: impl Fn(usize) -> &'a str,
) -> Vec<String> {
    let named = |rule: &str| {
        case.expect.counts.iter().any(|(r, _)| r == rule)
            || case.expect.hits.iter().any(|e| e.rule == rule)
    };
    let mut out = Vec::new();
    for (i, t) in summary.traces.iter().enumerate() {
        for u in t.unseen.iter().filter(|u| named(&u.rule)) {
            out.push(format!(
                "rule {:?} cannot fire on {} in trace {}: its capture did not record them \
                 (`rtsec capture --syscalls default,{}` records them)",
                u.rule,
                u.types.join(", "),
                trace_name(i),
                u.syscalls.join(",")
            ));
        }
        for (rule, names) in t.unresolved.iter().filter(|(r, _)| named(r)) {
            out.push(format!(
                "rule {rule:?} cannot match fd.*.name with {} in trace {}: it has no recorded \
                 answer for {} (`rtsec capture --resolve NAME` records one)",
                names.join(", "),
                trace_name(i),
                if names.len() == 1 { "it" } else { "them" }
            ));
        }
    }
    out
}

/// Notes on the `RULE: 0` counts of `case` that cannot fail: the rule watches only syscalls
/// that none of its traces' captures recorded, so it cannot fire there (a passing case that
/// proves nothing about it).
pub(crate) fn zeros_that_cannot_fail(case: &Case, summary: &Summary) -> Vec<String> {
    let mut out = Vec::new();
    for (rule, _) in case.expect.counts.iter().filter(|(_, n)| *n == 0) {
        if !super::coverage::cannot_fire(rule, summary) {
            continue;
        }
        let mut syscalls: Vec<&str> = summary
            .traces
            .iter()
            .flat_map(|t| t.unseen.iter().filter(|u| &u.rule == rule))
            .flat_map(|u| u.syscalls.iter().map(String::as_str))
            .collect();
        syscalls.sort_unstable();
        syscalls.dedup();
        out.push(format!(
            "`{rule}: 0` cannot fail: the rule watches only syscalls these traces' captures \
             did not record ({}; `rtsec capture --syscalls default,{}` records them)",
            syscalls.join(", "),
            syscalls.join(",")
        ));
    }
    out
}

/// The ways `h` differs from `e` (empty: it matches). The rule is compared by the caller.
fn hit_matches(e: &ExpectedHit, h: &Hit, case: &Case) -> Vec<String> {
    let mut d = Vec::new();
    if let Some(t) = &e.trace {
        let actual = case.traces.get(h.input).map_or("?", |(t, _)| t.as_str());
        if actual != t {
            d.push(format!("trace {actual} (expected {t})"));
        }
    }
    if let Some(n) = e.event
        && h.num != n
    {
        d.push(format!("event {} (expected {n})", h.num));
    }
    match &e.time {
        Some(TimeSpec::Ns(t)) if h.ts != *t => d.push(format!("time {} (expected {t})", h.ts)),
        Some(t @ TimeSpec::Iso(text)) if t.ns() != Ok(h.ts) => {
            d.push(format!("time {} (expected {text})", iso8601_text(h.ts)))
        }
        _ => {}
    }
    for (k, want) in &e.fields {
        match h.output_fields.binary_search_by(|(f, _)| f.as_str().cmp(k)) {
            Ok(i) => {
                let got = &h.output_fields[i].1;
                if !want.matches(got) {
                    d.push(format!(
                        "{k}={} (expected {})",
                        got.to_text()
                            .map_or("<NA>".into(), |s| super::case::yaml_string(&s)),
                        want.to_yaml()
                    ));
                }
            }
            Err(_) => d.push(format!(
                "{k} is not in the rule's output fields (expected {})",
                want.to_yaml()
            )),
        }
    }
    d
}

fn describe(e: &ExpectedHit) -> String {
    let mut s = format!("rule {:?}", e.rule);
    if let Some(t) = &e.trace {
        let _ = write!(s, ", trace {t}");
    }
    if let Some(n) = e.event {
        let _ = write!(s, ", event {n}");
    }
    match &e.time {
        Some(TimeSpec::Ns(t)) => {
            let _ = write!(s, ", time {t}");
        }
        Some(TimeSpec::Iso(t)) => {
            let _ = write!(s, ", time {t}");
        }
        None => {}
    }
    for (k, v) in &e.fields {
        let _ = write!(s, ", {k}={}", v.to_yaml());
    }
    s
}
