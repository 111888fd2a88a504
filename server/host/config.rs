//! The project's configuration: a `.kyverno-ls.yaml` (or `.yml`, or `.toml`) found upward from
//! a file, up to the folder files are read in. It sets a severity per diagnostic code
//! (`off` drops it), globs of files not to check and globs of files of CustomResourceDefinitions
//! (read by the workspace's `Index`), relative to its own folder:
//!
//! ```yaml
//! diagnostics:
//!   deprecated: off
//!   rule-fails: error
//! ignore:
//!   - vendor/**
//! crds:
//!   - api/crds/*.json
//! ```
//!
//! The editor's settings and `check --severity` apply after it, so a person can still see what
//! the project silenced.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use schemars::JsonSchema;
use serde::Deserialize;

use crate::diag::{Diagnostic, Severity};
use crate::vfs::Files;

/// The names the file may have, tried in this order in each folder.
pub const FILE_NAMES: [&str; 3] = [".kyverno-ls.yaml", ".kyverno-ls.yml", ".kyverno-ls.toml"];

/// Whether the file at `path` is a configuration file, by its name.
pub fn is_config_file(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| FILE_NAMES.iter().any(|c| n == *c))
}

/// The configuration of kyverno-ls for the files in its folder and below: a severity per
/// diagnostic code, files not to check, and files of CustomResourceDefinitions.
#[derive(Debug, Default, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "kyverno-ls configuration")]
pub struct ConfigFile {
    /// The severity of a diagnostic code (as listed in kyverno-ls's README): `error`,
    /// `warning`, `information`, `hint`, or `off` to drop it.
    #[serde(default)]
    pub diagnostics: BTreeMap<String, Level>,
    /// Globs of files not to check, relative to this file's folder: `**` is any number of
    /// folders, `*` and `?` stay inside one name, `{a,b}` is either.
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Globs of files holding CustomResourceDefinitions, relative to this file's folder, read
    /// besides the workspace's YAML files (which are always read for definitions): CRDs in
    /// JSON (`crds/*.json`) or in files of another extension. Their kinds are known in the
    /// whole workspace.
    #[serde(default)]
    pub crds: Vec<String>,
}

/// A level as written. YAML 1.1 readers take a bare `off` for `false`, so `false` means `off`.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Level {
    Named(String),
    Off(bool),
}

/// A configuration in effect for some files.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    /// The file it was read from.
    pub path: PathBuf,
    levels: Vec<(String, Option<Severity>)>,
    ignore: crate::glob::Globs,
    crds: crate::glob::Globs,
    /// What is wrong with the file, as a person should read it (the rest of it still applies).
    pub problems: Vec<String>,
}

/// The JSON Schema of the file, for `schemas/` and editors.
pub fn json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(ConfigFile)).unwrap_or_default()
}

impl Config {
    /// The configuration for `path`: the nearest configuration file in its folder or above,
    /// not above `root`.
    pub fn find(files: &dyn Files, root: &Path, path: &Path) -> Option<Config> {
        let mut folder = path.parent();
        while let Some(dir) = folder.filter(|d| d.starts_with(root)) {
            if let Some(config) = Config::in_folder(files, dir) {
                return Some(config);
            }
            folder = dir.parent();
        }
        None
    }

    /// The configuration file of the folder `dir` itself, if it has one.
    pub fn in_folder(files: &dyn Files, dir: &Path) -> Option<Config> {
        FILE_NAMES.iter().find_map(|name| {
            let candidate = dir.join(name);
            let text = files.read(&candidate).ok()?;
            Some(Config::parse(&candidate, &text))
        })
    }

