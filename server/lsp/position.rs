//! Byte offsets (the core's spans) to LSP positions and back, in the negotiated encoding.
//!
//! Every conversion clamps instead of failing: clients send positions past the end of a line
//! or of the document (the spec says to treat those as the end), and a position can fall inside
//! a character (the second half of a surrogate pair, or a UTF-8 continuation byte).

use std::ops::Range as Span;

use ropey::{Rope, RopeSlice};
use tower_lsp_server::ls_types::{Position, PositionEncodingKind, Range};

/// What a position's `character` counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// UTF-8 code units (bytes).
    Utf8,
    /// UTF-16 code units: the protocol's default, which every client understands.
    #[default]
    Utf16,
}

impl Encoding {
    /// Chooses UTF-8 when the client offers it, since that is what spans already count;
    /// otherwise the mandatory UTF-16.
    pub fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Encoding {
        match offered {
            Some(kinds) if kinds.contains(&PositionEncodingKind::UTF8) => Encoding::Utf8,
            _ => Encoding::Utf16,
        }
    }

    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        }
    }
}

/// The position of the character containing byte `offset` (offsets past the end mean the end).
pub fn offset_to_position(rope: &Rope, offset: usize, encoding: Encoding) -> Position {
    let char_idx = rope.byte_to_char(offset.min(rope.len_bytes()));
    let line = rope.char_to_line(char_idx);
    let line_start = rope.line_to_char(line);
    let character = match encoding {
        Encoding::Utf8 => rope.char_to_byte(char_idx) - rope.char_to_byte(line_start),
        Encoding::Utf16 => rope.char_to_utf16_cu(char_idx) - rope.char_to_utf16_cu(line_start),
    };
    Position::new(to_u32(line), to_u32(character))
}

/// The byte offset of `position`, clamped to the end of its line (before the line break) and
/// to the end of the text, and rounded down to a character boundary.
pub fn position_to_offset(rope: &Rope, position: Position, encoding: Encoding) -> usize {
    let line_idx = position.line as usize;
    if line_idx >= rope.len_lines() {
        return rope.len_bytes();
    }
    let line = rope.line(line_idx);
    let content_chars = line.len_chars() - line_break_chars(line);
    let wanted = position.character as usize;
    let char_in_line = match encoding {
        Encoding::Utf8 => line.byte_to_char(wanted.min(line.char_to_byte(content_chars))),
        Encoding::Utf16 => line.utf16_cu_to_char(wanted.min(line.char_to_utf16_cu(content_chars))),
    };
    rope.line_to_byte(line_idx) + line.char_to_byte(char_in_line)
}

/// The range of `span`; a reversed span is read the right way round, as in [`range_to_span`].
pub fn span_to_range(rope: &Rope, span: &Span<usize>, encoding: Encoding) -> Range {
    Range::new(
        offset_to_position(rope, span.start.min(span.end), encoding),
        offset_to_position(rope, span.start.max(span.end), encoding),
    )
}

/// A byte span for `range`; a reversed range is read as the same range the right way round.
pub fn range_to_span(rope: &Rope, range: Range, encoding: Encoding) -> Span<usize> {
    let a = position_to_offset(rope, range.start, encoding);
    let b = position_to_offset(rope, range.end, encoding);
    a.min(b)..a.max(b)
}

/// How many chars at the end of `line` are its line break: `\r\n`, `\n`, `\r` or none
/// (ropey is built with `cr_lines` so that a lone `\r` ends a line, as in LSP).
fn line_break_chars(line: RopeSlice) -> usize {
    let n = line.len_chars();
    match (
        n.checked_sub(2).map(|i| line.char(i)),
        n.checked_sub(1).map(|i| line.char(i)),
    ) {
        (Some('\r'), Some('\n')) => 2,
        (_, Some('\n' | '\r')) => 1,
        _ => 0,
    }
}

