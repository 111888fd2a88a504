//! Builds one document's spanned tree from saphyr-parser events, iteratively.

use std::collections::HashMap;
use std::ops::Range;

use saphyr_parser::{Event, Parser, ScalarStyle as PStyle, Span as PSpan};

use super::resolve::{resolve_plain, resolve_tagged};
use super::{Document, Entry, Limits, Node, NodeKind, Scalar, ScalarStyle};
use crate::diag::{Diagnostic, Span};

/// saphyr-parser counts characters; we keep byte offsets. For ASCII text the two agree, so the
/// table only records where multi-byte characters are.
struct CharOffsets {
    base: usize,
    /// (character index, extra bytes of all multi-byte characters up to and including it)
    multi: Vec<(usize, usize)>,
}

impl CharOffsets {
    fn new(chunk: &str, base: usize) -> Self {
        let mut multi = Vec::new();
        if !chunk.is_ascii() {
            let mut extra = 0;
            for (ci, c) in chunk.chars().enumerate() {
                if c.len_utf8() > 1 {
                    extra += c.len_utf8() - 1;
                    multi.push((ci, extra));
                }
            }
        }
        CharOffsets { base, multi }
    }

    fn byte(&self, char_index: usize) -> usize {
        let k = self.multi.partition_point(|&(c, _)| c < char_index);
        let extra = if k == 0 { 0 } else { self.multi[k - 1].1 };
        self.base + char_index + extra
    }
}

enum Frame {
    Seq {
        start: usize,
        flow: bool,
        anchor: usize,
        items: Vec<Node>,
        count: usize,
    },
    Map {
        start: usize,
        flow: bool,
        anchor: usize,
        entries: Vec<Entry>,
        pending_key: Option<Node>,
        /// first occurrence of each key, for duplicate detection
        seen: HashMap<String, Span>,
        count: usize,
    },
}

struct Builder<'a> {
    text: &'a str,
    offsets: CharOffsets,
    limits: &'a Limits,
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Node, usize)>,
    root: Option<Node>,
    nodes: usize,
    diagnostics: Vec<Diagnostic>,
    /// Where the text of the last node read ends. For an alias, that is the alias itself: its
    /// copy keeps the spans of the anchored node, earlier in the text.
    last_end: usize,
}

/// Why building stopped early.
struct Abort;

pub fn parse_document(text: &str, range: Range<usize>, limits: &Limits) -> Option<Document> {
    let chunk = &text[range.clone()];
    let mut b = Builder {
        text,
        offsets: CharOffsets::new(chunk, range.start),
        limits,
        stack: Vec::new(),
        anchors: HashMap::new(),
        root: None,
        nodes: 0,
        diagnostics: Vec::new(),
        last_end: range.start,
    };
    let mut parser = Parser::new_from_str(chunk);
    let mut saw_document = false;
    let mut failed = false;
    while let Some(event) = parser.next_event() {
        match event {
            Err(e) => {
                let at = b.offsets.byte(e.marker().index()).min(range.end);
                // Cut at the document's end, so that the error stays inside the document (and
                // is the same as when the document is parsed alone).
                let text = &text[..range.end];
                b.diagnostics
                    .push(syntax_error(text, at, e.info(), b.open_flow(), limits));
                failed = true;
                break;
            }
            Ok((Event::StreamEnd, _)) => break,
            Ok((Event::DocumentStart(_), _)) => {
                if saw_document && b.root.is_some() {
                    // A second document after `...` without `---`: rare; the first one is kept.
                    break;
                }
                saw_document = true;
            }
            Ok((event, span)) => {
                if b.event(event, span).is_err() {
                    failed = true;
                    break;
                }
            }
        }
    }
    if !saw_document && b.diagnostics.is_empty() {
        return None;
    }
    Some(Document {
        span: range,
        root: if failed { None } else { b.root },
        diagnostics: b.diagnostics,
    })
}

