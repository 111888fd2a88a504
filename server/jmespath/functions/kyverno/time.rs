//! The `time_*` functions (Kyverno's time.go). Times are RFC 3339 unless a Go layout is given,
//! results are RFC 3339 without fractional seconds, durations are Go duration strings. "Now"
//! is the injected `Env::now`, never the system clock.

use super::arg_str;
use super::duration::{format_duration, parse_duration};
use super::golayout::{self, RFC3339};
use crate::jmespath::functions::spec::Env;
use crate::jmespath::value::Value;
use chrono::{DateTime, Datelike, FixedOffset, TimeDelta, Timelike, Utc};

type Time = DateTime<FixedOffset>;

fn time_arg(args: &[Value], i: usize) -> Result<Time, String> {
    golayout::parse(RFC3339, arg_str(args, i)?)
}

fn duration_arg(args: &[Value], i: usize) -> Result<i64, String> {
    parse_duration(arg_str(args, i)?)
}

fn rfc(t: &Time) -> Value {
    Value::from(golayout::rfc3339(t))
}

/// Go's `Time.Sub`: nanoseconds, saturated at the i64 limits.
fn sub(t: &Time, u: &Time) -> i64 {
    let a = t.timestamp() as i128 * 1_000_000_000 + t.timestamp_subsec_nanos() as i128;
    let b = u.timestamp() as i128 * 1_000_000_000 + u.timestamp_subsec_nanos() as i128;
    (a - b).clamp(i64::MIN as i128, i64::MAX as i128) as i64
}

fn add(t: &Time, d: i64) -> Result<Time, String> {
    t.checked_add_signed(TimeDelta::nanoseconds(d))
        .ok_or_else(|| "time out of the supported range".to_string())
}

/// `time_since(layout, start, end)`: `end - start` as a duration; layout "" is RFC 3339 and
/// end "" is now.
pub fn time_since(args: &[Value], env: &Env) -> Result<Value, String> {
    let layout = arg_str(args, 0)?;
    let layout = if layout.is_empty() { RFC3339 } else { layout };
    let t1 = golayout::parse(layout, arg_str(args, 1)?)?;
    let end = arg_str(args, 2)?;
    let t2 = if end.is_empty() {
        env.now
    } else {
        golayout::parse(layout, end)?
    };
    Ok(Value::from(format_duration(sub(&t2, &t1))))
}

/// `time_now()`: now in its own zone, RFC 3339.
pub fn time_now(_: &[Value], env: &Env) -> Result<Value, String> {
    Ok(rfc(&env.now))
}

/// `time_now_utc()`: now in UTC, RFC 3339.
pub fn time_now_utc(_: &[Value], env: &Env) -> Result<Value, String> {
    Ok(rfc(&env.now.with_timezone(&Utc).fixed_offset()))
}

/// `time_to_cron(t)`: `"<minute> <hour> <day> <month> <weekday>"` in the time's own offset,
/// Sunday = 0.
pub fn time_to_cron(args: &[Value], _: &Env) -> Result<Value, String> {
    let t = time_arg(args, 0)?;
    Ok(Value::from(format!(
        "{} {} {} {} {}",
        t.minute(),
        t.hour(),
        t.day(),
        t.month(),
        t.weekday().num_days_from_sunday()
    )))
}

/// `time_add(t, d)`: `t + d`, keeping `t`'s offset.
pub fn time_add(args: &[Value], _: &Env) -> Result<Value, String> {
    let t = time_arg(args, 0)?;
    let d = duration_arg(args, 1)?;
    Ok(rfc(&add(&t, d)?))
}

/// Go's `strconv.ParseInt(s, 10, 64)` with its error text.
fn parse_int(s: &str) -> Result<i64, String> {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let q = super::gofmt::go_quote(s);
    if body.is_empty() || !body.bytes().all(|c| c.is_ascii_digit()) {
        return Err(format!("strconv.ParseInt: parsing {q}: invalid syntax"));
    }
    s.parse::<i64>()
        .map_err(|_| format!("strconv.ParseInt: parsing {q}: value out of range"))
}

