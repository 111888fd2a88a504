//! The simulation of rules on sample resources, end to end: `kyverno-ls check --format json`
//! on the examples and on `tests/simulation/` (exact output), and the editor features computed
//! from the same analysis (code lenses, hover evaluation).

use std::path::Path;
use std::process::Command;

use kyverno_ls::analysis::{Inputs, analyze, analyze_with};
use serde_json::{Value, json};

/// `kyverno-ls check --format json ARGS...` from the repository root: (exit code, `files`).
fn check(args: &[&str]) -> (i32, Value) {
    let output = Command::new(env!("CARGO_BIN_EXE_kyverno-ls"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("check")
        .arg("--format")
        .arg("json")
        .args(args)
        .output()
        .expect("run kyverno-ls");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.stderr.is_empty(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let v: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    (output.status.code().unwrap_or(-1), v["files"].clone())
}

fn range(l1: u32, c1: u32, l2: u32, c2: u32) -> Value {
    json!({"start": {"line": l1, "character": c1}, "end": {"line": l2, "character": c2}})
}

const TUTORIAL: &str = "examples/drop-all-capabilities.yaml";
const DROP_ALL: &str = "Containers must drop `ALL` capabilities.";

/// A verdict on a sample: information, worded as what Kyverno would do (`blocked (Enforce)`,
/// `reported (Audit)`).
fn drop_all_failure(sample: &str, outcome: &str, line: u32) -> Value {
    json!({
        "code": "rule-fails",
        "severity": "information",
        "message": format!("{sample} would be {outcome}: {DROP_ALL}"),
        "range": range(line, 12, line, 28),
    })
}

/// The warning on a policy-wide `validationFailureAction` at `line`.
fn deprecated_action(line: u32) -> Value {
    json!({
        "code": "deprecated",
        "severity": "warning",
        "message": "`spec.validationFailureAction` is deprecated: set `validate.failureAction` in each rule instead.",
        "range": range(line, 2, line, 25),
    })
}

#[test]
fn tutorial_cluster_policy_reports_hello_world_under_audit() {
    let (code, files) = check(&[TUTORIAL]);
    assert_eq!(code, 0, "information only");
    assert_eq!(
        files,
        json!([{
            "path": TUTORIAL,
            "diagnostics": [
                drop_all_failure("Pod hello-world", "reported (Audit)", 20),
                drop_all_failure("Pod privileged", "reported (Audit)", 20),
            ],
        }])
    );
}

#[test]
fn under_enforce_the_sample_would_be_blocked_and_check_still_passes() {
    let path = "tests/simulation/drop-all-enforce.yaml";
    let (code, files) = check(&[path]);
    assert_eq!(
        code, 0,
        "a verdict on a sample is not a defect of the policy"
    );
    assert_eq!(
        files,
        json!([{
            "path": path,
            "diagnostics": [
                deprecated_action(15),
                drop_all_failure("Pod hello-world", "blocked (Enforce)", 18),
                drop_all_failure("Pod privileged", "blocked (Enforce)", 18),
            ],
        }])
    );
}

#[test]
fn no_builtin_samples_gives_no_verdict() {
    let (code, files) = check(&["--no-builtin-samples", TUTORIAL]);
    assert_eq!(code, 0);
    assert_eq!(files, json!([{"path": TUTORIAL, "diagnostics": []}]));
}

#[test]
fn modeline_samples_point_into_their_file() {
    let path = "tests/simulation/modeline.yaml";
    let (code, files) = check(&[path]);
    assert_eq!(code, 0);
    assert_eq!(
        files,
        json!([{
            "path": path,
            "diagnostics": [deprecated_action(7), {
                "code": "rule-fails",
                "severity": "information",
                "message": "Pod shop/web would be reported (Audit): Using a mutable image tag such as `latest` is not allowed.",
                "range": range(9, 12, 9, 30),
            }],
        }])
    );
}

#[test]
fn resource_option_acts_like_a_modeline() {
    let (_, files) = check(&["--resource", "tests/simulation/pods.yaml", TUTORIAL]);
    let messages: Vec<&str> = files[0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        [
            format!("Pod shop/web would be reported (Audit): {DROP_ALL}"),
            format!("Pod shop/api would be reported (Audit): {DROP_ALL}"),
        ]
    );
}

#[test]
fn same_file_samples_replace_the_builtins() {
    let path = "tests/simulation/same-file.yaml";
    let (code, files) = check(&[path]);
    assert_eq!(
        code, 0,
        "failureAction: Enforce on the rule, but a verdict is not a defect"
    );
    assert_eq!(
        files,
        json!([{
            "path": path,
            "diagnostics": [{
                "code": "rule-fails",
                "severity": "information",
                "message": "Pod unlabelled would be blocked (Enforce): The label `team` is required.",
                "range": range(7, 12, 7, 28),
            }],
        }])
    );
}

/// A ValidatingAdmissionPolicy's verdict is worded by the actions of its bindings in the file;
/// without one it only fails, and a binding that does not select the sample spares it.
#[test]
fn admission_policies_take_their_actions_from_their_bindings() {
    let path = "tests/simulation/admission-policy.yaml";
    let (code, files) = check(&[path]);
    assert_eq!(code, 0);
    assert_eq!(
        files,
        json!([{
            "path": path,
            "diagnostics": [
                {
                    "code": "rule-fails",
                    "severity": "information",
                    "message": "Deployment big would be admitted with a warning (Warn): at most 5 replicas",
                    "range": range(5, 8, 5, 14),
                },
                {
                    "code": "rule-fails",
                    "severity": "information",
                    "message": "Deployment big would fail (no ValidatingAdmissionPolicyBinding in this file says what Kubernetes does then): at most 3 replicas",
                    "range": range(29, 8, 29, 15),
                },
            ],
        }])
    );
}

/// A PolicyException in the file excepts the Pod it matches from the rule it names; the
/// other Pod is still blocked.
#[test]
fn a_same_file_policy_exception_excepts_the_pods_it_matches() {
    let path = "tests/simulation/policy-exception.yaml";
    let (code, files) = check(&[path]);
    assert_eq!(code, 0);
    assert_eq!(
        files,
        json!([{
            "path": path,
            "diagnostics": [
                {
                    "code": "rule-excepted",
                    "severity": "information",
                    "message": "Pod legacy-billing is excepted from this rule by PolicyException kyverno/legacy-apps",
                    "range": range(8, 12, 8, 22),
                },
                {
                    "code": "rule-fails",
                    "severity": "information",
                    "message": "Pod new-billing would be blocked (Enforce): The label `team` is required.",
                    "range": range(8, 12, 8, 22),
                },
            ],
        }])
    );
}

fn tutorial() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(root.join(TUTORIAL)).unwrap()
}

#[test]
fn code_lens_counts_the_builtin_samples() {
    let text = tutorial();
    let a = analyze(&text);
    let lenses = kyverno_ls::ide::code_lenses(&text, &a);
    assert_eq!(lenses.len(), 1);
    let l = &lenses[0];
    assert_eq!(&text[l.span.clone()], "require-drop-all");
    assert_eq!(l.title, "✓ 3 pass · ✗ 2 fail · ⊘ 0 skip (built-in samples)");
    assert_eq!(l.command, "kyverno.showRuleResults");
    let args = &l.arguments[0];
    assert_eq!(args["policy"], "drop-all-capabilities");
    assert_eq!(args["rule"], "require-drop-all");
    assert_eq!(
        args["results"][0],
        json!({"sample": "Pod hello-world", "status": "fail", "message": DROP_ALL})
    );
}

fn hover_at(text: &str, inputs: &Inputs, needle: &str, delta: usize) -> String {
    let a = analyze_with(text, inputs);
    let offset = text.find(needle).unwrap_or_else(|| panic!("{needle}")) + delta;
    kyverno_ls::ide::hover(text, &a, offset)
        .expect("a hover")
        .markdown
}

#[test]
fn hover_evaluates_per_foreach_element() {
    let text = tutorial();
    let md = hover_at(&text, &Inputs::default(), "element.securityContext", 2);
    assert!(
        md.starts_with(
            "**`Pod hello-world`** (built-in sample)\n\n```text\nelement #0 (hello-world): []\n```"
        ),
        "{md}"
    );
    // The current sample is chosen by label.
    let inputs = Inputs {
        current_sample: Some("Pod hardened".into()),
        ..Inputs::default()
    };
    let md = hover_at(&text, &inputs, "element.securityContext", 2);
    assert!(md.contains("element #0 (app): [\"ALL\"]"), "{md}");
}

#[test]
fn hover_evaluates_a_list_and_a_template() {
    let text = tutorial();
    let md = hover_at(&text, &Inputs::default(), "request.object.spec.[", 3);
    assert!(
        md.contains("```json\n[\n  {\n    \"image\": \"hello-world\""),
        "{md}"
    );
    let md = hover_at(&text, &Inputs::default(), "request.operation ||", 3);
    assert!(md.contains("```json\n\"CREATE\"\n```"), "{md}");
}

#[test]
fn hover_shows_kyvernos_error() {
    let text = tutorial().replace(
        "request.operation || 'BACKGROUND'",
        "request.object.metadata.labels.app",
    );
    let md = hover_at(&text, &Inputs::default(), "labels.app", 8);
    assert!(md.contains("Error: `Unknown key \"app\" in path`"), "{md}");
}

#[test]
fn hover_on_a_function_keeps_its_documentation() {
    let text = tutorial();
    let md = hover_at(&text, &Inputs::default(), "to_upper", 2);
    assert!(md.contains("element #0 (hello-world): []"), "{md}");
    assert!(md.contains("---"), "{md}");
    assert!(md.contains("to_upper("), "{md}");
}

#[test]
fn invalid_policies_are_not_simulated() {
    let text = tutorial().replace("failureAction: Audit", "failureAction: Audt");
    assert!(text.contains("Audt"));
    let a = analyze(&text);
    assert!(a.simulation.is_empty());
    assert!(a.diagnostics.iter().all(|d| d.code != "rule-fails"));
}

#[test]
fn lowercase_enforce_is_enforce() {
    // Only the policy-wide, deprecated field takes the lowercase spelling; the rule's own
    // action would override it.
    let text = tutorial()
        .replace("        failureAction: Audit\n", "")
        .replace(
            "  # Each rule sets its action in `validate.failureAction` (Audit here).",
            "  validationFailureAction: enforce",
        );
    assert!(
        text.contains("validationFailureAction: enforce") && !text.contains("failureAction: Audit")
    );
    let a = analyze(&text);
    let verdicts: Vec<_> = a
        .diagnostics
        .iter()
        .filter(|d| d.code == "rule-fails")
        .collect();
    assert_eq!(verdicts.len(), 2);
    let messages: Vec<&str> = verdicts.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            format!("Pod hello-world would be blocked (Enforce): {DROP_ALL}"),
            format!("Pod privileged would be blocked (Enforce): {DROP_ALL}"),
        ]
    );
}

