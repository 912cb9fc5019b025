//! The loader's settings, a read-only global: the verifier sees every value as a constant.

use rtsec_ebpf_common::{Config, MISSING, Offsets};

#[unsafe(no_mangle)]
static RTSEC_CONFIG: Config = Config::INIT;

/// The configuration. Read through a volatile pointer so the compiler does not fold in the
/// defaults compiled into the object: the loader rewrites them before load.
#[inline(always)]
pub fn cfg() -> &'static Config {
    // SAFETY: the global is always valid; the volatile read only hides its value from LLVM.
    unsafe { &*core::ptr::read_volatile(&(&raw const RTSEC_CONFIG)) }
}

#[inline(always)]
pub fn off() -> &'static Offsets {
    &cfg().off
}

/// True if `o` is an offset the running kernel has.
#[inline(always)]
pub fn has(o: u32) -> bool {
    o != MISSING
}

/// True if syscall `nr` is in the recorded set.
#[inline(always)]
pub fn recorded(nr: u64) -> bool {
    if nr >= rtsec_ebpf_common::MAX_SYSCALLS as u64 {
        return false;
    }
    let word = cfg().syscalls[(nr >> 6) as usize];
    word & (1u64 << (nr & 63)) != 0
}

/// True if syscall `nr` is recorded and its arguments are copied at entry.
#[inline(always)]
pub fn entry_copied(nr: u64) -> bool {
    if nr >= rtsec_ebpf_common::MAX_SYSCALLS as u64 {
        return false;
    }
    let word = cfg().entry_syscalls[(nr >> 6) as usize];
    word & (1u64 << (nr & 63)) != 0
}
