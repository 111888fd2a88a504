//! `kyverno-ls check` with a `.kyverno-ls.yaml` (severities, ignored folders, its mistakes)
//! and ignore comments.

use std::process::Command;

use serde_json::{Value, json};

const POLICY: &str = "apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: ops
spec:
  rules:
  - name: create-only
    match:
      any:
      - resources:
          kinds: [Pod]
    preconditions:
      all:
      - key: \"{{ request.operation }}\"
        # kyverno-ls: ignore[deprecated] the cluster still runs Kyverno 1.8
        operator: Equal
        value: CREATE
      - key: \"{{ request.operation }}\"
        operator: NotEqual # kyverno-ls: ignore[unknown-field]
        value: DELETE
    validate:
      failureAction: Audit
      message: m
      deny: {}
";

#[test]
fn configuration_and_ignore_comments() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path();
    std::fs::write(
        ws.join(".kyverno-ls.yaml"),
        "diagnostics:\n  deprecated: error\n  unknown-feild: off\nignore: [vendor/**]\n",
    )
    .unwrap();
    std::fs::create_dir_all(ws.join("vendor")).unwrap();
    std::fs::write(ws.join("vendor/broken.yaml"), "a: [\n").unwrap();
    std::fs::write(ws.join("ops.yaml"), POLICY).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kyverno-ls"))
        .args(["check", "--format", "json", "--no-builtin-samples", "."])
        .current_dir(ws)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let v: Value = serde_json::from_str(&stdout).unwrap();
    let shown: Vec<Value> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            json!({
                "path": f["path"],
                "diagnostics": f["diagnostics"].as_array().unwrap().iter()
                    .map(|d| json!([d["code"], d["severity"], d["range"]["start"]["line"]]))
                    .collect::<Vec<_>>(),
            })
        })
        .collect();
    // vendor/ is left out; `NotEqual` is an error by the file's say; the comment above `Equal`
    // silences it; the trailing comment names a code that is not reported there.
    assert_eq!(
        shown,
        vec![
            json!({"path": "./.kyverno-ls.yaml", "diagnostics": []}),
            json!({"path": "./ops.yaml", "diagnostics": [
                ["deprecated", "error", 18],
                ["unused-ignore", "warning", 18],
            ]}),
        ]
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        format!(
            "warning: {}: `unknown-feild` is not a diagnostic code of kyverno-ls; did you mean `unknown-field`?\n",
            ws.join(".kyverno-ls.yaml")
                .canonicalize()
                .unwrap()
                .display()
        )
    );
    // A file named on the command line is checked, even in an ignored folder.
    let out = Command::new(env!("CARGO_BIN_EXE_kyverno-ls"))
        .args(["check", "--format", "json", "vendor/broken.yaml"])
        .current_dir(ws)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["files"][0]["diagnostics"][0]["code"], "yaml-syntax");
}

/// The opt-in lint rules run once the configuration file gives them a level; the editor's
/// settings and `--severity` can do the same.
#[test]
fn opt_in_lints_run_when_configured() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path();
    let policy = "apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: team
spec:
  rules:
  - name: team
    match:
      any:
      - resources:
          kinds: [Pod]
    validate:
      failureAction: Enforce
      message: m
      pattern:
        metadata:
          labels:
            team: \"?*\"
";
    std::fs::write(ws.join("team.yaml"), policy).unwrap();
    let codes = |args: &[&str]| -> Vec<(String, String, u64)> {
        let out = Command::new(env!("CARGO_BIN_EXE_kyverno-ls"))
            .args(args)
            .current_dir(ws)
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v["files"][0]["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["code"].as_str().unwrap().to_string(),
                    d["severity"].as_str().unwrap().to_string(),
                    d["range"]["start"]["line"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let check = [
        "check",
        "--format",
        "json",
        "--no-builtin-samples",
        "team.yaml",
    ];
    assert_eq!(codes(&check), vec![]);
    std::fs::write(
        ws.join(".kyverno-ls.toml"),
        "[diagnostics]\nclusterpolicy-deprecated = \"information\"\npolicy-missing-annotations = \"warning\"\nenforce-without-test = \"error\"\n",
    )
    .unwrap();
    assert_eq!(
        codes(&check),
        vec![
            ("clusterpolicy-deprecated".into(), "information".into(), 1),
            ("policy-missing-annotations".into(), "warning".into(), 2),
            ("enforce-without-test".into(), "error".into(), 6),
        ]
    );
    // The command line wins over the file.
    let mut off = check.to_vec();
    off.extend(["--severity", "enforce-without-test=off"]);
    assert_eq!(codes(&off).len(), 2);
    // A test manifest that lists the policy answers the last one.
    std::fs::write(
        ws.join("kyverno-test.yaml"),
        "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nmetadata: {name: t}\npolicies: [team.yaml]\nresources: []\nresults: []\n",
    )
    .unwrap();
    assert_eq!(codes(&check).len(), 2);
}
