//! A static type checker for CEL, as Kyverno runs cel-go's checker before it accepts a policy:
//! each node of the parser's tree gets a type, and what cel-go would refuse becomes a
//! [`Finding`] with a byte span in the expression.
//!
//! The checker must never report what cel-go accepts, so it keeps two kinds of "any type"
//! apart: [`Type::Dyn`] is what cel-go itself infers as `dyn` (a field of `object`, the result
//! of Kyverno's `orValue`), and [`Type::Unknown`] is where our own knowledge stops (a library
//! function we do not model precisely). Both accept every operation; only a certain `dyn` is
//! reported where Kyverno wants an exact output type.
//!
//! Recursion follows the tree, whose height the parser bounds (`limits::MAX_DEPTH`).

use std::fmt;
use std::sync::Arc;

use super::ast::{BinaryOp, Comprehension, Expr, ExprKind, MacroKind, UnaryOp};
use super::functions::{self, Ty};
use super::value::Value;
use crate::diag::Span;
use crate::k8s::{self, Catalog, Shape};

/// A CEL type as the checker infers it.
#[derive(Debug, Clone, PartialEq)]
pub enum Type {
    /// We cannot tell what cel-go infers here; nothing about it is reported.
    Unknown,
    /// cel-go's own `dyn`.
    Dyn,
    Null,
    Bool,
    Int,
    Uint,
    Double,
    String,
    Bytes,
    Timestamp,
    Duration,
    /// A type value (`type(x)`, `int`).
    TypeValue,
    List(Box<Type>),
    Map(Box<Type>, Box<Type>),
    Optional(Box<Type>),
    /// A declared object type with known fields (`request`, `namespaceObject`).
    Object(&'static Record),
    /// The `variables` root: its fields are the variables declared before the expression.
    Variables,
    /// A library type (`kubernetes.Quantity`), or a global of a library (`resource`).
    Opaque(&'static str),
    /// `object` or `oldObject`, or a part of them, where the policy matches known kinds.
    /// cel-go declares both as `dyn`, so this behaves as `dyn` in every operation; only a
    /// field that none of the kinds has is reported, as a warning.
    Resource(Box<ResourceType>),
}

/// The kinds `object` and `oldObject` may be, with the catalog that defines them (the
/// built-in API and the workspace's CustomResourceDefinitions).
#[derive(Debug, Clone)]
pub struct Objects {
    pub catalog: Arc<Catalog>,
    pub kinds: Vec<k8s::Kind>,
}

impl Objects {
    /// Built-in kinds by group, version and kind name; those the API does not have are left
    /// out.
    pub fn builtin(kinds: &[(&str, &str, &str)]) -> Objects {
        Objects {
            catalog: Catalog::builtin(),
            kinds: kinds
                .iter()
                .filter_map(|(g, v, k)| k8s::api().kind(g, v, k).cloned())
                .collect(),
        }
    }
}

/// A place in the resources a policy matches, for each matched kind that has it.
#[derive(Debug, Clone)]
pub struct ResourceType {
    /// How the expression reached it (`object.spec.containers[*]`), for messages.
    pub path: String,
    /// Where the kinds' types are defined.
    catalog: Arc<Catalog>,
    /// Each kind that has this place, with what the place holds in that kind.
    pub alternatives: Vec<(k8s::Kind, Shape)>,
}

/// Places are the same when they are reached the same way in kinds of the same catalog.
impl PartialEq for ResourceType {
    fn eq(&self, other: &ResourceType) -> bool {
        self.path == other.path
            && self.alternatives == other.alternatives
            && self.catalog.fingerprint() == other.catalog.fingerprint()
    }
}

/// A field of the Kubernetes resources a type stands for, as the editor shows it: its shape
/// (`[]Container`), its description, and the kinds that have it.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceField {
    pub name: String,
    pub shape: String,
    pub description: String,
    pub kinds: String,
    /// Where the kinds are defined: `Kubernetes 1.37`, `CRD widgets.example.com`.
    pub source: String,
}

/// The fields of `t` when it is a place in Kubernetes resources (`object.spec`), sorted by
/// name; empty for any other type.
pub fn resource_fields(t: &Type) -> Vec<ResourceField> {
    let r = match t {
        Type::Resource(r) => r,
        Type::Optional(inner) => return resource_fields(inner),
        _ => return Vec::new(),
    };
    r.fields()
        .into_iter()
        .map(|f| {
            let (kinds, source) = match r.select(&f.name) {
                Selected::Found(Type::Resource(child)) => (child.kind_names(), child.source()),
                _ => (r.kind_names(), r.source()),
            };
            ResourceField {
                name: f.name.to_string(),
                shape: r.catalog.describe(&f.shape),
                description: f.description(),
                kinds,
                source,
            }
        })
        .collect()
}

impl ResourceType {
    /// The root of the objects of `objects`, named `root` (`object`), if there are any kinds.
    pub fn root(root: &str, objects: &Objects) -> Option<ResourceType> {
        (!objects.kinds.is_empty()).then(|| ResourceType {
            path: root.to_string(),
            catalog: objects.catalog.clone(),
            alternatives: objects
                .kinds
                .iter()
                .map(|k| (k.clone(), Shape::Object(k.ty)))
                .collect(),
        })
    }

    /// The fields of the object types here, first occurrence of each name, sorted by name.
    pub fn fields(&self) -> Vec<&k8s::Field> {
        let mut out: Vec<&k8s::Field> = Vec::new();
        for (_, shape) in &self.alternatives {
            if let Shape::Object(t) = shape {
                for f in &self.catalog.ty(*t).fields {
                    if !out.iter().any(|o| o.name == f.name) {
                        out.push(f);
                    }
                }
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    /// The kind names, each once, as messages list them: `Pod`, `Pod or Deployment`.
    pub fn kind_names(&self) -> String {
        let mut names: Vec<&str> = Vec::new();
        for (k, _) in &self.alternatives {
            if !names.contains(&&*k.kind) {
                names.push(&k.kind);
            }
        }
        match names.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            _ => names.concat(),
        }
    }

    /// Where the kinds here are defined: `Kubernetes 1.37`, `CRD widgets.example.com`.
    pub fn source(&self) -> String {
        self.catalog
            .source_of(self.alternatives.iter().map(|(k, _)| k))
    }

    /// A field of the object here, or `None` when nothing is known about it.
    fn select(&self, field: &str) -> Selected {
        let mut found = Vec::new();
        for (kind, shape) in &self.alternatives {
            let Shape::Object(t) = shape else {
                // A map, a free-form value, or a value that is no object: left to run time.
                return Selected::Open;
            };
            if let Some(f) = self.catalog.ty(*t).field(field) {
                found.push((kind.clone(), f.shape.clone()));
            }
        }
        if found.is_empty() {
            return Selected::Missing;
        }
        Selected::Found(self.narrow(format!("{}.{field}", self.path), found))
    }

    /// An item of the lists here, when every kind has a list here.
    fn item(&self) -> Option<Type> {
        let mut items = Vec::new();
        for (kind, shape) in &self.alternatives {
            let Shape::Array(item) = shape else {
                return None;
            };
            items.push((kind.clone(), (**item).clone()));
        }
        Some(self.narrow(format!("{}[*]", self.path), items))
    }

    /// A type for the shapes found: an object type keeps its fields; anything else is `dyn`
    /// to the checker, as labels and free-form values must stay.
    fn narrow(&self, path: String, alternatives: Vec<(k8s::Kind, Shape)>) -> Type {
        if alternatives
            .iter()
            .all(|(_, s)| matches!(s, Shape::Object(_) | Shape::Array(_)))
        {
            Type::Resource(Box::new(ResourceType {
                path,
                catalog: self.catalog.clone(),
                alternatives,
            }))
        } else {
            Type::Dyn
        }
    }
}

enum Selected {
    Found(Type),
    Missing,
    Open,
}

impl Type {
    fn list(t: Type) -> Type {
        Type::List(Box::new(t))
    }
    fn map(k: Type, v: Type) -> Type {
        Type::Map(Box::new(k), Box::new(v))
    }
    fn optional(t: Type) -> Type {
        Type::Optional(Box::new(t))
    }

    /// Whether this is `dyn` or unknown at the top level: anything may be behind it.
    fn is_open(&self) -> bool {
        matches!(self, Type::Unknown | Type::Dyn | Type::Resource(_))
    }

    /// The type as cel-go sees it: a resource type is `dyn`, also inside lists, maps and
    /// optionals.
    pub fn erased(self) -> Type {
        match self {
            Type::Resource(_) => Type::Dyn,
            Type::List(t) => Type::list(t.erased()),
            Type::Map(k, v) => Type::map(k.erased(), v.erased()),
            Type::Optional(t) => Type::optional(t.erased()),
            t => t,
        }
    }

    /// Whether the type is known all the way down, with no `dyn` or unknown part.
    fn is_closed(&self) -> bool {
        match self {
            Type::Unknown | Type::Dyn | Type::Resource(_) => false,
            Type::List(t) | Type::Optional(t) => t.is_closed(),
            Type::Map(k, v) => k.is_closed() && v.is_closed(),
            _ => true,
        }
    }

    fn is_numeric(&self) -> bool {
        matches!(self, Type::Int | Type::Uint | Type::Double)
    }

    /// One of the scalar types that cel-go's operators are declared on.
    fn is_scalar(&self) -> bool {
        matches!(
            self,
            Type::Bool
                | Type::Int
                | Type::Uint
                | Type::Double
                | Type::String
                | Type::Bytes
                | Type::Timestamp
                | Type::Duration
        )
    }
}

impl fmt::Display for Type {
    /// As cel-go prints types in its messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Unknown | Type::Dyn | Type::Resource(_) => f.write_str("dyn"),
            Type::Null => f.write_str("null_type"),
            Type::Bool => f.write_str("bool"),
            Type::Int => f.write_str("int"),
            Type::Uint => f.write_str("uint"),
            Type::Double => f.write_str("double"),
            Type::String => f.write_str("string"),
            Type::Bytes => f.write_str("bytes"),
            Type::Timestamp => f.write_str("google.protobuf.Timestamp"),
            Type::Duration => f.write_str("google.protobuf.Duration"),
            Type::TypeValue => f.write_str("type"),
            Type::List(t) => write!(f, "list({t})"),
            Type::Map(k, v) => write!(f, "map({k}, {v})"),
            Type::Optional(t) => write!(f, "optional_type({t})"),
            Type::Object(r) => f.write_str(r.name),
            Type::Variables => f.write_str("kyverno.variables"),
            Type::Opaque(n) => f.write_str(n),
        }
    }
}

/// The type of a field of a declared object type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FieldTy {
    Str,
    Bool,
    Int,
    Timestamp,
    Dyn,
    StrList,
    StrMap,
    StrListMap,
    Object(&'static Record),
    ObjectList(&'static Record),
}

impl FieldTy {
    fn to_type(self) -> Type {
        match self {
            FieldTy::Str => Type::String,
            FieldTy::Bool => Type::Bool,
            FieldTy::Int => Type::Int,
            FieldTy::Timestamp => Type::Timestamp,
            FieldTy::Dyn => Type::Dyn,
            FieldTy::StrList => Type::list(Type::String),
            FieldTy::StrMap => Type::map(Type::String, Type::String),
            FieldTy::StrListMap => Type::map(Type::String, Type::list(Type::String)),
            FieldTy::Object(r) => Type::Object(r),
            FieldTy::ObjectList(r) => Type::list(Type::Object(r)),
        }
    }
}

/// An object type with a fixed set of fields; any other field is a compile error.
#[derive(Debug, PartialEq)]
pub struct Record {
    pub name: &'static str,
    pub fields: &'static [(&'static str, FieldTy)],
}

