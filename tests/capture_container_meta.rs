//! Container metadata from a Docker-API runtime: name, image, repository, tag, image id and
//! digest, privileged, user, ip, labels (k8s pod name and namespace), mounts; and
//! `container.start_ts` from the kernel (the pid namespace's init).
//!
//! No Docker engine runs here, so the test serves the Engine API itself on a unix socket: a
//! test double of an external daemon (not of the kernel) answering `GET /containers/{id}/json`
//! and `GET /images/{image}/json` with the JSON shapes Docker sends (chunked, as Docker's Go
//! server sends large answers). It answers late, so the first events of the container are
//! written without metadata (missing, as in Falco) and the later ones with it: a slow daemon
//! never holds up the events.

mod capture_support;

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixListener;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use capture_support::*;

const IMAGE_ID: &str = "b0e7a9ba0f9f1a2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4";
const DIGEST: &str = "sha256:7c3ef5e4a1d0c2b3a4958677e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7";
/// How long the fake daemon takes to answer about the container.
const ANSWER_DELAY: Duration = Duration::from_millis(800);

/// `GET /containers/{id}/json` as Docker 26 answers it (fields rtsec does not read trimmed to
/// a representative few).
fn inspect_json(id: &str) -> String {
    let long = "x".repeat(150);
    format!(
        r#"{{"Id":"{id}","Created":"2026-11-29T20:00:00.123456789Z","Path":"sh","Args":["-c","sleep 1"],
"State":{{"Status":"running","Running":true,"Paused":false,"Restarting":false,"OOMKilled":false,"Dead":false,"Pid":4242,"ExitCode":0,"Error":"","StartedAt":"2026-11-29T20:00:01.5Z","FinishedAt":"0001-01-01T00:00:00Z"}},
"Image":"sha256:{IMAGE_ID}","ResolvConfPath":"/var/lib/docker/containers/{id}/resolv.conf","HostnamePath":"/var/lib/docker/containers/{id}/hostname",
"Name":"/web-1","RestartCount":0,"Driver":"overlay2","Platform":"linux","MountLabel":"","ProcessLabel":"","AppArmorProfile":"",
"HostConfig":{{"Binds":["/var/run/docker.sock:/var/run/docker.sock"],"NetworkMode":"bridge","PortBindings":{{}},"Privileged":true,"PidMode":"","IpcMode":"private","Memory":0,"CpuShares":0,"ReadonlyRootfs":false}},
"Mounts":[{{"Type":"bind","Source":"/var/run/docker.sock","Destination":"/var/run/docker.sock","Mode":"","RW":true,"Propagation":"rprivate"}},
{{"Type":"volume","Name":"data","Source":"/var/lib/docker/volumes/data/_data","Destination":"/data","Driver":"local","Mode":"z","RW":false,"Propagation":""}}],
"Config":{{"Hostname":"{short}","Domainname":"","User":"nginx","AttachStdin":false,"Tty":false,"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","NGINX_VERSION=1.25.3"],
"Cmd":["nginx","-g","daemon off;"],"Image":"nginx:1.25","Volumes":null,"WorkingDir":"","Entrypoint":["/docker-entrypoint.sh"],
"Labels":{{"io.kubernetes.pod.name":"web-1","io.kubernetes.pod.namespace":"shop","maintainer":"NGINX Docker Maintainers","too.long":"{long}"}}}},
"NetworkSettings":{{"Bridge":"","SandboxID":"5f1c","Ports":{{"80/tcp":null}},"Gateway":"172.17.0.1","IPAddress":"172.17.0.2","IPPrefixLen":16,"MacAddress":"02:42:ac:11:00:02",
"Networks":{{"bridge":{{"IPAMConfig":null,"NetworkID":"9a8b","EndpointID":"7c6d","Gateway":"172.17.0.1","IPAddress":"172.17.0.2","IPPrefixLen":16}}}}}}}}"#,
        short = &id[..12]
    )
}

