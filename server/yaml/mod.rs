//! Spanned YAML.