impl Record {
    fn field(&self, name: &str) -> Option<FieldTy> {
        self.fields
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| *t)
    }
}

// The admission request and namespace types Kubernetes declares (apiserver's
// `BuildRequestType` and `BuildNamespaceType`); `uid` is deliberately absent there.
static GVK: Record = Record {
    name: "kubernetes.GroupVersionKind",
    fields: &[
        ("group", FieldTy::Str),
        ("version", FieldTy::Str),
        ("kind", FieldTy::Str),
    ],
};
static GVR: Record = Record {
    name: "kubernetes.GroupVersionResource",
    fields: &[
        ("group", FieldTy::Str),
        ("version", FieldTy::Str),
        ("resource", FieldTy::Str),
    ],
};
static USER_INFO: Record = Record {
    name: "kubernetes.UserInfo",
    fields: &[
        ("username", FieldTy::Str),
        ("uid", FieldTy::Str),
        ("groups", FieldTy::StrList),
        ("extra", FieldTy::StrListMap),
    ],
};
const REQUEST_FIELDS: [(&str, FieldTy); 12] = [
    ("kind", FieldTy::Object(&GVK)),
    ("resource", FieldTy::Object(&GVR)),
    ("subResource", FieldTy::Str),
    ("requestKind", FieldTy::Object(&GVK)),
    ("requestResource", FieldTy::Object(&GVR)),
    ("requestSubResource", FieldTy::Str),
    ("name", FieldTy::Str),
    ("namespace", FieldTy::Str),
    ("operation", FieldTy::Str),
    ("userInfo", FieldTy::Object(&USER_INFO)),
    ("dryRun", FieldTy::Bool),
    ("options", FieldTy::Dyn),
];
/// The Kubernetes request type, as `validate.cel` and ValidatingAdmissionPolicy see it.
pub static K8S_REQUEST: Record = Record {
    name: "kubernetes.AdmissionRequest",
    fields: &REQUEST_FIELDS,
};
/// Kyverno's request type adds the objects to the Kubernetes one.
pub static KYVERNO_REQUEST: Record = Record {
    name: "kubernetes.AdmissionRequest",
    fields: &{
        let mut f = [("", FieldTy::Dyn); 14];
        let mut i = 0;
        while i < REQUEST_FIELDS.len() {
            f[i] = REQUEST_FIELDS[i];
            i += 1;
        }
        f[12] = ("object", FieldTy::Dyn);
        f[13] = ("oldObject", FieldTy::Dyn);
        f
    },
};
static NS_CONDITION: Record = Record {
    name: "kubernetes.NamespaceCondition",
    fields: &[
        ("status", FieldTy::Str),
        ("type", FieldTy::Str),
        ("lastTransitionTime", FieldTy::Timestamp),
        ("message", FieldTy::Str),
        ("reason", FieldTy::Str),
    ],
};
static NS_SPEC: Record = Record {
    name: "kubernetes.NamespaceSpec",
    fields: &[("finalizers", FieldTy::StrList)],
};
static NS_STATUS: Record = Record {
    name: "kubernetes.NamespaceStatus",
    fields: &[
        ("conditions", FieldTy::ObjectList(&NS_CONDITION)),
        ("phase", FieldTy::Str),
    ],
};
static NS_METADATA: Record = Record {
    name: "kubernetes.NamespaceMetadata",
    fields: &[
        ("name", FieldTy::Str),
        ("generateName", FieldTy::Str),
        ("namespace", FieldTy::Str),
        ("labels", FieldTy::StrMap),
        ("annotations", FieldTy::StrMap),
        ("UID", FieldTy::Str),
        ("creationTimestamp", FieldTy::Timestamp),
        ("deletionGracePeriodSeconds", FieldTy::Int),
        ("deletionTimestamp", FieldTy::Timestamp),
        ("generation", FieldTy::Int),
        ("resourceVersion", FieldTy::Str),
        ("finalizers", FieldTy::StrList),
    ],
};
/// The restricted Namespace type of `namespaceObject`.
pub static NAMESPACE: Record = Record {
    name: "kubernetes.Namespace",
    fields: &[
        ("metadata", FieldTy::Object(&NS_METADATA)),
        ("spec", FieldTy::Object(&NS_SPEC)),
        ("status", FieldTy::Object(&NS_STATUS)),
    ],
};

/// The environment an expression is compiled in, which decides its declarations and checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    Validating,
    Mutating,
    Generating,
    ImageValidating,
    Deleting,
    /// A ClusterPolicy or Policy rule's `validate.cel` and `celPreconditions`.
    ValidateCel,
    /// A Kubernetes ValidatingAdmissionPolicy.
    AdmissionPolicy,
}

impl Flavor {
    /// The flavor of a policy kind, if its CEL is checked.
    pub fn of_kind(kind: &str) -> Option<Flavor> {
        Some(match kind.strip_prefix("Namespaced").unwrap_or(kind) {
            "ValidatingPolicy" => Flavor::Validating,
            "MutatingPolicy" => Flavor::Mutating,
            "GeneratingPolicy" => Flavor::Generating,
            "ImageValidatingPolicy" => Flavor::ImageValidating,
            "DeletingPolicy" => Flavor::Deleting,
            "ClusterPolicy" | "Policy" => Flavor::ValidateCel,
            "ValidatingAdmissionPolicy" => Flavor::AdmissionPolicy,
            _ => return None,
        })
    }

    /// Kyverno's own kinds, with its libraries and its request type.
    pub fn is_kyverno(self) -> bool {
        !matches!(self, Flavor::ValidateCel | Flavor::AdmissionPolicy)
    }

    /// gpol and dpol use a plain cel-go environment: mixed literals are allowed and literals
    /// are not validated before running.
    fn is_base_env(self) -> bool {
        !matches!(self, Flavor::Generating | Flavor::Deleting)
    }

    /// Kyverno's `orValue` compatibility macro, absent from image validating policies only.
    fn or_value_compat(self) -> bool {
        self != Flavor::ImageValidating
    }

    /// Whether matchConditions are compiled after the variables (and may use them).
    pub fn match_conditions_see_variables(self) -> bool {
        !matches!(
            self,
            Flavor::Validating | Flavor::Generating | Flavor::ImageValidating
        )
    }

    /// The wording of the exact-type failure: Kyverno's own compiler, or Kubernetes'.
    fn output_message(self, expected: Expected) -> String {
        if self.is_kyverno() {
            match expected {
                Expected::Bool => "output is expected to be of type bool".into(),
                Expected::String => "output is expected to be of type string".into(),
                Expected::StringOrNull => {
                    "output is expected to be either of type string or null_type".into()
                }
                Expected::Any => String::new(),
            }
        } else {
            match expected {
                Expected::Bool => "must evaluate to bool".into(),
                Expected::String => "must evaluate to string".into(),
                Expected::StringOrNull => "must evaluate to one of [string null_type]".into(),
                Expected::Any => String::new(),
            }
        }
    }
}

/// The output type an expression's role requires (cel-go's `IsExactType`: `dyn` is not
/// enough).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    Any,
    Bool,
    String,
    StringOrNull,
}

/// Where `variables.<name>` stands for an expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VariablesScope {
    /// The variables declared so far (those in [`CheckEnv::variables`]).
    Declared,
    /// A matchCondition of a kind that compiles matchConditions before any variable.
    BeforeVariables,
}

/// What an expression is checked against.
#[derive(Debug, Clone)]
pub struct CheckEnv<'a> {
    pub flavor: Flavor,
    /// `params` is declared (a `validate.cel` with both `paramKind` and `paramRef`, or an
    /// admission policy with `paramKind`).
    pub params: bool,
    /// `authorizer` is declared.
    pub authorizer: bool,
    /// The variables this expression may use, with their types.
    pub variables: &'a [(String, Type)],
    pub variables_scope: VariablesScope,
    pub expected: Expected,
    /// The kinds `object` and `oldObject` may be; `None` when the policy may see anything
    /// (then both are plain `dyn`).
    pub objects: Option<&'a Objects>,
}

/// How a finding's name can be corrected.
#[derive(Debug, Clone, PartialEq)]
pub enum Suggest {
    None,
    /// One of these names.
    Names(Vec<String>),
    /// A function of the table or of a library.
    Function,
}

/// One problem cel-go's checker (or Kyverno's compiler after it) would report.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Byte span in the expression.
    pub span: Span,
    pub code: &'static str,
    /// cel-go's or Kyverno's own message, as `kubectl apply` would show it.
    pub message: String,
    /// Our explanation for a Kubernetes user, if the message needs one.
    pub hint: Option<String>,
    /// The name to correct and where to look for the correction.
    pub name: Option<String>,
    pub suggest: Suggest,
}

impl Finding {
    /// Whether the policy is accepted despite this finding: a field that none of the matched
    /// kinds has (`object` is `dyn` to CEL).
    pub fn is_warning(&self) -> bool {
        self.code == "cel-unknown-field"
    }
}

/// A finding's place, code and message, before it gets its extras.
struct Plain<'a> {
    span: &'a Span,
    code: &'static str,
    message: String,
}

/// The result of checking one expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// The output type, as far as we know it.
    pub ty: Type,
    pub findings: Vec<Finding>,
}

