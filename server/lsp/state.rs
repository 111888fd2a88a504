//! What the request handlers share: the core, the open documents, the negotiated encoding,
//! the workspace and settings, and what each document's analysis read besides its text.

use std::collections::{BTreeSet, HashMap};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use tower_lsp_server::ls_types::{ClientCapabilities, Uri};

use super::analyzer::Analyzer;
use super::discovery::DiscoveryCache;
use super::documents::{Current, Documents, Snapshot};
use super::position::Encoding;
use super::settings::Settings;
use super::workspace::{self, FileCache, Reader, Workspace};
use crate::analysis::Inputs;
use crate::samples::{self, Origin, Sample, SourceFile};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

pub struct State {
    pub analyzer: Arc<dyn Analyzer>,
    pub documents: Documents,
    pub workspace: Workspace,
    pub files: FileCache,
    pub discovery: DiscoveryCache,
    pub client_capabilities: OnceLock<ClientCapabilities>,
    settings: Mutex<Settings>,
    /// The sample hover evaluates against, per document (`kyverno.pickSample`).
    picks: Mutex<HashMap<Uri, String>>,
    /// Per workspace folder: the files the `samples` setting names there, and the samples
    /// read from them (with a hash of the texts they were read from).
    setting_samples: Mutex<HashMap<PathBuf, SettingSamples>>,
    /// Per workspace folder: its test manifests, chainsaw tests, kustomizations and CRDs.
    indexes: Mutex<HashMap<PathBuf, Arc<crate::host::Index>>>,
    /// Per open document: the files its latest analysis read or looked for.
    sources: Mutex<HashMap<Uri, BTreeSet<PathBuf>>>,
    /// Renders Helm charts as the settings say; made on first use after a settings change.
    helm: Mutex<Option<Arc<crate::render_process::HelmRunner>>>,
    /// Builds kustomizations as the settings say; made on first use after a settings change.
    kustomize: Mutex<Option<Arc<crate::render_process::KustomizeRunner>>>,
    encoding: OnceLock<Encoding>,
    /// Held while checking that a result is current and publishing it, so that a result
    /// found current cannot reach the client after a newer one or after the close.
    pub publish: tokio::sync::Mutex<()>,
    shutdown: AtomicBool,
}

impl State {
    pub fn new(analyzer: Arc<dyn Analyzer>) -> Self {
        State {
            analyzer,
            documents: Documents::default(),
            workspace: Workspace::default(),
            files: FileCache::default(),
            discovery: DiscoveryCache::default(),
            client_capabilities: OnceLock::new(),
            settings: Mutex::new(Settings::default()),
            picks: Mutex::default(),
            setting_samples: Mutex::default(),
            indexes: Mutex::default(),
            sources: Mutex::default(),
            helm: Mutex::default(),
            kustomize: Mutex::default(),
            encoding: OnceLock::new(),
            publish: tokio::sync::Mutex::new(()),
            shutdown: AtomicBool::new(false),
        }
    }

    pub fn encoding(&self) -> Encoding {
        self.encoding.get().copied().unwrap_or_default()
    }

    /// Fixed once, by `initialize`; the framework refuses a second `initialize`.
    pub fn set_encoding(&self, encoding: Encoding) {
        let _ = self.encoding.set(encoding);
    }

    pub fn request_shutdown(&self) {
        self.shutdown.store(true, Ordering::SeqCst);
    }

    pub fn shutdown_requested(&self) -> bool {
        self.shutdown.load(Ordering::SeqCst)
    }

    /// The analysed snapshot for `current`, analysing (and keeping the result) if needed.
    /// Blocking: call it from a blocking thread.
    pub fn snapshot(&self, uri: &Uri, current: Current) -> Arc<Snapshot> {
        match current {
            Current::Analysed(snapshot) => snapshot,
            Current::Pending {
                doc_id,
                version,
                epoch,
                rope,
            } => {
                let text = rope.to_string();
                let analysis = self.analyze(uri, &text);
                let snapshot = Arc::new(Snapshot {
                    doc_id,
                    version,
                    epoch,
                    rope,
                    text,
                    analysis,
                });
                self.documents.store(uri, &snapshot);
                snapshot
            }
        }
    }

