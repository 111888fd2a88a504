use std::collections::BTreeMap;

use crate::engine::{Env, Operation, Request, RuleResponse, Status, UserInfo, Value, validate};

fn y(text: &str) -> Value {
    let json: serde_json::Value = serde_json::from_str(text).expect("test JSON");
    Value::from_json(&json)
}

fn pod(name: &str, image: &str) -> Value {
    y(&format!(
        r#"{{"apiVersion":"v1","kind":"Pod","metadata":{{"name":"{name}","namespace":"default","labels":{{"app":"web"}}}},
            "spec":{{"containers":[{{"name":"main","image":"{image}"}},{{"name":"side","image":"busybox:1.36"}}]}}}}"#
    ))
}

fn deployment(image: &str) -> Value {
    y(&format!(
        r#"{{"apiVersion":"apps/v1","kind":"Deployment","metadata":{{"name":"d","namespace":"default"}},
            "spec":{{"template":{{"metadata":{{"labels":{{"app":"web"}}}},"spec":{{"containers":[{{"name":"main","image":"{image}"}}]}}}}}}}}"#
    ))
}

fn policy(rules: &str) -> Value {
    y(&format!(
        r#"{{"apiVersion":"kyverno.io/v1","kind":"ClusterPolicy","metadata":{{"name":"p"}},"spec":{{"rules":{rules}}}}}"#
    ))
}

fn run(policy: &Value, request: &Request) -> Vec<RuleResponse> {
    validate(policy, request, &Env::fixed())
}

fn req(object: Value) -> Request {
    Request {
        object,
        ..Request::default()
    }
}

fn one(responses: &[RuleResponse]) -> (&str, Status, &str) {
    assert_eq!(responses.len(), 1, "{responses:#?}");
    let r = &responses[0];
    (r.rule.as_str(), r.status, r.message.as_str())
}

const MATCH_POD: &str = r#"{"any":[{"resources":{"kinds":["Pod"]}}]}"#;

fn deny_rule(name: &str, message: &str, conditions: &str) -> String {
    format!(
        r#"{{"name":"{name}","match":{MATCH_POD},"validate":{{"message":"{message}","deny":{{"conditions":{conditions}}}}}}}"#
    )
}

#[test]
fn deny_fails_with_message_and_condition_messages() {
    let p = policy(&format!(
        "[{}]",
        deny_rule(
            "no-latest",
            "image of {{ request.object.metadata.name }} is bad",
            r#"{"any":[{"key":"{{ request.object.spec.containers[0].image }}","operator":"Equals","value":"*:latest","message":"latest tag"}]}"#
        )
    ));
    let out = run(&p, &req(pod("web", "nginx:latest")));
    assert_eq!(
        one(&out),
        ("no-latest", Status::Fail, "image of web is bad; latest tag")
    );
    let out = run(&p, &req(pod("web", "nginx:1.25")));
    assert_eq!(
        one(&out),
        (
            "no-latest",
            Status::Pass,
            "validation rule 'no-latest' passed."
        )
    );
}

