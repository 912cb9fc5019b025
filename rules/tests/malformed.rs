//! Malformed rules files: each gives a clear error of the expected kind, text and position, and
//! none panics. The expectation is the file's last line: `# expect: LINE:COL KIND message`.

use std::path::Path;

use rtsec_rules::{RuleSource, RulesError};

fn kind(e: &RulesError) -> &'static str {
    match e {
        RulesError::Io { .. } => "Io",
        RulesError::Yaml(_) => "Yaml",
        RulesError::Schema(_) => "Schema",
        RulesError::Syntax(_) => "Syntax",
        RulesError::Compile(_) => "Compile",
        RulesError::Output(_) => "Output",
    }
}

#[test]
fn every_malformed_file_fails_with_the_expected_error() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/malformed");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 30, "{} malformed files", files.len());
    let mut failures = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let expect = text
            .lines()
            .rev()
            .find_map(|l| l.strip_prefix("# expect: "))
            .unwrap_or_else(|| panic!("{}: no '# expect:' line", f.display()));
        let (pos, rest) = expect.split_once(' ').unwrap();
        let (want_kind, want_msg) = rest.split_once(' ').unwrap();
        let (line, col) = pos.split_once(':').unwrap();
        let (line, col): (u32, u32) = (line.parse().unwrap(), col.parse().unwrap());
        let src = RuleSource::from_file(f).unwrap();
        let err = match std::panic::catch_unwind(|| rtsec_rules::load(&[src])) {
            Ok(Ok(_)) => {
                failures.push(format!("{}: loaded without error", f.display()));
                continue;
            }
            Ok(Err(e)) => e.error,
            Err(_) => {
                failures.push(format!("{}: PANIC", f.display()));
                continue;
            }
        };
        let d = err.diagnostic().expect("a positioned error");
        let ok = kind(&err) == want_kind
            && d.line == line
            && d.column == col
            && d.message.contains(want_msg)
            && d.file == f.display().to_string()
            && d.snippet.as_ref().is_some_and(|s| s.contains('^'));
        if !ok {
            failures.push(format!(
                "{}: expected {line}:{col} {want_kind} '{want_msg}', got {}:{} {} '{}'",
                f.display(),
                d.line,
                d.column,
                kind(&err),
                d.message
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
