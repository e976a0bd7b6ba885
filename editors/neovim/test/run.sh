#!/usr/bin/env bash
# Runs the headless Neovim test against the real server.
#   editors/neovim/test/run.sh NVIM_BINARY [native|setup]
# The server comes from ABSTRAKT_LSP_BIN (default: <repo>/target/release/abstrakt-lsp).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(git -C "$here" rev-parse --show-toplevel)"
nvim="${1:?usage: run.sh NVIM_BINARY [native|setup]}"
mode="${2:-setup}"
export ABSTRAKT_LSP_BIN="${ABSTRAKT_LSP_BIN:-$root/target/release/abstrakt-lsp}"
export ABSTRAKT_PLUGIN_DIR="$root/editors/neovim"
export ABSTRAKT_MODE="$mode"
[ -x "$ABSTRAKT_LSP_BIN" ] || { echo "no server binary at $ABSTRAKT_LSP_BIN" >&2; exit 1; }

# Isolated Neovim state inside the clone.
state="$(mktemp -d "${TMPDIR:-/tmp}/abstrakt-nvim.XXXXXX")"
trap 'rm -rf "$state"' EXIT
cp -r "$root/editors/fixtures/workspace" "$state/workspace"
export ABSTRAKT_FIXTURE="$state/workspace/app.js"
export XDG_CONFIG_HOME="$state/config" XDG_DATA_HOME="$state/data" XDG_STATE_HOME="$state/state" XDG_CACHE_HOME="$state/cache"
export HOME="$state/home"
mkdir -p "$HOME"
# No network here: the server uses its built-in data (settings stay at their defaults).
export ABSTRAKT_OFFLINE=1

# The whole run is bounded; the test itself waits with vim.wait and timeouts.
set +e
timeout 120 "$nvim" --headless -u NONE -i NONE -n -c "luafile $here/lsp_test.lua" </dev/null
rc=$?
set -e
if [ $rc -ne 0 ]; then
  echo "--- lsp.log ---" >&2
  find "$state" -name 'lsp.log' -exec tail -n 40 {} \; >&2 || true
fi
exit $rc
