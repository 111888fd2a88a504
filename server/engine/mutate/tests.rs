use super::*;
use crate::engine::{Env, Request};

fn v(json: &str) -> Value {
    Value::from_json(&serde_json::from_str(json).expect("test JSON"))
}

fn pod(extra_spec: &str) -> Value {
    v(&format!(
        r#"{{"apiVersion":"v1","kind":"Pod","metadata":{{"name":"web","namespace":"default","labels":{{"app":"web"}}}},
            "spec":{{"containers":[{{"name":"main","image":"nginx"}},{{"name":"side","image":"busybox"}}]{extra_spec}}}}}"#
    ))
}

fn psm(resource: &Value, patch: &str) -> Value {
    let mut p = v(patch);
    match anchors::preprocess(&mut p, resource) {
        Ok(()) => {}
        Err(anchors::PreError::Condition(_) | anchors::PreError::Global(_)) => p = v("{}"),
        Err(e) => panic!("{e:?}"),
    }
    merge::strategic_merge(resource, &p)
}

fn containers(r: &Value) -> String {
    crate::jmespath::json::to_go_json(r.at(&["spec", "containers"]).unwrap())
}

#[test]
fn keyed_lists_merge_with_the_patchs_elements_first() {
    let r = pod("");
    // `side` is named by the patch: it moves first; a new container comes first too.
    let out = psm(
        &r,
        r#"{"spec":{"containers":[{"name":"side","image":"busybox:1.36"},{"name":"new","image":"x"}]}}"#,
    );
    assert_eq!(
        containers(&out),
        r#"[{"image":"busybox:1.36","name":"side"},{"image":"x","name":"new"},{"image":"nginx","name":"main"}]"#
    );
    // A null deletes; `$patch: delete` removes an element; other lists are replaced.
    let out = psm(
        &r,
        r#"{"metadata":{"labels":{"app":null,"team":"a"}},"spec":{"containers":[{"name":"main","$patch":"delete"}],"tolerations":[{"key":"k"}]}}"#,
    );
    assert_eq!(out.at(&["metadata", "labels"]), Some(&v(r#"{"team":"a"}"#)));
    assert_eq!(containers(&out), r#"[{"image":"busybox","name":"side"}]"#);
    assert_eq!(
        out.at(&["spec", "tolerations"]),
        Some(&v(r#"[{"key":"k"}]"#))
    );
    // A custom resource's lists are replaced whole.
    let cr = v(
        r#"{"apiVersion":"example.com/v1","kind":"Thing","spec":{"items":[{"name":"a"},{"name":"b"}]}}"#,
    );
    let out = psm(&cr, r#"{"spec":{"items":[{"name":"b","x":1}]}}"#);
    assert_eq!(
        out.at(&["spec", "items"]),
        Some(&v(r#"[{"name":"b","x":1}]"#))
    );
}

#[test]
fn add_if_not_present_and_conditions() {
    let r = pod(r#","securityContext":{"runAsNonRoot":true}"#);
    // `+()` adds only what is missing.
    let out = psm(
        &r,
        r#"{"spec":{"+(securityContext)":{"runAsUser":1},"+(hostNetwork)":false}}"#,
    );
    assert_eq!(
        out.at(&["spec", "securityContext"]),
        Some(&v(r#"{"runAsNonRoot":true}"#))
    );
    assert_eq!(out.at(&["spec", "hostNetwork"]), Some(&Value::Bool(false)));
    // A condition on a list element picks the elements by name; the others are left alone.
    let out = psm(
        &r,
        r#"{"spec":{"containers":[{"(image)":"nginx*","+(imagePullPolicy)":"Always"}]}}"#,
    );
    assert_eq!(
        containers(&out),
        r#"[{"image":"nginx","imagePullPolicy":"Always","name":"main"},{"image":"busybox","name":"side"}]"#
    );
    // A failed condition on a map voids the whole patch.
    let out = psm(
        &r,
        r#"{"metadata":{"labels":{"(app)":"db"},"annotations":{"a":"b"}}}"#,
    );
    assert_eq!(out, r);
    // A condition on a key the resource lacks fails too.
    assert_eq!(psm(&r, r#"{"spec":{"(nodeName)":"*","hostPID":true}}"#), r);
    // A global condition that no element meets voids it, one that some element meets does
    // not stop the rest.
    assert_eq!(
        psm(
            &r,
            r#"{"spec":{"containers":[{"<(image)":"redis"}],"hostIPC":true}}"#
        ),
        r
    );
    let out = psm(
        &r,
        r#"{"spec":{"containers":[{"<(image)":"nginx"}],"hostIPC":true}}"#,
    );
    assert_eq!(out.at(&["spec", "hostIPC"]), Some(&Value::Bool(true)));
    assert_eq!(
        out.at(&["spec", "containers"]),
        r.at(&["spec", "containers"])
    );
}

#[test]
fn json_patches_as_kyverno_applies_them() {
    let r = pod("");
    let apply = |ops: &str| json_patch::apply(&r, &json_patch::parse(ops).unwrap());
    let out = apply(
        r#"[{"op":"add","path":"/spec/containers/-1","value":{"name":"x"}},
            {"op":"remove","path":"/metadata/annotations/missing"},
            {"op":"replace","path":"/spec/containers/-2/image","value":"busybox:1"},
            {"op":"add","path":"/spec/affinity/terms/-1/keys/-1","value":"k"},
            {"op":"add","path":"/metadata/annotations/a~1b","value":"c"}]"#,
    )
    .unwrap();
    assert_eq!(
        containers(&out),
        r#"[{"image":"nginx","name":"main"},{"image":"busybox:1","name":"side"},{"name":"x"}]"#
    );
    assert_eq!(
        out.at(&["spec", "affinity"]),
        Some(&v(r#"{"terms":[{"keys":["k"]}]}"#))
    );
    assert_eq!(
        out.at(&["metadata", "annotations"]),
        Some(&v(r#"{"a/b":"c"}"#))
    );
    // `-` appends; `~0` is a tilde, `~1` a slash.
    let out = apply(
        r#"[{"op":"add","path":"/spec/containers/-","value":{"name":"y"}},
            {"op":"add","path":"/metadata/annotations/t~0x~1y","value":"1"}]"#,
    )
    .unwrap();
    assert_eq!(
        containers(&out),
        r#"[{"image":"nginx","name":"main"},{"image":"busybox","name":"side"},{"name":"y"}]"#
    );
    assert_eq!(
        out.at(&["metadata", "annotations"]),
        Some(&v(r#"{"t~x/y":"1"}"#))
    );
    // YAML works too.
    let yaml = "- op: add\n  path: /metadata/labels/x\n  value: z\n";
    let out = json_patch::apply(&r, &json_patch::parse(yaml).unwrap()).unwrap();
    assert_eq!(
        out.at(&["metadata", "labels", "x"]),
        Some(&Value::from("z"))
    );
    assert_eq!(
        apply(r#"[{"op":"replace","path":"/spec/nope","value":1}]"#),
        Err(
            "replace operation does not apply: doc is missing key: /spec/nope: missing value"
                .into()
        )
    );
    assert!(
        apply(r#"[{"op":"add","path":"/spec/list/999999999/x","value":1}]"#)
            .unwrap_err()
            .contains("kyverno-ls pads a list to")
    );
}

#[test]
fn mutate_rules_run_in_order_and_report_what_they_did() {
    let policy = v(
        r#"{"apiVersion":"kyverno.io/v1","kind":"ClusterPolicy","metadata":{"name":"p"},"spec":{"rules":[
        {"name":"label","match":{"any":[{"resources":{"kinds":["Pod"]}}]},
         "mutate":{"patchStrategicMerge":{"metadata":{"labels":{"team":"{{ request.object.metadata.name }}"}}}}},
        {"name":"again","match":{"any":[{"resources":{"kinds":["Pod"]}}]},
         "preconditions":{"all":[{"key":"{{ request.object.metadata.labels.team }}","operator":"Equals","value":"web"}]},
         "mutate":{"patchStrategicMerge":{"metadata":{"labels":{"team":"web"}}}}},
        {"name":"broken","match":{"any":[{"resources":{"kinds":["Pod"]}}]},
         "mutate":{"patchesJson6902":"- op: replace\n  path: /nope\n  value: 1"}}]}}"#,
    );
    let request = Request {
        object: pod(""),
        ..Request::default()
    };
    let m = mutate(&policy, &request, &Env::fixed());
    let got: Vec<(&str, Status, &str)> = m
        .responses
        .iter()
        .map(|r| (r.rule.as_str(), r.status, r.message.as_str()))
        .collect();
    // The second rule sees the first one's label and changes nothing.
    assert_eq!(
        got,
        [
            (
                "label",
                Status::Pass,
                "mutated Pod/web in namespace default"
            ),
            ("again", Status::Skip, "no patches applied"),
            (
                "broken",
                Status::Error,
                "failed to patch resource: replace operation does not apply: doc is missing key: /nope: missing value"
            ),
        ]
    );
    assert_eq!(
        m.patched.at(&["metadata", "labels", "team"]),
        Some(&Value::from("web"))
    );
}

#[test]
fn foreach_patches_element_by_element() {
    let policy = v(
        r#"{"apiVersion":"kyverno.io/v1","kind":"ClusterPolicy","metadata":{"name":"p"},"spec":{"rules":[
        {"name":"pull","match":{"any":[{"resources":{"kinds":["Pod"]}}]},
         "mutate":{"foreach":[{"list":"request.object.spec.containers",
            "preconditions":{"all":[{"key":"{{ element.image }}","operator":"NotEquals","value":"busybox"}]},
            "patchStrategicMerge":{"spec":{"containers":[{"(name)":"{{ element.name }}","imagePullPolicy":"Always"}]}}}]}},
        {"name":"index","match":{"any":[{"resources":{"kinds":["Pod"]}}]},
         "mutate":{"foreach":[{"list":"request.object.spec.containers",
            "patchesJson6902":"- op: add\n  path: /spec/containers/{{elementIndex}}/env\n  value: [{\"name\": \"AT\", \"value\": \"{{ elementIndex }}\"}]"}]}},
        {"name":"none","match":{"any":[{"resources":{"kinds":["Pod"]}}]},
         "mutate":{"foreach":[{"list":"request.object.spec.containers[?name == 'none']","patchStrategicMerge":{"metadata":{"labels":{"x":"y"}}}}]}},
        {"name":"missing","match":{"any":[{"resources":{"kinds":["Pod"]}}]},
         "mutate":{"foreach":[{"list":"request.object.spec.initContainers","patchStrategicMerge":{"metadata":{"labels":{"x":"y"}}}}]}}]}}"#,
    );
    let request = Request {
        object: pod(""),
        ..Request::default()
    };
    let m = mutate(&policy, &request, &Env::fixed());
    let got: Vec<(&str, Status, &str)> = m
        .responses
        .iter()
        .map(|r| (r.rule.as_str(), r.status, r.message.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("pull", Status::Pass, "mutated Pod/web in namespace default"),
            (
                "index",
                Status::Pass,
                "mutated Pod/web in namespace default"
            ),
            ("none", Status::Skip, "0 elements processed"),
            // Unlike validate, a list that does not resolve is an error (Kyverno repeats it).
            (
                "missing",
                Status::Error,
                "failed to evaluate list request.object.spec.initContainers: Unknown key \"initContainers\" in path: Unknown key \"initContainers\" in path"
            ),
        ]
    );
    // Only `main` passes the element's precondition.
    assert_eq!(
        containers(&m.patched),
        r#"[{"env":[{"name":"AT","value":"0"}],"image":"nginx","imagePullPolicy":"Always","name":"main"},{"env":[{"name":"AT","value":"1"}],"image":"busybox","name":"side"}]"#
    );
}

fn secret(ns: &str, name: &str, labels: &str) -> Value {
    v(&format!(
        r#"{{"apiVersion":"v1","kind":"Secret","metadata":{{"name":"{name}","namespace":"{ns}","labels":{labels}}}}}"#
    ))
}

fn trigger() -> Value {
    v(
        r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dictionary-1","namespace":"staging"},"data":{"want":"secret-1"}}"#,
    )
}

fn existing_policy(kind: &str, targets: &str, patch: &str) -> Value {
    v(&format!(
        r#"{{"apiVersion":"kyverno.io/v1","kind":"{kind}","metadata":{{"name":"p","namespace":"staging"}},
            "spec":{{"rules":[{{"name":"r","match":{{"any":[{{"resources":{{"kinds":["ConfigMap"]}}}}]}},
            "mutate":{{"targets":{targets},{patch}}}}}]}}}}"#
    ))
}

const LABEL: &str = r#""patchStrategicMerge":{"metadata":{"labels":{"foo":"bar"}}}"#;

fn run_existing(policy: &Value, existing: Vec<Value>) -> (Vec<String>, Vec<(usize, Value)>, Value) {
    let request = Request {
        object: trigger(),
        existing,
        ..Request::default()
    };
    let m = mutate(policy, &request, &Env::fixed());
    (
        m.responses
            .iter()
            .map(|r| format!("{} {}", r.status.as_str(), r.message))
            .collect(),
        m.targets,
        m.patched,
    )
}

#[test]
fn targets_are_patched_one_response_each_and_the_trigger_stays() {
    let existing = vec![
        trigger(),
        secret("staging", "secret-1", "{}"),
        secret("prod", "secret-1", "{}"),
        secret("prod", "other", "{}"),
    ];
    // A name alone reaches every namespace; `{{ }}` in the selector reads the trigger.
    let p = existing_policy(
        "ClusterPolicy",
        r#"[{"apiVersion":"v1","kind":"Secret","name":"{{ request.object.data.want }}"}]"#,
        LABEL,
    );
    let (responses, targets, patched) = run_existing(&p, existing.clone());
    assert_eq!(
        responses,
        [
            "pass mutated Secret/secret-1 in namespace staging",
            "pass mutated Secret/secret-1 in namespace prod"
        ]
    );
    assert_eq!(patched, trigger());
    assert_eq!(targets.len(), 2);
    assert_eq!(targets[0].0, 0);
    assert_eq!(targets[1].1, secret("prod", "secret-1", r#"{"foo":"bar"}"#));

    // A namespaced Policy reaches only its own namespace.
    let p = existing_policy(
        "Policy",
        r#"[{"apiVersion":"v1","kind":"Secret","name":"secret-1"}]"#,
        LABEL,
    );
    let (responses, targets, _) = run_existing(&p, existing.clone());
    assert_eq!(
        responses,
        ["pass mutated Secret/secret-1 in namespace staging"]
    );
    assert_eq!(
        targets[0].1,
        secret("staging", "secret-1", r#"{"foo":"bar"}"#)
    );

    // A namespace and a name without wildcards must name an object that exists.
    let p = existing_policy(
        "ClusterPolicy",
        r#"[{"apiVersion":"v1","kind":"Secret","namespace":"dev","name":"secret-1"}]"#,
        LABEL,
    );
    let (responses, targets, _) = run_existing(&p, existing.clone());
    assert_eq!(responses, [r#"error : secrets "secret-1" not found"#]);
    assert!(targets.is_empty());

    // Wildcards and a label selector list; a target already as the patch wants it is skipped.
    let p = existing_policy(
        "ClusterPolicy",
        r#"[{"apiVersion":"v1","kind":"Secret","namespace":"p*","selector":{"matchLabels":{"foo":"bar"}}}]"#,
        LABEL,
    );
    let mut labelled = existing.clone();
    labelled.push(secret("prod", "done", r#"{"foo":"bar"}"#));
    let (responses, targets, _) = run_existing(&p, labelled);
    assert_eq!(responses, ["skip no patches applied"]);
    assert!(targets.is_empty());
}

#[test]
fn each_target_has_its_context_and_preconditions() {
    let existing = vec![
        secret("staging", "a", r#"{"tier":"x"}"#),
        secret("staging", "b", "{}"),
    ];
    let p = existing_policy(
        "ClusterPolicy",
        r#"[{"apiVersion":"v1","kind":"Secret","namespace":"staging",
             "context":[{"name":"tier","variable":{"jmesPath":"target.metadata.labels.tier","default":"none"}}],
             "preconditions":{"all":[{"key":"{{ tier }}","operator":"NotEquals","value":"none"}]}}]"#,
        r#""patchStrategicMerge":{"metadata":{"annotations":{"seen":"{{ target.metadata.name }}-{{ tier }}"}}}"#,
    );
    let (responses, targets, _) = run_existing(&p, existing);
    assert_eq!(
        responses,
        [
            "pass mutated Secret/a in namespace staging",
            "skip preconditions not met"
        ]
    );
    assert_eq!(
        targets[0].1.at(&["metadata", "annotations"]),
        Some(&v(r#"{"seen":"a-x"}"#))
    );
}
