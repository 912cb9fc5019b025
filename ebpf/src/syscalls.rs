//! `sys_exit`: one record per completed syscall in the recorded set.
//!
//! Arguments are read at exit from the saved user registers (exit-only events, DESIGN.md
//! decision 3). For syscalls whose spec says `AT_ENTRY`, `entry.rs` has also copied them at
//! `sys_enter`: the record then carries that copy, and says so when the exit-time read differs
//! (another thread rewrote the buffer while the call ran). The first instructions test the
//! syscall bitmap: anything outside the set returns at once.

use aya_ebpf::{
    helpers::generated::{
        bpf_get_current_cgroup_id, bpf_get_current_pid_tgid, bpf_ktime_get_boot_ns,
        bpf_probe_read_kernel, bpf_probe_read_user,
    },
    macros::{btf_tracepoint, raw_tracepoint},
    programs::{BtfTracePointContext, RawTracePointContext},
};
use rtsec_ebpf_common::{
    ENTRY_MAX_LEN, EntrySlot, FileId, MAX_STR, SockTuple, SyscallRec,
    record::{flags, kind},
    spec::{self, arg, extra},
};

use crate::config::{cfg, recorded};
use crate::emit::{Rec, Writer};
use crate::maps::{ENTRY, PIDS};
use crate::sock;

/// Index of `orig_ax` (the syscall number) in x86_64 `struct pt_regs`, in u64 words.
const ORIG_AX: usize = 15;
/// Offsets of the argument registers di, si, dx, r10, r8, r9 in `struct pt_regs`.
pub const ARG_REGS: [usize; 6] = [14, 13, 12, 7, 9, 8];
/// Longest socket address read (`sizeof(struct sockaddr_storage)`).
const MAX_SOCKADDR: u32 = 128;

/// BTF-typed variant: the syscall number is a direct load from `regs`, no helper call.
#[btf_tracepoint(function = "sys_exit")]
pub fn rtsec_sys_exit(ctx: BtfTracePointContext) -> i32 {
    let regs: *const u64 = ctx.arg(0);
    // SAFETY: the verifier turns loads from a BTF pointer into checked loads.
    let nr = unsafe { *regs.add(ORIG_AX) };
    if !recorded(nr) {
        return 0;
    }
    let ret: i64 = ctx.arg(1);
    on_exit(nr as u16, Regs::Btf(regs), ret);
    0
}

/// Plain raw-tracepoint variant, for kernels where `tp_btf` cannot attach.
#[raw_tracepoint(tracepoint = "sys_exit")]
pub fn rtsec_sys_exit_raw(ctx: RawTracePointContext) -> i32 {
    let regs: u64 = ctx.arg(0);
    let mut nr: u64 = u64::MAX;
    // SAFETY: reads 8 bytes of the saved registers into the stack.
    unsafe {
        bpf_probe_read_kernel(
            (&raw mut nr).cast(),
            8,
            (regs + (ORIG_AX * 8) as u64) as *const _,
        )
    };
    if !recorded(nr) {
        return 0;
    }
    let ret: i64 = ctx.arg(1);
    on_exit(nr as u16, Regs::Raw(regs), ret);
    0
}

/// Where the saved user registers are, and how they may be read.
#[derive(Clone, Copy)]
enum Regs {
    /// A BTF-typed pointer: direct (verifier-checked) loads.
    Btf(*const u64),
    /// An untyped address: `bpf_probe_read_kernel`.
    Raw(u64),
}

/// Copies the six argument registers into `out`; `spare` is scratch space for the raw case.
#[inline(always)]
fn load_args(regs: Regs, out: &mut [u64; 6], spare: *mut u64) {
    match regs {
        Regs::Btf(p) => {
            for (arg, &reg) in out.iter_mut().zip(ARG_REGS.iter()) {
                // SAFETY: a checked load from the BTF pointer.
                *arg = unsafe { *p.add(reg) };
            }
        }
        Regs::Raw(p) => {
            // SAFETY: 168 bytes of saved registers into scratch, then copied out.
            unsafe {
                bpf_probe_read_kernel(spare.cast(), 168, p as *const _);
                for (arg, &reg) in out.iter_mut().zip(ARG_REGS.iter()) {
                    *arg = *spare.add(reg);
                }
            }
        }
    }
}

