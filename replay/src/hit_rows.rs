//! Hit rows as they are collected on a worker: each column's values appended as the file will
//! hold them (strings already in Parquet's PLAIN layout, definition levels as bytes), and
//! what follows from the rule or the trace (rule name, priority, source, tags, output field
//! names, host, trace file) stored once per row as the rule id or the input. The hits encoder
//! (`hits_encoder`) turns them into pages; rows of small blocks are appended to each other.

use std::sync::Arc;

use rtsec_rules::{Alert, AlertBuf, Engine, FieldValue, OutputValue, RuleId};

use crate::decimal::{MAX_DIGITS, decimal};
use crate::hits::{EventColumns, HIT_EVENT_FIELDS, PID_INDEX};
use crate::hits_encoder::dicts::RuleDictionaries;

/// What the hit rows of a run's rules share: each rule's name, priority, source, tags and
/// `output_fields` keys, as indices into the hits file's dictionaries.
#[derive(Debug, Default)]
pub struct RuleCatalog {
    pub(crate) dictionaries: RuleDictionaries,
}

impl RuleCatalog {
    /// The enabled rules of `engine`.
    pub fn new(engine: &Engine) -> RuleCatalog {
        RuleCatalog {
            dictionaries: RuleDictionaries::new(engine),
        }
    }

    /// How many `output_fields` entries the hits of rule `id` have.
    fn keys(&self, id: RuleId) -> usize {
        self.dictionaries.rule(id).keys.len()
    }
}

/// Where hit rows come from: the trace's position in the run's inputs, its host and name.
#[derive(Clone, Debug)]
pub struct HitSource {
    pub input: u32,
    pub hostname: Arc<str>,
    pub trace: Arc<str>,
}

/// A nullable string column: PLAIN values (4-byte length, bytes) of the non-null entries,
/// and a definition level (0 null, 1 present) per entry.
#[derive(Debug, Default, Clone)]
pub(crate) struct Strings {
    pub plain: Vec<u8>,
    pub defs: Vec<u8>,
}

impl Strings {
    #[inline]
    fn push(&mut self, v: FieldValue<'_>) {
        let mut digits = [0u8; MAX_DIGITS];
        let text: &[u8] = match v {
            FieldValue::Null => {
                self.defs.push(0);
                return;
            }
            FieldValue::String(s) => s.as_bytes(),
            FieldValue::Int(x) => decimal(x.unsigned_abs(), x < 0, &mut digits).as_bytes(),
            FieldValue::UInt(x) => decimal(x, false, &mut digits).as_bytes(),
            FieldValue::Bool(true) => b"true",
            FieldValue::Bool(false) => b"false",
        };
        self.defs.push(1);
        push_plain(&mut self.plain, text);
    }

    fn append(&mut self, other: &Strings) {
        self.plain.extend_from_slice(&other.plain);
        self.defs.extend_from_slice(&other.defs);
    }

    fn clear(&mut self) {
        self.plain.clear();
        self.defs.clear();
    }
}

#[inline]
pub(crate) fn push_plain(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s);
}

/// The column lengths of some hit rows (see [`HitRows::size`]).
#[derive(Clone, Debug, Default)]
pub struct RowsSize {
    rows: usize,
    output: usize,
    /// PLAIN bytes of each string column.
    strings: Vec<usize>,
    /// `output_fields` values: entries and PLAIN bytes.
    values: (usize, usize),
}

/// Hit rows (see the module docs).
#[derive(Debug)]
pub struct HitRows {
    pub(crate) catalog: Arc<RuleCatalog>,
    /// The inputs the rows come from, each once.
    pub(crate) sources: Vec<HitSource>,
    pub(crate) time: Vec<i64>,
    pub(crate) rule: Vec<RuleId>,
    /// Per row, its input (see [`HitRows::sources`]).
    pub(crate) input: Vec<u32>,
    /// The alert lines, PLAIN.
    pub(crate) output: Vec<u8>,
    pub(crate) evt_num: Vec<i64>,
    /// The string columns of [`HIT_EVENT_FIELDS`] (all but `proc.pid`), in order.
    pub(crate) strings: Vec<Strings>,
    /// `proc.pid`: the non-null values and a definition level per row.
    pub(crate) pid: Vec<i64>,
    pub(crate) pid_defs: Vec<u8>,
    /// The `output_fields` values of every row, in key order (the keys follow from the rule).
    pub(crate) values: Strings,
}

