//! Replays the fuzz corpora on stable Rust: every file of `fuzz/corpus/<target>/` and of
//! `fuzz/regressions/<target>/` (minimized crashers, kept once fixed) runs through the target's
//! body in `kyverno_ls::fuzzing`, which asserts its invariants. `scripts/fuzz.sh` grows the
//! corpora with cargo-fuzz.

use std::path::{Path, PathBuf};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

/// A panic on a thread the target does not join (an analysis on a blocking thread of the LSP
/// server) must fail the test too, as it aborts the fuzzer.
static PANICKED: AtomicBool = AtomicBool::new(false);

fn watch_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICKED.store(true, Ordering::SeqCst);
            default(info);
        }));
    });
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

fn replay(target: &str, body: fn(&[u8])) {
    watch_panics();
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let corpus = files(&fuzz.join("corpus").join(target));
    assert!(
        !corpus.is_empty(),
        "fuzz/corpus/{target} is empty: run scripts/fuzz.sh seed"
    );
    let regressions = fuzz.join("regressions").join(target);
    let regressions = if regressions.is_dir() {
        files(&regressions)
    } else {
        Vec::new()
    };
    for file in corpus.iter().chain(&regressions) {
        let data = std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        // Names the input before a failure, whose message alone would not.
        let outcome = std::panic::catch_unwind(|| body(&data));
        assert!(
            outcome.is_ok() && !PANICKED.load(Ordering::SeqCst),
            "{target}: {} fails",
            file.display()
        );
    }
}

#[test]
fn yaml() {
    replay("yaml", kyverno_ls::fuzzing::yaml);
}

#[test]
fn jmespath() {
    replay("jmespath", kyverno_ls::fuzzing::jmespath);
}

#[test]
fn template() {
    replay("template", kyverno_ls::fuzzing::template);
}

#[test]
fn analysis() {
    replay("analysis", kyverno_ls::fuzzing::analysis);
}

#[test]
fn lsp() {
    replay("lsp", kyverno_ls::fuzzing::lsp);
}

#[test]
fn cel() {
    replay("cel", kyverno_ls::fuzzing::cel);
}

#[test]
fn cel_check() {
    replay("cel_check", kyverno_ls::fuzzing::cel_check);
}

#[test]
fn mutate() {
    replay("mutate", kyverno_ls::fuzzing::mutate);
}

#[test]
fn migrate() {
    replay("migrate", kyverno_ls::fuzzing::migrate);
}

#[test]
fn kustomize() {
    replay("kustomize", kyverno_ls::fuzzing::kustomize);
}
