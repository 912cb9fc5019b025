//! The writer's lock on a trace file (flock): a writer holds it exclusively while it writes;
//! a follower that can take it shared knows no writer is left.

use std::fs::File;
use std::os::fd::AsRawFd;

/// Takes `op` (`LOCK_EX` or `LOCK_SH`) on `file` without waiting; whether it was taken.
fn try_lock(file: &File, op: libc::c_int) -> bool {
    // SAFETY: flock on a valid open descriptor.
    unsafe { libc::flock(file.as_raw_fd(), op | libc::LOCK_NB) == 0 }
}

/// Takes the writer's lock on `file`; `false` if another writer holds it. A follower holds it
/// shared for a moment when it looks ([`writer_gone`]): a few tries ride that out.
pub(crate) fn lock_to_write(file: &File) -> bool {
    for _ in 0..10 {
        if try_lock(file, libc::LOCK_EX) {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    false
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
