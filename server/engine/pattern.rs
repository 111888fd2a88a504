//! `validate.pattern` and `validate.anyPattern`: Kyverno's pattern language.
//!
//! A faithful port of `pkg/engine/validate/validate.go` (`MatchPattern`), the anchor handlers
//! of `pkg/engine/anchor/handlers.go`, `pkg/engine/wildcards.ExpandInMetadata` and the
//! `$(...)` reference resolution of `pkg/engine/variables/vars.go`; scalar values are compared
//! by [`super::value_pattern`] (`pkg/engine/pattern/pattern.go`), anchors parsed by
//! [`super::anchor`].
//!
//! Usage by the pipeline (Kyverno's `validate_resource.go: validatePatterns`):
//! 1. `resolve_references(&pattern)` (for `anyPattern`: on the whole list), then `{{ }}`
//!    substitution; a reference error is a rule `error`.
//! 2. `pattern`: [`validate`] → `Ok` pass; `Skip` → rule skip with `message` as is; `Fail` →
//!    rule fail, message `validation error: <validate.message>. rule <r> failed at path
//!    <path>` (or `validation error: rule <r> failed at path <path>` without a message);
//!    `Error` → rule error, message `validation error: <msg>. rule <r> execution error:
//!    <message>` (or `validation error: rule <r> execution error: <message>`).
//! 3. `anyPattern`: [`validate_any`] (see there) and [`any_pattern_message`].

use std::collections::{BTreeMap, VecDeque};

use super::Value;
use super::anchor::{self, AnchorKind};
use super::value_pattern::{
    NumMode, contains_wildcard, go_format_v, go_type_name, operator_of, validate_value,
    wildcard_match,
};
use crate::jmespath::value::Map;

/// How a pattern check ended when it did not pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A conditional or global anchor was not satisfied: the rule (or array element) skips.
    /// `message` is Kyverno's error text (`conditional anchor mismatch: ...`), used as the
    /// skip message.
    Skip { message: String },
    /// A mismatch or a negation anchor hit: `path` is Kyverno's resource path
    /// (`/spec/containers/0/image/`), `pattern_path` the JSON pointer into the pattern
    /// (`/spec/containers/0/image`, relative to the pattern root). `message` is Kyverno's
    /// internal error text (logged only; the rule message uses `path`).
    Fail {
        message: String,
        path: String,
        pattern_path: String,
    },
    /// An error without a path (Kyverno's `error` status), e.g. an anchor key missing from
    /// the resource while another check failed (`AnchorMap.KeysAreMissing`).
    Error { message: String },
}

/// Maximum nesting walked; deeper patterns give an `Error`.
const MAX_DEPTH: usize = crate::limits::MAX_PATTERN_DEPTH;

/// Resolves `$(./../key)` references inside a pattern against the pattern itself (done before
/// `{{ }}` substitution, as Kyverno does). References in strings and in map keys are resolved
/// relative to the referencing value's path (`path.Join`), anchors removed from the paths
/// they are compared with; an optional leading operator (`>=`, `<=`, `>`, `<`, `!`) is kept
/// in front of the value (numbers are then rendered `%f`). A reference to a non-string value
/// (without operator), or to nothing, is an error with Kyverno's message. `\$(` escapes are
/// unescaped. For `anyPattern`, pass the whole list (paths then start with `/<index>`).
pub fn resolve_references(pattern: &Value) -> Result<Value, String> {
    if !mentions_reference(pattern, 0) {
        return Ok(pattern.clone());
    }
    let mut index = Vec::new();
    index_leaves_and_keys(pattern, "", &mut index, 0);
    substitute(pattern, "", &index, 0)
}

fn mentions_reference(v: &Value, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    match v {
        Value::String(s) => s.contains("$("),
        Value::Array(a) => a.iter().any(|x| mentions_reference(x, depth + 1)),
        Value::Object(m) => m
            .iter()
            .any(|(k, x)| k.contains("$(") || mentions_reference(x, depth + 1)),
        _ => false,
    }
}

