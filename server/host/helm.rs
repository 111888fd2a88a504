//! Policies packaged as Helm charts. A template's raw text is Go template source, not YAML:
//! it is never parsed as a policy. The policies Helm renders from it are analysed instead, and
//! each finding is placed back on the template's line that wrote it.
//!
//! Rendering runs `helm`, which the core may not do: a shell renders the chart (through
//! [`Renderer`]) and this module only reads the rendered text.

use std::path::{Path, PathBuf};

use crate::analysis::{Analysis, Inputs, Rendered};
use crate::diag::{Diagnostic, Severity, Span};
use crate::vfs::Files;
use crate::yaml::{Node, NodeKind};

pub use super::{Render, Renderer};

/// The file names Helm reads a chart's metadata from.
const CHART_FILE: &str = "Chart.yaml";

/// What a file is to Helm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateFile {
    /// A `.tpl` helper: definitions only, nothing of its own is rendered or checked.
    Helper,
    /// A file under `templates/` of a chart.
    Template {
        /// The chart's folder (it holds `Chart.yaml`).
        chart: PathBuf,
        /// The file's path inside the chart (`templates/x.yaml`), as Helm's `# Source:`
        /// comments name it after the chart's name.
        source: String,
    },
}

/// Whether the file at `path` is a Helm template or helper: a `.tpl` file, or a file below a
/// `templates/` folder whose parent holds `Chart.yaml` (the nearest one, inside `root`).
pub fn template_of(files: &dyn Files, root: &Path, path: &Path) -> Option<TemplateFile> {
    template_where(root, path, &|chart_file| files.read(chart_file).is_ok())
}

/// [`template_of`], with `has_chart` saying whether a `Chart.yaml` path exists (for a file
/// outside any workspace, where nothing may be read but a name may be looked for).
pub fn template_where(
    root: &Path,
    path: &Path,
    has_chart: &dyn Fn(&Path) -> bool,
) -> Option<TemplateFile> {
    if path.extension().is_some_and(|x| x == "tpl") {
        return Some(TemplateFile::Helper);
    }
    for folder in path.ancestors().skip(1) {
        if !folder.starts_with(root) {
            break;
        }
        if folder.file_name().is_none_or(|n| n != "templates") {
            continue;
        }
        let chart = folder.parent()?;
        if chart.starts_with(root) && has_chart(&chart.join(CHART_FILE)) {
            let source = path.strip_prefix(chart).ok()?;
            let source = source
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            return Some(TemplateFile::Template {
                chart: chart.to_path_buf(),
                source,
            });
        }
    }
    None
}

/// The policies a test manifest names by a chart: a `policies:` entry that is a chart's folder
/// (it holds `Chart.yaml`) stands for every document Helm renders from the chart, one that is a
/// template below its `templates/` for the documents rendered from that template, with the
/// chart's default values (`kyverno test` reads files, so a manifest for a chart names its
/// render this way). Rendered by `helm`, through the shell's [`Renderer`]; without one, or
/// without Helm, such an entry is an error that says how to enable it.
pub struct ChartPolicies {
    pub helm: Option<std::sync::Arc<dyn Renderer>>,
}

impl crate::testing::Rendering for ChartPolicies {
    fn policies(&self, files: &dyn Files, path: &Path) -> Option<Result<String, String>> {
        let (chart, source) = if files.read(&path.join(CHART_FILE)).is_ok() {
            (path.to_path_buf(), None)
        } else {
            match template_where(Path::new("/"), path, &|c| files.read(c).is_ok())? {
                TemplateFile::Template { chart, source } => (chart, Some(source)),
                TemplateFile::Helper => return None,
            }
        };
        let render = match &self.helm {
            Some(helm) => helm.render(&chart),
            None => Render::Unavailable("Helm charts are not rendered here.".into()),
        };
        let output = match render {
            Render::Rendered(output) => output,
            Render::Failed(message) => {
                return Some(Err(format!(
                    "Helm cannot render the chart {}: {}",
                    chart.display(),
                    message.trim()
                )));
            }
            Render::Unavailable(why) => {
                return Some(Err(format!(
                    "this is a Helm chart, whose policies kyverno-ls tests as Helm renders them. {why} To test them, install Helm (3 or 4) on PATH, or give its path: `--helm PATH` for `kyverno-ls test` and `kyverno-ls check`, the `kyverno.helm.path` setting in the editor."
                )));
            }
        };
        let docs: String = rendered_documents(&output)
            .into_iter()
            .filter(|(s, _)| source.as_ref().is_none_or(|source| s == source))
            // Each its own document, whether or not Helm's `---` came with it.
            .map(|(_, d)| format!("---\n{d}\n"))
            .collect();
        if docs.trim().is_empty() {
            return Some(Err(
                "Helm renders nothing from it with the chart's default values.".into(),
            ));
        }
        Some(Ok(docs))
    }
}

