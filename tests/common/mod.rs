//! An LSP client over in-process pipes, for tests that assert whole JSON-RPC messages. The
//! server runs on the test's runtime; documents are named by URI.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use kyverno_ls::lsp::{self, Analyzer};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, DuplexStream};
use tokio::task::JoinHandle;

/// Long enough for a loaded machine; only reached when a test is about to fail.
pub const TIMEOUT: Duration = Duration::from_secs(20);

pub struct Session {
    /// `None` once the test has closed the server's input.
    pub to_server: Option<DuplexStream>,
    from_server: BufReader<DuplexStream>,
    pub server: JoinHandle<i32>,
    next_id: i64,
    /// Messages read while looking for another one, oldest first.
    pub unclaimed: VecDeque<Value>,
}

impl Session {
    pub fn start(core: Arc<dyn Analyzer>) -> Self {
        let (to_server, server_in) = tokio::io::duplex(1 << 16);
        let (server_out, from_server) = tokio::io::duplex(1 << 16);
        let server = tokio::spawn(lsp::serve_with(server_in, server_out, core));
        Session {
            to_server: Some(to_server),
            from_server: BufReader::new(from_server),
            server,
            next_id: 0,
            unclaimed: VecDeque::new(),
        }
    }

    pub fn real() -> Self {
        Self::start(Arc::new(lsp::Kyverno))
    }

    pub async fn send(&mut self, message: Value) {
        let body = message.to_string();
        let framed = format!("Content-Length: {}\r\n\r\n{body}", body.len());
        let input = self.to_server.as_mut().expect("input already closed");
        input.write_all(framed.as_bytes()).await.unwrap();
    }

    /// The next message from the server, or `None` once it has closed its output.
    pub async fn read_message(&mut self) -> Option<Value> {
        let read = async {
            let mut length = None;
            loop {
                let mut line = String::new();
                if self.from_server.read_line(&mut line).await.unwrap() == 0 {
                    return None;
                }
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some(n) = line.strip_prefix("Content-Length: ") {
                    length = Some(n.parse::<usize>().unwrap());
                }
            }
            let mut body = vec![0; length.expect("no Content-Length header")];
            self.from_server.read_exact(&mut body).await.unwrap();
            Some(serde_json::from_slice(&body).unwrap())
        };
        tokio::time::timeout(TIMEOUT, read)
            .await
            .expect("timed out waiting for the server")
    }

    /// The first message (unclaimed ones first) that `wanted` accepts; others stay unclaimed.
    pub async fn find(&mut self, what: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.unclaimed.iter().position(&wanted) {
            return self.unclaimed.remove(i).unwrap();
        }
        loop {
            let message = self
                .read_message()
                .await
                .unwrap_or_else(|| panic!("server closed its output before {what}"));
            if wanted(&message) {
                return message;
            }
            self.unclaimed.push_back(message);
        }
    }

    /// Sends a request and returns the whole response message.
    pub async fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        self.find(&format!("the response to {method}"), |m| {
            m["id"] == id && m.get("method").is_none()
        })
        .await
    }

    pub async fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}))
            .await;
    }

    /// The next request or notification the server sends with `method`, whole.
    pub async fn incoming(&mut self, method: &str) -> Value {
        self.find(method, |m| m["method"] == method).await
    }

    /// Answers a request the server sent.
    pub async fn respond(&mut self, request: &Value, result: Value) {
        self.send(json!({"jsonrpc": "2.0", "id": request["id"], "result": result}))
            .await;
    }

    /// The next `publishDiagnostics` for `uri` (of `version`, when given), whole.
    pub async fn diagnostics(&mut self, uri: &str, version: Option<i32>) -> Value {
        self.find("publishDiagnostics", |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && version.is_none_or(|v| m["params"]["version"] == v)
        })
        .await
    }

    /// `initialize` with these params (whose whole response is returned), then `initialized`.
    pub async fn initialize(&mut self, params: Value) -> Value {
        let mut params = params;
        params["processId"] = Value::Null;
        if params.get("capabilities").is_none() {
            params["capabilities"] = json!({});
        }
        let response = self.request("initialize", params).await;
        self.notify("initialized", json!({})).await;
        response
    }

    pub async fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}),
        )
        .await;
    }

    /// Replaces the whole text.
    pub async fn replace(&mut self, uri: &str, version: i32, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version},
                   "contentChanges": [{"text": text}]}),
        )
        .await;
    }
}

pub fn pos(line: u32, character: u32) -> Value {
    json!({"line": line, "character": character})
}

pub fn range(l0: u32, c0: u32, l1: u32, c1: u32) -> Value {
    json!({"start": pos(l0, c0), "end": pos(l1, c1)})
}

