//! Kyverno's JMESPath: the 2015 grammar as Kyverno's go-jmespath fork reads it, an evaluator
//! with the fork's semantics (a missing map key is an error, swallowed in some places), every
//! Kyverno custom function, and the `{{ }}` templates that embed expressions in policies.

pub mod functions;
pub mod json;
pub mod template;
pub mod value;

pub use value::Value;
