//! Splits a stream at its `---` lines so that each document can be parsed alone.
//!
//! A `---` at the start of a line always starts a new document, even inside what would
//! otherwise be a block or quoted scalar: YAML forbids document markers in content.

use std::ops::Range;

fn is_marker_line(line: &[u8]) -> bool {
    line.starts_with(b"---") && matches!(line.get(3), None | Some(b' ' | b'\t' | b'\r' | b'\n'))
}

/// Byte ranges of the documents. The first range starts at 0; every other one starts at the
/// beginning of a `---` line. Together they cover the whole text.
pub fn documents(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut starts = vec![0];
    let mut line_start = 0;
    while line_start < bytes.len() {
        if line_start > 0 && is_marker_line(&bytes[line_start..]) {
            starts.push(line_start);
        }
        line_start = match memchr_newline(&bytes[line_start..]) {
            Some(i) => line_start + i + 1,
            None => bytes.len(),
        };
    }
    let mut ranges: Vec<Range<usize>> = starts.windows(2).map(|w| w[0]..w[1]).collect();
    ranges.push(*starts.last().unwrap_or(&0)..bytes.len());
    ranges
}

fn memchr_newline(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'\n')
}

#[cfg(test)]
mod tests {
    use super::documents;

    #[test]
    fn splits_at_marker_lines_only() {
        let t = "a: 1\n---\nb: 2\n--- # c\nc: '---'\n----\n";
        assert_eq!(documents(t), vec![0..5, 5..14, 14..36]);
        assert_eq!(documents(""), vec![0..0]);
        assert_eq!(documents("---\na: 1\n"), vec![0..9]);
    }
}
