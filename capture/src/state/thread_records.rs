//! What a thread other than a process's leader has of its own: its name, its start, the
//! argv it was made with, and its user and group ids.
//!
//! libsinsp keeps a thread table, and the fields of an event are its thread's. `proc.name` is
//! the thread's `comm`: a thread found at the capture's start has its own
//! (`/proc/PID/task/TID/stat`), a thread made later the one the kernel gave it at clone, its
//! creator's name at that moment. A rename afterwards (`prctl(PR_SET_NAME)`,
//! `pthread_setname_np`) is not seen (libs issue 1011), so a JVM's threads are `java` until a
//! renamed thread makes more, which carry its name. `proc.duration` is the thread's age, so a
//! thread made a second ago is `proc_is_new` in a server that has run for days. `proc.exe`
//! and `proc.args` are the argv the clone event carried, which a process that rewrote its own
//! (`process.title = …` in node, `$0 = …` in perl) hands to the threads it makes afterwards,
//! while its leader keeps the exec's. A process forked by a thread has that thread as parent
//! (`proc.pname`, `proc.aname`, `proc.ppid.duration`).
//!
//! Credentials are per thread in the kernel and in libsinsp: a thread starts with the ids its
//! clone event reports (`parse_clone_exit`: the event's `uid`/`gid`), and a set*id call changes
//! the calling thread's alone (`set_evt_thread_user`). glibc's `setuid` makes every thread of
//! the process call it; a raw syscall (or Go before 1.16) changes one thread. So a thread keeps
//! its own ids once its clone or a call of its own gave it ids other than its process's, whose
//! ids change with its leader's calls. A thread that never had ids of its own follows them,
//! where libsinsp's would keep its old ids after a raw call of the leader alone.
//!
//! The engine gives such a thread's events a record of the process with the thread's own facts
//! (`proc_flags::THREAD`), where they differ from the process's, made again whenever the process
//! gets a new version.

use std::sync::Arc;

use rtsec_format::{ProcessInfo, record::proc_flags};

use super::State;
use super::input::{Ids, ThreadSeed};
use super::process::Program;

/// One thread's own facts (see the module docs).
pub(crate) struct ThreadRecord {
    pid: i64,
    /// Its name, where it differs from the process's.
    comm: Option<Vec<u8>>,
    /// When it was made (ns since the epoch; 0 unknown).
    start_ts: u64,
    /// The program its clone event carried, where it differs from the process's.
    program: Option<Program>,
    /// Its user and group ids, once they differed from the process's.
    ids: Option<Ids>,
    /// Whether it forked a process (whose parent it is then): only then does its end look
    /// for children. A thread that forked has a record for that alone, if it has no facts
    /// of its own.
    forked: bool,
    /// The process's record as this thread shows it, and the id of the process version it
    /// copies.
    record: Option<(u64, Arc<ProcessInfo>)>,
}

impl ThreadRecord {
    /// A thread of process `pid` with nothing of its own yet.
    fn bare(pid: i64) -> ThreadRecord {
        ThreadRecord {
            pid,
            comm: None,
            start_ts: 0,
            program: None,
            ids: None,
            forked: false,
            record: None,
        }
    }

    pub fn pid(&self) -> i64 {
        self.pid
    }

    pub fn forked(&self) -> bool {
        self.forked
    }
}

impl State {
    /// Thread `t` of process `pid` is known by its own facts (and runs `program`, where that
    /// differs from the process's).
    pub(super) fn add_thread(&mut self, pid: i64, t: &ThreadSeed, program: Option<Program>) {
        if t.tid == pid {
            return;
        }
        let Some(p) = self.procs.get(&pid) else {
            return;
        };
        let comm = (!t.comm.is_empty() && t.comm != p.info.comm).then(|| t.comm.clone());
        let start_ts = if t.start_ts == p.info.start_ts {
            0
        } else {
            t.start_ts
        };
        let ids = t.ids.filter(|ids| *ids != Ids::of(&p.info));
        self.drop_thread_record(t.tid);
        if comm.is_none() && start_ts == 0 && program.is_none() && ids.is_none() {
            return;
        }
        self.insert_record(
            t.tid,
            ThreadRecord {
                comm,
                start_ts,
                program,
                ids,
                ..ThreadRecord::bare(pid)
            },
        );
    }

