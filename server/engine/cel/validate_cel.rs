//! A ClusterPolicy or Policy rule's `validate.cel`, as Kyverno runs it: through Kubernetes'
//! ValidatingAdmissionPolicy validator, with `celPreconditions` as its match conditions and a
//! failure policy of Fail, so that every error (compile, runtime, precondition) denies, which
//! Kyverno reports as `fail`.

use std::rc::Rc;
use std::sync::Arc;

use crate::cel::{self, Program};
use crate::engine::{Env, Request, Status, Value};

/// What the validator decided: the rule's status and Kyverno's message.
pub struct Outcome {
    pub status: Status,
    pub message: String,
    /// The index in `validate.cel.expressions` of the validation that failed.
    pub failed: Option<usize>,
}

pub(super) fn items(v: Option<&Value>) -> Vec<Value> {
    v.and_then(Value::as_array)
        .map(<[Value]>::to_vec)
        .unwrap_or_default()
}

/// Kubernetes' text for an expression that could not be compiled.
pub(super) fn compile(expr: &str) -> Result<Arc<Program>, String> {
    super::vpol::parsed(expr).map_err(|errors| {
        let detail: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        format!(
            "compilation error: compilation failed: ERROR: <input>: {}",
            detail.join("; ")
        )
    })
}

/// The message of a failed validation: its `messageExpression` when that gives a non-blank,
/// single-line string, else its `message` (the rule's `validate.message` when it has none),
/// else `failed expression: <expression>`.
pub(super) fn message(
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
        if let Ok(cel::Value::String(s)) = Program::compile(m)
            .map_err(|_| ())
            .and_then(|p| p.eval(activation, env).map_err(|_| ()))
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

/// What a `validate.cel` rule's expressions see besides their variables: the request, a
/// namespace object that only has its name (as Kyverno builds it without a cluster), and one
/// activation per parameter object (a single one, with `params` null, without parameters).
struct Inputs {
    namespace_object: cel::Value,
    params: Vec<cel::Value>,
}

fn inputs(rule: &Value, request: &Request) -> Result<Inputs, String> {
    let cel_block = rule.at(&["validate", "cel"]).unwrap_or(&Value::Null);
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
    let params = match super::params::collect(
        cel_block.at(&["paramKind"]),
        cel_block.at(&["paramRef"]),
        ns,
        request,
    ) {
        None => vec![cel::Value::Null],
        Some(Ok(found)) => found.iter().map(cel::Value::from_json).collect(),
        Some(Err(e)) => return Err(format!("error in parameterized resource: {e}")),
    };
    Ok(Inputs {
        namespace_object,
        params,
    })
}

impl Inputs {
    fn activation(&self, rule: &Value, request: &Request, param: cel::Value) -> cel::Bindings {
        let mut activation = super::bindings::request_bindings(request);
        activation.set("namespaceObject", self.namespace_object.clone());
        activation.set("params", param);
        bind_variables(
            &mut activation,
            &items(rule.at(&["validate", "cel", "variables"])),
        );
        activation
    }
}

/// The value of the expression at `path` in `rule` (`["validate", "cel", "expressions", "0",
/// "expression"]`) for the request, with what the rule's validator binds (the first parameter
/// object, when the rule has several).
pub fn site_value(
    rule: &Value,
    request: &Request,
    env: &Env,
    path: &[&str],
) -> Option<Result<cel::Value, String>> {
    let expr = super::node_at(rule, path)?.as_str()?;
    let cel_env = super::bindings::env_for_kind(env, "");
    Some(inputs(rule, request).and_then(|inputs| {
        let param = inputs.params.first().cloned().unwrap_or(cel::Value::Null);
        let activation = inputs.activation(rule, request, param);
        evaluate(&compile(expr), expr, &activation, &cel_env)
    }))
}

/// Runs `rule`'s `validate.cel` (the rule's JSON) for the request. `rule_message` is the rule's
/// `validate.message`.
pub fn run(rule: &Value, request: &Request, env: &Env) -> Outcome {
    let cel_block = rule.at(&["validate", "cel"]).unwrap_or(&Value::Null);
    let rule_message = rule.str_at(&["validate", "message"]);
    let name = rule.str_at(&["name"]);
    // Kubernetes' environment: none of Kyverno's libraries or cel-go's extras (cel.md §2.2).
    let cel_env = super::bindings::env_for_kind(env, "");
    let inputs = match inputs(rule, request) {
        Ok(i) => i,
        Err(message) => {
            return Outcome {
                status: Status::Error,
                message,
                failed: None,
            };
        }
    };
    let validator = Validator {
        conditions: &items(rule.at(&["celPreconditions"])),
        validations: &items(cel_block.at(&["expressions"])),
        audit_annotations: &items(cel_block.at(&["auditAnnotations"])),
        default_message: rule_message,
    };
    // The validator runs once per parameter object (none: the rule passes), and the first
    // decision that is not "admit" is the rule's. Kyverno turns each into a failure.
    for param in &inputs.params {
        let activation = inputs.activation(rule, request, param.clone());
        match validator.run(&activation, &cel_env) {
            Verdict::Admitted => continue,
            other => return outcome_of(other, name),
        }
    }
    outcome_of(Verdict::Admitted, name)
}

fn outcome_of(verdict: Verdict, rule: &str) -> Outcome {
    match verdict {
        Verdict::NotMatched => Outcome {
            status: Status::Skip,
            message: "cel preconditions not met".to_string(),
            failed: None,
        },
        Verdict::Denied { message, failed } => Outcome {
            status: Status::Fail,
            message,
            failed: Some(failed),
        },
        Verdict::Errored { message, failed } => Outcome {
            status: Status::Fail,
            message,
            failed,
        },
        Verdict::Admitted => Outcome {
            status: Status::Pass,
            message: format!("Validation rule '{rule}' passed."),
            failed: None,
        },
    }
}

/// Adds `variables.<name>` for each of `variables` (`{name, expression}`), evaluated when first
/// read, as Kubernetes' validator does.
pub(super) fn bind_variables(activation: &mut cel::Bindings, variables: &[Value]) {
    for v in variables {
        let expr = v.str_at(&["expression"]).to_string();
        let program = Rc::new(compile(&expr));
        activation.set_lazy(
            format!("variables.{}", v.str_at(&["name"])),
            Rc::new(
                move |a: &dyn cel::Activation, e: &cel::Env| match program.as_ref() {
                    Ok(p) => p.eval(a, e),
                    Err(m) => Err(cel::EvalError::new(m.clone(), 0..0)),
                },
            ),
        );
    }
}

/// What Kubernetes' ValidatingAdmissionPolicy validator decides, before Kyverno turns it into
/// a rule status (`validate.cel` and ValidatingAdmissionPolicy word the same decisions
/// differently).
#[derive(Debug, PartialEq)]
pub enum Verdict {
    /// A match condition was false.
    NotMatched,
    Admitted,
    /// Validation `failed` was not true; the message is the one Kubernetes shows.
    Denied {
        message: String,
        failed: usize,
    },
    /// A match condition, validation or audit annotation could not be compiled or evaluated.
    Errored {
        message: String,
        failed: Option<usize>,
    },
}

/// The expressions Kubernetes' validator runs, in its order.
pub(super) struct Validator<'a> {
    pub conditions: &'a [Value],
    pub validations: &'a [Value],
    pub audit_annotations: &'a [Value],
    /// The message of a validation that has none of its own (`validate.message` of a
    /// `validate.cel` rule; empty for an admission policy).
    pub default_message: &'a str,
}

