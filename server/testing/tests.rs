use std::path::{Path, PathBuf};

use super::manifest::{decode_test, decode_user_info, decode_values_spec};
use super::run::{self, choose, operation_for, resource_matches, rule_matches, rule_outcomes};
use super::{Options, Report, files};
use crate::engine::{Env, Operation, RuleResponse, Status, Value};

fn json(yaml: &str) -> serde_json::Value {
    files::parse_documents(yaml).unwrap().remove(0)
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    p
}

fn run_dir(dir: &Path, compat: bool) -> Report {
    super::run_paths(
        &crate::vfs::FsFiles::anywhere(),
        &[dir.to_path_buf()],
        &Options {
            compat,
            roots: vec![dir.to_path_buf()],
            per_manifest: false,
            rendering: None,
        },
        &Env::fixed(),
    )
}

const POLICY: &str = "\
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: require-labels
spec:
  rules:
  - name: check-team
    match:
      any:
      - resources:
          kinds: [Pod]
    validate:
      pattern:
        metadata:
          labels:
            team: '?*'
  - name: add-label
    match:
      any:
      - resources:
          kinds: [Pod]
    mutate:
      patchStrategicMerge:
        metadata:
          labels:
            x: y
  - name: make-config
    match:
      any:
      - resources:
          kinds: [Namespace]
    generate:
      apiVersion: v1
      kind: ConfigMap
      name: defaults
      namespace: '{{ request.object.metadata.name }}'
      data:
        data: {a: b}
  - name: verify
    match:
      any:
      - resources:
          kinds: [Pod]
    verifyImages:
    - imageReferences: ['*']
";

const RESOURCES: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: good
  labels: {team: a}
spec:
  containers: [{name: c, image: nginx}]
---
apiVersion: v1
kind: Pod
metadata:
  name: other
  namespace: prod
---
apiVersion: v1
kind: Namespace
metadata:
  name: prod
";

#[test]
fn unknown_field_is_an_error_naming_file_and_field() {
    let e = decode_test(&json(
        "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nmetadata: {name: t}\nresults:\n- policy: p\n  rules: r\n",
    ))
    .unwrap_err();
    assert!(
        e.contains("unknown field `rules`") && e.contains("results[0]"),
        "{e}"
    );
    assert!(e.contains("did you mean `rule`"), "{e}");

    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a/kyverno-test.yaml",
        "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\npolicy: [x]\n",
    );
    let report = run_dir(dir.path(), false);
    assert_eq!(report.errors.len(), 1);
    assert!(report.errors[0].manifest.ends_with("a/kyverno-test.yaml"));
    assert!(
        report.errors[0].message.contains("unknown field `policy`"),
        "{:?}",
        report.errors
    );
    assert_eq!(report.exit_code(), 1);
}

#[test]
fn field_names_match_case_insensitively_like_go() {
    let t = decode_test(&json(
        "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nmetadata: {name: t}\nPolicies: [p.yaml]\nresults:\n- policy: p\n  isMUtatingPolicy: true\n  Result: Pass\n  resources: [a]\n",
    ))
    .unwrap();
    assert_eq!(t.policies, ["p.yaml"]);
    assert!(t.results[0].rule_less);
    assert_eq!(t.results[0].result, "pass");
}

#[test]
fn deprecated_schema_fails_only_its_manifest() {
    for text in [
        "name: old\npolicies: [p.yaml]\n",
        "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nname: old\n",
        "kind: Test\nmetadata: {name: x}\n",
    ] {
        let e = decode_test(&json(text)).unwrap_err();
        assert!(e.contains("deprecated schema"), "{e}");
    }
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "old/kyverno-test.yaml",
        "name: old\npolicies: []\nresources: []\n",
    );
    write(dir.path(), "new/policy.yaml", POLICY);
    write(dir.path(), "new/resources.yaml", RESOURCES);
    write(
        dir.path(),
        "new/.kyverno-test/kyverno-test.yaml",
        "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nmetadata: {name: t}\npolicies: [../policy.yaml]\nresources: [../resources.yaml]\nresults:\n- policy: require-labels\n  rule: check-team\n  kind: Pod\n  resources: [good]\n  result: pass\n",
    );
    let report = run_dir(dir.path(), false);
    assert_eq!(report.manifests, 2);
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    assert!(report.errors[0].manifest.contains("old"));
    // The hidden folder's manifest ran.
    assert_eq!(report.results.len(), 1);
    assert_eq!(report.results[0].rule_type, "pattern");
}

