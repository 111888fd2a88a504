//! The kinds a policy can name: Kubernetes' built-in API, plus those the workspace's
//! CustomResourceDefinitions define. The checks and the editor ask a catalog rather than the
//! built-in index, so that a custom resource's fields are checked as a Pod's are.
//!
//! The custom kinds' object types are numbered after the built-in ones, so that a
//! [`TypeRef`] and a [`Shape`] mean the same thing in either part.

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use super::crd::{Definition, Schema, SchemaShape};
use super::{Api, Field, Kind, Shape, Text, TypeDef, TypeRef, api, escape};
use crate::limits::MAX_CRD_DEFINITIONS;

/// Built-in kinds and the custom kinds of some definitions.
#[derive(Debug, Default)]
pub struct Catalog {
    definitions: Vec<Arc<Definition>>,
    /// The custom kinds and their object types (numbered from the built-in count).
    custom: Api,
    /// Every custom kind name, sorted, those without a usable schema included.
    names: Vec<String>,
    /// The versions of custom kinds whose fields are not known (no schema, or a free one).
    schemaless: Vec<Kind>,
    fingerprint: u64,
}

/// Catalogs of the same definitions are the same.
impl PartialEq for Catalog {
    fn eq(&self, other: &Catalog) -> bool {
        self.definitions == other.definitions
    }
}

impl Eq for Catalog {}

impl Catalog {
    /// The built-in kinds alone.
    pub fn builtin() -> Arc<Catalog> {
        static EMPTY: OnceLock<Arc<Catalog>> = OnceLock::new();
        EMPTY.get_or_init(|| Arc::new(Catalog::default())).clone()
    }

    /// The built-in kinds and those of `definitions` (the first definition of a group and
    /// kind wins; past [`MAX_CRD_DEFINITIONS`], the rest are left out).
    pub fn new(definitions: Vec<Arc<Definition>>) -> Catalog {
        use std::hash::{Hash, Hasher};
        let mut kept: Vec<Arc<Definition>> = Vec::new();
        for d in definitions {
            if kept.len() >= MAX_CRD_DEFINITIONS {
                break;
            }
            if !kept.iter().any(|k| k.group == d.group && k.kind == d.kind) {
                kept.push(d);
            }
        }
        let base = api();
        let object_meta = base
            .types
            .iter()
            .position(|t| t.name == "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")
            .map(|i| TypeRef(i as u32));
        let mut flat = Flattener {
            offset: base.types.len(),
            types: Vec::new(),
        };
        let mut kinds = Vec::new();
        let mut schemaless = Vec::new();
        let mut names: Vec<String> = Vec::new();
        let mut hasher = std::hash::DefaultHasher::new();
        for d in &kept {
            d.hash(&mut hasher);
            names.push(d.kind.clone());
            for v in &d.versions {
                let kind = |ty| Kind {
                    group: d.group.clone().into(),
                    version: v.name.clone().into(),
                    kind: d.kind.clone().into(),
                    plural: d.plural.clone().into(),
                    scope: d.scope,
                    ty,
                };
                let prefix = format!("{}.{}.", d.group, v.name);
                let root = match v.schema.as_ref().map(|s| flat.shape(s, &prefix, &d.kind)) {
                    Some(Shape::Object(root)) => root,
                    _ => {
                        schemaless.push(kind(TypeRef(u32::MAX)));
                        continue;
                    }
                };
                // Every object has these, whatever its schema says; metadata is the API's.
                let local = root.0 as usize - flat.offset;
                let fields = &mut flat.types[local].fields;
                let mut add = |name: &'static str, shape: Shape, description: &'static str| {
                    fields.retain(|f| f.name != name);
                    fields.push(Field {
                        name: Cow::Borrowed(name),
                        shape,
                        description: Cow::Borrowed(description),
                    });
                };
                add(
                    "apiVersion",
                    Shape::String,
                    "The group and version of the resource.",
                );
                add("kind", Shape::String, "The kind of the resource.");
                if let Some(meta) = object_meta {
                    add(
                        "metadata",
                        Shape::Object(meta),
                        "Standard object's metadata.",
                    );
                }
                fields.sort_by(|a, b| a.name.cmp(&b.name));
                kinds.push(kind(root));
            }
        }
        names.sort();
        names.dedup();
        // The built-in catalog's, when there is nothing else: the same memo entries.
        let fingerprint = if kept.is_empty() { 0 } else { hasher.finish() };
        Catalog {
            definitions: kept,
            custom: Api {
                kinds,
                types: flat.types,
            },
            names,
            schemaless,
            fingerprint,
        }
    }

