//! The rules Kyverno computes for a resource kind (`pkg/autogen/v1/autogen.go`, `rule.go`):
//! a Pod rule becomes `autogen-<rule>` for Pod controllers and `autogen-cronjob-<rule>` for
//! CronJobs, its patterns wrapped in the pod template and its `request.object.spec` /
//! `request.object.metadata` references rewritten byte by byte.

use super::Value;
use super::matching::parse_kind_selector;
use crate::jmespath::value::Map;

/// Pod controllers other than CronJob, in Kyverno's sorted order.
const CONTROLLERS: [&str; 6] = [
    "DaemonSet",
    "Deployment",
    "Job",
    "ReplicaSet",
    "ReplicationController",
    "StatefulSet",
];

pub const ANNOTATION: &str = "pod-policies.kyverno.io/autogen-controllers";

fn present(v: Option<&Value>) -> bool {
    !matches!(v, None | Some(Value::Null))
}

fn strs(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn contains_kind(kinds: &[String], kind: &str) -> bool {
    kinds.iter().any(|k| parse_kind_selector(k).2 == kind)
}

/// The ResourceDescriptions of a match/exclude block (legacy, any, all).
fn descriptions(block: Option<&Value>) -> Vec<Value> {
    let Some(block) = block.filter(|b| present(Some(b))) else {
        return Vec::new();
    };
    let mut out = vec![block.at(&["resources"]).cloned().unwrap_or(Value::Null)];
    for key in ["any", "all"] {
        if let Some(list) = block.at(&[key]).and_then(Value::as_array) {
            for f in list {
                out.push(f.at(&["resources"]).cloned().unwrap_or(Value::Null));
            }
        }
    }
    out
}

/// `checkAutogenSupport` over one ResourceDescription.
fn check_support(needed: &mut bool, rd: &Value) -> bool {
    let kinds = strs(rd.at(&["kinds"]));
    let name = rd
        .at(&["name"])
        .and_then(Value::as_str)
        .is_some_and(|s| !s.is_empty());
    if name
        || !strs(rd.at(&["names"])).is_empty()
        || present(rd.at(&["selector"]))
        || present(rd.at(&["annotations"]))
        || (kinds.len() > 1 && contains_kind(&kinds, "Pod"))
    {
        return false;
    }
    *needed = *needed
        || kinds
            .iter()
            .any(|k| k == "Pod" || k == "CronJob" || CONTROLLERS.contains(&k.as_str()));
    true
}

/// `CanAutoGen`: whether the policy's rules may be generated for Pod controllers.
pub fn can_autogen(rules: &[Value]) -> bool {
    let mut needed = false;
    for rule in rules {
        if present(rule.at(&["generate"])) {
            return false;
        }
        if let Some(m) = rule.at(&["mutate"]) {
            let json6902 = |v: &Value| {
                v.at(&["patchesJson6902"])
                    .and_then(Value::as_str)
                    .is_some_and(|s| !s.is_empty())
            };
            if json6902(m) {
                return false;
            }
            if let Some(fe) = m.at(&["foreach"]).and_then(Value::as_array) {
                if fe.iter().any(json6902) {
                    return false;
                }
            }
        }
        for rd in descriptions(rule.at(&["match"]))
            .iter()
            .chain(descriptions(rule.at(&["exclude"])).iter())
        {
            if !check_support(&mut needed, rd) {
                return false;
            }
        }
    }
    needed
}

fn rule_name(rule: &Value) -> &str {
    rule.at(&["name"]).and_then(Value::as_str).unwrap_or("")
}

fn autogen_name(prefix: &str, name: &str) -> String {
    let mut n = format!("{prefix}-{name}");
    if n.len() > 63 {
        let mut cut = 63;
        while !n.is_char_boundary(cut) {
            cut -= 1;
        }
        n.truncate(cut);
    }
    n
}

fn all_kinds(block: Option<&Value>) -> Vec<String> {
    descriptions(block)
        .iter()
        .flat_map(|rd| strs(rd.at(&["kinds"])))
        .collect()
}

fn kinds_value(kinds: &[&str]) -> Value {
    Value::array(kinds.iter().map(|k| Value::from(*k)).collect())
}

fn set(map: &mut Map, key: &str, v: Value) {
    map.insert(key.to_string(), v);
}

/// Replaces kinds in a match/exclude block. `only_with` limits any/all filters to those whose
/// kinds contain that kind (`getAnyAllAutogenRule`); None replaces every filter.
fn replace_kinds(block: &Value, kinds: &[&str], only_with: Option<&str>, exclude: bool) -> Value {
    let Some(map) = block.as_object() else {
        return block.clone();
    };
    let mut out = map.clone();
    let replace_filters = |list: &[Value]| -> Value {
        Value::array(
            list.iter()
                .map(|f| {
                    let fk = strs(f.at(&["resources", "kinds"]));
                    if only_with.is_some_and(|k| !contains_kind(&fk, k)) {
                        return f.clone();
                    }
                    let mut fm = f.as_object().cloned().unwrap_or_default();
                    let mut rd = f
                        .at(&["resources"])
                        .and_then(Value::as_object)
                        .cloned()
                        .unwrap_or_default();
                    set(&mut rd, "kinds", kinds_value(kinds));
                    set(&mut fm, "resources", Value::object(rd));
                    Value::object(fm)
                })
                .collect(),
        )
    };
    let any = block
        .at(&["any"])
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty());
    let all = block
        .at(&["all"])
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty());
    if let Some(any) = any {
        set(&mut out, "any", replace_filters(any));
    } else if let Some(all) = all {
        set(&mut out, "all", replace_filters(all));
    } else {
        let mut rd = block
            .at(&["resources"])
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        if !exclude || !strs(rd.get("kinds")).is_empty() {
            set(&mut rd, "kinds", kinds_value(kinds));
            set(&mut out, "resources", Value::object(rd));
        }
    }
    Value::object(out)
}