    /// The analysis of `text`, open as `uri`, with the samples, variables and settings that
    /// apply to it. Records the files it read, for [`State::dependents`].
    fn analyze(&self, uri: &Uri, text: &str) -> crate::analysis::Analysis {
        let settings = self.settings();
        let mut inputs = Inputs {
            builtin_samples: settings.builtin_samples,
            current_sample: lock(&self.picks).get(uri).cloned(),
            ..Inputs::default()
        };
        let Some(path) = workspace::path_of(uri) else {
            lock(&self.sources).remove(uri);
            if path_is_template(uri) {
                return crate::analysis::Analysis::default();
            }
            let mut analysis = self.analyzer.analyze_with(text, &inputs);
            crate::suppress::apply(text, &mut analysis.diagnostics);
            settings.apply(&mut analysis.diagnostics);
            return analysis;
        };
        // Canonical like the workspace folders, so that the search up the folders stays
        // inside them.
        let path = workspace::canonical_lenient(&path).unwrap_or(path);
        let root = self.workspace.root_for(&path);
        let is_manifest = crate::host::is_manifest(&path);
        let mut asked = BTreeSet::new();
        let mut extra = Vec::new();
        if let Some(root) = &root {
            let index = self.index(root);
            let found;
            (found, asked) =
                self.discovery
                    .inputs(&self.documents, &self.files, uri, &path, root, &index, text);
            extra = found.diagnostics;
            inputs = Inputs {
                builtin_samples: inputs.builtin_samples,
                current_sample: inputs.current_sample,
                ..found.inputs
            };
            if inputs.external_samples.is_empty() && !settings.samples.is_empty() && !is_manifest {
                let read;
                (inputs.external_samples, read) =
                    self.setting_samples(root, &settings.samples, &path);
                asked.extend(read);
            }
        }
        // The project's configuration: which opt-in lints run, then (below) its severities.
        let config = root.as_ref().and_then(|root| {
            let open_text = |p: &Path| self.documents.text_at(p);
            let reader = Reader::new(root, &self.files, &open_text);
            crate::host::config::Config::find(&reader, root, &path)
        });
        let user: Vec<(String, Option<crate::diag::Severity>)> = settings
            .severity
            .iter()
            .map(|(c, l)| (c.clone(), *l))
            .collect();
        inputs.lints = crate::host::config::enabled_lints(config.as_ref(), &user);
        let template = match &root {
            Some(root) => {
                let open_text = |p: &Path| self.documents.text_at(p);
                let reader = Reader::new(root, &self.files, &open_text);
                crate::host::helm::template_of(&reader, root, &path)
            }
            // Outside the workspace folders nothing is read or rendered, but a template is
            // still no YAML: it gets no diagnostics rather than false ones.
            None => crate::host::helm::template_where(Path::new("/"), &path, &|p| p.is_file())
                .map(|_| crate::host::helm::TemplateFile::Helper),
        };
        let mut analysis = match &template {
            Some(template) => {
                let runner = self.helm_runner(&settings);
                if let crate::host::helm::TemplateFile::Template { chart, .. } = template {
                    // Saving any file of the chart changes the render.
                    asked.extend(runner.chart_files(chart));
                }
                // Helm reads the disk, not the editor's buffer.
                let unsaved = std::fs::read_to_string(&path).ok().as_deref() != Some(text);
                crate::host::analyze_template(
                    text,
                    template,
                    &inputs,
                    unsaved,
                    &|chart| crate::host::helm::Renderer::render(&*runner, chart),
                    &|t, i| self.analyzer.analyze_with(t, i),
                )
            }
            None => {
                let analysis = self.analyzer.analyze_with(text, &inputs);
                if let Some(root) = &root {
                    let (built, read) = self.kustomize_diagnostics(
                        root,
                        &path,
                        text,
                        &inputs,
                        &analysis.diagnostics,
                        &settings,
                    );
                    extra.extend(built);
                    asked.extend(read);
                }
                analysis
            }
        };
        if let (Some(root), true) = (&root, is_manifest) {
            // The manifest's files are read as the editor has them, unsaved edits included.
            let open_text = |p: &Path| self.documents.text_at(p);
            let reader = Reader::new(root, &self.files, &open_text);
            let runner = self.helm_runner(&settings);
            extra.extend(
                self.analyzer
                    .test_manifest(&reader, &path, text, root, runner.clone()),
            );
            let read = reader.into_asked();
            // A chart it names (its `Chart.yaml` was read): saving any of its files renders
            // it again.
            for chart in read.iter().filter(|p| p.ends_with("Chart.yaml")) {
                if let Some(chart) = chart.parent().filter(|_| chart.is_file()) {
                    asked.extend(runner.chart_files(chart));
                }
            }
            asked.extend(read);
        }
        if !extra.is_empty() {
            analysis.diagnostics.extend(extra);
            analysis
                .diagnostics
                .sort_by_key(|d| (d.span.start, d.span.end));
        }
        crate::suppress::apply(text, &mut analysis.diagnostics);
        configure(config.as_ref(), &path, text, &mut analysis, &mut asked);
        settings.apply(&mut analysis.diagnostics);
        if root.as_ref().is_some_and(|r| settings.ignores(r, &path)) {
            analysis.diagnostics.clear();
        }
        // Not for a document closed meanwhile (hover may analyse after the close).
        if self.documents.current(uri, None).is_some() {
            lock(&self.sources).insert(uri.clone(), asked);
        }
        analysis
    }

