//! Row groups of the hits file, encoded from [`HitRows`] without Arrow (see `parquet_pages`
//! for why).
//!
//! Every column chunk is zstd-compressed. Dictionary-encoded, with dictionaries that come from
//! the rules and the inputs, never from hashing values: `rule`, `priority`, `source`, the
//! `tags` and the `output_fields` keys (looked up once per rule and row group), `hostname`
//! and `trace` (once per input and row group). PLAIN: everything else — the alert line, the
//! event columns and the `output_fields` values are compressed as they are (hashing each of
//! them for a dictionary cost more than compressing the repeats). Pages are cut every
//! [`PAGE_ROWS`] rows, the same rows in every column. Column chunks carry min/max statistics
//! for query engines to skip row groups where they can: `time`, `evt_num` and `proc_pid`, and
//! the dictionary-encoded columns (from their dictionaries, at no cost per row). The event's
//! string columns carry null counts only: hits are in event order, so a row group's min and
//! max program or file name span nearly everything and skip nothing, and comparing every
//! value cost 4 % of `replay --parquet`.
//!
//! A row group's bytes depend only on its rows, in order: the file is the same whichever
//! thread encoded it.

use std::collections::HashMap;
use std::sync::Arc;

use parquet::basic::Encoding;
use parquet::errors::{ParquetError, Result};
use parquet::file::statistics::Statistics;
use parquet::schema::types::ColumnDescPtr;

use crate::hit_rows::{HitRows, RuleCatalog, push_plain};
use crate::hits::HIT_EVENT_FIELDS;
use crate::parquet_file::{ENCODE_MIN_ROWS, EncodedRowGroup, ROW_GROUP_ROWS};
use crate::parquet_pages::{ChunkWriter, compressor, encode_indices, encode_levels};

/// Rows per data page (in every column).
pub const PAGE_ROWS: usize = 4096;

/// Leaf columns of the hits schema, in order.
const TIME: usize = 0;
const RULE: usize = 1;
const PRIORITY: usize = 2;
const SOURCE: usize = 3;
const TAGS: usize = 4;
const OUTPUT: usize = 5;
const HOSTNAME: usize = 6;
const TRACE: usize = 7;
const EVT_NUM: usize = 8;
const EVENT: usize = 9;
const PID: usize = EVENT + crate::hits::PID_INDEX;
const KEYS: usize = EVENT + HIT_EVENT_FIELDS.len();
const VALUES: usize = KEYS + 1;
const LEAVES: usize = VALUES + 1;

/// Columns whose pages hold dictionary indices.
const DICTIONARY: [usize; 7] = [RULE, PRIORITY, SOURCE, TAGS, HOSTNAME, TRACE, KEYS];

/// What every worker needs to encode hit rows: the file's leaf columns and the rules.
#[derive(Debug, Clone)]
pub struct HitsEncoder {
    columns: Arc<[ColumnDescPtr]>,
    catalog: Arc<RuleCatalog>,
}

impl HitsEncoder {
    /// An encoder for files of `columns` (the leaf columns of the hits schema, as the file
    /// writer has them) with hits of the rules in `catalog`.
    pub fn new(columns: &[ColumnDescPtr], catalog: Arc<RuleCatalog>) -> Result<HitsEncoder> {
        check_columns(columns)?;
        Ok(HitsEncoder {
            columns: columns.into(),
            catalog,
        })
    }

    /// The leaf columns of [`crate::hits_schema`].
    pub fn hits_columns() -> Result<Vec<ColumnDescPtr>> {
        let schema = parquet::arrow::ArrowSchemaConverter::new().convert(&crate::hits_schema())?;
        Ok(schema.columns().to_vec())
    }

    pub fn catalog(&self) -> &Arc<RuleCatalog> {
        &self.catalog
    }

    /// A row group to fill.
    pub fn row_group(&self) -> Result<HitsRowGroup> {
        HitsRowGroup::new(self.columns.clone())
    }
}

/// The levels each leaf column must have (max definition, max repetition): the encoder
/// writes levels for exactly this shape.
fn check_columns(columns: &[ColumnDescPtr]) -> Result<()> {
    let expect = |i: usize| -> (i16, i16) {
        match i {
            TAGS => (2, 1),
            KEYS => (1, 1),
            VALUES => (2, 1),
            i if (EVENT..KEYS).contains(&i) => (1, 0),
            _ => (0, 0),
        }
    };
    if columns.len() != LEAVES {
        return Err(ParquetError::General(format!(
            "the hits schema has {} leaf columns, the encoder writes {LEAVES}",
            columns.len()
        )));
    }
    for (i, c) in columns.iter().enumerate() {
        if (c.max_def_level(), c.max_rep_level()) != expect(i) {
            return Err(ParquetError::General(format!(
                "hits column {} has levels ({}, {}), the encoder writes {:?}",
                c.path(),
                c.max_def_level(),
                c.max_rep_level(),
                expect(i)
            )));
        }
    }
    Ok(())
}

/// Distinct strings of a dictionary-encoded column, in first-use order (PLAIN).
#[derive(Default)]
struct Dict {
    index: HashMap<Box<str>, u32>,
    plain: Vec<u8>,
}

impl Dict {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.index.len() as u32;
        self.index.insert(s.into(), i);
        push_plain(&mut self.plain, s.as_bytes());
        i
    }

    /// The smallest and largest entry.
    fn range(&self) -> TextRange {
        let mut r = TextRange::default();
        r.add_plain(&self.plain);
        r
    }

    /// The dictionary page's values and their count. A column without values (only empty
    /// tag lists) still gets a one-entry dictionary: readers need one for its pages.
    fn page(&mut self) -> (&[u8], usize) {
        if self.index.is_empty() {
            self.id("");
        }
        (&self.plain, self.index.len())
    }
}