/// Go's `jsonUtils` traversal order (keys of a map are visited at the map's path, then their
/// values), with anchors removed from every path: `(path, element)`.
fn index_leaves_and_keys(v: &Value, path: &str, out: &mut Vec<(String, Value)>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    match v {
        Value::Object(m) => {
            let clean = anchor::remove_anchors_from_path(path);
            for (k, x) in m.iter() {
                out.push((clean.clone(), Value::from(k.as_str())));
                index_leaves_and_keys(x, &format!("{path}/{k}"), out, depth + 1);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                index_leaves_and_keys(x, &format!("{path}/{i}"), out, depth + 1);
            }
        }
        _ => out.push((anchor::remove_anchors_from_path(path), v.clone())),
    }
}

fn substitute(
    v: &Value,
    path: &str,
    index: &[(String, Value)],
    depth: usize,
) -> Result<Value, String> {
    if depth > MAX_DEPTH {
        return Ok(v.clone());
    }
    match v {
        Value::String(s) if s.contains("$(") => Ok(Value::from(substitute_string(s, path, index)?)),
        Value::Array(a) => {
            let items = a
                .iter()
                .enumerate()
                .map(|(i, x)| substitute(x, &format!("{path}/{i}"), index, depth + 1))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Value::array(items))
        }
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, x) in m.iter() {
                let nk = if k.contains("$(") {
                    substitute_string(k, path, index)?
                } else {
                    k.clone()
                };
                let nv = substitute(x, &format!("{path}/{k}"), index, depth + 1)?;
                out.insert(nk, nv);
            }
            Ok(Value::object(out))
        }
        _ => Ok(v.clone()),
    }
}

fn substitute_string(s: &str, path: &str, index: &[(String, Value)]) -> Result<String, String> {
    let mut value = s.to_string();
    for (whole, _) in crate::jmespath::template::find_references(s) {
        let reference = &s[whole.clone()];
        let old = if whole.start > 0 {
            // the regex match includes the preceding character
            let prev = s[..whole.start]
                .chars()
                .next_back()
                .map_or(0, char::len_utf8);
            &s[whole.start - prev..whole.end]
        } else {
            reference
        };
        let prefix = &old[..old.len() - reference.len()];
        match resolve_reference(reference, path, index)? {
            None => {
                return Err(format!(
                    "got nil resolved variable {reference} at path {path}: <nil>"
                ));
            }
            Some(Value::String(val)) => {
                value = value.replacen(old, &format!("{prefix}{val}"), 1);
            }
            Some(_) => {
                return Err(format!(
                    "NotResolvedReferenceErr,reference {reference} not resolved at path {path}"
                ));
            }
        }
    }
    Ok(unescape_references(&value))
}

/// `RegexEscpReferences` (`\\\$\(.[^ ]*\)`): `\$(x)` → `$(x)`.
fn unescape_references(s: &str) -> String {
    if !s.contains("\\$(") {
        return s.to_string();
    }
    let mut matches = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i + 3 < b.len() {
        if &b[i..i + 3] == b"\\$(" {
            let run_end = b[i + 3..]
                .iter()
                .position(|&c| c == b' ')
                .map_or(b.len(), |p| i + 3 + p);
            // `.` then `[^ ]*` then `)`: the last `)` of the run, at least one char after `(`.
            let start = i + 3;
            if start < run_end {
                let first_len = s[start..].chars().next().map_or(1, char::len_utf8);
                if let Some(close) = s[start + first_len.min(run_end - start)..run_end].rfind(')') {
                    let end = start + first_len.min(run_end - start) + close + 1;
                    matches.push(s[i..end].to_string());
                    i = end;
                    continue;
                }
            }
        }
        i += 1;
    }
    let mut out = s.to_string();
    for m in matches {
        out = out.replace(&m, &m[1..]);
    }
    out
}

