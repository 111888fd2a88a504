//! Document symbols, from the lowered policy model: each policy, its rules, and each rule's
//! sections. The other kinds (CEL policies, exceptions, cleanup policies, global context
//! entries) have no rules: their children are the sections of their spec, with the named
//! entries of each list (match conditions, variables).

use super::{Symbol, SymbolKind};
use crate::analysis::Analysis;
use crate::model::{Family, Rule, Section};

pub fn document_symbols(_text: &str, analysis: &Analysis) -> Vec<Symbol> {
    analysis
        .documents
        .iter()
        .filter_map(|d| {
            // Documents the schema does not take for a policy (an unserved version) get none.
            d.kind.and_then(|k| k.family())?;
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
                Family::Cel | Family::Auxiliary => policy
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

fn section_symbol(s: &Section) -> Symbol {
    Symbol {
        name: s.name.clone(),
        detail: None,
        kind: SymbolKind::Section,
        span: s.span.clone(),
        selection_span: s.key_span.clone(),
        children: s
            .items
            .iter()
            .map(|i| Symbol {
                name: i.name.clone(),
                detail: None,
                kind: SymbolKind::Section,
                span: i.span.clone(),
                selection_span: i.name_span.clone(),
                children: Vec::new(),
            })
            .collect(),
    }
}

fn rule_symbol(rule: &Rule) -> Symbol {
    let mut sections: Vec<Symbol> = rule.sections.iter().map(section_symbol).collect();
    // Only a CEL spec lists its named entries; a rule's sections stay flat.
    for s in &mut sections {
        s.children.clear();
    }
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
        children: sections,
    }
}
