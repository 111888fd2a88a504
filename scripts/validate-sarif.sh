#!/usr/bin/env bash
# Validates what `kyverno-ls check --format sarif` writes with Microsoft's SARIF multitool
# (`sarif-multitool validate`, from npm, pinned by scripts/sarif-multitool/package-lock.json):
# the SARIF 2.1.0 schema, the specification's rules (SARIF1xxx, SARIF2xxx) and GitHub code
# scanning's ingestion rules (GH1xxx).
#
# Usage: scripts/validate-sarif.sh
# Needs Node.js 20+ and npm, and a built binary: target/release/kyverno-ls (in CARGO_TARGET_DIR
# when set), or the one KYVERNO_LS names. The multitool is installed into target/ci-node/ on
# the first run.
#
# The logs cover every fixture of tests/cases/, the examples, tests/ci_output/, a few
# generated files (not UTF-8, empty, non-ASCII folder names, a resource file outside the
# repository) and, when ../shared is there, the upstream policy library. The run fails on any
# error, on any warning not listed in ACCEPTED below, and when the multitool cannot run.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

target=${CARGO_TARGET_DIR:-$repo/target}
bin=${KYVERNO_LS:-$target/release/kyverno-ls}
if [ ! -x "$bin" ]; then
  echo "error: no kyverno-ls binary at $bin (run cargo build --release, or set KYVERNO_LS)" >&2
  exit 2
fi

# Installed from the lock file into target/, like the other CI tools, and reused while the
# lock file is unchanged.
tools=$target/ci-node/sarif-multitool
lock=scripts/sarif-multitool/package-lock.json
if ! cmp -s "$lock" "$tools/package-lock.json" 2>/dev/null; then
  rm -rf "$tools"
  mkdir -p "$tools"
  cp scripts/sarif-multitool/package.json "$lock" "$tools/"
  (cd "$tools" && npm ci --no-audit --no-fund --loglevel=error)
fi
# The package's own launcher runs the native tool through a shell, which splits the `;` of
# `--rule-kind Sarif;Gh`; the package's main export is the native tool's path.
multitool=$(cd "$tools" && node -p "require('@microsoft/sarif-multitool')")
# The multitool is a .NET program: without this it needs the ICU libraries, which a fresh
# machine may lack, and validation needs no culture data.
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
logs=$work/logs
mkdir -p "$logs"

# `check` exits 1 when it finds errors, which the fixtures have on purpose; 2 is a failure.
sarif() {
  local name=$1
  shift
  local status=0
  "$bin" check --format sarif "$@" >"$logs/$name.sarif" || status=$?
  if [ "$status" -gt 1 ]; then
    echo "error: kyverno-ls check $* exited with $status" >&2
    exit 1
  fi
  echo "$name.sarif: $(node -e 'const l = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(`${l.runs[0].results.length} results`)' "$logs/$name.sarif")"
}

echo "== SARIF logs"
sarif cases tests/cases
sarif cases-without-samples --no-builtin-samples tests/cases
sarif examples examples
sarif ci-output tests/ci_output/policy.yaml
# Findings of a kustomize build, related to the kustomization in another file.
sarif kustomize tests/fixtures/kustomize

# Files whose names and contents stress paths, URIs and regions, in a repository of their own.
generated=$work/repository
mkdir -p "$generated/.git" "$generated/politiques été/a b#c" "$work/outside"
cp tests/ci_output/policy.yaml "$generated/politiques été/a b#c/policy 1.yaml"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: caf\xe9\n' >"$generated/latin1.yaml"
: >"$generated/empty.yaml"
printf 'kind: ClusterPolicy\r\napiVersion: kyverno.io/v1\r\nmetadata: {name: x}\r\nspec:\r\n  rules: [{name: r, match: {resources: {kinds: [Pod]}}, validate: {pattern: {x: y}}}]' \
  >"$generated/flow-crlf.yaml"
printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: outside\nspec:\n  containers: [{name: a, image: nginx}]\n' \
  >"$work/outside/pod.yaml"
(cd "$generated/politiques été" && sarif generated --resource "$work/outside/pod.yaml" "$generated")

shared=${KYVERNO_LS_SHARED:-$repo/../shared}
library=$shared/conformance/kyverno-policies
if [ -d "$library" ]; then
  sarif policy-library "$library"
elif [ "${KYVERNO_LS_REQUIRE_SHARED:-}" = 1 ]; then
  # As for the tests: CI must not silently validate less than it claims.
  echo "error: the policy library is absent ($library) and KYVERNO_LS_REQUIRE_SHARED=1" >&2
  exit 1
else
  echo "skipped: the policy library ($library is absent)"
fi

echo "== sarif-multitool validate (Sarif and GitHub rules)"
# Its flags take a value (`--quiet true`); a bare flag is a usage error.
"$multitool" validate --quiet true --rule-kind "Sarif;Gh" --output "$work/validation.sarif" "$logs"/*.sarif

# Warnings that are expected, each with its reason: rule id, then a piece of its message.
#
# SARIF2005 asks for the tool's `informationUri`: kyverno-ls gives its package's `repository`
# (or `homepage`) from Cargo.toml there, and the package names none yet.
ACCEPTED='[["SARIF2005", "does not provide '"'"'informationUri'"'"'"]]'
node - "$work/validation.sarif" "$ACCEPTED" <<'EOF'
const fs = require('fs');
const [file, acceptedJson] = process.argv.slice(2);
const accepted = JSON.parse(acceptedJson);
const log = JSON.parse(fs.readFileSync(file, 'utf8'));
let failed = false;
const counts = { error: 0, warning: 0, note: 0, accepted: 0 };
for (const run of log.runs) {
  for (const inv of run.invocations || []) {
    if (!inv.executionSuccessful) {
      console.log('error: the multitool did not run to the end');
      failed = true;
    }
    for (const n of inv.toolExecutionNotifications || []) {
      if ((n.level || 'warning') === 'error') {
        console.log(`error: ${n.message && n.message.text}`);
        failed = true;
      }
    }
  }
  const rules = (run.tool.driver.rules || []);
  for (const r of run.results || []) {
    const level = r.level || 'warning';
    const rule = rules.find((x) => x.id === r.ruleId) || {};
    const template = rule.messageStrings && r.message.id && rule.messageStrings[r.message.id];
    let text = template ? template.text : (r.message.text || '');
    (r.message.arguments || []).forEach((a, i) => { text = text.split(`{${i}}`).join(a); });
    const where = (r.locations || []).map((l) => l.physicalLocation.artifactLocation.uri).join(' ');
    if (level === 'warning' && accepted.some(([id, piece]) => id === r.ruleId && text.includes(piece))) {
      if (counts.accepted++ === 0) console.log(`accepted warning ${r.ruleId}: ${text}`);
      continue;
    }
    counts[level] = (counts[level] || 0) + 1;
    console.log(`${level} ${r.ruleId}: ${text} (${where})`);
    if (level === 'error' || level === 'warning') failed = true;
  }
}
console.log(`${counts.error} errors, ${counts.warning} warnings, ${counts.note} notes; ${counts.accepted} accepted warnings`);
process.exit(failed ? 1 : 0);
EOF
echo "SARIF valid"
