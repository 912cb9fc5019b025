//! libs' own encodings (`PPM_*` of `driver/ppm_events_public.h`) translated back to the raw
//! x86_64 Linux values that rtsec records (`rtsec_format::Args` keeps raw values). Values libs
//! encodes like Linux (address families, mode bits, mount and umount flags, `*at` flags, rename
//! flags, `PROT_READ|WRITE|EXEC`) pass through unchanged.

/// `(PPM bit, Linux bits)` pairs.
type BitMap = &'static [(u32, u32)];

fn map_bits(value: u32, map: BitMap) -> u32 {
    map.iter()
        .filter(|(ppm, _)| value & ppm != 0)
        .fold(0, |acc, (_, linux)| acc | linux)
}

/// `PPM_O_*` open flags → `O_*`. The access mode is two bits in libs (RDONLY 1, WRONLY 2,
/// RDWR 3) and a number in Linux (0, 1, 2). libs' own bits (F_CREATED, FD_UPPER_LAYER, …) have
/// no Linux counterpart and are dropped.
pub fn open_flags(ppm: u32) -> u32 {
    const MAP: BitMap = &[
        (1 << 2, 0o100),       // CREAT
        (1 << 3, 0o2000),      // APPEND
        (1 << 4, 0o10000),     // DSYNC
        (1 << 5, 0o200),       // EXCL
        (1 << 6, 0o4000),      // NONBLOCK
        (1 << 7, 0o4010000),   // SYNC
        (1 << 8, 0o1000),      // TRUNC
        (1 << 9, 0o40000),     // DIRECT
        (1 << 10, 0o200000),   // DIRECTORY
        (1 << 11, 0o100000),   // LARGEFILE
        (1 << 12, 0o2000000),  // CLOEXEC
        (1 << 13, 0o20200000), // TMPFILE
    ];
    let access = match ppm & 3 {
        2 => 1, // O_WRONLY
        3 => 2, // O_RDWR
        _ => 0, // O_RDONLY
    };
    access | map_bits(ppm, MAP)
}

/// `creat(2)` is `open(O_CREAT|O_WRONLY|O_TRUNC)`.
pub const CREAT_FLAGS: u32 = 0o100 | 0o1 | 0o1000;

/// libs' `PPM_O_F_CREATED`: the open created its file (an event flag in rtsec, see
/// `rtsec_format::wire::event_flags::FILE_CREATED`).
pub const F_CREATED: u32 = 1 << 14;

/// `O_CLOEXEC`, as dup3/pipe2/inotify_init1 flags carry it (libs: `PPM_O_CLOEXEC`).
pub fn cloexec_flags(ppm: u32) -> u32 {
    open_flags(ppm) & (0o2000000 | 0o4000)
}

/// `PPM_CL_*` → `CLONE_*`. libsinsp-only bits (CLOSED, CHILD_IN_PIDNS, IS_MAIN_THREAD, …) are
/// dropped.
pub fn clone_flags(ppm: u32) -> u64 {
    const MAP: BitMap = &[
        (1 << 0, 0x400),        // FILES
        (1 << 1, 0x200),        // FS
        (1 << 2, 0x8000_0000),  // IO
        (1 << 3, 0x0800_0000),  // NEWIPC
        (1 << 4, 0x4000_0000),  // NEWNET
        (1 << 5, 0x0002_0000),  // NEWNS
        (1 << 6, 0x2000_0000),  // NEWPID
        (1 << 7, 0x0400_0000),  // NEWUTS
        (1 << 8, 0x8000),       // PARENT
        (1 << 9, 0x0010_0000),  // PARENT_SETTID
        (1 << 10, 0x2000),      // PTRACE
        (1 << 11, 0x800),       // SIGHAND
        (1 << 12, 0x0004_0000), // SYSVSEM
        (1 << 13, 0x0001_0000), // THREAD
        (1 << 14, 0x0080_0000), // UNTRACED
        (1 << 15, 0x100),       // VM
        (1 << 20, 0x1000_0000), // NEWUSER
        (1 << 23, 0x0020_0000), // CHILD_CLEARTID
        (1 << 24, 0x0100_0000), // CHILD_SETTID
        (1 << 25, 0x0008_0000), // SETTLS
        (1 << 27, 0x4000),      // VFORK
        (1 << 28, 0x0200_0000), // NEWCGROUP
    ];
    u64::from(map_bits(ppm, MAP))
}

pub const PPM_CL_CLONE_THREAD: u32 = 1 << 13;
pub const PPM_CL_CLONE_PARENT: u32 = 1 << 8;

/// `PPM_MAP_*` → `MAP_*` (RENAME, INHERIT and FILE have no x86_64 bit).
pub fn mmap_flags(ppm: u32) -> u32 {
    const MAP: BitMap = &[
        (1 << 0, 0x1),     // SHARED
        (1 << 1, 0x2),     // PRIVATE
        (1 << 2, 0x10),    // FIXED
        (1 << 3, 0x20),    // ANONYMOUS
        (1 << 4, 0x40),    // 32BIT
        (1 << 6, 0x4000),  // NORESERVE
        (1 << 7, 0x8000),  // POPULATE
        (1 << 8, 0x10000), // NONBLOCK
        (1 << 9, 0x100),   // GROWSDOWN
        (1 << 10, 0x800),  // DENYWRITE
        (1 << 11, 0x1000), // EXECUTABLE
        (1 << 14, 0x2000), // LOCKED
    ];
    map_bits(ppm, MAP)
}