/// Every document of a chart's render with the template it came from (`templates/x.yaml`,
/// the `# Source:` path without the chart's name), in the order Helm printed them.
pub fn rendered_documents(output: &str) -> Vec<(String, &str)> {
    let mut out: Vec<(String, &str)> = Vec::new();
    for range in crate::yaml::document_ranges(output) {
        let chunk = &output[range];
        // Helm writes the comment at the top of each document, before any YAML.
        let source = chunk
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && *l != "---")
            .take_while(|l| l.starts_with('#'))
            .find_map(|l| l.strip_prefix("# Source:"));
        let Some(source) = source else { continue };
        let source = source.trim();
        let inside = source.split_once('/').map_or(source, |(_, rest)| rest);
        out.push((inside.to_string(), chunk));
    }
    out
}

/// The analysis of the template at `source` (text `text`) in a chart whose render is `render`:
/// the documents Helm rendered from it are analysed by `analyze` (the one analysis path,
/// with the template's `inputs`), and the findings are placed on the template's lines. Only
/// diagnostics are returned: the analysed text is not the template's. `unsaved` says the
/// editor's text differs from the file Helm read.
pub fn analyze_template(
    text: &str,
    source: &str,
    render: &Render,
    inputs: &Inputs,
    unsaved: bool,
    analyze: &dyn Fn(&str, &Inputs) -> Analysis,
) -> Analysis {
    if text.len() > crate::limits::MAX_FILE_BYTES {
        let too_large = Diagnostic::error(
            "file-too-large",
            0..0,
            format!(
                "This template is over {} MiB and is not analysed.",
                crate::limits::MAX_FILE_BYTES / (1024 * 1024)
            ),
        );
        return Analysis {
            diagnostics: vec![too_large],
            rendered: Some(Vec::new()),
            ..Analysis::default()
        };
    }
    let first_line = first_line(text, 0..text.len());
    let mut diagnostics = Vec::new();
    let mut rendered = Vec::new();
    match render {
        Render::Unavailable(why) => diagnostics.push(Diagnostic::new(
            "helm-not-found",
            Severity::Information,
            first_line,
            format!(
                "This is a Helm template: kyverno-ls checks the policies Helm renders from it, not its raw text. {why} To check them, install Helm (3 or 4) on PATH, or give its path: the `kyverno.helm.path` setting in the editor, `--helm PATH` for `kyverno-ls check`."
            ),
        )),
        Render::Failed(message) => {
            let span = error_line(text, source, message).unwrap_or(first_line);
            diagnostics.push(Diagnostic::error(
                "helm-render-failed",
                span,
                format!(
                    "Helm cannot render this chart, so its policies are not checked: {}",
                    message.trim()
                ),
            ));
        }
        Render::Rendered(output) => {
            let docs: Vec<&str> = rendered_documents(output)
                .into_iter()
                .filter(|(s, _)| s == source)
                .map(|(_, d)| d)
                .collect();
            if docs.is_empty() {
                diagnostics.push(Diagnostic::new(
                    "helm-not-rendered",
                    Severity::Information,
                    first_line,
                    "Helm renders nothing from this template with the chart's values (and the values files given), so there is nothing to check here. Give values that switch it on (`kyverno.helm.values` in the editor, `--helm-values FILE` for `kyverno-ls check`) to check it.",
                ));
            } else {
                (diagnostics, rendered) = map_findings(text, &docs, inputs, analyze);
                if unsaved {
                    diagnostics.push(Diagnostic::new(
                        "helm-unsaved",
                        Severity::Information,
                        first_line,
                        "These findings are from the template as last saved: Helm renders the files on disk. Save to check your edits.",
                    ));
                }
            }
        }
    }
    diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
    // Every rendered document had the template's inputs, so the same samples: the editor lists
    // and picks them on the template.
    let (samples, current_sample) = rendered.first().map_or((Vec::new(), None), |r| {
        (
            r.analysis.samples.clone(),
            r.analysis.current_sample.clone(),
        )
    });
    Analysis {
        diagnostics,
        samples,
        current_sample,
        rendered: Some(rendered),
        ..Analysis::default()
    }
}

