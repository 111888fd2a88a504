//! A `validate.pattern` (or one `anyPattern` entry) as one CEL expression over `object`, with
//! the verdicts Kyverno's pattern walk (`engine::pattern`) gives, for resources whose fields
//! have the types the Kubernetes API gives them.
//!
//! What a pattern says about a scalar depends on the resource value's type (a string pattern
//! compares a number as a quantity, a bool by its text), so each scalar is translated for the
//! field's type in the API index, and refused where the index does not have the field. What a pattern
//! says about a field that is absent is fixed by the pattern alone, so it is decided here by
//! asking the engine itself (`validate_value` on a null), never by a second reading of
//! Kyverno's rules.
//!
//! A field that may hold any JSON (a free-form field, or any field of a custom resource, whose
//! CRD is not at hand) is translated for every type at once: the expression branches on
//! `type(x)`, as Kyverno's comparison branches on the value's Go type, and each branch's answer
//! is again asked of the engine.
//!
//! Where conditional and global anchors make Kyverno skip, `Judged::skip` says so, for the
//! caller to make a match condition of it. Refused, with the reason: wildcard keys, `$(...)`
//! references and `{{ }}` variables, nested lists, and scalars whose meaning depends on a type
//! that is not known.

use crate::engine::anchor::{self, AnchorKind};
use crate::engine::value_pattern::{self, Op};
use crate::jmespath::value::Value as EValue;
use crate::k8s::{self, Shape};
use serde_json::Value;

/// Why a pattern cannot be translated, and where (a JSON pointer into the pattern).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub pointer: String,
    pub reason: String,
}

/// A CEL expression and how tightly it binds, so that parentheses are written only where
/// they are needed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expr {
    pub text: String,
    prec: Prec,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Prec {
    Or,
    And,
    Compare,
    Atom,
}

impl Expr {
    pub fn atom(text: impl Into<String>) -> Expr {
        Expr {
            text: text.into(),
            prec: Prec::Atom,
        }
    }

    pub fn compare(text: impl Into<String>) -> Expr {
        Expr {
            text: text.into(),
            prec: Prec::Compare,
        }
    }

    pub fn is_true(&self) -> bool {
        self.text == "true"
    }

    pub fn is_false(&self) -> bool {
        self.text == "false"
    }

    /// The text, in parentheses when it binds less tightly than `at`.
    fn within(&self, at: Prec) -> String {
        if self.prec < at {
            format!("({})", self.text)
        } else {
            self.text.clone()
        }
    }

    pub fn and(parts: Vec<Expr>) -> Expr {
        Expr::join(parts, false, " && ", Prec::And)
    }

    pub fn or(parts: Vec<Expr>) -> Expr {
        Expr::join(parts, true, " || ", Prec::Or)
    }

    /// `parts` joined by `&&` (`absorbing` false) or `||` (true): a part equal to the absorbing
    /// constant decides the whole, the other constant drops out.
    fn join(parts: Vec<Expr>, absorbing: bool, sep: &str, prec: Prec) -> Expr {
        let (zero, one) = if absorbing {
            ("true", "false")
        } else {
            ("false", "true")
        };
        if parts.iter().any(|p| p.text == zero) {
            return Expr::atom(zero);
        }
        let mut parts: Vec<Expr> = parts.into_iter().filter(|p| p.text != one).collect();
        match parts.len() {
            0 => Expr::atom(one),
            1 => parts.remove(0),
            _ => Expr {
                text: parts
                    .iter()
                    .map(|p| p.within(prec))
                    .collect::<Vec<_>>()
                    .join(sep),
                prec,
            },
        }
    }

    /// `!e`, simplified.
    pub fn negate(e: Expr) -> Expr {
        Expr::not(e)
    }

    fn not(e: Expr) -> Expr {
        if e.is_true() {
            return Expr::atom("false");
        }
        if e.is_false() {
            return Expr::atom("true");
        }
        if let Some(inner) = negated(&e.text) {
            return Expr::atom(format!("({inner})"));
        }
        if let Some(inner) = e.text.strip_prefix("!has(") {
            if e.prec == Prec::Atom && !inner.contains('(') {
                return Expr::atom(format!("has({inner}"));
            }
        }
        Expr::atom(format!("!{}", e.within(Prec::Atom)))
    }
}

