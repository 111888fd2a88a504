//! Generate rules of a ClusterPolicy or Policy, as `kyverno test` runs them.
//!
//! Two steps, as in Kyverno's CLI:
//! - the status of each rule (K:pkg/engine/background.go `filterRule`): PolicyExceptions are
//!   consulted before `match`; a rule that does not match, or whose context does not load,
//!   gives no response; preconditions decide pass, skip or error, with an empty message;
//! - the objects each rule creates (K:cmd/cli/kubectl-kyverno/processor/generate.go, then
//!   K:pkg/background/generate): the generate controller runs for every response, on a fake
//!   cluster that holds the trigger and the test's `cloneSourceResource` documents. It reloads
//!   the context, rechecks the preconditions, substitutes `{{ }}` in the rule's pattern and
//!   makes the object from `data`, from one `clone` source, or from each `cloneList` source.
//!   A target that already exists is updated or left alone, and is not reported as
//!   generated. Any rule's error drops every object of the policy, and `kyverno test` then
//!   compares statuses alone.

use super::context::Context;
use super::validate::{self, prepare_rule_context};
use super::{Env, Operation, Request, RuleResponse, Status, Value, conditions, exceptions};
use super::{autogen, matching, vars};
use crate::jmespath::value::Map;

/// What a policy's generate rules decided for one trigger, and what they created.
#[derive(Debug, Clone, PartialEq)]
pub struct Generation {
    /// One response per generate rule that matched.
    pub responses: Vec<RuleResponse>,
    /// For each response, in the same order, the objects its rule created. Err: a rule of the
    /// policy failed to generate, and Kyverno's CLI keeps no object of the policy.
    pub objects: Result<Vec<Vec<Value>>, String>,
}

fn present(v: Option<&Value>) -> Option<&Value> {
    v.filter(|x| !matches!(x, Value::Null))
}

/// Whether `policy` has a generate rule.
pub fn has_generate_rules(policy: &Value) -> bool {
    policy
        .at(&["spec", "rules"])
        .and_then(Value::as_array)
        .is_some_and(|rules| rules.iter().any(|r| present(r.at(&["generate"])).is_some()))
}

/// The statuses of the generate rules of `policy` for the request, and the objects they
/// create in a cluster that holds the trigger and `cluster` (the clone sources).
pub fn generate(policy: &Value, request: &Request, env: &Env, cluster: &[Value]) -> Generation {
    let responses = statuses(policy, request, env);
    let mut store: Vec<Value> = Vec::with_capacity(cluster.len() + 1);
    store.push(request.object.clone());
    store.extend(cluster.iter().cloned());
    let rules = autogen::compute_rules(policy, request.object.str_at(&["kind"]));
    let mut objects = Vec::with_capacity(responses.len());
    let mut failure = None;
    for r in &responses {
        let Some(computed) = rules.iter().find(|c| c.rule.str_at(&["name"]) == r.rule) else {
            objects.push(Vec::new());
            continue;
        };
        match objects_of(policy, &computed.rule, request, env, &mut store) {
            Ok(made) => objects.push(made),
            Err(e) => {
                failure.get_or_insert(format!("rule {}: {e}", r.rule));
                objects.push(Vec::new());
            }
        }
    }
    Generation {
        responses,
        objects: match failure {
            Some(e) => Err(e),
            None => Ok(objects),
        },
    }
}

/// `filterRule` for each generate rule, in order; with `applyRules: One`, up to the first
/// response that is not a skip.
pub fn statuses(policy: &Value, request: &Request, env: &Env) -> Vec<RuleResponse> {
    let policy_ns = matching::policy_namespace(policy);
    let policy_key = exceptions::policy_key(policy);
    let apply_one = policy.str_at(&["spec", "applyRules"]) == "One";
    let mut out = Vec::new();
    for computed in autogen::compute_rules(policy, request.object.str_at(&["kind"])) {
        let rule = &computed.rule;
        if present(rule.at(&["generate"])).is_none() {
            continue;
        }
        let name = rule.str_at(&["name"]).to_string();
        let Some((status, message)) = status(rule, &name, request, env, policy_ns, &policy_key)
        else {
            continue;
        };
        out.push(RuleResponse {
            rule: name,
            source: computed.source,
            status,
            message,
            resource_path: None,
            policy_path: None,
        });
        if apply_one && status != Status::Skip {
            break;
        }
    }
    out
}

