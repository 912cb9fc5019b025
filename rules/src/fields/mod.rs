//! The fields conditions and outputs can use (libsinsp's filterchecks and the container
//! plugin's fields), how a field name with its argument is resolved, and their types.

mod catalog;
pub(crate) mod container;
mod docs;
pub(crate) mod extract;
pub(crate) mod fast;
pub(crate) mod fd;
mod fspath;
mod io;
pub(crate) mod local;
pub(crate) mod proc;
mod return_value;
pub(crate) mod sock;
mod unsupported;
pub(crate) mod user;

use rtsec_format::Kind;

pub use catalog::{FieldInfo, field_list, is_field, static_field_info};

/// Falco's fields rtsec does not evaluate, each with why (`rtsec fields --unsupported`).
pub fn unsupported_fields() -> impl Iterator<Item = (&'static str, &'static str)> {
    unsupported::UNSUPPORTED.iter().copied()
}

/// How a field's values compare and print.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ty {
    Str,
    I64,
    U64,
    Bool,
    /// An IP address (`fd.sip`).
    Ip,
    /// An IP address compared against networks (`fd.snet`).
    Net,
    /// A byte buffer (`evt.buffer`).
    Bytes,
    /// `evt.rawarg.*`: typed by the event's parameter.
    Dyn,
}

impl Ty {
    pub fn describe(self) -> &'static str {
        match self {
            Ty::Str => "a string",
            Ty::I64 | Ty::U64 => "a number",
            Ty::Bool => "a boolean",
            Ty::Ip => "an IP address",
            Ty::Net => "an IP network",
            Ty::Bytes => "a byte buffer",
            Ty::Dyn => "an event argument",
        }
    }
}

/// What argument a field takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ArgSpec {
    None,
    /// `proc.aname[2]`: optional ancestor index (without it: any ancestor in filters).
    OptIndex,
    /// `proc.env[HOME]`: optional key.
    OptKey,
    /// `container.label[k]` / `container.label.k`: a key, also after a dot.
    DotKey,
    /// `container.mount.dest[/var/lib]` or `[0]`: required (the container mounts' selector).
    Key,
    /// `evt.arg.flags`, `evt.arg[0]`.
    EvtArg,
}

macro_rules! fields {
    ($( $id:ident = $name:literal, $ty:ident, $arg:ident; )*) => {
        /// Every field rtsec knows.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub(crate) enum FieldId {
            $( $id, )*
            /// `static.NAME`, a falco.yaml `static_fields` entry: not in [`TABLE`], as its
            /// names come from the configuration. Its argument is the value.
            Static,
        }

        /// `(name, id, type, argument)` for every field.
        pub(crate) static TABLE: &[(&str, FieldId, Ty, ArgSpec)] = &[
            $( ($name, FieldId::$id, Ty::$ty, ArgSpec::$arg), )*
        ];
    };
}

