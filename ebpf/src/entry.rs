//! `sys_enter`: copies the arguments of syscalls whose spec says `AT_ENTRY` into the thread's
//! entry slot, before the kernel reads them.
//!
//! Reading a path or socket address only at `sys_exit` lets a racing thread rewrite the buffer
//! after the kernel used it, so that the record names another file or peer than the one the
//! call touched (TOCTOU). `sys_exit` uses this copy instead of reading again; with
//! `--detect-arg-changes` it reads again and flags the record when the process's memory held
//! something else by then (see `syscalls.rs`). Everything outside the entry bitmap returns
//! after the first test.
//!
//! The hook itself costs every syscall about 30 ns on a 2026 VM (`just bench-capture`, floor2
//! against floor), whatever the bitmap says. Hooks that only the copied syscalls would pay for
//! were tried and are refused in the sandbox this was built in: fentry on `__x64_sys_openat`
//! (`BPF_PROG_LOAD`: EPERM) and the per-syscall tracepoints `syscalls:sys_enter_openat`
//! (`bpf_link_create`: EACCES). `--no-entry-copies` takes the hook away.

use aya_ebpf::{
    helpers::generated::{bpf_get_current_pid_tgid, bpf_probe_read_kernel},
    macros::{btf_tracepoint, raw_tracepoint},
    programs::{BtfTracePointContext, RawTracePointContext},
};
use rtsec_ebpf_common::{
    MAX_SYSCALLS,
    spec::{self, arg},
};

use crate::config::entry_copied;
use crate::emit::EntryWriter;
use crate::maps::{ENTRY, SCRATCH};
use crate::syscalls::{ARG_REGS, read_arg, wanted};

/// BTF-typed variant: `sys_enter(struct pt_regs *regs, long id)`.
#[btf_tracepoint(function = "sys_enter")]
pub fn rtsec_sys_enter(ctx: BtfTracePointContext) -> i32 {
    let nr: u64 = ctx.arg(1);
    if !entry_copied(nr) {
        return 0;
    }
    let regs: *const u64 = ctx.arg(0);
    let mut args = [0u64; 6];
    for (a, &r) in args.iter_mut().zip(ARG_REGS.iter()) {
        // SAFETY: a checked load from the BTF pointer.
        *a = unsafe { *regs.add(r) };
    }
    on_enter(nr as u16, &args);
    0
}

/// Plain raw-tracepoint variant, for kernels where `tp_btf` cannot attach.
#[raw_tracepoint(tracepoint = "sys_enter")]
pub fn rtsec_sys_enter_raw(ctx: RawTracePointContext) -> i32 {
    let nr: u64 = ctx.arg(1);
    if !entry_copied(nr) {
        return 0;
    }
    let regs: u64 = ctx.arg(0);
    let Some(spare) = SCRATCH.get_ptr_mut(0) else {
        return 0;
    };
    let spare = spare.cast::<u64>();
    let mut args = [0u64; 6];
    // SAFETY: 168 bytes of saved registers into scratch, then copied out.
    unsafe {
        bpf_probe_read_kernel(spare.cast(), 168, regs as *const _);
        for (a, &r) in args.iter_mut().zip(ARG_REGS.iter()) {
            *a = *spare.add(r);
        }
    }
    on_enter(nr as u16, &args);
    0
}

#[inline(always)]
fn on_enter(nr: u16, args: &[u64; 6]) {
    // SAFETY: plain helper call.
    let tgid = (unsafe { bpf_get_current_pid_tgid() } >> 32) as u32;
    if !wanted(tgid) {
        return;
    }
    let slot = ENTRY.current(true);
    if slot.is_null() {
        return; // no memory: sys_exit reads at exit, as without an entry copy
    }
    // SAFETY: a valid task-storage value of the current task; only this task's programs touch
    // it, and never two at once (a thread is in one syscall at a time).
    let slot = unsafe { &mut *slot };
    slot.nr = 0;
    let mut w = EntryWriter::over(slot.data.as_mut_ptr());
    let sp = spec::SPECS[nr as usize & (MAX_SYSCALLS - 1)];
    for i in 0..6 {
        let k = spec::arg_kind(sp, i);
        if k == arg::NONE {
            continue;
        }
        let next = if i < 5 { args[i + 1] } else { 0 };
        read_arg(&mut w, k, args[i], next, args[0], 0);
        w.forget_state((&raw mut slot.len).cast());
    }
    let (len, flags) = w.done();
    slot.len = len;
    slot.flags = flags as u32;
    slot.nr = nr as u32 + 1;
}
