//! File layout constants and the reader.
//!
//! ```text
//! magic(8) major(u16) minor(u16) header_len(u32) header(bincode) header_crc(u32)
//! { block frame: "RTSB" lengths counts times crcs (52 bytes), zstd payload }*
//! "RTSF" footer_len(u32) footer_crc(u32) footer(bincode)   ┐ written by finish();
//! footer_offset(u64) "RTSTRAIL"                            ┘ absent if the writer was killed
//! ```

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::block::{
    BLOCK_MAGIC, Block, FRAME_HEADER_LEN, FrameHeader, MAX_BLOCK_BYTES, bincode_config,
    decode_payload, decode_payload_into,
};
use crate::error::FormatError;
use crate::meta::{Footer, Header};

/// First bytes of every trace (PNG-style: catches text-mode and truncation damage early).
pub const TRACE_MAGIC: [u8; 8] = *b"\x89RTSEC\r\n";
pub const FOOTER_MAGIC: [u8; 4] = *b"RTSF";
pub const TRAILER_MAGIC: [u8; 8] = *b"RTSTRAIL";
/// Format version written; readers refuse a newer major.
pub const FORMAT_MAJOR: u16 = 1;
pub const FORMAT_MINOR: u16 = 2;

pub(crate) const TRAILER_LEN: u64 = 16;
const MAX_HEADER_BYTES: u32 = 16 << 20;

/// Something a reader noticed that is not fatal but must be reported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "notice", rename_all = "snake_case")]
pub enum Notice {
    /// The file ends inside a block or inside the footer: everything before is intact.
    Truncated { after_events: u64, bytes_lost: u64 },
    /// The file has no footer although its last block is complete: the writer did not finish
    /// (killed or crashed).
    Unfinished { after_events: u64 },
    /// The file has no footer because its writer still holds it (a running capture): what is
    /// written so far was read.
    BeingWritten { after_events: u64 },
    /// A damaged region was skipped (salvage mode).
    Skipped {
        block: u32,
        offset: u64,
        bytes: u64,
        reason: String,
    },
    /// The footer is damaged; the blocks were scanned instead.
    FooterCorrupt { offset: u64, reason: String },
}

impl std::fmt::Display for Notice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Notice::Truncated {
                after_events,
                bytes_lost,
            } => write!(
                f,
                "truncated: the file ends inside a block; {after_events} events before it are intact, {bytes_lost} bytes at the end were lost"
            ),
            Notice::Unfinished { after_events } => write!(
                f,
                "unfinished: no footer (its writer was killed or crashed); {after_events} events in complete blocks"
            ),
            Notice::BeingWritten { after_events } => write!(
                f,
                "still being written (a running capture holds it): {after_events} events in complete blocks so far; `rtsec replay -f` follows it to its end"
            ),
            Notice::Skipped {
                block,
                offset,
                bytes,
                reason,
            } => write!(
                f,
                "skipped {bytes} damaged bytes at offset {offset} (block {block}): {reason}"
            ),
            Notice::FooterCorrupt { offset, reason } => write!(
                f,
                "footer at offset {offset} is damaged ({reason}); blocks were scanned instead"
            ),
        }
    }
}

/// An open trace.
pub struct TraceReader {
    path: PathBuf,
    file: File,
    file_len: u64,
    version: (u16, u16),
    header: Header,
    data_start: u64,
    /// Where blocks end: the footer's offset, or the end of the file without one.
    data_end: u64,
    footer: Option<Footer>,
    footer_notice: Option<Notice>,
}

/// A block as read from the file: checked frame, payload not yet decompressed.
#[derive(Clone, Debug)]
pub struct RawBlock {
    pub index: u32,
    pub offset: u64,
    pub frame: FrameHeader,
    pub payload: Vec<u8>,
}

impl RawBlock {
    /// Checks the payload checksum, decompresses and decodes. Safe to call on any thread.
    pub fn decode(&self) -> Result<Block, FormatError> {
        decode_payload(&self.frame, &self.payload, self.index, self.offset)
    }

