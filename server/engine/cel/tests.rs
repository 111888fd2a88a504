use crate::engine::{Env, Operation, Request, RuleResponse, Status, Value};

fn yaml(text: &str) -> Value {
    let docs = crate::yaml::parse(text, &crate::yaml::Limits::default());
    Value::from_json(&docs[0].root.as_ref().unwrap().to_json())
}

fn request(resource: &str) -> Request {
    Request {
        object: yaml(resource),
        ..Request::default()
    }
}

const POLICY: &str = "apiVersion: policies.kyverno.io/v1
kind: ValidatingPolicy
metadata:
  name: drop-all
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: ['']
      apiVersions: [v1]
      operations: [CREATE, UPDATE]
      resources: [pods]
  matchConditions:
  - name: not-exempt
    expression: \"!has(object.metadata.labels) || !('exempt' in object.metadata.labels)\"
  variables:
  - name: containers
    expression: object.spec.containers + object.spec.?initContainers.orValue([])
  validations:
  - expression: >-
      variables.containers.all(c,
        c.?securityContext.?capabilities.?drop.orValue([]).exists(d, d == 'ALL'))
    messageExpression: \"'containers of ' + object.metadata.name + ' must drop ALL'\"
";

fn pod(name: &str, drop: &str, labels: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: default\n  labels: {labels}\nspec:\n  containers:\n  - name: c\n    image: nginx\n    securityContext:\n      capabilities:\n        drop: {drop}\n"
    )
}

fn run(policy: &str, req: &Request) -> Vec<(Status, String, String)> {
    crate::engine::evaluate(&yaml(policy), req, &Env::fixed())
        .into_iter()
        .map(|r: RuleResponse| (r.status, r.rule, r.message))
        .collect()
}

#[test]
fn a_validating_policy_passes_fails_and_skips() {
    assert_eq!(
        run(POLICY, &request(&pod("good", "[ALL]", "{}"))),
        [(Status::Pass, String::new(), "success".to_string())]
    );
    assert_eq!(
        run(POLICY, &request(&pod("bad", "[NET_RAW]", "{}"))),
        [(
            Status::Fail,
            String::new(),
            "containers of bad must drop ALL".to_string()
        )]
    );
    assert_eq!(
        run(POLICY, &request(&pod("bad", "[NET_RAW]", "{exempt: 'yes'}"))),
        [(Status::Skip, String::new(), "skip".to_string())]
    );
}

#[test]
fn a_resource_the_constraints_do_not_match_gets_no_response() {
    let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: default\n";
    assert_eq!(run(POLICY, &request(cm)), []);
    let delete = Request {
        operation: Operation::Delete,
        old_object: yaml(&pod("bad", "[NET_RAW]", "{}")),
        object: Value::object(Default::default()),
        ..Request::default()
    };
    assert_eq!(run(POLICY, &delete), []);
}

#[test]
fn autogen_evaluates_pod_controllers_on_their_template() {
    let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: default\nspec:\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: c\n        image: nginx\n";
    assert_eq!(
        run(POLICY, &request(deployment)),
        [(
            Status::Fail,
            String::new(),
            "containers of web must drop ALL".to_string()
        )],
        "`object.metadata.name` stays the Deployment's own"
    );
    let only_jobs = POLICY.replace(
        "  validations:",
        "  autogen:\n    podControllers:\n      controllers: [jobs]\n  validations:",
    );
    assert_eq!(run(&only_jobs, &request(deployment)), []);
}

#[test]
fn runtime_errors_and_messages() {
    let policy = POLICY.replace(
        "variables.containers.all(c,",
        "object.spec.missing.all(c,",
    );
    assert_eq!(
        run(&policy, &request(&pod("p", "[ALL]", "{}"))),
        [(
            Status::Error,
            String::new(),
            "error: no such key: missing".to_string()
        )]
    );
    let plain = POLICY.replace(
        "    messageExpression: \"'containers of ' + object.metadata.name + ' must drop ALL'\"\n",
        "",
    );
    assert_eq!(
        run(&plain, &request(&pod("p", "[]", "{}"))),
        [(
            Status::Fail,
            String::new(),
            "CEL expression validation failed at index 0".to_string()
        )]
    );
    let broken = POLICY.replace("object.spec.containers +", "object.spec.containers + +");
    let got = run(&broken, &request(&pod("p", "[]", "{}")));
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, Status::Error);
    assert!(
        got[0].2.starts_with("failed to compile policy: spec.variables[0].expression: Invalid value: "),
        "{}",
        got[0].2
    );
}

#[test]
fn a_cel_policy_exception_skips_the_policy() {
    let exception = yaml(
        "apiVersion: policies.kyverno.io/v1\nkind: PolicyException\nmetadata:\n  name: allow-bad\n  namespace: default\nspec:\n  policyRefs:\n  - name: drop-all\n    kind: ValidatingPolicy\n  matchConditions:\n  - name: bad-only\n    expression: object.metadata.name == 'bad'\n",
    );
    let mut req = request(&pod("bad", "[]", "{}"));
    req.cel_exceptions = vec![exception.clone()];
    assert_eq!(
        run(POLICY, &req),
        [(
            Status::Skip,
            "exception".to_string(),
            "rule is skipped due to policy exception: default/allow-bad".to_string()
        )]
    );
    let mut other = request(&pod("other", "[]", "{}"));
    other.cel_exceptions = vec![exception];
    assert_eq!(run(POLICY, &other)[0].0, Status::Fail);
}

#[test]
fn a_validate_cel_rule_reports_as_kubernetes_validator_does() {
    let policy = "apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: cp
spec:
  rules:
  - name: replicas
    match:
      any:
      - resources:
          kinds: [Deployment]
    celPreconditions:
    - name: only-web
      expression: object.metadata.name.startsWith('web')
    validate:
      message: too many replicas
      cel:
        expressions:
        - expression: object.spec.replicas <= 3
";
    let deployment = |name: &str, replicas: u32| {
        format!("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: default\nspec:\n  replicas: {replicas}\n")
    };
    assert_eq!(
        run(policy, &request(&deployment("web", 2))),
        [(
            Status::Pass,
            "replicas".to_string(),
            "Validation rule 'replicas' passed.".to_string()
        )]
    );
    assert_eq!(
        run(policy, &request(&deployment("web", 5))),
        [(
            Status::Fail,
            "replicas".to_string(),
            "too many replicas".to_string()
        )]
    );
    assert_eq!(
        run(policy, &request(&deployment("api", 5))),
        [(
            Status::Skip,
            "replicas".to_string(),
            "cel preconditions not met".to_string()
        )]
    );
    // Errors deny, so Kyverno reports them as failures.
    let broken = policy.replace("object.spec.replicas <= 3", "object.spec.replica <= 3");
    assert_eq!(
        run(&broken, &request(&deployment("web", 5))),
        [(
            Status::Fail,
            "replicas".to_string(),
            "expression 'object.spec.replica <= 3' resulted in error: no such key: replica"
                .to_string()
        )]
    );
}
