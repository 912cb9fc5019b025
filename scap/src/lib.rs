//! Reader for Falco/sysdig `.scap` capture files (libscap's savefile format).
//!
//! One noun: the `.scap` file. Plain and gzip files are read as a stream (gzip members
//! concatenated with `cat` read as one, as do sections of concatenated captures), block by block,
//! with a fixed amount of memory besides the metadata tables. The format is described in
//! `shared/reference/scap-format.md`; the event schema is libs' event table, kept as data in
//! `data/scap-event-table.tsv` and generated into [`table`].
//!
//! # Reading
//!
//! ```no_run
//! use rtsec_scap::{Item, ScapReader, Value};
//!
//! let mut reader = ScapReader::open("capture.scap")?;
//! while let Some(item) = reader.next_item() {
//!     match item? {
//!         Item::Thread(t) => println!("thread {} {}", t.tid, String::from_utf8_lossy(&t.comm)),
//!         Item::Event(e) if e.type_name() == "open" => {
//!             if let Value::Path(p) = e.param_by_name("name") {
//!                 println!("{} open {}", e.tid, String::from_utf8_lossy(p));
//!             }
//!         }
//!         _ => {}
//!     }
//! }
//! for (why, n) in reader.stats().by_reason() {
//!     println!("{n} × {why}");
//! }
//! # Ok::<(), rtsec_scap::ScapError>(())
//! ```
//!
//! [`ScapReader::next_item`] yields, in file order, [`Item`]s: per section a
//! [`Item::Section`] header, then the tables the capture started with — [`Item::Machine`],
//! [`Item::Interface`], [`Item::User`], [`Item::Group`], [`Item::Thread`] (process list entries,
//! all versions V1–V9) and [`Item::Fd`] — then [`Item::Event`]s. An [`Event`] has its header
//! (`ts`, `tid`, `cpu`, `dump_flags`, block `offset`), its type ([`Event::event_type`],
//! [`Event::name`], [`Event::type_name`] — generic events named after their syscall as Falco's
//! `evt.type` does —, [`Event::direction`], [`Event::flags`]) and its parameters by index or name,
//! raw ([`Event::raw_param`]) or typed ([`Event::param`], [`Event::param_by_name`],
//! [`Event::params`] → [`Value`]). Events borrow the reader until the next call;
//! [`ScapReader::into_owned`] is a standard `Iterator` of owned items instead.
//!
//! # Normalisation
//!
//! By default events are normalised the way libs' savefile converter does it (reference §8):
//! every old event version becomes the current one with the current parameter list (missing
//! parameters absent or zero, as libs fills them), and exit events of old captures get the
//! arguments that used to live only in the enter event of the same thread. Enter events whose
//! content was merged, and old enter versions libs drops, are not yielded but counted.
//! [`ReadOptions::normalize`] `= false` yields every event exactly as stored.
//!
//! # Nothing silent
//!
//! [`ScapReader::stats`] counts everything read, converted, skipped ([`Skip`]: unknown blocks and
//! event types skipped by length, malformed events, merged or dropped enter events) and yielded
//! with a caveat ([`Degraded`]: exit without its enter event, …), each with its reason. Damage
//! ends the stream with one [`ScapError`] naming the byte offset and what is wrong (not a
//! capture, truncated, corrupt framing, unsupported version, damaged gzip); every record before
//! it has been yielded. Malformed input never panics.

mod convert;
mod cursor;
mod error;
mod event;
mod input;
mod item;
pub mod meta;
mod reader;
mod stats;
pub mod table;
mod value;

pub use error::{Position, ScapError};
pub use event::{Event, OwnedEvent};
pub use item::Item;
pub use meta::{
    Bytes, FdEntry, FdTarget, Group, Interface, MachineInfo, SectionHeader, ThreadEntry, User,
};
pub use reader::{OwnedItems, ReadOptions, ScapReader};
pub use stats::{Degraded, Skip, SkipCount, Stats};
pub use table::{Direction, EventFlags, EventInfo, ParamInfo, ParamType, event_info, syscall_name};
pub use value::{FdList, SockAddr, SockTuple, Value, decode as decode_value, family};
