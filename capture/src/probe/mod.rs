//! Loading the eBPF probe: BTF offsets and settings in, programs attached, ring and drop
//! counters out.

pub mod btf;
pub mod offsets;

use std::os::fd::AsRawFd;

use aya::maps::{HashMap as BpfHashMap, MapData, PerCpuArray, RingBuf};
use aya::programs::{BtfTracePoint, Program, ProgramError, RawTracePoint};
use aya::{Ebpf, EbpfLoader};
use rtsec_ebpf_common::{BITMAP_WORDS, CGROUP_SUBSYS, Config, DROP_SLOTS, MAX_SYSCALLS, spec};

use crate::error::CaptureError;
pub use offsets::MissingField;

/// The probe object, built by `build.rs`.
static PROBE: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/rtsec-probe"));

/// Every program of the probe that capture attaches.
const PROGRAMS: &[&str] = &[
    "rtsec_sys_enter",
    "rtsec_sys_enter_raw",
    "rtsec_sys_exit",
    "rtsec_sys_exit_raw",
    "rtsec_fork",
    "rtsec_exec",
    "rtsec_exit",
];

/// How the probe is set up.
#[derive(Clone, Debug)]
pub struct ProbeOptions {
    /// Syscall numbers to record.
    pub syscalls: Vec<u16>,
    /// Ring buffer size in bytes (rounded up to a power of two, at least one page).
    pub ring_bytes: u32,
    /// Only these thread groups (and their descendants) are recorded; empty = all.
    pub pids: Vec<u32>,
    /// The v1 cgroup controllers whose cgroups the probe reports (empty: v2 only).
    pub v1_controllers: Vec<String>,
    /// Read device and inode numbers of opened files (costs a walk of the fd table per open).
    pub file_ids: bool,
    /// Attach the plain raw-tracepoint `sys_exit` (and `sys_enter`) programs even if the
    /// BTF-typed ones would work (for tests and comparisons).
    pub raw_sys_exit: bool,
    /// Copy path and address arguments at syscall entry (`sys_enter`) so that a racing thread
    /// cannot change what the record says; off: read them at exit only (cheaper: no entry hook).
    pub entry_copies: bool,
    /// With `entry_copies`, also read them at exit and flag records whose arguments changed
    /// while the call ran (`ARG_CHANGED`).
    pub verify_entry_copies: bool,
    /// Bytes of data buffers kept (at most `config::MAX_SNAPLEN`; 0: none).
    pub snaplen: u32,
}

/// Which variant of a syscall-tracepoint program (`sys_exit`, `sys_enter`) is attached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitHook {
    /// BTF-typed tracepoint: the syscall number is a direct load.
    BtfTracepoint,
    /// Plain raw tracepoint: one helper call to read the syscall number.
    RawTracepoint,
}

/// A loaded, attached probe. Dropping it detaches everything.
pub struct Probe {
    ebpf: Ebpf,
    /// Kernel fields the probe could not find, and what that loses.
    pub missing: Vec<MissingField>,
    pub exit_hook: ExitHook,
    /// The `sys_enter` program copying arguments at entry (`None`: no entry copies).
    pub enter_hook: Option<ExitHook>,
    /// Syscalls whose arguments are copied at entry.
    pub entry_syscalls: Vec<u16>,
    /// Size of the ring as created.
    pub ring_bytes: u32,
    /// The subsystem id of each of `ProbeOptions::v1_controllers` (`None`: not in this kernel).
    pub v1_ssids: Vec<Option<u32>>,
}

/// True if we may load eBPF (root; capabilities alone are not checked).
pub fn have_privileges() -> bool {
    nix::unistd::geteuid().is_root()
}

/// Rounds a requested ring size to what the kernel accepts: a power of two ≥ one page.
pub fn ring_size(bytes: u64) -> u32 {
    let page = 4096u64;
    bytes.max(page).min(1 << 30).next_power_of_two() as u32
}