/// Analyses the rendered documents of one template and maps their findings onto its text.
/// Returns them, and each document with its analysis.
fn map_findings(
    text: &str,
    docs: &[&str],
    inputs: &Inputs,
    analyze: &dyn Fn(&str, &Inputs) -> Analysis,
) -> (Vec<Diagnostic>, Vec<Rendered>) {
    let view = Unescaped::new(text);
    let regions = crate::yaml::document_ranges(&view.text);
    let mut out = Vec::new();
    let mut rendered = Vec::new();
    for (i, doc) in docs.iter().enumerate() {
        let mut analysis = analyze(doc, inputs);
        let diagnostics = std::mem::take(&mut analysis.diagnostics);
        let documents = &analysis.documents;
        let region = region_of(&regions, i, docs.len(), view.text.len());
        for mut d in diagnostics {
            // The analysis's own trees (spans in `doc`), not a second parse.
            let root = documents
                .iter()
                .find(|p| p.doc.span.contains(&d.span.start))
                .and_then(|p| p.doc.root.as_ref());
            let snippet = line_of(doc, d.span.start);
            // A place that does not hold the finding's own text (the template computes it) is
            // widened to its whole line: a quick fix must not rewrite a neighbouring word.
            let at = root
                .and_then(|r| view.locate(r, doc, &d.span, region.clone()))
                .map(
                    |s| match view.text.get(s.clone()) == doc.get(d.span.clone()) {
                        true => s,
                        false => line_content(&view.text, s.start),
                    },
                )
                .unwrap_or_else(|| first_line(&view.text, region.clone()));
            d.span = view.to_template(at);
            d.message = format!("{} (in Helm's render: `{}`)", d.message, snippet.trim());
            // Related spans in the rendered text are placed the same way, or dropped.
            d.related.retain_mut(|r| {
                if r.file.is_some() {
                    return true;
                }
                match root.and_then(|root| view.locate(root, doc, &r.span, region.clone())) {
                    Some(s) => {
                        r.span = view.to_template(s);
                        true
                    }
                    None => false,
                }
            });
            out.push(d);
        }
        rendered.push(Rendered {
            text: doc.to_string(),
            analysis,
        });
    }
    (out, rendered)
}

/// The part of the template (unescaped) that wrote the `i`-th of `n` rendered documents: a
/// template that writes as many `---` documents as Helm rendered from it wrote them in that
/// order; otherwise (a `range` loop) any part of it may have written any one.
fn region_of(regions: &[Span], i: usize, n: usize, len: usize) -> Span {
    if regions.len() == n {
        regions[i].clone()
    } else {
        0..len
    }
}

/// The editor's view of a template through the documents Helm rendered from it: for each,
/// the part of the template that wrote it and the pairs (span in the rendered document, span
/// in the unescaped template) of every key and value the template writes literally.
struct Views<'a> {
    view: Unescaped,
    docs: Vec<(&'a Rendered, Span)>,
}

