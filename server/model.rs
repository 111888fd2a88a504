//! The lowered policy document: what checks, simulation and the editor need to know about a
//! policy of either language, read from the spanned YAML tree once per document.
//!
//! A ClusterPolicy or Policy lowers to its `spec.rules`; a CEL policy (ValidatingPolicy and
//! its siblings) lowers to one rule, the policy itself, because Kyverno reports each CEL
//! policy as one unit whose rule name is empty. Every CEL expression site is listed with its
//! role and its place, so that a checker, the simulator and hover find the same expressions.

use crate::diag::Span;
use crate::yaml::{Node, Resolved};

mod jmespath;
pub use jmespath::{JmesSite, Scope};

/// The policy language of a document's kind (the schema's own notion of it).
pub use crate::policy::PolicyFamily as Family;

/// The family of a document with this `apiVersion` and `kind`, if it is a policy kind in a
/// version Kyverno (or Kubernetes, for admission policies) serves.
pub fn family_of(api_version: &str, kind: &str) -> Option<Family> {
    crate::policy::PolicyKind::served(api_version, kind).map(|(kind, _)| kind.family())
}

/// What a CEL expression is for: it decides the expected result type and the variables in
/// scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CelRole {
    /// `matchConditions[i].expression` (bool).
    MatchCondition { name: String },
    /// `variables[i].expression` (any type; the name becomes `variables.<name>`).
    Variable { name: String },
    /// `validations[i].expression` or a `validate.cel` rule's `expressions[i].expression`
    /// (bool).
    Validation { index: usize },
    /// The `messageExpression` of a validation (string).
    MessageExpression { index: usize },
    /// `auditAnnotations[i].valueExpression` (string or null).
    AuditAnnotation { key: String },
    /// A rule's `celPreconditions[i].expression` (bool).
    Precondition { name: String },
    /// Any other expression field of a CEL policy (mutations, generate, conditions, image
    /// extractors); its type is not checked yet.
    Other,
}

/// One step of a path into the YAML tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Key(&'static str),
    Index(usize),
}

/// One CEL expression of a policy.
#[derive(Debug, Clone, PartialEq)]
pub struct CelSite {
    /// The rule it belongs to (index in [`Policy::rules`]).
    pub rule: usize,
    pub role: CelRole,
    /// Where the scalar holding the expression is, from the document root.
    pub path: Vec<Step>,
    /// The scalar's span (quotes and block indicators included).
    pub span: Span,
}

impl CelSite {
    /// The path as Kubernetes prints a field path: `spec.validations[0].expression`.
    pub fn field_path(&self) -> String {
        let mut out = String::new();
        for step in &self.path {
            match step {
                Step::Key(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
                Step::Index(i) => out.push_str(&format!("[{i}]")),
            }
        }
        out
    }

    /// The scalar node in the document whose root is `root`.
    pub fn node<'a>(&self, root: &'a Node) -> Option<&'a Node> {
        let mut node = root;
        for step in &self.path {
            node = match step {
                Step::Key(k) => node.get(k)?,
                Step::Index(i) => node.as_sequence()?.get(*i)?,
            };
        }
        Some(node)
    }
}

/// What happens to a resource a rule fails on, as the policy's settings decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// ClusterPolicy `Enforce`, or `Deny` among a CEL policy's `validationActions`.
    Block,
    /// `Audit`: the failure is only reported.
    Audit,
    /// A CEL policy with `Warn` (and no `Deny`): the client gets a warning.
    Warn,
    /// A Kubernetes admission policy: its bindings' `validationActions` decide, and none is
    /// known yet.
    Unbound,
}

/// A section of a rule (`match`, `validate`, `validations`, ...) for the outline.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub name: String,
    pub key_span: Span,
    /// From the key to the end of its value.
    pub span: Span,
    /// The entries of a list section that have a `name` (match conditions, variables).
    pub items: Vec<NamedItem>,
}

/// A named entry of a list section.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedItem {
    pub name: String,
    pub name_span: Span,
    pub span: Span,
}