pub fn publish(uri: &str, version: Option<i32>, diagnostics: Value) -> Value {
    let mut params = json!({"uri": uri, "diagnostics": diagnostics});
    if let Some(v) = version {
        params["version"] = json!(v);
    }
    json!({"jsonrpc": "2.0", "method": "textDocument/publishDiagnostics", "params": params})
}

pub fn response(id: i64, result: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": result})
}

/// A workspace folder on disk, with its `file://` URIs.
pub struct Workspace {
    pub dir: tempfile::TempDir,
    /// Canonical (the server canonicalises too).
    pub root: std::path::PathBuf,
}

impl Workspace {
    pub fn new(files: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let ws = Workspace { dir, root };
        for (path, text) in files {
            ws.write(path, text);
        }
        ws
    }

    pub fn write(&self, path: &str, text: &str) {
        let p = self.root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    pub fn uri(&self, path: &str) -> String {
        format!("file://{}", self.root.join(path).display())
    }

    pub fn root_uri(&self) -> String {
        format!("file://{}", self.root.display())
    }
}

// ---------------------------------------------------------------------------------------------
// The built binary over real stdio

/// `kyverno-ls serve` in a child process, driven over its stdin and stdout as an editor does.
/// Messages are read on a thread of their own, so that a silent server fails the test (after
/// [`TIMEOUT`]) instead of blocking it. The child is killed if the test ends without it exiting.
pub struct Process {
    pub child: std::process::Child,
    stdin: Option<std::process::ChildStdin>,
    messages: std::sync::mpsc::Receiver<Value>,
    next_id: i64,
    /// Messages read while looking for another one, oldest first.
    pub unclaimed: VecDeque<Value>,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Figures from `/proc/<pid>/status`, in KiB.
#[derive(Debug, Clone, Copy)]
pub struct Memory {
    /// Resident now.
    pub rss: u64,
    /// The most ever resident (the high-water mark).
    pub hwm: u64,
}

impl Process {
    /// `KYVERNO_LS_BIN` runs another binary (a release build, say) instead of the one built
    /// for the tests.
    pub fn spawn() -> Self {
        use std::process::{Command, Stdio};
        let bin = std::env::var("KYVERNO_LS_BIN")
            .unwrap_or_else(|_| env!("CARGO_BIN_EXE_kyverno-ls").to_owned());
        let mut child = Command::new(bin)
            .arg("serve")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("cannot start kyverno-ls serve");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().unwrap();
        let (tx, messages) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut stdout = std::io::BufReader::new(stdout);
            while let Some(m) = read_framed(&mut stdout) {
                if tx.send(m).is_err() {
                    break;
                }
            }
        });
        Process {
            child,
            stdin,
            messages,
            next_id: 0,
            unclaimed: VecDeque::new(),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Writes bytes as they are, framed or not.
    pub fn write_raw(&mut self, bytes: &[u8]) {
        use std::io::Write;
        let stdin = self.stdin.as_mut().expect("stdin already closed");
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    pub fn send(&mut self, message: Value) {
        self.write_raw(framed(&message).as_bytes());
    }

    /// Sends several messages in one write, so that the server reads them together.
    pub fn send_together(&mut self, messages: &[Value]) {
        let bytes: String = messages.iter().map(framed).collect();
        self.write_raw(bytes.as_bytes());
    }

    /// An id for a request the test frames itself.
    pub fn next_id(&mut self) -> i64 {
        self.next_id += 1;
        self.next_id
    }

    /// Closes the server's stdin (end of input).
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// The next message from the server, `None` once it has closed its output.
    pub fn next_message(&mut self) -> Option<Value> {
        match self.messages.recv_timeout(TIMEOUT) {
            Ok(m) => Some(m),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => None,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                panic!("timed out waiting for the server")
            }
        }
    }

    /// A message that has already arrived, without waiting.
    pub fn try_message(&mut self) -> Option<Value> {
        self.messages.try_recv().ok()
    }

    /// The first message (unclaimed ones first) that `wanted` accepts; others stay unclaimed.
    pub fn find(&mut self, what: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.unclaimed.iter().position(&wanted) {
            return self.unclaimed.remove(i).unwrap();
        }
        loop {
            let message = self
                .next_message()
                .unwrap_or_else(|| panic!("server closed its output before {what}"));
            if wanted(&message) {
                return message;
            }
            self.unclaimed.push_back(message);
        }
    }

    /// Sends a request without waiting; returns its id.
    pub fn send_request(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next_id();
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        id
    }

    /// The whole response to the request `id`.
    pub fn response_to(&mut self, id: i64) -> Value {
        self.find(&format!("the response to request {id}"), |m| {
            m["id"] == id && m.get("method").is_none()
        })
    }

    /// Sends a request and returns the whole response message.
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.send_request(method, params);
        self.response_to(id)
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// The next request or notification the server sends with `method`, whole.
    pub fn incoming(&mut self, method: &str) -> Value {
        self.find(method, |m| m["method"] == method)
    }

    /// The next `publishDiagnostics` for `uri` (of `version`, when given), whole.
    pub fn diagnostics(&mut self, uri: &str, version: Option<i32>) -> Value {
        self.find("publishDiagnostics", |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && version.is_none_or(|v| m["params"]["version"] == v)
        })
    }

