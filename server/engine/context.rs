//! The JSON context a rule's expressions query (`pkg/engine/context/context.go`), its context
//! entries (`pkg/engine/context/loaders/`) with deferred loading, and the `images` variable
//! (`pkg/utils/api/image.go`).

use std::sync::Arc;

use super::{Env, Operation, Request, Value};
use crate::jmespath::parse;
use crate::jmespath::value::Map;

/// A context entry registered but not loaded yet (deferred loading).
#[derive(Debug, Clone)]
struct Pending {
    name: String,
    entry: Value,
    /// Registration order: an entry's own expressions see only entries registered before it.
    seq: usize,
}

/// How deeply entries may load one another (an entry referencing itself through others).
const MAX_LOAD_DEPTH: usize = crate::limits::MAX_CONTEXT_LOAD_DEPTH;

/// The JSON context of one rule evaluation. Cloning it is cheap (values share their contents):
/// foreach elements each work on a clone.
#[derive(Clone)]
pub struct Context<'a> {
    data: Map,
    pending: Vec<Pending>,
    pub request: &'a Request,
    pub env: &'a Env,
    /// DELETE: `request.object` in expressions reads `request.oldObject`.
    pub delete: bool,
    depth: usize,
    /// Entries registered so far.
    registered: usize,
    /// While an entry loads: its `seq`; only entries registered before it may load then.
    loading: Option<usize>,
}

fn is_empty_object(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(m) => m.is_empty(),
        _ => false,
    }
}

/// Sets `value` at the dotted `path` inside `map`, creating objects on the way.
pub fn set_path(map: &mut Map, path: &str, value: Value) {
    let parts = path_fields(path);
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    set_parts(map, &parts, value);
}

/// Where a values-file key puts its value into the resource under test: `Some((true, rest))`
/// for `request.object.<rest>`, `Some((false, rest))` for `request.oldObject.<rest>`. Kyverno's
/// CLI adds every value to the JSON context and then reads the resources back from it, so such
/// values change what match, patterns and patches see.
pub fn resource_value_path(key: &str) -> Option<(bool, Vec<String>)> {
    let fields = path_fields(key);
    match fields.as_slice() {
        [r, o, rest @ ..] if r == "request" && o == "object" => Some((true, rest.to_vec())),
        [r, o, rest @ ..] if r == "request" && o == "oldObject" => Some((false, rest.to_vec())),
        _ => None,
    }
}

/// Merges `value` in at `fields` below `target`, creating objects on the way; objects merge
/// key by key, as Kyverno merges a variable into its JSON context.
pub fn merge_at(target: &mut Value, fields: &[String], value: Value) {
    let Some((first, rest)) = fields.split_first() else {
        merge_value(target, value);
        return;
    };
    if !matches!(target, Value::Object(_)) {
        *target = Value::object(Map::new());
    }
    if let Value::Object(m) = target {
        let entry = Arc::make_mut(m).entry(first.clone()).or_insert(Value::Null);
        merge_at(entry, rest, value);
    }
}

fn merge_value(target: &mut Value, value: Value) {
    match (target, value) {
        (Value::Object(t), Value::Object(v)) => {
            let t = Arc::make_mut(t);
            for (k, v) in v.iter() {
                merge_value(t.entry(k.clone()).or_insert(Value::Null), v.clone());
            }
        }
        (t, v) => *t = v,
    }
}