/// A rule of a ClusterPolicy or Policy, or the one unit of a CEL policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// The index in `spec.rules` (0 for a CEL policy), which engine responses carry.
    pub index: usize,
    /// The rule's name as written, empty when it has none (for a CEL policy: the policy's
    /// name).
    pub name: String,
    /// Where verdicts and lenses go: the rule's `name` value (a CEL policy's `metadata.name`);
    /// without one, the empty span at the rule's start.
    pub name_span: Span,
    /// The whole rule (a CEL policy: its `spec`).
    pub span: Span,
    /// `validate`, `mutate`, `generate`, `verifyImages`, or for a CEL policy its kind's
    /// main list (`validations`, `mutations`, ...), when present.
    pub action: Option<&'static str>,
    /// What the rule does, in `kyverno test`'s words: a validate rule's form (`pattern`,
    /// `anyPattern`, `deny`, `foreach`, `podSecurity`, `cel`, else `validate`), or `mutate`,
    /// `generate`, `verifyImages`; `unknown` for a rule with none. A CEL policy: its kind.
    pub form: &'static str,
    pub on_failure: Action,
    pub sections: Vec<Section>,
    /// The kinds a ClusterPolicy or Policy rule's `match` names (`resources.kinds`, or those
    /// of every `any`/`all` entry), as written; `None` for a CEL policy, or when some entry
    /// names no kind.
    pub match_kinds: Option<Vec<String>>,
}

/// A policy document of either family.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub kind: String,
    pub api_version: String,
    pub family: Family,
    /// `metadata.name` (empty when missing).
    pub name: String,
    pub name_span: Option<Span>,
    /// `metadata.namespace` of a namespaced kind, when set.
    pub namespace: Option<String>,
    /// Whether the kind is namespaced (Policy, Namespaced*Policy).
    pub namespaced: bool,
    /// An admission policy binding's `spec.policyName`: the policy it binds.
    pub binds: Option<String>,
    pub rules: Vec<Rule>,
    /// The `rules` key of a ClusterPolicy or Policy spec, where notes about the policy as a
    /// whole go.
    pub rules_key: Option<Span>,
    /// Every CEL expression, in document order.
    pub cel: Vec<CelSite>,
    /// Every JMESPath expression of a ClusterPolicy or Policy, in document order.
    pub jmespath: Vec<JmesSite>,
    /// A CEL kind's `spec.matchConstraints.resourceRules`, when it has some and evaluates
    /// Kubernetes resources: the resources whose objects its expressions see.
    pub resource_rules: Option<Vec<ResourceRule>>,
}

/// One `resourceRules` entry: the API groups, versions and resources it names.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ResourceRule {
    pub api_groups: Vec<String>,
    pub api_versions: Vec<String>,
    pub resources: Vec<String>,
}

/// Sections of a ClusterPolicy rule shown in the outline.
const RULE_SECTIONS: &[&str] = &[
    "match",
    "exclude",
    "context",
    "preconditions",
    "celPreconditions",
    "validate",
    "mutate",
    "generate",
    "verifyImages",
];

/// The main list of each CEL kind, first match wins.
const CEL_ACTIONS: &[&str] = &[
    "validations",
    "mutations",
    "generate",
    "conditions",
    "attestors",
];

fn str_at<'a>(root: &'a Node, keys: &[&str]) -> Option<&'a str> {
    let mut n = root;
    for k in keys {
        n = n.get(k)?;
    }
    n.as_str()
}

impl Policy {
    /// Moves every span by `by` bytes (a document lowered on its own text, placed in its file).
    pub fn shift(&mut self, by: usize) {
        let mv = |s: &mut Span| *s = s.start + by..s.end + by;
        for s in [&mut self.name_span, &mut self.rules_key]
            .into_iter()
            .flatten()
        {
            mv(s);
        }
        for r in &mut self.rules {
            mv(&mut r.name_span);
            mv(&mut r.span);
            for s in &mut r.sections {
                mv(&mut s.key_span);
                mv(&mut s.span);
                for i in &mut s.items {
                    mv(&mut i.name_span);
                    mv(&mut i.span);
                }
            }
        }
        for c in &mut self.cel {
            mv(&mut c.span);
        }
        for j in &mut self.jmespath {
            mv(&mut j.span);
        }
    }

