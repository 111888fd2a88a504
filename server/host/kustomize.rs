//! Policies assembled by kustomize. A folder with a `kustomization.yaml` names resource files
//! (and other kustomization folders), patches them and renames them; `kustomize build` prints
//! the result. The policies of that output are analysed through the one analysis path, and
//! each finding is placed back on the file that wrote it: the resource is found by its
//! identity (kind and name, through the overlays' `namePrefix`, `nameSuffix` and `namespace`),
//! the line by the finding's key path, in the last patch that wrote that path if one did.
//!
//! Building runs `kustomize`, which the core may not do: a shell builds (through [`Builder`])
//! and this module only reads the kustomizations and the output. It reads the kustomizations
//! first, so that one naming a remote resource (which kustomize would fetch) or a path outside
//! the workspace is never built.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::Render;
use crate::analysis::{Analysis, Inputs};
use crate::diag::{Diagnostic, Related, Severity, Span};
use crate::samples::SourceFile;
use crate::testing::paths;
use crate::vfs::Files;
use crate::yaml::{Limits, Node, NodeKind};

/// The file names kustomize looks for in a folder, in its order.
pub const KUSTOMIZATION_NAMES: &[&str] =
    &["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// Builds kustomizations. Implemented by the shells, which may start processes; `read` is
/// every file the build reads, for the shell's cache.
pub trait Builder: Send + Sync {
    fn build(&self, dir: &Path, read: &[PathBuf]) -> Render;
}

/// Whether the file at `path` is a kustomization by its name.
pub fn is_kustomization(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| KUSTOMIZATION_NAMES.contains(&n))
}

/// The kustomization file of the folder `dir` and its text, as kustomize picks it.
fn kustomization_in(files: &dyn Files, dir: &Path) -> Option<(PathBuf, String)> {
    KUSTOMIZATION_NAMES.iter().find_map(|n| {
        let p = dir.join(n);
        files.read(&p).ok().map(|t| (p, t))
    })
}

/// A resource document that a kustomization (or one of the folders it names) reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub file: PathBuf,
    /// The document's range in the file.
    pub doc: Span,
    pub kind: String,
    /// Its name as written, then after each kustomization's prefix and suffix on the way up.
    pub names: Vec<String>,
    /// Its namespace in the output, when one is written or set.
    pub namespace: Option<String>,
    /// The patches that apply to it, in the order kustomize applies them.
    pub patches: Vec<Patch>,
}

/// A patch of a resource: a file and the document (or operation list) in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patch {
    pub file: PathBuf,
    /// The document's range in the file; for an inline patch, the string's in the
    /// kustomization.
    pub doc: Span,
    /// A list of JSON patch operations rather than a strategic-merge document.
    pub json: bool,
    /// Written as a string in the kustomization (`patches[].patch`).
    pub inline: bool,
}

/// Something that stops a kustomization from being built, at the place that names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub file: PathBuf,
    pub span: Span,
    pub message: String,
}

/// What a kustomization reads, found without building it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// The kustomization file.
    pub file: PathBuf,
    pub sources: Vec<Source>,
    /// Why it is not built (remote resources, paths out of the workspace).
    pub refused: Vec<Refusal>,
    /// Every file read: kustomizations, resources and patches.
    pub read: Vec<PathBuf>,
}

impl Plan {
    /// Whether a resource it reads is a policy of a kind the analysis knows.
    pub fn has_policies(&self) -> bool {
        self.sources.iter().any(|s| is_policy_kind(&s.kind))
    }
}

fn is_policy_kind(kind: &str) -> bool {
    crate::policy::PolicyKind::ALL
        .iter()
        .any(|k| k.as_str() == kind)
}

/// The plan of the kustomization in the folder `dir` (inside `root`), or None when the folder
/// has none.
pub fn plan(files: &dyn Files, root: &Path, dir: &Path) -> Option<Plan> {
    let (file, _) = kustomization_in(files, dir)?;
    let mut plan = Plan {
        file,
        ..Plan::default()
    };
    let mut stack = Vec::new();
    level(files, root, dir, &mut plan, &mut stack);
    plan.read.sort();
    plan.read.dedup();
    Some(plan)
}