#[test]
fn autogen_responses_count_for_their_rule() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("examples/require-team-label.yaml")).unwrap();
    let a = analyze(&text);
    let lenses = kyverno_ls::ide::code_lenses(&text, &a);
    assert_eq!(
        lenses[0].title,
        "✓ 0 pass · ✗ 5 fail · ⊘ 0 skip (built-in samples)"
    );
    let samples: Vec<&str> = lenses[0].arguments[0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["sample"].as_str().unwrap())
        .collect();
    assert_eq!(
        samples,
        [
            "Pod hello-world",
            "Pod hardened",
            "Pod privileged",
            "Deployment hardened",
            "CronJob hardened"
        ]
    );
}

#[test]
fn an_error_verdict_is_information() {
    let text = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: p\nspec:\n  validationFailureAction: Enforce\n  rules:\n    - name: needs-app\n      match:\n        any:\n          - resources:\n              kinds: [Pod]\n      validate:\n        message: needs app\n        deny:\n          conditions:\n            any:\n              - key: \"{{ request.object.metadata.labels.app }}\"\n                operator: Equals\n                value: x\n";
    let a = analyze(text);
    let d = a
        .diagnostics
        .iter()
        .find(|d| d.code == "rule-error")
        .expect("a rule-error");
    assert_eq!(d.severity, kyverno_ls::diag::Severity::Information);
    assert_eq!(&text[d.span.clone()], "needs-app");
    assert!(
        d.message
            .starts_with("Pod hello-world would get an error: "),
        "{}",
        d.message
    );
}

