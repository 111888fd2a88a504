//! `kyverno-ls migrate`: ClusterPolicy and Policy validate rules as ValidatingPolicies, the
//! refusals, and the proof by simulation, on our fixtures and on the public corpus.

use std::path::{Path, PathBuf};
use std::process::Command;

use kyverno_ls::migrate;

mod shared_data;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/migrate")
        .join(rel)
}

/// A copy of `tests/fixtures/migrate/pods` (the policy, its manifest and resources) at `to`.
fn copy_pods_fixture(to: &Path) {
    std::fs::create_dir_all(to.join(".kyverno-test")).unwrap();
    for f in [
        "policy.yaml",
        ".kyverno-test/kyverno-test.yaml",
        ".kyverno-test/resources.yaml",
    ] {
        std::fs::copy(fixture(&format!("pods/{f}")), to.join(f)).unwrap();
    }
}

fn migrate_text(text: &str) -> migrate::Migration {
    let analysis = kyverno_ls::analysis::analyze(text);
    migrate::migrate(text, &analysis)
}

#[test]
fn the_fixture_migrates_and_its_manifest_still_passes() {
    let out = Command::new(env!("CARGO_BIN_EXE_kyverno-ls"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "migrate",
            "--check",
            "tests/fixtures/migrate/pods/policy.yaml",
        ])
        .output()
        .unwrap();
    let expected = std::fs::read_to_string(fixture("pods/expected.vpol.yaml")).unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "tests/fixtures/migrate/pods/policy.yaml: policy `pod-rules`, rule `no-privileged` → ValidatingPolicy `pod-rules-no-privileged`\n\
         tests/fixtures/migrate/pods/policy.yaml: policy `pod-rules`, rule `replicas` → ValidatingPolicy `pod-rules-replicas`\n\
         proof: 5 sample resources give the same verdicts before and after\n\
         proof: tests/fixtures/migrate/pods/.kyverno-test/kyverno-test.yaml migrated as tests/fixtures/migrate/pods/.kyverno-test/kyverno-test.vpol.yaml: 4/4 rows pass (the original: 4/4)\n"
    );
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn migrated_policies_are_clean_for_our_own_checks() {
    let expected = std::fs::read_to_string(fixture("pods/expected.vpol.yaml")).unwrap();
    let analysis = kyverno_ls::analysis::analyze(&expected);
    let errors: Vec<_> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.severity == kyverno_ls::diag::Severity::Error)
        .map(|d| (d.code, d.message.clone()))
        .collect();
    assert_eq!(errors, vec![]);
}

