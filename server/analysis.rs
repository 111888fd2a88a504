//! The one analysis path shared by the CLI and the language server: text in, documents and
//! diagnostics out.

use crate::checks::{self, DocKind};
use crate::diag::Diagnostic;
use crate::yaml::{self, Limits};

/// Larger files are not analysed. The API server refuses requests over 3 MiB anyway.
pub const MAX_FILE_BYTES: usize = 4 * 1024 * 1024;

/// One document of the file with what the checks decided about it.
#[derive(Debug, Clone)]
pub struct DocAnalysis {
    pub doc: yaml::Document,
    /// None when the document is empty or failed to parse.
    pub kind: Option<DocKind>,
}

/// Everything the core knows about one text. Owned data: cheap to move across threads.
#[derive(Debug, Default, Clone)]
pub struct Analysis {
    pub documents: Vec<DocAnalysis>,
    /// All diagnostics of the text, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
}

impl Analysis {
    /// The document containing byte `offset`.
    pub fn document_at(&self, offset: usize) -> Option<&DocAnalysis> {
        self.documents
            .iter()
            .find(|d| d.doc.span.contains(&offset) || d.doc.span.end == offset)
    }
}

pub fn analyze(text: &str) -> Analysis {
    if text.len() > MAX_FILE_BYTES {
        return Analysis {
            documents: Vec::new(),
            diagnostics: vec![Diagnostic::error(
                "file-too-large",
                0..0,
                format!(
                    "This file is {} MiB; files over {} MiB are not analysed (the Kubernetes API server rejects requests over 3 MiB).",
                    text.len() / (1024 * 1024),
                    MAX_FILE_BYTES / (1024 * 1024)
                ),
            )],
        };
    }
    let mut diagnostics = Vec::new();
    let documents: Vec<DocAnalysis> = yaml::parse(text, &Limits::default())
        .into_iter()
        .map(|doc| {
            diagnostics.extend(doc.diagnostics.iter().cloned());
            let kind = doc.root.as_ref().map(|root| {
                diagnostics.extend(checks::check_document(text, root));
                checks::classify(root)
            });
            DocAnalysis { doc, kind }
        })
        .collect();
    diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
    Analysis {
        documents,
        diagnostics,
    }
}
