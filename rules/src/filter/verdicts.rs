//! Verdicts of string checks, remembered per string of a block.
//!
//! A block stores each distinct string once (its string table) and records refer to strings by
//! id, so a check on a string field such as `fd.name` or `proc.name` gives the same answer for
//! every event whose field is the same string id. Evaluating the events of one block, the
//! engine computes such a check the first time it meets a string and looks the answer up
//! afterwards: paths, program names and images repeat thousands of times per block.
//!
//! The cache is only valid for the block it was started for: [`crate::BlockMatcher`] borrows
//! that block (it cannot change meanwhile) and switches the cache on for the events of that
//! block only. Everywhere else the checks are simply evaluated.

use rtsec_format::StrId;

/// Per check that has a column: a byte per string id of the current block (0: not computed
/// yet, else 1 + the verdict).
#[derive(Default, Debug)]
pub(crate) struct Verdicts {
    /// On only while evaluating an event of the block the cache was started for.
    active: bool,
    /// Bumped for every block: a column cleared for an older epoch is cleared again on first use.
    epoch: u32,
    /// Number of strings of the current block.
    strings: usize,
    cols: Vec<Column>,
}

#[derive(Default, Debug)]
struct Column {
    epoch: u32,
    verdicts: Vec<u8>,
}

impl Verdicts {
    /// Forgets every verdict: a new block with `strings` strings, `columns` cached checks.
    pub(crate) fn begin_block(&mut self, strings: usize, columns: usize) {
        if self.cols.len() < columns {
            self.cols.resize_with(columns, Column::default);
        }
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            for c in &mut self.cols {
                c.epoch = 0;
            }
            self.epoch = 1;
        }
        self.strings = strings;
    }

    /// Switches lookups on (for events of the current block) or off.
    #[inline(always)]
    pub(crate) fn set_active(&mut self, on: bool) {
        self.active = on;
    }

    #[inline(always)]
    pub(crate) fn is_active(&self) -> bool {
        self.active
    }

    /// The verdict of check column `col` for string `id`, computed by `f` the first time.
    #[inline(always)]
    pub(crate) fn get(&mut self, col: u32, id: StrId, f: impl FnOnce() -> bool) -> bool {
        if !self.active {
            return f();
        }
        let Some(c) = self.cols.get_mut(col as usize) else {
            return f();
        };
        if c.epoch != self.epoch {
            c.verdicts.clear();
            c.verdicts.resize(self.strings, 0);
            c.epoch = self.epoch;
        }
        // Ids past the table (a damaged block) read as the empty string: just computed.
        match c.verdicts.get_mut(id.0 as usize) {
            Some(0) => {}
            Some(v) => return *v == 2,
            None => return f(),
        }
        let r = f();
        c.verdicts[id.0 as usize] = 1 + r as u8;
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_per_block_and_only_when_active() {
        let mut v = Verdicts::default();
        v.begin_block(100, 2);
        let mut calls = 0;
        let mut ask = |v: &mut Verdicts, col, id, r| {
            v.get(col, StrId(id), || {
                calls += 1;
                r
            })
        };
        // Inactive: always computed.
        assert!(ask(&mut v, 0, 5, true));
        assert!(!ask(&mut v, 0, 5, false));
        v.set_active(true);
        assert!(ask(&mut v, 0, 5, true));
        assert!(ask(&mut v, 0, 5, false), "remembered");
        assert!(!ask(&mut v, 1, 5, false), "columns are separate");
        assert!(!ask(&mut v, 1, 5, true), "remembered false");
        assert!(ask(&mut v, 0, 99, true));
        assert!(
            !ask(&mut v, 0, 100, false),
            "ids past the table are not cached"
        );
        assert!(ask(&mut v, 0, 100, true));
        assert!(!ask(&mut v, 5, 1, false), "unknown column: computed");
        v.begin_block(10, 2);
        assert!(!ask(&mut v, 0, 5, false), "a new block forgets");
        assert_eq!(calls, 9);
    }
}
