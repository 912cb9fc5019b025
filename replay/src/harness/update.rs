//! `rtsec test --update`: rewrite a case's expectations from what the replay found (the
//! golden-file workflow). Only the top-level `expect:` block is rewritten; everything else in
//! the file, comments included, stays as it was.

use std::fmt::Write;

use rtsec_rules::Engine;

use super::case::{Case, TimeSpec, yaml_string};
use super::check::Comparison;

/// The new `expect:` block: counts of every rule that fired (and the zero counts the case
/// already had, which are assertions worth keeping), in rule order; the expected hits that
/// still match; `no_other_hits` as it was (on for a case that had no expectations yet).
/// Also returns what was dropped.
pub fn new_expect_block(case: &Case, engine: &Engine, cmp: &Comparison) -> (String, Vec<String>) {
    let order = |name: &str| {
        engine
            .enabled()
            .iter()
            .position(|&id| engine.rule(id).name == name)
            .unwrap_or(usize::MAX)
    };
    let mut counts: Vec<(String, u64)> = cmp.counts.clone();
    for (r, _) in &case.expect.counts {
        if !counts.iter().any(|(c, _)| c == r) {
            counts.push((r.clone(), 0));
        }
    }
    counts.sort_by_key(|(r, _)| order(r));
    let mut dropped = Vec::new();
    let mut s = String::from("expect:\n");
    if counts.is_empty() {
        s.push_str("  counts: {}\n");
    } else {
        s.push_str("  counts:\n");
        for (r, n) in &counts {
            let _ = writeln!(s, "    {}: {n}", yaml_string(r));
        }
    }
    let kept: Vec<_> = case
        .expect
        .hits
        .iter()
        .zip(&cmp.matched)
        .filter_map(|(h, m)| {
            if m.is_none() {
                dropped.push(format!(
                    "dropped the expected hit of line {} (rule {:?}): no actual hit matches it",
                    h.line, h.rule
                ));
            }
            m.map(|_| h)
        })
        .collect();
    if !kept.is_empty() {
        s.push_str("  hits:\n");
        for h in kept {
            let _ = writeln!(s, "    - rule: {}", yaml_string(&h.rule));
            if let Some(t) = &h.trace {
                let _ = writeln!(s, "      trace: {}", yaml_string(t));
            }
            if let Some(n) = h.event {
                let _ = writeln!(s, "      event: {n}");
            }
            match &h.time {
                Some(TimeSpec::Ns(t)) => {
                    let _ = writeln!(s, "      time: {t}");
                }
                Some(TimeSpec::Iso(t)) => {
                    let _ = writeln!(s, "      time: {}", yaml_string(t));
                }
                None => {}
            }
            if !h.fields.is_empty() {
                s.push_str("      fields:\n");
                for (k, v) in &h.fields {
                    let _ = writeln!(s, "        {}: {}", yaml_string(k), v.to_yaml());
                }
            }
        }
    }
    let no_other = if case.has_expect {
        case.expect.no_other_hits
    } else {
        true
    };
    let _ = writeln!(s, "  no_other_hits: {no_other}");
    (s, dropped)
}

/// `text` with its top-level `expect:` block replaced by `block` (appended if it has none).
pub fn replace_expect(text: &str, block: &str) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let start = lines
        .iter()
        .position(|l| l.starts_with("expect:") || l.starts_with("\"expect\":"));
    let Some(start) = start else {
        let mut out = text.to_string();
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(block);
        return out;
    };
    // The block ends at the next top-level key (a line starting with a letter or a quote).
    let end = lines[start + 1..]
        .iter()
        .position(|l| {
            l.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '"' || c == '\'')
        })
        .map_or(lines.len(), |i| start + 1 + i);
    let mut out: String = lines[..start].concat();
    out.push_str(block);
    out.push_str(&lines[end..].concat());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_expect_block_changes() {
        let text =
            "# a case\ntraces: [a.rts]\nexpect:\n  counts:\n    x: 1\n  # note\nrules: [r.yaml]\n";
        let out = replace_expect(text, "expect:\n  counts: {}\n  no_other_hits: true\n");
        assert_eq!(
            out,
            "# a case\ntraces: [a.rts]\nexpect:\n  counts: {}\n  no_other_hits: true\nrules: [r.yaml]\n"
        );
        let out = replace_expect("traces: [a.rts]", "expect:\n  no_other_hits: true\n");
        assert_eq!(out, "traces: [a.rts]\nexpect:\n  no_other_hits: true\n");
    }
}
