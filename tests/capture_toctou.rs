//! Arguments a racing thread rewrites while the syscall runs (TOCTOU). By default the probe
//! copies path and address arguments at `sys_enter`, before the kernel reads them, and the
//! record carries that copy; with `--detect-arg-changes` it also reads them again at exit and
//! flags the record `arg_changed` when the process's memory said something else by then.
//!
//! The race is made deterministic with a FIFO: opening one for reading blocks *after* the
//! kernel has resolved the path, until a writer comes. While the opener waits, another thread
//! rewrites the path buffer to a decoy; then the FIFO is opened for writing and the first open
//! returns. The kernel opened the FIFO; an exit-time read of the buffer says the decoy.

mod capture_support;

use std::ffi::CString;
use std::time::{Duration, Instant};

use capture_support::*;
use rtsec_format::wire::event_flags::ARG_CHANGED;

fn tid() -> i64 {
    // SAFETY: gettid has no preconditions.
    unsafe { libc::syscall(libc::SYS_gettid) }
}

/// Waits until thread `tid` of this process sleeps inside syscall `nr`.
fn wait_blocked_in(tid: i64, nr: i64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let sys =
            std::fs::read_to_string(format!("/proc/self/task/{tid}/syscall")).unwrap_or_default();
        let stat =
            std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).unwrap_or_default();
        let state = stat.rsplit_once(") ").map(|(_, r)| r.as_bytes()[0]);
        if sys.split(' ').next() == Some(&nr.to_string()) && state == Some(b'S') {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "thread {tid} never blocked in syscall {nr}: {sys}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Runs inside the capture: one thread opens `RTSEC_DIR/fifo` through a buffer that this
/// thread rewrites to `RTSEC_DIR/decoy-file` while the open waits.
#[test]
#[ignore = "helper process of the TOCTOU tests"]
fn helper_fifo_race() {
    if !in_helper() {
        return;
    }
    let dir = std::env::var("RTSEC_DIR").unwrap();
    let fifo = format!("{dir}/fifo");
    let decoy = format!("{dir}/decoy-file");
    std::fs::write(&decoy, "innocent").unwrap();
    let cfifo = CString::new(fifo.clone()).unwrap();
    // SAFETY: valid C string.
    assert_eq!(unsafe { libc::mkfifo(cfifo.as_ptr(), 0o600) }, 0);
    let buf: &'static mut [u8; 256] = Box::leak(Box::new([0u8; 256]));
    buf[..fifo.len()].copy_from_slice(fifo.as_bytes());
    let addr = buf.as_mut_ptr() as usize;
    let (tx, rx) = std::sync::mpsc::channel();
    let opener = std::thread::spawn(move || {
        tx.send(tid()).unwrap();
        // SAFETY: `addr` is a leaked, NUL-terminated buffer that lives for the process.
        let fd =
            unsafe { libc::openat(libc::AT_FDCWD, addr as *const libc::c_char, libc::O_RDONLY) };
        (tid(), fd)
    });
    let opener_tid = rx.recv().unwrap();
    wait_blocked_in(opener_tid, libc::SYS_openat);
    // The kernel has resolved the path and sleeps in the FIFO open: rewrite the buffer.
    let p = addr as *mut u8;
    for (i, b) in decoy.bytes().chain(std::iter::once(0)).enumerate() {
        // SAFETY: inside the 256-byte buffer; volatile so the write is not elided.
        unsafe { std::ptr::write_volatile(p.add(i), b) };
    }
    // Release the opener.
    // SAFETY: valid C string.
    let w = unsafe { libc::open(cfifo.as_ptr(), libc::O_WRONLY) };
    assert!(w >= 0);
    let (t, fd) = opener.join().unwrap();
    assert!(fd >= 0, "the opener got the FIFO");
    // Ground truth: the fd is the FIFO, not the decoy.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: valid fd and out pointer.
    assert_eq!(unsafe { libc::fstat(fd, &mut st) }, 0);
    assert_eq!(st.st_mode & libc::S_IFMT, libc::S_IFIFO);
    println!("RACE {t} {fd}");
}

struct Race {
    trace: Trace,
    stderr: String,
    tid: i64,
    fd: i64,
    fifo: String,
    decoy: String,
}

/// One race at a time: a capture records every process, so a capture that flags changed
/// arguments would also see (and count) the race of a test running beside it.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn race(extra: &[&str]) -> Race {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempdir();
    let base = std::fs::canonicalize(dir.path()).unwrap();
    let out = base.join("t.rts");
    let cmd = helper_cmd("helper_fifo_race");
    let cmd: Vec<&str> = cmd.iter().map(String::as_str).collect();
    let o = capture_env(
        &out,
        extra,
        &cmd,
        &[("RTSEC_HELPER", "1"), ("RTSEC_DIR", base.to_str().unwrap())],
    );
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "{stdout}\n{stderr}");
    let line = stdout
        .lines()
        .find_map(|l| l.split_once("RACE ").map(|x| x.1.to_string()))
        .unwrap_or_else(|| panic!("helper printed no RACE line: {stdout}"));
    let mut f = line.split(' ').map(|x| x.trim().parse::<i64>().unwrap());
    let (tid, fd) = (f.next().unwrap(), f.next().unwrap());
    Race {
        trace: read(&out),
        stderr,
        tid,
        fd,
        fifo: base.join("fifo").display().to_string(),
        decoy: base.join("decoy-file").display().to_string(),
    }
}

