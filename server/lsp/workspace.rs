//! The workspace: its folders, the file path of a document, and reading the files a policy
//! names (sample resources, test manifests, values files) — only inside the workspace, with
//! the editor's unsaved text winning over the disk.

use std::collections::{BTreeSet, HashMap};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::SystemTime;

use tower_lsp_server::ls_types::{InitializeParams, Uri, WorkspaceFolder};

/// The local path of a `file://` URI.
pub fn path_of(uri: &Uri) -> Option<PathBuf> {
    if !uri.scheme().as_str().eq_ignore_ascii_case("file") {
        return None;
    }
    uri.to_file_path().map(|p| p.into_owned())
}

/// `path` made absolute and without `.` or `..`, without touching the disk (so that it also
/// names files that do not exist yet).
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The workspace folders, canonical.
#[derive(Default)]
pub struct Workspace {
    roots: RwLock<Vec<PathBuf>>,
}

impl Workspace {
    /// The folders of `initialize`: `workspaceFolders`, else `rootUri`, else `rootPath`.
    pub fn initialize(&self, params: &InitializeParams) {
        let mut roots: Vec<PathBuf> = params
            .workspace_folders
            .iter()
            .flatten()
            .filter_map(|f| path_of(&f.uri))
            .collect();
        #[allow(deprecated)] // `rootUri` and `rootPath` are what older clients send.
        if roots.is_empty() {
            roots.extend(params.root_uri.as_ref().and_then(path_of));
            if roots.is_empty() {
                roots.extend(params.root_path.as_ref().map(PathBuf::from));
            }
        }
        let mut guard = self.roots.write().unwrap_or_else(PoisonError::into_inner);
        *guard = roots.iter().filter_map(|r| r.canonicalize().ok()).collect();
    }

    /// `workspace/didChangeWorkspaceFolders`.
    pub fn change(&self, added: &[WorkspaceFolder], removed: &[WorkspaceFolder]) {
        let canonical = |f: &WorkspaceFolder| path_of(&f.uri).and_then(|p| p.canonicalize().ok());
        let removed: Vec<PathBuf> = removed.iter().filter_map(canonical).collect();
        let mut roots = self.roots.write().unwrap_or_else(PoisonError::into_inner);
        roots.retain(|r| !removed.contains(r));
        for root in added.iter().filter_map(canonical) {
            if !roots.contains(&root) {
                roots.push(root);
            }
        }
    }

    pub fn roots(&self) -> Vec<PathBuf> {
        self.roots
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The innermost workspace folder containing `path` (canonical), if any.
    pub fn root_for(&self, path: &Path) -> Option<PathBuf> {
        let canonical = canonical_lenient(path)?;
        self.roots
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter(|r| canonical.starts_with(r))
            .max_by_key(|r| r.components().count())
            .cloned()
    }
}

/// The canonical path of `path`, or, when it does not exist, of its folder joined with its
/// name.
pub fn canonical_lenient(path: &Path) -> Option<PathBuf> {
    if let Ok(p) = path.canonicalize() {
        return Some(p);
    }
    let parent = path.parent()?.canonicalize().ok()?;
    Some(parent.join(path.file_name()?))
}

/// File contents by canonical path, kept while the file's modification time and length stay
/// the same, so that re-analysing on every keystroke does not re-read unchanged files.
#[derive(Default)]
pub struct FileCache {
    files: Mutex<HashMap<PathBuf, Cached>>,
}

struct Cached {
    modified: Option<SystemTime>,
    len: u64,
    text: Arc<str>,
}

/// Files larger than this are not read as samples.
const MAX_SAMPLE_FILE: u64 = 4 * 1024 * 1024;

impl FileCache {
    fn read(&self, canonical: &Path) -> Option<Arc<str>> {
        let meta = std::fs::metadata(canonical).ok()?;
        if !meta.is_file() || meta.len() > MAX_SAMPLE_FILE {
            return None;
        }
        let mtime = meta.modified().ok();
        let mut files = self.files.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(c) = files.get(canonical) {
            if c.modified == mtime && c.len == meta.len() && mtime.is_some() {
                return Some(c.text.clone());
            }
        }
        let text: Arc<str> = std::fs::read_to_string(canonical).ok()?.into();
        let cached = Cached {
            modified: mtime,
            len: meta.len(),
            text: text.clone(),
        };
        files.insert(canonical.to_path_buf(), cached);
        Some(text)
    }

