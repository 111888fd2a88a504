//! CustomResourceDefinitions (`apiextensions.k8s.io/v1`) read from YAML into a definition that
//! owns its data: the kind's group, names and scope, and per served version the structural
//! schema of `openAPIV3Schema` as a tree of fields and shapes. The shells find these documents
//! in the workspace; [`super::Catalog`] turns them into kinds and object types beside the
//! built-in ones.
//!
//! A schema from a repository is untrusted: nesting and size are bounded (beyond a bound the
//! rest of the schema is free, so nothing is reported below it rather than something wrong).

use super::Scope;
use crate::limits::{MAX_CRD_SCHEMA_DEPTH, MAX_CRD_SCHEMA_NODES};
use crate::yaml::Node;

/// The cheap test a shell runs on a file's text before parsing it for definitions.
pub fn may_define(text: &str) -> bool {
    text.contains("CustomResourceDefinition")
}

/// One CustomResourceDefinition.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Definition {
    /// `widgets.example.com`, as messages name it.
    pub name: String,
    pub group: String,
    pub kind: String,
    pub plural: String,
    pub scope: Scope,
    /// The served versions, in the order written.
    pub versions: Vec<Version>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Version {
    pub name: String,
    /// None when the version has no schema, or one whose top level is free
    /// (`x-kubernetes-preserve-unknown-fields`): the kind is known, its fields are not.
    pub schema: Option<Schema>,
}

/// A node of a structural schema.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Schema {
    pub description: String,
    pub shape: SchemaShape,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SchemaShape {
    /// An object with a fixed set of fields, sorted by name.
    Object(Vec<(String, Schema)>),
    Map(Box<Schema>),
    Array(Box<Schema>),
    String,
    Integer,
    Number,
    Boolean,
    IntOrString,
    /// Anything: no type, `x-kubernetes-preserve-unknown-fields`, or past a limit.
    Any,
}

/// The definition a document holds, if it is a CustomResourceDefinition with a group, a kind
/// and a plural name.
pub fn read(root: &Node) -> Option<Definition> {
    let api_version = root.get("apiVersion")?.as_str()?;
    if api_version != "apiextensions.k8s.io/v1"
        || root.get("kind")?.as_str()? != "CustomResourceDefinition"
    {
        return None;
    }
    let spec = root.get("spec")?;
    let group = spec.get("group")?.as_str()?.to_string();
    let names = spec.get("names")?;
    let kind = names.get("kind")?.as_str()?.to_string();
    let plural = names.get("plural")?.as_str()?.to_string();
    if group.is_empty() || kind.is_empty() {
        return None;
    }
    let scope = match spec.get("scope").and_then(Node::as_str) {
        Some("Cluster") => Scope::Cluster,
        _ => Scope::Namespaced,
    };
    let mut budget = MAX_CRD_SCHEMA_NODES;
    let mut versions = Vec::new();
    for v in spec
        .get("versions")
        .and_then(Node::as_sequence)
        .unwrap_or_default()
    {
        let Some(name) = v.get("name").and_then(Node::as_str) else {
            continue;
        };
        // A version that is not served is never sent to admission.
        if v.get("served").is_some_and(|s| s.as_str() == Some("false")) {
            continue;
        }
        let schema = v
            .get("schema")
            .and_then(|s| s.get("openAPIV3Schema"))
            .map(|s| schema(s, 0, &mut budget))
            .filter(|s| matches!(s.shape, SchemaShape::Object(_)));
        versions.push(Version {
            name: name.to_string(),
            schema,
        });
    }
    Some(Definition {
        name: format!("{plural}.{group}"),
        group,
        kind,
        plural,
        scope,
        versions,
    })
}

/// The definitions of a file's documents.
pub fn read_all(text: &str) -> Vec<Definition> {
    // Larger files are not analysed either (`file-too-large`).
    if !may_define(text) || text.len() > crate::limits::MAX_FILE_BYTES {
        return Vec::new();
    }
    crate::yaml::parse(text, &crate::yaml::Limits::default())
        .iter()
        .filter_map(|d| d.root.as_ref())
        .filter_map(read)
        .collect()
}

fn is_true(node: Option<&Node>) -> bool {
    node.and_then(Node::as_str) == Some("true")
}

