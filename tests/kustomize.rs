//! Policies assembled by kustomize, through `kyverno-ls check`: a kustomization that gathers
//! policies is built, and each finding of the build lands on the file that wrote it (the base's
//! resource, found by kind and name through the overlay's prefix, or the patch that wrote the
//! field). Most tests stand a shell script in for `kustomize`, so that they need none;
//! `real_kustomize_*` build with the `kustomize` or `kubectl` on PATH, and say `skipped:` where
//! there is none, unless `CI=true` or `KYVERNO_LS_REQUIRE_KUSTOMIZE=1` (then they fail).

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

mod common;
use common::{diagnostics_of as of, fake_program, range, real_kustomize};

const FIXTURE: &str = "tests/fixtures/kustomize";

/// What `kustomize build tests/fixtures/kustomize/prod` prints (kubectl 1.20's kustomize and
/// kustomize 5.5 agree on it; `real_kustomize_checks_the_fixture_overlay` checks the same
/// findings from the real build).
fn prod_build() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(FIXTURE)
            .join("prod.built"),
    )
    .unwrap()
}

/// The fixture copied into a repository of its own (`ws`), and a folder `bin/` beside it for
/// the fake `kustomize`.
struct Setup {
    _dir: tempfile::TempDir,
    ws: PathBuf,
    bin: PathBuf,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let top = dir.path().canonicalize().unwrap();
    let ws = top.join("ws");
    let bin = top.join("bin");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE);
    for f in [
        "base/kustomization.yaml",
        "base/require-team-label.yaml",
        "prod/kustomization.yaml",
        "prod/enforce.yaml",
    ] {
        let p = ws.join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::copy(fixture.join(f), p).unwrap();
    }
    std::fs::create_dir_all(ws.join(".git")).unwrap();
    std::fs::create_dir_all(&bin).unwrap();
    Setup { _dir: dir, ws, bin }
}

/// A fake `kustomize` that prints `output` for the folder `prod` and nothing for the others.
fn kustomize_printing(bin: &Path, output: &str) -> PathBuf {
    std::fs::write(bin.join("build.yaml"), output).unwrap();
    fake_program(
        bin,
        "kustomize",
        &format!(
            "case \"$2\" in */prod) cat '{}';; esac",
            bin.join("build.yaml").display()
        ),
    )
}

/// `kyverno-ls check --format json --no-builtin-samples ARGS` in `cwd` with `PATH` set to
/// `path`.
fn check(cwd: &Path, path: &str, args: &[&str]) -> (i32, Value, String) {
    let args: Vec<&str> = std::iter::once("--no-builtin-samples")
        .chain(args.iter().copied())
        .collect();
    common::check_json(cwd, path, &args)
}

/// The paths `check` reported on, in its order.
fn paths(files: &Value) -> Vec<String> {
    files
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect()
}

/// The base policy's own finding: the deprecated operator, shown once although both
/// kustomizations build it.
fn deprecated_in() -> Value {
    json!({
        "code": "deprecated",
        "severity": "warning",
        "message": "The operator `In` is deprecated; use `AnyIn` (any of the key's values is listed) or `AllIn` (all of them are).",
        "range": range(21, 22, 21, 24),
    })
}

/// The findings of the `prod` build on the base's policy (`shown`: how the message names the
/// overlay's folder): the namespace the overlay stamps on a ClusterPolicy, on the base's
/// `metadata` (the resource is found under its prefixed name).
fn base_findings(shown: &str) -> Value {
    json!([
        {
            "code": "cluster-policy-namespace",
            "severity": "warning",
            "message": format!("A ClusterPolicy is cluster-scoped, so `metadata.namespace` is ignored. Remove it, or use kind `Policy` to apply the rules in one namespace only. (in kustomize's build of `{shown}`: `namespace: platform`)"),
            "range": range(2, 0, 2, 8),
        },
        deprecated_in(),
    ])
}

/// The finding the patch brings: the misspelt function in the message it writes, on its
/// characters in the patch's quoted value.
fn patch_findings(shown: &str) -> Value {
    json!([{
        "code": "unknown-function",
        "severity": "error",
        "message": format!("Unknown function `to_uper`. Did you mean `to_upper`? (in kustomize's build of `{shown}`: `message: Pod {{{{ request.object.metadata.name | to_uper(@) }}}} needs a team label.`)"),
        "range": range(5, 48, 5, 55),
    }])
}

