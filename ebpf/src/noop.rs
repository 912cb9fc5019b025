//! Programs that do nothing: benchmarks attach them in place of the real probe to measure the
//! cost of the hooks themselves (the floor).

use aya_ebpf::{
    macros::{btf_tracepoint, raw_tracepoint},
    programs::{BtfTracePointContext, RawTracePointContext},
};

#[btf_tracepoint(function = "sys_exit")]
pub fn rtsec_noop_sys_exit(_ctx: BtfTracePointContext) -> i32 {
    0
}

#[raw_tracepoint(tracepoint = "sys_exit")]
pub fn rtsec_noop_sys_exit_raw(_ctx: RawTracePointContext) -> i32 {
    0
}

#[btf_tracepoint(function = "sys_enter")]
pub fn rtsec_noop_sys_enter(_ctx: BtfTracePointContext) -> i32 {
    0
}

#[raw_tracepoint(tracepoint = "sys_enter")]
pub fn rtsec_noop_sys_enter_raw(_ctx: RawTracePointContext) -> i32 {
    0
}
