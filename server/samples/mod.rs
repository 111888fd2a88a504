//! Sample resources that policies are simulated against, in the editor and in `check`.
//!
//! Found in this order (the first source that yields samples wins; built-ins are the fallback):
//! (a) a modeline in the policy file, `# kyverno-ls: resources=path[,path]`; (b) the
//! `kyverno-test.yaml` manifests in the policy's folder or its ancestors that list the policy;
//! (c) the non-policy documents of the same file; (d) the built-in set. The core does no I/O:
//! the shells read the files that (a) and (b) name and hand them in as [`Sample`]s.

use crate::diag::Span;
use crate::engine::{Request, Value};

/// Where a sample came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Modeline,
    TestManifest,
    SameFile,
    Builtin,
}

/// A file a sample was read from, kept so findings can point into it.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceFile {
    /// Path as the shell names it (an absolute path in the editor, as given on the command line).
    pub path: String,
    pub text: String,
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
}

impl Sample {
    pub fn resource(&self) -> &Value {
        &self.request.object
    }
}

/// The built-in samples: the Pod that `kubectl run hello-world --image=hello-world
/// --restart=Never` creates, a hardened Pod (restricted profile), a privileged Pod, and a
/// Deployment and a CronJob of the hardened Pod.
pub fn builtin() -> Vec<Sample> {
    Vec::new()
}

/// The paths a `# kyverno-ls: resources=a.yaml,b.yaml` modeline names, as written.
pub fn modeline(text: &str) -> Vec<String> {
    let _ = text;
    Vec::new()
}

/// The non-policy documents of a file as samples (for a modeline file, or the policy's own
/// text with `file: None`).
pub fn from_text(
    text: &str,
    file: Option<std::sync::Arc<SourceFile>>,
    origin: Origin,
) -> Vec<Sample> {
    let _ = (text, file, origin);
    Vec::new()
}
