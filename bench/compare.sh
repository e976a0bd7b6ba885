#!/usr/bin/env bash
# Whole-program speed comparison (a benchmark, not a test; not run in CI).
#
# Builds a corpus of real third-party JavaScript/TypeScript (popular npm
# packages at pinned versions, installed with --ignore-scripts) and Python
# (pure-Python PyPI wheels at pinned versions, unpacked), plus a generated
# folder with exactly N Abstrakt calls (TypeScript, Python, shell), then times
# side by side:
#
#   rg -c abstrakt                       the floor: reading the bytes
#   ast-grep run -p 'ai.run($$$A)'       a structural search, for js, ts and tsx
#   abstrakt-lsp check --format json     ours (release build)
#
# and prints ours/rg and ours/ast-grep, and checks that ours reports exactly N
# model uses. Targets: ours <= 2x rg and <= 0.1x ast-grep.
#
# Usage: bench/compare.sh [--runs N]      (from anywhere; needs cargo, npm, pip, rg;
#        uses hyperfine when installed: apt-get install -y hyperfine ripgrep)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
CORPUS="$TARGET/bench-corpus"
TOOLS="$TARGET/bench-tools"
RUNS=10
if [[ "${1:-}" == "--runs" ]]; then RUNS="$2"; fi

# Pinned packages: widely used, mostly JS/TS, about 10,000 source files together.
PACKAGES=(
  lodash@4.17.21
  rxjs@7.8.1
  core-js@3.37.1
  three@0.165.0
  typescript@5.4.5
  @babel/core@7.24.7
  eslint@9.5.0
  webpack@5.92.1
  react-dom@18.3.1
  zod@3.23.8
)
# Pinned pure-Python wheels: about 3,000 .py files together.
PY_PACKAGES=(
  Django==5.0.6
  requests==2.32.3
  httpx==0.27.0
  Flask==3.0.3
  SQLAlchemy==2.0.30
)
CALLS_PER_FILE=5
GENERATED_FILES=200
GENERATED_PY_FILES=100
GENERATED_SH_FILES=20
N=$((CALLS_PER_FILE * (GENERATED_FILES + GENERATED_PY_FILES) + GENERATED_SH_FILES))

need() { command -v "$1" >/dev/null || { echo "compare.sh: $1 is required" >&2; exit 2; }; }
need cargo; need npm; need rg; need python3

echo "== building abstrakt-lsp (release)" >&2
(cd "$ROOT" && cargo build --release --quiet)
OURS="$TARGET/release/abstrakt-lsp"

if [[ ! -x "$TOOLS/node_modules/.bin/ast-grep" ]]; then
  echo "== installing @ast-grep/cli into $TOOLS" >&2
  mkdir -p "$TOOLS"
  (cd "$TOOLS" && [[ -f package.json ]] || echo '{"private":true}' > "$TOOLS/package.json")
  (cd "$TOOLS" && npm install --no-audit --no-fund --silent @ast-grep/cli@0.51.1)
fi
AST_GREP="$TOOLS/node_modules/.bin/ast-grep"

if [[ ! -f "$CORPUS/.complete" ]]; then
  echo "== building the corpus in $CORPUS" >&2
  rm -rf "$CORPUS"
  mkdir -p "$CORPUS/install"
  echo '{"private":true}' > "$CORPUS/install/package.json"
  (cd "$CORPUS/install" && npm install --ignore-scripts --no-audit --no-fund --silent "${PACKAGES[@]}")
  # Out of node_modules (which ignore files commonly exclude) into a plain folder.
  mv "$CORPUS/install/node_modules" "$CORPUS/packages"
  rm -rf "$CORPUS/install"

  mkdir -p "$CORPUS/app"
  for ((f = 0; f < GENERATED_FILES; f++)); do
    {
      echo "import Abstrakt from '@abstrakt/sdk';"
      echo "const abstrakt = new Abstrakt({ apiKey: process.env.ABSTRAKT_API_KEY });"
      for ((c = 0; c < CALLS_PER_FILE; c++)); do
        echo "export const render$c = (prompt) => abstrakt.run('flux-dev', { prompt, seed: $f$c });"
      done
    } > "$CORPUS/app/generated$f.ts"
  done
  touch "$CORPUS/.complete"
fi

