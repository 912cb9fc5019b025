//! Threads have a name and a start of their own, as libsinsp keeps them: `proc.name` of an
//! event is the name of the thread it comes from, `proc.duration` that thread's age. A thread
//! found at the capture's start has its own (`/proc/PID/task/TID/stat`); a thread made later
//! has the name the kernel gave it at clone, its creator's then, and starts then; a rename
//! afterwards is not seen (libs issue 1011). A process forked by a thread has that thread as
//! parent (`proc.pname`). Its user and group ids are its own too.

mod capture_support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use capture_support::*;

const PYTHON: &str = "/usr/bin/python3";

/// Renames the calling thread (the kernel's `comm`, as `prctl(PR_SET_NAME)` does).
const RENAME: &str =
    "def rename(n):\n    with open('/proc/thread-self/comm', 'w') as f:\n        f.write(n)\n";

#[test]
fn threads_made_during_the_capture_have_their_creators_name() {
    if !can_capture() {
        return;
    }
    let dir = tempdir();
    let out = dir.path().join("t.rts");
    let marks = marks(dir.path(), &["early", "late", "leader"]);
    // A thread made before the leader renames itself, then one made after (it gets the new
    // name, and forks cat), then the leader itself (still python3 to libsinsp).
    let script = format!(
        "import sys, threading, subprocess\n{RENAME}\
         def run(f, *a):\n    t = threading.Thread(target=f, args=a); t.start(); t.join()\n\
         run(lambda: open(sys.argv[1]).close())\n\
         rename('rtsec-renamed')\n\
         def late():\n    open(sys.argv[2]).close()\n    subprocess.run(['cat', sys.argv[2]], stdout=subprocess.DEVNULL)\n\
         run(late)\n\
         open(sys.argv[3]).close()\n"
    );
    let t = capture_python(&out, &script, &marks);
    let early = t.open_of(&marks[0]);
    let late = t.open_of(&marks[1]);
    let leader = t.open_of(&marks[2]);
    assert_eq!(leader.tid, leader.pid);
    assert!(leader.comm.starts_with("python3"), "{}", leader.comm);
    assert_eq!(leader.proc_flags & THREAD, 0);
    assert_ne!(early.tid, early.pid, "a thread");
    assert_eq!(
        early.comm, leader.comm,
        "made by the leader before it renamed itself"
    );
    assert_eq!(
        (late.pid, late.comm.as_str()),
        (leader.pid, "rtsec-renamed")
    );
    assert_eq!(late.proc_flags & THREAD, THREAD);
    assert!(
        late.start_ts > leader.start_ts && late.start_ts <= late.ts,
        "proc.duration counts from the thread's start: {} {} {}",
        leader.start_ts,
        late.start_ts,
        late.ts
    );
    assert!(early.start_ts > leader.start_ts, "a start of its own");
    assert_eq!(early.proc_flags & THREAD, THREAD);
    assert_eq!(late.exe, leader.exe, "the rest is the process's");
    assert_eq!(late.args, leader.args);

    let cat = t
        .events
        .iter()
        .find(|e| e.ty == "execve" && e.res == 0 && e.comm == "cat")
        .expect("cat's exec");
    assert_eq!(
        cat.ppid, late.tid,
        "proc.ppid is the thread that forked it, as libsinsp's m_ptid"
    );
    assert_eq!(
        cat.parent_comm.as_deref(),
        Some("rtsec-renamed"),
        "proc.pname is the thread that forked it"
    );
}

