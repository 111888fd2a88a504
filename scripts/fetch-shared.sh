#!/usr/bin/env bash
# Fetches the public reference data the tests measure against into DEST (default: ../shared
# next to this repository), each source at the commit its README there names:
#
#   conformance/kyverno-policies/  kyverno/policies: every policy folder that has a
#                                  .kyverno-test/kyverno-test.yaml, YAML files only (the
#                                  policy, .kyverno-test/ and .chainsaw-test*/)
#   jmespath-compliance/           jmespath/jmespath.test: tests/*.json
#   kyverno-crds/                  kyverno/kyverno: config/crds/kyverno/ and
#                                  config/crds/policies.kyverno.io/, in one folder
#   kyverno-cli-tests/cli/         kyverno/kyverno: test/cli
#   cel-spec/                      google/cel-spec: doc/langdef.md, tests/simple/testdata/
#
# The Kubernetes OpenAPI definitions (k8s-openapi/, the `kubernetes-validate` 1.37.0 package's
# kubernetes-json-schema/v1.37.0-local-strict/_definitions.json, see its README) are not fetched
# yet, and tests/k8s_schema.rs reads them: with KYVERNO_LS_REQUIRE_SHARED=1, put them there first.
# The tests look for the data at $KYVERNO_LS_SHARED, else ../shared; without it they skip
# with a `skipped:` line, unless KYVERNO_LS_REQUIRE_SHARED=1.
#
# Needs git and network access to github.com. It has not been run where it was written
# (no network there), so check the first run's layout against the tests' expectations.
#
# Usage: scripts/fetch-shared.sh [DEST]
set -euo pipefail

POLICIES_COMMIT=b9c4317ce02256dc66118e08bb3e9345e7bfce5c
JMESPATH_COMMIT=53abcc37901891cf4308fcd910eab287416c4609
KYVERNO_COMMIT=111e07bbecc66abfde36ab99969af22d7a961003
CEL_SPEC_COMMIT=508bd98efda47d85bcf1b9930dd5f35fa37e9a18

repo_root="$(cd "$(dirname "$0")/.." && pwd)"
dest="${1:-$repo_root/../shared}"
mkdir -p "$dest"
dest="$(cd "$dest" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# checkout NAME URL COMMIT: a shallow checkout of one commit in $work/NAME.
checkout() {
    local dir="$work/$1"
    git init --quiet "$dir"
    git -C "$dir" fetch --quiet --depth 1 "$2" "$3"
    git -C "$dir" checkout --quiet FETCH_HEAD
}

# copy_yaml FROM TO: the .yaml files below FROM, at the same relative paths below TO.
copy_yaml() {
    (cd "$1" && find . -type f -name '*.yaml' -print0) |
        while IFS= read -r -d '' f; do
            mkdir -p "$2/$(dirname "$f")"
            cp "$1/$f" "$2/$f"
        done
}

echo "kyverno/policies at $POLICIES_COMMIT"
checkout policies https://github.com/kyverno/policies.git "$POLICIES_COMMIT"
out="$dest/conformance/kyverno-policies"
rm -rf "$out"
(cd "$work/policies" && find . -path '*/.kyverno-test/kyverno-test.yaml' -print0) |
    while IFS= read -r -d '' manifest; do
        folder="$(dirname "$(dirname "$manifest")")"
        mkdir -p "$out/$folder"
        find "$work/policies/$folder" -maxdepth 1 -type f -name '*.yaml' -exec cp {} "$out/$folder/" \;
        for sub in "$work/policies/$folder"/.kyverno-test "$work/policies/$folder"/.chainsaw-test*; do
            [ -d "$sub" ] && copy_yaml "$sub" "$out/$folder/$(basename "$sub")"
        done
    done

echo "jmespath/jmespath.test at $JMESPATH_COMMIT"
checkout jmespath https://github.com/jmespath/jmespath.test.git "$JMESPATH_COMMIT"
rm -rf "$dest/jmespath-compliance"
mkdir -p "$dest/jmespath-compliance"
cp "$work/jmespath/tests/"*.json "$dest/jmespath-compliance/"

echo "kyverno/kyverno at $KYVERNO_COMMIT"
checkout kyverno https://github.com/kyverno/kyverno.git "$KYVERNO_COMMIT"
rm -rf "$dest/kyverno-crds" "$dest/kyverno-cli-tests/cli"
mkdir -p "$dest/kyverno-crds" "$dest/kyverno-cli-tests"
cp "$work/kyverno/config/crds/kyverno/"*.yaml "$work/kyverno/config/crds/policies.kyverno.io/"*.yaml \
    "$dest/kyverno-crds/"
cp -R "$work/kyverno/test/cli" "$dest/kyverno-cli-tests/cli"

echo "google/cel-spec at $CEL_SPEC_COMMIT"
checkout cel-spec https://github.com/google/cel-spec.git "$CEL_SPEC_COMMIT"
rm -rf "$dest/cel-spec"
mkdir -p "$dest/cel-spec"
cp "$work/cel-spec/doc/langdef.md" "$work/cel-spec/LICENSE" "$dest/cel-spec/"
cp -R "$work/cel-spec/tests/simple/testdata" "$dest/cel-spec/testdata"

echo "done: $dest"
