//! Kubernetes' URL and format libraries. URLs are read as Go's `url.ParseRequestURI` reads
//! them (an absolute URI or an absolute path, no fragment splitting); formats are the named
//! string validations of `format.<name>()` / `format.named(name)`, whose `validate` gives
//! Kubernetes' messages.

use std::any::Any;
use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use super::{Ctx, FunctionSpec, Out, Ty, global, member, str_arg};
use crate::cel::value::{Key, Map, Opaque, Value};
use crate::jmespath::Value as Json;

pub const URL: &str = "kubernetes.URL";
pub const FORMAT: &str = "kubernetes.NamedFormat";

const S: Ty = Ty::String;
const U: Ty = Ty::Opaque(URL);
const F: Ty = Ty::Opaque(FORMAT);

pub const FUNCTIONS: &[FunctionSpec] = &[
    FunctionSpec {
        name: "url",
        doc: "Parses an absolute URI or an absolute path, as an HTTP request line holds one; anything else is an error.",
        overloads: &[global(&[S], U, url)],
    },
    FunctionSpec {
        name: "isURL",
        doc: "Whether url() would accept the string.",
        overloads: &[global(&[S], Ty::Bool, is_url)],
    },
    FunctionSpec {
        name: "getScheme",
        doc: "The scheme, lowercase; \"\" for a path.",
        overloads: &[member(&[U], S, get_scheme)],
    },
    FunctionSpec {
        name: "getHost",
        doc: "The host with its port (IPv6 addresses keep their brackets).",
        overloads: &[member(&[U], S, get_host)],
    },
    FunctionSpec {
        name: "getHostname",
        doc: "The host without port or IPv6 brackets.",
        overloads: &[member(&[U], S, get_hostname)],
    },
    FunctionSpec {
        name: "getPort",
        doc: "The port, or \"\".",
        overloads: &[member(&[U], S, get_port)],
    },
    FunctionSpec {
        name: "getEscapedPath",
        doc: "The path, percent-escaped.",
        overloads: &[member(&[U], S, get_escaped_path)],
    },
    FunctionSpec {
        name: "getQuery",
        doc: "The query as a map from each key to its values (undecodable pairs are left out).",
        overloads: &[member(&[U], Ty::Map, get_query)],
    },
    FunctionSpec {
        name: "format.named",
        doc: "The named format (dns1123Label, dns1123Subdomain, dns1035Label, qualifiedName, their …Prefix forms, labelValue, uri, uuid, byte, date, datetime), or none.",
        overloads: &[global(&[S], Ty::Optional, named)],
    },
    FunctionSpec {
        name: "validate",
        doc: "format.validate(s): none when s has the format, else the list of what is wrong.",
        overloads: &[member(&[F, S], Ty::Optional, validate)],
    },
    FunctionSpec {
        name: "format.dns1123Label",
        doc: "The RFC 1123 label format (Kubernetes object names of most kinds).",
        overloads: &[global(&[], F, fmt_dns1123_label)],
    },
    FunctionSpec {
        name: "format.dns1123Subdomain",
        doc: "The RFC 1123 subdomain format.",
        overloads: &[global(&[], F, fmt_dns1123_subdomain)],
    },
    FunctionSpec {
        name: "format.dns1035Label",
        doc: "The RFC 1035 label format (must start with a letter).",
        overloads: &[global(&[], F, fmt_dns1035_label)],
    },
    FunctionSpec {
        name: "format.qualifiedName",
        doc: "The qualified name format of label and annotation keys (`prefix/name`).",
        overloads: &[global(&[], F, fmt_qualified_name)],
    },
    FunctionSpec {
        name: "format.dns1123LabelPrefix",
        doc: "An RFC 1123 label that may end in '-' (a generateName prefix).",
        overloads: &[global(&[], F, fmt_dns1123_label_prefix)],
    },
    FunctionSpec {
        name: "format.dns1123SubdomainPrefix",
        doc: "An RFC 1123 subdomain that may end in '-' (a generateName prefix).",
        overloads: &[global(&[], F, fmt_dns1123_subdomain_prefix)],
    },
    FunctionSpec {
        name: "format.dns1035LabelPrefix",
        doc: "An RFC 1035 label that may end in '-' (a generateName prefix).",
        overloads: &[global(&[], F, fmt_dns1035_label_prefix)],
    },
    FunctionSpec {
        name: "format.labelValue",
        doc: "The label value format.",
        overloads: &[global(&[], F, fmt_label_value)],
    },
    FunctionSpec {
        name: "format.uri",
        doc: "A URI as url() accepts it.",
        overloads: &[global(&[], F, fmt_uri)],
    },
    FunctionSpec {
        name: "format.uuid",
        doc: "A UUID: 32 hex digits, each of the four dashes optional.",
        overloads: &[global(&[], F, fmt_uuid)],
    },
    FunctionSpec {
        name: "format.byte",
        doc: "Standard base64 with padding, at least one group of four characters.",
        overloads: &[global(&[], F, fmt_byte)],
    },
    FunctionSpec {
        name: "format.date",
        doc: "A full date, YYYY-MM-DD.",
        overloads: &[global(&[], F, fmt_date)],
    },
    FunctionSpec {
        name: "format.datetime",
        doc: "A date, `T`, and a time with seconds and a zone (`Z` or `+hh:mm`), as kube-openapi reads an RFC 3339 date-time.",
        overloads: &[global(&[], F, fmt_datetime)],
    },
];

