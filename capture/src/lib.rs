//! Live capture for rtsec: loads the eBPF probe, drains its ring buffer, runs the events through
//! the state engine and writes an `.rts` trace.
//!
//! - [`probe`]: BTF offsets, loading and attaching the kernel programs, drop counters.
//! - [`state`]: the source-neutral state engine (processes, fds, paths, containers, users),
//!   shared with other sources such as the `.scap` importer.
//! - [`live`]: what is specific to the eBPF source: the ring consumer, decoding kernel records
//!   into state-engine input, the `/proc` scan, cgroup ids to paths.
//! - [`session`]: a whole capture run, from `CaptureOptions` to a finished file.

pub mod error;
pub mod import;
pub mod live;
pub mod probe;
pub mod rotation;
pub mod session;
pub mod state;
pub mod syscall_set;

pub use error::CaptureError;
pub use rotation::Rotation;
/// Bytes of a data buffer a capture keeps by default (Falco's snaplen), and the most it can.
pub use rtsec_ebpf_common::{SNAPLEN as DEFAULT_SNAPLEN, config::MAX_SNAPLEN};
pub use session::{Capture, CaptureOptions, Status, Summary};
