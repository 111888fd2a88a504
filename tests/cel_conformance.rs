//! Runs the CEL conformance suite (`../shared/cel-spec/testdata/*.textproto`) through our
//! parser and evaluator. What Kubernetes' CEL does not enable (protobuf messages, enums,
//! wrappers, unknowns…) and every test we still fail are listed, with reasons, in
//! `tests/cel-conformance-gaps.txt`; the test fails on an unlisted failure and on a listed
//! failure that now passes, so the list stays honest.
//!
//! The suite is textproto (cel-spec's `simple.proto` and `value.proto`); a small reader for
//! that format is below.

mod shared_data;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use kyverno_ls::cel::{self, Bindings, Env, Key, ParseOptions, Program, Value};

// ---------------------------------------------------------------------------------------
// A textproto reader: enough of the text format for the conformance files.

#[derive(Debug, Clone)]
enum Node {
    /// A quoted string (bytes: escapes may give any byte).
    Str(Vec<u8>),
    /// A number or an enum/identifier word.
    Word(String),
    Msg(Vec<(String, Node)>),
}

impl Node {
    fn fields<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        let items: &[(String, Node)] = match self {
            Node::Msg(m) => m,
            _ => &[],
        };
        items.iter().filter(move |(k, _)| k == name).map(|(_, v)| v)
    }

    fn field<'a>(&'a self, name: &'a str) -> Option<&'a Node> {
        self.fields(name).next()
    }

    fn str(&self, name: &str) -> String {
        match self.field(name) {
            Some(Node::Str(b)) => String::from_utf8_lossy(b).into_owned(),
            Some(Node::Word(w)) => w.clone(),
            _ => String::new(),
        }
    }

    fn flag(&self, name: &str) -> bool {
        matches!(self.field(name), Some(Node::Word(w)) if w == "true")
    }

    fn entries(&self) -> &[(String, Node)] {
        match self {
            Node::Msg(m) => m,
            _ => &[],
        }
    }
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn skip_ws(&mut self) {
        while self.pos < self.b.len() {
            match self.b[self.pos] {
                b' ' | b'\t' | b'\n' | b'\r' | b',' | b';' => self.pos += 1,
                b'#' => {
                    while self.pos < self.b.len() && self.b[self.pos] != b'\n' {
                        self.pos += 1;
                    }
                }
                _ => break,
            }
        }
    }

    fn peek(&mut self) -> u8 {
        self.skip_ws();
        self.b.get(self.pos).copied().unwrap_or(0)
    }

    fn message(&mut self, close: u8) -> Result<Vec<(String, Node)>, String> {
        let mut out = Vec::new();
        loop {
            let c = self.peek();
            if c == close {
                self.pos += 1;
                return Ok(out);
            }
            if c == 0 {
                return if close == 0 {
                    Ok(out)
                } else {
                    Err("unexpected end".into())
                };
            }
            let name = self.name()?;
            let c = self.peek();
            if c == b':' {
                self.pos += 1;
            }
            let c = self.peek();
            if c == b'[' {
                self.pos += 1;
                loop {
                    if self.peek() == b']' {
                        self.pos += 1;
                        break;
                    }
                    let v = self.value()?;
                    out.push((name.clone(), v));
                }
            } else {
                let v = self.value()?;
                out.push((name, v));
            }
        }
    }

    fn name(&mut self) -> Result<String, String> {
        self.skip_ws();
        let start = self.pos;
        if self.b.get(self.pos) == Some(&b'[') {
            while self.pos < self.b.len() && self.b[self.pos] != b']' {
                self.pos += 1;
            }
            self.pos += 1;
        } else {
            while self.pos < self.b.len()
                && (self.b[self.pos].is_ascii_alphanumeric() || self.b[self.pos] == b'_')
            {
                self.pos += 1;
            }
        }
        if start == self.pos {
            return Err(format!("expected a field name at {}", self.pos));
        }
        Ok(String::from_utf8_lossy(&self.b[start..self.pos]).into_owned())
    }

    fn value(&mut self) -> Result<Node, String> {
        match self.peek() {
            b'{' => {
                self.pos += 1;
                Ok(Node::Msg(self.message(b'}')?))
            }
            b'<' => {
                self.pos += 1;
                Ok(Node::Msg(self.message(b'>')?))
            }
            b'"' | b'\'' => {
                let mut out = Vec::new();
                while matches!(self.peek(), b'"' | b'\'') {
                    out.extend(self.string()?);
                }
                Ok(Node::Str(out))
            }
            _ => {
                let start = self.pos;
                while self.pos < self.b.len()
                    && (self.b[self.pos].is_ascii_alphanumeric()
                        || matches!(self.b[self.pos], b'_' | b'-' | b'+' | b'.'))
                {
                    self.pos += 1;
                }
                if start == self.pos {
                    return Err(format!("expected a value at {}", self.pos));
                }
                Ok(Node::Word(
                    String::from_utf8_lossy(&self.b[start..self.pos]).into_owned(),
                ))
            }
        }
    }

    fn string(&mut self) -> Result<Vec<u8>, String> {
        let q = self.b[self.pos];
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            let c = *self.b.get(self.pos).ok_or("unterminated string")?;
            self.pos += 1;
            if c == q {
                return Ok(out);
            }
            if c != b'\\' {
                out.push(c);
                continue;
            }
            let e = *self.b.get(self.pos).ok_or("bad escape")?;
            self.pos += 1;
            match e {
                b'n' => out.push(b'\n'),
                b't' => out.push(b'\t'),
                b'r' => out.push(b'\r'),
                b'a' => out.push(7),
                b'b' => out.push(8),
                b'f' => out.push(12),
                b'v' => out.push(11),
                b'x' => {
                    let mut n = 0u32;
                    let mut k = 0;
                    while k < 2 && self.pos < self.b.len() && self.b[self.pos].is_ascii_hexdigit() {
                        n = n * 16 + (self.b[self.pos] as char).to_digit(16).unwrap_or(0);
                        self.pos += 1;
                        k += 1;
                    }
                    out.push(n as u8);
                }
                b'0'..=b'7' => {
                    let mut n = (e - b'0') as u32;
                    let mut k = 1;
                    while k < 3
                        && self.pos < self.b.len()
                        && (b'0'..=b'7').contains(&self.b[self.pos])
                    {
                        n = n * 8 + (self.b[self.pos] - b'0') as u32;
                        self.pos += 1;
                        k += 1;
                    }
                    out.push(n as u8);
                }
                b'u' | b'U' => {
                    let len = if e == b'u' { 4 } else { 8 };
                    let hex = std::str::from_utf8(&self.b[self.pos..self.pos + len])
                        .map_err(|e| e.to_string())?;
                    let n = u32::from_str_radix(hex, 16).map_err(|e| e.to_string())?;
                    self.pos += len;
                    let ch = char::from_u32(n).ok_or("bad code point")?;
                    let mut buf = [0; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                other => out.push(other),
            }
        }
    }
}