// URLs.

/// The parts of a URL that the library reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    pub text: String,
    pub scheme: String,
    pub host: String,
    pub path: String,
    pub raw_query: String,
}

impl Opaque for Url {
    fn type_name(&self) -> &str {
        URL
    }
    fn equals(&self, other: &dyn Opaque) -> bool {
        other.as_any().downcast_ref::<Url>() == Some(self)
    }
    fn to_json(&self) -> Json {
        Json::string(self.text.as_str())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn unhex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-decoding; `plus` turns `+` into a space (query form). `None` on a bad escape.
fn unescape(s: &str, plus: bool) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hi = unhex(*b.get(i + 1)?)?;
                let lo = unhex(*b.get(i + 2)?)?;
                out.push(hi << 4 | lo);
                i += 3;
            }
            b'+' if plus => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// Go's `url.ParseRequestURI`, with its error texts.
pub fn parse_request_uri(raw: &str) -> Result<Url, String> {
    let fail = |why: &str| format!("parse {raw:?}: {why}");
    if raw.bytes().any(|c| c < 0x20 || c == 0x7f) {
        return Err(fail("net/url: invalid control character in URL"));
    }
    if raw.is_empty() {
        return Err(fail("empty url"));
    }
    let mut url = Url {
        text: raw.to_string(),
        scheme: String::new(),
        host: String::new(),
        path: String::new(),
        raw_query: String::new(),
    };
    if raw == "*" {
        url.path = "*".into();
        return Ok(url);
    }
    let mut rest = raw;
    // The scheme: a letter, then letters, digits, `+`, `-` or `.`, up to the first `:`.
    for (i, c) in raw.char_indices() {
        match c {
            'a'..='z' | 'A'..='Z' => {}
            '0'..='9' | '+' | '-' | '.' if i > 0 => {}
            ':' => {
                if i == 0 {
                    return Err(fail("missing protocol scheme"));
                }
                url.scheme = raw[..i].to_ascii_lowercase();
                rest = &raw[i + 1..];
                break;
            }
            _ => break,
        }
    }
    if rest.ends_with('?') && rest.matches('?').count() == 1 {
        rest = &rest[..rest.len() - 1];
    } else if let Some((r, q)) = rest.split_once('?') {
        url.raw_query = q.to_string();
        rest = r;
    }
    if !rest.starts_with('/') {
        if !url.scheme.is_empty() {
            // An opaque URL such as `mailto:x`: no host, no path.
            return Ok(url);
        }
        return Err(fail("invalid URI for request"));
    }
    if !url.scheme.is_empty() && rest.starts_with("//") {
        let after = &rest[2..];
        let (authority, path) = match after.find('/') {
            Some(i) => (&after[..i], &after[i..]),
            None => (after, ""),
        };
        let host = match authority.rfind('@') {
            Some(i) => &authority[i + 1..],
            None => authority,
        };
        check_host(host).map_err(|e| fail(&e))?;
        url.host = host.to_string();
        rest = path;
    }
    url.path = unescape(rest, false).ok_or_else(|| {
        let bad = bad_escape(rest);
        fail(&format!("invalid URL escape {bad:?}"))
    })?;
    Ok(url)
}

/// The first malformed `%` escape (up to three bytes from the `%`), as Go quotes it.
fn bad_escape(s: &str) -> String {
    let b = s.as_bytes();
    for (i, _) in s.match_indices('%') {
        let ok = b.len() > i + 2 && unhex(b[i + 1]).is_some() && unhex(b[i + 2]).is_some();
        if !ok {
            let mut end = (i + 3).min(s.len());
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            return s[i..end].to_string();
        }
    }
    String::new()
}

/// Go's host checks: a bracketed IPv6 literal with an optional port, or a name with an
/// optional numeric port.
fn check_host(host: &str) -> Result<(), String> {
    if let Some(inner) = host.strip_prefix('[') {
        let Some(end) = inner.find(']') else {
            return Err("missing ']' in host".into());
        };
        let after = &inner[end + 1..];
        if !after.is_empty() && !valid_port(after) {
            return Err(format!("invalid port {after:?} after host"));
        }
        return Ok(());
    }
    if let Some(i) = host.rfind(':') {
        let port = &host[i..];
        if !valid_port(port) {
            return Err(format!("invalid port {port:?} after host"));
        }
    }
    Ok(())
}

fn valid_port(p: &str) -> bool {
    p.strip_prefix(':')
        .is_some_and(|d| d.bytes().all(|b| b.is_ascii_digit()))
}

fn url_arg(v: &Value) -> Result<&Url, String> {
    match v {
        Value::Opaque(o) => o.as_any().downcast_ref::<Url>(),
        _ => None,
    }
    .ok_or_else(|| "no such overload".to_string())
}

fn url(args: &[Value], _: &mut Ctx) -> Out {
    let s = str_arg(&args[0]);
    let u = parse_request_uri(s)
        .map_err(|e| format!("URL parse error during conversion from string: {e}"))?;
    Ok(Value::Opaque(Arc::new(u)))
}

fn is_url(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::Bool(parse_request_uri(str_arg(&args[0])).is_ok()))
}

