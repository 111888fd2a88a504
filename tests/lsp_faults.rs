//! The built server over real stdio when the client misbehaves or the world changes under it:
//! documents opened, changed and closed out of order, requests cancelled mid-analysis, sample
//! files deleted or broken, malformed JSON-RPC, and `shutdown`/`exit` while it is busy.
//!
//! ```text
//! cargo test --test lsp_faults -- --nocapture
//! ```
//!
//! prints the time from `exit` (or the end of input) to the end of the process.

mod common;

use std::time::{Duration, Instant};

use common::{Process, Workspace, lsp_diagnostics, lsp_hover, publish, utf16_range};
use serde_json::{Value, json};

const URI: &str = "file:///kyverno-ls-faults/policy.yaml";
const OTHER: &str = "file:///kyverno-ls-faults/never-opened.yaml";

/// How long a process may take to exit before the test fails. Only a hang guard: exits are
/// measured and printed, not asserted on.
const EXIT_GUARD: Duration = Duration::from_secs(5);

/// A policy with a template; `typo` misspells `pattern` so the texts differ in diagnostics.
fn policy(name: &str, typo: bool) -> String {
    format!(
        "apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: {name}
spec:
  validationFailureAction: Audit
  rules:
    - name: check-team
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        message: \"{{{{ request.object.metadata.name }}}} needs a team label\"
        {}:
          metadata:
            labels:
              team: \"?*\"
",
        if typo { "patern" } else { "pattern" }
    )
}

/// The `publishDiagnostics` the core gives for `text` open as `uri`.
fn expected(uri: &str, version: Option<i32>, text: &str) -> Value {
    publish(
        uri,
        version,
        lsp_diagnostics(uri, text, &kyverno_ls::analysis::analyze(text)),
    )
}

fn started() -> Process {
    let mut p = Process::spawn();
    let init = p.initialize(json!({}));
    assert_eq!(init["result"]["serverInfo"]["name"], "kyverno-ls");
    p
}

/// The next `publishDiagnostics` for `uri`, whatever its version: a stale one would be found
/// before the one expected.
fn next_publish(p: &mut Process, uri: &str) -> Value {
    p.diagnostics(uri, None)
}

/// Edits `text` (open as `uri`) as the client does: `span` replaced by `insert`.
fn edit(
    p: &mut Process,
    uri: &str,
    version: i32,
    text: &mut String,
    span: std::ops::Range<usize>,
    insert: &str,
) {
    p.edit(uri, version, utf16_range(text, &span), insert);
    text.replace_range(span, insert);
}

/// A hover inside `{{ request.object.metadata.name }}` of `text` gets the core's exact answer.
fn assert_hover_works(p: &mut Process, uri: &str, text: &str) {
    let offset = text
        .find("metadata.name }}")
        .expect("no template in the text")
        + 2;
    let position = utf16_range(text, &(offset..offset))["start"].clone();
    let response = p.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": position}),
    );
    let expected = lsp_hover(text, offset);
    assert!(!expected.is_null(), "the hover has something to say");
    assert_eq!(response["result"], expected, "hover at {position}");
}

// ---------------------------------------------------------------------------------------------
// Documents opened, changed and closed out of order

