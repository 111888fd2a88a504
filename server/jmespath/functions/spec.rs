//! The one table of functions: signatures, documentation and implementation. It drives the
//! evaluator's argument checking, the static checks (unknown function, arity, literal argument
//! types), hover, completion, signature help and `kyverno-ls functions`.

use super::super::value::Value;

/// A set of JMESPath types an argument accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Types(pub u8);

impl Types {
    pub const NULL: Types = Types(1);
    pub const BOOL: Types = Types(2);
    pub const NUMBER: Types = Types(4);
    pub const STRING: Types = Types(8);
    pub const ARRAY: Types = Types(16);
    pub const OBJECT: Types = Types(32);
    /// An `&expression` reference (sort_by, map, max_by, min_by).
    pub const EXPREF: Types = Types(64);
    pub const ANY: Types = Types(1 | 2 | 4 | 8 | 16 | 32);

    pub const fn or(self, other: Types) -> Types {
        Types(self.0 | other.0)
    }

    pub fn contains(self, other: Types) -> bool {
        self.0 & other.0 == other.0
    }

    pub fn of(v: &Value) -> Types {
        match v {
            Value::Null => Types::NULL,
            Value::Bool(_) => Types::BOOL,
            Value::Number(_) => Types::NUMBER,
            Value::String(_) => Types::STRING,
            Value::Array(_) => Types::ARRAY,
            Value::Object(_) => Types::OBJECT,
        }
    }

    /// `string|number`, `any`, `array`...
    pub fn describe(self) -> String {
        if self == Types::ANY {
            return "any".into();
        }
        let names = [
            (Types::NULL, "null"),
            (Types::BOOL, "boolean"),
            (Types::NUMBER, "number"),
            (Types::STRING, "string"),
            (Types::ARRAY, "array"),
            (Types::OBJECT, "object"),
            (Types::EXPREF, "expression"),
        ];
        names
            .iter()
            .filter(|(t, _)| self.contains(*t))
            .map(|(_, n)| *n)
            .collect::<Vec<_>>()
            .join("|")
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Param {
    pub name: &'static str,
    pub types: Types,
}

/// What an implementation needs besides its arguments: the injected clock and randomness.
pub struct Env {
    /// "Now", for `time_now`, `time_now_utc` and `time_since` with an empty end.
    pub now: chrono::DateTime<chrono::FixedOffset>,
    /// Seed for `random`; the same seed gives the same strings.
    pub seed: u64,
}

impl Env {
    /// A fixed environment for tests and offline evaluation: 2024-01-01T00:00:00Z, seed 0.
    pub fn fixed() -> Env {
        Env {
            now: chrono::DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z")
                .expect("valid RFC 3339 literal"),
            seed: 0,
        }
    }
}

/// An implementation of a function that takes plain values (all Kyverno custom functions and
/// the builtins without `&expression` arguments). Arguments have already been checked against
/// the declared types; the error is the message after `JMESPath function '<name>': `.
pub type ValueFn = fn(args: &[Value], env: &Env) -> Result<Value, String>;

#[derive(Debug, Clone, Copy)]
pub struct FunctionSpec {
    pub name: &'static str,
    pub params: &'static [Param],
    /// The last parameter may repeat (e.g. `merge`, `not_null`).
    pub variadic: bool,
    pub returns: Types,
    /// Markdown, in our own words, one or two sentences plus the quirks that matter.
    pub doc: &'static str,
    /// An example call and its result, e.g. "to_upper('abc') → \"ABC\"".
    pub example: &'static str,
    /// True for Kyverno's custom functions, false for JMESPath builtins.
    pub kyverno: bool,
    /// None for the builtins that take `&expression` arguments: the evaluator implements those.
    pub imp: Option<ValueFn>,
}
