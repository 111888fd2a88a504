//! The simulation of every rule of the valid policy documents of a text against the samples,
//! and the verdict diagnostics (`rule-fails`, `rule-error`) placed on each rule's name.
//!
//! Pure: the samples come in converted once (their `Request`s hold the engine's values); the
//! clock is the fixed offline one of [`Env::fixed`].

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, OnceLock};

use crate::analysis::{DocAnalysis, RuleSimulation, SampleChange, SampleResult};
use crate::diag::{Diagnostic, Severity, SourceFile, Span};
use crate::engine::budget::{Scope, Spent};
use crate::engine::{self, Env, Outcome, RuleResponse, Status, Value};
use crate::limits;
use crate::model::{Action, Family, Policy};
use crate::samples::{Origin, Sample};
use crate::yaml::Node;

/// The engine on one (policy, sample) with `steps` left of the file's budget; a panic gives no
/// response (the editor must survive an engine bug).
fn run_engine(policy: &Value, sample: &Sample, env: &Env, steps: u64) -> (Outcome, Spent) {
    engine::budget::with_budget(
        steps,
        limits::MAX_SIMULATION_STEPS,
        Scope::Simulation,
        || {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                engine::run(policy, &sample.request, env)
            }))
            .unwrap_or_default()
        },
    )
}

/// Most (policy, sample) verdicts remembered between analyses.
const MAX_CACHED: usize = 16_384;

/// The responses of a run and the steps it spent (charged again on a hit, so that the file's
/// budget runs out at the same place whatever is remembered). Runs that exhausted the budget
/// are not remembered: their result depends on what ran before.
type Cache = HashMap<(u64, u64), (Arc<Outcome>, u64)>;

/// The engine's responses by (policy document text, sample) fingerprint. The engine is a pure
/// function of those (the clock is fixed), so a hit is exactly what a run would give; typing
/// in one document of a file re-simulates only that document.
fn cache() -> &'static Mutex<Cache> {
    static CACHE: OnceLock<Mutex<Cache>> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

fn fingerprint(parts: &[&str]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for p in parts {
        p.hash(&mut h);
    }
    h.finish()
}

/// What determines a sample's request: built-ins are fixed, a same-file sample is its
/// document's text, others their whole request.
fn sample_fingerprint(text: &str, sample: &Sample) -> u64 {
    match (sample.origin, &sample.span) {
        (Origin::Builtin, _) => fingerprint(&[
            "builtin",
            &sample.label,
            sample.request.object.str_at(&["metadata", "namespace"]),
        ]),
        (Origin::SameFile, Some(span)) if sample.file.is_none() => {
            fingerprint(&["same", text.get(span.clone()).unwrap_or("")])
        }
        _ => fingerprint(&["request", &format!("{:?}", sample.request)]),
    }
}

/// The exceptions a response names when a PolicyException skipped (or, for a CEL policy,
/// passed) the rule, in Kyverno's messages for each kind of rule.
fn excepted_by(message: &str) -> Option<&str> {
    [
        "rule is skipped due to policy exceptions",
        "rule is skipped due to policy exception:",
        "rule is skipped due to policy exception",
        "rule is passed due to policy exception:",
    ]
    .into_iter()
    .find_map(|p| message.strip_prefix(p))
    .map(str::trim)
    .filter(|k| !k.is_empty())
}

/// The rule's own (substituted) message from Kyverno's response text: the editor shows
/// `Pod hello-world: Containers must drop ALL capabilities.`, the CLI report's decorations
/// (`validation error: ... rule r failed at path /p/`, `validation failure: ...`) left out.
/// Errors and Pod Security messages are kept whole: they carry the reason.
pub fn rule_message(resp: &RuleResponse) -> String {
    let m = resp.message.as_str();
    if resp.status == Status::Error {
        return m.to_string();
    }
    if let Some(rest) = m.strip_prefix("validation failure: ") {
        return rest.to_string();
    }
    if let Some(rest) = m.strip_prefix("validation error: ") {
        let marker = format!(" rule {} failed at path ", resp.rule);
        if let Some(i) = rest.rfind(&marker) {
            return rest[..i].trim_end().to_string();
        }
        return rest.to_string();
    }
    m.to_string()
}

