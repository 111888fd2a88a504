//! Completion and hover of resource fields inside a rule's `pattern`, `anyPattern` and
//! `patchStrategicMerge`: the keys there are the fields of the kinds the rule's `match` names,
//! so they come from the Kubernetes API index, with its descriptions, through any anchor
//! (`=(securityContext)`, `+(imagePullPolicy)`).

use super::{Completion, CompletionKind, Hover};
use crate::analysis::Analysis;
use crate::checks::Seg;
use crate::engine::anchor;
use crate::k8s::{self, Catalog, Shape};

/// Where, below a rule, a path runs into a resource: the segments after the pattern or patch
/// key, or None when the path is elsewhere.
fn below_resource(path: &[Seg]) -> Option<&[Seg]> {
    let key = |i: usize, k: &str| matches!(path.get(i), Some(Seg::Key(x)) if x == k);
    if !(key(0, "spec") && key(1, "rules") && matches!(path.get(2), Some(Seg::Index(_)))) {
        return None;
    }
    let rest = &path[3..];
    let key_at = |i: usize, k: &str| matches!(rest.get(i), Some(Seg::Key(x)) if x == k);
    if key_at(0, "validate") && key_at(1, "pattern") {
        return Some(&rest[2..]);
    }
    if key_at(0, "validate")
        && key_at(1, "anyPattern")
        && matches!(rest.get(2), Some(Seg::Index(_)))
    {
        return Some(&rest[3..]);
    }
    if key_at(0, "mutate") {
        // `patchStrategicMerge` of the rule or of a `foreach` entry, at any depth: a patch of
        // the whole resource either way.
        let mut i = 1;
        while key_at(i, "foreach") && matches!(rest.get(i + 1), Some(Seg::Index(_))) {
            i += 2;
        }
        if key_at(i, "patchStrategicMerge") {
            return Some(&rest[i + 1..]);
        }
    }
    None
}

/// The `match` kinds of the rule holding `offset`. While a key is being typed the document
/// may not parse: it is then read again with the cursor's line blanked (offsets kept).
fn match_kinds(text: &str, analysis: &Analysis, offset: usize) -> Option<Vec<String>> {
    let doc = analysis.document_at(offset)?;
    // The last rule that starts before the cursor: a new line at a rule's end is past its
    // span.
    let of = |model: &crate::model::Policy, at: usize| {
        model
            .rules
            .iter()
            .filter(|r| r.span.start <= at)
            .max_by_key(|r| r.span.start)
            .and_then(|r| r.match_kinds.clone())
    };
    if let Some(model) = &doc.policy {
        return of(model, offset);
    }
    let span = doc.doc.span.clone();
    let chunk = text.get(span.clone())?;
    let at = offset.checked_sub(span.start)?;
    let line_start = chunk[..at].rfind('\n').map_or(0, |i| i + 1);
    let line_end = chunk[at..].find('\n').map_or(chunk.len(), |i| at + i);
    let blanked = format!(
        "{}{}{}",
        &chunk[..line_start],
        " ".repeat(line_end - line_start),
        &chunk[line_end..]
    );
    let parsed = crate::yaml::parse_chunk(&blanked, &crate::yaml::Limits::default())?;
    let model = crate::model::Policy::lower(parsed.root.as_ref()?)?;
    of(&model, at)
}

/// The shapes at `below` in the kinds of `kinds`, and the kinds' names and source.
fn shapes_at(
    catalog: &Catalog,
    kinds: &[String],
    below: &[Seg],
) -> Option<(Vec<Shape>, String, String)> {
    let matched = crate::checks::resource_fields::rule_kinds(catalog, kinds)?;
    let mut current = matched.shapes;
    for seg in below {
        current = match seg {
            Seg::Key(written) => {
                let key = anchor::parse(written).map_or(written.as_str(), |a| a.key);
                current
                    .iter()
                    .filter_map(|s| match s {
                        Shape::Object(t) => catalog.ty(*t).field(key).map(|f| f.shape.clone()),
                        Shape::Map(inner) => Some((**inner).clone()),
                        _ => None,
                    })
                    .collect()
            }
            Seg::Index(_) => current
                .iter()
                .filter_map(|s| match s {
                    Shape::Array(inner) => Some((**inner).clone()),
                    _ => None,
                })
                .collect(),
        };
        if current.is_empty() {
            return None;
        }
    }
    Some((current, matched.names, matched.source))
}

