//! Where each character of a scalar's value came from in the source.
//!
//! A JMESPath error at column 7 of a value must be shown at the right character even when the
//! value was double-quoted with escapes, single-quoted with `''`, folded over several lines or
//! written as an indented block. Each style is decoded again here with positions kept; if the
//! result ever disagrees with the parser's value (an exotic form this decoder does not know),
//! a coarse mapping is used instead, so a finding lands near its place rather than nowhere.

use super::ScalarStyle;
use crate::diag::Span;

/// Maps byte offsets in a scalar's value to byte offsets in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueMap {
    /// (value offset, source start, source end) of each value character.
    points: Vec<(usize, usize, usize)>,
    value_len: usize,
    /// Source offset just after the last character.
    source_end: usize,
    /// Whether the decoding was exact (false: the coarse fallback was used).
    pub exact: bool,
}

impl ValueMap {
    /// The source offset of the value character containing `value_offset`; the value's end maps
    /// to the end of its last character in the source.
    pub fn to_source(&self, value_offset: usize) -> usize {
        if value_offset >= self.value_len {
            return self.source_end;
        }
        self.point(value_offset).1
    }

    /// The value offset of the character at `source_offset`, if the scalar's value has one
    /// there; the end of the value maps to its length.
    pub fn to_value(&self, source_offset: usize) -> Option<usize> {
        if source_offset == self.source_end {
            return Some(self.value_len);
        }
        self.points
            .iter()
            .find(|&&(_, s, e)| s <= source_offset && source_offset < e.max(s + 1))
            .map(|&(v, _, _)| v)
    }

    fn point(&self, value_offset: usize) -> (usize, usize, usize) {
        let k = self.points.partition_point(|&(v, _, _)| v <= value_offset);
        self.points[k.saturating_sub(1)]
    }

    /// The source range of a range of the value. An end offset maps to where the next value
    /// character starts, so a range covering an escape sequence covers all of it.
    pub fn span(&self, value: std::ops::Range<usize>) -> Span {
        let start = self.to_source(value.start);
        if value.end <= value.start {
            return start..start;
        }
        let end = if value.end > self.value_len {
            self.source_end
        } else {
            self.point(value.end - 1).2
        };
        start..end.max(start)
    }
}

pub fn map_scalar(source: &str, span: Span, style: ScalarStyle, text: &str) -> ValueMap {
    let decoded = match style {
        ScalarStyle::Plain => Some(decode_flow(source, span.clone(), Quote::None)),
        ScalarStyle::SingleQuoted if quoted(source, &span, '\'') => Some(decode_flow(
            source,
            span.start + 1..span.end - 1,
            Quote::Single,
        )),
        ScalarStyle::DoubleQuoted if quoted(source, &span, '"') => Some(decode_flow(
            source,
            span.start + 1..span.end - 1,
            Quote::Double,
        )),
        ScalarStyle::Literal => decode_block(source, span.clone(), false),
        ScalarStyle::Folded => decode_block(source, span.clone(), true),
        _ => None,
    };
    decoded
        .and_then(|d| reconcile(d, text))
        .unwrap_or_else(|| coarse(source, span, style, text))
}

/// Whether the source of `span` is the quoted text it should be (the quotes are then single
/// bytes to strip); the parser's span of a scalar followed by a comment need not be.
fn quoted(source: &str, span: &Span, quote: char) -> bool {
    span.len() >= 2
        && source
            .get(span.clone())
            .is_some_and(|s| s.starts_with(quote) && s.ends_with(quote))
}

struct Decoded {
    /// Each value character with the source range it was decoded from.
    chars: Vec<(char, usize, usize)>,
    end: usize,
}

