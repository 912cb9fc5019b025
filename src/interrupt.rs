//! Ctrl-C (SIGINT) and SIGTERM as a request to stop: the first one sets a flag the command
//! checks, so it ends cleanly (what it judged so far summed up, its outputs finished or
//! removed); a second one ends the process at once, removing the partial files registered
//! with [`crate::signal_cleanup`] as a single signal does for commands that do not ask.
//!
//! A shell without job control (a script) starts background commands with SIGINT ignored, so
//! that the terminal's Ctrl-C, meant for the foreground, does not reach them. rtsec keeps that
//! for the terminal's signal, and still stops when a signal is sent to it on purpose
//! (`kill -INT PID`, the usual way to end a background capture): the kernel tells the two
//! apart (`si_code`).

use std::sync::Once;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, Ordering};

static STOP: AtomicBool = AtomicBool::new(false);
static SIGNAL: AtomicI32 = AtomicI32::new(0);
/// Signals received: the second ends the process, whatever else set the flag (a capture's
/// command that exited, its `--duration`).
static RECEIVED: AtomicU32 = AtomicU32::new(0);
/// SIGINT and SIGTERM were ignored when the handlers were installed.
static WAS_IGNORED: [AtomicBool; 2] = [const { AtomicBool::new(false) }; 2];
static INSTALL: Once = Once::new();

const SIGNALS: [libc::c_int; 2] = [libc::SIGINT, libc::SIGTERM];

extern "C" fn on_signal(sig: libc::c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
    // SAFETY: with SA_SIGINFO the kernel passes a valid siginfo.
    let from_kernel = !info.is_null() && unsafe { (*info).si_code } > 0;
    let ignored = SIGNALS
        .iter()
        .position(|&s| s == sig)
        .is_some_and(|i| WAS_IGNORED[i].load(Ordering::Acquire));
    if from_kernel && ignored {
        // A terminal's signal to its foreground job (SI_KERNEL), which this one is not.
        return;
    }
    // Before the flag: whoever sees the flag finds the signal.
    SIGNAL.store(sig, Ordering::Release);
    STOP.store(true, Ordering::Release);
    if RECEIVED.fetch_add(1, Ordering::AcqRel) > 0 {
        crate::signal_cleanup::die_of(sig);
    }
}

/// The flag the first SIGINT or SIGTERM sets (the handlers are installed on the first call);
/// a command may set it too, for other reasons to stop. Where SIGINT was ignored (a background
/// job of a script), the terminal's Ctrl-C stays ignored; `kill -INT` stops.
pub fn stop_flag() -> &'static AtomicBool {
    INSTALL.call_once(|| {
        for (i, sig) in SIGNALS.into_iter().enumerate() {
            // SAFETY: reading the current action, then installing a handler that only uses
            // atomics, or the async-signal-safe `die_of`.
            unsafe {
                let mut old: libc::sigaction = std::mem::zeroed();
                if libc::sigaction(sig, std::ptr::null(), &mut old) == 0
                    && old.sa_sigaction == libc::SIG_IGN
                {
                    WAS_IGNORED[i].store(true, Ordering::Release);
                }
                let mut sa: libc::sigaction = std::mem::zeroed();
                sa.sa_sigaction = on_signal
                    as extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void)
                    as usize;
                // Reads and writes in progress go on: the flag is looked at between blocks.
                sa.sa_flags = libc::SA_RESTART | libc::SA_SIGINFO;
                libc::sigemptyset(&mut sa.sa_mask);
                libc::sigaction(sig, &sa, std::ptr::null_mut());
            }
        }
    });
    &STOP
}

/// Makes `cmd` start with the signals ignored that this process was started with ignored: an
/// exec resets a handled signal to its default, so a capture's command, run from a script in
/// the background, would otherwise die of the terminal's Ctrl-C meant for the foreground job.
pub fn pass_ignored_to(cmd: &mut std::process::Command) {
    use std::os::unix::process::CommandExt;
    let ignored: Vec<libc::c_int> = SIGNALS
        .iter()
        .zip(&WAS_IGNORED)
        .filter(|(_, w)| w.load(Ordering::Acquire))
        .map(|(&s, _)| s)
        .collect();
    if ignored.is_empty() {
        return;
    }
    // SAFETY: between fork and exec the closure only calls signal(2), which is
    // async-signal-safe, and allocates nothing.
    unsafe {
        cmd.pre_exec(move || {
            for &s in &ignored {
                libc::signal(s, libc::SIG_IGN);
            }
            Ok(())
        });
    }
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
