//! Checks of one policy document: the schema the API server enforces, then the rules Kyverno
//! itself enforces that a CRD cannot express.
//!
//! One walk over the YAML tree and the compiled schema side by side; Kyverno's own checks hook
//! in where the walk reaches the schema type they concern (a `Rule`, a `Validation`, ...).

pub mod cel_lint;
mod conditions;
pub mod jmespath_lint;
mod kyverno;
pub mod lints;
pub mod resource_fields;
pub mod schema;
mod suggest;

use crate::diag::{DiagTag, Diagnostic, Span};
use crate::policy::{ApiVersion, PolicyFamily, PolicyKind};
use crate::yaml::{Node, NodeKind, Resolved, ScalarStyle, yaml11_only_bool};
use schema::{Additional, SchemaId, Schemas, Ty};

pub use suggest::did_you_mean;

/// A step of the path from the document root to a node, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

pub fn path_string(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    if s.is_empty() {
        "the document".to_string()
    } else {
        s
    }
}

/// What a document is, decided from its `apiVersion` and `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    /// A kind kyverno-ls models (a policy of either group, an exception, a cleanup policy, a
    /// global context entry) in a version Kyverno serves it in. Branch on
    /// [`DocKind::family`] before applying anything specific to ClusterPolicy and Policy.
    Policy(PolicyKind, ApiVersion),
    /// Anything else: resources, test manifests, values files. Only YAML syntax is checked.
    Other,
}

impl DocKind {
    /// The family of a policy document; None for other documents.
    pub fn family(self) -> Option<PolicyFamily> {
        match self {
            DocKind::Policy(kind, _) => Some(kind.family()),
            DocKind::Other => None,
        }
    }

    /// Whether this is a `kyverno.io` ClusterPolicy or Policy, the documents the JMESPath
    /// tooling (lint, expression hover and completion, simulation) understands.
    pub fn is_jmespath_policy(self) -> bool {
        self.family() == Some(PolicyFamily::Jmespath)
    }

    /// A policy the simulator decides verdicts for (ClusterPolicy, Policy and the CEL kinds;
    /// not exceptions, cleanup policies or global context entries).
    pub fn is_simulated_policy(self) -> bool {
        matches!(
            self.family(),
            Some(PolicyFamily::Jmespath | PolicyFamily::Cel)
        )
    }
}

pub fn classify(root: &Node) -> DocKind {
    let api = root.get("apiVersion").and_then(Node::as_str);
    let kind = root.get("kind").and_then(Node::as_str);
    match (api, kind) {
        (Some(api), Some(kind)) => match PolicyKind::served(api, kind) {
            Some((k, v)) => DocKind::Policy(k, v),
            None => DocKind::Other,
        },
        _ => DocKind::Other,
    }
}

/// Diagnostics for one document root. Documents that are not Kyverno policies get none,
/// except a policy kind under an `apiVersion` that does not serve it.
pub fn check_document(source: &str, root: &Node) -> Vec<Diagnostic> {
    let policy = crate::model::Policy::lower(root);
    check_document_with(
        &crate::k8s::Catalog::builtin(),
        source,
        root,
        policy.as_ref(),
        &[],
    )
}

/// [`check_document`] of a document already lowered (`policy`, from `root`), with variables a
/// test's values file provides (allowed as expression roots), and the kinds of `catalog`.
pub fn check_document_with(
    catalog: &crate::k8s::Catalog,
    source: &str,
    root: &Node,
    policy: Option<&crate::model::Policy>,
    extra_variables: &[String],
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    match classify(root) {
        DocKind::Policy(kind, version) => {
            let schemas = Schemas::get();
            let family = kind.family();
            let mut w = Walker {
                schemas,
                out: &mut out,
                path: Vec::new(),
                family,
            };
            if let Some(schema) = schemas.root(kind, version) {
                w.node(root, schema, None);
            }
            // Kyverno's own rules and the JMESPath lint are about the `spec.rules` of
            // ClusterPolicy and Policy; the other kinds have none.
            if let Some(policy) = policy.filter(|_| family == PolicyFamily::Jmespath) {
                kyverno::check_policy(source, root, policy, kind, &mut out);
                lints::check(root, &mut out);
                jmespath_lint::check(catalog, source, root, policy, extra_variables, &mut out);
                resource_fields::check(catalog, source, root, policy, &mut out);
            }
            // A value already reported as the wrong type needs no YAML 1.1 warning as well.
            let errors: Vec<Span> = out
                .iter()
                .filter(|d| d.code == "wrong-type")
                .map(|d| d.span.clone())
                .collect();
            out.retain(|d| d.code != "yaml11-boolean" || !errors.contains(&d.span));
        }
        DocKind::Other => check_api_version(root, &mut out),
    }
    out
}

