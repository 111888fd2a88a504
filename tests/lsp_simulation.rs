//! The simulation in the editor, with the real core over in-process pipes: samples found
//! around the policy (built-ins, modeline, test manifest with values, same file), verdict
//! diagnostics, sample files changing on disk or in the editor, hover evaluation, code
//! lenses, commands and settings. Expected messages are whole.

mod common;

use common::{Session, Workspace, publish, range, response};
use serde_json::{Value, json};

const TUTORIAL: &str = include_str!("../examples/drop-all-capabilities.yaml");

/// Prints the actual message when `DUMP` is set, instead of comparing (to write expectations).
fn same(actual: &Value, expected: Value) {
    if std::env::var_os("DUMP").is_some() {
        println!("{actual}");
        return;
    }
    assert_eq!(*actual, expected);
}

async fn start(ws: &Workspace, extra: Value) -> Session {
    let mut s = Session::real();
    let mut params = json!({"rootUri": ws.root_uri()});
    if let Value::Object(m) = extra {
        for (k, v) in m {
            params[k] = v;
        }
    }
    s.initialize(params).await;
    s
}

/// A verdict diagnostic of the tutorial policy, on the rule name `require-drop-all`: what
/// Kyverno would do with the sample (`blocked (Enforce)`, `reported (Audit)`).
fn tutorial_verdict(uri: &str, severity: u8, sample: &str, outcome: &str) -> Value {
    json!({
        "range": range(20, 12, 20, 28), "severity": severity, "code": "rule-fails",
        "source": "kyverno-ls",
        "message": format!("{sample} would be {outcome}: Containers must drop `ALL` capabilities."),
        "relatedInformation": [{
            "location": {"uri": uri, "range": range(35, 12, 35, 16)}, // `deny`
            "message": "the part of the rule that failed",
        }],
    })
}

// ---------------------------------------------------------------------------------------------
// Samples

#[tokio::test]
async fn builtin_samples_would_be_reported_under_audit_and_blocked_under_enforce() {
    let ws = Workspace::new(&[]);
    let uri = ws.uri("policy.yaml");
    let mut s = start(&ws, json!({})).await;
    s.open(&uri, TUTORIAL).await;
    // hello-world and the privileged Pod fail; the hardened Pod (and its Deployment and
    // CronJob) pass.
    let d = s.diagnostics(&uri, Some(1)).await;
    same(
        &d,
        publish(
            &uri,
            Some(1),
            json!([
                tutorial_verdict(&uri, 3, "Pod hello-world", "reported (Audit)"),
                tutorial_verdict(&uri, 3, "Pod privileged", "reported (Audit)"),
            ]),
        ),
    );

    s.replace(
        &uri,
        2,
        &TUTORIAL.replace("Action: Audit", "Action: Enforce"),
    )
    .await;
    let d = s.diagnostics(&uri, Some(2)).await;
    same(
        &d,
        publish(
            &uri,
            Some(2),
            json!([
                tutorial_verdict(&uri, 3, "Pod hello-world", "blocked (Enforce)"),
                tutorial_verdict(&uri, 3, "Pod privileged", "blocked (Enforce)"),
            ]),
        ),
    );
}

/// Requires the label `team`; the modeline names `samples/pods.yaml`.
const TEAM_POLICY: &str = "# kyverno-ls: resources=samples/pods.yaml
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: require-team
spec:
  # The rule sets its action in `validate.failureAction`.
  rules:
    - name: check-team
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        message: The label `team` is required.
        pattern:
          metadata:
            labels:
              team: \"?*\"
        failureAction: Audit
";

const PODS: &str = "apiVersion: v1
kind: Pod
metadata:
  name: good
  labels:
    team: a
spec:
  containers: [{name: c, image: nginx}]
---
apiVersion: v1
kind: Pod
metadata:
  name: bad
spec:
  containers: [{name: c, image: nginx}]
";

fn team_verdict(policy_uri: &str, pods_uri: &str) -> Value {
    json!({
        "range": range(8, 12, 8, 22), "severity": 3, "code": "rule-fails",
        "source": "kyverno-ls",
        "message": "Pod bad would be reported (Audit): The label `team` is required.",
        "relatedInformation": [
            // `metadata` of the second document of the sample file.
            {"location": {"uri": pods_uri, "range": range(11, 0, 11, 8)},
             "message": "Pod bad: /metadata/labels/ is missing here"},
            // `labels` of the pattern.
            {"location": {"uri": policy_uri, "range": range(17, 12, 17, 18)},
             "message": "the part of the rule that failed"},
        ],
    })
}

#[tokio::test]
async fn modeline_samples_point_into_their_file() {
    let ws = Workspace::new(&[("samples/pods.yaml", PODS)]);
    let uri = ws.uri("policy.yaml");
    let pods = ws.uri("samples/pods.yaml");
    let mut s = start(&ws, json!({})).await;
    s.open(&uri, TEAM_POLICY).await;
    let d = s.diagnostics(&uri, Some(1)).await;
    same(
        &d,
        publish(&uri, Some(1), json!([team_verdict(&uri, &pods)])),
    );
}

