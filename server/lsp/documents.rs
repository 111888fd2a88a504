//! Open documents: their text (a rope, cheap to edit and to clone), version and latest analysis.
//!
//! The map sits behind a plain mutex that is never held across an `.await`: every method here
//! is short and synchronous, so notification handlers apply edits in the order they arrive.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use ropey::Rope;
use tokio::sync::Notify;
use tower_lsp_server::ls_types::{TextDocumentContentChangeEvent, Uri};

use super::position::{Encoding, range_to_span};
use crate::analysis::Analysis;

/// One version of a document's text and what the core made of it. Spans in `analysis` index
/// `text`, and `rope` holds the same text, so converting them never needs the live document.
#[derive(Debug)]
pub struct Snapshot {
    /// Tells a reopened document from the one closed before it (versions restart on reopen).
    pub doc_id: u64,
    pub version: i32,
    /// Bumped on every edit and whenever what the analysis reads besides the text (sample
    /// files, settings, the picked sample) changes, so that results computed from an older
    /// text or older inputs are dropped. The client's version alone cannot tell: a client may
    /// send the same or an older version again with another edit.
    pub epoch: u64,
    pub rope: Rope,
    pub text: String,
    pub analysis: Analysis,
}

/// The text to analyse for the current version, or the analysis already done for it.
pub enum Current {
    Analysed(Arc<Snapshot>),
    Pending {
        doc_id: u64,
        version: i32,
        epoch: u64,
        rope: Rope,
    },
}

impl Current {
    /// Identifies what an analysis of this would be computed from: document, version, inputs.
    pub fn version(&self) -> (u64, i32, u64) {
        match self {
            Current::Analysed(s) => (s.doc_id, s.version, s.epoch),
            Current::Pending {
                doc_id,
                version,
                epoch,
                ..
            } => (*doc_id, *version, *epoch),
        }
    }
}

struct Document {
    id: u64,
    /// Where the document is on disk (for `file://` URIs): as the URI names it, and canonical.
    paths: Vec<std::path::PathBuf>,
    version: i32,
    epoch: u64,
    rope: Rope,
    snapshot: Option<Arc<Snapshot>>,
    /// Wakes the document's analysis worker after an edit or on close.
    wake: Arc<Notify>,
}

#[derive(Default)]
pub struct Documents {
    map: Mutex<HashMap<Uri, Document>>,
    next_id: AtomicU64,
}

impl Documents {
    fn lock(&self) -> MutexGuard<'_, HashMap<Uri, Document>> {
        // A panic elsewhere must not take every later request down with it; the map itself
        // is never left half-updated.
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts tracking a document; returns its id and the notifier its worker should wait on.
    /// Opening a document that is already open replaces it (and retires its worker).
    pub fn open(&self, uri: Uri, version: i32, text: &str) -> (u64, Arc<Notify>) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let wake = Arc::new(Notify::new());
        let paths = super::workspace::path_of(&uri)
            .map(|p| {
                let lexical = super::workspace::normalize(&p);
                let canonical = super::workspace::canonical_lenient(&lexical);
                std::iter::once(lexical).chain(canonical).collect()
            })
            .unwrap_or_default();
        let doc = Document {
            id,
            paths,
            version,
            epoch: 0,
            rope: Rope::from_str(text),
            snapshot: None,
            wake: wake.clone(),
        };
        if let Some(old) = self.lock().insert(uri, doc) {
            old.wake.notify_one();
        }
        wake.notify_one();
        (id, wake)
    }

    /// Applies `changes` in order and records `version`. Returns false for an unknown document.
    pub fn change(
        &self,
        uri: &Uri,
        version: i32,
        changes: Vec<TextDocumentContentChangeEvent>,
        encoding: Encoding,
    ) -> bool {
        let mut map = self.lock();
        let Some(doc) = map.get_mut(uri) else {
            return false;
        };
        for change in changes {
            apply_change(&mut doc.rope, change, encoding);
        }
        doc.version = version;
        doc.epoch += 1;
        doc.snapshot = None;
        doc.wake.notify_one();
        true
    }

    /// Forgets a document. Returns false if it was not open.
    pub fn close(&self, uri: &Uri) -> bool {
        match self.lock().remove(uri) {
            Some(doc) => {
                doc.wake.notify_one();
                true
            }
            None => false,
        }
    }

    /// Forgets every document, so that their workers stop.
    pub fn close_all(&self) {
        for (_, doc) in self.lock().drain() {
            doc.wake.notify_one();
        }
    }

    /// Drops the analysis of `uri` because its inputs changed, and wakes its worker to redo it.
    /// Returns false if it is not open.
    pub fn invalidate(&self, uri: &Uri) -> bool {
        let mut map = self.lock();
        let Some(doc) = map.get_mut(uri) else {
            return false;
        };
        doc.epoch += 1;
        doc.snapshot = None;
        doc.wake.notify_one();
        true
    }

    /// The open documents.
    pub fn uris(&self) -> Vec<Uri> {
        self.lock().keys().cloned().collect()
    }

    /// The current text of the open document at `path`, if there is one.
    pub fn text_at(&self, path: &std::path::Path) -> Option<String> {
        self.lock()
            .values()
            .find(|d| d.paths.iter().any(|p| p == path))
            .map(|d| d.rope.to_string())
    }

    /// The current version of `uri`, if it is open (and, given `doc_id`, still that document).
    pub fn current(&self, uri: &Uri, doc_id: Option<u64>) -> Option<Current> {
        let map = self.lock();
        let doc = map
            .get(uri)
            .filter(|d| doc_id.is_none_or(|id| id == d.id))?;
        Some(match &doc.snapshot {
            Some(snapshot) => Current::Analysed(snapshot.clone()),
            None => Current::Pending {
                doc_id: doc.id,
                version: doc.version,
                epoch: doc.epoch,
                rope: doc.rope.clone(),
            },
        })
    }

    /// Whether `doc_id` at `version`, analysed with the inputs of `epoch`, is still what the
    /// client has open as `uri`.
    pub fn is_current(&self, uri: &Uri, (doc_id, version, epoch): (u64, i32, u64)) -> bool {
        self.lock()
            .get(uri)
            .is_some_and(|d| d.id == doc_id && d.version == version && d.epoch == epoch)
    }

    /// Keeps `snapshot` as the document's analysis if it is of the current version, so later
    /// requests reuse it. Returns whether it was current.
    pub fn store(&self, uri: &Uri, snapshot: &Arc<Snapshot>) -> bool {
        let mut map = self.lock();
        match map.get_mut(uri) {
            Some(d)
                if d.id == snapshot.doc_id
                    && d.version == snapshot.version
                    && d.epoch == snapshot.epoch =>
            {
                d.snapshot = Some(snapshot.clone());
                true
            }
            _ => false,
        }
    }
}

