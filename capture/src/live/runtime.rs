//! Container metadata from the container runtimes, asked on a thread of its own so that a slow
//! or stuck daemon never holds up the events: a container's records get their name, image,
//! labels, mounts, … once the answer arrives; before that those fields are missing, as in
//! Falco's container plugin.
//!
//! Speaks the Docker Engine API (which podman serves too) over its unix sockets: plain HTTP/1.1,
//! `GET /containers/{id}/json` and then `GET /images/{image}/json` for the repository, tag and
//! digest, read as the plugin's docker engine reads them. CRI runtimes (containerd, cri-o) speak
//! gRPC and are not asked.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, unbounded};
use rtsec_format::{ContainerInfo, record::MountInfo};
use serde_json::Value;

/// Where Docker and podman listen by default.
pub const DEFAULT_SOCKETS: &[&str] = &["/var/run/docker.sock", "/run/podman/podman.sock"];

/// Longest answer read from a daemon.
const MAX_RESPONSE: u64 = 8 << 20;
/// How long one request may take before the daemon is given up on for that container.
const TIMEOUT: Duration = Duration::from_secs(3);
/// Labels longer than this are left out (Falco's `labels_max_len` default).
const MAX_LABEL_LEN: usize = 100;

/// What the metadata thread did, for the capture summary.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuntimeStats {
    /// Containers whose metadata was asked for.
    pub asked: u64,
    /// Containers a runtime described.
    pub answered: u64,
    /// Containers no runtime knew (every socket answered 404, or failed).
    pub unknown: u64,
    /// The last error talking to a runtime, if any (socket, reason).
    pub last_error: Option<String>,
}

/// A finished lookup: the container record with its metadata, or nothing.
enum Answer {
    Found(Box<ContainerInfo>),
    Unknown(Option<String>),
}

/// Asks the runtimes about containers on a background thread.
pub struct Runtimes {
    sockets: Vec<PathBuf>,
    ask: Sender<ContainerInfo>,
    answers: Receiver<Answer>,
    asked: HashSet<Vec<u8>>,
    /// Ends by itself once `ask` is dropped and the last answer is sent (or not taken).
    _thread: JoinHandle<()>,
    pub stats: RuntimeStats,
}

impl Runtimes {
    /// Starts the metadata thread for the sockets of `candidates` that exist; `None` if none
    /// does (then nothing is ever asked).
    pub fn start(candidates: &[PathBuf]) -> Option<Runtimes> {
        let sockets: Vec<PathBuf> = candidates.iter().filter(|p| p.exists()).cloned().collect();
        if sockets.is_empty() {
            return None;
        }
        let (ask, requests) = unbounded::<ContainerInfo>();
        let (tx, answers) = unbounded();
        let socks = sockets.clone();
        let thread = std::thread::Builder::new()
            .name("rtsec-runtimes".into())
            .spawn(move || {
                for c in requests {
                    if tx.send(lookup(&socks, c)).is_err() {
                        return;
                    }
                }
            })
            .ok()?;
        Some(Runtimes {
            sockets,
            ask,
            answers,
            asked: HashSet::new(),
            _thread: thread,
            stats: RuntimeStats::default(),
        })
    }

    /// The sockets being asked.
    pub fn sockets(&self) -> &[PathBuf] {
        &self.sockets
    }

    /// Asks for the metadata of container `c` once (only ids a Docker-API runtime can have: 64
    /// hex digits).
    pub fn ask(&mut self, c: &ContainerInfo) {
        if c.name.is_some() || !is_engine_id(&c.full_id) || self.asked.contains(&c.full_id) {
            return;
        }
        self.asked.insert(c.full_id.clone());
        self.stats.asked += 1;
        let _ = self.ask.send(c.clone());
    }

    /// Answers that arrived since the last call, without waiting.
    pub fn arrived(&mut self) -> Vec<ContainerInfo> {
        let mut out = Vec::new();
        while let Ok(a) = self.answers.try_recv() {
            self.count(a, &mut out);
        }
        out
    }

    fn count(&mut self, a: Answer, out: &mut Vec<ContainerInfo>) {
        match a {
            Answer::Found(c) => {
                self.stats.answered += 1;
                out.push(*c);
            }
            Answer::Unknown(err) => {
                self.stats.unknown += 1;
                if err.is_some() {
                    self.stats.last_error = err;
                }
            }
        }
    }
}