#[tokio::test]
async fn files_outside_the_workspace_are_not_read() {
    let ws = Workspace::new(&[
        ("outside.yaml", PODS),
        ("ws/link.yaml", ""), // replaced by a symbolic link below
    ]);
    std::fs::remove_file(ws.root.join("ws/link.yaml")).unwrap();
    std::os::unix::fs::symlink(ws.root.join("outside.yaml"), ws.root.join("ws/link.yaml")).unwrap();
    let mut s = Session::real();
    s.initialize(json!({"rootUri": format!("{}/ws", ws.root_uri())}))
        .await;
    let uri = ws.uri("ws/policy.yaml");
    for (version, modeline) in [
        (1, "../outside.yaml"),
        (2, "link.yaml"),
        (3, &*ws.root.join("outside.yaml").display().to_string()),
    ] {
        let text = TEAM_POLICY.replace("samples/pods.yaml", modeline);
        if version == 1 {
            s.open(&uri, &text).await;
        } else {
            s.replace(&uri, version, &text).await;
        }
        // The built-in samples instead: none of them has the label either.
        let d = s.diagnostics(&uri, Some(version)).await;
        let messages: Vec<&str> = d["params"]["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["message"].as_str().unwrap())
            .collect();
        assert!(
            messages.iter().all(|m| !m.starts_with("Pod bad")),
            "{modeline}: {messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.starts_with("Pod hello-world would be reported (Audit): ")),
            "{modeline}: {messages:?}"
        );
        // The refusal itself, on the path in the modeline.
        let refused: Vec<&Value> = d["params"]["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["code"] == "path-outside-workspace")
            .collect();
        let column = TEAM_POLICY
            .lines()
            .next()
            .unwrap()
            .find("samples/pods.yaml")
            .unwrap() as u32;
        let outside = ws.root.join("outside.yaml").display().to_string();
        let folder = ws.root.join("ws").display().to_string();
        same(
            &json!(refused),
            json!([{
                "range": range(0, column, 0, column + modeline.len() as u32),
                "severity": 2, "code": "path-outside-workspace", "source": "kyverno-ls",
                "message": match version {
                    2 => format!("`{modeline}` is a symbolic link to {outside}, outside the workspace folder {folder}; kyverno-ls reads only files inside it."),
                    3 => format!("`{modeline}` is outside the workspace folder {folder}; kyverno-ls reads only files inside it."),
                    _ => format!("`{modeline}` ({outside}) is outside the workspace folder {folder}; kyverno-ls reads only files inside it."),
                },
            }]),
        );
    }
}

/// The team comes from the test's values file: `team.name` is a variable only it defines.
const VALUES_POLICY: &str = "apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: team-from-values
spec:
  # The rule sets its action in `validate.failureAction`.
  rules:
    - name: check-team
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        message: \"Pods must belong to {{ team.name }}.\"
        deny:
          conditions:
            any:
              - key: \"{{ request.object.metadata.labels.team || '' }}\"
                operator: NotEquals
                value: \"{{ team.name }}\"
        failureAction: Enforce
";

const MANIFEST: &str = "apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata:
  name: team
policies: [policies/policy.yaml]
resources: [resources.yaml]
variables: values.yaml
results:
  - policy: team-from-values
    rule: check-team
    kind: Pod
    resources: [good, bad]
    result: pass
";

const VALUES: &str = "apiVersion: cli.kyverno.io/v1alpha1
kind: Values
globalValues:
  team.name: a
";

#[tokio::test]
async fn test_manifest_samples_with_a_values_file() {
    let ws = Workspace::new(&[
        ("kyverno-test.yaml", MANIFEST),
        ("resources.yaml", PODS),
        ("values.yaml", VALUES),
        ("policies/policy.yaml", VALUES_POLICY),
    ]);
    let uri = ws.uri("policies/policy.yaml");
    let resources = ws.uri("resources.yaml");
    let mut s = start(&ws, json!({})).await;
    s.open(&uri, VALUES_POLICY).await;
    // No undefined-variable finding for `team`, and the values decide the verdict: only the
    // Pod without `team: a` fails, with the message substituted, and the manifest expects it
    // to pass: an error on the rule.
    let d = s.diagnostics(&uri, Some(1)).await;
    same(
        &d,
        publish(
            &uri,
            Some(1),
            json!([{
                "range": range(7, 12, 7, 22), "severity": 1, "code": "test-mismatch",
                "source": "kyverno-ls",
                "message": "Pod bad: the test expects `pass`, but the rule gives `fail`: Pods must belong to a.",
                "relatedInformation": [
                    // The manifest's result entry that expects `pass`.
                    {"location": {"uri": ws.uri("kyverno-test.yaml"), "range": range(8, 4, 12, 16)},
                     "message": "the expected result `pass`"},
                    // `bad` in `name: bad` of the resource file.
                    {"location": {"uri": resources, "range": range(12, 8, 12, 11)},
                     "message": "Pod bad: the resource"},
                    // `deny`.
                    {"location": {"uri": uri, "range": range(14, 8, 14, 12)},
                     "message": "the part of the rule that failed"},
                ],
            }]),
        ),
    );
}

#[tokio::test]
async fn test_manifest_diagnostics_and_lens() {
    let ws = Workspace::new(&[
        ("kyverno-test.yaml", MANIFEST),
        ("resources.yaml", PODS),
        ("values.yaml", VALUES),
        ("policies/policy.yaml", VALUES_POLICY),
    ]);
    let uri = ws.uri("kyverno-test.yaml");
    let mut s = start(&ws, json!({})).await;
    s.open(&uri, MANIFEST).await;
    // `bad` is expected to pass but fails.
    let d = s.diagnostics(&uri, Some(1)).await;
    same(
        &d,
        publish(
            &uri,
            Some(1),
            json!([{
                "range": range(11, 22, 11, 25), "severity": 1, "code": "test-mismatch",
                "source": "kyverno-ls",
                "message": "Expected `pass` for bad but the engine says `fail`: Pods must belong to a.",
            }]),
        ),
    );
    let lens = s
        .request(
            "textDocument/codeLens",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    let path = ws.root.join("kyverno-test.yaml").display().to_string();
    same(
        &lens,
        response(
            2,
            json!([{
                "range": range(7, 0, 7, 7),
                "command": {"title": "▶ Run 2 tests", "command": "kyverno.runTests",
                            "arguments": [uri, {"manifest": path}]},
            }]),
        ),
    );
    let run = s
        .request(
            "workspace/executeCommand",
            json!({"command": "kyverno.runTests", "arguments": [uri, {"manifest": path}]}),
        )
        .await;
    let text = run["result"].as_str().unwrap();
    assert!(text.contains("bad"), "{text}");
    let shown = s.incoming("window/showMessage").await;
    same(
        &shown,
        json!({"jsonrpc": "2.0", "method": "window/showMessage", "params": {
            "type": 2,
            "message": "kyverno-ls test: 1 manifest(s), 2 result(s): 1 as expected, 1 not, 0 unsupported",
        }}),
    );
}

#[tokio::test]
async fn same_file_samples() {
    let text = format!(
        "{}---\n{}",
        TEAM_POLICY.replace("# kyverno-ls: resources=samples/pods.yaml\n", ""),
        PODS
    );
    let ws = Workspace::new(&[]);
    let uri = ws.uri("policy.yaml");
    let mut s = start(&ws, json!({})).await;
    s.open(&uri, &text).await;
    // The rule name is one line higher without the modeline; `bad`'s `metadata` on line 31.
    let d = s.diagnostics(&uri, Some(1)).await;
    same(
        &d,
        publish(
            &uri,
            Some(1),
            json!([{
                "range": range(7, 12, 7, 22), "severity": 3, "code": "rule-fails",
                "source": "kyverno-ls",
                "message": "Pod bad would be reported (Audit): The label `team` is required.",
                "relatedInformation": [
                    {"location": {"uri": uri, "range": range(31, 0, 31, 8)},
                     "message": "Pod bad: /metadata/labels/ is missing here"},
                    {"location": {"uri": uri, "range": range(16, 12, 16, 18)},
                     "message": "the part of the rule that failed"},
                ],
            }]),
        ),
    );
}

// ---------------------------------------------------------------------------------------------
// Sample files changing

const FIXED_PODS: &str = "apiVersion: v1
kind: Pod
metadata:
  name: bad
  labels:
    team: b
spec:
  containers: [{name: c, image: nginx}]
";

#[tokio::test]
async fn a_sample_file_edited_on_disk_republishes() {
    let ws = Workspace::new(&[("samples/pods.yaml", PODS)]);
    let uri = ws.uri("policy.yaml");
    let pods = ws.uri("samples/pods.yaml");
    let mut s = Session::real();
    s.initialize(json!({
        "rootUri": ws.root_uri(),
        "capabilities": {"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}},
    }))
    .await;
    let register = s.incoming("client/registerCapability").await;
    same(
        &register,
        json!({"jsonrpc": "2.0", "id": register["id"], "method": "client/registerCapability",
        "params": {"registrations": [{
            "id": "kyverno-ls/samples",
            "method": "workspace/didChangeWatchedFiles",
            "registerOptions": {"watchers": [{"globPattern": "**/*.{yaml,yml,json,tpl}"}]},
        }]}}),
    );
    s.respond(&register, Value::Null).await;

    s.open(&uri, TEAM_POLICY).await;
    let d = s.diagnostics(&uri, Some(1)).await;
    same(
        &d,
        publish(&uri, Some(1), json!([team_verdict(&uri, &pods)])),
    );

    ws.write("samples/pods.yaml", FIXED_PODS);
    s.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": pods, "type": 2}]}),
    )
    .await;
    let d = s.diagnostics(&uri, Some(1)).await;
    same(&d, publish(&uri, Some(1), json!([])));

    // Deleted: a warning on the modeline's path, and the policy falls back to the built-in
    // samples (all five fail: none has the label).
    std::fs::remove_file(ws.root.join("samples/pods.yaml")).unwrap();
    s.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": pods, "type": 3}]}),
    )
    .await;
    let d = s.diagnostics(&uri, Some(1)).await;
    let diagnostics = d["params"]["diagnostics"].as_array().unwrap();
    let path = ws.root.join("samples/pods.yaml").display().to_string();
    same(
        &diagnostics[0],
        json!({"range": range(0, 24, 0, 41), "severity": 2, "code": "sample-file-unreadable",
               "source": "kyverno-ls",
               "message": format!("Cannot read `samples/pods.yaml` ({path}): it is missing, a \
                                   folder, or not UTF-8 text. The rules are simulated without \
                                   its resources.")}),
    );
    let verdicts: Vec<&str> = diagnostics[1..]
        .iter()
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        verdicts,
        [
            "Pod hello-world would be reported (Audit): The label `team` is required.",
            "Pod hardened would be reported (Audit): The label `team` is required.",
            "Pod privileged would be reported (Audit): The label `team` is required.",
            "Deployment hardened would be reported (Audit): The label `team` is required.",
            "CronJob hardened would be reported (Audit): The label `team` is required.",
        ]
    );
}

#[tokio::test]
async fn an_open_sample_file_wins_over_the_disk() {
    let ws = Workspace::new(&[("samples/pods.yaml", PODS)]);
    let uri = ws.uri("policy.yaml");
    let pods = ws.uri("samples/pods.yaml");
    let mut s = start(&ws, json!({})).await;
    s.open(&uri, TEAM_POLICY).await;
    let d = s.diagnostics(&uri, Some(1)).await;
    same(
        &d,
        publish(&uri, Some(1), json!([team_verdict(&uri, &pods)])),
    );

    // Unsaved edits to the sample file re-run the policy.
    s.open(&pods, PODS).await;
    s.replace(&pods, 2, FIXED_PODS).await;
    let d = s.diagnostics(&uri, Some(1)).await;
    same(&d, publish(&uri, Some(1), json!([])));

    // Closed without saving: the disk again.
    s.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": pods}}),
    )
    .await;
    let d = s.diagnostics(&uri, Some(1)).await;
    same(
        &d,
        publish(&uri, Some(1), json!([team_verdict(&uri, &pods)])),
    );
}

