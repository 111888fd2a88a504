//! Pattern and patch keys checked against the resources a rule matches: a key that none of the
//! matched kinds has at that place (`runAsNonRot` for `runAsNonRoot`) makes a pattern that can
//! never mean what its author wrote, and Kyverno then reports every resource as failing (or,
//! under a conditional anchor, skips it) without saying why. In a mutate rule's
//! `patchStrategicMerge` such a key adds a field the API server drops, and a
//! `patchesJson6902` path through it can never apply. The kinds come from the rule's `match`
//! and the fields from the catalog: the Kubernetes API index and the workspace's
//! CustomResourceDefinitions. A kind neither knows (a custom resource nobody defines here, a
//! wildcard) turns the check off for the rule: better silent than guessing.

use super::did_you_mean;
use crate::diag::Diagnostic;
use crate::engine::anchor;
use crate::k8s::{self, Catalog, Shape};
use crate::model::Policy;
use crate::yaml::{Node, NodeKind};

/// What is checked: a validate pattern or a mutate patch, which word the message.
#[derive(Clone, Copy)]
enum Part {
    Pattern,
    Patch,
    Sample,
}

impl Part {
    fn code(self) -> &'static str {
        match self {
            Part::Pattern => "pattern-unknown-field",
            Part::Patch => "patch-unknown-field",
            Part::Sample => "sample-unknown-field",
        }
    }

    fn shape_code(self) -> &'static str {
        match self {
            Part::Pattern => "pattern-wrong-shape",
            Part::Patch => "patch-wrong-shape",
            Part::Sample => "sample-wrong-shape",
        }
    }

    /// What a map or list where the API has something else leads to.
    fn shape_consequence(self) -> &'static str {
        match self {
            // `validateResourceElement` compares structures before values.
            Part::Pattern => {
                "so every resource that has the field fails the pattern (Kyverno finds a different structure)"
            }
            Part::Patch => {
                "so the patched resource can never be stored (the API server rejects the value)"
            }
            Part::Sample => "so the API server would reject this resource",
        }
    }

    fn consequence(self) -> &'static str {
        match self {
            Part::Pattern => "so this part of the pattern can never match what it names",
            Part::Patch => {
                "so this part of the patch can never apply as written (the API server drops fields it does not know)"
            }
            Part::Sample => {
                "so the policies are simulated on a resource the API server would not store as written"
            }
        }
    }
}

/// The kinds a rule matches, as the field checks see them.
pub struct Matched {
    /// The object types of the kinds.
    pub shapes: Vec<Shape>,
    /// The kind names, for messages (`Pod, Deployment`).
    pub names: String,
    /// Where their definitions come from, for messages (`Kubernetes 1.37`).
    pub source: String,
}

/// The kinds a rule's `match` names; None when one of them is unknown to the catalog (a
/// custom resource nobody defines, or a wildcard), which turns the checks off.
pub fn rule_kinds(catalog: &Catalog, match_kinds: &[String]) -> Option<Matched> {
    let mut kinds: Vec<&k8s::Kind> = Vec::new();
    for selector in match_kinds {
        kinds.extend(catalog.kinds_of_selector(selector)?);
    }
    let mut names: Vec<&str> = Vec::new();
    for k in &kinds {
        if !names.contains(&&*k.kind) {
            names.push(&k.kind);
        }
    }
    (!kinds.is_empty()).then(|| Matched {
        shapes: kinds.iter().map(|k| Shape::Object(k.ty)).collect(),
        names: names.join(", "),
        source: catalog.source_of(kinds.iter().copied()),
    })
}

/// Warnings for the fields of a sample resource that its kind does not have: the simulation
/// runs on what is written, which the API server would not keep. Kinds the catalog does not
/// know are not checked.
pub fn check_sample(catalog: &Catalog, root: &Node, out: &mut Vec<Diagnostic>) {
    let api_version = root.get("apiVersion").and_then(Node::as_str).unwrap_or("");
    let kind = root.get("kind").and_then(Node::as_str).unwrap_or("");
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    let Some(k) = catalog.kind(group, version, kind) else {
        return;
    };
    let shape = Shape::Object(k.ty);
    let at = At {
        catalog,
        kinds: &k.kind,
        source: &catalog.source_of([k]),
        part: Part::Sample,
    };
    walk(&at, root, &[&shape], out);
}