/// Names of functions that libraries declare but our function table does not have yet (the
/// Kubernetes url, quantity, ip, cidr, format, semver and authz libraries, and Kyverno's own).
/// A call to one of these is accepted with any arguments and an unknown result, so that a
/// missing table entry never looks like a policy error. Remove a name when its library lands
/// in `functions/`.
const LIBRARY_FUNCTIONS_NOT_IN_TABLE: &[&str] = &[
    // Kubernetes url
    "url",
    "isURL",
    "getScheme",
    "getHost",
    "getHostname",
    "getPort",
    "getEscapedPath",
    "getQuery",
    // Kubernetes quantity
    "quantity",
    "isQuantity",
    "sign",
    "isGreaterThan",
    "isLessThan",
    "compareTo",
    "add",
    "sub",
    "asInteger",
    "isInteger",
    "asApproximateFloat",
    // Kubernetes ip and cidr
    "ip",
    "isIP",
    "ip.isCanonical",
    "family",
    "isUnspecified",
    "isLoopback",
    "isLinkLocalMulticast",
    "isLinkLocalUnicast",
    "isGlobalUnicast",
    "cidr",
    "isCIDR",
    "containsIP",
    "containsCIDR",
    "masked",
    "prefixLength",
    // Kubernetes format (`format.dns1123Label()`… are matched by prefix)
    "validate",
    // Kubernetes semver
    "semver",
    "isSemver",
    "major",
    "minor",
    "patch",
    // Kubernetes authz
    "path",
    "group",
    "serviceAccount",
    "resource",
    "subresource",
    "namespace",
    "name",
    "check",
    "allowed",
    "reason",
    "errored",
    "error",
    "fieldSelector",
    "labelSelector",
    // Kubernetes JSON patch (mutating policies)
    "jsonpatch.escapeKey",
    // Kyverno's `math.round(double, int)` beside cel-go's one-argument form
    "math.round",
];

/// The same for Kyverno's own libraries, which exist only in its `policies.kyverno.io` kinds:
/// a ClusterPolicy's `validate.cel` and a ValidatingAdmissionPolicy have none of them.
const KYVERNO_FUNCTIONS_NOT_IN_TABLE: &[&str] = &[
    // Kyverno context libraries, as methods of their globals
    "Get",
    "get",
    "List",
    "list",
    "Post",
    "post",
    "ToGVR",
    "toGVR",
    "Client",
    "client",
    "GetMetadata",
    "getMetadata",
    "unmarshal",
    "marshal",
    "parse",
    // Kyverno image library
    "image",
    "parseImageReference",
    "isImage",
    "registry",
    "repository",
    "identifier",
    "tag",
    "digest",
    "containsDigest",
    // Kyverno user, hash, math, random, time, transform, x509, gzip libraries
    "parseServiceAccount",
    "user.parseServiceAccount",
    "sha1",
    "sha256",
    "md5",
    "hash.sha1",
    "hash.sha256",
    "hash.md5",
    "random",
    "random.random",
    "time.now",
    "time.truncate",
    "time.toCron",
    "listObjToMap",
    "transform.listObjToMap",
    "x509.decode",
    "gzip.compress",
    "gzip.decompress",
    // Kyverno image verification (image validating policies)
    "verifyImageSignatures",
    "verifyAttestationSignatures",
    "getImageData",
    "extractPayload",
];

/// Overloads of cel-go's standard library that the function table lacks, so that calls to
/// them are not refused: (name, parameters, result). Move each into the table with its
/// implementation.
const STANDARD_OVERLOADS_NOT_IN_TABLE: &[(&str, &[Ty], Ty)] = &[
    ("int", &[Ty::Duration], Ty::Int),
    ("duration", &[Ty::Int], Ty::Duration),
];

/// Namespaces whose every function is declared by a library not in the table yet.
const LIBRARY_NAMESPACES_NOT_IN_TABLE: &[&str] = &["format."];

fn in_library_gap(name: &str) -> bool {
    LIBRARY_FUNCTIONS_NOT_IN_TABLE.contains(&name)
        || KYVERNO_FUNCTIONS_NOT_IN_TABLE.contains(&name)
        || LIBRARY_NAMESPACES_NOT_IN_TABLE
            .iter()
            .any(|p| name.starts_with(p))
}

/// Every function name a policy may call: the table's and the libraries' still missing from
/// it, for "did you mean".
pub fn function_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = functions::all()
        .map(|f| f.name)
        .filter(|n| !n.starts_with('@'))
        .chain(LIBRARY_FUNCTIONS_NOT_IN_TABLE.iter().copied())
        .chain(KYVERNO_FUNCTIONS_NOT_IN_TABLE.iter().copied())
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// The root variables declared for `env`, with their types.
pub fn declarations(env: &CheckEnv) -> Vec<(&'static str, Type)> {
    let root = |name: &str| {
        env.objects
            .and_then(|o| ResourceType::root(name, o))
            .map_or(Type::Dyn, |r| Type::Resource(Box::new(r)))
    };
    let mut out = vec![("object", root("object")), ("oldObject", root("oldObject"))];
    if env.flavor.is_kyverno() {
        out.push(("request", Type::Object(&KYVERNO_REQUEST)));
        out.push(("namespaceObject", Type::Object(&NAMESPACE)));
        out.push(("variables", Type::Variables));
        out.push(("exceptions", Type::Object(&EXCEPTIONS)));
        for g in ["resource", "globalContext", "image", "http", "json", "yaml"] {
            out.push((g, Type::Opaque(g)));
        }
        match env.flavor {
            Flavor::Generating => out.push(("generator", Type::Opaque("generator"))),
            Flavor::ImageValidating => {
                out.push(("images", Type::map(Type::String, Type::list(Type::String))));
                out.push(("attestors", Type::map(Type::String, Type::Dyn)));
                out.push(("attestations", Type::map(Type::String, Type::String)));
            }
            _ => {}
        }
    } else {
        out.push(("request", Type::Object(&K8S_REQUEST)));
        out.push(("namespaceObject", Type::Object(&NAMESPACE)));
        out.push(("variables", Type::Variables));
    }
    if env.params {
        out.push(("params", Type::Dyn));
    }
    if env.authorizer {
        out.push((
            "authorizer",
            Type::Opaque("kubernetes.authorization.Authorizer"),
        ));
    }
    out
}

static EXCEPTIONS: Record = Record {
    name: "kyverno.exceptions",
    fields: &[
        ("allowedImages", FieldTy::StrList),
        ("allowedValues", FieldTy::StrList),
    ],
};

/// The type names usable as values (`type(x) == string`): the evaluator's, and `dyn`.
fn is_type_name(name: &str) -> bool {
    name == "dyn" || super::value::TYPE_NAMES.contains(&name)
}

/// Checks `expr` in `env`: its type, and what cel-go and Kyverno would refuse.
pub fn check(expr: &Expr, env: &CheckEnv) -> Checked {
    let decls = declarations(env);
    let mut c = Checker {
        env,
        decls: &decls,
        locals: Vec::new(),
        findings: Vec::new(),
        exempt: 0,
        probe: None,
    };
    let ty = c.typed(expr);
    // Kyverno looks at the output type only once the expression compiles.
    if c.findings.iter().all(Finding::is_warning) {
        if let Some(f) = c.output(expr, &ty.clone().erased()) {
            c.findings.push(f);
        }
    }
    Checked {
        ty,
        findings: c.findings,
    }
}

struct Checker<'e> {
    env: &'e CheckEnv<'e>,
    decls: &'e [(&'static str, Type)],
    /// Comprehension and `cel.bind` variables, innermost last.
    locals: Vec<(String, Type)>,
    findings: Vec<Finding>,
    /// Inside the arguments of `format`, which cel-go exempts from the homogeneous literal
    /// check (`'%s: %d'.format([name, count])`).
    exempt: usize,
    /// The node the editor asks about, and what was known there once it was typed.
    probe: Option<(Span, Option<Probe>)>,
}

/// What the checker knew at one node: its type and the comprehension and `cel.bind`
/// variables in scope there, innermost last.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    pub ty: Type,
    pub locals: Vec<(String, Type)>,
}

/// Checks `expr` in `env` and reports what was known at the node whose span is `span`, for
/// the editor (completion after `x.`, the receiver of a call). `None` when no node has that
/// span.
pub fn probe(expr: &Expr, env: &CheckEnv, span: &Span) -> Option<Probe> {
    let decls = declarations(env);
    let mut c = Checker {
        env,
        decls: &decls,
        locals: Vec::new(),
        findings: Vec::new(),
        exempt: 0,
        probe: Some((span.clone(), None)),
    };
    c.expr(expr);
    c.probe.and_then(|(_, found)| found)
}

/// The fields a value of type `t` is known to have, with their types; empty where the
/// checker knows none (`dyn`, maps, scalars). Completion after `x.` offers these, so a type
/// that learns its fields here (a resource typed from its schema) gets them in the editor.
///
/// Names are owned so that a type whose fields are read at run time can list them too.
pub fn fields(t: &Type) -> Vec<(String, Type)> {
    match t {
        Type::Resource(r) => r
            .fields()
            .into_iter()
            .map(|f| {
                let ty = match r.select(&f.name) {
                    Selected::Found(t) => t,
                    _ => Type::Dyn,
                };
                (f.name.to_string(), ty)
            })
            .collect(),
        Type::Object(r) => r
            .fields
            .iter()
            .map(|(n, f)| ((*n).to_string(), f.to_type()))
            .collect(),
        Type::Optional(inner) => fields(inner),
        _ => Vec::new(),
    }
}

