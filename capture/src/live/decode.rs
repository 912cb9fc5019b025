//! Kernel records → state-engine input → events.

use rtsec_ebpf_common::{
    CGROUP_SUBSYS, EXE_SLOT, ExitRec, Header, MAX_ARGS, SyscallRec, TaskRec,
    record::{decode, flags, kind},
};
use rtsec_format::{Kind, NewEvent, record::proc_flags, wire::event_flags};
use rustc_hash::FxHashMap;

use super::args::{self, RecBlobs};
use super::cgroups::CgroupFs;
use super::scan::{self, ScanContext};
use crate::state::{Cgroup, Exec, Exit, Fork, ForkImage, State, Syscall, TaskFacts};

/// What the decoder counted while turning records into events.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DecodeStats {
    pub records: u64,
    /// Records too short or of an unknown kind.
    pub malformed: u64,
    pub strings_truncated: u64,
    pub argv_truncated: u64,
    pub exepath_truncated: u64,
    pub unreadable_args: u64,
    /// Records that ran out of probe scratch space (later blobs missing).
    pub records_full: u64,
    /// Environments cut at `MAX_ENV_BYTES`.
    pub env_truncated: u64,
    /// Events whose data was longer than the snaplen (`DATA_TRUNCATED`).
    pub data_truncated: u64,
    /// Syscalls whose path or address argument another thread changed while the call ran
    /// (the event carries the entry copy and `ARG_CHANGED`).
    pub args_changed: u64,
    /// Syscalls whose entry copy could not be read (the page was not in memory yet): their
    /// arguments are the exit-time read.
    pub entry_unreadable: u64,
    /// Processes looked up in `/proc` because an event came from a pid the engine did not know.
    pub late_scans: u64,
}

/// Turns the probe's records into state-engine calls; keeps what only the live source needs.
pub struct Decoder {
    /// `CLOCK_REALTIME - CLOCK_BOOTTIME` at start: boot-time ns → epoch ns.
    boot_epoch_ns: u64,
    cgroups: CgroupFs,
    scan: ScanContext,
    /// Per process: the cgroup ids (v2, v1 by subsystem) its current cgroups were derived
    /// from.
    ids: FxHashMap<i64, (u64, [u64; CGROUP_SUBSYS])>,
    /// Per thread: the filename of its last successful exec, for the execve event that follows.
    exec_filename: FxHashMap<i64, Vec<u8>>,
    cg_buf: Vec<Cgroup>,
    argv: Vec<u8>,
    path: Vec<u8>,
    /// Children of a process that exited whose `/proc` still named it as their parent (the
    /// kernel had not reparented them yet): looked up again at their next event.
    orphans: FxHashMap<i64, i64>,
    pub stats: DecodeStats,
}

impl Decoder {
    pub fn new(boot_epoch_ns: u64, cgroups: CgroupFs) -> Decoder {
        Decoder {
            boot_epoch_ns,
            cgroups,
            scan: ScanContext::new(boot_epoch_ns),
            ids: FxHashMap::default(),
            exec_filename: FxHashMap::default(),
            cg_buf: Vec::new(),
            argv: Vec::new(),
            path: Vec::new(),
            orphans: FxHashMap::default(),
            stats: DecodeStats::default(),
        }
    }

    pub fn cgroups(&self) -> &CgroupFs {
        &self.cgroups
    }

    pub fn cgroups_mut(&mut self) -> &mut CgroupFs {
        &mut self.cgroups
    }

    /// The scan context and cgroup hierarchies, for the initial `/proc` scan.
    pub fn scan_parts(&mut self) -> (&mut ScanContext, &CgroupFs) {
        (&mut self.scan, &self.cgroups)
    }

    fn count_flags(&mut self, f: u16) {
        if f & flags::STR_TRUNCATED != 0 {
            self.stats.strings_truncated += 1;
        }
        if f & flags::ARGV_TRUNCATED != 0 {
            self.stats.argv_truncated += 1;
        }
        if f & flags::EXEPATH_TRUNCATED != 0 {
            self.stats.exepath_truncated += 1;
        }
        if f & flags::UNREADABLE != 0 {
            self.stats.unreadable_args += 1;
        }
        if f & flags::RECORD_FULL != 0 {
            self.stats.records_full += 1;
        }
        if f & flags::ENV_TRUNCATED != 0 {
            self.stats.env_truncated += 1;
        }
        if f & flags::ARG_CHANGED != 0 {
            self.stats.args_changed += 1;
        }
        if f & flags::ENTRY_UNREADABLE != 0 {
            self.stats.entry_unreadable += 1;
        }
    }

