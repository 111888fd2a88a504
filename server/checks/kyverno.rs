//! Rules Kyverno's admission webhook enforces on policies that the CRD schema cannot express.

use super::schema::SchemaNode;
use super::{Seg, anchor_span, and_list, capitalize, or_list};
use crate::diag::{DiagTag, Diagnostic, Severity, Span};
use crate::policy::PolicyKind;
use crate::yaml::{Node, NodeKind};

const RULE_ACTIONS: &[&str] = &["validate", "mutate", "generate", "verifyImages"];
const VALIDATE_KINDS: &[&str] = &[
    "pattern",
    "anyPattern",
    "deny",
    "foreach",
    "podSecurity",
    "cel",
    "manifests",
    "assert",
];
const CONTROLLERS: &[&str] = &[
    "DaemonSet",
    "Deployment",
    "Job",
    "StatefulSet",
    "ReplicaSet",
    "ReplicationController",
    "CronJob",
];
const AUTOGEN_ANNOTATION: &str = "pod-policies.kyverno.io/autogen-controllers";

fn present<'a>(node: &'a Node, field: &str) -> Option<&'a crate::yaml::Entry> {
    node.entry(field).filter(|e| !e.value.is_null())
}

fn rule_label(rule: &Node) -> String {
    match rule.get("name").and_then(Node::as_str) {
        Some(n) => format!("Rule `{n}`"),
        None => "This rule".to_string(),
    }
}

/// Exactly one of the entries named in `options`: none or several is an error.
fn exactly_one(
    node: &Node,
    options: &[&str],
    none: impl FnOnce() -> (Span, String),
    several: impl Fn(&str, &str) -> String,
    code: &'static str,
    out: &mut Vec<Diagnostic>,
) {
    let set: Vec<&crate::yaml::Entry> = options.iter().filter_map(|o| present(node, o)).collect();
    match set.as_slice() {
        [] => {
            let (span, msg) = none();
            out.push(Diagnostic::missing(code, span, msg));
        }
        [_] => {}
        [first, rest @ ..] => {
            let first_name = first.key.key_string();
            for e in rest {
                let name = e.key.key_string();
                out.push(
                    Diagnostic::error(code, e.key.span.clone(), several(&first_name, &name))
                        .with_related(
                            first.key.span.clone(),
                            format!("`{first_name}` is set here"),
                        ),
                );
            }
        }
    }
}

pub fn check_rule(rule: &Node, _path: &str, out: &mut Vec<Diagnostic>) {
    let label = rule_label(rule);
    exactly_one(
        rule,
        RULE_ACTIONS,
        || {
            let at = rule
                .get("name")
                .map_or_else(|| anchor_span(rule, None), |n| n.span.clone());
            (
                at,
                format!(
                    "{label} does nothing: add one of {}.",
                    or_list(RULE_ACTIONS)
                ),
            )
        },
        |first, this| {
            format!(
                "{label} already has `{first}`; a rule does exactly one of {}. Move `{this}` into a rule of its own.",
                or_list(RULE_ACTIONS)
            )
        },
        "rule-type",
        out,
    );
}

pub fn check_validation(v: &Node, key: Option<&Node>, _path: &str, out: &mut Vec<Diagnostic>) {
    exactly_one(
        v,
        VALIDATE_KINDS,
        || {
            (
                anchor_span(v, key),
                format!("`validate` needs one of {}.", or_list(VALIDATE_KINDS)),
            )
        },
        |first, this| {
            format!(
                "`validate` already has `{first}`; a rule validates in one way only, so move `{this}` into a rule of its own."
            )
        },
        "validate-type",
        out,
    );
}

