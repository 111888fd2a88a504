//! Which paths named inside a repository may be read.
//!
//! A modeline or a `kyverno-test.yaml` comes from a repository we do not control; its paths
//! must not make kyverno-ls read `~/.ssh`, `/etc` or anything else outside the folder the user
//! opened, nor fetch anything. The decision is pure: the shell passes a closure that resolves
//! symbolic links, so the core never touches the file system itself. The findings carry the
//! span of the path as written, for a diagnostic (`path-outside-workspace`, `url-not-fetched`).

use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, Span};
use crate::yaml::{Node, NodeKind};

/// Why a path may not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// `https://...`, `git@host:repo`, `github.com/org/repo`.
    Url,
    /// `~` or `~user`: a home folder, which kyverno-ls does not expand.
    Home,
    /// An absolute path or one that climbs out with `..`; the normalised path.
    Outside(PathBuf),
    /// Inside the folder as written, but a symbolic link on the way leads out; the real path.
    Symlink(PathBuf),
}

/// Hosts whose paths without a scheme are how people write Git sources (`kyverno test`
/// accepts `github.com/org/repo/path`).
const GIT_HOSTS: &[&str] = &[
    "github.com",
    "gitlab.com",
    "bitbucket.org",
    "raw.githubusercontent.com",
    "gist.github.com",
    "codeberg.org",
    "dev.azure.com",
];

/// Whether `p` is a URL or a Git source rather than a local path.
pub fn is_url(p: &str) -> bool {
    if p.contains("://") || p.starts_with("git@") {
        return true;
    }
    let first = p.split('/').next().unwrap_or("");
    GIT_HOSTS.iter().any(|h| first.eq_ignore_ascii_case(h))
}

/// `path` with `.` and `..` resolved lexically (no file system access).
pub fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Resolves `p`, written in a file in the folder `base`, inside `root`. `real` gives the real
/// path of an existing file (symbolic links resolved) or None; `root` is compared with its
/// real path too, so a root that is itself reached through a link works.
pub fn check(
    base: &Path,
    p: &str,
    root: &Path,
    real: &mut dyn FnMut(&Path) -> Option<PathBuf>,
) -> Result<PathBuf, Refusal> {
    if is_url(p) {
        return Err(Refusal::Url);
    }
    if p.starts_with('~') {
        return Err(Refusal::Home);
    }
    let root = normalize(root);
    let path = normalize(&base.join(p));
    if !path.starts_with(&root) {
        return Err(Refusal::Outside(path));
    }
    if let Some(target) = real(&path) {
        let real_root = real(&root).unwrap_or_else(|| root.clone());
        if !target.starts_with(&real_root) {
            return Err(Refusal::Symlink(target));
        }
    }
    Ok(path)
}

impl Refusal {
    /// The diagnostic code.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Url => "url-not-fetched",
            _ => "path-outside-workspace",
        }
    }

    /// The message for `p` as written; `folder` names where reading is allowed (`the
    /// workspace folder /ws`, `the folders being tested`).
    pub fn message(&self, p: &str, folder: &str) -> String {
        match self {
            Refusal::Url => format!(
                "`{p}` is a URL; kyverno-ls never fetches anything. Use a file inside {folder}."
            ),
            Refusal::Home => format!(
                "`{p}` starts with `~`, a home folder outside {folder}; kyverno-ls reads only files inside it."
            ),
            Refusal::Outside(path) if path.as_os_str() == p => {
                format!("`{p}` is outside {folder}; kyverno-ls reads only files inside it.")
            }
            Refusal::Outside(path) => format!(
                "`{p}` ({}) is outside {folder}; kyverno-ls reads only files inside it.",
                path.display()
            ),
            Refusal::Symlink(target) => format!(
                "`{p}` is a symbolic link to {}, outside {folder}; kyverno-ls reads only files inside it.",
                target.display()
            ),
        }
    }

    pub fn diagnostic(&self, span: Span, p: &str, folder: &str) -> Diagnostic {
        Diagnostic::warning(self.code(), span, self.message(p, folder))
    }
}

/// How messages name a workspace root.
pub fn workspace_folder(root: &Path) -> String {
    format!("the workspace folder {}", root.display())
}

/// The fields of a `Test` document that name files, with the path and its span.
pub fn manifest_paths(root: &Node) -> Vec<(Span, String)> {
    let mut out = Vec::new();
    let NodeKind::Mapping(entries) = &root.kind else {
        return out;
    };
    // Go decodes field names case-insensitively, and so does `kyverno test`.
    let field = |name: &'static str| {
        entries
            .iter()
            .filter(move |e| e.key.as_str().is_some_and(|k| k.eq_ignore_ascii_case(name)))
            .map(|e| &e.value)
    };
    let mut push = |n: &Node| {
        if let Some(s) = n.as_str() {
            out.push((n.span.clone(), s.to_string()));
        }
    };
    for name in ["variables", "userinfo"] {
        field(name).for_each(&mut push);
    }
    for name in ["policies", "resources", "clusterResources", "exceptions"] {
        for v in field(name) {
            v.as_sequence()
                .unwrap_or_default()
                .iter()
                .for_each(&mut push);
        }
    }
    for v in field("globalContextEntries") {
        for entry in v.as_sequence().unwrap_or_default() {
            let NodeKind::Mapping(fields) = &entry.kind else {
                continue;
            };
            for f in fields {
                if f.key
                    .as_str()
                    .is_some_and(|k| k.eq_ignore_ascii_case("resourceFiles"))
                {
                    f.value
                        .as_sequence()
                        .unwrap_or_default()
                        .iter()
                        .for_each(&mut push);
                }
            }
        }
    }
    for v in field("results") {
        for r in v.as_sequence().unwrap_or_default() {
            let NodeKind::Mapping(fields) = &r.kind else {
                continue;
            };
            for f in fields {
                let k = f.key.as_str().unwrap_or("");
                if k.eq_ignore_ascii_case("patchedResources")
                    || k.eq_ignore_ascii_case("patchedResource")
                    || k.eq_ignore_ascii_case("generatedResource")
                    || k.eq_ignore_ascii_case("cloneSourceResource")
                {
                    push(&f.value);
                }
            }
        }
    }
    out.sort_by_key(|(s, _)| s.start);
    out
}