#[test]
fn findings_of_the_build_land_on_the_base_and_on_the_patch() {
    let s = setup();
    let kustomize = kustomize_printing(&s.bin, &prod_build());
    let (code, files, stderr) = check(
        &s.ws,
        "/nonexistent",
        &["--kustomize", kustomize.to_str().unwrap(), "."],
    );
    assert_eq!(stderr, "");
    assert_eq!(code, 1, "{files}");
    assert_eq!(
        of(&files, "base/require-team-label.yaml"),
        base_findings("prod")
    );
    assert_eq!(of(&files, "prod/enforce.yaml"), patch_findings("prod"));
    assert_eq!(of(&files, "prod/kustomization.yaml"), json!([]));
    assert_eq!(of(&files, "base/kustomization.yaml"), json!([]));
    // One build per kustomization that assembles policies, whichever file asked first.
    let mut calls: Vec<String> = std::fs::read_to_string(s.bin.join("calls"))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    calls.sort();
    assert_eq!(
        calls,
        [
            format!("build {}", s.ws.join("base").display()),
            format!("build {}", s.ws.join("prod").display()),
        ]
    );
}

#[test]
fn checking_an_overlay_checks_what_it_assembles() {
    let s = setup();
    let kustomize = kustomize_printing(&s.bin, &prod_build());
    let (_, files, _) = check(
        &s.ws,
        "/nonexistent",
        &["--kustomize", kustomize.to_str().unwrap(), "prod"],
    );
    // The base beside the overlay is checked too: the build's findings are shown there.
    assert_eq!(
        paths(&files),
        [
            "prod/enforce.yaml",
            "prod/kustomization.yaml",
            &s.ws.join("base/kustomization.yaml").display().to_string()[..],
            &s.ws
                .join("base/require-team-label.yaml")
                .display()
                .to_string()[..],
        ]
        .map(|p| p
            .strip_prefix(&format!("{}/", s.ws.display()))
            .unwrap_or(p)
            .to_string())
    );
    assert_eq!(
        of(&files, "base/require-team-label.yaml"),
        base_findings("prod")
    );
}

#[test]
fn a_resource_found_by_another_name_lands_on_the_kustomization() {
    // A build whose policy is named as nothing the kustomizations write (a transformer
    // kyverno-ls does not follow): its findings stay on the kustomization.
    let s = setup();
    let renamed = prod_build().replace("prod-require-team-label", "renamed");
    let kustomize = kustomize_printing(&s.bin, &renamed);
    let (_, files, _) = check(
        &s.ws,
        "/nonexistent",
        &["--kustomize", kustomize.to_str().unwrap(), "."],
    );
    let on_kustomization = of(&files, "prod/kustomization.yaml");
    let codes: Vec<(&str, &Value)> = on_kustomization
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["code"].as_str().unwrap(), &d["range"]))
        .collect();
    let first_line = range(2, 0, 2, 6);
    assert_eq!(
        codes,
        [
            ("cluster-policy-namespace", &first_line),
            ("deprecated", &first_line),
            ("unknown-function", &first_line),
        ]
    );
    assert_eq!(of(&files, "prod/enforce.yaml"), json!([]));
    assert_eq!(
        of(&files, "base/require-team-label.yaml"),
        json!([deprecated_in()])
    );
}

#[test]
fn without_kustomize_each_kustomization_of_policies_gets_one_note() {
    let s = setup();
    // PATH names a folder with neither kustomize nor kubectl.
    let (code, files, stderr) = check(&s.ws, s.bin.to_str().unwrap(), &["."]);
    assert_eq!(stderr, "");
    assert_eq!(code, 0);
    let note = |line: u32, end: u32| {
        json!([{
            "code": "kustomize-not-found",
            "severity": "information",
            "message": "This kustomization assembles policies: kyverno-ls checks what `kustomize build` makes of them. Neither `kustomize` nor `kubectl` was found on PATH. To check it, install kustomize or kubectl on PATH, or give its path: the `kyverno.kustomize.path` setting in the editor, `--kustomize PATH` for `kyverno-ls check`.",
            "range": range(line, 0, line, end),
        }])
    };
    assert_eq!(of(&files, "prod/kustomization.yaml"), note(2, 6));
    assert_eq!(of(&files, "base/kustomization.yaml"), note(1, 10));
    // The base is still checked as the policy it is.
    assert_eq!(
        of(&files, "base/require-team-label.yaml"),
        json!([deprecated_in()])
    );
    assert_eq!(of(&files, "prod/enforce.yaml"), json!([]));
    // A `--kustomize` that does not exist says so.
    let (_, files, _) = check(
        &s.ws,
        "/nonexistent",
        &["--kustomize", "/no/kustomize", "prod"],
    );
    assert_eq!(
        of(&files, "prod/kustomization.yaml")[0]["message"],
        "This kustomization assembles policies: kyverno-ls checks what `kustomize build` makes of them. The kustomize program `/no/kustomize` does not exist. To check it, install kustomize or kubectl on PATH, or give its path: the `kyverno.kustomize.path` setting in the editor, `--kustomize PATH` for `kyverno-ls check`."
    );
}

