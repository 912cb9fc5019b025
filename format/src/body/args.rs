//! Event arguments as columns: a shape tag, then integers, strings and addresses, each in
//! its own column.

use std::net::IpAddr;

use super::events::{
    A_ADDR, A_INT, A_STR, A_TAG, A_UINT, E_COLS, TAG_ACCEPT_FROM_FD, TAG_CONNECT_FROM_FD,
    TAG_IO_AT, TAG_OPEN_FROM_FD,
};
use super::{Res, get_ip, shifted, take};
use crate::args::{Args, PathArg, SockAddr};
use crate::columns::{ColumnReader, ColumnWriter};
use crate::wire::{Fd, StrId};
fn put_str(w: &mut ColumnWriter, s: StrId) {
    w.u(A_STR, s.0 as u64);
}

fn put_path(w: &mut ColumnWriter, p: &PathArg<StrId>) {
    w.u(A_STR, p.raw.0 as u64);
    w.u(
        A_STR,
        if p.resolved == p.raw {
            0
        } else {
            p.resolved.0 as u64 + 1
        },
    );
}

fn put_addr(w: &mut ColumnWriter, a: &SockAddr<StrId>) {
    let buf = w.buf(A_ADDR);
    match a {
        SockAddr::None => buf.push(0),
        SockAddr::Inet { ip, port } => {
            match ip {
                IpAddr::V4(ip) => {
                    buf.push(4);
                    buf.extend_from_slice(&ip.octets());
                }
                IpAddr::V6(ip) => {
                    buf.push(6);
                    buf.extend_from_slice(&ip.octets());
                }
            }
            buf.extend_from_slice(&port.to_le_bytes());
        }
        SockAddr::Unix { path } => {
            buf.push(1);
            w.u(A_STR, path.0 as u64);
        }
        SockAddr::Other { family } => {
            buf.push(2);
            buf.extend_from_slice(&family.to_le_bytes());
        }
    }
}

