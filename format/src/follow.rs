//! Following a trace while it is written (`rtsec replay --follow`), as `tail -f` follows a log:
//! each block is handed out once the writer has put all of it in the file, and the end comes
//! with the footer, when the writer finishes.
//!
//! The writer makes this safe without locks: a block's frame header and payload reach the file
//! in whole writes after the block is complete, and bytes within the file's length are never
//! rewritten. So a frame whose payload is not all there yet is simply not ready, and a frame
//! header that fails its checksum while the bytes after it exist is damage, as in a finished
//! file.
//!
//! The writer holds an exclusive flock on the file from its creation until it is closed, which
//! the kernel releases when the writer's process dies however it dies. A follower with
//! nothing new to read that can take the lock shared knows the trace will not grow: it ends
//! the follow with what a reader of the file would notice (truncated or unfinished) instead of
//! waiting forever.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use crate::block::{FRAME_HEADER_LEN, MAX_BLOCK_BYTES};
use crate::error::FormatError;
use crate::file::{
    FOOTER_MAGIC, Notice, Prefix, RawBlock, TRAILER_LEN, TRAILER_MAGIC, TracePrefix, find_frame,
    parse_footer, read_block, read_frame, read_prefix,
};
use crate::lock::writer_gone;
use crate::meta::{Footer, Header};

/// What [`TraceFollower::poll`] found.
#[derive(Debug)]
pub enum Followed {
    /// The next complete block.
    Block(RawBlock),
    /// Damage passed over, or a footer that could not be read (the blocks before it are all
    /// there).
    Notice(Notice),
    /// Nothing new yet: the file does not exist, or its next block or footer is not all there.
    Waiting,
    /// The writer finished: the footer follows the last block (`None`: it is damaged).
    Finished(Option<Footer>),
    /// The writer is gone without finishing the trace (killed, crashed): nothing more will
    /// come; the notice says what a reader of the file notices (truncated or unfinished).
    Abandoned(Notice),
}

/// A trace followed as it grows (see the module docs).
pub struct TraceFollower {
    path: PathBuf,
    file: Option<File>,
    prefix: Option<TracePrefix>,
    /// Where the next frame (or the footer) starts.
    pos: u64,
    /// The next block's position in the file.
    index: u32,
    /// Events in the blocks handed out.
    events: u64,
    /// The file's length at the last poll: a shorter file was replaced or cut.
    seen_len: u64,
    finished: bool,
}

