//! Tokens of CEL text, each with its byte span. String and bytes literals are decoded here
//! (escapes, raw and triple-quoted forms), so the parser sees their values.

use crate::diag::Span;

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// An int literal's magnitude: the sign is a separate `-`, and `-9223372036854775808`
    /// only fits once the parser has seen both.
    Int(u64),
    Uint(u64),
    Double(f64),
    String(String),
    Bytes(Vec<u8>),
    Ident(String),
    /// A backquoted field name: `` a.`b-c` ``.
    QuotedIdent(String),
    True,
    False,
    Null,
    In,
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    Dot,
    Comma,
    Colon,
    Question,
    Not,
    Minus,
    Plus,
    Star,
    Slash,
    Percent,
    EqEq,
    NotEq,
    Lt,
    Le,
    Gt,
    Ge,
    AndAnd,
    OrOr,
    Eof,
}

impl Tok {
    /// How a message names the token.
    pub fn describe(&self) -> String {
        match self {
            Tok::Int(n) => n.to_string(),
            Tok::Uint(n) => format!("{n}u"),
            Tok::Double(d) => d.to_string(),
            Tok::String(_) => "string literal".into(),
            Tok::Bytes(_) => "bytes literal".into(),
            Tok::Ident(s) => format!("'{s}'"),
            Tok::QuotedIdent(s) => format!("'`{s}`'"),
            Tok::Eof => "end of expression".into(),
            other => format!("'{}'", other.symbol()),
        }
    }

    fn symbol(&self) -> &'static str {
        match self {
            Tok::True => "true",
            Tok::False => "false",
            Tok::Null => "null",
            Tok::In => "in",
            Tok::LParen => "(",
            Tok::RParen => ")",
            Tok::LBracket => "[",
            Tok::RBracket => "]",
            Tok::LBrace => "{",
            Tok::RBrace => "}",
            Tok::Dot => ".",
            Tok::Comma => ",",
            Tok::Colon => ":",
            Tok::Question => "?",
            Tok::Not => "!",
            Tok::Minus => "-",
            Tok::Plus => "+",
            Tok::Star => "*",
            Tok::Slash => "/",
            Tok::Percent => "%",
            Tok::EqEq => "==",
            Tok::NotEq => "!=",
            Tok::Lt => "<",
            Tok::Le => "<=",
            Tok::Gt => ">",
            Tok::Ge => ">=",
            Tok::AndAnd => "&&",
            Tok::OrOr => "||",
            _ => "",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub tok: Tok,
    pub span: Span,
}

/// Words CEL reserves: not usable as identifiers, though usable as field names after a dot.
pub const RESERVED: &[&str] = &[
    "as",
    "break",
    "const",
    "continue",
    "else",
    "for",
    "function",
    "if",
    "import",
    "let",
    "loop",
    "package",
    "namespace",
    "return",
    "var",
    "void",
    "while",
];

/// Splits `src` into tokens, ending with `Eof`. Bad characters and malformed literals become
/// errors (span, message) and are skipped, so the parser still sees the rest.
pub fn tokenize(src: &str) -> (Vec<Token>, Vec<(Span, String)>) {
    let mut lx = Lexer {
        src,
        bytes: src.as_bytes(),
        pos: 0,
        tokens: Vec::new(),
        errors: Vec::new(),
    };
    lx.run();
    let end = src.len();
    lx.tokens.push(Token {
        tok: Tok::Eof,
        span: end..end,
    });
    (lx.tokens, lx.errors)
}

struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    tokens: Vec<Token>,
    errors: Vec<(Span, String)>,
}