/// The diagnostics of the paths a `kyverno-test.yaml` (its text, at `manifest`) names that
/// lead outside `root` or are URLs. Documents that are not `Test`s are skipped.
pub fn manifest_diagnostics(
    text: &str,
    manifest: &Path,
    root: &Path,
    real: &mut dyn FnMut(&Path) -> Option<PathBuf>,
) -> Vec<Diagnostic> {
    let base = manifest.parent().unwrap_or(Path::new(""));
    let folder = workspace_folder(root);
    let mut out = Vec::new();
    for doc in crate::yaml::parse(text, &crate::yaml::Limits::default()) {
        let Some(node) = &doc.root else { continue };
        if node.get("kind").and_then(Node::as_str) != Some("Test") {
            continue;
        }
        for (span, p) in manifest_paths(node) {
            if let Err(refusal) = check(base, &p, root, real) {
                out.push(refusal.diagnostic(span, &p, &folder));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_links(_: &Path) -> Option<PathBuf> {
        None
    }

    #[test]
    fn urls_and_git_sources() {
        for p in [
            "https://example.com/p.yaml",
            "git@github.com:org/repo.git",
            "github.com/kyverno/policies/best-practices",
            "GitHub.com/x",
            "ssh://host/x",
        ] {
            assert!(is_url(p), "{p}");
        }
        for p in ["policies/p.yaml", "./github.com.yaml", "my.policies/p.yaml"] {
            assert!(!is_url(p), "{p}");
        }
    }

    #[test]
    fn paths_must_stay_inside_the_root() {
        let base = Path::new("/ws/p");
        let root = Path::new("/ws");
        let mut real = no_links;
        assert_eq!(
            check(base, "pods/a.yaml", root, &mut real),
            Ok(PathBuf::from("/ws/p/pods/a.yaml"))
        );
        assert_eq!(
            check(base, "../a.yaml", root, &mut real),
            Ok(PathBuf::from("/ws/a.yaml"))
        );
        assert_eq!(
            check(base, "../../etc/passwd", root, &mut real),
            Err(Refusal::Outside(PathBuf::from("/etc/passwd")))
        );
        assert_eq!(
            check(base, "/etc/passwd", root, &mut real),
            Err(Refusal::Outside(PathBuf::from("/etc/passwd")))
        );
        assert_eq!(
            check(base, "~/.kube/config", root, &mut real),
            Err(Refusal::Home)
        );
        assert_eq!(
            check(base, "https://x/y.yaml", root, &mut real),
            Err(Refusal::Url)
        );
        // A link inside the root whose target is outside it.
        let mut real = |p: &Path| -> Option<PathBuf> {
            match p.to_str() {
                Some("/ws/p/link.yaml") => Some(PathBuf::from("/home/u/secret.yaml")),
                Some("/ws/p/ok.yaml") => Some(PathBuf::from("/ws/p/ok.yaml")),
                _ => None,
            }
        };
        assert_eq!(
            check(base, "link.yaml", root, &mut real),
            Err(Refusal::Symlink(PathBuf::from("/home/u/secret.yaml")))
        );
        assert_eq!(
            check(base, "ok.yaml", root, &mut real),
            Ok(PathBuf::from("/ws/p/ok.yaml"))
        );
    }

    #[test]
    fn manifest_paths_get_diagnostics_on_their_spans() {
        let text = "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nmetadata: {name: t}\npolicies: [p.yaml, ../../etc/passwd]\nresources:\n- https://example.com/r.yaml\nvariables: ~/values.yaml\nresults: []\n";
        let d = manifest_diagnostics(
            text,
            Path::new("/ws/t/kyverno-test.yaml"),
            Path::new("/ws"),
            &mut no_links,
        );
        let got: Vec<(&str, &str, &str)> = d
            .iter()
            .map(|d| (d.code, &text[d.span.clone()], d.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "path-outside-workspace",
                    "../../etc/passwd",
                    "`../../etc/passwd` (/etc/passwd) is outside the workspace folder /ws; kyverno-ls reads only files inside it."
                ),
                (
                    "url-not-fetched",
                    "https://example.com/r.yaml",
                    "`https://example.com/r.yaml` is a URL; kyverno-ls never fetches anything. Use a file inside the workspace folder /ws."
                ),
                (
                    "path-outside-workspace",
                    "~/values.yaml",
                    "`~/values.yaml` starts with `~`, a home folder outside the workspace folder /ws; kyverno-ls reads only files inside it."
                ),
            ]
        );
    }
}
