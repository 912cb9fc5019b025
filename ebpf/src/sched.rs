//! The process lifecycle: `sched_process_fork`, `sched_process_exec`, `sched_process_exit`.
//!
//! Fork and exec records carry the task's identity (ids, credentials, capabilities, tty,
//! cgroups, namespace pids); exec adds the filename, argv, the environment and the executable's
//! path, which the probe builds by walking dentries and mounts up to the task's root (leaf
//! first).

use aya_ebpf::{
    helpers::generated::{
        bpf_get_current_pid_tgid, bpf_ktime_get_boot_ns, bpf_probe_read_kernel_str,
    },
    macros::raw_tracepoint,
    programs::RawTracePointContext,
};
use rtsec_ebpf_common::{
    ExitRec, MAX_ARGV_BYTES, MAX_ENV_BYTES, MAX_PATH_COMPONENTS, MAX_STR, MAX_SYSCALLS, TaskRec,
    record::{flags, kind},
};

use crate::config::{cfg, has, off};
use crate::emit::Rec;
use crate::kread::{cgroup_v2_id, fill_task, is_kthread, ptr, rd, tgid, tid};
use crate::maps::PIDS;
use crate::syscalls::wanted;

const OVERLAYFS_SUPER_MAGIC: u64 = 0x794c_7630;
const EXE_WRITABLE: u32 = 1;
const EXE_UPPER_LAYER: u32 = 2;
const EXE_FROM_MEMFD: u32 = 4;
const EXE_LOWER_LAYER: u32 = 8;
/// Longest path component (`NAME_MAX` + NUL).
const MAX_NAME: u32 = 256;
/// Bytes per executable-path slot: a `u16` length and up to `MAX_NAME` bytes.
const EXE_SLOT: usize = rtsec_ebpf_common::EXE_SLOT;

#[inline(always)]
fn now() -> u64 {
    // SAFETY: plain helper call.
    unsafe { bpf_ktime_get_boot_ns() }
}

/// `sched_process_fork(struct task_struct *parent, struct task_struct *child)`.
#[raw_tracepoint(tracepoint = "sched_process_fork")]
pub fn rtsec_fork(ctx: RawTracePointContext) -> i32 {
    let child: u64 = ctx.arg(1);
    if is_kthread(child) {
        return 0;
    }
    let child_tgid = tgid(child);
    let c = cfg();
    if child_tgid == c.self_tgid {
        return 0; // rtsec's own threads
    }
    // SAFETY: plain helper call.
    let pid_tgid = unsafe { bpf_get_current_pid_tgid() };
    let parent_tgid = (pid_tgid >> 32) as u32;
    if c.filter_pids != 0 {
        // SAFETY: lookup and insert of plain integers.
        unsafe {
            if PIDS.get(parent_tgid).is_none() {
                return 0;
            }
            let _ = PIDS.insert(child_tgid, 1, 0);
        }
    }
    let Some((mut rec, r)) = Rec::begin::<TaskRec>() else {
        return 0;
    };
    // SAFETY: `r` points at the zeroed fixed part in scratch.
    let r = unsafe { &mut *r };
    r.hdr.ts = now();
    r.hdr.tid = tid(child);
    r.hdr.pid = child_tgid;
    r.hdr.cgroup = cgroup_v2_id(child);
    r.hdr.kind = kind::FORK;
    r.parent_tid = pid_tgid as u32;
    fill_task(child, r);
    // A new task runs the argv its creator has now, which a daemon may have rewritten since
    // its exec (`sshd: root@pts/0`), and libsinsp shows it with that: a process (whose memory
    // is a copy of its parent's, the one this reads) and a thread (which shares it) alike.
    argv(&mut rec, child);
    rec.send(MAX_SYSCALLS as u32 + kind::FORK as u32);
    0
}

