//! A kernel syscall record's raw registers and blobs → typed `Args` (x86_64 argument order).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use rtsec_ebpf_common::{FileId, SockTuple, record::decode, spec};
use rtsec_format::{AT_FDCWD, Args, Kind, PathArg, SockAddr};

use super::super::state::{SockInfo, fds};

/// The blobs of one syscall record, by argument position, then the extras.
#[derive(Default)]
pub struct RecBlobs<'a> {
    pub arg: [&'a [u8]; 6],
    pub tuple: Option<SockTuple>,
    pub file: Option<FileId>,
    /// A sendmsg's or recvmsg's iovec blob (`spec::extra::MSG_DATA`).
    pub msg_data: &'a [u8],
}

/// Splits a syscall record's variable part according to the spec of `nr`.
pub fn split(nr: u16, rest: &[u8]) -> RecBlobs<'_> {
    let sp = spec::spec(nr);
    let mut b = RecBlobs::default();
    if sp == 0 {
        return b;
    }
    let mut it = decode::Blobs::new(rest);
    for i in 0..6 {
        if spec::arg_kind(sp, i) != spec::arg::NONE {
            b.arg[i] = it.next().unwrap_or(&[]);
        }
    }
    let ex = spec::extras(sp);
    if ex & (spec::extra::TUPLE_ARG0 | spec::extra::TUPLE_RES) != 0 {
        b.tuple = it.next().and_then(decode::read::<SockTuple>);
    }
    if ex & spec::extra::FILE_RES != 0 {
        b.file = it.next().and_then(decode::read::<FileId>);
    }
    if ex & spec::extra::MSG_DATA != 0 {
        b.msg_data = it.next().unwrap_or(&[]);
    }
    b
}

const AF_UNIX: u16 = fds::family::UNIX;
const AF_INET: u16 = fds::family::INET;
const AF_INET6: u16 = fds::family::INET6;
/// `O_CREAT | O_WRONLY | O_TRUNC`: what creat() opens with.
const CREAT_FLAGS: u32 = 0o1101;

/// A `struct sockaddr` as the process passed or received it.
pub fn sockaddr(b: &[u8]) -> SockAddr<&[u8]> {
    if b.len() < 2 {
        return SockAddr::None;
    }
    let family = u16::from_ne_bytes([b[0], b[1]]);
    match family {
        AF_INET if b.len() >= 8 => SockAddr::Inet {
            ip: IpAddr::V4(Ipv4Addr::new(b[4], b[5], b[6], b[7])),
            port: u16::from_be_bytes([b[2], b[3]]),
        },
        AF_INET6 if b.len() >= 24 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(&b[8..24]);
            SockAddr::Inet {
                ip: IpAddr::V6(Ipv6Addr::from(a)),
                port: u16::from_be_bytes([b[2], b[3]]),
            }
        }
        AF_UNIX => {
            let p = &b[2..];
            let path = if p.first() == Some(&0) {
                // Abstract name: the whole length, leading NUL kept.
                p
            } else {
                &p[..p.iter().position(|&c| c == 0).unwrap_or(p.len())]
            };
            SockAddr::Unix { path }
        }
        f => SockAddr::Other { family: f },
    }
}

/// The kernel's view of a socket, if the probe read one.
pub fn sock_info(t: &SockTuple) -> Option<SockInfo<&'static [u8]>> {
    let l4 = fds::l4proto(t.sock_type as u32, t.protocol as u32);
    match t.family {
        AF_INET => {
            let ip = |a: &[u8; 16]| IpAddr::V4(Ipv4Addr::new(a[0], a[1], a[2], a[3]));
            Some(SockInfo::Inet {
                proto: l4,
                local: SocketAddr::new(ip(&t.laddr), t.lport),
                remote: SocketAddr::new(ip(&t.raddr), t.rport),
            })
        }
        AF_INET6 => Some(SockInfo::Inet {
            proto: l4,
            local: SocketAddr::new(IpAddr::V6(Ipv6Addr::from(t.laddr)), t.lport),
            remote: SocketAddr::new(IpAddr::V6(Ipv6Addr::from(t.raddr)), t.rport),
        }),
        AF_UNIX => Some(SockInfo::Unix {
            sk: t.sk,
            peer: t.peer,
            path: &[],
        }),
        _ => None,
    }
}

