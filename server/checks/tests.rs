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
        "{HEAD}  validationFailureAction: Audit\n  rules:\n  - name: r\n    match:\n      any:\n      - resources:\n          kinds: [Pod]\n    validate:\n      message: m\n      pattern:\n        spec: {{}}\n"
    );
    assert_eq!(codes(&t), vec![]);
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
