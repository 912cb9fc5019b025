//! Every value of `rtsec export`, read back with the parquet crate's Arrow reader, against the
//! fields read event by event: the exporter renders process fields once per process record
//! (`Scope::Process`), and a field so marked that depends on the event itself would differ
//! here on the second event of a process.

use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{Int64Type, TimestampNanosecondType, UInt64Type};
use arrow_array::{Array, ArrayRef};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use rtsec_format::TraceReader;
use rtsec_replay::export::{ColumnType, EXPORT_FIELDS, export};
use rtsec_replay::{FieldReader, Input};
use rtsec_rules::OutputValue;

fn synthetic(path: &Path, events: usize, seed: u64) {
    let header = rtsec_format::Header {
        hostname: "synth".into(),
        ..Default::default()
    };
    let opts = rtsec_format::WriterOptions {
        block_bytes: 256 << 10,
        overwrite: true,
        ..Default::default()
    };
    let mut w = rtsec_format::TraceWriter::create(path, &header, opts).unwrap();
    rtsec_format::synth::generate(events, seed, |ev| w.push(ev).unwrap());
    w.finish().unwrap();
}

/// A cell as text: "null", or the value as the column type holds it.
fn cell(a: &ArrayRef, row: usize) -> String {
    if a.is_null(row) {
        return "null".into();
    }
    match a.data_type() {
        arrow_schema::DataType::Utf8 => a.as_string::<i32>().value(row).to_string(),
        arrow_schema::DataType::Int64 => a.as_primitive::<Int64Type>().value(row).to_string(),
        arrow_schema::DataType::UInt64 => a.as_primitive::<UInt64Type>().value(row).to_string(),
        arrow_schema::DataType::Boolean => a.as_boolean().value(row).to_string(),
        arrow_schema::DataType::Timestamp(..) => a
            .as_primitive::<TimestampNanosecondType>()
            .value(row)
            .to_string(),
        t => panic!("unexpected column type {t}"),
    }
}

/// What the export must hold for `v` in a column of type `t`.
fn expected(v: &OutputValue, t: ColumnType) -> String {
    let text = match (t, v) {
        (_, OutputValue::Null) => None,
        (ColumnType::String, v) => Some(match v {
            OutputValue::String(s) => s.clone(),
            OutputValue::Int(x) => x.to_string(),
            OutputValue::UInt(x) => x.to_string(),
            OutputValue::Bool(x) => x.to_string(),
            OutputValue::Null => unreachable!(),
        }),
        (ColumnType::Int64, OutputValue::Int(x)) => Some(x.to_string()),
        (ColumnType::Int64, OutputValue::UInt(x)) => i64::try_from(*x).ok().map(|x| x.to_string()),
        (ColumnType::UInt64, OutputValue::UInt(x)) => Some(x.to_string()),
        (ColumnType::UInt64, OutputValue::Int(x)) => u64::try_from(*x).ok().map(|x| x.to_string()),
        (ColumnType::Bool, OutputValue::Bool(x)) => Some(x.to_string()),
        _ => None,
    };
    text.unwrap_or_else(|| "null".into())
}

#[test]
fn every_exported_value_is_the_field_read_for_its_event() {
    let dir = tempfile::tempdir().unwrap();
    let synth = dir.path().join("synth.rts");
    // Many blocks with thousands of processes each: entries of the process cache are reused.
    synthetic(&synth, 150_000, 31);
    let scenarios = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/scenarios");
    let mut traces: Vec<PathBuf> = vec![synth];
    let mut recorded: Vec<PathBuf> = std::fs::read_dir(&scenarios)
        .unwrap()
        .flatten()
        .map(|e| e.path().join("trace.rts"))
        .filter(|p| p.exists())
        .collect();
    recorded.sort();
    assert!(
        recorded.len() >= 5,
        "scenario traces in {}",
        scenarios.display()
    );
    traces.extend(recorded);
    let inputs: Vec<Input> = traces.iter().map(Input::new).collect();
    let out = dir.path().join("events.parquet");
    let (summary, _) = export(&inputs, &out, 2, Default::default(), &mut |_| {}).unwrap();

    let names: Vec<&str> = EXPORT_FIELDS.iter().map(|(f, ..)| *f).collect();
    let reader = FieldReader::new(&names).unwrap();
    let mut scratch = rtsec_rules::Scratch::new();
    let mut expected_rows: Vec<Vec<String>> = Vec::new();
    for t in &traces {
        let trace = TraceReader::open(t).unwrap();
        scratch.set_machine(trace.header());
        for raw in trace.blocks(false) {
            let block = raw.unwrap().decode().unwrap();
            for ev in block.events() {
                let mut v = Vec::new();
                reader.read(&ev, &mut scratch, &mut v);
                let mut row = vec![ev.num.to_string(), ev.event.ts.to_string()];
                row.extend(
                    v.iter()
                        .zip(EXPORT_FIELDS)
                        .map(|(v, (_, t, _))| expected(v, *t)),
                );
                expected_rows.push(row);
            }
        }
    }
    assert_eq!(summary.events as usize, expected_rows.len());

    let file = std::fs::File::open(&out).unwrap();
    let batches = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let mut row = 0;
    for b in batches {
        let b = b.unwrap();
        for r in 0..b.num_rows() {
            // evt_num, evt_time, then the fields (trace and hostname come first).
            let got: Vec<String> = (2..b.num_columns()).map(|c| cell(b.column(c), r)).collect();
            let want = &expected_rows[row];
            for (c, (g, w)) in got.iter().zip(want).enumerate() {
                assert_eq!(g, w, "row {row}, column {}", b.schema().field(c + 2).name());
            }
            row += 1;
        }
    }
    assert_eq!(row, expected_rows.len());
}
