//! Unit tests of the policy model and its schema rendering.

use serde_json::{Value, json};

use super::*;

/// A realistic policy in the style of the Kyverno "drop all capabilities" sample.
fn drop_all_capabilities() -> Value {
    json!({
        "apiVersion": "kyverno.io/v1",
        "kind": "ClusterPolicy",
        "metadata": {
            "name": "require-drop-all",
            "annotations": {
                "policies.kyverno.io/title": "Drop All Capabilities",
                "policies.kyverno.io/severity": "medium"
            }
        },
        "spec": {
            "validationFailureAction": "Enforce",
            "background": true,
            "rules": [
                {
                    "name": "require-drop-all",
                    "match": {
                        "any": [
                            {"resources": {"kinds": ["Pod"], "operations": ["CREATE", "UPDATE"]}}
                        ]
                    },
                    "exclude": {
                        "any": [{"resources": {"namespaces": ["kube-system"]}}]
                    },
                    "preconditions": {
                        "all": [
                            {
                                "key": "{{ request.operation || 'BACKGROUND' }}",
                                "operator": "NotEquals",
                                "value": "DELETE"
                            }
                        ]
                    },
                    "validate": {
                        "message": "Containers must drop `ALL` capabilities.",
                        "pattern": {
                            "spec": {
                                "containers": [
                                    {"securityContext": {"capabilities": {"drop": ["ALL"]}}}
                                ]
                            }
                        }
                    }
                },
                {
                    "name": "require-drop-all-foreach",
                    "match": {"all": [{"resources": {"kinds": ["Pod"]}}]},
                    "validate": {
                        "failureAction": "Audit",
                        "message": "Every container must drop `ALL` capabilities.",
                        "foreach": [
                            {
                                "list": "request.object.spec.[ephemeralContainers, initContainers, containers][]",
                                "preconditions": {
                                    "any": [{"key": "{{ element.name }}", "operator": "NotIn", "value": ["istio-proxy"]}]
                                },
                                "deny": {
                                    "conditions": {
                                        "all": [
                                            {
                                                "key": "ALL",
                                                "operator": "AnyNotIn",
                                                "value": "{{ element.securityContext.capabilities.drop[].to_upper(@) || `[]` }}"
                                            }
                                        ]
                                    }
                                }
                            }
                        ]
                    }
                }
            ]
        }
    })
}

#[test]
fn realistic_cluster_policy_deserializes() {
    let doc = drop_all_capabilities();
    let policy: v1::ClusterPolicy = serde_json::from_value(doc.clone()).expect("valid policy");

    assert_eq!(policy.api_version, Some(meta::V1ApiVersion::V1));
    assert_eq!(policy.kind, Some(meta::ClusterPolicyKind::ClusterPolicy));
    let metadata = policy.metadata.as_ref().unwrap();
    assert_eq!(metadata.name.as_deref(), Some("require-drop-all"));
    assert_eq!(
        policy.spec.validation_failure_action,
        Some(v1::ValidationFailureAction::Enforce)
    );
    assert!(policy.spec.validation_failure_action.unwrap().is_enforce());
    assert_eq!(policy.spec.background, Some(true));

    let rules = policy.spec.rules.as_ref().unwrap();
    assert_eq!(rules.len(), 2);
    let rule = &rules[0];
    assert_eq!(rule.name, "require-drop-all");
    let any = rule.r#match.any.as_ref().unwrap();
    let resources = any[0].resources.as_ref().unwrap();
    assert_eq!(resources.kinds.as_deref(), Some(&["Pod".to_string()][..]));
    assert_eq!(
        resources.operations.as_deref(),
        Some(&[v1::Operation::Create, v1::Operation::Update][..])
    );
    // v1 preconditions are free-form (the legacy plain-list form is also accepted).
    assert_eq!(
        rule.preconditions.as_ref().unwrap()["all"][0]["operator"],
        "NotEquals"
    );
    let validate = rule.validate.as_ref().unwrap();
    assert_eq!(
        validate.pattern.as_ref().unwrap()["spec"]["containers"][0]["securityContext"]["capabilities"]
            ["drop"][0],
        "ALL"
    );

    let foreach = &rules[1]
        .validate
        .as_ref()
        .unwrap()
        .foreach
        .as_ref()
        .unwrap()[0];
    let pre = foreach.preconditions.as_ref().unwrap();
    assert_eq!(
        pre.any.as_ref().unwrap()[0].operator,
        Some(v1::ConditionOperator::NotIn)
    );
    assert!(foreach.deny.as_ref().unwrap().conditions.is_some());

    // Serializing gives the document back (absent fields stay absent).
    assert_eq!(serde_json::to_value(&policy).unwrap(), doc);
}