/// The keys of a dotted variable name, read as Kyverno reads them: as one CSV record whose
/// separator is `.`, so a field in double quotes may hold dots
/// (`request.object.metadata.annotations."example.com/team"`) and `""` inside it is a quote.
/// A name Go's CSV reader would refuse (a stray quote) is split at every dot.
fn path_fields(path: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut rest = path;
    loop {
        if let Some(quoted) = rest.strip_prefix('"') {
            let mut field = String::new();
            let mut chars = quoted.char_indices();
            let end = loop {
                match chars.next() {
                    Some((i, '"')) if quoted[i + 1..].starts_with('"') => {
                        field.push('"');
                        chars.next();
                    }
                    Some((i, '"')) => break Some(i + 1),
                    Some((_, c)) => field.push(c),
                    None => break None,
                }
            };
            let after = end.map(|e| &quoted[e..]);
            match after {
                Some("") => {
                    fields.push(field);
                    return fields;
                }
                Some(a) if a.starts_with('.') => {
                    fields.push(field);
                    rest = &a[1..];
                }
                _ => return path.split('.').map(str::to_string).collect(),
            }
        } else {
            let (field, next) = match rest.find('.') {
                Some(i) => (&rest[..i], Some(&rest[i + 1..])),
                None => (rest, None),
            };
            if field.contains('"') {
                return path.split('.').map(str::to_string).collect();
            }
            fields.push(field.to_string());
            match next {
                Some(n) => rest = n,
                None => return fields,
            }
        }
    }
}

fn set_parts(map: &mut Map, parts: &[&str], value: Value) {
    match parts {
        [] => {}
        [last] => {
            map.insert(last.to_string(), value);
        }
        [first, rest @ ..] => {
            let entry = map
                .entry(first.to_string())
                .or_insert_with(|| Value::object(Map::new()));
            if !matches!(entry, Value::Object(_)) {
                *entry = Value::object(Map::new());
            }
            if let Value::Object(inner) = entry {
                set_parts(Arc::make_mut(inner), rest, value);
            }
        }
    }
}

/// Whether `name` occurs in `expr` as a whole word (`\bname\b`).
fn mentions(expr: &str, name: &str) -> bool {
    if name.is_empty() {
        return false;
    }
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let mut start = 0;
    while let Some(pos) = expr[start..].find(name) {
        let at = start + pos;
        let end = at + name.len();
        let before = expr[..at].chars().next_back();
        let after = expr[end..].chars().next();
        let first_word = name.chars().next().is_some_and(word);
        let last_word = name.chars().next_back().is_some_and(word);
        let ok_before = !first_word || before.is_none_or(|c| !word(c));
        let ok_after = !last_word || after.is_none_or(|c| !word(c));
        if ok_before && ok_after {
            return true;
        }
        start = at + name.len().max(1);
        while !expr.is_char_boundary(start) {
            start += 1;
        }
    }
    false
}

/// Evaluates `expr` against `data` (not the context).
pub fn search(expr: &str, data: &Value, env: &Env) -> Result<Value, String> {
    let ast = parse(expr).map_err(|e| e.to_string())?;
    super::budget::evaluate(&ast, data, env)
}

impl<'a> Context<'a> {
    /// The context of a request: `request.*`, service account, `images`, then the values-file
    /// variables (dotted keys are nested paths).
    pub fn new(request: &'a Request, env: &'a Env) -> Context<'a> {
        let delete = request.operation == Operation::Delete;
        let resource = if is_empty_object(&request.object) {
            &request.old_object
        } else {
            &request.object
        };
        let namespace = resource
            .as_object()
            .and_then(|m| m.get("metadata"))
            .and_then(Value::as_object)
            .and_then(|m| m.get("namespace"))
            .cloned();
        let mut req = Map::new();
        req.insert("operation".into(), Value::from(request.operation.as_str()));
        req.insert("object".into(), request.object.clone());
        req.insert("oldObject".into(), request.old_object.clone());
        if let Some(Value::String(ns)) = namespace {
            if !ns.is_empty() {
                req.insert("namespace".into(), Value::String(ns));
            }
        }
        let (username, groups, roles, cluster_roles) = match &request.user_info {
            Some(u) => (
                u.username.clone(),
                u.groups.clone(),
                u.roles.clone(),
                u.cluster_roles.clone(),
            ),
            None => Default::default(),
        };
        let strs = |v: &[String]| -> Value {
            if v.is_empty() {
                Value::Null
            } else {
                Value::array(v.iter().map(|s| Value::from(s.as_str())).collect())
            }
        };
        let mut user = Map::new();
        if !username.is_empty() {
            user.insert("username".into(), Value::from(username.as_str()));
        }
        if !groups.is_empty() {
            user.insert("groups".into(), strs(&groups));
        }
        req.insert("userInfo".into(), Value::object(user));
        req.insert("roles".into(), strs(&roles));
        req.insert("clusterRoles".into(), strs(&cluster_roles));

