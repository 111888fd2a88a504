//! `textDocument/didOpen`, `didChange` and `didClose`.
//!
//! Each handler updates the documents before its first `.await`: the framework starts
//! handlers in arrival order, so edits apply in order even though handlers run concurrently.

use std::sync::Arc;

use tower_lsp_server::Client;
use tower_lsp_server::ls_types::{
    DidChangeTextDocumentParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams,
    DidSaveTextDocumentParams,
};

use super::diagnostics;
use super::state::State;

pub fn did_open(state: &Arc<State>, client: &Client, params: DidOpenTextDocumentParams) {
    let doc = params.text_document;
    let (doc_id, wake) = state
        .documents
        .open(doc.uri.clone(), doc.version, &doc.text);
    diagnostics::spawn_worker(state.clone(), client.clone(), doc.uri.clone(), doc_id, wake);
    invalidate_dependents(state, &doc.uri);
}

pub fn did_change(state: &State, params: DidChangeTextDocumentParams) {
    let doc = params.text_document;
    // A change to a document that is not open has nothing to apply to; ignoring it is all
    // that can be done.
    if state.documents.change(
        &doc.uri,
        doc.version,
        params.content_changes,
        state.encoding(),
    ) {
        invalidate_dependents(state, &doc.uri);
        kinds_changed(state, &doc.uri);
    }
}

/// A document that defines (or defined) custom kinds changed: every policy may see other
/// kinds now, so the indexes are read again and every document analysed again. (A modeline
/// being typed waits for the save, which the file watcher reports: rebuilding the index on
/// every keystroke of a policy would cost far more than a late warning in a sample file.)
fn kinds_changed(state: &State, uri: &tower_lsp_server::ls_types::Uri) {
    let Some(path) = super::workspace::path_of(uri) else {
        return;
    };
    let text = state.documents.text_at(&path);
    if state.defines_kinds(&path, text.as_deref()) {
        state.invalidate_all();
    }
}

/// A saved file is what Helm renders from next: the open templates of its chart (which read
/// every file of it), itself included, are analysed again; and what kustomize builds from: a
/// saved kustomization may name other files, so the indexes are read again and every document
/// analysed again.
pub fn did_save(state: &State, params: DidSaveTextDocumentParams) {
    let uri = params.text_document.uri;
    let Some(path) = super::workspace::path_of(&uri) else {
        return;
    };
    state.files.forget(&path);
    if crate::host::kustomize::is_kustomization(&path) {
        state.invalidate_all();
        return;
    }
    for dependent in state.dependents(&path) {
        state.documents.invalidate(&dependent);
    }
}

pub async fn did_close(state: &State, client: &Client, params: DidCloseTextDocumentParams) {
    let uri = params.text_document.uri;
    if state.documents.close(&uri) {
        state.forget(&uri);
        // The file on disk is what other policies read from now on.
        invalidate_dependents(state, &uri);
        kinds_changed(state, &uri);
        diagnostics::clear(state, client, uri).await;
    }
}

/// Other open documents that read `uri`'s file (a sample file, a test manifest, a values
/// file) are analysed again with its current text.
fn invalidate_dependents(state: &State, uri: &tower_lsp_server::ls_types::Uri) {
    let Some(path) = super::workspace::path_of(uri) else {
        return;
    };
    for dependent in state.dependents(&path) {
        if &dependent != uri {
            state.documents.invalidate(&dependent);
        }
    }
}