fn check_api_version(root: &Node, out: &mut Vec<Diagnostic>) {
    let (Some(api), Some(kind)) = (
        root.get("apiVersion"),
        root.get("kind").and_then(Node::as_str),
    ) else {
        return;
    };
    let Some(api_text) = api.as_str() else { return };
    let Some((group, _)) = api_text.split_once('/') else {
        return;
    };
    // Only Kyverno's own groups: another group may well have a kind of the same name.
    let kyverno_groups = ["kyverno.io", "policies.kyverno.io"];
    if !kyverno_groups.contains(&group) {
        return;
    }
    let kinds = PolicyKind::ALL.into_iter().filter(|k| k.as_str() == kind);
    let in_group = kinds.clone().find(|k| k.group() == group);
    // A kind in the other group is misplaced only if its name is that group's alone: both
    // groups serve a `PolicyException`.
    let elsewhere = match kinds.collect::<Vec<_>>().as_slice() {
        [only] if only.group() != group => Some(*only),
        _ => None,
    };
    let Some(k) = in_group.or(elsewhere) else {
        return;
    };
    let served: Vec<&str> = k.versions().iter().map(|v| v.as_str()).collect();
    out.push(Diagnostic::error(
        "unknown-api-version",
        api.span.clone(),
        format!(
            "Kyverno serves {kind} as {}, not `{api_text}`.",
            or_list(&served)
        ),
    ));
}

struct Walker<'a> {
    schemas: &'a Schemas,
    out: &'a mut Vec<Diagnostic>,
    path: Vec<Seg>,
    /// Kyverno's own hooks (rules, match, conditions, patterns) apply to the JMESPath family
    /// (ClusterPolicy and Policy) only; the other kinds get the schema alone.
    family: PolicyFamily,
}

/// Where to report a problem about a whole mapping: the key that introduces it, else its first
/// key, else the node.
fn anchor_span(node: &Node, key: Option<&Node>) -> Span {
    if let Some(k) = key {
        return k.span.clone();
    }
    match node.as_mapping().and_then(|m| m.first()) {
        Some(e) => e.key.span.clone(),
        None => node.span.clone(),
    }
}

fn describe_found(node: &Node) -> String {
    match &node.kind {
        NodeKind::Mapping(_) => "a mapping".to_string(),
        NodeKind::Sequence(_) => "a list".to_string(),
        NodeKind::Scalar(s) => match s.value {
            Resolved::Str => format!("the string `{}`", short(&s.text)),
            Resolved::Bool(b) => format!(
                "the boolean `{}`",
                if yaml11_only_bool(&s.text).is_some() {
                    s.text.clone()
                } else {
                    b.to_string()
                }
            ),
            Resolved::Int(_) => format!("the integer `{}`", s.text),
            Resolved::Float(_) => format!("the number `{}`", s.text),
            Resolved::Null => "nothing".to_string(),
        },
    }
}

fn short(s: &str) -> String {
    let one_line = s.lines().next().unwrap_or("");
    if one_line.chars().count() > 40 || one_line.len() < s.len() {
        format!("{}…", one_line.chars().take(40).collect::<String>())
    } else {
        one_line.to_string()
    }
}

fn article(ty: Ty) -> &'static str {
    match ty {
        Ty::Object => "a mapping (an object)",
        Ty::Array => "a list",
        Ty::String => "a string",
        Ty::Integer => "an integer",
        Ty::Number => "a number",
        Ty::Boolean => "a boolean (true or false)",
    }
}

