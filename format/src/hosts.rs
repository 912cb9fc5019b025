//! DNS answers a capture recorded (format 1.1, appended to the [`Header`](crate::Header)):
//! rules compare `fd.*.name` fields with names, which only DNS can turn into addresses, so a
//! live capture resolves the names it is asked to (and `kubernetes.default.svc.cluster.local`)
//! and replay answers from this table, years later, on any machine.
//!
//! Traces of format 1.0 end their header before this field: it decodes as empty there.

use std::net::IpAddr;

use bincode::de::Decoder;
use bincode::enc::Encoder;
use bincode::error::{DecodeError, EncodeError};
use bincode::{Decode, Encode};
use serde::Serialize;

/// What one name resolved to when the capture started (no addresses: it did not resolve).
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct HostAnswer {
    pub name: String,
    pub addrs: Vec<IpAddr>,
}

/// The answers of a capture, in the order the names were asked.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct HostAnswers(pub Vec<HostAnswer>);

impl Encode for HostAnswers {
    fn encode<E: Encoder>(&self, encoder: &mut E) -> Result<(), EncodeError> {
        self.0.encode(encoder)
    }
}

impl<Context> Decode<Context> for HostAnswers {
    fn decode<D: Decoder<Context = Context>>(decoder: &mut D) -> Result<Self, DecodeError> {
        match Vec::<HostAnswer>::decode(decoder) {
            Ok(v) => Ok(HostAnswers(v)),
            // A format 1.0 header ends before this field.
            Err(DecodeError::UnexpectedEnd { .. }) => Ok(HostAnswers::default()),
            Err(e) => Err(e),
        }
    }
}
bincode::impl_borrow_decode!(HostAnswers);

impl HostAnswers {
    /// Every (name, address) pair (what `rtsec_rules::HostTable::insert_recorded` adds).
    pub fn pairs(&self) -> impl Iterator<Item = (&str, IpAddr)> {
        self.0
            .iter()
            .flat_map(|a| a.addrs.iter().map(move |ip| (a.name.as_str(), *ip)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::block::bincode_config;
    use crate::meta::Header;

    fn header(hosts: Vec<HostAnswer>) -> Header {
        Header {
            created_by: "test".into(),
            hosts: HostAnswers(hosts),
            ..Header::default()
        }
    }

    #[test]
    fn answers_round_trip_and_a_1_0_header_has_none() {
        let h = header(vec![
            HostAnswer {
                name: "kubernetes.default.svc.cluster.local".into(),
                addrs: vec!["10.96.0.1".parse().unwrap(), "fd00::1".parse().unwrap()],
            },
            HostAnswer {
                name: "nowhere.invalid".into(),
                addrs: vec![],
            },
        ]);
        let bytes = bincode::encode_to_vec(&h, bincode_config()).unwrap();
        let (back, n): (Header, usize) =
            bincode::decode_from_slice(&bytes, bincode_config()).unwrap();
        assert_eq!((back, n), (h.clone(), bytes.len()));
        let pairs: Vec<(&str, IpAddr)> = h.hosts.pairs().collect();
        assert_eq!(pairs.len(), 2);
        // Format 1.0 wrote the same header without the field: it ends one byte (the empty
        // list's length) earlier.
        let old = header(vec![]);
        let bytes = bincode::encode_to_vec(&old, bincode_config()).unwrap();
        let v1_0 = &bytes[..bytes.len() - 1];
        let (back, n): (Header, usize) =
            bincode::decode_from_slice(v1_0, bincode_config()).unwrap();
        assert_eq!((back, n), (old, v1_0.len()));
    }

    #[test]
    fn the_sample_trace_of_format_1_0_still_opens() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/sample.rts");
        let r = crate::TraceReader::open(path).unwrap();
        assert_eq!(r.version(), (1, 0));
        assert!(r.header().hosts.0.is_empty());
    }
}