#[test]
fn values_files_fill_the_request() {
    let values = decode_values_spec(
        &json(
            "apiVersion: cli.kyverno.io/v1alpha1
kind: Values
globalValues:
  request.operation: UPDATE
  g: 1
policies:
- name: require-labels
  resources:
  - name: good
    values:
      r: two
  rules:
  - name: check-team
    values:
      rv: 3
    foreachValues:
      f: [a, b]
namespaceSelector:
- name: prod
  labels: {env: production}
namespaces:
- apiVersion: v1
  kind: Namespace
  metadata:
    name: dev
    labels: {env: dev}
",
        ),
        "",
        true,
    )
    .unwrap();
    let inputs = run::Inputs {
        cel_exceptions: Vec::new(),
        context_resources: Vec::new(),
        images: Default::default(),
        policies: vec![],
        resources: vec![],
        values,
        user_info: None,
        cluster_resources: vec![],
        param_resources: vec![],
        targets: vec![],
        api_responses: vec![],
        global_context: Default::default(),
        exceptions: vec![],
        expected_files: Default::default(),
        clone_sources: Default::default(),
    };
    let resource = run::Resource {
        name: "good".into(),
        namespace: "default".into(),
        value: Value::from_json(&json("kind: Pod\nmetadata: {name: good}\n")),
    };
    let op = operation_for(
        &Default::default(),
        &inputs.values,
        "require-labels",
        "good",
    )
    .unwrap();
    assert_eq!(op, Operation::Update);
    let req = run::build_request(&inputs, "require-labels", &resource, op);
    assert_eq!(req.old_object, req.object);
    assert_eq!(req.variables.get("g"), Some(&Value::Number(1.0)));
    assert_eq!(req.variables.get("r"), Some(&Value::string("two")));
    assert!(!req.variables.contains_key("request.operation"));
    assert_eq!(req.rule_values["check-team"]["rv"], Value::Number(3.0));
    assert_eq!(
        req.foreach_values["check-team"]["f"],
        vec![Value::string("a"), Value::string("b")]
    );
    assert_eq!(req.namespace_labels["prod"]["env"], "production");
    assert_eq!(req.namespace_labels["dev"]["env"], "dev");
    // Another resource gets the global values only.
    let other = run::Resource {
        name: "other".into(),
        namespace: resource.namespace.clone(),
        value: resource.value.clone(),
    };
    let del = run::build_request(&inputs, "require-labels", &other, Operation::Delete);
    assert!(!del.variables.contains_key("r"));
    assert_eq!(del.object, Value::object(Default::default()));
    assert_eq!(del.old_object, other.value);
    // A result's own operation wins.
    let result = super::manifest::TestResult {
        operation: "DELETE".into(),
        ..Default::default()
    };
    assert_eq!(
        operation_for(&result, &inputs.values, "require-labels", "good").unwrap(),
        Operation::Delete
    );
    // Per-resource `request.operation` wins over the global one.
    let mut values = inputs.values.clone();
    values.policies[0].resources[0]
        .1
        .insert("request.operation".into(), "DELETE".into());
    assert_eq!(
        operation_for(&Default::default(), &values, "require-labels", "good").unwrap(),
        Operation::Delete
    );
    assert_eq!(
        operation_for(&Default::default(), &values, "require-labels", "other").unwrap(),
        Operation::Update
    );
    let bad = super::manifest::TestResult {
        operation: "update".into(),
        ..Default::default()
    };
    assert!(operation_for(&bad, &values, "require-labels", "good").is_err());

    // A CONNECT value only sets the variable: the request stays a CREATE of the resource.
    let mut connect = inputs.values.clone();
    connect.policies.clear();
    connect
        .global_values
        .insert("request.operation".into(), "CONNECT".into());
    let op = operation_for(&Default::default(), &connect, "require-labels", "good").unwrap();
    assert_eq!(op, Operation::Create);
    let with_connect = run::Inputs {
        cel_exceptions: Vec::new(),
        context_resources: Vec::new(),
        images: Default::default(),
        policies: vec![],
        resources: vec![],
        values: connect,
        user_info: None,
        cluster_resources: vec![],
        param_resources: vec![],
        targets: vec![],
        api_responses: vec![],
        global_context: Default::default(),
        exceptions: vec![],
        expected_files: Default::default(),
        clone_sources: Default::default(),
    };
    let req = run::build_request(&with_connect, "require-labels", &resource, op);
    assert_eq!(req.object, resource.value);
    assert_eq!(
        req.variables.get("request.operation"),
        Some(&Value::from("CONNECT"))
    );

    let e = decode_values_spec(&json("globalValues: {a: 1}\n"), "", true).unwrap_err();
    assert!(e.contains("deprecated schema"), "{e}");
}

