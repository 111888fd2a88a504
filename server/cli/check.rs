//! `kyverno-ls check`: diagnostics for files and directories.

use std::path::{Path, PathBuf};

use std::sync::Arc;

use super::render;
use crate::analysis::Inputs;
use crate::diag::{Diagnostic, Severity};
use crate::samples::{self, Origin, Sample, SourceFile, discover};
use crate::testing::files::MANIFEST_NAME;
use crate::testing::paths;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

pub struct Options {
    pub format: Format,
    pub paths: Vec<PathBuf>,
    /// Simulate against the built-in samples when a policy has no other (default true).
    pub builtin_samples: bool,
    /// `--resource FILE`: sample resources for every policy (like a modeline).
    pub resources: Vec<PathBuf>,
}

impl Options {
    pub fn parse(args: &[String]) -> Result<Options, String> {
        let mut format = Format::Text;
        let mut paths = Vec::new();
        let mut builtin_samples = true;
        let mut resources = Vec::new();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            if a == "--no-builtin-samples" {
                builtin_samples = false;
                continue;
            }
            if a == "--resource" {
                let file = it.next().ok_or("--resource needs a file")?;
                resources.push(PathBuf::from(file));
                continue;
            }
            if let Some(file) = a.strip_prefix("--resource=") {
                resources.push(PathBuf::from(file));
                continue;
            }
            let value = if a == "--format" {
                Some(
                    it.next()
                        .ok_or("--format needs a value: text or json")?
                        .as_str(),
                )
            } else {
                a.strip_prefix("--format=")
            };
            match value {
                Some("text") => format = Format::Text,
                Some("json") => format = Format::Json,
                Some(other) => return Err(format!("unknown format `{other}`: use text or json")),
                None if a.starts_with('-') && a != "-" => {
                    return Err(format!("unknown option `{a}`"));
                }
                None => paths.push(PathBuf::from(a)),
            }
        }
        if paths.is_empty() {
            return Err("check needs at least one file or directory".into());
        }
        Ok(Options {
            format,
            paths,
            builtin_samples,
            resources,
        })
    }
}

/// A file's text and its diagnostics.
pub struct FileReport {
    pub path: String,
    pub text: String,
    pub diagnostics: Vec<Diagnostic>,
}

pub fn run(opts: &Options, out: &mut dyn std::io::Write, err: &mut dyn std::io::Write) -> i32 {
    let mut files = Vec::new();
    for p in &opts.paths {
        if p.is_dir() {
            let mut found = Vec::new();
            collect_yaml(p, &mut found);
            found.sort();
            files.extend(found);
        } else if p.exists() {
            files.push(p.clone());
        } else {
            let _ = writeln!(err, "error: {}: no such file or directory", p.display());
            return 2;
        }
    }
    let mut extra = Vec::new();
    for r in &opts.resources {
        match crate::testing::files::read_text(r) {
            Ok(text) => {
                let file = Arc::new(SourceFile {
                    path: r.display().to_string(),
                    text,
                });
                let found = samples::from_text(&file.text, Some(file.clone()), Origin::Modeline);
                if found.is_empty() {
                    let _ = writeln!(err, "error: {}: no resource in this file", r.display());
                    return 2;
                }
                extra.extend(found);
            }
            Err(e) => {
                let _ = writeln!(err, "error: {e}");
                return 2;
            }
        }
    }
    samples::dedupe_labels(&mut extra);
    let reports: Vec<FileReport> = files
        .iter()
        .map(|f| check_file_with(f, opts.builtin_samples, &extra))
        .collect();
    match opts.format {
        Format::Json => {
            let _ = writeln!(out, "{}", render::json(&reports));
        }
        Format::Text => {
            let _ = write!(out, "{}", render::text(&reports));
        }
    }
    let any_error = reports
        .iter()
        .any(|r| r.diagnostics.iter().any(|d| d.severity == Severity::Error));
    i32::from(any_error)
}