#[test]
fn a_thread_running_before_the_capture_has_its_own_name() {
    if !can_capture() {
        return;
    }
    let dir = tempdir();
    let out = dir.path().join("t.rts");
    let (ready, go, mark, done) = (
        dir.path().join("ready"),
        dir.path().join("go"),
        dir.path().join("mark"),
        dir.path().join("done"),
    );
    std::fs::write(&mark, b"x").unwrap();
    open_to_all(dir.path(), &[&mark]);
    // A thread renames itself and becomes nobody (alone: a raw setuid), then waits for the
    // capture before it opens the mark.
    let script = format!(
        "import os, sys, threading, time\n{RENAME}{SETUID}\
         def worker():\n    rename('rtsec-scanned')\n    setuid(65534)\n    \
         open(sys.argv[1], 'w').close()\n    \
         while not os.path.exists(sys.argv[2]): time.sleep(0.01)\n    \
         open(sys.argv[3]).close()\n    open(sys.argv[4], 'w').close()\n\
         t = threading.Thread(target=worker); t.start(); t.join()\n"
    );
    let arg = |p: &Path| p.to_str().unwrap().to_string();
    let mut python = Command::new(PYTHON)
        .args([
            "-c",
            &script,
            &arg(&ready),
            &arg(&go),
            &arg(&mark),
            &arg(&done),
        ])
        .stdout(Stdio::null())
        .spawn()
        .expect("run python3");
    wait_for(&ready);
    let wait = format!(
        "touch {}; i=0; while [ ! -e {} ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done",
        arg(&go),
        arg(&done)
    );
    let o = capture(&out, &[], &["sh", "-c", &wait]);
    let _ = python.kill();
    let _ = python.wait();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let t = read(&out);
    let open = t
        .events
        .iter()
        .find(|e| e.res >= 0 && e.fd_name.as_deref() == Some(mark.to_str().unwrap()))
        .expect("the thread's open of the mark");
    assert_eq!(open.pid, python.id() as i64);
    assert_ne!(open.tid, open.pid);
    assert_eq!(
        open.comm, "rtsec-scanned",
        "the name /proc gave at the start"
    );
    assert_eq!(open.proc_flags & THREAD, THREAD);
    assert!(open.start_ts > 0 && open.start_ts <= open.ts);
    assert_ne!(
        open.proc_flags & FROM_SCAN,
        0,
        "a process found by the scan"
    );
    assert_eq!(
        (open.euid, open.user.as_deref()),
        (65534, Some("nobody")),
        "the ids /proc gave the thread"
    );
    let leader = t
        .events
        .iter()
        .find(|e| e.pid == open.pid && e.tid == e.pid)
        .expect("an event of the leader");
    assert_eq!((leader.euid, leader.user.as_deref()), (0, Some("root")));
}

/// Credentials are per thread: a raw setuid changes the calling thread's alone (the kernel's
/// rule, which libsinsp follows: `set_evt_thread_user`), and a thread that thread makes starts
/// with its ids (its clone event's, as libsinsp's `parse_clone_exit` takes them).
#[test]
fn a_threads_raw_setuid_is_its_own() {
    if !can_capture() {
        return;
    }
    let dir = tempdir();
    let out = dir.path().join("t.rts");
    let marks = marks(dir.path(), &["thread", "its-thread", "leader"]);
    open_to_all(dir.path(), &[]);
    let script = format!(
        "import sys, threading\n{SETUID}\
         def run(f):\n    t = threading.Thread(target=f); t.start(); t.join()\n\
         def worker():\n    setuid(65534)\n    open(sys.argv[1]).close()\n    \
         run(lambda: open(sys.argv[2]).close())\n\
         run(worker)\n\
         open(sys.argv[3]).close()\n"
    );
    let t = capture_python(&out, &script, &marks);
    let ids = |e: &Ev| (e.euid, e.user.clone().unwrap_or_default());
    let thread = t.open_of(&marks[0]);
    let its_thread = t.open_of(&marks[1]);
    let leader = t.open_of(&marks[2]);
    assert_ne!(thread.tid, thread.pid);
    assert_ne!(its_thread.tid, thread.tid);
    assert_eq!(ids(thread), (65534, "nobody".into()), "the caller's own");
    assert_eq!(ids(its_thread), (65534, "nobody".into()), "its clone's");
    assert_eq!(ids(leader), (0, "root".into()), "the process's stay");
    let setuid = t
        .events
        .iter()
        .find(|e| e.ty == "setuid" && e.tid == thread.tid)
        .expect("the thread's setuid");
    assert_eq!(setuid.res, 0);
}

/// `setuid(uid)` of the calling thread alone: the raw syscall (glibc's `setuid` makes every
/// thread of the process call it).
const SETUID: &str = "import ctypes\n\
    def setuid(uid):\n    assert ctypes.CDLL(None).syscall(105, uid) == 0\n";

/// Lets another user read the files and write in `dir` (a thread that became nobody uses it).
fn open_to_all(dir: &Path, files: &[&Path]) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    for f in files {
        std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
}

const THREAD: u32 = rtsec_format::record::proc_flags::THREAD;
const FROM_SCAN: u32 = rtsec_format::record::proc_flags::FROM_SCAN;

/// Captures `python3 -c SCRIPT MARKS...` to `out`, and reads the trace.
fn capture_python(out: &Path, script: &str, marks: &[String]) -> Trace {
    let mut cmd = vec![PYTHON, "-c", script];
    cmd.extend(marks.iter().map(String::as_str));
    let o = capture(out, &[], &cmd);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    read(out)
}

/// Files named `names` in `dir`, for the scenario to open: their paths.
fn marks(dir: &Path, names: &[&str]) -> Vec<String> {
    names
        .iter()
        .map(|m| {
            let p = dir.join(m);
            std::fs::write(&p, b"x").unwrap();
            p.to_str().unwrap().to_string()
        })
        .collect()
}

