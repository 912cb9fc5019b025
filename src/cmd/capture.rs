//! `rtsec capture -o FILE [-- CMD ARGS...]`: record syscalls with eBPF into a trace.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use rtsec_capture::{Capture, CaptureOptions, Rotation, Status, Summary, syscall_set};

use crate::output::{count, human_bytes};

/// Record what processes do (syscalls, process tree, containers) into an .rts trace.
///
/// Needs root. Stops after --duration, when CMD exits (its exit code is passed through), or on
/// SIGINT/SIGTERM (passed on to CMD; --duration sends it SIGTERM); the file is finished
/// cleanly in every case.
#[derive(clap::Args)]
pub struct Args {
    /// The trace to write (created 0600; never replaced without --force). With rotation, it
    /// names the series: -o /var/lib/rtsec/host.rts writes host-20261130T104400.000Z.rts,
    /// then a new file named after its start time, in the same directory.
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,
    /// Start a new trace file when the current one holds about this much (e.g. 1G, 500M;
    /// checked once a second). Each file is a whole trace; `rtsec replay DIR` judges the
    /// files in time order.
    #[arg(long, value_name = "SIZE", value_parser = parse_file_size)]
    pub rotate_size: Option<u64>,
    /// Start a new trace file when the current one has recorded this long (e.g. 1h, 10m).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub rotate_every: Option<Duration>,
    /// Cut a block at least this often (e.g. 200ms, 5s): a crash loses at most this much, and
    /// `rtsec replay --follow` sees events this soon. Shorter blocks compress less well.
    #[arg(long, value_name = "DURATION", value_parser = parse_block_interval, default_value = "1s")]
    pub block_interval: Duration,
    /// With rotation: keep only the newest N files of this capture, deleting older ones.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub keep: Option<u64>,
    /// Stop after this long (e.g. 30s, 5m, 1h, 500ms).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub duration: Option<Duration>,
    /// Syscalls to record: default, all, or a comma-separated list of names (may include
    /// `default`, e.g. default,read,write): the kernel's names, or Falco's where they differ
    /// (pread, pwrite).
    #[arg(long, value_name = "SET", default_value = "default")]
    pub syscalls: String,
    /// Also record every syscall the rules in this file (or directory of them) watch, as
    /// Falco's drivers collect what its loaded rules need, and resolve the names they compare
    /// fd.sip.name and friends with, so that a replay with those rules misses none of their
    /// events (repeatable; e.g. rules on read or write, which the default set leaves out).
    #[arg(long, value_name = "FILE|DIR")]
    pub for_rules: Vec<PathBuf>,
    /// Kernel ring buffer size (e.g. 8M, 512K; rounded up to a power of two).
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "8M")]
    pub buffer_size: u64,
    /// Record only this process and its descendants (repeatable).
    #[arg(long, value_name = "PID")]
    pub pid: Vec<u32>,
    /// Record only events of this container (short or full id, or `host`).
    #[arg(long, value_name = "ID")]
    pub container: Option<String>,
    /// Bytes of read, write, sendto, recvfrom, … data kept for evt.buffer, as Falco's
    /// --snaplen (0: none; at most 4080).
    #[arg(
        short = 's',
        long,
        value_name = "BYTES",
        default_value_t = rtsec_capture::DEFAULT_SNAPLEN as u32,
        value_parser = clap::value_parser!(u32).range(0..=rtsec_capture::MAX_SNAPLEN as i64)
    )]
    pub snaplen: u32,
    /// Also record the device and inode of every opened file (fd.dev, fd.ino; about 0.3 µs
    /// more per open).
    #[arg(long)]
    pub file_ids: bool,
    /// Read path and address arguments at syscall exit only, without copying them at entry.
    /// Saves the sys_enter hook, about 30 ns on every syscall, but a thread racing the call can
    /// then make the trace name another file or peer than the one the kernel used. (By
    /// default they are copied at entry, before the kernel reads them, as Falco's drivers do
    /// for open, openat, openat2, creat and connect.)
    #[arg(long, conflicts_with = "detect_arg_changes")]
    pub no_entry_copies: bool,
    /// Also read the copied arguments again at exit and flag the calls whose arguments another
    /// thread changed while they ran (`arg_changed`): a TOCTOU attempt becomes visible. About
    /// 60 ns more per copied call.
    #[arg(long)]
    pub detect_arg_changes: bool,
    /// A host name to resolve at start and record in the trace, for rules that compare
    /// fd.sip.name and the like with names (repeatable; kubernetes.default.svc.cluster.local
    /// always is).
    #[arg(long, value_name = "NAME", value_parser = parse_host_name)]
    pub resolve: Vec<String>,
    /// A Docker-API socket to ask for container metadata (repeatable; default
    /// /var/run/docker.sock and /run/podman/podman.sock, those that exist).
    #[arg(long, value_name = "PATH")]
    pub runtime_socket: Vec<PathBuf>,
    /// Replace FILE if it exists.
    #[arg(long)]
    pub force: bool,
    /// A command to run while recording; capture stops when it exits.
    #[arg(last = true, value_name = "CMD")]
    pub command: Vec<String>,
}