fields! {
    EvtNum = "evt.num", U64, None;
    EvtTime = "evt.time", U64, None;
    EvtTimeS = "evt.time.s", Str, None;
    EvtTimeIso = "evt.time.iso8601", Str, None;
    EvtDatetime = "evt.datetime", Str, None;
    EvtDatetimeS = "evt.datetime.s", Str, None;
    EvtRawtime = "evt.rawtime", U64, None;
    EvtRawtimeS = "evt.rawtime.s", U64, None;
    EvtRawtimeNs = "evt.rawtime.ns", U64, None;
    EvtType = "evt.type", Str, None;
    EvtDir = "evt.dir", Str, None;
    EvtCpu = "evt.cpu", U64, None;
    EvtArgs = "evt.args", Str, None;
    EvtInfo = "evt.info", Str, None;
    EvtArg = "evt.arg", Str, EvtArg;
    EvtRawarg = "evt.rawarg", Dyn, EvtArg;
    EvtRes = "evt.res", Str, None;
    EvtRawres = "evt.rawres", I64, None;
    EvtFailed = "evt.failed", Bool, None;
    EvtIsOpenRead = "evt.is_open_read", Bool, None;
    EvtIsOpenWrite = "evt.is_open_write", Bool, None;
    EvtIsOpenExec = "evt.is_open_exec", Bool, None;
    EvtIsOpenCreate = "evt.is_open_create", Bool, None;
    EvtBuffer = "evt.buffer", Bytes, None;
    EvtBuflen = "evt.buflen", U64, None;
    EvtHostname = "evt.hostname", Str, None;
    EvtSource = "evt.source", Str, None;
    EvtIsAsync = "evt.is_async", Bool, None;
    EvtAsynctype = "evt.asynctype", Str, None;
    EvtPluginname = "evt.pluginname", Str, None;
    EvtPlugininfo = "evt.plugininfo", Str, None;
    EvtTypeIs = "evt.type.is", U64, DotKey;
    EvtIsIo = "evt.is_io", Bool, None;
    EvtIsIoRead = "evt.is_io_read", Bool, None;
    EvtIsIoWrite = "evt.is_io_write", Bool, None;
    EvtIoDir = "evt.io_dir", Str, None;
    EvtIsWait = "evt.is_wait", Bool, None;
    EvtIsSyslog = "evt.is_syslog", Bool, None;
    EvtCount = "evt.count", U64, None;
    EvtCountError = "evt.count.error", U64, None;
    EvtCountErrorFile = "evt.count.error.file", U64, None;
    EvtCountErrorNet = "evt.count.error.net", U64, None;
    EvtCountExit = "evt.count.exit", U64, None;
    EvtAbspath = "evt.abspath", Str, None;
    EvtAbspathSrc = "evt.abspath.src", Str, None;
    EvtAbspathDst = "evt.abspath.dst", Str, None;
    SyscallType = "syscall.type", Str, None;
    ProcPid = "proc.pid", I64, None;
    ProcPpid = "proc.ppid", I64, None;
    ProcVpid = "proc.vpid", I64, None;
    ProcSid = "proc.sid", I64, None;
    ProcVpgid = "proc.vpgid", I64, None;
    ProcPgid = "proc.pgid", I64, None;
    ProcName = "proc.name", Str, None;
    ProcPname = "proc.pname", Str, None;
    ProcAname = "proc.aname", Str, OptIndex;
    ProcArgs = "proc.args", Str, None;
    ProcCmdline = "proc.cmdline", Str, None;
    ProcPcmdline = "proc.pcmdline", Str, None;
    ProcAcmdline = "proc.acmdline", Str, OptIndex;
    ProcExeline = "proc.exeline", Str, None;
    ProcLoginshellid = "proc.loginshellid", I64, None;
    ProcPvpid = "proc.pvpid", I64, None;
    ProcExe = "proc.exe", Str, None;
    ProcPexe = "proc.pexe", Str, None;
    ProcAexe = "proc.aexe", Str, OptIndex;
    ProcExepath = "proc.exepath", Str, None;
    ProcPexepath = "proc.pexepath", Str, None;
    ProcAexepath = "proc.aexepath", Str, OptIndex;
    ProcApid = "proc.apid", I64, OptIndex;
    ProcCwd = "proc.cwd", Str, None;
    ProcTty = "proc.tty", U64, None;
    ProcDuration = "proc.duration", U64, None;
    ProcPpidDuration = "proc.ppid.duration", U64, None;
    ProcStartTs = "proc.start_ts", U64, None;
    ProcPidTs = "proc.pid.ts", U64, None;
    ProcPpidTs = "proc.ppid.ts", U64, None;
    ProcPidnsInitStartTs = "proc.pidns_init_start_ts", U64, None;
    ProcIsExeUpperLayer = "proc.is_exe_upper_layer", Bool, None;
    ProcIsExeLowerLayer = "proc.is_exe_lower_layer", Bool, None;
    ProcIsExeFromMemfd = "proc.is_exe_from_memfd", Bool, None;
    ProcIsExeWritable = "proc.is_exe_writable", Bool, None;
    ProcSname = "proc.sname", Str, None;
    ProcSidExe = "proc.sid.exe", Str, None;
    ProcSidExepath = "proc.sid.exepath", Str, None;
    ProcVpgidName = "proc.vpgid.name", Str, None;
    ProcVpgidExe = "proc.vpgid.exe", Str, None;
    ProcVpgidExepath = "proc.vpgid.exepath", Str, None;
    ProcIsVpgidLeader = "proc.is_vpgid_leader", Bool, None;
    ProcIsSidLeader = "proc.is_sid_leader", Bool, None;
    ProcEnv = "proc.env", Str, OptKey;
    ProcAenv = "proc.aenv", Str, OptKey;
    ProcExeIno = "proc.exe_ino", U64, None;
    ProcExeInoCtime = "proc.exe_ino.ctime", U64, None;
    ProcExeInoMtime = "proc.exe_ino.mtime", U64, None;
    ProcExeInoCtimeDurationProcStart = "proc.exe_ino.ctime_duration_proc_start", U64, None;
    ProcExeInoCtimeDurationPidnsStart = "proc.exe_ino.ctime_duration_pidns_start", U64, None;
    ProcCmdnargs = "proc.cmdnargs", U64, None;
    ProcCmdlenargs = "proc.cmdlenargs", U64, None;
    ProcFdlimit = "proc.fdlimit", U64, None;
    ThreadTid = "thread.tid", I64, None;
    ThreadVtid = "thread.vtid", I64, None;
    ThreadIsmain = "thread.ismain", Bool, None;
    ThreadNametid = "thread.nametid", Str, None;
    ThreadCapEffective = "thread.cap_effective", Str, None;
    ThreadCapPermitted = "thread.cap_permitted", Str, None;
    ThreadCapInheritable = "thread.cap_inheritable", Str, None;
    UserUid = "user.uid", U64, None;
    UserName = "user.name", Str, None;
    UserHomedir = "user.homedir", Str, None;
    UserShell = "user.shell", Str, None;
    UserLoginuid = "user.loginuid", I64, None;
    UserLoginname = "user.loginname", Str, None;
    GroupGid = "group.gid", U64, None;
    GroupName = "group.name", Str, None;
    FdNum = "fd.num", I64, None;
    FdType = "fd.type", Str, None;
    FdTypechar = "fd.typechar", Str, None;
    FdName = "fd.name", Str, None;
    FdNameraw = "fd.nameraw", Str, None;
    FdDirectory = "fd.directory", Str, None;
    FdFilename = "fd.filename", Str, None;
    FdL4proto = "fd.l4proto", Str, None;
    FdConnected = "fd.connected", Bool, None;
    FdNameChanged = "fd.name_changed", Bool, None;
    FdSip = "fd.sip", Ip, None;
    FdCip = "fd.cip", Ip, None;
    FdLip = "fd.lip", Ip, None;
    FdRip = "fd.rip", Ip, None;
    FdIp = "fd.ip", Ip, None;
    FdSport = "fd.sport", U64, None;
    FdCport = "fd.cport", U64, None;
    FdLport = "fd.lport", U64, None;
    FdRport = "fd.rport", U64, None;
    FdPort = "fd.port", U64, None;
    FdProto = "fd.proto", U64, None;
    FdSproto = "fd.sproto", Str, None;
    FdCproto = "fd.cproto", Str, None;
    FdLproto = "fd.lproto", Str, None;
    FdRproto = "fd.rproto", Str, None;
    FdSnet = "fd.snet", Net, None;
    FdCnet = "fd.cnet", Net, None;
    FdLnet = "fd.lnet", Net, None;
    FdRnet = "fd.rnet", Net, None;
    FdNet = "fd.net", Net, None;
    FdSipName = "fd.sip.name", Str, None;
    FdCipName = "fd.cip.name", Str, None;
    FdLipName = "fd.lip.name", Str, None;
    FdRipName = "fd.rip.name", Str, None;
    FdSockfamily = "fd.sockfamily", Str, None;
    FdIsServer = "fd.is_server", Bool, None;
    FdDev = "fd.dev", U64, None;
    FdIno = "fd.ino", U64, None;
    FdDevMajor = "fd.dev.major", U64, None;
    FdDevMinor = "fd.dev.minor", U64, None;
    FdContainername = "fd.containername", Str, None;
    FdContainerdirectory = "fd.containerdirectory", Str, None;
    FdUid = "fd.uid", Str, None;
    FsPathName = "fs.path.name", Str, None;
    FsPathNameraw = "fs.path.nameraw", Str, None;
    FsPathSource = "fs.path.source", Str, None;
    FsPathSourceraw = "fs.path.sourceraw", Str, None;
    FsPathTarget = "fs.path.target", Str, None;
    FsPathTargetraw = "fs.path.targetraw", Str, None;
    ContainerId = "container.id", Str, None;
    ContainerFullId = "container.full_id", Str, None;
    ContainerName = "container.name", Str, None;
    ContainerImage = "container.image", Str, None;
    ContainerImageRepository = "container.image.repository", Str, None;
    ContainerImageTag = "container.image.tag", Str, None;
    ContainerImageId = "container.image.id", Str, None;
    ContainerImageDigest = "container.image.digest", Str, None;
    ContainerType = "container.type", Str, None;
    ContainerPrivileged = "container.privileged", Bool, None;
    ContainerMounts = "container.mounts", Str, None;
    ContainerMount = "container.mount", Str, Key;
    ContainerMountSource = "container.mount.source", Str, Key;
    ContainerMountDest = "container.mount.dest", Str, Key;
    ContainerMountMode = "container.mount.mode", Str, Key;
    ContainerMountRdwr = "container.mount.rdwr", Str, Key;
    ContainerMountPropagation = "container.mount.propagation", Str, Key;
    ContainerStartTs = "container.start_ts", U64, None;
    ContainerDuration = "container.duration", U64, None;
    ContainerIp = "container.ip", Str, None;
    ContainerUser = "container.user", Str, None;
    ContainerLabel = "container.label", Str, DotKey;
    ContainerLabels = "container.labels", Str, None;
    ContainerInfo = "container.info", Str, None;
    K8sNsName = "k8s.ns.name", Str, None;
    K8sPodName = "k8s.pod.name", Str, None;
    K8sPodUid = "k8s.pod.uid", Str, None;
    K8sPodId = "k8s.pod.id", Str, None;
    K8sPodLabel = "k8s.pod.label", Str, DotKey;
    K8sPodLabels = "k8s.pod.labels", Str, None;
    K8sPodIp = "k8s.pod.ip", Str, None;
    K8sContainerName = "k8s.container.name", Str, None;
    K8sRcName = "k8s.rc.name", Str, None;
    K8sRcId = "k8s.rc.id", Str, None;
    K8sRcLabel = "k8s.rc.label", Str, DotKey;
    K8sRcLabels = "k8s.rc.labels", Str, None;
    K8sSvcName = "k8s.svc.name", Str, None;
    K8sSvcId = "k8s.svc.id", Str, None;
    K8sSvcLabel = "k8s.svc.label", Str, DotKey;
    K8sSvcLabels = "k8s.svc.labels", Str, None;
    K8sNsId = "k8s.ns.id", Str, None;
    K8sNsLabel = "k8s.ns.label", Str, DotKey;
    K8sNsLabels = "k8s.ns.labels", Str, None;
    K8sRsName = "k8s.rs.name", Str, None;
    K8sRsId = "k8s.rs.id", Str, None;
    K8sRsLabel = "k8s.rs.label", Str, DotKey;
    K8sRsLabels = "k8s.rs.labels", Str, None;
    K8sDeploymentName = "k8s.deployment.name", Str, None;
    K8sDeploymentId = "k8s.deployment.id", Str, None;
    K8sDeploymentLabel = "k8s.deployment.label", Str, DotKey;
    K8sDeploymentLabels = "k8s.deployment.labels", Str, None;
}

