//! What an fd of the current task refers to, read through its fd table: socket endpoints for
//! connect/accept, and the identity of files the open family returned.

use aya_ebpf::helpers::generated::bpf_get_current_task;
use rtsec_ebpf_common::{FileId, SockTuple};

use crate::config::off;
use crate::kread::{ptr, rd};

const S_IFMT: u16 = 0o170000;
const S_IFSOCK: u16 = 0o140000;
const AF_UNIX: u16 = 1;
const AF_INET: u16 = 2;
const AF_INET6: u16 = 10;

/// The `struct file *` behind fd `fd` of the current task (0 if none).
#[inline(always)]
fn file_of(fd: i64) -> u64 {
    if fd < 0 {
        return 0;
    }
    let o = off();
    // SAFETY: plain helper call.
    let task = unsafe { bpf_get_current_task() };
    let files = ptr(task, o.task_files);
    let fdt = ptr(files, o.files_fdt);
    let max: u32 = rd(fdt, o.fdt_max_fds);
    if fd as u64 >= max as u64 {
        return 0;
    }
    let arr = ptr(fdt, o.fdt_fd);
    if arr == 0 {
        return 0;
    }
    ptr(arr + (fd as u64 & 0xffff_ffff) * 8, 0)
}

/// Device, mode and inode of the file behind `fd`, written to `f` (zeroed by the caller).
#[inline(always)]
pub fn file_id(f: *mut FileId, fd: i64) {
    let o = off();
    let file = file_of(fd);
    let inode = ptr(file, o.file_inode);
    let sb = ptr(inode, o.inode_sb);
    // SAFETY: `f` points into the scratch record.
    let f = unsafe { &mut *f };
    f.dev = rd(sb, o.sb_dev);
    f.mode = rd::<u16>(inode, o.inode_mode) as u32;
    f.ino = rd(inode, o.inode_ino);
}

/// `fmode_t` bit of a file an open created (`FMODE_CREATED`; a macro, so not in BTF: bit 20,
/// checked on 6.18 by opening a new and an existing file).
const FMODE_CREATED: u32 = 1 << 20;

/// True if the file behind `fd` was created by the open that returned it.
#[inline(always)]
pub fn created(fd: i64) -> bool {
    rd::<u32>(file_of(fd), off().file_f_mode) & FMODE_CREATED != 0
}

/// The endpoints of the socket behind `fd`, written to `t` (zeroed by the caller; family stays
/// 0 if the fd is not a socket).
#[inline(always)]
pub fn tuple(t: *mut SockTuple, fd: i64) {
    let o = off();
    // SAFETY: `t` points into the scratch record.
    let t = unsafe { &mut *t };
    let file = file_of(fd);
    let inode = ptr(file, o.file_inode);
    let mode: u16 = rd(inode, o.inode_mode);
    if mode & S_IFMT != S_IFSOCK {
        return;
    }
    let sock = ptr(file, o.file_private_data);
    let sk = ptr(sock, o.socket_sk);
    if sk == 0 {
        return;
    }
    t.sock_type = rd(sock, o.socket_type);
    t.family = rd(sk, o.sk_family);
    t.protocol = rd(sk, o.sk_protocol);
    match t.family {
        AF_INET => {
            let l: u32 = rd(sk, o.sk_rcv_saddr);
            let r: u32 = rd(sk, o.sk_daddr);
            // SAFETY: 4 of the 16 address bytes, unaligned writes.
            unsafe {
                core::ptr::write_unaligned(t.laddr.as_mut_ptr().cast::<u32>(), l);
                core::ptr::write_unaligned(t.raddr.as_mut_ptr().cast::<u32>(), r);
            }
            t.lport = rd(sk, o.sk_num);
            t.rport = u16::from_be(rd(sk, o.sk_dport));
        }
        AF_INET6 => {
            t.laddr = rd(sk, o.sk_v6_rcv_saddr);
            t.raddr = rd(sk, o.sk_v6_daddr);
            t.lport = rd(sk, o.sk_num);
            t.rport = u16::from_be(rd(sk, o.sk_dport));
        }
        AF_UNIX => {
            t.sk = sk;
            t.peer = ptr(sk, o.unix_peer);
        }
        _ => {}
    }
}
