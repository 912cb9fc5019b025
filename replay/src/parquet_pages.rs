//! Column chunks written page by page, without Arrow: the hits encoder (`hits_encoder`) makes
//! each page's content (levels, PLAIN values, dictionary indices) straight from the hit rows,
//! and this module compresses pages with zstd and frames them (page headers, chunk metadata)
//! for the parquet crate's `append_column`, which writes the file's footer as usual.
//!
//! Why not the parquet crate's column writers: they take Arrow arrays (built, then copied
//! again into pages) and intern every string value in a hash table for dictionaries. For hit
//! rows most dictionaries are known without hashing (rule, priority, tags and output field
//! names come from the rule; host and trace from the input), and the other strings are cheaper
//! to compress than to intern. See `hits_encoder` for the measurements.

use bytes::Bytes;
use parquet::basic::{Compression, Encoding, ZstdLevel};
use parquet::column::page::{CompressedPage, Page, PageWriter};
use parquet::column::writer::ColumnCloseResult;
use parquet::errors::{ParquetError, Result};
use parquet::file::metadata::ColumnChunkMetaData;
use parquet::file::statistics::Statistics;
use parquet::file::writer::{SerializedPageWriter, SerializedRowGroupWriter, TrackedWrite};
use parquet::schema::types::ColumnDescPtr;

/// zstd level of the pages (as the Arrow-written files: level 1 was 4 % faster than 3 for
/// files within 0.1 % of the size).
pub(crate) const ZSTD_LEVEL: i32 = 1;

/// Bits needed to write values up to `max` (0 for 0, as the parquet crate does for
/// one-entry dictionaries).
pub(crate) fn bit_width(max: u32) -> u8 {
    (32 - max.leading_zeros()) as u8
}

/// Appends `values` (each below `2^bit_width`) in Parquet's RLE / bit-packed hybrid encoding:
/// runs of 8 or more equal values as RLE runs, the rest bit-packed in groups of 8 (the last
/// group padded with zeros; readers know the count from the page).
pub(crate) fn encode_hybrid<T: Copy + Into<u32> + PartialEq>(
    values: &[T],
    bit_width: u8,
    out: &mut Vec<u8>,
) {
    let n = values.len();
    // values[literal..i] are not written yet
    let mut literal = 0;
    let mut i = 0;
    while i < n {
        let v = values[i];
        let mut j = i + 1;
        while j < n && values[j] == v {
            j += 1;
        }
        // Bit-packed groups hold 8 values: the run lends its first values to fill the last
        // group of the literals before it, if it stays long enough to be a run.
        let fill = (8 - (i - literal) % 8) % 8;
        if j - i >= 8 + fill {
            if i > literal {
                bit_pack(&values[literal..i + fill], bit_width, out);
            }
            rle_run(v.into(), j - i - fill, bit_width, out);
            literal = j;
        }
        i = j;
    }
    if literal < n {
        bit_pack(&values[literal..], bit_width, out);
    }
}

fn rle_run(value: u32, count: usize, bit_width: u8, out: &mut Vec<u8>) {
    put_varint(out, (count as u64) << 1);
    let bytes = (bit_width as usize).div_ceil(8);
    out.extend_from_slice(&value.to_le_bytes()[..bytes]);
}

