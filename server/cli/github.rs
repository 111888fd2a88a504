//! `check --format github`: GitHub Actions workflow commands (`::error file=…::message`), which
//! the runner turns into annotations on the files of a pull request.
//!
//! Files are named relative to the folder they were read in (their repository), which is the
//! workspace GitHub resolves annotation paths against, whatever directory `check` ran in.
//! Lines and columns are 1-based; columns count UTF-16 code units, as SARIF's do and as the
//! browser that draws the annotation indexes text, and are given only for a one-line span,
//! since GitHub's annotations take columns only on one line.

use std::fmt::Write as _;
use std::path::Path;

use super::check::FileReport;
use super::sarif::{below_root, line_column};
use crate::diag::Severity;
use crate::text::LineIndex;

/// The workflow command of a severity: GitHub has no level below a notice.
fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Information | Severity::Hint => "notice",
    }
}

/// A command's message: the runner reads `%`, CR and LF as escapes and line ends.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A command's property value: as a message, and `:` and `,` end the property list.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// A file's path below its root, `/`-separated; the path as given when it is not below.
fn workspace_path(root: &Path, cwd: &Path, shown: &str) -> String {
    match below_root(root, cwd, shown) {
        Some(p) => p
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/"),
        None => shown.to_string(),
    }
}

/// One workflow command per diagnostic; related information follows the message on lines
/// of their own.
pub fn commands(reports: &[FileReport], cwd: &Path) -> String {
    let mut out = String::new();
    for r in reports {
        let index = LineIndex::new(&r.text);
        let file = workspace_path(&r.root, cwd, &r.path);
        for d in &r.diagnostics {
            let (line, col) = line_column(&index, &r.text, d.span.start);
            let (mut end_line, end_col) =
                line_column(&index, &r.text, d.span.end.max(d.span.start));
            // A span that ends with its last line break ends on that line, not the next.
            if end_line > line && end_col == 1 {
                end_line -= 1;
            }
            // GitHub takes columns only for an annotation on one line.
            let place = if end_line == line {
                format!("line={line},col={col},endLine={end_line},endColumn={end_col}")
            } else {
                format!("line={line},endLine={end_line}")
            };
            let mut message = d.message.clone();
            for rel in &d.related {
                let (path, (l, c)) = match &rel.file {
                    Some(f) => (
                        workspace_path(&r.root, cwd, &f.path),
                        line_column(&LineIndex::new(&f.text), &f.text, rel.span.start),
                    ),
                    None => (file.clone(), line_column(&index, &r.text, rel.span.start)),
                };
                let _ = write!(message, "\nnote: {} ({path}:{l}:{c})", rel.message);
            }
            let _ = writeln!(
                out,
                "::{} file={},{place},title={}::{}",
                command(d.severity),
                escape_property(&file),
                escape_property(d.code),
                escape_data(&message),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_the_runner_reads() {
        assert_eq!(escape_data("100% a\r\nb: c, d"), "100%25 a%0D%0Ab: c, d");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }
}