    /// Like [`RawBlock::decode`], into `block`, reusing its allocations: a thread that decodes
    /// block after block into the same `Block` avoids megabytes of fresh memory (and its page
    /// faults) per block. On error `block` holds partial contents.
    pub fn decode_into(&self, block: &mut Block) -> Result<(), FormatError> {
        decode_payload_into(&self.frame, &self.payload, self.index, self.offset, block)
    }
}

impl TraceReader {
    /// Opens a trace and reads its header and (if present) footer.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, FormatError> {
        let path = path.as_ref().to_path_buf();
        let file = File::open(&path).map_err(|e| FormatError::io(&path, e))?;
        let meta = file.metadata().map_err(|e| FormatError::io(&path, e))?;
        if meta.is_dir() {
            return Err(FormatError::io(
                &path,
                std::io::Error::new(std::io::ErrorKind::IsADirectory, "is a directory"),
            ));
        }
        let file_len = meta.len();
        let prefix = match read_prefix(&file, &path, file_len)? {
            Prefix::Whole(p) => p,
            Prefix::Short(e) => return Err(e),
        };
        let mut r = TraceReader {
            path,
            file,
            file_len,
            version: prefix.version,
            header: prefix.header,
            data_start: prefix.data_start,
            data_end: file_len,
            footer: None,
            footer_notice: None,
        };
        r.read_footer();
        Ok(r)
    }

    fn read_footer(&mut self) {
        if self.file_len < self.data_start + TRAILER_LEN {
            return;
        }
        let mut trailer = [0u8; TRAILER_LEN as usize];
        if self
            .file
            .read_exact_at(&mut trailer, self.file_len - TRAILER_LEN)
            .is_err()
            || trailer[8..] != TRAILER_MAGIC
        {
            return;
        }
        let off = u64::from_le_bytes(trailer[..8].try_into().unwrap());
        match parse_footer(
            &self.file,
            self.data_start,
            off,
            self.file_len - TRAILER_LEN,
        ) {
            Ok(f) => {
                self.footer = Some(f);
                self.data_end = off;
            }
            Err(reason) => {
                self.footer_notice = Some(Notice::FooterCorrupt {
                    offset: off,
                    reason,
                });
            }
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
    pub fn header(&self) -> &Header {
        &self.header
    }
    /// The footer, if the writer finished and it is intact.
    pub fn footer(&self) -> Option<&Footer> {
        self.footer.as_ref()
    }
    /// `(major, minor)` of the file's format.
    pub fn version(&self) -> (u16, u16) {
        self.version
    }
    pub fn file_len(&self) -> u64 {
        self.file_len
    }

    /// The blocks in file order. With `salvage`, damaged frames are skipped (and reported as
    /// notices) instead of ending the iteration with an error.
    pub fn blocks(&self, salvage: bool) -> RawBlocks<'_> {
        RawBlocks {
            reader: self,
            pos: self.data_start,
            index: 0,
            events: 0,
            salvage,
            done: false,
            notices: self.footer_notice.iter().cloned().collect(),
            window: None,
            outside: OutsideWindow::default(),
            before: None,
        }
    }

    /// The block at `offset`, the `index`-th of the file (as [`RawBlocks`] hands it out).
    pub fn block_at(&self, index: u32, offset: u64) -> Result<RawBlock, FormatError> {
        let frame = read_frame(&self.file, offset)
            .filter(|f| f.payload_len <= MAX_BLOCK_BYTES)
            .ok_or_else(|| FormatError::CorruptBlock {
                block: index,
                offset,
                reason: "no valid block frame here".into(),
            })?;
        read_block(&self.file, &self.path, index, offset, frame)
    }

    /// Decodes every block in order, calling `f` on each. Damaged blocks are an error unless
    /// `salvage`, in which case they are skipped and reported. Returns the notices.
    pub fn for_each_block(
        &self,
        salvage: bool,
        mut f: impl FnMut(&Block),
    ) -> Result<Vec<Notice>, FormatError> {
        let mut blocks = self.blocks(salvage);
        let mut extra = Vec::new();
        for raw in &mut blocks {
            let raw = raw?;
            match raw.decode() {
                Ok(b) => f(&b),
                Err(FormatError::CorruptBlock {
                    block,
                    offset,
                    reason,
                }) if salvage => extra.push(Notice::Skipped {
                    block,
                    offset,
                    bytes: crate::block::FRAME_HEADER_LEN as u64 + raw.frame.payload_len as u64,
                    reason,
                }),
                Err(e) => return Err(e),
            }
        }
        let mut notices = blocks.into_notices();
        notices.extend(extra);
        Ok(notices)
    }
}