/// One schema node. Recursion is bounded by [`MAX_CRD_SCHEMA_DEPTH`] (below the YAML depth
/// limit, which already bounds the tree), and the nodes of one definition by
/// [`MAX_CRD_SCHEMA_NODES`].
fn schema(node: &Node, depth: usize, budget: &mut usize) -> Schema {
    let description = node
        .get("description")
        .and_then(Node::as_str)
        .unwrap_or_default()
        .to_string();
    let any = |description| Schema {
        description,
        shape: SchemaShape::Any,
    };
    if depth >= MAX_CRD_SCHEMA_DEPTH || *budget == 0 || node.as_mapping().is_none() {
        return any(description);
    }
    *budget -= 1;
    if is_true(node.get("x-kubernetes-int-or-string")) {
        return Schema {
            description,
            shape: SchemaShape::IntOrString,
        };
    }
    // Unknown fields are kept as written: nothing below can be called a typo.
    if is_true(node.get("x-kubernetes-preserve-unknown-fields")) {
        return any(description);
    }
    let shape = match node.get("type").and_then(Node::as_str) {
        Some("object") => {
            let properties = node.get("properties").and_then(Node::as_mapping);
            let additional = node.get("additionalProperties");
            match (properties, additional) {
                (Some(props), _) if !props.is_empty() => {
                    let mut fields: Vec<(String, Schema)> = Vec::new();
                    for e in props {
                        let Some(name) = e.key.as_str() else { continue };
                        if fields.iter().any(|(n, _)| n == name) {
                            continue;
                        }
                        fields.push((name.to_string(), schema(&e.value, depth + 1, budget)));
                    }
                    fields.sort_by(|a, b| a.0.cmp(&b.0));
                    SchemaShape::Object(fields)
                }
                (_, Some(a)) if a.as_mapping().is_some() => {
                    SchemaShape::Map(Box::new(schema(a, depth + 1, budget)))
                }
                (_, Some(a)) if is_true(Some(a)) => SchemaShape::Map(Box::new(any(String::new()))),
                // An object with no properties says nothing about its fields here.
                _ => SchemaShape::Any,
            }
        }
        Some("array") => match node.get("items") {
            Some(items) => SchemaShape::Array(Box::new(schema(items, depth + 1, budget))),
            None => SchemaShape::Array(Box::new(any(String::new()))),
        },
        Some("string") => SchemaShape::String,
        Some("integer") => SchemaShape::Integer,
        Some("number") => SchemaShape::Number,
        Some("boolean") => SchemaShape::Boolean,
        _ => SchemaShape::Any,
    };
    Schema { description, shape }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WIDGET: &str = r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Cluster
  versions:
  - name: v1
    served: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            description: What the widget should be.
            properties:
              size: {x-kubernetes-int-or-string: true}
              labels: {type: object, additionalProperties: {type: string}}
              parts: {type: array, items: {type: object, properties: {name: {type: string}}}}
              extra: {type: object, x-kubernetes-preserve-unknown-fields: true}
  - name: v0
    served: false
"#;

    #[test]
    fn a_definition_reads_into_kinds_and_shapes() {
        let defs = read_all(WIDGET);
        assert_eq!(defs.len(), 1);
        let d = &defs[0];
        assert_eq!(
            (d.name.as_str(), d.group.as_str(), d.kind.as_str(), d.scope),
            (
                "widgets.example.com",
                "example.com",
                "Widget",
                Scope::Cluster
            )
        );
        assert_eq!(d.versions.len(), 1, "v0 is not served");
        let Some(SchemaShape::Object(root)) = d.versions[0].schema.as_ref().map(|s| &s.shape)
        else {
            panic!("an object schema")
        };
        let spec = &root[0].1;
        assert_eq!(spec.description, "What the widget should be.");
        let SchemaShape::Object(fields) = &spec.shape else {
            panic!("spec is an object")
        };
        let shape = |n: &str| &fields.iter().find(|f| f.0 == n).unwrap().1.shape;
        assert_eq!(shape("size"), &SchemaShape::IntOrString);
        assert_eq!(shape("extra"), &SchemaShape::Any);
        assert!(matches!(shape("labels"), SchemaShape::Map(_)));
        assert!(matches!(shape("parts"), SchemaShape::Array(_)));
    }

    #[test]
    fn deep_schemas_stop_at_the_limit() {
        let mut text = String::from(
            "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nspec:\n  group: g.io\n  names: {kind: Deep, plural: deeps}\n  versions:\n  - name: v1\n    schema:\n      openAPIV3Schema: ",
        );
        // Flow style: one line, far deeper than the schema limit but within YAML's.
        for _ in 0..55 {
            text.push_str("{type: object, properties: {a: ");
        }
        text.push_str("{type: string}");
        for _ in 0..55 {
            text.push_str("}}");
        }
        text.push('\n');
        let defs = read_all(&text);
        assert_eq!(defs.len(), 1);
        let mut depth = 0;
        let mut node = defs[0].versions[0].schema.as_ref().unwrap();
        while let SchemaShape::Object(f) = &node.shape {
            node = &f[0].1;
            depth += 1;
        }
        assert_eq!(depth, MAX_CRD_SCHEMA_DEPTH);
        assert_eq!(node.shape, SchemaShape::Any);
    }

    #[test]
    fn other_documents_are_no_definitions() {
        assert!(read_all("apiVersion: v1\nkind: Pod\n").is_empty());
        assert!(
            read_all(
                "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nspec: {}\n"
            )
            .is_empty()
        );
    }
}
