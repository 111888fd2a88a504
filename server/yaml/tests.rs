use super::*;
use crate::diag::Severity;

fn one(text: &str) -> Node {
    let docs = parse(text, &Limits::default());
    assert_eq!(docs.len(), 1, "{docs:?}");
    assert!(docs[0].diagnostics.is_empty(), "{:?}", docs[0].diagnostics);
    docs[0].root.clone().unwrap()
}

fn src<'a>(text: &'a str, n: &Node) -> &'a str {
    &text[n.span.clone()]
}

#[test]
fn spans_of_keys_values_and_items() {
    let t = "a: 1\nb:\n  - x\n  - {k: v}\nc: \"q\"\n";
    let root = one(t);
    let m = root.as_mapping().unwrap();
    assert_eq!(src(t, &m[0].key), "a");
    assert_eq!(src(t, &m[0].value), "1");
    assert_eq!(m[0].value.as_scalar().unwrap().value, Resolved::Int(1));
    assert_eq!(src(t, &m[1].value), "- x\n  - {k: v}");
    let items = m[1].value.as_sequence().unwrap();
    assert_eq!(src(t, &items[1]), "{k: v}");
    assert_eq!(src(t, &m[2].value), "\"q\"");
    assert_eq!(
        m[2].value.as_scalar().unwrap().style,
        ScalarStyle::DoubleQuoted
    );
    assert_eq!(src(t, &root), "a: 1\nb:\n  - x\n  - {k: v}\nc: \"q\"");
}

#[test]
fn byte_offsets_after_multibyte_text() {
    let t = "a: \"🙂é\"\nb: x\n";
    let root = one(t);
    let b = root.get("b").unwrap();
    assert_eq!(b.span, 15..16);
    assert_eq!(src(t, b), "x");
}

#[test]
fn anchors_are_not_part_of_the_value_span() {
    let t = "a: &x hello\nb: *x\nc: !!str 12\n";
    let root = one(t);
    assert_eq!(src(t, root.get("a").unwrap()), "hello");
    assert_eq!(root.get("b").unwrap().as_str(), Some("hello"));
    let c = root.get("c").unwrap();
    assert_eq!(src(t, c), "12");
    assert_eq!(c.as_scalar().unwrap().value, Resolved::Str);
}

#[test]
fn kubernetes_reads_yaml_1_1_booleans() {
    let root = one("a: yes\nb: 'yes'\nc: off\nd: 0777\n");
    assert_eq!(
        root.to_json(),
        serde_json::json!({"a": true, "b": "yes", "c": false, "d": 511})
    );
}

#[test]
fn merge_keys_are_applied() {
    let root = one("base: &b {x: 1, z: 2}\nd:\n  <<: *b\n  z: 3\n");
    assert_eq!(
        root.get("d").unwrap().to_json(),
        serde_json::json!({"z": 3, "x": 1})
    );
    // go-yaml v2 reads a plain `y` key as the boolean true, and Kubernetes then as "true".
    assert_eq!(one("y: 1\n").to_json(), serde_json::json!({"true": 1}));
}

#[test]
fn duplicate_key_points_at_both() {
    let t = "a: 1\nb: 2\na: 3\n";
    let docs = parse(t, &Limits::default());
    let d = &docs[0].diagnostics;
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].code, "duplicate-key");
    assert_eq!(d[0].span, 10..11);
    assert_eq!(d[0].related[0].span, 0..1);
    assert_eq!(
        d[0].message,
        "Duplicate key `a`: Kubernetes rejects a mapping that repeats a key. Remove one of them or merge their contents."
    );
}

#[test]
fn a_broken_document_does_not_hide_the_others() {
    let t = "a: 1\n---\nb: [1, 2\n---\nc: 3\n";
    let docs = parse(t, &Limits::default());
    assert_eq!(docs.len(), 3);
    assert!(docs[0].root.is_some());
    assert!(docs[1].root.is_none());
    assert_eq!(docs[1].diagnostics[0].code, "yaml-syntax");
    assert_eq!(
        docs[2].root.as_ref().unwrap().to_json(),
        serde_json::json!({"c": 3})
    );
}