/// What a walk checks against, and how its messages name it.
struct At<'a> {
    catalog: &'a Catalog,
    kinds: &'a str,
    source: &'a str,
    part: Part,
}

/// Warnings for the `pattern` and `anyPattern` keys, and the mutate patches, of every rule of
/// `policy`.
pub fn check(
    catalog: &Catalog,
    source: &str,
    root: &Node,
    policy: &Policy,
    out: &mut Vec<Diagnostic>,
) {
    for rule in &policy.rules {
        if let Some(rule_node) = policy.rule_node(root, rule) {
            kind_typos(catalog, rule_node, out);
        }
        let Some(kinds) = &rule.match_kinds else {
            continue;
        };
        let Some(matched) = rule_kinds(catalog, kinds) else {
            continue;
        };
        let Some(rule_node) = policy.rule_node(root, rule) else {
            continue;
        };
        let shapes: Vec<&Shape> = matched.shapes.iter().collect();
        let at = |part| At {
            catalog,
            kinds: &matched.names,
            source: &matched.source,
            part,
        };
        if let Some(validate) = rule_node.get("validate") {
            let mut patterns: Vec<&Node> = validate.get("pattern").into_iter().collect();
            patterns.extend(
                validate
                    .get("anyPattern")
                    .and_then(Node::as_sequence)
                    .unwrap_or_default(),
            );
            for p in patterns {
                walk(&at(Part::Pattern), p, &shapes, out);
            }
            // A foreach entry's patterns check each element of its list: known when the list
            // is a path from `request.object`.
            for entry in validate
                .get("foreach")
                .and_then(Node::as_sequence)
                .unwrap_or_default()
            {
                let Some(list) = entry.get("list").and_then(Node::as_str) else {
                    continue;
                };
                let Some(elements) = element_shapes(catalog, list, &shapes) else {
                    continue;
                };
                let elements: Vec<&Shape> = elements.into_iter().collect();
                let mut patterns: Vec<&Node> = entry.get("pattern").into_iter().collect();
                patterns.extend(
                    entry
                        .get("anyPattern")
                        .and_then(Node::as_sequence)
                        .unwrap_or_default(),
                );
                for p in patterns {
                    walk(&at(Part::Pattern), p, &elements, out);
                }
            }
        }
        // A foreach entry's patch is a patch of the whole resource too.
        let mut patches = Vec::new();
        let mut stack: Vec<&Node> = rule_node.get("mutate").into_iter().collect();
        while let Some(m) = stack.pop() {
            patches.push(m);
            stack.extend(
                m.get("foreach")
                    .and_then(Node::as_sequence)
                    .unwrap_or_default(),
            );
        }
        for m in patches {
            if let Some(psm) = m.get("patchStrategicMerge") {
                walk(&at(Part::Patch), psm, &shapes, out);
            }
            if let Some(ops) = m.get("patchesJson6902") {
                json_patch_paths(&at(Part::Patch), source, ops, &shapes, out);
            }
        }
    }
}