fn read_textproto(text: &str) -> Result<Node, String> {
    let mut r = Reader {
        b: text.as_bytes(),
        pos: 0,
    };
    Ok(Node::Msg(r.message(0)?))
}

// ---------------------------------------------------------------------------------------
// cel-spec `Value` messages to our values.

fn number<T: std::str::FromStr>(n: &Node) -> Result<T, String> {
    match n {
        Node::Word(w) => w.parse::<T>().map_err(|_| format!("bad number {w}")),
        _ => Err("expected a number".into()),
    }
}

fn double(n: &Node) -> Result<f64, String> {
    match n {
        Node::Word(w) => match w.to_ascii_lowercase().as_str() {
            "inf" | "infinity" => Ok(f64::INFINITY),
            "-inf" | "-infinity" => Ok(f64::NEG_INFINITY),
            "nan" => Ok(f64::NAN),
            lw => lw
                .trim_end_matches('f')
                .parse::<f64>()
                .map_err(|_| format!("bad double {w}")),
        },
        _ => Err("expected a double".into()),
    }
}

fn to_value(n: &Node) -> Result<Value, String> {
    let Some((kind, v)) = n.entries().first() else {
        return Err("empty value".into());
    };
    Ok(match kind.as_str() {
        "null_value" => Value::Null,
        "bool_value" => Value::Bool(matches!(v, Node::Word(w) if w == "true")),
        "int64_value" => Value::Int(number(v)?),
        "uint64_value" => Value::Uint(number(v)?),
        "double_value" => Value::Double(double(v)?),
        "string_value" => match v {
            Node::Str(b) => Value::string(String::from_utf8(b.clone()).map_err(|e| e.to_string())?),
            _ => return Err("bad string".into()),
        },
        "bytes_value" => match v {
            Node::Str(b) => Value::Bytes(b.clone().into()),
            _ => return Err("bad bytes".into()),
        },
        "type_value" => match v {
            Node::Str(b) => Value::Type(String::from_utf8_lossy(b).as_ref().into()),
            _ => return Err("bad type".into()),
        },
        "list_value" => {
            let items: Result<Vec<_>, _> = v.fields("values").map(to_value).collect();
            Value::list(items?)
        }
        "map_value" => {
            let mut m = BTreeMap::new();
            for e in v.fields("entries") {
                let k = to_value(e.field("key").ok_or("entry without key")?)?;
                let val = to_value(e.field("value").ok_or("entry without value")?)?;
                m.insert(Key::from_value(&k).ok_or("bad key")?, val);
            }
            Value::map(m)
        }
        "object_value" => {
            let (ty, body) = v.entries().first().ok_or("empty object")?;
            let seconds = body
                .field("seconds")
                .map(number::<i64>)
                .transpose()?
                .unwrap_or(0);
            let nanos = body
                .field("nanos")
                .map(number::<i64>)
                .transpose()?
                .unwrap_or(0);
            match ty.as_str() {
                "[type.googleapis.com/google.protobuf.Duration]" => {
                    Value::Duration(seconds * 1_000_000_000 + nanos)
                }
                "[type.googleapis.com/google.protobuf.Timestamp]" => {
                    let t = chrono::DateTime::from_timestamp(seconds, nanos as u32)
                        .ok_or("bad timestamp")?;
                    Value::Timestamp(t)
                }
                other => return Err(format!("unsupported object {other}")),
            }
        }
        other => return Err(format!("unsupported value kind {other}")),
    })
}