#[test]
fn user_info_file() {
    let u = decode_user_info(&json(
        "apiVersion: cli.kyverno.io/v1alpha1\nkind: UserInfo\nmetadata: {name: u}\nclusterRoles: [admin]\nroles: [ns:dev]\nuserInfo:\n  username: alice\n  groups: [devs]\n",
    ))
    .unwrap();
    assert_eq!(u.username, "alice");
    assert_eq!(u.groups, ["devs"]);
    assert_eq!(u.roles, ["ns:dev"]);
    assert_eq!(u.cluster_roles, ["admin"]);
    assert!(decode_user_info(&json("userInfo: {username: a}\n")).is_err());
}

#[test]
fn namespaced_resources_default_to_default() {
    let docs = files::parse_documents(RESOURCES).unwrap();
    let docs: Vec<_> = docs.into_iter().map(files::default_namespace).collect();
    assert_eq!(files::meta_str(&docs[0], "namespace"), "default");
    assert_eq!(files::meta_str(&docs[1], "namespace"), "prod");
    assert_eq!(files::meta_str(&docs[2], "namespace"), "");
    // Integers are float64, as in the CLI.
    let v = Value::from_json(&json("spec: {replicas: 3}\n"));
    assert_eq!(
        v.as_object().unwrap()["spec"].as_object().unwrap()["replicas"],
        Value::Number(3.0)
    );
}

#[test]
fn rule_and_resource_names_match_like_kyverno_test() {
    assert!(rule_matches("check", "check"));
    assert!(rule_matches("autogen-check", "check"));
    assert!(rule_matches("autogen-cronjob-check", "check"));
    assert!(rule_matches("autogen-check", "autogen-check"));
    assert!(rule_matches("anything", ""));
    assert!(!rule_matches("check-2", "check"));
    assert!(!rule_matches("autogen-other", "check"));

    assert!(resource_matches("good", "good", "default"));
    assert!(resource_matches("default/good", "good", "default"));
    assert!(!resource_matches("prod/good", "good", "default"));
    assert!(!resource_matches("goo", "good", "default"));

    let responses = vec![
        RuleResponse {
            rule: "autogen-check".into(),
            source: 0,
            status: Status::Fail,
            message: "validation error".into(),
            resource_path: Some("/spec/template/".into()),
            policy_path: None,
        },
        RuleResponse {
            rule: "other".into(),
            source: 1,
            status: Status::Pass,
            message: String::new(),
            resource_path: None,
            policy_path: None,
        },
    ];
    let outcomes = rule_outcomes(&responses, "check");
    assert_eq!(outcomes.len(), 1);
    assert_eq!(outcomes[0].0, "fail");
    assert!(outcomes[0].1.contains("/spec/template/"));
    assert_eq!(choose(&outcomes, "pass").0, "fail");
    assert_eq!(choose(&[], "pass").0, "none");
    let two = vec![
        ("pass".to_string(), String::new()),
        ("fail".to_string(), "x".to_string()),
    ];
    assert_eq!(choose(&two, "pass").0, "fail");
    assert_eq!(choose(&two, "fail").0, "pass");
}