impl Checker<'_> {
    /// A finding with nothing to suggest.
    fn report(&mut self, finding: Plain) {
        self.findings.push(Finding {
            span: finding.span.clone(),
            code: finding.code,
            message: finding.message,
            hint: None,
            name: None,
            suggest: Suggest::None,
        });
    }

    fn output(&self, expr: &Expr, ty: &Type) -> Option<Finding> {
        let expected = self.env.expected;
        let ok = match expected {
            Expected::Any => true,
            Expected::Bool => matches!(ty, Type::Bool | Type::Unknown),
            Expected::String => matches!(ty, Type::String | Type::Unknown),
            Expected::StringOrNull => matches!(ty, Type::String | Type::Null | Type::Unknown),
        };
        if ok {
            return None;
        }
        let wanted = match expected {
            Expected::Bool => "`true` or `false`",
            Expected::String => "a string",
            _ => "a string or null",
        };
        let mut hint = format!("This expression is of type {ty}; Kyverno wants exactly {wanted}.");
        let fix = if expected == Expected::Bool {
            "compare it, as in `… == true`"
        } else {
            "convert it with `string(…)`"
        };
        if *ty == Type::Dyn && ends_in_or_value(expr) {
            hint.push_str(&format!(
                " `orValue` gives `dyn` in Kyverno (its compatibility form): {fix}."
            ));
        } else if *ty == Type::Dyn {
            hint.push_str(&format!(" A value of type `dyn` is not enough: {fix}."));
        }
        Some(Finding {
            span: expr.span.clone(),
            code: "cel-output-type",
            message: self.env.flavor.output_message(expected),
            hint: Some(hint),
            name: None,
            suggest: Suggest::None,
        })
    }

    /// The type of `e` as cel-go sees it.
    fn expr(&mut self, e: &Expr) -> Type {
        self.typed(e).erased()
    }

    /// The type of `e`, resource types included: for the operand of a selection or an index,
    /// and for what names a value (variables, comprehension variables, the output). The
    /// editor's probe records it at its node.
    fn typed(&mut self, e: &Expr) -> Type {
        let ty = self.expr_kind(e);
        if let Some((span, found @ None)) = &mut self.probe {
            if *span == e.span {
                *found = Some(Probe {
                    ty: ty.clone(),
                    locals: self.locals.clone(),
                });
            }
        }
        ty
    }

    fn expr_kind(&mut self, e: &Expr) -> Type {
        match &e.kind {
            ExprKind::Literal(v) => literal_type(v),
            ExprKind::Ident { name, absolute } => self.ident(e, name, *absolute),
            ExprKind::Select {
                operand,
                field,
                field_span,
                optional,
            } => {
                if let Some(t) = self.qualified_type_name(e) {
                    return t;
                }
                let t = self.typed(operand);
                self.select(&t, field, field_span, *optional)
            }
            ExprKind::Presence {
                operand,
                field,
                field_span,
            } => {
                let t = self.typed(operand);
                self.select(&t, field, field_span, false);
                Type::Bool
            }
            ExprKind::Index {
                operand,
                index,
                optional,
            } => {
                let t = self.typed(operand);
                let i = self.expr(index);
                self.index(e, t, &i, *optional)
            }
            ExprKind::Call {
                target,
                function,
                function_span,
                args,
            } => self.call(e, target.as_deref(), function, function_span, args),
            ExprKind::Unary { op, operand } => {
                let t = self.expr(operand);
                self.unary(e, *op, t)
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let l = self.expr(lhs);
                let r = self.expr(rhs);
                self.binary(e, *op, &l, &r)
            }
            ExprKind::Conditional {
                cond,
                then,
                otherwise,
            } => {
                let c = self.expr(cond);
                let a = self.expr(then);
                let b = self.expr(otherwise);
                if c.is_closed() && c != Type::Bool {
                    self.no_overload(e, "_?_:_", &[c, a.clone(), b.clone()], false);
                }
                join(&a, &b)
            }
            ExprKind::List(items) => {
                let mut types = Vec::with_capacity(items.len());
                for item in items {
                    let t = self.expr(&item.expr);
                    let t = match (item.optional, t) {
                        (true, Type::Optional(inner)) => *inner,
                        (true, _) => Type::Unknown,
                        (false, t) => t,
                    };
                    types.push((t, item.expr.span.clone()));
                }
                Type::list(self.aggregate(&types))
            }
            ExprKind::Map(entries) => {
                let mut keys = Vec::with_capacity(entries.len());
                let mut values = Vec::with_capacity(entries.len());
                for entry in entries {
                    keys.push((self.expr(&entry.key), entry.key.span.clone()));
                    let v = self.expr(&entry.value);
                    let v = match (entry.optional, v) {
                        (true, Type::Optional(inner)) => *inner,
                        (true, _) => Type::Unknown,
                        (false, t) => t,
                    };
                    values.push((v, entry.value.span.clone()));
                }
                let k = self.aggregate(&keys);
                let v = self.aggregate(&values);
                Type::map(k, v)
            }
            ExprKind::Struct { fields, .. } => {
                // Message types (mutating policies' `Object{…}`) are not modelled yet.
                for f in fields {
                    self.expr(&f.value);
                }
                Type::Unknown
            }
            ExprKind::Comprehension(c) => self.comprehension(e, c),
        }
    }

    /// The element type of a list or map literal; with homogeneous literals (every kind but
    /// gpol and dpol), an element of another type is an error.
    fn aggregate(&mut self, types: &[(Type, Span)]) -> Type {
        let Some((first, _)) = types.first() else {
            // An empty literal's element type is a free type parameter.
            return Type::Unknown;
        };
        let mut joined = first.clone();
        for (t, span) in &types[1..] {
            if self.env.flavor.is_base_env()
                && self.exempt == 0
                && first.is_closed()
                && t.is_closed()
                && *first != Type::Null
                && *t != Type::Null
                && first != t
            {
                self.findings.push(Finding {
                    span: span.clone(),
                    code: "cel-mixed-literal",
                    message: format!("expected type '{first}' but found '{t}'"),
                    hint: Some(
                        "Kyverno requires the elements of a list or map literal to be of one type; wrap them in `dyn(…)` to mix types.".into(),
                    ),
                    name: None,
                    suggest: Suggest::None,
                });
                return Type::Unknown;
            }
            joined = join(&joined, t);
        }
        joined
    }

    fn ident(&mut self, e: &Expr, name: &str, absolute: bool) -> Type {
        if !absolute {
            if let Some((_, t)) = self.locals.iter().rev().find(|(n, _)| n == name) {
                return t.clone();
            }
        }
        if let Some((_, t)) = self.decls.iter().find(|(n, _)| *n == name) {
            return t.clone();
        }
        if is_type_name(name) {
            return Type::TypeValue;
        }
        let mut names: Vec<String> = self.decls.iter().map(|(n, _)| n.to_string()).collect();
        names.extend(self.locals.iter().map(|(n, _)| n.clone()));
        self.findings.push(Finding {
            span: e.span.clone(),
            code: "cel-undeclared",
            message: format!("undeclared reference to '{name}' (in container '')"),
            hint: self.undeclared_hint(name),
            name: Some(name.to_string()),
            suggest: Suggest::Names(names),
        });
        Type::Unknown
    }

    /// Why a well-known variable is missing here.
    fn undeclared_hint(&self, name: &str) -> Option<String> {
        let kyverno = self.env.flavor.is_kyverno();
        match name {
            "params" if self.env.flavor == Flavor::ValidateCel => Some(
                "`params` is declared only when the rule's `validate.cel` sets both `paramKind` and `paramRef`.".into(),
            ),
            "params" if kyverno => Some(format!(
                "A {} has no parameters.",
                policy_kind_name(self.env.flavor)
            )),
            "authorizer" if kyverno => Some(format!(
                "A {} declares no `authorizer`.",
                policy_kind_name(self.env.flavor)
            )),
            "resource" | "globalContext" | "image" | "http" | "json" | "yaml" if !kyverno => {
                Some(format!(
                    "Kyverno's `{name}` library exists only in its own policy kinds (ValidatingPolicy and its siblings)."
                ))
            }
            _ => None,
        }
    }

    /// `google.protobuf.Timestamp` and the like, spelled as a chain of selects.
    fn qualified_type_name(&self, e: &Expr) -> Option<Type> {
        let q = e.qualified_name()?;
        let root = q.split('.').next().unwrap_or("");
        if self.locals.iter().any(|(n, _)| n == root) || self.decls.iter().any(|(n, _)| *n == root)
        {
            return None;
        }
        is_type_name(&q).then_some(Type::TypeValue)
    }

    fn select(&mut self, t: &Type, field: &str, field_span: &Span, optional: bool) -> Type {
        let wrap = |t: Type| if optional { Type::optional(t) } else { t };
        match t {
            Type::Unknown => Type::Unknown,
            Type::Dyn => wrap(Type::Dyn),
            Type::Resource(r) => match r.select(field) {
                Selected::Found(t) => wrap(t),
                Selected::Open => wrap(Type::Dyn),
                Selected::Missing => {
                    let names = r.fields().iter().map(|f| f.name.to_string()).collect();
                    self.findings.push(Finding {
                        span: field_span.clone(),
                        code: "cel-unknown-field",
                        message: format!(
                            "no field `{field}` in `{}` of {} ({})",
                            r.path,
                            r.kind_names(),
                            r.source()
                        ),
                        hint: Some(format!(
                            "The policy is still accepted, as `object` and `oldObject` are `dyn` to CEL, but on every {} selecting this field fails, `has()` of it is false and `.?` of it is empty.",
                            r.kind_names()
                        )),
                        name: Some(field.to_string()),
                        suggest: Suggest::Names(names),
                    });
                    wrap(Type::Dyn)
                }
            },
            Type::Optional(inner) => {
                // Selecting into an optional stays optional.
                let r = self.select(inner, field, field_span, false);
                Type::optional(r)
            }
            Type::Map(_, v) => wrap((**v).clone()),
            Type::Object(r) => match r.field(field) {
                Some(f) => wrap(f.to_type()),
                None => {
                    let names = r.fields.iter().map(|(n, _)| n.to_string()).collect();
                    self.findings.push(Finding {
                        span: field_span.clone(),
                        code: "cel-undefined-field",
                        message: format!("undefined field '{field}'"),
                        hint: Some(
                            if std::ptr::eq(*r, &K8S_REQUEST)
                                && matches!(field, "object" | "oldObject")
                            {
                                format!(
                                    "Kubernetes' request type carries no objects: use the root variable `{field}`."
                                )
                            } else {
                                format!("`{}` has a fixed set of fields.", r.name)
                            },
                        ),
                        name: Some(field.to_string()),
                        suggest: Suggest::Names(names),
                    });
                    Type::Unknown
                }
            },
            Type::Variables => {
                if let Some((_, t)) = self.env.variables.iter().find(|(n, _)| n == field) {
                    return wrap(t.clone());
                }
                let hint = match self.env.variables_scope {
                    VariablesScope::BeforeVariables => format!(
                        "A {} compiles its matchConditions before its variables, so `variables` cannot be used here.",
                        policy_kind_name(self.env.flavor)
                    ),
                    VariablesScope::Declared => format!(
                        "No variable `{field}` is declared before this expression; Kyverno compiles variables in order and each one sees only those before it."
                    ),
                };
                let names = match self.env.variables_scope {
                    VariablesScope::Declared => {
                        self.env.variables.iter().map(|(n, _)| n.clone()).collect()
                    }
                    VariablesScope::BeforeVariables => Vec::new(),
                };
                self.findings.push(Finding {
                    span: field_span.clone(),
                    code: "cel-undefined-variable",
                    message: format!("undefined field '{field}'"),
                    hint: Some(hint),
                    name: Some(field.to_string()),
                    suggest: Suggest::Names(names),
                });
                Type::Unknown
            }
            Type::Opaque(_) | Type::TypeValue => Type::Unknown,
            other => {
                self.report(Plain {
                    span: field_span,
                    code: "cel-type-mismatch",
                    message: format!("type '{other}' does not support field selection"),
                });
                Type::Unknown
            }
        }
    }

    fn index(&mut self, e: &Expr, t: Type, i: &Type, optional: bool) -> Type {
        let wrap = |t: Type| if optional { Type::optional(t) } else { t };
        match t {
            Type::Unknown => Type::Unknown,
            Type::Dyn => wrap(Type::Dyn),
            Type::Resource(r) => wrap(r.item().unwrap_or(Type::Dyn)),
            Type::Optional(inner) => Type::optional(self.index(e, *inner, i, false)),
            Type::List(elem) => {
                if i.is_closed() && !i.is_numeric() {
                    self.no_overload(e, "_[_]", &[Type::List(elem.clone()), i.clone()], false);
                    return Type::Unknown;
                }
                wrap(*elem)
            }
            Type::Map(_, v) => wrap(*v),
            t if t.is_scalar() || t == Type::Null => {
                self.no_overload(e, "_[_]", &[t, i.clone()], false);
                Type::Unknown
            }
            _ => Type::Unknown,
        }
    }

    fn no_overload(&mut self, e: &Expr, function: &str, args: &[Type], receiver: bool) {
        let shown: Vec<String> = args.iter().map(Type::to_string).collect();
        let applied = if receiver {
            let (recv, rest) = shown.split_first().map_or(("", &[][..]), |(r, x)| (r, x));
            format!("{recv}.({})", rest.join(", "))
        } else {
            format!("({})", shown.join(", "))
        };
        self.report(Plain {
            span: &e.span,
            code: "cel-no-overload",
            message: format!("found no matching overload for '{function}' applied to '{applied}'"),
        });
    }

    fn unary(&mut self, e: &Expr, op: UnaryOp, t: Type) -> Type {
        match op {
            UnaryOp::Not => {
                if t.is_closed() && t != Type::Bool {
                    self.no_overload(e, "!_", &[t], false);
                }
                Type::Bool
            }
            UnaryOp::Neg => match t {
                Type::Int | Type::Double | Type::Duration => t,
                Type::Unknown => Type::Unknown,
                Type::Dyn => Type::Dyn,
                t if t.is_closed() => {
                    self.no_overload(e, "-_", &[t], false);
                    Type::Unknown
                }
                _ => Type::Unknown,
            },
        }
    }

    fn binary(&mut self, e: &Expr, op: BinaryOp, l: &Type, r: &Type) -> Type {
        let fail = |c: &mut Self| {
            c.no_overload(e, op.function(), &[l.clone(), r.clone()], false);
        };
        let both_closed = l.is_closed() && r.is_closed();
        match op {
            BinaryOp::And | BinaryOp::Or => {
                if (l.is_closed() && *l != Type::Bool) || (r.is_closed() && *r != Type::Bool) {
                    fail(self);
                }
                Type::Bool
            }
            BinaryOp::Eq | BinaryOp::Ne => {
                // Only scalar pairs of different kinds are certain: null, aggregates and
                // numbers compare across types in places.
                if l.is_scalar() && r.is_scalar() && l != r && !(l.is_numeric() && r.is_numeric()) {
                    fail(self);
                }
                Type::Bool
            }
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                if both_closed {
                    let ok = (l.is_numeric() && r.is_numeric())
                        || (l == r
                            && matches!(
                                l,
                                Type::String
                                    | Type::Bytes
                                    | Type::Bool
                                    | Type::Timestamp
                                    | Type::Duration
                            ));
                    if !ok {
                        fail(self);
                    }
                }
                Type::Bool
            }
            BinaryOp::In => {
                if r.is_closed() && !matches!(r, Type::List(_) | Type::Map(..)) {
                    fail(self);
                }
                Type::Bool
            }
            BinaryOp::Add => self.arith(l, r, both_closed, fail, |l, r| match (l, r) {
                (Type::Int, Type::Int) => Some(Type::Int),
                (Type::Uint, Type::Uint) => Some(Type::Uint),
                (Type::Double, Type::Double) => Some(Type::Double),
                (Type::String, Type::String) => Some(Type::String),
                (Type::Bytes, Type::Bytes) => Some(Type::Bytes),
                (Type::List(a), Type::List(b)) => Some(Type::list(join(a, b))),
                (Type::Timestamp, Type::Duration) | (Type::Duration, Type::Timestamp) => {
                    Some(Type::Timestamp)
                }
                (Type::Duration, Type::Duration) => Some(Type::Duration),
                _ => None,
            }),
            BinaryOp::Sub => self.arith(l, r, both_closed, fail, |l, r| match (l, r) {
                (Type::Int, Type::Int) => Some(Type::Int),
                (Type::Uint, Type::Uint) => Some(Type::Uint),
                (Type::Double, Type::Double) => Some(Type::Double),
                (Type::Timestamp, Type::Timestamp) => Some(Type::Duration),
                (Type::Timestamp, Type::Duration) => Some(Type::Timestamp),
                (Type::Duration, Type::Duration) => Some(Type::Duration),
                _ => None,
            }),
            BinaryOp::Mul | BinaryOp::Div => {
                self.arith(l, r, both_closed, fail, |l, r| match (l, r) {
                    (Type::Int, Type::Int) => Some(Type::Int),
                    (Type::Uint, Type::Uint) => Some(Type::Uint),
                    (Type::Double, Type::Double) => Some(Type::Double),
                    _ => None,
                })
            }
            BinaryOp::Rem => self.arith(l, r, both_closed, fail, |l, r| match (l, r) {
                (Type::Int, Type::Int) => Some(Type::Int),
                (Type::Uint, Type::Uint) => Some(Type::Uint),
                _ => None,
            }),
        }
    }

    /// An arithmetic operator: with both sides known, its overload or an error; with one side
    /// open, the result type of the only overloads the known side allows.
    fn arith(
        &mut self,
        l: &Type,
        r: &Type,
        both_closed: bool,
        fail: impl Fn(&mut Self),
        table: impl Fn(&Type, &Type) -> Option<Type>,
    ) -> Type {
        if both_closed || (!l.is_open() && !r.is_open()) {
            return match table(l, r) {
                Some(t) => t,
                None if both_closed => {
                    fail(self);
                    Type::Unknown
                }
                None => Type::Unknown,
            };
        }
        let known = if l.is_open() { r } else { l };
        if known.is_open() {
            return if *l == Type::Dyn && *r == Type::Dyn {
                Type::Dyn
            } else {
                Type::Unknown
            };
        }
        match known {
            Type::Int | Type::Uint | Type::Double | Type::String | Type::Bytes => {
                if table(known, known).is_some() {
                    known.clone()
                } else {
                    if known.is_closed() {
                        fail(self);
                    }
                    Type::Unknown
                }
            }
            Type::Bool | Type::Null => {
                fail(self);
                Type::Unknown
            }
            _ => Type::Unknown,
        }
    }

    fn call(
        &mut self,
        e: &Expr,
        target: Option<&Expr>,
        function: &str,
        function_span: &Span,
        args: &[Expr],
    ) -> Type {
        // `math.greatest(…)`, `time.now()`: a namespaced function, unless the namespace is a
        // variable in scope that has such a method.
        if let Some(t) = target {
            if let Some(q) = t.qualified_name() {
                let root = q.trim_start_matches('.').split('.').next().unwrap_or("");
                let name = format!("{}.{function}", q.trim_start_matches('.'));
                let local = self.locals.iter().any(|(n, _)| n == root);
                if !local && (functions::lookup(&name).is_some() || in_library_gap(&name)) {
                    let types: Vec<Type> = args.iter().map(|a| self.expr(a)).collect();
                    return self.resolve(e, &name, function_span, false, &types, args);
                }
            }
        }
        let mut types = Vec::with_capacity(args.len() + 1);
        if let Some(t) = target {
            types.push(self.expr(t));
        }
        let mut all_args: Vec<&Expr> = Vec::with_capacity(args.len() + 1);
        all_args.extend(target);
        all_args.extend(args.iter());
        let exempt = usize::from(function == "format");
        self.exempt += exempt;
        for a in args {
            types.push(self.expr(a));
        }
        self.exempt -= exempt;
        if target.is_some() && function == "orValue" && self.env.flavor.or_value_compat() {
            // Kyverno rewrites `x.orValue(y)` into a function typed `(dyn, dyn) -> dyn`.
            return Type::Dyn;
        }
        self.resolve_refs(
            e,
            function,
            function_span,
            target.is_some(),
            &types,
            &all_args,
        )
    }

    fn resolve(
        &mut self,
        e: &Expr,
        name: &str,
        function_span: &Span,
        receiver: bool,
        types: &[Type],
        args: &[Expr],
    ) -> Type {
        let refs: Vec<&Expr> = args.iter().collect();
        self.resolve_refs(e, name, function_span, receiver, types, &refs)
    }

    fn resolve_refs(
        &mut self,
        e: &Expr,
        name: &str,
        function_span: &Span,
        receiver: bool,
        types: &[Type],
        args: &[&Expr],
    ) -> Type {
        self.literal_arguments(name, receiver, args);
        // Only the libraries the kind's environment declares (cel.md §2.2).
        let set = if self.env.flavor.is_kyverno() {
            functions::LibrarySet::KYVERNO
        } else {
            functions::LibrarySet::KUBERNETES
        };
        let declared: Vec<&'static functions::FunctionSpec> =
            functions::lookup_in(name, set).collect();
        let elsewhere = declared.is_empty() && functions::lookup(name).is_some();
        let specs = (!declared.is_empty()).then_some(declared.as_slice());
        let Some(specs) = specs else {
            // A global function of Kyverno's libraries outside Kyverno's kinds. Methods are
            // left alone: their receiver already failed to resolve.
            if !receiver
                && !self.env.flavor.is_kyverno()
                && (elsewhere || KYVERNO_FUNCTIONS_NOT_IN_TABLE.contains(&name))
            {
                self.findings.push(Finding {
                    span: function_span.clone(),
                    code: "cel-unknown-function",
                    message: format!("undeclared reference to '{name}' (in container '')"),
                    hint: Some(format!(
                        "`{name}` is one of Kyverno's CEL libraries, which exist only in ValidatingPolicy and the other `policies.kyverno.io` kinds, not in a {}.",
                        policy_kind_name(self.env.flavor)
                    )),
                    name: None,
                    suggest: Suggest::None,
                });
                return Type::Unknown;
            }
            if in_library_gap(name) {
                return Type::Unknown;
            }
            self.findings.push(Finding {
                span: function_span.clone(),
                code: "cel-unknown-function",
                message: format!("undeclared reference to '{name}' (in container '')"),
                hint: None,
                name: Some(name.to_string()),
                suggest: Suggest::Function,
            });
            return Type::Unknown;
        };
        // Like cel-go, the result of several fitting overloads is their common type; where
        // they differ we do not guess.
        let mut result: Option<Type> = None;
        for o in specs.iter().flat_map(|f| f.overloads.iter()) {
            if o.receiver != receiver || !arity_fits(o, types.len()) {
                continue;
            }
            let fits = types.iter().enumerate().all(|(i, t)| {
                let p = if o.variadic && i >= o.params.len() {
                    o.params.last().copied().unwrap_or(Ty::Dyn)
                } else {
                    o.params.get(i).copied().unwrap_or(Ty::Dyn)
                };
                ty_accepts(p, t)
            });
            if !fits {
                continue;
            }
            let r = result_type(name, o.result, types);
            result = Some(match result.take() {
                None => r,
                Some(prev) if prev == r => prev,
                Some(_) => Type::Unknown,
            });
        }
        if let Some(t) = result {
            return t;
        }
        if let Some((_, _, r)) = STANDARD_OVERLOADS_NOT_IN_TABLE
            .iter()
            .find(|(n, params, _)| {
                *n == name
                    && !receiver
                    && params.len() == types.len()
                    && params.iter().zip(types).all(|(p, t)| ty_accepts(*p, t))
            })
        {
            return result_type(name, *r, types);
        }
        if in_library_gap(name) {
            return Type::Unknown;
        }
        // Report only when every argument is known: an open one may be what an overload
        // needs.
        if types.iter().all(Type::is_closed) {
            self.no_overload(e, name, types, receiver);
        }
        Type::Unknown
    }

    /// The literal checks of Kubernetes' base environment: a regular expression, duration or
    /// timestamp written as a string literal must be valid.
    fn literal_arguments(&mut self, name: &str, receiver: bool, args: &[&Expr]) {
        if !self.env.flavor.is_base_env() {
            return;
        }
        let (what, arg) = match (name, receiver, args) {
            ("matches", true, [_, pattern]) | ("matches", false, [_, pattern]) => {
                ("matches", *pattern)
            }
            ("duration", false, [lit]) => ("duration", *lit),
            ("timestamp", false, [lit]) => ("timestamp", *lit),
            _ => return,
        };
        let ExprKind::Literal(Value::String(s)) = &arg.kind else {
            return;
        };
        let problem = match what {
            "matches" => super::functions::regex::compile(s).err(),
            "duration" => super::time::parse_duration(s).err(),
            _ => super::time::parse_timestamp(s).err(),
        };
        if let Some(detail) = problem {
            self.findings.push(Finding {
                span: arg.span.clone(),
                code: "cel-invalid-literal",
                message: format!("invalid {what} argument"),
                hint: Some(detail),
                name: None,
                suggest: Suggest::None,
            });
        }
    }

    fn comprehension(&mut self, e: &Expr, c: &Comprehension) -> Type {
        let two_variables = c.var2.is_some()
            || matches!(
                c.kind,
                MacroKind::TransformList | MacroKind::TransformMap | MacroKind::TransformMapEntry
            );
        if two_variables && !self.env.flavor.is_base_env() {
            // Without cel-go's two-variable comprehensions these are plain calls of an
            // undeclared function.
            self.findings.push(Finding {
                span: e.span.clone(),
                code: "cel-unknown-function",
                message: format!(
                    "undeclared reference to '{}' (in container '')",
                    c.kind.name()
                ),
                hint: Some(format!(
                    "A {} has no two-variable comprehensions (`all(k, v, …)`, `transformList`, …).",
                    policy_kind_name(self.env.flavor)
                )),
                name: None,
                suggest: Suggest::None,
            });
        }
        let typed_range = self.typed(&c.range);
        // The items of a list of a resource keep their type, for the comprehension variable.
        let resource_item = match &typed_range {
            Type::Resource(r) => r.item(),
            _ => None,
        };
        let range = typed_range.clone().erased();
        if c.kind == MacroKind::Bind {
            self.locals.push((c.var.clone(), typed_range));
            let t = c.args.first().map_or(Type::Unknown, |b| self.expr(b));
            self.locals.pop();
            return t;
        }
        let optional_macro = matches!(c.kind, MacroKind::OptMap | MacroKind::OptFlatMap);
        let (first, second) = if optional_macro {
            match &range {
                Type::Optional(t) => ((**t).clone(), None),
                t if t.is_open() => (t.clone(), None),
                _ => (Type::Unknown, None),
            }
        } else {
            match &range {
                Type::List(t) => (Type::Int, Some((**t).clone())),
                Type::Map(k, v) => ((**k).clone(), Some((**v).clone())),
                Type::Dyn => (Type::Dyn, Some(Type::Dyn)),
                // Only values that are certainly not collections: library and object types
                // are left to cel-go.
                t if t.is_scalar()
                    || matches!(t, Type::Null | Type::Optional(_)) && t.is_closed() =>
                {
                    self.report(Plain {
            span: &c.range.span,
            code: "cel-type-mismatch",
            message: format!(
                            "expression of type '{t}' cannot be the range of a comprehension (must be list, map, or dynamic)"
                        ),
        });
                    (Type::Unknown, Some(Type::Unknown))
                }
                _ => (Type::Unknown, Some(Type::Unknown)),
            }
        };
        // One variable: the element of a list, the key of a map. Two: index or key, and value.
        let second = match (&resource_item, second) {
            (Some(item), Some(_)) if !optional_macro => Some(item.clone()),
            (_, second) => second,
        };
        let elem = match (&range, &second, &resource_item) {
            (Type::List(_), Some(v), _) => v.clone(),
            (_, Some(_), Some(item)) => item.clone(),
            _ => first.clone(),
        };
        let pushed = match &c.var2 {
            Some((name2, _)) => {
                self.locals.push((c.var.clone(), first.clone()));
                self.locals
                    .push((name2.clone(), second.clone().unwrap_or(Type::Unknown)));
                2
            }
            None => {
                self.locals.push((c.var.clone(), elem.clone()));
                1
            }
        };
        let types: Vec<Type> = c.args.iter().map(|a| self.expr(a)).collect();
        self.locals.truncate(self.locals.len() - pushed);
        let last = types.last().cloned().unwrap_or(Type::Unknown);
        match c.kind {
            MacroKind::All | MacroKind::Exists | MacroKind::ExistsOne => Type::Bool,
            MacroKind::Map | MacroKind::TransformList => Type::list(last),
            MacroKind::Filter => Type::list(elem),
            MacroKind::TransformMap => match &range {
                Type::List(_) => Type::map(Type::Int, last),
                Type::Map(k, _) => Type::map((**k).clone(), last),
                _ => Type::map(Type::Unknown, last),
            },
            MacroKind::TransformMapEntry => Type::map(Type::Unknown, Type::Unknown),
            MacroKind::OptMap => Type::optional(last),
            MacroKind::OptFlatMap => last,
            MacroKind::Bind => last,
        }
    }
}

