//! Fuzz target bodies, shared by `cargo fuzz` (`fuzz/fuzz_targets/*.rs` only call them) and by
//! `tests/fuzz_replay.rs`, which runs the checked-in corpora through them on stable Rust.
//!
//! Each body panics when an invariant breaks, not only when the code under test does: spans
//! outside the text or inside a character, a re-run giving another answer. Hidden from the
//! documentation: this is test support, not API.

use std::ops::Range;

use crate::analysis;
use crate::jmespath::{self, Options, functions::Env, template};
use crate::yaml::{self, Limits, Node, NodeKind};

/// Input as text: invalid UTF-8 is replaced, so byte mutations still reach the parsers.
fn text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}

#[track_caller]
fn assert_span(text: &str, span: &Range<usize>, what: &str) {
    assert!(
        span.start <= span.end && span.end <= text.len(),
        "{what}: span {span:?} outside a text of {} bytes",
        text.len()
    );
    assert!(
        text.is_char_boundary(span.start) && text.is_char_boundary(span.end),
        "{what}: span {span:?} cuts a character"
    );
}

/// Every node of a tree, without recursion (the trees may be as deep as the limits allow).
fn nodes(root: &Node) -> Vec<&Node> {
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(n) = stack.pop() {
        out.push(n);
        match &n.kind {
            NodeKind::Scalar(_) => {}
            NodeKind::Sequence(items) => stack.extend(items.iter()),
            NodeKind::Mapping(entries) => {
                for e in entries {
                    stack.push(&e.key);
                    stack.push(&e.value);
                }
            }
        }
    }
    out
}

/// Checks a scalar's value map: every value offset lands on a character of the source, and the
/// mapped ranges stay inside it.
fn check_value_map(source: &str, node: &Node) {
    let Some(scalar) = node.as_scalar() else {
        return;
    };
    let Some(map) = yaml::value_map(source, node) else {
        return;
    };
    let value = &scalar.text;
    let boundaries: Vec<usize> = value
        .char_indices()
        .map(|(i, _)| i)
        .chain([value.len()])
        .collect();
    for &i in &boundaries {
        let at = map.to_source(i);
        assert!(at <= source.len(), "value offset {i} maps past the source");
        assert!(
            source.is_char_boundary(at),
            "value offset {i} maps inside a character"
        );
    }
    // Ranges: the whole value, and each character alone (a few, to stay linear).
    assert_span(source, &map.span(0..value.len()), "value map of a scalar");
    for w in boundaries.windows(2).take(64) {
        assert_span(source, &map.span(w[0]..w[1]), "value map of a character");
    }
    if map.exact {
        // Mapped back, the start of the value is its first character.
        let start = map.to_source(0);
        if !value.is_empty() {
            assert_eq!(map.to_value(start), Some(0), "value map round trip");
        }
    }
}

/// The YAML layer: documents, spans, the JSON view and the value maps of scalars; parsing a
/// document alone (as the incremental analysis does) gives the same tree as parsing the file.
pub fn yaml(data: &[u8]) {
    let text = text(data);
    let text = text.as_ref();
    let limits = Limits::default();
    let docs = yaml::parse(text, &limits);
    for doc in &docs {
        assert_span(text, &doc.span, "document");
        for d in &doc.diagnostics {
            assert_span(text, &d.span, d.code);
        }
        if let Some(root) = &doc.root {
            for n in nodes(root) {
                assert_span(text, &n.span, "node");
                check_value_map(text, n);
            }
            let _ = root.to_json();
        }
    }
    assert_eq!(
        docs,
        yaml::parse(text, &limits),
        "parsing is not deterministic"
    );
    let alone: Vec<yaml::Document> = yaml::document_ranges(text)
        .into_iter()
        .filter_map(|range| {
            let mut doc = yaml::parse_chunk(&text[range.clone()], &limits)?;
            doc.shift(range.start);
            Some(doc)
        })
        .collect();
    assert_eq!(docs, alone, "a document parsed alone differs");
}

/// Splits `expression \n document`: the first line is the expression, the rest JSON (null when
/// it does not parse).
fn split_expression(text: &str) -> (&str, jmespath::Value) {
    let (expr, doc) = text.split_once('\n').unwrap_or((text, ""));
    let data = serde_json::from_str::<serde_json::Value>(doc)
        .map(|v| jmespath::Value::from_json(&v))
        .unwrap_or(jmespath::Value::Null);
    (expr, data)
}