// ---------------------------------------------------------------------------------------------
// Settings

#[tokio::test]
async fn settings_turn_the_builtin_samples_off_and_on() {
    let ws = Workspace::new(&[]);
    let uri = ws.uri("policy.yaml");
    let mut s = start(
        &ws,
        json!({"initializationOptions": {"kyverno": {"builtinSamples": false}}}),
    )
    .await;
    s.open(&uri, TUTORIAL).await;
    let d = s.diagnostics(&uri, Some(1)).await;
    same(&d, publish(&uri, Some(1), json!([])));

    // Without the `kyverno` wrapper too; the open document is analysed again.
    s.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"builtinSamples": true}}),
    )
    .await;
    let d = s.diagnostics(&uri, Some(1)).await;
    assert_eq!(
        d["params"]["diagnostics"].as_array().unwrap().len(),
        2,
        "{d}"
    );

    s.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"kyverno": {"builtinSamples": false}}}),
    )
    .await;
    let d = s.diagnostics(&uri, Some(1)).await;
    same(&d, publish(&uri, Some(1), json!([])));
}

#[tokio::test]
async fn settings_name_sample_files_and_override_diagnostics() {
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: from-glob\nspec:\n  containers:\n  - name: c\n    image: nginx\n";
    let ws = Workspace::new(&[("samples/pods/pod.yaml", pod), ("samples/notes.txt", pod)]);
    let uri = ws.uri("policy.yaml");
    let mut s = start(
        &ws,
        json!({"initializationOptions": {"kyverno": {"samples": ["samples/**/*.yaml"]}}}),
    )
    .await;
    s.open(&uri, TUTORIAL).await;
    let verdict = |severity: u8| {
        let mut v = tutorial_verdict(&uri, severity, "Pod from-glob", "reported (Audit)");
        v["relatedInformation"] = json!([
            {"location": {"uri": ws.uri("samples/pods/pod.yaml"), "range": range(3, 8, 3, 17)},
             "message": "Pod from-glob: the resource"},
            v["relatedInformation"][0].clone(),
        ]);
        v
    };
    let d = s.diagnostics(&uri, Some(1)).await;
    same(&d, publish(&uri, Some(1), json!([verdict(3)])));

    s.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"kyverno": {"diagnostics": {"severity": {"rule-fails": "hint"}}}}}),
    )
    .await;
    let d = s.diagnostics(&uri, Some(1)).await;
    same(&d, publish(&uri, Some(1), json!([verdict(4)])));

    // Schema problems are left to the YAML extension when turned off.
    let typo = ws.uri("typo.yaml");
    let text = TUTORIAL.replace(
        "  background: true\n",
        "  background: true\n  backgroud: true\n",
    );
    s.open(&typo, &text).await;
    let d = s.diagnostics(&typo, Some(1)).await;
    same(
        &d,
        publish(
            &typo,
            Some(1),
            json!([{"range": range(19, 2, 19, 11), "severity": 1, "code": "unknown-field",
                    "source": "kyverno-ls",
                    "message": "Unknown field `backgroud` in spec. Did you mean `background`?"}]),
        ),
    );
    s.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"kyverno": {"diagnostics": {"schema": false}}}}),
    )
    .await;
    let d = s.diagnostics(&typo, Some(1)).await;
    same(&d, publish(&typo, Some(1), json!([])));
}

#[tokio::test]
async fn settings_are_asked_for_when_the_client_sends_none() {
    let ws = Workspace::new(&[]);
    let uri = ws.uri("policy.yaml");
    let mut s = start(
        &ws,
        json!({"capabilities": {"workspace": {"configuration": true}}}),
    )
    .await;
    s.open(&uri, TUTORIAL).await;
    let d = s.diagnostics(&uri, Some(1)).await;
    assert_eq!(
        d["params"]["diagnostics"].as_array().unwrap().len(),
        2,
        "{d}"
    );

    s.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": null}),
    )
    .await;
    let asked = s.incoming("workspace/configuration").await;
    same(
        &asked,
        json!({"jsonrpc": "2.0", "id": asked["id"], "method": "workspace/configuration",
               "params": {"items": [{"section": "kyverno"}]}}),
    );
    s.respond(&asked, json!([{"builtinSamples": false}])).await;
    let d = s.diagnostics(&uri, Some(1)).await;
    same(&d, publish(&uri, Some(1), json!([])));
}

// ---------------------------------------------------------------------------------------------
// Code lenses, commands, hover

