//! The validate pipeline for one (policy, resource): every rule, autogen rules included.
//!
//! Per rule, as `pkg/engine/engine.go` and `handlers/validation/validate_resource.go` do it:
//! match/exclude (no response when not matched) → context (deferred) → preconditions →
//! `podSecurity`, or deny / pattern / anyPattern / foreach (the first present, in that order),
//! then the Enforce + UPDATE old-object check, `applyRules: One` and unscored policies.

use super::conditions;
use super::context::Context;
use super::exceptions;
use super::pattern::{self, AnyOutcome, Outcome};
use super::pss::{self, PssOutcome};
use super::value_pattern::NumMode;
use super::{Env, Operation, Request, RuleResponse, Status, Value, autogen, matching, vars};

use crate::limits::{MAX_FOREACH_ELEMENTS, MAX_FOREACH_NESTING, thousands};

fn present(v: Option<&Value>) -> Option<&Value> {
    v.filter(|x| !matches!(x, Value::Null))
}

fn is_empty_object(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(m) => m.is_empty(),
        _ => false,
    }
}

/// A response before it gets its rule name.
#[derive(Debug, Clone, PartialEq)]
struct Resp {
    status: Status,
    message: String,
    resource_path: Option<String>,
    policy_path: Option<String>,
}

impl Resp {
    fn new(status: Status, message: impl Into<String>) -> Resp {
        Resp {
            status,
            message: message.into(),
            resource_path: None,
            policy_path: None,
        }
    }
    fn error(what: &str, err: &str) -> Resp {
        Resp::new(Status::Error, format!("{what}: {err}"))
    }
}

/// What every part of a rule's evaluation needs to know about the rule.
struct RuleInfo<'r> {
    name: String,
    /// `validate.message` as written (substituted only when a message is built).
    message: String,
    /// `/spec/rules/<i>` for rules written in the policy; None for generated rules.
    policy_path: Option<String>,
    rule: &'r Value,
    /// foreach elements this rule may still evaluate (all lists and nesting levels together).
    budget: std::cell::Cell<usize>,
}

/// Applies every validate rule of `policy` (the JSON of a `ClusterPolicy` or `Policy`) to the
/// request. Rules that do not match give no response.
pub fn validate(policy: &Value, request: &Request, env: &Env) -> Vec<RuleResponse> {
    // Under a caller's budget (the simulation of a file) when there is one, else a run's own.
    if super::budget::active() {
        return validate_rules(policy, request, env);
    }
    let steps = crate::limits::MAX_RUN_STEPS;
    super::budget::with_budget(steps, steps, super::budget::Scope::Run, || {
        validate_rules(policy, request, env)
    })
    .0
}

/// The rule Kyverno evaluates for `request` in place of `spec.rules[source]` (the rule
/// itself, or the autogen rule made from it for a Pod controller), and whether it matches the
/// request; the rule as written when none matches.
pub fn rule_for(
    policy: &Value,
    source: usize,
    request: &Request,
) -> Option<(bool, autogen::ComputedRule)> {
    let resource = if is_empty_object(&request.object) {
        &request.old_object
    } else {
        &request.object
    };
    let policy_ns = matching::policy_namespace(policy);
    let computed = autogen::compute_rules(policy, resource.str_at(&["kind"]));
    if let Some(c) = computed
        .iter()
        .find(|c| c.source == source && matching::matches_request(&c.rule, request, policy_ns))
    {
        return Some((true, c.clone()));
    }
    let written = policy.at(&["spec", "rules"])?.as_array()?.get(source)?;
    Some((
        false,
        autogen::ComputedRule {
            rule: written.clone(),
            source,
            generated: false,
        },
    ))
}

/// The context `rule` (one Kyverno evaluates, see [`rule_for`]) evaluates its expressions in:
/// the values file's values for it, then its context entries, as a run builds it. The error
/// is the one a context entry gave, if any.
pub fn rule_context<'a>(
    rule: &Value,
    request: &'a Request,
    env: &'a Env,
) -> (Context<'a>, Result<(), String>) {
    let mut ctx = Context::new(request, env);
    let loaded = prepare_rule_context(&mut ctx, rule, request);
    (ctx, loaded)
}

