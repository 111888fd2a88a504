//! `kyverno-ls test` over the upstream policy library: the agreement with the Kyverno CLI for
//! the two families the simulator decides, and the exact list of rows that disagree
//! (`conformance-mismatches.txt`):
//! - JMESPath: kyverno.io (v1, v2beta1) validate rules (pattern, anyPattern, deny, foreach,
//!   podSecurity);
//! - CEL: ClusterPolicy `validate.cel` rules, ValidatingPolicy, GeneratingPolicy (status and
//!   generated resources) and DeletingPolicy, with their Namespaced twins;
//! - mutate: kyverno.io mutate rules (the rows kyverno-ls answers; `foreach` and `targets`
//!   are not simulated yet and answer `unsupported`), status and patched resource;
//! - generate: kyverno.io generate rules, status and generated resources;
//! - mpol: MutatingPolicy and NamespacedMutatingPolicy, status and patched resource.
//!
//! `KYVERNO_LS_BLESS=1 cargo test --test conformance_test_runner` rewrites the list.

use std::path::{Path, PathBuf};

use kyverno_ls::engine::Env;
use kyverno_ls::testing::{self, Options, Row};

mod row_list;
mod shared_data;

/// The agreement today per family, rounded down: it may only go up (the target is 99.5%).
const FLOOR_PERCENT: f64 = 99.8;
const CEL_FLOOR_PERCENT: f64 = 100.0;

const SIMULATED: &[&str] = &["pattern", "anyPattern", "deny", "foreach", "podSecurity"];

fn root(what: &str) -> Option<PathBuf> {
    shared_data::path("conformance/kyverno-policies", what)
}

fn mismatch_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance-mismatches.txt")
}

const CEL_KINDS: &[&str] = &[
    "ValidatingPolicy",
    "NamespacedValidatingPolicy",
    "GeneratingPolicy",
    "NamespacedGeneratingPolicy",
    "DeletingPolicy",
    "NamespacedDeletingPolicy",
];

/// The family a row is measured in, if the simulator decides it.
fn family(r: &Row) -> Option<&'static str> {
    let classic = r.policy_api_version.starts_with("kyverno.io/");
    if classic && SIMULATED.contains(&r.rule_type.as_str()) {
        Some("jmespath")
    } else if (classic && r.rule_type == "cel") || CEL_KINDS.contains(&r.rule_type.as_str()) {
        Some("cel")
    } else if classic && r.rule_type == "mutate" && r.actual != "unsupported" {
        Some("mutate")
    } else if classic && r.rule_type == "generate" {
        Some("generate")
    } else if ["MutatingPolicy", "NamespacedMutatingPolicy"].contains(&r.rule_type.as_str()) {
        Some("mpol")
    } else {
        None
    }
}

fn agrees(r: &Row) -> bool {
    r.agrees()
}

fn in_scope(r: &Row) -> bool {
    family(r).is_some()
}

