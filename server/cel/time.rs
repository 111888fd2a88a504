//! Timestamps and durations as cel-go has them: timestamps are instants within years
//! 0001–9999, durations Go's `time.Duration` (int64 nanoseconds), parsed and printed the Go
//! way.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDateTime, TimeZone, Timelike, Utc};

/// `timestamp(string)`: RFC 3339 with a `Z` or an offset, as Go's `time.Parse(RFC3339)`.
pub fn parse_timestamp(s: &str) -> Result<DateTime<Utc>, String> {
    let bad = || {
        format!(
            "type conversion error from 'string' to 'google.protobuf.Timestamp': parsing time \"{s}\" as RFC 3339 failed"
        )
    };
    // chrono accepts a lowercase `t`/`z` and a space separator; RFC 3339 in Go does not.
    let b = s.as_bytes();
    if b.len() < 20 || b[10] != b'T' {
        return Err(bad());
    }
    let t = DateTime::parse_from_rfc3339(s).map_err(|_| bad())?;
    let t = t.with_timezone(&Utc);
    check_range(t).map_err(|_| bad())
}

/// Refuses instants outside years 0001–9999, as CEL timestamps cannot leave that range.
pub fn check_range(t: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    if (1..=9999).contains(&t.year()) {
        Ok(t)
    } else {
        Err("timestamp overflow".into())
    }
}

/// `timestamp(int)`: seconds since the Unix epoch.
pub fn timestamp_from_seconds(secs: i64) -> Result<DateTime<Utc>, String> {
    let t = Utc
        .timestamp_opt(secs, 0)
        .single()
        .ok_or_else(|| "timestamp overflow".to_string())?;
    check_range(t)
}

pub fn add_duration(t: DateTime<Utc>, nanos: i64) -> Result<DateTime<Utc>, String> {
    let r = t
        .checked_add_signed(chrono::Duration::nanoseconds(nanos))
        .ok_or_else(|| "timestamp overflow".to_string())?;
    check_range(r)
}

/// `a - b` in nanoseconds, an error when it does not fit a Go duration.
pub fn difference(a: DateTime<Utc>, b: DateTime<Utc>) -> Result<i64, String> {
    let secs = a.timestamp() as i128 - b.timestamp() as i128;
    let nanos = a.timestamp_subsec_nanos() as i128 - b.timestamp_subsec_nanos() as i128;
    i64::try_from(secs * 1_000_000_000 + nanos).map_err(|_| "duration overflow".to_string())
}

/// `duration(string)`: Go's `time.ParseDuration` (`1h30m`, `-1.5s`, `300ms`; units h, m, s,
/// ms, us/µs, ns; no days).
pub fn parse_duration(s: &str) -> Result<i64, String> {
    let bad = || {
        format!(
            "type conversion error from 'string' to 'google.protobuf.Duration': time: invalid duration \"{s}\""
        )
    };
    let mut rest = s;
    let mut neg = false;
    if let Some(r) = rest.strip_prefix('-') {
        neg = true;
        rest = r;
    } else if let Some(r) = rest.strip_prefix('+') {
        rest = r;
    }
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(bad());
    }
    let mut total: i128 = 0;
    while !rest.is_empty() {
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let int_part = &rest[..int_len];
        rest = &rest[int_len..];
        let mut frac_part = "";
        if let Some(r) = rest.strip_prefix('.') {
            let n = r.bytes().take_while(u8::is_ascii_digit).count();
            frac_part = &r[..n];
            rest = &r[n..];
        }
        if int_part.is_empty() && frac_part.is_empty() {
            return Err(bad());
        }
        let unit_len = rest
            .char_indices()
            .find(|(_, c)| c.is_ascii_digit() || *c == '.')
            .map_or(rest.len(), |(i, _)| i);
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let scale: i128 = match unit {
            "ns" => 1,
            "us" | "µs" | "μs" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            _ => return Err(bad()),
        };
        let whole: i128 = if int_part.is_empty() {
            0
        } else {
            int_part.parse::<i128>().map_err(|_| bad())?
        };
        let mut frac: i128 = 0;
        let mut div: i128 = 1;
        for d in frac_part.bytes().take(20) {
            frac = frac * 10 + (d - b'0') as i128;
            div *= 10;
        }
        total = whole
            .checked_mul(scale)
            .and_then(|w| w.checked_add(frac * scale / div))
            .and_then(|w| w.checked_add(total))
            .ok_or_else(bad)?;
        if total > i64::MAX as i128 + 1 {
            return Err(bad());
        }
    }
    let total = if neg { -total } else { total };
    i64::try_from(total).map_err(|_| bad())
}

