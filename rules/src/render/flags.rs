//! Falco's PPM flag and enum tables (driver `flags_table.c`, `ppm_events_public.h`) and the
//! conversions from the raw x86_64 kernel values rtsec records to PPM values.
//!
//! Table order matters: flags render in table order, and an enum value shared by two names
//! (`AF_LOCAL`/`AF_UNIX`) renders as the first one, as libsinsp does.

pub(crate) type Table = &'static [(&'static str, u64)];

pub(crate) static FILE_FLAGS: Table = &[
    ("O_LARGEFILE", 1 << 11),
    ("O_DIRECTORY", 1 << 10),
    ("O_DIRECT", 1 << 9),
    ("O_TRUNC", 1 << 8),
    ("O_SYNC", 1 << 7),
    ("O_NONBLOCK", 1 << 6),
    ("O_EXCL", 1 << 5),
    ("O_DSYNC", 1 << 4),
    ("O_APPEND", 1 << 3),
    ("O_CREAT", 1 << 2),
    ("O_RDWR", 3),
    ("O_WRONLY", 2),
    ("O_RDONLY", 1),
    ("O_CLOEXEC", 1 << 12),
    ("O_NONE", 0),
    ("O_TMPFILE", 1 << 13),
    ("O_F_CREATED", 1 << 14),
];

pub(crate) const PPM_O_RDONLY: u64 = 1;
pub(crate) const PPM_O_WRONLY: u64 = 2;
pub(crate) const PPM_O_CREAT: u64 = 1 << 2;
pub(crate) const PPM_O_TMPFILE: u64 = 1 << 13;
pub(crate) const PPM_O_F_CREATED: u64 = 1 << 14;

/// The PPM flags of open-family event `ev` with raw flags `raw`: with `O_F_CREATED` when the
/// open created its file, as libs' drivers add it.
pub(crate) fn open_flags_of(ev: &rtsec_format::EventView<'_>, raw: u32) -> u64 {
    let created = ev.event.flags & rtsec_format::wire::event_flags::FILE_CREATED != 0;
    open_flags(raw) | if created { PPM_O_F_CREATED } else { 0 }
}

/// Raw `O_*` open flags → PPM file flags (the driver's `open_flags_to_scap`).
pub(crate) fn open_flags(raw: u32) -> u64 {
    let mut r = match raw & 3 {
        1 => PPM_O_WRONLY,
        2 => 3,
        _ => PPM_O_RDONLY,
    };
    const MAP: &[(u32, u64)] = &[
        (0o100, 1 << 2),       // O_CREAT
        (0o2000, 1 << 3),      // O_APPEND
        (0o10000, 1 << 4),     // O_DSYNC
        (0o200, 1 << 5),       // O_EXCL
        (0o4000, 1 << 6),      // O_NONBLOCK
        (0o4000000, 1 << 7),   // __O_SYNC
        (0o1000, 1 << 8),      // O_TRUNC
        (0o40000, 1 << 9),     // O_DIRECT
        (0o200000, 1 << 10),   // O_DIRECTORY
        (0o100000, 1 << 11),   // O_LARGEFILE
        (0o2000000, 1 << 12),  // O_CLOEXEC
        (0o20000000, 1 << 13), // __O_TMPFILE
    ];
    for &(k, p) in MAP {
        if raw & k != 0 {
            r |= p;
        }
    }
    r
}

/// PPM flags of flag arguments that only carry `O_CLOEXEC`/`O_NONBLOCK` (dup3, pipe2, …).
pub(crate) fn fd_flags(raw: u32) -> u64 {
    let mut r = 0;
    if raw & 0o2000000 != 0 {
        r |= 1 << 12;
    }
    if raw & 0o4000 != 0 {
        r |= 1 << 6;
    }
    r
}

