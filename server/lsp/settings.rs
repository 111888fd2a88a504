//! The user's settings, from `initializationOptions` and `workspace/didChangeConfiguration`:
//! `{"kyverno": {"builtinSamples": true, ...}}`, or the same object without the `kyverno`
//! wrapper. Keys:
//!
//! - `builtinSamples` (default true): simulate against the built-in samples when a policy has
//!   none of its own;
//! - `samples` (default none): globs, relative to the workspace folder, of files whose
//!   resources are the samples of the folder's policies that name none of their own (no
//!   modeline, no `kyverno-test.yaml` listing them);
//! - `diagnostics.schema` (default true): false drops the schema codes, for users who let the
//!   YAML extension validate against our JSON schemas instead, so nothing is reported twice;
//! - `helm.path` (default: `helm` on `PATH`): the absolute path of the Helm program that
//!   renders charts, outside the workspace folders (a repository's settings must not make the
//!   editor run the repository's own program);
//! - `helm.values` (default none): values files, relative to each chart's folder and inside
//!   it, used after the chart's defaults where the chart has them;
//! - `kustomize.path` (default: `kustomize`, else `kubectl`, on `PATH`): the absolute path of
//!   the kustomize (or kubectl) program that builds kustomizations, outside the workspace
//!   folders, for the same reason;
//! - `diagnostics.severity`: a severity per code (`error`, `warning`, `information`, `hint`),
//!   or `off` to drop the code.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::diag::{Diagnostic, Severity};

/// The codes of the checks a JSON schema validator also makes.
pub const SCHEMA_CODES: &[&str] = &[
    "unknown-field",
    "wrong-type",
    "invalid-enum",
    "missing-field",
    "value-too-long",
    "value-too-short",
    "too-few-items",
    "value-out-of-range",
    "one-of",
    "conflicting-fields",
    "unknown-api-version",
];

/// At most this many globs are used; a workspace walk per glob is not free.
const MAX_GLOBS: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Simulate against the built-in samples when a policy has no samples of its own.
    pub builtin_samples: bool,
    /// Globs of sample files, relative to each workspace folder.
    pub samples: Vec<String>,
    /// Report the schema codes ([`SCHEMA_CODES`]).
    pub schema_diagnostics: bool,
    /// Per code: the severity to report it with, or None to drop it.
    pub severity: BTreeMap<String, Option<Severity>>,
    /// The Helm program, when not the one on `PATH`.
    pub helm_path: Option<String>,
    /// Values files, relative to each chart's folder.
    pub helm_values: Vec<String>,
    /// The kustomize (or kubectl) program, when not the one on `PATH`.
    pub kustomize_path: Option<String>,
    /// Globs of files not to report on, relative to each workspace folder, as the
    /// configuration file's `ignore`.
    pub ignore: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            builtin_samples: true,
            samples: Vec::new(),
            schema_diagnostics: true,
            severity: BTreeMap::new(),
            helm_path: None,
            helm_values: Vec::new(),
            kustomize_path: None,
            ignore: Vec::new(),
        }
    }
}

/// The strings of a list setting, trimmed, empty ones and other values left out, at most
/// `MAX_GLOBS` of them.
fn non_empty_strings(list: &[Value]) -> Vec<String> {
    list.iter()
        .filter_map(Value::as_str)
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .take(MAX_GLOBS)
        .map(str::to_owned)
        .collect()
}

impl Settings {
    /// `self` with the settings `value` gives; keys it does not give keep their value, and
    /// values of the wrong type are ignored.
    pub fn updated(&self, value: &Value) -> Settings {
        let section = match value.get("kyverno") {
            Some(inner) if inner.is_object() => inner,
            _ => value,
        };
        let mut s = self.clone();
        if let Some(b) = section.get("builtinSamples").and_then(Value::as_bool) {
            s.builtin_samples = b;
        }
        if let Some(globs) = section.get("samples").and_then(Value::as_array) {
            s.samples = non_empty_strings(globs);
        }
        if let Some(helm) = section.get("helm") {
            match helm.get("path") {
                Some(Value::String(p)) if !p.trim().is_empty() => {
                    s.helm_path = Some(p.trim().to_owned());
                }
                Some(Value::String(_) | Value::Null) => s.helm_path = None,
                _ => {}
            }
            if let Some(files) = helm.get("values").and_then(Value::as_array) {
                s.helm_values = non_empty_strings(files);
            }
        }
        match section.get("kustomize").and_then(|k| k.get("path")) {
            Some(Value::String(p)) if !p.trim().is_empty() => {
                s.kustomize_path = Some(p.trim().to_owned());
            }
            Some(Value::String(_) | Value::Null) => s.kustomize_path = None,
            _ => {}
        }
        let diagnostics = section.get("diagnostics");
        if let Some(b) = diagnostics
            .and_then(|d| d.get("schema"))
            .and_then(Value::as_bool)
        {
            s.schema_diagnostics = b;
        }
        if let Some(globs) = diagnostics
            .and_then(|d| d.get("ignore"))
            .and_then(Value::as_array)
        {
            s.ignore = non_empty_strings(globs);
        }
        if let Some(map) = diagnostics
            .and_then(|d| d.get("severity"))
            .and_then(Value::as_object)
        {
            s.severity = map
                .iter()
                .filter_map(|(code, v)| Some((code.clone(), Severity::parse_level(v.as_str()?)?)))
                .collect();
        }
        s
    }

