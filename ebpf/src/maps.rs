//! The probe's maps.

use aya_ebpf::{
    bindings::{BPF_F_NO_PREALLOC, BPF_LOCAL_STORAGE_GET_F_CREATE, bpf_map_type},
    helpers::generated::{bpf_get_current_task_btf, bpf_task_storage_get},
    macros::{btf_map, map},
    maps::{HashMap, PerCpuArray, RingBuf},
};
use rtsec_ebpf_common::{DROP_SLOTS, EntrySlot, SCRATCH_BYTES};

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

/// A task-local storage map (`BPF_MAP_TYPE_TASK_STORAGE`), declared the way aya-ebpf declares
/// its BTF maps (aya-ebpf 0.2 has no type for this one): every field is a pointer whose pointee
/// type tells the loader the map's type, key, value and flags through BTF.
#[repr(C)]
pub struct TaskStorage<T> {
    r#type: *const [i32; bpf_map_type::BPF_MAP_TYPE_TASK_STORAGE as usize],
    key: *const i32,
    value: *const T,
    max_entries: *const [i32; 0],
    map_flags: *const [i32; BPF_F_NO_PREALLOC as usize],
}

// SAFETY: the fields are placeholders the loader replaces; nothing dereferences them.
unsafe impl<T> Sync for TaskStorage<T> {}

impl<T> TaskStorage<T> {
    pub const fn new() -> Self {
        TaskStorage {
            r#type: core::ptr::null(),
            key: core::ptr::null(),
            value: core::ptr::null(),
            max_entries: core::ptr::null(),
            map_flags: core::ptr::null(),
        }
    }

    /// The value of the current task, created zeroed if `create` and it has none (null if
    /// there is none, or no memory).
    #[inline(always)]
    pub fn current(&self, create: bool) -> *mut T {
        // SAFETY: plain helper calls; the task pointer is the current task's.
        unsafe {
            let task = bpf_get_current_task_btf();
            let flags = if create {
                BPF_LOCAL_STORAGE_GET_F_CREATE as u64
            } else {
                0
            };
            bpf_task_storage_get(
                core::ptr::from_ref(self).cast_mut().cast(),
                task.cast(),
                core::ptr::null_mut(),
                flags,
            )
            .cast()
        }
    }
}

/// Per thread: its syscall arguments as copied at entry, for the exit record (TOCTOU).
#[btf_map]
pub static ENTRY: TaskStorage<EntrySlot> = TaskStorage::new();