    /// The YAML node of `rule` (an item of `spec.rules`, or a CEL policy's `spec`).
    pub fn rule_node<'a>(&self, root: &'a Node, rule: &Rule) -> Option<&'a Node> {
        let spec = root.get("spec")?;
        match self.family {
            Family::Jmespath => spec.get("rules")?.as_sequence()?.get(rule.index),
            Family::Cel | Family::Auxiliary => Some(spec),
        }
    }

    /// The rule whose text contains byte `offset`.
    pub fn rule_at(&self, offset: usize) -> Option<&Rule> {
        self.rules
            .iter()
            .find(|r| r.span.start <= offset && offset <= r.span.end)
    }

    /// Lowers a document root, if it is a policy of either family.
    pub fn lower(root: &Node) -> Option<Policy> {
        let api_version = str_at(root, &["apiVersion"])?;
        let kind = str_at(root, &["kind"])?;
        let family = family_of(api_version, kind)?;
        let name_node = root.get("metadata").and_then(|m| m.get("name"));
        let namespaced = kind == "Policy" || kind.starts_with("Namespaced");
        let namespace = namespaced
            .then(|| str_at(root, &["metadata", "namespace"]))
            .flatten()
            .filter(|n| !n.is_empty())
            .map(str::to_string);
        let mut policy = Policy {
            kind: kind.to_string(),
            api_version: api_version.to_string(),
            family,
            name: name_node.and_then(Node::as_str).unwrap_or("").to_string(),
            name_span: name_node.map(|n| n.span.clone()),
            namespace,
            namespaced,
            binds: kind
                .ends_with("PolicyBinding")
                .then(|| str_at(root, &["spec", "policyName"]))
                .flatten()
                .map(str::to_string),
            rules: Vec::new(),
            rules_key: None,
            cel: Vec::new(),
            jmespath: Vec::new(),
            resource_rules: None,
        };
        match family {
            Family::Jmespath => policy.lower_rules(root),
            Family::Cel => policy.lower_cel_policy(root, true),
            // Exceptions, cleanup policies and global context entries: their spec as one
            // unit, for the outline; their conditions are JMESPath, not CEL.
            Family::Auxiliary => policy.lower_cel_policy(root, false),
        }
        Some(policy)
    }

    fn lower_rules(&mut self, root: &Node) {
        let spec = root.get("spec");
        let background = spec
            .and_then(|s| s.get("background"))
            .and_then(Node::as_scalar)
            .is_none_or(|s| s.value != Resolved::Bool(false));
        let policy_action = spec
            .and_then(|s| s.get("validationFailureAction"))
            .and_then(Node::as_str);
        let rules_entry = spec.and_then(|s| s.entry("rules"));
        self.rules_key = rules_entry.map(|e| e.key.span.clone());
        let rules = rules_entry
            .and_then(|e| e.value.as_sequence())
            .unwrap_or_default();
        for (index, rule) in rules.iter().enumerate() {
            let name_node = rule.get("name");
            let action = ["validate", "mutate", "generate", "verifyImages"]
                .into_iter()
                .find(|a| rule.get(a).is_some());
            let failure_action = rule
                .get("validate")
                .and_then(|v| v.get("failureAction"))
                .and_then(Node::as_str)
                .or(policy_action)
                .unwrap_or("Audit");
            let on_failure = if failure_action.eq_ignore_ascii_case("enforce") {
                Action::Block
            } else {
                Action::Audit
            };
            let rule_index = self.rules.len();
            self.rules.push(Rule {
                index,
                name: name_node.and_then(Node::as_str).unwrap_or("").to_string(),
                name_span: name_node.map_or(rule.span.start..rule.span.start, |n| n.span.clone()),
                span: rule.span.clone(),
                action,
                form: rule_form(rule),
                on_failure,
                sections: sections(rule, Some(RULE_SECTIONS)),
                match_kinds: rule.get("match").and_then(match_kinds),
            });
            self.rule_cel_sites(rule, index, rule_index);
            self.jmespath
                .extend(jmespath::rule_sites(rule, rule_index, background));
        }
    }

    /// The CEL of a ClusterPolicy rule: `celPreconditions` and `validate.cel`.
    fn rule_cel_sites(&mut self, rule: &Node, index: usize, rule_index: usize) {
        let base = vec![Step::Key("spec"), Step::Key("rules"), Step::Index(index)];
        let at = |extra: &[Step]| {
            let mut p = base.clone();
            p.extend_from_slice(extra);
            p
        };
        let preconditions = at(&[Step::Key("celPreconditions")]);
        let cel = at(&[Step::Key("validate"), Step::Key("cel")]);
        let mut sites = Vec::new();
        named_list(
            rule.get("celPreconditions"),
            &preconditions,
            "expression",
            |name| CelRole::Precondition { name },
            &mut sites,
        );
        if let Some(cel_node) = rule.get("validate").and_then(|v| v.get("cel")) {
            cel_lists(cel_node, &cel, "expressions", &mut sites);
        }
        for (role, path, span) in sites {
            self.cel.push(CelSite {
                rule: rule_index,
                role,
                path,
                span,
            });
        }
    }

    fn lower_cel_policy(&mut self, root: &Node, cel: bool) {
        let Some(spec) = root.get("spec") else {
            return;
        };
        let action = CEL_ACTIONS.iter().copied().find(|a| spec.get(a).is_some());
        let actions: Vec<&str> = spec
            .get("validationActions")
            .and_then(Node::as_sequence)
            .unwrap_or_default()
            .iter()
            .filter_map(Node::as_str)
            .collect();
        // Kubernetes' admission policies leave the actions to their bindings; Kyverno's
        // default is `[Deny]`.
        let on_failure = if self.kind.ends_with("AdmissionPolicy") {
            Action::Unbound
        } else if actions.is_empty() || actions.contains(&"Deny") {
            Action::Block
        } else if actions.contains(&"Warn") {
            Action::Warn
        } else {
            Action::Audit
        };
        let name_span = self
            .name_span
            .clone()
            .unwrap_or(root.span.start..root.span.start);
        self.rules.push(Rule {
            index: 0,
            name: self.name.clone(),
            name_span,
            span: spec.span.clone(),
            action,
            form: crate::policy::PolicyKind::served(&self.api_version, &self.kind)
                .map_or("", |(k, _)| k.as_str()),
            on_failure,
            sections: sections(spec, None),
            match_kinds: None,
        });
        if !cel {
            return;
        }
        // In the JSON, Envoy and HTTP modes `object` is a payload, whatever the rules say.
        let mode = spec
            .get("evaluation")
            .and_then(|e| e.get("mode"))
            .and_then(Node::as_str);
        self.resource_rules = matches!(mode, None | Some("Kubernetes"))
            .then(|| spec.get("matchConstraints"))
            .flatten()
            .and_then(|m| m.get("resourceRules"))
            .and_then(Node::as_sequence)
            .map(|rules| {
                let strings = |rule: &Node, key: &str| -> Vec<String> {
                    rule.get(key)
                        .and_then(Node::as_sequence)
                        .unwrap_or_default()
                        .iter()
                        .filter_map(Node::as_str)
                        .map(str::to_string)
                        .collect()
                };
                rules
                    .iter()
                    .map(|r| ResourceRule {
                        api_groups: strings(r, "apiGroups"),
                        api_versions: strings(r, "apiVersions"),
                        resources: strings(r, "resources"),
                    })
                    .collect()
            });
        let mut sites = Vec::new();
        let spec_path = vec![Step::Key("spec")];
        cel_lists(spec, &spec_path, "validations", &mut sites);
        // The remaining expression fields of the other kinds, typed later.
        for pattern in OTHER_SITES {
            pattern_sites(spec, &spec_path, pattern, &mut sites);
        }
        for (role, path, span) in sites {
            self.cel.push(CelSite {
                rule: 0,
                role,
                path,
                span,
            });
        }
    }
}

