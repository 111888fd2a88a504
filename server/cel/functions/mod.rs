//! The one table of CEL functions: for each name, its overloads (receiver or global,
//! parameter types, result type), a paragraph of documentation and the implementation. The
//! evaluator dispatches through it; hover, completion and signature help can read it.
//!
//! A library is a file with a `FUNCTIONS` slice, listed once in `LIBRARIES` under a name.
//! To add one (Kubernetes' quantity, Kyverno's resource…): write `functions/<name>.rs` with
//! its table and implementations, add `pub mod <name>;` and a `Library` line below. Library
//! types are `Value::Opaque` values, dispatched on with `Ty::Opaque("<type name>")`.
//! Several libraries may add overloads to the same name (`indexOf` on strings and on
//! lists): the evaluator tries them all, in library order. An environment can switch a
//! library's availability (`Env::libraries`) decides which kinds declare it, as Kyverno's kinds differ.

pub mod context;
pub mod encoders;
pub mod k8s;
pub mod k8s_url;
pub mod kyverno;
pub mod lists;
pub mod math;
pub mod optional;
pub mod regex;
pub mod sets;
pub mod stdlib;
pub mod strings;

use std::collections::HashMap;
use std::sync::OnceLock;

use super::Env;
use super::value::Value;

/// Which environments declare a library (cel.md §2.2). Kubernetes' stored-expression
/// environment is the base every kind has; validate.cel and VAP stop there, while Kyverno's
/// own kinds add cel-go extensions and Kyverno's libraries on top.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    /// CEL's standard functions and Kubernetes' libraries: every kind.
    Base,
    /// cel-go extensions Kubernetes leaves out (math, encoders, ext regex): Kyverno's kinds.
    Extension,
    /// Kyverno's own libraries: Kyverno's kinds.
    Kyverno,
}

/// The libraries an environment declares. A function outside the set is an undeclared
/// reference, as in the environment Kyverno compiles the expression in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LibrarySet {
    pub extensions: bool,
    pub kyverno: bool,
}

impl LibrarySet {
    /// ValidatingPolicy and the other `policies.kyverno.io` kinds.
    pub const KYVERNO: LibrarySet = LibrarySet {
        extensions: true,
        kyverno: true,
    };
    /// `validate.cel`, ValidatingAdmissionPolicy and MutatingAdmissionPolicy.
    pub const KUBERNETES: LibrarySet = LibrarySet {
        extensions: false,
        kyverno: false,
    };

    pub fn has(self, a: Availability) -> bool {
        match a {
            Availability::Base => true,
            Availability::Extension => self.extensions,
            Availability::Kyverno => self.kyverno,
        }
    }
}

/// A library: its functions and where it is declared.
pub struct Library {
    pub name: &'static str,
    pub availability: Availability,
    pub functions: &'static [FunctionSpec],
}

const fn lib(
    name: &'static str,
    availability: Availability,
    functions: &'static [FunctionSpec],
) -> Library {
    Library {
        name,
        availability,
        functions,
    }
}

/// Every library, in dispatch order.
pub const LIBRARIES: &[Library] = &[
    lib("stdlib", Availability::Base, stdlib::FUNCTIONS),
    lib("optional", Availability::Base, optional::FUNCTIONS),
    lib("strings", Availability::Base, strings::FUNCTIONS),
    lib("lists", Availability::Base, lists::FUNCTIONS),
    lib("sets", Availability::Base, sets::FUNCTIONS),
    lib("regex", Availability::Base, regex::FUNCTIONS),
    lib("kubernetes", Availability::Base, k8s::FUNCTIONS),
    lib(
        "kubernetes-url-format",
        Availability::Base,
        k8s_url::FUNCTIONS,
    ),
    lib("math", Availability::Extension, math::FUNCTIONS),
    lib("encoders", Availability::Extension, encoders::FUNCTIONS),
    lib("ext-regex", Availability::Extension, regex::EXT_FUNCTIONS),
    lib("kyverno-context", Availability::Kyverno, context::FUNCTIONS),
    lib("kyverno", Availability::Kyverno, kyverno::FUNCTIONS),
];