#[test]
fn deny_without_messages() {
    let p = policy(&format!(
        "[{}]",
        deny_rule("r", "", r#"[{"key":"a","operator":"Equals","value":"a"}]"#)
    ));
    assert_eq!(
        one(&run(&p, &req(pod("web", "x")))),
        ("r", Status::Fail, "validation error: rule r failed")
    );
}

#[test]
fn deny_errors_on_undefined_variable_and_bad_operator() {
    let p = policy(&format!(
        "[{}]",
        deny_rule(
            "r",
            "m",
            r#"{"all":[{"key":"{{ request.object.metadata.labels.missing }}","operator":"Equals","value":"a"}]}"#
        )
    ));
    let out = run(&p, &req(pod("web", "x")));
    let (_, status, message) = one(&out);
    assert_eq!(status, Status::Error);
    assert!(
        message.starts_with(
            "failed to check deny conditions: failed to substitute variables in condition key:"
        ),
        "{message}"
    );
    assert!(
        message.contains("Unknown key \"missing\" in path"),
        "{message}"
    );
    let p = policy(&format!(
        "[{}]",
        deny_rule(
            "r",
            "m",
            r#"{"all":[{"key":"a","operator":"Matches","value":"a"}]}"#
        )
    ));
    assert_eq!(one(&run(&p, &req(pod("web", "x")))).1, Status::Error);
}

#[test]
fn unmatched_rules_give_no_response() {
    let p = policy(&format!(
        "[{}]",
        deny_rule("r", "m", r#"[{"key":"a","operator":"Equals","value":"a"}]"#)
    ));
    let svc = y(r#"{"apiVersion":"v1","kind":"Service","metadata":{"name":"s"}}"#);
    assert!(run(&p, &req(svc)).is_empty());
}

#[test]
fn preconditions_skip_and_error() {
    let p = policy(&format!(
        r#"[{{"name":"r","match":{MATCH_POD},
            "preconditions":{{"all":[{{"key":"{{{{ request.object.metadata.name }}}}","operator":"Equals","value":"db-*","message":"only databases"}}]}},
            "validate":{{"deny":{{"conditions":[{{"key":"a","operator":"Equals","value":"a"}}]}}}}}}]"#
    ));
    assert_eq!(
        one(&run(&p, &req(pod("web", "x")))),
        ("r", Status::Skip, "preconditions not met; only databases")
    );
    assert_eq!(one(&run(&p, &req(pod("db-1", "x")))).1, Status::Fail);
    let p = policy(&format!(
        r#"[{{"name":"r","match":{MATCH_POD},
            "preconditions":{{"any":[{{"key":"{{{{ nope }}}}","operator":"Equals","value":"x"}}]}},
            "validate":{{"deny":{{}}}}}}]"#
    ));
    let out = run(&p, &req(pod("web", "x")));
    let (_, status, message) = one(&out);
    assert_eq!(status, Status::Error);
    assert!(
        message.starts_with(
            "failed to evaluate preconditions: failed to substitute variables in condition key:"
        ),
        "{message}"
    );
}

fn foreach_rule(list: &str, extra: &str) -> Value {
    policy(&format!(
        r#"[{{"name":"fe","match":{MATCH_POD},"validate":{{"message":"no latest","foreach":[{{"list":"{list}"{extra},
            "deny":{{"conditions":{{"any":[{{"key":"{{{{ element.image }}}}","operator":"Equals","value":"*:latest"}}]}}}}}}]}}}}]"#
    ))
}

#[test]
fn foreach_fails_on_first_bad_element() {
    let p = foreach_rule("request.object.spec.containers", "");
    assert_eq!(
        one(&run(&p, &req(pod("web", "nginx:latest")))),
        ("fe", Status::Fail, "validation failure: no latest")
    );
    assert_eq!(
        one(&run(&p, &req(pod("web", "nginx:1")))),
        ("fe", Status::Pass, "rule passed")
    );
}

#[test]
fn foreach_without_elements_gives_no_response() {
    // Unknown key: the list is skipped.
    let p = foreach_rule("request.object.spec.initContainers", "");
    assert!(run(&p, &req(pod("web", "nginx:latest"))).is_empty());
    // Empty list.
    let p = foreach_rule("request.object.spec.containers[?name == 'none']", "");
    assert!(run(&p, &req(pod("web", "nginx:latest"))).is_empty());
    // Every element skipped by its preconditions.
    let p = foreach_rule(
        "request.object.spec.containers",
        r#","preconditions":{"all":[{"key":"{{ element.name }}","operator":"Equals","value":"none"}]}"#,
    );
    assert!(run(&p, &req(pod("web", "nginx:latest"))).is_empty());
}

