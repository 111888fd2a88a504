//! Kyverno's context libraries: `resource`, `image` (image data), `globalContext` and `http`,
//! and GeneratingPolicy's `generator`.
//! Kyverno declares each as a global variable whose methods reach outside the expression
//! (`resource.Get(...)`); here every variable holds a handle on one [`Context`], the offline
//! data the simulator hands in, so evaluation stays pure.
//!
//! The semantics are those of `kyverno test`'s fake context (cel.md §2.4, §7.10): `List`
//! returns only objects stored under exactly the namespace asked for and ignores labels, an
//! unknown resource type is an error in `List` but null in `Get`, a missing image is an error,
//! an unknown global context entry is null.

use std::any::Any;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use super::{Ctx, FunctionSpec, Out, Overload, Ty, member, str_arg};
use crate::cel::value::{Key, Map, Opaque, Value};
use crate::jmespath::Value as Json;

/// Receiver type names of the context variables.
pub const RESOURCE: &str = "resource.Context";
pub const IMAGE_DATA: &str = "imagedata.Context";
pub const GLOBAL_CONTEXT: &str = "globalcontext.Context";
pub const HTTP: &str = "http.Context";
/// The value `resource.ToGVR` gives.
pub const GVR: &str = "resource.GroupVersionResource";
pub const GENERATOR: &str = "generator.Context";

/// A mocked HTTP response: `apiCallResponses` in the test manifest.
#[derive(Debug, Clone)]
pub struct HttpMock {
    pub method: String,
    pub url: String,
    pub body: Value,
}

/// Objects of one resource type by namespace (`""` for cluster-scoped), then name.
pub type ByNamespace = BTreeMap<String, BTreeMap<String, Value>>;

/// `ToGVR`'s REST mapping: (group, version, kind) → plural resource, `None` for an unknown
/// kind.
pub type RestMapping = fn(&str, &str, &str) -> Option<String>;

/// Everything the context libraries can read. Built by the simulator; nothing here does I/O.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Objects by (group, version, plural resource), then namespace (`""` for cluster-scoped),
    /// then name.
    pub resources: BTreeMap<(String, String, String), ByNamespace>,
    /// Image data by the image reference exactly as written in the context file.
    pub images: BTreeMap<String, Value>,
    /// Global context entries by name.
    pub globals: BTreeMap<String, Value>,
    pub http: Vec<HttpMock>,
    /// `ToGVR`'s REST mapping: (group, version, kind) → plural resource, `None` for a kind
    /// it does not know. The simulator hands in its own table; without one no kind maps.
    pub resource_of: Option<RestMapping>,
}

impl Context {
    /// Stores `object` (a CEL map) under its resource type, namespace and name.
    pub fn add_resource(&mut self, group: &str, version: &str, resource: &str, object: Value) {
        let meta = |k: &str| match &object {
            Value::Map(m) => match m.get(&Key::String("metadata".into())) {
                Some(Value::Map(md)) => match md.get(&Key::String(k.into())) {
                    Some(Value::String(s)) => s.to_string(),
                    _ => String::new(),
                },
                _ => String::new(),
            },
            _ => String::new(),
        };
        let (ns, name) = (meta("namespace"), meta("name"));
        self.resources
            .entry((group.into(), version.into(), resource.into()))
            .or_default()
            .entry(ns)
            .or_default()
            .insert(name, object);
    }
}

/// Which variable a handle is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handle {
    /// `resource`; in a namespaced policy the namespace is implied.
    Resource,
    ImageData,
    GlobalContext,
    Http,
}

/// The value of a context variable.
#[derive(Debug, Clone)]
pub struct ContextValue {
    pub handle: Handle,
    pub context: Arc<Context>,
    /// The policy's namespace for Namespaced policies: `resource.*` then drops its namespace
    /// argument, `globalContext` is refused and `http` answers only mocked calls.
    pub namespace: Option<String>,
}

impl ContextValue {
    pub fn value(handle: Handle, context: Arc<Context>, namespace: Option<String>) -> Value {
        Value::Opaque(Arc::new(ContextValue {
            handle,
            context,
            namespace,
        }))
    }
}

