//! `rtsec export`: every event of traces, with the fields rtsec resolved at capture time, as
//! Parquet rows for SQL engines (DuckDB, Spark, Trino, …) when traces outgrow one machine.
//!
//! # Schema (`rtsec.kind = events`, `rtsec.schema_version = 1`)
//!
//! One row per event, in trace order then event order. The first four columns come from the
//! trace itself; every other column is the Falco field named in [`EXPORT_FIELDS`] with `.`
//! (and `[`) replaced by `_` and `]` dropped (`proc.aname[2]` → `proc_aname_2`), holding what
//! a rule output would show for that field. A field without a value for an event (an fd field
//! on an execve, `proc.pname` of a process whose parent is unknown) is null.
//!
//! | column | type |
//! |---|---|
//! | `trace` | string: the trace file as given |
//! | `hostname` | string: the host the trace was recorded on |
//! | `evt_num` | uint64: Falco's `evt.num` |
//! | `evt_time` | timestamp[ns, UTC] |
//! | the fields of [`EXPORT_FIELDS`] | string, int64, uint64 or bool as listed there |
//!
//! `rtsec export --schema` prints the full table.

use std::sync::Arc;

use arrow_array::builder::{
    ArrayBuilder, BooleanBuilder, Int64Builder, StringBuilder, TimestampNanosecondBuilder,
    UInt64Builder,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{Field, Schema, SchemaRef};
use rtsec_rules::{AlertBuf, FieldValue, Scratch};

use crate::error::ReplayError;
use crate::fields::FieldReader;
use crate::hits::column_name;
use crate::inputs::Input;
use crate::judge::{BlockResult, Job};
use crate::parquet_file::{CHUNK_ROWS, ParquetFile, ParquetStats, RowGroupEncoder, RowGroupStream};
use crate::pipeline::{BlockWork, Progress, ReplayOptions, run_blocks};
use crate::summary::Summary;

/// Version of the events schema, in the file metadata (`rtsec.schema_version`).
pub const EVENTS_SCHEMA_VERSION: u32 = 1;

/// The Arrow type of an exported field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnType {
    String,
    Int64,
    UInt64,
    Bool,
}

impl ColumnType {
    pub fn name(self) -> &'static str {
        match self {
            ColumnType::String => "string",
            ColumnType::Int64 => "int64",
            ColumnType::UInt64 => "uint64",
            ColumnType::Bool => "bool",
        }
    }
}

/// The Falco fields exported for every event, in column order, with their types.
pub const EXPORT_FIELDS: &[(&str, ColumnType)] = {
    use ColumnType::*;
    &[
        ("evt.type", String),
        ("evt.cpu", UInt64),
        ("evt.res", String),
        ("evt.rawres", Int64),
        ("evt.failed", Bool),
        ("evt.args", String),
        ("thread.tid", Int64),
        ("thread.vtid", Int64),
        ("proc.pid", Int64),
        ("proc.ppid", Int64),
        ("proc.vpid", Int64),
        ("proc.sid", Int64),
        ("proc.name", String),
        ("proc.exe", String),
        ("proc.exepath", String),
        ("proc.args", String),
        ("proc.cmdline", String),
        ("proc.cwd", String),
        ("proc.tty", UInt64),
        ("proc.pname", String),
        ("proc.pexepath", String),
        ("proc.pcmdline", String),
        ("proc.aname[2]", String),
        ("proc.is_exe_writable", Bool),
        ("proc.is_exe_upper_layer", Bool),
        ("proc.is_exe_from_memfd", Bool),
        ("thread.cap_effective", String),
        ("user.uid", UInt64),
        ("user.name", String),
        ("user.loginuid", Int64),
        ("user.loginname", String),
        ("group.gid", UInt64),
        ("group.name", String),
        ("fd.num", Int64),
        ("fd.type", String),
        ("fd.name", String),
        ("fd.nameraw", String),
        ("fd.directory", String),
        ("fd.l4proto", String),
        ("fd.cip", String),
        ("fd.cport", UInt64),
        ("fd.sip", String),
        ("fd.sport", UInt64),
        ("container.id", String),
        ("container.name", String),
        ("container.image.repository", String),
        ("container.image.tag", String),
        ("container.type", String),
        ("container.privileged", Bool),
        ("k8s.ns.name", String),
        ("k8s.pod.name", String),
    ]
};

