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

/// The diagnostic codes documented in the README's table (`| \`code\` | severity | meaning |`),
/// in its order: the one list of codes that configuration and reports name.
pub fn documented_codes() -> Vec<&'static str> {
    static CODES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    CODES
        .get_or_init(|| {
            let readme = include_str!("../README.md");
            let Some(table) = readme.split("\n## Diagnostic codes").nth(1) else {
                return Vec::new();
            };
            table
                .lines()
                .take_while(|l| !l.starts_with("## "))
                .filter_map(|l| l.strip_prefix("| `")?.split('`').next())
                .collect()
        })
        .clone()
}
