//! `rtsec inspect TRACE`: what a trace holds and whether it is whole.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use rtsec_format::{Header, Losses, Notice, TraceReader};
use rtsec_rules::iso8601_text;
use serde::Serialize;

use crate::captures::CaptureImports;
use crate::output::{human_bytes, lossless};

/// Show a trace's header, time span, events by type, processes, containers, drops and
/// integrity notices.
#[derive(clap::Args)]
pub struct Args {
    /// The .rts trace to inspect, or a .scap capture (imported for the run: what rtsec makes
    /// of it).
    pub trace: PathBuf,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// Read past damaged blocks instead of stopping at the first one.
    #[arg(long)]
    pub salvage: bool,
    /// Trust the footer's summary instead of decoding (and checking) every block.
    #[arg(long)]
    pub quick: bool,
}

#[derive(Serialize)]
struct Report {
    path: String,
    format_version: String,
    header: Header,
    file_bytes: u64,
    blocks: u64,
    events: u64,
    bytes_per_event: f64,
    first_event: Option<String>,
    last_event: Option<String>,
    duration_s: f64,
    events_by_type: BTreeMap<String, u64>,
    processes: u64,
    containers: u64,
    container_ids: Vec<String>,
    losses: Losses,
    footer: bool,
    verified: bool,
    notices: Vec<Notice>,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let imports = CaptureImports::new("inspect");
    let reader = TraceReader::open(imports.trace_for(&args.trace)?)?;
    let mut report = if args.quick && reader.footer().is_some() {
        from_footer(&reader)
    } else {
        scan(&reader, args.salvage).map_err(|e| super::stopped_at_damage(&args.trace, e))?
    };
    // An imported capture is named as the user named it, not by its temporary trace.
    report.path = args.trace.display().to_string();
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_text(&report);
    }
    Ok(ExitCode::SUCCESS)
}

fn base(reader: &TraceReader) -> Report {
    let (maj, min) = reader.version();
    Report {
        path: reader.path().display().to_string(),
        format_version: format!("{maj}.{min}"),
        header: reader.header().clone(),
        file_bytes: reader.file_len(),
        blocks: 0,
        events: 0,
        bytes_per_event: 0.0,
        first_event: None,
        last_event: None,
        duration_s: 0.0,
        events_by_type: BTreeMap::new(),
        processes: 0,
        containers: 0,
        container_ids: Vec::new(),
        losses: Losses::default(),
        footer: reader.footer().is_some(),
        verified: false,
        notices: Vec::new(),
    }
}

fn finish(mut r: Report, ts_min: u64, ts_max: u64) -> Report {
    if r.events > 0 {
        r.first_event = Some(iso8601_text(ts_min));
        r.last_event = Some(iso8601_text(ts_max));
        r.duration_s = (ts_max - ts_min) as f64 / 1e9;
        r.bytes_per_event = r.file_bytes as f64 / r.events as f64;
    }
    r
}

fn from_footer(reader: &TraceReader) -> Report {
    let f = reader.footer().expect("checked by caller");
    let mut r = base(reader);
    r.blocks = f.blocks.len() as u64;
    r.events = f.events;
    r.events_by_type = f.events_by_type.iter().cloned().collect();
    r.processes = f.processes;
    r.containers = f.containers;
    r.losses = f.losses.clone();
    finish(r, f.ts_min, f.ts_max)
}

fn scan(reader: &TraceReader, salvage: bool) -> Result<Report, rtsec_format::FormatError> {
    let mut r = base(reader);
    let mut procs = HashSet::new();
    let mut containers = BTreeMap::new();
    let (mut lo, mut hi) = (u64::MAX, 0u64);
    let mut losses = None;
    let notices = reader.for_each_block(salvage, |b| {
        r.blocks += 1;
        r.events += b.events.len() as u64;
        for e in &b.events {
            *r.events_by_type
                .entry(e.type_name().to_string())
                .or_insert(0) += 1;
            lo = lo.min(e.ts);
            hi = hi.max(e.ts);
            if let Some(p) = e.proc.and_then(|p| b.process(p)) {
                procs.insert(p.id);
            }
        }
        for c in &b.containers {
            containers.insert(c.id, lossless(b.str(c.container_id)));
        }
        losses = Some(b.losses.clone());
    })?;
    r.processes = procs.len() as u64;
    r.containers = containers.len() as u64;
    let mut ids: Vec<String> = containers.into_values().collect();
    ids.sort();
    ids.dedup();
    r.container_ids = ids;
    // The footer has the final counters; without one, the last block's snapshot is the best.
    r.losses = match reader.footer() {
        Some(f) => f.losses.clone(),
        None => losses.unwrap_or_default(),
    };
    r.verified = true;
    r.notices = notices;
    Ok(finish(r, lo, hi))
}

