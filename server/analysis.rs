//! The one analysis path shared by the CLI and the language server.

use crate::diag::Diagnostic;

/// Everything the core knows about one text. Owned data: cheap to move across threads.
#[derive(Debug, Default)]
pub struct Analysis {
    pub diagnostics: Vec<Diagnostic>,
}

pub fn analyze(_text: &str) -> Analysis {
    Analysis::default()
}
