//! The files the `samples` setting names: globs matched against paths relative to a workspace
//! folder (`samples/**/*.yaml`). `**` is any number of folders, `*` and `?` stay inside one
//! name, `{a,b}` is either. The walk skips hidden folders, `node_modules` and `target`,
//! follows no symbolic link, and stops at fixed limits, so a huge repository cannot stall it.

use std::path::{Path, PathBuf};

use crate::vfs::{self, Files, WalkLimits};

/// Entries looked at in one walk of a workspace folder.
const MAX_VISITED: usize = 20_000;
/// Files returned; more would only slow every analysis down.
pub const MAX_FILES: usize = 50;
/// The files below `root` that one of `globs` matches, sorted, at most [`MAX_FILES`].
pub fn find(files: &dyn Files, root: &Path, globs: &[String]) -> Vec<PathBuf> {
    let patterns = crate::glob::Globs::new(globs);
    if patterns.is_empty() {
        return Vec::new();
    }
    let wanted = |p: &Path| {
        let Ok(rel) = p.strip_prefix(root) else {
            return false;
        };
        let segments: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        patterns.matches(&segments)
    };
    let limits = WalkLimits {
        hidden: false,
        max_entries: MAX_VISITED,
        ..WalkLimits::default()
    };
    let (mut found, _) = vfs::walk_with(files, root, &wanted, limits);
    found.truncate(MAX_FILES);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_files_and_skips_hidden_folders() {
        let dir = std::env::temp_dir().join(format!("kyverno-ls-globs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for f in [
            "samples/a.yaml",
            "samples/deep/b.yaml",
            "samples/c.txt",
            ".git/samples/d.yaml",
        ] {
            let p = dir.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "").unwrap();
        }
        let found = find(
            &vfs::FsFiles::new(&dir),
            &dir,
            &["samples/**/*.yaml".to_owned(), "**/*.txt".to_owned()],
        );
        let rel: Vec<_> = found
            .iter()
            .map(|p| p.strip_prefix(&dir).unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            rel,
            ["samples/a.yaml", "samples/c.txt", "samples/deep/b.yaml"]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
