//! Kustomizations in the editor, with the real core over in-process pipes: the findings of an
//! overlay's build appear on the base's policy and on the patch that wrote them, with the
//! kustomization in their related information, and saving the patch builds again. The
//! `kustomize` is a shell script printing a canned build, or (`real_kustomize_*`) the
//! `kustomize` or `kubectl` on PATH, skipped without one unless `CI=true` or
//! `KYVERNO_LS_REQUIRE_KUSTOMIZE=1`. Expected messages are whole.

mod common;

use std::path::{Path, PathBuf};

use common::{Session, Workspace, publish, range, real_kustomize};
use serde_json::{Value, json};

/// Prints the actual message when `DUMP` is set, instead of comparing (to write expectations).
fn same(actual: &Value, expected: Value) {
    if std::env::var_os("DUMP").is_some() {
        println!("{actual}");
        return;
    }
    assert_eq!(*actual, expected);
}

const FIXTURE: &str = "tests/fixtures/kustomize";

fn fixture(path: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(FIXTURE)
            .join(path),
    )
    .unwrap()
}

/// What kustomize builds from the fixture's `prod` (`prod.built`), with the patch's `to_uper`
/// written as `function`.
fn prod_build(function: &str) -> String {
    fixture("prod.built").replace("to_uper", function)
}

/// A workspace holding the fixture, and a `kustomize` script outside it (a setting may not
/// name a program inside the workspace) that prints `bin/build.yaml` for `prod`.
struct Setup {
    ws: Workspace,
    bin: tempfile::TempDir,
    kustomize: PathBuf,
}

