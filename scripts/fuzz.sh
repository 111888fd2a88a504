#!/usr/bin/env bash
# Fuzzing with cargo-fuzz (libFuzzer). The target bodies are in server/fuzzing.rs; the
# minimized corpora in fuzz/corpus/ are replayed on stable by `cargo test --test fuzz_replay`.
#
#   scripts/fuzz.sh TARGET SECONDS   fuzz one target (yaml, jmespath, template, analysis, lsp,
#                                    cel, cel_check, mutate, migrate)
#   scripts/fuzz.sh all SECONDS      each target in turn, SECONDS each
#   scripts/fuzz.sh seed [TARGET...] rebuild the corpora from the repository's policies, the
#                                    shared conformance policies and the JMESPath suite, then
#                                    minimize them
#   scripts/fuzz.sh cmin TARGET [DIR] minimize one target's corpus (with DIR's inputs)
#
# One process, one job (libFuzzer's default; `-jobs=1` would do the same through a child
# process logging to ./fuzz-0.log): the machine is shared. New inputs go to fuzz/corpus-new/ and
# are merged into fuzz/corpus/ afterwards (-set_cover_merge: the fewest inputs covering every
# feature), so the checked-in corpus stays small. A crash,
# timeout or OOM leaves its input in fuzz/artifacts/TARGET/; minimize it with
# `cargo +nightly fuzz tmin TARGET FILE`, then keep it in fuzz/regressions/TARGET/.
#
# Needs `cargo install cargo-fuzz --locked` and a nightly toolchain (`rustup toolchain list`);
# without nightly, FUZZ_TOOLCHAIN=stable builds with RUSTC_BOOTSTRAP=1.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FUZZ="$ROOT/fuzz"
TARGETS=(yaml jmespath template analysis lsp cel cel_check mutate migrate)
SHARED="${KYVERNO_SHARED:-$ROOT/../shared}"
# A 10 s input is a hang to fix; 2 GiB is far above any bounded input.
LIBFUZZER_FLAGS=(-rss_limit_mb=2048 -timeout=10)

# No sanitizer: the crate is safe Rust, and without ASan the build is quicker and each input
# cheaper; panics, hangs and memory limits are what the targets look for.
build() {
    if [[ -n "${FUZZ_NO_BUILD:-}" ]]; then return; fi
    if [[ "${FUZZ_TOOLCHAIN:-nightly}" == stable ]]; then
        (cd "$FUZZ" && RUSTC_BOOTSTRAP=1 cargo fuzz build -O -s none "$@")
    else
        (cd "$FUZZ" && cargo +nightly fuzz build -O -s none "$@")
    fi
}

# The built target itself rather than `cargo fuzz run`, which would rebuild first whenever the
# (shared) work tree has changed. FUZZ_NO_BUILD=1 skips the build before runs; FUZZ_BIN_DIR
# runs copies of the targets (so that a rebuild during a run does not touch them).
binary() {
    echo "${FUZZ_BIN_DIR:-$FUZZ/target/x86_64-unknown-linux-gnu/release}/$1"
}

# The longest input per target: longer ones only make the checked-in corpus bigger.
max_len() {
    case "$1" in
        template | analysis) echo 2048 ;;
        cel_check) echo 1024 ;;
        yaml | jmespath | migrate) echo 4096 ;;
        lsp) echo 8192 ;;
    esac
}

# Per-target libFuzzer options: the dictionary and the input length cap.
target_flags() {
    local flags=("-max_len=$(max_len "$1")")
    [[ -f "$FUZZ/dict/$1.dict" ]] && flags+=("-dict=$FUZZ/dict/$1.dict")
    echo "${flags[@]}"
}

# Minimizes the corpus of TARGET, with the inputs of FROM (a directory) if given: the fewest
# inputs no longer than max_len that cover every feature (-set_cover_merge).
cmin() {
    local target="$1" from="${2:-}"
    local corpus="$FUZZ/corpus/$target" tmp="$FUZZ/corpus-new/$target.min"
    local fit="$FUZZ/corpus-new/$target.fit"
    rm -rf "$tmp" "$fit" && mkdir -p "$tmp" "$fit" "$corpus" "$FUZZ/artifacts/$target"
    # One copy per directory: an input found again has the same (hash) name.
    for dir in "$corpus" ${from:+"$from"}; do
        find "$dir" -type f -size -"$(($(max_len "$target") + 1))"c -exec cp -t "$fit" {} +
    done
    local marker="$FUZZ/corpus-new/$target.started"
    touch "$marker"
    # shellcheck disable=SC2046
    "$(binary "$target")" "$tmp" "$fit" \
        -set_cover_merge=1 -artifact_prefix="$FUZZ/artifacts/$target/" "${LIBFUZZER_FLAGS[@]}" \
        $(target_flags "$target") 2>&1 | tail -n 1
    rm -rf "$corpus" "$fit" && mv "$tmp" "$corpus"
    # A merge runs on past crashing inputs, leaving them in fuzz/artifacts/.
    local crashes
    crashes="$(find "$FUZZ/artifacts/$target" -type f -newer "$marker" | wc -l)"
    rm -f "$marker"
    [[ $crashes -eq 0 ]] || echo "$target: $crashes crashing input(s) skipped, see fuzz/artifacts/$target/"
    echo "$target corpus: $(find "$corpus" -type f | wc -l) files, $(du -sb "$corpus" | cut -f1) bytes"
}