#[test]
fn rows_for_missing_rules_resources_policies_and_unsupported_rules() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "p/policy.yaml", POLICY);
    write(dir.path(), "p/resources.yaml", RESOURCES);
    write(
        dir.path(),
        "p/kyverno-test.yaml",
        "apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {name: t}
policies: [policy.yaml, policy.yaml]
resources: [resources.yaml]
results:
- policy: require-labels
  rule: no-such-rule
  resources: [good]
  result: fail
- policy: require-labels
  rule: add-label
  resources: [good]
  result: pass
- policy: missing
  rule: x
  resources: [good]
  result: pass
- policy: require-labels
  rule: check-team
  resources: [nothere, prod/other, default/good]
  result: pass
- policy: require-labels
  rule: check-team
  resources: [typo]
  result: pass
- policy: require-labels
  rule: make-config
  resources: [prod]
  result: pass
- policy: require-labels
  rule: verify
  resources: [good]
  result: pass
",
    );
    let report = run_dir(dir.path(), false);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let r = &report.results;
    assert_eq!(r.len(), 9);
    assert_eq!(
        (r[7].actual.as_str(), r[7].rule_type.as_str(), r[7].ok),
        ("pass", "generate", true)
    );
    // Looking up the digest of `nginx` (mutateDigest is on by default) needs the registry.
    assert_eq!(
        (r[8].actual.as_str(), r[8].rule_type.as_str()),
        ("unsupported", "verifyImages")
    );
    assert!(
        r[6].message.contains("every resource was checked"),
        "{}",
        r[6].message
    );
    assert_eq!((r[0].actual.as_str(), r[0].ok), ("none", false));
    assert!(r[0].message.contains("no rule `no-such-rule`"));
    // The mutate rule is simulated: it adds its label to `good`.
    assert_eq!(
        (r[1].actual.as_str(), r[1].message.as_str(), r[1].ok),
        ("pass", "mutated Pod/good in namespace default", true)
    );
    assert_eq!(r[1].rule_type, "mutate");
    assert!(r[2].message.contains("not in the test's policies"));
    assert!(r[3].message.contains("not in the test's resources"));
    assert_eq!(r[4].resource, "prod/other");
    assert_eq!(r[5].resource, "default/good");
    let s = report.summary();
    assert_eq!(s.total, 9);
    assert_eq!(s.unsupported, 1);
    assert_eq!(s.ok + s.mismatch + s.unsupported, 9);

    // --compat: a rule with no response counts as passed; a missing policy does not.
    let compat = run_dir(dir.path(), true);
    assert!(compat.results[0].ok);
    assert!(!compat.results[2].ok);
    // A listed name that matches nothing is silently dropped by `kyverno test`.
    assert!(compat.results[3].ok);

    let j = super::render::json(&report);
    assert_eq!(j["results"].as_array().unwrap().len(), 9);
    assert_eq!(j["results"][0]["policy"], "require-labels");
    assert_eq!(j["summary"]["total"], 9);
    let x = super::render::junit(&report);
    assert!(x.starts_with("<?xml") && x.contains("<skipped"));
    let t = super::render::text(&report);
    assert!(t.contains("POLICY") && t.contains("Test Summary"));
}

