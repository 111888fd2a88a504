//! `kyverno-ls test` over Kyverno's own CLI test suite (kyverno/kyverno `test/cli`, in the
//! shared data): how many of its expected rows agree, by family, and the exact list of rows
//! that do not (`cli-suite-mismatches.txt`), `unsupported` ones included, so that every
//! change of behaviour on the suite shows up in review.
//!
//! `KYVERNO_LS_BLESS=1 cargo test --test cli_suite` rewrites the list.

use std::path::{Path, PathBuf};

use kyverno_ls::engine::Env;
use kyverno_ls::testing::{self, Options, Row};

mod row_list;
mod shared_data;

fn mismatch_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli-suite-mismatches.txt")
}

/// The family a row belongs to, as issue 13 lists them: the rule type for kyverno.io policies,
/// the kind for the others.
fn family(r: &Row) -> &'static str {
    if r.policy_api_version.starts_with("kyverno.io/") {
        return match r.rule_type.as_str() {
            "cel" => "validate.cel",
            "mutate" => "mutate",
            "generate" => "generate",
            "verifyImages" => "verifyImages",
            _ => "validate",
        };
    }
    match r.rule_type.trim_start_matches("Namespaced") {
        "ValidatingPolicy" => "ValidatingPolicy",
        "MutatingPolicy" => "MutatingPolicy",
        "GeneratingPolicy" => "GeneratingPolicy",
        "DeletingPolicy" => "DeletingPolicy",
        "ImageValidatingPolicy" => "ImageValidatingPolicy",
        "ValidatingAdmissionPolicy" | "MutatingAdmissionPolicy" => "admission policies",
        _ if r.policy_api_version.is_empty() => "unknown policy",
        _ => "other",
    }
}

const FAMILIES: [&str; 13] = [
    "validate",
    "validate.cel",
    "mutate",
    "generate",
    "verifyImages",
    "ValidatingPolicy",
    "MutatingPolicy",
    "GeneratingPolicy",
    "DeletingPolicy",
    "ImageValidatingPolicy",
    "admission policies",
    "unknown policy",
    "other",
];

/// Themes that cut across families, recognised by the upstream folder names.
const THEMES: [(&str, &[&str]); 3] = [
    ("exceptions", &["exception"]),
    ("subresources", &["subresource"]),
    ("global context", &["globalcontext", "global-context"]),
];

/// `test-fail/` holds manifests that `kyverno test` itself must fail on: they are listed with
/// the mismatches but are not part of the agreement figure.
fn in_figure(r: &Row, prefix: &str) -> bool {
    !r.manifest
        .strip_prefix(prefix)
        .unwrap_or(&r.manifest)
        .starts_with("test-fail/")
}

fn print_figure(label: &str, rows: &[&Row]) {
    if rows.is_empty() {
        return;
    }
    let ok = rows.iter().filter(|r| r.agrees()).count();
    let unsupported = rows.iter().filter(|r| r.is_unsupported()).count();
    println!(
        "{label}: {ok}/{} agree ({:.1}%), {unsupported} unsupported, {} disagree",
        rows.len(),
        100.0 * ok as f64 / rows.len() as f64,
        rows.len() - ok - unsupported
    );
}

#[test]
fn agreement_with_kyverno_on_its_own_cli_tests() {
    let Some(root) = shared_data::path("kyverno-cli-tests/cli", "cli_suite") else {
        return;
    };
    let report = testing::run_paths(
        &kyverno_ls::vfs::FsFiles::anywhere(),
        std::slice::from_ref(&root),
        &Options {
            compat: false,
            roots: vec![root.clone()],
            per_manifest: false,
            rendering: None,
        },
        &Env::fixed(),
    );
    let prefix = format!("{}/", root.display());
    // One upstream manifest names a resources file that its folder does not have; the Kyverno
    // CLI cannot run it either.
    let errors: Vec<String> = report
        .errors
        .iter()
        .map(|e| format!("{e:?}"))
        .filter(|e| !e.contains("test-context-resource-ivpol"))
        .collect();
    assert!(
        errors.is_empty(),
        "manifests that could not run: {errors:#?}"
    );
    assert!(
        report.results.len() > 400,
        "expected Kyverno's CLI tests at {}",
        root.display()
    );
    assert!(
        !report
            .results
            .iter()
            .any(|r| r.message.contains("engine panicked")),
        "the engine panicked"
    );

    let counted: Vec<&Row> = report
        .results
        .iter()
        .filter(|r| in_figure(r, &prefix))
        .collect();
    for fam in FAMILIES {
        let of: Vec<&Row> = counted
            .iter()
            .copied()
            .filter(|r| family(r) == fam)
            .collect();
        print_figure(fam, &of);
    }
    for (theme, words) in THEMES {
        let of: Vec<&Row> = counted
            .iter()
            .copied()
            .filter(|r| words.iter().any(|w| r.manifest.contains(w)))
            .collect();
        print_figure(&format!("({theme})"), &of);
    }
    print_figure("all rows but test-fail/", &counted);
    let excluded = counted
        .iter()
        .filter(|r| !r.ok && r.actual != r.expected && r.excluded && r.agrees())
        .count();
    println!(
        "of the agreeing rows, {excluded} have no rule response where a pass or skip was expected (kyverno test: Pass, Excluded)"
    );
    let test_fail = report.results.len() - counted.len();
    println!("test-fail/ rows (kyverno test fails them too): {test_fail}");

    let failing: Vec<&Row> = report.results.iter().filter(|r| !r.agrees()).collect();
    row_list::check(
        &mismatch_file(),
        "Rows of Kyverno's CLI test suite where kyverno-ls does not agree with `kyverno test` \
         (tests/cli_suite.rs).",
        &row_list::lines(&failing, &prefix),
    );
}
