//! Attaches rtsec's do-nothing `sys_exit` program (the benchmark floor) until stdin closes;
//! `noop_probe both` attaches a do-nothing `sys_enter` program too (the floor of a probe with
//! entry copies).

use std::io::Read;

fn main() {
    let both = std::env::args().nth(1).as_deref() == Some("both");
    let probe = match rtsec_capture::probe::NoopProbe::attach(both) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("noop_probe: {e}");
            std::process::exit(1);
        }
    };
    println!(
        "attached ({:?}, enter {:?})",
        probe.exit_hook, probe.enter_hook
    );
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
}
