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
//!
//! Rows are collected as [`crate::HitRows`] and encoded by rtsec's own encoder
//! ([`crate::hits_encoder`]: zstd, row groups of up to 256 Ki rows or 16 MiB, dictionaries
//! for the columns that follow from the rule or the trace). The file carries the Arrow schema
//! ([`hits_schema`]) in its metadata as Arrow writers do, so pyarrow, DuckDB and the parquet
//! crate read the timestamp's zone, the list and the map back as written.

use std::sync::{Arc, OnceLock};

use arrow_array::Array;
use arrow_array::builder::{ListBuilder, MapBuilder, StringBuilder};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use rtsec_rules::{AlertBuf, RuleId};

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

pub(crate) const PID_INDEX: usize = 2;

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

/// The Arrow schema of hits files (in each file's metadata, as Arrow writers put it, so that
/// readers get the timestamp's zone, the list and the map back).
pub fn hits_schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            // The list and map types as Arrow's builders make them (field names `item`,
            // `entries`, `keys`, `values`), as in the files rtsec wrote with them.
            let tags = ListBuilder::new(StringBuilder::new()).finish();
            let map = MapBuilder::new(None, StringBuilder::new(), StringBuilder::new()).finish();
            let text = |name: &str| Field::new(name, DataType::Utf8, false);
            let mut fields = vec![
                Field::new(
                    "time",
                    DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())),
                    false,
                ),
                text("rule"),
                text("priority"),
                text("source"),
                Field::new("tags", tags.data_type().clone(), false),
                text("output"),
                text("hostname"),
                text("trace"),
                Field::new("evt_num", DataType::UInt64, false),
            ];
            for (i, f) in HIT_EVENT_FIELDS.iter().enumerate() {
                let t = if i == PID_INDEX {
                    DataType::Int64
                } else {
                    DataType::Utf8
                };
                fields.push(Field::new(column_name(f), t, true));
            }
            fields.push(Field::new("output_fields", map.data_type().clone(), false));
            Arc::new(Schema::new(fields))
        })
        .clone()
}

/// Where the event columns of a rendered hit are: the alert of rule `rule` and `buf`, read
/// with `fields` (see [`AlertFields`]).
#[derive(Clone, Copy)]
pub struct EventColumns<'a> {
    pub fields: &'a AlertFields,
    pub rule: RuleId,
    pub buf: &'a AlertBuf,
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
