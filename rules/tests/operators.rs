//! Every operator against matching, non-matching and missing values (libsinsp's comparison
//! semantics, §3.4).

mod common;

use common::*;
use rtsec_format::{Args, Block, Kind, PathArg, SockAddr};
use rtsec_rules::{HostTable, RuleSet};

fn s(x: &str) -> &'static [u8] {
    Box::leak(x.as_bytes().to_vec().into_boxed_slice())
}

fn events() -> (Block, Block, Block, Block) {
    let sshd = chain(&["systemd", "sshd"], None);
    let bash = P::new("bash")
        .parent(&sshd)
        .args(&["-c", "echo Hello World"])
        .build();
    let exec_b = exec(&bash);
    let open_b = openat(&bash, "/etc/ssh/sshd_config", 0o2000000, 5);
    let fd = tcp_fd(3, "10.0.0.5:40000", "8.8.8.8:443", false);
    let conn = block(
        Kind::Connect,
        &bash,
        Some(&fd),
        Args::Connect {
            fd: 3,
            addr: SockAddr::Inet {
                ip: "8.8.8.8".parse().unwrap(),
                port: 443,
            },
        },
        0,
    );
    let fd6 = tcp_fd(4, "[fd00::5]:40000", "[2001:db8::1]:443", true);
    let conn6 = block(
        Kind::Connect,
        &bash,
        Some(&fd6),
        Args::Connect {
            fd: 4,
            addr: SockAddr::None,
        },
        0,
    );
    (exec_b, open_b, conn, conn6)
}

fn eval(cond: &str, b: &Block) -> bool {
    let set = RuleSet::empty();
    let f = set.filter(cond).unwrap_or_else(|e| panic!("{cond}: {e}"));
    let mut sc = rtsec_rules::Scratch::new();
    f.matches(&b.event(0).unwrap(), &mut sc, &HostTable::new())
}

fn table(rows: &[(&str, &Block, bool)]) {
    let mut bad = Vec::new();
    for (cond, b, want) in rows {
        if eval(cond, b) != *want {
            bad.push(format!("{cond} => expected {want}"));
        }
    }
    assert!(bad.is_empty(), "wrong results:\n{}", bad.join("\n"));
}

#[test]
fn string_operators() {
    let (x, o, _, _) = events();
    table(&[
        ("proc.name = bash", &x, true),
        ("proc.name == bash", &x, true),
        ("proc.name = bas", &x, false),
        ("proc.name != zsh", &x, true),
        ("proc.name != bash", &x, false),
        // Ordering operators take numbers (the grammar); on strings they compare as strcmp.
        ("proc.name > 1", &x, true),
        ("proc.name >= 99", &x, true),
        ("proc.name < 1", &x, false),
        ("proc.name <= 0", &x, false),
        ("proc.cmdline contains 'Hello W'", &x, true),
        ("proc.cmdline contains hello", &x, false),
        ("proc.cmdline icontains HELLO", &x, true),
        ("proc.cmdline icontains nothere", &x, false),
        ("proc.name bcontains 6173", &x, true),
        ("proc.name bcontains 7a7a", &x, false),
        ("proc.name bstartswith 6261", &x, true),
        ("proc.name bstartswith 6173", &x, false),
        ("proc.cmdline startswith 'bash -c'", &x, true),
        ("proc.cmdline startswith '-c'", &x, false),
        ("proc.cmdline endswith World", &x, true),
        ("proc.cmdline endswith Hello", &x, false),
        ("proc.name in (zsh, bash)", &x, true),
        ("proc.name in (zsh, ksh)", &x, false),
        ("proc.name in ()", &x, false),
        ("not proc.name in ()", &x, true),
        ("proc.name intersects (bash, zsh)", &x, true),
        ("proc.name intersects (zsh)", &x, false),
        ("proc.name exists", &x, true),
        ("proc.pname exists", &x, true),
        ("proc.aname[3] exists", &x, false),
        // glob: no FNM_PATHNAME, so * crosses '/'.
        ("fd.name glob '/etc/*'", &o, true),
        ("fd.name glob '/etc/*/sshd_?onfig'", &o, true),
        ("fd.name glob '/usr/*'", &o, false),
        ("fd.name iglob '/ETC/*'", &o, true),
        ("fd.name glob '/ETC/*'", &o, false),
        // regex matches the whole string.
        ("proc.name regex 'ba'", &x, false),
        ("proc.name regex 'ba.*'", &x, true),
        ("proc.name regex '[a-z]+'", &x, true),
        ("proc.name regex 'b[0-9]sh'", &x, false),
        ("fd.name pmatch (/etc/ssh)", &o, true),
        ("fd.name pmatch (/etc/ss)", &o, false),
        ("fd.name pmatch (/usr, /etc/ssh/)", &o, true),
        ("fd.directory = /etc/ssh", &o, true),
        ("fd.filename = sshd_config", &o, true),
    ]);
}

