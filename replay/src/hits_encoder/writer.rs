//! The file's side of hits: the rows of small blocks gathered and encoded, the pages of
//! large blocks taken as the workers made them, and both assembled into row groups in block
//! order.

use std::sync::Arc;

use parquet::errors::Result;
use parquet::schema::types::ColumnDescPtr;

use super::dicts::InputTable;
use super::pages::{HitPages, PageEncoder};
use super::{HitsRowGroup, PAGE_ROWS, check_columns};
use crate::hit_rows::{HitRows, HitSource, RuleCatalog};
use crate::parquet_file::EncodedRowGroup;

/// Hits on their way into the row groups of one file.
pub(crate) struct HitsWriter {
    columns: Vec<ColumnDescPtr>,
    catalog: Arc<RuleCatalog>,
    encoder: PageEncoder,
    /// Rows of small blocks not yet in pages (fewer than [`PAGE_ROWS`]).
    pending: Option<HitRows>,
    open: Option<HitsRowGroup>,
    inputs: InputTable,
    max_rows: usize,
    /// Bytes of each column in the last row group (the next one is sized like it).
    sizes: Vec<usize>,
}

impl HitsWriter {
    /// A writer for a file of `columns` (the leaf columns of the hits schema) with hits of
    /// the rules in `catalog`, row groups closing at `max_rows` rows.
    pub fn new(
        columns: &[ColumnDescPtr],
        catalog: Arc<RuleCatalog>,
        max_rows: usize,
    ) -> Result<HitsWriter> {
        check_columns(columns)?;
        Ok(HitsWriter {
            columns: columns.to_vec(),
            catalog,
            encoder: PageEncoder::new()?,
            pending: None,
            open: None,
            inputs: InputTable::default(),
            max_rows,
            sizes: Vec::new(),
        })
    }

    /// Rows of a block with few of them; returns the row groups that filled up.
    pub fn push_rows(&mut self, rows: &HitRows) -> Result<Vec<EncodedRowGroup>> {
        self.note(&rows.sources);
        let pending = self
            .pending
            .get_or_insert_with(|| HitRows::with_capacity_of(rows));
        pending.append(rows);
        if pending.len() < PAGE_ROWS {
            return Ok(Vec::new());
        }
        let mut full = Vec::new();
        self.flush_pending(&mut full)?;
        Ok(full)
    }

    /// Pages of a block a worker encoded; returns the row groups that filled up.
    pub fn push_pages(&mut self, pages: &[HitPages]) -> Result<Vec<EncodedRowGroup>> {
        let mut full = Vec::new();
        self.flush_pending(&mut full)?;
        for p in pages {
            self.note(&p.sources);
            self.add(p, &mut full)?;
        }
        Ok(full)
    }

    /// The row groups of the rows left.
    pub fn finish(&mut self) -> Result<Vec<EncodedRowGroup>> {
        let mut full = Vec::new();
        self.flush_pending(&mut full)?;
        if let Some(g) = self.open.take().filter(|g| g.rows() > 0) {
            full.push(self.close(g)?);
        }
        Ok(full)
    }

    fn note(&mut self, sources: &[HitSource]) {
        for s in sources {
            self.inputs.note(s.input, &s.hostname, &s.trace);
        }
    }

    fn flush_pending(&mut self, full: &mut Vec<EncodedRowGroup>) -> Result<()> {
        let Some(mut rows) = self.pending.take() else {
            return Ok(());
        };
        if !rows.is_empty() {
            let pages = self.encoder.encode(&rows)?;
            self.add(&pages, full)?;
        }
        rows.clear();
        self.pending = Some(rows);
        Ok(())
    }

    fn add(&mut self, pages: &HitPages, full: &mut Vec<EncodedRowGroup>) -> Result<()> {
        let (max_rows, sizes) = (self.max_rows, &self.sizes);
        let group = self
            .open
            .get_or_insert_with(|| HitsRowGroup::new(max_rows, sizes));
        group.push(pages);
        if group.is_full() {
            let g = self.open.take().expect("open");
            full.push(self.close(g)?);
        }
        Ok(())
    }

    fn close(&mut self, group: HitsRowGroup) -> Result<EncodedRowGroup> {
        self.sizes = group.sizes();
        group.close(&self.columns, &self.catalog.dictionaries, &self.inputs)
    }
}
