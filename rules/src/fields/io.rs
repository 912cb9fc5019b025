//! What the driver's event table says of an event type that `evt.is_io`, `evt.io_dir`,
//! `evt.is_wait` and the error counts need: whether it reads from or writes to an fd
//! (`EF_READS_FROM_FD`, `EF_WRITES_TO_FD`), whether it makes the thread wait (`EF_WAITS`),
//! and which events make an fd (for the error counts of a call that failed before it had one).

/// Event types (Falco's names) flagged `EF_READS_FROM_FD`.
const READS: &[&str] = &[
    "read",
    "readv",
    "pread",
    "preadv",
    "recv",
    "recvfrom",
    "recvmsg",
    "recvmmsg",
    "finit_module",
    "copy_file_range",
];

/// Event types flagged `EF_WRITES_TO_FD`.
const WRITES: &[&str] = &[
    "write",
    "writev",
    "pwrite",
    "pwritev",
    "send",
    "sendto",
    "sendmsg",
    "sendmmsg",
    "copy_file_range",
];

/// Event types of the I/O categories (`EC_IO_READ`, `EC_IO_WRITE`, `EC_IO_OTHER`), whose
/// return value `evt.buflen` gives.
const IO_CATEGORY: &[&str] = &[
    "read", "readv", "pread", "preadv", "recv", "recvfrom", "recvmsg", "recvmmsg", "write",
    "writev", "pwrite", "pwritev", "send", "sendto", "sendmsg", "sendmmsg", "sendfile", "close",
    "dup", "dup2", "dup3", "fcntl", "ioctl", "splice",
];

/// Event types flagged `EF_WAITS`.
const WAITS: &[&str] = &["epoll_wait", "nanosleep", "poll", "ppoll", "select"];

/// Opens, whose failed calls count as file errors although they have no fd.
pub(crate) const OPENS: &[&str] = &["open", "openat", "openat2", "creat", "open_by_handle_at"];

/// Accepts and connects, whose failed calls count as network errors.
pub(crate) const CONNECTS: &[&str] = &["accept", "accept4", "connect"];

pub(crate) fn reads(ty: &str) -> bool {
    READS.contains(&ty)
}

pub(crate) fn writes(ty: &str) -> bool {
    WRITES.contains(&ty)
}

pub(crate) fn waits(ty: &str) -> bool {
    WAITS.contains(&ty)
}

/// True for an event of an I/O category (see [`IO_CATEGORY`]).
pub(crate) fn is_io_category(ev: &rtsec_format::EventView<'_>) -> bool {
    IO_CATEGORY.contains(&crate::evttype::type_name(ev))
}