#[test]
fn modifiers_val_and_transformers() {
    let (x, o, _, _) = events();
    table(&[
        ("proc.name startswith anyof (zs, ba)", &x, true),
        ("proc.name startswith anyof (zs, ks)", &x, false),
        ("proc.name startswith oneof (ba, b)", &x, false),
        ("proc.name startswith oneof (ba, z)", &x, true),
        ("proc.name startswith allof (b, ba, bas)", &x, true),
        ("proc.name startswith allof (b, z)", &x, false),
        ("proc.name = val(proc.name)", &x, true),
        ("proc.name = val(proc.pname)", &x, false),
        ("proc.name != val(proc.pname)", &x, true),
        ("toupper(proc.name) = BASH", &x, true),
        ("tolower(toupper(proc.name)) = bash", &x, true),
        ("len(proc.name) = 4", &x, true),
        ("len(proc.name) > 4", &x, false),
        ("basename(fd.name) = sshd_config", &o, true),
        ("proc.name = toupper(proc.name)", &x, false),
    ]);
}

#[test]
fn numeric_boolean_and_typed_values() {
    let (x, o, _, _) = events();
    table(&[
        ("fd.num = 5", &o, true),
        ("fd.num > 4", &o, true),
        ("fd.num < 5", &o, false),
        ("fd.num >= 5", &o, true),
        ("fd.num <= 4", &o, false),
        ("fd.num != 5", &o, false),
        ("fd.num in (1, 5)", &o, true),
        ("fd.num in (1, 2)", &o, false),
        ("user.uid = 0", &x, true),
        ("user.uid > 0", &x, false),
        ("user.loginuid = -1", &x, true),
        // fd.typechar is a string: `4` compares the text "4".
        ("fd.typechar = f", &o, true),
        ("fd.typechar = 4", &o, false),
        ("evt.type = openat", &o, true),
        ("evt.type in (open, openat)", &o, true),
        ("evt.type != openat", &o, false),
        ("evt.is_open_read = true", &o, true),
        ("evt.is_open_write = true", &o, false),
        ("proc.is_exe_upper_layer = false", &x, true),
        ("proc.is_exe_upper_layer = true", &x, false),
        ("evt.arg.flags contains O_CLOEXEC", &o, true),
        ("evt.arg.flags = 'O_RDONLY|O_CLOEXEC'", &o, true),
        ("evt.arg[0] = '5'", &o, false),
        ("evt.arg.fd = '<f>/etc/ssh/sshd_config'", &o, true),
        ("evt.rawarg.flags = 4097", &o, true),
        ("evt.res = SUCCESS", &o, true),
        ("evt.rawres = 5", &o, true),
    ]);
}

