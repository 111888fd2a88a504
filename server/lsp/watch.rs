//! Changes around the documents: sample files on disk (`workspace/didChangeWatchedFiles`),
//! settings (`workspace/didChangeConfiguration`) and workspace folders. Each re-analyses the
//! open documents it affects, which republishes their diagnostics.

use std::sync::Arc;

use serde_json::Value;
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::{
    ConfigurationItem, DidChangeConfigurationParams, DidChangeWatchedFilesParams,
    DidChangeWatchedFilesRegistrationOptions, DidChangeWorkspaceFoldersParams, FileChangeType,
    FileSystemWatcher, GlobPattern, Registration,
};

use super::state::State;
use super::workspace::path_of;

/// The registration id of the file watcher, and what it watches: YAML files, JSON files (the
/// configuration's `crds` may name them) and Helm's `.tpl` helpers (a chart renders them).
pub const WATCHER_ID: &str = "kyverno-ls/samples";
pub const WATCH_GLOB: &str = "**/*.{yaml,yml,json,tpl}";

/// After `initialized`: asks a client that supports it to report changes to the files above.
pub fn register(state: &State, client: &Client) {
    let supported = state
        .client_capabilities
        .get()
        .and_then(|c| c.workspace.as_ref())
        .and_then(|w| w.did_change_watched_files.as_ref())
        .and_then(|d| d.dynamic_registration)
        .unwrap_or(false);
    if !supported {
        return;
    }
    let options = DidChangeWatchedFilesRegistrationOptions {
        watchers: vec![FileSystemWatcher {
            glob_pattern: GlobPattern::String(WATCH_GLOB.to_owned()),
            kind: None,
        }],
    };
    let registration = Registration {
        id: WATCHER_ID.to_owned(),
        method: "workspace/didChangeWatchedFiles".to_owned(),
        register_options: serde_json::to_value(options).ok(),
    };
    let client = client.clone();
    // Not awaited by `initialized`: the client answers in its own time.
    tokio::spawn(async move {
        let _ = client.register_capability(vec![registration]).await;
    });
}

/// A file changed, appeared or disappeared: the open documents that read it (or looked for
/// it) are analysed again, and every open document when it is a test manifest.
pub fn did_change_watched_files(state: &State, params: DidChangeWatchedFilesParams) {
    // A file that appears or disappears may change what the `samples` setting names.
    let mut all = !state.settings().samples.is_empty()
        && params
            .changes
            .iter()
            .any(|c| c.typ != FileChangeType::CHANGED);
    let mut affected = Vec::new();
    for change in params.changes {
        let Some(path) = path_of(&change.uri) else {
            continue;
        };
        state.files.forget(&path);
        // A file that appears may define kinds; read only inside the workspace.
        let text = state
            .workspace
            .root_for(&path)
            .and_then(|_| crate::vfs::read_text(&path).ok());
        if crate::host::index::is_index_file(&path) || state.changes_index(&path, text.as_deref()) {
            all = true;
        }
        affected.extend(state.dependents(&path));
    }
    // Once each: a document named by several changes (a file deleted and created again) is
    // analysed once, so that the client sees one set of diagnostics per notification.
    let mut seen = std::collections::HashSet::new();
    affected.retain(|uri| seen.insert(uri.clone()));
    if all {
        state.invalidate_all();
    } else {
        // A manifest's results depend on every file it names, read from disk.
        state.invalidate_manifests();
        for uri in affected {
            state.discovery.forget(&uri);
            // An open document's own text is what it is analysed with; its file on disk
            // matters only to the documents that read it.
            state.documents.invalidate(&uri);
        }
    }
}

/// `workspace/didChangeConfiguration`. When the client sends no settings (it expects to be
/// asked), they are asked for with `workspace/configuration`.
pub async fn did_change_configuration(
    state: &Arc<State>,
    client: &Client,
    params: DidChangeConfigurationParams,
) {
    let settings =
        if params.settings.is_null() || params.settings.as_object().is_some_and(|o| o.is_empty()) {
            if !can_pull(state) {
                return;
            }
            let item = ConfigurationItem {
                scope_uri: None,
                section: Some("kyverno".to_owned()),
            };
            match client.configuration(vec![item]).await {
                Ok(values) => values.into_iter().next().unwrap_or(Value::Null),
                Err(_) => return,
            }
        } else {
            params.settings
        };
    if state.set_settings(state.settings().updated(&settings)) {
        state.invalidate_all();
    }
}

fn can_pull(state: &State) -> bool {
    state
        .client_capabilities
        .get()
        .and_then(|c| c.workspace.as_ref())
        .and_then(|w| w.configuration)
        .unwrap_or(false)
}

pub fn did_change_workspace_folders(state: &State, params: DidChangeWorkspaceFoldersParams) {
    state
        .workspace
        .change(&params.event.added, &params.event.removed);
    state.invalidate_all();
}