/// A diagnostic for a parser error at `at`, placed where the author can fix it.
fn syntax_error(
    text: &str,
    at: usize,
    info: &str,
    open_flow: Option<usize>,
    limits: &Limits,
) -> Diagnostic {
    if info.contains("recursion limit") {
        return too_deep(one_char(text, at), limits.max_depth);
    }
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    if info.contains("tab") {
        // Point at the tabs themselves, not at what follows them.
        let indent =
            text[line_start..].len() - text[line_start..].trim_start_matches([' ', '\t']).len();
        if text[line_start..line_start + indent].contains('\t') {
            return Diagnostic::error(
                "yaml-syntax",
                line_start..line_start + indent,
                format!("YAML syntax error: {info}"),
            );
        }
    }
    // The parser notices an unclosed `[` or `{` only lines later, at some unrelated `:`.
    if let Some(open) = open_flow {
        let gave_up_later = text[open..at].contains('\n');
        let unclosed_kind = [
            "illegal placement",
            "did not find expected ',' or",
            "end of stream",
            "unexpected end",
        ]
        .iter()
        .any(|m| info.contains(m));
        if gave_up_later && unclosed_kind {
            let bracket = &text[open..open + 1];
            let close = if bracket == "[" { "]" } else { "}" };
            return Diagnostic::error(
                "yaml-syntax",
                open..open + 1,
                format!("YAML syntax error: this `{bracket}` is never closed; add the matching `{close}`."),
            )
            .with_related(one_char(text, at), format!("the parser gave up here: {info}"));
        }
    }
    Diagnostic::error(
        "yaml-syntax",
        one_char(text, at),
        format!("YAML syntax error: {info}"),
    )
}

fn too_deep(span: Span, max: usize) -> Diagnostic {
    Diagnostic::error(
        "nesting-too-deep",
        span,
        format!(
            "YAML nesting is deeper than {max} levels here; no Kubernetes object needs that much. The rest of this document is not checked."
        ),
    )
}

/// A one-character range at `at`, or an empty one at a line end or the end of the text.
fn one_char(text: &str, at: usize) -> Span {
    let at = crate::text::clamp_to_char(text, at);
    match text[at..].chars().next() {
        Some(c) if c != '\n' && c != '\r' => at..at + c.len_utf8(),
        _ => at..at,
    }
}

