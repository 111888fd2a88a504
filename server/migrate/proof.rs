//! The proof that a migrated policy decides as its original rule does: both are simulated on
//! the same resources, and the test manifests that list the original are migrated and run
//! against the migrated policy.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::Migrated;
use crate::engine::{self, Env, Request, Status};
use crate::jmespath::value::Value as EValue;
use crate::testing::{self, Report};
use crate::vfs::{DirEntry, Files};

/// The first line of a migration whose proof found a difference, for review only.
pub const DIFFERS: &str = "# kyverno-ls: the proof found differences; review before use\n";

/// A resource on which the two policies disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub resource: String,
    /// The original rule's verdict and the migrated policy's (`none`: no response).
    pub before: String,
    pub after: String,
}

impl Difference {
    /// Whether admission would still decide the same: `pass`, `skip` and no response admit,
    /// `fail` and `error` report or deny.
    pub fn same_decision(&self) -> bool {
        let admits = |s: &str| matches!(s, "pass" | "skip" | "none");
        admits(&self.before) == admits(&self.after)
    }
}

/// One verdict of several responses: the worst.
fn verdict(statuses: impl Iterator<Item = Status>) -> String {
    let rank = |s: &Status| match s {
        Status::Error => 5,
        Status::Fail => 4,
        Status::Unsupported => 3,
        Status::Warn => 2,
        Status::Pass => 1,
        Status::Skip => 0,
    };
    statuses
        .max_by_key(rank)
        .map_or("none".to_string(), |s| s.as_str().to_string())
}

/// A test manifest migrated with its policy, and what running it gave.
#[derive(Debug, Clone)]
pub struct ManifestProof {
    /// The original manifest, and where the migrated one goes (beside it).
    pub manifest: PathBuf,
    pub migrated_manifest: PathBuf,
    pub text: String,
    /// Rows of the migrated policies, and how many of them pass.
    pub rows: usize,
    pub passed: usize,
    /// Rows of the original rules that kyverno-ls's run of the original manifest passes: a
    /// row that already failed there says nothing about the migration.
    pub original_passed: usize,
    pub failures: Vec<testing::Row>,
}

/// Where the migrated version of `path` goes: `policy.yaml` → `policy.vpol.yaml`.
pub fn migrated_path(path: &Path) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ext = path
        .extension()
        .map_or("yaml".to_string(), |e| e.to_string_lossy().into_owned());
    path.with_file_name(format!("{stem}.vpol.{ext}"))
}

/// Files with some texts put in front: the migrated documents, before they are written.
pub struct Overlay<'a> {
    pub base: &'a dyn Files,
    pub texts: Vec<(PathBuf, String)>,
}

impl Overlay<'_> {
    fn find(&self, path: &Path) -> Option<&(PathBuf, String)> {
        let path = real_folder(path);
        self.texts.iter().find(|(p, _)| real_folder(p) == path)
    }
}

/// A path with its folder's links resolved (the file itself need not exist yet), so that the
/// same file named through a symbolic link and through its real folder compares equal, as the
/// test runner's sandbox names it by its real path.
fn real_folder(path: &Path) -> PathBuf {
    let path = crate::samples::discover::normalize(path);
    match (
        path.parent().and_then(|d| d.canonicalize().ok()),
        path.file_name(),
    ) {
        (Some(dir), Some(name)) => dir.join(name),
        _ => path,
    }
}

impl Files for Overlay<'_> {
    fn read(&self, path: &Path) -> Result<String, String> {
        match self.find(path) {
            Some((_, t)) => Ok(t.clone()),
            None => self.base.read(path),
        }
    }

    fn real(&self, path: &Path) -> Option<PathBuf> {
        if let Some((p, _)) = self.find(path) {
            return Some(p.clone());
        }
        self.base.real(path)
    }

    fn list(&self, dir: &Path) -> Option<Vec<DirEntry>> {
        let mut entries = self.base.list(dir)?;
        for (p, _) in &self.texts {
            if p.parent() == Some(dir) && !entries.iter().any(|e| &e.path == p) {
                entries.push(DirEntry {
                    path: p.clone(),
                    is_dir: false,
                });
            }
        }
        Some(entries)
    }
}

