//! A Parquet file written batch by batch (zstd, row groups flushed as they fill), made visible
//! under its name only when it is complete.
//!
//! Encoding rows to Parquet (levels, dictionaries, zstd) costs about as much as judging the
//! events that produced them, so it is done where the rows are made. Exported events: a worker
//! hands each chunk of rows to a [`RowGroupStream`], which encodes the rows of a block that
//! has at least [`ENCODE_MIN_ROWS`] of them into whole row groups, chunk by chunk, with the
//! parquet crate's Arrow writer; the file only appends them, and gathers the rows of smaller
//! blocks into row groups. Hits: workers encode pages with rtsec's own encoder
//! ([`crate::hits_encoder`]), and the file puts the pages of consecutive blocks into row
//! groups. Either way a row group's bytes depend only on the blocks it comes from, in order,
//! so the file is the same for every thread count.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_writer::{
    ArrowColumnChunk, ArrowColumnWriter, ArrowRowGroupWriterFactory, compute_leaves,
};
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;

use crate::error::ReplayError;
use crate::hit_rows::HitRows;
use crate::hits_encoder::{HitPages, HitsWriter};
use crate::parquet_pages::EncodedChunk;

/// Rows per row group: large enough for good compression and fast scans, small enough that a
/// row group being built stays a few MiB.
pub const ROW_GROUP_ROWS: usize = 64 * 1024;

/// A block with at least this many rows has them encoded by the worker that made it, as row
/// groups of its own; smaller ones are gathered by the file into row groups of
/// [`ROW_GROUP_ROWS`].
pub const ENCODE_MIN_ROWS: usize = 4 * 1024;

/// Rows a worker builds as Arrow arrays before encoding them, so that a block's rows never
/// exist as Arrow data at once (a block with a hit per open held ~150 MiB). Smaller chunks
/// saved little more memory and cost time: 1024 rows 10 % slower, 2048 rows 6 %, 4096 rows
/// 2-3 % against whole blocks (2.7M hits at -j 2: peak RSS 383 → 175 MiB).
pub const CHUNK_ROWS: usize = 4096;

/// What a finished file holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ParquetStats {
    pub rows: u64,
    pub row_groups: u64,
    pub bytes: u64,
}

/// The writer settings of a file of `kind` (`hits`, `events`).
fn properties(kind: &str, schema_version: u32) -> WriterProperties {
    // zstd level 1: replay --parquet 4 % faster than at level 3, files within 0.1 % of the
    // same size (2.7M hits).
    let mut props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(1).expect("zstd level 1 is valid"),
        ))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_created_by(format!("rtsec {}", env!("CARGO_PKG_VERSION")))
        .set_key_value_metadata(Some(vec![
            KeyValue::new("rtsec.kind".into(), kind.to_string()),
            KeyValue::new("rtsec.schema_version".into(), schema_version.to_string()),
        ]));
    if kind == "events" {
        // Values that are (nearly) all different: a dictionary is built for nothing, and
        // rows that count up are smallest as deltas.
        props = props.set_column_dictionary_enabled("evt_args".into(), false);
        for c in ["evt_time", "evt_num"] {
            props = props
                .set_column_dictionary_enabled(c.into(), false)
                .set_column_encoding(c.into(), parquet::basic::Encoding::DELTA_BINARY_PACKED);
        }
    }
    props.build()
}

/// Column writers for `schema` with `kind`'s settings (the Arrow schema goes into the file
/// metadata as `ArrowWriter` puts it there).
fn factory<W: std::io::Write + Send>(
    out: W,
    schema: SchemaRef,
    kind: &str,
    schema_version: u32,
) -> parquet::errors::Result<(SerializedFileWriter<W>, ArrowRowGroupWriterFactory)> {
    ArrowWriter::try_new(out, schema, Some(properties(kind, schema_version)))?
        .into_serialized_writer()
}

