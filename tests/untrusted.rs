//! A repository is untrusted: the paths its modelines and `kyverno-test.yaml` manifests name
//! are read only inside the workspace (for `check`, the current directory; for `test`, the
//! manifest's repository, or outside one the current directory, the folders given and the
//! folder above the manifest's), never through a symbolic link that leads out, never from a URL. Each refusal is a diagnostic on the path as
//! written (`check`) or an error naming the path (`test`).

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec: {containers: [{name: c, image: nginx}]}\n";
const POLICY: &str = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: p\nspec:\n  rules:\n  - name: r\n    match: {any: [{resources: {kinds: [Pod]}}]}\n    validate: {pattern: {metadata: {name: \"?*\"}}}\n";

/// A workspace `ws/` inside a temporary folder, with a file `outside.yaml` next to it and a
/// symbolic link `ws/pods/link.yaml` to that file.
fn workspace() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    // Real paths, as the messages show them (the temp folder may itself be a link).
    let top = dir.path().canonicalize().unwrap();
    let ws = top.join("ws");
    std::fs::create_dir_all(ws.join("pods")).unwrap();
    std::fs::write(top.join("outside.yaml"), POD).unwrap();
    std::fs::write(ws.join("pods/web.yaml"), POD).unwrap();
    std::os::unix::fs::symlink(top.join("outside.yaml"), ws.join("pods/link.yaml")).unwrap();
    (dir, ws)
}

fn run(ws: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kyverno-ls"))
        .args(args)
        .current_dir(ws)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// The diagnostics of refused paths, as (message, line, start character, end character).
fn refused(json: &Value, file: usize) -> Vec<(String, String, u64, u64, u64)> {
    json["files"][file]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "path-outside-workspace" || d["code"] == "url-not-fetched")
        .map(|d| {
            assert_eq!(d["severity"], "warning");
            let r = &d["range"];
            assert_eq!(r["start"]["line"], r["end"]["line"]);
            (
                d["code"].as_str().unwrap().to_string(),
                d["message"].as_str().unwrap().to_string(),
                r["start"]["line"].as_u64().unwrap(),
                r["start"]["character"].as_u64().unwrap(),
                r["end"]["character"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn modeline_paths_outside_the_workspace_are_refused_at_their_range() {
    let (dir, ws) = workspace();
    let top = ws.parent().unwrap().display().to_string();
    let modeline = "# kyverno-ls: resources=pods/web.yaml,../outside.yaml,/etc/passwd,~/.kube/config,pods/link.yaml,https://example.com/p.yaml,github.com/kyverno/policies";
    std::fs::write(ws.join("policy.yaml"), format!("{modeline}\n{POLICY}")).unwrap();
    let (code, out, err) = run(&ws, &["check", "--format", "json", "policy.yaml"]);
    assert_eq!(code, 0, "{err}");
    let json: Value = serde_json::from_str(&out).unwrap();
    let folder = format!("the workspace folder {}", ws.display());
    let col = |p: &str| modeline.find(p).unwrap() as u64;
    let at = |p: &str| (0, col(p), col(p) + p.len() as u64);
    let row = |code: &str, message: String, (l, s, e): (u64, u64, u64)| {
        (code.to_string(), message, l, s, e)
    };
    assert_eq!(
        refused(&json, 0),
        [
            row(
                "path-outside-workspace",
                format!(
                    "`../outside.yaml` ({top}/outside.yaml) is outside {folder}; kyverno-ls reads only files inside it."
                ),
                at("../outside.yaml")
            ),
            row(
                "path-outside-workspace",
                format!(
                    "`/etc/passwd` is outside {folder}; kyverno-ls reads only files inside it."
                ),
                at("/etc/passwd")
            ),
            row(
                "path-outside-workspace",
                format!(
                    "`~/.kube/config` starts with `~`, a home folder outside {folder}; kyverno-ls reads only files inside it."
                ),
                at("~/.kube/config")
            ),
            row(
                "path-outside-workspace",
                format!(
                    "`pods/link.yaml` is a symbolic link to {top}/outside.yaml, outside {folder}; kyverno-ls reads only files inside it."
                ),
                at("pods/link.yaml")
            ),
            row(
                "url-not-fetched",
                format!(
                    "`https://example.com/p.yaml` is a URL; kyverno-ls never fetches anything. Use a file inside {folder}."
                ),
                at("https://example.com/p.yaml")
            ),
            row(
                "url-not-fetched",
                format!(
                    "`github.com/kyverno/policies` is a URL; kyverno-ls never fetches anything. Use a file inside {folder}."
                ),
                at("github.com/kyverno/policies")
            ),
        ]
    );
    // The one readable file is the only sample: the rule passes on it, nothing else is read.
    let others: Vec<&Value> = json["files"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] != "path-outside-workspace" && d["code"] != "url-not-fetched")
        .collect();
    assert_eq!(others, Vec::<&Value>::new());
    drop(dir);
}

const MANIFEST_HEAD: &str = "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nmetadata: {name: t}\npolicies: [policy.yaml]\n";

#[test]
fn manifest_paths_outside_the_workspace_are_refused() {
    let (dir, ws) = workspace();
    let top = ws.parent().unwrap().display().to_string();
    std::fs::write(ws.join("policy.yaml"), POLICY).unwrap();
    let lines = [
        "resources: [pods/web.yaml, ../outside.yaml, pods/link.yaml, git@github.com:o/r.git]",
        "variables: /etc/passwd",
        "userinfo: ~/user.yaml",
        "results: [{policy: p, rule: r, resources: [web], result: pass}]",
    ];
    let manifest = format!("{MANIFEST_HEAD}{}\n", lines.join("\n"));
    std::fs::write(ws.join("kyverno-test.yaml"), &manifest).unwrap();
    let (code, out, err) = run(&ws, &["check", "--format", "json", "kyverno-test.yaml"]);
    // `check` runs the manifest as the editor does: it cannot, and says why.
    assert_eq!(code, 1, "{err}");
    let json: Value = serde_json::from_str(&out).unwrap();
    let test_errors: Vec<&Value> = json["files"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "test-error")
        .map(|d| &d["message"])
        .collect();
    assert_eq!(
        test_errors,
        [&Value::from(format!(
            "`../outside.yaml` ({top}/outside.yaml) is outside the folders being tested; kyverno-ls reads only files inside it."
        ))],
        "{out}"
    );
    let folder = format!("the workspace folder {}", ws.display());
    let at = |line: usize, p: &str| {
        let c = lines[line].find(p).unwrap() as u64;
        (4 + line as u64, c, c + p.len() as u64)
    };
    let row = |code: &str, message: String, (l, s, e): (u64, u64, u64)| {
        (code.to_string(), message, l, s, e)
    };
    assert_eq!(
        refused(&json, 0),
        [
            row(
                "path-outside-workspace",
                format!(
                    "`../outside.yaml` ({top}/outside.yaml) is outside {folder}; kyverno-ls reads only files inside it."
                ),
                at(0, "../outside.yaml")
            ),
            row(
                "path-outside-workspace",
                format!(
                    "`pods/link.yaml` is a symbolic link to {top}/outside.yaml, outside {folder}; kyverno-ls reads only files inside it."
                ),
                at(0, "pods/link.yaml")
            ),
            row(
                "url-not-fetched",
                format!(
                    "`git@github.com:o/r.git` is a URL; kyverno-ls never fetches anything. Use a file inside {folder}."
                ),
                at(0, "git@github.com:o/r.git")
            ),
            row(
                "path-outside-workspace",
                format!(
                    "`/etc/passwd` is outside {folder}; kyverno-ls reads only files inside it."
                ),
                at(1, "/etc/passwd")
            ),
            row(
                "path-outside-workspace",
                format!(
                    "`~/user.yaml` starts with `~`, a home folder outside {folder}; kyverno-ls reads only files inside it."
                ),
                at(2, "~/user.yaml")
            ),
        ]
    );
    drop(dir);
}

/// `kyverno-ls test` on a manifest in `ws/suite/` whose one extra line names `path`: the
/// error it prints. Outside a repository the manifest may read the working directory and the
/// folder above its own, here both `ws`.
fn test_error(line: &str) -> (i32, String, Value) {
    let (dir, ws) = workspace();
    std::fs::write(ws.join("policy.yaml"), POLICY).unwrap();
    let manifest = format!(
        "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nmetadata: {{name: t}}\npolicies: [../policy.yaml]\n{line}\nresults: [{{policy: p, rule: r, resources: [web], result: pass}}]\n"
    );
    std::fs::create_dir(ws.join("suite")).unwrap();
    std::fs::write(ws.join("suite/kyverno-test.yaml"), manifest).unwrap();
    let (code, out, err) = run(&ws, &["test", "--format", "json", "."]);
    let top = ws.parent().unwrap().display().to_string();
    let json: Value = serde_json::from_str(&out.replace(&top, "TOP")).unwrap();
    drop(dir);
    (code, err.replace(&top, "TOP"), json)
}

#[test]
fn test_refuses_each_kind_of_path_with_a_clear_error() {
    let folder = "the folders being tested";
    let cases = [
        (
            "resources: [../pods/web.yaml, ../../outside.yaml]",
            format!(
                "`../../outside.yaml` (TOP/outside.yaml) is outside {folder}; kyverno-ls reads only files inside it."
            ),
        ),
        (
            "resources: [../pods/link.yaml]",
            format!(
                "`../pods/link.yaml` is a symbolic link to TOP/outside.yaml, outside {folder}; kyverno-ls reads only files inside it."
            ),
        ),
        (
            "resources: [/etc/passwd]",
            format!("`/etc/passwd` is outside {folder}; kyverno-ls reads only files inside it."),
        ),
        (
            "resources: [../pods/web.yaml]\nvariables: ~/values.yaml",
            format!(
                "`~/values.yaml` starts with `~`, a home folder outside {folder}; kyverno-ls reads only files inside it."
            ),
        ),
        (
            "resources: [https://example.com/pod.yaml]",
            format!(
                "`https://example.com/pod.yaml` is a URL; kyverno-ls never fetches anything. Use a file inside {folder}."
            ),
        ),
        (
            "resources: [github.com/kyverno/policies/pod.yaml]",
            format!(
                "`github.com/kyverno/policies/pod.yaml` is a URL; kyverno-ls never fetches anything. Use a file inside {folder}."
            ),
        ),
    ];
    for (line, message) in cases {
        let (code, err, json) = test_error(line);
        assert_eq!(code, 1, "{line}");
        assert_eq!(
            err,
            format!("error: ./suite/kyverno-test.yaml: {message}\n"),
            "{line}"
        );
        assert_eq!(
            json,
            json!({
                "results": [],
                "errors": [{"manifest": "./suite/kyverno-test.yaml", "message": message}],
                "summary": {"total": 0, "ok": 0, "mismatch": 0, "unsupported": 0}
            })
        );
    }
    // The same manifest with only the file inside runs.
    let (code, err, json) = test_error("resources: [../pods/web.yaml]");
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(
        json["summary"],
        json!({"total": 1, "ok": 1, "mismatch": 0, "unsupported": 0})
    );
}

const LABEL_POLICY: &str = "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: p\nspec:\n  rules:\n  - name: r\n    match: {any: [{resources: {kinds: [Pod]}}]}\n    validate: {pattern: {metadata: {labels: {app: \"?*\"}}}}\n";

/// The upstream library layout in a temporary folder: `lib/pol/policy.yaml`, its manifest and
/// pods in `lib/pol/.kyverno-test/`, more pods in `lib/shared/`, and an unrelated `cwd/` to
/// run from. The manifest names `resources` as given, and expects the pods `failing` to fail. Returns the folder's real path too.
fn library(resources: &str, failing: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let top = dir.path().canonicalize().unwrap();
    let tests = top.join("lib/pol/.kyverno-test");
    std::fs::create_dir_all(&tests).unwrap();
    std::fs::create_dir_all(top.join("lib/shared")).unwrap();
    std::fs::create_dir_all(top.join("cwd")).unwrap();
    std::fs::write(top.join("lib/pol/policy.yaml"), LABEL_POLICY).unwrap();
    let pod = |name: &str, labels: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}{labels}}}\nspec: {{containers: [{{name: c, image: nginx}}]}}\n"
        )
    };
    let pods = format!(
        "{}---\n{}",
        pod("good", ", labels: {app: web}"),
        pod("bad", "")
    );
    std::fs::write(tests.join("resource.yaml"), pods).unwrap();
    std::fs::write(top.join("lib/shared/pods.yaml"), pod("other", "")).unwrap();
    std::fs::write(top.join("outside.yaml"), pod("far", "")).unwrap();
    std::fs::write(
        tests.join("kyverno-test.yaml"),
        format!(
            "apiVersion: cli.kyverno.io/v1alpha1\nkind: Test\nmetadata: {{name: t}}\npolicies: [../policy.yaml]\nresources: {resources}\nresults:\n- {{policy: p, rule: r, resources: [good], kind: Pod, result: pass}}\n- {{policy: p, rule: r, resources: [{failing}], kind: Pod, result: fail}}\n"
        ),
    )
    .unwrap();
    (dir, top)
}

/// `kyverno-ls test [--format FORMAT] TOP/lib/pol/.kyverno-test` run from `TOP/cwd`, with the
/// temporary folder written `TOP` in both outputs.
fn test_library(top: &Path, format: &str) -> (i32, String, String) {
    let manifest = top.join("lib/pol/.kyverno-test");
    let (code, out, err) = run(
        &top.join("cwd"),
        &["test", "--format", format, manifest.to_str().unwrap()],
    );
    let top = top.display().to_string();
    (code, out.replace(&top, "TOP"), err.replace(&top, "TOP"))
}

const LIBRARY_ROWS: &str = "\
Test TOP/lib/pol/.kyverno-test/kyverno-test.yaml
│ ID │ POLICY │ RULE │ RESOURCE │ EXPECTED │ ACTUAL │ VERDICT │ REASON
│ 1  │ p      │ r    │ good     │ pass     │ pass   │ Pass    │ validation rule 'r' passed.
│ 2  │ p      │ r    │ bad      │ fail     │ fail   │ Pass    │ validation error: rule r failed at path /metadata/labels/
";

#[test]
fn test_reads_the_library_layout_from_any_working_directory() {
    let (dir, top) = library("[resource.yaml]", "bad");
    let (code, out, err) = test_library(&top, "text");
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(
        out,
        format!(
            "{LIBRARY_ROWS}
Test Summary: 1 manifests, 2 results: 2 passed, 0 failed, 0 unsupported
"
        )
    );
    // In a repository, the same.
    std::fs::create_dir(top.join("lib/.git")).unwrap();
    assert_eq!(test_library(&top, "text"), (0, out, String::new()));
    drop(dir);
}

#[test]
fn test_reads_anywhere_inside_the_manifests_repository() {
    let folder = "the folders being tested";
    let (dir, top) = library("[resource.yaml, ../../shared/pods.yaml]", "bad, other");
    // Outside a repository, `lib/shared` is neither the working directory nor above the
    // manifest's folder.
    let (code, out, err) = test_library(&top, "text");
    let message = format!(
        "`../../shared/pods.yaml` (TOP/lib/shared/pods.yaml) is outside {folder}; kyverno-ls reads only files inside it."
    );
    assert_eq!((code, err.as_str()), (1, ""));
    assert_eq!(
        out,
        format!(
            "error: TOP/lib/pol/.kyverno-test/kyverno-test.yaml: {message}
Test Summary: 1 manifests, 0 results: 0 passed, 0 failed, 0 unsupported; 1 manifest errors
"
        )
    );
    let rows = format!(
        "{LIBRARY_ROWS}│ 3  │ p      │ r    │ other    │ fail     │ fail   │ Pass    │ validation error: rule r failed at path /metadata/labels/

Test Summary: 1 manifests, 3 results: 3 passed, 0 failed, 0 unsupported
"
    );
    // `lib/` is a repository: a `.git` folder, or the `.git` file of a worktree.
    std::fs::create_dir(top.join("lib/.git")).unwrap();
    assert_eq!(test_library(&top, "text"), (0, rows.clone(), String::new()));
    std::fs::remove_dir(top.join("lib/.git")).unwrap();
    std::fs::write(top.join("lib/.git"), "gitdir: /elsewhere\n").unwrap();
    assert_eq!(test_library(&top, "text"), (0, rows, String::new()));
    drop(dir);

    // Nothing above the repository, even the folder above the manifest's when that is out.
    let (dir, top) = library("[resource.yaml, ../../../outside.yaml]", "bad, far");
    std::fs::create_dir(top.join("lib/.git")).unwrap();
    let (code, out, _) = test_library(&top, "text");
    assert_eq!(code, 1);
    assert!(
        out.starts_with(&format!(
            "error: TOP/lib/pol/.kyverno-test/kyverno-test.yaml: `../../../outside.yaml` (TOP/outside.yaml) is outside {folder}; kyverno-ls reads only files inside it.\n"
        )),
        "{out}"
    );
    drop(dir);
}

#[test]
fn a_missing_file_is_an_error_in_every_format() {
    let (dir, top) = library("[resource.yaml, missing.yaml]", "bad");
    let manifest = "TOP/lib/pol/.kyverno-test/kyverno-test.yaml";
    let message = "cannot read `missing.yaml` (TOP/lib/pol/.kyverno-test/missing.yaml): No such file or directory (os error 2)";
    let line = format!("error: {manifest}: {message}\n");
    assert_eq!(
        test_library(&top, "text"),
        (
            1,
            format!(
                "{line}Test Summary: 1 manifests, 0 results: 0 passed, 0 failed, 0 unsupported; 1 manifest errors\n"
            ),
            String::new()
        )
    );
    let (code, out, err) = test_library(&top, "json");
    assert_eq!((code, err.as_str()), (1, line.as_str()));
    assert_eq!(
        serde_json::from_str::<Value>(&out).unwrap(),
        json!({
            "results": [],
            "errors": [{"manifest": manifest, "message": message}],
            "summary": {"total": 0, "ok": 0, "mismatch": 0, "unsupported": 0}
        })
    );
    let (code, out, err) = test_library(&top, "junit");
    assert_eq!((code, err.as_str()), (1, line.as_str()));
    assert_eq!(
        out,
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="kyverno-ls test" tests="1" failures="0" skipped="0" errors="1">
  <testsuite name="{manifest}" tests="1" failures="0" skipped="0" errors="1">
    <testcase classname="{manifest}" name="could not run"><error message="cannot read `missing.yaml` (TOP/lib/pol/.kyverno-test/missing.yaml): No such file or directory (os error 2)"/></testcase>
  </testsuite>
</testsuites>
"#
        )
    );
    drop(dir);
}

