//! One capture run: probe loaded, `/proc` scanned, ring drained through the state engine into a
//! trace file until told to stop.
//!
//! Threads: the ring consumer only copies records out of the kernel (`live::ring`); the caller's
//! thread decodes, runs the state engine and builds blocks; the trace writer's own thread
//! compresses and writes. Blocks are cut at least every `cut_every` of wall time, and the loss
//! counters are refreshed then, so a killed capture loses at most that much.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, bounded};
use rtsec_ebpf_common::MAX_SYSCALLS;
use rtsec_format::{
    CaptureSettings, Header, Kind, Losses, NewEvent, TraceWriter, WriterOptions,
    interfaces::Interfaces, syscalls,
};

use crate::error::CaptureError;
use crate::live::cgroups::CgroupFs;
use crate::live::decode::{DecodeStats, Decoder};
use crate::live::ring::{self, Batch};
use crate::live::runtime::{RuntimeStats, Runtimes};
use crate::live::{dns, interfaces, runtime, scan, users};
use crate::probe::{Drops, ExitHook, MissingField, Probe, ProbeOptions};
use crate::rotation::{Rotation, Series};
use crate::state::{self, State};
use crate::syscall_set;

/// How to capture.
#[derive(Clone, Debug)]
pub struct CaptureOptions {
    pub output: PathBuf,
    /// Replace an existing output file.
    pub force: bool,
    /// Syscall numbers to record.
    pub syscalls: Vec<u16>,
    /// Kernel ring buffer size in bytes (rounded up to a power of two).
    pub buffer_bytes: u64,
    /// Record only these processes and their descendants (empty: everything).
    pub pids: Vec<u32>,
    /// Record only events of processes in this container (short or full id, or `host`).
    pub container: Option<String>,
    /// Record device and inode numbers of opened files (about 0.3 µs more per open).
    pub file_ids: bool,
    /// Copy path and address arguments at syscall entry, so a racing thread cannot change what
    /// the trace says (on by default; off saves the `sys_enter` hook, about 30 ns on every
    /// syscall).
    pub entry_copies: bool,
    /// Entry copies, and read the arguments again at exit to flag calls whose arguments a
    /// racing thread changed (`ARG_CHANGED`).
    pub detect_arg_changes: bool,
    /// Bytes of read, write, sendto, … data kept for `evt.buffer` (Falco's `--snaplen`).
    pub snaplen: u32,
    /// Host names to resolve at start and record in the trace (besides
    /// `kubernetes.default.svc.cluster.local`), for rules on `fd.*.name` fields.
    pub resolve: Vec<String>,
    /// Docker-API sockets asked for container metadata (those that exist).
    pub runtime_sockets: Vec<PathBuf>,
    /// Cut a block at least this often.
    pub cut_every: Duration,
    /// Start a new file now and then (see [`crate::rotation`]); `output` then names the
    /// series.
    pub rotation: Rotation,
    /// `Header::created_by`.
    pub created_by: String,
}

impl CaptureOptions {
    pub fn new(output: impl Into<PathBuf>) -> CaptureOptions {
        CaptureOptions {
            output: output.into(),
            force: false,
            syscalls: syscall_set::default_set(),
            buffer_bytes: DEFAULT_BUFFER,
            pids: Vec::new(),
            container: None,
            file_ids: false,
            entry_copies: true,
            detect_arg_changes: false,
            snaplen: crate::DEFAULT_SNAPLEN as u32,
            resolve: Vec::new(),
            runtime_sockets: runtime::DEFAULT_SOCKETS.iter().map(PathBuf::from).collect(),
            cut_every: Duration::from_secs(1),
            rotation: Rotation::default(),
            created_by: concat!("rtsec-capture ", env!("CARGO_PKG_VERSION")).into(),
        }
    }
}

/// How long capture start waits for DNS answers (they resolve while the probe loads).
const DNS_WAIT: Duration = Duration::from_secs(2);

