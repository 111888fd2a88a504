//! `kyverno-ls check --fix` and `--diff` on copies of the diagnostic fixtures (tests/cases):
//! the diff is exact for one fixture; for every fixture, fixing is idempotent, removes the
//! findings it fixes, adds none, and keeps every comment.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kyverno-ls"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// The fixtures, copied into a fresh folder.
fn copies() -> (tempfile::TempDir, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let cases = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut names = Vec::new();
    for e in std::fs::read_dir(&cases).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if name.ends_with(".yaml") {
            std::fs::copy(e.path(), dir.path().join(&name)).unwrap();
            names.push(name);
        }
    }
    names.sort();
    (dir, names)
}

/// (code, message) of every diagnostic, per file.
fn findings(dir: &Path, names: &[String]) -> Vec<BTreeSet<(String, String)>> {
    let mut args = vec!["check", "--format", "json", "--no-builtin-samples"];
    args.extend(names.iter().map(String::as_str));
    let (_, out, _) = run(dir, &args);
    let v: Value = serde_json::from_str(&out).unwrap();
    names
        .iter()
        .map(|n| {
            let file = v["files"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["path"] == n.as_str())
                .unwrap();
            file["diagnostics"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| {
                    (
                        d["code"].as_str().unwrap().to_string(),
                        d["message"].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        })
        .collect()
}

#[test]
fn diff_shows_the_fix_and_changes_nothing() {
    let (dir, _) = copies();
    let name = "deprecated-match-resources.yaml";
    let before = std::fs::read_to_string(dir.path().join(name)).unwrap();
    let (code, out, err) = run(dir.path(), &["check", "--diff", name]);
    assert_eq!((code, err.as_str()), (1, ""));
    assert_eq!(
        out,
        "--- a/deprecated-match-resources.yaml
+++ b/deprecated-match-resources.yaml
@@ -7,9 +7,10 @@
   rules:
     - name: check-labels
       match:
-        resources:
-          kinds:
-            - Pod
+        any:
+          - resources:
+              kinds:
+                - Pod
       validate:
         message: \"The label `app` is required.\"
         pattern:
"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join(name)).unwrap(),
        before
    );
    // Nothing to fix: no diff, exit 0.
    let (code, out, _) = run(
        dir.path(),
        &["check", "--diff", "valid-disallow-latest-tag.yaml"],
    );
    assert_eq!((code, out.as_str()), (0, ""));
    assert_eq!(
        run(dir.path(), &["check", "--fix", "--diff", name]).0,
        2,
        "the two options exclude each other"
    );
}

#[test]
fn fix_removes_what_it_fixes_adds_nothing_and_keeps_comments() {
    let (dir, names) = copies();
    let before = findings(dir.path(), &names);
    let texts: Vec<String> = names
        .iter()
        .map(|n| std::fs::read_to_string(dir.path().join(n)).unwrap())
        .collect();
    let mut args = vec!["check", "--fix", "--no-builtin-samples"];
    args.extend(names.iter().map(String::as_str));
    let (_, _, err) = run(dir.path(), &args);
    let after = findings(dir.path(), &names);
    let mut changed = 0;
    let mut revealed = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let fixed = std::fs::read_to_string(dir.path().join(name)).unwrap();
        if fixed != texts[i] {
            changed += 1;
        }
        revealed.extend(
            after[i]
                .difference(&before[i])
                .map(|(code, _)| (name.clone(), code.clone())),
        );
        // Every comment line survives.
        for line in texts[i].lines().filter(|l| l.trim_start().starts_with('#')) {
            assert!(
                fixed.contains(line.trim()),
                "{name}: lost the comment {line:?}"
            );
        }
        // A second run has nothing left to do.
        let (code, out, _) = run(dir.path(), &["check", "--diff", name]);
        assert_eq!(
            (code, out.as_str()),
            (0, ""),
            "{name}: fixing again changes it"
        );
    }
    assert_eq!(err, format!("fixed {changed} files\n"));
    // A fixed kind (`Pods` → `Pod`) turns on the checks that need a known kind, which then
    // find what the typo hid, a fixed `patern` lets the rule run on its sample, and a fixed
    // custom-resource field (`replica` → `replicas`) makes the verdict about the real value;
    // nothing else is new.
    revealed.dedup();
    let revealed: Vec<(&str, &str)> = revealed
        .iter()
        .map(|(f, c)| (f.as_str(), c.as_str()))
        .collect();
    assert_eq!(
        revealed,
        [
            ("cel-check-clusterpolicy.yaml", "cel-unknown-field"),
            ("cel-check-validatingpolicy.yaml", "cel-unknown-field"),
            ("crd-same-file.yaml", "rule-fails"),
            ("multi-doc-policy-and-pod.yaml", "rule-fails"),
            ("unknown-kind.yaml", "autogen-not-possible"),
        ]
    );
    // The fixtures of deprecated forms are clean of them afterwards; the `In` whose key is
    // computed keeps its warning, as the right successor depends on what the key holds.
    let deprecated = |i: usize| after[i].iter().filter(|(c, _)| c == "deprecated").count();
    let left: Vec<(&str, usize)> = names
        .iter()
        .enumerate()
        .filter(|(_, n)| n.starts_with("deprecated-"))
        .map(|(i, n)| (n.as_str(), deprecated(i)))
        .collect();
    assert_eq!(
        left,
        [
            ("deprecated-lowercase-audit.yaml", 0),
            ("deprecated-lowercase-enforce.yaml", 0),
            ("deprecated-match-resources.yaml", 0),
            ("deprecated-operator-equal.yaml", 0),
            ("deprecated-operator-in.yaml", 1),
            ("deprecated-operator-notequal.yaml", 0),
            ("deprecated-operator-notin.yaml", 1),
        ]
    );
    assert!(changed >= 6, "only {changed} fixtures changed");
}