#[test]
fn host_names_are_never_resolved() {
    let (dir, ws) = workspace();
    let (code, out, err) = run(&ws, &["eval", "is_external_url('https://example.com/x')"]);
    assert_eq!((code, out.as_str()), (1, ""));
    assert_eq!(
        err,
        "error: JMESPath function 'is_external_url': lookup example.com: kyverno-ls does not resolve host names (no network access); only IP addresses and localhost can be judged offline\n"
    );
    let (code, out, _) = run(&ws, &["eval", "is_external_url('https://10.0.0.1/x')"]);
    assert_eq!((code, out.as_str()), (0, "false\n"));
    drop(dir);
}

/// No source outside the tests starts a process or opens a socket, but the one module that
/// runs `helm template` and `kustomize build` for the shells.
#[test]
fn the_server_starts_no_process_and_opens_no_socket() {
    fn walk(dir: &Path, out: &mut Vec<(String, String)>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push((
                    p.display().to_string(),
                    std::fs::read_to_string(&p).unwrap(),
                ));
            }
        }
    }
    let mut files = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("server"),
        &mut files,
    );
    assert!(files.len() > 50);
    let forbidden = [
        "process::Command",
        "Command::new",
        "TcpStream",
        "TcpListener",
        "UdpSocket",
        "ToSocketAddrs",
        "lookup_host",
        "UnixStream",
    ];
    let mut found = Vec::new();
    let helm = Path::new("server").join("render_process.rs");
    assert!(
        files
            .iter()
            .any(|(p, _)| p.ends_with(helm.to_str().unwrap()))
    );
    for (path, text) in &files {
        if path.ends_with(helm.to_str().unwrap()) {
            // One place starts a process, with the program the user chose (`--helm`,
            // `--kustomize`, a setting, or PATH's `helm`, `kustomize` or `kubectl`), which
            // only the runners' constructors pick.
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            assert_eq!(code.matches("Command::new").count(), 1);
            assert!(code.contains(
                "let program = self.path;\n        let mut cmd = Command::new(program);"
            ));
            assert_eq!(code.matches("Program {").count(), 2, "one run per runner");
            continue;
        }
        // Unit-test modules may run the binary.
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        for f in forbidden {
            if code.contains(f) {
                found.push(format!("{path}: {f}"));
            }
        }
    }
    assert_eq!(found, Vec::<String>::new());
}
