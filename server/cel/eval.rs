//! The evaluator: cel-go's semantics and error texts over our syntax tree.
//!
//! Errors are values that `&&`, `||` and the `all`/`exists` macros may absorb; running out
//! of cost is not: it cancels the whole evaluation. Recursion follows the tree, whose height
//! the parser bounds; the recursive function stays small (the work is in helpers) so that the
//! deepest tree fits in a thread's stack even in unoptimised builds.

use std::sync::Arc;

use super::activation::Activation;
use super::ast::*;
use super::functions::{self, Ctx};
use super::limits::{MAX_BUILT_LEN, MAX_LIST_LEN, MAX_NESTED_DEPTH};
use super::time;
use super::value::{Key, Map, NAN_UNORDERED, Value, compare_numbers};
use super::{Env, EvalError};
use crate::diag::Span;

type R = Result<Value, EvalError>;

/// The message of a cancelled evaluation, as cel-go words it.
pub const COST_EXCEEDED: &str = "operation cancelled: actual cost limit exceeded";

thread_local! {
    static NESTING: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

pub fn evaluate(expr: &Expr, activation: &dyn Activation, env: &Env) -> (R, u64) {
    let mut ev = Evaluator {
        activation,
        env,
        cost: 0,
        cancelled: false,
        locals: Vec::new(),
        base: NESTING.with(|n| n.get()),
        depth: 0,
    };
    let r = ev.eval(expr);
    (r, ev.cost)
}

struct Evaluator<'a> {
    activation: &'a dyn Activation,
    env: &'a Env,
    cost: u64,
    cancelled: bool,
    /// Comprehension and `cel.bind` variables, innermost last.
    locals: Vec<(&'a str, Local<'a>)>,
    /// The depth of the evaluation that asked for this one (a lazy variable), and ours.
    base: u32,
    depth: u32,
}

/// A local variable. A `cel.bind` value is computed the first time the body reads it, as
/// cel-go and cel-cpp do: an unused binding whose expression fails does not fail the whole.
enum Local<'a> {
    Ready(Value),
    Pending(&'a Expr),
    Failed(EvalError),
}

fn err(message: impl Into<String>, span: &Span) -> EvalError {
    EvalError::new(message, span.clone())
}

fn no_overload(span: &Span) -> EvalError {
    err("no such overload", span)
}

/// Selecting a field of a value that has none (a number, a list...).
fn no_field_selection(v: &Value, span: &Span) -> EvalError {
    err(
        format!("type '{}' does not support field selection", v.type_name()),
        span,
    )
}

impl<'a> Evaluator<'a> {
    fn charge(&mut self, n: u64, span: &Span) -> Result<(), EvalError> {
        self.cost = self.cost.saturating_add(n);
        if self.cancelled || self.env.cost_limit.is_some_and(|l| self.cost > l) {
            self.cancelled = true;
            return Err(err(COST_EXCEEDED, span));
        }
        Ok(())
    }

    fn eval(&mut self, e: &'a Expr) -> R {
        if !matches!(e.kind, ExprKind::Literal(_)) {
            self.charge(1, &e.span)?;
        }
        if self.base + self.depth >= MAX_NESTED_DEPTH {
            return Err(err(
                "expression nesting too deep: variables refer to variables too deeply",
                &e.span,
            ));
        }
        self.depth += 1;
        let r = match &e.kind {
            ExprKind::Literal(v) => Ok(v.clone()),
            ExprKind::Ident { .. } | ExprKind::Select { .. } => self.path(e),
            ExprKind::Presence { .. } => self.presence(e),
            ExprKind::Index { .. } => self.index(e),
            ExprKind::Call { .. } => self.call(e),
            ExprKind::Unary { .. } => self.unary(e),
            ExprKind::Binary {
                op: BinaryOp::And | BinaryOp::Or,
                ..
            } => self.logic(e),
            ExprKind::Binary { .. } => self.binary(e),
            ExprKind::Conditional { .. } => self.conditional(e),
            ExprKind::List(_) => self.list(e),
            ExprKind::Map(_) | ExprKind::Struct { .. } => self.map(e),
            ExprKind::Comprehension(_) => self.comprehension(e),
        };
        self.depth -= 1;
        r
    }

    /// Asks the activation, publishing how deep this evaluation is, so that a lazy
    /// variable evaluated meanwhile continues the count.
    fn ask(&self, name: &str) -> Option<R> {
        let saved = NESTING.with(|n| n.replace(self.base + self.depth));
        let r = self.activation.resolve(name, self.env);
        NESTING.with(|n| n.set(saved));
        r
    }

    fn is_local(&self, name: &str) -> bool {
        self.locals.iter().any(|(n, _)| *n == name)
    }

    /// The value of a local variable, computing a pending binding first.
    fn local(&mut self, name: &str) -> Option<R> {
        let i = self.locals.iter().rposition(|(n, _)| *n == name)?;
        let init = match &self.locals[i].1 {
            Local::Ready(v) => return Some(Ok(v.clone())),
            Local::Failed(e) => return Some(Err(e.clone())),
            Local::Pending(init) => *init,
        };
        // The binding's expression sees the variables in scope where it was written, not
        // the binding itself nor those declared inside its body.
        let inner = self.locals.split_off(i);
        let r = self.eval(init);
        self.locals.extend(inner);
        self.locals[i].1 = match &r {
            Ok(v) => Local::Ready(v.clone()),
            Err(e) => Local::Failed(e.clone()),
        };
        Some(r)
    }

    /// The candidates for a name in the container, most specific first (cel-go's
    /// resolution: `c.b.n`, `c.n`, `n` for container `c.b`).
    fn candidates(&self, name: &str, absolute: bool) -> Vec<String> {
        let mut out = Vec::new();
        if !absolute {
            let mut c = self.env.container.as_str();
            while !c.is_empty() {
                out.push(format!("{c}.{name}"));
                c = c.rsplit_once('.').map_or("", |(p, _)| p);
            }
        }
        out.push(name.to_string());
        out
    }

    fn resolve(&self, name: &str, absolute: bool) -> Option<R> {
        for cand in self.candidates(name, absolute) {
            if let Some(r) = self.ask(&cand) {
                return Some(r);
            }
            if super::value::TYPE_NAMES.contains(&cand.as_str()) {
                return Some(Ok(Value::type_value(&cand)));
            }
        }
        None
    }

