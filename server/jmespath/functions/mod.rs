//! Function table: JMESPath builtins and Kyverno's custom functions.

pub mod spec;

pub use spec::{Env, FunctionSpec, Param, Types, ValueFn};
