//! The list of `kyverno test` rows where kyverno-ls disagrees, kept in a file that review reads:
//! each row as a tab-separated line (the reason last, informative), compared with the file by
//! its identity, and rewritten by `KYVERNO_LS_BLESS=1`.

use std::path::Path;

use kyverno_ls::testing::Row;

fn clean(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The identity of a listed row: everything but the reason.
fn key(line: &str) -> String {
    line.split('\t').take(6).collect::<Vec<_>>().join("\t")
}

/// `rows` as lines, their manifest paths without `prefix`, sorted.
pub fn lines(rows: &[&Row], prefix: &str) -> Vec<String> {
    let mut lines: Vec<String> = rows
        .iter()
        .map(|r| {
            [
                r.manifest.strip_prefix(prefix).unwrap_or(&r.manifest),
                &r.policy,
                &r.rule,
                &r.resource,
                &r.expected,
                &r.actual,
                &clean(&r.message),
            ]
            .join("\t")
        })
        .collect();
    lines.sort();
    lines
}

/// Fails unless `file` lists exactly `lines` (by identity); rewrites it first under
/// `KYVERNO_LS_BLESS`. `title` is the file's first comment line.
pub fn check(file: &Path, title: &str, lines: &[String]) {
    if std::env::var_os("KYVERNO_LS_BLESS").is_some() {
        let header =
            format!("# {title}\n# manifest\tpolicy\trule\tresource\texpected\tactual\treason\n");
        std::fs::write(file, format!("{header}{}\n", lines.join("\n"))).unwrap();
    }
    let listed_text = std::fs::read_to_string(file).unwrap_or_default();
    let mut listed: Vec<String> = listed_text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(key)
        .collect();
    listed.sort();
    let mut actual: Vec<String> = lines.iter().map(|l| key(l)).collect();
    actual.sort();
    let new: Vec<&String> = actual.iter().filter(|l| !listed.contains(l)).collect();
    let fixed: Vec<&String> = listed.iter().filter(|l| !actual.contains(l)).collect();
    assert!(
        actual == listed,
        "the rows that disagree changed ({} new, {} no longer listed); rerun with \
         KYVERNO_LS_BLESS=1 to rewrite {}.\nnewly disagreeing:\n{}\nno longer disagreeing:\n{}",
        new.len(),
        fixed.len(),
        file.display(),
        new.iter()
            .take(50)
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        fixed
            .iter()
            .take(50)
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
    );
}