/// The sample as `policy` sees it: a namespaced policy sees a sample that names no namespace
/// in its own ([`Sample::in_namespace`]). Hover values use this too, so that they are computed
/// on what the verdicts were.
pub fn sample_for_policy<'a>(policy: &Policy, sample: &'a Sample) -> std::borrow::Cow<'a, Sample> {
    match policy
        .namespace
        .as_deref()
        .and_then(|ns| sample.in_namespace(ns))
    {
        Some(moved) => std::borrow::Cow::Owned(moved),
        None => std::borrow::Cow::Borrowed(sample),
    }
}

/// The other documents of the file that a policy's evaluation reads: a
/// ValidatingAdmissionPolicy's bindings, and the PolicyExceptions of its family (the engine
/// picks those that name the policy and match the sample).
struct Companions<'a> {
    documents: Vec<&'a DocAnalysis>,
    bindings: Vec<Value>,
    exceptions: Vec<Value>,
    cel_exceptions: Vec<Value>,
    /// For an admission policy with bindings: the strongest of their actions.
    action: Option<Action>,
}

/// The documents of a file that may be some policy's companions (bindings and
/// PolicyExceptions), with their engine value, converted once per simulation.
type Candidate<'a> = (&'a DocAnalysis, &'a Policy, Value);

fn candidates<'a>(documents: &'a [DocAnalysis], accepted: &[usize]) -> Vec<Candidate<'a>> {
    accepted
        .iter()
        .filter_map(|&i| {
            let d = &documents[i];
            let (p, root) = (d.policy.as_ref()?, d.doc.root.as_ref()?);
            let companion = matches!(
                p.kind.as_str(),
                "ValidatingAdmissionPolicyBinding" | "PolicyException"
            );
            companion.then(|| (d, p, Value::from_json(&root.to_json())))
        })
        .collect()
}

impl<'a> Companions<'a> {
    fn of(policy: &Policy, candidates: &[Candidate<'a>]) -> Self {
        let mut out = Companions {
            documents: Vec::new(),
            bindings: Vec::new(),
            exceptions: Vec::new(),
            cel_exceptions: Vec::new(),
            action: None,
        };
        let mut actions = Vec::new();
        for (d, p, value) in candidates {
            let list = match (p.kind.as_str(), p.api_version.split('/').next()) {
                ("ValidatingAdmissionPolicyBinding", _)
                    if policy.kind == "ValidatingAdmissionPolicy"
                        && p.binds.as_deref() == Some(policy.name.as_str()) =>
                {
                    actions.extend(p.rules.first().map(|r| r.on_failure));
                    &mut out.bindings
                }
                ("PolicyException", Some("kyverno.io")) if policy.family == Family::Jmespath => {
                    &mut out.exceptions
                }
                ("PolicyException", Some("policies.kyverno.io"))
                    if policy.api_version.starts_with("policies.kyverno.io/") =>
                {
                    &mut out.cel_exceptions
                }
                _ => continue,
            };
            list.push(value.clone());
            out.documents.push(d);
        }
        // Deny blocks even where another binding only warns.
        out.action = [Action::Block, Action::Warn, Action::Audit]
            .into_iter()
            .find(|a| actions.contains(a));
        out
    }

    /// The sample with these documents in its request.
    fn apply<'s>(&self, sample: std::borrow::Cow<'s, Sample>) -> std::borrow::Cow<'s, Sample> {
        if self.documents.is_empty() {
            return sample;
        }
        let mut s = sample.into_owned();
        let r = &mut s.request;
        r.admission_bindings.extend(self.bindings.iter().cloned());
        r.exceptions.extend(self.exceptions.iter().cloned());
        r.cel_exceptions.extend(self.cel_exceptions.iter().cloned());
        std::borrow::Cow::Owned(s)
    }
}

