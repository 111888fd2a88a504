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
fn outside_policies_only_a_known_kinds_fields_complete() {
    // A Pod (a sample resource): the fields of its spec.
    let t = "apiVersion: v1\nkind: Pod\nspec:\n  \n";
    let l = labels(t, t.len() - 1);
    assert!(
        l.contains(&"containers".to_string()) && l.contains(&"hostNetwork".to_string()),
        "{l:?}"
    );
    // A document of no known kind: nothing.
    let t = "apiVersion: example.com/v1\nkind: Gadget\nspec:\n  \n";
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
        signature_help(&t, &analyze(&t), t.len()).map(|h| h.label)
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
    // The value of the whole expression, then the docs of the root under the cursor.
    assert_eq!(
        h.markdown,
        "**`Deployment web`** (from this file)\n\n```json\n[\n  \"registry.example.com/web:1.0\",\n  \"docker.io/proxy:2.3\"\n]\n```\n\n---\n\n**`object`** · *dyn*\n\nThe resource in the request as it would be stored; `null` on DELETE (use `oldObject`)."
    );
    assert_eq!(&t[h.span], "object");
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

#[test]
fn jmespath_values_come_from_the_rule_kyverno_evaluates() {
    let t = "apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: cp
spec:
  rules:
  - name: names
    match:
      any:
      - resources:
          kinds: [Pod]
    validate:
      message: \"first is {{ request.object.spec.containers[0].name }}\"
      foreach:
      - list: request.object.spec.containers
        deny:
          conditions:
            any:
            - key: \"{{ element.image }}\"
              operator: Equals
              value: nginx
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
      - name: a
        image: nginx
      - name: b
        image: busybox
";
    let a = analyze(t);
    // For the Deployment, Kyverno runs the autogen rule: `request.object.spec` is the Pod
    // template's, in the message as in the foreach list.
    let at = t.find("containers[0]").unwrap();
    let h = hover(t, &a, at).unwrap();
    assert_eq!(
        h.markdown,
        "**`Deployment web`** (from this file)\n\n```json\n\"a\"\n```"
    );
    let at = t.find("element.image").unwrap() + 2;
    let h = hover(t, &a, at).unwrap();
    assert_eq!(
        h.markdown,
        "**`Deployment web`** (from this file)\n\n```text\nelement #0 (a): \"nginx\"\nelement #1 (b): \"busybox\"\n```"
    );
}

#[test]
fn validate_cel_values_come_from_the_rule_kyverno_evaluates() {
    let t = "apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: cp
spec:
  rules:
  - name: replicas
    match:
      any:
      - resources:
          kinds: [Pod]
    validate:
      cel:
        variables:
        - name: names
          expression: object.spec.containers.map(c, c.name)
        expressions:
        - expression: variables.names.size() < 2
          message: too many
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
      - name: a
        image: nginx
      - name: b
        image: nginx
";
    let a = analyze(t);
    // The Deployment meets the autogen rule, whose `object.spec` is the Pod template's.
    let at = t.find("c.name").unwrap();
    let h = hover(t, &a, at).unwrap();
    assert!(
        h.markdown.starts_with(
            "**`Deployment web`** (from this file)\n\n```json\n[\n  \"a\",\n  \"b\"\n]\n```"
        ),
        "{}",
        h.markdown
    );
    let hints = inlay_hints(t, &a, 0..t.len());
    let shown: Vec<(&str, &str)> = hints
        .iter()
        .map(|h| (&t[h.offset - 6..h.offset], h.label.as_str()))
        .collect();
    assert_eq!(
        shown,
        [(".name)", "= [\"a\",\"b\"]"), ("() < 2", "= false")]
    );
}

/// `CEL_POLICY` with its validation's expression replaced by `expr`, and the offset just
/// after `cursor` in it (the end of `expr` when `cursor` is empty).
fn cel_edit(expr: &str, cursor: &str) -> (String, usize) {
    let old = "variables.images.all(i, i.startsWith('registry.example.com/'))";
    let t = CEL_POLICY.replace(old, expr);
    let start = t.find(expr).unwrap();
    let at = start + expr.find(cursor).unwrap() + cursor.len();
    let at = if cursor.is_empty() {
        start + expr.len()
    } else {
        at
    };
    (t, at)
}

fn cel_labels(items: &[Completion]) -> Vec<&str> {
    items.iter().map(|c| c.label.as_str()).collect()
}

#[test]
fn cel_completion_of_variables_offers_those_the_checker_allows() {
    let (t, at) = cel_edit("variables.", "");
    assert_eq!(
        completion(&t, &analyze(&t), at),
        vec![Completion {
            label: "images".into(),
            kind: CompletionKind::Variable,
            detail: Some("list(dyn)".into()),
            documentation: Some("```cel\nobject.spec.containers.map(c, c.image)\n```".into()),
            insert_text: "images".into(),
        }]
    );
    // A ValidatingPolicy compiles its matchConditions before its variables.
    let t = CEL_POLICY.replace("has(object.spec.containers)", "variables.");
    let at = t.find("variables.").unwrap() + 10;
    assert_eq!(completion(&t, &analyze(&t), at), vec![]);
    // A variable sees only those declared before it: here, none.
    let t = CEL_POLICY.replace("object.spec.containers.map(c, c.image)", "variables.im");
    let at = t.find("variables.im").unwrap() + 12;
    assert_eq!(completion(&t, &analyze(&t), at), vec![]);
}

#[test]
fn cel_completion_of_fields_comes_from_the_receivers_type() {
    let (t, at) = cel_edit("request.", "");
    let items = completion(&t, &analyze(&t), at);
    let details: Vec<(&str, &str)> = items
        .iter()
        .map(|c| (c.label.as_str(), c.detail.as_deref().unwrap()))
        .collect();
    assert_eq!(
        details,
        [
            ("kind", "kubernetes.GroupVersionKind"),
            ("resource", "kubernetes.GroupVersionResource"),
            ("subResource", "string"),
            ("requestKind", "kubernetes.GroupVersionKind"),
            ("requestResource", "kubernetes.GroupVersionResource"),
            ("requestSubResource", "string"),
            ("name", "string"),
            ("namespace", "string"),
            ("operation", "string"),
            ("userInfo", "kubernetes.UserInfo"),
            ("dryRun", "bool"),
            ("options", "dyn"),
            ("object", "dyn"),
            ("oldObject", "dyn"),
        ]
    );
    assert!(items.iter().all(|c| c.kind == CompletionKind::Field));
    // Deeper, and with the word half typed.
    let (t, at) = cel_edit("request.userInfo.gr == []", "request.userInfo.gr");
    assert_eq!(
        cel_labels(&completion(&t, &analyze(&t), at)),
        ["username", "uid", "groups", "extra"]
    );
    // The Namespace, typed as Kubernetes declares it, then its metadata.
    let (t, at) = cel_edit("namespaceObject.", "");
    assert_eq!(
        cel_labels(&completion(&t, &analyze(&t), at)),
        ["metadata", "spec", "status"]
    );
    let (t, at) = cel_edit("namespaceObject.metadata.", "");
    assert_eq!(
        cel_labels(&completion(&t, &analyze(&t), at)).join(" "),
        // `UID` as Kubernetes spells it in the type it declares for namespaceObject.
        "name generateName namespace labels annotations UID creationTimestamp \
         deletionGracePeriodSeconds deletionTimestamp generation resourceVersion finalizers"
    );
    // `validate.cel` sees Kubernetes' request type, which has no objects.
    let t = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: p\nspec:\n  rules:\n  - name: r\n    match: {any: [{resources: {kinds: [Pod]}}]}\n    validate:\n      cel:\n        expressions:\n        - expression: request.\n";
    let at = t.find("request.").unwrap() + 8;
    assert_eq!(
        cel_labels(&completion(t, &analyze(t), at)).join(" "),
        "kind resource subResource requestKind requestResource requestSubResource name \
         namespace operation userInfo dryRun options"
    );
}

#[test]
fn cel_hover_and_definition_in_a_cluster_policy_rule() {
    let t = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: p\nspec:\n  rules:\n  - name: r\n    match: {any: [{resources: {kinds: [Pod]}}]}\n    validate:\n      cel:\n        variables:\n        - name: ns\n          expression: request.namespace\n        expressions:\n        - expression: variables.ns != 'default'\n";
    let a = analyze(t);
    let at = t.find("variables.ns").unwrap() + 11;
    let h = hover(t, &a, at).unwrap();
    // The expression's value for the built-in sample (in `default`), then the variable.
    assert_eq!(
        h.markdown,
        "**`Pod hello-world`** (built-in sample)\n\n```json\nfalse\n```\n\n---\n\n\
         **`variables.ns`** · *string*\n\n```cel\nrequest.namespace\n```"
    );
    assert_eq!(&t[h.span], "ns");
    let name = t.find("name: ns").unwrap() + 6;
    assert_eq!(definition(t, &a, at), Some(name..name + 2));
}

#[test]
fn cel_completion_and_hover_of_object_fields_come_from_the_kubernetes_api() {
    // The policy matches `pods`: `object` is a Pod.
    let (t, at) = cel_edit("object.", "");
    let items = completion(&t, &analyze(&t), at);
    let fields: Vec<(&str, &str)> = items
        .iter()
        .filter(|c| c.kind == CompletionKind::Field)
        .map(|c| (c.label.as_str(), c.detail.as_deref().unwrap()))
        .collect();
    assert_eq!(
        fields,
        [
            ("apiVersion", "string"),
            ("kind", "string"),
            ("metadata", "ObjectMeta"),
            ("spec", "PodSpec"),
            ("status", "PodStatus"),
        ]
    );
    // Member functions still follow, as for any `dyn` receiver.
    assert!(items.iter().any(|c| c.label == "startsWith"));
    let (t, at) = cel_edit("true && object.spec.contai", "object.spec.contai");
    let items = completion(&t, &analyze(&t), at);
    let containers = items.iter().find(|c| c.label == "containers").unwrap();
    assert_eq!(containers.detail.as_deref(), Some("[]Container"));
    let doc = containers.documentation.as_deref().unwrap();
    assert!(
        doc.starts_with(
            "**`containers`** · *[]Container*\n\nList of containers belonging to the pod."
        ) && doc.ends_with("\n\n*Pod (Kubernetes 1.37)*"),
        "{doc}"
    );
    // Through a comprehension variable, an item of the list.
    let (t, at) = cel_edit("object.spec.containers.all(c, c.ima)", "c.ima");
    assert!(
        cel_labels(&completion(&t, &analyze(&t), at)).contains(&"image"),
        "image"
    );
    // Inside `has()`, whose argument is a field selection rather than a value.
    for (expr, typed) in [
        ("has(object.spec.contai)", "has(object.spec.contai"),
        ("has(object.spec.)", "has(object.spec."),
        (
            "object.spec.containers.all(c, has(c.securityContext.runAsNon))",
            "c.securityContext.runAsNon",
        ),
    ] {
        let (t, at) = cel_edit(expr, typed);
        let items = completion(&t, &analyze(&t), at);
        let labels = cel_labels(&items);
        let want = if expr.contains("runAs") {
            "runAsNonRoot"
        } else {
            "containers"
        };
        assert!(labels.contains(&want), "{expr}: {labels:?}");
    }
    let (t, at) = cel_edit("has(object.spec.hostNetwork)", "has(object.spec.host");
    let h = hover(&t, &analyze(&t), at).unwrap();
    assert_eq!(&t[h.span.clone()], "hostNetwork");
    assert!(
        h.markdown
            .contains("**`hostNetwork`** · *boolean*\n\nHost networking requested"),
        "{}",
        h.markdown
    );
    // Hover on a field gives the same documentation.
    let (t, at) = cel_edit("object.spec.hostNetwork == false", "object.spec.host");
    let a = analyze(&t);
    let h = hover(&t, &a, at).unwrap();
    assert_eq!(&t[h.span.clone()], "hostNetwork");
    // The value for the sample first, as everywhere, then the field's documentation.
    assert_eq!(
        h.markdown,
        "**`Deployment web`** (from this file)\n\nError: `no such key: hostNetwork`\n\n---\n\n\
         **`hostNetwork`** · *boolean*\n\nHost networking requested for this pod. Use the host's \
         network namespace. When using HostNetwork you should specify ports so the scheduler is \
         aware. When `hostNetwork` is true, specified `hostPort` fields in port definitions must \
         match `containerPort`, and unspecified `hostPort` fields in port definitions are \
         defaulted to match `containerPort`. Default to false.\n\n*Pod (Kubernetes 1.37)*"
    );
}

#[test]
fn cel_completion_and_hover_of_object_fields_come_from_a_crd_of_the_file() {
    let t = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
  - name: v1
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            description: What the widget should be.
            properties:
              replicas: {type: integer, description: How many widgets run.}
              ports:
                type: array
                items: {type: object, properties: {port: {type: integer, description: The port.}}}
---
apiVersion: policies.kyverno.io/v1
kind: ValidatingPolicy
metadata:
  name: widgets
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: [example.com]
      apiVersions: [v1]
      operations: [CREATE]
      resources: [widgets]
  validations:
  - expression: object.spec.replicas > 0
";
    let fields = |t: &str, at: usize| -> Vec<(String, String, String)> {
        completion(t, &analyze(t), at)
            .into_iter()
            .filter(|c| c.kind == CompletionKind::Field)
            .map(|c| {
                (
                    c.label,
                    c.detail.unwrap_or_default(),
                    c.documentation.unwrap_or_default(),
                )
            })
            .collect()
    };
    let at = t.find("object.").unwrap() + "object.".len();
    let with_dot = format!("{}{}", &t[..at], &t[at + "spec.replicas".len()..]);
    assert_eq!(
        fields(&with_dot, at),
        [
            (
                "apiVersion".into(),
                "string".into(),
                "**`apiVersion`** · *string*\n\nThe group and version of the resource.\n\n*Widget (CRD widgets.example.com)*".into()
            ),
            (
                "kind".into(),
                "string".into(),
                "**`kind`** · *string*\n\nThe kind of the resource.\n\n*Widget (CRD widgets.example.com)*".into()
            ),
            (
                "metadata".into(),
                "ObjectMeta".into(),
                "**`metadata`** · *ObjectMeta*\n\nStandard object's metadata.\n\n*Widget (CRD widgets.example.com)*".into()
            ),
            (
                "spec".into(),
                "WidgetSpec".into(),
                "**`spec`** · *WidgetSpec*\n\nWhat the widget should be.\n\n*Widget (CRD widgets.example.com)*".into()
            ),
        ]
    );
    // Below a list of the schema's objects, through a comprehension variable.
    let t2 = t.replace(
        "object.spec.replicas > 0",
        "object.spec.ports.all(p, p.po > 0)",
    );
    let at = t2.find("p.po").unwrap() + "p.po".len();
    assert_eq!(
        fields(&t2, at),
        [(
            "port".into(),
            "integer".into(),
            "**`port`** · *integer*\n\nThe port.\n\n*Widget (CRD widgets.example.com)*".into()
        )]
    );
    // Hover on a field shows the CRD's description.
    let a = analyze(t);
    let at = t.find("replicas > 0").unwrap() + 2;
    let h = hover(t, &a, at).unwrap();
    assert_eq!(&t[h.span.clone()], "replicas");
    assert!(
        h.markdown.ends_with(
            "**`replicas`** · *integer*\n\nHow many widgets run.\n\n*Widget (CRD widgets.example.com)*"
        ),
        "{}",
        h.markdown
    );
}

#[test]
fn cel_completion_of_member_functions_by_receiver_type() {
    let (t, at) = cel_edit("variables.images.", "");
    let items = completion(&t, &analyze(&t), at);
    assert_eq!(
        cel_labels(&items),
        [
            "all",
            "distinct",
            "exists",
            "exists_one",
            "filter",
            "first",
            "flatten",
            "indexOf",
            "isSorted",
            "join",
            "last",
            "lastIndexOf",
            "map",
            "max",
            "min",
            "reverse",
            "size",
            "slice",
            "sort",
            "sortBy",
            "sum",
            "transformList",
            "transformMap",
            "transformMapEntry",
            "unwrapOpt"
        ]
    );
    let size = items.iter().find(|c| c.label == "size").unwrap();
    assert_eq!(size.kind, CompletionKind::Function);
    assert_eq!(size.detail.as_deref(), Some("list.size() -> int"));
    assert_eq!(size.insert_text, "size(");
    // A string in a comprehension: the string functions, not the list ones.
    let (t, at) = cel_edit("request.userInfo.groups.all(g, g.startsWith('a'))", "g.");
    let a = analyze(&t);
    assert_eq!(
        cel_labels(&completion(&t, &a, at)).join(" "),
        "charAt contains endsWith find findAll format indexOf lastIndexOf lowerAscii matches \
         replace size split startsWith substring trim upperAscii"
    );
    // A `dyn` receiver may be anything: every member function and macro, no field.
    let (t, at) = cel_edit("dyn(object).", "");
    let all = completion(&t, &analyze(&t), at);
    assert_eq!(all.len(), 105);
    assert_eq!(
        cel_labels(&all)[..8],
        [
            "Apply",
            "Client",
            "Get",
            "GetMetadata",
            "List",
            "Post",
            "ToGVR",
            "add"
        ]
    );
    assert!(all.iter().all(|c| c.kind == CompletionKind::Function));
    // A namespace: its functions only, named as they are called.
    let (t, at) = cel_edit("math.", "");
    let math = completion(&t, &analyze(&t), at);
    assert_eq!(
        cel_labels(&math).join(" "),
        "abs bitAnd bitNot bitOr bitShiftLeft bitShiftRight bitXor ceil floor greatest isFinite \
         isInf isNaN least round sign sqrt trunc"
    );
    assert_eq!(math[0].detail.as_deref(), Some("math.abs(int) -> int"));
    // Nothing inside a string.
    let (t, at) = cel_edit("object.kind == 'Po'", "'Po");
    assert_eq!(completion(&t, &analyze(&t), at), vec![]);
}

#[test]
fn cel_completion_of_names_starts_with_locals_and_roots() {
    let (t, at) = cel_edit("variables.images.all(i, ", "");
    let items = completion(&t, &analyze(&t), at);
    let names: Vec<(&str, &str)> = items[..13]
        .iter()
        .map(|c| (c.label.as_str(), c.detail.as_deref().unwrap()))
        .collect();
    assert_eq!(
        names,
        [
            ("i", "dyn"),
            ("object", "dyn"),
            ("oldObject", "dyn"),
            ("request", "kubernetes.AdmissionRequest"),
            ("namespaceObject", "kubernetes.Namespace"),
            ("variables", "kyverno.variables"),
            ("exceptions", "kyverno.exceptions"),
            ("resource", "resource"),
            ("globalContext", "globalContext"),
            ("image", "image"),
            ("http", "http"),
            ("json", "json"),
            ("yaml", "yaml"),
        ]
    );
    assert_eq!(
        items[0].documentation.as_deref(),
        Some("Named by the enclosing macro (a comprehension or `cel.bind`).")
    );
    let has = items.iter().find(|c| c.label == "has").unwrap();
    assert_eq!(
        has.documentation.as_deref(),
        Some(
            "```\nhas(field_selection) -> bool\n```\nCEL macro\n\nWhether the selected field is present: `has(object.spec.hostNetwork)`. Only the last field is tested; the fields before it must exist."
        )
    );
    assert!(
        items
            .iter()
            .all(|c| !c.label.starts_with('@') && !c.label.starts_with('_'))
    );
}

#[test]
fn cel_signature_help_with_the_active_parameter() {
    let (t, at) = cel_edit("variables.images.all(i, i.matches(", "");
    let a = analyze(&t);
    assert_eq!(
        signature_help(&t, &a, at),
        Some(SignatureHelp {
            label: "string.matches(string) -> bool".into(),
            documentation: "Whether the RE2 regular expression matches somewhere in the string. The search is not anchored: write `^…$` to match the whole string.".into(),
            parameters: std::iter::once(15..21).collect(),
            active_parameter: 0,
        })
    );
    // Back in the macro, on its second argument.
    let (t, at) = cel_edit("variables.images.all(i, ", "");
    let h = signature_help(&t, &analyze(&t), at).unwrap();
    assert_eq!(h.label, "collection.all(x, predicate) -> bool");
    assert_eq!(h.parameters, vec![15..16, 18..27]);
    assert_eq!(h.active_parameter, 1);
    // A namespaced global whose last parameter repeats: it stays active.
    let (t, at) = cel_edit("math.greatest(1, 2, ", "");
    assert_eq!(
        signature_help(&t, &analyze(&t), at),
        Some(SignatureHelp {
            label: "math.greatest(dyn...) -> dyn".into(),
            documentation: "The largest of the numeric arguments, or of a list of numbers (ints, uints and doubles may mix).".into(),
            parameters: std::iter::once(14..20).collect(),
            active_parameter: 0,
        })
    );
    // Inside a list literal in the call: no help.
    let (t, at) = cel_edit("variables.images.all(i, [i, ", "");
    assert_eq!(signature_help(&t, &analyze(&t), at), None);
}

#[test]
fn cel_hover_on_functions_macros_and_variables_keeps_the_value() {
    let t = CEL_POLICY;
    let a = analyze(t);
    let value = "**`Deployment web`** (from this file)\n\n```json\nfalse\n```\n\n---\n\n";
    let at = t.find("images.all").unwrap() + 2;
    let h = hover(t, &a, at).unwrap();
    assert_eq!(&t[h.span.clone()], "images");
    assert_eq!(
        h.markdown,
        format!(
            "{value}**`variables.images`** · *list(dyn)*\n\n```cel\nobject.spec.containers.map(c, c.image)\n```"
        )
    );
    let at = t.find("all(i").unwrap() + 1;
    let h = hover(t, &a, at).unwrap();
    assert_eq!(&t[h.span.clone()], "all");
    assert_eq!(
        h.markdown,
        format!(
            "{value}```\ncollection.all(x, predicate) -> bool\n```\nCEL macro\n\nWhether the predicate holds for every element of a list, or every key of a map. `all(i, v, p)` names the index (or key) and the value."
        )
    );
    let at = t.find("i.startsWith").unwrap();
    let h = hover(t, &a, at).unwrap();
    assert_eq!(&t[h.span.clone()], "i");
    assert_eq!(
        h.markdown,
        format!(
            "{value}**`i`** · *dyn*\n\nNamed by the enclosing macro (a comprehension or `cel.bind`)."
        )
    );
    let at = t.find("startsWith").unwrap() + 4;
    let h = hover(t, &a, at).unwrap();
    assert_eq!(&t[h.span.clone()], "startsWith");
    assert_eq!(
        h.markdown,
        format!(
            "{value}```\nstring.startsWith(string) -> bool\n```\nWhether the receiver string begins with the argument."
        )
    );
    // Without samples, the docs alone; a field of a typed object.
    let (t, at) = cel_edit("request.operation == 'CREATE'", "request.oper");
    let a = analyze(&t);
    let h = hover(&t, &a, at).unwrap();
    assert_eq!(&t[h.span.clone()], "operation");
    assert!(
        h.markdown
            .ends_with("**`operation`** · *string*\n\nA field of `kubernetes.AdmissionRequest`."),
        "{}",
        h.markdown
    );
}

#[test]
fn cel_definition_of_a_variable_is_its_name() {
    let t = CEL_POLICY;
    let a = analyze(t);
    let at = t.find("variables.images").unwrap() + 12;
    let name = t.find("- name: images").unwrap() + 8;
    assert_eq!(definition(t, &a, at), Some(name..name + 6));
    // Elsewhere in the expression: nothing.
    let at = t.find("startsWith").unwrap();
    assert_eq!(definition(t, &a, at), None);
}

#[test]
fn jmespath_definition_of_a_context_entry_is_its_name() {
    let t = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: p\nspec:\n  rules:\n  - name: r\n    match: {any: [{resources: {kinds: [Pod]}}]}\n    context:\n    - name: limit\n      variable:\n        value: 5\n    validate:\n      message: \"over {{ limit }}: {{ request.object.spec.containers[?limit].name }}\"\n      deny:\n        conditions:\n          any:\n          - {key: \"{{ length(request.object.spec.containers) }}\", operator: GreaterThan, value: \"{{ to_number(limit) }}\"}\n";
    let a = analyze(t);
    let name = t.find("name: limit").unwrap() + 6;
    let at = |s: &str| t.find(s).unwrap() + 2;
    assert_eq!(definition(t, &a, at("limit }}")), Some(name..name + 5));
    assert_eq!(definition(t, &a, at("limit)")), Some(name..name + 5));
    // A field of each container, and a field of `request`: not the context entry.
    assert_eq!(definition(t, &a, at("limit]")), None);
    assert_eq!(definition(t, &a, at("object.spec")), None);
}

const PATTERN: &str = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: p\nspec:\n  rules:\n  - name: other\n    match:\n      any:\n      - resources:\n          kinds: [Namespace]\n    validate:\n      message: m\n      deny: {}\n  - name: r\n    match:\n      any:\n      - resources:\n          kinds: [Pod]\n    validate:\n      message: m\n      pattern:\n        spec:\n          =(securityContext):\n            runAsNonRoot: true\n            SEC\n";

#[test]
fn pattern_keys_complete_with_the_matched_kinds_fields_through_anchors() {
    // Typing under `=(securityContext)` of the second rule, whose kind is Pod: the fields of
    // PodSecurityContext, less the one already there.
    let t = PATTERN.replace("SEC", "runAs");
    let off = t.find("runAs\n").unwrap() + 5;
    let items = completion(&t, &analyze(&t), off);
    let l: Vec<&str> = items.iter().map(|c| c.label.as_str()).collect();
    assert!(
        l.contains(&"runAsUser") && l.contains(&"seccompProfile"),
        "{l:?}"
    );
    assert!(
        !l.contains(&"runAsNonRoot") && !l.contains(&"containers"),
        "{l:?}"
    );
    let user = items.iter().find(|c| c.label == "runAsUser").unwrap();
    assert_eq!(user.detail.as_deref(), Some("integer (Pod)"));
    assert_eq!(user.insert_text, "runAsUser: ");
    // Inside an anchor being typed, the name closes it.
    let t = PATTERN.replace("SEC", "=(runAs");
    let off = t.find("=(runAs\n").unwrap() + 7;
    let items = completion(&t, &analyze(&t), off);
    let user = items.iter().find(|c| c.label == "runAsUser").unwrap();
    assert_eq!(user.insert_text, "runAsUser): ");
}

#[test]
fn hover_on_a_pattern_key_shows_the_resource_field() {
    let t = PATTERN.replace("            SEC\n", "");
    let off = t.find("runAsNonRoot").unwrap() + 2;
    let h = hover(&t, &analyze(&t), off).unwrap();
    assert_eq!(&t[h.span.clone()], "runAsNonRoot");
    assert!(
        h.markdown
            .starts_with("**`runAsNonRoot`** `boolean` — a field of Pod (Kubernetes 1.37)\n\n"),
        "{}",
        h.markdown
    );
    // Through the anchor, on the anchored key itself.
    let off = t.find("=(securityContext)").unwrap() + 4;
    let h = hover(&t, &analyze(&t), off).unwrap();
    assert!(
        h.markdown
            .starts_with("**`securityContext`** `PodSecurityContext`"),
        "{}",
        h.markdown
    );
}

/// A policy with a sample Pod in the same file: the sample's keys are documented and
/// completed from the Kubernetes API, as the pattern's are.
const WITH_SAMPLE: &str = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: p\nspec:\n  rules:\n  - name: r\n    match:\n      any:\n      - resources:\n          kinds: [Pod]\n    validate:\n      message: m\n      pattern:\n        spec:\n          hostNetwork: false\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: sample\nspec:\n  securityContext:\n    runAsNonRoot: true\n    SEC\n  containers:\n  - name: app\n    image: nginx\n";

#[test]
fn sample_resources_get_hover_and_completion_of_their_fields() {
    let t = WITH_SAMPLE.replace("    SEC\n", "");
    let a = analyze(&t);
    let off = t.find("runAsNonRoot").unwrap() + 2;
    let h = hover(&t, &a, off).unwrap();
    assert_eq!(&t[h.span.clone()], "runAsNonRoot");
    assert!(
        h.markdown
            .starts_with("**`runAsNonRoot`** `boolean` — a field of Pod (Kubernetes 1.37)\n\n"),
        "{}",
        h.markdown
    );
    let off = t.find("image: nginx").unwrap() + 1;
    let h = hover(&t, &a, off).unwrap();
    assert!(
        h.markdown
            .starts_with("**`image`** `string` — a field of Pod"),
        "{}",
        h.markdown
    );
    // Typing under the sample's `securityContext`: PodSecurityContext's fields, less the one
    // already there.
    let t = WITH_SAMPLE.replace("SEC", "runAs");
    let off = t.find("runAs\n").unwrap() + 5;
    let items = completion(&t, &analyze(&t), off);
    let l: Vec<&str> = items.iter().map(|c| c.label.as_str()).collect();
    assert!(
        l.contains(&"runAsUser") && l.contains(&"seccompProfile"),
        "{l:?}"
    );
    assert!(!l.contains(&"runAsNonRoot"), "{l:?}");
    let user = items.iter().find(|c| c.label == "runAsUser").unwrap();
    assert_eq!(user.detail.as_deref(), Some("integer (Pod)"));
    assert_eq!(user.insert_text, "runAsUser: ");
    // A document of no known kind gets neither.
    let t = "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nmetadata:\n  name: t\n";
    assert_eq!(hover(t, &analyze(t), t.find("name: t").unwrap() + 1), None);
}

#[test]
fn hover_on_a_patch_value_shows_it_after_substitution() {
    let t = "apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: cp
spec:
  rules:
  - name: owner
    match:
      any:
      - resources:
          kinds: [Pod]
    mutate:
      patchStrategicMerge:
        metadata:
          labels:
            +(owner): \"{{ request.object.metadata.name }}-team\"
      foreach:
      - list: request.object.spec.containers
        patchStrategicMerge:
          spec:
            containers:
            - name: \"{{ element.name }}\"
              image: \"registry.example.com/{{ element.image }}\"
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: default
spec:
  containers:
  - name: a
    image: nginx
";
    let a = analyze(t);
    let shown = |at: usize| {
        let h = hover(t, &a, at).unwrap();
        (h.markdown, &t[h.span])
    };
    // Inside `{{ }}`: the expression's value.
    assert_eq!(
        shown(t.find("request.object.metadata").unwrap()),
        (
            "**`Pod web`** (from this file)\n\n```json\n\"web\"\n```".to_string(),
            "request.object.metadata.name"
        )
    );
    // Elsewhere on the value: the whole value as the patch writes it.
    let whole = (
        "**`Pod web`** (from this file)\n\n```json\n\"web-team\"\n```".to_string(),
        "\"{{ request.object.metadata.name }}-team\"",
    );
    assert_eq!(shown(t.find("-team").unwrap()), whole);
    assert_eq!(shown(t.find("+(owner): \"").unwrap() + 11), whole);
    // In a foreach patch: per element.
    assert_eq!(
        shown(t.find("registry.example").unwrap()),
        (
            "**`Pod web`** (from this file)\n\n```text\nelement #0 (a): \"registry.example.com/nginx\"\n```".to_string(),
            "\"registry.example.com/{{ element.image }}\""
        )
    );
    // A value without `{{ }}` is not evaluated: the key's documentation is the hover there.
    assert!(
        hover(t, &a, t.find("kinds: [Pod]").unwrap() + 9)
            .is_none_or(|h| !h.markdown.contains("Pod web"))
    );
}

#[test]
fn request_object_paths_complete_the_matched_kinds_fields() {
    let policy = |expr: &str| {
        format!(
            "apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: p
spec:
  rules:
  - name: r
    match:
      any:
      - resources:
          kinds: [Deployment, StatefulSet]
    validate:
      failureAction: Audit
      message: \"{{{{ {expr}"
        )
    };
    let t = policy("request.object.spec.rep");
    let items = completion(&t, &analyze(&t), t.len());
    let replicas = items.iter().find(|c| c.label == "replicas").unwrap();
    assert_eq!(
        replicas.detail.as_deref(),
        Some("integer (Deployment, StatefulSet)")
    );
    assert!(
        replicas
            .documentation
            .as_deref()
            .unwrap()
            .starts_with("Number of desired pods"),
        "{:?}",
        replicas.documentation
    );
    // Through a list: the element's fields.
    let t = policy("request.object.spec.template.spec.containers[].securityContext.");
    let labels: Vec<String> = completion(&t, &analyze(&t), t.len())
        .into_iter()
        .map(|c| c.label)
        .collect();
    assert!(
        labels.contains(&"allowPrivilegeEscalation".to_string()),
        "{labels:?}"
    );
    assert!(!labels.contains(&"replicas".to_string()));
    // A step the kinds do not have: the common fields, as before.
    let t = policy("request.object.metadata.");
    assert!(
        completion(&t, &analyze(&t), t.len())
            .iter()
            .any(|c| c.label == "labels")
    );
}