impl HitRows {
    /// No rows yet; rows of rules from `catalog`.
    pub fn new(catalog: Arc<RuleCatalog>) -> HitRows {
        HitRows {
            catalog,
            sources: Vec::new(),
            time: Vec::new(),
            rule: Vec::new(),
            input: Vec::new(),
            output: Vec::new(),
            evt_num: Vec::new(),
            strings: vec![Strings::default(); HIT_EVENT_FIELDS.len() - 1],
            pid: Vec::new(),
            pid_defs: Vec::new(),
            values: Strings::default(),
        }
    }

    /// No rows yet, with room for as many as `other` has (a worker sizes its next chunk like
    /// its last, so that the columns do not grow and copy row after row).
    pub fn with_capacity_of(other: &HitRows) -> HitRows {
        HitRows::with_size(other.catalog.clone(), &other.size())
    }

    /// The lengths of the columns, to size later rows like these ([`HitRows::with_size`]).
    pub fn size(&self) -> RowsSize {
        RowsSize {
            rows: self.len(),
            output: self.output.len(),
            strings: self.strings.iter().map(|s| s.plain.len()).collect(),
            values: (self.values.defs.len(), self.values.plain.len()),
        }
    }

    /// No rows yet, with room for rows like those `size` was taken of, and some more: a
    /// chunk whose strings are a little longer than the last one's would otherwise double
    /// (and copy) its largest columns.
    pub fn with_size(catalog: Arc<RuleCatalog>, size: &RowsSize) -> HitRows {
        let room = |bytes: usize| bytes + bytes / 8;
        let n = size.rows;
        let strings = (0..HIT_EVENT_FIELDS.len() - 1)
            .map(|i| Strings {
                plain: Vec::with_capacity(room(size.strings.get(i).copied().unwrap_or(0))),
                defs: Vec::with_capacity(n),
            })
            .collect();
        HitRows {
            catalog,
            sources: Vec::new(),
            time: Vec::with_capacity(n),
            rule: Vec::with_capacity(n),
            input: Vec::with_capacity(n),
            output: Vec::with_capacity(room(size.output)),
            evt_num: Vec::with_capacity(n),
            strings,
            pid: Vec::with_capacity(n),
            pid_defs: Vec::with_capacity(n),
            values: Strings {
                plain: Vec::with_capacity(room(size.values.1)),
                defs: Vec::with_capacity(size.values.0),
            },
        }
    }

    pub fn len(&self) -> usize {
        self.time.len()
    }

    pub fn is_empty(&self) -> bool {
        self.time.is_empty()
    }

    /// Bytes held by the rows.
    pub fn bytes(&self) -> usize {
        self.output.capacity()
            + self.values.plain.capacity()
            + self
                .strings
                .iter()
                .map(|s| s.plain.capacity())
                .sum::<usize>()
            + self.len() * 64
    }

    /// The row of a rendered hit of rule `rule` from input `source`: its alert (rendered
    /// into `alert`), event number and event columns. Nothing is allocated per hit once the
    /// columns have grown.
    pub fn push_rendered(
        &mut self,
        rule: RuleId,
        alert: &AlertBuf,
        source: &HitSource,
        num: u64,
        event: EventColumns<'_>,
    ) {
        self.begin_row(rule, alert.ts(), alert.line(), source, num);
        event
            .fields
            .for_each_value(event.rule, alert, event.buf, |i, v| self.event_value(i, v));
        // Exactly one value per key of the rule: the keys' column is made from the rule.
        for k in 0..self.catalog.keys(rule) {
            self.values.push(alert.field_value(k));
        }
    }

