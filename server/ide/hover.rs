//! Hover on a key or value of a policy: the field's documentation from the model.

use super::Hover;
use super::locate::{Target, path_from_indentation, path_in_tree, policy_at, schema_at, shape};
use crate::analysis::Analysis;
use crate::checks::Seg;
use crate::checks::schema::{SchemaNode, Schemas};
use crate::policy::PolicyFamily;

pub fn hover(text: &str, analysis: &Analysis, offset: usize) -> Option<Hover> {
    let Some((kind, version, doc_span)) = policy_at(text, analysis, offset) else {
        // A resource (a sample): its fields' documentation from the Kubernetes API.
        return super::resource_keys::resource_hover(text, analysis, offset);
    };
    // The value for the current sample first; a function's documentation stays below it.
    let (value, function) = match kind.family() {
        PolicyFamily::Jmespath => (
            super::evaluate::hover(text, analysis, offset)
                .or_else(|| super::cel_values::hover(analysis, offset)),
            super::expr::hover(text, analysis, offset)
                .or_else(|| super::cel::hover(text, analysis, offset)),
        ),
        PolicyFamily::Cel => (
            super::cel_values::hover(analysis, offset),
            super::cel::hover(text, analysis, offset),
        ),
        PolicyFamily::Auxiliary => (None, None),
    };
    match (value, function) {
        (Some(v), Some(f)) => {
            return Some(Hover {
                markdown: format!("{}\n\n---\n\n{}", v.markdown, f.markdown),
                span: f.span,
            });
        }
        (Some(h), None) | (None, Some(h)) => return Some(h),
        (None, None) => {}
    }
    let doc = analysis.document_at(offset)?;
    let (mut path, target) = match &doc.doc.root {
        Some(root) => path_in_tree(root, offset)?,
        None => key_from_text(text, doc_span.start, offset)?,
    };
    // A key of a pattern or patch: the resource field's documentation.
    if let Target::Key(span) = &target {
        if let Some(h) = super::resource_keys::hover(text, analysis, offset, &path, span.clone()) {
            return Some(h);
        }
    }
    // A list item's documentation is its list's.
    while matches!(path.last(), Some(Seg::Index(_))) {
        path.pop();
    }
    let Some(Seg::Key(name)) = path.last().cloned() else {
        return None;
    };
    let schemas = Schemas::get();
    let id = schema_at(schemas, schemas.root(kind, version)?, &path)?;
    let span = match target {
        Target::Key(s) | Target::Value(s) => s,
    };
    Some(Hover {
        markdown: field_markdown(&name, schemas.node(id)),
        span,
    })
}

/// The key under the cursor in a document that does not parse, from indentation alone.
fn key_from_text(text: &str, doc_start: usize, offset: usize) -> Option<(Vec<Seg>, Target)> {
    let line_start = text[..offset]
        .rfind('\n')
        .map_or(0, |i| i + 1)
        .max(doc_start);
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let line = &text[line_start..line_end];
    let s = shape(line)?;
    let key = s.key?;
    let key_start = line_start + s.key_col;
    if offset < key_start || offset > key_start + key.len() {
        return None;
    }
    let lines: Vec<&str> = text[doc_start..line_end].lines().collect();
    let mut path =
        path_from_indentation(&lines, lines.len().saturating_sub(1), s.key_col, s.dash_col);
    path.push(Seg::Key(key.to_string()));
    Some((path, Target::Key(key_start..key_start + key.len())))
}

/// Markdown for one field: name and type, description, allowed values and default.
pub fn field_markdown(name: &str, node: &SchemaNode) -> String {
    let mut md = format!("**`{name}`** · *{}*", node.type_label());
    if let Some(d) = &node.description {
        md.push_str("\n\n");
        md.push_str(d);
    }
    let mut facts = Vec::new();
    if let Some(values) = &node.enum_values {
        let list: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
        facts.push(format!("Allowed values: {}", list.join(", ")));
    }
    if let Some(d) = &node.default {
        match d.as_str() {
            Some(text) => facts.push(format!("Default: `{text}`")),
            None => facts.push(format!("Default: `{d}`")),
        }
    }
    if let Some(m) = node.max_length {
        facts.push(format!("At most {m} characters"));
    }
    if !facts.is_empty() {
        md.push_str("\n\n");
        md.push_str(&facts.join(" · "));
    }
    md
}