#[test]
fn v2beta1_policy_has_structured_preconditions() {
    let mut doc = drop_all_capabilities();
    doc["apiVersion"] = json!("kyverno.io/v2beta1");
    doc["kind"] = json!("Policy");
    doc["metadata"]["namespace"] = json!("team-a");
    let policy: v2beta1::Policy = serde_json::from_value(doc).expect("valid policy");
    let rule = &policy.spec.rules.as_ref().unwrap()[0];
    let all = rule.preconditions.as_ref().unwrap().all.as_ref().unwrap();
    assert_eq!(
        all[0].operator,
        Some(v2beta1::RuleConditionOperator::NotEquals)
    );
    assert_eq!(all[0].value, Some(json!("DELETE")));
}

#[test]
fn unknown_fields_and_wrong_tags_are_rejected() {
    let mut doc = drop_all_capabilities();
    doc["spec"]["rules"][0]["mtach"] = json!({});
    let err = serde_json::from_value::<v1::ClusterPolicy>(doc).unwrap_err();
    assert!(err.to_string().contains("mtach"), "{err}");

    let mut doc = drop_all_capabilities();
    doc["apiVersion"] = json!("kyverno.io/v2beta1");
    assert!(serde_json::from_value::<v1::ClusterPolicy>(doc).is_err());

    let mut doc = drop_all_capabilities();
    doc["kind"] = json!("Policy");
    assert!(serde_json::from_value::<v1::ClusterPolicy>(doc).is_err());

    // v2beta1 rule-level conditions do not accept the deprecated `In` operator.
    let mut doc = drop_all_capabilities();
    doc["apiVersion"] = json!("kyverno.io/v2beta1");
    doc["spec"]["rules"][0]["preconditions"]["all"][0]["operator"] = json!("In");
    assert!(serde_json::from_value::<v2beta1::ClusterPolicy>(doc).is_err());
}

#[test]
fn null_is_treated_as_absent() {
    let doc = json!({
        "spec": {"rules": null, "background": null, "webhookConfiguration": null},
        "metadata": null
    });
    let policy: v1::ClusterPolicy = serde_json::from_value(doc).unwrap();
    assert!(policy.spec.rules.is_none());
    assert!(policy.metadata.is_none());
}

/// Follows a `$ref` of `schema` into `root`'s `$defs`.
fn resolve<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => &root["$defs"][r.strip_prefix("#/$defs/").unwrap()],
        None => schema,
    }
}

#[test]
fn validation_failure_action_renders_as_plain_string_enum() {
    let schema = json_schema(PolicyKind::ClusterPolicy, ApiVersion::V1).unwrap();
    let spec = resolve(&schema, &schema["properties"]["spec"]);
    let prop = &spec["properties"]["validationFailureAction"];
    assert_eq!(prop["type"], "string");
    assert_eq!(
        prop["enum"],
        json!(["audit", "enforce", "Audit", "Enforce"])
    );
    let description = prop["description"].as_str().unwrap();
    assert!(description.contains("Enforce"), "{description}");
    let keys: Vec<&str> = prop
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["type", "enum", "description", "default"]);
}

