//! Rule outputs: `%field` format strings, Falco's text line and JSON alert (§4).

mod append;
mod buf;
mod json_str;
pub mod time;

use std::io::Write;

pub(crate) use append::apply as apply_append_output;
pub use append::{AppendOutput, ExtraField, check_field, check_format};
use buf::Slot;
pub use buf::{AlertBuf, FieldValue};

use rtsec_format::EventView;

use crate::condition::Transformer;
use crate::fields::extract::{self, Env, Val};
use crate::fields::{self, Field, StaticFields, Ty};
use crate::filter::{Bufs, apply_transforms};

/// The fields the container plugin flags as suggested output; Falco appends them to every
/// syscall rule's output (§4.3).
pub(crate) const SUGGESTED_SUFFIX: &str = " container_id=%container.id container_name=%container.name container_image_repository=%container.image.repository container_image_tag=%container.image.tag k8s_pod_name=%k8s.pod.name k8s_ns_name=%k8s.ns.name";

/// The falco.yaml settings that shape alerts (§4.2, §4.4); the default is Falco's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AlertFormat {
    /// Lines start with the event time in ISO 8601 (UTC, ns) instead of the local clock.
    pub time_format_iso_8601: bool,
    /// JSON alerts have `output` (the text line).
    pub json_include_output_property: bool,
    /// JSON alerts have `output_fields`.
    pub json_include_output_fields_property: bool,
    /// JSON alerts have `tags`.
    pub json_include_tags_property: bool,
    /// JSON alerts have `message` (the rule's output without the time and priority).
    pub json_include_message_property: bool,
    /// Data buffers (`evt.buffer`, `evt.arg.data`, `evt.args`) print in base64 instead of
    /// as text with dots for bytes that are not printable (`falco -b`).
    pub buffer_format_base64: bool,
}

impl AlertFormat {
    /// How data buffers print.
    pub(crate) fn buffers(&self) -> crate::render::params::BufferFormat {
        if self.buffer_format_base64 {
            crate::render::params::BufferFormat::Base64
        } else {
            crate::render::params::BufferFormat::Dots
        }
    }
}

impl Default for AlertFormat {
    fn default() -> Self {
        AlertFormat {
            time_format_iso_8601: false,
            json_include_output_property: true,
            json_include_output_fields_property: true,
            json_include_tags_property: true,
            json_include_message_property: false,
            buffer_format_base64: false,
        }
    }
}

/// A compiled output format.
#[derive(Debug)]
pub(crate) struct Format {
    tokens: Vec<Token>,
    /// The `output_fields` keys, sorted (as Falco's JSON has them), each with the slot of its
    /// value among the collected tokens' values, or `None` for the event time added to every
    /// alert.
    keys: buf::Keys,
    /// How many values an alert keeps (`output_fields` entries): the tokens' then the
    /// extras'.
    slots: u16,
    /// `append_output`'s `extra_fields`: `output_fields` entries not in the text.
    extras: Vec<Extra>,
}

/// An `extra_fields` entry of a format, and the slot of its value.
#[derive(Debug)]
struct Extra {
    value: ExtraValue,
    slot: u16,
}

#[derive(Debug)]
enum ExtraValue {
    /// A field's typed value.
    Raw {
        field: Field,
        transforms: Box<[Transformer]>,
    },
    /// A format's text.
    Formatted(Vec<Token>),
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
        /// Where the value goes for `output_fields`: the first token of each key without
        /// transformers (Falco leaves transformer tokens out).
        slot: Option<u16>,
    },
}

/// An error in a format string at a byte offset.
#[derive(Debug)]
pub(crate) struct FormatError {
    pub off: usize,
    pub message: String,
}

