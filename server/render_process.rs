//! Runs the programs that render policies for the shells, `helm template` and `kustomize
//! build`: the one place kyverno-ls starts a process. The core only reads what this returns
//! ([`crate::host::Render`]).
//!
//! Each program is the one the user chose (a flag, a setting, else `PATH`), and it is run with
//! local files only: no `--dependency-update` for Helm (dependencies must be vendored in
//! `charts/`), plugins off, no remote kustomize resources (the core refuses to build those), a
//! time limit that stops the program's whole process group, and a bound on the output.
//! Renders are remembered per folder and made again when a file they read changes on disk.

use std::collections::HashMap;
use std::ffi::OsString;
use std::hash::{Hash, Hasher};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::host::kustomize::Builder;
use crate::host::{Render, Renderer};
use crate::limits::{MAX_RENDER_OUTPUT_BYTES, RENDER_TIMEOUT};

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

/// Renders remembered per folder, each with the fingerprint of the files it read. Each folder
/// has its own lock, so that two files of one chart or overlay wait for one render.
#[derive(Default)]
struct Cache(Mutex<HashMap<PathBuf, Entry>>);

impl Cache {
    /// The render of `folder` for the files `read`, from memory when none of them changed.
    fn get(&self, folder: &Path, read: &[PathBuf], make: impl FnOnce() -> Render) -> Render {
        let entry = self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(folder.to_path_buf())
            .or_default()
            .clone();
        let mut entry = entry.lock().unwrap_or_else(PoisonError::into_inner);
        let fingerprint = fingerprint(read);
        if let Some((f, render)) = &*entry
            && *f == fingerprint
        {
            return render.clone();
        }
        let render = make();
        *entry = Some((fingerprint, render.clone()));
        render
    }
}

/// Path, size and time of each file: a save or a change on disk changes one of them.
fn fingerprint(files: &[PathBuf]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for f in files {
        f.hash(&mut h);
        if let Ok(m) = std::fs::metadata(f) {
            m.len().hash(&mut h);
            m.modified().ok().hash(&mut h);
        }
    }
    h.finish()
}

/// Renders charts with one `helm` program and one list of values files.
pub struct HelmRunner {
    /// The program, or why there is none.
    helm: Result<PathBuf, String>,
    values: Vec<PathBuf>,
    base: ValuesBase,
    timeout: Duration,
    cache: Cache,
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
            timeout: RENDER_TIMEOUT,
            cache: Cache::default(),
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

    fn run(&self, chart: &Path) -> Render {
        let helm = match &self.helm {
            Ok(h) => h,
            Err(why) => return Render::Unavailable(why.clone()),
        };
        let mut args: Vec<OsString> = vec!["template".into(), RELEASE.into(), chart.into()];
        for v in self.values_for(chart) {
            match v {
                Ok(p) => args.extend(["--values".into(), p.into()]),
                Err(e) => return Render::Failed(e),
            }
        }
        let program = Program {
            path: helm,
            args,
            // Plugins are other programs; a render needs none.
            env: &[("HELM_NO_PLUGINS", "1")],
            what: "`helm template`",
            too_large: "the chart renders",
        };
        let render = program.run(chart, self.timeout);
        match render {
            Render::Failed(message) => {
                Render::Failed(message.strip_prefix("Error: ").unwrap_or(&message).into())
            }
            other => other,
        }
    }
}

impl Renderer for HelmRunner {
    fn render(&self, chart: &Path) -> Render {
        let read = self.chart_files(chart);
        self.cache.get(chart, &read, || self.run(chart))
    }
}

/// Which command builds a kustomization.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kustomize {
    /// `kustomize build DIR`.
    Standalone(PathBuf),
    /// `kubectl kustomize DIR`: the kustomize built into kubectl.
    Kubectl(PathBuf),
}

/// Builds kustomizations with one `kustomize` (or `kubectl`) program.
pub struct KustomizeRunner {
    program: Result<Kustomize, String>,
    timeout: Duration,
    cache: Cache,
}

impl KustomizeRunner {
    /// A runner for the program at `path` (given by the user: `kubectl` when its name starts
    /// so, else `kustomize`), else `kustomize` on `PATH`, else `kubectl` on `PATH`.
    pub fn new(path: Option<PathBuf>) -> KustomizeRunner {
        let kind = |p: PathBuf| {
            let kubectl = p
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("kubectl"));
            if kubectl {
                Kustomize::Kubectl(p)
            } else {
                Kustomize::Standalone(p)
            }
        };
        let program = match path {
            Some(p) if p.is_file() => Ok(kind(p)),
            Some(p) => Err(format!(
                "The kustomize program `{}` does not exist.",
                p.display()
            )),
            None => on_path("kustomize")
                .map(Kustomize::Standalone)
                .or_else(|| on_path("kubectl").map(Kustomize::Kubectl))
                .ok_or_else(|| "Neither `kustomize` nor `kubectl` was found on PATH.".to_string()),
        };
        KustomizeRunner {
            program,
            timeout: RENDER_TIMEOUT,
            cache: Cache::default(),
        }
    }

    /// A runner that reports `why` instead of building (a refused setting).
    pub fn refused(why: String) -> KustomizeRunner {
        KustomizeRunner {
            program: Err(why),
            timeout: RENDER_TIMEOUT,
            cache: Cache::default(),
        }
    }

    fn run(&self, dir: &Path) -> Render {
        let (path, args, what) = match &self.program {
            Err(why) => return Render::Unavailable(why.clone()),
            Ok(Kustomize::Standalone(p)) => (p, vec!["build".into()], "`kustomize build`"),
            Ok(Kustomize::Kubectl(p)) => (p, vec!["kustomize".into()], "`kubectl kustomize`"),
        };
        let mut args: Vec<OsString> = args;
        args.push(dir.into());
        let program = Program {
            path,
            args,
            // No plugin home: exec and Go plugins stay off (they are also off without
            // `--enable-alpha-plugins`, which is never given).
            env: &[("KUSTOMIZE_PLUGIN_HOME", "/nonexistent")],
            what,
            too_large: "the kustomization builds",
        };
        match program.run(dir, self.timeout) {
            Render::Failed(message) => Render::Failed(kustomize_error(&message)),
            other => other,
        }
    }
}

