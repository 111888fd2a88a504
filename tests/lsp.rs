//! The language server over in-process pipes: whole JSON-RPC messages in, whole messages out.
//!
//! Most tests drive the server with `FakeCore`, whose answers are simple functions of the
//! text, so that every expected message here is exact and independent of the real core. The
//! `real_core_*` tests run the real core.

use std::sync::{Arc, Mutex, mpsc};

use kyverno_ls::analysis::Analysis;
use kyverno_ls::diag::{DiagTag, Diagnostic, Severity};
use kyverno_ls::ide::{self, Completion, CompletionKind, Symbol, SymbolKind};
use kyverno_ls::lsp::{self, Analyzer};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

// ---------------------------------------------------------------------------------------------
// Harness

mod common;

use common::TIMEOUT;

const URI: &str = "file:///work/policy.yaml";

/// The shared client (`tests/common`), with one fixed document and a fake core by default.
struct Session(common::Session);

impl std::ops::Deref for Session {
    type Target = common::Session;
    fn deref(&self) -> &common::Session {
        &self.0
    }
}

impl std::ops::DerefMut for Session {
    fn deref_mut(&mut self) -> &mut common::Session {
        &mut self.0
    }
}

impl Session {
    fn start(core: Arc<dyn Analyzer>) -> Self {
        Session(common::Session::start(core))
    }

    fn fake() -> Self {
        Self::start(Arc::new(FakeCore::default()))
    }

    /// The next `textDocument/publishDiagnostics` notification, whole.
    async fn diagnostics(&mut self) -> Value {
        self.find("publishDiagnostics", |m| {
            m["method"] == "textDocument/publishDiagnostics"
        })
        .await
    }

    /// `initialize` (whose whole response is returned) followed by `initialized`.
    async fn initialize_with(&mut self, capabilities: Value) -> Value {
        let response = self
            .request(
                "initialize",
                json!({"processId": null, "rootUri": null, "capabilities": capabilities}),
            )
            .await;
        self.notify("initialized", json!({})).await;
        response
    }

    async fn initialize(&mut self) -> Value {
        self.initialize_with(json!({})).await
    }

    async fn open(&mut self, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": URI, "languageId": "yaml", "version": 1, "text": text}}),
        )
        .await;
    }

    async fn change(&mut self, version: i32, changes: Value) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": URI, "version": version}, "contentChanges": changes}),
        )
        .await;
    }

    /// Waits for the server to finish and returns its exit code.
    async fn finished(self) -> i32 {
        tokio::time::timeout(TIMEOUT, self.0.server)
            .await
            .expect("the server did not stop")
            .unwrap()
    }
}

fn pos(line: u32, character: u32) -> Value {
    json!({"line": line, "character": character})
}

fn range(l0: u32, c0: u32, l1: u32, c1: u32) -> Value {
    json!({"start": pos(l0, c0), "end": pos(l1, c1)})
}

fn at(line: u32, character: u32) -> Value {
    json!({"textDocument": {"uri": URI}, "position": pos(line, character)})
}

fn publish(version: Option<i32>, diagnostics: Value) -> Value {
    let mut params = json!({"uri": URI, "diagnostics": diagnostics});
    if let Some(v) = version {
        params["version"] = json!(v);
    }
    json!({"jsonrpc": "2.0", "method": "textDocument/publishDiagnostics", "params": params})
}

fn response(id: i64, result: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": result})
}

// ---------------------------------------------------------------------------------------------
// A core whose answers are easy to predict

/// - diagnostics: every `bad` (the first an error, later ones warnings that point back at the
///   first and are tagged unnecessary) then every `old` (information, tagged deprecated);
/// - hover: the word under the cursor and the byte offset the server computed;
/// - completion: two fixed items, one carrying the offset;
/// - symbols: found by searching `SYMBOLS_DOC`'s shape.
///
/// With a gate, analysing a text that contains `slow` says so, then waits until the test
/// opens the gate.
#[derive(Default)]
struct FakeCore {
    gate: Option<Gate>,
}

struct Gate {
    /// Async on the test's side: the server runs on the test's (single) thread.
    entered: tokio::sync::mpsc::UnboundedSender<()>,
    open: Mutex<mpsc::Receiver<()>>,
}

impl Analyzer for FakeCore {
    fn analyze(&self, text: &str) -> Analysis {
        if let (Some(gate), true) = (&self.gate, text.contains("slow")) {
            let _ = gate.entered.send(());
            // An error means the test ended, which opens the gate too.
            let _ = gate.open.lock().unwrap().recv();
        }
        let mut diagnostics = Vec::new();
        let mut first = None;
        for (at, _) in text.match_indices("bad") {
            let span = at..at + 3;
            diagnostics.push(match &first {
                None => {
                    first = Some(span.clone());
                    Diagnostic::error("bad-word", span, "`bad` is not allowed")
                }
                Some(first) => Diagnostic::warning("bad-word", span, "`bad` again")
                    .with_related(first.clone(), "first `bad` here")
                    .with_tag(DiagTag::Unnecessary),
            });
        }
        for (at, _) in text.match_indices("old") {
            diagnostics.push(
                Diagnostic::new(
                    "old-word",
                    Severity::Information,
                    at..at + 3,
                    "`old` is deprecated",
                )
                .with_tag(DiagTag::Deprecated),
            );
        }
        Analysis {
            diagnostics,
            ..Analysis::default()
        }
    }

    fn hover(&self, text: &str, _: &Analysis, offset: usize) -> Option<ide::Hover> {
        let is_word = |c: char| !c.is_whitespace() && !"[],:\"".contains(c);
        let start = text[..offset]
            .rfind(|c| !is_word(c))
            .map_or(0, |i| i + text[i..].chars().next().unwrap().len_utf8());
        let end = text[offset..]
            .find(|c| !is_word(c))
            .map_or(text.len(), |i| offset + i);
        (start < end).then(|| ide::Hover {
            markdown: format!("offset {offset}: `{}`", &text[start..end]),
            span: start..end,
        })
    }

    fn completion(&self, _: &str, _: &Analysis, offset: usize) -> Vec<Completion> {
        vec![
            Completion {
                label: "spec".into(),
                kind: CompletionKind::Field,
                detail: Some(format!("offset {offset}")),
                documentation: Some("The policy **spec**.".into()),
                insert_text: "spec:".into(),
            },
            Completion {
                label: "Enforce".into(),
                kind: CompletionKind::EnumValue,
                detail: None,
                documentation: None,
                insert_text: "Enforce".into(),
            },
        ]
    }

    fn document_symbols(&self, text: &str, _: &Analysis) -> Vec<Symbol> {
        let find = |s: &str| text.find(s).map(|i| i..i + s.len());
        let (Some(name), Some(rule), Some(rule_name), Some(validate)) = (
            find("demo"),
            find("- name"),
            find("🙂 check"),
            find("validate: {}"),
        ) else {
            return Vec::new();
        };
        let end = text.trim_end().len();
        vec![Symbol {
            name: "demo".into(),
            detail: Some("ClusterPolicy".into()),
            kind: SymbolKind::Policy,
            span: 0..end,
            selection_span: name,
            children: vec![Symbol {
                name: "🙂 check".into(),
                detail: None,
                kind: SymbolKind::Rule,
                span: rule.start..end,
                selection_span: rule_name,
                children: vec![Symbol {
                    name: "validate".into(),
                    detail: None,
                    kind: SymbolKind::Section,
                    span: validate.clone(),
                    selection_span: validate.start..validate.start + "validate".len(),
                    children: Vec::new(),
                }],
            }],
        }]
    }
}

/// Line 2 has a two-byte `é` before `old`; line 0 an emoji (2 UTF-16 units, 4 bytes) before `bad`.
const DOC: &str = "a: 🙂 bad\nb: ok\nc: [bad, \"é\"] old\n";