fn wrap(tpl_key: &str, target: &Value) -> Value {
    let mut inner = Map::new();
    set(&mut inner, tpl_key, target.clone());
    let mut outer = Map::new();
    set(&mut outer, "spec", Value::object(inner));
    Value::object(outer)
}

/// `generateRule`: the rule renamed, kinds replaced and its body wrapped. None when Kyverno
/// would generate nothing for it.
fn generate_rule(
    name: &str,
    rule: &Value,
    tpl_key: &str,
    kinds: &[&str],
    only_with: Option<&str>,
) -> Option<Value> {
    let mut out = rule.as_object()?.clone();
    set(&mut out, "name", Value::from(name));
    if let Some(m) = rule.at(&["match"]) {
        set(&mut out, "match", replace_kinds(m, kinds, only_with, false));
    }
    if let Some(ex) = rule.at(&["exclude"]).filter(|e| present(Some(e))) {
        set(
            &mut out,
            "exclude",
            replace_kinds(ex, kinds, only_with, true),
        );
    }
    if let Some(mutate) = rule.at(&["mutate"]).filter(|m| present(Some(m))) {
        if let Some(psm) = mutate
            .at(&["patchStrategicMerge"])
            .filter(|p| present(Some(p)))
        {
            let mut m = Map::new();
            set(&mut m, "patchStrategicMerge", wrap(tpl_key, psm));
            set(&mut out, "mutate", Value::object(m));
            return Some(Value::object(out));
        }
        if let Some(fe) = mutate
            .at(&["foreach"])
            .and_then(Value::as_array)
            .filter(|a| !a.is_empty())
        {
            let list = fe
                .iter()
                .map(|f| {
                    let mut t = Map::new();
                    for k in ["list", "context", "preconditions"] {
                        if let Some(v) = f.at(&[k]) {
                            set(&mut t, k, v.clone());
                        }
                    }
                    let psm = f
                        .at(&["patchStrategicMerge"])
                        .cloned()
                        .unwrap_or(Value::Null);
                    set(&mut t, "patchStrategicMerge", wrap(tpl_key, &psm));
                    Value::object(t)
                })
                .collect();
            let mut m = Map::new();
            set(&mut m, "foreach", Value::array(list));
            set(&mut out, "mutate", Value::object(m));
            return Some(Value::object(out));
        }
    }
    if let Some(validate) = rule.at(&["validate"]).filter(|v| present(Some(v))) {
        let mut base = Map::new();
        for k in [
            "message",
            "failureAction",
            "failureActionOverrides",
            "allowExistingViolations",
        ] {
            if let Some(v) = validate.at(&[k]) {
                set(&mut base, k, v.clone());
            }
        }
        if let Some(p) = validate.at(&["pattern"]).filter(|p| present(Some(p))) {
            set(&mut base, "pattern", wrap(tpl_key, p));
        } else if let Some(d) = validate.at(&["deny"]).filter(|d| present(Some(d))) {
            set(&mut base, "deny", d.clone());
        } else if let Some(ps) = validate.at(&["podSecurity"]).filter(|d| present(Some(d))) {
            set(&mut base, "podSecurity", ps.clone());
        } else if let Some(ap) = validate.at(&["anyPattern"]).filter(|d| present(Some(d))) {
            let list = ap
                .as_array()
                .map(|a| a.iter().map(|p| wrap(tpl_key, p)).collect())
                .unwrap_or_default();
            set(&mut base, "anyPattern", Value::array(list));
        } else if let Some(fe) = validate
            .at(&["foreach"])
            .and_then(Value::as_array)
            .filter(|a| !a.is_empty())
        {
            set(&mut base, "foreach", Value::array(fe.to_vec()));
        } else if present(validate.at(&["cel"])) || present(validate.at(&["assert"])) {
            base = validate.as_object().cloned().unwrap_or_default();
        } else {
            return verify_images_only(out, rule);
        }
        set(&mut out, "validate", Value::object(base));
        return Some(Value::object(out));
    }
    verify_images_only(out, rule)
}

