//! Attaches rtsec's do-nothing `sys_exit` program (the benchmark floor) until stdin closes.

use std::io::Read;

fn main() {
    let probe = match rtsec_capture::probe::NoopProbe::attach() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("noop_probe: {e}");
            std::process::exit(1);
        }
    };
    println!("attached ({:?})", probe.exit_hook);
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
}
