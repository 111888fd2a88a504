//! Go's reference-time layouts (`2006-01-02T15:04:05Z07:00`, `Mon Jan _2 15:04:05 MST 2006`):
//! `time.Parse` and `Time.Format`, ported element by element, with the machine's local zone
//! taken to be UTC (as in Kyverno's containers). A zone abbreviation such as `MST` that the
//! local zone does not know yields offset 0, as Go documents.

use super::duration::time_quote;
use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveTime, Timelike};

pub const RFC3339: &str = "2006-01-02T15:04:05Z07:00";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Std {
    LongMonth,
    Month,
    NumMonth,
    ZeroMonth,
    LongWeekDay,
    WeekDay,
    Day,
    UnderDay,
    ZeroDay,
    UnderYearDay,
    ZeroYearDay,
    Hour,
    Hour12,
    ZeroHour12,
    Minute,
    ZeroMinute,
    Second,
    ZeroSecond,
    LongYear,
    Year,
    PM,
    Pm,
    TZ,
    ISO8601TZ,
    ISO8601SecondsTZ,
    ISO8601ShortTZ,
    ISO8601ColonTZ,
    ISO8601ColonSecondsTZ,
    NumTZ,
    NumSecondsTz,
    NumShortTZ,
    NumColonTZ,
    NumColonSecondsTZ,
    /// `.000` (exactly n digits) with its separator.
    FracSecond0(usize, u8),
    /// `.999` (up to n digits, trailing zeros dropped) with its separator.
    FracSecond9(usize, u8),
}

const LONG_DAY_NAMES: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const SHORT_DAY_NAMES: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const SHORT_MONTH_NAMES: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const LONG_MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn starts_with_lower(s: &[u8]) -> bool {
    s.first().is_some_and(|c| c.is_ascii_lowercase())
}

fn is_digit(s: &[u8], i: usize) -> bool {
    s.get(i).is_some_and(|c| c.is_ascii_digit())
}

/// Go's `nextStdChunk`: the text before the first layout element, the element, the rest.
fn next_std_chunk(layout: &str) -> (&str, Option<Std>, &str) {
    let l = layout.as_bytes();
    let n = l.len();
    let has = |i: usize, lit: &str| l[i..].starts_with(lit.as_bytes());
    for i in 0..n {
        match l[i] {
            b'J' if has(i, "Jan") => {
                if has(i, "January") {
                    return (&layout[..i], Some(Std::LongMonth), &layout[i + 7..]);
                }
                if !starts_with_lower(&l[i + 3..]) {
                    return (&layout[..i], Some(Std::Month), &layout[i + 3..]);
                }
            }
            b'M' => {
                if has(i, "Mon") {
                    if has(i, "Monday") {
                        return (&layout[..i], Some(Std::LongWeekDay), &layout[i + 6..]);
                    }
                    if !starts_with_lower(&l[i + 3..]) {
                        return (&layout[..i], Some(Std::WeekDay), &layout[i + 3..]);
                    }
                }
                if has(i, "MST") {
                    return (&layout[..i], Some(Std::TZ), &layout[i + 3..]);
                }
            }
            b'0' => {
                if i + 1 < n && (b'1'..=b'6').contains(&l[i + 1]) {
                    let std = [
                        Std::ZeroMonth,
                        Std::ZeroDay,
                        Std::ZeroHour12,
                        Std::ZeroMinute,
                        Std::ZeroSecond,
                        Std::Year,
                    ][(l[i + 1] - b'1') as usize];
                    return (&layout[..i], Some(std), &layout[i + 2..]);
                }
                if i + 2 < n && l[i + 1] == b'0' && l[i + 2] == b'2' {
                    return (&layout[..i], Some(Std::ZeroYearDay), &layout[i + 3..]);
                }
            }
            b'1' => {
                if i + 1 < n && l[i + 1] == b'5' {
                    return (&layout[..i], Some(Std::Hour), &layout[i + 2..]);
                }
                return (&layout[..i], Some(Std::NumMonth), &layout[i + 1..]);
            }
            b'2' => {
                if has(i, "2006") {
                    return (&layout[..i], Some(Std::LongYear), &layout[i + 4..]);
                }
                return (&layout[..i], Some(Std::Day), &layout[i + 1..]);
            }
            b'_' => {
                if i + 1 < n && l[i + 1] == b'2' {
                    if has(i + 1, "2006") {
                        return (&layout[..i + 1], Some(Std::LongYear), &layout[i + 5..]);
                    }
                    return (&layout[..i], Some(Std::UnderDay), &layout[i + 2..]);
                }
                if i + 2 < n && l[i + 1] == b'_' && l[i + 2] == b'2' {
                    return (&layout[..i], Some(Std::UnderYearDay), &layout[i + 3..]);
                }
            }
            b'3' => return (&layout[..i], Some(Std::Hour12), &layout[i + 1..]),
            b'4' => return (&layout[..i], Some(Std::Minute), &layout[i + 1..]),
            b'5' => return (&layout[..i], Some(Std::Second), &layout[i + 1..]),
            b'P' if i + 1 < n && l[i + 1] == b'M' => {
                return (&layout[..i], Some(Std::PM), &layout[i + 2..]);
            }
            b'p' if i + 1 < n && l[i + 1] == b'm' => {
                return (&layout[..i], Some(Std::Pm), &layout[i + 2..]);
            }
            b'-' => {
                for (lit, std) in [
                    ("-070000", Std::NumSecondsTz),
                    ("-07:00:00", Std::NumColonSecondsTZ),
                    ("-0700", Std::NumTZ),
                    ("-07:00", Std::NumColonTZ),
                    ("-07", Std::NumShortTZ),
                ] {
                    if has(i, lit) {
                        return (&layout[..i], Some(std), &layout[i + lit.len()..]);
                    }
                }
            }
            b'Z' => {
                for (lit, std) in [
                    ("Z070000", Std::ISO8601SecondsTZ),
                    ("Z07:00:00", Std::ISO8601ColonSecondsTZ),
                    ("Z0700", Std::ISO8601TZ),
                    ("Z07:00", Std::ISO8601ColonTZ),
                    ("Z07", Std::ISO8601ShortTZ),
                ] {
                    if has(i, lit) {
                        return (&layout[..i], Some(std), &layout[i + lit.len()..]);
                    }
                }
            }
            b'.' | b',' if i + 1 < n && (l[i + 1] == b'0' || l[i + 1] == b'9') => {
                let ch = l[i + 1];
                let mut j = i + 1;
                while j < n && l[j] == ch {
                    j += 1;
                }
                if !is_digit(l, j) {
                    let digits = j - (i + 1);
                    let std = if ch == b'0' {
                        Std::FracSecond0(digits, l[i])
                    } else {
                        Std::FracSecond9(digits, l[i])
                    };
                    return (&layout[..i], Some(std), &layout[j..]);
                }
            }
            _ => {}
        }
    }
    (layout, None, "")
}

