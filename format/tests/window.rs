//! Reading only the blocks of a time window: blocks wholly outside it are passed over without
//! reading their payload, and counted.

mod common;

use rtsec_format::TraceReader;

#[test]
fn blocks_outside_a_window_are_passed_over_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.rts");
    common::multi_block_trace(&path, 6000, 3);
    let r = TraceReader::open(&path).unwrap();
    let index = r.footer().unwrap().blocks.clone();
    assert!(index.len() >= 5, "{} blocks", index.len());
    // A window from inside the second block to inside the fourth.
    let (first, last) = (
        (index[1].ts_min + index[1].ts_max) / 2,
        (index[3].ts_min + index[3].ts_max) / 2,
    );
    let mut blocks = r.blocks(false).only_between(first, last);
    let read: Vec<u32> = (&mut blocks).map(|b| b.unwrap().index).collect();
    let want: Vec<u32> = index
        .iter()
        .enumerate()
        .filter(|(_, b)| b.ts_max >= first && b.ts_min <= last)
        .map(|(i, _)| i as u32)
        .collect();
    assert_eq!(read, want);
    assert!(read.contains(&1) && read.contains(&3) && !read.contains(&0));
    let passed: Vec<_> = index
        .iter()
        .enumerate()
        .filter(|(i, _)| !want.contains(&(*i as u32)))
        .collect();
    let outside = blocks.outside_window();
    assert_eq!(
        (outside.blocks, outside.events, outside.bytes),
        (
            passed.len() as u64,
            passed.iter().map(|(_, b)| b.events as u64).sum(),
            passed.iter().map(|(_, b)| b.len as u64).sum(),
        )
    );
    // Nothing was lost: the reader reached the footer without a notice.
    assert!(blocks.notices().is_empty(), "{:?}", blocks.notices());
    assert_eq!(blocks.events_so_far(), 6000);
}
