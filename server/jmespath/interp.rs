//! Evaluating an [`Ast`] the way Kyverno's go-jmespath fork does.
//!
//! The fork's one big departure from JMESPath: a field looked up on an object that lacks the
//! key is an error (`Unknown key "app" in path`), not null. A field on anything else (null, a
//! string...) is null. The error travels up through `a.b`, `a[0]`, `a[*]` and the right sides
//! of `||`/`&&`, and is swallowed (the value becomes null) by: both sides of a comparison,
//! every function argument, the left side of `||` and `&&`, the operand of `!`, both sides of
//! a pipe, each element of a projection or filter (condition and result), each element of a
//! multi-select list or hash, and each element `map`, `sort_by`, `max_by`, `min_by` evaluate.
//! Upstream go-jmespath already turned any error of the array/object under a flatten `[]`, a
//! filter `[?...]` or an object projection `*` into null, and the fork kept that.
//!
//! Other behaviour of the fork kept here: numbers are f64; `<`, `<=`, `>`, `>=` compare
//! numbers only (anything else gives null); `==` is deep equality; an object projection `*`
//! first evaluates its right side against one null per value (Go's `make([]T, n)` followed by
//! `append`), which only shows when that right side turns null into something; arguments are
//! checked against the function's parameters before it runs, null failing any typed one.
//!
//! Every evaluation is bounded: a budget of steps (node visits, elements visited, and the size
//! of the values given to functions, returned by them, and returned at the end) and a
//! recursion depth. Exhausting either is [`EvalError::Limit`], never a hang or an overflow.

use std::fmt;

use super::ast::{Ast, AstKind, Comparator, Span};
use super::functions::{self, Env, FunctionSpec, Types, builtins};
use super::value::{Map, Value};

/// Default step budget of one evaluation.
pub const MAX_STEPS: u64 = crate::limits::MAX_EVAL_STEPS;
/// Deepest recursion of the evaluator (the parser already keeps trees to 100 levels).
pub const MAX_DEPTH: u32 = crate::limits::MAX_EVAL_DEPTH;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Kyverno's fork: a key missing from an object is an error (swallowed in the places listed
    /// in the module documentation). False gives standard JMESPath, where it is null.
    pub missing_key_is_error: bool,
    /// Steps allowed before [`EvalError::Limit`].
    pub max_steps: u64,
    /// Kyverno registers its functions over the builtins (its `sum` replaces the standard
    /// one). False gives the standard builtins precedence.
    pub kyverno_functions: bool,
}

impl Options {
    /// How Kyverno evaluates (the default).
    pub const KYVERNO: Options = Options {
        missing_key_is_error: true,
        max_steps: MAX_STEPS,
        kyverno_functions: true,
    };
    /// Standard JMESPath semantics for missing keys (the compliance suite).
    pub const STANDARD: Options = Options {
        missing_key_is_error: false,
        max_steps: MAX_STEPS,
        kyverno_functions: false,
    };
}

impl Default for Options {
    fn default() -> Self {
        Options::KYVERNO
    }
}

/// Why an evaluation failed. Every variant carries the span of the expression text at fault;
/// `Display` gives Kyverno's own message.
#[derive(Debug, Clone, PartialEq)]
pub enum EvalError {
    /// A field missing from an object. Span: the field name.
    NotFound { key: String, span: Span },
    /// A function failed on valid arguments (Kyverno's functions: bad regex, unparsable
    /// quantity...). Span: the call.
    Function {
        name: String,
        message: String,
        span: Span,
    },
    /// An argument of the wrong type, with the fork's text (`Invalid type for: <nil>, expected:
    /// []jmespath.JpType{"string"}`), or an `&expression` giving values a function cannot
    /// order. Span: the argument, or the call.
    InvalidType {
        name: String,
        message: String,
        span: Span,
    },
    /// The wrong number of arguments. Span: the call.
    Arity {
        name: String,
        /// Declared parameters (the minimum when `variadic`).
        expected: usize,
        variadic: bool,
        found: usize,
        span: Span,
    },
    /// No function of that name. Span: the name.
    UnknownFunction { name: String, span: Span },
    /// A value the operation cannot use: a slice step of 0. Span: the slice.
    InvalidValue { message: String, span: Span },
    /// The step budget or the recursion depth ran out. Span: where it happened.
    Limit { message: String, span: Span },
}

