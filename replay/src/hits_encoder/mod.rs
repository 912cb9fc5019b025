//! Row groups of the hits file, encoded from [`crate::HitRows`] without Arrow (see `parquet_pages`
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
//! value cost about 5 % of `replay --parquet`.
//!
//! A row group's bytes depend only on its rows, in order: the file is the same whichever
//! thread encoded it.

mod dicts;
mod row_group;
mod stats;
mod stream;

use std::sync::Arc;

use parquet::errors::{ParquetError, Result};
use parquet::schema::types::ColumnDescPtr;

use crate::hit_rows::RuleCatalog;
use crate::hits::HIT_EVENT_FIELDS;

pub use row_group::HitsRowGroup;
pub use stream::HitsStream;

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
