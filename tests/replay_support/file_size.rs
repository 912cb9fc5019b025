//! A file size limit for a command under test: its writes past the limit fail with EFBIG
//! ("File too large"), as they would on a full disk, without root or a small filesystem.

use std::os::unix::process::CommandExt;
use std::process::Command;

/// Limits the files `cmd` writes to `bytes`; SIGXFSZ is ignored, so a write past the limit
/// fails instead of killing the process.
pub fn limit_file_size(cmd: &mut Command, bytes: u64) -> &mut Command {
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limit = libc::rlimit {
                rlim_cur: bytes,
                rlim_max: bytes,
            };
            match libc::setrlimit(libc::RLIMIT_FSIZE, &limit) {
                0 => Ok(()),
                _ => Err(std::io::Error::last_os_error()),
            }
        })
    }
}