/// Simulates every rule of every policy document in `valid` (indexes into `documents` of
/// `text`), with the exceptions and bindings among the `accepted` documents (those of Kyverno's
/// kinds without errors).
pub fn simulate(
    text: &str,
    documents: &[DocAnalysis],
    valid: &[usize],
    accepted: &[usize],
    samples: &[Sample],
) -> Vec<RuleSimulation> {
    let env = Env::fixed();
    let mut out = Vec::new();
    let samples = &samples[..samples.len().min(limits::MAX_SAMPLES)];
    let mut steps_left = limits::MAX_SIMULATION_STEPS;
    let mut pairs = 0usize;
    let sample_keys: Vec<u64> = samples
        .iter()
        .map(|s| sample_fingerprint(text, s))
        .collect();
    let candidates = candidates(documents, accepted);
    for &di in valid {
        let doc = &documents[di];
        let Some(root) = &doc.doc.root else { continue };
        let (Some(kind), Some(model)) = (&doc.kind, &doc.policy) else {
            continue;
        };
        if !kind.is_simulated_policy() {
            continue;
        };
        let companions = Companions::of(model, &candidates);
        let seen: Vec<std::borrow::Cow<Sample>> = samples
            .iter()
            .map(|s| companions.apply(sample_for_policy(model, s)))
            .collect();
        let seen_keys: Vec<u64> = seen
            .iter()
            .zip(&sample_keys)
            .map(|(s, &k)| match s {
                std::borrow::Cow::Borrowed(_) => k,
                std::borrow::Cow::Owned(moved) => sample_fingerprint(text, moved),
            })
            .collect();
        let rules = &model.rules;
        // Whole documents only: a policy is simulated on all samples or not at all.
        pairs = pairs.saturating_add(rules.len().max(1).saturating_mul(samples.len()));
        if pairs > limits::MAX_SIMULATIONS {
            break;
        }
        let mut policy_texts = vec!["policy", text.get(doc.doc.span.clone()).unwrap_or("")];
        policy_texts.extend(
            companions
                .documents
                .iter()
                .map(|d| text.get(d.doc.span.clone()).unwrap_or("")),
        );
        let policy_key = fingerprint(&policy_texts);
        let mut policy: Option<Value> = None;
        let responses: Vec<Arc<Outcome>> = seen
            .iter()
            .zip(&seen_keys)
            .map(|(s, &sk)| {
                let key = (policy_key, sk);
                let hit = cache().lock().ok().and_then(|c| c.get(&key).cloned());
                if let Some((hit, steps)) = hit {
                    if steps <= steps_left {
                        steps_left -= steps;
                        return hit;
                    }
                }
                let p = policy.get_or_insert_with(|| Value::from_json(&root.to_json()));
                let (r, spent) = run_engine(p, s, &env, steps_left);
                steps_left = steps_left.saturating_sub(spent.steps);
                let r = Arc::new(r);
                if !spent.exhausted {
                    if let Ok(mut c) = cache().lock() {
                        if c.len() >= MAX_CACHED {
                            c.clear();
                        }
                        c.insert(key, (r.clone(), spent.steps));
                    }
                }
                r
            })
            .collect();
        for rule in rules {
            let mut results = Vec::new();
            let mut changes = Vec::new();
            for (si, outcome) in responses.iter().enumerate() {
                // The responses of the rule and of its autogen rules.
                let mut applied = false;
                for r in outcome.responses.iter().filter(|r| r.source == rule.index) {
                    applied |= r.status == Status::Pass;
                    results.push(SampleResult {
                        sample: si,
                        response: r.clone(),
                    });
                }
                let generated: Vec<Value> = outcome
                    .generated
                    .iter()
                    .filter(|(source, _)| *source == rule.index)
                    .map(|(_, o)| o.clone())
                    .collect();
                // A mutation shows on the rules that applied to the sample.
                let mutates = matches!(
                    rule.form,
                    "mutate"
                        | "MutatingPolicy"
                        | "NamespacedMutatingPolicy"
                        | "MutatingAdmissionPolicy"
                );
                let patched = match (&outcome.patched, applied && mutates) {
                    (Some(p), true) => Some(Arc::new(p.clone())),
                    _ => None,
                };
                if patched.is_some() || !generated.is_empty() {
                    changes.push(SampleChange {
                        sample: si,
                        patched,
                        generated,
                    });
                }
            }
            out.push(RuleSimulation {
                document: di,
                rule: rule.name.clone(),
                name_span: rule.name_span.clone(),
                span: rule.span.clone(),
                on_failure: companions.action.unwrap_or(rule.on_failure),
                results,
                changes,
            });
        }
    }
    out
}

