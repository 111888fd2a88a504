//! What applies to a file besides its text, decided once for both shells: which files around
//! it matter (the test manifests that list a policy, the chainsaw tests and kustomizations that
//! make a file a partial object), read through one file-access trait.
//!
//! The CLI reads through [`crate::vfs::FsFiles`]; the language server through its open buffers
//! plus the workspace folders. Everything here is otherwise pure: the same files give the same
//! answers, whichever shell asks.

pub mod config;
pub mod helm;
pub mod index;
pub mod kustomize;

use std::path::{Path, PathBuf};

pub use index::Index;

use crate::analysis::{Analysis, Inputs};
use crate::diag::Diagnostic;
use crate::samples::{Sample, discover};
use crate::testing::files::MANIFEST_NAME;
use crate::vfs::Files;

/// What rendering a chart, or building a kustomization, gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Render {
    /// The program's output: for `helm template`, documents each after a
    /// `# Source: chart/templates/x.yaml` comment; for `kustomize build`, the resources.
    Rendered(String),
    /// The program ran and refused the chart or kustomization; its message.
    Failed(String),
    /// The program could not be run; why, in words for the user.
    Unavailable(String),
}

/// Renders charts. Implemented by the shells, which may start processes.
pub trait Renderer: Send + Sync {
    fn render(&self, chart: &Path) -> Render;
}

/// What the shell knows beyond the files: its switches and the samples it was handed.
#[derive(Clone)]
pub struct Options {
    /// Fall back to the built-in samples.
    pub builtin_samples: bool,
    /// Samples for every policy, overriding discovery (`check --resource`).
    pub resources: Vec<Sample>,
    /// The opt-in lints to run ([`config::enabled_lints`]).
    pub lints: Vec<String>,
    /// Renders Helm charts; None leaves templates unchecked (with a note saying so).
    pub helm: Option<std::sync::Arc<dyn helm::Renderer>>,
    /// Builds kustomizations; None leaves them unbuilt (with a note on each that assembles
    /// policies).
    pub kustomize: Option<std::sync::Arc<dyn kustomize::Builder>>,
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
            lints: options.lints.clone(),
            tested: !index.manifests_listing(path).is_empty(),
            crds: index.crds.clone(),
            sample_file: index.sample_files.contains(path),
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
        &mut |p| files.read(p).ok(),
        &mut real,
    );
    out.inputs.external_samples = found.samples;
    out.inputs.extra_variables = found.extra_variables;
    out.diagnostics = found.refused;
    out.files = found.files;
    out
}

/// The whole analysis of one file: [`inputs_for`], the analysis, and for a test manifest its
/// results whose expectation the engine does not meet, run with the clock `env`. Both shells
/// report exactly this.
#[allow(clippy::too_many_arguments)]
pub fn analyze_file(
    files: &dyn Files,
    index: &Index,
    root: &Path,
    path: &Path,
    text: &str,
    options: &Options,
    env: &crate::engine::Env,
) -> Analysis {
    let found = inputs_for(files, index, root, path, text, options);
    if let Some(template) = helm::template_of(files, root, path) {
        let render = |chart: &Path| match &options.helm {
            Some(r) => r.render(chart),
            None => helm::Render::Unavailable("Helm charts are not rendered here.".into()),
        };
        let mut analysis =
            analyze_template(text, &template, &found.inputs, false, &render, &|t, i| {
                crate::analysis::analyze_with(t, i)
            });
        analysis.diagnostics.extend(found.diagnostics);
        analysis
            .diagnostics
            .sort_by_key(|d| (d.span.start, d.span.end));
        return analysis;
    }
    let mut analysis = crate::analysis::analyze_with(text, &found.inputs);
    let mut extra = found.diagnostics;
    if is_manifest(path) {
        extra.extend(manifest_results(
            files,
            path,
            root,
            env,
            text,
            options.helm.clone(),
        ));
    }
    let inputs_of = |p: &Path| match p == path {
        true => found.inputs.clone(),
        false => {
            let text = files.read(p).unwrap_or_default();
            inputs_for(files, index, root, p, &text, options).inputs
        }
    };
    let (built, _) = kustomize_diagnostics(
        files,
        files,
        index,
        root,
        path,
        text,
        &analysis.diagnostics,
        options.kustomize.as_deref(),
        &inputs_of,
        &|t, i| crate::analysis::analyze_with(t, i),
    );
    extra.extend(built);
    if !extra.is_empty() {
        analysis.diagnostics.extend(extra);
        analysis
            .diagnostics
            .sort_by_key(|d| (d.span.start, d.span.end));
    }
    analysis
}

