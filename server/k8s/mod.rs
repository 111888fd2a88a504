//! Kubernetes' built-in API types, as the `k8s-openapi` crate describes them for one Kubernetes
//! version: every top-level kind with its group, version, plural resource name and scope, and
//! the tree of fields below it, with their descriptions.
//!
//! The definitions are generated into `api.txt` by `tests/k8s_api.rs` (which depends on
//! `k8s-openapi` as a dev-dependency only, so that a normal build never compiles its 40 MB of
//! sources) and parsed on first use. Descriptions stay escaped in the embedded text until
//! someone asks for one, so loading costs one pass and no copy of the text.

use std::borrow::Cow;
use std::sync::OnceLock;

mod catalog;
pub mod crd;

pub use catalog::Catalog;

/// Text of the index: borrowed from the embedded definitions, or owned for the kinds a
/// workspace's CustomResourceDefinitions define.
pub type Text = Cow<'static, str>;

/// The Kubernetes version the definitions come from.
pub const KUBERNETES_VERSION: &str = "1.37";

/// The embedded definitions (see `tests/k8s_api.rs` for the format and how to regenerate).
pub const API_TEXT: &str = include_str!("api.txt");

/// Where a kind lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    Namespaced,
    Cluster,
    /// Only reachable as a subresource of another kind (`Scale`, `Eviction`).
    Subresource,
}

/// A top-level kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Kind {
    /// Empty for the core group.
    pub group: Text,
    pub version: Text,
    pub kind: Text,
    /// The plural resource name, as `resourceRules` write it (`pods`).
    pub plural: Text,
    pub scope: Scope,
    pub ty: TypeRef,
}

impl Kind {
    /// `apps/v1` or `v1`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
}

/// A named object type (`io.k8s.api.core.v1.PodSpec`) in [`Api::types`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TypeRef(pub u32);

/// What a field holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// An object with a fixed set of fields.
    Object(TypeRef),
    /// An object whose keys are free (`labels`), each holding the shape given.
    Map(Box<Shape>),
    Array(Box<Shape>),
    String,
    Integer,
    Number,
    Boolean,
    /// `x-kubernetes-int-or-string` (`IntOrString`).
    IntOrString,
    /// A resource quantity (`500m`, `1Gi`), a string or a number.
    Quantity,
    /// Any JSON value (`RawExtension`, `JSON`, `FieldsV1`): nothing is known below.
    Any,
}

impl Shape {
    /// How the editor names the shape: the object type's short name (`PodSpec`), `[]T`,
    /// `map[string]T` and the scalar names the API reference uses.
    pub fn describe(&self) -> String {
        match self {
            // A custom kind's type is not in the built-in index: `Catalog::describe` names it.
            Shape::Object(t) => match api().types.get(t.0 as usize) {
                Some(ty) => ty.name.rsplit('.').next().unwrap_or(&ty.name).to_string(),
                None => "object".into(),
            },
            Shape::Map(v) => format!("map[string]{}", v.describe()),
            Shape::Array(v) => format!("[]{}", v.describe()),
            Shape::String => "string".into(),
            Shape::Integer => "integer".into(),
            Shape::Number => "number".into(),
            Shape::Boolean => "boolean".into(),
            Shape::IntOrString => "IntOrString".into(),
            Shape::Quantity => "Quantity".into(),
            Shape::Any => "any JSON value".into(),
        }
    }
}

/// An object type and its fields, sorted by name.
#[derive(Debug, PartialEq)]
pub struct TypeDef {
    pub name: Text,
    description: Text,
    pub fields: Vec<Field>,
}

impl TypeDef {
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields
            .binary_search_by(|f| (*f.name).cmp(name))
            .ok()
            .map(|i| &self.fields[i])
    }

    pub fn description(&self) -> String {
        unescape(&self.description)
    }
}

#[derive(Debug, PartialEq)]
pub struct Field {
    pub name: Text,
    pub shape: Shape,
    description: Text,
}

