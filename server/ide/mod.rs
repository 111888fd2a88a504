//! Editor features computed from an [`Analysis`](crate::analysis::Analysis): hover,
//! completion and document symbols. Pure functions of (text, analysis, byte offset).

mod cel;
mod cel_values;
pub mod changes;
mod completion;
pub mod evaluate;
pub mod expr;
pub mod fixes;
mod hover;
pub mod locate;
mod manifest;
mod resource_keys;
mod symbols;

use crate::diag::Span;

pub use completion::completion;
pub use hover::hover;
pub use symbols::document_symbols;

/// Inlay hints of both languages: values after each `{{ }}` template and after each CEL
/// variable, validation and match condition.
pub fn inlay_hints(
    text: &str,
    analysis: &crate::analysis::Analysis,
    range: Span,
) -> Vec<InlayHint> {
    let mut hints = evaluate::inlay_hints(text, analysis, range.clone());
    hints.extend(cel_values::inlay_hints(text, analysis, range));
    hints.sort_by_key(|h| h.offset);
    hints
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hover {
    /// Markdown.
    pub markdown: String,
    pub span: Span,
}

/// A value shown inline after an expression (`= "CREATE"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlayHint {
    /// Where the hint goes: just after the template's `}}`.
    pub offset: usize,
    pub label: String,
    /// Plain text: the sample it was computed for, and the full per-element values.
    pub tooltip: String,
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

/// The signature of the call the cursor is in: CEL inside a CEL expression, else JMESPath.
pub fn signature_help(
    text: &str,
    analysis: &crate::analysis::Analysis,
    offset: usize,
) -> Option<SignatureHelp> {
    let offset = crate::text::clamp_to_char(text, offset);
    cel::signature_help(text, analysis, offset).or_else(|| expr::signature_help(text, offset))
}

/// Where the symbol under the cursor is defined: the `name:` of the variable a CEL
/// `variables.x` reads, or of the context entry a JMESPath expression names.
pub fn definition(text: &str, analysis: &crate::analysis::Analysis, offset: usize) -> Option<Span> {
    let offset = crate::text::clamp_to_char(text, offset);
    cel::definition(text, analysis, offset).or_else(|| expr::definition(text, analysis, offset))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SymbolKind {
    /// A policy document of any kind.
    Policy,
    /// One entry of `spec.rules`.
    Rule,
    /// A section of a rule (match, exclude, validate, mutate, ...), or of a CEL policy's spec
    /// (matchConstraints, variables, validations, ...) and its named entries.
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

/// Code lenses for every simulated rule: `✓ 3 pass · ✗ 1 fail · ⊘ 1 skip (built-in samples)`
/// over its name, whose `kyverno.showRuleResults` command carries the per-sample results.
pub fn code_lenses(text: &str, analysis: &crate::analysis::Analysis) -> Vec<CodeLens> {
    let _ = text;
    use crate::engine::Status;
    let set = analysis
        .samples
        .first()
        .map(|s| s.origin.describe())
        .unwrap_or("no samples");
    let mut out = Vec::new();
    for sim in &analysis.simulation {
        let policy = analysis
            .documents
            .get(sim.document)
            .and_then(|d| d.doc.root.as_ref())
            .and_then(|r| r.get("metadata")?.get("name")?.as_str())
            .unwrap_or("")
            .to_string();
        let (mut pass, mut fail, mut skip, mut error, mut unsupported) = (0, 0, 0, 0, 0);
        let mut results = Vec::new();
        for r in &sim.results {
            match r.response.status {
                Status::Pass => pass += 1,
                Status::Fail | Status::Warn => fail += 1,
                Status::Skip => skip += 1,
                Status::Error => error += 1,
                Status::Unsupported => unsupported += 1,
            }
            let label = analysis
                .samples
                .get(r.sample)
                .map(|s| s.label.as_str())
                .unwrap_or("");
            results.push(serde_json::json!({
                "sample": label,
                "status": r.response.status.as_str(),
                "message": crate::simulate::rule_message(&r.response),
            }));
        }
        let mut title = if sim.results.is_empty() {
            "no sample matches".to_string()
        } else if unsupported == sim.results.len() {
            "not simulated yet".to_string()
        } else {
            let mut t = format!("✓ {pass} pass · ✗ {fail} fail · ⊘ {skip} skip");
            if error > 0 {
                t.push_str(&format!(" · ⚠ {error} error"));
            }
            t
        };
        title.push_str(&format!(" ({set})"));
        out.push(CodeLens {
            span: sim.name_span.clone(),
            title,
            command: "kyverno.showRuleResults".to_string(),
            arguments: vec![serde_json::json!({
                "policy": policy,
                "rule": sim.rule,
                "results": results,
            })],
        });
    }
    out.extend(changes::change_lenses(analysis));
    out.sort_by_key(|l| l.span.start);
    out
}

pub use manifest::{manifest_diagnostics, manifest_lenses};
