#!/usr/bin/env bash
# Installs code-server (VS Code in the browser) from npm into
# editors/vscode/e2e/.code-server/ without any download outside the registries:
# @vscode/ripgrep's postinstall normally fetches rg from GitHub, so a tarball
# with Debian's rg is put where it looks for its cached download first.
# Needs: node 20, npm, build tools, libkrb5-dev, ripgrep (apt).
set -euo pipefail
CODE_SERVER_VERSION="${CODE_SERVER_VERSION:-4.100.3}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dest="$here/.code-server"
bin="$dest/node_modules/.bin/code-server"

installed_version() {
  node -p "require('$dest/node_modules/code-server/package.json').version" 2>/dev/null || true
}
if [ -x "$bin" ] && [ "$(installed_version)" = "$CODE_SERVER_VERSION" ] \
  && [ -x "$dest/node_modules/code-server/lib/vscode/node_modules/@vscode/ripgrep/bin/rg" ]; then
  echo "code-server $CODE_SERVER_VERSION already installed in $dest"
  exit 0
fi

command -v rg >/dev/null || { echo "ripgrep (rg) is needed: apt-get install -y ripgrep" >&2; exit 1; }
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" = 20 ] || { echo "code-server $CODE_SERVER_VERSION needs Node 20, found $(node --version)" >&2; exit 1; }

rm -rf "$dest"
mkdir -p "$dest/tmp"
export TMPDIR="$dest/tmp"

# Which @vscode/ripgrep does this code-server pin, and which rg release tag does it fetch?
work="$(mktemp -d)"
(cd "$work" && npm pack --silent "code-server@$CODE_SERVER_VERSION" >/dev/null && tar xzf code-server-*.tgz package/lib/vscode/npm-shrinkwrap.json)
rg_pkg_version="$(node -p "require('$work/package/lib/vscode/npm-shrinkwrap.json').packages['node_modules/@vscode/ripgrep'].version")"
(cd "$work" && npm pack --silent "@vscode/ripgrep@$rg_pkg_version" >/dev/null && tar xzf vscode-ripgrep-*.tgz package/lib/postinstall.js)
rg_tag="$(sed -n "s/^const VERSION = '\(.*\)';.*/\1/p" "$work/package/lib/postinstall.js")"
[ -n "$rg_tag" ] || { echo "could not read the ripgrep release tag from @vscode/ripgrep@$rg_pkg_version" >&2; exit 1; }
case "$(uname -m)" in
  x86_64) rg_target=x86_64-unknown-linux-musl ;;
  aarch64) rg_target=aarch64-unknown-linux-musl ;;
  *) echo "unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac
cache="$TMPDIR/vscode-ripgrep-cache-$rg_pkg_version"
mkdir -p "$cache" "$work/rg"
cp "$(command -v rg)" "$work/rg/rg"
tar czf "$cache/ripgrep-$rg_tag-$rg_target.tar.gz" -C "$work/rg" rg
rm -rf "$work"
echo "Seeded $cache/ripgrep-$rg_tag-$rg_target.tar.gz with $(rg --version | head -1)"

cd "$dest"
echo '{ "name": "abstrakt-e2e-code-server", "private": true }' > package.json
# code-server's postinstall runs `npm install` in lib/vscode (native modules) and
# needs install scripts; npm only runs dependency scripts when allowed.
npm_config_yes=true npm_config_unsafe_perm=true npm_config_dangerously_allow_all_scripts=true \
  npm install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION"
[ -x "$dest/node_modules/code-server/lib/vscode/node_modules/@vscode/ripgrep/bin/rg" ] \
  || { echo "code-server installed without ripgrep" >&2; exit 1; }
rm -rf "$TMPDIR"
echo "Installed code-server $(installed_version) in $dest"