#[test]
fn foreach_element_preconditions_and_errors() {
    // Elements whose preconditions error are ignored.
    let p = foreach_rule(
        "request.object.spec.containers",
        r#","preconditions":{"all":[{"key":"{{ element.missing }}","operator":"Equals","value":"x"}]}"#,
    );
    assert!(run(&p, &req(pod("web", "nginx:latest"))).is_empty());
    // elementScope on scalars is an error.
    let p = foreach_rule(
        "request.object.spec.containers[].image",
        r#","elementScope":true"#,
    );
    let out = run(&p, &req(pod("web", "nginx:1")));
    let (_, status, message) = one(&out);
    assert_eq!(status, Status::Error);
    assert!(
        message.contains("cannot use elementScope=true"),
        "{message}"
    );
}

#[test]
fn nested_foreach_sees_outer_elements() {
    let p = policy(&format!(
        r#"[{{"name":"n","match":{MATCH_POD},"validate":{{"message":"bad {{{{ element0.name }}}}/{{{{ element1 }}}}",
            "foreach":[{{"list":"request.object.spec.containers","foreach":[{{"list":"element.args",
            "deny":{{"conditions":{{"any":[{{"key":"{{{{ element1 }}}}","operator":"Equals","value":"--privileged"}}]}}}}}}]}}]}}}}]"#
    ));
    let object = y(
        r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[
            {"name":"a","image":"x","args":["--ok"]},{"name":"b","image":"y","args":["--privileged"]}]}}"#,
    );
    assert_eq!(
        one(&run(&p, &req(object))),
        (
            "n",
            Status::Fail,
            "validation failure: validation failure: bad b/--privileged"
        )
    );
}

#[test]
fn foreach_list_limit() {
    let p = foreach_rule("big", "");
    let mut r = req(pod("web", "x"));
    let big: Vec<Value> = (0..10_001).map(|i| Value::Number(i as f64)).collect();
    r.variables.insert("big".into(), Value::array(big));
    let out = run(&p, &r);
    let (_, status, message) = one(&out);
    assert_eq!(status, Status::Error);
    assert_eq!(
        message,
        "foreach list big has 10,001 elements; kyverno-ls evaluates at most 10,000 foreach elements per rule"
    );
}

#[test]
fn foreach_values_per_element() {
    let p = policy(&format!(
        r#"[{{"name":"fv","match":{MATCH_POD},"validate":{{"message":"bad {{{{ element.name }}}}","foreach":[{{"list":"request.object.spec.containers",
            "deny":{{"conditions":[{{"key":"{{{{ allowed }}}}","operator":"Equals","value":"no"}}]}}}}]}}}}]"#
    ));
    let mut r = req(pod("web", "x"));
    let mut values = BTreeMap::new();
    values.insert(
        "allowed".to_string(),
        vec![Value::from("yes"), Value::from("no")],
    );
    r.foreach_values.insert("fv".into(), values);
    assert_eq!(
        one(&run(&p, &r)),
        ("fv", Status::Fail, "validation failure: bad side")
    );
}

#[test]
fn autogen_rules_for_deployments() {
    let p = policy(&format!(
        "[{}]",
        deny_rule(
            "no-latest",
            "bad {{ request.object.metadata.labels.app }}",
            r#"{"any":[{"key":"{{ request.object.spec.containers[0].image }}","operator":"Equals","value":"*:latest"}]}"#
        )
    ));
    let out = run(&p, &req(deployment("nginx:latest")));
    assert_eq!(one(&out), ("autogen-no-latest", Status::Fail, "bad web"));
    let out = run(&p, &req(deployment("nginx:1")));
    assert_eq!(one(&out).1, Status::Pass);
}