/// The diagnostics of the simulation's own limits, on the `rules` key of the first policy that
/// `valid` lists: more samples than [`limits::MAX_SAMPLES`] (`too-many-samples`), more
/// (rule, sample) pairs than [`limits::MAX_SIMULATIONS`], or the file's step budget spent
/// (`simulation-limit`).
pub fn limit_diagnostics(
    documents: &[DocAnalysis],
    valid: &[usize],
    simulation: &[RuleSimulation],
    samples: &[Sample],
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    // On the `rules` key of the first policy, else on its name, else on the document.
    let Some(span) = valid.iter().find_map(|&i| {
        let d = documents.get(i)?;
        let policy = d.policy.as_ref();
        policy
            .and_then(|p| p.rules_key.clone().or_else(|| p.name_span.clone()))
            .or_else(|| Some(d.doc.root.as_ref()?.span.clone()))
    }) else {
        return out;
    };
    if samples.len() > limits::MAX_SAMPLES {
        out.push(Diagnostic::new(
            "too-many-samples",
            Severity::Information,
            span.clone(),
            format!(
                "{} sample resources found; kyverno-ls simulates the policies of a file against the first {} only",
                limits::thousands(samples.len() as u64),
                limits::MAX_SAMPLES
            ),
        ));
    }
    let simulated: std::collections::BTreeSet<usize> =
        simulation.iter().map(|s| s.document).collect();
    let skipped = valid
        .iter()
        .filter(|i| {
            !simulated.contains(i)
                && documents[**i]
                    .policy
                    .as_ref()
                    .is_some_and(|p| !p.rules.is_empty())
        })
        .count();
    if skipped > 0 {
        out.push(Diagnostic::new(
            "simulation-limit",
            Severity::Information,
            span.clone(),
            format!(
                "{skipped} {} of this file not simulated: kyverno-ls simulates at most {} (rule, sample) pairs per file",
                if skipped == 1 { "policy" } else { "policies" },
                limits::thousands(limits::MAX_SIMULATIONS as u64)
            ),
        ));
    }
    let stopped =
        engine::budget::exhausted_message(Scope::Simulation, limits::MAX_SIMULATION_STEPS);
    let cut = simulation
        .iter()
        .flat_map(|s| &s.results)
        .any(|r| r.response.status == Status::Error && r.response.message == stopped);
    if cut {
        out.push(Diagnostic::new(
            "simulation-limit",
            Severity::Information,
            span,
            format!(
                "The simulation of this file stopped after {} JMESPath steps; the rules it did not finish show `rule-error`",
                limits::thousands(limits::MAX_SIMULATION_STEPS)
            ),
        ));
    }
    out
}

/// The lowered policy of a simulation, with its document's root.
fn policy_of<'a>(
    documents: &'a [DocAnalysis],
    sim: &RuleSimulation,
) -> Option<(&'a Node, &'a Policy)> {
    let doc = documents.get(sim.document)?;
    Some((doc.doc.root.as_ref()?, doc.policy.as_ref()?))
}