static CHILD_DONE: AtomicBool = AtomicBool::new(false);

/// Refuses, before the probe loads, a command that `execvp` could not run: not found in
/// PATH, missing, a directory, or without execute permission.
fn check_runnable(program: &str) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let runnable = |m: &std::fs::Metadata| m.is_file() && m.permissions().mode() & 0o111 != 0;
    if program.contains('/') {
        return match std::fs::metadata(program) {
            Err(e) => bail!("cannot run {program}: {e}; nothing was recorded"),
            Ok(m) if !runnable(&m) => bail!(
                "cannot run {program}: not an executable file (a directory, or no execute \
                 permission); nothing was recorded"
            ),
            Ok(_) => Ok(()),
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    if std::env::split_paths(&path)
        .any(|d| std::fs::metadata(d.join(program)).is_ok_and(|m| runnable(&m)))
    {
        return Ok(());
    }
    bail!(
        "cannot run {program}: no such command in PATH ({}); nothing was recorded",
        path.to_string_lossy()
    )
}

/// `--resolve NAME`: a host name (labels of letters, digits, `-` and `_`, joined by dots).
fn parse_host_name(s: &str) -> Result<String, String> {
    let name = s.strip_suffix('.').unwrap_or(s);
    let label_ok = |l: &str| {
        (1..=63).contains(&l.len())
            && l.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if name.is_empty() || name.len() > 253 || !name.split('.').all(label_ok) {
        return Err(format!(
            "not a host name: {s:?} (letters, digits, '-' and '_' in dot-separated labels, \
             such as kubernetes.default.svc.cluster.local)"
        ));
    }
    Ok(name.to_string())
}

pub fn run(args: Args) -> Result<ExitCode> {
    let mut syscalls = syscall_set::parse(&args.syscalls)?;
    let mut resolve = args.resolve.clone();
    if !args.for_rules.is_empty() {
        add_what_rules_need(&args.for_rules, &mut syscalls, &mut resolve)?;
    }
    let rotation = Rotation {
        max_bytes: args.rotate_size,
        every: args.rotate_every,
        keep: args.keep.map(|k| k as usize),
    };
    if rotation.keep.is_some() && !rotation.is_on() {
        bail!("--keep needs --rotate-size or --rotate-every: without rotation there is one file");
    }
    crate::output::check_output_file(&args.output, "trace", "trace.rts")?;
    if !rotation.is_on() && !args.force && args.output.exists() {
        bail!(
            "{} exists; pass --force to replace it",
            args.output.display()
        );
    }
    // A pid that is not running can never be followed (descendants are found by their
    // forks): recording nothing for the whole capture would look like a quiet process.
    for p in &args.pid {
        if !std::path::Path::new(&format!("/proc/{p}")).exists() {
            bail!(
                "--pid {p}: no such process; it must be running when the capture starts \
                 (its descendants are then followed as they fork)"
            );
        }
    }
    // A command that cannot run would leave a trace of the moment before it failed.
    if let Some(program) = args.command.first() {
        check_runnable(program)?;
    }
    // SIGINT/SIGTERM, the command's exit and --duration all set it.
    let stop = crate::interrupt::stop_flag();
    let mut opts = CaptureOptions::new(&args.output);
    opts.force = args.force;
    opts.syscalls = syscalls;
    opts.buffer_bytes = args.buffer_size;
    opts.pids = args.pid.clone();
    opts.container = args.container.clone();
    opts.file_ids = args.file_ids;
    opts.snaplen = args.snaplen;
    opts.entry_copies = !args.no_entry_copies;
    opts.detect_arg_changes = args.detect_arg_changes;
    opts.rotation = rotation.clone();
    opts.cut_every = args.block_interval;
    opts.resolve = resolve;
    if !args.runtime_socket.is_empty() {
        opts.runtime_sockets = args.runtime_socket.clone();
    }
    opts.created_by = format!("rtsec {}", env!("CARGO_PKG_VERSION"));
    let capture = Capture::start(opts).context("cannot start capture")?;
    for n in capture.unresolved() {
        eoutln!("rtsec: warning: {n} did not resolve in time: recorded without addresses");
    }
    // A name asked for by hand that has no address is most likely mistyped.
    for h in &capture.hosts().0 {
        if h.addrs.is_empty()
            && args.resolve.contains(&h.name)
            && !capture.unresolved().contains(&h.name)
        {
            eoutln!(
                "rtsec: warning: --resolve {}: the resolver knows no address for it: recorded \
                 without addresses, so fd.*.name never matches it",
                h.name
            );
        }
    }
    for m in capture.missing() {
        eoutln!(
            "rtsec: warning: this kernel has no {}: capturing without {}",
            m.field,
            m.loses
        );
    }
    let series = if rotation.is_on() {
        let mut when = Vec::new();
        if let Some(b) = rotation.max_bytes {
            when.push(format!("at {}", human_bytes(b)));
        }
        if let Some(d) = rotation.every {
            when.push(format!("every {}", fmt_duration(d)));
        }
        format!(
            "; a new file {}{}",
            when.join(" or "),
            rotation
                .keep
                .map(|k| format!(", keeping the newest {k}"))
                .unwrap_or_default()
        )
    } else {
        String::new()
    };
    eoutln!(
        "rtsec: capturing to {}{series} ({}){}",
        capture.path().display(),
        if args.command.is_empty() {
            "Ctrl-C to stop".to_string()
        } else {
            format!("until {} exits", args.command[0])
        },
        args.duration
            .map(|d| format!(", for at most {}", fmt_duration(d)))
            .unwrap_or_default()
    );
    let ext = rtsec_replay::inputs::TRACE_EXTENSION;
    if capture.path().extension().is_none_or(|e| e != ext) {
        eoutln!(
            "rtsec: note: -o {} does not end in .{ext}: `rtsec replay DIR` and `--follow DIR` \
             read only the *.{ext} files of a directory, so they will not find {}",
            args.output.display(),
            if rotation.is_on() {
                "this capture's files"
            } else {
                "this trace (naming the file itself works)"
            },
        );
    }

    let child = if args.command.is_empty() {
        None
    } else {
        let mut cmd = std::process::Command::new(&args.command[0]);
        cmd.args(&args.command[1..]);
        crate::interrupt::pass_ignored_to(&mut cmd);
        let child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => {
                stop.store(true, Ordering::Release);
                let _ = capture.run(stop, &mut |_| {});
                // It recorded only the moment before the command failed: not a trace of it.
                if !rotation.is_on() {
                    let _ = std::fs::remove_file(&args.output);
                }
                return Err(e).with_context(|| format!("cannot run {}", args.command[0]));
            }
        };
        let pid = child.id() as i32;
        let waiter = std::thread::spawn(move || {
            let mut child = child;
            let status = child.wait();
            CHILD_DONE.store(true, Ordering::Release);
            stop.store(true, Ordering::Release);
            status
        });
        Some((pid, waiter))
    };
    if let Some(d) = args.duration {
        std::thread::spawn(move || {
            std::thread::sleep(d);
            stop.store(true, Ordering::Release);
        });
    }

    let tty = std::io::stderr().is_terminal();
    let mut status_line = |s: &Status| {
        if tty {
            eout!(
                "\r\x1b[K[{:>7}] {} events ({:.0}/s), {} written, {} drops",
                fmt_duration(s.elapsed),
                s.events,
                s.events_per_s,
                human_bytes(s.bytes),
                s.drops
            );
            let _ = std::io::stderr().flush();
        }
    };
    let trace = capture.path().to_path_buf();
    let result = capture.run(stop, &mut status_line);
    if tty {
        eout!("\r\x1b[K");
    }
    let summary = match result {
        Ok(s) => s,
        Err(e) => {
            // A full disk, say. The command would go on unrecorded, orphaned: it is stopped
            // as Ctrl-C would stop it, and the blocks written before are kept (the only
            // record of them).
            if let Some((pid, waiter)) = child {
                if !CHILD_DONE.load(Ordering::Acquire) {
                    eoutln!(
                        "rtsec: stopping {} (signal {}): it would run on unrecorded",
                        args.command[0],
                        libc::SIGTERM
                    );
                    // SAFETY: kill(2) on our own child, which has not been reaped yet.
                    unsafe { libc::kill(pid, libc::SIGTERM) };
                }
                let _ = waiter.join();
            }
            let kept = match rotation.is_on() {
                true => format!("the files beside {}", trace.display()),
                false => trace.display().to_string(),
            };
            bail!(
                "capture failed: {e:#}; the blocks written before it are in {kept} (`rtsec \
                 inspect` counts their events)"
            );
        }
    };
    print_summary(&summary, args.container.as_deref());
    let sig = crate::interrupt::signal().unwrap_or(0);
    if let Some((pid, waiter)) = child {
        if !CHILD_DONE.load(Ordering::Acquire) {
            // Stopped by a signal or --duration while the command runs: pass the signal on
            // (SIGTERM for --duration) and wait for it, so its exit code can be returned.
            let s = if sig != 0 { sig } else { libc::SIGTERM };
            eoutln!("rtsec: stopping {} (signal {s})", args.command[0]);
            // SAFETY: kill(2) on our own child, which has not been reaped yet.
            unsafe { libc::kill(pid, s) };
        }
        let status = waiter
            .join()
            .map_err(|_| anyhow::anyhow!("waiting for the command failed"))?
            .context("waiting for the command")?;
        return Ok(exit_code_of(status));
    }
    if sig != 0 {
        eoutln!("rtsec: stopped by signal {sig}");
    }
    Ok(ExitCode::SUCCESS)
}

fn exit_code_of(status: std::process::ExitStatus) -> ExitCode {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(c), _) => ExitCode::from(c as u8),
        (None, Some(s)) => ExitCode::from(128u8.wrapping_add(s as u8)),
        _ => ExitCode::FAILURE,
    }
}

