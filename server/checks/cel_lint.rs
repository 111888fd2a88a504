//! Static checks of the CEL in a policy: every expression site the policy model lists is
//! parsed and type-checked as Kyverno compiles it (declarations of the kind, variables in
//! order, the exact output type of each role), and findings are placed on the exact
//! characters through the scalar's value-to-source map (plain, quoted, folded and literal
//! scalars alike).

use super::did_you_mean;
use std::sync::Arc;

use crate::cel::checker::{
    self, CheckEnv, Checked, Expected, Flavor, Objects, Suggest, Type, VariablesScope,
};
use crate::diag::Diagnostic;
use crate::k8s::{self, Catalog};
use crate::model::{CelRole, CelSite, Policy};
use crate::yaml::Node;

/// Diagnostics for the CEL expressions of `policy`, whose document root is `root` (spans in
/// `source`), with `object` typed by the kinds of `catalog`.
pub fn check(
    catalog: &Arc<Catalog>,
    source: &str,
    root: &Node,
    policy: &Policy,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let checked = check_policy(catalog, root, policy);
    for (i, site) in policy.cel.iter().enumerate() {
        let Some(node) = site.node(root) else {
            continue;
        };
        let Some(text) = node.as_str() else {
            continue;
        };
        let result = checked.sites.get(i).and_then(Option::as_ref);
        let syntax = match result {
            Some(SiteResult::Syntax(errors)) => errors.as_slice(),
            _ => &[],
        };
        let findings = match result {
            Some(SiteResult::Checked(c)) => c.findings.as_slice(),
            _ => &[],
        };
        if syntax.is_empty() && findings.is_empty() {
            continue;
        }
        let Some(map) = crate::yaml::value_map(source, node) else {
            continue;
        };
        let place = |span: &crate::diag::Span| {
            let start = span.start.min(text.len());
            let end = span.end.clamp(start, text.len());
            map.span(start..end)
        };
        for e in syntax {
            out.push(Diagnostic::error(
                "cel-syntax",
                place(&e.span),
                format!("CEL syntax error in {}: {}", site.field_path(), e.message),
            ));
        }
        for f in findings {
            let mut message = if f.is_warning() {
                format!("In {}: {}.", site.field_path(), f.message)
            } else {
                format!("CEL error in {}: {}.", site.field_path(), f.message)
            };
            if let Some(hint) = &f.hint {
                message.push(' ');
                message.push_str(hint);
            }
            if let Some(name) = &f.name {
                let best = match &f.suggest {
                    Suggest::Names(names) => {
                        did_you_mean(name, names.iter().map(String::as_str)).map(str::to_string)
                    }
                    Suggest::Function => {
                        let names = checker::function_names();
                        did_you_mean(name, names.iter().copied()).map(str::to_string)
                    }
                    Suggest::None => None,
                };
                if let Some(best) = best {
                    message.push_str(&format!(" Did you mean `{best}`?"));
                }
            }
            out.push(if f.is_warning() {
                Diagnostic::warning(f.code, place(&f.span), message)
            } else {
                Diagnostic::error(f.code, place(&f.span), message)
            });
        }
    }
    out
}

/// What checking one site gave.
#[derive(Debug, Clone)]
pub enum SiteResult {
    Syntax(Vec<crate::cel::SyntaxError>),
    Checked(Checked),
}

/// The checks of a whole policy, for diagnostics and for the editor.
#[derive(Debug, Clone, Default)]
pub struct PolicyCheck {
    /// One entry per [`Policy::cel`] site, `None` where the site's scalar is not text or its
    /// kind is not checked.
    pub sites: Vec<Option<SiteResult>>,
    /// Each variable's type, as later expressions see `variables.<name>`: (rule, name, type).
    pub variables: Vec<(usize, String, Type)>,
}