/// `sched_process_exec(struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)`.
#[raw_tracepoint(tracepoint = "sched_process_exec")]
pub fn rtsec_exec(ctx: RawTracePointContext) -> i32 {
    let task: u64 = ctx.arg(0);
    let bprm: u64 = ctx.arg(2);
    let pid = tgid(task);
    if !wanted(pid) {
        return 0;
    }
    let o = off();
    let Some((mut rec, r)) = Rec::begin::<TaskRec>() else {
        return 0;
    };
    // SAFETY: `r` points at the zeroed fixed part in scratch.
    let r = unsafe { &mut *r };
    r.hdr.ts = now();
    r.hdr.tid = tid(task);
    r.hdr.pid = pid;
    r.hdr.cgroup = cgroup_v2_id(task);
    r.hdr.kind = kind::EXEC;
    fill_task(task, r);
    let file = ptr(bprm, o.bprm_file);
    let dentry = ptr(file, o.file_path + o.path_dentry);
    let inode = ptr(file, o.file_inode);
    r.exe_ino = rd(inode, o.inode_ino);
    r.exe_ctime = rd::<u64>(inode, o.inode_ctime_sec).wrapping_mul(1_000_000_000);
    r.exe_mtime = rd::<u64>(inode, o.inode_mtime_sec).wrapping_mul(1_000_000_000);
    r.exe_flags = exe_flags(dentry, inode) | exe_writable(task, inode);

    let parts = exe_path(&mut rec, task, file);
    r.exepath_parts = parts;
    rec.skip_to((core::mem::size_of::<TaskRec>() + parts as usize * EXE_SLOT) as u32);
    rec.kernel_str(ptr(bprm, o.bprm_filename), MAX_STR as u32);

    argv(&mut rec, task);

    let mm = ptr(task, o.task_mm);
    let start: u64 = rd(mm, o.mm_env_start);
    let end: u64 = rd(mm, o.mm_env_end);
    let mut len = end.wrapping_sub(start);
    if len > MAX_ENV_BYTES as u64 {
        rec.flag(flags::ENV_TRUNCATED);
        len = MAX_ENV_BYTES as u64 - 1;
    }
    rec.user_bytes(start, len as u32);

    rec.send(MAX_SYSCALLS as u32 + kind::EXEC as u32);
    0
}

/// The blob of `task`'s argv area as the current task's memory holds it, cut (and flagged) at
/// `MAX_ARGV_BYTES`.
#[inline(always)]
fn argv(rec: &mut Rec, task: u64) {
    let mm = ptr(task, off().task_mm);
    let start: u64 = rd(mm, off().mm_arg_start);
    let end: u64 = rd(mm, off().mm_arg_end);
    let mut len = end.wrapping_sub(start);
    if len > MAX_ARGV_BYTES as u64 {
        rec.flag(flags::ARGV_TRUNCATED);
        len = MAX_ARGV_BYTES as u64 - 1;
    }
    rec.user_bytes(start, len as u32);
}

/// `sched_process_exit(struct task_struct *p, bool group_dead)`.
#[raw_tracepoint(tracepoint = "sched_process_exit")]
pub fn rtsec_exit(ctx: RawTracePointContext) -> i32 {
    let task: u64 = ctx.arg(0);
    let group_dead: u64 = ctx.arg(1);
    if is_kthread(task) {
        return 0;
    }
    let pid = tgid(task);
    if !wanted(pid) {
        return 0;
    }
    if let Some((rec, r)) = Rec::begin::<ExitRec>() {
        // SAFETY: `r` points at the zeroed fixed part in scratch.
        let r = unsafe { &mut *r };
        r.hdr.ts = now();
        r.hdr.tid = tid(task);
        r.hdr.pid = pid;
        r.hdr.cgroup = cgroup_v2_id(task);
        r.hdr.kind = kind::EXIT;
        r.exit_code = rd(task, off().task_exit_code);
        r.group_dead = (group_dead & 1) as u32;
        rec.send(MAX_SYSCALLS as u32 + kind::EXIT as u32);
    }
    if cfg().filter_pids != 0 && group_dead & 1 != 0 {
        let _ = PIDS.remove(pid);
    }
    0
}

const SB_RDONLY: u64 = 1;
const S_IMMUTABLE: u32 = 8;
const CAP_DAC_OVERRIDE: u64 = 1 << 1;