/// `DOC`'s diagnostics with UTF-16 columns.
fn doc_diagnostics_utf16() -> Value {
    json!([
        {"range": range(0, 6, 0, 9), "severity": 1, "code": "bad-word", "source": "kyverno-ls",
         "message": "`bad` is not allowed"},
        {"range": range(2, 4, 2, 7), "severity": 2, "code": "bad-word", "source": "kyverno-ls",
         "message": "`bad` again", "tags": [1],
         "relatedInformation": [{"location": {"uri": URI, "range": range(0, 6, 0, 9)},
                                 "message": "first `bad` here"}]},
        {"range": range(2, 14, 2, 17), "severity": 3, "code": "old-word", "source": "kyverno-ls",
         "message": "`old` is deprecated", "tags": [2]},
    ])
}

const SYMBOLS_DOC: &str = "kind: ClusterPolicy # 🙂
metadata:
  name: demo
spec:
  rules:
  - name: \"🙂 check\"
    validate: {}
";

/// "Migrate to ValidatingPolicy", offered with the quick fixes on a ClusterPolicy or Policy.
fn migrate_action() -> Value {
    json!({
        "title": "Migrate to ValidatingPolicy",
        "kind": "refactor.rewrite",
        "command": {"title": "Migrate to ValidatingPolicy", "command": "kyverno.migrate", "arguments": [URI]},
    })
}

// ---------------------------------------------------------------------------------------------
// Lifecycle

#[tokio::test]
async fn initialize_announces_capabilities_and_server_info() {
    let mut s = Session::fake();
    let response = s.initialize().await;
    assert_eq!(
        response,
        json!({"jsonrpc": "2.0", "id": 1, "result": {
            "capabilities": {
                "positionEncoding": "utf-16",
                "textDocumentSync": {"openClose": true, "change": 2, "save": true},
                "hoverProvider": true,
                "completionProvider": {"triggerCharacters": [".", "{"]},
                "signatureHelpProvider": {"triggerCharacters": ["(", ","]},
                "definitionProvider": true,
                "documentSymbolProvider": true,
                "inlayHintProvider": true,
                "codeActionProvider": {"codeActionKinds": ["quickfix", "source.fixAll.kyverno-ls", "refactor.rewrite"]},
                "codeLensProvider": {"resolveProvider": false},
                "executeCommandProvider": {"commands": [
                    "kyverno.showRuleResults", "kyverno.pickSample", "kyverno.runTests",
                    "kyverno.listSamples",
                    "kyverno.showMutations",
                    "kyverno.showGenerated",
                    "kyverno.showRendered",
                    "kyverno.migrate"
                ]},
                "workspace": {"workspaceFolders": {"supported": true, "changeNotifications": true}},
            },
            "serverInfo": {"name": "kyverno-ls", "version": env!("CARGO_PKG_VERSION")},
        }})
    );
}

#[tokio::test]
async fn initialize_chooses_utf8_when_the_client_offers_it() {
    let mut s = Session::fake();
    let response = s
        .initialize_with(json!({"general": {"positionEncodings": ["utf-16", "utf-8"]}}))
        .await;
    assert_eq!(
        response["result"]["capabilities"]["positionEncoding"],
        "utf-8"
    );

    let mut s = Session::fake();
    let response = s
        .initialize_with(json!({"general": {"positionEncodings": ["utf-32", "utf-16"]}}))
        .await;
    assert_eq!(
        response["result"]["capabilities"]["positionEncoding"],
        "utf-16"
    );
}

#[tokio::test]
async fn shutdown_then_exit_stops_the_server_with_code_0() {
    let mut s = Session::fake();
    s.initialize().await;
    assert_eq!(
        s.request("shutdown", Value::Null).await,
        response(2, Value::Null)
    );
    s.send(json!({"jsonrpc": "2.0", "method": "exit"})).await;
    // The input stays open, as some clients leave it: `exit` alone must end the server.
    assert_eq!(s.read_message().await, None);
    assert!(s.unclaimed.is_empty());
    assert_eq!(s.finished().await, 0);
}

#[tokio::test]
async fn exit_without_shutdown_stops_the_server_with_code_1() {
    let mut s = Session::fake();
    s.initialize().await;
    s.open(DOC).await;
    s.diagnostics().await;
    s.send(json!({"jsonrpc": "2.0", "method": "exit"})).await;
    assert_eq!(s.finished().await, 1);
}

#[tokio::test]
async fn end_of_input_stops_the_server() {
    let mut s = Session::fake();
    s.initialize().await;
    s.to_server = None;
    assert_eq!(s.finished().await, 1);
}

#[tokio::test]
async fn malformed_messages_do_not_stop_the_server() {
    let mut s = Session::fake();
    s.initialize().await;
    s.open(DOC).await;
    s.diagnostics().await;

    // Not JSON, then JSON that is not JSON-RPC 2.0: each gets its error, and the session goes on.
    let input = s.to_server.as_mut().unwrap();
    input
        .write_all(b"Content-Length: 5\r\n\r\n{oops")
        .await
        .unwrap();
    let error = s
        .find("the parse error", |m| m.get("error").is_some())
        .await;
    assert_eq!(
        error,
        json!({"jsonrpc": "2.0", "id": null,
               "error": {"code": -32700, "message": "Parse error"}})
    );
    s.send(json!({"jsonrpc": "1.0", "id": 99, "method": "textDocument/hover"}))
        .await;
    let error = s.find("the invalid request error", |m| m["id"] == 99).await;
    assert_eq!(
        error,
        json!({"jsonrpc": "2.0", "id": 99,
               "error": {"code": -32600, "message": "Invalid request"}})
    );
    // Parameters of the wrong shape, and a range far outside the text.
    s.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": URI}}),
    )
    .await;
    s.change(2, json!([{"range": range(90, 5, 99, 0), "text": " old"}]))
        .await;
    let diagnostics = s.diagnostics().await;
    assert_eq!(diagnostics["params"]["version"], 2);
    assert_eq!(
        diagnostics["params"]["diagnostics"][3]["range"],
        range(3, 1, 3, 4)
    );
}

// ---------------------------------------------------------------------------------------------
// Diagnostics

#[tokio::test]
async fn open_publishes_diagnostics_with_utf16_ranges_related_and_tags() {
    let mut s = Session::fake();
    s.initialize().await;
    s.open(DOC).await;
    assert_eq!(
        s.diagnostics().await,
        publish(Some(1), doc_diagnostics_utf16())
    );
}

#[tokio::test]
async fn incremental_changes_apply_after_multibyte_characters() {
    let mut s = Session::fake();
    s.initialize().await;
    s.open(DOC).await;
    s.diagnostics().await;

    // Insert ` bad` just after `]` on line 2 (UTF-16 column 13, byte 14: `é` is one unit and
    // two bytes), then, in the same notification, rename `a` on line 0.
    s.change(
        2,
        json!([
            {"range": range(2, 13, 2, 13), "text": " bad"},
            {"range": range(0, 0, 0, 1), "text": "key"},
        ]),
    )
    .await;
    // The text is now "key: 🙂 bad\nb: ok\nc: [bad, \"é\"] bad old\n".
    let again = |at: Value| {
        json!({"range": at, "severity": 2, "code": "bad-word", "source": "kyverno-ls",
               "message": "`bad` again", "tags": [1],
               "relatedInformation": [{"location": {"uri": URI, "range": range(0, 8, 0, 11)},
                                       "message": "first `bad` here"}]})
    };
    assert_eq!(
        s.diagnostics().await,
        publish(
            Some(2),
            json!([
                {"range": range(0, 8, 0, 11), "severity": 1, "code": "bad-word",
                 "source": "kyverno-ls", "message": "`bad` is not allowed"},
                again(range(2, 4, 2, 7)),
                again(range(2, 14, 2, 17)),
                {"range": range(2, 18, 2, 21), "severity": 3, "code": "old-word",
                 "source": "kyverno-ls", "message": "`old` is deprecated", "tags": [2]},
            ])
        )
    );

    // A change without a range replaces the text.
    s.change(3, json!([{"text": "nothing\nold"}])).await;
    assert_eq!(
        s.diagnostics().await,
        publish(
            Some(3),
            json!([{"range": range(1, 0, 1, 3), "severity": 3, "code": "old-word",
                    "source": "kyverno-ls", "message": "`old` is deprecated", "tags": [2]}])
        )
    );
}

