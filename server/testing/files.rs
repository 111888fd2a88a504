//! Reading the files a manifest names: discovery of manifests, the sandbox that keeps reads
//! inside the folders being tested, YAML documents, resources and namespace defaulting.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::vfs::Files;

/// The manifest file name `kyverno test` looks for.
pub const MANIFEST_NAME: &str = "kyverno-test.yaml";

/// Every `kyverno-test.yaml` below `root` (hidden folders included, symbolic links not
/// followed), sorted. `root` may itself be a manifest file.
pub fn find_manifests(files: &dyn Files, root: &Path) -> Result<Vec<PathBuf>, String> {
    if files.list(root).is_none() {
        files.read(root)?;
        return Ok(vec![root.to_path_buf()]);
    }
    let named = |p: &Path| p.file_name().is_some_and(|n| n == MANIFEST_NAME);
    Ok(crate::vfs::walk(files, root, &named).0)
}

/// The repository holding `path`: the nearest folder at or above it with a `.git` entry (a
/// folder, or the file a worktree or a submodule has instead).
/// The path is made absolute lexically (`..` resolved, links kept), so that the repository is
/// named as the caller names the path.
pub fn repository_of(path: &Path) -> Option<PathBuf> {
    let absolute = std::env::current_dir().ok()?.join(path);
    super::paths::normalize(&absolute)
        .ancestors()
        .find(|dir| std::fs::symlink_metadata(dir.join(".git")).is_ok())
        .map(Path::to_path_buf)
}

/// The roots of the manifest at `manifest` when run from the command line: the whole
/// repository holding it, as a repository is what its author controls and `kyverno test`
/// reads manifests within one. Outside any repository, `outside` (the folders given and the
/// working directory) and the folder above the manifest's own, so that the library layout
/// (`policy.yaml` next to `.kyverno-test/kyverno-test.yaml`) can name `../policy.yaml`.
pub fn manifest_roots(manifest: &Path, outside: &[PathBuf]) -> Vec<PathBuf> {
    if let Some(repository) = repository_of(manifest) {
        return vec![repository];
    }
    let mut roots = outside.to_vec();
    let above = manifest
        .canonicalize()
        .ok()
        .and_then(|m| Some(m.parent()?.parent()?.to_path_buf()));
    // Never the file system root: a manifest in `/tmp` must not open up all of `/`.
    if let Some(above) = above.filter(|a| a.parent().is_some()) {
        roots.push(above);
    }
    roots
}

/// Where files may be read from: below one of the roots (canonical paths). Empty = anywhere.
#[derive(Debug, Clone, Default)]
pub struct Sandbox {
    pub roots: Vec<PathBuf>,
}

impl Sandbox {
    pub fn new(roots: &[PathBuf]) -> Sandbox {
        Sandbox {
            roots: roots.iter().filter_map(|r| r.canonicalize().ok()).collect(),
        }
    }

    /// Resolves `p` (as written in the manifest at `base`) to a readable path: never a URL,
    /// `~`, nor a path that leads out of the roots as written or through a symbolic link.
    /// `files` gives the real path, so that a text not yet on disk (a migrated policy) can be
    /// read.
    pub fn resolve(&self, files: &dyn Files, base: &Path, p: &str) -> Result<PathBuf, String> {
        use super::paths::{self, Refusal};
        let folder = "the folders being tested";
        if paths::is_url(p) {
            return Err(Refusal::Url.message(p, folder));
        }
        if p.starts_with('~') {
            return Err(Refusal::Home.message(p, folder));
        }
        let inside =
            |path: &Path| self.roots.is_empty() || self.roots.iter().any(|r| path.starts_with(r));
        // The manifest's folder exists; its real path makes `..` mean what it means on disk.
        let base = base.canonicalize().unwrap_or_else(|_| base.to_path_buf());
        let joined = paths::normalize(&base.join(p));
        if !inside(&joined) {
            return Err(Refusal::Outside(joined).message(p, folder));
        }
        let canonical = match files.real(&joined) {
            Some(real) => real,
            None => joined
                .canonicalize()
                .map_err(|e| format!("cannot read `{p}` ({}): {e}", joined.display()))?,
        };
        if !inside(&canonical) {
            return Err(Refusal::Symlink(canonical).message(p, folder));
        }
        Ok(canonical)
    }
}

/// Whether `p` is a URL or a Git source (see [`super::paths::is_url`]).
pub fn is_url(p: &str) -> bool {
    super::paths::is_url(p)
}

/// The YAML files a path names: the file itself, or every `.yaml`/`.yml`/`.json` file below a
/// directory (sorted, symbolic links not followed).
pub fn yaml_files(files: &dyn Files, path: &Path) -> Vec<PathBuf> {
    // A file named directly is read whatever its extension.
    let data = |p: &Path| {
        p == path || crate::vfs::is_yaml(p) || p.extension().is_some_and(|x| x == "json")
    };
    crate::vfs::walk(files, path, &data).0
}