#[test]
fn missing_values_make_every_comparison_false() {
    let (x, _, _, _) = events();
    // fd.* do not exist on execve (no fd flags); proc.aname[5] is past the chain.
    for op in [
        "fd.name = /etc",
        "fd.name != /etc",
        "fd.name < 5",
        "fd.name contains e",
        "fd.name icontains e",
        "fd.name bcontains 65",
        "fd.name startswith /",
        "fd.name bstartswith 2f",
        "fd.name endswith c",
        "fd.name glob '*'",
        "fd.name iglob '*'",
        "fd.name regex '.*'",
        "fd.name in (/etc)",
        "fd.name intersects (/etc)",
        "fd.name pmatch (/)",
        "fd.name exists",
        "fd.num >= 0",
        "fd.num != 3",
        "fd.ip != 1.2.3.4",
        "proc.aname[5] != x",
        "fd.name startswith anyof (/, x)",
        "toupper(fd.name) != X",
    ] {
        assert!(!eval(op, &x), "{op} should be false on a missing value");
        assert!(
            eval(&format!("not ({op})"), &x),
            "not ({op}) should be true"
        );
    }
}

#[test]
fn ip_fields_either_and_both_endpoints_and_cidr() {
    let (_, _, c, c6) = events();
    table(&[
        ("fd.ip = 10.0.0.5", &c, true),
        ("fd.ip = 8.8.8.8", &c, true),
        ("fd.ip = 1.1.1.1", &c, false),
        // `!=` needs both endpoints to differ.
        ("fd.ip != 10.0.0.5", &c, false),
        ("fd.ip != 1.1.1.1", &c, true),
        ("fd.ip != \"0.0.0.0\"", &c, true),
        ("fd.net = 10.0.0.0/8", &c, true),
        ("fd.net != 10.0.0.0/8", &c, false),
        ("fd.net != \"127.0.0.0/8\"", &c, true),
        ("fd.port = 40000", &c, true),
        ("fd.port = 443", &c, true),
        ("fd.port != 443", &c, false),
        ("fd.snet in (\"10.0.0.0/8\", \"192.168.0.0/16\")", &c, false),
        ("fd.snet in (\"8.8.0.0/16\")", &c, true),
        ("fd.cnet = 10.0.0.0/8", &c, true),
        ("fd.sip = 8.8.8.8", &c, true),
        ("fd.sip = 10.0.0.5", &c, false),
        ("fd.sip in (1.1.1.1, 8.8.8.8)", &c, true),
        ("fd.cip = 10.0.0.5", &c, true),
        ("fd.sport = 443", &c, true),
        ("fd.sport in (80, 443)", &c, true),
        ("fd.cport > 1024", &c, true),
        ("fd.lport = 40000", &c, true),
        ("fd.rport = 443", &c, true),
        ("fd.l4proto = tcp", &c, true),
        ("fd.typechar = 4", &c, true),
        ("fd.connected = true", &c, true),
        ("fd.name = '10.0.0.5:40000->8.8.8.8:443'", &c, true),
        ("fd.net = \"2001:db8::/32\"", &c6, true),
        ("fd.snet = \"2001:db8::/32\"", &c6, true),
        ("fd.cnet = \"2001:db8::/32\"", &c6, false),
        ("fd.ip = \"fd00::5\"", &c6, true),
        ("fd.net = 10.0.0.0/8", &c6, false),
        ("fd.typechar = 6", &c6, true),
    ]);
}

#[test]
fn dns_names_use_the_recorded_table_only() {
    let (_, _, c, _) = events();
    let set = RuleSet::empty();
    let f = set.filter("fd.sip.name = dns.google").unwrap();
    let mut sc = rtsec_rules::Scratch::new();
    let ev = c.event(0).unwrap();
    assert!(!f.matches(&ev, &mut sc, &HostTable::new()));
    let mut hosts = HostTable::new();
    hosts.insert("dns.google", "8.8.8.8".parse().unwrap());
    assert!(f.matches(&ev, &mut sc, &hosts));
    let f = set.filter("fd.sip.name != dns.google").unwrap();
    assert!(!f.matches(&ev, &mut sc, &hosts));
    assert!(f.matches(&ev, &mut sc, &HostTable::new()));
}

