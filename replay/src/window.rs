//! A time window over traces (`--since`, `--until`): only the events in it are judged, and
//! blocks wholly outside it are not even read (their frame headers say their time span), so
//! the minutes around an incident in a week-long trace take as long as those minutes. Rules
//! judge each event alone, with the state the trace recorded for it, so the verdicts in a
//! window are exactly those of the whole trace in that window.

use std::fmt;
use std::str::FromStr;

/// One end of a window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeBound {
    /// ns since the epoch.
    At(u64),
    /// ns after the start of each trace (its first event).
    FromStart(u64),
}

/// The events to judge: from `since` to `until`, both included; no bound, no limit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TimeWindow {
    pub since: Option<TimeBound>,
    pub until: Option<TimeBound>,
}

impl TimeWindow {
    pub fn is_unbounded(&self) -> bool {
        self.since.is_none() && self.until.is_none()
    }

    /// Its bounds, if it ends before it starts (both absolute, or both from the start of each
    /// trace): no event can be in it.
    pub fn inverted(&self) -> Option<(TimeBound, TimeBound)> {
        use TimeBound::{At, FromStart};
        let (a, b) = (self.since?, self.until?);
        matches!((a, b), (At(x), At(y)) | (FromStart(x), FromStart(y)) if x > y).then_some((a, b))
    }

    /// The window of a trace whose first event is at `start` (ns since the epoch).
    pub fn span(&self, start: u64) -> Span {
        let at = |b: TimeBound| match b {
            TimeBound::At(t) => t,
            TimeBound::FromStart(d) => start.saturating_add(d),
        };
        Span {
            first: self.since.map_or(0, at),
            last: self.until.map_or(u64::MAX, at),
        }
    }
}

impl fmt::Display for TimeBound {
    /// `2026-11-30T06:00:00.000000000Z`, or `start + 90s` (from each trace's start).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            TimeBound::At(t) => f.write_str(&rtsec_rules::iso8601_text(t)),
            TimeBound::FromStart(d) => {
                let (s, ns) = (d / 1_000_000_000, d % 1_000_000_000);
                if ns == 0 {
                    write!(f, "start + {s}s")
                } else {
                    let frac = format!("{ns:09}");
                    write!(f, "start + {s}.{}s", frac.trim_end_matches('0'))
                }
            }
        }
    }
}

impl fmt::Display for TimeWindow {
    /// `from A until B`, `from A`, `until B`, or `everything`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.since, self.until) {
            (Some(a), Some(b)) => write!(f, "from {a} until {b}"),
            (Some(a), None) => write!(f, "from {a}"),
            (None, Some(b)) => write!(f, "until {b}"),
            (None, None) => f.write_str("everything"),
        }
    }
}

/// Where `+DURATION` counts from in a trace: its first event, or for an unfinished trace
/// (no footer, no time span), its capture's start.
pub fn trace_start(reader: &rtsec_format::TraceReader) -> u64 {
    reader
        .footer()
        .map_or(reader.header().start_ns, |f| f.ts_min)
}

/// A window in ns since the epoch, both ends included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub first: u64,
    pub last: u64,
}

impl Span {
    /// Every event.
    pub const ALL: Span = Span {
        first: 0,
        last: u64::MAX,
    };

    #[inline]
    pub fn contains(&self, ts: u64) -> bool {
        self.first <= ts && ts <= self.last
    }

    /// Whether events from `min` to `max` (a block's) may be in the window.
    pub fn meets(&self, min: u64, max: u64) -> bool {
        min <= self.last && max >= self.first
    }

    /// Whether every event from `min` to `max` is in the window.
    pub fn covers(&self, min: u64, max: u64) -> bool {
        self.first <= min && max <= self.last
    }
}

impl FromStr for TimeBound {
    type Err = String;

    /// `2026-11-30T06:00:00Z` (RFC 3339, any fraction and offset; without an offset, local
    /// time, as Falco's text alerts print it), `@1764482400.5` (seconds since the epoch), or
    /// `+5m` (from the start of each trace: `ns`, `us`, `ms`, `s`, `m`, `h`, `d`, combined as
    /// in `+1h30m`), or `now` and `now-10m` (from the clock when the command starts: a
    /// follower that should not judge again what an earlier one did).
    fn from_str(s: &str) -> Result<TimeBound, String> {
        let t = s.trim();
        let help = "use 2026-11-30T06:00:00Z (RFC 3339; without a zone: local time), \
                    @SECONDS since the epoch, +DURATION from the start of each trace \
                    (+90s, +5m, +1h30m), or now, now-DURATION";
        if let Some(ago) = t.strip_prefix("now") {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos() as u64);
            let ago = match ago.strip_prefix('-') {
                None if ago.is_empty() => Some(0),
                Some(d) => duration_ns(d),
                None => None,
            };
            return ago
                .map(|d| TimeBound::At(now.saturating_sub(d)))
                .ok_or_else(|| format!("`{s}` is not now or now-DURATION: {help}"));
        }
        if let Some(d) = t.strip_prefix('+') {
            return duration_ns(d)
                .map(TimeBound::FromStart)
                .ok_or_else(|| match duration_f64(d) {
                    Some(_) => format!("`{s}` is out of range: +DURATION is less than 584 years"),
                    None => format!("`{s}` is not a duration: {help}"),
                });
        }
        if let Some(secs) = t.strip_prefix('@') {
            return seconds_ns(secs).map(TimeBound::At).ok_or_else(|| {
                let (whole, frac) = secs.split_once('.').unwrap_or((secs, "0"));
                let digits = |d: &str| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit());
                if digits(whole) && digits(frac) && frac.len() <= 9 {
                    // Nanoseconds since 1970 in 64 bits reach the year 2554.
                    format!("`{s}` is out of range: @SECONDS is at most 18446744073")
                } else {
                    format!("`{s}` is not a number of seconds: {help}")
                }
            });
        }
        let ns = |d: chrono::DateTime<chrono::Utc>| {
            d.timestamp_nanos_opt()
                .filter(|n| *n >= 0)
                .map(|n| TimeBound::At(n as u64))
                .ok_or_else(|| format!("`{s}` is out of range (1970 to 2262)"))
        };
        if let Ok(d) = chrono::DateTime::parse_from_rfc3339(t) {
            return ns(d.with_timezone(&chrono::Utc));
        }
        for f in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
            if let Ok(naive) = chrono::NaiveDateTime::parse_from_str(t, f) {
                use chrono::TimeZone;
                return match chrono::Local.from_local_datetime(&naive).earliest() {
                    Some(d) => ns(d.with_timezone(&chrono::Utc)),
                    None => Err(format!("`{s}` does not exist in the local time zone")),
                };
            }
        }
        Err(format!("`{s}` is not a time: {help}"))
    }
}