#[test]
fn unscored_policies_warn_and_apply_rules_one() {
    let mut p = policy(&format!(
        "[{},{}]",
        deny_rule("a", "", r#"[{"key":"a","operator":"Equals","value":"a"}]"#),
        deny_rule("b", "", r#"[{"key":"a","operator":"Equals","value":"a"}]"#)
    ));
    let out = run(&p, &req(pod("web", "x")));
    assert_eq!(out.len(), 2);
    if let Value::Object(m) = &mut p {
        let m = std::sync::Arc::make_mut(m);
        m.insert(
            "metadata".into(),
            y(r#"{"name":"p","annotations":{"policies.kyverno.io/scored":"false"}}"#),
        );
        let spec = m.get_mut("spec").unwrap();
        if let Value::Object(s) = spec {
            std::sync::Arc::make_mut(s).insert("applyRules".into(), Value::from("One"));
        }
    }
    let out = run(&p, &req(pod("web", "x")));
    assert_eq!(
        one(&out),
        ("a", Status::Warn, "validation error: rule a failed")
    );
}

#[test]
fn enforce_update_allows_existing_violations() {
    let p = y(&format!(
        r#"{{"kind":"ClusterPolicy","metadata":{{"name":"p"}},"spec":{{"validationFailureAction":"Enforce","rules":[{}]}}}}"#,
        deny_rule(
            "r",
            "m",
            r#"{"any":[{"key":"{{ request.object.spec.containers[0].image }}","operator":"Equals","value":"*:latest"}]}"#
        )
    ));
    let mut r = req(pod("web", "nginx:latest"));
    r.operation = Operation::Update;
    r.old_object = pod("web", "nginx:latest");
    assert_eq!(
        one(&run(&p, &r)),
        (
            "r",
            Status::Skip,
            "skipping the rule evaluation as pre-existing violations are allowed"
        )
    );
    r.old_object = pod("web", "nginx:1");
    assert_eq!(one(&run(&p, &r)).1, Status::Fail);
}

#[test]
fn delete_reads_the_old_object() {
    let p = policy(&format!(
        "[{}]",
        deny_rule(
            "r",
            "deleting {{ request.object.metadata.name }}",
            r#"[{"key":"{{ request.operation }}","operator":"Equals","value":"DELETE"}]"#
        )
    ));
    let r = Request {
        operation: Operation::Delete,
        object: Value::object(Default::default()),
        old_object: pod("web", "x"),
        ..Request::default()
    };
    assert_eq!(one(&run(&p, &r)), ("r", Status::Fail, "deleting web"));
}

#[test]
fn context_entries_are_deferred() {
    let p = policy(&format!(
        r#"[{{"name":"r","match":{MATCH_POD},
            "context":[{{"name":"broken","variable":{{"jmesPath":"nope"}}}},{{"name":"app","variable":{{"jmesPath":"request.object.metadata.labels.app"}}}}],
            "validate":{{"deny":{{"conditions":[{{"key":"{{{{ app }}}}","operator":"Equals","value":"web"}}]}}}}}}]"#
    ));
    assert_eq!(one(&run(&p, &req(pod("web", "x")))).1, Status::Fail);
    let p = policy(&format!(
        r#"[{{"name":"r","match":{MATCH_POD},
            "context":[{{"name":"broken","variable":{{"jmesPath":"nope"}}}}],
            "validate":{{"deny":{{"conditions":[{{"key":"{{{{ broken }}}}","operator":"Equals","value":"web"}}]}}}}}}]"#
    ));
    assert_eq!(one(&run(&p, &req(pod("web", "x")))).1, Status::Error);
}

#[test]
fn rule_values_and_variables() {
    let p = policy(&format!(
        r#"[{{"name":"r","match":{MATCH_POD},
            "context":[{{"name":"cm","configMap":{{"name":"x","namespace":"y"}}}}],
            "validate":{{"deny":{{"conditions":[{{"key":"{{{{ cm.data.allowed }}}}","operator":"Equals","value":"no"}},
                                                {{"key":"{{{{ request.operation }}}}","operator":"Equals","value":"CREATE"}}]}}}}}}]"#
    ));
    let mut r = req(pod("web", "x"));
    assert_eq!(one(&run(&p, &r)).1, Status::Error);
    let mut values = BTreeMap::new();
    values.insert("cm.data.allowed".to_string(), Value::from("no"));
    r.rule_values.insert("r".into(), values);
    assert_eq!(one(&run(&p, &r)).1, Status::Fail);
    r.variables
        .insert("request.operation".into(), Value::from("UPDATE"));
    assert_eq!(one(&run(&p, &r)).1, Status::Pass);
}

