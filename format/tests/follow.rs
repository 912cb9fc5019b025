//! Following a trace while it is written (`TraceFollower`): blocks come out once they are
//! whole in the file and never before, the footer ends the follow, damage is passed over and
//! reported, and a file that is not a trace or that shrinks is an error.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

mod common;

use rtsec_format::{
    Followed, FormatError, Header, Notice, TraceFollower, TraceReader, TraceWriter, WriterOptions,
    synth,
};

/// A finished trace of `events` synthetic events in blocks of about 16 KiB: its bytes, and
/// where each block starts and the footer starts.
fn finished_trace(dir: &Path, events: usize) -> (Vec<u8>, Vec<u64>, u64) {
    let path = dir.join("whole.rts");
    common::multi_block_trace(&path, events, 5);
    let r = TraceReader::open(&path).unwrap();
    let footer = r.footer().unwrap();
    let starts: Vec<u64> = footer.blocks.iter().map(|b| b.offset).collect();
    let last = footer.blocks.last().unwrap();
    (
        std::fs::read(&path).unwrap(),
        starts,
        last.offset + last.len as u64,
    )
}

/// Polls until the follower waits or ends; what it handed out meanwhile.
fn drain(f: &mut TraceFollower) -> Vec<Followed> {
    let mut out = Vec::new();
    loop {
        match f.poll().unwrap() {
            Followed::Waiting => return out,
            end @ (Followed::Finished(_) | Followed::Abandoned(_)) => {
                out.push(end);
                return out;
            }
            other => out.push(other),
        }
    }
}

/// A file written as the trace writer writes it: created and locked (the follower then knows
/// its writer is alive), appended to, and closed when dropped.
struct Writing(std::fs::File);

impl Writing {
    fn start(path: &Path) -> Writing {
        let f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .unwrap();
        // SAFETY: flock on an open descriptor.
        let locked = unsafe {
            libc::flock(
                std::os::fd::AsRawFd::as_raw_fd(&f),
                libc::LOCK_EX | libc::LOCK_NB,
            )
        };
        assert_eq!(locked, 0, "the file is not locked by another writer");
        Writing(f)
    }

    fn append(&mut self, bytes: &[u8]) {
        self.0.write_all(bytes).unwrap();
    }
}

fn block_offsets(items: &[Followed]) -> Vec<u64> {
    items
        .iter()
        .filter_map(|x| match x {
            Followed::Block(b) => Some(b.offset),
            _ => None,
        })
        .collect()
}

#[test]
fn blocks_come_out_only_once_whole_and_the_footer_ends_the_follow() {
    let dir = tempfile::tempdir().unwrap();
    let (bytes, starts, footer_at) = finished_trace(dir.path(), 6000);
    assert!(starts.len() >= 4, "{} blocks", starts.len());
    let path = dir.path().join("growing.rts");
    let mut f = TraceFollower::new(&path);
    // No file yet, then an empty file, then half a header: nothing to hand out.
    assert!(drain(&mut f).is_empty());
    let mut w = Writing::start(&path);
    assert!(drain(&mut f).is_empty());
    w.append(&bytes[..10]);
    assert!(drain(&mut f).is_empty());
    assert!(f.header().is_none());
    // The header, then each block in two halves: a block comes out with its second half.
    let mut written = 10usize;
    let mut cuts: Vec<u64> = starts.clone();
    cuts.push(footer_at);
    w.append(&bytes[written..cuts[0] as usize]);
    written = cuts[0] as usize;
    assert!(drain(&mut f).is_empty());
    assert_eq!(f.header().unwrap().hostname, "host");
    let reader = TraceReader::open(dir.path().join("whole.rts")).unwrap();
    let want: Vec<_> = reader.blocks(false).map(|b| b.unwrap()).collect();
    for (i, c) in cuts.windows(2).enumerate() {
        let mid = ((c[0] + c[1]) / 2) as usize;
        w.append(&bytes[written..mid]);
        written = mid;
        assert!(drain(&mut f).is_empty(), "block {i} came out half written");
        w.append(&bytes[written..c[1] as usize]);
        written = c[1] as usize;
        let got = drain(&mut f);
        assert_eq!(block_offsets(&got), [c[0]], "block {i}");
        let Followed::Block(b) = &got[0] else {
            unreachable!()
        };
        assert_eq!((b.index, &b.payload), (want[i].index, &want[i].payload));
        b.decode().unwrap();
    }
    assert_eq!(f.events_so_far(), 6000);
    // The footer, cut before its trailer, is not the end yet; with the trailer it is.
    w.append(&bytes[written..bytes.len() - 4]);
    assert!(drain(&mut f).is_empty());
    w.append(&bytes[bytes.len() - 4..]);
    let got = drain(&mut f);
    let [Followed::Finished(Some(footer))] = &got[..] else {
        panic!("{got:?}")
    };
    assert_eq!(footer.events, 6000);
    assert_eq!(footer, reader.footer().unwrap());
}

