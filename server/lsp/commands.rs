//! `workspace/executeCommand`. Every command takes the document's URI first (code lenses put it
//! there):
//!
//! - `kyverno.showRuleResults [uri, rule, ...]`: the per-sample results of a rule (a rule
//!   name, or the core's lens arguments naming one); shown with `window/showMessage` and
//!   returned as text. Without a rule, every rule of the document.
//! - `kyverno.pickSample [uri, label]`: the sample that hover evaluates against for that
//!   document; the document is analysed again. Without a label the client is asked to choose
//!   (`window/showMessageRequest`); `null` goes back to the default. Returns the label.
//! - `kyverno.listSamples [uri]`: the document's samples, for a client's own picker:
//!   `[{"label": "Pod hello-world", "description": "built-in samples", "current": true}]`;
//!   `current` marks the sample hover and inlay hints evaluate against.
//! - `kyverno.runTests [uri]`: runs the test manifest at `uri` (or every manifest below a
//!   folder, or below the workspace folders without an argument) and returns the report as
//!   text, after showing its summary.
//! - `kyverno.showMutations [uri, {document, rule}]`: each sample a mutate rule (or mutating
//!   policy) changes, before and after, as YAML: `[{"rule", "sample", "original",
//!   "mutated"}]`. The client shows them (a diff editor in VS Code, a diff split in Neovim).
//! - `kyverno.showGenerated [uri, {document, rule}]`: the resources a generate rule creates,
//!   per sample: `[{"rule", "sample", "resources"}]`, a YAML stream each.
//! - `kyverno.showRendered [uri]`: what Helm renders from the template at `uri`, the
//!   documents its findings come from: `{"chart", "template", "rendered"}` (the chart's folder,
//!   the template's path in it, the YAML stream); for a kustomization file, what kustomize
//!   builds from its folder: `{"kustomization", "rendered"}`. An error when the file is neither,
//!   or the chart does not render or the kustomization does not build, with the reason.
//! - `kyverno.migrate [uri]`: the document's ClusterPolicies and Policies rewritten as
//!   ValidatingPolicies (`crate::migrate`), proven on the samples. For a file, the result is
//!   created beside it (`policy.vpol.yaml`, `workspace/applyEdit`) and opened
//!   (`window/showDocument`). Returns `{"uri", "text", "refused": [{"policy", "rule",
//!   "place", "reason"}]}` (`uri` null for a document that is no file).

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;
use tower_lsp_server::Client;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::{ExecuteCommandParams, MessageActionItem, MessageType, Uri};

use super::state::State;
use super::workspace::path_of;
use crate::analysis::Analysis;
use crate::engine::Status;
use crate::samples::Origin;
use crate::testing;

pub const SHOW_RULE_RESULTS: &str = "kyverno.showRuleResults";
pub const PICK_SAMPLE: &str = "kyverno.pickSample";
pub const RUN_TESTS: &str = "kyverno.runTests";
pub const LIST_SAMPLES: &str = "kyverno.listSamples";
pub const SHOW_MUTATIONS: &str = crate::ide::changes::SHOW_MUTATIONS;
pub const SHOW_GENERATED: &str = crate::ide::changes::SHOW_GENERATED;
pub const SHOW_RENDERED: &str = "kyverno.showRendered";
pub const MIGRATE: &str = "kyverno.migrate";
pub const ALL: &[&str] = &[
    SHOW_RULE_RESULTS,
    PICK_SAMPLE,
    RUN_TESTS,
    LIST_SAMPLES,
    SHOW_MUTATIONS,
    SHOW_GENERATED,
    SHOW_RENDERED,
    MIGRATE,
];