/// Writes `batch` into the column writers of a row group (one per leaf column).
fn encode_into(
    writers: &mut [ArrowColumnWriter],
    schema: &SchemaRef,
    batch: &RecordBatch,
) -> parquet::errors::Result<()> {
    let mut w = writers.iter_mut();
    for (field, column) in schema.fields().iter().zip(batch.columns()) {
        for leaf in compute_leaves(field, column)? {
            w.next()
                .ok_or_else(|| parquet::errors::ParquetError::General("too few columns".into()))?
                .write(&leaf)?;
        }
    }
    Ok(())
}

/// The row group being filled: one writer per leaf column, and the rows written so far.
struct OpenRowGroup {
    writers: Vec<ArrowColumnWriter>,
    rows: usize,
}

impl OpenRowGroup {
    fn close(self) -> parquet::errors::Result<EncodedRowGroup> {
        let chunks = self
            .writers
            .into_iter()
            .map(|w| w.close().map(Chunk::Arrow))
            .collect::<parquet::errors::Result<_>>()?;
        Ok(EncodedRowGroup {
            chunks,
            rows: self.rows,
        })
    }
}

/// Writes `batch` into row groups of at most [`ROW_GROUP_ROWS`] rows, continuing `open` (a
/// new one is made with `ordinal`); the row groups that fill up are returned, encoded.
fn fill_row_groups(
    factory: &ArrowRowGroupWriterFactory,
    schema: &SchemaRef,
    ordinal: usize,
    open: &mut Option<OpenRowGroup>,
    batch: &RecordBatch,
) -> parquet::errors::Result<Vec<EncodedRowGroup>> {
    let mut full = Vec::new();
    let mut at = 0;
    while at < batch.num_rows() {
        let mut group = match open.take() {
            Some(g) => g,
            None => OpenRowGroup {
                writers: factory.create_column_writers(ordinal + full.len())?,
                rows: 0,
            },
        };
        let n = (ROW_GROUP_ROWS - group.rows).min(batch.num_rows() - at);
        encode_into(&mut group.writers, schema, &batch.slice(at, n))?;
        at += n;
        group.rows += n;
        if group.rows == ROW_GROUP_ROWS {
            full.push(group.close()?);
        } else {
            *open = Some(group);
        }
    }
    Ok(full)
}

/// One row group, encoded and compressed, ready to be appended to a file.
#[derive(Debug)]
pub struct EncodedRowGroup {
    chunks: Vec<Chunk>,
    rows: usize,
}

/// A column chunk from the parquet crate's Arrow writer or from the hits encoder.
#[derive(Debug)]
enum Chunk {
    Arrow(ArrowColumnChunk),
    Pages(EncodedChunk),
}

impl EncodedRowGroup {
    pub(crate) fn from_chunks(chunks: Vec<EncodedChunk>, rows: usize) -> EncodedRowGroup {
        EncodedRowGroup {
            chunks: chunks.into_iter().map(Chunk::Pages).collect(),
            rows,
        }
    }

    pub fn rows(&self) -> usize {
        self.rows
    }
}

/// Encodes batches into row groups, on any thread, with the settings of the files of a kind.
pub struct RowGroupEncoder {
    factory: ArrowRowGroupWriterFactory,
    schema: SchemaRef,
}

impl std::fmt::Debug for RowGroupEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowGroupEncoder").finish_non_exhaustive()
    }
}

impl RowGroupEncoder {
    /// An encoder for files of `schema` made by [`ParquetFile::create`] with the same `kind`
    /// and `schema_version`.
    pub fn new(
        schema: SchemaRef,
        kind: &str,
        schema_version: u32,
    ) -> Result<RowGroupEncoder, ReplayError> {
        let (_, factory) = factory(std::io::sink(), schema.clone(), kind, schema_version)
            .map_err(|e| ReplayError::Output(format!("Parquet encoder: {e}")))?;
        Ok(RowGroupEncoder { factory, schema })
    }

    /// `batch` as row groups of at most [`ROW_GROUP_ROWS`] rows.
    pub fn encode(&self, batch: &RecordBatch) -> parquet::errors::Result<Vec<EncodedRowGroup>> {
        let mut open = None;
        let mut groups = fill_row_groups(&self.factory, &self.schema, 0, &mut open, batch)?;
        if let Some(g) = open {
            groups.push(g.close()?);
        }
        Ok(groups)
    }
}