/// Migrates the manifest at `manifest`, which lists the policy file `policy_file`, whose rules
/// became `migrated` (every rule of the policy named `policy`), and runs both the original and
/// the migrated one. `files` reads the disk; the migrated policy's text is `policy_text`.
#[allow(clippy::too_many_arguments)]
pub fn prove_manifest(
    files: &dyn Files,
    manifest: &Path,
    policy_file: &Path,
    policy: &str,
    migrated: &[Migrated],
    policy_text: &str,
    options: &testing::Options,
    env: &Env,
) -> Result<ManifestProof, String> {
    let text = files.read(manifest)?;
    let docs = testing::files::parse_documents(&text)?;
    let base = manifest.parent().unwrap_or(Path::new("."));
    let new_policy = migrated_path(policy_file);
    let mut out_docs = Vec::new();
    for doc in docs {
        out_docs.push(migrate_test(
            doc,
            base,
            policy_file,
            &new_policy,
            policy,
            migrated,
        ));
    }
    let migrated_manifest = migrated_path(manifest);
    let texts: Vec<String> = out_docs
        .iter()
        .map(|d| crate::ide::changes::to_yaml(&crate::jmespath::value::Value::from_json(d)))
        .collect();
    let manifest_text = texts.join("---\n");
    let overlay = Overlay {
        base: files,
        texts: vec![
            (new_policy.clone(), policy_text.to_string()),
            (migrated_manifest.clone(), manifest_text.clone()),
        ],
    };
    let names: Vec<&str> = migrated.iter().map(|m| m.name.as_str()).collect();
    let mut after = Report::default();
    testing::run::run_manifest(&overlay, &migrated_manifest, options, env, &mut after);
    if let Some(e) = after.errors.first() {
        return Err(e.message.clone());
    }
    let ours: Vec<testing::Row> = after
        .results
        .into_iter()
        .filter(|r| names.contains(&short(&r.policy)))
        .collect();
    let mut before = Report::default();
    testing::run::run_manifest(files, manifest, options, env, &mut before);
    let original_passed = before
        .results
        .iter()
        .filter(|r| short(&r.policy) == policy && r.agrees())
        .count();
    Ok(ManifestProof {
        manifest: manifest.to_path_buf(),
        migrated_manifest,
        text: manifest_text,
        rows: ours.len(),
        passed: ours.iter().filter(|r| r.agrees()).count(),
        original_passed,
        failures: ours.into_iter().filter(|r| !r.agrees()).collect(),
    })
}

/// A policy name without its `namespace/`.
fn short(policy: &str) -> &str {
    policy.rsplit('/').next().unwrap_or(policy)
}

/// One `Test` document with the policy file replaced by its migration and the rows of its
/// rules renamed to the migrated policies.
fn migrate_test(
    mut doc: Value,
    base: &Path,
    policy_file: &Path,
    new_policy: &Path,
    policy: &str,
    migrated: &[Migrated],
) -> Value {
    let same = |entry: &str| {
        let p = base.join(entry);
        crate::samples::discover::normalize(&p) == crate::samples::discover::normalize(policy_file)
    };
    if let Some(list) = doc.get_mut("policies").and_then(Value::as_array_mut) {
        for entry in list.iter_mut() {
            if entry.as_str().is_some_and(same) {
                let name = new_policy
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let relative = entry
                    .as_str()
                    .and_then(|e| Path::new(e).parent())
                    .map(|dir| dir.join(&name).to_string_lossy().into_owned())
                    .unwrap_or(name);
                *entry = json!(relative);
            }
        }
    }
    if let Some(results) = doc.get_mut("results").and_then(Value::as_array_mut) {
        for row in results.iter_mut() {
            let Some(obj) = row.as_object_mut() else {
                continue;
            };
            let Some(p) = obj
                .get("policy")
                .and_then(Value::as_str)
                .map(str::to_string)
            else {
                continue;
            };
            if short(&p) != policy {
                continue;
            }
            let rule = obj.get("rule").and_then(Value::as_str).unwrap_or_default();
            let source = rule
                .strip_prefix("autogen-cronjob-")
                .or_else(|| rule.strip_prefix("autogen-"))
                .filter(|r| migrated.iter().any(|m| m.rule == *r))
                .unwrap_or(rule);
            let target = migrated
                .iter()
                .find(|m| m.rule == source)
                .or_else(|| (migrated.len() == 1).then(|| &migrated[0]));
            let Some(target) = target else { continue };
            let renamed = match p.rsplit_once('/') {
                Some((ns, _)) => format!("{ns}/{}", target.name),
                None => target.name.clone(),
            };
            obj.insert("policy".into(), json!(renamed));
            obj.remove("rule");
            obj.insert("isValidatingPolicy".into(), json!(true));
        }
    }
    doc
}

/// What the proof of one file's migration found.
#[derive(Debug, Clone, Default)]
pub struct FileProof {
    /// Resources both versions were simulated on.
    pub samples: usize,
    /// Per migrated policy (by its new name): where its verdict differs.
    pub differences: Vec<(String, Difference)>,
    /// The manifests that list the file, migrated and run.
    pub manifests: Vec<ManifestProof>,
    /// Manifests that could not be migrated or run, and why.
    pub manifest_errors: Vec<(PathBuf, String)>,
}

