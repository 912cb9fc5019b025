//! Process records as columns: ids relative to the pid, parents as the distance back,
//! times relative to the block's first event.

use super::{Res, back_ref, opt_ref, rel_ts, shifted, un_opt_ref, un_rel_ts};
use crate::columns::{ColumnReader, ColumnWriter};
use crate::wire::{Process, Ref, StrId, StrList};

const P_ID: usize = 0;
const P_PID: usize = 1;
const P_PPID: usize = 2;
const P_PARENT: usize = 3;
const P_VIDS: usize = 4; // vpid, sid, pgid, vpgid, relative to pid
const P_STR: usize = 5; // comm, exe, exepath, cwd, sname, vpgid_name, vpgid_exe, cgroup
const P_NARGS: usize = 6;
const P_ARGS: usize = 7; // argv then env string ids
const P_IDS: usize = 8; // tty, uid, gid-uid, euid-uid, egid-gid, loginuid
const P_CAPS: usize = 9;
const P_EXE: usize = 10; // exe_flags, ino, ctime, mtime
const P_TIMES: usize = 11; // start, exec, pidns init start
const P_LINKS: usize = 12; // container, user, loginuser, group
const P_MISC: usize = 13; // fdlimit, flags
const P_COLS: usize = 14;

pub(super) fn encode_processes(ps: &[Process], base: u64, out: &mut Vec<u8>) {
    crate::columns::put_u(out, ps.len() as u64);
    let mut w = ColumnWriter::new(P_COLS);
    let mut prev_id = 0u64;
    for (i, p) in ps.iter().enumerate() {
        w.i(P_ID, p.id.wrapping_sub(prev_id) as i64);
        prev_id = p.id;
        w.i(P_PID, p.pid);
        w.i(P_PPID, p.ppid.wrapping_sub(p.pid));
        w.u(P_PARENT, back_ref(p.parent, i));
        for v in [p.vpid, p.sid, p.pgid, p.vpgid] {
            w.i(P_VIDS, v.wrapping_sub(p.pid));
        }
        for s in [
            p.comm,
            p.exe,
            p.exepath,
            p.cwd,
            p.sname,
            p.vpgid_name,
            p.vpgid_exe,
            p.cgroup,
        ] {
            w.u(P_STR, s.0 as u64);
        }
        w.u(P_NARGS, p.args.len() as u64);
        w.u(P_NARGS, p.env.len() as u64);
        for s in p.args.iter().chain(&p.env) {
            w.u(P_ARGS, s.0 as u64);
        }
        w.u(P_IDS, p.tty as u64);
        w.u(P_IDS, shifted(p.uid));
        w.i(P_IDS, p.gid as i64 - p.uid as i64);
        w.i(P_IDS, p.euid as i64 - p.uid as i64);
        w.i(P_IDS, p.egid as i64 - p.gid as i64);
        w.u(P_IDS, shifted(p.loginuid));
        for c in [p.cap_inheritable, p.cap_permitted, p.cap_effective] {
            w.u(P_CAPS, c);
        }
        w.u(P_EXE, p.exe_flags as u64);
        w.u(P_EXE, p.exe_ino);
        w.u(P_EXE, p.exe_ino_ctime);
        w.u(P_EXE, p.exe_ino_mtime);
        // exec usually follows start closely (fork + exec): store it relative to the start.
        w.u(P_TIMES, rel_ts(p.start_ts, base));
        w.u(P_TIMES, rel_ts(p.exec_ts, p.start_ts));
        w.u(P_TIMES, rel_ts(p.pidns_init_start_ts, base));
        for r in [p.container, p.user, p.loginuser, p.group] {
            w.u(P_LINKS, opt_ref(r));
        }
        w.u(P_MISC, p.fdlimit);
        w.u(P_MISC, p.flags as u64);
    }
    w.finish(out);
}

pub(super) fn decode_processes(input: &mut &[u8], base: u64, ps: &mut Vec<Process>) -> Res<()> {
    let n = crate::columns::get_u(input)? as usize;
    if n > input.len() {
        return Err("process count larger than the block".into());
    }
    let mut r = ColumnReader::<P_COLS>::new(input)?;
    ps.clear();
    ps.reserve(n);
    let mut prev_id = 0u64;
    for i in 0..n {
        let id = prev_id.wrapping_add(r.i(P_ID) as u64);
        prev_id = id;
        let pid = r.i(P_PID);
        let ppid = pid.wrapping_add(r.i(P_PPID));
        let parent = match r.u(P_PARENT) {
            0 => None,
            d if d <= i as u64 => Some((i as u64 - d) as Ref),
            _ => return Err("parent is not an earlier process".into()),
        };
        let mut v = [0i64; 4];
        for x in &mut v {
            *x = pid.wrapping_add(r.i(P_VIDS));
        }
        let mut s = [StrId::EMPTY; 8];
        for x in &mut s {
            *x = StrId(r.u32(P_STR));
        }
        let nargs = r.count(P_ARGS, P_NARGS);
        let mut args = StrList::with_capacity(nargs);
        for _ in 0..nargs {
            args.push(StrId(r.u32(P_ARGS)));
        }
        let nenv = r.count(P_ARGS, P_NARGS);
        let mut env = StrList::with_capacity(nenv);
        for _ in 0..nenv {
            env.push(StrId(r.u32(P_ARGS)));
        }
        let tty = r.u32(P_IDS);
        let uid = (r.u(P_IDS) as u32).wrapping_sub(1);
        let gid = (uid as i64).wrapping_add(r.i(P_IDS)) as u32;
        let euid = (uid as i64).wrapping_add(r.i(P_IDS)) as u32;
        let egid = (gid as i64).wrapping_add(r.i(P_IDS)) as u32;
        let loginuid = (r.u(P_IDS) as u32).wrapping_sub(1);
        let cap_inheritable = r.u(P_CAPS);
        let cap_permitted = r.u(P_CAPS);
        let cap_effective = r.u(P_CAPS);
        let exe_flags = r.u32(P_EXE);
        let exe_ino = r.u(P_EXE);
        let exe_ino_ctime = r.u(P_EXE);
        let exe_ino_mtime = r.u(P_EXE);
        let start_ts = un_rel_ts(r.u(P_TIMES), base);
        let exec_ts = un_rel_ts(r.u(P_TIMES), start_ts);
        let pidns_init_start_ts = un_rel_ts(r.u(P_TIMES), base);
        let container = un_opt_ref(r.u(P_LINKS))?;
        let user = un_opt_ref(r.u(P_LINKS))?;
        let loginuser = un_opt_ref(r.u(P_LINKS))?;
        let group = un_opt_ref(r.u(P_LINKS))?;
        let fdlimit = r.u(P_MISC);
        let flags = r.u32(P_MISC);
        r.check()?;
        ps.push(Process {
            id,
            pid,
            ppid,
            parent,
            vpid: v[0],
            sid: v[1],
            pgid: v[2],
            vpgid: v[3],
            comm: s[0],
            exe: s[1],
            exepath: s[2],
            cwd: s[3],
            sname: s[4],
            vpgid_name: s[5],
            vpgid_exe: s[6],
            cgroup: s[7],
            args,
            env,
            tty,
            uid,
            gid,
            euid,
            egid,
            loginuid,
            cap_inheritable,
            cap_permitted,
            cap_effective,
            exe_flags,
            exe_ino,
            exe_ino_ctime,
            exe_ino_mtime,
            start_ts,
            exec_ts,
            pidns_init_start_ts,
            fdlimit,
            container,
            user,
            loginuser,
            group,
            flags,
        });
    }
    Ok(())
}
