//! In-kernel cost of rtsec's programs: turns on the kernel's BPF run-time statistics for
//! `SECONDS` (default 5) and prints, for every loaded program whose name starts with `rtsec`,
//! how often it ran and its mean run time. (The statistics add two clock reads per run.)

use std::collections::HashMap;
use std::time::Duration;

use aya::programs::loaded_programs;
use aya::sys::{Stats, enable_stats};

fn snapshot() -> HashMap<(u32, String), (u64, u64)> {
    loaded_programs()
        .filter_map(Result::ok)
        .filter_map(|p| {
            let name = p.name_as_str()?.to_string();
            name.starts_with("rtsec").then(|| {
                (
                    (p.id(), name),
                    (p.run_count(), p.run_time().as_nanos() as u64),
                )
            })
        })
        .collect()
}

fn main() {
    let secs: f64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(5.0);
    let _stats = enable_stats(Stats::RunTime).expect("enable BPF run-time stats (needs root)");
    let before = snapshot();
    std::thread::sleep(Duration::from_secs_f64(secs));
    let after = snapshot();
    let mut rows: Vec<_> = after
        .iter()
        .filter_map(|(k, &(n1, t1))| {
            let (n0, t0) = before.get(k).copied().unwrap_or((0, 0));
            (n1 > n0).then(|| (k.1.clone(), n1 - n0, (t1 - t0) as f64 / (n1 - n0) as f64))
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, runs, ns) in rows {
        println!("{name:<16} {runs:>10} runs  {ns:>8.1} ns/run");
    }
}