fn policy_kind_name(flavor: Flavor) -> &'static str {
    match flavor {
        Flavor::Validating => "ValidatingPolicy",
        Flavor::Mutating => "MutatingPolicy",
        Flavor::Generating => "GeneratingPolicy",
        Flavor::ImageValidating => "ImageValidatingPolicy",
        Flavor::Deleting => "DeletingPolicy",
        Flavor::ValidateCel => "ClusterPolicy",
        Flavor::AdmissionPolicy => "ValidatingAdmissionPolicy",
    }
}

fn ends_in_or_value(e: &Expr) -> bool {
    matches!(&e.kind, ExprKind::Call { target: Some(_), function, .. } if function == "orValue")
}

fn literal_type(v: &Value) -> Type {
    match v {
        Value::Null => Type::Null,
        Value::Bool(_) => Type::Bool,
        Value::Int(_) => Type::Int,
        Value::Uint(_) => Type::Uint,
        Value::Double(_) => Type::Double,
        Value::String(_) => Type::String,
        Value::Bytes(_) => Type::Bytes,
        _ => Type::Unknown,
    }
}

/// The type of a value that is either `a` or `b` (a conditional's branches, a literal's
/// elements): cel-go's most general type when one is `dyn`; ours when we cannot tell.
fn join(a: &Type, b: &Type) -> Type {
    if a == b {
        return a.clone();
    }
    match (a, b) {
        (Type::Unknown, _) | (_, Type::Unknown) => Type::Unknown,
        (Type::Dyn, _) | (_, Type::Dyn) => Type::Dyn,
        (Type::List(x), Type::List(y)) => Type::list(join(x, y)),
        (Type::Map(k1, v1), Type::Map(k2, v2)) => Type::map(join(k1, k2), join(v1, v2)),
        (Type::Optional(x), Type::Optional(y)) => Type::optional(join(x, y)),
        _ => Type::Unknown,
    }
}

