//! What applies to a file besides its text, decided once for both shells: which files around
//! it matter (the test manifests that list a policy, the chainsaw tests and kustomizations that
//! make a file a partial object), read through one file-access trait.
//!
//! The CLI implements [`Files`] on the file system ([`fs::FsFiles`]); the language server on
//! its open buffers plus the workspace folders. Everything here is otherwise pure: the same
//! files give the same answers, whichever shell asks.

pub mod fs;
pub mod index;

use std::path::{Path, PathBuf};

pub use index::Index;

use crate::analysis::{Analysis, Inputs};
use crate::diag::Diagnostic;
use crate::samples::{Sample, discover};
use crate::testing::files::MANIFEST_NAME;

/// One entry of a folder listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    pub path: PathBuf,
    pub is_dir: bool,
}

/// Reading files, for the core. Implementations decide what may be read (a workspace folder,
/// a repository) and answer None for anything else.
pub trait Files {
    /// The text of the file at `path` (absolute), or None when it is missing, unreadable,
    /// not UTF-8 or not allowed.
    fn read(&self, path: &Path) -> Option<String>;

    /// The real path of an existing file (symbolic links resolved), or None.
    fn real(&self, path: &Path) -> Option<PathBuf> {
        let _ = path;
        None
    }

    /// The entries of a folder, symbolic links left out; None when it cannot be listed.
    fn list(&self, dir: &Path) -> Option<Vec<DirEntry>>;
}

/// What the shell knows beyond the files: its switches and the samples it was handed.
pub struct Options {
    /// Fall back to the built-in samples.
    pub builtin_samples: bool,
    /// Samples for every policy, overriding discovery (`check --resource`).
    pub resources: Vec<Sample>,
    /// The clock and seed for the test manifests' runs.
    pub env: crate::engine::Env,
}

/// The inputs of one file's analysis, and the diagnostics about the files it names.
#[derive(Debug, Clone, Default)]
pub struct FileInputs {
    pub inputs: Inputs,
    /// Refused or unreadable paths of the modeline or of the manifest, on the path's text.
    pub diagnostics: Vec<Diagnostic>,
    /// Every file read or looked for (what the editor watches).
    pub files: Vec<PathBuf>,
}

/// What applies to the file at `path` (absolute, inside `root`) whose text is `text`: whether
/// it holds partial objects, and the samples, variables and expectations of a policy (its
/// modeline files, else the test manifests that list it, wherever they are below `root`).
pub fn inputs_for(
    files: &dyn Files,
    index: &Index,
    root: &Path,
    path: &Path,
    text: &str,
    options: &Options,
) -> FileInputs {
    let mut out = FileInputs {
        inputs: Inputs {
            builtin_samples: options.builtin_samples,
            partial: index.is_partial(path),
            ..Inputs::default()
        },
        ..FileInputs::default()
    };
    let mut real = |p: &Path| files.real(p);
    if is_manifest(path) {
        out.diagnostics = crate::testing::paths::manifest_diagnostics(text, path, root, &mut real);
        return out;
    }
    if !options.resources.is_empty() {
        out.inputs.external_samples = options.resources.clone();
        return out;
    }
    let listing = index.manifests_listing(path);
    let found = discover::discover_with(
        path,
        text,
        root,
        &listing,
        &mut |p| files.read(p),
        &mut real,
    );
    out.inputs.external_samples = found.samples;
    out.inputs.extra_variables = found.extra_variables;
    out.diagnostics = found.refused;
    out.files = found.files;
    out
}

/// The whole analysis of one file: [`inputs_for`], the analysis, and for a test manifest its
/// results whose expectation the engine does not meet. Both shells report exactly this.
pub fn analyze_file(
    files: &dyn Files,
    index: &Index,
    root: &Path,
    path: &Path,
    text: &str,
    options: &Options,
) -> Analysis {
    let found = inputs_for(files, index, root, path, text, options);
    let mut analysis = crate::analysis::analyze_with(text, &found.inputs);
    let mut extra = found.diagnostics;
    if is_manifest(path) {
        extra.extend(manifest_results(path, root, &options.env, text));
    }
    if !extra.is_empty() {
        analysis.diagnostics.extend(extra);
        analysis
            .diagnostics
            .sort_by_key(|d| (d.span.start, d.span.end));
    }
    analysis
}