#[test]
fn write_puts_the_policy_and_manifest_beside_the_originals() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("pods");
    copy_pods_fixture(&root);
    let out = Command::new(env!("CARGO_BIN_EXE_kyverno-ls"))
        .current_dir(&root)
        .args(["migrate", "--write", "policy.yaml"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(root.join("policy.vpol.yaml")).unwrap(),
        std::fs::read_to_string(fixture("pods/expected.vpol.yaml")).unwrap()
    );
    let test = Command::new(env!("CARGO_BIN_EXE_kyverno-ls"))
        .current_dir(&root)
        .args(["test", ".kyverno-test/kyverno-test.vpol.yaml"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&test.stdout);
    assert!(
        stdout
            .ends_with("Test Summary: 1 manifests, 4 results: 4 passed, 0 failed, 0 unsupported\n"),
        "{stdout}"
    );
}

#[test]
fn validate_cel_rules_carry_over_word_for_word() {
    let m = migrate_text(
        r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: replicas
spec:
  rules:
  - name: at-least-two
    match:
      any:
      - resources:
          kinds: [apps/v1/Deployment]
    validate:
      failureAction: Enforce
      cel:
        variables:
        - name: r
          expression: object.spec.replicas
        expressions:
        - expression: variables.r >= 2
          message: two or more
"#,
    );
    assert_eq!(m.refused, vec![]);
    assert_eq!(
        m.migrated[0].document,
        serde_json::json!({
            "apiVersion": "policies.kyverno.io/v1",
            "kind": "ValidatingPolicy",
            "metadata": {"name": "replicas"},
            "spec": {
                "validationActions": ["Deny"],
                "matchConstraints": {"resourceRules": [{
                    "apiGroups": ["apps"], "apiVersions": ["v1"],
                    "operations": ["CREATE", "UPDATE"], "resources": ["deployments"]
                }]},
                "variables": [{"name": "r", "expression": "object.spec.replicas"}],
                "validations": [{"expression": "variables.r >= 2", "message": "two or more"}]
            }
        })
    );
}

#[test]
fn negation_and_existence_anchors_and_a_namespaced_policy() {
    let m = migrate_text(
        r#"apiVersion: kyverno.io/v1
kind: Policy
metadata:
  name: volumes
  namespace: team
spec:
  rules:
  - name: no-host-path
    match:
      any:
      - resources:
          kinds: [Pod]
    validate:
      pattern:
        spec:
          =(volumes):
          - X(hostPath): "null"
          ^(containers):
          - name: "app-*"
"#,
    );
    assert_eq!(m.refused, vec![]);
    let doc = &m.migrated[0].document;
    assert_eq!(doc["kind"], "NamespacedValidatingPolicy");
    assert_eq!(doc["metadata"]["namespace"], "team");
    assert_eq!(
        doc["spec"]["validationActions"],
        serde_json::json!(["Audit"])
    );
    assert_eq!(
        doc["spec"]["validations"][0]["expression"],
        "has(object.spec) && object.spec != null && (!has(object.spec.volumes) || object.spec.volumes != null && object.spec.volumes.all(volume, !has(volume.hostPath))) && (!has(object.spec.containers) || object.spec.containers != null && object.spec.containers.exists(container, has(container.name) && container.name.startsWith('app-')))"
    );
}

/// Where a conditional anchor does not hold, Kyverno skips the rule: a match condition says
/// where, and the validation passes the elements it leaves out.
#[test]
fn conditional_anchors_become_a_match_condition() {
    let m = migrate_text(
        r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: app-images
spec:
  rules:
  - name: app-images
    match:
      any:
      - resources:
          kinds: [Pod]
    validate:
      pattern:
        spec:
          containers:
          - (name): "app-*"
            image: "registry.example/*"
"#,
    );
    assert_eq!(m.refused, vec![]);
    let spec = &m.migrated[0].document["spec"];
    assert_eq!(
        spec["matchConditions"],
        serde_json::json!([{
            "name": "pattern-anchors-hold",
            "expression": "!(has(object.spec) && object.spec != null && has(object.spec.containers) && object.spec.containers != null && size(object.spec.containers) > 0 && object.spec.containers.all(container, !(has(container.name) && container.name.startsWith('app-'))))"
        }])
    );
    assert_eq!(
        spec["validations"][0]["expression"],
        "has(object.spec) && object.spec != null && has(object.spec.containers) && object.spec.containers != null && object.spec.containers.all(container, has(container.name) && container.name.startsWith('app-') && has(container.image) && container.image.startsWith('registry.example/') || !(has(container.name) && container.name.startsWith('app-'))) && !(size(object.spec.containers) > 0 && object.spec.containers.all(container, !(has(container.name) && container.name.startsWith('app-'))))"
    );
}

fn refusals(text: &str) -> Vec<(String, String, String)> {
    migrate_text(text)
        .refused
        .into_iter()
        .map(|r| (r.rule, r.place, r.reason))
        .collect()
}

#[test]
fn what_cannot_be_translated_faithfully_is_refused_with_the_place() {
    let rule = |name: &str, body: &str| {
        format!(
            "  - name: {name}\n    match:\n      any:\n      - resources:\n          kinds: [Pod]\n{body}"
        )
    };
    let text = format!(
        "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: many\nspec:\n  rules:\n{}{}{}{}",
        rule(
            "add-anchor",
            "    validate:\n      pattern:\n        spec:\n          +(hostNetwork): false\n"
        ),
        rule(
            "api-call",
            "    context:\n    - name: namespaces\n      apiCall:\n        urlPath: /api/v1/namespaces\n    validate:\n      deny: {}\n"
        ),
        rule(
            "wildcard-key",
            "    validate:\n      pattern:\n        metadata:\n          labels:\n            \"team-*\": \"?*\"\n"
        ),
        rule(
            "typo",
            "    validate:\n      pattern:\n        spec:\n          hostNetwrk: false\n"
        ),
    );
    assert_eq!(
        refusals(&text),
        vec![
            (
                "add-anchor".into(),
                "validate.pattern.spec.+(hostNetwork)".into(),
                "`+()` is a mutate anchor; in a validate pattern Kyverno reads it as a literal key"
                    .into()
            ),
            (
                "api-call".into(),
                "context".into(),
                "`context` is not translated yet; the rule is left as it is".into()
            ),
            (
                "wildcard-key".into(),
                "validate.pattern.metadata.labels.team-*".into(),
                "wildcard keys are not translated".into()
            ),
            (
                "typo".into(),
                "validate.pattern.spec.hostNetwrk".into(),
                "what `false` means depends on the field's type, and the API gives none here"
                    .into()
            ),
        ]
    );
}

#[test]
fn a_policy_with_errors_is_not_migrated() {
    let r = refusals(
        "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: broken\nspec:\n  rules:\n  - name: r\n    match:\n      any:\n      - resources:\n          kinds: [Pod]\n    validate:\n      patern: {}\n",
    );
    assert_eq!(
        r,
        vec![(
            String::new(),
            String::new(),
            "the policy has errors; fix them first, as Kyverno would not accept it".into()
        )]
    );
}

/// The share of the corpus's single-rule validate ClusterPolicies and Policies that migrate
/// with a proof that holds: every sample decides alike and every manifest row the original
/// passes still passes. The rest are refused, none migrated wrongly. `MIGRATE_LIST=1` prints
/// each file with its refusals.
#[test]
fn corpus_single_rule_validate_policies() {
    let Some(root) = shared_data::path("conformance/kyverno-policies", "the migration corpus")
    else {
        return;
    };
    let files = kyverno_ls::vfs::FsFiles::anywhere();
    let env = kyverno_ls::engine::Env::fixed();
    let options = kyverno_ls::testing::Options::default();
    let manifests = kyverno_ls::testing::files::find_manifests(&files, &root).unwrap();
    let mut seen = std::collections::BTreeSet::new();
    let (mut candidates, mut migrated, mut fail_error_only) = (0, 0, 0);
    let mut reasons: std::collections::BTreeMap<String, usize> = Default::default();
    for manifest in manifests {
        let Ok(docs) = kyverno_ls::testing::files::read_documents(&files, &manifest) else {
            continue;
        };
        for doc in docs {
            for p in doc["policies"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| p.as_str())
            {
                let path =
                    kyverno_ls::samples::discover::normalize(&manifest.parent().unwrap().join(p));
                if !seen.insert(path.clone()) {
                    continue;
                }
                let Ok(text) = std::fs::read_to_string(&path) else {
                    continue;
                };
                let analysis = kyverno_ls::analysis::analyze(&text);
                let policies: Vec<_> = analysis
                    .documents
                    .iter()
                    .filter_map(|d| d.policy.as_ref())
                    .collect();
                let single = policies.len() == 1
                    && policies[0].family == kyverno_ls::model::Family::Jmespath
                    && policies[0].rules.len() == 1
                    && policies[0].rules[0].action == Some("validate");
                if !single {
                    continue;
                }
                candidates += 1;
                let m = migrate::migrate(&text, &analysis);
                if std::env::var_os("MIGRATE_LIST").is_some() {
                    for r in &m.refused {
                        eprintln!("LIST {} :: {}", path.display(), r.reason);
                    }
                }
                if let Some(r) = m.refused.first() {
                    *reasons.entry(r.reason.clone()).or_default() += 1;
                    continue;
                }
                let proof =
                    migrate::proof::prove_file(&files, &path, &analysis, &m, &options, &env);
                if proof.holds() {
                    migrated += 1;
                } else {
                    if std::env::var_os("MIGRATE_LIST").is_some() {
                        eprintln!("LIST {} :: DIFFERS", path.display());
                    }
                    // Whether every difference, on a sample or a manifest row, is a `fail`
                    // that became an `error`.
                    let fail_to_error = proof.manifest_errors.is_empty()
                        && proof
                            .differences
                            .iter()
                            .all(|(_, d)| d.before == "fail" && d.after == "error")
                        && proof.manifests.iter().all(|m| {
                            m.original_passed == m.rows
                                && m.failures
                                    .iter()
                                    .all(|r| r.expected == "fail" && r.actual == "error")
                        });
                    if fail_to_error {
                        fail_error_only += 1;
                    }
                    *reasons
                        .entry("the proof found differences".into())
                        .or_default() += 1;
                }
            }
        }
    }
    println!("migrated with a proof that holds: {migrated}/{candidates}");
    println!(
        "of those whose proof differs, {fail_error_only} differ only where the rule's own CEL fails to evaluate, which Kyverno reports as `fail` for a validate.cel rule and as `error` for a ValidatingPolicy"
    );
    for (reason, n) in &reasons {
        println!("  {n:3} refused: {reason}");
    }
    // The figure quoted in the README; it may only go up.
    assert!(migrated >= 134, "{migrated}/{candidates}");
    assert_eq!(candidates, 199);
}

/// `exclude` by namespaces joins the namespace selector. The operation precondition leaves the
/// operations it allows; the autogen annotation names the controllers.
#[test]
fn exclusions_operation_preconditions_and_autogen_controllers() {
    let m = migrate_text(
        r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: no-host-network
  annotations:
    pod-policies.kyverno.io/autogen-controllers: Deployment,StatefulSet
spec:
  validationFailureAction: Enforce
  rules:
  - name: no-host-network
    match:
      any:
      - resources:
          kinds: [Pod]
    exclude:
      any:
      - resources:
          namespaces: [kube-system]
    preconditions:
      all:
      - key: "{{ request.operation || 'BACKGROUND' }}"
        operator: NotEquals
        value: UPDATE
    validate:
      pattern:
        spec:
          =(hostNetwork): false
"#,
    );
    assert_eq!(m.refused, vec![]);
    assert_eq!(
        m.migrated[0].document["spec"],
        serde_json::json!({
            "validationActions": ["Deny"],
            "matchConstraints": {
                "resourceRules": [{
                    "apiGroups": [""], "apiVersions": ["v1"],
                    "operations": ["CREATE"], "resources": ["pods"]
                }],
                "namespaceSelector": {"matchExpressions": [
                    {"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": ["kube-system"]}
                ]}
            },
            "autogen": {"podControllers": {"controllers": ["deployments", "statefulsets"]}},
            "validations": [{"expression": "has(object.spec) && object.spec != null && (!has(object.spec.hostNetwork) || object.spec.hostNetwork == false)"}]
        })
    );
}

/// Preconditions on the resource and CEL preconditions: match conditions, as Kyverno skips the
/// rule where they do not hold.
#[test]
fn preconditions_become_match_conditions() {
    let m = migrate_text(
        "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: p\nspec:\n  rules:\n  - name: r\n    match:\n      any:\n      - resources:\n          kinds: [Pod]\n    preconditions:\n      all:\n      - key: \"{{ request.object.metadata.namespace }}\"\n        operator: Equals\n        value: prod\n    celPreconditions:\n    - name: labelled\n      expression: has(object.metadata.labels)\n    validate:\n      pattern:\n        spec:\n          =(hostNetwork): false\n",
    );
    assert_eq!(m.refused, vec![]);
    assert_eq!(
        m.migrated[0].document["spec"]["matchConditions"],
        serde_json::json!([
            {"name": "preconditions", "expression": "(object.metadata.namespace == 'prod')"},
            {"name": "labelled", "expression": "has(object.metadata.labels)"}
        ])
    );
    // A precondition with a function that has no exact CEL form is refused.
    let r = refusals(
        "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: p\nspec:\n  rules:\n  - name: r\n    match:\n      any:\n      - resources:\n          kinds: [Pod]\n    preconditions:\n      all:\n      - key: \"{{ regex_match('^a', request.object.metadata.name) }}\"\n        operator: Equals\n        value: true\n    validate:\n      pattern:\n        spec:\n          =(hostNetwork): false\n",
    );
    assert_eq!(
        r,
        vec![(
            "r".into(),
            "preconditions.all.0.key".into(),
            "`regex_match('^a', request.object.metadata.name)`: this expression is not translated yet"
                .into()
        )]
    );
}

/// Excluded names become a match condition; and as Kyverno makes no controller rules for a
/// policy that names resources, the ValidatingPolicy's autogen is turned off.
#[test]
fn excluded_names_are_a_match_condition_and_turn_autogen_off() {
    let m = migrate_text(
        "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: p\nspec:\n  rules:\n  - name: r\n    match:\n      any:\n      - resources:\n          kinds: [Pod]\n    exclude:\n      any:\n      - resources:\n          names: [\"debug-*\", tools]\n    validate:\n      pattern:\n        spec:\n          =(hostNetwork): false\n",
    );
    let spec = &m.migrated[0].document["spec"];
    assert_eq!(
        spec["matchConditions"],
        serde_json::json!([{"name": "exclude", "expression": "!(object.metadata.name.startsWith('debug-') || object.metadata.name == 'tools')"}])
    );
    assert_eq!(
        spec["autogen"],
        serde_json::json!({"podControllers": {"controllers": []}})
    );
}

/// Kyverno's tutorial: a `foreach` over the Pod's container lists with `deny` conditions, and
/// the precondition that leaves out deletions.
#[test]
fn the_tutorials_policy_migrates_and_decides_alike() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/tutorial-policy.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let analysis = kyverno_ls::analysis::analyze(&text);
    let m = migrate::migrate(&text, &analysis);
    assert_eq!(m.refused, vec![]);
    let doc = &m.migrated[0].document;
    assert_eq!(doc["kind"], "NamespacedValidatingPolicy");
    let lists = "object.spec.?ephemeralContainers.orValue([]) + object.spec.?initContainers.orValue([]) + object.spec.?containers.orValue([])";
    assert_eq!(
        doc["spec"]["matchConditions"],
        serde_json::json!([{"name": "foreach-has-elements", "expression": format!("(size({lists}) > 0)")}])
    );
    assert_eq!(
        doc["spec"]["validations"],
        serde_json::json!([{
            "expression": format!("({lists}).all(container, ('ALL' in container.?securityContext.?capabilities.?drop.orValue([]).map(x, x.upperAscii())))"),
            "message": "Containers must drop `ALL` capabilities."
        }])
    );
    assert_eq!(
        doc["spec"]["matchConstraints"]["resourceRules"][0]["operations"],
        serde_json::json!(["CREATE", "UPDATE"])
    );
    assert_eq!(
        m.migrated[0].notes,
        vec![
            "Kyverno also reads each entry of `container.?securityContext.?capabilities.?drop.orValue([]).map(x, x.upperAscii())` as a wildcard pattern (an entry `*` would count as `ALL`); the migrated policy compares them as text".to_string(),
            "Kyverno also applied the rule to ReplicationControllers; a ValidatingPolicy's autogen does not cover them".to_string(),
        ]
    );
    let proof = migrate::proof::prove_samples(&analysis, &m, &kyverno_ls::engine::Env::fixed());
    assert_eq!((proof.samples, proof.differences.len()), (5, 0));
}

