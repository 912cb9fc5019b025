//! The writer's lock on a trace file (flock): a writer holds it exclusively while it writes;
//! a follower that can take it shared knows no writer is left.

use std::fs::File;
use std::os::fd::AsRawFd;

/// Takes `op` (`LOCK_EX` or `LOCK_SH`) on `file` without waiting; whether it was taken.
pub(crate) fn try_lock(file: &File, op: libc::c_int) -> bool {
    // SAFETY: flock on a valid open descriptor.
    unsafe { libc::flock(file.as_raw_fd(), op | libc::LOCK_NB) == 0 }
}

/// Whether no process holds the writer's lock on `file` (its writer finished, or died).
pub(crate) fn writer_gone(file: &File) -> bool {
    if !try_lock(file, libc::LOCK_SH) {
        return false;
    }
    // Let go at once: a writer that starts again must be able to take it.
    // SAFETY: as above.
    unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_UN) };
    true
}