fn rule_form(rule: &Node) -> &'static str {
    fn present<'a>(n: &'a Node, key: &str) -> Option<&'a Node> {
        n.get(key).filter(|v| !v.is_null())
    }
    if let Some(v) = present(rule, "validate") {
        let forms = [
            "cel",
            "pattern",
            "anyPattern",
            "deny",
            "foreach",
            "podSecurity",
        ];
        return forms
            .into_iter()
            .find(|f| present(v, f).is_some())
            .unwrap_or("validate");
    }
    ["mutate", "generate", "verifyImages"]
        .into_iter()
        .find(|a| present(rule, a).is_some())
        .unwrap_or("unknown")
}

/// The kinds of a rule's `match`: of its `any` and `all` entries, else of `resources`.
fn match_kinds(m: &Node) -> Option<Vec<String>> {
    let mut filters: Vec<&Node> = Vec::new();
    for list in ["any", "all"] {
        filters.extend(m.get(list).and_then(Node::as_sequence).unwrap_or_default());
    }
    if filters.is_empty() {
        filters.push(m);
    }
    let mut out = Vec::new();
    for f in filters {
        let kinds = f
            .get("resources")
            .and_then(|r| r.get("kinds"))
            .and_then(Node::as_sequence)
            .filter(|k| !k.is_empty())?;
        out.extend(kinds.iter().filter_map(Node::as_str).map(str::to_string));
    }
    Some(out)
}

