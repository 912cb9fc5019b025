//! Alert text buffers handed from block to block instead of freed and allocated again.
//!
//! A block whose rules fire often makes tens of MiB of alert text. Allocated fresh for every
//! block, that memory comes from the kernel page by page (a JSON block's text is above the
//! allocator's mmap threshold, so it is unmapped when freed): with a rule firing on 44 % of
//! events, page faults took a quarter of replay's CPU. A finished block's buffer (dropped
//! with its [`crate::BlockResult`] once written) goes back here and the next block writes
//! into the same pages.

use std::sync::Mutex;

/// Buffers kept at most: more than the blocks a run holds at once (`2 × threads + 2`) for
/// the usual thread counts; beyond, buffers are freed as before.
const KEPT: usize = 16;

static FREE: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());

/// An empty buffer with room for at least `capacity` bytes: a returned one if there is any.
pub(crate) fn take(capacity: usize) -> Vec<u8> {
    let reused = FREE.lock().ok().and_then(|mut free| free.pop());
    let mut buf = reused.unwrap_or_default();
    buf.reserve(capacity);
    buf
}

/// Gives `buf` back for a later [`take`].
pub(crate) fn give(mut buf: Vec<u8>) {
    if buf.capacity() == 0 {
        return;
    }
    buf.clear();
    if let Ok(mut free) = FREE.lock()
        && free.len() < KEPT
    {
        free.push(buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_returned_buffer_is_taken_again_empty() {
        let mut b = take(1 << 20);
        assert!(b.capacity() >= 1 << 20);
        b.extend_from_slice(b"alert\n");
        let ptr = b.as_ptr();
        give(b);
        // Other tests of this crate may take and give buffers at the same time: look for ours.
        let mut taken = Vec::new();
        let mut found = false;
        for _ in 0..KEPT {
            let b = take(16);
            assert!(b.is_empty());
            found |= b.as_ptr() == ptr;
            taken.push(b);
            if found {
                break;
            }
        }
        assert!(found, "the buffer given back was not reused");
        taken.into_iter().for_each(give);
    }
}