    /// Forgets a file (it changed on disk).
    pub fn forget(&self, path: &Path) {
        let mut files = self.files.lock().unwrap_or_else(PoisonError::into_inner);
        files.remove(path);
        if let Some(c) = canonical_lenient(path) {
            files.remove(&c);
        }
    }
}

/// Reads files for one analysis: only below `root`, open documents' text first, remembering
/// every path asked for (found or not) so that a change to any of them re-runs the analysis.
pub struct Reader<'a> {
    pub root: Option<PathBuf>,
    pub cache: &'a FileCache,
    /// The text of an open document at a path, if one is open there.
    pub open_text: &'a dyn Fn(&Path) -> Option<String>,
    pub asked: Mutex<BTreeSet<PathBuf>>,
}

impl<'a> Reader<'a> {
    /// A reader of the workspace folder `root`, open documents' text first.
    pub fn new(
        root: &Path,
        cache: &'a FileCache,
        open_text: &'a dyn Fn(&Path) -> Option<String>,
    ) -> Reader<'a> {
        Reader {
            root: Some(root.to_path_buf()),
            cache,
            open_text,
            asked: Mutex::default(),
        }
    }

    /// The text of `path` (absolute, or relative to the workspace folder), or None when it is
    /// missing, unreadable or outside the workspace.
    pub fn read(&self, path: &Path) -> Option<String> {
        let root = self.root.as_ref()?;
        let lexical = normalize(&root.join(path));
        let canonical = canonical_lenient(&lexical);
        {
            let mut asked = self.asked.lock().unwrap_or_else(PoisonError::into_inner);
            asked.insert(lexical.clone());
            asked.extend(canonical.clone());
        }
        // Checked on the canonical path: `..` and symbolic links may not lead outside.
        let canonical = canonical?;
        if !canonical.starts_with(root) {
            return None;
        }
        if let Some(text) = (self.open_text)(&lexical).or_else(|| (self.open_text)(&canonical)) {
            return Some(text);
        }
        self.cache.read(&canonical).map(|t| t.to_string())
    }

    /// The entries of a folder inside the workspace (symbolic links left out).
    pub fn list(&self, dir: &Path) -> Option<Vec<crate::vfs::DirEntry>> {
        let root = self.root.as_ref()?;
        let canonical = canonical_lenient(&normalize(&root.join(dir)))?;
        if !canonical.starts_with(root) {
            return None;
        }
        let mut out = Vec::new();
        for e in std::fs::read_dir(&canonical).ok()?.flatten() {
            let Ok(ft) = e.file_type() else { continue };
            if !ft.is_symlink() {
                out.push(crate::vfs::DirEntry {
                    path: e.path(),
                    is_dir: ft.is_dir(),
                });
            }
        }
        Some(out)
    }

    pub fn into_asked(self) -> BTreeSet<PathBuf> {
        self.asked
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl crate::vfs::Files for Reader<'_> {
    fn read(&self, path: &Path) -> Result<String, String> {
        Reader::read(self, path).ok_or_else(|| {
            format!(
                "cannot read {}: it is missing, not UTF-8 text, or outside the workspace",
                path.display()
            )
        })
    }
    fn real(&self, path: &Path) -> Option<PathBuf> {
        path.canonicalize().ok()
    }
    fn list(&self, dir: &Path) -> Option<Vec<crate::vfs::DirEntry>> {
        Reader::list(self, dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_stay_inside_the_workspace() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("ws");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("sub/pod.yaml"), "kind: Pod\n").unwrap();
        std::fs::write(dir.path().join("secret.yaml"), "secret\n").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.path().join("secret.yaml"), root.join("link.yaml")).unwrap();
        let root = root.canonicalize().unwrap();
        let cache = FileCache::default();
        let open = |p: &Path| (p.file_name()? == "open.yaml").then(|| "unsaved".to_string());
        let reader = Reader {
            root: Some(root.clone()),
            cache: &cache,
            open_text: &open,
            asked: Mutex::default(),
        };
        assert_eq!(
            reader.read(Path::new("sub/pod.yaml")).as_deref(),
            Some("kind: Pod\n")
        );
        assert_eq!(
            reader.read(&root.join("sub/../sub/pod.yaml")).as_deref(),
            Some("kind: Pod\n")
        );
        assert_eq!(reader.read(Path::new("../secret.yaml")), None);
        assert_eq!(reader.read(&dir.path().join("secret.yaml")), None);
        #[cfg(unix)]
        assert_eq!(reader.read(Path::new("link.yaml")), None);
        assert_eq!(reader.read(Path::new("missing.yaml")), None);
        assert_eq!(
            reader.read(Path::new("open.yaml")).as_deref(),
            Some("unsaved")
        );
        let asked = reader.into_asked();
        assert!(asked.contains(&root.join("missing.yaml")));
        assert!(asked.contains(&root.join("sub/pod.yaml")));
    }
}
