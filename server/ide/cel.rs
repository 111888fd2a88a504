//! Editor features inside the CEL expressions of a policy (the CEL kinds, and `validate.cel`
//! and `celPreconditions` of ClusterPolicy rules): completion, signature help, hover docs
//! and go to definition.
//!
//! The site under the cursor comes from the policy model and the scalar's value map; types
//! come from the checker, in the environment `checks::cel_lint` checked the site in, so the
//! editor offers exactly what the checker accepts there. Text being typed rarely parses, so
//! the word under the cursor is replaced by a placeholder name and, if the rest still does
//! not parse, everything after the cursor by the brackets left open.

use super::{Completion, CompletionKind, Hover, SignatureHelp};
use crate::analysis::Analysis;
use crate::cel::ast::{Expr, ExprKind, MacroKind};
use crate::cel::checker::{self, Type};
use crate::cel::functions::{self, FunctionSpec, LibrarySet, Overload, Ty};
use crate::checks::cel_lint::{self, SiteEnv};
use crate::diag::Span;
use crate::model::{CelRole, CelSite, Policy, Step};
use crate::yaml::{Node, ValueMap};

/// What a comprehension or `cel.bind` variable is, on hover and in completion.
const LOCAL_DOC: &str = "Named by the enclosing macro (a comprehension or `cel.bind`).";

/// The name that stands for the word being typed. Not a name any policy declares.
const CURSOR: &str = "kylsCursorWord";

/// The CEL site under a source offset.
struct At<'a> {
    policy: &'a Policy,
    root: &'a Node,
    site: &'a CelSite,
    /// The expression (the scalar's value).
    expr: &'a str,
    map: ValueMap,
    /// The cursor, as an offset in `expr`.
    at: usize,
    /// `None` where the site is not type-checked (authorization policies).
    env: Option<SiteEnv>,
}

impl At<'_> {
    fn libraries(&self) -> LibrarySet {
        match &self.env {
            Some(e) if !e.flavor.is_kyverno() => LibrarySet::KUBERNETES,
            _ => LibrarySet::KYVERNO,
        }
    }

    /// The checker's view of `ast` at `span`.
    fn probe(&self, ast: &Expr, span: &Span) -> Option<checker::Probe> {
        let env = self.env.as_ref()?;
        checker::probe(ast, &env.check_env(), span)
    }

    /// The root variables the site may use, with their types.
    fn roots(&self) -> Vec<(&'static str, Type)> {
        self.env
            .as_ref()
            .map(|e| checker::declarations(&e.check_env()))
            .unwrap_or_default()
    }
}

fn site_at<'a>(source: &str, analysis: &'a Analysis, offset: usize) -> Option<At<'a>> {
    let doc = analysis.document_at(offset)?;
    let policy = doc.policy.as_ref()?;
    let root = doc.doc.root.as_ref()?;
    let (index, site) = policy
        .cel
        .iter()
        .enumerate()
        .find(|(_, s)| s.span.start <= offset && offset <= s.span.end)?;
    let node = site.node(root)?;
    let expr = node.as_str()?;
    let map = crate::yaml::value_map(source, node)?;
    let at = map.to_value(offset)?.min(expr.len());
    if !expr.is_char_boundary(at) {
        return None;
    }
    let checked = cel_lint::check_policy(&analysis.catalog, root, policy);
    let env = cel_lint::site_env(&analysis.catalog, root, policy, &checked, index);
    Some(At {
        policy,
        root,
        site,
        expr,
        map,
        at,
        env,
    })
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The bytes of some CEL text outside its string and bytes literals, with their offsets, and
/// whether the text ends inside a literal. Works on bytes: quotes and backslashes are ASCII, so a
/// multi-byte character never looks like one.
fn code_bytes(bytes: &[u8]) -> (Vec<(usize, u8)>, bool) {
    let mut out = Vec::new();
    let mut quote: Option<&[u8]> = None;
    let mut i = 0;
    while i < bytes.len() {
        let rest = &bytes[i..];
        match quote {
            Some(_) if bytes[i] == b'\\' => {
                i += 2;
                continue;
            }
            Some(q) if rest.starts_with(q) => {
                i += q.len();
                quote = None;
                continue;
            }
            Some(_) => {}
            None => {
                let opening: [&[u8]; 4] = [b"\'\'\'", b"\"\"\"", b"\'", b"\""];
                if let Some(q) = opening.into_iter().find(|q| rest.starts_with(q)) {
                    quote = Some(q);
                    i += q.len();
                    continue;
                }
                out.push((i, bytes[i]));
            }
        }
        i += 1;
    }
    (out, quote.is_some())
}