pub fn check_match(
    m: &Node,
    key: Option<&Node>,
    path: &[Seg],
    schema: &SchemaNode,
    out: &mut Vec<Diagnostic>,
) {
    let which = match path.last() {
        Some(Seg::Key(k)) => k.as_str(),
        _ => "match",
    };
    let here = super::path_string(path);
    let non_empty = |f: &str| {
        m.get(f).is_some_and(|v| match &v.kind {
            NodeKind::Sequence(s) => !s.is_empty(),
            NodeKind::Mapping(e) => !e.is_empty(),
            NodeKind::Scalar(_) => !v.is_null(),
        })
    };
    let fields = [
        "any",
        "all",
        "resources",
        "subjects",
        "roles",
        "clusterRoles",
    ];
    if which == "match" && !fields.iter().any(|f| non_empty(f)) {
        out.push(Diagnostic::missing(
            "empty-match",
            anchor_span(m, key),
            "`match` selects nothing, so the rule never applies: add `any` (or `all`) with at least one resource filter, for example `- resources: {kinds: [Pod]}`.",
        ));
    }
    let modern = ["any", "all"].into_iter().find(|f| present(m, f).is_some());
    for legacy in ["resources", "subjects", "roles", "clusterRoles"] {
        // Fields this version does not have are reported as unknown by the schema walk.
        if schema.property(legacy).is_none() {
            continue;
        }
        let Some(e) = present(m, legacy) else {
            continue;
        };
        if let Some(modern) = modern {
            out.push(Diagnostic::error(
                "conflicting-fields",
                e.key.span.clone(),
                format!(
                    "{} cannot set `{modern}` and `{legacy}` together; keep one.",
                    capitalize(&here)
                ),
            ));
        } else {
            out.push(
                Diagnostic::warning(
                    "deprecated",
                    e.key.span.clone(),
                    format!("`{which}.{legacy}` without `any` or `all` is the legacy form; write it as `{which}: {{any: [{{{legacy}: ...}}]}}`."),
                )
                .with_tag(DiagTag::Deprecated),
            );
        }
    }
    if which == "match" {
        require_kinds(m, &here, modern.is_none(), out);
    }
}

/// Kyverno rejects a `match` filter that does not name the kinds it applies to.
fn require_kinds(m: &Node, here: &str, legacy: bool, out: &mut Vec<Diagnostic>) {
    let mut filters: Vec<(String, &Node)> = Vec::new();
    if legacy && present(m, "resources").is_some() {
        filters.push((here.to_string(), m));
    }
    for list in ["any", "all"] {
        for (i, f) in m
            .get(list)
            .and_then(Node::as_sequence)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            filters.push((format!("{here}.{list}[{i}]"), f));
        }
    }
    for (path, f) in filters {
        if f.as_mapping().is_none() {
            continue;
        }
        let has_kinds = f
            .get("resources")
            .and_then(|r| r.get("kinds"))
            .and_then(Node::as_sequence)
            .is_some_and(|k| !k.is_empty());
        if has_kinds {
            continue;
        }
        let (span, msg) = match f.entry("resources") {
            Some(e) => (
                e.key.span.clone(),
                format!(
                    "{}.resources is missing the required field `kinds`: Kyverno rejects a `match` filter that does not list the kinds it applies to.",
                    capitalize(&path)
                ),
            ),
            None => (
                anchor_span(f, None),
                format!(
                    "{} has no `resources.kinds`: Kyverno rejects a `match` filter that does not list the kinds it applies to.",
                    capitalize(&path)
                ),
            ),
        };
        out.push(Diagnostic::missing("missing-field", span, msg));
    }
}

/// Policy-wide settings Kyverno has moved into each rule's `validate`, with their
/// replacements.
const DEPRECATED_SPEC_FIELDS: &[(&str, &str)] = &[
    ("validationFailureAction", "failureAction"),
    ("validationFailureActionOverrides", "failureActionOverrides"),
];

