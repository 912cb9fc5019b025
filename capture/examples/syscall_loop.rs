//! A syscall loop for the capture benchmark: `syscall_loop getppid|openclose ITERATIONS`.
//! Runs the iterations in 40 short rounds and prints ns per syscall: the 10th percentile of
//! the rounds (robust against other load on a shared machine, which only ever adds time) and
//! the median.

use std::ffi::CString;
use std::time::Instant;

fn round(mode: &str, n: u64, path: &CString) -> f64 {
    let start = Instant::now();
    match mode {
        "getppid" => {
            for _ in 0..n {
                // SAFETY: no arguments.
                unsafe { libc::syscall(libc::SYS_getppid) };
            }
        }
        "openclose" => {
            for _ in 0..n {
                // SAFETY: valid path; the fd is closed right away.
                unsafe {
                    let fd = libc::syscall(
                        libc::SYS_openat,
                        libc::AT_FDCWD,
                        path.as_ptr(),
                        libc::O_RDONLY,
                    );
                    libc::syscall(libc::SYS_close, fd);
                }
            }
        }
        m => panic!("unknown mode {m} (getppid or openclose)"),
    }
    let calls = if mode == "openclose" { 2 * n } else { n };
    start.elapsed().as_nanos() as f64 / calls as f64
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).map_or("getppid", String::as_str);
    let n: u64 = args
        .get(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let path = CString::new("/etc/hostname").unwrap();
    const ROUNDS: u64 = 40;
    round(mode, n / ROUNDS, &path); // warm up
    let mut r: Vec<f64> = (0..ROUNDS)
        .map(|_| round(mode, n / ROUNDS, &path))
        .collect();
    r.sort_by(f64::total_cmp);
    println!(
        "{mode} {:.1} ns/syscall (p10 of {ROUNDS} rounds; median {:.1})",
        r[r.len() / 10],
        r[r.len() / 2]
    );
}
