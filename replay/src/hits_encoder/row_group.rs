//! One row group of hits being encoded: a page per column every `PAGE_ROWS` rows.

use std::sync::Arc;

use parquet::basic::Encoding;
use parquet::errors::Result;
use parquet::schema::types::ColumnDescPtr;

use super::dicts::{Dicts, RuleIds};
use super::stats::{Range, TextRange};
use super::{
    DICTIONARY, EVENT, EVT_NUM, HOSTNAME, KEYS, LEAVES, OUTPUT, PAGE_ROWS, PID, PRIORITY, RULE,
    SOURCE, TAGS, TIME, TRACE, VALUES,
};
use crate::hit_rows::HitRows;
use crate::parquet_file::EncodedRowGroup;
use crate::parquet_pages::{ChunkWriter, compressor, encode_indices, encode_levels};

/// One row group being filled (on a worker, or by the file for the rows of small blocks).
pub struct HitsRowGroup {
    columns: Vec<ChunkWriter>,
    /// Rows not yet in pages (fewer than [`PAGE_ROWS`]).
    pending: Option<HitRows>,
    rows: usize,
    dicts: Dicts,
    time: Range,
    evt_num: Range,
    pid: Range,
    /// Per leaf column: nulls of the event string columns.
    nulls: [u64; LEAVES],
    page: Vec<u8>,
    indices: Vec<u32>,
    reps: Vec<u8>,
    defs: Vec<u8>,
    zstd: zstd::bulk::Compressor<'static>,
}