fn is_engine_id(id: &[u8]) -> bool {
    id.len() == 64 && id.iter().all(u8::is_ascii_hexdigit)
}

/// Asks every socket in turn about `c`.
fn lookup(sockets: &[PathBuf], c: ContainerInfo) -> Answer {
    let id = String::from_utf8_lossy(&c.full_id).into_owned();
    let mut err = None;
    for s in sockets {
        match get_json(s, &format!("/containers/{id}/json")) {
            Ok(Some(ctr)) => {
                let image = ctr
                    .get("Image")
                    .and_then(Value::as_str)
                    .filter(|i| !i.is_empty())
                    .and_then(|i| get_json(s, &format!("/images/{i}/json")).ok().flatten());
                return Answer::Found(Box::new(describe(c, engine_name(s), &ctr, image.as_ref())));
            }
            Ok(None) => {}
            Err(e) => err = Some(format!("{}: {e}", s.display())),
        }
    }
    Answer::Unknown(err)
}

/// `docker` or `podman`, from the socket's name.
fn engine_name(socket: &Path) -> &'static str {
    if socket.to_string_lossy().contains("podman") {
        "podman"
    } else {
        "docker"
    }
}

/// The container record `c` with the metadata of a `GET /containers/{id}/json` answer (and of
/// its image's `GET /images/{image}/json`).
pub fn describe(
    mut c: ContainerInfo,
    engine: &str,
    ctr: &Value,
    image: Option<&Value>,
) -> ContainerInfo {
    let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").as_bytes().to_vec();
    let config = ctr.get("Config");
    let host = ctr.get("HostConfig");
    c.id = 0; // a new version
    c.runtime = engine.as_bytes().to_vec();
    let name = text(ctr.get("Name"));
    c.name = Some(name.strip_prefix(b"/").unwrap_or(&name).to_vec());
    c.image = Some(text(config.and_then(|x| x.get("Image"))));
    let user = text(config.and_then(|x| x.get("User")));
    c.user = Some(user);
    c.privileged = Some(
        host.and_then(|h| h.get("Privileged"))
            .and_then(Value::as_bool)
            .unwrap_or(false),
    );
    // The image id is the part after `sha256:` of `Image`, when that is an id, not a name.
    let img = ctr.get("Image").and_then(Value::as_str).unwrap_or("");
    c.image_id = Some(if !img.contains('/') && img.contains(':') {
        img.split(':').nth(1).unwrap_or("").as_bytes().to_vec()
    } else {
        Vec::new()
    });
    let (repo, tag, digest) = image.map(repo_tag_digest).unwrap_or_default();
    c.image_repository = Some(repo.into_bytes());
    c.image_tag = Some(tag.into_bytes());
    c.image_digest = Some(digest.into_bytes());
    let mut labels: Vec<(Vec<u8>, Vec<u8>)> = config
        .and_then(|x| x.get("Labels"))
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| {
                    let v = v.as_str()?;
                    (v.len() <= MAX_LABEL_LEN)
                        .then(|| (k.as_bytes().to_vec(), v.as_bytes().to_vec()))
                })
                .collect()
        })
        .unwrap_or_default();
    labels.sort();
    c.labels = labels;
    c.mounts = ctr
        .get("Mounts")
        .and_then(Value::as_array)
        .map(|ms| {
            ms.iter()
                .map(|m| MountInfo {
                    source: text(m.get("Source")),
                    dest: text(m.get("Destination")),
                    mode: text(m.get("Mode")),
                    rw: m.get("RW").and_then(Value::as_bool).unwrap_or(false),
                    propagation: text(m.get("Propagation")),
                })
                .collect()
        })
        .unwrap_or_default();
    c.ip = ctr
        .get("NetworkSettings")
        .and_then(|n| n.get("IPAddress"))
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok());
    c
}