/// The inside of `!(inner)` when the parentheses enclose all of it.
fn negated(text: &str) -> Option<&str> {
    let inner = text.strip_prefix("!(")?.strip_suffix(')')?;
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in inner.chars() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => quote = Some(c),
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return None;
                }
            }
            _ => {}
        }
    }
    (depth == 0 && quote.is_none()).then_some(inner)
}

/// What is known of the value at a place: the API's shape, or nothing.
type Known = Option<Shape>;

/// The shape of field `name` of a value of shape `of`, when the API gives one.
pub fn field(of: &Known, name: &str) -> Known {
    field_of(of.as_ref()?, name)
}

/// The shape of field `name` of a value of shape `of`.
pub fn field_of(of: &Shape, name: &str) -> Known {
    match of {
        Shape::Object(t) => k8s::api()
            .types
            .get(t.0 as usize)?
            .field(name)
            .map(|f| f.shape.clone()),
        Shape::Map(v) => Some((**v).clone()),
        Shape::Any => Some(Shape::Any),
        _ => None,
    }
}

fn element(of: &Known) -> Known {
    match of.as_ref()? {
        Shape::Array(v) => Some((**v).clone()),
        Shape::Any => Some(Shape::Any),
        _ => None,
    }
}

const RESERVED: &[&str] = &[
    "as",
    "break",
    "const",
    "continue",
    "else",
    "false",
    "for",
    "function",
    "if",
    "import",
    "in",
    "let",
    "loop",
    "package",
    "namespace",
    "null",
    "return",
    "true",
    "var",
    "void",
    "while",
];

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !RESERVED.contains(&s)
}

/// A CEL string literal.
pub fn quote(s: &str) -> String {
    let mut out = String::from("'");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// `x.key` (or `x['key']`) and whether `x` has it.
fn select(x: &str, key: &str) -> (String, Expr) {
    if is_ident(key) {
        (format!("{x}.{key}"), Expr::atom(format!("has({x}.{key})")))
    } else {
        let q = quote(key);
        (format!("{x}[{q}]"), Expr::compare(format!("{q} in {x}")))
    }
}

/// Translates patterns, naming the variables of its comprehensions.
pub struct Translator {
    /// Names in use by enclosing comprehensions.
    scope: Vec<String>,
}

/// What a pattern decides about a value: when it passes, and when Kyverno skips (a conditional
/// or global anchor that does not hold). Where neither holds, it fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judged {
    pub pass: Expr,
    pub skip: Expr,
}

impl Judged {
    fn never_skips(pass: Expr) -> Judged {
        Judged {
            pass,
            skip: Expr::atom("false"),
        }
    }
}

impl Translator {
    pub fn new() -> Self {
        Translator { scope: Vec::new() }
    }

    /// The pattern `p` over the value `x` (an expression of a present value) of shape `known`.
    pub fn value(
        &mut self,
        p: &Value,
        x: &str,
        known: &Known,
        at: &str,
    ) -> Result<Judged, Refused> {
        let refuse = |reason: String| Refused {
            pointer: at.to_string(),
            reason,
        };
        match p {
            Value::Object(m) => {
                let untyped = untyped(known);
                if !untyped && !matches!(known, Some(Shape::Object(_) | Shape::Map(_))) {
                    return Err(refuse(
                        "the API gives no object type here, so what the pattern's map means for this field is not known".into(),
                    ));
                }
                let mut keys = Vec::new();
                for k in &key_order(m) {
                    keys.push(self.key(
                        k,
                        &m[k],
                        x,
                        known,
                        &format!("{at}/{}", pointer_escape(k)),
                    )?);
                }
                let judged = in_order(keys);
                // Where nothing says the value is a map, Kyverno fails any other value there.
                Ok(if untyped {
                    of_type(x, "map", judged)
                } else {
                    judged
                })
            }
            Value::Array(items) => {
                let Some(first) = items.first() else {
                    return Err(refuse("an empty list in a pattern never matches".into()));
                };
                let inner = element(known);
                let untyped = untyped(known);
                if !untyped && !matches!(known, Some(Shape::Array(_))) {
                    return Err(refuse("the API gives no list type here".into()));
                }
                if first.is_array() {
                    return Err(refuse("lists of lists are not translated".into()));
                }
                if items.len() > 1 && first.is_object() {
                    return Err(refuse(
                        "Kyverno checks every element against the first map of the list only; a list of several maps is refused rather than translated".into(),
                    ));
                }
                if untyped && !first.is_object() {
                    // Kyverno judges the whole list by the scalar, element by element, as it
                    // would a list value found where the pattern has a scalar.
                    let name = self.fresh(&hint_of(at));
                    let whole = untyped_scalar(first, x, &name).map_err(refuse)?;
                    return Ok(Judged::never_skips(Expr::and(vec![
                        Expr::compare(format!("type({x}) == list")),
                        whole,
                    ])));
                }
                let judged = self.each(x, hint_of(at), |t, e| {
                    if first.is_object() {
                        t.value(first, e, &inner, &format!("{at}/0"))
                    } else {
                        t.scalar(first, e, &inner, &format!("{at}/0"))
                            .map(Judged::never_skips)
                    }
                })?;
                Ok(if untyped {
                    of_type(x, "list", judged)
                } else {
                    judged
                })
            }
            _ => {
                if let Some(Shape::Array(inner)) = known {
                    let inner = Some((**inner).clone());
                    return self.each(x, hint_of(at), |t, e| {
                        t.scalar(p, e, &inner, at).map(Judged::never_skips)
                    });
                }
                self.scalar(p, x, known, at).map(Judged::never_skips)
            }
        }
    }