impl Validator<'_> {
    /// The first decision that is not "admit", as Kyverno reads the validator's decisions.
    pub fn run(&self, activation: &cel::Bindings, env: &cel::Env) -> Verdict {
        // Match conditions: any false skips; otherwise any error is the decision. A result that
        // is neither false nor an error (even a non-boolean one) counts as a match.
        let mut error = None;
        for c in self.conditions {
            let expr = c.str_at(&["expression"]);
            match evaluate(&compile(expr), expr, activation, env) {
                Ok(cel::Value::Bool(false)) => return Verdict::NotMatched,
                Ok(_) => {}
                Err(e) => error = error.or(Some(e)),
            }
        }
        if let Some(message) = error {
            return Verdict::Errored {
                message,
                failed: None,
            };
        }
        for (i, v) in self.validations.iter().enumerate() {
            let expr = v.str_at(&["expression"]);
            match evaluate(&compile(expr), expr, activation, env) {
                Ok(cel::Value::Bool(true)) => {}
                // Anything but `true` denies, a non-boolean result included.
                Ok(_) => {
                    return Verdict::Denied {
                        message: message(v, self.default_message, activation, env),
                        failed: i,
                    };
                }
                Err(message) => {
                    return Verdict::Errored {
                        message,
                        failed: Some(i),
                    };
                }
            }
        }
        for a in self.audit_annotations {
            let expr = a.str_at(&["valueExpression"]);
            if let Err(message) = evaluate(&compile(expr), expr, activation, env) {
                return Verdict::Errored {
                    message,
                    failed: None,
                };
            }
        }
        Verdict::Admitted
    }
}

/// Evaluates one expression, with the validator's wording of errors.
fn evaluate(
    program: &Result<Arc<Program>, String>,
    expr: &str,
    activation: &cel::Bindings,
    env: &cel::Env,
) -> Result<cel::Value, String> {
    let program = program.as_ref().map_err(Clone::clone)?;
    program
        .eval(activation, env)
        .map_err(|e| format!("expression '{expr}' resulted in error: {}", e.message))
}
