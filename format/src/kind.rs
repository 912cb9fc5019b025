//! Event kinds: which syscall (or lifecycle event) a record is, named as Falco names it.

macro_rules! kinds {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal, $name:literal, [$($nr:literal),*]; )*) => {
        /// The kind of an event. The numeric codes are part of the on-disk format: never renumber.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u16)]
        pub enum Kind {
            $( $(#[$doc])* $variant = $code, )*
        }

        impl Kind {
            /// Every kind, in code order.
            pub const ALL: &'static [Kind] = &[$(Kind::$variant,)*];

            /// Falco's `evt.type` name. For [`Kind::Generic`] the name comes from the syscall
            /// number in the event's arguments instead (see `Event::type_name`).
            pub const fn name(self) -> &'static str {
                match self { $( Kind::$variant => $name, )* }
            }

            /// The x86_64 syscall numbers recorded as this kind (empty for non-syscall events).
            pub const fn syscalls(self) -> &'static [u16] {
                match self { $( Kind::$variant => &[$($nr),*], )* }
            }

            /// The kind with this on-disk code.
            pub const fn from_code(code: u16) -> Option<Kind> {
                match code { $( $code => Some(Kind::$variant), )* _ => None }
            }

            /// The kind named `name` (Falco's event-type name).
            pub fn from_name(name: &str) -> Option<Kind> {
                match name { $( $name => Some(Kind::$variant), )* _ => None }
            }
        }
    };
}

kinds! {
    /// Any syscall without a kind of its own: number and six raw arguments.
    Generic = 0, "syscall", [];
    Execve = 1, "execve", [59];
    Execveat = 2, "execveat", [322];
    Clone = 3, "clone", [56];
    Clone3 = 4, "clone3", [435];
    Fork = 5, "fork", [57];
    Vfork = 6, "vfork", [58];
    /// A process (thread group leader) or thread ended: from `sched_process_exit`.
    ProcExit = 7, "procexit", [];
    Open = 8, "open", [2];
    Openat = 9, "openat", [257];
    Openat2 = 10, "openat2", [437];
    Creat = 11, "creat", [85];
    OpenByHandleAt = 12, "open_by_handle_at", [304];
    Close = 13, "close", [3];
    Connect = 14, "connect", [42];
    Accept = 15, "accept", [43];
    Accept4 = 16, "accept4", [288];
    Bind = 17, "bind", [49];
    Listen = 18, "listen", [50];
    Socket = 19, "socket", [41];
    Socketpair = 20, "socketpair", [53];
    Sendto = 21, "sendto", [44];
    Sendmsg = 22, "sendmsg", [46];
    Recvfrom = 23, "recvfrom", [45];
    Recvmsg = 24, "recvmsg", [47];
    Dup = 25, "dup", [32];
    Dup2 = 26, "dup2", [33];
    Dup3 = 27, "dup3", [292];
    Unlink = 28, "unlink", [87];
    Unlinkat = 29, "unlinkat", [263];
    Rename = 30, "rename", [82];
    Renameat = 31, "renameat", [264];
    Renameat2 = 32, "renameat2", [316];
    Mkdir = 33, "mkdir", [83];
    Mkdirat = 34, "mkdirat", [258];
    Rmdir = 35, "rmdir", [84];
    Symlink = 36, "symlink", [88];
    Symlinkat = 37, "symlinkat", [266];
    Link = 38, "link", [86];
    Linkat = 39, "linkat", [265];
    Chmod = 40, "chmod", [90];
    Fchmod = 41, "fchmod", [91];
    Fchmodat = 42, "fchmodat", [268, 452];
    Chown = 43, "chown", [92];
    Lchown = 44, "lchown", [94];
    Fchown = 45, "fchown", [93];
    Fchownat = 46, "fchownat", [260];
    Setuid = 47, "setuid", [105];
    Setgid = 48, "setgid", [106];
    Setresuid = 49, "setresuid", [117];
    Setresgid = 50, "setresgid", [119];
    Setreuid = 51, "setreuid", [113];
    Setregid = 52, "setregid", [114];
    Ptrace = 53, "ptrace", [101];
    Mount = 54, "mount", [165];
    Umount2 = 55, "umount2", [166];
    Kill = 56, "kill", [62];
    Tkill = 57, "tkill", [200];
    Tgkill = 58, "tgkill", [234];
    InitModule = 59, "init_module", [175];
    FinitModule = 60, "finit_module", [313];
    DeleteModule = 61, "delete_module", [176];
    Bpf = 62, "bpf", [321];
    MemfdCreate = 63, "memfd_create", [319];
    Mprotect = 64, "mprotect", [10];
    Mmap = 65, "mmap", [9];
    Chdir = 66, "chdir", [80];
    Fchdir = 67, "fchdir", [81];
    Chroot = 68, "chroot", [161];
    Unshare = 69, "unshare", [272];
    Setns = 70, "setns", [308];
    Capset = 71, "capset", [126];
    Prctl = 72, "prctl", [157];
    Userfaultfd = 73, "userfaultfd", [323];
    IoUringSetup = 74, "io_uring_setup", [425];
    ProcessVmReadv = 75, "process_vm_readv", [310];
    ProcessVmWritev = 76, "process_vm_writev", [311];
    Pipe = 77, "pipe", [22];
    Pipe2 = 78, "pipe2", [293];
    Setsid = 79, "setsid", [112];
    Setpgid = 80, "setpgid", [109];
    Fcntl = 81, "fcntl", [72];
    Read = 82, "read", [0];
    Write = 83, "write", [1];
    Pread = 84, "pread", [17];
    Pwrite = 85, "pwrite", [18];
    Readv = 86, "readv", [19];
    Writev = 87, "writev", [20];
    Preadv = 88, "preadv", [295];
    Pwritev = 89, "pwritev", [296];
}

