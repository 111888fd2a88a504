//! The one analysis path shared by the CLI and the language server: text in, documents and
//! diagnostics out.

use crate::checks::{self, DocKind};
use crate::diag::{Diagnostic, Severity};
use crate::samples::Origin;
use crate::yaml::{self, Limits};

/// Larger files are not analysed. The API server refuses requests over 3 MiB anyway.
pub const MAX_FILE_BYTES: usize = 4 * 1024 * 1024;

/// One document of the file with what the checks decided about it.
#[derive(Debug, Clone)]
pub struct DocAnalysis {
    pub doc: yaml::Document,
    /// None when the document is empty or failed to parse.
    pub kind: Option<DocKind>,
}

/// Everything the core knows about one text. Owned data: cheap to move across threads.
#[derive(Debug, Default, Clone)]
pub struct Analysis {
    pub documents: Vec<DocAnalysis>,
    /// The samples the policies were simulated against, and where they came from.
    pub samples: Vec<crate::samples::Sample>,
    /// Per rule of every policy document without errors.
    pub simulation: Vec<RuleSimulation>,
    /// All diagnostics of the text, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
    /// [`Inputs::current_sample`]: the sample hover evaluates against, by label.
    pub current_sample: Option<String>,
}

impl Analysis {
    /// The document containing byte `offset`.
    pub fn document_at(&self, offset: usize) -> Option<&DocAnalysis> {
        self.documents
            .iter()
            .find(|d| d.doc.span.contains(&offset) || d.doc.span.end == offset)
    }
}

/// What the analysis may use beyond the text itself.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// Samples found outside the text (modeline files, test manifests), read by the shell.
    /// When empty, same-file documents are used, else the built-ins (when enabled).
    pub external_samples: Vec<crate::samples::Sample>,
    /// Whether to fall back to the built-in samples.
    pub builtin_samples: bool,
    /// Variables a test's values file provides, allowed as expression roots.
    pub extra_variables: Vec<String>,
    /// The sample hover evaluates against, by label (default: the first one the rule matches).
    pub current_sample: Option<String>,
}

impl Default for Inputs {
    fn default() -> Self {
        Inputs {
            external_samples: Vec::new(),
            builtin_samples: true,
            extra_variables: Vec::new(),
            current_sample: None,
        }
    }
}

/// The simulation of one rule against every sample.
#[derive(Debug, Clone)]
pub struct RuleSimulation {
    /// Index in [`Analysis::documents`].
    pub document: usize,
    /// The rule's name as written in the policy.
    pub rule: String,
    /// The rule's `name` value (where verdict diagnostics and code lenses go).
    pub name_span: crate::diag::Span,
    /// The whole rule.
    pub span: crate::diag::Span,
    /// One entry per (sample, response); the responses of autogen rules count for their rule.
    pub results: Vec<SampleResult>,
}

#[derive(Debug, Clone)]
pub struct SampleResult {
    /// Index in [`Analysis::samples`].
    pub sample: usize,
    pub response: crate::engine::RuleResponse,
}

pub fn analyze(text: &str) -> Analysis {
    analyze_with(text, &Inputs::default())
}

/// The analysis with samples and variables from outside the text.
pub fn analyze_with(text: &str, inputs: &Inputs) -> Analysis {
    if text.len() > MAX_FILE_BYTES {
        return Analysis {
            diagnostics: vec![Diagnostic::error(
                "file-too-large",
                0..0,
                format!(
                    "This file is {} MiB; files over {} MiB are not analysed (the Kubernetes API server rejects requests over 3 MiB).",
                    text.len() / (1024 * 1024),
                    MAX_FILE_BYTES / (1024 * 1024)
                ),
            )],
            ..Analysis::default()
        };
    }
    let mut diagnostics = Vec::new();
    // Policy documents without errors: the ones Kyverno would accept, and simulate.
    let mut valid = Vec::new();
    let documents: Vec<DocAnalysis> = yaml::parse(text, &Limits::default())
        .into_iter()
        .enumerate()
        .map(|(i, doc)| {
            diagnostics.extend(doc.diagnostics.iter().cloned());
            let mut errors = doc.has_errors();
            let kind = doc.root.as_ref().map(|root| {
                let found = checks::check_document_with(text, root, &inputs.extra_variables);
                errors |= found.iter().any(|d| d.severity == Severity::Error);
                diagnostics.extend(found);
                checks::classify(root)
            });
            if matches!(kind, Some(DocKind::Policy(..))) && !errors {
                valid.push(i);
            }
            DocAnalysis { doc, kind }
        })
        .collect();
    let any_policy = documents
        .iter()
        .any(|d| matches!(d.kind, Some(DocKind::Policy(..))));
    let samples = if !any_policy {
        Vec::new()
    } else if !inputs.external_samples.is_empty() {
        inputs.external_samples.clone()
    } else {
        let docs = documents.iter().map(|d| &d.doc);
        let mut same = crate::samples::from_documents(docs, None, Origin::SameFile);
        if same.is_empty() && inputs.builtin_samples {
            same = crate::samples::builtin();
        }
        crate::samples::dedupe_labels(&mut same);
        same
    };
    let simulation = crate::simulate::simulate(text, &documents, &valid, &samples);
    diagnostics.extend(crate::simulate::verdicts(&documents, &simulation, &samples));
    diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
    Analysis {
        documents,
        samples,
        simulation,
        diagnostics,
        current_sample: inputs.current_sample.clone(),
    }
}
