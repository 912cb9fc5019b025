//! Column chunk statistics (min, max, nulls) gathered as pages are written.

use parquet::file::statistics::Statistics;

/// Min, max and nulls of an integer column chunk.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Range {
    min: Option<i64>,
    max: Option<i64>,
    pub nulls: u64,
}

impl Range {
    pub fn add(&mut self, values: &[i64]) {
        if let (Some(lo), Some(hi)) = (values.iter().min(), values.iter().max()) {
            self.min = Some(self.min.map_or(*lo, |m| m.min(*lo)));
            self.max = Some(self.max.map_or(*hi, |m| m.max(*hi)));
        }
    }

    /// Takes in `other`'s values.
    pub fn merge(&mut self, other: Range) {
        for v in [other.min, other.max].into_iter().flatten() {
            self.add(&[v]);
        }
        self.nulls += other.nulls;
    }

    pub fn statistics(self) -> Statistics {
        Statistics::int64(self.min, self.max, None, Some(self.nulls), false)
    }
}

/// Min and max of a string column chunk.
#[derive(Debug, Default)]
pub(crate) struct TextRange {
    min: Option<Vec<u8>>,
    max: Option<Vec<u8>>,
}

impl TextRange {
    pub fn add(&mut self, v: &[u8]) {
        if self.min.as_deref().is_none_or(|m| v < m) {
            self.min = Some(v.to_vec());
        }
        if self.max.as_deref().is_none_or(|m| v > m) {
            self.max = Some(v.to_vec());
        }
    }

    pub fn statistics(self, nulls: Option<u64>) -> Statistics {
        Statistics::byte_array(
            self.min.map(Into::into),
            self.max.map(Into::into),
            None,
            nulls,
            false,
        )
    }
}
