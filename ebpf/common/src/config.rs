//! What the loader tells the probe before load (a read-only global, so the verifier sees the
//! values as constants and drops the branches they switch off).
//!
//! Offsets into kernel structs come from the running kernel's BTF: one probe build runs on many
//! kernels. An offset the kernel does not have is [`MISSING`]; the probe then leaves the field
//! it feeds at its default and the loader tells the user what is lost.

/// An offset the running kernel does not have.
pub const MISSING: u32 = u32::MAX;

/// Byte offsets of the kernel struct fields the probe reads, named `<struct>_<field>`.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct Offsets {
    pub task_pid: u32,
    pub task_tgid: u32,
    pub task_flags: u32,
    pub task_real_parent: u32,
    pub task_group_leader: u32,
    pub task_cred: u32,
    pub task_files: u32,
    pub task_fs: u32,
    pub task_signal: u32,
    pub task_thread_pid: u32,
    pub task_loginuid: u32,
    pub task_cgroups: u32,
    pub task_start_boottime: u32,
    pub task_mm: u32,
    pub task_comm: u32,
    pub task_exit_code: u32,

    pub cred_uid: u32,
    pub cred_gid: u32,
    pub cred_euid: u32,
    pub cred_egid: u32,
    pub cred_fsuid: u32,
    pub cred_fsgid: u32,
    pub cred_cap_inheritable: u32,
    pub cred_cap_permitted: u32,
    pub cred_cap_effective: u32,

    pub signal_tty: u32,
    pub signal_pids: u32,
    pub signal_rlim: u32,
    pub tty_driver: u32,
    pub tty_index: u32,
    pub tty_driver_major: u32,
    pub tty_driver_minor_start: u32,

    pub pid_level: u32,
    pub pid_numbers: u32,
    /// `sizeof(struct upid)`; `upid.nr` is at offset 0.
    pub upid_size: u32,
    /// `upid.ns`: the pid namespace of that level.
    pub upid_ns: u32,
    pub pidns_child_reaper: u32,

    pub mm_arg_start: u32,
    pub mm_arg_end: u32,
    pub mm_env_start: u32,
    pub mm_env_end: u32,

    pub bprm_file: u32,
    pub bprm_filename: u32,

    pub file_path: u32,
    pub file_inode: u32,
    pub file_private_data: u32,
    pub file_f_mode: u32,
    pub path_mnt: u32,
    pub path_dentry: u32,
    pub fs_root: u32,
    pub dentry_parent: u32,
    pub dentry_name: u32,
    pub dentry_inode: u32,
    pub qstr_len: u32,
    pub qstr_name: u32,
    /// Offset of the embedded `struct vfsmount` inside `struct mount`.
    pub mount_mnt: u32,
    pub mount_parent: u32,
    pub mount_mountpoint: u32,
    pub vfsmount_root: u32,
    pub inode_mode: u32,
    pub inode_ino: u32,
    pub inode_sb: u32,
    pub inode_nlink: u32,
    pub inode_ctime_sec: u32,
    pub inode_mtime_sec: u32,
    pub inode_uid: u32,
    pub inode_gid: u32,
    pub inode_flags: u32,
    pub sb_dev: u32,
    pub sb_magic: u32,
    pub sb_flags: u32,
    /// `ovl_inode.__upperdentry` relative to `ovl_inode.vfs_inode` (overlayfs upper layer).
    pub ovl_upper_from_inode: u32,

    pub files_fdt: u32,
    pub fdt_max_fds: u32,
    pub fdt_fd: u32,

    pub socket_type: u32,
    pub socket_sk: u32,
    pub sk_family: u32,
    pub sk_daddr: u32,
    pub sk_rcv_saddr: u32,
    pub sk_dport: u32,
    pub sk_num: u32,
    pub sk_v6_daddr: u32,
    pub sk_v6_rcv_saddr: u32,
    pub sk_protocol: u32,
    pub unix_peer: u32,

    pub css_set_subsys: u32,
    pub css_set_dfl_cgrp: u32,
    pub css_cgroup: u32,
    pub cgroup_kn: u32,
    pub kn_id: u32,
}

/// Probe configuration (the `RTSEC_CONFIG` global).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// Non-zero, so that the global lands in `.rodata` rather than `.bss`.
    pub magic: u32,
    /// Thread-group id of rtsec itself: never recorded.
    pub self_tgid: u32,
    /// 1: only processes in the `PIDS` map (and their descendants) are recorded.
    pub filter_pids: u32,
    /// Bit `i` set: report the task's cgroup of subsystem `i` (`enum cgroup_subsys_id`): the
    /// controllers mounted as v1 hierarchies.
    pub v1_subsys: u32,
    /// Size of the ring buffer in bytes (for the wake-up threshold).
    pub ring_bytes: u32,
    /// 1: read the device and inode of files the open family returns (a walk of the fd table:
    /// about 0.3 µs per open on a 2026 VM, hence optional).
    pub file_ids: u32,
    /// 1: with entry copies, also read the arguments again at exit and flag the record
    /// `ARG_CHANGED` when they differ; 0: the entry copy is used without a second read.
    pub verify_entry: u32,
    /// Most bytes of a data buffer kept (`spec::arg::DATA`, `IOVEC`), at most [`MAX_SNAPLEN`].
    pub snaplen: u32,
    /// Bit `nr` set: syscall `nr` is recorded.
    pub syscalls: [u64; crate::BITMAP_WORDS],
    /// Bit `nr` set: syscall `nr` is recorded and its arguments are copied at entry
    /// (`spec::extra::AT_ENTRY`).
    pub entry_syscalls: [u64; crate::BITMAP_WORDS],
    pub off: Offsets,
}