/// The diagnostics of the simulation. Where the test manifest that supplied a sample expects
/// something of the rule, a verdict that differs is an error (`test-mismatch`) and one that
/// agrees shows only in the lens. Otherwise a failure or an error is information about the
/// sample (`rule-fails`, `rule-error`), worded as what Kyverno would do with it.
pub fn verdicts(
    documents: &[DocAnalysis],
    simulation: &[RuleSimulation],
    samples: &[Sample],
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for sim in simulation {
        let Some((root, model)) = policy_of(documents, sim) else {
            continue;
        };
        let policy = model.name.as_str();
        for r in &sim.results {
            let sample = &samples[r.sample];
            let resp = &r.response;
            // What the simulator does not decide cannot be held against an expectation.
            if resp.status == Status::Unsupported {
                continue;
            }
            let mutate = model
                .rules
                .get(resp.source)
                .is_some_and(|r| r.form == "mutate");
            let expected: Vec<&crate::samples::Expectation> = sample
                .expectations
                .iter()
                .filter(|e| {
                    e.policy == policy && crate::testing::run::rule_matches(&resp.rule, &e.rule)
                })
                .collect();
            // A mutate row with a patched resource is judged by the test command's comparison.
            if mutate && expected.iter().any(|e| e.patched) {
                continue;
            }
            let actual = resp.status.as_str();
            let mut d = if let Some(e) = expected.first() {
                if expected.iter().any(|e| e.result == actual) {
                    continue;
                }
                let detail = rule_message(resp);
                let mut message = format!(
                    "{}: the test expects `{}`, but the rule gives `{actual}`",
                    sample.label, e.result
                );
                if detail.is_empty() {
                    message.push('.');
                } else {
                    message.push_str(": ");
                    message.push_str(&detail);
                }
                Diagnostic::error("test-mismatch", sim.name_span.clone(), message).with_related_in(
                    e.manifest.clone(),
                    e.span.clone(),
                    format!("the expected result `{}`", e.result),
                )
            } else {
                let cel = model.family == Family::Cel;
                // A DeletingPolicy that fails only leaves the resource in place: nothing to say.
                let deleting = model.kind.ends_with("DeletingPolicy");
                let (code, outcome) = match (resp.status, sim.on_failure) {
                    (Status::Fail, _) if deleting => continue,
                    (Status::Fail | Status::Warn, Action::Unbound) => (
                        "rule-fails",
                        "would fail (no ValidatingAdmissionPolicyBinding in this file says what Kubernetes does then)",
                    ),
                    (Status::Fail | Status::Warn, Action::Block) if cel => {
                        ("rule-fails", "would be blocked (Deny)")
                    }
                    (Status::Fail | Status::Warn, Action::Block) => {
                        ("rule-fails", "would be blocked (Enforce)")
                    }
                    (Status::Fail, Action::Warn) => {
                        ("rule-fails", "would be admitted with a warning (Warn)")
                    }
                    (Status::Fail, Action::Audit) => ("rule-fails", "would be reported (Audit)"),
                    // A failure of an unscored policy: the policy report says `warn`, while
                    // admission still blocks it under Enforce.
                    (Status::Warn, _) => (
                        "rule-fails",
                        "would be reported as a warning (Audit, unscored policy)",
                    ),
                    (Status::Error, _) => ("rule-error", "would get an error"),
                    (Status::Skip | Status::Pass, _) => match excepted_by(&resp.message) {
                        Some(keys) => {
                            let message = format!(
                                "{} is excepted from this rule by PolicyException {keys}",
                                sample.label
                            );
                            out.push(Diagnostic::new(
                                "rule-excepted",
                                Severity::Information,
                                sim.name_span.clone(),
                                message,
                            ));
                            continue;
                        }
                        None => continue,
                    },
                    _ => continue,
                };
                let message = format!("{} {outcome}: {}", sample.label, rule_message(resp));
                Diagnostic::new(code, Severity::Information, sim.name_span.clone(), message)
            };
            if let Some(rel) = sample_location(documents, sample, resp.resource_path.as_deref()) {
                d.related.push(rel);
            }
            if let Some(span) = resp
                .policy_path
                .as_deref()
                .and_then(|p| policy_target(root, p))
            {
                d = d.with_related(span, "the part of the rule that failed");
            }
            out.push(d);
        }
    }
    out
}