    /// Whether the file at `path`, in the workspace folder `root`, is one the settings say not
    /// to report on.
    pub fn ignores(&self, root: &std::path::Path, path: &std::path::Path) -> bool {
        if self.ignore.is_empty() {
            return false;
        }
        let Ok(rel) = path.strip_prefix(root) else {
            return false;
        };
        let segments: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        crate::glob::Globs::new(&self.ignore).matches(&segments)
    }

    /// The diagnostics as the user asked to see them: schema codes dropped when turned off,
    /// severities overridden, codes turned off dropped.
    pub fn apply(&self, diagnostics: &mut Vec<Diagnostic>) {
        if self.schema_diagnostics && self.severity.is_empty() {
            return;
        }
        diagnostics.retain_mut(|d| {
            if !self.schema_diagnostics && SCHEMA_CODES.contains(&d.code) {
                return false;
            }
            match self.severity.get(d.code) {
                None => true,
                Some(None) => false,
                Some(Some(severity)) => {
                    d.severity = *severity;
                    true
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::path::Path;

    #[test]
    fn with_or_without_the_section_wrapper() {
        let on = Settings::default();
        let off = on.updated(&json!({"kyverno": {"builtinSamples": false}}));
        assert!(!off.builtin_samples);
        assert!(
            off.updated(&json!({"builtinSamples": true}))
                .builtin_samples
        );
        assert!(
            !off.updated(&json!({"builtinSamples": "yes"}))
                .builtin_samples
        );
        assert!(!off.updated(&json!(null)).builtin_samples);
        assert!(!off.updated(&json!({"kyverno": {}})).builtin_samples);
    }

    #[test]
    fn samples_and_diagnostics() {
        let s = Settings::default().updated(&json!({"kyverno": {
            "samples": ["samples/**/*.yaml", " ", 3, "pods.yaml"],
            "diagnostics": {
                "schema": false,
                "severity": {"rule-fails": "error", "deprecated": "off", "x": "loud", "y": 1},
                "ignore": ["vendor/**", " ", 2],
            },
        }}));
        assert_eq!(
            s,
            Settings {
                builtin_samples: true,
                samples: vec!["samples/**/*.yaml".to_owned(), "pods.yaml".to_owned()],
                schema_diagnostics: false,
                severity: [
                    ("deprecated".to_owned(), None),
                    ("rule-fails".to_owned(), Some(Severity::Error)),
                ]
                .into_iter()
                .collect(),
                helm_path: None,
                helm_values: Vec::new(),
                kustomize_path: None,
                ignore: vec!["vendor/**".to_owned()],
            }
        );
        assert!(s.ignores(Path::new("/ws"), Path::new("/ws/vendor/a/p.yaml")));
        assert!(!s.ignores(Path::new("/ws"), Path::new("/ws/policies/p.yaml")));
        assert!(!s.ignores(Path::new("/other"), Path::new("/ws/vendor/p.yaml")));
        let h = s.updated(&json!({"helm": {"path": "/opt/helm", "values": ["ci/a.yaml", 1, ""]}}));
        assert_eq!(h.helm_path.as_deref(), Some("/opt/helm"));
        assert_eq!(h.helm_values, ["ci/a.yaml"]);
        assert_eq!(h.updated(&json!({"helm": {"path": ""}})).helm_path, None);
        let k = s.updated(&json!({"kustomize": {"path": " /opt/kubectl "}}));
        assert_eq!(k.kustomize_path.as_deref(), Some("/opt/kubectl"));
        assert_eq!(k.updated(&json!({"kustomize": {"path": 1}})), k);
        assert_eq!(
            k.updated(&json!({"kustomize": {"path": null}}))
                .kustomize_path,
            None
        );
        // Keys not given keep their value.
        assert_eq!(s.updated(&json!({"builtinSamples": true})), s);

        let d = |code: &'static str, severity| Diagnostic::new(code, severity, 0..1, "");
        let mut all = vec![
            d("unknown-field", Severity::Error),
            d("rule-fails", Severity::Warning),
            d("deprecated", Severity::Warning),
            d("jmespath-syntax", Severity::Error),
        ];
        s.apply(&mut all);
        assert_eq!(
            all,
            [
                d("rule-fails", Severity::Error),
                d("jmespath-syntax", Severity::Error)
            ]
        );
    }
}
