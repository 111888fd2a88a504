//! The `template` form of a GeneratingPolicy's `generate` entry: YAML documents, one object
//! each. With `interpolate: cel`, a scalar may hold `(( expression ))` placeholders: one that
//! is the whole scalar puts the expression's value there, whatever its type; placeholders
//! inside a longer string must give scalars, which are written into it. `\((` writes a
//! literal `((`. Without interpolation (`none`, the default) the YAML is taken as written.
//!
//! Kyverno reads templates with a YAML 1.2 reader: a plain `yes`, `no`, `on` or `y` is a
//! string there, and stays one here. Other YAML 1.1 readings of our reader (sexagesimal
//! numbers such as `1:20`) are not undone.

use std::sync::Arc;

use super::vpol;
use crate::cel::{self, Program};
use crate::engine::Value;
use crate::yaml::{Node, NodeKind, Resolved, ScalarStyle};

/// A template, checked and with its placeholders parsed.
#[derive(Debug)]
pub struct Template {
    docs: Vec<Piece>,
}

#[derive(Debug)]
enum Piece {
    /// A part with no placeholder, as written.
    Literal(Value),
    Map(Vec<(String, Piece)>),
    List(Vec<Piece>),
    /// A scalar that is one placeholder: the expression's value, of any type.
    Whole(String, Arc<Program>),
    /// A scalar mixing text and placeholders: a string.
    Mixed(Vec<Segment>),
}

#[derive(Debug)]
enum Segment {
    Text(String),
    Placeholder(String, Arc<Program>),
}

/// Splits a scalar into text and placeholder expressions (trimmed). The end of a placeholder
/// is the first `))` outside parentheses and string literals, so `(( f(x) ))` and
/// `(( '))' + y ))` read as one would expect.
fn scan(s: &str) -> Result<Vec<(bool, String)>, String> {
    let bytes = s.as_bytes();
    let mut out: Vec<(bool, String)> = Vec::new();
    let mut text = String::new();
    let mut i = 0;
    while i < bytes.len() {
        if s[i..].starts_with("\\((") {
            text.push_str("((");
            i += 3;
            continue;
        }
        if s[i..].starts_with("((") {
            let (expr, next) = placeholder(s, i)?;
            if !text.is_empty() {
                out.push((false, std::mem::take(&mut text)));
            }
            out.push((true, expr));
            i = next;
            continue;
        }
        // Whole characters: the text stays valid UTF-8.
        let c = s[i..].chars().next().unwrap_or('\0');
        text.push(c);
        i += c.len_utf8().max(1);
    }
    if !text.is_empty() {
        out.push((false, text));
    }
    Ok(out)
}

/// The placeholder opening at `start`: its expression and the offset after its `))`.
fn placeholder(s: &str, start: usize) -> Result<(String, usize), String> {
    let bytes = s.as_bytes();
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    let mut i = start + 2;
    while i < bytes.len() {
        let c = bytes[i];
        if let Some(q) = quote {
            if c == b'\\' {
                i += 2;
                continue;
            }
            if c == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        match c {
            b'"' | b'\'' => quote = Some(c),
            b'(' => depth += 1,
            b')' if depth > 0 => depth -= 1,
            b')' if bytes.get(i + 1) == Some(&b')') => {
                let expr = s[start + 2..i].trim();
                if expr.is_empty() {
                    return Err(format!("the placeholder at offset {start} is empty"));
                }
                return Ok((expr.to_string(), i + 2));
            }
            b')' => {
                return Err(format!(
                    "the placeholder at offset {start} closes a parenthesis it never opened"
                ));
            }
            _ => {}
        }
        i += 1;
    }
    Err(if quote.is_some() {
        format!("the placeholder at offset {start} has an unterminated string")
    } else {
        format!("the placeholder at offset {start} has no closing `))`")
    })
}

/// Whether `s` holds a `((` that is not escaped.
fn has_placeholder(s: &str) -> bool {
    let mut rest = s;
    while let Some(i) = rest.find("((") {
        if !rest[..i].ends_with('\\') {
            return true;
        }
        rest = &rest[i + 2..];
    }
    false
}

/// Whether anything below `node` needs evaluating or unescaping.
fn needs_work(node: &Node) -> bool {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        match &n.kind {
            NodeKind::Scalar(s) if s.text.contains("((") => return true,
            NodeKind::Scalar(_) => {}
            NodeKind::Mapping(entries) => {
                stack.extend(entries.iter().flat_map(|e| [&e.key, &e.value]))
            }
            NodeKind::Sequence(items) => stack.extend(items),
        }
    }
    false
}