impl EvalError {
    pub fn span(&self) -> Span {
        match self {
            EvalError::NotFound { span, .. }
            | EvalError::Function { span, .. }
            | EvalError::InvalidType { span, .. }
            | EvalError::Arity { span, .. }
            | EvalError::UnknownFunction { span, .. }
            | EvalError::InvalidValue { span, .. }
            | EvalError::Limit { span, .. } => *span,
        }
    }

    pub fn offset(&self) -> usize {
        self.span().start
    }

    fn is_not_found(&self) -> bool {
        matches!(self, EvalError::NotFound { .. })
    }

    fn is_limit(&self) -> bool {
        matches!(self, EvalError::Limit { .. })
    }
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EvalError::NotFound { key, .. } => write!(f, "Unknown key \"{key}\" in path"),
            EvalError::Function { name, message, .. } => {
                write!(f, "JMESPath function '{name}': {message}")
            }
            EvalError::InvalidType { message, .. }
            | EvalError::InvalidValue { message, .. }
            | EvalError::Limit { message, .. } => f.write_str(message),
            EvalError::Arity { variadic, .. } => f.write_str(functions::arity_message(*variadic)),
            EvalError::UnknownFunction { name, .. } => write!(f, "unknown function: {name}"),
        }
    }
}

impl std::error::Error for EvalError {}

/// Evaluates `ast` against `data` as Kyverno does.
pub fn evaluate(ast: &Ast, data: &Value, env: &Env) -> Result<Value, EvalError> {
    evaluate_with(ast, data, env, &Options::KYVERNO)
}

/// Evaluates with explicit options (standard JMESPath missing keys, another step budget).
pub fn evaluate_with(
    ast: &Ast,
    data: &Value,
    env: &Env,
    options: &Options,
) -> Result<Value, EvalError> {
    evaluate_counted(ast, data, env, options).0
}

/// [`evaluate_with`], also giving the steps spent (for budgets shared by many evaluations).
pub fn evaluate_counted(
    ast: &Ast,
    data: &Value,
    env: &Env,
    options: &Options,
) -> (Result<Value, EvalError>, u64) {
    let mut interp = Interp {
        env,
        options,
        steps: 0,
        depth: 0,
    };
    let result = interp
        .eval(ast, data)
        .and_then(|v| interp.weigh(&v, ast.span).map(|()| v));
    // Running out counts as spending the whole budget (the last charge may not have been
    // recorded).
    let steps = match &result {
        Err(EvalError::Limit { .. }) => options.max_steps,
        _ => interp.steps.min(options.max_steps),
    };
    (result, steps)
}

/// An evaluated function argument.
enum Arg<'a> {
    Value(Value),
    Expref(&'a Ast),
}

struct Interp<'a> {
    env: &'a Env,
    options: &'a Options,
    steps: u64,
    depth: u32,
}

type Eval = Result<Value, EvalError>;

/// A missing key becomes null; every other outcome passes.
fn swallow(result: Eval) -> Eval {
    match result {
        Err(e) if e.is_not_found() => Ok(Value::Null),
        other => other,
    }
}

impl<'a> Interp<'a> {
    fn limit(&self, span: Span) -> EvalError {
        EvalError::Limit {
            message: format!(
                "evaluation stopped: the expression needs more than {} steps",
                crate::limits::thousands(self.options.max_steps)
            ),
            span,
        }
    }

    fn charge(&mut self, steps: u64, span: Span) -> Result<(), EvalError> {
        self.steps = self.steps.saturating_add(steps);
        if self.steps > self.options.max_steps {
            Err(self.limit(span))
        } else {
            Ok(())
        }
    }

    /// Charges the size of a value: one step per value inside it plus one per 16 bytes of
    /// text. Values share their parts, so a short expression can build one whose full size is
    /// astronomical (`[@,@] | [@,@] | ...`); this is what keeps functions that walk a whole
    /// value (`to_string`, equality) and the caller's use of the result bounded.
    fn weigh(&mut self, value: &Value, span: Span) -> Result<(), EvalError> {
        match value {
            Value::String(s) => return self.charge(1 + s.len() as u64 / 16, span),
            Value::Array(_) | Value::Object(_) => {}
            _ => return self.charge(1, span),
        }
        let budget = self.options.max_steps.saturating_sub(self.steps);
        let mut weight: u64 = 0;
        let mut stack: Vec<&Value> = vec![value];
        while let Some(v) = stack.pop() {
            weight += 1;
            match v {
                Value::String(s) => weight += s.len() as u64 / 16,
                Value::Array(items) => stack.extend(items.iter()),
                Value::Object(map) => {
                    weight += map.keys().map(|k| k.len() as u64 / 16).sum::<u64>();
                    stack.extend(map.values());
                }
                _ => {}
            }
            if weight > budget {
                return Err(self.limit(span));
            }
        }
        self.charge(weight, span)
    }