/// Number of event kinds (for per-kind parameter lookups).
pub(crate) const NUM_KINDS: usize = Kind::ALL.len();

/// A resolved field reference: which field, its argument, its type.
#[derive(Clone, Debug)]
pub(crate) struct Field {
    pub id: FieldId,
    pub ty: Ty,
    pub arg: FieldArg,
    /// The field as written (`proc.aname[2]`), the key of `output_fields`.
    pub text: String,
}

#[derive(Clone, Debug)]
pub(crate) enum FieldArg {
    None,
    Index(usize),
    Key(Box<str>),
    /// `evt.arg.NAME`: the parameter's index for each kind (`u8::MAX` where it has none).
    Param(Box<[u8; NUM_KINDS]>),
    ParamIndex(usize),
    /// `container.mount*[...]`.
    Mount(Box<container::MountKey>),
}

/// In the error for a Falco field rtsec does not evaluate (what `skip-if-unknown-filter`
/// looks for, as for unknown fields).
pub(crate) const UNSUPPORTED_MARK: &str = "rtsec cannot evaluate it";

/// Why a field name did not resolve.
#[derive(Debug)]
pub(crate) struct FieldError(pub String);

/// falco.yaml's `static_fields`: `static.NAME` fields of constant text, by NAME.
pub type StaticFields = std::collections::BTreeMap<String, String>;

