//! Finding a policy's samples on disk, for both shells: the files its modeline names (a), else
//! the `kyverno-test.yaml` manifests in its folder and the folders above it, up to the
//! workspace root, that list it (b). Reading goes through a closure, so the language server can
//! serve open documents from memory and tests need no disk; paths outside the root and URLs
//! are never read.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{Origin, Sample, SourceFile};
use crate::diag::Diagnostic;
use crate::testing::files::{self, MANIFEST_NAME};
use crate::testing::manifest::{self, Test, TestResult, Values};
use crate::testing::paths;
use crate::testing::run::{self, Resource};

/// What [`discover`] found.
#[derive(Debug, Clone, Default)]
pub struct Discovered {
    /// The samples, in file order (empty: fall back to same-file samples or the built-ins).
    pub samples: Vec<Sample>,
    /// Root names of the variables the test manifests' values provide (`analysis::Inputs::
    /// extra_variables`).
    pub extra_variables: Vec<String>,
    /// Every file read or looked for, found or not (what the editor watches).
    pub files: Vec<PathBuf>,
    /// Problems with the files (unreadable, outside the root, not YAML), for a log.
    pub errors: Vec<String>,
    /// Problems with the modeline's paths, as diagnostics on the path in the policy's text:
    /// refused (`path-outside-workspace`, `url-not-fetched`), unreadable
    /// (`sample-file-unreadable`) or without resources (`sample-file-empty`). The shells add
    /// them to the policy's diagnostics.
    pub refused: Vec<Diagnostic>,
}

/// `path` with `.` and `..` resolved lexically (no file system access).
pub fn normalize(path: &Path) -> PathBuf {
    paths::normalize(path)
}

/// Finds the samples of the policy at `policy_path` (whose text is `policy_text`) inside
/// `root`. `read` returns a file's text, or None when it cannot be read. Symbolic links are
/// not recognised here (see [`discover_with`]).
pub fn discover(
    policy_path: &Path,
    policy_text: &str,
    root: &Path,
    read: &mut dyn FnMut(&Path) -> Option<String>,
) -> Discovered {
    discover_with(policy_path, policy_text, root, &[], read, &mut |_| None)
}

/// [`discover`], with the manifests found elsewhere that list the policy (`listing`, from the
/// workspace's index of manifests: the library layout keeps them in a folder below the
/// policy), and `real` giving the real path of an existing file (symbolic links resolved), so
/// that a link leading out of the root is refused with a diagnostic.
pub fn discover_with(
    policy_path: &Path,
    policy_text: &str,
    root: &Path,
    listing: &[PathBuf],
    read: &mut dyn FnMut(&Path) -> Option<String>,
    real: &mut dyn FnMut(&Path) -> Option<PathBuf>,
) -> Discovered {
    let root = normalize(root);
    let policy_path = normalize(policy_path);
    let dir = policy_path.parent().unwrap_or(Path::new("")).to_path_buf();
    let mut found = Discovered::default();
    let lines = super::modeline_entries(policy_text);
    if !lines.is_empty() {
        let folder = paths::workspace_folder(&root);
        for (span, p) in &lines {
            let path = match paths::check(&dir, p, &root, real) {
                Ok(path) => path,
                Err(refusal) => {
                    found.errors.push(refusal.message(p, &folder));
                    found
                        .refused
                        .push(refusal.diagnostic(span.clone(), p, &folder));
                    continue;
                }
            };
            found.files.push(path.clone());
            match read(&path) {
                Some(text) => {
                    let file = Arc::new(SourceFile {
                        path: path.display().to_string(),
                        text,
                    });
                    let samples =
                        super::from_text(&file.text, Some(file.clone()), Origin::Modeline);
                    if samples.is_empty() {
                        found
                            .errors
                            .push(format!("{}: no resource in this file", path.display()));
                        found.refused.push(Diagnostic::warning(
                            "sample-file-empty",
                            span.clone(),
                            format!(
                                "`{p}` holds no resource to simulate against: its documents \
                                 are policies or other Kyverno files, or do not parse."
                            ),
                        ));
                    }
                    found.samples.extend(samples);
                }
                None => {
                    found
                        .errors
                        .push(format!("{}: cannot read this file", path.display()));
                    found.refused.push(Diagnostic::warning(
                        "sample-file-unreadable",
                        span.clone(),
                        format!(
                            "Cannot read `{p}` ({}): it is missing, a folder, or not UTF-8 \
                             text. The rules are simulated without its resources.",
                            path.display()
                        ),
                    ));
                }
            }
        }
        if !found.samples.is_empty() {
            super::dedupe_labels(&mut found.samples);
            return found;
        }
    }
    let policy_names = policy_names(policy_text);
    if policy_names.is_empty() {
        // Manifests list policies by name: a file without one has no samples to find.
        return found;
    }
    // The manifests in the policy's folder and the folders above it, then those listed
    // elsewhere; each once.
    let mut candidates: Vec<PathBuf> = Vec::new();
    let mut folder = Some(dir.as_path());
    while let Some(d) = folder {
        if !d.starts_with(&root) {
            break;
        }
        candidates.push(d.join(MANIFEST_NAME));
        if d == root {
            break;
        }
        folder = d.parent();
    }
    for m in listing {
        let m = normalize(m);
        if m.starts_with(&root) && !candidates.contains(&m) {
            candidates.push(m);
        }
    }
    let mut variables = BTreeSet::new();
    for manifest in candidates {
        found.files.push(manifest.clone());
        if let Some(text) = read(&manifest) {
            from_manifest(
                &manifest,
                &text,
                &policy_path,
                &policy_names,
                &root,
                read,
                real,
                &mut found,
                &mut variables,
            );
        }
    }
    // `request.*` values set fields of Kyverno's own variable.
    variables.remove("request");
    found.extra_variables = variables.into_iter().collect();
    super::dedupe_labels(&mut found.samples);
    found
}

