//! The user's settings, from `initializationOptions` and `workspace/didChangeConfiguration`:
//! `{"kyverno": {"builtinSamples": true}}`, or the same object without the `kyverno` wrapper.

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Simulate against the built-in samples when a policy has no samples of its own.
    pub builtin_samples: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            builtin_samples: true,
        }
    }
}

impl Settings {
    /// `self` with the settings `value` gives; keys it does not give keep their value, and
    /// values of the wrong type are ignored.
    pub fn updated(self, value: &Value) -> Settings {
        let section = match value.get("kyverno") {
            Some(inner) if inner.is_object() => inner,
            _ => value,
        };
        let mut s = self;
        if let Some(b) = section.get("builtinSamples").and_then(Value::as_bool) {
            s.builtin_samples = b;
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
}
