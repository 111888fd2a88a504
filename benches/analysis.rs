//! Whole-file analysis (parse, schema and Kyverno checks, simulation on the samples) as done on
//! every keystroke.
//! Run: `cargo bench --bench analysis`.

use criterion::{Criterion, black_box, criterion_group, criterion_main};

/// A realistic policy of about 100 lines: three rules, preconditions, foreach, anyPattern.
fn policy_100_lines() -> String {
    let mut t = String::from(
        "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: pod-hardening\n  annotations:\n    policies.kyverno.io/title: Pod hardening\n    policies.kyverno.io/severity: medium\n    policies.kyverno.io/subject: Pod\n    policies.kyverno.io/description: >-\n      Containers get a default set of Linux capabilities that most workloads never\n      use. Every container, init container and ephemeral container must drop ALL of\n      them and add back only what it needs. System namespaces are exempt, and\n      DELETE requests are not checked. The same rule is repeated three times to\n      reach the size of a typical hand-written policy, which is what an editor\n      re-analyses on every keystroke.\nspec:\n  validationFailureAction: Audit\n  background: true\n  rules:\n",
    );
    for i in 0..3 {
        t.push_str(&format!(
            "    - name: rule-{i}
      match:
        any:
          - resources:
              kinds:
                - Pod
      exclude:
        any:
          - resources:
              namespaces:
                - kube-system
      preconditions:
        all:
          - key: \"{{{{ request.operation || 'BACKGROUND' }}}}\"
            operator: NotEquals
            value: DELETE
      validate:
        message: Containers must drop `ALL` capabilities.
        foreach:
          - list: request.object.spec.[ephemeralContainers, initContainers, containers][]
            deny:
              conditions:
                all:
                  - key: ALL
                    operator: AnyNotIn
                    value: \"{{{{ element.securityContext.capabilities.drop[].to_upper(@) || `[]` }}}}\"
"
        ));
    }
    t
}

/// One ClusterPolicy of `n` copies of `policy_100_lines`' rule, each with a `{{ }}` template
/// and a precondition: the inlay hints of a large policy.
fn policy_rules(n: usize) -> String {
    let one = policy_100_lines();
    let (head, rules) = one.split_at(one.find("    - name: rule-0").expect("a rule"));
    let rule = &rules[..rules.find("    - name: rule-1").expect("a second rule")];
    let mut t = head.to_string();
    for i in 0..n {
        t.push_str(&rule.replace("rule-0", &format!("rule-{i}")));
    }
    t
}

fn pod(i: usize) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: pod-{i}\n  labels:\n    app: web\nspec:\n  containers:\n    - name: app\n      image: nginx:1.27\n      securityContext:\n        capabilities:\n          drop: [ALL]\n"
    )
}

fn multi_document(lines: usize) -> String {
    let mut t = String::new();
    let mut i = 0;
    while t.lines().count() < lines {
        if !t.is_empty() {
            t.push_str("---\n");
        }
        if i % 2 == 0 {
            t.push_str(&policy_100_lines())
        } else {
            t.push_str(&pod(i))
        }
        i += 1;
    }
    t
}