/// The related information that points into the sample: the field at `resource_path`, else
/// the sample's `metadata.name`. None for built-ins (they have no file).
fn sample_location(
    documents: &[DocAnalysis],
    sample: &Sample,
    resource_path: Option<&str>,
) -> Option<crate::diag::Related> {
    if sample.origin == Origin::Builtin {
        return None;
    }
    let doc_span = sample.span.clone()?;
    let describe = |found: Option<bool>| match (resource_path, found) {
        (Some(p), Some(true)) => format!("{}: the field at {p}", sample.label),
        (Some(p), Some(false)) => format!("{}: {p} is missing here", sample.label),
        _ => format!("{}: the resource", sample.label),
    };
    let locate = |root: &Node| -> (Span, Option<bool>) {
        if let Some((span, complete)) = resource_path.and_then(|p| pointer_target(root, p)) {
            return (span, Some(complete));
        }
        let name = root
            .get("metadata")
            .and_then(|m| m.get("name"))
            .map_or_else(|| root.span.clone(), |n| n.span.clone());
        (name, None)
    };
    match &sample.file {
        None => {
            let doc = documents.iter().find(|d| d.doc.span == doc_span)?;
            let (span, found) = locate(doc.doc.root.as_ref()?);
            Some(crate::diag::Related {
                span,
                message: describe(found),
                file: None,
            })
        }
        Some(file) => {
            let (span, found) = locate_in_file(file, &doc_span, &locate)?;
            Some(crate::diag::Related {
                span,
                message: describe(found),
                file: Some(file.clone()),
            })
        }
    }
}

fn locate_in_file(
    file: &Arc<SourceFile>,
    doc_span: &Span,
    locate: &dyn Fn(&Node) -> (Span, Option<bool>),
) -> Option<(Span, Option<bool>)> {
    let docs = crate::yaml::parse(&file.text, &crate::yaml::Limits::default());
    let doc = docs.iter().find(|d| d.span == *doc_span)?;
    Some(locate(doc.root.as_ref()?))
}

/// The span of the node a JSON pointer (or Kyverno's `/a/0/b/` resource path) names: the key
/// of the last mapping step, or the item of the last sequence step. When the path goes
/// further than the tree (a missing field), the deepest node reached.
pub fn node_at_pointer(root: &Node, pointer: &str) -> Option<Span> {
    pointer_target(root, pointer).map(|(span, _)| span)
}

/// [`node_at_pointer`], with whether the whole path was found.
pub fn pointer_target(root: &Node, pointer: &str) -> Option<(Span, bool)> {
    let mut node = root;
    let mut span = None;
    let mut complete = true;
    for raw in pointer.split('/').filter(|s| !s.is_empty()) {
        let seg = raw.replace("~1", "/").replace("~0", "~");
        if let Some(entries) = node.as_mapping() {
            // Anchored pattern keys (`=(name)`, `^(x)`, `X(y)`) match the plain name too.
            let e = entries
                .iter()
                .find(|e| e.key.as_str() == Some(seg.as_str()))
                .or_else(|| {
                    entries.iter().find(|e| {
                        e.key
                            .as_str()
                            .is_some_and(|k| strip_anchor(k) == seg.as_str())
                    })
                });
            match e {
                Some(e) => {
                    span = Some(e.key.span.clone());
                    node = &e.value;
                }
                None => {
                    complete = false;
                    break;
                }
            }
        } else if let Some(items) = node.as_sequence() {
            match seg.parse::<usize>().ok().and_then(|i| items.get(i)) {
                Some(item) => {
                    span = Some(item.span.clone());
                    node = item;
                }
                None => {
                    complete = false;
                    break;
                }
            }
        } else {
            complete = false;
            break;
        }
    }
    Some((span.unwrap_or_else(|| root.span.clone()), complete))
}

