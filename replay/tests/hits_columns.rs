//! Every column of every hit row, read back with the parquet crate's Arrow reader, against
//! what the rules engine says of the same hit: rules with and without tags, outputs with
//! missing fields (null values), numbers and booleans, several inputs with their own hosts,
//! several rules per event, blocks whose rows the workers encode and blocks whose rows the
//! file gathers, row groups with many pages from several blocks; and the row groups'
//! statistics.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{Int64Type, TimestampNanosecondType, UInt64Type};
use arrow_array::{Array, RecordBatch};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::statistics::Statistics;
use rtsec_format::TraceReader;
use rtsec_replay::hits::{HIT_EVENT_FIELDS, HITS_SCHEMA_VERSION, column_name};
use rtsec_replay::{FieldReader, Input, ParquetFile, Produce, ReplayOptions, hits_schema, replay};
use rtsec_rules::{Engine, EngineOptions, OutputValue, RuleMatching, RuleSource};

const RULES: &str = r#"
- rule: Every open
  desc: many hits per block
  condition: evt.type = openat
  output: "open %fd.name by %proc.name pid=%proc.pid uid=%user.uid anc=%proc.aname[6] tty=%proc.tty"
  priority: NOTICE
  tags: [filesystem, zeta, alpha]
- rule: No tags
  desc: several rules per event, a rule without tags
  condition: evt.type = openat and proc.name startswith s
  output: "s-open %fd.name %container.image.tag"
  priority: ERROR
- rule: Every exec
  desc: fewer hits
  condition: evt.type = execve
  output: "exec %proc.cmdline parent=%proc.pname exe_writable=%proc.is_exe_writable"
  priority: WARNING
  tags: [process]
"#;

fn trace(path: &Path, events: usize, seed: u64, hostname: &str, block_bytes: usize) {
    let header = rtsec_format::Header {
        hostname: hostname.to_string(),
        ..Default::default()
    };
    let mut w = rtsec_format::TraceWriter::create(
        path,
        &header,
        rtsec_format::WriterOptions {
            block_bytes,
            overwrite: true,
            ..Default::default()
        },
    )
    .unwrap();
    rtsec_format::synth::generate(events, seed, |ev| w.push(ev).unwrap());
    w.finish().unwrap();
}

/// The text Parquet holds for a value (numbers and booleans printed, missing → null).
fn text(v: &OutputValue) -> Option<String> {
    match v {
        OutputValue::Null => None,
        OutputValue::String(s) => Some(s.clone()),
        OutputValue::Int(x) => Some(x.to_string()),
        OutputValue::UInt(x) => Some(x.to_string()),
        OutputValue::Bool(x) => Some(x.to_string()),
    }
}

/// The event columns of every event of `path`, by event number.
fn event_columns(path: &Path) -> HashMap<u64, Vec<OutputValue>> {
    let reader = FieldReader::new(&HIT_EVENT_FIELDS).unwrap();
    let mut scratch = rtsec_rules::Scratch::new();
    let mut out = HashMap::new();
    let trace = TraceReader::open(path).unwrap();
    for raw in trace.blocks(false) {
        let block = raw.unwrap().decode().unwrap();
        for ev in block.events() {
            let mut v = Vec::new();
            reader.read(&ev, &mut scratch, &mut v);
            out.insert(ev.num, v);
        }
    }
    out
}

fn strings(b: &RecordBatch, name: &str) -> Vec<Option<String>> {
    b.column_by_name(name)
        .unwrap_or_else(|| panic!("column {name}"))
        .as_string::<i32>()
        .iter()
        .map(|s| s.map(str::to_string))
        .collect()
}

