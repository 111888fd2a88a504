//! What applies to an open document besides its text, decided by the core's host
//! ([`crate::host::inputs_for`], as for `check`) through a sandboxed reader, and kept between
//! keystrokes: it parses the policy and reads files, and its result changes only when the
//! modeline, the manifests that list the file, or a file it looked at changes.

use std::collections::{BTreeSet, HashMap};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::SystemTime;

use tower_lsp_server::ls_types::Uri;

use super::documents::Documents;
use super::workspace::{FileCache, Reader};
use crate::host::{self, FileInputs, Index};
use crate::samples::{self, Origin};

/// What a file looked like when discovery read it (or looked for it).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Stamp {
    /// Open in the editor: a hash of its text.
    Open(u64),
    Disk(Option<SystemTime>, u64),
    Missing,
}

fn stamp(documents: &Documents, path: &Path) -> Stamp {
    if let Some(text) = documents.text_at(path) {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        text.hash(&mut h);
        return Stamp::Open(h.finish());
    }
    match std::fs::metadata(path) {
        Ok(m) => Stamp::Disk(m.modified().ok(), m.len()),
        Err(_) => Stamp::Missing,
    }
}

struct Entry {
    modeline: Vec<String>,
    listing: Vec<PathBuf>,
    root: PathBuf,
    stamps: Vec<(PathBuf, Stamp)>,
    found: FileInputs,
    asked: BTreeSet<PathBuf>,
}

#[derive(Default)]
pub struct DiscoveryCache {
    entries: Mutex<HashMap<Uri, Entry>>,
}

impl DiscoveryCache {
    /// The inputs of the document `uri` at `path` (canonical) in the workspace folder `root`
    /// with its `index`, and the files looked at.
    #[allow(clippy::too_many_arguments)]
    pub fn inputs(
        &self,
        documents: &Documents,
        files: &FileCache,
        uri: &Uri,
        path: &Path,
        root: &Path,
        index: &Index,
        text: &str,
    ) -> (FileInputs, BTreeSet<PathBuf>) {
        let modeline = samples::modeline(text);
        let listing = index.manifests_listing(path);
        {
            let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(e) = entries.get(uri) {
                // Which test entries apply depends on the policy's name, which only a parse
                // tells: results from manifests are not reused.
                let reusable = e.modeline == modeline
                    && e.root == root
                    && e.listing == listing
                    && !e
                        .found
                        .inputs
                        .external_samples
                        .iter()
                        .any(|s| s.origin == Origin::TestManifest)
                    && e.stamps.iter().all(|(p, s)| stamp(documents, p) == *s);
                if reusable {
                    return (e.found.clone(), e.asked.clone());
                }
            }
        }
        let open_text = |p: &Path| documents.text_at(p);
        let reader = Reader::new(root, files, &open_text);
        let options = host::Options {
            helm: None,
            kustomize: None,
            builtin_samples: true,
            resources: Vec::new(),
            lints: Vec::new(),
        };
        let found = host::inputs_for(&reader, index, root, path, text, &options);
        let asked = reader.into_asked();
        let stamps = asked
            .iter()
            .map(|p| (p.clone(), stamp(documents, p)))
            .collect();
        let entry = Entry {
            modeline,
            listing,
            root: root.to_path_buf(),
            stamps,
            found: found.clone(),
            asked: asked.clone(),
        };
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(uri.clone(), entry);
        (found, asked)
    }

    /// Forgets what was found for `uri` (closed, or a file it read changed).
    pub fn forget(&self, uri: &Uri) {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(uri);
    }

    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}