/// Settings of the whole policy that Kyverno rejects together, or has deprecated.
pub fn check_spec(spec: &Node, out: &mut Vec<Diagnostic>) {
    for (old, new) in DEPRECATED_SPEC_FIELDS {
        if let Some(e) = present(spec, old) {
            out.push(
                Diagnostic::warning(
                    "deprecated",
                    e.key.span.clone(),
                    format!(
                        "`spec.{old}` is deprecated: set `validate.{new}` in each rule instead."
                    ),
                )
                .with_tag(DiagTag::Deprecated),
            );
        }
    }
    let is_false = |f: &str| {
        spec.get(f).is_some_and(|v| {
            v.as_scalar()
                .is_some_and(|s| s.value == crate::yaml::Resolved::Bool(false))
        })
    };
    if is_false("admission") && is_false("background") {
        if let Some(e) = spec.entry("admission") {
            out.push(Diagnostic::error(
                "no-processing",
                e.key.span.clone(),
                "With both `admission: false` and `background: false` the policy never runs, and Kyverno rejects it. Enable one of them.",
            ));
        }
    }
}

/// Variables Kyverno defines itself; a context entry may not take their names.
const RESERVED_NAMES: &[&str] = &[
    "request",
    "images",
    "element",
    "elementIndex",
    "serviceAccountName",
    "serviceAccountNamespace",
];

pub fn check_context_entry(entry: &Node, out: &mut Vec<Diagnostic>) {
    let Some(name) = entry.get("name") else {
        return;
    };
    let Some(text) = name.as_str() else { return };
    if let Some(r) = RESERVED_NAMES.iter().find(|r| **r == text) {
        out.push(Diagnostic::error(
            "reserved-name",
            name.span.clone(),
            format!("The context entry name `{text}` conflicts with Kyverno's built-in variable `{r}`; Kyverno rejects it. Choose another name."),
        ));
    }
}

pub fn check_context_variable(v: &Node, key: Option<&Node>, here: &str, out: &mut Vec<Diagnostic>) {
    if present(v, "value").is_none() && present(v, "jmesPath").is_none() {
        out.push(Diagnostic::missing(
            "missing-field",
            anchor_span(v, key),
            format!(
                "{} needs `value` or `jmesPath`: Kyverno rejects a variable with neither.",
                capitalize(here)
            ),
        ));
    }
}

/// A `foreach` entry iterates over `list`; Kyverno rejects one without it.
pub fn check_foreach(entry: &Node, key: Option<&Node>, subject: &str, out: &mut Vec<Diagnostic>) {
    if present(entry, "list").is_none() {
        out.push(Diagnostic::missing(
            "missing-field",
            anchor_span(entry, key),
            format!("{subject} is missing the required field `list`."),
        ));
    }
}

/// Kyverno rejects patterns whose `metadata.labels` or `metadata.annotations` hold anything
/// but strings: label and annotation values are always strings in Kubernetes.
pub fn check_pattern_metadata(pattern: &Node, here: &str, out: &mut Vec<Diagnostic>) {
    let Some(meta) = pattern.get("metadata") else {
        return;
    };
    for field in ["labels", "annotations"] {
        for e in meta
            .get(field)
            .and_then(Node::as_mapping)
            .unwrap_or_default()
        {
            let NodeKind::Scalar(sc) = &e.value.kind else {
                continue;
            };
            if sc.value == crate::yaml::Resolved::Str {
                continue;
            }
            let path = format!(
                "{}.metadata.{field}.{}",
                capitalize(here),
                e.key.key_string()
            );
            let mut msg = format!(
                "{path} must be a string, found {}.",
                super::describe_found(&e.value)
            );
            if crate::yaml::yaml11_only_bool(&sc.text).is_some() {
                msg.push_str(&format!(
                    " Kubernetes reads a plain `{}` as a boolean (YAML 1.1); quote it: \"{}\".",
                    sc.text, sc.text
                ));
            } else {
                msg.push_str(&format!(" Quote it to make it a string: \"{}\".", sc.text));
            }
            out.push(Diagnostic::error("wrong-type", e.value.span.clone(), msg));
        }
    }
}

