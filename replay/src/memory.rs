//! How the process's allocator treats freed memory during a replay.

/// Keeps freed memory in the process instead of handing it back to the kernel after every
/// block. With glibc's defaults, the MiB-sized vectors of each block (Arrow rows, Parquet
/// pages) are mmap'd and unmapped (or trimmed) block after block, and the page faults cost as
/// much CPU as the decoding itself. With these settings the next block reuses the same pages.
/// Call it before any thread starts.
pub fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator thresholds; called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 512 << 20);
    }
}

/// Allocations from this size on get their own mapping, returned to the kernel when freed.
/// Below it they come from the allocator's heaps and their pages are reused. Blocks
/// (decoded into each worker's own buffers) and alert text (`text_buffers`) are reused by
/// rtsec itself, so what remains is the writer's: at 1 MiB Parquet writing spent 11 % of
/// its CPU in the kernel (page faults), at 4 MiB 2 %, as at 32 MiB. Higher thresholds only let
/// freed memory scatter: peak RSS at -j 2 with 4 MiB against 32 MiB, 2.66M hits: text 109
/// against 143 MiB, Parquet 216 against 232 MiB; Falco's rules and few hits 72 against 90.
const MMAP_THRESHOLD: i32 = 4 << 20;
