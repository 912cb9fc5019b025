//! JUnit XML for CI systems (GitLab, Jenkins, GitHub test reporters): one `<testcase>` per case
//! file, `<failure>` with the diff, `<error>` when the case could not run, `<skipped>` when
//! the run was stopped before it had a verdict.

use std::fmt::Write;
use std::time::Duration;

use super::{CaseResult, Verdict};

/// The report for `results`, which ran in `elapsed`.
pub fn junit_xml(results: &[CaseResult], elapsed: Duration) -> String {
    let failures = results
        .iter()
        .filter(|r| r.verdict == Verdict::Fail)
        .count();
    let errors = results
        .iter()
        .filter(|r| r.verdict == Verdict::Error)
        .count();
    let skipped = results
        .iter()
        .filter(|r| r.verdict == Verdict::NotRun)
        .count();
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let head = format!(
        "name=\"rtsec test\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" \
         skipped=\"{skipped}\" time=\"{:.3}\"",
        results.len(),
        elapsed.as_secs_f64()
    );
    let _ = writeln!(s, "<testsuites {head}>");
    let _ = writeln!(s, "  <testsuite {head}>");
    for r in results {
        let path = r.path.display().to_string();
        let (class, name) = match path.rsplit_once('/') {
            Some((d, f)) => (d.replace('/', "."), f.to_string()),
            None => ("rtsec".to_string(), path.clone()),
        };
        let _ = write!(
            s,
            "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\" time=\"{:.3}\"",
            escape(&class),
            escape(&name),
            escape(&path),
            r.elapsed.as_secs_f64()
        );
        let tag = match r.verdict {
            Verdict::Pass => {
                s.push_str("/>\n");
                continue;
            }
            Verdict::Fail => "failure",
            Verdict::Error => "error",
            Verdict::NotRun => "skipped",
        };
        let first = r.report.lines().next().unwrap_or("").trim();
        let _ = writeln!(
            s,
            ">\n      <{tag} message=\"{}\">{}</{tag}>\n    </testcase>",
            escape(first),
            escape(&r.report)
        );
    }
    s.push_str("  </testsuite>\n</testsuites>\n");
    s
}

/// XML text/attribute escaping; control characters XML 1.0 forbids become U+FFFD.
fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            '\n' | '\t' | '\r' => o.push(c),
            c if (c as u32) < 0x20 => o.push('\u{fffd}'),
            c => o.push(c),
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn failures_errors_and_skipped_cases_are_counted_and_escaped() {
        let r = |p: &str, v, report: &str| CaseResult {
            path: PathBuf::from(p),
            verdict: v,
            report: report.into(),
            ..Default::default()
        };
        let xml = junit_xml(
            &[
                r("cases/a.case.yaml", Verdict::Pass, ""),
                r("cases/b.case.yaml", Verdict::Fail, "! <rule> & \"x\"\nmore"),
                r("c.case.yaml", Verdict::Error, "missing\u{1}"),
                r("d.case.yaml", Verdict::NotRun, "the run was stopped"),
            ],
            Duration::from_millis(1500),
        );
        assert!(
            xml.contains("tests=\"4\" failures=\"1\" errors=\"1\" skipped=\"1\" time=\"1.500\"")
        );
        assert!(xml.contains("<skipped message=\"the run was stopped\">"));
        assert!(xml.contains("classname=\"cases\" name=\"a.case.yaml\""));
        assert!(xml.contains(
            "<failure message=\"! &lt;rule&gt; &amp; &quot;x&quot;\">! &lt;rule&gt; &amp; &quot;x&quot;\nmore</failure>"
        ));
        assert!(xml.contains("<error message=\"missing\u{fffd}\">"));
    }
}
