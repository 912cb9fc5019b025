//! How the process's allocator treats freed memory during a replay.

/// Keeps freed memory in the process instead of handing it back to the kernel after every
/// block. Each decoded block is tens of MiB of fresh vectors; with glibc's defaults they are
/// mmap'd and unmapped (or trimmed) block after block, and the page faults cost as much CPU as
/// the decoding itself. With these settings the next block reuses the same pages; peak memory
/// stays what the blocks in flight need. Call it before any thread starts.
pub fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator thresholds; called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 512 << 20);
    }
}
