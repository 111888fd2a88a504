//! The official JMESPath compliance suite (`../shared/jmespath-compliance`, read at test time
//! through `shared_data`),
//! run against our parser and evaluator in standard mode (a missing key is null, as the suite
//! expects; Kyverno's missing-key errors are tested in `jmespath::interp`). Every case runs
//! except the `bench` ones, which have no expected value, and the few listed in [`SKIP`], each
//! with the reason Kyverno's fork gives another answer.
//!
//! Also: every JMESPath expression of Kyverno's policy library parses, and our parser agrees
//! with the `jmespath` crate's on every expression of both corpora but the listed differences.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use kyverno_ls::jmespath::functions::Env;
use kyverno_ls::jmespath::{EvalError, Options, Value, evaluate_with, parse, template};
use kyverno_ls::yaml;

mod shared_data;

fn suite_folder(what: &str) -> Option<PathBuf> {
    shared_data::path("jmespath-compliance", what)
}

fn policies_folder(what: &str) -> Option<PathBuf> {
    shared_data::path("conformance/kyverno-policies", what)
}

/// (file, expression, why Kyverno's fork does not give the suite's answer). The fork's answer
/// is what we implement, so these cases would fail; each is checked to still exist.
const SKIP: &[(&str, &str, &str)] = &[];

/// Expressions where the fork's grammar is unusual, to see where the crate stands.
const PROBES: &[&str] = &[
    "f(a,)",
    "f(a b)",
    "a.&b",
    "@(x)",
    "[:::]",
    "[1:2 3]",
    "'abc",
    "a[-0]",
    "`foo`",
    "$",
    "a + b",
    "let $x = a in $x",
    "&a | b",
    "!a.b",
    "a[?b][]",
];

/// Expressions on which our parser and the `jmespath` crate's disagree, and why.
const PARSER_DIFFERENCES: &[(&str, &str)] = &[
    (
        "a.&b",
        "the crate takes `&` after a dot; the fork's parseDotRHS does not (ours rejects)",
    ),
    (
        "a[-0]",
        "the fork reads -0 with strconv.Atoi; the crate insists on a digit 1-9 after `-` (ours accepts)",
    ),
    (
        "f(a,)",
        "the fork's call loop lets a comma before `)` pass; the crate rejects it (ours accepts)",
    ),
];

struct Case {
    file: String,
    expression: String,
    given: serde_json::Value,
    expected: Result<serde_json::Value, String>,
}

fn suite(folder: &Path) -> (Vec<Case>, usize) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .unwrap_or_else(|e| panic!("{}: {e}", folder.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut cases = Vec::new();
    let mut bench = 0;
    for path in files {
        let file = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let groups: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
        for group in groups {
            let given = group["given"].clone();
            for case in group["cases"].as_array().unwrap() {
                if case.get("bench").is_some() {
                    bench += 1;
                    continue;
                }
                let expected = match (case.get("result"), case.get("error")) {
                    (Some(result), _) => Ok(result.clone()),
                    (None, Some(error)) => Err(error.as_str().unwrap().to_string()),
                    _ => panic!("{file}: case without result or error: {case}"),
                };
                cases.push(Case {
                    file: file.clone(),
                    expression: case["expression"].as_str().unwrap().to_string(),
                    given: given.clone(),
                    expected,
                });
            }
        }
    }
    (cases, bench)
}

fn error_kind(e: &EvalError) -> &'static str {
    match e {
        EvalError::InvalidType { .. } => "invalid-type",
        EvalError::Arity { .. } => "invalid-arity",
        EvalError::UnknownFunction { .. } => "unknown-function",
        EvalError::InvalidValue { .. } => "invalid-value",
        EvalError::NotFound { .. } => "not-found",
        EvalError::Function { .. } => "function",
        EvalError::Limit { .. } => "limit",
    }
}

/// None when the case passes, otherwise what went wrong.
fn run(case: &Case) -> Option<String> {
    let outcome = match parse(&case.expression) {
        Err(e) => Err(format!("syntax ({e})")),
        Ok(ast) => {
            let given = Value::from_json(&case.given);
            evaluate_with(&ast, &given, &Env::fixed(), &Options::STANDARD)
                .map_err(|e| format!("{} ({e})", error_kind(&e)))
        }
    };
    match (&case.expected, &outcome) {
        (Ok(expected), Ok(got)) if Value::from_json(expected) == *got => None,
        (Err(kind), Err(got)) if got.starts_with(&format!("{kind} ")) => None,
        (expected, got) => Some(format!(
            "expected {}, got {}",
            match expected {
                Ok(v) => v.to_string(),
                Err(kind) => format!("error {kind}"),
            },
            match got {
                Ok(v) => v.to_json().to_string(),
                Err(e) => format!("error {e}"),
            }
        )),
    }
}

