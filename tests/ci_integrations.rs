//! The pre-commit hooks and the composite GitHub Action at the repository's root.
//!
//! Neither pre-commit nor GitHub runs here, so this checks what can go wrong without them: the
//! hooks name the commands the binary has, the Action's expressions name inputs and steps it
//! declares and never reach a script's text (where an input could inject shell code), and the
//! Action's own scripts, from `check` on, run as the runner would run them (`bash -eo
//! pipefail`, inputs through the environment, outputs through `GITHUB_OUTPUT`) against the
//! built binary. The steps before `check` build and cache the binary, and `uses:` steps are
//! GitHub's; they are skipped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn yaml(name: &str) -> Value {
    let text = std::fs::read_to_string(root().join(name)).unwrap();
    let docs = kyverno_ls::yaml::parse(&text, &Default::default());
    assert_eq!(docs.len(), 1, "{name}");
    assert!(!docs[0].has_errors(), "{name}: {:?}", docs[0].diagnostics);
    docs[0].root.as_ref().unwrap().to_json()
}

#[test]
fn pre_commit_hooks_run_check_and_test() {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let summary: Vec<(&str, &str, &str, bool)> = hooks
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["id"].as_str().unwrap(),
                h["entry"].as_str().unwrap(),
                h["language"].as_str().unwrap(),
                h["pass_filenames"].as_bool().unwrap_or(true),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("kyverno-ls-check", "kyverno-ls check", "rust", true),
            ("kyverno-ls-test", "kyverno-ls test", "rust", false),
        ]
    );
    // `language: rust` installs the package's binaries: the entry's program must be one.
    let cargo = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    assert!(cargo.contains("[[bin]]\nname = \"kyverno-ls\""));
}

/// Every `${{ … }}` of a text.
fn expressions(text: &str) -> Vec<String> {
    text.split("${{")
        .skip(1)
        .filter_map(|s| Some(s.split_once("}}")?.0.trim().to_string()))
        .collect()
}

fn action() -> Value {
    yaml("action.yml")
}

fn steps(action: &Value) -> &Vec<Value> {
    action["runs"]["steps"].as_array().unwrap()
}

#[test]
fn action_expressions_name_declared_inputs_and_steps_and_stay_out_of_scripts() {
    let action = action();
    assert_eq!(action["runs"]["using"], "composite");
    let inputs = action["inputs"].as_object().unwrap();
    let text = std::fs::read_to_string(root().join("action.yml")).unwrap();
    let ids: Vec<&str> = steps(&action)
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    for e in expressions(&text) {
        for word in e.split(|c: char| c.is_whitespace() || c == '(' || c == ')') {
            let parts: Vec<&str> = word.split('.').collect();
            match parts.as_slice() {
                ["inputs", name] => assert!(inputs.contains_key(*name), "{e}"),
                ["steps", id, "outputs", _] => assert!(ids.contains(id), "{e}"),
                _ => {}
            }
        }
    }
    for (name, input) in inputs {
        assert!(input["description"].is_string(), "input {name}");
    }
    for step in steps(&action) {
        if let Some(script) = step["run"].as_str() {
            assert_eq!(step["shell"], "bash", "{script}");
            assert!(
                !script.contains("${{"),
                "an expression in a script:\n{script}"
            );
        } else {
            assert!(step["uses"].is_string(), "{step}");
        }
    }
}

/// The value of an operand of an `if:` (`inputs.x`, `steps.s.outputs.o`, `'literal'`).
fn operand(s: &str, inputs: &BTreeMap<String, String>, outputs: &Outputs) -> String {
    let s = s.trim();
    if let Some(lit) = s.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        return lit.to_string();
    }
    let parts: Vec<&str> = s.split('.').collect();
    match parts.as_slice() {
        ["inputs", name] => inputs[*name].clone(),
        ["steps", id, "outputs", o] => outputs
            .get(*id)
            .and_then(|m| m.get(*o))
            .cloned()
            .unwrap_or_default(),
        _ => panic!("unknown operand `{s}`"),
    }
}

/// The `if:` forms the Action uses: comparisons joined by `&&`.
fn condition(s: &str, inputs: &BTreeMap<String, String>, outputs: &Outputs) -> bool {
    s.split("&&").all(|c| {
        if let Some((a, b)) = c.split_once("!=") {
            operand(a, inputs, outputs) != operand(b, inputs, outputs)
        } else if let Some((a, b)) = c.split_once("==") {
            operand(a, inputs, outputs) == operand(b, inputs, outputs)
        } else {
            panic!("unknown condition `{c}`")
        }
    })
}

/// `${{ … }}` in an environment value, replaced.
fn substitute(s: &str, inputs: &BTreeMap<String, String>, outputs: &Outputs) -> String {
    let mut out = s.to_string();
    for e in expressions(s) {
        out = out.replace(&format!("${{{{ {e} }}}}"), &operand(&e, inputs, outputs));
    }
    out
}

type Outputs = BTreeMap<String, BTreeMap<String, String>>;

struct Run {
    /// Exit status of the last step.
    status: i32,
    /// Standard output of every step run, in order.
    log: String,
    ran: Vec<String>,
}