#[tokio::test]
async fn utf8_positions_count_bytes_both_ways() {
    let mut s = Session::fake();
    s.initialize_with(json!({"general": {"positionEncodings": ["utf-8"]}}))
        .await;
    s.open(DOC).await;
    let diagnostics = s.diagnostics().await;
    let d = &diagnostics["params"]["diagnostics"];
    assert_eq!(d[0]["range"], range(0, 8, 0, 11));
    assert_eq!(
        d[1]["relatedInformation"][0]["location"]["range"],
        range(0, 8, 0, 11)
    );
    assert_eq!(d[2]["range"], range(2, 15, 2, 18));

    // Byte column 14 is just after `]`, as UTF-16 column 13 was.
    s.change(2, json!([{"range": range(2, 14, 2, 14), "text": " bad"}]))
        .await;
    let diagnostics = s.diagnostics().await;
    let ranges: Vec<_> = diagnostics["params"]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["range"].clone())
        .collect();
    assert_eq!(
        ranges,
        [
            range(0, 8, 0, 11),
            range(2, 4, 2, 7),
            range(2, 15, 2, 18),
            range(2, 19, 2, 22)
        ]
    );
}

#[tokio::test]
async fn close_clears_diagnostics() {
    let mut s = Session::fake();
    s.initialize().await;
    s.open(DOC).await;
    s.diagnostics().await;
    s.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": URI}}),
    )
    .await;
    assert_eq!(s.diagnostics().await, publish(None, json!([])));
    // Forgotten: requests about it have no result.
    let hover = s.request("textDocument/hover", at(0, 6)).await;
    assert_eq!(hover, response(hover["id"].as_i64().unwrap(), Value::Null));
}

#[tokio::test]
async fn results_for_an_outdated_version_are_never_published() {
    let (open_gate, open) = mpsc::channel();
    let (entered, mut gate_entered) = tokio::sync::mpsc::unbounded_channel();
    let mut s = Session::start(Arc::new(FakeCore {
        gate: Some(Gate {
            entered,
            open: Mutex::new(open),
        }),
    }));
    s.initialize().await;
    s.open("fine").await;
    assert_eq!(s.diagnostics().await, publish(Some(1), json!([])));

    // Version 2's analysis is held at the gate until version 3 is in.
    s.change(2, json!([{"text": "slow bad"}])).await;
    tokio::time::timeout(TIMEOUT, gate_entered.recv())
        .await
        .expect("version 2 was not analysed");
    s.change(3, json!([{"text": "old"}])).await;
    // Answered from version 3, so version 3 has been applied.
    let symbols = s.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": URI}}),
    );
    assert_eq!(symbols.await, response(2, json!([])));
    open_gate.send(()).unwrap();

    assert_eq!(
        s.diagnostics().await,
        publish(
            Some(3),
            json!([{"range": range(0, 0, 0, 3), "severity": 3, "code": "old-word",
                    "source": "kyverno-ls", "message": "`old` is deprecated", "tags": [2]}])
        )
    );
    assert!(s.unclaimed.is_empty());
}

#[tokio::test]
async fn quick_changes_end_with_the_last_version_published() {
    let mut s = Session::fake();
    s.initialize().await;
    s.open(DOC).await;
    s.diagnostics().await;
    s.change(2, json!([{"range": range(1, 3, 1, 5), "text": "bad"}]))
        .await;
    s.change(3, json!([{"text": "old"}])).await;

    // Version 2 may or may not be published, depending on timing; version 3 must be, last.
    let mut versions = Vec::new();
    let last = loop {
        let message = s.diagnostics().await;
        versions.push(message["params"]["version"].as_i64().unwrap());
        if versions.last() == Some(&3) {
            break message;
        }
    };
    assert!(versions == [3] || versions == [2, 3], "{versions:?}");
    assert_eq!(
        last,
        publish(
            Some(3),
            json!([{"range": range(0, 0, 0, 3), "severity": 3, "code": "old-word",
                    "source": "kyverno-ls", "message": "`old` is deprecated", "tags": [2]}])
        )
    );
    // Nothing follows version 3.
    let hover = s.request("textDocument/hover", at(0, 1)).await;
    assert_eq!(hover["id"], 2);
    assert!(s.unclaimed.is_empty(), "{:?}", s.unclaimed);
}

#[tokio::test]
async fn keystrokes_sent_back_to_back_apply_in_order() {
    let mut s = Session::fake();
    s.initialize().await;
    s.open("").await;
    s.diagnostics().await;
    // Typed one character per change, without waiting: any reordering garbles the words.
    let typed = "bad old ".repeat(3);
    for (i, c) in typed.chars().enumerate() {
        let column = i as u32;
        s.change(
            i as i32 + 2,
            json!([{"range": range(0, column, 0, column), "text": c.to_string()}]),
        )
        .await;
    }
    let last = typed.len() as i64 + 1;
    let message = loop {
        let message = s.diagnostics().await;
        if message["params"]["version"] == last {
            break message;
        }
    };
    let bad = |column: u32, first| {
        let mut d = json!({"range": range(0, column, 0, column + 3), "severity": 2,
                           "code": "bad-word", "source": "kyverno-ls", "message": "`bad` again",
                           "tags": [1],
                           "relatedInformation": [{"location": {"uri": URI, "range": range(0, 0, 0, 3)},
                                                   "message": "first `bad` here"}]});
        if first {
            d = json!({"range": range(0, 0, 0, 3), "severity": 1, "code": "bad-word",
                       "source": "kyverno-ls", "message": "`bad` is not allowed"});
        }
        d
    };
    let old = |column: u32| {
        json!({"range": range(0, column, 0, column + 3), "severity": 3, "code": "old-word",
               "source": "kyverno-ls", "message": "`old` is deprecated", "tags": [2]})
    };
    assert_eq!(
        message,
        publish(
            Some(last as i32),
            json!([
                bad(0, true),
                bad(8, false),
                bad(16, false),
                old(4),
                old(12),
                old(20)
            ])
        )
    );
}

// ---------------------------------------------------------------------------------------------
// Requests

#[tokio::test]
async fn hover_maps_positions_both_ways() {
    let mut s = Session::fake();
    s.initialize().await;
    s.open(DOC).await;

    // UTF-16 column 15 of line 2 is the `l` of `old`, at byte 18 + 16 (`é` is two bytes).
    assert_eq!(
        s.request("textDocument/hover", at(2, 15)).await,
        response(
            2,
            json!({"contents": {"kind": "markdown", "value": "offset 34: `old`"},
                   "range": range(2, 14, 2, 17)})
        )
    );
    // Column 4 of line 0 is inside the emoji's surrogate pair: it means the emoji.
    assert_eq!(
        s.request("textDocument/hover", at(0, 4)).await,
        response(
            3,
            json!({"contents": {"kind": "markdown", "value": "offset 3: `🙂`"},
                   "range": range(0, 3, 0, 5)})
        )
    );
    // Past the end of a line: the end of that line (before its line break).
    assert_eq!(
        s.request("textDocument/hover", at(1, 40)).await,
        response(
            4,
            json!({"contents": {"kind": "markdown", "value": "offset 17: `ok`"},
                   "range": range(1, 3, 1, 5)})
        )
    );
}

