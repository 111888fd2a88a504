//! The one analysis path shared by the CLI and the language server: text in, documents and
//! diagnostics out.

use crate::checks::{self, DocKind};
use crate::diag::{Diagnostic, Severity};
use crate::samples::Origin;
use crate::yaml::{self, Limits};

/// Larger files are not analysed ([`crate::limits::MAX_FILE_BYTES`]).
pub const MAX_FILE_BYTES: usize = crate::limits::MAX_FILE_BYTES;

/// A document parsed and checked on its own text (spans relative to it).
struct CheckedDocument {
    doc: yaml::Document,
    findings: Vec<Diagnostic>,
    kind: Option<DocKind>,
    /// The lowered policy (spans relative to the document's text).
    policy: Option<crate::model::Policy>,
    /// Any error, from the parser or the checks.
    errors: bool,
}

/// Parses and checks one document's text, remembering the result: the same text with the same
/// variables always gives the same findings. Bounded: cleared when full.
fn checked_document(
    chunk: &str,
    extra_variables: &[String],
    partial: bool,
    catalog: &std::sync::Arc<crate::k8s::Catalog>,
) -> Option<std::sync::Arc<CheckedDocument>> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    type Key = (String, Vec<String>, bool, u64);
    type Memo = Mutex<(HashMap<Key, Option<Arc<CheckedDocument>>>, usize)>;
    static MEMO: OnceLock<Memo> = OnceLock::new();
    // Remembered text is bounded in entries and in bytes (a tree costs a small multiple of its
    // text).
    const MAX_ENTRIES: usize = 1024;
    const MAX_BYTES: usize = 4 * 1024 * 1024;
    let memo = MEMO.get_or_init(|| Mutex::new((HashMap::new(), 0)));
    // The same text checks differently against other CRDs.
    let key = (
        chunk.to_string(),
        extra_variables.to_vec(),
        partial,
        catalog.fingerprint(),
    );
    if let Some(hit) = memo.lock().ok().and_then(|m| m.0.get(&key).cloned()) {
        return hit;
    }
    #[cfg(test)]
    PARSED.with(|c| c.set(c.get() + 1));
    let checked = yaml::parse_chunk(chunk, &Limits::default()).map(|doc| {
        let mut errors = doc.has_errors();
        let policy = doc.root.as_ref().and_then(crate::model::Policy::lower);
        let (findings, kind) = match &doc.root {
            Some(root) => {
                let mut found = checks::check_document_with(
                    catalog,
                    chunk,
                    root,
                    policy.as_ref(),
                    extra_variables,
                );
                if let Some(p) = &policy {
                    found.extend(checks::cel_lint::check(catalog, chunk, root, p));
                }
                if partial {
                    found.retain(|d| !d.absence);
                }
                errors |= found.iter().any(|d| d.severity == Severity::Error);
                (found, Some(checks::classify(root)))
            }
            None => (Vec::new(), None),
        };
        Arc::new(CheckedDocument {
            doc,
            findings,
            kind,
            policy,
            errors,
        })
    });
    if let Ok(mut m) = memo.lock() {
        if m.0.len() >= MAX_ENTRIES || m.1 + chunk.len() > MAX_BYTES {
            m.0.clear();
            m.1 = 0;
        }
        m.1 += chunk.len();
        m.0.insert(key, checked.clone());
    }
    checked
}