pub(super) fn encode_args(w: &mut ColumnWriter, a: &Args<StrId>) {
    macro_rules! tag {
        ($n:expr) => {
            w.u(A_TAG, $n)
        };
    }
    match a {
        Args::None => tag!(0),
        Args::Generic { nr, args } => {
            tag!(1);
            w.u(A_UINT, *nr as u64);
            for &x in args {
                w.u(A_UINT, x);
            }
        }
        Args::Exec {
            dirfd,
            filename,
            flags,
        } => {
            tag!(2);
            w.i(A_INT, *dirfd);
            put_path(w, filename);
            w.u(A_UINT, *flags as u64);
        }
        Args::Clone { flags } => {
            tag!(3);
            w.u(A_UINT, *flags);
        }
        Args::Exit { code, sig, core } => {
            tag!(4);
            w.i(A_INT, *code);
            w.u(A_UINT, *sig as u64);
            w.u(A_UINT, *core as u64);
        }
        Args::Open {
            dirfd,
            path,
            flags,
            mode,
            resolve,
            dev,
            ino,
        } => {
            tag!(5);
            w.i(A_INT, *dirfd);
            put_path(w, path);
            w.u(A_UINT, *flags as u64);
            w.u(A_UINT, *mode as u64);
            w.u(A_UINT, *resolve);
            w.u(A_UINT, *dev as u64);
            w.u(A_UINT, *ino);
        }
        Args::Fd { fd } => {
            tag!(6);
            w.i(A_INT, *fd);
        }
        Args::Connect { fd, addr } => {
            tag!(7);
            w.i(A_INT, *fd);
            put_addr(w, addr);
        }
        Args::Accept { fd, flags, addr } => {
            tag!(8);
            w.i(A_INT, *fd);
            w.u(A_UINT, *flags as u64);
            put_addr(w, addr);
        }
        Args::Listen { fd, backlog } => {
            tag!(9);
            w.i(A_INT, *fd);
            w.i(A_INT, *backlog as i64);
        }
        Args::Socket { domain, ty, proto } => {
            tag!(10);
            for x in [domain, ty, proto] {
                w.u(A_UINT, *x as u64);
            }
        }
        Args::Socketpair {
            domain,
            ty,
            proto,
            fd1,
            fd2,
        } => {
            tag!(11);
            for x in [domain, ty, proto] {
                w.u(A_UINT, *x as u64);
            }
            w.i(A_INT, *fd1);
            w.i(A_INT, *fd2);
        }
        Args::Io {
            fd,
            size,
            pos,
            addr,
            data,
        } => {
            // Traces from before file offsets were kept have tag 12 only: an offset of 0 needs
            // no column of its own.
            tag!(if *pos == 0 { 12 } else { TAG_IO_AT });
            w.i(A_INT, *fd);
            w.u(A_UINT, *size);
            if *pos != 0 {
                w.u(A_UINT, *pos);
            }
            put_addr(w, addr);
            put_str(w, *data);
        }
        Args::Dup {
            oldfd,
            newfd,
            flags,
        } => {
            tag!(13);
            w.i(A_INT, *oldfd);
            w.i(A_INT, *newfd);
            w.u(A_UINT, *flags as u64);
        }
        Args::Path {
            dirfd,
            path,
            flags,
            mode,
        } => {
            tag!(14);
            w.i(A_INT, *dirfd);
            put_path(w, path);
            w.u(A_UINT, *flags as u64);
            w.u(A_UINT, *mode as u64);
        }
        Args::TwoPaths {
            olddirfd,
            oldpath,
            newdirfd,
            newpath,
            flags,
        } => {
            tag!(15);
            w.i(A_INT, *olddirfd);
            put_path(w, oldpath);
            w.i(A_INT, *newdirfd);
            put_path(w, newpath);
            w.u(A_UINT, *flags as u64);
        }
        Args::Symlink {
            target,
            linkdirfd,
            linkpath,
        } => {
            tag!(16);
            put_str(w, *target);
            w.i(A_INT, *linkdirfd);
            put_path(w, linkpath);
        }
        Args::Chown {
            dirfd,
            path,
            uid,
            gid,
            flags,
        } => {
            tag!(17);
            w.i(A_INT, *dirfd);
            put_path(w, path);
            w.u(A_UINT, shifted(*uid));
            w.u(A_UINT, shifted(*gid));
            w.u(A_UINT, *flags as u64);
        }
        Args::SetIds { ids } => {
            tag!(18);
            for &x in ids {
                w.u(A_UINT, shifted(x));
            }
        }
        Args::Ptrace {
            request,
            pid,
            addr,
            data,
        } => {
            tag!(19);
            w.u(A_UINT, *request as u64);
            w.i(A_INT, *pid);
            w.u(A_UINT, *addr);
            w.u(A_UINT, *data);
        }
        Args::Mount {
            source,
            target,
            fstype,
            flags,
        } => {
            tag!(20);
            put_str(w, *source);
            put_path(w, target);
            put_str(w, *fstype);
            w.u(A_UINT, *flags);
        }
        Args::Umount { target, flags } => {
            tag!(21);
            put_path(w, target);
            w.u(A_UINT, *flags as u64);
        }
        Args::Kill { pid, tid, sig } => {
            tag!(22);
            w.i(A_INT, *pid);
            w.i(A_INT, *tid);
            w.u(A_UINT, *sig as u64);
        }
        Args::InitModule { len, uargs } => {
            tag!(23);
            w.u(A_UINT, *len);
            put_str(w, *uargs);
        }
        Args::FinitModule { fd, uargs, flags } => {
            tag!(24);
            w.i(A_INT, *fd);
            put_str(w, *uargs);
            w.u(A_UINT, *flags as u64);
        }
        Args::DeleteModule { name, flags } => {
            tag!(25);
            put_str(w, *name);
            w.u(A_UINT, *flags as u64);
        }
        Args::Bpf { cmd } => {
            tag!(26);
            w.i(A_INT, *cmd as i64);
        }
        Args::MemfdCreate { name, flags } => {
            tag!(27);
            put_str(w, *name);
            w.u(A_UINT, *flags as u64);
        }
        Args::Mmap {
            addr,
            len,
            prot,
            flags,
            fd,
            offset,
        } => {
            tag!(28);
            w.u(A_UINT, *addr);
            w.u(A_UINT, *len);
            w.u(A_UINT, *prot as u64);
            w.u(A_UINT, *flags as u64);
            w.i(A_INT, *fd);
            w.u(A_UINT, *offset);
        }
        Args::Namespace { fd, flags } => {
            tag!(29);
            w.i(A_INT, *fd);
            w.u(A_UINT, *flags as u64);
        }
        Args::Capset {
            inheritable,
            permitted,
            effective,
        } => {
            tag!(30);
            for x in [inheritable, permitted, effective] {
                w.u(A_UINT, *x);
            }
        }
        Args::Prctl {
            option,
            arg2_str,
            arg2_int,
        } => {
            tag!(31);
            w.i(A_INT, *option as i64);
            put_str(w, *arg2_str);
            w.i(A_INT, *arg2_int);
        }
        Args::Flags { flags } => {
            tag!(32);
            w.u(A_UINT, *flags as u64);
        }
        Args::IoUringSetup {
            entries,
            sq_entries,
            cq_entries,
            flags,
            sq_thread_cpu,
            sq_thread_idle,
            features,
        } => {
            tag!(33);
            for x in [
                entries,
                sq_entries,
                cq_entries,
                flags,
                sq_thread_cpu,
                sq_thread_idle,
                features,
            ] {
                w.u(A_UINT, *x as u64);
            }
        }
        Args::ProcessVm { pid } => {
            tag!(34);
            w.i(A_INT, *pid);
        }
        Args::Pipe { fd1, fd2, flags } => {
            tag!(35);
            w.i(A_INT, *fd1);
            w.i(A_INT, *fd2);
            w.u(A_UINT, *flags as u64);
        }
        Args::Setpgid { pid, pgid } => {
            tag!(36);
            w.i(A_INT, *pid);
            w.i(A_INT, *pgid);
        }
        Args::Fcntl { fd, cmd, arg } => {
            tag!(37);
            w.i(A_INT, *fd);
            w.u(A_UINT, *cmd as u64);
            w.u(A_UINT, *arg);
        }
    }
}

