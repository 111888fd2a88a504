//! One manifest: load its inputs, run the engine once per (policy, resource, operation) and
//! match each expected result to the rule responses as `kyverno test` does.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde_json::Value as Json;

use super::files::{self, Sandbox, meta_str, str_field};
use super::manifest::{self, Test, TestResult, UserInfoFile, Values};
use super::{ManifestError, Options, Report, Row};
use crate::engine::generate::{self, Generation};
use crate::engine::{self, ApiResponse, Env, Operation, Request, RuleResponse, Status, Value};
use crate::model::Family;
use crate::vfs::Files;

/// A loaded policy document.
pub struct Policy {
    pub name: String,
    pub kind: String,
    pub api_version: String,
    /// The lowered policy, for the kinds the model knows.
    pub model: Option<crate::model::Policy>,
    /// The engine's input, for the kinds the engine simulates.
    pub value: Option<Value>,
}

/// A loaded trigger resource (namespace defaulted).
pub struct Resource {
    pub name: String,
    pub namespace: String,
    pub value: Value,
}

/// Everything a `Test` document needs besides its results.
pub struct Inputs {
    pub policies: Vec<Policy>,
    pub resources: Vec<Resource>,
    pub values: Values,
    pub user_info: Option<UserInfoFile>,
    pub cluster_resources: Vec<Value>,
    pub param_resources: Vec<Value>,
    /// The objects of `targetResources`, namespaces defaulted.
    pub targets: Vec<Value>,
    pub api_responses: Vec<ApiResponse>,
    pub global_context: BTreeMap<String, Value>,
    /// The test's `kyverno.io` PolicyExceptions (whole documents).
    pub exceptions: Vec<Value>,
    /// The test's `policies.kyverno.io` PolicyExceptions (for CEL policies), whole.
    pub cel_exceptions: Vec<Value>,
    /// The `context` file's objects and image data, for CEL's context libraries.
    pub context_resources: Vec<Value>,
    pub images: BTreeMap<String, Value>,
    /// The documents of each `patchedResources` and `generatedResource` file the results name
    /// (namespaces defaulted), or why it could not be read.
    pub expected_files: BTreeMap<String, Result<Vec<Value>, String>>,
    /// The documents of each `cloneSourceResource` file, as written.
    pub clone_sources: BTreeMap<String, Result<Vec<Value>, String>>,
}

/// Rule types the engine decides; others answer `unsupported`.
pub const SIMULATED_RULE_TYPES: &[&str] = &[
    "pattern",
    "anyPattern",
    "deny",
    "foreach",
    "podSecurity",
    "cel",
    "mutate",
    "generate",
    "verifyImages",
];

/// Runs every `Test` document of the manifest at `path`, appending rows and errors.
pub fn run_manifest(
    vfs: &dyn Files,
    path: &Path,
    options: &Options,
    env: &Env,
    report: &mut Report,
) {
    let manifest = path.display().to_string();
    let error = |message: String| ManifestError {
        manifest: manifest.clone(),
        message,
    };
    let text = match vfs.read(path) {
        Ok(t) => t,
        Err(e) => {
            report.errors.push(error(e));
            return;
        }
    };
    let docs = match files::parse_documents(&text) {
        Ok(d) => d,
        Err(e) => {
            report.errors.push(error(e));
            return;
        }
    };
    let base = path.parent().unwrap_or(Path::new("."));
    let sandbox = Sandbox::new(&options.roots);
    let many = docs.len() > 1;
    for (i, doc) in docs.iter().enumerate() {
        let prefix = if many {
            format!("document {}: ", i + 1)
        } else {
            String::new()
        };
        let test = match manifest::decode_test(doc) {
            Ok(t) => t,
            Err(e) => {
                report.errors.push(error(format!("{prefix}{e}")));
                continue;
            }
        };
        let rendering = options.rendering.as_deref();
        match load_inputs_rendered(vfs, &test, base, &sandbox, env, rendering) {
            Ok(inputs) => {
                report
                    .results
                    .extend(run_test(&manifest, &test, &inputs, options, env));
            }
            Err(e) => report.errors.push(error(format!("{prefix}{e}"))),
        }
    }
}

fn to_value(j: &Json) -> Value {
    Value::from_json(j)
}

/// A `globalContextEntries` value as Kyverno's CLI resolves it: `fieldPath` selects from the
/// data, and projections, if any, replace it with the map of their results.
fn resolve_global_entry(
    entry: &manifest::GlobalContextEntry,
    data: Value,
    env: &Env,
) -> Result<Value, String> {
    let search = |path: &str, on: &Value| -> Result<Value, String> {
        let ast = crate::jmespath::parse(path).map_err(|e| format!("`{path}`: {e}"))?;
        crate::jmespath::evaluate(&ast, on, env).map_err(|e| format!("`{path}`: {e}"))
    };
    let data = if entry.field_path.is_empty() {
        data
    } else {
        search(&entry.field_path, &data)?
    };
    if entry.projections.is_empty() {
        return Ok(data);
    }
    let mut out = serde_json::Map::new();
    for (name, path) in &entry.projections {
        out.insert(name.clone(), search(path, &data)?.to_json());
    }
    Ok(Value::from_json(&serde_json::Value::Object(out)))
}

/// Loads the files a `Test` names, relative to `base` (the manifest's folder).
pub fn load_inputs(
    vfs: &dyn Files,
    test: &Test,
    base: &Path,
    sandbox: &Sandbox,
    env: &Env,
) -> Result<Inputs, String> {
    load_inputs_rendered(vfs, test, base, sandbox, env, None)
}

