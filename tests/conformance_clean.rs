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

/// Every CEL expression of the library and of Kyverno's CLI tests type-checks: Kyverno accepts
/// all of these policies, so any finding of the checker there is a false positive. Also a floor
/// on how many expressions are checked, so that a change which stops finding them does not
/// pass silently.
#[test]
fn every_cel_expression_of_the_library_type_checks() {
    let Some(library) = shared_data::path("conformance/kyverno-policies", "conformance_clean")
    else {
        return;
    };
    let (sites, typed, mut findings) = check_cel_under(&library);
    println!("library: {sites} CEL expressions checked, {typed} with a known output type");
    assert!(sites >= 400, "only {sites} CEL expressions found");
    if let Some(cli) = shared_data::path("kyverno-cli-tests", "conformance_clean") {
        let (sites, typed, more) = check_cel_under(&cli);
        println!("CLI tests: {sites} CEL expressions checked, {typed} with a known output type");
        assert!(
            sites >= 100,
            "only {sites} CEL expressions found in the CLI tests"
        );
        findings.extend(more);
    }
    assert!(
        findings.is_empty(),
        "{} findings:\n{}",
        findings.len(),
        findings.join("\n")
    );
}

/// (expressions checked, those with a known output type, findings) for the YAML under `root`.
fn check_cel_under(root: &Path) -> (usize, usize, Vec<String>) {
    use kyverno_ls::checks::cel_lint::{SiteResult, check_policy};
    let (files, _) = kyverno_ls::vfs::walk(
        &kyverno_ls::vfs::FsFiles::new(root),
        root,
        &kyverno_ls::vfs::is_yaml,
    );
    let limits = kyverno_ls::yaml::Limits::default();
    let (mut sites, mut typed, mut findings) = (0, 0, Vec::new());
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        for range in kyverno_ls::yaml::document_ranges(&text) {
            let Some(doc) = kyverno_ls::yaml::parse_chunk(&text[range], &limits) else {
                continue;
            };
            let Some(node) = doc.root.as_ref() else {
                continue;
            };
            let Some(policy) = kyverno_ls::model::Policy::lower(node) else {
                continue;
            };
            for (site, result) in policy
                .cel
                .iter()
                .zip(check_policy(&kyverno_ls::k8s::Catalog::builtin(), node, &policy).sites)
            {
                let Some(SiteResult::Checked(c)) = result else {
                    continue;
                };
                sites += 1;
                typed += usize::from(c.ty != kyverno_ls::cel::checker::Type::Unknown);
                for f in c.findings {
                    findings.push(format!(
                        "{}: {}: {} {}",
                        path.strip_prefix(root).unwrap_or(&path).display(),
                        site.field_path(),
                        f.code,
                        f.message
                    ));
                }
            }
        }
    }
    (sites, typed, findings)
}