/// A `kinds` entry of `match` or `exclude` that is no Kubernetes kind but is one letter or a
/// case away from one (`Pods`, `deployment`): Kyverno compares kinds exactly, so the rule
/// never selects what its author named. A name that resembles no known kind may be a
/// custom resource defined elsewhere, and is left alone; one the workspace's CRDs define is
/// known.
fn kind_typos(catalog: &Catalog, rule: &Node, out: &mut Vec<Diagnostic>) {
    let api = k8s::api();
    // The kind names, sorted once: this runs on every edit.
    static NAMES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    let names = NAMES.get_or_init(|| {
        let mut names: Vec<&'static str> = api.kinds.iter().map(|k| &*k.kind).collect();
        names.sort_unstable();
        names.dedup();
        names
    });
    for block in ["match", "exclude"].iter().filter_map(|b| rule.get(b)) {
        let mut filters: Vec<&Node> = Vec::new();
        for list in ["any", "all"] {
            filters.extend(
                block
                    .get(list)
                    .and_then(Node::as_sequence)
                    .unwrap_or_default(),
            );
        }
        filters.push(block);
        for filter in filters {
            let kinds = filter
                .get("resources")
                .and_then(|r| r.get("kinds"))
                .and_then(Node::as_sequence)
                .unwrap_or_default();
            for k in kinds {
                let Some(written) = k.as_str() else { continue };
                // `group/version/Kind/subresource`: the kind is the part that starts upper
                // case, or the last one.
                let kind = written
                    .split('/')
                    .find(|p| p.starts_with(|c: char| c.is_ascii_uppercase()))
                    .unwrap_or_else(|| written.rsplit('/').next().unwrap_or(written));
                if kind.contains(['*', '?'])
                    || names.binary_search(&kind).is_ok()
                    || catalog.defines(kind)
                {
                    continue;
                }
                // With a group or version written, only that API's kinds are candidates: a
                // group Kubernetes does not have is a custom resource's.
                let parts: Vec<&str> = written.split('/').collect();
                let at = parts.iter().position(|p| *p == kind).unwrap_or(0);
                let (group, version) = match &parts[..at] {
                    [g, v] => (Some(*g), Some(*v)),
                    [v] => (None, Some(*v)),
                    _ => (None, None),
                };
                let builtin = api.kinds.iter().filter(|k| {
                    group.is_none_or(|g| g == k.group) && version.is_none_or(|v| v == k.version)
                });
                // Custom kinds are short names of other vendors' things (`Gadget` is not a
                // misspelt `Widget`): only one letter or a case away.
                let custom = catalog
                    .definitions()
                    .iter()
                    .filter(|d| {
                        group.is_none_or(|g| g == d.group)
                            && version.is_none_or(|v| d.versions.iter().any(|dv| dv.name == v))
                            && strsim::damerau_levenshtein(
                                &d.kind.to_lowercase(),
                                &kind.to_lowercase(),
                            ) <= 1
                    })
                    .map(|d| d.kind.as_str());
                let candidates = builtin.map(|k| &*k.kind).chain(custom);
                let Some(best) = did_you_mean(kind, candidates) else {
                    continue;
                };
                let known = if catalog.defines(best) {
                    format!(
                        "a kind of Kubernetes {} or of the workspace's CustomResourceDefinitions",
                        k8s::KUBERNETES_VERSION
                    )
                } else {
                    format!("a kind of Kubernetes {}", k8s::KUBERNETES_VERSION)
                };
                out.push(Diagnostic::warning(
                    "unknown-kind",
                    k.span.clone(),
                    format!(
                        "`{kind}` is not {known}; did you mean `{best}`? Kyverno compares kinds exactly, so this entry never selects a `{best}`."
                    ),
                ));
            }
        }
    }
}

/// The paths of a `patchesJson6902` text, step by step through the matched kinds' fields.
fn json_patch_paths(
    at: &At,
    source: &str,
    node: &Node,
    shapes: &[&Shape],
    out: &mut Vec<Diagnostic>,
) {
    let Some(text) = node.as_str() else {
        return;
    };
    // A patch that does not parse is Kyverno's error at run time, reported by the simulation.
    let Ok(ops) = crate::engine::mutate::json_patch::parse(text) else {
        return;
    };
    let map = crate::yaml::value_map(source, node);
    for op in ops.iter().take(crate::limits::MAX_JSON_PATCH_OPS_CHECKED) {
        let verb = op.str_at(&["op"]);
        for key in ["path", "from"] {
            let path = op.str_at(&[key]);
            let Some(rest) = path.strip_prefix('/') else {
                continue;
            };
            let mut current: Vec<&Shape> = shapes.to_vec();
            for step in rest.split('/') {
                let step = step.replace("~1", "/").replace("~0", "~");
                let arrays: Vec<&Shape> = current
                    .iter()
                    .filter_map(|s| match s {
                        Shape::Array(inner) => Some(&**inner),
                        _ => None,
                    })
                    .collect();
                if !arrays.is_empty() {
                    if arrays.len() < current.len() {
                        break;
                    }
                    current = arrays;
                    continue;
                }
                match field_shapes(at.catalog, &current, &step) {
                    (Below::Free, _) => break,
                    (Below::Fields(found), candidates) if found.is_empty() => {
                        let owner = owner_name(at.catalog, &current);
                        let mut message = format!(
                            "`{path}`: `{step}` is not a field of {owner} in {} ({}), so this `{verb}` can never apply as written.",
                            at.kinds, at.source
                        );
                        if let Some(best) = did_you_mean(&step, candidates.into_iter()) {
                            message.push_str(&format!(" Did you mean `{best}`?"));
                        }
                        // On the path itself where the text has it as written.
                        let span = match (text.find(path), &map) {
                            (Some(at), Some(m)) => m.span(at..at + path.len()),
                            _ => node.span.clone(),
                        };
                        out.push(Diagnostic::warning("patch-unknown-field", span, message));
                        break;
                    }
                    (Below::Fields(found), _) => current = found,
                }
            }
        }
    }
}