/// `time_parse(layout, value)`: parse with a Go layout and write RFC 3339; a layout that is an
/// integer means `value` is Unix seconds (result in UTC).
pub fn time_parse(args: &[Value], _: &Env) -> Result<Value, String> {
    let layout = arg_str(args, 0)?;
    let value = arg_str(args, 1)?;
    if parse_int(layout).is_ok() {
        let epoch = parse_int(value)?;
        let t = DateTime::<Utc>::from_timestamp(epoch, 0)
            .ok_or_else(|| "time out of the supported range".to_string())?;
        return Ok(rfc(&t.fixed_offset()));
    }
    Ok(rfc(&golayout::parse(layout, value)?))
}

/// `time_utc(t)`: the same instant in UTC.
pub fn time_utc(args: &[Value], _: &Env) -> Result<Value, String> {
    let t = time_arg(args, 0)?;
    Ok(rfc(&t.with_timezone(&Utc).fixed_offset()))
}

/// `time_diff(t1, t2)`: `t2 - t1`.
pub fn time_diff(args: &[Value], _: &Env) -> Result<Value, String> {
    let t1 = time_arg(args, 0)?;
    let t2 = time_arg(args, 1)?;
    Ok(Value::from(format_duration(sub(&t2, &t1))))
}

pub fn time_before(args: &[Value], _: &Env) -> Result<Value, String> {
    let t1 = time_arg(args, 0)?;
    let t2 = time_arg(args, 1)?;
    Ok(Value::Bool(t1 < t2))
}

pub fn time_after(args: &[Value], _: &Env) -> Result<Value, String> {
    let t1 = time_arg(args, 0)?;
    let t2 = time_arg(args, 1)?;
    Ok(Value::Bool(t1 > t2))
}

/// `time_between(t, start, end)`: `start < t < end`, both ends excluded.
pub fn time_between(args: &[Value], _: &Env) -> Result<Value, String> {
    let t = time_arg(args, 0)?;
    let start = time_arg(args, 1)?;
    let end = time_arg(args, 2)?;
    Ok(Value::Bool(t > start && t < end))
}

