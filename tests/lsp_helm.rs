//! Helm templates in the editor, with the real core over in-process pipes: a template opens
//! without syntax errors, the rendered policy's findings sit on the template's lines, an
//! unsaved edit says the findings are from the last save, and a save renders again. The
//! `helm` is a shell script printing a canned render, or (`real_helm_*`) Helm's own library
//! behind `tests/helm/helm`, skipped where it is not installed unless
//! `KYVERNO_LS_REQUIRE_HELM=1`. Expected messages are whole.

mod common;

use std::path::{Path, PathBuf};

use common::{Session, Workspace, publish, range};
use serde_json::{Value, json};

/// Prints the actual message when `DUMP` is set, instead of comparing (to write expectations).
fn same(actual: &Value, expected: Value) {
    if std::env::var_os("DUMP").is_some() {
        println!("{actual}");
        return;
    }
    assert_eq!(*actual, expected);
}

const CHART: &str = "apiVersion: v2\nname: pols\nversion: 0.1.0\n";

const TEMPLATE: &str = r#"{{- if .Values.enabled }}
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: no-demo-pods
spec:
  rules:
  - name: no-hello-world
    match:
      any:
      - resources:
          kinds: [Pod]
    validate:
      failureAction: {{ .Values.action }}
      message: "Demo Pods stay out of the cluster."
      deny:
        conditions:
          any:
          - key: "{{`{{ request.object.metadata.name | to_uper(@) }}`}}"
            operator: Equals
            value: HELLO-WORLD
{{- end }}
"#;

/// What helm renders from `template` (with `enabled: true`, `action: Enforce`).
fn rendered(template: &str) -> String {
    let body = template
        .replace("{{- if .Values.enabled }}\n", "")
        .replace("{{- end }}\n", "")
        .replace("{{ .Values.action }}", "Enforce")
        .replace("{{`", "")
        .replace("`}}", "");
    format!("---\n# Source: pols/templates/policy.yaml\n{body}")
}

/// A workspace with the chart in `pols/`, and a `helm` script outside it (a setting may not
/// name a program inside the workspace) that prints `bin/render.yaml`.
struct Setup {
    ws: Workspace,
    bin: tempfile::TempDir,
    helm: PathBuf,
}