#[test]
fn urls_and_paths_outside_the_tree_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let inner = dir.path().join("inner");
    write(dir.path(), "outside.yaml", POLICY);
    write(
        &inner,
        "kyverno-test.yaml",
        "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nmetadata: {name: t}\npolicies: [../outside.yaml]\nresources: []\nresults: []\n",
    );
    write(
        &inner,
        "url/kyverno-test.yaml",
        "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nmetadata: {name: t}\npolicies: [https://example.com/p.yaml]\nresources: []\nresults: []\n",
    );
    let report = run_dir(&inner, false);
    assert_eq!(report.errors.len(), 2, "{:?}", report.errors);
    assert!(
        report
            .errors
            .iter()
            .any(|e| e.message.contains("outside the folders"))
    );
    assert!(report.errors.iter().any(|e| e.message.contains("is a URL")));
    let git = super::run_paths(
        &crate::vfs::FsFiles::anywhere(),
        &[PathBuf::from("https://github.com/kyverno/policies/main")],
        &Options::default(),
        &Env::fixed(),
    );
    assert!(git.errors[0].message.contains("unsupported"));
}

#[test]
fn multi_document_manifests_run_each_test() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "policy.yaml", POLICY);
    write(dir.path(), "resources.yaml", RESOURCES);
    write(
        dir.path(),
        "kyverno-test.yaml",
        "apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {name: a}
policies: [policy.yaml]
resources: [resources.yaml]
results:
- {policy: require-labels, rule: check-team, resources: [good], result: pass}
---
apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {name: b}
policies: [missing.yaml]
---
apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {name: c}
policies: [policy.yaml]
resources: [resources.yaml]
results:
- {policy: require-labels, rule: check-team, resources: [good], result: pass}
",
    );
    let report = run_dir(dir.path(), false);
    assert_eq!(report.results.len(), 2);
    assert_eq!(report.errors.len(), 1);
    assert!(
        report.errors[0].message.starts_with("document 2:"),
        "{:?}",
        report.errors
    );
}

#[test]
fn userinfo_values_and_exceptions_are_loaded_relative_to_the_manifest() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "policy.yaml", POLICY);
    write(dir.path(), "t/resources.yaml", RESOURCES);
    write(
        dir.path(),
        "t/user.yaml",
        "apiVersion: cli.kyverno.io/v1alpha1\nkind: UserInfo\nmetadata: {name: u}\nuserInfo: {username: bob}\n",
    );
    write(
        dir.path(),
        "t/values.yaml",
        "apiVersion: cli.kyverno.io/v1alpha1\nkind: Value\nglobalValues: {x: z}\n",
    );
    write(
        dir.path(),
        "t/exception.yaml",
        "apiVersion: kyverno.io/v2\nkind: PolicyException\nmetadata: {name: e, namespace: x}\nspec:\n  exceptions:\n  - policyName: require-labels\n    ruleNames: [check-*]\n  match:\n    any:\n    - resources: {names: [good]}\n",
    );
    let test = decode_test(&json(
        "apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {name: t}
policies: [../policy.yaml]
resources: [resources.yaml]
userinfo: user.yaml
variables: values.yaml
exceptions: [exception.yaml]
results:
- {policy: require-labels, rule: check-team, resources: [good], result: skip}
",
    ))
    .unwrap();
    let base = dir.path().join("t");
    let sandbox = files::Sandbox::new(&[dir.path().to_path_buf()]);
    let inputs = run::load_inputs(
        &crate::vfs::FsFiles::anywhere(),
        &test,
        &base,
        &sandbox,
        &Env::fixed(),
    )
    .unwrap();
    assert_eq!(inputs.user_info.as_ref().unwrap().username, "bob");
    assert_eq!(inputs.values.global_values["x"], "z");
    assert_eq!(inputs.resources.len(), 3);
    assert_eq!(inputs.resources[0].namespace, "default");
    assert_eq!(inputs.resources[2].namespace, "");
    let req = run::build_request(
        &inputs,
        "require-labels",
        &inputs.resources[0],
        Operation::Create,
    );
    assert_eq!(req.user_info.unwrap().username, "bob");
    assert_eq!(req.old_object, Value::Null);
    assert_eq!(req.exceptions.len(), 1);
    // The exception, read from the manifest's folder, excepts `good` from the rule.
    let rows = run::run_test("m", &test, &inputs, &Options::default(), &Env::fixed());
    assert_eq!(
        (rows[0].actual.as_str(), rows[0].message.as_str()),
        ("skip", "rule is skipped due to policy exceptionsx/e")
    );
}

