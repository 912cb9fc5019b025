//! Entry points for the fuzz targets in `fuzz/` (not a stable API).

use crate::block::{Block, FrameHeader};

/// Decodes decompressed block contents as if a frame promised `events` events.
pub fn decode_body(raw: &[u8], events: u32) -> Result<Block, String> {
    let frame = FrameHeader {
        events,
        first_event_num: 1,
        ..FrameHeader::default()
    };
    Block::decode_body(raw, &frame)
}