impl Builder for KustomizeRunner {
    fn build(&self, dir: &Path, read: &[PathBuf]) -> Render {
        self.cache.get(dir, read, || self.run(dir))
    }
}

/// kustomize's error without the logger's decoration: kubectl's newer versions write
/// `E1208 01:39:36.647418 18055 run.go:72] "command failed" err="…"`, the others `Error: …`.
fn kustomize_error(message: &str) -> String {
    for line in message.lines() {
        if let Some(at) = line.find(" err=\"") {
            let quoted = line[at + 6..].strip_suffix('"').unwrap_or(&line[at + 6..]);
            return quoted.replace("\\\"", "\"").replace("\\\\", "\\");
        }
    }
    let first = message
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("# Warning:"))
        .unwrap_or(message.trim());
    first.strip_prefix("Error: ").unwrap_or(first).to_string()
}

/// One run of a rendering program.
struct Program<'a> {
    path: &'a Path,
    args: Vec<OsString>,
    env: &'a [(&'a str, &'a str)],
    /// The command, as messages name it.
    what: &'a str,
    /// The start of the message for an output past the bound.
    too_large: &'a str,
}

impl Program<'_> {
    /// Runs the program in `cwd` with no input, stopping its whole process group after
    /// `timeout`, and reading at most [`MAX_RENDER_OUTPUT_BYTES`] of its output.
    fn run(&self, cwd: &Path, timeout: Duration) -> Render {
        let program = self.path;
        let mut cmd = Command::new(program);
        cmd.args(&self.args);
        // A process group of its own, so that a time limit stops what the program started too.
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        cmd.envs(self.env.iter().copied())
            .current_dir(cwd)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => {
                return Render::Unavailable(format!(
                    "`{}` could not be run: {e}.",
                    program.display()
                ));
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
            MAX_RENDER_OUTPUT_BYTES,
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
                Ok(None) if started.elapsed() < timeout => {
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
        let what = self.what;
        let Some(status) = status else {
            // The readers are not waited for: a program that left the process group may hold
            // its pipes open; each reader ends when they close.
            return Render::Failed(format!(
                "{what} did not finish within {} seconds.",
                timeout.as_secs_f64()
            ));
        };
        let out = out.join().unwrap_or_default();
        let err = err.join().unwrap_or_default();
        // Before the exit status: a render cut short by the bound dies of the closed pipe.
        if out.len() > MAX_RENDER_OUTPUT_BYTES {
            return Render::Failed(format!(
                "{} more than {} MiB, which is not checked.",
                self.too_large,
                MAX_RENDER_OUTPUT_BYTES / (1024 * 1024)
            ));
        }
        if !status.success() {
            let message = String::from_utf8_lossy(&err);
            let message = message.trim();
            return Render::Failed(if message.is_empty() {
                format!("{what} failed ({status}) and said nothing.")
            } else {
                message.to_string()
            });
        }
        match String::from_utf8(out) {
            Ok(text) => Render::Rendered(text),
            Err(_) => Render::Failed(format!("{what} printed text that is not UTF-8.")),
        }
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
    fn kubectl_builds_with_its_kustomize_and_the_logger_is_stripped() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let kubectl = dir.path().join("kubectl");
        let calls = dir.path().join("calls");
        std::fs::write(
            &kubectl,
            format!(
                "#!/bin/sh\necho \"$@\" > '{}'\necho 'E1208 01:39:36.64 1 run.go:72] \"command failed\" err=\"invalid Kustomization: yaml: line 3: did not find \\\"]\\\"\"' >&2\nexit 1\n",
                calls.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&kubectl, std::fs::Permissions::from_mode(0o755)).unwrap();
        let runner = KustomizeRunner::new(Some(kubectl));
        assert_eq!(
            runner.build(dir.path(), &[]),
            Render::Failed("invalid Kustomization: yaml: line 3: did not find \"]\"".into())
        );
        assert_eq!(
            std::fs::read_to_string(&calls).unwrap(),
            format!("kustomize {}\n", dir.path().display())
        );
        // kustomize's own wording, after its deprecation warnings.
        assert_eq!(
            kustomize_error(
                "# Warning: 'bases' is deprecated.\nError: accumulating resources: x\n"
            ),
            "accumulating resources: x"
        );
        let missing = KustomizeRunner::new(Some(PathBuf::from("/no/kustomize")));
        assert_eq!(
            missing.build(dir.path(), &[]),
            Render::Unavailable("The kustomize program `/no/kustomize` does not exist.".into())
        );
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
