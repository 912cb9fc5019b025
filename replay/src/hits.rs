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
use rtsec_rules::{Alert, OutputValue};

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

impl HitsBatch {
    pub fn new() -> HitsBatch {
        HitsBatch {
            time: TimestampNanosecondBuilder::new().with_timezone("UTC"),
            rule: StringBuilder::new(),
            priority: StringBuilder::new(),
            source: StringBuilder::new(),
            tags: ListBuilder::new(StringBuilder::new()),
            output: StringBuilder::new(),
            hostname: StringBuilder::new(),
            trace: StringBuilder::new(),
            evt_num: UInt64Builder::new(),
            strings: (0..HIT_EVENT_FIELDS.len() - 1)
                .map(|_| StringBuilder::new())
                .collect(),
            pid: Int64Builder::new(),
            output_fields: MapBuilder::new(None, StringBuilder::new(), StringBuilder::new()),
            text: String::new(),
        }
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
        self.time.append_value(alert.ts as i64);
        self.rule.append_value(&alert.rule.name);
        self.priority.append_value(alert.rule.priority.as_str());
        self.source.append_value(&alert.rule.source);
        for t in &alert.rule.tags {
            self.tags.values().append_value(t);
        }
        self.tags.append(true);
        self.output.append_value(text_line);
        self.hostname.append_value(hostname);
        self.trace.append_value(trace);
        self.evt_num.append_value(num);
        let mut s = 0;
        for (i, v) in event.iter().enumerate() {
            if i == PID_INDEX {
                match v {
                    OutputValue::Int(x) => self.pid.append_value(*x),
                    OutputValue::UInt(x) => self.pid.append_value(*x as i64),
                    _ => self.pid.append_null(),
                }
                continue;
            }
            append_text(&mut self.strings[s], v, &mut self.text);
            s += 1;
        }
        for (k, v) in &alert.output_fields {
            self.output_fields.keys().append_value(k);
            append_text(self.output_fields.values(), v, &mut self.text);
        }
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

/// Appends a value as text (numbers and booleans printed, missing → null).
pub(crate) fn append_text(b: &mut StringBuilder, v: &OutputValue, buf: &mut String) {
    use std::fmt::Write;
    match v {
        OutputValue::Null => b.append_null(),
        OutputValue::String(s) => b.append_value(s),
        OutputValue::Int(x) => {
            buf.clear();
            let _ = write!(buf, "{x}");
            b.append_value(&*buf);
        }
        OutputValue::UInt(x) => {
            buf.clear();
            let _ = write!(buf, "{x}");
            b.append_value(&*buf);
        }
        OutputValue::Bool(x) => b.append_value(if *x { "true" } else { "false" }),
    }
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
