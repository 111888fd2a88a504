//! Rendering of diagnostics: rustc-style text for people, one JSON object for tools.

use std::fmt::Write as _;

use serde_json::json;

use super::check::FileReport;
use crate::diag::{Diagnostic, Severity};
use crate::text::LineIndex;

pub fn json(reports: &[FileReport]) -> String {
    let files: Vec<serde_json::Value> = reports
        .iter()
        .map(|r| {
            let index = LineIndex::new(&r.text);
            let diagnostics: Vec<serde_json::Value> = r
                .diagnostics
                .iter()
                .map(|d| {
                    // Exactly these four fields: the format tools parse. Related locations
                    // are in the text output and in the editor.
                    json!({
                        "code": d.code,
                        "severity": d.severity.as_str(),
                        "message": d.message,
                        "range": json_range(&index, &r.text, &d.span),
                    })
                })
                .collect();
            json!({"path": r.path, "diagnostics": diagnostics})
        })
        .collect();
    json!({ "files": files }).to_string()
}

/// An LSP-style range (0-based lines, UTF-16 columns) of a byte span.
fn json_range(index: &LineIndex, text: &str, span: &crate::diag::Span) -> serde_json::Value {
    let s = index.position_utf16(text, span.start);
    let e = index.position_utf16(text, span.end);
    json!({
        "start": {"line": s.line, "character": s.character},
        "end": {"line": e.line, "character": e.character},
    })
}

pub fn text(reports: &[FileReport]) -> String {
    let mut s = String::new();
    let (mut errors, mut warnings, mut notes, mut with_problems) = (0, 0, 0, 0);
    for r in reports {
        if r.diagnostics.is_empty() {
            continue;
        }
        with_problems += 1;
        let index = LineIndex::new(&r.text);
        for d in &r.diagnostics {
            match d.severity {
                Severity::Error => errors += 1,
                Severity::Warning => warnings += 1,
                Severity::Information | Severity::Hint => notes += 1,
            }
            diagnostic(&mut s, r, &index, d);
        }
    }
    let plural = |n: usize, w: &str| {
        if n == 1 {
            format!("{n} {w}")
        } else {
            format!("{n} {w}s")
        }
    };
    if with_problems == 0 {
        let _ = writeln!(
            s,
            "Nothing to report in {} checked.",
            plural(reports.len(), "file")
        );
    } else {
        let _ = writeln!(
            s,
            "{}, {} and {} in {with_problems} of {} checked.",
            plural(errors, "error"),
            plural(warnings, "warning"),
            plural(notes, "note"),
            plural(reports.len(), "file"),
        );
    }
    s
}

/// Line and column (1-based, in characters) of a byte offset.
fn human_position(text: &str, index: &LineIndex, offset: usize) -> (usize, usize) {
    let offset = crate::text::clamp_to_char(text, offset);
    let line = index.line_of(offset);
    let col = text[index.line_start(line)..offset].chars().count();
    (line + 1, col + 1)
}

fn line_text<'a>(text: &'a str, index: &LineIndex, line: usize) -> &'a str {
    let start = index.line_start(line);
    let end = if line + 1 < index.line_count() {
        index.line_start(line + 1)
    } else {
        text.len()
    };
    text[start..end].trim_end_matches(['\n', '\r'])
}

fn diagnostic(s: &mut String, r: &FileReport, index: &LineIndex, d: &Diagnostic) {
    let (line, col) = human_position(&r.text, index, d.span.start);
    let _ = writeln!(s, "{}[{}]: {}", d.severity.as_str(), d.code, d.message);
    let gutter = line.to_string().len();
    let pad = " ".repeat(gutter);
    let _ = writeln!(s, "{pad}--> {}:{line}:{col}", r.path);
    let src = line_text(&r.text, index, line - 1);
    let _ = writeln!(s, "{pad} |");
    let _ = writeln!(s, "{line} | {}", src.replace('\t', " "));
    // Carets from the start of the range to its end or the end of the line.
    let start = crate::text::clamp_to_char(&r.text, d.span.start);
    let line_start = index.line_start(line - 1);
    let line_end = line_start + src.len();
    let end = crate::text::clamp_to_char(&r.text, d.span.end.min(line_end).max(start));
    let width = r.text[start..end].chars().count().max(1);
    let _ = writeln!(s, "{pad} | {}{}", " ".repeat(col - 1), "^".repeat(width));
    for rel in &d.related {
        let (l, c) = match &rel.file {
            Some(f) => human_position(&f.text, &LineIndex::new(&f.text), rel.span.start),
            None => human_position(&r.text, index, rel.span.start),
        };
        let path = rel
            .file
            .as_ref()
            .map_or(r.path.as_str(), |f| f.path.as_str());
        let _ = writeln!(s, "{pad} = note: {} ({path}:{l}:{c})", rel.message);
    }
    s.push('\n');
}