#[test]
fn open_change_close_reopen_in_any_order_publish_only_the_current_text() {
    let mut p = started();
    let mut text = policy("first", false);
    p.open(URI, 1, &text);
    assert_eq!(next_publish(&mut p, URI), expected(URI, Some(1), &text));

    let at = text.find("pattern").unwrap();
    edit(&mut p, URI, 2, &mut text, at..at + 7, "patern");
    assert_eq!(next_publish(&mut p, URI), expected(URI, Some(2), &text));

    // An older version than the last: the server cannot refuse the edit (the client's text
    // has it), so it applies it and publishes the text under the version it was given.
    edit(&mut p, URI, 1, &mut text, at..at + 6, "pattern");
    assert_eq!(next_publish(&mut p, URI), expected(URI, Some(1), &text));

    // The same version again, with another edit: still a new text to publish.
    edit(&mut p, URI, 1, &mut text, at..at + 7, "patern");
    assert_eq!(next_publish(&mut p, URI), expected(URI, Some(1), &text));

    // Opened again without a close: the new text replaces the old one.
    let second = policy("second", false);
    p.open(URI, 5, &second);
    assert_eq!(next_publish(&mut p, URI), expected(URI, Some(5), &second));

    p.close(URI);
    assert_eq!(
        next_publish(&mut p, URI),
        json!({"jsonrpc": "2.0", "method": "textDocument/publishDiagnostics",
               "params": {"uri": URI, "diagnostics": []}})
    );
    // Changes to a closed document or one never opened have nothing to apply to, and a second
    // close nothing to close: all are ignored, and requests on them have no answer.
    p.edit(URI, 6, common::range(0, 0, 0, 0), "garbage: [");
    p.close(URI);
    p.edit(OTHER, 3, common::range(0, 0, 0, 0), "garbage: [");
    p.close(OTHER);
    for uri in [URI, OTHER] {
        let response = p.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": common::pos(0, 0)}),
        );
        assert_eq!(
            response,
            common::response(response["id"].as_i64().unwrap(), Value::Null)
        );
    }

    // Reopened with versions starting again: the first publication is of the new text, with
    // nothing stale from before the close in between.
    let third = policy("third", true);
    p.open(URI, 1, &third);
    assert_eq!(next_publish(&mut p, URI), expected(URI, Some(1), &third));
    let mut text = third;
    let at = text.find("third").unwrap();
    edit(&mut p, URI, 2, &mut text, at..at, "the-");
    assert_eq!(next_publish(&mut p, URI), expected(URI, Some(2), &text));
    assert_hover_works(&mut p, URI, &text);

    assert!(
        p.unclaimed.is_empty(),
        "unexpected messages: {:?}",
        p.unclaimed
    );
    assert!(
        p.try_message().is_none(),
        "nothing else is published for OTHER or for the closed versions"
    );
}

// ---------------------------------------------------------------------------------------------
// $/cancelRequest

/// `n` policies with a context, `foreach` and several templates each, all named after `round`,
/// so that no document of one round is remembered from another and every analysis is a full
/// one (about 0.1 s in a debug build for 25).
fn large_document(n: usize, round: usize) -> String {
    let template = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/cases/valid-foreach-anypattern-context.yaml"
    ))
    .unwrap();
    (0..n)
        .map(|i| {
            template.replace(
                "name: restrict-images-and-probes",
                &format!("name: policy-{round}-{i}"),
            )
        })
        .collect::<Vec<_>>()
        .join("---\n")
}

fn cancelled(id: i64) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32800, "message": "Canceled"}})
}

/// A request's params at byte `offset` of `uri`'s `text`.
fn at(uri: &str, text: &str, offset: usize) -> Value {
    json!({"textDocument": {"uri": uri},
           "position": utf16_range(text, &(offset..offset))["start"]})
}