impl Kind {
    /// The kind a syscall number is recorded as ([`Kind::Generic`] when it has none).
    pub fn from_syscall(nr: u16) -> Kind {
        static TABLE: std::sync::OnceLock<Vec<Kind>> = std::sync::OnceLock::new();
        let table = TABLE.get_or_init(|| {
            let mut t = vec![Kind::Generic; crate::syscalls::MAX_NR];
            for &k in Kind::ALL {
                for &nr in k.syscalls() {
                    t[nr as usize] = k;
                }
            }
            t
        });
        table.get(nr as usize).copied().unwrap_or(Kind::Generic)
    }

    /// True for the kinds that start a new program image.
    pub const fn is_exec(self) -> bool {
        matches!(self, Kind::Execve | Kind::Execveat)
    }

    /// True for the kinds that create a process or thread.
    pub const fn is_clone(self) -> bool {
        matches!(self, Kind::Clone | Kind::Clone3 | Kind::Fork | Kind::Vfork)
    }

    /// True for the calls that move data through an fd: read, write, their positioned and
    /// vectored kin, and the send and receive calls (recorded with [`crate::Args::Io`]).
    pub const fn moves_data(self) -> bool {
        matches!(
            self,
            Kind::Read
                | Kind::Write
                | Kind::Pread
                | Kind::Pwrite
                | Kind::Readv
                | Kind::Writev
                | Kind::Preadv
                | Kind::Pwritev
                | Kind::Sendto
                | Kind::Sendmsg
                | Kind::Recvfrom
                | Kind::Recvmsg
        )
    }

    /// True for the open family (their result is a new fd, their path is `fd.name`).
    pub const fn is_open(self) -> bool {
        matches!(
            self,
            Kind::Open | Kind::Openat | Kind::Openat2 | Kind::Creat | Kind::OpenByHandleAt
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_names_and_syscalls_are_consistent() {
        for (i, &k) in Kind::ALL.iter().enumerate() {
            assert_eq!(k as usize, i, "codes are dense and in order");
            assert_eq!(Kind::from_code(k as u16), Some(k));
            assert_eq!(Kind::from_name(k.name()), Some(k));
            for &nr in k.syscalls() {
                assert_eq!(Kind::from_syscall(nr), k);
                let name = crate::syscalls::name(nr).unwrap();
                // fchmodat2 is recorded as fchmodat; Falco drops pread64's and pwrite64's "64".
                if nr != 452 {
                    assert_eq!(name.trim_end_matches("64"), k.name(), "syscall {nr}");
                }
            }
        }
        assert_eq!(Kind::from_syscall(39), Kind::Generic); // getpid
        assert_eq!(Kind::from_syscall(u16::MAX), Kind::Generic);
    }
}
