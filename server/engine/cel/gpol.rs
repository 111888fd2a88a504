//! GeneratingPolicy and NamespacedGeneratingPolicy, as `kyverno test` evaluates one against a
//! trigger: matchConstraints (no match: no response), CEL PolicyExceptions, matchConditions
//! (one false: no response either), then the variables and each `generate` entry in order.
//! An expression's value is ignored, only its error counts; what it creates goes through
//! `generator.Apply`. A template entry creates its documents, each in its own namespace.
//!
//! The result is one response named after the policy: pass, `policy evaluated successfully`,
//! with the objects created, or error, `failed to evaluate policy: ...`. Nothing is created
//! for real: like Kyverno's CLI, the engine only collects the objects, which `kyverno test`
//! then compares with `generatedResource`.

use std::sync::Arc;

use super::template::Template;
use super::vpol::{self, Compiled, Exempt};
use super::{bindings, matching};
use crate::cel::functions::context::Generator;
use crate::engine::generate::Generation;
use crate::engine::{Env, Request, Status, Value};

/// One `generate` entry, ready to run.
enum Entry {
    Expression(Arc<crate::cel::Program>),
    Template(Template),
}

/// The fields Kyverno's CLI clears on a generated object when it simulates against the
/// test's `clusterResources` (its context then stands for a cluster, whose objects carry
/// them); its offline context keeps the objects as they were given.
const SERVER_FIELDS: &[&str] = &[
    "uid",
    "managedFields",
    "annotations",
    "resourceVersion",
    "creationTimestamp",
];

fn without_server_fields(object: Value) -> Value {
    let Some(mut o) = object.as_object().cloned() else {
        return object;
    };
    if let Some(mut meta) = o.get("metadata").and_then(Value::as_object).cloned() {
        for k in SERVER_FIELDS {
            meta.remove(*k);
        }
        o.insert("metadata".into(), Value::object(meta));
    }
    Value::object(o)
}

fn compile_entries(spec: &Value) -> Result<Vec<Entry>, String> {
    let mut out = Vec::new();
    for (i, g) in vpol::expressions(spec, "generate").iter().enumerate() {
        let expression = g.str_at(&["expression"]);
        let template = g.at(&["template"]).filter(|t| !matches!(t, Value::Null));
        out.push(match (expression.is_empty(), template) {
            (false, None) => Entry::Expression(vpol::compile(
                expression,
                &format!("spec.generate[{i}].expression"),
            )?),
            (true, Some(t)) => {
                let interpolate = t.str_at(&["interpolate"]) == "cel";
                Entry::Template(Template::compile(t.str_at(&["value"]), interpolate).map_err(
                    |e| format!("failed to compile policy: spec.generate[{i}].template.value: {e}"),
                )?)
            }
            (false, Some(_)) => {
                return Err(format!(
                    "failed to compile policy: spec.generate[{i}]: set either expression or template, not both"
                ));
            }
            (true, None) => {
                return Err(format!(
                    "failed to compile policy: spec.generate[{i}]: set an expression or a template"
                ));
            }
        });
    }
    Ok(out)
}

/// Hands a template's objects to the generator, each in the namespace its document names (a
/// NamespacedGeneratingPolicy's own when it names none; another one is refused).
fn apply_template(
    objects: Vec<Value>,
    generator: &Generator,
    policy_namespace: Option<&str>,
) -> Result<(), String> {
    // Namespaces in order of first appearance, each with its objects.
    let mut groups: Vec<(String, Vec<crate::cel::Value>)> = Vec::new();
    for object in objects {
        let own = object.str_at(&["metadata", "namespace"]).to_string();
        let namespace = match policy_namespace {
            Some(p) if own.is_empty() => p.to_string(),
            Some(p) if own != p => {
                return Err(format!(
                    "cross-namespace generation denied: a policy in namespace {p:?} cannot generate into {own:?}"
                ));
            }
            _ => own,
        };
        let value = crate::cel::Value::from_json(&object);
        match groups.iter_mut().find(|(ns, _)| *ns == namespace) {
            Some((_, list)) => list.push(value),
            None => groups.push((namespace, vec![value])),
        }
    }
    for (namespace, list) in groups {
        generator.keep(&namespace, &list)?;
    }
    Ok(())
}