impl Lexer<'_> {
    fn peek(&self, off: usize) -> u8 {
        self.bytes.get(self.pos + off).copied().unwrap_or(0)
    }

    fn push(&mut self, tok: Tok, start: usize) {
        self.tokens.push(Token {
            tok,
            span: start..self.pos,
        });
    }

    fn error(&mut self, span: Span, msg: impl Into<String>) {
        // An escape may stop inside a multi-byte character: spans stay on char boundaries.
        let snap = |mut p: usize| {
            while p < self.src.len() && !self.src.is_char_boundary(p) {
                p += 1;
            }
            p.min(self.src.len())
        };
        let span = snap(span.start)..snap(span.end);
        if self.errors.len() < super::limits::MAX_ERRORS {
            self.errors.push((span, msg.into()));
        }
    }

    fn run(&mut self) {
        while self.pos < self.bytes.len() {
            let start = self.pos;
            let c = self.bytes[self.pos];
            match c {
                b' ' | b'\t' | b'\n' | b'\r' | 0x0c => self.pos += 1,
                b'/' if self.peek(1) == b'/' => {
                    while self.pos < self.bytes.len() && self.bytes[self.pos] != b'\n' {
                        self.pos += 1;
                    }
                }
                b'0'..=b'9' => self.number(),
                b'.' if self.peek(1).is_ascii_digit() => self.number(),
                b'\'' | b'"' => self.string(start, false, false),
                b'r' | b'R' | b'b' | b'B' if self.string_prefix().is_some() => {
                    let (raw, bytes, len) = self.string_prefix().unwrap_or((false, false, 0));
                    self.pos += len;
                    self.string(start, raw, bytes);
                }
                b'_' | b'a'..=b'z' | b'A'..=b'Z' => {
                    while self.pos < self.bytes.len()
                        && (self.bytes[self.pos] == b'_'
                            || self.bytes[self.pos].is_ascii_alphanumeric())
                    {
                        self.pos += 1;
                    }
                    let word = &self.src[start..self.pos];
                    let tok = match word {
                        "true" => Tok::True,
                        "false" => Tok::False,
                        "null" => Tok::Null,
                        "in" => Tok::In,
                        w => Tok::Ident(w.to_string()),
                    };
                    self.push(tok, start);
                }
                b'`' => {
                    self.pos += 1;
                    let body = self.pos;
                    while self.pos < self.bytes.len()
                        && !matches!(self.bytes[self.pos], b'`' | b'\n')
                    {
                        self.pos += 1;
                    }
                    if self.peek(0) != b'`' {
                        self.error(start..self.pos, "unterminated quoted identifier");
                        continue;
                    }
                    let name = self.src[body..self.pos].to_string();
                    self.pos += 1;
                    let valid = !name.is_empty()
                        && name.bytes().all(|b| {
                            b.is_ascii_alphanumeric()
                                || matches!(b, b'_' | b'.' | b'-' | b'/' | b' ')
                        });
                    if valid {
                        self.push(Tok::QuotedIdent(name), start);
                    } else {
                        self.error(
                            start..self.pos,
                            format!("invalid quoted identifier `{name}`"),
                        );
                    }
                }
                _ => {
                    let (tok, len) = match (c, self.peek(1)) {
                        (b'=', b'=') => (Tok::EqEq, 2),
                        (b'!', b'=') => (Tok::NotEq, 2),
                        (b'<', b'=') => (Tok::Le, 2),
                        (b'>', b'=') => (Tok::Ge, 2),
                        (b'&', b'&') => (Tok::AndAnd, 2),
                        (b'|', b'|') => (Tok::OrOr, 2),
                        (b'(', _) => (Tok::LParen, 1),
                        (b')', _) => (Tok::RParen, 1),
                        (b'[', _) => (Tok::LBracket, 1),
                        (b']', _) => (Tok::RBracket, 1),
                        (b'{', _) => (Tok::LBrace, 1),
                        (b'}', _) => (Tok::RBrace, 1),
                        (b'.', _) => (Tok::Dot, 1),
                        (b',', _) => (Tok::Comma, 1),
                        (b':', _) => (Tok::Colon, 1),
                        (b'?', _) => (Tok::Question, 1),
                        (b'!', _) => (Tok::Not, 1),
                        (b'-', _) => (Tok::Minus, 1),
                        (b'+', _) => (Tok::Plus, 1),
                        (b'*', _) => (Tok::Star, 1),
                        (b'/', _) => (Tok::Slash, 1),
                        (b'%', _) => (Tok::Percent, 1),
                        (b'<', _) => (Tok::Lt, 1),
                        (b'>', _) => (Tok::Gt, 1),
                        _ => {
                            let ch = self.src[start..].chars().next().unwrap_or('\0');
                            self.pos += ch.len_utf8().max(1);
                            self.error(
                                start..self.pos,
                                format!("token recognition error at: '{ch}'"),
                            );
                            continue;
                        }
                    };
                    self.pos += len;
                    self.push(tok, start);
                }
            }
        }
    }

    /// `(raw, bytes, prefix length)` when a string prefix (`r`, `b`, `rb`, `br`, any case)
    /// is directly followed by a quote.
    fn string_prefix(&self) -> Option<(bool, bool, usize)> {
        let a = self.peek(0).to_ascii_lowercase();
        let b = self.peek(1).to_ascii_lowercase();
        let quote = |c: u8| c == b'\'' || c == b'"';
        match (a, b) {
            (b'r', b'b') | (b'b', b'r') if quote(self.peek(2)) => Some((true, true, 2)),
            (b'r', _) if quote(self.peek(1)) => Some((true, false, 1)),
            (b'b', _) if quote(self.peek(1)) => Some((false, true, 1)),
            _ => None,
        }
    }

    fn number(&mut self) {
        let start = self.pos;
        let b = self.bytes;
        if b[self.pos] == b'0'
            && matches!(self.peek(1), b'x' | b'X')
            && self.peek(2).is_ascii_hexdigit()
        {
            self.pos += 2;
            let digits = self.pos;
            while self.pos < b.len() && b[self.pos].is_ascii_hexdigit() {
                self.pos += 1;
            }
            let text = &self.src[digits..self.pos];
            let value = u64::from_str_radix(text, 16);
            self.int_suffix(start, value.ok());
            return;
        }
        while self.pos < b.len() && b[self.pos].is_ascii_digit() {
            self.pos += 1;
        }
        let mut float = false;
        if self.peek(0) == b'.' && self.peek(1).is_ascii_digit() {
            float = true;
            self.pos += 1;
            while self.pos < b.len() && b[self.pos].is_ascii_digit() {
                self.pos += 1;
            }
        }
        if matches!(self.peek(0), b'e' | b'E') {
            let sign = usize::from(matches!(self.peek(1), b'+' | b'-'));
            if self.peek(1 + sign).is_ascii_digit() {
                float = true;
                self.pos += 1 + sign;
                while self.pos < b.len() && b[self.pos].is_ascii_digit() {
                    self.pos += 1;
                }
            }
        }
        let text = &self.src[start..self.pos];
        if float {
            match text.parse::<f64>() {
                Ok(d) => self.push(Tok::Double(d), start),
                Err(_) => self.error(start..self.pos, format!("invalid double literal: {text}")),
            }
        } else {
            self.int_suffix(start, text.parse::<u64>().ok());
        }
    }

    fn int_suffix(&mut self, start: usize, value: Option<u64>) {
        let unsigned = matches!(self.peek(0), b'u' | b'U');
        if unsigned {
            self.pos += 1;
        }
        let text = self.src[start..self.pos].to_string();
        match value {
            Some(v) if unsigned => self.push(Tok::Uint(v), start),
            Some(v) => self.push(Tok::Int(v), start),
            None if unsigned => {
                self.error(start..self.pos, format!("invalid uint literal: {text}"))
            }
            None => self.error(start..self.pos, format!("invalid int literal: {text}")),
        }
    }

    /// A string or bytes literal from its opening quote (`self.pos`); `start` is where its
    /// prefix began.
    fn string(&mut self, start: usize, raw: bool, bytes: bool) {
        let q = self.bytes[self.pos];
        let triple = self.peek(1) == q && self.peek(2) == q;
        self.pos += if triple { 3 } else { 1 };
        let mut out: Vec<u8> = Vec::new();
        loop {
            if self.pos >= self.bytes.len() {
                self.error(start..self.pos, "unterminated string literal");
                return;
            }
            let c = self.bytes[self.pos];
            if c == q && (!triple || (self.peek(1) == q && self.peek(2) == q)) {
                self.pos += if triple { 3 } else { 1 };
                break;
            }
            if !triple && (c == b'\n' || c == b'\r') {
                self.error(
                    start..self.pos,
                    "unterminated string literal (a newline needs a triple-quoted string)",
                );
                return;
            }
            // In a raw string a backslash is a character like any other, and the next quote
            // ends it (cel-go's grammar; `r'\'` is one backslash).
            if c == b'\\' && !raw {
                let esc_start = self.pos;
                if let Err(msg) = self.escape(bytes, &mut out) {
                    self.error(
                        esc_start..self.pos.max(esc_start + 1).min(self.bytes.len()),
                        msg,
                    );
                    // Skip to the end of the literal so the rest does not cascade.
                    while self.pos < self.bytes.len() && self.bytes[self.pos] != q {
                        self.pos += 1;
                    }
                    self.pos = (self.pos + if triple { 3 } else { 1 }).min(self.bytes.len());
                    return;
                }
                continue;
            }
            out.push(c);
            self.pos += 1;
        }
        if bytes {
            self.push(Tok::Bytes(out), start);
        } else {
            match String::from_utf8(out) {
                Ok(s) => self.push(Tok::String(s), start),
                Err(_) => self.error(start..self.pos, "string literal is not valid UTF-8"),
            }
        }
    }

    /// One escape sequence at `self.pos` (the backslash), appended to `out`: as raw bytes in a
    /// bytes literal for `\x` and octal, as UTF-8 otherwise.
    fn escape(&mut self, bytes: bool, out: &mut Vec<u8>) -> Result<(), String> {
        self.pos += 1;
        let c = self.peek(0);
        self.pos += 1;
        let simple = match c {
            b'a' => Some(0x07),
            b'b' => Some(0x08),
            b'f' => Some(0x0c),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            b'v' => Some(0x0b),
            b'\\' | b'\'' | b'"' | b'`' | b'?' => Some(c),
            _ => None,
        };
        if let Some(b) = simple {
            out.push(b);
            return Ok(());
        }
        let (digits, radix) = match c {
            b'x' | b'X' => (2, 16),
            b'u' => (4, 16),
            b'U' => (8, 16),
            b'0'..=b'3' => {
                self.pos -= 1;
                (3, 8)
            }
            0 => return Err("unterminated escape sequence".into()),
            other => return Err(format!("invalid escape sequence '\\{}'", other as char)),
        };
        let end = self.pos + digits;
        let text = self
            .src
            .get(self.pos..end)
            .ok_or("incomplete escape sequence")?;
        let value = u32::from_str_radix(text, radix)
            .ok()
            .filter(|_| text.bytes().all(|b| (b as char).is_digit(radix)))
            .ok_or_else(|| {
                format!(
                    "invalid escape sequence '\\{}{text}'",
                    if radix == 8 { "" } else { "x" }
                )
            })?;
        self.pos = end;
        let byte_escape = matches!(c, b'x' | b'X' | b'0'..=b'3');
        if bytes && byte_escape {
            out.push(value as u8);
            return Ok(());
        }
        let ch = char::from_u32(value)
            .ok_or_else(|| format!("invalid code point in escape: {value:#x}"))?;
        let mut buf = [0u8; 4];
        out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str) -> Vec<Tok> {
        let (t, e) = tokenize(src);
        assert!(e.is_empty(), "{e:?}");
        t.into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn numbers() {
        assert_eq!(
            toks("1 2u 0x1F 0XaU 1.5 .5 1e3 2.5E-1"),
            vec![
                Tok::Int(1),
                Tok::Uint(2),
                Tok::Int(31),
                Tok::Uint(10),
                Tok::Double(1.5),
                Tok::Double(0.5),
                Tok::Double(1000.0),
                Tok::Double(0.25),
                Tok::Eof
            ]
        );
        let (_, e) = tokenize("18446744073709551616");
        assert_eq!(
            e,
            vec![(
                0..20,
                "invalid int literal: 18446744073709551616".to_string()
            )]
        );
    }

    #[test]
    fn strings_and_escapes() {
        assert_eq!(
            toks(r#"'a\n\x41\101\u00e9\U0001F600' r'\n' b'\xff\u00ff' """x"y""" '''a'b'''"#),
            vec![
                Tok::String("a\nAAé😀".into()),
                Tok::String("\\n".into()),
                Tok::Bytes(vec![0xff, 0xc3, 0xbf]),
                Tok::String("x\"y".into()),
                Tok::String("a'b".into()),
                Tok::Eof
            ]
        );
        let (_, e) = tokenize("'a\nb'");
        assert_eq!(e.len(), 2);
        let (_, e) = tokenize(r"'\ud800'");
        assert_eq!(e[0].1, "invalid code point in escape: 0xd800");
    }

    #[test]
    fn a_backslash_in_a_raw_string_escapes_nothing() {
        assert_eq!(
            toks(r#"r'\' R"a\" rb'\x41' r"""\""""#),
            vec![
                Tok::String("\\".into()),
                Tok::String("a\\".into()),
                Tok::Bytes(b"\\x41".to_vec()),
                Tok::String("\\".into()),
                Tok::Eof
            ]
        );
        // The quote after the backslash ends the string: the next one opens `' == '`, and the
        // last quote is left open.
        let (_, e) = tokenize(r"r'\'' == 'x'");
        assert_eq!(e, vec![(11..12, "unterminated string literal".to_string())]);
    }

    #[test]
    fn spans_are_exact() {
        let (t, _) = tokenize("a.?b // c\n  >= 'x'");
        let spans: Vec<_> = t.iter().map(|t| t.span.clone()).collect();
        assert_eq!(spans, vec![0..1, 1..2, 2..3, 3..4, 12..14, 15..18, 18..18]);
    }
}