#[test]
fn hover_on_a_condition_key() {
    let text = tutorial();
    let md = hover_at(&text, &Inputs::default(), "key: ALL", 6);
    assert!(md.contains("element #0 (hello-world): \"ALL\""), "{md}");
}

/// `kyverno-ls ARGS...` run in `dir`: (exit code, stdout).
fn run_in(dir: &Path, args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_kyverno-ls"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run kyverno-ls");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (p, text) in files {
        let path = dir.join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

const TUTORIAL_POLICY: &str = "examples/tutorial-policy.yaml";

fn tutorial_verdict(sample: &str, outcome: &str) -> Value {
    json!({
        "code": "rule-fails",
        "severity": "information",
        "message": format!("{sample} would be {outcome}: {DROP_ALL}"),
        "range": range(21, 12, 21, 28),
    })
}

#[test]
fn the_tutorials_policy_reports_hello_world_as_information() {
    let (code, files) = check(&[TUTORIAL_POLICY]);
    assert_eq!(code, 0, "a verdict on a sample is not a defect");
    assert_eq!(
        files,
        json!([{
            "path": TUTORIAL_POLICY,
            "diagnostics": [
                tutorial_verdict("Pod hello-world", "reported (Audit)"),
                tutorial_verdict("Pod privileged", "reported (Audit)"),
            ],
        }])
    );
}

#[test]
fn the_tutorials_policy_under_enforce_would_block_and_still_exits_0() {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(TUTORIAL_POLICY))
        .unwrap()
        .replace("failureAction: Audit", "failureAction: Enforce");
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &[("policy.yaml", &text)]);
    let (code, out) = run_in(dir.path(), &["check", "--format", "json", "policy.yaml"]);
    assert_eq!(code, 0, "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["files"][0]["diagnostics"],
        json!([
            tutorial_verdict("Pod hello-world", "blocked (Enforce)"),
            tutorial_verdict("Pod privileged", "blocked (Enforce)"),
        ])
    );
    // The flag that raises verdicts, as the editor's severity setting does.
    let (code, out) = run_in(
        dir.path(),
        &["check", "--severity", "rule-fails=error", "policy.yaml"],
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.ends_with("2 errors, 0 warnings and 0 notes in 1 of 1 file checked.\n"),
        "{out}"
    );
}