pub(crate) static SOCKET_FAMILIES: Table = &[
    ("AF_NFC", 39),
    ("AF_ALG", 38),
    ("AF_CAIF", 37),
    ("AF_IEEE802154", 36),
    ("AF_PHONET", 35),
    ("AF_ISDN", 34),
    ("AF_RXRPC", 33),
    ("AF_IUCV", 32),
    ("AF_BLUETOOTH", 31),
    ("AF_TIPC", 30),
    ("AF_CAN", 29),
    ("AF_LLC", 26),
    ("AF_WANPIPE", 25),
    ("AF_PPPOX", 24),
    ("AF_IRDA", 23),
    ("AF_SNA", 22),
    ("AF_RDS", 21),
    ("AF_ATMSVC", 20),
    ("AF_ECONET", 19),
    ("AF_ASH", 18),
    ("AF_PACKET", 17),
    ("AF_ROUTE", 16),
    ("AF_NETLINK", 16),
    ("AF_KEY", 15),
    ("AF_SECURITY", 14),
    ("AF_NETBEUI", 13),
    ("AF_DECnet", 12),
    ("AF_ROSE", 11),
    ("AF_INET6", 10),
    ("AF_X25", 9),
    ("AF_ATMPVC", 8),
    ("AF_BRIDGE", 7),
    ("AF_NETROM", 6),
    ("AF_APPLETALK", 5),
    ("AF_IPX", 4),
    ("AF_AX25", 3),
    ("AF_INET", 2),
    ("AF_LOCAL", 1),
    ("AF_UNIX", 1),
    ("AF_UNSPEC", 0),
];

pub(crate) static PTRACE_REQUESTS: Table = &[
    ("PTRACE_SINGLEBLOCK", 38),
    ("PTRACE_SYSEMU_SINGLESTEP", 37),
    ("PTRACE_SYSEMU", 36),
    ("PTRACE_ARCH_PRCTL", 35),
    ("PTRACE_SET_THREAD_AREA", 34),
    ("PTRACE_GET_THREAD_AREA", 33),
    ("PTRACE_OLDSETOPTIONS", 32),
    ("PTRACE_SETFPXREGS", 31),
    ("PTRACE_GETFPXREGS", 30),
    ("PTRACE_SETFPREGS", 29),
    ("PTRACE_GETFPREGS", 28),
    ("PTRACE_SETREGS", 27),
    ("PTRACE_GETREGS", 26),
    ("PTRACE_SETSIGMASK", 25),
    ("PTRACE_GETSIGMASK", 24),
    ("PTRACE_PEEKSIGINFO", 23),
    ("PTRACE_LISTEN", 22),
    ("PTRACE_INTERRUPT", 21),
    ("PTRACE_SEIZE", 20),
    ("PTRACE_SETREGSET", 19),
    ("PTRACE_GETREGSET", 18),
    ("PTRACE_SETSIGINFO", 17),
    ("PTRACE_GETSIGINFO", 16),
    ("PTRACE_GETEVENTMSG", 15),
    ("PTRACE_SETOPTIONS", 14),
    ("PTRACE_SYSCALL", 13),
    ("PTRACE_DETACH", 12),
    ("PTRACE_ATTACH", 11),
    ("PTRACE_SINGLESTEP", 10),
    ("PTRACE_KILL", 9),
    ("PTRACE_CONT", 8),
    ("PTRACE_POKEUSR", 7),
    ("PTRACE_POKEDATA", 6),
    ("PTRACE_POKETEXT", 5),
    ("PTRACE_PEEKUSR", 4),
    ("PTRACE_PEEKDATA", 3),
    ("PTRACE_PEEKTEXT", 2),
    ("PTRACE_TRACEME", 1),
    ("PTRACE_UNKNOWN", 0),
];

/// x86_64 `PTRACE_*` request → PPM value (`PTRACE_UNKNOWN` = 0 for the rest).
pub(crate) fn ptrace_request(raw: u32) -> u64 {
    match raw {
        0 => 1,
        1 => 2,
        2 => 3,
        3 => 4,
        4 => 5,
        5 => 6,
        6 => 7,
        7 => 8,
        8 => 9,
        9 => 10,
        16 => 11,
        17 => 12,
        24 => 13,
        0x4200 => 14,
        0x4201 => 15,
        0x4202 => 16,
        0x4203 => 17,
        0x4204 => 18,
        0x4205 => 19,
        0x4206 => 20,
        0x4207 => 21,
        0x4208 => 22,
        0x4209 => 23,
        0x420a => 24,
        0x420b => 25,
        12 => 26,
        13 => 27,
        14 => 28,
        15 => 29,
        18 => 30,
        19 => 31,
        21 => 32,
        25 => 33,
        26 => 34,
        30 => 35,
        31 => 36,
        32 => 37,
        33 => 38,
        _ => 0,
    }
}

