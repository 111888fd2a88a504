//! The client's byte stream, cleaned before tower-lsp-server reads it.
//!
//! tower-lsp-server stops reading for good at the first message it cannot decode (its framed
//! reader ends after a decoding error), so one malformed message would end the session. This
//! reader frames messages itself, passes well-formed ones through, and replaces each malformed
//! one with a request for a method of ours that answers with the JSON-RPC error the client is
//! owed (parse error, or invalid request with the message's id when it has one).
//!
//! It also replaces requests for `$/` methods: the framework drops the answer to any unknown
//! `$/` method, right for notifications but not for requests, whose client would wait forever.
//! The protocol defines only `$/` notifications, so such a request is for a method we do not
//! have.
//!
//! For the server's own session ([`Sanitized::for_session`]) it also watches the session's
//! ends. A `shutdown` is recorded as soon as it is read: an `exit` read right after it cancels
//! every pending request, the `shutdown` handler included, and the exit code must still be 0.
//! The end of input becomes an `exit`, so that requests still being analysed are cancelled
//! instead of waited for: nobody is left to read their answers.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use serde_json::{Value, json};
use tokio::io::{AsyncRead, ReadBuf};
use tower_lsp_server::jsonrpc::{Request, Response};

/// Answered with a JSON-RPC parse error (-32700).
pub const PARSE_ERROR_METHOD: &str = "kyverno-ls/parseError";
/// Answered with a JSON-RPC invalid request error (-32600).
pub const INVALID_REQUEST_METHOD: &str = "kyverno-ls/invalidRequest";
/// Answered with a JSON-RPC method not found error (-32601); the params are the method.
pub const METHOD_NOT_FOUND_METHOD: &str = "kyverno-ls/methodNotFound";

/// A header block this long without its end is garbage, not a header still arriving.
const MAX_HEADER: usize = 8 << 10;
/// Larger bodies are dropped as they arrive instead of being buffered.
const MAX_BODY: usize = 256 << 20;
const HEADER_NAME: &[u8] = b"Content-Length";

enum State {
    Header,
    Body(usize),
    /// Dropping the rest of an oversized body.
    Skip(usize),
    /// Looking for the next header after garbage, as tower-lsp-server's own decoder does.
    Junk,
}

pub struct Sanitized<R> {
    inner: R,
    input: Vec<u8>,
    /// Framed messages ready for the reader, and how much of them it has taken.
    output: Vec<u8>,
    taken: usize,
    state: State,
    eof: bool,
    /// The last body was rejected with no id, and nothing well-formed came since: garbage
    /// where a header should be is then the rest of that body (its length was too short), and
    /// the client already has its error.
    after_bad_body: bool,
    session: Option<Session>,
}

/// See [`Sanitized::for_session`].
struct Session {
    on_shutdown: Box<dyn Fn() + Send + Sync>,
    /// Before `initialize`, a `shutdown` is refused (and the framework reads nothing else
    /// while `initialize` runs, so once it is read the server is initialized).
    initialized: bool,
}

impl<R> Sanitized<R> {
    pub fn new(inner: R) -> Self {
        Sanitized {
            inner,
            input: Vec::new(),
            output: Vec::new(),
            taken: 0,
            state: State::Header,
            eof: false,
            after_bad_body: false,
            session: None,
        }
    }

    /// The reader of the server's session: also calls `on_shutdown` when a `shutdown` request
    /// is read after `initialize`, and ends the input with an `exit`.
    pub fn for_session(inner: R, on_shutdown: impl Fn() + Send + Sync + 'static) -> Self {
        Sanitized {
            session: Some(Session {
                on_shutdown: Box::new(on_shutdown),
                initialized: false,
            }),
            ..Sanitized::new(inner)
        }
    }

    fn watch(&mut self, request: &Request) {
        let Some(session) = &mut self.session else {
            return;
        };
        if request.id().is_none() {
            return;
        }
        match request.method() {
            "initialize" => session.initialized = true,
            "shutdown" if session.initialized => (session.on_shutdown)(),
            _ => {}
        }
    }