/// [`load_inputs`], with the policies of the paths `rendering` renders (a Helm chart's).
pub fn load_inputs_rendered(
    vfs: &dyn Files,
    test: &Test,
    base: &Path,
    sandbox: &Sandbox,
    env: &Env,
    rendering: Option<&dyn super::Rendering>,
) -> Result<Inputs, String> {
    let read = |path: &Path| super::files::read_documents(vfs, path);
    let mut policies = Vec::new();
    for p in &test.policies {
        let path = sandbox.resolve(vfs, base, p)?;
        let docs = match rendering.and_then(|r| r.policies(vfs, &path)) {
            Some(Ok(text)) => super::files::parse_spanned_documents(&text)
                .map_err(|e| format!("policy `{p}`, as Helm renders it: {e}"))?,
            Some(Err(why)) => return Err(format!("policy `{p}`: {why}")),
            None => super::files::read_spanned_documents(vfs, &path)
                .map_err(|e| format!("policy `{p}`: {e}"))?,
        };
        for (doc, root) in docs {
            // The CEL kinds the engine does not simulate answer `unsupported` from the engine,
            // per response, so that each expected row keeps its row.
            let model = crate::model::Policy::lower(&root);
            // Kubernetes' MutatingAdmissionPolicy and its binding are simulated in every
            // version `kyverno test` reads (v1alpha1, v1beta1, v1), though the policy model
            // knows only v1.
            let admission_mutating = str_field(&doc, "apiVersion")
                .starts_with("admissionregistration.k8s.io/")
                && str_field(&doc, "kind").starts_with("MutatingAdmissionPolicy");
            policies.push(Policy {
                name: meta_str(&doc, "name").to_string(),
                value: (model.is_some() || admission_mutating).then(|| to_value(&doc)),
                kind: str_field(&doc, "kind").to_string(),
                api_version: str_field(&doc, "apiVersion").to_string(),
                model,
            });
        }
    }
    let mut resources: Vec<Resource> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for r in &test.resources {
        let path = sandbox.resolve(vfs, base, r)?;
        for doc in read(&path).map_err(|e| format!("resource `{r}`: {e}"))? {
            let doc = files::default_namespace(doc);
            let key = (
                str_field(&doc, "apiVersion").to_string(),
                str_field(&doc, "kind").to_string(),
                meta_str(&doc, "namespace").to_string(),
                meta_str(&doc, "name").to_string(),
            );
            if !seen.insert(key) {
                continue;
            }
            resources.push(Resource {
                name: meta_str(&doc, "name").to_string(),
                namespace: meta_str(&doc, "namespace").to_string(),
                value: to_value(&doc),
            });
        }
    }
    for p in &test.json_payloads {
        let path = sandbox.resolve(vfs, base, p)?;
        for doc in read(&path).map_err(|e| format!("JSON payload `{p}`: {e}"))? {
            resources.push(Resource {
                name: p.clone(),
                namespace: String::new(),
                value: to_value(&doc),
            });
        }
    }
    let values = if let Some(v) = &test.values {
        v.clone()
    } else if !test.variables.is_empty() {
        let path = sandbox.resolve(vfs, base, &test.variables)?;
        let docs = read(&path).map_err(|e| format!("values file `{}`: {e}", test.variables))?;
        match docs.first() {
            Some(d) => manifest::decode_values_spec(d, "", true)
                .map_err(|e| format!("values file `{}`: {e}", test.variables))?,
            None => Values::default(),
        }
    } else {
        Values::default()
    };
    let user_info = if test.userinfo.is_empty() {
        None
    } else {
        let path = sandbox.resolve(vfs, base, &test.userinfo)?;
        let docs = read(&path).map_err(|e| format!("user info file `{}`: {e}", test.userinfo))?;
        match docs.first() {
            Some(d) => Some(
                manifest::decode_user_info(d)
                    .map_err(|e| format!("user info file `{}`: {e}", test.userinfo))?,
            ),
            None => None,
        }
    };
    let mut cluster_resources = Vec::new();
    for r in &test.cluster_resources {
        let path = sandbox.resolve(vfs, base, r)?;
        for doc in read(&path).map_err(|e| format!("cluster resource `{r}`: {e}"))? {
            // A `cli.kyverno.io` ClusterResource document carries its objects in
            // `spec.resources`, taken as written: a cluster-scoped custom resource keeps its
            // empty namespace (test-context-apicall-vpol in Kyverno's CLI tests).
            if str_field(&doc, "kind") == "ClusterResource"
                && str_field(&doc, "apiVersion").starts_with("cli.kyverno.io/")
            {
                let list = doc
                    .get("spec")
                    .and_then(|s| s.get("resources"))
                    .and_then(Json::as_array)
                    .cloned()
                    .unwrap_or_default();
                cluster_resources.extend(list.iter().map(to_value));
                continue;
            }
            cluster_resources.push(to_value(&files::default_namespace(doc)));
        }
    }
    let mut param_resources = Vec::new();
    for r in &test.param_resources {
        let path = sandbox.resolve(vfs, base, r)?;
        for doc in read(&path).map_err(|e| format!("parameter resource `{r}`: {e}"))? {
            param_resources.push(to_value(&files::default_namespace(doc)));
        }
    }
    let mut targets = Vec::new();
    for r in &test.target_resources {
        let path = sandbox.resolve(vfs, base, r)?;
        for doc in read(&path).map_err(|e| format!("target resource `{r}`: {e}"))? {
            targets.push(to_value(&files::default_namespace(doc)));
        }
    }
    let api_responses = test
        .api_call_responses
        .iter()
        .map(|a| a.to_engine())
        .collect();
    let mut global_context = BTreeMap::new();
    for g in &test.global_context_entries {
        let value = if let Some(d) = &g.data {
            to_value(d)
        } else {
            let mut items: Vec<Value> = g.resources.iter().map(to_value).collect();
            for f in &g.resource_files {
                let path = sandbox.resolve(vfs, base, f)?;
                for doc in read(&path).map_err(|e| format!("global context file `{f}`: {e}"))? {
                    items.push(to_value(&doc));
                }
            }
            Value::array(items)
        };
        let value = resolve_global_entry(g, value, env)
            .map_err(|e| format!("global context entry `{}`: {e}", g.name))?;
        global_context.insert(g.name.clone(), value);
    }
    let (mut context_resources, mut images) = (Vec::new(), BTreeMap::new());
    if !test.context.is_empty() {
        let path = sandbox.resolve(vfs, base, &test.context)?;
        let docs = read(&path).map_err(|e| format!("context file `{}`: {e}", test.context))?;
        if let Some(d) = docs.first() {
            let c = manifest::decode_context(d)
                .map_err(|e| format!("context file `{}`: {e}", test.context))?;
            context_resources = c.resources.iter().map(to_value).collect();
            images = c
                .images
                .iter()
                .map(|(k, v)| (k.clone(), to_value(v)))
                .collect();
        }
    }
    let mut exceptions = Vec::new();
    let mut cel_exceptions = Vec::new();
    for e in &test.exceptions {
        let path = sandbox.resolve(vfs, base, e)?;
        for doc in read(&path).map_err(|err| format!("exception `{e}`: {err}"))? {
            if str_field(&doc, "apiVersion").starts_with("policies.kyverno.io/") {
                cel_exceptions.push(to_value(&doc));
                continue;
            }
            exceptions.push(to_value(&doc));
        }
    }
    let mut expected_files = BTreeMap::new();
    let mut clone_sources = BTreeMap::new();
    for r in &test.results {
        let expected = std::iter::once(&r.patched_resources).chain(&r.generated_resources);
        for p in expected {
            if p.is_empty() || expected_files.contains_key(p) {
                continue;
            }
            let loaded = sandbox.resolve(vfs, base, p).and_then(|path| {
                read(&path)
                    .map(|docs| {
                        docs.into_iter()
                            .map(|d| to_value(&files::default_namespace(d)))
                            .collect()
                    })
                    .map_err(|e| format!("expected resource `{p}`: {e}"))
            });
            expected_files.insert(p.clone(), loaded);
        }
        let p = &r.clone_source;
        if p.is_empty() || clone_sources.contains_key(p) {
            continue;
        }
        let loaded = sandbox.resolve(vfs, base, p).and_then(|path| {
            read(&path)
                .map(|docs| docs.iter().map(to_value).collect())
                .map_err(|e| format!("clone source `{p}`: {e}"))
        });
        clone_sources.insert(p.clone(), loaded);
    }
    Ok(Inputs {
        expected_files,
        clone_sources,
        exceptions,
        cel_exceptions,
        context_resources,
        images,
        policies,
        resources,
        values,
        user_info,
        cluster_resources,
        param_resources,
        targets,
        api_responses,
        global_context,
    })
}

