//! The policy JSON Schemas, compiled once into a graph that the checks, hover and completion
//! walk together with the YAML tree. Only the subset of JSON Schema that `policy` generates is
//! understood: `$ref`, `type`, `properties`, `additionalProperties`, `required`, `items`,
//! `enum`, `default`, `maxLength`, `minLength`, `minItems`, `minimum`, `oneOf` of `required` lists (with the message of
//! the CRD rule it mirrors, from `x-kubernetes-validations`) and `not required`.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::Value;

use crate::policy::{ApiVersion, PolicyKind, json_schema};

pub type SchemaId = usize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    Object,
    Array,
    String,
    Integer,
    Number,
    Boolean,
}

impl Ty {
    pub fn name(self) -> &'static str {
        match self {
            Ty::Object => "object",
            Ty::Array => "array",
            Ty::String => "string",
            Ty::Integer => "integer",
            Ty::Number => "number",
            Ty::Boolean => "boolean",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Additional {
    /// Unknown keys are errors.
    Forbidden,
    /// Unknown keys are accepted as they are.
    Any,
    /// Every key is accepted; values follow this schema (string maps such as labels).
    Schema(SchemaId),
}

#[derive(Debug, Clone)]
pub struct SchemaNode {
    /// None: any value (a free-form subtree).
    pub ty: Option<Ty>,
    /// The `$defs` name this node came from, e.g. `Rule`.
    pub def_name: Option<String>,
    pub description: Option<String>,
    pub properties: Vec<(String, SchemaId)>,
    pub required: Vec<String>,
    pub additional: Additional,
    pub items: Option<SchemaId>,
    pub enum_values: Option<Vec<String>>,
    pub default: Option<Value>,
    pub max_length: Option<u64>,
    pub min_length: Option<u64>,
    pub min_items: Option<u64>,
    pub minimum: Option<f64>,
    /// Exactly one of these fields must be present.
    pub exactly_one_of: Vec<String>,
    /// The message of the CRD's CEL rule (`x-kubernetes-validations`) that `exactly_one_of`
    /// mirrors, which the API server reports when it fails.
    pub one_of_message: Option<String>,
    /// These fields may not all be present together.
    pub not_together: Vec<Vec<String>>,
}

impl SchemaNode {
    fn any() -> Self {
        SchemaNode {
            ty: None,
            def_name: None,
            description: None,
            properties: Vec::new(),
            required: Vec::new(),
            additional: Additional::Any,
            items: None,
            enum_values: None,
            default: None,
            max_length: None,
            min_length: None,
            min_items: None,
            minimum: None,
            exactly_one_of: Vec::new(),
            one_of_message: None,
            not_together: Vec::new(),
        }
    }

    pub fn property(&self, name: &str) -> Option<SchemaId> {
        self.properties
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, id)| *id)
    }

    /// Whether any value is accepted here (no type, no properties).
    pub fn is_free_form(&self) -> bool {
        self.ty.is_none() && self.properties.is_empty()
    }

    /// A short description of the expected value, e.g. `string`, `Rule object`, `list`.
    pub fn type_label(&self) -> String {
        match (self.ty, &self.def_name) {
            (Some(Ty::Object), Some(def)) => format!("{def} object"),
            (Some(Ty::Object), None) if matches!(self.additional, Additional::Schema(_)) => {
                "map".into()
            }
            (Some(Ty::Array), _) => "list".into(),
            (Some(t), _) => t.name().into(),
            (None, _) => "any value".into(),
        }
    }
}

/// Every policy schema (each kind in each served version) in one arena.
pub struct Schemas {
    pub nodes: Vec<SchemaNode>,
    roots: HashMap<(PolicyKind, ApiVersion), SchemaId>,
}

