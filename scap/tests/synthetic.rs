//! Captures written by hand after the reference, for the block kinds the public files lack:
//! EVF blocks with dump flags (v1 and v2 headers), LARGE blocks, the legacy block ids, v1 events
//! with fewer parameters than the table and the v1 length quirk of notification events.

use std::io::Cursor;

use rtsec_scap::table::ids;
use rtsec_scap::{Item, OwnedEvent, ReadOptions, ScapReader, Skip, Value};

fn block(ty: u32, body: &[u8]) -> Vec<u8> {
    let total = (8 + body.len() + 4).next_multiple_of(4);
    let mut b = Vec::with_capacity(total);
    b.extend_from_slice(&ty.to_le_bytes());
    b.extend_from_slice(&(total as u32).to_le_bytes());
    b.extend_from_slice(body);
    b.resize(total - 4, 0);
    b.extend_from_slice(&(total as u32).to_le_bytes());
    b
}

fn section() -> Vec<u8> {
    let mut body = 0x1A2B_3C4Du32.to_le_bytes().to_vec();
    body.extend_from_slice(&1u16.to_le_bytes());
    body.extend_from_slice(&2u16.to_le_bytes());
    body.extend_from_slice(&(-1i64).to_le_bytes());
    block(0x0A0D_0D0A, &body)
}

/// An event: v2 header (with nparams) or v1 header (without), lengths of 2 or 4 bytes.
fn event(v2: bool, wide_lens: bool, ts: u64, tid: i64, ty: u16, params: &[&[u8]]) -> Vec<u8> {
    let header = if v2 { 26 } else { 22 };
    let lens = params.len() * if wide_lens { 4 } else { 2 };
    let len = header + lens + params.iter().map(|p| p.len()).sum::<usize>();
    let mut e = Vec::new();
    e.extend_from_slice(&ts.to_le_bytes());
    e.extend_from_slice(&tid.to_le_bytes());
    e.extend_from_slice(&(len as u32).to_le_bytes());
    e.extend_from_slice(&ty.to_le_bytes());
    if v2 {
        e.extend_from_slice(&(params.len() as u32).to_le_bytes());
    }
    for p in params {
        if wide_lens {
            e.extend_from_slice(&(p.len() as u32).to_le_bytes());
        } else {
            e.extend_from_slice(&(p.len() as u16).to_le_bytes());
        }
    }
    for p in params {
        e.extend_from_slice(p);
    }
    e
}

fn event_block(ty: u32, cpu: u16, flags: Option<u32>, event: &[u8]) -> Vec<u8> {
    let mut body = cpu.to_le_bytes().to_vec();
    if let Some(f) = flags {
        body.extend_from_slice(&f.to_le_bytes());
    }
    body.extend_from_slice(event);
    block(ty, &body)
}

fn read(bytes: Vec<u8>, normalize: bool) -> (Vec<Item<OwnedEvent>>, rtsec_scap::Stats) {
    let mut items = ScapReader::from_reader(Cursor::new(bytes), "synthetic")
        .unwrap()
        .with_options(ReadOptions { normalize })
        .into_owned();
    let out: Vec<_> = items.by_ref().map(|i| i.unwrap()).collect();
    (out, items.stats().clone())
}

fn events(items: &[Item<OwnedEvent>]) -> Vec<&OwnedEvent> {
    items.iter().filter_map(Item::as_event).collect()
}

const FD: [u8; 8] = 3i64.to_le_bytes();

fn open_x_params() -> [Vec<u8>; 4] {
    [
        FD.to_vec(),
        b"/etc/shadow\0".to_vec(),
        1u32.to_le_bytes().to_vec(),
        0u32.to_le_bytes().to_vec(),
    ]
}

#[test]
fn flagged_event_blocks_carry_their_dump_flags() {
    let p = open_x_params();
    let params: Vec<&[u8]> = p.iter().map(|v| v.as_slice()).collect();
    let mut bytes = section();
    bytes.extend(event_block(
        0x217,
        1,
        Some(1),
        &event(true, false, 10, 7, ids::PPME_SYSCALL_OPEN_X, &params),
    ));
    bytes.extend(event_block(
        0x208,
        2,
        Some(0),
        &event(false, false, 11, 7, ids::PPME_SYSCALL_OPEN_X, &params),
    ));
    let (items, stats) = read(bytes, true);
    let ev = events(&items);
    assert_eq!(ev.len(), 2);
    assert!(ev[0].view().is_state_only());
    assert_eq!((ev[0].cpu, ev[1].cpu, ev[1].dump_flags), (1, 2, 0));
    for e in ev {
        let e = e.view();
        assert_eq!(
            e.nparams(),
            6,
            "open_X is completed to its 6 current parameters"
        );
        assert_eq!(e.param_by_name("name"), Value::Path(b"/etc/shadow"));
        assert_eq!(e.param_by_name("dev"), Value::Absent);
    }
    assert_eq!(stats.events_converted, 2);
}

