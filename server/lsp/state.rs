//! What the request handlers share: the core, the open documents, the negotiated encoding.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use tower_lsp_server::ls_types::Uri;

use super::analyzer::Analyzer;
use super::documents::{Current, Documents, Snapshot};
use super::position::Encoding;

pub struct State {
    pub analyzer: Arc<dyn Analyzer>,
    pub documents: Documents,
    encoding: OnceLock<Encoding>,
    /// Held while checking that a result is current and publishing it, so that a result
    /// found current cannot reach the client after a newer one or after the close.
    pub publish: tokio::sync::Mutex<()>,
    shutdown: AtomicBool,
}

impl State {
    pub fn new(analyzer: Arc<dyn Analyzer>) -> Self {
        State {
            analyzer,
            documents: Documents::default(),
            encoding: OnceLock::new(),
            publish: tokio::sync::Mutex::new(()),
            shutdown: AtomicBool::new(false),
        }
    }

    pub fn encoding(&self) -> Encoding {
        self.encoding.get().copied().unwrap_or_default()
    }

    /// Fixed once, by `initialize`; the framework refuses a second `initialize`.
    pub fn set_encoding(&self, encoding: Encoding) {
        let _ = self.encoding.set(encoding);
    }

    pub fn request_shutdown(&self) {
        self.shutdown.store(true, Ordering::SeqCst);
    }

    pub fn shutdown_requested(&self) -> bool {
        self.shutdown.load(Ordering::SeqCst)
    }

    /// The analysed snapshot for `current`, analysing (and keeping the result) if needed.
    /// Blocking: call it from a blocking thread.
    pub fn snapshot(&self, uri: &Uri, current: Current) -> Arc<Snapshot> {
        match current {
            Current::Analysed(snapshot) => snapshot,
            Current::Pending {
                doc_id,
                version,
                rope,
            } => {
                let text = rope.to_string();
                let analysis = self.analyzer.analyze(&text);
                let snapshot = Arc::new(Snapshot {
                    doc_id,
                    version,
                    rope,
                    text,
                    analysis,
                });
                self.documents.store(uri, &snapshot);
                snapshot
            }
        }
    }

    /// Runs `f` on a blocking thread with the analysed current version of `uri`. `None` when
    /// the document is not open, or when the core panicked (the request then has no result,
    /// rather than the server going down).
    pub async fn on_snapshot<R, F>(self: &Arc<Self>, uri: &Uri, f: F) -> Option<R>
    where
        R: Send + 'static,
        F: FnOnce(&dyn Analyzer, &Snapshot) -> R + Send + 'static,
    {
        let current = self.documents.current(uri, None)?;
        let state = self.clone();
        let uri = uri.clone();
        tokio::task::spawn_blocking(move || {
            let snapshot = state.snapshot(&uri, current);
            f(&*state.analyzer, &snapshot)
        })
        .await
        .ok()
    }
}
