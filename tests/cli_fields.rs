//! `rtsec fields`: the fields conditions and outputs can use, as `falco --list` lists them.

use std::process::Output;

fn rtsec(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_rtsec"))
        .args(args)
        .output()
        .expect("run rtsec")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn every_field_is_listed_by_class_with_its_type_and_argument() {
    let o = rtsec(&["fields"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let classes: Vec<&str> = out
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with(' '))
        .collect();
    assert_eq!(
        classes,
        [
            "evt",
            "syscall",
            "proc",
            "thread",
            "user",
            "group",
            "fd",
            "fs",
            "container",
            "k8s"
        ]
    );
    let line = |usage: &str| {
        out.lines()
            .find(|l| l.trim_start().starts_with(&format!("{usage} ")))
            .unwrap_or_else(|| panic!("{usage} is not listed:\n{out}"))
            .to_string()
    };
    assert!(
        line("proc.name").contains(" string "),
        "{}",
        line("proc.name")
    );
    assert!(line("proc.pid").contains(" int64 "), "{}", line("proc.pid"));
    assert!(line("fd.sip").contains(" ipaddr "), "{}", line("fd.sip"));
    assert!(line("proc.aname[N]").contains(" string "));
    assert!(line("evt.arg.NAME").ends_with("(argument required)"));
    // The fields Falco's stable rules use are all there.
    for name in [
        "evt.type",
        "evt.dir",
        "fd.name",
        "fd.directory",
        "proc.pname",
        "proc.cmdline",
        "proc.exepath",
        "proc.is_exe_upper_layer",
        "user.loginuid",
        "container.id",
        "container.image.repository",
        "k8s.ns.name",
    ] {
        line(name);
    }
}

#[test]
fn a_pattern_keeps_the_fields_whose_name_has_it() {
    let o = rtsec(&["fields", "SIP"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let names: Vec<String> = stdout(&o)
        .lines()
        .filter(|l| l.starts_with("  "))
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect();
    assert_eq!(names, ["fd.sip", "fd.sip.name"]);

    // As rules write a field, with its argument.
    let o = rtsec(&["fields", "proc.aname[2]"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("  proc.aname[N] "), "{}", stdout(&o));

    let o = rtsec(&["fields", "proc.nosuch"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    assert!(
        stderr(&o).contains("no field matches \"proc.nosuch\"; `rtsec fields` lists them all"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn json_has_one_object_per_field() {
    let text = stdout(&rtsec(&["fields"]));
    let listed = text.lines().filter(|l| l.starts_with("  ")).count();
    let o = rtsec(&["fields", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let objects: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON object per line"))
        .collect();
    assert_eq!(objects.len(), listed);
    let aname = objects
        .iter()
        .find(|v| v["name"] == "proc.aname")
        .expect("proc.aname");
    assert_eq!(aname["class"], "proc");
    assert_eq!(aname["argument"], "[N]");
    assert_eq!(aname["argument_required"], false);
    assert_eq!(aname["type"], "string");
    assert!(aname["description"].as_str().unwrap().len() > 10);
}

#[test]
fn a_falco_configuration_adds_its_static_fields() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("falco.yaml");
    std::fs::write(
        &config,
        "static_fields:\n  cluster: prod-eu\n  region: eu-west-1\n",
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let o = rtsec(&["fields", "-c", config, "static"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("static\n"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("  static.cluster ") && l.ends_with(": \"prod-eu\"")),
        "{out}"
    );
    assert!(out.contains("  static.region "), "{out}");

    let o = rtsec(&[
        "fields",
        "-c",
        config,
        "-o",
        "static_fields.zone=b",
        "--json",
        "zone",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    assert_eq!(v["name"], "static.zone");
    assert_eq!(v["value"], "b");
    assert_eq!(v["class"], "static");

    // Without a configuration there are none.
    assert_eq!(rtsec(&["fields", "static."]).status.code(), Some(1));
}

#[test]
fn unsupported_lists_falcos_fields_rtsec_does_not_evaluate_and_why() {
    let o = rtsec(&["fields", "--unsupported"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let line = out
        .lines()
        .find(|l| l.trim_start().starts_with("proc.nthreads "))
        .unwrap_or_else(|| panic!("proc.nthreads is not listed:\n{out}"));
    assert!(line.contains("live thread counts"), "{line}");
    // None of them is a field rtsec lists as usable.
    let usable = stdout(&rtsec(&["fields"]));
    for l in out.lines() {
        let name = l.split_whitespace().next().unwrap();
        assert!(
            !usable
                .lines()
                .any(|u| u.split_whitespace().next() == Some(name)),
            "{name} is both usable and unsupported"
        );
    }
    let o = rtsec(&["fields", "--unsupported", "--json", "latency"]);
    let first: serde_json::Value =
        serde_json::from_str(stdout(&o).lines().next().unwrap()).unwrap();
    assert_eq!(first["name"], "evt.latency");
    assert!(
        first["unsupported"]
            .as_str()
            .unwrap()
            .contains("enter and exit")
    );
}