/// The policy rule a manifest's rule name refers to: the rule itself, or the rule an
/// `autogen-<rule>` / `autogen-cronjob-<rule>` name was generated from.
fn find_rule<'a>(policy: &'a crate::model::Policy, name: &str) -> Option<&'a crate::model::Rule> {
    let by_name = |n: &str| policy.rules.iter().find(|r| r.name == n);
    by_name(name)
        .or_else(|| name.strip_prefix("autogen-cronjob-").and_then(by_name))
        .or_else(|| name.strip_prefix("autogen-").and_then(by_name))
}

/// Whether a rule response answers for the manifest's rule name.
pub fn rule_matches(response_rule: &str, rule: &str) -> bool {
    rule.is_empty()
        || response_rule == rule
        || response_rule.strip_prefix("autogen-") == Some(rule)
        || response_rule.strip_prefix("autogen-cronjob-") == Some(rule)
}

/// Whether a manifest's resource entry (`name` or `namespace/name`) names `r`.
pub fn resource_matches(entry: &str, name: &str, namespace: &str) -> bool {
    // A JSON payload is named by its path, which may hold a `/`.
    if entry == name {
        return true;
    }
    match entry.split_once('/') {
        Some((ns, n)) => n == name && ns == namespace,
        None => entry == name,
    }
}

/// Builds the engine's request for (policy, resource, operation).
pub fn build_request(inputs: &Inputs, policy: &str, resource: &Resource, op: Operation) -> Request {
    let values = &inputs.values;
    // `request.operation` naming an operation the CLI maps is the request's operation, not a
    // variable; any other value (CONNECT included) stays a variable that `{{ }}` sees.
    let keep = |k: &str, v: &Json| k != "request.operation" || mapped_operation(v).is_none();
    let mut variables: BTreeMap<String, Value> = values
        .global_values
        .iter()
        .filter(|(k, v)| keep(k, v))
        .map(|(k, v)| (k.clone(), to_value(v)))
        .collect();
    let mut rule_values = BTreeMap::new();
    let mut foreach_values = BTreeMap::new();
    for p in values.policies.iter().filter(|p| p.name == policy) {
        for (name, vals) in &p.resources {
            if *name == resource.name {
                variables.extend(
                    vals.iter()
                        .filter(|(k, v)| keep(k, v))
                        .map(|(k, v)| (k.clone(), to_value(v))),
                );
            }
        }
        for r in &p.rules {
            rule_values.insert(
                r.name.clone(),
                r.values
                    .iter()
                    .map(|(k, v)| (k.clone(), to_value(v)))
                    .collect(),
            );
            foreach_values.insert(
                r.name.clone(),
                r.foreach_values
                    .iter()
                    .map(|(k, v)| (k.clone(), v.iter().map(to_value).collect()))
                    .collect(),
            );
        }
    }
    let mut namespace_labels = BTreeMap::new();
    for (name, labels) in values.namespaces.iter().chain(&values.namespace_selectors) {
        namespace_labels.insert(name.clone(), labels.clone());
    }
    let (mut object, mut old_object) = match op {
        Operation::Create => (resource.value.clone(), Value::Null),
        Operation::Update => (resource.value.clone(), resource.value.clone()),
        Operation::Delete => (Value::object(Default::default()), resource.value.clone()),
        Operation::Connect => (Value::object(Default::default()), Value::Null),
    };
    // `request.object.…` values change the resource itself: the CLI reads it back from the
    // context after adding them (on DELETE, only the old object).
    for (key, value) in &variables {
        match engine::context::resource_value_path(key) {
            Some((true, path)) if matches!(op, Operation::Create | Operation::Update) => {
                engine::context::merge_at(&mut object, &path, value.clone());
            }
            Some((false, path)) if op != Operation::Create => {
                engine::context::merge_at(&mut old_object, &path, value.clone());
            }
            _ => {}
        }
    }
    Request {
        operation: op,
        object,
        old_object,
        user_info: inputs.user_info.as_ref().map(|u| engine::UserInfo {
            username: u.username.clone(),
            groups: u.groups.clone(),
            roles: u.roles.clone(),
            cluster_roles: u.cluster_roles.clone(),
        }),
        namespace_labels,
        variables,
        rule_values,
        foreach_values,
        api_responses: inputs.api_responses.clone(),
        global_context: inputs.global_context.clone(),
        cluster_resources: inputs.cluster_resources.clone(),
        param_resources: inputs.param_resources.clone(),
        cel_exceptions: inputs.cel_exceptions.clone(),
        exceptions: inputs.exceptions.clone(),
        context_resources: inputs.context_resources.clone(),
        images: inputs.images.clone(),
        namespaces: values
            .namespace_objects
            .iter()
            .map(|(k, v)| (k.clone(), to_value(v)))
            .collect(),
        admission_bindings: inputs
            .policies
            .iter()
            .filter(|p| p.kind.ends_with("PolicyBinding"))
            .filter_map(|p| p.value.clone())
            .collect(),
        existing: existing_objects(inputs),
        subresource: subresource_of(inputs, &resource.value),
    }
}

/// The objects of Kyverno's fake cluster that mutate targets are found among: the test's
/// resources, `targetResources` and `paramResources`, the first of each identity.
fn existing_objects(inputs: &Inputs) -> Vec<Value> {
    let mut seen = std::collections::HashSet::new();
    inputs
        .resources
        .iter()
        .map(|r| &r.value)
        .chain(&inputs.targets)
        .chain(&inputs.param_resources)
        .filter(|o| seen.insert(identity(o)))
        .cloned()
        .collect()
}

/// apiVersion, kind, namespace and name.
fn identity(o: &Value) -> (String, String, String, String) {
    (
        o.str_at(&["apiVersion"]).to_string(),
        o.str_at(&["kind"]).to_string(),
        o.str_at(&["metadata", "namespace"]).to_string(),
        o.str_at(&["metadata", "name"]).to_string(),
    )
}