#[test]
fn a_namespaced_policy_sees_the_samples_in_its_namespace() {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(TUTORIAL_POLICY))
        .unwrap()
        .replace("namespace: default", "namespace: team-a");
    let dir = tempfile::tempdir().unwrap();
    // A same-file sample in another namespace is never matched; one without a namespace is
    // created in the policy's.
    let samples = "---\napiVersion: v1\nkind: Pod\nmetadata: {name: elsewhere, namespace: team-b}\nspec: {containers: [{name: c, image: nginx}]}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: here}\nspec: {containers: [{name: c, image: nginx}]}\n";
    write(
        dir.path(),
        &[
            ("builtins.yaml", &text),
            ("same-file.yaml", &format!("{text}{samples}")),
        ],
    );
    let (_, out) = run_in(dir.path(), &["check", "--format", "json", "builtins.yaml"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["files"][0]["diagnostics"],
        json!([
            tutorial_verdict("Pod hello-world", "reported (Audit)"),
            tutorial_verdict("Pod privileged", "reported (Audit)"),
        ])
    );
    let (_, out) = run_in(dir.path(), &["check", "--format", "json", "same-file.yaml"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    let messages: Vec<&str> = v["files"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        ["Pod here would be reported (Audit): Containers must drop `ALL` capabilities."]
    );
}

const LIBRARY_POLICY: &str = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: require-team\nspec:\n  rules:\n  - name: check-team\n    match:\n      any:\n      - resources:\n          kinds: [Pod]\n    validate:\n      failureAction: Enforce\n      message: The label `team` is required.\n      pattern:\n        metadata:\n          labels:\n            team: \"?*\"\n";
const LIBRARY_RESOURCES: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: good\n  labels: {team: a}\nspec: {containers: [{name: c, image: nginx}]}\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: bad\nspec: {containers: [{name: c, image: nginx}]}\n";

fn library_manifest(bad: &str) -> String {
    format!(
        "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nmetadata:\n  name: require-team\npolicies:\n- ../policy.yaml\nresources:\n- resources.yaml\nresults:\n- policy: require-team\n  rule: check-team\n  kind: Pod\n  resources: [good]\n  result: pass\n- policy: require-team\n  rule: check-team\n  kind: Pod\n  resources: [bad]\n  result: {bad}\n"
    )
}

#[test]
fn the_library_layouts_own_test_supplies_samples_and_expectations() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    write(
        dir.path(),
        &[
            ("p/policy.yaml", LIBRARY_POLICY),
            (
                "p/.kyverno-test/kyverno-test.yaml",
                &library_manifest("fail"),
            ),
            ("p/.kyverno-test/resources.yaml", LIBRARY_RESOURCES),
        ],
    );
    // Expectations met: nothing to report, from the policy's folder or from anywhere else.
    let (code, out) = run_in(&dir.path().join("p"), &["check", "policy.yaml"]);
    assert_eq!(
        (code, out.as_str()),
        (0, "Nothing to report in 1 file checked.\n")
    );
    let elsewhere = tempfile::tempdir().unwrap();
    let policy = dir.path().join("p/policy.yaml");
    let (code, out) = run_in(elsewhere.path(), &["check", policy.to_str().unwrap()]);
    assert_eq!(
        (code, out.as_str()),
        (0, "Nothing to report in 1 file checked.\n")
    );

    // An expectation that does not hold: an error on the rule and on the manifest's row.
    write(
        dir.path(),
        &[(
            "p/.kyverno-test/kyverno-test.yaml",
            &library_manifest("pass"),
        )],
    );
    let (code, out) = run_in(dir.path(), &["check", "--format", "json", "p"]);
    assert_eq!(code, 1, "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["files"],
        json!([
            {
                "path": "p/.kyverno-test/kyverno-test.yaml",
                "diagnostics": [{
                    "code": "test-mismatch",
                    "severity": "error",
                    "message": "Expected `pass` for bad but the engine says `fail`: validation error: The label `team` is required. rule check-team failed at path /metadata/labels/",
                    "range": range(17, 14, 17, 17),
                }],
            },
            {"path": "p/.kyverno-test/resources.yaml", "diagnostics": []},
            {
                "path": "p/policy.yaml",
                "diagnostics": [{
                    "code": "test-mismatch",
                    "severity": "error",
                    "message": "Pod bad: the test expects `pass`, but the rule gives `fail`: The label `team` is required.",
                    "range": range(6, 10, 6, 20),
                }],
            },
        ])
    );
    // The related information: the manifest's entry, and the field of the resource.
    let (_, text) = run_in(dir.path(), &["check", "p/policy.yaml"]);
    assert!(
        text.contains(
            "  = note: the expected result `pass` (p/.kyverno-test/kyverno-test.yaml:15:3)\n  = note: Pod bad: /metadata/labels/ is missing here (p/.kyverno-test/resources.yaml:10:1)\n"
        ),
        "{text}"
    );
}

#[test]
fn chainsaw_assertions_and_kustomize_patches_are_partial_objects() {
    let dir = tempfile::tempdir().unwrap();
    let ready = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: require-team\nstatus:\n  ready: true\n";
    let chainsaw = "apiVersion: chainsaw.kyverno.io/v1alpha1\nkind: Test\nmetadata: {name: t}\nspec:\n  steps:\n  - try:\n    - assert: {file: ready.yaml}\n";
    let patch = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: require-team\nspec:\n  validationFailureActionz: Enforce\n";
    write(
        dir.path(),
        &[
            ("a/.chainsaw-test/policy-ready.yaml", ready),
            ("b/e2e/chainsaw-test.yaml", chainsaw),
            ("b/e2e/ready.yaml", ready),
            ("c/kustomization.yaml", "patches:\n- path: patch.yaml\n"),
            ("c/patch.yaml", patch),
            ("d/not-partial.yaml", ready),
        ],
    );
    let (code, out) = run_in(dir.path(), &["check", "--format", "json", "."]);
    assert_eq!(code, 1, "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let found: Vec<(String, String)> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| {
            f["diagnostics"].as_array().unwrap().iter().map(|d| {
                (
                    f["path"].as_str().unwrap().to_string(),
                    format!(
                        "{} {}",
                        d["code"].as_str().unwrap(),
                        d["message"].as_str().unwrap()
                    ),
                )
            })
        })
        .collect();
    let s = |p: &str, m: &str| (p.to_string(), m.to_string());
    assert_eq!(
        found,
        [
            s(
                "./c/patch.yaml",
                "unknown-field Unknown field `validationFailureActionz` in spec. Did you mean `validationFailureAction`?"
            ),
            s(
                "./d/not-partial.yaml",
                "missing-field The document is missing the required field `spec`."
            ),
        ]
    );
}

