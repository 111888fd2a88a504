//! `x509_decode(pem)`: a PEM `CERTIFICATE` or `CERTIFICATE REQUEST` decoded into the JSON
//! that Go's `encoding/json` writes for `x509.Certificate` / `x509.CertificateRequest` (Go 1.24
//! field set), read back as Kyverno does (numbers become float64). Only RSA keys are accepted,
//! and `PublicKey` is Kyverno's `{N: "<decimal modulus>", E: <exponent>}`.
//!
//! Parsing follows Go's `crypto/x509` step by step with its error messages; the DER walking is
//! our own (`der.rs`) so that the raw byte ranges Go exposes come out exactly.

use super::arg_str;
use super::der::{self, Element, Reader, Tag};
use super::encoding::go_base64_decode;
use super::golayout;
use super::url;
use crate::jmespath::functions::spec::Env;
use crate::jmespath::value::{Map, Value};
use base64::Engine;

type R<T> = Result<T, String>;

fn e<T>(msg: &str) -> R<T> {
    Err(msg.to_string())
}

fn b64(bytes: &[u8]) -> Value {
    Value::from(base64::engine::general_purpose::STANDARD.encode(bytes))
}

fn strings(v: &Option<Vec<String>>) -> Value {
    match v {
        None => Value::Null,
        Some(list) => Value::array(list.iter().map(|s| Value::from(s.as_str())).collect()),
    }
}

fn list(v: Option<Vec<Value>>) -> Value {
    v.map_or(Value::Null, Value::array)
}

// ---------------------------------------------------------------------------------------------
// PEM