/// Whether `at` is inside a string or bytes literal of `expr`.
fn in_string(expr: &str, at: usize) -> bool {
    code_bytes(&expr.as_bytes()[..at.min(expr.len())]).1
}

/// The closing brackets of those `prefix` leaves open, innermost first.
fn closers(prefix: &str) -> Option<String> {
    let (code, open_string) = code_bytes(prefix.as_bytes());
    if open_string {
        return None;
    }
    let mut open = Vec::new();
    for (_, c) in code {
        match c {
            b'(' => open.push(b')'),
            b'[' => open.push(b']'),
            b'{' => open.push(b'}'),
            b')' | b']' | b'}' => {
                open.pop();
            }
            _ => {}
        }
    }
    Some(open.iter().rev().map(|&c| c as char).collect())
}

/// `expr` with `range` replaced by the placeholder, parsed: first with the text after it
/// kept, then with it replaced by the brackets left open.
fn parse_with_cursor(expr: &str, range: std::ops::Range<usize>) -> Option<(Expr, Span)> {
    let placeholder = range.start..range.start + CURSOR.len();
    let whole = format!("{}{CURSOR}{}", &expr[..range.start], &expr[range.end..]);
    if let (Some(ast), errors) = crate::cel::parse(&whole) {
        if errors.is_empty() {
            return Some((ast, placeholder));
        }
    }
    let head = format!("{}{CURSOR}", &expr[..range.start]);
    let cut = format!("{head}{}", closers(&head)?);
    match crate::cel::parse(&cut) {
        (Some(ast), errors) if errors.is_empty() => Some((ast, placeholder)),
        _ => None,
    }
}

/// The node whose span is `span`.
fn node_with_span<'e>(ast: &'e Expr, span: &Span) -> Option<&'e Expr> {
    ast.path_at(span.start)
        .into_iter()
        .rev()
        .find(|n| n.span == *span)
}

/// The operand of the selection or call whose field or function name is at `name`.
fn receiver_of<'e>(ast: &'e Expr, name: &Span) -> Option<&'e Expr> {
    ast.path_at(name.start)
        .into_iter()
        .rev()
        .find_map(|n| match &n.kind {
            ExprKind::Select {
                operand,
                field_span,
                ..
            }
            | ExprKind::Presence {
                operand,
                field_span,
                ..
            } if field_span == name => Some(&**operand),
            ExprKind::Call {
                target: Some(t),
                function_span,
                ..
            } if function_span == name => Some(&**t),
            _ => None,
        })
}

// ---------------------------------------------------------------------------------------
// The vocabulary: root variables and macros, in our own words.

/// What each root variable holds.
fn root_doc(name: &str) -> Option<&'static str> {
    Some(match name {
        "object" => {
            "The resource in the request as it would be stored; `null` on DELETE (use `oldObject`)."
        }
        "oldObject" => "The resource before this UPDATE or DELETE; `null` on CREATE.",
        "request" => {
            "The admission request: `operation`, `userInfo`, `kind`, `namespace`, `name`, `dryRun`, ..."
        }
        "namespaceObject" => {
            "The Namespace of a namespaced resource (metadata, spec and status only); `null` for a cluster-scoped one."
        }
        "variables" => "The policy's `variables`, by name: `variables.<name>`.",
        "params" => "The parameter resource the policy binds to (`paramKind` and `paramRef`).",
        "exceptions" => {
            "The PolicyExceptions that apply to the request: `exceptions.allowedValues`, `exceptions.allowedImages`."
        }
        "authorizer" => "Checks what the requester may do: `authorizer.group(...).resource(...)`.",
        "resource" => "Kyverno's resource library: `resource.Get(...)`, `resource.List(...)`.",
        "globalContext" => "Kyverno's global context entries: `globalContext.Get(name, path)`.",
        "image" => "Kyverno's image library: `image.GetMetadata(ref)`.",
        "http" => "Kyverno's HTTP library: `http.Get(url)`, `http.Post(url, body)`.",
        "json" => "Kyverno's JSON library: `json.Unmarshal(text)`.",
        "yaml" => "Kyverno's YAML library: `yaml.Unmarshal(text)`.",
        "generator" => {
            "Creates the resources of a GeneratingPolicy: `generator.Apply(namespace, list)`."
        }
        "images" => "The images of the resource, by the image extractor's name.",
        "attestors" => "The policy's attestors, by name.",
        "attestations" => "The policy's attestations, by name.",
        _ => return None,
    })
}

