//! Port fields compared with service names (`fd.sport = ssh`): libsinsp parses a port value
//! that is not all digits with `getservbyname`, so the name means what this machine's
//! `/etc/services` says, as on the Falco host that loads the rule.

use std::ffi::CString;
use std::sync::Mutex;

/// `getservbyname` returns a pointer into static storage: one lookup at a time.
static LOOKUP: Mutex<()> = Mutex::new(());

/// The port of service `name` (any protocol), if the system knows it.
pub(super) fn port(name: &str) -> Option<u16> {
    let name = CString::new(name).ok()?;
    let _guard = LOOKUP.lock().unwrap_or_else(|e| e.into_inner());
    // SAFETY: `name` is a valid C string; the returned entry is read before the lock is
    // released, and only by this thread.
    let entry = unsafe { libc::getservbyname(name.as_ptr(), std::ptr::null()) };
    if entry.is_null() {
        return None;
    }
    // SAFETY: not null, so it points at the libc's static `servent`.
    let raw = unsafe { (*entry).s_port };
    Some(u16::from_be(raw as u16))
}

#[cfg(test)]
mod tests {
    #[test]
    fn well_known_services_have_their_ports() {
        if !std::path::Path::new("/etc/services").exists() {
            return;
        }
        assert_eq!(super::port("ssh"), Some(22));
        assert_eq!(super::port("http"), Some(80));
        assert_eq!(super::port("no-such-service-rtsec"), None);
        assert_eq!(super::port("with\0nul"), None);
    }

    #[test]
    fn a_port_field_takes_a_service_name_and_refuses_an_unknown_one() {
        if !std::path::Path::new("/etc/services").exists() {
            return;
        }
        let set = crate::RuleSet::empty();
        set.filter("fd.sport in (ssh, 443) and fd.rport != http")
            .unwrap();
        let e = set.filter("fd.sport = no-such-service-rtsec").unwrap_err();
        assert!(
            e.to_string()
                .contains("'no-such-service-rtsec' is neither a port number nor a service name"),
            "{e}"
        );
        // Other numeric fields take numbers only.
        assert!(set.filter("proc.pid = ssh").is_err());
    }
}
