//! Alerts rendered into reusable buffers: the output text, Falco's text line and the
//! `output_fields` values of one alert at a time, with no allocation per alert once the
//! buffers have grown. Replay renders every hit once into an [`AlertBuf`] and writes the text
//! line, Falco's JSON and Parquet rows from it.

use std::io::Write;
use std::sync::Arc;

use super::{OutputValue, escape_text, time};
use crate::fields::{Field, FieldId};
use crate::loader::RuleInfo;

/// A value of an `output_fields` entry of an [`AlertBuf`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldValue<'a> {
    /// The field has no value for this event (`<NA>` in text, `null` in JSON).
    Null,
    String(&'a str),
    Int(i64),
    UInt(u64),
    Bool(bool),
}

impl FieldValue<'_> {
    /// The value as an owned [`OutputValue`].
    pub fn to_owned(self) -> OutputValue {
        match self {
            FieldValue::Null => OutputValue::Null,
            FieldValue::String(s) => OutputValue::String(s.to_string()),
            FieldValue::Int(x) => OutputValue::Int(x),
            FieldValue::UInt(x) => OutputValue::UInt(x),
            FieldValue::Bool(b) => OutputValue::Bool(b),
        }
    }

    /// Appends the value as Falco's JSON writes it (`serde_json`'s escaping and numbers).
    pub fn write_json(self, out: &mut Vec<u8>) {
        let _ = match self {
            FieldValue::Null => out.write_all(b"null").map_err(serde_json::Error::io),
            FieldValue::String(s) => {
                super::json_str::write(out, s);
                Ok(())
            }
            FieldValue::Int(x) => serde_json::to_writer(&mut *out, &x),
            FieldValue::UInt(x) => serde_json::to_writer(&mut *out, &x),
            FieldValue::Bool(b) => serde_json::to_writer(&mut *out, &b),
        };
    }
}

/// A field value as kept in the buffer (strings as a range of its text).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) enum Slot {
    #[default]
    Null,
    /// A range of the buffer's `text`.
    Str(u32, u32),
    /// A range of the buffer's `output` (the value as the output shows it, unescaped).
    Out(u32, u32),
    Int(i64),
    UInt(u64),
    Bool(bool),
}

impl Slot {
    fn get<'a>(self, text: &'a str, output: &'a str) -> FieldValue<'a> {
        match self {
            Slot::Null => FieldValue::Null,
            Slot::Str(a, b) => FieldValue::String(text.get(a as usize..b as usize).unwrap_or("")),
            Slot::Out(a, b) => FieldValue::String(output.get(a as usize..b as usize).unwrap_or("")),
            Slot::Int(x) => FieldValue::Int(x),
            Slot::UInt(x) => FieldValue::UInt(x),
            Slot::Bool(b) => FieldValue::Bool(b),
        }
    }

    /// Appends the value as rule outputs print it.
    pub(crate) fn write_text(self, field: &Field, text: &str, out: &mut String) {
        use std::fmt::Write as _;
        let value = match self {
            // Already in the output.
            Slot::Out(..) => return,
            v => v.get(text, ""),
        };
        match value {
            FieldValue::Null => out.push_str("<NA>"),
            FieldValue::String(s) => escape_text(s, out),
            FieldValue::Int(x) => {
                let _ = write!(out, "{x}");
            }
            FieldValue::UInt(x) if field.id == FieldId::EvtTime => {
                let mut v = Vec::new();
                time::write_clock(x, true, &mut v);
                out.push_str(&String::from_utf8_lossy(&v));
            }
            // The fraction of a second, as libsinsp prints it: nine digits.
            FieldValue::UInt(x) if field.id == FieldId::EvtRawtimeNs => {
                let _ = write!(out, "{x:09}");
            }
            FieldValue::UInt(x) => {
                let _ = write!(out, "{x}");
            }
            FieldValue::Bool(b) => out.push_str(if b { "true" } else { "false" }),
        }
    }
}

/// A format's `output_fields` keys, sorted, each with the slot of its value (`None`: the
/// event time).
pub(crate) type Keys = Arc<[(String, Option<u16>)]>;

