//! Latency from an edit to fresh diagnostics, with the real server over stdio as an editor
//! drives it: initialize, open a policy, then edits one at a time, each followed by waiting
//! for the `publishDiagnostics` of its version. Prints the median and p95; asserts nothing
//! about time (figures depend on the machine).
//!
//! Run it on the release build:
//!
//! ```text
//! cargo test --release --test latency -- --ignored --nocapture
//! ```
//!
//! `KYVERNO_LS_BIN` runs another binary; `LATENCY_EDITS` changes the number of edits (200).

mod common;

use std::io::{BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const TIMEOUT: Duration = Duration::from_secs(30);

struct Server {
    child: Child,
    stdin: ChildStdin,
    messages: mpsc::Receiver<Value>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start() -> Server {
        let bin = std::env::var("KYVERNO_LS_BIN")
            .unwrap_or_else(|_| env!("CARGO_BIN_EXE_kyverno-ls").to_owned());
        let mut child = Command::new(bin)
            .arg("serve")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("cannot start the server");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, messages) = mpsc::channel();
        std::thread::spawn(move || {
            let mut stdout = BufReader::new(stdout);
            while let Some(m) = common::read_framed(&mut stdout) {
                if tx.send(m).is_err() {
                    break;
                }
            }
        });
        Server {
            child,
            stdin,
            messages,
        }
    }

    fn send(&mut self, message: Value) {
        write!(self.stdin, "{}", common::framed(&message)).unwrap();
        self.stdin.flush().unwrap();
    }

    fn wait_for(&self, wanted: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let m = self
                .messages
                .recv_timeout(left)
                .expect("the server did not answer in time");
            if wanted(&m) {
                return m;
            }
        }
    }

    fn published(&self, version: i32) -> Value {
        self.wait_for(|m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["version"] == version
        })
    }
}

struct Figures {
    median: Duration,
    p95: Duration,
    max: Duration,
    diagnostics: usize,
}

/// Opens `text` as `policy.yaml` in an empty workspace folder and times `edits` edits: each
/// inserts a character at the end of line `line`, or removes it again.
fn measure(text: &str, line: u32, edits: usize) -> Figures {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let uri = format!("file://{}/policy.yaml", root.display());
    let mut server = Server::start();
    server.send(
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "processId": null,
            "rootUri": format!("file://{}", root.display()),
            "capabilities": {},
        }}),
    );
    server.wait_for(|m| m["id"] == 1);
    server.send(json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}));
    server.send(
        json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
            "textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text},
        }}),
    );
    let first = server.published(1);
    let diagnostics = first["params"]["diagnostics"].as_array().unwrap().len();

    let column = text
        .lines()
        .nth(line as usize)
        .unwrap()
        .encode_utf16()
        .count() as u32;
    let mut times = Vec::with_capacity(edits);
    for i in 0..edits {
        let version = i as i32 + 2;
        let change = if i % 2 == 0 {
            json!({"range": {"start": {"line": line, "character": column},
                             "end": {"line": line, "character": column}}, "text": "x"})
        } else {
            json!({"range": {"start": {"line": line, "character": column},
                             "end": {"line": line, "character": column + 1}}, "text": ""})
        };
        let message = json!({"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
            "textDocument": {"uri": uri, "version": version},
            "contentChanges": [change],
        }});
        let start = Instant::now();
        server.send(message);
        server.published(version);
        times.push(start.elapsed());
    }
    server.send(json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}));
    server.wait_for(|m| m["id"] == 2);
    server.send(json!({"jsonrpc": "2.0", "method": "exit"}));

    times.sort();
    let at = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
    Figures {
        median: at(0.5),
        p95: at(0.95),
        max: *times.last().unwrap(),
        diagnostics,
    }
}

