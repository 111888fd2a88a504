//! Go's `json.Unmarshal` into `interface{}`: the same grammar, the same error messages
//! ("invalid character 'x' looking for beginning of value", "unexpected end of JSON input"),
//! numbers as float64 (out of range is an error), lone surrogate escapes as U+FFFD, the last
//! of duplicate keys wins. Iterative, so deep nesting costs no stack; Go's depth limit applies.

use crate::jmespath::value::{Map, Value};

const EOF: &str = "unexpected end of JSON input";
const MAX_DEPTH: usize = crate::limits::MAX_JSON_DEPTH;

/// Go's `quoteChar` for a byte of the input.
fn quote_char(c: u8) -> String {
    match c {
        b'\'' => "'\\''".into(),
        b'"' => "'\"'".into(),
        b'\\' => "'\\\\'".into(),
        0x07 => "'\\a'".into(),
        0x08 => "'\\b'".into(),
        0x0c => "'\\f'".into(),
        b'\n' => "'\\n'".into(),
        b'\r' => "'\\r'".into(),
        b'\t' => "'\\t'".into(),
        0x0b => "'\\v'".into(),
        c if c < 0x20 || c == 0x7f => format!("'\\x{c:02x}'"),
        c if (0x80..=0xa0).contains(&c) || c == 0xad => format!("'\\u{c:04x}'"),
        c => format!("'{}'", char::from(c)),
    }
}

fn invalid(c: u8, context: &str) -> String {
    format!("invalid character {} {context}", quote_char(c))
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
    /// The first number that does not fit a float64 (reported after a clean syntax check).
    number_error: Option<String>,
}

