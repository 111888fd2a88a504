//! A repository is untrusted: the paths its modelines and `kyverno-test.yaml` manifests name
//! are read only inside the workspace (the current directory for the CLI), never through a
//! symbolic link that leads out, never from a URL. Each refusal is a diagnostic on the path as
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
    assert_eq!(code, 0, "{err}");
    let json: Value = serde_json::from_str(&out).unwrap();
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

/// `kyverno-ls test` on a manifest whose one extra line names `path`: the error it prints.
fn test_error(line: &str) -> (i32, String, Value) {
    let (dir, ws) = workspace();
    std::fs::write(ws.join("policy.yaml"), POLICY).unwrap();
    let manifest = format!(
        "{MANIFEST_HEAD}{line}\nresults: [{{policy: p, rule: r, resources: [web], result: pass}}]\n"
    );
    std::fs::write(ws.join("kyverno-test.yaml"), manifest).unwrap();
    let (code, out, err) = run(&ws, &["test", "--format", "json", "."]);
    let json: Value = serde_json::from_str(&out).unwrap();
    let top = ws.parent().unwrap().display().to_string();
    drop(dir);
    (code, err.replace(&top, "TOP"), json)
}

#[test]
fn test_refuses_each_kind_of_path_with_a_clear_error() {
    let folder = "the folders being tested";
    let cases = [
        (
            "resources: [pods/web.yaml, ../outside.yaml]",
            format!(
                "`../outside.yaml` (TOP/outside.yaml) is outside {folder}; kyverno-ls reads only files inside it."
            ),
        ),
        (
            "resources: [pods/link.yaml]",
            format!(
                "`pods/link.yaml` is a symbolic link to TOP/outside.yaml, outside {folder}; kyverno-ls reads only files inside it."
            ),
        ),
        (
            "resources: [/etc/passwd]",
            format!("`/etc/passwd` is outside {folder}; kyverno-ls reads only files inside it."),
        ),
        (
            "resources: [pods/web.yaml]\nvariables: ~/values.yaml",
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
            format!("error: ./kyverno-test.yaml: {message}\n"),
            "{line}"
        );
        assert_eq!(
            json,
            json!({"results": [], "summary": {"total": 0, "ok": 0, "mismatch": 0, "unsupported": 0}})
        );
    }
    // The same manifest with only the file inside runs.
    let (code, err, json) = test_error("resources: [pods/web.yaml]");
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(
        json["summary"],
        json!({"total": 1, "ok": 1, "mismatch": 0, "unsupported": 0})
    );
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

/// No source outside the tests starts a process or opens a socket.
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
    for (path, text) in &files {
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