/// Reads the kustomization of `dir` into `plan` and returns the indices of the sources it
/// (and the folders it names) brought. `stack` holds the folders being read, against cycles.
fn level(
    files: &dyn Files,
    root: &Path,
    dir: &Path,
    plan: &mut Plan,
    stack: &mut Vec<PathBuf>,
) -> Vec<usize> {
    let Some((file, text)) = kustomization_in(files, dir) else {
        return Vec::new();
    };
    // A cycle is kustomize's own error; it fetches nothing.
    if stack.contains(&dir.to_path_buf()) {
        return Vec::new();
    }
    if stack.len() >= crate::limits::MAX_KUSTOMIZE_DEPTH
        || plan.read.len() >= crate::limits::MAX_KUSTOMIZE_FILES
    {
        // What is not read is not checked for remote entries: not built.
        plan.refused.push(Refusal {
            file,
            span: 0..0,
            message: past_limits(),
        });
        return Vec::new();
    }
    plan.read.push(file.clone());
    stack.push(dir.to_path_buf());
    let docs = crate::yaml::parse(&text, &Limits::default());
    let Some(k) = docs.first().and_then(|d| d.root.as_ref()) else {
        stack.pop();
        return Vec::new();
    };
    let mut mine = Vec::new();
    let mut refuse = |plan: &mut Plan, span: Span, message: String| {
        plan.refused.push(Refusal {
            file: file.clone(),
            span,
            message,
        })
    };
    // A path kustomize reads, checked as kyverno-ls reads paths. Where kustomize loads
    // resources (`repository`), it takes what is neither a file nor a folder here for a remote
    // repository (`gh:`, `git::`, `github.com:`...) and fetches it, so that must be present;
    // elsewhere it fetches only URLs, and a missing file is its own error.
    let resolve_text = |plan: &mut Plan,
                        written: &str,
                        span: Span,
                        repository: bool,
                        refuse: &mut dyn FnMut(&mut Plan, Span, String)| {
        let mut real = |p: &Path| files.real(p);
        let refused = match paths::check(dir, written, root, &mut real) {
            Ok(p) if !repository || files.read(&p).is_ok() || files.list(&p).is_some() => {
                return Some(p);
            }
            Ok(_) => format!(
                "`{written}` is neither a file nor a folder here: kustomize would take it for a remote repository and fetch it, and kyverno-ls builds only local kustomizations."
            ),
            Err(paths::Refusal::Url) => format!(
                "`{written}` is remote: kustomize would fetch it, and kyverno-ls builds only local kustomizations."
            ),
            Err(other) => other.message(written, "the workspace"),
        };
        refuse(plan, span, refused);
        None
    };
    let resolve = |plan: &mut Plan,
                   node: &Node,
                   repository: bool,
                   refuse: &mut dyn FnMut(&mut Plan, Span, String)| {
        resolve_text(plan, node.as_str()?, node.span.clone(), repository, refuse)
    };
    // `bases` is the older name of `resources` for folders; `components` are folders too.
    for key in ["resources", "bases", "components"] {
        for node in k.get(key).and_then(Node::as_sequence).into_iter().flatten() {
            if plan.read.len() >= crate::limits::MAX_KUSTOMIZE_FILES {
                refuse(plan, node.span.clone(), past_limits());
                break;
            }
            let Some(path) = resolve(plan, node, true, &mut refuse) else {
                continue;
            };
            if kustomization_in(files, &path).is_some() {
                mine.extend(level(files, root, &path, plan, stack));
            } else if let Ok(text) = files.read(&path) {
                plan.read.push(path.clone());
                mine.extend(resources(&path, &text, plan));
            }
        }
    }
    // Patches name their targets by the names the resources have at this level, or before.
    // A patch file: its documents, each a patch of the resources its target (or, for a
    // strategic-merge document without one, its own kind and name) selects.
    let patch_file = |plan: &mut Plan,
                      node: &Node,
                      target: Option<&Node>,
                      refuse: &mut dyn FnMut(&mut Plan, Span, String)| {
        let Some(path) = resolve(plan, node, false, refuse) else {
            return;
        };
        let Ok(text) = files.read(&path) else { return };
        plan.read.push(path.clone());
        for doc in crate::yaml::parse(&text, &Limits::default()) {
            if let Some(r) = doc.root.as_ref() {
                let at = Patch {
                    file: path.clone(),
                    doc: doc.span.clone(),
                    json: r.as_sequence().is_some(),
                    inline: false,
                };
                add_patch(plan, &mine, r, target, at);
            }
        }
    };
    // A patch written in the kustomization itself, as a string.
    let inline = |plan: &mut Plan, node: &Node, target: Option<&Node>| {
        let Some(r) = node
            .as_scalar()
            .and_then(|s| crate::yaml::parse_chunk(&s.text, &Limits::default()))
            .and_then(|d| d.root)
        else {
            return;
        };
        let at = Patch {
            file: file.clone(),
            doc: node.span.clone(),
            json: r.as_sequence().is_some(),
            inline: true,
        };
        add_patch(plan, &mine, &r, target, at);
    };
    for node in k
        .get("patchesStrategicMerge")
        .and_then(Node::as_sequence)
        .into_iter()
        .flatten()
    {
        // An entry is a file, or the patch itself written inline.
        match node.as_str() {
            // kustomize reads an entry that is no file as the patch itself.
            Some(s) if s.contains('\n') || s.trim_start().starts_with('{') => {
                inline(plan, node, None)
            }
            _ => patch_file(plan, node, None, &mut refuse),
        }
    }
    for key in ["patches", "patchesJson6902"] {
        for p in k.get(key).and_then(Node::as_sequence).into_iter().flatten() {
            if let Some(node) = p.get("path") {
                patch_file(plan, node, p.get("target"), &mut refuse);
            } else if let Some(node) = p.get("patch") {
                inline(plan, node, p.get("target"));
            }
        }
    }
    // The other fields whose entries kustomize loads, and may fetch: checked like resources,
    // and read, so that a change to them builds again.
    for (node, written, repository) in other_paths(k) {
        if let Some(path) = resolve_text(plan, written, node.span.clone(), repository, &mut refuse)
        {
            if files.read(&path).is_ok() {
                plan.read.push(path);
            } else if let Some((file, _)) = kustomization_in(files, &path) {
                plan.read.push(file);
            }
        }
    }
    let text_of = |key: &str| k.get(key).and_then(Node::as_str).unwrap_or("");
    let (prefix, suffix) = (text_of("namePrefix"), text_of("nameSuffix"));
    let namespace = k.get("namespace").and_then(Node::as_str);
    for &i in &mine {
        let s = &mut plan.sources[i];
        if !prefix.is_empty() || !suffix.is_empty() {
            let last = s.names.last().cloned().unwrap_or_default();
            s.names.push(format!("{prefix}{last}{suffix}"));
        }
        if let Some(ns) = namespace {
            s.namespace = Some(ns.to_string());
        }
    }
    stack.pop();
    mine
}

fn past_limits() -> String {
    format!(
        "kyverno-ls reads at most {} nested kustomizations and {} files of one build; past that it cannot check what kustomize would fetch, so it does not build this one.",
        crate::limits::MAX_KUSTOMIZE_DEPTH,
        crate::limits::MAX_KUSTOMIZE_FILES
    )
}

