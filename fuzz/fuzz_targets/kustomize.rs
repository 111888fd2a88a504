#![no_main]
// The body lives in the library, so that `tests/fuzz_replay.rs` replays the corpus on stable.
libfuzzer_sys::fuzz_target!(|data: &[u8]| kyverno_ls::fuzzing::kustomize(data));
