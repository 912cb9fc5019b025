//! pread, pwrite, readv, writev, preadv and pwritev recorded live as events of their own, as
//! Falco's drivers record them: `evt.type` by Falco's name, the fd resolved to the file, the
//! file offset in `evt.arg.pos`, and an fd on a TCP socket resolved with its protocol letter.
//! They are left out of `--syscalls default` (as read and write are); Falco's names select
//! them (`--syscalls default,pread,pwrite`).
//!
//! Data is kept up to Falco's default snaplen (80 bytes) in `evt.buffer`: that of read, write,
//! pread, pwrite, sendto and recvfrom, and of the first four buffers of the vectored calls and
//! of sendmsg's and recvmsg's messages, whose size is the sum of their buffers' lengths. Live
//! traces had neither.

mod capture_support;

use std::io::{IoSlice, IoSliceMut, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::os::unix::fs::FileExt;

use capture_support::*;

/// Runs inside the capture: each call of the family once on a file, then writev on a socket.
#[test]
#[ignore = "helper process of positioned_and_vectored_io_is_recorded"]
fn helper_file_io() {
    if !in_helper() {
        return;
    }
    let path = std::env::var("RTSEC_FILE").unwrap();
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&path)
        .unwrap();
    f.write_all_at(b"hello", 100).unwrap(); // pwrite64
    let mut buf = [0u8; 5];
    f.read_exact_at(&mut buf, 100).unwrap(); // pread64
    let n = (&f)
        .write_vectored(&[IoSlice::new(b"ab"), IoSlice::new(b"cd")])
        .unwrap(); // writev
    assert_eq!(n, 4);
    // Five buffers: the probe gathers the data of the first four.
    let n = (&f)
        .write_vectored(&[b"1", b"2", b"3", b"4", b"5"].map(|b| IoSlice::new(b)))
        .unwrap(); // writev
    assert_eq!(n, 5);
    let (mut x, mut y) = ([0u8; 2], [0u8; 2]);
    // SAFETY: a plain lseek on our fd, then readv into two live buffers.
    unsafe { libc::lseek(f.as_raw_fd(), 0, libc::SEEK_SET) };
    let n = (&f)
        .read_vectored(&mut [IoSliceMut::new(&mut x), IoSliceMut::new(&mut y)])
        .unwrap(); // readv
    assert_eq!(n, 4);
    let iov = [libc::iovec {
        iov_base: b"xyz".as_ptr() as *mut libc::c_void,
        iov_len: 3,
    }];
    // SAFETY: the iovec points at a live static buffer; the fd is ours.
    unsafe {
        assert_eq!(libc::pwritev(f.as_raw_fd(), iov.as_ptr(), 1, 200), 3);
        let mut back = [0u8; 3];
        let iov = [libc::iovec {
            iov_base: back.as_mut_ptr().cast(),
            iov_len: 3,
        }];
        assert_eq!(libc::preadv(f.as_raw_fd(), iov.as_ptr(), 1, 200), 3);
    }
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut client = TcpStream::connect(addr).unwrap();
    let (mut server, _) = listener.accept().unwrap();
    let n = client
        .write_vectored(&[IoSlice::new(b"GET "), IoSlice::new(b"/\n")])
        .unwrap();
    assert_eq!(n, 6);
    let mut got = [0u8; 6];
    server.read_exact(&mut got).unwrap();
    // More than the snaplen: 80 bytes of it are kept.
    let long = [b'a'; 100];
    client.write_all(&long).unwrap(); // write
    let mut back = [0u8; 100];
    server.read_exact(&mut back).unwrap(); // read (or several)
    // sendmsg and recvmsg: the data of their messages' iovecs.
    let mut hi = *b"hi!";
    let (head, tail) = hi.split_at_mut(2);
    let send_iov = [
        libc::iovec {
            iov_base: head.as_mut_ptr().cast(),
            iov_len: 2,
        },
        libc::iovec {
            iov_base: tail.as_mut_ptr().cast(),
            iov_len: 1,
        },
    ];
    let mut inbox = [0u8; 16];
    let recv_iov = [libc::iovec {
        iov_base: inbox.as_mut_ptr().cast(),
        iov_len: inbox.len(),
    }];
    // SAFETY: zeroed msghdrs pointing at live iovecs; the fds are ours.
    unsafe {
        let mut m: libc::msghdr = std::mem::zeroed();
        m.msg_iov = send_iov.as_ptr() as *mut _;
        m.msg_iovlen = 2;
        assert_eq!(libc::sendmsg(client.as_raw_fd(), &m, 0), 3);
        let mut m: libc::msghdr = std::mem::zeroed();
        m.msg_iov = recv_iov.as_ptr() as *mut _;
        m.msg_iovlen = 1;
        assert_eq!(libc::recvmsg(server.as_raw_fd(), &mut m, 0), 3);
    }
    // A failed read keeps no data.
    // SAFETY: a read into a live buffer from an fd that is not open.
    assert!(unsafe { libc::read(-7, back.as_mut_ptr().cast(), 10) } < 0);
    println!(
        "HELPER_PID {} {} {}",
        std::process::id(),
        client.local_addr().unwrap(),
        addr
    );
}

