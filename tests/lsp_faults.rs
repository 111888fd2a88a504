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

use common::{Process, Workspace, framed, lsp_diagnostics, lsp_hover, publish, utf16_range};
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
