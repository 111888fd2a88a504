//! Policies packaged as Helm charts, through `kyverno-ls check`: templates are never read as
//! YAML, the policies Helm renders are checked, and each finding lands on the template line
//! that wrote it. Most tests stand a small shell script in for `helm`, so that they need no
//! Helm; `real_helm_*` render with Helm's own library (PyPI's helm-python-sdk, behind
//! `tests/helm/helm`), skipped where it is not installed unless `KYVERNO_LS_REQUIRE_HELM=1`.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

mod common;

const CHART: &str = "apiVersion: v2\nname: pols\nversion: 0.1.0\n";

/// A template with a Helm condition, an escaped Kyverno expression holding a misspelt
/// function, and a deprecated operator.
const TEMPLATE: &str = r#"{{- if .Values.enabled }}
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: {{ .Values.name | default "no-latest" }}
spec:
  rules:
  - name: no-latest
    match:
      any:
      - resources:
          kinds: [Pod]
    validate:
      failureAction: Audit
      deny:
        conditions:
          any:
          - key: "{{`{{ request.object.metadata.name | to_uper(@) }}`}}"
            operator: Equals
            value: LATEST
          - key: "{{ "{{" }} request.operation {{ "}}" }}"
            operator: In
            value: [CONNECT]
{{- end }}
"#;

/// What Helm renders from [`TEMPLATE`] with `enabled: true`.
const RENDERED: &str = r#"---
# Source: pols/templates/policy.yaml
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: no-latest
spec:
  rules:
  - name: no-latest
    match:
      any:
      - resources:
          kinds: [Pod]
    validate:
      failureAction: Audit
      deny:
        conditions:
          any:
          - key: "{{ request.object.metadata.name | to_uper(@) }}"
            operator: Equals
            value: LATEST
          - key: "{{ request.operation }}"
            operator: In
            value: [CONNECT]
"#;

const HELPERS: &str = "{{- define \"pols.name\" -}}\n{{ .Chart.Name }}\n{{- end -}}\n";

