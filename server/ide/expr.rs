//! Editor features inside JMESPath: hover on function names, completion of functions,
//! variables, context entries and `request.object` paths, and signature help.

use super::{Completion, CompletionKind, Hover, SignatureHelp};
use crate::analysis::Analysis;
use crate::checks::jmespath_lint::signature;
use crate::jmespath::ast::{Ast, AstKind};
use crate::jmespath::functions::{self, FunctionSpec};
use crate::jmespath::parse::parse;
use crate::model::{JmesSite, Scope};
use crate::yaml::Node;

/// The expression site under a source offset, with the offset inside the expression.
pub struct AtCursor<'a> {
    pub site: &'a JmesSite,
    /// The scalar holding the expression.
    pub node: &'a Node,
    pub expr: &'a str,
    /// Byte offset of the cursor in `expr`.
    pub offset: usize,
}

/// Finds the expression containing `offset` in a parsed policy document.
pub fn site_at<'a>(source: &str, analysis: &'a Analysis, offset: usize) -> Option<AtCursor<'a>> {
    let doc = analysis.document_at(offset)?;
    let root = doc.doc.root.as_ref()?;
    for site in &doc.policy.as_ref()?.jmespath {
        if !(site.span.start <= offset && offset <= site.span.end) {
            continue;
        }
        let node = site.node(root)?;
        let map = crate::yaml::value_map(source, node)?;
        let Some(v) = map.to_value(offset) else {
            continue;
        };
        if site.expr.start <= v && v <= site.expr.end {
            let text = node.as_str()?;
            // An outer template reads as Kyverno evaluates it, its inner ones substituted.
            let expr = site.masked.as_deref().unwrap_or(&text[site.expr.clone()]);
            let offset = v - site.expr.start;
            return Some(AtCursor {
                site,
                node,
                expr,
                offset,
            });
        }
    }
    None
}

/// The innermost node containing `offset`.
fn node_at(ast: &Ast, offset: usize) -> Option<&Ast> {
    let mut node = ast;
    'down: loop {
        for c in node.children() {
            if c.span.start <= offset && offset <= c.span.end && c.span.start < c.span.end {
                node = c;
                continue 'down;
            }
        }
        return Some(node);
    }
}

/// Markdown for a function: signature, where it comes from, its doc and example.
pub fn function_markdown(spec: &FunctionSpec) -> String {
    let origin = if spec.kyverno {
        "Kyverno custom function"
    } else {
        "JMESPath built-in function"
    };
    format!(
        "```\n{}\n```\n{origin}\n\n{}\n\nExample: `{}`",
        signature(spec),
        spec.doc,
        spec.example
    )
}

/// Hover on a function name inside an expression.
pub fn hover(source: &str, analysis: &Analysis, offset: usize) -> Option<Hover> {
    let at = site_at(source, analysis, offset)?;
    let ast = parse(at.expr).ok()?;
    let node = node_at(&ast, at.offset)?;
    let mut found = None;
    let mut stack = vec![&ast];
    while let Some(n) = stack.pop() {
        if let AstKind::Function {
            name, name_span, ..
        } = &n.kind
        {
            if name_span.start <= at.offset && at.offset <= name_span.end {
                found = Some((name.clone(), *name_span));
            }
        }
        stack.extend(n.children());
    }
    let _ = node;
    let (name, span) = found?;
    let spec = functions::lookup(&name)?;
    let map = crate::yaml::value_map(source, at.node)?;
    let start = at.site.expr.start;
    Some(Hover {
        markdown: function_markdown(spec),
        span: map.span(start + span.start..start + span.end),
    })
}

/// The name under the cursor when it is read from the rule's variables: the head of a path
/// (`images` in `{{ images.tags }}`), not a field of a value computed inside the expression
/// (the right side of `.`, `|`, projections and filters, or an `&expression`).
fn variable_at(ast: &Ast, offset: usize) -> Option<&str> {
    let inside =
        |c: &&Ast| c.span.start <= offset && offset <= c.span.end && c.span.start < c.span.end;
    let mut node = ast;
    loop {
        node = match &node.kind {
            AstKind::Field { name } => return Some(name),
            AstKind::Subexpression { lhs, .. }
            | AstKind::ListProjection { lhs, .. }
            | AstKind::ObjectProjection { lhs, .. }
            | AstKind::FilterProjection { lhs, .. }
            | AstKind::Pipe { lhs, .. } => Some(&**lhs).filter(inside)?,
            AstKind::Expref { .. } => return None,
            _ => node.children().into_iter().find(inside)?,
        };
    }
}

