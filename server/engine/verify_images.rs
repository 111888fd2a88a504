//! The part of a `verifyImages` rule that Kyverno decides without a registry: the digest and
//! "verified" checks of its validate phase (`validate_image.go`). Signatures, attestations
//! and digest lookups need the registry, so rules that use them answer `unsupported`.
//!
//! Kyverno runs such a rule twice. The verify phase checks signatures and attestations, and
//! adds a digest when `mutateDigest` is set; with no attestors and no attestations it checks
//! nothing. The validate phase then looks at each image of the resource: a missing digest
//! under `verifyDigest`, or under `required` an image that the `kyverno.io/verify-images`
//! annotation does not record as verified, fails the rule.

use super::context::images;
use super::{Request, Status, Value};

/// The annotation in which Kyverno records images it verified (`pass` per image).
const VERIFIED_ANNOTATION: &str = "kyverno.io/verify-images";

/// How the validate phase ends, before preconditions are known.
pub(super) enum Decision {
    /// No image of the resource is named by any entry.
    NoImage,
    /// The answer needs the registry, or depends on Go's map order.
    Unsupported(String),
    /// Every image was checked: `Some((status, message))`, or None when Kyverno returns no
    /// response (an image that an entry does not name stops the rule silently).
    Checked(Option<(Status, String)>),
}

struct Entry<'a> {
    references: Vec<&'a str>,
    skip: Vec<&'a str>,
    verify_digest: bool,
    required: bool,
    mutate_digest: bool,
    needs_registry: bool,
}

fn strings(v: Option<&Value>) -> Vec<&str> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn flag(entry: &Value, key: &str) -> bool {
    // Kyverno's defaults for these three are true.
    !matches!(entry.at(&[key]), Some(Value::Bool(false)))
}

fn non_empty(v: Option<&Value>) -> bool {
    v.and_then(Value::as_array).is_some_and(|a| !a.is_empty())
}

fn entry(v: &Value) -> Entry<'_> {
    // The older single `image` field names one reference.
    let mut references = strings(v.at(&["imageReferences"]));
    if let Some(image) = v.at(&["image"]).and_then(Value::as_str) {
        references.push(image);
    }
    Entry {
        references,
        skip: strings(v.at(&["skipImageReferences"])),
        verify_digest: flag(v, "verifyDigest"),
        required: flag(v, "required"),
        mutate_digest: flag(v, "mutateDigest"),
        needs_registry: non_empty(v.at(&["attestors"]))
            || non_empty(v.at(&["attestations"]))
            || v.at(&["key"]).is_some()
            || v.at(&["roots"]).is_some(),
    }
}

impl Entry<'_> {
    fn names(&self, image: &str) -> bool {
        self.references
            .iter()
            .any(|r| crate::wildcard::matches(r, image))
    }

    fn selects(&self, image: &str) -> bool {
        self.names(image) && !self.skip.iter().any(|r| crate::wildcard::matches(r, image))
    }
}

/// `(reference, has digest)` of every container image of the resource, as `ImageInfo` prints
/// them (`docker.io/nginx:latest`).
fn resource_images(object: &Value) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    if let Some(groups) = images(object).as_object() {
        for group in groups.values() {
            for info in group.as_object().into_iter().flat_map(|m| m.values()) {
                let reference = info.str_at(&["reference"]).to_string();
                let digest = info.at(&["digest"]).is_some();
                out.push((reference, digest));
            }
        }
    }
    out
}

/// The validate phase of a `verifyImages` rule for `request`, up to (not including) its
/// context and preconditions, which the caller evaluates when the decision is `Checked`.
pub(super) fn decide(rule: &Value, request: &Request) -> Decision {
    let entries: Vec<Entry> = rule
        .at(&["verifyImages"])
        .and_then(Value::as_array)
        .map(|a| a.iter().map(entry).collect())
        .unwrap_or_default();
    if rule.at(&["imageExtractors"]).is_some() {
        return Decision::Unsupported(
            "kyverno-ls does not simulate `verifyImages` rules with `imageExtractors` yet".into(),
        );
    }
    let all = resource_images(&request.object);
    let selected = |e: &Entry| all.iter().filter(|(i, _)| e.selects(i)).count();
    if entries.iter().all(|e| selected(e) == 0) {
        return Decision::NoImage;
    }
    for e in &entries {
        let needs_digest = e.mutate_digest && all.iter().any(|(i, d)| !d && e.selects(i));
        if (e.needs_registry || needs_digest) && selected(e) > 0 {
            return Decision::Unsupported(
                "verifying image signatures or attestations, or looking up a digest, needs the \
                 registry: kyverno-ls checks only `verifyDigest` and `required` offline"
                    .into(),
            );
        }
    }
    let annotations = request.object.at(&["metadata", "annotations"]);
    for e in &entries {
        let mut failure = None;
        let mut unnamed = false;
        for (image, digest) in &all {
            if !e.names(image) {
                unnamed = true;
                continue;
            }
            if failure.is_none() {
                failure = check(e, image, *digest, annotations);
            }
        }
        match (failure, unnamed) {
            // Kyverno walks the images in Go map order and returns at the first image that
            // the entry does not name, or the first that fails.
            (Some(_), true) => {
                return Decision::Unsupported(
                    "Kyverno's answer depends on the order in which it visits this resource's \
                     images: one fails the entry and another is not named by it"
                        .into(),
                );
            }
            (Some(message), false) => return Decision::Checked(Some((Status::Fail, message))),
            (None, true) => return Decision::Checked(None),
            (None, false) => {}
        }
    }
    Decision::Checked(Some((Status::Pass, "image verified".into())))
}