impl Field {
    pub fn description(&self) -> String {
        unescape(&self.description)
    }
}

/// All kinds and the object types they use.
#[derive(Debug, Default, PartialEq)]
pub struct Api {
    pub kinds: Vec<Kind>,
    pub types: Vec<TypeDef>,
}

/// The definitions, parsed on first use.
pub fn api() -> &'static Api {
    static API: OnceLock<Api> = OnceLock::new();
    // A parse failure leaves the index empty, which types every `object` as `dyn`;
    // `tests/k8s_api.rs` makes sure the embedded text parses.
    API.get_or_init(|| parse(API_TEXT).unwrap_or_default())
}

impl Api {
    pub fn ty(&self, r: TypeRef) -> &TypeDef {
        &self.types[r.0 as usize]
    }

    /// The kind of a group, version and kind name.
    pub fn kind(&self, group: &str, version: &str, kind: &str) -> Option<&Kind> {
        self.kinds
            .iter()
            .find(|k| k.group == group && k.version == version && k.kind == kind)
    }

    /// The kinds an admission `resourceRules` entry can send as `object`, or `None` when it
    /// may be something we do not know (a `*` resource, a custom resource, a subresource whose
    /// object is not its parent). `*` stands for any group or version.
    pub fn kinds_of_rule(
        &self,
        groups: &[&str],
        versions: &[&str],
        resources: &[&str],
    ) -> Option<Vec<&Kind>> {
        let mut out: Vec<&Kind> = Vec::new();
        for resource in resources {
            let (plural, sub) = match resource.split_once('/') {
                Some((p, s)) => (p, Some(s)),
                None => (*resource, None),
            };
            // Kubernetes sends the parent object itself for these subresources; for the
            // others (`scale`, `eviction`, `binding`…) it sends another kind.
            if sub.is_some_and(|s| !matches!(s, "status" | "ephemeralcontainers" | "resize")) {
                return None;
            }
            if plural == "*" || plural.is_empty() {
                return None;
            }
            let mut known = false;
            for k in &self.kinds {
                if k.scope != Scope::Subresource
                    && k.plural == plural
                    && groups.iter().any(|g| *g == "*" || *g == k.group)
                    && versions.iter().any(|v| *v == "*" || *v == k.version)
                {
                    known = true;
                    if !out.contains(&k) {
                        out.push(k);
                    }
                }
            }
            if !known {
                return None;
            }
        }
        (!out.is_empty()).then_some(out)
    }
}

impl Api {
    /// The kinds a ClusterPolicy `match` kind names (`Pod`, `v1/Pod`, `apps/v1/Deployment`,
    /// `Pod/status`), or `None` when it may be something we do not know: a wildcard, a
    /// custom resource, or a subresource whose object is not its parent.
    pub fn kinds_of_selector(&self, selector: &str) -> Option<Vec<&Kind>> {
        if selector.contains(['*', '?', '.']) {
            return None;
        }
        let mut parts: Vec<&str> = selector.split('/').collect();
        // A trailing lowercase part is a subresource, as Kyverno reads kind selectors.
        if parts.len() > 1
            && parts
                .last()
                .is_some_and(|p| p.starts_with(|c: char| c.is_ascii_lowercase()))
            && parts.pop() != Some("status")
        {
            return None;
        }
        let (group, version, kind) = match parts.as_slice() {
            [kind] => (None, None, *kind),
            [version, kind] => (None, Some(*version), *kind),
            [group, version, kind] => (Some(*group), Some(*version), *kind),
            _ => return None,
        };
        let found: Vec<&Kind> = self
            .kinds
            .iter()
            .filter(|k| {
                k.scope != Scope::Subresource
                    && k.kind == kind
                    && group.is_none_or(|g| g == k.group)
                    && version.is_none_or(|v| v == k.version)
            })
            .collect();
        (!found.is_empty()).then_some(found)
    }
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// The escaping [`unescape`] undoes, for the generator.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out
}