/// The JMESPath parser and evaluator, Kyverno functions and step budget included.
pub fn jmespath(data: &[u8]) {
    let text = text(data);
    let (expr, doc) = split_expression(&text);
    let parsed = jmespath::parse(expr);
    assert_eq!(
        parsed,
        jmespath::parse(expr),
        "parsing is not deterministic"
    );
    let ast = match parsed {
        Ok(ast) => ast,
        Err(e) => {
            assert_span(expr, &(e.offset..e.end), "parse error");
            assert!(!e.message.is_empty(), "parse error without a message");
            return;
        }
    };
    assert!(
        ast.span.start <= ast.span.end && ast.span.end <= expr.len(),
        "expression span {:?} outside {} bytes",
        ast.span,
        expr.len()
    );
    let env = Env::fixed();
    for options in [Options::KYVERNO, Options::STANDARD] {
        let first = jmespath::evaluate_with(&ast, &doc, &env, &options);
        match &first {
            Ok(value) => {
                let _ = value.to_json();
                let _ = jmespath::functions::go_format(value);
            }
            Err(e) => {
                let span = e.span();
                assert!(
                    span.start <= span.end && span.end <= expr.len(),
                    "error span {span:?} outside {} bytes: {e}",
                    expr.len()
                );
                assert!(!e.to_string().is_empty(), "error without a message");
            }
        }
        // Debug text, so that NaN equals NaN.
        let again = jmespath::evaluate_with(&ast, &doc, &env, &options);
        assert_eq!(
            format!("{first:?}"),
            format!("{again:?}"),
            "evaluation is not deterministic"
        );
    }
}

/// Checks the `{{ }}` templates and `$(...)` references of one string.
fn check_templates(s: &str) -> Vec<template::Template> {
    let found = template::find(s);
    let mut after = 0;
    for t in &found {
        assert_span(s, &t.range, "template");
        assert_span(s, &t.expr, "template expression");
        assert!(
            t.range.start >= after,
            "templates overlap or are out of order"
        );
        assert!(
            t.range.start + 2 <= t.expr.start && t.expr.end + 2 <= t.range.end,
            "expression {:?} outside its braces {:?}",
            t.expr,
            t.range
        );
        assert!(s[t.range.clone()].starts_with("{{") && s[t.range.clone()].ends_with("}}"));
        after = t.range.end;
    }
    let _ = template::is_whole(s);
    let mut after = 0;
    for (whole, path) in template::find_references(s) {
        assert_span(s, &whole, "reference");
        assert_span(s, &path, "reference path");
        assert!(whole.start >= after, "references overlap");
        assert!(whole.start <= path.start && path.end <= whole.end);
        after = whole.end;
    }
    // Substitution terminates, whatever the expressions give back: here their own text, so
    // that results may contain new templates.
    let env = Env::fixed();
    let _ = template::substitute(s, false, &mut |expr| {
        let ast = jmespath::parse(expr).map_err(|e| e.message)?;
        let options = Options {
            max_steps: 10_000,
            ..Options::KYVERNO
        };
        match jmespath::evaluate_with(&ast, &jmespath::Value::Null, &env, &options) {
            Ok(jmespath::Value::Null) => Ok(jmespath::Value::string(expr)),
            Ok(v) => Ok(v),
            Err(e) => Err(e.to_string()),
        }
    });
    found
}

/// The template scanner, and the mapping of template sites through a scalar's value map back
/// to the YAML source.
pub fn template(data: &[u8]) {
    let text = text(data);
    let text = text.as_ref();
    check_templates(text);
    for doc in yaml::parse(text, &Limits::default()) {
        let Some(root) = &doc.root else {
            continue;
        };
        for n in nodes(root) {
            let Some(scalar) = n.as_scalar() else {
                continue;
            };
            let found = check_templates(&scalar.text);
            if found.is_empty() {
                continue;
            }
            let Some(map) = yaml::value_map(text, n) else {
                continue;
            };
            for t in &found {
                let whole = map.span(t.range.clone());
                let expr = map.span(t.expr.clone());
                assert_span(text, &whole, "mapped template");
                assert_span(text, &expr, "mapped template expression");
                if map.exact {
                    assert!(
                        whole.start <= expr.start && expr.end <= whole.end,
                        "mapped expression {expr:?} outside its template {whole:?}"
                    );
                    assert!(
                        n.span.start <= whole.start && whole.end <= n.span.end,
                        "mapped template {whole:?} outside its scalar {:?}",
                        n.span
                    );
                }
            }
        }
    }
}

