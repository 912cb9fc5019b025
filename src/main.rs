//! `rtsec`: record syscalls with eBPF, judge the recordings later with Falco-compatible rules.
//!
//! This binary only parses arguments and wires the library crates together; each subcommand
//! lives in `cmd/`.

// Messages go through output's eout!/eoutln!, which never panic.
#![warn(clippy::print_stderr)]

use std::process::ExitCode;

use clap::{Parser, Subcommand};

// First: the other modules print with its macros.
#[macro_use]
mod output;
mod captures;
mod cmd;
mod interrupt;
mod progress;
mod rule_selection;
mod signal_cleanup;
mod window_args;

#[derive(Parser)]
#[command(
    name = "rtsec",
    version,
    about = "Record syscalls with eBPF; judge recordings with Falco-compatible rules",
    long_about = "rtsec records what processes do at the syscall level, with the process tree and \
                  the container of each event, into compressed, crash-safe .rts traces, and \
                  judges those traces later against Falco rules, as often as you like.",
    propagate_version = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Capture(cmd::capture::Args),
    Inspect(cmd::inspect::Args),
    Events(cmd::events::Args),
    Import(cmd::import::Args),
    Validate(cmd::validate::Args),
    Fields(cmd::fields::Args),
    Rules(cmd::rules::Args),
    Replay(cmd::replay::Args),
    Diff(cmd::diff::Args),
    Explain(cmd::explain::Args),
    Export(cmd::export::Args),
    Test(cmd::test::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    rtsec_replay::on_partial_files(rtsec_replay::PartialFileHook {
        created: signal_cleanup::remove_file_on_signal,
        gone: signal_cleanup::keep_file_on_signal,
    });
    let result = match cli.command {
        Command::Capture(a) => cmd::capture::run(a),
        Command::Inspect(a) => cmd::inspect::run(a),
        Command::Events(a) => cmd::events::run(a),
        Command::Import(a) => cmd::import::run(a),
        Command::Validate(a) => cmd::validate::run(a),
        Command::Fields(a) => cmd::fields::run(a),
        Command::Rules(a) => cmd::rules::run(a),
        Command::Replay(a) => cmd::replay::run(a),
        Command::Diff(a) => cmd::diff::run(a),
        Command::Explain(a) => cmd::explain::run(a),
        Command::Export(a) => cmd::export::run(a),
        Command::Test(a) => cmd::test::run(a),
    };
    match result {
        Ok(_) if output::stdout_failed() => ExitCode::from(1),
        Ok(code) => code,
        Err(e) => {
            output::print_error(&e);
            ExitCode::from(1)
        }
    }
}