    /// Every element of the list `x` judged by `f`, as Kyverno judges a list of maps: an
    /// element that fails fails the list, elements that skip are left out, and the list skips
    /// when it has elements and every one of them skips.
    fn each(
        &mut self,
        x: &str,
        hint: String,
        f: impl FnOnce(&mut Self, &str) -> Result<Judged, Refused>,
    ) -> Result<Judged, Refused> {
        let name = self.fresh(&hint);
        self.scope.push(name.clone());
        let body = f(self, &name);
        self.scope.pop();
        let body = body?;
        let all = |e: &Expr| {
            if e.is_true() {
                Expr::atom("true")
            } else if e.is_false() {
                Expr::compare(format!("size({x}) == 0"))
            } else {
                Expr::atom(format!("{x}.all({name}, {})", e.text))
            }
        };
        if body.skip.is_false() {
            return Ok(Judged::never_skips(all(&body.pass)));
        }
        let skip = Expr::and(vec![
            Expr::compare(format!("size({x}) > 0")),
            all(&body.skip),
        ]);
        let pass = Expr::and(vec![
            all(&Expr::or(vec![body.pass, body.skip])),
            Expr::not(skip.clone()),
        ]);
        Ok(Judged { pass, skip })
    }

    fn fresh(&self, hint: &str) -> String {
        let base = if is_ident(hint) && hint != "object" && hint != "request" {
            hint.to_string()
        } else {
            "e".to_string()
        };
        let mut name = base.clone();
        let mut n = 1;
        while self.scope.contains(&name) || RESERVED_NAMES.contains(&name.as_str()) {
            n += 1;
            name = format!("{base}{n}");
        }
        name
    }

    /// One key of a map pattern over the map `x` of shape `known`.
    fn key(
        &mut self,
        key: &str,
        p: &Value,
        x: &str,
        known: &Known,
        at: &str,
    ) -> Result<Judged, Refused> {
        let name = anchor::parse(key).map_or(key, |a| a.key);
        self.key_with(key, p, x, field(known, name), at)
    }