/// A macro: expanded by the parser, so it is not in the function table.
struct Macro {
    name: &'static str,
    /// `list.all(x, predicate) -> bool`; the parameters are the parts between the parentheses.
    signature: &'static str,
    /// Whether it is called on a receiver (`l.all(...)`) rather than globally (`has(...)`).
    member: bool,
    /// What the receiver may be: a list or map, or an optional.
    optional_receiver: bool,
    doc: &'static str,
}

const MACROS: &[Macro] = &[
    Macro {
        name: "has",
        signature: "has(field_selection) -> bool",
        member: false,
        optional_receiver: false,
        doc: "Whether the selected field is present: `has(object.spec.hostNetwork)`. Only the last field is tested; the fields before it must exist.",
    },
    Macro {
        name: "all",
        signature: "collection.all(x, predicate) -> bool",
        member: true,
        optional_receiver: false,
        doc: "Whether the predicate holds for every element of a list, or every key of a map. `all(i, v, p)` names the index (or key) and the value.",
    },
    Macro {
        name: "exists",
        signature: "collection.exists(x, predicate) -> bool",
        member: true,
        optional_receiver: false,
        doc: "Whether the predicate holds for at least one element of a list, or key of a map.",
    },
    Macro {
        name: "exists_one",
        signature: "collection.exists_one(x, predicate) -> bool",
        member: true,
        optional_receiver: false,
        doc: "Whether the predicate holds for exactly one element of a list, or key of a map.",
    },
    Macro {
        name: "map",
        signature: "collection.map(x, transform) -> list",
        member: true,
        optional_receiver: false,
        doc: "The list of the transform applied to each element (or map key). `map(x, filter, transform)` keeps only the elements the filter accepts.",
    },
    Macro {
        name: "filter",
        signature: "collection.filter(x, predicate) -> list",
        member: true,
        optional_receiver: false,
        doc: "The elements of a list (or keys of a map) for which the predicate holds.",
    },
    Macro {
        name: "sortBy",
        signature: "list.sortBy(x, key) -> list",
        member: true,
        optional_receiver: false,
        doc: "The list sorted by the key computed for each element.",
    },
    Macro {
        name: "transformList",
        signature: "collection.transformList(i, v, transform) -> list",
        member: true,
        optional_receiver: false,
        doc: "The list of the transform applied to each index (or key) and value. With four arguments, the third filters.",
    },
    Macro {
        name: "transformMap",
        signature: "collection.transformMap(k, v, transform) -> map",
        member: true,
        optional_receiver: false,
        doc: "A map with the same keys, each value replaced by the transform. With four arguments, the third filters.",
    },
    Macro {
        name: "transformMapEntry",
        signature: "collection.transformMapEntry(k, v, entry) -> map",
        member: true,
        optional_receiver: false,
        doc: "A map built from the one-entry maps the transform returns for each key and value.",
    },
    Macro {
        name: "cel.bind",
        signature: "cel.bind(name, value, body) -> dyn",
        member: false,
        optional_receiver: false,
        doc: "Evaluates `value` once and names it `name` inside `body`.",
    },
    Macro {
        name: "optMap",
        signature: "optional.optMap(x, transform) -> optional_type",
        member: true,
        optional_receiver: true,
        doc: "An optional of the transform of the value, or `optional.none()` when empty.",
    },
    Macro {
        name: "optFlatMap",
        signature: "optional.optFlatMap(x, transform) -> optional_type",
        member: true,
        optional_receiver: true,
        doc: "The optional the transform returns for the value, or `optional.none()` when empty.",
    },
];

fn macro_named(name: &str, member: bool) -> Option<&'static Macro> {
    MACROS.iter().find(|m| m.name == name && m.member == member)
}

fn macro_markdown(m: &Macro) -> String {
    format!("```\n{}\n```\nCEL macro\n\n{}", m.signature, m.doc)
}

/// The signature of one overload: `string.contains(string) -> bool`.
fn overload_signature(name: &str, o: &Overload) -> String {
    let mut names: Vec<String> = o.params.iter().map(|t| t.name().to_string()).collect();
    if o.variadic {
        if let Some(last) = names.last_mut() {
            last.push_str("...");
        }
    }
    if o.receiver {
        let recv = if names.is_empty() {
            String::new()
        } else {
            names.remove(0)
        };
        format!("{recv}.{name}({}) -> {}", names.join(", "), o.result.name())
    } else {
        format!("{name}({}) -> {}", names.join(", "), o.result.name())
    }
}

