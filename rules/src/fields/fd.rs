//! File-descriptor fields: the event's fd record, or what a failed open tells (§6.4).

use rtsec_format::{Args, EventView, FdType, Kind, L4Proto, wire::Fd};

/// Events Falco gives fd fields to (`EF_CREATES_FD | EF_USES_FD | EF_DESTROYS_FD` on their
/// exit event). execve, link, symlink, ptrace, … have none: `fd.name` is `<NA>` there.
#[inline(always)]
pub(crate) fn kind_has_fd(kind: Kind) -> bool {
    use Kind as K;
    kind.moves_data()
        || matches!(
            kind,
            K::Open
                | K::Openat
                | K::Openat2
                | K::Creat
                | K::OpenByHandleAt
                | K::Close
                | K::Connect
                | K::Accept
                | K::Accept4
                | K::Bind
                | K::Listen
                | K::Socket
                | K::Socketpair
                | K::Dup
                | K::Dup2
                | K::Dup3
                | K::Fchdir
                | K::Fchmod
                | K::Fchmodat
                | K::Fchown
                | K::Fchownat
                | K::Unlinkat
                | K::Mkdirat
                | K::Symlinkat
                | K::Mmap
                | K::FinitModule
                | K::Setns
                | K::Fcntl
                | K::MemfdCreate
                | K::Pipe
                | K::Pipe2
                | K::Bpf
                | K::Userfaultfd
                | K::IoUringSetup
        )
}

/// What fd fields are read from.
pub(crate) enum FdView<'e> {
    Rec(&'e Fd),
    /// An open without an fd record (it failed): name from the path argument.
    Derived {
        name: &'e [u8],
        nameraw: &'e [u8],
        typechar: u8,
        num: i64,
    },
}

#[inline(always)]
pub(crate) fn view<'e>(ev: &EventView<'e>) -> Option<FdView<'e>> {
    let kind = ev.kind();
    if kind == Kind::Generic {
        // The capture attaches a record to the generically recorded syscalls libsinsp gives
        // an fd (fstat, writev, ioctl, …).
        return ev.fd().map(FdView::Rec);
    }
    if !kind_has_fd(kind) {
        return None;
    }
    if let Some(fd) = ev.fd() {
        return Some(FdView::Rec(fd));
    }
    if let Args::Open { path, .. } = ev.args() {
        // libsinsp's typechar-from-event knows openat, openat2 and creat, not plain open.
        let typechar = match kind {
            Kind::Openat | Kind::Openat2 | Kind::Creat => b'f',
            _ => b'o',
        };
        let res = ev.event.res;
        return Some(FdView::Derived {
            name: ev.str(path.resolved),
            nameraw: ev.str(path.raw),
            typechar,
            num: if res < 0 { -1 } else { res },
        });
    }
    None
}

/// The two fds a successful pipe, pipe2 or socketpair made. libsinsp adds the first, then the
/// second to its table, and adding an fd makes it the event's (`add_fd` sets
/// `m_lastevent_fd`): its `fd.num` is the second; both ends share their fd fields.
pub(crate) fn pair(ev: &EventView<'_>) -> Option<(i64, i64)> {
    if ev.event.res < 0 {
        return None;
    }
    match ev.args() {
        Args::Pipe { fd1, fd2, .. } => Some((*fd1, *fd2)),
        Args::Socketpair { fd1, fd2, .. } => Some((*fd1, *fd2)),
        _ => None,
    }
}

/// True for an fd event (one with an `fd.num`) of a known process whose fd the trace has no
/// record of: libsinsp gives it an empty name (`extract_from_null_fd`).
#[cold]
pub(crate) fn unknown(ev: &EventView<'_>) -> bool {
    view(ev).is_none() && num(ev).is_some() && ev.process().is_some()
}