/// The entries of a kustomization's other fields that name files or folders kustomize loads:
/// generators, transformers and validators (those not written inline), the files of
/// ConfigMap and Secret generators (`key=path` too), `openapi.path`, `crds`, `configurations`
/// and the `path` of `replacements`.
fn other_paths(k: &Node) -> Vec<(&Node, &str, bool)> {
    let mut out = Vec::new();
    let list = |key: &str| k.get(key).and_then(Node::as_sequence).unwrap_or(&[]);
    // Generators, transformers and validators are loaded as resources are, repositories too.
    for (key, repository) in [
        ("generators", true),
        ("transformers", true),
        ("validators", true),
        ("crds", false),
        ("configurations", false),
    ] {
        for n in list(key) {
            if let Some(t) = n.as_str().filter(|t| !t.contains('\n')) {
                out.push((n, t, repository));
            }
        }
    }
    for key in ["configMapGenerator", "secretGenerator"] {
        for g in list(key) {
            for field in ["files", "envs"] {
                for n in g.get(field).and_then(Node::as_sequence).unwrap_or(&[]) {
                    if let Some(t) = n.as_str() {
                        out.push((n, t.split_once('=').map_or(t, |(_, p)| p), false));
                    }
                }
            }
            if let Some(n) = g.get("env") {
                if let Some(t) = n.as_str() {
                    out.push((n, t, false));
                }
            }
        }
    }
    for r in list("replacements") {
        if let Some(n) = r.get("path") {
            if let Some(t) = n.as_str() {
                out.push((n, t, false));
            }
        }
    }
    if let Some(n) = k.get("openapi").and_then(|o| o.get("path")) {
        if let Some(t) = n.as_str() {
            out.push((n, t, false));
        }
    }
    out
}

/// Records `patch` (whose tree is `root`) on the sources among `mine` that `target` selects
/// (kind and name; no target: a strategic-merge document's own kind and name, a JSON patch's
/// every source).
fn add_patch(plan: &mut Plan, mine: &[usize], root: &Node, target: Option<&Node>, patch: Patch) {
    let (kind, name) = match target {
        // kustomize reads a target's kind and name as regular expressions and also selects by
        // labels and annotations; such a patch is not placed (its findings fall back to the
        // resource file) rather than placed on the wrong resources.
        Some(t)
            if t.get("labelSelector").is_some()
                || t.get("annotationSelector").is_some()
                || ["kind", "name"].iter().any(|k| {
                    t.get(k)
                        .and_then(Node::as_str)
                        .is_some_and(|v| v.contains(|c: char| "\\*+?()[]{}|^$".contains(c)))
                }) =>
        {
            return;
        }
        Some(t) => (
            t.get("kind").and_then(Node::as_str),
            t.get("name").and_then(Node::as_str),
        ),
        None if patch.json => (None, None),
        None => (
            root.get("kind").and_then(Node::as_str),
            root.get("metadata").and_then(|m| m.get("name")?.as_str()),
        ),
    };
    for &i in mine {
        let s = &mut plan.sources[i];
        if kind.is_some_and(|k| k != s.kind)
            || name.is_some_and(|n| !s.names.iter().any(|x| x == n))
        {
            continue;
        }
        s.patches.push(patch.clone());
    }
}

/// The resource documents of a file, added to `plan`; their indices.
fn resources(path: &Path, text: &str, plan: &mut Plan) -> Vec<usize> {
    let mut out = Vec::new();
    for doc in crate::yaml::parse(text, &Limits::default()) {
        let Some(r) = doc.root.as_ref() else { continue };
        let (Some(kind), Some(name)) = (
            r.get("kind").and_then(Node::as_str),
            r.get("metadata").and_then(|m| m.get("name")?.as_str()),
        ) else {
            continue;
        };
        let namespace = r.get("metadata").and_then(|m| m.get("namespace")?.as_str());
        out.push(plan.sources.len());
        plan.sources.push(Source {
            file: path.to_path_buf(),
            doc: doc.span.clone(),
            kind: kind.to_string(),
            names: vec![name.to_string()],
            namespace: namespace.map(str::to_string),
            patches: Vec::new(),
        });
    }
    out
}

/// One step of a key path: a mapping key, or a sequence item (its position, and its `name`
/// when it has one, which finds it again however the items were reordered).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Item(usize, Option<String>),
}

/// The key path from `root` to the node holding byte `at`, whether `at` is on the last key
/// itself, and the innermost node.
fn path_to(root: &Node, at: usize) -> (Vec<Step>, bool, &Node) {
    let mut steps = Vec::new();
    let mut node = root;
    loop {
        match &node.kind {
            NodeKind::Mapping(entries) => {
                let Some(e) = entries
                    .iter()
                    .find(|e| e.key.span.start <= at && at < e.value.span.end.max(e.key.span.end))
                else {
                    return (steps, false, node);
                };
                steps.push(Step::Key(e.key.key_string()));
                if e.key.span.contains(&at) {
                    return (steps, true, &e.key);
                }
                node = &e.value;
            }
            NodeKind::Sequence(items) => {
                let Some((k, item)) = items.iter().enumerate().find(|(_, n)| n.span.contains(&at))
                else {
                    return (steps, false, node);
                };
                let name = item.get("name").and_then(Node::as_str).map(str::to_string);
                steps.push(Step::Item(k, name));
                node = item;
            }
            NodeKind::Scalar(_) => return (steps, false, node),
        }
    }
}

/// Follows `steps` down `root`: how many were found, the node reached, and the span of the
/// last key found (where a finding on a missing child is shown).
fn follow<'a>(root: &'a Node, steps: &[Step]) -> (usize, &'a Node, Option<Span>) {
    let mut node = root;
    let mut key = None;
    for (i, step) in steps.iter().enumerate() {
        let next = match step {
            Step::Key(k) => node.entry(k).map(|e| {
                key = Some(e.key.span.clone());
                &e.value
            }),
            Step::Item(k, name) => {
                let items = node.as_sequence().unwrap_or(&[]);
                let named = name.as_deref().and_then(|n| {
                    items
                        .iter()
                        .find(|it| it.get("name").and_then(Node::as_str) == Some(n))
                });
                match name {
                    Some(_) => named,
                    None => items.get(*k),
                }
            }
        };
        match next {
            Some(n) => node = n,
            None => return (i, node, key),
        }
    }
    (steps.len(), node, key)
}

/// A place in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Place {
    file: PathBuf,
    span: Span,
}

