//! Names of threads other than a process's leader.
//!
//! libsinsp keeps a `comm` per thread, and `proc.name` is the name of the thread an event
//! comes from: a thread found at the capture's start has its own (`/proc/PID/task/TID/comm`),
//! a thread made later the one the kernel gave it at clone, which is its creator's name at that
//! moment. A rename afterwards (`prctl(PR_SET_NAME)`, `pthread_setname_np`) is not seen (libs
//! issue 1011), so a JVM's threads are `java` until a renamed thread makes more, which carry
//! its name. A process forked by such a thread has it as parent (`proc.pname`, `proc.aname`).
//!
//! The engine keeps a name only where it differs from the process's, and gives the thread's
//! events a record of the process under the thread's name (`proc_flags::THREAD`), made again
//! whenever the process gets a new version.

use std::sync::Arc;

use rtsec_format::{ProcessInfo, record::proc_flags};

use super::State;

/// The name of one thread (see the module docs).
pub(crate) struct ThreadName {
    pid: i64,
    comm: Vec<u8>,
    /// The process's record under this name, and the id of the process version it copies.
    record: Option<(u64, Arc<ProcessInfo>)>,
}

impl ThreadName {
    pub fn pid(&self) -> i64 {
        self.pid
    }
}

impl State {
    /// Thread `tid` of process `pid` is called `comm`: remembered if that is not the
    /// process's name.
    pub(super) fn name_thread(&mut self, pid: i64, tid: i64, comm: &[u8]) {
        if tid == pid || comm.is_empty() {
            return;
        }
        let Some(p) = self.procs.get(&pid) else {
            return;
        };
        if p.info.comm == comm {
            self.thread_names.remove(&tid);
            return;
        }
        self.thread_names.insert(
            tid,
            ThreadName {
                pid,
                comm: comm.to_vec(),
                record: None,
            },
        );
    }

    /// The record of process `pid` as thread `tid` shows it, if that thread has a name of
    /// its own.
    pub(super) fn thread_record(&mut self, tid: i64, pid: i64) -> Option<Arc<ProcessInfo>> {
        if tid == pid {
            return None;
        }
        let n = self.thread_names.get_mut(&tid)?;
        let p = self.procs.get(&pid)?;
        if n.pid != pid || n.comm == p.info.comm {
            return None;
        }
        if let Some((base, record)) = &n.record
            && *base == p.info.id
        {
            return Some(record.clone());
        }
        let mut info = (*p.info).clone();
        // On the host libsinsp finds a session's or group's leader by its pid, which is the
        // leader thread's id: a thread of a leading process names the process there.
        if info.vpid == info.pid {
            if info.sid == pid && info.sname.is_empty() {
                info.sname.clone_from(&info.comm);
            }
            if info.vpgid == pid && info.vpgid_name.is_empty() {
                info.vpgid_name.clone_from(&info.comm);
            }
        }
        info.comm.clone_from(&n.comm);
        info.id = self.ids.next();
        info.flags |= proc_flags::THREAD;
        let record = Arc::new(info);
        n.record = Some((p.info.id, record.clone()));
        Some(record)
    }

    /// Thread `tid` ended: its name goes, and the processes it forked are its process's
    /// children from now on (the kernel hands them to another thread of the group, normally
    /// the leader, and libsinsp follows).
    pub(super) fn forget_thread_name(&mut self, tid: i64, ts: u64) {
        if self.thread_names.remove(&tid).is_none() {
            return;
        }
        let children: Vec<i64> = self
            .procs
            .iter()
            .filter(|(_, p)| p.parent_thread == tid)
            .map(|(&c, _)| c)
            .collect();
        for c in children {
            if let Some(p) = self.procs.get_mut(&c) {
                p.parent_thread = 0;
            }
            self.new_version(c, ts, |_| {});
        }
    }

    /// Every thread of `pid` but the leader is gone (an exec, the process's end).
    pub(super) fn forget_thread_names_of(&mut self, pid: i64, ts: u64) {
        if self.thread_names.is_empty() {
            return;
        }
        let tids: Vec<i64> = self
            .thread_names
            .iter()
            .filter(|(_, n)| n.pid == pid)
            .map(|(&t, _)| t)
            .collect();
        for t in tids {
            self.forget_thread_name(t, ts);
        }
    }
}

#[cfg(test)]
mod tests {
    use rtsec_format::{Args, Kind};

    use super::super::input::{Exec, Exit, Fork, ProcessSeed, TaskFacts};
    use super::super::tests::call;
    use super::*;