#[test]
fn deny_conditions_on_resource_fields() {
    let m = migrate_text(
        "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: p\nspec:\n  rules:\n  - name: r\n    match:\n      any:\n      - resources:\n          kinds: [Pod]\n    validate:\n      message: host network\n      deny:\n        conditions:\n          any:\n          - key: \"{{ request.object.spec.hostNetwork || `false` }}\"\n            operator: Equals\n            value: true\n          - key: \"{{ request.object.spec.serviceAccountName }}\"\n            operator: AnyIn\n            value: [default, admin]\n",
    );
    assert_eq!(m.refused, vec![]);
    assert_eq!(
        m.migrated[0].document["spec"]["validations"][0]["expression"],
        "!((object.spec.?hostNetwork.orValue(false) == true) || (object.spec.serviceAccountName in ['default', 'admin']))"
    );
}

/// The README's before and after are what `migrate` prints for the tutorial's policy today.
#[test]
fn the_readme_shows_the_tutorials_migration_as_it_is() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kyverno-ls"))
        .current_dir(root)
        .args(["migrate", "examples/tutorial-policy.yaml"])
        .output()
        .unwrap();
    let after = format!("```yaml\n{}```", String::from_utf8_lossy(&out.stdout));
    assert!(
        readme.contains(&after),
        "the README's migration example is out of date"
    );
    let proof = format!("```text\n{}```", String::from_utf8_lossy(&out.stderr));
    assert!(
        readme.contains(&proof),
        "the README's proof output is out of date"
    );
}

