//! The probe's maps.

use aya_ebpf::{
    macros::map,
    maps::{HashMap, PerCpuArray, RingBuf},
};
use rtsec_ebpf_common::{DROP_SLOTS, SCRATCH_BYTES};

/// Every record goes through this one ring; the loader sets its size (`--buffer-size`).
#[map]
pub static EVENTS: RingBuf = RingBuf::with_byte_size(1 << 22, 0);

/// Records the ring had no room for, per CPU, by syscall number or `MAX_SYSCALLS + kind`.
#[map]
pub static DROPS: PerCpuArray<u64> = PerCpuArray::with_max_entries(DROP_SLOTS, 0);

/// Where a record is assembled before it is copied into the ring.
#[map]
pub static SCRATCH: PerCpuArray<[u8; SCRATCH_BYTES]> = PerCpuArray::with_max_entries(1, 0);

/// With `--pid`: the thread groups being recorded. Children are added at fork.
#[map]
pub static PIDS: HashMap<u32, u8> = HashMap::with_max_entries(65536, 0);
