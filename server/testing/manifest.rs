//! The `kyverno-test.yaml` manifest (`cli.kyverno.io/v1alpha1` `Test`), values files
//! (`kind: Values`) and user info files (`kind: UserInfo`), decoded strictly as the CLI does.

use std::collections::BTreeMap;

use serde_json::Value;

use super::decode::{self, OBJECT_META, boolean, fields, list, string, string_map, strings};

/// One `Test` document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Test {
    pub name: String,
    pub policies: Vec<String>,
    pub resources: Vec<String>,
    /// `jsonPayloads` (and the older `jsonPayload`): files of plain JSON that JSON-mode
    /// ValidatingPolicies evaluate, named in results by their path as written.
    pub json_payloads: Vec<String>,
    pub variables: String,
    pub values: Option<Values>,
    pub userinfo: String,
    /// The `context` file (`cli.kyverno.io/v1alpha1` `Context`) for CEL's context libraries.
    pub context: String,
    pub cluster_resources: Vec<String>,
    /// Parameter objects of admission policies (`paramResources`).
    pub param_resources: Vec<String>,
    /// `targetResources`: existing objects that mutate rules with `targets` (and
    /// MutatingPolicies with `mutateExisting`) may patch.
    pub target_resources: Vec<String>,
    pub exceptions: Vec<String>,
    pub api_call_responses: Vec<ApiCallResponse>,
    pub global_context_entries: Vec<GlobalContextEntry>,
    pub results: Vec<TestResult>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApiCallResponse {
    pub url: String,
    pub method: String,
    pub body: Value,
    /// The whole `response` (`body` and `statusCode`): what CEL's mocked `http` answers.
    pub response: Value,
}

impl ApiCallResponse {
    pub fn to_engine(&self) -> crate::engine::ApiResponse {
        crate::engine::ApiResponse {
            url: self.url.clone(),
            method: self.method.clone(),
            body: crate::engine::Value::from_json(&self.body),
            response: crate::engine::Value::from_json(&self.response),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct GlobalContextEntry {
    pub name: String,
    pub data: Option<Value>,
    pub resources: Vec<Value>,
    pub resource_files: Vec<String>,
    /// A JMESPath applied to the data before projections.
    pub field_path: String,
    /// `(name, JMESPath)`: with any, the entry's value is the map of their results.
    pub projections: Vec<(String, String)>,
}

/// One entry of `results:`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TestResult {
    pub policy: String,
    pub rule: String,
    pub result: String,
    pub kind: String,
    pub operation: String,
    pub resources: Vec<String>,
    /// Set when the entry is for a rule-less policy kind (`isValidatingPolicy`, ...).
    pub rule_less: bool,
    pub patched_resources: String,
    /// `generatedResource` and `generatedResources`: files with the objects a generate rule
    /// is expected to create.
    pub generated_resources: Vec<String>,
    /// `cloneSourceResource`: the file whose objects a generate rule may clone.
    pub clone_source: String,
}

impl TestResult {
    /// The policy's name, without the `namespace/` a namespaced Policy is written with.
    pub fn policy_name(&self) -> &str {
        self.policy.rsplit('/').next().unwrap_or_default()
    }
}

/// A values file or inline `values:` (`ValuesSpec`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Values {
    pub global_values: BTreeMap<String, Value>,
    pub policies: Vec<PolicyValues>,
    pub namespace_selectors: Vec<(String, BTreeMap<String, String>)>,
    /// Namespace objects: name and labels.
    pub namespaces: Vec<(String, BTreeMap<String, String>)>,
    /// The same namespace objects whole, by name: CEL's `namespaceObject` sees their
    /// annotations and everything else.
    pub namespace_objects: BTreeMap<String, Value>,
    /// `subresources`: documents of a subresource's kind stand for a request on that
    /// subresource of the parent kind.
    pub subresources: Vec<Subresource>,
}

/// One `subresources` entry: two `metav1.APIResource`s, of which `kyverno test` reads the
/// group, version and kind, and the subresource's `name` (`pods/exec`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Subresource {
    /// Group, version and kind of the documents (`v1` `PodExecOptions`).
    pub group: String,
    pub version: String,
    pub kind: String,
    /// The text after the `/` of the subresource's name (`exec`).
    pub name: String,
    /// Group, version and kind of the parent (`v1` `Pod`).
    pub parent_group: String,
    pub parent_version: String,
    pub parent_kind: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct PolicyValues {
    pub name: String,
    pub resources: Vec<(String, BTreeMap<String, Value>)>,
    pub rules: Vec<RuleValues>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RuleValues {
    pub name: String,
    pub values: BTreeMap<String, Value>,
    pub foreach_values: BTreeMap<String, Vec<Value>>,
}

/// A `kind: UserInfo` file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserInfoFile {
    pub username: String,
    pub groups: Vec<String>,
    pub roles: Vec<String>,
    pub cluster_roles: Vec<String>,
}

const TEST_FIELDS: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "name",
    "policies",
    "resources",
    "targetResources",
    "paramResources",
    "clusterResources",
    "variables",
    "values",
    "userinfo",
    "exceptions",
    "context",
    "jsonPayload",
    "jsonPayloads",
    "httpPayloads",
    "envoyPayloads",
    "apiCallResponses",
    "globalContextEntries",
    "checks",
    "results",
];

