//! Migration of ClusterPolicy and Policy validate rules to ValidatingPolicy and
//! NamespacedValidatingPolicy (`policies.kyverno.io/v1`), and the proof that the result
//! decides as the original does (`proof.rs`).
//!
//! It reads the policy model of an analysis (which documents are policies, their rules and
//! where they are) and each rule's JSON, as the engine does. A rule is translated only when
//! every part of it has a faithful CEL form; anything else is refused with the reason and the
//! place, because a wrong translation is worse than none.
//!
//! One rule becomes one policy: a single-rule policy keeps its name, the rules of a larger
//! one become `<policy>-<rule>`, so that each keeps its own verdict as `kyverno test` reports
//! it.

pub mod conditions;
pub mod pattern;
pub mod proof;

use serde_json::{Map, Value, json};

use crate::analysis::Analysis;
use crate::diag::{Severity, Span};
use crate::k8s::{self, Shape};
use crate::model::Family;
use pattern::{Expr, Judged, Refused, Translator};

/// The annotation that names the Pod controllers a ClusterPolicy's rules are copied to.
const AUTOGEN_ANNOTATION: &str = "pod-policies.kyverno.io/autogen-controllers";

/// A translated rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Migrated {
    /// The original policy's name, and the rule's name and index in `spec.rules`.
    pub policy: String,
    pub rule: String,
    pub rule_index: usize,
    /// The new policy's name.
    pub name: String,
    /// The whole document.
    pub document: Value,
    /// The comments above the original document, kept above the new one.
    pub comments: String,
    /// What changed in meaning, for the reader (never a change of verdict on a valid
    /// resource: those are refusals).
    pub notes: Vec<String>,
}

/// A rule (or a whole policy) that was not translated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub policy: String,
    /// Empty for the whole policy.
    pub rule: String,
    /// Where in the text: the rule's name, or the policy's.
    pub span: Span,
    /// The place in the rule, a path such as `validate.pattern.spec.containers.0`.
    pub place: String,
    pub reason: String,
}

/// Everything one text gave.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Migration {
    pub migrated: Vec<Migrated>,
    pub refused: Vec<Refusal>,
}

impl Migration {
    /// The migrated documents as one YAML stream.
    pub fn yaml(&self) -> String {
        self.migrated
            .iter()
            .map(|m| {
                m.comments.clone()
                    + &crate::ide::changes::to_yaml(&crate::jmespath::value::Value::from_json(
                        &m.document,
                    ))
            })
            .collect::<Vec<_>>()
            .join("---\n")
    }
}

/// Migrates every ClusterPolicy and Policy of the analysed text.
pub fn migrate(text: &str, analysis: &Analysis) -> Migration {
    let mut out = Migration::default();
    for d in &analysis.documents {
        let Some(policy) = &d.policy else { continue };
        if policy.family != Family::Jmespath {
            continue;
        }
        let Some(root) = &d.doc.root else { continue };
        let json = root.to_json();
        let span = policy.name_span.clone().unwrap_or(d.doc.span.clone());
        let refuse_all = |reason: String| Refusal {
            policy: policy.name.clone(),
            rule: String::new(),
            span: span.clone(),
            place: String::new(),
            reason,
        };
        let errors = analysis
            .diagnostics
            .iter()
            .any(|x| x.severity == Severity::Error && d.doc.span.contains(&x.span.start));
        if errors {
            out.refused.push(refuse_all(
                "the policy has errors; fix them first, as Kyverno would not accept it".into(),
            ));
            continue;
        }
        let comments: String = text
            .get(d.doc.span.clone())
            .unwrap_or_default()
            .lines()
            .take_while(|l| {
                l.trim_start().starts_with('#') || l.trim().is_empty() || l.trim() == "---"
            })
            .filter(|l| l.trim_start().starts_with('#') && !l.contains("kyverno-ls:"))
            .map(|l| format!("{}\n", l.trim_start()))
            .collect();
        let spec = json.get("spec").cloned().unwrap_or(Value::Null);
        let rules = spec
            .get("rules")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let many = rules.len() > 1;
        for r in &policy.rules {
            let Some(rule) = rules.get(r.index) else {
                continue;
            };
            let name = if many {
                format!("{}-{}", policy.name, r.name)
            } else {
                policy.name.clone()
            };
            match translate(&json, &spec, rule, policy.namespaced, &name) {
                Ok((document, notes)) => out.migrated.push(Migrated {
                    policy: policy.name.clone(),
                    rule: r.name.clone(),
                    rule_index: r.index,
                    name,
                    document,
                    comments: comments.clone(),
                    notes,
                }),
                Err(Refused { pointer, reason }) => out.refused.push(Refusal {
                    policy: policy.name.clone(),
                    rule: r.name.clone(),
                    span: r.name_span.clone(),
                    place: pointer.trim_start_matches('/').replace('/', "."),
                    reason,
                }),
            }
        }
    }
    out
}

fn refused(at: &str, reason: impl Into<String>) -> Refused {
    Refused {
        pointer: at.to_string(),
        reason: reason.into(),
    }
}