fn status(
    rule: &Value,
    name: &str,
    request: &Request,
    env: &Env,
    policy_ns: &str,
    policy_key: &str,
) -> Option<(Status, String)> {
    // Exceptions come first: they except the trigger whether or not the rule matches it.
    let named = exceptions::naming(&request.exceptions, policy_key, name);
    if !named.is_empty() {
        let mut ctx = Context::new(request, env);
        let applying = exceptions::applying(&named, &mut ctx);
        if !applying.is_empty() {
            return Some((
                Status::Skip,
                format!(
                    "rule is skipped due to policy exception {}",
                    exceptions::keys(&applying)
                ),
            ));
        }
    }
    if !matching::matches_request(rule, request, policy_ns) {
        // An update that takes the resource out of the rule's reach fails it.
        let old = Request {
            object: request.old_object.clone(),
            ..request.clone()
        };
        let was_matched = request.operation == Operation::Update
            && request
                .old_object
                .as_object()
                .is_some_and(|m| !m.is_empty())
            && matching::matches_request(rule, &old, policy_ns);
        return was_matched.then(|| (Status::Fail, String::new()));
    }
    let mut ctx = Context::new(request, env);
    prepare_rule_context(&mut ctx, rule, request).ok()?;
    let Some(pre) = present(rule.at(&["preconditions"])) else {
        return Some((Status::Pass, String::new()));
    };
    match conditions::evaluate_block(&mut ctx, pre) {
        Err(e) => Some((Status::Error, format!("failed to evaluate conditions: {e}"))),
        Ok(v) if v.passed => Some((Status::Pass, String::new())),
        Ok(_) => Some((Status::Skip, String::new())),
    }
}

/// `ApplyGeneratePolicy` for one rule: the objects it creates in `store`, which it adds them
/// to, as the fake cluster keeps them for the rules after it.
fn objects_of(
    policy: &Value,
    rule: &Value,
    request: &Request,
    env: &Env,
    store: &mut Vec<Value>,
) -> Result<Vec<Value>, String> {
    let Some(generate) = present(rule.at(&["generate"])) else {
        return Ok(Vec::new());
    };
    let mut ctx = Context::new(request, env);
    prepare_rule_context(&mut ctx, rule, request)
        .map_err(|e| format!("failed to load context: {e}"))?;
    let labels = Labels::new(policy, rule, &request.object);
    let Some(entries) = present(generate.at(&["foreach"])).and_then(Value::as_array) else {
        return pattern(
            &mut ctx,
            present(rule.at(&["preconditions"])),
            generate,
            &labels,
            store,
        );
    };
    let name = rule.str_at(&["name"]);
    let mut made = Vec::new();
    let mut errors = Vec::new();
    for (i, fe) in entries.iter().enumerate() {
        let elements = match validate::foreach_elements(&mut ctx, fe) {
            Ok(e) => e,
            Err(e) => {
                errors.push(format!("failed to evaluate {i} foreach list: {e}"));
                continue;
            }
        };
        if elements.len() > crate::limits::MAX_FOREACH_ELEMENTS {
            errors.push(format!(
                "foreach list {} has {} elements; kyverno-ls evaluates at most {}",
                fe.str_at(&["list"]),
                crate::limits::thousands(elements.len() as u64),
                crate::limits::thousands(crate::limits::MAX_FOREACH_ELEMENTS as u64)
            ));
            continue;
        }
        let mut failed = Vec::new();
        for (index, el) in elements.iter().enumerate() {
            if matches!(el, Value::Null) {
                continue;
            }
            let result = validate::element_context(&ctx, name, fe, el, index, 0)
                .map_err(|e| format!("failed to load context: {e}"))
                .and_then(|mut c| {
                    pattern(
                        &mut c,
                        present(fe.at(&["preconditions"])),
                        fe,
                        &labels,
                        store,
                    )
                });
            match result {
                Ok(objs) => made.extend(objs),
                Err(e) => failed.push(format!("failed to process {index} element: {e}")),
            }
        }
        if !failed.is_empty() {
            errors.push(format!(
                "failed to process {i} foreach in rule {name}: {}",
                failed.join("; ")
            ));
        }
    }
    if errors.is_empty() {
        Ok(made)
    } else {
        Err(errors.join("; "))
    }
}

