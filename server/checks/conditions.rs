//! Conditions (`preconditions`, `deny.conditions`). The CRD leaves most of them free-form, but
//! Kyverno's admission webhook rejects a condition without `key`, `operator` or `value` and an
//! operator it does not know (case-sensitive), so we check what it checks.

use super::did_you_mean;
use crate::diag::{DiagTag, Diagnostic};
use crate::yaml::{Node, NodeKind};

/// Every operator Kyverno accepts, deprecated ones included.
pub const OPERATORS: &[&str] = &[
    "Equals",
    "NotEquals",
    "Equal",
    "NotEqual",
    "In",
    "NotIn",
    "AnyIn",
    "AllIn",
    "AnyNotIn",
    "AllNotIn",
    "GreaterThanOrEquals",
    "GreaterThan",
    "LessThanOrEquals",
    "LessThan",
    "DurationGreaterThanOrEquals",
    "DurationGreaterThan",
    "DurationLessThanOrEquals",
    "DurationLessThan",
];

/// The replacement for a deprecated operator.
fn deprecated(op: &str) -> Option<&'static str> {
    match op {
        "Equal" => Some("`Equals`"),
        "NotEqual" => Some("`NotEquals`"),
        "In" => Some("`AnyIn` (any of the key's values is listed) or `AllIn` (all of them are)"),
        "NotIn" => Some("`AnyNotIn` or `AllNotIn`"),
        _ => None,
    }
}

const CONDITION_FIELDS: &[&str] = &["key", "operator", "value", "message"];

/// A free-form condition block: `{any: [...], all: [...]}` or a bare list.
pub fn check_conditions(node: &Node, path: &str, out: &mut Vec<Diagnostic>) {
    match &node.kind {
        NodeKind::Sequence(items) => items.iter().for_each(|c| check_condition(c, None, out)),
        NodeKind::Mapping(entries) => {
            for e in entries {
                let k = e.key.key_string();
                match k.as_str() {
                    "any" | "all" => match &e.value.kind {
                        NodeKind::Sequence(items) => {
                            items.iter().for_each(|c| check_condition(c, None, out))
                        }
                        _ if e.value.is_null() => {}
                        _ => out.push(Diagnostic::error(
                            "wrong-type",
                            e.value.span.clone(),
                            format!("{path}.{k} must be a list of conditions."),
                        )),
                    },
                    _ => {
                        let mut msg = format!(
                            "Unknown field `{k}` in {path}: Kyverno reads only `any` and `all` here and ignores the rest, so these conditions never apply."
                        );
                        if let Some(b) = did_you_mean(&k, ["any", "all"].into_iter()) {
                            msg.push_str(&format!(" Did you mean `{b}`?"));
                        }
                        out.push(Diagnostic::warning(
                            "unknown-field",
                            e.key.span.clone(),
                            msg,
                        ));
                    }
                }
            }
        }
        NodeKind::Scalar(_) if node.is_null() => {}
        NodeKind::Scalar(_) => out.push(Diagnostic::error(
            "wrong-type",
            node.span.clone(),
            format!("{path} must be a list of conditions or a mapping with `any` / `all` lists."),
        )),
    }
}

