//! A ClusterPolicy or Policy rule's `validate.cel`, as Kyverno runs it: through Kubernetes'
//! ValidatingAdmissionPolicy validator, with `celPreconditions` as its match conditions and a
//! failure policy of Fail, so that every error (compile, runtime, precondition) denies, which
//! Kyverno reports as `fail`.

use std::rc::Rc;

use crate::cel::{self, Program};
use crate::engine::{Env, Request, Status, Value};

/// What the validator decided: the rule's status and Kyverno's message.
pub struct Outcome {
    pub status: Status,
    pub message: String,
    /// The index in `validate.cel.expressions` of the validation that failed.
    pub failed: Option<usize>,
}

fn items(v: Option<&Value>) -> Vec<Value> {
    v.and_then(Value::as_array)
        .map(<[Value]>::to_vec)
        .unwrap_or_default()
}

/// Kubernetes' text for an expression that could not be compiled.
fn compile(expr: &str) -> Result<Program, String> {
    Program::compile(expr).map_err(|errors| {
        let detail: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        format!(
            "compilation error: compilation failed: ERROR: <input>: {}",
            detail.join("; ")
        )
    })
}

/// Evaluates `program` as a boolean the way the validator words failures.
fn boolean(
    program: &Result<Program, String>,
    expr: &str,
    activation: &cel::Bindings,
    env: &cel::Env,
) -> Result<bool, String> {
    let program = program.as_ref().map_err(Clone::clone)?;
    match program.eval(activation, env) {
        Ok(cel::Value::Bool(b)) => Ok(b),
        Ok(other) => Err(format!(
            "expression '{expr}' resulted in error: must evaluate to bool but got {}",
            other.type_name()
        )),
        Err(e) => Err(format!("expression '{expr}' resulted in error: {}", e.message)),
    }
}

/// The message of a failed validation: its `messageExpression` when that gives a non-blank,
/// single-line string, else its `message` (the rule's `validate.message` when it has none),
/// else `failed expression: <expression>`.
fn message(
    validation: &Value,
    rule_message: &str,
    activation: &cel::Bindings,
    env: &cel::Env,
) -> String {
    if let Some(m) = validation
        .at(&["messageExpression"])
        .and_then(Value::as_str)
        .filter(|m| !m.is_empty())
    {
        if let Ok(cel::Value::String(s)) =
            Program::compile(m).map_err(|_| ()).and_then(|p| p.eval(activation, env).map_err(|_| ()))
        {
            let s = s.trim();
            if !s.is_empty() && !s.contains('\n') && s.len() <= 5 * 1024 {
                return s.to_string();
            }
        }
    }
    let own = validation.str_at(&["message"]);
    let own = if own.is_empty() { rule_message } else { own };
    if !own.trim().is_empty() {
        return own.trim().to_string();
    }
    format!(
        "failed expression: {}",
        validation.str_at(&["expression"]).trim()
    )
}

/// Runs `rule`'s `validate.cel` (the rule's JSON) for the request. `rule_message` is the rule's
/// `validate.message`.
pub fn run(rule: &Value, request: &Request, env: &Env) -> Outcome {
    let cel_block = rule.at(&["validate", "cel"]).unwrap_or(&Value::Null);
    let rule_message = rule.str_at(&["validate", "message"]);
    let name = rule.str_at(&["name"]);
    let cel_env = super::bindings::env(env);
    let mut activation = super::bindings::request_bindings(request);
    // `validate.cel` sees the Kubernetes request type and a namespace object that only has
    // its name, as Kyverno builds it without a cluster.
    let subject = match request.object.as_object() {
        Some(m) if !m.is_empty() => &request.object,
        _ => &request.old_object,
    };
    let ns = subject.str_at(&["metadata", "namespace"]);
    let namespace_object = if ns.is_empty() || subject.str_at(&["kind"]) == "Namespace" {
        cel::Value::Null
    } else {
        cel::Value::from_json(&Value::from_json(&serde_json::json!({
            "metadata": {"name": ns}
        })))
    };
    activation.set("namespaceObject", namespace_object);
    for v in items(cel_block.at(&["variables"])) {
        let expr = v.str_at(&["expression"]).to_string();
        let program = Rc::new(compile(&expr));
        activation.set_lazy(
            format!("variables.{}", v.str_at(&["name"])),
            Rc::new(move |a: &dyn cel::Activation, e: &cel::Env| match program.as_ref() {
                Ok(p) => p.eval(a, e),
                Err(m) => Err(cel::EvalError::new(m.clone(), 0..0)),
            }),
        );
    }
    let fail = |message: String, failed: Option<usize>| Outcome {
        status: Status::Fail,
        message,
        failed,
    };
    // Preconditions: any false skips the rule; an error (with none false) denies.
    let mut error = None;
    for c in items(rule.at(&["celPreconditions"])) {
        let expr = c.str_at(&["expression"]);
        match boolean(&compile(expr), expr, &activation, &cel_env) {
            Ok(false) => {
                return Outcome {
                    status: Status::Skip,
                    message: "cel preconditions not met".to_string(),
                    failed: None,
                };
            }
            Ok(true) => {}
            Err(e) => error = error.or(Some(e)),
        }
    }
    if let Some(e) = error {
        return fail(e, None);
    }
    for (i, v) in items(cel_block.at(&["expressions"])).iter().enumerate() {
        let expr = v.str_at(&["expression"]);
        match boolean(&compile(expr), expr, &activation, &cel_env) {
            Ok(true) => {}
            Ok(false) => {
                return fail(message(v, rule_message, &activation, &cel_env), Some(i));
            }
            Err(e) => return fail(e, Some(i)),
        }
    }
    Outcome {
        status: Status::Pass,
        message: format!("Validation rule '{name}' passed."),
        failed: None,
    }
}