#[tokio::test]
async fn completion_lists_items_with_kinds_and_markdown_documentation() {
    let mut s = Session::fake();
    s.initialize().await;
    s.open(DOC).await;
    assert_eq!(
        s.request("textDocument/completion", at(1, 3)).await,
        response(
            2,
            json!([
                {"label": "spec", "kind": 10, "detail": "offset 15",
                 "documentation": {"kind": "markdown", "value": "The policy **spec**."},
                 "insertText": "spec:"},
                {"label": "Enforce", "kind": 20},
            ])
        )
    );
}

#[tokio::test]
async fn document_symbols_form_a_tree() {
    let mut s = Session::fake();
    s.initialize().await;
    s.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": URI, "languageId": "yaml", "version": 1,
                                "text": SYMBOLS_DOC}}),
    )
    .await;
    assert_eq!(
        s.request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": URI}})
        )
        .await,
        response(
            2,
            json!([{
                "name": "demo", "detail": "ClusterPolicy", "kind": 5,
                "range": range(0, 0, 6, 16), "selectionRange": range(2, 8, 2, 12),
                "children": [{
                    "name": "🙂 check", "kind": 6,
                    "range": range(5, 2, 6, 16), "selectionRange": range(5, 11, 5, 19),
                    "children": [{
                        "name": "validate", "kind": 8,
                        "range": range(6, 4, 6, 16), "selectionRange": range(6, 4, 6, 12),
                    }],
                }],
            }])
        )
    );
}

// ---------------------------------------------------------------------------------------------
// The real core

