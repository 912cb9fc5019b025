//! A small YAML document model with byte positions, on top of serde-saphyr.
//!
//! Falco reads rules with yaml-cpp and takes every scalar as its text, so numbers and booleans
//! in lists (`[80, 8080]`) become strings exactly as written: plain scalars that YAML types as
//! numbers or booleans keep their source text here.

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use crate::source::SourceFile;

/// A YAML node and where it starts in its file (byte offset).
#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub kind: NodeKind,
    pub start: usize,
}

#[derive(Clone, Debug)]
pub(crate) enum NodeKind {
    Null,
    /// A scalar's text (for typed plain scalars, the source text).
    Scalar(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Node {
    pub fn is_null(&self) -> bool {
        matches!(self.kind, NodeKind::Null)
    }
    pub fn as_scalar(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Seq(v) => Some(v),
            _ => None,
        }
    }
    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.kind {
            NodeKind::Map(v) => Some(v),
            _ => None,
        }
    }
    /// The value of `key` in a map (the first one, if the key repeats).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.as_scalar() == Some(key))
            .map(|(_, v)| v)
    }
    /// What the node is, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            NodeKind::Null => "null",
            NodeKind::Scalar(_) => "a scalar",
            NodeKind::Seq(_) => "a sequence",
            NodeKind::Map(_) => "a mapping",
        }
    }
}

/// A YAML syntax error: message and byte offset.
#[derive(Debug)]
pub(crate) struct YamlError {
    pub message: String,
    pub offset: usize,
}

/// Parses every document of a file. Null documents are returned as `Null` nodes.
pub(crate) fn parse(file: &SourceFile) -> Result<Vec<Node>, YamlError> {
    // A key repeated in a mapping is kept, and `Node::get` takes its first value: Falco's
    // yaml-cpp accepts such files and looks keys up first-match, so a rules file Falco loads
    // loads here too (the loader warns of the repeat).
    let mut options = serde_saphyr::Options::default();
    options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::PassThrough;
    let docs: Vec<Spanned<Raw>> = serde_saphyr::from_multiple_with_options(&file.text, options)
        .map_err(|e| {
            let offset = e.location().map(|l| locate(file, &l, true).0).unwrap_or(0);
            let message = clean_message(&e.without_snippet().to_string());
            YamlError {
                offset: at_the_tab(&file.text, offset, &message),
                message,
            }
        })?;
    Ok(docs.into_iter().map(|d| convert(file, d)).collect())
}

/// Where a YAML error is: the parser's position, except for a tab, which it places at the start
/// of the scalar it was reading (`condition: evt.type=open` on line 3 for a tab that starts
/// line 4): there, the first tab after it.
fn at_the_tab(text: &str, offset: usize, message: &str) -> usize {
    if !message.contains("found a tab") {
        return offset;
    }
    text.get(offset..)
        .and_then(|rest| rest.find('\t'))
        .map_or(offset, |i| offset + i)
}

/// A YAML error of `text` as `(line, column, message)`: 1-based, where [`parse`] would place
/// it, the message without the parser's own position.
pub fn error_at(text: &str, e: &serde_saphyr::Error) -> (u32, u32, String) {
    let message = clean_message(&e.without_snippet().to_string());
    let Some(l) = e.location() else {
        return (1, 1, message);
    };
    let file = SourceFile::new(String::new(), text.to_string());
    let offset = at_the_tab(text, locate(&file, &l, true).0, &message);
    let (line, column) = file.line_col(offset);
    (line, column, message)
}

/// A serde-saphyr error message without its position, which the caller prints its own way:
/// serde-saphyr prefixes "error: line L column C: ". Its advice for duplicate keys names
/// its own options, which a user of rtsec cannot set.
pub fn clean_message(m: &str) -> String {
    let m = clean_position(m);
    match m
        .strip_prefix("duplicate mapping key: ")
        .and_then(|rest| rest.strip_suffix(", set DuplicateKeyPolicy in Options if acceptable"))
    {
        Some(key) => {
            format!("duplicate key: {key} (a key may appear once in a mapping: remove one)")
        }
        None => m,
    }
}

