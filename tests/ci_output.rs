//! `check --format sarif` and `--format github` on `tests/ci_output/policy.yaml`, compared
//! whole with `tests/ci_output/expected.sarif` and `expected.github`.
//!
//! The fixture is copied into a fresh repository, into a folder whose name needs escaping
//! (`my policies, v1`), and checked from inside that folder, so the output shows paths relative
//! to the repository rather than to the current directory. The SARIF rules are the README's
//! table: the test checks them against it rather than keeping a copy, and the expected file
//! holds a placeholder for them, for the version and for the temporary root.
//! `KYVERNO_LS_BLESS=1 cargo test --test ci_output` rewrites the expected files.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

const FOLDER: &str = "my policies, v1";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ci_output")
}

/// A repository holding the fixture; returns it and the folder to run in.
fn repository() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let folder = dir.path().join(FOLDER);
    std::fs::create_dir(&folder).unwrap();
    std::fs::copy(fixtures().join("policy.yaml"), folder.join("policy.yaml")).unwrap();
    (dir, folder)
}

fn check(cwd: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kyverno-ls"))
        .arg("check")
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn compare(expected_file: &str, actual: &str) {
    let path = fixtures().join(expected_file);
    if std::env::var_os("KYVERNO_LS_BLESS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap();
    assert!(
        expected == actual,
        "{expected_file} differs (KYVERNO_LS_BLESS=1 rewrites it); actual output:\n{actual}"
    );
}

/// The codes of the README's table, in order.
fn readme_codes() -> Vec<String> {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = readme.split("\n## Diagnostic codes\n").nth(1).unwrap();
    let section = section.split("\n## ").next().unwrap();
    section
        .lines()
        .filter_map(|l| l.strip_prefix("| `")?.split_once('`'))
        .map(|(code, _)| code.to_string())
        .collect()
}

/// The log with its machine-dependent parts and its rules replaced by placeholders, after
/// checking them.
fn normalized(sarif: &str) -> Value {
    let mut log: Value = serde_json::from_str(sarif).unwrap();
    let run = &mut log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].take();
    let ids: Vec<&str> = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, readme_codes());
    let duplicate_key = rules
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "duplicate-key")
        .unwrap();
    let help = "A mapping repeats a key. Related information points at the first one.";
    assert_eq!(
        duplicate_key,
        &json!({
            "id": "duplicate-key",
            "name": "DuplicateKey",
            "shortDescription": {"text": "A mapping repeats a key."},
            "fullDescription": {"text": help},
            "help": {"text": help, "markdown": help},
            "defaultConfiguration": {"level": "error"},
        })
    );
    for result in run["results"].as_array().unwrap() {
        let i = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], result["ruleId"]);
    }
    run["tool"]["driver"]["rules"] = json!("(the README's table, checked above)");
    assert_eq!(run["tool"]["driver"]["version"], env!("CARGO_PKG_VERSION"));
    run["tool"]["driver"]["version"] = json!("VERSION");
    run["tool"]["driver"]["semanticVersion"] = json!("VERSION");
    let root = run["originalUriBaseIds"]["SRCROOT"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        root.starts_with("file:///") && root.ends_with('/'),
        "{root}"
    );
    run["originalUriBaseIds"]["SRCROOT"]["uri"] = json!("file:///ROOT/");
    log
}

#[test]
fn sarif_output_is_exact() {
    let (_repo, folder) = repository();
    let (code, out, err) = check(
        &folder,
        &["--format", "sarif", "--no-builtin-samples", "policy.yaml"],
    );
    assert_eq!((code, err.as_str()), (1, ""));
    let log = normalized(&out);
    compare(
        "expected.sarif",
        &(serde_json::to_string_pretty(&log).unwrap() + "\n"),
    );
}

#[test]
fn github_output_is_exact() {
    let (_repo, folder) = repository();
    let (code, out, err) = check(
        &folder,
        &["--format", "github", "--no-builtin-samples", "policy.yaml"],
    );
    assert_eq!((code, err.as_str()), (1, ""));
    compare("expected.github", &out);
}

/// `--severity` changes a result's level; its fix stays with it.
#[test]
fn sarif_follows_severity_overrides() {
    let (_repo, folder) = repository();
    let (code, out, _) = check(
        &folder,
        &[
            "--format=sarif",
            "--no-builtin-samples",
            "--severity",
            "deprecated=error",
            "--severity",
            "duplicate-key=off",
            "--severity",
            "unknown-function=hint",
            "policy.yaml",
        ],
    );
    assert_eq!(code, 1);
    let log: Value = serde_json::from_str(&out).unwrap();
    let summary: Vec<(String, String, usize)> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap().to_string(),
                r["level"].as_str().unwrap().to_string(),
                r["fixes"].as_array().map_or(0, Vec::len),
            )
        })
        .collect();
    let expected = [
        ("rule-fails", "note", 0),
        ("unknown-function", "note", 1),
        ("deprecated", "error", 1),
    ];
    assert_eq!(
        summary,
        expected.map(|(c, l, n)| (c.to_string(), l.to_string(), n))
    );
}

/// A clean file gives a log with no results, and GitHub output with no command.
#[test]
fn clean_files_give_empty_outputs() {
    let (repo, _) = repository();
    let clean = repo.path().join("clean.yaml");
    std::fs::write(
        &clean,
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
    )
    .unwrap();
    let (code, out, _) = check(repo.path(), &["--format", "sarif", "clean.yaml"]);
    assert_eq!(code, 0);
    let log: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(log["runs"][0]["results"], json!([]));
    assert_eq!(
        check(repo.path(), &["--format", "github", "clean.yaml"]),
        (0, String::new(), String::new())
    );
}

#[test]
fn unknown_formats_are_refused_with_the_known_ones() {
    let (code, out, err) = check(Path::new("."), &["--format", "xml", "x.yaml"]);
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(
        err.starts_with("error: unknown format `xml`: use text, json, sarif or github\n"),
        "{err}"
    );
}