fn fd(v: u64) -> i64 {
    v as i32 as i64
}

fn path(b: &[u8]) -> PathArg<&[u8]> {
    PathArg {
        raw: b,
        resolved: &[],
    }
}

/// The part of a data buffer's copy (`spec::arg::DATA`: up to the snaplen of what the process
/// asked for) that the call transferred: none when it failed.
fn transferred(b: &[u8], res: i64) -> &[u8] {
    &b[..b.len().min(res.max(0) as usize)]
}

/// An iovec blob (`spec::arg::IOVEC`): the buffers' total length and the first bytes of their
/// data; 0 and none when it was not read.
fn iovecs(b: &[u8]) -> (u64, &[u8]) {
    match b.split_first_chunk::<8>() {
        Some((total, data)) => (u64::from_ne_bytes(*total), data),
        None => (0, &[]),
    }
}

/// True if `nr`'s record carries a data buffer and the call transferred more than its copy
/// holds (Falco's snaplen): the event is flagged `DATA_TRUNCATED`, as an import flags it.
pub fn data_cut(nr: u16, data_len: usize, res: i64) -> bool {
    let sp = spec::spec(nr);
    let kept = matches!(spec::arg_kind(sp, 1), spec::arg::DATA | spec::arg::IOVEC)
        || spec::extras(sp) & spec::extra::MSG_DATA != 0;
    kept && res > data_len as i64
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .map_or(0, |x| u32::from_ne_bytes([x[0], x[1], x[2], x[3]]))
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 8).map_or(0, |x| {
        u64::from_ne_bytes([x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7]])
    })
}

fn ids(a: &[u64; 6], n: usize) -> [u32; 3] {
    let mut out = [u32::MAX; 3];
    for (i, o) in out.iter_mut().enumerate().take(n) {
        *o = a[i] as u32;
    }
    out
}

/// A device number as the kernel keeps it (`MAJOR << 20 | MINOR`, a super block's `s_dev`)
/// in the encoding Falco's drivers report and `stat(2)` gives (`new_encode_dev`): 8:1 is
/// `0x801`, not `0x800001`.
fn encoded_dev(kdev: u32) -> u32 {
    let (major, minor) = (kdev >> 20, kdev & 0xf_ffff);
    (minor & 0xff) | (major << 8) | ((minor & !0xff) << 12)
}