        let mut data = Map::new();
        data.insert("request".into(), Value::object(req));
        let (sa_name, sa_ns) = service_account(&username);
        data.insert("serviceAccountName".into(), Value::from(sa_name));
        data.insert("serviceAccountNamespace".into(), Value::from(sa_ns));
        data.insert("images".into(), images(resource));
        for (k, v) in &request.variables {
            set_path(&mut data, k, v.clone());
        }
        Context {
            data,
            pending: Vec::new(),
            request,
            env,
            delete,
            depth: 0,
            registered: 0,
            loading: None,
        }
    }

    /// Sets a variable (dotted path).
    pub fn set(&mut self, path: &str, value: Value) {
        set_path(&mut self.data, path, value);
    }

    /// Adds a foreach element: `element`, `elementIndex`, `element<N>`, `elementIndex<N>`.
    pub fn add_element(&mut self, element: &Value, index: usize, nesting: usize) {
        self.data.insert("element".into(), element.clone());
        self.data
            .insert(format!("element{nesting}"), element.clone());
        self.data
            .insert("elementIndex".into(), Value::Number(index as f64));
        self.data.insert(
            format!("elementIndex{nesting}"),
            Value::Number(index as f64),
        );
    }

    /// Registers context entries (deferred: each is loaded when a query mentions its name).
    /// Entries whose names are in `skip` (rule values from the values file) are not registered.
    pub fn register(&mut self, entries: &Value, skip: &[String]) -> Result<(), String> {
        let Some(list) = entries.as_array() else {
            return match entries {
                Value::Null => Ok(()),
                _ => Err("context must be a list".into()),
            };
        };
        for entry in list {
            let name = entry
                .as_object()
                .and_then(|m| m.get("name"))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            if skip.contains(&name) {
                continue;
            }
            self.pending.push(Pending {
                name,
                entry: entry.clone(),
                seq: self.registered,
            });
            self.registered += 1;
        }
        Ok(())
    }

    /// Evaluates a JMESPath expression against the context, loading the deferred entries it
    /// mentions first. Errors are Kyverno's messages (`Unknown key "x" in path`).
    pub fn query(&mut self, expr: &str) -> Result<Value, String> {
        let expr = if self.delete {
            expr.replace("request.object", "request.oldObject")
        } else {
            expr.to_string()
        };
        self.load_mentioned(&expr)?;
        let ast = parse(&expr).map_err(|e| e.to_string())?;
        let data = Value::object(self.data.clone());
        super::budget::evaluate(&ast, &data, self.env)
    }

    fn load_mentioned(&mut self, expr: &str) -> Result<(), String> {
        loop {
            // As Kyverno's deferred loaders: an entry's expressions never load the entries
            // registered after it (a later entry of the same name reads the earlier one).
            let limit = self.loading;
            let Some(i) = self
                .pending
                .iter()
                .position(|p| limit.is_none_or(|l| p.seq < l) && mentions(expr, &p.name))
            else {
                return Ok(());
            };
            let p = self.pending.remove(i);
            if self.depth >= MAX_LOAD_DEPTH {
                return Err(format!(
                    "failed to load context entry {}: too many nested entries",
                    p.name
                ));
            }
            self.depth += 1;
            let outer = self.loading.replace(p.seq);
            let loaded = self.load_entry(&p.name, &p.entry);
            self.loading = outer;
            self.depth -= 1;
            if let Some(v) = loaded? {
                set_path(&mut self.data, &p.name, v);
            }
        }
    }

    /// Loads one entry: `Ok(None)` when the entry kind is disabled offline (undefined variable).
    fn load_entry(&mut self, name: &str, entry: &Value) -> Result<Option<Value>, String> {
        let Some(map) = entry.as_object() else {
            return Err(format!("invalid context entry {name}"));
        };
        if let Some(var) = map.get("variable") {
            return self.load_variable(name, var).map(Some);
        }
        if let Some(cm) = map.get("configMap") {
            return self.load_config_map(cm);
        }
        if let Some(call) = map.get("apiCall") {
            return self.load_api_call(name, call);
        }
        if let Some(gr) = map.get("globalReference") {
            return self.load_global(name, gr);
        }
        // imageRegistry: no registry access offline; unknown kinds: nothing to load.
        Ok(None)
    }

    fn sub_str(&mut self, v: Option<&Value>) -> Result<String, String> {
        match v {
            None | Some(Value::Null) => Ok(String::new()),
            Some(v) => match super::vars::substitute_all(self, v)? {
                Value::String(s) => Ok(s.to_string()),
                other => Ok(crate::jmespath::json::to_go_json(&other)),
            },
        }
    }

    fn load_variable(&mut self, name: &str, var: &Value) -> Result<Value, String> {
        let map = var.as_object().cloned().unwrap_or_default();
        let path = self.sub_str(map.get("jmesPath"))?;
        let default = match map.get("default") {
            None | Some(Value::Null) => Value::Null,
            Some(d) => super::vars::substitute_all(self, d).map_err(|e| {
                format!("failed to substitute variables in context entry {name} default: {e}")
            })?,
        };
        let mut output = default.clone();
        let has_default = !matches!(default, Value::Null);
        match map.get("value") {
            Some(value) if !matches!(value, Value::Null) => {
                let variable = super::vars::substitute_all(self, value).map_err(|e| {
                    format!("failed to substitute variables in context entry {name}: {e}")
                })?;
                if path.is_empty() {
                    output = variable;
                } else {
                    match search(&path, &variable, self.env) {
                        Ok(v) => output = v,
                        Err(e) if !has_default => {
                            return Err(format!("failed to apply jmespath {path} to variable {e}"));
                        }
                        Err(_) => {}
                    }
                }
            }
            _ => {
                if !path.is_empty() {
                    match self.query(&path) {
                        Ok(v) => output = v,
                        Err(e) if !has_default => {
                            return Err(format!("failed to apply jmespath {path} to variable {e}"));
                        }
                        Err(_) => {}
                    }
                }
            }
        }
        if matches!(output, Value::Null) {
            return Err(format!(
                "unable to add context entry for variable {name} since it evaluated to nil"
            ));
        }
        Ok(output)
    }

    fn load_config_map(&mut self, cm: &Value) -> Result<Option<Value>, String> {
        if self.request.cluster_resources.is_empty() {
            return Ok(None);
        }
        let map = cm.as_object().cloned().unwrap_or_default();
        let name = self.sub_str(map.get("name"))?;
        let mut namespace = self.sub_str(map.get("namespace"))?;
        if namespace.is_empty() {
            namespace = "default".into();
        }
        let found = self.request.cluster_resources.iter().find(|r| {
            let get = |k: &str| {
                r.as_object()
                    .and_then(|m| m.get("metadata"))
                    .and_then(Value::as_object)
                    .and_then(|m| m.get(k))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string()
            };
            let kind = r
                .as_object()
                .and_then(|m| m.get("kind"))
                .and_then(Value::as_str)
                .unwrap_or("");
            let ns = get("namespace");
            kind == "ConfigMap"
                && get("name") == name
                && (ns == namespace || (ns.is_empty() && namespace == "default"))
        });
        match found {
            Some(r) => Ok(Some(r.clone())),
            None => Err(format!(
                "failed to retrieve config map for context entry: configmaps \"{name}\" not found"
            )),
        }
    }

    fn load_api_call(&mut self, name: &str, call: &Value) -> Result<Option<Value>, String> {
        if self.request.api_responses.is_empty() && self.request.cluster_resources.is_empty() {
            return Ok(None);
        }
        let map = call.as_object().cloned().unwrap_or_default();
        let url = self.sub_str(map.get("urlPath"))?;
        let url = if url.is_empty() {
            let service = map.get("service").cloned().unwrap_or(Value::Null);
            let service_map = service.as_object().cloned().unwrap_or_default();
            self.sub_str(service_map.get("url"))?
        } else {
            url
        };
        let method = map
            .get("method")
            .and_then(Value::as_str)
            .unwrap_or("GET")
            .to_string();
        let path = self.sub_str(map.get("jmesPath"))?;
        let default = match map.get("default") {
            None | Some(Value::Null) => None,
            Some(d) => Some(super::vars::substitute_all(self, d)?),
        };
        let body = self
            .request
            .api_responses
            .iter()
            .find(|r| r.url == url && r.method.eq_ignore_ascii_case(&method))
            .or_else(|| self.request.api_responses.iter().find(|r| r.url == url))
            .map(|r| r.body.clone());
        // Without a mocked response, a GET reads the test's cluster resources, as the CLI's
        // fake client serves its API paths.
        let body = match body {
            None if method.eq_ignore_ascii_case("GET")
                && !self.request.cluster_resources.is_empty() =>
            {
                match cluster_get(&url, &self.request.cluster_resources) {
                    Ok(v) => Some(v),
                    Err(e) => {
                        return match default {
                            Some(d) => Ok(Some(d)),
                            None => Err(format!("failed to load context entry {name}: {e}")),
                        };
                    }
                }
            }
            other => other,
        };
        let result = match body {
            None => Err(format!(
                "failed to load context entry {name}: no mocked response for {method} {url}"
            )),
            Some(body) if path.is_empty() => Ok(body),
            Some(body) => search(&path, &body, self.env).map_err(|e| {
                format!("failed to apply JMESPath {path} for context entry {name}: {e}")
            }),
        };
        match (result, default) {
            (Ok(v), _) => Ok(Some(v)),
            (Err(_), Some(d)) => Ok(Some(d)),
            (Err(e), None) => Err(e),
        }
    }

    fn load_global(&mut self, name: &str, gr: &Value) -> Result<Option<Value>, String> {
        if self.request.global_context.is_empty() {
            return Ok(None);
        }
        let map = gr.as_object().cloned().unwrap_or_default();
        let gname = self.sub_str(map.get("name"))?;
        let path = self.sub_str(map.get("jmesPath"))?;
        let Some(data) = self.request.global_context.get(&gname) else {
            return Err(format!(
                "failed to load global context entry {name}: global context entry {gname} not found"
            ));
        };
        if path.is_empty() {
            return Ok(Some(data.clone()));
        }
        search(&path, data, self.env)
            .map(Some)
            .map_err(|e| format!("failed to apply JMESPath {path} for context entry {name}: {e}"))
    }
}

