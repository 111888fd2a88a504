//! Schema and Kyverno checks.
