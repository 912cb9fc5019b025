//! Parquet hits throughput (hits/s).
//!
//! - `build_only`: the same rows collected (`HitRows`), not encoded: the share of `write`
//!   that is copying values.
//! - `write`: hit rows already judged and rendered (alerts with Falco-sized outputs and output
//!   fields) go through `HitRows` into a zstd Parquet file on one thread: the writer's cost
//!   alone.
//! - `encode_2_threads`: the same rows, built beforehand, encoded into pages on 2 threads (a
//!   worker per block, as the replay does) and put into row groups by the file: the writer's
//!   capacity on 2 cores, in hits/s.
//! - `replay`: `rtsec replay --parquet` end to end on 2 threads, with a rule that fires on
//!   every open (about 70 % of the synthetic mix): decode, match, render the alert, read the
//!   event columns, build rows, write them.
//!
//! `cargo bench -p rtsec-replay --bench hits_parquet`

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::sync::Arc;

use rtsec_replay::hits_encoder::PageEncoder;
use rtsec_replay::{
    FieldReader, HitRows, HitSource, Input, ParquetFile, Produce, ReplayOptions, RuleCatalog,
    hits::HIT_EVENT_FIELDS, hits_schema, replay,
};
use rtsec_rules::{Engine, EngineOptions, RuleMatching, RuleSource};

const EVENTS: usize = 150_000;

/// A rule that fires on every open, with the output of Falco's "Read sensitive file untrusted"
/// (also used by `examples/hits_cpu.rs`).
const RULES: &str = include_str!("../bench/every_open.yaml");

fn engine() -> Engine {
    let set = rtsec_rules::load(&[RuleSource::new("bench.yaml", RULES)]).unwrap();
    Engine::new(
        &set,
        EngineOptions {
            rule_matching: RuleMatching::All,
            ..Default::default()
        },
    )
}

fn bench(c: &mut Criterion) {
    // As `rtsec replay` does.
    rtsec_replay::keep_freed_memory();
    let dir = tempfile::tempdir().unwrap();
    let engine = engine();
    let block = rtsec_format::synth::block(EVENTS, 9);
    let fields = FieldReader::new(&HIT_EVENT_FIELDS).unwrap();
    let mut scratch = engine.scratch();
    scratch.set_hostname("bench-host");
    // Judge and render once: the `write` bench measures rows → Parquet only.
    let mut rendered = Vec::new();
    for ev in block.events() {
        let ids = engine.matches(&ev, &mut scratch).to_vec();
        for id in ids {
            let alert = engine.alert(id, &ev, &mut scratch);
            let line = alert.text_line();
            let mut values = Vec::new();
            fields.read(&ev, &mut scratch, &mut values);
            rendered.push((id, alert, line, ev.num, values));
        }
    }
    let catalog = Arc::new(RuleCatalog::new(&engine));
    let source = HitSource {
        input: 0,
        hostname: Arc::from("bench-host"),
        trace: Arc::from("bench.rts"),
    };
    // Sized like a full chunk, as a worker sizes each chunk like its last.
    let full = {
        let mut rows = HitRows::new(catalog.clone());
        for (id, alert, line, num, values) in rendered.iter().take(4096) {
            rows.push_alert(*id, alert, line, &source, *num, values);
        }
        rows
    };
    let rows = |chunk: &[(u32, rtsec_rules::Alert<'_>, String, u64, Vec<_>)]| {
        let mut rows = HitRows::with_capacity_of(&full);
        for (id, alert, line, num, values) in chunk {
            rows.push_alert(*id, alert, line, &source, *num, values);
        }
        rows
    };
    let hits = rendered.len() as u64;
    eprintln!("{hits} hits from {EVENTS} synthetic events");

    let mut g = c.benchmark_group("hits_parquet");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    g.throughput(Throughput::Elements(hits));
    let out = dir.path().join("write.parquet");
    g.bench_function("write", |b| {
        b.iter(|| {
            let mut f = ParquetFile::create(&out, hits_schema(), "hits", 1).unwrap();
            for chunk in rendered.chunks(4096) {
                f.write_hits(&rows(chunk)).unwrap();
            }
            f.finish().unwrap()
        })
    });

    // The writer's capacity on 2 cores, as the replay uses it: each worker encodes the rows
    // of its blocks (here 4 chunks of 4096 rows each) into pages, and the file puts them into
    // row groups in order. The rows are built before, as the workers build them while judging.
    let built: Vec<HitRows> = (0..2)
        .flat_map(|_| rendered.chunks(4096).map(rows).collect::<Vec<_>>())
        .collect();
    let blocks: Vec<&[HitRows]> = built.chunks(4).collect();
    let built_hits: usize = built.iter().map(HitRows::len).sum();
    g.throughput(Throughput::Elements(built_hits as u64));
    g.bench_function("encode_2_threads", |b| {
        b.iter(|| {
            let encode = |parity: usize| {
                let mut encoder = PageEncoder::new().unwrap();
                let mut pages = Vec::new();
                for (i, block) in blocks.iter().enumerate() {
                    if i % 2 == parity {
                        let p: Vec<_> = block.iter().map(|r| encoder.encode(r).unwrap()).collect();
                        pages.push((i, p));
                    }
                }
                pages
            };
            let mut pages = std::thread::scope(|s| {
                let other = s.spawn(|| encode(1));
                let mut mine = encode(0);
                mine.extend(other.join().unwrap());
                mine
            });
            pages.sort_by_key(|(i, _)| *i);
            let mut f = ParquetFile::create(&out, hits_schema(), "hits", 1).unwrap();
            for (_, p) in &pages {
                f.write_hit_pages(p).unwrap();
            }
            f.finish().unwrap()
        })
    });
    g.throughput(Throughput::Elements(hits));

    g.bench_function("build_only", |b| {
        b.iter(|| {
            let mut n = 0;
            for chunk in rendered.chunks(4096) {
                n += rows(chunk).len();
            }
            n
        })
    });

    // End to end through the replay pipeline on 2 threads.
    let trace = dir.path().join("bench.rts");
    let mut w = rtsec_format::TraceWriter::create(
        &trace,
        &rtsec_format::Header::default(),
        rtsec_format::WriterOptions {
            block_bytes: 1 << 20,
            overwrite: true,
            ..Default::default()
        },
    )
    .unwrap();
    rtsec_format::synth::generate(EVENTS, 9, |ev| w.push(ev).unwrap());
    w.finish().unwrap();
    let inputs = [Input::new(trace)];
    let opts = ReplayOptions {
        threads: 2,
        max_in_flight: 0,
        max_waiting_bytes: 0,
        piece_bytes: 0,
        produce: Produce {
            parquet: true,
            ..Default::default()
        },
        window: Default::default(),
        follow: None,
        stop: None,
    };
    let out = dir.path().join("replay.parquet");
    g.bench_function("replay_2_threads", |b| {
        b.iter(|| {
            let mut f = ParquetFile::create(&out, hits_schema(), "hits", 1).unwrap();
            let s = replay(
                &engine,
                &inputs,
                &opts,
                &mut |mut r| r.write_rows(&mut f),
                &mut |_| {},
            )
            .unwrap();
            assert_eq!(s.hits, hits);
            f.finish().unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