    /// This catalog with `file`'s definitions in place of any of the same group and kind: a
    /// file's own text is newer than what the workspace read of it.
    pub fn with_definitions(&self, file: Vec<Definition>) -> Catalog {
        let mut all: Vec<Arc<Definition>> = file.into_iter().map(Arc::new).collect();
        all.extend(self.definitions.iter().cloned());
        Catalog::new(all)
    }

    pub fn definitions(&self) -> &[Arc<Definition>] {
        &self.definitions
    }

    /// Identifies the definitions (equal definitions, equal fingerprints), for memos.
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    pub fn ty(&self, r: TypeRef) -> &TypeDef {
        let base = api();
        match (r.0 as usize).checked_sub(base.types.len()) {
            None => base.ty(r),
            Some(i) => &self.custom.types[i],
        }
    }

    /// Whether a kind comes from a CustomResourceDefinition.
    pub fn is_custom(&self, kind: &Kind) -> bool {
        kind.ty.0 as usize >= api().types.len()
    }

    /// Whether some definition defines a kind of this name.
    pub fn defines(&self, kind: &str) -> bool {
        self.names
            .binary_search_by(|n| n.as_str().cmp(kind))
            .is_ok()
    }

    /// The custom kind names.
    pub fn custom_names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(String::as_str)
    }

    /// The kind of a group, version and kind name.
    pub fn kind(&self, group: &str, version: &str, kind: &str) -> Option<&Kind> {
        api().kind(group, version, kind).or_else(|| {
            self.custom
                .kinds
                .iter()
                .find(|k| k.group == group && k.version == version && k.kind == kind)
        })
    }

    /// [`Api::kinds_of_selector`], custom kinds included (`Widget`, `example.com/v1/Widget`);
    /// None too when the selector names a custom kind's version whose fields are not known.
    pub fn kinds_of_selector(&self, selector: &str) -> Option<Vec<&Kind>> {
        if !Self::select(&self.schemaless, selector).is_empty() {
            return None;
        }
        let mut found = api().kinds_of_selector(selector).unwrap_or_default();
        found.extend(Self::select(&self.custom.kinds, selector));
        (!found.is_empty()).then_some(found)
    }

    /// [`Api::kinds_of_rule`], custom kinds included (`resources: [widgets]`): the kinds an
    /// admission `resourceRules` entry can send as `object`, or `None` when one of its
    /// resources may be something we do not know (a `*`, a plural neither part has, a custom
    /// kind's version whose fields are not known, a subresource whose object is another kind).
    pub fn kinds_of_rule(
        &self,
        groups: &[&str],
        versions: &[&str],
        resources: &[&str],
    ) -> Option<Vec<&Kind>> {
        let selects = |k: &Kind, plural: &str| {
            k.plural == plural
                && groups.iter().any(|g| *g == "*" || *g == k.group)
                && versions.iter().any(|v| *v == "*" || *v == k.version)
        };
        let mut out: Vec<&Kind> = Vec::new();
        for resource in resources {
            let mut found = api()
                .kinds_of_rule(groups, versions, std::slice::from_ref(resource))
                .unwrap_or_default();
            let (plural, sub) = resource.split_once('/').unwrap_or((resource, ""));
            // Only the status subresource sends a custom resource itself.
            if matches!(sub, "" | "status") {
                if self.schemaless.iter().any(|k| selects(k, plural)) {
                    return None;
                }
                found.extend(self.custom.kinds.iter().filter(|k| selects(k, plural)));
            }
            if found.is_empty() {
                return None;
            }
            for k in found {
                if !out.contains(&k) {
                    out.push(k);
                }
            }
        }
        (!out.is_empty()).then_some(out)
    }

    /// The kinds among `kinds` that a `match` kind selects; a group may have dots here.
    fn select<'a>(kinds: &'a [Kind], selector: &str) -> Vec<&'a Kind> {
        if kinds.is_empty() || selector.contains(['*', '?']) {
            return Vec::new();
        }
        let mut parts: Vec<&str> = selector.split('/').collect();
        if parts.len() > 1
            && parts
                .last()
                .is_some_and(|p| p.starts_with(|c: char| c.is_ascii_lowercase()))
            && parts.pop() != Some("status")
        {
            return Vec::new();
        }
        let (group, version, kind) = match parts.as_slice() {
            [kind] => (None, None, *kind),
            [version, kind] => (None, Some(*version), *kind),
            [group, version, kind] => (Some(*group), Some(*version), *kind),
            _ => return Vec::new(),
        };
        kinds
            .iter()
            .filter(|k| {
                k.kind == kind
                    && group.is_none_or(|g| g == k.group)
                    && version.is_none_or(|v| v == k.version)
            })
            .collect()
    }

    /// What messages say the kinds come from: `Kubernetes 1.37`, `CRD widgets.example.com`, or
    /// both.
    pub fn source_of<'a>(&self, kinds: impl IntoIterator<Item = &'a Kind>) -> String {
        let mut builtin = false;
        let mut crds: Vec<&str> = Vec::new();
        for k in kinds {
            if !self.is_custom(k) {
                builtin = true;
                continue;
            }
            if let Some(d) = self
                .definitions
                .iter()
                .find(|d| d.group == k.group && d.kind == k.kind)
                && !crds.contains(&d.name.as_str())
            {
                crds.push(&d.name);
            }
        }
        let mut parts = Vec::new();
        if builtin || crds.is_empty() {
            parts.push(format!("Kubernetes {}", super::KUBERNETES_VERSION));
        }
        if !crds.is_empty() {
            parts.push(format!("CRD {}", crds.join(", ")));
        }
        parts.join(" and ")
    }

    /// [`Shape::describe`] for a shape of either part.
    pub fn describe(&self, shape: &Shape) -> String {
        match shape {
            Shape::Object(t) => {
                let name = &self.ty(*t).name;
                name.rsplit('.').next().unwrap_or(name).to_string()
            }
            Shape::Map(v) => format!("map[string]{}", self.describe(v)),
            Shape::Array(v) => format!("[]{}", self.describe(v)),
            other => other.describe(),
        }
    }
}