    fn eval(&mut self, node: &'a Ast, value: &Value) -> Eval {
        self.charge(1, node.span)?;
        if self.depth >= MAX_DEPTH {
            return Err(EvalError::Limit {
                message: format!("evaluation stopped: nested more than {MAX_DEPTH} levels"),
                span: node.span,
            });
        }
        self.depth += 1;
        let result = self.eval_node(node, value);
        self.depth -= 1;
        result
    }

    /// The value of the array/object under a flatten, filter or object projection: any error
    /// but running out of budget gives null, as in go-jmespath.
    fn eval_lenient(&mut self, node: &'a Ast, value: &Value) -> Eval {
        match self.eval(node, value) {
            Err(e) if !e.is_limit() => Ok(Value::Null),
            other => other,
        }
    }

    fn eval_node(&mut self, node: &'a Ast, value: &Value) -> Eval {
        match &node.kind {
            AstKind::Identity | AstKind::Current => Ok(value.clone()),
            AstKind::Field { name } => match value {
                Value::Object(map) => match map.get(name) {
                    Some(v) => Ok(v.clone()),
                    None if self.options.missing_key_is_error => Err(EvalError::NotFound {
                        key: name.clone(),
                        span: node.span,
                    }),
                    None => Ok(Value::Null),
                },
                _ => Ok(Value::Null),
            },
            AstKind::Index { index } => Ok(match value {
                Value::Array(items) => {
                    let len = items.len() as i64;
                    let i = if *index < 0 { index + len } else { *index };
                    if (0..len).contains(&i) {
                        items[i as usize].clone()
                    } else {
                        Value::Null
                    }
                }
                _ => Value::Null,
            }),
            AstKind::Slice { start, stop, step } => match value {
                Value::Array(items) => {
                    let sliced = slice(items, *start, *stop, *step).ok_or_else(|| {
                        EvalError::InvalidValue {
                            message: "Invalid slice, step cannot be 0".into(),
                            span: node.span,
                        }
                    })?;
                    self.charge(sliced.len() as u64, node.span)?;
                    Ok(Value::array(sliced))
                }
                _ => Ok(Value::Null),
            },
            AstKind::Subexpression { lhs, rhs } => {
                let left = self.eval(lhs, value)?;
                self.eval(rhs, &left)
            }
            AstKind::Pipe { lhs, rhs } => {
                let left = swallow(self.eval(lhs, value))?;
                swallow(self.eval(rhs, &left))
            }
            AstKind::ListProjection { lhs, rhs } => {
                let left = self.eval(lhs, value)?;
                match left {
                    Value::Array(items) => self.project(items.iter(), rhs),
                    _ => Ok(Value::Null),
                }
            }
            AstKind::ObjectProjection { lhs, rhs } => match self.eval_lenient(lhs, value)? {
                Value::Object(map) => {
                    let nulls = std::iter::repeat_n(&Value::Null, map.len());
                    self.project(nulls.chain(map.values()), rhs)
                }
                _ => Ok(Value::Null),
            },
            AstKind::FilterProjection {
                lhs,
                condition,
                rhs,
            } => match self.eval_lenient(lhs, value)? {
                Value::Array(items) => {
                    let mut collected = Vec::new();
                    for item in items.iter() {
                        if swallow(self.eval(condition, item))?.is_truthy() {
                            let result = swallow(self.eval(rhs, item))?;
                            if !matches!(result, Value::Null) {
                                collected.push(result);
                            }
                        }
                    }
                    Ok(Value::array(collected))
                }
                _ => Ok(Value::Null),
            },
            AstKind::Flatten { node: inner } => match self.eval_lenient(inner, value)? {
                Value::Array(items) => {
                    let mut flat = Vec::with_capacity(items.len());
                    for item in items.iter() {
                        match item {
                            Value::Array(inner) => flat.extend(inner.iter().cloned()),
                            other => flat.push(other.clone()),
                        }
                    }
                    self.charge(flat.len() as u64, node.span)?;
                    Ok(Value::array(flat))
                }
                _ => Ok(Value::Null),
            },
            AstKind::Comparison { op, lhs, rhs, .. } => {
                let left = swallow(self.eval(lhs, value))?;
                let right = swallow(self.eval(rhs, value))?;
                self.compare(*op, &left, &right, node.span)
            }
            AstKind::Or { lhs, rhs } => {
                // Kyverno's fork treats a missing key as null on both sides of `||`.
                let left = swallow(self.eval(lhs, value))?;
                if left.is_truthy() {
                    Ok(left)
                } else {
                    swallow(self.eval(rhs, value))
                }
            }
            AstKind::And { lhs, rhs } => {
                let left = swallow(self.eval(lhs, value))?;
                if left.is_truthy() {
                    self.eval(rhs, value)
                } else {
                    Ok(left)
                }
            }
            AstKind::Not { node: inner } => {
                let v = swallow(self.eval(inner, value))?;
                Ok(Value::Bool(!v.is_truthy()))
            }
            AstKind::MultiSelectList { elements } => {
                if matches!(value, Value::Null) {
                    return Ok(Value::Null);
                }
                let mut collected = Vec::with_capacity(elements.len());
                for element in elements {
                    collected.push(swallow(self.eval(element, value))?);
                }
                Ok(Value::array(collected))
            }
            AstKind::MultiSelectHash { entries } => {
                if matches!(value, Value::Null) {
                    return Ok(Value::Null);
                }
                let mut collected = Map::new();
                for entry in entries {
                    let v = swallow(self.eval(&entry.value, value))?;
                    collected.insert(entry.key.clone(), v);
                }
                Ok(Value::object(collected))
            }
            AstKind::Function {
                name,
                name_span,
                args,
            } => self.call(node, name, *name_span, args, value),
            // An `&expression` outside a function argument has no JSON value.
            AstKind::Expref { .. } => Ok(Value::Null),
            AstKind::Literal { value } => Ok(value.clone()),
            AstKind::RawString { value } => Ok(Value::String(value.clone())),
        }
    }

