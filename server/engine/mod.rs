//! The simulator: what Kyverno decides for one (policy, resource, admission request), rule by
//! rule. Pure and deterministic: the clock and randomness come in through [`Env`], the cluster
//! through the mocks in [`Request`].
//!
//! Module map:
//! - `validate` runs the pipeline for each rule: autogen, match/exclude, context, preconditions,
//!   then deny / pattern / anyPattern / foreach / podSecurity, and builds the response.
//! - `matching` decides match/exclude; `autogen` computes the rules Kyverno generates for Pod
//!   controllers; `context` holds the JSON context and queries it; `vars` substitutes `{{ }}`
//!   in a subtree; `conditions` evaluates any/all condition blocks and the operators.
//! - `pattern` validates a resource against `pattern`/`anyPattern` (anchors, wildcards, value
//!   expressions, `$(...)` references); `pss` evaluates `podSecurity`.

pub mod anchor;

/// A values file's entry for a rule: Kyverno's CLI store serves the entry of rule `x` to `x`,
/// `autogen-x` and `autogen-cronjob-x`.
pub(crate) fn rule_values<'a, T>(by_rule: &'a BTreeMap<String, T>, rule: &str) -> Option<&'a T> {
    by_rule.get(rule).or_else(|| {
        ["autogen-cronjob-", "autogen-"]
            .iter()
            .find_map(|p| by_rule.get(rule.strip_prefix(p)?))
    })
}
pub mod autogen;
pub mod budget;
pub mod cel;
pub mod conditions;
pub mod context;
pub mod exceptions;
pub mod generate;
pub mod matching;
pub mod mutate;
pub mod pattern;
pub mod pss;
pub mod validate;
pub mod value_pattern;
pub mod vars;
mod verify_images;

pub use validate::validate;

/// The rule responses of a policy of either family for one request: `cel::evaluate` for the
/// CEL kinds; for ClusterPolicy and Policy, `mutate::mutate`, then `validate` and
/// `generate::statuses` on the mutated resource.
pub fn evaluate(policy: &Value, request: &Request, env: &Env) -> Vec<RuleResponse> {
    run(policy, request, env).responses
}

/// What one policy does to one request: its verdicts, and what its rules change.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    pub responses: Vec<RuleResponse>,
    /// The resource after the policy's mutations, when they changed it.
    pub patched: Option<Value>,
    /// The objects its generate rules would create, with the index in `spec.rules` of the
    /// rule that creates each (sources the simulation does not have, such as clone sources,
    /// make none).
    pub generated: Vec<(usize, Value)>,
}

/// [`evaluate`], with the mutated resource and the generated objects.
pub fn run(policy: &Value, request: &Request, env: &Env) -> Outcome {
    let api_version = policy.str_at(&["apiVersion"]);
    let kind = policy.str_at(&["kind"]);
    let changed = |patched: Option<Value>| patched.filter(|p| *p != request.object);
    if crate::model::family_of(api_version, kind) == Some(crate::model::Family::Cel)
        || kind == "MutatingAdmissionPolicy"
    {
        let (responses, patched) = match kind {
            "MutatingPolicy" | "NamespacedMutatingPolicy" => {
                let m = cel::mpol::mutate(policy, request, env);
                (m.responses, m.patched)
            }
            "MutatingAdmissionPolicy" => {
                let m = cel::mutating_admission::mutate(policy, request, env);
                (m.responses, m.patched)
            }
            "GeneratingPolicy" | "NamespacedGeneratingPolicy" => {
                let g = cel::gpol::generate(policy, request, env);
                let generated = g
                    .objects
                    .iter()
                    .flatten()
                    .flatten()
                    .map(|o| (0, o.clone()))
                    .collect();
                return Outcome {
                    responses: g.responses,
                    patched: None,
                    generated,
                };
            }
            _ => (cel::evaluate(policy, request, env), None),
        };
        return Outcome {
            responses,
            patched: changed(patched),
            generated: Vec::new(),
        };
    }
    let mut out = Outcome::default();
    let patched;
    let request = if mutate::has_mutate_rules(policy) {
        let m = mutate::mutate(policy, request, env);
        out.responses = m.responses;
        out.patched = changed(Some(m.patched.clone()));
        patched = Request {
            object: m.patched,
            ..request.clone()
        };
        &patched
    } else {
        request
    };
    out.responses.extend(validate(policy, request, env));
    if generate::has_generate_rules(policy) {
        let g = generate::generate(policy, request, env, &[]);
        if let Ok(objects) = &g.objects {
            for (r, made) in g.responses.iter().zip(objects) {
                out.generated
                    .extend(made.iter().map(|o| (r.source, o.clone())));
            }
        }
        out.responses.extend(g.responses);
    }
    out
}

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

pub use crate::jmespath::Value;
pub use crate::jmespath::functions::Env;

/// The admission operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Operation {
    #[default]
    Create,
    Update,
    Delete,
    Connect,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Create => "CREATE",
            Operation::Update => "UPDATE",
            Operation::Delete => "DELETE",
            Operation::Connect => "CONNECT",
        }
    }

    pub fn parse(s: &str) -> Option<Operation> {
        match s {
            "CREATE" => Some(Operation::Create),
            "UPDATE" => Some(Operation::Update),
            "DELETE" => Some(Operation::Delete),
            "CONNECT" => Some(Operation::Connect),
            _ => None,
        }
    }
}