/// Checks every CEL site of `policy` as Kyverno compiles it: per rule, variables in order
/// (each seeing only those before it), then the rest; `object` is typed by the kinds of
/// `catalog`.
pub fn check_policy(catalog: &Arc<Catalog>, root: &Node, policy: &Policy) -> PolicyCheck {
    let mut result = PolicyCheck {
        sites: vec![None; policy.cel.len()],
        variables: Vec::new(),
    };
    let Some(flavor) = Flavor::of_kind(&policy.kind) else {
        return result;
    };
    if flavor == Flavor::Validating && authz_mode(root) {
        // Kyverno hands these to its Envoy and HTTP authorization servers, whose CEL
        // environments (`envoy`, `jwt`, `http.Allowed()`…) we do not model: syntax only.
        for (i, site) in policy.cel.iter().enumerate() {
            result.sites[i] = match check_site(root, site, None) {
                Some(SiteResult::Syntax(e)) => Some(SiteResult::Syntax(e)),
                _ => None,
            };
        }
        return result;
    }
    let mut rules: Vec<usize> = policy.cel.iter().map(|s| s.rule).collect();
    rules.dedup();
    for rule in rules {
        // Variables first, in order, as Kyverno registers them: each sees those before it.
        for (i, site) in policy.cel.iter().enumerate() {
            let (true, CelRole::Variable { name }) = (site.rule == rule, &site.role) else {
                continue;
            };
            let env = site_env(catalog, root, policy, &result, i);
            let r = check_site(root, site, env.as_ref().map(SiteEnv::check_env).as_ref());
            let ty = match &r {
                Some(SiteResult::Checked(c)) => c.ty.clone(),
                // A variable that fails to parse is still registered, so its uses do not
                // repeat the error.
                _ => Type::Unknown,
            };
            result.variables.push((rule, name.clone(), ty));
            result.sites[i] = r;
        }
        for (i, site) in policy.cel.iter().enumerate() {
            if site.rule != rule || matches!(site.role, CelRole::Variable { .. }) {
                continue;
            }
            let env = site_env(catalog, root, policy, &result, i);
            result.sites[i] = check_site(root, site, env.as_ref().map(SiteEnv::check_env).as_ref());
        }
    }
    result
}

/// The kinds whose objects `object` and `oldObject` may be in a rule's expressions (a CEL
/// policy's `resourceRules`, a ClusterPolicy rule's `match` kinds), built-in or defined by
/// the catalog's CRDs: none when the rule may match anything else (a wildcard, a custom
/// resource no CRD defines), which leaves them `dyn`. Autogen rewrites a Pod policy's
/// expressions for Pod controllers, but they are written against the kinds as matched, so
/// these are the kinds they are typed by.
fn matched_kinds(catalog: &Arc<Catalog>, policy: &Policy, rule: usize) -> Option<Objects> {
    fn strs(v: &[String]) -> Vec<&str> {
        v.iter().map(String::as_str).collect()
    }
    let found: Vec<Option<Vec<&k8s::Kind>>> = if let Some(rules) = &policy.resource_rules {
        rules
            .iter()
            .map(|r| {
                catalog.kinds_of_rule(
                    &strs(&r.api_groups),
                    &strs(&r.api_versions),
                    &strs(&r.resources),
                )
            })
            .collect()
    } else if let Some(kinds) = policy.rules.get(rule).and_then(|r| r.match_kinds.as_ref()) {
        kinds.iter().map(|k| catalog.kinds_of_selector(k)).collect()
    } else {
        return None;
    };
    let mut out: Vec<k8s::Kind> = Vec::new();
    for kinds in found {
        for k in kinds? {
            if !out.contains(k) {
                out.push(k.clone());
            }
        }
    }
    (!out.is_empty()).then(|| Objects {
        catalog: catalog.clone(),
        kinds: out,
    })
}

/// The environment one site is checked in, owned, so that the editor can check the text
/// being typed in it as [`check_policy`] checked the site.
#[derive(Debug, Clone)]
pub struct SiteEnv {
    pub flavor: Flavor,
    pub params: bool,
    pub authorizer: bool,
    /// The variables the site may use, in order, with their types.
    pub variables: Vec<(String, Type)>,
    pub variables_scope: VariablesScope,
    pub expected: Expected,
    /// The kinds `object` is typed by (none: `dyn`).
    pub objects: Option<Objects>,
}

impl SiteEnv {
    pub fn check_env(&self) -> CheckEnv<'_> {
        CheckEnv {
            flavor: self.flavor,
            params: self.params,
            authorizer: self.authorizer,
            variables: &self.variables,
            variables_scope: self.variables_scope,
            expected: self.expected,
            objects: self.objects.as_ref(),
        }
    }
}