#[test]
fn user_info_in_context() {
    let p = policy(&format!(
        "[{}]",
        deny_rule(
            "r",
            "{{ serviceAccountName }}",
            r#"[{"key":"{{ request.userInfo.username }}","operator":"Equals","value":"system:serviceaccount:*"}]"#
        )
    ));
    let mut r = req(pod("web", "x"));
    r.user_info = Some(UserInfo {
        username: "system:serviceaccount:ci:builder".into(),
        ..UserInfo::default()
    });
    assert_eq!(one(&run(&p, &r)), ("r", Status::Fail, "builder"));
}

#[test]
fn rule_types_answer_mutate_first_and_generate_last() {
    let p = policy(&format!(
        r#"[{{"name":"g","match":{MATCH_POD},"generate":{{"kind":"ConfigMap","name":"x","data":{{}}}}}},
            {{"name":"c","match":{MATCH_POD},"validate":{{"manifests":{{"attestors":[]}}}}}},
            {{"name":"m","match":{MATCH_POD},"mutate":{{"targets":[{{"apiVersion":"v1","kind":"ConfigMap"}}],"patchStrategicMerge":{{"metadata":{{"labels":{{"a":"b"}}}}}}}}}}]"#
    ));
    let mut r = req(pod("web", "x"));
    r.existing = vec![Value::from_json(&serde_json::json!(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm", "namespace": "default"}}
    ))];
    let out = crate::engine::evaluate(&p, &r, &Env::fixed());
    let got: Vec<(&str, Status)> = out.iter().map(|r| (r.rule.as_str(), r.status)).collect();
    // Mutate rules answer first, then validate rules, then generate rules.
    assert_eq!(
        got,
        [
            ("m", Status::Pass),
            ("c", Status::Unsupported),
            ("g", Status::Pass)
        ]
    );
}

#[test]
fn patterns_pass_fail_and_skip() {
    let p = policy(&format!(
        r#"[{{"name":"tag","match":{MATCH_POD},"validate":{{"message":"no latest","pattern":
            {{"spec":{{"containers":[{{"image":"!*:latest"}}]}}}}}}}}]"#
    ));
    assert_eq!(
        one(&run(&p, &req(pod("web", "nginx:latest")))),
        (
            "tag",
            Status::Fail,
            "validation error: no latest. rule tag failed at path /spec/containers/0/image/"
        )
    );
    assert_eq!(
        one(&run(&p, &req(pod("web", "nginx:1")))),
        ("tag", Status::Pass, "validation rule 'tag' passed.")
    );
    let out = run(&p, &req(deployment("nginx:latest")));
    assert_eq!(
        one(&out),
        (
            "autogen-tag",
            Status::Fail,
            "validation error: no latest. rule autogen-tag failed at path /spec/template/spec/containers/0/image/"
        )
    );
    // A conditional anchor that matches nothing: skip.
    let p = policy(&format!(
        r#"[{{"name":"cond","match":{MATCH_POD},"validate":{{"pattern":
            {{"spec":{{"(hostNetwork)":true,"containers":[{{"image":"x"}}]}}}}}}}}]"#
    ));
    assert_eq!(one(&run(&p, &req(pod("web", "nginx")))).1, Status::Skip);
}

