//! A block's hit rows on their way to row groups.

use parquet::errors::Result;

use super::{HitsEncoder, HitsRowGroup};
use crate::hit_rows::HitRows;
use crate::parquet_file::{ENCODE_MIN_ROWS, EncodedRowGroup, ROW_GROUP_ROWS};

/// The hit rows of one block, given chunk by chunk: held back while the block has fewer than
/// [`ENCODE_MIN_ROWS`] (the file gathers them with other blocks' rows), then encoded into row
/// groups of about [`ROW_GROUP_ROWS`] as they come.
pub struct HitsStream<'a> {
    encoder: &'a HitsEncoder,
    held: Vec<HitRows>,
    held_rows: usize,
    open: Option<HitsRowGroup>,
    done: Vec<EncodedRowGroup>,
}

impl<'a> HitsStream<'a> {
    pub fn new(encoder: &'a HitsEncoder) -> Self {
        HitsStream {
            encoder,
            held: Vec::new(),
            held_rows: 0,
            open: None,
            done: Vec::new(),
        }
    }

    /// The block's next rows.
    pub fn push(&mut self, rows: HitRows) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let encoding = self.open.is_some() || !self.done.is_empty();
        if !encoding && self.held_rows + rows.len() < ENCODE_MIN_ROWS {
            self.held_rows += rows.len();
            self.held.push(rows);
            return Ok(());
        }
        for held in std::mem::take(&mut self.held) {
            self.encode(&held)?;
        }
        self.held_rows = 0;
        self.encode(&rows)
    }

    fn encode(&mut self, rows: &HitRows) -> Result<()> {
        let group = match self.open.as_mut() {
            Some(g) => g,
            None => self.open.insert(self.encoder.row_group()?),
        };
        group.push(rows)?;
        if group.rows() >= ROW_GROUP_ROWS {
            let full = self.open.take().expect("open");
            self.done.push(full.close()?);
        }
        Ok(())
    }

    /// The block's rows: the chunks of a small block, for the file to gather, and the row
    /// groups of a large one.
    pub fn finish(mut self) -> Result<(Vec<HitRows>, Vec<EncodedRowGroup>)> {
        if let Some(g) = self.open.take() {
            self.done.push(g.close()?);
        }
        Ok((self.held, self.done))
    }
}
