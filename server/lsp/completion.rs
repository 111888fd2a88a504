//! `textDocument/completion`.

use std::sync::Arc;

use tower_lsp_server::ls_types::{CompletionParams, CompletionResponse};

use super::convert;
use super::position::position_to_offset;
use super::state::State;

pub async fn completion(
    state: &Arc<State>,
    params: CompletionParams,
) -> Option<CompletionResponse> {
    let at = params.text_document_position;
    let encoding = state.encoding();
    state
        .on_snapshot(&at.text_document.uri, move |core, snapshot| {
            let offset = position_to_offset(&snapshot.rope, at.position, encoding);
            let items = core.completion(&snapshot.text, &snapshot.analysis, offset);
            CompletionResponse::Array(items.into_iter().map(convert::completion).collect())
        })
        .await
}
