//! `random` (a string matching a regex, from the injected seed) and `is_external_url` (decided
//! offline: IP literals only, plus `localhost`).

use super::arg_str;
use super::regex::translate;
use crate::jmespath::functions::spec::Env;
use crate::jmespath::value::Value;
use rand::SeedableRng;
use regex_syntax::hir::{Hir, HirKind};
use std::net::IpAddr;

/// goregen's bound for `*`, `+` and `{n,}`.
const MAX_UNBOUNDED_REPEAT: u32 = 4096;

/// goregen generates nothing for anchors and word boundaries; rand_regex refuses them.
fn strip_looks(h: Hir) -> Hir {
    match h.into_kind() {
        HirKind::Look(_) => Hir::empty(),
        HirKind::Empty => Hir::empty(),
        HirKind::Literal(l) => Hir::literal(l.0),
        HirKind::Class(c) => Hir::class(c),
        HirKind::Repetition(mut r) => {
            r.sub = Box::new(strip_looks(*r.sub));
            Hir::repetition(r)
        }
        HirKind::Capture(mut c) => {
            c.sub = Box::new(strip_looks(*c.sub));
            Hir::capture(c)
        }
        HirKind::Concat(v) => Hir::concat(v.into_iter().map(strip_looks).collect()),
        HirKind::Alternation(v) => Hir::alternation(v.into_iter().map(strip_looks).collect()),
    }
}

/// The longest output (in bytes) a generator could produce, given the extra repeats allowed
/// for unbounded repetitions.
fn max_len(h: &Hir, unbounded: u32) -> u128 {
    match h.kind() {
        HirKind::Empty | HirKind::Look(_) => 0,
        HirKind::Literal(l) => l.0.len() as u128,
        HirKind::Class(_) => 4,
        HirKind::Repetition(r) => {
            let upper = r.max.unwrap_or(r.min.saturating_add(unbounded));
            max_len(&r.sub, unbounded).saturating_mul(upper as u128)
        }
        HirKind::Capture(c) => max_len(&c.sub, unbounded),
        HirKind::Concat(v) => v
            .iter()
            .fold(0u128, |acc, h| acc.saturating_add(max_len(h, unbounded))),
        HirKind::Alternation(v) => v.iter().map(|h| max_len(h, unbounded)).max().unwrap_or(0),
    }
}

/// The most bytes `random` will produce: nested unbounded repeats are capped below goregen's
/// 4096 so that no pattern can exhaust memory.
const MAX_OUTPUT: u128 = 1 << 20;

/// `random(regex)`: a random string matching the (Go syntax) pattern, drawn from a generator
/// seeded with `Env::seed`, so the same seed gives the same string.
pub fn random(args: &[Value], env: &Env) -> Result<Value, String> {
    let pattern = arg_str(args, 0)?;
    if pattern.is_empty() {
        return Err("no pattern provided".into());
    }
    // Validate with Go's rules first, so errors read like Go's.
    super::regex::compile(pattern)?;
    let translated = translate(pattern)?;
    let hir = regex_syntax::ParserBuilder::new()
        .octal(true)
        .build()
        .parse(&translated)
        .map_err(|e| format!("error parsing regexp: {e}"))?;
    let hir = strip_looks(hir);
    let Some(unbounded) = [MAX_UNBOUNDED_REPEAT, 1024, 256, 64, 16, 4, 1, 0]
        .into_iter()
        .find(|&n| max_len(&hir, n) <= MAX_OUTPUT)
    else {
        return Err(format!(
            "the pattern can generate strings longer than {MAX_OUTPUT} bytes"
        ));
    };
    let generator = rand_regex::Regex::with_hir(hir, unbounded)
        .map_err(|e| format!("cannot generate strings for this pattern: {e}"))?;
    let mut rng = rand::rngs::SmallRng::seed_from_u64(env.seed);
    let sample: Result<String, std::string::FromUtf8Error> =
        rand::Rng::sample(&mut rng, &generator);
    sample
        .map(Value::from)
        .map_err(|_| "cannot generate a UTF-8 string for this pattern".into())
}

/// Go's `IP.IsLoopback() || IP.IsPrivate()` (IPv4-mapped IPv6 addresses count as IPv4).
fn is_internal(ip: IpAddr) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    };
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            o[0] == 127
                || o[0] == 10
                || (o[0] == 172 && o[1] & 0xf0 == 16)
                || (o[0] == 192 && o[1] == 168)
        }
        IpAddr::V6(v6) => v6.is_loopback() || v6.octets()[0] & 0xfe == 0xfc,
    }
}

