//! `kyverno-ls test` over the whole conformance directory: wall time and rows per second.
//! Run with `cargo bench --bench test_runner` (harness = false).

use std::path::PathBuf;
use std::time::Instant;

use kyverno_ls::engine::Env;
use kyverno_ls::testing::{self, Options};

fn main() {
    let root = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/conformance/kyverno-policies"
    ));
    let options = Options {
        compat: false,
        roots: vec![root.clone()],
        per_manifest: false,
        rendering: None,
    };
    let env = Env::fixed();
    // One warm-up run (file cache), then the best of a few.
    let warm = testing::run_paths(
        &kyverno_ls::vfs::FsFiles::anywhere(),
        std::slice::from_ref(&root),
        &options,
        &env,
    );
    let rows = warm.results.len();
    let mut best = f64::INFINITY;
    let runs = 5;
    for _ in 0..runs {
        let start = Instant::now();
        let report = testing::run_paths(
            &kyverno_ls::vfs::FsFiles::anywhere(),
            std::slice::from_ref(&root),
            &options,
            &env,
        );
        let secs = start.elapsed().as_secs_f64();
        assert_eq!(report.results.len(), rows);
        best = best.min(secs);
    }
    println!(
        "test_runner: {} manifests, {rows} rows: best of {runs} runs {:.1} ms, {:.0} rows/s",
        warm.manifests,
        best * 1000.0,
        rows as f64 / best
    );
}
