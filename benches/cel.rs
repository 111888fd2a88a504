//! CEL on a realistic Pod: each expression parsed once and evaluated as a ValidatingPolicy's
//! validations are, with the Pod bound to `object` (converted once) and the policy's variable
//! bound lazily. Also the whole ValidatingPolicy pipeline through the engine, and parsing.
//! Throughput is reported in evaluations per second.

use std::hint::black_box;
use std::rc::Rc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kyverno_ls::cel::{Bindings, Env, Program, Value};

/// The Pod of the JMESPath benchmarks.
const POD: &str = include_str!("data/pod.json");

/// Typical validations of the public policy library.
const VALIDATIONS: &[(&str, &str)] = &[
    (
        "has_label",
        "has(object.metadata.labels) && 'app' in object.metadata.labels",
    ),
    (
        "all_containers_drop_all",
        "variables.containers.all(c, c.?securityContext.?capabilities.?drop.orValue([]).exists(d, d == 'ALL'))",
    ),
    (
        "no_latest_tag",
        "object.spec.containers.all(c, !c.image.endsWith(':latest') && c.image.contains(':'))",
    ),
    (
        "resources_set",
        "object.spec.containers.all(c, has(c.resources) && has(c.resources.requests) && 'memory' in c.resources.requests)",
    ),
];

const ALL_CONTAINERS: &str = "object.spec.containers + object.spec.?initContainers.orValue([]) + object.spec.?ephemeralContainers.orValue([])";

fn bindings(pod: &Value, containers: &Rc<Program>) -> Bindings {
    let mut b = Bindings::new();
    b.set("object", pod.clone());
    let p = containers.clone();
    b.set_lazy(
        "variables.containers",
        Rc::new(move |a: &dyn kyverno_ls::cel::Activation, e: &Env| p.eval(a, e)),
    );
    b
}

fn bench_cel(c: &mut Criterion) {
    let json =
        kyverno_ls::jmespath::Value::from_json(&serde_json::from_str(POD).expect("valid pod JSON"));
    let pod = Value::from_json(&json);
    let env = Env::fixed();
    let containers = Rc::new(Program::compile(ALL_CONTAINERS).expect("valid expression"));
    let mut group = c.benchmark_group("cel_eval");
    group.throughput(Throughput::Elements(1));
    for (name, expr) in VALIDATIONS {
        let program = Program::compile(expr).expect("valid expression");
        // Check the expression does real work before timing it.
        assert!(
            program.eval(&bindings(&pod, &containers), &env).is_ok(),
            "{expr}"
        );
        group.bench_function(*name, |b| {
            // A fresh activation per evaluation, as the engine builds one per request.
            b.iter(|| program.eval(&bindings(black_box(&pod), &containers), &env))
        });
    }
    group.finish();

    let mut group = c.benchmark_group("cel_parse");
    group.throughput(Throughput::Elements(1));
    group.bench_function("all_containers_drop_all", |b| {
        b.iter(|| kyverno_ls::cel::parse(black_box(VALIDATIONS[1].1)))
    });
    group.finish();

    let policy = kyverno_ls::jmespath::Value::from_json(
        &serde_json::to_value(serde_yaml_like(include_str!(
            "../examples/tutorial-validating-policy.yaml"
        )))
        .expect("policy"),
    );
    let request = kyverno_ls::engine::Request {
        object: json.clone(),
        ..Default::default()
    };
    let engine_env = kyverno_ls::engine::Env::fixed();
    assert_eq!(
        kyverno_ls::engine::evaluate(&policy, &request, &engine_env).len(),
        1
    );
    let mut group = c.benchmark_group("cel_policy");
    group.throughput(Throughput::Elements(1));
    group.bench_function("tutorial_validating_policy", |b| {
        b.iter(|| kyverno_ls::engine::evaluate(black_box(&policy), &request, &engine_env))
    });
    group.finish();
}

/// The first document of a YAML text as JSON, read as Kubernetes reads it.
fn serde_yaml_like(text: &str) -> serde_json::Value {
    let docs = kyverno_ls::yaml::parse(text, &kyverno_ls::yaml::Limits::default());
    docs[0].root.as_ref().expect("a document").to_json()
}

criterion_group!(benches, bench_cel);
criterion_main!(benches);