/// A file's text and its documents.
type Parsed = (Arc<String>, Vec<crate::yaml::Document>);

/// The files a build's findings are placed in, parsed once.
struct Texts<'a> {
    files: &'a dyn Files,
    read: HashMap<PathBuf, Option<Parsed>>,
}

impl Texts<'_> {
    fn get(&mut self, path: &Path) -> Option<&Parsed> {
        self.read
            .entry(path.to_path_buf())
            .or_insert_with(|| {
                let text = self.files.read(path).ok()?;
                let docs = crate::yaml::parse(&text, &Limits::default());
                Some((Arc::new(text), docs))
            })
            .as_ref()
    }

    /// The text and tree of a patch, and for one written inline the map from its string to
    /// the kustomization's text.
    fn patch(
        &mut self,
        patch: &Patch,
    ) -> Option<(Arc<String>, Node, Option<crate::yaml::ValueMap>)> {
        if !patch.inline {
            let (text, root, _) = self.tree(&patch.file, &patch.doc)?;
            return Some((text, root, None));
        }
        let (text, docs) = self.get(&patch.file)?;
        let node = docs
            .iter()
            .find_map(|d| d.root.as_ref()?.find(&patch.doc))?;
        let value = node.as_scalar()?.text.clone();
        let map = crate::yaml::value_map(text, node)?;
        let root = crate::yaml::parse_chunk(&value, &Limits::default())?.root?;
        Some((Arc::new(value), root, Some(map)))
    }

    /// The tree of the document at `doc` of the file at `path` (found again in the text read
    /// now, which the editor may have changed since the plan), and its range.
    fn tree(&mut self, path: &Path, doc: &Span) -> Option<(Arc<String>, Node, Span)> {
        let (text, docs) = self.get(path)?;
        let d = docs.iter().find(|d| d.span.start == doc.start)?;
        Some((text.clone(), d.root.clone()?, d.span.clone()))
    }
}

/// Where the finding at `span` of the output document `out` (tree `out_root`) was written.
fn place(
    texts: &mut Texts,
    source: &Source,
    out: &str,
    out_root: &Node,
    span: &Span,
) -> Option<Place> {
    let (steps, on_key, leaf) = path_to(out_root, span.start);
    // The identity fields are the resource's, even where a patch repeats them to name it.
    let identity = matches!(steps.first(), Some(Step::Key(k)) if k == "kind" || k == "apiVersion")
        || matches!(steps.as_slice(), [Step::Key(m), Step::Key(n), ..] if m == "metadata" && (n == "name" || n == "namespace"));
    if !identity {
        for patch in source.patches.iter().rev() {
            let Some((text, root, inline)) = texts.patch(patch) else {
                continue;
            };
            let found = if patch.json {
                json_patch_place(&root, &steps)
            } else {
                let (n, node, key) = follow(&root, &steps);
                (n == steps.len()).then_some((node.clone(), key))
            };
            if let Some((node, key)) = found {
                let span = refine(&text, &node, key, on_key, out, leaf, span);
                // An inline patch's place in its string, then in the kustomization.
                let span = match inline {
                    Some(map) => map.span(span),
                    None => span,
                };
                return Some(Place {
                    file: patch.file.clone(),
                    span,
                });
            }
        }
    }
    let (text, root, range) = texts.tree(&source.file, &source.doc)?;
    let (n, node, key) = follow(&root, &steps);
    let span = if n == steps.len() {
        refine(&text, node, key, on_key, out, leaf, span)
    } else {
        key.unwrap_or_else(|| super::helm::first_line(&text, range))
    };
    Some(Place {
        file: source.file.clone(),
        span,
    })
}

/// The node a JSON patch operation list writes at `steps` (an `add` or `replace` whose
/// `path` leads there, followed down its `value`), with the last key found.
fn json_patch_place(ops: &Node, steps: &[Step]) -> Option<(Node, Option<Span>)> {
    let tokens: Vec<String> = steps
        .iter()
        .map(|s| match s {
            Step::Key(k) => k.clone(),
            Step::Item(i, _) => i.to_string(),
        })
        .collect();
    for op in ops.as_sequence()?.iter().rev() {
        let kind = op.get("op").and_then(Node::as_str);
        if !matches!(kind, Some("add" | "replace")) {
            continue;
        }
        let (Some(pointer), Some(value)) = (op.get("path").and_then(Node::as_str), op.get("value"))
        else {
            continue;
        };
        let parts: Vec<String> = pointer
            .split('/')
            .skip(1)
            .map(|p| p.replace("~1", "/").replace("~0", "~"))
            .collect();
        let prefix = parts.len() <= tokens.len()
            && parts
                .iter()
                .zip(&tokens)
                .all(|(p, t)| p == t || (p == "-" && t.parse::<usize>().is_ok()));
        if !prefix {
            continue;
        }
        let (n, node, key) = follow(value, &steps[parts.len()..]);
        if n == steps.len() - parts.len() {
            let key = key.or_else(|| op.entry("value").map(|e| e.key.span.clone()));
            return Some((node.clone(), key));
        }
    }
    None
}

/// The span in `text` of a finding at `span` of the output, now that its node is known:
/// the key when the finding is on the key, the same characters of a scalar holding the same
/// value, the whole scalar otherwise, and the key of a collection.
fn refine(
    text: &str,
    node: &Node,
    key: Option<Span>,
    on_key: bool,
    out: &str,
    leaf: &Node,
    span: &Span,
) -> Span {
    if on_key {
        return key.unwrap_or(node.span.clone());
    }
    match (node.as_scalar(), leaf.as_scalar()) {
        (Some(mine), Some(theirs)) => {
            let whole = span.start <= leaf.span.start && leaf.span.end <= span.end;
            if mine.text == theirs.text && !whole {
                let (Some(out_map), Some(my_map)) = (
                    crate::yaml::value_map(out, leaf),
                    crate::yaml::value_map(text, node),
                ) else {
                    return node.span.clone();
                };
                match (out_map.to_value(span.start), out_map.to_value(span.end)) {
                    (Some(a), Some(b)) => my_map.span(a..b),
                    _ => node.span.clone(),
                }
            } else {
                node.span.clone()
            }
        }
        _ => key.unwrap_or_else(|| super::helm::first_line(text, node.span.clone())),
    }
}

