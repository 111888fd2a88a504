//! Every diagnostic code the sources can produce is documented in the README's table.

use std::path::Path;

fn sources(dir: &Path, out: &mut Vec<String>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(std::fs::read_to_string(&p).unwrap());
        }
    }
}

/// Codes are the first string argument of `Diagnostic::error`, `::warning` or `::new`, which
/// may sit on the next line after rustfmt, or a `code: "..."` field of an intermediate finding.
fn codes_in(src: &str) -> Vec<String> {
    let mut codes = Vec::new();
    for ctor in [
        "Diagnostic::error(",
        "Diagnostic::warning(",
        "Diagnostic::new(",
    ] {
        for (i, _) in src.match_indices(ctor) {
            let rest = src[i + ctor.len()..].trim_start();
            if let Some(r) = rest.strip_prefix('"') {
                if let Some(end) = r.find('"') {
                    codes.push(r[..end].to_string());
                }
            }
        }
    }
    // `code: "..."` fields of intermediate findings (the JMESPath and CEL checkers').
    for (i, _) in src.match_indices("code: \"") {
        let rest = &src[i + "code: \"".len()..];
        if let Some(end) = rest.find('"') {
            let code = &rest[..end];
            if !code.is_empty() && code.chars().all(|c| c.is_ascii_lowercase() || c == '-') {
                codes.push(code.to_string());
            }
        }
    }
    codes
}

#[test]
fn every_code_is_documented() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut srcs = Vec::new();
    sources(&root.join("server"), &mut srcs);
    let mut codes: Vec<String> = srcs.iter().flat_map(|s| codes_in(s)).collect();
    codes.sort();
    codes.dedup();
    assert!(codes.len() >= 20, "found only {codes:?}");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let missing: Vec<&String> = codes
        .iter()
        .filter(|c| !readme.contains(&format!("| `{c}` |")))
        .collect();
    assert!(
        missing.is_empty(),
        "codes missing from the README table: {missing:?}"
    );
}

/// And every code of the README's table is one the sources can produce: a documented code
/// that nothing reports any more would mislead, and a configuration naming it would do nothing.
#[test]
fn every_documented_code_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut srcs = Vec::new();
    sources(&root.join("server"), &mut srcs);
    let documented = kyverno_ls::diag::documented_codes();
    assert!(documented.len() >= 60, "found only {documented:?}");
    let stale: Vec<&&str> = documented
        .iter()
        .filter(|c| !srcs.iter().any(|s| s.contains(&format!("\"{c}\""))))
        .collect();
    assert!(
        stale.is_empty(),
        "documented codes nothing reports: {stale:?}"
    );
}