/// A plain scalar's value as Kyverno's YAML 1.2 reader decodes it: the words only YAML 1.1
/// takes for booleans (`y`, `no`, `on`, ...) stay strings.
fn scalar(node: &Node) -> Value {
    match &node.kind {
        NodeKind::Scalar(s)
            if s.style == ScalarStyle::Plain
                && matches!(s.value, Resolved::Bool(_))
                && crate::yaml::yaml11_only_bool(&s.text).is_some() =>
        {
            Value::from(s.text.as_str())
        }
        _ => Value::from_json(&node.to_json()),
    }
}

fn key(node: &Node) -> String {
    match scalar(node) {
        Value::String(s) => s.to_string(),
        _ => node.key_string(),
    }
}

/// `node` as a value, read as YAML 1.2. Recursion is bounded by the YAML reader's depth
/// limit.
fn literal(node: &Node) -> Value {
    match &node.kind {
        NodeKind::Scalar(_) => scalar(node),
        NodeKind::Sequence(items) => Value::array(items.iter().map(literal).collect()),
        NodeKind::Mapping(entries) => Value::object(
            entries
                .iter()
                .map(|e| (key(&e.key), literal(&e.value)))
                .collect(),
        ),
    }
}

/// The line (1-based) of `node` in `text`, for messages.
fn line(text: &str, node: &Node) -> usize {
    text.get(..node.span.start)
        .map_or(1, |before| before.matches('\n').count() + 1)
}

fn compile_node(node: &Node, text: &str) -> Result<Piece, String> {
    if !needs_work(node) {
        return Ok(Piece::Literal(literal(node)));
    }
    match &node.kind {
        NodeKind::Mapping(entries) => {
            let mut out = Vec::with_capacity(entries.len());
            for e in entries {
                let key = key(&e.key);
                if has_placeholder(&key) {
                    return Err(format!(
                        "line {}: a key cannot hold a placeholder; put one placeholder on the value of the key above instead (for example `labels: (( variables.labels ))`)",
                        line(text, &e.key)
                    ));
                }
                out.push((key, compile_node(&e.value, text)?));
            }
            Ok(Piece::Map(out))
        }
        NodeKind::Sequence(items) => Ok(Piece::List(
            items
                .iter()
                .map(|i| compile_node(i, text))
                .collect::<Result<_, _>>()?,
        )),
        NodeKind::Scalar(s) => {
            let at = line(text, node);
            let parts = scan(&s.text).map_err(|e| format!("line {at}: {e}"))?;
            let parse = |expr: &str| {
                vpol::parsed(expr).map_err(|errors| {
                    let detail: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
                    format!(
                        "line {at}: the placeholder (( {expr} )) does not compile: {}",
                        detail.join("; ")
                    )
                })
            };
            match parts.as_slice() {
                [] => Ok(Piece::Literal(Value::from(""))),
                [(false, t)] => Ok(Piece::Literal(Value::from(t.as_str()))),
                [(true, expr)] => Ok(Piece::Whole(expr.clone(), parse(expr)?)),
                _ => Ok(Piece::Mixed(
                    parts
                        .iter()
                        .map(|(is_expr, t)| {
                            Ok(if *is_expr {
                                Segment::Placeholder(t.clone(), parse(t)?)
                            } else {
                                Segment::Text(t.clone())
                            })
                        })
                        .collect::<Result<_, String>>()?,
                )),
            }
        }
    }
}