    /// `initialize` with these params (whose whole response is returned), then `initialized`.
    pub fn initialize(&mut self, params: Value) -> Value {
        let mut params = params;
        params["processId"] = Value::Null;
        if params.get("capabilities").is_none() {
            params["capabilities"] = json!({});
        }
        let response = self.request("initialize", params);
        self.notify("initialized", json!({}));
        response
    }

    pub fn open(&mut self, uri: &str, version: i32, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": version,
                                    "text": text}}),
        );
    }

    /// One incremental change: `range` replaced by `text`.
    pub fn edit(&mut self, uri: &str, version: i32, range: Value, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version},
                   "contentChanges": [{"range": range, "text": text}]}),
        );
    }

    /// Replaces the whole text.
    pub fn replace(&mut self, uri: &str, version: i32, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version},
                   "contentChanges": [{"text": text}]}),
        );
    }

    pub fn close(&mut self, uri: &str) {
        self.notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": uri}}),
        );
    }

    /// The exit code once the process has ended, waiting at most `limit`; `None` if it is
    /// still running then (or was killed by a signal).
    pub fn wait_exit(&mut self, limit: Duration) -> Option<i32> {
        let start = std::time::Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            if start.elapsed() > limit {
                return None;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// The child's resident memory now and at its peak.
    pub fn memory(&self) -> Memory {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .expect("cannot read the server's /proc status");
        let field = |name: &str| -> u64 {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
                .unwrap_or_else(|| panic!("no {name} in /proc status"))
        };
        Memory {
            rss: field("VmRSS:"),
            hwm: field("VmHWM:"),
        }
    }
}

/// `message` with its header.
pub fn framed(message: &Value) -> String {
    let body = message.to_string();
    format!("Content-Length: {}\r\n\r\n{body}", body.len())
}

/// One framed message from `input`; `None` at its end.
pub fn read_framed(input: &mut impl std::io::BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if input.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(n) = line.strip_prefix("Content-Length: ") {
            length = n.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    input.read_exact(&mut body).ok()?;
    Some(serde_json::from_slice(&body).expect("the server sent a body that is not JSON"))
}

// ---------------------------------------------------------------------------------------------
// What the server should publish, computed in process with the CLI's position code

/// `range` of a byte span of `text`, with UTF-16 columns, through `text::LineIndex` (the CLI's
/// conversion, independent of the server's ropes).
pub fn utf16_range(text: &str, span: &std::ops::Range<usize>) -> Value {
    let index = kyverno_ls::text::LineIndex::new(text);
    let (s, e) = (
        index.position_utf16(text, span.start),
        index.position_utf16(text, span.end),
    );
    range(s.line, s.character, e.line, e.character)
}

/// The LSP diagnostics for the core's findings in `analysis` of `text`, open as `uri`, as the
/// server converts them: UTF-16 ranges, related locations (in `uri` or in a sample file),
/// tags, and empty lists left out.
pub fn lsp_diagnostics(uri: &str, text: &str, analysis: &kyverno_ls::analysis::Analysis) -> Value {
    use kyverno_ls::diag::{DiagTag, Severity};
    let diagnostics: Vec<Value> = analysis
        .diagnostics
        .iter()
        .map(|d| {
            let mut v = json!({
                "range": utf16_range(text, &d.span),
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
                        let location = match &r.file {
                            None => json!({"uri": uri, "range": utf16_range(text, &r.span)}),
                            Some(f) => json!({"uri": format!("file://{}", f.path),
                                              "range": utf16_range(&f.text, &r.span)}),
                        };
                        json!({"location": location, "message": r.message})
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
    json!(diagnostics)
}

/// `textDocument/hover`'s result at byte `offset` of `text` (analysed without samples from
/// files), from the core in this process, converted as the server converts it.
pub fn lsp_hover(text: &str, offset: usize) -> Value {
    let analysis = kyverno_ls::analysis::analyze(text);
    match kyverno_ls::ide::hover(text, &analysis, offset) {
        Some(h) => json!({"contents": {"kind": "markdown", "value": h.markdown},
                          "range": utf16_range(text, &h.span)}),
        None => Value::Null,
    }
}

/// `textDocument/completion`'s result at byte `offset` of `text`, as [`lsp_hover`].
pub fn lsp_completion(text: &str, offset: usize) -> Value {
    use kyverno_ls::ide::CompletionKind;
    let analysis = kyverno_ls::analysis::analyze(text);
    let items: Vec<Value> = kyverno_ls::ide::completion(text, &analysis, offset)
        .into_iter()
        .map(|c| {
            let kind = match c.kind {
                CompletionKind::Field => 10,
                CompletionKind::EnumValue => 20,
                CompletionKind::Function => 3,
                CompletionKind::Variable => 6,
            };
            let mut item = json!({"label": c.label, "kind": kind});
            if let Some(d) = c.detail {
                item["detail"] = json!(d);
            }
            if let Some(d) = c.documentation {
                item["documentation"] = json!({"kind": "markdown", "value": d});
            }
            if c.insert_text != c.label {
                item["insertText"] = json!(c.insert_text);
            }
            item
        })
        .collect();
    json!(items)
}

/// `textDocument/documentSymbol`'s result for `text`, as [`lsp_hover`].
pub fn lsp_symbols(text: &str) -> Value {
    use kyverno_ls::ide::{Symbol, SymbolKind};
    fn symbol(text: &str, s: Symbol) -> Value {
        let range = utf16_range(text, &s.span);
        let mut selection = utf16_range(text, &s.selection_span);
        // As the server does: a selection outside its symbol becomes the whole symbol.
        if s.selection_span.start < s.span.start || s.selection_span.end > s.span.end {
            selection = range.clone();
        }
        let mut v = json!({
            "name": if s.name.is_empty() { "(unnamed)".to_owned() } else { s.name },
            "kind": match s.kind {
                SymbolKind::Policy => 5,
                SymbolKind::Rule => 6,
                SymbolKind::Section => 8,
            },
            "range": range,
            "selectionRange": selection,
        });
        if let Some(d) = s.detail {
            v["detail"] = json!(d);
        }
        if !s.children.is_empty() {
            v["children"] = s.children.into_iter().map(|c| symbol(text, c)).collect();
        }
        v
    }
    let analysis = kyverno_ls::analysis::analyze(text);
    kyverno_ls::ide::document_symbols(text, &analysis)
        .into_iter()
        .map(|s| symbol(text, s))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Programs the server runs (Helm, kustomize)

/// Writes `bin/NAME`, a shell script that records its arguments in `bin/calls` and then runs
/// `body`.
pub fn fake_program(bin: &std::path::Path, name: &str, body: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = bin.join(name);
    let script = format!(
        "#!/bin/sh\nPATH=/usr/bin:/bin\necho \"$@\" >> '{}'\n{body}\n",
        bin.join("calls").display()
    );
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// `kustomize`, else `kubectl`, from PATH; else None with a `skipped:` line, or a failure when
/// `CI=true` or `KYVERNO_LS_REQUIRE_KUSTOMIZE` is set (`.ci/run` installs kubectl).
pub fn real_kustomize() -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = ["kustomize", "kubectl"].iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    });
    if found.is_some() {
        return found;
    }
    let required = std::env::var("CI").is_ok_and(|v| v == "true")
        || std::env::var_os("KYVERNO_LS_REQUIRE_KUSTOMIZE").is_some();
    assert!(
        !required,
        "CI or KYVERNO_LS_REQUIRE_KUSTOMIZE is set but neither kustomize nor kubectl is on PATH (.ci/run installs Debian's kubernetes-client)"
    );
    println!("skipped: neither kustomize nor kubectl is on PATH");
    None
}

/// `kyverno-ls check --format json ARGS` in `cwd` with `PATH` set to `path`: (exit code, the
/// files, stderr).
pub fn check_json(cwd: &std::path::Path, path: &str, args: &[&str]) -> (i32, Value, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kyverno-ls"))
        .current_dir(cwd)
        .env("PATH", path)
        .args(["check", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let v: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    (
        out.status.code().unwrap(),
        v["files"].clone(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The diagnostics `check --format json` gave for the file whose path ends with `name`.
pub fn diagnostics_of(files: &Value, name: &str) -> Value {
    files
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"].as_str().unwrap().ends_with(name))
        .unwrap_or_else(|| panic!("no {name} in {files}"))["diagnostics"]
        .clone()
}