/// The subresource a document stands for, from the values file's `subresources`. Kyverno's
/// CLI maps subresources only when the test has no `clusterResources`.
fn subresource_of(inputs: &Inputs, object: &Value) -> Option<engine::SubresourceKind> {
    if !inputs.cluster_resources.is_empty() {
        return None;
    }
    let (group, version, kind) = engine::matching::resource_gvk(object);
    // When several entries name the same kind, the last one wins, as in the CLI's loop.
    inputs
        .values
        .subresources
        .iter()
        .rev()
        .find(|s| s.group == group && s.version == version && s.kind == kind)
        .map(|s| engine::SubresourceKind {
            group: s.parent_group.clone(),
            version: s.parent_version.clone(),
            kind: s.parent_kind.clone(),
            subresource: s.name.clone(),
        })
}

/// How a policy-level patched resource compares with the test's `patchedResources` file.
enum Patched {
    Same,
    /// No document of the same identity (or the file failed to load).
    Missing(String),
    /// The first differences, as `path: expected ..., got ...`.
    Differs(String),
}

/// `kyverno test`'s comparison with the test's `patchedResources` file.
fn compare_patched(inputs: &Inputs, file: &str, actual: &Value) -> Patched {
    let docs = match inputs.expected_files.get(file) {
        Some(Ok(d)) => d,
        Some(Err(e)) => return Patched::Missing(e.clone()),
        None => return Patched::Missing(format!("patched resource `{file}` was not loaded")),
    };
    match compare_docs(docs, actual) {
        None => Patched::Missing(format!(
            "no response compared: `{file}` has no {} named `{}` {}",
            actual.str_at(&["kind"]),
            actual.str_at(&["metadata", "name"]),
            super::DROPPED
        )),
        Some(Ok(())) => Patched::Same,
        Some(Err(diff)) => Patched::Differs(diff),
    }
}

/// `kyverno test`'s comparison of a generated object with the `generatedResource` file, or
/// with any of the `generatedResources` files.
fn compare_generated(inputs: &Inputs, files: &[String], actual: &Value) -> Patched {
    let mut differs = None;
    let mut missing = None;
    for file in files {
        let docs = match inputs.expected_files.get(file) {
            Some(Ok(d)) => d,
            Some(Err(e)) => {
                missing.get_or_insert_with(|| e.clone());
                continue;
            }
            None => {
                missing.get_or_insert_with(|| format!("`{file}` was not loaded"));
                continue;
            }
        };
        match compare_docs(docs, actual) {
            Some(Ok(())) => return Patched::Same,
            Some(Err(diff)) => {
                differs.get_or_insert(format!("differs from the one in `{file}`: {diff}"));
            }
            None => {
                missing.get_or_insert_with(|| {
                    format!(
                        "`{file}` has no {} named `{}`",
                        actual.str_at(&["kind"]),
                        actual.str_at(&["metadata", "name"])
                    )
                });
            }
        }
    }
    match (differs, missing) {
        (Some(d), _) => Patched::Differs(d),
        (None, Some(m)) => Patched::Missing(m),
        (None, None) => Patched::Missing("no generatedResource file".into()),
    }
}

/// The document of `docs` with the actual object's apiVersion, kind, namespace and name
/// (None when there is none), compared as `kyverno test` compares: both sides with
/// `generate.kyverno.io/` labels dropped and the managed-by label set, then tidied (nulls and
/// empty maps and lists removed); equal when no merge patch separates them. Err: the first
/// differences.
fn compare_docs(docs: &[Value], actual: &Value) -> Option<Result<(), String>> {
    let id = |v: &Value| {
        [
            v.str_at(&["apiVersion"]).to_string(),
            v.str_at(&["kind"]).to_string(),
            v.str_at(&["metadata", "namespace"]).to_string(),
            v.str_at(&["metadata", "name"]).to_string(),
        ]
    };
    let expected = docs.iter().find(|d| id(d) == id(actual))?;
    let (a, e) = (normalized(actual), normalized(expected));
    if a == e {
        return Some(Ok(()));
    }
    let mut diffs = Vec::new();
    differences(&e, &a, "", &mut diffs);
    Some(Err(diffs.join("; ")))
}

fn normalized(v: &Value) -> Value {
    let mut v = v.clone();
    if let Value::Object(m) = &mut v {
        let m = std::sync::Arc::make_mut(m);
        let meta = m
            .entry("metadata".to_string())
            .or_insert_with(|| Value::object(Default::default()));
        if let Value::Object(meta) = meta {
            let meta = std::sync::Arc::make_mut(meta);
            let mut labels: crate::jmespath::value::Map = meta
                .get("labels")
                .and_then(Value::as_object)
                .map(|l| {
                    l.iter()
                        .filter(|(k, _)| !k.starts_with("generate.kyverno.io/"))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect()
                })
                .unwrap_or_default();
            labels.insert(
                "app.kubernetes.io/managed-by".to_string(),
                Value::from("kyverno"),
            );
            meta.insert("labels".to_string(), Value::object(labels));
        }
    }
    tidy(&v).unwrap_or(Value::Null)
}

/// Nulls and empty maps and lists removed, recursively; None when nothing is left.
fn tidy(v: &Value) -> Option<Value> {
    match v {
        Value::Null => None,
        Value::Object(m) => {
            let out: crate::jmespath::value::Map = m
                .iter()
                .filter_map(|(k, v)| tidy(v).map(|v| (k.clone(), v)))
                .collect();
            (!out.is_empty()).then(|| Value::object(out))
        }
        Value::Array(items) => {
            let out: Vec<Value> = items.iter().filter_map(tidy).collect();
            (!out.is_empty()).then(|| Value::array(out))
        }
        other => Some(other.clone()),
    }
}

/// Up to five places where `expected` and `actual` differ, as JSON pointers.
fn differences(expected: &Value, actual: &Value, at: &str, out: &mut Vec<String>) {
    if out.len() >= 5 || expected == actual {
        return;
    }
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            let keys: std::collections::BTreeSet<&String> = e.keys().chain(a.keys()).collect();
            for k in keys {
                let path = format!("{at}/{}", crate::engine::pattern::escape_pointer(k));
                match (e.get(k), a.get(k)) {
                    (Some(x), Some(y)) => differences(x, y, &path, out),
                    (Some(x), None) => out.push(format!(
                        "{path}: expected {}, missing",
                        crate::jmespath::json::to_go_json(x)
                    )),
                    (None, Some(y)) => out.push(format!(
                        "{path}: not expected, got {}",
                        crate::jmespath::json::to_go_json(y)
                    )),
                    (None, None) => {}
                }
            }
        }
        _ => out.push(format!(
            "{}: expected {}, got {}",
            if at.is_empty() { "/" } else { at },
            crate::jmespath::json::to_go_json(expected),
            crate::jmespath::json::to_go_json(actual)
        )),
    }
}

/// The validate rules of a ClusterPolicy or Policy (its mutate rules ran in the chain).
fn validate_only(
    policy: &Value,
    request: &Request,
    env: &Env,
) -> Result<Vec<RuleResponse>, String> {
    guarded(|| engine::validate(policy, request, env))
}

