//! `textDocument/codeLens`: a line over each simulated rule (`✓ 3 pass · ✗ 1 fail`) and over
//! each test manifest, whose command the server runs (see `commands.rs`).
//!
//! The server puts the document's URI first in every lens command's arguments, before the
//! core's own arguments, so that the command knows which document it is about.

use std::sync::Arc;

use serde_json::Value;
use tower_lsp_server::ls_types::{CodeLens, CodeLensParams, Command};

use super::position::span_to_range;
use super::state::State;
use super::workspace::path_of;
use crate::host::is_manifest;

pub async fn code_lens(state: &Arc<State>, params: CodeLensParams) -> Option<Vec<CodeLens>> {
    let uri = params.text_document.uri;
    let encoding = state.encoding();
    let uri_arg = Value::String(uri.as_str().to_owned());
    let manifest = path_of(&uri).filter(|p| is_manifest(p));
    state
        .on_snapshot(&uri, move |core, snapshot| {
            let mut lenses = core.code_lenses(&snapshot.text, &snapshot.analysis);
            if let Some(path) = &manifest {
                lenses.extend(core.manifest_lenses(&snapshot.text, &path.display().to_string()));
            }
            lenses
                .into_iter()
                .map(|lens| {
                    let mut arguments = vec![uri_arg.clone()];
                    arguments.extend(lens.arguments);
                    CodeLens {
                        range: span_to_range(&snapshot.rope, &lens.span, encoding),
                        command: Some(Command {
                            title: lens.title,
                            command: lens.command,
                            arguments: Some(arguments),
                        }),
                        data: None,
                    }
                })
                .collect()
        })
        .await
}