/// A parameter or result type, for dispatch and for documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// Any value.
    Dyn,
    Null,
    Bool,
    Int,
    Uint,
    Double,
    String,
    Bytes,
    List,
    Map,
    Timestamp,
    Duration,
    Type,
    Optional,
    /// A library type, by its CEL type name (`kubernetes.Quantity`).
    Opaque(&'static str),
}

impl Ty {
    pub fn matches(self, v: &Value) -> bool {
        match (self, v) {
            (Ty::Dyn, _) => true,
            (Ty::Null, Value::Null) => true,
            (Ty::Bool, Value::Bool(_)) => true,
            (Ty::Int, Value::Int(_)) => true,
            (Ty::Uint, Value::Uint(_)) => true,
            (Ty::Double, Value::Double(_)) => true,
            (Ty::String, Value::String(_)) => true,
            (Ty::Bytes, Value::Bytes(_)) => true,
            (Ty::List, Value::List(_)) => true,
            (Ty::Map, Value::Map(_)) => true,
            (Ty::Timestamp, Value::Timestamp(_)) => true,
            (Ty::Duration, Value::Duration(_)) => true,
            (Ty::Type, Value::Type(_)) => true,
            (Ty::Optional, Value::Optional(_)) => true,
            (Ty::Opaque(name), Value::Opaque(o)) => o.type_name() == name,
            _ => false,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Ty::Dyn => "dyn",
            Ty::Null => "null_type",
            Ty::Bool => "bool",
            Ty::Int => "int",
            Ty::Uint => "uint",
            Ty::Double => "double",
            Ty::String => "string",
            Ty::Bytes => "bytes",
            Ty::List => "list",
            Ty::Map => "map",
            Ty::Timestamp => "google.protobuf.Timestamp",
            Ty::Duration => "google.protobuf.Duration",
            Ty::Type => "type",
            Ty::Optional => "optional_type",
            Ty::Opaque(name) => name,
        }
    }
}

/// What an implementation may use besides its arguments: the environment, and the cost
/// counter it adds to for work proportional to its input (the evaluator already charges 1
/// per call).
pub struct Ctx<'a> {
    pub env: &'a Env,
    pub cost: u64,
    /// What is left of the cost limit when the call starts (`None`: no limit).
    pub budget: Option<u64>,
}

impl Ctx<'_> {
    /// Charges for work over `n` bytes or elements, about one unit per ten as cel-go's
    /// string and list functions cost. Call it before allocating: past the budget the
    /// function must stop, and the evaluator then cancels the evaluation.
    pub fn charge_size(&mut self, n: usize) -> Result<(), std::string::String> {
        self.charge((n as u64).div_ceil(10))
    }

    /// Charges `n` units.
    pub fn charge(&mut self, n: u64) -> Result<(), std::string::String> {
        self.cost = self.cost.saturating_add(n);
        match self.budget {
            Some(b) if self.cost > b => Err(crate::cel::eval::COST_EXCEEDED.into()),
            _ => Ok(()),
        }
    }
}

/// What an implementation returns (named so that tables can import `Ty::*`, whose
/// `String` would shadow the standard one).
pub type Out = Result<Value, std::string::String>;

/// An implementation: the arguments (receiver first for receiver-style calls), already
/// checked against the overload's parameter types. The error is cel-go's message.
pub type Impl = fn(args: &[Value], ctx: &mut Ctx) -> Result<Value, String>;

#[derive(Clone, Copy)]
pub struct Overload {
    /// `receiver.f(args)` when true, `f(args)` otherwise.
    pub receiver: bool,
    /// Parameter types, the receiver's first.
    pub params: &'static [Ty],
    pub result: Ty,
    pub imp: Impl,
    /// The last parameter repeats (`math.greatest(a, b, c…)`), at least once.
    pub variadic: bool,
}

impl std::fmt::Debug for Overload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:?} -> {:?} (receiver: {})",
            self.params, self.result, self.receiver
        )
    }
}

