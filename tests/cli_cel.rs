//! `kyverno-ls eval --cel` and `kyverno-ls functions --cel`, through the CLI entry point.

use std::io::Write;

fn cli(args: &[&str]) -> (i32, String, String) {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = kyverno_ls::cli::run(&args, &mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

fn pod_file() -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    write!(
        f,
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  containers:\n  - name: app\n    image: nginx\n  - name: proxy\n    image: envoy\n"
    )
    .unwrap();
    f
}

#[test]
fn eval_cel_binds_the_input_to_object() {
    let f = pod_file();
    let input = f.path().to_str().unwrap();
    assert_eq!(
        cli(&[
            "eval",
            "--cel",
            "--input",
            input,
            "object.spec.containers.map(c, c.name)"
        ]),
        (0, "[\n  \"app\",\n  \"proxy\"\n]\n".into(), String::new())
    );
    assert_eq!(
        cli(&[
            "eval",
            "--cel",
            "-c",
            "-i",
            input,
            "{'n': size(object.spec.containers)}"
        ]),
        (0, "{\"n\":2}\n".into(), String::new())
    );
    assert_eq!(
        cli(&[
            "eval",
            "--cel",
            "-u",
            "-i",
            input,
            "object.metadata.name + '!'"
        ]),
        (0, "web!\n".into(), String::new())
    );
    // Numbers of a resource are doubles, as `kyverno test` hands them to CEL.
    assert_eq!(
        cli(&["eval", "--cel", "-i", input, "object.spec.replicas + 1"]),
        (1, String::new(), "error: no such overload\n".into())
    );
    assert_eq!(
        cli(&["eval", "--cel", "-i", input, "object.spec.nope"]),
        (1, String::new(), "error: no such key: nope\n".into())
    );
    assert_eq!(
        cli(&["eval", "--cel", "-i", input, "1 +"]),
        (
            1,
            String::new(),
            "error: syntax error at column 4: unexpected end of expression\n".into()
        )
    );
}

#[test]
fn functions_cel_lists_and_describes() {
    let (code, out, _) = cli(&["functions", "--cel"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("string.startsWith(string) -> bool\n    Whether the receiver string begins with the argument.\n"),
        "{out}"
    );
    assert!(
        !out.lines()
            .any(|l| l.starts_with('@') || l.starts_with("__")),
        "internal names are hidden"
    );
    assert_eq!(
        cli(&["functions", "--cel", "startsWith"]),
        (
            0,
            "string.startsWith(string) -> bool\n\nWhether the receiver string begins with the argument.\n\n".into(),
            String::new()
        )
    );
    assert_eq!(
        cli(&["functions", "--cel", "startWith"]),
        (
            1,
            String::new(),
            "error: unknown CEL function `startWith`; did you mean `startsWith`?\n".into()
        )
    );
}