/// A policy whose YAML breaks after multi-byte text, so positions depend on the encoding.
const BROKEN_POLICY: &str = "apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: demo # 🙂 é
spec:
  rules:
  - name: \"🙂 check\"
    match: {any: [{resources: {kinds: [Pod]}}
";

/// The diagnostics message for the core's findings on `text`, positioned by the CLI's line
/// index (an implementation independent of the server's).
fn published_by_core(text: &str, version: i32) -> Value {
    let index = kyverno_ls::text::LineIndex::new(text);
    let range = |span: &std::ops::Range<usize>| {
        let (start, end) = (
            index.position_utf16(text, span.start),
            index.position_utf16(text, span.end),
        );
        json!({"start": {"line": start.line, "character": start.character},
               "end": {"line": end.line, "character": end.character}})
    };
    let diagnostics: Vec<Value> = kyverno_ls::analysis::analyze(text)
        .diagnostics
        .iter()
        .map(|d| {
            let mut v = json!({
                "range": range(&d.span),
                "severity": match d.severity {
                    Severity::Error => 1, Severity::Warning => 2,
                    Severity::Information => 3, Severity::Hint => 4,
                },
                "code": d.code, "source": "kyverno-ls", "message": d.message,
            });
            if !d.related.is_empty() {
                v["relatedInformation"] = d
                    .related
                    .iter()
                    .map(|r| {
                        json!({"location": {"uri": URI, "range": range(&r.span)},
                                    "message": r.message})
                    })
                    .collect();
            }
            if !d.tags.is_empty() {
                v["tags"] = d
                    .tags
                    .iter()
                    .map(|t| match t {
                        DiagTag::Deprecated => json!(2),
                        DiagTag::Unnecessary => json!(1),
                    })
                    .collect();
            }
            v
        })
        .collect();
    publish(Some(version), json!(diagnostics))
}

#[tokio::test]
async fn real_core_diagnostics_match_the_cli_positions() {
    let mut s = Session::start(Arc::new(lsp::Kyverno));
    s.initialize().await;
    s.open(BROKEN_POLICY).await;
    assert_eq!(s.diagnostics().await, published_by_core(BROKEN_POLICY, 1));
}

/// Trailing ` x` after a quoted scalar on line 2, which holds an emoji (2 UTF-16 units, 4 bytes)
/// and `é` (1 unit, 2 bytes).
const BAD_YAML: &str = "kind: ClusterPolicy\nmetadata:\n  name: \"🙂 é\" x\nspec: {}\n";

#[tokio::test]
async fn real_core_yaml_syntax_error_is_published_at_its_column() {
    let mut s = Session::start(Arc::new(lsp::Kyverno));
    s.initialize().await;
    s.open(BAD_YAML).await;
    assert_eq!(
        s.diagnostics().await,
        publish(
            Some(1),
            json!([{"range": range(2, 15, 2, 16), "severity": 1, "code": "yaml-syntax",
                    "source": "kyverno-ls",
                    "message": "YAML syntax error: invalid trailing content after double-quoted scalar"}])
        )
    );
    // Deleting ` x` fixes it.
    s.change(2, json!([{"range": range(2, 14, 2, 16), "text": ""}]))
        .await;
    assert_eq!(s.diagnostics().await, publish(Some(2), json!([])));
}

/// `patern` (for `pattern`) on line 11, after an emoji and `é` on the same line.
const TYPO_POLICY: &str = "apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: demo
spec:
  rules:
  - name: check
    match:
      any:
      - resources:
          kinds: [Pod]
    validate: {message: \"🙂 é\", patern: {spec: {}}}
";

fn typo_diagnostics(patern: Value) -> Value {
    json!([
        {"range": range(11, 4, 11, 12), "severity": 1, "code": "validate-type",
         "source": "kyverno-ls",
         "message": "`validate` needs one of `pattern`, `anyPattern`, `deny`, `foreach`, \
                     `podSecurity`, `cel`, `manifests` or `assert`."},
        {"range": patern, "severity": 1, "code": "unknown-field", "source": "kyverno-ls",
         "message": "Unknown field `patern` in spec.rules[0].validate. Did you mean `pattern`?"},
    ])
}

#[tokio::test]
async fn real_core_schema_errors_follow_an_edit_after_multibyte_text() {
    let mut s = Session::start(Arc::new(lsp::Kyverno));
    s.initialize().await;
    s.open(TYPO_POLICY).await;
    assert_eq!(
        s.diagnostics().await,
        publish(Some(1), typo_diagnostics(range(11, 32, 11, 38)))
    );
    // UTF-16 column 34 is between `pa` and `tern`; as a byte column it would be before `p`.
    s.change(2, json!([{"range": range(11, 34, 11, 34), "text": "t"}]))
        .await;
    assert_eq!(s.diagnostics().await, publish(Some(2), json!([])));
}

#[tokio::test]
async fn real_core_schema_errors_in_utf8_columns() {
    let mut s = Session::start(Arc::new(lsp::Kyverno));
    s.initialize_with(json!({"general": {"positionEncodings": ["utf-8", "utf-16"]}}))
        .await;
    s.open(TYPO_POLICY).await;
    assert_eq!(
        s.diagnostics().await,
        publish(Some(1), typo_diagnostics(range(11, 35, 11, 41)))
    );
    s.change(2, json!([{"range": range(11, 37, 11, 37), "text": "t"}]))
        .await;
    assert_eq!(s.diagnostics().await, publish(Some(2), json!([])));
}

/// A policy with multi-byte text in names and values. Its only findings are the policy name,
/// which Kubernetes would refuse, and the deprecated policy-wide action.
const POLICY: &str = "apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: \"🙂 demo\"
spec:
  validationFailureAction: Audit
  rules:
  - name: \"🙂 check\"
    match:
      any:
      - resources:
          kinds: [Pod]
    validate:
      message: \"🙂 é\"
      pattern: {spec: {}}
";

#[tokio::test]
async fn real_core_hover_on_a_value_after_multibyte_text() {
    let mut s = Session::start(Arc::new(lsp::Kyverno));
    s.initialize().await;
    s.open(POLICY).await;
    assert_eq!(
        s.diagnostics().await,
        publish(
            Some(1),
            json!([
                {"range": range(3, 8, 3, 17), "severity": 1, "code": "invalid-name",
                 "source": "kyverno-ls",
                 "message": "Invalid `metadata.name` `🙂 demo`: a name must be a lowercase RFC 1123 subdomain: lowercase letters, digits, `-` and `.`, starting and ending with a letter or digit. For example: `demo`."},
                {"range": range(5, 2, 5, 25), "severity": 2, "code": "deprecated",
                 "source": "kyverno-ls",
                 "message": "`spec.validationFailureAction` is deprecated: set `validate.failureAction` in each rule instead.",
                 "tags": [2]},
            ])
        )
    );
    // On `é`, after the emoji: the value `"🙂 é"` spans UTF-16 columns 15 to 21.
    assert_eq!(
        s.request("textDocument/hover", at(13, 19)).await,
        response(
            2,
            json!({"contents": {"kind": "markdown",
                                "value": "**`message`** · *string*\n\n\
                                          Message reported when validation fails; variables allowed."},
                   "range": range(13, 15, 13, 21)})
        )
    );
}

#[tokio::test]
async fn real_core_completion_of_enum_values_and_keys() {
    let mut s = Session::start(Arc::new(lsp::Kyverno));
    s.initialize().await;
    s.open(POLICY).await;

    // `validationFailureAction: |` — its values.
    s.change(2, json!([{"range": range(5, 27, 5, 32), "text": ""}]))
        .await;
    let value =
        |label: &str| json!({"label": label, "kind": 20, "detail": "validationFailureAction"});
    assert_eq!(
        s.request("textDocument/completion", at(5, 27)).await,
        response(
            2,
            json!([
                value("audit"),
                value("enforce"),
                value("Audit"),
                value("Enforce")
            ])
        )
    );

    // `ro|` beside `resources:` in a match filter — the filter's other keys.
    s.change(
        3,
        json!([{"range": range(11, 22, 11, 22), "text": "\n        ro"}]),
    )
    .await;
    let key = |label: &str, detail: &str, doc: &str| {
        json!({"label": label, "kind": 10, "detail": detail,
               "documentation": {"kind": "markdown", "value": doc},
               "insertText": format!("{label}: ")})
    };
    assert_eq!(
        s.request("textDocument/completion", at(12, 10)).await,
        response(
            3,
            json!([
                key(
                    "subjects",
                    "list",
                    "Users, groups or service accounts that made the request."
                ),
                key(
                    "roles",
                    "list",
                    "Namespaced roles (`namespace:name`) the requesting user must have."
                ),
                key(
                    "clusterRoles",
                    "list",
                    "Cluster roles the requesting user must have."
                ),
            ])
        )
    );
}

#[tokio::test]
async fn real_core_document_symbols() {
    let mut s = Session::start(Arc::new(lsp::Kyverno));
    s.initialize().await;
    s.open(POLICY).await;
    assert_eq!(
        s.request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": URI}})
        )
        .await,
        response(
            2,
            json!([{
                "name": "🙂 demo", "detail": "ClusterPolicy", "kind": 5,
                "range": range(0, 0, 14, 25), "selectionRange": range(3, 8, 3, 17),
                "children": [{
                    "name": "🙂 check", "detail": "validate", "kind": 6,
                    "range": range(7, 4, 14, 25), "selectionRange": range(7, 10, 7, 20),
                    "children": [
                        {"name": "match", "kind": 8,
                         "range": range(8, 4, 11, 22), "selectionRange": range(8, 4, 8, 9)},
                        {"name": "validate", "kind": 8,
                         "range": range(12, 4, 14, 25), "selectionRange": range(12, 4, 12, 12)},
                    ],
                }],
            }])
        )
    );
}

/// A valid ValidatingPolicy (CEL), for hover and completion from its schema.
const VPOL: &str = "apiVersion: policies.kyverno.io/v1
kind: ValidatingPolicy
metadata:
  name: require-app-label
spec:
  validationActions: [Deny]
  evaluation:
    background:
      enabled: false
  matchConstraints:
    resourceRules:
    - apiGroups: [\"\"]
      apiVersions: [v1]
      operations: [CREATE, UPDATE]
      resources: [pods]
  validations:
  - expression: \"has(object.metadata.labels) && 'app' in object.metadata.labels\"
    message: Pods need an `app` label.
";

#[tokio::test]
async fn real_core_hover_and_completion_in_a_validating_policy() {
    let mut s = Session::start(Arc::new(lsp::Kyverno));
    s.initialize().await;
    s.open(VPOL).await;
    // The policy is simulated on the built-in samples: the hello-world Pod has no `app` label,
    // and `validationActions: [Deny]` would refuse it.
    assert_eq!(
        s.diagnostics().await,
        publish(
            Some(1),
            json!([{
                "range": range(3, 8, 3, 25), "severity": 3, "code": "rule-fails",
                "source": "kyverno-ls",
                "message": "Pod hello-world would be blocked (Deny): Pods need an `app` label.",
                "relatedInformation": [{
                    "location": {"uri": "file:///work/policy.yaml", "range": range(16, 4, 16, 14)},
                    "message": "the part of the rule that failed"
                }]
            }])
        )
    );
    assert_eq!(
        s.request("textDocument/hover", at(5, 4)).await,
        response(
            2,
            json!({"contents": {"kind": "markdown",
                                "value": "**`validationActions`** · *list*\n\n\
                                          What a failed validation does, as a set: `Deny` rejects the request, \
                                          `Audit` records the failure in policy reports, `Warn` lets the request \
                                          through with a warning to the client. Defaults to `[Deny]`."},
                   "range": range(5, 2, 5, 19)})
        )
    );
    // On the value of `enabled`: the field's documentation and its default.
    assert_eq!(
        s.request("textDocument/hover", at(8, 15)).await,
        response(
            3,
            json!({"contents": {"kind": "markdown",
                                "value": "**`enabled`** · *boolean*\n\n\
                                          Whether the policy also checks existing resources, reporting results in \
                                          policy reports. Defaults to `true`; set it to `false` when expressions \
                                          read request-only data such as `request.userInfo`.\n\nDefault: `true`"},
                   "range": range(8, 15, 8, 20)})
        )
    );

    // `ad|` beside `background:` under `evaluation` — the keys not yet there.
    s.change(
        2,
        json!([{"range": range(8, 20, 8, 20), "text": "\n    ad"}]),
    )
    .await;
    let key = |label: &str, detail: &str, doc: &str| {
        json!({"label": label, "kind": 10, "detail": detail,
               "documentation": {"kind": "markdown", "value": doc},
               "insertText": format!("{label}: ")})
    };
    assert_eq!(
        s.request("textDocument/completion", at(9, 6)).await,
        response(
            4,
            json!([
                key(
                    "admission",
                    "AdmissionConfiguration object",
                    "Evaluation of API requests in the admission webhook."
                ),
                key(
                    "mode",
                    "string",
                    "What the policy evaluates: `Kubernetes` (the default) for Kubernetes \
                     resources and admission requests, `Envoy` or `HTTP` for requests sent to \
                     Kyverno's authorization servers, `JSON` for arbitrary JSON payloads."
                ),
            ])
        )
    );
}

/// A policy with JMESPath in a precondition (line 9) and in a deny condition (line 16).
const EXPR_POLICY: &str = "apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: names
spec:
  rules:
  - name: short-names
    match: {any: [{resources: {kinds: [Pod]}}]}
    preconditions:
      all:
      - {key: \"{{ request.operation }}\", operator: NotEquals, value: DELETE}
    validate:
      message: too long
      deny:
        conditions:
          any:
          - {key: \"{{ truncate(request.object.metadata.name, `5`) }}\", operator: NotEquals, value: x}
";

#[tokio::test]
async fn real_core_hover_on_a_function_name() {
    let mut s = Session::start(Arc::new(lsp::Kyverno));
    // Without the built-in samples, which the rule fails or errors on.
    s.request(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {},
               "initializationOptions": {"kyverno": {"builtinSamples": false}}}),
    )
    .await;
    s.notify("initialized", json!({})).await;
    s.open(EXPR_POLICY).await;
    assert_eq!(s.diagnostics().await, publish(Some(1), json!([])));
    let reply = s.request("textDocument/hover", at(16, 24)).await;
    assert_eq!(reply["result"]["range"], range(16, 22, 16, 30));
    let value = reply["result"]["contents"]["value"].as_str().unwrap();
    assert!(
        value.starts_with(
            "```\ntruncate(str: string, length: number) -> string\n```\nKyverno custom function\n\n"
        ),
        "{value}"
    );
}

#[tokio::test]
async fn real_core_completion_inside_an_expression() {
    let mut s = Session::start(Arc::new(lsp::Kyverno));
    s.initialize().await;
    s.open(EXPR_POLICY).await;
    // `{{ request.|operation }}` — the fields of `request`.
    let reply = s.request("textDocument/completion", at(10, 26)).await;
    let labels: Vec<&str> = reply["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        [
            "object",
            "oldObject",
            "operation",
            "namespace",
            "name",
            "kind",
            "userInfo",
            "roles",
            "clusterRoles",
            "dryRun"
        ]
    );
    // `{{ |request` — variables first, then functions.
    let reply = s.request("textDocument/completion", at(10, 18)).await;
    let items = reply["result"].as_array().unwrap();
    assert_eq!(
        items[0],
        json!({"label": "request", "kind": 6, "detail": "variable",
        "documentation": {"kind": "markdown", "value": "The admission request: `request.object`, `request.operation`, ..."}})
    );
    assert!(
        items
            .iter()
            .any(|i| i["label"] == "truncate" && i["kind"] == 3 && i["insertText"] == "truncate(")
    );
}

#[tokio::test]
async fn real_core_signature_help_in_a_call() {
    let mut s = Session::start(Arc::new(lsp::Kyverno));
    s.initialize().await;
    s.open(EXPR_POLICY).await;
    // After the comma of `truncate(request.object.metadata.name, |`5`)`.
    let reply = s.request("textDocument/signatureHelp", at(16, 61)).await;
    assert_eq!(reply["result"]["activeParameter"], 1);
    assert_eq!(
        reply["result"]["signatures"][0]["label"],
        "truncate(str: string, length: number) -> string"
    );
    assert_eq!(
        reply["result"]["signatures"][0]["parameters"],
        json!([{"label": [9, 20]}, {"label": [22, 36]}])
    );
}

/// A ValidatingPolicy with a variable (line 15) read by a validation (line 17), and a match
/// condition on the request (line 12).
const CEL_POLICY: &str = "apiVersion: policies.kyverno.io/v1
kind: ValidatingPolicy
metadata:
  name: registry
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: [\"\"]
      apiVersions: [v1]
      operations: [CREATE]
      resources: [pods]
  matchConditions:
  - name: not-system
    expression: \"!request.userInfo.username.startsWith('system:')\"
  variables:
  - name: images
    expression: object.spec.containers.map(c, c.image)
  validations:
  - expression: \"variables.images.all(i, i.startsWith('registry.example.com/'))\"
    message: use the company registry
";

/// The real core on `CEL_POLICY`, without samples, so that hover shows the docs alone.
async fn cel_session() -> Session {
    let mut s = Session::start(Arc::new(lsp::Kyverno));
    s.request(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {},
               "initializationOptions": {"kyverno": {"builtinSamples": false}}}),
    )
    .await;
    s.notify("initialized", json!({})).await;
    s.open(CEL_POLICY).await;
    assert_eq!(s.diagnostics().await, publish(Some(1), json!([])));
    s
}

#[tokio::test]
async fn real_core_cel_hover_and_definition_of_a_variable() {
    let mut s = cel_session().await;
    // On `images` of `variables.images`: its type and expression.
    assert_eq!(
        s.request("textDocument/hover", at(18, 29)).await,
        response(
            2,
            json!({"contents": {"kind": "markdown",
                                "value": "**`variables.images`** · *list(dyn)*\n\n\
                                          ```cel\nobject.spec.containers.map(c, c.image)\n```"},
                   "range": range(18, 27, 18, 33)})
        )
    );
    // On `startsWith`: the member function's signature and documentation.
    assert_eq!(
        s.request("textDocument/hover", at(18, 45)).await,
        response(
            3,
            json!({"contents": {"kind": "markdown",
                                "value": "```\nstring.startsWith(string) -> bool\n```\n\
                                          Whether the receiver string begins with the argument."},
                   "range": range(18, 43, 18, 53)})
        )
    );
    // From `variables.images` to the variable's `name:`.
    assert_eq!(
        s.request("textDocument/definition", at(18, 29)).await,
        response(4, json!({"uri": URI, "range": range(15, 10, 15, 16)}))
    );
    // Not on a variable: no definition.
    assert_eq!(
        s.request("textDocument/definition", at(18, 45)).await,
        response(5, json!(null))
    );
}

#[tokio::test]
async fn real_core_cel_completion_and_signature_help() {
    let mut s = cel_session().await;
    // `request.userInfo.|username`: the fields of Kubernetes' UserInfo, typed.
    let field = |label: &str, detail: &str| json!({"label": label, "kind": 10, "detail": detail});
    assert_eq!(
        s.request("textDocument/completion", at(13, 35)).await,
        response(
            2,
            json!([
                field("username", "string"),
                field("uid", "string"),
                field("groups", "list(string)"),
                field("extra", "map(string, list(string))"),
            ])
        )
    );
    // `variables.|images`: the variables the validation may read.
    assert_eq!(
        s.request("textDocument/completion", at(18, 27)).await,
        response(
            3,
            json!([{"label": "images", "kind": 6, "detail": "list(dyn)",
                    "documentation": {"kind": "markdown",
                                      "value": "```cel\nobject.spec.containers.map(c, c.image)\n```"}}])
        )
    );
    // In the string of `startsWith('sys|tem:')`: the member overload, on its one parameter.
    assert_eq!(
        s.request("textDocument/signatureHelp", at(13, 58)).await,
        response(
            4,
            json!({"signatures": [{
                "label": "string.startsWith(string) -> bool",
                "documentation": {"kind": "markdown",
                                  "value": "Whether the receiver string begins with the argument."},
                "parameters": [{"label": [18, 24]}],
                "activeParameter": 0
            }], "activeSignature": 0, "activeParameter": 0})
        )
    );
    // In the macro's predicate: its second parameter.
    assert_eq!(
        s.request("textDocument/signatureHelp", at(18, 41)).await,
        response(
            5,
            json!({"signatures": [{
                "label": "collection.all(x, predicate) -> bool",
                "documentation": {"kind": "markdown",
                                  "value": "Whether the predicate holds for every element of a list, or \
                                            every key of a map. `all(i, v, p)` names the index (or key) \
                                            and the value."},
                "parameters": [{"label": [15, 16]}, {"label": [18, 27]}],
                "activeParameter": 1
            }], "activeSignature": 0, "activeParameter": 1})
        )
    );
}

#[tokio::test]
async fn real_core_definition_of_a_context_entry() {
    let mut s = Session::start(Arc::new(lsp::Kyverno));
    s.initialize().await;
    s.open(
        "apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: p
spec:
  rules:
  - name: r
    match: {any: [{resources: {kinds: [Pod]}}]}
    context:
    - name: limit
      variable:
        value: 5
    validate:
      message: \"over {{ limit }}\"
      deny: {}
",
    )
    .await;
    // On `limit` in `{{ limit }}`: the entry's name.
    assert_eq!(
        s.request("textDocument/definition", at(13, 24)).await,
        response(2, json!({"uri": URI, "range": range(9, 12, 9, 17)}))
    );
}

#[tokio::test]
async fn real_core_cel_hover_and_completion_of_resource_fields() {
    let mut s = cel_session().await;
    // On `containers` of `object.spec.containers`: the Pod field, as Kubernetes documents it.
    let reply = s.request("textDocument/hover", at(16, 30)).await;
    assert_eq!(
        reply,
        response(
            2,
            json!({"contents": {"kind": "markdown",
                                "value": "**`containers`** · *[]Container*\n\nList of containers \
                                          belonging to the pod. Containers cannot currently be added \
                                          or removed. There must be at least one container in a Pod. \
                                          Cannot be updated.\n\n*Pod (Kubernetes 1.37)*"},
                   "range": range(16, 28, 16, 38)})
        )
    );
    // `object.|spec`: the top-level fields of a Pod, then every member function (`dyn`).
    let reply = s.request("textDocument/completion", at(16, 23)).await;
    let items = reply["result"].as_array().unwrap();
    let fields: Vec<(&str, &str)> = items
        .iter()
        .filter(|i| i["kind"] == 10)
        .map(|i| (i["label"].as_str().unwrap(), i["detail"].as_str().unwrap()))
        .collect();
    assert_eq!(
        fields,
        [
            ("apiVersion", "string"),
            ("kind", "string"),
            ("metadata", "ObjectMeta"),
            ("spec", "PodSpec"),
            ("status", "PodStatus"),
        ]
    );
}

/// A pattern key that the matched kind does not have is a warning at the key, with a "did you
/// mean", published like any other finding.
#[tokio::test]
async fn real_core_publishes_pattern_keys_the_matched_kind_lacks() {
    const POLICY: &str = "apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: non-root
spec:
  rules:
    - name: non-root
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        failureAction: Audit
        message: Run as non-root.
        pattern:
          spec:
            securityContext:
              runAsNonRot: true
";
    let mut s = Session::start(Arc::new(lsp::Kyverno));
    s.initialize().await;
    s.open(POLICY).await;
    let published = s.diagnostics().await;
    let pattern: Vec<&Value> = published["params"]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "pattern-unknown-field")
        .collect();
    assert_eq!(
        pattern,
        [&json!({
            "range": range(17, 14, 17, 25),
            "severity": 2,
            "code": "pattern-unknown-field",
            "source": "kyverno-ls",
            "message": "`runAsNonRot` is not a field of PodSecurityContext in Pod (Kubernetes 1.37), so this part of the pattern can never match what it names. Did you mean `runAsNonRoot`?",
        })]
    );
}