/// `time_truncate(t, d)`: Go's `Time.Truncate`, rounding down to a multiple of `d` counted
/// from the zero time (0001-01-01 UTC), whatever `t`'s offset; `d <= 0` changes nothing.
pub fn time_truncate(args: &[Value], _: &Env) -> Result<Value, String> {
    let t = time_arg(args, 0)?;
    let d = duration_arg(args, 1)?;
    if d <= 0 {
        return Ok(rfc(&t));
    }
    const UNIX_TO_ZERO: i128 = 62_135_596_800;
    let abs =
        (t.timestamp() as i128 + UNIX_TO_ZERO) * 1_000_000_000 + t.timestamp_subsec_nanos() as i128;
    let r = abs.rem_euclid(d as i128) as i64;
    Ok(rfc(&add(&t, -r)?))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{err, ok, ok_env};
    use super::*;

    fn s(v: &str) -> Value {
        Value::from(v)
    }

    #[test]
    fn since() {
        assert_eq!(
            ok(
                "time_since",
                &[
                    s(""),
                    s("2021-01-02T15:04:05-07:00"),
                    s("2021-01-10T03:14:05-07:00")
                ]
            ),
            s("180h10m0s")
        );
        assert_eq!(
            ok(
                "time_since",
                &[
                    s("Mon Jan _2 15:04:05 MST 2006"),
                    s("Mon Jan 02 15:04:05 MST 2021"),
                    s("Mon Jan 10 03:14:16 MST 2021")
                ]
            ),
            s("180h10m11s")
        );
        assert_eq!(
            ok(
                "time_since",
                &[
                    s(""),
                    s("2022-04-10T03:14:05-07:00"),
                    s("2022-04-11T03:14:05-07:00")
                ]
            ),
            s("24h0m0s")
        );
        assert_eq!(
            ok(
                "time_since",
                &[s("2006-Jan-02"), s("2020-Jan-14"), s("2020-Jan-17")]
            ),
            s("72h0m0s")
        );
        // An empty end is the injected "now" (2024-01-01T00:00:00Z in tests).
        assert_eq!(
            ok("time_since", &[s(""), s("2023-12-31T23:00:00Z"), s("")]),
            s("1h0m0s")
        );
        assert!(err("time_since", &[s(""), s("bad"), s("")]).starts_with("parsing time \"bad\""));
        assert!(
            err("time_since", &[s(""), s("2023-12-31T23:00:00Z"), s("x")])
                .starts_with("parsing time \"x\"")
        );
    }

    #[test]
    fn now() {
        assert_eq!(ok("time_now", &[]), s("2024-01-01T00:00:00Z"));
        assert_eq!(ok("time_now_utc", &[]), s("2024-01-01T00:00:00Z"));
        let env = Env {
            now: DateTime::parse_from_rfc3339("2024-05-06T07:08:09.5+02:00").unwrap(),
            seed: 0,
        };
        assert_eq!(
            ok_env("time_now", &[], &env),
            s("2024-05-06T07:08:09+02:00")
        );
        assert_eq!(ok_env("time_now_utc", &[], &env), s("2024-05-06T05:08:09Z"));
        // Converting to UTC can change the date.
        let env = Env {
            now: DateTime::parse_from_rfc3339("2024-12-31T22:30:00-05:00").unwrap(),
            seed: 0,
        };
        assert_eq!(
            ok_env("time_now", &[], &env),
            s("2024-12-31T22:30:00-05:00")
        );
        assert_eq!(ok_env("time_now_utc", &[], &env), s("2025-01-01T03:30:00Z"));
    }

    #[test]
    fn to_cron() {
        assert_eq!(
            ok("time_to_cron", &[s("2023-02-02T15:04:05Z")]),
            s("4 15 2 2 4")
        );
        assert_eq!(
            ok("time_to_cron", &[s("2023-02-02T22:04:05Z")]),
            s("4 22 2 2 4")
        );
        assert_eq!(
            ok("time_to_cron", &[s("2022-04-11T03:14:05-07:00")]),
            s("14 3 11 4 1")
        );
        assert_eq!(
            ok("time_to_cron", &[s("2024-01-07T00:00:00Z")]),
            s("0 0 7 1 0")
        );
        assert!(err("time_to_cron", &[s("")]).starts_with("parsing time \"\""));
    }

    #[test]
    fn add_cases() {
        assert_eq!(
            ok("time_add", &[s("2021-01-02T15:04:05-07:00"), s("3h")]),
            s("2021-01-02T18:04:05-07:00")
        );
        assert_eq!(
            ok("time_add", &[s("2021-01-02T15:04:05Z"), s("5h30m40s")]),
            s("2021-01-02T20:34:45Z")
        );
        assert_eq!(
            ok("time_add", &[s("2023-01-12T12:37:56-05:00"), s("6h")]),
            s("2023-01-12T18:37:56-05:00")
        );
        assert_eq!(
            ok("time_add", &[s("2021-01-02T15:04:05Z"), s("-1.5s")]),
            s("2021-01-02T15:04:03Z")
        );
        assert_eq!(
            err("time_add", &[s("2021-01-02T15:04:05Z"), s("1d")]),
            "time: unknown unit \"d\" in duration \"1d\""
        );
        assert!(err("time_add", &[s("x"), s("1h")]).starts_with("parsing time"));
    }

    #[test]
    fn parse_cases() {
        assert_eq!(
            ok(
                "time_parse",
                &[
                    s("2006-01-02T15:04:05Z07:00"),
                    s("2021-01-02T15:04:05-07:00")
                ]
            ),
            s("2021-01-02T15:04:05-07:00")
        );
        assert_eq!(
            ok(
                "time_parse",
                &[
                    s("Mon Jan 02 15:04:05 MST 2006"),
                    s("Sat Jan 02 15:04:05 MST 2021")
                ]
            ),
            s("2021-01-02T15:04:05Z")
        );
        assert_eq!(
            ok(
                "time_parse",
                &[
                    s("Mon Jan 02 2006 15:04:05 -0700"),
                    s("Fri Jun 22 2022 17:45:00 +0100")
                ]
            ),
            s("2022-06-22T17:45:00+01:00")
        );
        assert_eq!(
            ok("time_parse", &[s("1702691171"), s("1702691171")]),
            s("2023-12-16T01:46:11Z")
        );
        assert_eq!(
            ok("time_parse", &[s("1"), s("0")]),
            s("1970-01-01T00:00:00Z")
        );
        assert_eq!(
            ok("time_parse", &[s("1"), s("-1")]),
            s("1969-12-31T23:59:59Z")
        );
        assert_eq!(
            err("time_parse", &[s("1"), s("abc")]),
            "strconv.ParseInt: parsing \"abc\": invalid syntax"
        );
        assert!(err("time_parse", &[s("2006"), s("x")]).contains("invalid syntax")); // "2006" is an integer
        assert_eq!(
            err("time_parse", &[s("2006-01-02"), s("2021/01/02")]),
            "parsing time \"2021/01/02\" as \"2006-01-02\": cannot parse \"/01/02\" as \"-\""
        );
    }

    #[test]
    fn utc() {
        assert_eq!(
            ok("time_utc", &[s("2023-02-02T15:04:05Z")]),
            s("2023-02-02T15:04:05Z")
        );
        assert_eq!(
            ok("time_utc", &[s("2023-02-02T15:04:05-07:00")]),
            s("2023-02-02T22:04:05Z")
        );
        assert_eq!(
            ok("time_utc", &[s("2021-01-02T18:04:05-05:00")]),
            s("2021-01-02T23:04:05Z")
        );
        assert_eq!(
            ok("time_utc", &[s("2021-01-02T02:04:05+08:30")]),
            s("2021-01-01T17:34:05Z")
        );
        assert!(err("time_utc", &[s("2021-01-02")]).contains("cannot parse"));
    }

    #[test]
    fn diff() {
        assert_eq!(
            ok(
                "time_diff",
                &[
                    s("2021-01-02T15:04:05-07:00"),
                    s("2021-01-10T03:14:05-07:00")
                ]
            ),
            s("180h10m0s")
        );
        assert_eq!(
            ok(
                "time_diff",
                &[s("2023-01-10T00:00:00Z"), s("2023-01-11T00:00:00Z")]
            ),
            s("24h0m0s")
        );
        assert_eq!(
            ok(
                "time_diff",
                &[s("2023-01-12T00:00:00Z"), s("2023-01-11T00:00:00Z")]
            ),
            s("-24h0m0s")
        );
        assert_eq!(
            ok(
                "time_diff",
                &[s("2023-01-12T00:00:00Z"), s("2023-01-12T00:00:00.25Z")]
            ),
            s("250ms")
        );
        // Beyond ±292 years the difference saturates.
        assert_eq!(
            ok(
                "time_diff",
                &[s("0001-01-01T00:00:00Z"), s("9999-01-01T00:00:00Z")]
            ),
            s("2562047h47m16.854775807s")
        );
    }

    #[test]
    fn before_after_between() {
        let t = |a: &str, b: &str| [s(a), s(b)];
        assert_eq!(
            ok(
                "time_before",
                &t("2021-01-02T15:04:05-07:00", "2021-01-02T16:04:05-07:00")
            ),
            Value::Bool(true)
        );
        assert_eq!(
            ok(
                "time_before",
                &t("2021-01-02T15:04:05-07:00", "2021-01-02T15:04:05-07:00")
            ),
            Value::Bool(false)
        );
        assert_eq!(
            ok(
                "time_before",
                &t("2021-01-02T16:04:05-07:00", "2021-01-02T15:04:05-07:00")
            ),
            Value::Bool(false)
        );
        assert_eq!(
            ok(
                "time_before",
                &t("2023-01-12T19:05:59Z", "2023-01-13T19:05:59Z")
            ),
            Value::Bool(true)
        );
        assert_eq!(
            ok(
                "time_before",
                &t("2023-01-12T19:05:59Z", "2023-01-11T19:05:59Z")
            ),
            Value::Bool(false)
        );
        assert_eq!(
            ok(
                "time_after",
                &t("2021-01-02T15:04:05-07:00", "2021-01-02T16:04:05-07:00")
            ),
            Value::Bool(false)
        );
        assert_eq!(
            ok(
                "time_after",
                &t("2021-01-02T15:04:05-07:00", "2021-01-02T15:04:05-07:00")
            ),
            Value::Bool(false)
        );
        assert_eq!(
            ok(
                "time_after",
                &t("2021-01-02T16:04:05-07:00", "2021-01-02T15:04:05-07:00")
            ),
            Value::Bool(true)
        );
        assert_eq!(
            ok(
                "time_after",
                &t("2023-01-12T14:07:55-05:00", "2023-01-12T19:05:59Z")
            ),
            Value::Bool(true)
        );
        assert_eq!(
            ok(
                "time_after",
                &t("2023-01-12T19:05:59Z", "2023-01-13T19:05:59Z")
            ),
            Value::Bool(false)
        );
        // Same instant written in two offsets is neither before nor after.
        assert_eq!(
            ok(
                "time_after",
                &t("2023-01-12T14:00:00-05:00", "2023-01-12T19:00:00Z")
            ),
            Value::Bool(false)
        );
        assert!(err("time_before", &t("x", "2023-01-12T19:05:59Z")).starts_with("parsing time"));
        let b = |a: &str, x: &str, y: &str| [s(a), s(x), s(y)];
        assert_eq!(
            ok(
                "time_between",
                &b(
                    "2021-01-02T17:04:05-07:00",
                    "2021-01-02T15:04:05-07:00",
                    "2021-01-02T18:04:05-07:00"
                )
            ),
            Value::Bool(true)
        );
        assert_eq!(
            ok(
                "time_between",
                &b(
                    "2021-01-02T15:04:05-07:00",
                    "2021-01-02T15:04:05-07:00",
                    "2021-01-02T18:04:05-07:00"
                )
            ),
            Value::Bool(false)
        );
        assert_eq!(
            ok(
                "time_between",
                &b(
                    "2021-01-02T18:04:05-07:00",
                    "2021-01-02T15:04:05-07:00",
                    "2021-01-02T18:04:05-07:00"
                )
            ),
            Value::Bool(false)
        );
        assert_eq!(
            ok(
                "time_between",
                &b(
                    "2023-01-12T19:05:59Z",
                    "2023-01-01T19:05:59Z",
                    "2023-01-15T19:05:59Z"
                )
            ),
            Value::Bool(true)
        );
        assert_eq!(
            ok(
                "time_between",
                &b(
                    "2023-01-12T19:05:59Z",
                    "2023-01-01T19:05:59Z",
                    "2023-01-11T19:05:59Z"
                )
            ),
            Value::Bool(false)
        );
        assert!(
            err(
                "time_between",
                &b("2023-01-12T19:05:59Z", "x", "2023-01-11T19:05:59Z")
            )
            .starts_with("parsing time")
        );
    }

    #[test]
    fn truncate() {
        assert_eq!(
            ok("time_truncate", &[s("2023-01-12T17:37:00Z"), s("1h")]),
            s("2023-01-12T17:00:00Z")
        );
        assert_eq!(
            ok("time_truncate", &[s("2023-01-12T17:37:00Z"), s("2h")]),
            s("2023-01-12T16:00:00Z")
        );
        assert_eq!(
            ok("time_truncate", &[s("2021-01-02T23:04:05Z"), s("2h")]),
            s("2021-01-02T22:00:00Z")
        );
        // Truncation counts from the zero time in UTC, not from local midnight.
        assert_eq!(
            ok("time_truncate", &[s("2023-01-12T17:37:00-05:00"), s("24h")]),
            s("2023-01-11T19:00:00-05:00")
        );
        assert_eq!(
            ok("time_truncate", &[s("2023-01-12T17:37:00Z"), s("0s")]),
            s("2023-01-12T17:37:00Z")
        );
        assert_eq!(
            ok("time_truncate", &[s("2023-01-12T17:37:00Z"), s("-1h")]),
            s("2023-01-12T17:37:00Z")
        );
        assert!(
            err("time_truncate", &[s("2023-01-12T17:37:00Z"), s("")]).contains("invalid duration")
        );
    }
}