fn bit_pack<T: Copy + Into<u32>>(values: &[T], bit_width: u8, out: &mut Vec<u8>) {
    let groups = values.len().div_ceil(8);
    put_varint(out, ((groups as u64) << 1) | 1);
    let mut acc: u64 = 0;
    let mut bits = 0u32;
    for k in 0..groups * 8 {
        let v = values.get(k).map_or(0, |v| (*v).into());
        acc |= (v as u64) << bits;
        bits += bit_width as u32;
        while bits >= 8 {
            out.push(acc as u8);
            acc >>= 8;
            bits -= 8;
        }
    }
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Appends levels as a data page (v1) carries them: a 4-byte length, then the hybrid
/// encoding with the bit width of `max_level`.
pub(crate) fn encode_levels(levels: &[u8], max_level: i16, out: &mut Vec<u8>) {
    let at = out.len();
    out.extend_from_slice(&[0; 4]);
    encode_hybrid(levels, bit_width(max_level as u32), out);
    let len = (out.len() - at - 4) as u32;
    out[at..at + 4].copy_from_slice(&len.to_le_bytes());
}

/// Appends dictionary indices as an `RLE_DICTIONARY` page carries them: the bit width, then
/// the hybrid encoding.
pub(crate) fn encode_indices(indices: &[u32], out: &mut Vec<u8>) {
    let width = bit_width(indices.iter().copied().max().unwrap_or(0));
    out.push(width);
    encode_hybrid(indices, width, out);
}

/// Pages of one column, compressed and framed (page header, then data), in chunk order.
#[derive(Debug, Default)]
pub(crate) struct ColumnPages {
    pub bytes: Vec<u8>,
    /// Level entries (values, nulls and empty lists) in the pages.
    pub num_values: i64,
    /// The pages' size before compression, headers included (for the chunk's metadata).
    pub uncompressed: i64,
    /// Whether a page's values are DELTA_BINARY_PACKED (for the chunk's list of encodings).
    pub delta: bool,
}

impl ColumnPages {
    /// Adds a data page (v1) of `num_values` level entries whose content (repetition levels,
    /// definition levels, values) is `content`, its values in `encoding`.
    pub fn data_page(
        &mut self,
        content: &[u8],
        num_values: usize,
        encoding: Encoding,
        zstd: &mut PageCompressor,
    ) -> Result<()> {
        let page = Page::DataPage {
            buf: zstd.compress(content)?,
            num_values: num_values as u32,
            encoding,
            def_level_encoding: Encoding::RLE,
            rep_level_encoding: Encoding::RLE,
            statistics: None,
        };
        self.write(CompressedPage::new(page, content.len()))?;
        self.num_values += num_values as i64;
        self.delta |= encoding == Encoding::DELTA_BINARY_PACKED;
        Ok(())
    }

    /// A dictionary page of `count` PLAIN values.
    pub fn dictionary(
        plain: &[u8],
        count: usize,
        zstd: &mut PageCompressor,
    ) -> Result<ColumnPages> {
        let page = Page::DictionaryPage {
            buf: zstd.compress(plain)?,
            num_values: count as u32,
            encoding: Encoding::PLAIN,
            is_sorted: false,
        };
        let mut pages = ColumnPages::default();
        pages.write(CompressedPage::new(page, plain.len()))?;
        Ok(pages)
    }

    fn write(&mut self, page: CompressedPage) -> Result<()> {
        let mut sink = TrackedWrite::new(&mut self.bytes);
        let spec = SerializedPageWriter::new(&mut sink).write_page(page)?;
        sink.into_inner()?;
        self.uncompressed += spec.uncompressed_size as i64;
        Ok(())
    }

    /// Appends `other`'s pages after these.
    pub fn append(&mut self, other: &ColumnPages) {
        self.bytes.extend_from_slice(&other.bytes);
        self.num_values += other.num_values;
        self.uncompressed += other.uncompressed;
        self.delta |= other.delta;
    }
}

/// The column chunk of column `descr` made of `data` pages, preceded by `dictionary` if they
/// are dictionary-encoded, for `rows` rows.
pub(crate) fn finish_chunk(
    descr: ColumnDescPtr,
    dictionary: Option<ColumnPages>,
    data: ColumnPages,
    rows: usize,
    statistics: Option<Statistics>,
) -> Result<EncodedChunk> {
    let mut encodings = vec![Encoding::PLAIN, Encoding::RLE];
    if data.delta {
        encodings.push(Encoding::DELTA_BINARY_PACKED);
    }
    let mut uncompressed = data.uncompressed;
    // Without a dictionary the pages are the chunk (no copy of the large text columns).
    let (bytes, dictionary_len) = match dictionary {
        Some(d) => {
            encodings.push(Encoding::RLE_DICTIONARY);
            uncompressed += d.uncompressed;
            let len = d.bytes.len() as i64;
            let mut bytes = d.bytes;
            bytes.extend_from_slice(&data.bytes);
            (bytes, Some(len))
        }
        None => (data.bytes, None),
    };
    let mut meta = ColumnChunkMetaData::builder(descr)
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(ZSTD_LEVEL).expect("a valid zstd level"),
        ))
        .set_encodings(encodings)
        .set_num_values(data.num_values)
        .set_total_compressed_size(bytes.len() as i64)
        .set_total_uncompressed_size(uncompressed)
        .set_data_page_offset(dictionary_len.unwrap_or(0))
        .set_dictionary_page_offset(dictionary_len.map(|_| 0));
    if let Some(s) = statistics {
        meta = meta.set_statistics(s);
    }
    let close = ColumnCloseResult {
        bytes_written: bytes.len() as u64,
        rows_written: rows as u64,
        metadata: meta.build()?,
        bloom_filter: None,
        column_index: None,
        offset_index: None,
    };
    Ok(EncodedChunk {
        bytes: Bytes::from(bytes),
        close,
    })
}

