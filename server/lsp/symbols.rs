//! `textDocument/documentSymbol`, as a hierarchy (policy > rule > section).

use std::sync::Arc;

use tower_lsp_server::ls_types::{DocumentSymbolParams, DocumentSymbolResponse};

use super::convert::Converter;
use super::state::State;

pub async fn document_symbols(
    state: &Arc<State>,
    params: DocumentSymbolParams,
) -> Option<DocumentSymbolResponse> {
    let uri = params.text_document.uri;
    let encoding = state.encoding();
    let convert_uri = uri.clone();
    state
        .on_snapshot(&uri, move |core, snapshot| {
            let convert = Converter {
                rope: &snapshot.rope,
                encoding,
                uri: &convert_uri,
            };
            let symbols = core.document_symbols(&snapshot.text, &snapshot.analysis);
            DocumentSymbolResponse::Nested(symbols.into_iter().map(|s| convert.symbol(s)).collect())
        })
        .await
}
