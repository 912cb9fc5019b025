//! Small helpers for what the commands print.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Prints an error as one line: the error and its causes joined with ": ".
pub fn print_error(e: &anyhow::Error) {
    let mut msg = e.to_string();
    for cause in e.chain().skip(1) {
        let c = cause.to_string();
        if !msg.contains(&c) {
            msg.push_str(": ");
            msg.push_str(&c);
        }
    }
    // https://no-color.org: set and not empty, it turns colour off.
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let prefix = if std::io::stderr().is_terminal() && !no_color {
        "\x1b[1;31merror:\x1b[0m"
    } else {
        "error:"
    };
    write_stderr(format_args!("{prefix} {msg}\n"));
}

pub use rtsec_format::lossless;

/// `1 block`, `3 blocks`: a count and its noun.
pub fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Refuses, before any work, a path that cannot become the output file: a directory, a device,
/// pipe or socket, or a file in a directory that does not exist. Found when the file is created or renamed into
/// place, they would come after the work, or as a bare "Is a directory" naming the wrong file.
/// `what` and `example` name the file to write: ("trace", "trace.rts").
pub fn check_output_file(path: &std::path::Path, what: &str, example: &str) -> anyhow::Result<()> {
    check_output_location(path, what, example)?;
    // A file is written beside it and renamed over it (or, by a capture, locked and grown):
    // as root, `--parquet /dev/null --force` replaced the system's /dev/null with a file.
    if let Some(kind) = special_file(path) {
        anyhow::bail!(
            "{} is {kind}, not a file: the {what} is written to a file of its own, which \
             would replace it; name a file such as {example}",
            path.display()
        );
    }
    Ok(())
}

/// What `path` is if it exists and is neither a regular file nor a directory.
fn special_file(path: &std::path::Path) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    let t = std::fs::metadata(path).ok()?.file_type();
    Some(if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_fifo() {
        "a named pipe"
    } else if t.is_socket() {
        "a socket"
    } else {
        return None;
    })
}

/// [`check_output_file`] for an output written into whatever `path` is, as a report is: a
/// device or pipe (`/dev/stdout`) takes it as well as a file does.
pub fn check_output_location(
    path: &std::path::Path,
    what: &str,
    example: &str,
) -> anyhow::Result<()> {
    if path.is_dir() || path.as_os_str().as_encoded_bytes().ends_with(b"/") {
        anyhow::bail!(
            "{} is a directory: name the {what} to write, such as {}",
            path.display(),
            path.join(example).display()
        );
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    if dir.exists() && !dir.is_dir() {
        anyhow::bail!(
            "cannot write {}: {} is a file, not a directory; name a file in a directory",
            path.display(),
            dir.display()
        );
    }
    if !dir.is_dir() {
        anyhow::bail!(
            "cannot write {}: the directory {} does not exist (create it first)",
            path.display(),
            dir.display()
        );
    }
    Ok(())
}

/// [`check_output_location`], and the report can be opened for writing: it is written after
/// the work (`rtsec test --junit` after every case ran), so a place it cannot go
/// (`/proc/r.xml`, a read-only mount) is found first, not after minutes of cases. An existing
/// file is opened without truncating it; a new one is created and removed again. A device or
/// pipe is not opened: a pipe without a reader would block here.
pub fn check_report_writable(
    path: &std::path::Path,
    what: &str,
    example: &str,
) -> anyhow::Result<()> {
    check_output_location(path, what, example)?;
    if special_file(path).is_some() {
        return Ok(());
    }
    let opened = if path.exists() {
        std::fs::OpenOptions::new()
            .append(true)
            .open(path)
            .map(drop)
    } else {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .and_then(|f| {
                drop(f);
                std::fs::remove_file(path)
            })
    };
    opened.map_err(|e| {
        anyhow::anyhow!(
            "cannot write the {what} {}: {e}; name a file that can be written",
            path.display()
        )
    })
}

/// Refuses an output that is one of the files the command reads, by identity (device and
/// inode), so `./t.rts` and a link to it count too. `--force` does not change this: it is for
/// an old output, while this is a slip such as `--parquet t.rts t.rts`, which would replace
/// the recording being judged with what was found in it. `flag` names the output
/// (`--parquet hits.parquet`); `inputs` are the files read, with what each is (`trace`).
pub fn check_not_an_input<'a>(
    output: &std::path::Path,
    flag: &str,
    inputs: impl IntoIterator<Item = (&'a std::path::Path, &'a str)>,
) -> anyhow::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let Ok(out) = std::fs::metadata(output) else {
        return Ok(());
    };
    for (input, what) in inputs {
        if let Ok(m) = std::fs::metadata(input)
            && m.is_file()
            && (m.dev(), m.ino()) == (out.dev(), out.ino())
        {
            anyhow::bail!(
                "{flag}: {} is the {what} {} this run reads; writing there would replace it \
                 (--force does not): name another file",
                output.display(),
                input.display()
            );
        }
    }
    Ok(())
}

/// A byte count for people: `1.5 MiB`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// Set once stdout's reader went away (`rtsec inspect t.rts | head`): the rest is dropped.
static STDOUT_GONE: AtomicBool = AtomicBool::new(false);
/// Set once writing to stdout failed otherwise (a full disk): reported, and the exit code is 1.
static STDOUT_FAILED: AtomicBool = AtomicBool::new(false);

/// Writes to stdout (what [`out!`] and [`outln!`] call): never a panic, unlike `println!`,
/// when the reader has gone away; any other failure is reported once and fails the command
/// ([`stdout_failed`]).
pub fn write_stdout(args: std::fmt::Arguments<'_>) {
    if STDOUT_GONE.load(Ordering::Relaxed) || STDOUT_FAILED.load(Ordering::Relaxed) {
        return;
    }
    if let Err(e) = std::io::stdout().lock().write_fmt(args) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            STDOUT_GONE.store(true, Ordering::Relaxed);
        } else {
            STDOUT_FAILED.store(true, Ordering::Relaxed);
            print_error(&anyhow::Error::new(e).context("writing to stdout"));
        }
    }
}

/// Whether writing to stdout failed (not counting a reader that went away).
pub fn stdout_failed() -> bool {
    STDOUT_FAILED.load(Ordering::Relaxed)
}

/// Whether nothing more can be written to stdout (its reader went away, or writing failed):
/// a command that only prints can stop.
pub fn stdout_unusable() -> bool {
    STDOUT_GONE.load(Ordering::Relaxed) || STDOUT_FAILED.load(Ordering::Relaxed)
}

/// Writes to stderr, ignoring failure: with stderr unwritable (a log file on a full disk)
/// `eprintln!` would panic, losing the command's own exit code; only the messages are lost.
pub fn write_stderr(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = std::io::stderr().lock().write_fmt(args);
}

/// `eprint!` that never panics (see [`write_stderr`]).
macro_rules! eout {
    ($($arg:tt)*) => {
        $crate::output::write_stderr(format_args!($($arg)*))
    };
}

/// `eprintln!` that never panics (see [`write_stderr`]).
macro_rules! eoutln {
    () => {
        $crate::output::write_stderr(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::output::write_stderr(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` that neither panics nor loses output silently (see [`write_stdout`]).
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::write_stdout(format_args!($($arg)*))
    };
}

/// `println!` that neither panics nor loses output silently (see [`write_stdout`]).
macro_rules! outln {
    () => {
        $crate::output::write_stdout(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::output::write_stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}
