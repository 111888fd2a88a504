//! CustomResourceDefinitions in another file of the workspace: `check` over a folder and the
//! editor both learn the custom kind's fields from it. And the files a policy's modeline names
//! as its samples: their resources are checked against their kinds' schemas, where the user
//! reads them. Expected messages are whole.

mod common;

use std::process::Command;

use common::{Session, Workspace, publish, range};
use serde_json::{Value, json};

const CRD: &str = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.acme.io
spec:
  group: acme.io
  names: {kind: Gadget, plural: gadgets}
  scope: Namespaced
  versions:
  - name: v1alpha1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              retention:
                type: string
                description: How long a gadget keeps its data, as a Go duration.
              tiers:
                type: array
                items: {type: string}
";

const POLICY: &str = "apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: gadget-retention
spec:
  rules:
  - name: retention
    match:
      any:
      - resources:
          kinds: [Gadget]
    validate:
      failureAction: Audit
      message: A gadget keeps its data for a day at most.
      pattern:
        spec:
          retension: \"?*\"
          tiers: {gold: true}
";

/// The two warnings of [`POLICY`], in the CLI's JSON form.
fn warnings() -> Value {
    json!([
        {
            "code": "pattern-unknown-field",
            "severity": "warning",
            "message": "`retension` is not a field of GadgetSpec in Gadget (CRD gadgets.acme.io), so this part of the pattern can never match what it names. Did you mean `retention`?",
            "range": range(16, 10, 16, 19),
        },
        {
            "code": "pattern-wrong-shape",
            "severity": "warning",
            "message": "`tiers` is a list (`[]string`) in Gadget (CRD gadgets.acme.io), but here it is a map, so every resource that has the field fails the pattern (Kyverno finds a different structure).",
            "range": range(17, 10, 17, 15),
        },
    ])
}

fn check(dir: &std::path::Path, path: &str) -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_kyverno-ls"))
        .current_dir(dir)
        .args(["check", "--format", "json", "--no-builtin-samples", path])
        .output()
        .expect("run kyverno-ls");
    assert!(
        output.stderr.is_empty(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let v: Value = serde_json::from_slice(&output.stdout).unwrap();
    v["files"].clone()
}

#[test]
fn check_learns_a_custom_kind_from_another_file_of_the_folder() {
    let ws = Workspace::new(&[("crds/gadget.yaml", CRD), ("policy.yaml", POLICY)]);
    assert_eq!(
        check(&ws.root, "policy.yaml"),
        json!([{"path": "policy.yaml", "diagnostics": warnings()}])
    );
    // Without the definition, nothing is known about a Gadget's fields, and nothing is said.
    std::fs::remove_file(ws.root.join("crds/gadget.yaml")).unwrap();
    assert_eq!(
        check(&ws.root, "policy.yaml"),
        json!([{"path": "policy.yaml", "diagnostics": []}])
    );
}

/// Names `samples/gadgets.yaml` as its samples.
const SAMPLES_POLICY: &str = "# kyverno-ls: resources=samples/gadgets.yaml
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: gadget-retention
spec:
  rules:
  - name: retention
    match:
      any:
      - resources:
          kinds: [Gadget]
    validate:
      failureAction: Audit
      message: A gadget says how long it keeps its data.
      pattern:
        spec:
          retention: \"?*\"
";

const SAMPLES: &str = "apiVersion: acme.io/v1alpha1
kind: Gadget
metadata:
  name: g
spec:
  retention: 24h
  tierz: [gold]
---
apiVersion: v1
kind: Pod
metadata:
  name: p
spec:
  containers:
  - name: c
    image: nginx
    imagePullPolicyy: Always
";

#[test]
fn a_sample_file_named_by_a_modeline_is_checked_against_its_kinds() {
    let ws = Workspace::new(&[
        ("crds/gadget.yaml", CRD),
        ("policy.yaml", SAMPLES_POLICY),
        ("samples/gadgets.yaml", SAMPLES),
    ]);
    let files = check(&ws.root, ".");
    let sample = files
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "./samples/gadgets.yaml")
        .unwrap_or_else(|| panic!("{files}"));
    assert_eq!(
        sample["diagnostics"],
        json!([
            {
                "code": "sample-unknown-field",
                "severity": "warning",
                "message": "`tierz` is not a field of GadgetSpec in Gadget (CRD gadgets.acme.io), so the policies are simulated on a resource the API server would not store as written. Did you mean `tiers`?",
                "range": range(6, 2, 6, 7),
            },
            {
                "code": "sample-unknown-field",
                "severity": "warning",
                "message": "`imagePullPolicyy` is not a field of Container in Pod (Kubernetes 1.37), so the policies are simulated on a resource the API server would not store as written. Did you mean `imagePullPolicy`?",
                "range": range(16, 4, 16, 20),
            },
        ])
    );
    // A resource file no policy names is left alone.
    ws.write(
        "policy.yaml",
        &SAMPLES_POLICY.replace("# kyverno-ls: resources=samples/gadgets.yaml\n", ""),
    );
    let files = check(&ws.root, "samples/gadgets.yaml");
    assert_eq!(
        files,
        json!([{"path": "samples/gadgets.yaml", "diagnostics": []}])
    );
}

