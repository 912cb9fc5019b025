//! Hits as Parquet rows: one row per alert, for analysis in SQL engines and dataframes.
//!
//! # Schema (`rtsec.kind = hits`, `rtsec.schema_version = 1`)
//!
//! | column | type | what |
//! |---|---|---|
//! | `time` | timestamp[ns, UTC] | the event's time |
//! | `rule` | string | rule name |
//! | `priority` | string | Falco's priority name (`Warning`, `Informational`, …) |
//! | `source` | string | rule source (`syscall`) |
//! | `tags` | list\<string\> | rule tags, sorted |
//! | `output` | string | the alert line, as Falco's JSON `output` (`HH:MM:SS.ns: Priority …`, local time) |
//! | `hostname` | string | host the trace was recorded on |
//! | `trace` | string | trace file, as given on the command line |
//! | `evt_num` | uint64 | Falco's `evt.num` within the trace |
//! | `evt_type` | string | `evt.type` |
//! | `proc_name` … `k8s_pod_name` | string (`proc_pid`: int64) | the Falco field with `.` replaced by `_`: `proc.name`, `proc.pid`, `proc.exepath`, `proc.cmdline`, `proc.pname`, `user.name`, `fd.name`, `container.id`, `container.name`, `container.image.repository`, `k8s.ns.name`, `k8s.pod.name`; null where the field has no value (Falco's `<NA>`/`null`) |
//! | `output_fields` | map\<string, string\> | the rule's `output_fields` as in Falco's JSON; numbers and booleans as text, missing values null |
//!
//! Values are whatever rule outputs show for those fields (they come from the same code).

use std::sync::{Arc, OnceLock};

use arrow_array::builder::{
    ArrayBuilder, Int64Builder, ListBuilder, MapBuilder, StringBuilder, TimestampNanosecondBuilder,
    UInt64Builder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{Field, Schema, SchemaRef};
use parquet::file::properties::WriterPropertiesBuilder;
use rtsec_rules::{Alert, AlertBuf, FieldValue, OutputValue, RuleId, RuleInfo};

use crate::fields::AlertFields;

/// Version of the hits schema, in the file metadata (`rtsec.schema_version`).
pub const HITS_SCHEMA_VERSION: u32 = 1;

/// The event fields every hit row carries, in column order after `evt_num`; the first one is
/// `evt.type`, `proc.pid` is the only integer.
pub const HIT_EVENT_FIELDS: [&str; 13] = [
    "evt.type",
    "proc.name",
    "proc.pid",
    "proc.exepath",
    "proc.cmdline",
    "proc.pname",
    "user.name",
    "fd.name",
    "container.id",
    "container.name",
    "container.image.repository",
    "k8s.ns.name",
    "k8s.pod.name",
];

const PID_INDEX: usize = 2;

/// The column name of a Falco field: dots become underscores (`proc.name` → `proc_name`).
pub fn column_name(field: &str) -> String {
    field
        .chars()
        .map(|c| match c {
            '.' | '[' => '_',
            ']' => '\0',
            c => c,
        })
        .filter(|&c| c != '\0')
        .collect()
}

/// The Arrow schema of hits files.
pub fn hits_schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA
        .get_or_init(|| HitsBatch::new().finish().schema())
        .clone()
}

/// Hit rows being collected (one per block of a trace, filled on a worker thread).
pub struct HitsBatch {
    time: TimestampNanosecondBuilder,
    rule: StringBuilder,
    priority: StringBuilder,
    source: StringBuilder,
    tags: ListBuilder<StringBuilder>,
    output: StringBuilder,
    hostname: StringBuilder,
    trace: StringBuilder,
    evt_num: UInt64Builder,
    strings: Vec<StringBuilder>,
    pid: Int64Builder,
    output_fields: MapBuilder<StringBuilder, StringBuilder>,
    text: String,
}

impl Default for HitsBatch {
    fn default() -> Self {
        Self::new()
    }
}

/// The sizes of a batch of hits: a worker sizes its next batch like its last one, so that the
/// builders do not grow (and copy) hit after hit.
#[derive(Clone, Debug, Default)]
pub struct HitsSize {
    rows: usize,
    tags: usize,
    entries: usize,
    /// Bytes of each string column, in [`HitsBatch::string_builders`] order.
    bytes: Vec<usize>,
}

impl HitsBatch {
    pub fn new() -> HitsBatch {
        Self::with_size(&HitsSize::default())
    }