fn resolve_reference(
    reference: &str,
    abs_path: &str,
    index: &[(String, Value)],
) -> Result<Option<Value>, String> {
    let fail = |e: &str| format!("failed to resolve {reference} at path {abs_path}: {e}");
    let path = reference.trim_matches(|c| c == '$' || c == '(' || c == ')');
    let op = go_operator_prefix(path);
    let path = &path[op.len()..];
    if path.is_empty() {
        return Err(fail("expected path, found empty reference"));
    }
    let target = if path.starts_with('/') {
        path.to_string()
    } else {
        anchor::join_path(abs_path, path)
    };
    let found = index
        .iter()
        .rev()
        .find(|(p, _)| *p == target)
        .map(|(_, v)| v.clone())
        // a JSON null is Go's nil: the same as nothing found
        .filter(|v| !matches!(v, Value::Null));
    if op.is_empty() {
        return Ok(found);
    }
    let text = match &found {
        Some(Value::String(s)) => s.to_string(),
        Some(Value::Number(n)) => format!("{n:.6}"),
        other => {
            let shown = other
                .as_ref()
                .map_or("<nil>".to_string(), |v| go_format_v(v, NumMode::Json));
            return Err(fail(&format!(
                "incorrect expression: operator {op} does not match with value {shown}"
            )));
        }
    };
    Ok(Some(Value::from(format!("{op}{text}"))))
}

/// The operator string `GetOperatorFromStringPattern` finds at the start of a reference path.
fn go_operator_prefix(p: &str) -> &'static str {
    use super::value_pattern::Op;
    match operator_of(p) {
        Op::Equal => "",
        Op::MoreEqual => ">=",
        Op::LessEqual => "<=",
        Op::More => ">",
        Op::Less => "<",
        Op::NotEqual => "!",
        Op::InRange => "-",
        Op::NotInRange => "!-",
    }
}

/// Validates `resource` against one pattern (after substitution). `Ok(())` is a pass.
/// Numbers of `resource` are read as a decoded resource holds them (integral → int64).
pub fn validate(resource: &Value, pattern: &Value) -> Result<(), Outcome> {
    validate_with(resource, pattern, NumMode::Resource)
}

/// [`validate`] for a value that came out of a JMESPath query (a `foreach` element): every
/// number is a float64 (`1E+00` in wildcard comparisons, `1.000000` in quantity ones).
pub fn validate_element(resource: &Value, pattern: &Value) -> Result<(), Outcome> {
    validate_with(resource, pattern, NumMode::Json)
}

/// `validate.MatchPattern` with an explicit number mode.
pub fn validate_with(resource: &Value, pattern: &Value, mode: NumMode) -> Result<(), Outcome> {
    let mut w = Walker {
        mode,
        anchors: BTreeMap::new(),
    };
    match w.element(resource, pattern, "/", "", 0) {
        Ok(()) => Ok(()),
        Err((path, e)) => {
            if e.kind.is_skip() {
                Err(Outcome::Skip { message: e.msg })
            } else if e.kind == Kind::Negation && !path.is_empty() {
                Err(Outcome::Fail {
                    message: e.msg,
                    path,
                    pattern_path: e.pattern_path,
                })
            } else if w.anchors.values().any(|present| !present) || path.is_empty() {
                Err(Outcome::Error { message: e.msg })
            } else {
                Err(Outcome::Fail {
                    message: e.msg,
                    path,
                    pattern_path: e.pattern_path,
                })
            }
        }
    }
}

/// Why `anyPattern` did not pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnyOutcome {
    /// Every pattern skipped: rule `skip`, `message` is Kyverno's (`rule <r>[0] skipped:
    /// <why> rule <r>[1] skipped: ...`).
    Skip { message: String },
    /// Some pattern failed (a mismatch, or an error without a path): rule `fail`. `errors`
    /// are Kyverno's pieces (`rule <r>[i] failed at path <p>` or `rule <r>[i] failed:
    /// <error>`), in pattern order; build the message with [`any_pattern_message`].
    /// `outcomes` are the per-pattern failures (index, outcome) for the editor.
    Fail {
        errors: Vec<String>,
        outcomes: Vec<(usize, Outcome)>,
    },
}

/// `anyPattern` (Kyverno `validatePatterns`): the first pattern that passes makes the rule
/// pass (also when `patterns` is empty); otherwise any failure → [`AnyOutcome::Fail`], all
/// skipped → [`AnyOutcome::Skip`]. `rule` is the rule name used in the messages.
pub fn validate_any(resource: &Value, patterns: &[Value], rule: &str) -> Result<(), AnyOutcome> {
    validate_any_with(resource, patterns, rule, NumMode::Resource)
}

