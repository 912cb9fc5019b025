//! Process list blocks, versions 1 to 9 (reference §3.5): one entry per thread alive when the
//! capture started.

use super::{Bytes, MetaError, split_nul_list};
use crate::cursor::Cursor;

const MAX_PATH: usize = 1024;
const MAX_LIST: usize = 4096;

/// A thread from the process list, with libscap's defaults for fields its version lacks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadEntry {
    pub tid: i64,
    pub pid: i64,
    pub ptid: i64,
    /// Session id; −1 before V6.
    pub sid: i64,
    /// Process group as seen from the thread's pid namespace; −1 before V8.
    pub vpgid: i64,
    /// Process group id on the host; −1 unless a V9 entry carries it.
    pub pgid: i64,
    pub comm: Bytes,
    /// argv[0].
    pub exe: Bytes,
    /// The executable's full path (V7+, empty before).
    pub exepath: Bytes,
    /// argv[1..].
    pub args: Vec<Bytes>,
    pub cwd: Bytes,
    pub fdlimit: u64,
    /// `PPM_CL_*` clone flags.
    pub flags: u32,
    pub uid: u32,
    pub gid: u32,
    pub vmsize_kb: u32,
    pub vmrss_kb: u32,
    pub vmswap_kb: u32,
    pub pfmajor: u64,
    pub pfminor: u64,
    pub env: Vec<Bytes>,
    /// tid and pid in the thread's pid namespace; −1 before V4.
    pub vtid: i64,
    pub vpid: i64,
    /// `subsystem=path` entries.
    pub cgroups: Vec<Bytes>,
    pub root: Bytes,
    pub pidns_init_start_ts: u64,
    pub tty: u32,
    /// Audit login uid; `u32::MAX` when unset or unknown.
    pub loginuid: u32,
    pub exe_writable: bool,
    pub cap_inheritable: u64,
    pub cap_permitted: u64,
    pub cap_effective: u64,
    pub exe_upper_layer: bool,
    pub exe_ino: u64,
    pub exe_ino_ctime: u64,
    pub exe_ino_mtime: u64,
    pub exe_from_memfd: bool,
    pub exe_lower_layer: bool,
}

impl Default for ThreadEntry {
    fn default() -> Self {
        ThreadEntry {
            tid: 0,
            pid: 0,
            ptid: 0,
            sid: -1,
            vpgid: -1,
            pgid: -1,
            comm: Vec::new(),
            exe: Vec::new(),
            exepath: Vec::new(),
            args: Vec::new(),
            cwd: Vec::new(),
            fdlimit: 0,
            flags: 0,
            uid: 0,
            gid: 0,
            vmsize_kb: 0,
            vmrss_kb: 0,
            vmswap_kb: 0,
            pfmajor: 0,
            pfminor: 0,
            env: Vec::new(),
            vtid: -1,
            vpid: -1,
            cgroups: Vec::new(),
            root: Vec::new(),
            pidns_init_start_ts: 0,
            tty: 0,
            loginuid: u32::MAX,
            exe_writable: false,
            cap_inheritable: 0,
            cap_permitted: 0,
            cap_effective: 0,
            exe_upper_layer: false,
            exe_ino: 0,
            exe_ino_ctime: 0,
            exe_ino_mtime: 0,
            exe_from_memfd: false,
            exe_lower_layer: false,
        }
    }
}

/// Parses all entries of a process list block of format `version` (1–9).
pub(crate) fn parse_proclist(body: &[u8], version: u8) -> Result<Vec<ThreadEntry>, MetaError> {
    let mut out = Vec::new();
    let mut pos = 0usize;
    while body.len() - pos >= 4 {
        let (entry, used) =
            parse_entry(&body[pos..], version).map_err(|e| MetaError::new(pos + e.pos, e.what))?;
        out.push(entry);
        pos += used;
    }
    Ok(out)
}

