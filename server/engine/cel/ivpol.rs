//! ImageValidatingPolicy, as far as Kyverno decides it without a registry: whether the policy
//! applies (matchConstraints, matchConditions), PolicyExceptions, and the digest check of
//! `validationConfigurations.verifyDigest`. Its validations read image data and signatures
//! from the registry as soon as one image is selected, so they answer `unsupported`.
//!
//! Kyverno's order (`pkg/image/verification/evaluator`): matchConstraints, matchConditions,
//! exceptions, the images of the resource filtered by `matchImageReferences`, the digest
//! check, then the image data and the validations.

use super::vpol::{self, Exempt, compile, conditions_hold, expressions, response};
use super::{Env, Request, RuleResponse, Status, Value, bindings, matching};

/// The container lists whose images Kyverno's built-in extractors read.
const CONTAINER_LISTS: [&str; 3] = ["containers", "initContainers", "ephemeralContainers"];

fn unsupported(why: &str) -> Vec<RuleResponse> {
    vec![response(Status::Unsupported, "", why)]
}

/// The images of the resource, as written, for the kinds Kyverno extracts them from.
fn resource_images(request: &Request) -> Option<Vec<String>> {
    let object = &request.object;
    let template: &[&str] = match object.str_at(&["kind"]) {
        "Pod" => &["spec"],
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" => {
            &["spec", "template", "spec"]
        }
        "CronJob" => &["spec", "jobTemplate", "spec", "template", "spec"],
        _ => return None,
    };
    let spec = object.at(template)?;
    let mut images = Vec::new();
    for list in CONTAINER_LISTS {
        for c in spec
            .at(&[list])
            .and_then(Value::as_array)
            .unwrap_or_default()
        {
            if let Some(image) = c.at(&["image"]).and_then(Value::as_str) {
                images.push(image.to_string());
            }
        }
    }
    for v in spec
        .at(&["volumes"])
        .and_then(Value::as_array)
        .unwrap_or_default()
    {
        if let Some(image) = v.at(&["image", "reference"]).and_then(Value::as_str) {
            images.push(image.to_string());
        }
    }
    Some(images)
}

/// Whether `matchImageReferences` selects `image`; None when a reference needs what is not
/// simulated (a CEL `expression`, or a glob with classes or alternatives).
fn selects(spec: &Value, image: &str) -> Option<bool> {
    let refs = spec
        .at(&["matchImageReferences"])
        .and_then(Value::as_array)
        .unwrap_or_default();
    if refs.is_empty() {
        return Some(true);
    }
    let mut any = false;
    for r in refs {
        let glob = r.at(&["glob"]).and_then(Value::as_str)?;
        if glob.contains(['[', '{', '\\']) {
            return None;
        }
        // A glob without separators: `*` runs across `/`, as Kyverno's wildcard does.
        any |= crate::wildcard::matches(glob, image);
    }
    Some(any)
}

pub fn validate(policy: &Value, request: &Request, env: &Env) -> Vec<RuleResponse> {
    let Some(spec) = policy.at(&["spec"]) else {
        return Vec::new();
    };
    if !matching::matches(spec.at(&["matchConstraints"]), request) {
        // The Pod controller variants autogen adds are not simulated yet.
        if vpol::matching_spec(spec, request, |v, _| Some(v)).is_some() {
            return unsupported(
                "the Pod controller variant of an ImageValidatingPolicy is not simulated yet",
            );
        }
        return Vec::new();
    }
    let cel_env = bindings::env_for_kind(env, policy.str_at(&["kind"]));
    let conditions: Result<Vec<_>, String> = expressions(spec, "matchConditions")
        .iter()
        .enumerate()
        .map(|(i, c)| {
            compile(
                c.str_at(&["expression"]),
                &format!("spec.matchConditions[{i}].expression"),
            )
        })
        .collect();
    let conditions = match conditions {
        Ok(c) => c,
        Err(e) => return vec![response(Status::Error, "", e)],
    };
    let activation = vpol::activation(policy, request, Vec::new());
    let ignore = spec.str_at(&["failurePolicy"]) == "Ignore";
    match conditions_hold(&conditions, &activation, &cel_env) {
        Ok(true) => {}
        Ok(false) => return Vec::new(),
        Err(_) if ignore => return Vec::new(),
        Err(e) => {
            return vec![response(
                Status::Error,
                "evaluation",
                format!("failed to evaluate policy: {e}"),
            )];
        }
    }
    let name = policy.str_at(&["metadata", "name"]);
    let kind = policy.str_at(&["kind"]);
    match vpol::exceptions(request, name, kind, &activation, &cel_env, !ignore) {
        // An applying exception exempts the whole policy, whatever `reportResult` says.
        Ok(Exempt::Fully(names, _)) => return vec![vpol::exception_response(&names, false)],
        Ok(Exempt::Partly { images, values }) if !(images.is_empty() && values.is_empty()) => {
            return unsupported(
                "PolicyExceptions with `images` or `allowedValues` on an ImageValidatingPolicy are not simulated yet",
            );
        }
        Ok(Exempt::Partly { .. }) => {}
        Err(e) => {
            return vec![response(
                Status::Error,
                "evaluation",
                format!("failed to evaluate policy: {e}"),
            )];
        }
    }
    let Some(images) = resource_images(request) else {
        return unsupported(
            "kyverno-ls reads the images of Pods and Pod controllers only (custom `images` extractors are not simulated yet)",
        );
    };
    let mut selected = Vec::new();
    for image in images {
        match selects(spec, &image) {
            Some(true) => selected.push(image),
            Some(false) => {}
            None => {
                return unsupported(
                    "`matchImageReferences` with CEL expressions or glob classes is not simulated yet",
                );
            }
        }
    }
    let verify_digest = !matches!(
        spec.at(&["validationConfigurations", "verifyDigest"]),
        Some(Value::Bool(false))
    );
    if verify_digest {
        if let Some(image) = selected.iter().find(|i| !i.contains('@')) {
            return vec![response(
                Status::Fail,
                name,
                format!("image {image} does not have a digest"),
            )];
        }
    }
    unsupported(
        "an ImageValidatingPolicy's validations read image data and signatures from the registry, which kyverno-ls does not reach",
    )
}