/// The whole analysis with the built-in samples, then the editor features on its result.
pub fn analysis(data: &[u8]) {
    let text = text(data);
    let text = text.as_ref();
    let result = analysis::analyze(text);
    for d in &result.diagnostics {
        assert_span(text, &d.span, d.code);
        assert!(!d.message.is_empty(), "{} without a message", d.code);
        for r in d.related.iter().filter(|r| r.file.is_none()) {
            assert_span(text, &r.span, "related location");
        }
    }
    for doc in &result.documents {
        assert_span(text, &doc.doc.span, "document");
    }
    let again = analysis::analyze(text);
    assert_eq!(
        result.diagnostics, again.diagnostics,
        "analysis is not deterministic"
    );
    // The editor features at the start, the middle and the end.
    for offset in [0, text.len() / 2, text.len()] {
        let offset = crate::text::clamp_to_char(text, offset);
        let _ = crate::ide::hover(text, &result, offset);
        let _ = crate::ide::completion(text, &result, offset);
        let _ = crate::ide::signature_help(text, &result, offset);
        let _ = crate::ide::definition(text, &result, offset);
    }
    let _ = crate::ide::document_symbols(text, &result);
    let _ = crate::ide::code_lenses(text, &result);
}

/// Most messages one input may hold: more only repeats the same paths at a higher cost.
const MAX_LSP_MESSAGES: usize = 64;

/// The real core, minus the file system: a fuzzed client could name `/` as its workspace.
struct NoFiles;

impl crate::lsp::Analyzer for NoFiles {
    fn analyze_with(&self, text: &str, inputs: &analysis::Inputs) -> analysis::Analysis {
        analysis::analyze_with(text, inputs)
    }
}

/// Masks, in place (the message lengths stay right), what would let a fuzzed client point the
/// server at the disk: workspace folders, the root path and URI, added folders, `\u` escapes
/// that could spell those names, and the command that runs tests from the disk.
fn mask_workspace(data: &mut [u8]) {
    const MASKED: [&[u8]; 5] = [b"root", b"orkspaceFolders", b"added", b"\\u", b"runTests"];
    for word in MASKED {
        let mut i = 0;
        while i + word.len() <= data.len() {
            if data[i..i + word.len()].eq_ignore_ascii_case(word) {
                data[i] = b'#';
                i += word.len();
            } else {
                i += 1;
            }
        }
    }
}

/// The first message framed in `out`, and the bytes it takes; None while it is incomplete.
fn next_frame(out: &[u8]) -> Option<(usize, &[u8])> {
    let end = out.windows(4).position(|w| w == b"\r\n\r\n")?;
    let header = std::str::from_utf8(&out[..end]).expect("server output: header not UTF-8");
    let length: usize = header
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .and_then(|n| n.trim().parse().ok())
        .expect("server output: no Content-Length");
    let body = out.get(end + 4..end + 4 + length)?;
    Some((end + 4 + length, body))
}

/// Splits the server's output into message bodies, checking the framing.
fn framed_bodies(mut out: &[u8]) -> Vec<serde_json::Value> {
    let mut bodies = Vec::new();
    while !out.is_empty() {
        let (taken, body) = next_frame(out).expect("server output: truncated message");
        let value: serde_json::Value =
            serde_json::from_slice(body).expect("server output: body not JSON");
        assert_eq!(value["jsonrpc"], "2.0", "server output: not JSON-RPC 2.0");
        bodies.push(value);
        out = &out[taken..];
    }
    bodies
}

/// The id of the request framed in `chunk` (a client message with a method and an id).
fn request_id(chunk: &[u8]) -> Option<String> {
    let start = chunk.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let message: serde_json::Value = serde_json::from_slice(&chunk[start..]).ok()?;
    message.get("method")?;
    Some(message.get("id").filter(|id| !id.is_null())?.to_string())
}