    /// Seeds a process the engine does not know from `/proc` (if it still exists).
    fn ensure_known(&mut self, state: &mut State, pid: i64) {
        if state.knows(pid) {
            return;
        }
        if let Some((seed, fds)) = scan::scan_one(&mut self.scan, &self.cgroups, pid, true) {
            self.stats.late_scans += 1;
            state.seed_process(seed);
            for fd in fds {
                state.seed_fd(pid, fd);
            }
            state.finish_seeding();
        }
    }

    /// Updates the cgroups of `pid` when its v2 cgroup changed (syscall records carry only
    /// that id; the v1 ones come with fork and exec).
    fn track_cgroups(&mut self, state: &mut State, ts: u64, pid: i64, v2: u64) {
        let v1 = match self.ids.get_mut(&pid) {
            Some((known, _)) if *known == v2 => return,
            Some((known, v1)) => {
                *known = v2;
                *v1
            }
            None => {
                let v1 = [0; CGROUP_SUBSYS];
                self.ids.insert(pid, (v2, v1));
                v1
            }
        };
        let mut buf = std::mem::take(&mut self.cg_buf);
        self.cgroups.entries(&v1, v2, pid, &mut buf);
        if !buf.is_empty() {
            state.set_cgroups(ts, pid, &buf);
        }
        self.cg_buf = buf;
    }

