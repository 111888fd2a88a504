//! The index of a folder's Kyverno test manifests, chainsaw tests, kustomizations,
//! CustomResourceDefinitions and modelines: which manifests list a policy file, which files
//! are partial objects by design, which custom kinds the folder defines, and which files
//! policies name as their sample resources.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::testing::files::MANIFEST_NAME;
use crate::testing::paths;
use crate::vfs::Files;
use crate::yaml::{Limits, Node};

/// The file names chainsaw looks for by default.
const CHAINSAW_TEST_NAMES: &[&str] = &["chainsaw-test.yaml", "chainsaw-test.yml"];
use super::kustomize::KUSTOMIZATION_NAMES;
/// A folder whose files are chainsaw test files: assertions, and resources that often name
/// only what the test needs.
const CHAINSAW_FOLDER: &str = ".chainsaw-test";

/// Whether a change to the file at `path` can change an [`Index`].
pub fn is_index_file(path: &Path) -> bool {
    path.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
        n == MANIFEST_NAME || CHAINSAW_TEST_NAMES.contains(&n) || KUSTOMIZATION_NAMES.contains(&n)
    })
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Index {
    /// The paths (files or folders) that `policies` entries name, with the manifests that name
    /// each.
    pub listed: BTreeMap<PathBuf, Vec<PathBuf>>,
    /// Files that chainsaw `assert`/`error` steps or kustomization patches name.
    pub partial: BTreeSet<PathBuf>,
    /// The kinds of the folder's CustomResourceDefinitions, beside the built-in ones.
    pub crds: Arc<crate::k8s::Catalog>,
    /// The files those definitions come from (a change to one changes the index).
    pub crd_files: BTreeSet<PathBuf>,
    /// The configuration files whose `crds` globs name files of definitions (a change to one
    /// changes the index).
    pub crd_configs: BTreeSet<PathBuf>,
    /// Files a policy's `# kyverno-ls: resources=` modeline names: sample resources.
    pub sample_files: BTreeSet<PathBuf>,
    /// For each file that a kustomization assembling policies reads (its own file, its
    /// resources, patches and the kustomizations below it), the folders of those
    /// kustomizations: building them gives the file findings.
    pub kustomized: BTreeMap<PathBuf, BTreeSet<PathBuf>>,
}

/// Whether a file's text may name sample files (a modeline), or define kinds: a change to it
/// may change an [`Index`].
pub fn may_change_index(text: &str) -> bool {
    crate::k8s::crd::may_define(text) || text.contains("kyverno-ls:")
}

impl Index {
    /// Reads the manifests, chainsaw tests and kustomizations among `paths` (the files of a
    /// walk below `root`); paths they name outside `root` are left out.
    pub fn build(files: &dyn Files, root: &Path, paths: &[PathBuf]) -> Index {
        let mut index = Index::default();
        let mut definitions = Vec::new();
        for path in paths {
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            let base = path.parent().unwrap_or(Path::new(""));
            if !is_index_file(path) {
                // Any YAML file may define kinds or name samples: cheap text tests spare
                // parsing the rest.
                let Ok(text) = files.read(path) else {
                    continue;
                };
                if crate::k8s::crd::may_define(&text) {
                    let found = crate::k8s::crd::read_all(&text);
                    if !found.is_empty() {
                        definitions.push((path.clone(), found));
                    }
                }
                let modeline = if text.contains("kyverno-ls:") {
                    crate::samples::modeline(&text)
                } else {
                    Vec::new()
                };
                for p in modeline {
                    let mut real = |p: &Path| files.real(p);
                    if let Ok(named) = paths::check(base, &p, root, &mut real) {
                        index.sample_files.insert(named);
                    }
                }
                continue;
            }
            let Ok(text) = files.read(path) else {
                continue;
            };
            let mut named = |p: &str| {
                let mut real = |p: &Path| files.real(p);
                paths::check(base, p, root, &mut real).ok()
            };
            let docs = crate::yaml::parse(&text, &Limits::default());
            let roots = docs.iter().filter_map(|d| d.root.as_ref());
            if name == MANIFEST_NAME {
                for doc in roots {
                    for listed in strings(doc.get("policies")).filter_map(&mut named) {
                        let manifests = index.listed.entry(listed).or_default();
                        if !manifests.contains(path) {
                            manifests.push(path.clone());
                        }
                    }
                }
            } else if CHAINSAW_TEST_NAMES.contains(&name) {
                for doc in roots {
                    for file in chainsaw_partial_files(doc) {
                        index.partial.extend(named(file));
                    }
                }
            } else {
                for doc in roots {
                    for file in kustomize_patches(doc) {
                        index.partial.extend(named(file));
                    }
                }
                if let Some(plan) = super::kustomize::plan(files, root, base)
                    && plan.has_policies()
                {
                    for read in plan.read {
                        index
                            .kustomized
                            .entry(read)
                            .or_default()
                            .insert(base.to_path_buf());
                    }
                }
            }
        }
        // A chainsaw assertion names only the parts of a CRD it checks: its schema would make
        // every other field look unknown.
        definitions.retain(|(path, _)| !index.is_partial(path));
        // The files the configuration files of the folder name as definitions, whatever
        // their extension: the walk found their folders through the YAML files below them.
        let mut folders: BTreeSet<&Path> = BTreeSet::from([root]);
        for path in paths {
            folders.extend(path.ancestors().skip(1).take_while(|a| a.starts_with(root)));
        }
        for folder in folders {
            let Some(config) = super::config::Config::in_folder(files, folder) else {
                continue;
            };
            if !config.names_crds() {
                continue;
            }
            index.crd_configs.insert(config.path.clone());
            for path in config.crd_files(files) {
                if definitions.iter().any(|(p, _)| *p == path) {
                    continue;
                }
                let found = files
                    .read(&path)
                    .map(|text| crate::k8s::crd::read_all(&text))
                    .unwrap_or_default();
                if !found.is_empty() {
                    definitions.push((path, found));
                }
            }
        }
        index.crd_files = definitions.iter().map(|(p, _)| p.clone()).collect();
        index.crds = Arc::new(crate::k8s::Catalog::new(
            definitions
                .into_iter()
                .flat_map(|(_, found)| found)
                .map(Arc::new)
                .collect(),
        ));
        index
    }