/// Default ring size: 8 MiB, about 40k records — a second of a busy 2-core machine.
pub const DEFAULT_BUFFER: u64 = 8 << 20;

/// A progress snapshot, about once per `cut_every`.
#[derive(Clone, Debug, Default)]
pub struct Status {
    pub elapsed: Duration,
    pub events: u64,
    pub events_per_s: f64,
    /// Bytes in the output file so far.
    pub bytes: u64,
    pub drops: u64,
}

/// What a finished capture did.
#[derive(Clone, Debug)]
pub struct Summary {
    /// The (last) file written.
    pub path: PathBuf,
    /// In all files.
    pub events: u64,
    pub blocks: u64,
    pub bytes: u64,
    /// Files written (1 without rotation), and deleted as beyond `--keep`.
    pub files: u64,
    pub deleted: u64,
    /// Files that could not be deleted, and why.
    pub delete_errors: Vec<String>,
    pub duration: Duration,
    pub drops: Drops,
    pub losses: Losses,
    pub decode: DecodeStats,
    pub state: state::Stats,
    pub containers: usize,
    /// Events not written because of `--container`.
    pub filtered: u64,
    pub exit_hook: ExitHook,
    pub missing: Vec<MissingField>,
    /// What the container runtimes were asked and answered (`None`: no runtime socket).
    pub runtimes: Option<RuntimeStats>,
}

/// A running capture (see the module docs).
pub struct Capture {
    opts: CaptureOptions,
    probe: Probe,
    writer: TraceWriter,
    /// The file being written.
    path: PathBuf,
    /// Its header (the next file's, but for the start time).
    header: Header,
    /// With rotation: the files.
    series: Option<Series>,
    /// The capture's cumulative losses when the current file was started.
    base_losses: Losses,
    /// What the files finished so far hold: events, blocks, bytes.
    finished: (u64, u64, u64),
    state: State,
    decoder: Decoder,
    consumer: Option<JoinHandle<u64>>,
    rx: Receiver<Batch>,
    free: Sender<Batch>,
    stop_ring: Arc<AtomicBool>,
    started: Instant,
    filtered: u64,
    runtimes: Option<Runtimes>,
    /// The container record the last event referred to (to ask about each one once, cheaply).
    last_container: usize,
    unresolved: Vec<String>,
}

/// `CLOCK_REALTIME - CLOCK_BOOTTIME`: the wall-clock time of boot, ns since the epoch.
pub fn boot_epoch_ns() -> u64 {
    let now = |c| {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: valid clock id and out pointer.
        unsafe { libc::clock_gettime(c, &mut ts) };
        ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
    };
    now(libc::CLOCK_REALTIME).saturating_sub(now(libc::CLOCK_BOOTTIME))
}

fn now_ns() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

