//! JMESPath evaluation on a realistic Pod, converted to `Value` once and each expression
//! parsed once: what the simulator does per rule and per resource. Throughput is reported in
//! evaluations per second.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kyverno_ls::jmespath::functions::Env;
use kyverno_ls::jmespath::{Value, evaluate, parse};

/// A running Pod with init containers, sidecars, probes and volumes.
const POD: &str = include_str!("data/pod.json");

fn bench_eval(c: &mut Criterion) {
    let pod = Value::from_json(&serde_json::from_str(POD).expect("valid pod JSON"));
    let env = Env::fixed();
    let mut group = c.benchmark_group("jmespath_eval");
    group.throughput(Throughput::Elements(1));
    for (name, expr) in [
        ("simple_path", "metadata.name"),
        (
            "projection_with_function",
            "spec.containers[].image | [?starts_with(@, 'nginx')]",
        ),
        (
            "filter",
            "spec.containers[?securityContext.privileged == `true`].name",
        ),
    ] {
        let ast = parse(expr).expect("valid expression");
        // Check the expression does real work before timing it.
        assert!(
            evaluate(&ast, &pod, &env).is_ok_and(|v| v != Value::Null),
            "{expr}"
        );
        group.bench_function(name, |b| {
            b.iter(|| evaluate(black_box(&ast), black_box(&pod), &env))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("jmespath_parse");
    group.throughput(Throughput::Elements(1));
    let expr = "spec.containers[?securityContext.privileged == `true`].name | join(', ', @)";
    group.bench_function("filter_and_join", |b| b.iter(|| parse(black_box(expr))));
    group.finish();
}

criterion_group!(benches, bench_eval);
criterion_main!(benches);
