//! File access for the core: one trait, one directory walker, and the one implementation on
//! the file system. Everything that reads files besides the text under analysis (test
//! manifests and what they name, modeline files, the index of a folder) reads through
//! [`Files`], so the language server can answer from its open buffers and tests from memory.

use std::path::{Path, PathBuf};

/// One entry of a folder listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    pub path: PathBuf,
    pub is_dir: bool,
}

/// Reading files. Implementations decide what may be read (a workspace folder, a repository)
/// and refuse the rest.
pub trait Files {
    /// The text of the file at `path`, or why it cannot be had (missing, unreadable, not UTF-8,
    /// too large, not allowed), in words for a message: `cannot read /p/x.yaml: ...`.
    fn read(&self, path: &Path) -> Result<String, String>;

    /// The real path of an existing file (symbolic links resolved), or None.
    fn real(&self, path: &Path) -> Option<PathBuf> {
        let _ = path;
        None
    }

    /// The entries of a folder, symbolic links left out; None when it is not a folder or
    /// cannot be listed.
    fn list(&self, dir: &Path) -> Option<Vec<DirEntry>>;
}

/// What a walk skips and where it stops.
#[derive(Debug, Clone, Copy)]
pub struct WalkLimits {
    /// Enter folders whose name starts with a dot (Kyverno's tests live in `.kyverno-test`,
    /// chainsaw's in `.chainsaw-test`); `.git` is never entered.
    pub hidden: bool,
    /// Entries looked at before the walk stops.
    pub max_entries: usize,
    /// Folders below the root entered.
    pub max_depth: usize,
}

impl Default for WalkLimits {
    fn default() -> Self {
        WalkLimits {
            hidden: true,
            max_entries: crate::limits::MAX_WALK_ENTRIES,
            max_depth: crate::limits::MAX_WALK_DEPTH,
        }
    }
}

/// Folders no walk enters: version control, dependency trees and build output.
const SKIPPED_FOLDERS: &[&str] = &[".git", "node_modules", "target"];

/// The files below `root` that `wanted` accepts (or `root` itself when it is not a folder and
/// is accepted), hidden folders included, sorted. The walk stops at the default
/// [`WalkLimits`]; the flag says it did.
pub fn walk(
    files: &dyn Files,
    root: &Path,
    wanted: &dyn Fn(&Path) -> bool,
) -> (Vec<PathBuf>, bool) {
    walk_with(files, root, wanted, WalkLimits::default())
}

/// [`walk`] with other limits.
pub fn walk_with(
    files: &dyn Files,
    root: &Path,
    wanted: &dyn Fn(&Path) -> bool,
    limits: WalkLimits,
) -> (Vec<PathBuf>, bool) {
    let mut out = Vec::new();
    let Some(first) = files.list(root) else {
        if wanted(root) {
            out.push(root.to_path_buf());
        }
        return (out, false);
    };
    let mut stack = vec![(first, 0usize)];
    let mut seen = 0usize;
    while let Some((mut entries, depth)) = stack.pop() {
        // Listing order is the file system's; sorted, a walk cut short is the same each time.
        entries.sort_by(|a, b| a.path.cmp(&b.path));
        for e in entries {
            seen += 1;
            if seen > limits.max_entries {
                out.sort();
                return (out, true);
            }
            if e.is_dir {
                let name = e.path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                let skipped = SKIPPED_FOLDERS.contains(&name)
                    || (!limits.hidden && name.starts_with('.'))
                    || depth + 1 > limits.max_depth;
                if !skipped {
                    stack.extend(files.list(&e.path).map(|l| (l, depth + 1)));
                }
            } else if wanted(&e.path) {
                out.push(e.path);
            }
        }
    }
    out.sort();
    (out, false)
}

/// `.yaml` and `.yml` files.
pub fn is_yaml(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|x| x.to_str()),
        Some("yaml" | "yml")
    )
}

/// [`Files`] on the file system, confined to one folder (compared on real paths, so a
/// symbolic link cannot lead out), or anywhere for a caller that decides paths itself (the
/// test runner's sandbox).
pub struct FsFiles {
    root: Option<PathBuf>,
}

impl FsFiles {
    /// Reads only below `root`.
    pub fn new(root: &Path) -> FsFiles {
        FsFiles {
            root: Some(root.canonicalize().unwrap_or_else(|_| root.to_path_buf())),
        }
    }

    /// Reads anywhere: the caller decides which paths to ask for.
    pub fn anywhere() -> FsFiles {
        FsFiles { root: None }
    }

    fn allowed(&self, path: &Path) -> Result<PathBuf, String> {
        let real = path
            .canonicalize()
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        match &self.root {
            Some(root) if !real.starts_with(root) => Err(format!(
                "cannot read {}: it is outside {}",
                path.display(),
                root.display()
            )),
            _ => Ok(real),
        }
    }
}

impl Files for FsFiles {
    fn read(&self, path: &Path) -> Result<String, String> {
        let real = self.allowed(path)?;
        read_text(&real)
            .map_err(|e| e.replace(&real.display().to_string(), &path.display().to_string()))
    }

    fn real(&self, path: &Path) -> Option<PathBuf> {
        path.canonicalize().ok()
    }