/// The schema as `(column, type, Falco field or description)` rows, for `--schema`.
pub fn schema_table() -> Vec<(String, &'static str, String)> {
    let mut v = vec![
        (
            "trace".to_string(),
            "string",
            "the trace file, as given".to_string(),
        ),
        (
            "hostname".into(),
            "string",
            "host the trace was recorded on".into(),
        ),
        ("evt_num".into(), "uint64", "evt.num".into()),
        (
            "evt_time".into(),
            "timestamp[ns, UTC]",
            "evt.time (ns since the epoch)".into(),
        ),
    ];
    for (f, t) in EXPORT_FIELDS {
        v.push((column_name(f), t.name(), f.to_string()));
    }
    v
}

/// The Arrow schema of events files.
pub fn events_schema() -> SchemaRef {
    EventsBatch::new(0).finish().schema()
}

enum Col {
    Str(StringBuilder),
    I64(Int64Builder),
    U64(UInt64Builder),
    Bool(BooleanBuilder),
}

/// Event rows of one block.
struct EventsBatch {
    trace: StringBuilder,
    hostname: StringBuilder,
    num: UInt64Builder,
    time: TimestampNanosecondBuilder,
    cols: Vec<Col>,
    text: String,
}

impl EventsBatch {
    fn new(capacity: usize) -> Self {
        EventsBatch {
            trace: StringBuilder::with_capacity(capacity, capacity * 16),
            hostname: StringBuilder::with_capacity(capacity, capacity * 8),
            num: UInt64Builder::with_capacity(capacity),
            time: TimestampNanosecondBuilder::with_capacity(capacity).with_timezone("UTC"),
            cols: EXPORT_FIELDS
                .iter()
                .map(|(_, t)| match t {
                    ColumnType::String => Col::Str(StringBuilder::with_capacity(capacity, 0)),
                    ColumnType::Int64 => Col::I64(Int64Builder::with_capacity(capacity)),
                    ColumnType::UInt64 => Col::U64(UInt64Builder::with_capacity(capacity)),
                    ColumnType::Bool => Col::Bool(BooleanBuilder::with_capacity(capacity)),
                })
                .collect(),
            text: String::new(),
        }
    }

    fn len(&self) -> usize {
        self.num.len()
    }

    fn push<'a>(
        &mut self,
        trace: &str,
        hostname: &str,
        num: u64,
        ts: u64,
        values: impl Iterator<Item = FieldValue<'a>>,
    ) {
        self.trace.append_value(trace);
        self.hostname.append_value(hostname);
        self.num.append_value(num);
        self.time.append_value(ts as i64);
        for (c, v) in self.cols.iter_mut().zip(values) {
            match c {
                Col::Str(b) => append_text(b, v, &mut self.text),
                Col::I64(b) => match v {
                    FieldValue::Int(x) => b.append_value(x),
                    FieldValue::UInt(x) => b.append_option(i64::try_from(x).ok()),
                    _ => b.append_null(),
                },
                Col::U64(b) => match v {
                    FieldValue::UInt(x) => b.append_value(x),
                    FieldValue::Int(x) => b.append_option(u64::try_from(x).ok()),
                    _ => b.append_null(),
                },
                Col::Bool(b) => match v {
                    FieldValue::Bool(x) => b.append_value(x),
                    _ => b.append_null(),
                },
            }
        }
    }

    fn finish(&mut self) -> RecordBatch {
        let mut fields = vec![
            Field::new("trace", arrow_schema::DataType::Utf8, false),
            Field::new("hostname", arrow_schema::DataType::Utf8, false),
            Field::new("evt_num", arrow_schema::DataType::UInt64, false),
        ];
        let time = self.time.finish();
        fields.push(Field::new("evt_time", time.data_type().clone(), false));
        let mut arrays: Vec<ArrayRef> = vec![
            Arc::new(self.trace.finish()),
            Arc::new(self.hostname.finish()),
            Arc::new(self.num.finish()),
            Arc::new(time),
        ];
        for ((name, _), c) in EXPORT_FIELDS.iter().zip(self.cols.iter_mut()) {
            let a: ArrayRef = match c {
                Col::Str(b) => Arc::new(b.finish()),
                Col::I64(b) => Arc::new(b.finish()),
                Col::U64(b) => Arc::new(b.finish()),
                Col::Bool(b) => Arc::new(b.finish()),
            };
            fields.push(Field::new(column_name(name), a.data_type().clone(), true));
            arrays.push(a);
        }
        RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
            .expect("the event columns match their schema")
    }
}