#[tokio::test]
async fn code_lens_counts_and_rule_results() {
    let ws = Workspace::new(&[]);
    let uri = ws.uri("policy.yaml");
    let mut s = start(&ws, json!({})).await;
    s.open(&uri, TUTORIAL).await;
    let lens = s
        .request(
            "textDocument/codeLens",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    let results = json!([
        {"sample": "Pod hello-world", "status": "fail",
         "message": "Containers must drop `ALL` capabilities."},
        {"sample": "Pod hardened", "status": "pass", "message": "rule passed"},
        {"sample": "Pod privileged", "status": "fail",
         "message": "Containers must drop `ALL` capabilities."},
        {"sample": "Deployment hardened", "status": "pass", "message": "rule passed"},
        {"sample": "CronJob hardened", "status": "pass", "message": "rule passed"},
    ]);
    // Over the rule's name; the autogen rules' responses count for their rule.
    same(
        &lens,
        response(
            2,
            json!([{
                "range": range(20, 12, 20, 28),
                "command": {
                    "title": "✓ 3 pass · ✗ 2 fail · ⊘ 0 skip (built-in samples)",
                    "command": "kyverno.showRuleResults",
                    "arguments": [uri, {"policy": "drop-all-capabilities",
                                        "rule": "require-drop-all", "results": results}],
                },
            }]),
        ),
    );
    let command = lens["result"][0]["command"].clone();
    let shown = s
        .request(
            "workspace/executeCommand",
            json!({"command": command["command"], "arguments": command["arguments"]}),
        )
        .await;
    same(
        &shown,
        response(
            3,
            json!(
                "require-drop-all (built-in samples):
  ✗ fail Pod hello-world: Containers must drop `ALL` capabilities.
  ✓ pass Pod hardened: rule passed
  ✗ fail Pod privileged: Containers must drop `ALL` capabilities.
  ✓ pass Deployment hardened: rule passed
  ✓ pass CronJob hardened: rule passed
"
            ),
        ),
    );
    let message = s.incoming("window/showMessage").await;
    assert_eq!(message["params"]["message"], shown["result"]);
}

#[tokio::test]
async fn hover_evaluates_against_the_current_sample() {
    let ws = Workspace::new(&[]);
    let uri = ws.uri("policy.yaml");
    let mut s = start(&ws, json!({})).await;
    s.open(&uri, TUTORIAL).await;
    let at = |line: u32, character: u32| json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}});
    let hover = |id: i64, markdown: &str, range: Value| {
        response(
            id,
            json!({"contents": {"kind": "markdown", "value": markdown}, "range": range}),
        )
    };
    // A condition key, `"{{ request.operation || 'BACKGROUND' }}"`, against the first sample
    // the rule matches.
    let h = s.request("textDocument/hover", at(28, 20)).await;
    same(
        &h,
        hover(
            2,
            "**`Pod hello-world`** (built-in sample)\n\n```json\n\"CREATE\"\n```",
            range(28, 17, 28, 58),
        ),
    );
    // Inside a foreach: one line per element (hello-world drops nothing).
    let h = s.request("textDocument/hover", at(40, 40)).await;
    same(
        &h,
        hover(
            3,
            "**`Pod hello-world`** (built-in sample)\n\n```text\nelement #0 (hello-world): []\n```",
            range(40, 31, 40, 94),
        ),
    );

    // Another sample, picked by label.
    let list = |id: i64, current: &str| {
        let samples = [
            "Pod hello-world",
            "Pod hardened",
            "Pod privileged",
            "Deployment hardened",
            "CronJob hardened",
        ];
        response(
            id,
            Value::Array(
                samples
                    .iter()
                    .map(|l| json!({"label": l, "description": "built-in samples", "current": *l == current}))
                    .collect(),
            ),
        )
    };
    let listed = s
        .request(
            "workspace/executeCommand",
            json!({"command": "kyverno.listSamples", "arguments": [uri]}),
        )
        .await;
    same(&listed, list(4, ""));
    let picked = s
        .request(
            "workspace/executeCommand",
            json!({"command": "kyverno.pickSample", "arguments": [uri, "Pod privileged"]}),
        )
        .await;
    same(&picked, response(5, json!("Pod privileged")));
    let listed = s
        .request(
            "workspace/executeCommand",
            json!({"command": "kyverno.listSamples", "arguments": [uri]}),
        )
        .await;
    same(&listed, list(6, "Pod privileged"));
    let h = s.request("textDocument/hover", at(40, 40)).await;
    same(
        &h,
        hover(
            7,
            "**`Pod privileged`** (built-in sample)\n\n```text\nelement #0 (app): []\n```",
            range(40, 31, 40, 94),
        ),
    );
    let unknown = s
        .request(
            "workspace/executeCommand",
            json!({"command": "kyverno.pickSample", "arguments": [uri, "Pod nope"]}),
        )
        .await;
    same(
        &unknown,
        json!({"jsonrpc": "2.0", "id": 8, "error": {"code": -32602, "message":
            "no sample `Pod nope`; the samples are: Pod hello-world, Pod hardened, \
             Pod privileged, Deployment hardened, CronJob hardened"}}),
    );
}

#[tokio::test]
async fn inlay_hints_show_template_values_for_the_current_sample() {
    let ws = Workspace::new(&[]);
    let uri = ws.uri("policy.yaml");
    let mut s = start(&ws, json!({})).await;
    s.open(&uri, TUTORIAL).await;
    let hint = |line: u32, character: u32, label: &str, tooltip: &str| {
        json!({"position": {"line": line, "character": character}, "label": label,
               "tooltip": tooltip, "paddingLeft": true})
    };
    let whole = json!({"textDocument": {"uri": uri}, "range": range(0, 0, 45, 0)});
    // After the precondition key's template, and after the foreach value's template (one
    // element: hello-world's only container).
    let hints = s.request("textDocument/inlayHint", whole.clone()).await;
    same(
        &hints,
        response(
            2,
            json!([
                hint(28, 58, "= \"CREATE\"", "Pod hello-world (built-in sample)"),
                hint(
                    40,
                    98,
                    "= []",
                    "Pod hello-world (built-in sample)\n\nelement #0 (hello-world): []"
                ),
            ]),
        ),
    );
    // Only the lines asked for.
    let hints = s
        .request(
            "textDocument/inlayHint",
            json!({"textDocument": {"uri": uri}, "range": range(0, 0, 30, 0)}),
        )
        .await;
    same(
        &hints,
        response(
            3,
            json!([hint(
                28,
                58,
                "= \"CREATE\"",
                "Pod hello-world (built-in sample)"
            )]),
        ),
    );
    let picked = s
        .request(
            "workspace/executeCommand",
            json!({"command": "kyverno.pickSample", "arguments": [uri, "Pod privileged"]}),
        )
        .await;
    same(&picked, response(4, json!("Pod privileged")));
    let hints = s.request("textDocument/inlayHint", whole).await;
    same(
        &hints,
        response(
            5,
            json!([
                hint(28, 58, "= \"CREATE\"", "Pod privileged (built-in sample)"),
                hint(
                    40,
                    98,
                    "= []",
                    "Pod privileged (built-in sample)\n\nelement #0 (app): []"
                ),
            ]),
        ),
    );
}