/// `validateImage`: the digest, then the verification record.
fn check(e: &Entry, image: &str, digest: bool, annotations: Option<&Value>) -> Option<String> {
    if e.verify_digest && !digest {
        return Some(format!("missing digest for {image}"));
    }
    if !e.required {
        return None;
    }
    let annotations = annotations.and_then(Value::as_object);
    if annotations.is_none_or(|a| a.is_empty()) {
        return Some(format!("unverified image {image}"));
    }
    let Some(record) = annotations.and_then(|a| a.get(VERIFIED_ANNOTATION)) else {
        return Some("image is not verified".into());
    };
    let parsed = record
        .as_str()
        .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok());
    match parsed {
        None => Some("failed to parse image metadata: the annotation is not a JSON object".into()),
        Some(v) if v.get(image).and_then(|s| s.as_str()) == Some("pass") => None,
        Some(_) => Some(format!("unverified image {image}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(pod: serde_json::Value) -> Request {
        Request {
            object: Value::from_json(&pod),
            ..Request::default()
        }
    }

    fn pod(images: &[&str], annotations: serde_json::Value) -> serde_json::Value {
        let containers: Vec<serde_json::Value> = images
            .iter()
            .enumerate()
            .map(|(i, image)| serde_json::json!({"name": format!("c{i}"), "image": image}))
            .collect();
        serde_json::json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "annotations": annotations},
            "spec": {"containers": containers},
        })
    }

    fn rule(entry: serde_json::Value) -> Value {
        Value::from_json(&serde_json::json!({"name": "r", "verifyImages": [entry]}))
    }

    fn outcome(entry: serde_json::Value, pod: serde_json::Value) -> String {
        match decide(&rule(entry), &request(pod)) {
            Decision::NoImage => "no image".into(),
            Decision::Unsupported(_) => "unsupported".into(),
            Decision::Checked(None) => "no response".into(),
            Decision::Checked(Some((s, m))) => format!("{}: {m}", s.as_str()),
        }
    }

    const DIGEST: &str =
        "nginx@sha256:859ab6768a6f26a79bc42b231664111317d095a4f04e4b6fe79ce37b3d199097";

    #[test]
    fn digest_and_verification_record() {
        let digest_only =
            serde_json::json!({"imageReferences": ["*"], "mutateDigest": false, "required": false});
        assert_eq!(
            outcome(
                digest_only.clone(),
                pod(&["nginx:latest"], serde_json::json!({}))
            ),
            "fail: missing digest for docker.io/nginx:latest"
        );
        assert_eq!(
            outcome(digest_only, pod(&[DIGEST], serde_json::json!({}))),
            "pass: image verified"
        );
        let required = serde_json::json!({"imageReferences": ["ghcr.io/*"], "mutateDigest": false, "verifyDigest": false});
        assert_eq!(
            outcome(
                required.clone(),
                pod(&["ghcr.io/a/b:1"], serde_json::json!({}))
            ),
            "fail: unverified image ghcr.io/a/b:1"
        );
        assert_eq!(
            outcome(
                required.clone(),
                pod(&["ghcr.io/a/b:1"], serde_json::json!({"team": "x"}))
            ),
            "fail: image is not verified"
        );
        let record =
            serde_json::json!({"kyverno.io/verify-images": "{\"ghcr.io/a/b:1\":\"pass\"}"});
        assert_eq!(
            outcome(required.clone(), pod(&["ghcr.io/a/b:1"], record)),
            "pass: image verified"
        );
        // An image the entry does not name ends the rule without a response; no image named
        // at all is Kyverno's skip.
        assert_eq!(
            outcome(
                required.clone(),
                pod(
                    &["ghcr.io/a/b:1", "nginx"],
                    serde_json::json!({"kyverno.io/verify-images": "{\"ghcr.io/a/b:1\":\"pass\"}"})
                )
            ),
            "no response"
        );
        assert_eq!(
            outcome(
                required.clone(),
                pod(&["ghcr.io/a/b:1", "nginx"], serde_json::json!({}))
            ),
            "unsupported"
        );
        assert_eq!(
            outcome(required, pod(&["nginx"], serde_json::json!({}))),
            "no image"
        );
    }

    #[test]
    fn signatures_and_digest_lookups_need_the_registry() {
        let keyed = serde_json::json!({"imageReferences": ["*"], "attestors": [{"entries": [{"keys": {"publicKeys": "k"}}]}]});
        assert_eq!(
            outcome(keyed, pod(&["nginx"], serde_json::json!({}))),
            "unsupported"
        );
        // mutateDigest (on by default) looks the digest of a tagged image up.
        let lookup = serde_json::json!({"imageReferences": ["*"]});
        assert_eq!(
            outcome(lookup.clone(), pod(&["nginx"], serde_json::json!({}))),
            "unsupported"
        );
        assert_eq!(
            outcome(
                lookup,
                pod(
                    &[DIGEST],
                    serde_json::json!({"kyverno.io/verify-images": "{\"docker.io/nginx@sha256:859ab6768a6f26a79bc42b231664111317d095a4f04e4b6fe79ce37b3d199097\":\"pass\"}"})
                )
            ),
            "pass: image verified"
        );
    }
}