#[test]
fn any_pattern_messages() {
    let p = policy(&format!(
        r#"[{{"name":"ap","match":{MATCH_POD},"validate":{{"message":"need a tag","anyPattern":[
            {{"spec":{{"containers":[{{"image":"nginx:*"}}]}}}},{{"metadata":{{"labels":{{"app":"db"}}}}}}]}}}}]"#
    ));
    assert_eq!(
        one(&run(&p, &req(pod("web", "nginx:1.2")))).2,
        "validation error: need a tag. rule ap[0] failed at path /spec/containers/1/image/ rule ap[1] failed at path /metadata/labels/app/"
    );
    let ok = y(
        r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"app":"db"}},"spec":{"containers":[{"name":"a","image":"x"}]}}"#,
    );
    assert_eq!(
        one(&run(&p, &req(ok))),
        (
            "ap",
            Status::Pass,
            "validation rule 'ap' anyPattern[1] passed."
        )
    );
}

#[test]
fn pattern_substitution_error_is_an_error() {
    let p = policy(&format!(
        r#"[{{"name":"s","match":{MATCH_POD},"validate":{{"pattern":{{"metadata":{{"name":"{{{{ nope }}}}"}}}}}}}}]"#
    ));
    let out = run(&p, &req(pod("web", "x")));
    let (_, status, message) = one(&out);
    assert_eq!(status, Status::Error);
    assert!(
        message.starts_with("variable substitution failed: "),
        "{message}"
    );
}

#[test]
fn foreach_pattern_applies_to_the_element() {
    let p = policy(&format!(
        r#"[{{"name":"fp","match":{MATCH_POD},"validate":{{"message":"pin images","foreach":[{{"list":"request.object.spec.containers",
            "pattern":{{"image":"!*:latest"}}}}]}}}}]"#
    ));
    assert_eq!(
        one(&run(&p, &req(pod("web", "nginx:latest")))),
        (
            "fp",
            Status::Fail,
            "validation failure: validation error: pin images. rule fp failed at path /image/"
        )
    );
}

#[test]
fn namespaced_policy_applies_in_its_namespace() {
    let p = y(&format!(
        r#"{{"kind":"Policy","metadata":{{"name":"p","namespace":"other"}},"spec":{{"rules":[{}]}}}}"#,
        deny_rule("r", "", r#"[{"key":"a","operator":"Equals","value":"a"}]"#)
    ));
    assert!(run(&p, &req(pod("web", "x"))).is_empty());
}

/// A kyverno.io PolicyException built from its `exceptions`, `match` and extra spec fields.
fn exception(name: &str, namespace: &str, exceptions: &str, extra: &str) -> Value {
    y(&format!(
        r#"{{"apiVersion":"kyverno.io/v2","kind":"PolicyException","metadata":{{"name":"{name}","namespace":"{namespace}"}},
            "spec":{{"exceptions":{exceptions}{extra}}}}}"#
    ))
}