fn wait_for(path: &Path) {
    let start = Instant::now();
    while !path.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{path:?} never came"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Falco's stable rule "Read sensitive file trusted after startup" skips `proc_is_new`
/// (`proc.duration <= 5 s`), which is the age of the thread: a server up for more than five
/// seconds that reads /etc/shadow from its main thread is flagged, the same read from a thread
/// it just made is not.
#[test]
fn a_new_thread_of_an_old_server_is_new_to_falcos_rules() {
    if !can_capture() {
        return;
    }
    let dir = tempdir();
    let out = dir.path().join("t.rts");
    // A server by its name: python run through a link called nginx (comm `nginx`).
    let nginx = dir.path().join("nginx");
    std::os::unix::fs::symlink(PYTHON, &nginx).unwrap();
    let script = "import threading, time\n\
                  time.sleep(5.5)\n\
                  open('/etc/shadow').close()\n\
                  t = threading.Thread(target=lambda: open('/etc/shadow').close())\n\
                  t.start(); t.join()\n";
    let o = capture(&out, &[], &[nginx.to_str().unwrap(), "-c", script]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let t = read(&out);
    let reads: Vec<&Ev> = t
        .events
        .iter()
        .filter(|e| {
            e.ty.starts_with("open")
                && e.res >= 0
                && e.fd_name.as_deref() == Some("/etc/shadow")
                && e.comm == "nginx"
        })
        .collect();
    assert_eq!(
        reads.len(),
        2,
        "the main thread's read and the new thread's"
    );
    // Alerts that name the thread they come from.
    let config = dir.path().join("falco.yaml");
    std::fs::write(
        &config,
        "append_output:\n  - extra_output: \"tid=%thread.tid\"\n",
    )
    .unwrap();
    let rules =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/falco-rules/falco_rules.yaml");
    let replay = Command::new(RTSEC)
        .args(["replay", "-c"])
        .arg(&config)
        .arg("--rules")
        .arg(&rules)
        .arg(&out)
        .output()
        .expect("run rtsec replay");
    let alerts = String::from_utf8_lossy(&replay.stdout);
    let hits: Vec<&str> = alerts
        .lines()
        .filter(|l| {
            l.contains("Sensitive file opened for reading by trusted program after startup")
        })
        .collect();
    let main = reads
        .iter()
        .find(|e| e.tid == e.pid)
        .expect("the main thread's read");
    assert_eq!(hits.len(), 1, "{alerts}");
    assert!(
        hits[0].ends_with(&format!(" tid={}", main.tid)),
        "{}",
        hits[0]
    );
}

/// A thread runs the argv its process had when it made it: perl's `$0 =` writes a new title
/// over its argv area (and names the calling thread with it), and a thread made afterwards
/// shows it, while the leader keeps the exec's (libsinsp takes a thread's `exe` and `args`
/// from its clone event).
#[test]
fn a_thread_runs_the_argv_its_process_rewrote() {
    if !can_capture() {
        return;
    }
    let dir = tempdir();
    let out = dir.path().join("t.rts");
    let (in_thread, in_leader) = (dir.path().join("thread"), dir.path().join("leader"));
    for f in [&in_thread, &in_leader] {
        std::fs::write(f, b"x").unwrap();
    }
    let perl = which("perl");
    let script = "use threads; $0 = 'rtsec-title'; \
                  threads->create(sub { open(my $f, '<', $ARGV[0]) })->join; \
                  open(my $g, '<', $ARGV[1]);";
    let (a, b) = (in_thread.to_str().unwrap(), in_leader.to_str().unwrap());
    let o = capture(&out, &[], &[perl.to_str().unwrap(), "-e", script, a, b]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let t = read(&out);
    let thread = t.open_of(a);
    let leader = t.open_of(b);
    assert_eq!(thread.pid, leader.pid);
    assert_ne!(thread.tid, thread.pid, "a thread");
    assert_eq!(
        leader.exe,
        perl.to_str().unwrap(),
        "the leader keeps the exec's argv"
    );
    assert_eq!(leader.args, vec!["-e", script, a, b]);
    assert_eq!(thread.exe, "rtsec-title", "argv[0] as rewritten");
    assert!(
        thread.args.iter().all(|a| a.trim().is_empty()),
        "the rest of the area is perl's padding: {:?}",
        thread.args
    );
    assert_eq!(thread.comm, "rtsec-title", "the name its creator had");
    assert_eq!(thread.proc_flags & THREAD, THREAD);
}
