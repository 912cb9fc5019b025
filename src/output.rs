//! Small helpers for what the commands print.

use std::io::IsTerminal;

/// Prints an error as one line: the error and its causes joined with ": ".
pub fn print_error(e: &anyhow::Error) {
    let mut msg = e.to_string();
    for cause in e.chain().skip(1) {
        let c = cause.to_string();
        if !msg.contains(&c) {
            msg.push_str(": ");
            msg.push_str(&c);
        }
    }
    let prefix = if std::io::stderr().is_terminal() {
        "\x1b[1;31merror:\x1b[0m"
    } else {
        "error:"
    };
    eprintln!("{prefix} {msg}");
}

/// Bytes shown as text: valid UTF-8 as is, anything else with `\xNN` escapes.
pub fn lossless(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len());
    for chunk in b.utf8_chunks() {
        out.push_str(chunk.valid());
        for x in chunk.invalid() {
            out.push_str(&format!("\\x{x:02x}"));
        }
    }
    out
}

/// `HH:MM:SS.nnnnnnnnn` of a UTC timestamp in ns.
pub fn clock(ts: u64) -> String {
    let secs = ts / 1_000_000_000;
    let ns = ts % 1_000_000_000;
    let day = secs % 86_400;
    format!(
        "{:02}:{:02}:{:02}.{:09}",
        day / 3600,
        (day / 60) % 60,
        day % 60,
        ns
    )
}

/// An ISO-8601 UTC date-time with ns, e.g. `2026-11-29T18:57:51.123456789Z`.
pub fn iso8601(ts: u64) -> String {
    let secs = (ts / 1_000_000_000) as i64;
    let ns = ts % 1_000_000_000;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ns:09}Z",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

// Howard Hinnant's days-to-civil algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A byte count for people: `1.5 MiB`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn iso8601_matches_known_dates() {
        assert_eq!(super::iso8601(0), "1970-01-01T00:00:00.000000000Z");
        assert_eq!(
            super::iso8601(1_700_000_011_726_060_287),
            "2023-11-14T22:13:31.726060287Z"
        );
        assert_eq!(
            super::clock(1_700_000_011_726_060_287),
            "22:13:31.726060287"
        );
    }
}
