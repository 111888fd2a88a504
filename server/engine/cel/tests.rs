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
        run(
            POLICY,
            &request(&pod("bad", "[NET_RAW]", "{exempt: 'yes'}"))
        ),
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
    let policy = POLICY.replace("variables.containers.all(c,", "object.spec.missing.all(c,");
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
        got[0]
            .2
            .starts_with("failed to compile policy: spec.variables[0].expression: Invalid value: "),
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
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: default\nspec:\n  replicas: {replicas}\n"
        )
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

#[test]
fn context_libraries_read_the_context_file_in_a_validating_policy_only() {
    let policy = "apiVersion: policies.kyverno.io/v1
kind: ValidatingPolicy
metadata:
  name: priorities
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: ['']
      apiVersions: [v1]
      operations: [CREATE]
      resources: [pods]
  variables:
  - name: cm
    expression: resource.Get('v1', 'configmaps', 'default', 'allowed')
  validations:
  - expression: >-
      variables.cm != null && object.spec.priorityClassName in variables.cm.data.names.split(',')
      && variables.cm.data.count == 2
      && image.GetMetadata(object.spec.containers[0].image).config.user == 'nobody'
";
    let mut req = request(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: default\nspec:\n  priorityClassName: high\n  containers:\n  - name: c\n    image: busybox:1.35\n",
    );
    req.context_resources = vec![yaml(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: allowed\n  namespace: default\ndata:\n  names: high,low\n  count: 2\n",
    )];
    req.images.insert(
        "busybox:1.35".into(),
        yaml("image: busybox:1.35\nconfig:\n  user: nobody\n"),
    );
    assert_eq!(
        run(policy, &req),
        [(Status::Pass, String::new(), "success".to_string())]
    );
    let mut other = req.clone();
    other.images.clear();
    assert_eq!(
        run(policy, &other),
        [(
            Status::Error,
            String::new(),
            "error: failed to get image data: image data for busybox:1.35 not found in the context"
                .to_string()
        )]
    );
    // validate.cel runs in Kubernetes' environment, which has no Kyverno library.
    let rule = "apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: cp
spec:
  rules:
  - name: lookup
    match:
      any:
      - resources:
          kinds: [Pod]
    validate:
      cel:
        expressions:
        - expression: resource.Get('v1', 'configmaps', 'default', 'allowed') != null
        - expression: image('nginx').registry() == 'index.docker.io'
";
    assert_eq!(
        run(rule, &req),
        [(
            Status::Fail,
            "lookup".to_string(),
            "expression 'resource.Get('v1', 'configmaps', 'default', 'allowed') != null' resulted in error: undeclared reference to 'resource' (in container '')".to_string()
        )]
    );
}

#[test]
fn a_namespaced_policy_reads_its_own_namespace_without_naming_it() {
    let policy = "apiVersion: policies.kyverno.io/v1
kind: NamespacedValidatingPolicy
metadata:
  name: limits
  namespace: team-a
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: ['']
      apiVersions: [v1]
      operations: [CREATE]
      resources: [pods]
  validations:
  - expression: >-
      resource.Get('v1', 'configmaps', 'settings').data.mode == 'strict'
      && resource.List('v1', 'configmaps').items.size() == 1
";
    let mut req = request(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: team-a\nspec:\n  containers:\n  - name: c\n    image: nginx\n",
    );
    req.context_resources = vec![
        yaml(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: team-a\ndata:\n  mode: strict\n",
        ),
        yaml(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: team-b\ndata:\n  mode: lax\n",
        ),
    ];
    assert_eq!(
        run(policy, &req),
        [(Status::Pass, String::new(), "success".to_string())]
    );
}

const VAP: &str = "apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: replicas
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: [apps]
      apiVersions: [v1]
      operations: [CREATE, UPDATE]
      resources: [deployments]
  matchConditions:
  - name: not-system
    expression: \"!object.metadata.name.startsWith('system-')\"
  variables:
  - name: limit
    expression: \"namespaceObject.metadata.?labels.?tier.orValue('') == 'prod' ? 5 : 3\"
  validations:
  - expression: object.spec.replicas <= variables.limit
    messageExpression: \"'at most ' + string(variables.limit) + ' replicas'\"
