#!/usr/bin/env bash
# Builds every release artifact of abstrakt-lsp for one target (default: the
# host) into OUT_DIR:
#
#   abstrakt-lsp-<version>-<target>.tar.gz      the stripped binary + README, CHANGELOG, LICENSE
#   abstrakt_lsp-<version>-py3-none-<tag>.whl   the PyPI wheel (maturin, bindings = "bin")
#   abstrakt-lsp-<version>.tgz                  npm: the main package (a Node shim)
#   abstrakt-lsp-cli-<platform>-<version>.tgz   npm: @abstrakt-lsp/cli-<platform>, the binary
#   abstrakt-<vscode-target>-<version>.vsix     the VS Code extension with the binary bundled
#   SHA256SUMS                                  of all of the above
#
#   packaging/build.sh OUT_DIR [--target TRIPLE]
#
# The crate is compiled once (cargo build --release; the release profile is the
# shipped one: stripped, see Cargo.toml), and every package carries that same
# binary: maturin finds the build up to date and only links the wheel. Needs
# Rust, Node 18+ with npm, Python 3.11+; installs maturin into
# target/packaging-tools and the extension's npm dependencies itself.
# ABSTRAKT_PACKAGES="tarball wheel npm vsix" picks a subset.
# Documented in docs/install.md.
set -euo pipefail

usage() {
  echo "usage: $0 OUT_DIR [--target TRIPLE]" >&2
  exit 2
}
[ $# -ge 1 ] || usage
out="$1"
shift
target=""
while [ $# -gt 0 ]; do
  case "$1" in
    --target) [ $# -ge 2 ] || usage; target="$2"; shift 2 ;;
    *) usage ;;
  esac
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
packages=" ${ABSTRAKT_PACKAGES:-tarball wheel npm vsix} "
wants() { [[ "$packages" == *" $1 "* ]]; }
MATURIN_VERSION=1.16.0

step() { echo; echo "=== build.sh: $* ($(date -u +%H:%M:%S))"; }

python="${PYTHON:-$(command -v python3 || command -v python)}"
step "versions"
"$python" packaging/versions.py
version="$("$python" packaging/versions.py --print)"

host="$(rustc -vV | sed -n 's/^host: //p')"
target="${target:-$host}"
# The npm platform (process.platform-process.arch) and VS Code target of a Rust target.
case "$target" in
  x86_64-unknown-linux-*) platform=linux-x64 ;;
  aarch64-unknown-linux-*) platform=linux-arm64 ;;
  x86_64-apple-darwin) platform=darwin-x64 ;;
  aarch64-apple-darwin) platform=darwin-arm64 ;;
  x86_64-pc-windows-msvc) platform=win32-x64 ;;
  *) echo "build.sh: no npm/VS Code platform for target $target" >&2; exit 1 ;;
esac
exe=abstrakt-lsp
case "$target" in *windows*) exe=abstrakt-lsp.exe ;; esac
target_args=()
bin_dir="$root/target/release"
if [ "$target" != "$host" ]; then
  target_args=(--target "$target")
  bin_dir="$root/target/$target/release"
fi
bin="$bin_dir/$exe"
echo "abstrakt-lsp $version for $target (npm/VS Code platform $platform) into $out"

stage="$(mktemp -d "${TMPDIR:-/tmp}/abstrakt-build.XXXXXX")"
trap 'rm -rf "$stage"' EXIT

step "cargo build --release ${target_args[*]}"
start=$(date +%s)
cargo build --release --locked "${target_args[@]}"
echo "cargo build: $(( $(date +%s) - start )) s"
[ -x "$bin" ] || { echo "build.sh: no binary at $bin" >&2; exit 1; }
if [ "$target" = "$host" ]; then
  built="$("$bin" --version)"
  [ "$built" = "abstrakt-lsp $version" ] || { echo "build.sh: $bin --version printed '$built', expected 'abstrakt-lsp $version'" >&2; exit 1; }
fi

if wants tarball; then
  step "release tarball"
  name="abstrakt-lsp-$version-$target"
  mkdir -p "$stage/$name"
  cp "$bin" "$stage/$name/$exe"
  cp README.md CHANGELOG.md "$stage/$name/"
  cp editors/vscode/LICENSE "$stage/$name/LICENSE"
  rm -f "$out/$name.tar.gz"
  tar -czf "$out/$name.tar.gz" -C "$stage" "$name"
fi