/// Typed arguments of syscall `nr` recorded as `kind`.
pub fn typed<'a>(kind: Kind, nr: u16, a: &[u64; 6], b: &RecBlobs<'a>, res: i64) -> Args<&'a [u8]> {
    let file = b.file.unwrap_or_default();
    let (dev, ino) = if res >= 0 {
        (encoded_dev(file.dev), file.ino)
    } else {
        (0, 0)
    };
    use Kind as K;
    match kind {
        K::Generic => Args::Generic { nr, args: *a },
        K::Execve => Args::Exec {
            dirfd: AT_FDCWD,
            filename: path(b.arg[0]),
            flags: 0,
        },
        K::Execveat => Args::Exec {
            dirfd: fd(a[0]),
            filename: path(b.arg[1]),
            flags: a[4] as u32,
        },
        K::Clone | K::Fork | K::Vfork if res == 0 => Args::None,
        K::Clone3 if res == 0 => Args::None,
        K::Clone => Args::Clone { flags: a[0] },
        K::Clone3 => Args::Clone {
            flags: u64_at(b.arg[0], 0),
        },
        K::Fork | K::Vfork => Args::Clone { flags: 0 },
        K::Open => Args::Open {
            dirfd: AT_FDCWD,
            path: path(b.arg[0]),
            flags: a[1] as u32,
            mode: a[2] as u32,
            resolve: 0,
            dev,
            ino,
        },
        K::Openat => Args::Open {
            dirfd: fd(a[0]),
            path: path(b.arg[1]),
            flags: a[2] as u32,
            mode: a[3] as u32,
            resolve: 0,
            dev,
            ino,
        },
        K::Openat2 => Args::Open {
            dirfd: fd(a[0]),
            path: path(b.arg[1]),
            flags: u64_at(b.arg[2], 0) as u32,
            mode: u64_at(b.arg[2], 8) as u32,
            resolve: u64_at(b.arg[2], 16),
            dev,
            ino,
        },
        K::Creat => Args::Open {
            dirfd: AT_FDCWD,
            path: path(b.arg[0]),
            flags: CREAT_FLAGS,
            mode: a[1] as u32,
            resolve: 0,
            dev,
            ino,
        },
        K::OpenByHandleAt => Args::Open {
            dirfd: fd(a[0]),
            path: path(&[]),
            flags: a[2] as u32,
            mode: 0,
            resolve: 0,
            dev,
            ino,
        },
        K::Close | K::Fchdir => Args::Fd { fd: fd(a[0]) },
        K::Connect | K::Bind => Args::Connect {
            fd: fd(a[0]),
            addr: sockaddr(b.arg[1]),
        },
        K::Accept | K::Accept4 => Args::Accept {
            fd: fd(a[0]),
            flags: if kind == K::Accept4 { a[3] as u32 } else { 0 },
            addr: sockaddr(b.arg[1]),
        },
        K::Listen => Args::Listen {
            fd: fd(a[0]),
            backlog: a[1] as i32,
        },
        K::Socket => Args::Socket {
            domain: a[0] as u32,
            ty: a[1] as u32,
            proto: a[2] as u32,
        },
        K::Socketpair => Args::Socketpair {
            domain: a[0] as u32,
            ty: a[1] as u32,
            proto: a[2] as u32,
            fd1: u32_at(b.arg[3], 0) as i32 as i64,
            fd2: u32_at(b.arg[3], 4) as i32 as i64,
        },
        K::Sendto | K::Recvfrom => Args::Io {
            fd: fd(a[0]),
            size: a[2],
            pos: 0,
            addr: sockaddr(b.arg[4]),
            data: transferred(b.arg[1], res),
        },
        K::Sendmsg | K::Recvmsg => {
            let (size, data) = iovecs(b.msg_data);
            Args::Io {
                fd: fd(a[0]),
                size,
                pos: 0,
                addr: sockaddr(b.arg[1]),
                data: transferred(data, res),
            }
        }
        K::Read | K::Write => Args::Io {
            fd: fd(a[0]),
            size: a[2],
            pos: 0,
            addr: SockAddr::None,
            data: transferred(b.arg[1], res),
        },
        K::Pread | K::Pwrite => Args::Io {
            fd: fd(a[0]),
            size: a[2],
            pos: a[3],
            addr: SockAddr::None,
            data: transferred(b.arg[1], res),
        },
        // The blob is the sum of the iovecs' lengths, then their first bytes; on x86_64 the
        // offset is whole in `pos_l`.
        K::Readv | K::Writev | K::Preadv | K::Pwritev => {
            let (size, data) = iovecs(b.arg[1]);
            Args::Io {
                fd: fd(a[0]),
                size,
                pos: if matches!(kind, K::Preadv | K::Pwritev) {
                    a[3]
                } else {
                    0
                },
                addr: SockAddr::None,
                data: transferred(data, res),
            }
        }
        K::Dup => Args::Dup {
            oldfd: fd(a[0]),
            newfd: res,
            flags: 0,
        },
        K::Dup2 => Args::Dup {
            oldfd: fd(a[0]),
            newfd: fd(a[1]),
            flags: 0,
        },
        K::Dup3 => Args::Dup {
            oldfd: fd(a[0]),
            newfd: fd(a[1]),
            flags: a[2] as u32,
        },
        K::Unlink | K::Rmdir | K::Chdir | K::Chroot => Args::Path {
            dirfd: AT_FDCWD,
            path: path(b.arg[0]),
            flags: 0,
            mode: 0,
        },
        K::Mkdir | K::Chmod => Args::Path {
            dirfd: AT_FDCWD,
            path: path(b.arg[0]),
            flags: 0,
            mode: a[1] as u32,
        },
        K::Unlinkat => Args::Path {
            dirfd: fd(a[0]),
            path: path(b.arg[1]),
            flags: a[2] as u32,
            mode: 0,
        },
        K::Mkdirat => Args::Path {
            dirfd: fd(a[0]),
            path: path(b.arg[1]),
            flags: 0,
            mode: a[2] as u32,
        },
        K::Fchmod => Args::Path {
            dirfd: fd(a[0]),
            path: path(&[]),
            flags: 0,
            mode: a[1] as u32,
        },
        K::Fchmodat => Args::Path {
            dirfd: fd(a[0]),
            path: path(b.arg[1]),
            // fchmodat2 (452) has flags; fchmodat (268) has none.
            flags: if nr == 452 { a[3] as u32 } else { 0 },
            mode: a[2] as u32,
        },
        K::Rename | K::Link => Args::TwoPaths {
            olddirfd: AT_FDCWD,
            oldpath: path(b.arg[0]),
            newdirfd: AT_FDCWD,
            newpath: path(b.arg[1]),
            flags: 0,
        },
        K::Renameat | K::Renameat2 | K::Linkat => Args::TwoPaths {
            olddirfd: fd(a[0]),
            oldpath: path(b.arg[1]),
            newdirfd: fd(a[2]),
            newpath: path(b.arg[3]),
            flags: if kind == K::Renameat { 0 } else { a[4] as u32 },
        },
        K::Symlink => Args::Symlink {
            target: b.arg[0],
            linkdirfd: AT_FDCWD,
            linkpath: path(b.arg[1]),
        },
        K::Symlinkat => Args::Symlink {
            target: b.arg[0],
            linkdirfd: fd(a[1]),
            linkpath: path(b.arg[2]),
        },
        K::Chown | K::Lchown => Args::Chown {
            dirfd: AT_FDCWD,
            path: path(b.arg[0]),
            uid: a[1] as u32,
            gid: a[2] as u32,
            flags: 0,
        },
        K::Fchown => Args::Chown {
            dirfd: fd(a[0]),
            path: path(&[]),
            uid: a[1] as u32,
            gid: a[2] as u32,
            flags: 0,
        },
        K::Fchownat => Args::Chown {
            dirfd: fd(a[0]),
            path: path(b.arg[1]),
            uid: a[2] as u32,
            gid: a[3] as u32,
            flags: a[4] as u32,
        },
        K::Setuid | K::Setgid => Args::SetIds { ids: ids(a, 1) },
        K::Setreuid | K::Setregid => Args::SetIds { ids: ids(a, 2) },
        K::Setresuid | K::Setresgid => Args::SetIds { ids: ids(a, 3) },
        K::Ptrace => Args::Ptrace {
            request: a[0] as u32,
            pid: a[1] as i32 as i64,
            addr: a[2],
            data: a[3],
        },
        K::Mount => Args::Mount {
            source: b.arg[0],
            target: path(b.arg[1]),
            fstype: b.arg[2],
            flags: a[3],
        },
        K::Umount2 => Args::Umount {
            target: path(b.arg[0]),
            flags: a[1] as u32,
        },
        K::Kill => Args::Kill {
            pid: a[0] as i32 as i64,
            tid: -1,
            sig: a[1] as u32,
        },
        K::Tkill => Args::Kill {
            pid: -1,
            tid: a[0] as i32 as i64,
            sig: a[1] as u32,
        },
        K::Tgkill => Args::Kill {
            pid: a[0] as i32 as i64,
            tid: a[1] as i32 as i64,
            sig: a[2] as u32,
        },
        K::InitModule => Args::InitModule {
            len: a[1],
            uargs: b.arg[2],
        },
        K::FinitModule => Args::FinitModule {
            fd: fd(a[0]),
            uargs: b.arg[1],
            flags: a[2] as u32,
        },
        K::DeleteModule => Args::DeleteModule {
            name: b.arg[0],
            flags: a[1] as u32,
        },
        K::Bpf => Args::Bpf { cmd: a[0] as i32 },
        K::MemfdCreate => Args::MemfdCreate {
            name: b.arg[0],
            flags: a[1] as u32,
        },
        K::Mprotect => Args::Mmap {
            addr: a[0],
            len: a[1],
            prot: a[2] as u32,
            flags: 0,
            fd: -1,
            offset: 0,
        },
        K::Mmap => Args::Mmap {
            addr: a[0],
            len: a[1],
            prot: a[2] as u32,
            flags: a[3] as u32,
            fd: fd(a[4]),
            offset: a[5],
        },
        K::Unshare => Args::Namespace {
            fd: -1,
            flags: a[0] as u32,
        },
        K::Setns => Args::Namespace {
            fd: fd(a[0]),
            flags: a[1] as u32,
        },
        K::Capset => {
            // Two struct __user_cap_data_struct { effective, permitted, inheritable }: low and
            // high 32 bits.
            let d = b.arg[1];
            let cap = |i: usize| u32_at(d, i * 4) as u64 | ((u32_at(d, 12 + i * 4) as u64) << 32);
            Args::Capset {
                effective: cap(0),
                permitted: cap(1),
                inheritable: cap(2),
            }
        }
        K::Prctl => Args::Prctl {
            option: a[0] as i32,
            arg2_str: b.arg[1],
            arg2_int: a[1] as i64,
        },
        K::Userfaultfd => Args::Flags { flags: a[0] as u32 },
        K::IoUringSetup => {
            let p = b.arg[1];
            Args::IoUringSetup {
                entries: a[0] as u32,
                sq_entries: u32_at(p, 0),
                cq_entries: u32_at(p, 4),
                flags: u32_at(p, 8),
                sq_thread_cpu: u32_at(p, 12),
                sq_thread_idle: u32_at(p, 16),
                features: u32_at(p, 20),
            }
        }
        K::ProcessVmReadv | K::ProcessVmWritev => Args::ProcessVm {
            pid: a[0] as i32 as i64,
        },
        K::Pipe | K::Pipe2 => Args::Pipe {
            fd1: u32_at(b.arg[0], 0) as i32 as i64,
            fd2: u32_at(b.arg[0], 4) as i32 as i64,
            flags: if kind == K::Pipe2 { a[1] as u32 } else { 0 },
        },
        K::Setsid => Args::None,
        K::Setpgid => Args::Setpgid {
            pid: a[0] as i32 as i64,
            pgid: a[1] as i32 as i64,
        },
        K::Fcntl => Args::Fcntl {
            fd: fd(a[0]),
            cmd: a[1] as u32,
            arg: a[2],
        },
        K::ProcExit => Args::Generic { nr, args: *a },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_numbers_are_encoded_as_stat_gives_them() {
        // 254:0 (a virtio disk), 8:1, 0:45 (overlay), 259:65537 (a large minor).
        assert_eq!(encoded_dev(254 << 20), 0xfe00);
        assert_eq!(encoded_dev(8 << 20 | 1), 0x801);
        assert_eq!(encoded_dev(45), 45);
        assert_eq!(encoded_dev(259 << 20 | 65537), 0x1001_0301);
        assert_eq!(
            encoded_dev(259 << 20 | 65537) as u64,
            libc::makedev(259, 65537)
        );
    }

    #[test]
    fn decodes_socket_addresses() {
        let mut v4 = vec![2, 0, 0x1f, 0x90, 127, 0, 0, 1];
        v4.extend_from_slice(&[0; 8]);
        assert_eq!(
            sockaddr(&v4),
            SockAddr::Inet {
                ip: "127.0.0.1".parse().unwrap(),
                port: 8080
            }
        );
        let mut un = vec![1, 0];
        un.extend_from_slice(b"/run/a.sock\0\0\0");
        assert_eq!(
            sockaddr(&un),
            SockAddr::Unix {
                path: &b"/run/a.sock"[..]
            }
        );
        let abs = [1, 0, 0, b'x', b'y'];
        assert_eq!(sockaddr(&abs), SockAddr::Unix { path: &b"\0xy"[..] });
        assert_eq!(sockaddr(&[1]), SockAddr::None);
        assert_eq!(sockaddr(&[16, 0, 1, 2]), SockAddr::Other { family: 16 });
    }

    #[test]
    fn every_kind_has_args_that_fit() {
        let a = [3, 4, 5, 6, 7, 8];
        let b = RecBlobs::default();
        for &k in Kind::ALL {
            for res in [-1, 0, 5] {
                let nr = k.syscalls().first().copied().unwrap_or(110);
                let args = typed(k, nr, &a, &b, res);
                if k != Kind::ProcExit {
                    assert!(args.fits(k), "{k:?} res={res}: {args:?}");
                }
            }
        }
    }
}
