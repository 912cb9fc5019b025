//! Timestamps as Falco prints them: local wall-clock time in text lines, UTC ISO-8601 in JSON.

use std::io::Write;

type Civil = (i64, u32, u32, u32, u32, u32);

/// Local broken-down time of a timestamp in ns: (year, month, day, hour, min, sec).
/// Alerts of one block fall within a few seconds: the last second converted is kept per
/// thread (`localtime_r` takes a process-wide lock).
fn local(ts_ns: u64) -> Civil {
    thread_local! {
        static LAST: std::cell::Cell<Option<(u64, Civil)>> = const { std::cell::Cell::new(None) };
    }
    let secs = ts_ns / 1_000_000_000;
    if let Some((s, c)) = LAST.get()
        && s == secs
    {
        return c;
    }
    let c = local_uncached(secs);
    LAST.set(Some((secs, c)));
    c
}

fn local_uncached(secs: u64) -> Civil {
    let secs = secs as libc::time_t;
    // SAFETY: `localtime_r` writes only into `tm`, which is a plain C struct we own.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let ok = unsafe { !libc::localtime_r(&secs, &mut tm).is_null() };
    if !ok {
        let (y, m, d) = civil_from_days((secs as i64).div_euclid(86_400));
        let rem = (secs as i64).rem_euclid(86_400);
        return (
            y,
            m,
            d,
            (rem / 3600) as u32,
            ((rem / 60) % 60) as u32,
            (rem % 60) as u32,
        );
    }
    (
        tm.tm_year as i64 + 1900,
        tm.tm_mon as u32 + 1,
        tm.tm_mday as u32,
        tm.tm_hour as u32,
        tm.tm_min as u32,
        tm.tm_sec as u32,
    )
}

/// Appends `v` as exactly `n` decimal digits (zero-padded; `v` < 10^n).
fn digits(out: &mut Vec<u8>, mut v: u64, n: usize) {
    let at = out.len();
    out.resize(at + n, b'0');
    for d in out[at..].iter_mut().rev() {
        *d = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

/// `HH:MM:SS.nnnnnnnnn` (or `HH:MM:SS`) in local time: Falco's `evt.time`.
pub(crate) fn write_clock(ts: u64, with_ns: bool, out: &mut Vec<u8>) {
    let (_, _, _, h, m, s) = local(ts);
    digits(out, h as u64 % 100, 2);
    out.push(b':');
    digits(out, m as u64 % 100, 2);
    out.push(b':');
    digits(out, s as u64 % 100, 2);
    if with_ns {
        out.push(b'.');
        digits(out, ts % 1_000_000_000, 9);
    }
}

/// `YYYY-MM-DD HH:MM:SS.nnnnnnnnn` in local time (`evt.datetime`).
pub(crate) fn write_datetime(ts: u64, with_ns: bool, out: &mut Vec<u8>) {
    let (y, mo, d, h, m, s) = local(ts);
    let _ = write!(out, "{y:04}-{mo:02}-{d:02} {h:02}:{m:02}:{s:02}");
    if with_ns {
        let _ = write!(out, ".{:09}", ts % 1_000_000_000);
    }
}

/// `2023-11-14T22:13:31.726060287Z`: the JSON `time`.
pub(crate) fn write_iso8601_utc(ts: u64, out: &mut Vec<u8>) {
    let secs = (ts / 1_000_000_000) as i64;
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    if (0..10_000).contains(&y) {
        digits(out, y as u64, 4);
    } else {
        let _ = write!(out, "{y:04}");
    }
    for (sep, v) in [(b'-', mo as i64), (b'-', d as i64), (b'T', rem / 3600)] {
        out.push(sep);
        digits(out, v as u64, 2);
    }
    for v in [(rem / 60) % 60, rem % 60] {
        out.push(b':');
        digits(out, v as u64, 2);
    }
    out.push(b'.');
    digits(out, ts % 1_000_000_000, 9);
    out.push(b'Z');
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

/// The local clock text of a timestamp (for callers outside the engine).
pub fn clock_text(ts: u64) -> String {
    let mut v = Vec::new();
    write_clock(ts, true, &mut v);
    String::from_utf8(v).unwrap_or_default()
}

/// The UTC ISO-8601 text of a timestamp.
pub fn iso8601_text(ts: u64) -> String {
    let mut v = Vec::new();
    write_iso8601_utc(ts, &mut v);
    String::from_utf8(v).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn iso8601_matches_falco_example() {
        assert_eq!(
            super::iso8601_text(1_700_000_011_726_060_287),
            "2023-11-14T22:13:31.726060287Z"
        );
        assert_eq!(super::iso8601_text(0), "1970-01-01T00:00:00.000000000Z");
        assert_eq!(
            super::iso8601_text(u64::MAX),
            "2554-07-21T23:34:33.709551615Z"
        );
        let c = super::clock_text(1_700_000_011_726_060_287);
        assert_eq!(c.len(), 18);
        assert!(c.ends_with(":31.726060287"), "{c}");
    }
}