/// `EXE_WRITABLE` if the task may write its executable, as Falco decides it: not on a
/// read-only filesystem nor immutable, and either the owner/group/other write bit that applies
/// to the task's fsuid/fsgid, or `CAP_DAC_OVERRIDE`. (Supplementary groups and user namespaces
/// are not looked at.)
#[inline(always)]
fn exe_writable(task: u64, inode: u64) -> u32 {
    let o = off();
    if inode == 0 || !has(o.inode_uid) || !has(o.cred_fsuid) {
        return 0;
    }
    let sb = ptr(inode, o.inode_sb);
    if rd::<u64>(sb, o.sb_flags) & SB_RDONLY != 0
        || rd::<u32>(inode, o.inode_flags) & S_IMMUTABLE != 0
    {
        return 0;
    }
    let cred = ptr(task, o.task_cred);
    if rd::<u64>(cred, o.cred_cap_effective) & CAP_DAC_OVERRIDE != 0 {
        return EXE_WRITABLE;
    }
    let mode = rd::<u16>(inode, o.inode_mode) as u32;
    let bit = if rd::<u32>(cred, o.cred_fsuid) == rd::<u32>(inode, o.inode_uid) {
        0o200
    } else if rd::<u32>(cred, o.cred_fsgid) == rd::<u32>(inode, o.inode_gid) {
        0o020
    } else {
        0o002
    };
    if mode & bit != 0 { EXE_WRITABLE } else { 0 }
}

/// Overlay upper/lower layer and memfd flags of the executable.
#[inline(always)]
fn exe_flags(dentry: u64, inode: u64) -> u32 {
    let o = off();
    let mut f = 0;
    let sb = ptr(inode, o.inode_sb);
    let magic: u64 = rd(sb, o.sb_magic);
    if magic == OVERLAYFS_SUPER_MAGIC && has(o.ovl_upper_from_inode) {
        f |= if ptr(inode, o.ovl_upper_from_inode) != 0 {
            EXE_UPPER_LAYER
        } else {
            EXE_LOWER_LAYER
        };
    }
    let nlink: u32 = rd(inode, o.inode_nlink);
    if nlink == 0 {
        let name = ptr(dentry, o.dentry_name + o.qstr_name);
        let head: [u8; 6] = rd(name, 0);
        if &head == b"memfd:" {
            f |= EXE_FROM_MEMFD;
        }
    }
    f
}

/// Writes the executable's path as components, leaf first, up to the task's root, into fixed
/// slots right after the fixed part (`EXE_SLOT` bytes each: a `u16` length and the name).
/// Fixed offsets keep the verifier's work linear in the number of slots. Returns the number
/// of slots used; a slot may be empty (an iteration that crossed a mount).
#[inline(always)]
fn exe_path(rec: &mut Rec, task: u64, file: u64) -> u16 {
    let o = off();
    let fs = ptr(task, o.task_fs);
    let root_mnt = ptr(fs, o.fs_root + o.path_mnt);
    let root_dentry = ptr(fs, o.fs_root + o.path_dentry);
    let mut dentry = ptr(file, o.file_path + o.path_dentry);
    let mut vfsmnt = ptr(file, o.file_path + o.path_mnt);
    if !has(o.mount_mnt) || !has(o.dentry_parent) || dentry == 0 {
        return 0;
    }
    let base = core::mem::size_of::<TaskRec>();
    for i in 0..MAX_PATH_COMPONENTS {
        if dentry == root_dentry && vfsmnt == root_mnt {
            return i as u16;
        }
        let slot = rec.raw(base + i * EXE_SLOT);
        let mnt = vfsmnt.wrapping_sub(o.mount_mnt as u64);
        let mnt_root = ptr(vfsmnt, o.vfsmount_root);
        let mut len: u16 = 0;
        if dentry == mnt_root {
            let parent_mnt = ptr(mnt, o.mount_parent);
            if parent_mnt == mnt || parent_mnt == 0 {
                return i as u16;
            }
            dentry = ptr(mnt, o.mount_mountpoint);
            vfsmnt = parent_mnt + o.mount_mnt as u64;
        } else {
            let parent = ptr(dentry, o.dentry_parent);
            if parent == dentry || parent == 0 {
                return i as u16;
            }
            let name = ptr(dentry, o.dentry_name + o.qstr_name);
            // SAFETY: the slot lies inside the scratch area (fixed offset).
            let n = unsafe {
                bpf_probe_read_kernel_str(slot.add(2).cast(), MAX_NAME, name as *const _)
            };
            if n > 0 {
                len = (n - 1) as u16;
            }
            dentry = parent;
        }
        // SAFETY: as above.
        unsafe { core::ptr::write_unaligned(slot.cast::<u16>(), len) };
    }
    rec.flag(flags::EXEPATH_TRUNCATED);
    MAX_PATH_COMPONENTS as u16
}
