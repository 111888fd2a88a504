//! Completion of keys and enum values in policies, from the model. Works on half-typed text:
//! the path to the cursor is read from indentation, not from a parse.

use super::locate::{LineShape, path_from_indentation, policy_at, schema_at, shape};
use super::{Completion, CompletionKind};
use crate::analysis::Analysis;
use crate::checks::Seg;
use crate::checks::schema::{SchemaNode, Schemas, Ty};
use crate::policy::PolicyFamily;

pub fn completion(text: &str, analysis: &Analysis, offset: usize) -> Vec<Completion> {
    let offset = crate::text::clamp_to_char(text, offset);
    let Some((kind, version, doc_span)) = policy_at(text, analysis, offset) else {
        return resource_completion(text, analysis, offset).unwrap_or_default();
    };
    // Inside a CEL expression of either family: the CEL vocabulary.
    if let Some(items) = super::cel::completion(text, analysis, offset) {
        return items;
    }
    // JMESPath completion inside the `{{ }}`, `list:` and `jmesPath:` of rules.
    if kind.family() == PolicyFamily::Jmespath {
        if let Some(items) = super::expr::completion(text, analysis, offset) {
            return items;
        }
    }
    let line_start = text[..offset]
        .rfind('\n')
        .map_or(0, |i| i + 1)
        .max(doc_span.start);
    let before = &text[line_start..offset];
    let lines: Vec<&str> = text[doc_span.start..offset].split('\n').collect();
    let line_no = lines.len() - 1;
    let schemas = Schemas::get();
    let Some(root) = schemas.root(kind, version) else {
        return Vec::new();
    };

    let cur = shape(before).unwrap_or(LineShape {
        key_col: before.len(),
        dash_col: None,
        key: None,
        opens_block: false,
    });
    let mut path = path_from_indentation(&lines, line_no, cur.key_col, cur.dash_col);

    // A key inside a pattern or patch: the fields of the resources the rule matches.
    if cur.key.is_none() {
        let typed = &before[cur.key_col.min(before.len())..];
        let all_lines: Vec<&str> = text[doc_span.clone()].split('\n').collect();
        let present = sibling_keys(&all_lines, line_no, cur.key_col, cur.dash_col.is_some());
        if let Some(items) =
            super::resource_keys::completion(text, analysis, offset, &path, typed, &present)
        {
            return items;
        }
    }

    if let Some(key) = cur.key {
        // `key: partial` — complete the value.
        path.push(Seg::Key(key.to_string()));
        let Some(id) = schema_at(schemas, root, &path) else {
            return Vec::new();
        };
        return value_items(schemas.node(id), key);
    }

    let word = &before[cur.key_col.min(before.len())..];
    if !word
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
    {
        return Vec::new();
    }
    let Some(id) = schema_at(schemas, root, &path) else {
        return Vec::new();
    };
    let node = schemas.node(id);
    // `- |` in a block list of plain values, such as `validationActions`: the item's values.
    if cur.dash_col.is_some() && node.properties.is_empty() {
        let list = path.iter().rev().find_map(|seg| match seg {
            Seg::Key(k) => Some(k.as_str()),
            Seg::Index(_) => None,
        });
        return value_items(node, list.unwrap_or_default());
    }
    let all_lines: Vec<&str> = text[doc_span.clone()].split('\n').collect();
    let present = sibling_keys(&all_lines, line_no, cur.key_col, cur.dash_col.is_some());
    node.properties
        .iter()
        .filter(|(name, _)| !present.contains(&name.as_str()))
        .map(|(name, pid)| {
            let p = schemas.node(*pid);
            Completion {
                label: name.clone(),
                kind: CompletionKind::Field,
                detail: Some(p.type_label()),
                documentation: p.description.clone(),
                insert_text: format!("{name}: "),
            }
        })
        .collect()
}

/// Keys of a resource document (a sample): the fields of its kind at the cursor's place.
fn resource_completion(text: &str, analysis: &Analysis, offset: usize) -> Option<Vec<Completion>> {
    let doc_span = analysis.document_at(offset)?.doc.span.clone();
    let line_start = text[..offset]
        .rfind('\n')
        .map_or(0, |i| i + 1)
        .max(doc_span.start);
    let before = &text[line_start..offset];
    let cur = shape(before).unwrap_or(LineShape {
        key_col: before.len(),
        dash_col: None,
        key: None,
        opens_block: false,
    });
    // A value being typed is not a key.
    if cur.key.is_some() {
        return None;
    }
    let lines: Vec<&str> = text[doc_span.start..offset].split('\n').collect();
    let line_no = lines.len() - 1;
    let path = path_from_indentation(&lines, line_no, cur.key_col, cur.dash_col);
    let typed = &before[cur.key_col.min(before.len())..];
    let all_lines: Vec<&str> = text[doc_span].split('\n').collect();
    let present = sibling_keys(&all_lines, line_no, cur.key_col, cur.dash_col.is_some());
    super::resource_keys::resource_completion(text, analysis, offset, &path, typed, &present)
}

/// The values a scalar field takes: its enum, or `true`/`false`; `detail` names the field.
fn value_items(node: &SchemaNode, detail: &str) -> Vec<Completion> {
    let values: Vec<String> = match (&node.enum_values, node.ty) {
        (Some(v), _) => v.clone(),
        (None, Some(Ty::Boolean)) => vec!["true".into(), "false".into()],
        _ => Vec::new(),
    };
    values
        .into_iter()
        .map(|v| Completion {
            label: v.clone(),
            kind: CompletionKind::EnumValue,
            detail: Some(detail.to_string()),
            documentation: None,
            insert_text: v,
        })
        .collect()
}

/// Keys already present in the block mapping of the line `line_no` (whose keys start at `col`).
fn sibling_keys<'a>(
    lines: &[&'a str],
    line_no: usize,
    col: usize,
    line_is_item: bool,
) -> Vec<&'a str> {
    let mut keys = Vec::new();
    if !line_is_item {
        for l in lines[..line_no].iter().rev() {
            let Some(s) = shape(l) else { continue };
            if s.key_col < col {
                break;
            }
            if s.key_col == col {
                keys.extend(s.key);
                if s.dash_col.is_some() {
                    break;
                }
            }
        }
    }
    for l in lines.iter().skip(line_no + 1) {
        let Some(s) = shape(l) else { continue };
        if s.key_col < col || (s.key_col == col && s.dash_col.is_some()) {
            break;
        }
        if s.key_col == col {
            keys.extend(s.key);
        }
    }
    keys
}