";

fn deployment(name: &str, replicas: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: shop\nspec:\n  replicas: {replicas}\n"
    )
}

fn vap(policy: &str, req: &Request) -> Vec<(Status, String, String)> {
    run(policy, req)
}

#[test]
fn a_validating_admission_policy_decides_as_the_kubernetes_validator() {
    let rule = || "replicas".to_string();
    assert_eq!(
        vap(VAP, &request(&deployment("web", "3"))),
        [(Status::Pass, rule(), String::new())]
    );
    assert_eq!(
        vap(VAP, &request(&deployment("web", "4"))),
        [(Status::Fail, rule(), "at most 3 replicas".to_string())]
    );
    assert_eq!(
        vap(VAP, &request(&deployment("system-web", "9"))),
        [(
            Status::Skip,
            rule(),
            "match conditions aren't met".to_string()
        )]
    );
    // The namespace object carries the values file's labels.
    let mut prod = request(&deployment("web", "4"));
    prod.namespace_labels.insert(
        "shop".to_string(),
        [("tier".to_string(), "prod".to_string())].into(),
    );
    assert_eq!(vap(VAP, &prod), [(Status::Pass, rule(), String::new())]);
    // A validation that errors is an error, not a failure.
    assert_eq!(
        vap(VAP, &request(&deployment("web", "'3'"))),
        [(
            Status::Error,
            rule(),
            "expression 'object.spec.replicas <= variables.limit' resulted in error: no such overload"
                .to_string()
        )]
    );
    // A kind outside the constraints gets no response: the CLI reports it as excluded.
    assert_eq!(vap(VAP, &request(&pod("p", "[ALL]", "{}"))), []);
}

#[test]
fn bindings_replace_the_policy_constraints_of_a_validating_admission_policy() {
    let binding = |match_resources: &str| {
        yaml(&format!(
            "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata:\n  name: b\nspec:\n  policyName: replicas\n  validationActions: [Deny]\n{match_resources}"
        ))
    };
    let mut req = request(&deployment("web", "4"));
    req.admission_bindings = vec![binding(
        "  matchResources:\n    namespaceSelector:\n      matchLabels:\n        tier: prod\n",
    )];
    assert_eq!(vap(VAP, &req), []);
    // A binding without matchResources applies the policy to anything, even a kind that the
    // policy's own constraints leave out.
    req.admission_bindings = vec![binding("")];
    req.object = yaml(
        &deployment("web", "4")
            .replace("apps/v1", "batch/v1")
            .replace("Deployment", "Job"),
    );
    assert_eq!(
        vap(VAP, &req),
        [(
            Status::Fail,
            "replicas".to_string(),
            "at most 3 replicas".to_string()
        )]
    );
    // A binding of another policy is ignored, and the policy's constraints decide again.
    req.admission_bindings = vec![yaml(
        "kind: ValidatingAdmissionPolicyBinding\nspec:\n  policyName: other\n",
    )];
    assert_eq!(vap(VAP, &req), []);
}