#[test]
fn syntax_error_position() {
    let t = "x: 1\n---\na: b: c\n";
    let docs = parse(t, &Limits::default());
    let d = &docs[1].diagnostics[0];
    assert_eq!(
        d.message,
        "YAML syntax error: mapping values are not allowed in this context"
    );
    assert_eq!(d.span, 13..14);
    assert_eq!(&t[d.span.clone()], ":");
}

#[test]
fn alias_bomb_is_stopped() {
    let mut t = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let p = i - 1;
        t.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let docs = parse(&t, &Limits::default());
    let d = &docs[0].diagnostics[0];
    assert_eq!(d.code, "alias-expansion-limit");
    assert_eq!(d.severity, Severity::Error);
    assert!(docs[0].root.is_none());
}

#[test]
fn deep_nesting_is_a_diagnostic() {
    let t = "- ".repeat(30_000) + "x\n";
    let docs = parse(&t, &Limits::default());
    assert_eq!(docs[0].diagnostics[0].code, "nesting-too-deep");
    let t = "[".repeat(100_000);
    let docs = parse(&t, &Limits::default());
    assert_eq!(docs[0].diagnostics[0].code, "nesting-too-deep");
}

fn check_map(t: &str, key: &str, needle: &str, expected_source: &str) {
    let root = one(t);
    let node = root.get(key).unwrap();
    let s = node.as_scalar().unwrap();
    let map = value_map(t, node).unwrap();
    assert!(map.exact, "decoding of {:?} was not exact", s.style);
    let v = s
        .text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in {:?}", s.text));
    let span = map.span(v..v + needle.len());
    assert_eq!(&t[span.clone()], expected_source);
    assert_eq!(map.to_value(span.start), Some(v), "inverse of the map");
}

#[test]
fn value_offsets_map_back_to_source() {
    check_map("k: hello {{ x }}\n", "k", "{{ x }}", "{{ x }}");
    check_map("k: one\n  two {{ y }}\n", "k", "{{ y }}", "{{ y }}");
    check_map("k: 'it''s {{ y }}'\n", "k", "{{ y }}", "{{ y }}");
    check_map("k: 'it''s'\n", "k", "'", "''");
    check_map("k: \"a\\tb {{ z }}\"\n", "k", "\tb", "\\tb");
    check_map("k: \"a\\u00e9 {{ z }}\"\n", "k", "{{ z }}", "{{ z }}");
    check_map("k: \"🙂 {{ z }}\"\n", "k", "{{ z }}", "{{ z }}");
    check_map(
        "k: \"line \\\n  more {{ z }}\"\n",
        "k",
        "more {{ z }}",
        "more {{ z }}",
    );
    check_map("k: |\n  first\n  {{ a }}\n", "k", "{{ a }}", "{{ a }}");
    check_map("k: |-\n    x\n    é {{ a }}\n", "k", "{{ a }}", "{{ a }}");
    check_map(
        "k: >\n  one\n  two {{ b }}\n\n  three\n",
        "k",
        "{{ b }}",
        "{{ b }}",
    );
    check_map(
        "k: >\n  one\n  two {{ b }}\n\n  three\n",
        "k",
        "three",
        "three",
    );
    check_map("k:\n  - x\nj: |+\n  keep\n\n", "j", "keep", "keep");
}

/// Every value offset of the scalar `node` maps to a character boundary inside `t`.
fn assert_map_in_source(t: &str, node: &Node) {
    let s = node.as_scalar().unwrap();
    let map = value_map(t, node).unwrap();
    for v in (0..=s.text.len()).filter(|&v| s.text.is_char_boundary(v)) {
        let span = map.span(0..v);
        assert!(span.end <= t.len(), "{v} maps to {span:?} in {t:?}");
        assert!(t.is_char_boundary(span.start) && t.is_char_boundary(span.end));
    }
}