fn print_summary(s: &Summary, container: Option<&str>) {
    let secs = s.duration.as_secs_f64();
    let to = if s.files > 1 {
        format!(
            "{} files (the last {}{})",
            s.files,
            s.path.display(),
            if s.deleted > 0 {
                format!("; {} older ones deleted as beyond --keep", s.deleted)
            } else {
                String::new()
            }
        )
    } else {
        s.path.display().to_string()
    };
    eoutln!(
        "rtsec: wrote {} events in {} to {to} ({}, {:.1} bytes/event) in {:.1} s",
        s.events,
        crate::output::count(s.blocks, "block", "blocks"),
        human_bytes(s.bytes),
        if s.events > 0 {
            s.bytes as f64 / s.events as f64
        } else {
            0.0
        },
        secs
    );
    for e in &s.delete_errors {
        eoutln!("rtsec: warning: could not delete an old file beyond --keep: {e}");
    }
    let drops = s.drops.total();
    if drops > 0 {
        eoutln!(
            "rtsec: DROPPED {}: the kernel ring buffer was full (try a larger \
             --buffer-size or fewer --syscalls)",
            count(drops, "event", "events")
        );
        for (t, n) in &s.losses.kernel_drops_by_type {
            eoutln!("rtsec:   {t:<20} {n:>10}");
        }
    } else {
        eoutln!("rtsec: 0 events dropped");
    }
    for (what, n) in &s.losses.truncated {
        eoutln!("rtsec: truncated: {n} {what}");
    }
    for (what, n) in &s.losses.skipped {
        eoutln!("rtsec: skipped: {n} {what}");
    }
    if s.decode.args_changed > 0 {
        eoutln!(
            "rtsec: RACE: {} had a path or address argument rewritten by another thread \
             during the call (events flagged arg_changed, carrying the argument as it was at \
             entry)",
            count(s.decode.args_changed, "syscall", "syscalls")
        );
    }
    if s.decode.entry_unreadable > 0 {
        eoutln!(
            "rtsec: the arguments of {} could not be read at entry (not yet in memory): \
             the exit-time read is kept",
            count(s.decode.entry_unreadable, "syscall", "syscalls")
        );
    }
    if let Some(r) = &s.runtimes {
        let pending = r.asked.saturating_sub(r.answered + r.unknown);
        eoutln!(
            "rtsec: container metadata: {} asked, {} described, {} unknown to the \
             runtimes, {} unanswered when capture ended{}",
            count(r.asked, "container", "containers"),
            r.answered,
            r.unknown,
            pending,
            r.last_error
                .as_ref()
                .map(|e| format!(" (last error: {e})"))
                .unwrap_or_default()
        );
    }
    if s.filtered > 0 {
        eoutln!(
            "rtsec: {} of other containers not written (--container)",
            count(s.filtered, "event", "events")
        );
    }
    if let Some(id) = container
        && s.events == 0
    {
        eoutln!(
            "rtsec: warning: no event of container {id} was recorded: is the id right? \
             (`docker ps --no-trunc` or `crictl ps` lists them; `host` is the host)"
        );
    }
    if s.state.placeholders > 0 {
        eoutln!(
            "rtsec: {} first seen mid-capture after exiting (fields unknown)",
            count(s.state.placeholders, "process", "processes")
        );
    }
}