/// Who sent the request (a test manifest's `userinfo:` file).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserInfo {
    pub username: String,
    pub groups: Vec<String>,
    pub roles: Vec<String>,
    pub cluster_roles: Vec<String>,
}

/// A mocked API call response (`apiCallResponses` in a test manifest).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiResponse {
    /// `urlPath` or `url` as written in the manifest.
    pub url: String,
    pub method: String,
    /// What a JMESPath `apiCall` answers.
    pub body: Value,
    /// The whole mocked response, `body` and `statusCode`: Kyverno's CLI hands it as it is
    /// to CEL's `http.Get`/`http.Post` (test/cli/test/cel-http-get-mock).
    pub response: Value,
}

/// Everything besides the policy: the admission request and what the CLI knows of the
/// cluster. Built by the test runner (or the editor's sample finder).
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub operation: Operation,
    /// `request.object`: the resource (empty object on DELETE).
    pub object: Value,
    /// `request.oldObject`: the resource on UPDATE and DELETE, else null.
    pub old_object: Value,
    /// None when the test gives no user info: user-info constraints in `match` are then ignored.
    pub user_info: Option<UserInfo>,
    /// Labels of known namespaces, for `namespaceSelector` (values file `namespaceSelector` /
    /// `namespaces`).
    pub namespace_labels: BTreeMap<String, BTreeMap<String, String>>,
    /// Variables for this (policy, resource): values file `globalValues` plus the resource's
    /// `values`. Keys may contain dots (`request.operation`, `a.b.c`): they are nested paths.
    pub variables: BTreeMap<String, Value>,
    /// Per rule name: `policies[].rules[].values`, injected before the rule's context loads.
    pub rule_values: BTreeMap<String, BTreeMap<String, Value>>,
    /// Per rule name: `policies[].rules[].foreachValues` (name → one value per element).
    pub foreach_values: BTreeMap<String, BTreeMap<String, Vec<Value>>>,
    /// Mocked `apiCall` responses.
    pub api_responses: Vec<ApiResponse>,
    /// Mocked `globalReference` entries by name.
    pub global_context: BTreeMap<String, Value>,
    /// Cluster resources (`clusterResources`), for `configMap` and `apiCall` lookups.
    pub cluster_resources: Vec<Value>,
    /// `policies.kyverno.io` PolicyExceptions, which CEL policies consult.
    pub cel_exceptions: Vec<Value>,
    /// `kyverno.io` PolicyExceptions (v2, v2beta1), which ClusterPolicy and Policy rules
    /// consult.
    pub exceptions: Vec<Value>,
    /// The objects of the test's `context` file, which CEL's `resource.Get`/`List` read.
    /// `clusterResources` do not reach them: `kyverno test` builds the CEL context from the
    /// context file alone.
    pub context_resources: Vec<Value>,
    /// Image data of the `context` file by image reference, for CEL's `image.GetMetadata`.
    pub images: BTreeMap<String, Value>,
    /// The test's ValidatingAdmissionPolicyBindings (whole documents): they decide which
    /// resources a ValidatingAdmissionPolicy applies to.
    pub admission_bindings: Vec<Value>,
    /// The test's `paramResources`: parameter objects of admission policies, which Kyverno's
    /// CLI adds to its fake cluster.
    pub param_resources: Vec<Value>,
    /// Whole Namespace objects by name (values file `namespaces`), for CEL's
    /// `namespaceObject`; a namespace known only by its labels is built from them.
    pub namespaces: BTreeMap<String, Value>,
    /// The objects a mutate rule's `targets` select from. Kyverno's CLI puts the test's
    /// resources, `targetResources` and `paramResources` in its fake cluster.
    pub existing: Vec<Value>,
    /// Set when the request is on a subresource (values file `subresources`): `match` kinds
    /// see the parent's kind and the subresource's name instead of the document's kind.
    pub subresource: Option<SubresourceKind>,
}

/// The kind a subresource request is checked as (`Pod` and `exec` for a `PodExecOptions`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubresourceKind {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub subresource: String,
}

/// A rule's verdict, as `kyverno test` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pass,
    Fail,
    Skip,
    Error,
    Warn,
    /// A rule type the simulator does not implement yet (cel, mutate, generate, ...).
    Unsupported,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Skip => "skip",
            Status::Error => "error",
            Status::Warn => "warn",
            Status::Unsupported => "unsupported",
        }
    }
}

/// One rule's response. Rules that do not match produce none.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleResponse {
    /// The rule's name as Kyverno reports it (`autogen-<rule>` for generated rules).
    pub rule: String,
    /// The index in `spec.rules` of the rule written in the policy that this response answers
    /// for: the rule itself, or the one its autogen rule was made from. Autogen names are cut
    /// to 63 characters, so the name alone cannot always tell.
    pub source: usize,
    pub status: Status,
    /// Kyverno's message (for failures: the substituted `validate.message` and the failing path).
    pub message: String,
    /// Where in the resource a pattern failed, as Kyverno prints it (`/spec/containers/0/image/`).
    pub resource_path: Option<String>,
    /// JSON-pointer path in the policy of the node that decided a failure
    /// (`/spec/rules/0/validate/pattern/spec/containers/0/image`), for the editor.
    pub policy_path: Option<String>,
}
