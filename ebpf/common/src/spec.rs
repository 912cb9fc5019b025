//! Which syscall arguments the probe dereferences, and how (x86_64 numbers).
//!
//! Every recorded syscall carries its six raw registers. Arguments that point at something worth
//! keeping (a path, a socket address, an fd pair, the first bytes of data) are read into blobs,
//! one per such argument in argument order, followed by the extra blobs the spec's flags ask for
//! (socket tuple, file id).
//! The probe and the decoder both walk this one table, so they cannot disagree.

use crate::MAX_SYSCALLS;

/// How one argument is read (4 bits per argument in a [`Spec`]).
pub mod arg {
    pub const NONE: u8 = 0;
    /// A NUL-terminated user string (path, name), up to `MAX_STR`.
    pub const STR: u8 = 1;
    /// A `struct sockaddr *` whose length is the next argument's value.
    pub const SOCKADDR: u8 = 2;
    /// A `struct sockaddr *` filled by the kernel; the next argument points at its length.
    /// Read only on success.
    pub const SOCKADDR_OUT: u8 = 3;
    /// An `int[2]` filled by the kernel (pipe, socketpair). Read only on success.
    pub const FD_PAIR: u8 = 4;
    /// A `struct msghdr *`: its `msg_name` socket address.
    pub const MSGHDR: u8 = 5;
    /// The first 32 bytes of a struct (open_how, clone_args, capset data, io_uring_params).
    pub const RAW32: u8 = 6;
    /// prctl's second argument as a string, only for `PR_SET_NAME`.
    pub const PRCTL_NAME: u8 = 7;
    /// A data buffer whose length is the next argument (read, write, sendto, …): its first
    /// `Config::snaplen` bytes, as Falco's drivers keep them. The decoder cuts it to what the
    /// call transferred. Not read when the call failed.
    pub const DATA: u8 = 8;
    /// A `struct iovec *` whose count is the next argument (readv, writev, preadv, pwritev;
    /// always argument 1, never at entry): the sum of the buffers' lengths (a `u64`), then the
    /// first `Config::snaplen` bytes of its buffers' data. Not read when the call failed.
    pub const IOVEC: u8 = 9;
}

/// Extra blobs and conditions (bits above the argument kinds in a [`Spec`]).
pub mod extra {
    /// A [`crate::SockTuple`] of the socket in argument 0 (on success or `EINPROGRESS`).
    pub const TUPLE_ARG0: u8 = 1;
    /// A [`crate::SockTuple`] of the socket the call returned (on success).
    pub const TUPLE_RES: u8 = 2;
    /// A [`crate::FileId`] of the fd the call returned (on success, and only with
    /// `Config::file_ids`; an empty blob otherwise).
    pub const FILE_RES: u8 = 4;
    /// Arguments are read only when the call failed (a successful exec has replaced the memory
    /// they pointed at; the exec record carries them instead).
    pub const ONLY_ON_FAILURE: u8 = 8;
    /// The arguments are also copied at syscall entry (`sys_enter`), and the record carries that
    /// copy: a thread racing the call cannot swap the path or address the kernel used for
    /// another one before the exit-time read (TOCTOU). Where the exit-time read differs, the
    /// record says so (`record::flags::ARG_CHANGED`). Only for argument kinds the process
    /// passes in (never `*_OUT` or `FD_PAIR`), and at most [`crate::ENTRY_BYTES`] of blobs.
    pub const AT_ENTRY: u8 = 16;
    /// The data of the `struct msghdr *` in argument 1 (sendmsg, recvmsg): its `msg_iov` array
    /// read as an [`super::arg::IOVEC`] blob, after the other extras (on success).
    pub const MSG_DATA: u8 = 32;
}

/// One syscall's spec: argument `i`'s kind in bits `4i..4i+4`, extra flags in bits 24..32.
pub type Spec = u32;

/// The kind of argument `i` in `spec`.
pub const fn arg_kind(spec: Spec, i: usize) -> u8 {
    ((spec >> (4 * i)) & 0xf) as u8
}

/// The extra flags of `spec`.
pub const fn extras(spec: Spec) -> u8 {
    (spec >> 24) as u8
}