#[test]
fn admission_policy_parameters_come_from_the_binding_param_ref() {
    let policy = VAP
        .replace(
            "spec:\n",
            "spec:\n  paramKind:\n    apiVersion: v1\n    kind: ConfigMap\n",
        )
        .replace(
            "object.spec.replicas <= variables.limit",
            "object.spec.replicas <= int(params.data.max)",
        );
    let limits = |name: &str, max: &str| {
        yaml(&format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}, namespace: shop, labels: {{team: a}}}}\ndata: {{max: '{max}'}}\n"
        ))
    };
    let binding = |param_ref: &str| {
        yaml(&format!(
            "kind: ValidatingAdmissionPolicyBinding\nspec:\n  policyName: replicas\n  paramRef: {param_ref}\n"
        ))
    };
    let rule = || "replicas".to_string();
    let mut req = request(&deployment("web", "4"));
    req.param_resources = vec![limits("small", "3"), limits("large", "8")];
    req.admission_bindings = vec![binding("{name: large}")];
    assert_eq!(vap(&policy, &req), [(Status::Pass, rule(), String::new())]);
    req.admission_bindings = vec![binding("{name: small}")];
    assert_eq!(
        vap(&policy, &req),
        [(Status::Fail, rule(), "at most 3 replicas".to_string())]
    );
    // A selector evaluates the policy once per parameter: any denial denies.
    req.admission_bindings = vec![binding("{selector: {matchLabels: {team: a}}}")];
    assert_eq!(
        vap(&policy, &req),
        [(Status::Fail, rule(), "at most 3 replicas".to_string())]
    );
    // No parameter found: nothing to evaluate, unless the binding says to deny.
    req.admission_bindings = vec![binding("{selector: {matchLabels: {team: b}}}")];
    assert_eq!(vap(&policy, &req), [(Status::Pass, rule(), String::new())]);
    req.admission_bindings = vec![binding(
        "{selector: {matchLabels: {team: b}}, parameterNotFoundAction: Deny}",
    )];
    assert_eq!(
        vap(&policy, &req),
        [(
            Status::Error,
            rule(),
            "failed to find parameters: no params found".to_string()
        )]
    );
    req.admission_bindings = vec![binding("{name: missing}")];
    assert_eq!(
        vap(&policy, &req),
        [(
            Status::Error,
            rule(),
            "failed to find parameters: configmaps \"missing\" not found".to_string()
        )]
    );
    // Without a binding, `params` is null.
    req.admission_bindings.clear();
    assert_eq!(
        vap(&policy, &req),
        [(
            Status::Error,
            rule(),
            "expression 'object.spec.replicas <= int(params.data.max)' resulted in error: type 'null_type' does not support field selection".to_string()
        )]
    );
}

#[test]
fn a_validate_cel_rule_reads_its_parameters_from_the_cluster_resources() {
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
    validate:
      cel:
        paramKind: {apiVersion: v1, kind: ConfigMap}
        paramRef: {name: limits, parameterNotFoundAction: Deny}
        expressions:
        - expression: object.spec.replicas <= int(params.data.max)
          message: too many replicas
";
    let mut req = request(&deployment("web", "4"));
    req.cluster_resources = vec![yaml(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: limits, namespace: shop}\ndata: {max: '3'}\n",
    )];
    assert_eq!(
        run(policy, &req),
        [(
            Status::Fail,
            "replicas".to_string(),
            "too many replicas".to_string()
        )]
    );
    req.cluster_resources.clear();
    assert_eq!(
        run(policy, &req),
        [(
            Status::Error,
            "replicas".to_string(),
            "error in parameterized resource: configmaps \"limits\" not found".to_string()
        )]
    );
}

#[test]
fn cel_http_mocks_answer_the_whole_mocked_response() {
    let policy = POLICY.replace(
        "variables.containers.all(c,\n        c.?securityContext.?capabilities.?drop.orValue([]).exists(d, d == 'ALL'))",
        "http.Get('https://authz.example/pods').statusCode == 200 &&\n      http.Post('https://authz.example/pods', {}).body.allowed",
    );
    let mut req = request(&pod("p", "[]", "{}"));
    req.api_responses = vec![crate::engine::ApiResponse {
        url: "https://authz.example/pods".to_string(),
        method: "POST".to_string(),
        body: yaml("allowed: true"),
        response: yaml("{body: {allowed: true}, statusCode: 200}"),
    }];
    assert_eq!(
        run(&policy, &req),
        [(Status::Pass, String::new(), "success".to_string())]
    );
}

#[test]
fn a_json_mode_policy_checks_any_document_without_a_request() {
    let policy = "apiVersion: policies.kyverno.io/v1
kind: ValidatingPolicy
metadata:
  name: no-root-ca
spec:
  evaluation:
    mode: JSON
  matchConstraints:
    resourceRules:
    - {apiGroups: [''], apiVersions: [v1], operations: [CREATE], resources: [pods]}
  validations:
  - expression: object.changes.all(c, c.type != 'ROOT') && request == null && namespaceObject == null
    message: root CAs are not allowed
";
    assert_eq!(
        run(policy, &request("changes: [{type: SUBORDINATE}]")),
        [(Status::Pass, String::new(), "success".to_string())]
    );
    assert_eq!(
        run(policy, &request("changes: [{type: ROOT}]")),
        [(
            Status::Fail,
            String::new(),
            "root CAs are not allowed".to_string()
        )]
    );
}