fn validate_rules(policy: &Value, request: &Request, env: &Env) -> Vec<RuleResponse> {
    let resource = if is_empty_object(&request.object) {
        &request.old_object
    } else {
        &request.object
    };
    let kind = resource.str_at(&["kind"]);
    let rules = autogen::compute_rules(policy, kind);
    let policy_ns = matching::policy_namespace(policy);
    let unscored =
        policy.str_at(&["metadata", "annotations", "policies.kyverno.io/scored"]) == "false";
    let apply_one = policy.str_at(&["spec", "applyRules"]) == "One";
    let policy_key = exceptions::policy_key(policy);
    let spec_action = policy.str_at(&["spec", "validationFailureAction"]);

    let mut out = Vec::new();
    for computed in &rules {
        let rule = &computed.rule;
        if !matching::matches_request(rule, request, policy_ns) {
            continue;
        }
        let name = rule.str_at(&["name"]).to_string();
        let info = RuleInfo {
            message: match rule.at(&["validate", "message"]) {
                Some(Value::String(s)) => s.to_string(),
                _ => String::new(),
            },
            policy_path: (!computed.generated).then(|| format!("/spec/rules/{}", computed.source)),
            rule,
            name,
            budget: std::cell::Cell::new(MAX_FOREACH_ELEMENTS),
        };
        // Once the step budget is spent, every remaining rule is an error with its message:
        // a verdict computed with expressions cut short would be a guess.
        let resp = match super::budget::exhausted() {
            Some(message) => Some(Resp::new(Status::Error, message)),
            None => run_rule(&info, request, env, spec_action, &policy_key).map(|r| {
                match super::budget::exhausted() {
                    Some(message) => Resp::new(Status::Error, message),
                    None => r,
                }
            }),
        };
        let Some(resp) = resp else {
            continue;
        };
        let applied = matches!(resp.status, Status::Pass | Status::Fail);
        let status = if resp.status == Status::Fail && unscored {
            Status::Warn
        } else {
            resp.status
        };
        out.push(RuleResponse {
            rule: info.name.clone(),
            source: computed.source,
            status,
            message: resp.message,
            resource_path: resp.resource_path,
            policy_path: resp.policy_path,
        });
        if apply_one && applied {
            break;
        }
    }
    out
}

/// The validate phase of a `verifyImages` rule (`validate_image.go`): no image named is a
/// skip; then the context, the preconditions, and the offline checks.
fn verify_images(
    info: &RuleInfo,
    request: &Request,
    env: &Env,
    spec_action: &str,
    policy_key: &str,
) -> Option<Resp> {
    use super::verify_images::{Decision, decide};
    let outcome = match decide(info.rule, request) {
        Decision::NoImage => return Some(Resp::new(Status::Skip, "image verified")),
        Decision::Unsupported(why) => return Some(Resp::new(Status::Unsupported, why)),
        Decision::Checked(outcome) => outcome,
    };
    if !exceptions::naming(&request.exceptions, policy_key, &info.name).is_empty() {
        return Some(Resp::new(
            Status::Unsupported,
            "kyverno-ls does not simulate PolicyExceptions on `verifyImages` rules yet",
        ));
    }
    let mut ctx = Context::new(request, env);
    if let Err(e) = prepare_rule_context(&mut ctx, info.rule, request) {
        return Some(Resp::error("failed to load context", &e));
    }
    match preconditions(&mut ctx, info.rule.at(&["preconditions"])) {
        // Under the policy-wide Audit (the default) an unmet precondition gives no response.
        Some(r) if r.status == Status::Skip => {
            return spec_action
                .eq_ignore_ascii_case("enforce")
                .then(|| Resp::new(Status::Skip, "preconditions not met"));
        }
        Some(r) => return Some(r),
        None => {}
    }
    outcome.map(|(status, message)| Resp::new(status, message))
}

