//! Findings produced by the core. Spans are byte ranges into the analysed text; only the
//! shells turn them into lines and columns.

use std::ops::Range;

/// A byte range in the source text.
pub type Span = Range<usize>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
    Information,
    Hint,
}

impl Severity {
    /// A severity as users write it in settings and flags: `error`, `warning`, `information`
    /// (or `info`), `hint`, or `off` (Some(None): drop the diagnostic). None when unknown.
    pub fn parse_level(s: &str) -> Option<Option<Severity>> {
        Some(match s {
            "error" => Some(Severity::Error),
            "warning" => Some(Severity::Warning),
            "information" | "info" => Some(Severity::Information),
            "hint" => Some(Severity::Hint),
            "off" | "none" => None,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Information => "information",
            Severity::Hint => "hint",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DiagTag {
    Deprecated,
    Unnecessary,
}

/// A file other than the analysed text that findings point into (a sample resource file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Path as the shell names it (an absolute path in the editor, as given on the command line).
    pub path: String,
    pub text: String,
}

/// A secondary location that explains a diagnostic (for example the first of two duplicate keys).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    /// In `file` when set, else in the analysed text.
    pub span: Span,
    pub message: String,
    /// The file `span` is in, when it is not the analysed text.
    pub file: Option<std::sync::Arc<SourceFile>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable identifier, documented in the README (for example `unknown-field`).
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub span: Span,
    pub related: Vec<Related>,
    pub tags: Vec<DiagTag>,
    /// The finding is that something required is absent. Partial objects (chainsaw
    /// assertions, strategic-merge patches) list only some fields by design, so such findings
    /// are dropped for them.
    pub absence: bool,
}

impl Diagnostic {
    /// Moves the diagnostic (and its related spans in the same text) `by` bytes later.
    pub fn shift(&mut self, by: usize) {
        self.span = self.span.start + by..self.span.end + by;
        for r in self.related.iter_mut().filter(|r| r.file.is_none()) {
            r.span = r.span.start + by..r.span.end + by;
        }
    }

    pub fn new(
        code: &'static str,
        severity: Severity,
        span: Span,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            code,
            severity,
            message: message.into(),
            span,
            related: Vec::new(),
            tags: Vec::new(),
            absence: false,
        }
    }
    /// A finding that something required is absent (see [`Diagnostic::absence`]).
    pub fn missing(code: &'static str, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            absence: true,
            ..Self::new(code, Severity::Error, span, message)
        }
    }
    pub fn error(code: &'static str, span: Span, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Error, span, message)
    }
    pub fn warning(code: &'static str, span: Span, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Warning, span, message)
    }
    pub fn with_related(mut self, span: Span, message: impl Into<String>) -> Self {
        self.related.push(Related {
            span,
            message: message.into(),
            file: None,
        });
        self
    }
    /// Related information in another file.
    pub fn with_related_in(
        mut self,
        file: std::sync::Arc<SourceFile>,
        span: Span,
        message: impl Into<String>,
    ) -> Self {
        self.related.push(Related {
            span,
            message: message.into(),
            file: Some(file),
        });
        self
    }
    pub fn with_tag(mut self, tag: DiagTag) -> Self {
        self.tags.push(tag);
        self
    }
}

/// The README, whose table of diagnostic codes documents every code.
pub(crate) const README: &str = include_str!("../README.md");

/// One row of the README's diagnostic code table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub code: String,
    /// The severity column as written (`error`, `warning or information`, ...).
    pub severity: String,
    /// The meaning column, in Markdown.
    pub meaning: String,
}

impl Rule {
    /// SARIF's level for the code's usual severity: the first word of the column, since a
    /// code whose severity depends on the case names its usual one first.
    pub fn level(&self) -> Option<&'static str> {
        match self.severity.split_whitespace().next()? {
            "error" => Some("error"),
            "warning" => Some("warning"),
            "information" | "hint" => Some("note"),
            _ => None,
        }
    }
}

/// The rows of the table under `## Diagnostic codes` in `readme`, in order.
pub fn rules_in(readme: &str) -> Vec<Rule> {
    let Some(at) = readme.find("\n## Diagnostic codes\n") else {
        return Vec::new();
    };
    let section = &readme[at + 1..];
    let section = match section[3..].find("\n## ") {
        Some(end) => &section[..end + 3],
        None => section,
    };
    section
        .lines()
        .filter_map(|line| {
            let cells = table_cells(line.trim());
            let [code, severity, meaning] = cells.as_slice() else {
                return None;
            };
            let code = code.strip_prefix('`')?.strip_suffix('`')?;
            Some(Rule {
                code: code.to_string(),
                severity: severity.clone(),
                meaning: meaning.clone(),
            })
        })
        .collect()
}

/// The cells of a Markdown table row, trimmed, with `\|` read as `|`.
fn table_cells(line: &str) -> Vec<String> {
    let Some(inner) = line.strip_prefix('|').and_then(|l| l.strip_suffix('|')) else {
        return Vec::new();
    };
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                chars.next();
                cell.push('|');
            }
            '|' => cells.push(std::mem::take(&mut cell).trim().to_string()),
            c => cell.push(c),
        }
    }
    cells.push(cell.trim().to_string());
    cells
}

/// The documented codes, once per process.
pub fn rules() -> &'static [Rule] {
    static RULES: std::sync::OnceLock<Vec<Rule>> = std::sync::OnceLock::new();
    RULES.get_or_init(|| rules_in(README))
}

/// The diagnostic codes documented in the README's table, in its order: the one list of codes
/// that configuration and reports name.
pub fn documented_codes() -> Vec<&'static str> {
    rules().iter().map(|r| r.code.as_str()).collect()
}