fn setup() -> Setup {
    use std::os::unix::fs::PermissionsExt;
    let files = [
        "base/kustomization.yaml",
        "base/require-team-label.yaml",
        "prod/kustomization.yaml",
        "prod/enforce.yaml",
    ]
    .map(|f| (f, fixture(f)));
    let files: Vec<(&str, &str)> = files.iter().map(|(f, t)| (*f, t.as_str())).collect();
    let ws = Workspace::new(&files);
    let bin = tempfile::tempdir().unwrap();
    let kustomize = bin.path().join("kustomize");
    std::fs::write(
        &kustomize,
        format!(
            "#!/bin/sh\ncase \"$2\" in */prod) /bin/cat '{}';; esac\n",
            bin.path().join("build.yaml").display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&kustomize, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(bin.path().join("build.yaml"), prod_build("to_uper")).unwrap();
    Setup { ws, bin, kustomize }
}

async fn start(ws: &Workspace, kustomize: &Path) -> Session {
    let mut s = Session::real();
    s.initialize(json!({
        "rootUri": ws.root_uri(),
        "initializationOptions": {"kyverno": {
            "builtinSamples": false,
            "kustomize": {"path": kustomize},
        }},
    }))
    .await;
    s
}

/// The related information every finding of the `prod` build carries.
fn from_prod(ws: &Workspace) -> Value {
    json!([{
        "location": {"uri": ws.uri("prod/kustomization.yaml"), "range": range(2, 0, 2, 6)},
        "message": "the kustomization whose build has this finding",
    }])
}

fn deprecated_in() -> Value {
    json!({
        "range": range(21, 22, 21, 24), "severity": 2, "code": "deprecated",
        "source": "kyverno-ls", "tags": [2],
        "message": "The operator `In` is deprecated; use `AnyIn` (any of the key's values is listed) or `AllIn` (all of them are).",
    })
}

#[tokio::test]
async fn the_overlays_findings_show_on_the_base_and_the_patch_and_a_save_builds_again() {
    let setup = setup();
    let ws = &setup.ws;
    let base = ws.uri("base/require-team-label.yaml");
    let patch = ws.uri("prod/enforce.yaml");
    let mut s = start(ws, &setup.kustomize).await;

    s.open(&base, &fixture("base/require-team-label.yaml"))
        .await;
    let d = s.diagnostics(&base, Some(1)).await;
    same(
        &d,
        publish(
            &base,
            Some(1),
            json!([
                {
                    "range": range(2, 0, 2, 8), "severity": 2, "code": "cluster-policy-namespace",
                    "source": "kyverno-ls",
                    "message": "A ClusterPolicy is cluster-scoped, so `metadata.namespace` is ignored. Remove it, or use kind `Policy` to apply the rules in one namespace only. (in kustomize's build of `prod`: `namespace: platform`)",
                    "relatedInformation": from_prod(ws),
                },
                deprecated_in(),
            ]),
        ),
    );

    let patch_text = fixture("prod/enforce.yaml");
    s.open(&patch, &patch_text).await;
    let d = s.diagnostics(&patch, Some(1)).await;
    same(
        &d,
        publish(
            &patch,
            Some(1),
            json!([{
                "range": range(5, 48, 5, 55), "severity": 1, "code": "unknown-function",
                "source": "kyverno-ls",
                "message": "Unknown function `to_uper`. Did you mean `to_upper`? (in kustomize's build of `prod`: `message: Pod {{ request.object.metadata.name | to_uper(@) }} needs a team label.`)",
                "relatedInformation": from_prod(ws),
            }]),
        ),
    );

    // Fixed in the editor but not saved: kustomize still reads the old file, and the note says
    // so. The value no longer holds the misspelt name, so the finding covers the whole value.
    let fixed = patch_text.replace("to_uper", "to_upper");
    s.replace(&patch, 2, &fixed).await;
    let d = s.diagnostics(&patch, Some(2)).await;
    same(
        &d,
        publish(
            &patch,
            Some(2),
            json!([
                {
                    "range": range(0, 0, 0, 13), "severity": 3, "code": "kustomize-unsaved",
                    "source": "kyverno-ls",
                    "message": "The findings of kustomize's builds here are from this file as last saved: kustomize reads the files on disk. Save to check your edits.",
                },
                {
                    "range": range(5, 9, 5, 83), "severity": 1, "code": "unknown-function",
                    "source": "kyverno-ls",
                    "message": "Unknown function `to_uper`. Did you mean `to_upper`? (in kustomize's build of `prod`: `message: Pod {{ request.object.metadata.name | to_uper(@) }} needs a team label.`)",
                    "relatedInformation": from_prod(ws),
                },
            ]),
        ),
    );

    // Saved: built again, nothing left on it.
    ws.write("prod/enforce.yaml", &fixed);
    std::fs::write(setup.bin.path().join("build.yaml"), prod_build("to_upper")).unwrap();
    s.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": patch}}),
    )
    .await;
    let d = loop {
        let d = s.diagnostics(&patch, Some(2)).await;
        // The edit's own analysis may come first, from the old build.
        if d["params"]["diagnostics"] == json!([]) {
            break d;
        }
    };
    same(&d, publish(&patch, Some(2), json!([])));
}

#[tokio::test]
async fn saving_a_kustomization_that_now_names_the_base_builds_it_for_the_base() {
    let setup = setup();
    let ws = &setup.ws;
    let base = ws.uri("base/require-team-label.yaml");
    let kustomization = ws.uri("prod/kustomization.yaml");
    // The overlay names no base yet: it assembles no policy, and nothing builds it.
    let full = fixture("prod/kustomization.yaml");
    let empty = full.replace("bases:\n- ../base\n", "bases: []\n");
    ws.write("prod/kustomization.yaml", &empty);
    let mut s = start(ws, &setup.kustomize).await;
    s.open(&base, &fixture("base/require-team-label.yaml"))
        .await;
    let d = s.diagnostics(&base, Some(1)).await;
    same(&d, publish(&base, Some(1), json!([deprecated_in()])));
    // Named in the editor and saved: the overlay's build now reaches the base.
    s.open(&kustomization, &empty).await;
    s.replace(&kustomization, 2, &full).await;
    ws.write("prod/kustomization.yaml", &full);
    s.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": kustomization}}),
    )
    .await;
    let d = loop {
        let d = s.diagnostics(&base, Some(1)).await;
        if d["params"]["diagnostics"].as_array().unwrap().len() == 2 {
            break d;
        }
    };
    assert_eq!(
        d["params"]["diagnostics"][0]["code"],
        "cluster-policy-namespace"
    );
    assert_eq!(d["params"]["diagnostics"][1], deprecated_in());
}

#[tokio::test]
async fn a_program_inside_the_workspace_is_refused_on_the_kustomization() {
    let setup = setup();
    let ws = &setup.ws;
    ws.write("tools/kustomize", "#!/bin/sh\necho owned\n");
    let inside = ws.root.join("tools/kustomize");
    let mut s = start(ws, &inside).await;
    let uri = ws.uri("prod/kustomization.yaml");
    s.open(&uri, &fixture("prod/kustomization.yaml")).await;
    let d = s.diagnostics(&uri, Some(1)).await;
    same(
        &d,
        publish(
            &uri,
            Some(1),
            json!([{
                "range": range(2, 0, 2, 6), "severity": 3, "code": "kustomize-not-found",
                "source": "kyverno-ls",
                "message": format!("This kustomization assembles policies: kyverno-ls checks what `kustomize build` makes of them. The `kyverno.kustomize.path` setting `{}` names a program inside the workspace, which kyverno-ls does not run. To check it, install kustomize or kubectl on PATH, or give its path: the `kyverno.kustomize.path` setting in the editor, `--kustomize PATH` for `kyverno-ls check`.", inside.display()),
            }]),
        ),
    );
}