/// A workspace with the chart in `ws/pols`, and a folder `bin/` beside it for the fake `helm`.
struct Setup {
    _dir: tempfile::TempDir,
    ws: PathBuf,
    bin: PathBuf,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let top = dir.path().canonicalize().unwrap();
    let ws = top.join("ws");
    let bin = top.join("bin");
    for (path, text) in [
        ("pols/Chart.yaml", CHART),
        ("pols/values.yaml", "enabled: true\n"),
        ("pols/templates/policy.yaml", TEMPLATE),
        ("pols/templates/_helpers.tpl", HELPERS),
    ] {
        let p = ws.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    std::fs::create_dir_all(ws.join(".git")).unwrap();
    std::fs::create_dir_all(&bin).unwrap();
    Setup { _dir: dir, ws, bin }
}

/// Writes `bin/helm`, a shell script that records its arguments in `bin/calls` and then runs
/// `body`.
fn fake_helm(bin: &Path, body: &str) -> PathBuf {
    common::fake_program(bin, "helm", body)
}

/// A fake `helm` that prints `output`.
fn helm_printing(bin: &Path, output: &str) -> PathBuf {
    std::fs::write(bin.join("render.yaml"), output).unwrap();
    fake_helm(bin, &format!("cat '{}'", bin.join("render.yaml").display()))
}

/// `kyverno-ls check --format json ARGS` in `cwd` with `PATH` set to `path`.
fn check(cwd: &Path, path: &str, args: &[&str]) -> (i32, Value, String) {
    common::check_json(cwd, path, args)
}

use common::range;

use common::diagnostics_of as of;

/// The findings of [`RENDERED`], on [`TEMPLATE`]'s lines: the misspelt function inside the
/// backquotes, the deprecated operator on its value.
fn template_findings() -> Value {
    json!([
        {
            "code": "unknown-function",
            "severity": "error",
            "message": "Unknown function `to_uper`. Did you mean `to_upper`? (in Helm's render: `- key: \"{{ request.object.metadata.name | to_uper(@) }}\"`)",
            "range": range(17, 55, 17, 62),
        },
        {
            "code": "deprecated",
            "severity": "warning",
            "message": "The operator `In` is deprecated; use `AnyIn` (any of the key's values is listed) or `AllIn` (all of them are). (in Helm's render: `operator: In`)",
            "range": range(21, 22, 21, 24),
        },
    ])
}

#[test]
fn templates_are_checked_as_helm_renders_them_with_findings_on_the_template_lines() {
    let s = setup();
    let helm = helm_printing(&s.bin, RENDERED);
    let (code, files, stderr) = check(
        &s.ws,
        "/nonexistent",
        &["--helm", helm.to_str().unwrap(), "pols"],
    );
    assert_eq!(stderr, "");
    assert_eq!(code, 1, "{files}");
    assert_eq!(of(&files, "templates/policy.yaml"), template_findings());
    // Nothing from the chart's other files, and the helper is not even listed (not YAML).
    assert_eq!(of(&files, "Chart.yaml"), json!([]));
    assert_eq!(of(&files, "values.yaml"), json!([]));
    assert!(!files.to_string().contains("_helpers.tpl"));
    // One render for the chart, with the chart's folder and no values file.
    let calls = std::fs::read_to_string(s.bin.join("calls")).unwrap();
    assert_eq!(
        calls,
        format!("template kyverno-ls {}\n", s.ws.join("pols").display())
    );
}

#[test]
fn values_files_are_passed_to_helm_after_the_defaults() {
    let s = setup();
    std::fs::write(s.ws.join("strict.yaml"), "enabled: true\n").unwrap();
    let helm = helm_printing(&s.bin, RENDERED);
    let (_, files, stderr) = check(
        &s.ws,
        "/nonexistent",
        &[
            "--helm",
            helm.to_str().unwrap(),
            "--helm-values",
            "strict.yaml",
            "pols/templates/policy.yaml",
        ],
    );
    assert_eq!(stderr, "");
    assert_eq!(of(&files, "templates/policy.yaml"), template_findings());
    let calls = std::fs::read_to_string(s.bin.join("calls")).unwrap();
    assert_eq!(
        calls,
        format!(
            "template kyverno-ls {} --values {}\n",
            s.ws.join("pols").display(),
            s.ws.join("strict.yaml").display()
        )
    );
    // A values file that does not exist is a usage error.
    let (code, _, stderr) = {
        let out = Command::new(env!("CARGO_BIN_EXE_kyverno-ls"))
            .current_dir(&s.ws)
            .args(["check", "--helm-values", "nope.yaml", "pols"])
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            (),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert_eq!(
        (code, stderr.as_str()),
        (2, "error: nope.yaml: no such values file\n")
    );
}

#[test]
fn without_helm_each_template_gets_one_note_and_no_yaml_error() {
    let s = setup();
    // PATH names a folder without helm.
    let (code, files, stderr) = check(
        &s.ws,
        s.bin.to_str().unwrap(),
        &["pols", "pols/templates/_helpers.tpl"],
    );
    assert_eq!(stderr, "");
    assert_eq!(code, 0);
    assert_eq!(
        of(&files, "templates/policy.yaml"),
        json!([{
            "code": "helm-not-found",
            "severity": "information",
            "message": "This is a Helm template: kyverno-ls checks the policies Helm renders from it, not its raw text. No `helm` was found on PATH. To check them, install Helm (3 or 4) on PATH, or give its path: the `kyverno.helm.path` setting in the editor, `--helm PATH` for `kyverno-ls check`.",
            "range": range(1, 0, 1, 25),
        }])
    );
    // A helper named on the command line is not YAML either.
    assert_eq!(of(&files, "_helpers.tpl"), json!([]));
    // A `--helm` that does not exist says so.
    let (_, files, _) = check(&s.ws, "/nonexistent", &["--helm", "/no/helm", "pols"]);
    let message = of(&files, "templates/policy.yaml")[0]["message"].clone();
    assert!(
        message
            .as_str()
            .unwrap()
            .contains("The Helm program `/no/helm` does not exist."),
        "{message}"
    );
}

#[test]
fn a_render_error_is_an_error_on_the_line_helm_names() {
    let s = setup();
    let helm = fake_helm(
        &s.bin,
        "echo 'Error: template: pols/templates/policy.yaml:5:12: executing \"pols/templates/policy.yaml\" at <.Values.name>: wrong type' >&2\nexit 1",
    );
    let (code, files, _) = check(
        &s.ws,
        "/nonexistent",
        &["--helm", helm.to_str().unwrap(), "pols"],
    );
    assert_eq!(code, 1);
    assert_eq!(
        of(&files, "templates/policy.yaml"),
        json!([{
            "code": "helm-render-failed",
            "severity": "error",
            "message": "Helm cannot render this chart, so its policies are not checked: template: pols/templates/policy.yaml:5:12: executing \"pols/templates/policy.yaml\" at <.Values.name>: wrong type",
            "range": range(4, 0, 4, 48),
        }])
    );
}

#[test]
fn a_template_switched_off_says_it_is_not_checked() {
    let s = setup();
    let helm = helm_printing(&s.bin, "");
    let (code, files, _) = check(
        &s.ws,
        "/nonexistent",
        &["--helm", helm.to_str().unwrap(), "pols"],
    );
    assert_eq!(code, 0);
    assert_eq!(
        of(&files, "templates/policy.yaml"),
        json!([{
            "code": "helm-not-rendered",
            "severity": "information",
            "message": "Helm renders nothing from this template with the chart's values (and the values files given), so there is nothing to check here. Give values that switch it on (`kyverno.helm.values` in the editor, `--helm-values FILE` for `kyverno-ls check`) to check it.",
            "range": range(1, 0, 1, 25),
        }])
    );
}

#[test]
fn a_yaml_file_outside_templates_is_still_plain_yaml() {
    // A `templates/` folder without `Chart.yaml` above it is no chart.
    let s = setup();
    std::fs::create_dir_all(s.ws.join("other/templates")).unwrap();
    std::fs::write(s.ws.join("other/templates/x.yaml"), "a: [\n").unwrap();
    let (_, files, _) = check(&s.ws, "/nonexistent", &["other"]);
    assert_eq!(of(&files, "x.yaml")[0]["code"], "yaml-syntax");
}

// ---------------------------------------------------------------------------------------------
// Real Helm: Helm's Go library from PyPI, behind `tests/helm/helm`.

/// The `helm` stand-in when Helm's library can be imported, else None (and a `skipped:` line),
/// or a failure when `KYVERNO_LS_REQUIRE_HELM=1`.
fn real_helm() -> Option<PathBuf> {
    let helm = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/helm/helm");
    let importable = Command::new("python3")
        .args(["-c", "import helm_python"])
        .output()
        .is_ok_and(|o| o.status.success());
    if importable {
        return Some(helm);
    }
    assert!(
        std::env::var_os("KYVERNO_LS_REQUIRE_HELM").is_none(),
        "KYVERNO_LS_REQUIRE_HELM is set but python3 cannot import helm_python (PyPI's helm-python-sdk; .ci/run installs it)"
    );
    println!("skipped: python3 cannot import helm_python (PyPI's helm-python-sdk)");
    None
}

const FIXTURE: &str = "tests/fixtures/helm/policy-chart";

fn check_fixture(helm: &Path, values: &[&str]) -> (i32, Value) {
    let mut args = vec!["--helm", helm.to_str().unwrap()];
    for v in values {
        args.extend(["--helm-values", v]);
    }
    args.push(FIXTURE);
    let path = std::env::var("PATH").unwrap_or_default();
    let (code, files, stderr) = check(Path::new(env!("CARGO_MANIFEST_DIR")), &path, &args);
    assert_eq!(stderr, "");
    (code, files)
}

/// The finding on the fixture's `disallow-latest-tag.yaml`: `element` in the rule's message,
/// outside its `foreach`, inside an escaped expression; and the deprecated `Equal`.
fn latest_tag_findings() -> Value {
    json!([
        {
            "code": "element-outside-foreach",
            "severity": "error",
            "message": "`element` exists only inside a `foreach`; here it is undefined and Kyverno rejects the policy. (in Helm's render: `message: \"Image {{ element.image }} needs a tag other than latest.\"`)",
            "range": range(19, 28, 19, 35),
        },
        {
            "code": "deprecated",
            "severity": "warning",
            "message": "The operator `Equal` is deprecated; use `Equals`. (in Helm's render: `operator: Equal`)",
            "range": range(29, 24, 29, 29),
        },
    ])
}

#[test]
fn real_helm_checks_the_fixture_chart_with_its_defaults() {
    let Some(helm) = real_helm() else { return };
    let (code, files) = check_fixture(&helm, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        of(&files, "disallow-latest-tag.yaml"),
        latest_tag_findings()
    );
    // Switched off by the chart's defaults.
    assert_eq!(
        of(&files, "require-team-label.yaml")[0]["code"],
        "helm-not-rendered"
    );
    assert_eq!(of(&files, "values.yaml"), json!([]));
}

#[test]
fn real_helm_checks_the_policies_the_strict_values_switch_on() {
    let Some(helm) = real_helm() else { return };
    let values = format!("{FIXTURE}/ci/strict-values.yaml");
    let (_, files) = check_fixture(&helm, &[&values]);
    assert_eq!(
        of(&files, "disallow-latest-tag.yaml"),
        latest_tag_findings()
    );
    assert_eq!(
        of(&files, "require-team-label.yaml"),
        json!([{
            "code": "unknown-function",
            "severity": "error",
            "message": "Unknown function `to_uper`. Did you mean `to_upper`? (in Helm's render: `- key: \"{{ request.object.metadata.labels.team | to_uper(@) }}\"`)",
            "range": range(33, 62, 33, 69),
        }])
    );
}

#[test]
fn real_helm_render_errors_name_the_template_line() {
    let Some(helm) = real_helm() else { return };
    let s = setup();
    std::fs::write(
        s.ws.join("pols/templates/policy.yaml"),
        "apiVersion: v1\nkind: ConfigMap\ndata:\n  x: {{ .Values.missing.key }}\n",
    )
    .unwrap();
    let path = std::env::var("PATH").unwrap_or_default();
    let (code, files, _) = check(&s.ws, &path, &["--helm", helm.to_str().unwrap(), "pols"]);
    assert_eq!(code, 1);
    let d = &of(&files, "templates/policy.yaml")[0];
    assert_eq!(d["code"], "helm-render-failed");
    assert_eq!(d["range"], range(3, 0, 3, 30));
}

// ---------------------------------------------------------------------------------------------
// `kyverno-ls test` with manifests that name a chart

/// `kyverno-ls ARGS` in `cwd` with `PATH` set to `path`: (exit code, stdout, stderr).
fn kyverno_ls(cwd: &Path, path: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kyverno-ls"))
        .current_dir(cwd)
        .env("PATH", path)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A manifest beside the chart whose `policies:` entry is `policies` (the chart's folder or its
/// template), with a Pod the rule blocks and one it lets through, both expected to pass: the
/// first expectation is wrong.
fn chart_manifest(s: &Setup, policies: &str) {
    let dir = s.ws.join("tests");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("kyverno-test.yaml"),
        format!(
            "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nmetadata:\n  name: chart\npolicies:\n- {policies}\nresources:\n- pods.yaml\nresults:\n- policy: no-latest\n  rule: no-latest\n  resources: [latest]\n  kind: Pod\n  result: pass\n- policy: no-latest\n  rule: no-latest\n  resources: [web]\n  kind: Pod\n  result: pass\n"
        ),
    )
    .unwrap();
    let pod = |name: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n  containers:\n  - name: c\n    image: nginx:1.27\n"
        )
    };
    std::fs::write(
        dir.join("pods.yaml"),
        format!("{}---\n{}", pod("latest"), pod("web")),
    )
    .unwrap();
}

/// What `test` prints for [`chart_manifest`] with the rule of [`RENDERED`] (its function's
/// name corrected): the Pod named `latest` is blocked, against the manifest's expectation.
const TABLE: &str = "Test tests/kyverno-test.yaml
│ ID │ POLICY    │ RULE      │ RESOURCE │ EXPECTED │ ACTUAL │ VERDICT │ REASON
│ 1  │ no-latest │ no-latest │ latest   │ pass     │ fail   │ Fail    │ validation error: rule no-latest failed
│ 2  │ no-latest │ no-latest │ web      │ pass     │ pass   │ Pass    │ validation rule 'no-latest' passed.

Test Summary: 1 manifests, 2 results: 1 passed, 1 failed, 0 unsupported
";

#[test]
fn test_runs_a_manifest_on_the_policies_helm_renders_from_a_chart() {
    let s = setup();
    let helm = helm_printing(&s.bin, &RENDERED.replace("to_uper", "to_upper"));
    let helm = helm.to_str().unwrap();
    for entry in ["../pols", "../pols/templates/policy.yaml"] {
        chart_manifest(&s, entry);
        let (code, out, err) =
            kyverno_ls(&s.ws, "/usr/bin:/bin", &["test", "--helm", helm, "tests"]);
        assert_eq!(
            (code, out.as_str(), err.as_str()),
            (1, TABLE, ""),
            "{entry}"
        );
    }
    // Helm is called on the chart's folder, with its default values only.
    let calls = std::fs::read_to_string(s.bin.join("calls")).unwrap();
    let call = format!("template kyverno-ls {}\n", s.ws.join("pols").display());
    assert_eq!(calls, call.repeat(2));
    // `check` on the manifest (what the editor shows on it) finds the same mismatch.
    let (code, files, _) = check(
        &s.ws,
        "/usr/bin:/bin",
        &["--helm", helm, "tests/kyverno-test.yaml"],
    );
    assert_eq!(code, 1);
    assert_eq!(
        of(&files, "kyverno-test.yaml"),
        json!([{
            "code": "test-mismatch", "severity": "error",
            "message": "Expected `pass` for latest but the engine says `fail`: validation error: rule no-latest failed",
            "range": range(11, 14, 11, 20),
        }])
    );
}

#[test]
fn without_helm_a_manifest_naming_a_chart_is_an_error_that_says_how_to_enable_it() {
    let s = setup();
    chart_manifest(&s, "../pols");
    let (code, out, err) = kyverno_ls(&s.ws, "/nowhere", &["test", "tests"]);
    let why = "policy `../pols`: this is a Helm chart, whose policies kyverno-ls tests as Helm renders them. No `helm` was found on PATH. To test them, install Helm (3 or 4) on PATH, or give its path: `--helm PATH` for `kyverno-ls test` and `kyverno-ls check`, the `kyverno.helm.path` setting in the editor.";
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (
            1,
            format!("error: tests/kyverno-test.yaml: {why}\nTest Summary: 1 manifests, 0 results: 0 passed, 0 failed, 0 unsupported; 1 manifest errors\n").as_str(),
            ""
        )
    );
    // `check` on the manifest reports the same, as the editor does.
    let (code, files, _) = check(&s.ws, "/nowhere", &["tests/kyverno-test.yaml"]);
    assert_eq!(code, 1);
    assert_eq!(
        of(&files, "kyverno-test.yaml"),
        json!([{"code": "test-error", "severity": "error", "message": why, "range": range(0, 0, 0, 0)}])
    );
}