#[tokio::test]
async fn pick_sample_without_a_label_asks_the_client() {
    let ws = Workspace::new(&[]);
    let uri = ws.uri("policy.yaml");
    let mut s = start(&ws, json!({})).await;
    s.open(&uri, TUTORIAL).await;
    s.send(
        json!({"jsonrpc": "2.0", "id": 11, "method": "workspace/executeCommand",
                  "params": {"command": "kyverno.pickSample", "arguments": [uri]}}),
    )
    .await;
    let asked = s.incoming("window/showMessageRequest").await;
    let labels = [
        "Pod hello-world",
        "Pod hardened",
        "Pod privileged",
        "Deployment hardened",
        "CronJob hardened",
    ];
    same(
        &asked,
        json!({"jsonrpc": "2.0", "id": asked["id"], "method": "window/showMessageRequest",
               "params": {"type": 3, "message": "Sample to evaluate expressions against",
                          "actions": labels.iter().map(|l| json!({"title": l})).collect::<Vec<_>>()}}),
    );
    s.respond(&asked, json!({"title": "Pod hardened"})).await;
    let picked = s
        .find("the pickSample response", |m| {
            m["id"] == 11 && m.get("method").is_none()
        })
        .await;
    same(&picked, response(11, json!("Pod hardened")));
    // Inside the foreach, the hardened Pod drops ALL.
    let h = s
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 40, "character": 40}}),
        )
        .await;
    let value = h["result"]["contents"]["value"].as_str().unwrap();
    assert!(value.starts_with("**`Pod hardened`**"), "{value}");
}

#[tokio::test]
async fn hover_shows_kyvernos_error() {
    let text = TUTORIAL.replace(
        "message: Containers must drop `ALL` capabilities.",
        "message: \"{{ request.object.metadata.labels.app }}\"",
    );
    let ws = Workspace::new(&[]);
    let uri = ws.uri("policy.yaml");
    let mut s = start(&ws, json!({})).await;
    s.open(&uri, &text).await;
    let h = s
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 32, "character": 30}}),
        )
        .await;
    // On `request.object.metadata.labels.app`: hello-world has no `app` label.
    same(
        &h,
        response(
            2,
            json!({"contents": {"kind": "markdown", "value":
                "**`Pod hello-world`** (built-in sample)\n\nError: `Unknown key \"app\" in path`"},
                "range": range(32, 21, 32, 55)}),
        ),
    );
}

const LIBRARY_POLICY: &str = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: require-team\nspec:\n  rules:\n  - name: check-team\n    match:\n      any:\n      - resources:\n          kinds: [Pod]\n    validate:\n      failureAction: Enforce\n      message: The label `team` is required.\n      pattern:\n        metadata:\n          labels:\n            team: \"?*\"\n";
const LIBRARY_MANIFEST: &str = "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nmetadata:\n  name: require-team\npolicies:\n- ../policy.yaml\nresources:\n- resources.yaml\nresults:\n- policy: require-team\n  rule: check-team\n  kind: Pod\n  resources: [good, bad]\n  result: pass\n";
const LIBRARY_RESOURCES: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: good\n  labels: {team: a}\nspec: {containers: [{name: c, image: nginx}]}\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: bad\nspec: {containers: [{name: c, image: nginx}]}\n";

/// The diagnostics of a publish and of `check --format json`, side by side in one form:
/// (code, severity, message, range).
fn comparable(diagnostics: &Value, lsp: bool) -> Vec<(String, String, String, Value)> {
    diagnostics
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let severity = if lsp {
                ["", "error", "warning", "information", "hint"]
                    [d["severity"].as_u64().unwrap() as usize]
                    .to_string()
            } else {
                d["severity"].as_str().unwrap().to_string()
            };
            (
                d["code"].as_str().unwrap().to_string(),
                severity,
                d["message"].as_str().unwrap().to_string(),
                d["range"].clone(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_library_layout_policy_gets_its_own_tests_in_the_editor_as_in_check() {
    let ws = Workspace::new(&[
        ("p/policy.yaml", LIBRARY_POLICY),
        ("p/.kyverno-test/kyverno-test.yaml", LIBRARY_MANIFEST),
        ("p/.kyverno-test/resources.yaml", LIBRARY_RESOURCES),
    ]);
    let uri = ws.uri("p/policy.yaml");
    let manifest = ws.uri("p/.kyverno-test/kyverno-test.yaml");
    let mut s = start(&ws, json!({})).await;
    s.open(&uri, LIBRARY_POLICY).await;
    // `good` passes as expected (only the lens shows it); `bad` was expected to pass.
    let d = s.diagnostics(&uri, Some(1)).await;
    same(
        &d,
        publish(
            &uri,
            Some(1),
            json!([{
                "range": range(6, 10, 6, 20), "severity": 1, "code": "test-mismatch",
                "source": "kyverno-ls",
                "message": "Pod bad: the test expects `pass`, but the rule gives `fail`: The label `team` is required.",
                "relatedInformation": [
                    {"location": {"uri": manifest, "range": range(9, 2, 13, 14)},
                     "message": "the expected result `pass`"},
                    {"location": {"uri": ws.uri("p/.kyverno-test/resources.yaml"), "range": range(9, 0, 9, 8)},
                     "message": "Pod bad: /metadata/labels/ is missing here"},
                    {"location": {"uri": uri, "range": range(16, 10, 16, 16)},
                     "message": "the part of the rule that failed"},
                ],
            }]),
        ),
    );
    let lens = s
        .request(
            "textDocument/codeLens",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    assert_eq!(
        lens["result"][0]["command"]["title"],
        "✓ 1 pass · ✗ 1 fail · ⊘ 0 skip (kyverno-test.yaml)"
    );
    // `check` on the same file says exactly the same.
    let opts = kyverno_ls::cli::check::Options::parse(&[
        "--format".into(),
        "json".into(),
        ws.root.join("p/policy.yaml").display().to_string(),
    ])
    .unwrap();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = kyverno_ls::cli::check::run(&opts, &mut out, &mut err);
    assert_eq!(code, 1);
    let checked: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        comparable(&checked["files"][0]["diagnostics"], false),
        comparable(&d["params"]["diagnostics"], true)
    );

    // The manifest itself shows the row that does not hold, in the editor as in `check`.
    s.open(&manifest, LIBRARY_MANIFEST).await;
    let d = s.diagnostics(&manifest, Some(1)).await;
    let opts = kyverno_ls::cli::check::Options::parse(&[
        "--format".into(),
        "json".into(),
        ws.root
            .join("p/.kyverno-test/kyverno-test.yaml")
            .display()
            .to_string(),
    ])
    .unwrap();
    let mut out = Vec::new();
    kyverno_ls::cli::check::run(&opts, &mut out, &mut err);
    let checked: Value = serde_json::from_slice(&out).unwrap();
    let editor = comparable(&d["params"]["diagnostics"], true);
    assert_eq!(
        comparable(&checked["files"][0]["diagnostics"], false),
        editor
    );
    assert_eq!(
        editor,
        [(
            "test-mismatch".to_string(),
            "error".to_string(),
            "Expected `pass` for bad but the engine says `fail`: validation error: The label `team` is required. rule check-team failed at path /metadata/labels/".to_string(),
            range(12, 20, 12, 23)
        )]
    );
}

#[tokio::test]
async fn chainsaw_assertions_get_no_missing_field_in_the_editor() {
    let ready = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: require-team\nspec:\n  backgroundz: true\nstatus:\n  ready: true\n";
    let ws = Workspace::new(&[("p/.chainsaw-test/policy-ready.yaml", ready)]);
    let uri = ws.uri("p/.chainsaw-test/policy-ready.yaml");
    let mut s = start(&ws, json!({})).await;
    s.open(&uri, ready).await;
    let d = s.diagnostics(&uri, Some(1)).await;
    let found: Vec<(String, String)> = comparable(&d["params"]["diagnostics"], true)
        .into_iter()
        .map(|(code, _, message, _)| (code, message))
        .collect();
    assert_eq!(
        found,
        [(
            "unknown-field".to_string(),
            "Unknown field `backgroundz` in spec. Did you mean `background`?".to_string()
        )]
    );
}

const CEL_TUTORIAL: &str = include_str!("../examples/tutorial-validating-policy.yaml");

#[tokio::test]
async fn a_validating_policy_gets_verdicts_values_on_hover_and_inlay_hints() {
    let ws = Workspace::new(&[]);
    let uri = ws.uri("policy.yaml");
    let mut s = start(&ws, json!({})).await;
    s.open(&uri, CEL_TUTORIAL).await;
    let verdict = |sample: &str| {
        json!({
            "range": range(8, 8, 8, 29), "severity": 3, "code": "rule-fails",
            "source": "kyverno-ls",
            "message": format!("Pod {sample} would be reported (Audit): Containers must drop `ALL` capabilities."),
            "relatedInformation": [{
                "location": {"uri": uri, "range": range(34, 6, 34, 16)},
                "message": "the part of the rule that failed"
            }]
        })
    };
    same(
        &s.diagnostics(&uri, Some(1)).await,
        json!({"jsonrpc": "2.0", "method": "textDocument/publishDiagnostics", "params": {
            "uri": uri, "version": 1,
            "diagnostics": [verdict("hello-world"), verdict("privileged")]
        }}),
    );
    // The variable's value for the first sample the policy fails on, from the engine, then
    // the documentation of `object`, the word under the cursor.
    let h = s
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 30, "character": 10}}),
        )
        .await;
    let hover = |id: i64, markdown: &str, range: Value| {
        response(
            id,
            json!({"contents": {"kind": "markdown", "value": markdown}, "range": range}),
        )
    };
    same(
        &h,
        hover(
            2,
            "**`Pod hello-world`** (built-in sample)\n\n```json\n[\n  {\n    \"image\": \"hello-world\",\n    \"name\": \"hello-world\"\n  }\n]\n```\n\n---\n\n\
             **`object`** · *dyn*\n\n\
             The resource in the request as it would be stored; `null` on DELETE (use `oldObject`).",
            range(30, 8, 30, 14),
        ),
    );
    let hint = |line: u32, character: u32, label: &str| {
        json!({"position": {"line": line, "character": character}, "label": label,
               "tooltip": "Pod hello-world (built-in sample)", "paddingLeft": true})
    };
    let hints = s
        .request(
            "textDocument/inlayHint",
            json!({"textDocument": {"uri": uri}, "range": range(0, 0, 40, 0)}),
        )
        .await;
    same(
        &hints,
        response(
            3,
            json!([
                hint(32, 52, "= [{\"image\":\"hello-world\",\"name\":\"hello-w…"),
                hint(36, 96, "= false"),
            ]),
        ),
    );
}