fn parse_entry(data: &[u8], version: u8) -> Result<(ThreadEntry, usize), MetaError> {
    let mut c = Cursor::new(data);
    let short = |c: &Cursor| MetaError::new(c.pos(), "process list entry runs past the block");
    let string = |c: &mut Cursor, what: &str, cap: usize| -> Result<Bytes, MetaError> {
        let at = c.pos();
        let n = usize::from(c.u16().ok_or_else(|| short(c))?);
        if n > cap {
            return Err(MetaError::new(
                at,
                format!("process list: {what} of {n} bytes (limit {cap})"),
            ));
        }
        Ok(c.bytes(n).ok_or_else(|| short(c))?.to_vec())
    };

    let mut t = ThreadEntry::default();
    let sub_len = if version >= 9 {
        c.u32().ok_or_else(|| short(&c))? as usize
    } else {
        0
    };
    t.tid = c.i64().ok_or_else(|| short(&c))?;
    t.pid = c.i64().ok_or_else(|| short(&c))?;
    t.ptid = c.i64().ok_or_else(|| short(&c))?;
    if version >= 6 {
        t.sid = c.i64().ok_or_else(|| short(&c))?;
    }
    if version >= 8 {
        t.vpgid = c.i64().ok_or_else(|| short(&c))?;
    }
    t.comm = string(&mut c, "comm", MAX_PATH)?;
    t.exe = string(&mut c, "exe", MAX_PATH)?;
    if version >= 7 {
        t.exepath = string(&mut c, "exepath", MAX_PATH)?;
    }
    t.args = split_nul_list(&string(&mut c, "args", MAX_LIST)?);
    t.cwd = string(&mut c, "cwd", MAX_PATH)?;
    t.fdlimit = c.u64().ok_or_else(|| short(&c))?;
    t.flags = c.u32().ok_or_else(|| short(&c))?;
    t.uid = c.u32().ok_or_else(|| short(&c))?;
    t.gid = c.u32().ok_or_else(|| short(&c))?;
    if version >= 2 {
        t.vmsize_kb = c.u32().ok_or_else(|| short(&c))?;
        t.vmrss_kb = c.u32().ok_or_else(|| short(&c))?;
        t.vmswap_kb = c.u32().ok_or_else(|| short(&c))?;
        t.pfmajor = c.u64().ok_or_else(|| short(&c))?;
        t.pfminor = c.u64().ok_or_else(|| short(&c))?;
    }
    if version >= 3 {
        t.env = split_nul_list(&string(&mut c, "env", MAX_LIST)?);
    }
    if version >= 4 {
        t.vtid = c.i64().ok_or_else(|| short(&c))?;
        t.vpid = c.i64().ok_or_else(|| short(&c))?;
        t.cgroups = split_nul_list(&string(&mut c, "cgroups", MAX_LIST)?);
    }
    if version >= 5 {
        t.root = string(&mut c, "root", MAX_PATH)?;
    }

    if sub_len != 0 {
        if c.pos() > sub_len {
            return Err(MetaError::new(
                c.pos(),
                format!(
                    "process list entry of {sub_len} bytes, but its fields take {}",
                    c.pos()
                ),
            ));
        }
        read_v9_tail(&mut c, &mut t, sub_len).ok_or_else(|| short(&c))?;
        if sub_len > data.len() {
            return Err(MetaError::new(
                c.pos(),
                format!("process list entry of {sub_len} bytes runs past the block"),
            ));
        }
        return Ok((t, sub_len));
    }
    Ok((t, c.pos()))
}

/// The V9 fields after `root`, each present only if it still fits in the entry. Captures from libs
/// before 0.10 lack `pidns_init_start_ts` and `tty`: they are recognised by having at most 29
/// bytes left after `root` (loginuid, exe_writable and three capability sets).
fn read_v9_tail(c: &mut Cursor, t: &mut ThreadEntry, sub_len: usize) -> Option<()> {
    let fits = |c: &Cursor, n: usize| c.pos() + n <= sub_len;
    let pre_0_10 = sub_len - c.pos() <= 29;
    if !pre_0_10 {
        if fits(c, 8) {
            t.pidns_init_start_ts = c.u64()?;
        }
        if fits(c, 4) {
            t.tty = c.u32()?;
        }
    }
    if fits(c, 4) {
        t.loginuid = c.u32()?;
    }
    if fits(c, 1) {
        t.exe_writable = c.u8()? != 0;
    }
    if fits(c, 8) {
        t.cap_inheritable = c.u64()?;
    }
    if fits(c, 8) {
        t.cap_permitted = c.u64()?;
    }
    if fits(c, 8) {
        t.cap_effective = c.u64()?;
    }
    if fits(c, 1) {
        t.exe_upper_layer = c.u8()? != 0;
    }
    if fits(c, 8) {
        t.exe_ino = c.u64()?;
    }
    if fits(c, 8) {
        t.exe_ino_ctime = c.u64()?;
    }
    if fits(c, 8) {
        t.exe_ino_mtime = c.u64()?;
    }
    if fits(c, 1) {
        t.exe_from_memfd = c.u8()? != 0;
    }
    if fits(c, 1) {
        t.exe_lower_layer = c.u8()? != 0;
    }
    if fits(c, 8) {
        t.pgid = c.i64()?;
    }
    Some(())
}
