//! Kyverno's 51 custom JMESPath functions (`GetFunctions` in Kyverno's
//! pkg/engine/jmespath/functions.go, time.go and arithmetic.go), reproducing Kyverno's results
//! and error messages, including the behaviour of the Go libraries underneath (Kubernetes
//! quantities, Go durations and time layouts, RE2, blang/semver, distribution/reference,
//! crypto/x509). Nothing here reads the clock, draws entropy or touches the network: "now" and
//! the random seed come from [`Env`]; `is_external_url` decides IP literals offline.

mod arithmetic;
mod collections;
mod der;
pub mod duration;
pub(crate) mod encoding;
mod gofmt;
mod golayout;
mod image;
pub(crate) mod json;
pub(crate) mod misc;
pub(crate) mod quantity;
mod regex;
pub use regex::compile_go as compile_go_regex;
pub(crate) mod semver;
mod strings;
mod time;
mod url;
pub(crate) mod x509;

#[cfg(test)]
mod tests;

use super::spec::{FunctionSpec, Param, Types};
use crate::jmespath::value::Value;

/// The message for an argument of the wrong type, in Kyverno's wording. The evaluator checks
/// declared types first, so this only shows for the finer checks Kyverno makes itself.
pub(crate) fn type_error(index: usize, ty: &str) -> String {
    format!("argument #{} is not of type {ty}", index + 1)
}

pub(crate) fn arg_str(args: &[Value], i: usize) -> Result<&str, String> {
    match args.get(i) {
        Some(Value::String(s)) => Ok(s),
        _ => Err(type_error(i, "String")),
    }
}

pub(crate) fn arg_num(args: &[Value], i: usize) -> Result<f64, String> {
    match args.get(i) {
        Some(Value::Number(n)) => Ok(*n),
        _ => Err(type_error(i, "Number")),
    }
}

const S: Types = Types::STRING;
const N: Types = Types::NUMBER;
const A: Types = Types::ARRAY;
const O: Types = Types::OBJECT;
const B: Types = Types::BOOL;
const ANY: Types = Types::ANY;
const SN: Types = Types::STRING.or(Types::NUMBER);
const OA: Types = Types::OBJECT.or(Types::ARRAY);

const fn p(name: &'static str, types: Types) -> Param {
    Param { name, types }
}

const fn f(
    name: &'static str,
    params: &'static [Param],
    returns: Types,
    doc: &'static str,
    example: &'static str,
    imp: super::spec::ValueFn,
) -> FunctionSpec {
    FunctionSpec {
        name,
        params,
        variadic: false,
        returns,
        doc,
        example,
        kyverno: true,
        imp: Some(imp),
    }
}