/// The other expression fields of the CEL kinds, below `spec` (`[]`: every item of a list):
/// mutations, generate rules, deletion conditions, image extractors and references, targets,
/// and the keys and certificates of image attestors.
const OTHER_SITES: &[&str] = &[
    "targetMatchConstraints.expression",
    "targetMatchConditions[].expression",
    "matchImageReferences[].expression",
    "mutations[].applyConfiguration.expression",
    "mutations[].jsonPatch.expression",
    "generate[].expression",
    "conditions[].expression",
    "images[].expression",
    "attestors[].cosign.key.expression",
    "attestors[].cosign.certificate.cert.expression",
    "attestors[].cosign.certificate.certChain.expression",
    "attestors[].cosign.keyless.identities[].subjectExpression",
    "attestors[].cosign.trustedRoot.expression",
    "attestors[].notary.certs.expression",
    "attestors[].notary.tsaCerts.expression",
];

/// The string scalars at `pattern` (dot-separated keys, `[]` after a key for every item of
/// its list) below `node`, whose path is `base`, as [`CelRole::Other`] sites.
fn pattern_sites(node: &Node, base: &[Step], pattern: &'static str, out: &mut Vec<RawSite>) {
    let (head, rest) = match pattern.split_once('.') {
        Some((h, r)) => (h, Some(r)),
        None => (pattern, None),
    };
    let (key, each) = match head.strip_suffix("[]") {
        Some(k) => (k, true),
        None => (head, false),
    };
    let Some(child) = node.get(key) else {
        return;
    };
    let mut path = base.to_vec();
    path.push(Step::Key(key));
    let visit = |n: &Node, path: Vec<Step>, out: &mut Vec<RawSite>| match rest {
        Some(rest) => pattern_sites(n, &path, rest, out),
        None if n.as_str().is_some() => out.push((CelRole::Other, path, n.span.clone())),
        None => {}
    };
    if each {
        for (i, item) in child.as_sequence().unwrap_or_default().iter().enumerate() {
            let mut p = path.clone();
            p.push(Step::Index(i));
            visit(item, p, out);
        }
    } else {
        visit(child, path, out);
    }
}

type RawSite = (CelRole, Vec<Step>, Span);

/// `matchConditions`, `variables`, the validation list `validations_key`, and
/// `auditAnnotations` of a CEL policy spec or a `validate.cel` block, in the order Kyverno
/// compiles them.
fn cel_lists(node: &Node, base: &[Step], validations_key: &'static str, out: &mut Vec<RawSite>) {
    let at = |key: &'static str| {
        let mut p = base.to_vec();
        p.push(Step::Key(key));
        p
    };
    named_list(
        node.get("matchConditions"),
        &at("matchConditions"),
        "expression",
        |name| CelRole::MatchCondition { name },
        out,
    );
    named_list(
        node.get("variables"),
        &at("variables"),
        "expression",
        |name| CelRole::Variable { name },
        out,
    );
    let key = validations_key;
    for (i, item) in node
        .get(key)
        .and_then(Node::as_sequence)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        for (field, role) in [
            ("expression", CelRole::Validation { index: i }),
            ("messageExpression", CelRole::MessageExpression { index: i }),
        ] {
            if let Some(n) = item.get(field).filter(|n| is_text(n)) {
                let mut p = at(key);
                p.push(Step::Index(i));
                p.push(Step::Key(field));
                out.push((role, p, n.span.clone()));
            }
        }
    }
    for (i, item) in node
        .get("auditAnnotations")
        .and_then(Node::as_sequence)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        if let Some(n) = item.get("valueExpression").filter(|n| is_text(n)) {
            let key = item.get("key").and_then(Node::as_str).unwrap_or("");
            let mut p = at("auditAnnotations");
            p.push(Step::Index(i));
            p.push(Step::Key("valueExpression"));
            out.push((
                CelRole::AuditAnnotation {
                    key: key.to_string(),
                },
                p,
                n.span.clone(),
            ));
        }
    }
}

/// A list of `{name, <field>}` entries.
fn named_list(
    list: Option<&Node>,
    base: &[Step],
    field: &'static str,
    role: impl Fn(String) -> CelRole,
    out: &mut Vec<RawSite>,
) {
    for (i, item) in list
        .and_then(Node::as_sequence)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        if let Some(n) = item.get(field).filter(|n| is_text(n)) {
            let name = item.get("name").and_then(Node::as_str).unwrap_or("");
            let mut p = base.to_vec();
            p.push(Step::Index(i));
            p.push(Step::Key(field));
            out.push((role(name.to_string()), p, n.span.clone()));
        }
    }
}

