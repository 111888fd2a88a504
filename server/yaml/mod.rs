//! Spanned YAML: a tree in which every key, value, sequence item and scalar knows its byte
//! range in the source, read the way Kubernetes reads YAML (YAML 1.1 scalars).
//!
//! The tree is built from saphyr-parser's event stream with an explicit stack (no recursion),
//! so hostile nesting costs a diagnostic, not the process stack. Each `---` document is parsed
//! on its own: a syntax error in one document leaves the others intact.

mod builder;
mod offsets;
mod resolve;
mod split;

use crate::diag::{Diagnostic, Span};

pub use offsets::ValueMap;
pub use resolve::{Resolved, resolve_plain as resolve_plain_scalar, yaml11_only_bool};

/// How a scalar was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    /// The scalar's text after unquoting, unescaping and folding.
    pub text: String,
    pub style: ScalarStyle,
    /// The value Kubernetes sees (`yes` → true for plain scalars).
    pub value: Resolved,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: Node,
    pub value: Node,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    Scalar(Scalar),
    Mapping(Vec<Entry>),
    Sequence(Vec<Node>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// For a scalar, the characters of the scalar itself (quotes included, anchor and tag
    /// excluded); for a collection, from its first to its last character.
    pub span: Span,
    pub kind: NodeKind,
}

impl Node {
    pub fn as_scalar(&self) -> Option<&Scalar> {
        match &self.kind {
            NodeKind::Scalar(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_mapping(&self) -> Option<&[Entry]> {
        match &self.kind {
            NodeKind::Mapping(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_sequence(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Sequence(s) => Some(s),
            _ => None,
        }
    }

    /// The scalar's value as a string if it is one (whatever its resolved type).
    pub fn as_str(&self) -> Option<&str> {
        self.as_scalar().map(|s| s.text.as_str())
    }

    /// `Some(text)` only for scalars Kubernetes reads as strings.
    pub fn as_string_value(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar(s) if s.value == Resolved::Str => Some(&s.text),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(&self.kind, NodeKind::Scalar(s) if s.value == Resolved::Null)
    }

    /// The entry whose key is the string `key`.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.as_mapping()?
            .iter()
            .find(|e| e.key.as_str() == Some(key))
    }

    /// The value under `key`, if this is a mapping that has it.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// The JSON value Kubernetes would decode from this node.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match &self.kind {
            NodeKind::Scalar(s) => s.to_json(),
            NodeKind::Sequence(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            NodeKind::Mapping(entries) => Value::Object(
                entries
                    .iter()
                    .map(|e| (e.key.key_string(), e.value.to_json()))
                    .collect(),
            ),
        }
    }

    /// A mapping key as the string Kubernetes uses for it (`true` for a plain `yes` key).
    pub fn key_string(&self) -> String {
        match &self.kind {
            NodeKind::Scalar(s) => match s.to_json() {
                serde_json::Value::String(t) => t,
                serde_json::Value::Null => "null".to_string(),
                other => other.to_string(),
            },
            _ => serde_json::to_string(&self.to_json()).unwrap_or_default(),
        }
    }
}

impl Scalar {
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match self.value {
            Resolved::Null => Value::Null,
            Resolved::Bool(b) => Value::Bool(b),
            Resolved::Int(i) => Value::from(i),
            Resolved::Float(f) => serde_json::Number::from_f64(f)
                .map(Value::Number)
                .unwrap_or_else(|| Value::String(self.text.clone())),
            Resolved::Str => Value::String(self.text.clone()),
        }
    }
}

/// One `---`-separated document.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The document's text, from its `---` marker (if any) to the next one.
    pub span: Span,
    /// None when the document is empty or failed to parse.
    pub root: Option<Node>,
    /// Syntax errors and limit violations in this document.
    pub diagnostics: Vec<Diagnostic>,
}

impl Document {
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == crate::diag::Severity::Error)
    }
}

/// Bounds that keep hostile input cheap. Each one, when hit, is a diagnostic.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Deepest nesting of collections.
    pub max_depth: usize,
    /// Most nodes a document may hold once aliases are expanded.
    pub max_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: crate::limits::MAX_YAML_DEPTH,
            max_nodes: crate::limits::MAX_YAML_NODES,
        }
    }
}

/// The byte ranges of the `---` documents of `text` (see [`parse`]).
pub fn document_ranges(text: &str) -> Vec<std::ops::Range<usize>> {
    split::documents(text)
}

/// Parses one document's text on its own (spans relative to `chunk`); None when it holds no
/// document.
pub fn parse_chunk(chunk: &str, limits: &Limits) -> Option<Document> {
    builder::parse_document(chunk, 0..chunk.len(), limits)
}

impl Node {
    /// The node whose span is `span`: the innermost node containing it, if that is exactly
    /// `span`. The model stores spans rather than references, so that a lowered document
    /// outlives no borrow of its tree.
    pub fn find(&self, span: &Span) -> Option<&Node> {
        let contains = |n: &Node| n.span.start <= span.start && span.end <= n.span.end;
        let mut node = self;
        if !contains(node) {
            return None;
        }
        'down: loop {
            match &node.kind {
                NodeKind::Scalar(_) => {}
                NodeKind::Sequence(items) => {
                    if let Some(i) = items.iter().find(|i| contains(i)) {
                        node = i;
                        continue 'down;
                    }
                }
                NodeKind::Mapping(entries) => {
                    for e in entries {
                        for n in [&e.key, &e.value] {
                            if contains(n) {
                                node = n;
                                continue 'down;
                            }
                        }
                    }
                }
            }
            return (node.span == *span).then_some(node);
        }
    }

    /// Moves every span of the tree `by` bytes later (a document parsed alone, placed back at
    /// its offset in the file).
    pub fn shift(&mut self, by: usize) {
        let mut stack = vec![self];
        while let Some(n) = stack.pop() {
            n.span = n.span.start + by..n.span.end + by;
            match &mut n.kind {
                NodeKind::Scalar(_) => {}
                NodeKind::Sequence(items) => stack.extend(items.iter_mut()),
                NodeKind::Mapping(entries) => {
                    for e in entries.iter_mut() {
                        stack.push(&mut e.key);
                        stack.push(&mut e.value);
                    }
                }
            }
        }
    }
}

impl Document {
    /// The same document with its spans moved `by` bytes later.
    pub fn shift(&mut self, by: usize) {
        self.span = self.span.start + by..self.span.end + by;
        if let Some(root) = &mut self.root {
            root.shift(by);
        }
        for d in &mut self.diagnostics {
            d.shift(by);
        }
    }
}

/// Parses every document of `text`.
pub fn parse(text: &str, limits: &Limits) -> Vec<Document> {
    split::documents(text)
        .into_iter()
        .filter_map(|range| builder::parse_document(text, range, limits))
        .collect()
}

/// The map from offsets in a scalar's `text` to offsets in the source, for placing findings
/// inside strings. `span` and `style` are the scalar node's.
pub fn value_map(source: &str, node: &Node) -> Option<ValueMap> {
    let s = node.as_scalar()?;
    Some(offsets::map_scalar(
        source,
        node.span.clone(),
        s.style,
        &s.text,
    ))
}

#[cfg(test)]
mod tests;
