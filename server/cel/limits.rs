//! Every bound on the work a CEL expression can cause. They live here rather than in
//! `server/limits.rs` so the CEL core stays one module; each says why its value.

/// Height of the syntax tree. cel-go's parser refuses recursion deeper than 250 by default
/// (cel.md §4.1), so a deeper expression would not compile in Kyverno either; it also bounds
/// our parser's and evaluator's recursion.
pub const MAX_DEPTH: u32 = 250;

/// Evaluation depth across nested evaluations on one thread. A lazy variable
/// (`variables.x`) is evaluated in the middle of the expression that needs it, on the same
/// stack, so chains of variables add up. 400 leaves room for any single expression
/// (`MAX_DEPTH`) and fits a 2 MiB thread stack even unoptimised (about 4 KiB per level in
/// the worst case, comprehensions).
pub const MAX_NESTED_DEPTH: u32 = 400;

/// Expression length in code points: cel-go's parser default (cel.md §4.1).
pub const MAX_CODE_POINTS: usize = 100_000;

/// Syntax errors reported per expression, as cel-go's parser (cel.md §4.1); more are noise.
pub const MAX_ERRORS: usize = 100;

/// Runtime cost per expression: Kubernetes' `PerCallLimit`, which Kyverno uses for vpol,
/// mpol, ivpol, validate.cel, VAP and MAP (cel.md §4.1).
pub const COST_LIMIT: u64 = 1_000_000;

/// Compiled size of one regular expression (bytes of the `regex` crate's program). Matching
/// is linear in the input with the `regex` crate, so only the size of the compiled program
/// needs a bound; 1 MiB admits every realistic pattern and refuses `(a{1000}){1000}` bombs.
pub const MAX_REGEX_SIZE: usize = 1 << 20;

/// Length in bytes of a string or bytes value that one call may build (`repeat`-like growth through `+`,
/// `join`, `replace`, `format`): 10 MiB, far above any admission object, far below memory
/// trouble. The cost limit usually stops growth first.
pub const MAX_BUILT_LEN: usize = 10 << 20;

/// Elements of a list or entries of a map that one call or comprehension may build: a
/// million values take about 24 MB. Without a cost limit (gpol, dpol) this is what stops
/// `lists.range(100000000)`.
pub const MAX_LIST_LEN: usize = 1_000_000;