/// Iterator over a trace's blocks; see [`TraceReader::blocks`].
/// Blocks [`RawBlocks::only_between`] passed over, with their events and bytes (frame
/// headers and payloads, none of it read).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OutsideWindow {
    pub blocks: u64,
    pub events: u64,
    pub bytes: u64,
}

pub struct RawBlocks<'a> {
    reader: &'a TraceReader,
    pos: u64,
    index: u32,
    events: u64,
    salvage: bool,
    done: bool,
    notices: Vec<Notice>,
    /// Only blocks with events from `.0` to `.1` (ns, both included) are read.
    window: Option<(u64, u64)>,
    /// What was passed over as outside the window.
    outside: OutsideWindow,
    /// The last block passed over as before the window, while none was read yet: its index
    /// and offset.
    before: Option<(u32, u64)>,
}

impl RawBlocks<'_> {
    /// Passes over the blocks whose events all lie before `first` or after `last` (ns since
    /// the epoch) without reading their payload: their frame headers say their time span.
    pub fn only_between(mut self, first: u64, last: u64) -> Self {
        self.window = Some((first, last));
        self
    }

    /// What was passed over as outside [`RawBlocks::only_between`]'s window so far.
    pub fn outside_window(&self) -> OutsideWindow {
        self.outside
    }

    /// The last block passed over as before the window (its index and offset, for
    /// [`TraceReader::block_at`]): the losses it records are those before the window.
    pub fn before_window(&self) -> Option<(u32, u64)> {
        self.before
    }

    /// What the iteration noticed (truncation, a missing footer, skipped damage). Complete once
    /// the iterator returned `None`.
    pub fn notices(&self) -> &[Notice] {
        &self.notices
    }

    pub fn into_notices(self) -> Vec<Notice> {
        self.notices
    }

    /// Events in the blocks handed out so far.
    pub fn events_so_far(&self) -> u64 {
        self.events
    }

    fn read_frame(&self, at: u64) -> Option<FrameHeader> {
        read_frame(&self.reader.file, at)
    }

    fn resync(&self, from: u64) -> Option<u64> {
        find_frame(&self.reader.file, from, self.reader.data_end)
    }

    fn finish_at(&mut self, pos: u64) {
        self.done = true;
        let end = self.reader.data_end;
        if self.reader.footer.is_none() && !crate::lock::writer_gone(&self.reader.file) {
            // The end is where the writer is, not damage.
            self.notices.push(Notice::BeingWritten {
                after_events: self.events,
            });
        } else if pos < end {
            self.notices.push(Notice::Truncated {
                after_events: self.events,
                bytes_lost: end - pos,
            });
        } else if self.reader.footer.is_none() {
            self.notices.push(Notice::Unfinished {
                after_events: self.events,
            });
        }
    }
}

