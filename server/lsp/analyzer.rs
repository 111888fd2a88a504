//! The seam between the server and the core, so protocol tests can drive the server with a
//! core whose answers (and timing) they control.

use crate::analysis::{self, Analysis};
use crate::ide;

/// What the server asks of the core. Every method has the real core as its default.
/// Methods are called on blocking threads, never on the async runtime.
pub trait Analyzer: Send + Sync + 'static {
    fn analyze(&self, text: &str) -> Analysis {
        analysis::analyze(text)
    }

    fn hover(&self, text: &str, analysis: &Analysis, offset: usize) -> Option<ide::Hover> {
        ide::hover(text, analysis, offset)
    }

    fn completion(&self, text: &str, analysis: &Analysis, offset: usize) -> Vec<ide::Completion> {
        ide::completion(text, analysis, offset)
    }

    fn signature_help(&self, text: &str, offset: usize) -> Option<ide::SignatureHelp> {
        ide::signature_help(text, offset)
    }

    fn document_symbols(&self, text: &str, analysis: &Analysis) -> Vec<ide::Symbol> {
        ide::document_symbols(text, analysis)
    }
}

/// The real core.
#[derive(Debug, Default, Clone, Copy)]
pub struct Kyverno;

impl Analyzer for Kyverno {}
