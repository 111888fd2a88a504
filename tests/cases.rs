//! Hand-written broken (and a few valid) policies under `tests/cases/`, each with the exact
//! diagnostics `kyverno-ls check --format json` must print for it.
//!
//! `tests/cases/<name>.yaml` is the input (its first line is a comment saying what it tests);
//! `tests/cases/<name>.json` is the expected `diagnostics` array of that file, pretty-printed.
//! The real binary runs once over all cases and its output is split by file.
//!
//! `KYVERNO_LS_BLESS=1 cargo test --test cases` (re)writes every `.json` from the actual
//! output. Read each rewritten file before committing it: an expectation is a claim that the
//! code, range and message are right for a Kubernetes user, not a snapshot.
//!
//! [`KNOWN_BUGS`] lists the cases whose `.json` holds the right output that kyverno-ls does not
//! produce yet. They do not fail the test while they differ, but one that starts matching does
//! (remove it from the list), and bless never overwrites them. `KYVERNO_LS_CASES_STRICT=1`
//! makes them fail too, with their diffs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const MIN_CASES: usize = 45;

/// Cases whose expectation is right but not yet met, with what is wrong today.
const KNOWN_BUGS: &[(&str, &str)] = &[];

fn known_bug(name: &str) -> Option<&'static str> {
    KNOWN_BUGS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, why)| *why)
}

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases")
}

/// File stems of the `.yaml` and `.json` files in the cases folder, sorted.
fn list_cases(dir: &Path) -> (Vec<String>, Vec<String>) {
    let mut yaml = Vec::new();
    let mut json = Vec::new();
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        match path.extension().and_then(|e| e.to_str()) {
            Some("yaml") => yaml.push(stem.to_string()),
            Some("json") => json.push(stem.to_string()),
            _ => {}
        }
    }
    yaml.sort();
    json.sort();
    (yaml, json)
}

/// Runs `kyverno-ls check --format json` on all inputs at once; returns each file's
/// `diagnostics` array, keyed by file stem.
fn run_check(dir: &Path, names: &[String]) -> BTreeMap<String, Value> {
    let files: Vec<PathBuf> = names
        .iter()
        .map(|n| dir.join(format!("{n}.yaml")))
        .collect();
    let output = Command::new(env!("CARGO_BIN_EXE_kyverno-ls"))
        .arg("check")
        .arg("--format")
        .arg("json")
        // The cases are about the checks; the simulation has its own tests (simulation.rs).
        .arg("--no-builtin-samples")
        .args(&files)
        .output()
        .expect("run kyverno-ls");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // 0: no errors, 1: some error found. Anything else (usage error, crash) is a failure.
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "kyverno-ls check exited with {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status
    );
    assert!(
        stderr.is_empty(),
        "kyverno-ls check wrote to stderr:\n{stderr}"
    );
    let report: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("kyverno-ls printed invalid JSON ({e}):\n{stdout}"));
    let mut by_name = BTreeMap::new();
    for file in report["files"].as_array().expect("`files` array") {
        let path = file["path"].as_str().expect("`path` string");
        let stem = Path::new(path)
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("file stem")
            .to_string();
        let diagnostics = file["diagnostics"].clone();
        assert!(
            diagnostics.is_array(),
            "{path}: `diagnostics` is not an array"
        );
        assert!(
            by_name.insert(stem, diagnostics).is_none(),
            "{path} reported twice"
        );
    }
    by_name
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).expect("serialise JSON") + "\n"
}

/// A line diff (longest common subsequence): ` ` common, `-` expected only, `+` actual only.
fn diff(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.lines().collect();
    let b: Vec<&str> = actual.lines().collect();
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut out = String::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            out.push_str(&format!("  {}\n", a[i]));
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push_str(&format!("- {}\n", a[i]));
            i += 1;
        } else {
            out.push_str(&format!("+ {}\n", b[j]));
            j += 1;
        }
    }
    out
}

#[test]
fn cases() {
    let dir = cases_dir();
    let bless = std::env::var_os("KYVERNO_LS_BLESS").is_some_and(|v| v == "1");
    let strict = std::env::var_os("KYVERNO_LS_CASES_STRICT").is_some_and(|v| v == "1");
    let (yaml, json) = list_cases(&dir);
    let mut failures = Vec::new();

    for (name, _) in KNOWN_BUGS {
        if !yaml.iter().any(|n| n == name) {
            failures.push(format!(
                "KNOWN_BUGS names `{name}`, which has no {name}.yaml"
            ));
        }
    }

    for name in json.iter().filter(|n| !yaml.contains(n)) {
        failures.push(format!("{name}.json has no {name}.yaml"));
    }
    if !bless {
        for name in yaml.iter().filter(|n| !json.contains(n)) {
            failures.push(format!(
                "{name}.yaml has no {name}.json (write it, or run with KYVERNO_LS_BLESS=1 and review it)"
            ));
        }
    }
    if yaml.len() < MIN_CASES {
        failures.push(format!(
            "only {} cases in {}; at least {MIN_CASES} are required",
            yaml.len(),
            dir.display()
        ));
    }
    for name in &yaml {
        let text = std::fs::read_to_string(dir.join(format!("{name}.yaml"))).unwrap_or_default();
        if !text.starts_with("# ") {
            failures.push(format!(
                "{name}.yaml must start with a `# ` comment saying what it tests"
            ));
        }
    }

    let actual = run_check(&dir, &yaml);
    for name in &yaml {
        let Some(got) = actual.get(name) else {
            failures.push(format!(
                "{name}.yaml: kyverno-ls reported nothing for this file"
            ));
            continue;
        };
        let json_path = dir.join(format!("{name}.json"));
        let bug = known_bug(name);
        if bless {
            if let Some(why) = bug {
                eprintln!("not blessed (known bug, expectation written by hand): {name}: {why}");
                continue;
            }
            std::fs::write(&json_path, pretty(got))
                .unwrap_or_else(|e| panic!("cannot write {}: {e}", json_path.display()));
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&json_path) else {
            continue; // reported above as a missing expectation
        };
        let expected: Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!("{name}.json is not valid JSON: {e}"));
                continue;
            }
        };
        if !expected.is_array() {
            failures.push(format!("{name}.json must hold the `diagnostics` array"));
            continue;
        }
        if &expected != got {
            let (want, have) = (pretty(&expected), pretty(got));
            let report = format!(
                "{name}.yaml: diagnostics differ\n--- expected ({name}.json)\n{want}--- actual\n{have}--- diff (- expected, + actual)\n{}",
                diff(&want, &have)
            );
            match bug {
                Some(why) if !strict => eprintln!("known bug, still open: {name}: {why}"),
                Some(why) => failures.push(format!("known bug: {why}\n{report}")),
                None => failures.push(report),
            }
        } else if let Some(why) = bug {
            failures.push(format!(
                "{name}.yaml now produces its expected diagnostics: remove it from KNOWN_BUGS (was: {why})"
            ));
        } else if text != pretty(&expected) {
            failures.push(format!(
                "{name}.json is not pretty-printed like the CLI output; rewrite it as:\n{}",
                pretty(&expected)
            ));
        }
    }

    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        yaml.len(),
        failures.join("\n\n")
    );
}