/// The source of an output document: the resource with its kind and final name (and
/// namespace, among several), or kustomize's origin annotation when the kustomization asks
/// for it (`buildMetadata: [originAnnotations]`).
fn source_of<'a>(plan: &'a Plan, dir: &Path, root: &Node) -> Option<&'a Source> {
    let kind = root.get("kind").and_then(Node::as_str)?;
    let meta = root.get("metadata");
    let name = meta.and_then(|m| m.get("name")?.as_str())?;
    let namespace = meta.and_then(|m| m.get("namespace")?.as_str());
    let origin = meta
        .and_then(|m| {
            m.get("annotations")?
                .get("config.kubernetes.io/origin")?
                .as_str()
        })
        .and_then(|o| {
            o.lines()
                .find_map(|l| l.trim().strip_prefix("path:"))
                .map(|p| paths::normalize(&dir.join(p.trim().trim_matches(['"', '\'']))))
        });
    let same: Vec<&Source> = plan
        .sources
        .iter()
        .filter(|s| s.kind == kind && s.names.last().is_some_and(|n| n == name))
        .collect();
    if let Some(o) = origin
        && let Some(s) = same.iter().find(|s| s.file == o)
    {
        return Some(s);
    }
    match same.as_slice() {
        [] => None,
        [one] => Some(one),
        many => many
            .iter()
            .find(|s| s.namespace.as_deref() == namespace)
            .or(many.first())
            .copied(),
    }
}

/// The diagnostics that building the kustomization of `dir` (plan `plan`, output `render`)
/// gives the file at `path` (text `text`, with `plain` its own analysis's diagnostics, which
/// are not repeated): its policies' findings placed where they were written, and on the
/// kustomization file itself why it was not built. `inputs` gives the inputs of a
/// resource file's analysis, `analyze` is the one analysis path.
#[allow(clippy::too_many_arguments)]
pub fn diagnostics_for(
    files: &dyn Files,
    root: &Path,
    plan: &Plan,
    render: &Render,
    path: &Path,
    text: &str,
    plain: &[Diagnostic],
    inputs: &dyn Fn(&Path) -> Inputs,
    analyze: &dyn Fn(&str, &Inputs) -> Analysis,
) -> Vec<Diagnostic> {
    let dir = plan.file.parent().unwrap_or(root);
    let own = plan.file == path;
    let first = super::helm::first_line(text, 0..text.len());
    let shown = match dir.strip_prefix(root) {
        Ok(p) if p.as_os_str().is_empty() => ".".to_string(),
        Ok(p) => p.display().to_string(),
        Err(_) => dir.display().to_string(),
    };
    let mut out = Vec::new();
    if !plan.refused.is_empty() {
        if own {
            for r in &plan.refused {
                let span = if r.file == path {
                    r.span.clone()
                } else {
                    first.clone()
                };
                out.push(Diagnostic::new(
                    "kustomize-not-built",
                    Severity::Information,
                    span,
                    format!(
                        "This kustomization is not built, so the policies it assembles are not checked: {}",
                        r.message
                    ),
                ));
            }
        }
        return out;
    }
    let output = match render {
        Render::Unavailable(why) => {
            if own {
                out.push(Diagnostic::new(
                    "kustomize-not-found",
                    Severity::Information,
                    first,
                    format!(
                        "This kustomization assembles policies: kyverno-ls checks what `kustomize build` makes of them. {why} To check it, install kustomize or kubectl on PATH, or give its path: the `kyverno.kustomize.path` setting in the editor, `--kustomize PATH` for `kyverno-ls check`."
                    ),
                ));
            }
            return out;
        }
        Render::Failed(message) => {
            if own {
                let span = error_line(text, message).unwrap_or(first);
                out.push(Diagnostic::error(
                    "kustomize-build-failed",
                    span,
                    format!(
                        "kustomize cannot build this kustomization, so the policies it assembles are not checked: {}",
                        message.trim()
                    ),
                ));
            }
            return out;
        }
        Render::Rendered(output) => output,
    };
    let kustomization = Arc::new(SourceFile {
        path: plan.file.display().to_string(),
        text: files.read(&plan.file).unwrap_or_default(),
    });
    let k_first = super::helm::first_line(&kustomization.text, 0..kustomization.text.len());
    let mut texts = Texts {
        files,
        read: HashMap::new(),
    };
    for range in crate::yaml::document_ranges(output) {
        let doc = &output[range];
        let Some(parsed) = crate::yaml::parse_chunk(doc, &Limits::default()) else {
            continue;
        };
        let Some(doc_root) = parsed.root.as_ref() else {
            continue;
        };
        let kind = doc_root.get("kind").and_then(Node::as_str).unwrap_or("");
        if !is_policy_kind(kind) {
            continue;
        }
        let source = source_of(plan, dir, doc_root);
        let home = source.map_or(plan.file.as_path(), |s| s.file.as_path());
        // Only the files this document's findings can land in: its resource, its patches,
        // and the kustomization for a document without a resource.
        let concerns =
            home == path || source.is_some_and(|s| s.patches.iter().any(|p| p.file == path));
        if !concerns {
            continue;
        }
        let analysis = analyze(doc, &inputs(home));
        let tree = analysis
            .documents
            .iter()
            .find_map(|p| p.doc.root.as_ref())
            .unwrap_or(doc_root);
        for mut d in analysis.diagnostics {
            let at = source.and_then(|s| place(&mut texts, s, doc, tree, &d.span));
            let at = at.unwrap_or_else(|| Place {
                file: plan.file.clone(),
                span: k_first.clone(),
            });
            if at.file != path {
                continue;
            }
            let snippet = super::helm::line_of(doc, d.span.start).trim().to_string();
            // The same finding on the same characters: the file's own analysis shows it.
            if plain
                .iter()
                .any(|p| p.code == d.code && p.span == at.span && p.message == d.message)
            {
                continue;
            }
            let mut related = Vec::new();
            for mut r in std::mem::take(&mut d.related) {
                if r.file.is_some() {
                    related.push(r);
                    continue;
                }
                if let Some(p) = source.and_then(|s| place(&mut texts, s, doc, tree, &r.span)) {
                    if p.file == path {
                        r.span = p.span;
                    } else {
                        let Some((t, _)) = texts.get(&p.file) else {
                            continue;
                        };
                        r.file = Some(Arc::new(SourceFile {
                            path: p.file.display().to_string(),
                            text: t.to_string(),
                        }));
                        r.span = p.span;
                    }
                    related.push(r);
                }
            }
            if !own {
                related.push(Related {
                    span: k_first.clone(),
                    message: "the kustomization whose build has this finding".into(),
                    file: Some(kustomization.clone()),
                });
            }
            d.related = related;
            d.span = at.span;
            d.message = format!(
                "{} (in kustomize's build of `{shown}`: `{snippet}`)",
                d.message
            );
            out.push(d);
        }
    }
    out
}