/// Writes a shape in the form [`parse_shape`] reads: `o12` (object type 12), `m…` (map of),
/// `a…` (array of), and one letter for the rest.
pub fn write_shape(shape: &Shape, out: &mut String) {
    match shape {
        Shape::Object(r) => {
            out.push('o');
            out.push_str(&r.0.to_string());
        }
        Shape::Map(s) => {
            out.push('m');
            write_shape(s, out);
        }
        Shape::Array(s) => {
            out.push('a');
            write_shape(s, out);
        }
        Shape::String => out.push('s'),
        Shape::Integer => out.push('i'),
        Shape::Number => out.push('n'),
        Shape::Boolean => out.push('b'),
        Shape::IntOrString => out.push('I'),
        Shape::Quantity => out.push('q'),
        Shape::Any => out.push('x'),
    }
}

fn parse_shape(s: &str, types: usize) -> Result<Shape, String> {
    // Maps and arrays nest rarely and shallowly: collect the wrappers, then build inside out.
    let mut wrappers = Vec::new();
    let mut rest = s;
    while let Some(c) = rest.chars().next().filter(|c| matches!(c, 'm' | 'a')) {
        wrappers.push(c);
        rest = &rest[1..];
    }
    let mut shape = match rest {
        "s" => Shape::String,
        "i" => Shape::Integer,
        "n" => Shape::Number,
        "b" => Shape::Boolean,
        "I" => Shape::IntOrString,
        "q" => Shape::Quantity,
        "x" => Shape::Any,
        _ => {
            let n: u32 = rest
                .strip_prefix('o')
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| format!("bad shape `{s}`"))?;
            if n as usize >= types {
                return Err(format!("shape `{s}` names a missing type"));
            }
            Shape::Object(TypeRef(n))
        }
    };
    for w in wrappers.into_iter().rev() {
        shape = if w == 'm' {
            Shape::Map(Box::new(shape))
        } else {
            Shape::Array(Box::new(shape))
        };
    }
    Ok(shape)
}