// ---------------------------------------------------------------------------------------------
// Parsing

struct Bad;

fn getnum(s: &str, fixed: bool) -> Result<(i64, &str), Bad> {
    let b = s.as_bytes();
    if !is_digit(b, 0) {
        return Err(Bad);
    }
    if !is_digit(b, 1) {
        if fixed {
            return Err(Bad);
        }
        return Ok(((b[0] - b'0') as i64, &s[1..]));
    }
    Ok((((b[0] - b'0') as i64) * 10 + (b[1] - b'0') as i64, &s[2..]))
}

fn getnum3(s: &str, fixed: bool) -> Result<(i64, &str), Bad> {
    let b = s.as_bytes();
    let mut n = 0i64;
    let mut i = 0;
    while i < 3 && is_digit(b, i) {
        n = n * 10 + (b[i] - b'0') as i64;
        i += 1;
    }
    if i == 0 || (fixed && i != 3) {
        return Err(Bad);
    }
    Ok((n, &s[i..]))
}

/// Go's `atoi`: optional sign, then digits only.
fn atoi(s: &str) -> Result<i64, Bad> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if !body.bytes().all(|c| c.is_ascii_digit()) {
        return Err(Bad);
    }
    let mut x: u64 = 0;
    for c in body.bytes() {
        if x > (1u64 << 63) / 10 {
            return Err(Bad);
        }
        x = x * 10 + (c - b'0') as u64;
        if x > 1u64 << 63 {
            return Err(Bad);
        }
    }
    let x = x as i64;
    Ok(if neg { x.wrapping_neg() } else { x })
}

/// Case-insensitive (ASCII) prefix lookup in a name table.
fn lookup<'a>(tab: &[&str], val: &'a str) -> Result<(usize, &'a str), Bad> {
    for (i, v) in tab.iter().enumerate() {
        if val.len() >= v.len()
            && val.is_char_boundary(v.len())
            && val[..v.len()].eq_ignore_ascii_case(v)
        {
            return Ok((i, &val[v.len()..]));
        }
    }
    Err(Bad)
}

fn cutspace(s: &str) -> &str {
    s.trim_start_matches(' ')
}

