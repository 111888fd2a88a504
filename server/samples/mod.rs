//! Sample resources that policies are simulated against, in the editor and in `check`.
//!
//! Found in this order (the first source that yields samples wins; built-ins are the fallback):
//! (a) a modeline in the policy file, `# kyverno-ls: resources=path[,path]`; (b) the
//! `kyverno-test.yaml` manifests in the policy's folder or its ancestors that list the policy;
//! (c) the non-policy documents of the same file; (d) the built-in set. The core does no I/O:
//! the shells read the files that (a) and (b) name and hand them in as [`Sample`]s
//! ([`discover`] finds them through a file-reading closure).

pub mod discover;

use std::sync::{Arc, OnceLock};

use crate::diag::Span;
use crate::engine::{Request, Value};

pub use crate::diag::SourceFile;

/// Where a sample came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Modeline,
    TestManifest,
    /// Files the editor's `samples` setting names.
    Settings,
    SameFile,
    Builtin,
}

impl Origin {
    /// How a code lens names the sample set: `built-in samples`, `kyverno-test.yaml`, ...
    pub fn describe(self) -> &'static str {
        match self {
            Origin::Modeline => "modeline",
            Origin::TestManifest => "kyverno-test.yaml",
            Origin::Settings => "samples setting",
            Origin::SameFile => "this file",
            Origin::Builtin => "built-in samples",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Sample {
    /// How the editor names it: `Pod hello-world` (`<kind> <name>`, `<namespace>/<name>` when
    /// the namespace is not `default`).
    pub label: String,
    pub origin: Origin,
    /// The request to evaluate with; `request.object` is the resource.
    pub request: Request,
    /// The file the resource was read from (None for built-ins and same-file samples), and
    /// the byte range of its document in that file's text (in the policy's own text for
    /// same-file samples).
    pub file: Option<std::sync::Arc<SourceFile>>,
    pub span: Option<Span>,
    /// What the `kyverno-test.yaml` that supplied the sample expects of it (empty for other
    /// origins): a verdict with an expectation is checked against it, one without is only
    /// information.
    pub expectations: Vec<Expectation>,
    /// The resource names no namespace of its own (or it is a built-in): a namespaced
    /// `Policy` sees it in the policy's namespace, as `kubectl apply -n` would create it.
    pub movable: bool,
}

/// One `results` entry of a test manifest that names a sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectation {
    /// The policy's name (a `namespace/` prefix removed).
    pub policy: String,
    /// The rule (empty: every rule of the policy).
    pub rule: String,
    /// `pass`, `fail`, `skip`, `warn` or `error`.
    pub result: String,
    /// The entry names a `patchedResources` file: for a mutate rule, `kyverno test` judges it
    /// by comparing the patched resource, which the test command does, not the editor.
    pub patched: bool,
    /// The manifest, and the span of the entry in its text.
    pub manifest: std::sync::Arc<SourceFile>,
    pub span: Span,
}

impl Sample {
    pub fn resource(&self) -> &Value {
        &self.request.object
    }

    /// A CREATE request for `resource` (a JSON document as Kubernetes reads it); the
    /// namespace defaults to `default` for namespaced kinds, as `kyverno test` does.
    pub fn new(
        resource: serde_json::Value,
        origin: Origin,
        file: Option<Arc<SourceFile>>,
        span: Option<Span>,
    ) -> Sample {
        let kind = crate::testing::files::str_field(&resource, "kind");
        let movable = origin == Origin::Builtin
            || (!crate::testing::files::is_cluster_scoped(kind)
                && crate::testing::files::meta_str(&resource, "namespace").is_empty());
        let resource = crate::testing::files::default_namespace(resource);
        let label = label_of(&resource);
        Sample {
            label,
            origin,
            request: Request {
                object: Value::from_json(&resource),
                ..Request::default()
            },
            file,
            span,
            expectations: Vec::new(),
            movable,
        }
    }

