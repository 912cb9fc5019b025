//! The conversion rules of libs' savefile converter, keyed by (event type, parameter count in the
//! file). Restated from reading `userspace/libscap/engine/savefile/converter/table.cpp` of
//! falcosecurity/libs; rules that would produce parameters our event table does not have (the
//! later `fullpath` of openat/openat2) are left out. Two parameters our event table has but that
//! table.cpp did not yet add (socket's `flags`, fcntl's `arg`) get the rule libs uses for every
//! appended parameter: an empty value. `tests` in `convert/mod.rs` check every rule against the
//! event table.

use crate::table::ids::*;

/// Where one parameter of the converted event comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Instr {
    /// Parameter `i` of the event being converted.
    Old(u8),
    /// Parameter `i` of the thread's stored enter event; the type's default (zeros) if none.
    Enter(u8),
    /// Parameter `i` of the thread's stored enter event; empty if none.
    EnterOrEmpty(u8),
    /// The type's default value (zeros of its width; empty for variable-length types).
    Default,
    /// An empty (absent) parameter.
    Empty,
    /// The JSON text of the old 4-parameter container event (id, type, name, image).
    ContainerJson,
}

/// What to do with an event of a given (type, parameter count).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    /// Hand the event on unchanged.
    Pass,
    /// Keep the enter event for its exit and drop it.
    Store,
    /// Keep the enter event for its exit and hand it on.
    StoreAndPass,
    /// Append parameters.
    Add(&'static [Instr]),
    /// Become another event type with these parameters.
    Change(u16, &'static [Instr]),
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Rule {
    pub event_type: u16,
    pub nparams: u8,
    pub action: Action,
}

use Action::{Add, Change, Pass, Store, StoreAndPass};
use Instr::{
    ContainerJson as JSON, Default as D, Empty as X, Enter as E, EnterOrEmpty as EE, Old as O,
};

const fn r(event_type: u16, nparams: u8, action: Action) -> Rule {
    Rule {
        event_type,
        nparams,
        action,
    }
}

/// Parameters 0..=12 of the process events (res … vm_swap), shared by execve/clone/fork.
const PROC_0_12: [Instr; 13] = [
    O(0),
    O(1),
    O(2),
    O(3),
    O(4),
    O(5),
    O(6),
    O(7),
    O(8),
    O(9),
    O(10),
    O(11),
    O(12),
];

const fn concat<const A: usize, const B: usize, const N: usize>(
    a: [Instr; A],
    b: [Instr; B],
) -> [Instr; N] {
    let mut out = [X; N];
    let mut i = 0;
    while i < A {
        out[i] = a[i];
        i += 1;
    }
    while i < N {
        out[i] = b[i - A];
        i += 1;
    }
    out
}

const EXECVE_13: [Instr; 13] = concat(
    [O(0), O(1), O(2), O(3), O(4), O(5), O(6), O(7)],
    [X, X, X, X, X], // pgft_maj, pgft_min, vm_size, vm_rss, vm_swap
);
const EXECVE_14: [Instr; 14] = concat(PROC_0_12, [X]); // env
const EXECVE_15: [Instr; 15] = concat(PROC_0_12, [X, O(13)]); // comm, env
const EXECVE_16: [Instr; 16] = concat(PROC_0_12, [O(13), X, O(14)]); // comm, cgroups, env
const EXECVE_17: [Instr; 17] = concat(PROC_0_12, [O(13), O(14), O(15), X]); // …, tty
const EXECVE_18: [Instr; 17] = concat(PROC_0_12, [O(13), O(14), O(15), O(16)]);
const EXECVE_19: [Instr; 18] = concat(PROC_0_12, [O(13), O(14), O(15), O(16), X]); // vpgid
const CLONE_16: [Instr; 16] = concat(
    [O(0), O(1), O(2), O(3), O(4), O(5), O(6), O(7)],
    [X, X, X, X, X, O(8), O(9), O(10)], // pgft/vm fields, flags, uid, gid
);
const CLONE_17: [Instr; 17] = concat(PROC_0_12, [X, O(13), O(14), O(15)]); // comm, flags, uid, gid
const CLONE_20: [Instr; 20] = concat(PROC_0_12, [O(13), X, O(14), O(15), O(16), X, X]); // cgroups, vtid, vpid

pub(crate) static RULES: &[Rule] = &[
    // generic
    r(PPME_GENERIC_E, 2, Store),
    r(PPME_GENERIC_X, 1, Add(&[EE(1)])),
    // open, creat, openat, openat2
    r(PPME_SYSCALL_OPEN_E, 0, Add(&[X, X, X])),
    r(PPME_SYSCALL_OPEN_E, 3, Pass),
    r(PPME_SYSCALL_OPEN_X, 4, Add(&[X])),
    r(PPME_SYSCALL_OPEN_X, 5, Add(&[X])),
    r(PPME_SYSCALL_CREAT_E, 0, Add(&[X, X])),
    r(PPME_SYSCALL_CREAT_E, 2, Pass),
    r(PPME_SYSCALL_CREAT_X, 3, Add(&[X])),
    r(PPME_SYSCALL_CREAT_X, 4, Add(&[X])),
    r(PPME_SYSCALL_CREAT_X, 5, Add(&[X])),
    r(PPME_SYSCALL_OPENAT_E, 4, Store),
    r(
        PPME_SYSCALL_OPENAT_X,
        1,
        Change(
            PPME_SYSCALL_OPENAT_2_X,
            &[O(0), EE(0), EE(1), EE(2), EE(3), X, X],
        ),
    ),
    r(PPME_SYSCALL_OPENAT_2_E, 0, Add(&[X, X, X, X])),
    r(PPME_SYSCALL_OPENAT_2_E, 4, Pass),
    r(PPME_SYSCALL_OPENAT_2_X, 5, Add(&[X])),
    r(PPME_SYSCALL_OPENAT_2_X, 6, Add(&[X])),
    r(PPME_SYSCALL_OPENAT2_E, 0, Add(&[X, X, X, X, X])),
    r(PPME_SYSCALL_OPENAT2_E, 5, Pass),
    r(PPME_SYSCALL_OPENAT2_X, 6, Add(&[X, X])),
    // fd lifecycle and i/o
    r(PPME_SYSCALL_CLOSE_E, 1, Store),
    r(PPME_SYSCALL_CLOSE_X, 1, Add(&[E(0)])),
    r(PPME_SYSCALL_READ_E, 2, Store),
    r(PPME_SYSCALL_READ_X, 2, Add(&[E(0), E(1)])),
    r(PPME_SYSCALL_WRITE_E, 2, Store),
    r(PPME_SYSCALL_WRITE_X, 2, Add(&[E(0), E(1)])),
    r(PPME_SYSCALL_PREAD_E, 3, Store),
    r(PPME_SYSCALL_PREAD_X, 2, Add(&[E(0), E(1), E(2)])),
    r(PPME_SYSCALL_PWRITE_E, 3, Store),
    r(PPME_SYSCALL_PWRITE_X, 2, Add(&[E(0), E(1), E(2)])),
    r(PPME_SYSCALL_READV_E, 1, Store),
    r(PPME_SYSCALL_READV_X, 3, Add(&[E(0)])),
    r(PPME_SYSCALL_WRITEV_E, 2, Store),
    r(PPME_SYSCALL_WRITEV_X, 2, Add(&[E(0), E(1)])),
    r(PPME_SYSCALL_PREADV_E, 2, Store),
    r(PPME_SYSCALL_PREADV_X, 3, Add(&[E(0), E(1)])),
    r(PPME_SYSCALL_PWRITEV_E, 3, Store),
    r(PPME_SYSCALL_PWRITEV_X, 2, Add(&[E(0), E(1), E(2)])),
    r(PPME_SYSCALL_DUP_E, 1, Store),
    r(
        PPME_SYSCALL_DUP_X,
        1,
        Change(PPME_SYSCALL_DUP_1_X, &[O(0), EE(0)]),
    ),
    r(PPME_SYSCALL_FCNTL_E, 2, Store),
    r(PPME_SYSCALL_FCNTL_X, 1, Add(&[E(0), E(1)])),
    r(PPME_SYSCALL_FCNTL_X, 3, Add(&[X])), // arg: appended after the table.cpp we read, see top
    r(PPME_SYSCALL_LSEEK_E, 3, Store),
    r(PPME_SYSCALL_LSEEK_X, 1, Add(&[E(0), E(1), E(2)])),
    r(PPME_SYSCALL_LLSEEK_E, 3, Store),
    r(PPME_SYSCALL_LLSEEK_X, 1, Add(&[E(0), E(1), E(2)])),
    r(PPME_SYSCALL_IOCTL_2_E, 2, Store),
    r(
        PPME_SYSCALL_IOCTL_2_X,
        1,
        Change(PPME_SYSCALL_IOCTL_3_X, &[O(0), EE(0), EE(1), X]),
    ),
    r(PPME_SYSCALL_IOCTL_3_E, 3, Store),
    r(PPME_SYSCALL_IOCTL_3_X, 1, Add(&[E(0), E(1), E(2)])),
    r(PPME_SYSCALL_FSTAT_E, 1, Store),
    r(PPME_SYSCALL_FSTAT_X, 1, Add(&[E(0)])),
    r(PPME_SYSCALL_GETDENTS_E, 1, Store),
    r(PPME_SYSCALL_GETDENTS_X, 1, Add(&[E(0)])),
    r(PPME_SYSCALL_GETDENTS64_E, 1, Store),
    r(PPME_SYSCALL_GETDENTS64_X, 1, Add(&[E(0)])),
    r(PPME_SYSCALL_FCHDIR_E, 1, Store),
    r(PPME_SYSCALL_FCHDIR_X, 1, Add(&[EE(0)])),
    r(PPME_SYSCALL_FLOCK_E, 2, Store),
    r(PPME_SYSCALL_FLOCK_X, 1, Add(&[E(0), E(1)])),
    r(PPME_SYSCALL_SPLICE_E, 4, Store),
    r(PPME_SYSCALL_SPLICE_X, 1, Add(&[E(0), E(1), E(2), E(3)])),
    r(PPME_SYSCALL_SENDFILE_E, 4, Store),
    r(PPME_SYSCALL_SENDFILE_X, 2, Add(&[E(0), E(1), E(3)])),
    r(PPME_SYSCALL_COPY_FILE_RANGE_E, 3, Store),
    r(PPME_SYSCALL_COPY_FILE_RANGE_X, 3, Add(&[E(0), E(1), E(2)])),
    // fd creation
    r(PPME_SYSCALL_SIGNALFD_E, 3, Store),
    r(PPME_SYSCALL_SIGNALFD_X, 1, Add(&[E(0), E(1), E(2)])),
    r(PPME_SYSCALL_SIGNALFD4_E, 2, Store),
    r(PPME_SYSCALL_SIGNALFD4_X, 2, Add(&[E(0), E(1)])),
    r(PPME_SYSCALL_TIMERFD_CREATE_E, 2, Store),
    r(PPME_SYSCALL_TIMERFD_CREATE_X, 1, Add(&[E(0), E(1)])),
    r(PPME_SYSCALL_INOTIFY_INIT_E, 1, Store),
    r(PPME_SYSCALL_INOTIFY_INIT_X, 1, Add(&[E(0)])),
    r(PPME_SYSCALL_EVENTFD_E, 2, Store),
    r(PPME_SYSCALL_EVENTFD_X, 1, Add(&[E(0), E(1)])),
    r(PPME_SYSCALL_EVENTFD2_E, 1, Store),
    r(PPME_SYSCALL_EVENTFD2_X, 2, Add(&[E(0)])),
    r(PPME_SYSCALL_EPOLL_CREATE_E, 1, Store),
    r(PPME_SYSCALL_EPOLL_CREATE_X, 1, Add(&[E(0)])),
    r(PPME_SYSCALL_EPOLL_CREATE1_E, 1, Store),
    r(PPME_SYSCALL_EPOLL_CREATE1_X, 1, Add(&[E(0)])),
    r(PPME_SYSCALL_BPF_E, 1, Store),
    r(
        PPME_SYSCALL_BPF_X,
        1,
        Change(PPME_SYSCALL_BPF_2_X, &[O(0), EE(0)]),
    ),
    // sockets
    r(PPME_SOCKET_SOCKET_E, 3, Store),
    r(PPME_SOCKET_SOCKET_X, 1, Add(&[E(0), E(1), E(2)])),
    r(PPME_SOCKET_SOCKET_X, 4, Add(&[X])), // flags: appended after the table.cpp we read, see top
    r(PPME_SOCKET_BIND_E, 1, Store),
    r(PPME_SOCKET_BIND_X, 2, Add(&[E(0)])),
    r(PPME_SOCKET_CONNECT_E, 1, Add(&[D])),
    r(PPME_SOCKET_CONNECT_E, 2, StoreAndPass),
    r(PPME_SOCKET_CONNECT_X, 2, Add(&[E(0)])),
    r(PPME_SOCKET_CONNECT_X, 3, Add(&[E(1)])),
    r(PPME_SOCKET_LISTEN_E, 2, Store),
    r(PPME_SOCKET_LISTEN_X, 1, Add(&[E(0), E(1)])),
    r(
        PPME_SOCKET_ACCEPT_X,
        3,
        Change(PPME_SOCKET_ACCEPT_5_X, &[O(0), O(1), O(2), D, D]),
    ),
    r(PPME_SOCKET_ACCEPT4_E, 1, Store),
    r(
        PPME_SOCKET_ACCEPT4_X,
        3,
        Change(PPME_SOCKET_ACCEPT4_6_X, &[O(0), O(1), O(2), D, D, E(0)]),
    ),
    r(PPME_SOCKET_ACCEPT4_5_E, 1, Store),
    r(
        PPME_SOCKET_ACCEPT4_5_X,
        5,
        Change(
            PPME_SOCKET_ACCEPT4_6_X,
            &[O(0), O(1), O(2), O(3), O(4), E(0)],
        ),
    ),
    r(PPME_SOCKET_ACCEPT4_6_E, 1, Store),
    r(PPME_SOCKET_ACCEPT4_6_X, 5, Add(&[E(0)])),
    r(PPME_SOCKET_SEND_E, 2, Store),
    r(PPME_SOCKET_SEND_X, 2, Add(&[E(0), E(1), D])),
    r(PPME_SOCKET_SENDTO_E, 3, Store),
    r(PPME_SOCKET_SENDTO_X, 2, Add(&[E(0), E(1), E(2)])),
    r(PPME_SOCKET_RECV_E, 2, Store),
    r(PPME_SOCKET_RECV_X, 2, Add(&[E(0), E(1), D])),
    r(PPME_SOCKET_RECVFROM_E, 2, Store),
    r(PPME_SOCKET_RECVFROM_X, 3, Add(&[E(0), E(1)])),
    r(PPME_SOCKET_SHUTDOWN_E, 2, Store),
    r(PPME_SOCKET_SHUTDOWN_X, 1, Add(&[E(0), E(1)])),
    r(PPME_SOCKET_SOCKETPAIR_E, 3, Store),
    r(PPME_SOCKET_SOCKETPAIR_X, 5, Add(&[E(0), E(1), E(2)])),
    r(PPME_SOCKET_SENDMSG_E, 3, Store),
    r(PPME_SOCKET_SENDMSG_X, 2, Add(&[E(0), E(1), E(2)])),
    r(PPME_SOCKET_SENDMMSG_X, 0, Add(&[D, X, X, X, X])),
    r(PPME_SOCKET_RECVMSG_E, 1, Store),
    r(PPME_SOCKET_RECVMSG_X, 4, Add(&[D])),
    r(PPME_SOCKET_RECVMSG_X, 5, Add(&[E(0)])),
    r(PPME_SOCKET_RECVMMSG_X, 0, Add(&[D, X, X, X, X, X])),
    // files and directories by path
    r(PPME_SYSCALL_LINK_E, 2, Store),
    r(
        PPME_SYSCALL_LINK_X,
        1,
        Change(PPME_SYSCALL_LINK_2_X, &[O(0), EE(0), EE(1)]),
    ),
    r(PPME_SYSCALL_LINKAT_E, 4, Store),
    r(
        PPME_SYSCALL_LINKAT_X,
        1,
        Change(
            PPME_SYSCALL_LINKAT_2_X,
            &[O(0), EE(0), EE(1), EE(2), EE(3), X],
        ),
    ),
    r(PPME_SYSCALL_UNLINK_E, 1, Store),
    r(
        PPME_SYSCALL_UNLINK_X,
        1,
        Change(PPME_SYSCALL_UNLINK_2_X, &[O(0), EE(0)]),
    ),
    r(PPME_SYSCALL_UNLINKAT_E, 2, Store),
    r(
        PPME_SYSCALL_UNLINKAT_X,
        1,
        Change(PPME_SYSCALL_UNLINKAT_2_X, &[O(0), EE(0), EE(1), X]),
    ),
    r(PPME_SYSCALL_MKDIR_E, 2, Store),
    r(
        PPME_SYSCALL_MKDIR_X,
        1,
        Change(PPME_SYSCALL_MKDIR_2_X, &[O(0), EE(0), EE(1)]),
    ),
    r(PPME_SYSCALL_MKDIR_2_E, 1, Store),
    r(PPME_SYSCALL_MKDIR_2_X, 2, Add(&[EE(0)])),
    r(PPME_SYSCALL_RMDIR_E, 1, Store),
    r(
        PPME_SYSCALL_RMDIR_X,
        1,
        Change(PPME_SYSCALL_RMDIR_2_X, &[O(0), EE(0)]),
    ),
    r(PPME_SYSCALL_ACCESS_E, 1, Store),
    r(PPME_SYSCALL_ACCESS_X, 2, Add(&[E(0)])),
    r(PPME_SYSCALL_MOUNT_E, 1, Store),
    r(PPME_SYSCALL_MOUNT_X, 4, Add(&[E(0)])),
    r(
        PPME_SYSCALL_UMOUNT_X,
        2,
        Change(PPME_SYSCALL_UMOUNT_1_X, &[O(0), O(1)]),
    ),
    r(PPME_SYSCALL_UMOUNT2_E, 1, Store),
    r(PPME_SYSCALL_UMOUNT2_X, 2, Add(&[E(0)])),
    // processes
    r(
        PPME_SYSCALL_EXECVE_8_E,
        0,
        Change(PPME_SYSCALL_EXECVE_13_E, &[]),
    ),
    r(
        PPME_SYSCALL_EXECVE_8_X,
        8,
        Change(PPME_SYSCALL_EXECVE_13_X, &EXECVE_13),
    ),
    r(
        PPME_SYSCALL_EXECVE_13_E,
        0,
        Change(PPME_SYSCALL_EXECVE_14_E, &[]),
    ),
    r(
        PPME_SYSCALL_EXECVE_13_X,
        13,
        Change(PPME_SYSCALL_EXECVE_14_X, &EXECVE_14),
    ),
    r(
        PPME_SYSCALL_EXECVE_14_E,
        0,
        Change(PPME_SYSCALL_EXECVE_15_E, &[]),
    ),
    r(
        PPME_SYSCALL_EXECVE_14_X,
        14,
        Change(PPME_SYSCALL_EXECVE_15_X, &EXECVE_15),
    ),
    r(
        PPME_SYSCALL_EXECVE_15_E,
        0,
        Change(PPME_SYSCALL_EXECVE_16_E, &[]),
    ),
    r(
        PPME_SYSCALL_EXECVE_15_X,
        15,
        Change(PPME_SYSCALL_EXECVE_16_X, &EXECVE_16),
    ),
    r(
        PPME_SYSCALL_EXECVE_16_E,
        0,
        Change(PPME_SYSCALL_EXECVE_17_E, &[]),
    ),
    r(
        PPME_SYSCALL_EXECVE_16_X,
        16,
        Change(PPME_SYSCALL_EXECVE_17_X, &EXECVE_17),
    ),
    r(
        PPME_SYSCALL_EXECVE_17_E,
        0,
        Change(PPME_SYSCALL_EXECVE_18_E, &[X]),
    ),
    r(
        PPME_SYSCALL_EXECVE_17_X,
        17,
        Change(PPME_SYSCALL_EXECVE_18_X, &EXECVE_18),
    ),
    r(
        PPME_SYSCALL_EXECVE_18_E,
        1,
        Change(PPME_SYSCALL_EXECVE_19_E, &[O(0)]),
    ),
    r(
        PPME_SYSCALL_EXECVE_18_X,
        17,
        Change(PPME_SYSCALL_EXECVE_19_X, &EXECVE_19),
    ),
    r(PPME_SYSCALL_EXECVE_19_E, 1, StoreAndPass),
    r(PPME_SYSCALL_EXECVE_19_X, 18, Add(&[X])), // loginuid
    r(PPME_SYSCALL_EXECVE_19_X, 19, Add(&[X])), // flags
    r(PPME_SYSCALL_EXECVE_19_X, 20, Add(&[X, X, X])), // capabilities
    r(PPME_SYSCALL_EXECVE_19_X, 23, Add(&[X, X, X])), // exe inode, ctime, mtime
    r(PPME_SYSCALL_EXECVE_19_X, 26, Add(&[X])), // uid
    r(PPME_SYSCALL_EXECVE_19_X, 27, Add(&[X])), // trusted_exepath
    r(PPME_SYSCALL_EXECVE_19_X, 28, Add(&[X])), // pgid
    r(PPME_SYSCALL_EXECVE_19_X, 29, Add(&[X])), // gid
    r(PPME_SYSCALL_EXECVE_19_X, 30, Add(&[EE(0)])), // filename
    r(PPME_SYSCALL_EXECVEAT_E, 3, Pass),
    r(PPME_SYSCALL_EXECVEAT_X, 19, Add(&[X])),
    r(PPME_SYSCALL_EXECVEAT_X, 20, Add(&[X, X, X])),
    r(PPME_SYSCALL_EXECVEAT_X, 23, Add(&[X, X, X])),
    r(PPME_SYSCALL_EXECVEAT_X, 26, Add(&[X])),
    r(PPME_SYSCALL_EXECVEAT_X, 27, Add(&[X])),
    r(PPME_SYSCALL_EXECVEAT_X, 28, Add(&[X])),
    r(PPME_SYSCALL_EXECVEAT_X, 29, Add(&[X])),
    r(
        PPME_SYSCALL_CLONE_11_X,
        11,
        Change(PPME_SYSCALL_CLONE_16_X, &CLONE_16),
    ),
    r(
        PPME_SYSCALL_CLONE_16_X,
        16,
        Change(PPME_SYSCALL_CLONE_17_X, &CLONE_17),
    ),
    r(
        PPME_SYSCALL_CLONE_17_X,
        17,
        Change(PPME_SYSCALL_CLONE_20_X, &CLONE_20),
    ),
    r(PPME_SYSCALL_CLONE_20_X, 20, Add(&[X])), // pidns_init_start_ts
    r(
        PPME_SYSCALL_FORK_X,
        16,
        Change(PPME_SYSCALL_FORK_17_X, &CLONE_17),
    ),
    r(
        PPME_SYSCALL_FORK_17_X,
        17,
        Change(PPME_SYSCALL_FORK_20_X, &CLONE_20),
    ),
    r(PPME_SYSCALL_FORK_20_X, 20, Add(&[X])),
    r(
        PPME_SYSCALL_VFORK_X,
        16,
        Change(PPME_SYSCALL_VFORK_17_X, &CLONE_17),
    ),
    r(
        PPME_SYSCALL_VFORK_17_X,
        17,
        Change(PPME_SYSCALL_VFORK_20_X, &CLONE_20),
    ),
    r(PPME_SYSCALL_VFORK_20_X, 20, Add(&[X])),
    r(PPME_SYSCALL_CLONE3_X, 20, Add(&[X])),
    r(
        PPME_PROCEXIT_E,
        0,
        Change(PPME_PROCEXIT_1_E, &[X, X, X, X, X]),
    ),
    r(PPME_SYSCALL_KILL_E, 2, Store),
    r(PPME_SYSCALL_KILL_X, 1, Add(&[E(0), E(1)])),
    r(PPME_SYSCALL_TKILL_E, 2, Store),
    r(PPME_SYSCALL_TKILL_X, 1, Add(&[E(0), E(1)])),
    r(PPME_SYSCALL_TGKILL_E, 3, Store),
    r(PPME_SYSCALL_TGKILL_X, 1, Add(&[E(0), E(1), E(2)])),
    r(PPME_SYSCALL_PTRACE_E, 2, Store),
    r(PPME_SYSCALL_PTRACE_X, 0, Add(&[X, X, X])),
    r(PPME_SYSCALL_PTRACE_X, 3, Add(&[EE(0), EE(1)])),
    r(PPME_SYSCALL_SETNS_E, 2, Store),
    r(PPME_SYSCALL_SETNS_X, 1, Add(&[EE(0), EE(1)])),
    r(PPME_SYSCALL_UNSHARE_E, 1, Store),
    r(PPME_SYSCALL_UNSHARE_X, 1, Add(&[E(0)])),
    r(PPME_SYSCALL_SETPGID_E, 2, Store),
    r(PPME_SYSCALL_SETPGID_X, 1, Add(&[EE(0), EE(1)])),
    r(PPME_SYSCALL_SECCOMP_E, 1, Add(&[D])),
    r(PPME_SYSCALL_SECCOMP_E, 2, Store),
    r(PPME_SYSCALL_SECCOMP_X, 1, Add(&[E(0), E(1)])),
    // credentials
    r(PPME_SYSCALL_SETUID_E, 1, Store),
    r(PPME_SYSCALL_SETUID_X, 1, Add(&[EE(0)])),
    r(PPME_SYSCALL_SETGID_E, 1, Store),
    r(PPME_SYSCALL_SETGID_X, 1, Add(&[EE(0)])),
    r(PPME_SYSCALL_SETRESUID_E, 3, Store),
    r(PPME_SYSCALL_SETRESUID_X, 1, Add(&[EE(0), EE(1), EE(2)])),
    r(PPME_SYSCALL_SETRESGID_E, 3, Store),
    r(PPME_SYSCALL_SETRESGID_X, 1, Add(&[EE(0), EE(1), EE(2)])),
    // resources, memory, waiting
    r(PPME_SYSCALL_GETRLIMIT_E, 1, Store),
    r(PPME_SYSCALL_GETRLIMIT_X, 3, Add(&[E(0)])),
    r(PPME_SYSCALL_SETRLIMIT_E, 1, Store),
    r(PPME_SYSCALL_SETRLIMIT_X, 3, Add(&[E(0)])),
    r(PPME_SYSCALL_PRLIMIT_E, 2, Store),
    r(PPME_SYSCALL_PRLIMIT_X, 5, Add(&[EE(0), EE(1)])),
    r(PPME_SYSCALL_BRK_1_E, 1, Store),
    r(
        PPME_SYSCALL_BRK_1_X,
        1,
        Change(PPME_SYSCALL_BRK_4_X, &[O(0), EE(0), X, X, X]),
    ),
    r(PPME_SYSCALL_BRK_4_E, 1, Store),
    r(PPME_SYSCALL_BRK_4_X, 4, Add(&[EE(0)])),
    r(PPME_SYSCALL_MMAP_E, 6, Store),
    r(
        PPME_SYSCALL_MMAP_X,
        4,
        Add(&[E(0), E(1), E(2), E(3), E(4), E(5)]),
    ),
    r(PPME_SYSCALL_MMAP2_E, 6, Store),
    r(
        PPME_SYSCALL_MMAP2_X,
        4,
        Add(&[E(0), E(1), E(2), E(3), E(4), E(5)]),
    ),
    r(PPME_SYSCALL_MUNMAP_E, 2, Store),
    r(PPME_SYSCALL_MUNMAP_X, 4, Add(&[E(0), E(1)])),
    r(PPME_SYSCALL_MPROTECT_E, 3, Store),
    r(PPME_SYSCALL_MPROTECT_X, 1, Add(&[E(0), E(1), E(2)])),
    r(PPME_SYSCALL_FUTEX_E, 3, Store),
    r(PPME_SYSCALL_FUTEX_X, 1, Add(&[E(0), E(1), E(2)])),
    r(PPME_SYSCALL_NANOSLEEP_E, 1, Store),
    r(PPME_SYSCALL_NANOSLEEP_X, 1, Add(&[E(0)])),
    r(PPME_SYSCALL_EPOLLWAIT_E, 1, Store),
    r(PPME_SYSCALL_EPOLLWAIT_X, 1, Add(&[E(0)])),
    r(PPME_SYSCALL_POLL_E, 2, Store),
    r(PPME_SYSCALL_POLL_X, 2, Add(&[E(1)])),
    r(PPME_SYSCALL_PPOLL_E, 3, Store),
    r(PPME_SYSCALL_PPOLL_X, 2, Add(&[E(1), E(2)])),
    r(
        PPME_SYSCALL_NEWSELECT_X,
        1,
        Change(PPME_SYSCALL_SELECT_X, &[O(0)]),
    ),
    r(PPME_SYSCALL_SEMOP_E, 1, Store),
    r(PPME_SYSCALL_SEMOP_X, 8, Add(&[E(0)])),
    r(PPME_SYSCALL_SEMCTL_E, 4, Store),
    r(PPME_SYSCALL_SEMCTL_X, 1, Add(&[E(0), E(1), E(2), E(3)])),
    r(PPME_SYSCALL_SEMGET_E, 3, Store),
    r(PPME_SYSCALL_SEMGET_X, 1, Add(&[E(0), E(1), E(2)])),
    r(PPME_SYSCALL_QUOTACTL_E, 4, Store),
    r(PPME_SYSCALL_QUOTACTL_X, 14, Add(&[E(0), E(1), E(2), E(3)])),
    // meta events
    r(
        PPME_SCHEDSWITCH_1_E,
        1,
        Change(PPME_SCHEDSWITCH_6_E, &[O(0), X, X, X, X, X]),
    ),
    r(PPME_CONTAINER_E, 4, Change(PPME_CONTAINER_JSON_E, &[JSON])),
    r(
        PPME_CONTAINER_JSON_E,
        1,
        Change(PPME_CONTAINER_JSON_2_E, &[O(0)]),
    ),
];