/// True if the current thread group is one we record.
#[inline(always)]
pub fn wanted(tgid: u32) -> bool {
    let c = cfg();
    if tgid == c.self_tgid {
        return false;
    }
    // SAFETY: lookup only.
    c.filter_pids == 0 || unsafe { PIDS.get(tgid).is_some() }
}

#[inline(always)]
fn on_exit(nr: u16, regs: Regs, ret: i64) {
    // SAFETY: plain helper calls.
    let pid_tgid = unsafe { bpf_get_current_pid_tgid() };
    let tgid = (pid_tgid >> 32) as u32;
    if !wanted(tgid) {
        return;
    }
    let Some((mut rec, fixed)) = Rec::begin::<SyscallRec>() else {
        return;
    };
    // SAFETY: `fixed` points at the zeroed fixed part in scratch.
    let args = unsafe {
        let f = &mut *fixed;
        // SAFETY: plain helper calls.
        f.hdr.ts = bpf_ktime_get_boot_ns();
        f.hdr.tid = pid_tgid as u32;
        f.hdr.pid = tgid;
        f.hdr.cgroup = bpf_get_current_cgroup_id();
        f.hdr.kind = kind::SYSCALL;
        f.hdr.nr = nr;
        f.res = ret;
        load_args(regs, &mut f.args, rec.spare().cast::<u64>());
        &f.args
    };
    let sp = spec::SPECS[nr as usize & (rtsec_ebpf_common::MAX_SYSCALLS - 1)];
    if sp != 0 {
        let ex = spec::extras(sp);
        let read_args = ex & extra::ONLY_ON_FAILURE == 0 || ret < 0;
        // The entry copy is what the kernel read; reading again at exit only serves to flag a
        // change (`--detect-arg-changes`), and costs about 60 ns per call.
        let copied = ex & extra::AT_ENTRY != 0
            && read_args
            && cfg().verify_entry == 0
            && take_entry_copy(&mut rec, nr);
        for i in 0..6 {
            if copied {
                break;
            }
            let k = spec::arg_kind(sp, i);
            if k == arg::NONE {
                continue;
            }
            if read_args && i == 1 && k == arg::IOVEC {
                // Only ever argument 1, and only here: the gather loop stays out of the entry
                // program and out of the other argument positions, which keeps the verifier's
                // work small.
                if ret < 0 || args[1] == 0 {
                    rec.empty();
                } else {
                    rec.user_iovecs(args[1], args[2]);
                }
            } else if read_args {
                let next = if i < 5 { args[i + 1] } else { 0 };
                read_arg(&mut rec, k, args[i], next, args[0], ret);
            } else {
                rec.empty();
            }
            let cell = rec.spare().cast();
            rec.forget_state(cell);
        }
        if ex & extra::AT_ENTRY != 0 && !copied {
            use_entry_copy(&mut rec, nr, read_args);
        }
        if ex & extra::TUPLE_ARG0 != 0 {
            if ret >= 0 || ret == spec::EINPROGRESS {
                if let Some(t) = rec.alloc::<SockTuple>() {
                    sock::tuple(t, args[0] as i64);
                }
            } else {
                rec.empty();
            }
        }
        if ex & extra::TUPLE_RES != 0 {
            if ret >= 0 {
                if let Some(t) = rec.alloc::<SockTuple>() {
                    sock::tuple(t, ret);
                }
            } else {
                rec.empty();
            }
        }
        if ex & extra::FILE_RES != 0 {
            // Only an open that may create a file pays for the walk to its `struct file`.
            if ret >= 0 && may_create(nr, args) && sock::created(ret) {
                rec.flag(flags::FILE_CREATED);
            }
            if ret >= 0 && cfg().file_ids != 0 {
                if let Some(f) = rec.alloc::<FileId>() {
                    sock::file_id(f, ret);
                }
            } else {
                rec.empty();
            }
        }
        if ex & extra::MSG_DATA != 0 {
            msg_data(&mut rec, args[1], ret);
        }
    }
    rec.send(nr as u32);
}