/// Arbitrary bytes as the client's stream into the real server, through its framing code.
/// The session ends at the end of the input; the output must be well-formed messages.
pub fn lsp(data: &[u8]) {
    lsp_session(data);
}

/// [`lsp`], returning the messages the server sent.
pub fn lsp_session(data: &[u8]) -> Vec<serde_json::Value> {
    use std::collections::HashSet;
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::time::{Instant, timeout_at};
    const HEADER: &[u8] = b"Content-Length";
    // The input cut before each header and sent one message at a time. After a request, the
    // session waits for its answer (bounded), as a client would: the server cancels requests
    // still running when the input ends. At most MAX_LSP_MESSAGES messages.
    let mut input = data.to_vec();
    mask_workspace(&mut input);
    let mut cuts: Vec<usize> = (1..input.len().saturating_sub(HEADER.len() - 1))
        .filter(|&i| input[i..i + HEADER.len()].eq_ignore_ascii_case(HEADER))
        .collect();
    cuts.truncate(MAX_LSP_MESSAGES);
    cuts.push(input.len());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime");
    let output = runtime.block_on(async move {
        // Room for the whole input, so that writing never waits for the server to read.
        let (mut to_server, server_in) = tokio::io::duplex(input.len().max(1 << 16));
        let (server_out, mut from_server) = tokio::io::duplex(1 << 16);
        let server = tokio::spawn(crate::lsp::serve_with(
            server_in,
            server_out,
            std::sync::Arc::new(NoFiles),
        ));
        let session = async move {
            let mut output = Vec::new();
            let mut parsed = 0;
            let mut answered = HashSet::new();
            let mut buf = vec![0; 1 << 16];
            let mut from = 0;
            let mut closed = false;
            // The waits for answers, in all: the server answers in microseconds to milliseconds,
            // but a mutated request may get no answer (a duplicate id) or one without its id.
            let waits_end = Instant::now() + Duration::from_secs(1);
            for cut in cuts {
                let chunk = &input[from..cut];
                from = cut;
                if to_server.write_all(chunk).await.is_err() {
                    break;
                }
                let Some(id) = request_id(chunk) else {
                    for _ in 0..4 {
                        tokio::task::yield_now().await;
                    }
                    continue;
                };
                let deadline = waits_end.min(Instant::now() + Duration::from_millis(100));
                while !closed && !answered.contains(&id) {
                    match timeout_at(deadline, from_server.read(&mut buf)).await {
                        Ok(Ok(n)) if n > 0 => output.extend_from_slice(&buf[..n]),
                        Ok(_) => closed = true,
                        Err(_) => break,
                    }
                    while let Some((taken, body)) = next_frame(&output[parsed..]) {
                        parsed += taken;
                        if let Ok(m) = serde_json::from_slice::<serde_json::Value>(body) {
                            // An answer without an id (a malformed request) may be this one's.
                            if m.get("method").is_none() {
                                let answer = m["id"].to_string();
                                answered.insert(if answer == "null" { id.clone() } else { answer });
                            }
                        }
                    }
                }
            }
            drop(to_server);
            from_server
                .read_to_end(&mut output)
                .await
                .expect("reading the server's output");
            output
        };
        // A hang guard only: the waits above take 1 s at most.
        let output = tokio::time::timeout(Duration::from_secs(8), session)
            .await
            .expect("the server did not finish its session");
        let code = server.await.expect("the server task panicked");
        assert!(code == 0 || code == 1, "exit code {code}");
        output
    });
    // Analyses still running on blocking threads are of no interest once the session ended.
    runtime.shutdown_background();
    framed_bodies(&output)
}

