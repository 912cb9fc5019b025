//! Kernel struct offsets for the probe, read from the running kernel's BTF.

use rtsec_ebpf_common::{MISSING, Offsets};

use super::btf::Btf;

/// A field the running kernel lacks, and what the capture loses without it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissingField {
    /// `struct.member`, as looked up.
    pub field: String,
    pub loses: &'static str,
}

/// Offsets found, and the fields that were not.
pub struct Resolved {
    pub offsets: Offsets,
    pub missing: Vec<MissingField>,
}

/// Looks up every offset the probe uses. Alternatives are tried in order (fields renamed across
/// kernel versions).
pub fn resolve(btf: &Btf) -> Resolved {
    let mut o = Offsets::NONE;
    let mut missing = Vec::new();
    macro_rules! set {
        ($field:ident, $ty:literal, [$($path:literal),+], $loses:expr) => {{
            let found = [$($path),+].iter().find_map(|p| btf.offset($ty, p));
            match found {
                Some(v) => o.$field = v,
                None => missing.push(MissingField {
                    field: format!("{}.{}", $ty, [$($path),+][0]),
                    loses: $loses,
                }),
            }
        }};
    }
    const IDS: &str = "process identity (pid, parent, credentials) from the kernel";
    set!(task_pid, "task_struct", ["pid"], "thread ids of forks");
    set!(task_tgid, "task_struct", ["tgid"], "process ids of forks");
    set!(
        task_flags,
        "task_struct",
        ["flags"],
        "telling kernel threads apart"
    );
    set!(
        task_real_parent,
        "task_struct",
        ["real_parent"],
        "parent pids at fork/exec"
    );
    set!(
        task_group_leader,
        "task_struct",
        ["group_leader"],
        "namespace pids"
    );
    set!(
        task_cred,
        "task_struct",
        ["cred"],
        "uids, gids and capabilities at fork/exec"
    );
    set!(
        task_files,
        "task_struct",
        ["files"],
        "socket endpoints and opened files' inodes"
    );
    set!(
        task_fs,
        "task_struct",
        ["fs"],
        "executable paths relative to the process root"
    );
    set!(
        task_signal,
        "task_struct",
        ["signal"],
        "tty, session, process group, fd limit"
    );
    set!(
        task_thread_pid,
        "task_struct",
        ["thread_pid"],
        "pids inside pid namespaces"
    );
    set!(
        task_loginuid,
        "task_struct",
        ["loginuid"],
        "user.loginuid (reported as -1)"
    );
    set!(
        task_cgroups,
        "task_struct",
        ["cgroups"],
        "cgroups, hence container ids, at fork/exec"
    );
    set!(
        task_start_boottime,
        "task_struct",
        ["start_boottime"],
        "process start times"
    );
    set!(task_mm, "task_struct", ["mm"], "argv at exec");
    set!(task_comm, "task_struct", ["comm"], "comm of forked tasks");
    set!(task_exit_code, "task_struct", ["exit_code"], "exit codes");
    set!(cred_uid, "cred", ["uid"], IDS);
    set!(cred_gid, "cred", ["gid"], IDS);
    set!(cred_euid, "cred", ["euid"], IDS);
    set!(cred_egid, "cred", ["egid"], IDS);
    const WRITABLE: &str = "the exe-writable flag (proc.is_exe_writable)";
    set!(cred_fsuid, "cred", ["fsuid"], WRITABLE);
    set!(cred_fsgid, "cred", ["fsgid"], WRITABLE);
    set!(
        cred_cap_inheritable,
        "cred",
        ["cap_inheritable"],
        "capabilities"
    );
    set!(
        cred_cap_permitted,
        "cred",
        ["cap_permitted"],
        "capabilities"
    );
    set!(
        cred_cap_effective,
        "cred",
        ["cap_effective"],
        "capabilities"
    );
    set!(signal_tty, "signal_struct", ["tty"], "proc.tty");
    set!(
        signal_pids,
        "signal_struct",
        ["pids"],
        "session ids and process groups"
    );
    set!(signal_rlim, "signal_struct", ["rlim"], "fd limits");
    set!(tty_driver, "tty_struct", ["driver"], "proc.tty");
    set!(tty_index, "tty_struct", ["index"], "proc.tty");
    set!(tty_driver_major, "tty_driver", ["major"], "proc.tty");
    set!(
        tty_driver_minor_start,
        "tty_driver",
        ["minor_start"],
        "proc.tty"
    );
    set!(pid_level, "pid", ["level"], "pids inside pid namespaces");
    set!(
        pid_numbers,
        "pid",
        ["numbers"],
        "pids inside pid namespaces"
    );
    match btf.size("upid") {
        Some(s) => o.upid_size = s,
        None => missing.push(MissingField {
            field: "struct upid".into(),
            loses: "pids inside pid namespaces",
        }),
    }
    set!(mm_arg_start, "mm_struct", ["arg_start"], "argv at exec");
    set!(mm_arg_end, "mm_struct", ["arg_end"], "argv at exec");
    set!(mm_env_start, "mm_struct", ["env_start"], "proc.env at exec");
    set!(mm_env_end, "mm_struct", ["env_end"], "proc.env at exec");
    set!(
        upid_ns,
        "upid",
        ["ns"],
        "container.start_ts (pid namespace init)"
    );
    set!(
        pidns_child_reaper,
        "pid_namespace",
        ["child_reaper"],
        "container.start_ts (pid namespace init)"
    );
    set!(
        bprm_file,
        "linux_binprm",
        ["file"],
        "executable paths and flags"
    );
    set!(
        bprm_filename,
        "linux_binprm",
        ["filename"],
        "exec filenames"
    );
    set!(file_path, "file", ["f_path"], "executable paths");
    set!(file_inode, "file", ["f_inode"], "file and socket identity");
    set!(
        file_private_data,
        "file",
        ["private_data"],
        "socket endpoints"
    );
    set!(
        file_f_mode,
        "file",
        ["f_mode"],
        "which opens created their file (evt.is_open_create)"
    );
    set!(path_mnt, "path", ["mnt"], "executable paths");
    set!(path_dentry, "path", ["dentry"], "executable paths");
    set!(
        fs_root,
        "fs_struct",
        ["root"],
        "executable paths relative to the process root"
    );
    set!(dentry_parent, "dentry", ["d_parent"], "executable paths");
    set!(dentry_name, "dentry", ["d_name"], "executable paths");
    set!(dentry_inode, "dentry", ["d_inode"], "executable paths");
    set!(qstr_len, "qstr", ["len"], "executable paths");
    set!(qstr_name, "qstr", ["name"], "executable paths");
    set!(
        mount_mnt,
        "mount",
        ["mnt"],
        "executable paths across mounts"
    );
    set!(
        mount_parent,
        "mount",
        ["mnt_parent"],
        "executable paths across mounts"
    );
    set!(
        mount_mountpoint,
        "mount",
        ["mnt_mountpoint"],
        "executable paths across mounts"
    );
    set!(
        vfsmount_root,
        "vfsmount",
        ["mnt_root"],
        "executable paths across mounts"
    );
    set!(inode_mode, "inode", ["i_mode"], "file types");
    set!(inode_ino, "inode", ["i_ino"], "inode numbers");
    set!(
        inode_sb,
        "inode",
        ["i_sb"],
        "device numbers, overlay detection"
    );
    set!(
        inode_nlink,
        "inode",
        ["i_nlink", "__i_nlink"],
        "exe-from-memfd detection"
    );
    set!(
        inode_ctime_sec,
        "inode",
        ["i_ctime_sec", "__i_ctime.tv_sec", "i_ctime.tv_sec"],
        "proc.exe_ino.ctime"
    );
    set!(
        inode_mtime_sec,
        "inode",
        ["i_mtime_sec", "__i_mtime.tv_sec", "i_mtime.tv_sec"],
        "proc.exe_ino.mtime"
    );
    set!(inode_uid, "inode", ["i_uid"], WRITABLE);
    set!(inode_gid, "inode", ["i_gid"], WRITABLE);
    set!(inode_flags, "inode", ["i_flags"], WRITABLE);
    set!(sb_dev, "super_block", ["s_dev"], "device numbers");
    set!(sb_magic, "super_block", ["s_magic"], "overlayfs detection");
    set!(sb_flags, "super_block", ["s_flags"], WRITABLE);
    match (
        btf.offset("ovl_inode", "__upperdentry"),
        btf.offset("ovl_inode", "vfs_inode"),
    ) {
        (Some(u), Some(v)) if u > v => o.ovl_upper_from_inode = u - v,
        _ => missing.push(MissingField {
            field: "ovl_inode.__upperdentry".into(),
            loses: "proc.is_exe_upper_layer / lower layer flags",
        }),
    }
    set!(
        files_fdt,
        "files_struct",
        ["fdt"],
        "socket endpoints and opened files' inodes"
    );
    set!(
        fdt_max_fds,
        "fdtable",
        ["max_fds"],
        "socket endpoints and opened files' inodes"
    );
    set!(
        fdt_fd,
        "fdtable",
        ["fd"],
        "socket endpoints and opened files' inodes"
    );
    set!(socket_type, "socket", ["type"], "socket types");
    set!(socket_sk, "socket", ["sk"], "socket endpoints");
    set!(sk_family, "sock_common", ["skc_family"], "socket endpoints");
    set!(
        sk_daddr,
        "sock_common",
        ["skc_daddr"],
        "socket endpoints (IPv4)"
    );
    set!(
        sk_rcv_saddr,
        "sock_common",
        ["skc_rcv_saddr"],
        "socket endpoints (IPv4)"
    );
    set!(sk_dport, "sock_common", ["skc_dport"], "socket endpoints");
    set!(sk_num, "sock_common", ["skc_num"], "socket endpoints");
    set!(
        sk_v6_daddr,
        "sock_common",
        ["skc_v6_daddr"],
        "socket endpoints (IPv6)"
    );
    set!(
        sk_v6_rcv_saddr,
        "sock_common",
        ["skc_v6_rcv_saddr"],
        "socket endpoints (IPv6)"
    );
    set!(
        sk_protocol,
        "sock",
        ["sk_protocol"],
        "fd.l4proto of sockets"
    );
    set!(unix_peer, "unix_sock", ["peer"], "unix socket peers");
    set!(css_set_subsys, "css_set", ["subsys"], "v1 cgroups");
    set!(
        css_set_dfl_cgrp,
        "css_set",
        ["dfl_cgrp"],
        "cgroups of new tasks"
    );
    set!(css_cgroup, "cgroup_subsys_state", ["cgroup"], "v1 cgroups");
    set!(cgroup_kn, "cgroup", ["kn"], "cgroups");
    set!(kn_id, "kernfs_node", ["id"], "cgroups");
    Resolved {
        offsets: o,
        missing,
    }
}

