//! Runs `helm template` for the shells: the one place kyverno-ls starts a process. The core
//! only reads what this returns ([`crate::host::helm::Render`]).
//!
//! Helm is run with the chart's folder and values files only: no `--dependency-update` (so no
//! network: dependencies must be vendored in `charts/`), plugins off, a time limit and a bound
//! on the output. Renders are remembered per chart and made again when a file of the chart or
//! a values file changes on disk.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::host::helm::{Render, Renderer};
use crate::limits::{HELM_TIMEOUT, MAX_HELM_OUTPUT_BYTES};

/// The release name the render uses (`{{ .Release.Name }}`).
const RELEASE: &str = "kyverno-ls";

/// Where values files are looked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValuesBase {
    /// Paths as given (the command line: relative to the current directory, already made
    /// absolute); a missing file is a failed render.
    Given,
    /// Relative to each chart's folder, and only inside it (the editor's setting, which a
    /// repository can set); a chart without the file renders without it.
    Chart,
}

type Entry = Arc<Mutex<Option<(u64, Render)>>>;

/// Renders charts with one `helm` program and one list of values files.
pub struct HelmRunner {
    /// The program, or why there is none.
    helm: Result<PathBuf, String>,
    values: Vec<PathBuf>,
    base: ValuesBase,
    timeout: Duration,
    /// Per chart folder: the fingerprint of its files and the render made from them. Each
    /// chart has its own lock, so that two files of one chart wait for one render.
    cache: Mutex<HashMap<PathBuf, Entry>>,
}

impl HelmRunner {
    /// A runner for `helm` (a path given by the user), else the `helm` found on `PATH`.
    pub fn new(helm: Option<PathBuf>, values: Vec<PathBuf>, base: ValuesBase) -> HelmRunner {
        let helm = match helm {
            Some(p) if p.is_file() => Ok(p),
            Some(p) => Err(format!(
                "The Helm program `{}` does not exist.",
                p.display()
            )),
            None => on_path("helm").ok_or_else(|| "No `helm` was found on PATH.".to_string()),
        };
        Self::with_program(helm, values, base)
    }

    /// A runner that reports `why` instead of rendering (a refused setting).
    pub fn refused(why: String) -> HelmRunner {
        Self::with_program(Err(why), Vec::new(), ValuesBase::Chart)
    }

    fn with_program(
        helm: Result<PathBuf, String>,
        values: Vec<PathBuf>,
        base: ValuesBase,
    ) -> HelmRunner {
        HelmRunner {
            helm,
            values,
            base,
            timeout: HELM_TIMEOUT,
            cache: Mutex::default(),
        }
    }

    /// The same runner with another time limit (tests of the limit).
    pub fn with_timeout(mut self, timeout: Duration) -> HelmRunner {
        self.timeout = timeout;
        self
    }

    /// The files a chart's render reads: every file below its folder (bounded by the walk's
    /// limits) and the values files that apply to it.
    pub fn chart_files(&self, chart: &Path) -> Vec<PathBuf> {
        let files = crate::vfs::FsFiles::new(chart);
        let (mut all, _) = crate::vfs::walk(&files, chart, &|_| true);
        all.extend(self.values_for(chart).into_iter().filter_map(Result::ok));
        all
    }

    /// The values files for `chart`, each or why it cannot be used.
    fn values_for(&self, chart: &Path) -> Vec<Result<PathBuf, String>> {
        let mut out = Vec::new();
        for v in &self.values {
            match self.base {
                ValuesBase::Given => out.push(if v.is_file() {
                    Ok(v.clone())
                } else {
                    Err(format!("the values file {} does not exist", v.display()))
                }),
                ValuesBase::Chart => {
                    let inside = v.is_relative()
                        && v.components()
                            .all(|c| matches!(c, std::path::Component::Normal(_)));
                    let p = chart.join(v);
                    if inside && p.is_file() {
                        out.push(Ok(p));
                    }
                }
            }
        }
        out
    }