/// The CEL parser and evaluator: `expression \n JSON document`, the document bound to
/// `object`. Every span of the tree, of a syntax error and of a runtime error lies on
/// characters of the expression; a child's span lies inside its parent's; parsing and
/// evaluation give the same answer twice; the cost limit ends every evaluation.
pub fn cel(data: &[u8]) {
    use crate::cel;
    let text = text(data);
    let (expr, doc) = split_expression(&text);
    let (ast, errors) = cel::parse(expr);
    let (again, errors_again) = cel::parse(expr);
    assert_eq!(
        format!("{ast:?}{errors:?}"),
        format!("{again:?}{errors_again:?}"),
        "parsing is not deterministic"
    );
    for e in &errors {
        assert_span(expr, &e.span, "syntax error");
        assert!(!e.message.is_empty(), "syntax error without a message");
    }
    let Some(ast) = ast else {
        assert!(!errors.is_empty(), "no tree and no syntax error");
        return;
    };
    // Without recursion: the tree may be as tall as the parser allows.
    let mut stack = vec![&ast];
    while let Some(node) = stack.pop() {
        assert_span(expr, &node.span, "node");
        for child in node.children() {
            assert!(
                node.span.start <= child.span.start && child.span.end <= node.span.end,
                "child {:?} outside its parent {:?}",
                child.span,
                node.span
            );
            stack.push(child);
        }
    }
    if !errors.is_empty() {
        return;
    }
    let program = cel::Program::new(ast);
    let mut bindings = cel::Bindings::new();
    bindings.set("object", cel::Value::from_json(&doc));
    let env = cel::Env::fixed();
    let first = program.eval_with_cost(&bindings, &env);
    if let (Err(e), _) = &first {
        assert_span(expr, &e.span, "runtime error");
        assert!(!e.message.is_empty(), "runtime error without a message");
    }
    if let (Ok(v), _) = &first {
        let _ = v.to_json();
    }
    let second = program.eval_with_cost(&bindings, &env);
    assert_eq!(
        format!("{first:?}"),
        format!("{second:?}"),
        "evaluation is not deterministic"
    );
}

/// The CEL type checker: the first byte picks the policy kind and the expected output type,
/// the rest is the expression. Every finding lies inside the expression on character
/// boundaries, has a message, and checking is deterministic; types print without panicking.
pub fn cel_check(data: &[u8]) {
    use crate::cel::checker::{self, CheckEnv, Expected, Flavor, Type, VariablesScope};
    let (selector, rest) = data.split_first().map_or((0, &[][..]), |(s, r)| (*s, r));
    let text = text(rest);
    let text = text.as_ref();
    let (Some(ast), errors) = crate::cel::parse(text) else {
        return;
    };
    if !errors.is_empty() {
        return;
    }
    const FLAVORS: [Flavor; 7] = [
        Flavor::Validating,
        Flavor::Mutating,
        Flavor::Generating,
        Flavor::ImageValidating,
        Flavor::Deleting,
        Flavor::ValidateCel,
        Flavor::AdmissionPolicy,
    ];
    const EXPECTED: [Expected; 4] = [
        Expected::Any,
        Expected::Bool,
        Expected::String,
        Expected::StringOrNull,
    ];
    let variables = vec![
        ("a".to_string(), Type::Dyn),
        ("b".to_string(), Type::List(Box::new(Type::String))),
    ];
    // The high bit types `object` as a Pod or a Deployment.
    let objects = (selector & 0x80 != 0).then(|| {
        crate::cel::checker::Objects::builtin(&[("", "v1", "Pod"), ("apps", "v1", "Deployment")])
    });
    let env = CheckEnv {
        flavor: FLAVORS[usize::from(selector) % FLAVORS.len()],
        params: selector & 0x10 != 0,
        authorizer: selector & 0x20 != 0,
        variables: &variables,
        variables_scope: if selector & 0x40 != 0 {
            VariablesScope::BeforeVariables
        } else {
            VariablesScope::Declared
        },
        expected: EXPECTED[usize::from(selector >> 2) % EXPECTED.len()],
        objects: objects.as_ref(),
    };
    let first = checker::check(&ast, &env);
    for f in &first.findings {
        assert_span(text, &f.span, f.code);
        assert!(!f.message.is_empty(), "{} without a message", f.code);
    }
    let _ = first.ty.to_string();
    assert_eq!(
        first,
        checker::check(&ast, &env),
        "checking is not deterministic"
    );
}

