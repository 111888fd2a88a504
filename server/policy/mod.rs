//! Kyverno policy model.
