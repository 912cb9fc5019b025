//! Turning the paths a user gave into the list of traces to judge, in a stable order.

use std::path::{Path, PathBuf};

use rtsec_rules::HostTable;

/// The file extension of rtsec traces; directories are searched for it.
pub const TRACE_EXTENSION: &str = "rts";

/// One thing to judge: a trace path, or a path that could not become one (kept so that the
/// summary names it and the exit code says something was wrong).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    pub path: PathBuf,
    /// Why this path cannot be judged, found before opening it (e.g. an empty directory).
    pub problem: Option<String>,
}

/// Expands the paths in the order given: a file is taken as is (whatever its name, so a
/// mistyped or foreign file gets a clear error when opened); a directory contributes every
/// `*.rts` below it, recursively, sorted by path. A directory holding none is an input with a
/// problem.
pub fn expand(paths: &[PathBuf]) -> Vec<Input> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found = Vec::new();
            let mut problems = Vec::new();
            walk(p, &mut found, &mut problems);
            found.sort();
            if found.is_empty() && problems.is_empty() {
                problems.push(Input {
                    path: p.clone(),
                    problem: Some(format!(
                        "no .{TRACE_EXTENSION} traces in this directory (searched recursively)"
                    )),
                });
            }
            out.extend(found.into_iter().map(|path| Input {
                path,
                problem: None,
            }));
            out.extend(problems);
        } else {
            out.push(Input {
                path: p.clone(),
                problem: None,
            });
        }
    }
    out
}

/// The DNS answers recorded in the headers of `inputs` (`rtsec capture --resolve`), for
/// `EngineOptions::hosts`: rules that compare `fd.sip.name` with a name judge against what the
/// name resolved to when the trace was recorded. An input whose header cannot be read adds
/// nothing here; the replay itself reports it.
pub fn recorded_hosts(inputs: &[Input]) -> HostTable {
    let mut hosts = HostTable::new();
    for input in inputs.iter().filter(|i| i.problem.is_none()) {
        if let Ok(reader) = rtsec_format::TraceReader::open(&input.path) {
            hosts.insert_recorded(&reader.header().hosts);
        }
    }
    hosts
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>, problems: &mut Vec<Input>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            problems.push(Input {
                path: dir.to_path_buf(),
                problem: Some(format!("cannot list directory: {e}")),
            });
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(ft) = entry.file_type() else { continue };
        if ft.is_dir() {
            walk(&path, found, problems);
        } else if path.extension().is_some_and(|e| e == TRACE_EXTENSION) {
            found.push(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_expand_sorted_and_files_stay_in_order() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("b/c")).unwrap();
        for f in ["b/c/2.rts", "b/1.rts", "a.rts", "b/notes.txt"] {
            std::fs::write(d.path().join(f), b"x").unwrap();
        }
        let empty = d.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        let z = d.path().join("z.bin");
        let got = expand(&[z.clone(), d.path().join("b"), empty.clone()]);
        let paths: Vec<_> = got.iter().map(|i| i.path.clone()).collect();
        assert_eq!(
            paths,
            vec![
                z,
                d.path().join("b/1.rts"),
                d.path().join("b/c/2.rts"),
                empty
            ]
        );
        assert!(
            got[3]
                .problem
                .as_deref()
                .unwrap()
                .contains("no .rts traces")
        );
        assert!(got[..3].iter().all(|i| i.problem.is_none()));
    }
}