pub fn check_policy(
    source: &str,
    root: &Node,
    policy: &crate::model::Policy,
    kind: PolicyKind,
    out: &mut Vec<Diagnostic>,
) {
    check_names(root, kind, out);
    if kind == PolicyKind::ClusterPolicy {
        if let Some(ns) = root.get("metadata").and_then(|m| present(m, "namespace")) {
            out.push(Diagnostic::warning(
                "cluster-policy-namespace",
                ns.key.span.clone(),
                "A ClusterPolicy is cluster-scoped, so `metadata.namespace` is ignored. Remove it, or use kind `Policy` to apply the rules in one namespace only.",
            ));
        }
    }
    let rules: Vec<&Node> = policy
        .rules
        .iter()
        .filter_map(|r| policy.rule_node(root, r))
        .collect();
    let mut seen: Vec<(&str, Span)> = Vec::new();
    for rule in &rules {
        let Some(name) = rule.get("name") else {
            continue;
        };
        let Some(text) = name.as_str() else { continue };
        if let Some((_, first)) = seen.iter().find(|(n, _)| *n == text) {
            out.push(
                Diagnostic::error(
                    "duplicate-rule-name",
                    name.span.clone(),
                    format!("Another rule of this policy is already named `{text}`; rule names must be unique within a policy."),
                )
                .with_related(first.clone(), format!("`{text}` is first used here")),
            );
        } else {
            seen.push((text, name.span.clone()));
        }
    }
    check_autogen(source, root, &rules, out);
}

/// Every resource filter (`resources` block) of a rule's match and exclude.
fn resource_blocks(rule: &Node) -> Vec<&Node> {
    let mut blocks = Vec::new();
    for section in ["match", "exclude"] {
        let Some(m) = rule.get(section) else { continue };
        if let Some(r) = m.get("resources") {
            blocks.push(r);
        }
        for list in ["any", "all"] {
            for f in m.get(list).and_then(Node::as_sequence).unwrap_or_default() {
                if let Some(r) = f.get("resources") {
                    blocks.push(r);
                }
            }
        }
    }
    blocks
}

fn kinds(block: &Node) -> Vec<&Node> {
    block
        .get("kinds")
        .and_then(Node::as_sequence)
        .map(|k| k.iter().collect())
        .unwrap_or_default()
}

fn is_pod(kind: &Node) -> bool {
    kind.as_str()
        .is_some_and(|k| k.rsplit('/').next() == Some("Pod"))
}

/// Kyverno generates rules for Pod controllers only for policies that meet its conditions;
/// say so where an author asked for it or would expect it.
fn check_autogen(source: &str, root: &Node, rules: &[&Node], out: &mut Vec<Diagnostic>) {
    let annotation = root
        .get("metadata")
        .and_then(|m| m.get("annotations"))
        .and_then(|a| a.get(AUTOGEN_ANNOTATION));
    let requested = annotation.and_then(Node::as_str).map(str::trim);
    if let (Some(a), Some(text)) = (annotation, requested) {
        if text != "none" {
            let raw = a.as_str().unwrap_or_default();
            let map = crate::yaml::value_map(source, a);
            let mut at = 0;
            for item in raw.split(',') {
                let start = at + (item.len() - item.trim_start().len());
                let name = item.trim();
                at += item.len() + 1;
                if name.is_empty() || CONTROLLERS.contains(&name) {
                    continue;
                }
                let span = map
                    .as_ref()
                    .map_or(a.span.clone(), |m| m.span(start..start + name.len()));
                let mut msg = format!(
                    "`{name}` is not a Pod controller Kyverno generates rules for; use `none` or a comma-separated list of {}.",
                    or_list(CONTROLLERS)
                );
                if let Some(best) = super::did_you_mean(name, CONTROLLERS.iter().copied()) {
                    msg.push_str(&format!(" Did you mean `{best}`?"));
                }
                out.push(Diagnostic::warning("unknown-controller", span, msg));
            }
        }
    }
    if requested == Some("none") {
        return;
    }
    let matches_pod = rules.iter().any(|r| {
        r.get("match").is_some()
            && resource_blocks(r)
                .iter()
                .any(|b| kinds(b).iter().any(|k| is_pod(k)))
    });
    if !matches_pod {
        return;
    }
    let Some((span, reason)) = autogen_blocker(rules) else {
        return;
    };
    let controllers = "Deployments, CronJobs and other Pod controllers";
    match (annotation, requested) {
        (Some(a), Some(_)) => out.push(
            Diagnostic::warning(
                "autogen-not-possible",
                a.span.clone(),
                format!("Kyverno cannot generate rules for the controllers listed here: {reason}."),
            )
            .with_related(span, reason),
        ),
        _ => out.push(Diagnostic::new(
            "autogen-not-possible",
            Severity::Information,
            span,
            format!("Kyverno will not generate rules for {controllers} from this policy because {reason}; those are checked only when their Pods are created."),
        )),
    }
}

