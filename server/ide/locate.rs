//! Where the cursor is: the path of keys from the document root to the node under an offset,
//! and the schema node that describes it.
//!
//! Two ways to find the path: the parsed tree (exact, flow style included) and, for text that
//! does not parse while being typed, the indentation of the lines above the cursor.

use crate::analysis::Analysis;
use crate::checks::schema::{Additional, SchemaId, Schemas};
use crate::checks::{DocKind, Seg};
use crate::diag::Span;
use crate::policy::{ApiVersion, PolicyKind};
use crate::yaml::{Node, NodeKind};

/// What the cursor is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A mapping key: the path ends with that key.
    Key(Span),
    /// A scalar value: the path ends with the key (or index) holding it.
    Value(Span),
}

/// The path to the deepest key or scalar under `offset` in a parsed tree.
pub fn path_in_tree(root: &Node, offset: usize) -> Option<(Vec<Seg>, Target)> {
    let mut path = Vec::new();
    let mut node = root;
    loop {
        match &node.kind {
            NodeKind::Mapping(entries) => {
                let e = entries
                    .iter()
                    .find(|e| contains(&e.key.span, offset) || contains(&e.value.span, offset))?;
                path.push(Seg::Key(e.key.key_string()));
                if contains(&e.key.span, offset) {
                    return Some((path, Target::Key(e.key.span.clone())));
                }
                node = &e.value;
            }
            NodeKind::Sequence(items) => {
                let (i, item) = items
                    .iter()
                    .enumerate()
                    .find(|(_, n)| contains(&n.span, offset))?;
                path.push(Seg::Index(i));
                node = item;
            }
            NodeKind::Scalar(_) => return Some((path, Target::Value(node.span.clone()))),
        }
    }
}

fn contains(span: &Span, offset: usize) -> bool {
    span.start <= offset && offset <= span.end && span.start < span.end
}

/// The schema node at `path` below `root`, following properties, list items and map values.
pub fn schema_at(schemas: &Schemas, root: SchemaId, path: &[Seg]) -> Option<SchemaId> {
    let mut id = root;
    for seg in path {
        let node = schemas.node(id);
        id = match seg {
            Seg::Key(k) => match node.property(k) {
                Some(p) => p,
                None => match node.additional {
                    Additional::Schema(a) => a,
                    _ => return None,
                },
            },
            Seg::Index(_) => node.items?,
        };
    }
    Some(id)
}

/// The policy kind and version of the document around `offset`, from the parsed tree or, if
/// it did not parse, from its top-level `apiVersion:` and `kind:` lines.
pub fn policy_at(
    text: &str,
    analysis: &Analysis,
    offset: usize,
) -> Option<(PolicyKind, ApiVersion, Span)> {
    let doc = analysis.document_at(offset)?;
    if let Some(DocKind::Policy(k, v)) = doc.kind {
        return Some((k, v, doc.doc.span.clone()));
    }
    if doc.doc.root.is_some() {
        return None;
    }
    let body = &text[doc.doc.span.clone()];
    let top = |key: &str| {
        body.lines().find_map(|l| {
            l.strip_prefix(key)
                .and_then(|r| r.strip_prefix(':'))
                .map(|v| v.trim().trim_matches(['"', '\'']))
        })
    };
    let (k, v) = PolicyKind::served(top("apiVersion")?, top("kind")?)?;
    Some((k, v, doc.doc.span.clone()))
}

/// One line's shape: indentation of its key, and where its `- ` markers are.
#[derive(Debug)]
pub struct LineShape<'a> {
    /// Column of the first character after the indentation and any `- ` markers.
    pub key_col: usize,
    /// Column of the first `- `, if the line starts a list item.
    pub dash_col: Option<usize>,
    /// The key, if the content looks like `key:` or `key: value`.
    pub key: Option<&'a str>,
    /// Whether nothing follows the key's colon (a nested block starts below).
    pub opens_block: bool,
}

