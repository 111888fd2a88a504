//! Static checks of the CEL in a policy: every expression site the policy model lists is
//! parsed, and syntax errors are placed on the exact characters through the scalar's
//! value-to-source map (plain, quoted, folded and literal scalars alike).

use crate::diag::Diagnostic;
use crate::model::Policy;
use crate::yaml::Node;

/// Diagnostics for the CEL expressions of `policy`, whose document root is `root` (spans in
/// `source`).
pub fn check(source: &str, root: &Node, policy: &Policy) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for site in &policy.cel {
        let Some(node) = site.node(root) else {
            continue;
        };
        let Some(text) = node.as_str() else {
            continue;
        };
        let (_, errors) = crate::cel::parse(text);
        if errors.is_empty() {
            continue;
        }
        let Some(map) = crate::yaml::value_map(source, node) else {
            continue;
        };
        for e in errors {
            let start = e.span.start.min(text.len());
            let end = e.span.end.clamp(start, text.len());
            out.push(Diagnostic::error(
                "cel-syntax",
                map.span(start..end),
                format!("CEL syntax error in {}: {}", site.field_path(), e.message),
            ));
        }
    }
    out
}