/// The inputs of the analysis of the file at `path`: `resources` when given, else what the
/// modeline and the test manifests name (read inside the current directory, or the file's own
/// folder when it is outside it). Also the diagnostics of the paths refused on the way (the
/// modeline's, or a test manifest's own).
fn inputs_for(
    path: &Path,
    text: &str,
    builtin_samples: bool,
    resources: &[Sample],
) -> (Inputs, Vec<Diagnostic>) {
    let mut inputs = Inputs {
        builtin_samples,
        ..Inputs::default()
    };
    let Ok(cwd) = std::env::current_dir() else {
        return (inputs, Vec::new());
    };
    let absolute = discover::normalize(&cwd.join(path));
    let root = if absolute.starts_with(&cwd) {
        cwd.clone()
    } else {
        absolute.parent().unwrap_or(Path::new("/")).to_path_buf()
    };
    let canonical_root = root.canonicalize().unwrap_or_else(|_| root.clone());
    let mut read = |p: &Path| -> Option<String> {
        // Symbolic links may not lead out of the root.
        let c = p.canonicalize().ok()?;
        if !c.starts_with(&canonical_root) || !c.is_file() {
            return None;
        }
        crate::testing::files::read_text(&c).ok()
    };
    let mut real = |p: &Path| p.canonicalize().ok();
    if absolute.file_name().is_some_and(|n| n == MANIFEST_NAME) {
        let refused = paths::manifest_diagnostics(text, &absolute, &root, &mut real);
        return (inputs, refused);
    }
    if !resources.is_empty() {
        inputs.external_samples = resources.to_vec();
        return (inputs, Vec::new());
    }
    let found = discover::discover_with(&absolute, text, &root, &mut read, &mut real);
    // Name sample files as the command line would: relative to the current directory.
    let mut renamed: Vec<(*const SourceFile, Arc<SourceFile>)> = Vec::new();
    let mut samples = found.samples;
    for s in &mut samples {
        let Some(file) = &s.file else { continue };
        let key = Arc::as_ptr(file);
        let new = match renamed.iter().find(|(k, _)| *k == key) {
            Some((_, f)) => f.clone(),
            None => {
                let shown = Path::new(&file.path)
                    .strip_prefix(&cwd)
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|_| file.path.clone());
                let f = Arc::new(SourceFile {
                    path: shown,
                    text: file.text.clone(),
                });
                renamed.push((key, f.clone()));
                f
            }
        };
        s.file = Some(new);
    }
    inputs.external_samples = samples;
    inputs.extra_variables = found.extra_variables;
    (inputs, found.refused)
}

/// Reads and analyses one file. Unreadable and non-UTF-8 files become a single diagnostic.
pub fn check_file_with(path: &Path, builtin_samples: bool, resources: &[Sample]) -> FileReport {
    let shown = path.display().to_string();
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            return FileReport {
                path: shown,
                text: String::new(),
                diagnostics: vec![Diagnostic::error(
                    "unreadable-file",
                    0..0,
                    format!("Cannot read this file: {e}."),
                )],
            };
        }
    };
    match String::from_utf8(bytes) {
        Ok(text) => {
            let (inputs, refused) = inputs_for(path, &text, builtin_samples, resources);
            let mut diagnostics = crate::analysis::analyze_with(&text, &inputs).diagnostics;
            if !refused.is_empty() {
                diagnostics.extend(refused);
                diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
            }
            FileReport {
                path: shown,
                text,
                diagnostics,
            }
        }
        Err(e) => {
            // Keep the valid prefix so the position of the first bad byte can be shown.
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let text = String::from_utf8_lossy(&bytes[..valid]).into_owned();
            let at = text.len();
            FileReport {
                path: shown,
                text,
                diagnostics: vec![Diagnostic::error(
                    "invalid-utf8",
                    at..at,
                    format!(
                        "This file is not valid UTF-8 (byte {at} is not); Kubernetes reads only UTF-8 YAML. Re-save it as UTF-8."
                    ),
                )],
            }
        }
    }
}

/// `.yaml` and `.yml` files below `dir`, hidden folders included (Kyverno's test folders are
/// `.kyverno-test`), `.git` and symbolic links excluded.
fn collect_yaml(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let Ok(ft) = e.file_type() else { continue };
        let p = e.path();
        if ft.is_symlink() {
            continue;
        }
        if ft.is_dir() {
            if e.file_name() != ".git" && e.file_name() != "node_modules" {
                collect_yaml(&p, out);
            }
        } else if matches!(p.extension().and_then(|x| x.to_str()), Some("yaml" | "yml")) {
            out.push(p);
        }
    }
}