#[tokio::test]
async fn real_core_publishes_json_patch_paths_the_matched_kind_lacks() {
    const POLICY: &str = "apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: replicas
spec:
  rules:
    - name: two
      match:
        any:
          - resources:
              kinds: [Deployment]
      mutate:
        patchesJson6902: |-
          - op: replace
            path: /spec/replica
            value: 2
";
    let mut s = Session::start(Arc::new(lsp::Kyverno));
    s.initialize().await;
    s.open(POLICY).await;
    let published = s.diagnostics().await;
    let patch: Vec<&Value> = published["params"]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "patch-unknown-field")
        .collect();
    // On the path inside the block scalar, not on the whole patch.
    assert_eq!(
        patch,
        [&json!({
            "range": range(14, 18, 14, 31),
            "severity": 2,
            "code": "patch-unknown-field",
            "source": "kyverno-ls",
            "message": "`/spec/replica`: `replica` is not a field of DeploymentSpec in Deployment (Kubernetes 1.37), so this `replace` can never apply as written. Did you mean `replicas`?",
        })]
    );
}

#[tokio::test]
async fn real_core_completes_pattern_keys_from_the_matched_kind_inside_an_anchor() {
    const POLICY: &str = "apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: non-root
spec:
  rules:
    - name: non-root
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        failureAction: Audit
        message: Run as non-root.
        pattern:
          spec:
            =(securityContext):
              runAsNonRoot: true
";
    let mut s = Session::start(Arc::new(lsp::Kyverno));
    s.initialize().await;
    s.open(POLICY).await;
    // A new line under `=(securityContext)`, an anchor being typed.
    s.change(
        2,
        json!([{"range": range(17, 32, 17, 32), "text": "\n              =(sec"}]),
    )
    .await;
    let got = s.request("textDocument/completion", at(18, 19)).await;
    let items = got["result"].as_array().expect("a list of items");
    let labels: Vec<&str> = items.iter().map(|i| i["label"].as_str().unwrap()).collect();
    // PodSecurityContext's fields, less the one already there.
    assert_eq!(
        labels,
        [
            "appArmorProfile",
            "fsGroup",
            "fsGroupChangePolicy",
            "runAsGroup",
            "runAsUser",
            "seLinuxChangePolicy",
            "seLinuxOptions",
            "seccompProfile",
            "supplementalGroups",
            "supplementalGroupsPolicy",
            "sysctls",
            "windowsOptions",
        ]
    );
    let seccomp = items
        .iter()
        .find(|i| i["label"] == "seccompProfile")
        .unwrap();
    assert_eq!(seccomp["kind"], 10);
    assert_eq!(seccomp["detail"], "SeccompProfile (Pod)");
    assert_eq!(seccomp["insertText"], "seccompProfile): ");
    assert!(
        seccomp["documentation"]["value"]
            .as_str()
            .unwrap()
            .starts_with("The seccomp options to use by the containers in this pod."),
        "{seccomp}"
    );
}

