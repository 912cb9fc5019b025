//! Rules engine benchmarks: ns/event for Falco's full stable ruleset (and rtsec's bundled set)
//! on the format crate's realistic synthetic event mix, one thread, event by event
//! (`Engine::matches`) and as replay judges a block (`Engine::block_matcher`); and the time to
//! load and compile Falco's three rules files.
//!
//! `cargo bench -p rtsec-rules` (criterion reports time per iteration; with the throughput in
//! elements, time/element is ns/event).
//!
//! Times are the benchmark thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`), not wall time: the
//! machines this runs on are shared, and CPU time does not count the time other processes hold
//! the core (it still includes their cache pollution).

use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rtsec_rules::{Engine, EngineOptions, RuleSet, RuleSource};

/// About one block of a real trace (the writer cuts blocks at ~4 MiB).
const EVENTS: usize = 100_000;

/// The calling thread's CPU time, in ns.
struct ThreadCpuTime;

fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime only writes the timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

impl Measurement for ThreadCpuTime {
    type Intermediate = u64;
    type Value = u64;
    fn start(&self) -> u64 {
        thread_cpu_ns()
    }
    fn end(&self, start: u64) -> u64 {
        thread_cpu_ns() - start
    }
    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }
    fn zero(&self) -> u64 {
        0
    }
    fn to_f64(&self, v: &u64) -> f64 {
        *v as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        static WALL: WallTime = WallTime;
        WALL.formatter()
    }
}

fn falco(name: &str) -> RuleSource {
    let p = format!(
        "{}/../../shared/falco-rules/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    RuleSource::from_file(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn evaluate(c: &mut Criterion<ThreadCpuTime>) {
    let block = rtsec_format::synth::block(EVENTS, 42);
    let sets = [
        (
            "stable",
            rtsec_rules::load(&[falco("falco_rules.yaml")]).unwrap(),
        ),
        ("bundled", RuleSet::bundled().unwrap()),
    ];
    let mut g = c.benchmark_group("evaluate");
    g.throughput(Throughput::Elements(EVENTS as u64));
    g.sample_size(10).measurement_time(Duration::from_secs(4));
    for (name, set) in &sets {
        let engine = Engine::new(set, EngineOptions::default());
        let mut scratch = engine.scratch();
        let mut hits = 0usize;
        for ev in block.events() {
            hits += engine.matches(&ev, &mut scratch).len();
        }
        eprintln!("{name}: {hits} alerts on {EVENTS} synthetic events");
        g.bench_function(format!("{name}_ruleset_synthetic_mix"), |b| {
            b.iter(|| {
                let mut hits = 0usize;
                for ev in block.events() {
                    hits += engine.matches(&ev, &mut scratch).len();
                }
                black_box(hits)
            })
        });
        // As replay judges a block: one block matcher per pass, its caches starting empty.
        g.bench_function(format!("{name}_ruleset_synthetic_mix_block_matcher"), |b| {
            b.iter(|| {
                let mut hits = 0usize;
                let mut m = engine.block_matcher(&block, &mut scratch);
                for ev in block.events() {
                    hits += m.matches(&ev).len();
                }
                black_box(hits)
            })
        });
    }
    g.finish();
}

fn compile(c: &mut Criterion<ThreadCpuTime>) {
    let sources = [
        falco("falco_rules.yaml"),
        falco("falco-incubating_rules.yaml"),
        falco("falco-sandbox_rules.yaml"),
    ];
    let mut g = c.benchmark_group("compile");
    g.sample_size(10).measurement_time(Duration::from_secs(4));
    g.bench_function("falco_three_files", |b| {
        b.iter(|| black_box(rtsec_rules::load(&sources).unwrap().counts()))
    });
    g.bench_function("falco_stable_file", |b| {
        b.iter(|| black_box(rtsec_rules::load(&sources[..1]).unwrap().counts()))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ThreadCpuTime);
    targets = evaluate, compile
}
criterion_main!(benches);