/// A time zone argument: an IANA name (`America/New_York`, `UTC`) or a fixed offset
/// (`+05:30`, `-08:00`, `02:00`).
pub fn zone(name: &str) -> Result<Zone, String> {
    if name.contains(':') {
        let (sign, rest) = match name.as_bytes().first() {
            Some(b'-') => (-1, &name[1..]),
            Some(b'+') => (1, &name[1..]),
            _ => (1, name),
        };
        let (h, m) = rest
            .split_once(':')
            .ok_or_else(|| format!("invalid time zone: {name}"))?;
        let h: i32 = h
            .parse()
            .map_err(|_| format!("invalid time zone: {name}"))?;
        let m: i32 = m
            .parse()
            .map_err(|_| format!("invalid time zone: {name}"))?;
        let secs = h
            .checked_mul(3600)
            .and_then(|hs| hs.checked_add(m.checked_mul(60)?))
            .and_then(|t| t.checked_mul(sign));
        let off = secs
            .and_then(FixedOffset::east_opt)
            .ok_or_else(|| format!("invalid time zone: {name}"))?;
        return Ok(Zone::Fixed(off));
    }
    name.parse::<chrono_tz::Tz>()
        .map(Zone::Named)
        .map_err(|_| format!("unknown time zone: {name}"))
}

pub enum Zone {
    Fixed(FixedOffset),
    Named(chrono_tz::Tz),
}

/// The local wall-clock time of `t` in `zone` (UTC when `None`).
pub fn local(t: DateTime<Utc>, zone: Option<&Zone>) -> NaiveDateTime {
    match zone {
        None => t.naive_utc(),
        Some(Zone::Fixed(off)) => t.with_timezone(off).naive_local(),
        Some(Zone::Named(tz)) => t.with_timezone(tz).naive_local(),
    }
}

/// A timestamp accessor by its CEL name, on the wall-clock time.
pub fn timestamp_part(name: &str, t: NaiveDateTime) -> Option<i64> {
    Some(match name {
        "getFullYear" => t.year() as i64,
        "getMonth" => t.month0() as i64,
        "getDayOfYear" => t.ordinal0() as i64,
        "getDayOfMonth" => t.day0() as i64,
        "getDate" => t.day() as i64,
        "getDayOfWeek" => t.weekday().num_days_from_sunday() as i64,
        "getHours" => t.hour() as i64,
        "getMinutes" => t.minute() as i64,
        "getSeconds" => t.second() as i64,
        "getMilliseconds" => (t.nanosecond() % 1_000_000_000 / 1_000_000) as i64,
        _ => return None,
    })
}

/// A duration accessor: the whole duration in hours, minutes or seconds, truncated.
pub fn duration_part(name: &str, nanos: i64) -> Option<i64> {
    Some(match name {
        "getHours" => nanos / 3_600_000_000_000,
        "getMinutes" => nanos / 60_000_000_000,
        "getSeconds" => nanos / 1_000_000_000,
        // The milliseconds within the second, unlike the other three.
        "getMilliseconds" => nanos / 1_000_000 % 1000,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_the_go_way() {
        assert_eq!(parse_duration("1h30m"), Ok(5_400_000_000_000));
        assert_eq!(parse_duration("-1.5s"), Ok(-1_500_000_000));
        assert_eq!(parse_duration("300ms"), Ok(300_000_000));
        assert_eq!(parse_duration("0"), Ok(0));
        assert_eq!(
            parse_duration("1d"),
            Err("type conversion error from 'string' to 'google.protobuf.Duration': time: invalid duration \"1d\"".into())
        );
        assert!(parse_duration("3000000h").is_err());
    }

    #[test]
    fn timestamps_parse_rfc3339_only() {
        let t = parse_timestamp("2009-02-13T23:31:30.5+01:00").unwrap();
        assert_eq!(
            super::super::value::format_timestamp(&t),
            "2009-02-13T22:31:30.5Z"
        );
        assert!(parse_timestamp("2009-02-13 23:31:30Z").is_err());
        assert!(parse_timestamp("2009-02-13").is_err());
    }

    #[test]
    fn accessors_in_zones() {
        let t = parse_timestamp("2009-02-13T23:31:30Z").unwrap();
        let sydney = zone("Australia/Sydney").unwrap();
        assert_eq!(timestamp_part("getDate", local(t, Some(&sydney))), Some(14));
        let plus2 = zone("02:00").unwrap();
        assert_eq!(timestamp_part("getHours", local(t, Some(&plus2))), Some(1));
        assert_eq!(timestamp_part("getDayOfWeek", local(t, None)), Some(5));
        assert!(zone("Mars/Olympus").is_err());
    }
}