impl Walker<'_> {
    fn here(&self) -> String {
        path_string(&self.path)
    }

    /// [`Self::here`] for the start of a sentence.
    fn subject(&self) -> String {
        capitalize(&self.here())
    }

    /// Checks `node` against schema `id`. `key` is the mapping key that introduced it.
    fn node(&mut self, node: &Node, id: SchemaId, key: Option<&Node>) {
        let s = self.schemas.node(id);
        // The API server drops null values before validating: `field:` with nothing after it
        // is the same as no field at all.
        if node.is_null() {
            return;
        }
        let Some(ty) = s.ty else {
            if s.properties.is_empty() {
                self.free_form(node, key);
                return;
            }
            // Properties without a type: treat as an object.
            self.object(node, id, key);
            return;
        };
        let ok = match (ty, &node.kind) {
            (Ty::Object, NodeKind::Mapping(_)) => {
                self.object(node, id, key);
                true
            }
            (Ty::Array, NodeKind::Sequence(items)) => {
                if let Some(min) = s.min_items.filter(|m| (items.len() as u64) < *m) {
                    let found = match items.len() {
                        0 => "none".to_string(),
                        n => n.to_string(),
                    };
                    let noun = if min == 1 { "item" } else { "items" };
                    self.out.push(Diagnostic::error(
                        "too-few-items",
                        node.span.clone(),
                        format!(
                            "{} needs at least {min} {noun}, found {found}.",
                            self.subject()
                        ),
                    ));
                }
                if let Some(item_schema) = s.items {
                    for (i, item) in items.iter().enumerate() {
                        self.path.push(Seg::Index(i));
                        self.node(item, item_schema, None);
                        self.path.pop();
                    }
                }
                true
            }
            (Ty::String, NodeKind::Scalar(sc)) if sc.value == Resolved::Str => {
                self.string(node, &sc.text, id);
                true
            }
            (Ty::Integer, NodeKind::Scalar(sc)) => match sc.value {
                Resolved::Int(i) => {
                    self.minimum(node, i as f64, id);
                    true
                }
                Resolved::Float(f) if f.fract() == 0.0 => true,
                _ => false,
            },
            (Ty::Number, NodeKind::Scalar(sc)) => {
                matches!(sc.value, Resolved::Int(_) | Resolved::Float(_))
            }
            (Ty::Boolean, NodeKind::Scalar(sc)) => matches!(sc.value, Resolved::Bool(_)),
            _ => false,
        };
        if !ok {
            self.wrong_type(node, ty);
        }
    }

    fn wrong_type(&mut self, node: &Node, ty: Ty) {
        let mut msg = format!(
            "{} must be {}, found {}.",
            self.subject(),
            article(ty),
            describe_found(node)
        );
        if let NodeKind::Scalar(sc) = &node.kind {
            let quoted = matches!(
                sc.style,
                ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted
            );
            let unquoted = crate::yaml::resolve_plain_scalar(&sc.text);
            let fits = match (ty, unquoted) {
                (Ty::Boolean, Resolved::Bool(_)) => Some("a boolean"),
                (Ty::Integer, Resolved::Int(_)) => Some("an integer"),
                (Ty::Number, Resolved::Int(_) | Resolved::Float(_)) => Some("a number"),
                _ => None,
            };
            if let (true, Some(what)) = (quoted, fits) {
                msg.push_str(&format!(
                    " Remove the quotes to make it {what}: {}.",
                    sc.text
                ));
            }
        }
        if ty == Ty::String {
            if let NodeKind::Scalar(sc) = &node.kind {
                if yaml11_only_bool(&sc.text).is_some() && sc.value != Resolved::Str {
                    msg.push_str(&format!(
                        " Kubernetes reads a plain `{}` as a boolean (YAML 1.1); quote it: \"{}\".",
                        sc.text, sc.text
                    ));
                } else {
                    msg.push_str(&format!(" Quote it to make it a string: \"{}\".", sc.text));
                }
            }
        }
        self.out
            .push(Diagnostic::error("wrong-type", node.span.clone(), msg));
    }

    fn string(&mut self, node: &Node, text: &str, id: SchemaId) {
        let s = self.schemas.node(id);
        if let Some(values) = &s.enum_values {
            if !values.iter().any(|v| v == text) {
                // Deprecated spellings stay valid but are not advertised.
                let current: Vec<&str> = values
                    .iter()
                    .map(String::as_str)
                    .filter(|v| !is_deprecated_value(v))
                    .collect();
                let mut msg = format!(
                    "Invalid value `{}` for {}: expected {}.",
                    short(text),
                    self.field_name(),
                    or_list(&current)
                );
                if let Some(best) = did_you_mean(text, current.iter().copied()) {
                    msg.push_str(&format!(" Did you mean `{best}`?"));
                }
                self.out
                    .push(Diagnostic::error("invalid-enum", node.span.clone(), msg));
            } else if is_deprecated_value(text) {
                let fixed = if text == "audit" { "Audit" } else { "Enforce" };
                self.out.push(
                    Diagnostic::warning(
                        "deprecated",
                        node.span.clone(),
                        format!("The lowercase `{text}` is deprecated; write `{fixed}`."),
                    )
                    .with_tag(DiagTag::Deprecated),
                );
            }
        }
        if let Some(min) = s.min_length {
            let len = text.chars().count() as u64;
            if len < min {
                let msg = if len == 0 {
                    format!("{} must not be empty.", self.subject())
                } else {
                    format!(
                        "{} is {len} characters long; at least {min} are needed.",
                        self.subject()
                    )
                };
                self.out
                    .push(Diagnostic::error("value-too-short", node.span.clone(), msg));
            }
        }
        if let Some(max) = s.max_length {
            let len = text.chars().count() as u64;
            if len > max {
                self.out.push(Diagnostic::error(
                    "value-too-long",
                    node.span.clone(),
                    format!(
                        "{} is {len} characters long; at most {max} are allowed.",
                        self.subject()
                    ),
                ));
            }
        }
    }

    fn minimum(&mut self, node: &Node, v: f64, id: SchemaId) {
        if let Some(min) = self.schemas.node(id).minimum {
            if v < min {
                self.out.push(Diagnostic::error(
                    "value-out-of-range",
                    node.span.clone(),
                    format!("{} must be at least {min}, found {v}.", self.subject()),
                ));
            }
        }
    }

    /// The last key of the path, for messages about a value.
    fn field_name(&self) -> String {
        match self.path.last() {
            Some(Seg::Key(k)) => format!("`{k}`"),
            _ => self.here(),
        }
    }

    fn object(&mut self, node: &Node, id: SchemaId, key: Option<&Node>) {
        let s = self.schemas.node(id);
        let Some(entries) = node.as_mapping() else {
            return;
        };
        for e in entries {
            let name = e.key.key_string();
            let target = match s.property(&name) {
                Some(p) => Some(p),
                None => match &s.additional {
                    Additional::Schema(a) => Some(*a),
                    Additional::Any => None,
                    Additional::Forbidden => {
                        self.unknown_field(
                            &e.key,
                            &name,
                            s.properties.iter().map(|(n, _)| n.as_str()),
                        );
                        None
                    }
                },
            };
            if let Some(t) = target {
                self.path.push(Seg::Key(name.clone()));
                self.property(&name, &e.value, t, &e.key, s.def_name.as_deref());
                self.path.pop();
            }
        }
        let present = |f: &str| node.get(f).is_some_and(|v| !v.is_null());
        for req in &s.required {
            if !present(req) {
                self.out.push(Diagnostic::missing(
                    "missing-field",
                    anchor_span(node, key),
                    format!("{} is missing the required field `{req}`.", self.subject()),
                ));
            }
        }
        if !s.exactly_one_of.is_empty() {
            let set: Vec<&String> = s.exactly_one_of.iter().filter(|f| present(f)).collect();
            if set.len() != 1 {
                let options = or_list(&s.exactly_one_of);
                let rule = s
                    .one_of_message
                    .as_ref()
                    .map(|m| format!("{}: {m}.", self.subject()));
                let (span, msg) = if set.is_empty() {
                    (
                        anchor_span(node, key),
                        format!("{} needs exactly one of {options}.", self.subject()),
                    )
                } else {
                    // Point at the second source: the first one is fine on its own.
                    let second = node
                        .entry(set[1])
                        .map_or_else(|| anchor_span(node, key), |e| e.key.span.clone());
                    let msg = format!(
                        "{} sets {}; exactly one of {options} is allowed.",
                        self.subject(),
                        and_list(&set)
                    );
                    (second, msg)
                };
                let msg = rule.unwrap_or(msg);
                self.out.push(if set.is_empty() {
                    Diagnostic::missing("one-of", span, msg)
                } else {
                    Diagnostic::error("one-of", span, msg)
                });
            }
        }
        for group in &s.not_together {
            if group.iter().all(|f| present(f)) {
                let last = group
                    .last()
                    .and_then(|f| node.entry(f))
                    .map(|e| e.key.span.clone());
                self.out.push(Diagnostic::error(
                    "conflicting-fields",
                    last.unwrap_or_else(|| anchor_span(node, key)),
                    format!(
                        "{} cannot set {} together; keep one.",
                        self.subject(),
                        and_list(&group.iter().collect::<Vec<_>>())
                    ),
                ));
            }
        }
        if self.family != PolicyFamily::Jmespath {
            return;
        }
        let here = self.here();
        match s.def_name.as_deref() {
            Some("Spec") => kyverno::check_spec(node, self.out),
            Some("Rule") => kyverno::check_rule(node, &here, self.out),
            Some("Validation") => kyverno::check_validation(node, key, &here, self.out),
            Some("MatchResources") => kyverno::check_match(node, key, &self.path, s, self.out),
            Some("ContextEntry") => kyverno::check_context_entry(node, self.out),
            Some("ContextVariable") => kyverno::check_context_variable(node, key, &here, self.out),
            Some("ForEachValidation" | "ForEachMutation") => {
                kyverno::check_foreach(node, key, &capitalize(&here), self.out)
            }
            Some("Condition" | "RuleCondition") => {
                let operators = s
                    .property("operator")
                    .and_then(|o| self.schemas.node(o).enum_values.clone());
                conditions::check_typed_condition(node, operators.as_deref(), self.out)
            }
            _ => {}
        }
    }

    fn property(
        &mut self,
        name: &str,
        value: &Node,
        id: SchemaId,
        key: &Node,
        parent_def: Option<&str>,
    ) {
        if self.family != PolicyFamily::Jmespath {
            self.node(value, id, Some(key));
            return;
        }
        let free = self.schemas.node(id).is_free_form();
        let is_conditions = name == "preconditions"
            || (name == "conditions" && parent_def.is_some_and(|d| d.ends_with("Deny")));
        if free && is_conditions {
            conditions::check_conditions(value, &self.here(), self.out);
        }
        if name == "pattern" {
            kyverno::check_pattern_metadata(value, &self.here(), self.out);
        } else if name == "anyPattern" {
            for (i, p) in value.as_sequence().unwrap_or_default().iter().enumerate() {
                kyverno::check_pattern_metadata(p, &format!("{}[{i}]", self.here()), self.out);
            }
        }
        self.node(value, id, Some(key));
    }

    fn unknown_field<'b>(
        &mut self,
        key: &Node,
        name: &str,
        valid: impl Iterator<Item = &'b str> + Clone,
    ) {
        let mut msg = format!("Unknown field `{name}` in {}.", self.here());
        if let Some(best) = did_you_mean(name, valid.clone()) {
            msg.push_str(&format!(" Did you mean `{best}`?"));
        } else {
            let list: Vec<&str> = valid.collect();
            msg.push_str(&format!(" Valid fields: {}.", list.join(", ")));
        }
        self.out
            .push(Diagnostic::error("unknown-field", key.span.clone(), msg));
    }

    /// Free-form subtrees (patterns, patches, condition values) take any value, but YAML 1.1
    /// booleans there are a classic surprise: `country: no` is `false` to Kubernetes.
    fn free_form(&mut self, node: &Node, _key: Option<&Node>) {
        let mut stack = vec![node];
        while let Some(n) = stack.pop() {
            match &n.kind {
                NodeKind::Scalar(_) => yaml11_warning(n, self.out),
                NodeKind::Sequence(items) => stack.extend(items.iter().rev()),
                NodeKind::Mapping(entries) => {
                    for e in entries.iter().rev() {
                        yaml11_warning(&e.key, self.out);
                        stack.push(&e.value);
                    }
                }
            }
        }
    }
}