impl Format {
    /// Compiles a format, with `append_output`'s `extra_fields` (see [`apply_append_output`])
    /// and the `static.NAME` fields of `statics`. A leading `*` is accepted and ignored:
    /// missing values always print `<NA>`, as in Falco rule outputs. An error in an extra
    /// field's format is reported at offset 0, naming the field.
    pub(crate) fn compile_with(
        s: &str,
        extras: &[&ExtraField],
        statics: &StaticFields,
    ) -> Result<Format, FormatError> {
        let mut tokens = lex_tokens(s, statics)?;
        // Slots for the first token of each key without transformers; then the sorted keys,
        // with the event time unless a token already gives it (the same value).
        let mut keys: Vec<(String, Option<u16>)> = Vec::new();
        for t in &mut tokens {
            if let Token::Field {
                transforms,
                key,
                slot,
                ..
            } = t
                && transforms.is_empty()
                && !keys.iter().any(|(k, _)| k == key)
            {
                *slot = Some(keys.len() as u16);
                keys.push((key.clone(), *slot));
            }
        }
        let mut slots = keys.len() as u16;
        if !keys.iter().any(|(k, _)| k == "evt.time") {
            keys.push(("evt.time".to_string(), None));
        }
        // Extra fields replace an entry of the same key, as Falco sets them after the others.
        let mut compiled = Vec::with_capacity(extras.len());
        for e in extras {
            let in_extra = |m: String| FormatError {
                off: 0,
                message: format!("append_output extra field `{}`: {m}", e.key()),
            };
            let value = match e {
                ExtraField::Raw(field) => {
                    let (field, transforms) = raw_field(field, statics).map_err(in_extra)?;
                    ExtraValue::Raw { field, transforms }
                }
                ExtraField::Formatted { format, .. } => {
                    let tokens = lex_tokens(format, statics).map_err(|e| in_extra(e.message))?;
                    ExtraValue::Formatted(tokens)
                }
            };
            let slot = slots;
            slots += 1;
            keys.retain(|(k, _)| k != e.key());
            keys.push((e.key().to_string(), Some(slot)));
            compiled.push(Extra { value, slot });
        }
        keys.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Format {
            tokens,
            keys: keys.into(),
            slots,
            extras: compiled,
        })
    }

    /// The `output_fields` keys, sorted.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|(k, _)| k.as_str())
    }

    /// Renders the format for an event into `out`: the typed value of each `output_fields`
    /// entry, and with `text` the output text (`out.output`; without, it holds only the
    /// string values that slots refer to). Allocates nothing once `out` has grown.
    pub(crate) fn render_into(
        &self,
        ev: &EventView<'_>,
        env: &Env<'_>,
        bufs: &mut Bufs,
        out: &mut AlertBuf,
        text: bool,
    ) {
        out.begin(&self.keys, self.slots as usize, ev.event.ts);
        for t in &self.tokens {
            match t {
                Token::Lit(s) if text => out.output.push_str(s),
                Token::Lit(_) => {}
                Token::Field {
                    field,
                    transforms,
                    width,
                    slot,
                    ..
                } => {
                    let start = out.output.len();
                    // Without a width, a string goes straight into the text and its slot
                    // refers to it there.
                    let value = field_slot(field, transforms, ev, env, bufs, out, width.is_none());
                    if !text {
                        if let Some(s) = slot {
                            out.slots[*s as usize] = value;
                        }
                        continue;
                    }
                    if !matches!(value, Slot::Out(..)) {
                        value.write_text(field, &out.text, &mut out.output);
                    }
                    if let Some(w) = *width {
                        fit_width(&mut out.output, start, w);
                    }
                    if let Some(s) = slot {
                        out.slots[*s as usize] = value;
                    }
                }
            }
        }
        for e in &self.extras {
            let value = match &e.value {
                ExtraValue::Raw { field, transforms } => {
                    field_slot(field, transforms, ev, env, bufs, out, false)
                }
                ExtraValue::Formatted(tokens) => {
                    let mut text = std::mem::take(&mut out.scratch);
                    text.clear();
                    for t in tokens {
                        match t {
                            Token::Lit(s) => text.push_str(s),
                            Token::Field {
                                field,
                                transforms,
                                width,
                                ..
                            } => {
                                let start = text.len();
                                let v = field_slot(field, transforms, ev, env, bufs, out, false);
                                v.write_text(field, &out.text, &mut text);
                                if let Some(w) = *width {
                                    fit_width(&mut text, start, w);
                                }
                            }
                        }
                    }
                    let start = out.text.len();
                    out.text.push_str(&text);
                    out.scratch = text;
                    Slot::Str(start as u32, out.text.len() as u32)
                }
            };
            out.slots[e.slot as usize] = value;
        }
    }
}

/// The tokens of a format (a leading `*` is ignored).
fn lex_tokens(s: &str, statics: &StaticFields) -> Result<Vec<Token>, FormatError> {
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
        let (field, transforms) = fe.resolve(statics).map_err(|m| FormatError {
            off: pct,
            message: format!("invalid formatting token %{}: {m}", &s[i..end]),
        })?;
        if field.is_filter_only() {
            return Err(FormatError {
                off: pct,
                message: format!(
                    "invalid formatting token %{0}: {0} is filter only and cannot be used as a \
                     display field (as in Falco: use it in the condition, and fd.sip, fd.sport \
                     and the like in the output)",
                    &s[i..end]
                ),
            });
        }
        if !lit.is_empty() {
            tokens.push(Token::Lit(std::mem::take(&mut lit)));
        }
        tokens.push(Token::Field {
            field,
            transforms: transforms.into_boxed_slice(),
            key: s[i..end].to_string(),
            width,
            slot: None,
        });
        i = end;
        lit_start = i;
    }
    lit.push_str(&s[lit_start.min(s.len())..]);
    if !lit.is_empty() {
        tokens.push(Token::Lit(lit));
    }
    Ok(tokens)
}

/// A raw `extra_fields` item: the field (with its transformers) that `%name` would show.
pub(crate) fn raw_field(
    name: &str,
    statics: &StaticFields,
) -> Result<(Field, Box<[Transformer]>), String> {
    let mut t = lex_tokens(&format!("%{name}"), statics).map_err(|e| e.message)?;
    match (t.pop(), t.is_empty()) {
        (
            Some(Token::Field {
                field, transforms, ..
            }),
            true,
        ) => Ok((field, transforms)),
        _ => Err(format!("`{name}` is not a field name")),
    }
}

