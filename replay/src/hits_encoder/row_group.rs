//! The hits file's row groups, assembled by the file from pages in block order: each column's
//! pages of consecutive blocks are concatenated into one column chunk, after the column's
//! dictionary page if it has one. A row group closes once it holds [`ROW_GROUP_ROWS`] rows or
//! [`ROW_GROUP_BYTES`] of compressed pages, whichever comes first: large enough for readers
//! (DuckDB makes row groups of 122 880 rows) and for the file's footer to stay small however
//! many hits there are, small enough that the pages held stay a few tens of MiB.

use parquet::errors::Result;
use parquet::schema::types::ColumnDescPtr;
use rtsec_rules::RuleId;

use super::dicts::{InputTable, RuleDictionaries};
use super::pages::HitPages;
use super::stats::{Range, TextRange};
use super::{
    EVENT, EVT_NUM, HOSTNAME, KEYS, LEAVES, PID, PRIORITY, RULE, SOURCE, TAGS, TIME, TRACE,
};
use crate::parquet_file::EncodedRowGroup;
use crate::parquet_pages::{ColumnPages, PageCompressor, finish_chunk};

/// Rows after which a row group closes.
pub const ROW_GROUP_ROWS: usize = 256 * 1024;

/// Compressed page bytes after which a row group closes.
pub const ROW_GROUP_BYTES: usize = 16 << 20;

/// A row group being assembled.
pub(crate) struct HitsRowGroup {
    columns: Vec<ColumnPages>,
    rows: usize,
    bytes: usize,
    rules: Vec<RuleId>,
    inputs: Vec<u32>,
    time: Range,
    evt_num: Range,
    pid: Range,
    nulls: [u64; LEAVES],
    max_rows: usize,
}

impl HitsRowGroup {
    /// A row group that closes at `max_rows` rows (or [`ROW_GROUP_BYTES`]), with room for
    /// columns of `sizes` bytes (the last row group's: they grow without copying then).
    pub fn new(max_rows: usize, sizes: &[usize]) -> HitsRowGroup {
        HitsRowGroup {
            columns: (0..LEAVES)
                .map(|i| ColumnPages {
                    bytes: Vec::with_capacity(sizes.get(i).map_or(0, |n| n + n / 8)),
                    ..Default::default()
                })
                .collect(),
            rows: 0,
            bytes: 0,
            rules: Vec::new(),
            inputs: Vec::new(),
            time: Range::default(),
            evt_num: Range::default(),
            pid: Range::default(),
            nulls: [0; LEAVES],
            max_rows,
        }
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Bytes of each column's pages.
    pub fn sizes(&self) -> Vec<usize> {
        self.columns.iter().map(|c| c.bytes.len()).collect()
    }

    /// Whether the row group should be written out now.
    pub fn is_full(&self) -> bool {
        self.rows >= self.max_rows || self.bytes >= ROW_GROUP_BYTES
    }

    /// Adds `pages` after the rows so far.
    pub fn push(&mut self, pages: &HitPages) {
        for (c, p) in self.columns.iter_mut().zip(&pages.columns) {
            c.append(p);
            self.bytes += p.bytes.len();
        }
        self.rows += pages.rows;
        for id in &pages.rules {
            if !self.rules.contains(id) {
                self.rules.push(*id);
            }
        }
        for s in &pages.sources {
            if !self.inputs.contains(&s.input) {
                self.inputs.push(s.input);
            }
        }
        self.time.merge(pages.time);
        self.evt_num.merge(pages.evt_num);
        self.pid.merge(pages.pid);
        for (n, m) in self.nulls.iter_mut().zip(pages.nulls) {
            *n += m;
        }
    }

    /// The finished row group, for the file's `columns`.
    pub fn close(
        self,
        columns: &[ColumnDescPtr],
        rules: &RuleDictionaries,
        inputs: &InputTable,
    ) -> Result<EncodedRowGroup> {
        let mut zstd = PageCompressor::new()?;
        let max_input = self.inputs.iter().copied().max().unwrap_or(0);
        let mut chunks = Vec::with_capacity(LEAVES);
        for (i, data) in self.columns.into_iter().enumerate() {
            let input_dict = match i {
                HOSTNAME => Some(inputs.dictionary(max_input, false)),
                TRACE => Some(inputs.dictionary(max_input, true)),
                _ => None,
            };
            let dict = match i {
                RULE | PRIORITY | SOURCE | TAGS | KEYS => Some(rules.column(i)),
                _ => input_dict.as_ref(),
            };
            let used: Vec<u32> = match i {
                HOSTNAME | TRACE => self.inputs.clone(),
                _ => self
                    .rules
                    .iter()
                    .flat_map(|&id| rules.rule(id).of(i))
                    .copied()
                    .collect(),
            };
            let statistics = match i {
                TIME => Some(self.time.statistics()),
                EVT_NUM => Some(self.evt_num.statistics()),
                PID => Some(self.pid.statistics()),
                // Lists: no null count (their elements are never null, their lists may be empty).
                TAGS | KEYS => dict.map(|d| d.range(used.iter().copied()).statistics(None)),
                _ if dict.is_some() => {
                    dict.map(|d| d.range(used.iter().copied()).statistics(Some(0)))
                }
                _ if (EVENT..KEYS).contains(&i) => {
                    Some(TextRange::default().statistics(Some(self.nulls[i])))
                }
                _ => None,
            };
            let dictionary = match dict {
                Some(d) => {
                    let (plain, count) = d.page();
                    Some(ColumnPages::dictionary(plain, count, &mut zstd)?)
                }
                None => None,
            };
            chunks.push(finish_chunk(
                columns[i].clone(),
                dictionary,
                data,
                self.rows,
                statistics,
            )?);
        }
        Ok(EncodedRowGroup::from_chunks(chunks, self.rows))
    }
}