/// A column chunk encoded elsewhere, ready to be appended to a row group.
#[derive(Debug)]
pub struct EncodedChunk {
    bytes: Bytes,
    close: ColumnCloseResult,
}

impl EncodedChunk {
    pub(crate) fn append_to<W: std::io::Write + Send>(
        self,
        rg: &mut SerializedRowGroupWriter<'_, W>,
    ) -> Result<()> {
        rg.append_column(&self.bytes, self.close)
    }
}

/// A zstd context at the pages' level and the buffer it compresses into, both reused page
/// after page: a fresh buffer of a page's size for each page cost a page fault per 4 KiB of
/// it, and a second copy of the compressed bytes.
pub(crate) struct PageCompressor {
    zstd: zstd::bulk::Compressor<'static>,
    out: Vec<u8>,
}

impl PageCompressor {
    pub fn new() -> Result<PageCompressor> {
        Ok(PageCompressor {
            zstd: zstd::bulk::Compressor::new(ZSTD_LEVEL).map_err(zstd_error)?,
            out: Vec::new(),
        })
    }

    /// `data`, compressed.
    fn compress(&mut self, data: &[u8]) -> Result<Bytes> {
        self.out.clear();
        self.out
            .reserve(zstd::zstd_safe::compress_bound(data.len()));
        self.zstd
            .compress_to_buffer(data, &mut self.out)
            .map_err(zstd_error)?;
        Ok(Bytes::copy_from_slice(&self.out))
    }
}

fn zstd_error(e: std::io::Error) -> ParquetError {
    ParquetError::General(format!("zstd: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes the hybrid encoding as the Parquet spec describes it.
    fn decode(mut data: &[u8], bit_width: u8, n: usize) -> Vec<u32> {
        let mut out = Vec::new();
        let varint = |data: &mut &[u8]| {
            let (mut v, mut shift) = (0u64, 0);
            loop {
                let b = data[0];
                *data = &data[1..];
                v |= ((b & 0x7f) as u64) << shift;
                shift += 7;
                if b < 0x80 {
                    return v;
                }
            }
        };
        while out.len() < n {
            let header = varint(&mut data);
            if header & 1 == 0 {
                let bytes = (bit_width as usize).div_ceil(8);
                let mut v = [0u8; 4];
                v[..bytes].copy_from_slice(&data[..bytes]);
                data = &data[bytes..];
                out.extend(std::iter::repeat_n(
                    u32::from_le_bytes(v),
                    (header >> 1) as usize,
                ));
            } else {
                let count = (header >> 1) as usize * 8;
                let (mut acc, mut bits) = (0u64, 0u32);
                for _ in 0..count {
                    while bits < bit_width as u32 {
                        acc |= (data[0] as u64) << bits;
                        data = &data[1..];
                        bits += 8;
                    }
                    out.push((acc & ((1u64 << bit_width) - 1)) as u32);
                    acc >>= bit_width;
                    bits -= bit_width as u32;
                }
            }
        }
        assert!(data.is_empty(), "{} bytes left over", data.len());
        out.truncate(n);
        out
    }

    #[test]
    fn hybrid_encoding_round_trips() {
        let mut seed = 7u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut cases: Vec<Vec<u32>> = vec![
            vec![],
            vec![3],
            vec![1; 7],
            vec![1; 8],
            vec![1; 1000],
            (0..9).collect(),
            // literals, then a run that must lend values to fill their last group
            [vec![1, 2, 3], vec![5; 12], vec![6, 7]].concat(),
            [vec![1, 2, 3], vec![5; 9], vec![6]].concat(),
        ];
        for _ in 0..300 {
            let len = (next() % 300) as usize;
            let max = 1 + next() % 40;
            let mut v = Vec::with_capacity(len);
            while v.len() < len {
                let x = (next() % max) as u32;
                let run = if next() % 3 == 0 { next() % 20 } else { 1 };
                v.extend(std::iter::repeat_n(x, run as usize));
            }
            cases.push(v);
        }
        for v in cases {
            let width = bit_width(v.iter().copied().max().unwrap_or(0)).max(1);
            let mut out = Vec::new();
            encode_hybrid(&v, width, &mut out);
            assert_eq!(decode(&out, width, v.len()), v, "{v:?}");
        }
    }

    #[test]
    fn bit_widths() {
        assert_eq!(bit_width(0), 0);
        assert_eq!(bit_width(1), 1);
        assert_eq!(bit_width(2), 2);
        assert_eq!(bit_width(255), 8);
        assert_eq!(bit_width(256), 9);
    }
}
