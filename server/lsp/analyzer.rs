//! The seam between the server and the core, so protocol tests can drive the server with a
//! core whose answers (and timing) they control.

use std::path::Path;
use std::sync::Arc;

use crate::analysis::{self, Analysis, Inputs};
use crate::diag::Diagnostic;
use crate::host::helm;
use crate::ide;

/// What the server asks of the core. Every method has the real core as its default.
/// Methods are called on blocking threads, never on the async runtime.
pub trait Analyzer: Send + Sync + 'static {
    fn analyze(&self, text: &str) -> Analysis {
        analysis::analyze(text)
    }

    /// The analysis with samples and settings from outside the text. A core that ignores
    /// them (the protocol tests' fakes) need only implement [`Analyzer::analyze`].
    fn analyze_with(&self, text: &str, inputs: &Inputs) -> Analysis {
        let _ = inputs;
        self.analyze(text)
    }

    /// Diagnostics of the test manifest at `path` (text `text`) in the workspace folder
    /// `root`: results whose expectation the engine does not meet. Called only for files
    /// named `kyverno-test.yaml`; the manifest's files are read from disk, inside `root`, and
    /// the policies it names by a Helm chart are rendered by `helm`.
    fn test_manifest(
        &self,
        files: &dyn crate::vfs::Files,
        path: &Path,
        text: &str,
        root: &Path,
        helm: Arc<dyn helm::Renderer>,
    ) -> Vec<Diagnostic> {
        let _ = (files, path, text, root, helm);
        Vec::new()
    }

    /// On a Helm template (an analysis through its render), the rendered documents' answers
    /// placed on the template, here and for inlay hints and lenses.
    fn hover(&self, text: &str, analysis: &Analysis, offset: usize) -> Option<ide::Hover> {
        match analysis.rendered {
            Some(_) => helm::hover(text, analysis, offset),
            None => ide::hover(text, analysis, offset),
        }
    }

    fn completion(&self, text: &str, analysis: &Analysis, offset: usize) -> Vec<ide::Completion> {
        ide::completion(text, analysis, offset)
    }

    fn signature_help(
        &self,
        text: &str,
        analysis: &Analysis,
        offset: usize,
    ) -> Option<ide::SignatureHelp> {
        ide::signature_help(text, analysis, offset)
    }

    fn definition(
        &self,
        text: &str,
        analysis: &Analysis,
        offset: usize,
    ) -> Option<crate::diag::Span> {
        ide::definition(text, analysis, offset)
    }

    fn document_symbols(&self, text: &str, analysis: &Analysis) -> Vec<ide::Symbol> {
        ide::document_symbols(text, analysis)
    }

    fn inlay_hints(
        &self,
        text: &str,
        analysis: &Analysis,
        range: std::ops::Range<usize>,
    ) -> Vec<ide::InlayHint> {
        match analysis.rendered {
            Some(_) => helm::inlay_hints(text, analysis, range),
            None => ide::inlay_hints(text, analysis, range),
        }
    }

    fn code_lenses(&self, text: &str, analysis: &Analysis) -> Vec<ide::CodeLens> {
        match analysis.rendered {
            Some(_) => helm::code_lenses(text, analysis),
            None => ide::code_lenses(text, analysis),
        }
    }

    fn quick_fixes(
        &self,
        text: &str,
        analysis: &Analysis,
        range: std::ops::Range<usize>,
    ) -> Vec<ide::fixes::Fix> {
        ide::fixes::quick_fixes(text, analysis, range)
    }

    /// The preferred fix of every diagnostic, as one set of edits.
    fn fix_all(&self, text: &str, analysis: &Analysis) -> Vec<ide::fixes::Edit> {
        ide::fixes::fix_all(text, analysis)
    }

    /// The lenses of a test manifest (`▶ Run 3 tests`), `path` as the shell names the file.
    fn manifest_lenses(&self, text: &str, path: &str) -> Vec<ide::CodeLens> {
        ide::manifest_lenses(text, path)
    }
}

/// The real core.
#[derive(Debug, Default, Clone, Copy)]
pub struct Kyverno;

impl Analyzer for Kyverno {
    fn analyze_with(&self, text: &str, inputs: &Inputs) -> Analysis {
        analysis::analyze_with(text, inputs)
    }

    fn test_manifest(
        &self,
        files: &dyn crate::vfs::Files,
        path: &Path,
        text: &str,
        root: &Path,
        helm: Arc<dyn helm::Renderer>,
    ) -> Vec<Diagnostic> {
        crate::host::manifest_results(files, path, root, &system_env(), text, Some(helm))
    }
}

/// "Now" and a seed from the system clock, as the CLI's `test` takes them.
pub fn system_env() -> crate::engine::Env {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let now = chrono::DateTime::from_timestamp(since.as_secs() as i64, since.subsec_nanos())
        .unwrap_or_default();
    crate::engine::Env {
        now: now.fixed_offset(),
        seed: since.as_nanos() as u64,
    }
}
