//! Kyverno's JMESPath: the 2015 grammar as Kyverno's go-jmespath fork reads it, an evaluator
//! with the fork's semantics (a missing map key is an error, swallowed in some places), every
//! Kyverno custom function, and the `{{ }}` templates that embed expressions in policies.

pub mod ast;
pub mod functions;
pub mod interp;
pub mod json;
pub mod parse;
pub mod template;
pub mod value;

pub use ast::{Ast, AstKind, Comparator, KeyValue, Span};
pub use interp::{EvalError, Options, evaluate, evaluate_with};
pub use parse::{ParseError, parse};
pub use value::Value;