impl Probe {
    /// Loads and attaches the probe.
    pub fn load(opts: &ProbeOptions) -> Result<Probe, CaptureError> {
        if !have_privileges() {
            return Err(CaptureError::NotRoot);
        }
        let btf = btf::Btf::from_kernel()?;
        let resolved = offsets::resolve(&btf);
        let mut config = Config::INIT;
        config.self_tgid = std::process::id();
        config.filter_pids = u32::from(!opts.pids.is_empty());
        let v1_ssids: Vec<Option<u32>> = opts
            .v1_controllers
            .iter()
            .map(|c| offsets::subsys_id(&btf, c).filter(|&i| (i as usize) < CGROUP_SUBSYS))
            .collect();
        config.v1_subsys = v1_ssids.iter().flatten().fold(0, |m, &i| m | 1 << i);
        config.off = resolved.offsets;
        let mut bitmap = [0u64; BITMAP_WORDS];
        for &nr in &opts.syscalls {
            if (nr as usize) < MAX_SYSCALLS {
                bitmap[nr as usize / 64] |= 1 << (nr % 64);
            }
        }
        config.syscalls = bitmap;
        let entry_syscalls: Vec<u16> = if opts.entry_copies {
            entry_set(&opts.syscalls)
        } else {
            Vec::new()
        };
        for &nr in &entry_syscalls {
            config.entry_syscalls[nr as usize / 64] |= 1 << (nr % 64);
        }
        raise_memlock();
        let ring_bytes = ring_size(opts.ring_bytes as u64);
        config.ring_bytes = ring_bytes;
        config.file_ids = u32::from(opts.file_ids);
        config.verify_entry = u32::from(opts.entry_copies && opts.verify_entry_copies);
        config.snaplen = opts.snaplen.min(rtsec_ebpf_common::config::MAX_SNAPLEN);
        let mut ebpf = EbpfLoader::new()
            // ENTRY is task-local storage, which aya creates but has no typed wrapper for.
            .allow_unsupported_maps()
            .override_global("RTSEC_CONFIG", &config, true)
            .map_max_entries("EVENTS", ring_bytes)
            .load(PROBE)
            .map_err(|e| CaptureError::Load(error_chain(&e)))?;

        if !opts.pids.is_empty() {
            let mut pids: BpfHashMap<_, u32, u8> =
                BpfHashMap::try_from(ebpf.map_mut("PIDS").ok_or_else(|| map_missing("PIDS"))?)
                    .map_err(|e| map_err("PIDS", e))?;
            for &p in &opts.pids {
                pids.insert(p, 1, 0).map_err(|e| map_err("PIDS", e))?;
            }
        }

        // Lifecycle first, so that no process the syscall hook sees is born unannounced.
        attach_raw(&mut ebpf, "rtsec_fork", "sched_process_fork")?;
        attach_raw(&mut ebpf, "rtsec_exec", "sched_process_exec")?;
        attach_raw(&mut ebpf, "rtsec_exit", "sched_process_exit")?;
        // Entry copies before the exit hook: an exit never looks for a copy that no entry made.
        let enter_hook = if entry_syscalls.is_empty() {
            None
        } else {
            Some(attach_syscall_hook(
                &mut ebpf,
                "sys_enter",
                "rtsec_sys_enter",
                "rtsec_sys_enter_raw",
                opts.raw_sys_exit,
            )?)
        };
        let exit_hook = attach_syscall_hook(
            &mut ebpf,
            "sys_exit",
            "rtsec_sys_exit",
            "rtsec_sys_exit_raw",
            opts.raw_sys_exit,
        )?;
        Ok(Probe {
            ebpf,
            missing: resolved.missing,
            exit_hook,
            enter_hook,
            entry_syscalls,
            ring_bytes,
            v1_ssids,
        })
    }

    /// Takes the ring buffer out of the probe (once).
    pub fn take_ring(&mut self) -> Result<RingBuf<MapData>, CaptureError> {
        let map = self
            .ebpf
            .take_map("EVENTS")
            .ok_or_else(|| map_missing("EVENTS"))?;
        RingBuf::try_from(map).map_err(|e| map_err("EVENTS", e))
    }

    /// Detaches and unloads every program (maps stay readable): nothing new enters the ring.
    pub fn detach(&mut self) {
        for name in PROGRAMS {
            match self.ebpf.program_mut(name) {
                Some(Program::RawTracePoint(p)) => {
                    let _ = p.unload();
                }
                Some(Program::BtfTracePoint(p)) => {
                    let _ = p.unload();
                }
                _ => {}
            }
        }
    }

    /// Drop counters: `[slot][cpu]` summed into per-CPU totals and per-slot totals.
    pub fn drops(&self) -> Result<Drops, CaptureError> {
        let map = self.ebpf.map("DROPS").ok_or_else(|| map_missing("DROPS"))?;
        let arr: PerCpuArray<_, u64> =
            PerCpuArray::try_from(map).map_err(|e| map_err("DROPS", e))?;
        let mut d = Drops::default();
        for slot in 0..DROP_SLOTS {
            let vals = arr.get(&slot, 0).map_err(|e| map_err("DROPS", e))?;
            if d.per_cpu.len() < vals.len() {
                d.per_cpu.resize(vals.len(), 0);
            }
            let mut total = 0;
            for (cpu, v) in vals.iter().enumerate() {
                d.per_cpu[cpu] += v;
                total += v;
            }
            if total > 0 {
                d.per_slot.push((slot, total));
            }
        }
        Ok(d)
    }
}

/// Kernel drop counters, cumulative.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Drops {
    pub per_cpu: Vec<u64>,
    /// (slot, count) for slots with drops: a syscall number, or `MAX_SYSCALLS + record kind`.
    pub per_slot: Vec<(u32, u64)>,
}

impl Drops {
    pub fn total(&self) -> u64 {
        self.per_cpu.iter().sum()
    }
}

/// The syscalls of `set` whose arguments the probe copies at entry (`spec::extra::AT_ENTRY`).
pub fn entry_set(set: &[u16]) -> Vec<u16> {
    set.iter()
        .copied()
        .filter(|&nr| spec::extras(spec::spec(nr)) & spec::extra::AT_ENTRY != 0)
        .collect()
}

