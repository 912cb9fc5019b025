//! Condition texts and where each of their bytes came from, so that an error found after
//! appending, exceptions, list substitution and macro inlining still points at the right line
//! and column of the right file.

use std::sync::Arc;

use crate::condition::Span;
use crate::error::{Diagnostic, ItemRef};
use crate::source::{SourceFile, caret_snippet};
use crate::yaml::{Node, value_offset_to_file};

/// Where a piece of a condition text comes from.
#[derive(Clone, Debug)]
pub(crate) enum Origin {
    /// A YAML scalar value (the piece starts at `value_off` in it).
    Scalar {
        file: usize,
        node_start: usize,
        value: Arc<str>,
        value_off: usize,
    },
    /// Generated text, reported at a file position (exception values, joining spaces).
    At { file: usize, byte: usize },
    /// Text with no file (a command-line filter): positions are in the text itself.
    Free,
}

/// A condition assembled from pieces.
#[derive(Clone, Debug, Default)]
pub(crate) struct Cond {
    pub text: String,
    pieces: Vec<(usize, Origin)>,
}

impl Cond {
    pub fn scalar(file: usize, node: &Node, value: &str) -> Cond {
        let mut c = Cond::default();
        c.push(
            value,
            Origin::Scalar {
                file,
                node_start: node.start,
                value: value.into(),
                value_off: 0,
            },
        );
        c
    }

    pub fn free(text: &str) -> Cond {
        let mut c = Cond::default();
        c.push(text, Origin::Free);
        c
    }

    pub fn push(&mut self, s: &str, origin: Origin) {
        self.pieces.push((self.text.len(), origin));
        self.text.push_str(s);
    }

    pub fn push_cond(&mut self, other: &Cond) {
        let base = self.text.len();
        self.text.push_str(&other.text);
        self.pieces
            .extend(other.pieces.iter().map(|(s, o)| (base + s, o.clone())));
    }

    /// The file position of a byte offset of the text: `(file, byte)`, or the offset itself
    /// for free text.
    fn locate(&self, files: &[SourceFile], off: usize) -> Located {
        let i = self
            .pieces
            .partition_point(|(s, _)| *s <= off)
            .saturating_sub(1);
        let Some((start, origin)) = self.pieces.get(i) else {
            return Located::Free(off);
        };
        match origin {
            Origin::Scalar {
                file,
                node_start,
                value,
                value_off,
            } => {
                let at = value_off + (off - start);
                match files.get(*file) {
                    Some(f) => {
                        Located::File(*file, value_offset_to_file(f, *node_start, value, at))
                    }
                    None => Located::Free(off),
                }
            }
            Origin::At { file, byte } => Located::File(*file, *byte),
            Origin::Free => Located::Free(off),
        }
    }
}

enum Located {
    File(usize, usize),
    Free(usize),
}

/// One parsed text: the condition after list substitution, and for each of its bytes the
/// offset in the condition before substitution.
#[derive(Debug)]
pub(crate) struct TextEntry {
    pub text: String,
    origin: Vec<u32>,
    pub cond: Cond,
    /// The item the text belongs to (a macro or rule).
    pub owner: Option<ItemRef>,
}

/// All texts parsed for a rule set.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    pub entries: Vec<TextEntry>,
}

impl Registry {
    /// Substitutes lists into `cond` and registers the result; returns its id.
    pub fn add(
        &mut self,
        cond: Cond,
        lists: &[(String, Vec<String>)],
        used: &mut [bool],
        owner: Option<ItemRef>,
    ) -> u32 {
        let (text, origin) = substitute_lists(&cond.text, lists, used);
        self.entries.push(TextEntry {
            text,
            origin,
            cond,
            owner,
        });
        (self.entries.len() - 1) as u32
    }

    /// The condition as written (before lists were substituted) from where the byte at `at`
    /// came from: for a list item that a list's name stood for, the text from that name on.
    pub fn written_at(&self, at: Span) -> Option<&str> {
        let e = self.entries.get(at.text as usize)?;
        let o = *e.origin.get(at.off as usize)? as usize;
        e.cond.text.get(o..)
    }

    pub fn text(&self, id: u32) -> &str {
        self.entries
            .get(id as usize)
            .map_or("", |e| e.text.as_str())
    }

    /// A diagnostic at a span.
    pub fn diagnostic(
        &self,
        files: &[SourceFile],
        at: Span,
        item: Option<ItemRef>,
        message: String,
    ) -> Diagnostic {
        let Some(e) = self.entries.get(at.text as usize) else {
            return Diagnostic {
                file: String::new(),
                line: 0,
                column: 0,
                item,
                message,
                snippet: None,
            };
        };
        let off = at.off as usize;
        let cond_off = match e.origin.get(off) {
            Some(&o) => o as usize,
            None => e.cond.text.len(),
        };
        // Errors found in a macro's text while compiling a rule say so.
        let message = match (&e.owner, &item) {
            (Some(o), Some(i)) if o != i => {
                format!("{message} (in {} '{}')", o.kind.as_str(), o.name)
            }
            _ => message,
        };
        match e.cond.locate(files, cond_off) {
            Located::File(fid, byte) => {
                let f = &files[fid];
                let (line, column) = f.line_col(byte);
                Diagnostic {
                    file: f.name.clone(),
                    line,
                    column,
                    item,
                    message,
                    snippet: Some(f.snippet(byte)),
                }
            }
            Located::Free(o) => {
                let t = &e.cond.text;
                let o = crate::source::floor_char(t, o.min(t.len()));
                let line_start = t[..o].rfind('\n').map_or(0, |i| i + 1);
                let line_no = t[..o].matches('\n').count() as u32 + 1;
                let line_end = t[o..].find('\n').map_or(t.len(), |i| o + i);
                Diagnostic {
                    file: crate::FILTER_NAME.to_string(),
                    line: line_no,
                    column: t[line_start..o].chars().count() as u32 + 1,
                    item,
                    message,
                    snippet: Some(caret_snippet(
                        line_no,
                        &t[line_start..line_end],
                        &t[line_start..o],
                    )),
                }
            }
        }
    }
}