pub(crate) static CLONE_FLAGS: Table = &[
    ("CLONE_FILES", 1 << 0),
    ("CLONE_FS", 1 << 1),
    ("CLONE_IO", 1 << 2),
    ("CLONE_NEWIPC", 1 << 3),
    ("CLONE_NEWNET", 1 << 4),
    ("CLONE_NEWNS", 1 << 5),
    ("CLONE_NEWPID", 1 << 6),
    ("CLONE_NEWUTS", 1 << 7),
    ("CLONE_PARENT", 1 << 8),
    ("CLONE_PARENT_SETTID", 1 << 9),
    ("CLONE_PTRACE", 1 << 10),
    ("CLONE_SIGHAND", 1 << 11),
    ("CLONE_SYSVSEM", 1 << 12),
    ("CLONE_THREAD", 1 << 13),
    ("CLONE_UNTRACED", 1 << 14),
    ("CLONE_VM", 1 << 15),
    ("CLONE_INVERTED", 1 << 16),
    ("NAME_CHANGED", 1 << 17),
    ("CLOSED", 1 << 18),
    ("CLONE_NEWUSER", 1 << 20),
    ("CLONE_CHILD_CLEARTID", 1 << 23),
    ("CLONE_CHILD_SETTID", 1 << 24),
    ("CLONE_SETTLS", 1 << 25),
    ("CLONE_STOPPED", 1 << 26),
    ("CLONE_VFORK", 1 << 27),
    ("CLONE_NEWCGROUP", 1 << 28),
];

/// Raw `CLONE_*` flags → PPM clone flags.
pub(crate) fn clone_flags(raw: u64) -> u64 {
    const MAP: &[(u64, u64)] = &[
        (0x400, 1 << 0),        // CLONE_FILES
        (0x200, 1 << 1),        // CLONE_FS
        (0x8000_0000, 1 << 2),  // CLONE_IO
        (0x0800_0000, 1 << 3),  // CLONE_NEWIPC
        (0x4000_0000, 1 << 4),  // CLONE_NEWNET
        (0x0002_0000, 1 << 5),  // CLONE_NEWNS
        (0x2000_0000, 1 << 6),  // CLONE_NEWPID
        (0x0400_0000, 1 << 7),  // CLONE_NEWUTS
        (0x8000, 1 << 8),       // CLONE_PARENT
        (0x0010_0000, 1 << 9),  // CLONE_PARENT_SETTID
        (0x2000, 1 << 10),      // CLONE_PTRACE
        (0x800, 1 << 11),       // CLONE_SIGHAND
        (0x0004_0000, 1 << 12), // CLONE_SYSVSEM
        (0x0001_0000, 1 << 13), // CLONE_THREAD
        (0x0080_0000, 1 << 14), // CLONE_UNTRACED
        (0x100, 1 << 15),       // CLONE_VM
        (0x1000_0000, 1 << 20), // CLONE_NEWUSER
        (0x0020_0000, 1 << 23), // CLONE_CHILD_CLEARTID
        (0x0100_0000, 1 << 24), // CLONE_CHILD_SETTID
        (0x0008_0000, 1 << 25), // CLONE_SETTLS
        (0x4000, 1 << 27),      // CLONE_VFORK
        (0x0200_0000, 1 << 28), // CLONE_NEWCGROUP
    ];
    MAP.iter()
        .filter(|(k, _)| raw & k != 0)
        .fold(0, |r, (_, p)| r | p)
}