impl TraceFollower {
    /// Follows `path`, which need not exist yet.
    pub fn new(path: impl Into<PathBuf>) -> TraceFollower {
        TraceFollower {
            path: path.into(),
            file: None,
            prefix: None,
            pos: 0,
            index: 0,
            events: 0,
            seen_len: 0,
            finished: false,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The trace's header, once the file has one.
    pub fn header(&self) -> Option<&Header> {
        self.prefix.as_ref().map(|p| &p.header)
    }

    /// Events in the blocks handed out so far.
    pub fn events_so_far(&self) -> u64 {
        self.events
    }

    /// Looks at the file once, without waiting: the next block, a notice, the end (the
    /// footer, or the writer gone), or [`Followed::Waiting`]. Errors: a file that is not a trace, a header that is damaged,
    /// a file that shrank (it was replaced or truncated while followed).
    pub fn poll(&mut self) -> Result<Followed, FormatError> {
        let step = self.step()?;
        let gone = match (&step, &self.file) {
            (Followed::Waiting, Some(file)) if self.prefix.is_some() => writer_gone(file),
            _ => false,
        };
        if !gone {
            return Ok(step);
        }
        // The writer may have finished between the look and the lock: look once more.
        match self.step()? {
            Followed::Waiting => {}
            step => return Ok(step),
        }
        self.finished = true;
        let after_events = self.events;
        Ok(Followed::Abandoned(if self.pos < self.seen_len {
            Notice::Truncated {
                after_events,
                bytes_lost: self.seen_len - self.pos,
            }
        } else {
            Notice::Unfinished { after_events }
        }))
    }

    /// [`TraceFollower::poll`] but for the writer's lock.
    fn step(&mut self) -> Result<Followed, FormatError> {
        if self.finished {
            return Ok(Followed::Finished(None));
        }
        let Some(len) = self.look()? else {
            return Ok(Followed::Waiting);
        };
        let file = self.file.as_ref().expect("opened by look");
        let pos = self.pos;
        if pos + 4 > len {
            return Ok(Followed::Waiting);
        }
        let mut head = [0u8; 4];
        file.read_exact_at(&mut head, pos)
            .map_err(|e| FormatError::io(&self.path, e))?;
        if head == FOOTER_MAGIC {
            return self.footer(pos, len);
        }
        if pos + FRAME_HEADER_LEN as u64 > len {
            return Ok(Followed::Waiting);
        }
        let frame = match read_frame(file, pos) {
            Some(f) if f.payload_len <= MAX_BLOCK_BYTES => f,
            _ => return Ok(self.pass_damage(pos, len)),
        };
        let total = FRAME_HEADER_LEN as u64 + frame.payload_len as u64;
        if pos + total > len {
            return Ok(Followed::Waiting);
        }
        let raw = read_block(file, &self.path, self.index, pos, frame)?;
        self.index += 1;
        self.events += frame.events as u64;
        self.pos = pos + total;
        Ok(Followed::Block(raw))
    }

    /// Looks for the header only (as [`TraceFollower::poll`] does first): `None` while the
    /// file does not exist or ends inside its header.
    pub fn poll_header(&mut self) -> Result<Option<&Header>, FormatError> {
        self.look()?;
        Ok(self.header())
    }

    /// Opens the file and reads its header if not done yet, and checks that it did not
    /// shrink; its length, or `None` while there is no file or no whole header.
    fn look(&mut self) -> Result<Option<u64>, FormatError> {
        if self.file.is_none() {
            match File::open(&self.path) {
                Ok(f) => self.file = Some(f),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(FormatError::io(&self.path, e)),
            }
        }
        let file = self.file.as_ref().expect("opened above");
        let meta = file
            .metadata()
            .map_err(|e| FormatError::io(&self.path, e))?;
        if meta.is_dir() {
            return Err(FormatError::io(
                &self.path,
                std::io::Error::new(std::io::ErrorKind::IsADirectory, "is a directory"),
            ));
        }
        let len = meta.len();
        if len < self.seen_len {
            return Err(FormatError::Shrank {
                path: self.path.clone(),
                from: self.seen_len,
                to: len,
            });
        }
        self.seen_len = len;
        if self.prefix.is_none() {
            match read_prefix(file, &self.path, len)? {
                Prefix::Whole(p) => {
                    self.pos = p.data_start;
                    self.prefix = Some(*p);
                }
                Prefix::Short(_) => return Ok(None),
            }
        }
        Ok(Some(len))
    }

    /// The footer at `pos`, once it and the trailer are all there.
    fn footer(&mut self, pos: u64, len: u64) -> Result<Followed, FormatError> {
        let file = self.file.as_ref().expect("opened");
        let mut fh = [0u8; 8];
        if pos + 8 > len {
            return Ok(Followed::Waiting);
        }
        file.read_exact_at(&mut fh, pos)
            .map_err(|e| FormatError::io(&self.path, e))?;
        let body = u32::from_le_bytes(fh[4..8].try_into().unwrap()) as u64;
        let end = pos + 12 + body;
        if end + TRAILER_LEN > len {
            return Ok(Followed::Waiting);
        }
        let mut trailer = [0u8; TRAILER_LEN as usize];
        file.read_exact_at(&mut trailer, end)
            .map_err(|e| FormatError::io(&self.path, e))?;
        self.finished = true;
        let data_start = self.prefix.as_ref().map_or(0, |p| p.data_start);
        let checked = if trailer[8..] != TRAILER_MAGIC
            || u64::from_le_bytes(trailer[..8].try_into().unwrap()) != pos
        {
            Err("the trailer after it does not point at it".to_string())
        } else {
            parse_footer(file, data_start, pos, end)
        };
        Ok(match checked {
            Ok(f) => Followed::Finished(Some(f)),
            Err(reason) => {
                // Reported now; the next poll ends the follow.
                Followed::Notice(Notice::FooterCorrupt {
                    offset: pos,
                    reason,
                })
            }
        })
    }

    /// A damaged frame header at `pos`: passes over it to the next valid frame, if the file
    /// has one yet.
    fn pass_damage(&mut self, pos: u64, len: u64) -> Followed {
        let file = self.file.as_ref().expect("opened");
        match find_frame(file, pos, len) {
            Some(next) => {
                self.pos = next;
                Followed::Notice(Notice::Skipped {
                    block: self.index,
                    offset: pos,
                    bytes: next - pos,
                    reason: "block frame header damaged".into(),
                })
            }
            // The next frame may not be written yet.
            None => Followed::Waiting,
        }
    }
}