/// One rule as a ValidatingPolicy document, and notes for the reader.
fn translate(
    policy: &Value,
    spec: &Value,
    rule: &Value,
    namespaced: bool,
    name: &str,
) -> Result<(Value, Vec<String>), Refused> {
    let mut notes = Vec::new();
    let Some(validate) = rule.get("validate") else {
        let what = ["mutate", "generate", "verifyImages"]
            .into_iter()
            .find(|k| rule.get(*k).is_some())
            .unwrap_or("this");
        return Err(refused(
            "",
            format!("only validate rules become ValidatingPolicies; a {what} rule is not migrated"),
        ));
    };
    for key in ["context"] {
        if rule.get(key).is_some_and(|v| !is_empty(v)) {
            return Err(refused(
                key,
                format!("`{key}` is not translated yet; the rule is left as it is"),
            ));
        }
    }
    for key in ["failureActionOverrides", "allowExistingViolations"] {
        if validate.get(key).is_some() {
            return Err(refused(
                &format!("validate/{key}"),
                format!(
                    "a ValidatingPolicy has no `{key}`; Kyverno's guide points to a PolicyException"
                ),
            ));
        }
    }
    if spec
        .get("validationFailureActionOverrides")
        .is_some_and(|v| !is_empty(v))
    {
        return Err(refused(
            "",
            "a ValidatingPolicy has no `validationFailureActionOverrides`",
        ));
    }
    if spec.get("applyRules").and_then(Value::as_str) == Some("One")
        && spec["rules"].as_array().is_some_and(|r| r.len() > 1)
    {
        return Err(refused(
            "",
            "`applyRules: One` decides across rules, which separate policies cannot",
        ));
    }

    let kinds = matched_kinds(rule, &mut notes)?;
    let (mut constraints, mut conditions) = match_constraints(rule, &kinds)?;
    // Where preconditions do not hold Kyverno skips the rule, as a ValidatingPolicy skips
    // where a match condition does not.
    if let Some(pre) = rule.get("preconditions").filter(|v| !is_empty(v)) {
        if !operation_preconditions(pre, &mut constraints)? {
            let scope = conditions::Scope {
                element: None,
                object: conditions::object_shape(kinds.typed()),
            };
            let holds = conditions::block(pre, &scope, "preconditions", &mut notes)?;
            conditions.push(json!({"name": "preconditions", "expression": holds.text}));
        }
    }
    for (i, c) in rule
        .get("celPreconditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let (Some(name), Some(expression)) = (
            c.get("name").and_then(Value::as_str),
            c.get("expression").and_then(Value::as_str),
        ) else {
            return Err(refused(
                &format!("celPreconditions/{i}"),
                "a CEL precondition needs a name and an expression",
            ));
        };
        if conditions.iter().any(|m| m["name"] == name) {
            return Err(refused(
                &format!("celPreconditions/{i}"),
                format!("the name `{name}` is taken by another match condition"),
            ));
        }
        conditions.push(json!({"name": name, "expression": expression}));
    }

    let mut validations = Vec::new();
    // A `validate.cel` rule's own variables and audit annotations.
    let mut variables = None;
    let mut audit_annotations = None;
    let message = validate
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("");
    let message_fields = message_fields(message, &mut notes);
    // Where the pattern makes Kyverno skip, the policy does not apply: a match condition.
    let skip: Expr;
    // The match condition's name says why the policy would not apply.
    let mut skip_name = "pattern-anchors-hold";
    if let Some(p) = validate.get("pattern") {
        let j = root(p, &kinds, "validate/pattern")?;
        skip = j.skip;
        validations.push(validation(j.pass.text, &message_fields));
    } else if let Some(ps) = validate.get("anyPattern") {
        let Some(list) = ps.as_array().filter(|l| !l.is_empty()) else {
            return Err(refused(
                "validate/anyPattern",
                "`anyPattern` must be a non-empty list",
            ));
        };
        let mut alts = Vec::new();
        for (i, p) in list.iter().enumerate() {
            alts.push(root(p, &kinds, &format!("validate/anyPattern/{i}"))?);
        }
        // Kyverno skips only when every pattern skips.
        skip = Expr::and(alts.iter().map(|j| j.skip.clone()).collect());
        validations.push(validation(
            Expr::or(alts.into_iter().map(|j| j.pass).collect()).text,
            &message_fields,
        ));
    } else if let Some(entries) = validate.get("foreach") {
        let object = conditions::object_shape(kinds.typed());
        let (check, nonempty) = foreach(entries, object, &mut notes)?;
        skip = Expr::negate(nonempty);
        skip_name = "foreach-has-elements";
        validations.push(validation(check.text, &message_fields));
    } else if let Some(deny) = validate.get("deny") {
        let scope = conditions::Scope {
            element: None,
            object: conditions::object_shape(kinds.typed()),
        };
        let block = deny_block(deny, &scope, "validate/deny", &mut notes)?;
        skip = Expr::atom("false");
        validations.push(validation(Expr::negate(block).text, &message_fields));
    } else if let Some(cel) = validate.get("cel") {
        // Its expressions are already the ValidatingPolicy's.
        if cel.get("paramKind").is_some() || cel.get("paramRef").is_some() {
            return Err(refused(
                "validate/cel/paramKind",
                "a ValidatingPolicy has no parameters; inline them or read them with `resource.Get`",
            ));
        }
        skip = Expr::atom("false");
        variables = cel.get("variables").cloned();
        audit_annotations = cel.get("auditAnnotations").cloned();
        validations.extend(
            cel.get("expressions")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .cloned(),
        );
    } else {
        let form = ["podSecurity", "manifests"]
            .into_iter()
            .find(|k| validate.get(*k).is_some())
            .unwrap_or("validate");
        return Err(refused(
            &format!("validate/{form}"),
            format!("`{form}` rules are not translated yet"),
        ));
    }

    let mut out_spec = Map::new();
    out_spec.insert("validationActions".into(), json!([action(spec, validate)]));
    common_spec(spec, &mut out_spec);
    out_spec.insert("matchConstraints".into(), constraints);
    let mut conditions = conditions;
    if !skip.is_false() {
        conditions.push(json!({"name": skip_name, "expression": Expr::negate(skip).text}));
    }
    if !conditions.is_empty() {
        out_spec.insert("matchConditions".into(), Value::Array(conditions));
    }
    if let Some(a) = autogen(policy, rule, &kinds, &mut notes) {
        out_spec.insert("autogen".into(), a);
    }
    if let Some(v) = variables {
        out_spec.insert("variables".into(), v);
    }
    if !validations.is_empty() {
        out_spec.insert("validations".into(), Value::Array(validations));
    }
    if let Some(a) = audit_annotations {
        out_spec.insert("auditAnnotations".into(), a);
    }
    Ok((document(policy, namespaced, name, out_spec), notes))
}