/// Repository, tag and digest of an image, as the container plugin reads them: the repository
/// of the first `RepoDigests` entry (else of the first `RepoTags` one), the digest of the entry
/// naming that repository, the tag of the `RepoTags` entry naming it.
fn repo_tag_digest(image: &Value) -> (String, String, String) {
    let list = |k: &str| -> Vec<&str> {
        image
            .get(k)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    };
    let (mut repo, mut tag, mut digest) = (String::new(), String::new(), String::new());
    let mut digests = Vec::new();
    for rd in list("RepoDigests") {
        let Some((r, d)) = rd.split_once('@').filter(|(_, d)| !d.contains('@')) else {
            continue;
        };
        if repo.is_empty() {
            repo = r.to_string();
        }
        digests.push(d);
        if rd.contains(repo.as_str()) {
            digest = d.to_string();
            break;
        }
    }
    if digest.is_empty() && digests.len() == 1 {
        digest = digests[0].to_string();
    }
    for rt in list("RepoTags") {
        let parts: Vec<&str> = rt.split(':').collect();
        if parts.len() != 2 {
            continue; // a registry with a port: skipped, as the plugin does
        }
        if repo.is_empty() {
            repo = parts[0].to_string();
        }
        if rt.contains(repo.as_str()) {
            tag = parts[1].to_string();
            break;
        }
    }
    (repo, tag, digest)
}

/// `GET path` on the Docker-API socket `socket`: the JSON body of a 200 answer, `None` for 404.
fn get_json(socket: &Path, path: &str) -> Result<Option<Value>, String> {
    let mut s = UnixStream::connect(socket).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(TIMEOUT))
        .map_err(|e| e.to_string())?;
    s.set_write_timeout(Some(TIMEOUT))
        .map_err(|e| e.to_string())?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: docker\r\nUser-Agent: rtsec\r\nAccept: application/json\r\n\
         Connection: close\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    s.take(MAX_RESPONSE)
        .read_to_end(&mut raw)
        .map_err(|e| e.to_string())?;
    let (status, body) = parse_response(&raw)?;
    match status {
        200 => serde_json::from_slice(&body)
            .map(Some)
            .map_err(|e| format!("GET {path}: bad JSON: {e}")),
        404 => Ok(None),
        s => Err(format!("GET {path}: HTTP {s}")),
    }
}

/// Status and body of an HTTP/1.1 response (`Content-Length`, chunked, or to the end).
pub fn parse_response(raw: &[u8]) -> Result<(u16, Vec<u8>), String> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("no end of headers in the answer")?;
    let head = std::str::from_utf8(&raw[..end]).map_err(|_| "headers are not UTF-8")?;
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .ok_or("no status line")?;
    let mut chunked = false;
    let mut length = None;
    for l in lines {
        let Some((k, v)) = l.split_once(':') else {
            continue;
        };
        let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
        if k == "transfer-encoding" && v.eq_ignore_ascii_case("chunked") {
            chunked = true;
        } else if k == "content-length" {
            length = v.parse::<usize>().ok();
        }
    }
    let rest = &raw[end + 4..];
    let body = if chunked {
        dechunk(rest)?
    } else if let Some(n) = length {
        rest.get(..n)
            .ok_or("the answer is shorter than its Content-Length")?
            .to_vec()
    } else {
        rest.to_vec()
    };
    Ok((status, body))
}

fn dechunk(mut rest: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let eol = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("a chunk size line is cut")?;
        let size = std::str::from_utf8(&rest[..eol])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next()?.trim(), 16).ok())
            .ok_or("bad chunk size")?;
        rest = &rest[eol + 2..];
        if size == 0 {
            return Ok(out);
        }
        out.extend_from_slice(rest.get(..size).ok_or("a chunk is cut")?);
        rest = rest.get(size + 2..).ok_or("a chunk is cut")?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_and_chunked_answers() {
        let plain =
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
        assert_eq!(parse_response(plain).unwrap(), (200, b"{}".to_vec()));
        let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{\"a\r\n4\r\n\":1}\r\n0\r\n\r\n";
        assert_eq!(
            parse_response(chunked).unwrap(),
            (200, b"{\"a\":1}".to_vec())
        );
        let missing = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
        assert_eq!(parse_response(missing).unwrap().0, 404);
        assert!(parse_response(b"HTTP/1.1 200 OK\r\n").is_err());
        assert!(
            parse_response(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n").is_err()
        );
    }

    #[test]
    fn reads_repository_tag_and_digest_like_the_plugin() {
        let img: Value = serde_json::json!({
            "RepoTags": ["localhost:5000/x:1", "nginx:1.25", "nginx:latest"],
            "RepoDigests": ["nginx@sha256:abc"]
        });
        assert_eq!(
            repo_tag_digest(&img),
            ("nginx".into(), "1.25".into(), "sha256:abc".into())
        );
        let untagged: Value = serde_json::json!({"RepoTags": [], "RepoDigests": []});
        assert_eq!(repo_tag_digest(&untagged), Default::default());
    }
}