/// A scalar an expression can be read from (not a mapping, list or null).
fn is_text(n: &Node) -> bool {
    n.as_scalar().is_some_and(|s| s.value != Resolved::Null)
}

/// The sections of a rule or spec: the keys in `names`, or every key.
fn sections(node: &Node, names: Option<&[&str]>) -> Vec<Section> {
    node.as_mapping()
        .unwrap_or_default()
        .iter()
        .filter(|e| {
            e.key
                .as_str()
                .is_some_and(|k| names.is_none_or(|n| n.contains(&k)))
        })
        .map(|e| Section {
            name: e.key.key_string(),
            key_span: e.key.span.clone(),
            span: e.key.span.start..e.value.span.end.max(e.key.span.end),
            items: e
                .value
                .as_sequence()
                .unwrap_or_default()
                .iter()
                .filter_map(|item| {
                    let n = item.get("name")?;
                    Some(NamedItem {
                        name: n.as_str()?.to_string(),
                        name_span: n.span.clone(),
                        span: item.span.clone(),
                    })
                })
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lower(text: &str) -> Policy {
        let doc = crate::yaml::parse(text, &crate::yaml::Limits::default())
            .into_iter()
            .next()
            .unwrap();
        Policy::lower(doc.root.as_ref().unwrap()).unwrap()
    }

    #[test]
    fn a_cluster_policy_lowers_to_its_rules() {
        let text = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: p\nspec:\n  validationFailureAction: Enforce\n  rules:\n  - name: a\n    match: {}\n    validate:\n      failureAction: Audit\n      pattern: {}\n  - name: b\n    celPreconditions:\n    - name: only-pods\n      expression: \"object.kind == 'Pod'\"\n    validate:\n      cel:\n        expressions:\n        - expression: has(object.spec)\n          messageExpression: \"'no spec'\"\n";
        let p = lower(text);
        assert_eq!(p.family, Family::Jmespath);
        assert_eq!(p.name, "p");
        let names: Vec<_> = p.rules.iter().map(|r| (r.index, r.name.as_str())).collect();
        assert_eq!(names, [(0, "a"), (1, "b")]);
        assert_eq!(p.rules[0].on_failure, Action::Audit);
        assert_eq!(p.rules[1].on_failure, Action::Block);
        assert_eq!(&text[p.rules[1].name_span.clone()], "b");
        let sections: Vec<_> = p.rules[0]
            .sections
            .iter()
            .map(|s| s.name.as_str())
            .collect();
        assert_eq!(sections, ["match", "validate"]);
        assert_eq!(p.rules[0].match_kinds, None);
        let forms: Vec<_> = p.rules.iter().map(|r| r.form).collect();
        assert_eq!(forms, ["pattern", "cel"]);
        assert_eq!(&text[p.rules_key.clone().unwrap()], "rules");
        let sites: Vec<_> = p
            .cel
            .iter()
            .map(|s| (s.rule, s.field_path(), &text[s.span.clone()]))
            .collect();
        assert_eq!(
            sites,
            [
                (
                    1,
                    "spec.rules[1].celPreconditions[0].expression".to_string(),
                    "\"object.kind == 'Pod'\""
                ),
                (
                    1,
                    "spec.rules[1].validate.cel.expressions[0].expression".to_string(),
                    "has(object.spec)"
                ),
                (
                    1,
                    "spec.rules[1].validate.cel.expressions[0].messageExpression".to_string(),
                    "\"'no spec'\""
                ),
            ]
        );
    }

    #[test]
    fn every_expression_field_of_the_other_cel_kinds_is_a_site() {
        let paths = |text: &str| -> Vec<String> {
            lower(text).cel.iter().map(CelSite::field_path).collect()
        };
        let mpol = "apiVersion: policies.kyverno.io/v1\nkind: MutatingPolicy\nmetadata: {name: m}\nspec:\n  targetMatchConstraints:\n    expression: resource.List('v1', 'configmaps', '')\n  targetMatchConditions:\n  - {name: t, expression: 'true'}\n  mutations:\n  - patchType: JSONPatch\n    jsonPatch: {expression: '[]'}\n";
        assert_eq!(
            paths(mpol),
            [
                "spec.targetMatchConstraints.expression",
                "spec.targetMatchConditions[0].expression",
                "spec.mutations[0].jsonPatch.expression",
            ]
        );
        let ivpol = "apiVersion: policies.kyverno.io/v1\nkind: ImageValidatingPolicy\nmetadata: {name: i}\nspec:\n  matchImageReferences:\n  - glob: ghcr.io/*\n  - expression: \"image.startsWith('x')\"\n  attestors:\n  - name: a\n    cosign:\n      key: {expression: variables.key}\n      keyless:\n        identities:\n        - {subjectExpression: \"'s'\"}\n  - name: b\n    notary: {certs: {expression: variables.certs}}\n";
        assert_eq!(
            paths(ivpol),
            [
                "spec.matchImageReferences[1].expression",
                "spec.attestors[0].cosign.key.expression",
                "spec.attestors[0].cosign.keyless.identities[0].subjectExpression",
                "spec.attestors[1].notary.certs.expression",
            ]
        );
    }

    #[test]
    fn rule_forms_in_kyverno_tests_words() {
        let text = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: p}\nspec:\n  rules:\n  - {name: a, validate: {message: m, foreach: []}}\n  - {name: b, validate: {deny: {}}}\n  - {name: c, validate: null, mutate: {}}\n  - {name: d, validate: {message: m}}\n  - {name: e}\n  - {name: f, verifyImages: []}\n";
        let forms: Vec<_> = lower(text).rules.iter().map(|r| r.form).collect();
        assert_eq!(
            forms,
            [
                "foreach",
                "deny",
                "mutate",
                "validate",
                "unknown",
                "verifyImages"
            ]
        );
        let vpol = lower(
            "apiVersion: policies.kyverno.io/v1\nkind: ValidatingPolicy\nmetadata: {name: v}\nspec: {validations: []}\n",
        );
        assert_eq!(vpol.rules[0].form, "ValidatingPolicy");
        assert_eq!(vpol.rules_key, None);
    }

    #[test]
    fn jmespath_sites_point_back_into_the_tree() {
        let text = "apiVersion: kyverno.io/v1\nkind: Policy\nmetadata: {name: p}\nspec:\n  rules:\n  - name: a\n    validate:\n      message: \"{{ request.object.metadata.name }} in {{ x }}\"\n      deny: {}\n  - name: b\n    validate:\n      foreach:\n      - list: request.object.spec.containers\n        deny:\n          conditions:\n            any:\n            - key: \"{{ element.name }}\"\n              operator: Equals\n              value: x\n";
        let doc = crate::yaml::parse(text, &crate::yaml::Limits::default()).remove(0);
        let root = doc.root.as_ref().unwrap();
        let p = Policy::lower(root).unwrap();
        let sites: Vec<_> = p
            .jmespath
            .iter()
            .map(|s| {
                let node = s.node(root).unwrap();
                (
                    s.rule,
                    &text[s.span.clone()],
                    &node.as_str().unwrap()[s.expr.clone()],
                    s.braceless,
                    s.scope.foreach_depth,
                )
            })
            .collect();
        let message = "\"{{ request.object.metadata.name }} in {{ x }}\"";
        assert_eq!(
            sites,
            [
                (0, message, "request.object.metadata.name", false, 0),
                (0, message, "x", false, 0),
                (
                    1,
                    "request.object.spec.containers",
                    "request.object.spec.containers",
                    true,
                    0
                ),
                (1, "\"{{ element.name }}\"", "element.name", false, 1),
            ]
        );
    }

    #[test]
    fn a_rule_knows_the_kinds_it_matches() {
        let kinds = |m: &str| {
            let text = format!(
                "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nspec:\n  rules:\n  - name: r\n    match:\n{m}    validate:\n      cel:\n        expressions:\n        - expression: \"true\"\n"
            );
            lower(&text).rules[0].match_kinds.clone()
        };
        assert_eq!(
            kinds("      resources:\n        kinds: [Pod, apps/v1/Deployment]\n"),
            Some(vec!["Pod".into(), "apps/v1/Deployment".into()])
        );
        assert_eq!(
            kinds(
                "      any:\n      - resources:\n          kinds: [Pod]\n      - resources:\n          kinds: [Service]\n"
            ),
            Some(vec!["Pod".into(), "Service".into()])
        );
        assert_eq!(
            kinds(
                "      any:\n      - resources:\n          kinds: [Pod]\n      - resources:\n          namespaces: [a]\n"
            ),
            None
        );
        assert_eq!(kinds("      resources:\n        kinds: []\n"), None);
    }

    #[test]
    fn resource_rules_are_kept_only_for_kubernetes_resources() {
        let text = "apiVersion: policies.kyverno.io/v1\nkind: ValidatingPolicy\nspec:\n  matchConstraints:\n    resourceRules:\n    - apiGroups: [\"\", apps]\n      apiVersions: [v1]\n      operations: [CREATE]\n      resources: [pods, deployments/status]\n    - resources: [jobs]\n  validations:\n  - expression: \"true\"\n";
        assert_eq!(
            lower(text).resource_rules,
            Some(vec![
                ResourceRule {
                    api_groups: vec!["".into(), "apps".into()],
                    api_versions: vec!["v1".into()],
                    resources: vec!["pods".into(), "deployments/status".into()],
                },
                ResourceRule {
                    api_groups: vec![],
                    api_versions: vec![],
                    resources: vec!["jobs".into()],
                },
            ])
        );
        let json = text.replace("spec:\n", "spec:\n  evaluation:\n    mode: JSON\n");
        assert_eq!(lower(&json).resource_rules, None);
        let kubernetes = text.replace("spec:\n", "spec:\n  evaluation:\n    mode: Kubernetes\n");
        assert_eq!(lower(&kubernetes).resource_rules.map(|r| r.len()), Some(2));
        let none = text.replace("matchConstraints", "matchConditionz");
        assert_eq!(lower(&none).resource_rules, None);
    }

    #[test]
    fn a_validating_policy_lowers_to_one_rule_with_its_expressions() {
        let text = "apiVersion: policies.kyverno.io/v1\nkind: ValidatingPolicy\nmetadata:\n  name: vp\nspec:\n  validationActions: [Audit, Warn]\n  matchConditions:\n  - name: not-system\n    expression: request.namespace != 'kube-system'\n  variables:\n  - name: containers\n    expression: object.spec.containers\n  validations:\n  - expression: variables.containers.all(c, has(c.name))\n    message: names\n    messageExpression: \"'x'\"\n  auditAnnotations:\n  - key: k\n    valueExpression: \"'v'\"\n";
        let p = lower(text);
        assert_eq!(p.family, Family::Cel);
        assert_eq!(p.rules.len(), 1);
        let rule = &p.rules[0];
        assert_eq!((rule.index, rule.name.as_str()), (0, "vp"));
        assert_eq!(&text[rule.name_span.clone()], "vp");
        assert_eq!(rule.action, Some("validations"));
        assert_eq!(rule.on_failure, Action::Warn);
        let roles: Vec<_> = p.cel.iter().map(|s| s.role.clone()).collect();
        assert_eq!(
            roles,
            [
                CelRole::MatchCondition {
                    name: "not-system".into()
                },
                CelRole::Variable {
                    name: "containers".into()
                },
                CelRole::Validation { index: 0 },
                CelRole::MessageExpression { index: 0 },
                CelRole::AuditAnnotation { key: "k".into() },
            ]
        );
        let root = crate::yaml::parse(text, &crate::yaml::Limits::default())
            .remove(0)
            .root
            .unwrap();
        assert_eq!(
            p.cel[2].node(&root).and_then(Node::as_str),
            Some("variables.containers.all(c, has(c.name))")
        );
    }

    #[test]
    fn validation_actions_decide_what_a_failure_does() {
        let with = |actions: &str| {
            let text = format!(
                "apiVersion: policies.kyverno.io/v1\nkind: ValidatingPolicy\nmetadata:\n  name: vp\nspec:\n{actions}  validations: []\n"
            );
            lower(&text).rules[0].on_failure
        };
        assert_eq!(with(""), Action::Block);
        assert_eq!(with("  validationActions: [Audit]\n"), Action::Audit);
        assert_eq!(with("  validationActions: [Audit, Deny]\n"), Action::Block);
        // An admission policy leaves it to its bindings, which say whom they bind.
        let vap = lower(
            "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: a}\nspec: {validations: []}\n",
        );
        assert_eq!(
            (vap.rules[0].on_failure, vap.binds),
            (Action::Unbound, None)
        );
        let binding = lower(
            "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicyBinding\nmetadata: {name: b}\nspec: {policyName: a, validationActions: [Warn]}\n",
        );
        assert_eq!(
            (binding.rules[0].on_failure, binding.binds.as_deref()),
            (Action::Warn, Some("a"))
        );
    }

    #[test]
    fn other_documents_are_not_policies() {
        assert_eq!(family_of("v1", "Pod"), None);
        assert_eq!(family_of("kyverno.io/v1", "ValidatingPolicy"), None);
        assert_eq!(
            family_of(
                "admissionregistration.k8s.io/v1",
                "ValidatingAdmissionPolicy"
            ),
            Some(Family::Cel)
        );
    }
}
