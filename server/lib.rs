//! kyverno-ls: a language server and command-line checker for Kyverno policies.
//!
//! The core (`yaml`, `policy`, `checks`, `analysis`, `ide`) is synchronous and does no I/O;
//! `cli` and `lsp` are thin shells over it. See ARCHITECTURE.md.

pub mod analysis;
pub mod cel;
pub mod checks;
pub mod cli;
pub mod diag;
pub mod engine;
#[doc(hidden)]
pub mod fuzzing;
pub mod glob;
pub mod host;
pub mod ide;
pub mod jmespath;
pub mod k8s;
pub mod limits;
pub mod lsp;
pub mod migrate;
pub mod model;
pub mod policy;
pub mod render_process;
pub mod samples;
pub mod simulate;
pub mod suppress;
pub mod testing;
pub mod text;
pub mod vfs;
pub mod wildcard;
pub mod yaml;
