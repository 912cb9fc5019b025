//! Temporary files that must not outlive the command even when a signal ends it (Ctrl-C during
//! a long replay of an imported capture): a signal kills the process without running
//! destructors, so `tempfile`'s cleanup never happens. The handler only reads atomics and
//! calls `unlink`/`rmdir`, which are async-signal-safe, then dies of the signal as before.

use std::ffi::{CString, c_char, c_int};
use std::path::Path;
use std::sync::Once;
use std::sync::atomic::{AtomicPtr, Ordering};

/// Files to remove, then directories (a directory is removed once its files are).
const SLOTS: usize = 256;
static FILES: [AtomicPtr<c_char>; SLOTS] = [const { AtomicPtr::new(std::ptr::null_mut()) }; SLOTS];
static DIRS: [AtomicPtr<c_char>; 8] = [const { AtomicPtr::new(std::ptr::null_mut()) }; 8];
static INSTALL: Once = Once::new();

/// Removes the file `path` if SIGINT, SIGTERM or SIGHUP ends the process (past the first
/// `SLOTS` files, only a normal exit removes them).
pub fn remove_file_on_signal(path: &Path) {
    register(&FILES, path)
}

/// Stops removing the file `path` on a signal: it was renamed or removed, and its name may
/// be taken by another file. Frees its slot for the next file.
pub fn keep_file_on_signal(path: &Path) {
    let wanted = path.as_os_str().as_encoded_bytes();
    for s in &FILES {
        let p = s.load(Ordering::Acquire);
        if p.is_null() {
            continue;
        }
        // SAFETY: a NUL-terminated path leaked by `register`, never freed.
        let name = unsafe { std::ffi::CStr::from_ptr(p) };
        if name.to_bytes() == wanted {
            // The string stays leaked: the handler may be reading it right now.
            let _ =
                s.compare_exchange(p, std::ptr::null_mut(), Ordering::AcqRel, Ordering::Acquire);
            return;
        }
    }
}

/// Removes the (by then empty) directory `path` if a signal ends the process.
pub fn remove_dir_on_signal(path: &Path) {
    register(&DIRS, path)
}

fn register(slots: &[AtomicPtr<c_char>], path: &Path) {
    let Ok(c) = CString::new(path.as_os_str().as_encoded_bytes()) else {
        return;
    };
    INSTALL.call_once(install);
    // Leaked on purpose: the handler may read it at any moment until the process ends.
    let p = c.into_raw();
    for s in slots {
        if s.compare_exchange(std::ptr::null_mut(), p, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            return;
        }
    }
    // SAFETY: `p` came from `into_raw` and was not published.
    drop(unsafe { CString::from_raw(p) });
}

/// Takes over the signals whose action is still the default: an ignored one (a background
/// job's SIGINT) stays ignored, and a command's own handler (`replay --follow` ends cleanly on
/// Ctrl-C, running destructors) stays in charge.
fn install() {
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: reading the current action; the handler is async-signal-safe (atomics,
        // unlink, rmdir, signal, raise).
        unsafe {
            let mut old: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(sig, std::ptr::null(), &mut old) != 0
                || old.sa_sigaction != libc::SIG_DFL
            {
                continue;
            }
            libc::signal(sig, on_signal as *const () as libc::sighandler_t);
        }
    }
}

extern "C" fn on_signal(sig: c_int) {
    die_of(sig)
}

/// Removes the registered files and directories, then dies of `sig` as without a handler.
/// Async-signal-safe: for other handlers too (a second Ctrl-C, see [`crate::interrupt`]).
pub fn die_of(sig: c_int) {
    for s in &FILES {
        let p = s.load(Ordering::Acquire);
        if !p.is_null() {
            // SAFETY: a NUL-terminated path leaked by `register`.
            unsafe { libc::unlink(p) };
        }
    }
    for s in &DIRS {
        let p = s.load(Ordering::Acquire);
        if !p.is_null() {
            // SAFETY: as above.
            unsafe { libc::rmdir(p) };
        }
    }
    // Die of the signal, as without this handler (the shell sees the usual status).
    // SAFETY: restoring the default action and raising are async-signal-safe.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        libc::raise(sig);
    }
}