impl FileProof {
    /// Whether nothing differs: every sample decides alike and every migrated row that the
    /// original run passes still passes.
    pub fn holds(&self) -> bool {
        self.differences.is_empty()
            && self.manifest_errors.is_empty()
            && self.manifests.iter().all(|m| m.passed >= m.original_passed)
    }
}

/// Proves the migration of the policy file at `path` (its text `text`, analysed as
/// `analysis`): on the built-in samples and the file's own, and with every `kyverno-test.yaml`
/// in its folder (or below) that lists it, as `kyverno test` would run it.
pub fn prove_file(
    files: &dyn Files,
    path: &Path,
    analysis: &crate::analysis::Analysis,
    migration: &super::Migration,
    options: &testing::Options,
    env: &Env,
) -> FileProof {
    let mut proof = prove_samples(analysis, migration, env);
    let originals: Vec<String> = analysis
        .documents
        .iter()
        .filter_map(|d| Some(d.policy.as_ref()?.name.clone()))
        .collect();
    let folder = path.parent().unwrap_or(Path::new("."));
    let manifests = testing::files::find_manifests(files, folder).unwrap_or_default();
    let policy_text = migration.yaml();
    for manifest in manifests {
        let Ok(text) = files.read(&manifest) else {
            continue;
        };
        let Ok(docs) = testing::files::parse_documents(&text) else {
            continue;
        };
        let base = manifest.parent().unwrap_or(Path::new("."));
        let lists = docs.iter().any(|d| {
            d.get("policies")
                .and_then(Value::as_array)
                .is_some_and(|ps| {
                    ps.iter().filter_map(Value::as_str).any(|p| {
                        crate::samples::discover::normalize(&base.join(p))
                            == crate::samples::discover::normalize(path)
                    })
                })
        });
        if !lists {
            continue;
        }
        for policy in &originals {
            let ours: Vec<Migrated> = migration
                .migrated
                .iter()
                .filter(|m| &m.policy == policy)
                .cloned()
                .collect();
            if ours.is_empty() {
                continue;
            }
            if migration.refused.iter().any(|r| &r.policy == policy) {
                proof.manifest_errors.push((
                    manifest.clone(),
                    format!("some rules of `{policy}` were refused, so its rows are not migrated"),
                ));
                continue;
            }
            match prove_manifest(
                files,
                &manifest,
                path,
                policy,
                &ours,
                &policy_text,
                options,
                env,
            ) {
                Ok(p) => proof.manifests.push(p),
                Err(e) => proof.manifest_errors.push((manifest.clone(), e)),
            }
        }
    }
    proof
}

/// The first half of the proof, which needs no files: the built-in samples and those the
/// analysis found (the file's own, its manifests' resources), simulated with the original
/// rules and the migrated policies.
pub fn prove_samples(
    analysis: &crate::analysis::Analysis,
    migration: &super::Migration,
    env: &Env,
) -> FileProof {
    let mut proof = FileProof::default();
    let mut samples = crate::samples::builtin();
    for s in &analysis.samples {
        if !samples.iter().any(|b| b.label == s.label) {
            samples.push(s.clone());
        }
    }
    proof.samples = samples.len();
    // Each original policy is simulated once per sample, for all its migrated rules.
    for d in &analysis.documents {
        let (Some(policy), Some(root)) = (&d.policy, &d.doc.root) else {
            continue;
        };
        let ours: Vec<(&Migrated, EValue)> = migration
            .migrated
            .iter()
            .filter(|m| m.policy == policy.name)
            .map(|m| (m, EValue::from_json(&m.document)))
            .collect();
        if ours.is_empty() {
            continue;
        }
        let original = EValue::from_json(&root.to_json());
        let mut found: Vec<(usize, String, Difference)> = Vec::new();
        for s in &samples {
            let request: &Request = &s.request;
            let responses = engine::evaluate(&original, request, env);
            for (i, (m, after_policy)) in ours.iter().enumerate() {
                let before = verdict(
                    responses
                        .iter()
                        .filter(|r| r.source == m.rule_index)
                        .map(|r| r.status),
                );
                let after = verdict(
                    engine::evaluate(after_policy, request, env)
                        .iter()
                        .map(|r| r.status),
                );
                // No response and a skip both mean the rule did not apply.
                let applied = |v: &str| if v == "skip" { "none" } else { v }.to_string();
                if applied(&before) != applied(&after) {
                    found.push((
                        i,
                        m.name.clone(),
                        Difference {
                            resource: s.label.clone(),
                            before,
                            after,
                        },
                    ));
                }
            }
        }
        // Reported policy by policy, each in sample order.
        found.sort_by_key(|(i, _, _)| *i);
        proof
            .differences
            .extend(found.into_iter().map(|(_, name, d)| (name, d)));
    }
    proof
}