/// `GET /images/{image}/json`.
fn image_json() -> String {
    format!(
        r#"{{"Id":"sha256:{IMAGE_ID}","RepoTags":["nginx:1.25","registry.local:5000/nginx:prod"],"RepoDigests":["nginx@{DIGEST}"],"Parent":"","Comment":"","Created":"2026-10-01T00:00:00Z","Architecture":"amd64","Os":"linux","Size":187000000}}"#
    )
}

/// Writes `body` as a chunked HTTP/1.1 answer.
fn answer(s: &mut impl Write, status: &str, body: &str) {
    let _ = write!(
        s,
        "HTTP/1.1 {status}\r\nApi-Version: 1.45\r\nContent-Type: application/json\r\nDocker-Experimental: false\r\nOstype: linux\r\nServer: Docker/26.1.0 (linux)\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    for part in body.as_bytes().chunks(1000) {
        let _ = write!(s, "{:x}\r\n", part.len());
        let _ = s.write_all(part);
        let _ = s.write_all(b"\r\n");
    }
    let _ = s.write_all(b"0\r\n\r\n");
}

/// Serves the Engine API on `sock` for `known` until `stop` (at most 60 s, 50 requests).
fn fake_docker(
    sock: &Path,
    known: String,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<Vec<String>> {
    let l = UnixListener::bind(sock).unwrap();
    l.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let mut seen = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        while !stop.load(Ordering::Acquire) && Instant::now() < deadline && seen.len() < 50 {
            let Ok((s, _)) = l.accept() else {
                std::thread::sleep(Duration::from_millis(10));
                continue;
            };
            s.set_nonblocking(false).unwrap();
            let mut r = BufReader::new(s);
            let mut line = String::new();
            r.read_line(&mut line).unwrap();
            loop {
                let mut h = String::new();
                if r.read_line(&mut h).unwrap() <= 2 {
                    break;
                }
            }
            let path = line.split(' ').nth(1).unwrap_or("").to_string();
            seen.push(path.clone());
            let mut s = r.into_inner();
            if path == format!("/containers/{known}/json") {
                std::thread::sleep(ANSWER_DELAY);
                answer(&mut s, "200 OK", &inspect_json(&known));
            } else if path == format!("/images/sha256:{IMAGE_ID}/json") {
                answer(&mut s, "200 OK", &image_json());
            } else {
                answer(
                    &mut s,
                    "404 Not Found",
                    &format!(r#"{{"message":"No such container: {path}"}}"#),
                );
            }
        }
        seen
    })
}