impl<'a> Views<'a> {
    fn new(template: &str, rendered: &'a [Rendered]) -> Views<'a> {
        let view = Unescaped::new(template);
        let regions = crate::yaml::document_ranges(&view.text);
        let docs = rendered
            .iter()
            .enumerate()
            .map(|(i, r)| (r, region_of(&regions, i, rendered.len(), view.text.len())))
            .collect();
        Views { view, docs }
    }

    /// Every key and scalar of the rendered document `r` that the template writes as it is
    /// rendered, with where (bounded by [`crate::limits::MAX_HELM_MAPPED_NODES`]).
    fn pairs(&self, r: &Rendered, region: &Span) -> Vec<(Span, Span)> {
        let mut out = Vec::new();
        let mut budget = crate::limits::MAX_HELM_MAPPED_NODES;
        for d in &r.analysis.documents {
            let Some(root) = d.doc.root.as_ref() else {
                continue;
            };
            let mut stack = vec![root];
            let add = |span: &Span, out: &mut Vec<(Span, Span)>| {
                if let Some(u) = self.view.locate_exact(root, &r.text, span, region.clone()) {
                    out.push((span.clone(), u));
                }
            };
            while let Some(node) = stack.pop() {
                if budget == 0 {
                    return out;
                }
                budget -= 1;
                match &node.kind {
                    NodeKind::Mapping(entries) => {
                        for e in entries {
                            add(&e.key.span, &mut out);
                            stack.push(&e.value);
                        }
                    }
                    NodeKind::Sequence(items) => stack.extend(items),
                    NodeKind::Scalar(_) => add(&node.span, &mut out),
                }
            }
        }
        out
    }

    /// The template span of the rendered span `span` of `r`: through the innermost pair
    /// holding it, character for character; else (with `widen`) the line of the place the
    /// finding's key path leads to, as diagnostics are placed.
    fn to_template(
        &self,
        r: &Rendered,
        region: &Span,
        pairs: &[(Span, Span)],
        span: &Span,
        widen: bool,
    ) -> Option<Span> {
        let holding = pairs
            .iter()
            .filter(|(rs, _)| rs.start <= span.start && span.end <= rs.end)
            .min_by_key(|(rs, _)| rs.len());
        if let Some((rs, u)) = holding {
            let at = u.start + (span.start - rs.start)..u.start + (span.end - rs.start);
            return Some(self.view.to_template(at));
        }
        if !widen {
            return None;
        }
        let root = r
            .analysis
            .documents
            .iter()
            .find(|p| p.doc.span.contains(&span.start))?
            .doc
            .root
            .as_ref()?;
        let at = self.view.locate(root, &r.text, span, region.clone())?;
        Some(
            self.view
                .to_template(line_content(&self.view.text, at.start)),
        )
    }
}

/// Whether byte `at` of a template is on a line that is only a Helm action (`{{- if … }}`),
/// or inside an action that is not an escaped Kyverno expression: the editor shows nothing
/// there, since nothing of the render comes from it as written.
fn in_action(template: &str, at: usize) -> bool {
    let line = line_content(template, at);
    let t = &template[line.clone()];
    if t.starts_with("{{") && t.ends_with("}}") && literal_action(t).is_none() {
        return true;
    }
    let mut i = line.start;
    while i < line.end {
        let Some(open) = template[i..line.end].find("{{").map(|o| i + o) else {
            break;
        };
        let (close, literal) = match literal_action(&template[open..]) {
            Some((_, _, n)) => (open + n, true),
            None => (
                template[open..line.end]
                    .find("}}")
                    .map_or(line.end, |c| open + c + 2),
                false,
            ),
        };
        if at < open {
            return false;
        }
        if at < close {
            return !literal;
        }
        i = close;
    }
    false
}

/// The byte of the unescaped text that byte `at` of the template became, when it was copied
/// (not the escape's own `{{` and backquotes).
fn unescaped_at(view: &Unescaped, at: usize) -> Option<usize> {
    view.origin.binary_search(&at).ok()
}

/// Hover on a Helm template: the hover of the rendered document at the place the template
/// writes as rendered (a key, a literal value, an escaped Kyverno expression), placed back on
/// the template. Nothing on a Helm action or on text the template computes.
pub fn hover(template: &str, analysis: &Analysis, offset: usize) -> Option<crate::ide::Hover> {
    let rendered = analysis.rendered.as_deref()?;
    if offset > template.len() || in_action(template, offset) {
        return None;
    }
    let views = Views::new(template, rendered);
    let u = unescaped_at(&views.view, offset)?;
    for (r, region) in &views.docs {
        if !(region.start <= u && u <= region.end) {
            continue;
        }
        let pairs = views.pairs(r, region);
        let Some((rs, us)) = pairs
            .iter()
            .filter(|(_, us)| us.start <= u && u <= us.end)
            .min_by_key(|(_, us)| us.len())
        else {
            continue;
        };
        let at = rs.start + (u - us.start);
        let Some(mut h) = crate::ide::hover(&r.text, &r.analysis, at) else {
            continue;
        };
        h.span = views
            .to_template(r, region, &pairs, &h.span, false)
            .unwrap_or_else(|| views.view.to_template(us.clone()));
        return Some(h);
    }
    None
}

/// Inlay hints on a Helm template: the rendered documents' hints whose expression the template
/// writes as rendered, after it (after the escape that writes it), in `range`. A template
/// that writes several documents with one expression (a `range` loop) shows the first one's.
pub fn inlay_hints(template: &str, analysis: &Analysis, range: Span) -> Vec<crate::ide::InlayHint> {
    let Some(rendered) = analysis.rendered.as_deref() else {
        return Vec::new();
    };
    let views = Views::new(template, rendered);
    let mut out: Vec<crate::ide::InlayHint> = Vec::new();
    for (r, region) in &views.docs {
        let hints = crate::ide::inlay_hints(&r.text, &r.analysis, 0..r.text.len());
        if hints.is_empty() {
            continue;
        }
        let pairs = views.pairs(r, region);
        for mut hint in hints {
            let Some((rs, us)) = pairs
                .iter()
                .filter(|(rs, _)| rs.start < hint.offset && hint.offset <= rs.end)
                .min_by_key(|(rs, _)| rs.len())
            else {
                continue;
            };
            let u = us.start + (hint.offset - rs.start);
            // The byte after the expression's last one: after the escape that wrote it.
            hint.offset = views.view.origin[u.min(views.view.origin.len() - 1)];
            let shown = range.start <= hint.offset && hint.offset <= range.end;
            if shown && !out.iter().any(|h| h.offset == hint.offset) {
                out.push(hint);
            }
        }
    }
    out.sort_by_key(|h| h.offset);
    out
}

/// Code lenses on a Helm template: each rendered rule's verdicts over the template's line of
/// the rule's name (its first YAML line when the path to the name is not found).
pub fn code_lenses(template: &str, analysis: &Analysis) -> Vec<crate::ide::CodeLens> {
    let Some(rendered) = analysis.rendered.as_deref() else {
        return Vec::new();
    };
    let views = Views::new(template, rendered);
    let mut out = Vec::new();
    for (r, region) in &views.docs {
        // The lenses of mutations and generated objects open views of the analysed text,
        // which the template is not.
        let lenses: Vec<_> = crate::ide::code_lenses(&r.text, &r.analysis)
            .into_iter()
            .filter(|l| l.command == "kyverno.showRuleResults")
            .collect();
        if lenses.is_empty() {
            continue;
        }
        let pairs = views.pairs(r, region);
        let first = || {
            views
                .view
                .to_template(first_line(&views.view.text, region.clone()))
        };
        for mut lens in lenses {
            lens.span = views
                .to_template(r, region, &pairs, &lens.span, true)
                .filter(|s| !in_action(template, s.start))
                .unwrap_or_else(first);
            out.push(lens);
        }
    }
    out.sort_by_key(|l| l.span.start);
    out
}

/// The first line of `range` in `text` that holds YAML rather than only a template action or a
/// comment (the line without its break), else the range's first line.
pub(super) fn first_line(text: &str, range: Span) -> Span {
    let mut at = range.start;
    let mut fallback = None;
    for line in text[range.clone()].split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let span = at..at + body.len();
        fallback.get_or_insert(span.clone());
        let t = body.trim();
        let action_only = t.starts_with("{{") && t.ends_with("}}");
        if !t.is_empty() && !t.starts_with('#') && !action_only && t != "---" {
            return span;
        }
        at += line.len();
    }
    fallback.unwrap_or(range.start..range.start)
}

