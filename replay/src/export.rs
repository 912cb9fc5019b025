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

use crate::decimal::{MAX_DIGITS, decimal};
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

/// What an exported field's value depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The event itself (its type, arguments, thread, fd).
    Event,
    /// Only the event's process record and the records it refers to (parents, user, group,
    /// container): the same for every event of a process version in a block, so rendered once
    /// per process and block. A field reading anything of the event (`proc.duration` reads its
    /// time) must not be here: `tests/export_values.rs` compares the export with the fields
    /// read event by event.
    Process,
}

/// The Falco fields exported for every event, in column order, with their types and what
/// their values depend on.
pub const EXPORT_FIELDS: &[(&str, ColumnType, Scope)] = {
    use ColumnType::*;
    use Scope::*;
    &[
        ("evt.type", String, Event),
        ("evt.cpu", UInt64, Event),
        ("evt.res", String, Event),
        ("evt.rawres", Int64, Event),
        ("evt.failed", Bool, Event),
        ("evt.args", String, Event),
        ("thread.tid", Int64, Event),
        ("thread.vtid", Int64, Event),
        ("proc.pid", Int64, Process),
        ("proc.ppid", Int64, Process),
        ("proc.vpid", Int64, Process),
        ("proc.sid", Int64, Process),
        ("proc.name", String, Process),
        ("proc.exe", String, Process),
        ("proc.exepath", String, Process),
        ("proc.args", String, Process),
        ("proc.cmdline", String, Process),
        ("proc.cwd", String, Process),
        ("proc.tty", UInt64, Process),
        ("proc.pname", String, Process),
        ("proc.pexepath", String, Process),
        ("proc.pcmdline", String, Process),
        ("proc.aname[2]", String, Process),
        ("proc.is_exe_writable", Bool, Process),
        ("proc.is_exe_upper_layer", Bool, Process),
        ("proc.is_exe_from_memfd", Bool, Process),
        ("thread.cap_effective", String, Process),
        ("user.uid", UInt64, Process),
        ("user.name", String, Process),
        ("user.loginuid", Int64, Process),
        ("user.loginname", String, Process),
        ("group.gid", UInt64, Process),
        ("group.name", String, Process),
        ("fd.num", Int64, Event),
        ("fd.type", String, Event),
        ("fd.name", String, Event),
        ("fd.nameraw", String, Event),
        ("fd.directory", String, Event),
        ("fd.l4proto", String, Event),
        ("fd.cip", String, Event),
        ("fd.cport", UInt64, Event),
        ("fd.sip", String, Event),
        ("fd.sport", UInt64, Event),
        ("container.id", String, Process),
        ("container.name", String, Process),
        ("container.image.repository", String, Process),
        ("container.image.tag", String, Process),
        ("container.type", String, Process),
        ("container.privileged", Bool, Process),
        ("k8s.ns.name", String, Process),
        ("k8s.pod.name", String, Process),
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
    for (f, t, _) in EXPORT_FIELDS {
        v.push((column_name(f), t.name(), f.to_string()));
    }
    v
}

/// The Arrow schema of events files.
pub fn events_schema() -> SchemaRef {
    EventsBatch::new(0, &[]).finish().schema()
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
}

impl EventsBatch {
    /// Room for `capacity` rows, and for `text_bytes[i]` bytes of the `i`-th column's values
    /// (the sizes of the chunk before, see [`EventsBatch::text_bytes`]): string columns that
    /// grew from nothing in every chunk cost a copy per doubling.
    fn new(capacity: usize, text_bytes: &[usize]) -> Self {
        EventsBatch {
            trace: StringBuilder::with_capacity(capacity, capacity * 16),
            hostname: StringBuilder::with_capacity(capacity, capacity * 8),
            num: UInt64Builder::with_capacity(capacity),
            time: TimestampNanosecondBuilder::with_capacity(capacity).with_timezone("UTC"),
            cols: EXPORT_FIELDS
                .iter()
                .enumerate()
                .map(|(i, (_, t, _))| match t {
                    ColumnType::String => Col::Str(StringBuilder::with_capacity(
                        capacity,
                        text_bytes.get(i).copied().unwrap_or(0),
                    )),
                    ColumnType::Int64 => Col::I64(Int64Builder::with_capacity(capacity)),
                    ColumnType::UInt64 => Col::U64(UInt64Builder::with_capacity(capacity)),
                    ColumnType::Bool => Col::Bool(BooleanBuilder::with_capacity(capacity)),
                })
                .collect(),
        }
    }

    fn len(&self) -> usize {
        self.num.len()
    }

    /// Bytes of values in each field column so far (0 for the non-string ones).
    fn text_bytes(&self) -> Vec<usize> {
        self.cols
            .iter()
            .map(|c| match c {
                Col::Str(b) => b.values_slice().len(),
                _ => 0,
            })
            .collect()
    }

    /// Starts a row with the trace's columns; then [`EventsBatch::value`] for every field.
    fn begin(&mut self, trace: &str, hostname: &str, num: u64, ts: u64) {
        self.trace.append_value(trace);
        self.hostname.append_value(hostname);
        self.num.append_value(num);
        self.time.append_value(ts as i64);
    }

    /// The value of the `i`-th of [`EXPORT_FIELDS`] for the current row.
    #[inline]
    fn value(&mut self, i: usize, v: FieldValue<'_>) {
        match &mut self.cols[i] {
            Col::Str(b) => append_text(b, v),
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
        for ((name, ..), c) in EXPORT_FIELDS.iter().zip(self.cols.iter_mut()) {
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
    /// Readers of the [`Scope::Event`] and the [`Scope::Process`] fields.
    event_fields: FieldReader,
    process_fields: FieldReader,
    /// Per column of [`EXPORT_FIELDS`]: its scope and its index in that scope's reader.
    columns: Vec<(Scope, usize)>,
    encoder: RowGroupEncoder,
}

impl Exporter {
    fn new() -> Result<Exporter, ReplayError> {
        let names = |scope: Scope| -> Vec<&str> {
            EXPORT_FIELDS
                .iter()
                .filter(|(.., s)| *s == scope)
                .map(|(f, ..)| *f)
                .collect()
        };
        let mut seen = [0usize; 2];
        let columns = EXPORT_FIELDS
            .iter()
            .map(|&(.., scope)| {
                let n = &mut seen[scope as usize];
                *n += 1;
                (scope, *n - 1)
            })
            .collect();
        Ok(Exporter {
            event_fields: FieldReader::new(&names(Scope::Event))?,
            process_fields: FieldReader::new(&names(Scope::Process))?,
            columns,
            encoder: RowGroupEncoder::new(events_schema(), "events", EVENTS_SCHEMA_VERSION)?,
        })
    }
}

/// The [`Scope::Process`] values of recently seen processes of one block. Direct-mapped by
/// process record: a process's events come close together, and a block can hold thousands of
/// processes (a value per process each would cost tens of MiB per block in flight).
struct ProcessValues {
    /// Per entry: the process record whose values it holds (`u32::MAX`: none yet; events
    /// without a process use `NO_PROCESS`).
    owner: Vec<u32>,
    rendered: Vec<AlertBuf>,
}

impl ProcessValues {
    const ENTRIES: usize = 1024;
    const NO_PROCESS: u32 = u32::MAX - 1;

    fn new() -> Self {
        ProcessValues {
            owner: vec![u32::MAX; Self::ENTRIES],
            rendered: (0..Self::ENTRIES).map(|_| AlertBuf::new()).collect(),
        }
    }

    /// The values for `ev`'s process, rendered unless the entry holds them already.
    fn of(
        &mut self,
        ev: &rtsec_format::EventView<'_>,
        fields: &FieldReader,
        scratch: &mut Scratch,
    ) -> &AlertBuf {
        // A reference past the block's processes reads as no process, as for rendering.
        let owner = match ev.event.proc {
            Some(r) if (r as usize) < ev.block.processes.len() => r,
            _ => Self::NO_PROCESS,
        };
        let e = owner as usize % Self::ENTRIES;
        if self.owner[e] != owner {
            fields.render(ev, scratch, &mut self.rendered[e]);
            self.owner[e] = owner;
        }
        &self.rendered[e]
    }
}

impl BlockWork for Exporter {
    fn run(
        &self,
        job: Job,
        scratch: &mut Scratch,
        _piece: &mut dyn FnMut(BlockResult),
    ) -> BlockResult {
        let mut out = BlockResult::new(job.input, job.raw.index);
        out.ts_min = job.raw.frame.ts_min;
        let t0 = crate::judge::thread_cpu_ns();
        let judged = job.judged();
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
        scratch.set_interfaces(&job.interfaces);
        let mut rows = RowGroupStream::new(&self.encoder);
        let mut batch = EventsBatch::new(CHUNK_ROWS.min(block.events.len()), &[]);
        // One buffer for every event's own values, one per process for the process's.
        let mut buf = AlertBuf::new();
        let mut processes = ProcessValues::new();
        for ev in block.events() {
            if !judged.event(ev.event.ts) {
                continue;
            }
            self.event_fields.render(&ev, scratch, &mut buf);
            let process = processes.of(&ev, &self.process_fields, scratch);
            batch.begin(&job.trace, &job.hostname, ev.num, ev.event.ts);
            for (i, &(scope, j)) in self.columns.iter().enumerate() {
                let v = match scope {
                    Scope::Event => self.event_fields.value(&buf, j),
                    Scope::Process => self.process_fields.value(process, j),
                };
                batch.value(i, v);
            }
            if batch.len() == CHUNK_ROWS {
                let sizes = batch.text_bytes();
                crate::judge::push_chunk(&mut rows, batch.finish(), &mut out.rows_error);
                batch = EventsBatch::new(CHUNK_ROWS, &sizes);
            }
        }
        if batch.len() != 0 {
            crate::judge::push_chunk(&mut rows, batch.finish(), &mut out.rows_error);
        }
        out.count_events(&block, judged);
        out.set_rows(rows);
        out.losses = block.losses.clone();
        out.eval_ns = crate::judge::thread_cpu_ns() - t1;
        out
    }
}

/// Writes every event of `inputs` in `window` to the Parquet file `output`. Damage in the
/// inputs is in the summary (as for a replay); the file holds every event that could be read.
pub fn export(
    inputs: &[Input],
    output: &std::path::Path,
    threads: usize,
    window: crate::TimeWindow,
    on_progress: &mut dyn FnMut(&Progress),
) -> Result<(Summary, ParquetStats), ReplayError> {
    let mut file = ParquetFile::create(output, events_schema(), "events", EVENTS_SCHEMA_VERSION)?;
    let opts = ReplayOptions {
        threads,
        window,
        ..Default::default()
    };
    let result = export_blocks(
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

/// Reads every event of `inputs` as `opts` says (threads, window, following) into rows of
/// [`events_schema`], handed to `on_block` block by block, in order (their
/// [`BlockResult::write_rows`] writes them to a file).
pub fn export_blocks(
    inputs: &[Input],
    opts: &ReplayOptions,
    on_block: &mut dyn FnMut(BlockResult) -> Result<(), ReplayError>,
    on_progress: &mut dyn FnMut(&Progress),
) -> Result<Summary, ReplayError> {
    let work = Exporter::new()?;
    run_blocks(&work, None, inputs, opts, on_block, on_progress)
}

/// Appends a value as text (numbers and booleans printed, missing → null).
fn append_text(b: &mut StringBuilder, v: FieldValue<'_>) {
    let mut digits = [0u8; MAX_DIGITS];
    match v {
        FieldValue::Null => b.append_null(),
        FieldValue::String(s) => b.append_value(s),
        FieldValue::Int(x) => b.append_value(decimal(x.unsigned_abs(), x < 0, &mut digits)),
        FieldValue::UInt(x) => b.append_value(decimal(x, false, &mut digits)),
        FieldValue::Bool(x) => b.append_value(if x { "true" } else { "false" }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_resolves_and_the_schema_matches_the_table() {
        let names: Vec<&str> = EXPORT_FIELDS.iter().map(|(f, ..)| *f).collect();
        FieldReader::new(&names).expect("all export fields are known to the rules engine");
        Exporter::new().expect("both scopes' readers build");
        let schema = events_schema();
        let table = schema_table();
        assert_eq!(schema.fields().len(), table.len());
        for (f, (name, _, _)) in schema.fields().iter().zip(&table) {
            assert_eq!(f.name(), name);
        }
    }
}