struct ArgReader<'r, 'a>(&'r mut ColumnReader<'a, E_COLS>);

impl ArgReader<'_, '_> {
    #[inline(always)]
    fn int(&mut self) -> i64 {
        self.0.i(A_INT)
    }
    #[inline(always)]
    fn i32(&mut self) -> i32 {
        self.int() as i32
    }
    #[inline(always)]
    fn u64(&mut self) -> u64 {
        self.0.u(A_UINT)
    }
    #[inline(always)]
    fn u32(&mut self) -> u32 {
        self.0.u32(A_UINT)
    }
    #[inline(always)]
    fn shifted(&mut self) -> u32 {
        (self.u64() as u32).wrapping_sub(1)
    }
    #[inline(always)]
    fn str(&mut self) -> StrId {
        StrId(self.0.u32(A_STR))
    }
    #[inline(always)]
    fn path(&mut self) -> PathArg<StrId> {
        let raw = self.str();
        let resolved = match self.0.u32(A_STR) {
            0 => raw,
            v => StrId(v - 1),
        };
        PathArg { raw, resolved }
    }
    fn addr(&mut self) -> Res<SockAddr<StrId>> {
        let buf = self.0.rest(A_ADDR);
        let tag = take(buf, 1)?[0];
        Ok(match tag {
            0 => SockAddr::None,
            1 => SockAddr::Unix { path: self.str() },
            2 => SockAddr::Other {
                family: u16::from_le_bytes(take(buf, 2)?.try_into().unwrap()),
            },
            t => {
                let ip = get_ip(buf, t)?;
                let port = u16::from_le_bytes(take(buf, 2)?.try_into().unwrap());
                SockAddr::Inet { ip, port }
            }
        })
    }
}