impl HitsRowGroup {
    pub(super) fn new(columns: Arc<[ColumnDescPtr]>) -> Result<HitsRowGroup> {
        let writers = columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let encoding = if DICTIONARY.contains(&i) {
                    Encoding::RLE_DICTIONARY
                } else {
                    Encoding::PLAIN
                };
                ChunkWriter::new(c.clone(), encoding)
            })
            .collect();
        Ok(HitsRowGroup {
            columns: writers,
            pending: None,
            rows: 0,
            dicts: Dicts::default(),
            time: Range::default(),
            evt_num: Range::default(),
            pid: Range::default(),
            nulls: [0; LEAVES],
            page: Vec::new(),
            indices: Vec::new(),
            reps: Vec::new(),
            defs: Vec::new(),
            zstd: compressor()?,
        })
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Adds `rows` after the rows so far.
    pub fn push(&mut self, rows: &HitRows) -> Result<()> {
        self.rows += rows.len();
        match self.pending.as_mut() {
            None if rows.len() >= PAGE_ROWS => return self.encode_page(rows),
            None => self.pending = Some(HitRows::with_capacity_of(rows)),
            Some(_) => {}
        }
        let pending = self.pending.as_mut().expect("just made");
        pending.append(rows);
        if pending.len() >= PAGE_ROWS {
            let pending = self.pending.take().expect("present");
            self.encode_page(&pending)?;
            self.pending = Some(recycle(pending));
        }
        Ok(())
    }

    /// The finished row group.
    pub fn close(mut self) -> Result<EncodedRowGroup> {
        if let Some(p) = self.pending.take()
            && !p.is_empty()
        {
            self.encode_page(&p)?;
        }
        let mut chunks = Vec::with_capacity(LEAVES);
        let rows = self.rows;
        for (i, col) in std::mem::take(&mut self.columns).into_iter().enumerate() {
            let statistics = match i {
                TIME => Some(self.time.statistics()),
                EVT_NUM => Some(self.evt_num.statistics()),
                PID => Some(self.pid.statistics()),
                // Every dictionary entry is used: the dictionary's min and max are the chunk's.
                TAGS | KEYS => Some(self.dicts.column(i).range().statistics(None)),
                _ if DICTIONARY.contains(&i) => {
                    Some(self.dicts.column(i).range().statistics(Some(0)))
                }
                _ if (EVENT..KEYS).contains(&i) => {
                    Some(TextRange::default().statistics(Some(self.nulls[i])))
                }
                _ => None,
            };
            let dict = DICTIONARY.contains(&i).then(|| self.dicts.column(i).page());
            chunks.push(col.finish(dict, rows, statistics, &mut self.zstd)?);
        }
        Ok(EncodedRowGroup::from_chunks(chunks, rows))
    }

    /// Writes `r`'s rows as one page in every column.
    fn encode_page(&mut self, r: &HitRows) -> Result<()> {
        let n = r.len();
        if n == 0 {
            return Ok(());
        }
        self.dicts.learn(r);

        self.time.add(&r.time);
        self.plain_i64(TIME, &r.time)?;
        self.evt_num.add(&r.evt_num);
        for leaf in [RULE, PRIORITY, SOURCE] {
            self.indices.clear();
            for &id in &r.rule {
                let ids = self.dicts.rule(id);
                self.indices.push(match leaf {
                    RULE => ids.rule,
                    PRIORITY => ids.priority,
                    _ => ids.source,
                });
            }
            self.indices_page(leaf, n)?;
        }
        self.repeated_indices(TAGS, r, |ids| &ids.tags)?;
        self.columns[OUTPUT].data_page(&r.output, n, &mut self.zstd)?;
        for (leaf, pick) in [(HOSTNAME, 0), (TRACE, 1)] {
            self.indices.clear();
            for &input in &r.input {
                let (h, t) = self.dicts.input(input);
                self.indices.push(if pick == 0 { h } else { t });
            }
            self.indices_page(leaf, n)?;
        }
        self.plain_i64(EVT_NUM, &r.evt_num)?;
        let mut strings = r.strings.iter();
        for leaf in EVENT..KEYS {
            self.page.clear();
            if leaf == PID {
                self.pid.add(&r.pid);
                self.pid.nulls += (n - r.pid.len()) as u64;
                encode_levels(&r.pid_defs, 1, &mut self.page);
                for v in &r.pid {
                    self.page.extend_from_slice(&v.to_le_bytes());
                }
            } else {
                let s = strings.next().expect("one per string column");
                self.nulls[leaf] += s.defs.iter().filter(|&&d| d == 0).count() as u64;
                encode_levels(&s.defs, 1, &mut self.page);
                self.page.extend_from_slice(&s.plain);
            }
            self.columns[leaf].data_page(&self.page, n, &mut self.zstd)?;
        }
        let entries = self.repeated_indices(KEYS, r, |ids| &ids.keys)?;
        self.values_page(r, entries)
    }

    fn plain_i64(&mut self, leaf: usize, values: &[i64]) -> Result<()> {
        self.page.clear();
        for v in values {
            self.page.extend_from_slice(&v.to_le_bytes());
        }
        self.columns[leaf].data_page(&self.page, values.len(), &mut self.zstd)
    }

    /// A page of the dictionary indices in `self.indices`, for a column without levels.
    fn indices_page(&mut self, leaf: usize, n: usize) -> Result<()> {
        self.page.clear();
        encode_indices(&self.indices, &mut self.page);
        self.columns[leaf].data_page(&self.page, n, &mut self.zstd)
    }

    /// A page of a list of dictionary strings given per rule (tags, map keys); returns the
    /// number of level entries (an empty list is one).
    fn repeated_indices(
        &mut self,
        leaf: usize,
        r: &HitRows,
        list: impl Fn(&RuleIds) -> &Vec<u32>,
    ) -> Result<usize> {
        let max_def = if leaf == TAGS { 2 } else { 1 };
        self.indices.clear();
        self.reps.clear();
        self.defs.clear();
        for &id in &r.rule {
            let items = list(self.dicts.rule(id));
            if items.is_empty() {
                self.reps.push(0);
                self.defs.push(0);
                continue;
            }
            for (k, &i) in items.iter().enumerate() {
                self.reps.push((k > 0) as u8);
                self.defs.push(max_def);
                self.indices.push(i);
            }
        }
        self.page.clear();
        encode_levels(&self.reps, 1, &mut self.page);
        encode_levels(&self.defs, max_def as i16, &mut self.page);
        encode_indices(&self.indices, &mut self.page);
        let entries = self.reps.len();
        self.columns[leaf].data_page(&self.page, entries, &mut self.zstd)?;
        Ok(entries)
    }

    /// The `output_fields` values: a level entry per key of each row's rule (as the keys'
    /// page, `entries` of them), null inside an entry at definition level 1.
    fn values_page(&mut self, r: &HitRows, entries: usize) -> Result<()> {
        self.reps.clear();
        self.defs.clear();
        let mut at = 0;
        for &id in &r.rule {
            let keys = self.dicts.rule(id).keys.len();
            if keys == 0 {
                self.reps.push(0);
                self.defs.push(0);
                continue;
            }
            for (k, &d) in r.values.defs[at..at + keys].iter().enumerate() {
                self.reps.push((k > 0) as u8);
                self.defs.push(1 + d);
            }
            at += keys;
        }
        debug_assert_eq!(self.reps.len(), entries);
        self.page.clear();
        encode_levels(&self.reps, 1, &mut self.page);
        encode_levels(&self.defs, 2, &mut self.page);
        self.page.extend_from_slice(&r.values.plain);
        self.columns[VALUES].data_page(&self.page, entries, &mut self.zstd)
    }
}

/// `rows` emptied, to be filled again.
fn recycle(mut rows: HitRows) -> HitRows {
    rows.clear();
    rows
}