/// Turns schema trees into object types numbered from `offset`.
struct Flattener {
    offset: usize,
    types: Vec<TypeDef>,
}

impl Flattener {
    /// The shape of `schema`, adding its object types; `name` is the type name it gets if it
    /// is an object (`Widget`, `WidgetSpec`). The schema's depth is bounded when it is read.
    fn shape(&mut self, schema: &Schema, prefix: &str, name: &str) -> Shape {
        match &schema.shape {
            SchemaShape::Object(props) => {
                let at = self.types.len();
                self.types.push(TypeDef {
                    name: Text::Owned(format!("{prefix}{name}")),
                    description: Text::Owned(escape(&schema.description)),
                    fields: Vec::new(),
                });
                let mut fields = Vec::new();
                for (field, sub) in props {
                    let shape = self.shape(sub, prefix, &format!("{name}{}", camel(field)));
                    fields.push(Field {
                        name: Text::Owned(field.clone()),
                        shape,
                        description: Text::Owned(escape(&sub.description)),
                    });
                }
                self.types[at].fields = fields;
                Shape::Object(TypeRef((self.offset + at) as u32))
            }
            SchemaShape::Map(v) => Shape::Map(Box::new(self.shape(v, prefix, name))),
            SchemaShape::Array(v) => Shape::Array(Box::new(self.shape(v, prefix, name))),
            SchemaShape::String => Shape::String,
            SchemaShape::Integer => Shape::Integer,
            SchemaShape::Number => Shape::Number,
            SchemaShape::Boolean => Shape::Boolean,
            SchemaShape::IntOrString => Shape::IntOrString,
            SchemaShape::Any => Shape::Any,
        }
    }
}