/// The fields the object shapes offer, each once.
fn fields_of<'a>(catalog: &'a Catalog, shapes: &[Shape]) -> Vec<&'a k8s::Field> {
    let mut out: Vec<&k8s::Field> = Vec::new();
    for s in shapes {
        if let Shape::Object(t) = s {
            for f in &catalog.ty(*t).fields {
                if !out.iter().any(|o| o.name == f.name) {
                    out.push(f);
                }
            }
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// Completion of a key at `path` (the key being typed not included), `typed` being what the
/// line holds so far from the key's column; `present` the keys already there.
pub fn completion(
    text: &str,
    analysis: &Analysis,
    offset: usize,
    path: &[Seg],
    typed: &str,
    present: &[&str],
) -> Option<Vec<Completion>> {
    let below = below_resource(path)?;
    let kinds = match_kinds(text, analysis, offset)?;
    complete_fields(&analysis.catalog, &kinds, below, typed, present)
}

/// The fields at `below` in the kinds named, less those `present`.
fn complete_fields(
    catalog: &Catalog,
    kinds: &[String],
    below: &[Seg],
    typed: &str,
    present: &[&str],
) -> Option<Vec<Completion>> {
    let (shapes, names, _) = shapes_at(catalog, kinds, below)?;
    // Inside an anchor being typed (`=(sec`), the name closes it.
    let opener = ["=(", "X(", "^(", "+(", "<(", "("]
        .into_iter()
        .find(|o| typed.starts_with(o));
    let present: Vec<&str> = present
        .iter()
        .map(|k| anchor::parse(k).map_or(*k, |a| a.key))
        .collect();
    Some(
        fields_of(catalog, &shapes)
            .into_iter()
            .filter(|f| !present.contains(&&*f.name))
            .map(|f| Completion {
                label: f.name.to_string(),
                kind: CompletionKind::Field,
                detail: Some(format!("{} ({names})", catalog.describe(&f.shape))),
                documentation: Some(f.description()),
                insert_text: match opener {
                    Some(_) => format!("{}): ", f.name),
                    None => format!("{}: ", f.name),
                },
            })
            .collect(),
    )
}

/// Completion of the next field of a `request.object.…` (or `request.oldObject.…`) path in an
/// expression, `parent` being the path up to the last dot: the fields the kinds the rule
/// matches have there, with their descriptions. None when that is unknown (a custom resource,
/// a wildcard kind, a step through a filter).
pub fn object_path_completion(
    text: &str,
    analysis: &Analysis,
    offset: usize,
    parent: &str,
) -> Option<Vec<Completion>> {
    let rest = parent
        .strip_prefix("request.object")
        .or_else(|| parent.strip_prefix("request.oldObject"))?;
    let mut segments = Vec::new();
    for step in rest.split('.').filter(|s| !s.is_empty()) {
        let (name, indexed) = match step.split_once('[') {
            Some((name, _)) => (name, true),
            None => (step, false),
        };
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return None;
        }
        segments.push(Seg::Key(name.to_string()));
        if indexed {
            segments.push(Seg::Index(0));
        }
    }
    let kinds = match_kinds(text, analysis, offset)?;
    let catalog = &*analysis.catalog;
    let (shapes, names, _) = shapes_at(catalog, &kinds, &segments)?;
    Some(
        fields_of(catalog, &shapes)
            .into_iter()
            .map(|f| Completion {
                label: f.name.to_string(),
                kind: CompletionKind::Field,
                detail: Some(format!("{} ({names})", catalog.describe(&f.shape))),
                documentation: Some(f.description()),
                insert_text: f.name.to_string(),
            })
            .collect(),
    )
}

/// Hover on a key of a pattern or patch: the field's type and description.
pub fn hover(
    text: &str,
    analysis: &Analysis,
    offset: usize,
    path: &[Seg],
    span: crate::diag::Span,
) -> Option<Hover> {
    let below = below_resource(path)?;
    let kinds = match_kinds(text, analysis, offset)?;
    field_hover(&analysis.catalog, &kinds, below, span)
}

/// The type and description of the field a path ends at, in the kinds named.
fn field_hover(
    catalog: &Catalog,
    kinds: &[String],
    below: &[Seg],
    span: crate::diag::Span,
) -> Option<Hover> {
    let (last, parent) = below.split_last()?;
    let Seg::Key(written) = last else {
        return None;
    };
    let key = anchor::parse(written).map_or(written.as_str(), |a| a.key);
    let (shapes, names, source) = shapes_at(catalog, kinds, parent)?;
    let field = fields_of(catalog, &shapes)
        .into_iter()
        .find(|f| f.name == key)?;
    Some(Hover {
        markdown: format!(
            "**`{}`** `{}` — a field of {names} ({source})\n\n{}",
            field.name,
            catalog.describe(&field.shape),
            field.description()
        ),
        span,
    })
}

/// The kind of a resource document (a sample: a modeline's file, a test's resources, a
/// resource beside the policy), as a `match` would name it, when the catalog knows it.
fn resource_kind(text: &str, analysis: &Analysis, offset: usize) -> Option<Vec<String>> {
    let doc = analysis.document_at(offset)?;
    if matches!(doc.kind, Some(crate::checks::DocKind::Policy(..))) {
        return None;
    }
    let top = |key: &str| -> Option<String> {
        if let Some(root) = &doc.doc.root {
            return root.get(key)?.as_str().map(str::to_string);
        }
        text.get(doc.doc.span.clone())?.lines().find_map(|l| {
            l.strip_prefix(key)?
                .strip_prefix(':')
                .map(|v| v.trim().trim_matches(['"', '\'']).to_string())
        })
    };
    let selector = format!("{}/{}", top("apiVersion")?, top("kind")?);
    crate::checks::resource_fields::rule_kinds(&analysis.catalog, std::slice::from_ref(&selector))?;
    Some(vec![selector])
}

/// Hover on a key of a resource document: the field's type and description.
pub fn resource_hover(text: &str, analysis: &Analysis, offset: usize) -> Option<Hover> {
    let kinds = resource_kind(text, analysis, offset)?;
    let root = analysis.document_at(offset)?.doc.root.as_ref()?;
    let (path, target) = super::locate::path_in_tree(root, offset)?;
    let super::locate::Target::Key(span) = target else {
        return None;
    };
    field_hover(&analysis.catalog, &kinds, &path, span)
}

/// Completion of a key in a resource document, at `path` (the key being typed not included).
pub fn resource_completion(
    text: &str,
    analysis: &Analysis,
    offset: usize,
    path: &[Seg],
    typed: &str,
    present: &[&str],
) -> Option<Vec<Completion>> {
    let kinds = resource_kind(text, analysis, offset)?;
    complete_fields(&analysis.catalog, &kinds, path, typed, present)
}