#[cfg(test)]
thread_local! {
    /// Documents parsed on this thread (tests of the reuse).
    static PARSED: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// One document of the file with what the checks decided about it.
#[derive(Debug, Clone)]
pub struct DocAnalysis {
    pub doc: yaml::Document,
    /// None when the document is empty or failed to parse.
    pub kind: Option<DocKind>,
    /// The lowered policy, for a policy document of either family (spans in the file).
    pub policy: Option<crate::model::Policy>,
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
    /// The kinds the checks used: the built-in ones, the workspace's CRDs and the text's own.
    pub catalog: std::sync::Arc<crate::k8s::Catalog>,
    /// Some for a text that is not analysed itself but through texts made from it (a Helm
    /// template: the documents Helm renders from it, in the order it printed them). The
    /// diagnostics above are already placed on the text; the editor's other answers come
    /// from these analyses, mapped back (`host::helm`).
    pub rendered: Option<Vec<Rendered>>,
}

/// One text made from the analysed one (a document Helm rendered from a template), with its
/// own analysis: spans in it are offsets of `text`.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub text: String,
    pub analysis: Analysis,
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
    /// The documents are partial objects by design (chainsaw assertions, strategic-merge
    /// patches): nothing is reported for what they leave out, and they are not simulated.
    pub partial: bool,
    /// The opt-in lints to run (`checks::lints::OPT_IN`), which the project's configuration
    /// or the editor's settings give a level.
    pub lints: Vec<String>,
    /// Some `kyverno-test.yaml` lists the file (for the `enforce-without-test` lint).
    pub tested: bool,
    /// The kinds the workspace's CustomResourceDefinitions define, beside the built-in ones.
    /// The text's own definitions are added by the analysis.
    pub crds: std::sync::Arc<crate::k8s::Catalog>,
    /// A policy's modeline names this text as its sample resources: its resources are
    /// checked against their kinds, as same-file samples are.
    pub sample_file: bool,
}