    /// An identifier or a chain of selects. A chain on a root that is not a local variable
    /// resolves as a qualified name first (`a.b.c`, then `a.b`, then `a`), as cel-go does,
    /// so that dotted bindings like `variables.x` work.
    #[inline(never)]
    fn path(&mut self, e: &'a Expr) -> R {
        let mut chain: Vec<&'a Expr> = Vec::new();
        let mut root = e;
        while let ExprKind::Select {
            operand,
            optional: false,
            ..
        } = &root.kind
        {
            chain.push(root);
            root = operand;
        }
        let mut start;
        let mut value = match &root.kind {
            ExprKind::Ident { name, absolute } => {
                if let Some(v) = if *absolute { None } else { self.local(name) } {
                    start = chain.len();
                    v?
                } else {
                    // Longest qualified prefix first.
                    let mut found = None;
                    let mut qualified = name.clone();
                    let mut names = vec![qualified.clone()];
                    for sel in chain.iter().rev() {
                        if let ExprKind::Select { field, .. } = &sel.kind {
                            qualified = format!("{qualified}.{field}");
                            names.push(qualified.clone());
                        }
                    }
                    for (i, q) in names.iter().enumerate().rev() {
                        if let Some(r) = self.resolve(q, *absolute) {
                            found = Some((i, r?));
                            break;
                        }
                    }
                    match found {
                        Some((i, v)) => {
                            start = chain.len() - i;
                            v
                        }
                        None => {
                            return Err(err(
                                format!(
                                    "undeclared reference to '{name}' (in container '{}')",
                                    self.env.container
                                ),
                                &root.span,
                            ));
                        }
                    }
                }
            }
            ExprKind::Select { optional: true, .. } => {
                start = chain.len();
                self.optional_select(root)?
            }
            _ => {
                start = chain.len();
                self.eval(root)?
            }
        };
        while start > 0 {
            start -= 1;
            let sel = chain[start];
            self.charge(1, &sel.span)?;
            if let ExprKind::Select {
                field, field_span, ..
            } = &sel.kind
            {
                value = select(value, field, field_span)?;
            }
        }
        Ok(value)
    }

    #[inline(never)]
    fn optional_select(&mut self, e: &'a Expr) -> R {
        let ExprKind::Select {
            operand,
            field,
            field_span,
            ..
        } = &e.kind
        else {
            return Err(no_overload(&e.span));
        };
        let v = self.eval(operand)?;
        let inner = match v {
            Value::Optional(None) => return Ok(Value::Optional(None)),
            Value::Optional(Some(v)) => *v,
            v => v,
        };
        match inner {
            Value::Map(m) => Ok(Value::Optional(
                m.get(&Key::String(field.as_str().into()))
                    .map(|v| Box::new(v.clone())),
            )),
            other => Err(no_field_selection(&other, field_span)),
        }
    }

    #[inline(never)]
    fn presence(&mut self, e: &'a Expr) -> R {
        let ExprKind::Presence {
            operand,
            field,
            field_span,
        } = &e.kind
        else {
            return Err(no_overload(&e.span));
        };
        // A dotted binding (`has(variables.x)`) answers without forcing its siblings.
        if let Some(q) = operand.qualified_name() {
            let root_is_local = q.split('.').next().is_some_and(|r| self.is_local(r));
            if !root_is_local && !q.starts_with('.') {
                if let Some(r) = self.ask(&format!("{q}.{field}")) {
                    return r.map(|_| Value::Bool(true));
                }
            }
        }
        let v = self.eval(operand)?;
        match v {
            Value::Map(m) => Ok(Value::Bool(
                m.contains_key(&Key::String(field.as_str().into())),
            )),
            Value::Optional(None) => Ok(Value::Bool(false)),
            Value::Optional(Some(inner)) => match *inner {
                Value::Map(m) => Ok(Value::Bool(
                    m.contains_key(&Key::String(field.as_str().into())),
                )),
                other => Err(no_field_selection(&other, field_span)),
            },
            other => Err(no_field_selection(&other, field_span)),
        }
    }

    #[inline(never)]
    fn index(&mut self, e: &'a Expr) -> R {
        let ExprKind::Index {
            operand,
            index,
            optional,
        } = &e.kind
        else {
            return Err(no_overload(&e.span));
        };
        let container = self.eval(operand)?;
        let key = self.eval(index)?;
        let (container, wrap) = match container {
            Value::Optional(None) => return Ok(Value::Optional(None)),
            Value::Optional(Some(v)) => (*v, true),
            v => (v, *optional),
        };
        if *optional || wrap {
            return match lookup(&container, &key, &e.span) {
                Ok(v) => Ok(Value::Optional(Some(Box::new(v)))),
                Err(Missing::Absent(_)) => Ok(Value::Optional(None)),
                Err(Missing::Error(er)) => Err(er),
            };
        }
        lookup(&container, &key, &e.span).map_err(|m| match m {
            Missing::Absent(er) | Missing::Error(er) => er,
        })
    }

    #[inline(never)]
    fn call(&mut self, e: &'a Expr) -> R {
        let ExprKind::Call {
            target,
            function,
            function_span,
            args,
        } = &e.kind
        else {
            return Err(no_overload(&e.span));
        };
        // `optional.of(x)`, `math.greatest(…)`: a namespaced global function, unless the
        // namespace is a local variable.
        if let Some(t) = target {
            if let Some(q) = t.qualified_name() {
                let root = q.trim_start_matches('.').split('.').next().unwrap_or("");
                let name = format!("{}.{function}", q.trim_start_matches('.'));
                if !self.is_local(root) && functions::exists_in(&name, self.env.libraries) {
                    let values = self.eval_args(None, args)?;
                    return self.dispatch(&name, false, &values, function_span, &e.span);
                }
            }
        }
        let values = self.eval_args(target.as_deref(), args)?;
        if target.is_some() && function == "orValue" && self.env.or_value_compat {
            // Kyverno's compatibility macro: a non-optional receiver is its own value.
            if let [recv, _] = values.as_slice() {
                if !matches!(recv, Value::Optional(_)) {
                    return Ok(recv.clone());
                }
            }
        }
        let name = function.trim_start_matches('.');
        self.dispatch(name, target.is_some(), &values, function_span, &e.span)
    }

    fn eval_args(
        &mut self,
        target: Option<&'a Expr>,
        args: &'a [Expr],
    ) -> Result<Vec<Value>, EvalError> {
        let mut values = Vec::with_capacity(args.len() + 1);
        if let Some(t) = target {
            values.push(self.eval(t)?);
        }
        for a in args {
            values.push(self.eval(a)?);
        }
        Ok(values)
    }

    fn dispatch(
        &mut self,
        name: &str,
        receiver: bool,
        args: &[Value],
        fspan: &Span,
        span: &Span,
    ) -> R {
        let Some(overload) = functions::resolve_in(name, receiver, args, self.env.libraries) else {
            if !functions::exists_in(name, self.env.libraries) {
                return Err(err(
                    format!(
                        "undeclared reference to '{name}' (in container '{}')",
                        self.env.container
                    ),
                    fspan,
                ));
            }
            // cel-go's dispatcher names the function and the argument types.
            let types: Vec<&str> = args.iter().map(Value::type_name).collect();
            return Err(err(
                format!("no such overload: {name}({})", types.join(", ")),
                span,
            ));
        };
        let budget = self.env.cost_limit.map(|l| l.saturating_sub(self.cost));
        let mut ctx = Ctx {
            env: self.env,
            cost: 0,
            budget,
        };
        let r = (overload.imp)(args, &mut ctx);
        self.charge(ctx.cost, span)?;
        r.map_err(|m| err(m, span))
    }

