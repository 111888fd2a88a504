//! Language server shell: keeps the open documents, runs the core on them off the async
//! runtime and maps its results to LSP. See `backend.rs` for the message routing.
//!
//! Positions are converted only here (`position.rs`), in the encoding negotiated at
//! `initialize`: UTF-8 when the client offers it, otherwise UTF-16.

mod analyzer;
mod backend;
mod code_action;
mod code_lens;
mod commands;
mod completion;
mod convert;
mod definition;
mod diagnostics;
mod discovery;
mod documents;
mod framing;
mod hover;
mod initialize;
mod inlay_hints;
mod position;
mod sample_globs;
mod settings;
mod signature_help;
mod state;
mod symbols;
mod sync;
mod watch;
mod workspace;

use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncWrite};
use tower_lsp_server::{ClientSocket, LspService, Server};

pub use analyzer::{Analyzer, Kyverno};
pub use backend::Backend;
pub use commands::{LIST_SAMPLES, PICK_SAMPLE, RUN_TESTS, SHOW_RULE_RESULTS};
use state::State;

/// The server over stdin/stdout, on a runtime of its own. Returns the process exit code.
pub fn serve_stdio() -> i32 {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("kyverno-ls: cannot start the async runtime: {err}");
            return 1;
        }
    };
    let code = runtime.block_on(run_stdio());
    // Stdin is read on a blocking thread; should a read still be pending after `exit` (the
    // client need not close the pipe), dropping the runtime would wait for it forever.
    runtime.shutdown_background();
    code
}

/// The server over stdin/stdout. Returns the exit code the protocol asks for: 0 if the client
/// sent `shutdown` before `exit` (or before closing stdin), 1 otherwise.
///
/// When the caller owns the runtime, it should end it with `shutdown_background` (see
/// [`serve_stdio`]), since a blocking stdin read may outlive this future.
pub async fn run_stdio() -> i32 {
    serve(tokio::io::stdin(), tokio::io::stdout()).await
}

/// The server over any byte streams, with the real core. Completes after `exit` or at the end
/// of `input`; returns the exit code as [`run_stdio`] does.
pub async fn serve<I, O>(input: I, output: O) -> i32
where
    I: AsyncRead + Unpin,
    O: AsyncWrite,
{
    serve_with(input, output, Arc::new(Kyverno)).await
}

/// [`serve`] with another core, for tests of the protocol layer.
pub async fn serve_with<I, O>(input: I, output: O, analyzer: Arc<dyn Analyzer>) -> i32
where
    I: AsyncRead + Unpin,
    O: AsyncWrite,
{
    let state = Arc::new(State::new(analyzer));
    let (service, socket) = build(state.clone());
    let shutdown = state.clone();
    let input = framing::Sanitized::for_session(input, move || shutdown.request_shutdown());
    Server::new(input, output, socket).serve(service).await;
    // Stops the per-document analysis workers.
    state.documents.close_all();
    if state.shutdown_requested() { 0 } else { 1 }
}

/// The service with the real core, for callers that drive `tower_lsp_server::Server`
/// themselves. Unlike [`serve`], it does not report the exit code, and a malformed message
/// ends the session (see `framing.rs`).
pub fn service() -> (LspService<Backend>, ClientSocket) {
    build(Arc::new(State::new(Arc::new(Kyverno))))
}

fn build(state: Arc<State>) -> (LspService<Backend>, ClientSocket) {
    LspService::build(|client| Backend::new(client, state))
        .custom_method(framing::PARSE_ERROR_METHOD, Backend::parse_error)
        .custom_method(framing::INVALID_REQUEST_METHOD, Backend::invalid_request)
        .custom_method(framing::METHOD_NOT_FOUND_METHOD, Backend::method_not_found)
        .finish()
}