#[test]
fn agreement_with_kyverno_test_on_the_policy_library() {
    let Some(root) = root("conformance_test_runner agreement") else {
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
    assert!(
        report.manifests > 300,
        "expected the conformance data at {}",
        root.display()
    );
    assert!(
        report.errors.is_empty(),
        "manifests that could not run: {:#?}",
        report.errors
    );
    let panics: Vec<&Row> = report
        .results
        .iter()
        .filter(|r| r.message.contains("engine panicked"))
        .collect();
    assert!(panics.is_empty(), "the engine panicked on: {panics:#?}");

    let prefix = format!("{}/", root.display());
    let rows: Vec<&Row> = report.results.iter().filter(|r| in_scope(r)).collect();
    let agreement = |fam: &str| {
        let of: Vec<&&Row> = rows.iter().filter(|r| family(r) == Some(fam)).collect();
        let agree = of.iter().filter(|r| agrees(r)).count();
        (
            agree,
            of.len(),
            100.0 * agree as f64 / of.len().max(1) as f64,
        )
    };
    let (agree, total, percent) = agreement("jmespath");
    println!(
        "agreement: {agree}/{total} = {percent:.2}% (kyverno.io policies: pattern, anyPattern, deny, foreach, podSecurity)"
    );
    let (cel_agree, cel_total, cel_percent) = agreement("cel");
    println!(
        "agreement: {cel_agree}/{cel_total} = {cel_percent:.2}% (CEL: validate.cel rules, ValidatingPolicy, GeneratingPolicy, DeletingPolicy, and their Namespaced twins)"
    );
    let (m_agree, m_total, m_percent) = agreement("mutate");
    println!(
        "agreement: {m_agree}/{m_total} = {m_percent:.2}% (kyverno.io mutate rules kyverno-ls answers: patchStrategicMerge, patchesJson6902)"
    );
    let (g_agree, g_total, g_percent) = agreement("generate");
    println!(
        "agreement: {g_agree}/{g_total} = {g_percent:.2}% (kyverno.io generate rules: data, clone, cloneList, foreach; generated resources compared)"
    );
    let (mp_agree, mp_total, mp_percent) = agreement("mpol");
    println!(
        "agreement: {mp_agree}/{mp_total} = {mp_percent:.2}% (MutatingPolicy: JSONPatch and ApplyConfiguration; patched resources compared)"
    );
    let unsupported = report
        .results
        .iter()
        .filter(|r| r.actual == "unsupported")
        .count();
    println!("rows answered `unsupported`: {unsupported}");
    let dropped = rows.iter().filter(|r| r.is_dropped()).count();
    println!("rows `kyverno test` drops, and kyverno-ls too: {dropped}");
    let excluded = rows
        .iter()
        .filter(|r| !r.ok && r.actual != r.expected && r.excluded && r.agrees())
        .count();
    println!(
        "rows with no rule response where a pass or skip was expected (kyverno test: Pass, Excluded): {excluded}"
    );

    let disagreeing: Vec<&Row> = rows.iter().copied().filter(|r| !agrees(r)).collect();
    row_list::check(
        &mismatch_file(),
        "Rows of tests/conformance_test_runner.rs where kyverno-ls disagrees with `kyverno test`.",
        &row_list::lines(&disagreeing, &prefix),
    );
    assert!(
        percent >= FLOOR_PERCENT,
        "agreement {percent:.2}% fell below the floor {FLOOR_PERCENT}%"
    );
    assert!(
        cel_total > 300 && cel_percent >= CEL_FLOOR_PERCENT,
        "CEL agreement {cel_percent:.2}% of {cel_total} rows fell below the floor {CEL_FLOOR_PERCENT}%"
    );
}

fn cli(args: &[&str]) -> (i32, String) {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = kyverno_ls::cli::run(&args, &mut out, &mut err);
    (code, String::from_utf8(out).unwrap())
}

#[test]
fn cli_json_output_and_compat() {
    let Some(root) = root("conformance_test_runner cli") else {
        return;
    };
    let dir = root.join("psa/deny-privileged-profile");
    let (code, out) = cli(&["test", "--format", "json", dir.to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("one JSON object");
    assert_eq!(code, 0, "{out}");
    assert_eq!(v["summary"]["total"], 2);
    assert_eq!(v["summary"]["mismatch"], 0);
    let row = &v["results"][0];
    for key in [
        "manifest", "policy", "rule", "resource", "kind", "expected", "actual", "ok", "message",
    ] {
        assert!(row.get(key).is_some(), "missing {key} in {row}");
    }
    assert_eq!(row["policy"], "deny-privileged-profile");
    assert_eq!(row["rule"], "check-privileged");

    // A result whose rule gives no response: a mismatch, except with --compat.
    let dir = root.join("kasten/kasten-data-protection-by-label");
    let (code, _) = cli(&["test", "--format", "json", dir.to_str().unwrap()]);
    assert_eq!(code, 1);
    let (code, out) = cli(&["test", "--compat", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Test Summary"));
    let (code, out) = cli(&["test", "--format", "junit", dir.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(out.starts_with("<?xml"));

    assert_eq!(cli(&["test", "--format", "yaml"]).0, 2);
    assert_eq!(cli(&["test", "--nope"]).0, 2);
}
