//! `textDocument/definition`: from a CEL `variables.x` to the variable's `name:`, and from a
//! context entry named in a JMESPath expression to the entry's `name:`.

use std::sync::Arc;

use tower_lsp_server::ls_types::{GotoDefinitionParams, GotoDefinitionResponse, Location};

use super::convert::Converter;
use super::position::position_to_offset;
use super::state::State;

pub async fn definition(
    state: &Arc<State>,
    params: GotoDefinitionParams,
) -> Option<GotoDefinitionResponse> {
    let at = params.text_document_position_params;
    let encoding = state.encoding();
    let uri = at.text_document.uri;
    let target = uri.clone();
    state
        .on_snapshot(&uri, move |core, snapshot| {
            let offset = position_to_offset(&snapshot.rope, at.position, encoding);
            let span = core.definition(&snapshot.text, &snapshot.analysis, offset)?;
            let convert = Converter {
                rope: &snapshot.rope,
                encoding,
                uri: &target,
            };
            Some(GotoDefinitionResponse::Scalar(Location {
                uri: target.clone(),
                range: convert.range(&span),
            }))
        })
        .await
        .flatten()
}