/// From a context entry's name in an expression to its `name:` in the rule's `context`.
pub fn definition(source: &str, analysis: &Analysis, offset: usize) -> Option<crate::diag::Span> {
    let at = site_at(source, analysis, offset)?;
    if at.site.relative {
        return None;
    }
    let ast = parse(at.expr).ok()?;
    let name = variable_at(&ast, at.offset)?;
    if !at.site.scope.context.iter().any(|c| c == name) {
        return None;
    }
    let policy = analysis.document_at(offset)?.policy.as_ref()?;
    let rule = policy.rules.iter().find(|r| r.span.contains(&offset))?;
    let entry = rule
        .sections
        .iter()
        .find(|s| s.name == "context")?
        .items
        .iter()
        .find(|i| i.name == name)?;
    Some(entry.name_span.clone())
}

/// The expression being typed on the line before the cursor: the text after an unclosed
/// `{{`, or the value of a braceless `list:` / `jmesPath:` field.
fn typed_expression(line_before: &str) -> Option<&str> {
    if let Some(open) = line_before.rfind("{{") {
        let after = &line_before[open + 2..];
        if !after.contains("}}") {
            return Some(after.trim_start().trim_start_matches('-').trim_start());
        }
    }
    let trimmed = line_before.trim_start().trim_start_matches("- ");
    for key in ["list:", "jmesPath:"] {
        if let Some(v) = trimmed.strip_prefix(key) {
            return Some(v.trim_start().trim_start_matches(['"', '\'']));
        }
    }
    None
}

/// Fields Kyverno puts under `request`.
const REQUEST_FIELDS: &[(&str, &str)] = &[
    (
        "object",
        "The resource as it would be stored (on DELETE, see `oldObject`).",
    ),
    ("oldObject", "The resource before this UPDATE or DELETE."),
    ("operation", "CREATE, UPDATE, DELETE or CONNECT."),
    ("namespace", "The namespace of the resource."),
    ("name", "The name of the resource."),
    ("kind", "Group, version and kind of the resource."),
    (
        "userInfo",
        "Who sent the request (admission only, not in background scans).",
    ),
    ("roles", "Roles of the requester (admission only)."),
    (
        "clusterRoles",
        "Cluster roles of the requester (admission only).",
    ),
    ("dryRun", "Whether the request is a dry run."),
];

/// Common fields of Kubernetes objects, for completing `request.object.` paths.
const OBJECT_PATHS: &[(&str, &[&str])] = &[
    (
        "",
        &["apiVersion", "kind", "metadata", "spec", "status", "data"],
    ),
    (
        "metadata",
        &[
            "name",
            "namespace",
            "labels",
            "annotations",
            "ownerReferences",
            "uid",
            "generateName",
            "finalizers",
        ],
    ),
    (
        "spec",
        &[
            "containers",
            "initContainers",
            "ephemeralContainers",
            "volumes",
            "securityContext",
            "serviceAccountName",
            "hostNetwork",
            "hostPID",
            "hostIPC",
            "nodeSelector",
            "tolerations",
            "affinity",
            "template",
            "replicas",
            "selector",
            "jobTemplate",
        ],
    ),
    (
        "containers",
        &[
            "name",
            "image",
            "imagePullPolicy",
            "securityContext",
            "resources",
            "ports",
            "env",
            "volumeMounts",
            "command",
            "args",
            "livenessProbe",
            "readinessProbe",
        ],
    ),
    (
        "securityContext",
        &[
            "privileged",
            "runAsNonRoot",
            "runAsUser",
            "allowPrivilegeEscalation",
            "capabilities",
            "readOnlyRootFilesystem",
            "seccompProfile",
        ],
    ),
    ("capabilities", &["add", "drop"]),
    ("resources", &["limits", "requests"]),
    ("template", &["metadata", "spec"]),
];

fn object_fields(parent: &str) -> &'static [&'static str] {
    let last = parent
        .rsplit('.')
        .next()
        .unwrap_or("")
        .trim_end_matches("[]");
    let key = match last {
        "object" | "oldObject" | "element" => "",
        "initContainers" | "ephemeralContainers" => "containers",
        other => other,
    };
    OBJECT_PATHS
        .iter()
        .find(|(k, _)| *k == key)
        .map_or(&[], |(_, f)| f)
}