    /// The sample placed in the namespace `ns`, when it may be moved (see
    /// [`Sample::movable`]); otherwise None.
    pub fn in_namespace(&self, ns: &str) -> Option<Sample> {
        if !self.movable {
            return None;
        }
        let top = self.request.object.as_object()?;
        let meta = top.get("metadata")?.as_object()?;
        if meta.get("namespace").and_then(Value::as_str) == Some(ns) {
            return None;
        }
        // Values share their contents: only the two maps on the way are copied.
        let mut meta = meta.clone();
        meta.insert("namespace".into(), Value::string(ns));
        let mut top = top.clone();
        top.insert("metadata".into(), Value::object(meta));
        let mut moved = self.clone();
        moved.request.object = Value::object(top);
        Some(moved)
    }
}

/// `Pod hello-world`, `Pod team-a/web`.
pub fn label_of(resource: &serde_json::Value) -> String {
    let kind = crate::testing::files::str_field(resource, "kind");
    let name = crate::testing::files::meta_str(resource, "name");
    let ns = crate::testing::files::meta_str(resource, "namespace");
    let kind = if kind.is_empty() { "resource" } else { kind };
    let name = if name.is_empty() { "(unnamed)" } else { name };
    if ns.is_empty() || ns == "default" {
        format!("{kind} {name}")
    } else {
        format!("{kind} {ns}/{name}")
    }
}

/// Makes labels unique by numbering repeats: `Pod web`, `Pod web (2)`.
pub fn dedupe_labels(samples: &mut [Sample]) {
    let mut seen: Vec<String> = Vec::new();
    for s in samples.iter_mut() {
        let base = s.label.clone();
        let mut n = 1;
        while seen.contains(&s.label) {
            n += 1;
            s.label = format!("{base} ({n})");
        }
        seen.push(s.label.clone());
    }
}

const BUILTIN_FILES: &[&str] = &[
    include_str!("builtin/pod-hello-world.yaml"),
    include_str!("builtin/pod-hardened.yaml"),
    include_str!("builtin/pod-privileged.yaml"),
    include_str!("builtin/deployment-hardened.yaml"),
    include_str!("builtin/cronjob-hardened.yaml"),
];

/// The built-in samples: the Pod that `kubectl run hello-world --image=hello-world
/// --restart=Never` creates, a hardened Pod (restricted profile), a privileged Pod, and a
/// Deployment and a CronJob of the hardened Pod. Parsed once per process.
pub fn builtin() -> Vec<Sample> {
    static BUILTIN: OnceLock<Vec<Sample>> = OnceLock::new();
    BUILTIN
        .get_or_init(|| {
            BUILTIN_FILES
                .iter()
                .flat_map(|t| from_text(t, None, Origin::Builtin))
                .map(|mut s| {
                    s.span = None;
                    s
                })
                .collect()
        })
        .clone()
}

/// The paths a `# kyverno-ls: resources=a.yaml,b.yaml` modeline names, as written.
pub fn modeline(text: &str) -> Vec<String> {
    modeline_entries(text).into_iter().map(|(_, p)| p).collect()
}

/// [`modeline`], with the byte range of each path in `text`.
pub fn modeline_entries(text: &str) -> Vec<(Span, String)> {
    let mut out = Vec::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let at = line_start;
        line_start += line.len();
        let Some(comment) = line.trim_start().strip_prefix('#') else {
            continue;
        };
        let Some(rest) = comment.trim_start().strip_prefix("kyverno-ls:") else {
            continue;
        };
        // Offsets of `rest` inside the text: it is a suffix of the line.
        let rest_at = at + line.len() - rest.len();
        let mut offset = 0;
        for setting in rest.split_whitespace() {
            let rel = rest[offset..].find(setting).map_or(offset, |i| offset + i);
            offset = rel + setting.len();
            let Some(list) = setting.strip_prefix("resources=") else {
                continue;
            };
            let mut item_at = rest_at + rel + "resources=".len();
            for item in list.split(',') {
                let trimmed = item.trim();
                let lead = item.len() - item.trim_start().len();
                if !trimmed.is_empty() {
                    let start = item_at + lead;
                    out.push((start..start + trimmed.len(), trimmed.to_string()));
                }
                item_at += item.len() + 1;
            }
        }
    }
    out
}

