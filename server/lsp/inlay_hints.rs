//! `textDocument/inlayHint`: the value of each `{{ }}` template for the current sample, after
//! the template (`= "CREATE"`).

use std::sync::Arc;

use tower_lsp_server::ls_types::{InlayHint, InlayHintLabel, InlayHintParams, InlayHintTooltip};

use super::position::{offset_to_position, range_to_span};
use super::state::State;

pub async fn inlay_hints(state: &Arc<State>, params: InlayHintParams) -> Option<Vec<InlayHint>> {
    let uri = params.text_document.uri;
    let encoding = state.encoding();
    state
        .on_snapshot(&uri, move |core, snapshot| {
            let span = range_to_span(&snapshot.rope, params.range, encoding);
            core.inlay_hints(&snapshot.text, &snapshot.analysis, span.start..span.end)
                .into_iter()
                .map(|hint| InlayHint {
                    position: offset_to_position(&snapshot.rope, hint.offset, encoding),
                    label: InlayHintLabel::String(hint.label),
                    kind: None,
                    text_edits: None,
                    tooltip: Some(InlayHintTooltip::String(hint.tooltip)),
                    padding_left: Some(true),
                    padding_right: None,
                    data: None,
                })
                .collect()
        })
        .await
}
