//! Rule outputs: `%field` format strings, Falco's text line and JSON alert (§4).

pub mod time;

use std::io::Write;

use rtsec_format::EventView;

use crate::condition::Transformer;
use crate::fields::extract::{self, Env, Val};
use crate::fields::{self, Field, FieldId, Ty};
use crate::filter::{Bufs, apply_transforms};

/// The fields the container plugin flags as suggested output; Falco appends them to every
/// syscall rule's output (§4.3).
pub(crate) const SUGGESTED_SUFFIX: &str = " container_id=%container.id container_name=%container.name container_image_repository=%container.image.repository container_image_tag=%container.image.tag k8s_pod_name=%k8s.pod.name k8s_ns_name=%k8s.ns.name";

/// A compiled output format.
#[derive(Debug)]
pub(crate) struct Format {
    tokens: Vec<Token>,
}

#[derive(Debug)]
enum Token {
    Lit(String),
    Field {
        field: Field,
        transforms: Box<[Transformer]>,
        /// The token as written, the `output_fields` key.
        key: String,
        width: Option<usize>,
    },
}

/// An error in a format string at a byte offset.
#[derive(Debug)]
pub(crate) struct FormatError {
    pub off: usize,
    pub message: String,
}

impl Format {
    /// Compiles a format. A leading `*` is accepted and ignored: missing values always print
    /// `<NA>`, as in Falco rule outputs.
    pub(crate) fn compile(s: &str) -> Result<Format, FormatError> {
        let b = s.as_bytes();
        let mut tokens = Vec::new();
        let mut lit = String::new();
        let mut i = if s.starts_with('*') { 1 } else { 0 };
        let mut lit_start = i;
        while i < b.len() {
            if b[i] != b'%' {
                i += 1;
                continue;
            }
            lit.push_str(&s[lit_start..i]);
            let pct = i;
            i += 1;
            let wstart = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            let width = s[wstart..i].parse::<usize>().ok();
            let (fe, end) = lex_field_expr(s, i).ok_or_else(|| FormatError {
                off: pct,
                message: format!(
                    "invalid formatting token {}: '%' must be followed by a field name",
                    token_text(s, pct)
                ),
            })?;
            let (field, transforms) = fe.resolve().map_err(|m| FormatError {
                off: pct,
                message: format!("invalid formatting token %{}: {m}", &s[i..end]),
            })?;
            if !lit.is_empty() {
                tokens.push(Token::Lit(std::mem::take(&mut lit)));
            }
            tokens.push(Token::Field {
                field,
                transforms: transforms.into_boxed_slice(),
                key: s[i..end].to_string(),
                width,
            });
            i = end;
            lit_start = i;
        }
        lit.push_str(&s[lit_start.min(s.len())..]);
        if !lit.is_empty() {
            tokens.push(Token::Lit(lit));
        }
        Ok(Format { tokens })
    }

    /// Renders the format for an event: the text, and the typed value of each field token.
    pub(crate) fn render(
        &self,
        ev: &EventView<'_>,
        env: &Env<'_>,
        bufs: &mut Bufs,
        out: &mut String,
        fields_out: &mut Vec<(String, OutputValue)>,
    ) {
        for t in &self.tokens {
            match t {
                Token::Lit(s) => out.push_str(s),
                Token::Field {
                    field,
                    transforms,
                    key,
                    width,
                } => {
                    let start = out.len();
                    let value = field_value(field, transforms, ev, env, bufs);
                    match &value {
                        OutputValue::Null => out.push_str("<NA>"),
                        v => v.write_text(field, out),
                    }
                    if let Some(w) = *width {
                        let n = out[start..].chars().count();
                        if n < w {
                            out.extend(std::iter::repeat_n(' ', w - n));
                        } else if n > w {
                            let cut = out[start..]
                                .char_indices()
                                .nth(w)
                                .map_or(out.len(), |(i, _)| start + i);
                            out.truncate(cut);
                        }
                    }
                    if transforms.is_empty() && !fields_out.iter().any(|(k, _)| k == key) {
                        fields_out.push((key.clone(), value));
                    }
                }
            }
        }
    }
}

fn token_text(s: &str, at: usize) -> String {
    let rest = &s[at..];
    let end = rest
        .char_indices()
        .skip(1)
        .find(|(_, c)| c.is_whitespace())
        .map_or(rest.len(), |(i, _)| i);
    rest[..end].to_string()
}

/// A field expression in a format: `proc.aname[2]`, `evt.arg.flags`, `tolower(proc.name)`.
enum FieldExprText {
    Field(String, Option<String>),
    Transform(Transformer, Box<FieldExprText>),
}

impl FieldExprText {
    fn resolve(&self) -> Result<(Field, Vec<Transformer>), String> {
        match self {
            FieldExprText::Field(n, a) => fields::resolve(n, a.as_deref())
                .map(|f| (f, Vec::new()))
                .map_err(|e| e.0),
            FieldExprText::Transform(t, inner) => {
                let (f, mut ts) = inner.resolve()?;
                ts.push(*t);
                Ok((f, ts))
            }
        }
    }
}