/// A policy named through a symbolic link is proven as through its real folder: the test
/// runner reads files by their real path.
#[test]
fn the_proof_holds_through_a_symbolic_link() {
    let dir = tempfile::tempdir().unwrap();
    copy_pods_fixture(&dir.path().join("real/pods"));
    std::os::unix::fs::symlink(dir.path().join("real"), dir.path().join("link")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kyverno-ls"))
        .current_dir(dir.path())
        .args(["migrate", "--check", "link/pods/policy.yaml"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.ends_with("link/pods/.kyverno-test/kyverno-test.yaml migrated as link/pods/.kyverno-test/kyverno-test.vpol.yaml: 4/4 rows pass (the original: 4/4)\n"),
        "{err}"
    );
    assert_eq!(out.status.code(), Some(0));
}

/// A kind that is not built in (a custom resource): every resource of its group, kept by a
/// match condition on the request's kind; its fields typed by nothing, so each scalar is
/// judged for every type. Excluded subjects and operations, and the proof on the file's own
/// Certificates, one of them of another group.
#[test]
fn custom_kinds_excluded_subjects_and_operations() {
    let out = Command::new(env!("CARGO_BIN_EXE_kyverno-ls"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "migrate",
            "--check",
            "tests/fixtures/migrate/custom-kind.yaml",
        ])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "tests/fixtures/migrate/custom-kind.yaml: policy `issuer`, rule `issuer` → ValidatingPolicy `issuer`\n  \
         note: `cert-manager.io/v1/Certificate` is not one of Kubernetes' built-in kinds: the policy asks for every resource of `cert-manager.io` and keeps `Certificate` by the match condition `kinds`; where its CRD is installed, naming its plural in `resourceRules` is narrower\n\
         proof: 8 sample resources give the same verdicts before and after\n"
    );
    assert_eq!(out.status.code(), Some(0));
    let m = migrate_text(&std::fs::read_to_string(fixture("custom-kind.yaml")).unwrap());
    assert_eq!(String::from_utf8_lossy(&out.stdout), m.yaml());
    let doc = &m.migrated[0].document;
    let name = |x: &str| {
        format!(
            "type({x}) == list && {x}.all(name_item, type(name_item) == string && name_item == 'corp-issuer') || type({x}) == string && {x} == 'corp-issuer'"
        )
    };
    let kind = "object.spec.issuerRef.kind";
    assert_eq!(
        doc["spec"],
        serde_json::json!({
            "validationActions": ["Deny"],
            "matchConstraints": {"resourceRules": [{
                "apiGroups": ["cert-manager.io"], "apiVersions": ["v1"],
                "operations": ["CREATE"], "resources": ["*"]
            }]},
            "matchConditions": [
                {"name": "kinds", "expression": "request.kind.group == 'cert-manager.io' && request.kind.version == 'v1' && request.kind.kind == 'Certificate'"},
                {"name": "exclude", "expression": "!(request.userInfo.username == 'system:serviceaccount:cert-manager:cert-manager')"}
            ],
            "validations": [{
                "expression": format!(
                    "has(object.spec) && object.spec != null && type(object.spec) == map && has(object.spec.issuerRef) && object.spec.issuerRef != null && type(object.spec.issuerRef) == map && (!has({kind}) || type({kind}) == list && {kind}.all(kind_item, type(kind_item) == string && kind_item == 'ClusterIssuer') || type({kind}) == string && {kind} == 'ClusterIssuer') && has(object.spec.issuerRef.name) && ({})",
                    name("object.spec.issuerRef.name")
                ),
                "message": "Certificates must use the corporate issuer."
            }]
        })
    );
}

/// `selector` becomes the `objectSelector` and a match condition on the new object's labels;
/// an `exclude` entry with kinds and names excludes by both; roles bound to the user cannot be
/// seen by a ValidatingPolicy.
#[test]
fn selectors_excluded_kinds_and_names_and_roles() {
    let m = migrate_text(
        "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: p\nspec:\n  rules:\n  - name: r\n    match:\n      any:\n      - resources:\n          kinds: [Service]\n          selector:\n            matchLabels:\n              protected: \"true\"\n            matchExpressions:\n            - key: tier\n              operator: NotIn\n              values: [dev]\n    exclude:\n      any:\n      - resources:\n          kinds: [Service]\n          names: [default-*]\n      - subjects:\n        - kind: Group\n          name: system:masters\n    validate:\n      pattern:\n        spec:\n          type: ClusterIP\n",
    );
    assert_eq!(m.refused, vec![]);
    let spec = &m.migrated[0].document["spec"];
    assert_eq!(
        spec["matchConstraints"]["objectSelector"],
        serde_json::json!({"matchLabels": {"protected": "true"}, "matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["dev"]}]})
    );
    assert_eq!(
        spec["matchConditions"],
        serde_json::json!([
            {"name": "exclude", "expression": "!(object.metadata.name.startsWith('default-') || request.userInfo.?groups.orValue([]).exists(g, g == 'system:masters'))"},
            {"name": "selector", "expression": "object.metadata.?labels[?'protected'] == optional.of('true') && !(object.metadata.?labels[?'tier'].hasValue() && object.metadata.labels['tier'] in ['dev'])"}
        ])
    );
    let r = refusals(
        "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: p\nspec:\n  rules:\n  - name: r\n    match:\n      any:\n      - resources:\n          kinds: [Service]\n    exclude:\n      any:\n      - clusterRoles: [cluster-admin]\n    validate:\n      pattern:\n        spec:\n          type: ClusterIP\n",
    );
    assert_eq!(
        r,
        vec![(
            "r".into(),
            "exclude.clusterRoles".into(),
            "`clusterRoles` are the roles Kyverno finds bound to the user; a ValidatingPolicy cannot see them".into()
        )]
    );
}

/// `length`, `contains` and `keys` where the API's types give them one CEL meaning, as calls,
/// after a pipe and as `x.f(@)`; numbers compared as Kyverno compares them.
#[test]
fn functions_with_one_cel_meaning() {
    let m = migrate_text(
        "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: p\nspec:\n  rules:\n  - name: r\n    match:\n      any:\n      - resources:\n          kinds: [Pod]\n    preconditions:\n      all:\n      - key: \"{{ length(request.object.spec.containers) }}\"\n        operator: GreaterThan\n        value: 1\n    validate:\n      deny:\n        conditions:\n          any:\n          - key: \"{{ contains(request.object.metadata.name, 'debug') }}\"\n            operator: Equals\n            value: true\n          - key: \"{{ request.object.metadata.labels | keys(@) | contains(@, 'tmp') }}\"\n            operator: Equals\n            value: true\n          - key: \"{{ request.object.spec.nodeSelector.keys(@) | length(@) }}\"\n            operator: LessThanOrEquals\n            value: 0\n",
    );
    assert_eq!(m.refused, vec![]);
    let spec = &m.migrated[0].document["spec"];
    assert_eq!(
        spec["matchConditions"],
        serde_json::json!([{"name": "preconditions", "expression": "(size(object.spec.containers) > 1)"}])
    );
    assert_eq!(
        spec["validations"][0]["expression"],
        "!((object.metadata.name.contains('debug') == true) || ('tmp' in object.metadata.labels == true) || (size(object.spec.nodeSelector) <= 0))"
    );
    // A function over a custom resource's field, whose type is not known, is refused.
    let r = refusals(
        "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: p\nspec:\n  rules:\n  - name: r\n    match:\n      any:\n      - resources:\n          kinds: [example.com/v1/Widget]\n    validate:\n      deny:\n        conditions:\n          any:\n          - key: \"{{ contains(request.object.spec.name, 'x') }}\"\n            operator: Equals\n            value: true\n",
    );
    assert_eq!(
        r,
        vec![(
            "r".into(),
            "validate.deny.conditions.any.0.key".into(),
            "`contains(request.object.spec.name, 'x')`: `contains` of a value the API does not give as a text or a list of texts is not translated".into()
        )]
    );
}

/// `Equals` with a wildcard that only text can match compares by the wildcard; one that a
/// quantity could match (Kyverno compares such a key as a quantity) is refused.
#[test]
fn equals_with_wildcards_on_text() {
    let policy = |value: &str| {
        format!(
            "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: p\nspec:\n  rules:\n  - name: r\n    match:\n      any:\n      - resources:\n          kinds: [Pod]\n    validate:\n      deny:\n        conditions:\n          any:\n          - key: \"{{{{ request.object.spec.schedulerName }}}}\"\n            operator: Equals\n            value: \"{value}\"\n"
        )
    };
    let m = migrate_text(&policy("legacy-*"));
    assert_eq!(m.refused, vec![]);
    assert_eq!(
        m.migrated[0].document["spec"]["validations"][0]["expression"],
        "!(object.spec.schedulerName.startsWith('legacy-'))"
    );
    assert_eq!(
        refusals(&policy("1*")),
        vec![(
            "r".into(),
            "validate.deny.conditions.any.0".into(),
            "this comparison depends on how Kyverno reads the value's type; not translated yet"
                .into()
        )]
    );
}

/// The patterns and values of `custom_kind_fields_decide_as_kyverno_does`.
fn untyped_cases() -> (Vec<serde_json::Value>, Vec<serde_json::Value>) {
    use serde_json::json;
    let patterns = vec![
        json!("TLSv1_2"),
        json!("!default"),
        json!("UNSET | STRICT"),
        json!("https://x/?*"),
        json!("?*"),
        json!("!DISABLE & !OFF"),
        json!("!*"),
        json!({"a": "b"}),
        json!(["STRICT"]),
        json!([{"a": "b"}]),
        json!(true),
        json!(false),
    ];
    let values = vec![
        json!("TLSv1_2"),
        json!("default"),
        json!("STRICT"),
        json!("UNSET | STRICT"),
        json!("https://x/y"),
        json!("DISABLE"),
        json!(""),
        json!(0),
        json!(1),
        json!(1.5),
        json!(true),
        json!(false),
        json!(null),
        json!({}),
        json!({"a": "b"}),
        json!([]),
        json!(["STRICT"]),
        json!(["STRICT", 2]),
        json!([true]),
        json!([null]),
        json!([[]]),
        json!([{}]),
        json!([{"a": "b"}, {"a": "c"}]),
    ];
    (patterns, values)
}

/// A custom resource's field, which nothing types, under scalar, map and list patterns: on
/// values of every type (lists of them included), the migrated expression passes exactly where
/// Kyverno's pattern walk does, in our CEL evaluator and, where it is installed, in Google's
/// cel-cpp (`scripts/cel_oracle_eval.py`; CI requires it, as for the CEL differential test).
#[test]
fn custom_kind_fields_decide_as_kyverno_does() {
    let (patterns, values) = untyped_cases();
    let mut cases = Vec::new();
    for p in &patterns {
        let policy = serde_json::json!({
            "apiVersion": "kyverno.io/v1", "kind": "ClusterPolicy", "metadata": {"name": "p"},
            "spec": {"rules": [{"name": "r",
                "match": {"any": [{"resources": {"kinds": ["example.com/v1/Widget"]}}]},
                "validate": {"pattern": {"spec": {"f": p}}}}]}
        });
        let m = migrate_text(&policy.to_string());
        assert_eq!(m.refused, vec![], "{p}");
        let doc = &m.migrated[0].document;
        assert_eq!(
            doc["spec"]
                .get("matchConditions")
                .map(|c| c.as_array().unwrap().len()),
            Some(1),
            "{p}: only the kinds condition"
        );
        let expr = doc["spec"]["validations"][0]["expression"]
            .as_str()
            .unwrap()
            .to_string();
        for v in &values {
            let object = serde_json::json!({"spec": {"f": v}});
            let engine = kyverno_ls::engine::pattern::validate(
                &kyverno_ls::jmespath::value::Value::from_json(&object),
                &kyverno_ls::jmespath::value::Value::from_json(
                    &serde_json::json!({"spec": {"f": p}}),
                ),
            )
            .is_ok();
            let program = kyverno_ls::cel::Program::compile(&expr).unwrap();
            let mut bindings = kyverno_ls::cel::Bindings::new();
            bindings.set(
                "object",
                kyverno_ls::cel::Value::from_json(&kyverno_ls::jmespath::value::Value::from_json(
                    &object,
                )),
            );
            let ours = program.eval(&bindings, &kyverno_ls::cel::Env::fixed());
            assert_eq!(
                ours,
                Ok(kyverno_ls::cel::Value::Bool(engine)),
                "pattern {p} on {v}: {expr}"
            );
            cases.push((expr.clone(), object, engine));
        }
    }
    assert_eq!(cases.len(), 276);

    let python = std::env::var("KYVERNO_LS_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/cel_oracle_eval.py");
    let input: String = cases
        .iter()
        .map(|(expr, object, _)| {
            serde_json::json!({"expr": expr, "object": object}).to_string() + "\n"
        })
        .collect();
    let child = Command::new(&python)
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn();
    let out = child.and_then(|mut c| {
        use std::io::Write;
        // Without its oracle the script exits at once, and its status says so; the broken
        // pipe says nothing more.
        let _ = c.stdin.take().unwrap().write_all(input.as_bytes());
        c.wait_with_output()
    });
    let missing = match &out {
        Err(e) => Some(format!("{python} does not run: {e}")),
        Ok(o) if o.status.code() == Some(3) => Some("cel-expr-python is not installed".into()),
        Ok(_) => None,
    };
    if let Some(why) = missing {
        assert!(
            std::env::var("KYVERNO_LS_REQUIRE_ORACLE").as_deref() != Ok("1"),
            "the migration's check against cel-cpp needs its oracle: {why} (KYVERNO_LS_REQUIRE_ORACLE=1 forbids skipping); pip install cel-expr-python"
        );
        println!("skipped: the check against cel-cpp needs its oracle: {why}");
        return;
    }
    let out = out.unwrap();
    let lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(
        lines.len(),
        cases.len(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let disagree: Vec<String> = cases
        .iter()
        .zip(&lines)
        .filter(|((_, _, engine), line)| *line != &engine.to_string())
        .map(|((expr, object, engine), line)| {
            format!("{object}: Kyverno {engine}, cel-cpp {line}: {expr}")
        })
        .collect();
    assert_eq!(disagree, Vec::<String>::new());
    println!(
        "cel-cpp agrees on {}/{} migrated expressions and values",
        lines.len(),
        cases.len()
    );
}

/// A key that is no identifier (a label's name) is an index; under `|| ''`, an optional one.
#[test]
fn keys_that_are_no_identifiers_are_indexes() {
    let m = migrate_text(
        "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: p\nspec:\n  rules:\n  - name: r\n    match:\n      any:\n      - resources:\n          kinds: [Service]\n    preconditions:\n      all:\n      - key: \"{{ request.object.metadata.labels.\\\"app.kubernetes.io/part-of\\\" || '' }}\"\n        operator: NotEquals\n        value: monitoring\n    validate:\n      deny:\n        conditions:\n          any:\n          - key: \"{{ request.object.metadata.annotations.\\\"example.com/tier\\\" }}\"\n            operator: Equals\n            value: legacy\n",
    );
    assert_eq!(m.refused, vec![]);
    let spec = &m.migrated[0].document["spec"];
    assert_eq!(
        spec["matchConditions"],
        serde_json::json!([{"name": "preconditions", "expression": "!(object.metadata.?labels[?'app.kubernetes.io/part-of'].orValue('') == 'monitoring')"}])
    );
    assert_eq!(
        spec["validations"][0]["expression"],
        "!(object.metadata.annotations['example.com/tier'] == 'legacy')"
    );
}

/// What Kyverno reads as unwritten in `exclude` (an empty entry, an empty list) is left out as
/// Kyverno leaves it; `name` is a name; a subresource kind, and a `match` with no kinds, are
/// refused.
#[test]
fn empty_exclusions_and_names_read_as_kyverno_reads_them() {
    let spec = |exclude: &str| {
        let m = migrate_text(&format!(
            "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: p\nspec:\n  rules:\n  - name: r\n    match:\n      any:\n      - resources:\n          kinds: [Service]\n    exclude:\n{exclude}    validate:\n      pattern:\n        spec:\n          type: ClusterIP\n"
        ));
        assert_eq!(m.refused, vec![], "{exclude}");
        m.migrated[0].document["spec"]["matchConditions"].clone()
    };
    // An entry with nothing in it excludes nothing.
    assert_eq!(
        spec("      any:\n      - resources: {}\n      - subjects: []\n"),
        serde_json::Value::Null
    );
    // An empty list is no condition: every Service is excluded, so the policy never applies.
    assert_eq!(
        spec("      any:\n      - resources:\n          kinds: [Service]\n          names: []\n"),
        serde_json::json!([{"name": "exclude", "expression": "false"}])
    );
    assert_eq!(
        spec("      any:\n      - resources:\n          name: a\n          operations: [UPDATE]\n"),
        serde_json::json!([{"name": "exclude", "expression": "!(object.metadata.name == 'a' && request.operation in ['UPDATE'])"}])
    );
    let rule = |body: &str| {
        format!(
            "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: p\nspec:\n  rules:\n  - name: r\n{body}    validate:\n      pattern:\n        spec:\n          type: ClusterIP\n"
        )
    };
    assert_eq!(
        refusals(&rule(
            "    match:\n      any:\n      - resources:\n          kinds: [Pod]\n    exclude:\n      any:\n      - resources:\n          kinds: [Pod/exec]\n"
        )),
        vec![(
            "r".into(),
            "exclude.resources.kinds".into(),
            "the kind `Pod/exec` names a subresource, which is not translated yet".into()
        )]
    );
    // Kyverno rejects a `match` without kinds; so does the migration.
    assert_eq!(
        refusals(&rule(
            "    match:\n      any:\n      - resources:\n          kinds: []\n"
        )),
        vec![(
            "".into(),
            "".into(),
            "the policy has errors; fix them first, as Kyverno would not accept it".into()
        )]
    );
}