pub(crate) static MOUNT_FLAGS: Table = &[
    ("RDONLY", 1 << 0),
    ("NOSUID", 1 << 1),
    ("NODEV", 1 << 2),
    ("NOEXEC", 1 << 3),
    ("SYNCHRONOUS", 1 << 4),
    ("REMOUNT", 1 << 5),
    ("MANDLOCK", 1 << 6),
    ("DIRSYNC", 1 << 7),
    ("NOATIME", 1 << 10),
    ("NODIRATIME", 1 << 11),
    ("BIND", 1 << 12),
    ("MOVE", 1 << 13),
    ("REC", 1 << 14),
    ("SILENT", 1 << 15),
    ("POSIXACL", 1 << 16),
    ("UNBINDABLE", 1 << 17),
    ("PRIVATE", 1 << 18),
    ("SLAVE", 1 << 19),
    ("SHARED", 1 << 20),
    ("RELATIME", 1 << 21),
    ("KERNMOUNT", 1 << 22),
    ("I_VERSION", 1 << 23),
    ("STRICTATIME", 1 << 24),
    ("LAZYTIME", 1 << 25),
    ("NOSEC", 1 << 28),
    ("BORN", 1 << 29),
    ("ACTIVE", 1 << 30),
    ("NOUSER", 1 << 31),
];

pub(crate) static UMOUNT_FLAGS: Table =
    &[("FORCE", 1), ("DETACH", 2), ("EXPIRE", 4), ("NOFOLLOW", 8)];

pub(crate) static PROT_FLAGS: Table = &[
    ("PROT_READ", 1 << 0),
    ("PROT_WRITE", 1 << 1),
    ("PROT_EXEC", 1 << 2),
    ("PROT_SEM", 1 << 3),
    ("PROT_GROWSDOWN", 1 << 4),
    ("PROT_GROWSUP", 1 << 5),
    ("PROT_SAO", 1 << 6),
    ("PROT_NONE", 0),
];

pub(crate) fn prot_flags(raw: u32) -> u64 {
    let mut r = (raw & 0xf) as u64;
    if raw & 0x0100_0000 != 0 {
        r |= 1 << 4;
    }
    if raw & 0x0200_0000 != 0 {
        r |= 1 << 5;
    }
    r
}

pub(crate) static MMAP_FLAGS: Table = &[
    ("MAP_SHARED", 1 << 0),
    ("MAP_PRIVATE", 1 << 1),
    ("MAP_FIXED", 1 << 2),
    ("MAP_ANONYMOUS", 1 << 3),
    ("MAP_32BIT", 1 << 4),
    ("MAP_RENAME", 1 << 5),
    ("MAP_NORESERVE", 1 << 6),
    ("MAP_POPULATE", 1 << 7),
    ("MAP_NONBLOCK", 1 << 8),
    ("MAP_GROWSDOWN", 1 << 9),
    ("MAP_DENYWRITE", 1 << 10),
    ("MAP_EXECUTABLE", 1 << 11),
    ("MAP_INHERIT", 1 << 12),
    ("MAP_FILE", 1 << 13),
    ("MAP_LOCKED", 1 << 14),
];

pub(crate) fn mmap_flags(raw: u32) -> u64 {
    const MAP: &[(u32, u64)] = &[
        (0x01, 1 << 0),
        (0x02, 1 << 1),
        (0x10, 1 << 2),
        (0x20, 1 << 3),
        (0x40, 1 << 4),
        (0x4000, 1 << 6),
        (0x8000, 1 << 7),
        (0x10000, 1 << 8),
        (0x100, 1 << 9),
        (0x800, 1 << 10),
        (0x1000, 1 << 11),
        (0x2000, 1 << 14),
    ];
    MAP.iter()
        .filter(|(k, _)| raw & k != 0)
        .fold(0, |r, (_, p)| r | p)
}

/// File mode bits (`chmod`, `fchmodat`, `mknod`): PPM values equal the kernel's.
pub(crate) static CHMOD_MODE: Table = &[
    ("S_IXOTH", 1 << 0),
    ("S_IWOTH", 1 << 1),
    ("S_IROTH", 1 << 2),
    ("S_IXGRP", 1 << 3),
    ("S_IWGRP", 1 << 4),
    ("S_IRGRP", 1 << 5),
    ("S_IXUSR", 1 << 6),
    ("S_IWUSR", 1 << 7),
    ("S_IRUSR", 1 << 8),
    ("S_ISVTX", 1 << 9),
    ("S_ISGID", 1 << 10),
    ("S_ISUID", 1 << 11),
];