/// Per-element values from a test's values file reach a `foreach` body through the engine, so
/// hover shows each element's value as the verdict used it.
#[tokio::test]
async fn foreach_hover_values_are_the_engines_per_element_values() {
    const POLICY: &str = "apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: per-container
spec:
  rules:
    - name: check-images
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        failureAction: Audit
        message: \"this image is not allowed\"
        foreach:
          - list: request.object.spec.containers
            context:
              - name: image
                variable:
                  jmesPath: element.image
            deny:
              conditions:
                any:
                  - key: \"{{ allowed }}/{{ image }}\"
                    operator: Equals
                    value: no/busybox
";
    const MANIFEST: &str = "apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata:
  name: per-container
policies: [policy.yaml]
resources: [pods.yaml]
variables: values.yaml
results:
  - policy: per-container
    rule: check-images
    kind: Pod
    resources: [two]
    result: fail
";
    const VALUES: &str = "apiVersion: cli.kyverno.io/v1alpha1
kind: Values
policies:
  - name: per-container
    rules:
      - name: check-images
        foreachValues:
          allowed: [\"yes\", \"no\"]
";
    const PODS: &str = "apiVersion: v1
kind: Pod
metadata:
  name: two
spec:
  containers: [{name: web, image: nginx}, {name: sidecar, image: busybox}]
";
    let ws = Workspace::new(&[
        ("kyverno-test.yaml", MANIFEST),
        ("pods.yaml", PODS),
        ("values.yaml", VALUES),
        ("policy.yaml", POLICY),
    ]);
    let uri = ws.uri("policy.yaml");
    let mut s = start(&ws, json!({})).await;
    s.open(&uri, POLICY).await;
    // The manifest expects `fail`, and the rule fails on the sidecar: nothing to report.
    same(
        &s.diagnostics(&uri, Some(1)).await,
        publish(&uri, Some(1), json!([])),
    );
    let at = json!({"textDocument": {"uri": uri}, "position": {"line": 23, "character": 31}});
    let h = s.request("textDocument/hover", at).await;
    same(
        &h,
        response(
            2,
            json!({
                "contents": {"kind": "markdown", "value": "**`Pod two`** (from kyverno-test.yaml)\n\n```text\nelement #0 (web): \"yes\"\nelement #1 (sidecar): \"no\"\n```"},
                "range": range(23, 29, 23, 36),
            }),
        ),
    );
}

/// The exceptions a test manifest lists reach the editor's samples: the row that expects `skip`
/// agrees, so nothing is reported, and no PolicyException is needed in the policy's file.
#[tokio::test]
async fn a_test_manifests_policy_exceptions_apply_in_the_editor() {
    const POLICY: &str = "apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: require-team
spec:
  rules:
    - name: check-team
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        failureAction: Enforce
        message: The label `team` is required.
        pattern:
          metadata:
            labels:
              team: \"?*\"
";
    const EXCEPTION: &str = "apiVersion: kyverno.io/v2
kind: PolicyException
metadata:
  name: legacy-apps
  namespace: kyverno
spec:
  exceptions:
    - policyName: require-team
      ruleNames: [check-team]
  match:
    any:
      - resources:
          names: [legacy-*]
";
    const MANIFEST: &str = "apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata:
  name: require-team
policies: [policy.yaml]
resources: [pods.yaml]
exceptions: [exception.yaml]
results:
  - policy: require-team
    rule: check-team
    kind: Pod
    resources: [legacy-billing]
    result: skip
  - policy: require-team
    rule: check-team
    kind: Pod
    resources: [new-billing]
    result: fail
";
    const PODS: &str = "apiVersion: v1
kind: Pod
metadata:
  name: legacy-billing
spec:
  containers: [{name: app, image: nginx}]
---
apiVersion: v1
kind: Pod
metadata:
  name: new-billing
spec:
  containers: [{name: app, image: nginx}]
";
    let ws = Workspace::new(&[
        ("kyverno-test.yaml", MANIFEST),
        ("pods.yaml", PODS),
        ("exception.yaml", EXCEPTION),
        ("policy.yaml", POLICY),
    ]);
    let uri = ws.uri("policy.yaml");
    let mut s = start(&ws, json!({})).await;
    s.open(&uri, POLICY).await;
    same(
        &s.diagnostics(&uri, Some(1)).await,
        publish(&uri, Some(1), json!([])),
    );
}

// ---------------------------------------------------------------------------------------------
// What mutate and generate rules change

const CHANGES: &str = "apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: defaults
spec:
  rules:
  - name: add-team
    match:
      any:
      - resources:
          kinds: [Pod]
    mutate:
      patchStrategicMerge:
        metadata:
          labels:
            +(team): platform
  - name: quota
    match:
      any:
      - resources:
          kinds: [Namespace]
    generate:
      apiVersion: v1
      kind: ConfigMap
      name: defaults
      namespace: '{{request.object.metadata.name}}'
      data:
        data:
          owner: '{{request.object.metadata.name}}'
---
apiVersion: v1
kind: Pod
metadata:
  name: bare
spec:
  containers: [{name: c, image: nginx}]
---
apiVersion: v1
kind: Pod
metadata:
  name: owned
  labels: {team: web}
spec:
  containers: [{name: c, image: nginx}]
---
apiVersion: v1
kind: Namespace
metadata:
  name: dev
";

#[tokio::test]
async fn hover_on_a_generated_value_shows_it_after_substitution() {
    let ws = Workspace::new(&[]);
    let uri = ws.uri("policy.yaml");
    let mut s = start(&ws, json!({})).await;
    s.open(&uri, CHANGES).await;
    // On the quote, outside `{{ }}`: the whole value, for the Namespace the rule matches.
    for (id, line) in [(2, 25), (3, 28)] {
        let h = s
            .request(
                "textDocument/hover",
                json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": 17}}),
            )
            .await;
        same(
            &h,
            response(
                id,
                json!({
                    "contents": {
                        "kind": "markdown",
                        "value": "**`Namespace dev`** (from this file)\n\n```json\n\"dev\"\n```",
                    },
                    "range": range(line, 17, line, 51),
                }),
            ),
        );
    }
}

#[tokio::test]
async fn mutate_and_generate_rules_show_what_they_change() {
    let ws = Workspace::new(&[]);
    let uri = ws.uri("policy.yaml");
    let mut s = start(&ws, json!({})).await;
    s.open(&uri, CHANGES).await;
    let lens = s
        .request(
            "textDocument/codeLens",
            json!({"textDocument": {"uri": uri}}),
        )
        .await;
    // Each rule gets its verdicts and what it changes; `owned` has a team already.
    let verdicts = |line: u32, end: u32, title: &str, rule: &str, results: Value| {
        json!({
            "range": range(line, 10, line, end),
            "command": {
                "title": title,
                "command": "kyverno.showRuleResults",
                "arguments": [uri, {"policy": "defaults", "rule": rule, "results": results}],
            },
        })
    };
    let changes = |line: u32, end: u32, title: &str, command: &str, rule: &str| {
        json!({
            "range": range(line, 10, line, end),
            "command": {
                "title": title,
                "command": command,
                "arguments": [uri, {"document": 0, "rule": rule}],
            },
        })
    };
    same(
        &lens,
        response(
            2,
            json!([
                verdicts(
                    6,
                    18,
                    "✓ 1 pass · ✗ 0 fail · ⊘ 1 skip (this file)",
                    "add-team",
                    json!([
                        {"sample": "Pod bare", "status": "pass",
                         "message": "mutated Pod/bare in namespace default"},
                        {"sample": "Pod owned", "status": "skip", "message": "no patches applied"},
                    ])
                ),
                changes(
                    6,
                    18,
                    "✎ mutates 1 of 3 samples",
                    "kyverno.showMutations",
                    "add-team"
                ),
                verdicts(
                    16,
                    15,
                    "✓ 1 pass · ✗ 0 fail · ⊘ 0 skip (this file)",
                    "quota",
                    json!([
                        {"sample": "Namespace dev", "status": "pass", "message": ""},
                    ])
                ),
                changes(
                    16,
                    15,
                    "✚ creates 1 resource for 1 of 3 samples",
                    "kyverno.showGenerated",
                    "quota"
                ),
            ]),
        ),
    );
    let mutations = s
        .request(
            "workspace/executeCommand",
            json!({"command": "kyverno.showMutations",
                   "arguments": [uri, {"document": 0, "rule": "add-team"}]}),
        )
        .await;
    same(
        &mutations,
        response(
            3,
            json!([{
                "rule": "add-team",
                "sample": "Pod bare",
                "original": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: bare\n  namespace: default\nspec:\n  containers:\n  - image: nginx\n    name: c\n",
                "mutated": "apiVersion: v1\nkind: Pod\nmetadata:\n  labels:\n    team: platform\n  name: bare\n  namespace: default\nspec:\n  containers:\n  - image: nginx\n    name: c\n",
            }]),
        ),
    );
    let generated = s
        .request(
            "workspace/executeCommand",
            json!({"command": "kyverno.showGenerated",
                   "arguments": [uri, {"document": 0, "rule": "quota"}]}),
        )
        .await;
    // The ConfigMap with Kyverno's labels, substituted for the Namespace `dev`.
    same(
        &generated,
        response(
            4,
            json!([{
                "rule": "quota",
                "sample": "Namespace dev",
                "resources": "apiVersion: v1\ndata:\n  owner: dev\nkind: ConfigMap\nmetadata:\n  labels:\n    app.kubernetes.io/managed-by: kyverno\n    generate.kyverno.io/policy-name: defaults\n    generate.kyverno.io/policy-namespace: \"\"\n    generate.kyverno.io/rule-name: quota\n    generate.kyverno.io/trigger-group: \"\"\n    generate.kyverno.io/trigger-kind: Namespace\n    generate.kyverno.io/trigger-namespace: \"\"\n    generate.kyverno.io/trigger-uid: \"\"\n    generate.kyverno.io/trigger-version: v1\n  name: defaults\n  namespace: dev\n",
            }]),
        ),
    );
}

// The project's configuration file and ignore comments

#[tokio::test]
async fn the_configuration_file_and_ignore_comments_shape_the_diagnostics() {
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
        operator: Equal # kyverno-ls: ignore[deprecated]
        value: CREATE
      - key: \"{{ request.operation }}\"
        operator: NotEqual
        value: DELETE
    validate:
      failureAction: Audit
      message: m
      deny: {}
---
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers: [{name: web, image: nginx}]
";
    let ws = Workspace::new(&[
        (
            ".kyverno-ls.yaml",
            "diagnostics:\n  deprecated: hint\n  rule-fails: off\nignore: [vendor/**]\n",
        ),
        ("policies/ops.yaml", POLICY),
        ("vendor/broken.yaml", "a: [\n"),
    ]);
    let mut s = start(&ws, json!({})).await;
    // The comment silences `Equal`; the file makes `NotEqual` a hint, and drops the verdict
    // on `web`.
    let uri = ws.uri("policies/ops.yaml");
    s.open(&uri, POLICY).await;
    same(
        &s.diagnostics(&uri, Some(1)).await,
        json!({"jsonrpc": "2.0", "method": "textDocument/publishDiagnostics", "params": {
            "uri": uri, "version": 1,
            "diagnostics": [{
                "range": range(17, 18, 17, 26), "severity": 4, "code": "deprecated",
                "source": "kyverno-ls", "tags": [2],
                "message": "The operator `NotEqual` is deprecated; use `NotEquals`.",
            }],
        }}),
    );
    // An ignored file shows nothing, not even its syntax error.
    let vendor = ws.uri("vendor/broken.yaml");
    s.open(&vendor, "a: [\n").await;
    same(
        &s.diagnostics(&vendor, Some(1)).await,
        json!({"jsonrpc": "2.0", "method": "textDocument/publishDiagnostics", "params": {
            "uri": vendor, "version": 1, "diagnostics": [],
        }}),
    );
    // The configuration file itself: its mistakes.
    let config = ws.uri(".kyverno-ls.yaml");
    s.open(&config, "diagnostics:\n  deprecatd: off\n").await;
    same(
        &s.diagnostics(&config, Some(1)).await,
        json!({"jsonrpc": "2.0", "method": "textDocument/publishDiagnostics", "params": {
            "uri": config, "version": 1,
            "diagnostics": [{
                "range": range(0, 0, 0, 0), "severity": 1, "code": "config-error",
                "source": "kyverno-ls",
                "message": "`deprecatd` is not a diagnostic code of kyverno-ls; did you mean `deprecated`?",
            }],
        }}),
    );
}

#[tokio::test]
async fn migrate_to_validating_policy_creates_the_file_beside_and_opens_it() {
    const POLICY: &str = "apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: require-team
spec:
  rules:
    - name: team-label
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        failureAction: Enforce
        message: Pods need a team.
        pattern:
          metadata:
            labels:
              team: \"?*\"
";
    let ws = Workspace::new(&[("policy.yaml", POLICY)]);
    let uri = ws.uri("policy.yaml");
    let target = ws.uri("policy.vpol.yaml");
    let mut s = start(&ws, json!({})).await;
    s.open(&uri, POLICY).await;
    s.diagnostics(&uri, Some(1)).await;
    let actions = s
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": {"start": {"line": 3, "character": 2}, "end": {"line": 3, "character": 2}},
                   "context": {"diagnostics": [], "only": ["refactor"]}}),
        )
        .await;
    let action = json!({
        "title": "Migrate to ValidatingPolicy",
        "kind": "refactor.rewrite",
        "command": {"title": "Migrate to ValidatingPolicy", "command": "kyverno.migrate", "arguments": [uri]},
    });
    same(&actions["result"], json!([action]));
    s.send(
        json!({"jsonrpc": "2.0", "id": 50, "method": "workspace/executeCommand",
                  "params": {"command": "kyverno.migrate", "arguments": [uri]}}),
    )
    .await;
    let text = "apiVersion: policies.kyverno.io/v1