/// Signatures of every overload of a name, then each library's paragraph.
fn function_markdown(specs: &[&FunctionSpec]) -> String {
    let mut signatures = Vec::new();
    let mut docs: Vec<&str> = Vec::new();
    for s in specs {
        for o in s.overloads {
            signatures.push(overload_signature(s.name, o));
        }
        if !docs.contains(&s.doc) {
            docs.push(s.doc);
        }
    }
    format!("```\n{}\n```\n{}", signatures.join("\n"), docs.join("\n\n"))
}

/// Whether a member overload whose receiver parameter is `p` applies to a receiver of type
/// `t`. A `dyn` receiver may be anything; a library global (`resource`) takes the methods
/// of its library's context type (`resource.Context`).
fn receiver_fits(p: Ty, t: &Type) -> bool {
    match (p, t) {
        // A place in a resource is `dyn` to cel-go.
        (_, Type::Unknown | Type::Dyn | Type::Resource(_)) | (Ty::Dyn, _) => true,
        (Ty::Opaque(a), Type::Opaque(b)) => {
            a == *b || a.to_ascii_lowercase().starts_with(&b.to_ascii_lowercase())
        }
        (Ty::Null, Type::Null)
        | (Ty::Bool, Type::Bool)
        | (Ty::Int, Type::Int)
        | (Ty::Uint, Type::Uint)
        | (Ty::Double, Type::Double)
        | (Ty::String, Type::String)
        | (Ty::Bytes, Type::Bytes)
        | (Ty::List, Type::List(_))
        | (Ty::Map, Type::Map(..))
        | (Ty::Timestamp, Type::Timestamp)
        | (Ty::Duration, Type::Duration)
        | (Ty::Type, Type::TypeValue)
        | (Ty::Optional, Type::Optional(_)) => true,
        _ => false,
    }
}

fn macro_fits(m: &Macro, t: &Type) -> bool {
    match t {
        Type::Unknown | Type::Dyn | Type::Resource(_) => true,
        Type::Optional(_) => m.optional_receiver,
        Type::List(_) => !m.optional_receiver,
        Type::Map(..) => !m.optional_receiver && m.name != "sortBy",
        _ => false,
    }
}

/// Names users may call: not the operators' internal names.
fn callable(name: &str) -> bool {
    !name.starts_with('@') && !name.starts_with('_')
}

// ---------------------------------------------------------------------------------------
// Completion.

