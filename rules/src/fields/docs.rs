//! One line about every field, for `rtsec fields` (as `falco --list` describes libsinsp's).

use super::FieldId;

/// What field `id` holds, in one sentence (as rtsec computes it).
pub(crate) fn describe(id: FieldId) -> &'static str {
    match id {
        FieldId::EvtNum => "number of the event in the trace, counting from 1",
        FieldId::EvtTime => {
            "event timestamp in ns since the epoch; text outputs print it as local HH:MM:SS.nnnnnnnnn"
        }
        FieldId::EvtTimeS => "event time as local time of day, HH:MM:SS (no fraction)",
        FieldId::EvtTimeIso => {
            "event time in UTC as ISO 8601 with ns, e.g. 2023-11-14T22:13:31.726060287Z"
        }
        FieldId::EvtDatetime => "event date and local time, YYYY-MM-DD HH:MM:SS.nnnnnnnnn",
        FieldId::EvtDatetimeS => "event date and local time, YYYY-MM-DD HH:MM:SS (no fraction)",
        FieldId::EvtRawtime => "event timestamp in ns since the epoch",
        FieldId::EvtRawtimeS => "event timestamp in whole seconds since the epoch",
        FieldId::EvtRawtimeNs => {
            "the nanoseconds of the event timestamp within its second (printed with 9 digits)"
        }
        FieldId::EvtType => {
            "event name (openat, execve, procexit, …); for other recorded syscalls the syscall's name"
        }
        FieldId::EvtDir => "always < (rtsec evaluates exit events only; Falco deprecates evt.dir)",
        FieldId::EvtCpu => "number of the CPU the event was recorded on",
        FieldId::EvtArgs => {
            "all the event's parameters rtsec has, as name=value(resolved) separated by spaces; empty for a generic syscall (as libsinsp prints it)"
        }
        FieldId::EvtInfo => {
            "same as evt.args: all parameters as name=value(resolved), separated by spaces; empty for a generic syscall"
        }
        FieldId::EvtArg => {
            "parameter NAME of the event (or evt.arg[N], the Nth from 0), resolved (flag, errno names, …) or raw"
        }
        FieldId::EvtRawarg => {
            "parameter NAME's raw value, a number or a string (or evt.rawarg[N], the Nth from 0)"
        }
        FieldId::EvtRes => {
            "SUCCESS if the return value is >= 0, else its errno name (ENOENT, …) or number; missing on procexit"
        }
        FieldId::EvtRawres => "the return value as a signed number; missing on procexit",
        FieldId::EvtFailed => "true if the return value is negative (false on procexit)",
        FieldId::EvtIsOpenRead => {
            "true for an open, openat, openat2 or open_by_handle_at opening for reading (O_RDONLY, O_RDWR)"
        }
        FieldId::EvtIsOpenWrite => {
            "true for an open, openat, openat2 or open_by_handle_at opening for writing (O_WRONLY, O_RDWR)"
        }
        FieldId::EvtIsOpenExec => {
            "true for a creat, or an open, openat or openat2 with O_CREAT or O_TMPFILE, whose mode has an x bit"
        }
        FieldId::EvtIsOpenCreate => {
            "true if the open created its file (O_CREAT on a file that did not exist) or an O_TMPFILE file"
        }
        FieldId::EvtBuffer => {
            "data of a read, write, send or recv event (and their positioned and vectored kin), as far as the capture kept it (rtsec capture: the first --snaplen bytes, 80 by default, as Falco); compared as the raw bytes, printed in outputs with each byte that is not printable as . (in base64 with buffer_format_base64)"
        }
        FieldId::EvtBuflen => {
            "return value of an I/O event (read, write, send, recv: the bytes moved; close, dup, fcntl, ioctl) on an fd the trace knows, when not an error"
        }
        FieldId::EvtHostname => {
            "hostname of the machine the trace was recorded on (from its header); missing if unknown"
        }
        FieldId::EvtSource => "always syscall",
        FieldId::EvtIsAsync => "always false",
        FieldId::EvtAsynctype => {
            "the type of an async event; always missing (traces hold syscall events)"
        }
        FieldId::EvtPluginname => {
            "the plugin that made a plugin event; always missing (traces hold syscall events)"
        }
        FieldId::EvtPlugininfo => {
            "a plugin event rendered by its plugin; always missing (traces hold syscall events)"
        }
        FieldId::EvtTypeIs => {
            "evt.type.is.NAME: 1 if the event's type is NAME, else 0 (libsinsp tests only the first of the event versions called NAME, which misses a newer driver's openat)"
        }
        FieldId::EvtIsIo => "true for a call that reads from or writes to an fd (read, send, …)",
        FieldId::EvtIsIoRead => "true for a call that reads from an fd (read, recvfrom, …)",
        FieldId::EvtIsIoWrite => "true for a call that writes to an fd (write, sendto, …)",
        FieldId::EvtIoDir => "write or read for a call that writes to or reads from an fd",
        FieldId::EvtIsWait => "true for a call that makes the thread wait (poll, select, …)",
        FieldId::EvtIsSyslog => "true for a write to /dev/log",
        FieldId::EvtCount => "always 1 (for counting)",
        FieldId::EvtAbspath | FieldId::EvtAbspathSrc => {
            "the absolute path of an *at call (renameat, linkat: the old one; symlinkat: the link; openat, unlinkat, mkdirat, fchmodat, fchownat), from its dirfd or the cwd"
        }
        FieldId::EvtAbspathDst => "as evt.abspath, but the new path of renameat and linkat",
        FieldId::EvtCountError => "1 for a call that failed",
        FieldId::EvtCountErrorFile => {
            "1 for a failed call on a file or directory, or a failed open"
        }
        FieldId::EvtCountErrorNet => {
            "1 for a failed call on a socket, or a failed accept or connect"
        }
        FieldId::EvtCountExit => "1 for a syscall's exit (every event but procexit)",
        FieldId::SyscallType => {
            "the syscall's name, as evt.type; missing on procexit, which is not a syscall"
        }
        FieldId::ProcPid => "process id (thread group id) in the host pid namespace",
        FieldId::ProcPpid => "the parent's process id",
        FieldId::ProcVpid => "process id in the process's own pid namespace",
        FieldId::ProcSid => {
            "session id: the leader's pid as /proc showed it, or as setsid returned it (in a pid namespace, that namespace's number), as libsinsp keeps it"
        }
        FieldId::ProcVpgid => "process group id in the process's own pid namespace",
        FieldId::ProcPgid => "process group id (host pid namespace)",
        FieldId::ProcName => {
            "process name: the comm (at most 15 bytes) of the event's thread, not the basename of the executable: a thread's own at the capture's start, else the one it was created with (its creator's then; later renames are not seen, as in Falco); <NA> for a process the capture never saw start"
        }
        FieldId::ProcPname => {
            "the parent's name (comm): of the thread that forked the process, if it had a name of its own"
        }
        FieldId::ProcAname => {
            "name (comm) of the Nth ancestor (1 = parent); without N: any ancestor in a condition, all in outputs"
        }
        FieldId::ProcArgs => "command-line arguments after argv[0], joined by single spaces",
        FieldId::ProcCmdline => "the name (comm) followed by the arguments, separated by spaces",
        FieldId::ProcPcmdline => "the parent's proc.cmdline",
        FieldId::ProcExe => "argv[0] of the process (any string the caller of exec chose)",
        FieldId::ProcPexe => "the parent's argv[0]",
        FieldId::ProcAcmdline => {
            "proc.cmdline of the Nth ancestor (1 = parent); without N: any ancestor in a condition, all in outputs"
        }
        FieldId::ProcExeline => "argv[0], a space, then the arguments (proc.exe + proc.args)",
        FieldId::ProcLoginshellid => {
            "pid of the oldest shell (a name ending in sh) among the process and its ancestors; missing if none"
        }
        FieldId::ProcPvpid => "the parent's pid in its own pid namespace",
        FieldId::ProcPidTs => {
            "when the event's thread was created, in ns since the epoch (as proc.start_ts); missing if unknown"
        }
        FieldId::ProcPpidTs => "when the parent was created, in ns since the epoch",
        FieldId::ProcPidnsInitStartTs => {
            "when the init of the process's pid namespace started, in ns since the epoch; missing if unknown"
        }
        FieldId::ProcAexe => {
            "argv[0] of the Nth ancestor (1 = parent); without N: any ancestor in a condition, all in outputs"
        }
        FieldId::ProcExepath => "full path of the executable, as the kernel resolved it",
        FieldId::ProcPexepath => "the parent's executable path (proc.exepath)",
        FieldId::ProcAexepath => {
            "executable path of the Nth ancestor (1 = parent); without N: any ancestor in a condition, all in outputs"
        }
        FieldId::ProcApid => {
            "pid of the Nth ancestor (1 = parent); without N: any ancestor in a condition, all in outputs"
        }
        FieldId::ProcCwd => {
            "working directory, ending with /; empty if unknown (a process first seen mid-capture)"
        }
        FieldId::ProcTty => "device number of the controlling terminal, 0 if none",
        FieldId::ProcDuration => {
            "ns since the event's thread was created (event time minus start time), as libsinsp counts it: a thread made a second ago in a server up for days is new; missing if its start is unknown"
        }
        FieldId::ProcPpidDuration => {
            "ns since the parent (the thread that forked the process) was created; missing if its start is unknown"
        }
        FieldId::ProcStartTs => {
            "when the event's thread was created, in ns since the epoch; missing if unknown"
        }
        FieldId::ProcIsExeUpperLayer => {
            "true if the executable is in the upper (writable) layer of an overlay filesystem"
        }
        FieldId::ProcIsExeLowerLayer => {
            "true if the executable is in a lower (image) layer of an overlay filesystem"
        }
        FieldId::ProcIsExeFromMemfd => "true if the executable is a memfd (fileless execution)",
        FieldId::ProcIsExeWritable => {
            "true if the executable is writable by the user running it (Falco's EXE_WRITABLE flag)"
        }
        FieldId::ProcSname => {
            "name (comm) of the session leader: the highest ancestor in the same session (on the host, else the process with the session id as pid), or the process itself"
        }
        FieldId::ProcSidExe => "exe (argv[0]) of the session leader (found as for proc.sname)",
        FieldId::ProcSidExepath => {
            "full executable path of the session leader (found as for proc.sname)"
        }
        FieldId::ProcVpgidName => {
            "name (comm) of the process group leader: the highest ancestor in the same group (on the host, else the process with the group id as pid), or the process itself"
        }
        FieldId::ProcVpgidExe => {
            "exe (argv[0]) of the process group leader (found as for proc.vpgid.name)"
        }
        FieldId::ProcVpgidExepath => {
            "full executable path of the process group leader (found as for proc.vpgid.name)"
        }
        FieldId::ProcIsVpgidLeader => {
            "true if the process leads its process group (proc.vpid equals proc.vpgid)"
        }
        FieldId::ProcIsSidLeader => {
            "true if the process leads its session (proc.vpid equals proc.sid)"
        }
        FieldId::ProcEnv => {
            "value of environment variable NAME, spaces trimmed (empty if unset); without NAME: all, space-separated"
        }
        FieldId::ProcAenv => {
            "proc.aenv[NAME]: the first non-empty value of NAME among the ancestors, parent first (empty if none); proc.aenv[N]: the Nth ancestor's environment; in conditions without NAME: any ancestor's environment"
        }
        FieldId::ProcExeIno => "inode number of the executable; missing if unknown",
        FieldId::ProcExeInoCtime => {
            "the executable's inode change time (ctime), in ns since the epoch; missing if unknown"
        }
        FieldId::ProcExeInoMtime => {
            "the executable's modification time (mtime), in ns since the epoch; missing if unknown"
        }
        FieldId::ProcExeInoCtimeDurationProcStart => {
            "process start minus the executable's ctime, ns (wraps if the file is newer); missing if 0"
        }
        FieldId::ProcExeInoCtimeDurationPidnsStart => {
            "executable's ctime minus the pid namespace init's start, ns; missing unless the file is newer"
        }
        FieldId::ProcCmdnargs => "number of command-line arguments after argv[0]",
        FieldId::ProcCmdlenargs => {
            "total length in bytes of the arguments after argv[0], separators not counted"
        }
        FieldId::ProcFdlimit => "the process's limit on open fds (RLIMIT_NOFILE)",
        FieldId::ThreadTid => "id of the thread that made the event (host pid namespace)",
        FieldId::ThreadVtid => {
            "thread id in its pid namespace: proc.vpid for the main thread; thread.tid for another thread on the host; missing for another thread in a container"
        }
        FieldId::ThreadIsmain => "true if the event's thread is its process's leader (tid = pid)",
        FieldId::ThreadNametid => {
            "the thread's name (proc.name) followed by its id, as in java4242"
        }
        FieldId::ThreadCapEffective => "effective capabilities, as space-separated CAP_* names",
        FieldId::ThreadCapPermitted => "permitted capabilities, as space-separated CAP_* names",
        FieldId::ThreadCapInheritable => "inheritable capabilities, as space-separated CAP_* names",
        FieldId::UserUid => "effective user id of the process",
        FieldId::UserName => {
            "name of the effective user from the recorded user table; else root for uid 0, <NA> otherwise"
        }
        FieldId::UserHomedir => {
            "home directory of the effective user from the recorded user table; else /root for uid 0, <NA>"
        }
        FieldId::UserShell => {
            "login shell of the effective user from the recorded user table; <NA> if unknown"
        }
        FieldId::UserLoginuid => "audit login uid; -1 if unset",
        FieldId::UserLoginname => {
            "name of the login uid's user; else root for uid 0, <NA> otherwise"
        }
        FieldId::GroupGid => "effective group id of the process",
        FieldId::GroupName => {
            "name of the effective group from the recorded group table; else root for gid 0, <NA> otherwise"
        }
        FieldId::FdNum => {
            "the event's fd: the new fd of an open (-1 if it failed), else the fd argument it used"
        }
        FieldId::FdType => {
            "kind of fd (file, directory, ipv4, ipv6, unix, pipe, memfd, …); missing on events without an fd"
        }
        FieldId::FdTypechar => {
            "one-letter fd kind (f file, d directory, 4/6 IP, u unix, p pipe, …), guessed from the event without a record"
        }
        FieldId::FdName => {
            "normalized full path of a file; ip:port->ip:port (client->server) of a socket; missing without an fd"
        }
        FieldId::FdNameraw => {
            "the path as passed to open: not joined with the cwd or dirfd, not normalized"
        }
        FieldId::FdDirectory => {
            "directory of a file fd (fd.name up to the last /), or the name of a directory fd"
        }
        FieldId::FdFilename => {
            "last component of a file fd's path; missing for other fds and for failed opens"
        }
        FieldId::FdL4proto => {
            "tcp, udp, icmp or raw for an IP socket with a role (raw: any); the text <NA> for other fds"
        }
        FieldId::FdConnected => "true if the socket is connected",
        FieldId::FdNameChanged => {
            "true if this event gave the fd its name or changed it: an open or accept, a connect, a bind to a port, a datagram to a new peer"
        }
        FieldId::FdSip => "server IP of the socket (the tuple's destination)",
        FieldId::FdCip => "client IP of the socket (the tuple's source)",
        FieldId::FdLip => {
            "local IP of the socket: the client's if the client's IP is the container's or one of the trace's interface addresses (so on loopback), else the server's; missing before connect/accept"
        }
        FieldId::FdRip => {
            "remote IP of the socket: the other end than fd.lip's; missing before connect/accept"
        }
        FieldId::FdIp => {
            "filter only (not in outputs, as in Falco): either endpoint's IP (!= : neither matches)"
        }
        FieldId::FdSport => {
            "server port of the socket (values in conditions may be service names from /etc/services: ssh, http)"
        }
        FieldId::FdCport => {
            "client port of the socket (values may be service names, as for fd.sport)"
        }
        FieldId::FdLport => {
            "local port of the socket: of the end fd.lip picks (on loopback the client's, on both sockets; values may be service names, as for fd.sport)"
        }
        FieldId::FdRport => {
            "remote port of the socket: of the end fd.rip picks (values may be service names, as for fd.sport)"
        }
        FieldId::FdPort => {
            "filter only (not in outputs, as in Falco): either endpoint's port (!= : neither matches; values may be service names, as for fd.sport)"
        }
        FieldId::FdSnet => {
            "filter only: server IP, compared against networks in CIDR form (e.g. 10.0.0.0/8)"
        }
        FieldId::FdCnet => "filter only: client IP, compared against networks in CIDR form",
        FieldId::FdLnet => "filter only: local IP, compared against networks in CIDR form",
        FieldId::FdRnet => "filter only: remote IP, compared against networks in CIDR form",
        FieldId::FdNet => {
            "filter only (not in outputs, as in Falco): either endpoint's IP against CIDR networks (!= : neither)"
        }
        FieldId::FdSipName => {
            "server IP's name in the trace's recorded DNS answers; = NAME matches NAME's recorded IPs (no live DNS)"
        }
        FieldId::FdCipName => {
            "client IP's name in the trace's recorded DNS answers; = NAME matches NAME's recorded IPs"
        }
        FieldId::FdLipName => {
            "local IP's name in the trace's recorded DNS answers; = NAME matches NAME's recorded IPs"
        }
        FieldId::FdRipName => {
            "remote IP's name in the trace's recorded DNS answers; = NAME matches NAME's recorded IPs"
        }
        FieldId::FdSockfamily => {
            "ip for IPv4 and IPv6 sockets, unix for unix sockets; missing for other fds"
        }
        FieldId::FdIsServer => {
            "true for a socket bound to a port, or one whose server IP is the container's or one of the trace's interface addresses (on loopback: both sockets)"
        }
        FieldId::FdDev => "device number of the device holding the file",
        FieldId::FdDevMajor => "major number of fd.dev",
        FieldId::FdDevMinor => "minor number of fd.dev",
        FieldId::FdContainername => "the container's id (empty on the host), a colon, then fd.name",
        FieldId::FdContainerdirectory => {
            "the container's id (empty on the host), a colon, then fd.directory"
        }
        FieldId::FsPathName => {
            "the path a successful filesystem call (open, mkdir, unlink, chmod, chown, umount, …) worked on, joined to the cwd (not the dirfd) if relative"
        }
        FieldId::FsPathNameraw => "fs.path.name as the call was passed it",
        FieldId::FsPathSource => {
            "a successful rename's old path, link's new path, symlink's link path or mount's device, joined to the cwd if relative"
        }
        FieldId::FsPathSourceraw => "fs.path.source as the call was passed it",
        FieldId::FsPathTarget => {
            "a successful rename's new path, link's old path, symlink's target or mount's directory, joined to the cwd if relative"
        }
        FieldId::FsPathTargetraw => "fs.path.target as the call was passed it",
        FieldId::FdUid => {
            "the thread id followed by fd.num, as one decimal string (e.g. 41123 for tid 4112, fd 3)"
        }
        FieldId::FdProto => "filter only: as fd.port (either endpoint's port)",
        FieldId::FdSproto => "fd.sport as text (empty for a bound or listening socket)",
        FieldId::FdCproto => {
            "fd.cport as text (empty for a bound or listening socket, and for a socket with a role that is not an IP one)"
        }
        FieldId::FdLproto => "fd.lport as text",
        FieldId::FdRproto => "fd.rport as text",
        FieldId::FdIno => "inode number of the file",
        FieldId::ContainerId => {
            "12-character container id, or host for a process outside containers"
        }
        FieldId::ContainerFullId => {
            "full container id (the short id if the full one is unknown); host outside containers"
        }
        FieldId::ContainerName => {
            "container name; host outside containers; missing until the runtime's metadata is known"
        }
        FieldId::ContainerImage => {
            "container image as the runtime reports it; empty outside containers, missing until known"
        }
        FieldId::ContainerImageRepository => {
            "image repository of the container; empty outside containers, missing until known"
        }
        FieldId::ContainerImageTag => {
            "image tag of the container; empty outside containers, missing until known"
        }
        FieldId::ContainerImageId => {
            "image id of the container; empty outside containers, missing until known"
        }
        FieldId::ContainerImageDigest => {
            "image digest of the container; empty outside containers, missing until known"
        }
        FieldId::ContainerType => {
            "container runtime (docker, cri-o, containerd, podman, …); host outside containers"
        }
        FieldId::ContainerPrivileged => {
            "true if the container runs privileged; false outside containers, missing until known"
        }
        FieldId::ContainerMounts => {
            "all mounts as source:dest:mode:rdwr:propagation, comma-separated; empty outside containers"
        }
        FieldId::ContainerMount => {
            "one mount as source:dest:mode:rdwr:propagation; KEY: its index, or a regex found in its source"
        }
        FieldId::ContainerMountSource => {
            "source of one mount; KEY: its index, or a regex found in its destination"
        }
        FieldId::ContainerMountDest => {
            "destination of one mount; KEY: its index, or a regex found in its source"
        }
        FieldId::ContainerMountMode => {
            "mode of one mount; KEY: its index, or a regex found in its source"
        }
        FieldId::ContainerMountRdwr => {
            "true or false: whether one mount is read-write; KEY: its index, or a regex found in its source"
        }
        FieldId::ContainerMountPropagation => {
            "propagation of one mount (e.g. rprivate); KEY: its index, or a regex found in its source"
        }
        FieldId::ContainerStartTs => {
            "when the init of the process's pid namespace started (the container's start), ns since the epoch"
        }
        FieldId::ContainerDuration => {
            "ns since the init of the process's pid namespace started (see container.start_ts)"
        }
        FieldId::ContainerIp => {
            "the container's IP address; missing outside containers or if unknown"
        }
        FieldId::ContainerUser => {
            "the user the container is configured to run as; missing outside containers or if unknown"
        }
        FieldId::ContainerLabel => {
            "value of the container's label KEY (also written container.label.KEY); missing if absent"
        }
        FieldId::ContainerLabels => {
            "all the container's labels as key:value, joined by a comma and a space; missing outside containers"
        }
        FieldId::ContainerInfo => "always the empty string",
        FieldId::K8sNsName => {
            "pod namespace: the container's io.kubernetes.pod.namespace label; missing outside containers"
        }
        FieldId::K8sPodName => {
            "pod name: the container's io.kubernetes.pod.name label; missing outside containers"
        }
        FieldId::K8sPodUid => {
            "pod UID: the container's io.kubernetes.pod.uid label; missing outside containers"
        }
        FieldId::K8sPodId => "pod UID, the same as k8s.pod.uid (the io.kubernetes.pod.uid label)",
        FieldId::K8sPodLabel => {
            "value of label KEY of the event's container (also written k8s.pod.label.KEY); missing if absent"
        }
        FieldId::K8sPodLabels => "all labels of the event's container, as container.labels",
        FieldId::K8sPodIp => "the container's IP address, as container.ip",
        FieldId::K8sContainerName => {
            "container name in the pod: the io.kubernetes.container.name label; missing outside containers"
        }
        FieldId::K8sRcName
        | FieldId::K8sRcId
        | FieldId::K8sRcLabel
        | FieldId::K8sRcLabels
        | FieldId::K8sSvcName
        | FieldId::K8sSvcId
        | FieldId::K8sSvcLabel
        | FieldId::K8sSvcLabels
        | FieldId::K8sNsId
        | FieldId::K8sNsLabel
        | FieldId::K8sNsLabels
        | FieldId::K8sRsName
        | FieldId::K8sRsId
        | FieldId::K8sRsLabel
        | FieldId::K8sRsLabels
        | FieldId::K8sDeploymentName
        | FieldId::K8sDeploymentId
        | FieldId::K8sDeploymentLabel
        | FieldId::K8sDeploymentLabels => {
            "deprecated: the container plugin lists this field of the old Kubernetes client but never gives it a value (always missing)"
        }
        FieldId::Static => "constant text from falco.yaml's static_fields",
    }
}