#[test]
fn metadata_from_a_docker_api_runtime_reaches_the_containers_later_events() {
    if !can_capture() {
        return;
    }
    let dir = tempdir();
    let out = dir.path().join("t.rts");
    let sock = dir.path().join("docker.sock");
    let (id, stranger) = (container_id(11), container_id(12));
    let stop = Arc::new(AtomicBool::new(false));
    let server = fake_docker(&sock, id.clone(), stop.clone());
    // Each container: v2 and (where there is one) v1 memory cgroups in docker's layout.
    let cg = FakeCgroup::create(&format!("docker/{id}"));
    let cg1 = FakeCgroupV1::create("memory", &format!("docker/{id}"));
    let other = FakeCgroup::create(&format!("docker/{stranger}"));
    let other1 = FakeCgroupV1::create("memory", &format!("docker/{stranger}"));
    let join = |v2: &FakeCgroup, v1: &Option<FakeCgroupV1>| {
        let mut s = format!("echo $$ > {}", v2.procs().display());
        if let Some(v1) = v1 {
            s.push_str(&format!(" && echo $$ > {}", v1.procs().display()));
        }
        s
    };
    // The container's init (unshare --fork: pid 1 of a new pid namespace) reads a file at once,
    // then again after the daemon has answered.
    let script = format!(
        "sh -c '{} && exec unshare --pid --fork sh -c \"cat /etc/hostname > /dev/null; sleep 2; \
         cat /etc/os-release > /dev/null\"'; sh -c '{} && cat /etc/hostname > /dev/null'",
        join(&cg, &cg1),
        join(&other, &other1),
    );
    let o = capture(
        &out,
        &["--runtime-socket", sock.to_str().unwrap()],
        &["sh", "-c", &script],
    );
    stop.store(true, Ordering::Release);
    let requests = server.join().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    let t = read(&out);
    assert!(
        t.header
            .settings
            .extra
            .contains(&format!("container_runtime={}", sock.display())),
        "{:?}",
        t.header.settings.extra
    );
    assert!(
        requests.contains(&format!("/containers/{id}/json")),
        "{requests:?}"
    );
    assert!(
        requests.contains(&format!("/containers/{stranger}/json")),
        "{requests:?}"
    );
    // The stranger's 404 may still be on its way when the capture ends.
    assert!(
        stderr.contains("container metadata: 2 containers asked, 1 described, 1 unknown")
            || stderr.contains(
                "2 containers asked, 1 described, 0 unknown to the runtimes, 1 unanswered"
            ),
        "{stderr}"
    );

    let mine: Vec<&Ev> = t
        .events
        .iter()
        .filter(|e| e.container.as_deref() == Some(&id[..12]))
        .collect();
    let open_of = |path: &str| {
        mine.iter()
            .find(|e| e.ty == "openat" && e.paths.first().is_some_and(|p| p.1 == path))
            .copied()
            .unwrap_or_else(|| panic!("no openat of {path} in the container"))
    };
    // Before the daemon answered: the metadata fields are missing.
    let early = open_of("/etc/hostname");
    assert_eq!(early.container_meta, None, "no metadata before the answer");
    // After: everything the runtime said.
    let late = open_of("/etc/os-release");
    let m = late
        .container_meta
        .as_ref()
        .expect("metadata after the answer arrived");
    assert_eq!(late.container_runtime.as_deref(), Some("docker"));
    assert_eq!(m.name, "web-1");
    assert_eq!(m.image, "nginx:1.25");
    assert_eq!(m.repository, "nginx");
    assert_eq!(m.tag, "1.25");
    assert_eq!(m.image_id, IMAGE_ID);
    assert_eq!(m.digest, DIGEST);
    assert_eq!(m.privileged, Some(true));
    assert_eq!(m.user, "nginx");
    assert_eq!(m.ip, Some("172.17.0.2".parse().unwrap()));
    let labels: Vec<(&str, &str)> = m
        .labels
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        labels,
        vec![
            ("io.kubernetes.pod.name", "web-1"),
            ("io.kubernetes.pod.namespace", "shop"),
            ("maintainer", "NGINX Docker Maintainers"),
        ],
        "labels longer than 100 bytes are left out"
    );
    assert_eq!(
        m.mounts,
        vec![
            (
                "/var/run/docker.sock".into(),
                "/var/run/docker.sock".into(),
                String::new(),
                true,
                "rprivate".into()
            ),
            (
                "/var/lib/docker/volumes/data/_data".into(),
                "/data".into(),
                "z".into(),
                false,
                String::new()
            ),
        ]
    );
    // container.start_ts: the start of the pid namespace's init (the shell unshare forked).
    let init = mine
        .iter()
        .find(|e| e.vpid == 1)
        .expect("an event of the namespace's init");
    let init_start = t
        .events
        .iter()
        .filter(|e| e.pid == init.pid)
        .map(|e| e.pidns_init_start_ts)
        .find(|&s| s > 0)
        .expect("the init's events carry container.start_ts");
    assert_eq!(late.pidns_init_start_ts, init_start);
    assert!(late.ts > init_start && late.ts - init_start < 10_000_000_000);
    // The stranger's container is unknown to the runtime: its events never get metadata.
    assert!(
        t.events
            .iter()
            .filter(|e| e.container.as_deref() == Some(&stranger[..12]))
            .all(|e| e.container_meta.is_none())
    );
    drop((cg, cg1, other, other1));
}