const RESULT_FIELDS: &[&str] = &[
    "policy",
    "rule",
    "isValidatingAdmissionPolicy",
    "isMutatingAdmissionPolicy",
    "isValidatingPolicy",
    "isDeletingPolicy",
    "isImageValidatingPolicy",
    "isGeneratingPolicy",
    "isMutatingPolicy",
    "result",
    "status",
    "kind",
    "operation",
    "patchedResources",
    "patchedResource",
    "generatedResource",
    "generatedResources",
    "cloneSourceResource",
    "failOnMissingResources",
    "resource",
    "resources",
    "resourceSpecs",
    "namespace",
];

const VALUES_SPEC_FIELDS: &[&str] = &[
    "globalValues",
    "policies",
    "namespaceSelector",
    "namespaces",
    "subresources",
];

/// Decodes one `Test` document. A deprecated schema (no `apiVersion`/`kind`, or a top-level
/// `name:`) is an error, as `kyverno test` makes it one.
pub fn decode_test(doc: &Value) -> Result<Test, String> {
    let mut test = Test::default();
    let (mut api_version, mut kind, mut old_name) = (String::new(), String::new(), false);
    for (field, v) in fields(doc, TEST_FIELDS, "")? {
        match field {
            "apiVersion" => api_version = string(v, field)?,
            "kind" => kind = string(v, field)?,
            "name" => old_name = !string(v, field)?.is_empty(),
            "metadata" => {
                for (f, mv) in fields(v, OBJECT_META, "metadata")? {
                    if f == "name" {
                        test.name = string(mv, "metadata.name")?;
                    }
                }
            }
            "policies" => test.policies = dedup(strings(v, field)?),
            "resources" => test.resources = dedup(strings(v, field)?),
            "clusterResources" => test.cluster_resources = strings(v, field)?,
            "paramResources" => test.param_resources = strings(v, field)?,
            "targetResources" => test.target_resources = dedup(strings(v, field)?),
            "jsonPayloads" => test.json_payloads.extend(strings(v, field)?),
            "jsonPayload" if !v.is_null() => test.json_payloads.push(string(v, field)?),
            "exceptions" => test.exceptions = dedup(strings(v, field)?),
            "variables" => test.variables = string(v, field)?,
            "userinfo" => test.userinfo = string(v, field)?,
            "context" => test.context = string(v, field)?,
            "values" if !v.is_null() => test.values = Some(decode_values_spec(v, "values", false)?),
            "apiCallResponses" => {
                for (i, item) in list(v, field)?.iter().enumerate() {
                    test.api_call_responses
                        .push(decode_api_call(item, &format!("apiCallResponses[{i}]"))?);
                }
            }
            "globalContextEntries" => {
                for (i, item) in list(v, field)?.iter().enumerate() {
                    test.global_context_entries
                        .push(decode_global(item, &format!("globalContextEntries[{i}]"))?);
                }
            }
            "results" => {
                for (i, item) in list(v, field)?.iter().enumerate() {
                    test.results
                        .push(decode_result(item, &format!("results[{i}]"))?);
                }
            }
            _ => {}
        }
    }
    if api_version.is_empty() || kind.is_empty() || old_name {
        return Err(
            "uses a deprecated schema (no `apiVersion`/`kind`, or a top-level `name:`) — \
             please migrate it to `apiVersion: cli.kyverno.io/v1alpha1`, `kind: Test`, \
             `metadata.name` (`kyverno fix test`)"
                .into(),
        );
    }
    Ok(test)
}