fn setup() -> Setup {
    use std::os::unix::fs::PermissionsExt;
    let ws = Workspace::new(&[
        ("pols/Chart.yaml", CHART),
        ("pols/values.yaml", "enabled: true\naction: Enforce\n"),
        ("pols/templates/policy.yaml", TEMPLATE),
        (
            "pols/templates/_helpers.tpl",
            "{{- define \"x\" -}}\n{{- end -}}\n",
        ),
    ]);
    let bin = tempfile::tempdir().unwrap();
    let helm = bin.path().join("helm");
    std::fs::write(
        &helm,
        format!(
            "#!/bin/sh\n/bin/cat '{}'\n",
            bin.path().join("render.yaml").display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&helm, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(bin.path().join("render.yaml"), rendered(TEMPLATE)).unwrap();
    Setup { ws, bin, helm }
}

async fn start(ws: &Workspace, helm: &Path) -> Session {
    let mut s = Session::real();
    s.initialize(json!({
        "rootUri": ws.root_uri(),
        "initializationOptions": {"kyverno": {"helm": {"path": helm}}},
    }))
    .await;
    s
}

async fn save(s: &mut Session, uri: &str) {
    s.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": uri}}),
    )
    .await;
}

/// The misspelt function of [`TEMPLATE`] at `range`.
fn unknown_function(range: Value) -> Value {
    json!({
        "range": range, "severity": 1, "code": "unknown-function",
        "source": "kyverno-ls",
        "message": "Unknown function `to_uper`. Did you mean `to_upper`? (in Helm's render: `- key: \"{{ request.object.metadata.name | to_uper(@) }}\"`)",
    })
}

#[tokio::test]
async fn a_template_shows_the_rendered_findings_and_a_save_renders_again() {
    let setup = setup();
    let uri = setup.ws.uri("pols/templates/policy.yaml");
    let mut s = start(&setup.ws, &setup.helm).await;
    s.open(&uri, TEMPLATE).await;
    // No `yaml-syntax` on the `{{- if }}` lines: the misspelt function, inside the backquotes
    // of the escaped expression.
    let d = s.diagnostics(&uri, Some(1)).await;
    same(
        &d,
        publish(
            &uri,
            Some(1),
            json!([unknown_function(range(18, 55, 18, 62))]),
        ),
    );
    // The rendered document, for the client to show.
    let shown = s
        .request(
            "workspace/executeCommand",
            json!({"command": "kyverno.showRendered", "arguments": [uri]}),
        )
        .await;
    assert_eq!(
        shown["result"],
        json!({
            "chart": setup.ws.root.join("pols").display().to_string(),
            "template": "templates/policy.yaml",
            "rendered": rendered(TEMPLATE),
        })
    );
    // Its quick fix rewrites the word in the template.
    let actions = s
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": range(18, 57, 18, 57),
                   "context": {"diagnostics": []}}),
        )
        .await;
    assert_eq!(
        actions["result"],
        json!([{
            "title": "Change to `to_upper`",
            "kind": "quickfix",
            "diagnostics": [unknown_function(range(18, 55, 18, 62))],
            "edit": {"changes": {uri.clone(): [{"range": range(18, 55, 18, 62), "newText": "to_upper"}]}},
            "isPreferred": true,
        }])
    );

    // Fixed in the editor but not saved: Helm still reads the old file, and says so. The
    // misspelt name is no longer in the text, so the finding covers the line it was on, and
    // offers no quick fix (none would be right).
    let fixed = TEMPLATE.replace("to_uper", "to_upper");
    s.replace(&uri, 2, &fixed).await;
    let d = s.diagnostics(&uri, Some(2)).await;
    same(
        &d,
        publish(
            &uri,
            Some(2),
            json!([
                {
                    "range": range(1, 0, 1, 25), "severity": 3, "code": "helm-unsaved",
                    "source": "kyverno-ls",
                    "message": "These findings are from the template as last saved: Helm renders the files on disk. Save to check your edits.",
                },
                unknown_function(range(18, 10, 18, 73)),
            ]),
        ),
    );

    let actions = s
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": range(18, 57, 18, 57),
                   "context": {"diagnostics": []}}),
        )
        .await;
    assert_eq!(actions["result"], json!([]));

    // Saved: rendered again. The policy is valid now and is simulated on the built-in
    // samples; the verdicts sit on the rule's name in the template.
    setup.ws.write("pols/templates/policy.yaml", &fixed);
    std::fs::write(setup.bin.path().join("render.yaml"), rendered(&fixed)).unwrap();
    save(&mut s, &uri).await;
    let d = s.diagnostics(&uri, Some(2)).await;
    // A Deployment's or CronJob's Pod template has no name: the rule Kyverno generates for
    // them fails to evaluate, as it would in a cluster.
    let error = |kind: &str, path: &str| {
        json!({
            "range": range(7, 10, 7, 24), "severity": 3, "code": "rule-error",
            "source": "kyverno-ls",
            "message": format!("{kind} hardened would get an error: failed to check deny conditions: failed to substitute variables in condition key: failed to resolve {path}.metadata.name | to_upper(@) at path /: Invalid type for: <nil>, expected: []jmespath.JpType{{\"string\"}} (in Helm's render: `- name: no-hello-world`)"),
        })
    };
    same(
        &d,
        publish(
            &uri,
            Some(2),
            json!([
                {
                    "range": range(7, 10, 7, 24), "severity": 3, "code": "rule-fails",
                    "source": "kyverno-ls",
                    "message": "Pod hello-world would be blocked (Enforce): Demo Pods stay out of the cluster. (in Helm's render: `- name: no-hello-world`)",
                    "relatedInformation": [{
                        "location": {"uri": uri, "range": range(15, 6, 15, 10)}, // `deny`
                        "message": "the part of the rule that failed",
                    }],
                },
                error("Deployment", "request.object.spec.template"),
                error("CronJob", "request.object.spec.jobTemplate.spec.template"),
            ]),
        ),
    );
}

