//! Falco's fields (libsinsp's syscall filterchecks and the container plugin's) that rtsec does
//! not evaluate, each with what it would need. A rule naming one is refused with that reason
//! instead of Falco's "nonexistent field" (the field exists; Falco would run the rule), and
//! `rtsec fields --unsupported` lists them.

/// Why a group of fields cannot be evaluated from a trace.
const ENTER_EXIT: &str = "it is the time between a syscall's enter and exit events, and rtsec \
     records one event per syscall, at its exit";
const PREVIOUS_EVENT: &str = "it is the time since the previous event of the whole capture, \
     which rtsec does not compute";
const FIRST_EVENT: &str = "it is the time since the capture's first event, which rtsec does \
     not compute";
const CATEGORY: &str = "it needs libsinsp's event categories, which rtsec does not implement";
const TABLE_ONLY: &str = "it is one of sysdig's table-view fields, which rtsec does not \
     implement";
const PROCINFO: &str = "it comes from procinfo events (sysdig's periodic CPU and memory \
     samples), which rtsec does not record";
const DOCKER_EVENTS: &str = "it comes from Docker infrastructure events, which rtsec does not \
     record";
const FD_TABLE: &str = "it needs the process's table of open fds at each event, which traces \
     do not keep";
const MEMORY: &str = "it needs the process's memory and page-fault counters, which rtsec does \
     not record";
const SCHED: &str = "it needs scheduler switch events, which rtsec does not record";
const CGROUPS: &str = "it needs each process's cgroup paths per subsystem, which rtsec does \
     not record (it records the container a cgroup belongs to)";
const THREAD_COUNTS: &str = "it needs the live thread counts of each process, which rtsec does \
     not record";
const PROBES: &str = "it needs the container's health check and probes from the runtime, which \
     rtsec does not record";
const CNI: &str = "it needs the pod's CNI result from the runtime, which rtsec does not record";
const HOST_NS: &str = "it needs the container's namespace settings from the runtime, which \
     rtsec does not record";
const SANDBOX: &str = "it needs the pod sandbox's id from the runtime, which rtsec does not \
     record";
const AROUND: &str = "it is sysdig's time-window filter; rtsec's --since and --until select \
     a time window";
const POLL: &str = "it needs poll's fd lists, and rtsec does not record poll";

/// `(name, why)` for every field of Falco's that rtsec does not evaluate. A field taking an
/// argument is listed by its name without it.
pub(crate) const UNSUPPORTED: &[(&str, &str)] = &[
    ("evt.latency", ENTER_EXIT),
    ("evt.latency.s", ENTER_EXIT),
    ("evt.latency.ns", ENTER_EXIT),
    ("evt.latency.quantized", ENTER_EXIT),
    ("evt.latency.human", ENTER_EXIT),
    ("evt.wait_latency", ENTER_EXIT),
    ("evt.deltatime", PREVIOUS_EVENT),
    ("evt.deltatime.s", PREVIOUS_EVENT),
    ("evt.deltatime.ns", PREVIOUS_EVENT),
    ("evt.reltime", FIRST_EVENT),
    ("evt.reltime.s", FIRST_EVENT),
    ("evt.reltime.ns", FIRST_EVENT),
    ("evt.around", AROUND),
    ("evt.category", CATEGORY),
    ("evt.count.error.memory", CATEGORY),
    ("evt.count.error.other", CATEGORY),
    ("evt.count.procinfo", PROCINFO),
    ("evt.count.threadinfo", PROCINFO),
    ("evt.buflen.in", TABLE_ONLY),
    ("evt.buflen.out", TABLE_ONLY),
    ("evt.buflen.file", TABLE_ONLY),
    ("evt.buflen.file.in", TABLE_ONLY),
    ("evt.buflen.file.out", TABLE_ONLY),
    ("evt.buflen.net", TABLE_ONLY),
    ("evt.buflen.net.in", TABLE_ONLY),
    ("evt.buflen.net.out", TABLE_ONLY),
    ("evt.infra.docker.name", DOCKER_EVENTS),
    ("evt.infra.docker.container.id", DOCKER_EVENTS),
    ("evt.infra.docker.container.name", DOCKER_EVENTS),
    ("evt.infra.docker.container.image", DOCKER_EVENTS),
    ("proc.fdopencount", FD_TABLE),
    ("proc.fdusage", FD_TABLE),
    ("fd.types", FD_TABLE),
    ("proc.vmsize", MEMORY),
    ("proc.vmrss", MEMORY),
    ("proc.vmswap", MEMORY),
    ("thread.vmsize", MEMORY),
    ("thread.vmrss", MEMORY),
    ("thread.vmsize.b", MEMORY),
    ("thread.vmrss.b", MEMORY),
    ("thread.pfmajor", MEMORY),
    ("thread.pfminor", MEMORY),
    ("thread.cpu", PROCINFO),
    ("thread.cpu.user", PROCINFO),
    ("thread.cpu.system", PROCINFO),
    ("thread.exectime", SCHED),
    ("thread.totexectime", SCHED),
    ("thread.cgroups", CGROUPS),
    ("thread.cgroup", CGROUPS),
    ("proc.nthreads", THREAD_COUNTS),
    ("proc.nchilds", THREAD_COUNTS),
    ("proc.is_container_healthcheck", PROBES),
    ("proc.is_container_liveness_probe", PROBES),
    ("proc.is_container_readiness_probe", PROBES),
    ("container.healthcheck", PROBES),
    ("container.liveness_probe", PROBES),
    ("container.readiness_probe", PROBES),
    ("container.cni.json", CNI),
    ("k8s.pod.cni.json", CNI),
    ("container.host_pid", HOST_NS),
    ("container.host_network", HOST_NS),
    ("container.host_ipc", HOST_NS),
    ("k8s.pod.sandbox_id", SANDBOX),
    ("k8s.pod.full_sandbox_id", SANDBOX),
    ("fdlist.nums", POLL),
    ("fdlist.names", POLL),
    ("fdlist.cips", POLL),
    ("fdlist.sips", POLL),
    ("fdlist.cports", POLL),
    ("fdlist.sports", POLL),
];

/// Why `name` (as written: `thread.cgroup.cpu`, `fd.types[0]`) is a Falco field rtsec does
/// not evaluate; `None` if it is not one.
pub(crate) fn why(name: &str) -> Option<(&'static str, &'static str)> {
    UNSUPPORTED.iter().copied().find(|(field, _)| {
        name == *field
            || name
                .strip_prefix(field)
                .is_some_and(|rest| rest.starts_with('.') && *field == "thread.cgroup")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn none_is_a_field_rtsec_has() {
        for (name, _) in UNSUPPORTED {
            assert!(
                super::super::TABLE.iter().all(|(n, ..)| n != name),
                "{name} is listed as unsupported but rtsec has it"
            );
        }
    }

    #[test]
    fn arguments_are_matched() {
        assert!(why("thread.cgroup.cpuacct").is_some());
        assert!(why("proc.nthreads").is_some());
        assert!(why("proc.nthreadsx").is_none());
        assert!(why("proc.name").is_none());
    }
}
