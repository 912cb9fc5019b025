//! Developer aid: CPU ns per event, by event type, of rules files over the synthetic mix
//! (sequentially with [`Engine::matches`] and with a block matcher, then per type with a
//! block matcher).
//!
//! `cargo run --release -p rtsec-rules --example by_event_type -- RULES.yaml [MORE.yaml…]`
//! (`ONLY=openat` restricts to one event type and skips the sequential runs, `PASS=plain` or
//! `PASS=matcher` runs only that sequential pass, `REPS` sets the repetitions, `N` the events).

use std::collections::BTreeMap;

fn main() {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    let set = rtsec_rules::load_files(&paths).unwrap_or_else(|e| panic!("{}", e.error));
    let e = rtsec_rules::Engine::new(&set, Default::default());
    let n: usize = std::env::var("N").map_or(20_000, |v| v.parse().unwrap());
    let block = rtsec_format::synth::block(n, 42);
    let reps: u32 = std::env::var("REPS").map_or(100, |r| r.parse().unwrap());
    let only = std::env::var("ONLY").ok();
    let mut sc = e.scratch();
    let mut by: BTreeMap<&str, Vec<rtsec_format::EventView<'_>>> = BTreeMap::new();
    for ev in block.events() {
        by.entry(rtsec_rules::event_type(&ev)).or_default().push(ev);
    }
    // PASS=plain or PASS=matcher: only that sequential pass (for profilers).
    let pass = std::env::var("PASS").ok();
    let run = |p: &str| only.is_none() && pass.as_deref().is_none_or(|x| x == p);
    let t = cpu_now();
    for _ in 0..reps * run("plain") as u32 {
        for ev in block.events() {
            std::hint::black_box(e.matches(&ev, &mut sc).len());
        }
    }
    let seq = (cpu_now() - t) as f64 / reps as f64 / n as f64;
    println!("sequential {seq:.1} ns/event");
    // As replay runs: one block matcher per pass over the block (its caches start empty).
    let t = cpu_now();
    for _ in 0..reps * run("matcher") as u32 {
        let mut m = e.block_matcher(&block, &mut sc);
        for ev in block.events() {
            std::hint::black_box(m.matches(&ev).len());
        }
    }
    let seq = (cpu_now() - t) as f64 / reps as f64 / n as f64;
    println!("sequential, block matcher {seq:.1} ns/event");
    let mut total = 0.0;
    for (ty, evs) in &by {
        if pass.is_some() || only.as_deref().is_some_and(|o| o != *ty) {
            continue;
        }
        let t = cpu_now();
        for _ in 0..reps {
            let mut m = e.block_matcher(&block, &mut sc);
            for ev in evs {
                std::hint::black_box(m.matches(ev).len());
            }
        }
        let per = (cpu_now() - t) as f64 / reps as f64 / evs.len() as f64;
        let share = per * evs.len() as f64 / n as f64;
        total += share;
        println!(
            "{ty:12} {:6} events {per:8.1} ns/event {share:6.1} ns of the average",
            evs.len()
        );
    }
    println!("average {total:.1} ns/event");
}

fn cpu_now() -> u128 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime only writes the timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as u128 * 1_000_000_000 + ts.tv_nsec as u128
}
