//! The host's network interfaces when recording started (format 1.2, appended to the
//! [`Header`](crate::Header)): libsinsp decides which end of a socket is local (`fd.lip`,
//! `fd.lport`, `fd.rip`, `fd.rport`, `fd.is_server`) by looking the addresses up in this list,
//! so replay needs the list of the machine that recorded, not of the one replaying.
//!
//! Traces of format 1.0 and 1.1 end their header before this field: it decodes as unknown
//! there, and rules fall back to the socket's role.

use std::net::IpAddr;

use bincode::de::Decoder;
use bincode::enc::Encoder;
use bincode::error::{DecodeError, EncodeError};
use bincode::{Decode, Encode};
use serde::Serialize;

/// One address of one interface (an interface with two addresses has two entries, as in
/// libscap's list).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct Interface {
    pub name: String,
    pub addr: IpAddr,
    pub netmask: IpAddr,
}

/// The recorded list; `None` when the trace does not say (written before format 1.2, or by a
/// writer that could not know, such as the synthetic generator). An empty list is a recorded
/// answer: no address is local, as in libsinsp with a capture lacking its interface block.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Interfaces(pub Option<Vec<Interface>>);

impl Encode for Interfaces {
    fn encode<E: Encoder>(&self, encoder: &mut E) -> Result<(), EncodeError> {
        self.0.encode(encoder)
    }
}

impl<Context> Decode<Context> for Interfaces {
    fn decode<D: Decoder<Context = Context>>(decoder: &mut D) -> Result<Self, DecodeError> {
        match Option::<Vec<Interface>>::decode(decoder) {
            Ok(v) => Ok(Interfaces(v)),
            // A header of format 1.0 or 1.1 ends before this field.
            Err(DecodeError::UnexpectedEnd { .. }) => Ok(Interfaces(None)),
            Err(e) => Err(e),
        }
    }
}
bincode::impl_borrow_decode!(Interfaces);

impl Interfaces {
    pub fn recorded(list: Vec<Interface>) -> Self {
        Interfaces(Some(list))
    }

    /// The addresses, or `None` if the trace does not say.
    pub fn addrs(&self) -> Option<impl Iterator<Item = IpAddr> + '_> {
        self.0.as_ref().map(|l| l.iter().map(|i| i.addr))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::block::bincode_config;
    use crate::meta::Header;

    fn header(interfaces: Interfaces) -> Header {
        Header {
            created_by: "test".into(),
            interfaces,
            ..Header::default()
        }
    }

    #[test]
    fn interfaces_round_trip_and_an_older_header_has_none() {
        let h = header(Interfaces::recorded(vec![
            Interface {
                name: "lo".into(),
                addr: "127.0.0.1".parse().unwrap(),
                netmask: "255.0.0.0".parse().unwrap(),
            },
            Interface {
                name: "eth0".into(),
                addr: "fd00::5".parse().unwrap(),
                netmask: "ffff:ffff:ffff:ffff::".parse().unwrap(),
            },
        ]));
        let bytes = bincode::encode_to_vec(&h, bincode_config()).unwrap();
        let (back, n): (Header, usize) =
            bincode::decode_from_slice(&bytes, bincode_config()).unwrap();
        assert_eq!((back, n), (h.clone(), bytes.len()));
        assert_eq!(h.interfaces.addrs().unwrap().count(), 2);

        // Format 1.1 wrote the same header without the field: it ends one byte (`None`)
        // earlier. A recorded empty list is not the same as no list.
        let unknown = header(Interfaces(None));
        let bytes = bincode::encode_to_vec(&unknown, bincode_config()).unwrap();
        let v1_1 = &bytes[..bytes.len() - 1];
        let (back, n): (Header, usize) =
            bincode::decode_from_slice(v1_1, bincode_config()).unwrap();
        assert_eq!((back, n), (unknown, v1_1.len()));
        let empty = header(Interfaces::recorded(vec![]));
        let bytes = bincode::encode_to_vec(&empty, bincode_config()).unwrap();
        let (back, _): (Header, usize) =
            bincode::decode_from_slice(&bytes, bincode_config()).unwrap();
        assert_eq!(back.interfaces, Interfaces(Some(vec![])));
    }
}
