//! Ctrl-C (SIGINT) and SIGTERM as a request to stop: the first one sets a flag the command
//! checks, so it ends cleanly (what it judged so far summed up, its outputs finished or
//! removed); a second one ends the process at once, removing the partial files registered
//! with [`crate::signal_cleanup`] as a single signal does for commands that do not ask.

use std::sync::Once;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, Ordering};

static STOP: AtomicBool = AtomicBool::new(false);
static SIGNAL: AtomicI32 = AtomicI32::new(0);
/// Signals received: the second ends the process, whatever else set the flag (a capture's
/// command that exited, its `--duration`).
static RECEIVED: AtomicU32 = AtomicU32::new(0);
static INSTALL: Once = Once::new();

extern "C" fn on_signal(sig: libc::c_int) {
    // Before the flag: whoever sees the flag finds the signal.
    SIGNAL.store(sig, Ordering::Release);
    STOP.store(true, Ordering::Release);
    if RECEIVED.fetch_add(1, Ordering::AcqRel) > 0 {
        crate::signal_cleanup::die_of(sig);
    }
}

/// The flag the first SIGINT or SIGTERM sets (the handlers are installed on the first call);
/// a command may set it too, for other reasons to stop. A signal that is ignored (a background
/// job's SIGINT) stays ignored.
pub fn stop_flag() -> &'static AtomicBool {
    INSTALL.call_once(|| {
        for sig in [libc::SIGINT, libc::SIGTERM] {
            // SAFETY: reading the current action, then installing a handler that only uses
            // atomics, or the async-signal-safe `die_of`.
            unsafe {
                let mut old: libc::sigaction = std::mem::zeroed();
                if libc::sigaction(sig, std::ptr::null(), &mut old) == 0
                    && old.sa_sigaction == libc::SIG_IGN
                {
                    continue;
                }
                let mut sa: libc::sigaction = std::mem::zeroed();
                sa.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as usize;
                // Reads and writes in progress go on: the flag is looked at between blocks.
                sa.sa_flags = libc::SA_RESTART;
                libc::sigemptyset(&mut sa.sa_mask);
                libc::sigaction(sig, &sa, std::ptr::null_mut());
            }
        }
    });
    &STOP
}

/// The exit code of a run: as a shell reports a process a signal ended (130 for Ctrl-C)
/// when the signal stopped it (its `summary` says so), else `code`.
pub fn exit_code(summary: &rtsec_replay::Summary, code: u8) -> u8 {
    match signal_code() {
        Some(c) if summary.interrupted() => c,
        _ => code,
    }
}

/// The exit code a shell gives a process the signal that asked to stop ended (130 for
/// Ctrl-C), if one did.
pub fn signal_code() -> Option<u8> {
    signal().map(|sig| (128 + sig).clamp(0, 255) as u8)
}

/// The signal that asked to stop, if one did.
pub fn signal() -> Option<libc::c_int> {
    match SIGNAL.load(Ordering::Acquire) {
        sig if sig > 0 => Some(sig),
        _ => None,
    }
}