#[test]
fn damage_between_blocks_is_passed_over_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let (bytes, starts, footer_at) = finished_trace(dir.path(), 3000);
    let path = dir.path().join("growing.rts");
    let mut f = TraceFollower::new(&path);
    let mut w = Writing::start(&path);
    w.append(&bytes[..starts[1] as usize]);
    assert_eq!(block_offsets(&drain(&mut f)), [starts[0]]);
    // 100 bytes of garbage: alone it may be the start of a frame still being written.
    w.append(&[0x55; 100]);
    assert!(drain(&mut f).is_empty());
    // Once a valid frame follows, the garbage is damage.
    w.append(&bytes[starts[1] as usize..footer_at as usize]);
    let got = drain(&mut f);
    match &got[0] {
        Followed::Notice(Notice::Skipped { offset, bytes, .. }) => {
            assert_eq!((*offset, *bytes), (starts[1], 100));
        }
        other => panic!("{other:?}"),
    }
    let shifted: Vec<u64> = starts[1..].iter().map(|s| s + 100).collect();
    assert_eq!(block_offsets(&got[1..]), shifted);
    // A damaged footer is reported, then ends the follow.
    let mut tail = bytes[footer_at as usize..].to_vec();
    tail[14] ^= 0xff;
    w.append(&tail);
    let got = drain(&mut f);
    assert!(
        matches!(
            &got[..],
            [
                Followed::Notice(Notice::FooterCorrupt { .. }),
                Followed::Finished(None)
            ]
        ),
        "{got:?}"
    );
}

#[test]
fn a_file_that_is_not_a_trace_or_that_shrinks_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("notes.txt");
    std::fs::write(&other, "hello, world: not a trace at all").unwrap();
    let err = TraceFollower::new(&other).poll().unwrap_err();
    assert!(matches!(err, FormatError::NotATrace { .. }), "{err}");

    let (bytes, starts, _) = finished_trace(dir.path(), 3000);
    let path = dir.path().join("growing.rts");
    let mut w = Writing::start(&path);
    w.append(&bytes[..starts[2] as usize]);
    let mut f = TraceFollower::new(&path);
    assert_eq!(block_offsets(&drain(&mut f)), &starts[..2]);
    std::fs::write(&path, &bytes[..starts[1] as usize]).unwrap();
    let err = f.poll().unwrap_err();
    assert!(matches!(err, FormatError::Shrank { .. }), "{err}");
    assert!(err.to_string().contains("growing.rts"), "{err}");
    assert!(err.to_string().contains("shrank"), "{err}");
}

