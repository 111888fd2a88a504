//! Our own CEL (Common Expression Language) core, as Kubernetes and Kyverno use it: lexer,
//! parser with exact spans and bounded depth, evaluator with cel-go's semantics and error
//! texts, cost tracking, static checks, and one table of functions.
//!
//! We do not use the `cel` crate: an editor needs exact byte spans on every node, bounded
//! depth, error recovery and cost tracking. `/work/shared/kyverno-notes/cel.md` describes
//! the environments Kyverno builds.
//!
//! - `lexer.rs`, `parser.rs`, `ast.rs`: text to tree. Every node has its byte span; macros
//!   (`has`, `all`, `map`, `cel.bind`, `optMap`, the two-variable forms, `sortBy`) become
//!   `Presence` and `Comprehension` nodes. Height 250 and 100,000 code points at most.
//! - `eval.rs`: evaluation (errors absorbed by `&&`, `||`, `all` and `exists`; cost
//!   cancels), `activation.rs` the variables (lazy, memoized entries for `variables.x`),
//!   `value.rs` the values, `time.rs` timestamps and durations.
//! - `functions/`: the table (one file per library, see `functions/mod.rs`).
//! - `check.rs`: checks without types (names, functions, arity, literal validators).
//! - `limits.rs`: every bound, with why.
//!
//! ```text
//! let program = cel::Program::compile("object.metadata.name.startsWith('a')")?;
//! let mut vars = cel::Bindings::new();
//! vars.set("object", cel::Value::from_json(&resource));
//! let value = program.eval(&vars, &cel::Env::fixed())?;
//! ```

pub mod activation;
pub mod ast;
pub mod check;
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
pub use parser::{ParseOptions, SyntaxError, format_errors, parse, parse_with};
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
    /// The libraries the policy kind's environment declares (cel.md §2.2).
    pub libraries: functions::LibrarySet,
    /// Seed for Kyverno's `random()`: the same seed gives the same strings, so simulations
    /// are reproducible.
    pub seed: u64,
}

impl Env {
    /// A fixed environment for tests and offline evaluation: 2024-01-01T00:00:00Z, the
    /// per-expression cost limit of Kubernetes and Kyverno, `orValue` compatibility on, every
    /// library of a ValidatingPolicy, seed 0.
    pub fn fixed() -> Env {
        Env {
            now: chrono::DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z")
                .expect("valid RFC 3339 literal"),
            cost_limit: Some(limits::COST_LIMIT),
            or_value_compat: true,
            container: String::new(),
            libraries: functions::LibrarySet::KYVERNO,
            seed: 0,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Mutated expressions, garbage included, never panic: each gives a tree or syntax
    /// errors, and a tree gives a value or an error.
    #[test]
    fn mutated_expressions_never_panic() {
        let seeds = [
            "object.metadata.labels.exists(k, v, k.startsWith('app') && v != '')",
            "[1, 2u, 3.0, 'a', b'\\xff', null, true].map(x, type(x))",
            "{'a': {'b': [1, 2, 3]}}.?a.b[?1].orValue(0) + 1",
            "timestamp('2024-01-01T00:00:00Z') + duration('1h') > timestamp(0)",
            "'%s %d %.2f %x'.format(['a', 1, 2.5, 'hi']).split(' ').join('-')",
            "lists.range(5).transformMap(i, v, v * 2).filter(k, k % 2 == 0).sort()",
            "cel.bind(x, [3, 1, 2], x.sortBy(e, -e).slice(0, 2).sum())",
            "math.greatest(1, 2u, -3.5) == 2 ? 'yes' : string(1 / 0)",
            "r'''raw\\n''' + \"\"\"triple\"\"\" + '\\u00e9\\U0001F600\\101'",
            "Object{spec: Object.spec{replicas: int('3')}}.spec.replicas",
        ];
        let pieces = [
            "(",
            ")",
            "[",
            "]",
            "{",
            "}",
            ".",
            ".?",
            "[?",
            ",",
            ":",
            "?",
            "!",
            "-",
            "+",
            "*",
            "/",
            "%",
            "==",
            "<",
            ">=",
            "&&",
            "||",
            " in ",
            "'",
            "\"",
            "'''",
            "\\",
            "\\x",
            "\\u",
            "0x",
            "1e",
            "9223372036854775808",
            "-9223372036854775808",
            "18446744073709551615u",
            "1.5",
            "null",
            "has(",
            "all(",
            "map(x,",
            "x",
            "size(",
            "dyn(",
            "int(",
            "duration('",
            "`a`",
            "optional.of(",
            "orValue(",
            "\n",
            "é",
            "#",
            "//",
            "r'",
            "b'",
            "\\é",
            "\\",
            "'\\é'",
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n.max(1) as u64) as usize
        };
        let env = Env::fixed();
        let bindings = Bindings::new();
        for round in 0..6000 {
            let mut chars: Vec<char> = seeds[round % seeds.len()].chars().collect();
            for _ in 0..1 + next(4) {
                match next(3) {
                    0 => {
                        let at = next(chars.len() + 1);
                        let piece = pieces[next(pieces.len())];
                        chars.splice(at..at, piece.chars());
                    }
                    1 if !chars.is_empty() => {
                        let at = next(chars.len());
                        let len = 1 + next(5);
                        chars.drain(at..(at + len).min(chars.len()));
                    }
                    _ => {
                        let at = next(chars.len() + 1);
                        let len = next(chars.len() - at + 1);
                        let copy: Vec<char> = chars[at..at + len].to_vec();
                        chars.splice(at..at, copy);
                    }
                }
            }
            let src: String = chars.into_iter().collect();
            let (ast, errors) = parse(&src);
            for e in &errors {
                assert!(
                    e.span.start <= e.span.end && e.span.end <= src.len(),
                    "{src}: {e:?}"
                );
                assert!(src.is_char_boundary(e.span.start) && src.is_char_boundary(e.span.end));
            }
            if let Some(ast) = ast {
                assert!(errors.is_empty());
                let _ = Program::new(ast).eval(&bindings, &env);
            }
        }
    }
}

#[cfg(test)]
mod thread_safety {
    fn shareable<T: Send + Sync>() {}

    /// Programs and values are shared across the server's analysis threads and caches.
    #[test]
    fn programs_and_values_are_send_and_sync() {
        shareable::<super::Program>();
        shareable::<super::Value>();
        shareable::<super::EvalError>();
        shareable::<super::SyntaxError>();
        shareable::<super::Env>();
    }
}