/// Captures the helper with `extra` capture arguments and returns, for each of its calls,
/// `%evt.type %evt.rawres %evt.arg.size %evt.arg.pos %evt.is_io_read [%evt.buffer] %evt.arg.fd`
/// as `rtsec replay` prints it, and the file and socket names it resolves to, and how many
/// events' data the trace counts as cut to the snaplen.
fn record(extra: &[&str]) -> (Vec<String>, String, String, u64) {
    let dir = tempdir();
    let out = dir.path().join("t.rts");
    let file = std::fs::canonicalize(dir.path()).unwrap().join("data.bin");
    let mut args = vec![
        "--syscalls",
        "default,pread,pwrite,readv,writev,preadv,pwritev,read",
    ];
    args.extend_from_slice(extra);
    let line = capture_helper_with(
        &out,
        "helper_file_io",
        &args,
        &[("RTSEC_FILE", file.to_str().unwrap())],
    );
    let f: Vec<&str> = line.split_whitespace().collect();
    let (pid, client, server) = (f[0], f[1], f[2]);

    let rules = dir.path().join("io.yaml");
    std::fs::write(
        &rules,
        format!(
            "- rule: io\n  desc: d\n  condition: evt.type in (pread, pwrite, readv, writev, \
             preadv, pwritev, read, write, sendto, recvfrom, sendmsg, recvmsg) and proc.pid = \
             {pid} and (fd.type = ipv4 or fd.name = {file} or fd.num < 0)\n  output: \
             \"@@%evt.type %evt.rawres %evt.arg.size %evt.arg.pos %evt.is_io_read \
             [%evt.buffer] %evt.arg.fd@@\"\n  priority: NOTICE\n",
            file = file.display()
        ),
    )
    .unwrap();
    let r = std::process::Command::new(RTSEC)
        .args(["replay", "--rules"])
        .arg(&rules)
        .arg(&out)
        .output()
        .unwrap();
    assert!(r.status.success(), "{r:?}");
    let got = String::from_utf8_lossy(&r.stdout)
        .lines()
        .filter_map(|l| Some(l.split_once("@@")?.1.rsplit_once("@@")?.0.to_string()))
        // Not the dynamic loader's preads of the libraries.
        .filter(|l| !l.contains(".so"))
        .collect();
    let cut = read(&out)
        .losses
        .truncated
        .iter()
        .find(|(what, _)| what == rtsec_format::DATA_CUT)
        .map_or(0, |(_, n)| *n);
    (
        got,
        format!("<f>{}", file.display()),
        format!("<4t>{client}->{server}"),
        cut,
    )
}

#[test]
fn positioned_and_vectored_io_is_recorded() {
    if !can_capture() {
        return;
    }
    let (got, file, sock, cut) = record(&[]);
    let a80 = "a".repeat(80);
    let want = [
        format!("pwrite 5 5 100 false [hello] {file}"),
        format!("pread 5 5 100 true [hello] {file}"),
        // readv and writev have no offset; their size is the sum of the buffers' lengths.
        format!("writev 4 4 <NA> false [abcd] {file}"),
        format!("writev 5 5 <NA> false [1234] {file}"),
        format!("readv 4 4 <NA> true [abcd] {file}"),
        format!("pwritev 3 3 200 false [xyz] {file}"),
        format!("preadv 3 3 200 true [xyz] {file}"),
        // A newline prints as `.`.
        format!("writev 6 6 <NA> false [GET /.] {sock}"),
        // The accepted end resolves to the same tuple, client first.
        format!("recvfrom 6 6 <NA> true [GET /.] {sock}"),
        // std's TcpStream sends and receives with send/recv (sendto, recvfrom): 80 bytes of
        // the 100 are kept (Falco's snaplen).
        format!("sendto 100 100 <NA> false [{a80}] {sock}"),
        format!("recvfrom 100 100 <NA> true [{a80}] {sock}"),
        format!("sendmsg 3 3 <NA> false [hi!] {sock}"),
        format!("recvmsg 3 16 <NA> true [hi!] {sock}"),
        // The fd of a failed call renders as an errno, as libsinsp renders a negative fd; a
        // failed call has no data.
        "read -9 10 <NA> true [] E2BIG".to_string(),
    ];
    assert_eq!(got, want);
    // The cut data is counted in the trace's losses (the sendto, the recvfrom, and reads of
    // the libraries' headers): nothing is cut silently.
    assert!(cut >= 2, "{cut} events counted as cut");
}

/// `--snaplen` (`-s`) sets how much data is kept, as Falco's does: all 100 bytes with 200, none
/// with 0 (the sizes stay).
#[test]
fn the_snaplen_is_the_users_to_choose() {
    let too_long = std::process::Command::new(RTSEC)
        .args(["capture", "-o", "/nonexistent/t.rts", "--snaplen", "5000"])
        .output()
        .unwrap();
    assert_eq!(too_long.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&too_long.stderr).contains("5000 is not in 0..=4080"),
        "{too_long:?}"
    );
    if !can_capture() {
        return;
    }
    let (got, _, sock, _) = record(&["--snaplen", "200"]);
    let a100 = "a".repeat(100);
    assert!(
        got.contains(&format!("sendto 100 100 <NA> false [{a100}] {sock}")),
        "{got:#?}"
    );
    let (got, file, _, cut) = record(&["-s", "0"]);
    assert!(
        got.contains(&format!("writev 4 4 <NA> false [] {file}")),
        "{got:#?}"
    );
    assert!(got.iter().all(|l| l.contains(" [] ")), "{got:#?}");
    // Every transfer's data is beyond a snaplen of 0, and counted so.
    assert!(cut >= 10, "{cut} events counted as cut");
}