/// The conditions of a `deny`, which must have some.
fn deny_block(
    deny: &Value,
    scope: &conditions::Scope,
    at: &str,
    notes: &mut Vec<String>,
) -> Result<Expr, Refused> {
    let c = deny
        .get("conditions")
        .filter(|c| !is_empty(c))
        .ok_or_else(|| refused(at, "a `deny` without conditions is not translated"))?;
    conditions::block(c, scope, &format!("{at}/conditions"), notes)
}

/// `foreach` entries (one level, each with a `deny` or a `pattern`): every element of every
/// list must pass, and Kyverno gives no verdict at all when no list has an element, which a
/// match condition says.
fn foreach(
    entries: &Value,
    object: Option<Shape>,
    notes: &mut Vec<String>,
) -> Result<(Expr, Expr), Refused> {
    let list = entries
        .as_array()
        .filter(|l| !l.is_empty())
        .ok_or_else(|| refused("validate/foreach", "`foreach` must be a non-empty list"))?;
    let mut checks = Vec::new();
    let mut nonempty = Vec::new();
    for (i, entry) in list.iter().enumerate() {
        let at = format!("validate/foreach/{i}");
        for key in entry.as_object().into_iter().flatten().map(|(k, _)| k) {
            if !matches!(key.as_str(), "list" | "deny" | "pattern") {
                return Err(refused(
                    &format!("{at}/{key}"),
                    format!("`{key}` in a `foreach` entry is not translated yet"),
                ));
            }
        }
        let expr = entry
            .get("list")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let outer = conditions::Scope {
            element: None,
            object: object.clone(),
        };
        let (items, shape) = conditions::list(expr, &outer, &format!("{at}/list"))?;
        let var = match &shape {
            Some(Shape::Object(_)) if expr.contains("ontainers") => "container",
            _ => "element",
        };
        let body = if let Some(deny) = entry.get("deny") {
            let scope = conditions::Scope {
                element: Some((var, shape.clone())),
                object: object.clone(),
            };
            Expr::negate(deny_block(deny, &scope, &format!("{at}/deny"), notes)?)
        } else if let Some(p) = entry.get("pattern") {
            let judged = Translator::new().value(p, var, &shape, &format!("{at}/pattern"))?;
            if !judged.skip.is_false() {
                return Err(refused(
                    &format!("{at}/pattern"),
                    "anchors that skip elements of a `foreach` are not translated yet",
                ));
            }
            judged.pass
        } else {
            return Err(refused(
                &at,
                "a `foreach` entry without `deny` or `pattern` is not translated yet",
            ));
        };
        checks.push(Expr::atom(format!("({items}).all({var}, {})", body.text)));
        nonempty.push(Expr::compare(format!("size({items}) > 0")));
    }
    Ok((Expr::and(checks), Expr::or(nonempty)))
}

/// The names a `match` or `exclude` attribute lists (`name` holds one).
fn names_of(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        v => v
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
        _ => false,
    }
}

/// A pattern at the root of the resource, over the types of the matched kinds: a field is
/// typed only where every kind gives it the same shape (`metadata` always does).
fn root(p: &Value, kinds: &Kinds, at: &str) -> Result<Judged, Refused> {
    let Some(m) = p.as_object() else {
        return Err(refused(at, "a pattern must be a map"));
    };
    let mut t = Translator::new();
    let mut parts = Vec::new();
    for k in &pattern::key_order(m) {
        let name = crate::engine::anchor::parse(k).map_or(k.as_str(), |a| a.key);
        let shapes: Vec<Option<Shape>> = kinds.field_shapes(name);
        let known = match shapes.first() {
            Some(first) if shapes.iter().all(|s| s == first) => first.clone(),
            _ => None,
        };
        parts.push(t.key_with(k, &m[k], "object", known, &format!("{at}/{k}"))?);
    }
    Ok(pattern::in_order(parts))
}

/// What a failure does: `Enforce` denies, `Audit` (Kyverno's default) reports.
fn action(spec: &Value, validate: &Value) -> &'static str {
    let a = validate
        .get("failureAction")
        .or_else(|| spec.get("validationFailureAction"))
        .and_then(Value::as_str)
        .unwrap_or("Audit");
    if a.eq_ignore_ascii_case("enforce") {
        "Deny"
    } else {
        "Audit"
    }
}

/// The settings of the policy that carry over as they are.
fn common_spec(spec: &Value, out: &mut Map<String, Value>) {
    if let Some(fp) = spec.get("failurePolicy") {
        out.insert("failurePolicy".into(), fp.clone());
    }
    let mut evaluation = Map::new();
    if spec.get("background") == Some(&Value::Bool(false)) {
        evaluation.insert("background".into(), json!({"enabled": false}));
    }
    if spec.get("admission") == Some(&Value::Bool(false)) {
        evaluation.insert("admission".into(), json!({"enabled": false}));
    }
    if !evaluation.is_empty() {
        out.insert("evaluation".into(), Value::Object(evaluation));
    }
    if let Some(t) = spec.get("webhookTimeoutSeconds") {
        out.insert("webhookConfiguration".into(), json!({"timeoutSeconds": t}));
    }
}

