//! `textDocument/didOpen`, `didChange` and `didClose`.
//!
//! Each handler updates the documents before its first `.await`: the framework starts
//! handlers in arrival order, so edits apply in order even though handlers run concurrently.

use std::sync::Arc;

use tower_lsp_server::Client;
use tower_lsp_server::ls_types::{
    DidChangeTextDocumentParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams,
};

use super::diagnostics;
use super::state::State;

pub fn did_open(state: &Arc<State>, client: &Client, params: DidOpenTextDocumentParams) {
    let doc = params.text_document;
    let (doc_id, wake) = state
        .documents
        .open(doc.uri.clone(), doc.version, &doc.text);
    diagnostics::spawn_worker(state.clone(), client.clone(), doc.uri, doc_id, wake);
}

pub fn did_change(state: &State, params: DidChangeTextDocumentParams) {
    let doc = params.text_document;
    // A change to a document that is not open has nothing to apply to; ignoring it is all
    // that can be done.
    state.documents.change(
        &doc.uri,
        doc.version,
        params.content_changes,
        state.encoding(),
    );
}

pub async fn did_close(state: &State, client: &Client, params: DidCloseTextDocumentParams) {
    let uri = params.text_document.uri;
    if state.documents.close(&uri) {
        diagnostics::clear(state, client, uri).await;
    }
}