/// One alert rendered by [`crate::Engine::render`]; reuse it for the next alert.
#[derive(Debug, Default)]
pub struct AlertBuf {
    pub(crate) rule: u32,
    pub(crate) ts: u64,
    /// The rule's output with fields substituted.
    pub(crate) output: String,
    /// Falco's text line.
    pub(crate) line: String,
    /// The text of string values.
    pub(crate) text: String,
    /// Where an `extra_fields` format is rendered before it joins `text`.
    pub(crate) scratch: String,
    pub(crate) slots: Vec<Slot>,
    /// The rule's sorted `output_fields` keys and their slots.
    keys: Option<Keys>,
    /// How the line was written and how the JSON alert is.
    format: super::AlertFormat,
    /// The JSON of what depends only on the rule, made when the rule changes.
    rule_json: Option<RuleJson>,
}

/// The parts of Falco's JSON alert that depend only on the rule and the alert shape, written
/// once per rule instead of once per alert (a worker renders the same rule again and again):
/// each `output_fields` key as `"key":`, and the properties after `output_fields`.
#[derive(Debug)]
struct RuleJson {
    /// The keys this was made for (a rule's own: held here, so never another rule's).
    keys: Keys,
    format: super::AlertFormat,
    /// `"key":` of every key, one after the other, and where each ends.
    key_text: Vec<u8>,
    key_ends: Vec<usize>,
    /// `,"priority":…,"rule":…,"source":…` and `,"tags":[…]` if included.
    tail: Vec<u8>,
}

impl AlertBuf {
    pub fn new() -> AlertBuf {
        AlertBuf::default()
    }

    /// Starts an alert of a format with `keys` and `slots` values, for an event at `ts`.
    pub(crate) fn begin(&mut self, keys: &Keys, slots: usize, ts: u64) {
        self.output.clear();
        self.line.clear();
        self.text.clear();
        self.slots.clear();
        self.slots.resize(slots, Slot::Null);
        // The same keys as the last alert (a worker renders the same rule again and again):
        // no clone, whose atomic count every worker thread would write to for every alert.
        if !self.keys.as_ref().is_some_and(|k| Arc::ptr_eq(k, keys)) {
            self.keys = Some(keys.clone());
        }
        self.ts = ts;
    }

    /// The rule (its index in the rule set).
    pub fn rule(&self) -> u32 {
        self.rule
    }

    /// The event's timestamp (ns since the epoch).
    pub fn ts(&self) -> u64 {
        self.ts
    }

    /// The rule's output with fields substituted (without the time and priority prefix).
    pub fn output(&self) -> &str {
        &self.output
    }

    /// Falco's text line: `HH:MM:SS.nnnnnnnnn: Priority output` (local time).
    pub fn line(&self) -> &str {
        &self.line
    }

    /// The `output_fields`: every field of the output as written, plus `evt.time`, sorted by
    /// key (as [`crate::Alert::output_fields`]).
    pub fn fields(&self) -> impl ExactSizeIterator<Item = (&str, FieldValue<'_>)> + '_ {
        self.keys
            .as_deref()
            .unwrap_or(&[])
            .iter()
            .map(|(k, slot)| (k.as_str(), self.value(*slot)))
    }

    /// The `i`-th entry of [`AlertBuf::fields`].
    pub fn field(&self, i: usize) -> Option<(&str, FieldValue<'_>)> {
        let (k, slot) = self.keys.as_deref()?.get(i)?;
        Some((k.as_str(), self.value(*slot)))
    }

    /// The value of the `i`-th entry of [`AlertBuf::fields`] (null past the end).
    #[inline]
    pub fn field_value(&self, i: usize) -> FieldValue<'_> {
        match self.keys.as_deref().and_then(|k| k.get(i)) {
            Some((_, slot)) => self.value(*slot),
            None => FieldValue::Null,
        }
    }