/// The failure action of a rule: `validate.failureAction`, else the policy's.
fn is_enforce(rule: &Value, spec_action: &str) -> bool {
    let action = match rule
        .at(&["validate", "failureAction"])
        .and_then(Value::as_str)
    {
        Some(a) => a,
        None => spec_action,
    };
    action.eq_ignore_ascii_case("enforce")
}

fn allow_existing(rule: &Value) -> bool {
    !matches!(
        rule.at(&["validate", "allowExistingViolations"]),
        Some(Value::Bool(false))
    )
}

/// One matched rule. None: no response (foreach without elements, DELETE pattern, ...).
fn run_rule(
    info: &RuleInfo,
    request: &Request,
    env: &Env,
    spec_action: &str,
    policy_key: &str,
) -> Option<Resp> {
    let rule = info.rule;
    let validate = present(rule.at(&["validate"]));
    let Some(validate) = validate else {
        // Mutate rules answer from `mutate::mutate`, generate rules from `generate`.
        present(rule.at(&["verifyImages"]))?;
        return verify_images(info, request, env, spec_action, policy_key);
    };
    for (k, what) in [
        ("manifests", "validate.manifests"),
        ("assert", "validate.assert"),
    ] {
        if present(validate.at(&[k])).is_some() {
            return Some(Resp::new(
                Status::Unsupported,
                format!("kyverno-ls does not simulate `{what}` rules yet"),
            ));
        }
    }
    let mut ctx = Context::new(request, env);
    if let Err(e) = prepare_rule_context(&mut ctx, info.rule, request) {
        return Some(Resp::error("failed to load context", &e));
    }
    let pod_security_rule = present(validate.at(&["podSecurity"]));
    // PolicyExceptions are consulted once the rule matched, its context loaded and its
    // preconditions held.
    let named = exceptions::naming(&request.exceptions, policy_key, &info.name);
    if !named.is_empty() {
        if let Some(r) = preconditions(&mut ctx, rule.at(&["preconditions"])) {
            return Some(r);
        }
        let applying = exceptions::applying(&named, &mut ctx);
        match (applying.is_empty(), pod_security_rule) {
            (true, _) => {}
            (false, None) => {
                return Some(Resp::new(Status::Skip, exceptions::skipped(&applying)));
            }
            (false, Some(ps)) => {
                return match exceptions::pod_security(&applying, ps) {
                    exceptions::PodSecurityExemption::Whole(e) => Some(Resp::new(
                        Status::Skip,
                        format!(
                            "rule is skipped due to policy exception {}",
                            exceptions::key(e)
                        ),
                    )),
                    // The exceptions' controls count only against a Pod that fails without
                    // them; if it then passes, the rule is skipped for the exceptions.
                    exceptions::PodSecurityExemption::Narrowed(narrowed) => {
                        match pod_security(info, ps, request, env) {
                            Some(r) if r.status == Status::Fail => {
                                match pod_security(info, &narrowed, request, env) {
                                    Some(n) if n.status == Status::Pass => Some(Resp::new(
                                        Status::Skip,
                                        format!(
                                            "rule is skipped due to policy exceptions {}",
                                            exceptions::keys(&applying)
                                        ),
                                    )),
                                    other => other,
                                }
                            }
                            plain => plain,
                        }
                    }
                };
            }
        }
    }
    if let Some(ps) = pod_security_rule {
        if let Some(r) = preconditions(&mut ctx, rule.at(&["preconditions"])) {
            return Some(r);
        }
        return pod_security(info, ps, request, env);
    }
    if present(validate.at(&["cel"])).is_some() {
        if let Some(r) = preconditions(&mut ctx, rule.at(&["preconditions"])) {
            return Some(r);
        }
        let outcome = super::cel::validate_cel::run(rule, request, env);
        let mut resp = Resp::new(outcome.status, outcome.message);
        resp.policy_path = outcome.failed.and_then(|i| {
            info.policy_path
                .as_ref()
                .map(|p| format!("{p}/validate/cel/expressions/{i}/expression"))
        });
        return Some(resp);
    }
    let resp = validator(info, validate, &mut ctx, 0, None, false);
    if is_enforce(rule, spec_action)
        && request.operation == Operation::Update
        && allow_existing(rule)
    {
        let old = Request {
            operation: Operation::Create,
            object: request.old_object.clone(),
            old_object: Value::object(Default::default()),
            ..request.clone()
        };
        let policy_ns = ""; // the policy namespace was already checked on the new object
        let prior = if matching::matches_request(rule, &old, policy_ns) {
            let mut old_ctx = Context::new(&old, env);
            match prepare_rule_context(&mut old_ctx, info.rule, &old) {
                Ok(()) => validator(info, validate, &mut old_ctx, 0, None, false),
                Err(e) => Some(Resp::error("failed to load context", &e)),
            }
        } else {
            Some(Resp::new(Status::Skip, "resource not matched"))
        };
        if let (Some(r), Some(p)) = (&resp, &prior) {
            if r.status == Status::Fail && p.status == Status::Fail {
                return Some(Resp::new(
                    Status::Skip,
                    "skipping the rule evaluation as pre-existing violations are allowed",
                ));
            }
        }
    }
    resp
}