kind: ValidatingPolicy
metadata:
  name: require-team
spec:
  matchConstraints:
    resourceRules:
    - apiGroups:
      - \"\"
      apiVersions:
      - v1
      operations:
      - CREATE
      - UPDATE
      resources:
      - pods
  validationActions:
  - Deny
  validations:
  - expression: has(object.metadata) && object.metadata != null && has(object.metadata.labels) && object.metadata.labels != null && has(object.metadata.labels.team) && size(object.metadata.labels.team) > 0
    message: Pods need a team.
";
    let edit = s.incoming("workspace/applyEdit").await;
    same(
        &edit["params"],
        json!({"edit": {"documentChanges": [
            {"kind": "create", "uri": target, "options": {"overwrite": true}},
            {"textDocument": {"uri": target, "version": null},
             "edits": [{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}, "newText": text}]}
        ]}}),
    );
    s.respond(&edit, json!({"applied": true})).await;
    let show = s.incoming("window/showDocument").await;
    same(&show["params"], json!({"uri": target, "takeFocus": true}));
    s.respond(&show, json!({"success": true})).await;
    let done = s
        .find("the migrate response", |m| {
            m["id"] == 50 && m.get("method").is_none()
        })
        .await;
    same(
        &done,
        response(50, json!({"uri": target, "text": text, "refused": []})),
    );
}