struct Exporter {
    fields: FieldReader,
    encoder: RowGroupEncoder,
}

impl BlockWork for Exporter {
    fn run(
        &self,
        job: Job,
        scratch: &mut Scratch,
        _piece: &mut dyn FnMut(BlockResult),
    ) -> BlockResult {
        let mut out = BlockResult::new(job.input, job.raw.index);
        let t0 = crate::judge::thread_cpu_ns();
        let block = match job.raw.decode() {
            Ok(b) => b,
            Err(e) => {
                out.damage = Some(e.to_string());
                return out;
            }
        };
        let t1 = crate::judge::thread_cpu_ns();
        out.decode_ns = t1 - t0;
        scratch.set_hostname(&job.hostname);
        let mut rows = RowGroupStream::new(&self.encoder);
        let mut batch = EventsBatch::new(CHUNK_ROWS.min(block.events.len()));
        // One buffer for every event's values: nothing allocated per event.
        let mut buf = AlertBuf::new();
        for ev in block.events() {
            self.fields.render(&ev, scratch, &mut buf);
            batch.push(
                &job.trace,
                &job.hostname,
                ev.num,
                ev.event.ts,
                self.fields.values(&buf),
            );
            if batch.len() == CHUNK_ROWS {
                crate::judge::push_chunk(&mut rows, batch.finish(), &mut out.rows_error);
                batch = EventsBatch::new(CHUNK_ROWS);
            }
        }
        if batch.len() != 0 {
            crate::judge::push_chunk(&mut rows, batch.finish(), &mut out.rows_error);
        }
        out.events = block.events.len() as u64;
        out.set_rows(rows);
        out.losses = block.losses.clone();
        out.eval_ns = crate::judge::thread_cpu_ns() - t1;
        out
    }
}

/// Writes every event of `inputs` to the Parquet file `output`. Damage in the inputs is in the
/// summary (as for a replay); the file holds every event that could be read.
pub fn export(
    inputs: &[Input],
    output: &std::path::Path,
    threads: usize,
    on_progress: &mut dyn FnMut(&Progress),
) -> Result<(Summary, ParquetStats), ReplayError> {
    let names: Vec<&str> = EXPORT_FIELDS.iter().map(|(f, _)| *f).collect();
    let work = Exporter {
        fields: FieldReader::new(&names)?,
        encoder: RowGroupEncoder::new(events_schema(), "events", EVENTS_SCHEMA_VERSION)?,
    };
    let mut file = ParquetFile::create(output, events_schema(), "events", EVENTS_SCHEMA_VERSION)?;
    let opts = ReplayOptions {
        threads,
        ..Default::default()
    };
    let result = run_blocks(
        &work,
        None,
        inputs,
        &opts,
        &mut |mut r| r.write_rows(&mut file),
        on_progress,
    );
    match result {
        Ok(summary) => {
            let stats = file.finish()?;
            Ok((summary, stats))
        }
        Err(e) => {
            file.abandon();
            Err(e)
        }
    }
}

/// Appends a value as text (numbers and booleans printed, missing → null).
fn append_text(b: &mut StringBuilder, v: FieldValue<'_>, buf: &mut String) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_resolves_and_the_schema_matches_the_table() {
        let names: Vec<&str> = EXPORT_FIELDS.iter().map(|(f, _)| *f).collect();
        FieldReader::new(&names).expect("all export fields are known to the rules engine");
        let schema = events_schema();
        let table = schema_table();
        assert_eq!(schema.fields().len(), table.len());
        for (f, (name, _, _)) in schema.fields().iter().zip(&table) {
            assert_eq!(f.name(), name);
        }
    }
}