fn get_scheme(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::string(url_arg(&args[0])?.scheme.as_str()))
}

fn get_host(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::string(url_arg(&args[0])?.host.as_str()))
}

/// Go's `splitHostPort` on `URL.Host`: (hostname, port).
fn split_host_port(host: &str) -> (&str, &str) {
    let (mut name, mut port) = (host, "");
    if let Some(i) = host.rfind(':') {
        if valid_port(&host[i..]) {
            (name, port) = (&host[..i], &host[i + 1..]);
        }
    }
    if let Some(inner) = name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
        name = inner;
    }
    (name, port)
}

fn get_hostname(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::string(split_host_port(&url_arg(&args[0])?.host).0))
}

fn get_port(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::string(split_host_port(&url_arg(&args[0])?.host).1))
}

/// Go's path escaping: unreserved characters and the sub-delimiters a path may hold stay.
fn escape_path(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    for b in p.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'_'
                    | b'.'
                    | b'~'
                    | b'$'
                    | b'&'
                    | b'+'
                    | b','
                    | b'/'
                    | b':'
                    | b';'
                    | b'='
                    | b'@'
            );
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn get_escaped_path(args: &[Value], _: &mut Ctx) -> Out {
    Ok(Value::string(escape_path(&url_arg(&args[0])?.path)))
}