/// Go's `pem.Decode`: the first well-formed block (type and bytes).
pub fn pem_decode(data: &str) -> Option<(String, Vec<u8>)> {
    const START: &str = "\n-----BEGIN ";
    const END: &str = "\n-----END ";
    const EOL: &str = "-----";
    fn get_line(data: &str) -> (&str, &str) {
        let (i, j) = match data.find('\n') {
            None => (data.len(), data.len()),
            Some(i) => {
                let line_end = if i > 0 && data.as_bytes()[i - 1] == b'\r' {
                    i - 1
                } else {
                    i
                };
                (line_end, i + 1)
            }
        };
        (data[..i].trim_end_matches([' ', '\t']), &data[j..])
    }
    let mut rest = data;
    loop {
        if let Some(r) = rest.strip_prefix(&START[1..]) {
            rest = r;
        } else if let Some(at) = rest.find(START) {
            rest = &rest[at + START.len()..];
        } else {
            return None;
        }
        let (type_line, after) = get_line(rest);
        rest = after;
        let Some(block_type) = type_line.strip_suffix(EOL) else {
            continue;
        };
        let mut headers = 0;
        loop {
            if rest.is_empty() {
                return None;
            }
            let (line, next) = get_line(rest);
            if !line.contains(':') {
                break;
            }
            headers += 1;
            rest = next;
        }
        let (end_index, end_trailer_index) = if headers == 0 && rest.starts_with(&END[1..]) {
            (0, END.len() - 1)
        } else {
            match rest.find(END) {
                Some(i) => (i, i + END.len()),
                None => continue,
            }
        };
        let end_trailer = &rest[end_trailer_index..];
        let trailer_len = block_type.len() + EOL.len();
        if end_trailer.len() < trailer_len || !end_trailer.is_char_boundary(trailer_len) {
            continue;
        }
        let (trailer, rest_of_line) = end_trailer.split_at(trailer_len);
        if !trailer.starts_with(block_type) || !trailer.ends_with(EOL) {
            continue;
        }
        if !get_line(rest_of_line).0.is_empty() {
            continue;
        }
        let body: Vec<u8> = rest[..end_index]
            .bytes()
            .filter(|&b| b != b' ' && b != b'\t')
            .collect();
        match go_base64_decode(&body) {
            Ok(bytes) => return Some((block_type.to_string(), bytes)),
            Err(_) => continue,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Shared pieces

/// An OID as Go's `asn1.ObjectIdentifier` (arcs must fit 31 bits, as cryptobyte requires).
fn oid_ints(content: &[u8]) -> Option<Vec<i64>> {
    let arcs = der::oid_arcs(content)?;
    if content.iter().filter(|&&b| b & 0x80 == 0).count() > 0 {
        // Each arc may use at most 5 bytes and stay below 2^31.
        let mut run = 0;
        for &b in content {
            run += 1;
            if b & 0x80 == 0 {
                if run > 5 {
                    return None;
                }
                run = 0;
            }
        }
    }
    arcs.iter()
        .map(|a| a.parse::<i64>().ok().filter(|&v| v < (1 << 31)))
        .collect()
}

fn oid_json(arcs: &[i64]) -> Value {
    Value::array(arcs.iter().map(|&a| Value::Number(a as f64)).collect())
}

fn oid_is(arcs: &[i64], want: &[i64]) -> bool {
    arcs == want
}

const OID_RSA: &[i64] = &[1, 2, 840, 113549, 1, 1, 1];
const OID_EXTENSION_REQUEST: &[i64] = &[1, 2, 840, 113549, 1, 9, 14];

fn public_key_algorithm(oid: &[i64]) -> i64 {
    match oid {
        [1, 2, 840, 113549, 1, 1, 1] => 1,
        [1, 2, 840, 10040, 4, 1] => 2,
        [1, 2, 840, 10045, 2, 1] => 3,
        [1, 3, 101, 112] => 4,
        _ => 0,
    }
}

/// An AlgorithmIdentifier: OID and the full encoding of its parameters (if any).
struct AlgorithmIdentifier<'a> {
    oid: Vec<i64>,
    params: Option<Element<'a>>,
}

fn parse_ai(content: &[u8]) -> R<AlgorithmIdentifier<'_>> {
    let mut r = Reader::new(content);
    let oid = r
        .read(Tag::OID)
        .and_then(|el| oid_ints(el.content))
        .ok_or_else(|| "x509: malformed OID".to_string())?;
    let params = if r.is_empty() { None } else { r.read_any() };
    Ok(AlgorithmIdentifier { oid, params })
}

fn is_null(params: &Option<Element>) -> bool {
    params.is_some_and(|p| p.full == [0x05, 0x00])
}

/// Go's `getSignatureAlgorithmFromAI`.
fn signature_algorithm(ai: &AlgorithmIdentifier) -> i64 {
    let simple: &[(&[i64], i64)] = &[
        (&[1, 2, 840, 113549, 1, 1, 2], 1),
        (&[1, 2, 840, 113549, 1, 1, 4], 2),
        (&[1, 2, 840, 113549, 1, 1, 5], 3),
        (&[1, 3, 14, 3, 2, 29], 3),
        (&[1, 2, 840, 113549, 1, 1, 11], 4),
        (&[1, 2, 840, 113549, 1, 1, 12], 5),
        (&[1, 2, 840, 113549, 1, 1, 13], 6),
        (&[1, 2, 840, 10040, 4, 3], 7),
        (&[2, 16, 840, 1, 101, 3, 4, 3, 2], 8),
        (&[1, 2, 840, 10045, 4, 1], 9),
        (&[1, 2, 840, 10045, 4, 3, 2], 10),
        (&[1, 2, 840, 10045, 4, 3, 3], 11),
        (&[1, 2, 840, 10045, 4, 3, 4], 12),
        (&[1, 3, 101, 112], 16),
    ];
    if ai.oid != [1, 2, 840, 113549, 1, 1, 10] {
        return simple
            .iter()
            .find(|(oid, _)| *oid == ai.oid.as_slice())
            .map_or(0, |&(_, alg)| alg);
    }
    pss_algorithm(ai).unwrap_or(0)
}

/// RSASSA-PSS parameters: only the three (hash, MGF1 with the same hash, salt = hash length)
/// combinations Go recognizes.
fn pss_algorithm(ai: &AlgorithmIdentifier) -> Option<i64> {
    let params = ai.params?;
    if params.tag != Tag::SEQUENCE {
        return None;
    }
    let mut r = Reader::new(params.content);
    let mut hash: Vec<i64> = vec![1, 3, 14, 3, 2, 26];
    let mut hash_params_ok = true;
    let mut mgf_ok = false;
    let mut mgf_hash: Vec<i64> = vec![];
    let mut salt = 20i64;
    let mut trailer = 1i64;
    if let Ok(Some(h)) = r.read_optional(Tag::context(0, true)) {
        let inner = Reader::new(h.content).read(Tag::SEQUENCE)?;
        let ai = parse_ai(inner.content).ok()?;
        hash = ai.oid;
        hash_params_ok = ai.params.is_none() || is_null(&ai.params);
    }
    if let Ok(Some(m)) = r.read_optional(Tag::context(1, true)) {
        let inner = Reader::new(m.content).read(Tag::SEQUENCE)?;
        let ai = parse_ai(inner.content).ok()?;
        mgf_ok = ai.oid == [1, 2, 840, 113549, 1, 1, 8];
        let p = ai.params?;
        let hai = parse_ai(p.content).ok()?;
        if !(hai.params.is_none() || is_null(&hai.params)) {
            return None;
        }
        mgf_hash = hai.oid;
    }
    if let Ok(Some(s)) = r.read_optional(Tag::context(2, true)) {
        salt = der::integer_i64(Reader::new(s.content).read(Tag::INTEGER)?.content)?;
    }
    if let Ok(Some(t)) = r.read_optional(Tag::context(3, true)) {
        trailer = der::integer_i64(Reader::new(t.content).read(Tag::INTEGER)?.content)?;
    }
    if !hash_params_ok || !mgf_ok || mgf_hash != hash || trailer != 1 {
        return None;
    }
    match (hash.as_slice(), salt) {
        ([2, 16, 840, 1, 101, 3, 4, 2, 1], 32) => Some(13),
        ([2, 16, 840, 1, 101, 3, 4, 2, 2], 48) => Some(14),
        ([2, 16, 840, 1, 101, 3, 4, 2, 3], 64) => Some(15),
        _ => None,
    }
}

/// An RSA public key from a SubjectPublicKeyInfo, checked as Go's `parsePublicKey` and
/// Kyverno's `ParsePKCS1PublicKey` do. Returns (N as decimal, E).
fn rsa_public_key(pk_ai: &AlgorithmIdentifier, key: &[u8]) -> R<(String, i64)> {
    if !is_null(&pk_ai.params) {
        return e("x509: RSA key missing NULL parameters");
    }
    let mut r = Reader::new(key);
    let seq = r
        .read(Tag::SEQUENCE)
        .ok_or_else(|| "x509: invalid RSA public key".to_string())?;
    let mut inner = Reader::new(seq.content);
    let n = inner
        .read(Tag::INTEGER)
        .and_then(|el| der::integer_bytes(el.content))
        .ok_or_else(|| "x509: invalid RSA modulus".to_string())?;
    let e_el = inner
        .read(Tag::INTEGER)
        .ok_or_else(|| "x509: invalid RSA public exponent".to_string())?;
    let exp = der::integer_i64(e_el.content)
        .ok_or_else(|| "x509: invalid RSA public exponent".to_string())?;
    if n[0] & 0x80 != 0 || n.iter().all(|&b| b == 0) {
        return e("x509: RSA modulus is not a positive number");
    }
    if exp <= 0 {
        return e("x509: RSA public exponent is not a positive number");
    }
    if exp > (1 << 31) - 1 {
        // Kyverno's own re-parse (ParsePKCS1PublicKey) refuses it.
        return e("failed to parse subject public key info");
    }
    Ok((der::unsigned_decimal(n), exp))
}

fn public_key_json(n: String, e: i64) -> Value {
    let mut m = Map::new();
    m.insert("N".into(), Value::from(n));
    m.insert("E".into(), Value::Number(e as f64));
    Value::object(m)
}

/// `time.Time` as encoding/json writes it (RFC 3339 with nanoseconds, trailing zeros dropped).
fn time_json(t: &chrono::DateTime<chrono::FixedOffset>) -> Value {
    Value::from(golayout::format(t, "2006-01-02T15:04:05.999999999Z07:00"))
}

/// cryptobyte's `ReadASN1UTCTime` / `ReadASN1GeneralizedTime`.
fn parse_time(el: &Element) -> R<chrono::DateTime<chrono::FixedOffset>> {
    let text = std::str::from_utf8(el.content).unwrap_or("\u{FFFD}");
    if el.tag == Tag::UTC_TIME {
        for layout in ["060102150405Z0700", "0601021504Z0700"] {
            if let Ok(t) = golayout::parse(layout, text) {
                if golayout::format(&t, layout) != text {
                    return e("x509: malformed UTCTime");
                }
                use chrono::Datelike;
                if t.year() >= 2050 {
                    return t
                        .with_year(t.year() - 100)
                        .ok_or_else(|| "x509: malformed UTCTime".to_string());
                }
                return Ok(t);
            }
        }
        e("x509: malformed UTCTime")
    } else if el.tag == Tag::GENERALIZED_TIME {
        let layout = "20060102150405.999999999Z0700";
        match golayout::parse(layout, text) {
            Ok(t) if golayout::format(&t, layout) == text => Ok(t),
            _ => e("x509: malformed GeneralizedTime"),
        }
    } else {
        e("x509: unsupported time format")
    }
}

// ---------------------------------------------------------------------------------------------
// Names

fn is_printable(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b" '()+,-./:=?*&".contains(&b)
}

/// x509's `parseASN1String` (certificate names).
fn asn1_string(tag: Tag, value: &[u8]) -> R<String> {
    let lossy = || String::from_utf8_lossy(value).into_owned();
    if tag == Tag::T61_STRING {
        return Ok(lossy());
    }
    if tag == Tag::PRINTABLE_STRING {
        if !value.iter().all(|&b| is_printable(b)) {
            return e("invalid PrintableString");
        }
        return Ok(lossy());
    }
    if tag == Tag::UTF8_STRING {
        return String::from_utf8(value.to_vec()).map_err(|_| "invalid UTF-8 string".to_string());
    }
    if tag == Tag::BMP_STRING {
        return bmp_string(value).ok_or_else(|| "invalid BMPString".to_string());
    }
    if tag == Tag::IA5_STRING {
        if !value.is_ascii() {
            return e("invalid IA5String");
        }
        return Ok(lossy());
    }
    if tag == Tag::NUMERIC_STRING {
        if !value.iter().all(|&b| b.is_ascii_digit() || b == b' ') {
            return e("invalid NumericString");
        }
        return Ok(lossy());
    }
    Err(format!("unsupported string type: {}", tag.number))
}

fn bmp_string(value: &[u8]) -> Option<String> {
    if value.len() % 2 != 0 {
        return None;
    }
    let mut units: Vec<u16> = value
        .chunks(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    if units.last() == Some(&0) {
        units.pop();
    }
    Some(String::from_utf16_lossy(&units))
}

/// One attribute type and value of a name.
struct Atv {
    oid: Vec<i64>,
    value: Value,
}

/// x509's `parseName` (cryptobyte): every value must be a string type.
fn parse_name(full: &[u8]) -> R<Vec<Vec<Atv>>> {
    let mut outer = Reader::new(full);
    let seq = outer
        .read(Tag::SEQUENCE)
        .ok_or_else(|| "x509: invalid RDNSequence".to_string())?;
    let mut raw = Reader::new(seq.content);
    let mut rdns = Vec::new();
    while !raw.is_empty() {
        let set = raw
            .read(Tag::SET)
            .ok_or_else(|| "x509: invalid RDNSequence".to_string())?;
        let mut set = Reader::new(set.content);
        let mut rdn = Vec::new();
        while !set.is_empty() {
            let atav = set
                .read(Tag::SEQUENCE)
                .ok_or_else(|| "x509: invalid RDNSequence: invalid attribute".to_string())?;
            let mut atav = Reader::new(atav.content);
            let oid = atav
                .read(Tag::OID)
                .and_then(|o| oid_ints(o.content))
                .ok_or_else(|| "x509: invalid RDNSequence: invalid attribute type".to_string())?;
            let value = atav
                .read_any()
                .ok_or_else(|| "x509: invalid RDNSequence: invalid attribute value".to_string())?;
            let s = asn1_string(value.tag, value.content).map_err(|err| {
                format!("x509: invalid RDNSequence: invalid attribute value: {err}")
            })?;
            rdn.push(Atv {
                oid,
                value: Value::from(s),
            });
        }
        rdns.push(rdn);
    }
    Ok(rdns)
}

/// `pkix.Name.FillFromRDNSequence` and its JSON form.
fn name_json(rdns: &[Vec<Atv>]) -> Value {
    let mut fields: [(&str, i64, Option<Vec<String>>); 7] = [
        ("Country", 6, None),
        ("Organization", 10, None),
        ("OrganizationalUnit", 11, None),
        ("Locality", 7, None),
        ("Province", 8, None),
        ("StreetAddress", 9, None),
        ("PostalCode", 17, None),
    ];
    let mut serial = String::new();
    let mut common = String::new();
    let mut names: Vec<Value> = Vec::new();
    for rdn in rdns {
        for atv in rdn {
            let mut m = Map::new();
            m.insert("Type".into(), oid_json(&atv.oid));
            m.insert("Value".into(), atv.value.clone());
            names.push(Value::object(m));
            let Value::String(s) = &atv.value else {
                continue;
            };
            if let [2, 5, 4, t] = atv.oid.as_slice() {
                match t {
                    3 => common = s.to_string(),
                    5 => serial = s.to_string(),
                    _ => {
                        if let Some(f) = fields.iter_mut().find(|f| f.1 == *t) {
                            f.2.get_or_insert_with(Vec::new).push(s.to_string());
                        }
                    }
                }
            }
        }
    }
    let mut m = Map::new();
    for (key, _, values) in &fields {
        m.insert((*key).into(), strings(values));
    }
    m.insert("SerialNumber".into(), Value::from(serial));
    m.insert("CommonName".into(), Value::from(common));
    m.insert(
        "Names".into(),
        if names.is_empty() {
            Value::Null
        } else {
            Value::array(names)
        },
    );
    m.insert("ExtraNames".into(), Value::Null);
    Value::object(m)
}

// ---------------------------------------------------------------------------------------------
// Extensions

struct Extension<'a> {
    oid: Vec<i64>,
    critical: bool,
    value: &'a [u8],
}

fn extension_json(ext: &Extension) -> Value {
    let mut m = Map::new();
    m.insert("Id".into(), oid_json(&ext.oid));
    m.insert("Critical".into(), Value::Bool(ext.critical));
    m.insert("Value".into(), b64(ext.value));
    Value::object(m)
}

fn parse_extension(content: &[u8]) -> R<Extension<'_>> {
    let mut r = Reader::new(content);
    let oid = r
        .read(Tag::OID)
        .and_then(|o| oid_ints(o.content))
        .ok_or_else(|| "x509: malformed extension OID field".to_string())?;
    let mut critical = false;
    if r.peek_tag() == Some(Tag::BOOLEAN) {
        let b = r
            .read(Tag::BOOLEAN)
            .ok_or_else(|| "x509: malformed extension critical field".to_string())?;
        critical = match b.content {
            [0x00] => false,
            [0xff] => true,
            _ => return e("x509: malformed extension critical field"),
        };
    }
    let value = r
        .read(Tag::OCTET_STRING)
        .ok_or_else(|| "x509: malformed extension value field".to_string())?;
    Ok(Extension {
        oid,
        critical,
        value: value.content,
    })
}