/// One generate pattern (the rule's, or a `foreach` entry's) in `ctx`: preconditions, then
/// the substituted target and its source.
fn pattern(
    ctx: &mut Context,
    preconditions: Option<&Value>,
    body: &Value,
    labels: &Labels,
    store: &mut Vec<Value>,
) -> Result<Vec<Value>, String> {
    if let Some(pre) = preconditions {
        let v = conditions::evaluate_block(ctx, pre)
            .map_err(|e| format!("failed to evaluate preconditions: {e}"))?;
        if !v.passed {
            return Ok(Vec::new());
        }
    }
    let mut raw = body.as_object().cloned().unwrap_or_default();
    for k in ["foreach", "list", "context", "preconditions"] {
        raw.remove(k);
    }
    let p = vars::substitute_all(ctx, &Value::object(raw))?;
    let target = Target {
        api_version: p.str_at(&["apiVersion"]).to_string(),
        kind: p.str_at(&["kind"]).to_string(),
        namespace: p.str_at(&["namespace"]).to_string(),
        name: p.str_at(&["name"]).to_string(),
    };
    // What to create: (target, content). A target already in the cluster is updated in place
    // or left alone (`synchronize`), and Kyverno does not report it as generated.
    let mut creations = Vec::new();
    if !p.str_at(&["clone", "name"]).is_empty() {
        let source = Target {
            namespace: p.str_at(&["clone", "namespace"]).to_string(),
            name: p.str_at(&["clone", "name"]).to_string(),
            ..target.clone()
        };
        creations.extend(clone(&target, &source, store)?);
    } else if let Some(kinds) = present(p.at(&["cloneList", "kinds"]))
        .and_then(Value::as_array)
        .filter(|k| !k.is_empty())
    {
        let from = p.str_at(&["cloneList", "namespace"]);
        let selector = present(p.at(&["cloneList", "selector"]));
        for k in kinds.iter().filter_map(Value::as_str) {
            let (api_version, kind) = split_kind(k);
            let sources: Vec<Value> = store
                .iter()
                .filter(|o| {
                    o.str_at(&["kind"]) == kind
                        && (api_version.is_empty() || o.str_at(&["apiVersion"]) == api_version)
                        && o.str_at(&["metadata", "namespace"]) == from
                        && selector.is_none_or(|s| {
                            matching::selector_matches(
                                s,
                                &super::cel::matching::labels(o.at(&["metadata", "labels"])),
                            )
                        })
                })
                .cloned()
                .collect();
            for s in sources {
                let source = Target::of(&s);
                let to = Target {
                    namespace: target.namespace.clone(),
                    ..source.clone()
                };
                if source.namespace == to.namespace {
                    continue;
                }
                creations.extend(clone(&to, &source, store)?);
            }
        }
    } else {
        let data = match present(p.at(&["data"])) {
            Some(Value::Object(m)) => (**m).clone(),
            Some(other) => {
                return Err(format!(
                    "generate.data must be an object, not {}",
                    other.type_name()
                ));
            }
            None => Map::new(),
        };
        if !target.exists_in(store) {
            creations.push((target, data));
        }
    }
    let mut made = Vec::new();
    for (target, mut data) in creations {
        let mut meta = data
            .get("metadata")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        meta.insert("name".into(), Value::from(target.name.as_str()));
        if target.namespace.is_empty() {
            meta.remove("namespace");
        } else {
            meta.insert("namespace".into(), Value::from(target.namespace.as_str()));
        }
        meta.remove("resourceVersion");
        let mut all_labels: Map = meta
            .get("labels")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        labels.add_to(&mut all_labels);
        meta.insert("labels".into(), Value::object(all_labels));
        data.insert("metadata".into(), Value::object(meta));
        if data
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or("")
            .is_empty()
        {
            data.insert("kind".into(), Value::from(target.kind.as_str()));
        }
        data.insert(
            "apiVersion".into(),
            Value::from(target.api_version.as_str()),
        );
        let object = Value::object(data);
        store.push(object.clone());
        made.push(object);
    }
    Ok(made)
}

#[derive(Debug, Clone, PartialEq)]
struct Target {
    api_version: String,
    kind: String,
    namespace: String,
    name: String,
}

impl Target {
    fn of(o: &Value) -> Target {
        Target {
            api_version: o.str_at(&["apiVersion"]).to_string(),
            kind: o.str_at(&["kind"]).to_string(),
            namespace: o.str_at(&["metadata", "namespace"]).to_string(),
            name: o.str_at(&["metadata", "name"]).to_string(),
        }
    }