run() {
    local target="$1" seconds="$2"
    local new="$FUZZ/corpus-new/$target"
    mkdir -p "$new" "$FUZZ/corpus/$target" "$FUZZ/artifacts/$target"
    local log
    log="$(mktemp "/tmp/fuzz-$target.XXXX.log")"
    echo "fuzzing $target for ${seconds}s (log: $log)"
    local status=0
    # shellcheck disable=SC2046
    "$(binary "$target")" "$new" "$FUZZ/corpus/$target" \
        -max_total_time="$seconds" -print_final_stats=1 \
        -artifact_prefix="$FUZZ/artifacts/$target/" \
        "${LIBFUZZER_FLAGS[@]}" $(target_flags "$target") >"$log" 2>&1 || status=$?
    grep -E '^#[0-9]+[[:space:]]+(DONE|INITED)' "$log" | tail -n 2 || true
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' "$log" || true
    if [[ $status -ne 0 ]]; then
        echo "$target: FINDING (exit $status), see $log and fuzz/artifacts/$target/"
        grep -E 'panicked at|ERROR: libFuzzer|SUMMARY' "$log" | head -n 5 || true
        return "$status"
    fi
    cmin "$target" "$new"
    rm -rf "$new"
}

seed() {
    local seeds="$FUZZ/corpus-new/seeds"
    rm -rf "$seeds"
    python3 - "$ROOT" "$SHARED" "$seeds" <<'PY'
import glob, hashlib, json, os, re, sys

root, shared, out = sys.argv[1:4]

def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)

yaml_files = []
for pattern in ["examples/*.yaml", "tests/cases/*.yaml", "tests/simulation/**/*.yaml",
                "server/samples/builtin/*.yaml"]:
    yaml_files += glob.glob(os.path.join(root, pattern), recursive=True)
yaml_files += glob.glob(os.path.join(shared, "conformance/**/*.yaml"), recursive=True)
texts = []
for path in sorted(set(yaml_files)):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) > 65536:
        continue
    texts.append(data)
    for target in ("yaml", "template", "analysis"):
        put(target, data)

# Expressions: the JMESPath suite with its documents, and every {{ }} of the policies against
# an admission request.
request = {"request": {"operation": "CREATE", "object": {"kind": "Pod", "metadata": {
    "name": "p", "namespace": "default", "labels": {"app": "x"}}, "spec": {"containers": [
    {"name": "c", "image": "nginx:1.25", "securityContext": {"privileged": False}}]}},
    "userInfo": {"username": "u", "groups": ["g"]}}, "element": {"name": "c"}}
for path in sorted(glob.glob(os.path.join(shared, "jmespath-compliance/*.json"))):
    with open(path) as f:
        groups = json.load(f)
    for g in groups:
        given = json.dumps(g.get("given"))
        for case in g.get("cases", []):
            expr = case.get("expression", "")
            if "\n" not in expr:
                put("jmespath", expr + "\n" + given)
template_re = re.compile(rb"\{\{-?(.*?)\}\}")
exprs = set()
for data in texts:
    for m in template_re.finditer(data):
        expr = m.group(1).strip()
        if expr and b"\n" not in expr:
            exprs.add(expr)
for expr in sorted(exprs):
    put("jmespath", expr + b"\n" + json.dumps(request).encode())

# CEL: the conformance suite's expressions, and the one-line expressions of the policies
# against a Pod.
pod = json.dumps(request["request"]["object"]).encode()
for path in sorted(glob.glob(os.path.join(shared, "cel-spec/testdata/*.textproto"))):
    with open(path, "rb") as f:
        for m in re.finditer(rb"^\s*expr:\s*(['\"])(.*)\1\s*$", f.read(), re.M):
            put("cel", m.group(2))
cel_re = re.compile(rb"^\s*(?:- )?(?:expression|messageExpression|valueExpression):\s*(\S.*)$", re.M)
for data in texts:
    for m in cel_re.finditer(data):
        expr = m.group(1).strip()
        if expr[:1] in (b"'", b'"') and expr[-1:] == expr[:1]:
            expr = expr[1:-1]
        if expr and expr not in (b">-", b"|", b">", b"|-"):
            put("cel", expr + b"\n" + pod)
# CEL: every one-line expression of the CEL policies, behind a selector byte (kind and
# expected type) for a few kinds.
cel_re = re.compile(rb"^\s*-?\s*(?:expression|messageExpression|valueExpression):\s*(.+)$", re.M)
cel = set()
for data in texts:
    if b"policies.kyverno.io" not in data and b"cel:" not in data:
        continue
    for m in cel_re.finditer(data):
        expr = m.group(1).strip()
        if expr[:1] in (b'"', b"'") and expr[-1:] == expr[:1]:
            expr = expr[1:-1]
        if expr and expr not in (b">-", b"|", b">", b"|-"):
            cel.add(expr)
