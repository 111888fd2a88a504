//! `kyverno-ls test [--format text|json|junit] [--compat] [--helm PATH] [PATH...]`: runs
//! `kyverno-test.yaml` manifests like `kyverno test`. A manifest's `policies:` entry that is a
//! Helm chart (or one of its templates) is rendered by `helm` (see `host::helm::ChartPolicies`).

use std::path::PathBuf;

use crate::testing::{self, Options};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Junit,
}

#[derive(Debug)]
pub struct TestOptions {
    pub format: Format,
    pub compat: bool,
    /// `--helm PATH`: the Helm program that renders charts (default: `helm` on PATH).
    pub helm: Option<PathBuf>,
    pub paths: Vec<PathBuf>,
}

impl TestOptions {
    pub fn parse(args: &[String]) -> Result<TestOptions, String> {
        let mut format = Format::Text;
        let mut compat = false;
        let mut helm = None;
        let mut paths = Vec::new();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let set_format = |v: &str| match v {
                "text" => Ok(Format::Text),
                "json" => Ok(Format::Json),
                "junit" => Ok(Format::Junit),
                other => Err(format!("unknown format `{other}` (text, json or junit)")),
            };
            match a.as_str() {
                "--format" | "-o" => {
                    format = set_format(it.next().ok_or("--format needs a value")?)?
                }
                s if s.starts_with("--format=") => format = set_format(&s[9..])?,
                "--compat" => compat = true,
                "--helm" => helm = Some(PathBuf::from(it.next().ok_or("--helm needs a path")?)),
                s if s.starts_with("--helm=") => helm = Some(PathBuf::from(&s[7..])),
                "--" => paths.extend(it.by_ref().map(PathBuf::from)),
                s if s.starts_with('-') && s.len() > 1 => {
                    return Err(format!("unknown option `{s}`"));
                }
                s => paths.push(PathBuf::from(s)),
            }
        }
        if paths.is_empty() {
            paths.push(PathBuf::from("."));
        }
        Ok(TestOptions {
            format,
            compat,
            helm,
            paths,
        })
    }
}

pub fn run(opts: &TestOptions, out: &mut dyn std::io::Write, err: &mut dyn std::io::Write) -> i32 {
    // A manifest reads inside its own repository; these folders matter only outside one.
    let mut roots = opts.paths.clone();
    let cwd = std::env::current_dir().ok();
    roots.extend(cwd.clone());
    let helm = opts.helm.as_ref().map(|h| match &cwd {
        Some(cwd) => cwd.join(h),
        None => h.clone(),
    });
    let options = Options {
        compat: opts.compat,
        roots,
        per_manifest: true,
        // Charts render with their default values: a manifest tests what the chart installs
        // by default.
        rendering: Some(std::sync::Arc::new(crate::host::helm::ChartPolicies {
            helm: Some(std::sync::Arc::new(crate::render_process::HelmRunner::new(
                helm,
                Vec::new(),
                crate::render_process::ValuesBase::Given,
            ))),
        })),
    };
    // The sandbox of each manifest decides what it may read.
    let files = crate::vfs::FsFiles::anywhere();
    let report = testing::run_paths(&files, &opts.paths, &options, &system_env());
    match opts.format {
        Format::Text => {
            let _ = write!(out, "{}", testing::render::text(&report));
        }
        Format::Json => {
            for e in &report.errors {
                let _ = writeln!(err, "error: {}: {}", e.manifest, e.message);
            }
            let _ = writeln!(out, "{}", testing::render::json(&report));
        }
        Format::Junit => {
            for e in &report.errors {
                let _ = writeln!(err, "error: {}: {}", e.manifest, e.message);
            }
            let _ = write!(out, "{}", testing::render::junit(&report));
        }
    }
    if report.manifests == 0 && report.errors.is_empty() {
        let _ = writeln!(err, "warning: no kyverno-test.yaml found");
    }
    report.exit_code()
}

/// "Now" and a seed from the system clock (the same as `eval`'s).
fn system_env() -> crate::engine::Env {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let now = chrono::DateTime::from_timestamp(since.as_secs() as i64, since.subsec_nanos())
        .unwrap_or_default();
    crate::engine::Env {
        now: now.fixed_offset(),
        seed: since.as_nanos() as u64,
    }
}