pub async fn execute(
    state: &Arc<State>,
    client: &Client,
    params: ExecuteCommandParams,
) -> Result<Option<Value>> {
    let args = params.arguments;
    match params.command.as_str() {
        SHOW_RULE_RESULTS => show_rule_results(state, client, &args).await,
        PICK_SAMPLE => pick_sample(state, client, &args).await,
        RUN_TESTS => run_tests(state, client, &args).await,
        LIST_SAMPLES => list_samples(state, &args).await,
        SHOW_MUTATIONS | SHOW_GENERATED => {
            let uri = uri_arg(&args)?;
            let wanted: Vec<Value> = args[1..].to_vec();
            let mutations = params.command == SHOW_MUTATIONS;
            state
                .on_snapshot(&uri, move |_, snapshot| {
                    if mutations {
                        crate::ide::changes::mutations(&snapshot.analysis, &wanted)
                    } else {
                        crate::ide::changes::generated(&snapshot.analysis, &wanted)
                    }
                })
                .await
                .map(Some)
                .ok_or_else(|| Error::invalid_params(format!("{} is not open", uri.as_str())))
        }
        SHOW_RENDERED => {
            let uri = uri_arg(&args)?;
            let state = state.clone();
            // Rendering may wait on helm: off the async runtime.
            match tokio::task::spawn_blocking(move || state.rendered(&uri)).await {
                Ok(Ok(value)) => Ok(Some(value)),
                Ok(Err(why)) => Err(Error::invalid_params(why)),
                Err(_) => Err(Error::internal_error()),
            }
        }
        MIGRATE => migrate(state, client, &args).await,
        other => Err(Error::invalid_params(format!("unknown command `{other}`"))),
    }
}

fn uri_arg(args: &[Value]) -> Result<Uri> {
    args.first()
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| Error::invalid_params("the first argument must be a document URI"))
}

async fn show_rule_results(
    state: &Arc<State>,
    client: &Client,
    args: &[Value],
) -> Result<Option<Value>> {
    let uri = uri_arg(args)?;
    let wanted: Vec<Value> = args[1..].to_vec();
    let text = state
        .on_snapshot(&uri, move |_, snapshot| {
            rule_results(&snapshot.analysis, &wanted)
        })
        .await
        .ok_or_else(|| Error::invalid_params(format!("{} is not open", uri.as_str())))?;
    client.show_message(MessageType::INFO, &text).await;
    Ok(Some(Value::String(text)))
}

/// The rule a lens argument names: its name as a string, or an object with `rule` (and
/// optionally `policy`, the policy's name, or `document`, an index in the analysis).
fn names_rule(args: &[Value], document: usize, policy: &str, rule: &str) -> bool {
    if args.is_empty() {
        return true;
    }
    let doc_ok = |v: &Value| {
        v.get("document")
            .and_then(Value::as_u64)
            .is_none_or(|d| d as usize == document)
            && v.get("policy")
                .and_then(Value::as_str)
                .is_none_or(|p| p == policy)
    };
    let mut named = false;
    for a in args {
        match a {
            Value::String(s) if s == rule => named = true,
            Value::Object(_) if a.get("rule").and_then(Value::as_str) == Some(rule) => {
                if !doc_ok(a) {
                    return false;
                }
                named = true;
            }
            Value::Number(n) if n.as_u64().is_some_and(|d| d as usize != document) => {
                return false;
            }
            _ => {}
        }
    }
    named
}

/// `require-drop-all (built-in samples)` followed by a line per (sample, response).
pub fn rule_results(analysis: &Analysis, args: &[Value]) -> String {
    let mut out = String::new();
    // A Helm template's rules are those of the documents Helm renders from it.
    let rendered = analysis.rendered.iter().flatten().map(|r| &r.analysis);
    for analysis in std::iter::once(analysis).chain(rendered) {
        rules_results(analysis, args, &mut out);
    }
    if out.is_empty() {
        out.push_str("No rule was simulated.\n");
    }
    out
}