fn clean_position(m: &str) -> String {
    let m = m.lines().next().unwrap_or(m);
    let m = m.strip_prefix("error: ").unwrap_or(m);
    if let Some(rest) = m.strip_prefix("line ")
        && let Some(i) = rest.find(": ")
        && rest[..i].contains("column")
    {
        return clean_position(&rest[i + 2..]);
    }
    // The position is printed by us; drop the parser's own " at line L, column C".
    match m.rfind(" at line ") {
        Some(i) if m[i..].contains("column") => m[..i].to_string(),
        _ => m.to_string(),
    }
}

fn locate(file: &SourceFile, l: &serde_saphyr::Location, _err: bool) -> (usize, usize) {
    let span = l.span();
    match (span.byte_offset(), span.byte_len()) {
        (Some(o), Some(n)) if (o as usize) <= file.text.len() => {
            (o as usize, (n as usize).min(file.text.len() - o as usize))
        }
        _ => (file.offset_of(l.line() as u32, l.column() as u32), 0),
    }
}

fn convert(file: &SourceFile, n: Spanned<Raw>) -> Node {
    let (start, len) = locate(file, &n.referenced, false);
    let kind = match n.value {
        Raw::Null => NodeKind::Null,
        Raw::Str(s) => NodeKind::Scalar(s),
        Raw::Typed(fallback) => {
            let src = file.text.get(start..start + len).unwrap_or("").trim();
            NodeKind::Scalar(if src.is_empty() {
                fallback
            } else {
                src.to_string()
            })
        }
        Raw::Seq(v) => NodeKind::Seq(v.into_iter().map(|x| convert(file, x)).collect()),
        Raw::Map(v) => NodeKind::Map(
            v.into_iter()
                .map(|(k, x)| (convert(file, k), convert(file, x)))
                .collect(),
        ),
    };
    Node { kind, start }
}