#[test]
fn official_compliance_suite() {
    let Some(folder) = suite_folder("jmespath_compliance official suite") else {
        return;
    };
    let (cases, bench) = suite(&folder);
    let mut failures = Vec::new();
    let mut skipped = 0;
    let mut skips_used = BTreeSet::new();
    for case in &cases {
        if let Some(skip) = SKIP
            .iter()
            .find(|(file, expr, _)| *file == case.file && *expr == case.expression)
        {
            skipped += 1;
            skips_used.insert(skip.1);
            continue;
        }
        if let Some(problem) = run(case) {
            failures.push(format!("{}: {:?}: {problem}", case.file, case.expression));
        }
    }
    let total = cases.len();
    let passed = total - skipped - failures.len();
    println!(
        "JMESPath compliance: {passed}/{total} passed, {skipped} skipped (listed), {bench} bench \
         cases not run"
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(SKIP.len() <= 10, "the skip list should stay short");
    for (file, expr, reason) in SKIP {
        assert!(!reason.is_empty());
        assert!(
            skips_used.contains(expr),
            "{file}: {expr:?} is no longer in the suite"
        );
    }
    assert!(total > 800, "the suite went missing: {total} cases");
}

/// Every string (keys included) of every YAML document under `dir`.
fn yaml_strings(dir: &Path, out: &mut Vec<(PathBuf, String, bool)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            yaml_strings(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            let text = std::fs::read_to_string(&path).unwrap();
            for doc in yaml::parse(&text, &yaml::Limits::default()) {
                if let Some(root) = &doc.root {
                    walk(root, &path, false, out);
                }
            }
        }
    }
}

fn walk(
    node: &yaml::Node,
    path: &Path,
    under_jmespath: bool,
    out: &mut Vec<(PathBuf, String, bool)>,
) {
    match &node.kind {
        yaml::NodeKind::Scalar(s) => out.push((path.to_path_buf(), s.text.clone(), under_jmespath)),
        yaml::NodeKind::Sequence(items) => {
            for item in items {
                walk(item, path, false, out);
            }
        }
        yaml::NodeKind::Mapping(entries) => {
            for entry in entries {
                walk(&entry.key, path, false, out);
                let is_jmespath = entry.key.as_str() == Some("jmesPath");
                walk(&entry.value, path, is_jmespath, out);
            }
        }
    }
}

/// The expressions of Kyverno's policy library: the inside of every `{{ }}` and every
/// `jmesPath:` value (those hold no templates).
fn library_expressions(policies: &Path) -> Vec<(PathBuf, String)> {
    let mut strings = Vec::new();
    yaml_strings(policies, &mut strings);
    let mut exprs = Vec::new();
    for (path, text, is_jmespath) in strings {
        if is_jmespath && !text.contains("{{") {
            exprs.push((path.clone(), text.trim().to_string()));
        }
        for t in template::find(&text) {
            let expr = text[t.expr.clone()].trim().to_string();
            // `{{@}}` is replaced by a path before evaluation, as Kyverno does.
            if !expr.is_empty() && expr != "@" {
                exprs.push((path.clone(), expr));
            }
        }
    }
    exprs
}

#[test]
fn every_expression_of_the_kyverno_policy_library_parses() {
    let Some(policies) = policies_folder("jmespath_compliance policy library") else {
        return;
    };
    let exprs = library_expressions(&policies);
    let failures: Vec<String> = exprs
        .iter()
        .filter_map(|(path, expr)| {
            parse(expr).err().map(|e| {
                format!(
                    "{}: {expr:?}: {e}",
                    path.strip_prefix(&policies).unwrap_or(path).display()
                )
            })
        })
        .collect();
    println!("policy library: {} expressions parsed", exprs.len());
    assert!(exprs.len() > 300, "the policy library went missing");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn our_parser_agrees_with_the_jmespath_crate() {
    let what = "jmespath_compliance parser comparison";
    let (Some(folder), Some(policies)) = (suite_folder(what), policies_folder(what)) else {
        return;
    };
    let (cases, _) = suite(&folder);
    let mut exprs: BTreeSet<String> = cases.into_iter().map(|c| c.expression).collect();
    exprs.extend(library_expressions(&policies).into_iter().map(|(_, e)| e));
    exprs.extend(PROBES.iter().map(|e| e.to_string()));
    let mut differences = Vec::new();
    for expr in &exprs {
        let ours = parse(expr).is_ok();
        let theirs = jmespath::parse(expr).is_ok();
        if ours != theirs {
            differences.push(expr.as_str());
        }
    }
    let listed: Vec<&str> = PARSER_DIFFERENCES.iter().map(|(e, _)| *e).collect();
    assert_eq!(
        differences, listed,
        "our parser and the jmespath crate disagree (accepted: ours / theirs)"
    );
}