fn get_query(args: &[Value], ctx: &mut Ctx) -> Out {
    let raw = &url_arg(&args[0])?.raw_query;
    ctx.charge_size(raw.len())?;
    let mut out: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for pair in raw.split('&') {
        // Go refuses `;` in a query pair and skips it, as it skips undecodable ones.
        if pair.is_empty() || pair.contains(';') {
            continue;
        }
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (Some(k), Some(v)) = (unescape(k, true), unescape(v, true)) else {
            continue;
        };
        out.entry(k).or_default().push(Value::string(v));
    }
    let mut m = Map::new();
    for (k, v) in out {
        m.insert(Key::String(k.into()), Value::list(v));
    }
    Ok(Value::map(m))
}

// Formats.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NamedFormat(&'static str);

impl Opaque for NamedFormat {
    fn type_name(&self) -> &str {
        FORMAT
    }
    fn equals(&self, other: &dyn Opaque) -> bool {
        other.as_any().downcast_ref::<NamedFormat>() == Some(self)
    }
    fn to_json(&self) -> Json {
        Json::string(self.0)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

const NAMES: &[&str] = &[
    "dns1123Label",
    "dns1123Subdomain",
    "dns1035Label",
    "qualifiedName",
    "dns1123LabelPrefix",
    "dns1123SubdomainPrefix",
    "dns1035LabelPrefix",
    "labelValue",
    "uri",
    "uuid",
    "byte",
    "date",
    "datetime",
];

fn format_value(name: &'static str) -> Out {
    Ok(Value::Opaque(Arc::new(NamedFormat(name))))
}

fn fmt_dns1123_label(_: &[Value], _: &mut Ctx) -> Out {
    format_value("dns1123Label")
}
fn fmt_dns1123_subdomain(_: &[Value], _: &mut Ctx) -> Out {
    format_value("dns1123Subdomain")
}
fn fmt_dns1035_label(_: &[Value], _: &mut Ctx) -> Out {
    format_value("dns1035Label")
}
fn fmt_qualified_name(_: &[Value], _: &mut Ctx) -> Out {
    format_value("qualifiedName")
}
fn fmt_dns1123_label_prefix(_: &[Value], _: &mut Ctx) -> Out {
    format_value("dns1123LabelPrefix")
}
fn fmt_dns1123_subdomain_prefix(_: &[Value], _: &mut Ctx) -> Out {
    format_value("dns1123SubdomainPrefix")
}
fn fmt_dns1035_label_prefix(_: &[Value], _: &mut Ctx) -> Out {
    format_value("dns1035LabelPrefix")
}
fn fmt_label_value(_: &[Value], _: &mut Ctx) -> Out {
    format_value("labelValue")
}
fn fmt_uri(_: &[Value], _: &mut Ctx) -> Out {
    format_value("uri")
}
fn fmt_uuid(_: &[Value], _: &mut Ctx) -> Out {
    format_value("uuid")
}
fn fmt_byte(_: &[Value], _: &mut Ctx) -> Out {
    format_value("byte")
}
fn fmt_date(_: &[Value], _: &mut Ctx) -> Out {
    format_value("date")
}
fn fmt_datetime(_: &[Value], _: &mut Ctx) -> Out {
    format_value("datetime")
}

fn named(args: &[Value], _: &mut Ctx) -> Out {
    let name = str_arg(&args[0]);
    Ok(Value::Optional(NAMES.iter().find(|n| **n == name).map(
        |n| Box::new(Value::Opaque(Arc::new(NamedFormat(n)))),
    )))
}

const DNS1123_LABEL: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1035_LABEL: &str = "[a-z]([-a-z0-9]*[a-z0-9])?";
const QUALIFIED_NAME: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";

fn anchored(pattern: &str) -> regex::Regex {
    regex::Regex::new(&format!("^(?:{pattern})$")).expect("fixed pattern compiles")
}

static RE_DNS1123_LABEL: LazyLock<regex::Regex> = LazyLock::new(|| anchored(DNS1123_LABEL));
static RE_DNS1123_SUBDOMAIN: LazyLock<regex::Regex> =
    LazyLock::new(|| anchored(&dns1123_subdomain()));
static RE_DNS1035_LABEL: LazyLock<regex::Regex> = LazyLock::new(|| anchored(DNS1035_LABEL));
static RE_QUALIFIED_NAME: LazyLock<regex::Regex> = LazyLock::new(|| anchored(QUALIFIED_NAME));
static RE_LABEL_VALUE: LazyLock<regex::Regex> =
    LazyLock::new(|| anchored(&format!("({QUALIFIED_NAME})?")));
// kube-openapi's strfmt, which Kubernetes validates with, makes each dash optional on its
// own (go-openapi's later all-or-none pattern is not the one Kubernetes runs).
static RE_UUID: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new("(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$")
        .expect("fixed pattern compiles")
});