#[test]
fn block_scalar_at_the_end_of_a_file_without_a_final_break() {
    // Found by the yaml fuzz target: the value's final newline was mapped past the text.
    for t in ["|\n}", "k: >\n  a\n\n  b", "k: |\n  a\n  "] {
        let docs = parse(t, &Limits::default());
        let root = docs[0].root.clone().unwrap();
        let node = root.get("k").cloned().unwrap_or(root);
        assert_map_in_source(t, &node);
    }
    let t = "k: |\n  ab";
    let root = one(t);
    let map = value_map(t, root.get("k").unwrap()).unwrap();
    assert!(map.exact);
    assert_eq!(map.span(0..3), 7..9);
}

#[test]
fn coarse_value_maps_stay_on_character_boundaries() {
    // Found by the yaml fuzz target: a folded block the exact decoder gives up on, with a
    // multi-byte character, was mapped byte by byte into the middle of that character.
    let t = ">\n\n\u{fffd}";
    let root = parse(t, &Limits::default())[0].root.clone().unwrap();
    assert_map_in_source(t, &root);
}

#[test]
fn syntax_errors_stay_inside_their_document() {
    // Found by the yaml fuzz target: an error at the very end of a document took the first
    // character of the next one, unlike the same document parsed alone.
    let t = "    -\n    e\n---";
    let docs = parse(t, &Limits::default());
    assert_eq!(docs[0].span, 0..12);
    assert_eq!(docs[0].diagnostics[0].span, 12..12);
    let alone = parse_chunk(&t[..12], &Limits::default()).unwrap();
    assert_eq!(alone.diagnostics, docs[0].diagnostics);
}

#[test]
fn anchored_flow_collections_and_trailing_aliases_keep_their_spans() {
    // Found by the yaml fuzz target: an anchor written against its `[` hid the bracket, and a
    // block collection ending with an alias ended where the anchored node did, before it began.
    let t = "&o\n&b[]: &c[b,*b]";
    let root = parse(t, &Limits::default())[0].root.clone().unwrap();
    let entry = &root.as_mapping().unwrap()[0];
    assert_eq!(src(t, &root), "&b[]: &c[b,*b]");
    assert_eq!(src(t, &entry.key), "[]");
    assert_eq!(src(t, &entry.value), "[b,*b]");
    let t = "a: &x 1\nb:\n  - 2\n  - *x\nc: *x\n";
    let root = one(t);
    assert_eq!(src(t, root.get("b").unwrap()), "- 2\n  - *x");
    assert_eq!(src(t, &root), t.trim_end());
}

#[test]
fn quoted_scalar_followed_by_a_comment_with_a_multi_byte_character() {
    // Found by the yaml fuzz target: the last byte of the scalar's span was taken for its
    // closing quote and the text was cut inside a character.
    let t = "\"\" #\u{fffd}";
    let root = parse(t, &Limits::default())[0].root.clone().unwrap();
    assert_map_in_source(t, &root);
}

#[test]
fn a_node_is_found_by_its_span() {
    let t = "a: 1\nb:\n  - x\n  - {k: v, 'q': [w]}\n";
    let root = one(t);
    let b = &root.as_mapping().unwrap()[1];
    let item = &b.value.as_sequence().unwrap()[1];
    let entries = item.as_mapping().unwrap();
    for node in [
        &root,
        &b.key,
        &b.value,
        item,
        &entries[1].key,
        &entries[1].value,
    ] {
        let found = root.find(&node.span).unwrap();
        assert_eq!(
            found as *const Node,
            node as *const Node,
            "{}",
            src(t, node)
        );
    }
    let w = &entries[1].value.as_sequence().unwrap()[0];
    assert_eq!(src(t, root.find(&w.span).unwrap()), "w");
    // A span that is no node's, or lies outside the tree.
    assert!(root.find(&(1..3)).is_none());
    assert!(root.find(&(t.len()..t.len() + 2)).is_none());
}
