#!/usr/bin/env bash
# Batch test of Emacs eglot against the real server.
# The server comes from ABSTRAKT_LSP_BIN (default: <repo>/target/release/abstrakt-lsp).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(git -C "$here" rev-parse --show-toplevel)"
export ABSTRAKT_LSP_BIN="${ABSTRAKT_LSP_BIN:-$root/target/release/abstrakt-lsp}"
[ -x "$ABSTRAKT_LSP_BIN" ] || { echo "no server binary at $ABSTRAKT_LSP_BIN" >&2; exit 1; }
state="$(mktemp -d "${TMPDIR:-/tmp}/abstrakt-emacs.XXXXXX")"
trap 'rm -rf "$state"' EXIT
cp -r "$root/editors/fixtures/workspace" "$state/workspace"
# eglot finds the project through project.el: make the fixture a VC root.
git -C "$state/workspace" init -q
export ABSTRAKT_FIXTURE="$state/workspace/app.js"
export HOME="$state/home"
mkdir -p "$HOME"
timeout 120 emacs --batch -l "$here/abstrakt-eglot-test.el" </dev/null
