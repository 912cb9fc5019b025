//! Turning the paths a user gave into the list of traces to judge, in a stable order.

use std::path::{Path, PathBuf};

use rtsec_rules::HostTable;

/// The file extension of rtsec traces; directories are searched for it.
pub const TRACE_EXTENSION: &str = "rts";

/// Endings of Falco/sysdig captures, which directories are searched for too (the caller
/// imports them, see [`Input::imported`]).
pub const CAPTURE_ENDINGS: [&str; 2] = [".scap", ".scap.gz"];

/// One thing to judge: a trace path, or a path that could not become one (kept so that the
/// summary names it and the exit code says something was wrong).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Input {
    /// The trace to read.
    pub path: PathBuf,
    /// Why this path cannot be judged, found before opening it (e.g. an empty directory).
    pub problem: Option<String>,
    /// The capture the user named when `path` is a trace imported from it for this run: the
    /// summary and the hits' `trace` column name the capture, not a temporary file.
    pub imported_from: Option<PathBuf>,
}

impl Input {
    /// A trace to read as given.
    pub fn new(path: impl Into<PathBuf>) -> Input {
        Input {
            path: path.into(),
            ..Default::default()
        }
    }

    /// An input that cannot be judged, and why.
    pub fn with_problem(path: impl Into<PathBuf>, problem: impl Into<String>) -> Input {
        Input {
            path: path.into(),
            problem: Some(problem.into()),
            imported_from: None,
        }
    }

    /// `trace`, imported from the capture `capture` for this run.
    pub fn imported(trace: PathBuf, capture: PathBuf) -> Input {
        Input {
            path: trace,
            problem: None,
            imported_from: Some(capture),
        }
    }

    /// What the user calls this input: the capture it was imported from, or its path.
    pub fn name(&self) -> &Path {
        self.imported_from.as_deref().unwrap_or(&self.path)
    }
}

/// Whether `path` names standard input: `-`, unless a file has that name (as `cat` reads it).
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-" && !path.exists()
}

/// Whether `path` is named like a Falco/sysdig capture.
pub fn is_capture_name(path: &Path) -> bool {
    let name = path.as_os_str().as_encoded_bytes();
    CAPTURE_ENDINGS.iter().any(|e| name.ends_with(e.as_bytes()))
}

/// Expands the paths in the order given: a file is taken as is (whatever its name, so a
/// mistyped or foreign file gets a clear error when opened); a directory contributes every
/// `*.rts`, `*.scap` and `*.scap.gz` below it, recursively, sorted by path. A directory holding
/// none is an input with a problem. `-` (standard input) is taken as is: the caller copies it
/// into a file, as traces are read through their block index.
pub fn expand(paths: &[PathBuf]) -> Vec<Input> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found = Vec::new();
            let mut others = Vec::new();
            let mut problems = Vec::new();
            walk(p, &mut found, &mut others, &mut problems);
            found.sort();
            if found.is_empty() && problems.is_empty() {
                problems.push(Input::with_problem(
                    p.clone(),
                    format!(
                        "no .{TRACE_EXTENSION} traces or .scap captures in this directory \
                         (searched recursively){}",
                        misnamed_traces(others)
                    ),
                ));
            }
            out.extend(found.into_iter().map(Input::new));
            out.extend(problems);
        } else {
            out.push(Input::new(p.clone()));
        }
    }
    out
}

/// Removes every input that is a file (or standard input, or a pipe) already in `inputs` (the
/// same by device and inode, however it was named: a directory and a trace in it, `t.rts` and
/// `./t.rts`, `-` and `/dev/stdin`), which would otherwise be judged, and its hits counted,
/// twice. Returns a note for each one removed.
pub fn drop_repeats(inputs: &mut Vec<Input>) -> Vec<String> {
    drop_same_files(
        inputs,
        |i| {
            // Standard input too: read once, it can be judged only once.
            let stat = if is_stdin(&i.path) {
                Path::new("/dev/stdin")
            } else {
                &i.path
            };
            i.problem.is_none().then_some((stat, i.path.as_path()))
        },
        "judged once",
    )
}

/// Removes every item whose file (`key`: the path to look at and the one to name, or none to
/// keep the item) is one an earlier item has, by device and inode; a directory, or a path that
/// cannot be looked at, is kept. Returns a note for each one removed, ending in `done`.
pub(crate) fn drop_same_files<T>(
    items: &mut Vec<T>,
    key: impl Fn(&T) -> Option<(&Path, &Path)>,
    done: &str,
) -> Vec<String> {
    use std::os::unix::fs::MetadataExt;
    let mut seen: std::collections::HashMap<(u64, u64), PathBuf> = Default::default();
    let mut notes = Vec::new();
    items.retain(|item| {
        let Some((stat, named)) = key(item) else {
            return true;
        };
        let Ok(m) = std::fs::metadata(stat) else {
            return true;
        };
        if m.is_dir() {
            return true;
        }
        match seen.entry((m.dev(), m.ino())) {
            std::collections::hash_map::Entry::Occupied(first) => {
                notes.push(if first.get() == named {
                    format!("{} is named twice: {done}", named.display())
                } else {
                    format!(
                        "{} is {} again: {done}",
                        named.display(),
                        first.get().display()
                    )
                });
                false
            }
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(named.to_path_buf());
                true
            }
        }
    });
    notes
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