/// The longest field expression starting at `i`, and where it ends.
fn lex_field_expr(s: &str, i: usize) -> Option<(FieldExprText, usize)> {
    let b = s.as_bytes();
    let ident = |from: usize| -> usize {
        if from >= b.len() || !b[from].is_ascii_alphabetic() {
            return 0;
        }
        b[from..]
            .iter()
            .position(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
            .unwrap_or(b.len() - from)
    };
    let n = ident(i);
    if n == 0 {
        return None;
    }
    if b.get(i + n) == Some(&b'(')
        && let Some(t) = Transformer::from_name(&s[i..i + n])
    {
        let (inner, end) = lex_field_expr(s, i + n + 1)?;
        if b.get(end) != Some(&b')') {
            return None;
        }
        return Some((FieldExprText::Transform(t, Box::new(inner)), end + 1));
    }
    let mut end = i + n;
    let mut parts = 1;
    while b.get(end) == Some(&b'.') {
        let m = ident(end + 1);
        if m == 0 {
            break;
        }
        end += 1 + m;
        parts += 1;
    }
    if parts < 2 {
        return None;
    }
    let name = s[i..end].to_string();
    let mut arg = None;
    if b.get(end) == Some(&b'[')
        && let Some(close) = s[end + 1..].find(']')
    {
        arg = Some(s[end + 1..end + 1 + close].to_string());
        end = end + 1 + close + 1;
    }
    Some((FieldExprText::Field(name, arg), end))
}

fn field_value(
    field: &Field,
    transforms: &[Transformer],
    ev: &EventView<'_>,
    env: &Env<'_>,
    bufs: &mut Bufs,
) -> OutputValue {
    bufs.a.clear();
    let Some(v) = extract::extract(field, ev, env, &mut bufs.a) else {
        return OutputValue::Null;
    };
    let (v, src): (Val<'_>, &[u8]) = if transforms.is_empty() {
        (v, &bufs.a)
    } else {
        match apply_transforms(transforms, v, &bufs.a, &mut bufs.b, &mut bufs.c) {
            Some(t) => (t, &bufs.b),
            None => return OutputValue::Null,
        }
    };
    let ty = if transforms.last() == Some(&Transformer::Len) {
        Ty::U64
    } else if transforms.is_empty() {
        field.ty
    } else {
        Ty::Str
    };
    let text = |b: &[u8]| OutputValue::String(String::from_utf8_lossy(b).into_owned());
    match v {
        Val::Str(b) => text(b),
        Val::Buf => text(src),
        Val::I64(x) => match ty {
            Ty::U64 => OutputValue::UInt(x as u64),
            _ => OutputValue::Int(x),
        },
        Val::U64(x) => match ty {
            Ty::I64 => OutputValue::Int(x as i64),
            _ => OutputValue::UInt(x),
        },
        Val::Bool(b) => OutputValue::Bool(b),
        Val::Ip(ip) => OutputValue::String(ip.to_string()),
    }
}

/// A typed output field value (`output_fields` in Falco's JSON).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutputValue {
    /// The field has no value for this event (`<NA>` in text, `null` in JSON).
    Null,
    String(String),
    Int(i64),
    UInt(u64),
    Bool(bool),
}

impl OutputValue {
    fn write_text(&self, field: &Field, out: &mut String) {
        match self {
            OutputValue::Null => out.push_str("<NA>"),
            OutputValue::String(s) => escape_text(s, out),
            OutputValue::Int(x) => {
                let _ = std::fmt::Write::write_fmt(out, format_args!("{x}"));
            }
            OutputValue::UInt(x) => {
                if field.id == FieldId::EvtTime {
                    let mut v = Vec::new();
                    time::write_clock(*x, true, &mut v);
                    out.push_str(&String::from_utf8_lossy(&v));
                } else {
                    let _ = std::fmt::Write::write_fmt(out, format_args!("{x}"));
                }
            }
            OutputValue::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        }
    }

    /// The value as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            OutputValue::Null => serde_json::Value::Null,
            OutputValue::String(s) => serde_json::Value::String(s.clone()),
            OutputValue::Int(x) => (*x).into(),
            OutputValue::UInt(x) => (*x).into(),
            OutputValue::Bool(b) => (*b).into(),
        }
    }
}

/// Control characters in text output are escaped as a JSON encoder would (without quotes).
fn escape_text(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = std::fmt::Write::write_fmt(out, format_args!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
}

/// Appends the JSON string of a byte buffer (for callers building lines by hand).
#[allow(dead_code)]
pub(crate) fn json_string(s: &str, out: &mut Vec<u8>) {
    let _ = write!(out, "{}", serde_json::Value::String(s.to_string()));
}
