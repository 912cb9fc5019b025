//! Hits Parquet with blocks of many hits (pages encoded by the workers) and of few (rows
//! gathered and encoded by the file), in row groups that span blocks: the same bytes for every
//! thread count, and every hit's row in event order with the text line the text output prints.

use std::path::Path;

use arrow_array::{Array, StringArray, UInt64Array};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use rtsec_replay::{
    Input, LineFormat, ParquetFile, Produce, ReplayOptions, hits::HITS_SCHEMA_VERSION, hits_schema,
    replay,
};
use rtsec_rules::{Engine, EngineOptions, RuleMatching, RuleSource};

/// Fires on every open (thousands of hits per block of the large trace: encoded by the
/// workers; hundreds in the small one: gathered by the file) and on ptrace.
const RULES: &str = r#"
- rule: Every open
  desc: d
  condition: evt.type = openat
  output: "open %fd.name by %proc.name (%proc.cmdline) parent=%proc.pname"
  priority: NOTICE
- rule: Every ptrace
  desc: d
  condition: evt.type = ptrace
  output: "ptrace by %proc.name"
  priority: WARNING
"#;

fn trace(path: &Path, events: usize, seed: u64) {
    let mut w = rtsec_format::TraceWriter::create(
        path,
        &rtsec_format::Header::default(),
        rtsec_format::WriterOptions {
            block_bytes: 2 << 20,
            overwrite: true,
            ..Default::default()
        },
    )
    .unwrap();
    rtsec_format::synth::generate(events, seed, |ev| w.push(ev).unwrap());
    w.finish().unwrap();
}

/// Replays with `threads` workers: the text lines and the Parquet file's bytes.
/// `max_waiting_bytes` 1: a finished block waiting for an earlier one stops new blocks.
/// `piece_bytes` 1: blocks hand on their text line by line while they are judged.
fn run(
    engine: &Engine,
    inputs: &[&Path],
    out: &Path,
    threads: usize,
    max_waiting_bytes: usize,
    piece_bytes: usize,
) -> (Vec<u8>, Vec<u8>) {
    let inputs: Vec<Input> = inputs.iter().map(Input::new).collect();
    let opts = ReplayOptions {
        threads,
        max_in_flight: 0,
        max_waiting_bytes,
        piece_bytes,
        produce: Produce {
            lines: Some(LineFormat::Text),
            parquet: true,
            collect: false,
        },
        window: Default::default(),
        follow: None,
        stop: None,
    };
    // Small row groups: several of them, closing inside and between blocks.
    let mut f = ParquetFile::create(out, hits_schema(), "hits", HITS_SCHEMA_VERSION)
        .unwrap()
        .with_hits_row_group_rows(5_000);
    let mut lines = Vec::new();
    let mut encoded_blocks = 0;
    let mut pieces = 0;
    let summary = replay(
        engine,
        &inputs,
        &opts,
        &mut |mut r| {
            lines.extend_from_slice(&r.lines);
            encoded_blocks += !r.hit_pages.is_empty() as usize;
            pieces += r.piece as usize;
            r.write_rows(&mut f)
        },
        &mut |_| {},
    )
    .unwrap();
    if piece_bytes == 1 {
        assert!(pieces as u64 > summary.hits / 2, "{pieces} pieces");
    }
    let stats = f.finish().unwrap();
    assert!(
        encoded_blocks > 0,
        "some blocks should be encoded by workers"
    );
    assert!(stats.row_groups > 4, "{} row groups", stats.row_groups);
    (lines, std::fs::read(out).unwrap())
}

#[test]
fn the_same_rows_and_bytes_for_every_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let (large, small) = (dir.path().join("large.rts"), dir.path().join("small.rts"));
    trace(&large, 200_000, 11);
    trace(&small, 3_000, 12);
    let inputs = [small.as_path(), large.as_path(), small.as_path()];
    let set = rtsec_rules::load(&[RuleSource::new("r.yaml", RULES)]).unwrap();
    let engine = Engine::new(
        &set,
        EngineOptions {
            rule_matching: RuleMatching::All,
            ..Default::default()
        },
    );
    let (lines, one) = run(&engine, &inputs, &dir.path().join("1.parquet"), 1, 0, 0);
    for (threads, max_waiting_bytes, piece_bytes) in [
        (2, 0, 0),
        (8, 0, 0),
        (8, 1, 0),
        (1, 0, 1),
        (2, 0, 1),
        (8, 1, 1),
    ] {
        let (l, bytes) = run(
            &engine,
            &inputs,
            &dir.path().join("n.parquet"),
            threads,
            max_waiting_bytes,
            piece_bytes,
        );
        let how = format!("{threads} threads, pieces of {piece_bytes}");
        assert!(l == lines, "{how}: text differs");
        assert!(bytes == one, "{how}: Parquet bytes differ");
    }
    // Every row, in order: the output column holds the text lines.
    let text: Vec<&str> = std::str::from_utf8(&lines).unwrap().lines().collect();
    let file = std::fs::File::open(dir.path().join("1.parquet")).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let mut i = 0;
    for rb in reader {
        let rb = rb.unwrap();
        let output = rb
            .column_by_name("output")
            .unwrap()
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap();
        let num = rb
            .column_by_name("evt_num")
            .unwrap()
            .as_any()
            .downcast_ref::<UInt64Array>()
            .unwrap();
        for r in 0..rb.num_rows() {
            assert_eq!(output.value(r), text[i], "row {i}");
            assert!(num.value(r) > 0);
            i += 1;
        }
    }
    assert_eq!(i, text.len());
    assert!(i > 20_000, "{i} hits");
}