fn yaml11_warning(n: &Node, out: &mut Vec<Diagnostic>) {
    if let NodeKind::Scalar(sc) = &n.kind {
        if let (Resolved::Bool(b), Some(_)) = (sc.value, yaml11_only_bool(&sc.text)) {
            if sc.style == crate::yaml::ScalarStyle::Plain {
                out.push(Diagnostic::warning(
                    "yaml11-boolean",
                    n.span.clone(),
                    format!("Kubernetes reads a plain `{}` as the boolean {b} (YAML 1.1). Quote it (\"{}\") if you mean the string.", sc.text, sc.text),
                ));
            }
        }
    }
}

/// A path at the start of a sentence: paths are identifiers and keep their case, but the
/// root is called "the document".
pub fn capitalize(path: &str) -> String {
    match path.strip_prefix("the ") {
        Some(rest) => format!("The {rest}"),
        None => path.to_string(),
    }
}

fn is_deprecated_value(v: &str) -> bool {
    v == "audit" || v == "enforce"
}

fn or_list<S: AsRef<str>>(items: &[S]) -> String {
    join_with(items.iter().map(|s| s.as_ref()), "or")
}

fn and_list<S: AsRef<str>>(items: &[S]) -> String {
    join_with(items.iter().map(|s| s.as_ref()), "and")
}

fn join_with<'a>(items: impl Iterator<Item = &'a str>, word: &str) -> String {
    let v: Vec<String> = items.map(|s| format!("`{s}`")).collect();
    match v.len() {
        0 => String::new(),
        1 => v[0].clone(),
        n => format!("{} {word} {}", v[..n - 1].join(", "), v[n - 1]),
    }
}

#[cfg(test)]
mod tests;
