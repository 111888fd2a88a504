use super::*;
use crate::analysis::analyze;

const POLICY: &str = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: p\nspec:\n  validationFailureAction: Audit\n  rules:\n  - name: r\n    match:\n      any:\n      - resources:\n          kinds: [Pod]\n    validate:\n      message: m\n      pattern: {}\n";

#[test]
fn hover_on_a_key_shows_its_documentation() {
    let off = POLICY.find("validationFailureAction").unwrap() + 3;
    let h = hover(POLICY, &analyze(POLICY), off).unwrap();
    assert_eq!(&POLICY[h.span.clone()], "validationFailureAction");
    assert!(
        h.markdown
            .starts_with("**`validationFailureAction`** · *string*\n\nDeprecated"),
        "{}",
        h.markdown
    );
    assert!(
        h.markdown
            .ends_with("Allowed values: `audit`, `enforce`, `Audit`, `Enforce` · Default: `Audit`"),
        "{}",
        h.markdown
    );
    let off = POLICY.find("kinds").unwrap();
    let h = hover(POLICY, &analyze(POLICY), off).unwrap();
    assert!(
        h.markdown.starts_with("**`kinds`** · *list*"),
        "{}",
        h.markdown
    );
    let off = POLICY.find("Pod").unwrap();
    let h = hover(POLICY, &analyze(POLICY), off).unwrap();
    assert_eq!(&POLICY[h.span], "Pod");
    assert!(h.markdown.starts_with("**`kinds`**"));
}

#[test]
fn hover_works_in_a_document_that_does_not_parse() {
    let t = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nspec:\n  background: [\n  rules:\n  - name: r\n    match:\n";
    let a = analyze(t);
    assert!(a.documents[0].doc.root.is_none());
    let off = t.find("match").unwrap() + 1;
    let h = hover(t, &a, off).unwrap();
    assert!(
        h.markdown
            .starts_with("**`match`** · *MatchResources object*"),
        "{}",
        h.markdown
    );
}

fn labels(text: &str, offset: usize) -> Vec<String> {
    completion(text, &analyze(text), offset)
        .into_iter()
        .map(|c| c.label)
        .collect()
}

#[test]
fn completes_rule_keys_while_typing() {
    let t = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nspec:\n  rules:\n  - name: r\n    prec\n    match: {}\n";
    let off = t.find("prec").unwrap() + 4;
    let l = labels(t, off);
    assert!(l.contains(&"preconditions".to_string()), "{l:?}");
    assert!(
        !l.contains(&"name".to_string()) && !l.contains(&"match".to_string()),
        "{l:?}"
    );
}

#[test]
fn completes_enum_values() {
    let t = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nspec:\n  validationFailureAction: \n";
    let off = t.find(": \n").unwrap() + 2;
    assert_eq!(labels(t, off), ["audit", "enforce", "Audit", "Enforce"]);
    let t = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nspec:\n  background: t\n";
    let off = t.find(" t\n").unwrap() + 2;
    assert_eq!(labels(t, off), ["true", "false"]);
}

#[test]
fn no_completion_outside_policies() {
    let t = "apiVersion: v1\nkind: Pod\nspec:\n  \n";
    assert!(labels(t, t.len() - 1).is_empty());
}

#[test]
fn symbols_of_a_policy() {
    let s = document_symbols(POLICY, &analyze(POLICY));
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].name, "p");
    assert_eq!(s[0].detail.as_deref(), Some("ClusterPolicy"));
    let r = &s[0].children[0];
    assert_eq!(
        (r.name.as_str(), r.detail.as_deref()),
        ("r", Some("validate"))
    );
    let names: Vec<&str> = r.children.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["match", "validate"]);
    assert_eq!(&POLICY[r.selection_span.clone()], "r");
}