/// What a GeneratingPolicy does for one trigger: at most one response, and the objects it
/// creates (one list per response).
pub fn generate(policy: &Value, request: &Request, env: &Env) -> Generation {
    let none = Generation {
        responses: Vec::new(),
        objects: Ok(Vec::new()),
    };
    let Some(spec) = policy.at(&["spec"]) else {
        return none;
    };
    if !matching::matches(spec.at(&["matchConstraints"]), request) {
        return none;
    }
    let name = policy.str_at(&["metadata", "name"]);
    let kind = policy.str_at(&["kind"]);
    let only = |r: crate::engine::RuleResponse, made: Vec<Value>| Generation {
        responses: vec![r],
        objects: Ok(vec![made]),
    };
    let failed = |e: String| only(vpol::response(Status::Error, name, e), Vec::new());
    // Kyverno compiles the whole policy before it runs any of it.
    let compiled = (|| -> Result<_, String> {
        let mut conditions = Vec::new();
        for (i, c) in vpol::expressions(spec, "matchConditions")
            .iter()
            .enumerate()
        {
            let path = format!("spec.matchConditions[{i}].expression");
            conditions.push(vpol::compile(c.str_at(&["expression"]), &path)?);
        }
        let mut variables: Vec<(String, Compiled)> = Vec::new();
        for (i, v) in vpol::expressions(spec, "variables").iter().enumerate() {
            let path = format!("spec.variables[{i}].expression");
            let program = vpol::compile(v.str_at(&["expression"]), &path)?;
            variables.push((v.str_at(&["name"]).to_string(), Ok(program)));
        }
        Ok((conditions, variables, compile_entries(spec)?))
    })();
    let (conditions, variables, entries) = match compiled {
        Ok(c) => c,
        Err(e) => return failed(e),
    };
    let cel_env = bindings::env_for_kind(env, kind);
    let namespace = vpol::policy_namespace(policy);
    // Exceptions and matchConditions see the request, not the variables.
    let mut activation = vpol::activation(policy, request, Vec::new());
    let evaluation = |e: String| format!("failed to evaluate policy: {e}");
    match vpol::exceptions(request, name, kind, &activation, &cel_env, true) {
        Err(e) => return failed(evaluation(e)),
        Ok(Exempt::Fully(names, pass)) => {
            return only(vpol::exception_response(&names, pass), Vec::new());
        }
        Ok(Exempt::Partly { images, values }) => {
            vpol::bind_allowed(&mut activation, images, values)
        }
    }
    match vpol::conditions_hold(&conditions, &activation, &cel_env) {
        Ok(true) => {}
        Ok(false) => return none,
        Err(e) => return failed(evaluation(e)),
    }
    let generator = Generator::new(
        namespace.map(str::to_string),
        crate::limits::MAX_GENERATED_OBJECTS,
    );
    activation.set("generator", crate::cel::Value::Opaque(generator.clone()));
    vpol::bind_variables(&mut activation, variables);
    for entry in &entries {
        let done = match entry {
            Entry::Expression(p) => p
                .eval(&activation, &cel_env)
                .map(|_| ())
                .map_err(|e| e.message),
            Entry::Template(t) => t
                .render(&activation, &cel_env)
                .map_err(|e| format!("failed to render generation template: {e}"))
                .and_then(|objects| apply_template(objects, &generator, namespace)),
        };
        if let Err(e) = done {
            return failed(evaluation(e));
        }
    }
    // Against `clusterResources`, Kyverno's CLI stands in for a cluster and clears what the
    // API server owns; its offline context keeps the objects as they came.
    let cluster = !request.cluster_resources.is_empty();
    let made = generator
        .made()
        .iter()
        .map(|v| {
            let object = v.to_json();
            if cluster {
                without_server_fields(object)
            } else {
                object
            }
        })
        .collect();
    only(
        vpol::response(Status::Pass, name, "policy evaluated successfully"),
        made,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(text: &str) -> Value {
        let docs = crate::yaml::parse(text, &crate::yaml::Limits::default());
        Value::from_json(&docs[0].root.as_ref().expect("a document").to_json())
    }

    fn namespace(name: &str) -> Request {
        Request {
            object: yaml(&format!(
                "apiVersion: v1\nkind: Namespace\nmetadata: {{name: {name}}}\n"
            )),
            ..Request::default()
        }
    }

    const HEAD: &str = "apiVersion: policies.kyverno.io/v1
kind: GeneratingPolicy
metadata:
  name: gen
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: ['']
      apiVersions: [v1]
      operations: [CREATE, UPDATE]
      resources: [namespaces]
";

    /// Status, rule and message of each response, and the objects as Go JSON (or the error
    /// that dropped them).
    fn run(spec: &str, request: &Request) -> (Vec<String>, Vec<String>) {
        let policy = yaml(&format!("{HEAD}{spec}"));
        let g = generate(&policy, request, &Env::fixed());
        let responses = g
            .responses
            .iter()
            .map(|r| format!("{} {} {}", r.status.as_str(), r.rule, r.message))
            .collect();
        let objects = match g.objects {
            Ok(per) => per
                .iter()
                .flatten()
                .map(crate::jmespath::json::to_go_json)
                .collect(),
            Err(e) => vec![format!("error: {e}")],
        };
        (responses, objects)
    }

    const DATA: &str = "  variables:
  - name: ns
    expression: object.metadata.name
  generate:
  - expression: >-
      generator.Apply(variables.ns, [{'apiVersion': dyn('v1'), 'kind': dyn('ConfigMap'),
        'metadata': dyn({'name': 'settings'}), 'data': dyn({'team': variables.ns})}])
";

    #[test]
    fn objects_handed_to_the_generator_are_the_result() {
        assert_eq!(
            run(DATA, &namespace("dev")),
            (
                vec!["pass gen policy evaluated successfully".to_string()],
                vec![
                    r#"{"apiVersion":"v1","data":{"team":"dev"},"kind":"ConfigMap","metadata":{"name":"settings","namespace":"dev"}}"#.to_string()
                ]
            )
        );
    }

    #[test]
    fn no_match_and_false_match_conditions_give_no_response() {
        let pod = Request {
            object: yaml("apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: dev}\n"),
            ..Request::default()
        };
        assert_eq!(run(DATA, &pod), (vec![], vec![]));
        let spec = format!(
            "  matchConditions:\n  - name: only-prod\n    expression: object.metadata.name == 'prod'\n{DATA}"
        );
        assert_eq!(run(&spec, &namespace("dev")), (vec![], vec![]));
        assert_eq!(run(&spec, &namespace("prod")).1.len(), 1);
    }

    #[test]
    fn errors_drop_the_objects() {
        let spec = format!("{DATA}  - expression: object.metadata.labels.team == 'a'\n");
        assert_eq!(
            run(&spec, &namespace("dev")),
            (
                vec!["error gen failed to evaluate policy: no such key: labels".to_string()],
                vec![]
            )
        );
        let spec = "  matchConditions:\n  - name: broken\n    expression: object.spec.x\n  generate:\n  - expression: 'true'\n";
        assert_eq!(
            run(spec, &namespace("dev")).0,
            vec!["error gen failed to evaluate policy: no such key: spec".to_string()]
        );
    }

    #[test]
    fn exceptions_skip_before_the_match_conditions() {
        let mut req = namespace("testing");
        req.cel_exceptions = vec![yaml(
            "apiVersion: policies.kyverno.io/v1alpha1\nkind: PolicyException\nmetadata: {name: skip-testing}\nspec:\n  policyRefs: [{name: gen, kind: GeneratingPolicy}]\n  matchConditions:\n  - {name: n, expression: \"object.metadata.name == 'testing'\"}\n",
        )];
        assert_eq!(
            run(DATA, &req),
            (
                vec![
                    "skip exception rule is skipped due to policy exception: skip-testing"
                        .to_string()
                ],
                vec![]
            )
        );
        let mut other = namespace("prod");
        other.cel_exceptions = req.cel_exceptions.clone();
        assert_eq!(
            run(DATA, &other).0,
            vec!["pass gen policy evaluated successfully".to_string()]
        );
    }

    #[test]
    fn clones_come_from_the_context_and_lose_server_fields_against_cluster_resources() {
        let spec = "  generate:
  - expression: generator.Apply(object.metadata.name, [resource.List('v1', 'secrets', 'default')])
";
        let source = yaml(
            "apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: default, uid: u1, resourceVersion: '7', annotations: {a: b}, labels: {l: v}}\ndata: {k: dg==}\n",
        );
        let mut req = namespace("dev");
        req.context_resources = vec![source.clone()];
        assert_eq!(
            run(spec, &req).1,
            vec![r#"{"apiVersion":"v1","data":{"k":"dg=="},"kind":"Secret","metadata":{"annotations":{"a":"b"},"labels":{"l":"v"},"name":"s","namespace":"dev","resourceVersion":"7","uid":"u1"}}"#.to_string()]
        );
        let mut req = namespace("dev");
        req.cluster_resources = vec![source];
        assert_eq!(
            run(spec, &req).1,
            vec![r#"{"apiVersion":"v1","data":{"k":"dg=="},"kind":"Secret","metadata":{"labels":{"l":"v"},"name":"s","namespace":"dev"}}"#.to_string()]
        );
    }

    #[test]
    fn templates_create_their_documents_in_their_namespaces() {
        let spec = "  variables:
  - name: labels
    expression: \"{'team': 'platform'}\"
  generate:
  - template:
      interpolate: cel
      value: |
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: (( object.metadata.name ))-config
          namespace: (( object.metadata.name ))
          labels: (( variables.labels ))
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: shared, namespace: kube-public}
";
        assert_eq!(
            run(spec, &namespace("dev")).1,
            vec![
                r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"labels":{"team":"platform"},"name":"dev-config","namespace":"dev"}}"#.to_string(),
                r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"shared","namespace":"kube-public"}}"#.to_string(),
            ]
        );
        let broken = "  generate:\n  - template:\n      interpolate: cel\n      value: 'name: (( object.x ))'\n";
        assert_eq!(
            run(broken, &namespace("dev")).0,
            vec!["error gen failed to evaluate policy: failed to render generation template: document 1: .name: the placeholder (( object.x )) failed: no such key: x".to_string()]
        );
        let both = "  generate:\n  - expression: 'true'\n    template: {value: 'a: b'}\n";
        assert_eq!(
            run(both, &namespace("dev")).0,
            vec!["error gen failed to compile policy: spec.generate[0]: set either expression or template, not both".to_string()]
        );
    }

    #[test]
    fn namespaced_policies_generate_only_into_their_namespace() {
        let policy = yaml(
            "apiVersion: policies.kyverno.io/v1
kind: NamespacedGeneratingPolicy
metadata: {name: gen, namespace: team-a}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [''], apiVersions: [v1], operations: [CREATE], resources: [configmaps]}
  generate:
  - expression: >-
      generator.Apply([{'kind': 'Secret', 'metadata': {'name': 'x'}}])
  - template:
      value: |
        kind: Secret
        metadata: {name: y}
",
        );
        let cm = Request {
            object: yaml(
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: team-a}\n",
            ),
            ..Request::default()
        };
        let g = generate(&policy, &cm, &Env::fixed());
        let made: Vec<String> = g
            .objects
            .expect("objects")
            .iter()
            .flatten()
            .map(crate::jmespath::json::to_go_json)
            .collect();
        assert_eq!(
            made,
            vec![
                r#"{"kind":"Secret","metadata":{"name":"x","namespace":"team-a"}}"#,
                r#"{"kind":"Secret","metadata":{"name":"y","namespace":"team-a"}}"#,
            ]
        );
        let escape = yaml(
            "apiVersion: policies.kyverno.io/v1
kind: NamespacedGeneratingPolicy
metadata: {name: gen, namespace: team-a}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [''], apiVersions: [v1], operations: [CREATE], resources: [configmaps]}
  generate:
  - template:
      value: 'metadata: {name: y, namespace: kube-system}'
",
        );
        assert_eq!(
            generate(&escape, &cm, &Env::fixed()).responses[0].message,
            "failed to evaluate policy: cross-namespace generation denied: a policy in namespace \"team-a\" cannot generate into \"kube-system\""
        );
    }
}