#[test]
fn large_blocks_and_large_payload_events() {
    let p = open_x_params();
    let params: Vec<&[u8]> = p.iter().map(|v| v.as_slice()).collect();
    let json = [
        b"{\"container\":{\"id\":\"abc\"}}".as_slice(),
        &[b'x'; 70_000],
        b"\0",
    ]
    .concat();
    let mut bytes = section();
    // A LARGE block holding a normal event keeps 16-bit lengths …
    bytes.extend(event_block(
        0x221,
        0,
        None,
        &event(true, false, 1, 7, ids::PPME_SYSCALL_OPEN_X, &params),
    ));
    // … a large-payload event type uses 32-bit lengths, beyond 64 KiB.
    bytes.extend(event_block(
        0x221,
        0,
        None,
        &event(true, true, 2, -1, ids::PPME_CONTAINER_JSON_2_E, &[&json]),
    ));
    bytes.extend(event_block(
        0x222,
        0,
        Some(0),
        &event(true, true, 3, -1, ids::PPME_CONTAINER_JSON_2_E, &[&json]),
    ));
    let (items, stats) = read(bytes, true);
    let ev = events(&items);
    assert_eq!(ev.len(), 3, "{:?}", stats.skipped());
    assert_eq!(
        ev[0].view().param_by_name("name"),
        Value::Path(b"/etc/shadow")
    );
    for e in &ev[1..] {
        let Value::Str(s) = e.view().param(0) else {
            panic!()
        };
        assert_eq!(s.len(), json.len() - 1);
    }
}

#[test]
fn legacy_block_ids_are_read() {
    let mut machine = 4u32.to_le_bytes().to_vec();
    machine.extend_from_slice(&(8u64 << 30).to_le_bytes());
    machine.extend_from_slice(&32768u64.to_le_bytes());
    let mut host = b"legacy-host".to_vec();
    host.resize(128, 0);
    machine.extend(host);
    machine.extend_from_slice(&[0; 32]);
    let mut bytes = section();
    bytes.extend(block(0x8002_ABCD, &machine));
    let ret = 0i64.to_le_bytes();
    bytes.extend(event_block(
        0x8010_ABCD,
        0,
        None,
        &event(false, false, 5, 9, ids::PPME_SYSCALL_CLOSE_X, &[&ret]),
    ));
    let (items, _) = read(bytes, false);
    let Item::Machine(m) = &items[1] else {
        panic!("{:?}", items[1])
    };
    assert_eq!(
        (m.num_cpus, m.hostname.as_slice()),
        (4, &b"legacy-host"[..])
    );
    assert_eq!(events(&items)[0].view().type_name(), "close");
}

#[test]
fn v1_notification_length_quirk() {
    let mut ev = event(
        false,
        false,
        5,
        -1,
        ids::PPME_NOTIFICATION_E,
        &[b"id\0", b"something happened\0"],
    );
    let len = u32::from_le_bytes(ev[16..20].try_into().unwrap()) + 3;
    ev[16..20].copy_from_slice(&len.to_le_bytes());
    ev.extend_from_slice(&[0, 0, 0]);
    let mut bytes = section();
    bytes.extend(event_block(0x204, 0, None, &ev));
    let (items, stats) = read(bytes, true);
    assert!(stats.skipped().is_empty(), "{:?}", stats.skipped());
    let e = events(&items)[0].view();
    assert_eq!(e.param_by_name("desc"), Value::Str(b"something happened"));
}

#[test]
fn enter_events_do_not_cross_sections() {
    let fd = 5i64.to_le_bytes();
    let size = 10u32.to_le_bytes();
    let ret = 10i64.to_le_bytes();
    let mut bytes = section();
    bytes.extend(event_block(
        0x216,
        0,
        None,
        &event(true, false, 1, 7, ids::PPME_SYSCALL_READ_E, &[&fd, &size]),
    ));
    bytes.extend(section());
    bytes.extend(event_block(
        0x216,
        0,
        None,
        &event(
            true,
            false,
            2,
            7,
            ids::PPME_SYSCALL_READ_X,
            &[&ret, b"0123456789"],
        ),
    ));
    let (items, stats) = read(bytes, true);
    let e = events(&items)[0].view();
    assert_eq!(
        e.param_by_name("fd"),
        Value::Fd(0),
        "no enter in this section: the FD default"
    );
    assert_eq!(stats.sections, 2);
    assert_eq!(
        stats.skipped()[0].0,
        Skip::EnterMerged {
            event_type: ids::PPME_SYSCALL_READ_E
        }
    );
}