    /// The samples of the files the `samples` setting names in the workspace folder `root`
    /// (but the policy's own file at `path`), and the files read. The folder is walked once
    /// per settings change or file created or deleted; the samples are parsed again only when
    /// a file's text changed.
    fn setting_samples(
        &self,
        root: &Path,
        globs: &[String],
        path: &Path,
    ) -> (Vec<Sample>, BTreeSet<PathBuf>) {
        let files = {
            let mut cache = lock(&self.setting_samples);
            let entry = cache.entry(root.to_path_buf()).or_default();
            if entry.files.is_none() {
                let files = crate::vfs::FsFiles::new(root);
                entry.files = Some(super::sample_globs::find(&files, root, globs));
            }
            entry.files.clone().unwrap_or_default()
        };
        let open_text = |p: &Path| self.documents.text_at(p);
        let reader = Reader::new(root, &self.files, &open_text);
        let texts: Vec<(PathBuf, String)> = files
            .iter()
            .filter(|f| workspace::canonical_lenient(f).as_deref() != Some(path))
            .filter_map(|f| Some((f.clone(), reader.read(f)?)))
            .collect();
        let mut h = std::collections::hash_map::DefaultHasher::new();
        texts.hash(&mut h);
        let hash = h.finish();
        let read = reader.into_asked();
        let mut cache = lock(&self.setting_samples);
        let entry = cache.entry(root.to_path_buf()).or_default();
        if entry.hash != Some(hash) {
            let mut all = Vec::new();
            for (file, text) in texts {
                let file = Arc::new(SourceFile {
                    path: file.display().to_string(),
                    text,
                });
                all.extend(samples::from_text(
                    &file.text,
                    Some(file.clone()),
                    Origin::Settings,
                ));
            }
            samples::dedupe_labels(&mut all);
            entry.samples = all;
            entry.hash = Some(hash);
        }
        (entry.samples.clone(), read)
    }

    /// The program a `kyverno.NAME.path` setting names (None: look on `PATH`), or why it is
    /// refused: a path that is relative or inside a workspace folder, since a repository's own
    /// settings could otherwise make the editor run a program the repository ships.
    fn chosen_program(&self, name: &str, path: Option<&str>) -> Result<Option<PathBuf>, String> {
        match path.map(PathBuf::from) {
            Some(p) if !p.is_absolute() => Err(format!(
                "The `kyverno.{name}.path` setting `{}` is not an absolute path.",
                p.display()
            )),
            Some(p) if self.workspace.root_for(&p).is_some() => Err(format!(
                "The `kyverno.{name}.path` setting `{}` names a program inside the workspace, which kyverno-ls does not run.",
                p.display()
            )),
            path => Ok(path),
        }
    }

