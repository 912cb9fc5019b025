//! User and group tables from `/etc/passwd` and `/etc/group`: the host's, and each container's
//! through `/proc/PID/root` of a process inside it.

use rtsec_format::ContainerInfo;

use crate::state::users::{GroupEntry, PasswdEntry, parse_group, parse_passwd};

/// Reads the tables under `root` (`/` for the host, `/proc/PID/root` for a container).
pub fn read_tables(root: &str) -> Option<(Vec<PasswdEntry>, Vec<GroupEntry>)> {
    let passwd = std::fs::read(format!("{root}/etc/passwd")).ok()?;
    let group = std::fs::read(format!("{root}/etc/group")).unwrap_or_default();
    Some((parse_passwd(&passwd), parse_group(&group)))
}

/// The loader live capture installs in the state engine.
pub fn loader(
    container: Option<&ContainerInfo>,
    pid: i64,
) -> Option<(Vec<PasswdEntry>, Vec<GroupEntry>)> {
    match container {
        None => read_tables(""),
        Some(_) => read_tables(&format!("/proc/{pid}/root")),
    }
}
