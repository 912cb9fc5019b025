//! A Parquet file written batch by batch (zstd, row groups flushed as they fill), made visible
//! under its name only when it is complete.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;

use crate::error::ReplayError;

/// Rows per row group: large enough for good compression and fast scans, small enough that a
/// row group being built stays a few MiB.
pub const ROW_GROUP_ROWS: usize = 64 * 1024;

/// What a finished file holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ParquetStats {
    pub rows: u64,
    pub row_groups: u64,
    pub bytes: u64,
}

/// An open Parquet output. Rows go to `<path>.partial`; [`ParquetFile::finish`] renames it to
/// `path`, so a reader never sees a half-written file under the final name.
pub struct ParquetFile {
    path: PathBuf,
    partial: PathBuf,
    writer: ArrowWriter<BufWriter<File>>,
    rows: u64,
}

impl ParquetFile {
    /// Creates the file for `schema`; `kind` (`hits`, `events`) and the schema version go into
    /// the file's key-value metadata as `rtsec.kind` and `rtsec.schema_version`.
    pub fn create(
        path: &Path,
        schema: SchemaRef,
        kind: &str,
        schema_version: u32,
    ) -> Result<ParquetFile, ReplayError> {
        let mut partial = path.as_os_str().to_owned();
        partial.push(".partial");
        let partial = PathBuf::from(partial);
        let file = File::create(&partial).map_err(|e| ReplayError::io(&partial, e))?;
        // zstd level 1: hits files came out as small as at level 3 (8.6 MiB for 133K synthetic
        // hits), the writer 5-10 % faster.
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(
                ZstdLevel::try_new(1).expect("zstd level 1 is valid"),
            ))
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .set_created_by(format!("rtsec {}", env!("CARGO_PKG_VERSION")))
            .set_key_value_metadata(Some(vec![
                KeyValue::new("rtsec.kind".into(), kind.to_string()),
                KeyValue::new("rtsec.schema_version".into(), schema_version.to_string()),
            ]));
        let props = match kind {
            "hits" => crate::hits::tune_writer(props),
            _ => props,
        }
        .build();
        let writer =
            ArrowWriter::try_new(BufWriter::with_capacity(1 << 20, file), schema, Some(props))
                .map_err(|e| ReplayError::parquet(path, e))?;
        Ok(ParquetFile {
            path: path.to_path_buf(),
            partial,
            writer,
            rows: 0,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends rows; a row group is written out whenever [`ROW_GROUP_ROWS`] have accumulated.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<(), ReplayError> {
        self.rows += batch.num_rows() as u64;
        self.writer
            .write(batch)
            .map_err(|e| ReplayError::parquet(&self.path, e))
    }

    /// Writes the last row group and the footer, then moves the file to its name.
    pub fn finish(self) -> Result<ParquetStats, ReplayError> {
        let meta = self
            .writer
            .close()
            .map_err(|e| ReplayError::parquet(&self.path, e))?;
        std::fs::rename(&self.partial, &self.path).map_err(|e| ReplayError::io(&self.path, e))?;
        let bytes = std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0);
        Ok(ParquetStats {
            rows: self.rows,
            row_groups: meta.num_row_groups() as u64,
            bytes,
        })
    }

    /// Gives up: removes the partial file.
    pub fn abandon(self) {
        let partial = self.partial.clone();
        drop(self.writer);
        let _ = std::fs::remove_file(partial);
    }
}
