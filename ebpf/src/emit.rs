//! Building one record in per-CPU scratch, then copying it into the ring.
//!
//! Blobs are written by a [`Writer`]: offsets are masked below its `HALF` before every
//! variable-length write and every write is at most `MAX_STR + 2` bytes, so the verifier can
//! prove each access stays inside the buffer. A writer whose next blob would start past its
//! `LAST` offset stops taking blobs and says so in its flags. [`Rec`] writes a record in scratch
//! (kept below `LIMIT` in total); the entry copies of syscall arguments use their own writer
//! over a thread's [`rtsec_ebpf_common::EntrySlot`].

use aya_ebpf::bindings::{BPF_RB_AVAIL_DATA, BPF_RB_FORCE_WAKEUP, BPF_RB_NO_WAKEUP};
use aya_ebpf::helpers::generated::{
    bpf_get_smp_processor_id, bpf_probe_read_kernel_str, bpf_probe_read_user,
    bpf_probe_read_user_str, bpf_ringbuf_output, bpf_ringbuf_query,
};
use rtsec_ebpf_common::{ENTRY_HALF, MAX_STR, SCRATCH_BYTES, SCRATCH_HALF, record::flags};

use crate::config::cfg;
use crate::maps::{DROPS, EVENTS, SCRATCH};

/// Past this offset a record takes no more blobs.
const LIMIT: u32 = SCRATCH_HALF as u32 - 1;
/// Offset of `Header::len` and `Header::flags`.
const LEN_AT: usize = 24;
/// Bytes at the end of the scratch area no record reaches (see [`Rec::spare`]).
const SPARE_BYTES: usize = 512;
const FLAGS_AT: usize = 30;
const CPU_AT: usize = 32;

/// Writes blobs into `buf`: each starts below `HALF` (a power of two) and at or before `LAST`.
pub struct Writer<const HALF: u32, const LAST: u32> {
    buf: *mut u8,
    off: u32,
    flags: u16,
}

/// A record being built in scratch: it stays below `LIMIT` bytes.
pub type Rec = Writer<{ SCRATCH_HALF as u32 }, { LIMIT - (MAX_STR as u32 + 2) }>;

/// Blobs copied at syscall entry into a thread's entry slot.
pub type EntryWriter = Writer<{ ENTRY_HALF as u32 }, { ENTRY_HALF as u32 - 1 }>;

impl EntryWriter {
    /// Starts writing blobs at the beginning of `data`, which must hold `ENTRY_DATA` bytes.
    #[inline(always)]
    pub fn over(data: *mut u8) -> EntryWriter {
        Writer {
            buf: data,
            off: 0,
            flags: 0,
        }
    }

    /// Bytes written so far, and the flags of the reads.
    #[inline(always)]
    pub fn done(&self) -> (u32, u16) {
        (self.off, self.flags)
    }
}

impl Rec {
    /// Starts a record whose fixed part is a `T`, zeroed, to be filled in place (the BPF stack
    /// is too small to build it there).
    #[inline(always)]
    pub fn begin<T>() -> Option<(Rec, *mut T)> {
        let buf = SCRATCH.get_ptr_mut(0)?.cast::<u8>();
        // SAFETY: the scratch value is SCRATCH_BYTES long, far more than any fixed part.
        unsafe { core::ptr::write_bytes(buf, 0, core::mem::size_of::<T>()) };
        // SAFETY: every record starts with a Header; `cpu` is at CPU_AT.
        unsafe {
            let cpu = bpf_get_smp_processor_id();
            core::ptr::write_unaligned(buf.add(CPU_AT).cast::<u32>(), cpu);
        }
        let rec = Rec {
            buf,
            off: core::mem::size_of::<T>() as u32,
            flags: 0,
        };
        Some((rec, buf.cast::<T>()))
    }

    /// Scratch space past every record, for temporaries too big for the stack (its first 8
    /// bytes are [`Writer::forget_state`]'s cell).
    #[inline(always)]
    pub fn spare(&self) -> *mut u8 {
        // SAFETY: records end below 2 * SCRATCH_HALF - SPARE_BYTES.
        unsafe { self.buf.add(SCRATCH_BYTES - SPARE_BYTES) }
    }

    /// A zeroed blob of a `T`, to be filled in place.
    #[inline(always)]
    pub fn alloc<T>(&mut self) -> Option<*mut T> {
        let at = self.slot()?;
        let size = core::mem::size_of::<T>();
        // SAFETY: `at` < SCRATCH_HALF and T is small.
        let p = unsafe { self.buf.add(at as usize + 2) };
        unsafe { core::ptr::write_bytes(p, 0, size) };
        self.close(at, size as u32);
        Some(p.cast::<T>())
    }