    /// A JVM as a capture finds it: `java` with a thread named `VM Thread` and one with the
    /// process's name.
    fn jvm() -> State {
        let mut s = State::new();
        s.seed_process(ProcessSeed {
            pid: 1,
            comm: b"systemd".to_vec(),
            ..ProcessSeed::default()
        });
        s.seed_process(ProcessSeed {
            pid: 100,
            ppid: 1,
            threads: vec![101, 102],
            thread_names: vec![(101, b"VM Thread".to_vec()), (102, b"java".to_vec())],
            comm: b"java".to_vec(),
            exe: b"java".to_vec(),
            // A daemon: it leads its session and group.
            sid: 100,
            pgid: 100,
            vpgid: 100,
            ..ProcessSeed::default()
        });
        s.finish_seeding();
        s
    }

    fn fork(s: &mut State, ts: u64, parent_tid: i64, tid: i64, pid: i64, comm: &[u8]) {
        s.fork(&Fork {
            ts,
            parent_tid,
            tid,
            pid,
            ppid: 100,
            facts: Some(TaskFacts {
                comm,
                ..TaskFacts::default()
            }),
            image: None,
        });
    }

    fn name_of(s: &mut State, tid: i64) -> (Vec<u8>, u32) {
        let ev = s.syscall(&call(tid, Kind::Close, 0, Args::Fd { fd: 9 }));
        let p = ev.proc.expect("a process");
        (p.comm.clone(), p.flags & proc_flags::THREAD)
    }

    #[test]
    fn a_thread_found_at_the_start_keeps_its_own_name() {
        let mut s = jvm();
        assert_eq!(name_of(&mut s, 100), (b"java".to_vec(), 0));
        assert_eq!(
            name_of(&mut s, 101),
            (b"VM Thread".to_vec(), proc_flags::THREAD)
        );
        assert_eq!(name_of(&mut s, 102), (b"java".to_vec(), 0));
        // The record is made once per process version, not per event.
        let a = s.thread_record(101, 100).unwrap();
        let b = s.thread_record(101, 100).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(a.pid, 100);
        assert_eq!(a.exe, b"java", "everything but the name is the process's");
        // `proc.sname` finds the leader by pid, which is the leader thread's id: the process.
        assert_eq!(
            (&a.sname[..], &a.vpgid_name[..]),
            (&b"java"[..], &b"java"[..])
        );
    }

    #[test]
    fn a_new_thread_is_named_as_its_creator_was() {
        let mut s = jvm();
        // The kernel gives a new thread its creator's current name: a thread made by the
        // renamed `VM Thread` is called so, one made by the leader `java`.
        fork(&mut s, 10, 101, 103, 100, b"VM Thread");
        fork(&mut s, 11, 100, 104, 100, b"java");
        assert_eq!(name_of(&mut s, 103).0, b"VM Thread");
        assert_eq!(name_of(&mut s, 104), (b"java".to_vec(), 0));
        // Its end is its name's: a thread id used again starts without one.
        let ev = s.exit(&Exit {
            ts: 12,
            tid: 103,
            pid: 100,
            cpu: 0,
            code: 0,
            sig: 0,
            core: false,
            group_dead: Some(false),
        });
        assert_eq!(
            ev.proc.unwrap().comm,
            b"VM Thread",
            "procexit names the thread"
        );
        fork(&mut s, 13, 100, 103, 100, b"java");
        assert_eq!(name_of(&mut s, 103), (b"java".to_vec(), 0));
    }

    #[test]
    fn a_process_forked_by_a_named_thread_has_it_as_parent() {
        let mut s = jvm();
        fork(&mut s, 10, 101, 200, 200, b"VM Thread");
        s.exec(&Exec {
            ts: 11,
            tid: 200,
            pid: 200,
            exe: b"sh",
            facts: TaskFacts {
                comm: b"sh",
                ..TaskFacts::default()
            },
            ..Exec::default()
        });
        let sh = s.process(200).unwrap().clone();
        let parent = sh.parent.as_ref().unwrap();
        assert_eq!(sh.ppid, 100, "proc.ppid is the process's pid");
        assert_eq!(
            parent.comm, b"VM Thread",
            "proc.pname: the thread that forked it"
        );
        assert_eq!(parent.parent.as_ref().unwrap().comm, b"systemd");
        // When that thread ends, the process is the parent.
        s.exit(&Exit {
            ts: 12,
            tid: 101,
            pid: 100,
            cpu: 0,
            code: 0,
            sig: 0,
            core: false,
            group_dead: Some(false),
        });
        assert_eq!(
            s.process(200).unwrap().parent.as_ref().unwrap().comm,
            b"java"
        );
    }

    #[test]
    fn an_exec_ends_every_other_threads_name() {
        let mut s = jvm();
        s.exec(&Exec {
            ts: 10,
            tid: 100,
            pid: 100,
            exe: b"sh",
            facts: TaskFacts {
                comm: b"sh",
                ..TaskFacts::default()
            },
            ..Exec::default()
        });
        assert!(s.thread_names.is_empty());
    }
}