/// Runs the engine, turning a panic into an error response (no row may crash the run).
fn evaluate(policy: &Value, request: &Request, env: &Env) -> Result<Vec<RuleResponse>, String> {
    guarded(|| engine::evaluate(policy, request, env))
}

/// `run`, with a panic turned into an error message that names it.
fn guarded<T>(run: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)).map_err(|e| {
        let msg = e
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| e.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        format!("internal error: the engine panicked: {msg}")
    })
}

/// What `run_test` computes once per resource: the responses per (policy, resource,
/// operation), and the mutations per (resource, operation).
#[derive(Default)]
struct Cache {
    responses: HashMap<(usize, usize, &'static str), Result<Vec<RuleResponse>, String>>,
    chains: HashMap<(usize, &'static str), Chain>,
    generations: HashMap<(usize, usize, &'static str), Result<Generation, String>>,
    targets: Option<Vec<PatchedTarget>>,
}

/// An object of `targetResources` that a rule patched, as `kyverno test` keeps it for the
/// rows that name it: those rows ignore `policy` and `rule`, compare the patched object with
/// `patchedResources` and check the status of the response that reported it.
struct PatchedTarget {
    object: Value,
    status: Status,
    message: String,
}

impl PatchedTarget {
    fn names(&self, entry: &str) -> bool {
        resource_matches(
            entry,
            self.object.str_at(&["metadata", "name"]),
            self.object.str_at(&["metadata", "namespace"]),
        )
    }
}

/// The patched objects of `targetResources`, in the order of `kyverno test`: trigger by
/// trigger, policy by policy. ClusterPolicy and Policy rules with `targets` report theirs in
/// the mutation chain. A MutatingPolicy with `mutateExisting` runs on each object of
/// `targetResources` after the trigger's chain, its CEL selector (if any) evaluated on the
/// trigger with those objects readable through `resource.Get`/`List`; only the responses
/// that pass carry the object.
fn patched_targets<'c>(inputs: &Inputs, env: &Env, cache: &'c mut Cache) -> &'c [PatchedTarget] {
    if cache.targets.is_none() {
        let mut out = Vec::new();
        if !inputs.targets.is_empty() {
            let listed: std::collections::HashSet<_> =
                inputs.targets.iter().map(identity).collect();
            for ri in 0..inputs.resources.len() {
                let op = Operation::Create;
                let chain = cache
                    .chains
                    .entry((ri, op.as_str()))
                    .or_insert_with(|| mutation_chain(inputs, ri, op, env));
                for (_, m) in &chain.steps {
                    for (i, object) in &m.targets {
                        let Some(r) = m.responses.get(*i) else {
                            continue;
                        };
                        if listed.contains(&identity(object)) {
                            out.push(PatchedTarget {
                                object: object.clone(),
                                status: r.status,
                                message: r.message.clone(),
                            });
                        }
                    }
                }
                let trigger = chain.last.clone();
                out.extend(existing_mutations(inputs, ri, trigger, env));
            }
        }
        cache.targets = Some(out);
    }
    cache.targets.as_deref().unwrap_or_default()
}

/// What the test's mutateExisting MutatingPolicies do to `targetResources` for trigger `ri`
/// (as the chain left it).
fn existing_mutations(inputs: &Inputs, ri: usize, trigger: Value, env: &Env) -> Vec<PatchedTarget> {
    let mut out = Vec::new();
    for p in &inputs.policies {
        let Some(v) = &p.value else { continue };
        if !is_mutating_policy(&p.kind) || !crate::engine::cel::mpol::mutates_existing(v) {
            continue;
        }
        let mut request = build_request(inputs, &p.name, &inputs.resources[ri], Operation::Create);
        request.object = trigger.clone();
        request.old_object = Value::Null;
        request
            .context_resources
            .extend(inputs.targets.iter().cloned());
        let selected =
            match guarded(|| crate::engine::cel::mpol::expression_targets(v, &request, env)) {
                Ok(Some(Ok(keys))) => Some(keys),
                Ok(None) => None,
                Ok(Some(Err(e))) | Err(e) => {
                    // Kyverno's CLI stops the whole test here; the rows that name a target say why.
                    out.extend(inputs.targets.iter().map(|t| PatchedTarget {
                        object: t.clone(),
                        status: Status::Error,
                        message: format!("policy `{}`: {e}", p.name),
                    }));
                    continue;
                }
            };
        for target in &inputs.targets {
            let on_target = Request {
                object: target.clone(),
                old_object: Value::Null,
                subresource: None,
                ..request.clone()
            };
            let mutated = guarded(|| {
                crate::engine::cel::mpol::mutate_target(v, &on_target, selected.as_deref(), env)
            });
            match mutated {
                Ok(Some(m)) => {
                    for r in m.responses.iter().filter(|r| r.status == Status::Pass) {
                        out.push(PatchedTarget {
                            object: m.patched.clone().unwrap_or_else(|| target.clone()),
                            status: r.status,
                            message: r.message.clone(),
                        });
                    }
                }
                Ok(None) => {}
                Err(e) => out.push(PatchedTarget {
                    object: target.clone(),
                    status: Status::Error,
                    message: e,
                }),
            }
        }
    }
    out
}

/// The test's mutating policies applied to one resource, in the order of `kyverno test`:
/// - ClusterPolicy and Policy mutate rules first, in load order, each policy seeing the
///   resource as the ones before it left it; their validate and generate rules see the
///   result (`classic_last`);
/// - then Kubernetes' MutatingAdmissionPolicies, each on the resource as the ones before it
///   left it;
/// - then the MutatingPolicies, all on that result. Kyverno's CLI takes the patched resource
///   of the last one that patched, reports it as every one's patched resource, and the CEL
///   policies after them see it (`last`).
struct Chain {
    /// (policy index, what its mutate rules did), in the order they ran.
    steps: Vec<(usize, crate::engine::mutate::Mutation)>,
    classic_last: Value,
    last: Value,
}

fn is_mutating_policy(kind: &str) -> bool {
    matches!(kind, "MutatingPolicy" | "NamespacedMutatingPolicy")
}

fn mutation_chain(inputs: &Inputs, ri: usize, op: Operation, env: &Env) -> Chain {
    let resource = &inputs.resources[ri];
    let mut last = resource.value.clone();
    let mut steps = Vec::new();
    if op == Operation::Delete {
        return Chain {
            steps,
            classic_last: last.clone(),
            last,
        };
    }
    for (pi, p) in inputs.policies.iter().enumerate() {
        let Some(v) = &p.value else { continue };
        let jmespath = p
            .model
            .as_ref()
            .is_some_and(|m| m.family == Family::Jmespath);
        if !jmespath || !crate::engine::mutate::has_mutate_rules(v) {
            continue;
        }
        let mut request = build_request(inputs, &p.name, resource, op);
        request.object = last.clone();
        // A panic leaves the resource unknown from here on, and says so in its rows.
        let m = guarded(|| crate::engine::mutate::mutate(v, &request, env)).unwrap_or_else(|e| {
            crate::engine::mutate::Mutation {
                responses: vec![RuleResponse {
                    rule: String::new(),
                    source: 0,
                    status: Status::Error,
                    message: e,
                    resource_path: None,
                    policy_path: None,
                }],
                patched: last.clone(),
                targets: Vec::new(),
                unfinished: true,
            }
        });
        last = m.patched.clone();
        steps.push((pi, m));
    }
    let classic_last = last.clone();
    // MutatingAdmissionPolicies next, each on the resource as the one before it left it.
    for (pi, p) in inputs.policies.iter().enumerate() {
        let Some(v) = &p.value else { continue };
        if p.kind != "MutatingAdmissionPolicy" {
            continue;
        }
        let mut request = build_request(inputs, &p.name, resource, op);
        request.object = last.clone();
        let (responses, patched) =
            match guarded(|| crate::engine::cel::mutating_admission::mutate(v, &request, env)) {
                Ok(m) => (m.responses, m.patched),
                Err(e) => (
                    vec![RuleResponse {
                        rule: p.name.clone(),
                        source: 0,
                        status: Status::Error,
                        message: e,
                        resource_path: None,
                        policy_path: None,
                    }],
                    None,
                ),
            };
        if responses.is_empty() {
            continue;
        }
        if let Some(p) = patched {
            last = p;
        }
        steps.push((
            pi,
            crate::engine::mutate::Mutation {
                responses,
                patched: last.clone(),
                targets: Vec::new(),
                unfinished: false,
            },
        ));
    }
    let admitted = last.clone();
    let mut cel_steps = Vec::new();
    let mut patched = None;
    for (pi, p) in inputs.policies.iter().enumerate() {
        let Some(v) = &p.value else { continue };
        if !is_mutating_policy(&p.kind) {
            continue;
        }
        // Kyverno's CLI runs MutatingPolicies as a CREATE of the resource.
        let mut request = build_request(inputs, &p.name, resource, Operation::Create);
        request.object = admitted.clone();
        request.old_object = Value::Null;
        let responses = match guarded(|| crate::engine::cel::mpol::mutate(v, &request, env)) {
            Ok(m) => {
                if m.patched.is_some() {
                    patched = m.patched;
                }
                m.responses
            }
            Err(e) => vec![RuleResponse {
                rule: String::new(),
                source: 0,
                status: Status::Error,
                message: e,
                resource_path: None,
                policy_path: None,
            }],
        };
        cel_steps.push((pi, responses));
    }
    if let Some(p) = patched {
        last = p;
    }
    for (pi, responses) in cel_steps {
        steps.push((
            pi,
            crate::engine::mutate::Mutation {
                responses,
                patched: last.clone(),
                targets: Vec::new(),
                unfinished: false,
            },
        ));
    }
    Chain {
        steps,
        classic_last,
        last,
    }
}

/// Matches every expected result of `test` against the engine's responses.
pub fn run_test(
    manifest: &str,
    test: &Test,
    inputs: &Inputs,
    options: &Options,
    env: &Env,
) -> Vec<Row> {
    let mut cache = Cache::default();
    let mut rows = Vec::new();
    let clone_sources = clone_sources(test, inputs);
    for result in &test.results {
        let targets = patched_targets(inputs, env, &mut cache);
        let names: Vec<String> = if result.resources.is_empty() {
            // Without names, `kyverno test` checks every trigger and every patched target.
            let mut names: Vec<String> = inputs.resources.iter().map(|r| r.name.clone()).collect();
            for t in targets {
                let key = format!(
                    "{}/{}",
                    t.object.str_at(&["metadata", "namespace"]),
                    t.object.str_at(&["metadata", "name"])
                );
                if !names.contains(&key) {
                    names.push(key);
                }
            }
            names
        } else {
            result.resources.clone()
        };
        // `kyverno test` checks every resource when none of the listed names is found.
        let any_found = names.iter().any(|n| {
            inputs
                .resources
                .iter()
                .any(|r| resource_matches(n, &r.name, &r.namespace))
                || targets.iter().any(|t| t.names(n))
        });
        let ctx = RowContext {
            manifest,
            inputs,
            options,
            env,
            clone_sources: &clone_sources,
        };
        for name in names {
            rows.push(row(&ctx, result, &name, any_found, &mut cache));
        }
    }
    rows
}

struct RowContext<'a> {
    manifest: &'a str,
    inputs: &'a Inputs,
    options: &'a Options,
    env: &'a Env,
    /// Per policy name, the objects its generate rules may clone.
    clone_sources: &'a HashMap<String, Vec<Value>>,
}

