//! rtsec's bundled ruleset loads cleanly and each of its rules fires on the activity it names.

mod common;

use common::*;
use rtsec_format::{Args, Block, Kind, SockAddr};
use rtsec_rules::{Engine, EngineOptions, RuleMatching, RuleSet};

fn set() -> RuleSet {
    RuleSet::bundled().unwrap_or_else(|e| panic!("{}", e.error))
}

fn eng() -> Engine {
    Engine::new(
        &set(),
        EngineOptions {
            rule_matching: RuleMatching::All,
            ..Default::default()
        },
    )
}

fn s(x: &str) -> &'static [u8] {
    Box::leak(x.as_bytes().to_vec().into_boxed_slice())
}

fn check(rule: &str, hit: Block, miss: Block) {
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

#[test]
fn bundled_rules_load_without_warnings() {
    let set = set();
    assert!(set.warnings().is_empty(), "{:#?}", set.warnings());
    assert_eq!(set.counts().rules, 10);
    for r in set.rules() {
        assert!(r.enabled && !r.all_event_types, "{}", r.name);
        assert_eq!(r.file, rtsec_rules::BUNDLED_NAME);
        assert!(r.tags.iter().any(|t| t == "rtsec"), "{}", r.name);
    }
}

#[test]
fn shell_in_container() {
    let c = container("docker.io/library/nginx", false);
    let nginx = P::new("nginx").in_container(&c).build();
    let bash = P::new("bash").in_container(&c).build();
    check(
        "Shell started in a container",
        exec(&P::new("sh").in_container(&c).parent(&nginx).build()),
        exec(&P::new("sh").in_container(&c).parent(&bash).build()),
    );
    check(
        "Shell started in a container",
        exec(&P::new("sh").in_container(&c).parent(&nginx).build()),
        exec(&P::new("sh").parent(&nginx).build()),
    );
}

#[test]
fn sensitive_file_read() {
    let py = P::new("python3").build();
    let sshd = P::new("sshd").build();
    check(
        "Sensitive file read",
        openat(&py, "/etc/shadow", 0, 3),
        openat(&sshd, "/etc/shadow", 0, 3),
    );
    check(
        "Sensitive file read",
        openat(&py, "/root/.ssh/id_rsa", 0, 3),
        openat(&py, "/etc/hostname", 0, 3),
    );
}

#[test]
fn writes_below_etc_and_binary_dirs() {
    let py = P::new("python3").build();
    let dpkg = P::new("dpkg").build();
    check(
        "Write below /etc",
        openat(&py, "/etc/cron.d/job", 1 | 0o100, 3),
        openat(&py, "/etc/cron.d/job", 0, 3),
    );
    check(
        "Write below /etc",
        openat(&py, "/etc/passwd", 2, 3),
        openat(&dpkg, "/etc/passwd", 2, 3),
    );
    check(
        "Write below a binary directory",
        openat(&py, "/usr/bin/ls", 1, 3),
        openat(&py, "/usr/binx/ls", 1, 3),
    );
    // A child of a package manager (e.g. a maintainer script) is allowed.
    let script = P::new("cp").parent(&dpkg).build();
    check(
        "Write below a binary directory",
        openat(&py, "/bin/sh", 1, 3),
        openat(&script, "/bin/sh", 1, 3),
    );
}

#[test]
fn connection_to_a_bad_address() {
    let p = P::new("curl").build();
    let conn = |server: &str, res: i64| {
        let fd = tcp_fd(3, "10.0.0.5:40000", server, false);
        block(
            Kind::Connect,
            &p,
            Some(&fd),
            Args::Connect {
                fd: 3,
                addr: SockAddr::None,
            },
            res,
        )
    };
    check(
        "Connection to a listed bad address",
        conn("203.0.113.7:443", 0),
        conn("8.8.8.8:443", 0),
    );
    check(
        "Connection to a listed bad address",
        conn("198.51.100.1:80", -115),
        conn("198.51.100.1:80", -111),
    );
}

#[test]
fn ptrace_attach() {
    let pt = |comm: &str, request: u32| {
        block(
            Kind::Ptrace,
            &P::new(comm).build(),
            None,
            Args::Ptrace {
                request,
                pid: 99,
                addr: 0,
                data: 0,
            },
            0,
        )
    };
    check(
        "Process attached with ptrace",
        pt("evil", 16),
        pt("gdb", 16),
    );
    check("Process attached with ptrace", pt("evil", 5), pt("evil", 1));
}

#[test]
fn memfd_and_dev_shm_execution() {
    check(
        "Program executed from memory",
        exec(&P::new("x").exe("memfd:x").memfd().build()),
        exec(
            &P::new("runc")
                .exe("memfd:runc_cloned:/proc/self/exe")
                .memfd()
                .build(),
        ),
    );
    check(
        "Program executed from /dev/shm",
        exec(&P::new("x").exe("/dev/shm/x").build()),
        exec(&P::new("x").exe("/tmp/x").build()),
    );
    check(
        "Program executed from /dev/shm",
        exec(&P::new("x").exe("./x").cwd("/dev/shm").build()),
        exec(&P::new("x").exe("./x").cwd("/dev/shmem").build()),
    );
}

#[test]
fn package_manager_in_container() {
    let c = container("docker.io/library/debian", false);
    check(
        "Package manager run in a container",
        exec(
            &P::new("apt-get")
                .in_container(&c)
                .args(&["install", "nmap"])
                .build(),
        ),
        exec(&P::new("apt-get").args(&["install", "nmap"]).build()),
    );
}

#[test]
fn kernel_module_load() {
    let p = P::new("insmod").build();
    let m = block(
        Kind::InitModule,
        &p,
        None,
        Args::InitModule {
            len: 4096,
            uargs: s(""),
        },
        0,
    );
    let other = block(
        Kind::DeleteModule,
        &p,
        None,
        Args::DeleteModule {
            name: s("x"),
            flags: 0,
        },
        0,
    );
    check("Kernel module loaded", m, other);
}
