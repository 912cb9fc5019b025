//! Issue 4, test 2: fake containers. A child in new pid, mount and uts namespaces whose cgroups
//! are moved to a docker-, a cri-o- and a containerd-style path: all its events carry the
//! container id (the first 12 hex digits); processes outside carry what Falco's matchers make
//! of the test's own cgroups (`host` on most machines).
//!
//! The fake containers are made in cgroup v2 and, where there is one, in the v1 memory
//! hierarchy too: the container id comes from the first cgroup entry any matcher accepts,
//! v1 hierarchies first, as in Falco.

mod capture_support;

use std::collections::BTreeSet;

use capture_support::*;

#[test]
fn container_ids_from_docker_crio_and_containerd_cgroups() {
    if !can_capture() {
        return;
    }
    let dir = tempdir();
    let out = dir.path().join("t.rts");
    let (d, c, k) = (container_id(1), container_id(2), container_id(3));
    let layouts = [
        (
            FakeContainer::create(&format!("docker/{d}")),
            d.clone(),
            "docker",
            "docker",
        ),
        (
            FakeContainer::create(&format!(
                "kubepods.slice/kubepods-besteffort-pod1.slice/crio-{c}.scope"
            )),
            c.clone(),
            "crio",
            "cri",
        ),
        (
            FakeContainer::create(&format!(
                "system.slice/containerd.service/kubepods-besteffort-pod2.slice:cri-containerd:{k}"
            )),
            k.clone(),
            "containerd",
            "cri",
        ),
    ];
    // Each "container": a shell moves itself into the cgroups, then unshare starts a child in
    // new pid, mount and uts namespaces that runs a few programs.
    let mut script = String::new();
    for (cg, _, marker, _) in &layouts {
        script.push_str(&format!(
            "sh -c '{} && exec unshare --pid --mount --uts --fork \
             sh -c \"hostname fake-{marker}; cat /etc/hostname > /dev/null; exec ls /proc > /dev/null\"'\n",
            cg.join_cmd()
        ));
    }
    script.push_str("cat /etc/hostname > /dev/null\n");
    let path = dir.path().join("containers.sh");
    std::fs::write(&path, script).unwrap();
    let o = capture(&out, &[], &["sh", path.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let t = read(&out);

    for (cg, id, marker, runtime) in &layouts {
        let path = cg.matched_path();
        let inside: Vec<&Ev> = t.events.iter().filter(|e| e.cgroup == path).collect();
        assert!(!inside.is_empty(), "{marker}: no events in cgroup {path}");
        for e in &inside {
            assert_eq!(
                e.container.as_deref(),
                Some(&id[..12]),
                "{marker}: event {} ({} by {}) has the wrong container",
                e.num,
                e.ty,
                e.comm
            );
            assert_eq!(e.container_runtime.as_deref(), Some(*runtime), "{marker}");
        }
        // The namespaced child: ls ran as pid 1 of its new pid namespace, in the container.
        let ls = inside
            .iter()
            .find(|e| e.ty == "execve" && e.res == 0 && e.comm == "ls")
            .unwrap_or_else(|| panic!("{marker}: no execve of ls in the container"));
        assert_eq!(ls.vpid, 1, "{marker}: ls is pid 1 of its pid namespace");
        assert_ne!(ls.pid, 1);
        assert_eq!(ls.args, vec!["/proc".to_string()]);
        // Every event of every process of the new pid namespace carries the container.
        let ns_pids: BTreeSet<i64> = t
            .events
            .iter()
            .filter(|e| e.vpid == 1 && e.pid != 1 && e.cgroup == path)
            .map(|e| e.pid)
            .collect();
        for e in t.events.iter().filter(|e| ns_pids.contains(&e.pid)) {
            assert_eq!(e.container.as_deref(), Some(&id[..12]), "{marker}: {e:?}");
        }
    }
    // The script's own shell and the rest of the machine are where the test runs.
    let host = host_container_id();
    let host_cat = t
        .events
        .iter()
        .filter(|e| e.ty == "execve" && e.comm == "cat" && e.res == 0)
        .filter(|e| e.container == host)
        .count();
    assert!(
        host_cat >= 1,
        "the last cat ran outside the fake containers"
    );
    let script_sh = t
        .events
        .iter()
        .find(|e| {
            e.ty == "execve"
                && e.comm == "sh"
                && e.args.first().is_some_and(|a| a.ends_with("containers.sh"))
        })
        .expect("the script's shell");
    assert_eq!(script_sh.container, host);
    let fake: Vec<&str> = layouts.iter().map(|l| &l.1[..12]).collect();
    let strays: Vec<&Ev> = t
        .events
        .iter()
        .filter(|e| {
            e.container.as_deref().is_some_and(|c| fake.contains(&c))
                && !layouts.iter().any(|l| e.cgroup == l.0.matched_path())
        })
        .collect();
    assert!(
        strays.is_empty(),
        "fake container ids outside their cgroups: {strays:?}"
    );
}

/// Falco takes the first cgroup entry of *any* hierarchy that a matcher accepts. On the
/// machines rtsec is built on, every process of the sandbox sits in the v1 memory cgroup
/// `/process_api/<32 hex>` while its v2 cgroup is `/`: the containerd matcher (a namespace
/// segment, then an id of 1 to 64 characters) accepts that, so Falco — and rtsec — report those
/// processes in container `<first 12 hex>` of runtime containerd. Elsewhere the same test
/// checks whatever the test's own cgroups give.
#[test]
fn processes_are_in_the_container_their_first_matching_cgroup_names() {
    if !can_capture() {
        return;
    }
    let dir = tempdir();
    let base = std::fs::canonicalize(dir.path()).unwrap();
    let out = base.join("t.rts");
    // A file only this test reads: a capture records every process, and the other test of
    // this file runs `cat /etc/hostname` in its fake containers at the same time (CI once
    // found that cat here).
    let file = base.join("only-this-test");
    std::fs::write(&file, "x").unwrap();
    let file = file.to_str().unwrap();
    let o = capture(&out, &[], &["cat", file]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let t = read(&out);
    let cat = t
        .events
        .iter()
        .find(|e| e.ty == "openat" && e.comm == "cat" && e.paths[0].1 == file)
        .expect("cat's openat");
    // What this machine's /proc/self/cgroup says, read without rtsec's code: a v1 line
    // `N:memory:/<namespace>/<id>` with a short id makes a containerd container.
    let own = std::fs::read_to_string("/proc/self/cgroup").unwrap();
    let memory = own.lines().find_map(|l| {
        let mut f = l.splitn(3, ':');
        let (_, ctl, path) = (f.next()?, f.next()?, f.next()?);
        ctl.split(',')
            .any(|c| c == "memory")
            .then(|| path.to_string())
    });
    let expected = memory.as_deref().and_then(|p| {
        let parts: Vec<&str> = p.trim_start_matches('/').split('/').collect();
        (parts.len() == 2
            && parts[0]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
            && (1..=64).contains(&parts[1].len())
            && !parts[1].ends_with(".scope"))
        .then(|| parts[1].chars().take(12).collect::<String>())
    });
    if let Some(id) = &expected {
        eprintln!("this machine: memory cgroup {memory:?} makes container {id} (containerd)");
        assert_eq!(cat.container.as_deref(), Some(id.as_str()));
        assert_eq!(cat.container_runtime.as_deref(), Some("containerd"));
        assert_eq!(Some(cat.cgroup.as_str()), memory.as_deref());
    }
    assert_eq!(cat.container, host_container_id());
}

/// `--container ID` records the events of that container only (its short or full id); the
/// others are counted as not written. An id no event had gets a warning, not a silent empty
/// trace.
#[test]
fn a_capture_of_one_container_records_only_it() {
    if !can_capture() {
        return;
    }
    let dir = tempdir();
    let id = container_id(11);
    let fake = FakeContainer::create(&format!("docker/{id}"));
    let script = dir.path().join("one.sh");
    std::fs::write(
        &script,
        format!(
            "sh -c '{} && exec sh -c \"cat /etc/hostname > /dev/null; ls / > /dev/null\"'\n\
             cat /etc/hostname > /dev/null\n",
            fake.join_cmd()
        ),
    )
    .unwrap();
    for wanted in [&id[..12], &id[..]] {
        let out = dir.path().join(format!("{}.rts", wanted.len()));
        let o = capture(
            &out,
            &["--container", wanted],
            &["sh", script.to_str().unwrap()],
        );
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{err}");
        assert!(
            err.contains("events of other containers not written (--container)"),
            "{err}"
        );
        let t = read(&out);
        assert!(
            t.events.iter().any(|e| e.comm == "ls"),
            "{wanted}: the container's ls is recorded"
        );
        for e in &t.events {
            assert_eq!(
                e.container.as_deref(),
                Some(&id[..12]),
                "{wanted}: event {} ({} by {}) is of another container",
                e.num,
                e.ty,
                e.comm
            );
        }
    }
    let out = dir.path().join("none.rts");
    let o = capture(&out, &["--container", "0123456789ab"], &["true"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("rtsec: warning: no event of container 0123456789ab was recorded"),
        "{err}"
    );
}