#[test]
fn requests_cancelled_mid_analysis_answer_request_cancelled_and_the_server_goes_on() {
    let mut p = Process::spawn();
    p.initialize(json!({"capabilities": {"workspace": {"configuration": true}}}));
    let mut text = large_document(25, 0);
    p.open(URI, 1, &text);
    p.diagnostics(URI, Some(1));

    // The framework runs at most four handlers at a time, in arrival order, and it handles a
    // `$/cancelRequest` in a handler of its own. A request and its cancellation read in the
    // same read start one right after the other: the request starts its analysis, and the
    // cancellation marks it aborted before the request is looked at again, so the answer is
    // RequestCancelled whatever the speed of the analysis. (Should a read end between the two,
    // the cancellation comes one read later, still far within the analysis.) The edit before
    // makes that analysis a full one of 25 policies, so the cancellation lands mid-analysis.
    let expression = text.find("{{ element.image }}").unwrap() + 3;
    assert!(!lsp_hover(&text, expression).is_null());
    let requests = [
        ("textDocument/hover", at(URI, &text, expression)),
        ("textDocument/completion", at(URI, &text, expression)),
        (
            "textDocument/codeLens",
            json!({"textDocument": {"uri": URI}}),
        ),
    ];
    let mut version = 1;
    for (round, (method, params)) in requests.iter().enumerate() {
        version += 1;
        text = large_document(25, round + 1);
        let id = p.next_id();
        p.send_together(&[
            json!({"jsonrpc": "2.0", "method": "textDocument/didChange",
                   "params": {"textDocument": {"uri": URI, "version": version},
                              "contentChanges": [{"text": text}]}}),
            json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}),
            json!({"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": id}}),
        ]);
        assert_eq!(p.response_to(id), cancelled(id), "{method}");
    }
    // The document's own analysis was not cancelled with the requests.
    assert_eq!(
        p.diagnostics(URI, Some(version)),
        expected(URI, Some(version), &text)
    );

    // A request that has finished cannot be cancelled: its answer stands, and cancelling it
    // afterwards (or cancelling an id never used) changes nothing.
    let (method, params) = ("textDocument/hover", at(URI, &text, expression));
    let id = p.send_request(method, params.clone());
    let answered = p.response_to(id);
    assert_eq!(answered["result"], lsp_hover(&text, expression));
    p.notify("$/cancelRequest", json!({"id": id}));
    p.notify("$/cancelRequest", json!({"id": 4242}));

    // Three handlers held by settings requests the test does not answer yet leave one free:
    // the hover runs in it to the end, and its cancellation, read together with it, waits for
    // a free handler, so it can only come after the answer.
    for _ in 0..3 {
        p.notify(
            "workspace/didChangeConfiguration",
            json!({"settings": null}),
        );
    }
    let asked: Vec<Value> = (0..3)
        .map(|_| p.incoming("workspace/configuration"))
        .collect();
    version += 1;
    text = large_document(25, 9);
    let id = p.next_id();
    p.send_together(&[
        json!({"jsonrpc": "2.0", "method": "textDocument/didChange",
               "params": {"textDocument": {"uri": URI, "version": version},
                          "contentChanges": [{"text": text}]}}),
        json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}),
        json!({"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": id}}),
    ]);
    let response = p.response_to(id);
    assert_eq!(response["result"], lsp_hover(&text, expression));
    for request in &asked {
        p.send(json!({"jsonrpc": "2.0", "id": request["id"],
                      "result": [{"builtinSamples": true}]}));
    }

    // Still serving, with the latest text.
    assert_eq!(
        p.diagnostics(URI, Some(version)),
        expected(URI, Some(version), &text)
    );
    let mut small = policy("after-cancel", false);
    p.open(OTHER, 1, &small);
    edit(&mut p, OTHER, 2, &mut small, 0..0, "# 🙂\n");
    assert_eq!(
        p.diagnostics(OTHER, Some(2)),
        expected(OTHER, Some(2), &small)
    );
    assert_hover_works(&mut p, OTHER, &small);
}

// ---------------------------------------------------------------------------------------------
// Malformed JSON-RPC