/// The prefix of static fields' names (libsinsp's `sinsp_filter_check_static`).
pub(crate) const STATIC_PREFIX: &str = "static.";

/// Resolves `name` (as lexed, e.g. `evt.arg.flags`) with its bracket argument, among the
/// built-in fields and the `static.NAME` fields of `statics`.
pub(crate) fn resolve(
    name: &str,
    arg: Option<&str>,
    statics: &StaticFields,
) -> Result<Field, FieldError> {
    let text = match arg {
        Some(a) => format!("{name}[{a}]"),
        None => name.to_string(),
    };
    if let Some(key) = name.strip_prefix(STATIC_PREFIX) {
        let value = statics.get(key).ok_or_else(|| {
            FieldError(format!(
                "filter_check called with nonexistent field {name}{}",
                match statics.is_empty() {
                    true => ": static fields come from falco.yaml's `static_fields`".to_string(),
                    false => format!(
                        " (static_fields has {})",
                        statics
                            .keys()
                            .map(String::as_str)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                }
            ))
        })?;
        if arg.is_some() {
            return Err(FieldError(format!(
                "field {name} does not take an argument"
            )));
        }
        return Ok(Field {
            id: FieldId::Static,
            ty: Ty::Str,
            arg: FieldArg::Key(value.as_str().into()),
            text,
        });
    }
    let lookup = |n: &str| TABLE.iter().find(|(tn, ..)| *tn == n);
    let (def, suffix) = match lookup(name) {
        Some(d) => (d, None),
        None => {
            // Longest prefix on a dot boundary that takes a dotted argument.
            let mut found = None;
            let mut end = name.len();
            while let Some(i) = name[..end].rfind('.') {
                if let Some(d) = lookup(&name[..i])
                    && matches!(d.3, ArgSpec::EvtArg | ArgSpec::DotKey)
                {
                    found = Some((d, &name[i + 1..]));
                    break;
                }
                end = i;
            }
            match found {
                Some((d, s)) => (d, Some(s)),
                None => {
                    if let Some((field, why)) = unsupported::why(name) {
                        return Err(FieldError(format!(
                            "field {field} exists in Falco but {UNSUPPORTED_MARK}: {why}"
                        )));
                    }
                    return Err(FieldError(format!(
                        "filter_check called with nonexistent field {name}"
                    )));
                }
            }
        }
    };
    let (fname, id, ty, spec) = *def;
    if suffix.is_some() && arg.is_some() {
        return Err(FieldError(format!(
            "field {fname} takes one argument: '{text}' gives two"
        )));
    }
    let given = suffix.or(arg);
    let farg = match (spec, given) {
        (ArgSpec::None, None) => FieldArg::None,
        (ArgSpec::None, Some(_)) => {
            return Err(FieldError(format!(
                "field {fname} does not take an argument"
            )));
        }
        (ArgSpec::OptIndex, None) | (ArgSpec::OptKey, None) => FieldArg::None,
        (ArgSpec::OptIndex, Some(a)) => match a.parse::<usize>() {
            Ok(i) => FieldArg::Index(i),
            Err(_) => {
                return Err(FieldError(format!(
                    "the argument of {fname} must be a number, not '{a}'"
                )));
            }
        },
        (ArgSpec::OptKey | ArgSpec::DotKey, Some(a)) => FieldArg::Key(a.into()),
        (ArgSpec::Key, Some(a)) => FieldArg::Mount(Box::new(container::MountKey::new(a))),
        (ArgSpec::DotKey | ArgSpec::Key, None) => {
            return Err(FieldError(format!(
                "field {fname} needs an argument, e.g. {fname}[...]"
            )));
        }
        (ArgSpec::EvtArg, None) => {
            return Err(FieldError(format!(
                "field {fname} needs an argument: {fname}.NAME or {fname}[N]"
            )));
        }
        (ArgSpec::EvtArg, Some(a)) => {
            if suffix.is_none()
                && let Ok(i) = a.parse::<usize>()
            {
                FieldArg::ParamIndex(i)
            } else {
                let mut by_kind = Box::new([u8::MAX; NUM_KINDS]);
                let mut any = false;
                for &k in Kind::ALL {
                    if let Some(i) = crate::render::params::index_of(k, a) {
                        by_kind[k as usize] = i as u8;
                        any = true;
                    }
                }
                if !any && !crate::evttype::FALCO_PARAM_NAMES.contains(&a) {
                    return Err(FieldError(format!(
                        "filter_check called with nonexistent field {fname}.{a}: no event has an \
                         argument named '{a}'"
                    )));
                }
                FieldArg::Param(by_kind)
            }
        }
    };
    Ok(Field {
        id,
        ty,
        arg: farg,
        text,
    })
}

impl Field {
    /// Fields that, without an index, stand for several values in filters (any of which may
    /// match): the ancestors of `proc.aname` and friends.
    pub fn is_any_ancestor(&self) -> bool {
        // libsinsp's `proc.aenv` in a filter compares every ancestor's environment unless it
        // names a variable: a level ([2]) is read as no name, so it too means any ancestor.
        if self.id == FieldId::ProcAenv {
            return matches!(extract::aenv_arg(self), extract::AenvArg::Level(_));
        }
        matches!(
            (self.id, &self.arg),
            (
                FieldId::ProcAname
                    | FieldId::ProcAexe
                    | FieldId::ProcAexepath
                    | FieldId::ProcApid
                    | FieldId::ProcAcmdline,
                FieldArg::None
            )
        )
    }

    /// `fd.ip`, `fd.port`, `fd.net`: filter-only fields matching either endpoint.
    pub fn is_either_endpoint(&self) -> bool {
        matches!(
            self.id,
            FieldId::FdIp | FieldId::FdPort | FieldId::FdProto | FieldId::FdNet
        )
    }

    /// Fields libsinsp marks filter-only (`EPF_FILTER_ONLY`): conditions may use them, outputs
    /// may not (Falco refuses a rule whose output names one).
    pub fn is_filter_only(&self) -> bool {
        matches!(
            self.id,
            FieldId::FdIp
                | FieldId::FdPort
                | FieldId::FdProto
                | FieldId::FdNet
                | FieldId::FdCnet
                | FieldId::FdSnet
                | FieldId::FdLnet
                | FieldId::FdRnet
        )
    }

    /// Port fields (libsinsp's `PT_PORT`): a value may be a service name (`ssh`).
    pub fn is_port(&self) -> bool {
        matches!(
            self.id,
            FieldId::FdPort
                | FieldId::FdCport
                | FieldId::FdSport
                | FieldId::FdLport
                | FieldId::FdRport
                | FieldId::FdProto
        )
    }

    /// The `fd.*.name` fields compared through the DNS table.
    pub fn is_dns_name(&self) -> bool {
        matches!(
            self.id,
            FieldId::FdSipName | FieldId::FdCipName | FieldId::FdLipName | FieldId::FdRipName
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_names_and_arguments() {
        let none = StaticFields::new();
        let f = resolve("evt.arg.flags", None, &none).unwrap();
        assert_eq!(f.id, FieldId::EvtArg);
        assert!(matches!(f.arg, FieldArg::Param(_)));
        let f = resolve("evt.arg", Some("0"), &none).unwrap();
        assert!(matches!(f.arg, FieldArg::ParamIndex(0)));
        let f = resolve("proc.aname", Some("2"), &none).unwrap();
        assert!(matches!(f.arg, FieldArg::Index(2)));
        assert_eq!(f.text, "proc.aname[2]");
        let f = resolve("fd.sip.name", None, &none).unwrap();
        assert_eq!(f.id, FieldId::FdSipName);
        let f = resolve("k8s.pod.label.app", None, &none).unwrap();
        assert!(matches!(&f.arg, FieldArg::Key(k) if &**k == "app"));
        assert!(
            resolve("proc.nme", None, &none)
                .unwrap_err()
                .0
                .contains("nonexistent field proc.nme")
        );
        assert!(resolve("proc.name", Some("1"), &none).is_err());
        assert!(resolve("proc.aname", Some("x"), &none).is_err());
        assert!(resolve("evt.arg.nosuchparam", None, &none).is_err());
        assert!(resolve("container.mount.dest", None, &none).is_err());
    }

    #[test]
    fn static_fields_resolve_to_their_value_only_when_configured() {
        let statics = StaticFields::from([("cluster".to_string(), "prod-eu".to_string())]);
        let f = resolve("static.cluster", None, &statics).unwrap();
        assert_eq!(f.id, FieldId::Static);
        assert!(matches!(&f.arg, FieldArg::Key(v) if &**v == "prod-eu"));
        assert_eq!(f.text, "static.cluster");
        let e = resolve("static.region", None, &statics).unwrap_err().0;
        assert!(
            e.contains("nonexistent field static.region (static_fields has cluster)"),
            "{e}"
        );
        assert!(resolve("static.cluster", Some("0"), &statics).is_err());
        let none = StaticFields::new();
        let e = resolve("static.cluster", None, &none).unwrap_err().0;
        assert!(e.contains("falco.yaml's `static_fields`"), "{e}");
    }
}