pub(crate) static EXECVE_FLAGS: Table = &[
    ("EXE_WRITABLE", 1),
    ("EXE_UPPER_LAYER", 2),
    ("EXE_FROM_MEMFD", 4),
    ("EXE_LOWER_LAYER", 8),
];

pub(crate) static UNLINKAT_FLAGS: Table = &[("AT_REMOVEDIR", 0x200)];

pub(crate) static LINKAT_FLAGS: Table = &[("AT_SYMLINK_FOLLOW", 0x400), ("AT_EMPTY_PATH", 0x1000)];

pub(crate) static RENAMEAT2_FLAGS: Table = &[
    ("RENAME_NOREPLACE", 1),
    ("RENAME_EXCHANGE", 2),
    ("RENAME_WHITEOUT", 4),
];

pub(crate) static OPENAT2_RESOLVE: Table = &[
    ("RESOLVE_BENEATH", 1 << 0),
    ("RESOLVE_IN_ROOT", 1 << 1),
    ("RESOLVE_NO_MAGICLINKS", 1 << 2),
    ("RESOLVE_NO_SYMLINKS", 1 << 3),
    ("RESOLVE_NO_XDEV", 1 << 4),
    ("RESOLVE_CACHED", 1 << 5),
];

/// Raw `RESOLVE_*` → PPM values.
pub(crate) fn openat2_resolve(raw: u64) -> u64 {
    const MAP: &[(u64, u64)] = &[
        (0x08, 1 << 0),
        (0x10, 1 << 1),
        (0x02, 1 << 2),
        (0x04, 1 << 3),
        (0x01, 1 << 4),
        (0x20, 1 << 5),
    ];
    MAP.iter()
        .filter(|(k, _)| raw & k != 0)
        .fold(0, |r, (_, p)| r | p)
}

pub(crate) static MEMFD_CREATE_FLAGS: Table = &[
    ("MFD_CLOEXEC", 1),
    ("MFD_ALLOW_SEALING", 2),
    ("MFD_HUGETLB", 4),
];

pub(crate) static FCNTL_COMMANDS: Table = &[
    ("F_GETPIPE_SZ", 29),
    ("F_SETPIPE_SZ", 28),
    ("F_NOTIFY", 27),
    ("F_DUPFD_CLOEXEC", 26),
    ("F_CANCELLK", 25),
    ("F_GETLEASE", 24),
    ("F_SETLEASE", 23),
    ("F_GETOWN_EX", 22),
    ("F_SETOWN_EX", 21),
    ("F_GETSIG", 15),
    ("F_SETSIG", 13),
    ("F_GETOWN", 12),
    ("F_SETOWN", 10),
    ("F_SETLKW", 9),
    ("F_SETLK", 8),
    ("F_GETLK", 6),
    ("F_SETFL", 5),
    ("F_GETFL", 4),
    ("F_SETFD", 3),
    ("F_GETFD", 2),
    ("F_DUPFD", 1),
    ("F_OFD_GETLK", 30),
    ("F_OFD_SETLK", 31),
    ("F_OFD_SETLKW", 32),
    ("UNKNOWN", 0),
];

pub(crate) fn fcntl_cmd(raw: u32) -> u64 {
    match raw {
        0 => 1,
        1 => 2,
        2 => 3,
        3 => 4,
        4 => 5,
        5 => 6,
        6 => 8,
        7 => 9,
        8 => 10,
        9 => 12,
        10 => 13,
        11 => 15,
        15 => 21,
        16 => 22,
        36 => 30,
        37 => 31,
        38 => 32,
        1024 => 23,
        1025 => 24,
        1026 => 27,
        1029 => 25,
        1030 => 26,
        1031 => 28,
        1032 => 29,
        _ => 0,
    }
}