#[test]
fn inlay_hints_cut_long_values_and_list_elements() {
    let t = r#"apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: p
spec:
  rules:
  - name: r
    match:
      any:
      - resources:
          kinds: [Pod]
    validate:
      message: "{{ request.object.spec.containers[].image }} {{ request.object.metadata.labels }}"
      foreach:
      - list: request.object.spec.containers
        deny:
          conditions:
            any:
            - key: "{{ element.name }}"
              operator: Equals
              value: "{{ divide(`1`, `0`) }}"
---
apiVersion: v1
kind: Pod
metadata:
  name: two
  labels: {app.kubernetes.io/name: web, app.kubernetes.io/part-of: shop}
spec:
  containers:
  - name: web
    image: registry.example.com/web:1.0
  - name: sidecar
    image: registry.example.com/proxy:2.3
"#;
    let a = analyze(t);
    let hints = inlay_hints(t, &a, 0..t.len());
    let shown: Vec<(&str, &str, &str)> = hints
        .iter()
        .map(|h| {
            (
                &t[h.offset - 2..h.offset],
                h.label.as_str(),
                h.tooltip.as_str(),
            )
        })
        .collect();
    assert_eq!(
        shown,
        [
            (
                "}}",
                "= [\"registry.example.com/web:1.0\",\"regist…",
                "Pod two (from this file)"
            ),
            (
                "}\"",
                "= {\"app.kubernetes.io/name\":\"web\",\"app.ku…",
                "Pod two (from this file)"
            ),
            (
                "}\"",
                "= \"web\" · \"sidecar\"",
                "Pod two (from this file)\n\nelement #0 (web): \"web\"\nelement #1 (sidecar): \"sidecar\""
            ),
            (
                "}\"",
                "= error · error",
                "Pod two (from this file)\n\nelement #0 (web): error: JMESPath function 'divide': Zero divisor passed\nelement #1 (sidecar): error: JMESPath function 'divide': Zero divisor passed"
            ),
        ]
    );
    // Only hints inside the range asked for.
    let line = t.find("- key:").unwrap();
    let hints = inlay_hints(t, &a, line..line + 40);
    assert_eq!(hints.len(), 1);
    assert_eq!(hints[0].label, "= \"web\" · \"sidecar\"");
}

#[test]
fn completion_after_a_multi_byte_character_in_an_expression() {
    // Found by the analysis fuzz target: the chain being typed was cut inside the character.
    // `é` ends the chain as `+` does, so both offer the same.
    let typed = |c: &str| {
        let t = format!("apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nx: \"{{{{ a{c}request.ob");
        labels(&t, t.len())
    };
    assert_eq!(typed("é"), typed("+"));
    assert_eq!(
        typed("é"),
        [
            "object",
            "oldObject",
            "operation",
            "namespace",
            "name",
            "kind",
            "userInfo",
            "roles",
            "clusterRoles",
            "dryRun"
        ]
    );
}

#[test]
fn signature_help_after_a_multi_byte_character() {
    // Found by the analysis fuzz target: the function name was cut inside the character.
    let help = |c: &str| {
        let t = format!("x: \"{{{{ a{c}to_upper(");
        signature_help(&t, t.len()).map(|h| h.label)
    };
    assert_eq!(help("é"), help("+"));
    assert_eq!(
        help("é").as_deref(),
        Some("to_upper(str: string) -> string")
    );
}

#[test]
fn an_inlay_hint_of_an_expression_the_checks_reject_shows_the_error() {
    // The projection over a missing list never reaches the unknown function, so evaluating
    // alone would give `[]`; Kyverno never gets that far.
    let t =
        include_str!("../../examples/tutorial-policy.yaml").replace(".to_upper(@)", ".to_uper(@)");
    let a = analyze(&t);
    let at = t.find("`[]` }}").unwrap() + "`[]` }}".len() + 1;
    let hints = inlay_hints(&t, &a, at - 1..at + 1);
    let shown: Vec<(&str, &str)> = hints
        .iter()
        .map(|h| (h.label.as_str(), h.tooltip.as_str()))
        .collect();
    assert_eq!(
        shown,
        [(
            "= error",
            "Pod hello-world (built-in sample)\n\nError: Unknown function `to_uper`. Did you mean `to_upper`?"
        )]
    );
}

const VPOL: &str = "apiVersion: policies.kyverno.io/v1\nkind: ValidatingPolicy\nmetadata:\n  name: vp\nspec:\n  validationActions:\n  - Audit\n  matchConstraints:\n    resourceRules:\n    - resources: [pods]\n      operations: [CREATE]\n  variables:\n  - name: labels\n    expression: object.metadata.labels\n  validations:\n  - expression: \"'app' in variables.labels\"\n";

