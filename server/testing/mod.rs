//! The test runner: `kyverno test` for `kyverno-test.yaml` manifests, over the simulator.
//!
//! - `decode` strict field decoding (Go's case-insensitive matching, unknown fields are errors);
//! - `manifest` the `Test`, values and user info file types;
//! - `files` manifest discovery, the read sandbox, YAML documents, namespace defaulting;
//! - `run` loads one manifest's inputs, runs the engine and matches results to responses;
//! - `render` text table, JSON and JUnit output.
//!
//! This is a shell around the pure engine: it reads files (only inside the folders being
//! tested, never a URL) and takes the clock from its caller through [`Env`].

pub mod decode;
pub mod files;
pub mod manifest;
pub mod paths;
pub mod render;
pub mod run;

#[cfg(test)]
mod tests;

use std::path::PathBuf;

use crate::engine::Env;

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Count rows with no rule response as passed, as `kyverno test` does ("Excluded").
    pub compat: bool,
    /// Folders files may be read from (empty: anywhere).
    pub roots: Vec<PathBuf>,
    /// Give each manifest its own roots (the command line): its repository, or, outside any
    /// repository, `roots` plus the folder above its own (see [`files::manifest_roots`]). The
    /// language server leaves it off, as its workspace folders already say what may be read.
    pub per_manifest: bool,
    /// Policies rendered rather than read (a Helm chart's), which the shell renders: the
    /// runner starts no process. None reads every path as files.
    pub rendering: Option<std::sync::Arc<dyn Rendering>>,
}

/// Paths of a manifest's `policies:` that stand for policies rendered from files rather than
/// for the files themselves: a Helm chart's folder, or a template below its `templates/`
/// (see `host::helm::ChartPolicies`).
pub trait Rendering: Send + Sync {
    /// The rendered policies' text that `path` stands for, or why there is none; None when
    /// `path` is read as it is.
    fn policies(
        &self,
        files: &dyn crate::vfs::Files,
        path: &std::path::Path,
    ) -> Option<Result<String, String>>;
}

impl std::fmt::Debug for dyn Rendering {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Rendering")
    }
}

/// One expected result: a (result entry, listed resource) pair.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub manifest: String,
    pub policy: String,
    pub rule: String,
    pub resource: String,
    pub kind: String,
    pub expected: String,
    /// `pass|fail|skip|error|warn|none|unsupported`.
    pub actual: String,
    pub ok: bool,
    pub message: String,
    /// What the policy rule is: `pattern`, `anyPattern`, `deny`, `foreach`, `podSecurity`,
    /// `cel`, `mutate`, `generate`, `verifyImages`, `validate` (other validate forms),
    /// `rule-less` (policies.kyverno.io kinds), or `` when the rule or policy is unknown.
    pub rule_type: String,
    /// The policy's `apiVersion` (`kyverno.io/v1`, ...), when the policy was found.
    pub policy_api_version: String,
    /// The policy gave a response for the resource, but none for this row's rule (the resource
    /// is excluded, or a foreach had no element): `kyverno test` then reports the row as a pass
    /// ("Excluded") whatever `result:` says. kyverno-ls reports it only with `--compat`.
    pub excluded: bool,
}

impl Row {
    pub fn is_unsupported(&self) -> bool {
        self.actual == "unsupported"
    }

    pub fn is_mismatch(&self) -> bool {
        !self.ok && !self.is_unsupported()
    }

    /// Whether `kyverno test` gives this row the verdict kyverno-ls gives it: kyverno-ls passes
    /// it, or finds what was expected (`kyverno test` also passes a row whose expected `fail`
    /// comes from a patched resource that differs), or both leave it out, or both find no rule
    /// response where a pass or skip was expected. An excluded row that expected `fail` counts
    /// as a disagreement: the author saw the rule fail, so the exclusion is suspect.
    pub fn agrees(&self) -> bool {
        self.ok
            || self.actual == self.expected
            || self.is_dropped()
            || (self.excluded && self.expected != "fail")
    }

    /// A row that `kyverno test` leaves out of its report (its expected patched resource file
    /// has no document for the resource): kyverno-ls leaves it unchecked in the same way.
    pub fn is_dropped(&self) -> bool {
        self.ok && self.actual == "none" && self.message.ends_with(DROPPED)
    }
}

/// Ends the message of a row that `kyverno test` drops.
pub(crate) const DROPPED: &str = "(kyverno test drops the row)";

/// A manifest (or one document of it) that could not run.
#[derive(Debug, Clone, PartialEq)]
pub struct ManifestError {
    pub manifest: String,
    pub message: String,
}

/// Everything one run found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub manifests: usize,
    pub results: Vec<Row>,
    pub errors: Vec<ManifestError>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub total: usize,
    pub ok: usize,
    pub mismatch: usize,
    pub unsupported: usize,
}

impl Report {
    pub fn summary(&self) -> Summary {
        let mut s = Summary {
            total: self.results.len(),
            ..Summary::default()
        };
        for r in &self.results {
            if r.ok {
                s.ok += 1;
            } else if r.is_unsupported() {
                s.unsupported += 1;
            } else {
                s.mismatch += 1;
            }
        }
        s
    }

    /// The process exit code: 1 when a row mismatches or a manifest could not run.
    pub fn exit_code(&self) -> i32 {
        i32::from(self.summary().mismatch > 0 || !self.errors.is_empty())
    }
}

/// Runs every manifest below `paths`.
pub fn run_paths(
    vfs: &dyn crate::vfs::Files,
    paths: &[PathBuf],
    options: &Options,
    env: &Env,
) -> Report {
    let mut report = Report::default();
    for path in paths {
        let text = path.to_string_lossy();
        if files::is_url(&text) {
            report.errors.push(ManifestError {
                manifest: text.into_owned(),
                message: "git and HTTP sources are unsupported: kyverno-ls never fetches \
                          anything; clone the repository and pass its folder"
                    .into(),
            });
            continue;
        }
        match files::find_manifests(vfs, path) {
            Ok(manifests) => {
                for m in manifests {
                    report.manifests += 1;
                    if options.per_manifest {
                        let own = Options {
                            roots: files::manifest_roots(&m, &options.roots),
                            ..options.clone()
                        };
                        run::run_manifest(vfs, &m, &own, env, &mut report);
                    } else {
                        run::run_manifest(vfs, &m, options, env, &mut report);
                    }
                }
            }
            Err(message) => report.errors.push(ManifestError {
                manifest: text.into_owned(),
                message,
            }),
        }
    }
    report
}
