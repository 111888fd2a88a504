//! Our own CEL (Common Expression Language) core, as Kubernetes and Kyverno use it: lexer,
//! parser with exact spans and bounded depth, evaluator with cel-go's semantics and error
//! texts, cost tracking, and one table of functions.
//!
//! We do not use the `cel` crate: an editor needs exact byte spans on every node, bounded
//! depth, error recovery and cost tracking. See `/work/shared/kyverno-notes/cel.md` for the
//! environment Kyverno builds.
//!
//! ```text
//! let (ast, errors) = cel::parse("object.metadata.name.startsWith('a')");
//! let program = cel::Program::new(ast.unwrap());
//! let value = program.eval(&bindings, &cel::Env::fixed())?;
//! ```

pub mod activation;
pub mod ast;
pub mod checker;
pub mod eval;
pub mod functions;
pub mod lexer;
pub mod limits;
pub mod parser;
pub mod time;
pub mod value;

use std::fmt;

pub use activation::{Activation, Bindings, LazyFn};
pub use ast::Expr;
pub use parser::{ParseOptions, SyntaxError, parse, parse_with};
pub use value::{Key, Map, Opaque, Value};

use crate::diag::Span;

/// What evaluation needs besides the variables: the clock and the options of the environment.
#[derive(Debug, Clone)]
pub struct Env {
    /// "Now", for Kyverno's `time.now()`; the core keeps no clock of its own.
    pub now: chrono::DateTime<chrono::FixedOffset>,
    /// The runtime cost limit, `None` for none (gpol and dpol have none).
    pub cost_limit: Option<u64>,
    /// Kyverno's `orValue` compatibility macro (cel.md §2.5): `x.orValue(y)` on a
    /// non-optional `x` gives `x` instead of `no such overload`.
    pub or_value_compat: bool,
    /// The container (namespace) names resolve in: with `a.b`, the name `x` is looked up
    /// as `a.b.x`, `a.x`, then `x`. Kyverno uses none.
    pub container: String,
}

impl Env {
    /// A fixed environment for tests and offline evaluation: 2024-01-01T00:00:00Z, the
    /// per-expression cost limit of Kubernetes and Kyverno, `orValue` compatibility on.
    pub fn fixed() -> Env {
        Env {
            now: chrono::DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z")
                .expect("valid RFC 3339 literal"),
            cost_limit: Some(limits::COST_LIMIT),
            or_value_compat: true,
            container: String::new(),
        }
    }
}

/// A runtime error: cel-go's message, and the span of the node that raised it.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalError {
    pub message: String,
    pub span: Span,
}

impl EvalError {
    pub fn new(message: impl Into<String>, span: Span) -> EvalError {
        EvalError {
            message: message.into(),
            span,
        }
    }
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for EvalError {}

/// A parsed expression, ready to evaluate any number of times.
#[derive(Debug, Clone)]
pub struct Program {
    pub ast: Expr,
}

impl Program {
    pub fn new(ast: Expr) -> Program {
        Program { ast }
    }

    /// Parses `src`; the syntax errors when it does not parse.
    pub fn compile(src: &str) -> Result<Program, Vec<SyntaxError>> {
        match parse(src) {
            (Some(ast), errors) if errors.is_empty() => Ok(Program::new(ast)),
            (_, errors) => Err(errors),
        }
    }

    /// Evaluates against the variables of `activation`.
    pub fn eval(&self, activation: &dyn Activation, env: &Env) -> Result<Value, EvalError> {
        self.eval_with_cost(activation, env).0
    }

    /// Evaluates and also reports the runtime cost spent.
    pub fn eval_with_cost(
        &self,
        activation: &dyn Activation,
        env: &Env,
    ) -> (Result<Value, EvalError>, u64) {
        eval::evaluate(&self.ast, activation, env)
    }
}