    fn list(&self, dir: &Path) -> Option<Vec<DirEntry>> {
        self.allowed(dir).ok()?;
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir).ok()?.flatten() {
            let Ok(ft) = e.file_type() else { continue };
            if !ft.is_symlink() {
                out.push(DirEntry {
                    path: e.path(),
                    is_dir: ft.is_dir(),
                });
            }
        }
        Some(out)
    }
}

/// The largest file read ([`crate::limits::MAX_TEST_FILE_BYTES`]).
pub const MAX_FILE_BYTES: u64 = crate::limits::MAX_TEST_FILE_BYTES;

/// Reads a text file of at most [`MAX_FILE_BYTES`].
pub fn read_text(path: &Path) -> Result<String, String> {
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if !meta.is_file() {
        return Err(format!("cannot read {}: it is a folder", path.display()));
    }
    let len = meta.len();
    if len > MAX_FILE_BYTES {
        return Err(format!(
            "{} is {len} bytes; the limit is {MAX_FILE_BYTES}",
            path.display()
        ));
    }
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

use std::collections::BTreeMap;

/// Files in memory, for tests and fuzz targets: every folder is implied by the paths below it.
#[doc(hidden)]
#[derive(Default)]
pub struct MemFiles(pub BTreeMap<PathBuf, String>);

impl MemFiles {
    pub fn new(files: &[(&str, &str)]) -> MemFiles {
        MemFiles(
            files
                .iter()
                .map(|(p, t)| (PathBuf::from(p), t.to_string()))
                .collect(),
        )
    }
}

impl Files for MemFiles {
    fn read(&self, path: &Path) -> Result<String, String> {
        self.0
            .get(path)
            .cloned()
            .ok_or_else(|| format!("cannot read {}: no such file", path.display()))
    }
    fn list(&self, dir: &Path) -> Option<Vec<DirEntry>> {
        let mut out: Vec<DirEntry> = Vec::new();
        for p in self.0.keys() {
            let Ok(rest) = p.strip_prefix(dir) else {
                continue;
            };
            let mut parts = rest.components();
            let Some(first) = parts.next() else { continue };
            let path = dir.join(first);
            let is_dir = parts.next().is_some();
            if !out.iter().any(|e| e.path == path) {
                out.push(DirEntry { path, is_dir });
            }
        }
        (!out.is_empty()).then_some(out)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    pub use super::MemFiles;
    use super::*;

    #[test]
    fn walk_finds_yaml_in_hidden_folders_but_not_in_git() {
        let files = MemFiles::new(&[
            ("/r/p/policy.yaml", ""),
            ("/r/p/.kyverno-test/kyverno-test.yaml", ""),
            ("/r/p/.chainsaw-test/assert.yml", ""),
            ("/r/p/README.md", ""),
            ("/r/.git/config.yaml", ""),
            ("/r/node_modules/x/a.yaml", ""),
        ]);
        let (found, truncated) = walk(&files, Path::new("/r"), &is_yaml);
        assert!(!truncated);
        assert_eq!(
            found,
            [
                PathBuf::from("/r/p/.chainsaw-test/assert.yml"),
                PathBuf::from("/r/p/.kyverno-test/kyverno-test.yaml"),
                PathBuf::from("/r/p/policy.yaml"),
            ]
        );
        assert_eq!(
            walk(&files, Path::new("/r/p/policy.yaml"), &is_yaml).0,
            [PathBuf::from("/r/p/policy.yaml")]
        );
    }

    #[test]
    fn a_walk_stops_at_its_limits_and_says_so() {
        let files = MemFiles::new(&[
            ("/r/a.yaml", ""),
            ("/r/b.yaml", ""),
            ("/r/c/d/e.yaml", ""),
            ("/r/.hidden/f.yaml", ""),
        ]);
        let limits = |max_entries, max_depth, hidden| WalkLimits {
            hidden,
            max_entries,
            max_depth,
        };
        let walked = |l| walk_with(&files, Path::new("/r"), &is_yaml, l);
        // Sorted, `.hidden` (a folder, entered later) and `a.yaml` are the first two.
        assert_eq!(
            walked(limits(2, 32, true)),
            (vec![PathBuf::from("/r/a.yaml")], true)
        );
        assert_eq!(
            walked(limits(100, 1, false)),
            (
                vec![PathBuf::from("/r/a.yaml"), PathBuf::from("/r/b.yaml")],
                false
            )
        );
        assert_eq!(walked(limits(100, 32, true)).0.len(), 4);
    }

    #[test]
    fn the_file_system_stays_inside_its_folder() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("ws");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(root.join("in.yaml"), "a: 1\n").unwrap();
        std::fs::write(dir.path().join("out.yaml"), "b: 2\n").unwrap();
        let files = FsFiles::new(&root);
        assert_eq!(files.read(&root.join("in.yaml")).as_deref(), Ok("a: 1\n"));
        let outside = dir.path().join("out.yaml");
        let real_root = root.canonicalize().unwrap();
        assert_eq!(
            files.read(&root.join("../out.yaml")),
            Err(format!(
                "cannot read {}: it is outside {}",
                root.join("../out.yaml").display(),
                real_root.display()
            ))
        );
        assert!(FsFiles::anywhere().read(&outside).is_ok());
        assert_eq!(
            files.read(&root),
            Err(format!("cannot read {}: it is a folder", root.display()))
        );
    }
}