/// Completion inside a CEL expression, or `None` when the cursor is not in one.
pub fn completion(source: &str, analysis: &Analysis, offset: usize) -> Option<Vec<Completion>> {
    let at = site_at(source, analysis, offset)?;
    let expr = at.expr;
    if in_string(expr, at.at) {
        return Some(Vec::new());
    }
    let word_start = expr[..at.at]
        .char_indices()
        .rev()
        .find(|&(_, c)| !is_word(c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let word_end = expr[at.at..]
        .char_indices()
        .find(|&(_, c)| !is_word(c))
        .map_or(expr.len(), |(i, _)| at.at + i);
    let Some((ast, placeholder)) = parse_with_cursor(expr, word_start..word_end) else {
        return Some(Vec::new());
    };
    let member = expr[..word_start].trim_end().ends_with('.');
    if member {
        return Some(match receiver_of(&ast, &placeholder) {
            Some(receiver) => member_items(&at, &ast, receiver),
            None => Vec::new(),
        });
    }
    let locals = node_with_span(&ast, &placeholder)
        .and_then(|n| at.probe(&ast, &n.span))
        .map(|p| p.locals)
        .unwrap_or_default();
    Some(global_items(&at, &locals))
}

fn item(label: &str, kind: CompletionKind, detail: String, doc: Option<String>) -> Completion {
    Completion {
        label: label.to_string(),
        kind,
        detail: Some(detail),
        documentation: doc,
        insert_text: match kind {
            CompletionKind::Function => format!("{label}("),
            _ => label.to_string(),
        },
    }
}

/// Locals, then root variables, then global functions and macros.
fn global_items(at: &At, locals: &[(String, Type)]) -> Vec<Completion> {
    let mut items = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for (name, ty) in locals.iter().rev() {
        if !seen.contains(name) {
            seen.push(name.clone());
            items.push(item(
                name,
                CompletionKind::Variable,
                ty.to_string(),
                Some(LOCAL_DOC.into()),
            ));
        }
    }
    for (name, ty) in at.roots() {
        items.push(item(
            name,
            CompletionKind::Variable,
            ty.to_string(),
            root_doc(name).map(str::to_string),
        ));
    }
    let libraries = at.libraries();
    let mut functions: Vec<Completion> = Vec::new();
    for m in MACROS.iter().filter(|m| !m.member) {
        functions.push(item(
            m.name,
            CompletionKind::Function,
            m.signature.to_string(),
            Some(macro_markdown(m)),
        ));
    }
    let mut names: Vec<&str> = functions::all().map(|f| f.name).collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        if !callable(name) || functions.iter().any(|f| f.label == name) {
            continue;
        }
        let specs: Vec<&FunctionSpec> = functions::lookup_in(name, libraries).collect();
        let Some(first) = specs
            .iter()
            .flat_map(|s| s.overloads.iter())
            .find(|o| !o.receiver)
        else {
            continue;
        };
        functions.push(item(
            name,
            CompletionKind::Function,
            overload_signature(name, first),
            Some(function_markdown(&specs)),
        ));
    }
    functions.sort_by(|a, b| a.label.cmp(&b.label));
    items.extend(functions);
    items
}

/// After `receiver.`: the variables (after `variables.`), the fields the checker knows for
/// the receiver's type, the functions of a namespace (`math.`), and the member functions
/// and macros that apply to the receiver's type.
fn member_items(at: &At, ast: &Expr, receiver: &Expr) -> Vec<Completion> {
    let ty = at
        .probe(ast, &receiver.span)
        .map_or(Type::Unknown, |p| p.ty);
    let mut items = Vec::new();
    if ty == Type::Variables {
        for (name, t) in at.env.iter().flat_map(|e| e.variables.iter()) {
            items.push(item(
                name,
                CompletionKind::Variable,
                t.to_string(),
                variable_expression(at, name).map(|e| format!("```cel\n{e}\n```")),
            ));
        }
        return items;
    }
    let resource = checker::resource_fields(&ty);
    if resource.is_empty() {
        for (name, t) in checker::fields(&ty) {
            items.push(item(&name, CompletionKind::Field, t.to_string(), None));
        }
    }
    // `object.` and below: the fields of the matched kinds, with Kubernetes' descriptions.
    for f in &resource {
        items.push(item(
            &f.name,
            CompletionKind::Field,
            f.shape.clone(),
            Some(resource_field_markdown(f)),
        ));
    }
    let libraries = at.libraries();
    let mut functions: Vec<Completion> = Vec::new();
    let is_root = |q: &str| at.roots().iter().any(|(n, _)| *n == q);
    if let Some(q) = receiver.qualified_name().filter(|q| !is_root(q)) {
        // `math.`, `base64.`, `cel.`: the functions of the namespace.
        let prefix = format!("{q}.");
        let mut names: Vec<&str> = functions::all()
            .map(|f| f.name)
            .filter(|n| n.starts_with(&prefix) && !n[prefix.len()..].contains('.'))
            .collect();
        names.sort_unstable();
        names.dedup();
        for name in names {
            let specs: Vec<&FunctionSpec> = functions::lookup_in(name, libraries).collect();
            let Some(first) = specs.iter().flat_map(|s| s.overloads.iter()).next() else {
                continue;
            };
            functions.push(item(
                &name[prefix.len()..],
                CompletionKind::Function,
                overload_signature(name, first),
                Some(function_markdown(&specs)),
            ));
        }
        for m in MACROS.iter().filter(|m| !m.member) {
            if let Some(rest) = m.name.strip_prefix(&prefix) {
                functions.push(item(
                    rest,
                    CompletionKind::Function,
                    m.signature.to_string(),
                    Some(macro_markdown(m)),
                ));
            }
        }
        // A namespace is not a value: it has no member functions.
        if !functions.is_empty() {
            functions.sort_by(|a, b| a.label.cmp(&b.label));
            items.extend(functions);
            return items;
        }
    }
    let mut names: Vec<&str> = functions::all().map(|f| f.name).collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        if !callable(name) || name.contains('.') {
            continue;
        }
        let specs: Vec<&FunctionSpec> = functions::lookup_in(name, libraries).collect();
        let Some(first) = specs
            .iter()
            .flat_map(|s| s.overloads.iter())
            .find(|o| o.receiver && o.params.first().is_some_and(|p| receiver_fits(*p, &ty)))
        else {
            continue;
        };
        functions.push(item(
            name,
            CompletionKind::Function,
            overload_signature(name, first),
            Some(function_markdown(&specs)),
        ));
    }
    for m in MACROS
        .iter()
        .filter(|m| m.member && macro_fits(m, &ty) && (two_variable_ok(at) || !two_variable(m)))
    {
        functions.push(item(
            m.name,
            CompletionKind::Function,
            m.signature.to_string(),
            Some(macro_markdown(m)),
        ));
    }
    functions.sort_by(|a, b| a.label.cmp(&b.label));
    functions.dedup_by(|a, b| a.label == b.label);
    items.extend(functions);
    items
}

