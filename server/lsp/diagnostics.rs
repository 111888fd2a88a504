//! Analysis and publication of diagnostics, one worker task per open document.
//!
//! A worker wakes after edits, analyses whatever version is current then (so a burst of
//! edits costs one analysis, not one per keystroke), and publishes only if that version is
//! still current when the analysis ends.

use std::sync::Arc;

use tokio::sync::Notify;
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::Uri;

use super::convert::Converter;
use super::state::State;

pub fn spawn_worker(state: Arc<State>, client: Client, uri: Uri, doc_id: u64, wake: Arc<Notify>) {
    tokio::spawn(async move {
        let mut last = None;
        loop {
            wake.notified().await;
            let Some(current) = state.documents.current(&uri, Some(doc_id)) else {
                return; // closed, or replaced by a reopen with its own worker
            };
            // An edit that arrived while its version was being analysed leaves a wake-up
            // behind; that version needs no second analysis.
            if last == Some(current.version()) {
                continue;
            }
            last = Some(current.version());

            let (st, u) = (state.clone(), uri.clone());
            let analysed = tokio::task::spawn_blocking(move || {
                let snapshot = st.snapshot(&u, current);
                let convert = Converter {
                    rope: &snapshot.rope,
                    encoding: st.encoding(),
                    uri: &u,
                };
                let diagnostics = snapshot
                    .analysis
                    .diagnostics
                    .iter()
                    .map(|d| convert.diagnostic(d))
                    .collect::<Vec<_>>();
                (
                    (snapshot.doc_id, snapshot.version, snapshot.epoch),
                    diagnostics,
                )
            })
            .await;
            // A panicking core publishes nothing for this version; the next edit tries again.
            let Ok((analysed, diagnostics)) = analysed else {
                continue;
            };

            let _order = state.publish.lock().await;
            if state.documents.is_current(&uri, analysed) {
                client
                    .publish_diagnostics(uri.clone(), diagnostics, Some(analysed.1))
                    .await;
            }
        }
    });
}

/// Clears a closed document's diagnostics, after anything its worker already published.
pub async fn clear(state: &State, client: &Client, uri: Uri) {
    let _order = state.publish.lock().await;
    client.publish_diagnostics(uri, Vec::new(), None).await;
}