    /// [`HitRows::push_rendered`] from an owned alert and the values of
    /// [`HIT_EVENT_FIELDS`] (benchmarks, tools).
    pub fn push_alert(
        &mut self,
        rule: RuleId,
        alert: &Alert<'_>,
        line: &str,
        source: &HitSource,
        num: u64,
        event: &[OutputValue],
    ) {
        self.begin_row(rule, alert.ts, line, source, num);
        for (i, v) in event.iter().enumerate() {
            self.event_value(i, v.as_value());
        }
        for k in 0..self.catalog.keys(rule) {
            let v = alert.output_fields.get(k);
            self.values
                .push(v.map_or(FieldValue::Null, |(_, v)| v.as_value()));
        }
    }

    fn begin_row(&mut self, rule: RuleId, ts: u64, line: &str, source: &HitSource, num: u64) {
        if self.sources.last().is_none_or(|s| s.input != source.input) {
            self.note_source(source);
        }
        self.time.push(ts as i64);
        self.rule.push(rule);
        self.input.push(source.input);
        push_plain(&mut self.output, line.as_bytes());
        self.evt_num.push(num as i64);
    }

    #[cold]
    fn note_source(&mut self, source: &HitSource) {
        if !self.sources.iter().any(|s| s.input == source.input) {
            self.sources.push(source.clone());
        }
    }

    /// The value of the `i`-th of [`HIT_EVENT_FIELDS`].
    #[inline]
    fn event_value(&mut self, i: usize, v: FieldValue<'_>) {
        if i == PID_INDEX {
            let pid = match v {
                FieldValue::Int(x) => Some(x),
                FieldValue::UInt(x) => Some(x as i64),
                _ => None,
            };
            self.pid_defs.push(pid.is_some() as u8);
            self.pid.extend(pid);
            return;
        }
        let s = if i > PID_INDEX { i - 1 } else { i };
        self.strings[s].push(v);
    }

    /// Appends `other`'s rows after these.
    pub(crate) fn append(&mut self, other: &HitRows) {
        for s in &other.sources {
            if !self.sources.iter().any(|x| x.input == s.input) {
                self.sources.push(s.clone());
            }
        }
        self.time.extend_from_slice(&other.time);
        self.rule.extend_from_slice(&other.rule);
        self.input.extend_from_slice(&other.input);
        self.output.extend_from_slice(&other.output);
        self.evt_num.extend_from_slice(&other.evt_num);
        for (a, b) in self.strings.iter_mut().zip(&other.strings) {
            a.append(b);
        }
        self.pid.extend_from_slice(&other.pid);
        self.pid_defs.extend_from_slice(&other.pid_defs);
        self.values.append(&other.values);
    }

    /// Removes every row, keeping the memory.
    pub(crate) fn clear(&mut self) {
        self.sources.clear();
        self.time.clear();
        self.rule.clear();
        self.input.clear();
        self.output.clear();
        self.evt_num.clear();
        self.strings.iter_mut().for_each(Strings::clear);
        self.pid.clear();
        self.pid_defs.clear();
        self.values.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_in_decimal() {
        let mut s = Strings::default();
        for v in [
            FieldValue::Int(0),
            FieldValue::Int(-17),
            FieldValue::Int(i64::MIN),
            FieldValue::UInt(u64::MAX),
            FieldValue::Bool(true),
            FieldValue::Null,
            FieldValue::String("x"),
        ] {
            s.push(v);
        }
        let mut texts = Vec::new();
        let mut at = 0;
        while at < s.plain.len() {
            let len = u32::from_le_bytes(s.plain[at..at + 4].try_into().unwrap()) as usize;
            texts.push(String::from_utf8(s.plain[at + 4..at + 4 + len].to_vec()).unwrap());
            at += 4 + len;
        }
        assert_eq!(
            texts,
            [
                "0",
                "-17",
                &i64::MIN.to_string(),
                &u64::MAX.to_string(),
                "true",
                "x"
            ]
        );
        assert_eq!(s.defs, [1, 1, 1, 1, 1, 0, 1]);
    }
}