fn verify_images_only(out: Map, rule: &Value) -> Option<Value> {
    if present(rule.at(&["verifyImages"])) {
        Some(Value::object(out))
    } else {
        None
    }
}

/// `generateRuleForControllers`: the `autogen-` rule for `controllers` (not CronJob).
fn rule_for_controllers(rule: &Value, controllers: &[&str]) -> Option<Value> {
    let name = rule_name(rule);
    if name.starts_with("autogen-") || controllers.is_empty() {
        return None;
    }
    let match_kinds = all_kinds(rule.at(&["match"]));
    let exclude_kinds = all_kinds(rule.at(&["exclude"]));
    if !contains_kind(&match_kinds, "Pod")
        || (!exclude_kinds.is_empty() && !contains_kind(&exclude_kinds, "Pod"))
    {
        return None;
    }
    generate_rule(
        &autogen_name("autogen", name),
        rule,
        "template",
        controllers,
        Some("Pod"),
    )
}

/// `generateCronJobRule`: built from the (unconverted) controller rule.
fn cronjob_rule(rule: &Value, controllers: &[&str]) -> Option<Value> {
    let base = rule_for_controllers(rule, controllers)?;
    generate_rule(
        &autogen_name("autogen-cronjob", rule_name(rule)),
        &base,
        "jobTemplate",
        &["CronJob"],
        None,
    )
}

/// The byte-level rewrite of `request.object.spec` / `.metadata` (`updateFields`).
fn convert(rule: &Value, cronjob: bool) -> Value {
    let cel = present(rule.at(&["validate", "cel"]));
    let json = serde_json::to_string(&rule.to_json()).unwrap_or_default();
    let (spec, meta) = if cronjob {
        (
            "spec.jobTemplate.spec.template.spec",
            "spec.jobTemplate.spec.template.metadata",
        )
    } else {
        ("spec.template.spec", "spec.template.metadata")
    };
    let mut s = json;
    let prefixes: &[&str] = if cel {
        &["object", "oldObject"]
    } else {
        &["request.object", "request.oldObject"]
    };
    for p in prefixes {
        s = s.replace(&format!("{p}.spec"), &format!("{p}.{spec}"));
    }
    for p in prefixes {
        s = s.replace(&format!("{p}.metadata"), &format!("{p}.{meta}"));
    }
    serde_json::from_str::<serde_json::Value>(&s)
        .map(|v| Value::from_json(&v))
        .unwrap_or_else(|_| rule.clone())
}

/// `value` (an expression, a condition, a `foreach` entry) of a rule as it reads in `rule`,
/// the rule Kyverno evaluates: rewritten for the Pod template when autogen made `rule`.
pub fn as_in(rule: &ComputedRule, value: &Value) -> Value {
    if !rule.generated {
        return value.clone();
    }
    let cronjob = rule.rule.str_at(&["name"]).starts_with("autogen-cronjob-");
    convert(value, cronjob)
}

/// A rule Kyverno evaluates, with the index in `spec.rules` of the rule it comes from.
#[derive(Debug, Clone)]
pub struct ComputedRule {
    pub rule: Value,
    pub source: usize,
    /// Made by autogen from the rule at `source`.
    pub generated: bool,
}

