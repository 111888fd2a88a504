//! Document symbols: each policy, its rules (a CEL policy is one), and each rule's sections,
//! from the lowered policy model.

use super::{Symbol, SymbolKind};
use crate::analysis::Analysis;
use crate::model::{Family, Rule};

pub fn document_symbols(_text: &str, analysis: &Analysis) -> Vec<Symbol> {
    analysis
        .documents
        .iter()
        .filter_map(|d| {
            let policy = d.policy.as_ref()?;
            let root = d.doc.root.as_ref()?;
            let name = if policy.name.is_empty() {
                "(unnamed policy)".to_string()
            } else {
                policy.name.clone()
            };
            let selection_span = policy
                .name_span
                .clone()
                .unwrap_or(root.span.start..root.span.start);
            let children = match policy.family {
                Family::Jmespath => policy.rules.iter().map(rule_symbol).collect(),
                // The policy is its one rule: its sections are the policy's children.
                Family::Cel => policy
                    .rules
                    .iter()
                    .flat_map(|r| r.sections.iter().map(section_symbol))
                    .collect(),
            };
            Some(Symbol {
                name,
                detail: Some(policy.kind.clone()),
                kind: SymbolKind::Policy,
                span: root.span.clone(),
                selection_span,
                children,
            })
        })
        .collect()
}

fn section_symbol(s: &crate::model::Section) -> Symbol {
    Symbol {
        name: s.name.clone(),
        detail: None,
        kind: SymbolKind::Section,
        span: s.span.clone(),
        selection_span: s.key_span.clone(),
        children: Vec::new(),
    }
}

fn rule_symbol(rule: &Rule) -> Symbol {
    Symbol {
        name: if rule.name.is_empty() {
            "(unnamed rule)".to_string()
        } else {
            rule.name.clone()
        },
        detail: rule.action.map(str::to_string),
        kind: SymbolKind::Rule,
        span: rule.span.clone(),
        selection_span: rule.name_span.clone(),
        children: rule.sections.iter().map(section_symbol).collect(),
    }
}