impl Schemas {
    pub fn get() -> &'static Schemas {
        static SCHEMAS: OnceLock<Schemas> = OnceLock::new();
        SCHEMAS.get_or_init(Schemas::build)
    }

    /// The root of a kind's schema in one version; None when Kyverno does not serve the kind
    /// in that version.
    pub fn root(&self, kind: PolicyKind, version: ApiVersion) -> Option<SchemaId> {
        self.roots.get(&(kind, version)).copied()
    }

    pub fn node(&self, id: SchemaId) -> &SchemaNode {
        &self.nodes[id]
    }

    fn build() -> Schemas {
        let mut s = Schemas {
            nodes: Vec::new(),
            roots: HashMap::new(),
        };
        for (kind, version) in PolicyKind::all_served() {
            let Some(schema) = json_schema(kind, version) else {
                continue;
            };
            let mut c = Compiler {
                defs: &schema["$defs"],
                by_def: HashMap::new(),
                out: &mut s.nodes,
            };
            let root = c.compile(&schema, None);
            s.roots.insert((kind, version), root);
        }
        s
    }
}

struct Compiler<'a> {
    defs: &'a Value,
    by_def: HashMap<String, SchemaId>,
    out: &'a mut Vec<SchemaNode>,
}

impl Compiler<'_> {
    fn compile(&mut self, v: &Value, def_name: Option<&str>) -> SchemaId {
        if let Some(r) = v.get("$ref").and_then(Value::as_str) {
            let name = r.trim_start_matches("#/$defs/");
            let target = self.compile_def(name);
            // A property's own description beats the referenced type's.
            if let Some(desc) = v.get("description").and_then(Value::as_str) {
                let mut node = self.out[target].clone();
                node.description = Some(desc.to_string());
                if let Some(d) = v.get("default") {
                    node.default = Some(d.clone());
                }
                self.out.push(node);
                return self.out.len() - 1;
            }
            return target;
        }
        let id = self.out.len();
        self.out.push(SchemaNode::any());
        let mut node = SchemaNode::any();
        node.def_name = def_name.map(str::to_string);
        node.description = v
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_string);
        node.ty = match v.get("type").and_then(Value::as_str) {
            Some("object") => Some(Ty::Object),
            Some("array") => Some(Ty::Array),
            Some("string") => Some(Ty::String),
            Some("integer") => Some(Ty::Integer),
            Some("number") => Some(Ty::Number),
            Some("boolean") => Some(Ty::Boolean),
            _ => None,
        };
        if let Some(props) = v.get("properties").and_then(Value::as_object) {
            for (name, p) in props {
                let pid = self.compile(p, None);
                node.properties.push((name.clone(), pid));
            }
        }
        node.required = strings(v.get("required"));
        node.additional = match v.get("additionalProperties") {
            Some(Value::Bool(false)) => Additional::Forbidden,
            Some(a @ Value::Object(_)) => Additional::Schema(self.compile(a, None)),
            _ => Additional::Any,
        };
        if let Some(items) = v.get("items") {
            node.items = Some(self.compile(items, None));
        }
        if let Some(e) = v.get("enum").and_then(Value::as_array) {
            node.enum_values = Some(
                e.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
            );
        }
        node.default = v.get("default").cloned();
        node.max_length = v.get("maxLength").and_then(Value::as_u64);
        node.min_length = v.get("minLength").and_then(Value::as_u64);
        node.min_items = v.get("minItems").and_then(Value::as_u64);
        node.minimum = v.get("minimum").and_then(Value::as_f64);
        if let Some(one_of) = v.get("oneOf").and_then(Value::as_array) {
            node.exactly_one_of = one_of
                .iter()
                .flat_map(|o| strings(o.get("required")))
                .collect();
        }
        // Only a lone rule can be the one `oneOf` mirrors.
        if let Some([rule]) = v
            .get("x-kubernetes-validations")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
        {
            if !node.exactly_one_of.is_empty() {
                node.one_of_message = rule
                    .get("message")
                    .and_then(Value::as_str)
                    .map(str::to_string);
            }
        }
        if let Some(not) = v.get("not") {
            let fields = strings(not.get("required"));
            if !fields.is_empty() {
                node.not_together.push(fields);
            }
        }
        self.out[id] = node;
        id
    }

    fn compile_def(&mut self, name: &str) -> SchemaId {
        if let Some(&id) = self.by_def.get(name) {
            return id;
        }
        // Reserve the id first so recursive types terminate.
        let id = self.out.len();
        self.out.push(SchemaNode::any());
        self.by_def.insert(name.to_string(), id);
        let def = self.defs.get(name).cloned().unwrap_or(Value::Bool(true));
        let compiled = self.compile(&def, Some(name));
        self.out[id] = self.out[compiled].clone();
        id
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}
