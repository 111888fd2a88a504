//! `kyverno-ls check`: diagnostics for files and directories.

use std::path::{Path, PathBuf};

use super::render;
use crate::diag::{Diagnostic, Severity};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

pub struct Options {
    pub format: Format,
    pub paths: Vec<PathBuf>,
}

impl Options {
    pub fn parse(args: &[String]) -> Result<Options, String> {
        let mut format = Format::Text;
        let mut paths = Vec::new();
        let mut it = args.iter();
        while let Some(a) = it.next() {
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
        Ok(Options { format, paths })
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
    let reports: Vec<FileReport> = files.iter().map(|f| check_file(f)).collect();
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

/// Reads and analyses one file. Unreadable and non-UTF-8 files become a single diagnostic.
pub fn check_file(path: &Path) -> FileReport {
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
            let diagnostics = crate::analysis::analyze(&text).diagnostics;
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