    /// Frames whatever `input` holds completely.
    fn process(&mut self) {
        loop {
            match self.state {
                State::Header => {
                    let Some(end) = find(&self.input, b"\r\n\r\n") else {
                        if self.input.len() > MAX_HEADER {
                            self.reject(PARSE_ERROR_METHOD, Value::Null);
                            self.state = State::Junk;
                            continue;
                        }
                        return;
                    };
                    let Some(length) = content_length(&self.input[..end]) else {
                        // Left in place: a header may start inside what looked like one.
                        if !std::mem::take(&mut self.after_bad_body) {
                            self.reject(PARSE_ERROR_METHOD, Value::Null);
                        }
                        self.state = State::Junk;
                        continue;
                    };
                    self.input.drain(..end + 4);
                    self.state = if length <= MAX_BODY {
                        State::Body(length)
                    } else {
                        self.reject(INVALID_REQUEST_METHOD, Value::Null);
                        State::Skip(length)
                    };
                }
                State::Body(n) => {
                    if self.input.len() < n {
                        return;
                    }
                    let body: Vec<u8> = self.input.drain(..n).collect();
                    self.state = State::Header;
                    self.pass(body);
                }
                State::Skip(n) => {
                    let k = n.min(self.input.len());
                    self.input.drain(..k);
                    if k < n {
                        self.state = State::Skip(n - k);
                        return;
                    }
                    self.state = State::Header;
                }
                State::Junk => {
                    // From 1: the garbage may itself start with a header name.
                    match find(self.input.get(1..).unwrap_or_default(), HEADER_NAME) {
                        Some(i) => {
                            self.input.drain(..=i);
                            self.state = State::Header;
                        }
                        None => {
                            // Keeps what could be the start of a header name cut by the read.
                            let keep = self.input.len().min(HEADER_NAME.len() - 1);
                            self.input.drain(..self.input.len() - keep);
                            return;
                        }
                    }
                }
            }
        }
    }

    /// Passes a well-formed message on; replaces another by the request for its error.
    fn pass(&mut self, body: Vec<u8>) {
        // tower-lsp-server skips empty bodies itself.
        if body.is_empty() {
            return;
        }
        self.after_bad_body = false;
        if let Ok(request) = serde_json::from_slice::<Request>(&body) {
            self.watch(&request);
            match request.id() {
                Some(id) if request.method().starts_with("$/") => {
                    let rewritten = json!({"jsonrpc": "2.0", "id": id,
                                           "method": METHOD_NOT_FOUND_METHOD,
                                           "params": request.method()});
                    self.frame(rewritten.to_string().as_bytes());
                }
                _ => self.frame(&body),
            }
            return;
        }
        if serde_json::from_slice::<Response>(&body).is_ok() {
            self.frame(&body);
            return;
        }
        match serde_json::from_slice::<Value>(&body) {
            Ok(value) => {
                let id = match value.get("id") {
                    Some(id @ (Value::Number(_) | Value::String(_))) => id.clone(),
                    _ => Value::Null,
                };
                self.after_bad_body = id.is_null();
                self.reject(INVALID_REQUEST_METHOD, id);
            }
            Err(_) => {
                self.after_bad_body = true;
                self.reject(PARSE_ERROR_METHOD, Value::Null);
            }
        }
    }

    fn reject(&mut self, method: &str, id: Value) {
        let request = json!({"jsonrpc": "2.0", "id": id, "method": method});
        self.frame(request.to_string().as_bytes());
    }

    fn frame(&mut self, body: &[u8]) {
        self.output
            .extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
        self.output.extend_from_slice(body);
    }
}

impl<R: AsyncRead + Unpin> AsyncRead for Sanitized<R> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        loop {
            if this.taken < this.output.len() {
                let n = buf.remaining().min(this.output.len() - this.taken);
                buf.put_slice(&this.output[this.taken..this.taken + n]);
                this.taken += n;
                if this.taken == this.output.len() {
                    this.output.clear();
                    this.taken = 0;
                }
                return Poll::Ready(Ok(()));
            }
            if this.eof {
                // An unfinished message at the end is dropped: nobody is left to answer.
                return Poll::Ready(Ok(()));
            }
            let mut chunk = [0; 16 << 10];
            let mut read = ReadBuf::new(&mut chunk);
            ready!(Pin::new(&mut this.inner).poll_read(cx, &mut read))?;
            if read.filled().is_empty() {
                this.eof = true;
                if this.session.is_some() {
                    this.frame(br#"{"jsonrpc":"2.0","method":"exit"}"#);
                }
            } else {
                this.input.extend_from_slice(read.filled());
                this.process();
            }
        }
    }
}