/// A field name as part of a type name: `spec` → `Spec`, `tls-config` → `TlsConfig`.
fn camel(field: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in field.chars() {
        if !c.is_alphanumeric() {
            upper = true;
            continue;
        }
        if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn widget() -> Catalog {
        let text = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nspec:\n  group: example.com\n  names: {kind: Widget, plural: widgets}\n  scope: Namespaced\n  versions:\n  - name: v1\n    schema:\n      openAPIV3Schema:\n        type: object\n        properties:\n          spec:\n            type: object\n            properties:\n              replicas: {type: integer, description: How many.}\n              ports: {type: array, items: {type: object, properties: {port: {type: integer}}}}\n";
        Catalog::new(
            super::super::crd::read_all(text)
                .into_iter()
                .map(Arc::new)
                .collect(),
        )
    }

    #[test]
    fn custom_kinds_resolve_beside_builtin_ones() {
        let c = widget();
        let names = |sel: &str| {
            c.kinds_of_selector(sel).map(|ks| {
                ks.iter()
                    .map(|k| format!("{}/{}", k.api_version(), k.kind))
                    .collect::<Vec<_>>()
            })
        };
        assert_eq!(names("Widget"), Some(vec!["example.com/v1/Widget".into()]));
        assert_eq!(
            names("example.com/v1/Widget"),
            Some(vec!["example.com/v1/Widget".into()])
        );
        assert_eq!(names("Widget/status"), names("Widget"));
        assert_eq!(names("Pod"), Some(vec!["v1/Pod".into()]));
        assert_eq!(names("other.com/v1/Widget"), None);
        assert_eq!(names("Widget/scale"), None);
        assert!(c.defines("Widget") && !c.defines("Gadget"));
        let k = c.kind("example.com", "v1", "Widget").unwrap();
        assert!(c.is_custom(k));
        assert_eq!(c.source_of([k]), "CRD widgets.example.com");
        let root = c.ty(k.ty);
        assert_eq!(c.describe(&Shape::Object(k.ty)), "Widget");
        let spec = root.field("spec").unwrap();
        assert_eq!(c.describe(&spec.shape), "WidgetSpec");
        let Shape::Object(spec) = spec.shape else {
            panic!()
        };
        let replicas = c.ty(spec).field("replicas").unwrap();
        assert_eq!(replicas.shape, Shape::Integer);
        assert_eq!(replicas.description(), "How many.");
        assert_eq!(
            c.describe(&c.ty(spec).field("ports").unwrap().shape),
            "[]WidgetSpecPorts"
        );
        // Metadata is the API's, whatever the schema says.
        assert_eq!(
            c.describe(&root.field("metadata").unwrap().shape),
            "ObjectMeta"
        );
        assert_eq!(widget().fingerprint(), c.fingerprint());
        // A version without a schema says nothing about fields: a selector that may name it
        // turns the checks off; one that names the other version does not.
        let free = c.with_definitions(
            super::super::crd::read_all(
                "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nspec:\n  group: example.com\n  names: {kind: Widget, plural: widgets}\n  versions:\n  - name: v2\n  - name: v1\n    schema:\n      openAPIV3Schema: {type: object, properties: {spec: {type: object, properties: {a: {type: string}}}}}\n",
            ),
        );
        assert!(free.kinds_of_selector("Widget").is_none());
        assert!(free.kinds_of_selector("example.com/v2/Widget").is_none());
        assert_eq!(
            free.kinds_of_selector("example.com/v1/Widget")
                .map(|k| k.len()),
            Some(1)
        );
        assert_ne!(Catalog::builtin().fingerprint(), c.fingerprint());
    }

    #[test]
    fn resource_rules_name_custom_kinds_by_plural() {
        let c = widget();
        let names = |c: &Catalog, groups: &[&str], versions: &[&str], resources: &[&str]| {
            c.kinds_of_rule(groups, versions, resources).map(|ks| {
                ks.iter()
                    .map(|k| format!("{}/{}", k.api_version(), k.kind))
                    .collect::<Vec<_>>()
            })
        };
        assert_eq!(
            names(&c, &["example.com"], &["v1"], &["widgets"]),
            Some(vec!["example.com/v1/Widget".into()])
        );
        // Built-in and custom resources together; `status` sends the object itself.
        assert_eq!(
            names(&c, &["*"], &["*"], &["pods", "widgets/status"]),
            Some(vec!["v1/Pod".into(), "example.com/v1/Widget".into()])
        );
        // Another group or version, another subresource, a plural nobody defines: unknown.
        assert_eq!(names(&c, &["other.com"], &["v1"], &["widgets"]), None);
        assert_eq!(names(&c, &["example.com"], &["v2"], &["widgets"]), None);
        assert_eq!(
            names(&c, &["example.com"], &["v1"], &["widgets/scale"]),
            None
        );
        assert_eq!(names(&c, &["*"], &["*"], &["widgets", "gadgets"]), None);
        assert_eq!(
            names(&Catalog::builtin(), &["*"], &["*"], &["widgets"]),
            None
        );
        // A served version without a schema may be what `*` selects: nothing is known.
        let free = c.with_definitions(super::super::crd::read_all(
            "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nspec:\n  group: example.com\n  names: {kind: Widget, plural: widgets}\n  versions:\n  - name: v2\n  - name: v1\n    schema:\n      openAPIV3Schema: {type: object, properties: {spec: {type: object, properties: {a: {type: string}}}}}\n",
        ));
        assert_eq!(names(&free, &["example.com"], &["*"], &["widgets"]), None);
        assert_eq!(
            names(&free, &["example.com"], &["v1"], &["widgets"]),
            Some(vec!["example.com/v1/Widget".into()])
        );
    }
}