    /// A pointer `at` bytes into the record, for fixed-offset writes (`at` must be a constant
    /// below `SCRATCH_HALF`).
    #[inline(always)]
    pub fn raw(&mut self, at: usize) -> *mut u8 {
        // SAFETY: callers pass constant offsets inside the scratch area.
        unsafe { self.buf.add(at) }
    }

    /// Continues the record at `off` (after fixed-offset writes).
    #[inline(always)]
    pub fn skip_to(&mut self, off: u32) {
        self.off = off;
    }

    /// Where the next blob goes (the record's length so far).
    #[inline(always)]
    pub fn off(&self) -> u32 {
        self.off
    }

    /// Replaces the flags set by the blob reads.
    #[inline(always)]
    pub fn set_flags(&mut self, f: u16) {
        self.flags = f;
    }

    /// Writes the length and flags and hands the record to the ring; a full ring counts a drop
    /// in `slot`.
    #[inline(always)]
    pub fn send(self, slot: u32) {
        let len = self.off & (SCRATCH_HALF as u32 * 2 - 1);
        // SAFETY: header fields inside the fixed part.
        unsafe {
            core::ptr::write_unaligned(self.buf.add(LEN_AT).cast::<u16>(), len as u16);
            let f = core::ptr::read_unaligned(self.buf.add(FLAGS_AT).cast::<u16>());
            core::ptr::write_unaligned(self.buf.add(FLAGS_AT).cast::<u16>(), f | self.flags);
        }
        let ring = (&raw const EVENTS).cast_mut().cast();
        // Waking the reader costs the traced process an interrupt per record; the reader polls
        // on a short timer instead and is only woken when the ring is a quarter full.
        // SAFETY: plain helper call on our ring.
        let avail = unsafe { bpf_ringbuf_query(ring, BPF_RB_AVAIL_DATA as u64) };
        let wake = if avail > (cfg().ring_bytes / 4) as u64 {
            BPF_RB_FORCE_WAKEUP
        } else {
            BPF_RB_NO_WAKEUP
        };
        // SAFETY: buf is valid for `len` bytes.
        let r = unsafe { bpf_ringbuf_output(ring, self.buf.cast(), len as u64, wake as u64) };
        if r < 0 {
            count_drop(slot);
        }
    }
}

impl<const HALF: u32, const LAST: u32> Writer<HALF, LAST> {
    /// Passes the offset and flags through `cell` (map memory) and back, so that the verifier
    /// forgets their exact ranges: every path through the argument loop then reaches the next
    /// argument in the same state, instead of one state per combination of argument kinds.
    #[inline(always)]
    pub fn forget_state(&mut self, cell: *mut [u32; 2]) {
        // SAFETY: `cell` points at two u32s of the writer's map value.
        unsafe {
            core::ptr::write_volatile(cell, [self.off, self.flags as u32]);
            let [off, flags] = core::ptr::read_volatile(cell);
            self.off = off;
            self.flags = flags as u16;
        }
    }

    #[inline(always)]
    pub fn flag(&mut self, f: u16) {
        self.flags |= f;
    }

    /// Where the next blob starts, or `None` (and the record marked full) if out of room.
    #[inline(always)]
    fn slot(&mut self) -> Option<u32> {
        if self.off > LAST {
            self.flags |= flags::RECORD_FULL;
            return None;
        }
        Some(self.off & (HALF - 1))
    }

    #[inline(always)]
    fn close(&mut self, at: u32, len: u32) {
        let len = len & (MAX_STR as u32 - 1);
        // SAFETY: `at` < HALF.
        unsafe {
            core::ptr::write_unaligned(self.buf.add(at as usize).cast::<u16>(), len as u16);
        }
        self.off = at + 2 + len;
    }

    /// An empty blob (the argument was not read).
    #[inline(always)]
    pub fn empty(&mut self) {
        if let Some(at) = self.slot() {
            self.close(at, 0);
        }
    }

    /// A NUL-terminated string from user memory, at most `max` bytes (NUL included).
    #[inline(always)]
    pub fn user_str(&mut self, src: u64, max: u32) {
        let Some(at) = self.slot() else { return };
        if src == 0 {
            // A NULL argument is absent, not unreadable.
            self.close(at, 0);
            return;
        }
        let max = max & (MAX_STR as u32 * 2 - 1);
        let max = if max > MAX_STR as u32 {
            MAX_STR as u32
        } else {
            max
        };
        // SAFETY: destination bounded as described in the module docs.
        let n = unsafe {
            bpf_probe_read_user_str(self.buf.add(at as usize + 2).cast(), max, src as *const _)
        };
        self.str_done(at, n, max);
    }

    /// A NUL-terminated string from kernel memory, at most `max` bytes (NUL included).
    #[inline(always)]
    pub fn kernel_str(&mut self, src: u64, max: u32) {
        let Some(at) = self.slot() else { return };
        let max = if max > MAX_STR as u32 {
            MAX_STR as u32
        } else {
            max
        };
        // SAFETY: as above.
        let n = unsafe {
            bpf_probe_read_kernel_str(self.buf.add(at as usize + 2).cast(), max, src as *const _)
        };
        self.str_done(at, n, max);
    }