impl Builder<'_> {
    /// Where the innermost open flow collection (`[` or `{`) starts, if any.
    fn open_flow(&self) -> Option<usize> {
        self.stack.iter().rev().find_map(|f| match f {
            Frame::Seq {
                flow: true, start, ..
            }
            | Frame::Map {
                flow: true, start, ..
            } => Some(*start),
            _ => None,
        })
    }

    /// The byte offset of a node's own text: after any `&anchor` and `!tag` properties, which
    /// end at a blank or at a flow indicator (`&a[1]`).
    fn skip_properties(&self, mut at: usize, end: usize) -> usize {
        let bytes = self.text.as_bytes();
        while at < end && matches!(bytes[at], b'&' | b'!') {
            while at < end
                && !bytes[at].is_ascii_whitespace()
                && !matches!(bytes[at], b'[' | b']' | b'{' | b'}' | b',')
            {
                at += 1;
            }
            while at < end && bytes[at].is_ascii_whitespace() {
                at += 1;
            }
        }
        at
    }

    fn span(&self, s: &PSpan) -> Span {
        self.offsets.byte(s.start.index())..self.offsets.byte(s.end.index())
    }

    fn event(&mut self, event: Event<'_>, pspan: PSpan) -> Result<(), Abort> {
        let raw = self.span(&pspan);
        match event {
            Event::Scalar(value, style, anchor, tag) => {
                let style = match style {
                    PStyle::Plain => ScalarStyle::Plain,
                    PStyle::SingleQuoted => ScalarStyle::SingleQuoted,
                    PStyle::DoubleQuoted => ScalarStyle::DoubleQuoted,
                    PStyle::Literal => ScalarStyle::Literal,
                    PStyle::Folded => ScalarStyle::Folded,
                };
                let resolved = match (&tag, style) {
                    (Some(t), _) if t.is_yaml_core_schema() => resolve_tagged(&t.suffix, &value),
                    (_, ScalarStyle::Plain) => resolve_plain(&value),
                    _ => super::Resolved::Str,
                };
                let mut start = raw.start;
                if anchor != 0 || tag.is_some() {
                    start = self.skip_properties(start, raw.end);
                }
                let mut end = raw.end.max(start);
                if matches!(style, ScalarStyle::Literal | ScalarStyle::Folded) {
                    // The parser's span runs over trailing line breaks; a diagnostic should not.
                    let trimmed = self.text[start..end].trim_end().len();
                    end = start + trimmed;
                }
                self.last_end = end;
                let node = Node {
                    span: start..end,
                    kind: NodeKind::Scalar(Scalar {
                        text: value.into_owned(),
                        style,
                        value: resolved,
                    }),
                };
                self.add(node, 1, 1, anchor)
            }
            Event::SequenceStart(anchor, _) => {
                self.check_depth(raw.start)?;
                let start = self.skip_properties(raw.start, raw.end);
                let flow = self.text[start..].starts_with('[');
                self.stack.push(Frame::Seq {
                    start,
                    flow,
                    anchor,
                    items: Vec::new(),
                    count: 1,
                });
                Ok(())
            }
            Event::MappingStart(anchor, _) => {
                self.check_depth(raw.start)?;
                let start = self.skip_properties(raw.start, raw.end);
                let flow = self.text[start..].starts_with('{');
                self.stack.push(Frame::Map {
                    start,
                    flow,
                    anchor,
                    entries: Vec::new(),
                    pending_key: None,
                    seen: HashMap::new(),
                    count: 1,
                });
                Ok(())
            }
            Event::SequenceEnd => match self.stack.pop() {
                Some(Frame::Seq {
                    start,
                    flow,
                    anchor,
                    items,
                    count,
                }) => {
                    let end = if flow {
                        raw.end
                    } else {
                        items
                            .last()
                            .map_or(start, |n| n.span.end.max(self.last_end))
                    };
                    let start = if flow {
                        start
                    } else {
                        items.first().map_or(start, |n| start.min(n.span.start))
                    };
                    let end = end.max(start);
                    self.last_end = end;
                    self.add(
                        Node {
                            span: start..end,
                            kind: NodeKind::Sequence(items),
                        },
                        count,
                        1,
                        anchor,
                    )
                }
                _ => Ok(()),
            },
            Event::MappingEnd => match self.stack.pop() {
                Some(Frame::Map {
                    start,
                    flow,
                    anchor,
                    entries,
                    count,
                    ..
                }) => {
                    let end = if flow {
                        raw.end
                    } else {
                        entries.last().map_or(start, |e| {
                            e.value.span.end.max(e.key.span.end).max(self.last_end)
                        })
                    };
                    let end = end.max(start);
                    self.last_end = end;
                    let entries = merge_keys(entries);
                    self.add(
                        Node {
                            span: start..end,
                            kind: NodeKind::Mapping(entries),
                        },
                        count,
                        1,
                        anchor,
                    )
                }
                _ => Ok(()),
            },
            Event::Alias(id) => {
                let Some((node, count)) = self.anchors.get(&id).cloned() else {
                    self.diagnostics.push(Diagnostic::error(
                        "yaml-syntax",
                        raw,
                        "YAML syntax error: unknown alias",
                    ));
                    return Err(Abort);
                };
                if self.nodes + count > self.limits.max_nodes {
                    self.diagnostics.push(Diagnostic::error(
                        "alias-expansion-limit",
                        raw,
                        format!(
                            "Expanding this alias would make the document larger than {} nodes; Kubernetes rejects such \"alias bombs\" too. Write the value out instead of nesting aliases.",
                            self.limits.max_nodes
                        ),
                    ));
                    return Err(Abort);
                }
                // The copy keeps the anchored node's spans: findings inside it point at the
                // definition, the only place the user can fix them.
                self.last_end = raw.end;
                self.add(node, count, count, 0)
            }
            _ => Ok(()),
        }
    }

    fn check_depth(&mut self, at: usize) -> Result<(), Abort> {
        if self.stack.len() >= self.limits.max_depth {
            let span = one_char(self.text, at);
            self.diagnostics.push(too_deep(span, self.limits.max_depth));
            return Err(Abort);
        }
        Ok(())
    }

    /// Attaches a finished node to its parent. `count` is the size of its subtree, `new` how
    /// many nodes that adds to the document (the whole subtree for an alias, else one).
    fn add(&mut self, node: Node, count: usize, new: usize, anchor: usize) -> Result<(), Abort> {
        self.nodes += new;
        if self.nodes > self.limits.max_nodes {
            let span = one_char(self.text, node.span.start);
            self.diagnostics.push(Diagnostic::error(
                "document-too-large",
                span,
                format!(
                    "This document has more than {} YAML nodes; the rest of it is not checked.",
                    self.limits.max_nodes
                ),
            ));
            return Err(Abort);
        }
        if anchor != 0 {
            self.anchors.insert(anchor, (node.clone(), count));
        }
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
            Some(Frame::Seq {
                items, count: c, ..
            }) => {
                *c += count;
                items.push(node);
            }
            Some(Frame::Map {
                entries,
                pending_key,
                seen,
                count: c,
                ..
            }) => {
                *c += count;
                match pending_key.take() {
                    None => *pending_key = Some(node),
                    Some(key) => {
                        if let NodeKind::Scalar(s) = &key.kind {
                            let name = key.key_string();
                            if let Some(first) = seen.get(&name) {
                                let first = first.clone();
                                let shown = if s.text.is_empty() {
                                    "(empty)".to_string()
                                } else {
                                    s.text.clone()
                                };
                                self.diagnostics.push(
                                    Diagnostic::error(
                                        "duplicate-key",
                                        key.span.clone(),
                                        format!("Duplicate key `{shown}`: Kubernetes rejects a mapping that repeats a key. Remove one of them or merge their contents."),
                                    )
                                    .with_related(first, format!("`{shown}` is first defined here")),
                                );
                            } else if name != "<<" {
                                seen.insert(name, key.span.clone());
                            }
                        }
                        entries.push(Entry { key, value: node });
                    }
                }
            }
        }
        Ok(())
    }
}

/// Applies YAML merge keys (`<<: *base`), which go-yaml v2 and so Kubernetes honour: entries
/// of the merged mappings are added unless the mapping already has the key.
fn merge_keys(entries: Vec<Entry>) -> Vec<Entry> {
    let is_merge = |e: &Entry| matches!(&e.key.kind, NodeKind::Scalar(s) if s.text == "<<" && s.style == ScalarStyle::Plain);
    if !entries.iter().any(is_merge) {
        return entries;
    }
    let (merges, mut own): (Vec<Entry>, Vec<Entry>) = entries.into_iter().partition(is_merge);
    for m in merges {
        let sources: Vec<&Node> = match &m.value.kind {
            NodeKind::Mapping(_) => vec![&m.value],
            NodeKind::Sequence(items) => items.iter().collect(),
            NodeKind::Scalar(_) => {
                own.push(m);
                continue;
            }
        };
        for src in sources {
            if let NodeKind::Mapping(src_entries) = &src.kind {
                for e in src_entries {
                    let k = e.key.key_string();
                    if !own.iter().any(|o| o.key.key_string() == k) {
                        own.push(e.clone());
                    }
                }
            }
        }
    }
    own
}
