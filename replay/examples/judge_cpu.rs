//! Developer aid: CPU ns per event of what a replay worker does to a trace's blocks, split into
//! decoding (`RawBlock::decode_into` a reused block) and judging (a block matcher over every
//! event), one thread, no output. Steadier than `rtsec replay --stats` on a busy machine, and
//! a target for profilers (`PASS=decode` runs only the decoding, `PASS=rules` decodes but times
//! only the judging; `BLOCKS=N` uses the first N blocks).
//!
//! `cargo run --release -p rtsec-replay --example judge_cpu -- TRACE RULES.yaml [REPS]`

use rtsec_format::{Block, TraceReader};
use rtsec_replay::thread_cpu_ns;
use rtsec_rules::{Engine, EngineOptions};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(trace), Some(rules)) = (args.first(), args.get(1)) else {
        eprintln!("usage: judge_cpu TRACE RULES.yaml [REPS]");
        std::process::exit(2);
    };
    let reps: usize = args
        .get(2)
        .map_or(1, |r| r.parse().expect("REPS is a number"));
    let pass = std::env::var("PASS").unwrap_or_default();
    rtsec_replay::keep_freed_memory(); // as `rtsec replay` does
    let set = rtsec_rules::load_files(std::slice::from_ref(rules))
        .unwrap_or_else(|e| panic!("{}", e.error));
    let engine = Engine::new(&set, EngineOptions::default());
    let reader = TraceReader::open(trace).expect("a readable trace");
    let raws: Vec<rtsec_format::RawBlock> = reader
        .blocks(false)
        .collect::<Result<_, _>>()
        .expect("readable blocks");
    let raws = &raws[..std::env::var("BLOCKS")
        .map_or(raws.len(), |n| n.parse::<usize>().unwrap().min(raws.len()))];
    let events: u64 = raws.iter().map(|r| r.frame.events as u64).sum();

    let mut block = Block::default();
    if pass != "rules" {
        let t = thread_cpu_ns();
        for _ in 0..reps {
            for raw in raws {
                raw.decode_into(&mut block).expect("a sound block");
            }
        }
        let per = (thread_cpu_ns() - t) as f64 / (reps as u64 * events) as f64;
        println!("decode: {per:.1} ns/event ({events} events x {reps})");
    }
    if pass != "decode" {
        let mut scratch = engine.scratch();
        let mut hits = 0usize;
        let mut spent = 0;
        for _ in 0..reps {
            for raw in raws {
                raw.decode_into(&mut block).expect("a sound block");
                let t = thread_cpu_ns();
                let mut m = engine.block_matcher(&block, &mut scratch);
                for ev in block.events() {
                    hits += m.matches(&ev).len();
                }
                spent += thread_cpu_ns() - t;
            }
        }
        let per = spent as f64 / (reps as u64 * events) as f64;
        println!("rules: {per:.1} ns/event ({hits} hits)");
    }
}