    fn find<'s>(&self, store: &'s [Value]) -> Option<&'s Value> {
        store.iter().find(|o| Target::of(o) == *self)
    }

    fn exists_in(&self, store: &[Value]) -> bool {
        self.find(store).is_some()
    }

    fn describe(&self) -> String {
        format!(
            "{}/{}/{}/{}",
            self.api_version, self.kind, self.namespace, self.name
        )
    }
}

/// `manageClone`: a copy of the source under the target's name and namespace, without the
/// fields the API server owns; nothing for a self-clone or a target that exists; an error
/// when the source is not in the cluster.
fn clone(
    target: &Target,
    source: &Target,
    store: &[Value],
) -> Result<Option<(Target, Map)>, String> {
    if source.namespace == target.namespace && source.name == target.name {
        return Ok(None);
    }
    let Some(found) = source.find(store) else {
        return Err(format!(
            "source resource {} not found: {} \"{}\" not found",
            target.describe(),
            source.kind.to_lowercase(),
            source.name
        ));
    };
    let mut copy = found.as_object().cloned().unwrap_or_default();
    let mut meta = copy
        .get("metadata")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for k in [
        "uid",
        "selfLink",
        "creationTimestamp",
        "managedFields",
        "resourceVersion",
    ] {
        meta.remove(k);
    }
    if source.namespace != target.namespace {
        meta.remove("ownerReferences");
    }
    let mut labels: Map = meta
        .get("labels")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let (group, version) = match source.api_version.split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", source.api_version.as_str()),
    };
    for (k, v) in [
        ("source-group", group),
        ("source-version", version),
        ("source-kind", source.kind.as_str()),
        ("source-namespace", source.namespace.as_str()),
        ("source-uid", found.str_at(&["metadata", "uid"])),
    ] {
        labels.insert(format!("generate.kyverno.io/{k}"), Value::from(v));
    }
    meta.insert("labels".into(), Value::object(labels));
    copy.insert("metadata".into(), Value::object(meta));
    Ok((!target.exists_in(store)).then(|| (target.clone(), copy)))
}

/// `v1/Secret` → (`v1`, `Secret`); `apps/v1/Deployment` → (`apps/v1`, `Deployment`).
fn split_kind(s: &str) -> (&str, &str) {
    match s.rsplit_once('/') {
        Some((av, k)) => (av, k),
        None => ("", s),
    }
}

/// The labels Kyverno puts on every object it generates (K:pkg/background/common/labels.go).
struct Labels(Vec<(String, String)>);

impl Labels {
    fn new(policy: &Value, rule: &Value, trigger: &Value) -> Labels {
        let (group, version) = match trigger.str_at(&["apiVersion"]).split_once('/') {
            Some((g, v)) => (g.to_string(), v.to_string()),
            None => (String::new(), trigger.str_at(&["apiVersion"]).to_string()),
        };
        let mut out = vec![(
            "app.kubernetes.io/managed-by".to_string(),
            "kyverno".to_string(),
        )];
        for (k, v) in [
            (
                "policy-name",
                policy.str_at(&["metadata", "name"]).to_string(),
            ),
            (
                "policy-namespace",
                policy.str_at(&["metadata", "namespace"]).to_string(),
            ),
            ("rule-name", rule.str_at(&["name"]).to_string()),
            ("trigger-group", group),
            ("trigger-version", version),
            ("trigger-kind", trigger.str_at(&["kind"]).to_string()),
            (
                "trigger-namespace",
                trigger.str_at(&["metadata", "namespace"]).to_string(),
            ),
            (
                "trigger-uid",
                trigger.str_at(&["metadata", "uid"]).to_string(),
            ),
        ] {
            out.push((format!("generate.kyverno.io/{k}"), v));
        }
        Labels(out)
    }