#[test]
fn a_build_error_is_an_error_on_the_line_kustomize_names() {
    let s = setup();
    // kubectl 1.32's wording, through its logger.
    let kustomize = fake_program(
        &s.bin,
        "kustomize",
        r#"echo 'E1208 01:39:36.647418   18055 run.go:72] "command failed" err="accumulating resources: accumulation err='"'"'accumulating resources from '"'"'../base'"'"': no such file'"'"'"' >&2
exit 1"#,
    );
    let (code, files, _) = check(
        &s.ws,
        "/nonexistent",
        &["--kustomize", kustomize.to_str().unwrap(), "prod"],
    );
    assert_eq!(code, 1);
    assert_eq!(
        of(&files, "prod/kustomization.yaml"),
        json!([{
            "code": "kustomize-build-failed",
            "severity": "error",
            "message": "kustomize cannot build this kustomization, so the policies it assembles are not checked: accumulating resources: accumulation err='accumulating resources from '../base': no such file'",
            "range": range(3, 2, 3, 9),
        }])
    );
    // Nothing is placed on the files it would have built from.
    assert_eq!(of(&files, "prod/enforce.yaml"), json!([]));
}

#[test]
fn remote_resources_are_never_built() {
    let s = setup();
    std::fs::write(
        s.ws.join("prod/kustomization.yaml"),
        "resources:\n- ../base\n- https://github.com/acme/policies//team?ref=v1\nnamePrefix: prod-\n",
    )
    .unwrap();
    let kustomize = kustomize_printing(&s.bin, &prod_build());
    let (_, files, _) = check(
        &s.ws,
        "/nonexistent",
        &["--kustomize", kustomize.to_str().unwrap(), "prod"],
    );
    assert_eq!(
        of(&files, "prod/kustomization.yaml"),
        json!([{
            "code": "kustomize-not-built",
            "severity": "information",
            "message": "This kustomization is not built, so the policies it assembles are not checked: `https://github.com/acme/policies//team?ref=v1` is remote: kustomize would fetch it, and kyverno-ls builds only local kustomizations.",
            "range": range(2, 2, 2, 47),
        }])
    );
    // Only the base was built.
    let calls = std::fs::read_to_string(s.bin.join("calls")).unwrap();
    assert_eq!(calls, format!("build {}\n", s.ws.join("base").display()));
}

// ---------------------------------------------------------------------------------------------
// Real kustomize: `kustomize`, else `kubectl kustomize`, from PATH.

#[test]
fn real_kustomize_checks_the_fixture_overlay() {
    let Some(kustomize) = real_kustomize() else {
        return;
    };
    let path = std::env::var("PATH").unwrap_or_default();
    let (code, files, stderr) = check(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &path,
        &["--kustomize", kustomize.to_str().unwrap(), FIXTURE],
    );
    assert_eq!(stderr, "");
    assert_eq!(code, 1, "{files}");
    let shown = format!("{FIXTURE}/prod");
    assert_eq!(
        of(&files, "base/require-team-label.yaml"),
        base_findings(&shown)
    );
    assert_eq!(of(&files, "prod/enforce.yaml"), patch_findings(&shown));
    assert_eq!(of(&files, "prod/kustomization.yaml"), json!([]));
    assert_eq!(of(&files, "base/kustomization.yaml"), json!([]));
}

#[test]
fn real_kustomize_build_errors_name_the_kustomization_line() {
    let Some(kustomize) = real_kustomize() else {
        return;
    };
    let s = setup();
    // A file that is there but is no YAML: kustomize fails on it (a missing one kyverno-ls
    // refuses to build, as kustomize would take it for a remote repository).
    std::fs::write(
        s.ws.join("base/kustomization.yaml"),
        "resources:\n- require-team-label.yaml\n- broken.yaml\n",
    )
    .unwrap();
    std::fs::write(
        s.ws.join("base/broken.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [\n",
    )
    .unwrap();
    let path = std::env::var("PATH").unwrap_or_default();
    let (code, files, _) = check(
        &s.ws,
        &path,
        &["--kustomize", kustomize.to_str().unwrap(), "base"],
    );
    assert_eq!(code, 1);
    let d = &of(&files, "base/kustomization.yaml")[0];
    assert_eq!(d["code"], "kustomize-build-failed");
    assert_eq!(d["range"], range(2, 2, 2, 13));
    // kustomize's own words differ between versions; they name the broken file.
    let message = d["message"].as_str().unwrap();
    assert!(
        message.starts_with("kustomize cannot build this kustomization, so the policies it assembles are not checked: ")
            && message.contains("broken.yaml"),
        "{message}"
    );
}
