//! rtsec's eBPF probe: records completed syscalls and the process lifecycle into one ring buffer.
//!
//! - `syscalls.rs`: `sys_exit` — one record per completed syscall in the recorded set.
//! - `entry.rs`: `sys_enter` — copies path and address arguments before the kernel reads them,
//!   for `sys_exit` to use (a racing thread cannot make the record lie).
//! - `sched.rs`: `sched_process_fork` / `exec` / `exit` — the process tree and exec facts.
//! - `noop.rs`: do-nothing programs, attached only by benchmarks to measure the floor.
//!
//! Shared pieces: `config.rs` (the loader's settings and BTF offsets), `emit.rs` (building a
//! record in per-CPU scratch and handing it to the ring, counting drops), `kread.rs` (reading
//! kernel structs through the offsets), `sock.rs` (socket endpoints through the fd table).
#![no_std]
#![no_main]

mod config;
mod emit;
mod entry;
mod kread;
mod maps;
mod noop;
mod sched;
mod sock;
mod syscalls;

#[cfg(not(test))]
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    loop {}
}

#[unsafe(link_section = "license")]
#[unsafe(no_mangle)]
static LICENSE: [u8; 4] = *b"GPL\0";
