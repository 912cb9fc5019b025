//! A block's hit rows on a worker: held back while the block has few (the file gathers them
//! with other blocks' rows), encoded into pages as they come once it has many.

use parquet::errors::Result;

use super::pages::{HitPages, PageEncoder};
use crate::hit_rows::HitRows;
use crate::parquet_file::ENCODE_MIN_ROWS;

/// The hit rows of one block, given chunk by chunk: held back while the block has fewer than
/// [`ENCODE_MIN_ROWS`], then each chunk encoded into pages.
#[derive(Default)]
pub struct HitsStream {
    held: Vec<HitRows>,
    held_rows: usize,
    encoder: Option<PageEncoder>,
    pages: Vec<HitPages>,
}

impl HitsStream {
    pub fn new() -> Self {
        Self::default()
    }

    /// The block's next rows.
    pub fn push(&mut self, rows: HitRows) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        if self.encoder.is_none() {
            if self.held_rows + rows.len() < ENCODE_MIN_ROWS {
                self.held_rows += rows.len();
                self.held.push(rows);
                return Ok(());
            }
            self.encoder = Some(PageEncoder::new()?);
        }
        let encoder = self.encoder.as_mut().expect("made above");
        for held in std::mem::take(&mut self.held) {
            self.pages.push(encoder.encode(&held)?);
        }
        self.held_rows = 0;
        self.pages.push(encoder.encode(&rows)?);
        Ok(())
    }

    /// The block's rows: the chunks of a small block, for the file to gather, and the pages
    /// of a large one.
    pub fn finish(self) -> (Vec<HitRows>, Vec<HitPages>) {
        (self.held, self.pages)
    }
}