/// One condition. `typed` holds the operators the schema allows when the schema walk has
/// already checked the condition's fields and operator.
fn check_condition(c: &Node, typed: Option<&[String]>, out: &mut Vec<Diagnostic>) {
    let Some(entries) = c.as_mapping() else {
        out.push(Diagnostic::error(
            "wrong-type",
            c.span.clone(),
            "A condition must be a mapping with `key`, `operator` and `value`.",
        ));
        return;
    };
    for e in entries.iter().filter(|_| typed.is_none()) {
        let k = e.key.key_string();
        if !CONDITION_FIELDS.contains(&k.as_str()) {
            let mut msg = format!("Unknown field `{k}` in a condition: Kyverno ignores it.");
            if let Some(b) = did_you_mean(&k, CONDITION_FIELDS.iter().copied()) {
                msg.push_str(&format!(" Did you mean `{b}`?"));
            }
            out.push(Diagnostic::warning(
                "unknown-field",
                e.key.span.clone(),
                msg,
            ));
        }
    }
    let missing: Vec<&str> = ["key", "operator", "value"]
        .into_iter()
        .filter(|f| {
            c.get(f)
                .is_none_or(|v| v.is_null() || (*f == "operator" && v.as_str() == Some("")))
        })
        .collect();
    if !missing.is_empty() {
        let at = entries
            .first()
            .map_or(c.span.clone(), |e| e.key.span.clone());
        let list = missing
            .iter()
            .map(|m| format!("`{m}`"))
            .collect::<Vec<_>>()
            .join(", ");
        out.push(Diagnostic::missing(
            "missing-field",
            at,
            format!("This condition has no {list}: Kyverno rejects a condition without `key`, `operator` and `value`."),
        ));
    }
    check_operation_values(c, out);
    if let Some(op) = c.get("operator") {
        match (op.as_str(), typed) {
            // An operator outside the schema's enum is already an error there.
            (Some(text), Some(allowed)) => {
                if allowed.iter().any(|a| a == text) {
                    deprecated_operator(op, text, out);
                }
            }
            _ => check_operator(op, out),
        }
    }
}

fn check_operator(op: &Node, out: &mut Vec<Diagnostic>) {
    let Some(text) = op.as_str() else { return };
    if text.is_empty() {
        return;
    }
    if !OPERATORS.contains(&text) {
        let current: Vec<&str> = OPERATORS
            .iter()
            .copied()
            .filter(|o| deprecated(o).is_none())
            .collect();
        let mut msg = format!(
            "Invalid value `{text}` for `operator`: expected {}.",
            super::or_list(&current)
        );
        if let Some(b) = did_you_mean(text, OPERATORS.iter().copied()) {
            msg.push_str(&format!(" Did you mean `{b}`?"));
        }
        out.push(Diagnostic::error("invalid-enum", op.span.clone(), msg));
    } else {
        deprecated_operator(op, text, out);
    }
}

fn deprecated_operator(op: &Node, text: &str, out: &mut Vec<Diagnostic>) {
    if let Some(instead) = deprecated(text) {
        out.push(
            Diagnostic::warning(
                "deprecated",
                op.span.clone(),
                format!("The operator `{text}` is deprecated; use {instead}."),
            )
            .with_tag(DiagTag::Deprecated),
        );
    }
}

/// A condition the schema already typed (`foreach` preconditions, v2beta1 conditions); its
/// operator enum is `operators`, checked by the schema walk.
pub fn check_typed_condition(c: &Node, operators: Option<&[String]>, out: &mut Vec<Diagnostic>) {
    check_condition(c, Some(operators.unwrap_or_default()), out);
}

const OPERATIONS: &[&str] = &["CREATE", "UPDATE", "DELETE", "CONNECT"];

/// Kyverno checks the values of a condition whose key is exactly `{{request.operation}}`:
/// anything but an admission operation can never match.
fn check_operation_values(c: &Node, out: &mut Vec<Diagnostic>) {
    let Some(key) = c.get("key").and_then(Node::as_str) else {
        return;
    };
    let compact: String = key.chars().filter(|ch| !ch.is_whitespace()).collect();
    if compact != "{{request.operation}}" {
        return;
    }
    let Some(value) = c.get("value") else { return };
    let values: Vec<&Node> = match &value.kind {
        NodeKind::Sequence(items) => items.iter().collect(),
        _ => vec![value],
    };
    for v in values {
        let Some(text) = v.as_str() else { continue };
        if OPERATIONS.contains(&text) {
            continue;
        }
        let mut msg = format!(
            "Invalid value `{text}` for `request.operation`: expected {}.",
            super::or_list(OPERATIONS)
        );
        if let Some(b) = did_you_mean(text, OPERATIONS.iter().copied()) {
            msg.push_str(&format!(" Did you mean `{b}`?"));
        }
        out.push(Diagnostic::error("invalid-enum", v.span.clone(), msg));
    }
}
