//! Pages of hit rows: a worker (or the file, for the rows of small blocks) turns each chunk
//! of rows into one page per column, compressed and framed, ready for the file to put into
//! the column chunks of a row group.

use std::sync::Arc;

use parquet::basic::Encoding;
use parquet::errors::Result;
use rtsec_rules::RuleId;

use super::dicts::RuleIds;
use super::stats::Range;
use super::{
    EVENT, EVT_NUM, HOSTNAME, KEYS, LEAVES, OUTPUT, PID, PRIORITY, RULE, SOURCE, TAGS, TIME, TRACE,
    VALUES,
};
use crate::hit_rows::{HitRows, HitSource, RuleCatalog};
use crate::parquet_pages::{ColumnPages, PageCompressor, encode_indices, encode_levels};

/// Some rows of hits as pages: one per column, the same rows in each.
#[derive(Debug)]
pub struct HitPages {
    catalog: Arc<RuleCatalog>,
    pub(crate) columns: Vec<ColumnPages>,
    pub(crate) rows: usize,
    /// The rules of the rows, each once (for the dictionary columns' statistics).
    pub(crate) rules: Vec<RuleId>,
    /// The inputs of the rows.
    pub(crate) sources: Vec<HitSource>,
    pub(crate) time: Range,
    pub(crate) evt_num: Range,
    pub(crate) pid: Range,
    /// Per leaf column: nulls of the event string columns.
    pub(crate) nulls: [u64; LEAVES],
}

impl HitPages {
    fn new(rows: usize, catalog: Arc<RuleCatalog>) -> HitPages {
        HitPages {
            catalog,
            columns: (0..LEAVES).map(|_| ColumnPages::default()).collect(),
            rows,
            rules: Vec::new(),
            sources: Vec::new(),
            time: Range::default(),
            evt_num: Range::default(),
            pid: Range::default(),
            nulls: [0; LEAVES],
        }
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The rules of the rows.
    pub fn catalog(&self) -> &Arc<RuleCatalog> {
        &self.catalog
    }

    /// Bytes held (compressed pages).
    pub fn bytes(&self) -> usize {
        self.columns.iter().map(|c| c.bytes.capacity()).sum()
    }
}

/// Encodes chunks of rows into [`HitPages`], with buffers and a zstd context reused from
/// chunk to chunk.
pub struct PageEncoder {
    page: Vec<u8>,
    indices: Vec<u32>,
    reps: Vec<u8>,
    defs: Vec<u8>,
    zstd: PageCompressor,
}

impl PageEncoder {
    pub fn new() -> Result<PageEncoder> {
        Ok(PageEncoder {
            page: Vec::new(),
            indices: Vec::new(),
            reps: Vec::new(),
            defs: Vec::new(),
            zstd: PageCompressor::new()?,
        })
    }

    /// `r`'s rows as one page in every column.
    pub fn encode(&mut self, r: &HitRows) -> Result<HitPages> {
        let n = r.len();
        let mut out = HitPages::new(n, r.catalog.clone());
        let dicts = &r.catalog.dictionaries;
        for &id in &r.rule {
            if !out.rules.contains(&id) {
                out.rules.push(id);
            }
        }
        out.sources = r.sources.clone();

        out.time.add(&r.time);
        self.delta_i64(&mut out, TIME, &r.time)?;
        out.evt_num.add(&r.evt_num);
        for leaf in [RULE, PRIORITY, SOURCE] {
            self.indices.clear();
            for &id in &r.rule {
                let ids = dicts.rule(id);
                self.indices.push(match leaf {
                    RULE => ids.rule,
                    PRIORITY => ids.priority,
                    _ => ids.source,
                });
            }
            self.indices_page(&mut out, leaf, n)?;
        }
        self.repeated_indices(&mut out, TAGS, r, |ids| &ids.tags)?;
        out.columns[OUTPUT].data_page(&r.output, n, Encoding::PLAIN, &mut self.zstd)?;
        // Host and trace: the dictionaries have an entry per input.
        self.indices.clear();
        self.indices.extend_from_slice(&r.input);
        self.indices_page(&mut out, HOSTNAME, n)?;
        self.indices_page(&mut out, TRACE, n)?;
        self.delta_i64(&mut out, EVT_NUM, &r.evt_num)?;
        let mut strings = r.strings.iter();
        for leaf in EVENT..KEYS {
            self.page.clear();
            if leaf == PID {
                out.pid.add(&r.pid);
                out.pid.nulls += (n - r.pid.len()) as u64;
                encode_levels(&r.pid_defs, 1, &mut self.page);
                for v in &r.pid {
                    self.page.extend_from_slice(&v.to_le_bytes());
                }
            } else {
                let s = strings.next().expect("one per string column");
                out.nulls[leaf] += s.defs.iter().filter(|&&d| d == 0).count() as u64;
                encode_levels(&s.defs, 1, &mut self.page);
                self.page.extend_from_slice(&s.plain);
            }
            out.columns[leaf].data_page(&self.page, n, Encoding::PLAIN, &mut self.zstd)?;
        }
        let entries = self.repeated_indices(&mut out, KEYS, r, |ids| &ids.keys)?;
        self.values_page(&mut out, r, entries)?;
        Ok(out)
    }

    /// A page of a column of numbers that grow by small steps (time, event number).
    fn delta_i64(&mut self, out: &mut HitPages, leaf: usize, values: &[i64]) -> Result<()> {
        self.page.clear();
        crate::parquet_delta::encode_i64(values, &mut self.page);
        out.columns[leaf].data_page(
            &self.page,
            values.len(),
            Encoding::DELTA_BINARY_PACKED,
            &mut self.zstd,
        )
    }

    /// A page of the dictionary indices in `self.indices`, for a column without levels.
    fn indices_page(&mut self, out: &mut HitPages, leaf: usize, n: usize) -> Result<()> {
        self.page.clear();
        encode_indices(&self.indices, &mut self.page);
        out.columns[leaf].data_page(&self.page, n, Encoding::RLE_DICTIONARY, &mut self.zstd)
    }

    /// A page of a list of dictionary strings given per rule (tags, map keys); returns the
    /// number of level entries (an empty list is one).
    fn repeated_indices(
        &mut self,
        out: &mut HitPages,
        leaf: usize,
        r: &HitRows,
        list: impl Fn(&RuleIds) -> &Vec<u32>,
    ) -> Result<usize> {
        let dicts = &r.catalog.dictionaries;
        let max_def = if leaf == TAGS { 2 } else { 1 };
        self.indices.clear();
        self.reps.clear();
        self.defs.clear();
        for &id in &r.rule {
            let items = list(dicts.rule(id));
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
        out.columns[leaf].data_page(
            &self.page,
            entries,
            Encoding::RLE_DICTIONARY,
            &mut self.zstd,
        )?;
        Ok(entries)
    }

    /// The `output_fields` values: a level entry per key of each row's rule (as the keys'
    /// page, `entries` of them), null inside an entry at definition level 1.
    fn values_page(&mut self, out: &mut HitPages, r: &HitRows, entries: usize) -> Result<()> {
        let dicts = &r.catalog.dictionaries;
        self.reps.clear();
        self.defs.clear();
        let mut at = 0;
        for &id in &r.rule {
            let keys = dicts.rule(id).keys.len();
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
        out.columns[VALUES].data_page(&self.page, entries, Encoding::PLAIN, &mut self.zstd)
    }
}