fn document(policy: &Value, namespaced: bool, name: &str, spec: Map<String, Value>) -> Value {
    let mut metadata = Map::new();
    metadata.insert("name".into(), json!(name));
    let meta = &policy["metadata"];
    if namespaced {
        if let Some(ns) = meta.get("namespace") {
            metadata.insert("namespace".into(), ns.clone());
        }
    }
    if let Some(Value::Object(labels)) = meta.get("labels") {
        metadata.insert("labels".into(), Value::Object(labels.clone()));
    }
    if let Some(Value::Object(annotations)) = meta.get("annotations") {
        let kept: Map<String, Value> = annotations
            .iter()
            .filter(|(k, _)| *k != AUTOGEN_ANNOTATION)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if !kept.is_empty() {
            metadata.insert("annotations".into(), Value::Object(kept));
        }
    }
    json!({
        "apiVersion": "policies.kyverno.io/v1",
        "kind": if namespaced { "NamespacedValidatingPolicy" } else { "ValidatingPolicy" },
        "metadata": metadata,
        "spec": spec,
    })
}

/// The single `match` filter of a rule: `match.resources`, or one entry of `any`/`all`.
fn filters(rule: &Value) -> Result<Vec<&Value>, Refused> {
    let m = rule
        .get("match")
        .ok_or_else(|| refused("match", "the rule has no `match`"))?;
    if let Some(any) = m.get("any").and_then(Value::as_array) {
        let filters: Vec<&Value> = any.iter().collect();
        if filters.len() > 1
            && filters.iter().any(|f| {
                f.as_object().is_some_and(|o| {
                    o.len() > 1
                        || o.get("resources")
                            .and_then(Value::as_object)
                            .is_some_and(|r| r.keys().any(|k| k != "kinds" && k != "operations"))
                })
            })
        {
            return Err(refused(
                "match/any",
                "several `match.any` entries with more than kinds and operations are not translated yet",
            ));
        }
        return Ok(filters);
    }
    if let Some(all) = m.get("all").and_then(Value::as_array) {
        if all.len() != 1 {
            return Err(refused(
                "match/all",
                "`match.all` with several entries is not translated yet",
            ));
        }
        return Ok(all.iter().collect());
    }
    Ok(vec![m])
}

/// The kinds a rule matches: Kubernetes' built-in kinds, which `resourceRules` name by their
/// plural, and any other (a custom resource), which without its CRD only a match condition on
/// the request's kind can name, as Kyverno compares it.
struct Kinds {
    builtin: Vec<&'static k8s::Kind>,
    /// Group, version and kind of each selector that is not built in, as Kyverno parses
    /// them (`*` where the selector leaves it open).
    custom: Vec<(String, String, String)>,
    /// Every selector as written.
    selectors: Vec<String>,
}

impl Kinds {
    /// The built-in kinds, when they are all the rule matches: only then is a field's type
    /// known.
    fn typed(&self) -> &[&'static k8s::Kind] {
        if self.custom.is_empty() {
            &self.builtin
        } else {
            &[]
        }
    }

    /// Whether a namespace selector that leaves namespaces out excludes what Kyverno's
    /// excluded `namespaces` do. It does for namespaced objects; it passes cluster-scoped
    /// ones, which have no namespace for Kyverno to exclude either, so a custom kind of
    /// unknown scope is fine too. A Namespace is the exception: Kyverno compares its name.
    fn namespaces_excludable(&self) -> bool {
        self.builtin
            .iter()
            .all(|k| k.scope == k8s::Scope::Namespaced)
            && self
                .custom
                .iter()
                .all(|(_, _, k)| k != "Namespace" && !crate::wildcard::has_wildcard(k))
    }

    /// The shape of a top-level field in each kind: every object has the same `metadata`,
    /// `apiVersion` and `kind`, and nothing else is known of a custom kind.
    fn field_shapes(&self, name: &str) -> Vec<Option<Shape>> {
        let mut out: Vec<Option<Shape>> = self
            .builtin
            .iter()
            .map(|k| pattern::field_of(&Shape::Object(k.ty), name))
            .collect();
        if !self.custom.is_empty() {
            let common = match name {
                "apiVersion" | "kind" => Some(Shape::String),
                "metadata" => k8s::api()
                    .kind("", "v1", "ConfigMap")
                    .and_then(|k| pattern::field_of(&Shape::Object(k.ty), "metadata")),
                _ => Some(Shape::Any),
            };
            out.push(common);
        }
        out
    }
}

/// The kinds the rule matches: from the API index, or as selectors of other kinds.
fn matched_kinds(rule: &Value, notes: &mut Vec<String>) -> Result<Kinds, Refused> {
    let mut out = Kinds {
        builtin: Vec::new(),
        custom: Vec::new(),
        selectors: Vec::new(),
    };
    for f in filters(rule)? {
        let kinds = f
            .get("resources")
            .and_then(|r| r.get("kinds"))
            .and_then(Value::as_array)
            .filter(|k| !k.is_empty())
            .ok_or_else(|| refused("match", "a `match` entry without `kinds` is not translated"))?;
        for k in kinds {
            let s = k.as_str().unwrap_or_default();
            if out.selectors.iter().any(|x| x == s) {
                continue;
            }
            out.selectors.push(s.to_string());
            let exact = || -> Option<Vec<&'static k8s::Kind>> {
                let [g, v, k] = s.split('/').collect::<Vec<_>>()[..] else {
                    return None;
                };
                Some(vec![k8s::api().kind(g, v, k)?])
            };
            if let Some(found) = k8s::api().kinds_of_selector(s).or_else(exact) {
                for k in found {
                    if !out.builtin.iter().any(|x| std::ptr::eq(*x, k)) {
                        out.builtin.push(k);
                    }
                }
                continue;
            }
            let (group, version, kind, sub) = crate::engine::matching::parse_kind_selector(s);
            if !sub.is_empty() || kind.is_empty() {
                return Err(refused(
                    "match",
                    format!("the kind `{s}` names a subresource, which is not translated yet"),
                ));
            }
            notes.push(format!(
                "`{s}` is not one of Kubernetes' built-in kinds: the policy asks for every resource of {} and keeps `{kind}` by the match condition `kinds`; where its CRD is installed, naming its plural in `resourceRules` is narrower",
                if group == "*" { "any API group".to_string() } else { format!("`{group}`") }
            ));
            out.custom.push((group, version, kind));
        }
    }
    Ok(out)
}