    /// One key of a map pattern over the map `x`, whose field has the shape `inner`.
    pub fn key_with(
        &mut self,
        key: &str,
        p: &Value,
        x: &str,
        inner: Known,
        at: &str,
    ) -> Result<Judged, Refused> {
        let refuse = |reason: &str| Refused {
            pointer: at.to_string(),
            reason: reason.to_string(),
        };
        if mentions_variables(p) || key.contains("{{") || key.contains("$(") {
            return Err(refuse(
                "variables (`{{ }}`) and references (`$(...)`) in patterns are not translated",
            ));
        }
        let anchored = anchor::parse(key);
        if value_pattern::contains_wildcard(anchored.map_or(key, |a| a.key)) {
            return Err(refuse("wildcard keys are not translated"));
        }
        // Kyverno reads a field written as null like an absent one, and a map or a list checked
        // below it fails there: only a value that is set is looked into.
        let looked_into = p.is_object() || p.is_array() || p.as_str() == Some("*");
        let not_null = |value: &str| {
            if looked_into {
                Expr::compare(format!("{value} != null"))
            } else {
                Expr::atom("true")
            }
        };
        let set = |value: &str, has: &Expr| Expr::and(vec![has.clone(), not_null(value)]);
        let Some(a) = anchored else {
            let (value, has) = select(x, key);
            let set = set(&value, &has);
            if p.as_str() == Some("*") {
                return Ok(Judged::never_skips(set));
            }
            let child = self.value(p, &value, &inner, at)?;
            // Absent, the field is checked as null: it passes or fails, never skips.
            let pass = if missing_passes(p) {
                Expr::or(vec![Expr::not(set.clone()), child.pass])
            } else {
                Expr::and(vec![set.clone(), child.pass])
            };
            return Ok(Judged {
                pass,
                skip: Expr::and(vec![set, child.skip]),
            });
        };
        let (value, has) = select(x, a.key);
        let set = set(&value, &has);
        match a.kind {
            AnchorKind::Equality => {
                let child = self.value(p, &value, &inner, at)?;
                // Past `!has(…) ||`, the field is there.
                Ok(Judged {
                    pass: Expr::or(vec![
                        Expr::not(has),
                        Expr::and(vec![not_null(&value), child.pass]),
                    ]),
                    skip: Expr::and(vec![set, child.skip]),
                })
            }
            AnchorKind::Negation => Ok(Judged::never_skips(Expr::not(has))),
            AnchorKind::Condition => {
                // Absent or not holding: the map skips.
                let child = self.value(p, &value, &inner, at)?;
                let pass = Expr::and(vec![set, child.pass]);
                Ok(Judged {
                    skip: Expr::not(pass.clone()),
                    pass,
                })
            }
            AnchorKind::Global => {
                let child = self.value(p, &value, &inner, at)?;
                let holds = Expr::and(vec![not_null(&value), child.pass]);
                Ok(Judged {
                    pass: Expr::or(vec![Expr::not(has.clone()), holds.clone()]),
                    skip: Expr::and(vec![has, Expr::not(holds)]),
                })
            }
            AnchorKind::Existence => {
                let Value::Array(pats) = p else {
                    return Err(refuse("an existence anchor `^()` needs a list"));
                };
                if !matches!(inner, Some(Shape::Array(_))) {
                    return Err(refuse("the API gives no list type here"));
                }
                let elem = element(&inner);
                let mut all = Vec::new();
                for (i, q) in pats.iter().enumerate() {
                    if !q.is_object() {
                        return Err(refuse("an existence anchor's list must hold maps"));
                    }
                    let name = self.fresh(&hint_of(a.key));
                    self.scope.push(name.clone());
                    let body = self.value(q, &name, &elem, &format!("{at}/{i}"));
                    self.scope.pop();
                    // An element that skips does not count as one that matches.
                    all.push(Expr::atom(format!(
                        "{value}.exists({name}, {})",
                        body?.pass.text
                    )));
                }
                all.insert(0, not_null(&value));
                Ok(Judged::never_skips(Expr::or(vec![
                    Expr::not(has),
                    Expr::and(all),
                ])))
            }
            AnchorKind::AddIfNotPresent => Err(refuse(
                "`+()` is a mutate anchor; in a validate pattern Kyverno reads it as a literal key",
            )),
        }
    }