/// A rule's dictionary indices in a row group.
struct RuleIds {
    rule: u32,
    priority: u32,
    source: u32,
    tags: Vec<u32>,
    keys: Vec<u32>,
}

#[derive(Default)]
struct Dicts {
    columns: [Dict; DICTIONARY.len()],
    rules: Vec<Option<RuleIds>>,
    /// Per input seen: (input, hostname index, trace index).
    inputs: Vec<(u32, u32, u32)>,
}

impl Dicts {
    fn column(&mut self, leaf: usize) -> &mut Dict {
        let i = DICTIONARY
            .iter()
            .position(|&c| c == leaf)
            .expect("a dictionary column");
        &mut self.columns[i]
    }

    /// Makes sure the rules and inputs of `rows` have their indices.
    fn learn(&mut self, rows: &HitRows) {
        for &id in &rows.rule {
            if self.rules.get(id as usize).is_none_or(Option::is_none) {
                self.learn_rule(&rows.catalog, id);
            }
        }
        for s in &rows.sources {
            if !self.inputs.iter().any(|(i, _, _)| *i == s.input) {
                let host = self.column(HOSTNAME).id(&s.hostname);
                let trace = self.column(TRACE).id(&s.trace);
                self.inputs.push((s.input, host, trace));
            }
        }
    }

    #[cold]
    fn learn_rule(&mut self, catalog: &RuleCatalog, id: u32) {
        let e = catalog.get(id);
        let ids = RuleIds {
            rule: self.column(RULE).id(&e.name),
            priority: self.column(PRIORITY).id(e.priority),
            source: self.column(SOURCE).id(&e.source),
            tags: e.tags.iter().map(|t| self.column(TAGS).id(t)).collect(),
            keys: e.keys.iter().map(|k| self.column(KEYS).id(k)).collect(),
        };
        let slot = id as usize;
        if self.rules.len() <= slot {
            self.rules.resize_with(slot + 1, || None);
        }
        self.rules[slot] = Some(ids);
    }

    fn rule(&self, id: u32) -> &RuleIds {
        self.rules[id as usize].as_ref().expect("learned")
    }

    fn input(&self, input: u32) -> (u32, u32) {
        let (_, h, t) = self
            .inputs
            .iter()
            .find(|(i, _, _)| *i == input)
            .expect("learned");
        (*h, *t)
    }
}

/// Min, max and nulls of an integer column chunk.
#[derive(Clone, Copy, Default)]
struct Range {
    min: Option<i64>,
    max: Option<i64>,
    nulls: u64,
}

impl Range {
    fn add(&mut self, values: &[i64]) {
        if let (Some(lo), Some(hi)) = (values.iter().min(), values.iter().max()) {
            self.min = Some(self.min.map_or(*lo, |m| m.min(*lo)));
            self.max = Some(self.max.map_or(*hi, |m| m.max(*hi)));
        }
    }

    fn statistics(self) -> Statistics {
        Statistics::int64(self.min, self.max, None, Some(self.nulls), false)
    }
}

/// Min and max of a string column chunk.
#[derive(Default)]
struct TextRange {
    min: Option<Vec<u8>>,
    max: Option<Vec<u8>>,
}

impl TextRange {
    /// Takes in the PLAIN values `plain`.
    fn add_plain(&mut self, plain: &[u8]) {
        let (mut lo, mut hi): (Option<&[u8]>, Option<&[u8]>) = (None, None);
        let mut at = 0;
        while let Some(len) = plain.get(at..at + 4) {
            let len = u32::from_le_bytes(len.try_into().expect("4 bytes")) as usize;
            let v = &plain[at + 4..at + 4 + len];
            if lo.is_none_or(|l| v < l) {
                lo = Some(v);
            }
            if hi.is_none_or(|h| v > h) {
                hi = Some(v);
            }
            at += 4 + len;
        }
        self.add(lo, hi);
    }

    fn add(&mut self, lo: Option<&[u8]>, hi: Option<&[u8]>) {
        if let Some(lo) = lo
            && self.min.as_deref().is_none_or(|m| lo < m)
        {
            self.min = Some(lo.to_vec());
        }
        if let Some(hi) = hi
            && self.max.as_deref().is_none_or(|m| hi > m)
        {
            self.max = Some(hi.to_vec());
        }
    }

    fn statistics(self, nulls: Option<u64>) -> Statistics {
        Statistics::byte_array(
            self.min.map(Into::into),
            self.max.map(Into::into),
            None,
            nulls,
            false,
        )
    }
}

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
    fn new(columns: Arc<[ColumnDescPtr]>) -> Result<HitsRowGroup> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaf_positions_name_the_right_fields() {
        assert_eq!(HIT_EVENT_FIELDS[PID - EVENT], "proc.pid");
        let columns = HitsEncoder::hits_columns().unwrap();
        check_columns(&columns).unwrap();
        let path = |i: usize| columns[i].path().string();
        assert_eq!(path(TIME), "time");
        assert_eq!(path(TAGS), "tags.list.item");
        assert_eq!(path(OUTPUT), "output");
        assert_eq!(path(EVT_NUM), "evt_num");
        assert_eq!(path(PID), "proc_pid");
        assert_eq!(path(KEYS), "output_fields.entries.key");
        assert_eq!(path(VALUES), "output_fields.entries.value");
    }
}
