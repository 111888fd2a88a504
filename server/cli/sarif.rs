//! `check --format sarif`: one SARIF 2.1.0 log for code-scanning dashboards (GitHub code
//! scanning, the VS Code SARIF viewer, Azure DevOps).
//!
//! The rules are the README's table of diagnostic codes, embedded at build time, so that the
//! help a dashboard shows is the documentation and cannot drift from it. Files are named
//! relative to the folder they were read in (their repository), through a `uriBaseId`, as
//! GitHub expects; columns are 1-based UTF-16 code units, SARIF's default.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::check::FileReport;
use crate::diag::{Diagnostic, Rule, Severity, Span, rules};
use crate::text::LineIndex;

/// Markdown as plain text: code spans lose their backticks.
fn plain(markdown: &str) -> String {
    markdown.replace('`', "")
}

/// The first sentence of a text: up to the first `. ` outside a code span.
fn first_sentence(text: &str) -> &str {
    let mut in_code = false;
    let bytes = text.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        match b {
            b'`' => in_code = !in_code,
            b'.' if !in_code && bytes.get(i + 1) == Some(&b' ') => return &text[..=i],
            _ => {}
        }
    }
    text
}

/// `unknown-field` → `UnknownField`: SARIF's "friendly name" of a rule.
fn pascal_case(code: &str) -> String {
    code.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// Where people learn about the tool: the package's repository or homepage, when Cargo.toml
/// names one.
fn information_uri() -> Option<&'static str> {
    [env!("CARGO_PKG_REPOSITORY"), env!("CARGO_PKG_HOMEPAGE")]
        .into_iter()
        .find(|u| !u.is_empty())
}

fn rule_json(rule: &Rule) -> Value {
    let mut r = json!({ "id": rule.code });
    // SARIF wants a name that differs from the id, or none: a one-word code has none.
    let name = pascal_case(&rule.code);
    if !name.eq_ignore_ascii_case(&rule.code) {
        r["name"] = json!(name);
    }
    r["shortDescription"] = json!({"text": plain(first_sentence(&rule.meaning))});
    r["fullDescription"] = json!({"text": plain(&rule.meaning)});
    r["help"] = json!({"text": plain(&rule.meaning), "markdown": rule.meaning});
    if let Some(uri) = information_uri() {
        r["helpUri"] = json!(format!("{uri}#diagnostic-codes"));
    }
    if let Some(level) = rule.level() {
        r["defaultConfiguration"] = json!({ "level": level });
    }
    r
}

/// SARIF's level of a severity; SARIF has no hint, and a note is the closest.
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Information | Severity::Hint => "note",
    }
}

/// A path relative to `root` as a URI reference: `/`-separated, each segment
/// percent-encoded except for RFC 3986's unreserved characters.
fn uri_of_relative(path: &Path) -> String {
    path.components()
        .map(|c| percent_encode(&c.as_os_str().to_string_lossy()))
        .collect::<Vec<_>>()
        .join("/")
}

fn percent_encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `file:///abs/dir/`: the absolute URI of a root, ending in `/` as SARIF requires of a base.
fn file_uri_of_dir(dir: &Path) -> String {
    let mut uri = String::from("file://");
    for c in dir.components() {
        let s = c.as_os_str().to_string_lossy();
        if s == "/" || s == "\\" {
            continue;
        }
        uri.push('/');
        uri.push_str(&percent_encode(&s));
    }
    uri.push('/');
    uri
}

/// A file as seen by a report's readers: its path below the root, or none when it is not
/// below (never the case for the files `check` reads, which stay inside their root).
pub(super) fn below_root(root: &Path, cwd: &Path, shown: &str) -> Option<PathBuf> {
    let absolute = crate::samples::discover::normalize(&cwd.join(shown));
    absolute.strip_prefix(root).ok().map(Path::to_path_buf)
}

/// 1-based line and 1-based UTF-16 column of a byte offset.
pub(super) fn line_column(index: &LineIndex, text: &str, offset: usize) -> (u32, u32) {
    let p = index.position_utf16(text, offset);
    (p.line + 1, p.character + 1)
}

fn region(index: &LineIndex, text: &str, span: &Span) -> Value {
    let (start_line, start_column) = line_column(index, text, span.start);
    let (end_line, end_column) = line_column(index, text, span.end.max(span.start));
    json!({
        "startLine": start_line,
        "startColumn": start_column,
        "endLine": end_line,
        "endColumn": end_column,
    })
}

/// The uriBaseIds of the roots, in the order the reports first name them.
struct Bases {
    roots: Vec<PathBuf>,
}

impl Bases {
    fn id(&self, i: usize) -> String {
        if i == 0 {
            "SRCROOT".to_string()
        } else {
            format!("SRCROOT{}", i + 1)
        }
    }

    fn artifact(&self, root: &Path, cwd: &Path, shown: &str) -> Value {
        let base = self.roots.iter().position(|r| r == root);
        match (base, below_root(root, cwd, shown)) {
            (Some(i), Some(relative)) => {
                json!({"uri": uri_of_relative(&relative), "uriBaseId": self.id(i)})
            }
            // Outside every root: an absolute URI, which needs no base.
            _ => {
                let absolute = crate::samples::discover::normalize(&cwd.join(shown));
                let dir = absolute.parent().unwrap_or(Path::new("/"));
                let name = absolute
                    .file_name()
                    .map(|n| percent_encode(&n.to_string_lossy()))
                    .unwrap_or_default();
                json!({ "uri": file_uri_of_dir(dir) + &name })
            }
        }
    }
}