/// Completion inside an expression, or None when the cursor is not in one.
pub fn completion(source: &str, analysis: &Analysis, offset: usize) -> Option<Vec<Completion>> {
    let line_start = source[..offset].rfind('\n').map_or(0, |i| i + 1);
    let expr = typed_expression(&source[line_start..offset])?;
    // The chain being typed: `request.object.meta` → parent `request.object`, word `meta`.
    let chain_start = expr
        .char_indices()
        .rev()
        .find(|&(_, c)| {
            !(c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '[' || c == ']')
        })
        .map_or(0, |(i, c)| i + c.len_utf8());
    let chain = &expr[chain_start..];
    let scope = site_at(source, analysis, offset)
        .map(|a| a.site.scope.clone())
        .unwrap_or(Scope {
            context: Vec::new(),
            foreach_depth: 1,
            element_lists: Vec::new(),
            background: true,
            any_root: false,
        });
    let field = |label: &str, doc: Option<&str>| Completion {
        label: label.to_string(),
        kind: CompletionKind::Field,
        detail: None,
        documentation: doc.map(str::to_string),
        insert_text: label.to_string(),
    };
    if let Some(dot) = chain.rfind('.') {
        let parent = &chain[..dot];
        if parent == "request" {
            return Some(
                REQUEST_FIELDS
                    .iter()
                    .map(|(f, d)| field(f, Some(d)))
                    .collect(),
            );
        }
        if let Some(fields) =
            super::resource_keys::object_path_completion(source, analysis, offset, parent)
        {
            return Some(fields);
        }
        if parent.starts_with("request.object")
            || parent.starts_with("request.oldObject")
            || parent.starts_with("element")
        {
            return Some(
                object_fields(parent)
                    .iter()
                    .map(|f| field(f, None))
                    .collect(),
            );
        }
        return Some(Vec::new());
    }
    let mut items: Vec<Completion> = Vec::new();
    let mut roots: Vec<(&str, &str)> = vec![
        (
            "request",
            "The admission request: `request.object`, `request.operation`, ...",
        ),
        (
            "images",
            "Images of the resource's containers, by container name.",
        ),
    ];
    if scope.foreach_depth > 0 {
        roots.push(("element", "The current item of the enclosing `foreach`."));
        roots.push((
            "elementIndex",
            "The index of the current item of the enclosing `foreach`.",
        ));
    }
    if !scope.background {
        roots.push((
            "serviceAccountName",
            "The requester's service account name (admission only).",
        ));
        roots.push((
            "serviceAccountNamespace",
            "The requester's service account namespace (admission only).",
        ));
    }
    items.extend(roots.iter().map(|(r, d)| Completion {
        label: r.to_string(),
        kind: CompletionKind::Variable,
        detail: Some("variable".into()),
        documentation: Some(d.to_string()),
        insert_text: r.to_string(),
    }));
    items.extend(scope.context.iter().map(|c| Completion {
        label: c.clone(),
        kind: CompletionKind::Variable,
        detail: Some("context entry".into()),
        documentation: None,
        insert_text: c.clone(),
    }));
    items.extend(functions::all().into_iter().map(|f| Completion {
        label: f.name.to_string(),
        kind: CompletionKind::Function,
        detail: Some(signature(f)),
        documentation: Some(function_markdown(f)),
        insert_text: format!("{}(", f.name),
    }));
    Some(items)
}

/// Signature help for the call whose arguments the cursor is in.
pub fn signature_help(source: &str, offset: usize) -> Option<SignatureHelp> {
    let line_start = source[..offset].rfind('\n').map_or(0, |i| i + 1);
    let expr = typed_expression(&source[line_start..offset])?;
    // Walk back to the innermost unclosed `(`, counting top-level commas.
    let bytes = expr.as_bytes();
    let (mut depth, mut commas) = (0i32, 0usize);
    let mut quote: Option<u8> = None;
    let mut open = None;
    for i in (0..bytes.len()).rev() {
        let c = bytes[i];
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            b'\'' | b'`' => quote = Some(c),
            b')' | b']' | b'}' => depth += 1,
            b'[' | b'{' if depth > 0 => depth -= 1,
            b'(' if depth > 0 => depth -= 1,
            b'(' => {
                open = Some(i);
                break;
            }
            b',' if depth == 0 => commas += 1,
            _ => {}
        }
    }
    let open = open?;
    let name_start = expr[..open]
        .char_indices()
        .rev()
        .find(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let spec = functions::lookup(&expr[name_start..open])?;
    let label = signature(spec);
    let params_start = label.find('(').map_or(0, |i| i + 1);
    let mut parameters = Vec::new();
    let mut at = params_start;
    for (i, p) in spec.params.iter().enumerate() {
        let dots = if spec.variadic && i + 1 == spec.params.len() {
            "..."
        } else {
            ""
        };
        let text = format!("{}{dots}: {}", p.name, p.types.describe());
        if let Some(found) = label[at..].find(&text) {
            parameters.push(at + found..at + found + text.len());
            at += found + text.len();
        }
    }
    let last = spec.params.len().saturating_sub(1);
    let active = if spec.variadic {
        commas.min(last)
    } else {
        commas
    };
    Some(SignatureHelp {
        label,
        documentation: spec.doc.to_string(),
        parameters,
        active_parameter: active,
    })
}
