//! `kyverno-ls check`: diagnostics for files and directories.

use std::path::{Path, PathBuf};

use std::sync::Arc;

use super::render;
use crate::diag::{Diagnostic, Severity};
use crate::host;
use crate::samples::{self, Origin, SourceFile, discover};
use crate::testing::files::repository_of;
use crate::vfs::{self, FsFiles};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
    /// GitHub Actions workflow commands, which annotate a pull request's files.
    Github,
}

pub struct Options {
    pub format: Format,
    pub paths: Vec<PathBuf>,
    /// Simulate against the built-in samples when a policy has no other (default true).
    pub builtin_samples: bool,
    /// `--resource FILE`: sample resources for every policy (like a modeline).
    pub resources: Vec<PathBuf>,
    /// `--severity CODE=LEVEL`: report a code with another severity (`off` drops it), as the
    /// editor's `diagnostics.severity` setting does; `--severity rule-fails=error` makes
    /// verdicts on samples fail the run.
    pub severity: Vec<(String, Option<Severity>)>,
    /// `--fix`: apply every preferred fix to the files, then report what is left.
    pub fix: bool,
    /// `--diff`: print the fixes as unified diffs instead of applying them.
    pub diff: bool,
    /// `--helm PATH`: the Helm program that renders charts (default: `helm` on PATH).
    pub helm: Option<PathBuf>,
    /// `--helm-values FILE`: values files for every chart, after the chart's own defaults.
    pub helm_values: Vec<PathBuf>,
    /// `--kustomize PATH`: the kustomize (or kubectl) program that builds kustomizations
    /// (default: `kustomize`, else `kubectl`, on PATH).
    pub kustomize: Option<PathBuf>,
}

impl Options {
    pub fn parse(args: &[String]) -> Result<Options, String> {
        let mut format = Format::Text;
        let mut paths = Vec::new();
        let mut builtin_samples = true;
        let mut resources = Vec::new();
        let mut severity = Vec::new();
        let (mut fix, mut diff) = (false, false);
        let mut helm = None;
        let mut helm_values = Vec::new();
        let mut kustomize = None;
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let (flag, inline) = match a.split_once('=') {
                Some((f, v)) if ["--helm", "--helm-values", "--kustomize"].contains(&f) => {
                    (f, Some(v))
                }
                _ => (a.as_str(), None),
            };
            if ["--helm", "--helm-values", "--kustomize"].contains(&flag) {
                let value = match inline {
                    Some(v) => v,
                    None => it
                        .next()
                        .ok_or_else(|| format!("{flag} needs a file"))?
                        .as_str(),
                };
                if flag == "--helm" {
                    helm = Some(PathBuf::from(value));
                } else if flag == "--kustomize" {
                    kustomize = Some(PathBuf::from(value));
                } else {
                    helm_values.push(PathBuf::from(value));
                }
                continue;
            }
            let level = if a == "--severity" {
                Some(it.next().ok_or("--severity needs CODE=LEVEL")?.as_str())
            } else {
                a.strip_prefix("--severity=")
            };
            if let Some(level) = level {
                let parsed = level
                    .split_once('=')
                    .and_then(|(code, l)| Some((code.to_string(), Severity::parse_level(l)?)));
                severity.push(parsed.ok_or_else(|| {
                    format!(
                        "--severity takes CODE=LEVEL, with a level among error, warning, information, hint and off (not `{level}`)"
                    )
                })?);
                continue;
            }
            if a == "--no-builtin-samples" {
                builtin_samples = false;
                continue;
            }
            if a == "--fix" {
                fix = true;
                continue;
            }
            if a == "--diff" {
                diff = true;
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
                        .ok_or("--format needs a value: text, json, sarif or github")?
                        .as_str(),
                )
            } else {
                a.strip_prefix("--format=")
            };
            match value {
                Some("text") => format = Format::Text,
                Some("json") => format = Format::Json,
                Some("sarif") => format = Format::Sarif,
                Some("github") => format = Format::Github,
                Some(other) => {
                    return Err(format!(
                        "unknown format `{other}`: use text, json, sarif or github"
                    ));
                }
                None if a.starts_with('-') && a != "-" => {
                    return Err(format!("unknown option `{a}`"));
                }
                None => paths.push(PathBuf::from(a)),
            }
        }
        if paths.is_empty() {
            return Err("check needs at least one file or directory".into());
        }
        if fix && diff {
            return Err("--fix writes the fixes and --diff only shows them: give one".into());
        }
        Ok(Options {
            format,
            paths,
            builtin_samples,
            resources,
            severity,
            fix,
            diff,
            helm,
            helm_values,
            kustomize,
        })
    }
}