fn bench(c: &mut Criterion) {
    let small = policy_100_lines();
    let big = multi_document(5_000);
    eprintln!(
        "policy: {} lines; multi-document file: {} lines",
        small.lines().count(),
        big.lines().count()
    );
    // Build the compiled schemas outside the measurement: that happens once per process.
    kyverno_ls::analysis::analyze(&small);
    // Every document's text changes each iteration (a comment on its `---` line, or at the
    // end), so nothing is remembered from before: the whole analysis, parse to verdicts.
    let mut n = 0u64;
    c.bench_function("analyze policy (100 lines), cold", |b| {
        b.iter_batched(
            || {
                n += 1;
                format!("{small}# edit {n}\n")
            },
            |t| kyverno_ls::analysis::analyze(black_box(&t)),
            criterion::BatchSize::SmallInput,
        )
    });
    // Parse and checks alone (what issue 2 measured), still cold.
    let checks_only = kyverno_ls::analysis::Inputs {
        builtin_samples: false,
        ..Default::default()
    };
    c.bench_function("check policy (100 lines), cold, no simulation", |b| {
        b.iter_batched(
            || {
                n += 1;
                format!("{small}# edit {n}\n")
            },
            |t| kyverno_ls::analysis::analyze_with(black_box(&t), &checks_only),
            criterion::BatchSize::SmallInput,
        )
    });
    c.bench_function("analyze multi-document file (5000 lines), cold", |b| {
        b.iter_batched(
            || {
                n += 1;
                let marker = format!("--- # {n}\n");
                format!("# {n}\n{}", big.replace("---\n", &marker))
            },
            |t| kyverno_ls::analysis::analyze(black_box(&t)),
            criterion::BatchSize::SmallInput,
        )
    });
    // The same texts again: documents and verdicts are remembered (typing elsewhere).
    c.bench_function("analyze policy (100 lines), unchanged", |b| {
        b.iter(|| kyverno_ls::analysis::analyze(black_box(&small)))
    });
    c.bench_function("analyze multi-document file (5000 lines), unchanged", |b| {
        b.iter(|| kyverno_ls::analysis::analyze(black_box(&big)))
    });
    // The tutorial policy simulated on the built-in samples (what the editor does per keystroke
    // on a policy file alone), and the same without the simulation.
    let tutorial = include_str!("../examples/drop-all-capabilities.yaml");
    c.bench_function("analyze tutorial policy with built-in samples", |b| {
        b.iter(|| kyverno_ls::analysis::analyze(black_box(tutorial)))
    });
    // A different text each time: nothing of the simulation is remembered from before.
    let mut n = 0u64;
    c.bench_function("analyze tutorial policy with built-in samples, cold", |b| {
        b.iter_batched(
            || {
                n += 1;
                format!("{tutorial}# edit {n}\n")
            },
            |t| kyverno_ls::analysis::analyze(black_box(&t)),
            criterion::BatchSize::SmallInput,
        )
    });
    let no_samples = kyverno_ls::analysis::Inputs {
        builtin_samples: false,
        ..Default::default()
    };
    c.bench_function("analyze tutorial policy without samples", |b| {
        b.iter(|| kyverno_ls::analysis::analyze_with(black_box(tutorial), &no_samples))
    });
    // An edit at the end of the multi-document file: the other documents' verdicts are
    // remembered, the edited one is simulated again.
    let mut m = 0u64;
    c.bench_function(
        "analyze multi-document file (5000 lines) after an edit",
        |b| {
            b.iter_batched(
                || {
                    m += 1;
                    format!("{big}# edit {m}\n")
                },
                |t| kyverno_ls::analysis::analyze(black_box(&t)),
                criterion::BatchSize::SmallInput,
            )
        },
    );
    let yaml_only = |t: &str| kyverno_ls::yaml::parse(t, &kyverno_ls::yaml::Limits::default());
    c.bench_function("parse YAML only (100 lines)", |b| {
        b.iter(|| yaml_only(black_box(&small)))
    });
    // A Helm template whose chart render is remembered (no edit on disk): each keystroke
    // analyses the rendered policy and places its findings on the template's lines. The
    // template is the 100-line policy with Helm's condition around it and its expressions
    // escaped; its render is what Helm would print.
    let template = format!(
        "{{{{- if .Values.enabled }}}}\n{}{{{{- end }}}}\n",
        small.replace("\"{{", "\"{{`{{").replace("}}\"", "}}`}}\"")
    );
    let render = kyverno_ls::host::helm::Render::Rendered(format!(
        "---\n# Source: pols/templates/policy.yaml\n{small}"
    ));
    let inputs = kyverno_ls::analysis::Inputs::default();
    c.bench_function(
        "analyze Helm template (100 lines), render remembered",
        |b| {
            b.iter(|| {
                kyverno_ls::host::helm::analyze_template(
                    black_box(&template),
                    "templates/policy.yaml",
                    &render,
                    &inputs,
                    false,
                    &|t, i| kyverno_ls::analysis::analyze_with(t, i),
                )
            })
        },
    );
}

/// The inlay hints of a whole policy, as an editor that asks for the whole document does.
fn hints(c: &mut Criterion) {
    let text = policy_rules(100);
    let analysis = kyverno_ls::analysis::analyze(&text);
    c.bench_function("inlay hints, policy of 100 rules, whole document", |b| {
        b.iter(|| kyverno_ls::ide::inlay_hints(black_box(&text), &analysis, 0..text.len()))
    });
}

criterion_group!(benches, bench, hints);
criterion_main!(benches);