/// The line holding byte `at`, from its first non-blank character to its last.
fn line_content(text: &str, at: usize) -> Span {
    let at = at.min(text.len());
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    let line = &text[start..end];
    let lead = line.len() - line.trim_start().len();
    start + lead..start + line.trim_end().len().max(lead)
}

/// The line of `text` holding byte `at`.
pub(super) fn line_of(text: &str, at: usize) -> &str {
    let at = at.min(text.len());
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    &text[start..end]
}

/// The line a Helm error names in this template (`templates/x.yaml:12:3:` or
/// `(chart/templates/x.yaml:12)`), as a span of the template.
fn error_line(text: &str, source: &str, message: &str) -> Option<Span> {
    let needle = format!("/{source}:");
    let at = message.find(&needle)? + needle.len();
    let digits: String = message[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    line_span(text, digits.parse().ok()?)
}

/// The span of line `n` (from 1) of `text`, without its break.
pub(super) fn line_span(text: &str, n: usize) -> Option<Span> {
    let mut start = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == n {
            return Some(start..start + l.trim_end_matches(['\n', '\r']).len());
        }
        start += l.len();
    }
    None
}

/// A template's text with the Kyverno expressions escaped for Helm written as Helm renders
/// them (``{{`{{ x }}`}}`` and `{{ "{{" }} x {{ "}}" }}` both become `{{ x }}`), with the
/// offset in the template of each of its bytes, so rendered text can be searched for and
/// found back in the template.
struct Unescaped {
    text: String,
    /// `origin[i]`: the template offset of `text`'s byte `i` (one more entry: the end).
    origin: Vec<usize>,
}

impl Unescaped {
    fn new(template: &str) -> Unescaped {
        let mut text = String::with_capacity(template.len());
        let mut origin = Vec::with_capacity(template.len() + 1);
        let copy = |text: &mut String, origin: &mut Vec<usize>, from: usize, s: &str| {
            text.push_str(s);
            origin.extend(from..from + s.len());
        };
        let mut i = 0;
        while i < template.len() {
            let rest = &template[i..];
            if let Some((open, literal, close)) = literal_action(rest) {
                copy(&mut text, &mut origin, i + open, literal);
                i += close;
                continue;
            }
            let c = rest.chars().next().map_or(1, char::len_utf8);
            copy(&mut text, &mut origin, i, &rest[..c]);
            i += c;
        }
        origin.push(template.len());
        Unescaped { text, origin }
    }

    /// The template span of a span of the unescaped text.
    fn to_template(&self, span: Span) -> Span {
        let start = self.origin[span.start.min(self.origin.len() - 1)];
        // The end of the span's last byte, so a span ending at an escape's end stays inside it.
        let end = if span.end > span.start {
            self.origin[(span.end - 1).min(self.origin.len() - 1)] + 1
        } else {
            start
        };
        start..end.max(start)
    }

    /// The span of the unescaped text that wrote the rendered text at `span` of the document `doc` (tree
    /// `root`): follow the finding's key path down the template (each key, and each list item
    /// by its `name`, found in order after the previous one), then the value itself when the
    /// template writes it literally. None when no step of the path is found.
    fn locate(&self, root: &Node, doc: &str, span: &Span, region: Span) -> Option<Span> {
        self.locate_how(root, doc, span, region).map(|(s, _)| s)
    }

    /// The place in the unescaped text that writes exactly the key or scalar at `span` of the
    /// rendered document, as written there: None when the template computes it.
    fn locate_exact(&self, root: &Node, doc: &str, span: &Span, region: Span) -> Option<Span> {
        let (s, exact) = self.locate_how(root, doc, span, region)?;
        (exact && self.text.get(s.clone()) == doc.get(span.clone())).then_some(s)
    }

