#!/usr/bin/env bash
# CI for the VS Code extension. Needs Node.js 20+ and npm; run it after `cargo build --release`
# so that the protocol test and the platform-specific package find target/release/kyverno-ls
# (or set KYVERNO_LS / KYVERNO_LS_BINARY). Prints the paths of the .vsix files it built.
set -euo pipefail
cd "$(dirname "$0")"

echo "== node $(node --version), npm $(npm --version)"

echo "== npm ci"
# No install scripts: esbuild finds its platform binary without one, and vsce's optional
# keytar would try to download a prebuilt binary.
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

echo "== typecheck"
npm run --silent typecheck

echo "== build"
npm run --silent build

echo "== tests"
npm test --silent

echo "== package"
npm run --silent package

echo "== packages built"
ls -1 "$PWD"/dist/*.vsix