/// `PPM_PROT_*` → `PROT_*`: READ/WRITE/EXEC/SEM share their bits, GROWSDOWN/UP do not.
pub fn prot_flags(ppm: u32) -> u32 {
    (ppm & 0xf)
        | if ppm & (1 << 4) != 0 { 0x0100_0000 } else { 0 }
        | if ppm & (1 << 5) != 0 { 0x0200_0000 } else { 0 }
}

/// `PPM_FCNTL_*` → `F_*` (x86_64).
pub fn fcntl_cmd(ppm: u32) -> u32 {
    match ppm {
        1 => 0,     // F_DUPFD
        2 => 1,     // F_GETFD
        3 => 2,     // F_SETFD
        4 => 3,     // F_GETFL
        5 => 4,     // F_SETFL
        6 => 5,     // F_GETLK
        8 => 6,     // F_SETLK
        9 => 7,     // F_SETLKW
        10 => 8,    // F_SETOWN
        12 => 9,    // F_GETOWN
        13 => 10,   // F_SETSIG
        15 => 11,   // F_GETSIG
        21 => 15,   // F_SETOWN_EX
        22 => 16,   // F_GETOWN_EX
        23 => 1024, // F_SETLEASE
        24 => 1025, // F_GETLEASE
        25 => 1029, // F_CANCELLK
        26 => 1030, // F_DUPFD_CLOEXEC
        27 => 1026, // F_NOTIFY
        28 => 1031, // F_SETPIPE_SZ
        29 => 1032, // F_GETPIPE_SZ
        30 => 36,   // F_OFD_GETLK
        31 => 37,   // F_OFD_SETLK
        32 => 38,   // F_OFD_SETLKW
        _ => u32::MAX,
    }
}

/// `PPM_PTRACE_*` → `PTRACE_*` (x86_64).
pub fn ptrace_request(ppm: u32) -> u32 {
    const LINUX: [u32; 39] = [
        u32::MAX, // UNKNOWN
        0,        // TRACEME
        1,        // PEEKTEXT
        2,        // PEEKDATA
        3,        // PEEKUSR
        4,        // POKETEXT
        5,        // POKEDATA
        6,        // POKEUSR
        7,        // CONT
        8,        // KILL
        9,        // SINGLESTEP
        16,       // ATTACH
        17,       // DETACH
        24,       // SYSCALL
        0x4200,   // SETOPTIONS
        0x4201,   // GETEVENTMSG
        0x4202,   // GETSIGINFO
        0x4203,   // SETSIGINFO
        0x4204,   // GETREGSET
        0x4205,   // SETREGSET
        0x4206,   // SEIZE
        0x4207,   // INTERRUPT
        0x4208,   // LISTEN
        0x4209,   // PEEKSIGINFO
        0x420a,   // GETSIGMASK
        0x420b,   // SETSIGMASK
        12,       // GETREGS
        13,       // SETREGS
        14,       // GETFPREGS
        15,       // SETFPREGS
        18,       // GETFPXREGS
        19,       // SETFPXREGS
        21,       // OLDSETOPTIONS
        25,       // GET_THREAD_AREA
        26,       // SET_THREAD_AREA
        30,       // ARCH_PRCTL
        31,       // SYSEMU
        32,       // SYSEMU_SINGLESTEP
        33,       // SINGLEBLOCK
    ];
    LINUX.get(ppm as usize).copied().unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_flags_from_libs() {
        // The reference's example: flags=4097 is O_RDONLY|O_CLOEXEC.
        assert_eq!(open_flags(4097), 0o2000000);
        assert_eq!(open_flags(2 | 4 | 256), 0o1 | 0o100 | 0o1000); // WRONLY|CREAT|TRUNC
        assert_eq!(open_flags(3 | 8), 0o2 | 0o2000); // RDWR|APPEND
        assert_eq!(open_flags(1 << 14), 0, "F_CREATED is libs' own");
    }

    #[test]
    fn clone_and_fcntl_from_libs() {
        let thread = PPM_CL_CLONE_THREAD | (1 << 15) | (1 << 11) | (1 << 0) | (1 << 1);
        assert_eq!(clone_flags(thread), 0x10000 | 0x100 | 0x800 | 0x400 | 0x200);
        assert_eq!(clone_flags(1 << 18), 0, "CLOSED is libsinsp's own");
        assert_eq!(fcntl_cmd(1), 0);
        assert_eq!(fcntl_cmd(26), 1030);
        assert_eq!(ptrace_request(11), 16);
        assert_eq!(ptrace_request(20), 0x4206);
    }
}
