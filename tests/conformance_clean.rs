//! Every file of the upstream policy library is valid: `check` over the whole library
//! (policies, test manifests, resources, values files, chainsaw tests) reports errors only in
//! the few test manifests that are broken upstream.

use std::path::Path;

mod shared_data;

/// The manifests of the library whose expectations cannot hold, whatever the engine: each with
/// why. `check` runs every manifest, so these are its only errors.
const BROKEN_UPSTREAM: &[(&str, &str)] = &[
    (
        "istio/add-ambient-mode-namespace/.kyverno-test/kyverno-test.yaml",
        "names rule `check-ambient-mode-enabled`, which the policy does not have",
    ),
    (
        "istio/enforce-ambient-mode-namespace/.kyverno-test/kyverno-test.yaml",
        "names rule `check-ambient-mode-enabled`, which the policy does not have",
    ),
    (
        "kasten/kasten-data-protection-by-label/.kyverno-test/kyverno-test.yaml",
        "expects `skip` for a resource the rule does not match (no response at all)",
    ),
    (
        "other/require-emptydir-requests-limits/.kyverno-test/kyverno-test.yaml",
        "expects `skip` for a resource that gets no response",
    ),
];

#[test]
fn check_finds_errors_only_in_files_broken_upstream() {
    let Some(root) = shared_data::path("conformance/kyverno-policies", "conformance_clean") else {
        return;
    };
    let (files, _) = kyverno_ls::vfs::walk(
        &kyverno_ls::vfs::FsFiles::new(&root),
        &root,
        &kyverno_ls::vfs::is_yaml,
    );
    assert!(
        files.len() > 1000,
        "expected the conformance data at {}",
        root.display()
    );
    // Exactly what `kyverno-ls check --format json <library>` does, chainsaw tests and test
    // manifests included.
    let opts = kyverno_ls::cli::check::Options::parse(&[
        "--format".to_string(),
        "json".to_string(),
        root.display().to_string(),
    ])
    .unwrap();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = kyverno_ls::cli::check::run(&opts, &mut out, &mut err);
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let mut policies = 0;
    let mut errors = Vec::new();
    let mut broken = Vec::new();
    for f in json["files"].as_array().unwrap() {
        let path = Path::new(f["path"].as_str().unwrap());
        let shown = path.strip_prefix(&root).unwrap().display().to_string();
        let text = std::fs::read_to_string(path).unwrap();
        policies += usize::from(
            text.contains("apiVersion: kyverno.io/") && !shown.contains(".chainsaw-test"),
        );
        let mut any = false;
        for d in f["diagnostics"].as_array().unwrap() {
            if d["severity"] != "error" {
                continue;
            }
            any = true;
            if !BROKEN_UPSTREAM.iter().any(|(p, _)| *p == shown) {
                errors.push(format!("{shown}: {} {}", d["code"], d["message"]));
            }
        }
        if any {
            broken.push(shown);
        }
    }
    assert!(policies > 250, "only {policies} Kyverno policies found");
    assert!(
        errors.is_empty(),
        "{} errors:\n{}",
        errors.len(),
        errors.join("\n")
    );
    let expected: Vec<&str> = BROKEN_UPSTREAM.iter().map(|(p, _)| *p).collect();
    assert_eq!(broken, expected);
    assert_eq!(code, 1, "{}", String::from_utf8_lossy(&err));
}