impl Default for Inputs {
    fn default() -> Self {
        Inputs {
            external_samples: Vec::new(),
            builtin_samples: true,
            extra_variables: Vec::new(),
            current_sample: None,
            partial: false,
            lints: Vec::new(),
            tested: false,
            crds: crate::k8s::Catalog::builtin(),
            sample_file: false,
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
    /// What a failure does: the rule's own setting, or for a ValidatingAdmissionPolicy, the
    /// `validationActions` of the same file's bindings of it.
    pub on_failure: crate::model::Action,
    /// One entry per (sample, response); the responses of autogen rules count for their rule.
    pub results: Vec<SampleResult>,
    /// What the rule changes, per sample it changes: for a mutate rule or a mutating policy,
    /// the sample after the policy's mutations; for a generate rule, the objects it creates.
    pub changes: Vec<SampleChange>,
}

#[derive(Debug, Clone)]
pub struct SampleChange {
    /// Index in [`Analysis::samples`].
    pub sample: usize,
    /// The sample as the policy's mutations leave it.
    pub patched: Option<std::sync::Arc<crate::engine::Value>>,
    /// The objects the rule creates for the sample.
    pub generated: Vec<crate::engine::Value>,
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
    // Documents of Kyverno's kinds without errors: the ones Kyverno would accept (exceptions
    // and bindings among them), and of those the policies it would simulate.
    let mut accepted = Vec::new();
    let mut valid = Vec::new();
    let mut documents: Vec<DocAnalysis> = Vec::new();
    // Definitions in this text are newer than what the workspace read of its file; a partial
    // object (a chainsaw assertion) holds only part of a definition.
    let own = if inputs.partial {
        Vec::new()
    } else {
        crate::k8s::crd::read_all(text)
    };
    let catalog = if own.is_empty() {
        inputs.crds.clone()
    } else {
        std::sync::Arc::new(inputs.crds.with_definitions(own))
    };
    for range in yaml::document_ranges(text) {
        // Documents are parsed and checked on their own text, so an edit in one document of a
        // file reuses the results of the others.
        let Some(checked) = checked_document(
            &text[range.clone()],
            &inputs.extra_variables,
            inputs.partial,
            &catalog,
        ) else {
            continue;
        };
        let mut doc = checked.doc.clone();
        doc.shift(range.start);
        diagnostics.extend(doc.diagnostics.iter().cloned());
        diagnostics.extend(checked.findings.iter().cloned().map(|mut d| {
            d.shift(range.start);
            d
        }));
        if checked.kind.is_some_and(|k| k.family().is_some()) && !checked.errors && !inputs.partial
        {
            accepted.push(documents.len());
            if checked.kind.is_some_and(DocKind::is_simulated_policy) {
                valid.push(documents.len());
            }
        }
        let rule_policy = match checked.kind {
            Some(DocKind::Policy(kind, _)) => matches!(
                kind.family(),
                crate::policy::PolicyFamily::Jmespath | crate::policy::PolicyFamily::Cel
            )
            .then_some(kind),
            _ => None,
        };
        if let (false, Some(kind), Some(root)) = (inputs.lints.is_empty(), rule_policy, &doc.root) {
            crate::checks::lints::opt_in(
                root,
                kind,
                &inputs.lints,
                inputs.tested,
                &mut diagnostics,
            );
        }
        let policy = checked.policy.clone().map(|mut p| {
            p.shift(range.start);
            p
        });
        documents.push(DocAnalysis {
            doc,
            kind: checked.kind,
            policy,
        });
    }
    let any_policy = documents
        .iter()
        .any(|d| d.kind.is_some_and(DocKind::is_simulated_policy));
    let same_file = any_policy && inputs.external_samples.is_empty();
    let mut same = Vec::new();
    if same_file || inputs.sample_file {
        let docs = documents.iter().map(|d| &d.doc);
        same = crate::samples::from_documents(docs, None, Origin::SameFile);
        // A sample with a misspelt field would be simulated as written: say so on the field,
        // here and in a file a modeline names.
        for s in &same {
            let root = s
                .span
                .as_ref()
                .and_then(|span| documents.iter().find(|d| d.doc.span == *span))
                .and_then(|d| d.doc.root.as_ref());
            if let Some(root) = root {
                crate::checks::resource_fields::check_sample(&catalog, root, &mut diagnostics);
            }
        }
    }
    let samples = if !any_policy {
        Vec::new()
    } else if !inputs.external_samples.is_empty() {
        inputs.external_samples.clone()
    } else {
        if same.is_empty() && inputs.builtin_samples {
            same = crate::samples::builtin();
        }
        crate::samples::dedupe_labels(&mut same);
        same
    };
    let simulation = crate::simulate::simulate(text, &documents, &valid, &accepted, &samples);
    diagnostics.extend(crate::simulate::verdicts(&documents, &simulation, &samples));
    diagnostics.extend(crate::simulate::limit_diagnostics(
        &documents,
        &valid,
        &simulation,
        &samples,
    ));
    diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
    Analysis {
        documents,
        samples,
        simulation,
        diagnostics,
        current_sample: inputs.current_sample.clone(),
        catalog,
        rendered: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edit_reparses_only_its_document() {
        let policy = |name: &str| {
            format!(
                "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: {name}\nspec:\n  rules: []\n"
            )
        };
        // Unique names: the memo is shared by the whole test process.
        let first = policy("reuse-first-8c1f");
        let text = format!("{first}---\n{}", policy("reuse-second-8c1f"));
        let inputs = Inputs {
            builtin_samples: false,
            ..Inputs::default()
        };
        let parsed = || PARSED.with(|c| c.get());
        let before = parsed();
        let a = analyze_with(&text, &inputs);
        assert_eq!(parsed() - before, 2);
        // Edit the second document; its offset and the first document are unchanged.
        let edited = format!("{first}---\n{}", policy("reuse-second-edited-8c1f"));
        let before = parsed();
        let b = analyze_with(&edited, &inputs);
        assert_eq!(
            parsed() - before,
            1,
            "only the edited document is parsed again"
        );
        assert_eq!(a.documents[0].doc, b.documents[0].doc);
        // Insert a line before everything: both documents move, neither is parsed again
        // except the first, whose text changed.
        let shifted = format!("# comment\n{edited}");
        let before = parsed();
        let c = analyze_with(&shifted, &inputs);
        assert_eq!(parsed() - before, 1);
        let second = c.documents[1].doc.root.as_ref().unwrap();
        let name = second.get("metadata").and_then(|m| m.get("name")).unwrap();
        assert_eq!(&shifted[name.span.clone()], "reuse-second-edited-8c1f");
    }
}
