//! Document symbols: each policy, its rules, and each rule's sections. The other kinds (CEL
//! policies, exceptions, cleanup policies, global context entries) have no rules: their
//! children are the sections of their spec, with the named entries of each list.

use super::{Symbol, SymbolKind};
use crate::analysis::Analysis;
use crate::checks::DocKind;
use crate::policy::PolicyFamily;
use crate::yaml::Node;

const SECTIONS: &[&str] = &[
    "match",
    "exclude",
    "context",
    "preconditions",
    "validate",
    "mutate",
    "generate",
    "verifyImages",
];

pub fn document_symbols(_text: &str, analysis: &Analysis) -> Vec<Symbol> {
    analysis
        .documents
        .iter()
        .filter_map(|d| {
            let Some(DocKind::Policy(kind, _)) = d.kind else {
                return None;
            };
            let root = d.doc.root.as_ref()?;
            let name = root.get("metadata").and_then(|m| m.get("name"));
            let children = match kind.family() {
                PolicyFamily::Jmespath => root
                    .get("spec")
                    .and_then(|s| s.get("rules"))
                    .and_then(Node::as_sequence)
                    .unwrap_or_default()
                    .iter()
                    .map(rule_symbol)
                    .collect(),
                PolicyFamily::Cel | PolicyFamily::Auxiliary => spec_sections(root),
            };
            Some(Symbol {
                name: name
                    .and_then(Node::as_str)
                    .unwrap_or("(unnamed policy)")
                    .to_string(),
                detail: Some(kind.as_str().to_string()),
                kind: SymbolKind::Policy,
                span: root.span.clone(),
                selection_span: name
                    .map_or_else(|| root.span.start..root.span.start, |n| n.span.clone()),
                children,
            })
        })
        .collect()
}

fn rule_symbol(rule: &Node) -> Symbol {
    let name = rule.get("name");
    let entries = rule.as_mapping().unwrap_or_default();
    let children: Vec<Symbol> = entries
        .iter()
        .filter(|e| e.key.as_str().is_some_and(|k| SECTIONS.contains(&k)))
        .map(|e| Symbol {
            name: e.key.key_string(),
            detail: None,
            kind: SymbolKind::Section,
            span: e.key.span.start..e.value.span.end.max(e.key.span.end),
            selection_span: e.key.span.clone(),
            children: Vec::new(),
        })
        .collect();
    let action = ["validate", "mutate", "generate", "verifyImages"]
        .into_iter()
        .find(|a| rule.get(a).is_some());
    Symbol {
        name: name
            .and_then(Node::as_str)
            .unwrap_or("(unnamed rule)")
            .to_string(),
        detail: action.map(str::to_string),
        kind: SymbolKind::Rule,
        span: rule.span.clone(),
        selection_span: name.map_or_else(|| rule.span.start..rule.span.start, |n| n.span.clone()),
        children,
    }
}

/// The sections of a CEL policy's spec (`matchConstraints`, `variables`, `validations`, ...);
/// list entries with a `name` (match conditions, variables) are listed under their section.
fn spec_sections(root: &Node) -> Vec<Symbol> {
    let entries = root
        .get("spec")
        .and_then(Node::as_mapping)
        .unwrap_or_default();
    entries
        .iter()
        .map(|e| {
            let named = e
                .value
                .as_sequence()
                .unwrap_or_default()
                .iter()
                .filter_map(|item| {
                    let n = item.get("name")?;
                    Some(Symbol {
                        name: n.as_str()?.to_string(),
                        detail: None,
                        kind: SymbolKind::Section,
                        span: item.span.clone(),
                        selection_span: n.span.clone(),
                        children: Vec::new(),
                    })
                })
                .collect();
            Symbol {
                name: e.key.key_string(),
                detail: None,
                kind: SymbolKind::Section,
                span: e.key.span.start..e.value.span.end.max(e.key.span.end),
                selection_span: e.key.span.clone(),
                children: named,
            }
        })
        .collect()
}