    /// Gives thread `tid` the entry `t` (replacing one it had), counted by its process.
    fn insert_record(&mut self, tid: i64, t: ThreadRecord) {
        self.drop_thread_record(tid);
        if let Some(p) = self.procs.get_mut(&t.pid) {
            p.own_threads += 1;
        }
        self.thread_records.insert(tid, t);
    }

    /// Thread `tid` forked a process whose parent is `pid`: returns `tid` if that is a thread
    /// of `pid` other than its leader (the child's parent then, as libsinsp sees it), else 0.
    pub(super) fn forked_by_thread(&mut self, tid: i64, pid: i64) -> i64 {
        if tid == pid || self.threads.get(&tid) != Some(&pid) {
            return 0;
        }
        match self.thread_records.get_mut(&tid) {
            Some(t) if t.pid == pid => t.forked = true,
            _ => self.insert_record(
                tid,
                ThreadRecord {
                    forked: true,
                    ..ThreadRecord::bare(pid)
                },
            ),
        }
        tid
    }

    /// A set*id call of thread `tid` (not its process's leader) succeeded: `change` applies it
    /// to the thread's ids (see the module docs).
    pub(super) fn set_thread_ids(&mut self, tid: i64, pid: i64, change: impl FnOnce(&mut Ids)) {
        let Some(p) = self.procs.get(&pid) else {
            return;
        };
        let process = Ids::of(&p.info);
        if let Some(t) = self.thread_records.get_mut(&tid)
            && t.pid == pid
        {
            let mut ids = t.ids.unwrap_or(process);
            change(&mut ids);
            t.ids = Some(ids);
            t.record = None;
            return;
        }
        let mut ids = process;
        change(&mut ids);
        if ids == process {
            return;
        }
        self.insert_record(
            tid,
            ThreadRecord {
                ids: Some(ids),
                ..ThreadRecord::bare(pid)
            },
        );
    }

    /// The record of process `pid` as thread `tid` shows it, if that thread has facts of its
    /// own.
    pub(super) fn thread_record(&mut self, tid: i64, pid: i64) -> Option<Arc<ProcessInfo>> {
        if tid == pid {
            return None;
        }
        let t = self.thread_records.get_mut(&tid)?;
        let p = self.procs.get(&pid)?;
        if t.pid != pid {
            return None;
        }
        // Ids the process has too (glibc's setuid reaches every thread, the caller's call
        // last) need no record of their own.
        let ids = t.ids.filter(|ids| *ids != Ids::of(&p.info));
        if t.comm.is_none() && t.start_ts == 0 && t.program.is_none() && ids.is_none() {
            return None;
        }
        if let Some((base, record)) = &t.record
            && *base == p.info.id
        {
            return Some(record.clone());
        }
        let mut info = (*p.info).clone();
        if let Some(comm) = &t.comm {
            // On the host libsinsp finds a session's or group's leader by its pid, which is
            // the leader thread's id: a thread of a leading process names the process there.
            if info.vpid == info.pid {
                if info.sid == pid && info.sname.is_empty() {
                    info.sname.clone_from(&info.comm);
                }
                if info.vpgid == pid && info.vpgid_name.is_empty() {
                    info.vpgid_name.clone_from(&info.comm);
                }
            }
            info.comm.clone_from(comm);
        }
        if t.start_ts != 0 {
            info.start_ts = t.start_ts;
        }
        if let Some(program) = &t.program {
            program.apply(&mut info);
        }
        if let Some(ids) = ids {
            ids.apply(&mut info);
            let container = info.container.as_ref();
            info.user = self.users.user(container, info.euid, pid, &self.ids);
            info.group = self.users.group(container, info.egid, pid, &self.ids);
        }
        info.id = self.ids.next();
        info.flags |= proc_flags::THREAD;
        let record = Arc::new(info);
        t.record = Some((p.info.id, record.clone()));
        Some(record)
    }