/// `net.IP.String()` for 4- or 16-byte addresses.
fn ip_string(b: &[u8]) -> String {
    match b.len() {
        4 => std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_string(),
        16 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(b);
            let v6 = std::net::Ipv6Addr::from(a);
            match v6.to_ipv4_mapped() {
                Some(v4) => v4.to_string(),
                None => v6.to_string(),
            }
        }
        _ => {
            let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
            format!("?{hex}")
        }
    }
}

/// x509's `domainToReverseLabels` validity check.
fn valid_domain(domain: &str) -> bool {
    if domain.is_empty() {
        return true;
    }
    if domain.ends_with('.') {
        return false;
    }
    domain
        .split('.')
        .all(|l| !l.is_empty() && l.bytes().all(|c| (33..=126).contains(&c)))
}

#[derive(Default)]
struct Sans {
    dns: Option<Vec<String>>,
    email: Option<Vec<String>>,
    ips: Option<Vec<Value>>,
    uris: Option<Vec<Value>>,
}

impl Sans {
    fn is_empty(&self) -> bool {
        self.dns.is_none() && self.email.is_none() && self.ips.is_none() && self.uris.is_none()
    }
}

fn parse_san(value: &[u8]) -> R<Sans> {
    let mut outer = Reader::new(value);
    let seq = outer
        .read(Tag::SEQUENCE)
        .ok_or_else(|| "x509: invalid subject alternative names".to_string())?;
    let mut r = Reader::new(seq.content);
    let mut out = Sans::default();
    while !r.is_empty() {
        let el = r
            .read_any()
            .ok_or_else(|| "x509: invalid subject alternative name".to_string())?;
        if el.tag.class != 2 || el.tag.constructed {
            continue;
        }
        let data = el.content;
        match el.tag.number {
            1 => {
                if !data.is_ascii() {
                    return e("x509: SAN rfc822Name is malformed");
                }
                out.email
                    .get_or_insert_with(Vec::new)
                    .push(String::from_utf8_lossy(data).into_owned());
            }
            2 => {
                if !data.is_ascii() {
                    return e("x509: SAN dNSName is malformed");
                }
                out.dns
                    .get_or_insert_with(Vec::new)
                    .push(String::from_utf8_lossy(data).into_owned());
            }
            6 => {
                if !data.is_ascii() {
                    return e("x509: SAN uniformResourceIdentifier is malformed");
                }
                let text = String::from_utf8_lossy(data).into_owned();
                let quoted = super::gofmt::go_quote(&text);
                let parsed = url::parse(&text)
                    .map_err(|err| format!("x509: cannot parse URI {quoted}: {err}"))?;
                if !parsed.host.is_empty() && !valid_domain(&parsed.host) {
                    return Err(format!("x509: cannot parse URI {quoted}: invalid domain"));
                }
                out.uris.get_or_insert_with(Vec::new).push(parsed.to_json());
            }
            7 => match data.len() {
                4 | 16 => out
                    .ips
                    .get_or_insert_with(Vec::new)
                    .push(Value::from(ip_string(data))),
                n => return Err(format!("x509: cannot parse IP address of length {n}")),
            },
            _ => {}
        }
    }
    Ok(out)
}

