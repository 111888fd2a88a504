//! `textDocument/codeAction`: the `quickfix`es of the diagnostics under the range (see
//! `ide::fixes`), and, when the client asks for it (`editor.codeActionsOnSave`, a command),
//! the `source.fixAll.kyverno-ls` action that applies every preferred fix of the file, and on
//! a ClusterPolicy or Policy with a rule to migrate, "Migrate to ValidatingPolicy"
//! (`refactor.rewrite`), which runs the `kyverno.migrate` command.

use std::collections::HashMap;
use std::sync::Arc;

use tower_lsp_server::ls_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, TextEdit, WorkspaceEdit,
};

use super::convert::Converter;
use super::position::range_to_span;
use super::state::State;

pub async fn code_actions(
    state: &Arc<State>,
    params: CodeActionParams,
) -> Option<Vec<CodeActionOrCommand>> {
    let uri = params.text_document.uri;
    // A client that asks only for other kinds (`source.organizeImports`, ...) gets none; the
    // fix-all action comes only when asked for (a kind it belongs to: `source`,
    // `source.fixAll`, or its own).
    let (quick, all, rewrite) = match &params.context.only {
        None => (true, false, true),
        Some(only) => (
            only.iter().any(|k| k.as_str().starts_with("quickfix")),
            only.iter().any(|k| FIX_ALL.starts_with(k.as_str())),
            only.iter().any(|k| MIGRATE_KIND.starts_with(k.as_str())),
        ),
    };
    if !quick && !all && !rewrite {
        return Some(Vec::new());
    }
    let encoding = state.encoding();
    let target = uri.clone();
    state
        .on_snapshot(&uri, move |core, snapshot| {
            let span = range_to_span(&snapshot.rope, params.range, encoding);
            let convert = Converter {
                rope: &snapshot.rope,
                encoding,
                uri: &target,
            };
            let fixes = if quick {
                core.quick_fixes(&snapshot.text, &snapshot.analysis, span.start..span.end)
            } else {
                Vec::new()
            };
            let mut actions: Vec<CodeActionOrCommand> = fixes
                .into_iter()
                .map(|fix| {
                    let edits: Vec<TextEdit> = fix
                        .edits
                        .iter()
                        .map(|e| TextEdit {
                            range: convert.range(&e.span),
                            new_text: e.new_text.clone(),
                        })
                        .collect();
                    CodeActionOrCommand::CodeAction(CodeAction {
                        title: fix.title,
                        kind: Some(CodeActionKind::QUICKFIX),
                        diagnostics: Some(vec![convert.diagnostic(&fix.diagnostic)]),
                        edit: Some(WorkspaceEdit {
                            changes: Some(HashMap::from([(target.clone(), edits)])),
                            ..WorkspaceEdit::default()
                        }),
                        is_preferred: fix.preferred.then_some(true),
                        ..CodeAction::default()
                    })
                })
                .collect();
            if rewrite {
                actions.extend(migrate_action(&snapshot.analysis, span.start, &target));
            }
            if all {
                let edits: Vec<TextEdit> = core
                    .fix_all(&snapshot.text, &snapshot.analysis)
                    .iter()
                    .map(|e| TextEdit {
                        range: convert.range(&e.span),
                        new_text: e.new_text.clone(),
                    })
                    .collect();
                if !edits.is_empty() {
                    actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                        title: "Fix all auto-fixable problems".into(),
                        kind: Some(CodeActionKind::from(FIX_ALL)),
                        edit: Some(WorkspaceEdit {
                            changes: Some(HashMap::from([(target.clone(), edits)])),
                            ..WorkspaceEdit::default()
                        }),
                        ..CodeAction::default()
                    }));
                }
            }
            actions
        })
        .await
}

/// The kind of "Migrate to ValidatingPolicy".
pub const MIGRATE_KIND: &str = "refactor.rewrite";

/// "Migrate to ValidatingPolicy" on a ClusterPolicy or Policy document whose rules are
/// validate rules: the command does the work when chosen, not on every cursor move.
fn migrate_action(
    analysis: &crate::analysis::Analysis,
    offset: usize,
    uri: &tower_lsp_server::ls_types::Uri,
) -> Option<CodeActionOrCommand> {
    let policy = analysis.document_at(offset)?.policy.as_ref()?;
    let validates = policy.family == crate::model::Family::Jmespath
        && policy.rules.iter().any(|r| r.action == Some("validate"));
    if !validates {
        return None;
    }
    let title = "Migrate to ValidatingPolicy".to_string();
    Some(CodeActionOrCommand::CodeAction(CodeAction {
        title: title.clone(),
        kind: Some(CodeActionKind::from(MIGRATE_KIND)),
        command: Some(tower_lsp_server::ls_types::Command {
            title,
            command: super::commands::MIGRATE.to_string(),
            arguments: Some(vec![serde_json::json!(uri.as_str())]),
        }),
        ..CodeAction::default()
    }))
}

/// The kind of the action that applies every preferred fix of a file.
pub const FIX_ALL: &str = "source.fixAll.kyverno-ls";