impl Template {
    /// Reads `value`. Err: why Kyverno would refuse the policy.
    pub fn compile(value: &str, interpolate: bool) -> Result<Template, String> {
        let mut docs = Vec::new();
        for doc in crate::yaml::parse(value, &crate::yaml::Limits::default()) {
            if let Some(d) = doc.diagnostics.first().filter(|_| doc.has_errors()) {
                return Err(format!("the YAML does not parse: {}", d.message));
            }
            let Some(root) = doc.root.as_ref().filter(|r| !r.is_null()) else {
                continue;
            };
            let piece = if interpolate {
                compile_node(root, value)?
            } else {
                Piece::Literal(literal(root))
            };
            let is_object = match &piece {
                Piece::Map(_) | Piece::Whole(..) => true,
                Piece::Literal(v) => v.as_object().is_some(),
                _ => false,
            };
            if !is_object {
                return Err(format!(
                    "line {}: a document must be a mapping that describes one object",
                    line(value, root)
                ));
            }
            docs.push(piece);
        }
        if docs.is_empty() {
            return Err("the template holds no YAML document".into());
        }
        Ok(Template { docs })
    }

    /// One object per document, with every placeholder evaluated.
    pub fn render(
        &self,
        activation: &dyn cel::Activation,
        env: &cel::Env,
    ) -> Result<Vec<Value>, String> {
        let mut out = Vec::with_capacity(self.docs.len());
        for (i, doc) in self.docs.iter().enumerate() {
            let v =
                render(doc, activation, env, "").map_err(|e| format!("document {}: {e}", i + 1))?;
            if v.as_object().is_none() {
                return Err(format!(
                    "document {}: the placeholder gave a value of type {}, not an object",
                    i + 1,
                    v.type_name()
                ));
            }
            out.push(v);
        }
        Ok(out)
    }
}

fn eval(
    expr: &str,
    program: &Program,
    activation: &dyn cel::Activation,
    env: &cel::Env,
    at: &str,
) -> Result<cel::Value, String> {
    program.eval(activation, env).map_err(|e| {
        let at = if at.is_empty() { "." } else { at };
        format!("{at}: the placeholder (( {expr} )) failed: {}", e.message)
    })
}