#[test]
fn hover_sees_the_sample_in_the_namespaced_policys_namespace() {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(TUTORIAL_POLICY))
        .unwrap()
        .replace("namespace: default", "namespace: team-a")
        .replace(
            "message: Containers must drop `ALL` capabilities.",
            "message: \"In {{ request.object.metadata.namespace }}, containers must drop ALL.\"",
        );
    let md = hover_at(
        &text,
        &Inputs::default(),
        "request.object.metadata.namespace",
        20,
    );
    assert_eq!(
        md,
        "**`Pod hello-world`** (built-in sample)\n\n```json\n\"team-a\"\n```"
    );
    let a = analyze(&text);
    let messages: Vec<&str> = a
        .diagnostics
        .iter()
        .filter(|d| d.code == "rule-fails")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        messages,
        [
            "Pod hello-world would be reported (Audit): In team-a, containers must drop ALL.",
            "Pod privileged would be reported (Audit): In team-a, containers must drop ALL."
        ]
    );
}

#[test]
fn an_unscored_policy_is_reported_as_a_warning_under_audit_and_blocked_under_enforce() {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(TUTORIAL_POLICY))
        .unwrap()
        .replace(
            "  annotations:\n",
            "  annotations:\n    policies.kyverno.io/scored: \"false\"\n",
        );
    let messages = |text: &str| -> Vec<String> {
        analyze(text)
            .diagnostics
            .iter()
            .filter(|d| d.code == "rule-fails")
            .map(|d| d.message.clone())
            .collect()
    };
    assert_eq!(
        messages(&text)[0],
        format!(
            "Pod hello-world would be reported as a warning (Audit, unscored policy): {DROP_ALL}"
        )
    );
    let enforce = text.replace("failureAction: Audit", "failureAction: Enforce");
    assert_eq!(
        messages(&enforce)[0],
        format!("Pod hello-world would be blocked (Enforce): {DROP_ALL}")
    );
}

#[test]
fn autogen_responses_of_a_long_rule_name_count_for_their_rule() {
    // Kyverno cuts `autogen-cronjob-<rule>` to 63 characters, so the name no longer ends with
    // the rule's: the responses are told apart by the rule they come from.
    let long = "require-team-label-on-every-workload-of-the-payments-platform";
    assert_eq!(long.len(), 61);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("examples/require-team-label.yaml"))
        .unwrap()
        .replace("name: check-team-label", &format!("name: {long}"));
    assert!(text.contains(long));
    let a = analyze(&text);
    let lenses = kyverno_ls::ide::code_lenses(&text, &a);
    assert_eq!(
        lenses[0].title,
        "✓ 0 pass · ✗ 5 fail · ⊘ 0 skip (built-in samples)"
    );
    let rules: Vec<&str> = a.simulation[0]
        .results
        .iter()
        .map(|r| r.response.rule.as_str())
        .collect();
    assert_eq!(
        rules,
        [
            long,
            long,
            long,
            &format!("autogen-{long}")[..63],
            &format!("autogen-cronjob-{long}")[..63],
        ]
    );
}