#[test]
fn hover_and_completion_in_a_validating_policy() {
    let off = VPOL.find("validationActions").unwrap() + 2;
    let h = hover(VPOL, &analyze(VPOL), off).unwrap();
    assert_eq!(&VPOL[h.span.clone()], "validationActions");
    assert!(
        h.markdown
            .starts_with("**`validationActions`** · *list*\n\nWhat a failed validation does"),
        "{}",
        h.markdown
    );
    let off = VPOL.find("resources: [pods]").unwrap() + 1;
    let h = hover(VPOL, &analyze(VPOL), off).unwrap();
    assert!(
        h.markdown
            .starts_with("**`resources`** · *list*\n\nResources by their lowercase plural name"),
        "{}",
        h.markdown
    );
    // The items of `validationActions`, written as a block list.
    let t = VPOL.replace("  - Audit\n", "  - \n");
    let off = t.find("  - \n").unwrap() + 4;
    assert_eq!(labels(&t, off), ["Deny", "Audit", "Warn"]);
    // The keys of a resource rule not yet present.
    let t = VPOL.replace(
        "      operations: [CREATE]\n",
        "      operations: [CREATE]\n      sc\n",
    );
    let off = t.find("      sc\n").unwrap() + 8;
    assert_eq!(
        labels(&t, off),
        ["apiGroups", "apiVersions", "resourceNames", "scope"]
    );
    // The JMESPath helpers stay out of CEL: no expression completion after `{{`.
    let t = VPOL.replace("expression: object.metadata.labels", "expression: {{ req");
    let off = t.find("{{ req").unwrap() + 6;
    assert_eq!(labels(&t, off), Vec::<String>::new());
}

#[test]
fn symbols_of_a_validating_policy() {
    let s = document_symbols(VPOL, &analyze(VPOL));
    assert_eq!(s.len(), 1);
    assert_eq!(
        (s[0].name.as_str(), s[0].detail.as_deref()),
        ("vp", Some("ValidatingPolicy"))
    );
    let sections: Vec<(&str, Vec<&str>)> = s[0]
        .children
        .iter()
        .map(|c| {
            (
                c.name.as_str(),
                c.children.iter().map(|v| v.name.as_str()).collect(),
            )
        })
        .collect();
    assert_eq!(
        sections,
        [
            ("validationActions", vec![]),
            ("matchConstraints", vec![]),
            ("variables", vec!["labels"]),
            ("validations", vec![]),
        ]
    );
    let labels = &s[0].children[2].children[0];
    assert_eq!(&VPOL[labels.selection_span.clone()], "labels");
    assert!(s[0].children.iter().all(|c| c.kind == SymbolKind::Section));
}

/// A ValidatingPolicy with a same-file Deployment: the values come from the autogen variant
/// the verdict used (`object.spec` is the Pod template's spec).
const CEL_POLICY: &str = r#"apiVersion: policies.kyverno.io/v1
kind: ValidatingPolicy
metadata:
  name: images
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: [""]
      apiVersions: [v1]
      operations: [CREATE]
      resources: [pods]
  matchConditions:
  - name: has-containers
    expression: has(object.spec.containers)
  variables:
  - name: images
    expression: >-
      object.spec.containers.map(c, c.image)
  validations:
  - expression: "variables.images.all(i, i.startsWith('registry.example.com/'))"
    message: use the company registry
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  template:
    spec:
      containers:
      - name: web
        image: registry.example.com/web:1.0
      - name: sidecar
        image: docker.io/proxy:2.3
"#;

#[test]
fn cel_values_on_hover_and_as_inlay_hints() {
    let t = CEL_POLICY;
    let a = analyze(t);
    let at = t.find("object.spec.containers.map").unwrap() + 3;
    let h = hover(t, &a, at).unwrap();
    assert_eq!(
        h.markdown,
        "**`Deployment web`** (from this file)\n\n```json\n[\n  \"registry.example.com/web:1.0\",\n  \"docker.io/proxy:2.3\"\n]\n```"
    );
    let hints = inlay_hints(t, &a, 0..t.len());
    let shown: Vec<(&str, &str)> = hints
        .iter()
        .map(|h| (&t[h.offset - 6..h.offset], h.label.as_str()))
        .collect();
    assert_eq!(
        shown,
        [
            ("iners)", "= true"),
            ("image)", "= [\"registry.example.com/web:1.0\",\"docker…"),
            ("m/'))\"", "= false"),
        ]
    );
}