#[tokio::test]
async fn the_editor_learns_a_custom_kind_from_another_workspace_file() {
    let ws = Workspace::new(&[("crds/gadget.yaml", CRD)]);
    let uri = ws.uri("policy.yaml");
    let mut s = Session::real();
    s.initialize(json!({"rootUri": ws.root_uri()})).await;
    s.open(&uri, POLICY).await;
    let d = s.diagnostics(&uri, Some(1)).await;
    let lsp = |w: &Value| {
        json!({
            "range": w["range"], "severity": 2, "code": w["code"], "source": "kyverno-ls",
            "message": w["message"],
        })
    };
    let expected: Vec<Value> = warnings().as_array().unwrap().iter().map(lsp).collect();
    assert_eq!(d, publish(&uri, Some(1), json!(expected)));

    // Hover on a correct key shows the CRD's description.
    s.replace(&uri, 2, &POLICY.replace("retension", "retention"))
        .await;
    s.diagnostics(&uri, Some(2)).await;
    let hover = s
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 16, "character": 13}}),
        )
        .await;
    assert_eq!(
        hover["result"],
        json!({
            "contents": {"kind": "markdown", "value": "**`retention`** `string` — a field of Gadget (CRD gadgets.acme.io)\n\nHow long a gadget keeps its data, as a Go duration."},
            "range": range(16, 10, 16, 19),
        })
    );

    // The definition changes on disk: the policy is analysed again with the new schema.
    // `tiers` becomes an object with a `gold` flag, which the pattern's map now fits.
    let tiers = "              tiers:\n                type: array\n                items: {type: string}\n";
    assert!(CRD.contains(tiers));
    ws.write(
        "crds/gadget.yaml",
        &CRD.replace(
            tiers,
            "              tiers:\n                type: object\n                properties:\n                  gold: {type: boolean}\n",
        ),
    );
    s.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": ws.uri("crds/gadget.yaml"), "type": 2}]}),
    )
    .await;
    let d = s
        .find("diagnostics with the new schema", |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["diagnostics"] == json!([])
        })
        .await;
    assert_eq!(d, publish(&uri, Some(2), json!([])));
}

#[tokio::test]
async fn the_editor_checks_an_open_sample_file_against_its_kinds() {
    let ws = Workspace::new(&[
        ("crds/gadget.yaml", CRD),
        ("policy.yaml", SAMPLES_POLICY),
        ("samples/gadgets.yaml", SAMPLES),
    ]);
    let uri = ws.uri("samples/gadgets.yaml");
    let mut s = Session::real();
    s.initialize(json!({"rootUri": ws.root_uri()})).await;
    s.open(&uri, SAMPLES).await;
    let d = s.diagnostics(&uri, Some(1)).await;
    let messages: Vec<&str> = d["params"]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert_eq!(
        messages,
        [
            "`tierz` is not a field of GadgetSpec in Gadget (CRD gadgets.acme.io), so the policies are simulated on a resource the API server would not store as written. Did you mean `tiers`?",
            "`imagePullPolicyy` is not a field of Container in Pod (Kubernetes 1.37), so the policies are simulated on a resource the API server would not store as written. Did you mean `imagePullPolicy`?",
        ]
    );
}

/// A ValidatingPolicy whose `resourceRules` name the Gadget's plural.
const CEL_POLICY: &str = "apiVersion: policies.kyverno.io/v1
kind: ValidatingPolicy
metadata:
  name: gadget-retention
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: [acme.io]
      apiVersions: [v1alpha1]
      operations: [CREATE, UPDATE]
      resources: [gadgets]
  validations:
  - expression: object.spec.retension != '' && size(object.spec.tiers) > 0
";

/// The warning of [`CEL_POLICY`], in the CLI's JSON form.
fn cel_warning() -> Value {
    json!({
        "code": "cel-unknown-field",
        "severity": "warning",
        "message": "In spec.validations[0].expression: no field `retension` in `object.spec` of Gadget (CRD gadgets.acme.io). The policy is still accepted, as `object` and `oldObject` are `dyn` to CEL, but on every Gadget selecting this field fails, `has()` of it is false and `.?` of it is empty. Did you mean `retention`?",
        "range": range(12, 28, 12, 37),
    })
}

#[test]
fn check_types_cel_object_paths_by_a_custom_kind_of_another_file() {
    let ws = Workspace::new(&[("crds/gadget.yaml", CRD), ("policy.yaml", CEL_POLICY)]);
    assert_eq!(
        check(&ws.root, "policy.yaml"),
        json!([{"path": "policy.yaml", "diagnostics": [cel_warning()]}])
    );
    // Without the definition, `object` is a resource nothing is known about.
    std::fs::remove_file(ws.root.join("crds/gadget.yaml")).unwrap();
    assert_eq!(
        check(&ws.root, "policy.yaml"),
        json!([{"path": "policy.yaml", "diagnostics": []}])
    );
}