/// The note on a file with unsaved edits that builds placed findings on: kustomize reads the
/// files on disk, so the findings are from the file as last saved (placed on its current text
/// by key path).
pub fn unsaved_note(text: &str) -> Diagnostic {
    Diagnostic::new(
        "kustomize-unsaved",
        Severity::Information,
        super::helm::first_line(text, 0..text.len()),
        "The findings of kustomize's builds here are from this file as last saved: kustomize reads the files on disk. Save to check your edits.",
    )
}

/// The line of the kustomization that kustomize's error names: `yaml: line N`, else the
/// entry whose path the error quotes.
fn error_line(text: &str, message: &str) -> Option<Span> {
    let docs = crate::yaml::parse(text, &Limits::default());
    let root = docs.first().and_then(|d| d.root.as_ref());
    let mut entries: Vec<&Node> = Vec::new();
    for key in ["resources", "bases", "components", "patchesStrategicMerge"] {
        entries.extend(
            root.and_then(|r| r.get(key))
                .and_then(Node::as_sequence)
                .into_iter()
                .flatten(),
        );
    }
    for key in ["patches", "patchesJson6902"] {
        for p in root
            .and_then(|r| r.get(key))
            .and_then(Node::as_sequence)
            .into_iter()
            .flatten()
        {
            entries.extend(p.get("path"));
        }
    }
    // The entry whose file the message names; its `yaml: line` is then that file's.
    let named = entries
        .into_iter()
        .filter_map(|n| Some((n.as_str()?, n)))
        .filter(|(p, _)| !p.is_empty())
        .find(|(p, _)| {
            message.contains(&format!("'{p}'"))
                || message.contains(&format!("[{p}]"))
                || message.contains(&format!("File: {p}"))
                || message.contains(&format!("path {p} "))
                || message.contains(&format!("/{}'", p.trim_start_matches("./")))
        })
        .map(|(_, n)| n.span.clone());
    if named.is_some() {
        return named;
    }
    let at = message.find("yaml: line ")?;
    let digits: String = message[at + 11..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits
        .parse()
        .ok()
        .and_then(|n| super::helm::line_span(text, n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vfs::tests::MemFiles;

    const POLICY: &str = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: no-latest\nspec:\n  rules:\n  - name: no-latest\n    match:\n      any:\n      - resources:\n          kinds: [Pod]\n    validate:\n      failureAction: Audit\n      deny:\n        conditions:\n          any:\n          - key: \"{{ request.operation }}\"\n            operator: In\n            value: [CONNECT]\n";

    fn files() -> MemFiles {
        MemFiles::new(&[
            ("/r/base/kustomization.yaml", "resources:\n- policy.yaml\n"),
            ("/r/base/policy.yaml", POLICY),
            (
                "/r/prod/kustomization.yaml",
                "resources:\n- ../base\n- https://example.com/x.yaml\nnamePrefix: prod-\npatchesJson6902:\n- target: {kind: ClusterPolicy, name: no-latest}\n  path: patch.yaml\n",
            ),
            (
                "/r/prod/patch.yaml",
                "- op: add\n  path: /spec/rules/0/validate/message\n  value: \"{{ request.object.metadata.name | to_uper(@) }}\"\n",
            ),
            (
                "/r/loop/kustomization.yaml",
                "resources: [../loop, ../../etc]\n",
            ),
        ])
    }

    #[test]
    fn plans_follow_bases_prefixes_and_patches() {
        let f = files();
        let plan = plan(&f, Path::new("/r"), Path::new("/r/prod")).unwrap();
        assert_eq!(plan.sources.len(), 1);
        let s = &plan.sources[0];
        assert_eq!(s.names, ["no-latest", "prod-no-latest"]);
        assert_eq!(s.patches.len(), 1);
        assert!(s.patches[0].json);
        assert_eq!(
            plan.refused,
            [Refusal {
                file: PathBuf::from("/r/prod/kustomization.yaml"),
                span: 23..49,
                message: "`https://example.com/x.yaml` is remote: kustomize would fetch it, and kyverno-ls builds only local kustomizations.".into(),
            }]
        );
        assert!(plan.has_policies());
        // A folder naming itself, and a path out of the workspace.
        let looped = super::plan(&f, Path::new("/r"), Path::new("/r/loop")).unwrap();
        assert_eq!(looped.sources, []);
        assert_eq!(looped.refused.len(), 1);
        assert!(
            looped.refused[0].message.contains("outside the workspace"),
            "{:?}",
            looped.refused
        );
    }

    /// Whatever kustomize would fetch keeps a kustomization from being built: remote entries
    /// of any field it loads, entries that are neither a file nor a folder here (kustomize takes
    /// them for repositories: `gh:`, `git::`, `github.com:`), and what the limits leave unread.
    #[test]
    fn what_kustomize_would_fetch_is_refused() {
        let refusals = |kustomization: &str| -> Vec<String> {
            let f = MemFiles::new(&[
                ("/r/o/kustomization.yaml", kustomization),
                ("/r/o/policy.yaml", POLICY),
                ("/r/o/values.env", "A=1\n"),
            ]);
            plan(&f, Path::new("/r"), Path::new("/r/o"))
                .unwrap()
                .refused
                .into_iter()
                .map(|r| format!("{:?} {}", r.span, r.message))
                .collect()
        };
        let fetched = |what: &str| {
            format!(
                "`{what}` is neither a file nor a folder here: kustomize would take it for a remote repository and fetch it, and kyverno-ls builds only local kustomizations."
            )
        };
        assert_eq!(refusals("resources: [policy.yaml]\n"), Vec::<String>::new());
        // A missing patch file is kustomize's own error, and fetches nothing; an entry of
        // `patchesStrategicMerge` that is no file is the patch itself.
        assert_eq!(
            refusals(
                "resources: [policy.yaml]\npatches: [{path: missing.yaml}]\npatchesStrategicMerge: ['{\"kind\": \"ClusterPolicy\", \"metadata\": {\"name\": \"no-latest\"}}']\n"
            ),
            Vec::<String>::new()
        );
        assert_eq!(
            refusals("resources: [policy.yaml, gh:org/repo, 'GIT@github.com:org/repo']\n"),
            [
                format!("25..36 {}", fetched("gh:org/repo")),
                format!("38..63 {}", fetched("GIT@github.com:org/repo")),
            ]
        );
        assert_eq!(
            refusals("resources: [policy.yaml]\ntransformers: [https://example.com/t.yaml]\nconfigMapGenerator:\n- name: c\n  envs: [values.env]\n  files: [k=https://example.com/f]\n"),
            [
                "40..66 `https://example.com/t.yaml` is remote: kustomize would fetch it, and kyverno-ls builds only local kustomizations.".to_string(),
                "129..152 `https://example.com/f` is remote: kustomize would fetch it, and kyverno-ls builds only local kustomizations.".to_string(),
            ]
        );
        // A chain deeper than the limit: the last one is not read, so not checked.
        let mut chain: Vec<(String, String)> = (0..=crate::limits::MAX_KUSTOMIZE_DEPTH)
            .map(|i| {
                (
                    format!("/r/k{i}/kustomization.yaml"),
                    format!("resources: [../k{}]\n", i + 1),
                )
            })
            .collect();
        chain.push(("/r/k0/policy.yaml".into(), POLICY.into()));
        let f = MemFiles(
            chain
                .into_iter()
                .map(|(p, t)| (PathBuf::from(p), t))
                .collect(),
        );
        let deep = plan(&f, Path::new("/r"), Path::new("/r/k0")).unwrap();
        assert_eq!(
            deep.refused.iter().map(|r| &r.message).collect::<Vec<_>>(),
            [&super::past_limits()]
        );
    }

    #[test]
    fn outputs_find_their_resource_through_names_namespaces_and_origins() {
        let source = |file: &str, names: &[&str], namespace: Option<&str>| Source {
            file: PathBuf::from(file),
            doc: 0..1,
            kind: "Policy".into(),
            names: names.iter().map(|n| n.to_string()).collect(),
            namespace: namespace.map(str::to_string),
            patches: Vec::new(),
        };
        let plan = Plan {
            file: PathBuf::from("/r/o/kustomization.yaml"),
            sources: vec![
                source("/r/a/p.yaml", &["p", "prod-p-v2"], Some("a")),
                source("/r/b/p.yaml", &["p", "prod-p-v2"], Some("b")),
                source("/r/c/q.yaml", &["q"], None),
            ],
            ..Plan::default()
        };
        let found = |doc: &str| {
            let d = crate::yaml::parse_chunk(doc, &Limits::default()).unwrap();
            source_of(&plan, Path::new("/r/o"), d.root.as_ref().unwrap())
                .map(|s| s.file.display().to_string())
        };
        let doc = |name: &str, ns: &str, extra: &str| {
            format!("kind: Policy\nmetadata:\n  name: {name}\n  namespace: {ns}\n{extra}")
        };
        // The prefixed and suffixed name, the namespace deciding between two.
        assert_eq!(
            found(&doc("prod-p-v2", "b", "")).as_deref(),
            Some("/r/b/p.yaml")
        );
        assert_eq!(
            found(&doc("prod-p-v2", "a", "")).as_deref(),
            Some("/r/a/p.yaml")
        );
        // The name as written is not the output's.
        assert_eq!(found(&doc("p", "a", "")), None);
        assert_eq!(found(&doc("q", "x", "")).as_deref(), Some("/r/c/q.yaml"));
        // kustomize's origin annotation, relative to the kustomization's folder.
        let origin =
            "  annotations:\n    config.kubernetes.io/origin: |\n      path: ../b/p.yaml\n";
        assert_eq!(
            found(&doc("prod-p-v2", "a", origin)).as_deref(),
            Some("/r/b/p.yaml")
        );
    }

    #[test]
    fn a_strategic_merge_patch_gets_the_findings_on_what_it_writes() {
        let f = MemFiles::new(&[
            ("/r/base/kustomization.yaml", "resources: [policy.yaml]\n"),
            ("/r/base/policy.yaml", POLICY),
            (
                "/r/o/kustomization.yaml",
                "resources: [../base]\nnameSuffix: -o\npatchesStrategicMerge: [patch.yaml]\n",
            ),
            (
                "/r/o/patch.yaml",
                "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: no-latest\nspec:\n  webhookTimeoutSecond: 5\n",
            ),
        ]);
        let plan = plan(&f, Path::new("/r"), Path::new("/r/o")).unwrap();
        let built = POLICY.replace(
            "name: no-latest\nspec:\n",
            "name: no-latest-o\nspec:\n  webhookTimeoutSecond: 5\n",
        );
        let render = Render::Rendered(built);
        let run = |path: &str| {
            let text = f.read(Path::new(path)).unwrap();
            diagnostics_for(
                &f,
                Path::new("/r"),
                &plan,
                &render,
                Path::new(path),
                &text,
                &[],
                &|_| Inputs::default(),
                &|t, i| crate::analysis::analyze_with(t, i),
            )
            .into_iter()
            .map(|d| (d.code, text[d.span].to_string(), d.related.len()))
            .collect::<Vec<_>>()
        };
        assert_eq!(
            run("/r/o/patch.yaml"),
            [("unknown-field", "webhookTimeoutSecond".to_string(), 1)]
        );
        // The base keeps its own finding (not deduplicated here: no plain findings given).
        assert_eq!(
            run("/r/base/policy.yaml"),
            [("deprecated", "In".to_string(), 1)]
        );
        assert_eq!(run("/r/o/kustomization.yaml"), []);
    }

    #[test]
    fn inline_patches_get_the_findings_on_their_characters_in_the_kustomization() {
        let kustomization = "resources: [../base]\npatches:\n- target: {kind: ClusterPolicy}\n  patch: |-\n    - op: add\n      path: /spec/rules/0/validate/message\n      value: \"{{ request.object.metadata.name | to_uper(@) }}\"\n- patch: |\n    kind: ClusterPolicy\n    metadata: {name: no-latest}\n    spec: {webhookTimeoutSecond: 5}\n";
        let f = MemFiles::new(&[
            ("/r/base/kustomization.yaml", "resources: [policy.yaml]\n"),
            ("/r/base/policy.yaml", POLICY),
            ("/r/o/kustomization.yaml", kustomization),
        ]);
        let plan = plan(&f, Path::new("/r"), Path::new("/r/o")).unwrap();
        assert_eq!(plan.sources[0].patches.len(), 2);
        let built = POLICY
            .replace("spec:\n", "spec:\n  webhookTimeoutSecond: 5\n")
            .replace(
                "      failureAction: Audit\n",
                "      failureAction: Audit\n      message: '{{ request.object.metadata.name | to_uper(@) }}'\n",
            );
        let found: Vec<(&str, &str)> = diagnostics_for(
            &f,
            Path::new("/r"),
            &plan,
            &Render::Rendered(built),
            Path::new("/r/o/kustomization.yaml"),
            kustomization,
            &[],
            &|_| Inputs::default(),
            &|t, i| crate::analysis::analyze_with(t, i),
        )
        .into_iter()
        .map(|d| (d.code, &kustomization[d.span]))
        .collect();
        assert_eq!(
            found,
            [
                ("unknown-field", "webhookTimeoutSecond"),
                ("unknown-function", "to_uper")
            ]
        );
    }

    #[test]
    fn any_source_and_build_give_spans_on_the_files_char_boundaries() {
        let sources = [
            "",
            "kind: ClusterPolicy\nmetadata: {name: é}\n",
            "- a\n- b\n",
            "kind: ClusterPolicy\nmetadata:\n  name: é\nspec:\n  rules:\n  - name: é\n    validate: 'x'\n",
            "kind: ClusterPolicy\nmetadata: {name: é}\nspec: [\n",
        ];
        let builds = [
            "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: p-é}\nspec:\n  rules:\n  - name: é\n    match: {any: [{resources: {kinds: [Pod]}}]}\n    validate: {pattern: {x: \"{{ a.é | nope(@) }}\"}, bogus: 1}\n",
            "---\nkind: ClusterPolicy\nmetadata: {name: p-é}\n\"\": [\n---\n- - -\n",
        ];
        let patches = [
            "- op: add\n  path: /spec/rules/0/validate/bogus\n  value: {x: 1}\n",
            "spec: [\n",
            "kind: ClusterPolicy\nmetadata: {name: é}\nspec: {rules: [{name: é}]}\n",
        ];
        let mut findings = 0;
        for source in sources {
            for patch in patches {
                let f = MemFiles::new(&[
                    (
                        "/r/kustomization.yaml",
                        "resources: [s.yaml]\nnamePrefix: p-\npatches:\n- {path: patch.yaml, target: {kind: ClusterPolicy}}\n- patch: |\n    - op: add\n      path: /spec/rules/0/validate/é\n      value: {x: \"{{ é | nope(@) }}\"}\n",
                    ),
                    ("/r/s.yaml", source),
                    ("/r/patch.yaml", patch),
                ]);
                let plan = plan(&f, Path::new("/r"), Path::new("/r")).unwrap();
                for build in builds {
                    for path in ["/r/s.yaml", "/r/patch.yaml", "/r/kustomization.yaml"] {
                        let text = f.read(Path::new(path)).unwrap();
                        let out = diagnostics_for(
                            &f,
                            Path::new("/r"),
                            &plan,
                            &Render::Rendered(build.to_string()),
                            Path::new(path),
                            &text,
                            &[],
                            &|_| Inputs::default(),
                            &|t, i| crate::analysis::analyze_with(t, i),
                        );
                        findings += out.len();
                        for d in &out {
                            let related = d.related.iter().filter(|r| r.file.is_none());
                            for s in std::iter::once(&d.span).chain(related.map(|r| &r.span)) {
                                assert!(s.start <= s.end && s.end <= text.len(), "{path} {d:?}");
                                assert!(
                                    text.is_char_boundary(s.start) && text.is_char_boundary(s.end)
                                );
                            }
                        }
                    }
                }
            }
        }
        assert!(findings > 20, "{findings}");
    }

    #[test]
    fn errors_name_the_kustomization_line() {
        let t = "resources:\n- policy.yaml\n- missing.yaml\n";
        assert_eq!(
            error_line(
                t,
                "accumulating resources from 'missing.yaml': no such file"
            ),
            Some(27..39)
        );
        assert_eq!(
            error_line(t, "Load from path missing.yaml failed: x"),
            Some(27..39)
        );
        assert_eq!(
            error_line(t, "invalid Kustomization: yaml: line 2: did not find"),
            Some(11..24)
        );
        assert_eq!(error_line(t, "something else"), None);
    }
}