pub(crate) static BPF_COMMANDS: Table = &[
    ("BPF_MAP_CREATE", 0),
    ("BPF_MAP_LOOKUP_ELEM", 1),
    ("BPF_MAP_UPDATE_ELEM", 2),
    ("BPF_MAP_DELETE_ELEM", 3),
    ("BPF_MAP_GET_NEXT_KEY", 4),
    ("BPF_PROG_LOAD", 5),
    ("BPF_OBJ_PIN", 6),
    ("BPF_OBJ_GET", 7),
    ("BPF_PROG_ATTACH", 8),
    ("BPF_PROG_DETACH", 9),
    ("BPF_PROG_TEST_RUN", 10),
    ("BPF_PROG_GET_NEXT_ID", 11),
    ("BPF_MAP_GET_NEXT_ID", 12),
    ("BPF_PROG_GET_FD_BY_ID", 13),
    ("BPF_MAP_GET_FD_BY_ID", 14),
    ("BPF_OBJ_GET_INFO_BY_FD", 15),
    ("BPF_PROG_QUERY", 16),
    ("BPF_RAW_TRACEPOINT_OPEN", 17),
    ("BPF_BTF_LOAD", 18),
    ("BPF_BTF_GET_FD_BY_ID", 19),
    ("BPF_TASK_FD_QUERY", 20),
    ("BPF_MAP_LOOKUP_AND_DELETE_ELEM", 21),
    ("BPF_MAP_FREEZE", 22),
    ("BPF_BTF_GET_NEXT_ID", 23),
    ("BPF_MAP_LOOKUP_BATCH", 24),
    ("BPF_MAP_LOOKUP_AND_DELETE_BATCH", 25),
    ("BPF_MAP_UPDATE_BATCH", 26),
    ("BPF_MAP_DELETE_BATCH", 27),
    ("BPF_LINK_CREATE", 28),
    ("BPF_LINK_UPDATE", 29),
    ("BPF_LINK_GET_FD_BY_ID", 30),
    ("BPF_LINK_GET_NEXT_ID", 31),
    ("BPF_ENABLE_STATS", 32),
    ("BPF_ITER_CREATE", 33),
    ("BPF_LINK_DETACH", 34),
    ("BPF_PROG_BIND_MAP", 35),
];

pub(crate) static PRCTL_OPTIONS: Table = &[
    ("PR_GET_DUMPABLE", 3),
    ("PR_SET_DUMPABLE", 4),
    ("PR_GET_KEEPCAPS", 7),
    ("PR_SET_KEEPCAPS", 8),
    ("PR_SET_NAME", 15),
    ("PR_GET_NAME", 16),
    ("PR_GET_SECCOMP", 21),
    ("PR_SET_SECCOMP", 22),
    ("PR_CAPBSET_READ", 23),
    ("PR_CAPBSET_DROP", 24),
    ("PR_GET_SECUREBITS", 27),
    ("PR_SET_SECUREBITS", 28),
    ("PR_MCE_KILL", 33),
    ("PR_SET_MM", 35),
    ("PR_SET_CHILD_SUBREAPER", 36),
    ("PR_GET_CHILD_SUBREAPER", 37),
    ("PR_SET_NO_NEW_PRIVS", 38),
    ("PR_GET_NO_NEW_PRIVS", 39),
    ("PR_GET_TID_ADDRESS", 40),
    ("PR_SET_THP_DISABLE", 41),
    ("PR_GET_THP_DISABLE", 42),
    ("PR_CAP_AMBIENT", 47),
];

pub(crate) static SIGNALS: Table = &[
    ("SIGHUP", 1),
    ("SIGINT", 2),
    ("SIGQUIT", 3),
    ("SIGILL", 4),
    ("SIGTRAP", 5),
    ("SIGABRT", 6),
    ("SIGBUS", 7),
    ("SIGFPE", 8),
    ("SIGKILL", 9),
    ("SIGUSR1", 10),
    ("SIGSEGV", 11),
    ("SIGUSR2", 12),
    ("SIGPIPE", 13),
    ("SIGALRM", 14),
    ("SIGTERM", 15),
    ("SIGSTKFLT", 16),
    ("SIGCHLD", 17),
    ("SIGCONT", 18),
    ("SIGSTOP", 19),
    ("SIGTSTP", 20),
    ("SIGTTIN", 21),
    ("SIGTTOU", 22),
    ("SIGURG", 23),
    ("SIGXCPU", 24),
    ("SIGXFSZ", 25),
    ("SIGVTALRM", 26),
    ("SIGPROF", 27),
    ("SIGWINCH", 28),
    ("SIGIO", 29),
    ("SIGPWR", 30),
    ("SIGSYS", 31),
];

