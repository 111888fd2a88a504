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
        NodeKind::Sequence(items) => items.iter().for_each(|c| check_condition(c, false, out)),
        NodeKind::Mapping(entries) => {
            for e in entries {
                let k = e.key.key_string();
                match k.as_str() {
                    "any" | "all" => match &e.value.kind {
                        NodeKind::Sequence(items) => {
                            items.iter().for_each(|c| check_condition(c, false, out))
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
                            "Unknown field `{k}` in {path}: Kyverno reads only `any` and `all` here."
                        );
                        if let Some(b) = did_you_mean(&k, ["any", "all"].into_iter()) {
                            msg.push_str(&format!(" Did you mean `{b}`?"));
                        }
                        out.push(Diagnostic::error("unknown-field", e.key.span.clone(), msg));
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

/// One condition. When `typed`, the schema walk has already checked its fields and operator.
fn check_condition(c: &Node, typed: bool, out: &mut Vec<Diagnostic>) {
    let Some(entries) = c.as_mapping() else {
        out.push(Diagnostic::error(
            "wrong-type",
            c.span.clone(),
            "A condition must be a mapping with `key`, `operator` and `value`.",
        ));
        return;
    };
    for e in entries.iter().filter(|_| !typed) {
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
        out.push(Diagnostic::error(
            "missing-field",
            at,
            format!("This condition has no {list}: Kyverno rejects a condition without `key`, `operator` and `value`."),
        ));
    }
    if let Some(op) = c.get("operator") {
        match op.as_str() {
            Some(text) if typed => deprecated_operator(op, text, out),
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
        let mut msg = format!(
            "Unknown operator `{text}`: expected one of {}.",
            OPERATORS
                .iter()
                .filter(|o| deprecated(o).is_none())
                .map(|o| format!("`{o}`"))
                .collect::<Vec<_>>()
                .join(", ")
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

/// A condition the schema already typed (`foreach` preconditions, v2beta1 conditions).
pub fn check_typed_condition(c: &Node, out: &mut Vec<Diagnostic>) {
    check_condition(c, true, out);
}
