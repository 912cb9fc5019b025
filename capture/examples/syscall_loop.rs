//! A syscall loop for the capture benchmark: `syscall_loop getppid|openclose|sendto
//! ITERATIONS` (sendto: 100 bytes in a UDP datagram to a local port nobody reads, the data a
//! capture keeps the first bytes of).
//! Runs the iterations in 40 short rounds and prints ns per syscall: the 10th percentile of
//! the rounds (robust against other load on a shared machine, which only ever adds time) and
//! the median.

use std::ffi::CString;
use std::time::Instant;

fn round(mode: &str, n: u64, path: &CString, sock: i32) -> f64 {
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
        "sendto" => {
            let to = local_udp_port();
            let data = [b'x'; 100];
            for _ in 0..n {
                // SAFETY: a valid buffer and address, with their lengths.
                unsafe {
                    libc::sendto(
                        sock,
                        data.as_ptr().cast(),
                        data.len(),
                        0,
                        (&raw const to).cast(),
                        std::mem::size_of::<libc::sockaddr_in>() as u32,
                    )
                };
            }
        }
        m => panic!("unknown mode {m} (getppid, openclose or sendto)"),
    }
    let calls = if mode == "openclose" { 2 * n } else { n };
    start.elapsed().as_nanos() as f64 / calls as f64
}

/// 127.0.0.1:9 (discard): the datagrams leave the socket whether anyone reads them or not.
fn local_udp_port() -> libc::sockaddr_in {
    libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: 9u16.to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from_be_bytes([127, 0, 0, 1]).to_be(),
        },
        sin_zero: [0; 8],
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).map_or("getppid", String::as_str);
    let n: u64 = args
        .get(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let path = CString::new("/etc/hostname").unwrap();
    // SAFETY: socket(2) with constant arguments.
    let sock = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM, 0) };
    const ROUNDS: u64 = 40;
    round(mode, n / ROUNDS, &path, sock); // warm up
    let mut r: Vec<f64> = (0..ROUNDS)
        .map(|_| round(mode, n / ROUNDS, &path, sock))
        .collect();
    r.sort_by(f64::total_cmp);
    println!(
        "{mode} {:.1} ns/syscall (p10 of {ROUNDS} rounds; median {:.1})",
        r[r.len() / 10],
        r[r.len() / 2]
    );
}