// ---------------------------------------------------------------------------------------
// The gaps list.

#[derive(Default)]
struct Gaps {
    /// Files, sections or tests that Kubernetes' CEL does not enable: not applicable.
    skip: BTreeMap<String, String>,
    /// Applicable tests we fail, with why.
    fail: BTreeMap<String, String>,
}

fn read_gaps(text: &str) -> Gaps {
    let mut g = Gaps::default();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (head, reason) = line.split_once(": ").unwrap_or_else(|| {
            panic!("gaps line {}: expected 'skip|fail <path>: <reason>'", i + 1)
        });
        assert!(!reason.trim().is_empty(), "gaps line {}: no reason", i + 1);
        match head.split_once(' ') {
            Some(("skip", path)) => g.skip.insert(path.trim().to_string(), reason.to_string()),
            Some(("fail", path)) => g.fail.insert(path.trim().to_string(), reason.to_string()),
            _ => panic!("gaps line {}: expected 'skip' or 'fail'", i + 1),
        };
    }
    g
}

// ---------------------------------------------------------------------------------------
// Running a test.

enum Outcome {
    Pass,
    Fail(String),
}

fn run_test(t: &Node) -> Outcome {
    let expr = t.str("expr");
    let options = ParseOptions {
        macros: !t.flag("disable_macros"),
        ..ParseOptions::default()
    };
    let mut env = Env::fixed();
    env.cost_limit = None;
    env.or_value_compat = false;
    env.container = t.str("container");
    let mut bindings = Bindings::new();
    for b in t.fields("bindings") {
        let key = b.str("key");
        let Some(v) = b.field("value").and_then(|v| v.field("value")) else {
            return Outcome::Fail(format!("binding {key} is not a plain value"));
        };
        match to_value(v) {
            Ok(v) => {
                bindings.set(key, v);
            }
            Err(e) => return Outcome::Fail(format!("binding {key}: {e}")),
        }
    }
    let expected_error = t.field("eval_error").is_some() || t.field("any_eval_errors").is_some();
    let expected = if let Some(v) = t.field("value") {
        match to_value(v) {
            Ok(v) => Some(v),
            Err(e) => return Outcome::Fail(format!("expected value: {e}")),
        }
    } else if let Some(r) = t.field("typed_result").and_then(|r| r.field("result")) {
        match to_value(r) {
            Ok(v) => Some(v),
            Err(e) => return Outcome::Fail(format!("expected value: {e}")),
        }
    } else if expected_error {
        None
    } else if t.field("unknown").is_some() || t.field("any_unknowns").is_some() {
        return Outcome::Fail("unknowns are not supported".into());
    } else {
        Some(Value::Bool(true))
    };
    let (ast, errors) = cel::parse_with(&expr, options);
    let Some(ast) = ast else {
        return if expected_error {
            Outcome::Pass
        } else {
            Outcome::Fail(format!("syntax errors: {errors:?}"))
        };
    };
    // The static checks must not reject an expression that checks and evaluates to a value.
    if !expected_error && env.container.is_empty() && !t.flag("disable_check") {
        let mut declared: Vec<String> = t.fields("bindings").map(|b| b.str("key")).collect();
        declared.extend(t.fields("type_env").map(|d| d.str("name")));
        let roots: Vec<String> = declared
            .iter()
            .map(|d| d.split('.').next().unwrap_or("").to_string())
            .collect();
        let findings = cel::check::check(&ast, &|n| roots.iter().any(|r| r == n), &env);
        if !findings.is_empty() {
            return Outcome::Fail(format!("static checks reject it: {findings:?}"));
        }
    }
    let result = Program::new(ast).eval(&bindings, &env);
    match (result, expected) {
        (Err(_), None) => Outcome::Pass,
        (Ok(v), None) => Outcome::Fail(format!("expected an error, got {v}")),
        (Err(e), Some(x)) => Outcome::Fail(format!("expected {x}, got error: {}", e.message)),
        (Ok(v), Some(x)) if v == x => Outcome::Pass,
        (Ok(v), Some(x)) => Outcome::Fail(format!("expected {x}, got {v}")),
    }
}