#[tokio::test]
async fn helpers_and_refused_or_missing_helm() {
    let setup = setup();
    let uri = setup.ws.uri("pols/templates/policy.yaml");
    let helpers = setup.ws.uri("pols/templates/_helpers.tpl");

    // A `helm.path` inside the workspace is not run.
    setup.ws.write("tools/helm", "#!/bin/sh\necho owned\n");
    let inside = setup.ws.root.join("tools/helm");
    let mut s = start(&setup.ws, &inside).await;
    s.open(&helpers, "{{- define \"x\" -}}\n{{- end -}}\n")
        .await;
    let d = s.diagnostics(&helpers, Some(1)).await;
    same(&d, publish(&helpers, Some(1), json!([])));
    s.open(&uri, TEMPLATE).await;
    let d = s.diagnostics(&uri, Some(1)).await;
    let note = |why: &str| {
        json!([{
            "range": range(1, 0, 1, 25), "severity": 3, "code": "helm-not-found",
            "source": "kyverno-ls",
            "message": format!("This is a Helm template: kyverno-ls checks the policies Helm renders from it, not its raw text. {why} To check them, install Helm (3 or 4) on PATH, or give its path: the `kyverno.helm.path` setting in the editor, `--helm PATH` for `kyverno-ls check`."),
        }])
    };
    same(
        &d,
        publish(
            &uri,
            Some(1),
            note(&format!(
                "The `kyverno.helm.path` setting `{}` names a program inside the workspace, which kyverno-ls does not run.",
                inside.display()
            )),
        ),
    );

    let shown = s
        .request(
            "workspace/executeCommand",
            json!({"command": "kyverno.showRendered", "arguments": [uri]}),
        )
        .await;
    assert_eq!(
        shown["error"]["message"],
        format!(
            "The `kyverno.helm.path` setting `{}` names a program inside the workspace, which kyverno-ls does not run.",
            inside.display()
        )
    );
    let shown = s
        .request(
            "workspace/executeCommand",
            json!({"command": "kyverno.showRendered", "arguments": [helpers]}),
        )
        .await;
    assert_eq!(
        shown["error"]["message"],
        format!("{helpers} is neither a Helm template nor a kustomization in a workspace folder")
    );

    // A path that does not exist.
    s.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"kyverno": {"helm": {"path": "/no/helm"}}}}),
    )
    .await;
    let d = s.diagnostics(&uri, Some(1)).await;
    same(
        &d,
        publish(
            &uri,
            Some(1),
            note("The Helm program `/no/helm` does not exist."),
        ),
    );
}

// ---------------------------------------------------------------------------------------------
// Real Helm

fn real_helm() -> Option<PathBuf> {
    let importable = std::process::Command::new("python3")
        .args(["-c", "import helm_python"])
        .output()
        .is_ok_and(|o| o.status.success());
    if importable {
        return Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/helm/helm"));
    }
    assert!(
        std::env::var_os("KYVERNO_LS_REQUIRE_HELM").is_none(),
        "KYVERNO_LS_REQUIRE_HELM is set but python3 cannot import helm_python"
    );
    println!("skipped: python3 cannot import helm_python (PyPI's helm-python-sdk)");
    None
}

