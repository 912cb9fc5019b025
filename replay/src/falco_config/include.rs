//! falco.yaml's `config_files`: more configuration files, or directories of them, merged into
//! the main one before its settings are read, as Falco's `merge_config_files` merges them
//! (its default falco.yaml includes `/etc/falco/config.d`). Each entry is a path, or a map
//! with `path` and `strategy`:
//! - `append` (the default): a list extends the main file's list of that key, anything else
//!   replaces the main file's value;
//! - `override`: every key replaces the main file's;
//! - `add-only`: only keys the main file does not have are added.
//!
//! A directory's regular files are merged in name order. An entry that does not exist is left
//! out (as Falco leaves it out) and named; an included file may not include others.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::document;
use crate::error::ReplayError;

/// How an included file's keys are merged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Strategy {
    Append,
    Override,
    AddOnly,
}

/// Merges the files that `root`'s `config_files` names (`main` is the file `root` was read
/// from) into `root`. `origins` gets the file each merged key now comes from (for errors
/// about it); `notes`, the entries left out.
pub(super) fn merge_config_files(
    main: &Path,
    root: &mut Map<String, Value>,
    origins: &mut HashMap<String, PathBuf>,
    notes: &mut Vec<String>,
) -> Result<(), ReplayError> {
    let bad =
        |what: String| ReplayError::Config(format!("{}: `config_files`: {what}", main.display()));
    let entries = match root.get("config_files") {
        None | Some(Value::Null) => return Ok(()),
        Some(Value::Array(a)) => a.clone(),
        Some(v) => vec![v.clone()],
    };
    for (i, entry) in entries.iter().enumerate() {
        let (path, strategy) = match entry {
            Value::String(p) => (PathBuf::from(p), Strategy::Append),
            Value::Object(m) => {
                let path = m.get("path").and_then(Value::as_str).ok_or_else(|| {
                    bad(format!(
                        "entry {}: expected `path: FILE_OR_DIRECTORY`",
                        i + 1
                    ))
                })?;
                let strategy = match m.get("strategy").and_then(Value::as_str) {
                    None | Some("append") => Strategy::Append,
                    Some("override") => Strategy::Override,
                    Some("add-only") => Strategy::AddOnly,
                    Some(other) => {
                        notes.push(format!(
                            "config_files entry {path}: unknown strategy `{other}`: merged with \
                             `append`, as Falco merges it (the others: override, add-only)"
                        ));
                        Strategy::Append
                    }
                };
                (PathBuf::from(path), strategy)
            }
            _ => {
                return Err(bad(format!(
                    "entry {}: expected a path, or a map with `path` and `strategy`",
                    i + 1
                )));
            }
        };
        if path == main {
            return Err(bad(format!("{} includes itself", path.display())));
        }
        if path.is_file() {
            include(&path, strategy, root, origins, notes)?;
        } else if path.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(&path)
                .map_err(|e| ReplayError::io(&path, e))?
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect();
            files.sort();
            for f in files {
                include(&f, strategy, root, origins, notes)?;
            }
        } else {
            notes.push(format!(
                "config_files entry {} does not exist: left out (as Falco does)",
                path.display()
            ));
        }
    }
    Ok(())
}

