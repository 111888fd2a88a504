use crate::cel::functions::LibrarySet;
use crate::cel::{Bindings, Env, Program};

fn eval(src: &str) -> Result<String, String> {
    let p = Program::compile(src).expect("parses");
    p.eval(&Bindings::new(), &Env::fixed())
        .map(|v| crate::jmespath::json::to_go_json(&v.to_json()))
        .map_err(|e| e.message)
}

fn ok(src: &str, want: &str) {
    assert_eq!(eval(src), Ok(want.to_string()), "{src}");
}

fn err(src: &str, want: &str) {
    assert_eq!(eval(src), Err(want.to_string()), "{src}");
}

const DIGEST: &str = "sha256:6aefddb645ee6963afd681b1845c661d0ea4c3b20ab9db86d9e753b203d385f2";

#[test]
fn image_references_parse_as_go_containerregistry_does() {
    let r = "registry.k8s.io/kube-apiserver-arm64";
    ok(
        &format!("parseImageReference('{r}').registry()"),
        "\"registry.k8s.io\"",
    );
    ok(
        &format!("parseImageReference('{r}').repository()"),
        "\"kube-apiserver-arm64\"",
    );
    ok(
        &format!("parseImageReference('{r}').identifier()"),
        "\"latest\"",
    );
    ok(&format!("parseImageReference('{r}').tag()"), "\"latest\"");
    ok(&format!("parseImageReference('{r}').digest()"), "\"\"");
    ok(
        &format!("parseImageReference('{r}').containsDigest()"),
        "false",
    );
    ok(
        &format!("parseImageReference('{r}:testtag').identifier()"),
        "\"testtag\"",
    );
    ok(
        &format!("parseImageReference('{r}:testtag').tag()"),
        "\"testtag\"",
    );
    ok(
        &format!("parseImageReference('{r}:testtag').digest()"),
        "\"\"",
    );
    ok(
        &format!("parseImageReference('{r}@{DIGEST}').identifier()"),
        &format!("\"{DIGEST}\""),
    );
    ok(
        &format!("parseImageReference('{r}@{DIGEST}').tag()"),
        "\"\"",
    );
    ok(
        &format!("parseImageReference('{r}@{DIGEST}').digest()"),
        &format!("\"{DIGEST}\""),
    );
    ok(
        &format!("parseImageReference('{r}@{DIGEST}').containsDigest()"),
        "true",
    );
    ok(
        &format!("parseImageReference('{r}:latest@{DIGEST}').containsDigest()"),
        "true",
    );
    ok(
        &format!("parseImageReference('{r}:latest@{DIGEST}').tag()"),
        "\"latest\"",
    );
    ok(
        &format!("parseImageReference('{r}:latest@{DIGEST}').identifier()"),
        &format!("\"latest@{DIGEST}\""),
    );
    ok(
        &format!("parseImageReference('{r}:latest@{DIGEST}').digest()"),
        &format!("\"{DIGEST}\""),
    );
    // A port is not a tag.
    ok(
        &format!("parseImageReference('registry.example:5000/repo@{DIGEST}').tag()"),
        "\"\"",
    );
    ok(
        &format!(
            "parseImageReference('fictional.registry.example:10443/imagename:my_tag@{DIGEST}').tag()"
        ),
        "\"my_tag\"",
    );
    ok(
        "parseImageReference('registry.example:5000/repo').registry()",
        "\"registry.example:5000\"",
    );
    // Docker Hub.
    ok("image('nginx').registry()", "\"index.docker.io\"");
    ok("image('nginx').repository()", "\"library/nginx\"");
    ok(
        "image('docker.io/nginx:1.2').registry()",
        "\"index.docker.io\"",
    );
    ok("image('bitnami/redis').repository()", "\"bitnami/redis\"");
    ok("image('localhost/app').repository()", "\"localhost/app\"");
    ok(
        "image('nginx') == image('docker.io/library/nginx:latest')",
        "true",
    );
    ok("image('nginx') == image('nginx:1.2')", "false");
    ok(
        "isImage('registry.k8s.io/kube-apiserver-arm64:latest')",
        "true",
    );
    ok("isImage('registry.k8s.io/kube-apiserver-arm64:@')", "false");
    ok("isImage('Nginx')", "false");
    ok("isImage('a')", "false");
    ok("isImage('nginx@sha256:abc')", "false");
    err(
        "parseImageReference('registry.k8s.io/kube-apiserver-arm64:@')",
        "could not parse reference: registry.k8s.io/kube-apiserver-arm64:@",
    );
    err("isImage(0)", "no such overload: isImage(int)");
}

#[test]
fn json_and_yaml() {
    ok(
        "json.unmarshal('{\"a\": [1, 2.5, true, null]}').a",
        "[1,2.5,true,null]",
    );
    ok("type(json.unmarshal('1'))", "\"double\"");
    err("json.unmarshal('{')", "unexpected end of JSON input");
    ok(
        "json.marshal({'b': 1, 'a': ['<&>', 2.5, null, duration('1s')]})",
        "\"{\\\"a\\\":[\\\"\\\\u003c\\\\u0026\\\\u003e\\\",2.5,null,1000000000],\\\"b\\\":1}\"",
    );
    err(
        "json.marshal({1: 'a'})",
        "json: unsupported map key type int",
    );
    err("json.marshal(1.0/0.0)", "json: unsupported value: +Inf");
    ok("yaml.parse('a: yes\\nb: [1, x]').a", "true");
    ok("type(yaml.parse('b: 1').b)", "\"double\"");
    ok("yaml.parse('')", "null");
}