    /// The Helm runner the settings describe (see [`State::chosen_program`]).
    pub fn helm_runner(&self, settings: &Settings) -> Arc<crate::render_process::HelmRunner> {
        use crate::render_process::{HelmRunner, ValuesBase};
        let mut slot = lock(&self.helm);
        if let Some(r) = &*slot {
            return r.clone();
        }
        let values = settings.helm_values.iter().map(PathBuf::from).collect();
        let runner = match self.chosen_program("helm", settings.helm_path.as_deref()) {
            Err(why) => HelmRunner::refused(why),
            Ok(path) => HelmRunner::new(path, values, ValuesBase::Chart),
        };
        let runner = Arc::new(runner);
        *slot = Some(runner.clone());
        runner
    }

    /// The kustomize runner the settings describe (see [`State::chosen_program`]).
    fn kustomize_runner(&self, settings: &Settings) -> Arc<crate::render_process::KustomizeRunner> {
        use crate::render_process::KustomizeRunner;
        let mut slot = lock(&self.kustomize);
        if let Some(r) = &*slot {
            return r.clone();
        }
        let runner = match self.chosen_program("kustomize", settings.kustomize_path.as_deref()) {
            Err(why) => KustomizeRunner::refused(why),
            Ok(path) => KustomizeRunner::new(path),
        };
        let runner = Arc::new(runner);
        *slot = Some(runner.clone());
        runner
    }

    /// What the builds of the kustomizations reading the file at `path` (in the workspace
    /// folder `root`) show on it, read as the editor has the files, and the files they read.
    /// kustomize itself reads the disk: a save builds again.
    fn kustomize_diagnostics(
        &self,
        root: &Path,
        path: &Path,
        text: &str,
        inputs: &Inputs,
        plain: &[crate::diag::Diagnostic],
        settings: &Settings,
    ) -> (Vec<crate::diag::Diagnostic>, BTreeSet<PathBuf>) {
        let index = self.index(root);
        if !index.kustomized.contains_key(path) {
            return (Vec::new(), BTreeSet::new());
        }
        let runner = self.kustomize_runner(settings);
        let open_text = |p: &Path| self.documents.text_at(p);
        let reader = Reader::new(root, &self.files, &open_text);
        let options = crate::host::Options {
            builtin_samples: inputs.builtin_samples,
            resources: Vec::new(),
            lints: inputs.lints.clone(),
            helm: None,
            kustomize: None,
        };
        let inputs_of = |p: &Path| match p == path {
            true => inputs.clone(),
            false => {
                let text = reader.read(p).unwrap_or_default();
                crate::host::inputs_for(&reader, &index, root, p, &text, &options).inputs
            }
        };
        let none = |_: &Path| None;
        let disk = Reader::new(root, &self.files, &none);
        let (built, read) = crate::host::kustomize_diagnostics(
            &reader,
            &disk,
            &index,
            root,
            path,
            text,
            plain,
            Some(&*runner),
            &inputs_of,
            &|t, i| self.analyzer.analyze_with(t, i),
        );
        let mut asked = reader.into_asked();
        asked.extend(read);
        let mut built = built;
        if !built.is_empty() && std::fs::read_to_string(path).ok().as_deref() != Some(text) {
            built.push(crate::host::kustomize::unsaved_note(text));
        }
        (built, asked)
    }

    /// What Helm renders from the template `uri`, or kustomize builds from the kustomization
    /// `uri` (see `kyverno.showRendered`), or why there is nothing to show.
    pub fn rendered(&self, uri: &Uri) -> Result<serde_json::Value, String> {
        use crate::host::helm::{Render, Renderer, TemplateFile, rendered_documents};
        let not_template = || {
            format!(
                "{} is neither a Helm template nor a kustomization in a workspace folder",
                uri.as_str()
            )
        };
        let path = workspace::path_of(uri).ok_or_else(not_template)?;
        let path = workspace::canonical_lenient(&path).unwrap_or(path);
        let root = self.workspace.root_for(&path).ok_or_else(not_template)?;
        let open_text = |p: &Path| self.documents.text_at(p);
        let reader = Reader::new(&root, &self.files, &open_text);
        if crate::host::kustomize::is_kustomization(&path) {
            return self.built(&root, &path);
        }
        let Some(TemplateFile::Template { chart, source }) =
            crate::host::helm::template_of(&reader, &root, &path)
        else {
            return Err(not_template());
        };
        let runner = self.helm_runner(&self.settings());
        let rendered = match runner.render(&chart) {
            Render::Rendered(out) => rendered_documents(&out)
                .into_iter()
                .filter(|(s, _)| *s == source)
                .map(|(_, doc)| doc.to_string())
                .collect::<String>(),
            Render::Failed(why) => return Err(format!("Helm cannot render the chart: {why}")),
            Render::Unavailable(why) => return Err(why),
        };
        Ok(serde_json::json!({
            "chart": chart.display().to_string(),
            "template": source,
            "rendered": rendered,
        }))
    }