    /// A configuration from the text of the file at `path`.
    pub fn parse(path: &Path, text: &str) -> Config {
        let toml = path.extension().is_some_and(|e| e == "toml");
        let parsed: Result<ConfigFile, String> = if toml {
            toml::from_str(text).map_err(|e| e.to_string())
        } else {
            let docs = crate::yaml::parse(text, &crate::yaml::Limits::default());
            match docs.first().and_then(|d| d.root.as_ref()) {
                None => Ok(ConfigFile::default()),
                Some(root) => serde_json::from_value(root.to_json()).map_err(|e| e.to_string()),
            }
        };
        let mut config = Config {
            path: path.to_path_buf(),
            ..Config::default()
        };
        let file = match parsed {
            Ok(f) => f,
            Err(e) => {
                config.problems.push(format!("{}: {e}", path.display()));
                return config;
            }
        };
        let known = crate::diag::documented_codes();
        for (code, level) in file.diagnostics {
            let level = match level {
                Level::Named(l) => l,
                Level::Off(false) => "off".to_string(),
                Level::Off(true) => "true".to_string(),
            };
            match Severity::parse_level(&level) {
                Some(l) => {
                    if !known.contains(&code.as_str()) {
                        let mut m = format!("{}: `{code}` is not a diagnostic code of kyverno-ls", path.display());
                        if let Some(best) = crate::checks::did_you_mean(&code, known.iter().copied()) {
                            m.push_str(&format!("; did you mean `{best}`?"));
                        }
                        config.problems.push(m);
                    }
                    config.levels.push((code, l));
                }
                None => config.problems.push(format!(
                    "{}: `{level}` (for `{code}`) is not a level: use error, warning, information, hint or off",
                    path.display()
                )),
            }
        }
        config.ignore = crate::glob::Globs::new(&file.ignore);
        config.crds = crate::glob::Globs::new(&file.crds);
        config
    }

    /// The path of `path` below this file's folder, as segments; None outside it.
    fn segments(&self, path: &Path) -> Option<Vec<String>> {
        let rel = path.strip_prefix(self.path.parent()?).ok()?;
        Some(
            rel.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect(),
        )
    }

    /// Whether the file at `path` is one the configuration says not to check.
    pub fn ignores(&self, path: &Path) -> bool {
        self.segments(path)
            .is_some_and(|segments| self.ignore.matches(&segments))
    }

    /// Whether the file names files of CustomResourceDefinitions (`crds`).
    pub fn names_crds(&self) -> bool {
        !self.crds.is_empty()
    }

    /// The files its `crds` globs match, found by a walk of its folder (with the walker's
    /// limits and skipped folders), sorted.
    pub fn crd_files(&self, files: &dyn Files) -> Vec<PathBuf> {
        let Some(dir) = self.path.parent().filter(|_| self.names_crds()) else {
            return Vec::new();
        };
        let wanted = |p: &Path| {
            self.segments(p)
                .is_some_and(|segments| self.crds.matches(&segments))
        };
        crate::vfs::walk(files, dir, &wanted).0
    }

    /// The severities it sets, applied to `diagnostics` (an `off` code is dropped).
    pub fn apply(&self, diagnostics: &mut Vec<Diagnostic>) {
        apply_levels(&self.levels, diagnostics);
    }
}

/// The configurations found so far, by folder: a run of `check` asks for the configuration of
/// every file more than once (to skip ignored files, to report the file's mistakes once, to
/// check), and files of one folder share it, so each folder is searched and each file parsed
/// once. For one view of the files: the language server, whose buffers change, does not keep
/// one.
#[derive(Debug, Default)]
pub struct Found {
    by_folder: Mutex<HashMap<PathBuf, Option<Arc<Config>>>>,
}

impl Found {
    /// [`Config::find`], remembered for every folder the search passed through.
    pub fn find(&self, files: &dyn Files, root: &Path, path: &Path) -> Option<Arc<Config>> {
        let mut by_folder = self
            .by_folder
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let mut passed = Vec::new();
        let mut folder = path.parent();
        let found = loop {
            let Some(dir) = folder.filter(|d| d.starts_with(root)) else {
                break None;
            };
            if let Some(known) = by_folder.get(dir) {
                break known.clone();
            }
            passed.push(dir.to_path_buf());
            if let Some(config) = Config::in_folder(files, dir) {
                break Some(Arc::new(config));
            }
            folder = dir.parent();
        };
        for dir in passed {
            by_folder.insert(dir, found.clone());
        }
        found
    }
}