impl Capture {
    /// Loads the probe, scans `/proc` and opens the output: events are being recorded when this
    /// returns (buffered until [`Capture::run`]).
    pub fn start(opts: CaptureOptions) -> Result<Capture, CaptureError> {
        keep_freed_memory();
        let mut series = opts
            .rotation
            .is_on()
            .then(|| Series::new(&opts.output, opts.rotation.clone()));
        if series.is_none() && !opts.force && opts.output.exists() {
            return Err(CaptureError::Format(rtsec_format::FormatError::Exists {
                path: opts.output.clone(),
            }));
        }
        // Names resolve while the probe loads.
        let lookups = dns::start(&opts.resolve);
        let cgroups = CgroupFs::detect();
        let v1: Vec<String> = cgroups
            .v1_controllers()
            .into_iter()
            .map(str::to_string)
            .collect();
        let boot = boot_epoch_ns();
        let mut decoder = Decoder::new(boot, cgroups);
        // Scan before and after attaching: processes that exit while the probe loads (which
        // takes a second or two) are still known from the first scan when their last events
        // arrive; everything alive afterwards comes from the second, fresher one.
        let me = std::process::id();
        let early = {
            let (ctx, cg) = decoder.scan_parts();
            scan::scan_all(ctx, cg, me)
        };
        // Programs attach while the probe loads: recording starts no later than now.
        let start_ns = now_ns();
        let mut probe = Probe::load(&ProbeOptions {
            syscalls: opts.syscalls.clone(),
            ring_bytes: opts.buffer_bytes.min(1 << 30) as u32,
            pids: opts.pids.clone(),
            v1_controllers: v1,
            raw_sys_exit: false,
            file_ids: opts.file_ids,
            entry_copies: opts.entry_copies || opts.detect_arg_changes,
            verify_entry_copies: opts.detect_arg_changes,
            snaplen: opts.snaplen,
        })?;
        decoder.cgroups_mut().set_ssids(&probe.v1_ssids);
        let ring = probe.take_ring()?;
        let (tx, rx) = bounded::<Batch>(64);
        let (free, free_rx) = bounded::<Batch>(64);
        let stop_ring = Arc::new(AtomicBool::new(false));
        let consumer = ring::spawn(ring, tx, free_rx, stop_ring.clone())
            .map_err(|e| CaptureError::Thread(e.to_string()))?;

        let runtimes = Runtimes::start(&opts.runtime_sockets);
        let resolved = lookups.finish(DNS_WAIT);
        let mut header = header(
            &opts,
            &probe,
            decoder.cgroups(),
            runtimes.as_ref(),
            boot,
            start_ns,
        );
        header.hosts = resolved.hosts;
        match interfaces::read() {
            Ok(list) => header.interfaces = Interfaces::recorded(list),
            // Rules fall back to each socket's role for its local end, and say so.
            Err(e) => header
                .settings
                .extra
                .push(format!("interfaces=unknown ({e})")),
        }
        let path = match &series {
            Some(s) => s.name_at(start_ns),
            None => opts.output.clone(),
        };
        let writer = TraceWriter::create(&path, &header, writer_options(&opts))?;
        if let Some(s) = &mut series {
            s.opened(path.clone());
        }

        let mut state = State::new();
        state.set_user_loader(Box::new(users::loader));
        let late = {
            let (ctx, cg) = decoder.scan_parts();
            ctx.forget_sockets();
            scan::scan_all(ctx, cg, me)
        };
        let alive: std::collections::HashSet<i64> = late.iter().map(|s| s.0.pid).collect();
        let gone = early.into_iter().filter(|s| !alive.contains(&s.0.pid));
        for (seed, fds) in late.into_iter().chain(gone) {
            let pid = seed.pid;
            state.seed_process(seed);
            for fd in fds {
                state.seed_fd(pid, fd);
            }
        }
        state.finish_seeding();
        Ok(Capture {
            opts,
            probe,
            writer,
            path,
            header,
            series,
            base_losses: Losses::default(),
            finished: (0, 0, 0),
            state,
            decoder,
            consumer: Some(consumer),
            rx,
            free,
            stop_ring,
            started: Instant::now(),
            filtered: 0,
            runtimes,
            last_container: 0,
            unresolved: resolved.timed_out,
        })
    }