// govalidator's IsBase64, which kube-openapi registers for `byte`: a pattern, so that the
// empty string is refused and the unused bits of the last character are not looked at.
static RE_BASE64: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        "^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$",
    )
    .expect("fixed pattern compiles")
});

/// kube-openapi's `date`: Go's layout `2006-01-02`, so exactly four, two and two digits, and
/// a day that exists.
fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    if !(digits(0..4) && digits(5..7) && digits(8..10)) {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().unwrap_or(0);
    chrono::NaiveDate::from_ymd_opt(num(0..4) as i32, num(5..7), num(8..10)).is_some()
}

// kube-openapi's `datetime` time part, after the date and a `t` (either case).
static RE_TIME: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$")
        .expect("fixed pattern compiles")
});

/// kube-openapi's `datetime`, which is not Go's RFC 3339 parser: the lowercased string is cut
/// at each `t`, the first piece must be a date and the second a time whose hour is at most
/// 23 and minute and second at most 59 (the zone offset is not range-checked, and any
/// character may stand before the fraction); further pieces are not looked at.
fn is_datetime(s: &str) -> bool {
    if s.len() < 4 {
        return false;
    }
    let lower = s.to_lowercase();
    let mut parts = lower.split('t');
    let (Some(date), Some(time)) = (parts.next(), parts.next()) else {
        return false;
    };
    if !is_date(date) {
        return false;
    }
    RE_TIME
        .captures(time)
        .is_some_and(|c| &c[1] <= "23" && &c[2] <= "59" && &c[3] <= "59")
}

fn dns1123_subdomain() -> String {
    format!("{DNS1123_LABEL}(\\.{DNS1123_LABEL})*")
}

/// Kubernetes' `RegexError`: the message, examples and the pattern.
fn regex_error(msg: &str, pattern: &str, examples: &[&str]) -> String {
    let mut out = format!("{msg} (e.g. ");
    for (i, e) in examples.iter().enumerate() {
        if i > 0 {
            out.push_str(" or ");
        }
        out.push_str(&format!("'{e}', "));
    }
    out.push_str(&format!("regex used for validation is '{pattern}')"));
    out
}

fn max_len(n: usize) -> String {
    format!("must be no more than {n} characters")
}

fn dns1123_label(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > 63 {
        errs.push(max_len(63));
    }
    if !RE_DNS1123_LABEL.is_match(s) {
        if RE_DNS1123_SUBDOMAIN.is_match(s) {
            errs.push("must not contain dots".into());
        } else {
            errs.push(regex_error(
                "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
                DNS1123_LABEL,
                &["my-name", "123-abc"],
            ));
        }
    }
    errs
}

fn dns1123_subdomain_errors(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > 253 {
        errs.push(max_len(253));
    }
    if !RE_DNS1123_SUBDOMAIN.is_match(s) {
        errs.push(regex_error(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
            &dns1123_subdomain(),
            &["example.com"],
        ));
    }
    errs
}