    /// A scalar pattern over the present scalar `x` of shape `known`.
    fn scalar(&mut self, p: &Value, x: &str, known: &Known, at: &str) -> Result<Expr, Refused> {
        let refuse = |reason: String| Refused {
            pointer: at.to_string(),
            reason,
        };
        let shape = known.as_ref();
        match shape {
            // Two values only: ask the engine what the pattern says of each.
            Some(Shape::Boolean) => {
                let t = value_pattern::validate_value(
                    &EValue::Bool(true),
                    &EValue::from_json(p),
                    Default::default(),
                );
                let f = value_pattern::validate_value(
                    &EValue::Bool(false),
                    &EValue::from_json(p),
                    Default::default(),
                );
                Ok(match (t, f) {
                    (true, true) => Expr::atom("true"),
                    (true, false) => Expr::compare(format!("{x} == true")),
                    (false, true) => Expr::compare(format!("{x} == false")),
                    (false, false) => Expr::atom("false"),
                })
            }
            Some(Shape::String) => match p {
                Value::String(s) => string_pattern(s, x).map_err(refuse),
                Value::Bool(_) | Value::Number(_) => Ok(Expr::atom("false")),
                _ => Err(refuse("a null pattern is not translated".into())),
            },
            Some(Shape::Integer | Shape::Number) => match p {
                Value::Number(n) => Ok(Expr::compare(format!("{x} == {}", number(n)))),
                Value::Bool(_) => Ok(Expr::atom("false")),
                Value::String(s) => numeric_pattern(s, x).map_err(refuse),
                _ => Err(refuse("a null pattern is not translated".into())),
            },
            Some(Shape::Quantity) => match p {
                Value::String(s) => quantity_pattern(s, x).map_err(refuse),
                _ => Err(refuse(
                    "only string patterns are translated for a quantity".into(),
                )),
            },
            Some(Shape::Any | Shape::IntOrString) => {
                let name = self.fresh(&hint_of(at));
                untyped_scalar(p, x, &name).map_err(refuse)
            }
            _ => Err(refuse(format!(
                "what `{}` means depends on the field's type, and the API gives {} here",
                p,
                shape.map_or("none".to_string(), |s| format!("`{}`", s.describe()))
            ))),
        }
    }
}

/// Whether the value may be any JSON: a free-form field, or one of a custom resource, whose
/// type nothing here gives. (A field the API index does not have is unknown instead, and
/// refused: it is more likely a typo than a field.)
fn untyped(known: &Known) -> bool {
    matches!(known, Some(Shape::Any))
}

/// A judgement that holds only where `x` is of the CEL type `ty`: Kyverno fails a map or list
/// pattern on any other value, and skips nothing there.
fn of_type(x: &str, ty: &str, judged: Judged) -> Judged {
    let is = Expr::compare(format!("type({x}) == {ty}"));
    Judged {
        pass: Expr::and(vec![is.clone(), judged.pass]),
        skip: Expr::and(vec![is, judged.skip]),
    }
}

/// Characters Go may write for a number (`strconv` decimal and `%E` forms, `NaN`, `±Inf`).
const NUMBER_CHARS: &str = "0123456789.+-EeNaIinf";

/// Whether every number gets one answer from the string pattern `p`: each atom compares text
/// (`==` or `!=`, its operand neither a duration nor a quantity) with an operand that holds a
/// character no number's text has, so no number ever equals it, or that is wildcards matching
/// any text of one character or more, as every number's is.
fn numbers_get_one_answer(p: &str) -> bool {
    p.split('|').all(|cond| {
        cond.trim_matches(' ').split('&').all(|atom| {
            let atom = atom.trim_matches(' ');
            let op = value_pattern::operator_of(atom);
            if !matches!(op, Op::Equal | Op::NotEqual) {
                return false;
            }
            let operand = atom[prefix_len(op)..].trim();
            let any_text =
                operand.chars().all(|c| c == '*' || c == '?') && operand.matches('?').count() <= 1;
            value_pattern::parse_duration(operand).is_none()
                && value_pattern::Quantity::parse(operand).is_none()
                && (any_text
                    || operand
                        .chars()
                        .any(|c| c != '*' && c != '?' && !NUMBER_CHARS.contains(c)))
        })
    })
}