fn fmt_duration(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}h{:02}m{:02}s", s / 3600, (s / 60) % 60, s % 60)
    } else if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

/// A --block-interval: 10 ms to 1 h.
fn parse_block_interval(s: &str) -> Result<Duration, String> {
    let d = parse_duration(s)?;
    if d < Duration::from_millis(10) || d > Duration::from_secs(3600) {
        return Err(format!("{s:?}: a block interval is between 10ms and 1h"));
    }
    Ok(d)
}

/// `30s`, `5m`, `1h`, `500ms`, or plain seconds.
pub(crate) fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = s.split_at(
        s.find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(s.len()),
    );
    let v: f64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a duration (try 30s, 5m, 1h, 500ms)"))?;
    let secs = match unit {
        "" | "s" => v,
        "ms" => v / 1000.0,
        "m" => v * 60.0,
        "h" => v * 3600.0,
        _ => {
            return Err(format!(
                "unknown unit {unit:?} in {s:?} (use ms, s, m or h)"
            ));
        }
    };
    if !(secs > 0.0 && secs.is_finite()) {
        return Err(format!("{s:?}: the duration must be positive"));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// A ring buffer size (see [`bytes`]): 1 byte to 1G.
fn parse_size(s: &str) -> Result<u64, String> {
    let b = bytes(s)?;
    if b > 1 << 30 {
        return Err(format!("{s:?}: the buffer must be between 1 byte and 1G"));
    }
    Ok(b)
}

/// A file size for --rotate-size (see [`bytes`]): at least 1M, so a file holds more than its
/// header.
fn parse_file_size(s: &str) -> Result<u64, String> {
    let b = bytes(s)?;
    if b < 1 << 20 {
        return Err(format!("{s:?}: a file must be allowed at least 1M"));
    }
    Ok(b)
}

/// `8M`, `512K`, `1G`, `2T`, `65536` (bytes); binary units.
fn bytes(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (num, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let v: u64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a size (try 8M, 512K or a number of bytes)"))?;
    let mult = match unit
        .to_ascii_uppercase()
        .trim_end_matches("IB")
        .trim_end_matches('B')
    {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        "T" => 1 << 40,
        _ => return Err(format!("unknown unit {unit:?} in {s:?} (use K, M, G or T)")),
    };
    let bytes = v
        .checked_mul(mult)
        .ok_or_else(|| format!("{s:?} is too large"))?;
    if bytes == 0 {
        return Err(format!("{s:?}: the size must be more than 0"));
    }
    Ok(bytes)
}

/// Adds to `set` the syscalls the enabled rules of `files` watch, and to `resolve` the names
/// they compare `fd.*.name` fields with; says what that added.
fn add_what_rules_need(
    files: &[PathBuf],
    set: &mut Vec<u16>,
    resolve: &mut Vec<String>,
) -> Result<()> {
    let rules = rtsec_rules::load_files(files).map_err(|e| anyhow::anyhow!("--for-rules: {e}"))?;
    let engine = rtsec_rules::Engine::new(&rules, rtsec_rules::EngineOptions::default());
    let watched = engine.watched_syscalls();
    let mut added = Vec::new();
    for name in &watched.syscalls {
        if let Some(nr) = rtsec_format::syscalls::number(name)
            && !set.contains(&nr)
        {
            set.push(nr);
            added.push(name.as_str());
        }
    }
    set.sort_unstable();
    let (rules, calls) = (engine.enabled().len(), watched.syscalls.len());
    eoutln!(
        "rtsec: --for-rules: {rules} enabled {} {calls} {}; {}",
        if rules == 1 {
            "rule watches"
        } else {
            "rules watch"
        },
        if calls == 1 { "syscall" } else { "syscalls" },
        if added.is_empty() {
            "the set records them all already".to_string()
        } else {
            format!("also recording {}", added.join(", "))
        }
    );
    let new_names: Vec<&String> = watched
        .names
        .iter()
        .filter(|n| !resolve.contains(n))
        .collect();
    if !new_names.is_empty() {
        eoutln!(
            "rtsec: --for-rules: resolving {} {} the rules compare fd.*.name with",
            new_names.len(),
            if new_names.len() == 1 {
                "name"
            } else {
                "names"
            }
        );
        resolve.extend(new_names.into_iter().cloned());
    }
    if !watched.unspecific.is_empty() {
        let names: Vec<&str> = watched
            .unspecific
            .iter()
            .take(5)
            .map(|&id| engine.rule(id).name.as_str())
            .collect();
        eoutln!(
            "rtsec: --for-rules: {} rules watch every event type, or nearly ({}{}): they see \
             what the set records",
            watched.unspecific.len(),
            names.join(", "),
            if watched.unspecific.len() > 5 {
                ", …"
            } else {
                ""
            }
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_durations_and_sizes() {
        assert_eq!(parse_duration("30s").unwrap(), Duration::from_secs(30));
        assert_eq!(parse_duration("500ms").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_duration("1.5").unwrap(), Duration::from_millis(1500));
        assert!(parse_duration("5x").is_err());
        assert!(parse_duration("0s").is_err());
        assert_eq!(
            parse_block_interval("200ms").unwrap(),
            Duration::from_millis(200)
        );
        assert!(parse_block_interval("1ms").is_err());
        assert!(parse_block_interval("2h").is_err());
        assert_eq!(parse_size("8M").unwrap(), 8 << 20);
        assert_eq!(parse_size("512k").unwrap(), 512 << 10);
        assert_eq!(parse_size("4096").unwrap(), 4096);
        assert_eq!(parse_size("1MiB").unwrap(), 1 << 20);
        assert!(parse_size("2T").is_err());
        assert!(parse_size("0").is_err());
        assert_eq!(parse_file_size("2T").unwrap(), 2 << 40);
        assert_eq!(parse_file_size("500M").unwrap(), 500 << 20);
        assert!(parse_file_size("512K").is_err());
    }
}