/// The environment `policy.cel[site]` is checked in, given the types of the variables
/// checked before it (all of them, once [`check_policy`] has run). `None` where the site is
/// not type-checked.
pub fn site_env(
    catalog: &Arc<Catalog>,
    root: &Node,
    policy: &Policy,
    checked: &PolicyCheck,
    site: usize,
) -> Option<SiteEnv> {
    let flavor = Flavor::of_kind(&policy.kind)?;
    if flavor == Flavor::Validating && authz_mode(root) {
        return None;
    }
    let s = policy.cel.get(site)?;
    let in_rule = checked.variables.iter().filter(|(r, _, _)| *r == s.rule);
    let (variables, variables_scope) = match s.role {
        CelRole::Variable { .. } => {
            // A variable sees those declared before it.
            let before = policy.cel[..site]
                .iter()
                .filter(|o| o.rule == s.rule && matches!(o.role, CelRole::Variable { .. }))
                .count();
            (in_rule.take(before).collect(), VariablesScope::Declared)
        }
        CelRole::MatchCondition { .. } if !flavor.match_conditions_see_variables() => {
            (Vec::new(), VariablesScope::BeforeVariables)
        }
        _ => (in_rule.collect(), VariablesScope::Declared),
    };
    Some(SiteEnv {
        flavor,
        params: has_params(root, policy, s.rule, flavor),
        authorizer: !flavor.is_kyverno(),
        variables: variables
            .into_iter()
            .map(|(_, n, t)| (n.clone(), t.clone()))
            .collect(),
        variables_scope,
        expected: match s.role {
            CelRole::Variable { .. } => Expected::Any,
            _ => expected(s, flavor),
        },
        objects: matched_kinds(catalog, policy, s.rule),
    })
}

fn expected(site: &CelSite, flavor: Flavor) -> Expected {
    match &site.role {
        CelRole::MatchCondition { .. }
        | CelRole::Validation { .. }
        | CelRole::Precondition { .. } => Expected::Bool,
        CelRole::MessageExpression { .. } => Expected::String,
        CelRole::AuditAnnotation { .. } => Expected::StringOrNull,
        // A GeneratingPolicy's `generate[].expression` must be a bool, though its value is
        // ignored.
        CelRole::Other
            if flavor == Flavor::Generating
                && site.path.get(1) == Some(&crate::model::Step::Key("generate")) =>
        {
            Expected::Bool
        }
        CelRole::Variable { .. } | CelRole::Other => Expected::Any,
    }
}

/// Parses a site and, given an environment, type-checks it.
fn check_site(root: &Node, site: &CelSite, env: Option<&CheckEnv>) -> Option<SiteResult> {
    let text = site.node(root)?.as_str()?;
    let (ast, errors) = crate::cel::parse(text);
    if !errors.is_empty() {
        return Some(SiteResult::Syntax(errors));
    }
    Some(SiteResult::Checked(checker::check(&ast?, env?)))
}

/// A ValidatingPolicy evaluated by Kyverno's authorization servers (`evaluation.mode: Envoy`
/// or `HTTP`).
fn authz_mode(root: &Node) -> bool {
    let mode = root
        .get("spec")
        .and_then(|s| s.get("evaluation"))
        .and_then(|e| e.get("mode"))
        .and_then(Node::as_str);
    matches!(mode, Some("Envoy" | "HTTP"))
}