/// Rule values from the values file, then the rule's context entries (deferred).
pub(super) fn prepare_rule_context(
    ctx: &mut Context,
    rule: &Value,
    request: &Request,
) -> Result<(), String> {
    let values = super::rule_values(&request.rule_values, rule.str_at(&["name"]));
    let mut skip = Vec::new();
    if let Some(values) = values {
        for (k, v) in values {
            ctx.set(k, v.clone());
            skip.push(k.clone());
        }
    }
    ctx.register(rule.at(&["context"]).unwrap_or(&Value::Null), &skip)
}

/// Preconditions for the other rule types: None when they hold, else the status and message
/// of the skip or error.
pub(super) fn precondition_outcome(
    ctx: &mut Context,
    conditions: Option<&Value>,
) -> Option<(Status, String)> {
    preconditions(ctx, conditions).map(|r| (r.status, r.message))
}

/// Preconditions: None when they hold, else the skip or error response.
fn preconditions(ctx: &mut Context, conditions: Option<&Value>) -> Option<Resp> {
    let conditions = conditions?;
    match conditions::evaluate_block(ctx, conditions) {
        Err(e) => Some(Resp::error("failed to evaluate preconditions", &e)),
        Ok(v) if !v.passed => {
            let mut msg = "preconditions not met".to_string();
            if !v.message.is_empty() {
                msg.push_str("; ");
                msg.push_str(&v.message);
            }
            Some(Resp::new(Status::Skip, msg))
        }
        Ok(_) => None,
    }
}

/// `validator.validate`: context (foreach only: the rule's was loaded by the caller),
/// preconditions, then deny / pattern / anyPattern / foreach.
fn validator(
    info: &RuleInfo,
    body: &Value,
    ctx: &mut Context,
    nesting: usize,
    element: Option<&Value>,
    is_foreach: bool,
) -> Option<Resp> {
    // A foreach entry's own context is already in `ctx` (`element_context`).
    let conditions = if is_foreach {
        body.at(&["preconditions"])
    } else {
        info.rule.at(&["preconditions"])
    };
    if let Some(r) = preconditions(ctx, present(conditions)) {
        return Some(r);
    }
    if let Some(deny) = present(body.at(&["deny"])) {
        return Some(validate_deny(info, deny, ctx));
    }
    let pattern = present(body.at(&["pattern"]));
    let any_pattern = present(body.at(&["anyPattern"]));
    if pattern.is_some() || any_pattern.is_some() {
        return validate_patterns(info, pattern, any_pattern, ctx, element, nesting);
    }
    if let Some(list) = present(body.at(&["foreach"])) {
        return validate_foreach(info, list, ctx, nesting, element);
    }
    None
}