#[cfg(unix)]
#[test]
fn discovery_includes_hidden_folders_and_skips_symlinks() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nmetadata: {name: t}\n";
    write(dir.path(), "a/.hidden/kyverno-test.yaml", manifest);
    write(dir.path(), "elsewhere/kyverno-test.yaml", manifest);
    write(dir.path(), "a/other-test.yaml", manifest);
    std::os::unix::fs::symlink(dir.path().join("elsewhere"), dir.path().join("a/link")).unwrap();
    let found =
        files::find_manifests(&crate::vfs::FsFiles::anywhere(), &dir.path().join("a")).unwrap();
    assert_eq!(found, vec![dir.path().join("a/.hidden/kyverno-test.yaml")]);
}

#[test]
fn a_context_file_decodes_strictly_with_go_defaults_for_image_data() {
    let doc = serde_json::json!({
        "apiVersion": "cli.kyverno.io/v1alpha1",
        "kind": "Context",
        "metadata": {"name": "context"},
        "spec": {
            "resources": [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}],
            "images": [{"image": "busybox:1.35", "tag": "", "config": {"Volumes": []}}]
        }
    });
    let c = crate::testing::manifest::decode_context(&doc).unwrap();
    assert_eq!(c.resources.len(), 1);
    assert_eq!(
        c.images,
        vec![(
            "busybox:1.35".to_string(),
            serde_json::json!({
                "image": "busybox:1.35", "resolvedImage": "", "registry": "", "repository": "",
                "config": {"Volumes": []}
            })
        )]
    );
    let bad = serde_json::json!({"spec": {"images": [{"image": "x", "volumes": []}]}});
    assert_eq!(
        crate::testing::manifest::decode_context(&bad),
        Err("unknown field `volumes` in `spec.images[0]`".to_string())
    );
    let bad = serde_json::json!({"spec": {"resources": ["x"]}});
    assert_eq!(
        crate::testing::manifest::decode_context(&bad),
        Err("`spec.resources[0]` must be an object, not a string".to_string())
    );
}

#[test]
fn admission_policy_bindings_cluster_resources_and_whole_namespaces_reach_cel() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "policies.yaml",
        "apiVersion: policies.kyverno.io/v1
kind: ValidatingPolicy
metadata: {name: owner}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [''], apiVersions: [v1], operations: [CREATE], resources: [pods]}
  validations:
  - expression: >-
      namespaceObject.metadata.annotations.owner == 'team-a' &&
      resource.Get('v1', 'configmaps', 'shop', 'switch').data.mode == 'on'
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: prod-only}
spec:
  validations:
  - expression: object.metadata.name != 'forbidden'
    message: this name is reserved
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: prod-only}
spec:
  policyName: prod-only
  validationActions: [Deny]
  matchResources:
    namespaceSelector:
      matchLabels: {tier: prod}