/// Pads or cuts what was written of `o` from `start` to `width` characters.
fn fit_width(o: &mut String, start: usize, width: usize) {
    let n = o[start..].chars().count();
    if n < width {
        o.extend(std::iter::repeat_n(' ', width - n));
    } else if n > width {
        let cut = o[start..]
            .char_indices()
            .nth(width)
            .map_or(o.len(), |(i, _)| start + i);
        o.truncate(cut);
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
    fn resolve(&self, statics: &StaticFields) -> Result<(Field, Vec<Transformer>), String> {
        match self {
            FieldExprText::Field(n, a) => fields::resolve(n, a.as_deref(), statics)
                .map(|f| (f, Vec::new()))
                .map_err(|e| e.0),
            FieldExprText::Transform(t, inner) => {
                let (f, mut ts) = inner.resolve(statics)?;
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

/// The value of a field token. A string is appended to `out.text`, or, if `direct`, to
/// `out.output` as the rule's text shows it (then the slot is [`Slot::Out`], unless it needed
/// escaping: then it is also kept as is in `out.text`).
fn field_slot(
    field: &Field,
    transforms: &[Transformer],
    ev: &EventView<'_>,
    env: &Env<'_>,
    bufs: &mut Bufs,
    out: &mut AlertBuf,
    direct: bool,
) -> Slot {
    bufs.a.clear();
    let Some(v) = extract::extract(field, ev, env, &mut bufs.a) else {
        return Slot::Null;
    };
    let (v, src): (Val<'_>, &[u8]) = if transforms.is_empty() {
        (v, &bufs.a)
    } else {
        match apply_transforms(transforms, v, &bufs.a, &mut bufs.b, &mut bufs.c) {
            Some(t) => (t, &bufs.b),
            None => return Slot::Null,
        }
    };
    let ty = if transforms.last() == Some(&Transformer::Len) {
        Ty::U64
    } else if transforms.is_empty() {
        field.ty
    } else {
        Ty::Str
    };
    let string = |b: &[u8], out: &mut AlertBuf| {
        // A string of the block's table needs no check of its own once the table has had
        // one; `from_utf8` next: much faster than `from_utf8_lossy` on the (usual) valid text.
        let s = match ev.block.strings.text(b) {
            Some(s) => std::borrow::Cow::Borrowed(s),
            None => match std::str::from_utf8(b) {
                Ok(s) => std::borrow::Cow::Borrowed(s),
                Err(_) => String::from_utf8_lossy(b),
            },
        };
        if direct && !needs_escape(&s) {
            let start = out.output.len();
            out.output.push_str(&s);
            return Slot::Out(start as u32, out.output.len() as u32);
        }
        let start = out.text.len();
        out.text.push_str(&s);
        Slot::Str(start as u32, out.text.len() as u32)
    };
    match v {
        Val::Str(b) => string(b, out),
        Val::Buf => string(src, out),
        Val::I64(x) => match ty {
            Ty::U64 => Slot::UInt(x as u64),
            _ => Slot::Int(x),
        },
        // libsinsp prints fd.dev (PF_HEX) in upper-case hex, a string in JSON too.
        Val::U64(x) if field.id == fields::FieldId::FdDev && transforms.is_empty() => {
            let mut b = [0u8; 16];
            let mut w = &mut b[..];
            let _ = write!(w, "{x:X}");
            let n = 16 - w.len();
            string(&b[..n], out)
        }
        Val::U64(x) => match ty {
            Ty::I64 => Slot::Int(x as i64),
            _ => Slot::UInt(x),
        },
        Val::Bool(b) => Slot::Bool(b),
        Val::Ip(ip) => {
            let mut b = [0u8; 64];
            let mut w = &mut b[..];
            let _ = write!(w, "{ip}");
            let n = 64 - w.len();
            string(&b[..n], out)
        }
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
    /// The value, borrowed.
    pub fn as_value(&self) -> FieldValue<'_> {
        match self {
            OutputValue::Null => FieldValue::Null,
            OutputValue::String(s) => FieldValue::String(s),
            OutputValue::Int(x) => FieldValue::Int(*x),
            OutputValue::UInt(x) => FieldValue::UInt(*x),
            OutputValue::Bool(b) => FieldValue::Bool(*b),
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

/// True if [`escape_text`] changes `s` (a fold, not `any`, so that the check is vectorized).
fn needs_escape(s: &str) -> bool {
    s.bytes().fold(false, |c, b| c | (b < 0x20) | (b == 0x7f))
}

/// Control characters in text output are escaped as a JSON encoder would (without quotes).
pub(crate) fn escape_text(s: &str, out: &mut String) {
    // Almost always nothing to escape: copy the whole string.
    if !needs_escape(s) {
        out.push_str(s);
        return;
    }
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