/// Positions are u32 on the wire; a text long enough to overflow that saturates.
fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::LineIndex;

    fn pos(line: u32, character: u32) -> Position {
        Position::new(line, character)
    }

    const EMOJI_LINE: &str = "a: \"🙂\" # x\nkey: value\n";

    #[test]
    fn emoji_counts_two_utf16_units_and_four_bytes() {
        let rope = Rope::from_str(EMOJI_LINE);
        let x = EMOJI_LINE.find('x').unwrap();
        assert_eq!(x, 12);
        assert_eq!(offset_to_position(&rope, x, Encoding::Utf16), pos(0, 10));
        assert_eq!(offset_to_position(&rope, x, Encoding::Utf8), pos(0, 12));
        assert_eq!(position_to_offset(&rope, pos(0, 10), Encoding::Utf16), x);
        assert_eq!(position_to_offset(&rope, pos(0, 12), Encoding::Utf8), x);
    }

    #[test]
    fn span_after_emoji_maps_to_range_on_its_line() {
        let text = "🙂 bad\n  🙂🙂 bad";
        let rope = Rope::from_str(text);
        let second = text.rfind("bad").unwrap();
        assert_eq!(
            span_to_range(&rope, &(second..second + 3), Encoding::Utf16),
            Range::new(pos(1, 7), pos(1, 10))
        );
        assert_eq!(
            span_to_range(&rope, &(second..second + 3), Encoding::Utf8),
            Range::new(pos(1, 11), pos(1, 14))
        );
        assert_eq!(
            range_to_span(&rope, Range::new(pos(1, 7), pos(1, 10)), Encoding::Utf16),
            second..second + 3
        );
    }

    #[test]
    fn offsets_inside_a_character_round_down() {
        let rope = Rope::from_str("x🙂y");
        for inside in 2..5 {
            assert_eq!(
                offset_to_position(&rope, inside, Encoding::Utf16),
                pos(0, 1)
            );
        }
        // The second half of the surrogate pair.
        assert_eq!(position_to_offset(&rope, pos(0, 2), Encoding::Utf16), 1);
        assert_eq!(position_to_offset(&rope, pos(0, 3), Encoding::Utf16), 5);
        // A UTF-8 continuation byte.
        assert_eq!(position_to_offset(&rope, pos(0, 3), Encoding::Utf8), 1);
    }

    #[test]
    fn out_of_range_positions_clamp() {
        let text = "ab\r\ncd\n";
        let rope = Rope::from_str(text);
        // Past the end of a line: the end of that line, before its break.
        assert_eq!(position_to_offset(&rope, pos(0, 99), Encoding::Utf16), 2);
        assert_eq!(position_to_offset(&rope, pos(1, 99), Encoding::Utf8), 6);
        // The empty last line and beyond: the end of the text.
        assert_eq!(position_to_offset(&rope, pos(2, 5), Encoding::Utf16), 7);
        assert_eq!(position_to_offset(&rope, pos(9, 0), Encoding::Utf16), 7);
        assert_eq!(offset_to_position(&rope, 99, Encoding::Utf16), pos(2, 0));
    }

    #[test]
    fn every_line_break_kind_starts_a_line() {
        let text = "a\r\nb\rc\nd";
        let rope = Rope::from_str(text);
        for (ch, expected) in [('b', pos(1, 0)), ('c', pos(2, 0)), ('d', pos(3, 0))] {
            let offset = text.find(ch).unwrap();
            assert_eq!(offset_to_position(&rope, offset, Encoding::Utf16), expected);
            assert_eq!(position_to_offset(&rope, expected, Encoding::Utf16), offset);
        }
        assert_eq!(position_to_offset(&rope, pos(1, 5), Encoding::Utf16), 4);
    }

    #[test]
    fn unicode_line_separators_are_not_line_breaks() {
        let text = "a\u{2028}b\u{85}c";
        let rope = Rope::from_str(text);
        assert_eq!(
            offset_to_position(&rope, text.len(), Encoding::Utf16),
            pos(0, 5)
        );
    }

    #[test]
    fn reversed_ranges_are_reordered() {
        let rope = Rope::from_str("hello");
        assert_eq!(
            range_to_span(&rope, Range::new(pos(0, 4), pos(0, 1)), Encoding::Utf16),
            1..4
        );
        assert_eq!(
            span_to_range(&rope, &Span { start: 4, end: 1 }, Encoding::Utf16),
            Range::new(pos(0, 1), pos(0, 4))
        );
    }

    #[test]
    fn agrees_with_the_cli_line_index() {
        let text = "é🙂\r\n\rx: \"ü𝄞\"\n\n  - 🙂: b\r\nend";
        let rope = Rope::from_str(text);
        let index = LineIndex::new(text);
        for offset in 0..=text.len() + 1 {
            let ours = offset_to_position(&rope, offset, Encoding::Utf16);
            let cli = index.position_utf16(text, offset);
            assert_eq!(
                (ours.line, ours.character),
                (cli.line, cli.character),
                "offset {offset}"
            );
        }
    }

    #[test]
    fn negotiation_prefers_utf8_only_when_offered() {
        let both = [PositionEncodingKind::UTF16, PositionEncodingKind::UTF8];
        assert_eq!(Encoding::negotiate(Some(&both)), Encoding::Utf8);
        assert_eq!(
            Encoding::negotiate(Some(&[PositionEncodingKind::UTF32])),
            Encoding::Utf16
        );
        assert_eq!(Encoding::negotiate(None), Encoding::Utf16);
    }
}