/// The data blob of a sendmsg or recvmsg (`extra::MSG_DATA`): its message's iovec array.
#[inline(always)]
fn msg_data(rec: &mut Rec, msg: u64, ret: i64) {
    if ret < 0 || msg == 0 {
        rec.empty();
        return;
    }
    // struct user_msghdr { void *msg_name; int msg_namelen; struct iovec *msg_iov;
    // size_t msg_iovlen; ... }: msg_iov and msg_iovlen are at bytes 16..32.
    let mut h = [0u64; 2];
    // SAFETY: reads 16 bytes of user memory into the stack.
    let r = unsafe { bpf_probe_read_user(h.as_mut_ptr().cast(), 16, (msg + 16) as *const _) };
    if r < 0 || h[0] == 0 {
        rec.empty();
        return;
    }
    rec.user_iovecs(h[0], h[1]);
}

/// `O_CREAT` (x86_64).
const O_CREAT: u64 = 0o100;

/// Whether open-family syscall `nr` with `args` may create its file: `creat`, `open` and
/// `openat` with `O_CREAT`, and `openat2` (its flags are behind a pointer; it is rare).
#[inline(always)]
fn may_create(nr: u16, args: &[u64; 6]) -> bool {
    match nr {
        85 | 437 => true,
        2 => args[1] & O_CREAT != 0,
        257 => args[2] & O_CREAT != 0,
        _ => false,
    }
}

/// 8-byte words compared, at most, between an entry copy and the exit-time read.
const MAX_WORDS: u32 = (ENTRY_MAX_LEN / 8) as u32;

/// Swaps the exit-time argument blobs of `rec` (everything after the fixed part) for the
/// thread's entry copy of syscall `nr`, when there is one: identical bytes stay as they are;
/// different ones are replaced and the record flagged `ARG_CHANGED`. An entry copy that could
/// not be read leaves the exit-time read in place, flagged `ENTRY_UNREADABLE`.
#[inline(always)]
fn use_entry_copy(rec: &mut Rec, nr: u16, read_args: bool) {
    let slot = ENTRY.current(false);
    if slot.is_null() {
        return;
    }
    // SAFETY: the current task's storage value; see entry.rs.
    let slot: &mut EntrySlot = unsafe { &mut *slot };
    if slot.nr != nr as u32 + 1 {
        return; // the call began before the probe was attached
    }
    slot.nr = 0;
    if !read_args {
        return; // a successful exec: its record carries the kernel's own copy
    }
    if slot.flags as u16 & flags::UNREADABLE != 0 {
        rec.flag(flags::ENTRY_UNREADABLE);
        return;
    }
    const START: u32 = core::mem::size_of::<SyscallRec>() as u32;
    let n = rec.off().wrapping_sub(START);
    let m = slot.len;
    if m as usize > ENTRY_MAX_LEN {
        return;
    }
    let buf = rec.raw(START as usize);
    let data = slot.data.as_ptr();
    if n == m && same(buf, data, m) {
        return;
    }
    // SAFETY: `m` is bounded above; the record area after the fixed part holds it.
    unsafe { bpf_probe_read_kernel(buf.cast(), m, data.cast()) };
    rec.skip_to(START + m);
    rec.set_flags(slot.flags as u16 | flags::ARG_CHANGED);
}

/// Puts the thread's entry copy of syscall `nr`'s arguments into `rec` as its argument blobs,
/// instead of reading them again at exit; false if there is no usable copy.
#[inline(always)]
fn take_entry_copy(rec: &mut Rec, nr: u16) -> bool {
    let slot = ENTRY.current(false);
    if slot.is_null() {
        return false;
    }
    // SAFETY: the current task's storage value; see entry.rs.
    let slot: &mut EntrySlot = unsafe { &mut *slot };
    if slot.nr != nr as u32 + 1 || slot.flags as u16 & flags::UNREADABLE != 0 {
        return false;
    }
    const START: u32 = core::mem::size_of::<SyscallRec>() as u32;
    let m = slot.len;
    if m as usize > ENTRY_MAX_LEN {
        return false;
    }
    slot.nr = 0;
    let buf = rec.raw(START as usize);
    // SAFETY: `m` is bounded above; the record area after the fixed part holds it.
    unsafe { bpf_probe_read_kernel(buf.cast(), m, slot.data.as_ptr().cast()) };
    rec.skip_to(START + m);
    rec.set_flags(slot.flags as u16);
    true
}