/// The index of the v1 controller `name` (`enum cgroup_subsys_id`), if the kernel has it. The
/// v1 name `blkio` is the subsystem `io`.
pub fn subsys_id(btf: &Btf, name: &str) -> Option<u32> {
    let name = if name == "blkio" { "io" } else { name };
    let v = btf.enum_value("cgroup_subsys_id", &format!("{name}_cgrp_id"))?;
    u32::try_from(v).ok().filter(|&v| v != MISSING)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_kernel_has_everything_but_maybe_overlay() {
        let btf = match Btf::from_kernel() {
            Ok(b) => b,
            Err(e) if std::env::var("CI").as_deref() != Ok("true") => {
                eprintln!("no kernel BTF ({e}); skipping");
                return;
            }
            Err(e) => panic!("CI=true but no kernel BTF: {e}"),
        };
        let r = resolve(&btf);
        let missing: Vec<_> = r
            .missing
            .iter()
            .filter(|m| !m.field.starts_with("ovl_inode"))
            .collect();
        assert!(missing.is_empty(), "missing on this kernel: {missing:?}");
        assert_eq!(r.offsets.qstr_name, 8);
        assert_eq!(subsys_id(&btf, "cpuset"), Some(0));
        assert!(subsys_id(&btf, "blkio").is_some());
        assert!(subsys_id(&btf, "memory").is_some());
    }
}