/// `fd.num`: the fd of the event's record, else the fd argument it used (libsinsp reports the
/// event's fd even when its table has no entry for it).
#[inline(always)]
pub(crate) fn num(ev: &EventView<'_>) -> Option<i64> {
    if let Some(v) = view(ev) {
        return Some(pair(ev).map_or(v.num(), |(_, second)| second));
    }
    let kind = ev.kind();
    if kind == Kind::Generic {
        return generic_fd(ev);
    }
    if !kind_has_fd(kind) {
        return None;
    }
    match ev.args() {
        Args::Io { fd, .. }
        | Args::Fd { fd }
        | Args::Connect { fd, .. }
        | Args::Listen { fd, .. }
        | Args::Fcntl { fd, .. }
        | Args::FinitModule { fd, .. } => Some(*fd),
        Args::Dup { oldfd, .. } => Some(*oldfd),
        Args::Mmap { fd, .. } if kind == Kind::Mmap => Some(*fd),
        Args::Namespace { fd, .. } if kind == Kind::Setns => Some(*fd),
        Args::Path { dirfd, .. } | Args::Chown { dirfd, .. } => Some(*dirfd),
        _ => None,
    }
}

/// The fd argument of a generically recorded syscall that libsinsp gives an fd (its first
/// argument; `rtsec_format::syscalls::first_arg_is_fd`), when the capture recorded the arguments.
fn generic_fd(ev: &EventView<'_>) -> Option<i64> {
    let Args::Generic { nr, args } = ev.args() else {
        return None;
    };
    let uses_fd = rtsec_format::syscalls::first_arg_is_fd(*nr);
    (uses_fd && ev.event.flags & rtsec_format::wire::event_flags::ARG_UNREADABLE == 0)
        .then_some(args[0] as i64)
}

/// libsinsp's `sinsp_fdinfo::get_l4proto`, behind `fd.l4proto` and the protocol letter of a
/// resolved fd parameter: an fd that is not an IP socket, and an IP socket other than a raw one
/// without a role yet (created, not connected, accepted or bound), have none (`Unknown`).
pub(crate) fn l4proto(r: &Fd) -> L4Proto {
    let ip = matches!(r.ty, FdType::Ipv4 | FdType::Ipv6);
    let no_role = r.client.is_none() && r.server.is_none();
    match r.l4proto {
        _ if !ip => L4Proto::Unknown,
        L4Proto::Raw => L4Proto::Raw,
        _ if no_role => L4Proto::Unknown,
        p => p,
    }
}

/// `fd.typechar`: the record's type, else what libsinsp guesses from an fd event without one
/// (a failed accept or socket is `4`, a failed pipe `p`, anything else `o`).
#[inline(always)]
pub(crate) fn typechar_of(ev: &EventView<'_>) -> Option<u8> {
    if let Some(v) = view(ev) {
        return Some(v.typechar());
    }
    match ev.kind() {
        Kind::Accept | Kind::Accept4 | Kind::Socket => Some(b'4'),
        Kind::Pipe | Kind::Pipe2 => Some(b'p'),
        _ => num(ev).map(|_| b'o'),
    }
}