fn reconcile(mut d: Decoded, text: &str) -> Option<ValueMap> {
    let ours: String = d.chars.iter().map(|&(c, _, _)| c).collect();
    if ours != text {
        // Block chomping changes only trailing line breaks.
        if ours.starts_with(text) {
            let keep = text.chars().count();
            if let Some(&(_, at, _)) = d.chars.get(keep) {
                d.end = at;
            }
            d.chars.truncate(keep);
        } else if text.starts_with(&ours) && text[ours.len()..].chars().all(|c| c == '\n') {
            let end = d.end;
            d.chars
                .extend(text[ours.len()..].chars().map(|c| (c, end, end)));
        } else {
            return None;
        }
    }
    let mut points = Vec::with_capacity(d.chars.len());
    let mut v = 0;
    for &(c, s, e) in &d.chars {
        points.push((v, s, e));
        v += c.len_utf8();
    }
    Some(ValueMap {
        points,
        value_len: v,
        source_end: d.end,
        exact: true,
    })
}

fn coarse(source: &str, span: Span, style: ScalarStyle, text: &str) -> ValueMap {
    let start = match style {
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => (span.start + 1).min(span.end),
        _ => span.start,
    };
    // Value and source characters need not line up here, so an offset may fall inside a
    // source character: it is moved back to that character's start.
    let at = |offset: usize| {
        let mut o = offset.min(span.end);
        while !source.is_char_boundary(o) {
            o -= 1;
        }
        o
    };
    let mut points = Vec::new();
    for (v, c) in text.char_indices() {
        points.push((v, at(start + v), at(start + v + c.len_utf8())));
    }
    ValueMap {
        points,
        value_len: text.len(),
        source_end: span.end,
        exact: false,
    }
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum Quote {
    None,
    Single,
    Double,
}

/// Plain and quoted scalars: line folding, `''` and backslash escapes.
fn decode_flow(source: &str, content: Span, quote: Quote) -> Decoded {
    let chars: Vec<(usize, char)> = source[content.clone()]
        .char_indices()
        .map(|(i, c)| (content.start + i, c))
        .collect();
    let mut out: Vec<(char, usize, usize)> = Vec::new();
    // How many trailing output characters are unescaped blanks (dropped before a line break).
    let mut raw_blanks = 0;
    let mut escaped_break = false;
    let mut i = 0;
    while i < chars.len() {
        let (pos, c) = chars[i];
        if c == '\n' || c == '\r' {
            if !escaped_break {
                out.truncate(out.len() - raw_blanks);
            }
            let mut j = skip_break(&chars, i);
            let mut empties = Vec::new();
            loop {
                let mut k = j;
                while k < chars.len() && matches!(chars[k].1, ' ' | '\t') {
                    k += 1;
                }
                if k < chars.len() && matches!(chars[k].1, '\n' | '\r') {
                    empties.push(chars[k].0);
                    j = skip_break(&chars, k);
                } else {
                    j = k;
                    break;
                }
            }
            if empties.is_empty() && !escaped_break {
                out.push((' ', pos, pos + 1));
            }
            out.extend(empties.into_iter().map(|e| ('\n', e, e + 1)));
            raw_blanks = 0;
            escaped_break = false;
            i = j;
            continue;
        }
        if quote == Quote::Single && c == '\'' && chars.get(i + 1).map(|x| x.1) == Some('\'') {
            out.push(('\'', pos, pos + 2));
            raw_blanks = 0;
            i += 2;
            continue;
        }
        if quote == Quote::Double && c == '\\' {
            let Some(&(_, e)) = chars.get(i + 1) else {
                out.push((c, pos, pos + 1));
                break;
            };
            if e == '\n' || e == '\r' {
                escaped_break = true;
                raw_blanks = 0;
                i += 1;
                continue;
            }
            let (decoded, len) = match e {
                'x' => (hex_escape(&chars, i + 2, 2), 4),
                'u' => (hex_escape(&chars, i + 2, 4), 6),
                'U' => (hex_escape(&chars, i + 2, 8), 10),
                _ => (simple_escape(e), 2),
            };
            let end = chars.get(i + len).map_or(content.end, |x| x.0);
            out.push((decoded.unwrap_or('\u{fffd}'), pos, end));
            raw_blanks = 0;
            i += len;
            continue;
        }
        out.push((c, pos, pos + c.len_utf8()));
        if c == ' ' || c == '\t' {
            raw_blanks += 1;
        } else {
            raw_blanks = 0;
        }
        i += 1;
    }
    Decoded {
        chars: out,
        end: content.end,
    }
}

fn skip_break(chars: &[(usize, char)], i: usize) -> usize {
    if chars[i].1 == '\r' && chars.get(i + 1).map(|x| x.1) == Some('\n') {
        i + 2
    } else {
        i + 1
    }
}

fn hex_escape(chars: &[(usize, char)], from: usize, n: usize) -> Option<char> {
    let s: String = chars.get(from..from + n)?.iter().map(|x| x.1).collect();
    char::from_u32(u32::from_str_radix(&s, 16).ok()?)
}

fn simple_escape(e: char) -> Option<char> {
    Some(match e {
        '0' => '\0',
        'a' => '\u{7}',
        'b' => '\u{8}',
        't' | '\t' => '\t',
        'n' => '\n',
        'v' => '\u{b}',
        'f' => '\u{c}',
        'r' => '\r',
        'e' => '\u{1b}',
        ' ' => ' ',
        '"' => '"',
        '/' => '/',
        '\\' => '\\',
        'N' => '\u{85}',
        '_' => '\u{a0}',
        'L' => '\u{2028}',
        'P' => '\u{2029}',
        _ => return None,
    })
}

/// Literal and folded block scalars. `span` starts at the first content character, so its
/// column is the block's indentation.
fn decode_block(source: &str, span: Span, folded: bool) -> Option<Decoded> {
    let line_start = source[..span.start].rfind('\n').map_or(0, |i| i + 1);
    let indent_text = &source[line_start..span.start];
    if !indent_text.bytes().all(|b| b == b' ') {
        return None;
    }
    let indent = indent_text.len();
    let body = &source[line_start..span.end];
    // (offset of the line's content after indentation, content, offset of its line break)
    let mut lines: Vec<(usize, &str, usize)> = Vec::new();
    let mut at = line_start;
    for raw in body.split('\n') {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let brk = at + line.len();
        let content = if line.len() > indent {
            &line[indent..]
        } else {
            line.trim_start_matches(' ')
        };
        let content_start = brk - content.len();
        lines.push((content_start, content, brk));
        at += raw.len() + 1;
    }
    let mut out: Vec<(char, usize, usize)> = Vec::new();
    // The last line of a file may have no break: the value's final newline then has no
    // character of its own in the source.
    let brk_end = |brk: usize| (brk + 1).min(source.len());
    let n = lines.len();
    let mut idx = 0;
    while idx < n {
        let (cs, content, brk) = lines[idx];
        out.extend(
            content
                .char_indices()
                .map(|(i, c)| (c, cs + i, cs + i + c.len_utf8())),
        );
        if !folded || idx + 1 >= n {
            out.push(('\n', brk, brk_end(brk)));
            idx += 1;
            continue;
        }
        // Folding: a single break between two plain lines becomes a space; empty lines become
        // newlines; lines indented more than the block keep their breaks.
        let mut j = idx + 1;
        let mut empties = Vec::new();
        while j < n && lines[j].1.is_empty() {
            empties.push(lines[j].2);
            j += 1;
        }
        let more = |s: &str| s.starts_with(' ') || s.starts_with('\t');
        let next_more = j < n && more(lines[j].1);
        if content.is_empty() || more(content) || next_more || j >= n {
            out.push(('\n', brk, brk_end(brk)));
        } else if empties.is_empty() {
            out.push((' ', brk, brk_end(brk)));
        }
        out.extend(empties.into_iter().map(|e| ('\n', e, brk_end(e))));
        idx = j;
    }
    Some(Decoded {
        chars: out,
        end: span.end,
    })
}
