//! JMESPath evaluation on a realistic Pod, converted to `Value` once and each expression
//! parsed once: what the simulator does per rule and per resource. Throughput is reported in
//! evaluations per second.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kyverno_ls::jmespath::functions::Env;
use kyverno_ls::jmespath::{Value, evaluate, parse};

const POD: &str = r#"{
  "apiVersion": "v1",
  "kind": "Pod",
  "metadata": {
    "name": "web-7d4b9c8f6-x2k9p",
    "namespace": "shop",
    "labels": {"app": "web", "tier": "frontend", "pod-template-hash": "7d4b9c8f6"},
    "annotations": {
      "kubectl.kubernetes.io/restartedAt": "2024-05-01T10:00:00Z",
      "prometheus.io/scrape": "true",
      "prometheus.io/port": "9090"
    },
    "ownerReferences": [
      {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7d4b9c8f6",
       "uid": "0b6d1c1e-6d0e-4c1b-9f55-2c9f4a1e7b11", "controller": true}
    ]
  },
  "spec": {
    "serviceAccountName": "web",
    "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
    "initContainers": [
      {"name": "migrate", "image": "registry.example.com/shop/migrate:2.3.1",
       "command": ["/bin/migrate", "--up"],
       "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}}}
    ],
    "containers": [
      {"name": "web", "image": "nginx:1.25.4",
       "ports": [{"containerPort": 8080, "protocol": "TCP"}],
       "resources": {"requests": {"cpu": "100m", "memory": "128Mi"},
                     "limits": {"cpu": "500m", "memory": "256Mi"}},
       "securityContext": {"allowPrivilegeEscalation": false, "privileged": false,
                           "capabilities": {"drop": ["ALL"]}, "readOnlyRootFilesystem": true},
       "volumeMounts": [{"name": "cache", "mountPath": "/var/cache/nginx"}]},
      {"name": "app", "image": "registry.example.com/shop/app:2.3.1",
       "env": [{"name": "LOG_LEVEL", "value": "info"},
               {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}],
       "resources": {"requests": {"cpu": "250m", "memory": "512Mi"}},
       "securityContext": {"allowPrivilegeEscalation": false}},
      {"name": "debug", "image": "busybox:1.36",
       "securityContext": {"privileged": true}},
      {"name": "metrics", "image": "nginx/nginx-prometheus-exporter:1.1.0",
       "ports": [{"containerPort": 9090}]}
    ],
    "volumes": [
      {"name": "cache", "emptyDir": {}},
      {"name": "kube-api-access-abcde", "projected": {"sources": [{"serviceAccountToken": {"path": "token"}}]}}
    ]
  },
  "status": {"phase": "Running", "podIP": "10.0.3.17"}
}"#;

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
