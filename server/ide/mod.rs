//! Editor features computed from an [`Analysis`](crate::analysis::Analysis): hover,
//! completion and document symbols. Pure functions of (text, analysis, byte offset).

mod completion;
pub mod expr;
mod hover;
pub mod locate;
mod symbols;

use crate::diag::Span;

pub use completion::completion;
pub use hover::hover;
pub use symbols::document_symbols;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hover {
    /// Markdown.
    pub markdown: String,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompletionKind {
    Field,
    EnumValue,
    Function,
    Variable,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub label: String,
    pub kind: CompletionKind,
    /// Short type information, e.g. `string` or `object`.
    pub detail: Option<String>,
    /// Markdown documentation.
    pub documentation: Option<String>,
    /// Text inserted in place of the word being typed.
    pub insert_text: String,
}

/// The signature of the function call the cursor is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureHelp {
    /// `name(param: type, ...) -> type`.
    pub label: String,
    /// Markdown.
    pub documentation: String,
    /// Byte ranges of each parameter in `label`.
    pub parameters: Vec<std::ops::Range<usize>>,
    pub active_parameter: usize,
}

pub use expr::signature_help;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SymbolKind {
    /// A ClusterPolicy or Policy document.
    Policy,
    /// One entry of `spec.rules`.
    Rule,
    /// A section of a rule: match, exclude, validate, mutate, ...
    Section,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    pub name: String,
    pub detail: Option<String>,
    pub kind: SymbolKind,
    /// The whole node.
    pub span: Span,
    /// The part to highlight when the symbol is selected (usually the name).
    pub selection_span: Span,
    pub children: Vec<Symbol>,
}

#[cfg(test)]
mod tests;

/// A code lens: a line of text above a rule (or a test manifest) with a command behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeLens {
    pub span: Span,
    /// `✓ 3 pass · ✗ 1 fail · ⊘ 1 skip (built-in samples)`.
    pub title: String,
    /// The command the client runs when the lens is clicked (`kyverno.showRuleResults`, ...).
    pub command: String,
    pub arguments: Vec<serde_json::Value>,
}

/// Code lenses for every simulated rule.
pub fn code_lenses(text: &str, analysis: &crate::analysis::Analysis) -> Vec<CodeLens> {
    let _ = (text, analysis);
    Vec::new()
}
