//! `rtsec events TRACE`: one line per event, like `sysdig -r`.

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use rtsec_format::{EventView, TraceReader};
use rtsec_rules::{Filter, HostTable, Scratch, clock_text, event_args, event_type};

use crate::captures::CaptureImports;
use crate::output::lossless;
use crate::window_args::WindowArgs;

/// Print the events of a trace, one per line (or as JSON lines).
#[derive(clap::Args)]
pub struct Args {
    /// The .rts trace to read, or a .scap capture (imported for the run).
    pub trace: PathBuf,
    /// Stop after this many events.
    #[arg(long, short = 'n')]
    pub limit: Option<u64>,
    /// One JSON object per line instead of text.
    #[arg(long)]
    pub json: bool,
    /// Read past damaged blocks instead of stopping at the first one.
    #[arg(long)]
    pub salvage: bool,
    /// Print only events matching this Falco condition (as `sysdig -r TRACE 'CONDITION'`).
    #[arg(long, short = 'f', value_name = "CONDITION")]
    pub filter: Option<String>,
    /// Rules files (or directories of them) whose lists and macros the filter may use, loaded
    /// in order.
    #[arg(long = "rules", short = 'r', num_args = 1.., value_name = "FILE|DIR", requires = "filter")]
    pub rules: Vec<PathBuf>,
    #[command(flatten)]
    pub window: WindowArgs,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let filter: Option<Filter> = match &args.filter {
        Some(cond) => {
            let set = crate::cmd::rules::load_or_empty(&args.rules)?;
            Some(set.filter(cond).map_err(|e| anyhow::anyhow!("{e}"))?)
        }
        None => None,
    };
    let mut scratch = Scratch::new();
    let imports = CaptureImports::new("events");
    let reader = TraceReader::open(imports.trace_for(&args.trace)?)?;
    let mut hosts = HostTable::new();
    hosts.insert_recorded(&reader.header().hosts);
    scratch.set_hostname(&reader.header().hostname);
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let limit = args.limit.unwrap_or(u64::MAX);
    let mut printed = 0u64;
    let mut io_err = None;
    let window = args.window.window()?;
    let span = window.span(rtsec_replay::window::trace_start(&reader));
    let mut blocks = reader.blocks(args.salvage);
    if !window.is_unbounded() {
        blocks = blocks.only_between(span.first, span.last);
    }
    'outer: for raw in &mut blocks {
        let block = match raw?.decode() {
            Ok(b) => b,
            Err(e) if args.salvage => {
                eprintln!("warning: {e}");
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        for ev in block.events() {
            if printed >= limit {
                break 'outer;
            }
            if !span.contains(ev.event.ts) {
                continue;
            }
            if let Some(f) = &filter
                && !f.matches(&ev, &mut scratch, &hosts)
            {
                continue;
            }
            let line = if args.json {
                serde_json::to_string(&json(&ev))?
            } else {
                text(&ev)
            };
            if let Err(e) = writeln!(out, "{line}") {
                io_err = Some(e);
                break 'outer;
            }
            printed += 1;
        }
    }
    match io_err {
        Some(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
        Some(e) => return Err(e.into()),
        None => out.flush()?,
    }
    for n in blocks.notices() {
        eprintln!("notice: {}: {n}", args.trace.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn text(ev: &EventView<'_>) -> String {
    let e = ev.event;
    let (comm, cid) = match ev.process() {
        Some(p) => (lossless(ev.str(p.comm)), container_id(ev)),
        None => ("<NA>".into(), "<NA>".into()),
    };
    format!(
        "{} {} {} {} ({}) {} < {} {}",
        ev.num,
        clock_text(e.ts),
        e.cpu,
        comm,
        e.tid,
        cid,
        event_type(ev),
        event_args(ev)
    )
}

fn container_id(ev: &EventView<'_>) -> String {
    ev.container()
        .map_or_else(|| "host".into(), |c| lossless(ev.str(c.container_id)))
}

fn json(ev: &EventView<'_>) -> serde_json::Value {
    let e = ev.event;
    let p = ev.process();
    serde_json::json!({
        "num": ev.num,
        "ts": e.ts,
        "cpu": e.cpu,
        "tid": e.tid,
        "pid": p.map(|p| p.pid),
        "comm": p.map(|p| lossless(ev.str(p.comm))),
        "exepath": p.map(|p| lossless(ev.str(p.exepath))),
        "container_id": p.map(|_| container_id(ev)),
        "type": event_type(ev),
        "res": e.res,
        "fd": ev.fd().map(|f| lossless(ev.str(f.name))),
        "args": event_args(ev),
    })
}
