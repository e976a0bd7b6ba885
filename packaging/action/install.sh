#!/usr/bin/env bash
# Installs abstrakt-lsp for the GitHub Action (action.yml): the release tarball
# for this runner, verified against the release's SHA256SUMS, unpacked into
# RUNNER_TEMP and added to GITHUB_PATH. An abstrakt-lsp already on PATH is used
# instead when it has the requested version (or when the version is "path").
#
# Env: ABSTRAKT_VERSION (e.g. 0.1.0, or "path"), RUNNER_OS, RUNNER_ARCH,
#      RUNNER_TEMP, GITHUB_PATH (set by the runner);
#      ABSTRAKT_RELEASE_URL: where the release assets are (default: the GitHub
#      release of that version; CI points it at a local directory, file://...);
#      ABSTRAKT_TARGET: the Rust target whose tarball to install (default: the
#      runner's; CI sets the host's, whose tarball packaging/build.sh made).
set -euo pipefail

version="${ABSTRAKT_VERSION:?set ABSTRAKT_VERSION, the version input of the action}"
version="${version#v}"

if command -v abstrakt-lsp >/dev/null 2>&1; then
  have="$(abstrakt-lsp --version 2>/dev/null | awk '{print $2}')" || have=""
  if [ "$version" = path ] || [ "$have" = "$version" ]; then
    echo "Using $(command -v abstrakt-lsp) (abstrakt-lsp $have) from PATH"
    exit 0
  fi
  echo "abstrakt-lsp $have on PATH is not $version: installing $version"
elif [ "$version" = path ]; then
  echo "::error title=abstrakt-lsp::version: path, but there is no abstrakt-lsp on PATH" >&2
  exit 1
fi

case "${ABSTRAKT_TARGET:+target}${RUNNER_OS:-}-${RUNNER_ARCH:-}" in
  target*) target="$ABSTRAKT_TARGET" ;;
  Linux-X64) target=x86_64-unknown-linux-musl ;;
  Linux-ARM64) target=aarch64-unknown-linux-musl ;;
  macOS-X64) target=x86_64-apple-darwin ;;
  macOS-ARM64) target=aarch64-apple-darwin ;;
  Windows-X64) target=x86_64-pc-windows-msvc ;;
  *)
    echo "::error title=abstrakt-lsp::no release binary for ${RUNNER_OS:-?} ${RUNNER_ARCH:-?}; install abstrakt-lsp yourself (cargo install abstrakt-lsp) and use version: path" >&2
    exit 1
    ;;
esac

base="${ABSTRAKT_RELEASE_URL:-https://github.com/abstrakt-lsp/abstrakt-lsp/releases/download/v$version}"
name="abstrakt-lsp-$version-$target"
asset="$name.tar.gz"
dest="${RUNNER_TEMP:?}/abstrakt-lsp-$version"
rm -rf "$dest"
mkdir -p "$dest"

fetch() {
  curl --fail --silent --show-error --location --retry 3 --output "$2" "$1"
}
fetch "$base/$asset" "$dest/$asset"
fetch "$base/SHA256SUMS" "$dest/SHA256SUMS"

expected="$(awk -v a="$asset" '$2 == a || $2 == "*" a { print $1 }' "$dest/SHA256SUMS")"
if [ -z "$expected" ]; then
  echo "::error title=abstrakt-lsp::$asset is not listed in SHA256SUMS" >&2
  exit 1
fi
if command -v sha256sum >/dev/null 2>&1; then
  actual="$(sha256sum "$dest/$asset" | awk '{print $1}')"
else
  actual="$(shasum -a 256 "$dest/$asset" | awk '{print $1}')"
fi
if [ "$actual" != "$expected" ]; then
  echo "::error title=abstrakt-lsp::checksum mismatch for $asset: SHA256SUMS has $expected, the download is $actual" >&2
  exit 1
fi
echo "$asset: sha256 $actual (matches SHA256SUMS)"

tar -xzf "$dest/$asset" -C "$dest"
bin_dir="$dest/$name"
exe="$bin_dir/abstrakt-lsp"
[ -f "$exe" ] || exe="$exe.exe"
"$exe" --version
echo "$bin_dir" >>"${GITHUB_PATH:?}"