/// The first thing in the policy that stops Kyverno's autogen, with the reason.
fn autogen_blocker(rules: &[&Node]) -> Option<(Span, String)> {
    for rule in rules {
        if let Some(g) = present(rule, "generate") {
            return Some((
                g.key.span.clone(),
                "the policy has a `generate` rule".into(),
            ));
        }
        if let Some(m) = rule.get("mutate") {
            let foreach = m
                .get("foreach")
                .and_then(Node::as_sequence)
                .unwrap_or_default();
            for holder in std::iter::once(m).chain(foreach.iter()) {
                if let Some(p) = present(holder, "patchesJson6902") {
                    return Some((
                        p.key.span.clone(),
                        "a mutate rule uses `patchesJson6902`".into(),
                    ));
                }
            }
        }
        for block in resource_blocks(rule) {
            for field in ["name", "names", "selector", "annotations"] {
                if let Some(e) = present(block, field) {
                    return Some((
                        e.key.span.clone(),
                        format!("a resource filter uses `{field}`"),
                    ));
                }
            }
            let ks = kinds(block);
            if ks.len() > 1 && ks.iter().any(|k| is_pod(k)) {
                let others: Vec<&str> = ks
                    .iter()
                    .filter(|k| !is_pod(k))
                    .filter_map(|k| k.as_str())
                    .collect();
                let span = block
                    .get("kinds")
                    .map_or(block.span.clone(), |k| k.span.clone());
                return Some((
                    span,
                    format!("`Pod` is listed together with {}", and_list(&others)),
                ));
            }
        }
    }
    None
}