/// True if the first `len` bytes at `a` (the record) and `b` (an entry copy) are equal; both
/// are 8-byte aligned and hold `ENTRY_MAX_LEN + 8` bytes, `len` is at most `ENTRY_MAX_LEN`.
#[inline(always)]
fn same(a: *const u8, b: *const u8, len: u32) -> bool {
    let (a, b) = (a.cast::<u64>(), b.cast::<u64>());
    let words = len >> 3;
    let mut i = 0;
    while i < MAX_WORDS {
        if i >= words {
            break;
        }
        // SAFETY: both buffers hold these words (see above).
        if unsafe { *a.add(i as usize) != *b.add(i as usize) } {
            return false;
        }
        i += 1;
    }
    let tail = len & 7;
    if tail == 0 {
        return true;
    }
    // The last partial word: compare only its first `tail` bytes (little-endian).
    // SAFETY: as above.
    let (x, y) = unsafe { (*a.add(words as usize), *b.add(words as usize)) };
    let mask = (1u64 << (tail * 8)) - 1;
    x & mask == y & mask
}

/// Reads one argument of kind `k` (`next` is the following argument, `a0` the first).
#[inline(always)]
pub fn read_arg<const H: u32, const L: u32>(
    rec: &mut Writer<H, L>,
    k: u8,
    v: u64,
    next: u64,
    a0: u64,
    ret: i64,
) {
    match k {
        arg::STR => rec.user_str(v, MAX_STR as u32),
        arg::SOCKADDR => {
            let len = if next > MAX_SOCKADDR as u64 {
                MAX_SOCKADDR
            } else {
                next as u32
            };
            rec.user_bytes(v, len);
        }
        arg::SOCKADDR_OUT => {
            if ret < 0 || v == 0 || next == 0 {
                rec.empty();
                return;
            }
            let len = read_user_u32(next);
            let len = if len > MAX_SOCKADDR {
                MAX_SOCKADDR
            } else {
                len
            };
            rec.user_bytes(v, len);
        }
        arg::FD_PAIR => {
            if ret < 0 {
                rec.empty();
            } else {
                rec.user_bytes(v, 8);
            }
        }
        arg::MSGHDR => {
            // struct user_msghdr { void *msg_name; int msg_namelen; ... }
            let mut h = [0u64; 2];
            // SAFETY: reads 16 bytes of user memory into the stack.
            let r = unsafe { bpf_probe_read_user(h.as_mut_ptr().cast(), 16, v as *const _) };
            if r < 0 || h[0] == 0 {
                rec.empty();
                return;
            }
            let len = h[1] as u32;
            let len = if len > MAX_SOCKADDR {
                MAX_SOCKADDR
            } else {
                len
            };
            rec.user_bytes(h[0], len);
        }
        arg::DATA => {
            // The decoder cuts the copy to the call's result (at entry, `ret` is 0).
            let snaplen = cfg().snaplen;
            let len = if next > snaplen as u64 {
                snaplen
            } else {
                next as u32
            };
            if ret < 0 || v == 0 || len == 0 {
                rec.empty();
            } else {
                rec.user_bytes(v, len);
            }
        }
        arg::RAW32 => {
            if v == 0 {
                rec.empty();
            } else {
                rec.user_bytes(v, 32);
            }
        }
        arg::PRCTL_NAME => {
            if a0 == spec::PR_SET_NAME {
                rec.user_str(v, 16);
            } else {
                rec.empty();
            }
        }
        _ => rec.empty(),
    }
}

#[inline(always)]
fn read_user_u32(p: u64) -> u32 {
    let mut v: u32 = 0;
    // SAFETY: reads 4 bytes of user memory into the stack.
    unsafe { bpf_probe_read_user((&raw mut v).cast(), 4, p as *const _) };
    v
}