if wants wheel; then
  step "wheel (maturin $MATURIN_VERSION)"
  maturin="$(command -v maturin || true)"
  if [ -z "$maturin" ] || ! "$maturin" --version | grep -q " $MATURIN_VERSION\$"; then
    tools="$root/target/packaging-tools"
    if [ ! -x "$tools/bin/maturin" ] || ! "$tools/bin/maturin" --version | grep -q " $MATURIN_VERSION\$"; then
      "$python" -m venv "$tools"
      "$tools/bin/python" -m pip install --quiet --disable-pip-version-check "maturin==$MATURIN_VERSION" \
        || "$tools/Scripts/python" -m pip install --quiet --disable-pip-version-check "maturin==$MATURIN_VERSION"
    fi
    maturin="$tools/bin/maturin"
    [ -x "$maturin" ] || maturin="$tools/Scripts/maturin.exe"
  fi
  rm -f "$out"/abstrakt_lsp-*.whl
  start=$(date +%s)
  # Same profile, target and target dir as the cargo build above: nothing is recompiled.
  "$maturin" build --release --locked "${target_args[@]}" --out "$out" ${ABSTRAKT_MATURIN_ARGS:-}
  echo "maturin build: $(( $(date +%s) - start )) s"
fi

if wants npm; then
  step "npm packages"
  pkg="@abstrakt-lsp/cli-$platform"
  os="${platform%-*}"
  cpu="${platform#*-}"
  mkdir -p "$stage/npm-cli" "$stage/npm-main"
  cp "$bin" "$stage/npm-cli/$exe"
  chmod 755 "$stage/npm-cli/$exe"
  cp editors/vscode/LICENSE "$stage/npm-cli/LICENSE"
  cat >"$stage/npm-cli/README.md" <<EOF
# $pkg

The $platform binary of [abstrakt-lsp](https://github.com/abstrakt-lsp/abstrakt-lsp).
Install [\`abstrakt-lsp\`](https://www.npmjs.com/package/abstrakt-lsp) instead: it
depends on this package on $platform and runs its binary.
EOF
  node - "$stage/npm-cli/package.json" "$pkg" "$version" "$os" "$cpu" "$exe" "$platform" <<'EOF'
const fs = require('node:fs');
const [file, name, version, os, cpu, exe, platform] = process.argv.slice(2);
const main = JSON.parse(fs.readFileSync('npm/abstrakt-lsp/package.json', 'utf8'));
const manifest = {
  name,
  version,
  description: `The ${platform} binary of abstrakt-lsp (installed by the abstrakt-lsp package)`,
  license: main.license,
  homepage: main.homepage,
  repository: main.repository,
  os: [os],
  cpu: [cpu],
  files: [exe, 'LICENSE', 'README.md'],
  preferUnplugged: true,
};
if (!(name in main.optionalDependencies)) {
  throw new Error(`${name} is not among the optionalDependencies of npm/abstrakt-lsp/package.json`);
}
fs.writeFileSync(file, JSON.stringify(manifest, null, 2) + '\n');
EOF
  cp -R npm/abstrakt-lsp/. "$stage/npm-main/"
  cp editors/vscode/LICENSE "$stage/npm-main/LICENSE"
  cp npm/README.md "$stage/npm-main/README.md"
  rm -f "$out/abstrakt-lsp-$version.tgz" "$out/abstrakt-lsp-cli-$platform-$version.tgz"
  (cd "$stage/npm-cli" && npm pack --silent --ignore-scripts --pack-destination "$out")
  (cd "$stage/npm-main" && npm pack --silent --ignore-scripts --pack-destination "$out")
fi

if wants vsix; then
  step "VS Code extension ($platform)"
  (
    cd editors/vscode
    npm ci --no-audit --no-fund --loglevel=error
    rm -f ./*.vsix
    ABSTRAKT_LSP_BUNDLE="$bin" ABSTRAKT_VSCE_TARGET="$platform" npm run --silent package
  )
  rm -f "$out"/abstrakt-"$platform"-*.vsix
  mv editors/vscode/abstrakt-"$platform"-"$version".vsix "$out/"
fi

step "SHA256SUMS"
(
  cd "$out"
  rm -f SHA256SUMS
  files=()
  for f in ./*.tar.gz ./*.whl ./*.tgz ./*.vsix; do
    [ -f "$f" ] && files+=("${f#./}")
  done
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "${files[@]}" >SHA256SUMS
  else
    shasum -a 256 "${files[@]}" >SHA256SUMS
  fi
  cat SHA256SUMS
  echo
  ls -l "${files[@]}" | awk '{ printf "%10d  %s\n", $5, $NF }'
)