fn arity_fits(o: &functions::Overload, n: usize) -> bool {
    if o.variadic {
        n >= o.params.len()
    } else {
        o.params.len() == n
    }
}

/// Whether a parameter of the table's type accepts an argument of type `t`.
fn ty_accepts(p: Ty, t: &Type) -> bool {
    if t.is_open() {
        return true;
    }
    match (p, t) {
        (Ty::Dyn, _) => true,
        (Ty::Null, Type::Null) => true,
        (Ty::Bool, Type::Bool) => true,
        (Ty::Int, Type::Int) => true,
        (Ty::Uint, Type::Uint) => true,
        (Ty::Double, Type::Double) => true,
        (Ty::String, Type::String) => true,
        (Ty::Bytes, Type::Bytes) => true,
        (Ty::List, Type::List(_)) => true,
        (Ty::Map, Type::Map(..)) => true,
        (Ty::Timestamp, Type::Timestamp) => true,
        (Ty::Duration, Type::Duration) => true,
        (Ty::Type, Type::TypeValue) => true,
        (Ty::Optional, Type::Optional(_)) => true,
        (Ty::Opaque(a), Type::Opaque(b)) => a == *b,
        // Objects and library globals are not in the table's vocabulary: never refuse them.
        (_, Type::Object(_) | Type::Variables | Type::Opaque(_)) => true,
        _ => false,
    }
}

