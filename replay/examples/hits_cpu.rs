//! Developer aid: CPU µs per hit of each stage of `rtsec replay --parquet`, one thread:
//! matching and rendering the alerts (`Engine::render` + the event columns), collecting the
//! rows (`HitRows`), and encoding them into a zstd Parquet file. The events are the format crate's synthetic mix and
//! the rule fires on every open, with a Falco-sized output (as `benches/hits_parquet.rs`).
//!
//! `cargo run --release -p rtsec-replay --example hits_cpu -- [EVENTS] [REPS]`
//! (`PASS=build` skips the writing, for profilers).

use rtsec_replay::hits::{EventColumns, HIT_EVENT_FIELDS};
use std::sync::Arc;

use rtsec_replay::{
    AlertFields, HitRows, HitSource, ParquetFile, RuleCatalog, hits_schema, thread_cpu_ns,
};
use rtsec_rules::{AlertBuf, Engine, EngineOptions, RuleMatching, RuleSource};

const RULES: &str = include_str!("../bench/every_open.yaml");

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let events: usize = args.first().map_or(150_000, |s| s.parse().expect("EVENTS"));
    let reps: usize = args.get(1).map_or(3, |s| s.parse().expect("REPS"));
    let pass = std::env::var("PASS").unwrap_or_default();
    rtsec_replay::keep_freed_memory(); // as `rtsec replay` does
    let set = rtsec_rules::load(&[RuleSource::new("hits.yaml", RULES)]).unwrap();
    let engine = Engine::new(
        &set,
        EngineOptions {
            rule_matching: RuleMatching::All,
            ..Default::default()
        },
    );
    let fields = AlertFields::new(&engine, &HIT_EVENT_FIELDS).unwrap();
    // Blocks of 75K events, as the writer cuts them in the synthetic benchmark trace.
    let blocks: Vec<_> = (0..events.div_ceil(75_000))
        .map(|i| rtsec_format::synth::block(75_000.min(events - i * 75_000), i as u64))
        .collect();
    let mut scratch = engine.scratch();
    scratch.set_hostname("bench-host");
    let (mut alert, mut fbuf) = (AlertBuf::new(), AlertBuf::new());
    let catalog = Arc::new(RuleCatalog::new(&engine));
    let source = HitSource {
        input: 0,
        hostname: Arc::from("bench-host"),
        trace: Arc::from("bench.rts"),
    };
    let (mut render_ns, mut build_ns, mut write_ns, mut hits) = (0, 0, 0, 0u64);
    let dir = std::env::temp_dir().join(format!("rtsec-hits-cpu-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("hits.parquet");
    let mut batches = Vec::new();
    for rep in 0..reps.max(1) {
        for block in &blocks {
            // Rendering alone, then rendering and building: the difference is the building.
            let t = thread_cpu_ns();
            let mut m = engine.block_matcher(block, &mut scratch);
            for ev in block.events() {
                let ids = m.matches(&ev).to_vec();
                for id in ids {
                    engine.render(id, &ev, m.scratch(), &mut alert);
                    fields.render(id, &ev, m.scratch(), &mut fbuf);
                }
            }
            let t1 = thread_cpu_ns();
            // Chunks of 4096 rows, each sized like the last, as the replay's workers make them.
            let mut batch = match batches.last() {
                Some(last) => HitRows::with_capacity_of(last),
                None => HitRows::new(catalog.clone()),
            };
            let mut m = engine.block_matcher(block, &mut scratch);
            for ev in block.events() {
                let ids = m.matches(&ev).to_vec();
                for id in ids {
                    engine.render(id, &ev, m.scratch(), &mut alert);
                    fields.render(id, &ev, m.scratch(), &mut fbuf);
                    batch.push_rendered(
                        id,
                        &alert,
                        &source,
                        ev.num,
                        EventColumns {
                            fields: &fields,
                            rule: id,
                            buf: &fbuf,
                        },
                    );
                    hits += 1;
                    if batch.len() == 4096 {
                        let next = HitRows::with_capacity_of(&batch);
                        // Kept for the write pass only once: replay frees rows once encoded.
                        if rep == 0 {
                            batches.push(std::mem::replace(&mut batch, next));
                        } else {
                            batch = next;
                        }
                    }
                }
            }
            if rep == 0 && !batch.is_empty() {
                batches.push(batch);
            }
            let t2 = thread_cpu_ns();
            render_ns += t1 - t;
            build_ns += (t2 - t1).saturating_sub(t1 - t);
        }
    }
    if pass != "build" {
        // The write pass, over the first repetition's batches.
        for _ in 0..reps.max(1) {
            let t = thread_cpu_ns();
            let mut f = ParquetFile::create(&out, hits_schema(), "hits", 1).unwrap();
            for b in &batches {
                f.write_hits(b).unwrap();
            }
            let stats = f.finish().unwrap();
            write_ns += thread_cpu_ns() - t;
            eprintln!(
                "{} rows, {} row groups, {:.1} MiB",
                stats.rows,
                stats.row_groups,
                stats.bytes as f64 / (1 << 20) as f64
            );
        }
    }
    let per = |ns: u64| ns as f64 / 1000.0 / hits as f64;
    let reps = reps.max(1) as f64;
    println!(
        "{} hits: render {:.2} µs/hit, build {:.2} µs/hit, write {:.2} µs/hit (CPU, one thread)",
        hits as f64 / reps,
        per(render_ns),
        per(build_ns),
        per(write_ns),
    );
    let _ = std::fs::remove_dir_all(&dir);
}
