//! Reading kernel structs through the BTF offsets the loader passed in.
//!
//! A missing offset (the field does not exist on this kernel) or a failed read yields the
//! type's default; the loader has already told the user what that loses.

use aya_ebpf::helpers::generated::bpf_probe_read_kernel;
use rtsec_ebpf_common::{CGROUP_SUBSYS, Offsets, TaskRec};

use crate::config::{cfg, has, off};

/// Reads a `T` at `base + o` (default if `o` is missing, `base` is null or the read fails).
#[inline(always)]
pub fn rd<T: Copy + Default>(base: u64, o: u32) -> T {
    if !has(o) || base == 0 {
        return T::default();
    }
    let mut v = T::default();
    // SAFETY: bpf_probe_read_kernel checks the source; the destination is our stack.
    let r = unsafe {
        bpf_probe_read_kernel(
            (&raw mut v).cast(),
            core::mem::size_of::<T>() as u32,
            (base + o as u64) as *const _,
        )
    };
    if r < 0 { T::default() } else { v }
}

/// Reads a pointer field.
#[inline(always)]
pub fn ptr(base: u64, o: u32) -> u64 {
    rd::<u64>(base, o)
}

const PF_KTHREAD: u32 = 0x0020_0000;
const PIDTYPE_PGID: u64 = 2;
const PIDTYPE_SID: u64 = 3;
const RLIMIT_NOFILE: u64 = 7;
/// `sizeof(struct rlimit)`.
const RLIMIT_SIZE: u64 = 16;

#[inline(always)]
pub fn is_kthread(task: u64) -> bool {
    rd::<u32>(task, off().task_flags) & PF_KTHREAD != 0
}

#[inline(always)]
pub fn tgid(task: u64) -> u32 {
    rd::<u32>(task, off().task_tgid)
}

#[inline(always)]
pub fn tid(task: u64) -> u32 {
    rd::<u32>(task, off().task_pid)
}

/// The pid number of `struct pid *p` at namespace level `level`.
#[inline(always)]
fn pid_nr_at(p: u64, level: u32) -> u32 {
    let o = off();
    if p == 0 || !has(o.pid_numbers) || !has(o.upid_size) {
        return 0;
    }
    let at = o.pid_numbers as u64 + (level as u64 & 31) * o.upid_size as u64;
    rd::<u32>(p + at, 0)
}

/// The `struct pid_namespace *` of `struct pid *p` at namespace level `level`.
#[inline(always)]
fn pid_ns_at(p: u64, level: u32) -> u64 {
    let o = off();
    if p == 0 || !has(o.pid_numbers) || !has(o.upid_size) || !has(o.upid_ns) {
        return 0;
    }
    let at = o.pid_numbers as u64 + (level as u64 & 31) * o.upid_size as u64;
    ptr(p + at, o.upid_ns)
}

/// (level, number in the task's own namespace) of `struct pid *p`.
#[inline(always)]
fn pid_local(p: u64) -> (u32, u32) {
    let level = rd::<u32>(p, off().pid_level);
    (level, pid_nr_at(p, level))
}

/// The kernfs ids of the cgroups `css_set->subsys[ssid]` points at, for every subsystem the
/// loader asked for (the v1 hierarchies).
#[inline(always)]
pub fn cgroup_v1_ids(task: u64, out: &mut [u64; CGROUP_SUBSYS]) {
    let o = off();
    let mask = cfg().v1_subsys;
    if mask == 0 || !has(o.css_set_subsys) {
        return;
    }
    let cset = ptr(task, o.task_cgroups);
    for (ssid, id) in out.iter_mut().enumerate() {
        if mask & (1 << ssid) == 0 {
            continue;
        }
        let css = ptr(cset, o.css_set_subsys + ssid as u32 * 8);
        let cgrp = ptr(css, o.css_cgroup);
        let kn = ptr(cgrp, o.cgroup_kn);
        *id = rd::<u64>(kn, o.kn_id);
    }
}

#[inline(always)]
pub fn cgroup_v2_id(task: u64) -> u64 {
    let o = off();
    let cset = ptr(task, o.task_cgroups);
    let cgrp = ptr(cset, o.css_set_dfl_cgrp);
    let kn = ptr(cgrp, o.cgroup_kn);
    rd::<u64>(kn, o.kn_id)
}

/// Fills the identity fields of a [`TaskRec`] every fork and exec record carries.
#[inline(always)]
pub fn fill_task(task: u64, r: &mut TaskRec) {
    let o: &Offsets = off();
    let leader = ptr(task, o.task_group_leader);
    let parent = ptr(task, o.task_real_parent);
    r.ppid = tgid(parent);

    let tpid = ptr(task, o.task_thread_pid);
    let (level, vtid) = pid_local(tpid);
    r.vtid = vtid;
    r.pidns_level = level as u16;
    // The init of the task's pid namespace: its start is Falco's container.start_ts.
    let reaper = ptr(pid_ns_at(tpid, level), o.pidns_child_reaper);
    r.pidns_init_start = rd(reaper, o.task_start_boottime);
    let lpid = ptr(leader, o.task_thread_pid);
    r.vpid = pid_nr_at(lpid, level);

    let cred = ptr(task, o.task_cred);
    r.uid = rd(cred, o.cred_uid);
    r.gid = rd(cred, o.cred_gid);
    r.euid = rd(cred, o.cred_euid);
    r.egid = rd(cred, o.cred_egid);
    r.cap_inheritable = rd(cred, o.cred_cap_inheritable);
    r.cap_permitted = rd(cred, o.cred_cap_permitted);
    r.cap_effective = rd(cred, o.cred_cap_effective);
    r.loginuid = if has(o.task_loginuid) {
        rd(task, o.task_loginuid)
    } else {
        u32::MAX
    };

    let signal = ptr(task, o.task_signal);
    if has(o.signal_pids) {
        let sidp = ptr(signal, o.signal_pids + (PIDTYPE_SID * 8) as u32);
        let pgp = ptr(signal, o.signal_pids + (PIDTYPE_PGID * 8) as u32);
        r.sid = pid_nr_at(sidp, 0);
        r.pgid = pid_nr_at(pgp, 0);
    }
    if has(o.signal_rlim) {
        r.fdlimit = rd(signal, o.signal_rlim + (RLIMIT_NOFILE * RLIMIT_SIZE) as u32);
    }
    let tty = ptr(signal, o.signal_tty);
    if tty != 0 {
        let drv = ptr(tty, o.tty_driver);
        let index: i32 = rd(tty, o.tty_index);
        let major: i32 = rd(drv, o.tty_driver_major);
        let minor_start: i32 = rd(drv, o.tty_driver_minor_start);
        let minor = (minor_start + index) as u32;
        // new_encode_dev(), as /proc/PID/stat reports tty_nr.
        r.tty = (minor & 0xff) | ((major as u32 & 0xfff) << 8) | ((minor & !0xff) << 12);
    }
    r.start_boottime = rd(task, o.task_start_boottime);
    cgroup_v1_ids(task, &mut r.cgroup_v1);
    if has(o.task_comm) {
        r.comm = rd(task, o.task_comm);
    }
}