    /// [`Unescaped::locate`], and whether its last step found the node at `span` itself
    /// rather than one above it.
    fn locate_how(
        &self,
        root: &Node,
        doc: &str,
        span: &Span,
        region: Span,
    ) -> Option<(Span, bool)> {
        let mut from = region.start;
        let mut found: Option<Span> = None;
        let mut exact = false;
        let mut node = root;
        let step = |needle: &str, key: bool, from: &mut usize, found: &mut Option<Span>| {
            let s = self.find(needle, key, *from, region.end);
            if let Some(s) = &s {
                *from = s.end;
                *found = Some(s.clone());
            }
            s.is_some()
        };
        loop {
            match &node.kind {
                NodeKind::Mapping(entries) => {
                    let Some(e) = entries.iter().find(|e| {
                        e.key.span.start <= span.start
                            && span.start < e.value.span.end.max(e.key.span.end)
                    }) else {
                        break;
                    };
                    let hit = step(&e.key.key_string(), true, &mut from, &mut found);
                    if e.key.span.contains(&span.start) {
                        exact = hit;
                        break;
                    }
                    node = &e.value;
                }
                NodeKind::Sequence(items) => {
                    let Some((k, item)) = items
                        .iter()
                        .enumerate()
                        .find(|(_, n)| n.span.contains(&span.start))
                    else {
                        break;
                    };
                    // An item by its `name:` (a rule, a context entry), which holds when a
                    // `range` writes the items; else the k-th `- ` below the parent key.
                    let named = item.get("name").and_then(Node::as_str).and_then(|name| {
                        let k = self.find("name", true, from, region.end)?;
                        self.find(name, false, k.end, region.end)
                    });
                    if let Some(v) = named {
                        from = v.end;
                        found = Some(v);
                        // A finding on the name itself (verdicts sit on a rule's name).
                        let on_name = item.entry("name").is_some_and(|e| {
                            e.key.span.start <= span.start && span.start <= e.value.span.end
                        });
                        if on_name {
                            exact = item
                                .entry("name")
                                .is_some_and(|e| e.value.span.start <= span.start);
                            break;
                        }
                    } else if let Some(at) = self.nth_item(from, k, region.end) {
                        from = at.start;
                        found = Some(at);
                    }
                    node = item;
                }
                NodeKind::Scalar(_) => {
                    // The value as written in the rendered text (quotes included).
                    let written = &doc[node.span.clone()];
                    if !written.is_empty()
                        && let Some(s) = self.find(written, false, from, region.end)
                    {
                        let inner = span.start.saturating_sub(node.span.start)
                            ..span.end.min(node.span.end).saturating_sub(node.span.start);
                        let at = s.start + inner.start..s.start + inner.end.max(inner.start);
                        if self.text.is_char_boundary(at.start)
                            && self.text.is_char_boundary(at.end)
                        {
                            found = Some(at);
                            exact = true;
                        }
                    }
                    break;
                }
            }
        }
        found.map(|f| (f, exact))
    }

    /// The `k`-th item (from 0) of the block sequence below the line holding `from`: the
    /// `- ` lines at the first such indentation deeper or equal to that line's, up to the
    /// first line less indented (template actions and comments aside). The span of the item's
    /// content after `- `.
    fn nth_item(&self, from: usize, k: usize, to: usize) -> Option<Span> {
        let text = self.text.get(..to)?;
        let line_start = text[..from.min(text.len())]
            .rfind('\n')
            .map_or(0, |n| n + 1);
        let indent = |l: &str| l.len() - l.trim_start_matches(' ').len();
        let parent = indent(&text[line_start..]);
        let mut at = text[from.min(text.len())..].find('\n')? + from + 1;
        let mut dash = None;
        let mut seen = 0;
        for line in text[at..].split_inclusive('\n') {
            let here = at;
            at += line.len();
            let t = line.trim();
            if t.is_empty() || t.starts_with('#') || t.starts_with("{{") {
                continue;
            }
            let i = indent(line);
            let is_item = t == "-" || t.starts_with("- ");
            if i < parent || (i == parent && !is_item) {
                return None;
            }
            if !is_item || dash.is_some_and(|d| d != i) {
                continue;
            }
            dash = Some(i);
            if seen == k {
                let content = here + i + 1 + (t.len() - t[1..].trim_start().len() - 1);
                let end = here + line.trim_end().len();
                return Some(content.min(end)..end);
            }
            seen += 1;
        }
        None
    }

    /// The first occurrence of `needle` in `from..to`: as a key, at the start of a line's
    /// content (after indentation and `- `) and followed by `:`; as a value, anywhere but
    /// inside a longer word (`Equal` is not found in `Equals`).
    fn find(&self, needle: &str, key: bool, from: usize, to: usize) -> Option<Span> {
        if needle.is_empty() {
            return None;
        }
        let hay = self.text.get(from..to)?;
        let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        let mut at = 0;
        while let Some(i) = hay[at..].find(needle) {
            let start = at + i;
            let end = start + needle.len();
            at = start + needle.len().max(1);
            if !key {
                let joined = (word(needle.chars().next())
                    && word(hay[..start].chars().next_back()))
                    || (word(needle.chars().next_back()) && word(hay[end..].chars().next()));
                if joined {
                    continue;
                }
                return Some(from + start..from + end);
            }
            let line_start = hay[..start].rfind('\n').map_or(0, |n| n + 1);
            let before = hay[line_start..start].trim_start_matches([' ', '\t', '-']);
            let before = before.trim_matches(|c| c == '"' || c == '\'');
            let after = hay[end..].trim_start_matches(['"', '\'']);
            if before.trim().is_empty() && after.starts_with(':') {
                return Some(from + start..from + end);
            }
        }
        None
    }
}