/// `piece` rendered; `at` is its path in the document, for messages. Recursion is bounded by
/// the YAML reader's depth limit.
fn render(
    piece: &Piece,
    activation: &dyn cel::Activation,
    env: &cel::Env,
    at: &str,
) -> Result<Value, String> {
    Ok(match piece {
        Piece::Literal(v) => v.clone(),
        Piece::Map(entries) => {
            let mut m = crate::jmespath::value::Map::new();
            for (k, p) in entries {
                m.insert(k.clone(), render(p, activation, env, &format!("{at}.{k}"))?);
            }
            Value::object(m)
        }
        Piece::List(items) => Value::array(
            items
                .iter()
                .enumerate()
                .map(|(i, p)| render(p, activation, env, &format!("{at}[{i}]")))
                .collect::<Result<_, _>>()?,
        ),
        Piece::Whole(expr, program) => eval(expr, program, activation, env, at)?.to_json(),
        Piece::Mixed(segments) => {
            let mut s = String::new();
            for seg in segments {
                match seg {
                    Segment::Text(t) => s.push_str(t),
                    Segment::Placeholder(expr, program) => {
                        match eval(expr, program, activation, env, at)? {
                            cel::Value::String(t) => s.push_str(&t),
                            cel::Value::Bool(b) => s.push_str(if b { "true" } else { "false" }),
                            cel::Value::Int(n) => s.push_str(&n.to_string()),
                            cel::Value::Uint(n) => s.push_str(&n.to_string()),
                            cel::Value::Double(d) => s.push_str(&cel::value::format_double(d)),
                            other => match other.to_json() {
                                // Timestamps, durations and bytes read as their strings.
                                Value::String(t) if !matches!(other, cel::Value::Optional(_)) => {
                                    s.push_str(&t)
                                }
                                _ => {
                                    let at = if at.is_empty() { "." } else { at };
                                    return Err(format!(
                                        "{at}: the placeholder (( {expr} )) is inside a string, so it must give a scalar, not a value of type {}; make it the whole value to insert structured data",
                                        other.type_name()
                                    ));
                                }
                            },
                        }
                    }
                }
            }
            Value::from(s.as_str())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cel::Bindings;

    fn render_with(value: &str, interpolate: bool) -> Result<Vec<String>, String> {
        let t = Template::compile(value, interpolate)?;
        let mut b = Bindings::new();
        let obj = crate::jmespath::Value::from_json(&serde_json::json!({
            "metadata": {"name": "dev", "labels": {"team": "a"}}, "replicas": 3
        }));
        b.set("object", cel::Value::from_json(&obj));
        t.render(&b, &cel::Env::fixed())
            .map(|docs| docs.iter().map(crate::jmespath::json::to_go_json).collect())
    }

    #[test]
    fn placeholders_fill_whole_values_and_strings() {
        let t = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: (( object.metadata.name ))-config\n  labels: (( object.metadata.labels ))\ndata:\n  count: (( object.replicas ))\n  text: 'x=(( object.replicas )), ok=(( true )), \\(( kept'\n  list: [(( 1 + 1 )), plain]\n";
        assert_eq!(
            render_with(t, true),
            Ok(vec![
                r#"{"apiVersion":"v1","data":{"count":3,"list":[2,"plain"],"text":"x=3, ok=true, (( kept"},"kind":"ConfigMap","metadata":{"labels":{"team":"a"},"name":"dev-config"}}"#.to_string()
            ])
        );
    }

    #[test]
    fn without_interpolation_the_yaml_is_taken_as_written() {
        let t = "kind: ConfigMap\nmetadata: {name: a}\ndata: {k: (( not evaluated )), on: yes, t: true}\n---\n---\nkind: Secret\nmetadata: {name: b}\n";
        assert_eq!(
            render_with(t, false),
            Ok(vec![
                r#"{"data":{"k":"(( not evaluated ))","on":"yes","t":true},"kind":"ConfigMap","metadata":{"name":"a"}}"#.to_string(),
                r#"{"kind":"Secret","metadata":{"name":"b"}}"#.to_string(),
            ])
        );
    }

    #[test]
    fn bad_templates_are_refused_when_read() {
        assert_eq!(
            Template::compile("data:\n  (( object.x )): v\n", true).err(),
            Some("line 2: a key cannot hold a placeholder; put one placeholder on the value of the key above instead (for example `labels: (( variables.labels ))`)".into())
        );
        assert_eq!(
            Template::compile("- a\n", false).err(),
            Some("line 1: a document must be a mapping that describes one object".into())
        );
        assert_eq!(
            Template::compile("", false).err(),
            Some("the template holds no YAML document".into())
        );
        assert_eq!(
            Template::compile("name: (( f(x)\n", true).err(),
            Some("line 1: the placeholder at offset 0 has no closing `))`".into())
        );
        assert_eq!(
            Template::compile("name: (( ))\n", true).err(),
            Some("line 1: the placeholder at offset 0 is empty".into())
        );
        assert_eq!(
            Template::compile("name: \"(( ')' ) ))\"\n", true).err(),
            Some("line 1: the placeholder at offset 0 closes a parenthesis it never opened".into())
        );
        assert!(
            Template::compile("name: (( 1 + ))\n", true)
                .err()
                .is_some_and(
                    |e| e.starts_with("line 1: the placeholder (( 1 + )) does not compile: ")
                ),
        );
    }

    #[test]
    fn placeholders_that_fail_or_give_structures_inside_strings_are_errors() {
        assert_eq!(
            render_with("metadata:\n  name: (( object.missing ))\n", true),
            Err("document 1: .metadata.name: the placeholder (( object.missing )) failed: no such key: missing".into())
        );
        assert_eq!(
            render_with("metadata:\n  name: x-(( object.metadata.labels ))\n", true),
            Err("document 1: .metadata.name: the placeholder (( object.metadata.labels )) is inside a string, so it must give a scalar, not a value of type map; make it the whole value to insert structured data".into())
        );
        assert_eq!(
            render_with("(( [1] ))\n", true),
            Err("document 1: the placeholder gave a value of type array, not an object".into())
        );
    }

    #[test]
    fn the_scanner_knows_strings_and_nesting() {
        assert_eq!(
            scan("a (( size(')') ))b"),
            Ok(vec![
                (false, "a ".to_string()),
                (true, "size(')')".to_string()),
                (false, "b".to_string())
            ])
        );
        assert!(has_placeholder("x ((y))"));
        assert!(!has_placeholder("x \\((y))"));
    }
}