/// A scalar pattern over `x`, a value of any type: Kyverno decides by the value's own type
/// (a list is judged element by element, `each` naming the element), so the expression
/// branches on `type(x)`. Each branch but a string's gives one answer for every value of its
/// type, and that answer is asked of the engine; a string is compared as the pattern says.
fn untyped_scalar(p: &Value, x: &str, each: &str) -> Result<Expr, String> {
    let refuse = || {
        format!(
            "what `{p}` means depends on the value's type, which neither the API nor a CRD gives here"
        )
    };
    let ask =
        |v: EValue| value_pattern::validate_value(&v, &EValue::from_json(p), Default::default());
    let string = match p {
        Value::String(s) => {
            if !numbers_get_one_answer(s) {
                return Err(refuse());
            }
            Some(s)
        }
        Value::Bool(_) => None,
        _ => return Err(refuse()),
    };
    let number = ask(EValue::Number(1.0));
    if number != ask(EValue::Number(0.5)) {
        return Err(refuse());
    }
    let one = |v: &str| -> Result<Expr, String> {
        let mut parts = Vec::new();
        if let Some(s) = string {
            let cmp = string_pattern(s, v)?;
            if !cmp.is_false() {
                parts.push(Expr::and(vec![
                    Expr::compare(format!("type({v}) == string")),
                    cmp,
                ]));
            }
        }
        match (ask(EValue::Bool(true)), ask(EValue::Bool(false))) {
            (true, true) => parts.push(Expr::compare(format!("type({v}) == bool"))),
            (true, false) => parts.push(Expr::compare(format!("{v} == true"))),
            (false, true) => parts.push(Expr::compare(format!("{v} == false"))),
            (false, false) => {}
        }
        if number {
            parts.push(Expr::or(
                ["int", "uint", "double"]
                    .iter()
                    .map(|t| Expr::compare(format!("type({v}) == {t}")))
                    .collect(),
            ));
        }
        if ask(EValue::Null) {
            parts.push(Expr::compare(format!("{v} == null")));
        }
        if ask(EValue::Object(Default::default())) {
            parts.push(Expr::compare(format!("type({v}) == map")));
        }
        Ok(Expr::or(parts))
    };
    // A list's elements are each judged as the value would be; a list inside it by the
    // engine's answer for lists.
    let element = one(each)?;
    let nested = ask(EValue::Array(Default::default()));
    let element = Expr::or(vec![
        element,
        if nested {
            Expr::compare(format!("type({each}) == list"))
        } else {
            Expr::atom("false")
        },
    ]);
    let list = if element.is_false() {
        Expr::compare(format!("size({x}) == 0"))
    } else {
        Expr::atom(format!("{x}.all({each}, {})", element.text))
    };
    Ok(Expr::or(vec![
        Expr::and(vec![Expr::compare(format!("type({x}) == list")), list]),
        one(x)?,
    ]))
}

impl Default for Translator {
    fn default() -> Self {
        Translator::new()
    }
}

/// Names a comprehension variable must not take.
const RESERVED_NAMES: &[&str] = &[
    "object",
    "oldObject",
    "request",
    "variables",
    "namespaceObject",
    "params",
    "authorizer",
    "e",
];

/// A comprehension variable's name from the list's key: `containers` → `container`.
fn hint_of(at: &str) -> String {
    let last = at
        .rsplit('/')
        .find(|s| !s.is_empty() && s.parse::<usize>().is_err())
        .unwrap_or("e");
    let last = anchor::parse(last).map_or(last, |a| a.key);
    last.strip_suffix("ies")
        .map(|s| format!("{s}y"))
        .or_else(|| last.strip_suffix('s').map(str::to_string))
        .unwrap_or_else(|| format!("{last}_item"))
}

/// The keys of `m` in the order Kyverno checks them (`engine::pattern::key_order`).
pub fn key_order(m: &serde_json::Map<String, Value>) -> Vec<String> {
    let EValue::Object(em) = EValue::from_json(&Value::Object(m.clone())) else {
        return m.keys().cloned().collect();
    };
    crate::engine::pattern::key_order(&em)
        .into_iter()
        .cloned()
        .collect()
}

/// The keys of a map judged in Kyverno's order: the first that does not pass decides, so the
/// map skips where some key skips and every key before it passed.
pub fn in_order(keys: Vec<Judged>) -> Judged {
    let mut skips = Vec::new();
    for (i, k) in keys.iter().enumerate() {
        if k.skip.is_false() {
            continue;
        }
        let mut before: Vec<Expr> = keys[..i].iter().map(|k| k.pass.clone()).collect();
        before.push(k.skip.clone());
        skips.push(Expr::and(before));
    }
    Judged {
        pass: Expr::and(keys.into_iter().map(|k| k.pass).collect()),
        skip: Expr::or(skips),
    }
}

fn pointer_escape(k: &str) -> String {
    k.replace('~', "~0").replace('/', "~1")
}

fn mentions_variables(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains("{{") || s.contains("$("),
        Value::Array(a) => a.iter().any(mentions_variables),
        Value::Object(m) => m
            .iter()
            .any(|(k, v)| k.contains("{{") || k.contains("$(") || mentions_variables(v)),
        _ => false,
    }
}

/// Whether Kyverno passes the pattern where the field is absent (it reads a null there):
/// only scalar patterns can, such as `null`, `<5` or `<=1Gi` (an absent number is 0).
fn missing_passes(p: &Value) -> bool {
    match p {
        Value::Object(_) | Value::Array(_) => false,
        _ => {
            value_pattern::validate_value(&EValue::Null, &EValue::from_json(p), Default::default())
        }
    }
}