/// The node of the policy a response's `policy_path` names. The engine names a `foreach`'s
/// `deny` as the rule's (`/validate/deny`): when the path stops short, the first key of that
/// name below the deepest node reached is the one.
fn policy_target(root: &Node, pointer: &str) -> Option<Span> {
    let (span, complete) = pointer_target(root, pointer)?;
    if complete {
        return Some(span);
    }
    let last = pointer.split('/').rfind(|s| !s.is_empty())?;
    let mut node = root;
    for seg in pointer.split('/').filter(|s| !s.is_empty()) {
        let next = match &node.kind {
            crate::yaml::NodeKind::Mapping(_) => node.get(seg),
            crate::yaml::NodeKind::Sequence(items) => {
                seg.parse::<usize>().ok().and_then(|i| items.get(i))
            }
            _ => None,
        };
        match next {
            Some(n) => node = n,
            None => break,
        }
    }
    // Breadth first, so the outermost match wins.
    let mut queue = std::collections::VecDeque::from([node]);
    while let Some(n) = queue.pop_front() {
        match &n.kind {
            crate::yaml::NodeKind::Mapping(entries) => {
                for e in entries {
                    if e.key.as_str() == Some(last) {
                        return Some(e.key.span.clone());
                    }
                    queue.push_back(&e.value);
                }
            }
            crate::yaml::NodeKind::Sequence(items) => queue.extend(items.iter()),
            crate::yaml::NodeKind::Scalar(_) => {}
        }
    }
    Some(span)
}