",
    );
    write(
        dir.path(),
        "resources.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: forbidden, namespace: shop}\nspec: {containers: [{name: c, image: nginx}]}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: forbidden, namespace: dev}\nspec: {containers: [{name: c, image: nginx}]}\n",
    );
    write(
        dir.path(),
        "cluster.yaml",
        "apiVersion: cli.kyverno.io/v1alpha1\nkind: ClusterResource\nmetadata: {name: c}\nspec:\n  resources:\n  - {apiVersion: v1, kind: ConfigMap, metadata: {name: switch, namespace: shop}, data: {mode: 'on'}}\n",
    );
    write(
        dir.path(),
        "values.yaml",
        "apiVersion: cli.kyverno.io/v1alpha1\nkind: Value\nnamespaces:\n- apiVersion: v1\n  kind: Namespace\n  metadata:\n    name: shop\n    labels: {tier: prod}\n    annotations: {owner: team-a}\n",
    );
    write(
        dir.path(),
        "kyverno-test.yaml",
        "apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {name: t}
policies: [policies.yaml]
resources: [resources.yaml]
clusterResources: [cluster.yaml]
variables: values.yaml
results:
- {policy: owner, resources: [shop/forbidden], result: pass, isValidatingPolicy: true}
- {policy: owner, resources: [dev/forbidden], result: error, isValidatingPolicy: true}
- {policy: prod-only, resources: [shop/forbidden], result: fail, isValidatingAdmissionPolicy: true}
- {policy: prod-only, resources: [dev/forbidden], result: skip, isValidatingAdmissionPolicy: true}
",
    );
    let report = run_dir(dir.path(), false);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let rows: Vec<(&str, &str, &str, &str)> = report
        .results
        .iter()
        .map(|r| {
            (
                r.policy.as_str(),
                r.resource.as_str(),
                r.actual.as_str(),
                r.message.as_str(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("owner", "shop/forbidden", "pass", "success"),
            // A namespace that the values file does not describe has no object at all.
            (
                "owner",
                "dev/forbidden",
                "error",
                "error: type 'null_type' does not support field selection"
            ),
            (
                "prod-only",
                "shop/forbidden",
                "fail",
                "this name is reserved"
            ),
            (
                "prod-only",
                "dev/forbidden",
                "skip",
                "excluded: neither the policy's matchConstraints nor any of its bindings match the resource"
            ),
        ]
    );
    assert!(report.results.iter().all(|r| r.ok));
}

#[test]
fn global_context_entries_apply_field_path_then_projections() {
    let dir = tempfile::tempdir().unwrap();
    let test = decode_test(&json(
        "apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {name: t}
globalContextEntries:
- name: deployments
  data: {apps: {items: [{name: a}, {name: b}]}}
  fieldPath: apps
  projections:
  - {name: names, path: 'items[].name'}
  - {name: count, path: 'length(items)'}
- name: plain
  data: {x: 1}
- name: broken
  data: {x: 1}
  projections:
  - {name: p, path: 'x[?'}
",
    ))
    .unwrap();
    let sandbox = files::Sandbox::new(&[dir.path().to_path_buf()]);
    let load = |test: &super::manifest::Test| {
        run::load_inputs(
            &crate::vfs::FsFiles::anywhere(),
            test,
            dir.path(),
            &sandbox,
            &Env::fixed(),
        )
    };
    let Err(err) = load(&test) else {
        panic!("a projection that does not parse must fail the test");
    };
    assert!(
        err.starts_with("global context entry `broken`: `x[?`: "),
        "{err}"
    );
    let mut test = test;
    test.global_context_entries.pop();
    let inputs = load(&test).unwrap();
    assert_eq!(
        inputs.global_context["deployments"],
        Value::from_json(&serde_json::json!({"names": ["a", "b"], "count": 2}))
    );
    assert_eq!(
        inputs.global_context["plain"],
        Value::from_json(&serde_json::json!({"x": 1}))
    );
}

#[test]
fn json_payloads_are_resources_named_by_their_path() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "policy.yaml",
        "apiVersion: policies.kyverno.io/v1\nkind: ValidatingPolicy\nmetadata: {name: small}\nspec:\n  evaluation: {mode: JSON}\n  validations:\n  - expression: object.size < 10\n    message: too big\n",
    );
    write(dir.path(), "payloads/a.json", "{\"size\": 3}");
    write(dir.path(), "b.json", "{\"size\": 30}");
    write(
        dir.path(),
        "kyverno-test.yaml",
        "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nmetadata: {name: t}\npolicies: [policy.yaml]\njsonPayload: b.json\njsonPayloads: [payloads/a.json]\nresults:\n- {policy: small, result: pass}\n- {policy: small, resources: [b.json], result: fail}\n",
    );
    let report = run_dir(dir.path(), false);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let rows: Vec<(&str, &str, bool)> = report
        .results
        .iter()
        .map(|r| (r.resource.as_str(), r.actual.as_str(), r.ok))
        .collect();
    assert_eq!(
        rows,
        [
            ("b.json", "fail", false),
            ("payloads/a.json", "pass", true),
            ("b.json", "fail", true),
        ]
    );
}