/// The clone sources of each policy, as `kyverno test` puts them in its fake cluster: for each
/// of its rules, the `cloneSourceResource` file of the first result that names the policy
/// and the rule.
fn clone_sources(test: &Test, inputs: &Inputs) -> HashMap<String, Vec<Value>> {
    let mut seen = std::collections::HashSet::new();
    let mut out: HashMap<String, Vec<Value>> = HashMap::new();
    for r in &test.results {
        if r.clone_source.is_empty() || !seen.insert((r.policy_name(), r.rule.as_str())) {
            continue;
        }
        if let Some(Ok(docs)) = inputs.clone_sources.get(&r.clone_source) {
            out.entry(r.policy_name().to_string())
                .or_default()
                .extend(docs.iter().cloned());
        }
    }
    out
}

fn row(
    ctx: &RowContext,
    result: &TestResult,
    resource_entry: &str,
    any_found: bool,
    cache: &mut Cache,
) -> Row {
    let RowContext {
        manifest,
        inputs,
        options,
        env,
        clone_sources,
    } = *ctx;
    let mut row = Row {
        manifest: manifest.to_string(),
        policy: result.policy.clone(),
        rule: result.rule.clone(),
        resource: resource_entry.to_string(),
        kind: result.kind.clone(),
        expected: result.result.clone(),
        actual: "none".into(),
        ok: false,
        message: String::new(),
        rule_type: String::new(),
        policy_api_version: String::new(),
        excluded: false,
    };
    let policy_name = result.policy_name();
    let named = |p: &&Policy| p.name == policy_name && p.kind.ends_with("Policy");
    let found = inputs
        .policies
        .iter()
        .enumerate()
        .find(|(_, p)| named(p) && p.value.is_some())
        .or_else(|| inputs.policies.iter().enumerate().find(|(_, p)| named(p)));
    let Some((pi, policy)) = found else {
        row.message = format!("policy `{policy_name}` is not in the test's policies");
        return row;
    };
    row.policy_api_version = policy.api_version.clone();
    let Some(policy_value) = &policy.value else {
        row.rule_type = if policy.api_version.starts_with("policies.kyverno.io/") {
            "rule-less".into()
        } else {
            policy.kind.clone()
        };
        row.actual = "unsupported".into();
        row.message = format!(
            "{} ({}) policies are not simulated yet",
            policy.kind, policy.api_version
        );
        return row;
    };
    // `kyverno test` ignores `rule:` for the CEL kinds: every response of the policy counts.
    let cel = crate::model::family_of(&policy.api_version, &policy.kind) == Some(Family::Cel)
        || policy.kind == "MutatingAdmissionPolicy";
    let rule_filter = if cel { "" } else { result.rule.as_str() };
    let gpol = cel
        && matches!(
            policy.kind.as_str(),
            "GeneratingPolicy" | "NamespacedGeneratingPolicy"
        );
    if cel {
        row.rule_type = policy.kind.clone();
    } else if !result.rule.is_empty() {
        match policy
            .model
            .as_ref()
            .and_then(|m| find_rule(m, &result.rule))
        {
            Some(rule) => {
                let t = rule.form;
                row.rule_type = t.into();
                if !SIMULATED_RULE_TYPES.contains(&t) {
                    row.actual = "unsupported".into();
                    row.message = match t {
                        "cel" => "validate.cel rules are not simulated yet".into(),
                        "validate" => "this validate rule form is not simulated yet".into(),
                        other => format!("{other} rules are not simulated yet"),
                    };
                    return row;
                }
            }
            None => {
                row.ok = options.compat;
                row.message = format!(
                    "no response: policy `{policy_name}` has no rule `{}`",
                    result.rule
                );
                return row;
            }
        }
    }
    let matched: Vec<usize> = inputs
        .resources
        .iter()
        .enumerate()
        .filter(|(_, r)| resource_matches(resource_entry, &r.name, &r.namespace))
        .map(|(i, _)| i)
        .collect();
    if matched.is_empty() {
        let targets = patched_targets(inputs, env, cache);
        if let Some(t) = targets.iter().find(|t| t.names(resource_entry)) {
            return target_row(row, inputs, result, t);
        }
    }
    let mut note = String::new();
    let matched = if !matched.is_empty() {
        matched
    } else if any_found {
        // `kyverno test` produces no row for this name: it passes unnoticed there.
        row.ok = options.compat;
        row.message = format!("resource `{resource_entry}` is not in the test's resources");
        return row;
    } else {
        note = format!(
            " (resource `{resource_entry}` is not in the test's resources: every resource \
             was checked, as `kyverno test` does)"
        );
        (0..inputs.resources.len()).collect()
    };
    if matched.is_empty() {
        row.message = format!("resource `{resource_entry}` is not in the test's resources");
        return row;
    }
    let mut outcomes: Vec<(String, String)> = Vec::new();
    for ri in matched {
        let op = match operation_for(
            result,
            &inputs.values,
            policy_name,
            &inputs.resources[ri].name,
        ) {
            Ok(op) => op,
            Err(e) => {
                row.actual = "error".into();
                row.message = e;
                return row;
            }
        };
        let chain = cache
            .chains
            .entry((ri, op.as_str()))
            .or_insert_with(|| mutation_chain(inputs, ri, op, env));
        let mutation = chain.steps.iter().find(|(p, _)| *p == pi).map(|(_, m)| m);
        let request = || {
            let mut request = build_request(inputs, policy_name, &inputs.resources[ri], op);
            if !chain.steps.is_empty() {
                request.object = if cel {
                    chain.last.clone()
                } else {
                    chain.classic_last.clone()
                };
            }
            request
        };
        let mutating_policy =
            is_mutating_policy(&policy.kind) || policy.kind == "MutatingAdmissionPolicy";
        // A GeneratingPolicy's response and objects come from one run, as do a ClusterPolicy's
        // generate rules'; the runner compares their objects alike.
        let generation =
            (gpol || (!cel && generate::has_generate_rules(policy_value))).then(|| {
                let key = (pi, ri, op.as_str());
                let sources = clone_sources
                    .get(policy_name)
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                cache
                    .generations
                    .entry(key)
                    .or_insert_with(|| {
                        guarded(|| {
                            if gpol {
                                crate::engine::cel::gpol::generate(policy_value, &request(), env)
                            } else {
                                generate::generate(policy_value, &request(), env, sources)
                            }
                        })
                    })
                    .clone()
            });
        let responses = cache
            .responses
            .entry((pi, ri, op.as_str()))
            .or_insert_with(|| {
                let request = request();
                // The policy's mutate responses come from the chain; its other rules see the
                // resource every mutate policy patched.
                let mut out = mutation.map(|m| m.responses.clone()).unwrap_or_default();
                let rest = if mutating_policy || gpol {
                    Ok(Vec::new())
                } else if cel {
                    evaluate(policy_value, &request, env)
                } else {
                    validate_only(policy_value, &request, env)
                };
                let generated = match &generation {
                    None => Ok(Vec::new()),
                    Some(g) => g
                        .as_ref()
                        .map(|g| g.responses.clone())
                        .map_err(Clone::clone),
                };
                rest.and_then(|r| {
                    out.extend(r);
                    out.extend(generated?);
                    Ok(out)
                })
            });
        // A mutation kyverno-ls could not finish leaves every later object unknown.
        // A mutate row sees the resource as patched up to its policy; every other row sees
        // it patched by all of them. A mutation kyverno-ls could not finish leaves them
        // unknown.
        let mutate_row = row.rule_type == "mutate" || mutating_policy;
        let upto = match chain.steps.iter().position(|(p, _)| *p == pi) {
            Some(i) if mutate_row => i + 1,
            _ => chain.steps.len(),
        };
        let unfinished = chain.steps[..upto].iter().any(|(_, m)| m.unfinished);
        if unfinished {
            row.actual = "unsupported".into();
            row.message = "a mutation applied before this row is not simulated yet".into();
            return row;
        }
        if let (Some(m), false) = (mutation, result.patched_resources.is_empty()) {
            let compared = |r: &RuleResponse| {
                rule_matches(&r.rule, rule_filter) && r.status != Status::Unsupported
            };
            if m.responses.iter().any(compared) {
                match compare_patched(inputs, &result.patched_resources, &m.patched) {
                    Patched::Same => {}
                    Patched::Missing(why) => {
                        // `kyverno test` drops the row: it passes unnoticed there, and `check`
                        // has nothing to report either.
                        row.ok = true;
                        row.message = why;
                        return row;
                    }
                    Patched::Differs(diff) => {
                        row.actual = "fail".into();
                        row.message = format!(
                            "the patched resource differs from the one in `{}`: {diff}",
                            result.patched_resources
                        );
                        return row;
                    }
                }
            }
        }
        if let (Some(Ok(g)), false) = (&generation, result.generated_resources.is_empty()) {
            // Without objects (none made, or a rule of the policy failed), `kyverno test`
            // compares the status alone.
            let made = g.objects.as_ref().map(Vec::as_slice).unwrap_or_default();
            let mine = g
                .responses
                .iter()
                .zip(made)
                .filter(|(r, _)| rule_matches(&r.rule, rule_filter))
                .flat_map(|(_, objects)| objects);
            for object in mine {
                let what = format!(
                    "the generated {} `{}`",
                    object.str_at(&["kind"]),
                    object.str_at(&["metadata", "name"])
                );
                match compare_generated(inputs, &result.generated_resources, object) {
                    Patched::Same => {}
                    Patched::Missing(why) => {
                        row.actual = "error".into();
                        row.message = format!("{what} is not among the expected ones: {why}");
                        return row;
                    }
                    Patched::Differs(diff) => {
                        row.actual = "fail".into();
                        row.message = format!("{what} {diff}");
                        return row;
                    }
                }
            }
        }
        match responses {
            Err(e) => outcomes.push(("error".into(), e.clone())),
            Ok(list) => outcomes.extend(rule_outcomes(list, rule_filter)),
        }
    }
    if outcomes.is_empty() && cel {
        // `kyverno test` drops the empty response of a policy with one plain resource rule
        // (the row is "not found"), and keeps it otherwise (the row passes as excluded). It
        // keeps every response of a ValidatingAdmissionPolicy.
        let simple =
            crate::engine::cel::matching::is_simple(policy_value.at(&["spec", "matchConstraints"]));
        if policy.kind == "ValidatingAdmissionPolicy" {
            // `kyverno test` reports it as excluded, and counts it as skipped.
            row.actual = "skip".into();
            row.excluded = true;
            row.ok = options.compat || row.expected == "skip";
            row.message = "excluded: neither the policy's matchConstraints nor any of its \
                           bindings match the resource"
                .to_string()
                + &note;
            return row;
        }
        if gpol || policy.kind.ends_with("DeletingPolicy") {
            // Kyverno's CLI keeps no empty response of these kinds: the row is "not found".
            row.message = if gpol {
                "no response: the resource is not matched by the policy's matchConstraints, or a \
                 matchCondition is false"
            } else {
                "no response: the resource is not matched by the policy's matchConstraints"
            }
            .to_string()
                + &note;
            return row;
        }
        row.excluded = !simple;
        row.ok = options.compat && !simple;
        row.message = "no response: the resource is not matched by the policy's matchConstraints"
            .to_string()
            + &note;
        return row;
    }
    if outcomes.is_empty() {
        row.excluded = true;
        row.ok = options.compat;
        row.message = if row.rule_type == "foreach" {
            "no response: the resource is not matched by the rule, or foreach evaluated no element"
                .into()
        } else {
            "no response: the resource is not matched by the rule's match/exclude".into()
        };
        row.message.push_str(&note);
        return row;
    }
    let (actual, message) = choose(&outcomes, &row.expected);
    row.actual = actual;
    row.message = message + &note;
    row.ok = row.actual == row.expected;
    row
}