/// The rows of one block, given chunk by chunk (see the module docs): held back while the
/// block has fewer than [`ENCODE_MIN_ROWS`], then encoded as they come.
pub struct RowGroupStream<'a> {
    encoder: &'a RowGroupEncoder,
    held: Vec<RecordBatch>,
    held_rows: usize,
    open: Option<OpenRowGroup>,
    done: Vec<EncodedRowGroup>,
}

impl<'a> RowGroupStream<'a> {
    pub fn new(encoder: &'a RowGroupEncoder) -> Self {
        RowGroupStream {
            encoder,
            held: Vec::new(),
            held_rows: 0,
            open: None,
            done: Vec::new(),
        }
    }

    /// The block's next rows.
    pub fn push(&mut self, chunk: RecordBatch) -> parquet::errors::Result<()> {
        let encoding = self.open.is_some() || !self.done.is_empty();
        if !encoding && self.held_rows + chunk.num_rows() < ENCODE_MIN_ROWS {
            self.held_rows += chunk.num_rows();
            self.held.push(chunk);
            return Ok(());
        }
        for held in std::mem::take(&mut self.held) {
            self.encode(&held)?;
        }
        self.held_rows = 0;
        self.encode(&chunk)
    }

    fn encode(&mut self, batch: &RecordBatch) -> parquet::errors::Result<()> {
        let e = self.encoder;
        let full = fill_row_groups(&e.factory, &e.schema, 0, &mut self.open, batch)?;
        self.done.extend(full);
        Ok(())
    }

    /// The block's rows: the chunks of a small block, for the file to gather, and the row
    /// groups of a large one.
    pub fn finish(mut self) -> parquet::errors::Result<(Vec<RecordBatch>, Vec<EncodedRowGroup>)> {
        if let Some(g) = self.open.take() {
            self.done.push(g.close()?);
        }
        Ok((self.held, self.done))
    }
}

/// What to call when a partial file is created and once it is gone (renamed or removed).
pub struct PartialFileHook {
    pub created: fn(&Path),
    pub gone: fn(&Path),
}

static PARTIAL_FILE_HOOK: std::sync::OnceLock<PartialFileHook> = std::sync::OnceLock::new();

/// Sets the hook every [`ParquetFile`] calls with its partial file. The binary uses it to
/// remove partial files when a signal (Ctrl-C) ends the process, which skips destructors: this
/// crate installs no signal handlers. Only the first call counts.
pub fn on_partial_files(hook: PartialFileHook) {
    let _ = PARTIAL_FILE_HOOK.set(hook);
}