    /// `rhs` against each element; nulls dropped, missing keys skipped.
    fn project<'v>(&mut self, items: impl Iterator<Item = &'v Value>, rhs: &'a Ast) -> Eval {
        let mut collected = Vec::new();
        for item in items {
            let result = swallow(self.eval(rhs, item))?;
            if !matches!(result, Value::Null) {
                collected.push(result);
            }
        }
        Ok(Value::array(collected))
    }

    fn compare(&mut self, op: Comparator, left: &Value, right: &Value, span: Span) -> Eval {
        Ok(match op {
            Comparator::Eq => Value::Bool(self.equal(left, right, span)?),
            Comparator::Ne => Value::Bool(!self.equal(left, right, span)?),
            _ => match (left, right) {
                (Value::Number(a), Value::Number(b)) => Value::Bool(match op {
                    Comparator::Lt => a < b,
                    Comparator::Le => a <= b,
                    Comparator::Gt => a > b,
                    _ => a >= b,
                }),
                _ => Value::Null,
            },
        })
    }

    /// Deep equality, charging a step per value compared (shared parts compare at once).
    fn equal(&mut self, a: &Value, b: &Value, span: Span) -> Result<bool, EvalError> {
        self.charge(1, span)?;
        Ok(match (a, b) {
            (Value::Array(x), Value::Array(y)) => {
                if std::sync::Arc::ptr_eq(x, y) {
                    return Ok(true);
                }
                if x.len() != y.len() {
                    return Ok(false);
                }
                for (p, q) in x.iter().zip(y.iter()) {
                    if !self.equal(p, q, span)? {
                        return Ok(false);
                    }
                }
                true
            }
            (Value::Object(x), Value::Object(y)) => {
                if std::sync::Arc::ptr_eq(x, y) {
                    return Ok(true);
                }
                if x.len() != y.len() {
                    return Ok(false);
                }
                for ((k1, v1), (k2, v2)) in x.iter().zip(y.iter()) {
                    if k1 != k2 || !self.equal(v1, v2, span)? {
                        return Ok(false);
                    }
                }
                true
            }
            _ => a == b,
        })
    }

    fn call(
        &mut self,
        node: &'a Ast,
        name: &str,
        name_span: Span,
        arg_nodes: &'a [Ast],
        value: &Value,
    ) -> Eval {
        // As the fork: arguments first, then the function is looked up and checked.
        let mut args = Vec::with_capacity(arg_nodes.len());
        for arg in arg_nodes {
            args.push(match &arg.kind {
                AstKind::Expref { node: expr } => Arg::Expref(expr),
                _ => Arg::Value(swallow(self.eval(arg, value))?),
            });
        }
        let standard = functions::builtins::SPECS
            .iter()
            .find(|s| s.name == name)
            .filter(|_| !self.options.kyverno_functions);
        let spec = standard
            .or_else(|| functions::lookup(name))
            .ok_or_else(|| EvalError::UnknownFunction {
                name: name.to_string(),
                span: name_span,
            })?;
        if !functions::arity_ok(spec, args.len()) {
            return Err(EvalError::Arity {
                name: name.to_string(),
                expected: spec.params.len(),
                variadic: spec.variadic,
                found: args.len(),
                span: node.span,
            });
        }
        for (i, (arg, arg_node)) in args.iter().zip(arg_nodes).enumerate() {
            let Some(param) = functions::param_for(spec, i) else {
                continue;
            };
            let (fits, shown) = match arg {
                Arg::Expref(_) => (param.types.contains(Types::EXPREF), None),
                Arg::Value(v) => (param.types.contains(Types::of(v)), Some(v)),
            };
            if !fits {
                let message = match shown {
                    Some(v) => functions::invalid_type_message(v, param.types),
                    None => functions::invalid_type_message_for(
                        "&expression",
                        &functions::jp_type_names(param.types),
                    ),
                };
                return Err(EvalError::InvalidType {
                    name: name.to_string(),
                    message,
                    span: arg_node.span,
                });
            }
        }
        match spec.imp {
            Some(imp) => {
                let values: Vec<Value> = args
                    .into_iter()
                    .map(|arg| match arg {
                        Arg::Value(v) => v,
                        Arg::Expref(_) => Value::Null,
                    })
                    .collect();
                if !spec.kyverno {
                    builtins::check_elements(name, &values).map_err(|message| {
                        EvalError::InvalidType {
                            name: name.to_string(),
                            message,
                            span: node.span,
                        }
                    })?;
                }
                for v in &values {
                    self.weigh(v, node.span)?;
                }
                functions::take_charged();
                let result = imp(&values, self.env);
                self.charge(functions::take_charged(), node.span)?;
                let result = result.map_err(|message| EvalError::Function {
                    name: name.to_string(),
                    message,
                    span: node.span,
                })?;
                self.weigh(&result, node.span)?;
                Ok(result)
            }
            None => self.call_with_expref(node, spec, args),
        }
    }

    /// `map`, `sort_by`, `max_by`, `min_by`: arguments already checked.
    fn call_with_expref(&mut self, node: &'a Ast, spec: &FunctionSpec, args: Vec<Arg<'a>>) -> Eval {
        let mut array: &[Value] = &[];
        let mut expr: Option<&'a Ast> = None;
        for arg in &args {
            match arg {
                Arg::Value(v) => array = v.as_array().unwrap_or(&[]),
                Arg::Expref(e) => expr = Some(e),
            }
        }
        let invalid = |message: &str| EvalError::InvalidType {
            name: spec.name.to_string(),
            message: message.to_string(),
            span: node.span,
        };
        let Some(expr) = expr else {
            return Err(invalid("an &expression argument is required"));
        };
        match spec.name {
            "map" => {
                let mut mapped = Vec::with_capacity(array.len());
                for item in array {
                    mapped.push(swallow(self.eval(expr, item))?);
                }
                Ok(Value::array(mapped))
            }
            "sort_by" => {
                if array.len() < 2 {
                    return Ok(Value::array(array.to_vec()));
                }
                let first = swallow(self.eval(expr, &array[0]))?;
                let numeric = match first {
                    Value::Number(_) => true,
                    Value::String(_) => false,
                    _ => return Err(invalid("invalid type, must be number of string")),
                };
                let mut keyed = Vec::with_capacity(array.len());
                keyed.push((first, array[0].clone()));
                for item in &array[1..] {
                    let key = match self.eval(expr, item) {
                        Ok(key) => key,
                        Err(e) if e.is_limit() => return Err(e),
                        Err(_) => return Err(invalid("error in sort_by comparison")),
                    };
                    let fits = match key {
                        Value::Number(_) => numeric,
                        Value::String(_) => !numeric,
                        _ => false,
                    };
                    if !fits {
                        return Err(invalid("error in sort_by comparison"));
                    }
                    keyed.push((key, item.clone()));
                }
                keyed.sort_by(|(a, _), (b, _)| match (a, b) {
                    (Value::Number(x), Value::Number(y)) => x.total_cmp(y),
                    (Value::String(x), Value::String(y)) => x.cmp(y),
                    _ => std::cmp::Ordering::Equal,
                });
                Ok(Value::array(keyed.into_iter().map(|(_, v)| v).collect()))
            }
            "max_by" | "min_by" => {
                let want_max = spec.name == "max_by";
                match array {
                    [] => return Ok(Value::Null),
                    [only] => return Ok(only.clone()),
                    _ => {}
                }
                let mut best_key = swallow(self.eval(expr, &array[0]))?;
                let mut best = &array[0];
                let numeric = match best_key {
                    Value::Number(_) => true,
                    Value::String(_) => false,
                    _ => return Err(invalid("invalid type, must be number of string")),
                };
                for item in &array[1..] {
                    let key = swallow(self.eval(expr, item))?;
                    let better = match (&key, &best_key) {
                        (Value::Number(k), Value::Number(b)) if numeric => {
                            if want_max {
                                k > b
                            } else {
                                k < b
                            }
                        }
                        (Value::String(k), Value::String(b)) if !numeric => {
                            if want_max {
                                k > b
                            } else {
                                k < b
                            }
                        }
                        _ if numeric => return Err(invalid("invalid type, must be number")),
                        _ => return Err(invalid("invalid type, must be string")),
                    };
                    if better {
                        best_key = key;
                        best = item;
                    }
                }
                Ok(best.clone())
            }
            other => Err(EvalError::Function {
                name: other.to_string(),
                message: "this function cannot be evaluated".into(),
                span: node.span,
            }),
        }
    }
}