/// A row that names a patched target: its object against `patchedResources`, then the
/// status of the response that patched it.
fn target_row(mut row: Row, inputs: &Inputs, result: &TestResult, t: &PatchedTarget) -> Row {
    if !result.patched_resources.is_empty() {
        match compare_patched(inputs, &result.patched_resources, &t.object) {
            Patched::Same => {}
            Patched::Missing(why) => {
                // Unlike a trigger's row, a target's row is not dropped: it fails.
                row.actual = "error".into();
                row.message = format!(
                    "the patched target is not in `{}`: {why}",
                    result.patched_resources
                );
                return row;
            }
            Patched::Differs(diff) => {
                row.actual = "fail".into();
                row.message = format!(
                    "the patched target differs from the one in `{}`: {diff}",
                    result.patched_resources
                );
                return row;
            }
        }
    }
    row.actual = t.status.as_str().into();
    row.message = t.message.clone();
    row.ok = row.actual == row.expected;
    row
}

/// The operation a result is evaluated with: its `operation:`, else `request.operation` in
/// the resource's values (the policy's `resources[].values`, which win over `globalValues`,
/// as in the CLI's `makePolicyContext`), else CREATE. An invalid `operation:` is an error; an
/// invalid `request.operation` value only stays a variable.
pub fn operation_for(
    result: &TestResult,
    values: &Values,
    policy: &str,
    resource: &str,
) -> Result<Operation, String> {
    if result.operation.is_empty() {
        return Ok(values_operation(values, policy, resource).unwrap_or_default());
    }
    let text = result.operation.as_str();
    Operation::parse(text).ok_or_else(|| {
        format!("invalid operation `{text}`, must be one of CREATE, UPDATE, DELETE, CONNECT")
    })
}