impl Race {
    /// The opener's openat event that returned the FIFO's fd.
    fn open_event(&self) -> &Ev {
        self.trace
            .events
            .iter()
            .find(|e| e.ty == "openat" && e.tid == self.tid && e.res == self.fd)
            .unwrap_or_else(|| panic!("no openat by thread {} returning fd {}", self.tid, self.fd))
    }
}

#[test]
fn a_path_rewritten_during_the_call_is_recorded_as_the_kernel_used_it() {
    if !can_capture() {
        return;
    }
    let r = race(&[]);
    let ev = r.open_event();
    assert_eq!(
        ev.paths[0].0, r.fifo,
        "the path is the one the kernel opened, not the decoy written during the call"
    );
    assert_eq!(ev.fd_name.as_deref(), Some(r.fifo.as_str()));
    assert_eq!(ev.flags & ARG_CHANGED, 0, "no second read, no flag");
    assert!(
        r.trace
            .header
            .settings
            .extra
            .iter()
            .any(|x| x.starts_with("entry_copies=") && x.ends_with("(tp_btf)")),
        "{:?}",
        r.trace.header.settings.extra
    );
}

#[test]
fn detect_arg_changes_flags_the_call_whose_path_was_rewritten() {
    if !can_capture() {
        return;
    }
    let r = race(&["--detect-arg-changes"]);
    let ev = r.open_event();
    assert_eq!(ev.paths[0].0, r.fifo);
    assert_eq!(ev.fd_name.as_deref(), Some(r.fifo.as_str()));
    assert_ne!(
        ev.flags & ARG_CHANGED,
        0,
        "the event says its argument changed while the call ran"
    );
    assert!(
        r.stderr
            .contains("RACE: 1 syscall had a path or address argument rewritten"),
        "capture reports the race: {}",
        r.stderr
    );
    // No other event of the helper is flagged: only this call raced.
    let flagged: Vec<&Ev> = r
        .trace
        .events
        .iter()
        .filter(|e| e.flags & ARG_CHANGED != 0)
        .collect();
    assert_eq!(flagged.len(), 1, "{flagged:?}");
}

/// Without entry copies the same race makes the trace lie: this is what they prevent.
#[test]
fn without_entry_copies_the_rewritten_path_is_what_the_trace_says() {
    if !can_capture() {
        return;
    }
    let r = race(&["--no-entry-copies"]);
    let ev = r.open_event();
    assert_eq!(ev.paths[0].0, r.decoy, "the exit-time read sees the decoy");
    assert_eq!(ev.flags & ARG_CHANGED, 0);
    assert!(
        r.trace
            .header
            .settings
            .extra
            .contains(&"entry_copies=off".to_string())
    );
}