    /// An empty batch with room for rows like those of a batch of `size`.
    pub fn with_size(size: &HitsSize) -> HitsBatch {
        let rows = size.rows;
        let bytes = |i: usize| size.bytes.get(i).copied().unwrap_or(0);
        let s = |i: usize, items: usize| StringBuilder::with_capacity(items, bytes(i));
        HitsBatch {
            time: TimestampNanosecondBuilder::with_capacity(rows).with_timezone("UTC"),
            rule: s(0, rows),
            priority: s(1, rows),
            source: s(2, rows),
            tags: ListBuilder::with_capacity(s(3, size.tags), rows),
            output: s(4, rows),
            hostname: s(5, rows),
            trace: s(6, rows),
            evt_num: UInt64Builder::with_capacity(rows),
            strings: (0..HIT_EVENT_FIELDS.len() - 1)
                .map(|i| s(7 + i, rows))
                .collect(),
            pid: Int64Builder::with_capacity(rows),
            output_fields: MapBuilder::with_capacity(
                None,
                s(6 + HIT_EVENT_FIELDS.len(), size.entries),
                s(7 + HIT_EVENT_FIELDS.len(), size.entries),
                rows,
            ),
            text: String::new(),
        }
    }

    /// The sizes of the rows so far (call before [`HitsBatch::finish`]).
    pub fn size(&mut self) -> HitsSize {
        HitsSize {
            rows: self.len(),
            tags: self.tags.values().len(),
            entries: self.output_fields.keys().len(),
            bytes: self
                .string_builders()
                .iter()
                .map(|b| b.values_slice().len())
                .collect(),
        }
    }

    /// Every string builder, in a fixed order.
    fn string_builders(&mut self) -> Vec<&mut StringBuilder> {
        let mut v = vec![
            &mut self.rule,
            &mut self.priority,
            &mut self.source,
            self.tags.values(),
            &mut self.output,
            &mut self.hostname,
            &mut self.trace,
        ];
        v.extend(self.strings.iter_mut());
        let (k, vals) = self.output_fields.entries();
        v.push(k);
        v.push(vals);
        v
    }

