//! Output: a table like `kyverno test`, one JSON object, or JUnit XML.

use std::fmt::Write as _;

use super::{Report, Row};

fn verdict(r: &Row) -> &'static str {
    if r.ok {
        "Pass"
    } else if r.is_unsupported() {
        "Unsupported"
    } else {
        "Fail"
    }
}

/// The text report: per manifest a table (ID, policy, rule, resource, expected, actual,
/// verdict, reason), then manifest errors and a summary.
pub fn text(report: &Report) -> String {
    let mut out = String::new();
    let mut start = 0;
    while start < report.results.len() {
        let manifest = &report.results[start].manifest;
        let end = report.results[start..]
            .iter()
            .position(|r| &r.manifest != manifest)
            .map_or(report.results.len(), |n| start + n);
        let _ = writeln!(out, "Test {manifest}");
        let header = [
            "ID", "POLICY", "RULE", "RESOURCE", "EXPECTED", "ACTUAL", "VERDICT", "REASON",
        ];
        let rows: Vec<[String; 8]> = report.results[start..end]
            .iter()
            .enumerate()
            .map(|(i, r)| {
                [
                    (i + 1).to_string(),
                    r.policy.clone(),
                    r.rule.clone(),
                    r.resource.clone(),
                    r.expected.clone(),
                    r.actual.clone(),
                    verdict(r).to_string(),
                    one_line(&r.message),
                ]
            })
            .collect();
        let mut widths = header.map(|h| h.chars().count());
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |cells: &[String]| {
            let mut s = String::from("│");
            for (i, c) in cells.iter().enumerate() {
                if i == cells.len() - 1 {
                    let _ = write!(s, " {c}");
                } else {
                    let pad = widths[i] - c.chars().count();
                    let _ = write!(s, " {c}{} │", " ".repeat(pad));
                }
            }
            s.trim_end().to_string()
        };
        let _ = writeln!(out, "{}", line(&header.map(String::from)));
        for row in &rows {
            let _ = writeln!(out, "{}", line(row));
        }
        let _ = writeln!(out);
        start = end;
    }
    for e in &report.errors {
        let _ = writeln!(out, "error: {}: {}", e.manifest, e.message);
    }
    let s = report.summary();
    let _ = writeln!(
        out,
        "Test Summary: {} manifests, {} results: {} passed, {} failed, {} unsupported{}",
        report.manifests,
        s.total,
        s.ok,
        s.mismatch,
        s.unsupported,
        if report.errors.is_empty() {
            String::new()
        } else {
            format!("; {} manifest errors", report.errors.len())
        }
    );
    out
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The JSON object `{"results":[...],"errors":[...],"summary":{...}}`.
pub fn json(report: &Report) -> serde_json::Value {
    let s = report.summary();
    serde_json::json!({
        "results": report.results.iter().map(|r| serde_json::json!({
            "manifest": r.manifest,
            "policy": r.policy,
            "rule": r.rule,
            "resource": r.resource,
            "kind": r.kind,
            "expected": r.expected,
            "actual": r.actual,
            "ok": r.ok,
            "message": r.message,
        })).collect::<Vec<_>>(),
        "errors": report.errors.iter().map(|e| serde_json::json!({
            "manifest": e.manifest,
            "message": e.message,
        })).collect::<Vec<_>>(),
        "summary": {
            "total": s.total,
            "ok": s.ok,
            "mismatch": s.mismatch,
            "unsupported": s.unsupported,
        },
    })
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}

/// JUnit XML: one test suite per manifest, one test case per row; unsupported rows are
/// skipped, mismatches failures, and each manifest error an error case in its manifest's suite,
/// so that CI shows which manifest could not run.
pub fn junit(report: &Report) -> String {
    let s = report.summary();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"kyverno-ls test\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" errors=\"{}\">",
        s.total + report.errors.len(),
        s.mismatch,
        s.unsupported,
        report.errors.len()
    );
    // Manifests in the order they ran; one whose every document failed has errors only.
    let mut manifests: Vec<&str> = Vec::new();
    for m in report
        .results
        .iter()
        .map(|r| r.manifest.as_str())
        .chain(report.errors.iter().map(|e| e.manifest.as_str()))
    {
        if manifests.last() != Some(&m) && !manifests.contains(&m) {
            manifests.push(m);
        }
    }
    for manifest in manifests {
        let rows: Vec<&Row> = report
            .results
            .iter()
            .filter(|r| r.manifest == manifest)
            .collect();
        let errors: Vec<&str> = report
            .errors
            .iter()
            .filter(|e| e.manifest == manifest)
            .map(|e| e.message.as_str())
            .collect();
        let failures = rows.iter().filter(|r| r.is_mismatch()).count();
        let skipped = rows.iter().filter(|r| r.is_unsupported()).count();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" skipped=\"{skipped}\" errors=\"{}\">",
            xml_escape(manifest),
            rows.len() + errors.len(),
            errors.len()
        );
        for r in rows {
            let name = format!("{}/{}/{}", r.policy, r.rule, r.resource);
            let _ = write!(
                out,
                "    <testcase classname=\"{}\" name=\"{}\"",
                xml_escape(manifest),
                xml_escape(&name)
            );
            if r.ok {
                out.push_str("/>\n");
            } else if r.is_unsupported() {
                let _ = writeln!(
                    out,
                    "><skipped message=\"{}\"/></testcase>",
                    xml_escape(&r.message)
                );
            } else {
                let _ = writeln!(
                    out,
                    "><failure message=\"expected {}, got {}\">{}</failure></testcase>",
                    xml_escape(&r.expected),
                    xml_escape(&r.actual),
                    xml_escape(&r.message)
                );
            }
        }
        for message in errors {
            let _ = writeln!(
                out,
                "    <testcase classname=\"{0}\" name=\"could not run\"><error message=\"{1}\"/></testcase>",
                xml_escape(manifest),
                xml_escape(message)
            );
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