    fn add_to(&self, labels: &mut Map) {
        for (k, v) in &self.0 {
            labels.insert(k.clone(), Value::from(v.as_str()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(json: &str) -> Value {
        Value::from_json(&serde_json::from_str(json).expect("test JSON"))
    }

    fn namespace(name: &str) -> Value {
        v(&format!(
            r#"{{"apiVersion":"v1","kind":"Namespace","metadata":{{"name":"{name}","labels":{{"team":"a"}}}}}}"#
        ))
    }

    fn policy(rules: &str) -> Value {
        v(&format!(
            r#"{{"apiVersion":"kyverno.io/v1","kind":"ClusterPolicy","metadata":{{"name":"gen"}},"spec":{{"rules":{rules}}}}}"#
        ))
    }

    fn request(object: Value) -> Request {
        Request {
            object,
            ..Request::default()
        }
    }

    /// Status and message of each response, and the objects as Go JSON without the labels
    /// Kyverno adds.
    fn run(policy: &Value, req: &Request, cluster: &[Value]) -> (Vec<String>, Vec<String>) {
        let g = generate(policy, req, &Env::fixed(), cluster);
        let statuses = g
            .responses
            .iter()
            .map(|r| format!("{} {} {:?}", r.rule, r.status.as_str(), r.message))
            .collect();
        let objects = match g.objects {
            Err(e) => vec![format!("error: {e}")],
            Ok(per_rule) => per_rule
                .iter()
                .flatten()
                .map(|o| {
                    let mut o = o.as_object().cloned().unwrap();
                    let mut meta = o["metadata"].as_object().cloned().unwrap();
                    let labels: Map = meta["labels"]
                        .as_object()
                        .unwrap()
                        .iter()
                        .filter(|(k, _)| !k.starts_with("generate.kyverno.io/"))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect();
                    meta.insert("labels".into(), Value::object(labels));
                    o.insert("metadata".into(), Value::object(meta));
                    crate::jmespath::json::to_go_json(&Value::object(o))
                })
                .collect(),
        };
        (statuses, objects)
    }

    #[test]
    fn data_is_substituted_and_named_by_the_rule() {
        let p = policy(
            r#"[{"name":"quota","match":{"any":[{"resources":{"kinds":["Namespace"]}}]},
                "generate":{"apiVersion":"v1","kind":"ConfigMap","name":"cm-{{request.object.metadata.name}}",
                  "namespace":"{{request.object.metadata.name}}",
                  "data":{"metadata":{"labels":{"x":"y"}},"data":{"team":"{{request.object.metadata.labels.team}}"}}}}]"#,
        );
        let (statuses, objects) = run(&p, &request(namespace("dev")), &[]);
        assert_eq!(statuses, vec![r#"quota pass """#]);
        assert_eq!(
            objects,
            vec![
                r#"{"apiVersion":"v1","data":{"team":"a"},"kind":"ConfigMap","metadata":{"labels":{"app.kubernetes.io/managed-by":"kyverno","x":"y"},"name":"cm-dev","namespace":"dev"}}"#
            ]
        );
    }

    #[test]
    fn a_rule_without_data_makes_an_object_with_metadata_only() {
        let p = policy(
            r#"[{"name":"r","match":{"any":[{"resources":{"kinds":["Namespace"]}}]},
                "generate":{"apiVersion":"foo/v1","kind":"Foo","name":"f","namespace":"{{request.object.metadata.name}}"}}]"#,
        );
        let (_, objects) = run(&p, &request(namespace("dev")), &[]);
        assert_eq!(
            objects,
            vec![
                r#"{"apiVersion":"foo/v1","kind":"Foo","metadata":{"labels":{"app.kubernetes.io/managed-by":"kyverno"},"name":"f","namespace":"dev"}}"#
            ]
        );
    }

    #[test]
    fn clone_copies_the_source_without_server_fields_and_fails_without_it() {
        let p = policy(
            r#"[{"name":"sync","match":{"any":[{"resources":{"kinds":["Namespace"]}}]},
                "generate":{"apiVersion":"v1","kind":"Secret","name":"regcred","namespace":"{{request.object.metadata.name}}",
                  "synchronize":true,"clone":{"namespace":"default","name":"regcred"}}}]"#,
        );
        let source = v(
            r#"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"regcred","namespace":"default","uid":"u1",
                "resourceVersion":"7","creationTimestamp":"2024-01-01T00:00:00Z","ownerReferences":[{"name":"o"}]},
                "data":{"k":"dg=="}}"#,
        );
        let (statuses, objects) = run(&p, &request(namespace("dev")), &[source]);
        assert_eq!(statuses, vec![r#"sync pass """#]);
        assert_eq!(
            objects,
            vec![
                r#"{"apiVersion":"v1","data":{"k":"dg=="},"kind":"Secret","metadata":{"labels":{"app.kubernetes.io/managed-by":"kyverno"},"name":"regcred","namespace":"dev"}}"#
            ]
        );
        // Without the source, the status stands and no object is kept.
        let (statuses, objects) = run(&p, &request(namespace("dev")), &[]);
        assert_eq!(statuses, vec![r#"sync pass """#]);
        assert_eq!(
            objects,
            vec![
                "error: rule sync: source resource v1/Secret/dev/regcred not found: secret \"regcred\" not found"
            ]
        );
    }

    #[test]
    fn clone_list_copies_the_selected_sources_of_each_kind() {
        let p = policy(
            r#"[{"name":"list","match":{"any":[{"resources":{"kinds":["Namespace"]}}]},
                "generate":{"namespace":"{{request.object.metadata.name}}",
                  "cloneList":{"namespace":"default","kinds":["v1/Secret","v1/ConfigMap"],
                    "selector":{"matchLabels":{"copy":"yes"}}}}}]"#,
        );
        let cluster = [
            v(
                r#"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"a","namespace":"default","labels":{"copy":"yes"}}}"#,
            ),
            v(
                r#"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"b","namespace":"default"}}"#,
            ),
            v(
                r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"default","labels":{"copy":"yes"}}}"#,
            ),
            v(
                r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"d","namespace":"other","labels":{"copy":"yes"}}}"#,
            ),
        ];
        let (_, objects) = run(&p, &request(namespace("dev")), &cluster);
        assert_eq!(
            objects,
            vec![
                r#"{"apiVersion":"v1","kind":"Secret","metadata":{"labels":{"app.kubernetes.io/managed-by":"kyverno","copy":"yes"},"name":"a","namespace":"dev"}}"#,
                r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"labels":{"app.kubernetes.io/managed-by":"kyverno","copy":"yes"},"name":"c","namespace":"dev"}}"#,
            ]
        );
    }

    #[test]
    fn preconditions_exceptions_and_matching_decide_the_status() {
        let p = policy(
            r#"[{"name":"only-a","match":{"any":[{"resources":{"kinds":["Namespace"]}}]},
                 "preconditions":{"all":[{"key":"{{request.object.metadata.labels.team}}","operator":"Equals","value":"b"}]},
                 "generate":{"apiVersion":"v1","kind":"ConfigMap","name":"x","namespace":"dev","data":{}}},
                {"name":"pods-only","match":{"any":[{"resources":{"kinds":["Pod"]}}]},
                 "generate":{"apiVersion":"v1","kind":"ConfigMap","name":"y","namespace":"dev","data":{}}},
                {"name":"excepted","match":{"any":[{"resources":{"kinds":["Pod"]}}]},
                 "generate":{"apiVersion":"v1","kind":"ConfigMap","name":"z","namespace":"dev","data":{}}}]"#,
        );
        let mut req = request(namespace("dev"));
        req.exceptions = vec![v(
            r#"{"apiVersion":"kyverno.io/v2","kind":"PolicyException","metadata":{"name":"ex","namespace":"kyverno"},
                "spec":{"exceptions":[{"policyName":"gen","ruleNames":["excepted"]}],
                        "match":{"any":[{"resources":{"kinds":["Namespace"]}}]}}}"#,
        )];
        let (statuses, objects) = run(&p, &req, &[]);
        // A false precondition skips with no message and creates nothing; an exception skips
        // even a rule that does not match, but does not stop the controller.
        assert_eq!(
            statuses,
            vec![
                r#"only-a skip """#,
                r#"excepted skip "rule is skipped due to policy exception kyverno/ex""#
            ]
        );
        assert_eq!(objects.len(), 1);
        assert!(objects[0].contains(r#""name":"z""#), "{objects:?}");
    }

    #[test]
    fn an_existing_target_is_not_reported_and_foreach_makes_one_per_element() {
        let p = policy(
            r#"[{"name":"per-port","match":{"any":[{"resources":{"kinds":["Namespace"]}}]},
                "generate":{"foreach":[{"list":"['a','b','dev']",
                  "apiVersion":"v1","kind":"Namespace","name":"{{element}}","data":{}}]}}]"#,
        );
        let (statuses, objects) = run(&p, &request(namespace("dev")), &[]);
        assert_eq!(statuses, vec![r#"per-port pass """#]);
        // `dev` is the trigger itself: it exists, so it is not generated.
        assert_eq!(
            objects,
            vec![
                r#"{"apiVersion":"v1","kind":"Namespace","metadata":{"labels":{"app.kubernetes.io/managed-by":"kyverno"},"name":"a"}}"#,
                r#"{"apiVersion":"v1","kind":"Namespace","metadata":{"labels":{"app.kubernetes.io/managed-by":"kyverno"},"name":"b"}}"#,
            ]
        );
    }
}