fn number(n: &serde_json::Number) -> String {
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
        Some(f) => format!("{f}"),
        None => n.to_string(),
    }
}

/// `*`/`?` wildcards over the string `x`, as `wildcard::matches` reads them.
pub fn wildcard(p: &str, x: &str) -> Expr {
    if !value_pattern::contains_wildcard(p) {
        return Expr::compare(format!("{x} == {}", quote(p)));
    }
    if p.chars().all(|c| c == '*') {
        return Expr::atom("true");
    }
    let stars_only = |s: &str| !s.contains('?');
    if let Some(rest) = p.strip_suffix('*') {
        if stars_only(rest) && !rest.contains('*') {
            return Expr::atom(format!("{x}.startsWith({})", quote(rest)));
        }
        if let Some(mid) = rest.strip_prefix('*') {
            if stars_only(mid) && !mid.contains('*') {
                return Expr::atom(format!("{x}.contains({})", quote(mid)));
            }
        }
    }
    if let Some(rest) = p.strip_prefix('*') {
        if stars_only(rest) && !rest.contains('*') {
            return Expr::atom(format!("{x}.endsWith({})", quote(rest)));
        }
    }
    if p == "?*" || p == "*?" {
        return Expr::compare(format!("size({x}) > 0"));
    }
    let mut re = String::from("^");
    for c in p.chars() {
        match c {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            c if c.is_ascii_alphanumeric() || c == '_' || !c.is_ascii() => re.push(c),
            c => {
                re.push('\\');
                re.push(c);
            }
        }
    }
    re.push('$');
    Expr::atom(format!("{x}.matches({})", quote(&format!("(?s){re}"))))
}

/// The atoms of a string pattern: `a | b` any of, `a & b` all of, spaces trimmed. A pattern
/// equal to the value as a whole passes before any of that.
fn atoms(p: &str) -> Vec<Vec<&str>> {
    p.split('|')
        .map(|alt| {
            alt.trim_matches(' ')
                .split('&')
                .map(|a| a.trim_matches(' '))
                .collect()
        })
        .collect()
}

fn combine(p: &str, x: &str, atom: impl Fn(&str) -> Result<Expr, String>) -> Result<Expr, String> {
    let mut alts = Vec::new();
    for alt in atoms(p) {
        let mut all = Vec::new();
        for a in alt {
            all.push(atom(a)?);
        }
        alts.push(Expr::and(all));
    }
    let whole = Expr::or(alts);
    if p.contains(['|', '&']) {
        Ok(Expr::or(vec![
            Expr::compare(format!("{x} == {}", quote(p))),
            whole,
        ]))
    } else {
        Ok(whole)
    }
}

/// A string pattern over a string field.
fn string_pattern(p: &str, x: &str) -> Result<Expr, String> {
    combine(p, x, |a| {
        let op = value_pattern::operator_of(a);
        let body = a[prefix_len(op)..].trim();
        if value_pattern::parse_duration(body).is_some()
            || value_pattern::Quantity::parse(body).is_some()
        {
            return Err(format!(
                "Kyverno compares `{a}` as a number or duration where the string parses as one, and as text elsewhere; this is not translated"
            ));
        }
        match op {
            Op::Equal => Ok(wildcard(body, x)),
            Op::NotEqual => Ok(Expr::not(wildcard(body, x))),
            _ => Err(format!(
                "`{a}` compares a text field by order, which Kyverno never passes"
            )),
        }
    })
}

fn prefix_len(op: Op) -> usize {
    match op {
        Op::MoreEqual | Op::LessEqual => 2,
        Op::More | Op::Less | Op::NotEqual => 1,
        _ => 0,
    }
}

fn is_decimal(s: &str) -> bool {
    let s = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    !int.is_empty()
        && int.chars().all(|c| c.is_ascii_digit())
        && frac.chars().all(|c| c.is_ascii_digit())
        && (frac.is_empty() || !s.ends_with('.'))
}

fn cel_op(op: Op) -> &'static str {
    match op {
        Op::Equal => "==",
        Op::NotEqual => "!=",
        Op::More => ">",
        Op::Less => "<",
        Op::MoreEqual => ">=",
        Op::LessEqual => "<=",
        Op::InRange | Op::NotInRange => "==",
    }
}

