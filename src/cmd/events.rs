//! `rtsec events TRACE`: one line per event, like `sysdig -r`.

use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use std::sync::atomic::Ordering;

use rtsec_format::{Block, EventView, Followed, Header, TraceFollower, TraceReader};
use rtsec_replay::window::Span;
use rtsec_rules::{Filter, HostTable, Scratch, clock_text, event_args, event_type};

use crate::captures::CaptureImports;
use crate::output::lossless;
use crate::window_args::WindowArgs;

/// Print the events of a trace, one per line (or as JSON lines).
///
/// Exits 3 when events were lost: damaged blocks skipped (--salvage), or a truncated trace.
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
    /// Follow the trace while it is written (it need not exist yet): print its events, then
    /// each new block's, until its writer finishes it or Ctrl-C (as `tail -f`).
    #[arg(long)]
    pub follow: bool,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let filter: Option<Filter> = match &args.filter {
        Some(cond) => {
            let set = crate::cmd::rules::load_or_empty(&args.rules)?;
            Some(set.filter(cond).map_err(|e| anyhow::anyhow!("{e}"))?)
        }
        None => None,
    };
    if args.follow {
        return follow(&args, filter.as_ref());
    }
    let imports = CaptureImports::new("events");
    let reader = TraceReader::open(imports.trace_for(&args.trace)?)?;
    let window = args.window.window()?;
    let span = window.span(rtsec_replay::window::trace_start(&reader));
    let mut p = Printer::new(&args, filter.as_ref(), reader.header(), span);
    let mut blocks = reader.blocks(args.salvage);
    if !window.is_unbounded() {
        blocks = blocks.only_between(span.first, span.last);
    }
    let mut skipped = 0u64;
    for raw in &mut blocks {
        let block = match raw.and_then(|r| r.decode()) {
            Ok(b) => b,
            Err(e) if args.salvage => {
                eoutln!("warning: {}: {e}: skipped", args.trace.display());
                skipped += 1;
                continue;
            }
            Err(e) => return Err(super::stopped_at_damage(&args.trace, e)),
        };
        if !p.block(&block)? {
            break;
        }
    }
    if !p.flush()? {
        return Ok(ExitCode::SUCCESS);
    }
    let notices = blocks.notices();
    for n in notices {
        eoutln!("notice: {}: {n}", args.trace.display());
    }
    if skipped > 0 {
        eoutln!(
            "notice: {}: {} skipped: {} events are not shown",
            args.trace.display(),
            crate::output::count(skipped, "damaged block", "damaged blocks"),
            if skipped == 1 { "its" } else { "their" }
        );
    }
    // As `replay` and `export`: what was printed is not the whole trace.
    Ok(if skipped > 0 || !notices.is_empty() {
        ExitCode::from(rtsec_replay::EXIT_INCOMPLETE)
    } else {
        ExitCode::SUCCESS
    })
}

/// `--follow`: the events of each block as the writer adds it.
fn follow(args: &Args, filter: Option<&Filter>) -> Result<ExitCode> {
    if args.trace.is_dir() {
        anyhow::bail!(
            "{}: events --follow takes a trace, not a directory",
            args.trace.display()
        );
    }
    let Some(started) = crate::cmd::replay::follow::start(std::slice::from_ref(&args.trace), None)?
    else {
        return Ok(ExitCode::from(rtsec_replay::EXIT_FAILED));
    };
    let stop = started.follow.stop;
    let mut f = TraceFollower::new(&args.trace);
    let window = args.window.window()?;
    let mut p: Option<Printer<'_>> = None;
    while !stop.load(Ordering::Acquire) {
        match f.poll()? {
            Followed::Waiting => {
                if let Some(p) = p.as_mut()
                    && !p.flush()?
                {
                    return Ok(ExitCode::SUCCESS);
                }
                std::thread::sleep(started.follow.poll);
            }
            Followed::Notice(n) => eoutln!("notice: {}: {n}", args.trace.display()),
            Followed::Finished(_) => break,
            Followed::Abandoned(n) => {
                eoutln!("notice: {}: {n}", args.trace.display());
                break;
            }
            Followed::Block(raw) => {
                let header = f.header().expect("a block comes after the header");
                let p = p.get_or_insert_with(|| {
                    Printer::new(args, filter, header, window.span(raw.frame.ts_min))
                });
                if raw.frame.ts_min > p.span.last {
                    break;
                }
                if !p.span.meets(raw.frame.ts_min, raw.frame.ts_max) {
                    continue;
                }
                match raw.decode() {
                    Ok(block) => {
                        if !p.block(&block)? || !p.flush()? {
                            return Ok(ExitCode::SUCCESS);
                        }
                    }
                    Err(e) => eoutln!("warning: {e}"),
                }
            }
        }
    }
    if let Some(p) = p.as_mut() {
        p.flush()?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints events as lines (text or JSON), filtered, within a window, up to a limit.
struct Printer<'a> {
    args: &'a Args,
    filter: Option<&'a Filter>,
    scratch: Scratch,
    hosts: HostTable,
    span: Span,
    out: BufWriter<std::io::StdoutLock<'static>>,
    limit: u64,
    printed: u64,
}

impl<'a> Printer<'a> {
    fn new(args: &'a Args, filter: Option<&'a Filter>, header: &Header, span: Span) -> Self {
        let mut scratch = Scratch::new();
        let mut hosts = HostTable::new();
        hosts.insert_recorded(&header.hosts);
        scratch.set_machine(header);
        Printer {
            args,
            filter,
            scratch,
            hosts,
            span,
            out: BufWriter::new(std::io::stdout().lock()),
            limit: args.limit.unwrap_or(u64::MAX),
            printed: 0,
        }
    }

    /// Prints `block`'s events; `false` once the limit is reached or stdout is gone.
    fn block(&mut self, block: &Block) -> Result<bool> {
        for ev in block.events() {
            if self.printed >= self.limit {
                return Ok(false);
            }
            if !self.span.contains(ev.event.ts) {
                continue;
            }
            if let Some(f) = self.filter
                && !f.matches(&ev, &mut self.scratch, &self.hosts)
            {
                continue;
            }
            let line = if self.args.json {
                serde_json::to_string(&json(&ev))?
            } else {
                text(&ev)
            };
            if let Err(e) = writeln!(self.out, "{line}") {
                return gone(e);
            }
            self.printed += 1;
        }
        Ok(true)
    }

    /// Flushes stdout; `false` if its reader went away.
    fn flush(&mut self) -> Result<bool> {
        match self.out.flush() {
            Ok(()) => Ok(true),
            Err(e) => gone(e),
        }
    }
}

/// A closed stdout (`| head`) ends the output quietly; another error is an error.
fn gone(e: std::io::Error) -> Result<bool> {
    match e.kind() {
        std::io::ErrorKind::BrokenPipe => Ok(false),
        _ => Err(anyhow::Error::new(e).context("writing to stdout")),
    }
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