    /// Whether the file at `path` holds partial objects: it is in a `.chainsaw-test` folder,
    /// or a chainsaw assertion or a kustomization patch names it.
    pub fn is_partial(&self, path: &Path) -> bool {
        path.components().any(|c| c.as_os_str() == CHAINSAW_FOLDER) || self.partial.contains(path)
    }

    /// The manifests whose `policies` name the file at `policy` or a folder holding it.
    pub fn manifests_listing(&self, policy: &Path) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = Vec::new();
        for named in policy.ancestors() {
            for m in self.listed.get(named).into_iter().flatten() {
                if !out.contains(m) {
                    out.push(m.clone());
                }
            }
        }
        out.sort();
        out
    }
}

/// The string items of a sequence node.
fn strings(node: Option<&Node>) -> impl Iterator<Item = &str> {
    node.and_then(Node::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(Node::as_str)
}

/// The files of a chainsaw `Test`'s `assert` and `error` operations (in `try`, `catch` and
/// `finally` of every step): chainsaw compares only the fields they list.
fn chainsaw_partial_files(doc: &Node) -> Vec<&str> {
    let mut out = Vec::new();
    let steps = doc.get("spec").and_then(|s| s.get("steps"));
    for step in steps.and_then(Node::as_sequence).into_iter().flatten() {
        for block in ["try", "catch", "finally", "cleanup"] {
            for op in step
                .get(block)
                .and_then(Node::as_sequence)
                .into_iter()
                .flatten()
            {
                for kind in ["assert", "error"] {
                    if let Some(file) = op.get(kind).and_then(|a| a.get("file")?.as_str()) {
                        out.push(file);
                    }
                }
            }
        }
    }
    out
}

/// The patch files of a kustomization: `patchesStrategicMerge` entries and `patches[].path`.
fn kustomize_patches(doc: &Node) -> Vec<&str> {
    let mut out: Vec<&str> = strings(doc.get("patchesStrategicMerge")).collect();
    // `patchesJson6902` is the older spelling of `patches` with a target; both name a file in
    // `path`.
    for p in ["patches", "patchesJson6902"]
        .into_iter()
        .filter_map(|k| doc.get(k).and_then(Node::as_sequence))
        .flatten()
    {
        out.extend(p.get("path").and_then(Node::as_str));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vfs::tests::MemFiles;

    #[test]
    fn partial_files_and_manifests() {
        let chainsaw = "apiVersion: chainsaw.kyverno.io/v1alpha1\nkind: Test\nmetadata: {name: t}\nspec:\n  steps:\n  - try:\n    - apply: {file: ../policy.yaml}\n    - assert: {file: policy-ready.yaml}\n    catch:\n    - error: {file: bad.yaml}\n";
        let kustomization = "resources: [base.yaml]\npatchesStrategicMerge: [patch.yaml]\npatches:\n- path: json-patch.yaml\n- path: ../../../outside.yaml\npatchesJson6902:\n- target: {kind: ClusterPolicy, name: p}\n  path: old-json-patch.yaml\n";
        let manifest = "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nmetadata: {name: t}\npolicies: [../policy.yaml]\nresources: [r.yaml]\n";
        let files = MemFiles::new(&[
            ("/r/p/policy.yaml", ""),
            ("/r/p/e2e/chainsaw-test.yaml", chainsaw),
            ("/r/p/.kyverno-test/kyverno-test.yaml", manifest),
            ("/r/k/kustomization.yaml", kustomization),
        ]);
        let (all, _) = crate::vfs::walk(&files, Path::new("/r"), &crate::vfs::is_yaml);
        let index = Index::build(&files, Path::new("/r"), &all);
        assert_eq!(
            index.partial.iter().collect::<Vec<_>>(),
            [
                Path::new("/r/k/json-patch.yaml"),
                Path::new("/r/k/old-json-patch.yaml"),
                Path::new("/r/k/patch.yaml"),
                Path::new("/r/p/e2e/bad.yaml"),
                Path::new("/r/p/e2e/policy-ready.yaml"),
            ]
        );
        assert!(index.is_partial(Path::new("/r/q/.chainsaw-test/anything.yaml")));
        assert!(!index.is_partial(Path::new("/r/p/policy.yaml")));
        assert!(!index.is_partial(Path::new("/r/k/base.yaml")));
        assert_eq!(
            index.manifests_listing(Path::new("/r/p/policy.yaml")),
            [PathBuf::from("/r/p/.kyverno-test/kyverno-test.yaml")]
        );
        assert!(
            index
                .manifests_listing(Path::new("/r/k/base.yaml"))
                .is_empty()
        );
    }

    #[test]
    fn definitions_and_sample_files() {
        let crd = |kind: &str| {
            format!(
                "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nspec:\n  group: acme.io\n  names: {{kind: {kind}, plural: x}}\n  versions:\n  - name: v1\n"
            )
        };
        let policy =
            "# kyverno-ls: resources=samples/a.yaml,../../outside.yaml\nkind: ClusterPolicy\n";
        let files = MemFiles::new(&[
            ("/r/crds/gadget.yaml", &crd("Gadget")),
            // A chainsaw assertion about a CRD is a partial object, not a definition.
            ("/r/t/.chainsaw-test/crd-assert.yaml", &crd("Asserted")),
            ("/r/p/policy.yaml", policy),
        ]);
        let (all, _) = crate::vfs::walk(&files, Path::new("/r"), &crate::vfs::is_yaml);
        let index = Index::build(&files, Path::new("/r"), &all);
        assert!(index.crds.defines("Gadget"));
        assert!(!index.crds.defines("Asserted"));
        assert_eq!(
            index.crd_files.iter().collect::<Vec<_>>(),
            [Path::new("/r/crds/gadget.yaml")]
        );
        assert_eq!(
            index.sample_files.iter().collect::<Vec<_>>(),
            [Path::new("/r/p/samples/a.yaml")]
        );
    }

    #[test]
    fn configuration_files_name_more_definitions() {
        let crd = |kind: &str| {
            format!(
                r#"{{"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "spec": {{"group": "acme.io", "names": {{"kind": "{kind}", "plural": "x"}}, "versions": [{{"name": "v1"}}]}}}}"#
            )
        };
        let files = MemFiles::new(&[
            (
                "/r/.kyverno-ls.yaml",
                "crds: [api/*.json, missing/*.json]\n",
            ),
            ("/r/api/gadget.json", &crd("Gadget")),
            ("/r/api/nested/other.json", &crd("Other")),
            ("/r/p/policy.yaml", "kind: ClusterPolicy\n"),
            // A TOML configuration in a folder below, naming a file of its own folder.
            ("/r/p/.kyverno-ls.toml", "crds = [\"widget.crd\"]\n"),
            ("/r/p/widget.crd", &crd("Widget")),
            // Not named: a JSON file is not read for definitions otherwise.
            ("/r/q/sprocket.json", &crd("Sprocket")),
            ("/r/q/p.yaml", "kind: ClusterPolicy\n"),
        ]);
        let (all, _) = crate::vfs::walk(&files, Path::new("/r"), &crate::vfs::is_yaml);
        let index = Index::build(&files, Path::new("/r"), &all);
        assert_eq!(
            index.crds.custom_names().collect::<Vec<_>>(),
            ["Gadget", "Widget"]
        );
        assert_eq!(
            index.crd_files.iter().collect::<Vec<_>>(),
            [
                Path::new("/r/api/gadget.json"),
                Path::new("/r/p/widget.crd")
            ]
        );
        assert_eq!(
            index.crd_configs.iter().collect::<Vec<_>>(),
            [
                Path::new("/r/.kyverno-ls.yaml"),
                Path::new("/r/p/.kyverno-ls.toml")
            ]
        );
    }
}