#[tokio::test]
async fn real_core_publishes_sample_fields_their_kind_lacks() {
    const TEXT: &str = "apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: team
spec:
  rules:
    - name: team
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        failureAction: Audit
        message: The label `team` is required.
        pattern:
          metadata:
            labels:
              team: \"?*\"
---
apiVersion: v1
kind: Pod
metadata:
  name: typo
  lables:
    team: web
spec:
  containers: [{name: c, image: nginx}]
";
    let mut s = Session::start(Arc::new(lsp::Kyverno));
    s.initialize().await;
    s.open(TEXT).await;
    let published = s.diagnostics().await;
    let sample: Vec<&Value> = published["params"]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "sample-unknown-field")
        .collect();
    assert_eq!(
        sample,
        [&json!({
            "range": range(23, 2, 23, 8),
            "severity": 2,
            "code": "sample-unknown-field",
            "source": "kyverno-ls",
            "message": "`lables` is not a field of ObjectMeta in Pod (Kubernetes 1.37), so the policies are simulated on a resource the API server would not store as written. Did you mean `labels`?",
        })]
    );
}

#[tokio::test]
async fn quick_fixes_write_the_suggestion_in_place_of_the_misspelt_word() {
    const POLICY: &str = "apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: non-root
spec:
  rules:
    - name: non-root
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        failureAction: Audit
        message: Run as non-root.
        pattern:
          spec:
            =(securityContext):
              =(runAsNonRot): true
";
    let mut s = Session::start(Arc::new(lsp::Kyverno));
    s.initialize().await;
    s.open(POLICY).await;
    let published = s.diagnostics().await;
    let diagnostic = published["params"]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "pattern-unknown-field")
        .cloned()
        .expect("the pattern key is reported");
    let actions = s
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": URI}, "range": range(17, 17, 17, 17),
                   "context": {"diagnostics": [diagnostic.clone()]}}),
        )
        .await;
    // Only the word inside the anchor changes.
    assert_eq!(
        actions,
        response(
            2,
            json!([{
                "title": "Change to `runAsNonRoot`",
                "kind": "quickfix",
                "diagnostics": [diagnostic],
                "edit": {"changes": {URI: [{"range": range(17, 16, 17, 27), "newText": "runAsNonRoot"}]}},
                "isPreferred": true,
            }, migrate_action()])
        )
    );
    // A client asking for other kinds of action gets none.
    let none = s
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": URI}, "range": range(17, 17, 17, 17),
                   "context": {"diagnostics": [], "only": ["source.organizeImports"]}}),
        )
        .await;
    assert_eq!(none, response(3, json!([])));
}