    fn fingerprint(&self, chart: &Path) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for f in self.chart_files(chart) {
            f.hash(&mut h);
            if let Ok(m) = std::fs::metadata(&f) {
                m.len().hash(&mut h);
                m.modified().ok().hash(&mut h);
            }
        }
        h.finish()
    }

    fn run(&self, chart: &Path) -> Render {
        let helm = match &self.helm {
            Ok(h) => h,
            Err(why) => return Render::Unavailable(why.clone()),
        };
        let mut cmd = Command::new(helm);
        cmd.arg("template").arg(RELEASE).arg(chart);
        for v in self.values_for(chart) {
            match v {
                Ok(p) => {
                    cmd.arg("--values").arg(p);
                }
                Err(e) => return Render::Failed(e),
            }
        }
        // A process group of its own, so that a time limit stops what helm started too.
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        // Plugins are other programs; a render needs none.
        cmd.env("HELM_NO_PLUGINS", "1")
            .current_dir(chart)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => {
                return Render::Unavailable(format!("`{}` could not be run: {e}.", helm.display()));
            }
        };
        let drain = |pipe: Option<Box<dyn Read + Send>>, limit: usize| {
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                if let Some(p) = pipe {
                    // One byte more than allowed tells an output over the bound; the pipe
                    // closed early stops a child that writes on.
                    let _ = p.take(limit as u64 + 1).read_to_end(&mut buf);
                }
                buf
            })
        };
        let out = drain(
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
            MAX_HELM_OUTPUT_BYTES,
        );
        let err = drain(
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
            64 * 1024,
        );
        let started = Instant::now();
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if started.elapsed() < self.timeout => {
                    std::thread::sleep(Duration::from_millis(5));
                }
                _ => {
                    #[cfg(unix)]
                    let _ = rustix::process::kill_process_group(
                        rustix::process::Pid::from_child(&child),
                        rustix::process::Signal::KILL,
                    );
                    let _ = child.kill();
                    let _ = child.wait();
                    break None;
                }
            }
        };
        let Some(status) = status else {
            // The readers are not waited for: a program that left the process group may hold
            // its pipes open; each reader ends when they close.
            return Render::Failed(format!(
                "`helm template` did not finish within {} seconds.",
                self.timeout.as_secs_f64()
            ));
        };
        let out = out.join().unwrap_or_default();
        let err = err.join().unwrap_or_default();
        // Before the exit status: a render cut short by the bound dies of the closed pipe.
        if out.len() > MAX_HELM_OUTPUT_BYTES {
            return Render::Failed(format!(
                "the chart renders more than {} MiB, which is not checked.",
                MAX_HELM_OUTPUT_BYTES / (1024 * 1024)
            ));
        }
        if !status.success() {
            let message = String::from_utf8_lossy(&err);
            let message = message.trim();
            let message = message.strip_prefix("Error: ").unwrap_or(message);
            return Render::Failed(if message.is_empty() {
                format!("`helm template` failed ({status}) and said nothing.")
            } else {
                message.to_string()
            });
        }
        match String::from_utf8(out) {
            Ok(text) => Render::Rendered(text),
            Err(_) => Render::Failed("`helm template` printed text that is not UTF-8.".into()),
        }
    }
}

impl Renderer for HelmRunner {
    fn render(&self, chart: &Path) -> Render {
        let entry = self
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(chart.to_path_buf())
            .or_default()
            .clone();
        let mut entry = entry.lock().unwrap_or_else(PoisonError::into_inner);
        let fingerprint = self.fingerprint(chart);
        if let Some((f, render)) = &*entry
            && *f == fingerprint
        {
            return render.clone();
        }
        let render = self.run(chart);
        *entry = Some((fingerprint, render.clone()));
        render
    }
}

