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
/// Alternatives one glob may expand to.
const MAX_ALTERNATIVES: usize = 64;

/// The files below `root` that one of `globs` matches, sorted, at most [`MAX_FILES`].
pub fn find(files: &dyn Files, root: &Path, globs: &[String]) -> Vec<PathBuf> {
    let patterns: Vec<Vec<String>> = globs
        .iter()
        .flat_map(|g| expand(g.trim_start_matches("./")))
        .map(|p| {
            p.split('/')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .collect();
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
        patterns.iter().any(|pattern| matches(pattern, &segments))
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

/// `{a,b}` alternatives expanded (innermost first), bounded.
fn expand(glob: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut todo = vec![glob.to_owned()];
    while let Some(g) = todo.pop() {
        if out.len() + todo.len() >= MAX_ALTERNATIVES {
            break;
        }
        let Some(close) = g.find('}') else {
            out.push(g);
            continue;
        };
        let Some(open) = g[..close].rfind('{') else {
            out.push(g);
            continue;
        };
        for alt in g[open + 1..close].split(',') {
            todo.push(format!("{}{alt}{}", &g[..open], &g[close + 1..]));
        }
    }
    out
}

/// Whether the path segments `path` match the glob segments `pattern`.
fn matches(pattern: &[String], path: &[String]) -> bool {
    match pattern.split_first() {
        None => path.is_empty(),
        Some((first, rest)) if first == "**" => {
            (0..=path.len()).any(|skip| matches(rest, &path[skip..]))
        }
        Some((first, rest)) => match path.split_first() {
            // Segments hold no `/`, so Kyverno's wildcard stays inside one name.
            Some((name, tail)) => crate::wildcard::matches(first, name) && matches(rest, tail),
            None => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(glob: &str, path: &str) -> bool {
        expand(glob).iter().any(|g| {
            let p: Vec<String> = g.split('/').map(str::to_owned).collect();
            let path: Vec<String> = path.split('/').map(str::to_owned).collect();
            matches(&p, &path)
        })
    }

    #[test]
    fn globs() {
        assert!(m("samples/**/*.yaml", "samples/pod.yaml"));
        assert!(m("samples/**/*.yaml", "samples/a/b/pod.yaml"));
        assert!(!m("samples/**/*.yaml", "other/pod.yaml"));
        assert!(!m("samples/*.yaml", "samples/a/pod.yaml"));
        assert!(m("**/pod-?.y{a,}ml", "x/pod-1.yml"));
        assert!(m("**/pod-?.y{a,}ml", "pod-2.yaml"));
        assert!(!m("**/pod-?.yaml", "pod-10.yaml"));
        assert!(m("*", "anything"));
        assert!(m("a*b*c", "aXbYbc"));
        assert!(!m("a*b*c", "aXbYb"));
        assert_eq!(expand("{a,b}{c,d}").len(), 4);
        assert!(expand(&"{a,b}".repeat(20)).len() <= MAX_ALTERNATIVES);
    }

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
