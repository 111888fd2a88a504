//! The `LanguageServer` implementation: routes each message to its handler module.

use std::sync::Arc;

use serde_json::Value;
use tower_lsp_server::jsonrpc::{Error, Result};
use tower_lsp_server::ls_types::{
    CodeActionParams, CodeActionResponse, CodeLens, CodeLensParams, CompletionParams,
    CompletionResponse, DidChangeConfigurationParams, DidChangeTextDocumentParams,
    DidChangeWatchedFilesParams, DidChangeWorkspaceFoldersParams, DidCloseTextDocumentParams,
    DidOpenTextDocumentParams, DidSaveTextDocumentParams, DocumentSymbolParams,
    DocumentSymbolResponse, ExecuteCommandParams, GotoDefinitionParams, GotoDefinitionResponse,
    Hover, HoverParams, InitializeParams, InitializeResult, InitializedParams, InlayHint,
    InlayHintParams, SignatureHelp, SignatureHelpParams,
};
use tower_lsp_server::{Client, LanguageServer};

use super::state::State;
use super::{
    code_action, code_lens, commands, completion, definition, hover, initialize, inlay_hints,
    signature_help, symbols, sync, watch,
};

pub struct Backend {
    client: Client,
    state: Arc<State>,
}

impl Backend {
    pub(crate) fn new(client: Client, state: Arc<State>) -> Self {
        Backend { client, state }
    }

    /// The answer to a message that was not JSON (see `framing.rs`).
    pub(crate) async fn parse_error(&self) -> Result<()> {
        Err(Error::parse_error())
    }

    /// The answer to JSON that was not a JSON-RPC message (see `framing.rs`).
    pub(crate) async fn invalid_request(&self) -> Result<()> {
        Err(Error::invalid_request())
    }

    /// The answer to a request for a `$/` method (see `framing.rs`). Without the method as
    /// `data`: the framework would drop an answer whose data starts with `$/`.
    pub(crate) async fn method_not_found(&self, _method: String) -> Result<()> {
        Err(Error::method_not_found())
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        Ok(initialize::initialize(&self.state, &params))
    }

    async fn initialized(&self, _: InitializedParams) {
        watch::register(&self.state, &self.client);
    }

    async fn shutdown(&self) -> Result<()> {
        self.state.request_shutdown();
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        sync::did_open(&self.state, &self.client, params);
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        sync::did_change(&self.state, params);
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        sync::did_save(&self.state, params);
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        sync::did_close(&self.state, &self.client, params).await;
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        Ok(hover::hover(&self.state, params).await)
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        Ok(completion::completion(&self.state, params).await)
    }

    async fn signature_help(&self, params: SignatureHelpParams) -> Result<Option<SignatureHelp>> {
        Ok(signature_help::signature_help(&self.state, params).await)
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        Ok(definition::definition(&self.state, params).await)
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        Ok(symbols::document_symbols(&self.state, params).await)
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        Ok(code_action::code_actions(&self.state, params).await)
    }

    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        Ok(code_lens::code_lens(&self.state, params).await)
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        Ok(inlay_hints::inlay_hints(&self.state, params).await)
    }

    async fn execute_command(&self, params: ExecuteCommandParams) -> Result<Option<Value>> {
        commands::execute(&self.state, &self.client, params).await
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        watch::did_change_configuration(&self.state, &self.client, params).await;
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        watch::did_change_watched_files(&self.state, params);
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        watch::did_change_workspace_folders(&self.state, params);
    }
}