/// A change with a range edits that range; one without replaces the whole text.
fn apply_change(rope: &mut Rope, change: TextDocumentContentChangeEvent, encoding: Encoding) {
    match change.range {
        None => *rope = Rope::from_str(&change.text),
        Some(range) => {
            let span = range_to_span(rope, range, encoding);
            let start = rope.byte_to_char(span.start);
            rope.remove(start..rope.byte_to_char(span.end));
            rope.insert(start, &change.text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower_lsp_server::ls_types::{Position, Range};

    fn uri() -> Uri {
        "file:///p.yaml".parse().unwrap()
    }

    fn edit(l0: u32, c0: u32, l1: u32, c1: u32, text: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: Some(Range::new(Position::new(l0, c0), Position::new(l1, c1))),
            range_length: None,
            text: text.into(),
        }
    }

    fn text(docs: &Documents) -> String {
        match docs.current(&uri(), None).unwrap() {
            Current::Pending { rope, .. } => rope.to_string(),
            Current::Analysed(s) => s.text.clone(),
        }
    }

    #[test]
    fn edits_apply_in_order_in_the_negotiated_encoding() {
        let docs = Documents::default();
        docs.open(uri(), 1, "name: 🙂 old\nnext: x\n");
        let changes = vec![
            // Replace "old" (UTF-16 columns 9..12) and then insert at the new line 1.
            edit(0, 9, 0, 12, "new\nmid"),
            edit(1, 3, 1, 3, "dle"),
        ];
        assert!(docs.change(&uri(), 2, changes, Encoding::Utf16));
        assert_eq!(text(&docs), "name: 🙂 new\nmiddle\nnext: x\n");

        // The same column in bytes.
        docs.change(&uri(), 3, vec![edit(0, 11, 0, 14, "NEW")], Encoding::Utf8);
        assert_eq!(text(&docs), "name: 🙂 NEW\nmiddle\nnext: x\n");
    }

    #[test]
    fn a_change_without_range_replaces_the_text_and_ranges_clamp() {
        let docs = Documents::default();
        docs.open(uri(), 1, "abc");
        let full = TextDocumentContentChangeEvent {
            range: None,
            range_length: None,
            text: "xyz".into(),
        };
        docs.change(
            &uri(),
            2,
            vec![full, edit(7, 0, 9, 9, "!")],
            Encoding::Utf16,
        );
        assert_eq!(text(&docs), "xyz!");
        assert!(!docs.change(
            &"file:///other".parse().unwrap(),
            1,
            vec![],
            Encoding::Utf16
        ));
    }

    #[test]
    fn snapshots_of_old_versions_or_closed_documents_are_refused() {
        let docs = Documents::default();
        let (id, _) = docs.open(uri(), 1, "a");
        let snapshot = |doc_id, version, epoch| {
            Arc::new(Snapshot {
                doc_id,
                version,
                epoch,
                rope: Rope::from_str("a"),
                text: "a".into(),
                analysis: Analysis::default(),
            })
        };
        // An edit is a new epoch as well as a new version.
        docs.change(&uri(), 2, vec![edit(0, 1, 0, 1, "b")], Encoding::Utf16);
        assert!(!docs.store(&uri(), &snapshot(id, 1, 0)));
        assert!(!docs.store(&uri(), &snapshot(id, 2, 0)));
        assert!(docs.store(&uri(), &snapshot(id, 2, 1)));
        assert!(matches!(
            docs.current(&uri(), Some(id)),
            Some(Current::Analysed(_))
        ));

        // Reopened: same uri and version, but another document.
        docs.close(&uri());
        let (new_id, _) = docs.open(uri(), 2, "a");
        assert!(!docs.is_current(&uri(), (id, 2, 0)));
        assert!(docs.is_current(&uri(), (new_id, 2, 0)));
        assert!(docs.current(&uri(), Some(id)).is_none());
        assert!(!docs.store(&uri(), &snapshot(id, 2, 0)));

        // Inputs changed: the analysis of the same version is refused too.
        assert!(docs.invalidate(&uri()));
        assert!(!docs.is_current(&uri(), (new_id, 2, 0)));
        assert!(!docs.store(&uri(), &snapshot(new_id, 2, 0)));
        assert!(docs.is_current(&uri(), (new_id, 2, 1)));

        // The client sends version 2 again with another edit: another text, and the analysis
        // of the text before it is refused.
        docs.change(&uri(), 2, vec![edit(0, 0, 0, 0, "x")], Encoding::Utf16);
        assert!(!docs.is_current(&uri(), (new_id, 2, 1)));
        assert!(docs.is_current(&uri(), (new_id, 2, 2)));
    }
}