#[test]
fn hashes_are_lowercase_hex() {
    ok(
        "sha256('hello')",
        "\"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\"",
    );
    ok(
        "hash.sha256('hello')",
        "\"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824\"",
    );
    ok(
        "sha1('hello')",
        "\"aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d\"",
    );
    ok(
        "hash.sha1('')",
        "\"da39a3ee5e6b4b0d3255bfef95601890afd80709\"",
    );
    ok("md5('hello')", "\"5d41402abc4b2a76b9719d911017c592\"");
    ok("hash.md5('')", "\"d41d8cd98f00b204e9800998ecf8427e\"");
}

#[test]
fn math_round_to_places_next_to_the_extension() {
    ok("math.round(3.14159, 2)", "3.14");
    ok("math.round(2.5, 0)", "3");
    ok("math.round(-2.5, 0)", "-3");
    ok("math.round(1234.5, -2)", "1200");
    // The one-argument form is cel-go's extension, still there.
    ok("math.round(2.5)", "3");
    err("math.round(2, 1)", "no such overload: math.round(int, int)");
}

#[test]
fn random_is_seeded_and_bounded() {
    let a = eval("random()").unwrap();
    assert_eq!(a, eval("random()").unwrap());
    ok("random().matches('^[0-9a-z]{8}$')", "true");
    ok(
        "random('[A-F]{3}-[0-9]{2}').matches('^[A-F]{3}-[0-9]{2}$')",
        "true",
    );
    ok("random.random('x')", "\"x\"");
    err(
        "random('(')",
        "error parsing regexp: missing closing ): `(`",
    );
}

#[test]
fn time_functions() {
    ok("time.now()", "\"2024-01-01T00:00:00Z\"");
    ok(
        "time.truncate(timestamp('2024-03-05T10:37:21.5Z'), duration('1h'))",
        "\"2024-03-05T10:00:00Z\"",
    );
    ok(
        "time.truncate(timestamp('2024-03-05T10:37:21.5Z'), duration('1s'))",
        "\"2024-03-05T10:37:21Z\"",
    );
    // Multiples of 7h are counted from year 1, not from 1970.
    ok(
        "time.truncate(timestamp('2024-03-05T10:37:21Z'), duration('7h'))",
        "\"2024-03-05T04:00:00Z\"",
    );
    ok(
        "time.truncate(timestamp('2024-03-05T10:37:21Z'), duration('0s'))",
        "\"2024-03-05T10:37:21Z\"",
    );
    ok(
        "time.toCron(timestamp('2024-03-05T10:37:21Z'))",
        "\"37 10 5 3 2\"",
    );
    ok(
        "time.toCron(timestamp('2024-03-10T00:00:00Z'))",
        "\"0 0 10 3 0\"",
    );
}

#[test]
fn list_obj_to_map_pairs_keys_with_values() {
    ok(
        "listObjToMap([{'n': 'a'}, {'n': 'b'}], [{'v': 1}, {'w': 2}], 'n', 'v')",
        "{\"a\":1,\"b\":null}",
    );
    ok("transform.listObjToMap([], [], 'n', 'v')", "{}");
    err(
        "listObjToMap([{'n': 'a'}], [], 'n', 'v')",
        "listObjToMap must take lists of equal length. list1: 1, list2: 0",
    );
    err(
        "listObjToMap([{'n': 1}], [{}], 'n', 'v')",
        "the passed key name cannot be handled as a string in the key object list",
    );
    err(
        "listObjToMap(['a'], [{}], 'n', 'v')",
        "object cannot be handled as a map, string",
    );
    err(
        "listObjToMap([{'n': 'a'}], [1], 'n', 'v')",
        "object cannot be handled as a map string to any in the value object list",
    );
}

#[test]
fn service_accounts() {
    ok(
        "parseServiceAccount('system:serviceaccount:kyverno:admission')",
        "{\"name\":\"admission\",\"namespace\":\"kyverno\"}",
    );
    ok(
        "user.parseServiceAccount('system:serviceaccount:a:b:c')",
        "{\"name\":\"b:c\",\"namespace\":\"a\"}",
    );
    ok(
        "parseServiceAccount('alice')",
        "{\"name\":\"\",\"namespace\":\"\"}",
    );
    ok(
        "parseServiceAccount('system:serviceaccount:nons')",
        "{\"name\":\"\",\"namespace\":\"\"}",
    );
}

#[test]
fn x509_errors() {
    err("x509.decode('nope')", "failed to decode PEM block");
    err(
        "x509.decode('-----BEGIN PUBLIC KEY-----\\nAAAA\\n-----END PUBLIC KEY-----\\n')",
        "PEM block neither contains a CERTIFICATE or CERTIFICATE REQUEST",
    );
}

#[test]
fn kubernetes_environments_do_not_declare_them() {
    let env = Env {
        libraries: LibrarySet::KUBERNETES,
        ..Env::fixed()
    };
    let run = |src: &str| {
        Program::compile(src)
            .unwrap()
            .eval(&Bindings::new(), &env)
            .map_err(|e| e.message)
    };
    for (src, name) in [
        ("image('nginx').registry()", "image"),
        ("sha256('a')", "sha256"),
        ("json.marshal(1)", "json"),
        ("math.round(1.5, 0)", "math"),
        ("math.greatest(1, 2)", "math"),
        ("base64.encode(b'a')", "base64"),
        ("regex.extract('a', 'a')", "regex"),
    ] {
        assert_eq!(
            run(src),
            Err(format!(
                "undeclared reference to '{name}' (in container '')"
            )),
            "{src}"
        );
    }
    assert_eq!(run("'abc'.find('b')"), Ok(crate::cel::Value::string("b")));
}