impl Iterator for RawBlocks<'_> {
    type Item = Result<RawBlock, FormatError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.done {
                return None;
            }
            let end = self.reader.data_end;
            let pos = self.pos;
            if pos + FRAME_HEADER_LEN as u64 > end {
                self.finish_at(pos);
                return None;
            }
            let Some(frame) = self.read_frame(pos) else {
                let mut head = [0u8; 4];
                let _ = self.reader.file.read_exact_at(&mut head, pos);
                if head == FOOTER_MAGIC {
                    // A footer we could not use (its trailer damaged or cut short): the blocks
                    // are all here, no event was lost.
                    self.done = true;
                    if self.reader.footer_notice.is_none() {
                        self.notices.push(Notice::FooterCorrupt {
                            offset: pos,
                            reason: "its trailer, the file's last bytes, is damaged or cut short"
                                .into(),
                        });
                    }
                    return None;
                }
                let reason = "block frame header damaged".to_string();
                if !self.salvage {
                    self.done = true;
                    return Some(Err(FormatError::CorruptBlock {
                        block: self.index,
                        offset: pos,
                        reason,
                    }));
                }
                match self.resync(pos) {
                    Some(next) => {
                        self.notices.push(Notice::Skipped {
                            block: self.index,
                            offset: pos,
                            bytes: next - pos,
                            reason,
                        });
                        self.pos = next;
                        continue;
                    }
                    None => {
                        self.finish_at(pos);
                        return None;
                    }
                }
            };
            let total = FRAME_HEADER_LEN as u64 + frame.payload_len as u64;
            if frame.payload_len > MAX_BLOCK_BYTES || pos + total > end {
                self.finish_at(pos);
                return None;
            }
            if let Some((first, last)) = self.window
                && (frame.ts_max < first || frame.ts_min > last)
            {
                if frame.ts_max < first && self.outside.blocks == self.index as u64 {
                    self.before = Some((self.index, pos));
                }
                self.outside.blocks += 1;
                self.outside.events += frame.events as u64;
                self.outside.bytes += total;
                self.index += 1;
                self.events += frame.events as u64;
                self.pos = pos + total;
                continue;
            }
            let raw = match read_block(&self.reader.file, &self.reader.path, self.index, pos, frame)
            {
                Ok(raw) => raw,
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            };
            self.index += 1;
            self.events += frame.events as u64;
            self.pos = pos + total;
            return Some(Ok(raw));
        }
    }
}

/// A trace's first bytes, parsed.
pub(crate) struct TracePrefix {
    pub version: (u16, u16),
    pub header: Header,
    /// Where the first block starts.
    pub data_start: u64,
}

/// What the start of a file says: a whole header, or a file that ends before its header does
/// (with the error a reader of the finished file gives; a follower waits instead).
pub(crate) enum Prefix {
    Whole(Box<TracePrefix>),
    Short(FormatError),
}

/// Reads and checks the magic, version and header of the `file_len` bytes of `file`.
pub(crate) fn read_prefix(file: &File, path: &Path, file_len: u64) -> Result<Prefix, FormatError> {
    let path = path.to_path_buf();
    let mut prefix = [0u8; 16];
    let have = file_len.min(16) as usize;
    if file.read_exact_at(&mut prefix[..have], 0).is_err()
        || prefix[..have.min(8)] != TRACE_MAGIC[..have.min(8)]
    {
        return Err(FormatError::NotATrace { path });
    }
    if file_len < 16 {
        return Ok(Prefix::Short(FormatError::NotATrace { path }));
    }
    let major = u16::from_le_bytes([prefix[8], prefix[9]]);
    let minor = u16::from_le_bytes([prefix[10], prefix[11]]);
    if major > FORMAT_MAJOR {
        return Err(FormatError::NewerVersion {
            path,
            major,
            minor,
            supported: FORMAT_MAJOR,
        });
    }
    let corrupt = |offset: u64, reason: String| FormatError::CorruptHeader {
        path: path.clone(),
        offset,
        reason,
    };
    if major < FORMAT_MAJOR {
        return Err(corrupt(
            8,
            format!("format version {major}.{minor} is unknown"),
        ));
    }
    let hlen = u32::from_le_bytes(prefix[12..16].try_into().unwrap());
    let data_start = 16 + hlen as u64 + 4;
    let does_not_fit = || {
        corrupt(
            12,
            format!("header length {hlen} does not fit in a {file_len}-byte file"),
        )
    };
    if hlen > MAX_HEADER_BYTES {
        return Err(does_not_fit());
    }
    if data_start > file_len {
        return Ok(Prefix::Short(does_not_fit()));
    }
    let mut hbuf = vec![0u8; hlen as usize + 4];
    file.read_exact_at(&mut hbuf, 16)
        .map_err(|e| FormatError::io(&path, e))?;
    let (hbytes, crc) = hbuf.split_at(hlen as usize);
    let mut whole = prefix.to_vec();
    whole.extend_from_slice(hbytes);
    if crc32fast::hash(&whole) != u32::from_le_bytes(crc.try_into().unwrap()) {
        return Err(corrupt(16, "header checksum mismatch".into()));
    }
    let (header, _): (Header, usize) = bincode::decode_from_slice(hbytes, bincode_config())
        .map_err(|e| corrupt(16, e.to_string()))?;
    Ok(Prefix::Whole(Box::new(TracePrefix {
        version: (major, minor),
        header,
        data_start,
    })))
}