#[test]
fn every_column_says_what_the_engine_says() {
    let dir = tempfile::tempdir().unwrap();
    let paths: Vec<(PathBuf, &str)> = vec![
        (dir.path().join("small-a.rts"), "host-a"),
        (dir.path().join("large.rts"), "host-large"),
        (dir.path().join("small-b.rts"), "host-b"),
    ];
    // One block of ~100K hits: pages of one block in several row groups.
    trace(&paths[0].0, 2_000, 21, paths[0].1, 1 << 20);
    trace(&paths[1].0, 250_000, 22, paths[1].1, 64 << 20);
    trace(&paths[2].0, 5_000, 23, paths[2].1, 1 << 20);
    let set = rtsec_rules::load(&[RuleSource::new("r.yaml", RULES)]).unwrap();
    let engine = Engine::new(
        &set,
        EngineOptions {
            rule_matching: RuleMatching::All,
            ..Default::default()
        },
    );
    // Small blocks are gathered into row groups by the file (more rows than a page here),
    // which is written out before the large trace's row groups.
    let order = [0usize, 1, 2, 2, 2, 0, 1];
    let inputs: Vec<Input> = order
        .iter()
        .map(|&i| Input::new(paths[i].0.clone()))
        .collect();
    let out = dir.path().join("hits.parquet");
    // Row groups of 20 000 rows: several, closing inside blocks and between them.
    let mut f = ParquetFile::create(&out, hits_schema(), "hits", HITS_SCHEMA_VERSION)
        .unwrap()
        .with_hits_row_group_rows(20_000);
    let mut hits = Vec::new();
    let (mut encoded, mut gathered) = (0, 0);
    replay(
        &engine,
        &inputs,
        &ReplayOptions {
            threads: 2,
            max_in_flight: 0,
            max_waiting_bytes: 0,
            piece_bytes: 0,
            produce: Produce {
                lines: None,
                parquet: true,
                collect: true,
            },
            window: Default::default(),
            follow: None,
            stop: None,
        },
        &mut |mut r| {
            encoded += r.hit_pages.len();
            gathered += r.hit_rows.len();
            hits.append(&mut r.hits);
            r.write_rows(&mut f)
        },
        &mut |_| {},
    )
    .unwrap();
    let stats = f.finish().unwrap();
    assert!(
        encoded > 0 && gathered > 0,
        "{encoded} encoded, {gathered} gathered"
    );
    assert_eq!(stats.rows, hits.len() as u64);
    assert!(stats.rows > 150_000, "{} hits", stats.rows);
    assert!(stats.row_groups >= 6, "{} row groups", stats.row_groups);

    let events: Vec<HashMap<u64, Vec<OutputValue>>> =
        paths.iter().map(|(p, _)| event_columns(p)).collect();
    let builder =
        ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&out).unwrap()).unwrap();
    let meta = builder.metadata().clone();
    let reader = builder.build().unwrap();
    // Per row, the values whose row-group statistics are checked at the end.
    let mut seen: Vec<(i64, String, Option<String>)> = Vec::new();
    let mut h = hits.iter();
    let mut row = 0;
    let mut nulls_seen = 0;
    let mut without_tags = 0;
    for b in reader {
        let b = b.unwrap();
        let time = b.column_by_name("time").unwrap();
        let time = time.as_primitive::<TimestampNanosecondType>();
        let num = b.column_by_name("evt_num").unwrap();
        let num = num.as_primitive::<UInt64Type>();
        let pid = b.column_by_name("proc_pid").unwrap();
        let pid = pid.as_primitive::<Int64Type>();
        let (rule, priority, source, output, hostname, trace) = (
            strings(&b, "rule"),
            strings(&b, "priority"),
            strings(&b, "source"),
            strings(&b, "output"),
            strings(&b, "hostname"),
            strings(&b, "trace"),
        );
        let event: Vec<Option<Vec<Option<String>>>> = HIT_EVENT_FIELDS
            .iter()
            .map(|f| (*f != "proc.pid").then(|| strings(&b, &column_name(f))))
            .collect();
        let tags = b.column_by_name("tags").unwrap().as_list::<i32>().clone();
        let map = b.column_by_name("output_fields").unwrap().as_map().clone();
        for r in 0..b.num_rows() {
            let hit = h.next().expect("as many hits as rows");
            let info = engine.rule(hit.rule);
            let at = format!("row {row} ({} #{})", info.name, hit.num);
            let input = order[hit.input];
            assert_eq!(time.value(r), hit.ts as i64, "{at}");
            assert_eq!(num.value(r), hit.num, "{at}");
            assert_eq!(rule[r].as_deref(), Some(info.name.as_str()), "{at}");
            assert_eq!(priority[r].as_deref(), Some(info.priority.as_str()), "{at}");
            assert_eq!(source[r].as_deref(), Some("syscall"), "{at}");
            assert_eq!(output[r].as_deref(), Some(hit.line.as_str()), "{at}");
            assert_eq!(hostname[r].as_deref(), Some(paths[input].1), "{at}");
            let name = paths[input].0.display().to_string();
            assert_eq!(trace[r].as_deref(), Some(name.as_str()), "{at}");

            let t = tags.value(r);
            let t: Vec<&str> = t.as_string::<i32>().iter().map(Option::unwrap).collect();
            assert_eq!(t, info.tags, "{at}");
            without_tags += t.is_empty() as usize;

            let expect = &events[input][&hit.num];
            for (i, f) in HIT_EVENT_FIELDS.iter().enumerate() {
                match &event[i] {
                    Some(col) => assert_eq!(col[r], text(&expect[i]), "{at}: {f}"),
                    None => {
                        let want = match expect[i] {
                            OutputValue::Int(x) => Some(x),
                            OutputValue::UInt(x) => Some(x as i64),
                            _ => None,
                        };
                        assert_eq!(pid.is_valid(r).then(|| pid.value(r)), want, "{at}: {f}");
                    }
                }
            }

            let entries = map.value(r);
            let keys = entries.column(0).as_string::<i32>();
            let values = entries.column(1).as_string::<i32>();
            let got: Vec<(String, Option<String>)> = (0..entries.len())
                .map(|k| {
                    let v = values.is_valid(k).then(|| values.value(k).to_string());
                    (keys.value(k).to_string(), v)
                })
                .collect();
            let want: Vec<(String, Option<String>)> = hit
                .output_fields
                .iter()
                .map(|(k, v)| (k.clone(), text(v)))
                .collect();
            assert_eq!(got, want, "{at}");
            nulls_seen += want.iter().filter(|(_, v)| v.is_none()).count();
            seen.push((
                time.value(r),
                info.name.clone(),
                event[1].as_ref().unwrap()[r].clone(),
            ));
            row += 1;
        }
    }
    assert!(h.next().is_none(), "more hits than rows");

    // Row-group statistics: min/max of time and rule, proc_name's nulls.
    let column = |name: &str| {
        meta.file_metadata()
            .schema_descr()
            .columns()
            .iter()
            .position(|c| c.path().string() == name)
            .unwrap()
    };
    let (c_time, c_rule, c_name) = (column("time"), column("rule"), column("proc_name"));
    let mut at = 0;
    for rg in meta.row_groups() {
        let rows = &seen[at..at + rg.num_rows() as usize];
        at += rows.len();
        let Some(Statistics::Int64(t)) = rg.column(c_time).statistics() else {
            panic!("time statistics")
        };
        assert_eq!(t.min_opt(), rows.iter().map(|r| r.0).min().as_ref());
        assert_eq!(t.max_opt(), rows.iter().map(|r| r.0).max().as_ref());
        let text = |c: usize| match rg.column(c).statistics() {
            Some(Statistics::ByteArray(s)) => (
                s.min_opt().map(|v| v.as_utf8().unwrap().to_string()),
                s.max_opt().map(|v| v.as_utf8().unwrap().to_string()),
                s.null_count_opt(),
            ),
            other => panic!("column {c}: {other:?}"),
        };
        let rules: Vec<&String> = rows.iter().map(|r| &r.1).collect();
        let (lo, hi, nulls) = text(c_rule);
        assert_eq!(lo.as_ref(), rules.iter().min().copied());
        assert_eq!(hi.as_ref(), rules.iter().max().copied());
        assert_eq!(nulls, Some(0));
        let names: Vec<&String> = rows.iter().filter_map(|r| r.2.as_ref()).collect();
        assert_eq!(text(c_name).2, Some((rows.len() - names.len()) as u64));
    }
    assert_eq!(at, seen.len());
    assert!(
        nulls_seen > 0 && without_tags > 0,
        "{nulls_seen} nulls, {without_tags} untagged"
    );
}