/// The opt-in lints (`checks::lints::OPT_IN`) that `user` (the editor's settings,
/// `check --severity`), else the configuration, gives a level other than `off`.
pub fn enabled_lints(config: Option<&Config>, user: &[(String, Option<Severity>)]) -> Vec<String> {
    let level = |code: &str| {
        let find = |levels: &[(String, Option<Severity>)]| {
            levels
                .iter()
                .rev()
                .find(|(c, _)| c == code)
                .map(|(_, l)| *l)
        };
        find(user).or_else(|| config.and_then(|c| find(&c.levels)))
    };
    crate::checks::lints::OPT_IN
        .iter()
        .filter(|code| matches!(level(code), Some(Some(_))))
        .map(|c| c.to_string())
        .collect()
}

/// Applies severities by code: a level replaces the diagnostic's, `None` drops it.
pub fn apply_levels(levels: &[(String, Option<Severity>)], diagnostics: &mut Vec<Diagnostic>) {
    if levels.is_empty() {
        return;
    }
    diagnostics.retain_mut(|d| match levels.iter().rev().find(|(c, _)| c == d.code) {
        None => true,
        Some((_, None)) => false,
        Some((_, Some(level))) => {
            d.severity = *level;
            true
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_and_toml_say_the_same() {
        let yaml = Config::parse(
            Path::new("/ws/.kyverno-ls.yaml"),
            "diagnostics:\n  deprecated: off\n  rule-fails: error\nignore: [vendor/**]\n",
        );
        let toml = Config::parse(
            Path::new("/ws/.kyverno-ls.toml"),
            "ignore = [\"vendor/**\"]\n[diagnostics]\ndeprecated = \"off\"\nrule-fails = \"error\"\n",
        );
        assert_eq!(yaml.problems, Vec::<String>::new());
        assert_eq!((&yaml.levels, &yaml.ignore), (&toml.levels, &toml.ignore));
        assert!(yaml.ignores(Path::new("/ws/vendor/a/p.yaml")));
        assert!(!yaml.ignores(Path::new("/ws/policies/p.yaml")));
        assert!(!yaml.ignores(Path::new("/elsewhere/vendor/p.yaml")));
        let mut ds = vec![
            Diagnostic::warning("deprecated", 0..1, "d"),
            Diagnostic::warning("rule-fails", 0..1, "f"),
            Diagnostic::warning("unknown-field", 0..1, "u"),
        ];
        yaml.apply(&mut ds);
        let got: Vec<(&str, Severity)> = ds.iter().map(|d| (d.code, d.severity)).collect();
        assert_eq!(
            got,
            [
                ("rule-fails", Severity::Error),
                ("unknown-field", Severity::Warning)
            ]
        );
    }

    #[test]
    fn mistakes_are_explained() {
        let c = Config::parse(
            Path::new("/ws/.kyverno-ls.yaml"),
            "diagnostics:\n  deprecatd: off\n  rule-fails: loud\n",
        );
        assert_eq!(
            c.problems,
            [
                "/ws/.kyverno-ls.yaml: `deprecatd` is not a diagnostic code of kyverno-ls; did you mean `deprecated`?",
                "/ws/.kyverno-ls.yaml: `loud` (for `rule-fails`) is not a level: use error, warning, information, hint or off",
            ]
        );
        let c = Config::parse(Path::new("/ws/.kyverno-ls.yaml"), "diagnostic: {}\n");
        assert_eq!(c.problems.len(), 1);
        assert!(
            c.problems[0].contains("unknown field `diagnostic`"),
            "{:?}",
            c.problems
        );
    }
}