/// The shapes of the elements of a `foreach` list written as a path from `request.object`:
/// `request.object.spec.containers`, or several lists flattened,
/// `request.object.spec.[initContainers, containers][]`. None for anything else (a filter, a
/// function, a variable), or when a step is not a known field.
pub(super) fn element_shapes<'a>(
    catalog: &'a Catalog,
    list: &str,
    roots: &[&'a Shape],
) -> Option<Vec<&'a Shape>> {
    list_items(catalog, list.trim().strip_prefix("request.object.")?, roots)
}

/// The shapes of the items of the lists at `rest` (`spec.containers`,
/// `spec.[initContainers, containers][]`) below values of the shapes `roots`.
pub(super) fn list_items<'a>(
    catalog: &'a Catalog,
    rest: &str,
    roots: &[&'a Shape],
) -> Option<Vec<&'a Shape>> {
    let (path, multi) = match rest.split_once(".[") {
        Some((path, tail)) => {
            let names = tail.strip_suffix("][]")?;
            (path, Some(names))
        }
        None => (rest.strip_suffix("[]").unwrap_or(rest), None),
    };
    let is_name =
        |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let mut current: Vec<&Shape> = roots.to_vec();
    for step in path.split('.') {
        if !is_name(step) {
            return None;
        }
        match field_shapes(catalog, &current, step) {
            (Below::Fields(found), _) if !found.is_empty() => current = found,
            _ => return None,
        }
    }
    let lists: Vec<&Shape> = match multi {
        None => current,
        Some(names) => {
            let mut all = Vec::new();
            for name in names.split(',').map(str::trim) {
                if !is_name(name) {
                    return None;
                }
                match field_shapes(catalog, &current, name) {
                    (Below::Fields(found), _) => all.extend(found),
                    _ => return None,
                }
            }
            all
        }
    };
    let elements: Vec<&Shape> = lists
        .iter()
        .map(|s| match s {
            Shape::Array(inner) => Some(&**inner),
            _ => None,
        })
        .collect::<Option<_>>()?;
    (!elements.is_empty()).then_some(elements)
}

/// What is known below a value of these shapes.
pub(super) enum Below<'a> {
    /// The shapes of the field in the objects that have it (empty: none has it).
    Fields(Vec<&'a Shape>),
    /// A map with free keys, or any JSON: nothing to check below.
    Free,
}

pub(super) fn field_shapes<'a>(
    catalog: &'a Catalog,
    shapes: &[&'a Shape],
    key: &str,
) -> (Below<'a>, Vec<&'a str>) {
    let mut found = Vec::new();
    let mut candidates = Vec::new();
    for shape in shapes {
        match shape {
            Shape::Object(t) => {
                let ty = catalog.ty(*t);
                match ty.field(key) {
                    Some(f) => found.push(&f.shape),
                    None => candidates.extend(ty.fields.iter().map(|f| &*f.name)),
                }
            }
            Shape::Map(_) | Shape::Any => return (Below::Free, Vec::new()),
            // A scalar where the pattern has a map: the value check's business, not ours.
            _ => return (Below::Free, Vec::new()),
        }
    }
    (Below::Fields(found), candidates)
}

