use super::{DocKind, classify};
use crate::analysis::analyze;

fn codes(text: &str) -> Vec<(&'static str, String, String)> {
    analyze(text)
        .diagnostics
        .into_iter()
        .map(|d| (d.code, text[d.span.clone()].to_string(), d.message))
        .collect()
}

const HEAD: &str = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: p\nspec:\n";

#[test]
fn valid_policy_is_clean() {
    let t = format!(
        "{HEAD}  rules:\n  - name: r\n    match:\n      any:\n      - resources:\n          kinds: [Pod]\n    validate:\n      failureAction: Audit\n      message: m\n      pattern:\n        spec: {{}}\n"
    );
    assert_eq!(codes(&t), vec![]);
}

#[test]
fn policy_wide_failure_action_is_deprecated() {
    let t = format!(
        "{HEAD}  validationFailureAction: Audit\n  validationFailureActionOverrides: []\n  rules:\n  - name: r\n    match:\n      any:\n      - resources:\n          kinds: [Pod]\n    validate:\n      message: m\n      pattern:\n        spec: {{}}\n"
    );
    let d = analyze(&t).diagnostics;
    assert!(
        d.iter()
            .all(|d| d.tags == vec![crate::diag::DiagTag::Deprecated])
    );
    assert_eq!(
        codes(&t),
        vec![
            ("deprecated", "validationFailureAction".to_string(), "`spec.validationFailureAction` is deprecated: set `validate.failureAction` in each rule instead.".to_string()),
            ("deprecated", "validationFailureActionOverrides".to_string(), "`spec.validationFailureActionOverrides` is deprecated: set `validate.failureActionOverrides` in each rule instead.".to_string()),
        ]
    );
}

#[test]
fn unknown_field_suggests() {
    let t = format!(
        "{HEAD}  rules:\n  - name: r\n    precondition: {{}}\n    match:\n      any:\n      - resources:\n          kinds: [Pod]\n    validate:\n      deny: {{}}\n"
    );
    let c = codes(&t);
    assert_eq!(c[0].0, "unknown-field");
    assert_eq!(c[0].1, "precondition");
    assert_eq!(
        c[0].2,
        "Unknown field `precondition` in spec.rules[0]. Did you mean `preconditions`?"
    );
}

#[test]
fn policy_names_follow_kubernetes_and_kyverno() {
    let body = "spec:\n  rules:\n  - name: r\n    match:\n      any:\n      - resources:\n          kinds: [ConfigMap]\n    validate:\n      message: m\n      pattern:\n        metadata: {}\n";
    let doc = |kind: &str, meta: &str| {
        format!("apiVersion: kyverno.io/v1\nkind: {kind}\nmetadata:\n{meta}{body}")
    };
    // Dots are fine in a policy name (a subdomain), and 63 characters is the most Kyverno takes.
    let ok = format!("  name: team.{}\n", "a".repeat(58));
    assert_eq!(codes(&doc("ClusterPolicy", &ok)), vec![]);
    assert_eq!(
        codes(&doc("Policy", "  generateName: p-\n  namespace: team-a\n")),
        vec![]
    );
    let long = format!("  name: team.{}\n", "a".repeat(59));
    assert_eq!(codes(&doc("ClusterPolicy", &long))[0].0, "invalid-name");
    let c = codes(&doc("Policy", "  name: p\n  namespace: ${NAMESPACE}\n"));
    assert_eq!(
        c,
        vec![(
            "invalid-name",
            "${NAMESPACE}".to_string(),
            "`${NAMESPACE}` is a placeholder: replace it with the name of the namespace the policy belongs to, such as `default`.".to_string()
        )]
    );
    let c = codes(&doc(
        "Policy",
        &format!("  name: p\n  namespace: {}\n", "a".repeat(64)),
    ));
    assert_eq!(c[0].0, "invalid-name");
    assert!(c[0].2.ends_with("it is 64 characters long, and a namespace name has at most 63. For example: `aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa`."), "{}", c[0].2);
}

#[test]
fn cel_kinds_get_the_schema_and_nothing_of_clusterpolicy() {
    // `{{ }}` in a message, a `pattern`-like key and a missing name would all be findings in a
    // ClusterPolicy; a ValidatingPolicy is CEL and gets only its schema.
    let t = "apiVersion: policies.kyverno.io/v1\nkind: ValidatingPolicy\nspec:\n  matchConstraints:\n    resourceRules:\n    - resources: [pods]\n  validations:\n  - expression: \"true\"\n    message: \"{{ request.object.metadata.name | }}\"\n  validationActions: [Enforce]\n";
    assert_eq!(
        codes(t),
        vec![(
            "invalid-enum",
            "Enforce".to_string(),
            "Invalid value `Enforce` for spec.validationActions[0]: expected `Deny`, `Audit` or `Warn`.".to_string()
        )]
    );
    let root = crate::yaml::parse(t, &crate::yaml::Limits::default())[0]
        .root
        .clone()
        .unwrap();
    let kind = classify(&root);
    assert_eq!(
        kind,
        DocKind::Policy(
            crate::policy::PolicyKind::ValidatingPolicy,
            crate::policy::ApiVersion::PoliciesV1
        )
    );
    assert_eq!(kind.family(), Some(crate::policy::PolicyFamily::Cel));
    assert!(!kind.is_jmespath_policy());
    // It is simulated as one rule; its resource rule names no group, version or operation,
    // so no built-in sample matches it.
    let valid = analyze(&t.replace("[Enforce]", "[Deny]"));
    assert_eq!(valid.diagnostics, vec![]);
    assert_eq!(valid.simulation.len(), 1);
    assert!(valid.simulation[0].results.is_empty());
}

#[test]
fn a_kind_in_the_wrong_group_or_version_names_where_kyverno_serves_it() {
    let doc = |api: &str, kind: &str| format!("apiVersion: {api}\nkind: {kind}\nspec: {{}}\n");
    let first = |t: &str| {
        codes(t)
            .into_iter()
            .find(|(code, _, _)| *code == "unknown-api-version")
    };
    assert_eq!(
        first(&doc("kyverno.io/v1", "ValidatingPolicy")),
        Some((
            "unknown-api-version",
            "kyverno.io/v1".to_string(),
            "Kyverno serves ValidatingPolicy as `policies.kyverno.io/v1`, `policies.kyverno.io/v1beta1` or `policies.kyverno.io/v1alpha1`, not `kyverno.io/v1`.".to_string()
        ))
    );
    assert_eq!(
        first(&doc("kyverno.io/v1", "PolicyException")),
        Some((
            "unknown-api-version",
            "kyverno.io/v1".to_string(),
            "Kyverno serves PolicyException as `kyverno.io/v2` or `kyverno.io/v2beta1`, not `kyverno.io/v1`.".to_string()
        ))
    );
    // Served, as a kind of each group; and another group's kinds are none of our business.
    assert_eq!(
        first(&doc("policies.kyverno.io/v1", "PolicyException")),
        None
    );
    assert_eq!(first(&doc("kyverno.io/v2", "PolicyException")), None);
    assert_eq!(first(&doc("example.com/v1", "ClusterPolicy")), None);
    assert_eq!(
        first(&doc("reports.kyverno.io/v1", "ValidatingPolicy")),
        None
    );
}
