//! Where the tests find the shared reference data (the upstream policy library, the JMESPath
//! suite, Kyverno's CRDs): `$KYVERNO_LS_SHARED`, else `../shared` next to the crate. It is not
//! part of the repository, so a fresh clone has none; `scripts/fetch-shared.sh` fetches it.
//! Without it the tests that need it pass with a `skipped:` line, so that `cargo test` works
//! anywhere, unless `KYVERNO_LS_REQUIRE_SHARED=1` (CI sets it) makes its absence a failure.

use std::path::{Path, PathBuf};

/// `sub` inside the shared data, or `None` when it is absent and may be skipped: the caller
/// returns early. `what` names what needs it, for the message.
pub fn path(sub: &str, what: &str) -> Option<PathBuf> {
    let base = match std::env::var_os("KYVERNO_LS_SHARED") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"),
    };
    let path = base.join(sub);
    if path.exists() {
        return Some(path);
    }
    if std::env::var("KYVERNO_LS_REQUIRE_SHARED").is_ok_and(|v| v == "1") {
        panic!(
            "{what} needs the shared reference data, and {} is missing (KYVERNO_LS_REQUIRE_SHARED=1 \
             forbids skipping); fetch it with scripts/fetch-shared.sh, or set KYVERNO_LS_SHARED",
            path.display()
        );
    }
    let line = format!(
        "skipped: {what} needs the shared reference data ({}); fetch it with \
         scripts/fetch-shared.sh, or set KYVERNO_LS_SHARED",
        path.display()
    );
    // Both streams: runners differ in which one they show for a passing test.
    eprintln!("{line}");
    println!("{line}");
    None
}