fn walk(at: &At, node: &Node, shapes: &[&Shape], out: &mut Vec<Diagnostic>) {
    let (kinds, part) = (at.kinds, at.part);
    match &node.kind {
        NodeKind::Mapping(entries) => {
            for e in entries {
                let Some(written) = e.key.as_str() else {
                    continue;
                };
                let key = match part {
                    Part::Sample => written,
                    _ => anchor::parse(written).map_or(written, |a| a.key),
                };
                // Wildcard keys (`*`, `app.*`) match fields by pattern; `$patch` and its
                // kin are strategic merge directives.
                if key.contains(['*', '?']) || key.starts_with('$') {
                    continue;
                }
                match field_shapes(at.catalog, shapes, key) {
                    (Below::Free, _) => {}
                    (Below::Fields(found), candidates) if found.is_empty() => {
                        let owner = owner_name(at.catalog, shapes);
                        let mut message = format!(
                            "`{key}` is not a field of {owner} in {kinds} ({}), {}.",
                            at.source,
                            part.consequence()
                        );
                        if let Some(best) = did_you_mean(key, candidates.into_iter()) {
                            message.push_str(&format!(" Did you mean `{best}`?"));
                        }
                        out.push(Diagnostic::warning(
                            part.code(),
                            e.key.span.clone(),
                            message,
                        ));
                    }
                    (Below::Fields(found), _) => match wrong_shape(&e.value, &found) {
                        Some(written) => {
                            out.push(Diagnostic::warning(
                                part.shape_code(),
                                e.key.span.clone(),
                                format!(
                                    "`{key}` is {} in {kinds} ({}), but here it is {written}, {}.",
                                    expected_shape(at.catalog, &found),
                                    at.source,
                                    part.shape_consequence()
                                ),
                            ));
                        }
                        None => walk(at, &e.value, &found, out),
                    },
                }
            }
        }
        NodeKind::Sequence(items) => {
            let inner: Vec<&Shape> = shapes
                .iter()
                .filter_map(|s| match s {
                    Shape::Array(inner) => Some(&**inner),
                    _ => None,
                })
                .collect();
            // Only where every shape is a list is anything known about the items.
            if inner.len() == shapes.len() && !inner.is_empty() {
                for item in items {
                    walk(at, item, &inner, out);
                }
            }
        }
        NodeKind::Scalar(_) => {}
    }
}

/// `a map` or `a list` when `node` is one and none of `shapes` can hold it; scalars are left
/// to the value checks (`"?*"` matches an object too).
fn wrong_shape(node: &Node, shapes: &[&Shape]) -> Option<&'static str> {
    if shapes.is_empty() || shapes.iter().any(|s| matches!(s, Shape::Any)) {
        return None;
    }
    match node.kind {
        NodeKind::Mapping(_) => (!shapes
            .iter()
            .any(|s| matches!(s, Shape::Object(_) | Shape::Map(_))))
        .then_some("a map"),
        NodeKind::Sequence(_) => {
            (!shapes.iter().any(|s| matches!(s, Shape::Array(_)))).then_some("a list")
        }
        NodeKind::Scalar(_) => None,
    }
}

/// How a message names what the API has: `a list ([]Container)`, `a string`, an object.
fn expected_shape(catalog: &Catalog, shapes: &[&Shape]) -> String {
    let article = |s: &Shape| match s {
        Shape::Array(_) => "a list",
        Shape::Object(_) | Shape::Map(_) => "an object",
        Shape::IntOrString => "an integer or a string",
        Shape::Quantity => "a quantity",
        Shape::Integer | Shape::Number => "a number",
        Shape::Boolean => "a boolean",
        _ => "a string",
    };
    let mut names: Vec<String> = Vec::new();
    for s in shapes {
        let n = match s {
            Shape::Array(_) | Shape::Object(_) | Shape::Map(_) => {
                format!("{} (`{}`)", article(s), catalog.describe(s))
            }
            _ => article(s).to_string(),
        };
        if !names.contains(&n) {
            names.push(n);
        }
    }
    names.join(" or ")
}

/// The types the message names (`PodSecurityContext`, `DeploymentSpec or StatefulSetSpec`).
pub(super) fn owner_name(catalog: &Catalog, shapes: &[&Shape]) -> String {
    let mut names: Vec<String> = Vec::new();
    for s in shapes {
        let n = catalog.describe(s);
        if !names.contains(&n) {
            names.push(n);
        }
    }
    names.join(" or ")
}