/// Reads the definitions: `#` comment lines, then one record a line with tab-separated
/// columns: `K group version kind plural scope type`, `T name description` (an object type,
/// numbered in order) and `F name shape description` (a field of the type above).
pub fn parse(text: &'static str) -> Result<Api, String> {
    let type_count = text.lines().filter(|l| l.starts_with("T\t")).count();
    let mut api = Api::default();
    for (n, line) in text.lines().enumerate() {
        let bad = |what: &str| format!("line {}: {what}", n + 1);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&'static str> = line.split('\t').collect();
        match cols.as_slice() {
            ["K", group, version, kind, plural, scope, ty] => {
                let scope = match *scope {
                    "N" => Scope::Namespaced,
                    "C" => Scope::Cluster,
                    "S" => Scope::Subresource,
                    _ => return Err(bad("bad scope")),
                };
                let ty: u32 = ty.parse().map_err(|_| bad("bad type number"))?;
                if ty as usize >= type_count {
                    return Err(bad("missing type"));
                }
                api.kinds.push(Kind {
                    group: Text::Borrowed(group),
                    version: Text::Borrowed(version),
                    kind: Text::Borrowed(kind),
                    plural: Text::Borrowed(plural),
                    scope,
                    ty: TypeRef(ty),
                });
            }
            ["T", name, description] => api.types.push(TypeDef {
                name: Text::Borrowed(name),
                description: Text::Borrowed(description),
                fields: Vec::new(),
            }),
            ["F", name, shape, description] => {
                let shape = parse_shape(shape, type_count).map_err(|e| bad(&e))?;
                let ty = api
                    .types
                    .last_mut()
                    .ok_or_else(|| bad("field before type"))?;
                if ty.fields.last().is_some_and(|f| *f.name >= **name) {
                    return Err(bad("fields out of order"));
                }
                ty.fields.push(Field {
                    name: Text::Borrowed(name),
                    shape,
                    description: Text::Borrowed(description),
                });
            }
            _ => return Err(bad("unknown record")),
        }
    }
    Ok(api)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_definitions_parse() {
        assert_eq!(parse(API_TEXT).map(|a| a.kinds.is_empty()), Ok(false));
    }

    #[test]
    fn shapes_round_trip() {
        for s in ["s", "o3", "mas", "amo2", "x", "I", "q", "b", "n", "i"] {
            let shape = parse_shape(s, 4).unwrap();
            let mut out = String::new();
            write_shape(&shape, &mut out);
            assert_eq!(out, s);
        }
        assert_eq!(
            parse_shape("o4", 4),
            Err("shape `o4` names a missing type".into())
        );
        assert_eq!(parse_shape("m", 4), Err("bad shape `m`".into()));
    }

    #[test]
    fn descriptions_unescape() {
        assert_eq!(unescape(&escape("a\\b\n\tc")), "a\\b\n\tc");
    }

    #[test]
    fn resource_rules_resolve_through_plurals() {
        let api = api();
        let names = |g: &[&str], v: &[&str], r: &[&str]| {
            api.kinds_of_rule(g, v, r).map(|ks| {
                ks.iter()
                    .map(|k| format!("{}/{}", k.api_version(), k.kind))
                    .collect::<Vec<_>>()
            })
        };
        assert_eq!(
            names(&[""], &["v1"], &["pods"]),
            Some(vec!["v1/Pod".into()])
        );
        assert_eq!(
            names(&["apps"], &["v1"], &["deployments", "statefulsets/status"]),
            Some(vec![
                "apps/v1/Deployment".into(),
                "apps/v1/StatefulSet".into()
            ])
        );
        assert_eq!(
            names(&["*"], &["*"], &["horizontalpodautoscalers"]),
            Some(vec![
                "autoscaling/v1/HorizontalPodAutoscaler".into(),
                "autoscaling/v2/HorizontalPodAutoscaler".into()
            ])
        );
        // A subresource whose object is its parent adds nothing to the parent.
        assert_eq!(
            names(&[""], &["v1"], &["pods", "pods/ephemeralcontainers"]),
            Some(vec!["v1/Pod".into()])
        );
        assert_eq!(names(&["*"], &["*"], &["*"]), None);
        assert_eq!(names(&["apps"], &["v1"], &["deployments/scale"]), None);
        assert_eq!(names(&[""], &["v1"], &["pods", "widgets"]), None);
        assert_eq!(names(&["apps"], &["v1"], &["pods"]), None);
        assert_eq!(names(&[], &["v1"], &["pods"]), None);
    }

    #[test]
    fn kind_selectors_resolve_to_kinds() {
        let api = api();
        let names = |sel: &str| {
            api.kinds_of_selector(sel).map(|ks| {
                ks.iter()
                    .map(|k| format!("{}/{}", k.api_version(), k.kind))
                    .collect::<Vec<_>>()
            })
        };
        assert_eq!(names("Pod"), Some(vec!["v1/Pod".into()]));
        assert_eq!(names("v1/Pod"), Some(vec!["v1/Pod".into()]));
        assert_eq!(names("Pod/status"), Some(vec!["v1/Pod".into()]));
        assert_eq!(
            names("apps/v1/Deployment"),
            Some(vec!["apps/v1/Deployment".into()])
        );
        assert_eq!(
            names("Event"),
            Some(vec!["v1/Event".into(), "events.k8s.io/v1/Event".into()])
        );
        assert_eq!(
            names("autoscaling/v2/HorizontalPodAutoscaler").map(|v| v.len()),
            Some(1)
        );
        for unknown in [
            "*",
            "Po*",
            "Deployment/scale",
            "Widget",
            "apps/v1/Pod",
            "Scale",
            "",
        ] {
            assert_eq!(names(unknown), None, "{unknown}");
        }
    }
}