/// `serviceAccountName` / `serviceAccountNamespace` from `system:serviceaccount:<ns>:<name>`.
fn service_account(username: &str) -> (String, String) {
    const PREFIX: &str = "system:serviceaccount:";
    let sa = if username.len() <= PREFIX.len() {
        ""
    } else {
        username.get(PREFIX.len()..).unwrap_or("")
    };
    let groups: Vec<&str> = sa.split(':').collect();
    if groups.len() >= 2 {
        (groups[1].to_string(), groups[0].to_string())
    } else {
        (String::new(), String::new())
    }
}

/// A GET of a Kubernetes API path (`/api/v1/namespaces/ns/configmaps/name`,
/// `/apis/group/version/plural`) answered from `resources`: the object, or a list of those of
/// the kind (in the namespace, when the path names one).
pub fn cluster_get(url: &str, resources: &[Value]) -> Result<Value, String> {
    let path = url.split('?').next().unwrap_or(url);
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let (api_version, rest) = match parts.as_slice() {
        ["api", version, rest @ ..] => (version.to_string(), rest),
        ["apis", group, version, rest @ ..] => (format!("{group}/{version}"), rest),
        _ => return Err(format!("the path {url} is not a Kubernetes API path")),
    };
    let (namespace, plural, name) = match rest {
        ["namespaces", ns, plural] => (Some(*ns), *plural, None),
        ["namespaces", ns, plural, name] => (Some(*ns), *plural, Some(*name)),
        [plural] => (None, *plural, None),
        [plural, name] => (None, *plural, Some(*name)),
        _ => return Err(format!("the path {url} is not a Kubernetes API path")),
    };
    let of_kind = |r: &&Value| {
        r.str_at(&["apiVersion"]) == api_version
            && super::cel::resources::resource_of(r.str_at(&["kind"])).0 == plural
            && namespace.is_none_or(|ns| r.str_at(&["metadata", "namespace"]) == ns)
    };
    let mut found = resources.iter().filter(of_kind);
    match name {
        Some(name) => found
            .find(|r| r.str_at(&["metadata", "name"]) == name)
            .cloned()
            .ok_or_else(|| format!("{plural} \"{name}\" not found")),
        None => {
            let items: Vec<Value> = found.cloned().collect();
            let kind = items
                .first()
                .map(|r| format!("{}List", r.str_at(&["kind"])))
                .unwrap_or_else(|| "List".into());
            let mut list = Map::new();
            list.insert("apiVersion".into(), Value::from(api_version));
            list.insert("kind".into(), Value::from(kind));
            list.insert("items".into(), Value::array(items));
            Ok(Value::object(list))
        }
    }
}