/// The mutations' merges and patches: two JSON documents, one per line (a resource, then a
/// patch), through the mutate anchors and the strategic merge, the structured merge of an
/// apply configuration (typed and untyped), and JSON patches with Kyverno's and the
/// apiserver's options. Each must give the same answer twice, and never panic.
pub fn mutate(data: &[u8]) {
    use crate::engine::mutate::{anchors, apply, json_patch, merge};
    let text = text(data);
    let (first, second) = text.split_once('\n').unwrap_or((&text, ""));
    let parse = |s: &str| {
        serde_json::from_str::<serde_json::Value>(s)
            .map(|v| jmespath::Value::from_json(&v))
            .unwrap_or(jmespath::Value::Null)
    };
    let (resource, patch) = (parse(first), parse(second));
    let mut preprocessed = patch.clone();
    if anchors::preprocess(&mut preprocessed, &resource).is_ok() {
        let merged = merge::strategic_merge(&resource, &preprocessed);
        assert_eq!(
            merged,
            merge::strategic_merge(&resource, &preprocessed),
            "strategic merge is not deterministic"
        );
    }
    let applied = apply::apply_configuration(&resource, &patch);
    assert_eq!(
        applied,
        apply::apply_configuration(&resource, &patch),
        "structured merge is not deterministic"
    );
    let _ = apply::apply_untyped(&resource, &patch);
    if let jmespath::Value::Array(ops) = &patch {
        let _ = json_patch::apply(&resource, ops);
        let _ = json_patch::apply_strict(&resource, ops);
    }
}

/// The migration to ValidatingPolicy: a policy text through the analysis, the translation and
/// the proof on the built-in samples. It must give the same documents twice, every migrated
/// document must read back as YAML, and nothing may panic.
pub fn migrate(data: &[u8]) {
    let text = text(data);
    let text = text.as_ref();
    let analysis = analysis::analyze(text);
    let migration = crate::migrate::migrate(text, &analysis);
    assert_eq!(
        migration,
        crate::migrate::migrate(text, &analysis),
        "migration is not deterministic"
    );
    for r in &migration.refused {
        assert_span(text, &r.span, "refusal");
        assert!(!r.reason.is_empty(), "a refusal without a reason");
    }
    let yaml = migration.yaml();
    let docs = crate::yaml::parse(&yaml, &crate::yaml::Limits::default());
    assert_eq!(
        docs.iter().filter(|d| d.root.is_some()).count(),
        migration.migrated.len(),
        "a migrated document does not read back"
    );
    let _ =
        crate::migrate::proof::prove_samples(&analysis, &migration, &crate::engine::Env::fixed());
}

/// A kustomization read and its build's findings placed back: the input is four texts
/// separated by lines `===`, the overlay's kustomization, a resource file and a patch file it
/// may name, and what kustomize printed. Every finding lands on characters of the file it names,
/// and placing them again gives the same answer.
pub fn kustomize(data: &[u8]) {
    use std::path::Path;
    let text = text(data);
    let mut parts = text.split("\n===\n");
    let mut next = || parts.next().unwrap_or("").to_string();
    let (kustomization, resource, patch, build) = (next(), next(), next(), next());
    let files = crate::vfs::MemFiles::new(&[
        ("/r/o/kustomization.yaml", &kustomization),
        ("/r/o/resource.yaml", &resource),
        ("/r/o/patch.yaml", &patch),
        ("/r/base/kustomization.yaml", "resources: [policy.yaml]\n"),
        (
            "/r/base/policy.yaml",
            "kind: ClusterPolicy\nmetadata: {name: p}\n",
        ),
    ]);
    let root = Path::new("/r");
    let Some(plan) = crate::host::kustomize::plan(&files, root, Path::new("/r/o")) else {
        return;
    };
    for p in &plan.read {
        assert!(
            p.starts_with(root),
            "a path read outside the root: {}",
            p.display()
        );
    }
    let render = crate::host::Render::Rendered(build);
    for (path, text) in &files.0 {
        let place = || {
            crate::host::kustomize::diagnostics_for(
                &files,
                root,
                &plan,
                &render,
                path,
                text,
                &[],
                &|_| analysis::Inputs::default(),
                &|t, i| analysis::analyze_with(t, i),
            )
        };
        let found = place();
        for d in &found {
            assert_span(text, &d.span, "a kustomize finding");
            for r in d.related.iter().filter(|r| r.file.is_none()) {
                assert_span(text, &r.span, "a kustomize finding's related span");
            }
        }
        assert_eq!(
            found,
            place(),
            "placing a build's findings is not deterministic"
        );
    }
}