    /// What kustomize builds from the kustomization file at `path`: the same build, from the
    /// same runner and cache, as the findings come from. Decided on the files as saved, which
    /// are what kustomize reads.
    fn built(&self, root: &Path, path: &Path) -> Result<serde_json::Value, String> {
        use crate::host::kustomize::Builder;
        let none = |_: &Path| None;
        let disk = Reader::new(root, &self.files, &none);
        let dir = path.parent().unwrap_or(root);
        let plan = crate::host::kustomize::plan(&disk, root, dir)
            .ok_or_else(|| format!("{} holds no kustomization", dir.display()))?;
        if let Some(r) = plan.refused.first() {
            return Err(r.message.clone());
        }
        let runner = self.kustomize_runner(&self.settings());
        match runner.build(dir, &plan.read) {
            crate::host::Render::Rendered(out) => Ok(serde_json::json!({
                "kustomization": dir.display().to_string(),
                "rendered": out,
            })),
            crate::host::Render::Failed(why) => Err(format!("kustomize cannot build it: {why}")),
            crate::host::Render::Unavailable(why) => Err(why),
        }
    }

    /// The index of the workspace folder `root`, built on first use by one walk of it.
    fn index(&self, root: &Path) -> Arc<crate::host::Index> {
        if let Some(i) = lock(&self.indexes).get(root) {
            return i.clone();
        }
        let open_text = |p: &Path| self.documents.text_at(p);
        let reader = Reader::new(root, &self.files, &open_text);
        let (all, _) = crate::vfs::walk(&reader, root, &crate::vfs::is_yaml);
        let index = Arc::new(crate::host::Index::build(&reader, root, &all));
        lock(&self.indexes).insert(root.to_path_buf(), index.clone());
        index
    }

    /// Forgets the workspace indexes (a manifest, chainsaw test, kustomization or CRD changed).
    pub fn forget_indexes(&self) {
        lock(&self.indexes).clear();
    }

    /// Whether a change to the file at `path`, whose text is now `text` (when known), can
    /// change an index: it held CustomResourceDefinitions or named their files, or now may
    /// define kinds, name their files or name sample files.
    pub fn changes_index(&self, path: &Path, text: Option<&str>) -> bool {
        text.is_some_and(crate::host::index::may_change_index) || self.defines_kinds(path, text)
    }

    /// Whether the file at `path` held CustomResourceDefinitions when an index was read, or
    /// was a configuration file naming files of them, or its text (when known) now may.
    pub fn defines_kinds(&self, path: &Path, text: Option<&str>) -> bool {
        if text.is_some_and(crate::k8s::crd::may_define) {
            return true;
        }
        if crate::host::config::is_config_file(path) && text.is_some_and(|t| t.contains("crds")) {
            return true;
        }
        let lexical = workspace::normalize(path);
        let canonical = workspace::canonical_lenient(&lexical);
        let known = |set: &BTreeSet<PathBuf>| {
            set.contains(&lexical) || canonical.as_ref().is_some_and(|c| set.contains(c))
        };
        lock(&self.indexes)
            .values()
            .any(|i| known(&i.crd_files) || known(&i.crd_configs))
    }

    /// Forgets which files the `samples` setting names (settings changed, files came or went).
    pub fn forget_setting_files(&self) {
        lock(&self.setting_samples).clear();
    }