impl<'e> FdView<'e> {
    /// An open that failed: libsinsp has no fd record for it (only its name and type).
    pub fn failed_open(&self) -> bool {
        match self {
            FdView::Rec(fd) => fd.num < 0,
            FdView::Derived { .. } => true,
        }
    }
    #[inline(always)]
    pub fn name(&self, ev: &EventView<'e>) -> &'e [u8] {
        match self {
            FdView::Rec(fd) => ev.str(fd.name),
            FdView::Derived { name, .. } => name,
        }
    }
    #[inline(always)]
    pub fn nameraw(&self, ev: &EventView<'e>) -> &'e [u8] {
        match self {
            FdView::Rec(fd) => ev.str(fd.nameraw),
            FdView::Derived { nameraw, .. } => nameraw,
        }
    }
    pub fn typechar(&self) -> u8 {
        match self {
            FdView::Rec(fd) => typechar(fd.ty),
            FdView::Derived { typechar, .. } => *typechar,
        }
    }
    pub fn num(&self) -> i64 {
        match self {
            FdView::Rec(fd) => fd.num,
            FdView::Derived { num, .. } => *num,
        }
    }
    /// True for regular files (and derived open paths, which name files).
    pub fn is_file(&self) -> bool {
        match self {
            FdView::Rec(fd) => fd.ty == FdType::File,
            FdView::Derived { .. } => true,
        }
    }
    pub fn is_dir(&self) -> bool {
        matches!(self, FdView::Rec(fd) if fd.ty == FdType::Directory)
    }
    /// The fd's record; `None` for a failed open, which libsinsp has no fd for (its
    /// `fd.type`, `fd.connected`, `fd.ino`, … are missing).
    pub fn rec(&self) -> Option<&'e Fd> {
        match self {
            FdView::Rec(fd) if fd.num >= 0 => Some(fd),
            _ => None,
        }
    }
}

/// libsinsp's fd type characters.
pub(crate) fn typechar(t: FdType) -> u8 {
    match t {
        FdType::Unknown => b'o',
        FdType::File => b'f',
        FdType::Directory => b'd',
        FdType::Ipv4 => b'4',
        FdType::Ipv6 => b'6',
        FdType::Unix => b'u',
        FdType::Pipe => b'p',
        FdType::Event => b'e',
        FdType::Signalfd => b's',
        FdType::EventPoll => b'l',
        FdType::Inotify => b'i',
        FdType::Timerfd => b't',
        FdType::Netlink => b'n',
        FdType::Bpf => b'b',
        FdType::Userfaultfd => b'u',
        FdType::IoUring => b'r',
        FdType::Memfd => b'm',
        FdType::Pidfd => b'P',
    }
}

/// A type character as a one-byte string.
pub(crate) fn typechar_str(c: u8) -> &'static [u8] {
    const ALL: &[u8] = b"ofd46upesltinbrmPX";
    match ALL.iter().position(|&x| x == c) {
        Some(i) => &ALL[i..i + 1],
        None => b"o",
    }
}

/// libsinsp's fd type names (`fd.type`).
pub(crate) fn type_name(t: FdType) -> &'static str {
    match t {
        FdType::Unknown => "unknown",
        FdType::File => "file",
        FdType::Directory => "directory",
        FdType::Ipv4 => "ipv4",
        FdType::Ipv6 => "ipv6",
        FdType::Unix => "unix",
        FdType::Pipe => "pipe",
        FdType::Event => "event",
        FdType::Signalfd => "signalfd",
        FdType::EventPoll => "eventpoll",
        FdType::Inotify => "inotify",
        FdType::Timerfd => "timerfd",
        FdType::Netlink => "netlink",
        FdType::Bpf => "bpf",
        FdType::Userfaultfd => "userfaultfd",
        FdType::IoUring => "io_uring",
        FdType::Memfd => "memfd",
        FdType::Pidfd => "pidfd",
    }
}

/// `fd.directory` of a file, cut as libsinsp cuts it: everything before the last `/`; `/`
/// for a top-level file and for a name without any `/`; a name ending in `/` whole.
#[inline]
pub(crate) fn dirname(name: &[u8]) -> Option<&[u8]> {
    Some(match memchr::memrchr(b'/', name) {
        Some(i) if i > 0 && i + 1 < name.len() => &name[..i],
        Some(i) if i > 0 => name,
        _ => b"/",
    })
}

/// `fd.filename`, as libsinsp cuts it: everything after the last `/`; `/` for a name without
/// any `/`; a name ending in `/` whole.
#[inline]
pub(crate) fn basename(name: &[u8]) -> &[u8] {
    match memchr::memrchr(b'/', name) {
        Some(i) if i + 1 < name.len() => &name[i + 1..],
        Some(_) => name,
        None => b"/",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn dir_and_base() {
        assert_eq!(super::dirname(b"/etc/shadow"), Some(&b"/etc"[..]));
        assert_eq!(super::dirname(b"/shadow"), Some(&b"/"[..]));
        assert_eq!(super::basename(b"/etc/shadow"), b"shadow");
        // libsinsp's edges: a relative name without `/` (its directory unknown), a trailing `/`.
        assert_eq!(super::dirname(b"notes.txt"), Some(&b"/"[..]));
        assert_eq!(super::basename(b"notes.txt"), b"/");
        assert_eq!(super::dirname(b"/srv/data/"), Some(&b"/srv/data/"[..]));
        assert_eq!(super::basename(b"/srv/data/"), b"/srv/data/");
        assert_eq!(super::dirname(b"/"), Some(&b"/"[..]));
    }
}