/// kustomize builds what is saved: a saved kustomization that names a repository is not built
/// while the editor's unsaved text leaves that entry out, and kustomize is never run.
#[tokio::test]
async fn a_saved_remote_entry_keeps_the_build_from_running_whatever_the_editor_holds() {
    let setup = setup();
    let ws = &setup.ws;
    let clean = fixture("prod/kustomization.yaml");
    ws.write(
        "prod/kustomization.yaml",
        &clean.replace("- ../base\n", "- ../base\n- gh:org/repo\n"),
    );
    // The stand-in leaves a mark when it runs.
    let ran = setup.bin.path().join("ran");
    std::fs::write(
        &setup.kustomize,
        format!("#!/bin/sh\n/usr/bin/touch '{}'\n", ran.display()),
    )
    .unwrap();
    let mut s = start(ws, &setup.kustomize).await;
    let uri = ws.uri("prod/kustomization.yaml");
    s.open(&uri, &clean).await;
    let d = s.diagnostics(&uri, Some(1)).await;
    same(
        &d,
        publish(
            &uri,
            Some(1),
            json!([{
                "range": range(0, 0, 0, 0), "severity": 3, "code": "kustomize-not-built",
                "source": "kyverno-ls",
                "message": "This kustomization is not built, so the policies it assembles are not checked: as saved, `gh:org/repo` is neither a file nor a folder here: kustomize would take it for a remote repository and fetch it, and kyverno-ls builds only local kustomizations.",
            }, {
                "range": range(2, 0, 2, 6), "severity": 3, "code": "kustomize-unsaved",
                "source": "kyverno-ls",
                "message": "The findings of kustomize's builds here are from this file as last saved: kustomize reads the files on disk. Save to check your edits.",
            }]),
        ),
    );
    assert!(!ran.exists(), "kustomize ran");
}

// ---------------------------------------------------------------------------------------------
// Real kustomize

#[tokio::test]
async fn real_kustomize_builds_the_overlay_for_the_patch() {
    let Some(kustomize) = real_kustomize() else {
        return;
    };
    let setup = setup();
    let patch = setup.ws.uri("prod/enforce.yaml");
    let mut s = start(&setup.ws, &kustomize).await;
    s.open(&patch, &fixture("prod/enforce.yaml")).await;
    let d = s.diagnostics(&patch, Some(1)).await;
    same(
        &d,
        publish(
            &patch,
            Some(1),
            json!([{
                "range": range(5, 48, 5, 55), "severity": 1, "code": "unknown-function",
                "source": "kyverno-ls",
                "message": "Unknown function `to_uper`. Did you mean `to_upper`? (in kustomize's build of `prod`: `message: Pod {{ request.object.metadata.name | to_uper(@) }} needs a team label.`)",
                "relatedInformation": from_prod(&setup.ws),
            }]),
        ),
    );
}

/// `kyverno.showRendered` on a kustomization: what kustomize builds from its folder, by the
/// runner the findings come from; on a file that is neither a kustomization nor a template, why.
#[tokio::test]
async fn show_rendered_on_a_kustomization_answers_its_build() {
    let setup = setup();
    let ws = &setup.ws;
    let mut s = start(ws, &setup.kustomize).await;
    let kustomization = ws.uri("prod/kustomization.yaml");
    let shown = s
        .request(
            "workspace/executeCommand",
            json!({"command": "kyverno.showRendered", "arguments": [kustomization]}),
        )
        .await;
    let dir = ws.root.join("prod");
    same(
        &shown["result"],
        json!({"kustomization": dir.display().to_string(), "rendered": prod_build("to_uper")}),
    );
    let patch = ws.uri("prod/enforce.yaml");
    let shown = s
        .request(
            "workspace/executeCommand",
            json!({"command": "kyverno.showRendered", "arguments": [patch]}),
        )
        .await;
    assert_eq!(
        shown["error"]["message"],
        format!("{patch} is neither a Helm template nor a kustomization in a workspace folder")
    );
}
