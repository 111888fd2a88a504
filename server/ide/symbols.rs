//! Document symbols: each policy, its rules, and each rule's sections.

use super::{Symbol, SymbolKind};
use crate::analysis::Analysis;
use crate::checks::DocKind;
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
            let rules = root
                .get("spec")
                .and_then(|s| s.get("rules"))
                .and_then(Node::as_sequence)
                .unwrap_or_default();
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
                children: rules.iter().map(rule_symbol).collect(),
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