/// Applies LSP text edits (ASCII text: columns are bytes) to `text`.
fn apply_lsp_edits(text: &str, edits: &[Value]) -> String {
    let offset = |p: &Value| {
        let line = p["line"].as_u64().unwrap() as usize;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        start + p["character"].as_u64().unwrap() as usize
    };
    let mut spans: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| {
            (
                offset(&e["range"]["start"]),
                offset(&e["range"]["end"]),
                e["newText"].as_str().unwrap(),
            )
        })
        .collect();
    spans.sort_by_key(|s| std::cmp::Reverse(s.0));
    let mut out = text.to_string();
    for (start, end, new) in spans {
        out.replace_range(start..end, new);
    }
    out
}

#[tokio::test]
async fn fix_all_applies_every_preferred_fix_and_the_file_checks_clean() {
    const POLICY: &str = "apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: legacy
spec:
  validationFailureAction: audit # report only
  rules:
    - name: team
      match:
        resources:
          kinds: ['Pod']
      preconditions:
        all:
          - key: '{{ request.operation }}'
            operator: Equal
            value: CREATE
      validate:
        message: \"A team label is required.\"
        pattern:
          metadata:
            labels:
              team: \"?*\"
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {team: shop}
spec:
  containers: [{name: web, image: nginx}]
";
    let mut s = Session::start(Arc::new(lsp::Kyverno));
    s.initialize().await;
    s.open(POLICY).await;
    let codes = |published: &Value| -> Vec<String> {
        published["params"]["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap().to_string())
            .collect()
    };
    let published = s.diagnostics().await;
    assert_eq!(codes(&published), ["deprecated"; 4]);
    // The lightbulb on `Equal` offers its one rewrite, preferred.
    let equal = published["params"]["diagnostics"][3].clone();
    let actions = s
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": URI}, "range": range(14, 24, 14, 24),
                   "context": {"diagnostics": [equal.clone()]}}),
        )
        .await;
    assert_eq!(
        actions,
        response(
            2,
            json!([{
                "title": "Replace `Equal` with `Equals`",
                "kind": "quickfix",
                "diagnostics": [equal],
                "edit": {"changes": {URI: [{"range": range(14, 22, 14, 27), "newText": "Equals"}]}},
                "isPreferred": true,
            }, migrate_action()])
        )
    );
    // Fix all (as `editor.codeActionsOnSave` asks for it): the policy-wide action moves into
    // the rule with its comment, the legacy match becomes `any`, the operator is renamed.
    let actions = s
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": URI}, "range": range(0, 0, 22, 0),
                   "context": {"diagnostics": [], "only": ["source.fixAll"]}}),
        )
        .await;
    assert_eq!(
        actions,
        response(
            3,
            json!([{
                "title": "Fix all auto-fixable problems",
                "kind": "source.fixAll.kyverno-ls",
                "edit": {"changes": {URI: [
                    {"range": range(5, 0, 6, 0), "newText": ""},
                    {"range": range(9, 0, 11, 0), "newText": "        any:\n          - resources:\n              kinds: ['Pod']\n"},
                    {"range": range(14, 22, 14, 27), "newText": "Equals"},
                    {"range": range(17, 0, 17, 0), "newText": "        failureAction: Audit # report only\n"},
                ]}},
            }])
        )
    );
    let edits = actions["result"][0]["edit"]["changes"][URI]
        .as_array()
        .unwrap()
        .clone();
    let fixed = apply_lsp_edits(POLICY, &edits);
    s.change(2, json!([{"text": fixed}])).await;
    let published = s.diagnostics().await;
    assert_eq!(codes(&published), Vec::<String>::new());
    assert_eq!(
        fixed,
        "apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: legacy
spec:
  rules:
    - name: team
      match:
        any:
          - resources:
              kinds: ['Pod']
      preconditions:
        all:
          - key: '{{ request.operation }}'
            operator: Equals
            value: CREATE
      validate:
        failureAction: Audit # report only
        message: \"A team label is required.\"
        pattern:
          metadata:
            labels:
              team: \"?*\"
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {team: shop}
spec:
  containers: [{name: web, image: nginx}]
"
    );
    // Nothing left to fix: no action.
    let actions = s
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": URI}, "range": range(0, 0, 23, 0),
                   "context": {"diagnostics": [], "only": ["source.fixAll"]}}),
        )
        .await;
    assert_eq!(actions, response(4, json!([])));
}

/// Each kind of fix, through the editor: fix all, apply, and the file checks clean, its
/// comments and quotes as they were.
#[tokio::test]
async fn each_fix_leaves_a_clean_file() {
    let policy = |spec: &str, rule: &str| {
        format!(
            "apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: p
spec:
{spec}  rules:
  - name: r
    match:
      any:
      - resources:
          kinds: [Pod]
{rule}    validate:
      failureAction: Audit
      message: 'by {{{{ request.userInfo.username }}}}' # who
      pattern:
        metadata:
          name: \"?*\"
---
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers: [{{name: web, image: nginx}}]
"
        )
    };
    let cases = [
        // Admission-only variables in a background policy: `background: false`.
        (
            policy("  background: true # scans too\n", ""),
            policy("  background: false # scans too\n", ""),
        ),
        // A fixed key: `In` becomes `AnyIn`; `NotEqual`, `NotEquals`.
        (
            policy(
                "  background: false\n",
                "    preconditions:\n      all:\n      - key: 'web'\n        operator: In # legacy\n        value: [web, api]\n      - key: \"{{ request.operation }}\"\n        operator: NotEqual\n        value: DELETE\n",
            ),
            policy(
                "  background: false\n",
                "    preconditions:\n      all:\n      - key: 'web'\n        operator: AnyIn # legacy\n        value: [web, api]\n      - key: \"{{ request.operation }}\"\n        operator: NotEquals\n        value: DELETE\n",
            ),
        ),
        // Overrides move into the rule as a block.
        (
            policy(
                "  background: false\n  validationFailureActionOverrides:\n  - action: Enforce # prod only\n    namespaces: [prod]\n",
                "",
            ),
            policy("  background: false\n", "")
                .replace("    validate:\n", "    validate:\n      failureActionOverrides:\n      - action: Enforce # prod only\n        namespaces: [prod]\n"),
        ),
    ];
    let mut s = Session::start(Arc::new(lsp::Kyverno));
    s.initialize().await;
    let mut version = 1;
    s.open(&cases[0].0).await;
    let mut id = 2;
    for (before, after) in cases {
        version += 1;
        s.change(version, json!([{"text": before}])).await;
        let published = s.diagnostics().await;
        assert!(
            !published["params"]["diagnostics"]
                .as_array()
                .unwrap()
                .is_empty(),
            "{before}"
        );
        let actions = s
            .request(
                "textDocument/codeAction",
                json!({"textDocument": {"uri": URI}, "range": range(0, 0, 40, 0),
                       "context": {"diagnostics": [], "only": ["source.fixAll"]}}),
            )
            .await;
        id += 1;
        assert_eq!(actions["id"], id - 1);
        let edits = actions["result"][0]["edit"]["changes"][URI]
            .as_array()
            .unwrap()
            .clone();
        let fixed = apply_lsp_edits(&before, &edits);
        assert_eq!(fixed, after);
        version += 1;
        s.change(version, json!([{"text": fixed}])).await;
        let published = s.diagnostics().await;
        assert_eq!(published["params"]["diagnostics"], json!([]), "{after}");
    }
}
