//! [`Files`] on the file system, confined to one folder: what the CLI reads through. The
//! language server has its own implementation (open buffers first, then the disk).

use std::path::{Path, PathBuf};

use super::{DirEntry, Files};

/// Reads only below `root` (compared on real paths, so a symbolic link cannot lead out).
pub struct FsFiles {
    root: PathBuf,
    real_root: PathBuf,
}

impl FsFiles {
    pub fn new(root: &Path) -> FsFiles {
        FsFiles {
            root: root.to_path_buf(),
            real_root: root.canonicalize().unwrap_or_else(|_| root.to_path_buf()),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn allowed(&self, path: &Path) -> Option<PathBuf> {
        let real = path.canonicalize().ok()?;
        real.starts_with(&self.real_root).then_some(real)
    }
}

impl Files for FsFiles {
    fn read(&self, path: &Path) -> Option<String> {
        let real = self.allowed(path)?;
        if !real.is_file() {
            return None;
        }
        crate::testing::files::read_text(&real).ok()
    }

    fn real(&self, path: &Path) -> Option<PathBuf> {
        path.canonicalize().ok()
    }

    fn list(&self, dir: &Path) -> Option<Vec<DirEntry>> {
        self.allowed(dir)?;
        let entries = std::fs::read_dir(dir).ok()?;
        let mut out = Vec::new();
        for e in entries.flatten() {
            let Ok(ft) = e.file_type() else { continue };
            if ft.is_symlink() {
                continue;
            }
            out.push(DirEntry {
                path: e.path(),
                is_dir: ft.is_dir(),
            });
        }
        Some(out)
    }
}