#[test]
fn policy_exceptions_skip_the_rules_they_name_for_the_resources_they_match() {
    let p = policy(&format!(
        "[{}]",
        deny_rule(
            "no-nginx",
            "no nginx",
            r#"{"any":[{"key":"{{ request.object.spec.containers[0].image }}","operator":"Equals","value":"nginx"}]}"#
        )
    ));
    let matching = r#","match":{"any":[{"resources":{"kinds":["Pod"],"names":["we*"],"operations":["DELETE"]}}]}"#;
    let verdict = |exceptions: Vec<Value>| {
        let mut r = req(pod("web", "nginx"));
        r.exceptions = exceptions;
        let out = run(&p, &r);
        let (_, status, message) = one(&out);
        (status, message.to_string())
    };
    let fail = (Status::Fail, "no nginx".to_string());
    assert_eq!(verdict(vec![]), fail);
    // Rule names are wildcards; `operations` are not read; the key is namespace/name.
    assert_eq!(
        verdict(vec![exception(
            "e",
            "ops",
            r#"[{"policyName":"p","ruleNames":["no-*"]}]"#,
            matching
        )]),
        (
            Status::Skip,
            "rule is skipped due to policy exceptionsops/e".to_string()
        )
    );
    // Another policy or rule, a Policy's key for a ClusterPolicy, no match, an empty match.
    for (names, extra) in [
        (r#"[{"policyName":"q","ruleNames":["*"]}]"#, matching),
        (r#"[{"policyName":"p","ruleNames":["other"]}]"#, matching),
        (r#"[{"policyName":"ns/p","ruleNames":["*"]}]"#, matching),
        (
            r#"[{"policyName":"p","ruleNames":["*"]}]"#,
            r#","match":{"any":[{"resources":{"kinds":["Deployment"]}}]}"#,
        ),
        (
            r#"[{"policyName":"p","ruleNames":["*"]}]"#,
            r#","match":{}"#,
        ),
    ] {
        assert_eq!(
            verdict(vec![exception("e", "", names, extra)]),
            fail,
            "{names} {extra}"
        );
    }
    // Conditions in the rule's context: false leaves the rule alone; an error in any
    // exception's conditions means that none applies.
    let all = r#"[{"policyName":"p","ruleNames":["*"]}]"#;
    let cond = |key: &str| {
        format!(
            r#"{matching},"conditions":{{"any":[{{"key":"{key}","operator":"Equals","value":"web"}}]}}"#
        )
    };
    assert_eq!(
        verdict(vec![exception(
            "e",
            "",
            all,
            &cond("{{ request.object.metadata.name }}")
        )]),
        (
            Status::Skip,
            "rule is skipped due to policy exceptionse".to_string()
        )
    );
    assert_eq!(verdict(vec![exception("e", "", all, &cond("other"))]), fail);
    assert_eq!(
        verdict(vec![
            exception("bad", "", all, &cond("{{ divide(`1`, `0`) }}")),
            exception("e", "", all, matching),
        ]),
        fail
    );
}

#[test]
fn policy_exceptions_narrow_pod_security_to_their_controls() {
    let p = policy(
        r#"[{"name":"baseline","match":{"any":[{"resources":{"kinds":["Pod"]}}]},
             "validate":{"podSecurity":{"level":"baseline","version":"latest"}}}]"#,
    );
    let host_path = |path: &str| {
        y(&format!(
            r#"{{"apiVersion":"v1","kind":"Pod","metadata":{{"name":"p","namespace":"default"}},
                "spec":{{"containers":[{{"name":"c","image":"nginx"}}],"volumes":[{{"name":"v","hostPath":{{"path":"{path}"}}}}]}}}}"#
        ))
    };
    let all = r#"[{"policyName":"p","ruleNames":["baseline"]}]"#;
    let matching = r#","match":{"any":[{"resources":{"kinds":["Pod"]}}]}"#;
    let narrowing = format!(
        r#"{matching},"podSecurity":[{{"controlName":"HostPath Volumes","restrictedField":"spec.volumes[*].hostPath","values":["/var/lib1"]}}]"#
    );
    let verdict = |pod: Value, exceptions: Vec<Value>| {
        let mut r = req(pod);
        r.exceptions = exceptions;
        let out = run(&p, &r);
        let (_, status, message) = one(&out);
        (status, message.to_string())
    };
    // An exception without controls exempts the rule whole, and names itself alone.
    assert_eq!(
        verdict(
            host_path("/etc"),
            vec![exception("whole", "", all, matching)]
        ),
        (
            Status::Skip,
            "rule is skipped due to policy exception whole".to_string()
        )
    );
    // With controls: skipped when they excuse every failing check, else the rule fails.
    assert_eq!(
        verdict(
            host_path("/var/lib1"),
            vec![exception("some", "ns", all, &narrowing)]
        ),
        (
            Status::Skip,
            "rule is skipped due to policy exceptions ns/some".to_string()
        )
    );
    assert_eq!(
        verdict(
            host_path("/etc"),
            vec![exception("some", "ns", all, &narrowing)]
        )
        .0,
        Status::Fail
    );
}
