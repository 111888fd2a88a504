//! `textDocument/hover`.

use std::sync::Arc;

use tower_lsp_server::ls_types::{Hover, HoverParams};

use super::convert::Converter;
use super::position::position_to_offset;
use super::state::State;

pub async fn hover(state: &Arc<State>, params: HoverParams) -> Option<Hover> {
    let at = params.text_document_position_params;
    let encoding = state.encoding();
    let uri = at.text_document.uri;
    let convert_uri = uri.clone();
    state
        .on_snapshot(&uri, move |core, snapshot| {
            let offset = position_to_offset(&snapshot.rope, at.position, encoding);
            let hover = core.hover(&snapshot.text, &snapshot.analysis, offset)?;
            let convert = Converter {
                rope: &snapshot.rope,
                encoding,
                uri: &convert_uri,
            };
            Some(convert.hover(hover))
        })
        .await
        .flatten()
}
