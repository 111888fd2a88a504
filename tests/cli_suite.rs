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

fn family(r: &Row) -> &'static str {
    if r.policy_api_version.starts_with("kyverno.io/") {
        match r.rule_type.as_str() {
            "cel" => "cel",
            "mutate" | "generate" | "verifyImages" => "jmespath-other",
            _ => "jmespath-validate",
        }
    } else if r.policy_api_version.is_empty() {
        "unknown-policy"
    } else {
        "cel"
    }
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

    for fam in [
        "jmespath-validate",
        "jmespath-other",
        "cel",
        "unknown-policy",
    ] {
        let of: Vec<&Row> = report.results.iter().filter(|r| family(r) == fam).collect();
        let ok = of.iter().filter(|r| r.ok).count();
        let unsupported = of.iter().filter(|r| r.is_unsupported()).count();
        println!(
            "{fam}: {ok}/{} agree, {unsupported} unsupported, {} disagree",
            of.len(),
            of.len() - ok - unsupported
        );
    }
    let ok = report.results.iter().filter(|r| r.ok).count();
    println!("all rows: {ok}/{} agree", report.results.len());

    let failing: Vec<&Row> = report.results.iter().filter(|r| !r.ok).collect();
    row_list::check(
        &mismatch_file(),
        "Rows of Kyverno's CLI test suite where kyverno-ls does not agree with `kyverno test` \
         (tests/cli_suite.rs).",
        &row_list::lines(&failing, &prefix),
    );
}