/// Merges the file `path` into `root` by `strategy`.
fn include(
    path: &Path,
    strategy: Strategy,
    root: &mut Map<String, Value>,
    origins: &mut HashMap<String, PathBuf>,
    notes: &mut Vec<String>,
) -> Result<(), ReplayError> {
    let text = std::fs::read_to_string(path).map_err(|e| ReplayError::io(path, e))?;
    for (key, value) in document(path, &text, notes)? {
        if key == "config_files" {
            return Err(ReplayError::Config(format!(
                "{}: `config_files` in an included file: only the main falco.yaml may \
                 include files (as in Falco)",
                path.display()
            )));
        }
        let merged = match (strategy, value, root.get_mut(&key)) {
            (Strategy::AddOnly, _, Some(_)) => false,
            (Strategy::Append, Value::Array(items), Some(Value::Array(list))) => {
                list.extend(items);
                true
            }
            (_, value, _) => {
                root.insert(key.clone(), value);
                true
            }
        };
        if merged {
            origins.insert(key, path.to_path_buf());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::FalcoConfig;
    use std::path::Path;

    fn write(dir: &Path, name: &str, text: &str) -> String {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p.display().to_string()
    }

    #[test]
    fn included_files_are_merged_by_their_strategy_in_order() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path();
        let rules = |n: &str| write(dir, &format!("rules/{n}.yaml"), "");
        let (a, b, c) = (rules("a"), rules("b"), rules("c"));
        // config.d's files in name order: 10 appends to the list and sets the priority, 20
        // replaces the priority; then an override replaces the list; add-only adds only what
        // is not there.
        write(dir, "config.d/20-prio.yaml", "priority: error\n");
        write(
            dir,
            "config.d/10-more.yaml",
            &format!("rules_files: [{b}]\npriority: notice\njson_output: true\n"),
        );
        let over = write(dir, "over.yaml", &format!("rules_files: [{c}, {a}]\n"));
        let add = write(
            dir,
            "add.yaml",
            "priority: debug\nrule_matching: all\njson_output: false\n",
        );
        let main = write(
            dir,
            "falco.yaml",
            &format!(
                "rules_files: [{a}]\nconfig_files:\n  - {}\n  - {{path: {over}, strategy: override}}\n  \
                 - {{path: {add}, strategy: add-only}}\n  - {}\n",
                dir.join("config.d").display(),
                dir.join("missing.d").display()
            ),
        );
        let c1 = FalcoConfig::load(Path::new(&main)).unwrap();
        let paths = |v: &[&str]| v.iter().map(std::path::PathBuf::from).collect::<Vec<_>>();
        assert_eq!(c1.rules_files, Some(paths(&[&c, &a])));
        assert_eq!(c1.priority, Some(rtsec_rules::Priority::Error));
        assert_eq!(c1.json_output, Some(true), "add-only keeps what is there");
        assert_eq!(c1.rule_matching, Some(rtsec_rules::RuleMatching::All));
        assert!(
            c1.notes[0].contains("missing.d does not exist: left out (as Falco does)"),
            "{:?}",
            c1.notes
        );

        // Without the override: the appended list.
        let main = write(
            dir,
            "falco2.yaml",
            &format!(
                "rules_files: [{a}]\nconfig_files: {}\n",
                dir.join("config.d").display()
            ),
        );
        let c2 = FalcoConfig::load(Path::new(&main)).unwrap();
        assert_eq!(c2.rules_files, Some(paths(&[&a, &b])));
        // Text given as such follows no includes.
        let text = std::fs::read_to_string(&main).unwrap();
        let c3 = FalcoConfig::parse(Path::new(&main), &text).unwrap();
        assert_eq!(c3.rules_files, Some(paths(&[&a])));

        // `-o config_files…` options choose what is included, as in Falco; the others apply
        // after the included files.
        let plain = write(dir, "falco3.yaml", &format!("rules_files: [{a}]\n"));
        let options = [
            format!("config_files[]={}", dir.join("config.d").display()),
            "priority=critical".to_string(),
        ];
        let c4 = FalcoConfig::load_with(Path::new(&plain), &options).unwrap();
        assert_eq!(c4.rules_files, Some(paths(&[&a, &b])));
        assert_eq!(c4.json_output, Some(true));
        assert_eq!(c4.priority, Some(rtsec_rules::Priority::Critical));
    }

    #[test]
    fn errors_name_the_file_they_are_in() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path();
        let bad = write(dir, "bad.yaml", "rule_matching: sometimes\n");
        let nested = write(dir, "nested.yaml", "config_files: [x.yaml]\n");
        let not_map = write(dir, "list.yaml", "- a\n- b\n");
        let load = |entry: &str| {
            let main = write(dir, "falco.yaml", &format!("config_files: [{entry}]\n"));
            FalcoConfig::load(Path::new(&main)).unwrap_err().to_string()
        };
        let e = load(&bad);
        assert!(
            e.starts_with(&format!("{bad}: `rule_matching`: expected")),
            "{e}"
        );
        let e = load(&nested);
        assert!(
            e.contains(&format!("{nested}: `config_files` in an included file")),
            "{e}"
        );
        let e = load(&not_map);
        assert!(
            e.contains(&format!("{not_map}: expected a map of settings")),
            "{e}"
        );
        let main = dir.join("falco.yaml").display().to_string();
        let e = load(&main);
        assert!(e.contains("includes itself"), "{e}");
        let e = load("{strategy: override}");
        assert!(
            e.contains("entry 1: expected `path: FILE_OR_DIRECTORY`"),
            "{e}"
        );
    }
}
