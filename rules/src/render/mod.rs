//! Falco's rendering of event arguments: PPM flag and enum names, errno names, the parameter
//! list of each event type (`evt.arg.NAME`, `evt.arg[N]`, `evt.args`).

pub(crate) mod caps;
pub(crate) mod errno;
pub(crate) mod flags;
pub(crate) mod params;