/// The largest `Config::snaplen`: a data blob (an iovec blob has 8 bytes of size before its
/// data) stays below the probe's `MAX_STR` blob length.
pub const MAX_SNAPLEN: u32 = crate::MAX_STR as u32 - 16;

/// `Config::magic`.
pub const CONFIG_MAGIC: u32 = 0x7274_7365;

impl Offsets {
    /// Every offset missing: the state before the loader fills them in.
    pub const NONE: Offsets = Offsets {
        task_pid: MISSING,
        task_tgid: MISSING,
        task_flags: MISSING,
        task_real_parent: MISSING,
        task_group_leader: MISSING,
        task_cred: MISSING,
        task_files: MISSING,
        task_fs: MISSING,
        task_signal: MISSING,
        task_thread_pid: MISSING,
        task_loginuid: MISSING,
        task_cgroups: MISSING,
        task_start_boottime: MISSING,
        task_mm: MISSING,
        task_comm: MISSING,
        task_exit_code: MISSING,
        cred_uid: MISSING,
        cred_gid: MISSING,
        cred_euid: MISSING,
        cred_egid: MISSING,
        cred_fsuid: MISSING,
        cred_fsgid: MISSING,
        cred_cap_inheritable: MISSING,
        cred_cap_permitted: MISSING,
        cred_cap_effective: MISSING,
        signal_tty: MISSING,
        signal_pids: MISSING,
        signal_rlim: MISSING,
        tty_driver: MISSING,
        tty_index: MISSING,
        tty_driver_major: MISSING,
        tty_driver_minor_start: MISSING,
        pid_level: MISSING,
        pid_numbers: MISSING,
        upid_size: MISSING,
        upid_ns: MISSING,
        pidns_child_reaper: MISSING,
        mm_arg_start: MISSING,
        mm_arg_end: MISSING,
        mm_env_start: MISSING,
        mm_env_end: MISSING,
        bprm_file: MISSING,
        bprm_filename: MISSING,
        file_path: MISSING,
        file_inode: MISSING,
        file_private_data: MISSING,
        file_f_mode: MISSING,
        path_mnt: MISSING,
        path_dentry: MISSING,
        fs_root: MISSING,
        dentry_parent: MISSING,
        dentry_name: MISSING,
        dentry_inode: MISSING,
        qstr_len: MISSING,
        qstr_name: MISSING,
        mount_mnt: MISSING,
        mount_parent: MISSING,
        mount_mountpoint: MISSING,
        vfsmount_root: MISSING,
        inode_mode: MISSING,
        inode_ino: MISSING,
        inode_sb: MISSING,
        inode_nlink: MISSING,
        inode_ctime_sec: MISSING,
        inode_mtime_sec: MISSING,
        inode_uid: MISSING,
        inode_gid: MISSING,
        inode_flags: MISSING,
        sb_dev: MISSING,
        sb_magic: MISSING,
        sb_flags: MISSING,
        ovl_upper_from_inode: MISSING,
        files_fdt: MISSING,
        fdt_max_fds: MISSING,
        fdt_fd: MISSING,
        socket_type: MISSING,
        socket_sk: MISSING,
        sk_family: MISSING,
        sk_daddr: MISSING,
        sk_rcv_saddr: MISSING,
        sk_dport: MISSING,
        sk_num: MISSING,
        sk_v6_daddr: MISSING,
        sk_v6_rcv_saddr: MISSING,
        sk_protocol: MISSING,
        unix_peer: MISSING,
        css_set_subsys: MISSING,
        css_set_dfl_cgrp: MISSING,
        css_cgroup: MISSING,
        cgroup_kn: MISSING,
        kn_id: MISSING,
    };
}

impl Config {
    pub const INIT: Config = Config {
        magic: CONFIG_MAGIC,
        self_tgid: 0,
        filter_pids: 0,
        v1_subsys: 0,
        ring_bytes: 0,
        file_ids: 0,
        verify_entry: 0,
        snaplen: crate::SNAPLEN as u32,
        syscalls: [0; crate::BITMAP_WORDS],
        entry_syscalls: [0; crate::BITMAP_WORDS],
        off: Offsets::NONE,
    };
}

#[cfg(feature = "user")]
// SAFETY: plain `#[repr(C)]` integers, no padding with meaning, any bit pattern valid.
unsafe impl aya::Pod for Config {}
