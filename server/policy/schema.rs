//! JSON Schema generation from the policy structs.

use schemars::generate::SchemaSettings;
use schemars::transform::{Transform, transform_subschemas};
use schemars::{JsonSchema, Schema};
use serde_json::{Map, Value};

/// Generates the draft 2020-12 schema of `T`, with `$defs` for the shared structs.
///
/// schemars renders every `Option<T>` as "T or null"; [`Tidy`] removes the null again (a YAML
/// `null` is treated like an absent key, as the API server prunes nulls) and joins the
/// hard-wrapped lines of doc comments.
pub(crate) fn generate<T: JsonSchema>() -> Value {
    let mut schema = SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<T>();
    Tidy.transform(&mut schema);
    schema.to_value()
}

/// Post-processing applied to every (sub)schema; see [`generate`].
struct Tidy;

impl Transform for Tidy {
    fn transform(&mut self, schema: &mut Schema) {
        if let Some(obj) = schema.as_object_mut() {
            strip_null(obj);
            if let Some(Value::String(desc)) = obj.get_mut("description") {
                *desc = unwrap_lines(desc);
            }
        }
        if let Some(merged) = collapse_nullable_any_of(schema) {
            *schema = merged;
        }
        transform_subschemas(self, schema);
    }
}

/// `"type": ["string", "null"]` -> `"type": "string"`; drops `null` from `enum`.
fn strip_null(obj: &mut Map<String, Value>) {
    if let Some(Value::Array(types)) = obj.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types.remove(0);
            obj.insert("type".into(), only);
        }
    }
    if let Some(Value::Array(values)) = obj.get_mut("enum") {
        values.retain(|v| !v.is_null());
    }
}

/// `{"anyOf": [S, {"type": "null"}], ...rest}` -> `S` merged with `rest`.
fn collapse_nullable_any_of(schema: &Schema) -> Option<Schema> {
    let obj = schema.as_object()?;
    let Some(Value::Array(any_of)) = obj.get("anyOf") else {
        return None;
    };
    let is_null = |v: &Value| v.get("type").is_some_and(|t| t == "null");
    if any_of.len() != 2 || !any_of.iter().any(is_null) {
        return None;
    }
    let inner = any_of.iter().find(|v| !is_null(v))?;
    let mut merged = match inner {
        Value::Object(inner) => inner.clone(),
        Value::Bool(true) => Map::new(),
        _ => return None,
    };
    for (k, v) in obj.iter().filter(|(k, _)| *k != "anyOf") {
        merged.insert(k.clone(), v.clone());
    }
    Some(Schema::from(merged))
}

/// Joins the hard-wrapped lines of a doc comment into one line per paragraph.
fn unwrap_lines(text: &str) -> String {
    text.split("\n\n")
        .map(|para| {
            para.split('\n')
                .map(str::trim)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}