enum Frame {
    Array(Vec<Value>),
    Object(Map, String),
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\r' | b'\n') = self.peek() {
            self.i += 1;
        }
    }

    fn literal(&mut self, word: &str) -> Result<(), String> {
        let w = word.as_bytes();
        self.i += 1;
        for &expected in &w[1..] {
            match self.peek() {
                None => return Err(EOF.into()),
                Some(c) if c == expected => self.i += 1,
                Some(c) => {
                    return Err(invalid(
                        c,
                        &format!("in literal {word} (expecting '{}')", expected as char),
                    ));
                }
            }
        }
        Ok(())
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.i += 1;
        }
    }

    fn number(&mut self) -> Result<Value, String> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            None => return Err(EOF.into()),
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => self.digits(),
            Some(c) => return Err(invalid(c, "in numeric literal")),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            match self.peek() {
                None => return Err(EOF.into()),
                Some(b'0'..=b'9') => self.digits(),
                Some(c) => return Err(invalid(c, "after decimal point in numeric literal")),
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            match self.peek() {
                None => return Err(EOF.into()),
                Some(b'0'..=b'9') => self.digits(),
                Some(c) => return Err(invalid(c, "in exponent of numeric literal")),
            }
        }
        let text = std::str::from_utf8(&self.b[start..self.i]).unwrap_or("0");
        let f: f64 = text.parse().unwrap_or(f64::INFINITY);
        if f.is_infinite() {
            if self.number_error.is_none() {
                self.number_error = Some(format!(
                    "json: cannot unmarshal number {text} into Go value of type float64"
                ));
            }
            return Ok(Value::Null);
        }
        Ok(Value::Number(f))
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let mut v = 0u32;
        for _ in 0..4 {
            let Some(c) = self.peek() else {
                return Err(EOF.into());
            };
            let d = (c as char)
                .to_digit(16)
                .ok_or_else(|| invalid(c, "in \\u hexadecimal character escape"))?;
            v = v * 16 + d;
            self.i += 1;
        }
        Ok(v)
    }

    fn string(&mut self) -> Result<String, String> {
        self.i += 1; // opening quote
        let mut out: Vec<u8> = Vec::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(EOF.into());
            };
            match c {
                b'"' => {
                    self.i += 1;
                    break;
                }
                b'\\' => {
                    self.i += 1;
                    let Some(e) = self.peek() else {
                        return Err(EOF.into());
                    };
                    self.i += 1;
                    let simple = match e {
                        b'"' => Some(b'"'),
                        b'\\' => Some(b'\\'),
                        b'/' => Some(b'/'),
                        b'b' => Some(0x08),
                        b'f' => Some(0x0c),
                        b'n' => Some(b'\n'),
                        b'r' => Some(b'\r'),
                        b't' => Some(b'\t'),
                        b'u' => None,
                        _ => return Err(invalid(e, "in string escape code")),
                    };
                    if let Some(byte) = simple {
                        out.push(byte);
                        continue;
                    }
                    let mut r = self.hex4()?;
                    if (0xD800..0xDC00).contains(&r) {
                        // A high surrogate: combine with a following \uDC00-\uDFFF escape.
                        let save = self.i;
                        let mut combined = None;
                        if self.b.get(self.i..self.i + 2) == Some(b"\\u") {
                            self.i += 2;
                            match self.hex4() {
                                Ok(lo) if (0xDC00..0xE000).contains(&lo) => {
                                    combined = Some(0x10000 + ((r - 0xD800) << 10) + (lo - 0xDC00));
                                }
                                Ok(_) => {}
                                Err(e) => return Err(e),
                            }
                            if combined.is_none() {
                                self.i = save;
                            }
                        }
                        r = combined.unwrap_or(0xFFFD);
                    } else if (0xDC00..0xE000).contains(&r) {
                        r = 0xFFFD;
                    }
                    let ch = char::from_u32(r).unwrap_or('\u{FFFD}');
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                c if c < 0x20 => return Err(invalid(c, "in string literal")),
                c => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
        Ok(String::from_utf8(out)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
    }

    /// After `{` or `,` in an object: a key string and its colon.
    fn key(&mut self) -> Result<String, String> {
        self.skip_ws();
        match self.peek() {
            None => Err(EOF.into()),
            Some(b'"') => {
                let k = self.string()?;
                self.skip_ws();
                match self.peek() {
                    None => Err(EOF.into()),
                    Some(b':') => {
                        self.i += 1;
                        Ok(k)
                    }
                    Some(c) => Err(invalid(c, "after object key")),
                }
            }
            Some(c) => Err(invalid(c, "looking for beginning of object key string")),
        }
    }
}

/// Parses JSON text as Go's `json.Unmarshal(data, &interface{})` does.
pub fn parse(text: &str) -> Result<Value, String> {
    let mut p = Parser {
        b: text.as_bytes(),
        i: 0,
        number_error: None,
    };
    let mut stack: Vec<Frame> = Vec::new();
    'value: loop {
        p.skip_ws();
        let Some(c) = p.peek() else {
            return Err(EOF.into());
        };
        let mut v = match c {
            b'{' | b'[' => {
                if stack.len() >= MAX_DEPTH {
                    return Err(invalid(c, "exceeded max depth"));
                }
                p.i += 1;
                p.skip_ws();
                let close = if c == b'{' { b'}' } else { b']' };
                match p.peek() {
                    None => return Err(EOF.into()),
                    Some(x) if x == close => {
                        p.i += 1;
                        if c == b'{' {
                            Value::object(Map::new())
                        } else {
                            Value::array(Vec::new())
                        }
                    }
                    Some(_) => {
                        if c == b'{' {
                            let k = p.key()?;
                            stack.push(Frame::Object(Map::new(), k));
                        } else {
                            stack.push(Frame::Array(Vec::new()));
                        }
                        continue 'value;
                    }
                }
            }
            b'"' => Value::from(p.string()?),
            b'-' | b'0'..=b'9' => p.number()?,
            b't' => {
                p.literal("true")?;
                Value::Bool(true)
            }
            b'f' => {
                p.literal("false")?;
                Value::Bool(false)
            }
            b'n' => {
                p.literal("null")?;
                Value::Null
            }
            c => return Err(invalid(c, "looking for beginning of value")),
        };
        // Attach the finished value to its parents, closing containers as they end.
        loop {
            match stack.last_mut() {
                None => {
                    p.skip_ws();
                    if let Some(c) = p.peek() {
                        return Err(invalid(c, "after top-level value"));
                    }
                    return match p.number_error {
                        Some(e) => Err(e),
                        None => Ok(v),
                    };
                }
                Some(Frame::Array(items)) => {
                    items.push(v);
                    p.skip_ws();
                    match p.peek() {
                        None => return Err(EOF.into()),
                        Some(b',') => {
                            p.i += 1;
                            continue 'value;
                        }
                        Some(b']') => {
                            p.i += 1;
                            let Some(Frame::Array(items)) = stack.pop() else {
                                unreachable!("top frame is an array")
                            };
                            v = Value::array(items);
                        }
                        Some(c) => return Err(invalid(c, "after array element")),
                    }
                }
                Some(Frame::Object(map, key)) => {
                    map.insert(std::mem::take(key), v);
                    p.skip_ws();
                    match p.peek() {
                        None => return Err(EOF.into()),
                        Some(b',') => {
                            p.i += 1;
                            let k = p.key()?;
                            if let Some(Frame::Object(_, key)) = stack.last_mut() {
                                *key = k;
                            }
                            continue 'value;
                        }
                        Some(b'}') => {
                            p.i += 1;
                            let Some(Frame::Object(map, _)) = stack.pop() else {
                                unreachable!("top frame is an object")
                            };
                            v = Value::object(map);
                        }
                        Some(c) => return Err(invalid(c, "after object key:value pair")),
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        assert_eq!(parse("1").unwrap(), Value::Number(1.0));
        assert_eq!(parse(" -0.5e1 ").unwrap(), Value::Number(-5.0));
        assert_eq!(
            parse(r#""a\nb\u00e9\ud83d\ude00""#).unwrap(),
            Value::from("a\nbé😀")
        );
        assert_eq!(parse(r#""\udc00""#).unwrap(), Value::from("\u{FFFD}"));
        assert_eq!(parse("1e-400").unwrap(), Value::Number(0.0));
        let deep = "[".repeat(5000) + &"]".repeat(5000);
        assert!(parse(&deep).is_ok());
    }

    #[test]
    fn errors() {
        assert_eq!(
            parse("[1,]").unwrap_err(),
            "invalid character ']' looking for beginning of value"
        );
        assert_eq!(
            parse(r#"{"a":1,}"#).unwrap_err(),
            "invalid character '}' looking for beginning of object key string"
        );
        assert_eq!(
            parse(r#"{"a":1 "b"}"#).unwrap_err(),
            "invalid character '\"' after object key:value pair"
        );
        assert_eq!(
            parse("-x").unwrap_err(),
            "invalid character 'x' in numeric literal"
        );
        assert_eq!(
            parse("1.x").unwrap_err(),
            "invalid character 'x' after decimal point in numeric literal"
        );
        assert_eq!(
            parse("1ex").unwrap_err(),
            "invalid character 'x' in exponent of numeric literal"
        );
        assert_eq!(
            parse("\"a\nb\"").unwrap_err(),
            "invalid character '\\n' in string literal"
        );
        assert_eq!(
            parse(r#""\x""#).unwrap_err(),
            "invalid character 'x' in string escape code"
        );
        assert_eq!(
            parse(r#""\u12g4""#).unwrap_err(),
            "invalid character 'g' in \\u hexadecimal character escape"
        );
        assert_eq!(parse("nul").unwrap_err(), EOF);
        assert_eq!(
            parse("é").unwrap_err(),
            "invalid character 'Ã' looking for beginning of value"
        );
        assert_eq!(
            parse("[1e999, x]").unwrap_err(),
            "invalid character 'x' looking for beginning of value"
        );
        let deep = "[".repeat(10_001);
        assert_eq!(
            parse(&deep).unwrap_err(),
            "invalid character '[' exceeded max depth"
        );
    }
}