#[test]
fn cel_spec_conformance() {
    let Some(dir) = shared_data::path("cel-spec/testdata", "the CEL conformance test") else {
        return;
    };
    let gaps_path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/cel-conformance-gaps.txt"
    );
    let gaps = read_gaps(&std::fs::read_to_string(gaps_path).expect("gaps file"));
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("testdata")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "textproto"))
        .collect();
    files.sort();
    let (mut applicable, mut passed) = (0usize, 0usize);
    let mut unlisted = Vec::new();
    let mut now_passing = Vec::new();
    let mut seen = BTreeSet::new();
    for path in files {
        let text = std::fs::read_to_string(&path).expect("textproto");
        let file = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("")
            .to_string();
        if gaps.skip.contains_key(&file) {
            seen.insert(file.clone());
            continue;
        }
        let doc = read_textproto(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        for section in doc.fields("section") {
            let sname = format!("{file}/{}", section.str("name"));
            if gaps.skip.contains_key(&sname) {
                seen.insert(sname);
                continue;
            }
            for test in section.fields("test") {
                let tname = format!("{sname}/{}", test.str("name"));
                if gaps.skip.contains_key(&tname) {
                    seen.insert(tname);
                    continue;
                }
                applicable += 1;
                let expr = test.str("expr");
                let outcome = std::thread::Builder::new()
                    .stack_size(2 << 20)
                    .spawn({
                        let test = test.clone();
                        move || run_test(&test)
                    })
                    .expect("thread")
                    .join()
                    .unwrap_or_else(|_| Outcome::Fail("panicked".into()));
                let listed = gaps.fail.contains_key(&tname);
                if listed {
                    seen.insert(tname.clone());
                }
                match outcome {
                    Outcome::Pass => {
                        passed += 1;
                        if listed {
                            now_passing.push(tname);
                        }
                    }
                    Outcome::Fail(why) if !listed => {
                        unlisted.push(format!("{tname}: {expr}\n    {why}"))
                    }
                    Outcome::Fail(_) => {}
                }
            }
        }
    }
    let stale: Vec<_> = gaps
        .skip
        .keys()
        .chain(gaps.fail.keys())
        .filter(|k| !seen.contains(*k))
        .collect();
    let pct = if applicable == 0 {
        0.0
    } else {
        passed as f64 * 100.0 / applicable as f64
    };
    println!("passed {passed} of {applicable} applicable ({pct:.1}%)");
    eprintln!("passed {passed} of {applicable} applicable ({pct:.1}%)");
    let _ = Arc::new(());
    assert!(
        unlisted.is_empty() && now_passing.is_empty() && stale.is_empty(),
        "{} unlisted failures:\n{}\n\n{} listed tests now pass:\n{}\n\n{} gap entries match nothing:\n{:?}",
        unlisted.len(),
        unlisted.join("\n"),
        now_passing.len(),
        now_passing.join("\n"),
        stale.len(),
        stale
    );
}