/// Whether `params` is declared: a `validate.cel` with both `paramKind` and `paramRef` (Kyverno
/// binds params only then), or an admission policy with `paramKind`.
fn has_params(root: &Node, policy: &Policy, rule: usize, flavor: Flavor) -> bool {
    match flavor {
        Flavor::ValidateCel => policy
            .rules
            .get(rule)
            .and_then(|r| policy.rule_node(root, r))
            .and_then(|r| r.get("validate"))
            .and_then(|v| v.get("cel"))
            .is_some_and(|c| c.get("paramKind").is_some() && c.get("paramRef").is_some()),
        Flavor::AdmissionPolicy => root.get("spec").and_then(|s| s.get("paramKind")).is_some(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(text: &str) -> (Node, Policy) {
        let doc = crate::yaml::parse_chunk(text, &crate::yaml::Limits::default()).unwrap();
        let root = doc.root.unwrap();
        let policy = Policy::lower(&root).unwrap();
        (root, policy)
    }

    /// (code, message) of each diagnostic.
    fn diagnostics(text: &str) -> Vec<(&'static str, String)> {
        let (root, p) = policy(text);
        check(&Catalog::builtin(), text, &root, &p)
            .into_iter()
            .map(|d| (d.code, d.message))
            .collect()
    }

    const HEAD: &str = "metadata:\n  name: p\nspec:\n  matchConditions:\n  - name: m\n    expression: variables.b.size() > 0\n  variables:\n  - name: a\n    expression: object.spec.containers.map(c, c.image)\n  - name: b\n    expression: variables.a + ['x']\n";

    #[test]
    fn variable_types_are_exposed_in_order() {
        let text = format!("apiVersion: policies.kyverno.io/v1\nkind: ValidatingPolicy\n{HEAD}");
        let (root, p) = policy(&text);
        let checked = check_policy(&Catalog::builtin(), &root, &p);
        let vars: Vec<(usize, String, String)> = checked
            .variables
            .iter()
            .map(|(r, n, t)| (*r, n.clone(), t.to_string()))
            .collect();
        assert_eq!(
            vars,
            vec![
                (0, "a".to_string(), "list(dyn)".to_string()),
                (0, "b".to_string(), "list(dyn)".to_string()),
            ]
        );
    }

    #[test]
    fn match_conditions_see_variables_in_some_kinds_only() {
        let vpol = format!("apiVersion: policies.kyverno.io/v1\nkind: ValidatingPolicy\n{HEAD}");
        assert_eq!(
            diagnostics(&vpol),
            vec![(
                "cel-undefined-variable",
                "CEL error in spec.matchConditions[0].expression: undefined field 'b'. A ValidatingPolicy compiles its matchConditions before its variables, so `variables` cannot be used here.".to_string()
            )]
        );
        // MutatingPolicy and DeletingPolicy compile their variables first.
        for kind in ["MutatingPolicy", "DeletingPolicy"] {
            let text = format!("apiVersion: policies.kyverno.io/v1\nkind: {kind}\n{HEAD}");
            assert_eq!(diagnostics(&text), vec![], "{kind}");
        }
    }

    #[test]
    fn generate_expressions_are_bool() {
        let text = "apiVersion: policies.kyverno.io/v1\nkind: GeneratingPolicy\nmetadata:\n  name: p\nspec:\n  generate:\n  - expression: generator.Apply('ns', [])\n  - expression: \"'done'\"\n";
        assert_eq!(
            diagnostics(text),
            vec![(
                "cel-output-type",
                "CEL error in spec.generate[1].expression: output is expected to be of type bool. This expression is of type string; Kyverno wants exactly `true` or `false`.".to_string()
            )]
        );
    }

    #[test]
    fn target_and_mutation_expressions_are_checked() {
        let text = "apiVersion: policies.kyverno.io/v1\nkind: MutatingPolicy\nmetadata:\n  name: p\nspec:\n  targetMatchConstraints:\n    expression: resource.List('v1', 'configmaps', object.metadata.(\n  mutations:\n  - patchType: JSONPatch\n    jsonPatch:\n      expression: objekt.spec\n";
        assert_eq!(
            diagnostics(text),
            vec![
                (
                    "cel-syntax",
                    "CEL syntax error in spec.targetMatchConstraints.expression: expected a field name after '.', found '('".to_string()
                ),
                (
                    "cel-undeclared",
                    "CEL error in spec.mutations[0].jsonPatch.expression: undeclared reference to 'objekt' (in container ''). Did you mean `object`?".to_string()
                ),
            ]
        );
    }

    #[test]
    fn authorization_policies_are_only_parsed() {
        let text = "apiVersion: policies.kyverno.io/v1alpha1\nkind: ValidatingPolicy\nmetadata:\n  name: p\nspec:\n  evaluation:\n    mode: HTTP\n  validations:\n  - expression: http.Allowed().Response()\n  - expression: envoy.(\n";
        assert_eq!(
            diagnostics(text),
            vec![(
                "cel-syntax",
                "CEL syntax error in spec.validations[1].expression: expected a field name after '.', found '('".to_string()
            )]
        );
    }

    #[test]
    fn syntax_errors_stop_the_type_check_of_their_expression_only() {
        let text = "apiVersion: policies.kyverno.io/v1\nkind: ValidatingPolicy\nmetadata:\n  name: p\nspec:\n  variables:\n  - name: a\n    expression: object.(\n  validations:\n  - expression: variables.a == 1 && objekt == 1\n";
        assert_eq!(
            diagnostics(text),
            vec![
                (
                    "cel-syntax",
                    "CEL syntax error in spec.variables[0].expression: expected a field name after '.', found '('".to_string()
                ),
                (
                    "cel-undeclared",
                    "CEL error in spec.validations[0].expression: undeclared reference to 'objekt' (in container ''). Did you mean `object`?".to_string()
                ),
            ]
        );
    }
}
