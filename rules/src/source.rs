//! Rules sources (files, the bundled set) and turning byte offsets into lines, columns and
//! caret snippets.

use std::path::{Path, PathBuf};

use crate::error::RulesError;

/// The name the bundled ruleset reports in diagnostics and `RuleInfo::file`.
pub const BUNDLED_NAME: &str = "<bundled>";

/// rtsec's own default ruleset (Falco syntax), compiled into the binary.
pub const BUNDLED_RULES: &str = include_str!("../bundled/rtsec_rules.yaml");

/// The rules files `path` stands for: itself, or for a directory what Falco's `-r DIR` loads:
/// the regular files directly in it (symbolic links followed, subdirectories not searched)
/// named `*.yaml` or `*.yml`, in the order of their sorted paths. A directory without any is an
/// error: a rules directory that adds nothing is a mistake to point out.
pub fn rules_files(path: &Path) -> Result<Vec<PathBuf>, RulesError> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let io = |source| RulesError::Io {
        path: path.display().to_string(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).map_err(io)? {
        let p = entry.map_err(io)?.path();
        let yaml = p.extension().is_some_and(|e| e == "yaml" || e == "yml");
        if yaml && p.is_file() {
            files.push(p);
        }
    }
    if files.is_empty() {
        return Err(io(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "a directory without rules files (*.yaml or *.yml directly in it)",
        )));
    }
    files.sort();
    Ok(files)
}

/// The text of one rules file and the name it is reported under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleSource {
    /// Path as given by the user (or [`BUNDLED_NAME`]).
    pub name: String,
    pub text: String,
}

impl RuleSource {
    /// A source from text already in memory.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        RuleSource {
            name: name.into(),
            text: text.into(),
        }
    }

    /// Reads a rules file, or every rules file of a directory (see [`rules_files`]).
    pub fn from_path(path: impl AsRef<Path>) -> Result<Vec<Self>, RulesError> {
        rules_files(path.as_ref())?
            .iter()
            .map(RuleSource::from_file)
            .collect()
    }

    /// Reads a rules file. Invalid UTF-8 is an error naming the file (YAML is text).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, RulesError> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| RulesError::Io {
            path: name.clone(),
            source,
        })?;
        let text = String::from_utf8(bytes).map_err(|e| RulesError::Io {
            path: name.clone(),
            source: std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "not UTF-8 text (invalid byte at offset {}); rules files are YAML",
                    e.utf8_error().valid_up_to()
                ),
            ),
        })?;
        Ok(RuleSource { name, text })
    }

    /// rtsec's bundled default ruleset.
    pub fn bundled() -> Self {
        RuleSource::new(BUNDLED_NAME, BUNDLED_RULES)
    }
}

/// A source with its line index, for positions and snippets.
#[derive(Debug)]
pub(crate) struct SourceFile {
    pub name: String,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(name: String, text: String) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile {
            name,
            text,
            line_starts,
        }
    }

    /// 1-based line and column (in characters) of a byte offset (clamped to the text).
    pub fn line_col(&self, byte: usize) -> (u32, u32) {
        let byte = floor_char(&self.text, byte.min(self.text.len()));
        let line = self.line_starts.partition_point(|&s| s <= byte) - 1;
        let start = self.line_starts[line];
        let col = self.text[start..byte].chars().count() + 1;
        (line as u32 + 1, col as u32)
    }

    /// Byte offset of a 1-based line and column (clamped).
    pub fn offset_of(&self, line: u32, col: u32) -> usize {
        let l = (line.max(1) as usize - 1).min(self.line_starts.len() - 1);
        let start = self.line_starts[l];
        let end = self.line_end(start);
        self.text[start..end]
            .char_indices()
            .nth(col.max(1) as usize - 1)
            .map_or(end, |(i, _)| start + i)
    }

    fn line_end(&self, start: usize) -> usize {
        self.text[start..]
            .find('\n')
            .map_or(self.text.len(), |i| start + i)
    }

    /// The line holding `byte`, and a second line with a caret under it.
    pub fn snippet(&self, byte: usize) -> String {
        let (line, _) = self.line_col(byte);
        let byte = floor_char(&self.text, byte.min(self.text.len()));
        let start = self.line_starts[line as usize - 1];
        let end = self.line_end(start);
        let text = self.text[start..end].trim_end_matches('\r');
        caret_snippet(line, text, &self.text[start..byte.min(end)])
    }
}

/// Two lines: `  N | text` and `    | ^` with the caret under the end of `before`.
pub(crate) fn caret_snippet(line: u32, text: &str, before: &str) -> String {
    let gutter = line.to_string();
    let pad: String = before
        .chars()
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    format!("{gutter} | {text}\n{} | {pad}^", " ".repeat(gutter.len()))
}

/// The largest char boundary at or below `i`.
pub(crate) fn floor_char(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_columns_and_snippets() {
        let f = SourceFile::new("f".into(), "ab\ncdé f\n".into());
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(3), (2, 1));
        assert_eq!(f.line_col(7), (2, 4)); // after the 2-byte é
        assert_eq!(f.offset_of(2, 4), 7);
        assert_eq!(f.snippet(7), "2 | cdé f\n  |    ^");
    }
}