/// Runs the test manifest at `path` and turns its mismatches and errors into diagnostics.
pub fn manifest_results(
    path: &Path,
    root: &Path,
    env: &crate::engine::Env,
    text: &str,
) -> Vec<Diagnostic> {
    let options = crate::testing::Options {
        compat: false,
        roots: vec![root.to_path_buf()],
        per_manifest: false,
    };
    let mut report = crate::testing::Report::default();
    crate::testing::run::run_manifest(path, &options, env, &mut report);
    crate::ide::manifest_diagnostics(text, &report)
}

/// Whether `path` names a test manifest (`kyverno-test.yaml`).
pub fn is_manifest(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == MANIFEST_NAME)
}

/// Folders no walk enters: version control and dependency trees.
const SKIPPED_FOLDERS: &[&str] = &[".git", "node_modules"];

/// The YAML files below `root` (or `root` itself when it is a file), hidden folders included
/// (Kyverno's tests live in `.kyverno-test`, chainsaw's in `.chainsaw-test`), sorted. The walk
/// stops after [`crate::limits::MAX_WALK_ENTRIES`] entries; the flag says it did.
pub fn walk(files: &dyn Files, root: &Path) -> (Vec<PathBuf>, bool) {
    let mut out = Vec::new();
    let Some(first) = files.list(root) else {
        if is_yaml(root) {
            out.push(root.to_path_buf());
        }
        return (out, false);
    };
    let mut stack = vec![first];
    let mut seen = 0usize;
    let mut truncated = false;
    while let Some(entries) = stack.pop() {
        for e in entries {
            seen += 1;
            if seen > crate::limits::MAX_WALK_ENTRIES {
                truncated = true;
                break;
            }
            if e.is_dir {
                let name = e.path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                if !SKIPPED_FOLDERS.contains(&name) {
                    stack.extend(files.list(&e.path));
                }
            } else if is_yaml(&e.path) {
                out.push(e.path);
            }
        }
        if truncated {
            break;
        }
    }
    out.sort();
    (out, truncated)
}

fn is_yaml(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|x| x.to_str()),
        Some("yaml" | "yml")
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// Files in memory, for tests: every folder is implied by the paths below it.
    #[derive(Default)]
    pub struct MemFiles(pub BTreeMap<PathBuf, String>);

    impl MemFiles {
        pub fn new(files: &[(&str, &str)]) -> MemFiles {
            MemFiles(
                files
                    .iter()
                    .map(|(p, t)| (PathBuf::from(p), t.to_string()))
                    .collect(),
            )
        }
    }

    impl Files for MemFiles {
        fn read(&self, path: &Path) -> Option<String> {
            self.0.get(path).cloned()
        }
        fn list(&self, dir: &Path) -> Option<Vec<DirEntry>> {
            let mut out: Vec<DirEntry> = Vec::new();
            for p in self.0.keys() {
                let Ok(rest) = p.strip_prefix(dir) else {
                    continue;
                };
                let mut parts = rest.components();
                let Some(first) = parts.next() else { continue };
                let path = dir.join(first);
                let is_dir = parts.next().is_some();
                if !out.iter().any(|e| e.path == path) {
                    out.push(DirEntry { path, is_dir });
                }
            }
            (!out.is_empty()).then_some(out)
        }
    }

    #[test]
    fn walk_finds_yaml_in_hidden_folders_but_not_in_git() {
        let files = MemFiles::new(&[
            ("/r/p/policy.yaml", ""),
            ("/r/p/.kyverno-test/kyverno-test.yaml", ""),
            ("/r/p/.chainsaw-test/assert.yml", ""),
            ("/r/p/README.md", ""),
            ("/r/.git/config.yaml", ""),
            ("/r/node_modules/x/a.yaml", ""),
        ]);
        let (found, truncated) = walk(&files, Path::new("/r"));
        assert!(!truncated);
        assert_eq!(
            found,
            [
                PathBuf::from("/r/p/.chainsaw-test/assert.yml"),
                PathBuf::from("/r/p/.kyverno-test/kyverno-test.yaml"),
                PathBuf::from("/r/p/policy.yaml"),
            ]
        );
        assert_eq!(
            walk(&files, Path::new("/r/p/policy.yaml")).0,
            [PathBuf::from("/r/p/policy.yaml")]
        );
    }
}