/// The rules Kyverno evaluates for a resource of `kind` (`ComputeRules(policy, kind)`).
pub fn compute_rules(policy: &Value, kind: &str) -> Vec<ComputedRule> {
    let rules: Vec<Value> = policy
        .at(&["spec", "rules"])
        .and_then(Value::as_array)
        .map(|a| a.to_vec())
        .unwrap_or_default();
    let written = |rules: Vec<Value>| -> Vec<ComputedRule> {
        rules
            .into_iter()
            .enumerate()
            .map(|(source, rule)| ComputedRule {
                rule,
                source,
                generated: false,
            })
            .collect()
    };
    if !can_autogen(&rules) {
        return written(rules);
    }
    let annotation = policy
        .at(&["metadata", "annotations", ANNOTATION])
        .and_then(Value::as_str);
    let actual: Vec<String> = match annotation {
        None => CONTROLLERS
            .iter()
            .chain(["CronJob"].iter())
            .map(|s| s.to_string())
            .collect(),
        Some(a) => a.split(',').map(str::to_string).collect(),
    };
    if kind.is_empty() || !actual.iter().any(|c| c == kind) {
        return written(rules);
    }
    let mut generated = Vec::new();
    for (source, rule) in rules.iter().enumerate() {
        let made = if kind == "CronJob" {
            cronjob_rule(rule, &["CronJob"]).map(|r| convert(&r, true))
        } else if CONTROLLERS.contains(&kind) {
            rule_for_controllers(rule, &[kind]).map(|r| convert(&r, false))
        } else {
            None
        };
        generated.extend(made.map(|rule| ComputedRule {
            rule,
            source,
            generated: true,
        }));
    }
    if generated.is_empty() {
        return written(rules);
    }
    let mut out: Vec<ComputedRule> = written(rules)
        .into_iter()
        .filter(|r| !rule_name(&r.rule).starts_with("autogen-"))
        .collect();
    out.extend(generated);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jmespath::json::to_go_json;

    fn v(json: &str) -> Value {
        Value::from_json(&serde_json::from_str(json).expect("json"))
    }

    fn policy(annotations: &str, match_block: &str) -> Value {
        v(&format!(
            r#"{{"metadata":{{"name":"p","annotations":{{{annotations}}}}},"spec":{{"rules":[{{"name":"check-image","match":{match_block},
            "validate":{{"message":"bad {{{{ request.object.metadata.name }}}}","pattern":{{"spec":{{"containers":[{{"image":"!*:latest"}}]}}}}}}}}]}}}}"#
        ))
    }

    #[test]
    fn deployment_gets_autogen_rule() {
        let p = policy("", r#"{"any":[{"resources":{"kinds":["Pod"]}}]}"#);
        let rules: Vec<Value> = compute_rules(&p, "Deployment")
            .into_iter()
            .map(|c| c.rule)
            .collect();
        assert_eq!(rules.len(), 2);
        let r = &rules[1];
        assert_eq!(rule_name(r), "autogen-check-image");
        assert_eq!(
            to_go_json(r.at(&["match"]).unwrap()),
            r#"{"any":[{"resources":{"kinds":["Deployment"]}}]}"#
        );
        assert_eq!(
            to_go_json(r.at(&["validate"]).unwrap()),
            r#"{"message":"bad {{ request.object.spec.template.metadata.name }}","pattern":{"spec":{"template":{"spec":{"containers":[{"image":"!*:latest"}]}}}}}"#
        );
        assert_eq!(compute_rules(&p, "Pod").len(), 1);
        assert_eq!(compute_rules(&p, "Service").len(), 1);
    }

    #[test]
    fn cronjob_rule_wraps_job_template() {
        let p = policy("", r#"{"resources":{"kinds":["Pod"]}}"#);
        let rules: Vec<Value> = compute_rules(&p, "CronJob")
            .into_iter()
            .map(|c| c.rule)
            .collect();
        assert_eq!(rules.len(), 2);
        let r = &rules[1];
        assert_eq!(rule_name(r), "autogen-cronjob-check-image");
        assert_eq!(
            to_go_json(r.at(&["match"]).unwrap()),
            r#"{"resources":{"kinds":["CronJob"]}}"#
        );
        assert_eq!(
            to_go_json(r.at(&["validate", "pattern"]).unwrap()),
            r#"{"spec":{"jobTemplate":{"spec":{"template":{"spec":{"containers":[{"image":"!*:latest"}]}}}}}}"#
        );
        assert_eq!(
            r.at(&["validate", "message"]).unwrap(),
            &Value::from("bad {{ request.object.spec.jobTemplate.spec.template.metadata.name }}")
        );
    }

    #[test]
    fn annotation_and_eligibility() {
        let ann = format!(r#""{ANNOTATION}":"none""#);
        let p = policy(&ann, r#"{"any":[{"resources":{"kinds":["Pod"]}}]}"#);
        assert_eq!(compute_rules(&p, "Deployment").len(), 1);
        let ann = format!(r#""{ANNOTATION}":"Deployment""#);
        let p = policy(&ann, r#"{"any":[{"resources":{"kinds":["Pod"]}}]}"#);
        assert_eq!(compute_rules(&p, "Deployment").len(), 2);
        assert_eq!(compute_rules(&p, "StatefulSet").len(), 1);
        // Names or Pod mixed with other kinds disable autogen.
        let p = policy(
            "",
            r#"{"any":[{"resources":{"kinds":["Pod"],"names":["x"]}}]}"#,
        );
        assert_eq!(compute_rules(&p, "Deployment").len(), 1);
        let p = policy("", r#"{"any":[{"resources":{"kinds":["Pod","Service"]}}]}"#);
        assert_eq!(compute_rules(&p, "Deployment").len(), 1);
        // Long names are truncated to 63 characters.
        assert_eq!(autogen_name("autogen-cronjob", &"x".repeat(80)).len(), 63);
    }
}
