//! `textDocument/signatureHelp`: the signature of the JMESPath or CEL function call at
//! the cursor.

use std::sync::Arc;

use tower_lsp_server::ls_types::{
    Documentation, MarkupContent, MarkupKind, ParameterInformation, ParameterLabel, SignatureHelp,
    SignatureHelpParams, SignatureInformation,
};

use super::position::position_to_offset;
use super::state::State;

pub async fn signature_help(
    state: &Arc<State>,
    params: SignatureHelpParams,
) -> Option<SignatureHelp> {
    let at = params.text_document_position_params;
    let encoding = state.encoding();
    state
        .on_snapshot(&at.text_document.uri, move |core, snapshot| {
            let offset = position_to_offset(&snapshot.rope, at.position, encoding);
            core.signature_help(&snapshot.text, &snapshot.analysis, offset)
                .map(convert)
        })
        .await
        .flatten()
}

/// Parameter ranges are offsets into the label; labels are ASCII, so bytes and UTF-16 units
/// agree.
fn convert(h: crate::ide::SignatureHelp) -> SignatureHelp {
    let parameters = h
        .parameters
        .iter()
        .map(|r| ParameterInformation {
            label: ParameterLabel::LabelOffsets([r.start as u32, r.end as u32]),
            documentation: None,
        })
        .collect();
    SignatureHelp {
        signatures: vec![SignatureInformation {
            label: h.label,
            documentation: Some(Documentation::MarkupContent(MarkupContent {
                kind: MarkupKind::Markdown,
                value: h.documentation,
            })),
            parameters: Some(parameters),
            active_parameter: Some(h.active_parameter as u32),
        }],
        active_signature: Some(0),
        active_parameter: Some(h.active_parameter as u32),
    }
}