for expr in sorted(cel):
    for selector in (0x04, 0x22, 0x45):
        put("cel_check", bytes([selector]) + expr)

# Mutations: a resource and a patch, one JSON document per line. The resources are the
# built-in samples; the patches are hand-written: anchors, deletions, JSON patches, atomic
# fields.
def json_docs(path):
    try:
        import yaml as _yaml
        with open(path) as f:
            return [d for d in _yaml.safe_load_all(f) if isinstance(d, dict)]
    except Exception:
        return []

samples = [d for f in sorted(glob.glob(os.path.join(root, "server/samples/builtin/*.yaml")))
           for d in json_docs(f)]
patches = [
    {"spec": {"containers": [{"(name)": "*", "+(imagePullPolicy)": "Always"}]}},
    {"metadata": {"labels": {"app": None, "team": "a"}}, "spec": {"containers": [{"name": "c", "$patch": "delete"}]}},
    [{"op": "add", "path": "/spec/containers/-", "value": {"name": "d"}},
     {"op": "remove", "path": "/metadata/labels/zz"}, {"op": "move", "from": "/spec", "path": "/x"}],
    {"spec": {"nodeSelector": {"z": "a"}, "tolerations": [{"key": "k"}]}},
    {"spec": {"template": {"spec": {"containers": [{"name": "new", "image": "x"}]}}}},
    {"<(spec)": {"+(hostNetwork)": False}, "metadata": {"annotations": {"+(a)": "b"}}},
    [{"op": "replace", "path": "/spec/containers/-1/image", "value": "y"}, {"op": "test", "path": "/kind", "value": "Pod"}],
]
for sample in samples[:12]:
    for patch in patches:
        put("mutate", json.dumps(sample) + "\n" + json.dumps(patch))

# Migrations: every ClusterPolicy and Policy with validate rules, whole.
for data in texts:
    if re.search(rb"^kind:\s*(Cluster)?Policy\s*$", data, re.M) and b"validate:" in data:
        put("migrate", data)

# LSP sessions: open a policy, ask for every feature, edit it, shut down.
def frame(msg):
    body = json.dumps(msg).encode()
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)

def session(text, broken=False):
    uri = "untitled:policy.yaml"
    pos = {"textDocument": {"uri": uri}, "position": {"line": 3, "character": 4}}
    msgs = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": None,
         "capabilities": {"general": {"positionEncodings": ["utf-8", "utf-16"]}}}},
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {
         "uri": uri, "languageId": "yaml", "version": 1, "text": text}}},
        {"jsonrpc": "2.0", "id": 2, "method": "textDocument/hover", "params": pos},
        {"jsonrpc": "2.0", "id": 3, "method": "textDocument/completion", "params": pos},
        {"jsonrpc": "2.0", "id": 4, "method": "textDocument/signatureHelp", "params": pos},
        {"jsonrpc": "2.0", "id": 5, "method": "textDocument/documentSymbol",
         "params": {"textDocument": {"uri": uri}}},
        {"jsonrpc": "2.0", "id": 6, "method": "textDocument/codeLens",
         "params": {"textDocument": {"uri": uri}}},
        {"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {
         "textDocument": {"uri": uri, "version": 2}, "contentChanges": [
         {"range": {"start": {"line": 1, "character": 0}, "end": {"line": 1, "character": 2}},
          "text": "é{{ x }}"}]}},
        {"jsonrpc": "2.0", "id": 7, "method": "workspace/executeCommand",
         "params": {"command": "kyverno.showRuleResults", "arguments": [uri]}},
        {"jsonrpc": "2.0", "method": "textDocument/didClose",
         "params": {"textDocument": {"uri": uri}}},
        {"jsonrpc": "2.0", "id": 8, "method": "shutdown"},
        {"jsonrpc": "2.0", "method": "exit"},
    ]
    data = b"".join(frame(m) for m in msgs)
    if broken:
        data = b"Content-Length: 5\r\n\r\n{oops" + data[:len(data) // 2] + b"\r\n\r\nContent-Length: x\r\n\r\n"
    return data

for data in texts[:40]:
    text = data.decode("utf-8", "replace")
    if len(text) < 6000:
        put("lsp", session(text))
        put("lsp", session(text, broken=True))
PY
    local targets=("$@")
    [[ ${#targets[@]} -eq 0 ]] && targets=("${TARGETS[@]}")
    for target in "${targets[@]}"; do
        echo "$target: $(find "$seeds/$target" -type f | wc -l) seeds"
        cmin "$target" "$seeds/$target"
    done
    rm -rf "$seeds"
}

case "${1:-}" in
    seed)
        build
        seed "${@:2}"
        ;;
    cmin)
        build "$2"
        cmin "$2" "${3:-}"
        ;;
    all)
        build
        for target in "${TARGETS[@]}"; do run "$target" "${2:?seconds}"; done
        ;;
    yaml | jmespath | template | analysis | lsp)
        build "$1"
        run "$1" "${2:?seconds}"
        ;;
    *)
        sed -n '2,19p' "$0"
        exit 2
        ;;
esac