fn rules_results(analysis: &Analysis, args: &[Value], out: &mut String) {
    for sim in &analysis.simulation {
        let policy = analysis
            .documents
            .get(sim.document)
            .and_then(|d| d.doc.root.as_ref())
            .and_then(|r| r.get("metadata")?.get("name")?.as_str())
            .unwrap_or("");
        if !names_rule(args, sim.document, policy, &sim.rule) {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        let origin = sim
            .results
            .first()
            .and_then(|r| analysis.samples.get(r.sample))
            .or(analysis.samples.first())
            .map(|s| origin_name(s.origin));
        match origin {
            Some(o) => out.push_str(&format!("{} ({o}):\n", sim.rule)),
            None => out.push_str(&format!("{}:\n", sim.rule)),
        }
        if sim.results.is_empty() {
            out.push_str("  no sample matches this rule\n");
        }
        for r in &sim.results {
            let label = analysis
                .samples
                .get(r.sample)
                .map_or("?", |s| s.label.as_str());
            let status = r.response.status;
            let mut line = format!("  {} {} {label}", mark(status), status.as_str());
            let message = crate::simulate::rule_message(&r.response);
            if !message.is_empty() {
                line.push_str(": ");
                line.push_str(&message);
            }
            out.push_str(&line);
            out.push('\n');
        }
    }
}

fn mark(status: Status) -> &'static str {
    match status {
        Status::Pass => "✓",
        Status::Fail => "✗",
        Status::Skip => "⊘",
        Status::Error => "!",
        Status::Warn => "⚠",
        Status::Unsupported => "?",
    }
}

pub fn origin_name(origin: Origin) -> &'static str {
    match origin {
        Origin::Modeline => "modeline samples",
        Origin::TestManifest => "test manifest samples",
        Origin::SameFile => "same-file samples",
        Origin::Builtin => "built-in samples",
        Origin::Settings => "samples from the settings",
    }
}

async fn list_samples(state: &Arc<State>, args: &[Value]) -> Result<Option<Value>> {
    let uri = uri_arg(args)?;
    state
        .on_snapshot(&uri, |_, snapshot| {
            let analysis = &snapshot.analysis;
            // Without a pick, hover uses the first sample a rule matches: none is marked.
            let current = analysis.current_sample.as_deref();
            let samples = analysis
                .samples
                .iter()
                .map(|s| {
                    serde_json::json!({
                        "label": s.label,
                        "description": origin_name(s.origin),
                        "current": current == Some(s.label.as_str()),
                    })
                })
                .collect();
            Some(Value::Array(samples))
        })
        .await
        .ok_or_else(|| Error::invalid_params(format!("{} is not open", uri.as_str())))
}

async fn pick_sample(state: &Arc<State>, client: &Client, args: &[Value]) -> Result<Option<Value>> {
    let uri = uri_arg(args)?;
    let labels = state
        .on_snapshot(&uri, |_, snapshot| {
            snapshot
                .analysis
                .samples
                .iter()
                .map(|s| s.label.clone())
                .collect::<Vec<_>>()
        })
        .await
        .ok_or_else(|| Error::invalid_params(format!("{} is not open", uri.as_str())))?;
    let label = match args.get(1) {
        Some(Value::Null) => None,
        Some(Value::String(l)) => Some(l.clone()),
        Some(_) => return Err(Error::invalid_params("the sample label must be a string")),
        None => {
            let actions = labels
                .iter()
                .map(|l| MessageActionItem {
                    title: l.clone(),
                    properties: Default::default(),
                })
                .collect();
            match client
                .show_message_request(
                    MessageType::INFO,
                    "Sample to evaluate expressions against",
                    Some(actions),
                )
                .await
            {
                Ok(Some(item)) => Some(item.title),
                _ => return Ok(None),
            }
        }
    };
    if let Some(l) = &label {
        if !labels.contains(l) {
            return Err(Error::invalid_params(format!(
                "no sample `{l}`; the samples are: {}",
                labels.join(", ")
            )));
        }
    }
    state.pick(&uri, label.clone());
    state.documents.invalidate(&uri);
    Ok(Some(label.map_or(Value::Null, Value::String)))
}

