//! Values of a CEL policy's expressions for the current sample, on hover and as inlay hints.
//! The engine computes them (`engine::cel::vpol::site_value`), with the variables and the
//! autogen variant the verdict used, so a value shown here is the one the verdict saw.

use super::evaluate::{MAX_HINT_CHARS, MAX_VALUE_CHARS, cut, describe, pick_sample, pretty, trim};
use super::{Hover, InlayHint};
use crate::analysis::Analysis;
use crate::engine::{Env, Value};
use crate::model::{CelRole, CelSite, Family, Step};
use crate::samples::Sample;

/// One expression's value for the sample hover uses.
struct SiteValue<'a> {
    sample: std::borrow::Cow<'a, Sample>,
    matched: bool,
    result: Result<Value, String>,
}

/// The site's path below `spec`, as the engine reads it.
fn spec_path(site: &CelSite) -> Option<Vec<String>> {
    let mut steps = site.path.iter();
    if steps.next() != Some(&Step::Key("spec")) {
        return None;
    }
    Some(
        steps
            .map(|s| match s {
                Step::Key(k) => k.to_string(),
                Step::Index(i) => i.to_string(),
            })
            .collect(),
    )
}

fn site_value<'a>(
    analysis: &'a Analysis,
    di: usize,
    site: &CelSite,
    json: &mut Option<Value>,
) -> Option<SiteValue<'a>> {
    let d = analysis.documents.get(di)?;
    let policy = d.policy.as_ref()?;
    let rule = policy.rules.get(site.rule)?;
    let sim = analysis
        .simulation
        .iter()
        .find(|s| s.document == di && s.span == rule.span);
    let (sample, _) = pick_sample(analysis, sim)?;
    let sample = crate::simulate::sample_for_policy(policy, sample);
    let path = spec_path(site)?;
    let path: Vec<&str> = path.iter().map(String::as_str).collect();
    let root = d.doc.root.as_ref()?;
    // The document's JSON, made once for all the sites of a request.
    let json = &*json.get_or_insert_with(|| Value::from_json(&root.to_json()));
    let env = Env::fixed();
    let (matched, result) = match (policy.family, path.as_slice()) {
        (Family::Cel, _) => {
            crate::engine::cel::vpol::site_value(json, &sample.request, &env, &path)?
        }
        // A ClusterPolicy rule's `validate.cel`: the rule Kyverno evaluates for the sample
        // (an autogen rule for a Pod controller) binds what the verdict saw.
        (Family::Jmespath, ["rules", index, in_rule @ ..]) => {
            let (matched, rule) =
                crate::engine::validate::rule_for(json, index.parse().ok()?, &sample.request)?;
            let value = crate::engine::cel::validate_cel::site_value(
                &rule.rule,
                &sample.request,
                &env,
                in_rule,
            )?;
            (matched, value)
        }
        _ => return None,
    };
    Some(SiteValue {
        sample,
        matched,
        result: result.map(|v| v.to_json()),
    })
}

/// The document and the CEL site whose scalar contains `offset`.
fn site_at(analysis: &Analysis, offset: usize) -> Option<(usize, &CelSite)> {
    let di = analysis
        .documents
        .iter()
        .position(|d| d.doc.span.contains(&offset) || d.doc.span.end == offset)?;
    let policy = analysis.documents[di].policy.as_ref()?;
    let site = policy
        .cel
        .iter()
        .find(|s| s.span.start <= offset && offset <= s.span.end)?;
    Some((di, site))
}

/// The value of the CEL expression under the cursor, for the current sample.
pub fn hover(analysis: &Analysis, offset: usize) -> Option<Hover> {
    if analysis.samples.is_empty() {
        return None;
    }
    let (di, site) = site_at(analysis, offset)?;
    let v = site_value(analysis, di, site, &mut None)?;
    let mut md = format!("**`{}`** {}", v.sample.label, describe(v.sample.origin));
    if !v.matched {
        md.push_str(" · the policy does not match it");
    }
    md.push_str("\n\n");
    match v.result {
        Ok(value) => {
            md.push_str("```json\n");
            md.push_str(&trim(&pretty(&value), MAX_VALUE_CHARS));
            md.push_str("\n```");
        }
        Err(e) => md.push_str(&format!("Error: `{}`", e.replace('`', "'"))),
    }
    Some(Hover {
        markdown: md,
        span: site.span.clone(),
    })
}

/// After each variable, validation and match condition of the CEL policies overlapping
/// `range`: its value for the sample hover would use.
pub fn inlay_hints(
    text: &str,
    analysis: &Analysis,
    range: std::ops::Range<usize>,
) -> Vec<InlayHint> {
    let mut hints = Vec::new();
    if analysis.samples.is_empty() {
        return hints;
    }
    for (di, d) in analysis.documents.iter().enumerate() {
        let Some(policy) = d.policy.as_ref() else {
            continue;
        };
        let mut json = None;
        for site in &policy.cel {
            let shown = matches!(
                site.role,
                CelRole::Variable { .. }
                    | CelRole::Validation { .. }
                    | CelRole::MatchCondition { .. }
            );
            // The end of the scalar's last line: after a block scalar's text, not after the
            // line break that ends it.
            let at = text[..site.span.end.min(text.len())].trim_end().len();
            if !shown || at < range.start || at > range.end {
                continue;
            }
            let Some(v) = site_value(analysis, di, site, &mut json) else {
                continue;
            };
            let label = match &v.result {
                Ok(value) => cut(&crate::jmespath::json::to_go_json(value), MAX_HINT_CHARS),
                Err(_) => "error".to_owned(),
            };
            let mut tooltip = format!("{} {}", v.sample.label, describe(v.sample.origin));
            if !v.matched {
                tooltip.push_str(" · the policy does not match it");
            }
            if let Err(e) = &v.result {
                tooltip.push_str(&format!("\n\nError: {e}"));
            }
            hints.push(InlayHint {
                offset: at,
                label: format!("= {label}"),
                tooltip,
            });
        }
    }
    hints
}