    /// Handles one record; events go to `sink`.
    pub fn record(&mut self, rec: &[u8], state: &mut State, sink: &mut dyn FnMut(&NewEvent<'_>)) {
        self.stats.records += 1;
        let Some(h) = decode::header(rec) else {
            self.stats.malformed += 1;
            return;
        };
        let rec = &rec[..(h.len as usize).clamp(size_of::<Header>(), rec.len())];
        // A fork's cut argv is a loss only if the child runs it (counted in `fork`).
        let counted = if h.kind == kind::FORK {
            h.flags & !flags::ARGV_TRUNCATED
        } else {
            h.flags
        };
        self.count_flags(counted);
        match h.kind {
            kind::SYSCALL => self.syscall(&h, rec, state, sink),
            kind::FORK => self.fork(&h, rec, state),
            kind::EXEC => self.exec(&h, rec, state),
            kind::EXIT => self.exit(&h, rec, state, sink),
            _ => self.stats.malformed += 1,
        }
    }

    fn ts(&self, h: &Header) -> u64 {
        self.boot_epoch_ns + h.ts
    }

    fn syscall(
        &mut self,
        h: &Header,
        rec: &[u8],
        state: &mut State,
        sink: &mut dyn FnMut(&NewEvent<'_>),
    ) {
        let Some(r) = decode::read::<SyscallRec>(rec) else {
            self.stats.malformed += 1;
            return;
        };
        let pid = h.pid as i64;
        let ts = self.ts(h);
        self.ensure_known(state, pid);
        self.track_cgroups(state, ts, pid, h.cgroup);
        let nr = h.nr;
        let kind = Kind::from_syscall(nr);
        let blobs: RecBlobs<'_> = args::split(nr, &rec[size_of::<SyscallRec>()..]);
        let mut a = args::typed(kind, nr, &r.args, &blobs, r.res);
        let filename;
        if kind.is_exec() && r.res == 0 {
            filename = self
                .exec_filename
                .remove(&(h.tid as i64))
                .unwrap_or_default();
            if let rtsec_format::Args::Exec { filename: f, .. } = &mut a {
                f.raw = &filename;
            }
        }
        let sock = blobs.tuple.as_ref().and_then(args::sock_info);
        let mut ev_flags = 0;
        if h.flags & flags::STR_TRUNCATED != 0 {
            ev_flags |= event_flags::STRING_TRUNCATED;
        }
        if h.flags & (flags::UNREADABLE | flags::RECORD_FULL) != 0 {
            ev_flags |= event_flags::ARG_UNREADABLE;
        }
        if h.flags & flags::ARG_CHANGED != 0 {
            ev_flags |= event_flags::ARG_CHANGED;
        }
        if h.flags & flags::FILE_CREATED != 0 {
            ev_flags |= event_flags::FILE_CREATED;
        }
        if let rtsec_format::Args::Io { data, .. } = &a
            && args::data_cut(nr, data.len(), r.res)
        {
            ev_flags |= event_flags::DATA_TRUNCATED;
            self.stats.data_truncated += 1;
        }
        if !self.orphans.is_empty()
            && let Some(dead) = self.orphans.remove(&pid)
            && let Some(ppid) = super::scan::parent_of(pid)
            && ppid != dead
        {
            state.reparent(pid, ppid, ts);
        }
        let input = Syscall {
            ts,
            tid: h.tid as i64,
            pid,
            cpu: h.cpu as u16,
            kind,
            flags: ev_flags,
            res: r.res,
            args: a,
            sock,
        };
        let ev = state.syscall(&input);
        sink(&ev);
    }

    fn facts<'a>(&self, r: &'a TaskRec, cgroups: &'a [Cgroup]) -> TaskFacts<'a> {
        let comm_len = r.comm.iter().position(|&b| b == 0).unwrap_or(r.comm.len());
        TaskFacts {
            comm: &r.comm[..comm_len],
            uid: r.uid,
            gid: r.gid,
            euid: r.euid,
            egid: r.egid,
            loginuid: r.loginuid,
            vpid: r.vpid as i64,
            sid: r.sid as i64,
            pgid: r.pgid as i64,
            vpgid: if r.pidns_level == 0 { r.pgid as i64 } else { 0 },
            tty: r.tty,
            cap_inheritable: r.cap_inheritable,
            cap_permitted: r.cap_permitted,
            cap_effective: r.cap_effective,
            fdlimit: r.fdlimit,
            cgroups: if cgroups.is_empty() {
                None
            } else {
                Some(cgroups)
            },
            pidns_init_start_ts: if r.pidns_init_start == 0 {
                0
            } else {
                self.boot_epoch_ns + r.pidns_init_start
            },
        }
    }

    fn task_cgroups(&mut self, h: &Header, r: &TaskRec) -> Vec<Cgroup> {
        let pid = h.pid as i64;
        self.ids.insert(pid, (h.cgroup, r.cgroup_v1));
        let mut buf = Vec::new();
        self.cgroups.entries(&r.cgroup_v1, h.cgroup, pid, &mut buf);
        buf
    }

    fn fork(&mut self, h: &Header, rec: &[u8], state: &mut State) {
        let Some(r) = decode::read::<TaskRec>(rec) else {
            self.stats.malformed += 1;
            return;
        };
        let parent_pid = state.pid_of(r.parent_tid as i64);
        if parent_pid.is_none() {
            // The parent predates the scan and is unknown: fetch it first so the child
            // inherits its cwd and fds.
            self.ensure_known(state, r.ppid as i64);
        }
        let cgroups = self.task_cgroups(h, &r);
        let ts = self.ts(h);
        let facts = self.facts(&r, &cgroups);
        // The new task's argv, as its creator has it now.
        let argv = decode::Blobs::new(&rec[size_of::<TaskRec>()..]).next();
        let image = argv.map(|argv| {
            let (exe, args_truncated) = self.split_argv(h, argv);
            ForkImage {
                exe,
                args: &self.argv,
                cwd: &[],
                args_truncated,
            }
        });
        let cut = image.is_some_and(|i| i.args_truncated);
        let took_argv = state.fork(&Fork {
            ts,
            parent_tid: r.parent_tid as i64,
            tid: h.tid as i64,
            pid: h.pid as i64,
            ppid: r.ppid as i64,
            facts: Some(facts),
            image,
        });
        if took_argv && cut {
            self.stats.argv_truncated += 1;
        }
    }

    /// argv[0], and the rest into `self.argv` (NUL-terminated), keeping at most `MAX_ARGS`
    /// entries; and whether argv was cut (by the probe or here).
    fn split_argv<'a>(&mut self, h: &Header, argv: &'a [u8]) -> (&'a [u8], bool) {
        self.argv.clear();
        let mut truncated = h.flags & flags::ARGV_TRUNCATED != 0;
        let body = argv.strip_suffix(&[0]).unwrap_or(argv);
        let mut it = body.split(|&b| b == 0);
        let exe = if argv.is_empty() {
            &[][..]
        } else {
            it.next().unwrap_or(&[])
        };
        for (i, a) in it.enumerate() {
            if i + 1 >= MAX_ARGS {
                truncated = true;
                self.stats.argv_truncated += u64::from(h.flags & flags::ARGV_TRUNCATED == 0);
                break;
            }
            self.argv.extend_from_slice(a);
            self.argv.push(0);
        }
        (exe, truncated)
    }

    fn exec(&mut self, h: &Header, rec: &[u8], state: &mut State) {
        let Some(r) = decode::read::<TaskRec>(rec) else {
            self.stats.malformed += 1;
            return;
        };
        let pid = h.pid as i64;
        self.ensure_known(state, pid);
        let body = &rec[size_of::<TaskRec>()..];
        let slots = (r.exepath_parts as usize).min(body.len() / EXE_SLOT);
        // Executable path: fixed-size slots, leaf first; empty slots are mount crossings.
        self.path.clear();
        for i in (0..slots).rev() {
            let s = &body[i * EXE_SLOT..(i + 1) * EXE_SLOT];
            let len = (u16::from_ne_bytes([s[0], s[1]]) as usize).min(EXE_SLOT - 2);
            if len > 0 {
                self.path.push(b'/');
                self.path.extend_from_slice(&s[2..2 + len]);
            }
        }
        let mut blobs = decode::Blobs::new(&body[slots * EXE_SLOT..]);
        let filename = blobs.next().unwrap_or(&[]);
        let argv = blobs.next().unwrap_or(&[]);
        let env = blobs.next().unwrap_or(&[]);
        if self.path.is_empty() && r.exepath_parts > 0 {
            self.path.push(b'/');
        }
        let (exe, truncated) = self.split_argv(h, argv);
        self.exec_filename.insert(h.tid as i64, filename.to_vec());
        let cgroups = self.task_cgroups(h, &r);
        let ts = self.ts(h);
        // env is cut like argv (at MAX_ENV_BYTES, the last entry partly kept) and flagged.
        let env_flag = if h.flags & flags::ENV_TRUNCATED != 0 {
            proc_flags::ENV_TRUNCATED
        } else {
            0
        };
        state.exec_flagged(
            &Exec {
                ts,
                tid: h.tid as i64,
                pid,
                ppid: Some(r.ppid as i64),
                facts: self.facts(&r, &cgroups),
                exe,
                args: &self.argv,
                args_truncated: truncated,
                env,
                exepath: &self.path,
                filename,
                exe_flags: r.exe_flags,
                exe_ino: r.exe_ino,
                exe_ino_ctime: r.exe_ctime,
                exe_ino_mtime: r.exe_mtime,
                cwd: None,
            },
            env_flag,
        );
    }

    fn exit(
        &mut self,
        h: &Header,
        rec: &[u8],
        state: &mut State,
        sink: &mut dyn FnMut(&NewEvent<'_>),
    ) {
        let Some(r) = decode::read::<ExitRec>(rec) else {
            self.stats.malformed += 1;
            return;
        };
        let pid = h.pid as i64;
        let group_dead = r.group_dead != 0;
        if group_dead {
            self.ids.remove(&pid);
        }
        self.exec_filename.remove(&(h.tid as i64));
        let code = r.exit_code;
        let ev = state.exit(&Exit {
            ts: self.ts(h),
            tid: h.tid as i64,
            pid,
            cpu: h.cpu as u16,
            code: ((code >> 8) & 0xff) as i64,
            sig: code & 0x7f,
            core: code & 0x80 != 0,
            group_dead: Some(group_dead),
        });
        sink(&ev);
        if group_dead {
            // The kernel hands the children to their new parent right after this tracepoint,
            // so by now `/proc` almost always names it; if not yet, the child's next event
            // looks again. Its events must name the new parent.
            self.orphans.remove(&pid);
            for child in state.children_of(pid) {
                match super::scan::parent_of(child) {
                    Some(ppid) if ppid != pid => state.reparent(child, ppid, self.ts(h)),
                    Some(_) => {
                        self.orphans.insert(child, pid);
                    }
                    None => {}
                }
            }
        }
    }
}