/// Every Kyverno custom function, in the order of Kyverno's `GetFunctions`.
pub static SPECS: &[FunctionSpec] = &[
    f(
        "compare",
        &[p("a", S), p("b", S)],
        N,
        "Compares two strings byte by byte and returns -1, 0 or 1 (Go's `strings.Compare`). \
         Uppercase letters sort before lowercase ones; there is no locale.",
        "compare('a', 'b') → -1",
        strings::compare,
    ),
    f(
        "equal_fold",
        &[p("a", S), p("b", S)],
        B,
        "True when the strings are equal ignoring letter case, character by character with \
         Unicode simple folding (`strings.EqualFold`); `ß` never equals `ss`.",
        "equal_fold('Go', 'GO') → true",
        strings::equal_fold,
    ),
    f(
        "replace",
        &[p("str", S), p("old", S), p("new", S), p("n", N)],
        S,
        "Replaces the first `n` occurrences of `old` with `new`; a negative `n` replaces all. \
         `n` is truncated to an integer, and an empty `old` inserts `new` between characters.",
        "replace('a-b-c', '-', '+', `1`) → \"a+b-c\"",
        strings::replace,
    ),
    f(
        "replace_all",
        &[p("str", S), p("old", S), p("new", S)],
        S,
        "Replaces every occurrence of `old` with `new`. Plain text, not a pattern: use \
         `regex_replace_all` for regular expressions.",
        "replace_all('a-b-c', '-', '+') → \"a+b+c\"",
        strings::replace_all,
    ),
    f(
        "to_upper",
        &[p("str", S)],
        S,
        "Uppercases each character with its one-character mapping, as Go does: `ß` stays `ß` \
         instead of becoming `SS`.",
        "to_upper('straße') → \"STRAßE\"",
        strings::to_upper,
    ),
    f(
        "to_lower",
        &[p("str", S)],
        S,
        "Lowercases each character with its one-character mapping (a capital sigma always \
         becomes `σ`, never the final `ς`).",
        "to_lower('ABC') → \"abc\"",
        strings::to_lower,
    ),
    f(
        "trim",
        &[p("str", S), p("cutset", S)],
        S,
        "Removes from both ends every character that appears in `cutset`. The second argument \
         is a set of characters, not a prefix or suffix: `trim('foocorpcom', 'mcof')` is `rp`.",
        "trim('¡¡¡Hello, Gophers!!!', '!¡') → \"Hello, Gophers\"",
        strings::trim,
    ),
    f(
        "trim_prefix",
        &[p("str", S), p("prefix", S)],
        S,
        "Removes `prefix` once from the start of the string if it is there; otherwise returns \
         the string unchanged.",
        "trim_prefix('docker://nginx', 'docker://') → \"nginx\"",
        strings::trim_prefix,
    ),
    f(
        "split",
        &[p("str", S), p("sep", S)],
        A,
        "Splits the string at every `sep`, keeping empty pieces. An empty `sep` splits into \
         characters; splitting `''` gives `[\"\"]`, or `[]` when `sep` is empty too.",
        "split('a,b,,c', ',') → [\"a\", \"b\", \"\", \"c\"]",
        strings::split,
    ),
    f(
        "regex_replace_all",
        &[p("regex", S), p("src", SN), p("replacement", SN)],
        S,
        "Replaces every match of a Go (RE2) regular expression; `$1`, `${1}` and `${name}` \
         insert groups, and `$1x` means the group named `1x`. Numbers are converted to text \
         with float32 precision, so 16777217 becomes \"16777216\".",
        "regex_replace_all('^docker.io/(.*)$', 'docker.io/nginx:1.25', 'harbor.corp/$1') → \"harbor.corp/nginx:1.25\"",
        regex::regex_replace_all,
    ),
    f(
        "regex_replace_all_literal",
        &[p("regex", S), p("src", SN), p("replacement", SN)],
        S,
        "Like `regex_replace_all`, but the replacement is inserted as is: `$` has no special \
         meaning. Numbers are converted with float32 precision.",
        "regex_replace_all_literal('[0-9]+', 'v1.25', '$1') → \"v$1.$1\"",
        regex::regex_replace_all_literal,
    ),
    f(
        "regex_match",
        &[p("regex", S), p("src", SN)],
        B,
        "True if the Go (RE2) regular expression matches anywhere in the text: anchor it with \
         `^…$` for a whole-string match. `\\d`, `\\w`, `\\s` are ASCII-only; no look-around or \
         back-references.",
        "regex_match('^v[0-9]+$', 'v12') → true",
        regex::regex_match,
    ),
    f(
        "pattern_match",
        &[p("pattern", S), p("src", SN)],
        B,
        "Wildcard match of the whole text: `*` is any run of characters (also none), `?` exactly \
         one character, everything else literal. An empty pattern matches only an empty string.",
        "pattern_match('nginx:*', 'nginx:1.25') → true",
        regex::pattern_match,
    ),
    f(
        "label_match",
        &[p("selector", O), p("labels", O)],
        B,
        "True if every key of the first object is in the second with an equal value; extra \
         labels are fine and `{}` always matches. Values compare by type too (`1` ≠ `\"1\"`).",
        "label_match(`{\"app\": \"web\"}`, `{\"app\": \"web\", \"tier\": \"db\"}`) → true",
        collections::label_match,
    ),
    f(
        "to_boolean",
        &[p("str", S)],
        B,
        "Turns \"true\" or \"false\", in any letter case, into a boolean. Anything else, even \
         \"yes\" or \" true\", is an error.",
        "to_boolean('TRUE') → true",
        strings::to_boolean,
    ),
    f(
        "add",
        &[p("a", ANY), p("b", ANY)],
        ANY,
        "Adds two numbers, two quantities or two durations. A string is read as a Kubernetes \
         quantity first and only then as a duration, so '5m' is 5 milli-units, not 5 minutes, \
         and '10' is a quantity that cannot be added to the number `10`.",
        "add('1Gi', '512Mi') → \"1536Mi\"",
        arithmetic::add,
    ),
    f(
        "sum",
        &[p("list", A)],
        ANY,
        "Adds up a list of numbers, quantities or durations (all of one kind) with `add`. An \
         empty list is an error; a one-element list returns that element untouched.",
        "sum(`[\"2h\", \"50s\", \"90s\"]`) → \"2h2m20s\"",
        arithmetic::sum,
    ),
    f(
        "subtract",
        &[p("a", ANY), p("b", ANY)],
        ANY,
        "Subtracts like `add` adds: number − number, quantity − quantity, duration − duration. \
         Quantity results keep the first operand's style (binary `Ki` or decimal `k`).",
        "subtract('10Mi', '5Ki') → \"10235Ki\"",
        arithmetic::subtract,
    ),
    f(
        "multiply",
        &[p("a", ANY), p("b", ANY)],
        ANY,
        "Multiplies two numbers, or a quantity or duration by a number (either order). Two \
         quantities or two durations cannot be multiplied.",
        "multiply('40s', `2.5`) → \"1m40s\"",
        arithmetic::multiply,
    ),
    f(
        "divide",
        &[p("dividend", ANY), p("divisor", ANY)],
        ANY,
        "Divides numbers; a quantity or duration by a number keeps its kind (quantities round \
         down), while quantity ÷ quantity and duration ÷ duration give a plain number. A zero \
         divisor is an error.",
        "divide('12Ki', '200') → 61.44",
        arithmetic::divide,
    ),
    f(
        "modulo",
        &[p("dividend", ANY), p("divisor", ANY)],
        ANY,
        "Remainder of two integers, two whole quantities or two durations; the sign follows the \
         dividend. Fractions and a zero divisor are errors.",
        "modulo('13s', '2s') → \"1s\"",
        arithmetic::modulo,
    ),
    f(
        "round",
        &[p("number", N), p("digits", N)],
        N,
        "Rounds to `digits` decimal places, halves away from zero. `digits` must be a \
         non-negative integer; binary floats can still surprise (2.675 → 2.67).",
        "round(`10.125`, `2`) → 10.13",
        arithmetic::round,
    ),
    f(
        "base64_decode",
        &[p("str", S)],
        S,
        "Decodes standard, padded base64 (line breaks are skipped). URL-safe or unpadded input \
         is an error; bytes that are not UTF-8 come out as �.",
        "base64_decode('SGVsbG8=') → \"Hello\"",
        encoding::base64_decode,
    ),
    f(
        "base64_encode",
        &[p("str", S)],
        S,
        "Encodes the string's UTF-8 bytes as standard, padded base64.",
        "base64_encode('Hello') → \"SGVsbG8=\"",
        encoding::base64_encode,
    ),
    f(
        "time_since",
        &[p("layout", S), p("start", S), p("end", S)],
        S,
        "The duration from `start` to `end` as a Go duration (`180h10m0s`). An empty layout means \
         RFC 3339, otherwise a Go reference layout; an empty `end` means now, so the result \
         changes over time.",
        "time_since('', '2021-01-02T15:04:05-07:00', '2021-01-10T03:14:05-07:00') → \"180h10m0s\"",
        time::time_since,
    ),
    f(
        "time_now",
        &[],
        S,
        "The current time in RFC 3339, in the machine's zone. The example shows kyverno-ls's \
         fixed test clock; policies that depend on it give time-dependent results.",
        "time_now() → \"2024-01-01T00:00:00Z\"",
        time::time_now,
    ),
    f(
        "time_now_utc",
        &[],
        S,
        "The current time in UTC, RFC 3339 (the example shows the fixed test clock).",
        "time_now_utc() → \"2024-01-01T00:00:00Z\"",
        time::time_now_utc,
    ),
    f(
        "path_canonicalize",
        &[p("path", S)],
        S,
        "Cleans a path lexically (Go's `filepath.Clean`, Linux rules): repeated slashes, `.` and \
         `..` are resolved and a trailing slash dropped. Nothing is read from disk; `''` stays `''`.",
        "path_canonicalize('/var//run/../lib/') → \"/var/lib\"",
        strings::path_canonicalize,
    ),
    f(
        "truncate",
        &[p("str", S), p("length", N)],
        S,
        "Keeps the first `length` characters (not bytes), no ellipsis. The length is truncated \
         to an integer and a negative length gives `''`.",
        "truncate('kyverno-policy', `7`) → \"kyverno\"",
        strings::truncate,
    ),
    f(
        "semver_compare",
        &[p("version", S), p("range", S)],
        B,
        "True if the version satisfies the range (`>=1.0.0 <2.0.0`, `<1.0.0 || >2.0.0`, `1.2.x`). \
         A version that is not strict semver (like `v1.2.3` or `1.2`) is silently treated as \
         0.0.0; a bad range is an error.",
        "semver_compare('1.8.6', '>1.0.0 <2.0.0') → true",
        semver::semver_compare,
    ),
    f(
        "parse_json",
        &[p("json", S)],
        ANY,
        "Parses JSON text into a value (the opposite of `to_string`). Numbers become floats and \
         invalid JSON is an error.",
        "parse_json('{\"a\": [1, 2]}') → {\"a\": [1, 2]}",
        encoding::parse_json,
    ),
    f(
        "parse_yaml",
        &[p("yaml", S)],
        ANY,
        "Parses the first YAML document into a value, reading scalars the YAML 1.1 way like \
         Kubernetes: `yes`/`on` are true and `0777` is octal. Empty text is null.",
        "parse_yaml('enabled: yes') → {\"enabled\": true}",
        encoding::parse_yaml,
    ),
    f(
        "lookup",
        &[p("collection", OA), p("key", SN)],
        ANY,
        "Looks up a key in an object or an index in an array, with a key computed at run time; \
         missing keys and out-of-range indexes give null. Objects need a string key, arrays an \
         integer index.",
        "lookup(`{\"a\": 1}`, 'a') → 1",
        collections::lookup,
    ),
    f(
        "items",
        &[p("collection", OA), p("keyName", S), p("valueName", S)],
        A,
        "Turns an object into a list of `{keyName: key, valueName: value}` objects sorted by key, \
         or an array into the same with numeric indexes as keys.",
        "items(`{\"b\": 2, \"a\": 1}`, 'key', 'value') → [{\"key\": \"a\", \"value\": 1}, {\"key\": \"b\", \"value\": 2}]",
        collections::items,
    ),
    f(
        "object_from_lists",
        &[p("keys", A), p("values", A)],
        O,
        "Builds an object by pairing keys with values by position; keys without a value get \
         null and extra values are dropped. Number keys become text with float32 precision.",
        "object_from_lists(`[\"a\", \"b\"]`, `[1]`) → {\"a\": 1, \"b\": null}",
        collections::object_from_lists,
    ),
    f(
        "random",
        &[p("regex", S)],
        S,
        "A random string that matches the regular expression; `*` and `+` repeat up to 4096 \
         times. In Kyverno every call differs; kyverno-ls draws from a fixed seed, so the \
         example's value is only what the test seed gives.",
        "random('[a-z]{6}') → \"ijjama\"",
        misc::random,
    ),
    f(
        "x509_decode",
        &[p("pem", S)],
        O,
        "Decodes a PEM certificate or certificate request into an object shaped like Go's \
         `x509.Certificate` (`Subject.CommonName`, `NotAfter`, `DNSNames`, ...). Only RSA keys \
         are accepted; `PublicKey` is `{N: \"<modulus digits>\", E: 65537}`. Base64-wrapped PEM \
         needs `base64_decode` first.",
        "x509_decode('not a certificate') → error: failed to decode PEM block",
        x509::x509_decode,
    ),
    f(
        "time_to_cron",
        &[p("time", S)],
        S,
        "Turns an RFC 3339 time into a cron schedule `minute hour day month weekday` in the \
         time's own offset (Sunday is 0).",
        "time_to_cron('2022-04-11T03:14:05-07:00') → \"14 3 11 4 1\"",
        time::time_to_cron,
    ),
    f(
        "time_add",
        &[p("time", S), p("duration", S)],
        S,
        "Adds a Go duration (`6h`, `-1h30m`; no days) to an RFC 3339 time, keeping its offset. \
         Fractional seconds are dropped from the result.",
        "time_add('2023-01-12T12:37:56-05:00', '6h') → \"2023-01-12T18:37:56-05:00\"",
        time::time_add,
    ),
    f(
        "time_parse",
        &[p("layout", S), p("time", S)],
        S,
        "Reads a time written in a Go reference layout (`Mon Jan 2 15:04:05 MST 2006`) and \
         returns RFC 3339. If the layout is any integer, the time is Unix seconds (result in \
         UTC); zone names like `MST` count as UTC.",
        "time_parse('Mon Jan 02 2006 15:04:05 -0700', 'Fri Jun 22 2022 17:45:00 +0100') → \"2022-06-22T17:45:00+01:00\"",
        time::time_parse,
    ),
    f(
        "time_utc",
        &[p("time", S)],
        S,
        "The same instant as an RFC 3339 time in UTC.",
        "time_utc('2021-01-02T18:04:05-05:00') → \"2021-01-02T23:04:05Z\"",
        time::time_utc,
    ),
    f(
        "time_diff",
        &[p("start", S), p("end", S)],
        S,
        "The Go duration from `start` to `end` (both RFC 3339); negative when `end` is earlier.",
        "time_diff('2023-01-10T00:00:00Z', '2023-01-11T00:00:00Z') → \"24h0m0s\"",
        time::time_diff,
    ),
    f(
        "time_before",
        &[p("a", S), p("b", S)],
        B,
        "True if the first RFC 3339 time is strictly earlier than the second (offsets are taken \
         into account).",
        "time_before('2023-01-12T19:05:59Z', '2023-01-13T19:05:59Z') → true",
        time::time_before,
    ),
    f(
        "time_after",
        &[p("a", S), p("b", S)],
        B,
        "True if the first RFC 3339 time is strictly later than the second.",
        "time_after('2023-01-12T14:07:55-05:00', '2023-01-12T19:05:59Z') → true",
        time::time_after,
    ),
    f(
        "time_between",
        &[p("time", S), p("start", S), p("end", S)],
        B,
        "True if the time lies strictly between `start` and `end`: a time equal to either end \
         is not between.",
        "time_between('2023-01-12T19:05:59Z', '2023-01-01T19:05:59Z', '2023-01-15T19:05:59Z') → true",
        time::time_between,
    ),
    f(
        "time_truncate",
        &[p("time", S), p("duration", S)],
        S,
        "Rounds a time down to a multiple of the duration counted from year 1 in UTC, not from \
         local midnight: with an offset, `24h` lands on UTC midnight.",
        "time_truncate('2023-01-12T17:37:00Z', '2h') → \"2023-01-12T16:00:00Z\"",
        time::time_truncate,
    ),
    f(
        "image_normalize",
        &[p("image", S)],
        S,
        "Writes an image reference in full: registry `docker.io` and tag `latest` by default, \
         `@digest` instead of the tag when there is one. No `library/` is added for Docker Hub \
         images.",
        "image_normalize('nginx') → \"docker.io/nginx:latest\"",
        image::image_normalize,
    ),
    f(
        "is_external_url",
        &[p("url", S)],
        B,
        "False if the URL's host is a loopback or private address, true otherwise. Kyverno \
         resolves host names with DNS; kyverno-ls never uses the network, so only IP addresses \
         and `localhost` can be judged and other names are an error.",
        "is_external_url('http://10.0.0.1:8080/') → false",
        misc::is_external_url,
    ),
    f(
        "sha256",
        &[p("str", S)],
        S,
        "The SHA-256 digest of the string's UTF-8 bytes, as lowercase hex (64 characters).",
        "sha256('abc') → \"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\"",
        encoding::sha256,
    ),
    f(
        "sha1",
        &[p("str", S)],
        S,
        "The SHA-1 digest of the string's UTF-8 bytes, as lowercase hex (40 characters).",
        "sha1('abc') → \"a9993e364706816aba3e25717850c26c9cd0d89d\"",
        encoding::sha1,
    ),
    f(
        "md5",
        &[p("str", S)],
        S,
        "The MD5 digest of the string's UTF-8 bytes, as lowercase hex (32 characters).",
        "md5('abc') → \"900150983cd24fb0d6963f7d28e17f72\"",
        encoding::md5,
    ),
];

/// Helpers for the tests of every family: call a function by name with the fixed `Env`.
#[cfg(test)]
pub(crate) mod testing {
    use super::SPECS;
    use crate::jmespath::functions::spec::Env;
    use crate::jmespath::value::Value;

    pub fn call_env(name: &str, args: &[Value], env: &Env) -> Result<Value, String> {
        let spec = SPECS
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no function {name}"));
        (spec
            .imp
            .expect("every Kyverno function has an implementation"))(args, env)
    }

    pub fn call(name: &str, args: &[Value]) -> Result<Value, String> {
        call_env(name, args, &Env::fixed())
    }

    pub fn ok_env(name: &str, args: &[Value], env: &Env) -> Value {
        match call_env(name, args, env) {
            Ok(v) => v,
            Err(e) => panic!("{name}({args:?}) failed: {e}"),
        }
    }

    pub fn ok(name: &str, args: &[Value]) -> Value {
        ok_env(name, args, &Env::fixed())
    }

    pub fn err(name: &str, args: &[Value]) -> String {
        match call(name, args) {
            Ok(v) => panic!("{name}({args:?}) should fail but gave {v:?}"),
            Err(e) => e,
        }
    }
}
