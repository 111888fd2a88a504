//! Encodings and digests: `base64_encode`, `base64_decode` (Go's padded standard alphabet,
//! line breaks ignored, Go's error offsets), `sha256`, `sha1`, `md5` (lowercase hex of the UTF-8
//! bytes), `parse_json` (Go's `encoding/json` into `interface{}`, with its error messages) and
//! `parse_yaml` (YAML 1.1 the way sigs.k8s.io/yaml reads it, first document only).

use super::arg_str;
use super::json;
use crate::jmespath::functions::spec::Env;
use crate::jmespath::value::Value;
use base64::Engine;

pub fn base64_encode(args: &[Value], _: &Env) -> Result<Value, String> {
    let s = arg_str(args, 0)?;
    Ok(Value::from(
        base64::engine::general_purpose::STANDARD.encode(s.as_bytes()),
    ))
}

fn decode_char(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

fn corrupt(at: usize) -> String {
    format!("illegal base64 data at input byte {at}")
}

/// Go's `base64.StdEncoding.DecodeString`: padding required, `\r` and `\n` skipped anywhere,
/// non-zero trailing bits tolerated. Errors name the offending byte offset like Go's
/// `CorruptInputError`.
pub fn go_base64_decode(src: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(src.len() / 4 * 3);
    let mut si = 0usize;
    loop {
        let mut dbuf = [0u8; 4];
        let mut dlen = 4;
        let mut j = 0usize;
        let mut trailing_error: Option<String> = None;
        while j < 4 {
            if si == src.len() {
                if j == 0 {
                    return Ok(out);
                }
                // Padding is mandatory: a short final quantum is corrupt.
                return Err(corrupt(si - j));
            }
            let c = src[si];
            si += 1;
            if let Some(v) = decode_char(c) {
                dbuf[j] = v;
                j += 1;
                continue;
            }
            if c == b'\n' || c == b'\r' {
                continue;
            }
            if c != b'=' {
                return Err(corrupt(si - 1));
            }
            // Padding.
            match j {
                0 | 1 => return Err(corrupt(si - 1)),
                2 => {
                    while si < src.len() && (src[si] == b'\n' || src[si] == b'\r') {
                        si += 1;
                    }
                    if si == src.len() {
                        return Err(corrupt(src.len()));
                    }
                    if src[si] != b'=' {
                        return Err(corrupt(si - 1));
                    }
                    si += 1;
                }
                _ => {}
            }
            while si < src.len() && (src[si] == b'\n' || src[si] == b'\r') {
                si += 1;
            }
            if si < src.len() {
                trailing_error = Some(corrupt(si));
            }
            dlen = j;
            break;
        }
        let val = (dbuf[0] as u32) << 18
            | (dbuf[1] as u32) << 12
            | (dbuf[2] as u32) << 6
            | dbuf[3] as u32;
        let bytes = [(val >> 16) as u8, (val >> 8) as u8, val as u8];
        out.extend_from_slice(&bytes[..dlen - 1]);
        if let Some(e) = trailing_error {
            return Err(e);
        }
        if dlen < 4 {
            return Ok(out);
        }
    }
}

/// `base64_decode(str)`. Decoded bytes that are not UTF-8 become U+FFFD, as they would once
/// Kyverno writes the result as JSON.
pub fn base64_decode(args: &[Value], _: &Env) -> Result<Value, String> {
    let s = arg_str(args, 0)?;
    let bytes = go_base64_decode(s.as_bytes())?;
    Ok(Value::from(String::from_utf8_lossy(&bytes).into_owned()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn sha256(args: &[Value], _: &Env) -> Result<Value, String> {
    use sha2::Digest;
    let s = arg_str(args, 0)?;
    Ok(Value::from(hex(&sha2::Sha256::digest(s.as_bytes()))))
}

pub fn sha1(args: &[Value], _: &Env) -> Result<Value, String> {
    use sha1::Digest;
    let s = arg_str(args, 0)?;
    Ok(Value::from(hex(&sha1::Sha1::digest(s.as_bytes()))))
}

pub fn md5(args: &[Value], _: &Env) -> Result<Value, String> {
    use md5::Digest;
    let s = arg_str(args, 0)?;
    Ok(Value::from(hex(&md5::Md5::digest(s.as_bytes()))))
}

/// `parse_json(str)`: Go's `json.Unmarshal` into `interface{}`.
pub fn parse_json(args: &[Value], _: &Env) -> Result<Value, String> {
    json::parse(arg_str(args, 0)?)
}

/// `parse_yaml(str)`: the first YAML document as JSON, with Kubernetes' YAML 1.1 scalars
/// (`yes` is true, `0777` is octal). Empty input is null.
pub fn parse_yaml(args: &[Value], _: &Env) -> Result<Value, String> {
    let text = arg_str(args, 0)?;
    let docs = crate::yaml::parse(text, &crate::yaml::Limits::default());
    let Some(doc) = docs.into_iter().next() else {
        return Ok(Value::Null);
    };
    // sigs.k8s.io/yaml decodes leniently: a repeated key keeps its last value.
    if let Some(d) = doc
        .diagnostics
        .iter()
        .find(|d| d.severity == crate::diag::Severity::Error && d.code != "duplicate-key")
    {
        return Err(format!(
            "error converting YAML to JSON: yaml: {}",
            d.message
        ));
    }
    let Some(root) = doc.root else {
        return Ok(Value::Null);
    };
    let json = root.to_json();
    if let Some(bad) = non_finite(&root) {
        return Err(format!(
            "error converting YAML to JSON: json: unsupported value: {bad}"
        ));
    }
    Ok(Value::from_json(&json))
}

/// A `.inf`/`.nan` scalar, which encoding/json refuses to write.
fn non_finite(node: &crate::yaml::Node) -> Option<&'static str> {
    use crate::yaml::{NodeKind, Resolved};
    match &node.kind {
        NodeKind::Scalar(s) => match s.value {
            Resolved::Float(f) if f.is_nan() => Some("NaN"),
            Resolved::Float(f) if f.is_infinite() && f > 0.0 => Some("+Inf"),
            Resolved::Float(f) if f.is_infinite() => Some("-Inf"),
            _ => None,
        },
        NodeKind::Sequence(items) => items.iter().find_map(non_finite),
        NodeKind::Mapping(entries) => entries.iter().find_map(|e| non_finite(&e.value)),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{err, ok};
    use super::*;

    fn s(v: &str) -> Value {
        Value::from(v)
    }
    fn j(text: &str) -> Value {
        Value::from_json(&serde_json::from_str(text).expect("valid JSON in test"))
    }

    #[test]
    fn base64_cases() {
        assert_eq!(
            ok("base64_encode", &[s("Hello, world!")]),
            s("SGVsbG8sIHdvcmxkIQ==")
        );
        assert_eq!(ok("base64_encode", &[s("")]), s(""));
        assert_eq!(ok("base64_encode", &[s("é")]), s("w6k="));
        assert_eq!(
            ok("base64_decode", &[s("SGVsbG8sIHdvcmxkIQ==")]),
            s("Hello, world!")
        );
        assert_eq!(ok("base64_decode", &[s("Rm9vQmFy")]), s("FooBar"));
        assert_eq!(ok("base64_decode", &[s("")]), s(""));
        // Line breaks are ignored, as by Go.
        assert_eq!(ok("base64_decode", &[s("Rm9v\nQmFy\r\n")]), s("FooBar"));
        // Non-zero trailing bits are tolerated by StdEncoding.
        assert_eq!(ok("base64_decode", &[s("QR==")]), s("A"));
        // Invalid UTF-8 comes out as replacement characters.
        assert_eq!(ok("base64_decode", &[s("/w==")]), s("\u{FFFD}"));
    }

    #[test]
    fn base64_errors() {
        assert_eq!(
            err("base64_decode", &[s("SGVsbG8")]),
            "illegal base64 data at input byte 4"
        );
        assert_eq!(
            err("base64_decode", &[s("SGVsbG8sIHdvcmxkIQ")]),
            "illegal base64 data at input byte 16"
        );
        assert_eq!(
            err("base64_decode", &[s("SGV-bG8=")]),
            "illegal base64 data at input byte 3"
        );
        assert_eq!(
            err("base64_decode", &[s("SGVs_G8=")]),
            "illegal base64 data at input byte 4"
        );
        assert_eq!(
            err("base64_decode", &[s("S===")]),
            "illegal base64 data at input byte 1"
        );
        assert_eq!(
            err("base64_decode", &[s("SG=")]),
            "illegal base64 data at input byte 3"
        );
        assert_eq!(
            err("base64_decode", &[s("SG==x")]),
            "illegal base64 data at input byte 4"
        );
        assert_eq!(
            err("base64_decode", &[s("SG=x")]),
            "illegal base64 data at input byte 2"
        );
        assert_eq!(
            err("base64_decode", &[s("a")]),
            "illegal base64 data at input byte 0"
        );
    }

    #[test]
    fn more_digests_and_encodings() {
        let fox = s("The quick brown fox jumps over the lazy dog");
        assert_eq!(
            ok("md5", std::slice::from_ref(&fox)),
            s("9e107d9d372bb6826bd81d3542a419d6")
        );
        assert_eq!(
            ok("sha1", std::slice::from_ref(&fox)),
            s("2fd4e1c67a2d28fced849ee1bb76e7391b93eb12")
        );
        assert_eq!(
            ok("sha256", &[fox]),
            s("d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592")
        );
        // Digests are over UTF-8 bytes, in lowercase hex.
        assert_eq!(ok("md5", &[s("é")]), s("66ddcd97cfdeabb2f6fb8a999b4bc76f"));
        assert_eq!(
            ok("sha1", &[s("é")]),
            s("bf15be717ac1b080b4f1c456692825891ff5073d")
        );
        assert_eq!(
            ok("sha256", &[s("é")]),
            s("4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c")
        );
        assert_eq!(ok("base64_encode", &[s("ab")]), s("YWI="));
        assert_eq!(ok("base64_encode", &[s("abc")]), s("YWJj"));
        assert_eq!(ok("base64_encode", &[s("\u{0}")]), s("AA=="));
        let round_trip = ok("base64_encode", &[s("line1\nline2 ✓")]);
        assert_eq!(ok("base64_decode", &[round_trip]), s("line1\nline2 ✓"));
    }

    #[test]
    fn digests() {
        assert_eq!(
            ok(
                "sha256",
                &[s("alertmanager-kube-prometheus-stack-alertmanager")]
            ),
            s("75c07bb807f2d80a85d34880b8af0c5f29f7c27577076ed5d0e4b427dee7dbcc")
        );
        assert_eq!(
            ok("sha256", &[s("")]),
            s("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        );
        assert_eq!(
            ok("sha1", &[s("")]),
            s("da39a3ee5e6b4b0d3255bfef95601890afd80709")
        );
        assert_eq!(
            ok("sha1", &[s("abc")]),
            s("a9993e364706816aba3e25717850c26c9cd0d89d")
        );
        assert_eq!(ok("md5", &[s("")]), s("d41d8cd98f00b204e9800998ecf8427e"));
        assert_eq!(
            ok("md5", &[s("abc")]),
            s("900150983cd24fb0d6963f7d28e17f72")
        );
        assert_eq!(
            ok("sha256", &[s("abc")]),
            s("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        );
    }

    #[test]
    fn parse_json_round_trips() {
        // Kyverno's Test_ParseJsonSerde inputs parse to the same JSON.
        for text in [
            r#"{"a":"b"}"#,
            "true",
            r#"[1,2,3,{"a":"b"}]"#,
            "null",
            "[]",
            "{}",
            "0",
            "1.2",
            r#"[1.2,true,{"a":{"a":"b"}}]"#,
        ] {
            assert_eq!(ok("parse_json", &[s(text)]), j(text), "{text}");
        }
        assert_eq!(
            ok("parse_json", &[s(r#"{"a": [1, 2, 3, 4]}"#)]),
            j(r#"{"a": [1, 2, 3, 4]}"#)
        );
        assert_eq!(
            ok("parse_json", &[s(" {\"a\":1,\"a\":2} ")]),
            j(r#"{"a":2}"#)
        );
        assert_eq!(ok("parse_json", &[s(r#""\ud800x""#)]), s("\u{FFFD}x"));
    }

    #[test]
    fn parse_json_errors() {
        assert_eq!(err("parse_json", &[s("")]), "unexpected end of JSON input");
        assert_eq!(err("parse_json", &[s("{")]), "unexpected end of JSON input");
        assert_eq!(
            err("parse_json", &[s("x")]),
            "invalid character 'x' looking for beginning of value"
        );
        assert_eq!(
            err("parse_json", &[s("{\"a\" 1}")]),
            "invalid character '1' after object key"
        );
        assert_eq!(
            err("parse_json", &[s("[1 2]")]),
            "invalid character '2' after array element"
        );
        assert_eq!(
            err("parse_json", &[s("{1:2}")]),
            "invalid character '1' looking for beginning of object key string"
        );
        assert_eq!(
            err("parse_json", &[s("1 2")]),
            "invalid character '2' after top-level value"
        );
        assert_eq!(
            err("parse_json", &[s("tru")]),
            "unexpected end of JSON input"
        );
        assert_eq!(
            err("parse_json", &[s("trux")]),
            "invalid character 'x' in literal true (expecting 'e')"
        );
        assert_eq!(
            err("parse_json", &[s("01")]),
            "invalid character '1' after top-level value"
        );
        assert_eq!(
            err("parse_json", &[s("1e400")]),
            "json: cannot unmarshal number 1e400 into Go value of type float64"
        );
        assert_eq!(
            err("parse_json", &[s("'a'")]),
            "invalid character '\\'' looking for beginning of value"
        );
    }

    /// Kyverno's case of a folded scalar ending the input without a line break: go-yaml
    /// keeps no final newline ("clip" at end of input), saphyr-parser (under crate::yaml)
    /// adds one. Ignored until crate::yaml follows the YAML spec here.
    #[test]
    #[ignore = "crate::yaml (saphyr-parser) adds a final line break to a block scalar at end of input"]
    fn parse_yaml_folded_at_end_of_input() {
        assert_eq!(
            ok(
                "parse_yaml",
                &[s(
                    "\nbar: >\n  this is not a normal string it\n  spans more than\n  one line\n  see?"
                )]
            ),
            j(r#"{"bar": "this is not a normal string it spans more than one line see?"}"#)
        );
    }

    #[test]
    fn parse_yaml_cases() {
        assert_eq!(ok("parse_yaml", &[s("a: b")]), j(r#"{"a": "b"}"#));
        assert_eq!(
            ok("parse_yaml", &[s("\n- 1\n- 2\n- 3\n- a: b")]),
            j(r#"[1, 2, 3, {"a": "b"}]"#)
        );
        assert_eq!(
            ok(
                "parse_yaml",
                &[s("\nspec:\n  test: 1\n  test2:\n    - 2\n    - 3\n")]
            ),
            j(r#"{"spec": {"test": 1, "test2": [2, 3]}}"#)
        );
        assert_eq!(
            ok("parse_yaml", &[s("bar: >\n  folded\n  text\n")]),
            j(r#"{"bar": "folded text\n"}"#)
        );
        assert_eq!(
            ok("parse_yaml", &[s("\n---\nfoo: ~\nbar: null\n")]),
            j(r#"{"bar": null, "foo": null}"#)
        );
        // YAML 1.1, as Kubernetes reads it.
        assert_eq!(
            ok("parse_yaml", &[s("a: yes\nb: 0777\nc: 1_000")]),
            j(r#"{"a": true, "b": 511, "c": 1000}"#)
        );
        assert_eq!(ok("parse_yaml", &[s("")]), Value::Null);
        assert_eq!(ok("parse_yaml", &[s("a: 1\na: 2")]), j(r#"{"a": 2}"#));
        assert_eq!(
            ok("parse_yaml", &[s("1: one\ntrue: yes")]),
            j(r#"{"1": "one", "true": true}"#)
        );
        assert_eq!(
            ok("parse_yaml", &[s("date: 2001-12-14")]),
            j(r#"{"date": "2001-12-14"}"#)
        );
        assert_eq!(ok("parse_yaml", &[s("a: 1\n---\nb: 2")]), j(r#"{"a": 1}"#));
        assert!(err("parse_yaml", &[s("a: [1")]).starts_with("error converting YAML to JSON"));
        assert!(err("parse_yaml", &[s("a: .inf")]).contains("unsupported value: +Inf"));
    }
}