/// [`validate_any`] with an explicit number mode.
pub fn validate_any_with(
    resource: &Value,
    patterns: &[Value],
    rule: &str,
    mode: NumMode,
) -> Result<(), AnyOutcome> {
    let mut skipped = Vec::new();
    let mut errors = Vec::new();
    let mut outcomes = Vec::new();
    for (i, p) in patterns.iter().enumerate() {
        match validate_with(resource, p, mode) {
            Ok(()) => return Ok(()),
            Err(Outcome::Skip { message }) => {
                skipped.push(format!("rule {rule}[{i}] skipped: {message}"));
            }
            Err(o) => {
                match &o {
                    Outcome::Fail { path, .. } => {
                        errors.push(format!("rule {rule}[{i}] failed at path {path}"));
                    }
                    Outcome::Error { message } | Outcome::Skip { message } => {
                        errors.push(format!("rule {rule}[{i}] failed: {message}"));
                    }
                }
                outcomes.push((i, o));
            }
        }
    }
    if !errors.is_empty() {
        Err(AnyOutcome::Fail { errors, outcomes })
    } else if !skipped.is_empty() {
        Err(AnyOutcome::Skip {
            message: skipped.join(" "),
        })
    } else {
        Ok(())
    }
}

/// Kyverno's `buildAnyPatternErrorMessage`: `validation error: [<message>[.] ]<errors>`, where
/// `message` is the substituted `validate.message` ("" when absent).
pub fn any_pattern_message(message: &str, errors: &[String]) -> String {
    let errs = errors.join(" ");
    if message.is_empty() {
        format!("validation error: {errs}")
    } else if message.ends_with('.') {
        format!("validation error: {message} {errs}")
    } else {
        format!("validation error: {message}. {errs}")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Plain,
    Conditional,
    Global,
    Negation,
}

impl Kind {
    fn is_skip(self) -> bool {
        matches!(self, Kind::Conditional | Kind::Global)
    }
}

#[derive(Debug, Clone)]
struct PErr {
    kind: Kind,
    msg: String,
    pattern_path: String,
}

/// `(resource path, error)` as Go's `(string, error)` pairs.
type Walk = Result<(), (String, PErr)>;

fn plain(path: &str, pattern_path: &str, msg: String) -> Walk {
    Err((
        path.to_string(),
        PErr {
            kind: Kind::Plain,
            msg,
            pattern_path: pattern_path.to_string(),
        },
    ))
}

/// A JSON pointer segment for `key` (`~` and `/` escaped).
pub fn escape_pointer(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

struct Walker {
    mode: NumMode,
    /// `AnchorMap`: for each conditional/existence/negation anchor key seen, whether some
    /// resource map had its key.
    anchors: BTreeMap<String, bool>,
}

impl Walker {
    /// `validateResourceElement`.
    fn element(&mut self, res: &Value, pat: &Value, path: &str, ppath: &str, depth: usize) -> Walk {
        if depth > MAX_DEPTH {
            return plain(
                "",
                ppath,
                format!("pattern nesting deeper than {MAX_DEPTH} at {path}"),
            );
        }
        match pat {
            Value::Object(pm) => {
                let Value::Object(rm) = res else {
                    return plain(
                        path,
                        ppath,
                        format!(
                            "pattern and resource have different structures. Path: {path}. Expected {}, found {}",
                            go_type_name(pat, self.mode),
                            go_type_name(res, self.mode)
                        ),
                    );
                };
                self.check_anchors_in_resource(pm, rm);
                self.map(rm, pm, path, ppath, depth)
            }
            Value::Array(pa) => {
                let Value::Array(ra) = res else {
                    return plain(
                        path,
                        ppath,
                        format!(
                            "validation rule failed at path {path}, resource does not satisfy the expected overlay pattern"
                        ),
                    );
                };
                self.array(ra, pa, path, ppath, depth)
            }
            _ => {
                let ok = match res {
                    Value::Array(items) => items.iter().all(|r| validate_value(r, pat, self.mode)),
                    _ => validate_value(res, pat, self.mode),
                };
                if ok {
                    Ok(())
                } else {
                    plain(
                        path,
                        ppath,
                        format!(
                            "resource value '{}' does not match '{}' at path {path}",
                            go_format_v(res, self.mode),
                            go_format_v(pat, NumMode::Json)
                        ),
                    )
                }
            }
        }
    }

    /// `AnchorMap.CheckAnchorInResource`.
    fn check_anchors_in_resource(&mut self, pm: &Map, rm: &Map) {
        for key in pm.keys() {
            let Some(a) = anchor::parse(key) else {
                continue;
            };
            if !matches!(
                a.kind,
                AnchorKind::Condition | AnchorKind::Existence | AnchorKind::Negation
            ) {
                continue;
            }
            let entry = self.anchors.entry(key.clone()).or_insert(false);
            if !*entry && rm.contains_key(a.key) {
                *entry = true;
            }
        }
    }

    /// `validateMap`.
    fn map(&mut self, rm: &Map, pm: &Map, path: &str, ppath: &str, depth: usize) -> Walk {
        let expanded = expand_in_metadata(pm, rm);
        let pm = expanded.as_ref().unwrap_or(pm);
        for k in key_order(pm) {
            self.handle(k, &pm[k], rm, path, ppath, depth)?;
        }
        Ok(())
    }

    /// `CreateElementHandler(key, pattern, path).Handle(...)`.
    fn handle(
        &mut self,
        key: &str,
        pat: &Value,
        rm: &Map,
        path: &str,
        ppath: &str,
        depth: usize,
    ) -> Walk {
        let child_ppath = format!("{ppath}/{}", escape_pointer(key));
        let parsed = anchor::parse(key);
        let Some(a) = parsed.filter(|a| a.kind != AnchorKind::AddIfNotPresent) else {
            // default handler: the key as written
            let current = format!("{path}{key}/");
            let value = rm.get(key).unwrap_or(&Value::Null);
            if matches!(pat, Value::String(s) if &**s == "*") {
                if value.is_null_value() {
                    return plain(path, &child_ppath, format!("{path}/{key} not found"));
                }
                return Ok(());
            }
            return self.element(value, pat, &current, &child_ppath, depth + 1);
        };
        let current = format!("{path}{}/", a.key);
        let value = rm.get(a.key);
        match a.kind {
            AnchorKind::Condition => match value {
                Some(v) => self.element(v, pat, &current, &child_ppath, depth + 1).map_err(|(p, e)| {
                    (p, PErr { kind: Kind::Conditional, msg: format!("conditional anchor mismatch: {}", e.msg), ..e })
                }),
                None => Err((
                    current,
                    PErr {
                        kind: Kind::Conditional,
                        msg: "conditional anchor mismatch: conditional anchor key doesn't exist in the resource".into(),
                        pattern_path: child_ppath,
                    },
                )),
            },
            AnchorKind::Global => match value {
                Some(v) => self.element(v, pat, &current, &child_ppath, depth + 1).map_err(|(p, e)| {
                    (p, PErr { kind: Kind::Global, msg: format!("global anchor mismatch: {}", e.msg), ..e })
                }),
                None => Ok(()),
            },
            AnchorKind::Equality => match value {
                Some(v) => self.element(v, pat, &current, &child_ppath, depth + 1),
                None => Ok(()),
            },
            AnchorKind::Negation => match value {
                Some(_) => Err((
                    current.clone(),
                    PErr {
                        kind: Kind::Negation,
                        msg: format!("negation anchor matched in resource: {current} is not allowed"),
                        pattern_path: child_ppath,
                    },
                )),
                None => Ok(()),
            },
            AnchorKind::Existence => match value {
                None => Ok(()),
                Some(Value::Array(items)) => {
                    let Value::Array(pats) = pat else {
                        return plain(
                            &current,
                            &child_ppath,
                            format!(
                                "invalid pattern type {}: Pattern has to be of list to compare against resource",
                                go_type_name(pat, NumMode::Json)
                            ),
                        );
                    };
                    for (pi, p) in pats.iter().enumerate() {
                        if !matches!(p, Value::Object(_)) {
                            return plain(
                                &current,
                                &child_ppath,
                                format!(
                                    "invalid pattern type {}: Pattern has to be of type map to compare against items in resource",
                                    go_type_name(pat, NumMode::Json)
                                ),
                            );
                        }
                        let elem_ppath = format!("{child_ppath}/{pi}");
                        let mut satisfied = false;
                        for (i, r) in items.iter().enumerate() {
                            let p_i = format!("{current}{i}/");
                            if self.element(r, p, &p_i, &elem_ppath, depth + 1).is_ok() {
                                satisfied = true;
                                break;
                            }
                        }
                        if !satisfied {
                            return plain(
                                &current,
                                &elem_ppath,
                                format!("existence anchor validation failed at path {current}"),
                            );
                        }
                    }
                    Ok(())
                }
                Some(other) => plain(
                    &current,
                    &child_ppath,
                    format!(
                        "invalid resource type {}: Existence ^ () anchor can be used only on list/array type resource",
                        go_type_name(other, self.mode)
                    ),
                ),
            },
            AnchorKind::AddIfNotPresent => unreachable!("filtered above"),
        }
    }

    /// `validateArray`.
    fn array(&mut self, ra: &[Value], pa: &[Value], path: &str, ppath: &str, depth: usize) -> Walk {
        let Some(first) = pa.first() else {
            return plain(path, ppath, "pattern Array empty".into());
        };
        let first_ppath = format!("{ppath}/0");
        match first {
            Value::Object(_) => {
                // validateArrayOfMaps
                let mut applied = 0;
                let mut skips: Vec<PErr> = Vec::new();
                for (i, r) in ra.iter().enumerate() {
                    let current = format!("{path}{i}/");
                    match self.element(r, first, &current, &first_ppath, depth + 1) {
                        Ok(()) => applied += 1,
                        Err((_, e)) if e.kind.is_skip() => skips.push(e),
                        Err(err) => return Err(err),
                    }
                }
                combine_skips(applied, skips, path)
            }
            Value::Array(_) => {
                if ra.len() < pa.len() {
                    return plain(
                        "",
                        ppath,
                        format!(
                            "validate Array failed, array length mismatch, resource Array len is {} and pattern Array len is {}",
                            ra.len(),
                            pa.len()
                        ),
                    );
                }
                let mut applied = 0;
                let mut skips: Vec<PErr> = Vec::new();
                for (i, p) in pa.iter().enumerate() {
                    let current = format!("{path}{i}/");
                    let p_i = format!("{ppath}/{i}");
                    match self.element(&ra[i], p, &current, &p_i, depth + 1) {
                        Ok(()) => applied += 1,
                        Err((_, e)) if e.kind.is_skip() => skips.push(e),
                        Err(err) => return Err(err),
                    }
                }
                combine_skips(applied, skips, path)
            }
            _ => {
                let whole = Value::array(ra.to_vec());
                self.element(&whole, first, path, &first_ppath, depth + 1)
            }
        }
    }
}

/// No element applied and some skipped: a skip `PatternError` (multierr-combined messages).
fn combine_skips(applied: usize, skips: Vec<PErr>, path: &str) -> Walk {
    if applied > 0 || skips.is_empty() {
        return Ok(());
    }
    let kind = skips[0].kind;
    let pattern_path = skips[0].pattern_path.clone();
    let msg = skips
        .into_iter()
        .map(|e| e.msg)
        .collect::<Vec<_>>()
        .join("; ");
    Err((
        path.to_string(),
        PErr {
            kind,
            msg,
            pattern_path,
        },
    ))
}

trait NullCheck {
    fn is_null_value(&self) -> bool;
}

impl NullCheck for Value {
    fn is_null_value(&self) -> bool {
        matches!(self, Value::Null)
    }
}

/// `hasNestedAnchors`: a conditional, existence, equality, negation or global anchor key
/// somewhere below.
/// The order in which Kyverno checks the keys of a map pattern, the first one that does not
/// pass deciding: the anchored keys (conditional, existence, equality, negation) as written,
/// then the global anchors and the keys with anchors below them, last first, then the rest.
pub fn key_order(pm: &Map) -> Vec<&String> {
    let mut anchored = Vec::new();
    let mut plain_keys: VecDeque<&String> = VecDeque::new();
    for (k, v) in pm.iter() {
        match anchor::kind(k) {
            Some(
                AnchorKind::Condition
                | AnchorKind::Existence
                | AnchorKind::Equality
                | AnchorKind::Negation,
            ) => anchored.push(k),
            Some(AnchorKind::Global) => plain_keys.push_front(k),
            _ if has_nested_anchors(v, 0) => plain_keys.push_front(k),
            _ => plain_keys.push_back(k),
        }
    }
    anchored.into_iter().chain(plain_keys).collect()
}

fn has_nested_anchors(v: &Value, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    match v {
        Value::Object(m) => {
            m.keys().any(|k| {
                matches!(
                    anchor::kind(k),
                    Some(
                        AnchorKind::Condition
                            | AnchorKind::Existence
                            | AnchorKind::Equality
                            | AnchorKind::Negation
                            | AnchorKind::Global
                    )
                )
            }) || m.values().any(|x| has_nested_anchors(x, depth + 1))
        }
        Value::Array(a) => a.iter().any(|x| has_nested_anchors(x, depth + 1)),
        _ => false,
    }
}

/// `getPatternValue`: the first key (sorted; Go takes a random one) that is `tag` or an
/// anchor on `tag`, with a non-null value.
fn pattern_value<'a>(tag: &str, m: &'a Map) -> Option<(&'a String, &'a Value)> {
    m.iter()
        .find(|(k, _)| k.as_str() == tag || anchor::parse(k).is_some_and(|a| a.key == tag))
        .filter(|(_, v)| !matches!(v, Value::Null))
}

/// `getValueAsStringMap`: the string entries of `data[tag]` when it is a map.
fn string_map<'a>(tag: &str, data: &'a Value) -> Option<(&'a String, Vec<(&'a String, &'a str)>)> {
    let Value::Object(m) = data else { return None };
    let (key, val) = pattern_value(tag, m)?;
    let Value::Object(vm) = val else { return None };
    let entries = vm
        .iter()
        .filter_map(|(k, v)| v.as_str().map(|s| (k, s)))
        .collect();
    Some((key, entries))
}