fn error(id: Value, code: i64, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

/// The next message, which must be the answer to what was just sent: nothing else is pending.
fn answer(p: &mut Process) -> Value {
    p.next_message().expect("the server stopped")
}

#[test]
fn malformed_messages_get_their_exact_errors_and_the_session_goes_on() {
    let mut p = Process::spawn();
    let hover = |id: i64| {
        json!({"jsonrpc": "2.0", "id": id, "method": "textDocument/hover",
               "params": {"textDocument": {"uri": URI}, "position": common::pos(0, 0)}})
    };

    // Before `initialize`, every request is refused, even the error a malformed message is
    // owed (the framework checks the state before our handler answers it).
    let id = p.next_id();
    p.send(hover(id));
    assert_eq!(
        answer(&mut p),
        error(json!(id), -32002, "Server not initialized")
    );
    p.write_raw(b"Content-Length: 5\r\n\r\n{oops");
    assert_eq!(
        answer(&mut p),
        error(Value::Null, -32002, "Server not initialized")
    );

    p.initialize(json!({}));
    let text = policy("malformed", false);
    p.open(URI, 1, &text);
    assert_eq!(next_publish(&mut p, URI), expected(URI, Some(1), &text));

    let second = p.request("initialize", json!({"processId": null, "capabilities": {}}));
    let id = second["id"].clone();
    assert_eq!(second, error(id, -32600, "Invalid request"));

    let parse_error = || error(Value::Null, -32700, "Parse error");
    let invalid = |id: Value| error(id, -32600, "Invalid request");
    let shutdown = json!({"jsonrpc": "2.0", "id": 90, "method": "shutdown"}).to_string();
    let cases: Vec<(&str, Vec<u8>, Vec<Value>)> = vec![
        (
            // The rest of the body, where the next header should be, is not a second error.
            "a Content-Length shorter than the body",
            format!("Content-Length: 10\r\n\r\n{shutdown}").into_bytes(),
            vec![parse_error()],
        ),
        (
            "no header",
            shutdown.clone().into_bytes(),
            vec![parse_error()],
        ),
        (
            "a length that is not a number",
            format!("Content-Length: ten\r\n\r\n{shutdown}").into_bytes(),
            vec![parse_error()],
        ),
        (
            "a header without a length",
            format!("Content-Type: application/json\r\n\r\n{shutdown}").into_bytes(),
            vec![parse_error()],
        ),
        (
            "JSON cut short",
            framed_raw(r#"{"jsonrpc": "2.0", "id": 93, "method": "textDocument/hov"#),
            vec![parse_error()],
        ),
        ("a number", framed_raw("42"), vec![invalid(Value::Null)]),
        (
            "a string",
            framed_raw(r#""shutdown""#),
            vec![invalid(Value::Null)],
        ),
        ("null", framed_raw("null"), vec![invalid(Value::Null)]),
        (
            // Batches are not part of LSP; their requests are not run either.
            "a batch",
            framed_raw(&json!([hover(94), hover(95)]).to_string()),
            vec![invalid(Value::Null)],
        ),
        (
            "a request without jsonrpc",
            framed_raw(r#"{"id": 96, "method": "textDocument/hover"}"#),
            vec![invalid(json!(96))],
        ),
        (
            "an id that is an object",
            framed_raw(r#"{"jsonrpc": "2.0", "id": {"a": 1}, "method": "shutdown"}"#),
            vec![invalid(Value::Null)],
        ),
        (
            "an unknown request",
            framed_raw(r#"{"jsonrpc": "2.0", "id": 97, "method": "kyverno/frobnicate"}"#),
            vec![json!({"jsonrpc": "2.0", "id": 97, "error": {
                "code": -32601, "message": "Method not found", "data": "kyverno/frobnicate"}})],
        ),
        (
            "an unknown $/ request",
            framed_raw(r#"{"jsonrpc": "2.0", "id": 98, "method": "$/frobnicate"}"#),
            vec![json!({"jsonrpc": "2.0", "id": 98, "error": {
                "code": -32601, "message": "Method not found"}})],
        ),
        (
            "unknown notifications",
            [
                framed_raw(r#"{"jsonrpc": "2.0", "method": "kyverno/frobnicate"}"#),
                framed_raw(r#"{"jsonrpc": "2.0", "method": "$/frobnicate", "params": {}}"#),
            ]
            .concat(),
            vec![],
        ),
        (
            "wrong params for a known request",
            framed_raw(
                r#"{"jsonrpc": "2.0", "id": 99, "method": "textDocument/hover",
                    "params": {"textDocument": {"uri": 5}, "position": {"line": 0}}}"#,
            ),
            vec![json!({"jsonrpc": "2.0", "id": 99, "error": {
                "code": -32602, "message": "invalid type: integer `5`, expected a string"}})],
        ),
        (
            "no params for a request that needs them",
            framed_raw(r#"{"jsonrpc": "2.0", "id": 100, "method": "textDocument/hover"}"#),
            vec![json!({"jsonrpc": "2.0", "id": 100, "error": {
                "code": -32602, "message": "Missing params field"}})],
        ),
        (
            "wrong params for a known notification",
            framed_raw(
                r#"{"jsonrpc": "2.0", "method": "textDocument/didChange",
                    "params": {"textDocument": {"uri": 5}}}"#,
            ),
            vec![],
        ),
    ];
    let expected_hover = common::response(0, lsp_hover(&text, 0));
    assert!(!expected_hover["result"].is_null());
    for (what, bytes, errors) in &cases {
        p.write_raw(bytes);
        // Then a hover: what the malformed part is owed comes first, then the hover's answer.
        let id = p.next_id();
        p.send(hover(id));
        let mut got = Vec::new();
        loop {
            let m = answer(&mut p);
            if m["id"] == id {
                let mut hover = expected_hover.clone();
                hover["id"] = json!(id);
                assert_eq!(m, hover, "the hover after {what}");
                break;
            }
            got.push(m);
        }
        assert_eq!(&got, errors, "{what}");
    }
    // The document was never changed by the malformed messages.
    assert_hover_works(&mut p, URI, &text);
}

/// `body` with a correct header, whatever it is.
fn framed_raw(body: &str) -> Vec<u8> {
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

// ---------------------------------------------------------------------------------------------
// shutdown and exit while busy

/// A server kept busy: a large document rewritten `rounds` times, each rewrite followed by a
/// hover that analyses its own version, none of them waited for. Returns the hovers' ids.
fn keep_busy(p: &mut Process, rounds: usize) -> Vec<i64> {
    let text = large_document(25, 100);
    p.open(URI, 1, &text);
    let offset = text.find("{{ element.image }}").unwrap() + 3;
    let mut ids = Vec::new();
    let mut batch = Vec::new();
    for round in 0..rounds {
        let text = large_document(25, 101 + round);
        let id = p.next_id();
        ids.push(id);
        batch.push(json!({"jsonrpc": "2.0", "method": "textDocument/didChange",
               "params": {"textDocument": {"uri": URI, "version": 2 + round},
                          "contentChanges": [{"text": text}]}}));
        batch.push(
            json!({"jsonrpc": "2.0", "id": id, "method": "textDocument/hover",
                          "params": at(URI, &text, offset)}),
        );
    }
    p.send_together(&batch);
    ids
}

/// How the session ends after [`keep_busy`].
#[derive(Debug, Clone, Copy)]
enum Ending {
    /// `shutdown`, its answer, then `exit`.
    ShutdownThenExit,
    /// `shutdown` and `exit` together, without waiting for the answer.
    ShutdownAndExitAtOnce,
    ExitWithoutShutdown,
    /// `shutdown`, its answer, then the end of input.
    ShutdownThenEof,
    EofWithoutShutdown,
}

/// Ends a busy session; returns the exit code and the time from the last message (or the end
/// of input) to the end of the process, printed with how many hovers were still unanswered.
fn end_busy_session(ending: Ending) -> (Option<i32>, Duration) {
    let mut p = started();
    let hovers = keep_busy(&mut p, 12);
    // The first answer shows the server is at work on them.
    p.response_to(hovers[0]);
    let shutdown = |p: &mut Process| {
        let id = p.send_request("shutdown", Value::Null);
        let answered = Instant::now();
        assert_eq!(p.response_to(id), common::response(id, Value::Null));
        println!(
            "{ending:?}: shutdown answered in {} ms",
            answered.elapsed().as_millis()
        );
    };
    let exit = json!({"jsonrpc": "2.0", "method": "exit"});
    match ending {
        Ending::ShutdownThenExit => {
            shutdown(&mut p);
            p.send(exit);
        }
        Ending::ShutdownAndExitAtOnce => {
            let id = p.next_id();
            p.send_together(&[
                json!({"jsonrpc": "2.0", "id": id, "method": "shutdown"}),
                exit,
            ]);
        }
        Ending::ExitWithoutShutdown => p.send(exit),
        Ending::ShutdownThenEof => {
            shutdown(&mut p);
            p.close_stdin();
        }
        Ending::EofWithoutShutdown => p.close_stdin(),
    }
    let sent = Instant::now();
    let code = p.wait_exit(EXIT_GUARD);
    let elapsed = sent.elapsed();
    // Every hover is answered, with its result or, when the end cancelled it, with an error.
    let mut answers: Vec<Value> = p.unclaimed.drain(..).collect();
    if code.is_some() {
        while let Some(m) = p.next_message() {
            answers.push(m);
        }
    }
    let answered = |m: &Value| m["id"].as_i64().is_some_and(|id| hovers[1..].contains(&id));
    let results = answers
        .iter()
        .filter(|m| answered(m) && m.get("result").is_some())
        .count();
    let cancelled = answers
        .iter()
        .filter(|m| answered(m) && m["error"]["code"] == -32800)
        .count();
    println!(
        "{ending:?}: exit code {code:?}, {} ms after the last message; of the {} hovers after \
         the first, {results} answered and {cancelled} cancelled",
        elapsed.as_millis(),
        hovers.len() - 1
    );
    (code, elapsed)
}

#[test]
fn shutdown_then_exit_while_busy_exits_with_0() {
    let (code, _) = end_busy_session(Ending::ShutdownThenExit);
    assert_eq!(code, Some(0));
}

#[test]
fn shutdown_and_exit_sent_together_while_busy_exit_with_0() {
    let (code, _) = end_busy_session(Ending::ShutdownAndExitAtOnce);
    assert_eq!(code, Some(0));
}

#[test]
fn exit_without_shutdown_while_busy_exits_with_1() {
    let (code, _) = end_busy_session(Ending::ExitWithoutShutdown);
    assert_eq!(code, Some(1));
}

#[test]
fn end_of_input_after_shutdown_while_busy_exits_with_0() {
    let (code, _) = end_busy_session(Ending::ShutdownThenEof);
    assert_eq!(code, Some(0));
}

#[test]
fn end_of_input_while_busy_exits_with_1() {
    let (code, _) = end_busy_session(Ending::EofWithoutShutdown);
    assert_eq!(code, Some(1));
}

// ---------------------------------------------------------------------------------------------
// Sample files that change on disk

const MODELINE_POLICY: &str = "# kyverno-ls: resources=samples/pod.yaml
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: require-team
spec:
  # The rule sets its action in `validate.failureAction`.
  rules:
    - name: check-team
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        message: \"{{ request.object.metadata.name }} needs a team label\"
        pattern:
          metadata:
            labels:
              team: \"?*\"
        failureAction: Audit
";

const POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: no-team
  labels:
    app: web
spec:
  containers:
    - name: web
      image: nginx:1.27
";

/// `rule-fails` on the rule's name (line 8) for `sample`, with where it fails in the sample
/// when there is a file to point at, and the pattern's `team` (line 18) in the policy.
fn rule_fails(policy: &str, message: &str, in_sample: Option<(&str, Value, &str)>) -> Value {
    let mut related: Vec<Value> = in_sample
        .into_iter()
        .map(|(uri, range, message)| {
            json!({"location": {"uri": uri, "range": range}, "message": message})
        })
        .collect();
    related.push(
        json!({"location": {"uri": policy, "range": common::range(18, 14, 18, 18)},
                        "message": "the part of the rule that failed"}),
    );
    json!({"range": common::range(8, 12, 8, 22), "severity": 3, "code": "rule-fails",
           "source": "kyverno-ls", "message": message, "relatedInformation": related})
}

/// What the policy gives with `samples/pod.yaml` as its sample.
fn with_sample_file(policy: &str, sample: &str) -> Value {
    publish(
        policy,
        Some(1),
        json!([rule_fails(
            policy,
            "Pod no-team would be reported (Audit): no-team needs a team label.",
            Some((
                sample,
                common::range(4, 2, 4, 8),
                "Pod no-team: /metadata/labels/team/ is missing here"
            )),
        )]),
    )
}

/// What the policy gives when its sample file cannot be used: the built-in samples, as if it
/// had no modeline. Nothing says that the file named by the modeline is missing or broken.
fn with_builtin_samples(policy: &str) -> Value {
    let mut diagnostics: Vec<Value> = ["hello-world", "hardened", "privileged"]
        .iter()
        .map(|pod| {
            rule_fails(
                policy,
                &format!("Pod {pod} would be reported (Audit): {pod} needs a team label."),
                None,
            )
        })
        .collect();
    for (kind, rule, path) in [
        (
            "Deployment",
            "autogen-check-team",
            "/spec/template/metadata/labels/team/",
        ),
        (
            "CronJob",
            "autogen-cronjob-check-team",
            "/spec/jobTemplate/spec/template/metadata/labels/team/",
        ),
    ] {
        diagnostics.push(json!({
            "range": common::range(8, 12, 8, 22), "severity": 3, "code": "rule-fails",
            "source": "kyverno-ls",
            "message": format!("{kind} hardened would be reported (Audit): variables substitution error in rule {rule} \
                                execution error: resource value '<nil>' does not match '?*' \
                                at path {path}"),
        }));
    }
    publish(policy, Some(1), json!(diagnostics))
}

/// [`with_builtin_samples`], after the modeline's warning about its file.
fn with_builtin_samples_after(policy: &str, code: &str, message: &str) -> Value {
    let mut expected = with_builtin_samples(policy);
    let warning = json!({
        "range": common::range(0, 24, 0, 40), "severity": 2, "code": code,
        "source": "kyverno-ls", "message": message,
    });
    if let Some(d) = expected["params"]["diagnostics"].as_array_mut() {
        d.insert(0, warning);
    }
    expected
}

#[test]
fn sample_file_deleted_renamed_replaced_broken_and_restored() {
    let ws = Workspace::new(&[("policy.yaml", MODELINE_POLICY), ("samples/pod.yaml", POD)]);
    let policy = ws.uri("policy.yaml");
    let sample = ws.uri("samples/pod.yaml");
    let mut p = Process::spawn();
    p.initialize(json!({
        "workspaceFolders": [{"uri": ws.root_uri(), "name": "ws"}],
        "capabilities": {"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}},
    }));
    let register = p.incoming("client/registerCapability");
    p.send(json!({"jsonrpc": "2.0", "id": register["id"], "result": null}));
    p.open(&policy, 1, MODELINE_POLICY);
    assert_eq!(
        next_publish(&mut p, &policy),
        with_sample_file(&policy, &sample)
    );

    // Each step changes the disk first, then tells the server, as the editor's watcher does;
    // each notification re-analyses the policy once.
    let created = |uri: &str| json!({"uri": uri, "type": 1});
    let changed = |uri: &str| json!({"uri": uri, "type": 2});
    let deleted = |uri: &str| json!({"uri": uri, "type": 3});
    let mut step = |what: &str, changes: Vec<Value>, expected: Value| {
        p.notify(
            "workspace/didChangeWatchedFiles",
            json!({"changes": changes}),
        );
        assert_eq!(next_publish(&mut p, &policy), expected, "{what}");
    };
    let path = ws.root.join("samples/pod.yaml");
    let unreadable = format!(
        "Cannot read `samples/pod.yaml` ({}): it is missing, a folder, or not UTF-8 text. \
         The rules are simulated without its resources.",
        path.display()
    );
    let unreadable = with_builtin_samples_after(&policy, "sample-file-unreadable", &unreadable);

    std::fs::remove_file(&path).unwrap();
    step("deleted", vec![deleted(&sample)], unreadable.clone());

    std::fs::write(&path, POD).unwrap();
    step(
        "created again",
        vec![created(&sample)],
        with_sample_file(&policy, &sample),
    );

    std::fs::rename(&path, ws.root.join("samples/pod-renamed.yaml")).unwrap();
    step(
        "renamed",
        vec![
            deleted(&sample),
            created(&ws.uri("samples/pod-renamed.yaml")),
        ],
        unreadable.clone(),
    );

    std::fs::create_dir(&path).unwrap();
    step("a directory", vec![created(&sample)], unreadable.clone());

    std::fs::remove_dir(&path).unwrap();
    std::fs::write(
        &path,
        "apiVersion: v1\nkind: Pod\nmetadata: {name: [broken\n",
    )
    .unwrap();
    step(
        "invalid YAML",
        vec![deleted(&sample), created(&sample)],
        with_builtin_samples_after(
            &policy,
            "sample-file-empty",
            "`samples/pod.yaml` holds no resource to simulate against: its documents are \
             policies or other Kyverno files, or do not parse.",
        ),
    );

    std::fs::write(&path, POD).unwrap();
    step(
        "restored",
        vec![changed(&sample)],
        with_sample_file(&policy, &sample),
    );

    // The sample edited in the editor, unsaved, wins over the disk; closing it goes back to
    // the disk.
    let labelled = POD.replace("app: web", "team: payments");
    p.open(&sample, 1, &labelled);
    assert_eq!(
        next_publish(&mut p, &policy),
        publish(&policy, Some(1), json!([]))
    );
    p.close(&sample);
    assert_eq!(
        next_publish(&mut p, &policy),
        with_sample_file(&policy, &sample)
    );
}