#[tokio::test]
async fn the_editor_completes_cel_object_paths_from_a_custom_kind() {
    let ws = Workspace::new(&[("crds/gadget.yaml", CRD)]);
    let uri = ws.uri("policy.yaml");
    let mut s = Session::real();
    s.initialize(json!({"rootUri": ws.root_uri()})).await;
    s.open(&uri, CEL_POLICY).await;
    let d = s.diagnostics(&uri, Some(1)).await;
    let w = cel_warning();
    assert_eq!(
        d,
        publish(
            &uri,
            Some(1),
            json!([{
                "range": w["range"], "severity": 2, "code": w["code"], "source": "kyverno-ls",
                "message": w["message"],
            }])
        )
    );
    // `object.spec.|retension`: the fields of the Gadget's spec, with the CRD's descriptions.
    let reply = s
        .request(
            "textDocument/completion",
            json!({"textDocument": {"uri": uri}, "position": {"line": 12, "character": 28}}),
        )
        .await;
    let fields: Vec<Value> = reply["result"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == 10)
        .map(|i| json!([i["label"], i["detail"], i["documentation"]["value"]]))
        .collect();
    assert_eq!(
        fields,
        [
            json!([
                "retention",
                "string",
                "**`retention`** · *string*\n\nHow long a gadget keeps its data, as a Go duration.\n\n*Gadget (CRD gadgets.acme.io)*"
            ]),
            json!([
                "tiers",
                "[]string",
                "**`tiers`** · *[]string*\n\n*Gadget (CRD gadgets.acme.io)*"
            ]),
        ]
    );
    // Hover on `tiers` gives the same documentation, below the value for the built-in sample,
    // which the policy does not match.
    let hover = s
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 12, "character": 66}}),
        )
        .await;
    assert_eq!(
        hover["result"],
        json!({
            "contents": {"kind": "markdown", "value": "**`Pod hello-world`** (built-in sample) · the policy does not match it\n\nError: `no such key: retension`\n\n---\n\n**`tiers`** · *[]string*\n\n*Gadget (CRD gadgets.acme.io)*"},
            "range": range(12, 64, 12, 69),
        })
    );
}

/// [`CRD`] in JSON, which only a configuration file's `crds` makes a definition.
const CRD_JSON: &str = r#"{
  "apiVersion": "apiextensions.k8s.io/v1",
  "kind": "CustomResourceDefinition",
  "metadata": {"name": "gadgets.acme.io"},
  "spec": {
    "group": "acme.io",
    "names": {"kind": "Gadget", "plural": "gadgets"},
    "scope": "Namespaced",
    "versions": [{
      "name": "v1alpha1", "served": true, "storage": true,
      "schema": {"openAPIV3Schema": {"type": "object", "properties": {"spec": {
        "type": "object",
        "properties": {
          "retention": {"type": "string", "description": "How long a gadget keeps its data, as a Go duration."},
          "tiers": {"type": "array", "items": {"type": "string"}}
        }
      }}}}
    }]
  }
}
"#;

#[test]
fn check_reads_the_crd_files_the_configuration_names() {
    let ws = Workspace::new(&[
        ("api/gadget.json", CRD_JSON),
        ("policies/policy.yaml", POLICY),
    ]);
    // A JSON file is not read for definitions by itself.
    assert_eq!(
        check(&ws.root, "policies/policy.yaml"),
        json!([{"path": "policies/policy.yaml", "diagnostics": []}])
    );
    ws.write(".kyverno-ls.yaml", "crds:\n  - api/*.json\n");
    assert_eq!(
        check(&ws.root, "policies/policy.yaml"),
        json!([{"path": "policies/policy.yaml", "diagnostics": warnings()}])
    );
}

#[tokio::test]
async fn the_editor_reads_the_crd_files_the_configuration_names() {
    let ws = Workspace::new(&[
        ("api/gadget.json", CRD_JSON),
        (".kyverno-ls.yaml", "crds: [api/*.json]\n"),
    ]);
    let uri = ws.uri("policy.yaml");
    let mut s = Session::real();
    s.initialize(json!({"rootUri": ws.root_uri()})).await;
    s.open(&uri, POLICY).await;
    let d = s.diagnostics(&uri, Some(1)).await;
    let lsp = |w: &Value| {
        json!({
            "range": w["range"], "severity": 2, "code": w["code"], "source": "kyverno-ls",
            "message": w["message"],
        })
    };
    let expected: Vec<Value> = warnings().as_array().unwrap().iter().map(lsp).collect();
    assert_eq!(d, publish(&uri, Some(1), json!(expected)));

    // The configuration stops naming the file: the Gadget is unknown again.
    ws.write(".kyverno-ls.yaml", "ignore: []\n");
    s.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": ws.uri(".kyverno-ls.yaml"), "type": 2}]}),
    )
    .await;
    let d = s
        .find("diagnostics without the definition", |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["diagnostics"] == json!([])
        })
        .await;
    assert_eq!(d, publish(&uri, Some(1), json!([])));
}