/// The longest string literal read as an escape.
const MAX_LITERAL: usize = 4096;

/// An action that only writes a string literal: ``{{`…`}}``, `{{ "{{" }}`, with optional
/// whitespace trimming dashes. Returns the literal's offset, the literal, and the action's
/// length.
fn literal_action(rest: &str) -> Option<(usize, &str, usize)> {
    let mut body = rest.strip_prefix("{{")?;
    if let Some(b) = body.strip_prefix('-')
        && b.starts_with(char::is_whitespace)
    {
        body = b;
    }
    let body = body.trim_start();
    let quote = body.chars().next().filter(|c| *c == '`' || *c == '"')?;
    let lit_start = rest.len() - body.len() + 1;
    // An escaped expression is short; looking further would make a text full of unclosed
    // `{{"` quadratic.
    let mut window = (rest.len() - lit_start).min(MAX_LITERAL);
    while !rest.is_char_boundary(lit_start + window) {
        window -= 1;
    }
    let lit_len = rest[lit_start..lit_start + window].find(quote)?;
    let literal = &rest[lit_start..lit_start + lit_len];
    // An escape sequence would make the written text differ from the rendered one.
    if quote == '"' && literal.contains('\\') {
        return None;
    }
    let mut tail = rest[lit_start + lit_len + 1..].trim_start();
    if let Some(t) = tail.strip_prefix('-') {
        tail = t;
    }
    let tail = tail.strip_prefix("}}")?;
    Some((lit_start, literal, rest.len() - tail.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_expressions_read_as_helm_renders_them() {
        let t = "a: {{`{{ request.object }}`}}\nb: {{ \"{{\" }} x {{ \"}}\" }}\nc: {{ .Values.x }}\nd: {{- ` raw` -}}\n";
        let u = Unescaped::new(t);
        assert_eq!(
            u.text,
            "a: {{ request.object }}\nb: {{ x }}\nc: {{ .Values.x }}\nd:  raw\n"
        );
        // `request` maps to its place inside the backquotes.
        let at = u.text.find("request").unwrap();
        assert_eq!(&t[u.to_template(at..at + 7)], "request");
        let x = u.text.find(" x ").unwrap();
        assert_eq!(&t[u.to_template(x + 1..x + 2)], "x");
    }

    #[test]
    fn sources_without_the_chart_name() {
        let out = "---\n# Source: pols/templates/a.yaml\nkind: A\n---\n# Source: pols/templates/sub/b.yaml\nkind: B\n";
        let docs = rendered_documents(out);
        // A `# Source:` line inside a block scalar is the policy's text, not Helm's comment.
        let inner = "---\n# Source: c/templates/c.yaml\nkind: A\ndata:\n  x: |\n    # Source: c/templates/d.yaml\n";
        assert_eq!(rendered_documents(inner)[0].0, "templates/c.yaml");
        let without = "---\nkind: A\ndata:\n  x: |\n    # Source: c/templates/d.yaml\n";
        assert_eq!(rendered_documents(without), []);
        assert_eq!(
            docs.iter().map(|(s, _)| s.as_str()).collect::<Vec<_>>(),
            ["templates/a.yaml", "templates/sub/b.yaml"]
        );
    }

    #[test]
    fn errors_on_the_line_helm_names() {
        let t = "a: 1\nb: {{ .Values.x.y }}\n";
        let m = "Error: template: pols/templates/a.yaml:2:6: executing \"pols/templates/a.yaml\" at <.Values.x.y>: nil pointer";
        assert_eq!(error_line(t, "templates/a.yaml", m), Some(5..25));
        assert_eq!(error_line(t, "templates/b.yaml", m), None);
        assert_eq!(
            error_line(
                t,
                "templates/a.yaml",
                "parse error at (pols/templates/a.yaml:9): x"
            ),
            None
        );
    }

    #[test]
    fn helm_actions_are_told_from_escaped_expressions() {
        let t = "{{- if .Values.on }}\na: {{ .Values.x }} b\nc: {{`{{ d }}`}} {{ \"{{\" }} e {{ \"}}\" }}\n";
        let at = |s: &str| t.find(s).unwrap();
        assert!(in_action(t, at("if")));
        assert!(in_action(t, at(".Values.x")));
        assert!(!in_action(t, at("a:")));
        assert!(!in_action(t, at("b\n")));
        assert!(!in_action(t, at("d }}")));
        assert!(!in_action(t, at(" e ")));
        assert!(!in_action(t, t.len()));
    }

    #[test]
    fn a_lens_of_a_computed_rule_name_sits_on_its_line_and_hints_only_on_literal_expressions() {
        let t = "{{- if .Values.on }}\napiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: p\nspec:\n  rules:\n  - name: {{ .Values.rule }}\n    match:\n      any:\n      - resources:\n          kinds: [Pod]\n    validate:\n      failureAction: Audit\n      deny:\n        conditions:\n          any:\n          - key: \"{{`{{ request.operation }}`}}\"\n            operator: Equals\n            value: {{ .Values.op | quote }}\n          - key: \"{{ .Values.prefix }}{{`{{ request.object.metadata.name }}`}}\"\n            operator: Equals\n            value: x\n{{- end }}\n";
        let r = "---\n# Source: c/templates/t.yaml\napiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: p\nspec:\n  rules:\n  - name: computed\n    match:\n      any:\n      - resources:\n          kinds: [Pod]\n    validate:\n      failureAction: Audit\n      deny:\n        conditions:\n          any:\n          - key: \"{{ request.operation }}\"\n            operator: Equals\n            value: \"DELETE\"\n          - key: \"a-{{ request.object.metadata.name }}\"\n            operator: Equals\n            value: x\n";
        let a = analyze_template(
            t,
            "templates/t.yaml",
            &Render::Rendered(r.to_string()),
            &Inputs {
                builtin_samples: true,
                ..Inputs::default()
            },
            false,
            &|text, inputs| crate::analysis::analyze_with(text, inputs),
        );
        let lenses = code_lenses(t, &a);
        assert_eq!(lenses.len(), 1);
        assert_eq!(&t[lenses[0].span.clone()], "- name: {{ .Values.rule }}");
        // The first key is written as rendered; the second's text is partly Helm's.
        let hints = inlay_hints(t, &a, 0..t.len());
        let after: Vec<&str> = hints
            .iter()
            .map(|h| t[..h.offset].lines().last().unwrap().trim())
            .collect();
        assert_eq!(after, ["- key: \"{{`{{ request.operation }}`}}\""]);
        assert!(hover(t, &a, t.find("request.object").unwrap()).is_none());
        assert!(hover(t, &a, t.find(".Values.op").unwrap()).is_none());
        let h = hover(t, &a, t.find("operation").unwrap()).unwrap();
        assert_eq!(&t[h.span], "request.operation");
    }

    #[test]
    fn first_yaml_line_skips_actions_and_comments() {
        let t = "{{- if .Values.on }}\n# a policy\napiVersion: v1\n";
        assert_eq!(&t[first_line(t, 0..t.len())], "apiVersion: v1");
        assert_eq!(first_line("", 0..0), 0..0);
    }

    #[test]
    fn any_template_and_render_give_spans_on_its_char_boundaries() {
        let templates = [
            "",
            "{{",
            "{{`",
            "{{ \"",
            "{{- `é` -}}\n\"\": x\n- - -\n",
            "kind: ClusterPolicy\nspec:\n  rules:\n  - name: é\n    x: {{`{{ a.é }}`}}\n",
            "---\n---\n- a\n-\n  - b\n",
        ];
        let renders = [
            "# Source: c/templates/t.yaml\napiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: é}\nspec:\n  rules:\n  - name: é\n    match: {any: [{resources: {kinds: [Pod]}}]}\n    validate: {pattern: {x: \"{{ a.é | nope(@) }}\"}, bogus: 1}\n",
            "---\n# Source: c/templates/t.yaml\n\"\": [\n---\n# Source: c/templates/t.yaml\n- - -\n",
        ];
        let mut findings = 0;
        for t in templates {
            for r in renders {
                for unsaved in [false, true] {
                    let a = analyze_template(
                        t,
                        "templates/t.yaml",
                        &Render::Rendered(r.to_string()),
                        &Inputs::default(),
                        unsaved,
                        &|text, inputs| crate::analysis::analyze_with(text, inputs),
                    );
                    findings += a.diagnostics.len();
                    let inside = |s: &Span| {
                        s.start <= s.end
                            && s.end <= t.len()
                            && t.is_char_boundary(s.start)
                            && t.is_char_boundary(s.end)
                    };
                    for at in (0..=t.len()).filter(|i| t.is_char_boundary(*i)) {
                        if let Some(h) = hover(t, &a, at) {
                            assert!(inside(&h.span), "{t:?} {at} {h:?}");
                        }
                    }
                    for l in code_lenses(t, &a) {
                        assert!(inside(&l.span), "{t:?} {l:?}");
                    }
                    for h in inlay_hints(t, &a, 0..t.len()) {
                        assert!(inside(&(h.offset..h.offset)), "{t:?} {h:?}");
                    }
                    for d in &a.diagnostics {
                        let related = d.related.iter().filter(|r| r.file.is_none());
                        for s in std::iter::once(&d.span).chain(related.map(|r| &r.span)) {
                            assert!(s.start <= s.end && s.end <= t.len(), "{t:?} {d:?}");
                            assert!(t.is_char_boundary(s.start) && t.is_char_boundary(s.end));
                        }
                    }
                }
            }
        }
        assert!(findings > 20, "{findings}");
    }
}
