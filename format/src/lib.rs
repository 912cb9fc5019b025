//! rtsec's trace format: the event model, the resolved records next to the events, and the
//! `.rts` file they are stored in.
//!
//! A trace is a header, then self-contained zstd-compressed blocks, then a footer (see
//! [`file`] for the byte layout). Writers hand events over with their records
//! ([`TraceWriter::push`]); readers get blocks that decode independently ([`TraceReader::blocks`],
//! [`RawBlock::decode`]) and look at events through [`EventView`].

pub mod args;
pub mod block;
mod body;
pub mod builder;
mod columns;
pub mod error;
pub mod file;
pub mod follow;
#[doc(hidden)]
pub mod fuzzing;
pub mod hosts;
pub mod interfaces;
pub mod kind;
mod lock;
pub mod meta;
pub mod paths;
pub mod record;
pub mod strings;
pub mod synth;
pub mod syscalls;
pub mod wire;
pub mod writer;

pub use args::{AT_FDCWD, Args, PathArg, SockAddr};
pub use block::{Block, EventView};
pub use builder::NewEvent;
pub use error::FormatError;
pub use file::{Notice, OutsideWindow, RawBlock, RawBlocks, TRACE_MAGIC, TraceReader};
pub use follow::{Followed, TraceFollower};
pub use kind::Kind;
pub use meta::{CaptureSettings, DATA_CUT, Footer, Header, KEPT_INCOMPLETE, Losses, not_recorded};
pub use record::{
    Bytes, ContainerInfo, FdInfo, FdType, GroupInfo, IdGen, L4Proto, LocalSide, MountInfo,
    ProcessInfo, UserInfo,
};
pub use strings::lossless;
pub use wire::{Container, Event, Fd, Group, Process, Ref, StrId, StrList, User};
pub use writer::{TraceWriter, WriteSummary, WriterOptions, encode_block};
