//! The ring consumer: a thread that only copies records out of the kernel's ring buffer into
//! batches and hands them on, so the ring drains as fast as the kernel fills it.

use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use aya::maps::{MapData, RingBuf};
use crossbeam_channel::{Receiver, Sender};

/// Records as `[u32 length][record bytes]`, back to back.
pub type Batch = Vec<u8>;

/// Hand a batch on when it reaches this size, or when the ring is empty.
const BATCH_BYTES: usize = 256 << 10;
/// How long to wait between drains. The probe does not wake us for every record (that would
/// cost the traced processes an interrupt each); it wakes us early only when the ring is a
/// quarter full. This also bounds shutdown latency.
const POLL_MS: i32 = 10;

/// Iterates over the records of a batch.
pub fn records(batch: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = batch;
    std::iter::from_fn(move || {
        let len = u32::from_ne_bytes(rest.get(..4)?.try_into().ok()?) as usize;
        let r = rest.get(4..4 + len)?;
        rest = &rest[4 + len..];
        Some(r)
    })
}

/// Starts the consumer. It stops after a final drain once `stop` is set; `free` returns
/// emptied batches for reuse.
pub fn spawn(
    mut ring: RingBuf<MapData>,
    out: Sender<Batch>,
    free: Receiver<Batch>,
    stop: Arc<AtomicBool>,
) -> std::io::Result<JoinHandle<u64>> {
    std::thread::Builder::new()
        .name("rtsec-ring".into())
        .spawn(move || {
            let fd = ring.as_raw_fd();
            let mut total = 0u64;
            let fresh = || {
                let mut b = free.try_recv().unwrap_or_default();
                b.clear();
                b
            };
            let mut batch = fresh();
            loop {
                let stopping = stop.load(Ordering::Acquire);
                while let Some(item) = ring.next() {
                    batch.extend_from_slice(&(item.len() as u32).to_ne_bytes());
                    batch.extend_from_slice(&item);
                    total += 1;
                    if batch.len() >= BATCH_BYTES {
                        let full = std::mem::replace(&mut batch, fresh());
                        if out.send(full).is_err() {
                            return total;
                        }
                    }
                }
                if !batch.is_empty() {
                    let full = std::mem::replace(&mut batch, fresh());
                    if out.send(full).is_err() {
                        return total;
                    }
                }
                if stopping {
                    return total;
                }
                let mut pfd = libc::pollfd {
                    fd,
                    events: libc::POLLIN,
                    revents: 0,
                };
                // SAFETY: one valid pollfd.
                unsafe { libc::poll(&mut pfd, 1, POLL_MS) };
            }
        })
}