/// The executable file `name` in an absolute folder of `PATH` (relative entries such as `.`
/// would run a program of whatever folder the editor started in).
fn on_path(name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .filter(|d| d.is_absolute())
        .map(|d| d.join(name))
        .find(|p| {
            std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A chart folder and, beside it, an executable `helm` script running `body`.
    fn chart_and_helm(body: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let chart = dir.path().join("chart");
        std::fs::create_dir_all(chart.join("templates")).unwrap();
        std::fs::write(chart.join("Chart.yaml"), "name: c\n").unwrap();
        let helm = dir.path().join("helm");
        std::fs::write(&helm, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&helm, std::fs::Permissions::from_mode(0o755)).unwrap();
        (dir, chart, helm)
    }

    #[test]
    fn a_helm_that_hangs_is_stopped_at_the_time_limit() {
        let (_dir, chart, helm) = chart_and_helm("sleep 30");
        let runner = HelmRunner::new(Some(helm), Vec::new(), ValuesBase::Given)
            .with_timeout(Duration::from_millis(200));
        let started = Instant::now();
        assert_eq!(
            runner.render(&chart),
            Render::Failed("`helm template` did not finish within 0.2 seconds.".into())
        );
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn the_time_limit_stops_what_helm_started_too() {
        // The script starts a child that would outlive it, and says where.
        let (dir, chart, helm) =
            chart_and_helm("sleep 30 &\necho $! > \"$(dirname \"$0\")/child\"\nwait");
        let runner = HelmRunner::new(Some(helm), Vec::new(), ValuesBase::Given)
            .with_timeout(Duration::from_millis(300));
        assert_eq!(
            runner.render(&chart),
            Render::Failed("`helm template` did not finish within 0.3 seconds.".into())
        );
        let pid = std::fs::read_to_string(dir.path().join("child")).unwrap();
        let stat = format!("/proc/{}/stat", pid.trim());
        // Gone, or a zombie that init has not reaped yet.
        let alive = || {
            std::fs::read_to_string(&stat)
                .ok()
                .and_then(|s| {
                    s.rsplit(')')
                        .next()
                        .map(|r| r.trim_start().starts_with(['R', 'S', 'D']))
                })
                .unwrap_or(false)
        };
        let started = Instant::now();
        while alive() && started.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(!alive(), "helm's child still runs");
    }

    #[test]
    fn output_past_the_bound_is_refused() {
        let (_dir, chart, helm) =
            chart_and_helm("/usr/bin/yes aaaaaaaaaaaaaaa | /usr/bin/head -c 17000000");
        let runner = HelmRunner::new(Some(helm), Vec::new(), ValuesBase::Given);
        assert_eq!(
            runner.render(&chart),
            Render::Failed("the chart renders more than 16 MiB, which is not checked.".into())
        );
    }

    #[test]
    fn renders_are_remembered_until_a_chart_file_changes() {
        let (dir, chart, helm) = chart_and_helm(
            "echo run >> \"$(dirname \"$0\")/calls\"\necho '# Source: c/templates/a.yaml'",
        );
        let runner = HelmRunner::new(Some(helm), Vec::new(), ValuesBase::Given);
        let calls = || {
            std::fs::read_to_string(dir.path().join("calls"))
                .unwrap_or_default()
                .lines()
                .count()
        };
        let rendered = Render::Rendered("# Source: c/templates/a.yaml\n".into());
        assert_eq!(runner.render(&chart), rendered);
        assert_eq!(runner.render(&chart), rendered);
        assert_eq!(calls(), 1);
        // A save changes the file's size or time.
        std::fs::write(chart.join("templates/a.yaml"), "kind: A\n").unwrap();
        assert_eq!(runner.render(&chart), rendered);
        assert_eq!(calls(), 2);
    }

    #[test]
    fn the_editors_values_files_stay_inside_the_chart() {
        let (_dir, chart, _) = chart_and_helm("");
        std::fs::write(chart.join("ci.yaml"), "a: 1\n").unwrap();
        let runner = HelmRunner::new(
            None,
            ["ci.yaml", "../chart/ci.yaml", "/etc/passwd", "missing.yaml"]
                .map(PathBuf::from)
                .to_vec(),
            ValuesBase::Chart,
        );
        assert_eq!(runner.values_for(&chart), [Ok(chart.join("ci.yaml"))]);
    }

    #[test]
    fn without_helm_rendering_says_why() {
        let (_dir, chart, _) = chart_and_helm("");
        let runner = HelmRunner::new(
            Some(PathBuf::from("/no/helm")),
            Vec::new(),
            ValuesBase::Given,
        );
        assert_eq!(
            runner.render(&chart),
            Render::Unavailable("The Helm program `/no/helm` does not exist.".into())
        );
        let refused = HelmRunner::refused("no".into());
        assert_eq!(refused.render(&chart), Render::Unavailable("no".into()));
    }
}