/// The analysis of a Helm template or helper (see [`helm::template_of`]): nothing for a
/// helper, the rendered policies' findings for a template, rendered by `render`.
pub fn analyze_template(
    text: &str,
    template: &helm::TemplateFile,
    inputs: &Inputs,
    unsaved: bool,
    render: &dyn Fn(&Path) -> helm::Render,
    analyze: &dyn Fn(&str, &Inputs) -> Analysis,
) -> Analysis {
    match template {
        helm::TemplateFile::Helper => Analysis::default(),
        helm::TemplateFile::Template { chart, source } => {
            helm::analyze_template(text, source, &render(chart), inputs, unsaved, analyze)
        }
    }
}

/// The diagnostics that the builds of the kustomizations reading the file at `path` give it
/// (see [`kustomize::diagnostics_for`]; `plain` are its own analysis's), and every file those
/// kustomizations read, whose changes change them. `inputs` gives a resource file's inputs.
/// `files` reads as the findings are placed (an editor's unsaved text first); `disk` reads
/// what kustomize will read, which alone decides whether a build is safe to run.
#[allow(clippy::too_many_arguments)]
pub fn kustomize_diagnostics(
    files: &dyn Files,
    disk: &dyn Files,
    index: &Index,
    root: &Path,
    path: &Path,
    text: &str,
    plain: &[Diagnostic],
    builder: Option<&dyn kustomize::Builder>,
    inputs: &dyn Fn(&Path) -> Inputs,
    analyze: &dyn Fn(&str, &Inputs) -> Analysis,
) -> (Vec<Diagnostic>, Vec<PathBuf>) {
    let mut out = Vec::new();
    let mut read = Vec::new();
    for dir in index.kustomized.get(path).into_iter().flatten() {
        let Some(mut plan) = kustomize::plan(files, root, dir) else {
            continue;
        };
        read.extend(plan.read.iter().cloned());
        if !plan.has_policies() {
            continue;
        }
        // What kustomize reads is the disk: an unsaved edit that removes a remote entry does
        // not make the saved kustomization safe to build. Its refusals are the saved text's,
        // whose places the edited text may not have: they are shown at the start.
        let Some(on_disk) = kustomize::plan(disk, root, dir) else {
            continue;
        };
        if plan.refused.is_empty() {
            plan.refused = on_disk
                .refused
                .iter()
                .map(|r| kustomize::Refusal {
                    file: plan.file.clone(),
                    span: 0..0,
                    message: format!("as saved, {}", r.message),
                })
                .collect();
        }
        let render = match (plan.refused.is_empty(), builder) {
            (true, Some(b)) => b.build(dir, &on_disk.read),
            _ => Render::Unavailable("Kustomizations are not built here.".into()),
        };
        out.extend(kustomize::diagnostics_for(
            files, root, &plan, &render, path, text, plain, inputs, analyze,
        ));
    }
    (out, read)
}

/// Runs the test manifest at `path` and turns its mismatches and errors into diagnostics.
/// The policies it names by a Helm chart are rendered by `helm` ([`helm::ChartPolicies`]).
pub fn manifest_results(
    files: &dyn Files,
    path: &Path,
    root: &Path,
    env: &crate::engine::Env,
    text: &str,
    helm: Option<std::sync::Arc<dyn helm::Renderer>>,
) -> Vec<Diagnostic> {
    let options = crate::testing::Options {
        compat: false,
        roots: vec![root.to_path_buf()],
        per_manifest: false,
        rendering: Some(std::sync::Arc::new(helm::ChartPolicies { helm })),
    };
    let mut report = crate::testing::Report::default();
    crate::testing::run::run_manifest(files, path, &options, env, &mut report);
    crate::ide::manifest_diagnostics(text, &report)
}

/// Whether `path` names a test manifest (`kyverno-test.yaml`).
pub fn is_manifest(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == MANIFEST_NAME)
}