fn two_variable(m: &Macro) -> bool {
    m.name.starts_with("transform")
}

/// GeneratingPolicy and DeletingPolicy have no two-variable comprehensions.
fn two_variable_ok(at: &At) -> bool {
    !matches!(
        at.env.as_ref().map(|e| e.flavor),
        Some(checker::Flavor::Generating | checker::Flavor::Deleting)
    )
}

/// The variable site of the cursor's rule named `name`.
fn variable_site<'a>(at: &At<'a>, name: &str) -> Option<&'a CelSite> {
    at.policy.cel.iter().find(|s| {
        s.rule == at.site.rule && matches!(&s.role, CelRole::Variable { name: n } if n == name)
    })
}

fn variable_expression<'a>(at: &At<'a>, name: &str) -> Option<&'a str> {
    variable_site(at, name)?.node(at.root)?.as_str()
}

// ---------------------------------------------------------------------------------------
// Hover and definition.

/// What the cursor is on in a parsed expression.
enum Subject<'e> {
    Function {
        name: String,
        member: bool,
        span: Span,
    },
    Variable {
        name: &'e str,
        span: Span,
    },
    Field {
        operand: &'e Expr,
        name: &'e str,
        span: Span,
    },
    Root {
        name: &'e str,
        span: Span,
    },
}

fn subject<'e>(expr: &str, ast: &'e Expr, at: usize) -> Option<Subject<'e>> {
    let inside = |s: &Span| s.start <= at && at <= s.end;
    for n in ast.path_at(at).into_iter().rev() {
        match &n.kind {
            ExprKind::Call {
                target,
                function,
                function_span,
                ..
            } if inside(function_span) => {
                // `math.greatest(...)`: a namespaced global.
                if let Some(q) = target.as_ref().and_then(|t| t.qualified_name()) {
                    let full = format!("{q}.{function}");
                    if functions::lookup(&full).is_some() {
                        let start = target
                            .as_ref()
                            .map_or(function_span.start, |t| t.span.start);
                        return Some(Subject::Function {
                            name: full,
                            member: false,
                            span: start..function_span.end,
                        });
                    }
                }
                return Some(Subject::Function {
                    name: function.clone(),
                    member: target.is_some(),
                    span: function_span.clone(),
                });
            }
            ExprKind::Presence { .. } if inside(&(n.span.start..n.span.start + 3)) => {
                return Some(Subject::Function {
                    name: "has".into(),
                    member: false,
                    span: n.span.start..n.span.start + 3,
                });
            }
            ExprKind::Comprehension(c) => {
                let span = if c.kind == MacroKind::Bind {
                    n.span.start..n.span.start + "cel.bind".len()
                } else {
                    // The name follows the receiver and its dot.
                    let after = c.range.span.end;
                    let rest = expr.get(after..n.span.end).unwrap_or("");
                    let skip =
                        rest.len() - rest.trim_start_matches([' ', '\t', '\n', '.', '?']).len();
                    let start = after + skip;
                    let len = expr[start..].find(|c: char| !is_word(c)).unwrap_or(0);
                    start..start + len
                };
                if inside(&span) && expr.get(span.clone()) == Some(c.kind.name()) {
                    return Some(Subject::Function {
                        name: c.kind.name().to_string(),
                        member: c.kind != MacroKind::Bind,
                        span,
                    });
                }
            }
            ExprKind::Select {
                operand,
                field,
                field_span,
                ..
            }
            | ExprKind::Presence {
                operand,
                field,
                field_span,
            } if inside(field_span) => {
                if matches!(&operand.kind, ExprKind::Ident { name, .. } if name == "variables") {
                    return Some(Subject::Variable {
                        name: field,
                        span: field_span.clone(),
                    });
                }
                return Some(Subject::Field {
                    operand,
                    name: field,
                    span: field_span.clone(),
                });
            }
            ExprKind::Ident { name, .. } => {
                return Some(Subject::Root {
                    name,
                    span: n.span.clone(),
                });
            }
            _ => {}
        }
    }
    None
}