/// The `Content-Length` of a header block (header names are case-insensitive).
fn content_length(header: &[u8]) -> Option<usize> {
    std::str::from_utf8(header)
        .ok()?
        .split("\r\n")
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse().ok())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    fn framed(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    async fn sanitize(input: &[u8]) -> String {
        let mut out = String::new();
        Sanitized::new(input)
            .read_to_string(&mut out)
            .await
            .unwrap();
        out
    }

    const EXIT: &str = r#"{"jsonrpc":"2.0","method":"exit"}"#;

    fn rejected(method: &str, id: &str) -> String {
        framed(&format!(
            r#"{{"jsonrpc":"2.0","id":{id},"method":"{method}"}}"#
        ))
    }

    #[tokio::test]
    async fn well_formed_messages_pass_unchanged() {
        let response = r#"{"jsonrpc":"2.0","id":3,"result":null}"#;
        let input = format!(
            "Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n{}{}",
            framed(EXIT),
            framed(response)
        );
        assert_eq!(
            sanitize(input.as_bytes()).await,
            framed(EXIT) + &framed(response)
        );
    }

    #[tokio::test]
    async fn malformed_bodies_become_requests_for_their_error() {
        let input = [
            framed("{oops"),
            framed(r#"{"jsonrpc":"1.0","id":7,"method":"x"}"#),
            framed("[1,2]"),
            framed(EXIT),
        ]
        .concat();
        assert_eq!(
            sanitize(input.as_bytes()).await,
            [
                rejected(PARSE_ERROR_METHOD, "null"),
                rejected(INVALID_REQUEST_METHOD, "7"),
                rejected(INVALID_REQUEST_METHOD, "null"),
                framed(EXIT),
            ]
            .concat()
        );
        let mut not_utf8 = b"Content-Length: 2\r\n\r\n\xff\xfe".to_vec();
        not_utf8.extend_from_slice(framed(EXIT).as_bytes());
        assert_eq!(
            sanitize(&not_utf8).await,
            rejected(PARSE_ERROR_METHOD, "null") + &framed(EXIT)
        );
    }

    #[tokio::test]
    async fn garbage_and_headers_without_length_resynchronise_on_the_next_header() {
        let input = format!(
            "junk\r\n\r\nmore junk {}X-Other: 1\r\n\r\n{{}}{}",
            framed(EXIT),
            framed(EXIT)
        );
        assert_eq!(
            sanitize(input.as_bytes()).await,
            [
                rejected(PARSE_ERROR_METHOD, "null"),
                framed(EXIT),
                rejected(PARSE_ERROR_METHOD, "null"),
                framed(EXIT),
            ]
            .concat()
        );
        let endless_header = "x".repeat(MAX_HEADER + 1);
        let input = endless_header + &framed(EXIT);
        assert_eq!(
            sanitize(input.as_bytes()).await,
            rejected(PARSE_ERROR_METHOD, "null") + &framed(EXIT)
        );
    }

    #[tokio::test]
    async fn requests_for_dollar_methods_are_answered_method_not_found() {
        let cancel = r#"{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":1}}"#;
        let input =
            framed(r#"{"jsonrpc":"2.0","id":"a","method":"$/frobnicate"}"#) + &framed(cancel);
        assert_eq!(
            sanitize(input.as_bytes()).await,
            framed(&format!(
                r#"{{"jsonrpc":"2.0","id":"a","method":"{METHOD_NOT_FOUND_METHOD}","params":"$/frobnicate"}}"#
            )) + &framed(cancel)
        );
    }

    #[tokio::test]
    async fn a_session_records_shutdown_after_initialize_and_ends_with_exit() {
        let shutdowns = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = shutdowns.clone();
        let shutdown = framed(r#"{"jsonrpc":"2.0","id":1,"method":"shutdown"}"#);
        let initialize = framed(r#"{"jsonrpc":"2.0","id":2,"method":"initialize","params":{}}"#);
        let input = [shutdown.clone(), initialize.clone(), shutdown.clone()].concat();
        let mut out = String::new();
        Sanitized::for_session(input.as_bytes(), move || {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        })
        .read_to_string(&mut out)
        .await
        .unwrap();
        assert_eq!(out, input.clone() + &framed(EXIT));
        // The one before `initialize` is refused by the framework and does not count.
        assert_eq!(shutdowns.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_body_longer_than_its_length_is_one_error() {
        let body = r#"{"jsonrpc":"2.0","id":90,"method":"shutdown"}"#;
        let input = format!("Content-Length: 10\r\n\r\n{body}{}", framed(EXIT));
        assert_eq!(
            sanitize(input.as_bytes()).await,
            rejected(PARSE_ERROR_METHOD, "null") + &framed(EXIT)
        );
        // Garbage after a well-formed message is an error of its own.
        let input = format!("{}junk: 1\r\n\r\n{}", framed(EXIT), framed(EXIT));
        assert_eq!(
            sanitize(input.as_bytes()).await,
            framed(EXIT) + &rejected(PARSE_ERROR_METHOD, "null") + &framed(EXIT)
        );
    }

    #[tokio::test]
    async fn oversized_bodies_are_skipped_without_buffering() {
        let input = format!("Content-Length: {}\r\n\r\n", MAX_BODY + 1);
        let mut reader = Sanitized::new(input.as_bytes());
        let mut out = String::new();
        reader.read_to_string(&mut out).await.unwrap();
        assert_eq!(out, rejected(INVALID_REQUEST_METHOD, "null"));
        assert!(matches!(reader.state, State::Skip(n) if n == MAX_BODY + 1));
    }

    #[tokio::test]
    async fn messages_split_across_reads_are_reassembled() {
        let input = framed(EXIT) + &framed("{oops") + &framed(EXIT);
        let (mut writer, reader) = tokio::io::duplex(64);
        let feed = tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            for byte in input.as_bytes() {
                writer.write_all(&[*byte]).await.unwrap();
            }
        });
        let mut out = String::new();
        Sanitized::new(reader)
            .read_to_string(&mut out)
            .await
            .unwrap();
        feed.await.unwrap();
        assert_eq!(
            out,
            framed(EXIT) + &rejected(PARSE_ERROR_METHOD, "null") + &framed(EXIT)
        );
    }
}
