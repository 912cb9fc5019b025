//! Which syscall arguments the probe dereferences, and how (x86_64 numbers).
//!
//! Every recorded syscall carries its six raw registers. Arguments that point at something worth
//! keeping (a path, a socket address, an fd pair) are read into blobs, one per such argument in
//! argument order, followed by the extra blobs the spec's flags ask for (socket tuple, file id).
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
    (2, s([STR, N, N, N, N, N], FILE_RES)),             // open
    (22, s([FD_PAIR, N, N, N, N, N], 0)),               // pipe
    (42, s([N, SOCKADDR, N, N, N, N], TUPLE_ARG0)),     // connect
    (43, s([N, SOCKADDR_OUT, N, N, N, N], TUPLE_RES)),  // accept
    (44, s([N, N, N, N, SOCKADDR, N], 0)),              // sendto
    (45, s([N, N, N, N, SOCKADDR_OUT, N], 0)),          // recvfrom
    (46, s([N, MSGHDR, N, N, N, N], 0)),                // sendmsg
    (47, s([N, MSGHDR, N, N, N, N], 0)),                // recvmsg
    (49, s([N, SOCKADDR, N, N, N, N], 0)),              // bind
    (53, s([N, N, N, FD_PAIR, N, N], 0)),               // socketpair
    (59, s([STR, N, N, N, N, N], ONLY_ON_FAILURE)),     // execve
    (80, s([STR, N, N, N, N, N], 0)),                   // chdir
    (82, s([STR, STR, N, N, N, N], 0)),                 // rename
    (83, s([STR, N, N, N, N, N], 0)),                   // mkdir
    (84, s([STR, N, N, N, N, N], 0)),                   // rmdir
    (85, s([STR, N, N, N, N, N], FILE_RES)),            // creat
    (86, s([STR, STR, N, N, N, N], 0)),                 // link
    (87, s([STR, N, N, N, N, N], 0)),                   // unlink
    (88, s([STR, STR, N, N, N, N], 0)),                 // symlink
    (90, s([STR, N, N, N, N, N], 0)),                   // chmod
    (92, s([STR, N, N, N, N, N], 0)),                   // chown
    (94, s([STR, N, N, N, N, N], 0)),                   // lchown
    (126, s([N, RAW32, N, N, N, N], 0)),                // capset
    (157, s([N, PRCTL_NAME, N, N, N, N], 0)),           // prctl
    (161, s([STR, N, N, N, N, N], 0)),                  // chroot
    (165, s([STR, STR, STR, N, N, N], 0)),              // mount
    (166, s([STR, N, N, N, N, N], 0)),                  // umount2
    (175, s([N, N, STR, N, N, N], 0)),                  // init_module
    (176, s([STR, N, N, N, N, N], 0)),                  // delete_module
    (257, s([N, STR, N, N, N, N], FILE_RES)),           // openat
    (258, s([N, STR, N, N, N, N], 0)),                  // mkdirat
    (260, s([N, STR, N, N, N, N], 0)),                  // fchownat
    (263, s([N, STR, N, N, N, N], 0)),                  // unlinkat
    (264, s([N, STR, N, STR, N, N], 0)),                // renameat
    (265, s([N, STR, N, STR, N, N], 0)),                // linkat
    (266, s([STR, N, STR, N, N, N], 0)),                // symlinkat
    (268, s([N, STR, N, N, N, N], 0)),                  // fchmodat
    (288, s([N, SOCKADDR_OUT, N, N, N, N], TUPLE_RES)), // accept4
    (293, s([FD_PAIR, N, N, N, N, N], 0)),              // pipe2
    (313, s([N, STR, N, N, N, N], 0)),                  // finit_module
    (316, s([N, STR, N, STR, N, N], 0)),                // renameat2
    (319, s([STR, N, N, N, N, N], 0)),                  // memfd_create
    (322, s([N, STR, N, N, N, N], ONLY_ON_FAILURE)),    // execveat
    (425, s([N, RAW32, N, N, N, N], 0)),                // io_uring_setup
    (435, s([RAW32, N, N, N, N, N], 0)),                // clone3
    (437, s([N, STR, RAW32, N, N, N], FILE_RES)),       // openat2
    (452, s([N, STR, N, N, N, N], 0)),                  // fchmodat2
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