/// `is_external_url(url)`: false for loopback and private IP literals, true for other IP
/// literals. Kyverno resolves host names with DNS; we never touch the network, so `localhost`
/// counts as loopback and any other name is an error.
pub fn is_external_url(args: &[Value], _: &Env) -> Result<Value, String> {
    let text = arg_str(args, 0)?;
    let url = super::url::parse(text)?;
    let host = url.hostname();
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(Value::Bool(!is_internal(ip)));
    }
    if host.is_empty() {
        return Err("lookup : no such host".into());
    }
    if host.eq_ignore_ascii_case("localhost") {
        return Ok(Value::Bool(false));
    }
    Err(format!(
        "lookup {host}: kyverno-ls does not resolve host names (no network access); \
         only IP addresses and localhost can be judged offline"
    ))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{call, err, ok, ok_env};
    use super::*;

    fn s(v: &str) -> Value {
        Value::from(v)
    }

    #[test]
    fn random_is_deterministic_and_matches() {
        let a = ok("random", &[s("[0-9a-z]{8}")]);
        let b = ok("random", &[s("[0-9a-z]{8}")]);
        assert_eq!(a, b);
        let text = a.as_str().unwrap().to_string();
        assert_eq!(text.len(), 8);
        assert!(
            text.bytes()
                .all(|c| c.is_ascii_digit() || c.is_ascii_lowercase())
        );
        let other = ok_env(
            "random",
            &[s("[0-9a-z]{16}")],
            &Env {
                now: Env::fixed().now,
                seed: 7,
            },
        );
        assert_eq!(other.as_str().unwrap().len(), 16);
        for pattern in [
            "^[a-f]{4}-\\d{3}$",
            "(foo|bar)\\b",
            "[[:upper:]]{3}",
            "x{2,5}",
        ] {
            let v = ok("random", &[s(pattern)]);
            let re = super::super::regex::compile(pattern).unwrap();
            assert!(re.re.is_match(v.as_str().unwrap()), "{pattern} → {v:?}");
        }
        // Nested unbounded repeats stay bounded; fixed huge counts are refused.
        let nested = ok("random", &[s("((a*)*)*")]);
        assert!(nested.as_str().unwrap().len() <= 1 << 20);
        let huge = call("random", &[s("(a{1000}){1000}(b{1000}){1000}")]);
        assert!(
            huge.as_ref()
                .is_err_and(|e| e.contains("longer than") || e.contains("too large"))
        );
        // The value the documentation's lookup example feeds to parse_json.
        let digits = ok("random", &[s("[0-9]{1,6}")]);
        assert!(digits.as_str().unwrap().parse::<u32>().is_ok());
    }

    #[test]
    fn random_errors() {
        assert_eq!(err("random", &[s("")]), "no pattern provided");
        assert_eq!(
            err("random", &[s("(")]),
            "error parsing regexp: missing closing ): `(`"
        );
    }

    #[test]
    fn external_urls() {
        let is = |u: &str| ok("is_external_url", &[s(u)]);
        assert_eq!(is("http://127.0.0.1"), Value::Bool(false));
        assert_eq!(is("https://10.1.2.3:8443/x"), Value::Bool(false));
        assert_eq!(is("http://172.16.0.1"), Value::Bool(false));
        assert_eq!(is("http://172.32.0.1"), Value::Bool(true));
        assert_eq!(is("http://192.168.1.1"), Value::Bool(false));
        assert_eq!(is("http://[::1]:80"), Value::Bool(false));
        assert_eq!(is("http://[fd00::1]/"), Value::Bool(false));
        assert_eq!(is("http://[::ffff:10.0.0.1]/"), Value::Bool(false));
        assert_eq!(is("http://8.8.8.8"), Value::Bool(true));
        assert_eq!(is("http://[2001:db8::1]"), Value::Bool(true));
        // Go's IsPrivate does not cover link-local or unspecified addresses.
        assert_eq!(
            is("http://169.254.169.254/latest/meta-data"),
            Value::Bool(true)
        );
        assert_eq!(is("http://0.0.0.0"), Value::Bool(true));
        assert_eq!(is("http://localhost:8080"), Value::Bool(false));
    }

    #[test]
    fn external_url_errors() {
        let e = |u: &str| err("is_external_url", &[s(u)]);
        assert!(e("https://example.com").starts_with("lookup example.com: "));
        assert_eq!(e("not a url"), "lookup : no such host");
        assert_eq!(e("127.0.0.1"), "lookup : no such host"); // no scheme: a path, no host
        assert_eq!(
            e("http://a b"),
            "parse \"http://a b\": invalid character \" \" in host name"
        );
        assert_eq!(e(":x"), "parse \":x\": missing protocol scheme");
    }
}