#[derive(Debug, Clone, Copy)]
pub struct FunctionSpec {
    /// The name as called; namespaced functions include their namespace (`math.greatest`).
    pub name: &'static str,
    /// One paragraph, in our own words, for hover and `kyverno-ls functions`.
    pub doc: &'static str,
    pub overloads: &'static [Overload],
}

impl FunctionSpec {
    /// `string.contains(string) -> bool` style signatures, one per overload.
    pub fn signatures(&self) -> Vec<String> {
        self.overloads
            .iter()
            .map(|o| {
                let names: Vec<&str> = o.params.iter().map(|t| t.name()).collect();
                if o.receiver {
                    let (recv, rest) = names
                        .split_first()
                        .map_or(("", &[][..]), |(r, rest)| (*r, rest));
                    format!(
                        "{recv}.{}({}) -> {}",
                        self.name,
                        rest.join(", "),
                        o.result.name()
                    )
                } else {
                    format!("{}({}) -> {}", self.name, names.join(", "), o.result.name())
                }
            })
            .collect()
    }
}

/// Shorthand for the tables.
pub const fn global(params: &'static [Ty], result: Ty, imp: Impl) -> Overload {
    Overload {
        receiver: false,
        params,
        result,
        imp,
        variadic: false,
    }
}

/// A global function whose last parameter repeats.
pub const fn variadic(params: &'static [Ty], result: Ty, imp: Impl) -> Overload {
    Overload {
        receiver: false,
        params,
        result,
        imp,
        variadic: true,
    }
}

pub const fn member(params: &'static [Ty], result: Ty, imp: Impl) -> Overload {
    Overload {
        receiver: true,
        params,
        result,
        imp,
        variadic: false,
    }
}

type Index = HashMap<&'static str, (Vec<&'static FunctionSpec>, Vec<Availability>)>;

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut m: Index = HashMap::new();
        for lib in LIBRARIES {
            for f in lib.functions {
                let e = m.entry(f.name).or_default();
                e.0.push(f);
                e.1.push(lib.availability);
            }
        }
        m
    })
}

/// The specs of a function name, from every library that defines it.
pub fn lookup(name: &str) -> Option<&'static [&'static FunctionSpec]> {
    index().get(name).map(|(specs, _)| specs.as_slice())
}

/// The specs of a function name from the libraries of `set`.
pub fn lookup_in(
    name: &str,
    set: LibrarySet,
) -> impl Iterator<Item = &'static FunctionSpec> + 'static {
    index()
        .get(name)
        .into_iter()
        .flat_map(|(specs, avail)| specs.iter().zip(avail.iter()))
        .filter(move |(_, a)| set.has(**a))
        .map(|(f, _)| *f)
}

/// Every function, for completion and listings.
pub fn all() -> impl Iterator<Item = &'static FunctionSpec> {
    LIBRARIES.iter().flat_map(|lib| lib.functions.iter())
}

/// Every function with the name of its library.
pub fn all_with_library() -> impl Iterator<Item = (&'static str, &'static FunctionSpec)> {
    LIBRARIES
        .iter()
        .flat_map(|lib| lib.functions.iter().map(move |f| (lib.name, f)))
}

/// Whether a library `env` declares has a function of this name (receiver-style or global).
pub fn exists(name: &str, env: &Env) -> bool {
    exists_in(name, env.libraries)
}

/// Whether a library of `set` declares this name.
pub fn exists_in(name: &str, set: LibrarySet) -> bool {
    lookup_in(name, set).next().is_some()
}

/// The first overload of `name` whose receiver style and parameter types fit `args`.
pub fn resolve(name: &str, receiver: bool, args: &[Value]) -> Option<&'static Overload> {
    resolve_in(name, receiver, args, LibrarySet::KYVERNO)
}