/// Whether a document is a resource a policy could be simulated against: it has a `kind` and
/// an `apiVersion`, and is neither a ClusterPolicy or Policy nor a test manifest, values or
/// user info file of the CLI. The other kinds kyverno-ls checks (CEL policies, exceptions,
/// cleanup policies...) stay resources, as before they were checked: a ClusterPolicy may
/// well validate them.
fn is_resource(root: &crate::yaml::Node) -> bool {
    let (Some(api), Some(kind)) = (
        root.get("apiVersion").and_then(crate::yaml::Node::as_str),
        root.get("kind").and_then(crate::yaml::Node::as_str),
    ) else {
        return false;
    };
    if api.starts_with("cli.kyverno.io/") || kind.is_empty() {
        return false;
    }
    !crate::checks::classify(root).is_simulated_policy()
}

/// The non-policy documents of a file as samples (for a modeline file, or the policy's own
/// text with `file: None`).
pub fn from_text(
    text: &str,
    file: Option<std::sync::Arc<SourceFile>>,
    origin: Origin,
) -> Vec<Sample> {
    let docs = crate::yaml::parse(text, &crate::yaml::Limits::default());
    from_documents(&docs, file, origin)
}

/// [`from_text`] over documents already parsed.
pub fn from_documents<'a>(
    docs: impl IntoIterator<Item = &'a crate::yaml::Document>,
    file: Option<Arc<SourceFile>>,
    origin: Origin,
) -> Vec<Sample> {
    let mut out = Vec::new();
    for doc in docs {
        if doc.has_errors() {
            continue;
        }
        let Some(root) = &doc.root else { continue };
        if !is_resource(root) {
            continue;
        }
        out.push(Sample::new(
            root.to_json(),
            origin,
            file.clone(),
            Some(doc.span.clone()),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_have_their_labels() {
        let labels: Vec<String> = builtin().into_iter().map(|s| s.label).collect();
        assert_eq!(
            labels,
            [
                "Pod hello-world",
                "Pod hardened",
                "Pod privileged",
                "Deployment hardened",
                "CronJob hardened"
            ]
        );
        let hello = &builtin()[0];
        assert_eq!(hello.origin, Origin::Builtin);
        let obj = hello.resource().to_json();
        assert_eq!(obj["spec"]["restartPolicy"], "Never");
        assert_eq!(obj["metadata"]["labels"]["run"], "hello-world");
        assert_eq!(obj["spec"]["containers"][0]["image"], "hello-world");
    }

    #[test]
    fn modeline_lists_paths() {
        let t = "# kyverno-ls: resources=a.yaml, b.yaml\n# other\n  #kyverno-ls: resources=c/d.yaml\napiVersion: v1\n";
        assert_eq!(modeline(t), ["a.yaml", "c/d.yaml"]);
        let spans: Vec<&str> = modeline_entries(t)
            .into_iter()
            .map(|(s, _)| &t[s])
            .collect();
        assert_eq!(spans, ["a.yaml", "c/d.yaml"]);
        let t = "apiVersion: v1\r\n# kyverno-ls: x=1 resources=../../etc/passwd,,~/p.yaml\r\n";
        let entries = modeline_entries(t);
        let got: Vec<(&str, &str)> = entries
            .iter()
            .map(|(s, p)| (&t[s.clone()], p.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("../../etc/passwd", "../../etc/passwd"),
                ("~/p.yaml", "~/p.yaml")
            ]
        );
        assert!(modeline("# kyverno-ls: nothing\n").is_empty());
    }

    #[test]
    fn from_text_keeps_resources_only() {
        let t = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: p}\nspec: {rules: []}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: team}\n---\napiVersion: cli.kyverno.io/v1alpha1\nkind: Test\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n";
        let s = from_text(t, None, Origin::SameFile);
        let labels: Vec<&str> = s.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["Pod team/web", "ConfigMap c"]);
        let span = s[0].span.clone().unwrap();
        assert!(t[span].contains("kind: Pod"));
    }

    #[test]
    fn labels_are_made_unique() {
        let mut s = from_text(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: a}\n",
            None,
            Origin::SameFile,
        );
        dedupe_labels(&mut s);
        assert_eq!(s[1].label, "Pod a (2)");
    }
}