/// The host's interface addresses, which decide the local end of sockets (`fd.lport`, …).
fn addresses_text(i: &rtsec_format::interfaces::Interfaces) -> String {
    match &i.0 {
        None => "not recorded (format < 1.2): a socket's local end is its role's".into(),
        Some(list) if list.is_empty() => "none recorded: no address is local".into(),
        Some(list) => list
            .iter()
            .map(|i| format!("{} {}", i.name, i.addr))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// The names the capture resolved at its start, with their answers (rules compare
/// `fd.sip.name` and friends with these).
fn names_text(hosts: &rtsec_format::hosts::HostAnswers) -> String {
    hosts
        .0
        .iter()
        .map(|a| {
            if a.addrs.is_empty() {
                format!("{} (no answer)", a.name)
            } else {
                let addrs: Vec<String> = a.addrs.iter().map(ToString::to_string).collect();
                format!("{} {}", a.name, addrs.join(" "))
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn print_text(r: &Report) {
    let h = &r.header;
    outln!("trace:       {}", r.path);
    outln!(
        "format:      rtsec trace {} written by {} ({})",
        r.format_version,
        h.created_by,
        h.source
    );
    outln!("host:        {} (kernel {})", h.hostname, h.kernel_release);
    outln!("addresses:   {}", addresses_text(&h.interfaces));
    if !h.hosts.0.is_empty() {
        outln!("names:       {}", names_text(&h.hosts));
    }
    if h.start_ns > 0 {
        outln!("recorded:    {}", iso8601_text(h.start_ns));
    }
    let s = &h.settings;
    if !s.syscalls.is_empty() {
        outln!("syscalls:    {} recorded", s.syscalls.len());
    }
    if s.buffer_bytes > 0 {
        outln!("buffer:      {}", human_bytes(s.buffer_bytes));
    }
    if !s.filters.is_empty() {
        outln!("filters:     {}", s.filters.join(", "));
    }
    match (&r.first_event, &r.last_event) {
        (Some(a), Some(b)) => {
            outln!("time span:   {a} .. {b}");
            outln!("duration:    {:.3} s", r.duration_s);
        }
        _ => outln!("time span:   (no events)"),
    }
    outln!(
        "size:        {} in {}, {:.1} bytes/event",
        human_bytes(r.file_bytes),
        crate::output::count(r.blocks, "block", "blocks"),
        r.bytes_per_event
    );
    outln!("events:      {}", r.events);
    let mut by: Vec<_> = r.events_by_type.iter().collect();
    by.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (name, n) in by {
        outln!("  {name:<20} {n:>12}");
    }
    outln!(
        "processes:   {} (process versions and thread records referenced by events)",
        r.processes
    );
    if r.container_ids.is_empty() {
        outln!("containers:  {}", r.containers);
    } else {
        outln!(
            "containers:  {} ({})",
            r.containers,
            r.container_ids.join(", ")
        );
    }
    let l = &r.losses;
    if l.kernel_drops() > 0 {
        let per_cpu: Vec<String> = l
            .kernel_drops_per_cpu
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(c, n)| format!("cpu{c}={n}"))
            .collect();
        outln!(
            "DROPS:       {} events dropped by the kernel ({})",
            l.kernel_drops(),
            per_cpu.join(" ")
        );
        for (t, n) in l.kernel_drops_by_type.iter().filter(|(_, n)| *n > 0) {
            outln!("  {t:<20} {n:>12}");
        }
    } else {
        outln!("drops:       0");
    }
    let lost: u64 = l.skipped_lost().map(|(_, n)| n).sum();
    if lost > 0 {
        outln!(
            "SKIPPED:     {lost} {} the source could not convert",
            records(lost)
        );
        for (why, n) in l.skipped_lost() {
            outln!("  {why}: {n}");
        }
    }
    let kept: u64 = l.kept_incomplete().map(|(_, n)| n).sum();
    if kept > 0 {
        outln!(
            "INCOMPLETE:  {kept} {} the source had only in part (in the trace, what was \
             missing left empty)",
            records(kept)
        );
        for (why, n) in l.kept_incomplete() {
            outln!("  {why}: {n}");
        }
    }
    let by_design: u64 = l.skipped_by_design().map(|(_, n)| n).sum();
    if by_design > 0 {
        outln!(
            "not recorded: {by_design} records of the source a live capture does not record \
             either (nothing lost)"
        );
        for (why, n) in l.skipped_by_design() {
            outln!("  {why}: {n}");
        }
    }
    for (what, n) in l.truncated.iter().filter(|(_, n)| *n > 0) {
        outln!("truncated:   {n} {what}");
    }
    if !r.verified {
        outln!("integrity:   not checked (--quick: summary from the footer)");
    } else if r.notices.is_empty() {
        outln!("integrity:   ok (every block checked)");
    }
    for n in &r.notices {
        outln!("NOTICE:      {n}");
    }
}

fn records(n: u64) -> &'static str {
    if n == 1 { "record" } else { "records" }
}
