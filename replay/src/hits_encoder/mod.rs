//! The hits file's pages and row groups, encoded from [`crate::HitRows`] without Arrow (see
//! `parquet_pages` for why).
//!
//! Workers encode the rows of blocks with many hits into pages as they judge them
//! ([`HitsStream`], [`PageEncoder`]): one page per column for each chunk of about
//! [`PAGE_ROWS`] rows, zstd-compressed. The file gathers the rows of blocks with few hits and
//! encodes them itself, then puts the pages of consecutive blocks, in block order, into row
//! groups of about [`ROW_GROUP_ROWS`] rows or [`ROW_GROUP_BYTES`] (`HitsWriter`): large row
//! groups for readers, and a footer that stays small however many hits there are (a row
//! group per block made 6 080 row groups and 100 MiB of metadata for 200 M hits).
//!
//! Dictionary-encoded, with dictionaries that are the same for the whole run and never come
//! from hashing values: `rule`, `priority`, `source`, the `tags` and the `output_fields` keys
//! (made once from the enabled rules), `hostname` and `trace` (an entry per input). That is
//! what lets pages of any worker share a column chunk. DELTA_BINARY_PACKED: `time` and
//! `evt_num`, which grow by small steps. PLAIN: everything else — the alert
//! line, the event columns and the `output_fields` values are compressed as they are (hashing
//! each of them for a dictionary cost more than compressing the repeats). Column chunks carry
//! min/max statistics for query engines to skip row groups where they can: `time`, `evt_num`
//! and `proc_pid`, and the dictionary-encoded columns (over the entries the row group uses).
//! The event's string columns carry null counts only: hits are in event order, so a row
//! group's min and max program or file name span nearly everything and skip nothing, and
//! comparing every value cost about 5 % of `replay --parquet`.
//!
//! Pages depend only on their rows, and row groups close after the same rows whatever the
//! thread count: the file is byte for byte the same for every `-j`.

pub(crate) mod dicts;
mod pages;
mod row_group;
mod stats;
mod stream;
mod writer;

use parquet::errors::{ParquetError, Result};
use parquet::schema::types::ColumnDescPtr;

use crate::hits::HIT_EVENT_FIELDS;

pub use pages::{HitPages, PageEncoder};
pub(crate) use row_group::HitsRowGroup;
pub use row_group::{ROW_GROUP_BYTES, ROW_GROUP_ROWS};
pub use stream::HitsStream;
pub(crate) use writer::HitsWriter;

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
        let schema = parquet::arrow::ArrowSchemaConverter::new()
            .convert(&crate::hits_schema())
            .unwrap();
        let columns = schema.columns();
        check_columns(columns).unwrap();
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
