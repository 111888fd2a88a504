//! Hostile input through the real binary: each file gives diagnostics (or a clear error) and
//! exit code 0 or 1. A watchdog turns a hang into a failure instead of a stuck CI run.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn check_json(bytes: &[u8]) -> (i32, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hostile.yaml");
    std::fs::write(&path, bytes).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kyverno-ls"))
        .args(["check", "--format", "json"])
        .arg(&path)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(120) {
            child.kill().unwrap();
            panic!("kyverno-ls check did not finish");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    (status.code().unwrap(), json)
}

fn codes(json: &serde_json::Value) -> Vec<String> {
    json["files"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn alias_bomb() {
    let mut t = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..12 {
        let p = i - 1;
        t.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    let (code, json) = check_json(t.as_bytes());
    assert_eq!(code, 1);
    assert_eq!(codes(&json), ["alias-expansion-limit"]);
    let d = &json["files"][0]["diagnostics"][0];
    // a0..a4 and the first `*a4` of a5 fit in 200,000 nodes; the second `*a4` does not.
    assert_eq!(
        d["range"]["start"],
        serde_json::json!({"line": 5, "character": 14})
    );
}

#[test]
fn deep_block_nesting() {
    let t = "- ".repeat(30_000) + "x\n";
    let (code, json) = check_json(t.as_bytes());
    assert_eq!(code, 1);
    assert_eq!(codes(&json), ["nesting-too-deep"]);
    // Indented block mappings, 30,000 deep, one key per line.
    let mut t = String::new();
    for i in 0..30_000 {
        t.push_str(&" ".repeat(i.min(200)));
        t.push_str("k:\n");
        if i >= 200 {
            break;
        }
    }
    let (_, json) = check_json(t.as_bytes());
    assert_eq!(codes(&json), ["nesting-too-deep"]);
}

#[test]
fn hundred_thousand_open_brackets() {
    let (code, json) = check_json("[".repeat(100_000).as_bytes());
    assert_eq!(code, 1);
    assert_eq!(codes(&json), ["nesting-too-deep"]);
}

#[test]
fn invalid_utf8() {
    let (code, json) = check_json(b"apiVersion: v1\nkind: \xff\xfe Pod\n");
    assert_eq!(code, 1);
    assert_eq!(codes(&json), ["invalid-utf8"]);
    let d = &json["files"][0]["diagnostics"][0];
    assert_eq!(
        d["range"]["start"],
        serde_json::json!({"line": 1, "character": 6})
    );
}

#[test]
fn nul_bytes() {
    let (code, json) = check_json(b"apiVersion: v1\nkind: Po\0d\n---\nkind: x\0\n");
    assert_eq!(code, 1);
    assert_eq!(codes(&json), ["yaml-syntax", "yaml-syntax"]);
    let d = &json["files"][0]["diagnostics"][0];
    assert_eq!(
        d["range"]["start"],
        serde_json::json!({"line": 1, "character": 8})
    );
}

#[test]
fn twenty_megabytes() {
    let line = "key: value value value value value value value value value value\n";
    let t = line.repeat(20 * 1024 * 1024 / line.len() + 1);
    let (code, json) = check_json(t.as_bytes());
    assert_eq!(code, 1);
    assert_eq!(codes(&json), ["file-too-large"]);
}

#[test]
fn many_small_documents_are_fine() {
    let t = "---\nkind: Pod\n".repeat(50_000);
    let (code, json) = check_json(t.as_bytes());
    assert_eq!(code, 0);
    assert!(codes(&json).is_empty());
}

#[test]
fn foreach_fan_out_and_huge_regular_expressions_are_rule_errors() {
    // 200 containers of 60 arguments: 12,000 nested foreach elements for one rule.
    let containers: Vec<String> = (0..200)
        .map(|i| {
            let args: Vec<String> = (0..60).map(|j| format!("a{j}")).collect();
            format!("{{name: c{i}, image: nginx, args: [{}]}}", args.join(","))
        })
        .collect();
    let t = format!(
        "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: fan-out\nspec:\n  rules:\n  - name: nested\n    match: {{any: [{{resources: {{kinds: [Pod]}}}}]}}\n    validate:\n      foreach:\n      - list: request.object.spec.containers\n        foreach:\n        - list: element.args\n          deny:\n            conditions:\n              any:\n              - {{key: \"{{{{ element1 }}}}\", operator: Equals, value: forbidden}}\n  - name: regex\n    match: {{any: [{{resources: {{kinds: [Pod]}}}}]}}\n    validate:\n      deny:\n        conditions:\n          any:\n          - {{key: \"{{{{ regex_match('\\\\pL{{1,1000}}', 'a') }}}}\", operator: Equals, value: true}}\n---\napiVersion: v1\nkind: Pod\nmetadata: {{name: web}}\nspec:\n  containers: [{}]\n",
        containers.join(",")
    );
    let (code, json) = check_json(t.as_bytes());
    assert_eq!(code, 0);
    let found: Vec<(String, String, serde_json::Value)> = json["files"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["message"].as_str().unwrap().to_string(),
                d["range"].clone(),
            )
        })
        .collect();
    let range = |line: u64, start: u64, end: u64| serde_json::json!({"start": {"line": line, "character": start}, "end": {"line": line, "character": end}});
    assert_eq!(
        found,
        [
            (
                "rule-error".to_string(),
                "Pod web would get an error: validation failure: foreach evaluated more than 10,000 elements in this rule (all lists and nesting levels together); kyverno-ls stops there".to_string(),
                range(6, 10, 16)
            ),
            (
                "rule-error".to_string(),
                "Pod web would get an error: failed to check deny conditions: failed to substitute variables in condition key: failed to resolve regex_match('\\pL{1,1000}', 'a') at path /: JMESPath function 'regex_match': error parsing regexp: expression too large: `\\pL{1,1000}` (kyverno-ls compiles regular expressions up to 1,048,576 bytes)".to_string(),
                range(17, 10, 15)
            ),
        ]
    );
}

#[test]
fn hostile_cel_ends_with_a_diagnostic_or_a_cost_error() {
    // Deeper than cel-go's parser allows, and short of its size limit.
    let parens = format!("{}1{}", "(".repeat(30_000), ")".repeat(30_000));
    let policy = |name: &str, expr: &str| {
        format!(
            "apiVersion: policies.kyverno.io/v1\nkind: ValidatingPolicy\nmetadata:\n  name: {name}\nspec:\n  matchConstraints:\n    resourceRules:\n    - apiGroups: ['']\n      apiVersions: [v1]\n      operations: [CREATE]\n      resources: [pods]\n  validations:\n  - expression: \"{expr}\"\n"
        )
    };
    let t = [
        policy("deep", &parens),
        policy(
            "comprehension",
            "lists.range(1000000).all(x, lists.range(1000000).all(y, x + y >= 0))",
        ),
        policy(
            "regex",
            &format!("'{}'.matches('(a+)+$')", "a".repeat(50_000)),
        ),
        policy("regex-size", "'a'.matches(r'(\\\\pL{1,1000}){1,1000}')"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers: [{name: c, image: nginx}]\n".to_string(),
    ]
    .join("---\n");
    let (code, json) = check_json(t.as_bytes());
    let found: Vec<(String, String)> = json["files"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(code, 1, "the syntax error is an error");
    let expected = [
        (
            "cel-syntax",
            "CEL syntax error in spec.validations[0].expression: expression recursion limit exceeded: 250",
        ),
        (
            "rule-error",
            "Pod web would get an error: error: operation cancelled: actual cost limit exceeded",
        ),
        (
            "cel-invalid-literal",
            "CEL error in spec.validations[0].expression: invalid matches argument. error parsing regexp: expression too large: `(\\pL{1,1000}){1,1000}` (kyverno-ls compiles regular expressions up to 1,048,576 bytes)",
        ),
    ];
    assert_eq!(
        found,
        expected.map(|(c, m)| (c.to_string(), m.to_string())),
        "the backtracking pattern on 50,000 characters passes (matching is linear), and the \
         oversized pattern is refused before anything runs, as Kubernetes' literal check does"
    );
}

/// A CRD whose schema is as deep as YAML allows, and one whose schema an alias chain makes
/// exponentially wide, beside a policy on each kind: the schemas are cut at their bounds
/// (free below), and the policy is still checked, without a hang.
#[test]
fn deep_and_aliased_crd_schemas() {
    let crd = |kind: &str, schema: &str| {
        format!(
            "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nspec:\n  group: h.io\n  names: {{kind: {kind}, plural: {}s}}\n  versions:\n  - name: v1\n    schema:\n      openAPIV3Schema: {schema}\n",
            kind.to_lowercase()
        )
    };
    let mut deep = String::new();
    for _ in 0..58 {
        deep.push_str("{type: object, properties: {spec: ");
    }
    deep.push_str("{type: string}");
    deep.push_str(&"}}".repeat(58));
    // Each level names the one below twice: 2^12 schema nodes (2^13 with the anchors) once aliases are expanded, just
    // below YAML's node limit. The anchors come first, in a field the schema reader ignores.
    let mut defs = vec!["&x0 {type: string}".to_string()];
    for i in 1..=12 {
        defs.push(format!(
            "&x{i} {{type: object, properties: {{a: *x{}, b: *x{}}}}}",
            i - 1,
            i - 1
        ));
    }
    let wide = format!(
        "{{type: object, x-defs: [{}], properties: {{spec: *x12}}}}",
        defs.join(", ")
    );
    let policy = |kind: &str| {
        format!(
            "apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {{name: {}}}\nspec:\n  rules:\n  - name: r\n    match: {{any: [{{resources: {{kinds: [{kind}]}}}}]}}\n    validate:\n      failureAction: Audit\n      message: m\n      pattern:\n        spec:\n          spec:\n            spek: x\n",
            kind.to_lowercase()
        )
    };
    let text = [
        crd("Deep", &deep),
        policy("Deep"),
        crd("Wide", &wide),
        policy("Wide"),
    ]
    .join("---\n");
    let (code, json) = check_json(text.as_bytes());
    assert_eq!(code, 0, "{json}");
    // `spec.spec.spek` is within the deep kind's bound; the wide kind's `spec` has `a` and `b`;
    // and `x-defs` is no field of a CRD's schema, which the API server would drop.
    let found = codes(&json);
    assert_eq!(
        found,
        [
            "pattern-unknown-field",
            "sample-unknown-field",
            "pattern-unknown-field"
        ],
        "{json}"
    );
}