/// `matchConstraints` (resource rules per group and version) and the `matchConditions` for
/// what they cannot say (names and namespaces with wildcards).
fn match_constraints(rule: &Value, kinds: &Kinds) -> Result<(Value, Vec<Value>), Refused> {
    let filters = filters(rule)?;
    let mut operations: Vec<String> = Vec::new();
    let mut conditions = Vec::new();
    let mut ns_in: Vec<String> = Vec::new();
    let mut object_selector = None;
    let excluded = exclusions(rule, kinds, &mut conditions)?;
    let ns_out = excluded.namespaces;
    for f in &filters {
        let Some(obj) = f.as_object() else { continue };
        for k in obj.keys() {
            if !matches!(k.as_str(), "resources") {
                return Err(refused(
                    &format!("match/{k}"),
                    format!("`{k}` in `match` is not translated yet"),
                ));
            }
        }
        let res = &f["resources"];
        for (k, v) in res.as_object().into_iter().flatten() {
            match k.as_str() {
                "kinds" => {}
                "selector" if filters.len() == 1 => {
                    object_selector = Some(selector(v)?);
                }
                "operations" => {
                    for o in v.as_array().into_iter().flatten().filter_map(Value::as_str) {
                        if !operations.iter().any(|x| x == o) {
                            operations.push(o.to_string());
                        }
                    }
                }
                "names" | "name" | "namespaces" if filters.len() == 1 => {
                    let list = names_of(v);
                    if list.is_empty() {
                        continue;
                    }
                    let (field, cname) = if k == "namespaces" {
                        if !kinds.custom.is_empty() {
                            return Err(refused(
                                "match/resources/namespaces",
                                "`namespaces` with a kind that is not built in: whether its objects have a namespace is not known",
                            ));
                        }
                        if kinds.builtin.iter().any(|k| k.kind == "Namespace") {
                            return Err(refused(
                                "match/resources/namespaces",
                                "`namespaces` on Namespace objects compares their names; not translated",
                            ));
                        }
                        ("object.metadata.namespace", "namespaces")
                    } else {
                        ("object.metadata.name", "names")
                    };
                    if k == "namespaces" && !list.iter().any(|n| crate::wildcard::has_wildcard(n)) {
                        // As Kubernetes selects namespaces: by their name label, so that a
                        // resource elsewhere is not matched at all rather than skipped.
                        ns_in.extend(list);
                        continue;
                    }
                    let alts: Vec<Expr> =
                        list.iter().map(|n| pattern::wildcard(n, field)).collect();
                    conditions.push(json!({"name": cname, "expression": Expr::or(alts).text}));
                }
                other => {
                    return Err(refused(
                        &format!("match/resources/{other}"),
                        format!("`{other}` in `match` is not translated yet"),
                    ));
                }
            }
        }
    }
    // Kyverno's validate webhook sees creations and updates; its CLI tests creations.
    if operations.is_empty() {
        operations = vec!["CREATE".into(), "UPDATE".into()];
    }
    operations.retain(|o| !excluded.operations.contains(o));
    if operations.is_empty() {
        return Err(refused(
            "exclude",
            "`exclude` leaves out every operation the rule matches",
        ));
    }
    let mut rules: Vec<Value> = Vec::new();
    if !kinds.custom.is_empty() {
        // Every resource of the groups and versions the selectors name (any, where one leaves
        // them open), and the request's kind compared as Kyverno compares it.
        let parsed: Vec<(String, String, String, String)> = kinds
            .selectors
            .iter()
            .map(|s| crate::engine::matching::parse_kind_selector(s))
            .collect();
        let listed = |part: fn(&(String, String, String, String)) -> &String| -> Vec<String> {
            let mut out: Vec<String> = Vec::new();
            for p in &parsed {
                let v = part(p);
                if crate::wildcard::has_wildcard(v) {
                    return vec!["*".into()];
                }
                if !out.contains(v) {
                    out.push(v.clone());
                }
            }
            out
        };
        rules.push(json!({
            "apiGroups": listed(|p| &p.0),
            "apiVersions": listed(|p| &p.1),
            "operations": operations,
            "resources": ["*"],
        }));
        let holds = Expr::or(kinds.selectors.iter().map(|s| kind_condition(s)).collect());
        if !holds.is_true() {
            conditions.insert(0, json!({"name": "kinds", "expression": holds.text}));
        }
    }
    for k in kinds.typed() {
        let group = k.group.to_string();
        let version = k.version.to_string();
        let plural = k.plural.to_string();
        // One rule per group and version, holding their resources.
        if let Some(r) = rules
            .iter_mut()
            .find(|r| r["apiGroups"][0] == json!(group) && r["apiVersions"][0] == json!(version))
        {
            if let Some(list) = r["resources"].as_array_mut() {
                list.push(json!(plural));
            }
            continue;
        }
        rules.push(json!({
            "apiGroups": [group],
            "apiVersions": [version],
            "operations": operations,
            "resources": [plural],
        }));
    }
    let mut constraints = json!({"resourceRules": rules});
    if let Some((sel, holds)) = object_selector {
        if operations.iter().any(|o| o == "DELETE" || o == "*") {
            return Err(refused(
                "match/resources/selector",
                "a `selector` on deletions reads the old object's labels, which is not translated yet",
            ));
        }
        constraints["objectSelector"] = sel;
        conditions.push(json!({"name": "selector", "expression": holds.text}));
    }
    let mut expressions = Vec::new();
    for (operator, values) in [("In", ns_in), ("NotIn", ns_out)] {
        if !values.is_empty() {
            expressions
                .push(json!({"key": NAMESPACE_LABEL, "operator": operator, "values": values}));
        }
    }
    if !expressions.is_empty() {
        constraints["namespaceSelector"] = json!({"matchExpressions": expressions});
    }
    Ok((constraints, conditions))
}