/// Kyverno caps policy names below Kubernetes' 253 because it writes them into a label of
/// its policy reports (`ValidatePolicyName`, api/kyverno/v1).
const POLICY_NAME_MAX: usize = 63;
const LABEL_MAX: usize = 63;

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?` without the length bound.
fn is_label_shape(s: &str) -> bool {
    let b = s.as_bytes();
    let alnum = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    b.first().is_some_and(alnum)
        && b.last().is_some_and(alnum)
        && b.iter().all(|c| alnum(c) || *c == b'-')
}

fn is_subdomain_shape(s: &str) -> bool {
    s.split('.').all(is_label_shape)
}

/// Values copied from tutorials and templates that were meant to be filled in: `<namespace>`,
/// `${NAMESPACE}`.
fn is_placeholder(s: &str) -> bool {
    let s = s.trim();
    (s.starts_with('<') && s.ends_with('>')) || (s.starts_with("${") && s.ends_with('}'))
}

/// The closest valid name, to show what would be right.
fn suggest_name(s: &str, max: usize, dots: bool) -> Option<String> {
    let mapped: String = s
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || (dots && c == '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let mut out = String::new();
    for c in mapped.chars() {
        // `a_-b` and `a..b` collapse rather than give `a--b` or an empty dot segment.
        let sep = c == '-' || c == '.';
        if sep && out.ends_with(['-', '.']) {
            continue;
        }
        out.push(c);
    }
    let out: String = out.chars().take(max).collect();
    let out = out.trim_matches(['-', '.']).to_string();
    let ok = if dots {
        is_subdomain_shape(&out)
    } else {
        is_label_shape(&out)
    };
    (ok && out != s).then_some(out)
}

/// `metadata.name` and, for a `Policy`, `metadata.namespace`, as the API server and Kyverno
/// validate them.
fn check_names(root: &Node, kind: PolicyKind, out: &mut Vec<Diagnostic>) {
    let meta = root.get("metadata").filter(|m| !m.is_null());
    let kind_name = kind.as_str();
    let name = meta.and_then(|m| m.get("name")).filter(|n| !n.is_null());
    let generate = meta
        .and_then(|m| m.get("generateName"))
        .and_then(Node::as_str)
        .is_some_and(|g| !g.is_empty());
    match name {
        None if generate => {}
        None => {
            let span = match root.entry("metadata") {
                Some(e) => e.key.span.clone(),
                None => anchor_span(root, None),
            };
            out.push(Diagnostic::error(
                "missing-field",
                span,
                format!("The {kind_name} has no `metadata.name`: Kubernetes requires a name (or `generateName`). Add one made of lowercase letters, digits and `-`, such as `require-labels`."),
            ));
        }
        Some(n) => match n.as_str() {
            // Not a string: the schema walk reports the type.
            None => {}
            Some("") if generate => {}
            Some(text) => check_policy_name(n, text, kind_name, out),
        },
    }
    if kind == PolicyKind::Policy {
        if let Some(ns) = meta.and_then(|m| m.get("namespace")) {
            if let Some(text) = ns.as_str().filter(|t| !t.is_empty()) {
                check_namespace(ns, text, out);
            }
        }
    }
}

fn check_policy_name(node: &Node, text: &str, kind_name: &str, out: &mut Vec<Diagnostic>) {
    let msg = if text.is_empty() {
        format!(
            "`metadata.name` is empty: Kubernetes requires a name for the {kind_name}, such as `require-labels`."
        )
    } else if is_placeholder(text) {
        format!(
            "`{text}` is a placeholder: replace it with the name of the {kind_name}, such as `require-labels`."
        )
    } else {
        let len = text.chars().count();
        let mut problems = Vec::new();
        if !is_subdomain_shape(text) {
            problems.push("a name must be a lowercase RFC 1123 subdomain: lowercase letters, digits, `-` and `.`, starting and ending with a letter or digit".to_string());
        }
        if len > POLICY_NAME_MAX {
            problems.push(format!("it is {len} characters long, and Kyverno allows at most {POLICY_NAME_MAX} in a {kind_name} name because it puts the name in a label of its policy reports"));
        }
        if problems.is_empty() {
            return;
        }
        let mut msg = format!(
            "Invalid `metadata.name` `{}`: {}.",
            super::short(text),
            problems.join("; ")
        );
        if let Some(s) = suggest_name(text, POLICY_NAME_MAX, true) {
            msg.push_str(&format!(" For example: `{s}`."));
        }
        msg
    };
    out.push(Diagnostic::error("invalid-name", node.span.clone(), msg));
}

fn check_namespace(node: &Node, text: &str, out: &mut Vec<Diagnostic>) {
    let msg = if is_placeholder(text) {
        format!(
            "`{text}` is a placeholder: replace it with the name of the namespace the policy belongs to, such as `default`."
        )
    } else if is_label_shape(text) && text.len() <= LABEL_MAX {
        return;
    } else {
        let len = text.chars().count();
        let why = if is_subdomain_shape(text) && text.contains('.') {
            "a namespace name is a lowercase RFC 1123 label, which must not contain dots"
                .to_string()
        } else if is_label_shape(text) {
            format!("it is {len} characters long, and a namespace name has at most {LABEL_MAX}")
        } else {
            format!(
                "a namespace name must be a lowercase RFC 1123 label: lowercase letters, digits and `-`, starting and ending with a letter or digit, at most {LABEL_MAX} characters"
            )
        };
        let mut msg = format!(
            "Invalid `metadata.namespace` `{}`: {why}.",
            super::short(text)
        );
        if let Some(s) = suggest_name(text, LABEL_MAX, false) {
            msg.push_str(&format!(" For example: `{s}`."));
        }
        msg
    };
    out.push(Diagnostic::error("invalid-name", node.span.clone(), msg));
}