    #[inline(never)]
    fn unary(&mut self, e: &'a Expr) -> R {
        let ExprKind::Unary { op, operand } = &e.kind else {
            return Err(no_overload(&e.span));
        };
        let v = self.eval(operand)?;
        match (op, v) {
            (UnaryOp::Not, Value::Bool(b)) => Ok(Value::Bool(!b)),
            (UnaryOp::Neg, Value::Int(i)) => i
                .checked_neg()
                .map(Value::Int)
                .ok_or_else(|| err("integer overflow", &e.span)),
            (UnaryOp::Neg, Value::Double(d)) => Ok(Value::Double(-d)),
            (UnaryOp::Neg, Value::Duration(d)) => d
                .checked_neg()
                .map(Value::Duration)
                .ok_or_else(|| err("duration overflow", &e.span)),
            _ => Err(no_overload(&e.span)),
        }
    }

    /// `&&` and `||`: an operand that decides the result wins over an error in the other,
    /// whichever side it is on.
    #[inline(never)]
    fn logic(&mut self, e: &'a Expr) -> R {
        let ExprKind::Binary { op, lhs, rhs } = &e.kind else {
            return Err(no_overload(&e.span));
        };
        let decisive = *op == BinaryOp::Or;
        let l = self.eval(lhs);
        if self.cancelled {
            return l;
        }
        if matches!(l, Ok(Value::Bool(b)) if b == decisive) {
            return l;
        }
        let r = self.eval(rhs);
        if self.cancelled {
            return r;
        }
        if matches!(r, Ok(Value::Bool(b)) if b == decisive) {
            return r;
        }
        match (l, r) {
            (Err(er), _) | (_, Err(er)) => Err(er),
            (Ok(Value::Bool(_)), Ok(Value::Bool(b))) => Ok(Value::Bool(b)),
            _ => Err(no_overload(&e.span)),
        }
    }

    #[inline(never)]
    fn conditional(&mut self, e: &'a Expr) -> R {
        let ExprKind::Conditional {
            cond,
            then,
            otherwise,
        } = &e.kind
        else {
            return Err(no_overload(&e.span));
        };
        match self.eval(cond)? {
            Value::Bool(true) => self.eval(then),
            Value::Bool(false) => self.eval(otherwise),
            _ => Err(no_overload(&cond.span)),
        }
    }

    #[inline(never)]
    fn binary(&mut self, e: &'a Expr) -> R {
        let ExprKind::Binary { op, lhs, rhs } = &e.kind else {
            return Err(no_overload(&e.span));
        };
        let l = self.eval(lhs)?;
        let r = self.eval(rhs)?;
        let sized = |v: &Value| match v {
            Value::String(s) => s.len(),
            Value::Bytes(b) => b.len(),
            Value::List(l) => l.len(),
            _ => 0,
        };
        if matches!(
            op,
            BinaryOp::Add | BinaryOp::Eq | BinaryOp::Ne | BinaryOp::In
        ) {
            let n = sized(&l) + sized(&r);
            self.charge((n as u64).div_ceil(10), &e.span)?;
        }
        binary_op(*op, &l, &r).map_err(|m| err(m, &e.span))
    }

    #[inline(never)]
    fn list(&mut self, e: &'a Expr) -> R {
        let ExprKind::List(items) = &e.kind else {
            return Err(no_overload(&e.span));
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let v = self.eval(&item.expr)?;
            if item.optional {
                match v {
                    Value::Optional(Some(v)) => out.push(*v),
                    Value::Optional(None) => {}
                    _ => return Err(no_overload(&item.expr.span)),
                }
            } else {
                out.push(v);
            }
        }
        Ok(Value::list(out))
    }

    /// Map literals, and message constructions (`Object{…}`), which become maps of their
    /// fields: Kyverno's mutations build plain objects with them.
    #[inline(never)]
    fn map(&mut self, e: &'a Expr) -> R {
        let mut out = Map::new();
        match &e.kind {
            ExprKind::Map(entries) => {
                for entry in entries {
                    let k = self.eval(&entry.key)?;
                    let v = self.eval(&entry.value)?;
                    let key = Key::from_value(&k).ok_or_else(|| {
                        err(
                            format!("unsupported map key type: {}", k.type_name()),
                            &entry.key.span,
                        )
                    })?;
                    let v = match (entry.optional, v) {
                        (false, v) => v,
                        (true, Value::Optional(Some(v))) => *v,
                        (true, Value::Optional(None)) => continue,
                        (true, _) => return Err(no_overload(&entry.value.span)),
                    };
                    if out.contains_key(&key) {
                        return Err(err(
                            format!("Failed with repeated key: {}", key.to_value()),
                            &entry.key.span,
                        ));
                    }
                    out.insert(key, v);
                }
            }
            ExprKind::Struct { fields, .. } => {
                for f in fields {
                    let v = self.eval(&f.value)?;
                    let v = match (f.optional, v) {
                        (false, v) => v,
                        (true, Value::Optional(Some(v))) => *v,
                        (true, Value::Optional(None)) => continue,
                        (true, _) => return Err(no_overload(&f.value.span)),
                    };
                    out.insert(Key::String(f.name.as_str().into()), v);
                }
            }
            _ => return Err(no_overload(&e.span)),
        }
        Ok(Value::map(out))
    }

    #[inline(never)]
    fn comprehension(&mut self, e: &'a Expr) -> R {
        let ExprKind::Comprehension(c) = &e.kind else {
            return Err(no_overload(&e.span));
        };
        if c.kind == MacroKind::Bind {
            self.locals.push((&c.var, Local::Pending(&c.range)));
            let r = self.eval(&c.args[0]);
            self.locals.pop();
            return r;
        }
        let range = self.eval(&c.range)?;
        match c.kind {
            MacroKind::OptMap | MacroKind::OptFlatMap => match range {
                Value::Optional(None) => Ok(Value::Optional(None)),
                Value::Optional(Some(v)) => {
                    self.locals.push((&c.var, Local::Ready(*v)));
                    let r = self.eval(&c.args[0]);
                    self.locals.pop();
                    let r = r?;
                    if c.kind == MacroKind::OptMap {
                        Ok(Value::Optional(Some(Box::new(r))))
                    } else if matches!(r, Value::Optional(_)) {
                        Ok(r)
                    } else {
                        Err(no_overload(&c.args[0].span))
                    }
                }
                _ => Err(no_overload(&c.range.span)),
            },
            _ => self.iterate(e, c, range),
        }
    }

    fn iterate(&mut self, e: &'a Expr, c: &'a Comprehension, range: Value) -> R {
        // Pairs of (first variable, second variable): (element, -) or (index, element) for
        // lists, (key, -) or (key, value) for maps.
        let items: Vec<(Value, Value)> = match &range {
            Value::List(l) => l
                .iter()
                .enumerate()
                .map(|(i, v)| (Value::Int(i as i64), v.clone()))
                .collect(),
            Value::Map(m) => m.iter().map(|(k, v)| (k.to_value(), v.clone())).collect(),
            _ => return Err(no_overload(&c.range.span)),
        };
        let two = c.var2.is_some();
        let is_list = matches!(range, Value::List(_));
        let mut acc = Acc::new(c.kind);
        for (a, b) in items {
            self.charge(1, &e.span)?;
            let base = self.locals.len();
            match (&c.var2, is_list) {
                (Some((v2, _)), _) => {
                    self.locals.push((&c.var, Local::Ready(a.clone())));
                    self.locals.push((v2, Local::Ready(b.clone())));
                }
                (None, true) => self.locals.push((&c.var, Local::Ready(b.clone()))),
                (None, false) => self.locals.push((&c.var, Local::Ready(a.clone()))),
            }
            let elem = if two || !is_list { a } else { b };
            let step = self.step(c, &mut acc, elem, &e.span);
            self.locals.truncate(base);
            if self.cancelled {
                return step.and(Err(err(COST_EXCEEDED, &e.span)));
            }
            if step? {
                break;
            }
        }
        acc.finish(&e.span)
    }