/// Falco's textual list substitution (`resolve_list`), for each list in definition order:
/// a list name delimited by start/end, blanks, `(`, `)`, `,` or `=` is replaced by its items
/// (quoted if they hold a space), joined with `, `; an empty list also eats a neighbouring
/// comma. Returns the new text and, per byte, the offset it came from.
pub(crate) fn substitute_lists(
    cond: &str,
    lists: &[(String, Vec<String>)],
    used: &mut [bool],
) -> (String, Vec<u32>) {
    let mut cnd: Vec<u8> = cond.as_bytes().to_vec();
    let mut origin: Vec<u32> = (0..cnd.len() as u32).collect();
    for (li, (name, items)) in lists.iter().enumerate() {
        if name.is_empty() {
            continue;
        }
        if resolve_list(&mut cnd, &mut origin, name.as_bytes(), items) {
            used[li] = true;
        }
    }
    // Substitution only joins valid UTF-8 pieces at ASCII boundaries.
    (String::from_utf8_lossy(&cnd).into_owned(), origin)
}

const BLANKS: &[u8] = b" \t\n\r";

fn is_delim(c: u8) -> bool {
    BLANKS.contains(&c) || b"(),=".contains(&c)
}

fn resolve_list(cnd: &mut Vec<u8>, origin: &mut Vec<u32>, name: &[u8], items: &[String]) -> bool {
    let mut used = false;
    let mut start = memchr::memmem::find(cnd, name);
    while let Some(mut st) = start {
        let mut end = st + name.len();
        if (st == 0 || is_delim(cnd[st - 1])) && (end >= cnd.len() || is_delim(cnd[end])) {
            let at = origin.get(st).copied().unwrap_or(0);
            while st > 0 && BLANKS.contains(&cnd[st - 1]) {
                st -= 1;
            }
            while end < cnd.len() && BLANKS.contains(&cnd[end]) {
                end += 1;
            }
            let mut sub = String::new();
            for v in items {
                if !sub.is_empty() {
                    sub.push_str(", ");
                }
                sub.push_str(&quote_item(v));
            }
            if sub.is_empty() {
                if st > 0 && cnd[st - 1] == b',' {
                    st -= 1;
                } else if end < cnd.len() && cnd[end] == b',' {
                    end += 1;
                }
            }
            let mut new = Vec::with_capacity(cnd.len() + sub.len() + 2);
            let mut new_origin = Vec::with_capacity(new.capacity());
            new.extend_from_slice(&cnd[..st]);
            new_origin.extend_from_slice(&origin[..st]);
            if st > 0 {
                new.push(b' ');
                new_origin.push(at);
            }
            new.extend_from_slice(sub.as_bytes());
            new.push(b' ');
            new_origin.extend(std::iter::repeat_n(at, sub.len() + 1));
            new.extend_from_slice(&cnd[end.min(cnd.len())..]);
            new_origin.extend_from_slice(&origin[end.min(origin.len())..]);
            *cnd = new;
            *origin = new_origin;
            st += sub.len() + 1;
            used = true;
        }
        start = cnd
            .get(st + 1..)
            .and_then(|rest| memchr::memmem::find(rest, name))
            .map(|i| i + st + 1);
    }
    used
}

/// Falco's `quote_item`: double-quote an item holding a space unless it is already quoted.
pub(crate) fn quote_item(v: &str) -> String {
    if v.contains(' ') && !v.starts_with('"') && !v.starts_with('\'') {
        format!("\"{v}\"")
    } else {
        v.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(cond: &str, lists: &[(&str, &[&str])]) -> String {
        let lists: Vec<(String, Vec<String>)> = lists
            .iter()
            .map(|(n, v)| (n.to_string(), v.iter().map(|s| s.to_string()).collect()))
            .collect();
        let mut used = vec![false; lists.len()];
        substitute_lists(cond, &lists, &mut used).0
    }

    #[test]
    fn substitution_matches_falco() {
        assert_eq!(
            sub("proc.name in (shells)", &[("shells", &["bash", "sh"])]),
            "proc.name in ( bash, sh )"
        );
        assert_eq!(
            sub("proc.name in (a, empty)", &[("empty", &[])]),
            "proc.name in (a  )"
        );
        assert_eq!(
            sub("proc.name in (empty)", &[("empty", &[])]),
            "proc.name in (  )"
        );
        assert_eq!(
            sub("proc.cmdline in (cmds)", &[("cmds", &["sh -c x", "'a b'"])]),
            "proc.cmdline in ( \"sh -c x\", 'a b' )"
        );
        // Not delimited: left alone.
        assert_eq!(
            sub("proc.name=shellsx", &[("shells", &["bash"])]),
            "proc.name=shellsx"
        );
        assert_eq!(
            sub("proc.name=shells", &[("shells", &["bash"])]),
            "proc.name= bash "
        );
    }
}