/// `request.operation` from the values for (policy, resource), when it names an operation.
fn values_operation(values: &Values, policy: &str, resource: &str) -> Option<Operation> {
    let per_resource = values
        .policies
        .iter()
        .filter(|p| p.name == policy)
        .flat_map(|p| &p.resources)
        .filter(|(name, _)| name == resource)
        .filter_map(|(_, v)| v.get("request.operation"))
        .next_back();
    per_resource
        .or_else(|| values.global_values.get("request.operation"))
        .and_then(mapped_operation)
}

/// The operation a `request.operation` value gives the request. Kyverno's CLI
/// (`makePolicyContext`) maps only UPDATE and DELETE, and runs everything else as a CREATE:
/// a CONNECT only sets the variable (test/cli/test/exec-subresource).
fn mapped_operation(v: &Json) -> Option<Operation> {
    v.as_str()
        .and_then(Operation::parse)
        .filter(|op| *op != Operation::Connect)
}

/// (result, message) of every response that answers for the manifest's `rule`.
pub fn rule_outcomes(responses: &[RuleResponse], rule: &str) -> Vec<(String, String)> {
    responses
        .iter()
        .filter(|r| rule_matches(&r.rule, rule))
        .map(|r| {
            let msg = match &r.resource_path {
                Some(p) if !r.message.contains(p.as_str()) && r.status == Status::Fail => {
                    format!("{} (at {p})", r.message)
                }
                _ => r.message.clone(),
            };
            (r.status.as_str().to_string(), msg)
        })
        .collect()
}

/// One verdict from several responses (several resources of that name, or a rule and its
/// autogen variants): `unsupported` if any is, else the first that differs from `expected`,
/// else the first.
pub fn choose(outcomes: &[(String, String)], expected: &str) -> (String, String) {
    outcomes
        .iter()
        .find(|(a, _)| a == "unsupported")
        .or_else(|| outcomes.iter().find(|(a, _)| a != expected))
        .or(outcomes.first())
        .cloned()
        .unwrap_or_else(|| ("none".into(), String::new()))
}
