//! `{{ }}` substitution over a whole subtree (`pkg/engine/variables/vars.go: SubstituteAll`):
//! every string leaf and every map key, whole-string templates keeping their result's type.

use super::Value;
use super::context::Context;
use crate::jmespath::template::{self, SubstError};
use crate::jmespath::value::Map;

/// Deepest subtree we walk (policies are far shallower).
const MAX_DEPTH: usize = crate::limits::MAX_SUBSTITUTION_DEPTH;

/// Substitutes every `{{ }}` in `value` against the context. Errors carry Kyverno's wording.
pub fn substitute_all(ctx: &mut Context, value: &Value) -> Result<Value, String> {
    walk(ctx, value, &mut String::new(), 0)
}

/// Substitutes `$(...)` references (against the pattern itself) and then `{{ }}`, as Kyverno
/// does for `pattern` and `anyPattern`.
pub fn substitute_pattern(ctx: &mut Context, pattern: &Value) -> Result<Value, String> {
    let resolved = super::pattern::resolve_references(pattern)?;
    substitute_all(ctx, &resolved)
}

fn walk(
    ctx: &mut Context,
    value: &Value,
    path: &mut String,
    depth: usize,
) -> Result<Value, String> {
    if depth > MAX_DEPTH {
        return Err("document too deeply nested".into());
    }
    match value {
        Value::String(s) => substitute_string(ctx, s, path),
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push('/');
                path.push_str(&i.to_string());
                out.push(walk(ctx, item, path, depth + 1)?);
                path.truncate(len);
            }
            Ok(Value::array(out))
        }
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map.iter() {
                let len = path.len();
                path.push('/');
                path.push_str(k);
                let key = if k.contains("{{") {
                    match substitute_string(ctx, k, path)? {
                        Value::String(s) => s.to_string(),
                        other => crate::jmespath::json::to_go_json(&other),
                    }
                } else {
                    k.clone()
                };
                let v = walk(ctx, v, path, depth + 1)?;
                path.truncate(len);
                out.insert(key, v);
            }
            Ok(Value::object(out))
        }
        other => Ok(other.clone()),
    }
}

/// Substitutes one string; `path` is the JSON pointer of the string in its document.
pub fn substitute_string(ctx: &mut Context, s: &str, path: &str) -> Result<Value, String> {
    if !s.contains("{{") {
        return Ok(Value::string(s));
    }
    let delete = ctx.delete;
    let path = if path.is_empty() { "/" } else { path };
    template::substitute(s, delete, &mut |expr| ctx.query(expr)).map_err(|e| match e {
        // A missing key travels up as is (`gojmespath.NotFoundError`); other errors name the
        // variable and where it is.
        SubstError::Eval { message, .. } if message.starts_with("Unknown key") => message,
        SubstError::Eval { expr, message } => {
            format!("failed to resolve {expr} at path {path}: {message}")
        }
        SubstError::TooManyPasses => {
            format!("failed to resolve variables at path {path}: too many nested substitutions")
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Env, Request};

    fn v(json: &str) -> Value {
        Value::from_json(&serde_json::from_str(json).expect("json"))
    }

    #[test]
    fn substitutes_leaves_and_keys_with_types() {
        let request = Request {
            object: v(r#"{"metadata":{"name":"web","labels":{"n":"3"}},"spec":{"replicas":2}}"#),
            ..Request::default()
        };
        let env = Env::fixed();
        let mut ctx = Context::new(&request, &env);
        let doc = v(
            r#"{"{{ request.object.metadata.name }}-key":"{{ request.object.spec.replicas }}",
                "embedded":"n={{ request.object.spec.replicas }} l={{ request.object.metadata.labels }}",
                "list":["{{ request.object.metadata.name }}", 1, true],
                "escaped":"\\{{ not evaluated }}"}"#,
        );
        let out = substitute_all(&mut ctx, &doc).unwrap();
        assert_eq!(
            crate::jmespath::json::to_go_json(&out),
            r#"{"embedded":"n=2 l={\"n\":\"3\"}","escaped":"{{ not evaluated }}","list":["web",1,true],"web-key":2}"#
        );
        let err = substitute_all(&mut ctx, &v(r#"{"a":["{{ nope }}"]}"#)).unwrap_err();
        assert_eq!(err, "Unknown key \"nope\" in path");
        let err = substitute_all(&mut ctx, &v(r#"{"a":["{{ divide(`1`, `0`) }}"]}"#)).unwrap_err();
        assert!(
            err.starts_with("failed to resolve divide(`1`, `0`) at path /a/0: "),
            "{err}"
        );
    }

    #[test]
    fn delete_requests_read_the_old_object() {
        let request = Request {
            operation: crate::engine::Operation::Delete,
            object: Value::object(Map::new()),
            old_object: v(r#"{"metadata":{"name":"gone"}}"#),
            ..Request::default()
        };
        let env = Env::fixed();
        let mut ctx = Context::new(&request, &env);
        assert_eq!(
            substitute_string(&mut ctx, "{{ request.object.metadata.name }}", ""),
            Ok(Value::from("gone"))
        );
    }
}
