//! Issue 4, test 2: fake containers. A child in new pid, mount and uts namespaces whose cgroup
//! is moved to a docker-, a cri-o- and a containerd-style path: all its events carry the
//! container id (the first 12 hex digits); host processes carry none (`host`).

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
            FakeCgroup::create(&format!("docker/{d}")),
            d.clone(),
            "docker",
            "docker",
        ),
        (
            FakeCgroup::create(&format!(
                "kubepods.slice/kubepods-besteffort-pod1.slice/crio-{c}.scope"
            )),
            c.clone(),
            "crio",
            "cri",
        ),
        (
            FakeCgroup::create(&format!(
                "system.slice/containerd.service/kubepods-besteffort-pod2.slice:cri-containerd:{k}"
            )),
            k.clone(),
            "containerd",
            "cri",
        ),
    ];
    // Each "container": a shell moves itself into the cgroup, then unshare starts a child in
    // new pid, mount and uts namespaces that runs a few programs.
    let mut script = String::from(
        "run() {\n  sh -c 'echo $$ > \"$1\" && exec unshare --pid --mount --uts --fork \
         sh -c \"hostname fake-$2; cat /etc/hostname > /dev/null; exec ls /proc > /dev/null\"' \
         x \"$1\" \"$2\"\n}\n",
    );
    for (cg, _, marker, _) in &layouts {
        script.push_str(&format!("run '{}' {marker}\n", cg.procs().display()));
    }
    script.push_str("cat /etc/hostname > /dev/null\n");
    let path = dir.path().join("containers.sh");
    std::fs::write(&path, script).unwrap();
    let o = capture(&out, &[], &["sh", path.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let t = read(&out);

    for (cg, id, marker, runtime) in &layouts {
        let inside: Vec<&Ev> = t.events.iter().filter(|e| e.cgroup == cg.path).collect();
        assert!(
            !inside.is_empty(),
            "{marker}: no events in cgroup {}",
            cg.path
        );
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
            .filter(|e| e.vpid == 1 && e.pid != 1 && e.cgroup == cg.path)
            .map(|e| e.pid)
            .collect();
        for e in t.events.iter().filter(|e| ns_pids.contains(&e.pid)) {
            assert_eq!(e.container.as_deref(), Some(&id[..12]), "{marker}: {e:?}");
        }
    }
    // The script's own shell and the rest of the machine are on the host.
    let host_cat = t
        .events
        .iter()
        .filter(|e| e.ty == "execve" && e.comm == "cat" && e.res == 0)
        .filter(|e| e.container.is_none())
        .count();
    assert!(host_cat >= 1, "the last cat ran on the host");
    let script_sh = t
        .events
        .iter()
        .find(|e| {
            e.ty == "execve"
                && e.comm == "sh"
                && e.args.first().is_some_and(|a| a.ends_with("containers.sh"))
        })
        .expect("the script's shell");
    assert_eq!(script_sh.container, None);
    assert_eq!(
        t.events
            .iter()
            .filter(|e| e.container.is_some() && !layouts.iter().any(|l| e.cgroup == l.0.path))
            .count(),
        0,
        "no event outside the fake cgroups is in a container"
    );
}