/// The non-empty documents of a YAML text, as JSON the way Kubernetes reads YAML.
pub fn parse_documents(text: &str) -> Result<Vec<Value>, String> {
    Ok(parse_spanned_documents(text)?
        .into_iter()
        .map(|(json, _)| json)
        .collect())
}

/// [`parse_documents`], each document with its spanned tree (for locations in the file).
pub fn parse_spanned_documents(text: &str) -> Result<Vec<(Value, crate::yaml::Node)>, String> {
    let mut out = Vec::new();
    let limits = crate::yaml::Limits::default();
    for doc in crate::yaml::parse(text, &limits) {
        if let Some(d) = doc.diagnostics.first() {
            if doc.has_errors() {
                let index = crate::text::LineIndex::new(text);
                let p = index.position_utf16(text, d.span.start);
                return Err(format!(
                    "line {}, column {}: {}",
                    p.line + 1,
                    p.character + 1,
                    d.message
                ));
            }
        }
        if let Some(root) = doc.root {
            match root.to_json() {
                Value::Null => {}
                v => out.push((v, root)),
            }
        }
    }
    Ok(out)
}

/// Reads and parses every document of the files `path` names.
pub fn read_documents(files: &dyn Files, path: &Path) -> Result<Vec<Value>, String> {
    Ok(read_spanned_documents(files, path)?
        .into_iter()
        .map(|(json, _)| json)
        .collect())
}

/// [`read_documents`], each document with its spanned tree (for the policy model).
pub fn read_spanned_documents(
    files: &dyn Files,
    path: &Path,
) -> Result<Vec<(Value, crate::yaml::Node)>, String> {
    let mut out = Vec::new();
    for file in yaml_files(files, path) {
        let text = files.read(&file)?;
        let docs =
            parse_spanned_documents(&text).map_err(|e| format!("{}: {e}", file.display()))?;
        out.extend(docs);
    }
    Ok(out)
}

/// Kinds Kubernetes (and Kyverno) serve cluster-scoped: resources of these kinds keep an
/// empty namespace; every other kind defaults to `default`.
pub const CLUSTER_SCOPED_KINDS: &[&str] = &[
    "APIService",
    "AdmissionPolicy",
    "CSIDriver",
    "CSINode",
    "CertificateSigningRequest",
    "ClusterCleanupPolicy",
    "ClusterEphemeralReport",
    "ClusterIssuer",
    "ClusterPolicy",
    "ClusterPolicyReport",
    "ClusterReportChangeRequest",
    "ClusterRole",
    "ClusterRoleBinding",
    "ComponentStatus",
    "CustomResourceDefinition",
    "DeletingPolicy",
    "FlowSchema",
    "GeneratingPolicy",
    "ImageValidatingPolicy",
    "IngressClass",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding",
    "MutatingPolicy",
    "MutatingWebhookConfiguration",
    "Namespace",
    "Node",
    "PersistentVolume",
    "PodSecurityPolicy",
    "PriorityClass",
    "PriorityLevelConfiguration",
    "RuntimeClass",
    "SelfSubjectAccessReview",
    "SelfSubjectReview",
    "SelfSubjectRulesReview",
    "StorageClass",
    "StorageVersion",
    "SubjectAccessReview",
    "TokenReview",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "ValidatingPolicy",
    "ValidatingWebhookConfiguration",
    "VolumeAttachment",
];

pub fn is_cluster_scoped(kind: &str) -> bool {
    CLUSTER_SCOPED_KINDS.contains(&kind)
}

/// Gives a namespaced resource without `metadata.namespace` the namespace `default`.
pub fn default_namespace(mut resource: Value) -> Value {
    let kind = resource
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if is_cluster_scoped(&kind) {
        return resource;
    }
    if let Some(obj) = resource.as_object_mut() {
        let meta = obj
            .entry("metadata")
            .or_insert_with(|| Value::Object(Default::default()));
        if meta.is_null() {
            *meta = Value::Object(Default::default());
        }
        if let Some(m) = meta.as_object_mut() {
            let empty = m
                .get("namespace")
                .is_none_or(|n| n.as_str().is_none_or(str::is_empty));
            if empty {
                m.insert("namespace".into(), Value::String("default".into()));
            }
        }
    }
    resource
}

/// `metadata.<field>` as a string ("" when absent).
pub fn meta_str<'a>(resource: &'a Value, field: &str) -> &'a str {
    resource
        .get("metadata")
        .and_then(|m| m.get(field))
        .and_then(Value::as_str)
        .unwrap_or_default()
}

pub fn str_field<'a>(resource: &'a Value, field: &str) -> &'a str {
    resource
        .get(field)
        .and_then(Value::as_str)
        .unwrap_or_default()
}