/// One image reference as Kyverno's `ImageInfo` (default registry `docker.io`).
pub fn image_info(image: &str) -> Option<Value> {
    let image = image.trim();
    if image.is_empty() {
        return None;
    }
    let full = match image.find('/') {
        Some(i) => {
            let first = &image[..i];
            if first.contains(['.', ':']) || first == "localhost" || first.to_lowercase() != first {
                image.to_string()
            } else {
                format!("docker.io/{image}")
            }
        }
        None => format!("docker.io/{image}"),
    };
    let (name_tag, digest) = match full.split_once('@') {
        Some((a, d)) => (a.to_string(), d.to_string()),
        None => (full.clone(), String::new()),
    };
    let last_slash = name_tag.rfind('/')?;
    let (name_part, tag) = match name_tag[last_slash..].rfind(':') {
        Some(c) => (
            name_tag[..last_slash + c].to_string(),
            name_tag[last_slash + c + 1..].to_string(),
        ),
        None => (name_tag.clone(), String::new()),
    };
    let slash = name_part.find('/')?;
    let registry = name_part[..slash].to_string();
    let path = name_part[slash + 1..].to_string();
    if path.is_empty()
        || path
            .chars()
            .any(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || "._-/".contains(c)))
    {
        return None;
    }
    let name = path.rsplit('/').next().unwrap_or(&path).to_string();
    let tag = if tag.is_empty() && digest.is_empty() {
        "latest".to_string()
    } else {
        tag
    };
    let base = format!("{registry}/{path}");
    let reference = if digest.is_empty() {
        format!("{base}:{tag}")
    } else {
        format!("{base}@{digest}")
    };
    let with_tag = format!("{base}:{tag}");
    let mut m = Map::new();
    m.insert("registry".into(), Value::from(registry));
    m.insert("path".into(), Value::from(path));
    m.insert("name".into(), Value::from(name));
    if !tag.is_empty() {
        m.insert("tag".into(), Value::from(tag));
    }
    if !digest.is_empty() {
        m.insert("digest".into(), Value::from(digest));
    }
    m.insert("reference".into(), Value::from(reference));
    m.insert("referenceWithTag".into(), Value::from(with_tag));
    Some(Value::object(m))
}