/// `wildcards.ExpandInMetadata`: wildcard keys of `metadata.labels` / `metadata.annotations`
/// replaced by the first matching resource key (anchors kept). Returns the new pattern map
/// when something was rewritten. (Kyverno rewrites the pattern in place; here each map
/// visit expands afresh.)
fn expand_in_metadata(pm: &Map, rm: &Map) -> Option<Map> {
    let (meta_key, pmeta) = pattern_value("metadata", pm)?;
    let rmeta = rm.get("metadata").filter(|v| !matches!(v, Value::Null))?;
    let Value::Object(pmeta_map) = pmeta else {
        return None;
    };
    let mut new_meta: Option<Map> = None;
    for tag in ["labels", "annotations"] {
        let Some((pkey, pdata)) = string_map(tag, pmeta) else {
            continue;
        };
        let Some((_, rdata)) = string_map(tag, rmeta) else {
            continue;
        };
        let mut results = Map::new();
        for (k, v) in pdata {
            let new_key = if contains_wildcard(k) {
                match anchor::parse(k) {
                    Some(a) => {
                        let m = rdata.iter().find(|(rk, _)| wildcard_match(a.key, rk));
                        anchor::Anchor::render(a.kind, m.map_or(a.key, |(rk, _)| rk.as_str()))
                    }
                    None => {
                        let m = rdata.iter().find(|(rk, _)| wildcard_match(k, rk));
                        m.map_or(k.clone(), |(rk, _)| (*rk).clone())
                    }
                }
            } else {
                k.clone()
            };
            results.insert(new_key, Value::from(v));
        }
        new_meta
            .get_or_insert_with(|| (**pmeta_map).clone())
            .insert(pkey.clone(), Value::object(results));
    }
    let new_meta = new_meta?;
    let mut out = pm.clone();
    out.insert(meta_key.clone(), Value::object(new_meta));
    Some(out)
}

#[cfg(test)]
mod tests;