#[test]
fn values_subresources_are_decoded_and_checked() {
    let values = decode_values_spec(
        &json(
            "subresources:
- parentResource: {group: apps, kind: Deployment, name: deployments, namespaced: true, singularName: '', verbs: null, version: v1}
  subresource: {group: autoscaling, kind: Scale, name: deployments/scale, namespaced: true, version: v1}",
        ),
        "values",
        false,
    )
    .expect("decodes");
    assert_eq!(
        values.subresources,
        [super::manifest::Subresource {
            group: "autoscaling".into(),
            version: "v1".into(),
            kind: "Scale".into(),
            name: "scale".into(),
            parent_group: "apps".into(),
            parent_version: "v1".into(),
            parent_kind: "Deployment".into(),
        }]
    );
    let no_slash = decode_values_spec(
        &json(
            "subresources:
- parentResource: {kind: Pod, name: pods, version: v1}
  subresource: {kind: PodExecOptions, name: exec, version: v1}",
        ),
        "values",
        false,
    );
    assert_eq!(
        no_slash,
        Err("values.subresources[0].subresource.name: `exec` names no subresource; write it as `<resource>/<subresource>`, e.g. `pods/exec`".into())
    );
    let half = decode_values_spec(
        &json("subresources:\n- subresource: {kind: PodExecOptions, name: pods/exec, version: v1}"),
        "values",
        false,
    );
    assert_eq!(
        half,
        Err("values.subresources[0]: a subresource entry needs both `subresource` and `parentResource`".into())
    );
}

#[test]
fn rows_that_name_a_patched_target_compare_the_target() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "policy.yaml",
        "apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata: {name: label-secrets}
spec:
  rules:
  - name: on-cm
    match: {any: [{resources: {kinds: [ConfigMap]}}]}
    mutate:
      targets: [{apiVersion: v1, kind: Secret, name: s}]
      patchStrategicMerge: {metadata: {labels: {foo: bar}}}
",
    );
    write(
        dir.path(),
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: a}\n",
    );
    write(
        dir.path(),
        "secrets.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: a}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: b}\n",
    );
    write(
        dir.path(),
        "patched.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: a}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: a, labels: {foo: bar}}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: b, labels: {foo: other}}\n",
    );
    write(
        dir.path(),
        "kyverno-test.yaml",
        "apiVersion: cli.kyverno.io/v1alpha1
kind: Test
metadata: {name: t}
policies: [policy.yaml]
resources: [cm.yaml]
targetResources: [secrets.yaml]
results:
- {policy: label-secrets, rule: on-cm, patchedResources: patched.yaml, result: pass}
- {policy: label-secrets, rule: on-cm, patchedResources: patched.yaml, resources: [b/s], result: pass}
",
    );
    let report = run_dir(dir.path(), false);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let rows: Vec<(String, String, bool)> = report
        .results
        .iter()
        .map(|r| (r.resource.clone(), r.actual.clone(), r.ok))
        .collect();
    // Without names: the trigger (unchanged) and each patched target.
    assert_eq!(
        rows,
        [
            ("cm".to_string(), "pass".to_string(), true),
            ("a/s".to_string(), "pass".to_string(), true),
            ("b/s".to_string(), "fail".to_string(), false),
            ("b/s".to_string(), "fail".to_string(), false),
        ]
    );
    assert_eq!(report.results[1].message, "mutated Secret/s in namespace a");
    assert!(
        report.results[3]
            .message
            .starts_with("the patched target differs from the one in `patched.yaml`: "),
        "{}",
        report.results[3].message
    );
}