/// The real writer on another thread, cutting a block at a time: each block reaches the
/// follower before the writer finishes, and the follow ends with the footer.
#[test]
fn follows_the_trace_writer_block_by_block() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.rts");
    let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
    let writer_path = path.clone();
    let writer = std::thread::spawn(move || {
        let mut w = TraceWriter::create(
            &writer_path,
            &Header::default(),
            WriterOptions {
                block_bytes: 1 << 30,
                ..Default::default()
            },
        )
        .unwrap();
        let mut events = Vec::new();
        synth::generate(3000, 9, |ev| {
            events.push(ev.ts);
            w.push(ev).unwrap();
            if events.len() % 1000 == 0 {
                w.cut().unwrap();
                // The next part once the follower has seen this block.
                go_rx.recv().unwrap();
            }
        });
        w.finish().unwrap();
    });
    let mut f = TraceFollower::new(&path);
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut blocks = 0;
    loop {
        assert!(Instant::now() < deadline, "{blocks} blocks after 30 s");
        match f.poll().unwrap() {
            Followed::Waiting => std::thread::sleep(Duration::from_millis(5)),
            Followed::Block(b) => {
                assert_eq!(b.decode().unwrap().events.len(), 1000);
                blocks += 1;
                let _ = go_tx.send(());
            }
            Followed::Finished(footer) => {
                assert_eq!(footer.unwrap().events, 3000);
                break;
            }
            Followed::Notice(n) | Followed::Abandoned(n) => panic!("{n}"),
        }
    }
    assert_eq!(blocks, 3);
    writer.join().unwrap();
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

    /// However the writer's bytes reach the file (cut anywhere, in any number of writes), the
    /// follower hands out exactly the reader's blocks, in order, each once, and ends with the
    /// footer.
    #[test]
    fn any_way_the_bytes_arrive_gives_the_readers_blocks(
        cuts in proptest::collection::vec(0.0f64..1.0, 1..24)
    ) {
        let dir = tempfile::tempdir().unwrap();
        let (bytes, starts, _) = finished_trace(dir.path(), 3000);
        let path = dir.path().join("growing.rts");
        let mut at: Vec<usize> = cuts.iter().map(|c| (c * bytes.len() as f64) as usize).collect();
        at.push(bytes.len());
        at.sort();
        let mut f = TraceFollower::new(&path);
        let mut got = Vec::new();
        let mut written = 0;
        let mut w = Writing::start(&path);
        for end in at {
            w.append(&bytes[written..end]);
            written = end;
            got.extend(drain(&mut f));
        }
        let offsets = block_offsets(&got);
        proptest::prop_assert_eq!(offsets, starts);
        let finished = matches!(got.last(), Some(Followed::Finished(Some(_))));
        proptest::prop_assert!(finished);
        let notices = got.iter().filter(|x| matches!(x, Followed::Notice(_))).count();
        proptest::prop_assert_eq!(notices, 0);
    }
}

/// A writer that is gone (killed) without finishing: the follow ends at once with what a
/// reader notices, instead of waiting for more.
#[test]
fn a_writer_gone_without_finishing_ends_the_follow() {
    let dir = tempfile::tempdir().unwrap();
    let (bytes, starts, _) = finished_trace(dir.path(), 3000);
    // Gone after whole blocks: unfinished.
    let path = dir.path().join("killed.rts");
    let mut w = Writing::start(&path);
    w.append(&bytes[..starts[2] as usize]);
    let mut f = TraceFollower::new(&path);
    assert_eq!(block_offsets(&drain(&mut f)), &starts[..2]);
    drop(w);
    let got = drain(&mut f);
    match &got[..] {
        [Followed::Abandoned(Notice::Unfinished { after_events })] => {
            assert!(*after_events > 0)
        }
        other => panic!("{other:?}"),
    }
    // Gone in the middle of a block: truncated, the bytes of the partial block lost.
    let path = dir.path().join("cut.rts");
    let mut w = Writing::start(&path);
    let mid = (starts[1] + starts[2]) / 2;
    w.append(&bytes[..mid as usize]);
    let mut f = TraceFollower::new(&path);
    assert_eq!(block_offsets(&drain(&mut f)), &starts[..1]);
    drop(w);
    match &drain(&mut f)[..] {
        [Followed::Abandoned(Notice::Truncated { bytes_lost, .. })] => {
            assert_eq!(*bytes_lost, mid - starts[1])
        }
        other => panic!("{other:?}"),
    }
}

/// The trace writer refuses a file another writer is writing, before truncating it.
#[test]
fn a_second_writer_of_the_same_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.rts");
    let opts = || WriterOptions {
        overwrite: true,
        ..Default::default()
    };
    let mut first = TraceWriter::create(&path, &Header::default(), opts()).unwrap();
    synth::generate(100, 1, |ev| first.push(ev).unwrap());
    first.cut().unwrap();
    let len = || std::fs::metadata(&path).unwrap().len();
    let deadline = Instant::now() + Duration::from_secs(10);
    while len() < 100 {
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(5));
    }
    let before = len();
    let err = match TraceWriter::create(&path, &Header::default(), opts()) {
        Err(e) => e,
        Ok(_) => panic!("a second writer was let in"),
    };
    assert!(matches!(err, FormatError::Busy { .. }), "{err}");
    assert!(
        err.to_string().contains("being written by another process"),
        "{err}"
    );
    assert_eq!(len(), before, "not truncated");
    first.finish().unwrap();
    // Once the first is done, the file may be written again.
    TraceWriter::create(&path, &Header::default(), opts()).unwrap();
}