/// Go's `skip`: match the literal prefix, where a run of spaces matches any run of spaces.
fn skip<'a>(mut value: &'a str, mut prefix: &str) -> Result<&'a str, &'a str> {
    while !prefix.is_empty() {
        if prefix.as_bytes()[0] == b' ' {
            if !value.is_empty() && value.as_bytes()[0] != b' ' {
                return Err(value);
            }
            prefix = cutspace(prefix);
            value = cutspace(value);
            continue;
        }
        if value.is_empty() || value.as_bytes()[0] != prefix.as_bytes()[0] {
            return Err(value);
        }
        // Advance one byte in both; keep to char boundaries for non-ASCII literals.
        let w = prefix.chars().next().map_or(1, char::len_utf8);
        if !value.is_char_boundary(w) || value.as_bytes()[..w] != prefix.as_bytes()[..w] {
            return Err(value);
        }
        prefix = &prefix[w..];
        value = &value[w..];
    }
    Ok(value)
}

fn comma_or_period(b: u8) -> bool {
    b == b'.' || b == b','
}

fn parse_nanoseconds(value: &str, nbytes: usize) -> Result<(i64, Option<&'static str>), Bad> {
    let b = value.as_bytes();
    if !comma_or_period(b[0]) {
        return Err(Bad);
    }
    let nbytes = nbytes.min(10);
    let ns = atoi(value.get(1..nbytes).ok_or(Bad)?)?;
    if ns < 0 {
        return Ok((0, Some("fractional second")));
    }
    let mut ns = ns;
    for _ in 0..(10 - nbytes) {
        ns *= 10;
    }
    Ok((ns, None))
}

fn parse_signed_offset(value: &str) -> usize {
    let b = value.as_bytes();
    if b.is_empty() || (b[0] != b'-' && b[0] != b'+') {
        return 0;
    }
    let rest = &value[1..];
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return 0;
    }
    match rest[..digits].parse::<u64>() {
        Ok(x) if x <= 12 => 1 + digits,
        _ => 0,
    }
}

fn parse_gmt(value: &str) -> usize {
    let rest = &value[3..];
    if rest.is_empty() {
        return 3;
    }
    3 + parse_signed_offset(rest)
}