#[tokio::test]
async fn a_sample_file_gets_hover_and_completion_of_its_kinds_fields() {
    let pods = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  hostNetwork: false\n  containers:\n  - name: app\n    image: nginx\n";
    let ws = Workspace::new(&[("samples/pods.yaml", pods)]);
    let uri = ws.uri("samples/pods.yaml");
    let mut s = start(&ws, json!({})).await;
    s.open(&uri, pods).await;
    s.diagnostics(&uri, Some(1)).await;
    let h = s
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 5, "character": 4}}),
        )
        .await;
    same(&h["result"]["range"], range(5, 2, 5, 13));
    let value = h["result"]["contents"]["value"].as_str().unwrap();
    assert!(
        value.starts_with("**`hostNetwork`** `boolean` — a field of Pod (Kubernetes 1.37)\n\n"),
        "{value}"
    );
    // A new key under the container: Container's fields, less those written.
    let typed = pods.replace("    image: nginx\n", "    image: nginx\n    imagePull\n");
    s.replace(&uri, 2, &typed).await;
    let items = s
        .request(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri}, "position": {"line": 9, "character": 13}}),
        )
        .await;
    let labels: Vec<&str> = items["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert!(labels.contains(&"imagePullPolicy"), "{labels:?}");
    assert!(
        !labels.contains(&"image") && !labels.contains(&"name"),
        "{labels:?}"
    );
}

#[tokio::test]
async fn the_ignore_setting_silences_the_files_it_names() {
    let broken = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: vendored\nspec:\n  backgrond: true\n  rules: []\n";
    let ws = Workspace::new(&[("vendor/policy.yaml", broken), ("policy.yaml", broken)]);
    let vendored = ws.uri("vendor/policy.yaml");
    let ours = ws.uri("policy.yaml");
    let mut s = start(
        &ws,
        json!({"initializationOptions": {"kyverno": {"diagnostics": {"ignore": ["vendor/**"]}}}}),
    )
    .await;
    s.open(&vendored, broken).await;
    let d = s.diagnostics(&vendored, Some(1)).await;
    same(&d, publish(&vendored, Some(1), json!([])));
    // The same text elsewhere is reported.
    s.open(&ours, broken).await;
    let d = s.diagnostics(&ours, Some(1)).await;
    assert_eq!(
        d["params"]["diagnostics"][0]["code"], "unknown-field",
        "{d}"
    );
    // Without the setting, the vendored file is reported too.
    s.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"kyverno": {"diagnostics": {"ignore": []}}}}),
    )
    .await;
    let d = s.diagnostics(&vendored, Some(1)).await;
    assert_eq!(
        d["params"]["diagnostics"][0]["code"], "unknown-field",
        "{d}"
    );
}