if [[ ! -f "$CORPUS/.complete-python" ]]; then
  echo "== adding Python and shell to the corpus" >&2
  rm -rf "$CORPUS/python" "$CORPUS/app-py" "$CORPUS/scripts"
  mkdir -p "$CORPUS/python/wheels"
  python3 -m pip download --quiet --no-deps --only-binary :all: --dest "$CORPUS/python/wheels" "${PY_PACKAGES[@]}"
  for wheel in "$CORPUS"/python/wheels/*.whl; do
    python3 -m zipfile -e "$wheel" "$CORPUS/python/$(basename "$wheel" .whl)"
  done
  rm -rf "$CORPUS/python/wheels"

  mkdir -p "$CORPUS/app-py" "$CORPUS/scripts"
  for ((f = 0; f < GENERATED_PY_FILES; f++)); do
    {
      echo "import os"
      echo "from abstrakt import Abstrakt"
      echo "client = Abstrakt(api_key=os.environ['ABSTRAKT_API_KEY'])"
      for ((c = 0; c < CALLS_PER_FILE; c++)); do
        echo "def render$c(prompt):"
        echo "    return client.run('flux-dev', {'prompt': prompt, 'seed': $f$c})"
      done
    } > "$CORPUS/app-py/generated$f.py"
  done
  for ((f = 0; f < GENERATED_SH_FILES; f++)); do
    {
      echo "#!/bin/sh"
      echo "curl https://api.abstrakt.one/v1/models/flux-dev/run -H \"Authorization: Bearer \$ABSTRAKT_API_KEY\" -d '{\"input\": {\"seed\": $f}}'"
    } > "$CORPUS/scripts/render$f.sh"
  done
  touch "$CORPUS/.complete-python"
fi

cd "$CORPUS"
JS_FILES=$(rg --files -g '*.{js,mjs,cjs,jsx,ts,mts,cts,tsx}' . | wc -l)
PY_FILES=$(rg --files -g '*.{py,pyi}' . | wc -l)
ALL_FILES=$(rg --files . | wc -l)
BYTES=$(rg --files . -0 | xargs -0 cat | wc -c)
echo "== corpus: $ALL_FILES files ($JS_FILES JS/TS, $PY_FILES Python), $((BYTES / 1024 / 1024)) MiB; $N Abstrakt calls in app/, app-py/, scripts/" >&2

# Correctness first: exactly N model uses and N findings (one attribution-required each).
"$OURS" check --format json --fail-on never . > "$TARGET/bench-ours.json"
python3 - "$TARGET/bench-ours.json" "$N" <<'PY'
import json, sys
summary = json.load(open(sys.argv[1]))["summary"]
n = int(sys.argv[2])
print(f"== ours: {summary['modelUses']} model uses, {summary['findings']} findings, "
      f"{summary['filesChecked']} files checked", file=sys.stderr)
if summary["modelUses"] != n or summary["findings"] != n:
    sys.exit(f"compare.sh: expected exactly {n} model uses and findings")
PY

RG_CMD="rg -c abstrakt ."
AST_CMD="sh -c \"$AST_GREP run -p 'ai.run(\\\$\\\$\\\$A)' -l js . ; $AST_GREP run -p 'ai.run(\\\$\\\$\\\$A)' -l ts . ; $AST_GREP run -p 'ai.run(\\\$\\\$\\\$A)' -l tsx . \""
OURS_CMD="$OURS check --format json --fail-on never ."

if command -v hyperfine >/dev/null; then
  hyperfine --warmup 2 --runs "$RUNS" --ignore-failure --style basic \
    --export-json "$TARGET/bench-times.json" \
    -n rg "$RG_CMD" -n ast-grep "$AST_CMD" -n abstrakt-lsp "$OURS_CMD" >&2
  python3 - "$TARGET/bench-times.json" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
mean = {name: results[name]["mean"] for name in results}
for name in ("rg", "ast-grep", "abstrakt-lsp"):
    r = results[name]
    print(f"{name:13} {r['mean'] * 1000:8.1f} ms ± {r['stddev'] * 1000:.1f}")
print(f"ours/rg       {mean['abstrakt-lsp'] / mean['rg']:.2f}x   (target <= 2)")
print(f"ours/ast-grep {mean['abstrakt-lsp'] / mean['ast-grep']:.3f}x  (target <= 0.1)")
PY
else
  time_it() {
    local start end
    start=$(date +%s%N)
    for ((i = 0; i < RUNS; i++)); do eval "$1" >/dev/null 2>&1 || true; done
    end=$(date +%s%N)
    echo $(((end - start) / RUNS / 1000))
  }
  RG_US=$(time_it "$RG_CMD"); AST_US=$(time_it "$AST_CMD"); OURS_US=$(time_it "$OURS_CMD")
  python3 - "$RG_US" "$AST_US" "$OURS_US" <<'PY'
import sys
rg, ast, ours = (int(x) / 1000 for x in sys.argv[1:])
print(f"rg            {rg:8.1f} ms\nast-grep      {ast:8.1f} ms\nabstrakt-lsp  {ours:8.1f} ms")
print(f"ours/rg       {ours / rg:.2f}x   (target <= 2)")
print(f"ours/ast-grep {ours / ast:.3f}x  (target <= 0.1)")
PY
fi