/// `items[start:stop:step]` as JMESPath defines it; None for a step of 0.
fn slice(
    items: &[Value],
    start: Option<i64>,
    stop: Option<i64>,
    step: Option<i64>,
) -> Option<Vec<Value>> {
    let step = step.unwrap_or(1);
    if step == 0 {
        return None;
    }
    let len = items.len() as i64;
    let cap = |n: i64| -> i64 {
        if n < 0 {
            let n = n + len;
            if n < 0 {
                if step < 0 { -1 } else { 0 }
            } else {
                n
            }
        } else if n >= len {
            if step < 0 { len - 1 } else { len }
        } else {
            n
        }
    };
    let start = match start {
        Some(n) => cap(n),
        None if step < 0 => len - 1,
        None => 0,
    };
    let stop = match stop {
        Some(n) => cap(n),
        None if step < 0 => -1,
        None => len,
    };
    let mut out = Vec::new();
    let mut i = start;
    while (step > 0 && i < stop) || (step < 0 && i > stop) {
        out.push(items[i as usize].clone());
        i = match i.checked_add(step) {
            Some(next) => next,
            None => break,
        };
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jmespath::parse::parse;

    fn json(text: &str) -> Value {
        Value::from_json(&serde_json::from_str(text).unwrap())
    }

    fn run(expr: &str, data: &Value) -> Eval {
        let ast = parse(expr).unwrap_or_else(|e| panic!("{expr}: {e}"));
        evaluate(&ast, data, &Env::fixed())
    }

    fn value(expr: &str, data: &Value) -> Value {
        run(expr, data).unwrap_or_else(|e| panic!("{expr}: {e}"))
    }

    fn pod() -> Value {
        json(
            r#"{"request": {"object": {"metadata": {"name": "web", "labels": {"tier": "front"}},
                "spec": {"containers": [
                    {"name": "a", "image": "nginx:1.25"},
                    {"name": "b", "image": "busybox", "securityContext": {"privileged": true}}
                ]}}}}"#,
        )
    }

    fn not_found(expr: &str, data: &Value) -> (String, String) {
        match run(expr, data) {
            Err(EvalError::NotFound { key, span }) => (key, expr[span.start..span.end].into()),
            other => panic!("{expr}: {other:?}"),
        }
    }

    #[test]
    fn a_missing_label_is_an_error_with_kyvernos_message() {
        let data = pod();
        let expr = "request.object.metadata.labels.app";
        let (key, text) = not_found(expr, &data);
        assert_eq!((key.as_str(), text.as_str()), ("app", "app"));
        let err = run(expr, &data).unwrap_err();
        assert_eq!(err.to_string(), "Unknown key \"app\" in path");
        // A missing parent: the error names the first missing key.
        assert_eq!(not_found("request.object.status.phase", &data).0, "status");
        // A present null, or a non-object, gives null.
        let data = json(r#"{"a": null, "s": "x"}"#);
        assert_eq!(value("a.b", &data), Value::Null);
        assert_eq!(value("s.b", &data), Value::Null);
        // Propagates through index, list projection, and the right side of &&.
        assert_eq!(not_found("missing[0]", &data).0, "missing");
        assert_eq!(not_found("missing[*].x", &data).0, "missing");
        assert_eq!(not_found("missing[1:]", &data).0, "missing");
        assert_eq!(not_found("s && missing", &data).0, "missing");
        // Both sides of || swallow it (the fork's `ASTOrExpression`), so `x || ""` (an empty
        // quoted identifier, itself a missing key) is null.
        assert_eq!(value("a || missing", &data), Value::Null);
        assert_eq!(value("missing1 || missing2", &data), Value::Null);
        assert_eq!(value("missing || \"\"", &data), Value::Null);
    }

    #[test]
    fn the_places_that_swallow_a_missing_key() {
        let data = pod();
        let labels = "request.object.metadata.labels";
        // `||` left side.
        assert_eq!(
            value(&format!("{labels}.app || ''"), &data),
            Value::from("")
        );
        // `&&` left side.
        assert_eq!(value(&format!("{labels}.app && 'x'"), &data), Value::Null);
        // `!` (which binds tighter than `.`: `!a.b` is `(!a).b`).
        assert_eq!(value(&format!("!({labels}.app)"), &data), Value::Bool(true));
        assert_eq!(value(&format!("!{labels}.app"), &data), Value::Null);
        // Function argument: null, which `to_string` turns into "null"...
        assert_eq!(
            value(&format!("to_string({labels}.app)"), &data),
            Value::from("null")
        );
        // ...and a typed parameter rejects, with the fork's message.
        let err = run(&format!("starts_with({labels}.app, 'x')"), &data).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Invalid type for: <nil>, expected: []jmespath.JpType{\"string\"}"
        );
        // Pipes, both sides.
        assert_eq!(value(&format!("{labels} | app"), &data), Value::Null);
        assert_eq!(value(&format!("{labels}.app | @"), &data), Value::Null);
        // Comparisons, both sides.
        assert_eq!(
            value(&format!("{labels}.app == 'x'"), &data),
            Value::Bool(false)
        );
        assert_eq!(
            value(&format!("'x' != {labels}.app"), &data),
            Value::Bool(true)
        );
        assert_eq!(value(&format!("{labels}.app < `1`"), &data), Value::Null);
        // Filters: condition and projected value, per element.
        let containers = "request.object.spec.containers";
        assert_eq!(
            value(&format!("{containers}[?missing == 'x']"), &data),
            json("[]")
        );
        assert_eq!(
            value(
                &format!("{containers}[?securityContext.privileged == `true`].name"),
                &data
            ),
            json(r#"["b"]"#)
        );
        assert_eq!(value(&format!("{containers}[?missing]"), &data), json("[]"));
        assert_eq!(
            value(
                &format!("{containers}[?name == 'a'].securityContext"),
                &data
            ),
            json("[]")
        );
        // Projections, per element.
        assert_eq!(
            value(
                &format!("{containers}[*].securityContext.privileged"),
                &data
            ),
            json("[true]")
        );
        assert_eq!(
            value(&format!("{containers}[].securityContext"), &data),
            json(r#"[{"privileged": true}]"#)
        );
        assert_eq!(value("request.object.metadata.*.app", &data), json("[]"));
        // Multi-select list and hash elements.
        assert_eq!(
            value(&format!("[{labels}.app, {labels}.tier]"), &data),
            json(r#"[null, "front"]"#)
        );
        assert_eq!(
            value(&format!("{{a: {labels}.app, t: {labels}.tier}}"), &data),
            json(r#"{"a": null, "t": "front"}"#)
        );
        // map, sort_by, max_by, min_by per element.
        assert_eq!(
            value(&format!("map(&securityContext, {containers})"), &data),
            json(r#"[null, {"privileged": true}]"#)
        );
        let err = run(&format!("sort_by({containers}, &missing)"), &data).unwrap_err();
        assert_eq!(err.to_string(), "invalid type, must be number of string");
        // The array under a flatten, a filter or `*`: any error gives null.
        assert_eq!(value("request.object.spec.volumes[]", &data), Value::Null);
        assert_eq!(
            value("request.object.spec.volumes[?name]", &data),
            Value::Null
        );
        assert_eq!(value("request.object.spec.volumes.*", &data), Value::Null);
        assert_eq!(value("abs('x')[]", &data), Value::Null);
    }

    #[test]
    fn standard_mode_gives_null() {
        let ast = parse("request.object.metadata.labels.app").unwrap();
        let v = evaluate_with(&ast, &pod(), &Env::fixed(), &Options::STANDARD).unwrap();
        assert_eq!(v, Value::Null);
    }

    #[test]
    fn function_errors() {
        let data = json(r#"{"a": [1, "x"]}"#);
        let e = run("nope(`1`)", &data).unwrap_err();
        assert_eq!(e.to_string(), "unknown function: nope");
        assert_eq!(e.span(), Span::new(0, 4));
        let e = run("abs(`1`, `2`)", &data).unwrap_err();
        assert_eq!(e.to_string(), "incorrect number of args");
        assert!(matches!(
            e,
            EvalError::Arity {
                expected: 1,
                found: 2,
                ..
            }
        ));
        let e = run("not_null()", &data).unwrap_err();
        assert_eq!(e.to_string(), "Invalid arity.");
        let e = run("merge(`{}`, `1`)", &data).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Invalid type for: 1, expected: []jmespath.JpType{\"object\"}"
        );
        assert_eq!(e.span(), Span::new(12, 15));
        let e = run("avg(a)", &data).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Invalid type for: [1 x], expected: []jmespath.JpType{\"array[number]\"}"
        );
        let e = run("sort_by(a, &@)", &data).unwrap_err();
        assert_eq!(e.to_string(), "error in sort_by comparison");
        let e = run("length(&a)", &data).unwrap_err();
        assert!(matches!(e, EvalError::InvalidType { .. }), "{e:?}");
        let e = run("a[::0]", &data).unwrap_err();
        assert!(matches!(e, EvalError::InvalidValue { .. }));
    }

    #[test]
    fn kyverno_functions_are_checked_and_their_errors_prefixed() {
        // kyverno/kyverno#16766: a missing or null argument of a typed parameter.
        let data = json(r#"{"annotations": {"team": null}}"#);
        for expr in [
            "base64_decode(annotations.team)",
            "base64_decode(annotations.nope)",
        ] {
            let e = run(expr, &data).unwrap_err();
            assert_eq!(
                e.to_string(),
                "Invalid type for: <nil>, expected: []jmespath.JpType{\"string\"}",
                "{expr}"
            );
            assert_eq!(
                &expr[e.span().start..e.span().end],
                &expr[14..expr.len() - 1]
            );
        }
        let e = run("base64_decode('%%%')", &data).unwrap_err();
        assert!(matches!(e, EvalError::Function { .. }), "{e:?}");
        assert!(
            e.to_string()
                .starts_with("JMESPath function 'base64_decode': "),
            "{e}"
        );
    }

    #[test]
    fn comparisons_and_projections() {
        let data = json(r#"{"n": [3, 1, 2], "o": {"x": 1, "y": "s"}}"#);
        assert_eq!(value("n[?@ > `1`]", &data), json("[3, 2]"));
        assert_eq!(value("'a' < 'b'", &data), Value::Null);
        assert_eq!(
            value("o == `{\"y\": \"s\", \"x\": 1.0}`", &data),
            Value::Bool(true)
        );
        assert_eq!(value("sort_by(n, &@)", &data), json("[1, 2, 3]"));
        assert_eq!(value("max_by(n[*].{v: @}, &v)", &data), json(r#"{"v": 3}"#));
        assert_eq!(value("n[::-1]", &data), json("[2, 1, 3]"));
        assert_eq!(value("o.*", &data), json(r#"[1, "s"]"#));
        // Go's value projection starts with one null per value: visible only through functions.
        assert_eq!(
            value("o.*.type(@)", &data),
            json(r#"["null", "null", "number", "string"]"#)
        );
    }

    #[test]
    fn runaway_evaluations_stop() {
        let data = json(r#"{"a": "xy"}"#);
        // Sharing makes the full value 2^40 leaves; equality, to_string and the result check
        // must all give up instead of walking it.
        let doubling = format!("a{}", " | [@, @]".repeat(40));
        for expr in [
            format!("{doubling} | to_string(@)"),
            format!("({doubling}) == ({doubling})"),
            doubling.clone(),
            format!("a{}", " | join('', [@, @])".repeat(40)),
        ] {
            let e = run(&expr, &data).unwrap_err();
            assert!(matches!(e, EvalError::Limit { .. }), "{expr}: {e:?}");
        }
        // Nested projections over a big array: the budget stops them.
        let big = Value::array((0..2000).map(|i| Value::from(i as f64)).collect());
        let ast = parse("[*].to_string(@)").unwrap();
        let ok = evaluate(&ast, &big, &Env::fixed()).unwrap();
        assert_eq!(ok.as_array().unwrap().len(), 2000);
        let wide = Value::array(vec![big.clone(); 2000]);
        let ast = parse("[*][*].to_string(@)").unwrap();
        let e = evaluate(&ast, &wide, &Env::fixed()).unwrap_err();
        assert!(matches!(e, EvalError::Limit { .. }), "{e:?}");
    }
}
