//! Every file of the upstream policy library is valid: kyverno-ls must report no error on any
//! of them (policies, test manifests, resources, values files).

use std::path::{Path, PathBuf};

mod shared_data;

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            yaml_files(&p, out);
        } else if matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
            out.push(p);
        }
    }
}

#[test]
fn no_errors_on_the_upstream_policy_library() {
    let Some(root) = shared_data::path("conformance/kyverno-policies", "conformance_clean") else {
        return;
    };
    let mut files = Vec::new();
    yaml_files(&root, &mut files);
    files.sort();
    assert!(
        files.len() > 1000,
        "expected the conformance data at {}",
        root.display()
    );
    let mut errors = Vec::new();
    let mut policies = 0;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        // Simulation verdicts (errors under Enforce) are about resources, not the policy.
        let inputs = kyverno_ls::analysis::Inputs {
            builtin_samples: false,
            ..Default::default()
        };
        let a = kyverno_ls::analysis::analyze_with(&text, &inputs);
        policies += a
            .documents
            .iter()
            .filter(|d| matches!(d.kind, Some(kyverno_ls::checks::DocKind::Policy(..))))
            .count();
        let index = kyverno_ls::text::LineIndex::new(&text);
        for d in a
            .diagnostics
            .iter()
            .filter(|d| d.severity == kyverno_ls::diag::Severity::Error)
        {
            let p = index.position_utf16(&text, d.span.start);
            errors.push(format!(
                "{}:{}:{}: {} {}",
                f.strip_prefix(&root).unwrap().display(),
                p.line + 1,
                p.character + 1,
                d.code,
                d.message
            ));
        }
    }
    assert!(policies > 250, "only {policies} Kyverno policies found");
    assert!(
        errors.is_empty(),
        "{} errors:\n{}",
        errors.len(),
        errors.join("\n")
    );
}
