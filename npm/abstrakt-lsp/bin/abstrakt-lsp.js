#!/usr/bin/env node
// The `abstrakt-lsp` command of the npm package: finds the native binary that
// npm installed from the matching `@abstrakt-lsp/cli-<platform>` optional
// dependency (the esbuild/biome layout: npm keeps only the one whose `os` and
// `cpu` fit) and runs it with the same arguments, stdio and exit status.
'use strict';

const { spawnSync } = require('node:child_process');
const path = require('node:path');

/** `${process.platform}-${process.arch}` → the package that carries its binary. */
const PACKAGES = {
  'darwin-arm64': '@abstrakt-lsp/cli-darwin-arm64',
  'darwin-x64': '@abstrakt-lsp/cli-darwin-x64',
  'linux-arm64': '@abstrakt-lsp/cli-linux-arm64',
  'linux-x64': '@abstrakt-lsp/cli-linux-x64',
  'win32-x64': '@abstrakt-lsp/cli-win32-x64',
};

/** Exit status of the CLI for errors that are not findings (see docs/cli.md). */
const EXIT_ERROR = 2;

function fail(message) {
  process.stderr.write(`abstrakt-lsp: ${message}\n`);
  process.exit(EXIT_ERROR);
}

function binaryPath() {
  const platform = `${process.platform}-${process.arch}`;
  const pkg = PACKAGES[platform];
  if (!pkg) {
    fail(
      `there is no prebuilt binary for this platform (${platform}); prebuilt binaries exist for ` +
        `${Object.keys(PACKAGES).join(', ')}. Build it from source instead: cargo install abstrakt-lsp`,
    );
  }
  let dir;
  try {
    dir = path.dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    fail(
      `the binary for this platform (${platform}) comes in the optional dependency ${pkg}, ` +
        'which is not installed. It is skipped when optional dependencies are omitted ' +
        '(--no-optional, --omit=optional) or when the lockfile was made on another platform: ' +
        `reinstall abstrakt-lsp without those, or add ${pkg} to your dependencies.`,
    );
  }
  return path.join(dir, process.platform === 'win32' ? 'abstrakt-lsp.exe' : 'abstrakt-lsp');
}

const binary = binaryPath();
const result = spawnSync(binary, process.argv.slice(2), { stdio: 'inherit', windowsHide: true });
if (result.error) {
  fail(`could not run ${binary}: ${result.error.message}`);
}
if (result.signal) {
  // Die of the same signal, so callers see what happened to the binary.
  process.kill(process.pid, result.signal);
}
process.exit(result.status ?? EXIT_ERROR);