/// The SARIF log of a `check` run: one run, its rules, one result per diagnostic.
pub fn sarif(reports: &[FileReport], cwd: &Path) -> String {
    let rules = rules();
    let mut bases = Bases { roots: Vec::new() };
    for r in reports {
        if !bases.roots.contains(&r.root) {
            bases.roots.push(r.root.clone());
        }
    }
    let mut results = Vec::new();
    for r in reports {
        let index = LineIndex::new(&r.text);
        let artifact = bases.artifact(&r.root, cwd, &r.path);
        for d in &r.diagnostics {
            results.push(result(r, d, &index, &artifact, &bases, cwd, rules));
        }
    }
    let mut driver = json!({
        "name": "kyverno-ls",
        "version": env!("CARGO_PKG_VERSION"),
        "semanticVersion": env!("CARGO_PKG_VERSION"),
    });
    if let Some(uri) = information_uri() {
        driver["informationUri"] = json!(uri);
    }
    driver["rules"] = rules.iter().map(rule_json).collect();
    let original: serde_json::Map<String, Value> = bases
        .roots
        .iter()
        .enumerate()
        .map(|(i, root)| (bases.id(i), json!({ "uri": file_uri_of_dir(root) })))
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "originalUriBaseIds": original,
            "columnKind": "utf16CodeUnits",
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&log).unwrap_or_default()
}

fn result(
    r: &FileReport,
    d: &Diagnostic,
    index: &LineIndex,
    artifact: &Value,
    bases: &Bases,
    cwd: &Path,
    rules: &[Rule],
) -> Value {
    let mut result = json!({ "ruleId": d.code });
    if let Some(i) = rules.iter().position(|rule| rule.code == d.code) {
        result["ruleIndex"] = json!(i);
    }
    result["level"] = json!(level(d.severity));
    result["message"] = json!({ "text": d.message });
    result["locations"] = json!([{
        "physicalLocation": {
            "artifactLocation": artifact,
            "region": region(index, &r.text, &d.span),
        }
    }]);
    if !d.related.is_empty() {
        let related: Vec<Value> = d
            .related
            .iter()
            .enumerate()
            .map(|(i, rel)| {
                let (artifact, region) = match &rel.file {
                    Some(f) => (
                        bases.artifact(&r.root, cwd, &f.path),
                        region(&LineIndex::new(&f.text), &f.text, &rel.span),
                    ),
                    None => (artifact.clone(), region(index, &r.text, &rel.span)),
                };
                json!({
                    "id": i + 1,
                    "physicalLocation": {"artifactLocation": artifact, "region": region},
                    "message": {"text": rel.message},
                })
            })
            .collect();
        result["relatedLocations"] = json!(related);
    }
    // The fix made for this diagnostic: same code, place and words (its severity may have
    // been changed by `--severity` since).
    let fix = r.fixes.iter().find(|f| {
        f.diagnostic.code == d.code
            && f.diagnostic.span == d.span
            && f.diagnostic.message == d.message
    });
    if let Some(fix) = fix {
        let replacements: Vec<Value> = fix
            .edits
            .iter()
            .map(|e| {
                json!({
                    "deletedRegion": region(index, &r.text, &e.span),
                    "insertedContent": {"text": e.new_text},
                })
            })
            .collect();
        result["fixes"] = json!([{
            "description": {"text": fix.title},
            "artifactChanges": [{"artifactLocation": artifact, "replacements": replacements}],
        }]);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{README, rules_in};

    #[test]
    fn every_row_of_the_readme_table_is_a_rule_with_a_level() {
        let rows = README
            .split("\n## Diagnostic codes\n")
            .nth(1)
            .unwrap()
            .split("\n## ")
            .next()
            .unwrap()
            .lines()
            .filter(|l| l.starts_with("| `"))
            .count();
        let rules = rules();
        assert_eq!(rules.len(), rows);
        assert!(rules.len() > 60, "{}", rules.len());
        for r in rules {
            assert!(r.level().is_some(), "{r:?}");
            assert!(!r.meaning.is_empty(), "{r:?}");
        }
        let codes: std::collections::BTreeSet<&str> =
            rules.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(codes.len(), rules.len(), "a code is documented twice");
    }

    #[test]
    fn table_rows_are_read_with_escaped_pipes() {
        let readme = "# x\n\n## Diagnostic codes\n\n| code | severity | meaning |\n|---|---|---|\n\
            | `a-b` | warning or information | Uses `x \\| y`. Then more. |\n\n## Next\n\
            | `c` | error | not in the section |\n";
        let rules = rules_in(readme);
        // As tuples: tests/readme_codes.rs takes any `code:` string literal for a code.
        let rows: Vec<(&str, &str, &str)> = rules
            .iter()
            .map(|r| (r.code.as_str(), r.severity.as_str(), r.meaning.as_str()))
            .collect();
        assert_eq!(
            rows,
            [("a-b", "warning or information", "Uses `x | y`. Then more.")]
        );
        assert_eq!(rules[0].level(), Some("warning"));
        assert_eq!(first_sentence(&rules[0].meaning), "Uses `x | y`.");
        assert_eq!(pascal_case("a-b"), "AB");
        assert_eq!(rules_in("no table"), vec![]);
    }

    #[test]
    fn first_sentence_ignores_dots_in_code_spans() {
        assert_eq!(first_sentence("A `a. b` field. More."), "A `a. b` field.");
        assert_eq!(first_sentence("One sentence."), "One sentence.");
    }

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(
            uri_of_relative(Path::new("my policies/naïve#1.yaml")),
            "my%20policies/na%C3%AFve%231.yaml"
        );
        assert_eq!(
            file_uri_of_dir(Path::new("/work/a b")),
            "file:///work/a%20b/"
        );
        assert_eq!(file_uri_of_dir(Path::new("/")), "file:///");
    }
}
