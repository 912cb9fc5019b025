//! Prints what a capture holds: `cargo run -p rtsec-scap --example scapdump -- FILE [--raw] [--events]`.
//! `--raw` turns normalisation off; `--events` prints every event.

use std::collections::BTreeMap;

use rtsec_scap::{Direction, Item, ReadOptions, ScapReader};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.iter().find(|a| !a.starts_with("--")) else {
        eprintln!("usage: scapdump FILE [--raw] [--events]");
        std::process::exit(2);
    };
    let normalize = !args.iter().any(|a| a == "--raw");
    let print_events = args.iter().any(|a| a == "--events");
    let mut reader = match ScapReader::open(path) {
        Ok(r) => r.with_options(ReadOptions { normalize }),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let mut exits: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut records: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut failed = None;
    while let Some(item) = reader.next_item() {
        let kind = match item {
            Err(e) => {
                failed = Some(e);
                break;
            }
            Ok(Item::Event(e)) => {
                if print_events {
                    println!("{e:?}");
                }
                if e.direction() == Direction::Exit {
                    *exits.entry(e.type_name()).or_default() += 1;
                }
                "event"
            }
            Ok(Item::Section(_)) => "section",
            Ok(Item::Machine(_)) => "machine",
            Ok(Item::Interface(_)) => "interface",
            Ok(Item::User(_)) => "user",
            Ok(Item::Group(_)) => "group",
            Ok(Item::Thread(_)) => "thread",
            Ok(Item::Fd(_)) => "fd",
        };
        *records.entry(kind).or_default() += 1;
    }
    let s = reader.stats();
    println!("records: {records:?}");
    println!(
        "events read {} yielded {} converted {}; skipped {} (lost {})",
        s.events_read,
        s.events_yielded,
        s.events_converted,
        s.skipped_total(),
        s.lost_total()
    );
    for (why, n) in s.by_reason() {
        println!("  {n:8} {why}");
    }
    println!("exit events by type:");
    for (name, n) in exits {
        println!("  {n:8} {name}");
    }
    if let Some(e) = failed {
        println!("error: {e}");
        std::process::exit(1);
    }
}