const fn s(args: [u8; 6], extra: u8) -> Spec {
    let mut v = 0u32;
    let mut i = 0;
    while i < 6 {
        v |= (args[i] as u32) << (4 * i);
        i += 1;
    }
    v | ((extra as u32) << 24)
}

use arg::*;
use extra::*;

const N: u8 = NONE;

/// `(syscall number, spec)` for every syscall with arguments worth dereferencing.
const ENTRIES: &[(u16, Spec)] = &[
    (0, s([N, DATA, N, N, N, N], 0)),                           // read
    (1, s([N, DATA, N, N, N, N], 0)),                           // write
    (2, s([STR, N, N, N, N, N], FILE_RES | AT_ENTRY)),          // open
    (17, s([N, DATA, N, N, N, N], 0)),                          // pread64
    (18, s([N, DATA, N, N, N, N], 0)),                          // pwrite64
    (19, s([N, IOVEC, N, N, N, N], 0)),                         // readv
    (20, s([N, IOVEC, N, N, N, N], 0)),                         // writev
    (22, s([FD_PAIR, N, N, N, N, N], 0)),                       // pipe
    (42, s([N, SOCKADDR, N, N, N, N], TUPLE_ARG0 | AT_ENTRY)),  // connect
    (43, s([N, SOCKADDR_OUT, N, N, N, N], TUPLE_RES)),          // accept
    (44, s([N, DATA, N, N, SOCKADDR, N], AT_ENTRY)),            // sendto
    (45, s([N, DATA, N, N, SOCKADDR_OUT, N], 0)),               // recvfrom
    (46, s([N, MSGHDR, N, N, N, N], AT_ENTRY | MSG_DATA)),      // sendmsg
    (47, s([N, MSGHDR, N, N, N, N], MSG_DATA)),                 // recvmsg
    (49, s([N, SOCKADDR, N, N, N, N], AT_ENTRY)),               // bind
    (53, s([N, N, N, FD_PAIR, N, N], 0)),                       // socketpair
    (59, s([STR, N, N, N, N, N], ONLY_ON_FAILURE | AT_ENTRY)),  // execve
    (80, s([STR, N, N, N, N, N], AT_ENTRY)),                    // chdir
    (82, s([STR, STR, N, N, N, N], AT_ENTRY)),                  // rename
    (83, s([STR, N, N, N, N, N], AT_ENTRY)),                    // mkdir
    (84, s([STR, N, N, N, N, N], AT_ENTRY)),                    // rmdir
    (85, s([STR, N, N, N, N, N], FILE_RES | AT_ENTRY)),         // creat
    (86, s([STR, STR, N, N, N, N], AT_ENTRY)),                  // link
    (87, s([STR, N, N, N, N, N], AT_ENTRY)),                    // unlink
    (88, s([STR, STR, N, N, N, N], AT_ENTRY)),                  // symlink
    (90, s([STR, N, N, N, N, N], AT_ENTRY)),                    // chmod
    (92, s([STR, N, N, N, N, N], AT_ENTRY)),                    // chown
    (94, s([STR, N, N, N, N, N], AT_ENTRY)),                    // lchown
    (126, s([N, RAW32, N, N, N, N], AT_ENTRY)),                 // capset
    (157, s([N, PRCTL_NAME, N, N, N, N], AT_ENTRY)),            // prctl
    (161, s([STR, N, N, N, N, N], AT_ENTRY)),                   // chroot
    (165, s([STR, STR, STR, N, N, N], 0)),                      // mount
    (166, s([STR, N, N, N, N, N], AT_ENTRY)),                   // umount2
    (175, s([N, N, STR, N, N, N], AT_ENTRY)),                   // init_module
    (176, s([STR, N, N, N, N, N], AT_ENTRY)),                   // delete_module
    (257, s([N, STR, N, N, N, N], FILE_RES | AT_ENTRY)),        // openat
    (258, s([N, STR, N, N, N, N], AT_ENTRY)),                   // mkdirat
    (260, s([N, STR, N, N, N, N], AT_ENTRY)),                   // fchownat
    (263, s([N, STR, N, N, N, N], AT_ENTRY)),                   // unlinkat
    (264, s([N, STR, N, STR, N, N], AT_ENTRY)),                 // renameat
    (265, s([N, STR, N, STR, N, N], AT_ENTRY)),                 // linkat
    (266, s([STR, N, STR, N, N, N], AT_ENTRY)),                 // symlinkat
    (268, s([N, STR, N, N, N, N], AT_ENTRY)),                   // fchmodat
    (288, s([N, SOCKADDR_OUT, N, N, N, N], TUPLE_RES)),         // accept4
    (293, s([FD_PAIR, N, N, N, N, N], 0)),                      // pipe2
    (295, s([N, IOVEC, N, N, N, N], 0)),                        // preadv
    (296, s([N, IOVEC, N, N, N, N], 0)),                        // pwritev
    (313, s([N, STR, N, N, N, N], AT_ENTRY)),                   // finit_module
    (316, s([N, STR, N, STR, N, N], AT_ENTRY)),                 // renameat2
    (319, s([STR, N, N, N, N, N], AT_ENTRY)),                   // memfd_create
    (322, s([N, STR, N, N, N, N], ONLY_ON_FAILURE | AT_ENTRY)), // execveat
    (425, s([N, RAW32, N, N, N, N], 0)),                        // io_uring_setup
    (435, s([RAW32, N, N, N, N, N], AT_ENTRY)),                 // clone3
    (437, s([N, STR, RAW32, N, N, N], FILE_RES | AT_ENTRY)),    // openat2
    (452, s([N, STR, N, N, N, N], AT_ENTRY)),                   // fchmodat2
];