/// The trace and capture files below `dir` into `found`, other files into `others`.
fn walk(
    dir: &Path,
    found: &mut Vec<PathBuf>,
    others: &mut Vec<PathBuf>,
    problems: &mut Vec<Input>,
) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            problems.push(Input::with_problem(
                dir.to_path_buf(),
                format!("cannot list directory: {e}"),
            ));
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(ft) = entry.file_type() else { continue };
        if ft.is_dir() {
            walk(&path, found, others, problems);
        } else if path.extension().is_some_and(|e| e == TRACE_EXTENSION) || is_capture_name(&path) {
            found.push(path);
        } else {
            others.push(path);
        }
    }
}

/// The files below `dir` that are rtsec traces by their content but not named `*.rts`, sorted:
/// a directory is read for its `*.rts` files only. `rtsec capture -o x.trace` writes a trace
/// under any name, and a rotating one names its files after it.
pub fn traces_by_another_name(dir: &Path) -> Vec<PathBuf> {
    let (mut found, mut others, mut problems) = (Vec::new(), Vec::new(), Vec::new());
    walk(dir, &mut found, &mut others, &mut problems);
    only_traces(others)
}

fn only_traces(mut files: Vec<PathBuf>) -> Vec<PathBuf> {
    files.retain(|p| is_trace_by_content(p));
    files.sort();
    files
}

/// `FIRST` or `FIRST and N more`: the files of [`traces_by_another_name`] in a note.
pub fn first_and_more(paths: &[PathBuf]) -> Option<String> {
    let first = paths.first()?.display();
    Some(match paths.len() {
        1 => first.to_string(),
        n => format!("{first} and {} more", n - 1),
    })
}

/// Whether the file `path` begins as an rtsec trace does, whatever its name.
pub fn is_trace_by_content(path: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 8];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok_and(|()| magic == rtsec_format::TRACE_MAGIC)
}

/// For a directory without traces by name, the `others` files in it that are traces by their
/// content (`; it holds rtsec traces by another name: …`), or nothing.
fn misnamed_traces(others: Vec<PathBuf>) -> String {
    first_and_more(&only_traces(others)).map_or(String::new(), |files| {
        format!(
            "; it holds rtsec traces by another name: {files} (a directory's traces are its \
             *.{TRACE_EXTENSION} files: rename them, or give the files themselves)"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_expand_sorted_and_files_stay_in_order() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("b/c")).unwrap();
        for f in [
            "b/c/2.rts",
            "b/1.rts",
            "a.rts",
            "b/notes.txt",
            "b/0.scap",
            "b/c/3.scap.gz",
            "b/gz",
        ] {
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
                d.path().join("b/0.scap"),
                d.path().join("b/1.rts"),
                d.path().join("b/c/2.rts"),
                d.path().join("b/c/3.scap.gz"),
                empty
            ]
        );
        assert!(
            got[5]
                .problem
                .as_deref()
                .unwrap()
                .contains("no .rts traces")
        );
        assert!(got[..5].iter().all(|i| i.problem.is_none()));
    }

    #[test]
    fn a_directory_of_traces_by_another_name_says_so() {
        let d = tempfile::tempdir().unwrap();
        let mut trace = rtsec_format::TRACE_MAGIC.to_vec();
        trace.extend_from_slice(b"rest");
        for (f, bytes) in [
            ("t-1.trace", &trace[..]),
            ("t-2.trace", &trace[..]),
            ("notes.txt", b"RTSEC"),
        ] {
            std::fs::write(d.path().join(f), bytes).unwrap();
        }
        let got = expand(&[d.path().to_path_buf()]);
        let problem = got[0].problem.as_deref().unwrap();
        assert!(
            problem.ends_with(&format!(
                "; it holds rtsec traces by another name: {} and 1 more (a directory's traces \
                 are its *.rts files: rename them, or give the files themselves)",
                d.path().join("t-1.trace").display()
            )),
            "{problem}"
        );
        std::fs::remove_file(d.path().join("t-1.trace")).unwrap();
        std::fs::remove_file(d.path().join("t-2.trace")).unwrap();
        let got = expand(&[d.path().to_path_buf()]);
        assert!(
            got[0]
                .problem
                .as_deref()
                .unwrap()
                .ends_with("(searched recursively)")
        );
    }

    #[test]
    fn a_file_named_twice_is_judged_once() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir(d.path().join("dir")).unwrap();
        let a = d.path().join("dir/a.rts");
        let b = d.path().join("b.rts");
        std::fs::write(&a, b"x").unwrap();
        std::fs::write(&b, b"x").unwrap();
        let again = d.path().join("dir/../dir/a.rts");
        let missing = d.path().join("missing.rts");
        let mut got = expand(&[
            d.path().join("dir"),
            b.clone(),
            again.clone(),
            b.clone(),
            missing.clone(),
            missing.clone(),
        ]);
        let notes = drop_repeats(&mut got);
        let paths: Vec<_> = got.iter().map(|i| i.path.clone()).collect();
        // A missing file is left to fail where it is read (each naming is an error).
        assert_eq!(paths, vec![a.clone(), b.clone(), missing.clone(), missing]);
        assert_eq!(
            notes,
            vec![
                format!("{} is {} again: judged once", again.display(), a.display()),
                format!("{} is named twice: judged once", b.display()),
            ]
        );
    }
}