impl Opaque for ContextValue {
    fn type_name(&self) -> &str {
        match self.handle {
            Handle::Resource => RESOURCE,
            Handle::ImageData => IMAGE_DATA,
            Handle::GlobalContext => GLOBAL_CONTEXT,
            Handle::Http => HTTP,
        }
    }
    fn equals(&self, other: &dyn Opaque) -> bool {
        other
            .as_any()
            .downcast_ref::<ContextValue>()
            .is_some_and(|o| o.handle == self.handle && Arc::ptr_eq(&o.context, &self.context))
    }
    fn to_json(&self) -> Json {
        Json::Object(Default::default())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The `generator` variable of a GeneratingPolicy. `generator.Apply` does not create anything
/// here: it keeps the objects, each already moved into its target namespace, for the engine
/// to read once the policy has run (as `kyverno test`'s context keeps them instead of calling
/// the API server).
#[derive(Debug)]
pub struct Generator {
    /// The policy's namespace for NamespacedGeneratingPolicy: every object lands there.
    pub namespace: Option<String>,
    /// Most objects one evaluation may hand over; past it `Apply` fails, so that a policy
    /// cannot make the simulator hold an unbounded number of objects.
    pub max: usize,
    made: Mutex<Vec<Value>>,
}

impl Generator {
    pub fn new(namespace: Option<String>, max: usize) -> Arc<Generator> {
        Arc::new(Generator {
            namespace,
            max,
            made: Mutex::new(Vec::new()),
        })
    }

    /// Keeps `objects` in `namespace` (`""`: cluster-scoped), each List object (one with an
    /// `items` list, as `resource.List` gives) as its items, as Kyverno's generator does.
    /// Fails, keeping none of them, on anything but objects with string keys or past `max`.
    pub fn keep(&self, namespace: &str, objects: &[Value]) -> Result<(), String> {
        let mut made = Vec::with_capacity(objects.len());
        for (i, element) in objects.iter().enumerate() {
            let object = object_arg(element, &format!("element {i} of the list"))?;
            match object.get(&Key::String("items".into())) {
                Some(Value::List(items)) => {
                    for (j, item) in items.iter().enumerate() {
                        let item = object_arg(item, &format!("item {j} of element {i}"))?;
                        made.push(in_namespace(item, namespace));
                    }
                }
                _ => made.push(in_namespace(object, namespace)),
            }
            if made.len() > self.max {
                break;
            }
        }
        let mut kept = self
            .made
            .lock()
            .map_err(|_| generate_error("an earlier call failed"))?;
        if kept.len() + made.len() > self.max {
            return Err(generate_error(format!(
                "more than {} objects for one resource; kyverno-ls keeps at most that many",
                self.max
            )));
        }
        kept.extend(made);
        Ok(())
    }

    /// The objects handed over so far, in call order.
    pub fn made(&self) -> Vec<Value> {
        self.made.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

impl Opaque for Generator {
    fn type_name(&self) -> &str {
        GENERATOR
    }
    fn equals(&self, other: &dyn Opaque) -> bool {
        other
            .as_any()
            .downcast_ref::<Generator>()
            .is_some_and(|o| std::ptr::eq(o, self))
    }
    fn to_json(&self) -> Json {
        Json::Object(Default::default())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A group, version and plural resource name, as `resource.ToGVR` gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gvr {
    pub group: String,
    pub version: String,
    pub resource: String,
}

impl Gvr {
    fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
}

impl Opaque for Gvr {
    fn type_name(&self) -> &str {
        GVR
    }
    fn equals(&self, other: &dyn Opaque) -> bool {
        other.as_any().downcast_ref::<Gvr>() == Some(self)
    }
    fn to_json(&self) -> Json {
        let mut m = crate::jmespath::value::Map::new();
        m.insert("Group".into(), Json::string(self.group.as_str()));
        m.insert("Version".into(), Json::string(self.version.as_str()));
        m.insert("Resource".into(), Json::string(self.resource.as_str()));
        Json::object(m)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

const R: Ty = Ty::Opaque(RESOURCE);
const G: Ty = Ty::Opaque(GVR);
const I: Ty = Ty::Opaque(IMAGE_DATA);
const GC: Ty = Ty::Opaque(GLOBAL_CONTEXT);
const H: Ty = Ty::Opaque(HTTP);
const S: Ty = Ty::String;
const M: Ty = Ty::Map;
const D: Ty = Ty::Dyn;

const LIST: &[Overload] = &[
    member(&[R, S, S, S], M, list),
    member(&[R, S, S, S, M], M, list),
    member(&[R, G, S], M, list),
    member(&[R, G, S, M], M, list),
    // Namespaced policies: the policy's namespace is implied.
    member(&[R, S, S], M, list),
    member(&[R, S, S, M], M, list),
    member(&[R, G], M, list),
    member(&[R, G, M], M, list),
];
const GET: &[Overload] = &[
    member(&[R, S, S, S, S], M, get),
    member(&[R, G, S, S], M, get),
    member(&[R, S, S, S], M, get),
    member(&[R, G, S], M, get),
    member(&[GC, S], D, global_get),
    member(&[GC, S, S], D, global_get),
    member(&[H, S], D, http_get),
    member(&[H, S, M], D, http_get),
];
const POST: &[Overload] = &[
    member(&[R, S, S, S, M], M, post),
    member(&[R, S, S, M], M, post),
    member(&[H, S, D], D, http_post),
    member(&[H, S, D, M], D, http_post),
];
const TO_GVR: &[Overload] = &[member(&[R, S, S], G, to_gvr)];
const GET_METADATA: &[Overload] = &[member(&[I, S], D, image_data)];
const CLIENT: &[Overload] = &[member(&[H, S], H, http_client)];
const GEN: Ty = Ty::Opaque(GENERATOR);
const APPLY: &[Overload] = &[
    member(&[GEN, S, Ty::List], Ty::Bool, apply),
    // Namespaced policies: the policy's namespace is implied.
    member(&[GEN, Ty::List], Ty::Bool, apply),
];

/// PascalCase names, and the camelCase aliases of library version 1.18 (cel.md §2.4).
pub const FUNCTIONS: &[FunctionSpec] = &[
    FunctionSpec {
        name: "List",
        doc: "resource.List(apiVersion, resource, namespace[, labels]) or (gvr, namespace[, labels]): the List object of the cluster's resources of that type in the namespace (\"\" for cluster-scoped ones); read `.items`. Namespaced policies leave out the namespace. The offline context ignores labels.",
        overloads: LIST,
    },
    FunctionSpec {
        name: "list",
        doc: "Alias of resource.List.",
        overloads: LIST,
    },
    FunctionSpec {
        name: "Get",
        doc: "resource.Get(apiVersion, resource, namespace, name) or (gvr, namespace, name): the object, or null when it does not exist. Namespaced policies leave out the namespace. Also globalContext.Get(name[, projection]) and http.Get(url[, headers]).",
        overloads: GET,
    },
    FunctionSpec {
        name: "get",
        doc: "Alias of Get on resource, globalContext and http.",
        overloads: GET,
    },
    FunctionSpec {
        name: "Post",
        doc: "resource.Post(apiVersion, resource[, namespace], object) creates an object; http.Post(url, body[, headers]) sends a request and decodes the JSON answer. The simulator only answers mocked requests.",
        overloads: POST,
    },
    FunctionSpec {
        name: "post",
        doc: "Alias of Post on resource and http.",
        overloads: POST,
    },
    FunctionSpec {
        name: "ToGVR",
        doc: "resource.ToGVR(apiVersion, kind): the group, version and plural resource name of a kind, for List and Get.",
        overloads: TO_GVR,
    },
    FunctionSpec {
        name: "toGVR",
        doc: "Alias of resource.ToGVR.",
        overloads: TO_GVR,
    },
    FunctionSpec {
        name: "GetMetadata",
        doc: "image.GetMetadata(reference): the image's data from the registry (image, resolvedImage, registry, repository, tag, digest, manifest, config…); offline, from the test's context file.",
        overloads: GET_METADATA,
    },
    FunctionSpec {
        name: "getMetadata",
        doc: "Alias of image.GetMetadata.",
        overloads: GET_METADATA,
    },
    FunctionSpec {
        name: "Client",
        doc: "http.Client(caBundle): an http context that trusts the given CA bundle.",
        overloads: CLIENT,
    },
    FunctionSpec {
        name: "client",
        doc: "Alias of http.Client.",
        overloads: CLIENT,
    },
    FunctionSpec {
        name: "Apply",
        doc: "generator.Apply(namespace, objects) (GeneratingPolicy only) creates each object of the list in the namespace, and each item of a List object among them; it returns true. NamespacedGeneratingPolicy leaves out the namespace: its own is used.",
        overloads: APPLY,
    },
    FunctionSpec {
        name: "apply",
        doc: "Alias of generator.Apply.",
        overloads: APPLY,
    },
];

fn handle(v: &Value) -> Option<&ContextValue> {
    match v {
        Value::Opaque(o) => o.as_any().downcast_ref::<ContextValue>(),
        _ => None,
    }
}

fn gvr(v: &Value) -> Option<&Gvr> {
    match v {
        Value::Opaque(o) => o.as_any().downcast_ref::<Gvr>(),
        _ => None,
    }
}

fn no_overload() -> String {
    "no such overload".into()
}

/// Splits the arguments after the receiver into (apiVersion, resource, rest), expanding a GVR.
fn target(args: &[Value]) -> Option<(String, String, &[Value])> {
    match args.get(1)? {
        Value::String(av) => Some((
            av.to_string(),
            str_arg(args.get(2)?).to_string(),
            &args[3..],
        )),
        other => {
            let g = gvr(other)?;
            Some((g.api_version(), g.resource.clone(), &args[2..]))
        }
    }
}

/// The namespace argument, or the policy's own for namespaced policies. `None` when the
/// overload's shape does not fit the kind of policy.
fn namespace<'a>(
    h: &ContextValue,
    rest: &'a [Value],
    with_ns: usize,
) -> Option<(String, &'a [Value])> {
    match &h.namespace {
        Some(ns) if rest.len() + 1 == with_ns => Some((ns.clone(), rest)),
        None if rest.len() == with_ns => Some((str_arg(&rest[0]).to_string(), &rest[1..])),
        _ => None,
    }
}

/// Go's `schema.ParseGroupVersion`: `""`, `v1` or `group/version`.
fn parse_group_version(api_version: &str) -> Result<(&str, &str), String> {
    if api_version.is_empty() || api_version == "/" {
        return Ok(("", ""));
    }
    match api_version.split_once('/') {
        None => Ok(("", api_version)),
        Some((g, v)) if !v.contains('/') => Ok((g, v)),
        Some(_) => Err(format!("unexpected GroupVersion string: {api_version}")),
    }
}

/// Go's `GroupResource.String()`: `resource` or `resource.group`.
fn group_resource(group: &str, resource: &str) -> String {
    if group.is_empty() {
        resource.to_string()
    } else {
        format!("{resource}.{group}")
    }
}

fn list(args: &[Value], ctx: &mut Ctx) -> Out {
    let h = handle(&args[0]).ok_or_else(no_overload)?;
    let (api_version, resource, rest) = target(args).ok_or_else(no_overload)?;
    // The labels argument, when present, is ignored as by the CLI's fake context.
    let shapes = [1, 2];
    let (ns, _labels) = shapes
        .iter()
        .find_map(|n| namespace(h, rest, *n).filter(|(_, l)| l.len() + 1 == *n))
        .ok_or_else(no_overload)?;
    let (group, version) =
        parse_group_version(&api_version).map_err(|e| format!("failed to list resource: {e}"))?;
    let Some(by_ns) =
        h.context
            .resources
            .get(&(group.to_string(), version.to_string(), resource.clone()))
    else {
        return Err(format!(
            "failed to list resource: {} resource not found",
            group_resource(group, &resource)
        ));
    };
    let items: Vec<Value> = by_ns
        .get(&ns)
        .map(|m| m.values().cloned().collect())
        .unwrap_or_default();
    ctx.charge_size(items.len())?;
    let items = Value::list(items);
    let mut out = Map::new();
    out.insert(Key::String("items".into()), items);
    Ok(Value::map(out))
}

fn get(args: &[Value], _: &mut Ctx) -> Out {
    let h = handle(&args[0]).ok_or_else(no_overload)?;
    let (api_version, resource, rest) = target(args).ok_or_else(no_overload)?;
    let (ns, rest) = namespace(h, rest, 2).ok_or_else(no_overload)?;
    let name = str_arg(rest.first().ok_or_else(no_overload)?);
    let (group, version) =
        parse_group_version(&api_version).map_err(|e| format!("failed to get resource: {e}"))?;
    Ok(h.context
        .resources
        .get(&(group.to_string(), version.to_string(), resource))
        .and_then(|by_ns| by_ns.get(&ns))
        .and_then(|by_name| by_name.get(name))
        .cloned()
        .unwrap_or(Value::Null))
}

fn post(args: &[Value], _: &mut Ctx) -> Out {
    let h = handle(&args[0]).ok_or_else(no_overload)?;
    // The cluster form takes (apiVersion, resource, data) with no namespace, like the
    // namespaced form: both shapes are legal for a cluster policy.
    if h.namespace.is_none() && !(args.len() == 5 || args.len() == 4) {
        return Err(no_overload());
    }
    if h.namespace.is_some() && args.len() != 4 {
        return Err(no_overload());
    }
    // `kyverno test` cannot create objects (its fake context has no implementation).
    Err("failed to create resource: the offline context cannot create objects".into())
}

fn to_gvr(args: &[Value], _: &mut Ctx) -> Out {
    let h = handle(&args[0]).ok_or_else(no_overload)?;
    let (api_version, kind) = (str_arg(&args[1]), str_arg(&args[2]));
    let (group, version) = parse_group_version(api_version)
        .map_err(|e| format!("failed to map kind to resource: {e}"))?;
    match h.context.resource_of.and_then(|f| f(group, version, kind)) {
        Some(resource) => Ok(Value::Opaque(Arc::new(Gvr {
            group: group.into(),
            version: version.into(),
            resource,
        }))),
        None => Err(format!(
            "failed to map kind to resource: no matches for kind \"{kind}\" in version \"{api_version}\""
        )),
    }
}

fn image_data(args: &[Value], _: &mut Ctx) -> Out {
    let h = handle(&args[0]).ok_or_else(no_overload)?;
    let image = str_arg(&args[1]);
    h.context.images.get(image).cloned().ok_or_else(|| {
        format!("failed to get image data: image data for {image} not found in the context")
    })
}

fn global_get(args: &[Value], _: &mut Ctx) -> Out {
    let h = handle(&args[0]).ok_or_else(no_overload)?;
    if h.namespace.is_some() {
        return Err(
            "failed to get global reference: globalContext.* is not allowed in namespaced policies"
                .into(),
        );
    }
    let name = str_arg(&args[1]);
    let projection = args.get(2).map(str_arg).unwrap_or_default();
    let Some(data) = h.context.globals.get(name) else {
        return Ok(Value::Null);
    };
    if projection.is_empty() {
        return Ok(data.clone());
    }
    match data {
        Value::Map(m) => m
            .get(&Key::String(projection.into()))
            .cloned()
            .ok_or_else(|| {
                format!(
                    "failed to get global reference: projection {projection:?} not found in global context entry {name:?}"
                )
            }),
        other => Ok(other.clone()),
    }
}

/// A mocked answer: the mock for this method and URL, else one for the URL alone.
fn mocked(h: &ContextValue, method: &str, url: &str) -> Out {
    let mocks = &h.context.http;
    let found = mocks
        .iter()
        .find(|m| m.url == url && m.method.eq_ignore_ascii_case(method))
        .or_else(|| mocks.iter().find(|m| m.url == url));
    match found {
        Some(m) => Ok(m.body.clone()),
        // Mocks answer before the namespaced gate; a real call from a namespaced policy is
        // refused unless Kyverno runs with --allowHTTPInNamespacedPolicies (off by default).
        None if h.namespace.is_some() => Err(
            "request failed: http calls are not allowed in namespaced policies: set --allowHTTPInNamespacedPolicies to enable"
                .into(),
        ),
        None => Err(format!(
            "request failed: no mocked response for {method} {url} (the simulator makes no network calls; add it to apiCallResponses)"
        )),
    }
}

fn http_get(args: &[Value], _: &mut Ctx) -> Out {
    let h = handle(&args[0]).ok_or_else(no_overload)?;
    mocked(h, "GET", str_arg(&args[1]))
}

fn http_post(args: &[Value], _: &mut Ctx) -> Out {
    let h = handle(&args[0]).ok_or_else(no_overload)?;
    mocked(h, "POST", str_arg(&args[1]))
}

fn http_client(args: &[Value], _: &mut Ctx) -> Out {
    // A custom CA changes nothing offline: the same mocks answer.
    Ok(args[0].clone())
}

/// `object` with `metadata.namespace` set to `namespace`, or removed when it is empty, as
/// Kubernetes' unstructured objects do it.
fn in_namespace(object: &Map, namespace: &str) -> Value {
    let mut object = object.clone();
    let key = Key::String("metadata".into());
    let mut meta = match object.get(&key) {
        Some(Value::Map(m)) => (**m).clone(),
        Some(_) => return Value::map(object),
        None => Map::new(),
    };
    let ns = Key::String("namespace".into());
    if namespace.is_empty() {
        meta.remove(&ns);
        if meta.is_empty() && !object.contains_key(&key) {
            return Value::map(object);
        }
    } else {
        meta.insert(ns, Value::string(namespace));
    }
    object.insert(key, Value::map(meta));
    Value::map(object)
}

fn generate_error(detail: impl std::fmt::Display) -> String {
    format!("failed to generate resources: {detail}")
}

/// The map `v` as an object to create; the generator takes only objects with string keys.
fn object_arg<'a>(v: &'a Value, what: &str) -> Result<&'a Map, String> {
    match v {
        Value::Map(m) if m.keys().all(|k| matches!(k, Key::String(_))) => Ok(m),
        Value::Map(_) => Err(generate_error(format!(
            "{what} has a key that is not a string"
        ))),
        other => Err(generate_error(format!(
            "{what} is of type {}, not an object",
            other.type_name()
        ))),
    }
}

fn apply(args: &[Value], ctx: &mut Ctx) -> Out {
    let Some(g) = (match &args[0] {
        Value::Opaque(o) => o.as_any().downcast_ref::<Generator>(),
        _ => None,
    }) else {
        return Err(no_overload());
    };
    let (namespace, list) = match (&g.namespace, &args[1..]) {
        (None, [Value::String(ns), Value::List(l)]) => (ns.to_string(), l),
        (Some(own), [Value::List(l)]) => (own.clone(), l),
        (Some(own), [Value::String(ns), Value::List(l)]) => {
            if **ns != **own {
                return Err(format!(
                    "cross-namespace generation denied: a policy in namespace {own:?} cannot generate into {ns:?}"
                ));
            }
            (own.clone(), l)
        }
        _ => return Err(no_overload()),
    };
    ctx.charge_size(list.len())?;
    g.keep(&namespace, list)?;
    Ok(Value::Bool(true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cel::{Bindings, Env, Program};

    fn context() -> Arc<Context> {
        let mut c = Context::default();
        let cm = |ns: &str, name: &str| {
            Value::from_json(&Json::from_json(&serde_json::json!({
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": name, "namespace": ns},
                "data": {"k": name}
            })))
        };
        c.add_resource("", "v1", "configmaps", cm("default", "a"));
        c.add_resource("", "v1", "configmaps", cm("default", "b"));
        c.add_resource("", "v1", "configmaps", cm("other", "c"));
        c.add_resource(
            "",
            "v1",
            "namespaces",
            Value::from_json(&Json::from_json(&serde_json::json!({
                "metadata": {"name": "default"}
            }))),
        );
        c.images.insert(
            "busybox:1.35".into(),
            Value::from_json(&Json::from_json(&serde_json::json!({
                "image": "busybox:1.35", "config": {"Volumes": []}
            }))),
        );
        c.globals.insert(
            "entry".into(),
            Value::from_json(&Json::from_json(&serde_json::json!({"a": 1, "b": "x"}))),
        );
        c.globals.insert("plain".into(), Value::string("text"));
        c.http.push(HttpMock {
            method: "GET".into(),
            url: "https://example.com/data".into(),
            body: Value::from_json(&Json::from_json(&serde_json::json!({"allowed": true}))),
        });
        c.http.push(HttpMock {
            method: "POST".into(),
            url: "https://example.com/data".into(),
            body: Value::from_json(&Json::from_json(&serde_json::json!({"created": true}))),
        });
        c.resource_of = Some(|g, v, k| {
            (g == "apps" && v == "v1" && k == "Deployment").then(|| "deployments".to_string())
        });
        Arc::new(c)
    }

    fn bindings(ns: Option<&str>) -> Bindings {
        let c = context();
        let ns = ns.map(str::to_string);
        let mut b = Bindings::new();
        b.set(
            "resource",
            ContextValue::value(Handle::Resource, c.clone(), ns.clone()),
        )
        .set(
            "image",
            ContextValue::value(Handle::ImageData, c.clone(), None),
        )
        .set(
            "globalContext",
            ContextValue::value(Handle::GlobalContext, c.clone(), ns.clone()),
        )
        .set("http", ContextValue::value(Handle::Http, c, ns));
        b
    }

    fn eval_in(src: &str, ns: Option<&str>) -> Result<String, String> {
        let p = Program::compile(src).expect("parses");
        p.eval(&bindings(ns), &Env::fixed())
            .map(|v| crate::jmespath::json::to_go_json(&v.to_json()))
            .map_err(|e| e.message)
    }

    fn eval(src: &str) -> Result<String, String> {
        eval_in(src, None)
    }

    #[test]
    fn resource_get_finds_an_object_or_gives_null() {
        assert_eq!(
            eval("resource.Get('v1', 'configmaps', 'default', 'a').data.k"),
            Ok("\"a\"".into())
        );
        assert_eq!(
            eval("resource.get('v1', 'configmaps', 'other', 'c').data.k"),
            Ok("\"c\"".into())
        );
        // Missing name, missing namespace, unknown type: all not found, so null.
        assert_eq!(
            eval("resource.Get('v1', 'configmaps', 'default', 'zz')"),
            Ok("null".into())
        );
        assert_eq!(
            eval("resource.Get('v1', 'configmaps', 'nope', 'a')"),
            Ok("null".into())
        );
        assert_eq!(
            eval("resource.Get('v1', 'secrets', 'default', 'a')"),
            Ok("null".into())
        );
        assert_eq!(
            eval("resource.Get('a/b/c', 'secrets', 'default', 'a')"),
            Err("failed to get resource: unexpected GroupVersion string: a/b/c".into())
        );
        assert_eq!(
            eval("resource.Get('v1', 'namespaces', '', 'default').metadata.name"),
            Ok("\"default\"".into())
        );
    }

    #[test]
    fn resource_list_takes_exactly_one_namespace_and_ignores_labels() {
        assert_eq!(
            eval("resource.List('v1', 'configmaps', 'default').items.map(i, i.metadata.name)"),
            Ok("[\"a\",\"b\"]".into())
        );
        assert_eq!(
            eval("resource.list('v1', 'configmaps', 'default', {'x': 'y'}).items.size()"),
            Ok("2".into())
        );
        // Cluster-scoped objects live under "", namespaced ones never match it.
        assert_eq!(
            eval("resource.List('v1', 'configmaps', '').items"),
            Ok("[]".into())
        );
        assert_eq!(
            eval("resource.List('v1', 'secrets', 'default')"),
            Err("failed to list resource: secrets resource not found".into())
        );
        assert_eq!(
            eval("resource.List('apps/v1', 'deployments', 'default')"),
            Err("failed to list resource: deployments.apps resource not found".into())
        );
    }

    #[test]
    fn to_gvr_feeds_list_and_get() {
        assert_eq!(
            eval("resource.ToGVR('apps/v1', 'Deployment')"),
            Ok("{\"Group\":\"apps\",\"Resource\":\"deployments\",\"Version\":\"v1\"}".into())
        );
        assert_eq!(
            eval("resource.toGVR('v1', 'Widget')"),
            Err(
                "failed to map kind to resource: no matches for kind \"Widget\" in version \"v1\""
                    .into()
            )
        );
        assert_eq!(
            eval("resource.Get(resource.ToGVR('apps/v1', 'Deployment'), 'default', 'x')"),
            Ok("null".into())
        );
        assert_eq!(
            eval("resource.List(resource.ToGVR('apps/v1', 'Deployment'), 'default')"),
            Err("failed to list resource: deployments.apps resource not found".into())
        );
    }

    #[test]
    fn namespaced_policies_drop_the_namespace_argument() {
        assert_eq!(
            eval_in(
                "resource.Get('v1', 'configmaps', 'c').data.k",
                Some("other")
            ),
            Ok("\"c\"".into())
        );
        assert_eq!(
            eval_in(
                "resource.List('v1', 'configmaps').items.size()",
                Some("default")
            ),
            Ok("2".into())
        );
        assert_eq!(
            eval_in(
                "resource.Get('v1', 'configmaps', 'default', 'a')",
                Some("default")
            ),
            Err("no such overload".into())
        );
        assert_eq!(
            eval("resource.Get('v1', 'configmaps', 'a')"),
            Err("no such overload".into())
        );
    }

    #[test]
    fn namespaced_policies_may_not_reach_global_context_or_unmocked_http() {
        assert_eq!(
            eval_in("globalContext.Get('entry')", Some("team-a")),
            Err("failed to get global reference: globalContext.* is not allowed in namespaced policies".into())
        );
        assert_eq!(
            eval_in(
                "http.Get('https://example.com/data').allowed",
                Some("team-a")
            ),
            Ok("true".into())
        );
        assert_eq!(
            eval_in("http.Get('https://example.com/other')", Some("team-a")),
            Err("request failed: http calls are not allowed in namespaced policies: set --allowHTTPInNamespacedPolicies to enable".into())
        );
    }

    #[test]
    fn post_cannot_create_offline() {
        assert_eq!(
            eval("resource.Post('v1', 'configmaps', 'default', {})"),
            Err("failed to create resource: the offline context cannot create objects".into())
        );
    }

    #[test]
    fn image_metadata_comes_from_the_context() {
        assert_eq!(
            eval("image.GetMetadata('busybox:1.35').config.Volumes"),
            Ok("[]".into())
        );
        assert_eq!(
            eval("image.getMetadata('nginx')"),
            Err("failed to get image data: image data for nginx not found in the context".into())
        );
    }

    #[test]
    fn global_context_entries_and_projections() {
        assert_eq!(eval("globalContext.Get('entry').b"), Ok("\"x\"".into()));
        assert_eq!(eval("globalContext.Get('entry', 'a')"), Ok("1".into()));
        assert_eq!(eval("globalContext.get('missing')"), Ok("null".into()));
        assert_eq!(
            eval("globalContext.Get('plain', 'a')"),
            Ok("\"text\"".into())
        );
        assert_eq!(
            eval("globalContext.Get('entry', 'zz')"),
            Err("failed to get global reference: projection \"zz\" not found in global context entry \"entry\"".into())
        );
    }

    #[test]
    fn http_answers_from_mocks_by_method_then_url() {
        assert_eq!(
            eval("http.Get('https://example.com/data').allowed"),
            Ok("true".into())
        );
        assert_eq!(
            eval("http.Post('https://example.com/data', {'a': 1}).created"),
            Ok("true".into())
        );
        assert_eq!(
            eval("http.Client('ca').get('https://example.com/data', {'h': 'v'}).allowed"),
            Ok("true".into())
        );
        assert_eq!(
            eval("http.Get('https://example.com/other')"),
            Err("request failed: no mocked response for GET https://example.com/other (the simulator makes no network calls; add it to apiCallResponses)".into())
        );
    }

    #[test]
    fn lowercase_aliases_answer_as_their_capitalised_names() {
        assert_eq!(
            eval("http.client('ca').Get('https://example.com/data').allowed"),
            Ok("true".into())
        );
        assert_eq!(
            eval("http.post('https://example.com/data', {'a': 1}, {'h': 'v'}).created"),
            Ok("true".into())
        );
        assert_eq!(
            eval("resource.post('v1', 'configmaps', {})"),
            Err("failed to create resource: the offline context cannot create objects".into())
        );
    }

    /// Runs `src` with a `generator` (of namespace `ns`, keeping at most `max` objects);
    /// gives the result and the kept objects as Go JSON.
    fn generate(src: &str, ns: Option<&str>, max: usize) -> (Result<String, String>, Vec<String>) {
        let g = Generator::new(ns.map(str::to_string), max);
        let mut b = bindings(ns);
        b.set("generator", Value::Opaque(g.clone()));
        let p = Program::compile(src).expect("parses");
        let result = p
            .eval(&b, &Env::fixed())
            .map(|v| crate::jmespath::json::to_go_json(&v.to_json()))
            .map_err(|e| e.message);
        let made = g
            .made()
            .iter()
            .map(|v| crate::jmespath::json::to_go_json(&v.to_json()))
            .collect();
        (result, made)
    }

    #[test]
    fn generator_apply_keeps_each_object_in_the_target_namespace() {
        let (result, made) = generate(
            "generator.Apply('team-a', [{'kind': 'ConfigMap', 'metadata': {'name': 'x', 'namespace': 'elsewhere'}}, {'kind': 'Secret'}])",
            None,
            10,
        );
        assert_eq!(result, Ok("true".into()));
        assert_eq!(
            made,
            vec![
                r#"{"kind":"ConfigMap","metadata":{"name":"x","namespace":"team-a"}}"#,
                r#"{"kind":"Secret","metadata":{"namespace":"team-a"}}"#,
            ]
        );
        // An empty namespace removes it (cluster-scoped objects).
        let (_, made) = generate(
            "generator.apply('', [{'kind': 'Namespace', 'metadata': {'name': 'n', 'namespace': 'x'}}])",
            None,
            10,
        );
        assert_eq!(
            made,
            vec![r#"{"kind":"Namespace","metadata":{"name":"n"}}"#]
        );
    }

    #[test]
    fn generator_apply_unfolds_list_objects() {
        let (result, made) = generate(
            "generator.Apply('dev', [resource.List('v1', 'configmaps', 'default')])",
            None,
            10,
        );
        assert_eq!(result, Ok("true".into()));
        assert_eq!(
            made,
            vec![
                r#"{"apiVersion":"v1","data":{"k":"a"},"kind":"ConfigMap","metadata":{"name":"a","namespace":"dev"}}"#,
                r#"{"apiVersion":"v1","data":{"k":"b"},"kind":"ConfigMap","metadata":{"name":"b","namespace":"dev"}}"#,
            ]
        );
        assert_eq!(
            generate("generator.Apply('dev', [{'items': [1]}])", None, 10).0,
            Err(
                "failed to generate resources: item 0 of element 0 is of type int, not an object"
                    .into()
            )
        );
    }

    #[test]
    fn generator_apply_refuses_what_is_not_an_object_and_too_many_objects() {
        assert_eq!(
            generate("generator.Apply('dev', ['x'])", None, 10).0,
            Err("failed to generate resources: element 0 of the list is of type string, not an object".into())
        );
        assert_eq!(
            generate("generator.Apply('dev', [{1: 'x'}])", None, 10).0,
            Err("failed to generate resources: element 0 of the list has a key that is not a string".into())
        );
        let (result, made) = generate(
            "generator.Apply('dev', [{'a': 1}]) && generator.Apply('dev', [{'b': 1}, {'c': 1}])",
            None,
            2,
        );
        assert_eq!(
            result,
            Err("failed to generate resources: more than 2 objects for one resource; kyverno-ls keeps at most that many".into())
        );
        assert_eq!(made, vec![r#"{"a":1,"metadata":{"namespace":"dev"}}"#]);
    }

    #[test]
    fn namespaced_generators_stay_in_their_namespace() {
        let (result, made) = generate(
            "generator.Apply([{'kind': 'ConfigMap'}])",
            Some("team-a"),
            10,
        );
        assert_eq!(result, Ok("true".into()));
        assert_eq!(
            made,
            vec![r#"{"kind":"ConfigMap","metadata":{"namespace":"team-a"}}"#]
        );
        assert_eq!(
            generate(
                "generator.Apply('team-a', [{'kind': 'ConfigMap'}])",
                Some("team-a"),
                10
            )
            .1
            .len(),
            1
        );
        assert_eq!(
            generate("generator.Apply('kube-system', [])", Some("team-a"), 10).0,
            Err("cross-namespace generation denied: a policy in namespace \"team-a\" cannot generate into \"kube-system\"".into())
        );
        assert_eq!(
            generate("generator.Apply([])", None, 10).0,
            Err("no such overload".into())
        );
    }

    #[test]
    fn without_the_variables_the_names_are_undeclared() {
        let p = Program::compile("resource.Get('v1', 'configmaps', 'default', 'a')").unwrap();
        assert_eq!(
            p.eval(&Bindings::new(), &Env::fixed())
                .map_err(|e| e.message),
            Err("undeclared reference to 'resource' (in container '')".into())
        );
    }
}