fn dedup(items: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

fn decode_api_call(v: &Value, at: &str) -> Result<ApiCallResponse, String> {
    let mut out = ApiCallResponse {
        method: "GET".into(),
        ..Default::default()
    };
    for (f, fv) in fields(v, &["url", "urlPath", "method", "response"], at)? {
        let here = format!("{at}.{f}");
        match f {
            "url" | "urlPath" => out.url = string(fv, &here)?,
            "method" => {
                let m = string(fv, &here)?;
                if !m.is_empty() {
                    out.method = m;
                }
            }
            _ => {
                out.response = fv.clone();
                for (rf, rv) in fields(fv, &["statusCode", "body"], &here)? {
                    if rf == "body" {
                        out.body = rv.clone();
                    }
                }
            }
        }
    }
    Ok(out)
}

fn decode_global(v: &Value, at: &str) -> Result<GlobalContextEntry, String> {
    let mut out = GlobalContextEntry::default();
    let known = &[
        "name",
        "data",
        "resources",
        "resourceFiles",
        "fieldPath",
        "projections",
    ];
    for (f, fv) in fields(v, known, at)? {
        let here = format!("{at}.{f}");
        match f {
            "name" => out.name = string(fv, &here)?,
            "data" => out.data = Some(fv.clone()),
            "resources" => out.resources = list(fv, &here)?.to_vec(),
            "resourceFiles" => out.resource_files = strings(fv, &here)?,
            "fieldPath" => out.field_path = string(fv, &here)?,
            "projections" => {
                for (i, p) in list(fv, &here)?.iter().enumerate() {
                    let at = format!("{here}[{i}]");
                    let (mut name, mut path) = (String::new(), String::new());
                    for (pf, pv) in fields(p, &["name", "path"], &at)? {
                        match pf {
                            "name" => name = string(pv, &format!("{at}.name"))?,
                            _ => path = string(pv, &format!("{at}.path"))?,
                        }
                    }
                    out.projections.push((name, path));
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

fn decode_result(v: &Value, at: &str) -> Result<TestResult, String> {
    let mut out = TestResult::default();
    let mut status = String::new();
    for (f, fv) in fields(v, RESULT_FIELDS, at)? {
        let here = format!("{at}.{f}");
        match f {
            "policy" => out.policy = string(fv, &here)?,
            "rule" => out.rule = string(fv, &here)?,
            "result" => out.result = string(fv, &here)?,
            "status" => status = string(fv, &here)?,
            "kind" => out.kind = string(fv, &here)?,
            "operation" => out.operation = string(fv, &here)?,
            "resources" => out.resources.extend(strings(fv, &here)?),
            "resource" => {
                let r = string(fv, &here)?;
                if !r.is_empty() {
                    out.resources.push(r);
                }
            }
            "patchedResources" | "patchedResource" => out.patched_resources = string(fv, &here)?,
            "generatedResource" => {
                let r = string(fv, &here)?;
                if !r.is_empty() {
                    out.generated_resources.push(r);
                }
            }
            "generatedResources" => out.generated_resources.extend(strings(fv, &here)?),
            "cloneSourceResource" => out.clone_source = string(fv, &here)?,
            "resourceSpecs" => {
                for (i, spec) in list(fv, &here)?.iter().enumerate() {
                    let sat = format!("{here}[{i}]");
                    let (mut ns, mut name) = (String::new(), String::new());
                    let known = &[
                        "group",
                        "version",
                        "kind",
                        "namespace",
                        "subresource",
                        "name",
                    ];
                    for (sf, sv) in fields(spec, known, &sat)? {
                        match sf {
                            "namespace" => ns = string(sv, &sat)?,
                            "name" => name = string(sv, &sat)?,
                            _ => {}
                        }
                    }
                    out.resources.push(if ns.is_empty() {
                        name
                    } else {
                        format!("{ns}/{name}")
                    });
                }
            }
            "isValidatingAdmissionPolicy"
            | "isMutatingAdmissionPolicy"
            | "isValidatingPolicy"
            | "isDeletingPolicy"
            | "isImageValidatingPolicy"
            | "isGeneratingPolicy"
            | "isMutatingPolicy" => out.rule_less |= boolean(fv, &here)?,
            "failOnMissingResources" => {
                boolean(fv, &here)?;
            }
            _ => {}
        }
    }
    if out.result.is_empty() {
        out.result = status;
    }
    out.result = out.result.to_ascii_lowercase();
    Ok(out)
}

/// Decodes a `ValuesSpec` (inline `values:`), or a whole values file when `file` is set
/// (which must then have `apiVersion` and `kind`).
const API_RESOURCE_FIELDS: &[&str] = &[
    "name",
    "singularName",
    "namespaced",
    "group",
    "version",
    "kind",
    "verbs",
    "shortNames",
    "categories",
    "storageVersionHash",
];

fn decode_subresource(v: &Value, at: &str) -> Result<Subresource, String> {
    let mut out = Subresource::default();
    let mut seen = (false, false);
    for (f, fv) in fields(v, &["subresource", "parentResource"], at)? {
        let here = format!("{at}.{f}");
        let (mut name, mut group, mut version, mut kind) =
            (String::new(), String::new(), String::new(), String::new());
        for (rf, rv) in fields(fv, API_RESOURCE_FIELDS, &here)? {
            let there = format!("{here}.{rf}");
            match rf {
                "name" => name = string(rv, &there)?,
                "group" => group = string(rv, &there)?,
                "version" => version = string(rv, &there)?,
                "kind" => kind = string(rv, &there)?,
                _ => {}
            }
        }
        if f == "subresource" {
            seen.0 = true;
            // `kyverno test` takes the part after the `/` and has nothing to take without one.
            let Some((_, sub)) = name.split_once('/') else {
                return Err(format!(
                    "{here}.name: `{name}` names no subresource; write it as `<resource>/<subresource>`, e.g. `pods/exec`"
                ));
            };
            out.name = sub.to_string();
            (out.group, out.version, out.kind) = (group, version, kind);
        } else {
            seen.1 = true;
            (out.parent_group, out.parent_version, out.parent_kind) = (group, version, kind);
        }
    }
    if !(seen.0 && seen.1) {
        return Err(format!(
            "{at}: a subresource entry needs both `subresource` and `parentResource`"
        ));
    }
    Ok(out)
}

pub fn decode_values_spec(v: &Value, at: &str, file: bool) -> Result<Values, String> {
    let mut out = Values::default();
    let mut known: Vec<&'static str> = VALUES_SPEC_FIELDS.to_vec();
    if file {
        known.extend(["apiVersion", "kind", "metadata"]);
    }
    let (mut api_version, mut kind) = (String::new(), String::new());
    let join = |f: &str| {
        if at.is_empty() {
            f.to_string()
        } else {
            format!("{at}.{f}")
        }
    };
    for (f, fv) in fields(v, &known, at)? {
        let here = join(f);
        match f {
            "apiVersion" => api_version = string(fv, &here)?,
            "kind" => kind = string(fv, &here)?,
            "globalValues" => out.global_values = value_map(fv, &here)?,
            "policies" => {
                for (i, p) in list(fv, &here)?.iter().enumerate() {
                    out.policies
                        .push(decode_policy_values(p, &format!("{here}[{i}]"))?);
                }
            }
            "namespaceSelector" => {
                for (i, s) in list(fv, &here)?.iter().enumerate() {
                    let sat = format!("{here}[{i}]");
                    let (mut name, mut labels) = (String::new(), BTreeMap::new());
                    for (sf, sv) in fields(s, &["name", "labels"], &sat)? {
                        match sf {
                            "name" => name = string(sv, &sat)?,
                            _ => labels = string_map(sv, &format!("{sat}.labels"))?,
                        }
                    }
                    out.namespace_selectors.push((name, labels));
                }
            }
            "namespaces" => {
                for (i, ns) in list(fv, &here)?.iter().enumerate() {
                    let sat = format!("{here}[{i}]");
                    let meta = decode::as_object(ns, &sat)?.get("metadata");
                    let name = meta
                        .and_then(|m| m.get("name"))
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string();
                    let labels = match meta.and_then(|m| m.get("labels")) {
                        Some(l) => string_map(l, &format!("{sat}.metadata.labels"))?,
                        None => BTreeMap::new(),
                    };
                    out.namespace_objects.insert(name.clone(), ns.clone());
                    out.namespaces.push((name, labels));
                }
            }
            "subresources" => {
                for (i, s) in list(fv, &here)?.iter().enumerate() {
                    out.subresources
                        .push(decode_subresource(s, &format!("{here}[{i}]"))?);
                }
            }
            _ => {}
        }
    }
    if file && (api_version.is_empty() || kind.is_empty()) {
        return Err(
            "values file uses a deprecated schema (no `apiVersion`/`kind`) — please migrate \
             it to `apiVersion: cli.kyverno.io/v1alpha1`, `kind: Values`"
                .into(),
        );
    }
    Ok(out)
}

fn value_map(v: &Value, at: &str) -> Result<BTreeMap<String, Value>, String> {
    if v.is_null() {
        return Ok(BTreeMap::new());
    }
    Ok(decode::as_object(v, at)?
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect())
}

fn decode_policy_values(v: &Value, at: &str) -> Result<PolicyValues, String> {
    let mut out = PolicyValues::default();
    for (f, fv) in fields(v, &["name", "resources", "rules"], at)? {
        let here = format!("{at}.{f}");
        match f {
            "name" => out.name = string(fv, &here)?,
            "resources" => {
                for (i, r) in list(fv, &here)?.iter().enumerate() {
                    let rat = format!("{here}[{i}]");
                    let (mut name, mut values) = (String::new(), BTreeMap::new());
                    for (rf, rv) in fields(r, &["name", "values"], &rat)? {
                        match rf {
                            "name" => name = string(rv, &rat)?,
                            _ => values = value_map(rv, &format!("{rat}.values"))?,
                        }
                    }
                    out.resources.push((name, values));
                }
            }
            _ => {
                for (i, r) in list(fv, &here)?.iter().enumerate() {
                    let rat = format!("{here}[{i}]");
                    let mut rule = RuleValues::default();
                    for (rf, rv) in fields(r, &["name", "values", "foreachValues"], &rat)? {
                        match rf {
                            "name" => rule.name = string(rv, &rat)?,
                            "values" => rule.values = value_map(rv, &format!("{rat}.values"))?,
                            _ => {
                                for (k, items) in value_map(rv, &format!("{rat}.foreachValues"))? {
                                    let items =
                                        list(&items, &format!("{rat}.foreachValues.{k}"))?.to_vec();
                                    rule.foreach_values.insert(k, items);
                                }
                            }
                        }
                    }
                    out.rules.push(rule);
                }
            }
        }
    }
    Ok(out)
}

/// Decodes a `kind: UserInfo` file.
pub fn decode_user_info(v: &Value) -> Result<UserInfoFile, String> {
    let mut out = UserInfoFile::default();
    let known = &[
        "apiVersion",
        "kind",
        "metadata",
        "roles",
        "clusterRoles",
        "userInfo",
    ];
    let (mut api_version, mut kind) = (String::new(), String::new());
    for (f, fv) in fields(v, known, "")? {
        match f {
            "apiVersion" => api_version = string(fv, f)?,
            "kind" => kind = string(fv, f)?,
            "roles" => out.roles = strings(fv, f)?,
            "clusterRoles" => out.cluster_roles = strings(fv, f)?,
            "userInfo" => {
                if fv.is_null() {
                    continue;
                }
                for (uf, uv) in fields(fv, &["username", "uid", "groups", "extra"], "userInfo")? {
                    match uf {
                        "username" => out.username = string(uv, "userInfo.username")?,
                        "groups" => out.groups = strings(uv, "userInfo.groups")?,
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    if api_version.is_empty() || kind.is_empty() {
        return Err(
            "user info file uses a deprecated schema (no `apiVersion`/`kind`) — please \
             migrate it to `apiVersion: cli.kyverno.io/v1alpha1`, `kind: UserInfo`"
                .into(),
        );
    }
    Ok(out)
}

/// A `context` file (`cli.kyverno.io/v1alpha1` `Context`): objects for CEL's `resource`
/// library and image data for `image.GetMetadata`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContextFile {
    pub resources: Vec<Value>,
    /// Image data by image reference, as `image.GetMetadata` returns it: the fields of the
    /// CLI's `ImageData` under their JSON names, empty `tag`, `digest`, `imageIndex`,
    /// `manifest` and `config` left out as Go's `omitempty` leaves them out.
    pub images: Vec<(String, Value)>,
}

const IMAGE_DATA_FIELDS: &[&str] = &[
    "image",
    "resolvedImage",
    "registry",
    "repository",
    "tag",
    "digest",
    "imageIndex",
    "manifest",
    "config",
];

/// Decodes a `Context` document strictly. Like the CLI, it does not insist on the
/// `apiVersion` and `kind`, only on known fields of the right types.
pub fn decode_context(v: &Value) -> Result<ContextFile, String> {
    let mut out = ContextFile::default();
    for (f, fv) in fields(v, &["apiVersion", "kind", "metadata", "spec"], "")? {
        match f {
            "apiVersion" | "kind" => {
                string(fv, f)?;
            }
            "metadata" => {
                fields(fv, OBJECT_META, "metadata")?;
            }
            _ => {
                if fv.is_null() {
                    continue;
                }
                for (sf, sv) in fields(fv, &["resources", "images"], "spec")? {
                    if sf == "resources" {
                        for (i, r) in list(sv, "spec.resources")?.iter().enumerate() {
                            decode::as_object(r, &format!("spec.resources[{i}]"))?;
                            out.resources.push(r.clone());
                        }
                        continue;
                    }
                    for (i, item) in list(sv, "spec.images")?.iter().enumerate() {
                        let at = format!("spec.images[{i}]");
                        let mut data = serde_json::Map::new();
                        for k in ["image", "resolvedImage", "registry", "repository"] {
                            data.insert(k.into(), Value::String(String::new()));
                        }
                        for (kf, kv) in fields(item, IMAGE_DATA_FIELDS, &at)? {
                            let here = format!("{at}.{kf}");
                            match kf {
                                "image" | "resolvedImage" | "registry" | "repository" => {
                                    data.insert(kf.into(), Value::String(string(kv, &here)?));
                                }
                                "tag" | "digest" => {
                                    let s = string(kv, &here)?;
                                    if !s.is_empty() {
                                        data.insert(kf.into(), Value::String(s));
                                    }
                                }
                                _ => {
                                    if !kv.is_null() {
                                        data.insert(kf.into(), kv.clone());
                                    }
                                }
                            }
                        }
                        let name = data
                            .get("image")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string();
                        out.images.push((name, Value::Object(data)));
                    }
                }
            }
        }
    }
    Ok(out)
}
