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