/// Docs of what the cursor is on: a function or macro (signatures and doc), `variables.x`
/// (its expression and type), a root variable, or a field of a typed object.
pub fn hover(source: &str, analysis: &Analysis, offset: usize) -> Option<Hover> {
    let at = site_at(source, analysis, offset)?;
    let (ast, errors) = crate::cel::parse(at.expr);
    let ast = ast.filter(|_| errors.is_empty())?;
    let (markdown, span) = match subject(at.expr, &ast, at.at)? {
        Subject::Function { name, member, span } => {
            let md = match macro_named(&name, member) {
                Some(m) => macro_markdown(m),
                None => {
                    let specs = functions::lookup(&name)?;
                    function_markdown(specs)
                }
            };
            (md, span)
        }
        Subject::Variable { name, span } => {
            let ty = at
                .env
                .as_ref()
                .and_then(|e| e.variables.iter().find(|(n, _)| n == name))
                .map(|(_, t)| t.to_string());
            let expression = variable_expression(&at, name)?;
            let mut md = format!("**`variables.{name}`**");
            if let Some(ty) = ty {
                md.push_str(&format!(" · *{ty}*"));
            }
            md.push_str(&format!("\n\n```cel\n{}\n```", expression.trim_end()));
            (md, span)
        }
        Subject::Field {
            operand,
            name,
            span,
        } => {
            let ty = at.probe(&ast, &operand.span)?.ty;
            if let Some(f) = checker::resource_fields(&ty)
                .into_iter()
                .find(|f| f.name == name)
            {
                return Some(Hover {
                    markdown: resource_field_markdown(&f),
                    span: at.map.span(span),
                });
            }
            let (_, field) = checker::fields(&ty).into_iter().find(|(n, _)| *n == name)?;
            (
                format!("**`{name}`** · *{field}*\n\nA field of `{ty}`."),
                span,
            )
        }
        Subject::Root { name, span } => {
            // A comprehension or `cel.bind` variable hides a root of the same name.
            let local = at
                .probe(&ast, &span)
                .filter(|p| p.locals.iter().any(|(n, _)| n == name));
            match local {
                Some(p) => (format!("**`{name}`** · *{}*\n\n{LOCAL_DOC}", p.ty), span),
                None => {
                    let (_, ty) = at.roots().into_iter().find(|(n, _)| *n == name)?;
                    let doc = root_doc(name)?;
                    (format!("**`{name}`** · *{ty}*\n\n{doc}"), span)
                }
            }
        }
    };
    Some(Hover {
        markdown,
        span: at.map.span(span),
    })
}

/// From `variables.x` to the `name:` of that variable in the policy.
pub fn definition(source: &str, analysis: &Analysis, offset: usize) -> Option<Span> {
    let at = site_at(source, analysis, offset)?;
    let (ast, errors) = crate::cel::parse(at.expr);
    let ast = ast.filter(|_| errors.is_empty())?;
    let Subject::Variable { name, .. } = subject(at.expr, &ast, at.at)? else {
        return None;
    };
    let site = variable_site(&at, name)?;
    // The variable's entry is the parent of its `expression`.
    let (Some(Step::Key("expression")), entry) = site
        .path
        .split_last()
        .map_or((None, &[][..]), |(l, r)| (Some(l), r))
    else {
        return None;
    };
    let mut node = at.root;
    for step in entry {
        node = match step {
            Step::Key(k) => node.get(k)?,
            Step::Index(i) => node.as_sequence()?.get(*i)?,
        };
    }
    Some(node.get("name")?.span.clone())
}

// ---------------------------------------------------------------------------------------
// Signature help.

/// The innermost call whose arguments hold the cursor: the position of its `(` and how many
/// of its arguments come before the cursor's.
fn open_call(before: &str) -> Option<(usize, usize)> {
    // A stack of open brackets with the commas seen at their level, strings skipped.
    let mut stack: Vec<(u8, usize, usize)> = Vec::new();
    for (i, c) in code_bytes(before.as_bytes()).0 {
        match c {
            b'(' | b'[' | b'{' => stack.push((c, i, 0)),
            b')' | b']' | b'}' => {
                stack.pop();
            }
            b',' => {
                if let Some(top) = stack.last_mut() {
                    top.2 += 1;
                }
            }
            _ => {}
        }
    }
    // Inside a string argument (`startsWith('sys`) the call is still the one being written.
    stack
        .iter()
        .rev()
        .find(|(c, _, _)| *c == b'(')
        .filter(|(_, pos, _)| {
            // Only the innermost bracket counts: inside `[...]` in a call, no help.
            stack.last().is_some_and(|(_, last, _)| last == pos)
        })
        .map(|(_, pos, commas)| (*pos, *commas))
}