    /// Thread `tid` ended: its facts go, and the processes it forked are its process's
    /// children from now on (the kernel hands them to another thread of the group, normally
    /// the leader, and libsinsp follows).
    pub(super) fn forget_thread(&mut self, tid: i64, ts: u64) {
        if let Some(t) = self.drop_thread_record(tid).filter(|t| t.forked) {
            self.hand_children_over(tid, t.pid, ts);
        }
    }

    /// The processes thread `tid` forked are its process `pid`'s children from now on.
    pub(super) fn hand_children_over(&mut self, tid: i64, pid: i64, ts: u64) {
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
            self.new_version(c, ts, |i| i.ppid = pid);
        }
    }

    /// Removes thread `tid`'s entry, if it has one.
    pub(super) fn drop_thread_record(&mut self, tid: i64) -> Option<ThreadRecord> {
        let t = self.thread_records.remove(&tid)?;
        if let Some(p) = self.procs.get_mut(&t.pid) {
            p.own_threads = p.own_threads.saturating_sub(1);
        }
        Some(t)
    }

    /// Every thread of `pid` but the leader is gone (an exec, the process's end).
    pub(super) fn forget_threads_of(&mut self, pid: i64, ts: u64) {
        if self.procs.get(&pid).is_none_or(|p| p.own_threads == 0) {
            return;
        }
        let tids: Vec<i64> = self
            .thread_records
            .iter()
            .filter(|(_, t)| t.pid == pid)
            .map(|(&t, _)| t)
            .collect();
        for t in tids {
            self.forget_thread(t, ts);
        }
    }
}

#[cfg(test)]
mod tests {
    use rtsec_format::{Args, Kind};

    use super::super::input::{Exec, Exit, Fork, ProcessSeed, TaskFacts};
    use super::super::tests::call;
    use super::super::users::PasswdEntry;
    use super::*;

    const SEC: u64 = 1_000_000_000;

    /// A JVM as a capture finds it, started at 1 s: `java`, a thread named `VM Thread`, one
    /// with the process's name and start, and one started at 50 s.
    fn jvm() -> State {
        jvm_in(State::new())
    }