fn ext_key_usage(oid: &[i64]) -> Option<i64> {
    Some(match oid {
        [2, 5, 29, 37, 0] => 0,
        [1, 3, 6, 1, 5, 5, 7, 3, n @ 1..=9] => *n,
        [1, 3, 6, 1, 4, 1, 311, 10, 3, 3] => 10,
        [2, 16, 840, 1, 113730, 4, 1] => 11,
        [1, 3, 6, 1, 4, 1, 311, 2, 1, 22] => 12,
        [1, 3, 6, 1, 4, 1, 311, 61, 1, 1] => 13,
        _ => return None,
    })
}

/// The parsed extension fields of a certificate, as JSON values.
struct CertExtensions {
    key_usage: i64,
    basic_valid: bool,
    is_ca: bool,
    max_path_len: i64,
    max_path_len_zero: bool,
    sans: Sans,
    subject_key_id: Option<Vec<u8>>,
    authority_key_id: Option<Vec<u8>>,
    ext_key_usage: Option<Vec<Value>>,
    unknown_ext_key_usage: Option<Vec<Value>>,
    unhandled_critical: Option<Vec<Value>>,
    ocsp: Option<Vec<String>>,
    issuers: Option<Vec<String>>,
    crl: Option<Vec<String>>,
    policy_identifiers: Option<Vec<Value>>,
    policies: Option<Vec<Value>>,
    permitted_critical: bool,
    constraints: [Option<Vec<Value>>; 8],
    inhibit_any: i64,
    inhibit_any_zero: bool,
    inhibit_mapping: i64,
    inhibit_mapping_zero: bool,
    require_explicit: i64,
    require_explicit_zero: bool,
    policy_mappings: Option<Vec<Value>>,
}

fn oid_text(content: &[u8]) -> Option<String> {
    der::oid_arcs(content).map(|a| a.join("."))
}

fn name_constraints(value: &[u8], out: &mut CertExtensions) -> R<bool> {
    let invalid = || "x509: invalid NameConstraints extension".to_string();
    let mut outer = Reader::new(value);
    let top = outer.read(Tag::SEQUENCE).ok_or_else(invalid)?;
    if !outer.is_empty() {
        return Err(invalid());
    }
    let mut top = Reader::new(top.content);
    let permitted = top
        .read_optional(Tag::context(0, true))
        .map_err(|_| invalid())?;
    let excluded = top
        .read_optional(Tag::context(1, true))
        .map_err(|_| invalid())?;
    if !top.is_empty() {
        return Err(invalid());
    }
    let empty = |p: &Option<Element>| p.is_none_or(|el| el.content.is_empty());
    if empty(&permitted) && empty(&excluded) {
        return e("x509: empty name constraints extension");
    }
    let mut unhandled = false;
    let mut values = |subtrees: Option<Element>| -> R<[Option<Vec<Value>>; 4]> {
        let mut lists: [Option<Vec<Value>>; 4] = Default::default();
        let Some(subtrees) = subtrees else {
            return Ok(lists);
        };
        let mut r = Reader::new(subtrees.content);
        while !r.is_empty() {
            let seq = r.read(Tag::SEQUENCE).ok_or_else(invalid)?;
            let el = Reader::new(seq.content).read_any().ok_or_else(invalid)?;
            let v = el.content;
            let text = || String::from_utf8_lossy(v).into_owned();
            let ia5 = || -> R<()> {
                if v.is_ascii() {
                    Ok(())
                } else {
                    e("x509: invalid constraint value: x509: ia5String contains invalid character")
                }
            };
            match (el.tag.class, el.tag.constructed, el.tag.number) {
                (2, false, 2) => {
                    ia5()?;
                    let d = text();
                    if !valid_domain(d.strip_prefix('.').unwrap_or(&d)) {
                        return Err(format!(
                            "x509: failed to parse dnsName constraint {}",
                            super::gofmt::go_quote(&d)
                        ));
                    }
                    lists[0].get_or_insert_with(Vec::new).push(Value::from(d));
                }
                (2, false, 7) => {
                    let (ip, mask) = match v.len() {
                        8 => (&v[..4], &v[4..]),
                        32 => (&v[..16], &v[16..]),
                        n => {
                            return Err(format!(
                                "x509: IP constraint contained value of length {n}"
                            ));
                        }
                    };
                    let ones = mask.iter().map(|b| b.leading_ones()).sum::<u32>();
                    let canonical = (0..mask.len() * 8)
                        .all(|i| ((mask[i / 8] >> (7 - i % 8)) & 1 == 1) == (i < ones as usize));
                    if !canonical {
                        let hex: String = mask.iter().map(|x| format!("{x:02x}")).collect();
                        return Err(format!("x509: IP constraint contained invalid mask {hex}"));
                    }
                    let mut m = Map::new();
                    m.insert("IP".into(), Value::from(ip_string(ip)));
                    m.insert("Mask".into(), b64(mask));
                    lists[1].get_or_insert_with(Vec::new).push(Value::object(m));
                }
                (2, false, 1) => {
                    ia5()?;
                    lists[2]
                        .get_or_insert_with(Vec::new)
                        .push(Value::from(text()));
                }
                (2, false, 6) => {
                    ia5()?;
                    let d = text();
                    if d.parse::<std::net::IpAddr>().is_ok() {
                        return Err(format!(
                            "x509: failed to parse URI constraint {}: cannot be IP address",
                            super::gofmt::go_quote(&d)
                        ));
                    }
                    if !valid_domain(d.strip_prefix('.').unwrap_or(&d)) {
                        return Err(format!(
                            "x509: failed to parse URI constraint {}",
                            super::gofmt::go_quote(&d)
                        ));
                    }
                    lists[3].get_or_insert_with(Vec::new).push(Value::from(d));
                }
                _ => unhandled = true,
            }
        }
        Ok(lists)
    };
    let [pd, pi, pe, pu] = values(permitted)?;
    let [xd, xi, xe, xu] = values(excluded)?;
    out.constraints = [pd, xd, pi, xi, pe, xe, pu, xu];
    Ok(unhandled)
}