/// Runs the Action's scripts from the `check` step on, in `workspace`, with `given` inputs
/// over the defaults.
fn run_action(workspace: &Path, given: &[(&str, &str)]) -> Run {
    let action = action();
    let mut inputs: BTreeMap<String, String> = action["inputs"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v["default"].as_str().unwrap_or("").to_string()))
        .collect();
    for (k, v) in given {
        inputs.insert(k.to_string(), v.to_string());
    }
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_kyverno-ls"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut outputs = Outputs::new();
    let mut run = Run {
        status: 0,
        log: String::new(),
        ran: Vec::new(),
    };
    let all = steps(&action);
    let from = all.iter().position(|s| s["id"] == "check").unwrap();
    for (i, step) in all.iter().enumerate().skip(from) {
        let id = step["id"].as_str().map_or(format!("#{i}"), str::to_string);
        if let Some(cond) = step["if"].as_str() {
            if !condition(cond, &inputs, &outputs) {
                continue;
            }
        }
        let Some(script) = step["run"].as_str() else {
            run.ran
                .push(format!("uses {}", step["uses"].as_str().unwrap()));
            continue;
        };
        run.ran.push(id.clone());
        let output_file = tempfile::NamedTempFile::new().unwrap();
        let dir = step["working-directory"]
            .as_str()
            .map_or(".".to_string(), |w| substitute(w, &inputs, &outputs));
        let mut cmd = Command::new("bash");
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
            .current_dir(workspace.join(dir))
            .env("PATH", &path)
            .env("GITHUB_OUTPUT", output_file.path());
        if let Some(env) = step["env"].as_object() {
            for (k, v) in env {
                cmd.env(k, substitute(v.as_str().unwrap(), &inputs, &outputs));
            }
        }
        let out = cmd.output().unwrap();
        run.log.push_str(&String::from_utf8_lossy(&out.stdout));
        run.status = out.status.code().unwrap();
        let written = std::fs::read_to_string(output_file.path()).unwrap();
        let step_outputs = written
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        outputs.insert(id, step_outputs);
        if run.status != 0 {
            break;
        }
    }
    run
}

fn repository(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn fixture() -> String {
    std::fs::read_to_string(root().join("tests/ci_output/policy.yaml")).unwrap()
}

#[test]
fn the_action_annotates_runs_the_tests_and_fails_on_errors() {
    let repo = repository(&[("policies/policy.yaml", &fixture())]);
    let run = run_action(repo.path(), &[("paths", "policies")]);
    assert_eq!(run.ran, ["check", "test", "#8"]);
    assert_eq!(run.status, 1, "{}", run.log);
    let annotations: Vec<&str> = run
        .log
        .lines()
        .filter(|l| l.starts_with("::"))
        .map(|l| l.split_once(',').unwrap().0)
        .collect();
    assert_eq!(
        annotations,
        [
            "::notice file=policies/policy.yaml",
            "::error file=policies/policy.yaml",
            "::warning file=policies/policy.yaml",
            "::error file=policies/policy.yaml",
        ]
    );
    assert!(
        run.log.ends_with("kyverno-ls check exited with 1\n"),
        "{}",
        run.log
    );
}

#[test]
fn the_action_writes_sarif_for_the_upload_and_passes_clean_files() {
    let clean = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n";
    let repo = repository(&[("deploy/settings.yaml", clean)]);
    let run = run_action(
        repo.path(),
        &[
            ("working-directory", "deploy"),
            ("paths", "settings.yaml"),
            ("sarif", "true"),
            ("sarif-file", "out.sarif"),
            ("test", "false"),
        ],
    );
    assert_eq!(
        run.ran,
        [
            "check",
            "sarif",
            "uses github/codeql-action/upload-sarif@v4",
            "#8"
        ]
    );
    assert_eq!((run.status, run.log.as_str()), (0, ""));
    let log: Value = serde_json::from_str(
        &std::fs::read_to_string(repo.path().join("deploy/out.sarif")).unwrap(),
    )
    .unwrap();
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
}

#[test]
fn the_action_fails_on_a_usage_error_of_the_sarif_run() {
    let repo = repository(&[("a.yaml", "a: 1\n")]);
    let run = run_action(
        repo.path(),
        &[
            ("paths", "a.yaml"),
            ("check-args", "--no-such-option"),
            ("sarif", "true"),
            ("test", "false"),
        ],
    );
    // No upload of a log that was not written.
    assert_eq!(run.ran, ["check", "sarif", "#8"]);
    assert_eq!(run.status, 1);
    assert_eq!(
        run.log,
        "kyverno-ls check exited with 2\nkyverno-ls check --format sarif exited with 2\n"
    );
}

#[test]
fn the_readme_documents_every_input_and_hook() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = readme
        .split("\n## CI integrations\n")
        .nth(1)
        .unwrap()
        .split("\n## ")
        .next()
        .unwrap();
    let action = action();
    for name in action["inputs"].as_object().unwrap().keys() {
        assert!(section.contains(&format!("| `{name}` |")), "input {name}");
    }
    for hook in yaml(".pre-commit-hooks.yaml").as_array().unwrap() {
        let id = hook["id"].as_str().unwrap();
        assert!(section.contains(&format!("- id: {id}")), "hook {id}");
    }
}