/// 24 policies of about 42 lines each: patterns, anyPattern, foreach with deny conditions,
/// preconditions and `{{ }}` expressions, in Audit and Enforce.
fn large_file() -> String {
    let mut out = String::new();
    for i in 0..24 {
        let action = if i % 2 == 0 { "Audit" } else { "Enforce" };
        out.push_str(&format!(
            "---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: policy-{i}
  annotations:
    policies.kyverno.io/title: Policy {i}
spec:
  validationFailureAction: {action}
  background: true
  rules:
    - name: require-labels-{i}
      match:
        any:
          - resources:
              kinds: [Pod, Deployment]
      validate:
        message: \"The label `team-{i}` is required on {{{{ request.object.metadata.name }}}}.\"
        pattern:
          metadata:
            labels:
              team-{i}: \"?*\"
    - name: drop-all-{i}
      match:
        any:
          - resources:
              kinds: [Pod]
      preconditions:
        all:
          - key: \"{{{{ request.operation || 'BACKGROUND' }}}}\"
            operator: NotEquals
            value: DELETE
      validate:
        message: Containers must drop `ALL` capabilities.
        foreach:
          - list: request.object.spec.[ephemeralContainers, initContainers, containers][]
            deny:
              conditions:
                all:
                  - key: ALL
                    operator: AnyNotIn
                    value: \"{{{{ element.securityContext.capabilities.drop[].to_upper(@) || `[]` }}}}\"
"
        ));
    }
    out
}

/// 40 ValidatingPolicies of 25 lines each: match conditions, variables with optionals, and
/// validations with messages and message expressions, in Deny and Audit.
fn large_cel_file() -> String {
    let mut out = String::new();
    for i in 0..40 {
        let action = if i % 2 == 0 { "Audit" } else { "Deny" };
        out.push_str(&format!(
            "---
apiVersion: policies.kyverno.io/v1
kind: ValidatingPolicy
metadata:
  name: cel-policy-{i}
spec:
  validationActions: [{action}]
  matchConstraints:
    resourceRules:
      - apiGroups: [\"\"]
        apiVersions: [v1]
        operations: [CREATE, UPDATE]
        resources: [pods]
  matchConditions:
    - name: not-system
      expression: \"!object.metadata.?namespace.orValue('').startsWith('kube-')\"
  variables:
    - name: containers
      expression: object.spec.containers + object.spec.?initContainers.orValue([])
  validations:
    - expression: \"object.metadata.?labels.orValue({{}}).exists(k, k == 'team-{i}')\"
      message: The label `team-{i}` is required.
    - expression: >-
        variables.containers.all(c,
          c.?securityContext.?capabilities.?drop.orValue([]).exists(d, d == 'ALL'))
      messageExpression: \"'containers of ' + object.metadata.name + ' must drop ALL'\"
"
        ));
    }
    out
}

fn edits() -> usize {
    std::env::var("LATENCY_EDITS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200)
}

fn report(name: &str, lines: usize, f: &Figures, edits: usize) {
    println!(
        "{name} ({lines} lines, {} diagnostics): {edits} edits, median {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        f.diagnostics,
        f.median.as_secs_f64() * 1000.0,
        f.p95.as_secs_f64() * 1000.0,
        f.max.as_secs_f64() * 1000.0,
    );
}

#[test]
#[ignore = "a measurement, not a check: run with --ignored --nocapture on the release build"]
fn edit_to_fresh_diagnostics() {
    let n = edits();
    // The tutorial policy: typing at the end of the rule's `message:` line.
    let tutorial = include_str!("../examples/drop-all-capabilities.yaml");
    let line = tutorial
        .lines()
        .position(|l| l.trim_start().starts_with("message:"))
        .unwrap() as u32;
    let f = measure(tutorial, line, n);
    report(
        "examples/drop-all-capabilities.yaml",
        tutorial.lines().count(),
        &f,
        n,
    );

    // The large file: typing in the message of a rule in the middle.
    let large = large_file();
    let line = large
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with("message: Containers"))
        .nth(12)
        .unwrap()
        .0 as u32;
    let f = measure(&large, line, n);
    report("24 policies", large.lines().count(), &f, n);

    // 40 CEL policies: typing in the message of a validation in the middle.
    let cel = large_cel_file();
    let line = cel
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with("message: The label"))
        .nth(20)
        .unwrap()
        .0 as u32;
    let f = measure(&cel, line, n);
    report("40 CEL policies", cel.lines().count(), &f, n);
}