/// Splits `label`'s parenthesised list at top-level commas: the parameters' byte ranges.
fn parameter_ranges(label: &str) -> Vec<std::ops::Range<usize>> {
    let Some(open) = label.find('(') else {
        return Vec::new();
    };
    let Some(close) = label.rfind(')') else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut start = open + 1;
    for (i, c) in label[open + 1..close].char_indices() {
        if c == ',' {
            out.push(start..open + 1 + i);
            start = open + 1 + i + 2;
        }
    }
    if close > start {
        out.push(start..close);
    }
    out
}

/// The signature of the CEL call the cursor is in, with its active parameter. For a
/// function with several overloads, the first whose receiver and arity fit; the others are
/// listed in the documentation.
pub fn signature_help(source: &str, analysis: &Analysis, offset: usize) -> Option<SignatureHelp> {
    let at = site_at(source, analysis, offset)?;
    let expr = at.expr;
    let (open, commas) = open_call(&expr[..at.at])?;
    let name_start = expr[..open]
        .char_indices()
        .rev()
        .find(|&(_, c)| !is_word(c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let name = &expr[name_start..open];
    if name.is_empty() {
        return None;
    }
    let member = expr[..name_start].trim_end().ends_with('.');
    let mut receiver_ty = Type::Unknown;
    let mut full = name.to_string();
    if member {
        let (ast, placeholder) = parse_with_cursor(&expr[..open], name_start..open)?;
        let receiver = receiver_of(&ast, &placeholder)?;
        let namespaced = receiver
            .qualified_name()
            .map(|q| format!("{q}.{name}"))
            .filter(|q| functions::lookup(q).is_some() || macro_named(q, false).is_some());
        match namespaced {
            Some(q) => full = q,
            None => {
                receiver_ty = at
                    .probe(&ast, &receiver.span)
                    .map_or(Type::Unknown, |p| p.ty)
            }
        }
    }
    let member = member && full == name;
    if let Some(m) = macro_named(&full, member) {
        let label = m.signature.to_string();
        let parameters = parameter_ranges(&label);
        let active = commas.min(parameters.len().saturating_sub(1));
        return Some(SignatureHelp {
            label,
            documentation: m.doc.to_string(),
            parameters,
            active_parameter: active,
        });
    }
    let specs: Vec<&FunctionSpec> = functions::lookup_in(&full, at.libraries()).collect();
    let overloads: Vec<&Overload> = specs
        .iter()
        .flat_map(|s| s.overloads.iter())
        .filter(|o| o.receiver == member)
        .filter(|o| {
            !member
                || o.params
                    .first()
                    .is_some_and(|p| receiver_fits(*p, &receiver_ty))
        })
        .collect();
    let arguments = commas + 1 + usize::from(member);
    let chosen = overloads
        .iter()
        .find(|o| o.params.len() >= arguments || o.variadic)
        .or(overloads.first())?;
    let label = overload_signature(&full, chosen);
    let parameters = parameter_ranges(&label);
    let active = if chosen.variadic {
        commas.min(parameters.len().saturating_sub(1))
    } else {
        commas
    };
    let others: Vec<String> = overloads
        .iter()
        .filter(|o| !std::ptr::eq(**o, *chosen))
        .map(|o| format!("`{}`", overload_signature(&full, o)))
        .collect();
    let mut documentation = specs.first().map_or("", |s| s.doc).to_string();
    if !others.is_empty() {
        documentation.push_str(&format!("\n\nAlso: {}", others.join(", ")));
    }
    Some(SignatureHelp {
        label,
        documentation,
        parameters,
        active_parameter: active,
    })
}

/// A resource field's hover and completion documentation: its shape, its description (from
/// Kubernetes or the CRD), and which kinds have it, from where.
fn resource_field_markdown(f: &checker::ResourceField) -> String {
    let mut md = format!("**`{}`** · *{}*\n\n", f.name, f.shape);
    let description = f.description.trim();
    if !description.is_empty() {
        md.push_str(description);
        md.push_str("\n\n");
    }
    md.push_str(&format!("*{} ({})*", f.kinds, f.source));
    md
}