#[test]
fn failed_opens_take_fd_fields_from_the_path() {
    let p = P::new("cat").build();
    let failed_openat = openat(&p, "/etc/shadow", 0, -13);
    let failed_open = block(
        Kind::Open,
        &p,
        None,
        Args::Open {
            dirfd: rtsec_format::AT_FDCWD,
            path: PathArg::same(s("/etc/shadow")),
            flags: 0,
            mode: 0,
            resolve: 0,
            dev: 0,
            ino: 0,
        },
        -2,
    );
    table(&[
        ("fd.name = /etc/shadow", &failed_openat, true),
        ("fd.num = -1", &failed_openat, true),
        ("fd.typechar = f", &failed_openat, true),
        ("evt.res = EACCES", &failed_openat, true),
        ("evt.res startswith E", &failed_openat, true),
        ("evt.rawres = -13", &failed_openat, true),
        ("fd.directory = /etc", &failed_openat, true),
        ("fd.type exists", &failed_openat, false),
        // libsinsp quirk: a failed plain open gets typechar 'o'.
        ("fd.typechar = o", &failed_open, true),
        ("fd.name = /etc/shadow", &failed_open, true),
        ("evt.res = ENOENT", &failed_open, true),
    ]);
}

#[test]
fn wrong_operand_types_are_compile_errors() {
    let set = RuleSet::empty();
    for (cond, msg) in [
        ("proc.name < bz", "expected a number after '<'"),
        (
            "fd.num = abc",
            "'abc' is not a valid number for field 'fd.num'",
        ),
        (
            "user.uid = root",
            "'root' is not a valid number for field 'user.uid'",
        ),
        (
            "proc.is_exe_upper_layer = yes",
            "'yes' is not a valid boolean",
        ),
        (
            "fd.sip = 10.0.0.0/8",
            "'10.0.0.0/8' is not a valid IP address",
        ),
        ("fd.snet = 10.0.0.0/33", "not a valid network"),
        (
            "fd.num contains 3",
            "operator 'contains' cannot be used with field 'fd.num'",
        ),
        ("proc.name bcontains xyz", "not a hex byte string"),
        ("proc.name regex '('", "invalid regular expression"),
        ("evt.type = nosuchevent", "unknown event type nosuchevent"),
        ("proc.nme = bash", "nonexistent field proc.nme"),
        ("nosuchmacro", "Undefined macro 'nosuchmacro'"),
        (
            "proc.name in nosuchlist",
            "'nosuchlist' is not a defined list",
        ),
        ("len(fd.num) = 1", "len() needs a string field"),
    ] {
        let e = set
            .filter(cond)
            .err()
            .unwrap_or_else(|| panic!("{cond} compiled"));
        let text = e.to_string();
        assert!(text.contains(msg), "{cond}: {text}");
        let d = e.diagnostic().unwrap();
        assert_eq!(d.file, "<filter>");
        assert!(d.column >= 1, "{cond}: {d:?}");
    }
    // The caret points at the offending value.
    let e = set.filter("proc.name = x and fd.num = abc").unwrap_err();
    let d = e.diagnostic().unwrap();
    assert_eq!((d.line, d.column), (1, 28));
    assert_eq!(
        d.snippet.as_deref(),
        Some("1 | proc.name = x and fd.num = abc\n  |                            ^")
    );
}

#[test]
fn a_syscall_recorded_generically_is_still_its_event_type() {
    // An old capture's mprotect comes in as a generic event (no arguments recorded); it is
    // still `evt.type = mprotect` for conditions and for the rule index.
    let p = common::P::new("java").build();
    let generic = common::block(
        Kind::Generic,
        &p,
        None,
        Args::Generic {
            nr: 10,
            args: [0; 6],
        },
        0,
    );
    assert!(eval("evt.type = mprotect", &generic));
    assert!(eval("evt.type in (mprotect, mmap)", &generic));
    assert!(!eval("evt.type = getpid", &generic));
    let getpid = common::block(
        Kind::Generic,
        &p,
        None,
        Args::Generic {
            nr: 39,
            args: [0; 6],
        },
        0,
    );
    assert!(eval("evt.type = getpid", &getpid));
}