    /// One iteration; `Ok(true)` stops the loop early (a decided `all` or `exists`).
    fn step(
        &mut self,
        c: &'a Comprehension,
        acc: &mut Acc,
        elem: Value,
        span: &Span,
    ) -> Result<bool, EvalError> {
        match c.kind {
            MacroKind::All | MacroKind::Exists => {
                let decisive = c.kind == MacroKind::Exists;
                match self.eval(&c.args[0]) {
                    Ok(Value::Bool(b)) if b == decisive => {
                        acc.decided = true;
                        return Ok(true);
                    }
                    Ok(Value::Bool(_)) => {}
                    Ok(_) => {
                        if acc.error.is_none() {
                            acc.error = Some(no_overload(&c.args[0].span));
                        }
                    }
                    Err(er) => {
                        if acc.error.is_none() {
                            acc.error = Some(er);
                        }
                    }
                }
            }
            MacroKind::ExistsOne => match self.eval(&c.args[0])? {
                Value::Bool(true) => acc.count += 1,
                Value::Bool(false) => {}
                _ => return Err(no_overload(&c.args[0].span)),
            },
            MacroKind::Filter => match self.eval(&c.args[0])? {
                Value::Bool(true) => acc.list.push(elem),
                Value::Bool(false) => {}
                _ => return Err(no_overload(&c.args[0].span)),
            },
            MacroKind::Map
            | MacroKind::TransformList
            | MacroKind::TransformMap
            | MacroKind::TransformMapEntry => {
                let (filter, transform) = match c.args.as_slice() {
                    [t] => (None, t),
                    [f, t] => (Some(f), t),
                    _ => return Err(no_overload(span)),
                };
                if let Some(f) = filter {
                    match self.eval(f)? {
                        Value::Bool(true) => {}
                        Value::Bool(false) => return Ok(false),
                        _ => return Err(no_overload(&f.span)),
                    }
                }
                let v = self.eval(transform)?;
                match c.kind {
                    MacroKind::TransformMap => {
                        let key = match self.local(&c.var) {
                            Some(Ok(v)) => Key::from_value(&v),
                            _ => None,
                        }
                        .ok_or_else(|| no_overload(span))?;
                        acc.map.insert(key, v);
                    }
                    MacroKind::TransformMapEntry => {
                        let Value::Map(entry) = v else {
                            return Err(no_overload(&transform.span));
                        };
                        for (k, v) in entry.iter() {
                            if acc.map.contains_key(k) {
                                return Err(err(
                                    format!("insert failed: key {} already exists", k.to_value()),
                                    &transform.span,
                                ));
                            }
                            acc.map.insert(k.clone(), v.clone());
                        }
                    }
                    _ => acc.list.push(v),
                }
            }
            MacroKind::Bind | MacroKind::OptMap | MacroKind::OptFlatMap => {}
        }
        let built = acc.list.len() + acc.map.len();
        if built > MAX_LIST_LEN {
            return Err(err("comprehension result too large", span));
        }
        Ok(false)
    }
}

/// What a comprehension accumulates.
struct Acc {
    kind: MacroKind,
    decided: bool,
    error: Option<EvalError>,
    count: u64,
    list: Vec<Value>,
    map: Map,
}

impl Acc {
    fn new(kind: MacroKind) -> Acc {
        Acc {
            kind,
            decided: false,
            error: None,
            count: 0,
            list: Vec::new(),
            map: Map::new(),
        }
    }

    fn finish(self, _span: &Span) -> R {
        match self.kind {
            MacroKind::All | MacroKind::Exists => {
                if self.decided {
                    return Ok(Value::Bool(self.kind == MacroKind::Exists));
                }
                match self.error {
                    Some(er) => Err(er),
                    None => Ok(Value::Bool(self.kind == MacroKind::All)),
                }
            }
            MacroKind::ExistsOne => Ok(Value::Bool(self.count == 1)),
            MacroKind::TransformMap | MacroKind::TransformMapEntry => Ok(Value::map(self.map)),
            _ => Ok(Value::list(self.list)),
        }
    }
}

/// A field of a map; other values have no fields.
fn select(v: Value, field: &str, span: &Span) -> R {
    match v {
        Value::Map(m) => m
            .get(&Key::String(field.into()))
            .cloned()
            .ok_or_else(|| err(format!("no such key: {field}"), span)),
        Value::Optional(None) => Ok(Value::Optional(None)),
        // Selecting on an optional behaves as `.?`: a missing field gives none.
        Value::Optional(Some(inner)) => match *inner {
            Value::Map(m) => Ok(Value::Optional(
                m.get(&Key::String(field.into()))
                    .map(|v| Box::new(v.clone())),
            )),
            other => Err(no_field_selection(&other, span)),
        },
        other => Err(no_field_selection(&other, span)),
    }
}

enum Missing {
    /// The element is not there (an optional index gives none).
    Absent(EvalError),
    /// The index itself is wrong.
    Error(EvalError),
}

fn lookup(container: &Value, key: &Value, span: &Span) -> Result<Value, Missing> {
    match container {
        Value::List(l) => {
            let i: i128 = match key {
                Value::Int(i) => *i as i128,
                Value::Uint(u) => *u as i128,
                Value::Double(d) if d.fract() == 0.0 && d.is_finite() => *d as i128,
                Value::Double(_) => {
                    return Err(Missing::Error(err("unsupported index value", span)));
                }
                _ => return Err(Missing::Error(no_overload(span))),
            };
            if i < 0 || i >= l.len() as i128 {
                return Err(Missing::Absent(err(
                    format!("index '{i}' out of range in list size '{}'", l.len()),
                    span,
                )));
            }
            Ok(l[i as usize].clone())
        }
        Value::Map(m) => {
            let found = Key::lookup(key).and_then(|k| m.get(&k));
            match found {
                Some(v) => Ok(v.clone()),
                None if matches!(
                    key,
                    Value::Bool(_)
                        | Value::Int(_)
                        | Value::Uint(_)
                        | Value::String(_)
                        | Value::Double(_)
                ) =>
                {
                    let shown = match key {
                        Value::String(s) => s.to_string(),
                        other => other.to_string(),
                    };
                    Err(Missing::Absent(err(format!("no such key: {shown}"), span)))
                }
                None => Err(Missing::Error(no_overload(span))),
            }
        }
        _ => Err(Missing::Error(no_overload(span))),
    }
}