/// Parses the footer at `off`, whose body must end at `end` (where the trailer starts).
pub(crate) fn parse_footer(
    file: &File,
    data_start: u64,
    off: u64,
    end: u64,
) -> Result<Footer, String> {
    if off < data_start || off + 12 > end {
        return Err(format!("footer offset {off} is outside the file"));
    }
    let mut fh = [0u8; 12];
    file.read_exact_at(&mut fh, off)
        .map_err(|e| e.to_string())?;
    if fh[..4] != FOOTER_MAGIC {
        return Err("no footer magic".into());
    }
    let len = u32::from_le_bytes(fh[4..8].try_into().unwrap()) as u64;
    let crc = u32::from_le_bytes(fh[8..12].try_into().unwrap());
    if off + 12 + len != end {
        return Err("footer length does not match the file".into());
    }
    let mut body = vec![0u8; len as usize];
    file.read_exact_at(&mut body, off + 12)
        .map_err(|e| e.to_string())?;
    if crc32fast::hash(&body) != crc {
        return Err("checksum mismatch".into());
    }
    let (f, _): (Footer, usize) =
        bincode::decode_from_slice(&body, bincode_config()).map_err(|e| e.to_string())?;
    Ok(f)
}

/// The block whose frame header `frame` starts at `offset`: its payload read.
pub(crate) fn read_block(
    file: &File,
    path: &Path,
    index: u32,
    offset: u64,
    frame: FrameHeader,
) -> Result<RawBlock, FormatError> {
    let mut payload = vec![0u8; frame.payload_len as usize];
    file.read_exact_at(&mut payload, offset + FRAME_HEADER_LEN as u64)
        .map_err(|e| FormatError::io(path, e))?;
    Ok(RawBlock {
        index,
        offset,
        frame,
        payload,
    })
}

/// The frame header at `at`, if a valid one starts there.
pub(crate) fn read_frame(file: &File, at: u64) -> Option<FrameHeader> {
    let mut b = [0u8; FRAME_HEADER_LEN];
    file.read_exact_at(&mut b, at).ok()?;
    FrameHeader::from_bytes(&b)
}

/// The first offset after `from` and before `end` where a valid frame header starts.
pub(crate) fn find_frame(file: &File, from: u64, end: u64) -> Option<u64> {
    let mut buf = vec![0u8; 1 << 16];
    let mut at = from;
    while at + FRAME_HEADER_LEN as u64 <= end {
        let n = ((end - at) as usize).min(buf.len());
        if file.read_exact_at(&mut buf[..n], at).is_err() {
            return None;
        }
        for i in memchr::memmem::find_iter(&buf[..n], &BLOCK_MAGIC) {
            let cand = at + i as u64;
            if cand > from && read_frame(file, cand).is_some() {
                return Some(cand);
            }
        }
        if n < 4 {
            break;
        }
        at += (n - 3) as u64;
    }
    None
}