/// The `images` variable: `{containers|initContainers|ephemeralContainers: {<name>: info}}`.
pub fn images(resource: &Value) -> Value {
    let kind = resource
        .as_object()
        .and_then(|m| m.get("kind"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let spec_path: &[&str] = match kind {
        "Pod" => &["spec"],
        "DaemonSet"
        | "Deployment"
        | "ReplicaSet"
        | "ReplicationController"
        | "StatefulSet"
        | "Job" => &["spec", "template", "spec"],
        "CronJob" => &["spec", "jobTemplate", "spec", "template", "spec"],
        _ => return Value::object(Map::new()),
    };
    let mut spec = resource;
    for p in spec_path {
        match spec.as_object().and_then(|m| m.get(*p)) {
            Some(v) => spec = v,
            None => return Value::object(Map::new()),
        }
    }
    let pull_secrets: Vec<Value> = spec
        .as_object()
        .and_then(|m| m.get("imagePullSecrets"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_object()?.get("name")?.as_str().map(Value::from))
                .collect()
        })
        .unwrap_or_default();
    let mut out = Map::new();
    for group in ["initContainers", "containers", "ephemeralContainers"] {
        let Some(list) = spec
            .as_object()
            .and_then(|m| m.get(group))
            .and_then(Value::as_array)
        else {
            continue;
        };
        let mut infos = Map::new();
        for (i, c) in list.iter().enumerate() {
            let Some(cm) = c.as_object() else { continue };
            let (Some(name), Some(image)) = (
                cm.get("name").and_then(Value::as_str),
                cm.get("image").and_then(Value::as_str),
            ) else {
                continue;
            };
            if let Some(Value::Object(mut info)) = image_info(image) {
                let m = Arc::make_mut(&mut info);
                m.insert(
                    "jsonPointer".into(),
                    Value::from(format!("/{}/{group}/{i}/image", spec_path.join("/"))),
                );
                m.insert(
                    "imagePullSecrets".into(),
                    if pull_secrets.is_empty() {
                        Value::Null
                    } else {
                        Value::array(pull_secrets.clone())
                    },
                );
                infos.insert(name.to_string(), Value::Object(info));
            }
        }
        if !infos.is_empty() {
            out.insert(group.to_string(), Value::object(infos));
        }
    }
    Value::object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(json: &str) -> Value {
        Value::from_json(&serde_json::from_str(json).expect("json"))
    }

    #[test]
    fn variable_names_are_split_as_one_csv_record() {
        let f = |p: &str| path_fields(p);
        assert_eq!(f("a.b.c"), ["a", "b", "c"]);
        assert_eq!(
            f(r#"request.object.metadata.annotations."example.com/team""#),
            [
                "request",
                "object",
                "metadata",
                "annotations",
                "example.com/team"
            ]
        );
        assert_eq!(f(r#""a.b"."c""d".e"#), ["a.b", r#"c"d"#, "e"]);
        assert_eq!(f("a..b"), ["a", "", "b"]);
        // What Go's reader refuses is split at every dot.
        assert_eq!(f(r#"a"b.c"#), [r#"a"b"#, "c"]);
        assert_eq!(f(r#""a.b"c.d"#), [r#""a"#, r#"b"c"#, "d"]);
    }

    #[test]
    fn api_paths_are_served_from_cluster_resources() {
        let resources: Vec<Value> = [
            serde_json::json!({"apiVersion": "cloud.google.com/v1", "kind": "ComputeClass", "metadata": {"name": "spot"}}),
            serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "shop"}}),
            serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b", "namespace": "other"}}),
        ]
        .iter()
        .map(Value::from_json)
        .collect();
        let get = |url: &str| cluster_get(url, &resources).map(|v| v.to_json());
        assert_eq!(
            get("/apis/cloud.google.com/v1/computeclasses/spot").unwrap()["metadata"]["name"],
            "spot"
        );
        assert_eq!(
            get("/apis/cloud.google.com/v1/computeclasses/none"),
            Err("computeclasses \"none\" not found".into())
        );
        let list = get("/api/v1/namespaces/shop/configmaps").unwrap();
        assert_eq!(list["kind"], "ConfigMapList");
        assert_eq!(list["items"].as_array().unwrap().len(), 1);
        assert_eq!(
            get("/api/v1/configmaps").unwrap()["items"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        assert_eq!(
            get("/api/v1/namespaces/shop/configmaps/a").unwrap()["metadata"]["name"],
            "a"
        );
        assert!(get("/version").is_err());
    }

    #[test]
    fn image_infos() {
        let i = image_info("nginx").unwrap();
        assert_eq!(
            crate::jmespath::json::to_go_json(&i),
            r#"{"name":"nginx","path":"nginx","reference":"docker.io/nginx:latest","referenceWithTag":"docker.io/nginx:latest","registry":"docker.io","tag":"latest"}"#
        );
        let i = image_info("ghcr.io/org/app:v1@sha256:abc").unwrap();
        let m = i.as_object().unwrap();
        assert_eq!(m["registry"], Value::from("ghcr.io"));
        assert_eq!(m["path"], Value::from("org/app"));
        assert_eq!(m["name"], Value::from("app"));
        assert_eq!(m["tag"], Value::from("v1"));
        assert_eq!(m["digest"], Value::from("sha256:abc"));
        assert_eq!(m["reference"], Value::from("ghcr.io/org/app@sha256:abc"));
        let i = image_info("localhost:5000/app").unwrap();
        assert_eq!(
            i.as_object().unwrap()["registry"],
            Value::from("localhost:5000")
        );
    }

    #[test]
    fn context_variables_and_deferred_entries() {
        let request = Request {
            object: v(
                r#"{"kind":"Pod","metadata":{"name":"p","namespace":"ns"},"spec":{"containers":[{"name":"c","image":"nginx:1.2"}]}}"#,
            ),
            variables: [("a.b".to_string(), Value::from("x"))]
                .into_iter()
                .collect(),
            ..Request::default()
        };
        let env = Env::fixed();
        let mut ctx = Context::new(&request, &env);
        assert_eq!(ctx.query("a.b"), Ok(Value::from("x")));
        assert_eq!(ctx.query("request.namespace"), Ok(Value::from("ns")));
        assert_eq!(ctx.query("request.operation"), Ok(Value::from("CREATE")));
        assert_eq!(ctx.query("images.containers.c.tag"), Ok(Value::from("1.2")));
        assert_eq!(ctx.query("serviceAccountName"), Ok(Value::from("")));
        ctx.register(
            &v(r#"[{"name":"broken","variable":{"jmesPath":"nope.x"}},
                   {"name":"nil","variable":{"jmesPath":"request.object.metadata.labels || `null`"}},
                   {"name":"dflt","variable":{"jmesPath":"nope","default":"d"}},
                   {"name":"val","variable":{"value":{"k":"{{ request.object.metadata.name }}"},"jmesPath":"k"}},
                   {"name":"cm","configMap":{"name":"x","namespace":"y"}}]"#),
            &[],
        )
        .unwrap();
        assert_eq!(ctx.query("val"), Ok(Value::from("p")));
        assert_eq!(ctx.query("dflt"), Ok(Value::from("d")));
        assert_eq!(
            ctx.query("nil"),
            Err("unable to add context entry for variable nil since it evaluated to nil".into())
        );
        assert!(ctx.query("broken").unwrap_err().contains("Unknown key"));
        // Disabled offline: undefined.
        assert_eq!(ctx.query("cm"), Err("Unknown key \"cm\" in path".into()));
    }

    #[test]
    fn mentions_is_word_based() {
        assert!(mentions("foo.bar", "foo"));
        assert!(mentions("x || foo", "foo"));
        assert!(!mentions("foobar", "foo"));
        assert!(!mentions("barfoo", "foo"));
    }
}