/// `p` (as written in a file in `base`) inside `root`, or why it may not be read.
fn resolve(
    base: &Path,
    p: &str,
    root: &Path,
    real: &mut dyn FnMut(&Path) -> Option<PathBuf>,
) -> Result<PathBuf, String> {
    paths::check(base, p, root, real).map_err(|r| r.message(p, &paths::workspace_folder(root)))
}

/// `metadata.name` of every policy document of the text, of either family.
fn policy_names(text: &str) -> Vec<String> {
    crate::yaml::parse(text, &crate::yaml::Limits::default())
        .iter()
        .filter_map(|d| d.root.as_ref())
        .filter(|r| crate::checks::classify(r).is_simulated_policy())
        .filter_map(|r| r.get("metadata")?.get("name")?.as_str().map(String::from))
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn from_manifest(
    manifest: &Path,
    text: &str,
    policy_path: &Path,
    policy_names: &[String],
    root: &Path,
    read: &mut dyn FnMut(&Path) -> Option<String>,
    real: &mut dyn FnMut(&Path) -> Option<PathBuf>,
    found: &mut Discovered,
    variables: &mut BTreeSet<String>,
) {
    let base = manifest.parent().unwrap_or(Path::new(""));
    let docs = match files::parse_spanned_documents(text) {
        Ok(d) => d,
        Err(e) => {
            found.errors.push(format!("{}: {e}", manifest.display()));
            return;
        }
    };
    let manifest_file = Arc::new(SourceFile {
        path: manifest.display().to_string(),
        text: text.to_string(),
    });
    for (doc, spanned) in &docs {
        let Ok(test) = manifest::decode_test(doc) else {
            continue;
        };
        let result_spans: Vec<crate::diag::Span> = spanned
            .get("results")
            .and_then(crate::yaml::Node::as_sequence)
            .map(|rs| rs.iter().map(|r| r.span.clone()).collect())
            .unwrap_or_default();
        let lists_policy = test
            .policies
            .iter()
            // A policy entry may name the file or a folder holding it.
            .any(|p| resolve(base, p, root, real).is_ok_and(|path| policy_path.starts_with(&path)));
        if !lists_policy {
            continue;
        }
        match load(&test, base, root, read, real, found) {
            Ok((resources, values, user_info, files_read)) => {
                for (k, _) in values.global_values.iter() {
                    variables.insert(root_name(k));
                }
                for p in &values.policies {
                    for (_, vals) in &p.resources {
                        variables.extend(vals.keys().map(|k| root_name(k)));
                    }
                    for r in &p.rules {
                        variables.extend(r.values.keys().map(|k| root_name(k)));
                        variables.extend(r.foreach_values.keys().map(|k| root_name(k)));
                    }
                }
                // The values of the first policy of this file the manifest gives values for.
                let policy = policy_names
                    .iter()
                    .find(|n| values.policies.iter().any(|p| p.name == **n))
                    .or(policy_names.first())
                    .cloned()
                    .unwrap_or_default();
                let (context_resources, images) =
                    load_context(&test, base, root, read, real, found);
                let (exceptions, cel_exceptions) =
                    load_exceptions(&test, base, root, read, real, found);
                let inputs = run::Inputs {
                    cel_exceptions,
                    context_resources,
                    images,
                    policies: Vec::new(),
                    resources: Vec::new(),
                    values,
                    user_info,
                    cluster_resources: Vec::new(),
                    param_resources: Vec::new(),
                    // The editor does not read `targetResources` yet: a rule with `targets`
                    // finds no object there.
                    targets: Vec::new(),
                    api_responses: test
                        .api_call_responses
                        .iter()
                        .map(|a| a.to_engine())
                        .collect(),
                    global_context: Default::default(),
                    exceptions,
                    expected_files: Default::default(),
                    clone_sources: Default::default(),
                };
                for (resource, file, span) in resources {
                    let op = run::operation_for(
                        &TestResult::default(),
                        &inputs.values,
                        &policy,
                        &resource.name,
                    )
                    .unwrap_or_default();
                    let request = run::build_request(&inputs, &policy, &resource, op);
                    let json = resource.value.to_json();
                    let kind = files::str_field(&json, "kind");
                    let expectations = test
                        .results
                        .iter()
                        .enumerate()
                        .filter_map(|(i, r)| {
                            let name = r.policy_name();
                            let names_it = policy_names.iter().any(|n| n == name)
                                && (r.kind.is_empty() || r.kind == kind)
                                && (r.resources.is_empty()
                                    || r.resources.iter().any(|e| {
                                        run::resource_matches(
                                            e,
                                            &resource.name,
                                            &resource.namespace,
                                        )
                                    }));
                            names_it.then(|| super::Expectation {
                                policy: name.to_string(),
                                rule: r.rule.clone(),
                                result: r.result.clone(),
                                patched: !r.patched_resources.is_empty(),
                                manifest: manifest_file.clone(),
                                span: result_spans.get(i).cloned().unwrap_or(0..0),
                            })
                        })
                        .collect();
                    found.samples.push(Sample {
                        label: super::label_of(&json),
                        origin: Origin::TestManifest,
                        request,
                        file: Some(file),
                        span: Some(span),
                        expectations,
                        // `kyverno test` loads a resource without a namespace into `default`.
                        movable: false,
                    });
                }
                let _ = files_read;
            }
            Err(e) => found.errors.push(format!("{}: {e}", manifest.display())),
        }
    }
}

fn root_name(key: &str) -> String {
    key.split('.').next().unwrap_or(key).to_string()
}

type Loaded = (
    Vec<(Resource, Arc<SourceFile>, crate::diag::Span)>,
    Values,
    Option<manifest::UserInfoFile>,
    usize,
);

/// The text of a file the test names (relative to `base`), recorded in `found` so that a
/// change to it re-runs the analysis; None when it is refused or cannot be read.
fn read_listed(
    name: &str,
    base: &Path,
    root: &Path,
    read: &mut dyn FnMut(&Path) -> Option<String>,
    real: &mut dyn FnMut(&Path) -> Option<PathBuf>,
    found: &mut Discovered,
) -> Option<String> {
    let path = resolve(base, name, root, real).ok()?;
    found.files.push(path.clone());
    read(&path)
}

/// The objects and image data of the test's `context` file, which CEL's `resource` and
/// `image` libraries read. A file that cannot be read or decoded gives none: the test
/// runner reports it.
fn load_context(
    test: &Test,
    base: &Path,
    root: &Path,
    read: &mut dyn FnMut(&Path) -> Option<String>,
    real: &mut dyn FnMut(&Path) -> Option<PathBuf>,
    found: &mut Discovered,
) -> (
    Vec<crate::engine::Value>,
    std::collections::BTreeMap<String, crate::engine::Value>,
) {
    let none = (Vec::new(), Default::default());
    if test.context.is_empty() {
        return none;
    }
    let Some(text) = read_listed(&test.context, base, root, read, real, found) else {
        return none;
    };
    let docs = crate::yaml::parse(&text, &crate::yaml::Limits::default());
    let Some(doc) = docs.first().filter(|d| !d.has_errors()) else {
        return none;
    };
    let Some(node) = &doc.root else {
        return none;
    };
    match manifest::decode_context(&node.to_json()) {
        Ok(c) => (
            c.resources
                .iter()
                .map(crate::engine::Value::from_json)
                .collect(),
            c.images
                .iter()
                .map(|(k, v)| (k.clone(), crate::engine::Value::from_json(v)))
                .collect(),
        ),
        Err(_) => none,
    }
}

/// The test's PolicyExceptions: `kyverno.io` ones, then `policies.kyverno.io` ones (for CEL
/// policies), each a whole document. Files that cannot be read or parsed add nothing; `check`
/// and `test` report them.
fn load_exceptions(
    test: &Test,
    base: &Path,
    root: &Path,
    read: &mut dyn FnMut(&Path) -> Option<String>,
    real: &mut dyn FnMut(&Path) -> Option<PathBuf>,
    found: &mut Discovered,
) -> (Vec<crate::engine::Value>, Vec<crate::engine::Value>) {
    let (mut exceptions, mut cel_exceptions) = (Vec::new(), Vec::new());
    for e in &test.exceptions {
        let Some(docs) = read_listed(e, base, root, read, real, found)
            .and_then(|t| files::parse_documents(&t).ok())
        else {
            continue;
        };
        for doc in docs {
            let list = if files::str_field(&doc, "apiVersion").starts_with("policies.kyverno.io/") {
                &mut cel_exceptions
            } else {
                &mut exceptions
            };
            list.push(crate::engine::Value::from_json(&doc));
        }
    }
    (exceptions, cel_exceptions)
}

/// The resources, values and user info a test names, read through `read`.
fn load(
    test: &Test,
    base: &Path,
    root: &Path,
    read: &mut dyn FnMut(&Path) -> Option<String>,
    real: &mut dyn FnMut(&Path) -> Option<PathBuf>,
    found: &mut Discovered,
) -> Result<Loaded, String> {
    let mut read_file = |p: &str, found: &mut Discovered| -> Result<(PathBuf, String), String> {
        let path = resolve(base, p, root, real)?;
        found.files.push(path.clone());
        let text = read(&path).ok_or_else(|| format!("cannot read `{p}`"))?;
        Ok((path, text))
    };
    let mut resources = Vec::new();
    let mut seen = BTreeSet::new();
    for r in &test.resources {
        let (path, text) = read_file(r, found)?;
        let file = Arc::new(SourceFile {
            path: path.display().to_string(),
            text,
        });
        let docs = crate::yaml::parse(&file.text, &crate::yaml::Limits::default());
        for doc in &docs {
            let Some(root_node) = &doc.root else { continue };
            if doc.has_errors() {
                return Err(format!("resource `{r}` does not parse"));
            }
            let json = files::default_namespace(root_node.to_json());
            let key = (
                files::str_field(&json, "apiVersion").to_string(),
                files::str_field(&json, "kind").to_string(),
                files::meta_str(&json, "namespace").to_string(),
                files::meta_str(&json, "name").to_string(),
            );
            if !seen.insert(key) {
                continue;
            }
            resources.push((
                Resource {
                    name: files::meta_str(&json, "name").to_string(),
                    namespace: files::meta_str(&json, "namespace").to_string(),
                    value: crate::engine::Value::from_json(&json),
                },
                file.clone(),
                doc.span.clone(),
            ));
        }
    }
    let values = if let Some(v) = &test.values {
        v.clone()
    } else if !test.variables.is_empty() {
        let (_, text) = read_file(&test.variables, found)?;
        let docs = files::parse_documents(&text)
            .map_err(|e| format!("values file `{}`: {e}", test.variables))?;
        match docs.first() {
            Some(d) => manifest::decode_values_spec(d, "", true)
                .map_err(|e| format!("values file `{}`: {e}", test.variables))?,
            None => Values::default(),
        }
    } else {
        Values::default()
    };
    let user_info = if test.userinfo.is_empty() {
        None
    } else {
        let (_, text) = read_file(&test.userinfo, found)?;
        let docs = files::parse_documents(&text)
            .map_err(|e| format!("user info file `{}`: {e}", test.userinfo))?;
        match docs.first() {
            Some(d) => Some(
                manifest::decode_user_info(d)
                    .map_err(|e| format!("user info file `{}`: {e}", test.userinfo))?,
            ),
            None => None,
        }
    };
    Ok((resources, values, user_info, 0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn fs(files: &[(&str, &str)]) -> impl FnMut(&Path) -> Option<String> + use<> {
        let map: HashMap<PathBuf, String> = files
            .iter()
            .map(|(p, t)| (PathBuf::from(p), t.to_string()))
            .collect();
        move |p: &Path| map.get(p).cloned()
    }

    const POLICY: &str = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: require-team\nspec:\n  rules:\n  - name: r\n    match: {any: [{resources: {kinds: [Pod]}}]}\n    validate: {pattern: {metadata: {labels: {team: '?*'}}}}\n";
    const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers: [{name: c, image: nginx}]\n";

    #[test]
    fn modeline_files_inside_the_root() {
        let policy = format!(
            "# kyverno-ls: resources=pods/web.yaml,../../etc/passwd,https://x/y.yaml\n{POLICY}"
        );
        let mut read = fs(&[("/ws/p/pods/web.yaml", POD)]);
        let d = discover(
            Path::new("/ws/p/policy.yaml"),
            &policy,
            Path::new("/ws"),
            &mut read,
        );
        let labels: Vec<&str> = d.samples.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["Pod web"]);
        assert_eq!(d.samples[0].origin, Origin::Modeline);
        assert_eq!(
            d.samples[0].file.as_ref().unwrap().path,
            "/ws/p/pods/web.yaml"
        );
        assert_eq!(d.errors.len(), 2, "{:?}", d.errors);
        let refused: Vec<(&str, &str, &str)> = d
            .refused
            .iter()
            .map(|r| (r.code, &policy[r.span.clone()], r.message.as_str()))
            .collect();
        assert_eq!(
            refused,
            [
                (
                    "path-outside-workspace",
                    "../../etc/passwd",
                    "`../../etc/passwd` (/etc/passwd) is outside the workspace folder /ws; kyverno-ls reads only files inside it."
                ),
                (
                    "url-not-fetched",
                    "https://x/y.yaml",
                    "`https://x/y.yaml` is a URL; kyverno-ls never fetches anything. Use a file inside the workspace folder /ws."
                ),
            ]
        );
    }

    #[test]
    fn test_manifests_in_ancestors_that_list_the_policy() {
        let manifest = "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nmetadata: {name: t}\npolicies: [policies/policy.yaml]\nresources: [resources.yaml]\nvariables: values.yaml\nresults: []\n";
        let other = "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nmetadata: {name: t}\npolicies: [other.yaml]\nresources: [resources.yaml]\nresults: []\n";
        let values = "apiVersion: cli.kyverno.io/v1alpha1\nkind: Values\nglobalValues:\n  team.name: a\npolicies:\n- name: require-team\n  resources:\n  - name: web\n    values:\n      request.operation: UPDATE\n";
        let mut read = fs(&[
            ("/ws/kyverno-test.yaml", manifest),
            ("/ws/policies/kyverno-test.yaml", other),
            ("/ws/resources.yaml", POD),
            ("/ws/values.yaml", values),
        ]);
        let d = discover(
            Path::new("/ws/policies/policy.yaml"),
            POLICY,
            Path::new("/ws"),
            &mut read,
        );
        assert_eq!(d.samples.len(), 1, "{:?}", d.errors);
        let s = &d.samples[0];
        assert_eq!(s.label, "Pod web");
        assert_eq!(s.origin, Origin::TestManifest);
        assert_eq!(s.request.operation, crate::engine::Operation::Update);
        assert!(s.request.variables.contains_key("team.name"));
        assert_eq!(d.extra_variables, ["team"]);
        assert!(
            d.files
                .contains(&PathBuf::from("/ws/policies/kyverno-test.yaml"))
        );
    }

    #[test]
    fn a_manifests_context_file_reaches_the_samples() {
        let manifest = "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nmetadata: {name: t}\npolicies: [policy.yaml]\nresources: [resources.yaml]\ncontext: context.yaml\nresults: []\n";
        let context = "apiVersion: cli.kyverno.io/v1alpha1\nkind: Context\nmetadata: {name: c}\nspec:\n  resources:\n  - {apiVersion: v1, kind: ConfigMap, metadata: {name: a, namespace: default}}\n  images:\n  - image: nginx\n    config: {User: nobody}\n";
        let mut read = fs(&[
            ("/ws/kyverno-test.yaml", manifest),
            ("/ws/resources.yaml", POD),
            ("/ws/context.yaml", context),
        ]);
        let d = discover(
            Path::new("/ws/policy.yaml"),
            POLICY,
            Path::new("/ws"),
            &mut read,
        );
        assert_eq!(d.samples.len(), 1, "{:?}", d.errors);
        let r = &d.samples[0].request;
        assert_eq!(r.context_resources.len(), 1);
        assert_eq!(
            r.images
                .get("nginx")
                .map(|v| v.str_at(&["config", "User"]).to_string()),
            Some("nobody".to_string())
        );
        assert!(d.files.contains(&PathBuf::from("/ws/context.yaml")));
    }

    #[test]
    fn nothing_outside_the_root() {
        let mut read = |p: &Path| -> Option<String> {
            assert!(p.starts_with("/ws"), "read {}", p.display());
            None
        };
        let d = discover(
            Path::new("/ws/a/b/p.yaml"),
            POLICY,
            Path::new("/ws"),
            &mut read,
        );
        assert!(d.samples.is_empty());
        assert_eq!(d.files.len(), 3);
    }
}