    /// Calls `f` with each entry of [`AlertBuf::fields`], in order. Per-hit code that copies
    /// every value (Parquet rows) is faster this way than through the iterator, whose
    /// `Option`-wrapped items were copied through memory and stalled on every entry.
    #[inline]
    pub fn for_each_field<'a>(&'a self, mut f: impl FnMut(&'a str, FieldValue<'a>)) {
        for (k, slot) in self.keys.as_deref().unwrap_or(&[]) {
            f(k, self.value(*slot));
        }
    }

    #[inline]
    fn value(&self, slot: Option<u16>) -> FieldValue<'_> {
        match slot {
            Some(s) => self
                .slots
                .get(s as usize)
                .map_or(FieldValue::Null, |v| v.get(&self.text, &self.output)),
            None => FieldValue::UInt(self.ts),
        }
    }

    /// Makes the rule's part of the JSON alert unless it is there already (called by the
    /// engine with the rule rendered).
    pub(crate) fn prepare_json(&mut self, rule: &RuleInfo) {
        let Some(keys) = &self.keys else { return };
        let fresh = self
            .rule_json
            .as_ref()
            .is_some_and(|j| Arc::ptr_eq(&j.keys, keys) && j.format == self.format);
        if fresh {
            return;
        }
        let mut j = RuleJson {
            keys: keys.clone(),
            format: self.format,
            key_text: Vec::new(),
            key_ends: Vec::with_capacity(keys.len()),
            tail: Vec::new(),
        };
        for (k, _) in keys.iter() {
            super::json_str::write(&mut j.key_text, k);
            j.key_text.push(b':');
            j.key_ends.push(j.key_text.len());
        }
        write_rule_properties(rule, self.format, &mut j.tail);
        self.rule_json = Some(j);
    }

    /// The text line, built from the output (called by the engine).
    pub(crate) fn finish_line(&mut self, priority: &str, format: super::AlertFormat) {
        self.format = format;
        // SAFETY: both clocks append ASCII digits and separators only: the line stays UTF-8.
        let line = unsafe { self.line.as_mut_vec() };
        if format.time_format_iso_8601 {
            time::write_iso8601_utc(self.ts, line);
        } else {
            time::write_clock(self.ts, true, line);
        }
        self.line.push_str(": ");
        self.line.push_str(priority);
        self.line.push(' ');
        self.line.push_str(&self.output);
    }

    /// Appends Falco's JSON alert (`json_output: true`) for rule `rule` (the one this alert is
    /// of) and `hostname`: byte for byte what [`crate::Alert::json_line`] gives.
    pub fn write_json(&self, rule: &RuleInfo, hostname: &str, out: &mut Vec<u8>) {
        let s = super::json_str::write;
        let f = self.format;
        // The rule's part as made by `prepare_json`, if it was made for this alert's rule.
        let cached = self.rule_json.as_ref().filter(|j| {
            j.format == f && self.keys.as_ref().is_some_and(|k| Arc::ptr_eq(k, &j.keys))
        });
        out.extend_from_slice(b"{\"hostname\":");
        s(out, hostname);
        if f.json_include_message_property {
            out.extend_from_slice(b",\"message\":");
            s(out, &self.output);
        }
        if f.json_include_output_property {
            out.extend_from_slice(b",\"output\":");
            s(out, &self.line);
        }
        if f.json_include_output_fields_property {
            out.extend_from_slice(b",\"output_fields\":{");
            let mut i = 0;
            self.for_each_field(|k, v| {
                if i > 0 {
                    out.push(b',');
                }
                match cached {
                    Some(j) => {
                        let start = if i == 0 { 0 } else { j.key_ends[i - 1] };
                        out.extend_from_slice(&j.key_text[start..j.key_ends[i]]);
                    }
                    None => {
                        s(out, k);
                        out.push(b':');
                    }
                }
                v.write_json(out);
                i += 1;
            });
            out.push(b'}');
        }
        match cached {
            Some(j) => out.extend_from_slice(&j.tail),
            None => write_rule_properties(rule, f, out),
        }
        out.extend_from_slice(b",\"time\":\"");
        time::write_iso8601_utc(self.ts, out);
        out.extend_from_slice(b"\"}");
    }
}

/// `,"priority":…,"rule":…,"source":…` and, if the shape includes them, `,"tags":[…]`.
fn write_rule_properties(rule: &RuleInfo, f: super::AlertFormat, out: &mut Vec<u8>) {
    let s = super::json_str::write;
    out.extend_from_slice(b",\"priority\":");
    s(out, rule.priority.as_str());
    out.extend_from_slice(b",\"rule\":");
    s(out, &rule.name);
    out.extend_from_slice(b",\"source\":");
    s(out, &rule.source);
    if f.json_include_tags_property {
        out.extend_from_slice(b",\"tags\":[");
        for (i, t) in rule.tags.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            s(out, t);
        }
        out.push(b']');
    }
}