/// The ends of `a-b` (or `a!-b`), as Kyverno splits a range.
fn range(a: &str, sep: &str) -> Option<(String, String)> {
    let (l, r) = a.split_once(sep)?;
    Some((l.to_string(), r.to_string()))
}

/// A string pattern over a number field: numbers compare as numbers; `*` and `?*` pass any.
fn numeric_pattern(p: &str, x: &str) -> Result<Expr, String> {
    combine(p, x, |a| {
        let op = value_pattern::operator_of(a);
        let cmp = |op: Op, n: &str| -> Result<Expr, String> {
            if !is_decimal(n) {
                return Err(format!("`{a}` on a number field is not translated"));
            }
            Ok(Expr::compare(format!(
                "{x} {} {}",
                cel_op(op),
                n.trim_start_matches('+')
            )))
        };
        match op {
            Op::InRange | Op::NotInRange => {
                let (sep, lo, hi) = if op == Op::InRange {
                    ("-", Op::MoreEqual, Op::LessEqual)
                } else {
                    ("!-", Op::Less, Op::More)
                };
                let (l, r) = range(a, sep).ok_or_else(|| format!("`{a}` is not a range"))?;
                let parts = vec![cmp(lo, &l)?, cmp(hi, &r)?];
                Ok(if op == Op::InRange {
                    Expr::and(parts)
                } else {
                    Expr::or(parts)
                })
            }
            _ => {
                let body = a[prefix_len(op)..].trim();
                if matches!(op, Op::Equal | Op::NotEqual) && (body == "*" || body == "?*") {
                    return Ok(Expr::atom(if op == Op::Equal { "true" } else { "false" }));
                }
                cmp(op, body)
            }
        }
    })
}

/// A string pattern over a quantity (`cpu: "<=2"`, `memory: "1Gi-4Gi"`): compared as
/// quantities where the value is one, and as text elsewhere.
fn quantity_pattern(p: &str, x: &str) -> Result<Expr, String> {
    combine(p, x, |a| {
        let op = value_pattern::operator_of(a);
        let q = format!("quantity(string({x}))");
        let is_q = Expr::atom(format!("isQuantity(string({x}))"));
        let cmp = |op: Op, n: &str| -> Result<Expr, String> {
            if value_pattern::Quantity::parse(n).is_none()
                || value_pattern::parse_duration(n).is_some() && n != "0"
            {
                return Err(format!("`{a}` on a quantity is not translated"));
            }
            Ok(Expr::compare(format!(
                "{q}.compareTo(quantity({})) {} 0",
                quote(n),
                cel_op(op)
            )))
        };
        match op {
            Op::InRange | Op::NotInRange => {
                let (sep, lo, hi) = if op == Op::InRange {
                    ("-", Op::MoreEqual, Op::LessEqual)
                } else {
                    ("!-", Op::Less, Op::More)
                };
                let (l, r) = range(a, sep).ok_or_else(|| format!("`{a}` is not a range"))?;
                let parts = vec![cmp(lo, &l)?, cmp(hi, &r)?];
                let both = if op == Op::InRange {
                    Expr::and(parts)
                } else {
                    Expr::or(parts)
                };
                Ok(Expr::and(vec![is_q, both]))
            }
            Op::Equal | Op::NotEqual => {
                let body = a[prefix_len(op)..].trim();
                if body == "*" || body == "?*" {
                    return Ok(Expr::atom(if op == Op::Equal { "true" } else { "false" }));
                }
                Err(format!("`{a}` on a quantity is not translated"))
            }
            _ => {
                let body = a[prefix_len(op)..].trim();
                Ok(Expr::and(vec![is_q, cmp(op, body)?]))
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// What depends on a number's text, and numbers in patterns, stay refused where no type is
    /// known.
    #[test]
    fn untyped_fields_refuse_patterns_that_depend_on_numbers() {
        for p in [json!(">1"), json!("1?"), json!("10s"), json!(1)] {
            let r = Translator::new()
                .value(&json!({"f": p}), "object", &Some(Shape::Any), "")
                .expect_err("refused");
            assert_eq!(
                (r.pointer.as_str(), r.reason),
                (
                    "/f",
                    format!(
                        "what `{p}` means depends on the value's type, which neither the API nor a CRD gives here"
                    )
                )
            );
        }
    }
}