    fn jvm_in(mut s: State) -> State {
        s.seed_process(ProcessSeed {
            pid: 1,
            comm: b"systemd".to_vec(),
            ..ProcessSeed::default()
        });
        let thread = |tid: i64, comm: &[u8], start_ts: u64| ThreadSeed {
            tid,
            comm: comm.to_vec(),
            start_ts,
            ids: None,
        };
        s.seed_process(ProcessSeed {
            pid: 100,
            ppid: 1,
            threads: vec![101, 102, 103],
            thread_facts: vec![
                thread(101, b"VM Thread", SEC),
                thread(102, b"java", SEC),
                thread(103, b"java", 50 * SEC),
            ],
            comm: b"java".to_vec(),
            exe: b"java".to_vec(),
            start_ts: SEC,
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

    fn exit(s: &mut State, ts: u64, tid: i64) -> Vec<u8> {
        let ev = s.exit(&Exit {
            ts,
            tid,
            pid: 100,
            cpu: 0,
            code: 0,
            sig: 0,
            core: false,
            group_dead: Some(false),
        });
        ev.proc.unwrap().comm.clone()
    }

    /// The name, start and `THREAD` flag of the record thread `tid`'s events show.
    fn seen_by(s: &mut State, tid: i64) -> (String, u64, bool) {
        let ev = s.syscall(&call(tid, Kind::Close, 0, Args::Fd { fd: 9 }));
        let p = ev.proc.expect("a process");
        (
            String::from_utf8_lossy(&p.comm).into_owned(),
            p.start_ts / SEC,
            p.flags & proc_flags::THREAD != 0,
        )
    }

    #[test]
    fn a_thread_found_at_the_start_has_its_own_name_and_start() {
        let mut s = jvm();
        assert_eq!(seen_by(&mut s, 100), ("java".into(), 1, false));
        assert_eq!(seen_by(&mut s, 101), ("VM Thread".into(), 1, true));
        assert_eq!(
            seen_by(&mut s, 102),
            ("java".into(), 1, false),
            "the process's"
        );
        assert_eq!(seen_by(&mut s, 103), ("java".into(), 50, true));
        // The record is made once per process version, not per event.
        let a = s.thread_record(101, 100).unwrap();
        let b = s.thread_record(101, 100).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(a.pid, 100);
        assert_eq!(a.exe, b"java", "the rest is the process's");
        // `proc.sname` finds the leader by pid, which is the leader thread's id: the process.
        assert_eq!(
            (&a.sname[..], &a.vpgid_name[..]),
            (&b"java"[..], &b"java"[..])
        );
        // A new process version makes a new record.
        s.set_cwd(60 * SEC, 100, b"/srv");
        let c = s.thread_record(101, 100).unwrap();
        assert!(!Arc::ptr_eq(&a, &c));
        assert_eq!(
            (&c.cwd[..], &c.comm[..]),
            (&b"/srv/"[..], &b"VM Thread"[..])
        );
    }

    #[test]
    fn a_new_thread_is_named_as_its_creator_was_and_starts_when_made() {
        let mut s = jvm();
        // The kernel gives a new thread its creator's current name: a thread made by the
        // renamed `VM Thread` is called so, one made by the leader `java`.
        fork(&mut s, 100 * SEC, 101, 104, 100, b"VM Thread");
        fork(&mut s, 101 * SEC, 100, 105, 100, b"java");
        assert_eq!(seen_by(&mut s, 104), ("VM Thread".into(), 100, true));
        assert_eq!(seen_by(&mut s, 105), ("java".into(), 101, true));
        // Its end is its facts': a thread id used again starts afresh.
        assert_eq!(
            exit(&mut s, 102 * SEC, 104),
            b"VM Thread",
            "procexit is the thread's"
        );
        fork(&mut s, 103 * SEC, 100, 104, 100, b"java");
        assert_eq!(seen_by(&mut s, 104), ("java".into(), 103, true));
    }

    #[test]
    fn a_process_forked_by_a_thread_has_it_as_parent() {
        let mut s = jvm();
        fork(&mut s, 100 * SEC, 101, 200, 200, b"VM Thread");
        // A live exec names the parent process (the kernel's getppid): the same one.
        s.exec(&Exec {
            ts: 101 * SEC,
            tid: 200,
            pid: 200,
            ppid: Some(100),
            exe: b"sh",
            facts: TaskFacts {
                comm: b"sh",
                ..TaskFacts::default()
            },
            ..Exec::default()
        });
        let sh = s.process(200).unwrap().clone();
        let parent = sh.parent.as_ref().unwrap();
        assert_eq!(
            sh.ppid, 101,
            "proc.ppid is the thread's id, as libsinsp's m_ptid"
        );
        assert_eq!(
            parent.comm, b"VM Thread",
            "proc.pname: the thread that forked it"
        );
        assert_eq!(parent.parent.as_ref().unwrap().comm, b"systemd");
        // A child of a thread with only a start of its own: proc.ppid.duration is its age.
        fork(&mut s, 102 * SEC, 103, 201, 201, b"java");
        let child = s.process(201).unwrap().clone();
        assert_eq!(child.parent.as_ref().unwrap().start_ts, 50 * SEC);
        assert_eq!(child.ppid, 103);
        // A thread with no facts of its own is the parent too (by its id; its name and start
        // are the process's), and the process's end finds the child.
        fork(&mut s, 102 * SEC, 102, 202, 202, b"java");
        let child = s.process(202).unwrap().clone();
        assert_eq!(child.ppid, 102);
        assert!(Arc::ptr_eq(
            child.parent.as_ref().unwrap(),
            s.process(100).unwrap()
        ));
        let mut children = s.children_of(100);
        children.sort();
        assert_eq!(children, [200, 201, 202]);
        // When the thread ends, the process is the parent.
        assert_eq!(exit(&mut s, 103 * SEC, 101), b"VM Thread");
        let sh = s.process(200).unwrap();
        assert_eq!(
            (sh.ppid, &sh.parent.as_ref().unwrap().comm[..]),
            (100, &b"java"[..])
        );
        exit(&mut s, 104 * SEC, 102);
        assert_eq!(s.process(202).unwrap().ppid, 100);
        assert_eq!(s.process(201).unwrap().ppid, 103, "its thread lives");
    }

    #[test]
    fn a_thread_runs_the_argv_its_creator_had() {
        let mut s = jvm();
        let thread = |s: &mut State, tid: i64, exe: &[u8], args: &[u8], cut: bool| {
            let took = s.fork(&Fork {
                ts: 100 * SEC,
                parent_tid: 100,
                tid,
                pid: 100,
                ppid: 1,
                facts: None,
                image: Some(super::super::input::ForkImage {
                    exe,
                    args,
                    cwd: b"",
                    args_truncated: cut,
                }),
            });
            let r = s.thread_record(tid, 100).unwrap();
            (
                took,
                String::from_utf8_lossy(&r.exe).into_owned(),
                r.args.len(),
            )
        };
        // The process rewrote its argv (`process.title = ...`): threads made now run that.
        assert_eq!(
            thread(&mut s, 110, b"worker: idle", b"", false),
            (true, "worker: idle".into(), 0)
        );
        // The exec's argv, or a cut one that starts it: the process's.
        assert_eq!(
            thread(&mut s, 111, b"java", b"", false),
            (false, "java".into(), 0)
        );
        assert_eq!(
            thread(&mut s, 112, b"ja", b"", true),
            (false, "java".into(), 0)
        );
        // The leader keeps the exec's.
        assert_eq!(s.process(100).unwrap().exe, b"java");
    }

    /// The user name and euid of the record thread `tid`'s events show.
    fn user_of(s: &mut State, tid: i64) -> (String, u32) {
        let ev = s.syscall(&call(tid, Kind::Close, 0, Args::Fd { fd: 9 }));
        let p = ev.proc.expect("a process");
        let name = p.user.as_ref().map_or(b"<NA>".to_vec(), |u| u.name.clone());
        (String::from_utf8_lossy(&name).into_owned(), p.euid)
    }

    fn users() -> State {
        let mut s = State::new();
        let user = |name: &[u8], uid: u32| PasswdEntry {
            name: name.to_vec(),
            uid,
            ..PasswdEntry::default()
        };
        s.seed_users(None, &[user(b"root", 0), user(b"ubuntu", 1000)]);
        s
    }

    fn setuid(s: &mut State, tid: i64, uid: u32) {
        s.syscall(&call(
            tid,
            Kind::Setuid,
            0,
            Args::SetIds {
                ids: [uid, u32::MAX, u32::MAX],
            },
        ));
    }

    #[test]
    fn a_thread_has_the_ids_its_clone_event_gave() {
        // curl_google.scap: curl (uid unknown: first seen at its execve) makes a thread whose
        // clone event says uid 1000; libsinsp gives that thread, alone, user ubuntu.
        let mut s = jvm_in(users());
        s.new_version(100, 2 * SEC, |i| {
            Ids {
                uid: u32::MAX,
                gid: u32::MAX,
                euid: u32::MAX,
                egid: u32::MAX,
            }
            .apply(i)
        });
        let facts = |uid| TaskFacts {
            comm: b"java",
            uid,
            gid: uid,
            euid: uid,
            egid: uid,
            ..TaskFacts::default()
        };
        s.fork(&Fork {
            ts: 100 * SEC,
            parent_tid: 100,
            tid: 104,
            pid: 100,
            ppid: 1,
            facts: Some(facts(1000)),
            image: None,
        });
        assert_eq!(user_of(&mut s, 104), ("ubuntu".into(), 1000));
        assert_eq!(
            user_of(&mut s, 100),
            ("<NA>".into(), u32::MAX),
            "the leader's own"
        );
        // A thread whose clone event says what the process has keeps no record for it.
        s.fork(&Fork {
            ts: 100 * SEC,
            parent_tid: 100,
            tid: 105,
            pid: 100,
            ppid: 1,
            facts: Some(facts(u32::MAX)),
            image: None,
        });
        assert!(s.thread_records[&105].ids.is_none());
    }

    #[test]
    fn a_set_id_call_changes_its_threads_ids_alone() {
        let mut s = jvm_in(users());
        // A raw setuid by thread 102 (the kernel changes the caller's credentials only).
        setuid(&mut s, 102, 1000);
        assert_eq!(user_of(&mut s, 102), ("ubuntu".into(), 1000));
        assert_eq!(user_of(&mut s, 100), ("root".into(), 0));
        assert_eq!(user_of(&mut s, 101), ("root".into(), 0));
        assert_eq!(
            seen_by(&mut s, 101),
            ("VM Thread".into(), 1, true),
            "its name stays"
        );
        // glibc's setuid: every other thread calls it, then the caller (here the leader).
        setuid(&mut s, 101, 1000);
        setuid(&mut s, 103, 1000);
        setuid(&mut s, 100, 1000);
        for tid in [100, 101, 102, 103] {
            assert_eq!(
                user_of(&mut s, tid),
                ("ubuntu".into(), 1000),
                "thread {tid}"
            );
        }
        // While its ids are the process's, a thread needs no record of its own for them; they
        // stay its own when the leader changes the process's alone.
        assert!(s.thread_record(102, 100).is_none());
        s.new_version(100, 200 * SEC, |i| i.euid = 0);
        assert_eq!(user_of(&mut s, 100), ("root".into(), 0));
        assert_eq!(user_of(&mut s, 102), ("ubuntu".into(), 1000));
        // A failed call changes nothing.
        s.syscall(&call(
            103,
            Kind::Setuid,
            -1,
            Args::SetIds {
                ids: [5, u32::MAX, u32::MAX],
            },
        ));
        assert_eq!(user_of(&mut s, 103).1, 1000);
    }

    #[test]
    fn a_thread_found_at_the_start_has_its_own_ids() {
        let mut s = users();
        let ids = |id| Ids {
            uid: id,
            gid: id,
            euid: id,
            egid: id,
        };
        s.seed_process(ProcessSeed {
            pid: 100,
            threads: vec![101, 102],
            thread_facts: vec![
                ThreadSeed {
                    tid: 101,
                    comm: b"app".to_vec(),
                    start_ts: 0,
                    ids: Some(ids(1000)),
                },
                ThreadSeed {
                    tid: 102,
                    comm: b"app".to_vec(),
                    start_ts: 0,
                    ids: Some(ids(0)),
                },
            ],
            comm: b"app".to_vec(),
            ..ProcessSeed::default()
        });
        s.finish_seeding();
        assert_eq!(user_of(&mut s, 101), ("ubuntu".into(), 1000));
        assert_eq!(user_of(&mut s, 100), ("root".into(), 0));
        assert!(s.thread_record(102, 100).is_none(), "the process's ids");
    }

    #[test]
    fn an_exec_ends_every_other_threads_facts() {
        let mut s = jvm();
        s.exec(&Exec {
            ts: 10 * SEC,
            tid: 100,
            pid: 100,
            exe: b"sh",
            facts: TaskFacts {
                comm: b"sh",
                ..TaskFacts::default()
            },
            ..Exec::default()
        });
        assert!(s.thread_records.is_empty());
    }
}
