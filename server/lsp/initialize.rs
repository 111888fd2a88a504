//! `initialize`: negotiates the position encoding and announces what the server does.

use tower_lsp_server::ls_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, CodeLensOptions,
    CompletionOptions, ExecuteCommandOptions, HoverProviderCapability, InitializeParams,
    InitializeResult, OneOf, ServerCapabilities, ServerInfo, SignatureHelpOptions,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions, WorkspaceFoldersServerCapabilities, WorkspaceServerCapabilities,
};

use super::commands;
use super::position::Encoding;
use super::state::State;

/// Characters that open completion besides word characters (which every client handles):
/// `.` and `{` inside JMESPath (`{{ request.`); elsewhere the core answers with nothing. Not
/// space: after `key: ` a value is offered as soon as its first letter is typed, and a space
/// trigger would fire on every space in free text.
const COMPLETION_TRIGGERS: &[&str] = &[".", "{"];

/// Characters that open signature help: a call's `(` and the `,` between its arguments.
const SIGNATURE_TRIGGERS: &[&str] = &["(", ","];

pub fn initialize(state: &State, params: &InitializeParams) -> InitializeResult {
    let offered = params
        .capabilities
        .general
        .as_ref()
        .and_then(|g| g.position_encodings.as_deref());
    let encoding = Encoding::negotiate(offered);
    state.set_encoding(encoding);
    state.workspace.initialize(params);
    if let Some(options) = &params.initialization_options {
        state.set_settings(state.settings().updated(options));
    }
    let _ = state.client_capabilities.set(params.capabilities.clone());
    InitializeResult {
        capabilities: capabilities(encoding),
        server_info: Some(ServerInfo {
            name: "kyverno-ls".to_owned(),
            version: Some(env!("CARGO_PKG_VERSION").to_owned()),
        }),
        offset_encoding: None,
    }
}

fn capabilities(encoding: Encoding) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(encoding.kind()),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                // A save changes what Helm renders from a chart.
                save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                ..TextDocumentSyncOptions::default()
            },
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: (!COMPLETION_TRIGGERS.is_empty()).then(|| {
                COMPLETION_TRIGGERS
                    .iter()
                    .map(|c| (*c).to_owned())
                    .collect()
            }),
            ..CompletionOptions::default()
        }),
        signature_help_provider: Some(SignatureHelpOptions {
            trigger_characters: Some(SIGNATURE_TRIGGERS.iter().map(|c| (*c).to_owned()).collect()),
            ..SignatureHelpOptions::default()
        }),
        definition_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        inlay_hint_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![
                CodeActionKind::QUICKFIX,
                CodeActionKind::from(super::code_action::FIX_ALL),
                CodeActionKind::from(super::code_action::MIGRATE_KIND),
            ]),
            ..CodeActionOptions::default()
        })),
        code_lens_provider: Some(CodeLensOptions {
            resolve_provider: Some(false),
        }),
        execute_command_provider: Some(ExecuteCommandOptions {
            commands: commands::ALL.iter().map(|c| (*c).to_owned()).collect(),
            ..ExecuteCommandOptions::default()
        }),
        workspace: Some(WorkspaceServerCapabilities {
            workspace_folders: Some(WorkspaceFoldersServerCapabilities {
                supported: Some(true),
                change_notifications: Some(OneOf::Left(true)),
            }),
            file_operations: None,
        }),
        ..ServerCapabilities::default()
    }
}