#[test]
fn schema_shape() {
    for (kind, version) in PolicyKind::all_served() {
        let schema = json_schema(kind, version).unwrap();
        assert_eq!(
            schema["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
        assert_eq!(
            schema["properties"]["apiVersion"]["enum"],
            json!([version.as_str()])
        );
        assert_eq!(schema["properties"]["kind"]["enum"], json!([kind.as_str()]));
        assert_eq!(schema["title"], kind.as_str());
        assert_eq!(schema["required"], json!(["spec"]));
        assert_eq!(schema["additionalProperties"], json!(false));
        // Free-form subtrees carry no type constraint. The PolicyExceptions, the bindings
        // and MutatingAdmissionPolicy have no status.
        let no_status = ["PolicyException", "MutatingAdmissionPolicy"].contains(&kind.as_str())
            || kind.as_str().ends_with("Binding");
        if no_status {
            assert_eq!(schema["properties"].get("status"), None);
        } else {
            assert_eq!(
                schema["properties"]["status"]
                    .as_object()
                    .unwrap()
                    .keys()
                    .collect::<Vec<_>>(),
                ["description"]
            );
        }
        // Optional fields are not "T or null", enums are never `oneOf`/`const`.
        let text = serde_json::to_string(&schema).unwrap();
        assert!(
            !text.contains("\"null\""),
            "{kind:?} {version:?} mentions null"
        );
        assert!(
            !text.contains("\"const\""),
            "{kind:?} {version:?} uses const"
        );
    }
}

#[test]
fn unserved_versions_have_no_schema() {
    assert_eq!(
        json_schema(PolicyKind::ClusterPolicy, ApiVersion::PoliciesV1),
        None
    );
    assert_eq!(
        json_schema(PolicyKind::ValidatingPolicy, ApiVersion::V1),
        None
    );
    // The namespaced CEL kinds came after v1alpha1.
    assert_eq!(
        json_schema(
            PolicyKind::NamespacedValidatingPolicy,
            ApiVersion::PoliciesV1alpha1
        ),
        None
    );
}

#[test]
fn all_schemas_names() {
    let names: Vec<String> = all_schemas().into_iter().map(|(name, _)| name).collect();
    assert_eq!(
        names,
        [
            "clusterpolicy-v1.json",
            "clusterpolicy-v2beta1.json",
            "policy-v1.json",
            "policy-v2beta1.json",
            "validatingpolicy-v1.json",
            "validatingpolicy-v1beta1.json",
            "validatingpolicy-v1alpha1.json",
            "namespacedvalidatingpolicy-v1.json",
            "namespacedvalidatingpolicy-v1beta1.json",
            "policyexception-v1.json",
            "policyexception-v1beta1.json",
            "policyexception-v1alpha1.json",
            "mutatingpolicy-v1.json",
            "mutatingpolicy-v1beta1.json",
            "mutatingpolicy-v1alpha1.json",
            "namespacedmutatingpolicy-v1.json",
            "namespacedmutatingpolicy-v1beta1.json",
            "generatingpolicy-v1.json",
            "generatingpolicy-v1beta1.json",
            "generatingpolicy-v1alpha1.json",
            "namespacedgeneratingpolicy-v1.json",
            "namespacedgeneratingpolicy-v1beta1.json",
            "deletingpolicy-v1.json",
            "deletingpolicy-v1beta1.json",
            "deletingpolicy-v1alpha1.json",
            "namespaceddeletingpolicy-v1.json",
            "namespaceddeletingpolicy-v1beta1.json",
            "imagevalidatingpolicy-v1.json",
            "imagevalidatingpolicy-v1beta1.json",
            "imagevalidatingpolicy-v1alpha1.json",
            "namespacedimagevalidatingpolicy-v1.json",
            "namespacedimagevalidatingpolicy-v1beta1.json",
            "policyexception-v2.json",
            "policyexception-v2beta1.json",
            "cleanuppolicy-v2.json",
            "cleanuppolicy-v2beta1.json",
            "clustercleanuppolicy-v2.json",
            "clustercleanuppolicy-v2beta1.json",
            "globalcontextentry-v2.json",
            "globalcontextentry-v2beta1.json",
            "globalcontextentry-v2alpha1.json",
            "validatingadmissionpolicy-v1.json",
            "validatingadmissionpolicybinding-v1.json",
            "mutatingadmissionpolicy-v1.json",
            "mutatingadmissionpolicybinding-v1.json",
        ]
    );
}

#[test]
fn kind_and_version_round_trip() {
    for kind in PolicyKind::ALL {
        assert_eq!(
            PolicyKind::from_kind(kind.as_str(), kind.group()),
            Some(kind)
        );
    }
    for version in ApiVersion::ALL {
        assert_eq!(
            ApiVersion::from_api_version(version.as_str()),
            Some(version)
        );
    }
    assert_eq!(ApiVersion::V1.as_str(), "kyverno.io/v1");
    assert_eq!(ApiVersion::PoliciesV1alpha1.group(), "policies.kyverno.io");
    assert_eq!(ApiVersion::PoliciesV1alpha1.version(), "v1alpha1");
    assert_eq!(PolicyKind::from_kind("clusterpolicy", "kyverno.io"), None);
    assert_eq!(
        PolicyKind::from_kind("ClusterPolicy", "policies.kyverno.io"),
        None
    );
    assert_eq!(ApiVersion::from_api_version("kyverno.io/v3"), None);
}

#[test]
fn served_pairs_and_families() {
    assert_eq!(
        PolicyKind::served("policies.kyverno.io/v1alpha1", "ValidatingPolicy"),
        Some((PolicyKind::ValidatingPolicy, ApiVersion::PoliciesV1alpha1))
    );
    assert_eq!(
        PolicyKind::served("policies.kyverno.io/v1alpha1", "NamespacedValidatingPolicy"),
        None
    );
    assert_eq!(
        PolicyKind::served("kyverno.io/v1", "ValidatingPolicy"),
        None
    );
    assert_eq!(
        PolicyKind::served("kyverno.io/v2beta1", "Policy"),
        Some((PolicyKind::Policy, ApiVersion::V2beta1))
    );
    let jmespath: Vec<&str> = PolicyKind::ALL
        .iter()
        .filter(|k| k.family() == PolicyFamily::Jmespath)
        .map(|k| k.as_str())
        .collect();
    assert_eq!(jmespath, ["ClusterPolicy", "Policy"]);
    // Namespaced: Policy, the Namespaced* kinds, both PolicyExceptions and CleanupPolicy.
    for kind in PolicyKind::ALL {
        let name = kind.as_str();
        let namespaced = ["Policy", "PolicyException", "CleanupPolicy"].contains(&name)
            || name.starts_with("Namespaced");
        assert_eq!(kind.is_namespaced(), namespaced, "{name}");
        // The namespaced `policies.kyverno.io` kinds came after v1alpha1.
        let alpha = kind.versions().contains(&ApiVersion::PoliciesV1alpha1);
        assert_eq!(
            alpha,
            kind.group() == "policies.kyverno.io" && !name.starts_with("Namespaced"),
            "{name}"
        );
    }
    // `PolicyException` names a kind in both groups; only the CEL one is modelled so far.
    assert_eq!(
        PolicyKind::served("policies.kyverno.io/v1beta1", "PolicyException"),
        Some((PolicyKind::CelPolicyException, ApiVersion::PoliciesV1beta1))
    );
    assert_eq!(
        PolicyKind::served("kyverno.io/v2", "PolicyException"),
        Some((PolicyKind::PolicyException, ApiVersion::V2))
    );
    assert_eq!(
        PolicyKind::GlobalContextEntry.family(),
        PolicyFamily::Auxiliary
    );
}

/// A ValidatingPolicy from the Kyverno policy library's style, with every section of the spec.
fn require_labels() -> Value {
    json!({
        "apiVersion": "policies.kyverno.io/v1",
        "kind": "ValidatingPolicy",
        "metadata": {"name": "require-labels"},
        "spec": {
            "validationActions": ["Audit", "Warn"],
            "failurePolicy": "Ignore",
            "evaluation": {"background": {"enabled": false}, "mode": "Kubernetes"},
            "autogen": {"podControllers": {"controllers": []}},
            "webhookConfiguration": {"timeoutSeconds": 15},
            "matchConstraints": {
                "resourceRules": [{
                    "apiGroups": [""],
                    "apiVersions": ["v1"],
                    "operations": ["CREATE", "UPDATE"],
                    "resources": ["pods"]
                }],
                "namespaceSelector": {"matchLabels": {"team": "a"}}
            },
            "matchConditions": [{"name": "not-dry-run", "expression": "!request.dryRun"}],
            "variables": [{"name": "labels", "expression": "object.metadata.?labels.orValue({})"}],
            "validations": [{
                "expression": "'app' in variables.labels",
                "messageExpression": "'missing app label on ' + object.metadata.name"
            }],
            "auditAnnotations": [{"key": "checked", "valueExpression": "'yes'"}]
        }
    })
}

#[test]
fn realistic_validating_policy_deserializes() {
    let doc = require_labels();
    let policy: validating::v1::ValidatingPolicy =
        serde_json::from_value(doc.clone()).expect("valid policy");
    let spec = &policy.spec;
    assert_eq!(
        spec.validation_actions.as_deref(),
        Some(&[cel::ValidationAction::Audit, cel::ValidationAction::Warn][..])
    );
    assert_eq!(spec.failure_policy, Some(common::FailurePolicy::Ignore));
    let rule = &spec
        .match_constraints
        .as_ref()
        .unwrap()
        .resource_rules
        .as_ref()
        .unwrap()[0];
    assert_eq!(rule.resources.as_deref(), Some(&["pods".to_string()][..]));
    assert_eq!(spec.validations.as_ref().unwrap()[0].message, None);
    // Serializing gives the document back (absent fields stay absent).
    assert_eq!(serde_json::to_value(&policy).unwrap(), doc);

    // The same spec in the deprecated version and the namespaced twin.
    let mut doc = require_labels();
    doc["apiVersion"] = json!("policies.kyverno.io/v1alpha1");
    serde_json::from_value::<validating::v1alpha1::ValidatingPolicy>(doc).unwrap();
    let mut doc = require_labels();
    doc["apiVersion"] = json!("policies.kyverno.io/v1beta1");
    doc["kind"] = json!("NamespacedValidatingPolicy");
    doc["metadata"]["namespace"] = json!("team-a");
    serde_json::from_value::<validating::v1beta1::NamespacedValidatingPolicy>(doc).unwrap();
}

#[test]
fn validating_policy_rejects_typos_and_unknown_actions() {
    let mut doc = require_labels();
    doc["spec"]["validationActionz"] = json!(["Deny"]);
    let err = serde_json::from_value::<validating::v1::ValidatingPolicy>(doc).unwrap_err();
    assert!(err.to_string().contains("validationActionz"), "{err}");

    let mut doc = require_labels();
    doc["spec"]["validationActions"] = json!(["Enforce"]);
    assert!(serde_json::from_value::<validating::v1::ValidatingPolicy>(doc).is_err());

    let mut doc = require_labels();
    doc["kind"] = json!("NamespacedValidatingPolicy");
    assert!(serde_json::from_value::<validating::v1::ValidatingPolicy>(doc).is_err());
}

#[test]
fn cel_policy_exception_deserializes() {
    let doc = json!({
        "apiVersion": "policies.kyverno.io/v1",
        "kind": "PolicyException",
        "metadata": {"name": "allow-debug", "namespace": "team-a"},
        "spec": {
            "policyRefs": [{"name": "disallow-latest-tag", "kind": "ValidatingPolicy"}],
            "matchConditions": [{"name": "debug", "expression": "object.metadata.name == 'debug'"}],
            "images": ["busybox:latest"],
            "reportResult": "pass",
            "expiresAt": "2026-05-01T00:00:00Z",
            "properties": {"ticket": "OPS-1"}
        }
    });
    let e: cel_exception::v1::PolicyException = serde_json::from_value(doc.clone()).unwrap();
    assert_eq!(
        e.spec.report_result,
        Some(cel_exception::ReportResult::Pass)
    );
    assert_eq!(e.spec.policy_refs[0].kind, "ValidatingPolicy");
    assert_eq!(serde_json::to_value(&e).unwrap(), doc);
    let mut bad = doc.clone();
    bad["status"] = json!({});
    assert!(serde_json::from_value::<cel_exception::v1::PolicyException>(bad).is_err());
    let mut bad = doc;
    bad["spec"]["reportResult"] = json!("Skip");
    assert!(serde_json::from_value::<cel_exception::v1::PolicyException>(bad).is_err());
}

#[test]
fn mutating_generating_deleting_policies_deserialize() {
    let mpol = json!({
        "apiVersion": "policies.kyverno.io/v1alpha1",
        "kind": "MutatingPolicy",
        "metadata": {"name": "add-team-label"},
        "spec": {
            "matchConstraints": {"resourceRules": [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["pods"]}]},
            "mutations": [{"patchType": "ApplyConfiguration", "applyConfiguration": {"expression": "Object{metadata: Object.metadata{labels: {'team': 'a'}}}"}}],
            "evaluation": {"mutateExisting": {"enabled": true}, "skipBackgroundRequests": false},
            "targetMatchConstraints": {"expression": "[object]"},
            "autogen": {"mutatingAdmissionPolicy": {"enabled": false}}
        }
    });
    let p: mutating::v1alpha1::MutatingPolicy = serde_json::from_value(mpol.clone()).unwrap();
    assert_eq!(
        p.spec.mutations.as_ref().unwrap()[0].patch_type,
        "ApplyConfiguration"
    );
    assert_eq!(serde_json::to_value(&p).unwrap(), mpol);

    let gpol = json!({
        "apiVersion": "policies.kyverno.io/v1",
        "kind": "NamespacedGeneratingPolicy",
        "metadata": {"name": "default-cm", "namespace": "team-a"},
        "spec": {
            "generate": [{"template": {"value": "apiVersion: v1\nkind: ConfigMap\n", "interpolate": "cel"}}],
            "evaluation": {"synchronize": {"enabled": true}}
        }
    });
    let p: generating::v1::NamespacedGeneratingPolicy =
        serde_json::from_value(gpol.clone()).unwrap();
    assert_eq!(
        p.spec.generate[0].template.as_ref().unwrap().interpolate,
        Some(generating::Interpolate::Cel)
    );
    assert_eq!(serde_json::to_value(&p).unwrap(), gpol);

    let dpol = json!({
        "apiVersion": "policies.kyverno.io/v1beta1",
        "kind": "DeletingPolicy",
        "metadata": {"name": "cleanup"},
        "spec": {"schedule": "0 * * * *", "deletionPropagationPolicy": "Orphan"}
    });
    let p: deleting::v1beta1::DeletingPolicy = serde_json::from_value(dpol.clone()).unwrap();
    assert_eq!(
        p.spec.deletion_propagation_policy,
        Some(deleting::DeletionPropagation::Orphan)
    );
    assert_eq!(serde_json::to_value(&p).unwrap(), dpol);
    let mut bad = dpol;
    bad["spec"]["schedule"] = json!(null);
    assert!(serde_json::from_value::<deleting::v1beta1::DeletingPolicy>(bad).is_err());
}