fn validate_deny(info: &RuleInfo, deny: &Value, ctx: &mut Context) -> Resp {
    let conditions = deny.at(&["conditions"]).unwrap_or(&Value::Null);
    match conditions::evaluate_block(ctx, conditions) {
        Err(e) => Resp::error("failed to check deny conditions", &e),
        Ok(v) if v.passed => {
            let msg = if info.message.is_empty() && v.message.is_empty() {
                format!("validation error: rule {} failed", info.name)
            } else {
                let joined = [info.message.as_str(), v.message.as_str()]
                    .iter()
                    .filter(|s| !s.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join("; ");
                match vars::substitute_string(ctx, &joined, "") {
                    Ok(Value::String(s)) => s.to_string(),
                    Ok(_) => "the produced message didn't resolve to a string, check your policy definition."
                        .to_string(),
                    Err(_) => v.message.clone(),
                }
            };
            Resp {
                policy_path: info
                    .policy_path
                    .as_ref()
                    .map(|p| format!("{p}/validate/deny")),
                ..Resp::new(Status::Fail, msg)
            }
        }
        Ok(_) => Resp::new(
            Status::Pass,
            format!("validation rule '{}' passed.", info.name),
        ),
    }
}

/// `validate.message` substituted, for failure messages. Err: the substitution failed.
fn rule_message(info: &RuleInfo, ctx: &mut Context) -> Result<String, ()> {
    match vars::substitute_string(ctx, &info.message, "") {
        Ok(Value::String(s)) => Ok(s.to_string()),
        Ok(other) => Ok(crate::jmespath::json::to_go_json(&other)),
        Err(_) => Err(()),
    }
}

/// `buildErrorMessage`.
fn error_message(info: &RuleInfo, ctx: &mut Context, err: &str, path: &str) -> String {
    let r = &info.name;
    if info.message.is_empty() {
        if !path.is_empty() {
            return format!("validation error: rule {r} failed at path {path}");
        }
        return format!("validation error: rule {r} execution error: {err}");
    }
    match rule_message(info, ctx) {
        Err(()) => {
            format!(
                "validation error: variables substitution error in rule {r} execution error: {err}"
            )
        }
        Ok(mut msg) => {
            if !msg.ends_with('.') {
                msg.push('.');
            }
            if !path.is_empty() {
                format!("validation error: {msg} rule {r} failed at path {path}")
            } else {
                format!("validation error: {msg} rule {r} execution error: {err}")
            }
        }
    }
}

fn validate_patterns(
    info: &RuleInfo,
    pattern: Option<&Value>,
    any_pattern: Option<&Value>,
    ctx: &mut Context,
    element: Option<&Value>,
    nesting: usize,
) -> Option<Resp> {
    // Substitution comes first (an error here is the rule's error, even on DELETE).
    let substituted = match (pattern, any_pattern) {
        (Some(p), _) => vars::substitute_pattern(ctx, p),
        (None, Some(ap)) => vars::substitute_pattern(ctx, ap),
        (None, None) => return None,
    };
    let substituted = match substituted {
        Ok(v) => v,
        Err(e) => return Some(Resp::error("variable substitution failed", &e)),
    };
    let mut mode = NumMode::Resource;
    let resource = match element.filter(|e| !is_empty_object(e)) {
        Some(e) => {
            mode = NumMode::Json;
            e.clone()
        }
        None => {
            if ctx.request.operation == Operation::Delete {
                return None;
            }
            ctx.request.object.clone()
        }
    };
    let r = &info.name;
    if pattern.is_some() {
        return Some(
            match pattern::validate_with(&resource, &substituted, mode) {
                Ok(()) => Resp::new(Status::Pass, format!("validation rule '{r}' passed.")),
                Err(Outcome::Skip { message }) => Resp::new(Status::Skip, message),
                Err(Outcome::Fail {
                    message,
                    path,
                    pattern_path,
                }) => {
                    if path.is_empty() {
                        Resp::new(Status::Error, error_message(info, ctx, &message, ""))
                    } else {
                        Resp {
                            status: Status::Fail,
                            message: error_message(info, ctx, &message, &path),
                            resource_path: Some(path),
                            policy_path: if nesting == 0 {
                                info.policy_path
                                    .as_ref()
                                    .map(|p| format!("{p}/validate/pattern{pattern_path}"))
                            } else {
                                None
                            },
                        }
                    }
                }
                Err(Outcome::Error { message }) => {
                    Resp::new(Status::Error, error_message(info, ctx, &message, ""))
                }
            },
        );
    }
    let Some(patterns) = substituted.as_array() else {
        return Some(Resp::error(
            "failed to deserialize anyPattern, expected type array",
            &format!(
                "json: cannot unmarshal {} into Go value of type []interface {{}}",
                substituted.type_name()
            ),
        ));
    };
    let failed = match pattern::validate_any_with(&resource, patterns, r, mode) {
        Ok(()) => {
            let idx = patterns
                .iter()
                .position(|p| pattern::validate_with(&resource, p, mode).is_ok())
                .unwrap_or(0);
            if patterns.is_empty() {
                return Some(Resp::new(Status::Pass, info.message.clone()));
            }
            return Some(Resp::new(
                Status::Pass,
                format!("validation rule '{r}' anyPattern[{idx}] passed."),
            ));
        }
        Err(AnyOutcome::Skip { message }) => return Some(Resp::new(Status::Skip, message)),
        Err(AnyOutcome::Fail { errors, .. }) => errors,
    };
    {
        let errs = failed.join(" ");
        let msg = if info.message.is_empty() {
            format!("validation error: {errs}")
        } else {
            match rule_message(info, ctx) {
                Err(()) => format!(
                    "validation error: variables substitution error in rule {r} execution error: {errs}"
                ),
                Ok(m) if m.ends_with('.') => format!("validation error: {m} {errs}"),
                Ok(m) => format!("validation error: {m}. {errs}"),
            }
        };
        Some(Resp::new(Status::Fail, msg))
    }
}

fn validate_foreach(
    info: &RuleInfo,
    list: &Value,
    ctx: &mut Context,
    nesting: usize,
    element: Option<&Value>,
) -> Option<Resp> {
    if nesting >= MAX_FOREACH_NESTING {
        return Some(Resp::new(
            Status::Error,
            format!(
                "foreach nested more than {MAX_FOREACH_NESTING} levels; kyverno-ls evaluates no deeper"
            ),
        ));
    }
    let entries = list.as_array()?;
    let mut apply_count = 0;
    let mut list_error: Option<String> = None;
    for fe in entries {
        let expr = fe.str_at(&["list"]);
        let elements = match foreach_elements(ctx, fe) {
            Ok(elements) => elements,
            Err(e) => {
                if !e.starts_with("Unknown key") && list_error.is_none() {
                    list_error = Some(format!("failed to evaluate list {expr}: {e}"));
                }
                continue;
            }
        };
        if elements.len() > MAX_FOREACH_ELEMENTS {
            return Some(Resp::new(
                Status::Error,
                format!(
                    "foreach list {expr} has {} elements; kyverno-ls evaluates at most {} foreach elements per rule",
                    thousands(elements.len() as u64),
                    thousands(MAX_FOREACH_ELEMENTS as u64)
                ),
            ));
        }
        let (resp, count) = validate_elements(info, fe, &elements, ctx, nesting, element);
        if resp.status != Status::Pass {
            return Some(resp);
        }
        apply_count += count;
    }
    if apply_count == 0 {
        return list_error.map(|e| Resp::new(Status::Error, e));
    }
    Some(Resp::new(Status::Pass, "rule passed"))
}

/// The elements a `foreach` entry iterates over: its `list`, read in `ctx`; a value that is
/// not a list is one element.
pub fn foreach_elements(ctx: &mut Context, fe: &Value) -> Result<Vec<Value>, String> {
    Ok(match ctx.query(fe.str_at(&["list"]))? {
        Value::Array(items) => items.to_vec(),
        other => vec![other],
    })
}

/// The context the body of `foreach` entry `fe` of rule `rule_name` is evaluated in for
/// element `el` (at `index` of its list, `nesting` levels deep): the element, the values
/// file's per-element values, then the entry's own context entries. The editor's values come
/// from here too.
pub fn element_context<'a>(
    ctx: &Context<'a>,
    rule_name: &str,
    fe: &Value,
    el: &Value,
    index: usize,
    nesting: usize,
) -> Result<Context<'a>, String> {
    let mut c = ctx.clone();
    c.add_element(el, index, nesting);
    for (k, vals) in super::rule_values(&ctx.request.foreach_values, rule_name)
        .into_iter()
        .flatten()
    {
        if let Some(v) = vals.get(index) {
            c.set(k, v.clone());
        }
    }
    c.register(fe.at(&["context"]).unwrap_or(&Value::Null), &[])?;
    Ok(c)
}