pub fn shape(line: &str) -> Option<LineShape<'_>> {
    let bytes = line.as_bytes();
    let mut col = 0;
    let mut dash_col = None;
    loop {
        while col < bytes.len() && bytes[col] == b' ' {
            col += 1;
        }
        if col < bytes.len()
            && bytes[col] == b'-'
            && matches!(bytes.get(col + 1), None | Some(b' '))
        {
            dash_col.get_or_insert(col);
            col += 1;
            continue;
        }
        break;
    }
    let content = line[col..].trim_end();
    if content.is_empty() && dash_col.is_none() {
        return None;
    }
    if content.starts_with('#') {
        return None;
    }
    let (key, opens_block) = match find_colon(content) {
        Some(i) => {
            let rest = content[i + 1..].trim();
            let k = content[..i].trim().trim_matches(['"', '\'']);
            (
                Some(k),
                rest.is_empty() || rest.starts_with('#') || rest.starts_with('&'),
            )
        }
        None => (None, false),
    };
    Some(LineShape {
        key_col: col,
        dash_col,
        key,
        opens_block,
    })
}

/// The colon that ends a plain or quoted key: followed by a space or the end of the line.
fn find_colon(content: &str) -> Option<usize> {
    let b = content.as_bytes();
    let mut quote = None;
    for i in 0..b.len() {
        match (quote, b[i]) {
            (None, b'"' | b'\'') if i == 0 => quote = Some(b[i]),
            (Some(q), c) if c == q => quote = None,
            (None, b':') if matches!(b.get(i + 1), None | Some(b' ' | b'\t')) => return Some(i),
            (None, b'#') if i > 0 && b[i - 1] == b' ' => return None,
            _ => {}
        }
    }
    None
}

/// The path of the block mapping that a key at column `col` on line `line_no` belongs to,
/// read from the indentation of the lines above. List indexes are reported as 0: the schema
/// is the same for every item.
pub fn path_from_indentation(
    lines: &[&str],
    line_no: usize,
    key_col: usize,
    dash_col: Option<usize>,
) -> Vec<Seg> {
    let mut rev = Vec::new();
    // Whether the mapping we are in is a list item whose `- ` we have not passed yet.
    let mut in_item = dash_col.is_some();
    let mut col = dash_col.unwrap_or(key_col);
    let mut j = line_no;
    while j > 0 && col > 0 {
        j -= 1;
        let Some(s) = shape(lines[j]) else { continue };
        if in_item {
            // Looking for the list's parent: a key left of the dash, or at the dash's column
            // for the compact style (`rules:` then `- name:` at the same indentation).
            if s.key_col < col || (s.key_col == col && s.opens_block && s.dash_col.is_none()) {
                rev.push(Seg::Index(0));
                in_item = false;
            } else {
                continue;
            }
        } else if s.key_col >= col {
            if s.key_col == col {
                if let Some(d) = s.dash_col {
                    // A sibling key that starts the list item: the item's dash is the new limit.
                    in_item = true;
                    col = d;
                }
            }
            continue;
        }
        // A line left of us: its key opens the block we are in.
        if let Some(k) = s.key {
            if s.opens_block {
                rev.push(Seg::Key(k.to_string()));
            }
        }
        col = s.key_col;
        if let Some(d) = s.dash_col {
            in_item = true;
            col = d;
        }
        // When the parent line itself starts a list item, keep climbing to the list's parent.
        if in_item && col == 0 {
            rev.push(Seg::Index(0));
            in_item = false;
        }
    }
    if in_item {
        rev.push(Seg::Index(0));
    }
    rev.reverse();
    rev
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(text: &str, line: usize) -> Vec<Seg> {
        let lines: Vec<&str> = text.lines().collect();
        let l = lines[line];
        let s = shape(l).unwrap();
        path_from_indentation(&lines, line, s.key_col, s.dash_col)
    }

    fn keys(p: &[Seg]) -> String {
        crate::checks::path_string(p)
    }

    #[test]
    fn indentation_paths() {
        let t = "spec:\n  rules:\n  - name: a\n    mat\n    match:\n      any:\n      - resources:\n          kin\n";
        assert_eq!(keys(&path(t, 3)), "spec.rules[0]");
        assert_eq!(keys(&path(t, 2)), "spec.rules[0]");
        assert_eq!(keys(&path(t, 7)), "spec.rules[0].match.any[0].resources");
        assert_eq!(keys(&path(t, 1)), "spec");
        assert_eq!(keys(&path(t, 0)), "the document");
        let t = "spec:\n  rules:\n    - name: a\n      validate:\n        mess\n";
        assert_eq!(keys(&path(t, 4)), "spec.rules[0].validate");
    }
}