/// Go's `parseTimeZone`: the length of a zone abbreviation at the start of `value`.
fn parse_time_zone(value: &str) -> Option<usize> {
    let b = value.as_bytes();
    if b.len() < 3 {
        return None;
    }
    if b.len() >= 4 && (&b[..4] == b"ChST" || &b[..4] == b"MeST") {
        return Some(4);
    }
    if &b[..3] == b"GMT" {
        return Some(parse_gmt(value));
    }
    if b[0] == b'+' || b[0] == b'-' {
        let n = parse_signed_offset(value);
        return (n > 0).then_some(n);
    }
    let mut upper = 0;
    while upper < 6 && upper < b.len() && b[upper].is_ascii_uppercase() {
        upper += 1;
    }
    match upper {
        0..=2 | 6 => None,
        5 => (b[4] == b'T').then_some(5),
        4 => (b[3] == b'T' || &b[..4] == b"WITA").then_some(4),
        _ => Some(3),
    }
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in(month: i64, year: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

const DAYS_BEFORE: [i64; 13] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];

fn parse_error(layout: &str, value: &str, layout_elem: &str, value_elem: &str) -> String {
    format!(
        "parsing time {} as {}: cannot parse {} as {}",
        time_quote(value),
        time_quote(layout),
        time_quote(value_elem),
        time_quote(layout_elem)
    )
}

fn message_error(value: &str, message: &str) -> String {
    format!("parsing time {}{message}", time_quote(value))
}

/// Go's `time.Parse(layout, value)` with UTC as the local zone.
pub fn parse(layout_full: &str, value_full: &str) -> Result<DateTime<FixedOffset>, String> {
    let mut layout = layout_full;
    let mut value = value_full;
    let mut am_set = false;
    let mut pm_set = false;
    let mut year: i64 = 0;
    let mut month: i64 = -1;
    let mut day: i64 = -1;
    let mut yday: i64 = -1;
    let mut hour: i64 = 0;
    let mut min: i64 = 0;
    let mut sec: i64 = 0;
    let mut nsec: i64 = 0;
    let mut utc = false;
    let mut zone_offset: Option<i64> = None;
    let mut zone_name = String::new();

    loop {
        let (prefix, std, suffix) = next_std_chunk(layout);
        let std_str = &layout[prefix.len()..layout.len() - suffix.len()];
        value = match skip(value, prefix) {
            Ok(v) => v,
            Err(v) => return Err(parse_error(layout_full, value_full, prefix, v)),
        };
        let Some(std) = std else {
            if !value.is_empty() {
                return Err(message_error(
                    value_full,
                    &format!(": extra text: {}", time_quote(value)),
                ));
            }
            break;
        };
        layout = suffix;
        let hold = value;
        let mut range_err: Option<&'static str> = None;
        let result: Result<(), Bad> = (|| {
            match std {
                Std::Year => {
                    if value.len() < 2 || !value.is_char_boundary(2) {
                        return Err(Bad);
                    }
                    let p = &value[..2];
                    value = &value[2..];
                    year = atoi(p)?;
                    year += if year >= 69 { 1900 } else { 2000 };
                }
                Std::LongYear => {
                    if value.len() < 4
                        || !is_digit(value.as_bytes(), 0)
                        || !value.is_char_boundary(4)
                    {
                        return Err(Bad);
                    }
                    let p = &value[..4];
                    value = &value[4..];
                    year = atoi(p)?;
                }
                Std::Month => {
                    let (m, rest) = lookup(&SHORT_MONTH_NAMES, value)?;
                    month = m as i64 + 1;
                    value = rest;
                }
                Std::LongMonth => {
                    let (m, rest) = lookup(&LONG_MONTH_NAMES, value)?;
                    month = m as i64 + 1;
                    value = rest;
                }
                Std::NumMonth | Std::ZeroMonth => {
                    let (m, rest) = getnum(value, std == Std::ZeroMonth)?;
                    month = m;
                    value = rest;
                    if month <= 0 || 12 < month {
                        range_err = Some("month");
                    }
                }
                Std::WeekDay => {
                    value = lookup(&SHORT_DAY_NAMES, value)?.1;
                }
                Std::LongWeekDay => {
                    value = lookup(&LONG_DAY_NAMES, value)?.1;
                }
                Std::Day | Std::UnderDay | Std::ZeroDay => {
                    if std == Std::UnderDay && value.starts_with(' ') {
                        value = &value[1..];
                    }
                    let (d, rest) = getnum(value, std == Std::ZeroDay)?;
                    day = d;
                    value = rest;
                }
                Std::UnderYearDay | Std::ZeroYearDay => {
                    for _ in 0..2 {
                        if std == Std::UnderYearDay && value.starts_with(' ') {
                            value = &value[1..];
                        }
                    }
                    let (d, rest) = getnum3(value, std == Std::ZeroYearDay)?;
                    yday = d;
                    value = rest;
                }
                Std::Hour => {
                    let (h, rest) = getnum(value, false)?;
                    hour = h;
                    value = rest;
                    if !(0..24).contains(&hour) {
                        range_err = Some("hour");
                    }
                }
                Std::Hour12 | Std::ZeroHour12 => {
                    let (h, rest) = getnum(value, std == Std::ZeroHour12)?;
                    hour = h;
                    value = rest;
                    if !(0..=12).contains(&hour) {
                        range_err = Some("hour");
                    }
                }
                Std::Minute | Std::ZeroMinute => {
                    let (m, rest) = getnum(value, std == Std::ZeroMinute)?;
                    min = m;
                    value = rest;
                    if !(0..60).contains(&min) {
                        range_err = Some("minute");
                    }
                }
                Std::Second | Std::ZeroSecond => {
                    let (s, rest) = getnum(value, std == Std::ZeroSecond)?;
                    sec = s;
                    value = rest;
                    if !(0..60).contains(&sec) {
                        range_err = Some("second");
                        return Ok(());
                    }
                    // A fraction in the value but none in the layout.
                    let vb = value.as_bytes();
                    if vb.len() >= 2 && comma_or_period(vb[0]) && is_digit(vb, 1) {
                        let (_, next, _) = next_std_chunk(layout);
                        if matches!(next, Some(Std::FracSecond0(..) | Std::FracSecond9(..))) {
                            return Ok(());
                        }
                        let mut n = 2;
                        while n < vb.len() && is_digit(vb, n) {
                            n += 1;
                        }
                        let (ns, re) = parse_nanoseconds(value, n)?;
                        nsec = ns;
                        range_err = re;
                        value = &value[n..];
                    }
                }
                Std::PM | Std::Pm => {
                    if value.len() < 2 || !value.is_char_boundary(2) {
                        return Err(Bad);
                    }
                    let p = &value[..2];
                    value = &value[2..];
                    let (pm, am) = if std == Std::PM {
                        ("PM", "AM")
                    } else {
                        ("pm", "am")
                    };
                    if p == pm {
                        pm_set = true;
                    } else if p == am {
                        am_set = true;
                    } else {
                        return Err(Bad);
                    }
                }
                Std::ISO8601TZ
                | Std::ISO8601ShortTZ
                | Std::ISO8601ColonTZ
                | Std::ISO8601SecondsTZ
                | Std::ISO8601ColonSecondsTZ
                | Std::NumTZ
                | Std::NumShortTZ
                | Std::NumColonTZ
                | Std::NumSecondsTz
                | Std::NumColonSecondsTZ => {
                    let iso = matches!(
                        std,
                        Std::ISO8601TZ
                            | Std::ISO8601ShortTZ
                            | Std::ISO8601ColonTZ
                            | Std::ISO8601SecondsTZ
                            | Std::ISO8601ColonSecondsTZ
                    );
                    if iso && value.starts_with('Z') {
                        value = &value[1..];
                        utc = true;
                        return Ok(());
                    }
                    let vb = value.as_bytes();
                    let slice =
                        |a: usize, b: usize| -> Result<&str, Bad> { value.get(a..b).ok_or(Bad) };
                    let (sign, hh, mm, ss, rest);
                    match std {
                        Std::ISO8601ColonTZ | Std::NumColonTZ => {
                            if vb.len() < 6 || vb[3] != b':' {
                                return Err(Bad);
                            }
                            (sign, hh, mm, ss, rest) = (
                                slice(0, 1)?,
                                slice(1, 3)?,
                                slice(4, 6)?,
                                "00",
                                slice(6, vb.len())?,
                            );
                        }
                        Std::NumShortTZ | Std::ISO8601ShortTZ => {
                            if vb.len() < 3 {
                                return Err(Bad);
                            }
                            (sign, hh, mm, ss, rest) =
                                (slice(0, 1)?, slice(1, 3)?, "00", "00", slice(3, vb.len())?);
                        }
                        Std::ISO8601ColonSecondsTZ | Std::NumColonSecondsTZ => {
                            if vb.len() < 9 || vb[3] != b':' || vb[6] != b':' {
                                return Err(Bad);
                            }
                            (sign, hh, mm, ss, rest) = (
                                slice(0, 1)?,
                                slice(1, 3)?,
                                slice(4, 6)?,
                                slice(7, 9)?,
                                slice(9, vb.len())?,
                            );
                        }
                        Std::ISO8601SecondsTZ | Std::NumSecondsTz => {
                            if vb.len() < 7 {
                                return Err(Bad);
                            }
                            (sign, hh, mm, ss, rest) = (
                                slice(0, 1)?,
                                slice(1, 3)?,
                                slice(3, 5)?,
                                slice(5, 7)?,
                                slice(7, vb.len())?,
                            );
                        }
                        _ => {
                            if vb.len() < 5 {
                                return Err(Bad);
                            }
                            (sign, hh, mm, ss, rest) = (
                                slice(0, 1)?,
                                slice(1, 3)?,
                                slice(3, 5)?,
                                "00",
                                slice(5, vb.len())?,
                            );
                        }
                    }
                    value = rest;
                    let hr = getnum(hh, true)?.0;
                    let mi = getnum(mm, true)?.0;
                    let se = getnum(ss, true)?.0;
                    if hr > 24 {
                        range_err = Some("time zone offset hour");
                    }
                    if mi > 60 {
                        range_err = Some("time zone offset minute");
                    }
                    if se > 60 {
                        range_err = Some("time zone offset second");
                    }
                    let off = (hr * 60 + mi) * 60 + se;
                    zone_offset = Some(match sign {
                        "+" => off,
                        "-" => -off,
                        _ => return Err(Bad),
                    });
                }
                Std::TZ => {
                    if value.starts_with("UTC") {
                        utc = true;
                        value = &value[3..];
                        return Ok(());
                    }
                    let n = parse_time_zone(value).ok_or(Bad)?;
                    zone_name = value[..n].to_string();
                    value = &value[n..];
                }
                Std::FracSecond0(digits, _) => {
                    let ndigit = 1 + digits;
                    if value.len() < ndigit {
                        return Err(Bad);
                    }
                    let (ns, re) = parse_nanoseconds(value, ndigit)?;
                    nsec = ns;
                    range_err = re;
                    value = value.get(ndigit..).ok_or(Bad)?;
                }
                Std::FracSecond9(..) => {
                    let vb = value.as_bytes();
                    if vb.len() < 2 || !comma_or_period(vb[0]) || !vb[1].is_ascii_digit() {
                        return Ok(());
                    }
                    let mut i = 0;
                    while i + 1 < vb.len() && vb[i + 1].is_ascii_digit() {
                        i += 1;
                    }
                    let (ns, re) = parse_nanoseconds(value, 1 + i)?;
                    nsec = ns;
                    range_err = re;
                    value = &value[1 + i..];
                }
            }
            Ok(())
        })();
        if let Some(what) = range_err {
            return Err(message_error(value_full, &format!(": {what} out of range")));
        }
        if result.is_err() {
            return Err(parse_error(layout_full, value_full, std_str, hold));
        }
    }
    if pm_set && hour < 12 {
        hour += 12;
    } else if am_set && hour == 12 {
        hour = 0;
    }

    if yday >= 0 {
        let mut d = 0;
        let mut m = 0;
        let mut yd = yday;
        if is_leap(year) {
            if yd == 31 + 29 {
                m = 2;
                d = 29;
            } else if yd > 31 + 29 {
                yd -= 1;
            }
        }
        if !(1..=365).contains(&yd) {
            return Err(message_error(value_full, ": day-of-year out of range"));
        }
        if m == 0 {
            m = (yd - 1) / 31 + 1;
            if DAYS_BEFORE[m as usize] < yd {
                m += 1;
            }
            d = yd - DAYS_BEFORE[(m - 1) as usize];
        }
        if month >= 0 && month != m {
            return Err(message_error(
                value_full,
                ": day-of-year does not match month",
            ));
        }
        month = m;
        if day >= 0 && day != d {
            return Err(message_error(
                value_full,
                ": day-of-year does not match day",
            ));
        }
        day = d;
    } else {
        if month < 0 {
            month = 1;
        }
        if day < 0 {
            day = 1;
        }
    }
    if day < 1 || day > days_in(month, year) {
        return Err(message_error(value_full, ": day out of range"));
    }

    let out_of_range = || message_error(value_full, ": time out of the supported range");
    let date =
        NaiveDate::from_ymd_opt(year as i32, month as u32, day as u32).ok_or_else(out_of_range)?;
    let time = NaiveTime::from_hms_nano_opt(hour as u32, min as u32, sec as u32, nsec as u32)
        .ok_or_else(out_of_range)?;
    let wall = date.and_time(time);

    let (instant, offset) = if utc {
        (wall, 0)
    } else if let Some(off) = zone_offset {
        (wall - Duration::seconds(off), off)
    } else if !zone_name.is_empty() {
        // Unknown abbreviation: a fabricated zone with offset 0, except GMT+h which gets the
        // offset but (as in Go) keeps the wall clock read as UTC.
        let mut off = 0;
        if zone_name.len() > 3 && zone_name.starts_with("GMT") {
            off = zone_name[3..].parse::<i64>().unwrap_or(0) * 3600;
        }
        (wall, off)
    } else {
        (wall, 0)
    };
    let tz = FixedOffset::east_opt(offset as i32).ok_or_else(out_of_range)?;
    Ok(DateTime::from_naive_utc_and_offset(instant, tz))
}

// ---------------------------------------------------------------------------------------------
// Formatting

fn append_int(out: &mut String, x: i64, width: usize) {
    if x < 0 {
        out.push('-');
    }
    let digits = x.unsigned_abs().to_string();
    for _ in digits.len()..width {
        out.push('0');
    }
    out.push_str(&digits);
}

/// Go's `Time.Format(layout)` for a time with a fixed offset. The zone abbreviation (`MST`)
/// is `UTC` for offset 0 and `+hhmm` otherwise: a fixed offset has no name.
pub fn format(t: &DateTime<FixedOffset>, layout_full: &str) -> String {
    let mut out = String::new();
    let mut layout = layout_full;
    let offset = t.offset().local_minus_utc() as i64;
    let year = t.year() as i64;
    let month = t.month() as i64;
    let day = t.day() as i64;
    let yday = t.ordinal() as i64;
    let weekday = t.weekday().num_days_from_sunday() as usize;
    let hour = t.hour() as i64;
    let min = t.minute() as i64;
    let sec = t.second() as i64;
    let nsec = t.nanosecond().min(999_999_999) as i64;
    loop {
        let (prefix, std, suffix) = next_std_chunk(layout);
        out.push_str(prefix);
        let Some(std) = std else {
            break;
        };
        layout = suffix;
        match std {
            Std::Year => append_int(&mut out, year.abs() % 100, 2),
            Std::LongYear => append_int(&mut out, year, 4),
            Std::Month => out.push_str(SHORT_MONTH_NAMES[(month - 1) as usize]),
            Std::LongMonth => out.push_str(LONG_MONTH_NAMES[(month - 1) as usize]),
            Std::NumMonth => append_int(&mut out, month, 0),
            Std::ZeroMonth => append_int(&mut out, month, 2),
            Std::WeekDay => out.push_str(SHORT_DAY_NAMES[weekday]),
            Std::LongWeekDay => out.push_str(LONG_DAY_NAMES[weekday]),
            Std::Day => append_int(&mut out, day, 0),
            Std::UnderDay => {
                if day < 10 {
                    out.push(' ');
                }
                append_int(&mut out, day, 0);
            }
            Std::ZeroDay => append_int(&mut out, day, 2),
            Std::UnderYearDay => {
                if yday < 100 {
                    out.push(' ');
                    if yday < 10 {
                        out.push(' ');
                    }
                }
                append_int(&mut out, yday, 0);
            }
            Std::ZeroYearDay => append_int(&mut out, yday, 3),
            Std::Hour => append_int(&mut out, hour, 2),
            Std::Hour12 => {
                let hr = if hour % 12 == 0 { 12 } else { hour % 12 };
                append_int(&mut out, hr, 0);
            }
            Std::ZeroHour12 => {
                let hr = if hour % 12 == 0 { 12 } else { hour % 12 };
                append_int(&mut out, hr, 2);
            }
            Std::Minute => append_int(&mut out, min, 0),
            Std::ZeroMinute => append_int(&mut out, min, 2),
            Std::Second => append_int(&mut out, sec, 0),
            Std::ZeroSecond => append_int(&mut out, sec, 2),
            Std::PM => out.push_str(if hour >= 12 { "PM" } else { "AM" }),
            Std::Pm => out.push_str(if hour >= 12 { "pm" } else { "am" }),
            Std::ISO8601TZ
            | Std::ISO8601ColonTZ
            | Std::ISO8601SecondsTZ
            | Std::ISO8601ShortTZ
            | Std::ISO8601ColonSecondsTZ
            | Std::NumTZ
            | Std::NumColonTZ
            | Std::NumSecondsTz
            | Std::NumShortTZ
            | Std::NumColonSecondsTZ => {
                let iso = matches!(
                    std,
                    Std::ISO8601TZ
                        | Std::ISO8601ColonTZ
                        | Std::ISO8601SecondsTZ
                        | Std::ISO8601ShortTZ
                        | Std::ISO8601ColonSecondsTZ
                );
                if offset == 0 && iso {
                    out.push('Z');
                    continue;
                }
                let mut zone = offset / 60;
                let mut abs = offset;
                if zone < 0 {
                    out.push('-');
                    zone = -zone;
                    abs = -abs;
                } else {
                    out.push('+');
                }
                append_int(&mut out, zone / 60, 2);
                if matches!(
                    std,
                    Std::ISO8601ColonTZ
                        | Std::NumColonTZ
                        | Std::ISO8601ColonSecondsTZ
                        | Std::NumColonSecondsTZ
                ) {
                    out.push(':');
                }
                if !matches!(std, Std::NumShortTZ | Std::ISO8601ShortTZ) {
                    append_int(&mut out, zone % 60, 2);
                }
                if matches!(
                    std,
                    Std::ISO8601SecondsTZ
                        | Std::NumSecondsTz
                        | Std::NumColonSecondsTZ
                        | Std::ISO8601ColonSecondsTZ
                ) {
                    if matches!(std, Std::NumColonSecondsTZ | Std::ISO8601ColonSecondsTZ) {
                        out.push(':');
                    }
                    append_int(&mut out, abs % 60, 2);
                }
            }
            Std::TZ => {
                if offset == 0 {
                    out.push_str("UTC");
                } else {
                    let mut zone = offset / 60;
                    if zone < 0 {
                        out.push('-');
                        zone = -zone;
                    } else {
                        out.push('+');
                    }
                    append_int(&mut out, zone / 60, 2);
                    append_int(&mut out, zone % 60, 2);
                }
            }
            Std::FracSecond0(digits, sep) | Std::FracSecond9(digits, sep) => {
                let trim = matches!(std, Std::FracSecond9(..));
                let text = format!("{nsec:09}");
                let mut frac = &text[..digits.min(9)];
                if trim {
                    frac = frac.trim_end_matches('0');
                    if frac.is_empty() {
                        continue;
                    }
                }
                out.push(sep as char);
                out.push_str(frac);
            }
        }
    }
    out
}

/// RFC 3339 without fractional seconds, as `Time.Format(time.RFC3339)` writes it.
pub fn rfc3339(t: &DateTime<FixedOffset>) -> String {
    format(t, RFC3339)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(layout: &str, value: &str) -> String {
        match parse(layout, value) {
            Ok(t) => rfc3339(&t),
            Err(e) => format!("ERR {e}"),
        }
    }

    #[test]
    fn parse_layouts() {
        assert_eq!(
            p(RFC3339, "2021-01-02T15:04:05-07:00"),
            "2021-01-02T15:04:05-07:00"
        );
        assert_eq!(p(RFC3339, "2021-01-02T15:04:05Z"), "2021-01-02T15:04:05Z");
        assert_eq!(
            p(RFC3339, "2021-01-02T15:04:05.123Z"),
            "2021-01-02T15:04:05Z"
        );
        assert_eq!(
            p(RFC3339, "2021-01-02T15:04:05+00:00"),
            "2021-01-02T15:04:05Z"
        );
        assert_eq!(
            p(
                "Mon Jan 02 15:04:05 MST 2006",
                "Sat Jan 02 15:04:05 MST 2021"
            ),
            "2021-01-02T15:04:05Z"
        );
        assert_eq!(
            p(
                "Mon Jan _2 15:04:05 MST 2006",
                "Mon Jan  2 15:04:05 PST 2021"
            ),
            "2021-01-02T15:04:05Z"
        );
        assert_eq!(
            p(
                "Mon Jan 02 2006 15:04:05 -0700",
                "Fri Jun 22 2022 17:45:00 +0100"
            ),
            "2022-06-22T17:45:00+01:00"
        );
        assert_eq!(p("2006-Jan-02", "2020-Jan-14"), "2020-01-14T00:00:00Z");
        assert_eq!(
            p("02/01/06 3:04PM", "25/12/99 1:05PM"),
            "1999-12-25T13:05:00Z"
        );
        assert_eq!(
            p("02/01/06 3:04pm", "25/12/68 12:05am"),
            "2068-12-25T00:05:00Z"
        );
        assert_eq!(
            p("January 2, 2006", "february 3, 2010"),
            "2010-02-03T00:00:00Z"
        );
        assert_eq!(
            p("2006-01-02 15:04:05.000", "2010-02-03 04:05:06.789"),
            "2010-02-03T04:05:06Z"
        );
        assert_eq!(p("2006.002", "2024.060"), "2024-02-29T00:00:00Z");
        assert_eq!(p("15:04 MST", "10:00 UTC"), "0000-01-01T10:00:00Z");
        // GMT+h keeps the wall clock as UTC but reports the offset (Go's behaviour).
        assert_eq!(
            p("15:04 MST 2006", "10:00 GMT+3 2020"),
            "2020-01-01T13:00:00+03:00"
        );
    }

    #[test]
    fn parse_errors() {
        assert_eq!(
            p(RFC3339, "x"),
            "ERR parsing time \"x\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"x\" as \"2006\""
        );
        assert_eq!(
            p(RFC3339, ""),
            "ERR parsing time \"\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"\" as \"2006\""
        );
        assert_eq!(
            p(RFC3339, "2021-13-02T15:04:05Z"),
            "ERR parsing time \"2021-13-02T15:04:05Z\": month out of range"
        );
        assert_eq!(
            p(RFC3339, "2021-02-30T15:04:05Z"),
            "ERR parsing time \"2021-02-30T15:04:05Z\": day out of range"
        );
        assert_eq!(
            p(RFC3339, "2021-01-02T15:04:05Zjunk"),
            "ERR parsing time \"2021-01-02T15:04:05Zjunk\": extra text: \"junk\""
        );
        assert_eq!(
            p(RFC3339, "2021-01-02 15:04:05Z"),
            "ERR parsing time \"2021-01-02 15:04:05Z\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \" 15:04:05Z\" as \"T\""
        );
        assert_eq!(
            p("2006-01-02", "2021-1-02"),
            "ERR parsing time \"2021-1-02\" as \"2006-01-02\": cannot parse \"1-02\" as \"01\""
        );
    }

    #[test]
    fn format_layouts() {
        let t = parse(RFC3339, "2009-11-10T23:04:05-07:00").ok().unwrap();
        assert_eq!(
            format(&t, "Mon Jan _2 15:04:05 MST 2006"),
            "Tue Nov 10 23:04:05 -0700 2009"
        );
        assert_eq!(
            format(&t, "Monday, 02-Jan-06 3:04PM"),
            "Tuesday, 10-Nov-09 11:04PM"
        );
        assert_eq!(
            format(&t, "2006-01-02T15:04:05.000Z07:00"),
            "2009-11-10T23:04:05.000-07:00"
        );
        assert_eq!(
            format(&t, "2006-01-02T15:04:05.999Z07:00"),
            "2009-11-10T23:04:05-07:00"
        );
        assert_eq!(
            format(&t, "January 2 2006 002 -07"),
            "November 10 2009 314 -07"
        );
        let t = parse(RFC3339, "2009-01-05T03:04:05.120Z").ok().unwrap();
        assert_eq!(format(&t, "15:04:05.999 pm MST"), "03:04:05.12 am UTC");
        assert_eq!(format(&t, "_2 __2 1"), " 5   5 1");
    }
}
