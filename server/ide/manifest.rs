//! A `kyverno-test.yaml` in the editor: a code lens to run it, and a diagnostic on every
//! result entry whose expectation the engine does not meet. The shell runs the manifest (it
//! reads the files) and hands the [`Report`] in.

use super::CodeLens;
use crate::diag::{Diagnostic, Span};
use crate::testing::{Report, Row};
use crate::yaml::Node;

/// `▶ Run N tests` over each `results:` key of a manifest, with the command
/// `kyverno.runTests` and the manifest's path as argument.
pub fn manifest_lenses(text: &str, path: &str) -> Vec<CodeLens> {
    let mut out = Vec::new();
    for doc in crate::yaml::parse(text, &crate::yaml::Limits::default()) {
        let Some(root) = &doc.root else { continue };
        if root.get("kind").and_then(Node::as_str) != Some("Test") {
            continue;
        }
        let Some(entry) = root.entry("results") else {
            continue;
        };
        let n: usize = entry
            .value
            .as_sequence()
            .unwrap_or_default()
            .iter()
            .map(|r| {
                r.get("resources")
                    .and_then(Node::as_sequence)
                    .map_or(1, |s| s.len().max(1))
            })
            .sum();
        out.push(CodeLens {
            span: entry.key.span.clone(),
            title: format!("▶ Run {n} test{}", if n == 1 { "" } else { "s" }),
            command: "kyverno.runTests".to_string(),
            arguments: vec![serde_json::json!({ "manifest": path })],
        });
    }
    out
}

/// One diagnostic (`test-mismatch`, error) per row of `report` whose result differs from the
/// expectation, on the resource name of its result entry (or the entry's `result:` value).
/// Manifests that could not run give one `test-error` at the start of the file.
pub fn manifest_diagnostics(text: &str, report: &Report) -> Vec<Diagnostic> {
    let docs = crate::yaml::parse(text, &crate::yaml::Limits::default());
    let entries: Vec<&Node> = docs
        .iter()
        .filter_map(|d| d.root.as_ref())
        .filter_map(|r| r.get("results")?.as_sequence())
        .flatten()
        .collect();
    let mut out = Vec::new();
    for row in report.results.iter().filter(|r| r.is_mismatch()) {
        let Some(span) = locate(&entries, row) else {
            continue;
        };
        let mut msg = format!(
            "Expected `{}` for {} but the engine says `{}`",
            row.expected, row.resource, row.actual
        );
        if !row.message.is_empty() {
            msg.push_str(": ");
            msg.push_str(&row.message);
        }
        out.push(Diagnostic::error("test-mismatch", span, msg));
    }
    for e in &report.errors {
        out.push(Diagnostic::error("test-error", 0..0, e.message.clone()));
    }
    out.sort_by_key(|d| (d.span.start, d.span.end));
    out
}

/// The resource item of the result entry a row comes from.
fn locate(entries: &[&Node], row: &Row) -> Option<Span> {
    let field = |n: &Node, k: &str| n.get(k).and_then(Node::as_str).unwrap_or("").to_string();
    for e in entries {
        if field(e, "policy") != row.policy
            || field(e, "rule") != row.rule
            || field(e, "result") != row.expected
            || field(e, "kind") != row.kind
        {
            continue;
        }
        let resources = e.get("resources").and_then(Node::as_sequence);
        match resources {
            Some(items) if !items.is_empty() => {
                if let Some(item) = items.iter().find(|i| i.as_str() == Some(&row.resource)) {
                    return Some(item.span.clone());
                }
            }
            _ => return e.get("result").map(|r| r.span.clone()),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nmetadata:\n  name: t\npolicies: [p.yaml]\nresources: [r.yaml]\nresults:\n- policy: p\n  rule: r\n  kind: Pod\n  resources: [good, bad]\n  result: pass\n";

    #[test]
    fn lens_counts_rows() {
        let l = manifest_lenses(MANIFEST, "/ws/kyverno-test.yaml");
        assert_eq!(l.len(), 1);
        assert_eq!(l[0].title, "▶ Run 2 tests");
        assert_eq!(&MANIFEST[l[0].span.clone()], "results");
        assert_eq!(l[0].arguments[0]["manifest"], "/ws/kyverno-test.yaml");
    }

    #[test]
    fn mismatch_on_the_resource_name() {
        let row = |resource: &str, actual: &str| Row {
            manifest: "m".into(),
            policy: "p".into(),
            rule: "r".into(),
            resource: resource.into(),
            kind: "Pod".into(),
            expected: "pass".into(),
            actual: actual.into(),
            ok: actual == "pass",
            message: "validation error: nope".into(),
            rule_type: "pattern".into(),
            policy_api_version: "kyverno.io/v1".into(),
            excluded: false,
        };
        let report = Report {
            manifests: 1,
            results: vec![row("good", "pass"), row("bad", "fail")],
            errors: Vec::new(),
        };
        let d = manifest_diagnostics(MANIFEST, &report);
        assert_eq!(d.len(), 1);
        assert_eq!(&MANIFEST[d[0].span.clone()], "bad");
        assert_eq!(
            d[0].message,
            "Expected `pass` for bad but the engine says `fail`: validation error: nope"
        );
    }
}