    /// The file being written (with rotation, the first one until [`Capture::run`]).
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Names that had not resolved when the trace header was written (recorded without
    /// addresses).
    pub fn unresolved(&self) -> &[String] {
        &self.unresolved
    }

    /// The names resolved at start and their addresses, as recorded in the header.
    pub fn hosts(&self) -> &rtsec_format::hosts::HostAnswers {
        &self.header.hosts
    }

    /// Kernel fields the probe could not find on this kernel, and what that loses.
    pub fn missing(&self) -> &[MissingField] {
        &self.probe.missing
    }

    /// Records until `stop` is set, then finishes the file. `on_status` is called about once
    /// per `cut_every`.
    pub fn run(
        mut self,
        stop: &AtomicBool,
        on_status: &mut dyn FnMut(&Status),
    ) -> Result<Summary, CaptureError> {
        let mut last_cut = Instant::now();
        let mut last_events = 0u64;
        let mut drops = Drops::default();
        let mut failed: Option<CaptureError> = None;
        loop {
            let wait = self.opts.cut_every.min(Duration::from_millis(100));
            match self.rx.recv_timeout(wait) {
                Ok(batch) => {
                    if let Err(e) = self.process(&batch) {
                        failed = Some(e);
                        break;
                    }
                    let _ = self.free.try_send(batch);
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            self.take_metadata();
            if last_cut.elapsed() >= self.opts.cut_every {
                drops = self.probe.drops().unwrap_or(drops);
                self.writer.set_losses(self.file_losses(&drops));
                if let Err(e) = self.writer.cut() {
                    failed = Some(e.into());
                    break;
                }
                let written = std::fs::metadata(&self.path).map_or(0, |m| m.len());
                if self.series.as_ref().is_some_and(|s| s.due(written))
                    && let Err(e) = self.rotate(&drops)
                {
                    failed = Some(e);
                    break;
                }
                // The files finished, and the one being written (a new one after a rotation).
                let bytes = self.finished.2 + std::fs::metadata(&self.path).map_or(0, |m| m.len());
                let events = self.finished.0 + self.writer.events();
                let dt = last_cut.elapsed().as_secs_f64();
                on_status(&Status {
                    elapsed: self.started.elapsed(),
                    events,
                    events_per_s: (events - last_events) as f64 / dt.max(1e-3),
                    bytes,
                    drops: drops.total(),
                });
                last_events = events;
                last_cut = Instant::now();
            }
            if stop.load(Ordering::Acquire) {
                break;
            }
        }
        // Nothing new after this point: detach, read the final counters, drain what is left.
        self.probe.detach();
        drops = self.probe.drops().unwrap_or(drops);
        self.stop_ring.store(true, Ordering::Release);
        let consumer = self.consumer.take();
        if failed.is_none() {
            while let Ok(batch) = self.rx.recv() {
                if let Err(e) = self.process(&batch) {
                    failed = Some(e);
                    break;
                }
            }
        }
        drop(std::mem::replace(&mut self.rx, crossbeam_channel::never()));
        if let Some(c) = consumer {
            c.join()
                .map_err(|_| CaptureError::Thread("ring consumer panicked".into()))?;
        }
        let losses = self.losses(&drops);
        self.writer.set_losses(self.file_losses(&drops));
        if let Some(e) = failed {
            return Err(e);
        }
        self.take_metadata();
        let Capture {
            probe,
            writer,
            path,
            series,
            finished,
            state,
            decoder,
            started,
            filtered,
            runtimes,
            ..
        } = self;
        let (w, _) = writer.finish()?;
        let series = series.unwrap_or_else(|| Series::new(&path, Rotation::default()));
        Ok(Summary {
            path,
            events: finished.0 + w.events,
            blocks: finished.1 + w.blocks,
            bytes: finished.2 + w.bytes,
            files: series.started.max(1),
            deleted: series.deleted,
            delete_errors: series.delete_errors,
            duration: started.elapsed(),
            drops,
            losses,
            decode: decoder.stats,
            state: state.stats(),
            containers: state.containers(),
            filtered,
            exit_hook: probe.exit_hook,
            missing: probe.missing.clone(),
            runtimes: runtimes.map(|r| r.stats),
        })
    }

    /// Hands the container metadata that arrived to the state engine: the containers' events
    /// from now on carry it.
    fn take_metadata(&mut self) {
        if let Some(r) = &mut self.runtimes {
            for info in r.arrived() {
                self.state.seed_container(info);
            }
        }
    }

    fn process(&mut self, batch: &[u8]) -> Result<(), CaptureError> {
        let Capture {
            writer,
            state,
            decoder,
            opts,
            filtered,
            runtimes,
            last_container,
            ..
        } = self;
        let mut err = None;
        let want = opts.container.as_deref();
        let mut sink = |ev: &NewEvent<'_>| {
            if let Some(r) = runtimes.as_mut()
                && let Some(c) = ev.proc.and_then(|p| p.container.as_ref())
                && Arc::as_ptr(c) as usize != *last_container
            {
                *last_container = Arc::as_ptr(c) as usize;
                r.ask(c);
            }
            if let Some(w) = want
                && !container_matches(ev, w)
            {
                *filtered += 1;
                return;
            }
            if err.is_none()
                && let Err(e) = writer.push(ev)
            {
                err = Some(e);
            }
        };
        for rec in ring::records(batch) {
            decoder.record(rec, state, &mut sink);
        }
        match err {
            Some(e) => Err(e.into()),
            None => {
                self.take_metadata();
                Ok(())
            }
        }
    }

    /// Finishes the file being written and goes on in a new one (between two blocks: the
    /// builder is empty after a cut).
    fn rotate(&mut self, drops: &Drops) -> Result<(), CaptureError> {
        let Some(series) = self.series.as_ref() else {
            return Ok(());
        };
        let start_ns = now_ns();
        let path = series.name_at(start_ns);
        let mut header = self.header.clone();
        header.start_ns = start_ns;
        let next = TraceWriter::create(&path, &header, writer_options(&self.opts))?;
        let mut done = std::mem::replace(&mut self.writer, next);
        let all = self.losses(drops);
        done.set_losses(all.since(&self.base_losses));
        let (w, _) = done.finish()?;
        self.finished.0 += w.events;
        self.finished.1 += w.blocks;
        self.finished.2 += w.bytes;
        self.base_losses = all;
        if let Some(series) = self.series.as_mut() {
            series.opened(path.clone());
        }
        self.path = path;
        Ok(())
    }

    /// The losses of the file being written: the capture's since the file started.
    fn file_losses(&self, drops: &Drops) -> Losses {
        self.losses(drops).since(&self.base_losses)
    }

    /// The capture's losses so far.
    fn losses(&self, drops: &Drops) -> Losses {
        let d = &self.decoder.stats;
        let mut by_type: Vec<(String, u64)> = drops
            .per_slot
            .iter()
            .map(|&(slot, n)| (slot_name(slot), n))
            .collect();
        by_type.sort();
        let mut truncated = Vec::new();
        for (what, n) in [
            ("strings", d.strings_truncated),
            ("argv", d.argv_truncated),
            ("exepath", d.exepath_truncated),
            ("unreadable arguments", d.unreadable_args),
            ("records out of probe scratch space", d.records_full),
            ("env", d.env_truncated),
            (rtsec_format::DATA_CUT, d.data_truncated),
        ] {
            if n > 0 {
                truncated.push((what.to_string(), n));
            }
        }
        let mut skipped = Vec::new();
        if d.malformed > 0 {
            skipped.push(("malformed kernel records".to_string(), d.malformed));
        }
        Losses {
            kernel_drops_per_cpu: drops.per_cpu.clone(),
            kernel_drops_by_type: by_type,
            skipped,
            truncated,
        }
    }
}

fn writer_options(opts: &CaptureOptions) -> WriterOptions {
    WriterOptions {
        overwrite: opts.force,
        ..WriterOptions::default()
    }
}

/// Every block allocates and frees a few large buffers; by default glibc hands those back to
/// the kernel at once and page-faults them in again for the next block, which costs capture
/// about as much system time as decoding. Keeping freed memory in the process avoids that.
fn keep_freed_memory() {
    #[cfg(target_env = "gnu")]
    // SAFETY: mallopt only tunes the allocator; called before the capture threads start.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 512 << 20);
    }
}

/// The event type name a drop-counter slot stands for.
pub fn slot_name(slot: u32) -> String {
    if (slot as usize) < MAX_SYSCALLS {
        let nr = slot as u16;
        match Kind::from_syscall(nr) {
            Kind::Generic => {
                syscalls::name(nr).map_or_else(|| format!("syscall_{nr}"), str::to_string)
            }
            k => k.name().to_string(),
        }
    } else {
        match (slot as usize - MAX_SYSCALLS) as u16 {
            rtsec_ebpf_common::record::kind::FORK => "fork (lifecycle)".into(),
            rtsec_ebpf_common::record::kind::EXEC => "exec (lifecycle)".into(),
            rtsec_ebpf_common::record::kind::EXIT => "procexit".into(),
            k => format!("record kind {k}"),
        }
    }
}

fn container_matches(ev: &NewEvent<'_>, want: &str) -> bool {
    let c = ev.proc.and_then(|p| p.container.as_ref());
    match c {
        None => want == "host",
        Some(c) => {
            let w = want.as_bytes();
            c.container_id == w || (!w.is_empty() && c.full_id.starts_with(w))
        }
    }
}

fn uname_release() -> String {
    // SAFETY: uname fills a zeroed struct; release is NUL-terminated.
    unsafe {
        let mut u: libc::utsname = std::mem::zeroed();
        if libc::uname(&mut u) != 0 {
            return String::new();
        }
        std::ffi::CStr::from_ptr(u.release.as_ptr())
            .to_string_lossy()
            .into_owned()
    }
}

fn header(
    opts: &CaptureOptions,
    probe: &Probe,
    cgroups: &CgroupFs,
    runtimes: Option<&Runtimes>,
    boot: u64,
    start_ns: u64,
) -> Header {
    let mut filters = Vec::new();
    for p in &opts.pids {
        filters.push(format!("pid={p}"));
    }
    if let Some(c) = &opts.container {
        filters.push(format!("container={c}"));
    }
    let mut extra = vec![format!(
        "exit_hook={}",
        match probe.exit_hook {
            ExitHook::BtfTracepoint => "tp_btf",
            ExitHook::RawTracepoint => "raw_tp",
        }
    )];
    let v1 = cgroups.v1_controllers();
    if !v1.is_empty() {
        extra.push(format!("cgroup_v1={}", v1.join(",")));
    }
    extra.push(format!("file_ids={}", opts.file_ids));
    extra.push(format!("snaplen={}", opts.snaplen));
    if opts.rotation.is_on() {
        let r = &opts.rotation;
        let every = r.every.map(|d| format!("every {d:?}"));
        let size = r.max_bytes.map(|b| format!("size {b} bytes"));
        let how: Vec<String> = every.into_iter().chain(size).collect();
        extra.push(format!("{}={}", CaptureSettings::ROTATION, how.join(", ")));
    }
    extra.push(format!(
        "entry_copies={}",
        match probe.enter_hook {
            None => "off".to_string(),
            Some(h) => format!(
                "{} syscalls ({})",
                probe.entry_syscalls.len(),
                match h {
                    ExitHook::BtfTracepoint => "tp_btf",
                    ExitHook::RawTracepoint => "raw_tp",
                }
            ),
        }
    ));
    if let Some(r) = runtimes {
        for s in r.sockets() {
            extra.push(format!("container_runtime={}", s.display()));
        }
    }
    for m in &probe.missing {
        extra.push(format!(
            "missing_kernel_field={} (loses {})",
            m.field, m.loses
        ));
    }
    Header {
        created_by: opts.created_by.clone(),
        source: "capture".into(),
        hostname: nix::unistd::gethostname()
            .map(|h| h.to_string_lossy().into_owned())
            .unwrap_or_default(),
        kernel_release: uname_release(),
        boot_time_ns: boot,
        start_ns,
        settings: CaptureSettings {
            syscalls: syscall_set::names(&opts.syscalls),
            buffer_bytes: probe.ring_bytes as u64,
            filters,
            max_string: rtsec_ebpf_common::MAX_STR as u32,
            max_args: rtsec_ebpf_common::MAX_ARGS as u32,
            extra,
        },
        hosts: Default::default(),
        interfaces: Default::default(),
    }
}