async fn run_tests(state: &Arc<State>, client: &Client, args: &[Value]) -> Result<Option<Value>> {
    let roots = state.workspace.roots();
    let paths: Vec<PathBuf> = match args.first() {
        None | Some(Value::Null) => roots.clone(),
        Some(_) => {
            let uri = uri_arg(args)?;
            let path = path_of(&uri)
                .and_then(|p| p.canonicalize().ok())
                .ok_or_else(|| Error::invalid_params(format!("cannot read {}", uri.as_str())))?;
            vec![path]
        }
    };
    if paths.is_empty()
        || paths
            .iter()
            .any(|p| !roots.iter().any(|r| p.starts_with(r)))
    {
        return Err(Error::invalid_params(
            "kyverno-ls runs tests only inside the workspace folders",
        ));
    }
    let helm = state.helm_runner(&state.settings());
    let options = testing::Options {
        compat: false,
        roots,
        per_manifest: false,
        rendering: Some(Arc::new(crate::host::helm::ChartPolicies {
            helm: Some(helm),
        })),
    };
    let report = tokio::task::spawn_blocking(move || {
        testing::run_paths(
            &crate::vfs::FsFiles::anywhere(),
            &paths,
            &options,
            &super::analyzer::system_env(),
        )
    })
    .await
    .map_err(|_| Error::internal_error())?;
    let s = report.summary();
    let mut summary = format!(
        "kyverno-ls test: {} manifest(s), {} result(s): {} as expected, {} not, {} unsupported",
        report.manifests, s.total, s.ok, s.mismatch, s.unsupported
    );
    for e in &report.errors {
        summary.push_str(&format!("; {}: {}", e.manifest, e.message));
    }
    let kind = if report.exit_code() == 0 {
        MessageType::INFO
    } else {
        MessageType::WARNING
    };
    client.show_message(kind, summary).await;
    Ok(Some(Value::String(testing::render::text(&report))))
}

/// `kyverno.migrate`: see the module's documentation.
async fn migrate(state: &Arc<State>, client: &Client, args: &[Value]) -> Result<Option<Value>> {
    let uri = uri_arg(args)?;
    let (text, refused) = state
        .on_snapshot(&uri, move |_, snapshot| {
            let migration = crate::migrate::migrate(&snapshot.text, &snapshot.analysis);
            let proof = crate::migrate::proof::prove_samples(
                &snapshot.analysis,
                &migration,
                &crate::engine::Env::fixed(),
            );
            let mut text = migration.yaml();
            if !proof.holds() {
                text = format!("{}{text}", crate::migrate::proof::DIFFERS);
            }
            let refused: Vec<Value> = migration
                .refused
                .iter()
                .map(|r| {
                    serde_json::json!({"policy": r.policy, "rule": r.rule, "place": r.place, "reason": r.reason})
                })
                .collect();
            (text, refused)
        })
        .await
        .ok_or_else(|| Error::invalid_params(format!("{} is not open", uri.as_str())))?;
    if text.is_empty() {
        let why = refused
            .first()
            .and_then(|r| r["reason"].as_str())
            .unwrap_or("it holds no ClusterPolicy or Policy");
        return Err(Error::invalid_params(format!("Nothing to migrate: {why}")));
    }
    let target = path_of(&uri)
        .map(|p| crate::migrate::proof::migrated_path(&p))
        .and_then(|p| Uri::from_file_path(&p));
    if let Some(target) = &target {
        let edit = serde_json::json!({"documentChanges": [
            {"kind": "create", "uri": target, "options": {"overwrite": true}},
            {"textDocument": {"uri": target, "version": null},
             "edits": [{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
                        "newText": text}]}
        ]});
        if let Ok(edit) = serde_json::from_value(edit) {
            let applied = client.apply_edit(edit).await.is_ok_and(|r| r.applied);
            if applied {
                let _ = client
                    .show_document(tower_lsp_server::ls_types::ShowDocumentParams {
                        uri: target.clone(),
                        external: None,
                        take_focus: Some(true),
                        selection: None,
                    })
                    .await;
            }
        }
    }
    Ok(Some(
        serde_json::json!({"uri": target, "text": text, "refused": refused}),
    ))
}