/// An open Parquet output. Rows go to `<path>.partial`; [`ParquetFile::finish`] renames it to
/// `path`, so a reader never sees a half-written file under the final name.
pub struct ParquetFile {
    path: PathBuf,
    partial: PathBuf,
    writer: SerializedFileWriter<BufWriter<File>>,
    factory: ArrowRowGroupWriterFactory,
    schema: SchemaRef,
    /// The row group being gathered from small batches.
    open: Option<OpenRowGroup>,
    /// Assembles the row groups of hits (made with the first hit rows).
    hits: Option<HitsWriter>,
    /// Rows after which a row group of hits closes.
    hits_row_group_rows: usize,
    rows: u64,
    row_groups: u64,
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
        // Named after the output the user gave: the `.partial` name is ours.
        let file = File::create(&partial).map_err(|e| ReplayError::Parquet {
            path: path.to_path_buf(),
            message: format!("cannot create {}: {e}", partial.display()),
        })?;
        if let Some(h) = PARTIAL_FILE_HOOK.get() {
            (h.created)(&partial);
        }
        let out = BufWriter::with_capacity(1 << 20, file);
        let (writer, factory) = match factory(out, schema.clone(), kind, schema_version) {
            Ok(w) => w,
            Err(e) => {
                remove_partial(&partial);
                return Err(ReplayError::parquet(path, e));
            }
        };
        Ok(ParquetFile {
            path: path.to_path_buf(),
            partial,
            writer,
            factory,
            schema,
            open: None,
            hits: None,
            hits_row_group_rows: crate::hits_encoder::ROW_GROUP_ROWS,
            rows: 0,
            row_groups: 0,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends rows; a row group is written out whenever [`ROW_GROUP_ROWS`] have accumulated.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<(), ReplayError> {
        let ordinal = self.row_groups as usize;
        let full = fill_row_groups(&self.factory, &self.schema, ordinal, &mut self.open, batch)
            .map_err(|e| ReplayError::parquet(&self.path, e))?;
        self.rows += batch.num_rows() as u64;
        for g in full {
            self.append(g.chunks)?;
        }
        Ok(())
    }

    /// Row groups of hits close at `rows` rows (or their size in bytes) instead of
    /// [`crate::hits_encoder::ROW_GROUP_ROWS`]: for tests that want several.
    pub fn with_hits_row_group_rows(mut self, rows: usize) -> ParquetFile {
        self.hits_row_group_rows = rows.max(1);
        self
    }

    /// Appends hit rows (of a file of [`crate::hits_schema`]), of a block with few of them.
    /// All hits of a file come from one run: rule ids are those of one
    /// [`crate::RuleCatalog`].
    pub fn write_hits(&mut self, rows: &HitRows) -> Result<(), ReplayError> {
        if rows.is_empty() {
            return Ok(());
        }
        self.rows += rows.len() as u64;
        let full = self
            .hits_writer(rows)
            .and_then(|w| w.push_rows(rows))
            .map_err(|e| ReplayError::parquet(&self.path, e))?;
        self.append_groups(full)
    }

    /// Appends hit rows a worker encoded into pages (after the rows written so far).
    pub fn write_hit_pages(&mut self, pages: &[HitPages]) -> Result<(), ReplayError> {
        let Some(first) = pages.first() else {
            return Ok(());
        };
        self.rows += pages.iter().map(|p| p.rows() as u64).sum::<u64>();
        let full = self
            .hits_writer_for(first.catalog())
            .and_then(|w| w.push_pages(pages))
            .map_err(|e| ReplayError::parquet(&self.path, e))?;
        self.append_groups(full)
    }

    fn hits_writer(&mut self, rows: &HitRows) -> parquet::errors::Result<&mut HitsWriter> {
        self.hits_writer_for(&rows.catalog.clone())
    }

    fn hits_writer_for(
        &mut self,
        catalog: &std::sync::Arc<crate::RuleCatalog>,
    ) -> parquet::errors::Result<&mut HitsWriter> {
        if self.hits.is_none() {
            let columns = self.writer.schema_descr().columns().to_vec();
            self.hits = Some(HitsWriter::new(
                &columns,
                catalog.clone(),
                self.hits_row_group_rows,
            )?);
        }
        Ok(self.hits.as_mut().expect("made above"))
    }

    fn append_groups(&mut self, groups: Vec<EncodedRowGroup>) -> Result<(), ReplayError> {
        for g in groups {
            self.append(g.chunks)?;
        }
        Ok(())
    }

    /// Appends row groups encoded elsewhere (after the rows written so far).
    pub fn write_encoded(&mut self, groups: Vec<EncodedRowGroup>) -> Result<(), ReplayError> {
        for g in groups {
            self.close_open()?;
            self.rows += g.rows as u64;
            self.append(g.chunks)?;
        }
        Ok(())
    }

    /// Writes out the row group being gathered, if any.
    fn close_open(&mut self) -> Result<(), ReplayError> {
        if let Some(g) = self.open.take() {
            let g = g.close().map_err(|e| ReplayError::parquet(&self.path, e))?;
            self.append(g.chunks)?;
        }
        if let Some(w) = self.hits.as_mut() {
            let groups = w
                .finish()
                .map_err(|e| ReplayError::parquet(&self.path, e))?;
            self.append_groups(groups)?;
        }
        Ok(())
    }

    fn append(&mut self, chunks: Vec<Chunk>) -> Result<(), ReplayError> {
        let err = |e| ReplayError::parquet(&self.path, e);
        let mut rg = self.writer.next_row_group().map_err(err)?;
        for c in chunks {
            match c {
                Chunk::Arrow(c) => c.append_to_row_group(&mut rg),
                Chunk::Pages(c) => c.append_to(&mut rg),
            }
            .map_err(err)?;
        }
        rg.close().map_err(err)?;
        self.row_groups += 1;
        Ok(())
    }

    /// Writes the last row group and the footer, then moves the file to its name. If that
    /// fails the partial file is removed: its rows could not be read anyway.
    pub fn finish(mut self) -> Result<ParquetStats, ReplayError> {
        if let Err(e) = self.close_open() {
            self.abandon();
            return Err(e);
        }
        let closed = self
            .writer
            .close()
            .map_err(|e| ReplayError::parquet(&self.path, e))
            .and_then(|_| {
                std::fs::rename(&self.partial, &self.path)
                    .map_err(|e| ReplayError::io(&self.path, e))
            });
        if let Err(e) = closed {
            remove_partial(&self.partial);
            return Err(e);
        }
        if let Some(h) = PARTIAL_FILE_HOOK.get() {
            (h.gone)(&self.partial);
        }
        let bytes = std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0);
        Ok(ParquetStats {
            rows: self.rows,
            row_groups: self.row_groups,
            bytes,
        })
    }

    /// Gives up: removes the partial file.
    pub fn abandon(self) {
        let partial = self.partial.clone();
        drop(self.writer);
        remove_partial(&partial);
    }
}

fn remove_partial(partial: &Path) {
    let _ = std::fs::remove_file(partial);
    if let Some(h) = PARTIAL_FILE_HOOK.get() {
        (h.gone)(partial);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{Array, StringArray, UInt64Array};
    use arrow_schema::{DataType, Field, Schema};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    use super::*;

    fn batch(from: u64, n: usize) -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![
            Field::new("n", DataType::UInt64, false),
            Field::new("s", DataType::Utf8, true),
        ]));
        let ns: Vec<u64> = (from..from + n as u64).collect();
        let ss: Vec<Option<String>> = ns
            .iter()
            .map(|i| (i % 7 != 0).then(|| format!("row {i}")))
            .collect();
        RecordBatch::try_new(
            schema,
            vec![
                Arc::new(UInt64Array::from(ns)),
                Arc::new(StringArray::from(ss)),
            ],
        )
        .unwrap()
    }

    /// Row groups encoded elsewhere and batches gathered by the file come out in the order
    /// they were given, whole, and the same file results whatever the batches were.
    #[test]
    fn encoded_and_gathered_rows_keep_their_order() {
        let dir = tempfile::tempdir().unwrap();
        let schema = batch(0, 1).schema();
        let enc = RowGroupEncoder::new(schema.clone(), "test", 1).unwrap();
        let write = |name: &str| {
            let path = dir.path().join(name);
            let mut f = ParquetFile::create(&path, schema.clone(), "test", 1).unwrap();
            f.write(&batch(0, 100)).unwrap();
            f.write_encoded(enc.encode(&batch(100, ROW_GROUP_ROWS + 10)).unwrap())
                .unwrap();
            f.write(&batch(ROW_GROUP_ROWS as u64 + 110, ROW_GROUP_ROWS - 50))
                .unwrap();
            f.write(&batch(2 * ROW_GROUP_ROWS as u64 + 60, 100))
                .unwrap();
            let stats = f.finish().unwrap();
            (path, stats)
        };
        let (a, stats) = write("a.parquet");
        let (b, _) = write("b.parquet");
        assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
        let total = 2 * ROW_GROUP_ROWS + 160;
        assert_eq!(stats.rows, total as u64);
        // 100 | 64K and 10 encoded | 64K gathered (two batches) | the last 50
        assert_eq!(stats.row_groups, 5);
        let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&a).unwrap())
            .unwrap()
            .build()
            .unwrap();
        let mut next = 0u64;
        for rb in reader {
            let rb = rb.unwrap();
            let n = rb.column(0).as_any().downcast_ref::<UInt64Array>().unwrap();
            let s = rb.column(1).as_any().downcast_ref::<StringArray>().unwrap();
            for i in 0..rb.num_rows() {
                assert_eq!(n.value(i), next);
                assert_eq!(s.is_null(i), next.is_multiple_of(7));
                next += 1;
            }
        }
        assert_eq!(next, total as u64);
    }
}