/// `1h30m`, `90s`, `1.5s`, `250ms` as ns (within 64 bits: less than 584 years).
fn duration_ns(s: &str) -> Option<u64> {
    let total = duration_f64(s)?;
    (total < u64::MAX as f64).then_some(total.round() as u64)
}

/// [`duration_ns`] before the range check.
fn duration_f64(s: &str) -> Option<f64> {
    let mut rest = s.trim();
    if rest.is_empty() {
        return None;
    }
    let mut total = 0f64;
    while !rest.is_empty() {
        let num_end = rest.find(|c: char| !c.is_ascii_digit() && c != '.')?;
        let (num, tail) = rest.split_at(num_end);
        let unit_end = tail
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_end);
        let scale = match unit {
            "ns" => 1.0,
            "us" | "µs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            "d" => 86400e9,
            _ => return None,
        };
        total += num.parse::<f64>().ok()? * scale;
        rest = tail;
    }
    total.is_finite().then_some(total)
}

/// `1764482400` or `1764482400.123456789` seconds as ns, exactly.
fn seconds_ns(s: &str) -> Option<u64> {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let ns: u64 = format!("{frac:0<9}").parse().ok()?;
    whole
        .parse::<u64>()
        .ok()?
        .checked_mul(1_000_000_000)?
        .checked_add(ns)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<TimeBound, String> {
        s.parse()
    }

    #[test]
    fn times_are_read_as_people_write_them() {
        assert_eq!(
            p("2026-11-30T06:00:00Z"),
            Ok(TimeBound::At(1_796_018_400_000_000_000))
        );
        assert_eq!(
            p("2026-11-30T07:00:00.000000001+01:00"),
            Ok(TimeBound::At(1_796_018_400_000_000_001))
        );
        assert_eq!(
            p("@1764482400.25"),
            Ok(TimeBound::At(1_764_482_400_250_000_000))
        );
        assert_eq!(p("@0"), Ok(TimeBound::At(0)));
        assert_eq!(p("+90s"), Ok(TimeBound::FromStart(90_000_000_000)));
        assert_eq!(p("+1h30m"), Ok(TimeBound::FromStart(5_400_000_000_000)));
        assert_eq!(p("+1.5ms"), Ok(TimeBound::FromStart(1_500_000)));
        assert!(matches!(p("2026-11-30 06:00:00"), Ok(TimeBound::At(_))));
        let clock = || {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        };
        let (before, now, ago, after) = (clock(), p("now"), p("now-1h30m"), clock());
        let (&Ok(TimeBound::At(now)), &Ok(TimeBound::At(ago))) = (&now, &ago) else {
            panic!("now: {now:?}, now-1h30m: {ago:?}")
        };
        assert!(before <= now && now <= after);
        let hour_and_half = 5_400_000_000_000;
        assert!(before - hour_and_half <= ago && ago <= after - hour_and_half);
        for bad in [
            "now+5m",
            "now-",
            "nowish",
            "",
            "+",
            "+5x",
            "+m",
            "@",
            "@1.1234567891",
            "@-1",
            "yesterday",
            "06:00",
        ] {
            let e = p(bad).unwrap_err();
            assert!(e.contains(&format!("`{bad}`")), "{e}");
            assert!(e.contains("RFC 3339"), "{e}");
        }
        // A number past 64-bit nanoseconds is a number, out of range.
        assert_eq!(
            p("+99999999h"),
            Err("`+99999999h` is out of range: +DURATION is less than 584 years".into())
        );
        assert_eq!(
            p("@18446744073"),
            Ok(TimeBound::At(18_446_744_073_000_000_000))
        );
        assert_eq!(
            p("@99999999999999"),
            Err("`@99999999999999` is out of range: @SECONDS is at most 18446744073".into())
        );
    }

    #[test]
    fn a_window_is_placed_at_each_traces_start() {
        let w = TimeWindow {
            since: Some(TimeBound::FromStart(10)),
            until: Some(TimeBound::At(1_000)),
        };
        let s = w.span(500);
        assert_eq!(
            s,
            Span {
                first: 510,
                last: 1_000
            }
        );
        assert!(s.contains(510) && s.contains(1_000) && !s.contains(509) && !s.contains(1_001));
        assert!(s.meets(0, 510) && s.meets(1_000, 2_000) && !s.meets(0, 509));
        assert!(s.covers(510, 1_000) && !s.covers(509, 600));
        assert_eq!(TimeWindow::default().span(7), Span::ALL);
        assert_eq!(
            w.to_string(),
            "from start + 0.00000001s until 1970-01-01T00:00:00.000001000Z"
        );
        assert_eq!(
            TimeBound::FromStart(90_500_000_000).to_string(),
            "start + 90.5s"
        );
    }
}
