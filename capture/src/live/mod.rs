//! What is specific to the live eBPF source: draining the ring, decoding kernel records into
//! state-engine input, the `/proc` scan, cgroup ids to paths, users from `/etc/passwd`,
//! container metadata from the runtimes, DNS answers and interface addresses recorded at start.

pub mod args;
pub mod cgroups;
pub mod decode;
pub mod dns;
pub mod interfaces;
pub mod ring;
pub mod runtime;
pub mod scan;
pub mod users;
