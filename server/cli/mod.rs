//! Command-line shell: argument parsing, file reading and rendering. All analysis is the
//! core's (`analysis::analyze`), the same code path the language server uses.

pub mod check;
mod eval;
mod github;
mod migrate;
mod render;
mod sarif;
mod test;

use std::path::PathBuf;

const USAGE: &str = "\
kyverno-ls: language server and checker for Kyverno policies

Usage:
  kyverno-ls [serve]                      speak the Language Server Protocol on stdio
  kyverno-ls check [--format text|json|sarif|github] [--no-builtin-samples]
                   [--resource FILE]... [--fix | --diff] [--helm PATH]
                   [--helm-values FILE]... [--kustomize PATH] PATH...
                                          check policy files or directories (recursively,
                                          .yaml and .yml) and simulate their rules on
                                          sample resources; exit 1 if any error is found
                                          --format sarif: SARIF 2.1.0 for code scanning;
                                          github: workflow commands that annotate a pull
                                          request on GitHub Actions
                                          --resource FILE: simulate on these resources
                                          (like a `# kyverno-ls: resources=` modeline)
                                          --no-builtin-samples: no built-in sample Pods
                                          --fix: apply the fixes that need no choice
                                          (deprecated forms, did-you-mean), then report
                                          what is left
                                          --diff: print those fixes as unified diffs and
                                          change nothing; exit 1 if there are any
                                          Helm templates are checked as `helm template`
                                          renders them: --helm PATH: the Helm program
                                          (default: helm on PATH); --helm-values FILE:
                                          values for every chart
                                          Kustomizations are checked as `kustomize build`
                                          makes them: --kustomize PATH: kustomize or
                                          kubectl (default: kustomize, else kubectl, on
                                          PATH)
  kyverno-ls eval [--cel] [--input FILE] [--compact] [--unquoted] EXPRESSION
                                          evaluate a JMESPath expression with Kyverno's
                                          functions against a YAML or JSON document
                                          (standard input without --input); --cel: a CEL
                                          expression, with the document as `object`
                                          (numbers are doubles, as in `kyverno test`)
  kyverno-ls test [--format text|json|junit] [--compat] [--helm PATH] [PATH...]
                                          run kyverno-test.yaml manifests below each PATH
                                          (default .) like `kyverno test`; exit 1 if a
                                          result differs; --compat counts results with no
                                          rule response as passed, as `kyverno test` does;
                                          a policies entry that is a Helm chart (or one of
                                          its templates) runs on Helm's render (--helm: the
                                          Helm program, default `helm` on PATH)
  kyverno-ls migrate [--write] [--check] FILE...
                                          rewrite the validate rules of ClusterPolicies
                                          and Policies as ValidatingPolicies (printed, or
                                          --write: beside each file as NAME.vpol.yaml, with
                                          the test manifests that list it), and prove them
                                          by simulating both on the same resources;
                                          --check: exit 1 if a verdict differs
  kyverno-ls functions [--cel] [NAME]     list the JMESPath functions (--cel: the CEL
                                          functions), or describe one
  kyverno-ls schema --out DIR             write the policies' JSON Schemas, and the
                                          configuration file's, into DIR
  kyverno-ls --help | --version
";

pub fn main() -> i32 {
    let args: Vec<String> = std::env::args().skip(1).collect();
    run(&args, &mut std::io::stdout(), &mut std::io::stderr())
}

/// Runs a command with its arguments; returns the process exit code.
pub fn run(args: &[String], out: &mut dyn std::io::Write, err: &mut dyn std::io::Write) -> i32 {
    let Some(cmd) = args.first() else {
        return crate::lsp::serve_stdio();
    };
    let rest = &args[1..];
    match cmd.as_str() {
        "serve" => crate::lsp::serve_stdio(),
        "check" => match check::Options::parse(rest) {
            Ok(opts) => check::run(&opts, out, err),
            Err(e) => usage_error(err, &e),
        },
        "schema" => schema(rest, out, err),
        "eval" => match eval::EvalOptions::parse(rest) {
            Ok(opts) => eval::run(&opts, out, err),
            Err(e) => usage_error(err, &e),
        },
        "test" => match test::TestOptions::parse(rest) {
            Ok(opts) => test::run(&opts, out, err),
            Err(e) => usage_error(err, &e),
        },
        "migrate" => match migrate::MigrateOptions::parse(rest) {
            Ok(opts) => migrate::run(&opts, out, err),
            Err(e) => usage_error(err, &e),
        },
        "functions" => eval::functions(rest, out, err),
        "-h" | "--help" | "help" => {
            let _ = write!(out, "{USAGE}");
            0
        }
        "-V" | "--version" => {
            // Field checks depend on the Kubernetes version the API definitions come from.
            let _ = writeln!(
                out,
                "kyverno-ls {} (Kubernetes API {})",
                env!("CARGO_PKG_VERSION"),
                crate::k8s::KUBERNETES_VERSION
            );
            0
        }
        other => usage_error(err, &format!("unknown command `{other}`")),
    }
}

fn usage_error(err: &mut dyn std::io::Write, msg: &str) -> i32 {
    let _ = writeln!(err, "error: {msg}\n\n{USAGE}");
    2
}

/// The file name of the configuration file's schema in `schemas/`.
pub const CONFIG_SCHEMA: &str = "kyverno-ls-config.json";

fn schema(args: &[String], out: &mut dyn std::io::Write, err: &mut dyn std::io::Write) -> i32 {
    let dir = match args {
        [flag, dir] if flag == "--out" => PathBuf::from(dir),
        _ => return usage_error(err, "schema takes `--out DIR`"),
    };
    if let Err(e) = std::fs::create_dir_all(&dir) {
        let _ = writeln!(err, "error: cannot create {}: {e}", dir.display());
        return 2;
    }
    let mut schemas = crate::policy::all_schemas();
    schemas.push((
        CONFIG_SCHEMA.to_string(),
        crate::host::config::json_schema(),
    ));
    for (name, schema) in schemas {
        let path = dir.join(name);
        let text = serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n";
        if let Err(e) = std::fs::write(&path, text) {
            let _ = writeln!(err, "error: cannot write {}: {e}", path.display());
            return 2;
        }
        let _ = writeln!(out, "wrote {}", path.display());
    }
    0
}

#[cfg(test)]
mod tests {
    #[test]
    fn version_names_the_kubernetes_api() {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        assert_eq!(super::run(&["--version".into()], &mut out, &mut err), 0);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!(
                "kyverno-ls {} (Kubernetes API 1.37)\n",
                env!("CARGO_PKG_VERSION")
            )
        );
        assert!(err.is_empty());
    }
}