fn strip_anchor(key: &str) -> &str {
    for prefix in ["=(", "^(", "+(", "X(", "<(", ">("] {
        if let Some(rest) = key.strip_prefix(prefix).and_then(|r| r.strip_suffix(')')) {
            return rest;
        }
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_reach_keys_and_items() {
        let t = "spec:\n  containers:\n  - name: a\n    image: nginx\n";
        let docs = crate::yaml::parse(t, &crate::yaml::Limits::default());
        let root = docs[0].root.as_ref().unwrap();
        let s = node_at_pointer(root, "/spec/containers/0/image/").unwrap();
        assert_eq!(&t[s], "image");
        let s = node_at_pointer(root, "/spec/containers/0/missing").unwrap();
        assert_eq!(&t[s], "name: a\n    image: nginx");
    }

    fn pods(n: usize) -> String {
        (0..n)
            .map(|i| format!("---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\n"))
            .collect()
    }

    fn limit_findings(text: &str) -> Vec<(&'static str, String, String)> {
        let a = crate::analysis::analyze(text);
        a.diagnostics
            .iter()
            .filter(|d| d.code != "rule-fails" && d.code != "rule-error")
            .map(|d| (d.code, d.message.clone(), text[d.span.clone()].to_string()))
            .collect()
    }

    const HEAD: &str = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: limits-{ID}\nspec:\n  rules:\n";

    fn rule(name: &str, deny_key: &str) -> String {
        format!(
            "  - name: {name}\n    match: {{any: [{{resources: {{kinds: [Pod]}}}}]}}\n    validate:\n      deny:\n        conditions:\n          any:\n          - {{key: \"{deny_key}\", operator: Equals, value: x}}\n"
        )
    }

    #[test]
    fn only_the_first_samples_are_simulated() {
        let text = format!(
            "{}{}{}",
            HEAD.replace("{ID}", "samples-4f2a"),
            rule("r", "{{ request.object.metadata.name }}"),
            pods(101)
        );
        assert_eq!(
            limit_findings(&text),
            [(
                "too-many-samples",
                "101 sample resources found; kyverno-ls simulates the policies of a file against the first 100 only".to_string(),
                "rules".to_string()
            )]
        );
        let a = crate::analysis::analyze(&text);
        assert_eq!(a.samples.len(), 101);
        assert_eq!(a.simulation[0].results.len(), 100);
        // At the limit: no finding.
        let text = format!(
            "{}{}{}",
            HEAD.replace("{ID}", "samples-4f2b"),
            rule("r", "{{ request.object.metadata.name }}"),
            pods(100)
        );
        assert_eq!(limit_findings(&text), []);
    }

    fn verdicts(text: &str) -> Vec<(&'static str, String)> {
        crate::analysis::analyze(text)
            .diagnostics
            .iter()
            .filter(|d| d.code == "rule-fails" || d.code == "rule-error")
            .map(|d| (d.code, d.message.clone()))
            .collect()
    }

    #[test]
    fn a_deleting_policy_that_keeps_a_sample_says_nothing() {
        let policy = "apiVersion: policies.kyverno.io/v1\nkind: DeletingPolicy\nmetadata:\n  name: cleanup-4f2a\nspec:\n  schedule: '* * * * *'\n  matchConstraints:\n    resourceRules:\n    - {apiGroups: [''], apiVersions: [v1], operations: ['*'], resources: [pods]}\n  conditions:\n  - {name: c, expression: \"object.metadata.name == 'p0'\"}\n";
        // p0 would be deleted (pass), p1 stays (fail): neither is a finding.
        assert_eq!(verdicts(&format!("{policy}{}", pods(2))), []);
        let broken = policy.replace("object.metadata.name", "object.metadata.labels.app");
        assert_eq!(
            verdicts(&format!("{broken}{}", pods(1))),
            [(
                "rule-error",
                "Pod p0 would get an error: no such key: labels".to_string()
            )]
        );
    }

    #[test]
    fn too_many_rule_sample_pairs_skip_whole_policies() {
        // 51 rules on 100 samples: 5,100 pairs.
        let rules: String = (0..51).map(|i| rule(&format!("r{i}"), "a")).collect();
        let text = format!("{}{rules}{}", HEAD.replace("{ID}", "pairs-4f2a"), pods(100));
        assert_eq!(
            limit_findings(&text),
            [(
                "simulation-limit",
                "1 policy of this file not simulated: kyverno-ls simulates at most 5,000 (rule, sample) pairs per file".to_string(),
                "rules".to_string()
            )]
        );
        assert!(crate::analysis::analyze(&text).simulation.is_empty());
    }

    #[test]
    fn the_file_step_budget_stops_the_simulation() {
        // Each run spends one expression's whole budget (1,000,000 steps): after 20 samples the
        // file's 20,000,000 are gone.
        let burn = "{{ length(to_string(`[1,2,3,4,5,6,7,8]` | [@,@,@,@] | [@,@,@,@] | [@,@,@,@] | [@,@,@,@] | [@,@,@,@] | [@,@,@,@] | [@,@,@,@] | [@,@,@,@] | [@,@,@,@])) }}";
        let text = format!(
            "{}{}{}",
            HEAD.replace("{ID}", "budget-4f2a"),
            rule("burn", burn),
            pods(22)
        );
        assert_eq!(
            limit_findings(&text),
            [(
                "simulation-limit",
                "The simulation of this file stopped after 20,000,000 JMESPath steps; the rules it did not finish show `rule-error`".to_string(),
                "rules".to_string()
            )]
        );
        let a = crate::analysis::analyze(&text);
        let messages: Vec<&str> = a.simulation[0]
            .results
            .iter()
            .map(|r| r.response.message.as_str())
            .collect();
        let expr = &burn[3..burn.len() - 3];
        let one = format!(
            "failed to check deny conditions: failed to substitute variables in condition key: failed to resolve {expr} at path /: evaluation stopped: the expression needs more than 1,000,000 steps"
        );
        let stopped = "simulation stopped: the policies of this file needed more than 20,000,000 JMESPath steps on their samples (kyverno-ls's limit per file)";
        assert_eq!(messages.len(), 22);
        assert!(
            messages[..20].iter().all(|m| *m == one),
            "{:?}",
            messages[0]
        );
        assert_eq!(messages[20..], [stopped, stopped]);
        // Remembered runs are charged again: the same analysis gives the same verdicts.
        let b = crate::analysis::analyze(&text);
        let again: Vec<&str> = b.simulation[0]
            .results
            .iter()
            .map(|r| r.response.message.as_str())
            .collect();
        assert_eq!(messages, again);
    }
}
