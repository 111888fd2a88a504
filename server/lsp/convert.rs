//! Core results (byte spans, core enums) to LSP types.

use ropey::Rope;
use tower_lsp_server::ls_types::{
    self as lsp, CompletionItem, CompletionItemKind, DiagnosticRelatedInformation,
    DiagnosticSeverity, DiagnosticTag, DocumentSymbol, Documentation, HoverContents, Location,
    MarkupContent, MarkupKind, NumberOrString, Uri,
};

use super::position::{Encoding, span_to_range};
use crate::diag::{self, DiagTag, Severity};
use crate::ide;

pub const SOURCE: &str = "kyverno-ls";

/// Converts spans of one text, which `rope` holds, for the document `uri`.
pub struct Converter<'a> {
    pub rope: &'a Rope,
    pub encoding: Encoding,
    pub uri: &'a Uri,
}

impl Converter<'_> {
    pub fn range(&self, span: &diag::Span) -> lsp::Range {
        span_to_range(self.rope, span, self.encoding)
    }

    pub fn diagnostic(&self, d: &diag::Diagnostic) -> lsp::Diagnostic {
        let related: Vec<_> = d
            .related
            .iter()
            .filter_map(|r| {
                let location = match &r.file {
                    None => Location::new(self.uri.clone(), self.range(&r.span)),
                    Some(file) => {
                        let uri = Uri::from_file_path(&file.path)?;
                        let rope = Rope::from_str(&file.text);
                        Location::new(uri, span_to_range(&rope, &r.span, self.encoding))
                    }
                };
                Some(DiagnosticRelatedInformation {
                    location,
                    message: r.message.clone(),
                })
            })
            .collect();
        let tags: Vec<_> = d
            .tags
            .iter()
            .map(|t| match t {
                DiagTag::Deprecated => DiagnosticTag::DEPRECATED,
                DiagTag::Unnecessary => DiagnosticTag::UNNECESSARY,
            })
            .collect();
        lsp::Diagnostic {
            range: self.range(&d.span),
            severity: Some(severity(d.severity)),
            code: Some(NumberOrString::String(d.code.to_owned())),
            code_description: None,
            source: Some(SOURCE.to_owned()),
            message: d.message.clone(),
            // Empty lists are left out rather than sent as `[]`, as most servers do.
            related_information: (!related.is_empty()).then_some(related),
            tags: (!tags.is_empty()).then_some(tags),
            data: None,
        }
    }

    pub fn hover(&self, h: ide::Hover) -> lsp::Hover {
        lsp::Hover {
            contents: HoverContents::Markup(markdown(h.markdown)),
            range: Some(self.range(&h.span)),
        }
    }

    pub fn symbol(&self, s: ide::Symbol) -> DocumentSymbol {
        let range = self.range(&s.span);
        let mut selection_range = self.range(&s.selection_span);
        // Clients reject the whole response when a selection lies outside its symbol.
        if selection_range.start < range.start || selection_range.end > range.end {
            selection_range = range;
        }
        let children: Vec<_> = s.children.into_iter().map(|c| self.symbol(c)).collect();
        #[allow(deprecated)]
        // `deprecated` is a required field of the struct, superseded by `tags`.
        DocumentSymbol {
            // VS Code rejects symbols with an empty name.
            name: if s.name.is_empty() {
                "(unnamed)".to_owned()
            } else {
                s.name
            },
            detail: s.detail,
            kind: match s.kind {
                ide::SymbolKind::Policy => lsp::SymbolKind::CLASS,
                ide::SymbolKind::Rule => lsp::SymbolKind::METHOD,
                ide::SymbolKind::Section => lsp::SymbolKind::FIELD,
            },
            tags: None,
            deprecated: None,
            range,
            selection_range,
            children: (!children.is_empty()).then_some(children),
        }
    }
}

pub fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Information => DiagnosticSeverity::INFORMATION,
        Severity::Hint => DiagnosticSeverity::HINT,
    }
}

pub fn completion(c: ide::Completion) -> CompletionItem {
    CompletionItem {
        kind: Some(match c.kind {
            ide::CompletionKind::Field => CompletionItemKind::PROPERTY,
            ide::CompletionKind::EnumValue => CompletionItemKind::ENUM_MEMBER,
            ide::CompletionKind::Function => CompletionItemKind::FUNCTION,
            ide::CompletionKind::Variable => CompletionItemKind::VARIABLE,
        }),
        detail: c.detail,
        documentation: c
            .documentation
            .map(|d| Documentation::MarkupContent(markdown(d))),
        // The client replaces the word being typed with this, by its own notion of a word.
        insert_text: (c.insert_text != c.label).then_some(c.insert_text),
        label: c.label,
        ..CompletionItem::default()
    }
}

fn markdown(value: String) -> MarkupContent {
    MarkupContent {
        kind: MarkupKind::Markdown,
        value,
    }
}
