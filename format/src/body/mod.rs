//! The bytes of a block body (before zstd), and back.
//!
//! ```text
//! string table | containers, users, groups (bincode) | processes, fds, events (columns) | losses
//! ```
//! The big tables are columnar (`columns.rs`) and stored relative to what a reader already knows:
//! timestamps as deltas, a thread's tid against its process's pid, a parent as the distance back
//! to it, a resolved path as "same as the raw one". That is what gets a realistic event mix to a
//! few bytes per event after zstd. Every read is bounds-checked: damage gives an error, never a
//! panic or a huge allocation.
//!
//! One file per table: `processes.rs`, `fds.rs`, `events.rs` and the events' arguments in
//! `args.rs`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use bincode::de::Decode;
use bincode::enc::write::Writer;
use bincode::enc::{Encode, EncoderImpl};
use bincode::error::EncodeError;

use crate::block::{Block, bincode_config};
use crate::wire::Ref;

mod args;
mod events;
mod fds;
mod processes;

use events::{decode_events, encode_events};
use fds::{decode_fds, encode_fds};
use processes::{decode_processes, encode_processes};

type Res<T> = Result<T, String>;

/// Encodes everything in `b` but the frame fields.
pub(crate) fn encode(b: &Block) -> Result<Vec<u8>, EncodeError> {
    let mut out = Vec::with_capacity(b.events.len() * 48 + b.strings.byte_len());
    b.strings.write(&mut out);
    bin(&mut out, &b.containers)?;
    bin(&mut out, &b.users)?;
    bin(&mut out, &b.groups)?;
    let base_ts = b.events.first().map_or(0, |e| e.ts);
    crate::columns::put_u(&mut out, base_ts);
    encode_processes(&b.processes, base_ts, &mut out);
    encode_fds(&b.fds, &mut out);
    encode_events(b, base_ts, &mut out);
    bin(&mut out, &b.losses)?;
    Ok(out)
}

/// Decodes a body; `events` is the count the frame promises.
/// Decodes into `b`, reusing its allocations (the tables of a block are megabytes: replay
/// decodes thousands of blocks per thread). On error `b` holds partial contents.
pub(crate) fn decode_into(raw: &[u8], events: usize, b: &mut Block) -> Res<()> {
    let mut input = raw;
    b.strings.read_into(&mut input)?;
    b.containers = unbin(&mut input)?;
    b.users = unbin(&mut input)?;
    b.groups = unbin(&mut input)?;
    let base_ts = crate::columns::get_u(&mut input)?;
    decode_processes(&mut input, base_ts, &mut b.processes)?;
    decode_fds(&mut input, b.strings.len(), &mut b.fds)?;
    decode_events(
        &mut input,
        base_ts,
        events,
        &b.processes,
        &b.fds,
        &mut b.events,
    )?;
    b.losses = unbin(&mut input)?;
    Ok(())
}

struct VecWriter<'a>(&'a mut Vec<u8>);

impl Writer for VecWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> Result<(), EncodeError> {
        self.0.extend_from_slice(bytes);
        Ok(())
    }
}

fn bin<T: Encode>(out: &mut Vec<u8>, v: &T) -> Result<(), EncodeError> {
    let mut e = EncoderImpl::new(VecWriter(out), bincode_config());
    v.encode(&mut e)
}

fn unbin<T: Decode<()>>(input: &mut &[u8]) -> Res<T> {
    let (v, n) = bincode::decode_from_slice(input, bincode_config()).map_err(|e| e.to_string())?;
    *input = &input[n..];
    Ok(v)
}

// An optional link to an earlier row (`at` is the row's own index): 0 = none, else the distance.
fn back_ref(r: Option<Ref>, at: usize) -> u64 {
    r.map_or(0, |r| (at as u64).wrapping_sub(r as u64))
}

fn opt_ref(r: Option<Ref>) -> u64 {
    r.map_or(0, |r| r as u64 + 1)
}

#[inline(always)]
fn un_opt_ref(v: u64) -> Res<Option<Ref>> {
    match v {
        0 => Ok(None),
        v if v <= u32::MAX as u64 => Ok(Some((v - 1) as Ref)),
        _ => Err("record reference out of range".into()),
    }
}

// Timestamps of a block cluster around its first event; 0 means unknown and stays 0.
fn rel_ts(ts: u64, base: u64) -> u64 {
    if ts == 0 {
        0
    } else {
        1 + crate::columns::zigzag(ts.wrapping_sub(base) as i64)
    }
}

fn un_rel_ts(v: u64, base: u64) -> u64 {
    if v == 0 {
        0
    } else {
        base.wrapping_add(crate::columns::unzigzag(v - 1) as u64)
    }
}

// u32::MAX ("unset") is common for loginuid; shift it to 0.
fn shifted(v: u32) -> u64 {
    v.wrapping_add(1) as u64
}

// Bounds-checked reads of the byte columns (fd and argument addresses).
#[inline(always)]
fn take<'a>(input: &mut &'a [u8], n: usize) -> Res<&'a [u8]> {
    if input.len() < n {
        return Err(crate::columns::SHORT.into());
    }
    let (a, b) = input.split_at(n);
    *input = b;
    Ok(a)
}

#[inline(always)]
fn get_ip(input: &mut &[u8], tag: u8) -> Res<IpAddr> {
    Ok(match tag {
        4 => IpAddr::V4(Ipv4Addr::from(
            <[u8; 4]>::try_from(take(input, 4)?).unwrap(),
        )),
        6 => IpAddr::V6(Ipv6Addr::from(
            <[u8; 16]>::try_from(take(input, 16)?).unwrap(),
        )),
        t => return Err(format!("unknown address family tag {t}")),
    })
}