/// What serde hands us, before positions are attached.
enum Raw {
    Null,
    Str(String),
    /// A plain scalar YAML typed (bool, int, float); its text is taken from the source.
    Typed(String),
    Seq(Vec<Spanned<Raw>>),
    Map(Vec<(Spanned<Raw>, Spanned<Raw>)>),
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Raw, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_none<E>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
        Raw::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Raw, E> {
        Ok(Raw::Typed(v.to_string()))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Raw, E> {
        Ok(Raw::Typed(v.to_string()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Raw, E> {
        Ok(Raw::Typed(v.to_string()))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Raw, E> {
        Ok(Raw::Typed(v.to_string()))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Raw, E> {
        Ok(Raw::Typed(v.to_string()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Raw, E> {
        Ok(Raw::Typed(v.to_string()))
    }
    fn visit_char<E>(self, v: char) -> Result<Raw, E> {
        Ok(Raw::Str(v.to_string()))
    }
    fn visit_str<E>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Raw, E> {
        Ok(Raw::Str(v))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<Raw, E> {
        Ok(Raw::Str(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Raw, A::Error> {
        let mut v = Vec::new();
        while let Some(x) = a.next_element()? {
            v.push(x);
        }
        Ok(Raw::Seq(v))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Raw, A::Error> {
        let mut v = Vec::new();
        while let Some((k, x)) = a.next_entry()? {
            v.push((k, x));
        }
        Ok(Raw::Map(v))
    }
}

/// Maps a character offset inside a scalar's value back to a byte offset in the file, by
/// walking the value and its source text side by side (folding, quoting and escapes make the
/// two differ). Falls back to the node start when the texts do not line up.
pub(crate) fn value_offset_to_file(
    file: &SourceFile,
    node_start: usize,
    value: &str,
    at: usize,
) -> usize {
    let src = file.text.get(node_start..).unwrap_or("");
    // Skip a block-scalar header (`>` / `|` with indicators) or an opening quote.
    let mut s = src.char_indices().peekable();
    let mut pos = 0usize;
    let at = crate::source::floor_char(value, at.min(value.len()));
    for (vi, vc) in value.char_indices() {
        if vi >= at {
            break;
        }
        // Find vc in the source from pos; whitespace in the value matches any whitespace run.
        let mut found = None;
        while let Some(&(si, sc)) = s.peek() {
            if si > pos + 400 {
                break; // the texts diverged (e.g. an escape we cannot follow)
            }
            s.next();
            if sc == vc || (vc.is_whitespace() && sc.is_whitespace()) {
                found = Some(si + sc.len_utf8());
                if vc.is_whitespace() {
                    while let Some(&(sj, sc2)) = s.peek() {
                        if sc2.is_whitespace() && sc2 != '\n' || (sc2 == '\n' && vc == ' ') {
                            s.next();
                            found = Some(sj + sc2.len_utf8());
                        } else {
                            break;
                        }
                    }
                }
                break;
            }
        }
        match found {
            Some(p) => pos = p,
            None => return node_start,
        }
    }
    // Skip to the next character that matches the value char at `at` (e.g. past indentation).
    if let Some(c) = value[at..].chars().next() {
        for (si, sc) in src[pos.min(src.len())..].char_indices() {
            if si > 400 {
                break;
            }
            if sc == c {
                return node_start + pos + si;
            }
        }
    }
    node_start + pos
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(s: &str) -> SourceFile {
        SourceFile::new("t".into(), s.into())
    }

    #[test]
    fn a_tab_is_placed_where_it_is() {
        let f = file("- rule: r1\n  desc: x\n  condition: evt.type=open\n\toutput: o\n");
        let e = parse(&f).unwrap_err();
        assert_eq!(f.line_col(e.offset), (4, 1), "{}", e.message);
        assert!(e.message.contains("found a tab"), "{}", e.message);
    }

    #[test]
    fn typed_scalars_keep_their_text() {
        let f = file("- list: a\n  items: [80, 1.10, yes, \"x y\", null]\n");
        let docs = parse(&f).unwrap();
        let items = docs[0].as_seq().unwrap()[0].get("items").unwrap();
        let v: Vec<_> = items
            .as_seq()
            .unwrap()
            .iter()
            .map(|n| n.as_scalar().map(str::to_string))
            .collect();
        assert_eq!(
            v,
            vec![
                Some("80".into()),
                Some("1.10".into()),
                Some("yes".into()),
                Some("x y".into()),
                None
            ]
        );
    }

    #[test]
    fn folded_value_offsets_map_to_source_lines() {
        let text = "- macro: m\n  condition: >\n    evt.type = open and\n    proc.nme = x\n";
        let f = file(text);
        let docs = parse(&f).unwrap();
        let c = docs[0].as_seq().unwrap()[0].get("condition").unwrap();
        let v = c.as_scalar().unwrap();
        let at = v.find("proc.nme").unwrap();
        let off = value_offset_to_file(&f, c.start, v, at);
        assert_eq!(f.line_col(off), (4, 5));
    }

    #[test]
    fn duplicate_key_messages_name_no_parser_option() {
        assert_eq!(
            clean_message(
                "error: line 2 column 1: duplicate mapping key: traces, set \
                 DuplicateKeyPolicy in Options if acceptable"
            ),
            "duplicate key: traces (a key may appear once in a mapping: remove one)"
        );
    }

    #[test]
    fn syntax_errors_have_positions() {
        let f = file("- rule: x\n  condition: [a, b\n- list: y\n");
        let e = parse(&f).unwrap_err();
        assert!(f.line_col(e.offset).0 >= 2, "{e:?}");
        assert!(!e.message.starts_with("error"), "{}", e.message);
    }
}