/// As `resolve`, among the libraries of `set`.
pub fn resolve_in(
    name: &str,
    receiver: bool,
    args: &[Value],
    set: LibrarySet,
) -> Option<&'static Overload> {
    lookup_in(name, set)
        .flat_map(|f| f.overloads.iter())
        .find(|o| {
            if o.receiver != receiver {
                return false;
            }
            if o.variadic {
                let fixed = o.params.len().saturating_sub(1);
                let last = o.params.last().copied().unwrap_or(Ty::Dyn);
                args.len() > fixed
                    && o.params[..fixed]
                        .iter()
                        .zip(args)
                        .all(|(t, v)| t.matches(v))
                    && args[fixed..].iter().all(|v| last.matches(v))
            } else {
                o.params.len() == args.len() && o.params.iter().zip(args).all(|(t, v)| t.matches(v))
            }
        })
}

// Helpers shared by the libraries.

pub(crate) fn str_arg(v: &Value) -> &str {
    match v {
        Value::String(s) => s,
        _ => "",
    }
}

pub(crate) fn int_arg(v: &Value) -> i64 {
    match v {
        Value::Int(i) => *i,
        _ => 0,
    }
}

pub(crate) fn list_arg(v: &Value) -> &[Value] {
    match v {
        Value::List(l) => l,
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_function_is_documented_and_has_overloads() {
        for f in all() {
            assert!(!f.doc.is_empty() && !f.overloads.is_empty(), "{}", f.name);
            for o in f.overloads {
                assert!(!o.receiver || !o.params.is_empty(), "{}", f.name);
            }
        }
        let contains = lookup("contains").unwrap()[0];
        assert_eq!(
            contains.signatures(),
            vec!["string.contains(string) -> bool"]
        );
    }
}

#[cfg(test)]
mod lib_tests;
/// Issue 12: every function of the table is exercised by name in a unit test of
/// server/cel, or, for the few whose cases live in a shared upstream suite, the file that
/// covers them is named here. A function added without a test fails this.
#[cfg(test)]
mod coverage {
    use super::*;

    /// The parts of server/cel that are unit tests (for files with inline tests, what
    /// follows their first `#[cfg(test)]`, so that tables and docs do not count).
    fn test_sources() -> Vec<&'static str> {
        let tail = |s: &'static str| s.split_once("#[cfg(test)]").map_or("", |(_, t)| t);
        vec![
            include_str!("lib_tests.rs"),
            include_str!("k8s/tests.rs"),
            include_str!("kyverno/tests.rs"),
            include_str!("k8s_url/tests.rs"),
            tail(include_str!("context.rs")),
            tail(include_str!("mod.rs")),
            tail(include_str!("../eval.rs")),
            tail(include_str!("../time.rs")),
            tail(include_str!("../mod.rs")),
        ]
    }

    /// Functions with no unit test of their own, and the CEL conformance file (run by
    /// tests/cel_conformance.rs over the shared cel-spec/testdata) whose upstream cases check
    /// them instead.
    const COVERED_ELSEWHERE: &[(&str, &str)] = &[
        ("bytes", "conversions.textproto"),
        ("getDayOfMonth", "timestamps.textproto"),
        ("getDayOfYear", "timestamps.textproto"),
        ("getFullYear", "timestamps.textproto"),
        ("getMilliseconds", "timestamps.textproto"),
        ("getSeconds", "timestamps.textproto"),
        ("lowerAscii", "string_ext.textproto"),
        ("strings.quote", "string_ext.textproto"),
        ("math.abs", "math_ext.textproto"),
        ("math.bitAnd", "math_ext.textproto"),
        ("math.bitNot", "math_ext.textproto"),
        ("math.bitOr", "math_ext.textproto"),
        ("math.bitShiftLeft", "math_ext.textproto"),
        ("math.bitShiftRight", "math_ext.textproto"),
        ("math.bitXor", "math_ext.textproto"),
        ("math.ceil", "math_ext.textproto"),
        ("math.floor", "math_ext.textproto"),
        ("math.isFinite", "math_ext.textproto"),
        ("math.isInf", "math_ext.textproto"),
        ("math.trunc", "math_ext.textproto"),
    ];

    /// Internal functions no one writes, and the macro whose expansion calls them: a test
    /// of the macro is the test of the function.
    const MACRO_EXPANSIONS: &[(&str, &str)] = &[("@sortByAssociatedKeys", "sortBy")];

    /// The contents of the string literals of Rust source, where the CEL of a test is: a
    /// name in the Rust code around it (`.contains(`, `.find(`) is no test of the function.
    fn string_literals(src: &str) -> Vec<String> {
        let b = src.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                // A quote as a char literal opens no string.
                b'\'' if b[i..].starts_with(b"'\"'") => i += 3,
                b'\'' if b[i..].starts_with(b"'\\\"'") => i += 4,
                b'/' if b[i..].starts_with(b"//") => {
                    i = src[i..].find('\n').map_or(b.len(), |n| i + n);
                }
                b'r' if matches!(b.get(i + 1), Some(b'"' | b'#'))
                    && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')) =>
                {
                    let hashes = b[i + 1..].iter().take_while(|c| **c == b'#').count();
                    let start = i + 1 + hashes + 1;
                    let close = format!("\"{}", "#".repeat(hashes));
                    let end = src[start..].find(&close).map_or(b.len(), |n| start + n);
                    out.push(src[start..end].to_string());
                    i = end + close.len();
                }
                b'"' => {
                    let mut lit = String::new();
                    i += 1;
                    while i < b.len() && b[i] != b'"' {
                        if b[i] == b'\\' && i + 1 < b.len() {
                            lit.push(b[i + 1] as char);
                            i += 2;
                        } else {
                            let ch = src[i..].chars().next().unwrap_or(' ');
                            lit.push(ch);
                            i += ch.len_utf8();
                        }
                    }
                    out.push(lit);
                    i += 1;
                }
                _ => i += 1,
            }
        }
        out
    }

    /// Whether `name(` occurs in `text` as a call, not as the tail of a longer name.
    fn calls(text: &str, name: &str) -> bool {
        let call = format!("{name}(");
        text.match_indices(&call).any(|(at, _)| {
            !text[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_')
        })
    }

    #[test]
    fn every_function_is_named_in_a_unit_test() {
        let literals: Vec<String> = test_sources()
            .into_iter()
            .flat_map(string_literals)
            .collect();
        let mut names: Vec<&str> = all().map(|f| f.name).collect();
        names.sort_unstable();
        names.dedup();
        let missing: Vec<&str> = names
            .iter()
            .copied()
            .filter(|n| {
                let called = |name: &str| literals.iter().any(|l| calls(l, name));
                let by_macro = MACRO_EXPANSIONS.iter().any(|(f, m)| f == n && called(m));
                !called(n) && !by_macro && !COVERED_ELSEWHERE.iter().any(|(c, _)| c == n)
            })
            .collect();
        assert!(
            missing.is_empty(),
            "functions without a unit test: {missing:?}"
        );

        // The list stays short and true: each entry is a function of the table with no unit
        // test yet.
        for (name, _) in COVERED_ELSEWHERE.iter().chain(MACRO_EXPANSIONS) {
            assert!(names.contains(name), "{name} is no function of the table");
        }
        for (name, file) in COVERED_ELSEWHERE {
            assert!(
                !literals.iter().any(|l| calls(l, name)),
                "{name} has a unit test now: take it off the list (it named {file})"
            );
        }
    }

    /// Each function the list leaves to the conformance suite is called in the file it names,
    /// when the shared data is present (as tests/shared_data finds it).
    #[test]
    fn functions_left_to_the_conformance_suite_are_in_its_files() {
        let root = std::env::var_os("KYVERNO_LS_SHARED")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
        let dir = root.join("cel-spec/testdata");
        if !dir.is_dir() {
            assert!(
                std::env::var_os("KYVERNO_LS_REQUIRE_SHARED").is_none(),
                "{} is missing",
                dir.display()
            );
            eprintln!("skipped: no {}", dir.display());
            return;
        }
        for (name, file) in COVERED_ELSEWHERE {
            let text =
                std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert!(calls(&text, name), "{file} does not call {name}");
        }
    }
}