    pub fn len(&self) -> usize {
        self.evt_num.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds one hit: its alert and text line, where it comes from, and the values of
    /// [`HIT_EVENT_FIELDS`] for its event.
    pub fn push(
        &mut self,
        alert: &Alert<'_>,
        text_line: &str,
        hostname: &str,
        trace: &str,
        num: u64,
        event: &[OutputValue],
    ) {
        self.begin_row(Row {
            rule: alert.rule,
            ts: alert.ts,
            line: text_line,
            hostname,
            trace,
            num,
        });
        for (i, v) in event.iter().enumerate() {
            self.event_value(i, v.as_value());
        }
        for (k, v) in &alert.output_fields {
            self.output_field(k, v.as_value());
        }
        self.end_row();
    }

    /// [`HitsBatch::push`] from a rendered alert and its event columns (see
    /// [`AlertFields::render`]): nothing is allocated per hit.
    pub fn push_rendered(
        &mut self,
        alert: &AlertBuf,
        rule: &RuleInfo,
        hostname: &str,
        trace: &str,
        num: u64,
        event: EventColumns<'_>,
    ) {
        self.begin_row(Row {
            rule,
            ts: alert.ts(),
            line: alert.line(),
            hostname,
            trace,
            num,
        });
        event
            .fields
            .for_each_value(event.rule, alert, event.buf, |i, v| self.event_value(i, v));
        alert.for_each_field(|k, v| self.output_field(k, v));
        self.end_row();
    }

    /// The columns before the event fields.
    fn begin_row(&mut self, row: Row<'_>) {
        self.time.append_value(row.ts as i64);
        self.rule.append_value(&row.rule.name);
        self.priority.append_value(row.rule.priority.as_str());
        self.source.append_value(&row.rule.source);
        for t in &row.rule.tags {
            self.tags.values().append_value(t);
        }
        self.tags.append(true);
        self.output.append_value(row.line);
        self.hostname.append_value(row.hostname);
        self.trace.append_value(row.trace);
        self.evt_num.append_value(row.num);
    }

    /// The value of the `i`-th of [`HIT_EVENT_FIELDS`].
    #[inline]
    fn event_value(&mut self, i: usize, v: FieldValue<'_>) {
        if i == PID_INDEX {
            match v {
                FieldValue::Int(x) => self.pid.append_value(x),
                FieldValue::UInt(x) => self.pid.append_value(x as i64),
                _ => self.pid.append_null(),
            }
            return;
        }
        let s = if i > PID_INDEX { i - 1 } else { i };
        append_text(&mut self.strings[s], v, &mut self.text);
    }

    /// One entry of the row's `output_fields`.
    #[inline]
    fn output_field(&mut self, k: &str, v: FieldValue<'_>) {
        self.output_fields.keys().append_value(k);
        append_text(self.output_fields.values(), v, &mut self.text);
    }

    fn end_row(&mut self) {
        self.output_fields
            .append(true)
            .expect("map keys and values are appended in pairs");
    }

    /// The rows so far as a record batch (the builders are emptied).
    pub fn finish(&mut self) -> RecordBatch {
        let mut cols: Vec<(&str, ArrayRef, bool)> = vec![
            ("time", Arc::new(self.time.finish()), false),
            ("rule", Arc::new(self.rule.finish()), false),
            ("priority", Arc::new(self.priority.finish()), false),
            ("source", Arc::new(self.source.finish()), false),
            ("tags", Arc::new(self.tags.finish()), false),
            ("output", Arc::new(self.output.finish()), false),
            ("hostname", Arc::new(self.hostname.finish()), false),
            ("trace", Arc::new(self.trace.finish()), false),
            ("evt_num", Arc::new(self.evt_num.finish()), false),
        ];
        let mut s = self.strings.iter_mut();
        let names: Vec<String> = HIT_EVENT_FIELDS.iter().map(|f| column_name(f)).collect();
        for (i, name) in names.iter().enumerate() {
            let arr: ArrayRef = if i == PID_INDEX {
                Arc::new(self.pid.finish())
            } else {
                Arc::new(s.next().expect("one builder per string field").finish())
            };
            cols.push((name.as_str(), arr, true));
        }
        cols.push((
            "output_fields",
            Arc::new(self.output_fields.finish()),
            false,
        ));
        let fields: Vec<Field> = cols
            .iter()
            .map(|(n, a, nullable)| Field::new(*n, a.data_type().clone(), *nullable))
            .collect();
        let arrays: Vec<ArrayRef> = cols.into_iter().map(|(_, a, _)| a).collect();
        RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
            .expect("the hits columns match their schema")
    }
}

/// How each hits column is written (`ParquetFile` applies it for files of kind `hits`):
/// dictionary encoding where values repeat (rule, priority, host, program, file, container,
/// output field values), not for columns of unique values (time, event number, the alert
/// line), where building a dictionary only to abandon it costs, nor for the output field names
/// (the same ~20 names in every row: zstd makes them as small, hashing each costs 5 % of the
/// writer); no min/max statistics for long free text (comparing 500-byte lines per value
/// costs and the statistics help no query). Measured on 2.7M hits (Falco stable rules and a
/// rule on every open): 151 MB and 7.7 s at -j 2; without dictionaries for file names, command
/// lines and output field values too, 169-172 MB and no faster.
pub(crate) fn tune_writer(b: WriterPropertiesBuilder) -> WriterPropertiesBuilder {
    use parquet::file::properties::EnabledStatistics;
    use parquet::schema::types::ColumnPath;
    let path = |p: &str| ColumnPath::new(p.split('.').map(str::to_string).collect());
    let mut b = b;
    for no_dictionary in ["time", "evt_num", "output", "output_fields.entries.key"] {
        b = b.set_column_dictionary_enabled(path(no_dictionary), false);
    }
    for text in [
        "output",
        "proc_cmdline",
        "fd_name",
        "output_fields.entries.key",
        "output_fields.entries.value",
    ] {
        b = b.set_column_statistics_enabled(path(text), EnabledStatistics::None);
    }
    b
}

/// Appends a value as text (numbers and booleans printed, missing → null).
pub(crate) fn append_text(b: &mut StringBuilder, v: FieldValue<'_>, buf: &mut String) {
    use std::fmt::Write;
    match v {
        FieldValue::Null => b.append_null(),
        FieldValue::String(s) => b.append_value(s),
        FieldValue::Int(x) => {
            buf.clear();
            let _ = write!(buf, "{x}");
            b.append_value(&*buf);
        }
        FieldValue::UInt(x) => {
            buf.clear();
            let _ = write!(buf, "{x}");
            b.append_value(&*buf);
        }
        FieldValue::Bool(x) => b.append_value(if x { "true" } else { "false" }),
    }
}

/// Where the event columns of a rendered hit are: the alert of rule `rule` and `buf`, read
/// with `fields` (see [`AlertFields`]).
#[derive(Clone, Copy)]
pub struct EventColumns<'a> {
    pub fields: &'a AlertFields,
    pub rule: RuleId,
    pub buf: &'a AlertBuf,
}

/// What a hit row says besides the field values.
struct Row<'a> {
    rule: &'a RuleInfo,
    ts: u64,
    line: &'a str,
    hostname: &'a str,
    trace: &'a str,
    num: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_names_replace_dots_and_brackets() {
        assert_eq!(column_name("proc.name"), "proc_name");
        assert_eq!(column_name("proc.aname[2]"), "proc_aname_2");
        assert_eq!(
            column_name("container.image.repository"),
            "container_image_repository"
        );
    }

    #[test]
    fn the_schema_names_every_column() {
        let s = hits_schema();
        let names: Vec<&str> = s.fields().iter().map(|f| f.name().as_str()).collect();
        assert_eq!(
            names[..9],
            [
                "time", "rule", "priority", "source", "tags", "output", "hostname", "trace",
                "evt_num"
            ]
        );
        assert_eq!(names[9], "evt_type");
        assert_eq!(names[11], "proc_pid");
        assert_eq!(*names.last().unwrap(), "output_fields");
        assert_eq!(names.len(), 9 + HIT_EVENT_FIELDS.len() + 1);
    }
}