/// A file's text and its diagnostics.
pub struct FileReport {
    pub path: String,
    pub text: String,
    pub diagnostics: Vec<Diagnostic>,
    /// With `--fix` or `--diff`: the text before the fixes, when they changed it (`text` is
    /// then the fixed text, and `diagnostics` what is left in it).
    pub original: Option<String>,
    /// The folder the file was read in (its repository, see `run`): SARIF and GitHub name
    /// files relative to it.
    pub root: PathBuf,
    /// With `--format sarif`: the preferred fixes of `diagnostics`, on `text`.
    pub fixes: Vec<crate::ide::fixes::Fix>,
}

pub fn run(opts: &Options, out: &mut dyn std::io::Write, err: &mut dyn std::io::Write) -> i32 {
    let Ok(cwd) = std::env::current_dir() else {
        let _ = writeln!(err, "error: cannot read the current directory");
        return 2;
    };
    // Each path is read inside its repository (the nearest folder above it with `.git`),
    // else inside the current directory, else inside its own folder.
    let mut roots: Vec<Root> = Vec::new();
    let mut jobs: Vec<(PathBuf, usize)> = Vec::new();
    for p in &opts.paths {
        if !p.exists() {
            let _ = writeln!(err, "error: {}: no such file or directory", p.display());
            return 2;
        }
        let absolute = discover::normalize(&cwd.join(p));
        let root = repository_of(&absolute).unwrap_or_else(|| outside_root(&absolute, &cwd));
        let at = match roots.iter().position(|r| r.path == root) {
            Some(i) => i,
            None => {
                let files = FsFiles::new(&root);
                let (all, truncated) = vfs::walk(&files, &root, &vfs::is_yaml);
                if truncated {
                    let _ = writeln!(
                        err,
                        "warning: {} has more than {} entries; files past them are not checked",
                        root.display(),
                        crate::limits::MAX_WALK_ENTRIES
                    );
                }
                let index = host::Index::build(&files, &root, &all);
                roots.push(Root {
                    path: root,
                    files,
                    index,
                    all,
                    configs: host::config::Found::default(),
                });
                roots.len() - 1
            }
        };
        if p.is_dir() {
            // The root's walk already listed them: named as the path was given. Those that a
            // configuration file says to ignore are left out (a file named on the command line
            // is checked whatever it says).
            let root = &roots[at];
            let found = root
                .all
                .iter()
                .filter(|f| {
                    root.configs
                        .find(&root.files, &root.path, f)
                        .is_none_or(|c| !c.ignores(f))
                })
                .filter_map(|f| Some(p.join(f.strip_prefix(&absolute).ok()?)));
            jobs.extend(found.map(|f| (f, at)));
        } else {
            jobs.push((p.clone(), at));
        }
    }
    // A kustomization being checked is checked with what it assembles: its resources and
    // patches, wherever they are in the repository (a base beside the overlay), since its
    // build's findings are shown on them.
    let mut assembled = Vec::new();
    for (path, at) in &jobs {
        let root = &roots[*at];
        let absolute = discover::normalize(&cwd.join(path));
        if !host::kustomize::is_kustomization(&absolute) {
            continue;
        }
        let Some(dir) = absolute.parent() else {
            continue;
        };
        for (file, dirs) in &root.index.kustomized {
            if dirs.contains(dir) && vfs::is_yaml(file) {
                let shown = file
                    .strip_prefix(&cwd)
                    .map_or(file.clone(), Path::to_path_buf);
                assembled.push((shown, *at));
            }
        }
    }
    for job in assembled {
        let absolute = |p: &Path| discover::normalize(&cwd.join(p));
        if !jobs
            .iter()
            .any(|(p, at)| *at == job.1 && absolute(p) == absolute(&job.0))
        {
            jobs.push(job);
        }
    }
    let mut extra = Vec::new();
    for r in &opts.resources {
        match vfs::read_text(r) {
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
    // Values files are named as given on the command line, so a missing one is a usage error
    // rather than a diagnostic on every template.
    let mut helm_values = Vec::new();
    for v in &opts.helm_values {
        if !v.is_file() {
            let _ = writeln!(err, "error: {}: no such values file", v.display());
            return 2;
        }
        helm_values.push(cwd.join(v));
    }
    let helm = opts.helm.as_ref().map(|h| cwd.join(h));
    let options = host::Options {
        builtin_samples: opts.builtin_samples,
        resources: extra,
        lints: Vec::new(),
        helm: Some(Arc::new(crate::render_process::HelmRunner::new(
            helm,
            helm_values,
            crate::render_process::ValuesBase::Given,
        ))),
        kustomize: Some(Arc::new(crate::render_process::KustomizeRunner::new(
            opts.kustomize.as_ref().map(|k| cwd.join(k)),
        ))),
    };
    let env = super::eval::system_env();
    let mut configs: Vec<PathBuf> = Vec::new();
    for (path, at) in &jobs {
        let root = &roots[*at];
        let absolute = discover::normalize(&cwd.join(path));
        if let Some(c) = root.configs.find(&root.files, &root.path, &absolute) {
            if !configs.contains(&c.path) {
                for problem in &c.problems {
                    let _ = writeln!(err, "warning: {problem}");
                }
                configs.push(c.path.clone());
            }
        }
    }
    let fixing = opts.fix || opts.diff;
    let with_fixes = opts.format == Format::Sarif;
    let check = |(path, at): &(PathBuf, usize)| {
        let root = &roots[*at];
        let how = How {
            fixing,
            with_fixes,
            user_levels: &opts.severity,
        };
        let mut report = check_file(path, &cwd, root, &options, &env, &how);
        apply_severity(&opts.severity, &mut report.diagnostics);
        report
    };
    let reports = parallel_map(&jobs, &check);
    if opts.diff {
        let mut changed = false;
        for r in &reports {
            if let Some(before) = &r.original {
                changed = true;
                let diff = similar::TextDiff::from_lines(before.as_str(), r.text.as_str());
                let _ = write!(
                    out,
                    "{}",
                    diff.unified_diff()
                        .context_radius(3)
                        .header(&format!("a/{}", r.path), &format!("b/{}", r.path))
                );
            }
        }
        return i32::from(changed);
    }
    if opts.fix {
        let mut fixed = 0;
        for r in reports.iter().filter(|r| r.original.is_some()) {
            if let Err(e) = std::fs::write(&r.path, &r.text) {
                let _ = writeln!(err, "error: cannot write {}: {e}", r.path);
                return 2;
            }
            fixed += 1;
        }
        let _ = writeln!(
            err,
            "fixed {fixed} file{}",
            if fixed == 1 { "" } else { "s" }
        );
    }
    match opts.format {
        Format::Json => {
            let _ = writeln!(out, "{}", render::json(&reports));
        }
        Format::Text => {
            let _ = write!(out, "{}", render::text(&reports));
        }
        Format::Sarif => {
            let _ = writeln!(out, "{}", super::sarif::sarif(&reports, &cwd));
        }
        Format::Github => {
            let _ = write!(out, "{}", super::github::commands(&reports, &cwd));
        }
    }
    let any_error = reports
        .iter()
        .any(|r| r.diagnostics.iter().any(|d| d.severity == Severity::Error));
    i32::from(any_error)
}

/// A folder files are read in, with its index and its YAML files.
struct Root {
    path: PathBuf,
    files: FsFiles,
    index: host::Index,
    /// Every YAML file below it, from the one walk.
    all: Vec<PathBuf>,
    configs: host::config::Found,
}

/// Where a path outside any repository may read: the current directory when it holds the
/// path; else the folder given, or the file's folder, or for a test manifest the folder above
/// its own (the library layout names `../policy.yaml`), but never `/` itself.
fn outside_root(absolute: &Path, cwd: &Path) -> PathBuf {
    if absolute.starts_with(cwd) {
        return cwd.to_path_buf();
    }
    if absolute.is_dir() {
        return absolute.to_path_buf();
    }
    let folder = absolute.parent().unwrap_or(Path::new("/"));
    match folder.parent() {
        Some(above) if host::is_manifest(absolute) && above.parent().is_some() => {
            above.to_path_buf()
        }
        _ => folder.to_path_buf(),
    }
}

/// `f` over `items` on every core, results in the order of `items`.
fn parallel_map<T: Sync, R: Send>(items: &[T], f: &(dyn Fn(&T) -> R + Sync)) -> Vec<R> {
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(items.len().max(1));
    if workers <= 1 {
        return items.iter().map(f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut results: Vec<(usize, R)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        done.push((i, f(item)));
                    }
                    done
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

fn apply_severity(levels: &[(String, Option<Severity>)], diagnostics: &mut Vec<Diagnostic>) {
    host::config::apply_levels(levels, diagnostics);
}

/// Reads and analyses one file (`path` as given on the command line) inside `root`.
/// Unreadable and non-UTF-8 files become a single diagnostic.
/// What `check` does with each file beyond analysing it.
#[derive(Clone, Copy)]
struct How<'a> {
    /// Apply the preferred fixes in rounds (`--fix`, `--diff`).
    fixing: bool,
    /// Keep each diagnostic's preferred fix for the report (SARIF).
    with_fixes: bool,
    /// `--severity`, which also turns opt-in lints on.
    user_levels: &'a [(String, Option<Severity>)],
}

/// Most rounds of fixes for one file: a fix can make another possible (or move the text
/// another one touched), so the file is analysed again after each round.
const MAX_FIX_ROUNDS: usize = 5;

fn check_file(
    path: &Path,
    cwd: &Path,
    root: &Root,
    options: &host::Options,
    env: &crate::engine::Env,
    how: &How,
) -> FileReport {
    let How {
        fixing,
        with_fixes,
        user_levels,
    } = *how;
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
                original: None,
                root: root.path.clone(),
                fixes: Vec::new(),
            };
        }
    };
    match String::from_utf8(bytes) {
        Ok(text) => {
            let absolute = discover::normalize(&cwd.join(path));
            let config = root.configs.find(&root.files, &root.path, &absolute);
            let options = host::Options {
                lints: host::config::enabled_lints(config.as_deref(), user_levels),
                ..options.clone()
            };
            let options = &options;
            let analyze = |text: &str| {
                let mut analysis = host::analyze_file(
                    &root.files,
                    &root.index,
                    &root.path,
                    &absolute,
                    text,
                    options,
                    env,
                );
                crate::suppress::apply(text, &mut analysis.diagnostics);
                if let Some(c) = &config {
                    c.apply(&mut analysis.diagnostics);
                }
                analysis
            };
            let mut analysis = analyze(&text);
            let mut current = text.clone();
            if fixing {
                for _ in 0..MAX_FIX_ROUNDS {
                    let edits = crate::ide::fixes::fix_all(&current, &analysis);
                    if edits.is_empty() {
                        break;
                    }
                    current = crate::ide::fixes::apply(&current, &edits);
                    analysis = analyze(&current);
                }
            }
            let fixes = if with_fixes {
                crate::ide::fixes::quick_fixes(&current, &analysis, 0..current.len())
                    .into_iter()
                    .filter(|f| f.preferred)
                    .collect()
            } else {
                Vec::new()
            };
            rename_sample_files(&mut analysis.diagnostics, cwd);
            let original = (current != text).then_some(text);
            FileReport {
                path: shown,
                text: current,
                diagnostics: analysis.diagnostics,
                original,
                root: root.path.clone(),
                fixes,
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
                original: None,
                root: root.path.clone(),
                fixes: Vec::new(),
            }
        }
    }
}

/// Names the files that related information points into as the command line would:
/// relative to the current directory.
fn rename_sample_files(diagnostics: &mut [Diagnostic], cwd: &Path) {
    let mut renamed: Vec<(*const SourceFile, Arc<SourceFile>)> = Vec::new();
    for r in diagnostics.iter_mut().flat_map(|d| d.related.iter_mut()) {
        let Some(file) = &r.file else { continue };
        let key = Arc::as_ptr(file);
        let new = match renamed.iter().find(|(k, _)| *k == key) {
            Some((_, f)) => f.clone(),
            None => {
                let shown = Path::new(&file.path)
                    .strip_prefix(cwd)
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
        r.file = Some(new);
    }
}
