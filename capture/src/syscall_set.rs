//! Which syscalls a capture records (`--syscalls default|all|LIST`).

use rtsec_format::{Kind, syscalls};

use crate::error::CaptureError;

/// Syscalls with an event kind that the default set leaves out because they are very frequent
/// and no Falco rule refers to them.
const NOISY: &[Kind] = &[
    Kind::Read,
    Kind::Write,
    Kind::Pread,
    Kind::Pwrite,
    Kind::Readv,
    Kind::Writev,
    Kind::Preadv,
    Kind::Pwritev,
    Kind::Mmap,
    Kind::Mprotect,
    Kind::Fcntl,
];

/// The default set: every syscall with an event kind of its own (which covers every event type
/// the Falco stable, incubating and sandbox rules name, plus what the state engine needs to
/// follow processes, fds and cwds), except the read and write families, mmap, mprotect and
/// fcntl.
pub fn default_set() -> Vec<u16> {
    let mut v: Vec<u16> = Kind::ALL
        .iter()
        .filter(|k| !NOISY.contains(k))
        .flat_map(|k| k.syscalls().iter().copied())
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Every syscall number this machine's table knows.
pub fn all() -> Vec<u16> {
    syscalls::X86_64.iter().map(|&(nr, _)| nr).collect()
}

/// Parses `default`, `all`, or a comma-separated list of names (which may include `default`,
/// e.g. `default,read,write`): the kernel's syscall names, and Falco's where they differ
/// (`pread` for pread64).
pub fn parse(spec: &str) -> Result<Vec<u16>, CaptureError> {
    let mut v = Vec::new();
    for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match item {
            "default" => v.extend(default_set()),
            "all" => v.extend(all()),
            name => match syscalls::number(name) {
                Some(nr) => v.push(nr),
                // Falco's event name where it differs from the kernel's (pread for pread64).
                None => match Kind::from_name(name).filter(|k| !k.syscalls().is_empty()) {
                    Some(k) => v.extend(k.syscalls()),
                    None => return Err(CaptureError::UnknownSyscall(name.into())),
                },
            },
        }
    }
    if v.is_empty() {
        return Err(CaptureError::UnknownSyscall(spec.into()));
    }
    v.sort_unstable();
    v.dedup();
    Ok(v)
}

/// Names of `set`, for the trace header.
pub fn names(set: &[u16]) -> Vec<String> {
    set.iter()
        .map(|&nr| syscalls::name(nr).map_or_else(|| format!("syscall_{nr}"), str::to_string))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every event type the bundled Falco rules files name (`evt.type` values, collected from
    /// `../shared/falco-rules/*.yaml`) is in the default set.
    #[test]
    fn default_covers_the_falco_rules() {
        let d = default_set();
        for name in [
            "accept",
            "accept4",
            "bpf",
            "chmod",
            "connect",
            "creat",
            "dup",
            "dup2",
            "dup3",
            "execve",
            "execveat",
            "fchmod",
            "fchmodat",
            "finit_module",
            "init_module",
            "link",
            "linkat",
            "listen",
            "mkdir",
            "mkdirat",
            "open",
            "openat",
            "openat2",
            "ptrace",
            "recvfrom",
            "recvmsg",
            "rename",
            "renameat",
            "renameat2",
            "rmdir",
            "sendmsg",
            "sendto",
            "setns",
            "setuid",
            "socket",
            "symlink",
            "symlinkat",
            "unlink",
            "unlinkat",
            "unshare",
            "userfaultfd",
            "memfd_create",
            "mount",
            "chdir",
            "clone",
            "close",
        ] {
            let nr = syscalls::number(name).unwrap();
            assert!(d.contains(&nr), "{name} missing from the default set");
        }
        assert!(!d.contains(&syscalls::number("read").unwrap()));
        assert!(!d.contains(&syscalls::number("getppid").unwrap()));
    }

    #[test]
    fn parses_lists() {
        assert_eq!(parse("getppid").unwrap(), vec![110]);
        let d = parse("default,read").unwrap();
        assert!(d.contains(&0) && d.contains(&257));
        assert!(parse("all").unwrap().len() > 300);
        assert!(matches!(parse("nosuch"), Err(CaptureError::UnknownSyscall(n)) if n == "nosuch"));
        assert!(parse(" , ").is_err());
        // Falco's names of pread64 and pwrite64 name them too.
        assert_eq!(parse("pread,pwrite64").unwrap(), vec![17, 18]);
        assert!(parse("syscall").is_err());
    }
}