#[tokio::test]
async fn real_helm_renders_the_fixture_chart_and_again_after_a_save() {
    let Some(helm) = real_helm() else { return };
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/helm/policy-chart");
    let read = |p: &str| std::fs::read_to_string(fixture.join(p)).unwrap();
    let template = read("templates/disallow-latest-tag.yaml");
    let ws = Workspace::new(&[
        ("chart/Chart.yaml", &read("Chart.yaml")),
        ("chart/values.yaml", &read("values.yaml")),
        (
            "chart/templates/_helpers.tpl",
            &read("templates/_helpers.tpl"),
        ),
        ("chart/templates/disallow-latest-tag.yaml", &template),
    ]);
    let uri = ws.uri("chart/templates/disallow-latest-tag.yaml");
    let mut s = start(&ws, &helm).await;
    s.open(&uri, &template).await;
    let d = s.diagnostics(&uri, Some(1)).await;
    let codes = |d: &Value| {
        d["params"]["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["code"].as_str().unwrap().to_owned(),
                    d["range"]["start"]["line"].as_u64().unwrap(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        codes(&d),
        [
            ("element-outside-foreach".to_owned(), 19),
            ("deprecated".to_owned(), 29)
        ]
    );

    // The message no longer names `element`, and the operator is the current one: saved, the
    // policy is valid and simulated on the built-in samples, whose untagged images fail.
    let fixed = template
        .replace("Image {{`{{ element.image }}`}} needs", "Images need")
        .replace("operator: Equal\n", "operator: Equals\n");
    s.replace(&uri, 2, &fixed).await;
    ws.write("chart/templates/disallow-latest-tag.yaml", &fixed);
    save(&mut s, &uri).await;
    let d = loop {
        let d = s.diagnostics(&uri, Some(2)).await;
        // The edit's own analysis may come first, from the old render.
        if !codes(&d)
            .iter()
            .any(|(c, _)| c == "helm-unsaved" || c == "deprecated")
        {
            break d;
        }
    };
    let verdict = |sample: &str| {
        json!({
            "range": range(12, 10, 12, 27), "severity": 3, "code": "rule-fails",
            "source": "kyverno-ls",
            "message": format!("{sample} would be reported (Audit): Images need a tag other than latest. (in Helm's render: `- name: require-image-tag`)"),
            "relatedInformation": [{
                "location": {"uri": uri, "range": range(22, 8, 22, 12)}, // `deny`
                "message": "the part of the rule that failed",
            }],
        })
    };
    same(
        &d,
        publish(
            &uri,
            Some(2),
            json!([verdict("Pod hello-world"), verdict("Pod privileged")]),
        ),
    );
    // The render's lens and hover on the template: over the rule's name, inside the escaped
    // `element.image` (its values for the current sample), none on Helm's own actions.
    let lenses = s
        .request(
            "textDocument/codeLens",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    let titles: Vec<(Value, Value)> = lenses["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["range"].clone(), l["command"]["title"].clone()))
        .collect();
    same(
        &json!(titles),
        json!([[
            range(12, 10, 12, 27),
            "✓ 3 pass · ✗ 2 fail · ⊘ 0 skip (built-in samples)"
        ]]),
    );
    let at = |line: u32, character: u32| json!({"textDocument": {"uri": uri}, "position": common::pos(line, character)});
    let h = s.request("textDocument/hover", at(25, 32)).await;
    same(
        &h["result"],
        json!({
            "contents": {"kind": "markdown", "value": "**`Pod hello-world`** (built-in sample)\n\n```text\nelement #0 (hello-world): \"hello-world\"\n```"},
            "range": range(25, 26, 25, 39),
        }),
    );
    for (line, character) in [(0, 10), (6, 10), (10, 20), (18, 25)] {
        let h = s.request("textDocument/hover", at(line, character)).await;
        assert_eq!(h["result"], Value::Null, "{line}:{character}");
    }
}

#[tokio::test]
async fn outside_any_workspace_folder_a_template_is_not_read_as_yaml() {
    let setup = setup();
    let uri = setup.ws.uri("pols/templates/policy.yaml");
    let mut s = Session::real();
    s.initialize(json!({})).await;
    s.open(&uri, TEMPLATE).await;
    let d = s.diagnostics(&uri, Some(1)).await;
    same(&d, publish(&uri, Some(1), json!([])));
    // Nor is a new helper with no file yet.
    s.open("untitled:helpers.tpl", "{{- define \"x\" -}}\n")
        .await;
    let d = s.diagnostics("untitled:helpers.tpl", Some(1)).await;
    same(&d, publish("untitled:helpers.tpl", Some(1), json!([])));
    // A plain file there still is.
    let plain = setup.ws.uri("pols/broken.yaml");
    s.open(&plain, "a: [\n").await;
    let d = s.diagnostics(&plain, Some(1)).await;
    assert_eq!(d["params"]["diagnostics"][0]["code"], "yaml-syntax");
}

/// Hover, lenses and inlay hints on a template are those of the rendered policy, placed on
/// the template's text: on a key, on a literal value and inside an escaped expression, never
/// on a Helm action.
#[tokio::test]
async fn hover_lenses_and_hints_on_a_template_come_from_the_render() {
    let setup = setup();
    let fixed = TEMPLATE.replace("to_uper", "to_upper");
    setup.ws.write("pols/templates/policy.yaml", &fixed);
    std::fs::write(setup.bin.path().join("render.yaml"), rendered(&fixed)).unwrap();
    let uri = setup.ws.uri("pols/templates/policy.yaml");
    let mut s = start(&setup.ws, &setup.helm).await;
    s.open(&uri, &fixed).await;
    s.diagnostics(&uri, Some(1)).await;
    let at = |line: u32, character: u32| json!({"textDocument": {"uri": uri}, "position": common::pos(line, character)});
    for (line, character) in [(0, 5), (13, 26), (20, 0)] {
        let h = s.request("textDocument/hover", at(line, character)).await;
        assert_eq!(h["result"], Value::Null, "{line}:{character}");
    }
    // Inside the escaped expression: its value for the first sample the rule matches.
    let value = "**`Pod hello-world`** (built-in sample)\n\n```json\n\"HELLO-WORLD\"\n```";
    let h = s.request("textDocument/hover", at(18, 26)).await;
    same(
        &h["result"],
        json!({"contents": {"kind": "markdown", "value": value}, "range": range(18, 24, 18, 66)}),
    );
    // On the function: the value, then the function's documentation.
    let h = s.request("textDocument/hover", at(18, 57)).await;
    same(
        &h["result"],
        json!({
            "contents": {"kind": "markdown", "value": format!("{value}\n\n---\n\n```\nto_upper(str: string) -> string\n```\nKyverno custom function\n\nUppercases each character with its one-character mapping, as Go does: `ß` stays `ß` instead of becoming `SS`.\n\nExample: `to_upper('straße') → \"STRAßE\"`")},
            "range": range(18, 55, 18, 63),
        }),
    );
    // A key: the field's documentation.
    let h = s.request("textDocument/hover", at(14, 8)).await;
    same(
        &h["result"],
        json!({
            "contents": {"kind": "markdown", "value": "**`message`** · *string*\n\nMessage reported when validation fails; variables allowed."},
            "range": range(14, 6, 14, 13),
        }),
    );
    // The verdicts over the rule's name.
    let lenses = s
        .request(
            "textDocument/codeLens",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    let error = |path: &str| {
        format!(
            "failed to check deny conditions: failed to substitute variables in condition key: failed to resolve {path}.metadata.name | to_upper(@) at path /: Invalid type for: <nil>, expected: []jmespath.JpType{{\"string\"}}"
        )
    };
    same(
        &lenses["result"],
        json!([{
            "range": range(7, 10, 7, 24),
            "command": {
                "title": "✓ 2 pass · ✗ 1 fail · ⊘ 0 skip · ⚠ 2 error (built-in samples)",
                "command": "kyverno.showRuleResults",
                "arguments": [uri, {"policy": "no-demo-pods", "rule": "no-hello-world", "results": [
                    {"sample": "Pod hello-world", "status": "fail", "message": "Demo Pods stay out of the cluster."},
                    {"sample": "Pod hardened", "status": "pass", "message": "validation rule 'no-hello-world' passed."},
                    {"sample": "Pod privileged", "status": "pass", "message": "validation rule 'no-hello-world' passed."},
                    {"sample": "Deployment hardened", "status": "error", "message": error("request.object.spec.template")},
                    {"sample": "CronJob hardened", "status": "error", "message": error("request.object.spec.jobTemplate.spec.template")},
                ]}],
            },
        }]),
    );
    // The value after the escaped expression.
    let hints = s
        .request(
            "textDocument/inlayHint",
            json!({"textDocument": {"uri": uri}, "range": range(0, 0, 21, 0)}),
        )
        .await;
    same(
        &hints["result"],
        json!([{
            "position": common::pos(18, 73), "label": "= \"HELLO-WORLD\"",
            "tooltip": "Pod hello-world (built-in sample)", "paddingLeft": true,
        }]),
    );
    // The lens's command lists the rendered rule's results.
    let shown = s
        .request(
            "workspace/executeCommand",
            json!({"command": "kyverno.showRuleResults", "arguments": [uri, "no-hello-world"]}),
        )
        .await;
    let results = |e: &str| {
        format!(
            "no-hello-world (built-in samples):\n  ✗ fail Pod hello-world: Demo Pods stay out of the cluster.\n  ✓ pass Pod hardened: validation rule 'no-hello-world' passed.\n  ✓ pass Pod privileged: validation rule 'no-hello-world' passed.\n  ! error Deployment hardened: {}\n  ! error CronJob hardened: {e}\n",
            error("request.object.spec.template")
        )
    };
    same(
        &shown["result"],
        json!(results(&error(
            "request.object.spec.jobTemplate.spec.template"
        ))),
    );
    // Another sample picked: hover evaluates against it.
    let picked = s
        .request(
            "workspace/executeCommand",
            json!({"command": "kyverno.pickSample", "arguments": [uri, "Pod privileged"]}),
        )
        .await;
    assert_eq!(picked["result"], "Pod privileged");
    let h = s.request("textDocument/hover", at(18, 26)).await;
    same(
        &h["result"],
        json!({
            "contents": {"kind": "markdown", "value": "**`Pod privileged`** (built-in sample)\n\n```json\n\"PRIVILEGED\"\n```"},
            "range": range(18, 24, 18, 66),
        }),
    );
}

/// A test manifest naming the chart: the editor runs it on the policies Helm renders, as
/// `kyverno-ls test` does, and says how to enable Helm when it cannot run.
#[tokio::test]
async fn a_manifest_naming_a_chart_is_run_on_its_render() {
    let setup = setup();
    let fixed = TEMPLATE.replace("to_uper", "to_upper");
    setup.ws.write("pols/templates/policy.yaml", &fixed);
    std::fs::write(setup.bin.path().join("render.yaml"), rendered(&fixed)).unwrap();
    let manifest = "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nmetadata:\n  name: chart\npolicies:\n- ../pols\nresources:\n- pod.yaml\nresults:\n- policy: no-demo-pods\n  rule: no-hello-world\n  resources: [hello-world]\n  kind: Pod\n  result: pass\n";
    setup.ws.write("tests/kyverno-test.yaml", manifest);
    setup.ws.write(
        "tests/pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: hello-world\nspec:\n  containers:\n  - name: c\n    image: nginx\n",
    );
    let uri = setup.ws.uri("tests/kyverno-test.yaml");
    let mut s = start(&setup.ws, &setup.helm).await;
    s.open(&uri, manifest).await;
    let d = s.diagnostics(&uri, Some(1)).await;
    same(
        &d,
        publish(
            &uri,
            Some(1),
            json!([{
                "range": range(11, 14, 11, 25), "severity": 1, "code": "test-mismatch",
                "source": "kyverno-ls",
                "message": "Expected `pass` for hello-world but the engine says `fail`: Demo Pods stay out of the cluster.",
            }]),
        ),
    );
    s.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"kyverno": {"helm": {"path": "/no/helm"}}}}),
    )
    .await;
    let d = s.diagnostics(&uri, Some(1)).await;
    same(
        &d,
        publish(
            &uri,
            Some(1),
            json!([{
                "range": range(0, 0, 0, 0), "severity": 1, "code": "test-error",
                "source": "kyverno-ls",
                "message": "policy `../pols`: this is a Helm chart, whose policies kyverno-ls tests as Helm renders them. The Helm program `/no/helm` does not exist. To test them, install Helm (3 or 4) on PATH, or give its path: `--helm PATH` for `kyverno-ls test` and `kyverno-ls check`, the `kyverno.helm.path` setting in the editor.",
            }]),
        ),
    );
}