fn validate_elements(
    info: &RuleInfo,
    fe: &Value,
    elements: &[Value],
    ctx: &Context,
    nesting: usize,
    outer_element: Option<&Value>,
) -> (Resp, usize) {
    let mut apply_count = 0;
    let element_scope = match fe.at(&["elementScope"]) {
        Some(Value::Bool(b)) => Some(*b),
        _ => None,
    };
    for (index, el) in elements.iter().enumerate() {
        if matches!(el, Value::Null) {
            continue;
        }
        let left = info.budget.get();
        if left == 0 {
            let msg = format!(
                "foreach evaluated more than {} elements in this rule (all lists and nesting levels together); kyverno-ls stops there",
                thousands(MAX_FOREACH_ELEMENTS as u64)
            );
            return (Resp::new(Status::Error, msg), apply_count);
        }
        info.budget.set(left - 1);
        let is_map = matches!(el, Value::Object(_));
        let scoped = match element_scope {
            Some(true) if !is_map => {
                let msg = format!(
                    "failed to process foreach: cannot use elementScope=true foreach rules for elements that are not maps, expected type=map got type={}",
                    go_type(el)
                );
                return (Resp::new(Status::Error, msg), apply_count);
            }
            Some(b) => b,
            None => is_map,
        };
        let element = if scoped { Some(el) } else { outer_element };
        let r = match element_context(ctx, &info.name, fe, el, index, nesting) {
            Ok(mut c) => validator(info, fe, &mut c, nesting + 1, element, true),
            Err(e) => Some(Resp::error("failed to load context", &e)),
        };
        let Some(r) = r else {
            continue;
        };
        match r.status {
            Status::Skip => continue,
            Status::Pass => apply_count += 1,
            Status::Error if r.message.starts_with("failed to evaluate preconditions") => continue,
            status => {
                return (
                    Resp {
                        status,
                        message: format!("validation failure: {}", r.message),
                        ..r
                    },
                    apply_count,
                );
            }
        }
    }
    (Resp::new(Status::Pass, ""), apply_count)
}

fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "<nil>",
        Value::Bool(_) => "bool",
        Value::Number(_) => "float64",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

fn pod_security(info: &RuleInfo, ps: &Value, request: &Request, env: &Env) -> Option<Resp> {
    let _ = env;
    if request.operation == Operation::Delete {
        return None;
    }
    let r = &info.name;
    let eval = |resource: &Value| -> Option<Resp> {
        Some(match pss::evaluate(ps, resource) {
            o @ PssOutcome::Pass => Resp::new(Status::Pass, pss::failure_message(r, &o)),
            o @ PssOutcome::Fail { .. } => Resp {
                policy_path: info
                    .policy_path
                    .as_ref()
                    .map(|p| format!("{p}/validate/podSecurity")),
                ..Resp::new(Status::Fail, pss::failure_message(r, &o))
            },
            PssOutcome::NotApplicable => return None,
            PssOutcome::Error { message } => Resp::new(Status::Error, message),
        })
    };
    let resp = eval(&request.object)?;
    if resp.status == Status::Fail
        && request.operation == Operation::Update
        && allow_existing(info.rule)
    {
        if let Some(prior) = eval(&request.old_object) {
            if prior.status == resp.status {
                return Some(Resp::new(
                    Status::Skip,
                    "skipping modified resource as validation results have not changed",
                ));
            }
        }
    }
    Some(resp)
}