/// A do-nothing probe on `sys_exit`, and on `sys_enter` too if asked (the benchmark floor of
/// each probe layout). Dropping it detaches it.
pub struct NoopProbe {
    _ebpf: Ebpf,
    pub exit_hook: ExitHook,
    pub enter_hook: Option<ExitHook>,
}

impl NoopProbe {
    pub fn attach(enter: bool) -> Result<NoopProbe, CaptureError> {
        if !have_privileges() {
            return Err(CaptureError::NotRoot);
        }
        raise_memlock();
        let mut ebpf = EbpfLoader::new()
            .allow_unsupported_maps()
            .map_max_entries("EVENTS", 4096)
            .load(PROBE)
            .map_err(|e| CaptureError::Load(error_chain(&e)))?;
        let enter_hook = if enter {
            Some(attach_syscall_hook(
                &mut ebpf,
                "sys_enter",
                "rtsec_noop_sys_enter",
                "rtsec_noop_sys_enter_raw",
                false,
            )?)
        } else {
            None
        };
        let exit_hook = attach_syscall_hook(
            &mut ebpf,
            "sys_exit",
            "rtsec_noop_sys_exit",
            "rtsec_noop_sys_exit_raw",
            false,
        )?;
        Ok(NoopProbe {
            _ebpf: ebpf,
            exit_hook,
            enter_hook,
        })
    }
}

fn attach_raw(ebpf: &mut Ebpf, name: &str, hook: &str) -> Result<(), CaptureError> {
    let prog: &mut RawTracePoint = ebpf
        .program_mut(name)
        .ok_or_else(|| CaptureError::Load(format!("program {name} missing from the object")))?
        .try_into()
        .map_err(|e: ProgramError| CaptureError::Load(e.to_string()))?;
    prog.load().map_err(|e| verifier(name, e))?;
    prog.attach(hook).map_err(|e| CaptureError::Attach {
        program: name.into(),
        hook: hook.into(),
        reason: error_chain(&e),
    })?;
    Ok(())
}

/// Attaches the BTF-typed program for the raw syscall tracepoint `hook` (`sys_enter` or
/// `sys_exit`), or the plain raw one if the kernel refuses it (or `raw` asks for it).
fn attach_syscall_hook(
    ebpf: &mut Ebpf,
    hook: &str,
    btf_name: &str,
    raw_name: &str,
    raw: bool,
) -> Result<ExitHook, CaptureError> {
    if raw {
        attach_raw(ebpf, raw_name, hook)?;
        return Ok(ExitHook::RawTracepoint);
    }
    let tried: Result<(), CaptureError> = (|| {
        let btf = aya::Btf::from_sys_fs().map_err(|e| CaptureError::Btf {
            path: "/sys/kernel/btf/vmlinux".into(),
            reason: e.to_string(),
        })?;
        let prog: &mut BtfTracePoint = ebpf
            .program_mut(btf_name)
            .ok_or_else(|| CaptureError::Load(format!("program {btf_name} missing")))?
            .try_into()
            .map_err(|e: ProgramError| CaptureError::Load(e.to_string()))?;
        prog.load(hook, &btf).map_err(|e| verifier(btf_name, e))?;
        prog.attach().map_err(|e| CaptureError::Attach {
            program: btf_name.into(),
            hook: format!("tp_btf/{hook}"),
            reason: error_chain(&e),
        })?;
        Ok(())
    })();
    match tried {
        Ok(()) => Ok(ExitHook::BtfTracepoint),
        Err(_) => {
            attach_raw(ebpf, raw_name, hook)?;
            Ok(ExitHook::RawTracepoint)
        }
    }
}

fn verifier(name: &str, e: ProgramError) -> CaptureError {
    let reason = match &e {
        ProgramError::LoadError {
            io_error,
            verifier_log,
        } => {
            let log = verifier_log.to_string();
            let tail: Vec<&str> = log.lines().rev().take(20).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            format!(
                "{io_error}\nverifier log (last lines):\n{}",
                tail.join("\n")
            )
        }
        other => error_chain(other),
    };
    CaptureError::Verifier {
        program: name.into(),
        reason,
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

fn map_missing(name: &str) -> CaptureError {
    CaptureError::Map {
        map: name.into(),
        reason: "missing from the probe object".into(),
    }
}

fn map_err(name: &str, e: aya::maps::MapError) -> CaptureError {
    CaptureError::Map {
        map: name.into(),
        reason: error_chain(&e),
    }
}

/// Kernels before 5.11 charge BPF memory to RLIMIT_MEMLOCK; lift it (harmless elsewhere).
fn raise_memlock() {
    let lim = libc::rlimit {
        rlim_cur: libc::RLIM_INFINITY,
        rlim_max: libc::RLIM_INFINITY,
    };
    // SAFETY: plain syscall with a valid struct.
    unsafe { libc::setrlimit(libc::RLIMIT_MEMLOCK, &lim) };
}

/// The ring's fd, for epoll.
pub fn ring_fd(ring: &RingBuf<MapData>) -> i32 {
    ring.as_raw_fd()
}