const fn build() -> [Spec; MAX_SYSCALLS] {
    let mut t = [0; MAX_SYSCALLS];
    let mut i = 0;
    while i < ENTRIES.len() {
        t[ENTRIES[i].0 as usize] = ENTRIES[i].1;
        i += 1;
    }
    t
}

/// Most bytes the argument blobs of `spec` can take (length prefixes included).
pub const fn max_arg_bytes(spec: Spec) -> usize {
    let mut total = 0;
    let mut i = 0;
    while i < 6 {
        total += match arg_kind(spec, i) {
            NONE => 0,
            STR => crate::MAX_STR + 2,
            SOCKADDR | SOCKADDR_OUT | MSGHDR => 128 + 2,
            FD_PAIR => 8 + 2,
            RAW32 => 32 + 2,
            DATA => crate::config::MAX_SNAPLEN as usize + 2,
            IOVEC => 8 + crate::config::MAX_SNAPLEN as usize + 2,
            _ => 16 + 2, // PRCTL_NAME
        };
        i += 1;
    }
    total
}

/// True if every `AT_ENTRY` spec only has arguments the process passes in, and each of its
/// blobs starts below `ENTRY_HALF` in the entry copy (so the copy can hold them all).
const fn entry_specs_fit() -> bool {
    let mut i = 0;
    while i < ENTRIES.len() {
        let sp = ENTRIES[i].1;
        if extras(sp) & AT_ENTRY != 0 {
            if max_arg_bytes(sp) > crate::ENTRY_MAX_LEN {
                return false;
            }
            let mut start = 0;
            let mut a = 0;
            while a < 6 {
                let k = arg_kind(sp, a);
                if k == SOCKADDR_OUT || k == FD_PAIR || k == IOVEC {
                    return false;
                }
                if k != NONE {
                    if start >= crate::ENTRY_HALF {
                        return false;
                    }
                    start += max_arg_bytes(s([k, NONE, NONE, NONE, NONE, NONE], 0));
                }
                a += 1;
            }
        }
        i += 1;
    }
    true
}
const _: () = assert!(entry_specs_fit());

/// The spec of every syscall number (0 = nothing to dereference).
pub static SPECS: [Spec; MAX_SYSCALLS] = build();

/// The spec of syscall `nr`.
pub fn spec(nr: u16) -> Spec {
    SPECS.get(nr as usize).copied().unwrap_or(0)
}

/// `PR_SET_NAME`.
pub const PR_SET_NAME: u64 = 15;
/// `-EINPROGRESS`: a non-blocking connect that is under way still has its tuple.
pub const EINPROGRESS: i64 = -115;