/// A `match` label selector as the `objectSelector` of the resource rules, and a match
/// condition on the new object's labels: Kubernetes also matches an update whose old object
/// has the labels, where Kyverno reads the new object only. Kyverno reads `*` and `?` in
/// `matchLabels` as wildcards, which a label selector cannot say; its `matchExpressions` mean
/// what Kubernetes' do.
fn selector(v: &Value) -> Result<(Value, Expr), Refused> {
    let at = "match/resources/selector";
    let obj = v
        .as_object()
        .ok_or_else(|| refused(at, "a label selector must be a map"))?;
    let label = |k: &str| format!("object.metadata.?labels[?{}]", pattern::quote(k));
    let has = |k: &str| Expr::atom(format!("{}.hasValue()", label(k)));
    let value = |k: &str| format!("object.metadata.labels[{}]", pattern::quote(k));
    let mut all = Vec::new();
    for (k, x) in obj {
        match k.as_str() {
            "matchLabels" => {
                for (name, value_of) in x.as_object().into_iter().flatten() {
                    let text = value_of.as_str().unwrap_or_default();
                    if crate::wildcard::has_wildcard(name) || crate::wildcard::has_wildcard(text) {
                        return Err(refused(
                            &format!("{at}/matchLabels"),
                            "Kyverno reads `*` and `?` in `matchLabels` as wildcards, which a label selector cannot say",
                        ));
                    }
                    all.push(Expr::compare(format!(
                        "{} == optional.of({})",
                        label(name),
                        pattern::quote(text)
                    )));
                }
            }
            "matchExpressions" => {
                for (i, e) in x.as_array().into_iter().flatten().enumerate() {
                    let key = e.get("key").and_then(Value::as_str).unwrap_or_default();
                    let values: Vec<String> = names_of(e.get("values").unwrap_or(&Value::Null))
                        .iter()
                        .map(|v| pattern::quote(v))
                        .collect();
                    let within =
                        || Expr::compare(format!("{} in [{}]", value(key), values.join(", ")));
                    all.push(match e.get("operator").and_then(Value::as_str) {
                        Some("In") => Expr::and(vec![has(key), within()]),
                        Some("NotIn") => Expr::negate(Expr::and(vec![has(key), within()])),
                        Some("Exists") => has(key),
                        Some("DoesNotExist") => Expr::negate(has(key)),
                        _ => {
                            return Err(refused(
                                &format!("{at}/matchExpressions/{i}/operator"),
                                "a label selector's operator is `In`, `NotIn`, `Exists` or `DoesNotExist`",
                            ));
                        }
                    });
                }
            }
            other => {
                return Err(refused(
                    &format!("{at}/{other}"),
                    format!("`{other}` is not a field of a label selector"),
                ));
            }
        }
    }
    Ok((v.clone(), Expr::and(all)))
}

/// The label every namespace carries with its own name.
const NAMESPACE_LABEL: &str = "kubernetes.io/metadata.name";

/// What `exclude` leaves out: namespaces for the namespace selector, operations the resource
/// rules drop, and a match condition for the rest. Kyverno excludes a resource when an `any`
/// entry (or the one `all` entry) matches it, and an entry matches when every attribute it
/// names does.
struct Excluded {
    namespaces: Vec<String>,
    operations: Vec<String>,
}