    /// The open documents whose analysis read (or looked for) the file at `path`.
    pub fn dependents(&self, path: &std::path::Path) -> Vec<Uri> {
        let lexical = workspace::normalize(path);
        let canonical = workspace::canonical_lenient(&lexical);
        lock(&self.sources)
            .iter()
            .filter(|(_, read)| {
                read.contains(&lexical) || canonical.as_ref().is_some_and(|c| read.contains(c))
            })
            .map(|(uri, _)| uri.clone())
            .collect()
    }

    /// Forgets what a closed document read.
    pub fn forget(&self, uri: &Uri) {
        lock(&self.sources).remove(uri);
        lock(&self.picks).remove(uri);
        self.discovery.forget(uri);
    }

    pub fn settings(&self) -> Settings {
        lock(&self.settings).clone()
    }

    /// Returns whether the settings changed.
    pub fn set_settings(&self, settings: Settings) -> bool {
        let mut current = lock(&self.settings);
        if *current == settings {
            return false;
        }
        *current = settings;
        *lock(&self.helm) = None;
        *lock(&self.kustomize) = None;
        true
    }

    /// Sets (or with None, resets) the sample hover uses for `uri`.
    pub fn pick(&self, uri: &Uri, label: Option<String>) {
        match label {
            Some(l) => lock(&self.picks).insert(uri.clone(), l),
            None => lock(&self.picks).remove(uri),
        };
    }

    /// Re-analyses the open test manifests (their results depend on files read from disk).
    pub fn invalidate_manifests(&self) {
        for uri in self.documents.uris() {
            if workspace::path_of(&uri).is_some_and(|p| crate::host::is_manifest(&p)) {
                self.documents.invalidate(&uri);
            }
        }
    }

    /// Re-analyses every open document (and republishes its diagnostics).
    pub fn invalidate_all(&self) {
        self.discovery.clear();
        self.forget_indexes();
        self.forget_setting_files();
        for uri in self.documents.uris() {
            self.documents.invalidate(&uri);
        }
    }

    /// Runs `f` on a blocking thread with the analysed current version of `uri`. `None` when
    /// the document is not open, or when the core panicked (the request then has no result,
    /// rather than the server going down).
    pub async fn on_snapshot<R, F>(self: &Arc<Self>, uri: &Uri, f: F) -> Option<R>
    where
        R: Send + 'static,
        F: FnOnce(&dyn Analyzer, &Snapshot) -> R + Send + 'static,
    {
        let current = self.documents.current(uri, None)?;
        let state = self.clone();
        let uri = uri.clone();
        tokio::task::spawn_blocking(move || {
            let snapshot = state.snapshot(&uri, current);
            f(&*state.analyzer, &snapshot)
        })
        .await
        .ok()
    }
}

/// Whether a document with no file path (`untitled:`) names a Helm helper (`x.tpl`).
fn path_is_template(uri: &Uri) -> bool {
    uri.as_str().ends_with(".tpl")
}

#[derive(Default)]
struct SettingSamples {
    /// None until the folder is walked.
    files: Option<Vec<PathBuf>>,
    hash: Option<u64>,
    samples: Vec<Sample>,
}

/// The project's configuration file applied to the analysis of the file at `path`: its
/// severities, or nothing at all for a file it ignores. A configuration file itself gets its
/// problems as diagnostics. The configuration is recorded among the files read, so that
/// editing it analyses its files again.
fn configure(
    config: Option<&crate::host::config::Config>,
    path: &Path,
    text: &str,
    analysis: &mut crate::analysis::Analysis,
    asked: &mut BTreeSet<PathBuf>,
) {
    use crate::host::config::{Config, is_config_file};
    if is_config_file(path) {
        let config = Config::parse(path, text);
        analysis.diagnostics = config
            .problems
            .iter()
            .map(|p| {
                let message = p
                    .strip_prefix(&format!("{}: ", path.display()))
                    .unwrap_or(p);
                crate::diag::Diagnostic::error("config-error", 0..0, message)
            })
            .collect();
        return;
    }
    if let Some(config) = config {
        asked.insert(config.path.clone());
        if config.ignores(path) {
            analysis.diagnostics.clear();
        } else {
            config.apply(&mut analysis.diagnostics);
        }
    }
}