/// A strict binary operator on two values; the error is cel-go's message.
pub fn binary_op(op: BinaryOp, l: &Value, r: &Value) -> Result<Value, String> {
    use Value::*;
    use std::cmp::Ordering;
    let nso = || "no such overload".to_string();
    match op {
        BinaryOp::Eq => Ok(Bool(l.equals(r))),
        BinaryOp::Ne => Ok(Bool(!l.equals(r))),
        BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
            let ord = match (l, r) {
                (Int(_) | Uint(_) | Double(_), Int(_) | Uint(_) | Double(_)) => {
                    // cel-go refuses to order a NaN (cel-cpp answers false instead).
                    compare_numbers(l, r).ok_or_else(|| NAN_UNORDERED.to_string())?
                }
                (String(a), String(b)) => a.cmp(b),
                (Bytes(a), Bytes(b)) => a.cmp(b),
                (Bool(a), Bool(b)) => a.cmp(b),
                (Timestamp(a), Timestamp(b)) => a.cmp(b),
                (Duration(a), Duration(b)) => a.cmp(b),
                (Opaque(a), Opaque(b)) => a.compare(b.as_ref()).ok_or_else(nso)?,
                _ => return Err(nso()),
            };
            Ok(Bool(match op {
                BinaryOp::Lt => ord == Ordering::Less,
                BinaryOp::Le => ord != Ordering::Greater,
                BinaryOp::Gt => ord == Ordering::Greater,
                _ => ord != Ordering::Less,
            }))
        }
        BinaryOp::In => match r {
            List(items) => Ok(Bool(items.iter().any(|x| x.equals(l)))),
            Map(m) => Ok(Bool(Key::lookup(l).is_some_and(|k| m.contains_key(&k)))),
            _ => Err(nso()),
        },
        BinaryOp::Add => match (l, r) {
            (Int(a), Int(b)) => a
                .checked_add(*b)
                .map(Int)
                .ok_or_else(|| "integer overflow".into()),
            (Uint(a), Uint(b)) => a
                .checked_add(*b)
                .map(Uint)
                .ok_or_else(|| "unsigned integer overflow".into()),
            (Double(a), Double(b)) => Ok(Double(a + b)),
            (String(a), String(b)) => {
                if a.len() + b.len() > MAX_BUILT_LEN {
                    return Err("string too large".into());
                }
                Ok(Value::string(format!("{a}{b}")))
            }
            (Bytes(a), Bytes(b)) => {
                if a.len() + b.len() > MAX_BUILT_LEN {
                    return Err("bytes too large".into());
                }
                Ok(Bytes([&a[..], &b[..]].concat().into()))
            }
            (List(a), List(b)) => {
                if a.len() + b.len() > MAX_LIST_LEN {
                    return Err("list too large".into());
                }
                if b.is_empty() {
                    return Ok(List(a.clone()));
                }
                let mut out = Vec::with_capacity(a.len() + b.len());
                out.extend(a.iter().cloned());
                out.extend(b.iter().cloned());
                Ok(List(Arc::new(out)))
            }
            (Timestamp(t), Duration(d)) | (Duration(d), Timestamp(t)) => {
                time::add_duration(*t, *d).map(Timestamp)
            }
            (Duration(a), Duration(b)) => a
                .checked_add(*b)
                .map(Duration)
                .ok_or_else(|| "duration overflow".into()),
            _ => Err(nso()),
        },
        BinaryOp::Sub => match (l, r) {
            (Int(a), Int(b)) => a
                .checked_sub(*b)
                .map(Int)
                .ok_or_else(|| "integer overflow".into()),
            (Uint(a), Uint(b)) => a
                .checked_sub(*b)
                .map(Uint)
                .ok_or_else(|| "unsigned integer overflow".into()),
            (Double(a), Double(b)) => Ok(Double(a - b)),
            (Timestamp(a), Timestamp(b)) => time::difference(*a, *b).map(Duration),
            (Timestamp(t), Duration(d)) => {
                let neg = d.checked_neg().ok_or("timestamp overflow")?;
                time::add_duration(*t, neg).map(Timestamp)
            }
            (Duration(a), Duration(b)) => a
                .checked_sub(*b)
                .map(Duration)
                .ok_or_else(|| "duration overflow".into()),
            _ => Err(nso()),
        },
        BinaryOp::Mul => match (l, r) {
            (Int(a), Int(b)) => a
                .checked_mul(*b)
                .map(Int)
                .ok_or_else(|| "integer overflow".into()),
            (Uint(a), Uint(b)) => a
                .checked_mul(*b)
                .map(Uint)
                .ok_or_else(|| "unsigned integer overflow".into()),
            (Double(a), Double(b)) => Ok(Double(a * b)),
            _ => Err(nso()),
        },
        BinaryOp::Div => match (l, r) {
            (Int(_), Int(0)) | (Uint(_), Uint(0)) => Err("division by zero".into()),
            (Int(a), Int(b)) => a
                .checked_div(*b)
                .map(Int)
                .ok_or_else(|| "integer overflow".into()),
            (Uint(a), Uint(b)) => Ok(Uint(a / b)),
            (Double(a), Double(b)) => Ok(Double(a / b)),
            _ => Err(nso()),
        },
        BinaryOp::Rem => match (l, r) {
            (Int(_), Int(0)) | (Uint(_), Uint(0)) => Err("modulus by zero".into()),
            (Int(a), Int(b)) => a
                .checked_rem(*b)
                .map(Int)
                .ok_or_else(|| "integer overflow".into()),
            (Uint(a), Uint(b)) => Ok(Uint(a % b)),
            _ => Err(nso()),
        },
        BinaryOp::And | BinaryOp::Or => Err(nso()),
    }
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use super::*;
    use crate::cel::{Bindings, Program, parse};

    fn eval_in(src: &str, b: &Bindings, env: &Env) -> Result<Value, String> {
        let (ast, errs) = parse(src);
        let ast = ast.unwrap_or_else(|| panic!("{src}: {errs:?}"));
        Program::new(ast).eval(b, env).map_err(|e| e.message)
    }

    fn run(src: &str) -> Result<Value, String> {
        eval_in(src, &Bindings::new(), &Env::fixed())
    }

    fn ok(src: &str) -> Value {
        run(src).unwrap_or_else(|e| panic!("{src}: {e}"))
    }

    fn fails(src: &str) -> String {
        match run(src) {
            Ok(v) => panic!("{src}: expected an error, got {v}"),
            Err(e) => e,
        }
    }

    fn s(v: &str) -> Value {
        Value::string(v)
    }

    #[test]
    fn numbers_do_not_mix_in_arithmetic_but_compare_across_types() {
        assert_eq!(ok("1 + 2 * 3"), Value::Int(7));
        assert_eq!(ok("7 / 2"), Value::Int(3));
        assert_eq!(ok("-7 % 3"), Value::Int(-1));
        assert_eq!(ok("2u * 3u"), Value::Uint(6));
        assert_eq!(ok("1.5 + 1.0"), Value::Double(2.5));
        assert_eq!(fails("1 + 1.0"), "no such overload");
        assert_eq!(fails("9223372036854775807 + 1"), "integer overflow");
        assert_eq!(fails("-9223372036854775808 / -1"), "integer overflow");
        assert_eq!(fails("1u - 2u"), "unsigned integer overflow");
        assert_eq!(fails("1 / 0"), "division by zero");
        assert_eq!(fails("1 % 0"), "modulus by zero");
        assert_eq!(ok("1 == 1.0"), Value::Bool(true));
        assert_eq!(ok("1u < 2"), Value::Bool(true));
        assert_eq!(ok("2.5 > 2"), Value::Bool(true));
        assert_eq!(
            ok("'a' < 'b' && b'a' < b'b' && false < true"),
            Value::Bool(true)
        );
        assert_eq!(ok("1 == 'a'"), Value::Bool(false));
        assert_eq!(fails("1 < 'a'"), "no such overload");
    }

    #[test]
    fn logic_absorbs_errors_from_either_side() {
        assert_eq!(ok("1/0 == 1 || true"), Value::Bool(true));
        assert_eq!(ok("true || 1/0 == 1"), Value::Bool(true));
        assert_eq!(ok("false && 1/0 == 1"), Value::Bool(false));
        assert_eq!(ok("1/0 == 1 && false"), Value::Bool(false));
        assert_eq!(fails("true && 1/0 == 1"), "division by zero");
        assert_eq!(fails("1/0 == 1 || false"), "division by zero");
        assert_eq!(ok("true ? 1 : 1/0"), Value::Int(1));
        assert_eq!(ok("false ? 1/0 : 2"), Value::Int(2));
        assert_eq!(ok("[1, 2, 3].all(e, 6 / (2 - e) == 6)"), Value::Bool(false));
        assert_eq!(
            ok("[1, 2, 3].exists(e, 6 / (2 - e) == 6)"),
            Value::Bool(true)
        );
        assert_eq!(
            fails("[1, 2, 3].all(e, 6 / (2 - e) != 0)"),
            "division by zero"
        );
    }

    #[test]
    fn strings_lists_and_maps() {
        assert_eq!(ok("size('πέντε')"), Value::Int(5));
        assert_eq!(
            ok("'abc'.size() + size(b'abc') + size([1]) + size({1: 2})"),
            Value::Int(8)
        );
        assert_eq!(
            ok("'hello'.contains('ell') && 'hello'.startsWith('he') && 'hello'.endsWith('lo')"),
            Value::Bool(true)
        );
        assert_eq!(ok("'ab12'.matches('[0-9]+')"), Value::Bool(true));
        assert_eq!(ok("'ab12'.matches('^[0-9]+$')"), Value::Bool(false));
        assert_eq!(
            ok("[1, 2] + [3]"),
            Value::list(vec![Value::Int(1), Value::Int(2), Value::Int(3)])
        );
        assert_eq!(
            ok("2 in [1, 2] && 'a' in {'a': 1} && !(3 in [1, 2])"),
            Value::Bool(true)
        );
        assert_eq!(fails("[1][3]"), "index '3' out of range in list size '1'");
        assert_eq!(fails("{'a': 1}.labels"), "no such key: labels");
        assert_eq!(fails("{'a': 1}['b']"), "no such key: b");
        assert_eq!(ok("{1: 'x'}[1u]"), s("x"));
        assert_eq!(ok("{1u: 'x'}[1]"), s("x"));
        assert_eq!(ok("{1: 'x'}[1.0]"), s("x"));
        assert_eq!(ok("1u in {1: 'x'}"), Value::Bool(true));
        assert_eq!(fails("{1: 'x', 1u: 'y'}"), "Failed with repeated key: 1u");
        assert_eq!(ok("has({'a': null}.a)"), Value::Bool(true));
        assert_eq!(ok("has({'a': null}.b)"), Value::Bool(false));
        assert_eq!(
            fails("1.foo"),
            "type 'int' does not support field selection"
        );
    }

    #[test]
    fn macros() {
        assert_eq!(ok("[1, 2, 3].map(x, x * 2)"), ok("[2, 4, 6]"));
        assert_eq!(ok("[1, 2, 3].map(x, x > 1, x * 2)"), ok("[4, 6]"));
        assert_eq!(ok("[1, 2, 3].filter(x, x > 1)"), ok("[2, 3]"));
        assert_eq!(ok("{'a': 1, 'b': 2}.filter(k, k == 'b')"), ok("['b']"));
        assert_eq!(ok("[1, 2, 3].exists_one(x, x > 2)"), Value::Bool(true));
        assert_eq!(ok("[1, 2, 3].existsOne(x, x > 1)"), Value::Bool(false));
        assert_eq!(
            ok("[10, 20].all(i, v, v == (i + 1) * 10)"),
            Value::Bool(true)
        );
        assert_eq!(
            ok("{'a': 1}.exists(k, v, k == 'a' && v == 1)"),
            Value::Bool(true)
        );
        assert_eq!(ok("[1, 2].transformList(i, v, v * 10 + i)"), ok("[10, 21]"));
        assert_eq!(
            ok("{'a': 1, 'b': 2}.transformMap(k, v, v > 1, v * 2)"),
            ok("{'b': 4}")
        );
        assert_eq!(
            ok("{'a': 1}.transformMapEntry(k, v, {v: k})"),
            ok("{1: 'a'}")
        );
        assert_eq!(ok("cel.bind(x, 2, x * x)"), Value::Int(4));
        // Pairs of prefix operators cancel before evaluation, as cel-go's parser drops them.
        assert_eq!(ok("--1u"), Value::Uint(1));
        assert_eq!(ok("!!'a'"), s("a"));
        assert_eq!(fails("-1u"), "no such overload");
        // The bound expression runs when the body first reads it, and only then.
        assert_eq!(ok("cel.bind(x, 1 / 0, 7)"), Value::Int(7));
        assert_eq!(ok("cel.bind(x, 1 / 0, true || x)"), Value::Bool(true));
        assert_eq!(fails("cel.bind(x, 1 / 0, false || x)"), "division by zero");
        // It sees the variables around the binding, not those inside its body.
        assert_eq!(
            ok("[1, 2].map(y, cel.bind(x, y * 10, [3].map(y, x + y)))"),
            ok("[[13], [23]]")
        );
        assert_eq!(
            ok("cel.bind(x, 2, cel.bind(y, x * 3, cel.bind(x, 100, x + y)))"),
            Value::Int(106)
        );
        assert_eq!(ok("[3, 1, 2].sortBy(x, -x)"), ok("[3, 2, 1]"));
        assert_eq!(ok("optional.of(2).optMap(x, x + 1)"), ok("optional.of(3)"));
        assert_eq!(
            ok("optional.none().optMap(x, x + 1)"),
            ok("optional.none()")
        );
        assert_eq!(
            ok("optional.of(2).optFlatMap(x, optional.none())"),
            ok("optional.none()")
        );
    }

    #[test]
    fn optionals_and_or_value_compatibility() {
        assert_eq!(ok("{'a': 1}.?b.orValue(2)"), Value::Int(2));
        assert_eq!(ok("{'a': 1}.?a.orValue(2)"), Value::Int(1));
        assert_eq!(ok("{'a': {'b': 1}}.?a.b"), ok("optional.of(1)"));
        assert_eq!(ok("{'a': {}}.?a.b.hasValue()"), Value::Bool(false));
        assert_eq!(ok("[1, 2][?5].hasValue()"), Value::Bool(false));
        assert_eq!(ok("[?optional.none(), ?optional.of(1)]"), ok("[1]"));
        assert_eq!(ok("{?'a': optional.none(), 'b': 2}"), ok("{'b': 2}"));
        assert_eq!(
            ok("optional.ofNonZeroValue('').hasValue()"),
            Value::Bool(false)
        );
        assert_eq!(
            fails("optional.none().value()"),
            "optional.none() dereference"
        );
        // Kyverno's compatibility macro: a non-optional receiver is returned as it is...
        assert_eq!(ok("[1].orValue([])"), ok("[1]"));
        // ...but an error in it still propagates.
        assert_eq!(fails("{}.missing.orValue(1)"), "no such key: missing");
        let strict = Env {
            or_value_compat: false,
            ..Env::fixed()
        };
        assert_eq!(
            eval_in("[1].orValue([])", &Bindings::new(), &strict),
            Err("no such overload: orValue(list, list)".into())
        );
    }

    #[test]
    fn time() {
        assert_eq!(
            ok("string(timestamp('2024-01-01T00:00:00Z') + duration('1h30m'))"),
            s("2024-01-01T01:30:00Z")
        );
        assert_eq!(ok("string(duration('3600s'))"), s("3600s"));
        assert_eq!(ok("string(duration('60.001s'))"), s("60.001s"));
        assert_eq!(
            ok("timestamp('2024-01-02T00:00:00Z') - timestamp('2024-01-01T00:00:00Z')"),
            Value::Duration(86_400_000_000_000)
        );
        assert_eq!(ok("duration('1h') > duration('30m')"), Value::Bool(true));
        assert_eq!(
            ok("timestamp('2009-02-13T23:31:30Z').getDayOfWeek()"),
            Value::Int(5)
        );
        assert_eq!(
            ok("timestamp('2009-02-13T23:31:30Z').getDate('Australia/Sydney')"),
            Value::Int(14)
        );
        assert_eq!(
            ok("timestamp('2009-02-13T23:31:30Z').getMonth()"),
            Value::Int(1)
        );
        assert_eq!(ok("duration('1h30m').getMinutes()"), Value::Int(90));
        assert_eq!(
            fails("timestamp('0001-01-01T00:00:00Z') - duration('1s')"),
            "timestamp overflow"
        );
        assert_eq!(
            fails("timestamp('2024-01-01')"),
            "type conversion error from 'string' to 'google.protobuf.Timestamp': parsing time \"2024-01-01\" as RFC 3339 failed"
        );
        assert_eq!(
            fails("timestamp('2009-02-13T23:31:30Z').getHours('Mars/Base')"),
            "unknown time zone: Mars/Base"
        );
    }

    #[test]
    fn conversions_and_types() {
        assert_eq!(ok("string(1000000.0)"), s("1e+06"));
        assert_eq!(ok("string(9876u)"), s("9876"));
        assert_eq!(ok("string(1.5)"), s("1.5"));
        assert_eq!(ok("int('12') + int(2.9) + int(-2.9)"), Value::Int(12));
        assert_eq!(fails("int(1e20)"), "integer overflow");
        // cel-go has no order for NaN, so `<` and friends fail rather than answer false.
        assert_eq!(fails("double('NaN') < 1.0"), "NaN values cannot be ordered");
        assert_eq!(fails("1 >= double('NaN')"), "NaN values cannot be ordered");
        assert_eq!(ok("double('NaN') < 1.0 || true"), Value::Bool(true));
        assert_eq!(ok("double('NaN') == double('NaN')"), Value::Bool(false));
        // cel-go converts a duration to its nanoseconds (cel-cpp has no such overload).
        assert_eq!(ok("int(duration('-1.5s'))"), Value::Int(-1_500_000_000));
        assert_eq!(fails("uint(-1)"), "unsigned integer overflow");
        assert_eq!(
            fails("int('x')"),
            "strconv.ParseInt: parsing \"x\": invalid syntax"
        );
        assert_eq!(ok("double(1) + double('2.5')"), Value::Double(3.5));
        assert_eq!(ok("bool('TRUE')"), Value::Bool(true));
        assert_eq!(
            ok("type(1) == int && type('a') == string && type(int) == type"),
            Value::Bool(true)
        );
        assert_eq!(ok("type({})"), Value::type_value("map"));
        assert_eq!(ok("dyn(1) == 1"), Value::Bool(true));
        assert_eq!(
            fails("foo"),
            "undeclared reference to 'foo' (in container '')"
        );
        assert_eq!(
            fails("nope(1)"),
            "undeclared reference to 'nope' (in container '')"
        );
        assert_eq!(
            fails("'a'.contains(1)"),
            "no such overload: contains(string, int)"
        );
    }

    #[test]
    fn variables_resolve_by_qualified_name_and_lazily() {
        let mut b = Bindings::new();
        b.set(
            "object",
            Value::from_json(&crate::jmespath::Value::object(
                [(
                    "spec".to_string(),
                    crate::jmespath::Value::object(
                        [("replicas".to_string(), crate::jmespath::Value::Number(3.0))].into(),
                    ),
                )]
                .into(),
            )),
        );
        let program =
            Program::compile("object.spec.replicas * 2.0").unwrap_or_else(|e| panic!("{e:?}"));
        b.set_lazy(
            "variables.double",
            Rc::new(move |a, env| program.eval(a, env)),
        );
        b.set_lazy(
            "variables.broken",
            Rc::new(|_, _| Err(EvalError::new("no such key: x", 0..1))),
        );
        let env = Env::fixed();
        assert_eq!(
            eval_in("variables.double + 1.0", &b, &env),
            Ok(Value::Double(7.0))
        );
        assert_eq!(
            eval_in("has(variables.double)", &b, &env),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            eval_in("variables.broken", &b, &env),
            Err("no such key: x".into())
        );
        assert_eq!(
            eval_in("object.spec.replicas == 3", &b, &env),
            Ok(Value::Bool(true))
        );
        assert_eq!(
            eval_in("[object].map(object, object.spec.replicas)", &b, &env),
            Ok(ok("[3.0]"))
        );
    }

    #[test]
    fn variables_nested_too_deeply_give_an_error_not_a_crash() {
        let mut b = Bindings::new();
        b.set("variables.v0", Value::Int(1));
        for i in 1..8 {
            let src = format!("{}variables.v{}{}", "[".repeat(100), i - 1, "]".repeat(100));
            let program = Program::compile(&src).unwrap_or_else(|e| panic!("{e:?}"));
            b.set_lazy(
                format!("variables.v{i}"),
                Rc::new(move |a, env| program.eval(a, env)),
            );
        }
        let env = Env::fixed();
        assert!(eval_in("variables.v3", &b, &env).is_ok());
        assert_eq!(
            eval_in("variables.v7", &b, &env),
            Err("expression nesting too deep: variables refer to variables too deeply".into())
        );
    }

    #[test]
    fn libraries_outside_the_kinds_set_are_undeclared() {
        let vap = Env {
            libraries: crate::cel::functions::LibrarySet::KUBERNETES,
            ..Env::fixed()
        };
        let b = Bindings::new();
        assert_eq!(
            eval_in("math.greatest(1, 2)", &b, &vap),
            Err("undeclared reference to 'math' (in container '')".into())
        );
        assert_eq!(eval_in("'a1'.find('[0-9]')", &b, &vap), Ok(s("1")));
    }

    #[test]
    fn message_construction_builds_a_map() {
        assert_eq!(
            ok("Object{spec: Object.spec{replicas: 1, ?paused: optional.none()}}"),
            ok("{'spec': {'replicas': 1}}")
        );
    }

    #[test]
    fn extension_libraries() {
        assert_eq!(ok("'tacocat'.charAt(3)"), s("o"));
        assert_eq!(ok("'a,b,c'.split(',')"), ok("['a', 'b', 'c']"));
        assert_eq!(ok("['a', 'b'].join('-')"), s("a-b"));
        assert_eq!(
            ok("'%s is %d, %.2f'.format(['x', 3, 1.239])"),
            s("x is 3, 1.24")
        );
        assert_eq!(
            ok("'%.3f %e'.format(['NaN', '-Infinity'])"),
            s("NaN -Infinity")
        );
        assert_eq!(
            fails("'%f'.format(['nan'])"),
            "error during formatting: fixed-point clause can only be used on doubles, was given string"
        );
        assert_eq!(ok("'  x '.trim().upperAscii()"), s("X"));
        assert_eq!(ok("'hello'.substring(1, 3)"), s("el"));
        assert_eq!(
            fails("'hello'.substring(3, 1)"),
            "invalid substring range. start: 3, end: 1"
        );
        assert_eq!(ok("[[1], [2, [3]]].flatten()"), ok("[1, 2, [3]]"));
        assert_eq!(ok("[3, 1, 2].sort()"), ok("[1, 2, 3]"));
        assert_eq!(ok("[1, 1, 2].distinct()"), ok("[1, 2]"));
        assert_eq!(ok("lists.range(3)"), ok("[0, 1, 2]"));
        assert_eq!(ok("[1, 2, 3].slice(1, 2)"), ok("[2]"));
        assert_eq!(
            ok("[1, 2, 3].sum() + [4, 2].min() + [4, 2].max()"),
            Value::Int(12)
        );
        assert_eq!(fails("[].min()"), "min called on empty list");
        assert_eq!(ok("[1, 2, 2].lastIndexOf(2)"), Value::Int(2));
        assert_eq!(ok("[1, 2].isSorted()"), Value::Bool(true));
        assert_eq!(
            ok("sets.contains([1, 2], [2]) && sets.intersects([1], [1u])"),
            Value::Bool(true)
        );
        assert_eq!(ok("math.greatest(1, 2u, 3.5)"), Value::Double(3.5));
        assert_eq!(ok("math.least([3, 1, 2])"), Value::Int(1));
        // A NaN cannot be ordered against the others (cel-go); alone it is the answer.
        assert_eq!(
            fails("math.least([-7, double('NaN'), -0.5])"),
            "NaN values cannot be ordered: math.least"
        );
        assert!(matches!(ok("math.greatest([double('NaN')])"), Value::Double(d) if d.is_nan()));
        assert!(matches!(ok("math.sign(-0.0)"), Value::Double(d) if d.to_bits() == 0));
        assert_eq!(ok("base64.encode(b'hi')"), s("aGk="));
        assert_eq!(
            ok("base64.decode('aGk')"),
            Value::Bytes(b"hi".to_vec().into())
        );
        assert_eq!(
            ok("regex.replace('banana', 'a(n)', '<\\\\1>')"),
            s("b<n><n>a")
        );
        assert_eq!(
            ok("regex.extract('id: 42', '([0-9]+)')"),
            ok("optional.of('42')")
        );
        assert_eq!(ok("'a1b22'.findAll('[0-9]+')"), ok("['1', '22']"));
        assert_eq!(ok("'a1b22'.find('[0-9]+')"), s("1"));
    }

    #[test]
    fn runaway_work_ends_with_the_cost_error() {
        assert_eq!(
            fails("lists.range(2000).map(x, lists.range(2000).map(y, x + y)).size()"),
            COST_EXCEEDED
        );
        assert_eq!(
            fails("[1, 2, 3].map(x, lists.range(1000000).map(y, [1, 2, 3].map(z, z)))"),
            COST_EXCEEDED
        );
        // Errors that && would absorb do not hide a cancellation.
        assert_eq!(
            fails("lists.range(3000).all(x, lists.range(3000).all(y, y >= 0)) || true"),
            COST_EXCEEDED
        );
        assert_eq!(
            fails(
                "[0, 1].exists(i, i == 1 || lists.range(3000).all(x, lists.range(3000).all(y, y >= 0)))"
            ),
            COST_EXCEEDED
        );
        let (_, cost) = Program::compile("[1, 2, 3].map(x, x * 2)")
            .unwrap_or_else(|e| panic!("{e:?}"))
            .eval_with_cost(&Bindings::new(), &Env::fixed());
        assert_eq!(cost, 11);
        let unlimited = Env {
            cost_limit: None,
            ..Env::fixed()
        };
        assert_eq!(
            eval_in(
                "lists.range(1100).map(x, 1).size()",
                &Bindings::new(),
                &unlimited
            ),
            Ok(Value::Int(1100))
        );
    }

    #[test]
    fn regex_bombs_are_refused_or_linear() {
        let e = fails("'x'.matches('(a{1000}){1000}')");
        assert!(e.starts_with("error parsing regexp: "), "{e}");
        let long = "a".repeat(50_000);
        assert_eq!(
            ok(&format!("'{long}b'.matches('^(a+)+$')")),
            Value::Bool(false)
        );
    }

    #[test]
    fn the_deepest_trees_evaluate_on_a_test_thread() {
        let n = 240;
        for (open, close) in [
            ("(", " + 1)"),
            ("[", "]"),
            ("int(", ")"),
            ("{1: ", "}"),
            ("-(", ")"),
            ("[1].map(x, ", ")"),
        ] {
            let src = format!("{}1{}", open.repeat(n / 2), close.repeat(n / 2));
            assert!(run(&src).is_ok(), "{open}");
        }
        let src = format!("{}1{}", "(".repeat(n), " + 1)".repeat(n));
        assert_eq!(run(&src), Ok(Value::Int(241)));
    }

    #[test]
    fn json_conversions() {
        let json = crate::jmespath::Value::array(vec![
            crate::jmespath::Value::Number(1.0),
            crate::jmespath::Value::string("a"),
            crate::jmespath::Value::Null,
        ]);
        let v = Value::from_json(&json);
        assert_eq!(
            v,
            Value::list(vec![Value::Double(1.0), s("a"), Value::Null])
        );
        assert_eq!(
            ok("[1, 2u, b'hi', duration('1s')]").to_json(),
            crate::jmespath::Value::array(vec![
                crate::jmespath::Value::Number(1.0),
                crate::jmespath::Value::Number(2.0),
                crate::jmespath::Value::string("aGk="),
                crate::jmespath::Value::string("1s"),
            ])
        );
    }
}