pub(super) fn decode_args(
    r: &mut ColumnReader<'_, E_COLS>,
    fd: Option<&Fd>,
    out: &mut Args<StrId>,
) -> Res<()> {
    let tag = r.u(A_TAG);
    let mut a = ArgReader(r);
    let from_fd = || fd.ok_or_else(|| "arguments refer to a missing fd record".to_string());
    *out = match tag {
        TAG_OPEN_FROM_FD => {
            let f = from_fd()?;
            Args::Open {
                dirfd: a.int(),
                path: PathArg {
                    raw: f.nameraw,
                    resolved: f.name,
                },
                flags: f.open_flags,
                mode: a.u32(),
                resolve: a.u64(),
                dev: f.dev,
                ino: f.ino,
            }
        }
        TAG_CONNECT_FROM_FD => {
            let server = from_fd()?.server.ok_or("connect address missing")?;
            Args::Connect {
                fd: a.int(),
                addr: SockAddr::Inet {
                    ip: server.ip(),
                    port: server.port(),
                },
            }
        }
        TAG_ACCEPT_FROM_FD => {
            let client = from_fd()?.client.ok_or("accept address missing")?;
            Args::Accept {
                fd: a.int(),
                flags: a.u32(),
                addr: SockAddr::Inet {
                    ip: client.ip(),
                    port: client.port(),
                },
            }
        }
        0 => Args::None,
        1 => {
            let nr = u16::try_from(a.u64()).map_err(|_| "syscall number out of range")?;
            let mut args = [0u64; 6];
            for x in &mut args {
                *x = a.u64();
            }
            Args::Generic { nr, args }
        }
        2 => Args::Exec {
            dirfd: a.int(),
            filename: a.path(),
            flags: a.u32(),
        },
        3 => Args::Clone { flags: a.u64() },
        4 => Args::Exit {
            code: a.int(),
            sig: a.u32(),
            core: a.u64() != 0,
        },
        5 => Args::Open {
            dirfd: a.int(),
            path: a.path(),
            flags: a.u32(),
            mode: a.u32(),
            resolve: a.u64(),
            dev: a.u32(),
            ino: a.u64(),
        },
        6 => Args::Fd { fd: a.int() },
        7 => Args::Connect {
            fd: a.int(),
            addr: a.addr()?,
        },
        8 => Args::Accept {
            fd: a.int(),
            flags: a.u32(),
            addr: a.addr()?,
        },
        9 => Args::Listen {
            fd: a.int(),
            backlog: a.i32(),
        },
        10 => Args::Socket {
            domain: a.u32(),
            ty: a.u32(),
            proto: a.u32(),
        },
        11 => Args::Socketpair {
            domain: a.u32(),
            ty: a.u32(),
            proto: a.u32(),
            fd1: a.int(),
            fd2: a.int(),
        },
        12 => Args::Io {
            fd: a.int(),
            size: a.u64(),
            pos: 0,
            addr: a.addr()?,
            data: a.str(),
        },
        TAG_IO_AT => Args::Io {
            fd: a.int(),
            size: a.u64(),
            pos: a.u64(),
            addr: a.addr()?,
            data: a.str(),
        },
        13 => Args::Dup {
            oldfd: a.int(),
            newfd: a.int(),
            flags: a.u32(),
        },
        14 => Args::Path {
            dirfd: a.int(),
            path: a.path(),
            flags: a.u32(),
            mode: a.u32(),
        },
        15 => Args::TwoPaths {
            olddirfd: a.int(),
            oldpath: a.path(),
            newdirfd: a.int(),
            newpath: a.path(),
            flags: a.u32(),
        },
        16 => Args::Symlink {
            target: a.str(),
            linkdirfd: a.int(),
            linkpath: a.path(),
        },
        17 => Args::Chown {
            dirfd: a.int(),
            path: a.path(),
            uid: a.shifted(),
            gid: a.shifted(),
            flags: a.u32(),
        },
        18 => Args::SetIds {
            ids: [a.shifted(), a.shifted(), a.shifted()],
        },
        19 => Args::Ptrace {
            request: a.u32(),
            pid: a.int(),
            addr: a.u64(),
            data: a.u64(),
        },
        20 => Args::Mount {
            source: a.str(),
            target: a.path(),
            fstype: a.str(),
            flags: a.u64(),
        },
        21 => Args::Umount {
            target: a.path(),
            flags: a.u32(),
        },
        22 => Args::Kill {
            pid: a.int(),
            tid: a.int(),
            sig: a.u32(),
        },
        23 => Args::InitModule {
            len: a.u64(),
            uargs: a.str(),
        },
        24 => Args::FinitModule {
            fd: a.int(),
            uargs: a.str(),
            flags: a.u32(),
        },
        25 => Args::DeleteModule {
            name: a.str(),
            flags: a.u32(),
        },
        26 => Args::Bpf { cmd: a.i32() },
        27 => Args::MemfdCreate {
            name: a.str(),
            flags: a.u32(),
        },
        28 => Args::Mmap {
            addr: a.u64(),
            len: a.u64(),
            prot: a.u32(),
            flags: a.u32(),
            fd: a.int(),
            offset: a.u64(),
        },
        29 => Args::Namespace {
            fd: a.int(),
            flags: a.u32(),
        },
        30 => Args::Capset {
            inheritable: a.u64(),
            permitted: a.u64(),
            effective: a.u64(),
        },
        31 => Args::Prctl {
            option: a.i32(),
            arg2_str: a.str(),
            arg2_int: a.int(),
        },
        32 => Args::Flags { flags: a.u32() },
        33 => Args::IoUringSetup {
            entries: a.u32(),
            sq_entries: a.u32(),
            cq_entries: a.u32(),
            flags: a.u32(),
            sq_thread_cpu: a.u32(),
            sq_thread_idle: a.u32(),
            features: a.u32(),
        },
        34 => Args::ProcessVm { pid: a.int() },
        35 => Args::Pipe {
            fd1: a.int(),
            fd2: a.int(),
            flags: a.u32(),
        },
        36 => Args::Setpgid {
            pid: a.int(),
            pgid: a.int(),
        },
        37 => Args::Fcntl {
            fd: a.int(),
            cmd: a.u32(),
            arg: a.u64(),
        },
        t => return Err(format!("unknown argument shape {t}")),
    };
    Ok(())
}