fn exclusions(
    rule: &Value,
    kinds: &Kinds,
    conditions: &mut Vec<Value>,
) -> Result<Excluded, Refused> {
    let mut out = Excluded {
        namespaces: Vec::new(),
        operations: Vec::new(),
    };
    let Some(exclude) = rule.get("exclude").filter(|v| !is_empty(v)) else {
        return Ok(out);
    };
    let entries: Vec<&Value> = if let Some(any) = exclude.get("any").and_then(Value::as_array) {
        any.iter().collect()
    } else if let Some(all) = exclude
        .get("all")
        .and_then(Value::as_array)
        .filter(|a| a.len() == 1)
    {
        all.iter().collect()
    } else if exclude.get("all").is_none() {
        vec![exclude]
    } else {
        return Err(refused(
            "exclude",
            "`exclude.all` with several entries is not translated yet",
        ));
    };
    let mut alternatives = Vec::new();
    for e in entries {
        let Some(entry) = e.as_object() else { continue };
        // Kyverno leaves out what is empty (an attribute, a whole entry) as if unwritten; an
        // entry with nothing in it excludes nothing.
        if entry.values().all(unset) {
            continue;
        }
        for (k, v) in entry {
            match k.as_str() {
                _ if unset(v) => {}
                "resources" | "subjects" => {}
                "roles" | "clusterRoles" => {
                    return Err(refused(
                        &format!("exclude/{k}"),
                        format!(
                            "`{k}` are the roles Kyverno finds bound to the user; a ValidatingPolicy cannot see them"
                        ),
                    ));
                }
                other => {
                    return Err(refused(
                        &format!("exclude/{other}"),
                        format!("`{other}` in `exclude` is not translated yet"),
                    ));
                }
            }
        }
        let subjects = e.get("subjects").filter(|v| !unset(v));
        // The attributes written, `name` joined to `names` as Kyverno joins them.
        let mut attributes: Vec<(&str, Vec<String>)> = Vec::new();
        for (key, v) in e
            .get("resources")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter(|(_, v)| !unset(v))
        {
            let key = if key == "name" { "names" } else { key.as_str() };
            match attributes.iter_mut().find(|(k, _)| *k == key) {
                Some((_, list)) => list.extend(names_of(v)),
                None => attributes.push((key, names_of(v))),
            }
        }
        let only =
            |key: &str| subjects.is_none() && attributes.len() == 1 && attributes[0].0 == key;
        // One attribute alone: as the API server would leave the resource out.
        if only("namespaces")
            && kinds.namespaces_excludable()
            && !attributes[0]
                .1
                .iter()
                .any(|n| crate::wildcard::has_wildcard(n))
        {
            out.namespaces.extend(attributes[0].1.clone());
            continue;
        }
        if only("operations") {
            out.operations.extend(attributes[0].1.clone());
            continue;
        }
        let mut all = Vec::new();
        for (key, list) in &attributes {
            let any_of =
                |field: &str| Expr::or(list.iter().map(|n| pattern::wildcard(n, field)).collect());
            all.push(match *key {
                "kinds" => {
                    if let Some(s) = list
                        .iter()
                        .find(|s| !crate::engine::matching::parse_kind_selector(s).3.is_empty())
                    {
                        return Err(refused(
                            "exclude/resources/kinds",
                            format!(
                                "the kind `{s}` names a subresource, which is not translated yet"
                            ),
                        ));
                    }
                    if kinds.selectors.iter().all(|s| list.contains(s)) {
                        Expr::atom("true")
                    } else {
                        Expr::or(list.iter().map(|s| kind_condition(s)).collect())
                    }
                }
                "names" => any_of("object.metadata.name"),
                "namespaces" if kinds.namespaces_excludable() => {
                    any_of("object.metadata.?namespace.orValue('')")
                }
                "operations" => Expr::compare(format!(
                    "request.operation in [{}]",
                    list.iter()
                        .map(|o| pattern::quote(o))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
                other => {
                    return Err(refused(
                        &format!("exclude/resources/{other}"),
                        format!("`{other}` in `exclude` is not translated yet"),
                    ));
                }
            });
        }
        if let Some(subjects) = subjects {
            all.push(subjects_condition(subjects, "exclude/subjects")?);
        }
        alternatives.push(Expr::and(all));
    }
    if !alternatives.is_empty() {
        conditions.push(
            json!({"name": "exclude", "expression": Expr::negate(Expr::or(alternatives)).text}),
        );
    }
    Ok(out)
}

/// Whether Kyverno reads a `match` or `exclude` value as not written: null, an empty text or
/// list, or a map of such values.
fn unset(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.values().all(unset),
        _ => false,
    }
}

/// Whether the request's kind is the one a `kinds` selector names, compared part by part as
/// Kyverno compares them.
fn kind_condition(selector: &str) -> Expr {
    let (g, v, k, _) = crate::engine::matching::parse_kind_selector(selector);
    Expr::and(
        [(g, "group"), (v, "version"), (k, "kind")]
            .into_iter()
            .filter(|(p, _)| p != "*")
            .map(|(p, f)| pattern::wildcard(&p, &format!("request.kind.{f}")))
            .collect(),
    )
}

/// Whether the requesting user is one of `subjects`, as Kyverno compares them: a user by name,
/// a service account by its user name, a group among the user's groups, each with wildcards.
fn subjects_condition(subjects: &Value, at: &str) -> Result<Expr, Refused> {
    let mut alts = Vec::new();
    for s in subjects.as_array().into_iter().flatten() {
        let field = |k: &str| s.get(k).and_then(Value::as_str).unwrap_or_default();
        alts.push(match field("kind") {
            "User" => pattern::wildcard(field("name"), "request.userInfo.username"),
            "ServiceAccount" => pattern::wildcard(
                &format!(
                    "system:serviceaccount:{}:{}",
                    field("namespace"),
                    field("name")
                ),
                "request.userInfo.username",
            ),
            "Group" => Expr::atom(format!(
                "request.userInfo.?groups.orValue([]).exists(g, {})",
                pattern::wildcard(field("name"), "g").text
            )),
            other => {
                return Err(refused(
                    at,
                    format!("a subject of kind `{other}` is not translated"),
                ));
            }
        });
    }
    Ok(Expr::or(alts))
}

/// Preconditions that read only `request.operation` (`{{ request.operation || 'BACKGROUND' }}`
/// is not `DELETE`), decided here for each operation the resource rules name, by the engine's
/// own condition evaluation: the operations they hold for stay, the others go. False when they
/// read more, for a match condition to say.
fn operation_preconditions(pre: &Value, constraints: &mut Value) -> Result<bool, Refused> {
    let only_operation = |s: &str| {
        let mut rest = s;
        while let Some(start) = rest.find("{{") {
            let Some(len) = rest[start..].find("}}") else {
                return false;
            };
            let body = rest[start + 2..start + len].trim();
            let (path, default) = body.split_once("||").unwrap_or((body, ""));
            let default = default.trim();
            let literal = default.is_empty()
                || (default.len() >= 2
                    && default.starts_with('\'')
                    && default.ends_with('\'')
                    && !default[1..default.len() - 1].contains('\''));
            if path.trim() != "request.operation" || !literal {
                return false;
            }
            rest = &rest[start + len + 2..];
        }
        true
    };
    fn strings(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(s) => out.push(s.clone()),
            Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
            Value::Object(m) => m.iter().for_each(|(k, x)| {
                out.push(k.clone());
                strings(x, out);
            }),
            _ => {}
        }
    }
    let mut texts = Vec::new();
    strings(pre, &mut texts);
    if !texts.iter().all(|t| only_operation(t)) {
        return Ok(false);
    }
    let pre_engine = crate::jmespath::value::Value::from_json(pre);
    let env = crate::engine::Env::fixed();
    let holds = |op: &str| -> Result<bool, Refused> {
        let request = crate::engine::Request {
            operation: crate::engine::Operation::parse(op).unwrap_or_default(),
            ..Default::default()
        };
        let mut ctx = crate::engine::context::Context::new(&request, &env);
        crate::engine::conditions::evaluate_block(&mut ctx, &pre_engine)
            .map(|v| v.passed)
            .map_err(|e| {
                refused(
                    "preconditions",
                    format!("the preconditions cannot be decided: {e}"),
                )
            })
    };
    let Some(rules) = constraints["resourceRules"].as_array_mut() else {
        return Ok(true);
    };
    for r in rules.iter_mut() {
        let ops: Vec<String> = r["operations"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
        let mut kept = Vec::new();
        for op in ops {
            if holds(&op)? {
                kept.push(op);
            }
        }
        if kept.is_empty() {
            return Err(refused(
                "preconditions",
                "the preconditions hold for none of the operations the rule matches",
            ));
        }
        r["operations"] = json!(kept);
    }
    Ok(true)
}

/// `spec.autogen` where the ValidatingPolicy's default would differ from what the
/// ClusterPolicy's autogen did: off where Kyverno made no controller rules, the annotation's
/// controllers where it names some.
fn autogen(policy: &Value, rule: &Value, kinds: &Kinds, notes: &mut Vec<String>) -> Option<Value> {
    let pods_only = matches!(kinds.typed(), [k] if k.kind == "Pod");
    if !pods_only {
        return None;
    }
    // Whether Kyverno made controller rules: its own test, over every rule of the policy.
    let rules: Vec<crate::jmespath::value::Value> = policy["spec"]["rules"]
        .as_array()
        .into_iter()
        .flatten()
        .map(crate::jmespath::value::Value::from_json)
        .collect();
    let plain = crate::engine::autogen::can_autogen(&rules)
        && filters(rule).is_ok_and(|fs| {
            fs.iter().all(|f| {
                f["resources"]
                    .as_object()
                    .is_some_and(|r| r.keys().all(|k| k == "kinds" || k == "operations"))
            })
        });
    let annotation = policy["metadata"]["annotations"][AUTOGEN_ANNOTATION].as_str();
    let off = json!({"podControllers": {"controllers": []}});
    if !plain {
        return Some(off);
    }
    match annotation {
        None => {
            notes.push("Kyverno also applied the rule to ReplicationControllers; a ValidatingPolicy's autogen does not cover them".into());
            None
        }
        Some(a) if a.trim().eq_ignore_ascii_case("none") => Some(off),
        Some(a) => {
            let mut controllers = Vec::new();
            for c in a.split(',').map(str::trim) {
                match c {
                    "ReplicationController" => notes.push(
                        "ReplicationController has no ValidatingPolicy autogen; it is no longer covered".into(),
                    ),
                    c => {
                        let plural = format!("{}s", c.to_ascii_lowercase());
                        controllers.push(json!(plural));
                    }
                }
            }
            Some(json!({"podControllers": {"controllers": controllers}}))
        }
    }
}

/// A validation with the rule's message: as `message` when it is plain text, else as a
/// `messageExpression` built from the paths it substitutes.
fn validation(expression: String, message: &(Option<String>, Option<String>)) -> Value {
    let mut v = Map::new();
    v.insert("expression".into(), json!(expression));
    if let Some(m) = &message.0 {
        v.insert("message".into(), json!(m));
    }
    if let Some(m) = &message.1 {
        v.insert("messageExpression".into(), json!(m));
    }
    Value::Object(v)
}

/// The message as (`message`, `messageExpression`).
fn message_fields(message: &str, notes: &mut Vec<String>) -> (Option<String>, Option<String>) {
    if message.is_empty() {
        return (None, None);
    }
    if !message.contains("{{") {
        return (Some(message.to_string()), None);
    }
    let mut parts: Vec<String> = Vec::new();
    let mut rest = message;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start..].find("}}") else {
            break;
        };
        if start > 0 {
            parts.push(pattern::quote(&rest[..start]));
        }
        let inner = rest[start + 2..start + len].trim();
        match message_path(inner) {
            Some(p) => parts.push(format!("string({p})")),
            None => {
                notes.push(format!(
                    "the message's `{{{{ {inner} }}}}` has no CEL form here; it is kept as text"
                ));
                return (Some(message.to_string()), None);
            }
        }
        rest = &rest[start + len + 2..];
    }
    if !rest.is_empty() {
        parts.push(pattern::quote(rest));
    }
    (None, Some(parts.join(" + ")))
}

/// A `request.object.a.b` path as CEL, when it is only names.
fn message_path(path: &str) -> Option<String> {
    let (root, rest) = if let Some(r) = path.strip_prefix("request.object.") {
        ("object", r)
    } else if let Some(r) = path.strip_prefix("request.oldObject.") {
        ("oldObject", r)
    } else {
        return match path {
            "request.operation" => Some("request.operation".into()),
            "request.namespace" => Some("request.namespace".into()),
            _ => None,
        };
    };
    let names: Vec<&str> = rest.split('.').collect();
    if names.iter().all(|n| {
        let mut c = n.chars();
        c.next().is_some_and(|f| f.is_ascii_alphabetic()) && c.all(|c| c.is_ascii_alphanumeric())
    }) {
        Some(format!("{root}.{}", names.join(".")))
    } else {
        None
    }
}