    #[inline(always)]
    fn str_done(&mut self, at: u32, n: i64, max: u32) {
        if n <= 0 {
            self.flags |= flags::UNREADABLE;
            self.close(at, 0);
            return;
        }
        // A string that filled the whole buffer was (almost certainly) cut.
        if n as u32 >= max {
            self.flags |= flags::STR_TRUNCATED;
        }
        self.close(at, n as u32 - 1);
    }

    /// `len` bytes of user memory (`len` is clamped to `MAX_STR - 1`).
    #[inline(always)]
    pub fn user_bytes(&mut self, src: u64, len: u32) -> bool {
        let Some(at) = self.slot() else { return false };
        if src == 0 || len == 0 {
            self.close(at, 0);
            return false;
        }
        let len = len & (MAX_STR as u32 - 1);
        // SAFETY: as above.
        let r = unsafe {
            bpf_probe_read_user(self.buf.add(at as usize + 2).cast(), len, src as *const _)
        };
        if r < 0 {
            self.flags |= flags::UNREADABLE;
            self.close(at, 0);
            return false;
        }
        self.close(at, len);
        true
    }

    /// An iovec array of `cnt` entries at `iov` (readv, writev, …): the sum of the lengths of
    /// its first [`MAX_IOV`] entries as a `u64`, then the first `Config::snaplen` bytes of the
    /// data of its first [`GATHER`] buffers, one after the other (Falco's drivers gather from
    /// every buffer; a few keep the verifier's work small).
    #[inline(always)]
    pub fn user_iovecs(&mut self, iov: u64, cnt: u64) {
        let mut total: u64 = 0;
        let mut bufs = [[0u64; 2]; GATHER];
        let mut i: u32 = 0;
        while i < MAX_IOV {
            if i as u64 >= cnt {
                break;
            }
            // struct iovec { void *iov_base; size_t iov_len; }
            let mut e = [0u64; 2];
            // SAFETY: reads 16 bytes of user memory into the stack.
            let r = unsafe {
                bpf_probe_read_user(e.as_mut_ptr().cast(), 16, (iov + 16 * i as u64) as *const _)
            };
            if r < 0 {
                self.flags |= flags::UNREADABLE;
                break;
            }
            if (i as usize) < GATHER {
                bufs[i as usize & (GATHER - 1)] = e;
            }
            total = total.wrapping_add(e[1]);
            i += 1;
        }
        // The slot is taken after the loop, so that its offset's bounds reach the writes.
        let Some(at) = self.slot() else { return };
        // SAFETY: `at` < HALF.
        unsafe { core::ptr::write_unaligned(self.buf.add(at as usize + 2).cast::<u64>(), total) };
        // Offsets and lengths are masked below MAX_STR; the snaplen keeps them below it anyway.
        const MASK: u32 = MAX_STR as u32 - 1;
        let snaplen = cfg().snaplen & MASK;
        let mut copied: u32 = 0;
        for b in bufs {
            let room = snaplen - (copied & MASK).min(snaplen);
            let n = if b[1] < room as u64 {
                b[1] as u32
            } else {
                room
            };
            if b[0] == 0 || n == 0 {
                break;
            }
            // SAFETY: `at` < HALF, and offset and length are each below MAX_STR: the write
            // ends inside the scratch buffer (HALF + 10 + 2 * MAX_STR < SCRATCH_BYTES).
            let r = unsafe {
                bpf_probe_read_user(
                    self.buf
                        .add(at as usize + 10 + (copied & MASK) as usize)
                        .cast(),
                    n & MASK,
                    b[0] as *const _,
                )
            };
            if r < 0 {
                self.flags |= flags::UNREADABLE;
                break;
            }
            copied = (copied & MASK) + (n & MASK);
        }
        self.close(at, 8 + (copied & MASK));
    }
}

/// Buffers of an iovec array whose data [`Writer::user_iovecs`] gathers (a power of two).
const GATHER: usize = 4;

// The gather's writes (a blob start below HALF, then offset and length each below MAX_STR) end
// before the spare area.
const _: () = assert!(SCRATCH_HALF + 10 + 2 * MAX_STR < SCRATCH_BYTES - SPARE_BYTES);

/// Most iovec entries [`Writer::user_iovecs`] adds up (Falco's drivers stop at 32 too).
pub const MAX_IOV: u32 = 32;

/// Counts one record the ring had no room for.
#[inline(always)]
pub fn count_drop(slot: u32) {
    if let Some(p) = DROPS.get_ptr_mut(slot) {
        // SAFETY: per-CPU value, only this CPU writes it while we run.
        unsafe { *p += 1 };
    }
}