/// The result of an overload as a checker type. The table's aggregate types carry no element
/// types, and its `dyn` results often stand for cel-go's type parameters, so both stay
/// unknown; `dyn(x)` is the one certain `dyn`.
fn result_type(name: &str, r: Ty, args: &[Type]) -> Type {
    match r {
        Ty::Dyn if name == "dyn" => Type::Dyn,
        Ty::Dyn => Type::Unknown,
        Ty::Null => Type::Null,
        Ty::Bool => Type::Bool,
        Ty::Int => Type::Int,
        Ty::Uint => Type::Uint,
        Ty::Double => Type::Double,
        Ty::String => Type::String,
        Ty::Bytes => Type::Bytes,
        Ty::List => match (name, args.first()) {
            // These keep their receiver's element type.
            ("sort" | "reverse" | "distinct" | "slice", Some(Type::List(t))) => {
                Type::list((**t).clone())
            }
            _ => Type::list(Type::Unknown),
        },
        Ty::Map => Type::map(Type::Unknown, Type::Unknown),
        Ty::Timestamp => Type::Timestamp,
        Ty::Duration => Type::Duration,
        Ty::Type => Type::TypeValue,
        Ty::Optional => Type::optional(Type::Unknown),
        Ty::Opaque(n) => Type::Opaque(n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(flavor: Flavor, expected: Expected, variables: &[(String, Type)]) -> CheckEnv<'_> {
        CheckEnv {
            flavor,
            params: false,
            authorizer: false,
            variables,
            variables_scope: VariablesScope::Declared,
            expected,
            objects: None,
        }
    }

    /// (code, the text the finding covers, message) of each finding, and the output type.
    fn run_in(src: &str, env: &CheckEnv) -> (String, Vec<(&'static str, String, String)>) {
        let (ast, errors) = crate::cel::parse(src);
        assert!(errors.is_empty(), "{errors:?}");
        let checked = check(&ast.unwrap(), env);
        let findings = checked
            .findings
            .iter()
            .map(|f| (f.code, src[f.span.clone()].to_string(), f.message.clone()))
            .collect();
        (checked.ty.to_string(), findings)
    }

    fn run(src: &str) -> Vec<(&'static str, String, String)> {
        run_in(src, &env(Flavor::Validating, Expected::Any, &[])).1
    }

    fn ty(src: &str) -> String {
        let (t, findings) = run_in(src, &env(Flavor::Validating, Expected::Any, &[]));
        assert_eq!(findings, vec![], "{src}");
        t
    }

    fn one(code: &'static str, at: &str, message: &str) -> Vec<(&'static str, String, String)> {
        vec![(code, at.to_string(), message.to_string())]
    }

    #[test]
    fn types_of_common_expressions() {
        assert_eq!(ty("object.spec.replicas"), "dyn");
        assert_eq!(ty("object.spec.replicas + 1"), "int");
        assert_eq!(ty("object.a + object.b"), "dyn");
        assert_eq!(ty("object.spec.containers.map(c, c.name)"), "list(dyn)");
        assert_eq!(ty("object.spec.containers.all(c, has(c.name))"), "bool");
        assert_eq!(ty("[1, 2].map(x, x * 2)"), "list(int)");
        assert_eq!(ty("{'a': 1}.filter(k, k != 'b')"), "list(string)");
        assert_eq!(ty("request.userInfo.groups"), "list(string)");
        assert_eq!(ty("request.userInfo.extra"), "map(string, list(string))");
        assert_eq!(ty("request.object"), "dyn");
        assert_eq!(ty("namespaceObject.metadata.labels['team']"), "string");
        assert_eq!(
            ty("namespaceObject.metadata.creationTimestamp"),
            "google.protobuf.Timestamp"
        );
        assert_eq!(ty("object.?spec.x.orValue(1)"), "dyn");
        assert_eq!(ty("request.?namespace"), "optional_type(string)");
        assert_eq!(ty("size(object.spec.containers) > 0"), "bool");
        assert_eq!(ty("string(object.spec.replicas)"), "string");
        assert_eq!(
            ty("timestamp('2024-01-01T00:00:00Z') - duration('1h')"),
            "google.protobuf.Timestamp"
        );
        assert_eq!(ty("cel.bind(x, [1], x + [2])"), "list(int)");
        assert_eq!(ty("true ? 'a' : object.b"), "dyn");
        assert_eq!(ty("dyn(1)"), "dyn");
        assert_eq!(ty("type(1) == int"), "bool");
        // The table declares it on `dyn` (any mix of numbers), so its type is not known.
        assert_eq!(ty("math.greatest(1, 2)"), "dyn");
        // Kubernetes' quantity library, typed from the function table.
        assert_eq!(ty("quantity('1Gi').isGreaterThan(quantity('1Mi'))"), "bool");
        assert_eq!(
            ty("resource.Get('v1', 'namespaces', '', 'a').metadata"),
            "dyn"
        );
        assert_eq!(ty("image(object.spec.image).registry()"), "string");
        assert_eq!(ty("time.now()"), "google.protobuf.Timestamp");
    }

    #[test]
    fn kyverno_libraries_only_in_kyverno_kinds() {
        let cel = env(Flavor::ValidateCel, Expected::Any, &[]);
        assert_eq!(
            run_in(
                "image(object.image).registry() == '' || time.now() == null",
                &cel
            )
            .1,
            vec![
                (
                    "cel-unknown-function",
                    "image".to_string(),
                    "undeclared reference to 'image' (in container '')".to_string()
                ),
                (
                    "cel-unknown-function",
                    "now".to_string(),
                    "undeclared reference to 'time.now' (in container '')".to_string()
                ),
            ]
        );
        // The Kubernetes libraries are there.
        assert_eq!(run_in("quantity('1Gi').isInteger()", &cel).1, vec![]);
    }

    #[test]
    fn undeclared_names() {
        assert_eq!(
            run("objekt.spec"),
            one(
                "cel-undeclared",
                "objekt",
                "undeclared reference to 'objekt' (in container '')"
            )
        );
        // A comprehension variable is only in scope inside the macro.
        assert_eq!(
            run("object.items.all(i, i > 0) && i > 0"),
            one(
                "cel-undeclared",
                "i",
                "undeclared reference to 'i' (in container '')"
            )
        );
        // Kyverno kinds declare no `params` or `authorizer`.
        assert_eq!(
            run("params.x"),
            one(
                "cel-undeclared",
                "params",
                "undeclared reference to 'params' (in container '')"
            )
        );
        let mut e = env(Flavor::ValidateCel, Expected::Any, &[]);
        e.params = true;
        e.authorizer = true;
        assert_eq!(run_in("params.x && authorizer != null", &e).1, vec![]);
        // The libraries' globals exist only in Kyverno's own kinds.
        assert_eq!(
            run_in(
                "globalContext",
                &env(Flavor::ValidateCel, Expected::Any, &[])
            )
            .1,
            one(
                "cel-undeclared",
                "globalContext",
                "undeclared reference to 'globalContext' (in container '')"
            )
        );
    }

    #[test]
    fn unknown_functions_and_overloads() {
        assert_eq!(
            run("object.name.startWith('a')"),
            one(
                "cel-unknown-function",
                "startWith",
                "undeclared reference to 'startWith' (in container '')"
            )
        );
        assert_eq!(
            run("'a' + 1 == 'a1'"),
            one(
                "cel-no-overload",
                "'a' + 1",
                "found no matching overload for '_+_' applied to '(string, int)'"
            )
        );
        assert_eq!(
            run("size(1)"),
            one(
                "cel-no-overload",
                "size(1)",
                "found no matching overload for 'size' applied to '(int)'"
            )
        );
        assert_eq!(
            run("'abc'.startsWith(1)"),
            one(
                "cel-no-overload",
                "'abc'.startsWith(1)",
                "found no matching overload for 'startsWith' applied to 'string.(int)'"
            )
        );
        assert_eq!(
            run("!'a'"),
            one(
                "cel-no-overload",
                "!'a'",
                "found no matching overload for '!_' applied to '(string)'"
            )
        );
        assert_eq!(
            run("request.dryRun == 'true'"),
            one(
                "cel-no-overload",
                "request.dryRun == 'true'",
                "found no matching overload for '_==_' applied to '(bool, string)'"
            )
        );
        // cel-go's `int(duration)` is missing from the table, and must not be refused.
        assert_eq!(run("int(duration('1h')) > 0"), vec![]);
        // `dyn` fits every overload, and numbers compare across types.
        assert_eq!(run("size(object.x) + object.y > 1.5 && 1 == 1.0"), vec![]);
    }

    #[test]
    fn typed_fields() {
        assert_eq!(
            run("request.uid == ''"),
            one("cel-undefined-field", "uid", "undefined field 'uid'")
        );
        assert_eq!(
            run("has(namespaceObject.metadata.ownerReferences)"),
            one(
                "cel-undefined-field",
                "ownerReferences",
                "undefined field 'ownerReferences'"
            )
        );
        // `object` is `dyn`: any field may exist.
        assert_eq!(run("object.anything.at.all == 1"), vec![]);
        // `request.object` is Kyverno's; the Kubernetes request type has no such field.
        assert_eq!(
            run_in(
                "request.object",
                &env(Flavor::ValidateCel, Expected::Any, &[])
            )
            .1,
            one("cel-undefined-field", "object", "undefined field 'object'")
        );
        assert_eq!(
            run("'abc'.x"),
            one(
                "cel-type-mismatch",
                "x",
                "type 'string' does not support field selection"
            )
        );
    }

    #[test]
    fn variables_in_order() {
        let vars = vec![("a".to_string(), Type::list(Type::Dyn))];
        let e = env(Flavor::Validating, Expected::Any, &vars);
        let (t, findings) = run_in("variables.a", &e);
        assert_eq!((t.as_str(), findings), ("list(dyn)", vec![]));
        assert_eq!(
            run_in("variables.b", &e).1,
            one("cel-undefined-variable", "b", "undefined field 'b'")
        );
        let mut before = env(Flavor::Validating, Expected::Bool, &[]);
        before.variables_scope = VariablesScope::BeforeVariables;
        let checked = check(&crate::cel::parse("has(variables.a)").0.unwrap(), &before);
        assert_eq!(checked.findings.len(), 1);
        assert_eq!(
            checked.findings[0].hint.as_deref(),
            Some(
                "A ValidatingPolicy compiles its matchConditions before its variables, so `variables` cannot be used here."
            )
        );
    }

    #[test]
    fn exact_output_types() {
        let bool_env = env(Flavor::Validating, Expected::Bool, &[]);
        assert_eq!(run_in("object.spec.x == 1", &bool_env).1, vec![]);
        assert_eq!(
            run_in("object.?spec.enabled.orValue(false)", &bool_env).1,
            one(
                "cel-output-type",
                "object.?spec.enabled.orValue(false)",
                "output is expected to be of type bool"
            )
        );
        assert_eq!(
            run_in("object.spec.enabled", &bool_env).1,
            one(
                "cel-output-type",
                "object.spec.enabled",
                "output is expected to be of type bool"
            )
        );
        // Image validating policies have no compatibility macro: the optional's own
        // `orValue` keeps its type, which we cannot tell here.
        let ivpol = env(Flavor::ImageValidating, Expected::Bool, &[]);
        assert_eq!(
            run_in("object.?spec.enabled.orValue(false)", &ivpol).1,
            vec![]
        );
        let audit = env(Flavor::Validating, Expected::StringOrNull, &[]);
        assert_eq!(run_in("null", &audit).1, vec![]);
        assert_eq!(
            run_in("1", &audit).1,
            one(
                "cel-output-type",
                "1",
                "output is expected to be either of type string or null_type"
            )
        );
        let message = env(Flavor::ValidateCel, Expected::String, &[]);
        assert_eq!(
            run_in("object.metadata.name", &message).1,
            one(
                "cel-output-type",
                "object.metadata.name",
                "must evaluate to string"
            )
        );
        // What we cannot type is never reported.
        assert_eq!(
            run_in("resource.Get('v1', 'pods', 'a', 'b')", &bool_env).1,
            vec![]
        );
    }

    #[test]
    fn literals() {
        assert_eq!(
            run("[1, 'a']"),
            one(
                "cel-mixed-literal",
                "'a'",
                "expected type 'int' but found 'string'"
            )
        );
        assert_eq!(
            run("{'a': 1, 'b': 2.0}"),
            one(
                "cel-mixed-literal",
                "2.0",
                "expected type 'int' but found 'double'"
            )
        );
        // Allowed: `dyn`, format's arguments, and the plain environment of gpol and dpol.
        assert_eq!(run("[1, dyn('a'), object.x]"), vec![]);
        assert_eq!(run("'%s %d'.format(['a', 1])"), vec![]);
        let gpol = env(Flavor::Generating, Expected::Any, &[]);
        assert_eq!(run_in("[1, 'a']", &gpol).1, vec![]);
        assert_eq!(
            run_in("object.items.all(i, v, v > i)", &gpol).1,
            one(
                "cel-unknown-function",
                "object.items.all(i, v, v > i)",
                "undeclared reference to 'all' (in container '')"
            )
        );
        assert_eq!(run("object.items.all(i, v, v > i)"), vec![]);
        assert_eq!(
            run("object.name.matches('[a-')"),
            one("cel-invalid-literal", "'[a-'", "invalid matches argument")
        );
        assert_eq!(
            run("duration('1d') > duration('1h')"),
            one("cel-invalid-literal", "'1d'", "invalid duration argument")
        );
        assert_eq!(
            run("timestamp('2024-01-01') < timestamp('2024-01-01T00:00:00Z')"),
            one(
                "cel-invalid-literal",
                "'2024-01-01'",
                "invalid timestamp argument"
            )
        );
        // A pattern that is not a literal is only checked when it runs.
        assert_eq!(run("object.name.matches(object.pattern)"), vec![]);
        assert_eq!(run_in("matches('a', '[')", &gpol).1, vec![]);
        assert_eq!(
            run("'abc'.all(c, c == 'a')"),
            one(
                "cel-type-mismatch",
                "'abc'",
                "expression of type 'string' cannot be the range of a comprehension (must be list, map, or dynamic)"
            )
        );
    }

    fn kinds(names: &[(&str, &str, &str)]) -> Objects {
        let objects = Objects::builtin(names);
        assert_eq!(objects.kinds.len(), names.len(), "built-in kinds");
        objects
    }

    fn unknown(at: &str, path: &str, kinds: &str) -> (&'static str, String, String) {
        (
            "cel-unknown-field",
            at.to_string(),
            format!("no field `{at}` in `{path}` of {kinds} (Kubernetes 1.37)"),
        )
    }

    #[test]
    fn object_is_typed_by_the_matched_kind() {
        let pod = kinds(&[("", "v1", "Pod")]);
        let env = CheckEnv {
            objects: Some(&pod),
            ..env(Flavor::Validating, Expected::Bool, &[])
        };
        let run = |src: &str| run_in(src, &env);
        // Known paths: nothing to say, and every type is still cel-go's `dyn`.
        assert_eq!(
            run(
                "object.spec.containers.all(c, c.image != '' && has(c.securityContext.privileged))"
            ),
            ("bool".into(), vec![])
        );
        assert_eq!(run("object.spec").0, "dyn");
        // `priority` is an integer, but cel-go only sees `dyn`: comparing it with a string
        // is a run-time matter.
        assert_eq!(run("object.spec.priority == '3'").1, vec![]);
        assert_eq!(
            run("size(object.spec.containerz) > 0").1,
            vec![unknown("containerz", "object.spec", "Pod")]
        );
        assert_eq!(
            run("object.spec.containers.exists(c, c.imagez == 'nginx')").1,
            vec![unknown("imagez", "object.spec.containers[*]", "Pod")]
        );
        assert_eq!(
            run("object.spec.initContainers.all(i, c, c.nam != '')").1,
            vec![unknown("nam", "object.spec.initContainers[*]", "Pod")]
        );
        assert_eq!(
            run("object.spec.containers[0].ports[0].containerPortt > 80").1,
            vec![unknown(
                "containerPortt",
                "object.spec.containers[*].ports[*]",
                "Pod"
            )]
        );
        assert_eq!(
            run("has(object.spec.hostNetwrok)").1,
            vec![unknown("hostNetwrok", "object.spec", "Pod")]
        );
        assert_eq!(
            run("object.?spec.?hostNetwrok.orValue(false) == true").1,
            vec![unknown("hostNetwrok", "object.spec", "Pod")]
        );
        assert_eq!(
            run("oldObject.metadata.lables == null").1,
            vec![unknown("lables", "oldObject.metadata", "Pod")]
        );
        assert_eq!(
            run("cel.bind(s, object.spec, s.nodeNam == '')").1,
            vec![unknown("nodeNam", "object.spec", "Pod")]
        );
        assert_eq!(
            run("object.spec.containers.filter(c, c.name == 'a')[0].imagez == ''").1,
            vec![unknown("imagez", "object.spec.containers[*]", "Pod")]
        );
        // Maps, free-form values and scalars say nothing about what is below them.
        assert_eq!(run("object.metadata.labels.app == 'x'").1, vec![]);
        assert_eq!(run("object.metadata.annotations['a/b'] == 'x'").1, vec![]);
        assert_eq!(run("object.spec.overhead.cpu == '1'").1, vec![]);
        assert_eq!(run("object.spec.nodeName.anything == 'x'").1, vec![]);
        // A warning does not hide what Kyverno refuses.
        assert_eq!(
            run("object.spec.hostNetwrok").1,
            vec![
                unknown("hostNetwrok", "object.spec", "Pod"),
                (
                    "cel-output-type",
                    "object.spec.hostNetwrok".into(),
                    "output is expected to be of type bool".into()
                )
            ]
        );
    }

    #[test]
    fn several_kinds_report_a_field_none_of_them_has() {
        let both = kinds(&[("", "v1", "Pod"), ("apps", "v1", "Deployment")]);
        let both_env = CheckEnv {
            objects: Some(&both),
            ..env(Flavor::Validating, Expected::Bool, &[])
        };
        let run = |src: &str| run_in(src, &both_env).1;
        assert_eq!(
            run("has(object.spec.template.spec.containers) || has(object.spec.containers)"),
            vec![]
        );
        assert_eq!(
            run("object.spec.replicaz > 1"),
            vec![unknown("replicaz", "object.spec", "Pod or Deployment")]
        );
        // Below `template`, only the Deployment is left.
        assert_eq!(
            run("object.spec.template.spec.nodeNam == ''"),
            vec![unknown(
                "nodeNam",
                "object.spec.template.spec",
                "Deployment"
            )]
        );
        let autoscalers = kinds(&[
            ("autoscaling", "v1", "HorizontalPodAutoscaler"),
            ("autoscaling", "v2", "HorizontalPodAutoscaler"),
        ]);
        let hpa_env = CheckEnv {
            objects: Some(&autoscalers),
            ..env(Flavor::AdmissionPolicy, Expected::Bool, &[])
        };
        // `metrics` is v2's only, `targetCPUUtilizationPercentage` v1's.
        assert_eq!(
            run_in(
                "size(object.spec.metrics) > 0 || object.spec.targetCPUUtilizationPercentage > 1",
                &hpa_env
            )
            .1,
            vec![]
        );
        assert_eq!(
            run_in("object.spec.maxReplica > 1", &hpa_env).1,
            vec![unknown(
                "maxReplica",
                "object.spec",
                "HorizontalPodAutoscaler"
            )]
        );
    }

    #[test]
    fn resource_types_expose_fields_and_descriptions() {
        let pod = kinds(&[("", "v1", "Pod")]);
        let pod_env = CheckEnv {
            objects: Some(&pod),
            ..env(Flavor::Validating, Expected::Any, &[])
        };
        let (ast, _) = crate::cel::parse("object.spec.containers[0]");
        let Type::Resource(r) = check(&ast.unwrap(), &pod_env).ty else {
            panic!("not a resource type");
        };
        assert_eq!(r.path, "object.spec.containers[*]");
        assert_eq!(r.kind_names(), "Pod");
        let image = r.fields().into_iter().find(|f| f.name == "image").unwrap();
        assert!(
            image
                .description()
                .starts_with("Container image name. More info: https://kubernetes.io/docs/concepts/containers/images"),
            "{}",
            image.description()
        );
        // Without kinds `object` is plain `dyn`.
        let (ast, _) = crate::cel::parse("object.spec");
        let plain = env(Flavor::Validating, Expected::Any, &[]);
        assert_eq!(check(&ast.unwrap(), &plain).ty, Type::Dyn);
    }
}