fn process_extensions(exts: &[Extension]) -> R<CertExtensions> {
    let mut out = CertExtensions {
        key_usage: 0,
        basic_valid: false,
        is_ca: false,
        max_path_len: 0,
        max_path_len_zero: false,
        sans: Sans::default(),
        subject_key_id: None,
        authority_key_id: None,
        ext_key_usage: None,
        unknown_ext_key_usage: None,
        unhandled_critical: None,
        ocsp: None,
        issuers: None,
        crl: None,
        policy_identifiers: None,
        policies: None,
        permitted_critical: false,
        constraints: Default::default(),
        inhibit_any: 0,
        inhibit_any_zero: false,
        inhibit_mapping: 0,
        inhibit_mapping_zero: false,
        require_explicit: 0,
        require_explicit_zero: false,
        policy_mappings: None,
    };
    for ext in exts {
        let mut unhandled = false;
        let v = ext.value;
        match ext.oid.as_slice() {
            [2, 5, 29, 15] => {
                let bits = Reader::new(v)
                    .read(Tag::BIT_STRING)
                    .and_then(|b| der::bit_string(b.content))
                    .ok_or_else(|| "x509: invalid key usage".to_string())?;
                let (padding, bytes) = bits;
                let bit_len = bytes.len() * 8 - padding as usize;
                let mut usage = 0i64;
                for i in 0..9 {
                    if i < bit_len && (bytes[i / 8] >> (7 - i % 8)) & 1 == 1 {
                        usage |= 1 << i;
                    }
                }
                out.key_usage = usage;
            }
            [2, 5, 29, 19] => {
                let invalid = || "x509: invalid basic constraints".to_string();
                let seq = Reader::new(v).read(Tag::SEQUENCE).ok_or_else(invalid)?;
                let mut r = Reader::new(seq.content);
                let mut is_ca = false;
                if r.peek_tag() == Some(Tag::BOOLEAN) {
                    is_ca = match r.read(Tag::BOOLEAN).ok_or_else(invalid)?.content {
                        [0x00] => false,
                        [0xff] => true,
                        _ => return Err(invalid()),
                    };
                }
                let mut max = -1;
                if r.peek_tag() == Some(Tag::INTEGER) {
                    max = der::integer_i64(r.read(Tag::INTEGER).ok_or_else(invalid)?.content)
                        .ok_or_else(invalid)?;
                }
                out.is_ca = is_ca;
                out.max_path_len = max;
                out.basic_valid = true;
                out.max_path_len_zero = max == 0;
            }
            [2, 5, 29, 17] => {
                out.sans = parse_san(v)?;
                if out.sans.is_empty() {
                    unhandled = true;
                }
            }
            [2, 5, 29, 30] => {
                unhandled = name_constraints(v, &mut out)?;
                out.permitted_critical = ext.critical;
            }
            [2, 5, 29, 31] => {
                let invalid = || "x509: invalid CRL distribution point".to_string();
                let seq = Reader::new(v)
                    .read(Tag::SEQUENCE)
                    .ok_or_else(|| "x509: invalid CRL distribution points".to_string())?;
                let mut r = Reader::new(seq.content);
                while !r.is_empty() {
                    let dp = r.read(Tag::SEQUENCE).ok_or_else(invalid)?;
                    let mut dp = Reader::new(dp.content);
                    let Some(name) = dp
                        .read_optional(Tag::context(0, true))
                        .map_err(|_| invalid())?
                    else {
                        continue;
                    };
                    let full = Reader::new(name.content)
                        .read(Tag::context(0, true))
                        .ok_or_else(invalid)?;
                    let mut names = Reader::new(full.content);
                    while !names.is_empty() {
                        if names.peek_tag() != Some(Tag::context(6, false)) {
                            break;
                        }
                        let uri = names.read(Tag::context(6, false)).ok_or_else(invalid)?;
                        out.crl
                            .get_or_insert_with(Vec::new)
                            .push(String::from_utf8_lossy(uri.content).into_owned());
                    }
                }
            }
            [2, 5, 29, 35] => {
                let invalid = || "x509: invalid authority key identifier".to_string();
                let seq = Reader::new(v).read(Tag::SEQUENCE).ok_or_else(invalid)?;
                let mut r = Reader::new(seq.content);
                if r.peek_tag() == Some(Tag::context(0, false)) {
                    let id = r.read(Tag::context(0, false)).ok_or_else(invalid)?;
                    out.authority_key_id = Some(id.content.to_vec());
                }
            }
            [2, 5, 29, 37] => {
                let invalid = || "x509: invalid extended key usages".to_string();
                let seq = Reader::new(v).read(Tag::SEQUENCE).ok_or_else(invalid)?;
                let mut r = Reader::new(seq.content);
                let mut known = Vec::new();
                let mut unknown = Vec::new();
                while !r.is_empty() {
                    let oid = r
                        .read(Tag::OID)
                        .and_then(|o| oid_ints(o.content))
                        .ok_or_else(invalid)?;
                    match ext_key_usage(&oid) {
                        Some(k) => known.push(Value::Number(k as f64)),
                        None => unknown.push(oid_json(&oid)),
                    }
                }
                out.ext_key_usage = (!known.is_empty()).then_some(known);
                out.unknown_ext_key_usage = (!unknown.is_empty()).then_some(unknown);
            }
            [2, 5, 29, 14] => {
                if ext.critical {
                    return e("x509: subject key identifier incorrectly marked critical");
                }
                let id = Reader::new(v)
                    .read(Tag::OCTET_STRING)
                    .ok_or_else(|| "x509: invalid subject key identifier".to_string())?;
                out.subject_key_id = Some(id.content.to_vec());
            }
            [2, 5, 29, 32] => {
                let invalid = || "x509: invalid certificate policies".to_string();
                let seq = Reader::new(v).read(Tag::SEQUENCE).ok_or_else(invalid)?;
                let mut r = Reader::new(seq.content);
                let mut seen: Vec<Vec<u8>> = Vec::new();
                let mut texts = Vec::new();
                let mut ids = Vec::new();
                while !r.is_empty() {
                    let cp = r.read(Tag::SEQUENCE).ok_or_else(invalid)?;
                    let oid = Reader::new(cp.content).read(Tag::OID).ok_or_else(invalid)?;
                    if seen.iter().any(|s| s == oid.content) {
                        return Err(invalid());
                    }
                    seen.push(oid.content.to_vec());
                    texts.push(Value::from(oid_text(oid.content).ok_or_else(invalid)?));
                    if let Some(ints) = oid_ints(oid.content) {
                        ids.push(oid_json(&ints));
                    }
                }
                out.policies = (!texts.is_empty()).then_some(texts);
                out.policy_identifiers = Some(ids);
            }
            [2, 5, 29, 33] => {
                let invalid = || "x509: invalid policy mappings extension".to_string();
                let seq = Reader::new(v).read(Tag::SEQUENCE).ok_or_else(invalid)?;
                let mut r = Reader::new(seq.content);
                let mut maps = Vec::new();
                while !r.is_empty() {
                    let m = r.read(Tag::SEQUENCE).ok_or_else(invalid)?;
                    let mut mr = Reader::new(m.content);
                    let a = mr
                        .read(Tag::OID)
                        .and_then(|o| oid_text(o.content))
                        .ok_or_else(invalid)?;
                    let b = mr
                        .read(Tag::OID)
                        .and_then(|o| oid_text(o.content))
                        .ok_or_else(invalid)?;
                    let mut obj = Map::new();
                    obj.insert("IssuerDomainPolicy".into(), Value::from(a));
                    obj.insert("SubjectDomainPolicy".into(), Value::from(b));
                    maps.push(Value::object(obj));
                }
                out.policy_mappings = (!maps.is_empty()).then_some(maps);
            }
            [2, 5, 29, 36] => {
                let invalid = || "x509: invalid policy constraints extension".to_string();
                let seq = Reader::new(v).read(Tag::SEQUENCE).ok_or_else(invalid)?;
                let mut r = Reader::new(seq.content);
                if r.peek_tag() == Some(Tag::context(0, false)) {
                    let el = r.read(Tag::context(0, false)).ok_or_else(invalid)?;
                    out.require_explicit = der::integer_i64(el.content).ok_or_else(invalid)?;
                    out.require_explicit_zero = out.require_explicit == 0;
                }
                if r.peek_tag() == Some(Tag::context(1, false)) {
                    let el = r.read(Tag::context(1, false)).ok_or_else(invalid)?;
                    out.inhibit_mapping = der::integer_i64(el.content).ok_or_else(invalid)?;
                    out.inhibit_mapping_zero = out.inhibit_mapping == 0;
                }
            }
            [2, 5, 29, 54] => {
                let invalid = || "x509: invalid inhibit any policy extension".to_string();
                let el = Reader::new(v).read(Tag::INTEGER).ok_or_else(invalid)?;
                out.inhibit_any = der::integer_i64(el.content).ok_or_else(invalid)?;
                out.inhibit_any_zero = out.inhibit_any == 0;
            }
            [2, 5, 29, _] => unhandled = true,
            [1, 3, 6, 1, 5, 5, 7, 1, 1] => {
                if ext.critical {
                    return e("x509: authority info access incorrectly marked critical");
                }
                let invalid = || "x509: invalid authority info access".to_string();
                let seq = Reader::new(v).read(Tag::SEQUENCE).ok_or_else(invalid)?;
                let mut r = Reader::new(seq.content);
                while !r.is_empty() {
                    let aia = r.read(Tag::SEQUENCE).ok_or_else(invalid)?;
                    let mut a = Reader::new(aia.content);
                    let method = a
                        .read(Tag::OID)
                        .and_then(|o| oid_ints(o.content))
                        .ok_or_else(invalid)?;
                    if a.peek_tag() != Some(Tag::context(6, false)) {
                        continue;
                    }
                    let loc = a.read(Tag::context(6, false)).ok_or_else(invalid)?;
                    let text = String::from_utf8_lossy(loc.content).into_owned();
                    match method.as_slice() {
                        [1, 3, 6, 1, 5, 5, 7, 48, 1] => {
                            out.ocsp.get_or_insert_with(Vec::new).push(text)
                        }
                        [1, 3, 6, 1, 5, 5, 7, 48, 2] => {
                            out.issuers.get_or_insert_with(Vec::new).push(text)
                        }
                        _ => {}
                    }
                }
            }
            _ => unhandled = true,
        }
        if ext.critical && unhandled {
            out.unhandled_critical
                .get_or_insert_with(Vec::new)
                .push(oid_json(&ext.oid));
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Certificates

fn parse_certificate(der: &[u8]) -> R<Value> {
    let malformed = || "x509: malformed certificate".to_string();
    let mut input = Reader::new(der);
    let cert_el = input.read(Tag::SEQUENCE).ok_or_else(malformed)?;
    let trailing = !input.is_empty();
    let mut body = Reader::new(cert_el.content);
    let tbs_el = body
        .read(Tag::SEQUENCE)
        .ok_or_else(|| "x509: malformed tbs certificate".to_string())?;
    let mut tbs = Reader::new(tbs_el.content);

    let mut version = 0i64;
    match tbs.read_optional(Tag::context(0, true)) {
        Err(_) => return e("x509: malformed version"),
        Ok(Some(v)) => {
            let int = Reader::new(v.content)
                .read(Tag::INTEGER)
                .and_then(|i| der::integer_i64(i.content))
                .ok_or_else(|| "x509: malformed version".to_string())?;
            version = int;
        }
        Ok(None) => {}
    }
    if version < 0 {
        return e("x509: malformed version");
    }
    version += 1;
    if version > 3 {
        return e("x509: invalid version");
    }

    let serial = tbs
        .read(Tag::INTEGER)
        .and_then(|i| der::integer_bytes(i.content))
        .ok_or_else(|| "x509: malformed serial number".to_string())?;
    if serial[0] & 0x80 != 0 {
        return e("x509: negative serial number");
    }
    let serial_number: f64 = der::integer_decimal(serial)
        .parse()
        .unwrap_or(f64::INFINITY);

    let sig_ai_el = tbs
        .read(Tag::SEQUENCE)
        .ok_or_else(|| "x509: malformed signature algorithm identifier".to_string())?;
    let outer_ai = body
        .read(Tag::SEQUENCE)
        .ok_or_else(|| "x509: malformed algorithm identifier".to_string())?;
    if outer_ai.content != sig_ai_el.content {
        return e("x509: inner and outer signature algorithm identifiers don't match");
    }
    let sig_ai = parse_ai(sig_ai_el.content)?;
    let signature_algorithm = signature_algorithm(&sig_ai);

    let issuer_el = tbs
        .read(Tag::SEQUENCE)
        .ok_or_else(|| "x509: malformed issuer".to_string())?;
    let issuer = parse_name(issuer_el.full)?;

    let validity = tbs
        .read(Tag::SEQUENCE)
        .ok_or_else(|| "x509: malformed validity".to_string())?;
    let mut vr = Reader::new(validity.content);
    let nb = vr
        .read_any()
        .ok_or_else(|| "x509: unsupported time format".to_string())?;
    let not_before = parse_time(&nb)?;
    let na = vr
        .read_any()
        .ok_or_else(|| "x509: unsupported time format".to_string())?;
    let not_after = parse_time(&na)?;

    // Go reports a malformed subject as a malformed issuer.
    let subject_el = tbs
        .read(Tag::SEQUENCE)
        .ok_or_else(|| "x509: malformed issuer".to_string())?;
    let subject = parse_name(subject_el.full)?;

    let spki_el = tbs
        .read(Tag::SEQUENCE)
        .ok_or_else(|| "x509: malformed spki".to_string())?;
    let mut spki = Reader::new(spki_el.content);
    let pk_ai_el = spki
        .read(Tag::SEQUENCE)
        .ok_or_else(|| "x509: malformed public key algorithm identifier".to_string())?;
    let pk_ai = parse_ai(pk_ai_el.content)?;
    let public_key_algorithm = public_key_algorithm(&pk_ai.oid);
    let (_, key_bytes) = spki
        .read(Tag::BIT_STRING)
        .and_then(|b| der::bit_string(b.content))
        .ok_or_else(|| "x509: malformed subjectPublicKey".to_string())?;
    let rsa = if public_key_algorithm == 1 {
        Some(rsa_public_key(&pk_ai, key_bytes)?)
    } else {
        None
    };

    let mut extensions: Vec<Extension> = Vec::new();
    if version > 1 {
        tbs.read_optional(Tag::context(1, false))
            .map_err(|_| "x509: malformed issuerUniqueID".to_string())?;
        tbs.read_optional(Tag::context(2, false))
            .map_err(|_| "x509: malformed subjectUniqueID".to_string())?;
        if version == 3 {
            let present = tbs
                .read_optional(Tag::context(3, true))
                .map_err(|_| "x509: malformed extensions".to_string())?;
            if let Some(wrapper) = present {
                let seq = Reader::new(wrapper.content)
                    .read(Tag::SEQUENCE)
                    .ok_or_else(|| "x509: malformed extensions".to_string())?;
                let mut r = Reader::new(seq.content);
                while !r.is_empty() {
                    let ext = r
                        .read(Tag::SEQUENCE)
                        .ok_or_else(|| "x509: malformed extension".to_string())?;
                    let ext = parse_extension(ext.content)?;
                    if extensions.iter().any(|x| x.oid == ext.oid) {
                        let text = ext
                            .oid
                            .iter()
                            .map(i64::to_string)
                            .collect::<Vec<_>>()
                            .join(".");
                        return Err(format!(
                            "x509: certificate contains duplicate extension with OID {}",
                            super::gofmt::go_quote(&text)
                        ));
                    }
                    extensions.push(ext);
                }
            }
        }
    }
    let parsed = process_extensions(&extensions)?;

    let (padding, sig_bytes) = body
        .read(Tag::BIT_STRING)
        .and_then(|b| der::bit_string(b.content))
        .ok_or_else(|| "x509: malformed signature".to_string())?;
    let signature = der::right_align(padding, sig_bytes);
    if trailing {
        return e("x509: trailing data");
    }

    // Kyverno accepts RSA keys only.
    let Some((n, exp)) = rsa else {
        return e("certificate should use rsa algorithm");
    };

    let mut m = Map::new();
    m.insert("Raw".into(), b64(cert_el.full));
    m.insert("RawTBSCertificate".into(), b64(tbs_el.full));
    m.insert("RawSubjectPublicKeyInfo".into(), b64(spki_el.full));
    m.insert("RawSubject".into(), b64(subject_el.full));
    m.insert("RawIssuer".into(), b64(issuer_el.full));
    m.insert("Signature".into(), b64(&signature));
    m.insert(
        "SignatureAlgorithm".into(),
        Value::Number(signature_algorithm as f64),
    );
    m.insert(
        "PublicKeyAlgorithm".into(),
        Value::Number(public_key_algorithm as f64),
    );
    m.insert("PublicKey".into(), public_key_json(n, exp));
    m.insert("Version".into(), Value::Number(version as f64));
    m.insert("SerialNumber".into(), Value::Number(serial_number));
    m.insert("Issuer".into(), name_json(&issuer));
    m.insert("Subject".into(), name_json(&subject));
    m.insert("NotBefore".into(), time_json(&not_before));
    m.insert("NotAfter".into(), time_json(&not_after));
    m.insert("KeyUsage".into(), Value::Number(parsed.key_usage as f64));
    m.insert(
        "Extensions".into(),
        if extensions.is_empty() {
            Value::Null
        } else {
            Value::array(extensions.iter().map(extension_json).collect())
        },
    );
    m.insert("ExtraExtensions".into(), Value::Null);
    m.insert(
        "UnhandledCriticalExtensions".into(),
        list(parsed.unhandled_critical),
    );
    m.insert("ExtKeyUsage".into(), list(parsed.ext_key_usage));
    m.insert(
        "UnknownExtKeyUsage".into(),
        list(parsed.unknown_ext_key_usage),
    );
    m.insert(
        "BasicConstraintsValid".into(),
        Value::Bool(parsed.basic_valid),
    );
    m.insert("IsCA".into(), Value::Bool(parsed.is_ca));
    m.insert(
        "MaxPathLen".into(),
        Value::Number(parsed.max_path_len as f64),
    );
    m.insert(
        "MaxPathLenZero".into(),
        Value::Bool(parsed.max_path_len_zero),
    );
    m.insert(
        "SubjectKeyId".into(),
        parsed.subject_key_id.as_deref().map_or(Value::Null, b64),
    );
    m.insert(
        "AuthorityKeyId".into(),
        parsed.authority_key_id.as_deref().map_or(Value::Null, b64),
    );
    m.insert("OCSPServer".into(), strings(&parsed.ocsp));
    m.insert("IssuingCertificateURL".into(), strings(&parsed.issuers));
    m.insert("DNSNames".into(), strings(&parsed.sans.dns));
    m.insert("EmailAddresses".into(), strings(&parsed.sans.email));
    m.insert("IPAddresses".into(), list(parsed.sans.ips));
    m.insert("URIs".into(), list(parsed.sans.uris));
    m.insert(
        "PermittedDNSDomainsCritical".into(),
        Value::Bool(parsed.permitted_critical),
    );
    let [pd, xd, pi, xi, pe, xe, pu, xu] = parsed.constraints;
    m.insert("PermittedDNSDomains".into(), list(pd));
    m.insert("ExcludedDNSDomains".into(), list(xd));
    m.insert("PermittedIPRanges".into(), list(pi));
    m.insert("ExcludedIPRanges".into(), list(xi));
    m.insert("PermittedEmailAddresses".into(), list(pe));
    m.insert("ExcludedEmailAddresses".into(), list(xe));
    m.insert("PermittedURIDomains".into(), list(pu));
    m.insert("ExcludedURIDomains".into(), list(xu));
    m.insert("CRLDistributionPoints".into(), strings(&parsed.crl));
    m.insert("PolicyIdentifiers".into(), list(parsed.policy_identifiers));
    m.insert("Policies".into(), list(parsed.policies));
    m.insert(
        "InhibitAnyPolicy".into(),
        Value::Number(parsed.inhibit_any as f64),
    );
    m.insert(
        "InhibitAnyPolicyZero".into(),
        Value::Bool(parsed.inhibit_any_zero),
    );
    m.insert(
        "InhibitPolicyMapping".into(),
        Value::Number(parsed.inhibit_mapping as f64),
    );
    m.insert(
        "InhibitPolicyMappingZero".into(),
        Value::Bool(parsed.inhibit_mapping_zero),
    );
    m.insert(
        "RequireExplicitPolicy".into(),
        Value::Number(parsed.require_explicit as f64),
    );
    m.insert(
        "RequireExplicitPolicyZero".into(),
        Value::Bool(parsed.require_explicit_zero),
    );
    m.insert("PolicyMappings".into(), list(parsed.policy_mappings));
    Ok(Value::object(m))
}

// ---------------------------------------------------------------------------------------------
// Certificate requests (encoding/asn1 rules)

/// encoding/asn1's decoding of a value into `interface{}`.
fn asn1_any(el: &Element) -> R<Value> {
    if el.tag.constructed || el.tag.class != 0 {
        return Ok(Value::Null);
    }
    let v = el.content;
    let lossy = || Value::from(String::from_utf8_lossy(v).into_owned());
    Ok(match el.tag.number {
        19 => {
            if !v.iter().all(|&b| is_printable(b)) {
                return e("asn1: syntax error: PrintableString contains invalid character");
            }
            lossy()
        }
        18 => {
            if !v.iter().all(|&b| b.is_ascii_digit() || b == b' ') {
                return e("asn1: syntax error: NumericString contains invalid character");
            }
            lossy()
        }
        22 => {
            if !v.is_ascii() {
                return e("asn1: syntax error: IA5String contains invalid character");
            }
            lossy()
        }
        20 => lossy(),
        12 => Value::from(
            String::from_utf8(v.to_vec())
                .map_err(|_| "asn1: syntax error: invalid UTF-8".to_string())?,
        ),
        2 => Value::Number(
            der::integer_i64(v)
                .ok_or_else(|| "asn1: structure error: integer too large".to_string())?
                as f64,
        ),
        3 => {
            let (padding, bytes) = der::bit_string(v).ok_or_else(|| {
                "asn1: syntax error: invalid padding bits in BIT STRING".to_string()
            })?;
            let mut m = Map::new();
            m.insert("Bytes".into(), b64(bytes));
            m.insert(
                "BitLength".into(),
                Value::Number((bytes.len() * 8 - padding as usize) as f64),
            );
            Value::object(m)
        }
        6 => oid_json(
            &der::oid_arcs(v)
                .and_then(|a| {
                    a.iter()
                        .map(|x| x.parse::<i64>().ok())
                        .collect::<Option<Vec<_>>>()
                })
                .ok_or_else(|| "asn1: syntax error: invalid object identifier".to_string())?,
        ),
        23 | 24 => {
            time_json(&parse_time(el).map_err(|_| "asn1: syntax error: invalid time".to_string())?)
        }
        4 => b64(v),
        30 => Value::from(
            bmp_string(v).ok_or_else(|| "asn1: syntax error: invalid BMPString".to_string())?,
        ),
        _ => Value::Null,
    })
}

/// An RDNSequence decoded by encoding/asn1 (values of any type).
fn parse_name_asn1(full: &[u8]) -> R<Vec<Vec<Atv>>> {
    let err = || "asn1: structure error: tags don't match".to_string();
    let seq = Reader::new(full).read(Tag::SEQUENCE).ok_or_else(err)?;
    let mut r = Reader::new(seq.content);
    let mut out = Vec::new();
    while !r.is_empty() {
        let set = r.read(Tag::SET).ok_or_else(err)?;
        let mut s = Reader::new(set.content);
        let mut rdn = Vec::new();
        while !s.is_empty() {
            let atv = s.read(Tag::SEQUENCE).ok_or_else(err)?;
            let mut a = Reader::new(atv.content);
            let oid = a
                .read(Tag::OID)
                .and_then(|o| oid_ints(o.content))
                .ok_or_else(err)?;
            let value = match a.read_any() {
                Some(el) => asn1_any(&el)?,
                None => return Err(err()),
            };
            rdn.push(Atv { oid, value });
        }
        out.push(rdn);
    }
    Ok(out)
}

/// One CSR attribute as `pkix.AttributeTypeAndValueSET`, or None when it does not fit that
/// shape (Go skips those, e.g. challengePassword).
fn attribute_set(full: &[u8]) -> Option<Value> {
    let mut outer = Reader::new(full);
    let seq = outer.read(Tag::SEQUENCE)?;
    if !outer.is_empty() {
        return None;
    }
    let mut r = Reader::new(seq.content);
    let oid = oid_ints(r.read(Tag::OID)?.content)?;
    let set = r.read(Tag::SET)?;
    let mut members = Reader::new(set.content);
    let mut values = Vec::new();
    while !members.is_empty() {
        let inner = members.read(Tag::SEQUENCE)?;
        let mut items = Reader::new(inner.content);
        let mut atvs = Vec::new();
        while !items.is_empty() {
            let atv = items.read(Tag::SEQUENCE)?;
            let mut a = Reader::new(atv.content);
            let t = oid_ints(a.read(Tag::OID)?.content)?;
            let v = asn1_any(&a.read_any()?).ok()?;
            let mut m = Map::new();
            m.insert("Type".into(), oid_json(&t));
            m.insert("Value".into(), v);
            atvs.push(Value::object(m));
        }
        values.push(Value::array(atvs));
    }
    let mut m = Map::new();
    m.insert("Type".into(), oid_json(&oid));
    m.insert(
        "Value".into(),
        if values.is_empty() {
            Value::Null
        } else {
            Value::array(values)
        },
    );
    Some(Value::object(m))
}

fn parse_certificate_request(der: &[u8]) -> R<Value> {
    let structure = |what: &str| format!("asn1: structure error: {what}");
    let mut input = Reader::new(der);
    let csr_el = input
        .read(Tag::SEQUENCE)
        .ok_or_else(|| structure("tags don't match"))?;
    if !input.is_empty() {
        return e("asn1: syntax error: trailing data");
    }
    let mut body = Reader::new(csr_el.content);
    let tbs_el = body
        .read(Tag::SEQUENCE)
        .ok_or_else(|| structure("tags don't match"))?;
    let sig_ai_el = body
        .read(Tag::SEQUENCE)
        .ok_or_else(|| structure("tags don't match"))?;
    let (padding, sig_bytes) = body
        .read(Tag::BIT_STRING)
        .and_then(|b| der::bit_string(b.content))
        .ok_or_else(|| structure("tags don't match"))?;

    let mut tbs = Reader::new(tbs_el.content);
    let version = tbs
        .read(Tag::INTEGER)
        .and_then(|i| der::integer_i64(i.content))
        .ok_or_else(|| structure("tags don't match"))?;
    let subject_el = tbs
        .read_any()
        .ok_or_else(|| structure("tags don't match"))?;
    let spki_el = tbs
        .read(Tag::SEQUENCE)
        .ok_or_else(|| structure("tags don't match"))?;
    let attrs_el = tbs
        .read(Tag::context(0, true))
        .ok_or_else(|| structure("tags don't match"))?;

    let sig_ai = parse_ai(sig_ai_el.content)?;
    let mut spki = Reader::new(spki_el.content);
    let pk_ai_el = spki
        .read(Tag::SEQUENCE)
        .ok_or_else(|| structure("tags don't match"))?;
    let pk_ai = parse_ai(pk_ai_el.content)?;
    let (_, key_bytes) = spki
        .read(Tag::BIT_STRING)
        .and_then(|b| der::bit_string(b.content))
        .ok_or_else(|| structure("tags don't match"))?;
    let public_key_algorithm = public_key_algorithm(&pk_ai.oid);
    let rsa = if public_key_algorithm == 1 {
        Some(rsa_public_key(&pk_ai, key_bytes)?)
    } else {
        None
    };

    // Attributes, and the extensions requested through them.
    let mut raw_attrs = Vec::new();
    let mut ar = Reader::new(attrs_el.content);
    while !ar.is_empty() {
        raw_attrs.push(
            ar.read_any()
                .ok_or_else(|| structure("tags don't match"))?
                .full,
        );
    }
    let attributes: Vec<Value> = raw_attrs.iter().filter_map(|a| attribute_set(a)).collect();
    let mut extensions: Vec<Extension> = Vec::new();
    for raw in &raw_attrs {
        let Some(seq) = Reader::new(raw).read(Tag::SEQUENCE) else {
            continue;
        };
        let mut r = Reader::new(seq.content);
        let Some(oid) = r.read(Tag::OID).and_then(|o| oid_ints(o.content)) else {
            continue;
        };
        let Some(values) = r.read(Tag::SET) else {
            continue;
        };
        if !oid_is(&oid, OID_EXTENSION_REQUEST) {
            continue;
        }
        let Some(first) = Reader::new(values.content).read_any() else {
            continue;
        };
        if first.tag != Tag::SEQUENCE {
            return Err(structure("tags don't match"));
        }
        let mut er = Reader::new(first.content);
        while !er.is_empty() {
            let ext = er
                .read(Tag::SEQUENCE)
                .ok_or_else(|| structure("tags don't match"))?;
            let ext = parse_extension(ext.content)?;
            if extensions.iter().any(|x| x.oid == ext.oid) {
                return e("x509: certificate request contains duplicate requested extensions");
            }
            extensions.push(ext);
        }
    }
    let mut sans = Sans::default();
    for ext in &extensions {
        if ext.oid == [2, 5, 29, 17] {
            sans = parse_san(ext.value)?;
        }
    }
    let subject = parse_name_asn1(subject_el.full)?;

    let Some((n, exp)) = rsa else {
        return e("certificate should use rsa algorithm");
    };

    let mut m = Map::new();
    m.insert("Raw".into(), b64(csr_el.full));
    m.insert("RawTBSCertificateRequest".into(), b64(tbs_el.full));
    m.insert("RawSubjectPublicKeyInfo".into(), b64(spki_el.full));
    m.insert("RawSubject".into(), b64(subject_el.full));
    m.insert("Version".into(), Value::Number(version as f64));
    m.insert(
        "Signature".into(),
        b64(&der::right_align(padding, sig_bytes)),
    );
    m.insert(
        "SignatureAlgorithm".into(),
        Value::Number(signature_algorithm(&sig_ai) as f64),
    );
    m.insert(
        "PublicKeyAlgorithm".into(),
        Value::Number(public_key_algorithm as f64),
    );
    m.insert("PublicKey".into(), public_key_json(n, exp));
    m.insert("Subject".into(), name_json(&subject));
    m.insert(
        "Attributes".into(),
        if attributes.is_empty() {
            Value::Null
        } else {
            Value::array(attributes)
        },
    );
    m.insert(
        "Extensions".into(),
        if extensions.is_empty() {
            Value::Null
        } else {
            Value::array(extensions.iter().map(extension_json).collect())
        },
    );
    m.insert("ExtraExtensions".into(), Value::Null);
    m.insert("DNSNames".into(), strings(&sans.dns));
    m.insert("EmailAddresses".into(), strings(&sans.email));
    m.insert("IPAddresses".into(), list(sans.ips));
    m.insert("URIs".into(), list(sans.uris));
    let _ = OID_RSA;
    Ok(Value::object(m))
}

pub fn x509_decode(args: &[Value], _: &Env) -> Result<Value, String> {
    let input = arg_str(args, 0)?;
    let Some((block_type, bytes)) = pem_decode(input) else {
        return e("failed to decode PEM block");
    };
    match block_type.as_str() {
        "CERTIFICATE" => parse_certificate(&bytes),
        "CERTIFICATE REQUEST" => parse_certificate_request(&bytes),
        _ => e("PEM block neither contains a CERTIFICATE or CERTIFICATE REQUEST"),
    }
}

#[cfg(test)]
#[path = "x509_tests.rs"]
mod tests;