fn dns1035_label(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > 63 {
        errs.push(max_len(63));
    }
    if !RE_DNS1035_LABEL.is_match(s) {
        errs.push(regex_error(
            "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character",
            DNS1035_LABEL,
            &["my-name", "abc-123"],
        ));
    }
    errs
}

const QUALIFIED_NAME_MSG: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

fn qualified_name(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    let parts: Vec<&str> = s.split('/').collect();
    let name = match parts.as_slice() {
        [name] => *name,
        [prefix, name] => {
            if prefix.is_empty() {
                errs.push("prefix part must be non-empty".into());
            } else {
                errs.extend(
                    dns1123_subdomain_errors(prefix)
                        .into_iter()
                        .map(|m| format!("prefix part {m}")),
                );
            }
            *name
        }
        _ => {
            return vec![format!(
                "a qualified name {} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                regex_error(
                    QUALIFIED_NAME_MSG,
                    QUALIFIED_NAME,
                    &["MyName", "my.name", "123-abc"]
                )
            )];
        }
    };
    if name.is_empty() {
        errs.push("name part must be non-empty".into());
    } else if name.len() > 63 {
        errs.push(format!("name part {}", max_len(63)));
    }
    if !RE_QUALIFIED_NAME.is_match(name) {
        errs.push(format!(
            "name part {}",
            regex_error(
                QUALIFIED_NAME_MSG,
                QUALIFIED_NAME,
                &["MyName", "my.name", "123-abc"]
            )
        ));
    }
    errs
}

fn label_value(s: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if s.len() > 63 {
        errs.push(max_len(63));
    }
    if !RE_LABEL_VALUE.is_match(s) {
        errs.push(regex_error(
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
            &format!("({QUALIFIED_NAME})?"),
            &["MyValue", "my_value", "12345"],
        ));
    }
    errs
}

/// Kubernetes' `maskTrailingDash` for generateName prefixes: a trailing `-` stands for a
/// character to come (it drops the character before it too, as Kubernetes does).
fn mask_trailing_dash(s: &str) -> String {
    if s.len() > 1 && s.ends_with('-') {
        let mut cut = s.len() - 2;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        format!("{}a", &s[..cut])
    } else {
        s.to_string()
    }
}

fn check(format: &str, s: &str) -> Vec<String> {
    let fail = |cond: bool, msg: &str| {
        if cond {
            Vec::new()
        } else {
            vec![msg.to_string()]
        }
    };
    match format {
        "dns1123Label" => dns1123_label(s),
        "dns1123Subdomain" => dns1123_subdomain_errors(s),
        "dns1035Label" => dns1035_label(s),
        "qualifiedName" => qualified_name(s),
        "dns1123LabelPrefix" => dns1123_label(&mask_trailing_dash(s)),
        "dns1123SubdomainPrefix" => dns1123_subdomain_errors(&mask_trailing_dash(s)),
        "dns1035LabelPrefix" => dns1035_label(&mask_trailing_dash(s)),
        "labelValue" => label_value(s),
        "uri" => match parse_request_uri(s) {
            Ok(_) => Vec::new(),
            Err(e) => vec![e],
        },
        "uuid" => fail(RE_UUID.is_match(s), "does not match the UUID format"),
        "byte" => fail(RE_BASE64.is_match(s), "invalid base64"),
        "date" => fail(is_date(s), "invalid date"),
        "datetime" => fail(is_datetime(s), "invalid datetime"),
        _ => Vec::new(),
    }
}

fn validate(args: &[Value], ctx: &mut Ctx) -> Out {
    let f = match &args[0] {
        Value::Opaque(o) => o.as_any().downcast_ref::<NamedFormat>(),
        _ => None,
    }
    .ok_or_else(|| "no such overload".to_string())?;
    let s = str_arg(&args[1]);
    ctx.charge_size(s.len())?;
    let errs = check(f.0, s);
    Ok(Value::Optional(if errs.is_empty() {
        None
    } else {
        Some(Box::new(Value::list(
            errs.into_iter().map(Value::string).collect(),
        )))
    }))
}

#[cfg(test)]
mod tests;
