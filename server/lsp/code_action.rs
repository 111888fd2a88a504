//! `textDocument/codeAction`: a `quickfix` for each diagnostic under the range that says
//! "did you mean": the suggestion written in place of the misspelt word.

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
    // A client that asks only for other kinds (`source.organizeImports`, ...) gets none.
    if let Some(only) = &params.context.only {
        if !only.iter().any(|k| k.as_str().starts_with("quickfix")) {
            return Some(Vec::new());
        }
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
            core.quick_fixes(&snapshot.text, &snapshot.analysis, span.start..span.end)
                .into_iter()
                .map(|fix| {
                    let edit = TextEdit {
                        range: convert.range(&fix.span),
                        new_text: fix.new_text,
                    };
                    CodeActionOrCommand::CodeAction(CodeAction {
                        title: fix.title,
                        kind: Some(CodeActionKind::QUICKFIX),
                        diagnostics: Some(vec![convert.diagnostic(&fix.diagnostic)]),
                        edit: Some(WorkspaceEdit {
                            changes: Some(HashMap::from([(target.clone(), vec![edit])])),
                            ..WorkspaceEdit::default()
                        }),
                        is_preferred: Some(true),
                        ..CodeAction::default()
                    })
                })
                .collect()
        })
        .await
}
