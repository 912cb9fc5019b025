//! Loads rules files and prints counts, warnings and errors (a developer aid; the real CLI is
//! `rtsec validate`).
fn main() {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    let t = std::time::Instant::now();
    match rtsec_rules::load_files(&paths) {
        Ok(set) => {
            println!("loaded in {:?}: {:?}", t.elapsed(), set.counts());
            for w in set.warnings() {
                println!("warning: {}", w.headline());
            }
            for r in set.rules() {
                println!(
                    "{} | {} | {:?}{}",
                    r.name,
                    r.priority,
                    r.event_types,
                    if r.all_event_types { " ALL" } else { "" }
                );
            }
        }
        Err(e) => {
            println!("ERROR {}", e.error);
            for w in &e.warnings {
                println!("warning: {}", w.headline());
            }
        }
    }
}
