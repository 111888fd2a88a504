use crate::cel::functions::LibrarySet;
use crate::cel::{Bindings, Env, Program};

fn eval(src: &str) -> Result<String, String> {
    let env = Env {
        libraries: LibrarySet::KUBERNETES,
        ..Env::fixed()
    };
    let p = Program::compile(src).expect("parses");
    p.eval(&Bindings::new(), &env)
        .map(|v| crate::jmespath::json::to_go_json(&v.to_json()))
        .map_err(|e| e.message)
}

fn ok(src: &str, want: &str) {
    assert_eq!(eval(src), Ok(want.to_string()), "{src}");
}

fn err(src: &str, want: &str) {
    assert_eq!(eval(src), Err(want.to_string()), "{src}");
}

#[test]
fn urls() {
    ok(
        "url('https://example.com:80/path?query=val#fragment').getScheme()",
        "\"https\"",
    );
    ok(
        "url('https://example.com:80/path').getHost()",
        "\"example.com:80\"",
    );
    ok("url('https://[::1]:80/path').getHost()", "\"[::1]:80\"");
    ok("url('https://[::1]:80/path').getHostname()", "\"::1\"");
    ok("url('https://[::1]/path').getPort()", "\"\"");
    ok("url('https://example.com:80/path').getPort()", "\"80\"");
    ok(
        "url('https://example.com/').getHostname()",
        "\"example.com\"",
    );
    ok("url('/path').getHost()", "\"\"");
    ok("url('/path').getScheme()", "\"\"");
    ok(
        "url('https://example.com/with%20space').getEscapedPath()",
        "\"/with%20space\"",
    );
    ok(
        "url('https://example.com/path').getEscapedPath()",
        "\"/path\"",
    );
    ok(
        "url('https://example.com/path?k1=a&k2=b&k2=c&k3').getQuery()",
        "{\"k1\":[\"a\"],\"k2\":[\"b\",\"c\"],\"k3\":[\"\"]}",
    );
    ok(
        "url('https://example.com/?a=1+2&b=%zz&c=x').getQuery()",
        "{\"a\":[\"1 2\"],\"c\":[\"x\"]}",
    );
    ok("url('https://example.com/path').getQuery()", "{}");
    ok("isURL('https://example.com/')", "true");
    ok("isURL('/absolute-path')", "true");
    ok("isURL('../relative-path')", "false");
    ok("isURL('https://example.com:8x/')", "false");
    ok(
        "url('https://example.com') == url('https://example.com')",
        "true",
    );
    err(
        "url('../relative-path')",
        "URL parse error during conversion from string: parse \"../relative-path\": invalid URI for request",
    );
    err(
        "url('')",
        "URL parse error during conversion from string: parse \"\": empty url",
    );
    err(
        "url(':x')",
        "URL parse error during conversion from string: parse \":x\": missing protocol scheme",
    );
    err(
        "url('https://a.com/%zz')",
        "URL parse error during conversion from string: parse \"https://a.com/%zz\": invalid URL escape \"%zz\"",
    );
}

#[test]
fn named_formats() {
    ok("format.dns1123Label().validate('my-name')", "null");
    ok(
        "format.named('dns1123Label').value().validate('my-name').hasValue()",
        "false",
    );
    ok("format.named('nope').hasValue()", "false");
    ok(
        "format.dns1123Label().validate('My_Name').value()",
        "[\"a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')\"]",
    );
    ok(
        "format.dns1123Label().validate('a.b').value()",
        "[\"must not contain dots\"]",
    );
    ok(
        &format!(
            "format.dns1123Label().validate('{}').value()",
            "a".repeat(64)
        ),
        "[\"must be no more than 63 characters\"]",
    );
    ok(
        "format.dns1123Subdomain().validate('apiextensions.k8s.io')",
        "null",
    );
    ok(
        "format.dns1123Subdomain().validate('-a').value()",
        "[\"a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')\"]",
    );
    ok("format.dns1035Label().validate('my-label-name')", "null");
    ok(
        "format.dns1035Label().validate('1abc').value()",
        "[\"a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')\"]",
    );
    ok(
        "format.qualifiedName().validate('apiextensions.k8s.io/v1beta1')",
        "null",
    );
    ok(
        "format.qualifiedName().validate('/x').value()",
        "[\"prefix part must be non-empty\"]",
    );
    ok(
        "format.qualifiedName().validate('a/b/c').value()",
        "[\"a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')\"]",
    );
    ok(
        "format.dns1123LabelPrefix().validate('my-label-prefix-')",
        "null",
    );
    ok(
        "format.dns1123SubdomainPrefix().validate('mysubdomain.prefix.-')",
        "null",
    );
    ok(
        "format.dns1035LabelPrefix().validate('my-label-prefix-')",
        "null",
    );
    ok("format.labelValue().validate('')", "null");
    ok("format.labelValue().validate('MyValue')", "null");
    ok("format.labelValue().validate('-x').value().size()", "1");
    ok("format.uri().validate('http://example.com')", "null");
    ok(
        "format.uri().validate('example').value()",
        "[\"parse \\\"example\\\": invalid URI for request\"]",
    );
    ok(
        "format.uuid().validate('123e4567-e89b-12d3-a456-426614174000')",
        "null",
    );
    ok(
        "format.uuid().validate('x').value()",
        "[\"does not match the UUID format\"]",
    );
    ok("format.byte().validate('aGVsbG8=')", "null");
    ok(
        "format.byte().validate('aGVsbG8').value()",
        "[\"invalid base64\"]",
    );
    ok("format.date().validate('2021-01-01')", "null");
    ok(
        "format.date().validate('2021-13-01').value()",
        "[\"invalid date\"]",
    );
    ok("format.datetime().validate('2021-01-01T00:00:00Z')", "null");
    ok(
        "format.datetime().validate('2021-01-01').value()",
        "[\"invalid datetime\"]",
    );
}