/// Appends the names of a flags value, libsinsp-style: an exact match wins alone; otherwise
/// every entry whose bits are all set, in table order, joined with `|`.
pub(crate) fn write_flags(table: Table, val: u64, out: &mut Vec<u8>) {
    if let Some((name, _)) = table.iter().find(|(_, v)| *v == val) {
        out.extend_from_slice(name.as_bytes());
        return;
    }
    let mut rest = val;
    let mut first = true;
    for &(name, v) in table {
        if v != 0 && rest != 0 && rest & v == v {
            if !first {
                out.push(b'|');
            }
            out.extend_from_slice(name.as_bytes());
            first = false;
            rest &= !v;
        }
    }
}

/// The name of an enum value (the first exact match), if any.
pub(crate) fn enum_name(table: Table, val: u64) -> Option<&'static str> {
    table.iter().find(|(_, v)| *v == val).map(|(n, _)| *n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(t: Table, v: u64) -> String {
        let mut o = Vec::new();
        write_flags(t, v, &mut o);
        String::from_utf8(o).unwrap()
    }

    #[test]
    fn open_flags_render_like_falco() {
        // creat: O_CREAT|O_WRONLY|O_TRUNC
        assert_eq!(
            flags(FILE_FLAGS, open_flags(0o1101)),
            "O_TRUNC|O_CREAT|O_WRONLY"
        );
        assert_eq!(flags(FILE_FLAGS, open_flags(0)), "O_RDONLY");
        assert_eq!(
            flags(FILE_FLAGS, open_flags(0o2000000)),
            "O_RDONLY|O_CLOEXEC"
        );
        assert_eq!(flags(FILE_FLAGS, open_flags(2)), "O_RDWR");
        assert_eq!(flags(FILE_FLAGS, 0), "O_NONE");
    }

    #[test]
    fn enums_take_the_first_name() {
        assert_eq!(enum_name(SOCKET_FAMILIES, 17), Some("AF_PACKET"));
        assert_eq!(enum_name(SOCKET_FAMILIES, 1), Some("AF_LOCAL"));
        assert_eq!(
            enum_name(PTRACE_REQUESTS, ptrace_request(16)),
            Some("PTRACE_ATTACH")
        );
        assert_eq!(
            enum_name(PTRACE_REQUESTS, ptrace_request(0x4206)),
            Some("PTRACE_SEIZE")
        );
        assert_eq!(
            enum_name(PTRACE_REQUESTS, ptrace_request(0)),
            Some("PTRACE_TRACEME")
        );
        assert_eq!(
            enum_name(PTRACE_REQUESTS, ptrace_request(4)),
            Some("PTRACE_POKETEXT")
        );
        assert_eq!(
            enum_name(PTRACE_REQUESTS, ptrace_request(13)),
            Some("PTRACE_SETREGS")
        );
        assert_eq!(
            enum_name(PTRACE_REQUESTS, ptrace_request(999)),
            Some("PTRACE_UNKNOWN")
        );
    }

    #[test]
    fn clone_and_mode_flags() {
        assert_eq!(
            flags(CLONE_FLAGS, clone_flags(0x100 | 0x200 | 0x0001_0000)),
            "CLONE_FS|CLONE_THREAD|CLONE_VM"
        );
        assert_eq!(
            flags(CHMOD_MODE, 0o4755),
            "S_IXOTH|S_IROTH|S_IXGRP|S_IRGRP|S_IXUSR|S_IWUSR|S_IRUSR|S_ISUID"
        );
        assert_eq!(flags(EXECVE_FLAGS, 2 | 4), "EXE_UPPER_LAYER|EXE_FROM_MEMFD");
    }
}
